//! The pipeline behind the commands, with its guards: load → check → expand → read → diff →
//! plan; the destroy gate; a saved plan re-read and refused when the state has moved; apply;
//! and the verification afterwards. Providers come in through the `StateSource` and `Executor`
//! traits, so everything here runs against a snapshot or live AWS alike.

use crate::model::catalog::catalog;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::apply::{ApplyOptions, Outcome, Report, apply};
use crate::diff::{self, Action, diff_scope};
use crate::model::kind::ReadAllAt;
use crate::model::provider::HealthSource;
use crate::model::state::fingerprint;
use crate::model::{
    AccountId, Kind, KindSet, OrgInfo, ProviderError, ReadPlan, Resource, Scope, Service, State,
};
use crate::plan::{Access, Coverage, Plan, SkippedAccount};
use crate::provider::{Executor, StateSource, read_each, read_state};
use crate::spec::diagnostics::{Diagnostics, Severity};
use crate::spec::expand::Expansion;
use crate::spec::{CheckOptions, Policy};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the policy has {0} error(s); nothing was read or changed")]
    InvalidPolicy(usize),
    #[error(
        "the policy has {0} error(s); only AWS's control definitions were read, nothing was changed"
    )]
    InvalidAfterDefinitions(usize),
    /// Found when the organisation was known (account and OU selectors, central configuration).
    #[error(
        "the policy has {0} error(s) for this organisation; only the organisation was read, nothing was changed"
    )]
    InvalidForOrganization(usize),
    #[error("cannot read the organisation: {0}")]
    Org(ProviderError),
    #[error(
        "the plan has {} destructive change(s); nothing was changed. Review them and pass --allow-destroy to proceed:\n{}",
        .0.len(),
        .0.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n")
    )]
    Destructive(Vec<String>),
    #[error("cannot re-read the state: {0}")]
    Unreadable(ProviderError),
    #[error(
        "the state has changed since the plan was made (plan {planned}, now {now}); nothing was changed. Run `shubctl plan` again"
    )]
    StalePlan { planned: String, now: String },
    #[error(
        "the saved plan is refused as a whole ({} problem(s)); nothing was changed:\n{}",
        .0.len(),
        .0.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n")
    )]
    BrokenPlan(Vec<crate::plan::contract::Refusal>),
    #[error("account {0} is not in the policy's scope")]
    NotInScope(String),
    #[error(
        "the organisation uses Security Hub central configuration (the delegated administrator {admin} reports ConfigurationType CENTRAL in {region}), but the policy configures accounts locally: AWS refuses local changes to hubs, standards and controls in centrally managed accounts. Nothing was changed. Set `organization.configuration: central` to manage it centrally, or `organization.configuration: local` to switch it back (the plan deletes the configuration policies and their associations, then switches to LOCAL: apply it with `--allow-destroy`)"
    )]
    OrganizationIsCentral { admin: String, region: String },
    #[error(
        "the organisation uses Security Hub central configuration, and the plan would change what it depends on:\n{}\nAWS refuses to change or remove the delegated administrator through Security Hub while central configuration is on; changing it through AWS Organizations, deleting the finding aggregator or moving the home region stops central configuration and deletes every configuration policy and association (accounts keep the settings they had). Nothing was changed. Do it in two steps: set `organization.configuration: local` and apply (the plan deletes the configuration policies and associations, then switches to LOCAL: apply it with `--allow-destroy`), then make this change and switch back to central",
        .0.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n")
    )]
    EndsCentral(Vec<String>),
}

/// Loads and checks the policy files. Problems are in `d`.
pub fn load_policy(paths: &[PathBuf], opts: &CheckOptions, d: &mut Diagnostics) -> Policy {
    crate::spec::load(paths, opts, d)
}

/// The policy has errors, and every one is an unknown control (`SH305`).
pub fn only_unknown_controls(d: &Diagnostics) -> bool {
    d.has_errors()
        && !d.unknown_controls.is_empty()
        && d.items
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .all(|x| x.code == crate::spec::diagnostics::Code::UnknownControl)
}

/// A policy whose only errors are unknown controls (`SH305`), planned against live AWS: the
/// controls may be newer than the catalog. Reads AWS's control definitions (read-only:
/// `ListSecurityControlDefinitions`, every control, and each standard's that the policy enables or
/// its exceptions name) in every region the policy lists (its home region when it takes every enabled region), as the delegated
/// administrator (or the policy's account), and returns the catalog with the unknown controls
/// AWS defines and offers added, with a note for each region that could not be read. None when
/// the policy has other errors, names no unknown control, or `source` is not live.
pub async fn learn_controls<S: StateSource>(
    policy: &Policy,
    source: &S,
    d: &Diagnostics,
) -> Option<(crate::model::catalog::Catalog, Vec<String>)> {
    use crate::model::catalog::standard_arn;
    if !only_unknown_controls(d) {
        return None;
    }
    let account = match (&policy.organization, &policy.account) {
        (Some(o), _) => o.admin.clone(),
        (None, Some(a)) => a.id.clone(),
        (None, None) => return None,
    };
    let r = policy.regions.as_ref()?;
    let mut regions = r.include.clone().unwrap_or_default();
    if !regions.contains(&r.home) {
        regions.insert(0, r.home.clone());
    }
    // The standards the policy enables or its exceptions name: only their members matter.
    let mut standards: Vec<&str> = policy
        .standards
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.standard.as_str()))
        .chain(
            policy
                .exceptions
                .iter()
                .flat_map(|x| &x.rules)
                .flat_map(|r| r.standards.iter().flatten().map(String::as_str)),
        )
        .collect();
    standards.sort();
    standards.dedup();
    let reads = regions.iter().map(|region| {
        let scope = Scope::new(&account, region);
        let arns: Vec<String> = standards
            .iter()
            .filter_map(|s| catalog().standard(s))
            .map(|def| standard_arn(def, region))
            .collect();
        async move { (region, source.control_catalog(&scope, &arns).await) }
    });
    let mut live = Vec::new();
    let mut notes = Vec::new();
    for (region, got) in futures::future::join_all(reads).await {
        match got {
            Ok(Some(defs)) => live.push(defs),
            Ok(None) => return None,
            Err(e) => notes.push(format!(
                "{region}: AWS's control definitions could not be read ({e}), so controls the catalog lacks are not known there"
            )),
        }
    }
    Some((
        catalog().with_live_controls(&live, &d.unknown_controls),
        notes,
    ))
}

/// How the policy reaches accounts, recorded in the plan so `apply --plan` does the same.
pub fn access(policy: &Policy) -> Access {
    let org = policy.organization.as_ref();
    Access {
        role: org
            .map(|o| o.role.clone())
            .unwrap_or_else(|| crate::model::organization::ORGANIZATION_ACCESS_ROLE.to_string()),
        external_id: org.and_then(|o| o.external_id.clone()),
        organization: org.is_some(),
        management_account: org.map(|o| o.management.to_string()),
        delegated_admin: org.map(|o| o.admin.to_string()),
        services: policy.declared_services(),
        all_regions: policy.regions.as_ref().is_some_and(|r| r.include.is_none()),
        home: policy.regions.as_ref().map(|r| r.home.clone()),
        partition: policy.regions.as_ref().map(|r| {
            crate::model::catalog::partition_of(&r.home)
                .name
                .to_string()
        }),
    }
}

pub struct Planned {
    pub plan: Plan,
    /// The state read, when asked for (`shubctl snapshot` writes it).
    pub current: Option<State>,
    /// The organisation it was read with.
    pub org: OrgInfo,
}

/// Reads current state from `source` and computes the plan, scope by scope: each scope is
/// expanded, read, diffed and reduced to its changes and its share of the fingerprint, then
/// dropped, so memory does not grow with the organisation. Nothing is read unless the policy
/// checked without errors. `keep_current` keeps the state read (for a snapshot).
pub async fn plan<S: StateSource>(
    policy: &Policy,
    source: &S,
    source_name: &str,
    today: NaiveDate,
    concurrency: usize,
    keep_current: bool,
    diags: &mut Diagnostics,
) -> Result<Planned, EngineError> {
    if diags.has_errors() {
        return Err(EngineError::InvalidPolicy(diags.errors()));
    }
    let org = source.read_org().await.map_err(EngineError::Org)?;
    let x = Expansion::prepare(policy, &org, today, diags);
    if diags.has_errors() {
        return Err(EngineError::InvalidForOrganization(diags.errors()));
    }
    let mut reads = ReadPlan::default();
    let mut changes = Vec::new();
    let mut failures = Vec::new();
    let mut digests: BTreeMap<Scope, [u8; 32]> = BTreeMap::new();
    let mut current = keep_current.then(State::default);
    let mut central: Option<Scope> = None;
    // The Security Hub administrator as the management account reads it now: central
    // configuration is held there, even when the policy names another.
    let mut current_admin: Option<AccountId> = None;
    let mut left_alone: Vec<String> = Vec::new();
    // Per region, one scope with the hub on whose controls were read: where AWS's control
    // definitions are read from.
    let mut definitions_from: BTreeMap<String, Scope> = BTreeMap::new();
    let (accounts, regions, skipped) = match &x {
        Some(x) => {
            reads.only = x.read_filter().only;
            // Desired state is expanded as each scope is taken up, not before.
            // With `configuration` left out, an organisation found on CENTRAL is refused below;
            // `configuration: local` written out plans the switch back.
            let local = x.compiled.is_none()
                && policy
                    .organization
                    .as_ref()
                    .is_some_and(|o| !o.leave_central);
            let wanted = x.scopes().into_iter().filter_map(|scope| {
                let want = x.desired(&scope);
                (!want.kinds.is_empty()).then(|| (scope, want.kinds.clone(), want))
            });
            read_each(
                source,
                wanted,
                &reads.clone(),
                concurrency,
                |scope, kinds, want, r| {
                    match r {
                        Ok(have) => {
                            if scope.account == x.admin && central.is_none() {
                                central = is_central(&have).then(|| scope.clone());
                            }
                            if let Some(Resource::DelegatedAdmin(d)) =
                                have.get(Kind::DelegatedAdmin, Some(Service::SecurityHub.id()))
                            {
                                current_admin = Some(d.account.clone());
                            }
                            changes.extend(diff_scope(&scope, &want, &have));
                            left_alone.extend(diff::left_alone(&scope, &want, &have));
                            if kinds.contains(&Kind::Control) && have.get(Kind::Hub, None).is_some()
                            {
                                definitions_from
                                    .entry(scope.region.clone())
                                    .or_insert_with(|| scope.clone());
                            }
                            digests.insert(scope.clone(), have.digest());
                            if let Some(c) = current.as_mut() {
                                c.scopes.insert(scope.clone(), have);
                            }
                        }
                        // What could not be read is unknown, not absent: nothing is planned there.
                        Err(e) => failures.push(e),
                    }
                    reads.scopes.insert(scope, kinds);
                },
            )
            .await;
            if let Some(at) = central.clone().filter(|_| local) {
                return Err(EngineError::OrganizationIsCentral {
                    admin: at.account.to_string(),
                    region: at.region,
                });
            }
            // What central configuration depends on stays as it is until the plan leaves it.
            let ending = ending_central(&changes);
            if !ending.is_empty() && !crate::plan::leaving_central(&changes) {
                // A policy naming a new administrator: central configuration, if any, is the
                // current one's. Not knowing is not "not central".
                if let Some(a) = current_admin.filter(|a| central.is_none() && *a != x.admin) {
                    let home = Scope::new(&a, x.home);
                    let have = source
                        .read_scope(&home, &KindSet::from([Kind::OrgConfig]))
                        .await
                        .map_err(EngineError::Unreadable)?;
                    central = is_central(&have).then_some(home);
                }
                if central.is_some() {
                    return Err(EngineError::EndsCentral(ending));
                }
            }
            x.finish(diags);
            (x.accounts.clone(), x.regions.clone(), x.skipped.clone())
        }
        None => Default::default(),
    };
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    failures.sort_by(|a, b| a.target.cmp(&b.target));
    let mut warnings = policy_warnings(diags);
    for (a, status) in &skipped {
        warnings.push(format!("account {a} skipped: it is {status}"));
    }
    left_alone.sort();
    warnings.extend(left_alone);
    warnings.extend(newer_controls(source, definitions_from.values()).await);
    let coverage = Coverage {
        accounts: accounts.iter().map(|a| a.to_string()).collect(),
        regions,
        skipped_accounts: skipped
            .iter()
            .map(|(a, s)| SkippedAccount {
                account: a.to_string(),
                status: s.clone(),
            })
            .collect(),
    };
    let mut plan = Plan::new(
        source_name.to_string(),
        fingerprint(&digests),
        coverage,
        changes,
        warnings,
        failures,
        reads,
    );
    plan.access = access(policy);
    plan.newer_controls = catalog().beyond(crate::model::catalog::built_in());
    plan.learnt_controls = catalog().learnt_beyond(crate::model::catalog::built_in());
    Ok(Planned { plan, current, org })
}

/// Controls AWS offers in each region whose definitions can be read (live AWS) that the
/// catalog in use lacks: the plan says so (`shubctl catalog --refresh` writes a catalog that
/// has them).
async fn newer_controls<'a, S: StateSource>(
    source: &S,
    from: impl Iterator<Item = &'a Scope>,
) -> Vec<String> {
    use futures::stream::{self, StreamExt};
    // One paged read per region, the regions at once (each is its own quota), in region order.
    let read: Vec<_> = stream::iter(from)
        .map(|scope| async move { (scope, source.control_definitions(scope).await) })
        .buffered(32)
        .collect()
        .await;
    let mut out = Vec::new();
    for (scope, defs) in read {
        match defs {
            Ok(Some(defs)) => {
                let mut lacking: Vec<&str> = defs
                    .iter()
                    .filter(|(id, offered)| *offered && catalog().control(id).is_none())
                    .map(|(id, _)| id.as_str())
                    .collect();
                lacking.sort();
                if !lacking.is_empty() {
                    out.push(format!(
                        "{}: AWS offers {} control(s) {} lacks: {}",
                        scope.region,
                        lacking.len(),
                        catalog().name(),
                        lacking.join(", ")
                    ));
                }
            }
            Ok(None) => {}
            Err(e) => out.push(format!(
                "{}: AWS's control definitions could not be read ({e}), so controls newer than the catalog are not known",
                scope.region
            )),
        }
    }
    out
}

/// The policy's warnings (expired and expiring exceptions, overlaps, ...) as the plan carries
/// them, so a PR comment shows them too: by position, as `validate` lists them (as strings,
/// `:10:14` would come before `:8:12`).
fn policy_warnings(diags: &Diagnostics) -> Vec<String> {
    let mut found: Vec<_> = diags
        .items
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect();
    found.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    let mut out: Vec<String> = found
        .into_iter()
        .map(|d| {
            format!(
                "{}:{}:{}: [{}] {}",
                d.file, d.line, d.column, d.code, d.message
            )
        })
        .collect();
    out.dedup();
    out
}

/// The changes AWS refuses, or that end central configuration, while an organisation uses it
/// (the kind table's `ends_central`), as `action address`.
fn ending_central(changes: &[crate::model::Change]) -> Vec<String> {
    changes
        .iter()
        .filter(|c| {
            c.address
                .kind
                .ends_central(c.action, c.address.id.as_deref())
        })
        .map(|c| format!("{} {}", c.action.as_str(), c.address))
        .collect()
}

/// Whether the administrator's Security Hub organisation configuration, as read, is CENTRAL.
fn is_central(have: &crate::model::ScopeState) -> bool {
    matches!(
        have.get(Kind::OrgConfig, Some(Service::SecurityHub.id())),
        Some(Resource::OrgConfig(c)) if c.configuration_type == Some(crate::model::resource::ConfigurationType::Central)
    )
}

/// The destroy gate: a plan with destructive changes is refused as a whole unless allowed.
pub fn gate(plan: &Plan, allow_destroy: bool) -> Result<(), EngineError> {
    let destructive: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.destructive)
        .map(|c| format!("{} {}", c.action.as_str(), c.address))
        .collect();
    if allow_destroy || destructive.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Destructive(destructive))
    }
}

/// A saved plan applies only to the state it was computed from, and only as the diff computes
/// it: re-read what it read, compare fingerprints, and check every change against what is read
/// now (`plan::contract`). Returns the plan to carry out: the file's changes with their flags
/// and summary recomputed. Nothing is written before this returns.
pub async fn check_saved<S: StateSource>(
    plan: &Plan,
    source: &S,
    concurrency: usize,
) -> Result<Plan, EngineError> {
    let mut digests = BTreeMap::new();
    let mut failure = None;
    // Only the scopes with changes are kept, so a large organisation's re-read stays small.
    let changed: BTreeSet<Scope> = plan.changes.iter().map(|c| c.address.scope()).collect();
    let mut now = BTreeMap::new();
    let scopes = plan
        .reads
        .scopes
        .iter()
        .map(|(s, k)| (s.clone(), k.clone(), ()));
    read_each(
        source,
        scopes,
        &plan.reads,
        concurrency,
        |scope, _, (), r| match r {
            Ok(have) => {
                digests.insert(scope.clone(), have.digest());
                if changed.contains(&scope) {
                    now.insert(scope, have);
                }
            }
            Err(e) => {
                failure.get_or_insert(e);
            }
        },
    )
    .await;
    if let Some(f) = failure {
        return Err(EngineError::Unreadable(f));
    }
    let fingerprint_now = fingerprint(&digests);
    if fingerprint_now != plan.state_fingerprint {
        return Err(EngineError::StalePlan {
            planned: plan.state_fingerprint.clone(),
            now: fingerprint_now,
        });
    }
    crate::plan::contract::check(plan, &now).map_err(EngineError::BrokenPlan)
}

/// Runs the plan's changes after the destroy gate.
pub async fn apply_plan<E: Executor>(
    plan: &Plan,
    exec: &E,
    opts: &ApplyOptions<'_>,
) -> Result<Report, EngineError> {
    gate(plan, opts.allow_destroy)?;
    Ok(apply(plan, exec, opts).await)
}

/// What an apply is verified against.
#[derive(Clone, Copy)]
pub enum VerifyAgainst<'a> {
    /// Re-planned from the policy (as of that day): nothing may remain.
    Policy(&'a Policy, NaiveDate),
    /// A saved plan: every applied change must read back as planned.
    SavedPlan,
}

/// What [`apply_and_verify`] did.
pub struct Applied {
    pub report: Report,
    /// The re-read after a successful apply; None when changes failed or scopes were unread
    /// (nothing to verify against).
    pub verification: Option<Verification>,
    pub applied_in: std::time::Duration,
    pub verified_in: std::time::Duration,
}

/// The apply pipeline: the destroy gate, the caller's confirmation (the CLI asks a person),
/// the changes through `exec`, then (after telling `verifying`) the re-read through `source`:
/// see [`VerifyAgainst`].
pub async fn apply_and_verify<S, X, E>(
    plan: &Plan,
    source: &S,
    exec: &X,
    against: VerifyAgainst<'_>,
    opts: &ApplyOptions<'_>,
    confirm: impl FnOnce(&Plan) -> Result<(), E>,
    verifying: impl FnOnce(),
) -> Result<Applied, E>
where
    S: StateSource,
    X: Executor,
    E: From<EngineError>,
{
    gate(plan, opts.allow_destroy)?;
    confirm(plan)?;
    let started = std::time::Instant::now();
    let report = apply(plan, exec, opts).await;
    let applied_in = started.elapsed();
    let verification = if report.success() && plan.read_failures.is_empty() {
        verifying();
        let concurrency = opts.concurrency.max(1);
        Some(match against {
            VerifyAgainst::Policy(policy, today) => {
                verify_policy(policy, source, today, concurrency).await
            }
            VerifyAgainst::SavedPlan => verify_saved(plan, &report, source, concurrency).await,
        })
    } else {
        None
    };
    Ok(Applied {
        report,
        verification,
        applied_in,
        verified_in: started.elapsed() - applied_in,
    })
}

/// What a re-read after apply found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verification {
    /// Nothing is left to do.
    Converged,
    /// These changes (addresses with what is wrong) still differ.
    Remaining(Vec<String>),
    /// The re-read itself failed.
    Unknown(String),
}

/// After an apply from the policy: a fresh plan must be empty.
pub async fn verify_policy<S: StateSource>(
    policy: &Policy,
    source: &S,
    today: NaiveDate,
    concurrency: usize,
) -> Verification {
    let mut d = Diagnostics::default();
    match plan(policy, source, "verify", today, concurrency, false, &mut d).await {
        Ok(p) if !p.plan.read_failures.is_empty() => {
            Verification::Unknown(p.plan.read_failures[0].to_string())
        }
        Ok(p) if p.plan.has_changes() => Verification::Remaining(
            p.plan
                .changes
                .iter()
                .map(|c| format!("{} {}", c.action.as_str(), c.address))
                .collect(),
        ),
        Ok(_) => Verification::Converged,
        Err(e) => Verification::Unknown(e.to_string()),
    }
}

/// After an apply of a saved plan (no policy at hand): every change reported applied must read
/// back as planned — created and updated values present with the planned fields, deleted ones
/// gone.
pub async fn verify_saved<S: StateSource>(
    plan: &Plan,
    report: &Report,
    source: &S,
    concurrency: usize,
) -> Verification {
    // Only the scopes with applied changes need reading again.
    let touched: BTreeSet<Scope> = report
        .entries
        .iter()
        .filter(|e| e.outcome == Outcome::Applied)
        .map(|e| e.address.scope())
        .collect();
    let mut reads = plan.reads.clone();
    reads.scopes.retain(|s, _| touched.contains(s));
    let (current, failures) = read_state(source, &reads, concurrency).await;
    if let Some(f) = failures.first() {
        return Verification::Unknown(f.to_string());
    }
    let mut remaining = Vec::new();
    for e in &report.entries {
        if e.outcome != Outcome::Applied {
            continue;
        }
        let Some(c) = plan.changes.iter().find(|c| c.address == e.address) else {
            continue;
        };
        let now = current.get(&c.address);
        let now = now.as_ref();
        let ok = match (c.action, &c.after) {
            (Action::Delete, _) => now.is_none(),
            (_, Some(after)) => {
                let want = Resource::from_json(c.address.kind, after.clone()).ok();
                match (now, want) {
                    (Some(have), Some(want)) => have.managed_view(Some(&want)) == want.to_json(),
                    // A control association comes with its standard and reads as enabled.
                    (None, Some(Resource::Control(v))) => v.is_enabled(),
                    _ => false,
                }
            }
            (_, None) => false,
        };
        if !ok {
            remaining.push(format!("{} {}", c.action.as_str(), c.address));
        }
    }
    if remaining.is_empty() {
        Verification::Converged
    } else {
        Verification::Remaining(remaining)
    }
}

/// What `doctor` checks, and where.
#[derive(Clone, Debug)]
pub struct DoctorRun {
    pub today: NaiveDate,
    pub concurrency: usize,
    /// One account instead of the whole scope.
    pub account: Option<crate::model::AccountId>,
    /// Findings in NEW for longer than this many days are stuck.
    pub stuck_days: u32,
    /// Stop counting stuck findings at this many (GetFindings pages 100 at 3 a second).
    pub findings_limit: u64,
}

/// Reads what the doctor checks: every scope's health, and the findings left in NEW as the
/// administrator sees them (its home region, with the regions its aggregator links, and each
/// region it does not link). Read-only.
pub async fn doctor_facts<S: HealthSource>(
    policy: &Policy,
    source: &S,
    run: &DoctorRun,
    diags: &mut Diagnostics,
) -> Result<crate::doctor::Facts, EngineError> {
    use futures::stream::{self, StreamExt};

    use crate::model::health::HealthAsk;

    if diags.has_errors() {
        return Err(EngineError::InvalidPolicy(diags.errors()));
    }
    let org = source.read_org().await.map_err(EngineError::Org)?;
    let Some(x) = Expansion::prepare(policy, &org, run.today, diags) else {
        return Err(EngineError::InvalidForOrganization(diags.errors().max(1)));
    };
    if diags.has_errors() {
        return Err(EngineError::InvalidForOrganization(diags.errors()));
    }
    let mut accounts = x.accounts.clone();
    if let Some(only) = &run.account {
        if !accounts.contains(only) {
            return Err(EngineError::NotInScope(only.to_string()));
        }
        accounts = vec![only.clone()];
    }
    let services = policy.expected_services();
    let organization = policy.organization.is_some();
    let home = x.home.to_string();
    let mut wanted = Vec::new();
    for a in &accounts {
        for r in &x.regions {
            let admin = *a == x.admin;
            let ask = HealthAsk {
                services: services.clone(),
                members: admin && organization,
                aggregator: admin && *r == home,
            };
            wanted.push((Scope::new(a, r), ask));
        }
    }
    let scopes: BTreeMap<Scope, Result<crate::model::health::ScopeHealth, ProviderError>> =
        stream::iter(wanted)
            .map(|(scope, ask)| async move {
                let h = source.read_health(&scope, &ask).await;
                (scope, h)
            })
            .buffer_unordered(run.concurrency.max(1))
            .collect()
            .await;
    // Where to count findings: the administrator (or the one account asked about) in its home
    // region, which also sees the regions its aggregator links, and the regions it does not.
    let counter = run.account.clone().unwrap_or_else(|| x.admin.clone());
    let linked: Vec<String> = scopes
        .get(&Scope::new(&counter, &home))
        .and_then(|h| h.as_ref().ok())
        .and_then(|h| h.aggregator.clone().flatten())
        .map(|a| match a.mode.as_str() {
            "ALL_REGIONS" => x.regions.clone(),
            "ALL_REGIONS_EXCEPT_SPECIFIED" => x
                .regions
                .iter()
                .filter(|r| !a.regions.contains(r))
                .cloned()
                .collect(),
            "SPECIFIED_REGIONS" => a.regions.clone(),
            _ => vec![],
        })
        .unwrap_or_default();
    let mut stuck = BTreeMap::new();
    for r in &x.regions {
        if *r != home && linked.contains(r) {
            continue;
        }
        let scope = Scope::new(&counter, r);
        // Without a hub there are no findings to count (and asking would fail).
        let hub = scopes
            .get(&scope)
            .is_some_and(|h| h.as_ref().is_ok_and(|h| h.hub));
        if !hub {
            continue;
        }
        let s = source
            .stuck_findings(&scope, run.stuck_days, run.findings_limit)
            .await;
        stuck.insert(scope, s);
    }
    x.finish(diags);
    Ok(crate::doctor::Facts {
        accounts,
        regions: x.regions.clone(),
        home,
        admin: x.admin.clone(),
        scopes,
        stuck,
    })
}

/// Every kind shubctl knows, read in the given accounts × regions, for `export` and `report`.
pub struct ReadAll {
    pub state: State,
    /// Kinds that could not be read, with `account/region: message` for each place.
    pub unreadable: BTreeMap<Kind, Vec<String>>,
}

/// The kinds `read_all` reads in one kind of place (the kind table's `read_all` column).
fn kinds_read(place: ReadAllAt) -> impl Iterator<Item = Kind> {
    Kind::ALL
        .iter()
        .copied()
        .filter(move |k| k.read_all() == place)
}

/// Reads everything in `accounts` × `regions` without a policy. In an organisation the
/// management account is read first, for the delegated administrator, whose account then is
/// read for what it holds. A scope that fails is read again one kind at a time, so one
/// unreadable kind (two insights with one name, say) leaves the rest known.
pub async fn read_all<S: StateSource>(
    source: &S,
    org: &OrgInfo,
    accounts: &[AccountId],
    regions: &[String],
    concurrency: usize,
) -> ReadAll {
    let everything = ReadPlan::default();
    let management = org
        .management_account
        .clone()
        .filter(|_| !org.accounts.is_empty());
    let mut admin = None;
    if let Some(m) = &management {
        let kinds: KindSet = kinds_read(ReadAllAt::InManagement).collect();
        let scopes = regions
            .iter()
            .map(|r| (Scope::new(m, r), kinds.clone(), ()));
        let mut found = Vec::new();
        read_each(source, scopes, &everything, concurrency, |_, _, (), r| {
            if let Ok(s) = r {
                found.extend(s.resources.into_iter().filter_map(|(l, v)| match v {
                    Resource::DelegatedAdmin(d) if l.id.as_deref() == Some("securityhub") => {
                        Some(d.account)
                    }
                    _ => None,
                }));
            }
        })
        .await;
        found.sort();
        admin = found.first().cloned();
    }
    let single = org.accounts.is_empty();
    let kinds_of = |a: &AccountId| -> KindSet {
        let mut k: KindSet = kinds_read(ReadAllAt::Everywhere).collect();
        if Some(a) == management.as_ref() {
            k.extend(kinds_read(ReadAllAt::InManagement));
        }
        if single || Some(a) == admin.as_ref() {
            k.extend(kinds_read(ReadAllAt::InAdmin).filter(|k| !single || !k.keyed_by_service()));
            if single {
                k.retain(|k| !k.org_only());
            }
        }
        k
    };
    let scopes = accounts
        .iter()
        .flat_map(|a| regions.iter().map(move |r| (a, r)))
        .map(|(a, r)| (Scope::new(a, r), kinds_of(a), ()));
    let mut state = State::default();
    let mut failed = Vec::new();
    read_each(
        source,
        scopes,
        &everything,
        concurrency,
        |scope, kinds, (), r| match r {
            Ok(s) => {
                state.scopes.insert(scope, s);
            }
            Err(_) => failed.push((scope, kinds)),
        },
    )
    .await;
    let mut unreadable: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    for (scope, kinds) in failed {
        let one_by_one = kinds
            .iter()
            .map(|k| (scope.clone(), [*k].into_iter().collect::<KindSet>(), *k));
        let mut merged = crate::model::ScopeState::default();
        read_each(
            source,
            one_by_one,
            &everything,
            1,
            |_, _, kind, r| match r {
                Ok(s) => {
                    for (l, v) in s.resources {
                        merged.insert(l.kind, l.id, v);
                    }
                    for (std, c) in s.controls {
                        merged.controls.insert(std, c);
                    }
                }
                Err(e) => unreadable
                    .entry(kind)
                    .or_default()
                    .push(format!("{scope}: {}", e.message)),
            },
        )
        .await;
        state.scopes.insert(scope, merged);
    }
    ReadAll { state, unreadable }
}
