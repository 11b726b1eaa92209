//! `shubctl snapshot`: the live state of the policy's scope, written as a snapshot file so a
//! pull request without credentials can plan against it.

use super::{Status, planned};
use crate::cli::config::{PolicyInput, SourceInput};
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::provider::snapshot::Snapshot;

pub async fn run(
    policy: &PolicyInput,
    source: &SourceInput,
    path: &std::path::Path,
    out: &Printer,
) -> Result<Status, CliError> {
    let (planned, _, _) = planned(policy, source, true, false, out).await?;
    if !planned.plan.read_failures.is_empty() {
        for f in &planned.plan.read_failures {
            out.note(&format!("error: could not read {f}"));
        }
        return Err(CliError::SnapshotIncomplete);
    }
    // The state the plan was computed from is the snapshot: no second read.
    let snap = Snapshot::from_state(planned.org, planned.current.unwrap_or_default());
    snap.save(path, Some(super::apply::now_rfc3339()))?;
    out.note(&format!(
        "snapshot of {} account(s) × {} region(s) written to {}",
        planned.plan.coverage.accounts.len(),
        planned.plan.coverage.regions.len(),
        path.display()
    ));
    Ok(Status::Ok)
}
