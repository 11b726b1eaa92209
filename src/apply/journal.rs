//! What an apply has done so far, kept as it happens: when a second interrupt ends the process
//! at once, this is what it can still say — the changes applied, those that failed, and those
//! in flight, which may or may not have taken effect.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use crate::model::provider::Executor;
use crate::model::{Change, ProviderError};

#[derive(Debug, Default)]
struct Log {
    /// The plan's changes, once it is made.
    total: usize,
    applied: Vec<String>,
    failed: Vec<String>,
    in_flight: BTreeSet<String>,
    /// What is left held when the process stops at once (a live apply's lock).
    held: Option<String>,
}

/// The record shared between the apply and whoever reports it (a signal handler).
#[derive(Clone, Debug, Default)]
pub struct Journal(Arc<Mutex<Log>>);

fn line(c: &Change) -> String {
    format!("{} {}", c.action.as_str(), c.address)
}

impl Journal {
    /// `exec`, with every batch recorded before and after it runs.
    pub fn around<'a, E: Executor>(&self, exec: &'a E) -> Journaled<'a, E> {
        Journaled {
            inner: exec,
            journal: self.clone(),
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of changes the plan holds, once it is made.
    pub fn planned(&self, total: usize) {
        self.log().total = total;
    }

    /// Something stopping at once leaves held, said last (None: nothing any more).
    pub fn holding(&self, what: Option<String>) {
        self.log().held = what;
    }

    /// What was done, as said when the process has to stop at once.
    pub fn render(&self) -> String {
        let log = self.log();
        let total = log.total;
        let mut out = format!(
            "stopped at once: {} of {total} change(s) applied, {} failed, {} in flight, {} not started",
            log.applied.len(),
            log.failed.len(),
            log.in_flight.len(),
            total.saturating_sub(log.applied.len() + log.failed.len() + log.in_flight.len())
        );
        for (what, lines) in [
            ("applied", log.applied.iter().collect::<Vec<_>>()),
            ("failed", log.failed.iter().collect()),
            (
                "in flight (may or may not have taken effect: run `shubctl plan` to see)",
                log.in_flight.iter().collect(),
            ),
        ] {
            if !lines.is_empty() {
                out.push_str(&format!("\n{what}:"));
                for l in lines {
                    out.push_str(&format!("\n  - {l}"));
                }
            }
        }
        if let Some(held) = &log.held {
            out.push_str(&format!("\n{held}"));
        }
        out
    }
}

pub struct Journaled<'a, E> {
    inner: &'a E,
    journal: Journal,
}

impl<E: Executor> Executor for Journaled<'_, E> {
    async fn execute(&self, batch: &[Change]) -> Vec<Result<(), ProviderError>> {
        self.journal.log().in_flight.extend(batch.iter().map(line));
        let results = self.inner.execute(batch).await;
        let mut log = self.journal.log();
        for (n, c) in batch.iter().enumerate() {
            let l = line(c);
            log.in_flight.remove(&l);
            match results.get(n) {
                Some(Ok(())) => log.applied.push(l),
                _ => log.failed.push(l),
            }
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Address};

    struct Half;
    impl Executor for Half {
        async fn execute(&self, batch: &[Change]) -> Vec<Result<(), ProviderError>> {
            batch
                .iter()
                .enumerate()
                .map(|(n, c)| {
                    if n % 2 == 0 {
                        Ok(())
                    } else {
                        Err(ProviderError::new(
                            crate::model::Target::Address(c.address.clone()),
                            None,
                            "no",
                        ))
                    }
                })
                .collect()
        }
    }

    fn change(id: &str) -> Change {
        Change {
            address: format!("111111111111/us-east-1/insight/{id}")
                .parse::<Address>()
                .unwrap(),
            action: Action::Create,
            before: None,
            after: None,
            changed_fields: vec![],
            reason: crate::model::change::Reason {
                code: crate::model::change::ReasonCode::Missing,
                message: String::new(),
                exception: None,
            },
            weakens_posture: false,
            destructive: false,
        }
    }

    #[tokio::test]
    async fn says_what_was_applied_failed_and_not_started() {
        let j = Journal::default();
        j.planned(5);
        let batch = [change("a"), change("b")];
        j.around(&Half).execute(&batch).await;
        j.holding(Some("the lock stays".into()));
        let text = j.render();
        assert!(
            text.starts_with(
                "stopped at once: 1 of 5 change(s) applied, 1 failed, 0 in flight, 3 not started"
            ),
            "{text}"
        );
        assert!(text.contains("applied:\n  - create 111111111111/us-east-1/insight/a"));
        assert!(text.contains("failed:\n  - create 111111111111/us-east-1/insight/b"));
        assert!(text.ends_with("\nthe lock stays"));
    }
}
