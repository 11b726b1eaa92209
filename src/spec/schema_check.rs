//! Checks a YAML node tree against the policy's JSON Schema (generated from the policy types)
//! and turns it into JSON, collecting every problem instead of stopping at the first.
//!
//! Scalars are typed by what the schema expects at that place, so YAML's type guessing never
//! changes a value: a plain `012345678901` where a string is expected stays those 12 digits.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

use super::diagnostics::{Code, Diagnostics, Pos, did_you_mean};
use super::yaml::{Node, NodeKind, Scalar, is_null_text};

/// JSON pointer (`/exceptions/0/reason`) to where that value was written.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    pub file: String,
    pub values: BTreeMap<String, (u64, u64)>,
    /// Where the key of an object member was written (for "defined twice" messages).
    pub keys: BTreeMap<String, (u64, u64)>,
}

impl SourceMap {
    /// Position of the value at `pointer`, or of its nearest written ancestor.
    pub fn pos(&self, pointer: &str) -> Pos {
        let mut p = pointer.to_string();
        loop {
            if let Some((line, column)) = self.values.get(&p) {
                return Pos {
                    file: self.file.clone(),
                    line: *line,
                    column: *column,
                };
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => {
                    return Pos {
                        file: self.file.clone(),
                        line: 1,
                        column: 1,
                    };
                }
            }
        }
    }
    /// Position of the key at `pointer` (falls back to the value).
    pub fn key_pos(&self, pointer: &str) -> Pos {
        match self.keys.get(pointer) {
            Some((line, column)) => Pos {
                file: self.file.clone(),
                line: *line,
                column: *column,
            },
            None => self.pos(pointer),
        }
    }
}

pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

pub struct Checker<'a> {
    root: &'a Value,
    file: String,
    pub map: SourceMap,
    /// Some invalid part was left out: the result is usable for further checks only.
    pub partial: bool,
}

impl<'a> Checker<'a> {
    pub fn new(root: &'a Value, file: &str) -> Self {
        Checker {
            root,
            file: file.to_string(),
            map: SourceMap {
                file: file.into(),
                ..Default::default()
            },
            partial: false,
        }
    }

    pub fn check(&mut self, node: &Node, diags: &mut Diagnostics) -> Option<Value> {
        let root = self.root;
        self.walk(node, root, "", diags)
    }

    fn pos(&self, node: &Node) -> Pos {
        node.pos(&self.file)
    }

    fn resolve(&self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        // Bounded: the generated schema has no reference cycles through plain $ref chains.
        for _ in 0..16 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.trim_start_matches("#/$defs/");
                    match self.root.get("$defs").and_then(|d| d.get(name)) {
                        Some(next) => s = next,
                        None => return s,
                    }
                }
                None => return s,
            }
        }
        s
    }

    fn walk(
        &mut self,
        node: &Node,
        schema: &'a Value,
        ptr: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        self.map
            .values
            .insert(ptr.to_string(), (node.line, node.column));
        let schema = self.resolve(schema);
        if schema == &Value::Bool(true)
            || schema
                .as_object()
                .is_some_and(|o| o.is_empty() || only_annotations(o))
        {
            self.record(node, ptr);
            return Some(untyped(node));
        }
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            return self.walk_alternatives(node, branches, ptr, diags);
        }
        if let Some(c) = schema.get("const") {
            return self.walk_enum(node, std::slice::from_ref(c), ptr, diags);
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return self.walk_enum(node, values, ptr, diags);
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return Some(untyped(node)),
        };
        if types.contains(&"null") && node.is_null() {
            return Some(Value::Null);
        }
        match &node.kind {
            NodeKind::Map(entries) if types.contains(&"object") => {
                self.walk_object(node, entries, schema, ptr, diags)
            }
            NodeKind::Seq(items) if types.contains(&"array") => {
                let item_schema = schema.get("items").unwrap_or(&Value::Bool(true));
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                let mut kept = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match self.walk(item, item_schema, &format!("{ptr}/{i}"), diags) {
                        Some(v) => {
                            out.push(v);
                            kept.push(i);
                        }
                        // Dropped, so the rest of the file can still be checked; the error is
                        // already reported.
                        None => ok = false,
                    }
                }
                if !ok {
                    self.partial = true;
                    self.renumber(ptr, &kept);
                }
                Some(Value::Array(out))
            }
            NodeKind::Scalar(s) if !node.is_null() || matches!(s, Scalar::Quoted(_)) => {
                self.walk_scalar(node, s, &types, schema, diags)
            }
            _ => {
                diags.error(
                    &self.pos(node),
                    Code::WrongType,
                    format!("expected {}, found {}", expected(&types), node.describe()),
                );
                None
            }
        }
    }

    /// Positions of everything inside a value the schema leaves open (finding filters), so
    /// later checks can point into it.
    fn record(&mut self, node: &Node, ptr: &str) {
        self.map
            .values
            .insert(ptr.to_string(), (node.line, node.column));
        match &node.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.record(item, &format!("{ptr}/{i}"));
                }
            }
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    if let NodeKind::Scalar(Scalar::Plain(t) | Scalar::Quoted(t)) = &k.kind {
                        let child = format!("{ptr}/{}", escape(t));
                        self.map.keys.insert(child.clone(), (k.line, k.column));
                        self.record(v, &child);
                    }
                }
            }
        }
    }

    /// After items of the list at `ptr` were dropped, moves the recorded positions of the kept
    /// items to their new indices.
    fn renumber(&mut self, ptr: &str, kept: &[usize]) {
        let prefix = format!("{ptr}/");
        for m in [&mut self.map.values, &mut self.map.keys] {
            let moved: Vec<(String, (u64, u64))> = m
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            for (k, _) in &moved {
                m.remove(k);
            }
            for (k, v) in moved {
                let rest = &k[prefix.len()..];
                let (idx, tail) = rest
                    .split_once('/')
                    .map(|(a, b)| (a, format!("/{b}")))
                    .unwrap_or((rest, String::new()));
                if let Some(new) = idx
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| kept.iter().position(|x| *x == i))
                {
                    m.insert(format!("{prefix}{new}{tail}"), v);
                }
            }
        }
    }

    fn walk_scalar(
        &mut self,
        node: &Node,
        s: &Scalar,
        types: &[&str],
        schema: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let (text, plain) = match s {
            Scalar::Plain(t) => (t.as_str(), true),
            Scalar::Quoted(t) => (t.as_str(), false),
        };
        if types.contains(&"string") {
            return Some(Value::String(text.to_string()));
        }
        if plain && types.contains(&"boolean") {
            match text {
                "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
                "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
                _ => {}
            }
        }
        if plain
            && types.contains(&"integer")
            && let Ok(i) = text.replace('_', "").parse::<i64>()
        {
            let min = schema.get("minimum").and_then(Value::as_f64);
            let max = schema.get("maximum").and_then(Value::as_f64);
            if min.is_some_and(|m| (i as f64) < m) || max.is_some_and(|m| (i as f64) > m) {
                diags.error(
                    &self.pos(node),
                    Code::OutOfRange,
                    format!("{i} is out of range{}", range(min, max)),
                );
                return None;
            }
            return Some(Value::Number(i.into()));
        }
        if plain
            && types.contains(&"number")
            && let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64)
        {
            return Some(Value::Number(n));
        }
        diags.error(
            &self.pos(node),
            Code::WrongType,
            format!("expected {}, found `{text}`", expected(types)),
        );
        None
    }

    fn walk_enum(
        &mut self,
        node: &Node,
        values: &[Value],
        _ptr: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        if let NodeKind::Scalar(s) = &node.kind {
            let text = match s {
                Scalar::Plain(t) | Scalar::Quoted(t) => t.as_str(),
            };
            if names.contains(&text) {
                return Some(Value::String(text.to_string()));
            }
            diags.error(
                &self.pos(node),
                Code::UnknownValue,
                format!(
                    "unknown value `{text}`; expected {}{}",
                    one_of(&names),
                    did_you_mean(text, names.iter().copied())
                ),
            );
        } else {
            diags.error(
                &self.pos(node),
                Code::WrongType,
                format!("expected {}, found {}", one_of(&names), node.describe()),
            );
        }
        None
    }

    fn walk_alternatives(
        &mut self,
        node: &Node,
        branches: &'a [Value],
        ptr: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let mut attempts = Vec::new();
        for b in branches {
            let mut scratch = Diagnostics::default();
            let saved = (self.map.clone(), self.partial);
            if let Some(v) = self.walk(node, b, ptr, &mut scratch)
                && !scratch.has_errors()
            {
                return Some(v);
            }
            (self.map, self.partial) = saved;
            attempts.push((b, scratch));
        }
        // Report the branch whose shape matches the node; if several do, the one that got
        // furthest (fewest errors).
        let shaped: Vec<_> = attempts
            .into_iter()
            .filter(|(b, _)| self.shape_matches(node, b))
            .collect();
        if let Some((_, best)) = shaped.into_iter().min_by_key(|(_, d)| d.errors()) {
            diags.items.extend(best.items);
        } else {
            let descr: Vec<String> = branches
                .iter()
                .filter(|b| self.resolve(b).get("type").and_then(Value::as_str) != Some("null"))
                .map(|b| self.describe_schema(b))
                .collect();
            diags.error(
                &self.pos(node),
                Code::WrongType,
                format!("expected {}, found {}", descr.join(" or "), node.describe()),
            );
        }
        None
    }

    fn shape_matches(&self, node: &Node, schema: &'a Value) -> bool {
        let schema = self.resolve(schema);
        if let Some(bs) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            return bs.iter().any(|b| self.shape_matches(node, b));
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return schema.get("enum").is_some() || schema.get("const").is_some(),
        };
        match &node.kind {
            NodeKind::Map(_) => types.contains(&"object"),
            NodeKind::Seq(_) => types.contains(&"array"),
            NodeKind::Scalar(_) => types.iter().any(|t| !matches!(*t, "object" | "array")),
        }
    }

    fn describe_schema(&self, schema: &'a Value) -> String {
        let schema = self.resolve(schema);
        if let Some(vs) = schema.get("enum").and_then(Value::as_array) {
            let names: Vec<&str> = vs.iter().filter_map(Value::as_str).collect();
            return one_of(&names);
        }
        if let Some(c) = schema.get("const").and_then(Value::as_str) {
            return format!("`{c}`");
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => "a list".into(),
            Some("object") => "a mapping".into(),
            Some(t) => format!("a {t}"),
            None => "a value".into(),
        }
    }

    fn walk_object(
        &mut self,
        node: &Node,
        entries: &[(Node, Node)],
        schema: &'a Value,
        ptr: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let props = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let key_names = schema.get("propertyNames").map(|p| self.resolve(p));
        let mut out = Map::new();
        let mut ok = true;
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (k, v) in entries {
            let key = match &k.kind {
                NodeKind::Scalar(Scalar::Plain(t) | Scalar::Quoted(t))
                    if !k.is_null() || matches!(k.kind, NodeKind::Scalar(Scalar::Quoted(_))) =>
                {
                    t.clone()
                }
                _ => {
                    diags.error(
                        &self.pos(k),
                        Code::WrongType,
                        format!("a key must be a plain string, found {}", k.describe()),
                    );
                    ok = false;
                    continue;
                }
            };
            let child = format!("{ptr}/{}", escape(&key));
            self.map.keys.insert(child.clone(), (k.line, k.column));
            let sub = match props.and_then(|p| p.get(&key)) {
                Some(s) => s,
                None => match additional {
                    Some(Value::Bool(false)) | None if props.is_some() => {
                        let known: Vec<&str> = props
                            .map(|p| p.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        diags.error(
                            &self.pos(k),
                            Code::UnknownKey,
                            format!("unknown key `{key}`{}", hint_or_list(&key, &known)),
                        );
                        self.partial = true;
                        continue;
                    }
                    Some(s) => {
                        if let Some(names) = key_names
                            .and_then(|n| n.get("enum"))
                            .and_then(Value::as_array)
                        {
                            let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
                            if !names.contains(&key.as_str()) {
                                diags.error(
                                    &self.pos(k),
                                    Code::UnknownKey,
                                    format!(
                                        "unknown key `{key}`; expected {}{}",
                                        one_of(&names),
                                        did_you_mean(&key, names.iter().copied())
                                    ),
                                );
                                ok = false;
                                continue;
                            }
                        }
                        s
                    }
                    None => &Value::Bool(true),
                },
            };
            match self.walk(v, sub, &child, diags) {
                Some(val) => {
                    out.insert(key, val);
                }
                None => {
                    // Leave an optional member out and keep checking the rest.
                    self.partial = true;
                    if required.contains(&key.as_str()) {
                        ok = false;
                    }
                }
            }
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if !entries.iter().any(|(k, _)| matches!(&k.kind, NodeKind::Scalar(Scalar::Plain(t) | Scalar::Quoted(t)) if t == r)) {
                    diags.error(
                        &self.pos(node),
                        Code::MissingKey,
                        format!("missing required key `{r}`"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Value::Object(out))
    }
}

fn only_annotations(o: &Map<String, Value>) -> bool {
    o.keys().all(|k| {
        matches!(
            k.as_str(),
            "description" | "title" | "default" | "examples" | "$schema"
        )
    })
}

/// A node where the schema allows anything: YAML 1.2 core typing, but numbers with a
/// leading zero stay strings.
fn untyped(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(Scalar::Quoted(t)) => Value::String(t.clone()),
        NodeKind::Scalar(Scalar::Plain(t)) => {
            if is_null_text(t) {
                Value::Null
            } else if matches!(t.as_str(), "true" | "True" | "TRUE") {
                Value::Bool(true)
            } else if matches!(t.as_str(), "false" | "False" | "FALSE") {
                Value::Bool(false)
            } else if t.len() > 1 && t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit()) {
                Value::String(t.clone())
            } else if let Ok(i) = t.parse::<i64>() {
                Value::Number(i.into())
            } else if let Some(n) = t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(Number::from_f64)
            {
                Value::Number(n)
            } else {
                Value::String(t.clone())
            }
        }
        NodeKind::Seq(items) => Value::Array(items.iter().map(untyped).collect()),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.kind {
                        NodeKind::Scalar(Scalar::Plain(t) | Scalar::Quoted(t)) => t.clone(),
                        _ => String::new(),
                    };
                    (key, untyped(v))
                })
                .collect(),
        ),
    }
}

fn expected(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "object" => "a mapping",
            "array" => "a list",
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "`true` or `false`",
            _ => "a value",
        })
        .collect();
    words.join(" or ")
}

fn range(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!(" ({a}–{b})"),
        (Some(a), None) => format!(" (at least {a})"),
        (None, Some(b)) => format!(" (at most {b})"),
        _ => String::new(),
    }
}

pub fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".into(),
        [one] => format!("`{one}`"),
        _ => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

fn hint_or_list(key: &str, known: &[&str]) -> String {
    let hint = did_you_mean(key, known.iter().copied());
    if hint.is_empty() {
        format!("; expected {}", one_of(known))
    } else {
        hint
    }
}
