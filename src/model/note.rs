//! Why a desired value is what it is, when the policy has more to say than the value: the
//! exception behind a disabled control, or the expired one behind a re-enabled control.

use serde::{Deserialize, Serialize};

/// An exception as the plan cites it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionRef {
    /// `file:line:column` of the exception in the policy.
    pub at: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Note {
    /// The exception that disables this control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionRef>,
    /// An exception that would disable it but has expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired: Option<ExceptionRef>,
}
