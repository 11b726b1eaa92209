//! `hub`: Security Hub itself in an account × region, with its two settings.

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::operation::describe_hub::DescribeHubOutput;
use aws_sdk_securityhub::types::ControlFindingGenerator;

use super::Sh;
use crate::model::resource::HubValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, sdk_error, value_of, wire};

/// A hub that is off answers 401 InvalidAccessException "… is not subscribed to AWS Security
/// Hub"; other access errors (a missing permission) are errors, not absence.
pub(super) fn not_subscribed(code: Option<&str>, message: Option<&str>) -> bool {
    match code {
        Some("ResourceNotFoundException") => true,
        Some("InvalidAccessException") => message.is_none_or(|m| m.contains("not subscribed")),
        _ => false,
    }
}

/// The hub, or None when Security Hub is off here.
pub(super) async fn describe(sh: &Sh<'_>) -> Result<Option<DescribeHubOutput>, ProviderError> {
    sh.gate("DescribeHub").await;
    match sh.client.describe_hub().send().await {
        Ok(h) => Ok(Some(h)),
        Err(e) if not_subscribed(e.code(), e.message()) => Ok(None),
        Err(e) => Err(sdk_error(sh.target(), e)),
    }
}

pub(super) fn read(
    hub: &DescribeHubOutput,
    target: &Target,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    out.insert(
        Kind::Hub,
        None,
        Resource::Hub(HubValue {
            control_finding_generator: match hub.control_finding_generator() {
                Some(g) => wire(target, "control finding generator", Some(g.as_str()))?,
                None => crate::model::resource::ControlFindingGenerator::SecurityControl,
            },
            auto_enable_controls: hub.auto_enable_controls().unwrap_or(true),
        }),
    );
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    if c.action == Action::Delete {
        sh.gate("DisableSecurityHub").await;
        return match sh.client.disable_security_hub().send().await {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    Some("InvalidAccessException" | "ResourceNotFoundException")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error(t, e)),
        };
    }
    let h = value_of!(c, Hub);
    let generator = ControlFindingGenerator::from(h.control_finding_generator.as_str());
    if c.action == Action::Create {
        sh.gate("EnableSecurityHub").await;
        // Default standards stay off: the policy decides which standards run.
        let r = sh
            .client
            .enable_security_hub()
            .enable_default_standards(false)
            .control_finding_generator(generator.clone())
            .send()
            .await;
        match r {
            Ok(_) => {}
            // Enabled meanwhile (409): settle the settings below.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_conflict_exception()) => {}
            Err(e) => return Err(sdk_error(t, e)),
        }
    }
    // Send only what must change: in an organisation, members cannot set the finding
    // generator (they inherit the administrator's).
    let fields: Vec<&str> = if c.action == Action::Create {
        if h.auto_enable_controls {
            vec![]
        } else {
            vec!["auto_enable_controls"]
        }
    } else {
        c.changed_fields.iter().map(String::as_str).collect()
    };
    if fields.is_empty() {
        return Ok(());
    }
    let mut req = sh.client.update_security_hub_configuration();
    if fields.contains(&"auto_enable_controls") {
        req = req.auto_enable_controls(h.auto_enable_controls);
    }
    if fields.contains(&"control_finding_generator") {
        req = req.control_finding_generator(generator);
    }
    sh.gate("UpdateSecurityHubConfiguration").await;
    req.send().await.map_err(|e| sdk_error(t, e))?;
    Ok(())
}
