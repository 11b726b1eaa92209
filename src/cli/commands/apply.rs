//! `shubctl apply`: make the live set-up match the policy, or carry out a saved plan; then
//! re-read and verify.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Status, open_source, planned_under_lock, release, take_live_lock};
use crate::apply::{ApplyOptions, Report, Verified};
use crate::cli::config::{PolicyInput, SourceInput};
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::engine::{self, Verification};
use crate::plan::Plan;
use crate::plan::render::{Format, RenderOptions, render};
use crate::provider::any::{AnySource, Counting};
use crate::provider::aws::lock::LiveLock;
use crate::spec::Policy;

/// Set by Ctrl-C during apply: what has not started is reported as not attempted.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A saved plan, reaching the accounts exactly as when it was made, refused if the state has
/// moved since; live, under the apply lock.
async fn saved(
    path: &Path,
    s: &SourceInput,
    force_unlock: bool,
    out: &Printer,
) -> Result<(Plan, AnySource, Option<LiveLock>), CliError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CliError::ReadPlan {
        path: shown.clone(),
        source: e,
    })?;
    let plan = Plan::from_json(&text).map_err(|e| CliError::BadPlan {
        path: shown,
        source: e,
    })?;
    // The controls it was planned with, the catalog in use lacking some of them: whole where
    // the plan holds their definitions, by their standards from a plan of an older shubctl.
    let catalog = crate::model::catalog::catalog();
    let mut planned_with = plan.learnt_controls.clone();
    for (id, standards) in &plan.newer_controls {
        if !planned_with.iter().any(|c| &c.id == id) {
            planned_with.push(crate::model::live_catalog::by_standards(id, standards));
        }
    }
    if planned_with
        .iter()
        .any(|c| catalog.control(&c.id).is_none())
    {
        crate::model::catalog::install(catalog.with_controls(&planned_with));
    }
    let source = open_source(s, &plan.access).await?;
    let lock = take_live_lock(&source, &plan.access, force_unlock, out).await?;
    // What is carried out is the file's changes as the diff computes them from what is read
    // now: flags and counts never come from the file.
    match engine::check_saved(&plan, &source, s.concurrency).await {
        Ok(plan) => Ok((plan, source, lock)),
        Err(e) => {
            release(&source, lock, out).await;
            Err(e.into())
        }
    }
}

/// Ctrl-C, or SIGTERM as CI sends when it cancels: the first lets the calls under way finish
/// and starts no more (what has not started is reported as not attempted); a second ends the
/// process at once, saying what was applied, what failed and what may be in flight.
fn watch_signals(journal: crate::apply::Journal) {
    tokio::spawn(async move {
        let mut signals = Signals::new();
        let first = signals.next().await;
        INTERRUPTED.store(true, Ordering::SeqCst);
        eprintln!(
            "\n{first}: finishing the calls under way, starting no more (again to stop at once)"
        );
        let second = signals.next().await;
        eprintln!("\n{second}: {}", journal.render());
        std::process::exit(if second == "SIGTERM" { 143 } else { 130 });
    });
}

/// SIGINT and SIGTERM as one stream of names.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        Signals {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        if let Some(term) = self.term.as_mut() {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => "interrupted",
                _ = term.recv() => "SIGTERM",
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        "interrupted"
    }
}

fn confirm(plan: &Plan, auto_approve: bool) -> Result<(), CliError> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NeedsApproval);
    }
    eprint!(
        "\nApply {} change(s)? Only 'yes' is accepted: ",
        plan.summary.total()
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(CliError::Answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::Cancelled)
    }
}

/// Where the apply report goes besides the text: `--format json` (stdout) and `--out FILE`.
pub struct ReportTo<'a> {
    pub json: bool,
    pub out: Option<&'a Path>,
}

/// What the user allowed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    pub auto_approve: bool,
    pub allow_destroy: bool,
    /// Remove a live apply lock left behind before taking it.
    pub force_unlock: bool,
}

pub async fn run(
    p: &PolicyInput,
    s: &SourceInput,
    saved_plan: Option<&Path>,
    flags: Flags,
    to: ReportTo<'_>,
    out: &Printer,
) -> Result<Status, CliError> {
    let Flags {
        auto_approve,
        force_unlock,
        ..
    } = flags;
    let started = std::time::Instant::now();
    // Off a terminal nobody can answer: say so before reading anything or printing a plan.
    if saved_plan.is_none() && !auto_approve && !std::io::stdin().is_terminal() {
        return Err(CliError::NeedsApproval);
    }
    // From here on a signal is an interrupt, not death: a live lock is taken before planning
    // and must be released (or said to be left) whatever happens.
    let journal = crate::apply::Journal::default();
    watch_signals(journal.clone());
    // One apply at a time on a snapshot, from its read to its write-back.
    let _lock = match &s.snapshot {
        Some(path) => Some(crate::provider::file::SnapshotLock::take(path)?),
        None => None,
    };
    let (plan, source, policy, lock): (Plan, AnySource, Option<Policy>, _) = match saved_plan {
        Some(path) => {
            let (plan, source, lock) = saved(path, s, force_unlock, out).await?;
            (plan, source, None, lock)
        }
        None => {
            let (planned, source, policy, lock) =
                planned_under_lock(p, s, force_unlock, out).await?;
            (planned.plan, source, Some(policy), lock)
        }
    };
    if let Some(l) = &lock {
        journal.holding(Some(format!(
            "{} stays: {}",
            l.describe(),
            crate::provider::aws::lock::FORCE_UNLOCK_HINT
        )));
    }
    let result = carry_out(
        p, s, plan, &source, policy, flags, to, out, started, &journal,
    )
    .await;
    journal.holding(None);
    release(&source, lock, out).await;
    result
}

/// Applies, saves a snapshot, verifies and reports.
#[allow(clippy::too_many_arguments)]
async fn carry_out(
    p: &PolicyInput,
    s: &SourceInput,
    plan: Plan,
    source: &AnySource,
    policy: Option<Policy>,
    flags: Flags,
    to: ReportTo<'_>,
    out: &Printer,
    started: std::time::Instant,
    journal: &crate::apply::Journal,
) -> Result<Status, CliError> {
    let Flags {
        auto_approve,
        allow_destroy,
        ..
    } = flags;
    let saved_plan = policy.is_none();
    // With --format json, stdout carries the JSON report alone; the text goes to stderr.
    let human = |text: &str| {
        if to.json {
            out.note(text.trim_end_matches('\n'));
        } else {
            out.data(text);
        }
    };
    let finish = |report: &Report, verified: &Verified| -> Result<(), CliError> {
        let json = report.render_json(&plan.source, &plan.read_failures, verified);
        if let Some(path) = to.out {
            crate::provider::file::write_bytes(path, json.as_bytes()).map_err(|e| {
                CliError::WriteReport {
                    path: path.display().to_string(),
                    source: e,
                }
            })?;
        }
        if to.json {
            out.data(&json);
        }
        Ok(())
    };
    // Scopes that could not be read are reported and left alone; the others proceed.
    let unreadable = plan.read_failures.len();
    let color = out.stdout_color() && !to.json;
    human(&render(
        &plan,
        Format::Text,
        RenderOptions {
            color,
            allow_destroy,
        },
    ));
    if !plan.has_changes() {
        let verified = if unreadable > 0 {
            Verified::NotRun
        } else {
            Verified::Converged
        };
        finish(&Report::default(), &verified)?;
        return Ok(if unreadable > 0 {
            Status::Error
        } else {
            Status::Ok
        });
    }
    journal.planned(plan.changes.len());
    let planned_in = started.elapsed();
    let journaled = journal.around(source);
    let counting = Counting::new(
        &journaled,
        plan.changes.len(),
        out.progress(source.is_live(), "applying"),
    );
    let applied = engine::apply_and_verify(
        &plan,
        source,
        &counting,
        match &policy {
            Some(policy) => engine::VerifyAgainst::Policy(policy, p.check.today),
            None => engine::VerifyAgainst::SavedPlan,
        },
        &ApplyOptions {
            allow_destroy,
            cancel: Some(&INTERRUPTED),
            concurrency: s.concurrency,
        },
        // A saved plan was the review (as in Terraform): it is carried out without asking
        // again.
        |plan| {
            confirm(plan, auto_approve || saved_plan)?;
            out.status(source.is_live(), "applying");
            Ok::<(), CliError>(())
        },
        || out.status(source.is_live(), "verifying"),
    )
    .await?;
    let report = applied.report;
    if let AnySource::Snapshot { snapshot, path } = source {
        snapshot.save(path, Some(now_rfc3339()))?;
    }
    human(&format!("\n{}\n", report.render_text()));
    for f in &plan.read_failures {
        out.note(&format!("error: not read, so not changed: {f}"));
    }
    if s.verbose {
        out.note(&format!(
            "timing: plan {:.1} s, apply {:.1} s, verify {:.1} s; API calls {}",
            planned_in.as_secs_f64(),
            applied.applied_in.as_secs_f64(),
            applied.verified_in.as_secs_f64(),
            source.api_calls().values().sum::<u64>()
        ));
        // Plan, apply and verification together, per account and region.
        super::print_calls(out, &source.api_calls());
    }
    let Some(verification) = applied.verification else {
        finish(&report, &Verified::NotRun)?;
        return Ok(Status::Error);
    };
    let verified = match &verification {
        Verification::Converged => Verified::Converged,
        Verification::Remaining(left) => Verified::Remaining {
            changes: left.clone(),
        },
        Verification::Unknown(e) => Verified::Unknown { error: e.clone() },
    };
    finish(&report, &verified)?;
    if let Some(problem) = verification_problem(&verification, policy.is_some()) {
        out.note(&problem);
        return Ok(Status::Error);
    }
    human(if policy.is_some() {
        "Verified: no changes remain.\n"
    } else {
        "Verified: every applied change reads back as planned.\n"
    });
    if let AnySource::Snapshot { path, .. } = source {
        human(&format!("State written to {}.\n", path.display()));
    }
    Ok(Status::Ok)
}

/// What a verification that is not converged says (from the policy, or of a saved plan's
/// changes); None when it is. Unknown is not converged: a pipeline must not take it for success.
fn verification_problem(v: &Verification, from_policy: bool) -> Option<String> {
    match v {
        Verification::Converged => None,
        Verification::Remaining(left) if from_policy => Some(format!(
            "warning: {} change(s) remain after apply; run apply again",
            left.len()
        )),
        Verification::Remaining(left) => Some(format!(
            "warning: {} applied change(s) do not read back as planned; plan again: {}",
            left.len(),
            left.join(", ")
        )),
        Verification::Unknown(e) => Some(format!(
            "error: the changes were applied but could not be verified: {e}; run plan to check"
        )),
    }
}
