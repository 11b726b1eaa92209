//! `shubctl report`: plans the policy, reads every kind shown in the set-up matrix in the
//! policy's accounts × regions, reads the findings picture when live, and writes one file.

use std::path::Path;

use super::{Status, planned};
use crate::cli::args::ReportFormatArg;
use crate::cli::config::{PolicyInput, SourceInput};
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::engine;
use crate::model::AccountId;
use crate::provider::any::AnySource;
use crate::provider::aws::AwsProvider;
use crate::report::{self, FailedControl, Findings, Inputs, render};

pub async fn run(
    policy: &PolicyInput,
    source: &SourceInput,
    format: ReportFormatArg,
    path: &Path,
    out: &Printer,
) -> Result<Status, CliError> {
    let (planned, src, p) = planned(policy, source, false, false, out).await?;
    let accounts: Vec<AccountId> = planned
        .plan
        .coverage
        .accounts
        .iter()
        .filter_map(|a| AccountId::parse(a).ok())
        .collect();
    let regions = planned.plan.coverage.regions.clone();
    let read = engine::read_all(&src, &planned.org, &accounts, &regions, source.concurrency).await;
    let findings = match &src {
        AnySource::Aws(aws) => {
            out.status(true, "reading findings (GetFindings: 3 requests a second)");
            let home = p
                .regions
                .as_ref()
                .map(|r| r.home.clone())
                .unwrap_or_else(|| "us-east-1".into());
            let admin = engine::access(&p)
                .delegated_admin
                .and_then(|a| AccountId::parse(&a).ok())
                .unwrap_or_else(|| aws.caller().clone());
            findings(aws, &admin, &home).await
        }
        AnySource::Snapshot { .. } => Findings {
            unavailable: Some(
                "a snapshot holds no findings; they are read from live AWS only".into(),
            ),
            ..Findings::default()
        },
    };
    let r = report::build(Inputs {
        policy: &p,
        plan: &planned.plan,
        org: &planned.org,
        state: &read.state,
        unreadable: &read.unreadable,
        today: policy.check.today,
        expiry_warning_days: policy.check.expiry_warning_days,
        findings,
    });
    let text = match format {
        ReportFormatArg::Html => render::html(&r),
        ReportFormatArg::Markdown => render::markdown(&r),
        ReportFormatArg::Csv => render::csv(&r),
        ReportFormatArg::Json => render::json(&r),
    };
    // `-` is stdout, as for most command-line tools; the summary stays on stderr.
    let to_stdout = path == Path::new("-");
    if to_stdout {
        out.data(&text);
    } else {
        crate::provider::file::write_bytes(path, text.as_bytes()).map_err(|source| {
            CliError::WriteExport {
                path: path.display().to_string(),
                source,
            }
        })?;
    }
    out.note(&format!(
        "report written to {} ({} account × region pair(s), {} change(s) of drift, {} exception(s))",
        if to_stdout {
            "stdout".to_string()
        } else {
            path.display().to_string()
        },
        r.matrix.rows.len(),
        r.drift.changes.len(),
        r.exceptions.len()
    ));
    Ok(Status::Ok)
}

/// The findings picture from the administrator in the home region (where the aggregator, if
/// any, gathers the linked regions' findings). A failure leaves the picture out and says why.
async fn findings(aws: &AwsProvider, admin: &AccountId, home: &str) -> Findings {
    let mut f = Findings {
        read_from: format!("{admin}/{home}"),
        ..Findings::default()
    };
    match aws.active_findings(admin, home).await {
        Ok(read) => {
            f.calls = read.calls;
            let mut failed = Vec::new();
            for r in read.rows {
                f.add_active(&r.account, &r.severity);
                if let (Some(control), Some("FAILED")) = (&r.control, r.compliance.as_deref()) {
                    failed.push(FailedControl {
                        control: control.clone(),
                        title: r.title,
                        severity: r.severity,
                        resource_type: r.resource_type,
                        resource: r.resource,
                        account: r.account,
                        region: r.region,
                    });
                }
            }
            f.add_failed(failed);
        }
        Err(e) => f.unavailable = Some(format!("GetFindings failed: {e}")),
    }
    f
}
