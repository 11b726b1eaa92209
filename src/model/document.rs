//! JSON documents that AWS stores as text — service control policies and event patterns — in a
//! canonical form, so that two documents that mean the same compare equal whatever their
//! whitespace, key order or list order. Both the policy's side and what AWS returns go through
//! the same function before they are compared.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// An IAM policy document in canonical form: statements sorted, `Action` / `NotAction` /
/// `Resource` / `NotResource` and every condition's values sorted and deduplicated, a list of
/// one written as its single value (IAM reads `"*"` and `["*"]` alike), object keys sorted.
pub fn canonical_policy(doc: &Value) -> Value {
    let Some(obj) = doc.as_object() else {
        return doc.clone();
    };
    sorted_object(obj, |k, v| match k {
        "Statement" => {
            let list = match v {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            let mut stmts: Vec<Value> = list.iter().map(canonical_statement).collect();
            stmts.sort_by_cached_key(|s| s.to_string());
            stmts.dedup();
            Value::Array(stmts)
        }
        _ => v.clone(),
    })
}

fn canonical_statement(s: &Value) -> Value {
    let Some(obj) = s.as_object() else {
        return s.clone();
    };
    sorted_object(obj, |k, v| match k {
        "Action" | "NotAction" | "Resource" | "NotResource" => set(v),
        "Condition" => match v.as_object() {
            Some(ops) => sorted_object(ops, |_, keys| match keys.as_object() {
                Some(keys) => sorted_object(keys, |_, vals| set(vals)),
                None => keys.clone(),
            }),
            None => v.clone(),
        },
        _ => v.clone(),
    })
}

/// A list of strings as a sorted set; one value alone as itself.
fn set(v: &Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut items: Vec<Value> = a.clone();
            items.sort_by_cached_key(|x| x.to_string());
            items.dedup();
            if items.len() == 1 {
                items.pop().expect("one item")
            } else {
                Value::Array(items)
            }
        }
        other => other.clone(),
    }
}

fn sorted_object(m: &Map<String, Value>, f: impl Fn(&str, &Value) -> Value) -> Value {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    Value::Object(keys.into_iter().map(|k| (k.clone(), f(k, &m[k]))).collect())
}

/// An EventBridge event pattern in canonical form: object keys sorted, and lists of plain
/// values (the values a field may take) sorted and deduplicated. Lists holding operators
/// (`{"prefix": …}`) keep their order, as their meaning may depend on it.
pub fn canonical_pattern(p: &Value) -> Value {
    match p {
        Value::Object(m) => sorted_object(m, |_, v| canonical_pattern(v)),
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            let mut items = a.clone();
            items.sort_by_cached_key(|x| x.to_string());
            items.dedup();
            Value::Array(items)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical_pattern).collect()),
        other => other.clone(),
    }
}

/// The actions an IAM policy denies (its `Deny` statements' `Action`s).
pub fn denied_actions(doc: &Value) -> BTreeSet<String> {
    statements(doc)
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Deny"))
        .flat_map(|s| strings(s.get("Action")))
        .collect()
}

/// The principals a policy's `Deny` statements leave out through a negated condition
/// (`ArnNotLike` / `StringNotLike` / `ArnNotEquals` / `StringNotEquals` on the principal's
/// ARN): whom the guardrail does not hold back.
pub fn exempt_principals(doc: &Value) -> BTreeSet<String> {
    const NEGATED: [&str; 4] = [
        "ArnNotLike",
        "ArnNotEquals",
        "StringNotLike",
        "StringNotEquals",
    ];
    statements(doc)
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Deny"))
        .filter_map(|s| s.get("Condition").and_then(Value::as_object))
        .flat_map(|ops| {
            ops.iter()
                .filter(|(op, _)| NEGATED.contains(&op.as_str()))
                .filter_map(|(_, keys)| keys.as_object())
                .flat_map(|keys| {
                    keys.iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case("aws:PrincipalARN"))
                        .flat_map(|(_, v)| strings(Some(v)))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn statements(doc: &Value) -> impl Iterator<Item = &Value> {
    let list: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    list.into_iter()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// The leaf lists of a pattern by path (`detail.findings.Severity.Label`), for telling whether
/// a change of pattern lets fewer events through.
pub fn pattern_leaves(p: &Value) -> Vec<(String, Vec<Value>)> {
    fn walk(v: &Value, path: &str, out: &mut Vec<(String, Vec<Value>)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            Value::Array(a) => out.push((path.to_string(), a.clone())),
            other => out.push((path.to_string(), vec![other.clone()])),
        }
    }
    let mut out = Vec::new();
    walk(p, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn policies_that_mean_the_same_are_equal() {
        let a = json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Deny","Action":["b:X","a:Y"],"Resource":"*",
             "Condition":{"ArnNotLike":{"aws:PrincipalARN":["r2","r1"]}}},
            {"Effect":"Allow","Action":"*","Resource":["*"]}]});
        let b = json!({"Statement":[
            {"Resource":"*","Effect":"Allow","Action":["*"]},
            {"Condition":{"ArnNotLike":{"aws:PrincipalARN":["r1","r2","r1"]}},"Resource":["*"],"Action":["a:Y","b:X"],"Effect":"Deny"}],
            "Version":"2012-10-17"});
        assert_eq!(canonical_policy(&a), canonical_policy(&b));
        // Object key order is part of how the canonical form prints.
        assert_eq!(
            canonical_policy(&a).to_string(),
            canonical_policy(&b).to_string()
        );
        let c = json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["a:Y"],"Resource":"*"}]});
        assert_ne!(canonical_policy(&a), canonical_policy(&c));
        assert_eq!(
            denied_actions(&a).into_iter().collect::<Vec<_>>(),
            ["a:Y", "b:X"]
        );
        assert_eq!(
            exempt_principals(&a).into_iter().collect::<Vec<_>>(),
            ["r1", "r2"]
        );
    }

    #[test]
    fn patterns_sort_values_but_not_operators() {
        let a = json!({"source":["aws.securityhub"],"detail":{"findings":{"Severity":{"Label":["HIGH","CRITICAL"]}}}});
        let b = json!({"detail":{"findings":{"Severity":{"Label":["CRITICAL","HIGH","HIGH"]}}},"source":["aws.securityhub"]});
        assert_eq!(canonical_pattern(&a), canonical_pattern(&b));
        let ops = json!({"x":[{"prefix":"b"},{"prefix":"a"}]});
        assert_eq!(canonical_pattern(&ops), ops);
        assert_eq!(
            pattern_leaves(&canonical_pattern(&a)),
            vec![
                (
                    "detail.findings.Severity.Label".to_string(),
                    vec![json!("CRITICAL"), json!("HIGH")]
                ),
                ("source".to_string(), vec![json!("aws.securityhub")]),
            ]
        );
    }

    fn arb_statement() -> impl Strategy<Value = Value> {
        (
            prop::sample::select(vec!["Allow", "Deny"]),
            prop::collection::vec("[a-c]{1,2}:[A-C][a-z]{0,3}", 1..5),
            prop::collection::vec("arn:aws:iam::\\*:role/[A-Z][a-z]{0,4}", 0..3),
        )
            .prop_map(|(effect, actions, exempt)| {
                let mut s = json!({"Effect": effect, "Action": actions, "Resource": "*"});
                if !exempt.is_empty() {
                    s["Condition"] = json!({"ArnNotLike": {"aws:PrincipalARN": exempt}});
                }
                s
            })
    }

    proptest! {
        #[test]
        fn canonical_policy_is_idempotent_and_ignores_order(
            stmts in prop::collection::vec(arb_statement(), 1..4),
            seed in any::<u64>(),
        ) {
            let doc = json!({"Version": "2012-10-17", "Statement": stmts});
            let once = canonical_policy(&doc);
            prop_assert_eq!(canonical_policy(&once), once.clone());
            // The same statements in another order, with their lists reversed.
            let mut shuffled = stmts.clone();
            let n = shuffled.len();
            shuffled.rotate_left((seed as usize) % n);
            for s in &mut shuffled {
                if let Some(Value::Array(a)) = s.get_mut("Action") {
                    a.reverse();
                }
            }
            let other = json!({"Statement": shuffled, "Version": "2012-10-17"});
            prop_assert_eq!(canonical_policy(&other), once.clone());
            // Through text and back (as AWS stores it) nothing changes.
            let text = serde_json::to_string_pretty(&other).unwrap();
            let back: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(canonical_policy(&back), once);
        }
    }
}
