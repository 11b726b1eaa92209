//! Terraform-like text for a terminal. Every string from AWS or a policy goes through
//! [`visible`], so none can move the cursor, erase lines or hide what follows it; the colour
//! codes are shubctl's own, added around the escaped text.

use std::fmt::Write;

use super::{Line, RenderOptions, compact, document_lines};
use crate::diff::{Action, Change};
use crate::model::escape::text::visible;
use crate::plan::Plan;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

pub fn render(plan: &Plan, opts: RenderOptions) -> String {
    let p = Paint { on: opts.color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "shubctl plan: {} account{} × {} region{} (state from {})",
        plan.coverage.accounts.len(),
        plural(plan.coverage.accounts.len()),
        plan.coverage.regions.len(),
        plural(plan.coverage.regions.len()),
        visible(&plan.source)
    );
    for w in &plan.warnings {
        let _ = writeln!(out, "{} {}", p.yellow("warning:"), visible(w));
    }
    for f in &plan.read_failures {
        let _ = writeln!(
            out,
            "{} could not read {}",
            p.red("error:"),
            visible(&f.to_string())
        );
    }
    if plan.changes.is_empty() {
        let (headline, sentence) = plan.no_changes();
        let _ = writeln!(out, "\n{headline} {sentence}");
        return out;
    }
    let _ = writeln!(out, "\n{}", headline(plan));
    let _ = writeln!(
        out,
        "Symbols: {} create  {} update  {} delete  {} weakens security posture",
        p.green("+"),
        p.yellow("~"),
        p.red("-"),
        p.red("!")
    );
    for (scopes, changes) in super::grouped(&plan.changes) {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!("# {}", visible(&scopes_heading(&scopes))))
        );
        for c in changes {
            change(&mut out, c, &p);
        }
    }
    let s = &plan.summary;
    let _ = write!(
        out,
        "\n{} {} to create, {} to update, {} to delete.",
        p.bold("Plan:"),
        s.create,
        s.update,
        s.delete
    );
    if s.weakens_posture > 0 {
        let _ = write!(
            out,
            " {}",
            p.red(&format!(
                "{} weaken{} security posture.",
                s.weakens_posture,
                if s.weakens_posture == 1 { "s" } else { "" }
            ))
        );
    }
    if s.destructive > 0 {
        let _ = write!(
            out,
            " {} destructive ({}).",
            s.destructive,
            if opts.allow_destroy {
                "allowed by --allow-destroy"
            } else {
                "apply needs --allow-destroy"
            }
        );
    }
    if let Some(note) = plan.unread_note() {
        let _ = write!(out, " {}", p.red(&note));
    }
    out.push('\n');
    out
}

/// The summary up front, as the Markdown plan opens with it (the last line repeats it).
fn headline(plan: &Plan) -> String {
    let s = &plan.summary;
    let mut line = format!(
        "{} change(s): {} to create, {} to update, {} to delete",
        s.total(),
        s.create,
        s.update,
        s.delete
    );
    let notes: Vec<String> = [
        (s.weakens_posture, "weaken security posture"),
        (s.destructive, "destructive"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !notes.is_empty() {
        let _ = write!(line, " ({})", notes.join(", "));
    }
    line.push('.');
    line
}

/// Scopes listed in a group's heading before "and N more".
const HEADING_SCOPES: usize = 6;

/// `account/region`, or for a change made alike in several: how many, and which.
fn scopes_heading(scopes: &[String]) -> String {
    match scopes {
        [one] => one.clone(),
        many => {
            let mut listed = many
                .iter()
                .take(HEADING_SCOPES)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if many.len() > HEADING_SCOPES {
                let _ = write!(listed, " and {} more", many.len() - HEADING_SCOPES);
            }
            format!("{} scopes: {listed}", many.len())
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn change(out: &mut String, c: &Change, p: &Paint) {
    let sym = match c.action {
        Action::Create => p.green("+"),
        Action::Update => p.yellow("~"),
        Action::Delete => p.red("-"),
    };
    let flag = if c.weakens_posture {
        format!(" {}", p.red("!"))
    } else {
        String::new()
    };
    let destroy = if c.destructive {
        format!(" {}", p.red("(destructive)"))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  {sym} {}{flag}{destroy}",
        visible(&c.address.local())
    );
    let _ = writeln!(
        out,
        "      {}",
        p.dim(&format!("why: {}", visible(&c.reason.message)))
    );
    match c.action {
        Action::Create => {
            for (k, v) in c
                .after
                .as_ref()
                .and_then(|a| a.as_object())
                .into_iter()
                .flatten()
            {
                let k_shown = visible(k);
                if c.address.kind.is_document(k) {
                    let _ = writeln!(out, "      {k_shown}:");
                    document(out, None, Some(v), p);
                } else {
                    let _ = writeln!(out, "      {k_shown}: {}", visible(&compact(v)));
                }
            }
        }
        Action::Delete => {}
        Action::Update => {
            for f in &c.changed_fields {
                if c.address.kind.is_document(f) {
                    let _ = writeln!(out, "      {}:", visible(f));
                    document(
                        out,
                        crate::diff::field_value(c.before.as_ref(), f),
                        crate::diff::field_value(c.after.as_ref(), f),
                        p,
                    );
                    continue;
                }
                let b = crate::diff::field_value(c.before.as_ref(), f)
                    .map(compact)
                    .unwrap_or_else(|| "(none)".into());
                let a = crate::diff::field_value(c.after.as_ref(), f)
                    .map(compact)
                    .unwrap_or_else(|| "(none)".into());
                let _ = writeln!(
                    out,
                    "      {}: {} → {}",
                    visible(f),
                    p.red(&visible(&b)),
                    p.green(&visible(&a))
                );
            }
        }
    }
}

/// A document field as a line diff of its pretty-printed JSON, indented under the change.
fn document(
    out: &mut String,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    p: &Paint,
) {
    for (line, text) in document_lines(before, after) {
        let shown = format!("{} {}", line.mark(), visible(&text));
        let shown = match line {
            Line::Added => p.green(&shown),
            Line::Removed => p.red(&shown),
            Line::Same => shown,
            Line::Skipped => p.dim(&shown),
        };
        let _ = writeln!(out, "        {shown}");
    }
}
