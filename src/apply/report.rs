//! The apply report: every change of the plan as applied, failed or not attempted.

use std::fmt::Write;

use serde::Serialize;

use crate::diff::Action;
use crate::model::{Address, ProviderError};

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

    pub(super) fn tally(&mut self) {
        let (mut a, mut f, mut n) = (0, 0, 0);
        for e in &self.entries {
            match e.outcome {
                Outcome::Applied => a += 1,
                Outcome::Failed { .. } => f += 1,
                Outcome::NotAttempted { .. } => n += 1,
            }
        }
        (self.applied, self.failed, self.not_attempted) = (a, f, n);
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
