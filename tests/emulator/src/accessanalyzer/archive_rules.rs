//! Archive rules (API.md §5): by name inside their analyzer, at most 100.

use serde_json::{Value, json};

use super::state::ArchiveRule;
use super::{
    RULE, analyzer, analyzer_name, conflict, not_found, paged, quota, valid_name, validation,
    with_token,
};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{self, ApiError, Res, get_str, iso_now, object};
use crate::world::World;

/// The `{ruleName}` label.
fn rule_name<'a>(i: &'a Input) -> &'a str {
    i.label(1).unwrap_or("")
}

fn rule_missing(rule: &str) -> ApiError {
    not_found(format!("Archive rule {rule} not found."), rule, RULE)
}

/// The archive-rule filter: `{key: {eq?, neq?, contains?, exists?}}`, value lists of 1–20.
pub(super) fn check_filter(body: &Value) -> Result<Value, ApiError> {
    let filter = util::get(body, "filter")
        .and_then(Value::as_object)
        .ok_or_else(|| validation("filter is required"))?;
    for (key, criterion) in filter {
        let c = criterion
            .as_object()
            .ok_or_else(|| validation(format!("filter.{key} must be an object")))?;
        if c.is_empty() {
            return Err(validation(format!(
                "filter.{key} needs one of eq, neq, contains, exists"
            )));
        }
        for (op, v) in c {
            match (op.as_str(), v) {
                ("eq" | "neq" | "contains", Value::Array(a))
                    if (1..=20).contains(&a.len()) && a.iter().all(Value::is_string) => {}
                ("exists", Value::Bool(_)) => {}
                _ => return Err(validation(format!("filter.{key}.{op} is not valid"))),
            }
        }
    }
    Ok(Value::Object(filter.clone()))
}

fn rule_json(name: &str, r: &ArchiveRule) -> Value {
    json!({ "ruleName": name, "filter": r.filter, "createdAt": r.created_at, "updatedAt": r.updated_at })
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let rule = get_str(&i.body, "ruleName")
        .filter(|n| valid_name(n))
        .ok_or_else(|| validation("ruleName is required and must be valid"))?
        .to_string();
    let filter = check_filter(&i.body)?;
    let a = analyzer(w, cx, analyzer_name(i))?;
    if a.rules.contains_key(&rule) {
        return Err(conflict(
            format!("Archive rule {rule} already exists."),
            &rule,
            RULE,
        ));
    }
    if a.rules.len() >= 100 {
        return Err(quota(
            "An analyzer has at most 100 archive rules.",
            &rule,
            RULE,
        ));
    }
    let now = iso_now();
    a.rules.insert(
        rule,
        ArchiveRule {
            filter,
            created_at: now.clone(),
            updated_at: now,
        },
    );
    Ok(json!({}))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let a = analyzer(w, cx, analyzer_name(i))?;
    let all: Vec<Value> = a.rules.iter().map(|(n, r)| rule_json(n, r)).collect();
    let (items, next) = paged(&all, i, cx)?;
    Ok(with_token(object([("archiveRules", items.into())]), next))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let rule = rule_name(i);
    let r = analyzer(w, cx, analyzer_name(i))?
        .rules
        .get(rule)
        .ok_or_else(|| rule_missing(rule))?;
    Ok(json!({ "archiveRule": rule_json(rule, r) }))
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let rule = rule_name(i);
    let filter = check_filter(&i.body)?;
    let r = analyzer(w, cx, analyzer_name(i))?
        .rules
        .get_mut(rule)
        .ok_or_else(|| rule_missing(rule))?;
    r.filter = filter;
    r.updated_at = iso_now();
    Ok(json!({}))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let rule = rule_name(i);
    analyzer(w, cx, analyzer_name(i))?
        .rules
        .remove(rule)
        .ok_or_else(|| rule_missing(rule))?;
    Ok(json!({}))
}
