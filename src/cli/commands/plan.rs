//! `shubctl plan`: what would change to make the live set-up match the policy.

use super::{Status, planned, print_api_calls};
use crate::cli::config::{PolicyInput, SourceInput};
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::plan::render::{Format, RenderOptions, render};

pub async fn run(
    policy: &PolicyInput,
    source: &SourceInput,
    format: Format,
    save: Option<&std::path::Path>,
    detailed_exitcode: bool,
    out: &Printer,
) -> Result<Status, CliError> {
    let (planned, _, _) = planned(policy, source, false, true, out).await?;
    let plan = planned.plan;
    let color = out.stdout_color();
    out.data(&render(
        &plan,
        format,
        RenderOptions {
            color,
            ..RenderOptions::default()
        },
    ));
    print_api_calls(out, &plan, source.verbose);
    if let Some(path) = save {
        let json = render(&plan, Format::Json, RenderOptions::default());
        crate::provider::file::write_bytes(path, json.as_bytes()).map_err(|e| {
            CliError::WritePlan {
                path: path.display().to_string(),
                source: e,
            }
        })?;
        out.note(&format!("plan saved to {}", path.display()));
    }
    if !plan.read_failures.is_empty() {
        return Ok(Status::Error);
    }
    Ok(if detailed_exitcode && plan.has_changes() {
        Status::Changes
    } else {
        Status::Ok
    })
}
