//! A change: what the diff finds, the plan lists, apply carries out and a provider executes.
//! Shared by all of them, so it lives in the model.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::address::Address;
use super::note::ExceptionRef;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// Why a change is planned. Explanatory only: apply never branches on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The policy declares it and it does not exist.
    Missing,
    /// It exists but differs from the policy.
    Drift,
    /// It exists but the policy does not declare it.
    NotInPolicy,
    /// A policy exception disables the control.
    Exception,
    /// The exception that disabled the control has expired.
    ExceptionExpired,
    /// The control is disabled but no exception covers it.
    NoException,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionRef>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: Address,
    pub action: Action,
    /// The fields the policy manages, as they are now (absent for create).
    pub before: Option<Value>,
    /// The value the policy wants (absent for delete).
    pub after: Option<Value>,
    /// Top-level fields that differ (update only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_fields: Vec<String>,
    pub reason: Reason,
    pub weakens_posture: bool,
    /// Removes something protective: refused without `--allow-destroy`.
    pub destructive: bool,
}

impl Change {
    /// Whether this switches Security Hub's organisation configuration from CENTRAL back to
    /// LOCAL: destructive, as the configuration policies and associations go with it (AWS
    /// takes the switch only once they are gone), and run after their deletion.
    pub fn leaves_central(&self) -> bool {
        self.action == Action::Update
            && self.organisation_configuration(self.before.as_ref())
                == Some(super::wire::ConfigurationType::Central)
            && self.organisation_configuration(self.after.as_ref())
                == Some(super::wire::ConfigurationType::Local)
    }

    /// Whether it switches Security Hub's organisation configuration to central.
    pub fn enters_central(&self) -> bool {
        use super::wire::ConfigurationType::Central;
        self.action != Action::Delete
            && self.organisation_configuration(self.after.as_ref()) == Some(Central)
            && self.organisation_configuration(self.before.as_ref()) != Some(Central)
    }

    /// The value `before` or `after` holds, typed by the change's kind (None when absent or not
    /// a value of that kind).
    pub fn typed(&self, value: Option<&Value>) -> Option<super::Resource> {
        super::Resource::from_json(self.address.kind, value?.clone()).ok()
    }

    /// The configuration type an organisation configuration value of this change says.
    fn organisation_configuration(
        &self,
        value: Option<&Value>,
    ) -> Option<super::wire::ConfigurationType> {
        if self.address.kind != super::Kind::OrgConfig {
            return None;
        }
        match self.typed(value)? {
            super::Resource::OrgConfig(o) => o.configuration_type,
            _ => None,
        }
    }
}
