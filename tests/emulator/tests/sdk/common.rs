//! Shared set-up: a small organisation snapshot and SDK clients pointed at the emulator.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use serde_json::json;
use shubctl::provider::snapshot::SnapshotFile;
use shubctl_emulator::{Config, Emulator};

pub const MGMT: &str = "111111111111";
pub const ADMIN: &str = "222222222222";
pub const PROD: &str = "333333333333";
pub const DEV: &str = "444444444444";
pub const LEGACY: &str = "555555555555";
pub const LONER: &str = "999999999999";
pub const REGION: &str = "eu-west-1";

/// Management account with a hub; a delegated admin with standards, a sparse disabled control,
/// custom parameters, an insight, a rule, a target, a product and the aggregator; two members;
/// one suspended account; a GuardDuty administrator and one detector.
pub fn fixture() -> SnapshotFile {
    serde_json::from_value(json!({
        "format_version": 1,
        "taken_at": "2026-01-01T00:00:00Z",
        "organization": {
            "management_account": MGMT,
            "accounts": [
                { "id": MGMT, "name": "management", "status": "ACTIVE", "parent": "r-ex01" },
                { "id": ADMIN, "name": "audit", "status": "ACTIVE", "parent": "ou-ex01-security1" },
                { "id": PROD, "name": "prod", "status": "ACTIVE", "parent": "ou-ex01-workload1" },
                { "id": DEV, "name": "dev", "status": "ACTIVE", "parent": "ou-ex01-workload1" },
                { "id": LEGACY, "name": "legacy", "status": "SUSPENDED", "parent": "ou-ex01-workload1" }
            ],
            "ous": [
                { "id": "ou-ex01-security1", "name": "Security", "parent": "r-ex01" },
                { "id": "ou-ex01-workload1", "name": "Workloads", "parent": "r-ex01" }
            ],
            "enabled_regions": ["eu-west-1", "us-east-1"]
        },
        "resources": {
            "111111111111/eu-west-1/hub": { "control_finding_generator": "SECURITY_CONTROL", "auto_enable_controls": true },
            "111111111111/eu-west-1/delegated-admin/securityhub": { "account": ADMIN },
            "111111111111/eu-west-1/delegated-admin/guardduty": { "account": ADMIN },
            "222222222222/eu-west-1/hub": { "control_finding_generator": "SECURITY_CONTROL", "auto_enable_controls": false },
            "222222222222/eu-west-1/org-config/securityhub": { "auto_enable": true, "auto_enable_standards": "NONE" },
            "222222222222/eu-west-1/member/111111111111": {},
            "222222222222/eu-west-1/member/333333333333": {},
            "222222222222/eu-west-1/standard/fsbp/1.0.0": {},
            "222222222222/eu-west-1/standard/cis/1.2.0": {},
            "222222222222/eu-west-1/control/IAM.6@fsbp/1.0.0": { "status": "DISABLED", "reason": "Hardware MFA for root is handled by the break-glass process" },
            "222222222222/eu-west-1/control/IAM.6@cis/1.2.0": { "status": "DISABLED", "reason": "Hardware MFA for root is handled by the break-glass process" },
            "222222222222/eu-west-1/control-parameters/IAM.7": { "parameters": { "MaxPasswordAge": 90, "RequireSymbols": true } },
            "222222222222/eu-west-1/control-parameters/EC2.18": { "parameters": { "authorizedTcpPorts": [80, 443] } },
            "222222222222/eu-west-1/aggregator": { "linking_mode": "SPECIFIED_REGIONS", "regions": ["us-east-1"] },
            "222222222222/eu-west-1/insight/Critical findings by account": {
                "group_by": "AwsAccountId",
                "filters": {
                    "RecordState": [{ "Comparison": "EQUALS", "Value": "ACTIVE" }],
                    "SeverityLabel": [{ "Comparison": "EQUALS", "Value": "CRITICAL" }],
                    "Criticality": [{ "Gte": 50 }]
                }
            },
            "222222222222/eu-west-1/action-target/SendToJira": { "name": "Send to Jira", "description": "Open a Jira ticket" },
            "222222222222/eu-west-1/automation-rule/Root user findings are critical": {
                "order": 1, "description": "Root user findings are critical", "status": "ENABLED", "terminal": false,
                "criteria": { "ComplianceSecurityControlId": [{ "Comparison": "EQUALS", "Value": "IAM.4" }] },
                "actions": { "Severity": { "Label": "CRITICAL" }, "Note": { "Text": "Root is critical", "UpdatedBy": "shubctl" } }
            },
            "222222222222/eu-west-1/product/aws/guardduty": {},
            "333333333333/eu-west-1/hub": { "control_finding_generator": "SECURITY_CONTROL", "auto_enable_controls": true },
            "333333333333/eu-west-1/standard/fsbp/1.0.0": {},
            "333333333333/eu-west-1/guardduty": { "status": "ENABLED", "finding_publishing_frequency": "SIX_HOURS", "features": {} }
        }
    }))
    .expect("fixture is a valid snapshot")
}

pub fn empty_org() -> SnapshotFile {
    let mut s = fixture();
    s.resources.clear();
    s
}

pub async fn start(config: Config) -> Emulator {
    Emulator::start(fixture(), config).await
}

pub fn no_quotas() -> Config {
    Config {
        quotas_enabled: false,
        ..Config::default()
    }
}

pub async fn sdk(emu: &Emulator, account: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            Emulator::access_key(account),
            "secret",
            None,
            None,
            "test",
        ))
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

pub async fn sh(emu: &Emulator, account: &str, region: &str) -> aws_sdk_securityhub::Client {
    aws_sdk_securityhub::Client::new(&sdk(emu, account, region).await)
}

pub async fn orgs(emu: &Emulator, account: &str) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::new(&sdk(emu, account, "us-east-1").await)
}

pub async fn sts(emu: &Emulator, account: &str) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&sdk(emu, account, "us-east-1").await)
}

/// The service error code of an SDK error (`None` for dispatch failures and the like).
pub fn code<E: aws_sdk_securityhub::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_securityhub::error::SdkError<E, R>,
) -> String {
    e.code().unwrap_or("<none>").to_string()
}

/// The HTTP status of an SDK error's raw response (0 when there was none).
pub fn status<E>(
    e: &aws_sdk_securityhub::error::SdkError<E, aws_sdk_securityhub::config::http::HttpResponse>,
) -> u16 {
    e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0)
}

/// The service error message of an SDK error.
pub fn message<E: aws_sdk_securityhub::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_securityhub::error::SdkError<E, R>,
) -> String {
    e.message().unwrap_or("<none>").to_string()
}

pub async fn guardduty(emu: &Emulator, account: &str, region: &str) -> aws_sdk_guardduty::Client {
    aws_sdk_guardduty::Client::new(&sdk(emu, account, region).await)
}

pub async fn inspector(emu: &Emulator, account: &str, region: &str) -> aws_sdk_inspector2::Client {
    aws_sdk_inspector2::Client::new(&sdk(emu, account, region).await)
}

pub async fn macie(emu: &Emulator, account: &str, region: &str) -> aws_sdk_macie2::Client {
    aws_sdk_macie2::Client::new(&sdk(emu, account, region).await)
}

pub async fn analyzer(
    emu: &Emulator,
    account: &str,
    region: &str,
) -> aws_sdk_accessanalyzer::Client {
    aws_sdk_accessanalyzer::Client::new(&sdk(emu, account, region).await)
}

pub async fn events(emu: &Emulator, account: &str, region: &str) -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::new(&sdk(emu, account, region).await)
}

pub async fn lambda(emu: &Emulator, account: &str, region: &str) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&sdk(emu, account, region).await)
}
