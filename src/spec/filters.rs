//! Finding filters: the friendly policy syntax, its checks, and the exact
//! `AwsSecurityFindingFilters` JSON the API takes. Used by insights and automation rules.

use serde_json::{Map, Value, json};

use super::diagnostics::{Code, did_you_mean};
use crate::model::finding_fields::{FilterType, RULE_FIELDS, all_fields, field_type};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterUse {
    Insight,
    AutomationRule,
}

pub const MAX_ATTRIBUTES: usize = 10;
pub const MAX_VALUES: usize = 20;

/// One problem, at a JSON pointer relative to the filters mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterProblem {
    pub pointer: String,
    pub code: Code,
    pub message: String,
    /// Point at the key named by `pointer` (a field name) rather than its value.
    pub at_key: bool,
}

const STRING_COMPARISONS: &[(&str, &str)] = &[
    ("equals", "EQUALS"),
    ("prefix", "PREFIX"),
    ("not_equals", "NOT_EQUALS"),
    ("prefix_not_equals", "PREFIX_NOT_EQUALS"),
    ("contains", "CONTAINS"),
    ("not_contains", "NOT_CONTAINS"),
];
const NUMBER_KEYS: &[(&str, &str)] = &[
    ("eq", "Eq"),
    ("gte", "Gte"),
    ("lte", "Lte"),
    ("gt", "Gt"),
    ("lt", "Lt"),
];
const MAP_COMPARISONS: &[(&str, &str)] = &[
    ("equals", "EQUALS"),
    ("not_equals", "NOT_EQUALS"),
    ("contains", "CONTAINS"),
    ("not_contains", "NOT_CONTAINS"),
];

/// Checks the friendly filters and converts them. Returns the canonical filters when there
/// were no problems.
pub fn convert(
    filters: &std::collections::BTreeMap<String, Value>,
    usage: FilterUse,
) -> Result<Value, Vec<FilterProblem>> {
    let mut problems = Vec::new();
    let mut out = Map::new();
    if usage == FilterUse::Insight && filters.len() > MAX_ATTRIBUTES {
        problems.push(FilterProblem {
            pointer: String::new(),
            code: Code::TooManyAttributes,
            message: format!(
                "{} filter attributes; an insight takes at most {MAX_ATTRIBUTES}",
                filters.len()
            ),
            at_key: true,
        });
    }
    for (field, value) in filters {
        let ptr = format!("/{}", super::schema_check::escape(field));
        let Some(ty) = field_type(field) else {
            let hint = did_you_mean(field, all_fields());
            problems.push(FilterProblem {
                pointer: ptr,
                code: Code::UnknownFilterField,
                message: format!("unknown finding filter field `{field}`{hint}"),
                at_key: true,
            });
            continue;
        };
        if usage == FilterUse::AutomationRule && !RULE_FIELDS.contains(&field.as_str()) {
            let message = format!(
                "automation rule criteria cannot use `{field}`{}",
                did_you_mean(field, RULE_FIELDS.iter().copied())
            );
            problems.push(FilterProblem {
                pointer: ptr,
                code: Code::FieldNotInRules,
                message,
                at_key: true,
            });
            continue;
        }
        // A sub-pointer starting with `@` names a key that is itself wrong.
        let mut problem = |sub: &str, code: Code, message: String| {
            let (sub, at_key) = match sub.strip_prefix('@') {
                Some(rest) => (rest, true),
                None => (sub, false),
            };
            problems.push(FilterProblem {
                pointer: format!("{ptr}{sub}"),
                code,
                message,
                at_key,
            })
        };
        let converted = match ty {
            FilterType::String => string_filter(field, value, &mut problem),
            FilterType::Number => number_filter(value, &mut problem),
            FilterType::Date => date_filter(value, &mut problem),
            FilterType::Map => map_filter(value, &mut problem),
            FilterType::Ip => ip_filter(value, &mut problem),
            FilterType::Boolean | FilterType::Keyword => scalar_filter(ty, value, &mut problem),
        };
        if let Some(entries) = converted {
            if entries.len() > MAX_VALUES {
                problem(
                    "",
                    Code::TooManyValues,
                    format!(
                        "`{field}` has {} values; at most {MAX_VALUES} are allowed",
                        entries.len()
                    ),
                );
            }
            out.insert(field.clone(), Value::Array(entries));
        }
    }
    if problems.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(problems)
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list_of_scalars(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => scalar_text(other).map(|s| vec![s]),
    }
}

fn string_filter(
    field: &str,
    value: &Value,
    problem: &mut impl FnMut(&str, Code, String),
) -> Option<Vec<Value>> {
    let mut entries: Vec<(String, &str)> = Vec::new();
    let mut bad_key = false;
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                let Some((_, aws)) = STRING_COMPARISONS.iter().find(|(n, _)| n == k) else {
                    bad_key = true;
                    let names: Vec<&str> = STRING_COMPARISONS.iter().map(|(n, _)| *n).collect();
                    problem(
                        &format!("@/{k}"),
                        Code::BadFilter,
                        format!(
                            "unknown comparison `{k}` for a string filter; expected {}{}",
                            super::schema_check::one_of(&names),
                            did_you_mean(k, names.iter().copied())
                        ),
                    );
                    continue;
                };
                match list_of_scalars(v) {
                    Some(vals) => entries.extend(vals.into_iter().map(|s| (s, *aws))),
                    None => problem(
                        &format!("/{k}"),
                        Code::BadFilter,
                        "expected a value or a list of values".into(),
                    ),
                }
            }
        }
        other => match list_of_scalars(other) {
            Some(vals) => entries.extend(vals.into_iter().map(|s| (s, "EQUALS"))),
            None => {
                problem(
                    "",
                    Code::BadFilter,
                    "expected a value, a list of values, or a mapping of comparisons".into(),
                );
                return None;
            }
        },
    }
    let has = |c: &str| entries.iter().any(|(_, x)| *x == c);
    if has("EQUALS") && (has("NOT_EQUALS") || has("PREFIX_NOT_EQUALS")) {
        problem(
            "",
            Code::ConflictingComparisons,
            format!(
                "`{field}` mixes `equals` with `not_equals`/`prefix_not_equals`, which Security Hub rejects; use `prefix` with exclusions, or only one kind"
            ),
        );
    }
    if has("CONTAINS") && has("NOT_CONTAINS") {
        problem(
            "",
            Code::ConflictingComparisons,
            format!("`{field}` mixes `contains` with `not_contains`, which Security Hub rejects"),
        );
    }
    if entries.is_empty() && !bad_key {
        problem("", Code::BadFilter, format!("`{field}` has no values"));
    }
    Some(
        entries
            .into_iter()
            .map(|(v, c)| json!({"Comparison": c, "Value": v}))
            .collect(),
    )
}

fn number_filter(
    value: &Value,
    problem: &mut impl FnMut(&str, Code, String),
) -> Option<Vec<Value>> {
    let one =
        |v: &Value, sub: &str, problem: &mut dyn FnMut(&str, Code, String)| -> Option<Value> {
            match v {
                Value::Number(n) => Some(json!({"Eq": n})),
                Value::Object(m) => {
                    let mut out = Map::new();
                    for (k, x) in m {
                        match (NUMBER_KEYS.iter().find(|(n, _)| n == k), x) {
                            (Some((_, aws)), Value::Number(n)) => {
                                out.insert(aws.to_string(), Value::Number(n.clone()));
                            }
                            (Some(_), _) => problem(
                                &format!("{sub}/{k}"),
                                Code::BadFilter,
                                "expected a number".into(),
                            ),
                            (None, _) => {
                                let names: Vec<&str> =
                                    NUMBER_KEYS.iter().map(|(n, _)| *n).collect();
                                problem(
                                    &format!("@{sub}/{k}"),
                                    Code::BadFilter,
                                    format!(
                                        "unknown comparison `{k}` for a number filter; expected {}",
                                        super::schema_check::one_of(&names)
                                    ),
                                );
                            }
                        }
                    }
                    if m.is_empty() {
                        problem(
                            sub,
                            Code::BadFilter,
                            "a number filter needs at least one of `eq`, `gte`, `lte`, `gt`, `lt`"
                                .into(),
                        );
                    }
                    Some(Value::Object(out))
                }
                _ => {
                    problem(
                        sub,
                        Code::BadFilter,
                        "expected a number or a mapping like `{ gte: 40 }`".into(),
                    );
                    None
                }
            }
        };
    match value {
        Value::Array(items) => Some(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| one(v, &format!("/{i}"), problem))
                .collect(),
        ),
        v => one(v, "", problem).map(|x| vec![x]),
    }
}

fn date_filter(value: &Value, problem: &mut impl FnMut(&str, Code, String)) -> Option<Vec<Value>> {
    let Value::Object(m) = value else {
        problem(
            "",
            Code::BadFilter,
            "expected `{ within_days: N }`, `{ older_than_days: N }` or `{ start: ..., end: ... }`"
                .into(),
        );
        return None;
    };
    let mut out = Map::new();
    for (k, v) in m {
        match k.as_str() {
            "within_days" | "older_than_days" => match v.as_u64() {
                Some(n) if n > 0 => {
                    let mut range = json!({"Unit": "DAYS", "Value": n});
                    if k == "older_than_days" {
                        range["Comparison"] = json!("OLDER_THAN");
                    }
                    out.insert("DateRange".into(), range);
                }
                _ => problem(
                    &format!("/{k}"),
                    Code::BadFilter,
                    "expected a positive whole number of days".into(),
                ),
            },
            "start" | "end" => match v.as_str() {
                Some(s)
                    if chrono::DateTime::parse_from_rfc3339(s).is_ok()
                        || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() =>
                {
                    out.insert(if k == "start" { "Start" } else { "End" }.into(), json!(s));
                }
                _ => problem(
                    &format!("/{k}"),
                    Code::BadFilter,
                    "expected a date (YYYY-MM-DD) or an RFC 3339 timestamp".into(),
                ),
            },
            other => problem(
                &format!("@/{other}"),
                Code::BadFilter,
                format!(
                    "unknown key `{other}` in a date filter; expected `within_days`, `older_than_days`, `start` or `end`"
                ),
            ),
        }
    }
    if out.contains_key("DateRange") && (out.contains_key("Start") || out.contains_key("End")) {
        problem(
            "",
            Code::BadFilter,
            "a date filter takes either a range in days or start/end, not both".into(),
        );
    }
    Some(vec![Value::Object(out)])
}

fn map_filter(value: &Value, problem: &mut impl FnMut(&str, Code, String)) -> Option<Vec<Value>> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        v => vec![v],
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let sub = if matches!(value, Value::Array(_)) {
            format!("/{i}")
        } else {
            String::new()
        };
        let Some(m) = item.as_object() else {
            problem(
                &sub,
                Code::BadFilter,
                "expected `{ key: ..., equals: ... }`".into(),
            );
            continue;
        };
        let Some(key) = m.get("key").and_then(scalar_text) else {
            problem(&sub, Code::BadFilter, "a map filter needs `key`".into());
            continue;
        };
        for (k, v) in m.iter().filter(|(k, _)| *k != "key") {
            match (MAP_COMPARISONS.iter().find(|(n, _)| n == k), scalar_text(v)) {
                (Some((_, aws)), Some(val)) => {
                    out.push(json!({"Comparison": aws, "Key": key, "Value": val}))
                }
                (Some(_), None) => problem(
                    &format!("{sub}/{k}"),
                    Code::BadFilter,
                    "expected a single value".into(),
                ),
                (None, _) => problem(
                    &format!("@{sub}/{k}"),
                    Code::BadFilter,
                    format!(
                        "unknown key `{k}` in a map filter; expected `key` and one of `equals`, `not_equals`, `contains`, `not_contains`"
                    ),
                ),
            }
        }
    }
    Some(out)
}

fn ip_filter(value: &Value, problem: &mut impl FnMut(&str, Code, String)) -> Option<Vec<Value>> {
    let Some(cidrs) = list_of_scalars(value) else {
        problem(
            "",
            Code::BadFilter,
            "expected a CIDR or a list of CIDRs".into(),
        );
        return None;
    };
    for (i, c) in cidrs.iter().enumerate() {
        let ok = c.split_once('/').is_some_and(|(ip, bits)| {
            let max = if ip.contains(':') { 128 } else { 32 };
            ip.parse::<std::net::IpAddr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= max)
        });
        if !ok {
            let sub = if value.is_array() {
                format!("/{i}")
            } else {
                String::new()
            };
            problem(
                &sub,
                Code::BadFilter,
                format!("`{c}` is not a CIDR block (like 10.0.0.0/8)"),
            );
        }
    }
    Some(cidrs.into_iter().map(|c| json!({"Cidr": c})).collect())
}

fn scalar_filter(
    ty: FilterType,
    value: &Value,
    problem: &mut impl FnMut(&str, Code, String),
) -> Option<Vec<Value>> {
    match (ty, value) {
        (FilterType::Boolean, Value::Bool(b)) => Some(vec![json!({"Value": b})]),
        (FilterType::Boolean, _) => {
            problem("", Code::BadFilter, "expected `true` or `false`".into());
            None
        }
        (_, v) => {
            list_of_scalars(v).map(|vals| vals.into_iter().map(|s| json!({"Value": s})).collect())
        }
    }
}

/// The inverse of [`convert`]: filters as the API holds them, written in the policy's syntax.
/// Returns None when the policy syntax cannot say the same thing (an order of comparisons it
/// cannot reproduce, a shape it has no form for); callers then leave the item out and say why.
/// The result converts back to exactly `canonical`, which is checked here.
pub fn friendly(
    canonical: &Value,
    usage: FilterUse,
) -> Option<std::collections::BTreeMap<String, Value>> {
    let mut out = std::collections::BTreeMap::new();
    for (field, entries) in canonical.as_object()? {
        let entries = entries.as_array()?;
        let v = match field_type(field)? {
            FilterType::String => friendly_string(entries)?,
            FilterType::Number => friendly_number(entries)?,
            FilterType::Date => friendly_date(entries)?,
            FilterType::Map => friendly_map(entries)?,
            FilterType::Ip => one_or_list(
                entries
                    .iter()
                    .map(|e| e.get("Cidr").cloned())
                    .collect::<Option<Vec<_>>>()?,
            )?,
            FilterType::Boolean => match entries.as_slice() {
                [e] => e.get("Value").filter(|v| v.is_boolean())?.clone(),
                _ => return None,
            },
            FilterType::Keyword => one_or_list(
                entries
                    .iter()
                    .map(|e| e.get("Value").filter(|v| v.is_string()).cloned())
                    .collect::<Option<Vec<_>>>()?,
            )?,
        };
        out.insert(field.clone(), v);
    }
    // Whatever the syntax cannot say exactly is refused, not approximated.
    (convert(&out, usage).ok()? == *canonical).then_some(out)
}

fn one_or_list(mut values: Vec<Value>) -> Option<Value> {
    match values.len() {
        0 => None,
        1 => values.pop(),
        _ => Some(Value::Array(values)),
    }
}

fn friendly_string(entries: &[Value]) -> Option<Value> {
    // Comparisons grouped in order of first appearance; `convert` reads them back in that order.
    let mut groups: Vec<(&str, Vec<Value>)> = Vec::new();
    for e in entries {
        let cmp = e.get("Comparison")?.as_str()?;
        let value = e.get("Value").filter(|v| v.is_string())?.clone();
        let (name, _) = STRING_COMPARISONS.iter().find(|(_, aws)| *aws == cmp)?;
        match groups.iter_mut().find(|(n, _)| n == name) {
            Some((_, vals)) => vals.push(value),
            None => groups.push((name, vec![value])),
        }
    }
    match groups.as_slice() {
        [("equals", _)] => one_or_list(groups.pop()?.1),
        _ => {
            let mut m = Map::new();
            for (name, vals) in groups {
                m.insert(name.to_string(), one_or_list(vals)?);
            }
            Some(Value::Object(m))
        }
    }
}

fn friendly_number(entries: &[Value]) -> Option<Value> {
    let items = entries
        .iter()
        .map(|e| {
            let o = e.as_object()?;
            if o.len() == 1
                && let Some(n) = o.get("Eq")
            {
                return Some(n.clone());
            }
            let mut m = Map::new();
            for (k, v) in o {
                let (name, _) = NUMBER_KEYS.iter().find(|(_, aws)| aws == k)?;
                m.insert(name.to_string(), v.clone());
            }
            Some(Value::Object(m))
        })
        .collect::<Option<Vec<_>>>()?;
    one_or_list(items)
}

fn friendly_date(entries: &[Value]) -> Option<Value> {
    let [e] = entries else { return None };
    let mut m = Map::new();
    for (k, v) in e.as_object()? {
        match k.as_str() {
            "DateRange" => {
                if v.get("Unit")? != "DAYS" {
                    return None;
                }
                let key = match v.get("Comparison").and_then(Value::as_str) {
                    None => "within_days",
                    Some("OLDER_THAN") => "older_than_days",
                    Some(_) => return None,
                };
                m.insert(key.into(), v.get("Value")?.clone());
            }
            "Start" => {
                m.insert("start".into(), v.clone());
            }
            "End" => {
                m.insert("end".into(), v.clone());
            }
            _ => return None,
        }
    }
    Some(Value::Object(m))
}

fn friendly_map(entries: &[Value]) -> Option<Value> {
    let items = entries
        .iter()
        .map(|e| {
            let cmp = e.get("Comparison")?.as_str()?;
            let (name, _) = MAP_COMPARISONS.iter().find(|(_, aws)| *aws == cmp)?;
            let mut m = Map::new();
            m.insert("key".into(), e.get("Key")?.clone());
            m.insert(name.to_string(), e.get("Value")?.clone());
            Some(Value::Object(m))
        })
        .collect::<Option<Vec<_>>>()?;
    one_or_list(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn f(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn bare_value_means_equals_and_lists_are_or() {
        let out = convert(
            &f(&[
                ("SeverityLabel", json!(["CRITICAL", "HIGH"])),
                ("RecordState", json!("ACTIVE")),
            ]),
            FilterUse::Insight,
        )
        .unwrap();
        assert_eq!(
            out["SeverityLabel"][1],
            json!({"Comparison": "EQUALS", "Value": "HIGH"})
        );
        assert_eq!(out["RecordState"][0]["Comparison"], "EQUALS");
    }

    #[test]
    fn typed_filters_convert() {
        let out = convert(
            &f(&[
                ("Confidence", json!({"gte": 40})),
                ("UpdatedAt", json!({"within_days": 7})),
                ("ResourceTags", json!({"key": "env", "equals": "prod"})),
                ("NetworkSourceIpV4", json!("10.0.0.0/8")),
                ("Sample", json!(false)),
            ]),
            FilterUse::Insight,
        )
        .unwrap();
        assert_eq!(out["Confidence"][0], json!({"Gte": 40}));
        assert_eq!(out["UpdatedAt"][0]["DateRange"]["Unit"], "DAYS");
        assert_eq!(out["ResourceTags"][0]["Key"], "env");
        assert_eq!(out["NetworkSourceIpV4"][0]["Cidr"], "10.0.0.0/8");
    }

    #[test]
    fn rejects_forbidden_mixes_unknown_fields_and_too_many() {
        let e = convert(
            &f(&[("Title", json!({"equals": "a", "not_equals": "b"}))]),
            FilterUse::Insight,
        )
        .unwrap_err();
        assert!(e[0].message.contains("mixes `equals`"), "{e:?}");
        let e = convert(&f(&[("SeverityLable", json!("HIGH"))]), FilterUse::Insight).unwrap_err();
        assert!(
            e[0].message.contains("did you mean `SeverityLabel`"),
            "{e:?}"
        );
        let many: Vec<Value> = (0..21).map(|i| json!(format!("v{i}"))).collect();
        let e = convert(&f(&[("Title", Value::Array(many))]), FilterUse::Insight).unwrap_err();
        assert!(e[0].message.contains("at most 20"), "{e:?}");
        let eleven: Vec<(&str, Value)> = crate::model::finding_fields::group_by_attributes()[..11]
            .iter()
            .map(|n| (*n, json!("x")))
            .collect();
        let e = convert(&f(&eleven), FilterUse::Insight).unwrap_err();
        assert!(e[0].message.contains("at most 10"), "{e:?}");
        let e = convert(&f(&[("Sample", json!(true))]), FilterUse::AutomationRule).unwrap_err();
        assert!(e[0].message.contains("cannot use `Sample`"), "{e:?}");
    }

    #[test]
    fn friendly_is_the_inverse_of_convert() {
        let written = f(&[
            ("SeverityLabel", json!(["CRITICAL", "HIGH"])),
            ("Title", json!({"prefix": "S3", "not_equals": ["S3 test"]})),
            ("Confidence", json!({"gte": 70})),
            ("Criticality", json!(50)),
            ("UpdatedAt", json!({"older_than_days": 7})),
            (
                "ResourceTags",
                json!([{"key": "env", "equals": "prod"}, {"key": "team", "not_equals": "x"}]),
            ),
            ("NetworkSourceIpV4", json!(["10.0.0.0/8", "192.168.0.0/16"])),
            ("Sample", json!(false)),
        ]);
        let canonical = convert(&written, FilterUse::Insight).unwrap();
        let back = friendly(&canonical, FilterUse::Insight).expect("expressible");
        assert_eq!(convert(&back, FilterUse::Insight).unwrap(), canonical);
        assert_eq!(back["SeverityLabel"], json!(["CRITICAL", "HIGH"]));
        assert_eq!(back["Criticality"], json!(50));
        // An order of comparisons the syntax cannot reproduce is refused, not approximated.
        let interleaved = json!({"Title": [
            {"Comparison": "EQUALS", "Value": "a"},
            {"Comparison": "PREFIX", "Value": "b"},
            {"Comparison": "EQUALS", "Value": "c"}
        ]});
        assert_eq!(friendly(&interleaved, FilterUse::Insight), None);
        assert_eq!(friendly(&json!({"Nope": []}), FilterUse::Insight), None);
    }
}
