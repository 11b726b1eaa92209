//! One renderer per output format, all reading the same plan value.

pub mod json;
pub mod markdown;
pub mod text;

use std::collections::BTreeMap;

use super::Plan;
use crate::diff::Change;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    pub color: bool,
    /// Apply was given `--allow-destroy`: destructive changes are allowed, not refused.
    pub allow_destroy: bool,
}

pub fn render(plan: &Plan, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Text => text::render(plan, opts),
        Format::Markdown => markdown::render(plan),
        Format::Json => json::render(plan),
    }
}

/// What makes two changes in different scopes the same change: its address within the scope,
/// action, values, reason and posture.
pub(crate) fn group_key(c: &Change) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        c.address.local(),
        c.action.as_str(),
        c.before.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        c.after.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        c.reason.message,
        c.weakens_posture
    )
}

/// Changes made alike in several scopes, once each, under the scopes they are made in:
/// (scopes, changes) in the order of each set of scopes' first change (the plan is sorted by
/// address, so a plan with nothing alike lists its scopes in order, one heading each).
pub(crate) fn grouped(changes: &[Change]) -> Vec<(Vec<String>, Vec<&Change>)> {
    let mut by_key: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut firsts: Vec<&Change> = Vec::new();
    for c in changes {
        let scope = c.address.scope().to_string();
        let entry = by_key.entry(group_key(c)).or_insert_with(|| {
            firsts.push(c);
            (firsts.len() - 1, Vec::new())
        });
        if entry.1.last() != Some(&scope) {
            entry.1.push(scope);
        }
    }
    let mut scopes_of: Vec<Vec<String>> = vec![Vec::new(); firsts.len()];
    for (i, scopes) in by_key.into_values() {
        scopes_of[i] = scopes;
    }
    let mut out: Vec<(Vec<String>, Vec<&Change>)> = Vec::new();
    for (c, scopes) in firsts.into_iter().zip(scopes_of) {
        match out.iter_mut().find(|(s, _)| *s == scopes) {
            Some((_, list)) => list.push(c),
            None => out.push((scopes, vec![c])),
        }
    }
    out
}

/// A compact one-line form of a JSON value for display.
pub(crate) fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// How a line of a document diff changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    Same,
    Removed,
    Added,
    /// Unchanged lines left out between two hunks.
    Skipped,
}

impl Line {
    /// The line's mark in a unified diff.
    pub(crate) fn mark(self) -> char {
        match self {
            Line::Same | Line::Skipped => ' ',
            Line::Removed => '-',
            Line::Added => '+',
        }
    }
}

/// Unchanged lines kept around each change of a document.
const CONTEXT: usize = 3;

/// A document field (an SCP, an event pattern) as lines of its pretty-printed JSON: the
/// changes between `before` and `after` with a few lines of context, or the whole document
/// as added lines when there was none before.
pub(crate) fn document_lines(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<(Line, String)> {
    let pretty = |v: Option<&serde_json::Value>| {
        v.map(|v| {
            let mut s = serde_json::to_string_pretty(v).expect("serialisable");
            s.push('\n');
            s
        })
        .unwrap_or_default()
    };
    let (old, new) = (pretty(before), pretty(after));
    let diff = similar::TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        if i > 0 {
            out.push((Line::Skipped, "…".to_string()));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let tag = match change.tag() {
                    similar::ChangeTag::Equal => Line::Same,
                    similar::ChangeTag::Delete => Line::Removed,
                    similar::ChangeTag::Insert => Line::Added,
                };
                out.push((tag, change.value().trim_end_matches('\n').to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_document_change_is_a_line_diff_with_context() {
        let before = json!({"detail": {"findings": {"Severity": {"Label": ["CRITICAL", "HIGH"]}}}, "source": ["aws.securityhub"]});
        let after = json!({"detail": {"findings": {"Severity": {"Label": ["CRITICAL"]}}}, "source": ["aws.securityhub"]});
        let lines = document_lines(Some(&before), Some(&after));
        let removed: Vec<&str> = lines
            .iter()
            .filter(|(l, _)| *l == Line::Removed)
            .map(|(_, s)| s.as_str())
            .collect();
        let added: Vec<&str> = lines
            .iter()
            .filter(|(l, _)| *l == Line::Added)
            .map(|(_, s)| s.as_str())
            .collect();
        assert_eq!(removed, ["          \"CRITICAL\",", "          \"HIGH\""]);
        assert_eq!(added, ["          \"CRITICAL\""]);
        // Every line is short: the document is never printed on one line.
        assert!(lines.iter().all(|(_, s)| s.len() < 60));
        // No document before: all of it is added.
        let created = document_lines(None, Some(&after));
        assert!(created.iter().all(|(l, _)| *l == Line::Added));
        assert_eq!(
            created.len(),
            serde_json::to_string_pretty(&after)
                .unwrap()
                .lines()
                .count()
        );
        // Far-apart changes come in hunks, with the unchanged middle left out.
        let long: serde_json::Map<String, serde_json::Value> =
            (0..30).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let mut changed = long.clone();
        changed.insert("k00".into(), json!(-1));
        changed.insert("k29".into(), json!(-1));
        let hunks = document_lines(Some(&json!(long)), Some(&json!(changed)));
        assert_eq!(hunks.iter().filter(|(l, _)| *l == Line::Skipped).count(), 1);
        assert!(hunks.len() < 20);
    }
}
