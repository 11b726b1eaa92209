//! Apply: run a plan's changes in dependency order through an executor, batching what can be
//! batched, continuing with independent work after a failure, and report every address as
//! applied, failed or not attempted. Never reports success for a change that failed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::diff::{Action, Change};
use crate::model::{Address, Kind};
use crate::plan::{Plan, apply_order};
use crate::provider::{Executor, ProviderError};

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Failed { error: ProviderError },
    NotAttempted { why: String },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    pub address: Address,
    pub action: Action,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    pub applied: usize,
    pub failed: usize,
    pub not_attempted: usize,
    pub entries: Vec<Entry>,
}

impl Report {
    pub fn success(&self) -> bool {
        self.failed == 0 && self.not_attempted == 0
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let (mark, detail) = match &e.outcome {
                Outcome::Applied => ("applied", String::new()),
                Outcome::Failed { error } => (
                    "FAILED",
                    format!(
                        ": {}{}",
                        error
                            .code
                            .as_ref()
                            .map(|c| format!("{c}: "))
                            .unwrap_or_default(),
                        error.message
                    ),
                ),
                Outcome::NotAttempted { why } => ("not attempted", format!(": {why}")),
            };
            let _ = writeln!(
                out,
                "  {mark:<13} {} {}{detail}",
                e.action.as_str(),
                e.address
            );
        }
        let _ = writeln!(
            out,
            "Apply: {} applied, {} failed, {} not attempted.",
            self.applied, self.failed, self.not_attempted
        );
        out
    }
}

#[derive(Debug, Default)]
pub struct ApplyOptions<'a> {
    pub allow_destroy: bool,
    /// Set from a Ctrl-C handler: the remaining changes are reported as not attempted.
    pub cancel: Option<&'a AtomicBool>,
    /// Batches of one step (different accounts and regions) run this many at a time (0 = 1).
    pub concurrency: usize,
}

/// Kinds held by the administrator account that depend on it being designated.
const ORG_KINDS: [Kind; 6] = [
    Kind::OrgConfig,
    Kind::Member,
    Kind::Aggregator,
    Kind::Insight,
    Kind::ActionTarget,
    Kind::AutomationRule,
];

pub async fn apply<E: Executor>(plan: &Plan, exec: &E, opts: &ApplyOptions<'_>) -> Report {
    use futures::stream::{self, StreamExt};
    let ordered = apply_order(&plan.changes);
    let mut report = Report::default();
    // (scope, rank) of failed creates/updates; later ranks in that scope depend on them.
    let mut failed_at: BTreeSet<(String, u8)> = BTreeSet::new();
    let mut failed_admin_regions: BTreeSet<String> = BTreeSet::new();

    // A step: consecutive changes of one action class and kind rank. Its batches touch
    // different kinds, accounts or regions and run concurrently.
    let mut i = 0;
    while i < ordered.len() {
        let step = step_of(ordered[i]);
        let mut j = i;
        while j < ordered.len() && step_of(ordered[j]) == step {
            j += 1;
        }
        // Batches: one kind and action in one account and region, or in one region across
        // accounts for kinds an administrator changes for many accounts at once.
        let mut batches: BTreeMap<
            (Kind, Action, String, Option<crate::model::AccountId>),
            Vec<Change>,
        > = BTreeMap::new();
        let mut blocked_entries: Vec<Entry> = Vec::new();
        for c in &ordered[i..j] {
            let blocked = if opts.cancel.is_some_and(|f| f.load(Ordering::SeqCst)) {
                Some("interrupted before it ran".to_string())
            } else if c.destructive && !opts.allow_destroy {
                Some("destructive; needs --allow-destroy".to_string())
            } else if c.action != Action::Delete
                && failed_at
                    .iter()
                    .any(|(s, r)| *s == c.address.scope() && *r < c.address.kind.rank())
            {
                Some("an earlier change in this account and region failed".to_string())
            } else if ORG_KINDS.contains(&c.address.kind)
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
                        error: ProviderError {
                            target: c.address.to_string(),
                            code: None,
                            message: "the executor returned no result for this change".into(),
                        },
                    },
                };
                if matches!(outcome, Outcome::Failed { .. }) && c.action != Action::Delete {
                    failed_at.insert((c.address.scope(), c.address.kind.rank()));
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
    for e in &report.entries {
        match e.outcome {
            Outcome::Applied => report.applied += 1,
            Outcome::Failed { .. } => report.failed += 1,
            Outcome::NotAttempted { .. } => report.not_attempted += 1,
        }
    }
    report
}

/// A batch and the executor's outcome for each of its changes (empty when it never ran).
type BatchResult = (Vec<Change>, Vec<Result<(), ProviderError>>);

fn step_of(c: &Change) -> (bool, u8) {
    (c.action == Action::Delete, c.address.kind.rank())
}
