//! `shubctl export`: the current set-up written as a policy folder, then planned against the
//! state it came from to show that nothing would change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::Status;
use crate::cli::config::SourceInput;
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::engine::{self, ReadAll};
use crate::export::{self, Exported};
use crate::model::organization::AccountStatus;
use crate::model::{AccountId, OrgInfo, Service, State};
use crate::plan::{Access, Plan};
use crate::provider::StateSource;
use crate::provider::aws::{AwsOptions, AwsProvider};
use crate::provider::snapshot::Snapshot;
use crate::spec::CheckOptions;
use crate::spec::diagnostics::Diagnostics;

pub struct Request {
    pub dir: PathBuf,
    pub regions: Vec<String>,
    pub role: String,
    /// `role` is the default, written for a snapshot that does not record the real one.
    pub role_guessed: bool,
    pub external_id: Option<String>,
    pub today: NaiveDate,
}

/// The state to export and where it came from.
pub struct Source {
    pub org: OrgInfo,
    pub read: ReadAll,
    pub name: String,
}

pub async fn run(source: &SourceInput, req: &Request, out: &Printer) -> Result<Status, CliError> {
    let shown = req.dir.display().to_string();
    if std::fs::read_dir(&req.dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(CliError::ExportNotEmpty(shown));
    }
    let src = match &source.snapshot {
        Some(path) => from_snapshot(&Snapshot::load(path)?, path, &req.regions),
        None => {
            out.status(true, "reading current state");
            let p = connect(req).await?;
            let src = from_live(&p, &req.regions, source.concurrency).await?;
            super::print_api_calls(out, &calls_plan(&p), source.verbose);
            src
        }
    };
    if src.read.state.scopes.is_empty() {
        return Err(CliError::ExportNothing(src.name));
    }
    let mut exported = export_state(&src, req);
    write(&req.dir, &exported)?;
    for n in &exported.notes {
        out.note(&format!("note: {n}"));
    }
    let plan = verify(&req.dir, &src.org, &src.read.state, req.today).await?;
    out.note(&format!(
        "policy written to {shown} ({} file(s))",
        exported.files.len()
    ));
    if plan.changes.is_empty() {
        out.note(&format!(
            "checked: `shubctl plan {shown}` against {} finds nothing to change",
            src.name
        ));
        return Ok(Status::Ok);
    }
    // Never a clean round trip that is not one: the header says so, and so does the exit code.
    exported.remaining(plan.changes.len());
    write(&req.dir, &exported)?;
    out.note(&format!(
        "error: `shubctl plan {shown}` against {} still finds {} change(s); the folder does not reproduce the set-up (see the notes above):",
        src.name,
        plan.changes.len()
    ));
    for c in &plan.changes {
        let flags = match (c.weakens_posture, c.destructive) {
            (true, true) => " [weakens posture, destructive]",
            (true, false) => " [weakens posture]",
            (false, true) => " [destructive]",
            _ => "",
        };
        out.note(&format!("  {} {}{flags}", c.action.as_str(), c.address));
    }
    Ok(Status::Error)
}

fn calls_plan(p: &AwsProvider) -> Plan {
    let mut plan = Plan::new(
        String::new(),
        String::new(),
        Default::default(),
        vec![],
        vec![],
        vec![],
        Default::default(),
    );
    plan.api_calls = p.api_calls();
    plan
}

/// Connects to AWS reading every service's administrator and organisation settings.
async fn connect(req: &Request) -> Result<AwsProvider, CliError> {
    let access = Access {
        role: req.role.clone(),
        external_id: req.external_id.clone(),
        organization: true,
        services: Service::WITH_ADMIN
            .into_iter()
            .chain([Service::AccessAnalyzer])
            .collect(),
        ..Access::default()
    };
    let opts = AwsOptions {
        role: access.role,
        external_id: access.external_id,
        organization: true,
        services: access.services.into_iter().collect(),
        ..AwsOptions::default()
    };
    AwsProvider::connect(opts, None)
        .await
        .map_err(CliError::Connect)
}

/// Everything a snapshot holds (in the given regions, if any).
pub fn from_snapshot(snap: &Snapshot, path: &Path, regions: &[String]) -> Source {
    let mut state = snap.state();
    if !regions.is_empty() {
        state.scopes.retain(|s, _| regions.contains(&s.region));
    }
    Source {
        org: snap.org.clone(),
        read: ReadAll {
            state,
            unreadable: BTreeMap::new(),
        },
        name: format!("snapshot {}", path.display()),
    }
}

/// Everything live AWS holds in the organisation's active accounts (or the caller's account
/// when it is in none) × `regions`.
pub async fn from_live(
    p: &AwsProvider,
    regions: &[String],
    concurrency: usize,
) -> Result<Source, CliError> {
    let org = match p.read_org().await {
        Ok(org) => org,
        // Not in an organisation: the caller's account on its own.
        Err(e) if e.code.as_deref() == Some("AWSOrganizationsNotInUseException") => {
            OrgInfo::default()
        }
        Err(e) => return Err(engine::EngineError::Org(e).into()),
    };
    let accounts: Vec<AccountId> = if org.accounts.is_empty() {
        vec![p.caller().clone()]
    } else {
        org.accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Active)
            .map(|a| a.id.clone())
            .collect()
    };
    // Without --regions, every region the caller's account has enabled.
    let mut regions = if regions.is_empty() {
        p.enabled_regions()
            .await
            .map_err(engine::EngineError::Org)?
    } else {
        regions.to_vec()
    };
    // Unknown is not "none": a policy over no regions would turn Security Hub off everywhere.
    if regions.is_empty() {
        return Err(CliError::ExportNoRegions);
    }
    regions.sort();
    regions.dedup();
    let read = engine::read_all(p, &org, &accounts, &regions, concurrency).await;
    Ok(Source {
        org,
        read,
        name: format!("aws (as account {})", p.caller()),
    })
}

pub fn export_state(src: &Source, req: &Request) -> Exported {
    let opts = export::Options {
        role: req.role.clone(),
        role_guessed: req.role_guessed,
        external_id: req.external_id.clone(),
        source: src.name.clone(),
        unreadable: src.read.unreadable.clone(),
    };
    export::export(&src.org, &src.read.state, &opts)
}

/// Writes the files under `dir`.
pub fn write(dir: &Path, exported: &Exported) -> Result<(), CliError> {
    for (rel, text) in &exported.files {
        let path = dir.join(rel);
        let err = |source| CliError::WriteExport {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        crate::provider::file::write_bytes(&path, text.as_bytes()).map_err(err)?;
    }
    Ok(())
}

/// Plans the folder against the state it came from, without reading anything again.
pub async fn verify(
    dir: &Path,
    org: &OrgInfo,
    state: &State,
    today: NaiveDate,
) -> Result<Plan, CliError> {
    let check = CheckOptions {
        today,
        expiry_warning_days: 30,
    };
    let mut d = Diagnostics::default();
    let policy = engine::load_policy(&[dir.to_path_buf()], &check, &mut d);
    let source = Snapshot::from_state(org.clone(), state.clone());
    let planned = engine::plan(&policy, &source, "export", today, 16, false, &mut d).await?;
    Ok(planned.plan)
}
