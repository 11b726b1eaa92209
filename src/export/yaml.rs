//! Just enough YAML writing for exported policies: scalars quoted only when they must be, and
//! flow collections for short values. The loader types scalars by what the schema expects, so
//! a plain scalar here reads back as the same text.

use serde_json::Value;

/// Words YAML 1.1 or 1.2 would read as something other than text.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
];

/// A string as a YAML scalar in block context (`key: value`): plain when that reads back as
/// the same string, else quoted.
pub fn scalar(s: &str) -> String {
    written(s, ",")
}

/// A string inside a flow collection, where commas and brackets separate items.
pub fn flow_scalar(s: &str) -> String {
    written(s, "")
}

fn written(s: &str, extra: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _.;()/@+=-'*".contains(c) || extra.contains(c))
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str());
    if plain { s.to_string() } else { quoted(s) }
}

/// Always quoted (account IDs, which must stay text; anything a plain scalar cannot hold).
pub fn quoted(s: &str) -> String {
    crate::model::escape::yaml::quoted(s)
}

/// Outside text (an account's name) in a `# comment`: kept on its line.
pub fn comment(s: &str) -> String {
    crate::model::escape::yaml::comment(s)
}

/// A value in flow style: `[a, b]`, `{ key: value }`.
pub fn flow(v: &Value) -> String {
    match v {
        Value::String(s) => flow_scalar(s),
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(flow).collect::<Vec<_>>().join(", ")
            )
        }
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", flow_scalar(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// A flow list of strings.
pub fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    format!(
        "[{}]",
        items
            .into_iter()
            .map(|s| flow_scalar(s.as_ref()))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A flow list of quoted strings.
pub fn quoted_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    format!(
        "[{}]",
        items
            .into_iter()
            .map(|s| quoted(s.as_ref()))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(
            scalar("Root user is locked; SSO (hardware MFA)"),
            "Root user is locked; SSO (hardware MFA)"
        );
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("On"), "\"On\"");
        assert_eq!(scalar("90"), "\"90\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("a, b"), "a, b");
        assert_eq!(flow_scalar("a, b"), "\"a, b\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(
            flow(&json!({"prefix": "S3", "not_equals": ["x y", "1"]})),
            "{ prefix: S3, not_equals: [x y, \"1\"] }"
        );
        assert_eq!(flow(&json!({"gte": 40})), "{ gte: 40 }");
    }
}

#[cfg(test)]
mod round_trip {
    use super::*;
    use crate::spec::yaml::{NodeKind, Scalar, parse};
    use proptest::prelude::*;

    /// The text of the value of `k` in a one-key document, as the policy loader reads it.
    fn read_back(doc: &str) -> Option<String> {
        let node = parse(doc).ok()?;
        let NodeKind::Map(entries) = node.kind else {
            return None;
        };
        match &entries.first()?.1.kind {
            NodeKind::Scalar(Scalar::Plain(t) | Scalar::Quoted(t)) => Some(t.clone()),
            NodeKind::Seq(items) => match &items.first()?.kind {
                NodeKind::Scalar(Scalar::Plain(t) | Scalar::Quoted(t)) => Some(t.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        /// Any string an export writes, plain or quoted, in block or flow context, reads back
        /// through the policy loader as the same string, and stays on its one line.
        #[test]
        fn any_string_written_reads_back_equal(
            s in "\\PC{0,40}|[\\x00-\\x1f\\u{7f}-\\u{9f}\\u{2028}\\u{2029}\\u{200b}-\\u{202e}\\u{feff}\\u{fffe}\\u{ffff}\"'\\\\:#,\\[\\]{}&*!|>%@` a-z-]{0,24}"
        ) {
            for (doc, what) in [
                (format!("k: {}\n", scalar(&s)), "scalar"),
                (format!("k: {}\n", quoted(&s)), "quoted"),
                (format!("k: [{}]\n", flow_scalar(&s)), "flow"),
                (format!("k: {}\n", list([s.as_str()])), "list"),
            ] {
                prop_assert_eq!(doc.lines().count(), 1, "{} {:?}", what, doc);
                let back = read_back(&doc);
                prop_assert_eq!(back.as_deref(), Some(s.as_str()), "{} {:?}", what, doc);
            }
        }
    }

    #[test]
    fn an_account_name_with_line_breaks_stays_text() {
        let name = "audit\nevil: true\r\n- x\u{2028}y";
        let doc = format!("k: {}   # {}\n", quoted(name), comment(name));
        assert_eq!(doc.lines().count(), 1);
        assert_eq!(read_back(&doc).as_deref(), Some(name));
    }
}
