//! `shubctl completions SHELL` and `shubctl man`: generated from the same clap definitions as
//! `--help`, so they cannot disagree with it.

use std::path::Path;

use clap::CommandFactory;

use super::Status;
use crate::cli::args::Cli;
use crate::cli::error::CliError;
use crate::cli::output::Printer;

pub fn completions(shell: clap_complete::aot::Shell, out: &Printer) -> Result<Status, CliError> {
    let mut buf = Vec::new();
    clap_complete::aot::generate(shell, &mut Cli::command(), "shubctl", &mut buf);
    out.data(&String::from_utf8_lossy(&buf));
    Ok(Status::Ok)
}

/// The page of `shubctl` to stdout, or one page per command (`shubctl-plan.1`, ...) into `dir`.
pub fn man(dir: Option<&Path>, out: &Printer) -> Result<Status, CliError> {
    let cmd = Cli::command();
    match dir {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .map_err(CliError::Man)?;
            out.data(&String::from_utf8_lossy(&buf));
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(CliError::Man)?;
            clap_mangen::generate_to(cmd, dir).map_err(CliError::Man)?;
            out.note(&format!("manual pages written to {}", dir.display()));
        }
    }
    Ok(Status::Ok)
}
