//! `shubctl report`: what is in force, for auditors and for the people who fix findings. One
//! value ([`Report`]) built from the policy, the plan and everything read; four renderings of
//! it (JSON, Markdown, CSV, HTML). Pure: reading is done by the caller.
//!
//! Unknown stays unknown: a scope or kind that could not be read shows as `unknown`, never as
//! on or off, and counts as a gap.

pub mod render;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::resource::{MacieStatus, Resource, Switch};
use crate::model::{AccountId, Kind, OrgInfo, Scope, State, Target};
use crate::plan::Plan;
use crate::spec::Policy;
use crate::spec::sections::access_analyzer::AnalyzerRegions;
use crate::spec::sections::exceptions::Rule;
use crate::spec::sections::select::{Member, RegionRef, Selected};

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Where the state came from (`snapshot:<path>` or `aws`).
    pub source: String,
    /// The date expiry is judged by.
    pub today: NaiveDate,
    pub matrix: Matrix,
    pub drift: Drift,
    pub exceptions: Vec<ExceptionRow>,
    pub findings: Findings,
}

/// The services each row shows, in column order.
pub const SERVICES: &[&str] = &[
    "hub",
    "standards",
    "guardduty",
    "inspector",
    "macie",
    "access_analyzer",
];

#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub rows: Vec<SetupRow>,
    /// Per service: rows where it is off or unknown.
    pub gaps: BTreeMap<String, usize>,
}

/// One account × region.
#[derive(Clone, Debug, Serialize)]
pub struct SetupRow {
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account_name: String,
    pub region: String,
    /// Service (as in [`SERVICES`]) → its cell.
    pub cells: BTreeMap<String, Cell>,
}

/// A cell's status where the policy itself wants the service off (not a gap).
pub const NOT_WANTED: &str = "not wanted";

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// `on`, `off`, `partial` (on, but paused or suspended), `unknown`, or `not wanted` (off
    /// where the policy wants it off).
    pub status: String,
    /// What is on: standards, resource types, analyzer names.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Cell {
    fn new(status: &str, detail: impl Into<String>) -> Cell {
        Cell {
            status: status.into(),
            detail: detail.into(),
        }
    }
    pub fn is_gap(&self) -> bool {
        self.status != "on" && self.status != NOT_WANTED
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    pub changes: Vec<DriftRow>,
    /// Scopes whose state is unknown: their drift is unknown too.
    pub scopes_unread: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DriftRow {
    pub action: String,
    pub address: String,
    pub reason: String,
    pub weakens_posture: bool,
    pub destructive: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExceptionRow {
    pub controls: Vec<String>,
    /// `all`, or the standards named.
    pub standards: String,
    pub accounts: String,
    pub regions: String,
    pub reason: String,
    pub owner: String,
    pub ticket: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// `expired`, `expiring soon`, `ok` or `no expiry`.
    pub status: String,
    pub file: String,
    pub line: u64,
}

/// The findings picture; read live only.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Findings {
    /// Why there is no picture (a snapshot holds no findings; reading failed), if there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// Where they were read: the administrator account and region.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub read_from: String,
    /// Active findings (workflow NEW or NOTIFIED): account → severity label → count.
    pub by_account: BTreeMap<String, BTreeMap<String, u64>>,
    /// Failed controls: control ID → resources failing it, most first.
    pub top_failing_controls: Vec<(String, u64)>,
    /// One row per failed control finding.
    pub failed: Vec<FailedControl>,
    /// GetFindings calls made.
    pub calls: u64,
}

/// A failed control finding, as the compliance CSV lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailedControl {
    pub control: String,
    pub title: String,
    pub severity: String,
    pub resource_type: String,
    pub resource: String,
    pub account: String,
    pub region: String,
}

/// Severity labels, most severe first.
pub const SEVERITIES: &[&str] = &["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"];

/// Where a severity label sorts: by [`SEVERITIES`], anything else after them.
pub fn severity_rank(label: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|s| s.eq_ignore_ascii_case(label))
        .unwrap_or(SEVERITIES.len())
}

/// What the report is built from.
pub struct Inputs<'a> {
    pub policy: &'a Policy,
    pub plan: &'a Plan,
    pub org: &'a OrgInfo,
    /// Everything read in the plan's accounts × regions (all kinds, policy or not).
    pub state: &'a State,
    /// Kind → `account/region: message` where it could not be read.
    pub unreadable: &'a BTreeMap<Kind, Vec<String>>,
    pub today: NaiveDate,
    pub expiry_warning_days: i64,
    pub findings: Findings,
}

pub fn build(i: Inputs<'_>) -> Report {
    Report {
        source: i.plan.source.clone(),
        today: i.today,
        matrix: matrix(&i),
        drift: drift(i.plan),
        exceptions: exceptions(&i),
        findings: i.findings.clone(),
    }
}

fn matrix(i: &Inputs<'_>) -> Matrix {
    let unread = |scope: &Scope| {
        i.plan.read_failures.iter().any(|f| match &f.target {
            Target::Scope(s) => s == scope,
            Target::Account(a) => *a == scope.account,
            Target::Aws => true,
            _ => false,
        })
    };
    // An organisation analyzer watches every account of its region.
    let mut org_analyzers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (scope, st) in &i.state.scopes {
        for (l, v) in &st.resources {
            if let (Resource::Analyzer(a), Some(name)) = (v, &l.id)
                && a.analyzer_type.starts_with("ORGANIZATION")
            {
                org_analyzers
                    .entry(scope.region.as_str())
                    .or_default()
                    .push(format!("{name} (organisation, in {})", scope.account));
            }
        }
    }
    // A policy that keeps every analyzer it declares to the home region wants none elsewhere:
    // there, no analyzer is what the policy wants, not a gap.
    let home = i.policy.regions.as_ref().map(|r| r.home.as_str());
    let analyzers_home_only = i.policy.access_analyzer.as_ref().is_some_and(|a| {
        !a.analyzers.is_empty() && a.analyzers.iter().all(|x| x.3 == AnalyzerRegions::Home)
    });
    let mut rows = Vec::new();
    for a in &i.plan.coverage.accounts {
        for r in &i.plan.coverage.regions {
            let Ok(account) = AccountId::parse(a) else {
                continue;
            };
            let scope = Scope::new(&account, r);
            let shown = scope.to_string();
            let known = |k: Kind| {
                !unread(&scope)
                    && i.state.scopes.contains_key(&scope)
                    && !i
                        .unreadable
                        .get(&k)
                        .is_some_and(|v| v.iter().any(|m| m.starts_with(&format!("{shown}:"))))
            };
            let st = i.state.scopes.get(&scope);
            let mut cells = BTreeMap::new();
            let mut cell = |name: &str, kind: Kind, f: &dyn Fn() -> Cell| {
                let c = if known(kind) {
                    f()
                } else {
                    Cell::new("unknown", "could not be read")
                };
                cells.insert(name.to_string(), c);
            };
            let get = |k: Kind, id: Option<&str>| st.and_then(|s| s.get(k, id));
            cell("hub", Kind::Hub, &|| match get(Kind::Hub, None) {
                Some(_) => Cell::new("on", ""),
                None => Cell::new("off", ""),
            });
            cell("standards", Kind::Standard, &|| {
                let stds: Vec<String> = st
                    .map(|s| {
                        s.resources
                            .keys()
                            .filter(|l| l.kind == Kind::Standard)
                            .filter_map(|l| l.id.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if stds.is_empty() {
                    Cell::new("off", "")
                } else {
                    Cell::new("on", stds.join(", "))
                }
            });
            cell(
                "guardduty",
                Kind::GuardDuty,
                &|| match get(Kind::GuardDuty, None) {
                    Some(Resource::GuardDuty(g)) if g.status == Switch::Enabled => {
                        Cell::new("on", "")
                    }
                    Some(Resource::GuardDuty(g)) => {
                        Cell::new("partial", g.status.as_str().to_lowercase())
                    }
                    _ => Cell::new("off", ""),
                },
            );
            cell(
                "inspector",
                Kind::Inspector,
                &|| match get(Kind::Inspector, None) {
                    Some(Resource::Inspector(v)) if !v.resource_types.is_empty() => {
                        Cell::new("on", v.resource_types.join(", ").to_lowercase())
                    }
                    _ => Cell::new("off", ""),
                },
            );
            cell("macie", Kind::Macie, &|| match get(Kind::Macie, None) {
                Some(Resource::Macie(m)) if m.status == MacieStatus::Enabled => Cell::new("on", ""),
                Some(Resource::Macie(m)) => Cell::new("partial", m.status.as_str().to_lowercase()),
                _ => Cell::new("off", ""),
            });
            cell("access_analyzer", Kind::Analyzer, &|| {
                let mut names: Vec<String> = st
                    .map(|s| {
                        s.resources
                            .iter()
                            .filter(|(l, v)| {
                                l.kind == Kind::Analyzer
                                    && !matches!(v, Resource::Analyzer(a) if a.analyzer_type.starts_with("ORGANIZATION"))
                            })
                            .filter_map(|(l, _)| l.id.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                names.extend(org_analyzers.get(r.as_str()).cloned().unwrap_or_default());
                match (names.is_empty(), home) {
                    (true, Some(home)) if analyzers_home_only && r != home => Cell::new(
                        NOT_WANTED,
                        format!("the policy keeps analyzers to the home region, {home}"),
                    ),
                    (true, _) => Cell::new("off", ""),
                    (false, _) => Cell::new("on", names.join(", ")),
                }
            });
            let account_name = i
                .org
                .account(&account)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            rows.push(SetupRow {
                account: a.clone(),
                account_name,
                region: r.clone(),
                cells,
            });
        }
    }
    let gaps = SERVICES
        .iter()
        .map(|s| {
            let n = rows.iter().filter(|r| r.cells[*s].is_gap()).count();
            (s.to_string(), n)
        })
        .collect();
    Matrix { rows, gaps }
}

fn drift(plan: &Plan) -> Drift {
    Drift {
        changes: plan
            .changes
            .iter()
            .map(|c| DriftRow {
                action: c.action.as_str().to_string(),
                address: c.address.to_string(),
                reason: c.reason.message.clone(),
                weakens_posture: c.weakens_posture,
                destructive: c.destructive,
            })
            .collect(),
        scopes_unread: plan.read_failures.iter().map(|f| format!("{f}")).collect(),
        warnings: plan.warnings.clone(),
    }
}

fn members(s: &Option<Selected<Member>>) -> String {
    let show = |m: &Member| match m {
        Member::Account(a) => a.to_string(),
        Member::Unit(u) => u.clone(),
    };
    selection(s, show)
}

fn regions(s: &Option<Selected<RegionRef>>) -> String {
    let show = |r: &RegionRef| match r {
        RegionRef::Home => "home".to_string(),
        RegionRef::Named(n) => n.clone(),
    };
    selection(s, show)
}

fn selection<T>(s: &Option<Selected<T>>, show: impl Fn(&T) -> String) -> String {
    match s {
        None => "all".into(),
        Some(Selected::Only(v)) => v.iter().map(show).collect::<Vec<_>>().join(", "),
        Some(Selected::Except(v)) => format!(
            "all except {}",
            v.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn exceptions(i: &Inputs<'_>) -> Vec<ExceptionRow> {
    let Some(x) = &i.policy.exceptions else {
        return vec![];
    };
    let mut rows: Vec<ExceptionRow> = x.rules.iter().map(|r| row(r, i)).collect();
    // Most urgent first: expired, then by days left; no expiry last.
    rows.sort_by_key(|r| (r.days_left.unwrap_or(i64::MAX), r.file.clone(), r.line));
    rows
}

fn row(r: &Rule, i: &Inputs<'_>) -> ExceptionRow {
    let days_left = r.expires.map(|e| (e - i.today).num_days());
    let status = match days_left {
        None => "no expiry",
        Some(d) if d < 0 => "expired",
        Some(d) if d <= i.expiry_warning_days => "expiring soon",
        Some(_) => "ok",
    };
    ExceptionRow {
        controls: r.controls.clone(),
        standards: r.standards.as_ref().map_or("all".into(), |s| s.join(", ")),
        accounts: members(&r.accounts),
        regions: regions(&r.regions),
        reason: r.reason.clone(),
        owner: r.owner.clone().unwrap_or_default(),
        ticket: r.ticket.clone().unwrap_or_default(),
        expires: r.expires,
        days_left,
        status: status.into(),
        file: r.at.file.clone(),
        line: r.at.line,
    }
}

/// Sums findings into the picture (the caller pages GetFindings and passes each page here).
impl Findings {
    pub fn add_active(&mut self, account: &str, severity: &str) {
        *self
            .by_account
            .entry(account.to_string())
            .or_default()
            .entry(severity.to_string())
            .or_default() += 1;
    }

    /// Adds failed control findings and recounts the top failing controls.
    pub fn add_failed(&mut self, rows: impl IntoIterator<Item = FailedControl>) {
        self.failed.extend(rows);
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for f in &self.failed {
            *counts.entry(f.control.as_str()).or_default() += 1;
        }
        let mut top: Vec<(String, u64)> = counts
            .into_iter()
            .map(|(c, n)| (c.to_string(), n))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.top_failing_controls = top;
        // Most severe first, as the people who fix findings work through them.
        self.failed.sort_by(|a, b| {
            (
                severity_rank(&a.severity),
                &a.control,
                &a.account,
                &a.region,
                &a.resource,
            )
                .cmp(&(
                    severity_rank(&b.severity),
                    &b.control,
                    &b.account,
                    &b.region,
                    &b.resource,
                ))
        });
    }
}
