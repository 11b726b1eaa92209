//! The pipeline behind the commands, with its guards: load → check → expand → read → diff →
//! plan; the destroy gate; a saved plan re-read and refused when the state has moved; apply;
//! and the verification afterwards. Providers come in through the `StateSource` and `Executor`
//! traits, so everything here runs against a snapshot or live AWS alike.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::apply::{ApplyOptions, Outcome, Report, apply};
use crate::diff::{Action, diff};
use crate::model::{OrgInfo, ProviderError, Resource, State};
use crate::plan::{Access, Coverage, Plan, SkippedAccount};
use crate::provider::{Executor, StateSource, read_state};
use crate::spec::diagnostics::{Diagnostics, Severity};
use crate::spec::expand::{Desired, expand};
use crate::spec::{CheckOptions, Policy};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the policy has {0} error(s); nothing was read or changed")]
    InvalidPolicy(usize),
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
}

/// Loads and checks the policy files. Problems are in `d`.
pub fn load_policy(paths: &[PathBuf], opts: &CheckOptions, d: &mut Diagnostics) -> Policy {
    crate::spec::load(paths, opts, d)
}

/// How the policy reaches accounts, recorded in the plan so `apply --plan` does the same.
pub fn access(policy: &Policy) -> Access {
    let org = policy.organization.as_ref();
    Access {
        role: org
            .map(|o| o.role.clone())
            .unwrap_or_else(|| crate::model::state::ORGANIZATION_ACCESS_ROLE.to_string()),
        external_id: org.and_then(|o| o.external_id.clone()),
        organization: org.is_some(),
        management_account: org.map(|o| o.management.to_string()),
        delegated_admin: org.map(|o| o.admin.to_string()),
        services: policy.declared_services(),
    }
}

pub struct Planned {
    pub plan: Plan,
    pub desired: Desired,
    /// The current state the plan was computed from, and the organisation it was read with.
    pub current: State,
    pub org: OrgInfo,
}

/// Reads current state from `source` and computes the plan. Nothing is read unless the policy
/// checked without errors.
pub async fn plan<S: StateSource>(
    policy: &Policy,
    source: &S,
    source_name: &str,
    today: NaiveDate,
    concurrency: usize,
    diags: &mut Diagnostics,
) -> Result<Planned, EngineError> {
    if diags.has_errors() {
        return Err(EngineError::InvalidPolicy(diags.errors()));
    }
    let org = source.read_org().await.map_err(EngineError::Org)?;
    let desired = expand(policy, &org, today, diags);
    if diags.has_errors() {
        return Err(EngineError::InvalidPolicy(diags.errors()));
    }
    let (current, failures) = read_state(source, &desired.reads, concurrency).await;
    // What could not be read is unknown, not absent: plan nothing there.
    let mut known = desired.reads.clone();
    known.scopes.retain(|scope, _| {
        !failures
            .iter()
            .any(|f| f.target.scope().as_ref() == Some(scope))
    });
    let changes = diff(&desired.state, &desired.notes, &current, &known);
    // The policy's warnings (expired and expiring exceptions, overlaps, ...) travel with the
    // plan, so a PR comment shows them too.
    let mut warnings: Vec<String> = diags
        .items
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message))
        .collect();
    warnings.sort();
    warnings.dedup();
    for (a, status) in &desired.skipped {
        warnings.push(format!("account {a} skipped: it is {status}"));
    }
    let coverage = Coverage {
        accounts: desired.accounts.iter().map(|a| a.to_string()).collect(),
        regions: desired.regions.clone(),
        skipped_accounts: desired
            .skipped
            .iter()
            .map(|(a, s)| SkippedAccount {
                account: a.to_string(),
                status: s.clone(),
            })
            .collect(),
    };
    let mut plan = Plan::new(
        source_name.to_string(),
        current.fingerprint(),
        coverage,
        changes,
        warnings,
        failures,
        desired.reads.clone(),
    );
    plan.access = access(policy);
    Ok(Planned {
        plan,
        desired,
        current,
        org,
    })
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

/// A saved plan applies only to the state it was computed from: re-read what it read and
/// compare fingerprints.
pub async fn check_saved<S: StateSource>(
    plan: &Plan,
    source: &S,
    concurrency: usize,
) -> Result<(), EngineError> {
    let (current, failures) = read_state(source, &plan.reads, concurrency).await;
    if let Some(f) = failures.into_iter().next() {
        return Err(EngineError::Unreadable(f));
    }
    let now = current.fingerprint();
    if now != plan.state_fingerprint {
        return Err(EngineError::StalePlan {
            planned: plan.state_fingerprint.clone(),
            now,
        });
    }
    Ok(())
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
    match plan(policy, source, "verify", today, concurrency, &mut d).await {
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
    let (current, failures) = read_state(source, &plan.reads, concurrency).await;
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
