//! `shubctl doctor`: check the live set-up for the troubleshooting table's problems. Read-only;
//! exit 0 when healthy, 1 when there are problems (or something could not be checked).

use std::time::Duration;

use super::{Status, checked_policy, connect};
use crate::cli::config::PolicyInput;
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::doctor::{self, DoctorOptions};
use crate::engine::{self, DoctorRun};
use crate::model::AccountId;
use crate::plan::Access;
use crate::plan::render::Format;

pub async fn run(
    p: &PolicyInput,
    mut run: DoctorRun,
    account: Option<&str>,
    format: Format,
    out: &Printer,
) -> Result<Status, CliError> {
    if let Some(a) = account {
        run.account = Some(AccountId::parse(a).map_err(|_| CliError::BadAccount(a.into()))?);
    }
    // The standards timeout is for writes; doctor only reads.
    let open = |access: Access| async move { connect(&access, Duration::from_secs(600)).await };
    let (policy, mut d, opened) = checked_policy(p, out, Some(open)).await?;
    let aws = match opened {
        Some(aws) => aws,
        None => connect(&engine::access(&policy), Duration::from_secs(600)).await?,
    };
    out.status(true, "reading the set-up");
    let facts = engine::doctor_facts(&policy, &aws, &run, &mut d).await;
    out.diagnostics(d);
    let facts = facts?;
    let report = doctor::check(
        &policy,
        &facts,
        &DoctorOptions {
            today: p.check.today,
            expiry_warning_days: p.check.expiry_warning_days,
            stuck_days: run.stuck_days,
        },
    );
    out.data(&match format {
        Format::Text => doctor::render_text(&report),
        Format::Markdown => doctor::render_markdown(&report),
        Format::Json => doctor::render_json(&report),
    });
    Ok(if report.healthy {
        Status::Ok
    } else {
        Status::Error
    })
}
