//! The command line: flags are resolved into a plain [`config::Config`] once, each command
//! (one module each) does its work through the engine, and `main` prints an error once and
//! turns the outcome into an exit status. Stdout carries the artefact; stderr carries
//! diagnostics and progress.

pub mod args;
pub mod commands;
pub mod config;
pub mod error;
pub mod output;

use std::process::ExitCode;

use clap::Parser;

use args::Cli;
pub use commands::Status;
use config::{Command, Config};
use error::CliError;
use output::Printer;

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Exit 2 means "there are changes" under --detailed-exitcode: a mistyped flag in a
        // pipeline must not read as drift, so usage errors exit 1 (help and version exit 0).
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Status::Error.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let config = Config::resolve(cli);
    let out = Printer::new(config.colors);
    // Before anything else: every command judges controls by this catalog.
    if let Some(path) = &config.catalog {
        let mut d = crate::spec::diagnostics::Diagnostics::default();
        match crate::spec::catalog_file::load(path, &mut d) {
            Some(c) => crate::model::catalog::install(c),
            None => {
                let (errors, _) = out.diagnostics(d);
                out.error(&CliError::BadCatalog(path.display().to_string(), errors));
                return Status::Error.into();
            }
        }
    }
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
        .and_then(|rt| rt.block_on(run(config.command, &out)));
    match result {
        Ok(status) => status.into(),
        Err(e) => {
            out.error(&e);
            Status::Error.into()
        }
    }
}

async fn run(command: Command, out: &Printer) -> Result<Status, CliError> {
    match command {
        Command::Validate(policy) => commands::validate::run(&policy, out),
        Command::Plan {
            policy,
            source,
            format,
            out: save,
            detailed_exitcode,
        } => {
            commands::plan::run(
                &policy,
                &source,
                format,
                save.as_deref(),
                detailed_exitcode,
                out,
            )
            .await
        }
        Command::Apply {
            policy,
            source,
            saved,
            auto_approve,
            allow_destroy,
            force_unlock,
            json,
            report,
        } => {
            commands::apply::run(
                &policy,
                &source,
                saved.as_deref(),
                commands::apply::Flags {
                    auto_approve,
                    allow_destroy,
                    force_unlock,
                },
                commands::apply::ReportTo {
                    json,
                    out: report.as_deref(),
                },
                out,
            )
            .await
        }
        Command::Schema => commands::schema::run(out),
        Command::Explain { code } => commands::explain::run(&code, out),
        Command::Catalog { standard } => commands::catalog::run(standard.as_deref(), out),
        Command::RefreshCatalog { out: path, region } => {
            commands::catalog::refresh(&path, region, out).await
        }
        Command::Snapshot {
            policy,
            source,
            out: path,
        } => commands::snapshot::run(&policy, &source, &path, out).await,
        Command::Doctor {
            snapshot: Some(path),
            ..
        } => Err(CliError::DoctorNeedsLive(path.display().to_string())),
        Command::Doctor {
            policy,
            run,
            account,
            format,
            snapshot: None,
        } => commands::doctor::run(&policy, run, account.as_deref(), format, out).await,
        Command::Iam {
            policy,
            role,
            terraform,
        } => commands::iam::run(&policy, role, terraform, out),
        Command::Completions(shell) => commands::manual::completions(shell, out),
        Command::Man { dir } => commands::manual::man(dir.as_deref(), out),
        Command::Report {
            policy,
            source,
            format,
            out: path,
        } => commands::report::run(&policy, &source, format, &path, out).await,
        Command::Export {
            source,
            out: dir,
            regions,
            role,
            role_guessed,
            external_id,
            today,
        } => {
            let req = commands::export::Request {
                dir,
                regions,
                role,
                role_guessed,
                external_id,
                today,
            };
            commands::export::run(&source, &req, out).await
        }
    }
}
