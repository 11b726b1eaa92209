//! `shubctl doctor`: the guide's troubleshooting table as checks. Pure: the facts read from AWS
//! (`model::health`, gathered by the engine) and the policy in, problems out — each with where
//! it is, why it matters and how to fix it (the policy lines, or the command) — and the
//! renderers (text, Markdown, JSON).

mod render;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::catalog::partition_of;
use crate::model::health::{ScopeHealth, StuckFindings};
use crate::model::{AccountId, ProviderError, Scope, Service};
use crate::spec::Policy;

pub use render::{render_json, render_markdown, render_text};

/// The checks, by stable name (JSON `check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Unreadable,
    HubOff,
    StandardsNotEnabled,
    StandardFailed,
    ConfigNotRecording,
    ConfigPartial,
    ConfigNoGlobalResources,
    IntegrationNotEnabled,
    ProductIntegrationNotEnabled,
    MemberNotAssociated,
    AggregatorMissingRegions,
    FindingsStuckInNew,
    ExceptionExpired,
    ExceptionExpiringSoon,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, possibly found in many places.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub check: Check,
    pub severity: Severity,
    /// `account/region`, `account`, or `file:line:column` for policy problems; sorted.
    #[serde(rename = "where")]
    pub at: Vec<String>,
    pub what: String,
    pub why: String,
    pub fix: String,
}

/// What the doctor looked at.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Checked {
    pub accounts: usize,
    pub regions: Vec<String>,
    pub scopes: usize,
    pub scopes_unread: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    pub format_version: u32,
    pub healthy: bool,
    pub checked: Checked,
    /// Ordered by severity, then check, then first place.
    pub problems: Vec<Problem>,
    /// Findings counted by the stuck-in-NEW check, per place asked (`account/region`).
    pub stuck_findings: BTreeMap<String, StuckFindings>,
}

pub const REPORT_FORMAT_VERSION: u32 = 1;

/// What the engine read, for the checks.
#[derive(Debug)]
pub struct Facts {
    pub accounts: Vec<AccountId>,
    pub regions: Vec<String>,
    pub home: String,
    /// The Security Hub administrator (or the one account).
    pub admin: AccountId,
    pub scopes: BTreeMap<Scope, Result<ScopeHealth, ProviderError>>,
    pub stuck: BTreeMap<Scope, Result<StuckFindings, ProviderError>>,
}

#[derive(Clone, Debug)]
pub struct DoctorOptions {
    pub today: NaiveDate,
    pub expiry_warning_days: i64,
    pub stuck_days: u32,
}

/// The product integration that imports a service's findings; none for the services that
/// hold guardrails and routes rather than producing findings.
fn product_of(s: Service) -> Option<&'static str> {
    match s {
        Service::GuardDuty => Some("aws/guardduty"),
        Service::Inspector => Some("aws/inspector"),
        Service::Macie => Some("aws/macie"),
        Service::SecurityHub => Some("aws/securityhub"),
        Service::AccessAnalyzer => Some("aws/access-analyzer"),
        Service::Organizations | Service::EventBridge => None,
    }
}

/// `file:line` of a policy section, for a fix.
fn section(policy: &Policy, name: &str) -> Option<String> {
    policy
        .sections_at
        .get(name)
        .map(|p| format!("{}:{}", p.file, p.line))
}

/// Problems, before grouping: (check, severity, where, what, why, fix).
struct Found(Vec<(Check, Severity, String, String, String, String)>);

impl Found {
    fn add(
        &mut self,
        check: Check,
        severity: Severity,
        at: impl Into<String>,
        what: impl Into<String>,
        why: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.0.push((
            check,
            severity,
            at.into(),
            what.into(),
            why.into(),
            fix.into(),
        ));
    }
}

/// Standards statuses that count as enabled (findings come or will come).
fn is_on(status: &str) -> bool {
    matches!(status, "READY" | "PENDING" | "INCOMPLETE")
}

fn check_scope(
    policy: &Policy,
    facts: &Facts,
    scope: &Scope,
    h: &ScopeHealth,
    expected: &[Service],
    found: &mut Found,
) {
    let at = format!("{}/{}", scope.account, scope.region);
    if !h.hub {
        if policy.hub_enabled() {
            found.add(
                Check::HubOff,
                Severity::Error,
                &at,
                "Security Hub is off",
                "nothing is checked and no findings are collected here",
                "run `shubctl plan` and `shubctl apply`: the policy enables it",
            );
        }
        return;
    }
    // Fixes name no account or region of their own (`<region>` stands for each place listed),
    // so one problem found in many places is reported once, with every place.
    let partition = partition_of(&facts.home).name;
    if check_standards(policy, &at, h, found) {
        check_recorder(&at, h, partition, found);
    }
    check_integrations(policy, &at, h, expected, partition, found);
    check_members(policy, facts, scope, &at, h, found);
    check_aggregator(policy, facts, &at, h, found);
}

/// The standards enabled, and those failed or incomplete; whether any is enabled.
fn check_standards(policy: &Policy, at: &str, h: &ScopeHealth, found: &mut Found) -> bool {
    let enabled: Vec<&str> = h
        .standards
        .iter()
        .filter(|s| is_on(&s.status))
        .map(|s| s.standard.as_str())
        .collect();
    if enabled.is_empty() {
        let fix = match section(policy, "standards") {
            Some(lines) => format!(
                "the policy declares standards ({lines}): `shubctl plan` shows why none is on here (the entries' `accounts`/`regions`, or drift), and `shubctl apply` enables them"
            ),
            None => {
                "declare them in the policy (`standards: [fsbp/1.0.0]`) and run `shubctl apply`"
                    .to_string()
            }
        };
        found.add(
            Check::StandardsNotEnabled,
            Severity::Error,
            at,
            "the hub is on but no security standard is enabled",
            "Security Hub runs controls only for enabled standards: no control findings appear",
            fix,
        );
    }
    for s in &h.standards {
        if s.status != "FAILED" && s.status != "INCOMPLETE" {
            continue;
        }
        let reason = s.reason.as_deref().unwrap_or("no reason given");
        let why = match reason {
            "NO_AVAILABLE_CONFIGURATION_RECORDER" => {
                "AWS Config is not recording here, so the standard's controls cannot run"
            }
            "MAXIMUM_NUMBER_OF_CONFIG_RULES_EXCEEDED" => {
                "the account has reached AWS Config's limit of rules, so some controls could not be created"
            }
            _ => "some or all of the standard's controls do not run",
        };
        found.add(
            Check::StandardFailed,
            Severity::Error,
            at,
            format!("standard {} is {} ({reason})", s.standard, s.status),
            why,
            "remove the cause, then enable it afresh in each place listed: `aws securityhub batch-disable-standards --standards-subscription-arns <its subscription ARN> --region <region>`, then `shubctl apply`",
        );
    }
    !enabled.is_empty()
}

/// AWS Config recording, which the standards' controls need.
fn check_recorder(at: &str, h: &ScopeHealth, partition: &str, found: &mut Found) {
    match &h.recorder {
        None => found.add(
            Check::ConfigNotRecording,
            Severity::Error,
            at,
            "AWS Config has no configuration recorder, but standards are enabled",
            "Security Hub's controls are AWS Config rules: without recording they show no data or UNKNOWN",
            format!(
                "in each place listed, set up AWS Config recording all supported resources: `aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN=arn:{partition}:iam::<account>:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig --recording-group allSupported=true --region <region>`, a delivery channel (`aws configservice put-delivery-channel`), then `aws configservice start-configuration-recorder --configuration-recorder-name default --region <region>`"
            ),
        ),
        Some(r) if !r.recording => found.add(
            Check::ConfigNotRecording,
            Severity::Error,
            at,
            format!("AWS Config's recorder `{}` is stopped", r.name),
            "Security Hub's controls are AWS Config rules: without recording they show no data or UNKNOWN",
            format!(
                "start it in each place listed: `aws configservice start-configuration-recorder --configuration-recorder-name {} --region <region>`",
                r.name
            ),
        ),
        Some(r) if r.last_status.as_deref() == Some("Failure") => found.add(
            Check::ConfigNotRecording,
            Severity::Error,
            at,
            format!(
                "AWS Config's recorder `{}` is failing ({})",
                r.name,
                r.last_error.as_deref().unwrap_or("no error given")
            ),
            "configuration items are not delivered, so controls evaluate stale or no data",
            "fix the error AWS Config reports (usually the recorder's role or the delivery channel's bucket policy): `aws configservice describe-configuration-recorder-status`",
        ),
        Some(r) if !r.all_supported => found.add(
            Check::ConfigPartial,
            Severity::Warning,
            at,
            format!("AWS Config's recorder `{}` records only some resource types", r.name),
            "controls on resource types it does not record have no data",
            format!(
                "record all supported types in each place listed: `aws configservice put-configuration-recorder --configuration-recorder name={},roleARN=<its role> --recording-group allSupported=true --region <region>`",
                r.name
            ),
        ),
        Some(_) => {}
    }
}

/// The integrated services the policy expects, and their product integrations.
fn check_integrations(
    policy: &Policy,
    at: &str,
    h: &ScopeHealth,
    expected: &[Service],
    partition: &str,
    found: &mut Found,
) {
    for s in expected {
        let Some(product) = product_of(*s) else {
            continue;
        };
        match h.services.get(s) {
            Some(false) => {
                let fix = match section(policy, &format!("integrations.{}", s.id())) {
                    Some(lines) => format!(
                        "the policy declares it ({lines}): run `shubctl apply`; check the section reaches each account and region listed"
                    ),
                    None => format!(
                        "declare `integrations.{}` in the policy and run `shubctl apply`",
                        s.id()
                    ),
                };
                found.add(
                    Check::IntegrationNotEnabled,
                    Severity::Error,
                    at,
                    format!("{} is not enabled here, but Security Hub is", s.title()),
                    format!(
                        "{} findings are regional: none reach Security Hub from this region",
                        s.title()
                    ),
                    fix,
                );
            }
            Some(true) if !h.products.iter().any(|p| p == product) => found.add(
                Check::ProductIntegrationNotEnabled,
                Severity::Error,
                at,
                format!(
                    "{} is on but its integration `{product}` is not enabled for import",
                    s.title()
                ),
                format!("{} findings are not imported into Security Hub", s.title()),
                match section(policy, "integrations.products") {
                    Some(lines) => format!(
                        "list `{product}` under integrations.products ({lines}) and run `shubctl apply`"
                    ),
                    None => format!(
                        "add `integrations: {{ products: [{product}] }}` to the policy and run `shubctl apply`, or in each place listed `aws securityhub enable-import-findings-for-product --product-arn arn:{partition}:securityhub:<region>::product/{product} --region <region>`"
                    ),
                },
            ),
            _ => {}
        }
    }
}

/// The administrator's members: each account in scope enabled.
fn check_members(
    policy: &Policy,
    facts: &Facts,
    scope: &Scope,
    at: &str,
    h: &ScopeHealth,
    found: &mut Found,
) {
    if let Some(members) = &h.members {
        let listed: BTreeSet<&str> = members.iter().map(|m| m.account.as_str()).collect();
        for m in members.iter().filter(|m| m.status != "Enabled") {
            if !facts.accounts.iter().any(|a| a.as_str() == m.account) {
                continue;
            }
            let fix = match m.status.as_str() {
                "Invited" => format!(
                    "in account {} in each region listed: `aws securityhub accept-administrator-invitation --administrator-id {} --invitation-id <id from list-invitations> --region <region>`; organisation accounts need no invitation: remove and re-create them through the organisation (`shubctl apply`)",
                    m.account, scope.account
                ),
                _ => format!(
                    "run `shubctl apply` (organisation accounts are associated by CreateMembers), or in {} in each region listed: `aws securityhub create-members --account-details AccountId={} --region <region>`",
                    scope.account, m.account
                ),
            };
            found.add(
                Check::MemberNotAssociated,
                Severity::Error,
                format!("{at} member {}", m.account),
                format!("member {} is `{}`, not `Enabled`", m.account, m.status),
                "the administrator does not see the account's findings and cannot manage its Security Hub",
                fix,
            );
        }
        let manages = policy
            .organization
            .as_ref()
            .is_some_and(|o| o.manage_members);
        for a in &facts.accounts {
            if a == &facts.admin || listed.contains(a.as_str()) || !manages {
                continue;
            }
            found.add(
                Check::MemberNotAssociated,
                Severity::Error,
                format!("{at} member {a}"),
                format!("account {a} is not a member"),
                "the administrator does not see the account's findings and cannot manage its Security Hub",
                "run `shubctl apply`: the policy manages members",
            );
        }
    }
}

/// The aggregator links every other region the policy manages.
fn check_aggregator(policy: &Policy, facts: &Facts, at: &str, h: &ScopeHealth, found: &mut Found) {
    if let Some(agg) = &h.aggregator {
        let others: Vec<&String> = facts.regions.iter().filter(|r| **r != facts.home).collect();
        let missing: Vec<&str> = match agg {
            None => others.iter().map(|r| r.as_str()).collect(),
            Some(a) => others
                .iter()
                .filter(|r| match a.mode.as_str() {
                    "ALL_REGIONS" => false,
                    "ALL_REGIONS_EXCEPT_SPECIFIED" => a.regions.contains(r),
                    "SPECIFIED_REGIONS" => !a.regions.contains(r),
                    _ => true,
                })
                .map(|r| r.as_str())
                .collect(),
        };
        if !missing.is_empty() {
            let what = match agg {
                None => format!(
                    "there is no finding aggregator, and the policy manages {} other region(s)",
                    missing.len()
                ),
                Some(a) => format!(
                    "the aggregator ({}) does not link {}",
                    a.mode,
                    missing.join(", ")
                ),
            };
            let fix = match section(policy, "aggregator") {
                Some(lines) => format!(
                    "change the aggregator at {lines} to link them (`linking: all_regions`, or add them to `regions`) and run `shubctl apply`"
                ),
                None => "declare `aggregator: { linking: all_regions }` in the policy and run `shubctl apply`".to_string(),
            };
            found.add(
                Check::AggregatorMissingRegions,
                Severity::Error,
                at,
                what,
                format!(
                    "findings from {} never reach the home region {}, so they are missing from its insights, rules and exports",
                    missing.join(", "),
                    facts.home
                ),
                fix,
            );
        }
    }
}

fn check_exceptions(policy: &Policy, opts: &DoctorOptions, found: &mut Found) {
    let Some(ex) = &policy.exceptions else {
        return;
    };
    for r in &ex.rules {
        let Some(expires) = r.expires else { continue };
        let at = format!("{}:{}:{}", r.at.file, r.at.line, r.at.column);
        let who = match (&r.owner, &r.ticket) {
            (Some(o), Some(t)) => format!(" (owner {o}, ticket {t})"),
            (Some(o), None) => format!(" (owner {o})"),
            (None, Some(t)) => format!(" (ticket {t})"),
            (None, None) => String::new(),
        };
        let controls = r.controls.join(", ");
        let days = (expires - opts.today).num_days();
        if days < 0 {
            found.add(
                Check::ExceptionExpired,
                Severity::Error,
                at,
                format!("the exception for {controls} expired on {expires}{who}"),
                "it no longer holds: the next apply re-enables the controls, and their findings return",
                "review it with its owner: renew it with a later `expires`, or delete it and let the controls run",
            );
        } else if days <= opts.expiry_warning_days {
            found.add(
                Check::ExceptionExpiringSoon,
                Severity::Warning,
                at,
                format!("the exception for {controls} expires on {expires}, in {days} day(s){who}"),
                "after that the controls are re-enabled by the next apply",
                "review it with its owner before then: renew it with a later `expires`, or delete it",
            );
        }
    }
}

/// Runs every check.
pub fn check(policy: &Policy, facts: &Facts, opts: &DoctorOptions) -> Report {
    let expected = policy.expected_services();
    let mut found = Found(Vec::new());
    let mut unread = 0;
    for (scope, h) in &facts.scopes {
        match h {
            Ok(h) => check_scope(policy, facts, scope, h, &expected, &mut found),
            Err(e) => {
                unread += 1;
                found.add(
                    Check::Unreadable,
                    Severity::Error,
                    format!("{}/{}", scope.account, scope.region),
                    format!("could not be checked: {}", e.message),
                    "what is not read is not known to be healthy",
                    "give shubctl's principal the read-only policy `shubctl iam --role plan` prints (or the member role `--role member`), then run doctor again",
                );
            }
        }
    }
    // Accounts that record IAM's global resources nowhere (they need it in one region).
    let mut global: BTreeMap<&AccountId, bool> = BTreeMap::new();
    for (scope, h) in &facts.scopes {
        if let Ok(h) = h
            && h.standards.iter().any(|s| is_on(&s.status))
        {
            let records = h
                .recorder
                .as_ref()
                .is_some_and(|r| r.recording && r.all_supported && r.include_global);
            *global.entry(&scope.account).or_default() |= records;
        }
    }
    for (account, records) in global {
        if !records {
            found.add(
                Check::ConfigNoGlobalResources,
                Severity::Warning,
                account.as_str(),
                "AWS Config records IAM's global resources in no region",
                "controls on IAM users, groups, roles and policies (IAM.*) have no data",
                format!(
                    "record them in the home region {}: `--recording-group allSupported=true,includeGlobalResourceTypes=true` on its recorder; disable the IAM controls elsewhere with an exception (`regions: {{ except: [home] }}`)",
                    facts.home
                ),
            );
        }
    }
    let mut stuck_out = BTreeMap::new();
    for (scope, s) in &facts.stuck {
        let at = format!("{}/{}", scope.account, scope.region);
        match s {
            Ok(s) if s.total > 0 => {
                let sev: Vec<String> = s
                    .by_severity
                    .iter()
                    .rev()
                    .map(|(k, v)| format!("{v} {k}"))
                    .collect();
                found.add(
                    Check::FindingsStuckInNew,
                    Severity::Warning,
                    &at,
                    format!(
                        "{}{} active finding(s) in NEW for more than {} days ({}) in {} account(s)",
                        if s.truncated { "at least " } else { "" },
                        s.total,
                        s.older_than_days,
                        sev.join(", "),
                        s.by_account.len()
                    ),
                    "nobody has triaged them: real problems hide among them",
                    "triage them (set the workflow status to NOTIFIED, RESOLVED or SUPPRESSED), or add an automation rule that does it for known cases (`automation_rules:` in the policy)",
                );
                stuck_out.insert(at, s.clone());
            }
            Ok(s) => {
                stuck_out.insert(at, s.clone());
            }
            Err(e) => found.add(
                Check::Unreadable,
                Severity::Error,
                &at,
                format!("findings could not be counted: {}", e.message),
                "what is not read is not known to be healthy",
                "give shubctl's principal securityhub:GetFindings (`shubctl iam --role plan`)",
            ),
        }
    }
    check_exceptions(policy, opts, &mut found);
    let problems = group(found);
    Report {
        format_version: REPORT_FORMAT_VERSION,
        healthy: problems.is_empty(),
        checked: Checked {
            accounts: facts.accounts.len(),
            regions: facts.regions.clone(),
            scopes: facts.scopes.len(),
            scopes_unread: unread,
        },
        problems,
        stuck_findings: stuck_out,
    }
}

/// The same problem in many places is one problem with many places.
fn group(found: Found) -> Vec<Problem> {
    let mut by: BTreeMap<(Severity, Check, String, String, String), BTreeSet<String>> =
        BTreeMap::new();
    for (check, severity, at, what, why, fix) in found.0 {
        by.entry((severity, check, what, why, fix))
            .or_default()
            .insert(at);
    }
    let mut out: Vec<Problem> = by
        .into_iter()
        .map(|((severity, check, what, why, fix), at)| Problem {
            check,
            severity,
            at: at.into_iter().collect(),
            what,
            why,
            fix,
        })
        .collect();
    out.sort_by(|a, b| (a.severity, a.check, &a.at[0]).cmp(&(b.severity, b.check, &b.at[0])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::health::StandardHealth;

    fn policy() -> Policy {
        let mut d = crate::spec::diagnostics::Diagnostics::default();
        let p = crate::spec::load_str(
            "p.yaml",
            "shubctl: 1\naccount: \"111111111111\"\nregions: { home: us-east-1, include: [us-east-1, eu-west-1, us-west-2] }\nhub: { enabled: true }\nstandards: [fsbp/1.0.0]\n",
            &crate::spec::CheckOptions {
                today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
                expiry_warning_days: 30,
            },
            &mut d,
        );
        assert!(!d.has_errors(), "{:?}", d.items);
        p
    }

    #[test]
    fn a_problem_in_every_region_is_reported_once_with_every_place() {
        let account = AccountId::parse("111111111111").unwrap();
        let regions = ["us-east-1", "eu-west-1", "us-west-2"];
        // Standards on, no AWS Config recorder: in every region alike.
        let health = ScopeHealth {
            hub: true,
            standards: vec![StandardHealth {
                standard: "fsbp/1.0.0".into(),
                status: "READY".into(),
                reason: None,
            }],
            ..ScopeHealth::default()
        };
        let facts = Facts {
            accounts: vec![account.clone()],
            regions: regions.iter().map(|r| r.to_string()).collect(),
            home: "us-east-1".into(),
            admin: account.clone(),
            scopes: regions
                .iter()
                .map(|r| (Scope::new(&account, r), Ok(health.clone())))
                .collect(),
            stuck: BTreeMap::new(),
        };
        let r = check(
            &policy(),
            &facts,
            &DoctorOptions {
                today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
                expiry_warning_days: 30,
                stuck_days: 30,
            },
        );
        let recorder: Vec<&Problem> = r
            .problems
            .iter()
            .filter(|p| p.check == Check::ConfigNotRecording)
            .collect();
        assert_eq!(recorder.len(), 1, "{}", render_text(&r));
        assert_eq!(
            recorder[0].at,
            [
                "111111111111/eu-west-1",
                "111111111111/us-east-1",
                "111111111111/us-west-2"
            ]
        );
        // The fix says each command once.
        let fix = &recorder[0].fix;
        for cmd in [
            "put-configuration-recorder",
            "start-configuration-recorder",
            "put-delivery-channel",
        ] {
            assert_eq!(fix.matches(cmd).count(), 1, "{cmd} in {fix}");
        }
    }
}
