//! `shubctl catalog`: the built-in standards, or the controls of one standard.

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
                "Standards (catalog from {}, retrieved {}):",
                c.source.split(';').next().unwrap_or(""),
                c.retrieved
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
