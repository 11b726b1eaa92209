//! The policy file format. These types are the single source of truth: `shubctl schema`
//! derives the JSON Schema from them, and the loader checks every file against that schema
//! before decoding, so the editor's view and the validator's can never drift apart.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One policy file. A folder of them composes into one policy: single-valued sections may be
/// defined in one file only; list sections (exceptions, insights, ...) are concatenated.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "shubctl policy file")]
pub struct PolicyFile {
    /// Policy format version. Only `1` exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shubctl: Option<u32>,
    /// Single-account set-up: the one account managed. Use `organization` instead for an
    /// AWS organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Regions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<Hub>,
    /// Security standards to enable, by short name (`fsbp/1.0.0`, `cis/1.4.0`, `pci-dss/3.2.1`, ...),
    /// optionally limited to some accounts or regions. Standards not listed are disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standards: Option<Vec<StandardEntry>>,
    /// Controls to disable, each with a reason. Every control not covered by an exception is
    /// kept enabled in every enabled standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<Vec<Exception>>,
    /// Custom parameter values for controls that take parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_parameters: Option<Vec<ControlParameters>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregator: Option<Aggregator>,
    /// Custom insights, created in the administrator account's home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insights: Option<Vec<Insight>>,
    /// Custom actions (EventBridge targets), created in the administrator account's home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_targets: Option<Vec<ActionTarget>>,
    /// Automation rules, evaluated by the administrator account's home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation_rules: Option<Vec<AutomationRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrations: Option<Integrations>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The management account: where the delegated administrator is designated.
    pub management_account: String,
    /// The Security Hub administrator (usually the audit account). It also administers the
    /// integrated services.
    pub delegated_admin: String,
    /// IAM role assumed in each member account.
    #[serde(default = "default_role")]
    pub role: String,
    /// External ID passed when assuming `role`, if the role's trust policy requires one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Which accounts are in scope. Suspended and closed accounts are always skipped.
    #[serde(default)]
    pub accounts: AccountScope,
    /// Enable Security Hub automatically in accounts that join the organisation.
    #[serde(default = "default_true")]
    pub auto_enable: bool,
    /// Whether newly enabled member accounts get AWS's default standards.
    #[serde(default)]
    pub auto_enable_standards: AutoEnableStandards,
    /// Make every account in scope a Security Hub member of the administrator, and remove
    /// members that are out of scope.
    #[serde(default = "default_true")]
    pub manage_members: bool,
}

pub fn default_role() -> String {
    crate::model::state::ORGANIZATION_ACCESS_ROLE.into()
}
fn default_true() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutoEnableStandards {
    #[default]
    None,
    Default,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountScope {
    /// `all`, or a list of account IDs and OU IDs (`ou-…`, accounts beneath them included).
    #[serde(default)]
    pub include: AllOr,
    /// Account IDs or OU IDs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl Default for AccountScope {
    fn default() -> Self {
        AccountScope {
            include: AllOr::All(All::All),
            exclude: vec![],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum All {
    All,
}

/// `all`, or an explicit list.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AllOr {
    All(All),
    List(Vec<String>),
}

impl Default for AllOr {
    fn default() -> Self {
        AllOr::All(All::All)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regions {
    /// The home region: the aggregator, insights and automation rules live here.
    pub home: String,
    /// Regions managed: an explicit list, or `all` (every region enabled for the organisation).
    pub include: AllOr,
    /// Regions to leave out (with `include: all`).
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hub {
    /// `false` disables Security Hub in every scope (destructive).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `security_control` (consolidated control findings, AWS's default) or `standard_control`.
    #[serde(default)]
    pub control_finding_generator: ControlFindingGenerator,
    /// Enable new controls automatically as AWS adds them to enabled standards.
    #[serde(default = "default_true")]
    pub auto_enable_controls: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlFindingGenerator {
    #[default]
    SecurityControl,
    StandardControl,
}

/// A standard by short name, or a standard limited to some accounts or regions.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StandardEntry {
    Name(String),
    Scoped(ScopedStandard),
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopedStandard {
    pub standard: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Selection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Selection>,
}

/// A list of IDs, or `{ except: [...] }` for everything but those. Accounts may be given as
/// account IDs or OU IDs; regions as names or `home`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Selection {
    Only(Vec<String>),
    Except(Except),
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Except {
    pub except: Vec<String>,
}

/// A documented reason to disable one or more controls, optionally limited in scope.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// One security-control ID (`IAM.6`). Use `controls` for several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Several security-control IDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<Vec<String>>,
    /// Limit to these standards (default: every enabled standard containing the control).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standards: Option<Vec<String>>,
    /// Limit to these accounts / OUs, or all but some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Selection>,
    /// Limit to these regions, or all but some (`home` names the home region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Selection>,
    /// Why the control is disabled. Required; sent to AWS as the disabled reason.
    pub reason: String,
    /// Who owns the exception (a team or person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Tracking ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Date (YYYY-MM-DD) after which the exception no longer holds and the control is re-enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlParameters {
    /// Security-control ID.
    pub control: String,
    /// Parameter name to value (integer, number, string, boolean, or a list of them).
    pub parameters: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Aggregator {
    /// How regions are linked to the home region.
    pub linking: LinkingMode,
    /// Regions linked (`specified_regions`) or left out (`all_regions_except_specified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkingMode {
    AllRegions,
    AllRegionsExceptSpecified,
    SpecifiedRegions,
    NoRegions,
}

impl LinkingMode {
    pub fn aws(self) -> &'static str {
        match self {
            LinkingMode::AllRegions => "ALL_REGIONS",
            LinkingMode::AllRegionsExceptSpecified => "ALL_REGIONS_EXCEPT_SPECIFIED",
            LinkingMode::SpecifiedRegions => "SPECIFIED_REGIONS",
            LinkingMode::NoRegions => "NO_REGIONS",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Insight {
    /// Unique name; shubctl identifies insights by name.
    pub name: String,
    /// Finding attribute to group results by (`AwsAccountId`, `ResourceType`, ...).
    pub group_by: String,
    /// Finding filters by ASFF field. A bare value means EQUALS, a list means any of them;
    /// otherwise `{ prefix: ..., not_equals: [...] }`, `{ gte: 40 }`, `{ within_days: 7 }`,
    /// `{ key: ..., equals: ... }` or a CIDR list, by the field's type.
    pub filters: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionTarget {
    /// Identifier (up to 20 letters and digits); it is part of the ARN and cannot change.
    pub id: String,
    /// Display name, up to 20 characters.
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationRule {
    /// Unique name; shubctl identifies rules by name.
    pub name: String,
    /// Evaluation order, 1–1000; lower runs first.
    pub order: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Stop evaluating later rules for a finding this rule matches.
    #[serde(default)]
    pub terminal: bool,
    /// Which findings the rule applies to, in the same syntax as insight filters.
    pub criteria: BTreeMap<String, Value>,
    pub actions: RuleActions,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleActions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<SeverityLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_state: Option<VerificationState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_defined_fields: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowStatus {
    New,
    Notified,
    Resolved,
    Suppressed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeverityLabel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    Unknown,
    TruePositive,
    FalsePositive,
    BenignPositive,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Integrations {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardduty: Option<GuardDuty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspector: Option<Inspector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macie: Option<Macie>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_analyzer: Option<AccessAnalyzer>,
    /// Product integrations whose findings Security Hub imports, as `company/product`
    /// (`aws/guardduty`, `crowdstrike/crowdstrike-falcon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublishingFrequency {
    FifteenMinutes,
    OneHour,
    SixHours,
}

impl PublishingFrequency {
    pub fn aws(self) -> &'static str {
        match self {
            PublishingFrequency::FifteenMinutes => "FIFTEEN_MINUTES",
            PublishingFrequency::OneHour => "ONE_HOUR",
            PublishingFrequency::SixHours => "SIX_HOURS",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnOff {
    On,
    Off,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GuardDutyFeature {
    S3DataEvents,
    EksAuditLogs,
    EbsMalwareProtection,
    RdsLoginEvents,
    LambdaNetworkLogs,
    EksRuntimeMonitoring,
    RuntimeMonitoring,
}

impl GuardDutyFeature {
    pub const ALL: [GuardDutyFeature; 7] = [
        GuardDutyFeature::S3DataEvents,
        GuardDutyFeature::EksAuditLogs,
        GuardDutyFeature::EbsMalwareProtection,
        GuardDutyFeature::RdsLoginEvents,
        GuardDutyFeature::LambdaNetworkLogs,
        GuardDutyFeature::EksRuntimeMonitoring,
        GuardDutyFeature::RuntimeMonitoring,
    ];
    pub fn aws(self) -> &'static str {
        match self {
            GuardDutyFeature::S3DataEvents => "S3_DATA_EVENTS",
            GuardDutyFeature::EksAuditLogs => "EKS_AUDIT_LOGS",
            GuardDutyFeature::EbsMalwareProtection => "EBS_MALWARE_PROTECTION",
            GuardDutyFeature::RdsLoginEvents => "RDS_LOGIN_EVENTS",
            GuardDutyFeature::LambdaNetworkLogs => "LAMBDA_NETWORK_LOGS",
            GuardDutyFeature::EksRuntimeMonitoring => "EKS_RUNTIME_MONITORING",
            GuardDutyFeature::RuntimeMonitoring => "RUNTIME_MONITORING",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDuty {
    #[serde(default = "default_true")]
    pub enabled: bool,
    pub finding_publishing_frequency: PublishingFrequency,
    /// Protection plans, each `on` or `off`. Declare them all: a feature left out is not
    /// managed, and AWS turns most features on when it creates a detector.
    #[serde(default)]
    pub features: BTreeMap<GuardDutyFeature, OnOff>,
    /// Organisation auto-enable for member accounts: `new`, `all` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_enable_members: Option<AutoEnableMembers>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutoEnableMembers {
    New,
    All,
    None,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InspectorResourceType {
    Ec2,
    Ecr,
    Lambda,
    LambdaCode,
}

impl InspectorResourceType {
    pub fn aws(self) -> &'static str {
        match self {
            InspectorResourceType::Ec2 => "EC2",
            InspectorResourceType::Ecr => "ECR",
            InspectorResourceType::Lambda => "LAMBDA",
            InspectorResourceType::LambdaCode => "LAMBDA_CODE",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inspector {
    /// Resource types scanned in every account in scope; an empty list turns Inspector off.
    pub resource_types: Vec<InspectorResourceType>,
    /// Organisation: scan the same resource types in accounts that join.
    #[serde(default = "default_true")]
    pub auto_enable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MacieStatus {
    Enabled,
    Paused,
    Disabled,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Macie {
    pub status: MacieStatus,
    #[serde(default = "default_frequency")]
    pub finding_publishing_frequency: PublishingFrequency,
    /// Organisation: enable Macie in accounts that join.
    #[serde(default = "default_true")]
    pub auto_enable: bool,
}

fn default_frequency() -> PublishingFrequency {
    PublishingFrequency::FifteenMinutes
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessAnalyzer {
    pub analyzers: Vec<Analyzer>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Analyzer {
    /// Analyzer name: letters, digits, `_`, `.`, `-`; starts with a letter or `_`.
    pub name: String,
    #[serde(rename = "type")]
    pub analyzer_type: AnalyzerType,
    /// Days without use before access counts as unused (unused-access types only), 1–365.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_access_age: Option<u32>,
    /// Where the analyzer lives: `home` (default for organisation types) or `all` regions in
    /// scope (default for account types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<AnalyzerRegions>,
    #[serde(default)]
    pub archive_rules: Vec<ArchiveRule>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalyzerType {
    Account,
    Organization,
    AccountUnusedAccess,
    OrganizationUnusedAccess,
}

impl AnalyzerType {
    pub fn aws(self) -> &'static str {
        match self {
            AnalyzerType::Account => "ACCOUNT",
            AnalyzerType::Organization => "ORGANIZATION",
            AnalyzerType::AccountUnusedAccess => "ACCOUNT_UNUSED_ACCESS",
            AnalyzerType::OrganizationUnusedAccess => "ORGANIZATION_UNUSED_ACCESS",
        }
    }
    pub fn is_organization(self) -> bool {
        matches!(
            self,
            AnalyzerType::Organization | AnalyzerType::OrganizationUnusedAccess
        )
    }
    pub fn is_unused_access(self) -> bool {
        matches!(
            self,
            AnalyzerType::AccountUnusedAccess | AnalyzerType::OrganizationUnusedAccess
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalyzerRegions {
    Home,
    All,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRule {
    pub name: String,
    /// Finding key (`principal.AWS`, `resourceType`, ...) to criterion `{ eq | neq | contains: [..], exists: bool }`.
    pub filter: BTreeMap<String, ArchiveCriterion>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveCriterion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neq: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

/// The JSON Schema of a policy file, generated from these types.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(PolicyFile)).expect("schema serialises")
}
