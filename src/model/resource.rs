//! Typed resource values, one per kind. Enum-valued fields use AWS's own wire values
//! (`SECURITY_CONTROL`, `ENABLED`, ...) so snapshots and plans read like the API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::address::AccountId;
pub use super::kind::Resource;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubValue {
    pub control_finding_generator: String,
    pub auto_enable_controls: bool,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlValue {
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ControlValue {
    pub fn enabled() -> Self {
        ControlValue {
            status: "ENABLED".into(),
            reason: None,
        }
    }
    pub fn disabled(reason: impl Into<String>) -> Self {
        ControlValue {
            status: "DISABLED".into(),
            reason: Some(reason.into()),
        }
    }
    pub fn is_enabled(&self) -> bool {
        self.status == "ENABLED"
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlParametersValue {
    pub parameters: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegatedAdminValue {
    pub account: AccountId,
}

/// Organisation-wide settings of one service, held by its administrator account.
/// Only the fields that service has are set.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfigValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_enable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_enable_standards: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_enable_members: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_types: Option<Vec<String>>,
    /// Security Hub: `LOCAL` or `CENTRAL` (configuration policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_type: Option<String>,
}

/// A Security Hub configuration policy (central configuration), as AWS holds it: what it sets
/// in every account it reaches. Control IDs and standard short names sorted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigPolicyValue {
    pub description: String,
    pub service_enabled: bool,
    #[serde(default)]
    pub standards: Vec<String>,
    #[serde(default)]
    pub disabled_controls: Vec<String>,
    /// Control ID → parameter name → value.
    #[serde(default)]
    pub parameters: BTreeMap<String, BTreeMap<String, Value>>,
}

/// What is applied directly to a root, OU or account under central configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyAssociationValue {
    /// The configuration policy's name, or `SELF_MANAGED_SECURITY_HUB`.
    pub policy: String,
    /// `PENDING`, `SUCCESS` or `FAILED` as AWS reports it; the policy wants `SUCCESS`.
    pub status: String,
    /// AWS's reason when the status is not `SUCCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregatorValue {
    pub linking_mode: String,
    #[serde(default)]
    pub regions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsightValue {
    pub group_by: String,
    /// `AwsSecurityFindingFilters` exactly as the API takes them.
    pub filters: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionTargetValue {
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutomationRuleValue {
    pub order: u32,
    pub description: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    pub terminal: bool,
    /// `AutomationRulesFindingFilters`.
    pub criteria: Value,
    /// `FindingFieldsUpdate` of the rule's single action.
    pub actions: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardDutyValue {
    pub status: String,
    pub finding_publishing_frequency: String,
    /// Feature name (`S3_DATA_EVENTS`) to `ENABLED` / `DISABLED`; only declared features are managed.
    #[serde(default)]
    pub features: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectorValue {
    /// Sorted `EC2`, `ECR`, `LAMBDA`, `LAMBDA_CODE`.
    pub resource_types: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacieValue {
    /// `ENABLED` or `PAUSED`.
    pub status: String,
    pub finding_publishing_frequency: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzerValue {
    #[serde(rename = "type")]
    pub analyzer_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_access_age: Option<u32>,
    /// Rule name to its filter (`key -> {eq, neq, contains, exists}`).
    #[serde(default)]
    pub archive_rules: BTreeMap<String, Value>,
}

/// Writes whole floats as integers (`50.0` → `50`): APIs send doubles where policies write
/// integers, and the two must compare equal.
pub fn whole_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, whole_numbers(v))).collect())
        }
        other => other,
    }
}

impl Resource {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("resource values serialise to JSON")
    }

    /// The fields of `self` (current state) that the policy manages, given the desired value:
    /// sub-maps that are managed entry by entry (GuardDuty features, control parameters) keep
    /// only the entries the policy names, and a control's reason only counts while disabled.
    pub fn managed_view(&self, desired: Option<&Resource>) -> Value {
        match (self, desired) {
            (Resource::GuardDuty(cur), Some(Resource::GuardDuty(want))) => {
                let mut cur = cur.clone();
                cur.features.retain(|k, _| want.features.contains_key(k));
                serde_json::to_value(cur).expect("serialisable")
            }
            (Resource::OrgConfig(cur), Some(Resource::OrgConfig(want))) => {
                let mut cur = cur.clone();
                if let (Some(c), Some(w)) = (cur.features.as_mut(), want.features.as_ref()) {
                    c.retain(|k, _| w.contains_key(k));
                }
                // Under local configuration the policy leaves the type as it is.
                if want.configuration_type.is_none() {
                    cur.configuration_type = None;
                }
                serde_json::to_value(cur).expect("serialisable")
            }
            (Resource::ControlParameters(cur), Some(Resource::ControlParameters(want))) => {
                let mut cur = cur.clone();
                cur.parameters
                    .retain(|k, _| want.parameters.contains_key(k));
                serde_json::to_value(cur).expect("serialisable")
            }
            (Resource::Control(c), _) if c.is_enabled() => {
                serde_json::to_value(ControlValue::enabled()).expect("serialisable")
            }
            _ => self.to_json(),
        }
    }
}
