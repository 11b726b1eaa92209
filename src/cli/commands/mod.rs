//! One module per command; what several share is here: opening the state source and planning.

pub mod apply;
pub mod catalog;
pub mod doctor;
pub mod explain;
pub mod export;
pub mod iam;
pub mod manual;
pub mod plan;
pub mod report;
pub mod schema;
pub mod snapshot;
pub mod validate;

use super::config::{PolicyInput, SourceInput};
use super::error::CliError;
use super::output::Printer;
use crate::engine::{self, Planned};
use crate::model::AccountId;
use crate::plan::{Access, Plan};
use crate::provider::any::AnySource;
use crate::provider::aws::lock::{self, LiveLock};
use crate::provider::aws::{AwsOptions, AwsProvider};
use crate::provider::snapshot::Snapshot;
use crate::spec::Policy;
use crate::spec::diagnostics::Diagnostics;

/// Exit statuses, as Terraform's `--detailed-exitcode` defines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    Error = 1,
    Changes = 2,
}

/// Opens the snapshot, or connects to AWS reaching accounts as `access` says.
pub async fn open_source(s: &SourceInput, access: &Access) -> Result<AnySource, CliError> {
    if let Some(path) = &s.snapshot {
        return Ok(AnySource::Snapshot {
            snapshot: Snapshot::load(path)?,
            path: path.clone(),
        });
    }
    Ok(AnySource::Aws(Box::new(
        connect(access, s.standard_timeout).await?,
    )))
}

/// Connects to AWS, reaching accounts as `access` says.
pub async fn connect(
    access: &Access,
    standard_timeout: std::time::Duration,
) -> Result<AwsProvider, CliError> {
    let account = |a: &Option<String>| a.as_deref().and_then(|x| AccountId::parse(x).ok());
    let opts = AwsOptions {
        role: access.role.clone(),
        external_id: access.external_id.clone(),
        organization: access.organization,
        management_account: account(&access.management_account),
        standard_timeout,
        services: access.services.iter().copied().collect(),
        delegated_admin: account(&access.delegated_admin),
        enabled_regions: access.all_regions,
        partition: access.partition.clone(),
        ..AwsOptions::default()
    };
    AwsProvider::connect(opts, None)
        .await
        .map_err(CliError::Connect)
}

/// Loads and checks the policy. When its only errors are controls the catalog lacks and `open`
/// gives a live source, AWS's control definitions (read-only) decide and the policy is checked
/// again (README, "The control catalog"). Returns the policy, its diagnostics (warnings only)
/// and the source if one was opened.
pub async fn checked_policy<S, F, Fut>(
    p: &PolicyInput,
    out: &Printer,
    open: Option<F>,
) -> Result<(Policy, Diagnostics, Option<S>), CliError>
where
    S: crate::provider::StateSource,
    F: FnOnce(Access) -> Fut,
    Fut: std::future::Future<Output = Result<S, CliError>>,
{
    let mut d = Diagnostics::default();
    let mut policy = engine::load_policy(&p.paths, &p.check, &mut d);
    let mut opened = None;
    let mut learnt = false;
    if let Some(open) = open.filter(|_| engine::only_unknown_controls(&d)) {
        let source = open(engine::access(&policy)).await?;
        out.status(true, "reading AWS's control definitions");
        if let Some((extended, notes)) = engine::learn_controls(&policy, &source, &d).await {
            for n in notes {
                out.note(&format!("warning: {n}"));
            }
            crate::model::catalog::install(extended);
            learnt = true;
            d = Diagnostics::default();
            policy = engine::load_policy(&p.paths, &p.check, &mut d);
        }
        opened = Some(source);
    }
    if d.has_errors() {
        let (errors, _) = out.diagnostics(d);
        return Err(match learnt {
            true => engine::EngineError::InvalidAfterDefinitions(errors),
            false => engine::EngineError::InvalidPolicy(errors),
        }
        .into());
    }
    Ok((policy, d, opened))
}

/// Loads the policy, opens the source and plans (keeping the state read when `keep_current`).
/// The policy's warnings travel with the plan and are printed once it is made (`plan_shown`:
/// the command prints the plan, which holds them).
pub async fn planned(
    p: &PolicyInput,
    s: &SourceInput,
    keep_current: bool,
    plan_shown: bool,
    out: &Printer,
) -> Result<(Planned, AnySource, Policy), CliError> {
    let (planned, source, policy, _) =
        plan_from_policy(p, s, keep_current, plan_shown, None, out).await?;
    Ok((planned, source, policy))
}

/// As [`planned`], live under the apply lock, taken before anything is read: what the plan
/// reads is what this apply alone changes. The caller releases it ([`release`]).
pub async fn planned_under_lock(
    p: &PolicyInput,
    s: &SourceInput,
    force_unlock: bool,
    out: &Printer,
) -> Result<(Planned, AnySource, Policy, Option<LiveLock>), CliError> {
    plan_from_policy(p, s, false, true, Some(force_unlock), out).await
}

async fn plan_from_policy(
    p: &PolicyInput,
    s: &SourceInput,
    keep_current: bool,
    plan_shown: bool,
    lock: Option<bool>,
    out: &Printer,
) -> Result<(Planned, AnySource, Policy, Option<LiveLock>), CliError> {
    let live = s.snapshot.is_none();
    let (policy, mut d, opened) = checked_policy(
        p,
        out,
        live.then_some(|access: Access| async move { open_source(s, &access).await }),
    )
    .await?;
    let source = match opened {
        Some(source) => source,
        None => open_source(s, &engine::access(&policy)).await?,
    };
    let lock = match lock {
        Some(force) => take_live_lock(&source, &engine::access(&policy), force, out).await?,
        None => None,
    };
    out.status(source.is_live(), "reading current state");
    let planned = engine::plan(
        &policy,
        &source,
        &source.name(),
        p.check.today,
        s.concurrency,
        keep_current,
        &mut d,
    )
    .await;
    out.plan_diagnostics(d, plan_shown);
    let mut planned = match planned {
        Ok(planned) => planned,
        Err(e) => {
            release(&source, lock, out).await;
            return Err(e.into());
        }
    };
    planned.plan.api_calls = source.api_calls();
    Ok((planned, source, policy, lock))
}

/// Takes the live apply lock in the delegated administrator's home region (the caller's
/// account without an organisation). A snapshot has its own lock; where Security Hub is not
/// on yet, there is nowhere to keep one, and the apply goes on saying so.
pub async fn take_live_lock(
    source: &AnySource,
    access: &Access,
    force: bool,
    out: &Printer,
) -> Result<Option<LiveLock>, CliError> {
    let AnySource::Aws(aws) = source else {
        return Ok(None);
    };
    let account = access
        .delegated_admin
        .as_deref()
        .and_then(|a| AccountId::parse(a).ok())
        .unwrap_or_else(|| aws.caller().clone());
    let region = access
        .home
        .clone()
        .unwrap_or_else(|| aws.region().to_string());
    let holder = lock::holder(aws.caller(), &apply::now_rfc3339());
    match aws
        .take_lock(&account, &region, &holder, force)
        .await
        .map_err(CliError::Lock)?
    {
        lock::Locking::Taken(l) => Ok(Some(l)),
        lock::Locking::HeldBy(holder) => Err(CliError::LiveLocked {
            account: account.to_string(),
            region,
            holder,
        }),
        lock::Locking::Unavailable(why) => {
            out.note(&format!(
                "warning: no apply lock: {why}; another apply could run at the same time"
            ));
            Ok(None)
        }
    }
}

/// Releases the live apply lock; when that fails, says how to remove it.
pub async fn release(source: &AnySource, lock: Option<LiveLock>, out: &Printer) {
    let (AnySource::Aws(aws), Some(lock)) = (source, lock) else {
        return;
    };
    if let Err(e) = aws.release_lock(&lock).await {
        out.note(&format!(
            "warning: {} could not be released: {e}; {}",
            lock.describe(),
            lock::FORCE_UNLOCK_HINT
        ));
    }
}

/// With `-v`: the API calls made, per account and region (the busiest ones, in a large
/// organisation).
pub fn print_api_calls(out: &Printer, plan: &Plan, verbose: bool) {
    if verbose {
        print_calls(out, &plan.api_calls);
    }
}

/// The calls made, per account and region (the 40 busiest in a large organisation).
pub fn print_calls(out: &Printer, calls: &std::collections::BTreeMap<String, u64>) {
    if calls.is_empty() {
        return;
    }
    let total: u64 = calls.values().sum();
    let scopes = calls.len();
    out.note(&format!(
        "API calls: {total} in all, in {scopes} account/region pair(s)"
    ));
    const LISTED: usize = 40;
    let mut busiest: Vec<(&String, &u64)> = calls.iter().collect();
    if scopes > LISTED {
        busiest.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        busiest.truncate(LISTED);
        out.note(&format!("  the {LISTED} busiest:"));
    }
    for (scope, n) in busiest {
        out.note(&format!("  {scope:<32} {n}"));
    }
}
