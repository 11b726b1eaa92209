//! Typed resource values, one per kind. Enum-valued fields use AWS's own wire values
//! (`SECURITY_CONTROL`, `ENABLED`, ...) so snapshots and plans read like the API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::address::AccountId;
pub use super::kind::Resource;
pub use super::wire::{
    AssociationStatus, ConfigurationType, ControlFindingGenerator, LinkingMode, MacieStatus,
    PublishingFrequency, Switch,
};

/// The names of the service control policies and EventBridge rules shubctl manages start with
/// this; those whose names do not are never read, changed or deleted.
pub const MANAGED_PREFIX: &str = "shubctl-";

/// The ID of the custom action that holds a live apply's lock (`provider::aws::lock`): never
/// read as an `action-target`, so no plan manages it.
pub const LOCK_ACTION_TARGET: &str = "shubctllock";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubValue {
    pub control_finding_generator: ControlFindingGenerator,
    pub auto_enable_controls: bool,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlValue {
    pub status: Switch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ControlValue {
    pub fn enabled() -> Self {
        ControlValue {
            status: Switch::Enabled,
            reason: None,
        }
    }
    pub fn disabled(reason: impl Into<String>) -> Self {
        ControlValue {
            status: Switch::Disabled,
            reason: Some(reason.into()),
        }
    }
    pub fn is_enabled(&self) -> bool {
        self.status == Switch::Enabled
    }
}

/// A control's parameters with custom values (those at AWS's default are absent), each in its
/// canonical JSON form: enum values as strings, whole doubles as integers.
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
    /// Security Hub: local or central configuration (configuration policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_type: Option<ConfigurationType>,
    /// Security Hub: the switch to `configuration_type` when AWS has not finished it (`PENDING`,
    /// or `FAILED` with AWS's message); absent once `ENABLED`, which is what a policy wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_status: Option<String>,
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
    /// As AWS reports it; the policy wants `SUCCESS`.
    pub status: AssociationStatus,
    /// AWS's reason when the status is not `SUCCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregatorValue {
    pub linking_mode: LinkingMode,
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
    pub status: Switch,
    pub terminal: bool,
    /// `AutomationRulesFindingFilters`.
    pub criteria: Value,
    /// `FindingFieldsUpdate` of the rule's single action.
    pub actions: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardDutyValue {
    pub status: Switch,
    pub finding_publishing_frequency: PublishingFrequency,
    /// Feature name (`S3_DATA_EVENTS`) to its status; only declared features are managed.
    #[serde(default)]
    pub features: BTreeMap<String, Switch>,
}

/// An organisation account as a member of the GuardDuty administrator (held in the
/// administrator's scope, one per account): only an enabled member is read, and its protection
/// plans are the administrator's to set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardDutyMemberValue {
    /// Feature name (`S3_DATA_EVENTS`) to its status in the member's detector; only declared
    /// features are managed.
    #[serde(default)]
    pub features: BTreeMap<String, Switch>,
}

/// An organisation account as a member of the Macie administrator (held in the
/// administrator's scope, one per account): enabled or suspended by the administrator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacieMemberValue {
    pub status: MacieStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectorValue {
    /// Sorted `CODE_REPOSITORY`, `EC2`, `ECR`, `LAMBDA`, `LAMBDA_CODE`.
    pub resource_types: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacieValue {
    pub status: MacieStatus,
    pub finding_publishing_frequency: PublishingFrequency,
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

/// A service control policy: its description and its document, kept in canonical form
/// ([`super::document::canonical_policy`]) so statement order and whitespace never differ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScpValue {
    pub description: String,
    pub content: Value,
}

/// An EventBridge rule on the default bus that routes Security Hub findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteValue {
    pub description: String,
    pub state: Switch,
    /// The event pattern, in canonical form ([`super::document::canonical_pattern`]).
    pub event_pattern: Value,
    /// Target id → target.
    #[serde(default)]
    pub targets: BTreeMap<String, RouteTarget>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTarget {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<InputTransformer>,
    /// The SQS queue events go to when they cannot be delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_queue: Option<String>,
    /// Lambda targets only: whether the function's resource policy lets this rule invoke it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoke_permission: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputTransformer {
    /// Placeholder → JSON path into the event.
    #[serde(default)]
    pub paths: BTreeMap<String, String>,
    pub template: String,
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

    /// The type that decides whether the policy manages this resource at all, for kinds where
    /// the policy manages only the types it declares (an analyzer's type).
    pub fn managed_type(&self) -> Option<&str> {
        match self {
            Resource::Analyzer(a) => Some(&a.analyzer_type),
            _ => None,
        }
    }

    /// The fields of `self` (current state) that the policy manages, given the desired value:
    /// sub-maps that are managed entry by entry (GuardDuty features) keep only the entries the
    /// policy names, and a control's reason only counts while disabled. A control's parameters
    /// are managed as a whole: a custom value the policy does not name is drift.
    pub fn managed_view(&self, desired: Option<&Resource>) -> Value {
        match (self, desired) {
            (Resource::GuardDuty(cur), Some(Resource::GuardDuty(want))) => {
                let mut cur = cur.clone();
                cur.features.retain(|k, _| want.features.contains_key(k));
                serde_json::to_value(cur).expect("serialisable")
            }
            (Resource::GuardDutyMember(cur), Some(Resource::GuardDutyMember(want))) => {
                let mut cur = cur.clone();
                cur.features.retain(|k, _| want.features.contains_key(k));
                serde_json::to_value(cur).expect("serialisable")
            }
            (Resource::OrgConfig(cur), Some(Resource::OrgConfig(want))) => {
                let mut cur = cur.clone();
                if let (Some(c), Some(w)) = (cur.features.as_mut(), want.features.as_ref()) {
                    c.retain(|k, _| w.contains_key(k));
                }
                // Under local configuration the policy leaves the type as it is. A type not
                // reported (a snapshot that predates it) is LOCAL, AWS's default.
                if want.configuration_type.is_none() {
                    cur.configuration_type = None;
                } else if cur.configuration_type.is_none() {
                    cur.configuration_type = Some(ConfigurationType::Local);
                }
                serde_json::to_value(cur).expect("serialisable")
            }
            (Resource::Control(c), _) if c.is_enabled() => {
                serde_json::to_value(ControlValue::enabled()).expect("serialisable")
            }
            _ => self.to_json(),
        }
    }
}
