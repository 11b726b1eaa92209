//! `shubctl explain`: what a diagnostic code means.

use super::Status;
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::spec::diagnostics::{Code, did_you_mean};

pub fn run(code: &str, out: &Printer) -> Result<Status, CliError> {
    let Some(c) = Code::find(code) else {
        let names = Code::ALL.iter().flat_map(|c| [c.id(), c.name()]);
        return Err(CliError::UnknownCode(
            code.to_string(),
            did_you_mean(code, names),
        ));
    };
    out.data(&format!(
        "{} {}: {}\nFix: {}\n",
        c.id(),
        c.name(),
        c.summary(),
        c.fix()
    ));
    Ok(Status::Ok)
}
