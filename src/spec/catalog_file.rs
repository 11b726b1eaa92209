//! A catalog file (`--catalog FILE`, `SHUBCTL_CATALOG`): `data/catalog.json`'s format, as
//! `shubctl catalog --refresh` writes it. Checked whole before anything uses it, every problem
//! reported with the file, line and column of the value at fault.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::model::catalog::{Catalog, ControlDef, ParameterType};
use crate::spec::diagnostics::{Code, Diagnostics, Pos};

/// Reads and checks a catalog file. None when it has errors (they are in `d`).
pub fn load(path: &Path, d: &mut Diagnostics) -> Option<Catalog> {
    let file = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            d.error(
                &Pos::file(&file),
                Code::CatalogSyntax,
                format!("cannot read the catalog file: {e}"),
            );
            return None;
        }
    };
    let Ok(src) = String::from_utf8(bytes) else {
        d.error(
            &Pos::file(&file),
            Code::CatalogSyntax,
            "the catalog file is not UTF-8 text",
        );
        return None;
    };
    parse(&src, &file, d)
}

/// Checks catalog text read from `file`.
pub fn parse(src: &str, file: &str, d: &mut Diagnostics) -> Option<Catalog> {
    let catalog: Catalog = match serde_json::from_str(src) {
        Ok(c) => c,
        Err(e) => {
            let message = e.to_string();
            // serde_json appends " at line L column C"; the position is given in front.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            let pos = Pos {
                file: file.to_string(),
                line: (e.line() as u64).max(1),
                column: (e.column() as u64).max(1),
            };
            d.error(
                &pos,
                Code::CatalogSyntax,
                format!("not a catalog in data/catalog.json's format: {message}"),
            );
            return None;
        }
    };
    let errors = d.errors();
    // One locator for every problem: a file of 20,000 duplicated controls is scanned once, not
    // once per problem.
    let mut locator = Locator::new(src);
    let mut bad = |path: &[Seg], message: String| {
        let (line, column) = locator.locate(path).unwrap_or((1, 1));
        let pos = Pos {
            file: file.to_string(),
            line,
            column,
        };
        d.error(&pos, Code::CatalogContent, message);
    };
    for key in ["source", "retrieved"] {
        let v = if key == "source" {
            &catalog.source
        } else {
            &catalog.retrieved
        };
        if v.trim().is_empty() {
            bad(
                &[Seg::Key(key)],
                format!("`{key}` is empty: a catalog says where it comes from and when"),
            );
        }
    }
    let mut standards = BTreeSet::new();
    for (i, s) in catalog.standards.iter().enumerate() {
        if !standards.insert(s.id.as_str()) {
            bad(
                &[Seg::Key("standards"), Seg::Index(i), Seg::Key("id")],
                format!("standard `{}` is defined twice", s.id),
            );
        }
        if !(s.arn.starts_with("standards/") || s.arn.starts_with("ruleset/")) {
            bad(
                &[Seg::Key("standards"), Seg::Index(i), Seg::Key("arn")],
                format!(
                    "`{}` is not the resource part of a standard's ARN (`standards/…` or `ruleset/…`)",
                    s.arn
                ),
            );
        }
    }
    if catalog.controls.is_empty() {
        bad(
            &[Seg::Key("controls")],
            "the catalog has no controls".into(),
        );
    }
    let mut ids = BTreeSet::new();
    for (i, c) in catalog.controls.iter().enumerate() {
        check_control(i, c, &standards, &mut ids, &mut bad);
        check_parameters(i, c, &mut bad);
    }
    if d.errors() > errors {
        return None;
    }
    let mut catalog = catalog.indexed();
    catalog.file = Some(file.to_string());
    Some(catalog)
}

/// What a problem of the catalog is reported with: the JSON path to it, and the message.
type Bad<'b> = dyn FnMut(&[Seg<'_>], String) + 'b;

/// A control's ID (well formed, listed once) and the standards it names (defined).
fn check_control<'c>(
    i: usize,
    c: &'c ControlDef,
    standards: &BTreeSet<&str>,
    ids: &mut BTreeSet<&'c str>,
    bad: &mut Bad<'_>,
) {
    let well_formed =
        c.id.split_once('.')
            .is_some_and(|(svc, n)| !svc.is_empty() && n.parse::<u32>().is_ok());
    if !well_formed {
        bad(
            &control_path(i, &[Seg::Key("id")]),
            format!(
                "`{}` is not a security-control ID (`SERVICE.N`, e.g. `IAM.6`)",
                c.id
            ),
        );
    } else if !ids.insert(c.id.as_str()) {
        bad(
            &control_path(i, &[Seg::Key("id")]),
            format!("control `{}` is listed twice", c.id),
        );
    }
    for (j, s) in c.standards.iter().enumerate() {
        if !standards.contains(s.as_str()) {
            bad(
                &control_path(i, &[Seg::Key("standards"), Seg::Index(j)]),
                format!(
                    "`{}` names standard `{s}`, which `standards` does not define",
                    c.id
                ),
            );
        }
    }
    for s in c.legacy_ids.keys() {
        if !standards.contains(s.as_str()) {
            bad(
                &control_path(i, &[Seg::Key("legacy_ids"), Seg::Key(s)]),
                format!(
                    "`{}` has a legacy ID in standard `{s}`, which `standards` does not define",
                    c.id
                ),
            );
        }
    }
}

/// A control's parameter definitions: a range that allows something, allowed values only for
/// enumerations and not empty, a default the definition itself accepts.
fn check_parameters(i: usize, c: &ControlDef, bad: &mut Bad<'_>) {
    for (name, p) in &c.parameters {
        let at = |field: &'static str| {
            control_path(
                i,
                &[Seg::Key("parameters"), Seg::Key(name), Seg::Key(field)],
            )
        };
        if let (Some(min), Some(max)) = (
            p.min.as_ref().and_then(|n| n.as_f64()),
            p.max.as_ref().and_then(|n| n.as_f64()),
        ) && min > max
        {
            bad(
                &at("min"),
                format!(
                    "`{}` parameter `{name}`: min {min} is above max {max}: no value is allowed",
                    c.id
                ),
            );
        }
        if matches!(p.value_type, ParameterType::Enum | ParameterType::EnumList)
            && p.allowed_values.as_ref().is_some_and(Vec::is_empty)
        {
            bad(
                &at("allowed_values"),
                format!(
                    "`{}` parameter `{name}`: an empty list of allowed values allows nothing (leave it out when AWS publishes none)",
                    c.id
                ),
            );
        }
        if p.allowed_values.is_some()
            && !matches!(p.value_type, ParameterType::Enum | ParameterType::EnumList)
        {
            bad(
                &control_path(
                    i,
                    &[
                        Seg::Key("parameters"),
                        Seg::Key(name),
                        Seg::Key("allowed_values"),
                    ],
                ),
                format!(
                    "`{}` parameter `{name}`: allowed values are for Enum and EnumList parameters, not {}",
                    c.id,
                    p.value_type.as_str()
                ),
            );
        } else if let Some(default) = &p.default
            && let Err(why) = p.check(default)
        {
            bad(
                &control_path(
                    i,
                    &[Seg::Key("parameters"), Seg::Key(name), Seg::Key("default")],
                ),
                format!(
                    "`{}` parameter `{name}`: its own definition refuses the default: {why}",
                    c.id
                ),
            );
        }
    }
}

fn control_path<'a>(i: usize, rest: &[Seg<'a>]) -> Vec<Seg<'a>> {
    let mut p = vec![Seg::Key("controls"), Seg::Index(i)];
    p.extend_from_slice(rest);
    p
}

/// One step of a path into a JSON document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// The line and column (1-based, in characters) where the value at `path` starts in the JSON
/// text `src`. None when the path is not there or the text is not JSON.
pub fn locate(src: &str, path: &[Seg]) -> Option<(u64, u64)> {
    Locator::new(src).locate(path)
}

/// Bytes between two character-count checkpoints.
const STRIDE: usize = 256;

/// [`locate`] for many paths into one text, in time linear in the text: each object or array
/// on a path is scanned once (the offsets of its members kept for the next path), and offsets
/// become line and column through tables built once, not by counting from the start.
pub struct Locator<'s> {
    src: &'s str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// Characters before every `STRIDE`th byte.
    chars_before: Vec<usize>,
    /// Object start → its keys' value offsets (the first of a repeated key, as a reader that
    /// stops at the first match finds).
    objects: HashMap<usize, Option<HashMap<String, usize>>>,
    /// Array start → its items' offsets.
    arrays: HashMap<usize, Option<Vec<usize>>>,
}

impl<'s> Locator<'s> {
    pub fn new(src: &'s str) -> Self {
        let b = src.as_bytes();
        let mut line_starts = vec![0];
        let mut chars_before = Vec::with_capacity(b.len() / STRIDE + 1);
        let mut chars = 0;
        for (i, &c) in b.iter().enumerate() {
            if i % STRIDE == 0 {
                chars_before.push(chars);
            }
            if c == b'\n' {
                line_starts.push(i + 1);
            }
            // A character starts at every byte that is not a UTF-8 continuation byte.
            chars += usize::from(c & 0xC0 != 0x80);
        }
        if b.len().is_multiple_of(STRIDE) {
            chars_before.push(chars);
        }
        Locator {
            src,
            line_starts,
            chars_before,
            objects: HashMap::new(),
            arrays: HashMap::new(),
        }
    }

    pub fn locate(&mut self, path: &[Seg]) -> Option<(u64, u64)> {
        let src: &'s str = self.src;
        let b = src.as_bytes();
        let mut i = ws(b, 0);
        for seg in path {
            i = match (seg, b.get(i)?) {
                (Seg::Key(want), b'{') => {
                    let found = self.objects.entry(i).or_insert_with(|| members(src, i));
                    *found.as_ref()?.get(*want)?
                }
                (Seg::Index(n), b'[') => {
                    let found = self.arrays.entry(i).or_insert_with(|| items(b, i));
                    *found.as_ref()?.get(*n)?
                }
                _ => return None,
            };
        }
        let line = self.line_starts.partition_point(|&s| s <= i);
        let start = self.line_starts[line - 1];
        let column = self.chars_to(i) - self.chars_to(start);
        Some((line as u64, column as u64 + 1))
    }

    /// Characters before byte offset `i`.
    fn chars_to(&self, i: usize) -> usize {
        let base = (i / STRIDE) * STRIDE;
        let before = self.chars_before.get(i / STRIDE).copied().unwrap_or(0);
        before
            + self.src.as_bytes()[base..i]
                .iter()
                .filter(|&&c| c & 0xC0 != 0x80)
                .count()
    }
}

/// The members of the object starting at `i`: key → offset of its value. None when it is not
/// well-formed JSON as far as the scan needs.
fn members(src: &str, i: usize) -> Option<HashMap<String, usize>> {
    let b = src.as_bytes();
    let mut out = HashMap::new();
    let mut i = ws(b, i + 1);
    if b.get(i)? == &b'}' {
        return Some(out);
    }
    loop {
        if b.get(i)? != &b'"' {
            return None;
        }
        let end = string_end(b, i)?;
        let key: String = serde_json::from_str(&src[i..end]).ok()?;
        i = ws(b, end);
        if b.get(i)? != &b':' {
            return None;
        }
        i = ws(b, i + 1);
        out.entry(key).or_insert(i);
        i = ws(b, value_end(b, i)?);
        match b.get(i)? {
            b',' => i = ws(b, i + 1),
            b'}' => return Some(out),
            _ => return None,
        }
    }
}

/// The offsets of the items of the array starting at `i`.
fn items(b: &[u8], i: usize) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    let mut i = ws(b, i + 1);
    if b.get(i)? == &b']' {
        return Some(out);
    }
    loop {
        out.push(i);
        i = ws(b, value_end(b, i)?);
        match b.get(i)? {
            b',' => i = ws(b, i + 1),
            b']' => return Some(out),
            _ => return None,
        }
    }
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// Just past the closing quote of the string starting at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// Just past the value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::standard_arn;
    use crate::model::live_catalog::{LiveControl, LiveDefinitions};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn problems(src: &str) -> Vec<String> {
        let mut d = Diagnostics::default();
        assert!(parse(src, "cat.json", &mut d).is_none());
        d.sorted().iter().map(ToString::to_string).collect()
    }

    const GOOD: &str = r#"{
  "source": "test",
  "retrieved": "2026-11-30",
  "standards": [
    { "id": "fsbp/1.0.0", "name": "FSBP", "arn": "standards/aws-foundational-security-best-practices/v/1.0.0" }
  ],
  "controls": [
    { "id": "IAM.6", "title": "Root MFA", "standards": ["fsbp/1.0.0"] },
    { "id": "EC2.9001", "title": "Newer", "standards": ["fsbp/1.0.0"],
      "parameters": { "days": { "type": "Integer", "min": 1, "max": 9, "default": 3 } } }
  ]
}"#;

    #[test]
    fn the_built_in_catalog_is_a_good_catalog_file() {
        let mut d = Diagnostics::default();
        let c = parse(
            include_str!("../../data/catalog.json"),
            "data/catalog.json",
            &mut d,
        )
        .expect("parses");
        assert!(d.items.is_empty(), "{:?}", d.items);
        assert_eq!(c.file.as_deref(), Some("data/catalog.json"));
        assert!(c.control("IAM.6").is_some());
    }

    #[test]
    fn unreadable_files_are_refused_at_their_start() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let mut d = Diagnostics::default();
        assert!(load(&missing, &mut d).is_none());
        let shown = d.sorted()[0].to_string();
        assert!(
            shown.starts_with(&format!(
                "{}:1:1: error[SH020]: cannot read the catalog file:",
                missing.display()
            )),
            "{shown}"
        );
        let latin1 = dir.path().join("latin1.json");
        std::fs::write(&latin1, b"{\"source\": \"caf\xe9\"}").unwrap();
        let mut d = Diagnostics::default();
        assert!(load(&latin1, &mut d).is_none());
        assert!(
            d.sorted()[0]
                .to_string()
                .ends_with("error[SH020]: the catalog file is not UTF-8 text")
        );
        let mut d = Diagnostics::default();
        assert!(parse("", "empty.json", &mut d).is_none());
        assert_eq!(d.items[0].code, Code::CatalogSyntax);
    }

    #[test]
    fn a_good_file_loads_with_its_controls() {
        let mut d = Diagnostics::default();
        let c = parse(GOOD, "cat.json", &mut d).unwrap();
        assert_eq!(c.control("EC2.9001").unwrap().standards, ["fsbp/1.0.0"]);
        assert!(d.items.is_empty());
    }

    #[test]
    fn syntax_errors_have_their_line_and_column() {
        let src = GOOD.replace(r#""title": "Root MFA","#, r#""title": "Root MFA""#);
        assert_eq!(
            problems(&src),
            [
                "cat.json:8:42: error[SH020]: not a catalog in data/catalog.json's format: expected `,` or `}`"
            ]
        );
        let src = GOOD.replace(r#""type": "Integer""#, r#""type": "Integr""#);
        let p = problems(&src);
        assert!(
            p[0].starts_with("cat.json:10:48: error[SH020]: not a catalog in data/catalog.json's format: unknown variant `Integr`"),
            "{p:?}"
        );
    }

    #[test]
    fn content_errors_point_at_the_value() {
        let src = GOOD
            .replace(r#""id": "EC2.9001""#, r#""id": "IAM.6""#)
            .replace(
                r#""standards": ["fsbp/1.0.0"] },"#,
                r#""standards": ["fsbp/1.0.0", "cis/9"] },"#,
            )
            .replace(r#""default": 3"#, r#""default": 30"#);
        assert_eq!(
            problems(&src),
            [
                "cat.json:8:71: error[SH021]: `IAM.6` names standard `cis/9`, which `standards` does not define",
                "cat.json:9:13: error[SH021]: control `IAM.6` is listed twice",
                "cat.json:10:83: error[SH021]: `IAM.6` parameter `days`: its own definition refuses the default: 30 is outside 1–9",
            ]
        );
        let src = GOOD.replace(r#""id": "IAM.6""#, r#""id": "iam-6""#);
        assert_eq!(
            problems(&src),
            [
                "cat.json:8:13: error[SH021]: `iam-6` is not a security-control ID (`SERVICE.N`, e.g. `IAM.6`)"
            ]
        );
    }

    /// Thousands of problems, each still at its own line and column (the locator is shared
    /// between them, and the first of two equal controls is the one kept).
    #[test]
    fn many_problems_keep_their_positions() {
        let n = 3_000;
        let mut controls: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"    {{ "id": "Gen.{i}", "title": "é{i}", "standards": ["fsbp/1.0.0"] }}"#
                )
            })
            .collect();
        controls.extend(controls.clone());
        let src = format!(
            "{{\n  \"source\": \"test\",\n  \"retrieved\": \"2026-11-30\",\n  \"standards\": [\n    {{ \"id\": \"fsbp/1.0.0\", \"name\": \"FSBP\", \"arn\": \"standards/aws-foundational-security-best-practices/v/1.0.0\" }}\n  ],\n  \"controls\": [\n{}\n  ]\n}}",
            controls.join(",\n")
        );
        let mut p = problems(&src);
        // The controls start on line 8; the second copy of control i is on line 8 + n + i.
        let mut want: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "cat.json:{}:13: error[SH021]: control `Gen.{i}` is listed twice",
                    8 + n + i
                )
            })
            .collect();
        p.sort();
        want.sort();
        assert_eq!(p, want);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            "[a-z\"\\\\é{}\\[\\], ]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-z\"{},é]{0,4}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Every path into a document, with the value there.
    fn paths(v: &Value, at: Vec<Seg<'static>>, out: &mut Vec<(Vec<Seg<'static>>, Value)>) {
        out.push((at.clone(), v.clone()));
        match v {
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    let mut p = at.clone();
                    p.push(Seg::Index(i));
                    paths(x, p, out);
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    let mut p = at.clone();
                    p.push(Seg::Key(Box::leak(k.clone().into_boxed_str())));
                    paths(x, p, out);
                }
            }
            _ => {}
        }
    }

    /// AWS's answer for the built-in catalog in a region, less the controls at `drop`, plus
    /// `new` controls (ID, indexes of the standards they belong to).
    fn live(drop: &[usize], new: &[(String, Vec<usize>)]) -> LiveDefinitions {
        let c = crate::model::catalog::built_in();
        let arn = |s: &str| standard_arn(c.standard(s).unwrap(), "eu-west-1");
        let mut controls: Vec<LiveControl> = c
            .controls
            .iter()
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(_, d)| LiveControl {
                id: d.id.clone(),
                title: d.title.clone(),
                offered: true,
                parameters: d.parameters.clone(),
                standards: d.standards.iter().map(|s| arn(s)).collect(),
            })
            .collect();
        for (id, stds) in new {
            controls.push(LiveControl {
                id: id.clone(),
                title: format!("{id} title"),
                offered: true,
                parameters: Default::default(),
                standards: stds
                    .iter()
                    .map(|i| arn(&c.standards[i % c.standards.len()].id))
                    .collect(),
            });
        }
        LiveDefinitions {
            region: "eu-west-1".into(),
            standards: c
                .standards
                .iter()
                .map(|s| (arn(&s.id), s.name.clone()))
                .collect(),
            controls,
            members_read: c.standards.iter().map(|s| arn(&s.id)).collect(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever AWS answers, the refreshed catalog written as `catalog --refresh` writes it
        /// is a valid catalog file that reads back as the same catalog.
        #[test]
        fn refreshed_catalogs_are_valid_catalog_files(
            drop in prop::collection::vec(0usize..600, 0..20),
            new in prop::collection::vec(
                ("(EC2|S3|Newsvc)\\.9[0-9]{3}", prop::collection::vec(0usize..10, 0..3)),
                0..5,
            ),
        ) {
            let (cat, _) = crate::model::catalog::built_in().refreshed(&live(&drop, &new), "2026-11-30");
            let text = serde_json::to_string_pretty(&cat).unwrap();
            let mut d = Diagnostics::default();
            let back = parse(&text, "refreshed.json", &mut d);
            prop_assert!(d.items.is_empty(), "{:?}", d.items);
            let back = back.unwrap();
            prop_assert_eq!(
                serde_json::to_value(&back.controls).unwrap(),
                serde_json::to_value(&cat.controls).unwrap()
            );
            for (id, _) in &new {
                prop_assert!(back.control(id).is_some());
            }
        }
    }

    proptest! {
        /// In compact and pretty layouts alike, every path locates the text of its own value.
        #[test]
        fn locate_finds_every_value(v in json_value(), pretty in any::<bool>()) {
            let src = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
            let mut all = Vec::new();
            paths(&v, vec![], &mut all);
            let lines: Vec<&str> = src.split('\n').collect();
            // One locator for every path, as `parse` uses it, finds what a fresh one does.
            let mut shared = Locator::new(&src);
            for (path, want) in all {
                let (line, col) = locate(&src, &path).expect("found");
                prop_assert_eq!(shared.locate(&path), Some((line, col)));
                let rest: String = lines[line as usize - 1].chars().skip(col as usize - 1).collect();
                let rest = rest + "\n" + &lines[line as usize..].join("\n");
                let mut de = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
                let got = de.next().expect("a value").expect("parses");
                prop_assert_eq!(got, want);
            }
        }
    }
}
