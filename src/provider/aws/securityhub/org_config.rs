//! `org-config/securityhub`: the organisation configuration the administrator holds
//! (auto-enable for new accounts, auto-enable of default standards).

use std::time::Instant;

use aws_sdk_securityhub::operation::describe_organization_configuration::DescribeOrganizationConfigurationOutput;
use aws_sdk_securityhub::types::{
    AutoEnableStandards, OrganizationConfiguration, OrganizationConfigurationConfigurationType,
};

use super::Sh;
use crate::model::resource::OrgConfigValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Kind, ProviderError, Resource, Service, Target};
use crate::provider::aws::error::{Outcome, wire, fail, sdk_error, value_of};

/// AWS's status of the configuration type's switch when it is not ENABLED: `PENDING`, or
/// `FAILED: <AWS's message>`.
fn unfinished(c: &DescribeOrganizationConfigurationOutput) -> Option<String> {
    let o = c.organization_configuration()?;
    match o.status()?.as_str() {
        "ENABLED" => None,
        s => Some(match o.status_message() {
            Some(m) if !m.is_empty() => format!("{s}: {m}"),
            _ => s.to_string(),
        }),
    }
}

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    sh.gate("DescribeOrganizationConfiguration").await;
    match sh.client.describe_organization_configuration().send().await {
        Ok(c) => out.insert(
            Kind::OrgConfig,
            Some(Service::SecurityHub.id().into()),
            Resource::OrgConfig(OrgConfigValue {
                auto_enable: c.auto_enable(),
                auto_enable_standards: c.auto_enable_standards().map(|s| s.as_str().to_string()),
                configuration_type: c
                    .organization_configuration()
                    .and_then(|o| o.configuration_type())
                    .map(|t| wire(&sh.target(), "configuration type", Some(t.as_str())))
                    .transpose()?,
                switch_status: unfinished(&c),
                ..Default::default()
            }),
        ),
        // Not (yet) the administrator: there is no organisation configuration to read.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_invalid_access_exception()) => {}
        Err(e) => return Err(sdk_error(sh.target(), e)),
    }
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    if c.action == Action::Delete {
        return Ok(());
    }
    let v = value_of!(c, OrgConfig);
    if c.leaves_central() {
        // Back to LOCAL as AWS documents it (Terraform sends the same): auto-enable off. Whether
        // AWS takes auto-enable in the same call is undocumented, so it follows in a second.
        sh.gate("UpdateOrganizationConfiguration").await;
        sh.client
            .update_organization_configuration()
            .auto_enable(false)
            .auto_enable_standards(AutoEnableStandards::None)
            .organization_configuration(
                OrganizationConfiguration::builder()
                    .configuration_type(OrganizationConfigurationConfigurationType::Local)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
        let standards = v.auto_enable_standards.as_deref().unwrap_or("NONE");
        if v.auto_enable != Some(true) && standards == "NONE" {
            return settle(sh, c).await;
        }
    }
    sh.gate("UpdateOrganizationConfiguration").await;
    sh.client
        .update_organization_configuration()
        .auto_enable(v.auto_enable.unwrap_or(false))
        .set_auto_enable_standards(
            v.auto_enable_standards
                .as_deref()
                .map(AutoEnableStandards::from),
        )
        .set_organization_configuration(v.configuration_type.map(|t| {
            OrganizationConfiguration::builder()
                .configuration_type(OrganizationConfigurationConfigurationType::from(t.as_str()))
                .build()
        }))
        .send()
        .await
        .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
    settle(sh, c).await
}

/// AWS switches the configuration type asynchronously: what comes next (configuration
/// policies after CENTRAL, members' local writes after LOCAL) waits until the switch reads
/// ENABLED; FAILED is this change's failure, with AWS's message.
async fn settle(sh: &Sh<'_>, c: &Change) -> Outcome {
    let deadline = Instant::now() + sh.cx.opts().standard_timeout;
    loop {
        sh.gate("DescribeOrganizationConfiguration").await;
        let now = sh
            .client
            .describe_organization_configuration()
            .send()
            .await
            .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
        match unfinished(&now) {
            None => return Ok(()),
            Some(s) if s.starts_with("PENDING") && Instant::now() < deadline => {
                tokio::time::sleep(sh.cx.opts().poll_interval).await;
            }
            Some(s) => {
                return Err(fail(
                    c,
                    None,
                    format!("the organisation configuration's switch is {s}"),
                ));
            }
        }
    }
}
