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
            // AWS's error messages and the addresses are outside text: shown, never acted on.
            let _ = writeln!(
                out,
                "  {mark:<13} {} {}{}",
                e.action.as_str(),
                crate::model::escape::text::visible(&e.address.to_string()),
                crate::model::escape::text::visible(&detail)
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

/// The version of the JSON apply report (`apply --format json`, `--out`); fields are only ever
/// added.
pub const REPORT_FORMAT_VERSION: u32 = 1;

/// What the re-read after apply found, as the JSON report says it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verified {
    /// Nothing is left to do (or every applied change reads back as planned).
    Converged,
    /// These changes still differ.
    Remaining { changes: Vec<String> },
    /// The re-read failed.
    Unknown { error: String },
    /// Not verified: nothing was applied, or something failed.
    NotRun,
}

/// The JSON apply report: every change as applied, failed or not attempted, the scopes that
/// could not be read (and so were not changed), and the verification.
#[derive(Clone, Debug, Serialize)]
pub struct ReportFile<'a> {
    pub format_version: u32,
    pub tool_version: &'static str,
    /// Where state came from: `snapshot:<path>` or `aws (as account …)`.
    pub source: &'a str,
    pub applied: usize,
    pub failed: usize,
    pub not_attempted: usize,
    pub success: bool,
    pub entries: &'a [Entry],
    pub read_failures: &'a [ProviderError],
    pub verification: &'a Verified,
}

impl Report {
    pub fn render_json(
        &self,
        source: &str,
        read_failures: &[ProviderError],
        verification: &Verified,
    ) -> String {
        let file = ReportFile {
            format_version: REPORT_FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION"),
            source,
            applied: self.applied,
            failed: self.failed,
            not_attempted: self.not_attempted,
            success: self.success()
                && read_failures.is_empty()
                && matches!(verification, Verified::Converged | Verified::NotRun),
            entries: &self.entries,
            read_failures,
            verification,
        };
        let mut s = serde_json::to_string_pretty(&file).expect("serialisable");
        s.push('\n');
        s
    }
}
