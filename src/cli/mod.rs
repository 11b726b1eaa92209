//! Commands: flags are resolved here, the engine does the work, and every command ends in a
//! typed exit status. Stdout carries the artefact; stderr carries diagnostics and progress.

pub mod args;

use std::io::{IsTerminal, Write};
use std::path::Path;

use std::process::ExitCode;

use clap::Parser;

use std::sync::atomic::{AtomicBool, Ordering};

use crate::apply::{ApplyOptions, apply};
use crate::engine::{self, EngineError};
use crate::model::{AccountId, Service};
use crate::plan::render::{Format, RenderOptions, render};
use crate::plan::{Access, Plan};
use crate::provider::any::{AnySource as Source, Counting};
use crate::provider::aws::{AwsOptions, AwsProvider};
use crate::provider::read_state;
use crate::spec::load::Policy;

use crate::model::catalog::catalog;
use crate::provider::snapshot::Snapshot;
use crate::spec::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::spec::validate::ValidateOptions;
use args::{Cli, ColorChoice, Command, FormatArg, PolicyArgs, SourceArgs};

/// Exit statuses, as Terraform's `--detailed-exitcode` defines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    Error = 1,
    Changes = 2,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Status::Error.into();
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(status) => status.into(),
        Err(message) => {
            eprintln!("error: {message}");
            Status::Error.into()
        }
    }
}

fn color_for(choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

async fn run(cli: Cli) -> Result<Status, String> {
    let stdout_color = color_for(cli.color, std::io::stdout().is_terminal());
    let stderr_color = color_for(cli.color, std::io::stderr().is_terminal());
    match cli.command {
        Command::Validate { policy } => validate_cmd(&policy, stderr_color),
        Command::Plan {
            policy,
            source,
            format,
            out,
            detailed_exitcode,
        } => {
            plan_cmd(
                &policy,
                &source,
                format,
                out.as_deref(),
                detailed_exitcode,
                stdout_color,
                stderr_color,
            )
            .await
        }
        Command::Apply {
            policy,
            source,
            plan,
            auto_approve,
            allow_destroy,
        } => {
            apply_cmd(
                &policy,
                &source,
                plan.as_deref(),
                auto_approve,
                allow_destroy,
                stdout_color,
                stderr_color,
            )
            .await
        }
        Command::Schema => {
            let schema = crate::spec::policy::json_schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("serialisable")
            );
            Ok(Status::Ok)
        }
        Command::Catalog { standard } => catalog_cmd(standard.as_deref()),
        Command::Snapshot {
            policy,
            source,
            out,
        } => snapshot_cmd(&policy, &source, &out, stderr_color).await,
    }
}

fn validate_options(p: &PolicyArgs) -> ValidateOptions {
    ValidateOptions {
        today: p.today.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        expiry_warning_days: p.expiry_warning_days,
    }
}

fn print_diagnostics(diags: Diagnostics, color: bool) -> (usize, usize) {
    let (errors, warnings) = (diags.errors(), diags.warnings());
    let mut err = std::io::stderr().lock();
    for d in diags.sorted() {
        let _ = writeln!(err, "{}", paint_diagnostic(&d, color));
    }
    (errors, warnings)
}

fn paint_diagnostic(d: &Diagnostic, color: bool) -> String {
    let s = d.to_string();
    if !color {
        return s;
    }
    let (word, code) = match d.severity {
        Severity::Error => ("error:", "31"),
        Severity::Warning => ("warning:", "33"),
    };
    s.replacen(word, &format!("\x1b[1;{code}m{word}\x1b[0m"), 1)
}

fn validate_cmd(p: &PolicyArgs, color: bool) -> Result<Status, String> {
    let mut diags = Diagnostics::default();
    let policy = engine::load_policy(&p.paths, &validate_options(p), &mut diags);
    let (errors, warnings) = print_diagnostics(diags, color);
    let files = policy.files_read;
    if errors > 0 {
        eprintln!("{errors} error(s), {warnings} warning(s) in {files} file(s)");
        Ok(Status::Error)
    } else {
        eprintln!("policy is valid: {files} file(s), {warnings} warning(s)");
        Ok(Status::Ok)
    }
}

/// How the policy reaches accounts.
fn access_of(policy: &Policy) -> Access {
    let org = policy.organization.as_ref().map(|o| &o.value);
    let services: Vec<Service> = crate::spec::expand::declared_services(policy);
    Access {
        role: org
            .map(|o| o.role.clone())
            .unwrap_or_else(crate::spec::policy::default_role),
        external_id: org.and_then(|o| o.external_id.clone()),
        organization: org.is_some(),
        management_account: org.map(|o| o.management_account.clone()),
        delegated_admin: org.map(|o| o.delegated_admin.clone()),
        services,
    }
}

/// Opens the snapshot, or connects to AWS with the policy's role and organisation settings.
async fn open_source(s: &SourceArgs, access: &Access) -> Result<Source, String> {
    if let Some(path) = &s.snapshot {
        let snapshot = Snapshot::load(path).map_err(|e| e.to_string())?;
        return Ok(Source::Snapshot {
            snapshot,
            path: path.clone(),
        });
    }
    let opts = AwsOptions {
        role: access.role.clone(),
        external_id: access.external_id.clone(),
        organization: access.organization,
        management_account: access
            .management_account
            .as_deref()
            .and_then(|a| AccountId::parse(a).ok()),
        standard_timeout: std::time::Duration::from_secs(s.standard_timeout),
        services: access.services.iter().cloned().collect(),
        delegated_admin: access
            .delegated_admin
            .as_deref()
            .and_then(|a| AccountId::parse(a).ok()),
        ..AwsOptions::default()
    };
    let provider = AwsProvider::connect(opts, None)
        .await
        .map_err(|e| format!("cannot reach AWS: {e}"))?;
    Ok(Source::Aws(Box::new(provider)))
}

async fn compute(
    p: &PolicyArgs,
    s: &SourceArgs,
    stderr_color: bool,
) -> Result<(engine::Planned, Source, Policy), Result<Status, String>> {
    let opts = validate_options(p);
    let mut diags = Diagnostics::default();
    let policy = engine::load_policy(&p.paths, &opts, &mut diags);
    if diags.has_errors() {
        let (errors, _) = print_diagnostics(diags, stderr_color);
        return Err(Err(format!(
            "the policy has {errors} error(s); nothing was read or changed"
        )));
    }
    let source = open_source(s, &access_of(&policy)).await.map_err(Err)?;
    let planned = replan(&policy, &source, &opts, s, &mut diags).await;
    print_diagnostics(diags, stderr_color);
    match planned {
        Ok(planned) => Ok((planned, source, policy)),
        Err(e) => Err(Err(e)),
    }
}

async fn replan(
    policy: &Policy,
    source: &Source,
    opts: &ValidateOptions,
    s: &SourceArgs,
    diags: &mut Diagnostics,
) -> Result<engine::Planned, String> {
    progress(source, "reading current state");
    match engine::plan(
        policy,
        source,
        &source.name(),
        opts.today,
        s.concurrency,
        diags,
    )
    .await
    {
        Ok(mut planned) => {
            planned.plan.api_calls = source.api_calls();
            planned.plan.access = access_of(policy);
            Ok(planned)
        }
        Err(EngineError::InvalidPolicy(n)) => {
            Err(format!("the policy has {n} error(s); nothing was changed"))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// A status line on a terminal for live runs; nothing in CI or for snapshots.
fn progress(source: &Source, what: &str) {
    if source.is_live() && std::io::stderr().is_terminal() {
        eprintln!("{what}…");
    }
}

fn progress_bar(source: &Source, what: &'static str, total: usize) -> impl Fn(usize, usize) + Sync {
    let on = source.is_live() && std::io::stderr().is_terminal() && total > 0;
    move |done: usize, total: usize| {
        if on {
            let width = 30;
            let filled = (done * width / total.max(1)).min(width);
            eprint!(
                "\r{what} [{}{}] {done}/{total}",
                "#".repeat(filled),
                " ".repeat(width - filled),
            );
            if done >= total {
                eprintln!();
            }
        }
    }
}

fn print_api_calls(plan: &Plan, verbose: bool) {
    if !verbose || plan.api_calls.is_empty() {
        return;
    }
    let total: u64 = plan.api_calls.values().sum();
    eprintln!("API calls: {total} in all");
    for (scope, n) in &plan.api_calls {
        eprintln!("  {scope:<32} {n}");
    }
}

fn format_of(f: FormatArg) -> Format {
    match f {
        FormatArg::Text => Format::Text,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Json => Format::Json,
    }
}

async fn plan_cmd(
    p: &PolicyArgs,
    s: &SourceArgs,
    format: FormatArg,
    out: Option<&Path>,
    detailed: bool,
    stdout_color: bool,
    stderr_color: bool,
) -> Result<Status, String> {
    let (planned, _, _) = match compute(p, s, stderr_color).await {
        Ok(x) => x,
        Err(status) => return status,
    };
    let plan = planned.plan;
    print!(
        "{}",
        render(
            &plan,
            format_of(format),
            RenderOptions {
                color: stdout_color
            }
        )
    );
    print_api_calls(&plan, s.verbose);
    if let Some(path) = out {
        let json = render(&plan, Format::Json, RenderOptions::default());
        std::fs::write(path, json)
            .map_err(|e| format!("cannot write plan {}: {e}", path.display()))?;
        eprintln!("plan saved to {}", path.display());
    }
    if !plan.read_failures.is_empty() {
        return Ok(Status::Error);
    }
    Ok(if detailed && plan.has_changes() {
        Status::Changes
    } else {
        Status::Ok
    })
}

fn confirm(plan: &Plan, auto_approve: bool) -> Result<(), String> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err("not on a terminal: pass --auto-approve to apply without confirmation".into());
    }
    eprint!(
        "\nApply {} change(s)? Only 'yes' is accepted: ",
        plan.summary.total()
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err("apply cancelled".into())
    }
}

fn refuse_destructive(plan: &Plan, allow_destroy: bool) -> Result<(), String> {
    if allow_destroy {
        return Ok(());
    }
    let destructive: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.destructive)
        .map(|c| format!("  - {} {}", c.action.as_str(), c.address))
        .collect();
    if destructive.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the plan has {} destructive change(s); nothing was changed. Review them and pass --allow-destroy to proceed:\n{}",
        destructive.len(),
        destructive.join("\n")
    ))
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Set by Ctrl-C during apply: what has not started is reported as not attempted.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[allow(clippy::too_many_arguments)]
async fn apply_cmd(
    p: &PolicyArgs,
    s: &SourceArgs,
    saved: Option<&Path>,
    auto_approve: bool,
    allow_destroy: bool,
    stdout_color: bool,
    stderr_color: bool,
) -> Result<Status, String> {
    let (plan, source, policy) = match saved {
        Some(plan_path) => {
            let text = std::fs::read_to_string(plan_path)
                .map_err(|e| format!("cannot read plan {}: {e}", plan_path.display()))?;
            let plan =
                Plan::from_json(&text).map_err(|e| format!("{}: {e}", plan_path.display()))?;
            // Reach the accounts exactly as when the plan was made.
            let source = open_source(s, &plan.access).await?;
            let (current, failures) = read_state(&source, &plan.reads, s.concurrency).await;
            if !failures.is_empty() {
                return Err(format!("cannot re-read the state: {}", failures[0]));
            }
            let now = current.fingerprint();
            if now != plan.state_fingerprint {
                return Err(format!(
                    "the state has changed since the plan was made (plan {}, now {}); nothing was changed. Run `shubctl plan` again",
                    plan.state_fingerprint, now
                ));
            }
            (plan, source, None)
        }
        None => match compute(p, s, stderr_color).await {
            Ok((planned, source, policy)) => (planned.plan, source, Some(policy)),
            Err(status) => return status,
        },
    };
    // Scopes that could not be read are reported and left alone; the others proceed.
    let unreadable = plan.read_failures.len();
    print!(
        "{}",
        render(
            &plan,
            Format::Text,
            RenderOptions {
                color: stdout_color
            }
        )
    );
    if !plan.has_changes() {
        return Ok(if unreadable > 0 {
            Status::Error
        } else {
            Status::Ok
        });
    }
    refuse_destructive(&plan, allow_destroy)?;
    confirm(&plan, auto_approve)?;
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted: finishing the calls under way, starting no more");
        }
    });
    progress(&source, "applying");
    let bar = Counting::new(
        &source,
        plan.changes.len(),
        progress_bar(&source, "applying", plan.changes.len()),
    );
    let report = apply(
        &plan,
        &bar,
        &ApplyOptions {
            allow_destroy,
            cancel: Some(&INTERRUPTED),
            concurrency: s.concurrency,
        },
    )
    .await;
    if let Source::Snapshot { snapshot, path } = &source {
        snapshot
            .save(path, Some(now_rfc3339()))
            .map_err(|e| e.to_string())?;
    }
    println!("\n{}", report.render_text());
    for f in &plan.read_failures {
        eprintln!("error: not read, so not changed: {f}");
    }
    if !report.success() || unreadable > 0 {
        return Ok(Status::Error);
    }
    // Verify: what was applied must now read back as converged.
    if let Some(policy) = &policy {
        let opts = validate_options(p);
        let mut diags = Diagnostics::default();
        progress(&source, "verifying");
        match replan(policy, &source, &opts, s, &mut diags).await {
            Ok(again) if again.plan.has_changes() => {
                eprintln!(
                    "warning: {} change(s) remain after apply; run apply again",
                    again.plan.summary.total()
                );
                return Ok(Status::Error);
            }
            Ok(_) => println!("Verified: no changes remain."),
            Err(e) => eprintln!("warning: could not verify: {e}"),
        }
    }
    if let Source::Snapshot { path, .. } = &source {
        println!("State written to {}.", path.display());
    }
    Ok(Status::Ok)
}

async fn snapshot_cmd(
    p: &PolicyArgs,
    s: &SourceArgs,
    out: &Path,
    stderr_color: bool,
) -> Result<Status, String> {
    let (planned, _, _) = match compute(p, s, stderr_color).await {
        Ok(x) => x,
        Err(status) => return status,
    };
    if !planned.plan.read_failures.is_empty() {
        for f in &planned.plan.read_failures {
            eprintln!("error: could not read {f}");
        }
        return Err("some scopes could not be read; no snapshot written".into());
    }
    // The state the plan was computed from is the snapshot: no second read.
    let snap = Snapshot::from_state(planned.org, planned.current);
    snap.save(out, Some(now_rfc3339()))
        .map_err(|e| e.to_string())?;
    eprintln!(
        "snapshot of {} account(s) × {} region(s) written to {}",
        planned.plan.scope.accounts.len(),
        planned.plan.scope.regions.len(),
        out.display()
    );
    Ok(Status::Ok)
}

fn catalog_cmd(standard: Option<&str>) -> Result<Status, String> {
    let c = catalog();
    match standard {
        None => {
            println!(
                "Standards (catalog from {}, retrieved {}):",
                c.source.split(';').next().unwrap_or(""),
                c.retrieved
            );
            for s in &c.standards {
                println!(
                    "  {:<20} {:>4} controls  {}",
                    s.id,
                    c.controls_in(&s.id).count(),
                    s.name
                );
            }
        }
        Some(id) => {
            if c.standard(id).is_none() {
                return Err(format!(
                    "unknown standard `{id}`; `shubctl catalog` lists them"
                ));
            }
            for ctl in c.controls_in(id) {
                let legacy = ctl
                    .legacy_ids
                    .get(id)
                    .map(|l| format!(" [{l}]"))
                    .unwrap_or_default();
                let global = if ctl.global { " (global resource)" } else { "" };
                println!("{:<22} {}{legacy}{global}", ctl.id, ctl.title);
            }
        }
    }
    Ok(Status::Ok)
}
