//! The pipeline behind `plan` and `apply`: load → validate → expand → read → diff → plan.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::diff::diff;
use crate::model::{OrgInfo, State};
use crate::plan::{Plan, Scope, SkippedAccount};
use crate::provider::{StateSource, read_state};
use crate::spec::diagnostics::{Diagnostics, Severity};
use crate::spec::expand::{Desired, expand};
use crate::spec::load::{Policy, load_paths};
use crate::spec::validate::{ValidateOptions, validate};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the policy has {0} error(s); nothing was read or changed")]
    InvalidPolicy(usize),
    #[error("cannot read the organisation: {0}")]
    Org(crate::model::ProviderError),
}

/// Loads and validates the policy files. Errors are in `diags`.
pub fn load_policy(paths: &[PathBuf], opts: &ValidateOptions, diags: &mut Diagnostics) -> Policy {
    let policy = load_paths(paths, diags);
    if !diags.has_errors() || !policy.files.is_empty() {
        validate(&policy, opts, diags);
    }
    policy
}

pub struct Planned {
    pub plan: Plan,
    pub desired: Desired,
    /// The current state the plan was computed from, and the organisation it was read with.
    pub current: State,
    pub org: OrgInfo,
}

/// Reads current state from `source` and computes the plan. Nothing is read unless the policy
/// validated without errors.
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
    let scope = Scope {
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
    let plan = Plan::new(
        source_name.to_string(),
        current.fingerprint(),
        scope,
        changes,
        warnings,
        failures,
        desired.reads.clone(),
    );
    Ok(Planned {
        plan,
        desired,
        current,
        org,
    })
}
