//! The organisation's side of Inspector (API.md §3): the delegated administrator, which only
//! the management account designates, and the administrator's auto-enable settings.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{TYPES, conflict, denied, not_found, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get, get_i64, get_str, is_account_id, object, page};
use crate::world::{AdminOf, World};

const INSPECTOR: AdminOf = AdminOf::Inspector;

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    match w.management_account() {
        Some(m) if m == cx.account => Ok(m.to_string()),
        _ => Err(denied(format!(
            "Account {} is not the management account of an organization.",
            cx.account
        ))),
    }
}

fn admin_id(body: &Value) -> Result<String, ApiError> {
    get_str(body, "delegatedAdminAccountId")
        .filter(|a| is_account_id(a))
        .map(str::to_string)
        .ok_or_else(|| validation("delegatedAdminAccountId must be a 12-digit account ID"))
}

pub fn enable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_id(&i.body)?;
    if !w.in_org(&admin) {
        return Err(validation(format!(
            "Account {admin} is not a member of the organization."
        )));
    }
    if let Some(current) = w.designation(INSPECTOR, &mgmt, &cx.region) {
        return Err(conflict(
            format!("Delegated admin account {current} is already enabled."),
            current,
        ));
    }
    w.designate(INSPECTOR, &mgmt, &cx.region, Some(admin.clone()));
    w.scope(&admin, &cx.region)
        .inspector
        .org
        .get_or_insert_with(BTreeSet::new);
    Ok(json!({ "delegatedAdminAccountId": admin }))
}

pub fn disable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_id(&i.body)?;
    if w.designation(INSPECTOR, &mgmt, &cx.region) != Some(admin.as_str()) {
        return Err(not_found(format!(
            "Account {admin} is not the delegated admin account."
        )));
    }
    w.designate(INSPECTOR, &mgmt, &cx.region, None);
    // Its members become standalone accounts, their scanning untouched.
    let state = &mut w.scope(&admin, &cx.region).inspector;
    state.org = None;
    state.members.clear();
    Ok(json!({ "delegatedAdminAccountId": admin }))
}

pub fn list_admins(w: &mut World, cx: &Cx, i: &Input) -> Res {
    if w.is_admin(INSPECTOR, &cx.region, &cx.account)
        && w.management_account() != Some(cx.account.as_str())
    {
        return Err(validation(format!(
            "Account {} is the delegated admin.",
            cx.account
        )));
    }
    let mgmt = require_management(w, cx)?;
    let all: Vec<Value> = w
        .designation(INSPECTOR, &mgmt, &cx.region)
        .map(|a| json!({ "accountId": a, "status": "ENABLED" }))
        .into_iter()
        .collect();
    let (items, next) = page(
        &all,
        get_str(&i.body, "nextToken"),
        get_i64(&i.body, "maxResults"),
        5,
        cx.cfg.page_size,
        validation,
    )?;
    let mut out = object([("delegatedAdminAccounts", items.into())]);
    if let Some(t) = next {
        out["nextToken"] = Value::String(t);
    }
    Ok(out)
}

pub fn get_admin(w: &mut World, cx: &Cx, _: &Input) -> Res {
    if !w.in_org(&cx.account) {
        return Err(denied(format!(
            "Account {} is not a member of an organization.",
            cx.account
        )));
    }
    let admin = w
        .admin_in(INSPECTOR, &cx.region)
        .ok_or_else(|| not_found("No delegated admin account is enabled."))?;
    Ok(json!({ "delegatedAdmin": { "accountId": admin, "relationshipStatus": "ENABLED" } }))
}

fn require_admin(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if !w.is_admin(INSPECTOR, &cx.region, &cx.account) {
        return Err(denied(format!(
            "Account {} is not the Inspector delegated admin account.",
            cx.account
        )));
    }
    Ok(())
}

fn auto_enable_json(types: &BTreeSet<String>) -> Value {
    let mut m = Map::new();
    for (t, k) in TYPES {
        m.insert(k.into(), Value::Bool(types.contains(t)));
    }
    Value::Object(m)
}

pub fn describe_config(w: &mut World, cx: &Cx, _: &Input) -> Res {
    // AWS's own words for this call (as Terraform and Steampipe match them).
    if !w.is_admin(INSPECTOR, &cx.region, &cx.account) {
        return Err(denied(
            "Invoking account does not have access to describe the organization configuration.",
        ));
    }
    let types = w
        .scope(&cx.account, &cx.region)
        .inspector
        .org
        .get_or_insert_with(BTreeSet::new);
    Ok(json!({ "autoEnable": auto_enable_json(types), "maxAccountLimitReached": false }))
}

pub fn update_config(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx)?;
    let auto = get(&i.body, "autoEnable")
        .filter(|a| a.is_object())
        .ok_or_else(|| validation("autoEnable is required"))?;
    let mut types = BTreeSet::new();
    for (t, k) in TYPES {
        match get(auto, k) {
            Some(Value::Bool(true)) => {
                types.insert(t.to_string());
            }
            Some(Value::Bool(false)) => {}
            None if !matches!(k, "ec2" | "ecr") => {}
            _ => {
                return Err(validation(format!(
                    "autoEnable.{k} is required and must be a boolean"
                )));
            }
        }
    }
    let out = auto_enable_json(&types);
    w.scope(&cx.account, &cx.region).inspector.org = Some(types);
    Ok(object([("autoEnable", out)]))
}
