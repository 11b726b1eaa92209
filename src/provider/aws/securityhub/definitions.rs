//! AWS's own description of its standards and controls in a region: `DescribeStandards` and
//! `ListSecurityControlDefinitions` (every control, then each standard's with `StandardsArn`,
//! which is how the API says which controls a standard holds). Read-only; what
//! `shubctl catalog --refresh` writes and what a live plan consults for controls the catalog
//! lacks.

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{
    ConfigurationOptions, SecurityControlDefinition, SecurityControlsProvider, StandardsProvider,
};
use serde_json::{Number, Value, json};

use super::Sh;
use crate::model::ProviderError;
use crate::model::catalog::{ParameterDef, ParameterType};
use crate::model::live_catalog::{LiveControl, LiveDefinitions};
use crate::model::resource::whole_numbers;
use crate::provider::aws::ScopeCx;
use crate::provider::aws::error::sdk_error;

/// Reads the region's definitions: every control, and the members of each standard in
/// `members_of` (full ARNs); with None, the standards AWS lists there and each one's members.
pub(in crate::provider::aws) async fn read(
    cx: &ScopeCx<'_>,
    members_of: Option<&[String]>,
) -> Result<LiveDefinitions, ProviderError> {
    let sh = Sh::new(cx).await?;
    let mut out = LiveDefinitions {
        region: cx.region.to_string(),
        ..LiveDefinitions::default()
    };
    if members_of.is_none() {
        sh.gate("DescribeStandards").await;
        let mut pages = sh
            .client
            .describe_standards()
            // AWS's own standards only: Security Hub also lists standards for Azure resources.
            .providers(StandardsProvider::Aws)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(sh.target(), e))?;
            if page.next_token().is_some() {
                sh.gate("DescribeStandards").await;
            }
            // Filtered by AWS already; an answer that ignores the filter is filtered here.
            for s in page
                .standards()
                .iter()
                .filter(|s| s.provider().is_none_or(|p| *p == StandardsProvider::Aws))
            {
                if let Some(arn) = s.standards_arn() {
                    out.standards
                        .push((arn.to_string(), s.name().unwrap_or(arn).to_string()));
                }
            }
        }
    }
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for d in list(&sh, None).await? {
        let Some(id) = d.security_control_id() else {
            continue;
        };
        if by_id.contains_key(id) {
            continue;
        }
        by_id.insert(id.to_string(), out.controls.len());
        out.controls.push(LiveControl {
            id: id.to_string(),
            title: d.title().unwrap_or_default().to_string(),
            // Unknown availability is not "offered".
            offered: d
                .current_region_availability()
                .is_some_and(|a| a.as_str() == "AVAILABLE"),
            parameters: d
                .parameter_definitions()
                .into_iter()
                .flatten()
                .filter_map(|(name, p)| {
                    Some((name.clone(), parameter(p.configuration_options()?)?))
                })
                .collect(),
            standards: Default::default(),
        });
    }
    let listed: Vec<String> = out.standards.iter().map(|(a, _)| a.clone()).collect();
    for arn in members_of.unwrap_or(&listed) {
        for d in list(&sh, Some(arn)).await? {
            if let Some(i) = d.security_control_id().and_then(|id| by_id.get(id)) {
                out.controls[*i].standards.insert(arn.clone());
            }
        }
        out.members_read.insert(arn.clone());
    }
    Ok(out)
}

/// Every page of `ListSecurityControlDefinitions`, of one standard or all.
async fn list(
    sh: &Sh<'_>,
    standard: Option<&str>,
) -> Result<Vec<SecurityControlDefinition>, ProviderError> {
    let mut out = Vec::new();
    sh.gate("ListSecurityControlDefinitions").await;
    let mut pages = sh
        .client
        .list_security_control_definitions()
        .set_standards_arn(standard.map(str::to_string))
        .providers(SecurityControlsProvider::Aws)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("ListSecurityControlDefinitions").await;
        }
        out.extend(
            page.security_control_definitions()
                .iter()
                .filter(|d| aws_provided(d))
                .cloned(),
        );
    }
    Ok(out)
}

/// Whether a definition is of a control that evaluates AWS resources (no provider: an answer
/// from before providers existed). Security Hub also defines controls for Azure resources.
pub(super) fn aws_provided(d: &SecurityControlDefinition) -> bool {
    d.provider()
        .is_none_or(|p| *p == SecurityControlsProvider::Aws)
}

/// A parameter's definition from its `ConfigurationOptions` member (None for a member this
/// SDK does not know).
fn parameter(o: &ConfigurationOptions) -> Option<ParameterDef> {
    use ConfigurationOptions as C;
    let int = |n: Option<i32>| n.map(Number::from);
    // Bounds keep their JSON number form (`72.0`), as the catalog writes them.
    let float = |n: Option<f64>| n.and_then(Number::from_f64);
    let items = |n: Option<i32>| n.and_then(|n| usize::try_from(n).ok());
    let def = |value_type| ParameterDef {
        value_type,
        min: None,
        max: None,
        min_items: None,
        max_items: None,
        allowed_values: None,
        default: None,
    };
    Some(match o {
        C::Integer(x) => ParameterDef {
            min: int(x.min),
            max: int(x.max),
            default: x.default_value.map(Value::from),
            ..def(ParameterType::Integer)
        },
        C::IntegerList(x) => ParameterDef {
            min: int(x.min),
            max: int(x.max),
            max_items: items(x.max_items),
            default: x.default_value.as_ref().map(|v| json!(v)),
            ..def(ParameterType::IntegerList)
        },
        C::Double(x) => ParameterDef {
            min: float(x.min),
            max: float(x.max),
            default: x.default_value.map(|f| whole_numbers(json!(f))),
            ..def(ParameterType::Double)
        },
        C::String(x) => ParameterDef {
            default: x.default_value.as_ref().map(|v| json!(v)),
            ..def(ParameterType::String)
        },
        C::StringList(x) => ParameterDef {
            max_items: items(x.max_items),
            default: x.default_value.as_ref().map(|v| json!(v)),
            ..def(ParameterType::StringList)
        },
        C::Boolean(x) => ParameterDef {
            default: x.default_value.map(Value::from),
            ..def(ParameterType::Boolean)
        },
        C::Enum(x) => ParameterDef {
            allowed_values: x.allowed_values.clone(),
            default: x.default_value.as_ref().map(|v| json!(v)),
            ..def(ParameterType::Enum)
        },
        C::EnumList(x) => ParameterDef {
            max_items: items(x.max_items),
            allowed_values: x.allowed_values.clone(),
            default: x.default_value.as_ref().map(|v| json!(v)),
            ..def(ParameterType::EnumList)
        },
        _ => return None,
    })
}
