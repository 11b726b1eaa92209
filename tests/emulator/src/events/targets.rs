//! A rule's targets (API.md §14.1): PutTargets adds or replaces by id, at most 5 per rule;
//! RemoveTargets reports ids it does not know in `FailedEntries`.

use serde_json::{Value, json};

use super::{check_name, managed_rule, no_rule, rule_name, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_arr, get_bool, get_i64, get_str, page_iter};
use crate::world::World;

/// Targets a rule may have.
const MAX_TARGETS: usize = 5;
/// Entries per request, as the model bounds the lists.
const MAX_ENTRIES: usize = 100;
/// Placeholders EventBridge fills in itself.
const PREDEFINED: [&str; 5] = [
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
];

/// A target as PutTargets checks it, before anything changes.
fn check(n: usize, t: &Value) -> Result<String, ApiError> {
    let id = get_str(t, "Id").unwrap_or_default();
    check_name(id, &format!("targets.{n}.member.id"))?;
    let arn = get_str(t, "Arn").unwrap_or_default();
    if arn.is_empty() || arn.len() > 1600 {
        return Err(super::constraint(
            arn,
            &format!("targets.{n}.member.arn"),
            "Member must have length between 1 and 1600",
        ));
    }
    let inputs = ["Input", "InputPath", "InputTransformer"]
        .iter()
        .filter(|k| t.get(**k).is_some_and(|v| !v.is_null()))
        .count();
    if inputs > 1 {
        return Err(validation(format!(
            "Only one of Input, InputPath, or InputTransformer must be provided for target {id}."
        )));
    }
    if let Some(x) = t.get("InputTransformer").filter(|x| !x.is_null()) {
        let template = get_str(x, "InputTemplate").unwrap_or_default();
        if template.is_empty() || template.chars().count() > 8192 {
            return Err(validation(format!(
                "InputTemplate for target {id} must be 1 to 8192 characters."
            )));
        }
        let paths = x.get("InputPathsMap").and_then(Value::as_object);
        if paths.is_some_and(|p| p.len() > 100) {
            return Err(validation(format!(
                "InputPathsMap for target {id} has more than 100 entries."
            )));
        }
        if let Some(bad) = placeholders(template)
            .into_iter()
            .find(|p| !PREDEFINED.contains(p) && !paths.is_some_and(|m| m.contains_key(*p)))
        {
            return Err(validation(format!(
                "InputTemplate for target {id} contains invalid placeholder {bad}."
            )));
        }
    }
    if let Some(input) = get_str(t, "Input")
        && serde_json::from_str::<Value>(input).is_err()
    {
        return Err(validation(format!(
            "Input for target {id} is not valid JSON."
        )));
    }
    Ok(id.to_string())
}

fn placeholders(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else { break };
        let name = &after[..end];
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        {
            out.push(name);
        }
        rest = &after[end..];
    }
    out
}

pub fn put(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = rule_name(i, "Rule")?.to_string();
    let targets = get_arr(&i.body, "Targets").cloned().unwrap_or_default();
    if targets.is_empty() || targets.len() > MAX_ENTRIES {
        return Err(super::constraint(
            "[…]",
            "targets",
            "Member must have length between 1 and 100",
        ));
    }
    let ids = targets
        .iter()
        .enumerate()
        .map(|(n, t)| check(n + 1, t))
        .collect::<Result<Vec<String>, ApiError>>()?;
    let s = &mut w.scope(&cx.account, &cx.region).events;
    let r = s.rules.get_mut(&name).ok_or_else(|| no_rule(&name))?;
    if r.managed_by.is_some() {
        return Err(managed_rule(&name));
    }
    let mut after: std::collections::BTreeSet<&String> = r.targets.keys().collect();
    after.extend(ids.iter());
    if after.len() > MAX_TARGETS {
        return Err(ApiError::new(
            400,
            "LimitExceededException",
            "The requested resource exceeds the maximum number allowed.",
        ));
    }
    for (id, t) in ids.into_iter().zip(targets) {
        r.targets.insert(id, t);
    }
    Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
}

pub fn remove(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = rule_name(i, "Rule")?.to_string();
    let ids: Vec<String> = get_arr(&i.body, "Ids")
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() || ids.len() > MAX_ENTRIES {
        return Err(super::constraint(
            "[…]",
            "ids",
            "Member must have length between 1 and 100",
        ));
    }
    let force = get_bool(&i.body, "Force").unwrap_or(false);
    let s = &mut w.scope(&cx.account, &cx.region).events;
    let r = s.rules.get_mut(&name).ok_or_else(|| no_rule(&name))?;
    if r.managed_by.is_some() && !force {
        return Err(managed_rule(&name));
    }
    // [unverified] AWS's answer for an id the rule does not have; LocalStack's, here.
    let mut failed = Vec::new();
    for id in ids {
        if r.targets.remove(&id).is_none() {
            failed.push(json!({
                "TargetId": id,
                "ErrorCode": "ResourceNotFoundException",
                "ErrorMessage": format!("Target {id} does not exist on rule {name}."),
            }));
        }
    }
    Ok(json!({ "FailedEntryCount": failed.len(), "FailedEntries": failed }))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = rule_name(i, "Rule")?.to_string();
    let s = &w.scope(&cx.account, &cx.region).events;
    let r = s.rules.get(&name).ok_or_else(|| no_rule(&name))?;
    let (page, next) = page_iter(
        r.targets.values(),
        get_str(&i.body, "NextToken"),
        get_i64(&i.body, "Limit"),
        100,
        cx.cfg.page_size,
        validation,
    )?;
    let mut out = json!({ "Targets": page.into_iter().cloned().collect::<Vec<_>>() });
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}
