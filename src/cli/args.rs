//! Command-line flags, as clap parses them. `config.rs` resolves them into a plain
//! [`super::config::Config`]; nothing past that sees these types.

use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "shubctl", version, about = "Manage AWS Security Hub CSPM declaratively: YAML policy in, plan and apply out.", long_about = None)]
pub struct Cli {
    /// When to colour output: auto colours only on a terminal and honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Judge controls by this catalog file (from `shubctl catalog --refresh`), not the built-in one.
    ///
    /// Every command reads and checks it before anything else. Commit it next to the policies
    /// and set SHUBCTL_CATALOG in CI, so validate, plan and apply all judge controls by the same
    /// catalog. Empty, it is as if unset.
    // Empty accepted (PathBuf's own parser refuses it), so an empty SHUBCTL_CATALOG is unset.
    #[arg(
        long,
        value_name = "FILE",
        env = "SHUBCTL_CATALOG",
        global = true,
        value_parser = clap::builder::OsStringValueParser::new().map(PathBuf::from)
    )]
    pub catalog: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check policy files and report every problem as file:line:column.
    Validate {
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Show what would change to make the live set-up match the policy.
    Plan {
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        source: SourceArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// Also save the plan (JSON) to this file, for `shubctl apply --plan`.
        #[arg(long, value_name = "PLAN")]
        out: Option<PathBuf>,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Make the live set-up match the policy (or carry out a saved plan).
    Apply {
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        source: SourceArgs,
        /// Carry out this saved plan instead of planning from the policy. Refused if the state
        /// has changed since the plan was made.
        #[arg(long, value_name = "PLAN", conflicts_with = "paths")]
        plan: Option<PathBuf>,
        /// Do not ask for confirmation (required when not on a terminal).
        #[arg(long)]
        auto_approve: bool,
        /// Allow changes that remove protection (deleting or disabling what the destroy guard
        /// lists); without it, apply refuses a plan that has any.
        #[arg(long, long_help = allow_destroy_help())]
        allow_destroy: bool,
        /// Live AWS: remove the apply lock an apply that died left behind (the custom action
        /// `shubctllock` in the administrator's home region), then apply. Only when no other
        /// apply is running: the lock is what keeps two from writing at once.
        #[arg(long)]
        force_unlock: bool,
        /// text: the plan and the report for people; json: the report alone on stdout (the
        /// text goes to stderr), versioned (`format_version`).
        #[arg(long, value_enum, default_value_t = ApplyFormatArg::Text)]
        format: ApplyFormatArg,
        /// Also write the JSON report to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print the JSON Schema of policy files (for editor completion and checks).
    Schema,
    /// Write the live state of the policy's scope to a snapshot file, so a pull request
    /// without credentials can plan against it.
    Snapshot {
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        source: SourceArgs,
        /// The snapshot file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write the current set-up (live, or a snapshot's) as a policy folder that reproduces it:
    /// `plan` of the folder against that state finds nothing to change. What a policy cannot
    /// say is left out and explained.
    Export {
        #[command(flatten)]
        source: SourceArgs,
        /// The folder to write (created; it must not hold files already).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Regions to read (comma-separated). Default: live, every region the caller's account
        /// has enabled (Account Management's ListRegions); from a snapshot, every region it
        /// holds.
        #[arg(long, value_name = "REGIONS", value_delimiter = ',')]
        regions: Vec<String>,
        /// The role the policy assumes in member accounts (also used to read them live). Default
        /// OrganizationAccountAccessRole; from a snapshot, which does not record the role, the
        /// default is written as a guess and said to be one.
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
        /// External ID for assuming `--role`, if its trust policy requires one.
        #[arg(long, value_name = "ID")]
        external_id: Option<String>,
    },
    /// Write a report for auditors and for the people who fix findings: the effective set-up
    /// per account × region, drift against the policy, the exception register and (live only)
    /// the findings picture.
    Report {
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        source: SourceArgs,
        /// Output format: html (one self-contained file), markdown, csv or json.
        #[arg(long, value_enum, default_value_t = ReportFormatArg::Html)]
        format: ReportFormatArg,
        /// The file to write; `-` writes the report to stdout.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Say what a diagnostic code means (`SH316`, or its name `exception-expired`).
    Explain {
        /// The code or its name.
        code: String,
    },
    /// List the catalog (built-in, or --catalog's): standards, or the controls of one standard.
    /// With --refresh, write a catalog file from AWS's live definitions.
    ///
    /// --refresh reads (read-only, as the caller of the standard credential chain) Security
    /// Hub's DescribeStandards and ListSecurityControlDefinitions, all of them and each
    /// standard's with StandardsArn, in one region; merges them with the catalog in use for
    /// what the API does not say (legacy IDs, global-resource flags); writes the file whole or
    /// not at all; and prints what changed. It needs securityhub:DescribeStandards and
    /// securityhub:ListSecurityControlDefinitions.
    Catalog {
        /// Show the controls of this standard (e.g. fsbp/1.0.0).
        #[arg(long, conflicts_with = "refresh")]
        standard: Option<String>,
        /// Read AWS's live definitions and write a refreshed catalog to --out.
        #[arg(long, requires = "out")]
        refresh: bool,
        /// The catalog file to write (with --refresh).
        #[arg(long, value_name = "FILE", requires = "refresh")]
        out: Option<PathBuf>,
        /// The region to read the definitions in (default: AWS_REGION or the profile's).
        #[arg(long, value_name = "REGION", requires = "refresh")]
        region: Option<String>,
    },
    /// Check the live set-up for common problems (read-only); exit 0 when healthy, 1 on problems.
    ///
    /// The checks of the troubleshooting table: standards, integrations, members, AWS Config
    /// recording, failed standards, findings stuck in NEW, the aggregator's regions and expiring
    /// exceptions. Each problem says where it is, why it matters and how to fix it.
    Doctor {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Check only this account (default: every account in the policy's scope).
        #[arg(long, value_name = "ACCOUNT")]
        account: Option<String>,
        /// Findings in NEW for longer than this many days count as stuck.
        #[arg(long, value_name = "DAYS", default_value_t = 30)]
        stuck_days: u32,
        /// Stop counting stuck findings at this many (GetFindings reads 100 a call, 3 calls a
        /// second).
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        findings_limit: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// How many account × region scopes to read at once.
        #[arg(long, value_name = "N", default_value_t = 128, value_parser = parse_concurrency)]
        concurrency: usize,
        /// Accepted only to be refused with the reason: doctor reads live AWS (AWS Config
        /// recorders, standards' status, findings) that a snapshot does not hold.
        #[arg(long, value_name = "FILE", hide = true)]
        snapshot: Option<PathBuf>,
    },
    /// Print the least-privilege IAM policies the policy needs, for one role.
    ///
    /// Read-only for plan, with the declared kinds' write actions for apply, the management
    /// account's and the member role's (with its trust policy). Generated from the same table as
    /// the calls shubctl makes.
    Iam {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Whose policy: plan (read-only), apply (everything, one principal), management (the
        /// principal in the management account) or member (the role assumed in the other
        /// accounts, with its trust policy).
        #[arg(long, value_enum)]
        role: RoleArg,
        /// json: one object with `permissions` (and `trust`); terraform:
        /// `aws_iam_policy_document` data sources.
        #[arg(long, value_enum, default_value_t = IamFormatArg::Json)]
        format: IamFormatArg,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::aot::Shell,
    },
    /// Print the manual page (roff) to stdout (`shubctl man | man -l -`).
    ///
    /// With --dir, write a page per command to a folder instead.
    Man {
        /// Write shubctl.1 and shubctl-<command>.1 for every command into this folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ApplyFormatArg {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RoleArg {
    Plan,
    Apply,
    Management,
    Member,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum IamFormatArg {
    Json,
    Terraform,
}

/// `--concurrency` when not given (measured: BENCHMARKS.md).
pub const DEFAULT_CONCURRENCY: usize = 128;

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Policy files or folders (all *.yaml / *.yml inside, composed into one policy).
    #[arg(value_name = "PATH", default_value = "policies")]
    pub paths: Vec<PathBuf>,
    /// Judge exception expiry as of this date (YYYY-MM-DD) instead of today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
    /// Warn about exceptions that expire within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub expiry_warning_days: i64,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Read (and for apply, write) state from this snapshot file instead of live AWS.
    /// Without it, shubctl uses AWS through the standard credential chain (AWS_PROFILE,
    /// AWS_REGION, AWS_ENDPOINT_URL, SSO, web identity, ...).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// How many account × region scopes to read or change at once. The default comes from
    /// BENCHMARKS.md: on two cores, more buys nothing and costs memory; AWS's per-account quotas
    /// are kept by the rate limiter whatever the value.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// Seconds to wait for a standard to become ready (or to go) after enabling (disabling) it.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub standard_timeout: u64,
    /// Show the API calls made, per account and region.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FormatArg {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormatArg {
    Html,
    Markdown,
    Csv,
    Json,
}

fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=4096).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a number from 1 to 4096")),
    }
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date; write YYYY-MM-DD"))
}

/// The destroy guard's kinds come from the kind table, so the help cannot go stale.
fn allow_destroy_help() -> String {
    format!(
        "Allow changes that remove protection: deleting or disabling any of {}, editing a configuration policy so that it drops a standard or turns Security Hub off, or switching the organisation from central configuration back to local. Without it, apply refuses a plan that has any such change, before changing anything.",
        crate::model::Kind::destructive_names().join(", ")
    )
}
