//! Flags resolved, once, into a plain configuration: dates parsed, colours decided, formats
//! and durations typed. Nothing after this sees clap.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use super::args::{self, Cli, ColorChoice, FormatArg};
use crate::plan::render::Format;
use crate::spec::CheckOptions;

pub struct Config {
    pub colors: Colors,
    /// A catalog file to use instead of the built-in catalog.
    pub catalog: Option<PathBuf>,
    pub command: Command,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Colors {
    pub stdout: bool,
    pub stderr: bool,
}

pub enum Command {
    Validate(PolicyInput),
    Plan {
        policy: PolicyInput,
        source: SourceInput,
        format: Format,
        out: Option<PathBuf>,
        detailed_exitcode: bool,
    },
    Apply {
        policy: PolicyInput,
        source: SourceInput,
        /// Carry out this saved plan instead of planning from the policy.
        saved: Option<PathBuf>,
        auto_approve: bool,
        allow_destroy: bool,
        force_unlock: bool,
        json: bool,
        report: Option<PathBuf>,
    },
    Schema,
    Explain {
        code: String,
    },
    Catalog {
        standard: Option<String>,
    },
    RefreshCatalog {
        out: PathBuf,
        region: Option<String>,
    },
    Snapshot {
        policy: PolicyInput,
        source: SourceInput,
        out: PathBuf,
    },
    Doctor {
        policy: PolicyInput,
        run: crate::engine::DoctorRun,
        account: Option<String>,
        format: Format,
        /// `--snapshot`, which doctor refuses with its reason.
        snapshot: Option<PathBuf>,
    },
    Iam {
        policy: PolicyInput,
        role: crate::iam::Role,
        terraform: bool,
    },
    Completions(clap_complete::aot::Shell),
    Man {
        dir: Option<PathBuf>,
    },
    Report {
        policy: PolicyInput,
        source: SourceInput,
        format: args::ReportFormatArg,
        out: PathBuf,
    },
    Export {
        source: SourceInput,
        out: PathBuf,
        regions: Vec<String>,
        role: String,
        /// No `--role` given for a snapshot export: the role written is the default, a guess.
        role_guessed: bool,
        external_id: Option<String>,
        today: chrono::NaiveDate,
    },
}

/// Where the policy is and how to judge it.
pub struct PolicyInput {
    pub paths: Vec<PathBuf>,
    pub check: CheckOptions,
}

/// Where state comes from and how to read it.
pub struct SourceInput {
    /// None: live AWS.
    pub snapshot: Option<PathBuf>,
    pub concurrency: usize,
    pub standard_timeout: Duration,
    pub verbose: bool,
}

/// Colour on a stream: always, never, or (auto) only on a terminal without `NO_COLOR`.
fn color_for(choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn policy(p: args::PolicyArgs) -> PolicyInput {
    PolicyInput {
        paths: p.paths,
        check: CheckOptions {
            today: p.today.unwrap_or_else(|| chrono::Utc::now().date_naive()),
            expiry_warning_days: p.expiry_warning_days,
        },
    }
}

fn source(s: args::SourceArgs) -> SourceInput {
    SourceInput {
        snapshot: s.snapshot,
        concurrency: s.concurrency.max(1),
        standard_timeout: Duration::from_secs(s.standard_timeout),
        verbose: s.verbose,
    }
}

fn format(f: FormatArg) -> Format {
    match f {
        FormatArg::Text => Format::Text,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Json => Format::Json,
    }
}

impl Config {
    pub fn resolve(cli: Cli) -> Config {
        let colors = Colors {
            stdout: color_for(cli.color, std::io::stdout().is_terminal()),
            stderr: color_for(cli.color, std::io::stderr().is_terminal()),
        };
        let command = match cli.command {
            args::Command::Validate { policy: p } => Command::Validate(policy(p)),
            args::Command::Plan {
                policy: p,
                source: s,
                format: f,
                out,
                detailed_exitcode,
            } => Command::Plan {
                policy: policy(p),
                source: source(s),
                format: format(f),
                out,
                detailed_exitcode,
            },
            args::Command::Apply {
                policy: p,
                source: s,
                plan,
                auto_approve,
                allow_destroy,
                force_unlock,
                format,
                out,
            } => Command::Apply {
                policy: policy(p),
                source: source(s),
                saved: plan,
                auto_approve,
                allow_destroy,
                force_unlock,
                json: format == args::ApplyFormatArg::Json,
                report: out,
            },
            args::Command::Schema => Command::Schema,
            args::Command::Explain { code } => Command::Explain { code },
            args::Command::Catalog {
                refresh: true,
                out: Some(out),
                region,
                ..
            } => Command::RefreshCatalog { out, region },
            args::Command::Catalog { standard, .. } => Command::Catalog { standard },
            args::Command::Snapshot {
                policy: p,
                source: s,
                out,
            } => Command::Snapshot {
                policy: policy(p),
                source: source(s),
                out,
            },
            args::Command::Doctor {
                policy: p,
                account,
                stuck_days,
                findings_limit,
                format: f,
                concurrency,
                snapshot,
            } => {
                let policy = policy(p);
                Command::Doctor {
                    snapshot,
                    run: crate::engine::DoctorRun {
                        today: policy.check.today,
                        concurrency,
                        account: None,
                        stuck_days,
                        findings_limit,
                    },
                    policy,
                    account,
                    format: format(f),
                }
            }
            args::Command::Iam {
                policy: p,
                role,
                format,
            } => Command::Iam {
                policy: policy(p),
                role: match role {
                    args::RoleArg::Plan => crate::iam::Role::Plan,
                    args::RoleArg::Apply => crate::iam::Role::Apply,
                    args::RoleArg::Management => crate::iam::Role::Management,
                    args::RoleArg::Member => crate::iam::Role::Member,
                },
                terraform: format == args::IamFormatArg::Terraform,
            },
            args::Command::Completions { shell } => Command::Completions(shell),
            args::Command::Man { dir } => Command::Man { dir },
            args::Command::Report {
                policy: p,
                source: s,
                format,
                out,
            } => Command::Report {
                policy: policy(p),
                source: source(s),
                format,
                out,
            },
            args::Command::Export {
                source: s,
                out,
                regions,
                role,
                external_id,
            } => Command::Export {
                role_guessed: role.is_none() && s.snapshot.is_some(),
                role: role.unwrap_or_else(|| {
                    crate::model::organization::ORGANIZATION_ACCESS_ROLE.to_string()
                }),
                source: source(s),
                out,
                regions,
                external_id,
                today: chrono::Utc::now().date_naive(),
            },
        };
        Config {
            colors,
            catalog: cli.catalog.filter(|p| !p.as_os_str().is_empty()),
            command,
        }
    }
}
