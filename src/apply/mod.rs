//! Apply: run a plan's changes in dependency order through an executor, batching what can be
//! batched, continuing with independent work after a failure, and report every address as
//! applied, failed or not attempted. Never reports success for a change that failed.

mod journal;
mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::provider::Executor;
use crate::model::{AccountId, Kind, ProviderError, Scope, Target};
use crate::model::{Action, Change};
use crate::plan::{Order, Plan, apply_order, step, step_rank};

pub use journal::{Journal, Journaled};
pub use report::{Entry, Outcome, REPORT_FORMAT_VERSION, Report, ReportFile, Verified};

#[derive(Debug, Default)]
pub struct ApplyOptions<'a> {
    pub allow_destroy: bool,
    /// Set from a Ctrl-C handler: the remaining changes are reported as not attempted.
    pub cancel: Option<&'a AtomicBool>,
    /// Batches of one step (different accounts and regions) run this many at a time (0 = 1).
    pub concurrency: usize,
}

pub async fn apply<E: Executor>(plan: &Plan, exec: &E, opts: &ApplyOptions<'_>) -> Report {
    use futures::stream::{self, StreamExt};
    let ordered = apply_order(&plan.changes);
    let order = Order::of(&plan.changes);
    let mut report = Report::default();
    // (scope, rank) of failed creates/updates; later ranks in that scope depend on them.
    let mut failed_at: BTreeSet<(Scope, u8)> = BTreeSet::new();
    let mut failed_admin_regions: BTreeSet<String> = BTreeSet::new();

    // A step: consecutive changes of one action class and kind rank. Its batches touch
    // different kinds, accounts or regions and run concurrently.
    let mut i = 0;
    while i < ordered.len() {
        let this = step(ordered[i], order);
        let mut j = i;
        while j < ordered.len() && step(ordered[j], order) == this {
            j += 1;
        }
        // Batches: one kind and action in one account and region, or in one region across
        // accounts for kinds an administrator changes for many accounts at once.
        let mut batches: BTreeMap<(Kind, Action, String, Option<AccountId>), Vec<Change>> =
            BTreeMap::new();
        let mut blocked_entries: Vec<Entry> = Vec::new();
        for c in &ordered[i..j] {
            let blocked = if opts.cancel.is_some_and(|f| f.load(Ordering::SeqCst)) {
                Some("interrupted before it ran".to_string())
            } else if c.destructive && !opts.allow_destroy {
                Some("destructive; needs --allow-destroy".to_string())
            } else if c.action != Action::Delete
                && failed_at
                    .iter()
                    .any(|(s, r)| *s == c.address.scope() && *r < step_rank(c))
            {
                Some("an earlier change in this account and region failed".to_string())
            } else if c.address.kind.held_by_admin()
                && failed_admin_regions.contains(&c.address.region)
            {
                Some("designating the delegated administrator failed in this region".to_string())
            } else {
                None
            };
            match blocked {
                Some(why) => blocked_entries.push(Entry {
                    address: c.address.clone(),
                    action: c.action,
                    outcome: Outcome::NotAttempted { why },
                }),
                None => {
                    let a = &c.address;
                    let account = (!a.kind.batches_across_accounts()).then(|| a.account.clone());
                    batches
                        .entry((a.kind, c.action, a.region.clone(), account))
                        .or_default()
                        .push((*c).clone());
                }
            }
        }
        let results: Vec<BatchResult> = stream::iter(batches.into_values())
            .map(|b| async move {
                // Checked again as each batch starts: Ctrl-C stops what has not begun.
                if opts.cancel.is_some_and(|f| f.load(Ordering::SeqCst)) {
                    return (b, Vec::new());
                }
                let r = exec.execute(&b).await;
                (b, r)
            })
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        let mut entries = blocked_entries;
        for (batch, results) in results {
            let interrupted = results.is_empty();
            for (n, c) in batch.iter().enumerate() {
                let outcome = match results.get(n) {
                    _ if interrupted => Outcome::NotAttempted {
                        why: "interrupted before it ran".into(),
                    },
                    Some(Ok(())) => Outcome::Applied,
                    Some(Err(e)) => Outcome::Failed { error: e.clone() },
                    None => Outcome::Failed {
                        error: ProviderError::new(
                            Target::Address(c.address.clone()),
                            None,
                            "the executor returned no result for this change",
                        ),
                    },
                };
                if matches!(outcome, Outcome::Failed { .. }) && c.action != Action::Delete {
                    failed_at.insert((c.address.scope(), step_rank(c)));
                    if c.address.kind == Kind::DelegatedAdmin {
                        failed_admin_regions.insert(c.address.region.clone());
                    }
                }
                entries.push(Entry {
                    address: c.address.clone(),
                    action: c.action,
                    outcome,
                });
            }
        }
        // Report in apply order, whatever order the batches finished in.
        entries.sort_by_key(|e| (e.address.clone(), e.action));
        report.entries.extend(entries);
        i = j;
    }
    report.tally();
    report
}

/// A batch and the executor's outcome for each of its changes (empty when it never ran).
type BatchResult = (Vec<Change>, Vec<Result<(), ProviderError>>);
