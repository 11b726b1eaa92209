//! `shubctl catalog`: the catalog's standards, or the controls of one standard; with
//! `--refresh`, a catalog file written from AWS's live definitions.

use std::fmt::Write;

use super::Status;
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::model::catalog::catalog;

pub fn run(standard: Option<&str>, out: &Printer) -> Result<Status, CliError> {
    let c = catalog();
    let mut text = String::new();
    match standard {
        None => {
            let _ = writeln!(
                text,
                "Standards ({}, retrieved {}; source: {}):",
                c.name(),
                c.retrieved,
                c.source.split(';').next().unwrap_or("")
            );
            for s in &c.standards {
                let _ = writeln!(
                    text,
                    "  {:<20} {:>4} controls  {}",
                    s.id,
                    c.controls_in(&s.id).count(),
                    s.name
                );
            }
        }
        Some(id) => {
            if c.standard(id).is_none() {
                return Err(CliError::UnknownStandard(id.to_string()));
            }
            for ctl in c.controls_in(id) {
                let legacy = ctl
                    .legacy_ids
                    .get(id)
                    .map(|l| format!(" [{l}]"))
                    .unwrap_or_default();
                let global = if ctl.global { " (global resource)" } else { "" };
                let _ = writeln!(text, "{:<22} {}{legacy}{global}", ctl.id, ctl.title);
            }
        }
    }
    out.data(&text);
    Ok(Status::Ok)
}

/// Reads AWS's standards and control definitions in one region, merges them with the catalog in
/// use and writes the result to `path` (whole, or not at all), printing what changed.
pub async fn refresh(
    path: &std::path::Path,
    region: Option<String>,
    out: &Printer,
) -> Result<Status, CliError> {
    use crate::provider::aws::{AwsOptions, AwsProvider};
    let aws = AwsProvider::connect(
        AwsOptions {
            region,
            ..AwsOptions::default()
        },
        None,
    )
    .await
    .map_err(CliError::Connect)?;
    let region = aws.region().to_string();
    out.status(true, "reading AWS's control definitions");
    let live = aws
        .catalog_definitions(&region)
        .await
        .map_err(CliError::Definitions)?;
    if live.controls.is_empty() {
        return Err(CliError::NoDefinitions(region));
    }
    let base = catalog();
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let (refreshed, changes) = base.refreshed(&live, &today);
    let mut json = serde_json::to_string_pretty(&refreshed).expect("a catalog serialises");
    json.push('\n');
    crate::provider::file::write_bytes(path, json.as_bytes()).map_err(|e| {
        CliError::WriteCatalog {
            path: path.display().to_string(),
            source: e,
        }
    })?;
    let mut text = format!(
        "Catalog from AWS in {region}: {} standards, {} controls. Against {}:\n",
        refreshed.standards.len(),
        refreshed.controls.len(),
        base.origin()
    );
    text.push_str(&changes.render());
    out.data(&text);
    out.note(&format!(
        "catalog written to {}; use it with --catalog {0} (or SHUBCTL_CATALOG)",
        path.display()
    ));
    Ok(Status::Ok)
}
