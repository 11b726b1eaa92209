//! YAML text to a tree of positioned nodes. serde-saphyr does the parsing (pure Rust, no
//! panics, precise locations); plain scalars keep their source text so that typing is decided
//! by the schema, not guessed: `012345678901` stays twelve digits where an account ID is
//! expected, and `NO` stays a string where a string is expected.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::diagnostics::{Code, Pos};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// Written without quotes; typing depends on where it appears.
    Plain(String),
    /// Quoted or block scalar: always a string.
    Quoted(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    pub kind: NodeKind,
    pub line: u64,
    pub column: u64,
}

impl Node {
    pub fn pos(&self, file: &str) -> Pos {
        Pos {
            file: file.to_string(),
            line: self.line,
            column: self.column,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(Scalar::Plain(s)) if is_null_text(s))
    }
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(_) if self.is_null() => "nothing (null)",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

pub fn is_null_text(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// What serde-saphyr hands us; scalars are re-read from the source text afterwards.
enum Raw {
    Scalar(String),
    Null,
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::Scalar(v.to_string()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
                Ok(Raw::Scalar(v.to_string()))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
                Ok(Raw::Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Scalar(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Scalar(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Scalar(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
                    items.push(item);
                }
                Ok(Raw::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = map.next_key::<Spanned<Raw>>()? {
                    let v = map.next_value::<Spanned<Raw>>()?;
                    entries.push((k, v));
                }
                Ok(Raw::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub line: u64,
    pub column: u64,
    pub code: Code,
    pub message: String,
}

/// Parses one YAML document. An empty document (only comments) is a null node.
pub fn parse(src: &str) -> Result<Node, SyntaxError> {
    if src.trim().is_empty()
        || src
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(Node {
            kind: NodeKind::Scalar(Scalar::Plain(String::new())),
            line: 1,
            column: 1,
        });
    }
    let options = serde_saphyr::options! {
        with_snippet: false,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        // Duplicates reach us, so the message can name both places.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    };
    let raw: Spanned<Raw> = serde_saphyr::from_str_with_options(src, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        let (line, column) = (line.max(1), column.max(1));
        if let Some(message) = too_large(&e) {
            return SyntaxError {
                line,
                column,
                code: Code::YamlTooLarge,
                message,
            };
        }
        explain(
            src,
            SyntaxError {
                line,
                column,
                code: Code::YamlSyntax,
                message: first_line(&e.to_string()),
            },
        )
    })?;
    let node = convert(src, raw);
    match first_duplicate(&node) {
        Some((dup, first)) => {
            let key = match &dup.kind {
                NodeKind::Scalar(Scalar::Plain(t) | Scalar::Quoted(t)) => t.clone(),
                _ => String::new(),
            };
            Err(SyntaxError {
                line: dup.line,
                column: dup.column,
                code: Code::DuplicateKey,
                message: format!(
                    "duplicate key `{key}`: it is already defined at line {}, column {}",
                    first.line, first.column
                ),
            })
        }
        None => Ok(node),
    }
}

/// The first mapping key (in document order) that repeats an earlier key of its mapping, with
/// that key's first occurrence. Linear: the keys seen so far are a hash map, so a mapping of
/// 100,000 keys costs 100,000 look-ups, not their pairs.
fn first_duplicate(node: &Node) -> Option<(&Node, &Node)> {
    match &node.kind {
        NodeKind::Scalar(_) => None,
        NodeKind::Seq(items) => items.iter().find_map(first_duplicate),
        NodeKind::Map(entries) => {
            let mut seen: std::collections::HashMap<&NodeKind, &Node> =
                std::collections::HashMap::with_capacity(entries.len());
            for (k, v) in entries {
                match seen.entry(&k.kind) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        return Some((k, first.get()));
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(k);
                    }
                }
                if let Some(found) = first_duplicate(v) {
                    return Some(found);
                }
            }
            None
        }
    }
}

/// The parser's resource limits, when the error is one of them (possibly wrapped in where an
/// alias was defined and used).
fn too_large(e: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::Error as E;
    let mut e = e;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = e {
        e = error;
    }
    match e {
        E::Budget { breach, .. } => Some(budget_message(breach)),
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => Some(ALIASES.into()),
        _ => None,
    }
}

const ALIASES: &str = "the document expands to more values than a policy ever needs (YAML aliases that refer to aliases multiply, a so-called billion laughs); write the values out instead of nesting aliases";

/// The parser's resource limits, said for people: a policy never comes near them, so hitting
/// one means aliases that multiply ("billion laughs") or absurd nesting.
fn budget_message(b: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match b {
        B::Depth { depth } => format!(
            "the document nests {depth} levels deep; a policy needs only a few, so shubctl stops reading here"
        ),
        B::Aliases { .. } | B::AliasAnchorRatio { .. } | B::Anchors { .. } => {
            "the document uses more YAML aliases than a policy ever needs (aliases that refer to aliases multiply, a so-called billion laughs); write the values out instead".into()
        }
        B::InputBytes { .. } | B::ScalarBytes { .. } => {
            "the document is larger than a policy file can reasonably be; split it into several files".into()
        }
        _ => ALIASES.into(),
    }
}

/// Makes a few of the parser's messages say what a person did wrong.
fn explain(src: &str, e: SyntaxError) -> SyntaxError {
    let lines: Vec<&str> = src.lines().collect();
    let at = (e.line as usize).saturating_sub(1);
    // An unclosed `[` / `{` on an earlier line surfaces as a confusing error further down.
    if let Some((line, column, ch)) = unclosed_flow(&lines[..at.min(lines.len())]) {
        return SyntaxError {
            line,
            column,
            code: Code::YamlSyntax,
            message: format!("unclosed bracket '{ch}'"),
        };
    }
    if e.message.contains("tabs disallowed")
        && let Some(col) = lines.get(at).and_then(|l| l.find('\t'))
    {
        return SyntaxError {
            column: col as u64 + 1,
            ..e
        };
    }
    if e.message.contains("multiple YAML documents") {
        return SyntaxError {
            message: "a policy file holds one YAML document; put each `---` document in a file of its own".into(),
            ..e
        };
    }
    if e.message.contains("mapping values are not allowed") {
        let indent = |l: &str| l.len() - l.trim_start().len();
        let prev = lines[..at.min(lines.len())]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if let (Some(prev), Some(cur)) = (prev, lines.get(at))
            && indent(cur) > indent(prev)
            && prev
                .trim_end()
                .split_once(": ")
                .is_some_and(|(_, v)| !v.trim().is_empty())
        {
            let key = |l: &str| {
                l.trim()
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("- ")
                    .to_string()
            };
            return SyntaxError {
                line: e.line,
                column: indent(cur) as u64 + 1,
                code: Code::YamlSyntax,
                message: format!(
                    "bad indentation: `{}` is indented more than `{}` on the line above",
                    key(cur),
                    key(prev)
                ),
            };
        }
    }
    e
}

/// A flow collection opened on one of these lines and still open at the end of them, ignoring
/// quoted text and comments.
fn unclosed_flow(lines: &[&str]) -> Option<(u64, u64, char)> {
    let mut stack: Vec<(u64, u64, char)> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for (c, ch) in line.chars().enumerate() {
            match (quote, ch) {
                (Some(q), x) if x == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'')
                    if prev == ' ' || prev == '[' || prev == '{' || prev == ',' || prev == ':' =>
                {
                    quote = Some(ch)
                }
                (None, '#') if prev == ' ' || c == 0 => break,
                (None, '[' | '{') => stack.push((n as u64 + 1, c as u64 + 1, ch)),
                (None, ']' | '}') => {
                    stack.pop();
                }
                _ => {}
            }
            prev = ch;
        }
        // A flow collection may span lines only while the next line continues it; a block
        // key after it means it was never closed.
    }
    stack.first().copied().filter(|_| {
        lines.last().is_some_and(|l| {
            l.trim_end().ends_with(':') || l.contains(": ") || l.trim_start().starts_with("- ")
        })
    })
}

fn first_line(s: &str) -> String {
    // serde-saphyr appends its own location; we print ours in front.
    let line = s.lines().next().unwrap_or(s).trim();
    match line.rfind(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}

fn convert(src: &str, raw: Spanned<Raw>) -> Node {
    let loc = raw.referenced;
    let (line, column) = (loc.line().max(1), loc.column().max(1));
    let kind = match raw.value {
        Raw::Null => NodeKind::Scalar(Scalar::Plain(source_text(src, &loc).unwrap_or_default())),
        Raw::Scalar(parsed) => {
            let text = source_text(src, &loc);
            match text {
                Some(t) if !t.starts_with(['"', '\'', '|', '>']) && !t.starts_with('!') => {
                    NodeKind::Scalar(Scalar::Plain(t))
                }
                // Quoted, block or tagged scalars: the parser's value is the string.
                _ => NodeKind::Scalar(Scalar::Quoted(parsed)),
            }
        }
        Raw::Seq(items) => NodeKind::Seq(items.into_iter().map(|i| convert(src, i)).collect()),
        Raw::Map(entries) => NodeKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| (convert(src, k), convert(src, v)))
                .collect(),
        ),
    };
    Node { kind, line, column }
}

/// The exact source text of a scalar, from the byte span the parser reports.
fn source_text(src: &str, loc: &serde_saphyr::Location) -> Option<String> {
    let span = loc.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    src.get(start..start.checked_add(len)?)
        .map(|s| s.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(n: &Node) -> &Scalar {
        match &n.kind {
            NodeKind::Scalar(s) => s,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn keeps_plain_text_and_positions() {
        let n = parse("a: 012345678901\nb: \"x: y\"\nc: [1, NO]\nd:\n").unwrap();
        let NodeKind::Map(entries) = &n.kind else {
            panic!()
        };
        assert_eq!(scalar(&entries[0].1), &Scalar::Plain("012345678901".into()));
        assert_eq!((entries[0].1.line, entries[0].1.column), (1, 4));
        assert_eq!(scalar(&entries[1].1), &Scalar::Quoted("x: y".into()));
        let NodeKind::Seq(items) = &entries[2].1.kind else {
            panic!()
        };
        assert_eq!(scalar(&items[1]), &Scalar::Plain("NO".into()));
        assert!(entries[3].1.is_null());
        assert_eq!(entries[3].0.line, 4);
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1, "{e:?}");
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e:?}");
        assert_eq!(
            e.message,
            "duplicate key `a`: it is already defined at line 1, column 1"
        );
        let e = parse("r:\n  include: [us-east-1, us-west-2\nhub:\n  enabled: true\n").unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (2, 12, "unclosed bracket '['"),
            "{e:?}"
        );
        let e = parse("r:\n  home: us-east-1\n    include: [a]\n").unwrap_err();
        assert!(
            e.message
                .starts_with("bad indentation: `include` is indented more than `home`"),
            "{e:?}"
        );
    }

    /// The first duplicate in document order, at its own position, naming the first
    /// occurrence: a nested duplicate inside an earlier value comes before a later repeated
    /// key, and in a large mapping the repeat at its end is still found.
    #[test]
    fn the_first_duplicate_is_reported_where_it_is() {
        let e = parse("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\na: 4\n").unwrap_err();
        assert_eq!((e.line, e.column), (5, 3), "{e:?}");
        assert_eq!(
            e.message,
            "duplicate key `x`: it is already defined at line 3, column 3"
        );
        let e = parse("a: 1\n\"a\": 2\nb: 1\nc: 1\nb: 2\nc: 2\n").unwrap_err();
        // `a` and `"a"` are different nodes (plain and quoted), as they always were.
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (
                5,
                1,
                "duplicate key `b`: it is already defined at line 3, column 1"
            )
        );
        let mut big: String = (0..20_000).map(|i| format!("k{i}: x\n")).collect();
        big.push_str("k7: y\nk0: y\n");
        let e = parse(&big).unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (
                20_001,
                1,
                "duplicate key `k7`: it is already defined at line 8, column 1"
            )
        );
    }

    #[test]
    fn empty_and_comment_only_documents_are_null() {
        assert!(parse("").unwrap().is_null());
        assert!(parse("# just a comment\n").unwrap().is_null());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// The hash-map search finds the pair the pairwise search did (the code before it was
        /// made linear, kept here as the reference).
        #[test]
        fn duplicates_found_as_the_pairwise_search_found_them(
            keys in prop::collection::vec((0u8..6, any::<bool>(), 0u8..4), 1..30)
        ) {
            let mut text = String::new();
            for (k, quoted, nested) in &keys {
                let key = if *quoted { format!("\"k{k}\"") } else { format!("k{k}") };
                if *nested == 0 {
                    text.push_str(&format!("{key}:\n  k{k}: 1\n  k{}: 2\n", k % 2));
                } else {
                    text.push_str(&format!("{key}: {nested}\n"));
                }
            }
            fn reference(node: &Node) -> Option<(&Node, &Node)> {
                match &node.kind {
                    NodeKind::Scalar(_) => None,
                    NodeKind::Seq(items) => items.iter().find_map(reference),
                    NodeKind::Map(entries) => {
                        for (i, (k, v)) in entries.iter().enumerate() {
                            if let Some((earlier, _)) =
                                entries[..i].iter().find(|(e, _)| e.kind == k.kind)
                            {
                                return Some((k, earlier));
                            }
                            if let Some(found) = reference(v) {
                                return Some(found);
                            }
                        }
                        None
                    }
                }
            }
            let options = serde_saphyr::options! {
                duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
            };
            let raw: Spanned<Raw> = serde_saphyr::from_str_with_options(&text, options).unwrap();
            let node = convert(&text, raw);
            prop_assert_eq!(first_duplicate(&node), reference(&node));
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }

        /// YAML-shaped noise: indentation, flow collections, quotes, anchors, tags.
        #[test]
        fn never_panics_on_yaml_like_text(parts in prop::collection::vec(prop::sample::select(vec![
            "a: ", "- ", "  ", "\n", "[", "]", "{", "}", ",", "\"", "'", "&x ", "*x ", "!tag ", "? ", ": ",
            "012345678901", "us-east-1", "true", "~", "|\n  ", ">-\n  ", "#c", "\t", "<<: *x", "...", "---",
        ]), 0..40)) {
            let text: String = parts.concat();
            if let Ok(node) = parse(&text) {
                // Whatever parses must also pass through the schema checker without panicking.
                let schema = crate::spec::file::json_schema();
                let mut c = crate::spec::schema_check::Checker::new(&schema, "f.yaml");
                let mut d = crate::spec::diagnostics::Diagnostics::default();
                let _ = c.check(&node, &mut d);
            }
        }
    }
}
