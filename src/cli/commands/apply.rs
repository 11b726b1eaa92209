//! `shubctl apply`: make the live set-up match the policy, or carry out a saved plan; then
//! re-read and verify.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Status, open_source, planned};
use crate::apply::{ApplyOptions, Report, Verified, apply};
use crate::cli::config::{PolicyInput, SourceInput};
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::engine::{self, Verification};
use crate::plan::Plan;
use crate::plan::render::{Format, RenderOptions, render};
use crate::provider::any::{AnySource, Counting};
use crate::spec::Policy;

/// Set by Ctrl-C during apply: what has not started is reported as not attempted.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A saved plan, reaching the accounts exactly as when it was made, refused if the state has
/// moved since.
async fn saved(path: &Path, s: &SourceInput) -> Result<(Plan, AnySource), CliError> {
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
    engine::check_saved(&plan, &source, s.concurrency).await?;
    Ok((plan, source))
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

pub async fn run(
    p: &PolicyInput,
    s: &SourceInput,
    saved_plan: Option<&Path>,
    auto_approve: bool,
    allow_destroy: bool,
    to: ReportTo<'_>,
    out: &Printer,
) -> Result<Status, CliError> {
    let started = std::time::Instant::now();
    let (plan, source, policy): (Plan, AnySource, Option<Policy>) = match saved_plan {
        Some(path) => {
            let (plan, source) = saved(path, s).await?;
            (plan, source, None)
        }
        None => {
            let (planned, source, policy) = planned(p, s, false, true, out).await?;
            (planned.plan, source, Some(policy))
        }
    };
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
            std::fs::write(path, &json).map_err(|e| CliError::WriteReport {
                path: path.display().to_string(),
                source: e,
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
    engine::gate(&plan, allow_destroy)?;
    confirm(&plan, auto_approve)?;
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted: finishing the calls under way, starting no more");
        }
    });
    let planned_in = started.elapsed();
    out.status(source.is_live(), "applying");
    let counting = Counting::new(
        &source,
        plan.changes.len(),
        out.progress(source.is_live(), "applying"),
    );
    let report = apply(
        &plan,
        &counting,
        &ApplyOptions {
            allow_destroy,
            cancel: Some(&INTERRUPTED),
            concurrency: s.concurrency,
        },
    )
    .await;
    let applied_in = started.elapsed() - planned_in;
    if let AnySource::Snapshot { snapshot, path } = &source {
        snapshot.save(path, Some(now_rfc3339()))?;
    }
    human(&format!("\n{}\n", report.render_text()));
    for f in &plan.read_failures {
        out.note(&format!("error: not read, so not changed: {f}"));
    }
    if !report.success() || unreadable > 0 {
        finish(&report, &Verified::NotRun)?;
        return Ok(Status::Error);
    }
    // Verify: what was applied must now read back as converged (from the policy) or as
    // planned (a saved plan).
    out.status(source.is_live(), "verifying");
    let verification = match &policy {
        Some(policy) => engine::verify_policy(policy, &source, p.check.today, s.concurrency).await,
        None => engine::verify_saved(&plan, &report, &source, s.concurrency).await,
    };
    if s.verbose {
        out.note(&format!(
            "timing: plan {:.1} s, apply {:.1} s, verify {:.1} s; API calls {}",
            planned_in.as_secs_f64(),
            applied_in.as_secs_f64(),
            (started.elapsed() - planned_in - applied_in).as_secs_f64(),
            source.api_calls().values().sum::<u64>()
        ));
        // Plan, apply and verification together, per account and region.
        super::print_calls(out, &source.api_calls());
    }
    let verified = match &verification {
        Verification::Converged => Verified::Converged,
        Verification::Remaining(left) => Verified::Remaining {
            changes: left.clone(),
        },
        Verification::Unknown(e) => Verified::Unknown { error: e.clone() },
    };
    finish(&report, &verified)?;
    match verification {
        Verification::Converged if policy.is_some() => human("Verified: no changes remain.\n"),
        Verification::Converged => human("Verified: every applied change reads back as planned.\n"),
        Verification::Remaining(left) if policy.is_some() => {
            out.note(&format!(
                "warning: {} change(s) remain after apply; run apply again",
                left.len()
            ));
            return Ok(Status::Error);
        }
        Verification::Remaining(left) => {
            out.note(&format!(
                "warning: {} applied change(s) do not read back as planned; plan again: {}",
                left.len(),
                left.join(", ")
            ));
            return Ok(Status::Error);
        }
        // Unknown is not converged: a pipeline must not take it for success.
        Verification::Unknown(e) => {
            out.note(&format!(
                "error: the changes were applied but could not be verified: {e}; run plan to check"
            ));
            return Ok(Status::Error);
        }
    }
    if let AnySource::Snapshot { path, .. } = &source {
        human(&format!("State written to {}.\n", path.display()));
    }
    Ok(Status::Ok)
}
