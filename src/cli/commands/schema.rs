//! `shubctl schema`: the JSON Schema of policy files, for editors.

use super::Status;
use crate::cli::error::CliError;
use crate::cli::output::Printer;

pub fn run(out: &Printer) -> Result<Status, CliError> {
    let schema = crate::spec::file::json_schema();
    out.data(&format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).expect("serialisable")
    ));
    Ok(Status::Ok)
}
