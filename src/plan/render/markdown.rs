//! Markdown for a pull-request comment: summary first, posture-weakening changes first,
//! identical changes across scopes grouped into one row, details folded per account, and
//! always under GitHub's comment size limit. Every string from AWS or a policy is written
//! through `model::escape::markdown`, so none can hide the rest of the comment, open HTML or
//! mention anyone.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{compact, document_lines, group_key};
use crate::diff::{Action, Change};
use crate::model::escape::markdown::{block_line, cell_code, code, fence, inline};
use crate::plan::Plan;

/// GitHub rejects comments over 65,536 characters; keep a margin for wrappers bots add.
pub const COMMENT_LIMIT: usize = 65_536;
const BUDGET: usize = 60_000;

pub fn render(plan: &Plan) -> String {
    let full = render_with(plan, true, usize::MAX);
    if full.chars().count() <= BUDGET {
        return full;
    }
    let no_details = render_with(plan, false, usize::MAX);
    if no_details.chars().count() <= BUDGET {
        return no_details;
    }
    // Still too large: cut the table, keeping weakening rows (they come first).
    let mut rows = 200;
    loop {
        let s = render_with(plan, false, rows);
        if s.chars().count() <= BUDGET || rows <= 10 {
            return s;
        }
        rows /= 2;
    }
}

struct Group<'a> {
    first: &'a Change,
    scopes: Vec<String>,
}

/// The change, as the content of a table cell.
fn what(c: &Change) -> String {
    let local = cell_code(&c.address.local());
    match c.action {
        Action::Create => format!("create {local}"),
        Action::Delete => format!("delete {local}"),
        Action::Update => {
            let fields: Vec<String> = c
                .changed_fields
                .iter()
                .map(|f| {
                    if c.address.kind.is_document(f) {
                        return format!("{}: changed, see the diff below", inline(f));
                    }
                    let b = crate::diff::field_value(c.before.as_ref(), f)
                        .map(compact)
                        .unwrap_or_else(|| "(none)".into());
                    let a = crate::diff::field_value(c.after.as_ref(), f)
                        .map(compact)
                        .unwrap_or_else(|| "(none)".into());
                    format!(
                        "{}: {} → {}",
                        inline(f),
                        inline(&truncate(&b, 60)),
                        inline(&truncate(&a, 60))
                    )
                })
                .collect();
            format!("update {local} ({})", fields.join("; "))
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn render_with(plan: &Plan, details: bool, max_rows: usize) -> String {
    let mut out = String::new();
    header(plan, &mut out);
    if plan.changes.is_empty() {
        let (headline, sentence) = plan.no_changes();
        let _ = writeln!(out, "**{headline}** {sentence}");
        return out;
    }
    table(plan, max_rows, &mut out);
    if details {
        details_by_account(plan, &mut out);
    } else {
        out.push_str("\n_Per-account details omitted to stay under GitHub's comment limit._\n");
    }
    out
}

/// Summary, the posture warning, the policy's warnings and unreadable scopes.
fn header(plan: &Plan, out: &mut String) {
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "### shubctl plan: {} to create, {} to update, {} to delete\n",
        s.create, s.update, s.delete
    );
    let _ = writeln!(
        out,
        "{} account(s) × {} region(s): {}. State from {}.\n",
        plan.coverage.accounts.len(),
        plan.coverage.regions.len(),
        inline(&plan.coverage.regions.join(", ")),
        code(&plan.source)
    );
    if s.weakens_posture > 0 {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **{} change(s) weaken the security posture** (marked ⚠️ below).{}\n",
            s.weakens_posture,
            if s.destructive > 0 {
                format!(
                    " {} destructive (marked 🧨) and need{} `--allow-destroy`.",
                    if s.destructive == 1 {
                        "1 is".to_string()
                    } else {
                        format!("{} are", s.destructive)
                    },
                    if s.destructive == 1 { "s" } else { "" }
                )
            } else {
                String::new()
            }
        );
    }
    if let Some(note) = plan.unread_note() {
        let _ = writeln!(out, "> [!CAUTION]\n> **{note}**\n");
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "- **warning:** {}", inline(w));
    }
    // Thousands of unreadable scopes must not push the plan out of the comment.
    const SHOWN: usize = 20;
    for f in plan.read_failures.iter().take(SHOWN) {
        let _ = writeln!(
            out,
            "- **error:** could not read {}",
            inline(&f.to_string())
        );
    }
    if plan.read_failures.len() > SHOWN {
        let _ = writeln!(
            out,
            "- …and {} more scope(s) that could not be read (the JSON plan lists them all)",
            plan.read_failures.len() - SHOWN
        );
    }
    if !plan.warnings.is_empty() || !plan.read_failures.is_empty() {
        out.push('\n');
    }
}

/// One row per group of identical changes, weakening ones first.
fn table(plan: &Plan, max_rows: usize, out: &mut String) {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for c in &plan.changes {
        groups
            .entry(group_key(c))
            .or_insert_with(|| Group {
                first: c,
                scopes: vec![],
            })
            .scopes
            .push(c.address.scope().to_string());
    }
    let mut groups: Vec<Group> = groups.into_values().collect();
    groups.sort_by(|a, b| {
        (
            !a.first.weakens_posture,
            !a.first.destructive,
            a.first.action,
            a.first.address.kind,
        )
            .cmp(&(
                !b.first.weakens_posture,
                !b.first.destructive,
                b.first.action,
                b.first.address.kind,
            ))
            .then_with(|| {
                crate::model::address::natural_cmp(
                    a.first.address.id.as_deref().unwrap_or(""),
                    b.first.address.id.as_deref().unwrap_or(""),
                )
            })
    });

    out.push_str("| | Change | Scopes | Why |\n|---|---|---|---|\n");
    for g in groups.iter().take(max_rows) {
        let icon = match (g.first.weakens_posture, g.first.action) {
            (true, _) if g.first.destructive => "⚠️🧨",
            (true, _) => "⚠️",
            (false, _) if g.first.destructive => "🧨",
            (false, Action::Create) => "➕",
            (false, Action::Update) => "✏️",
            (false, Action::Delete) => "➖",
        };
        let scopes = if g.scopes.len() <= 4 {
            g.scopes.join(", ")
        } else {
            format!(
                "{} (+{} more)",
                g.scopes[..3].join(", "),
                g.scopes.len() - 3
            )
        };
        let _ = writeln!(
            out,
            "| {icon} | {} | {} | {} |",
            what(g.first),
            inline(&scopes),
            inline(&truncate(&g.first.reason.message, 200))
        );
    }
    if groups.len() > max_rows {
        let _ = writeln!(
            out,
            "\n_…and {} more row(s) not shown to stay under GitHub's comment limit; see the JSON plan for everything._",
            groups.len() - max_rows
        );
    }
}

/// Every change, folded per account. Each account's block is fenced with more backticks than
/// any run in it, so nothing in it closes the block or the `<details>` around it.
fn details_by_account(plan: &Plan, out: &mut String) {
    let mut by_account: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
    for c in &plan.changes {
        by_account
            .entry(c.address.account.to_string())
            .or_default()
            .push(c);
    }
    out.push('\n');
    for (account, changes) in by_account {
        let mut block = String::new();
        for c in &changes {
            let sym = match c.action {
                Action::Create => "+",
                Action::Update => "~",
                Action::Delete => "-",
            };
            let flag = match (c.weakens_posture, c.destructive) {
                (true, true) => "  [weakens posture, destructive]",
                (true, false) => "  [weakens posture]",
                (false, true) => "  [destructive]",
                (false, false) => "",
            };
            let _ = writeln!(
                block,
                "{sym} {}{flag}",
                block_line(&format!("{}/{}", c.address.region, c.address.local()))
            );
            // Documents as their diff: inside a ```diff block each line keeps its own mark.
            let docs = |fields: &mut dyn Iterator<Item = &String>, out: &mut String| {
                for f in fields.filter(|f| c.address.kind.is_document(f)) {
                    let _ = writeln!(out, "    {}:", block_line(f));
                    let lines = document_lines(
                        crate::diff::field_value(c.before.as_ref(), f),
                        crate::diff::field_value(c.after.as_ref(), f),
                    );
                    for (line, text) in lines {
                        let _ = writeln!(out, "{}       {}", line.mark(), block_line(&text));
                    }
                }
            };
            if c.action == Action::Create
                && let Some(after) = c.after.as_ref().and_then(|a| a.as_object())
            {
                docs(&mut after.keys(), &mut block);
            }
            if c.action == Action::Update {
                docs(&mut c.changed_fields.iter(), &mut block);
                for f in c
                    .changed_fields
                    .iter()
                    .filter(|f| !c.address.kind.is_document(f))
                {
                    let b = crate::diff::field_value(c.before.as_ref(), f)
                        .map(compact)
                        .unwrap_or_else(|| "(none)".into());
                    let a = crate::diff::field_value(c.after.as_ref(), f)
                        .map(compact)
                        .unwrap_or_else(|| "(none)".into());
                    let _ = writeln!(block, "    {}", block_line(&format!("{f}: {b} → {a}")));
                }
            }
        }
        let ticks = fence(&block);
        let _ = writeln!(
            out,
            "<details><summary>{}: {} change(s)</summary>\n\n{ticks}diff\n{block}{ticks}\n</details>",
            inline(&account),
            changes.len()
        );
    }
}
