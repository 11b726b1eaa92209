//! `config-policy`: the configuration policies of central configuration, held by the delegated
//! administrator in its home region and addressed by name (AWS's UUID is looked up).

use std::collections::BTreeMap;

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{
    ParameterConfiguration, ParameterValueType, Policy, SecurityControlCustomParameter,
    SecurityControlsConfiguration, SecurityHubPolicy,
};
use serde_json::Value;

use super::Sh;
use super::control_parameters::{parameter_json, parameter_value};
use crate::model::catalog::catalog;
use crate::model::resource::ConfigPolicyValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change, Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, fail, sdk_error, value_of};

/// What AWS answers a caller that may not use the configuration-policy APIs (yet): not the
/// administrator, or the organisation not on central configuration. Nothing is there to read.
pub(super) fn not_central<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("AccessDeniedException")
        && e.message()
            .is_some_and(|m| m.contains("Central Configuration enabled"))
        || e.code() == Some("InvalidAccessException")
}

/// Name → UUID of the administrator's configuration policies (of several with one name, the
/// first listed).
pub(super) async fn ids(sh: &Sh<'_>) -> Result<BTreeMap<String, String>, ProviderError> {
    let mut out = BTreeMap::new();
    let mut pages = sh
        .client
        .list_configuration_policies()
        .into_paginator()
        .send();
    loop {
        sh.gate("ListConfigurationPolicies").await;
        match pages.next().await {
            None => break,
            Some(Ok(page)) => {
                for p in page.configuration_policy_summaries() {
                    if let (Some(name), Some(id)) = (p.name(), p.id()) {
                        out.entry(name.to_string()).or_insert_with(|| id.to_string());
                    }
                }
            }
            Some(Err(e)) if not_central(&e) => return Ok(BTreeMap::new()),
            Some(Err(e)) => return Err(sdk_error(sh.target(), e)),
        }
    }
    Ok(out)
}

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    for (name, id) in ids(sh).await? {
        sh.gate("GetConfigurationPolicy").await;
        let p = sh
            .client
            .get_configuration_policy()
            .identifier(&id)
            .send()
            .await
            .map_err(|e| sdk_error(sh.target(), e))?;
        let value = match p.configuration_policy() {
            Some(Policy::SecurityHub(h)) => of_policy(p.description().unwrap_or_default(), h),
            // A policy for something other than Security Hub: not ours to read.
            _ => continue,
        };
        out.insert(Kind::ConfigPolicy, Some(name), Resource::ConfigPolicy(value));
    }
    Ok(())
}

fn of_policy(description: &str, h: &SecurityHubPolicy) -> ConfigPolicyValue {
    let service_enabled = h.service_enabled().unwrap_or(false);
    let mut standards: Vec<String> = h
        .enabled_standard_identifiers()
        .iter()
        .map(|arn| {
            catalog()
                .standard_by_aws_name(arn)
                .map(|d| d.id.clone())
                .unwrap_or_else(|| arn.clone())
        })
        .collect();
    standards.sort();
    let scc = h.security_controls_configuration();
    let mut disabled_controls: Vec<String> = match scc {
        // An allow-list disables every other control, future ones too.
        Some(s)
            if s.disabled_security_control_identifiers.is_none()
                && s.enabled_security_control_identifiers.is_some() =>
        {
            catalog()
                .controls
                .iter()
                .map(|c| c.id.clone())
                .filter(|c| !s.enabled_security_control_identifiers().contains(c))
                .collect()
        }
        Some(s) => s.disabled_security_control_identifiers().to_vec(),
        None => vec![],
    };
    disabled_controls.sort();
    let mut parameters = BTreeMap::new();
    for cp in scc.map(|s| s.security_control_custom_parameters()).unwrap_or_default() {
        let custom: BTreeMap<String, Value> = cp
            .parameters()
            .into_iter()
            .flatten()
            .filter(|(_, v)| v.value_type() == Some(&ParameterValueType::Custom))
            .filter_map(|(k, v)| v.value().map(|x| (k.clone(), parameter_json(x))))
            .collect();
        if let (Some(id), false) = (cp.security_control_id(), custom.is_empty()) {
            parameters.insert(id.to_string(), custom);
        }
    }
    ConfigPolicyValue {
        description: description.to_string(),
        service_enabled,
        standards,
        disabled_controls,
        parameters,
    }
}

/// The policy as AWS takes it. With the service on, both the standards and the controls
/// configuration are sent, empty lists included (AWS refuses either missing).
fn to_policy(c: &Change, v: &ConfigPolicyValue, region: &str) -> Result<Policy, ProviderError> {
    if !v.service_enabled {
        return Ok(Policy::SecurityHub(
            SecurityHubPolicy::builder().service_enabled(false).build(),
        ));
    }
    let standards = v
        .standards
        .iter()
        .map(|s| {
            super::standard::arn_of(s, region)
                .ok_or_else(|| fail(c, None, format!("standard `{s}` is not in the catalog")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut custom = vec![];
    for (ctl, params) in &v.parameters {
        let def = catalog()
            .control(ctl)
            .ok_or_else(|| fail(c, None, format!("control `{ctl}` is not in the catalog")))?;
        let mut b = SecurityControlCustomParameter::builder().security_control_id(ctl);
        for (name, value) in params {
            let pv = def
                .parameters
                .get(name)
                .and_then(|d| parameter_value(d.value_type, value))
                .ok_or_else(|| {
                    fail(c, None, format!("`{ctl}` parameter `{name}` does not fit its definition"))
                })?;
            b = b.parameters(
                name,
                ParameterConfiguration::builder()
                    .value_type(ParameterValueType::Custom)
                    .value(pv)
                    .build(),
            );
        }
        custom.push(b.build());
    }
    Ok(Policy::SecurityHub(
        SecurityHubPolicy::builder()
            .service_enabled(true)
            .set_enabled_standard_identifiers(Some(standards))
            .security_controls_configuration(
                SecurityControlsConfiguration::builder()
                    .set_disabled_security_control_identifiers(Some(v.disabled_controls.clone()))
                    .set_security_control_custom_parameters(Some(custom))
                    .build(),
            )
            .build(),
    ))
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let name = c.address.id.clone().unwrap_or_default();
    let id = ids(sh).await?.get(&name).cloned();
    match (c.action, id) {
        (Action::Delete, None) => Ok(()),
        (Action::Delete, Some(id)) => {
            sh.gate("DeleteConfigurationPolicy").await;
            match sh.client.delete_configuration_policy().identifier(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
                Err(e) => Err(sdk_error(t, e)),
            }
        }
        (_, id) => {
            let v = value_of!(c, ConfigPolicy);
            let policy = to_policy(c, &v, sh.cx.region)?;
            match id {
                Some(id) => {
                    sh.gate("UpdateConfigurationPolicy").await;
                    sh.client
                        .update_configuration_policy()
                        .identifier(id)
                        .name(&name)
                        .description(&v.description)
                        .updated_reason("Managed by shubctl")
                        .configuration_policy(policy)
                        .send()
                        .await
                        .map_err(|e| sdk_error(t, e))?;
                }
                None => {
                    sh.gate("CreateConfigurationPolicy").await;
                    sh.client
                        .create_configuration_policy()
                        .name(&name)
                        .description(&v.description)
                        .configuration_policy(policy)
                        .send()
                        .await
                        .map_err(|e| sdk_error(t, e))?;
                }
            }
            Ok(())
        }
    }
}
