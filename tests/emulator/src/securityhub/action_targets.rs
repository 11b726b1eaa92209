//! Custom action targets (API.md §1.8): keyed by their Id, which their ARN ends with.

use serde_json::{Value, json};

use super::arn::action_target_arn;
use super::state::ActionTarget;
use super::{conflict, invalid, not_found, own, paged, required_label, required_str, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{Res, get_i64, get_str, get_strs, object};
use crate::world::World;

fn action_target_id(arn: &str, cx: &Cx) -> Option<String> {
    arn.strip_prefix(&action_target_arn(&cx.region, &cx.account, ""))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let name = required_str(body, "Name")?.to_string();
    let description = required_str(body, "Description")?.to_string();
    let id = required_str(body, "Id")?.to_string();
    if id.len() > 20 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(format!(
            "Id `{id}` must be at most 20 alphanumeric characters"
        )));
    }
    if name.chars().count() > 20 {
        return Err(invalid(format!(
            "Name `{name}` must be at most 20 characters"
        )));
    }
    let s = own(w, cx);
    if s.action_targets.contains_key(&id) {
        return Err(conflict(format!(
            "ActionTarget with id {id} already exists"
        )));
    }
    s.action_targets
        .insert(id.clone(), ActionTarget { name, description });
    Ok(json!({ "ActionTargetArn": action_target_arn(&cx.region, &cx.account, &id) }))
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let arn = required_label(i, "ActionTargetArn")?;
    if let Some(n) = get_str(body, "Name")
        && n.chars().count() > 20
    {
        return Err(invalid(format!("Name `{n}` must be at most 20 characters")));
    }
    let id = action_target_id(&arn, cx);
    let s = own(w, cx);
    let t = id
        .and_then(|id| s.action_targets.get_mut(&id))
        .ok_or_else(|| not_found(format!("ActionTarget {arn} not found")))?;
    if let Some(n) = get_str(body, "Name") {
        t.name = n.to_string();
    }
    if let Some(d) = get_str(body, "Description") {
        t.description = d.to_string();
    }
    Ok(json!({}))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = required_label(i, "ActionTargetArn")?;
    let id = action_target_id(&arn, cx);
    let s = own(w, cx);
    id.and_then(|id| s.action_targets.remove(&id))
        .ok_or_else(|| not_found(format!("ActionTarget {arn} not found")))?;
    Ok(json!({ "ActionTargetArn": arn }))
}

pub fn describe(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let arns = get_strs(body, "ActionTargetArns").filter(|a| !a.is_empty());
    let s = own(w, cx);
    let item = |id: &str, t: &ActionTarget| json!({ "ActionTargetArn": action_target_arn(&cx.region, &cx.account, id), "Name": t.name, "Description": t.description });
    let all: Vec<Value> = match &arns {
        None => s.action_targets.iter().map(|(id, t)| item(id, t)).collect(),
        Some(arns) => {
            let mut out = Vec::new();
            for a in arns {
                let id = action_target_id(a, cx).filter(|id| s.action_targets.contains_key(id));
                let id = id.ok_or_else(|| not_found(format!("ActionTarget {a} not found")))?;
                out.push(item(&id, &s.action_targets[&id]));
            }
            out
        }
    };
    let (items, next) = paged(
        &all,
        get_str(body, "NextToken"),
        get_i64(body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(object([("ActionTargets", items.into())]), next))
}
