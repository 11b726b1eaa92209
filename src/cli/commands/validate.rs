//! `shubctl validate`: check policy files and report every problem with its position.

use super::Status;
use crate::cli::config::PolicyInput;
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::engine;
use crate::spec::diagnostics::Diagnostics;

pub fn run(p: &PolicyInput, out: &Printer) -> Result<Status, CliError> {
    let mut d = Diagnostics::default();
    let policy = engine::load_policy(&p.paths, &p.check, &mut d);
    let (errors, warnings) = out.diagnostics(d);
    let files = policy.files_read;
    if errors > 0 {
        out.note(&format!(
            "{errors} error(s), {warnings} warning(s) in {files} file(s)"
        ));
        Ok(Status::Error)
    } else {
        out.note(&format!(
            "policy is valid: {files} file(s), {warnings} warning(s)"
        ));
        Ok(Status::Ok)
    }
}
