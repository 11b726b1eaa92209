//! `shubctl iam`: the IAM policies the policy needs, for one role.

use super::Status;
use crate::cli::config::PolicyInput;
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::engine;
use crate::iam::{self, Role};
use crate::spec::diagnostics::{Code, Diagnostics, Severity};

pub fn run(
    p: &PolicyInput,
    role: Role,
    terraform: bool,
    out: &Printer,
) -> Result<Status, CliError> {
    let mut d = Diagnostics::default();
    let policy = engine::load_policy(&p.paths, &p.check, &mut d);
    // IAM actions follow the kinds the policy declares, never control IDs: a control the
    // catalog lacks (which a live plan may learn from AWS, SH325) changes none of them.
    if engine::only_unknown_controls(&d) {
        for x in d
            .items
            .iter_mut()
            .filter(|x| x.code == Code::UnknownControl)
        {
            x.severity = Severity::Warning;
            x.message
                .push_str(" (the IAM actions do not depend on control IDs)");
        }
        out.diagnostics(d);
        d = Diagnostics::default();
    }
    if d.has_errors() {
        let (errors, _) = out.diagnostics(d);
        return Err(engine::EngineError::InvalidPolicy(errors).into());
    }
    let docs = iam::documents(&policy, role)?;
    if let Some(w) = iam::size_warning(&docs) {
        out.note(&format!("warning: {w}"));
    }
    out.data(&if terraform {
        iam::render_terraform(&docs)
    } else {
        iam::render_json(&docs)
    });
    Ok(Status::Ok)
}
