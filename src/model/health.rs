//! What `shubctl doctor` reads: the operating health of Security Hub in one account × region
//! (beyond what the policy declares), and findings left in NEW. Providers fill these in; the
//! doctor's checks are pure functions over them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::service::Service;

/// What to read in one scope besides the hub, its standards and AWS Config.
#[derive(Clone, Debug, Default)]
pub struct HealthAsk {
    /// Integrated services whose enablement to read (GuardDuty, Inspector, Macie).
    pub services: Vec<Service>,
    /// The scope is the Security Hub administrator's: read its members.
    pub members: bool,
    /// The scope is the administrator's home region: read the finding aggregator.
    pub aggregator: bool,
}

/// A standards subscription as Security Hub reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StandardHealth {
    /// The catalog's short name (`fsbp/1.0.0`), or the ARN for a standard the catalog lacks.
    pub standard: String,
    /// `PENDING`, `READY`, `FAILED`, `DELETING` or `INCOMPLETE`.
    pub status: String,
    /// AWS's `StandardsStatusReason.StatusReasonCode`, when it gives one.
    pub reason: Option<String>,
}

/// AWS Config's customer-managed configuration recorder and its status.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecorderHealth {
    pub name: String,
    pub recording: bool,
    /// `Pending`, `Success`, `Failure` or `NotApplicable`, as AWS Config spells them.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    /// Every supported resource type is recorded.
    pub all_supported: bool,
    /// IAM's global resource types are recorded (matters in one region per account).
    pub include_global: bool,
}

/// A Security Hub member as its administrator sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberHealth {
    pub account: String,
    /// `Created`, `Invited`, `Enabled`, `Removed`, `Resigned`, `Deleted`, `AccountSuspended`.
    pub status: String,
}

/// The finding aggregator as read in its home region.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AggregatorHealth {
    /// `ALL_REGIONS`, `ALL_REGIONS_EXCEPT_SPECIFIED`, `SPECIFIED_REGIONS`, `NO_REGIONS`.
    pub mode: String,
    pub regions: Vec<String>,
}

/// One account × region. `None` where a read was not asked for.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScopeHealth {
    pub hub: bool,
    /// Empty without a hub.
    pub standards: Vec<StandardHealth>,
    /// `None`: no customer-managed recorder.
    pub recorder: Option<RecorderHealth>,
    /// Whether each service asked about is enabled here.
    pub services: BTreeMap<Service, bool>,
    /// Product integrations enabled for import (`aws/guardduty`), with a hub.
    pub products: Vec<String>,
    pub members: Option<Vec<MemberHealth>>,
    /// `Some(None)`: asked, and there is no aggregator.
    pub aggregator: Option<Option<AggregatorHealth>>,
}

/// Active findings still in workflow status NEW, created more than `older_than_days` ago.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StuckFindings {
    pub older_than_days: u32,
    pub total: u64,
    pub by_severity: BTreeMap<String, u64>,
    pub by_account: BTreeMap<String, u64>,
    /// The count stopped at the limit: there are at least `total`.
    pub truncated: bool,
}
