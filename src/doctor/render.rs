//! The doctor's report as text (a terminal), Markdown (an issue or a PR comment) and JSON
//! (versioned, for pipelines).

use std::fmt::Write;

use super::{Report, Severity};
use crate::model::escape::markdown::inline as cell;
use crate::model::escape::text::visible;

/// Places listed per problem before "and N more".
const LISTED: usize = 10;

fn places(at: &[String]) -> String {
    let mut s = at
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if at.len() > LISTED {
        let _ = write!(s, " and {} more", at.len() - LISTED);
    }
    s
}

fn summary(r: &Report) -> String {
    let errors = r
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = r.problems.len() - errors;
    let c = &r.checked;
    let unread = if c.scopes_unread > 0 {
        format!(", {} could not be read", c.scopes_unread)
    } else {
        String::new()
    };
    let what = format!(
        "{} account(s) in {} region(s) ({} account/region pair(s){unread})",
        c.accounts,
        c.regions.len(),
        c.scopes
    );
    if r.healthy {
        format!("Healthy: no problems found in {what}.")
    } else {
        format!("{errors} problem(s) and {warnings} warning(s) in {what}.")
    }
}

pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    for p in &r.problems {
        let mark = match p.severity {
            Severity::Error => "problem",
            Severity::Warning => "warning",
        };
        let n = if p.at.len() > 1 {
            format!(" — {} places", p.at.len())
        } else {
            String::new()
        };
        // What was read (names, IDs) is outside text: shown, never acted on by the terminal.
        let _ = writeln!(out, "{mark}: {}{n}", visible(&p.what));
        let _ = writeln!(out, "  where: {}", visible(&places(&p.at)));
        let _ = writeln!(out, "  why:   {}", visible(&p.why));
        let _ = writeln!(out, "  fix:   {}", visible(&p.fix));
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary(r));
    out
}

pub fn render_markdown(r: &Report) -> String {
    let mut out = String::from("## shubctl doctor\n\n");
    let _ = writeln!(out, "{}\n", summary(r));
    if r.problems.is_empty() {
        return out;
    }
    out.push_str("| | problem | where | why | fix |\n|---|---|---|---|---|\n");
    for p in &r.problems {
        let mark = match p.severity {
            Severity::Error => "❌",
            Severity::Warning => "⚠️",
        };
        let _ = writeln!(
            out,
            "| {mark} | {} | {} | {} | {} |",
            cell(&p.what),
            cell(&places(&p.at)),
            cell(&p.why),
            cell(&p.fix)
        );
    }
    out
}

pub fn render_json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("serialisable");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::{Check, Checked, Problem};

    /// What was read from AWS reaches the problems (names, reasons): shown, never acted on.
    #[test]
    fn hostile_text_is_inert_in_text_and_markdown() {
        let hostile = "x | y\n</details><!-- @org/team \x1b[2K\x1b[1A\u{202e}";
        let r = Report {
            format_version: 1,
            healthy: false,
            checked: Checked {
                accounts: 1,
                regions: vec!["us-east-1".into()],
                scopes: 1,
                scopes_unread: 0,
            },
            problems: vec![Problem {
                check: Check::HubOff,
                severity: Severity::Error,
                at: vec![hostile.into()],
                what: hostile.into(),
                why: hostile.into(),
                fix: hostile.into(),
            }],
            ..Report::default()
        };
        let text = render_text(&r);
        assert!(
            !text.chars().any(|c| c != '\n' && c.is_control()),
            "{text:?}"
        );
        assert!(text.contains("x | y\\n</details><!-- @org/team \\x1b[2K\\x1b[1A\\u{202e}"));
        let md = render_markdown(&r);
        let row = md.lines().find(|l| l.starts_with("| ❌")).unwrap();
        // One row, five cells (four inner separators): the content's `|` and line break split nothing.
        assert_eq!(row.matches(" | ").count(), 4, "{row}");
        assert!(!md.contains("</details>") && !md.contains("<!--"), "{md}");
        assert!(md.contains("@\u{200D}org/team"));
    }
}
