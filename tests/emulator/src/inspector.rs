//! Inspector2 over restJson1 (aws-api.md §3): everything is POST; Enable is asynchronous
//! (ENABLING for `Config::inspector_delay`, then ENABLED) and reports failures per account.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::http::{Cx, Request};
use crate::util::{ApiError, Res, get, get_i64, get_str, get_strs, is_account_id, page};
use crate::world::*;

/// Resource type → its member in `resourceStatus` / `resourceState` / `autoEnable`.
const TYPES: [(&str, &str); 4] = [
    ("EC2", "ec2"),
    ("ECR", "ecr"),
    ("LAMBDA", "lambda"),
    ("LAMBDA_CODE", "lambdaCode"),
];

pub fn route(method: &str, path: &str) -> Option<(&'static str, Vec<String>)> {
    if method != "POST" {
        return None;
    }
    let op = match path {
        "/enable" => "Enable",
        "/disable" => "Disable",
        "/status/batch/get" => "BatchGetAccountStatus",
        "/delegatedadminaccounts/enable" => "EnableDelegatedAdminAccount",
        "/delegatedadminaccounts/disable" => "DisableDelegatedAdminAccount",
        "/delegatedadminaccounts/list" => "ListDelegatedAdminAccounts",
        "/delegatedadminaccounts/get" => "GetDelegatedAdminAccount",
        "/organizationconfiguration/describe" => "DescribeOrganizationConfiguration",
        "/organizationconfiguration/update" => "UpdateOrganizationConfiguration",
        _ => return None,
    };
    Some((op, Vec::new()))
}

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m).with("reason", "FIELD_VALIDATION_FAILED")
}
fn denied(m: impl Into<String>) -> ApiError {
    ApiError::new(403, "AccessDeniedException", m)
}
fn conflict(m: impl Into<String>, id: &str) -> ApiError {
    ApiError::new(409, "ConflictException", m)
        .with("resourceId", id)
        .with("resourceType", "DelegatedAdminAccount")
}
fn not_found(m: impl Into<String>) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", m)
}

pub fn handle(w: &mut World, cx: &Cx, op: &str, req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| validation(format!("The request body is not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(validation("The request body must be a JSON object"));
    }
    match op {
        "Enable" => enable(w, cx, &body),
        "Disable" => disable(w, cx, &body),
        "BatchGetAccountStatus" => batch_get_status(w, cx, &body),
        "EnableDelegatedAdminAccount" => enable_admin(w, cx, &body),
        "DisableDelegatedAdminAccount" => disable_admin(w, cx, &body),
        "ListDelegatedAdminAccounts" => list_admins(w, cx, &body),
        "GetDelegatedAdminAccount" => get_admin(w, cx),
        "DescribeOrganizationConfiguration" => describe_org(w, cx),
        "UpdateOrganizationConfiguration" => update_org(w, cx, &body),
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("{other} is not emulated"),
        )),
    }
}

// ---- accounts -----------------------------------------------------------------------------

/// `accountIds` (≤100, default the caller), each one the caller may act for or not.
fn targets(w: &World, cx: &Cx, body: &Value) -> Result<Vec<(String, bool)>, ApiError> {
    let ids = match get(body, "accountIds") {
        None => vec![cx.account.clone()],
        Some(_) => get_strs(body, "accountIds")
            .ok_or_else(|| validation("accountIds must be a list of strings"))?,
    };
    if ids.len() > 100 {
        return Err(validation(format!(
            "accountIds must have at most 100 items, got {}",
            ids.len()
        )));
    }
    if let Some(bad) = ids.iter().find(|a| !is_account_id(a)) {
        return Err(validation(format!("{bad} is not a valid account ID")));
    }
    // The delegated administrator acts for the organisation's accounts.
    let admin =
        w.service_admin_in(INSPECTOR_ID, &cx.region).as_deref() == Some(cx.account.as_str());
    Ok(ids
        .into_iter()
        .map(|a| {
            let ok = a == cx.account || (admin && w.in_org(&a));
            (a, ok)
        })
        .collect())
}

fn resource_types(body: &Value, required: bool) -> Result<Vec<String>, ApiError> {
    let Some(list) = get_strs(body, "resourceTypes") else {
        return if required {
            Err(validation("resourceTypes is required"))
        } else {
            Ok(TYPES.iter().map(|(t, _)| t.to_string()).collect())
        };
    };
    if (required && list.is_empty()) || list.len() > 6 {
        return Err(validation(format!(
            "resourceTypes must have between 1 and 6 items, got {}",
            list.len()
        )));
    }
    if let Some(bad) = list.iter().find(|t| !TYPES.iter().any(|(n, _)| n == t)) {
        return Err(validation(format!("Resource type {bad} is not supported")));
    }
    Ok(list)
}

fn account_status(i: Option<&Inspector>, cx: &Cx) -> &'static str {
    i.map(|i| i.status(cx.now)).unwrap_or("DISABLED")
}

/// `{ec2: "ENABLED", ...}` (ResourceStatus) or `{ec2: {status: "ENABLED"}, ...}` (ResourceState).
fn per_type(i: Option<&Inspector>, cx: &Cx, nested: bool) -> Value {
    let mut m = Map::new();
    for (t, k) in TYPES {
        let s = i.map(|i| i.type_status(t, cx.now)).unwrap_or("DISABLED");
        m.insert(
            k.into(),
            if nested {
                json!({ "status": s })
            } else {
                json!(s)
            },
        );
    }
    Value::Object(m)
}

fn failed(w: &mut World, cx: &Cx, account: &str, code: &str, msg: String) -> Value {
    let i = w.scope(account, &cx.region).inspector.as_ref();
    json!({
        "accountId": account,
        "status": account_status(i, cx),
        "resourceStatus": per_type(i, cx, false),
        "errorCode": code,
        "errorMessage": msg,
    })
}

fn change(w: &mut World, cx: &Cx, body: &Value, enable: bool) -> Res {
    let types = resource_types(body, enable)?;
    let mut accounts = Vec::new();
    let mut failed_accounts = Vec::new();
    for (account, allowed) in targets(w, cx, body)? {
        if !allowed {
            let msg = format!(
                "Account {} is not allowed to act for account {account}",
                cx.account
            );
            failed_accounts.push(failed(w, cx, &account, "ACCESS_DENIED", msg));
            continue;
        }
        if cx.cfg.fail_inspector_accounts.contains(&account) {
            failed_accounts.push(failed(
                w,
                cx,
                &account,
                "INTERNAL_ERROR",
                "Internal error (injected)".into(),
            ));
            continue;
        }
        let scope = w.scope(&account, &cx.region);
        if enable {
            let ready = cx.now + cx.cfg.inspector_delay;
            let i = scope.inspector.get_or_insert_with(Inspector::default);
            for t in &types {
                i.types.entry(t.clone()).or_insert(ready);
            }
        } else if let Some(i) = scope.inspector.as_mut() {
            for t in &types {
                i.types.remove(t);
            }
            if i.types.is_empty() {
                scope.inspector = None;
            }
        }
        let i = scope.inspector.as_ref();
        accounts.push(json!({ "accountId": account, "status": account_status(i, cx), "resourceStatus": per_type(i, cx, false) }));
    }
    Ok(json!({ "accounts": accounts, "failedAccounts": failed_accounts }))
}

fn enable(w: &mut World, cx: &Cx, body: &Value) -> Res {
    change(w, cx, body, true)
}

fn disable(w: &mut World, cx: &Cx, body: &Value) -> Res {
    change(w, cx, body, false)
}

fn batch_get_status(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mut accounts = Vec::new();
    let mut failed_accounts = Vec::new();
    for (account, allowed) in targets(w, cx, body)? {
        if !allowed {
            let msg = format!(
                "Account {} is not allowed to read account {account}",
                cx.account
            );
            failed_accounts.push(failed(w, cx, &account, "ACCESS_DENIED", msg));
            continue;
        }
        let i = w.scope(&account, &cx.region).inspector.as_ref();
        accounts.push(json!({
            "accountId": account,
            "state": { "status": account_status(i, cx) },
            "resourceState": per_type(i, cx, true),
        }));
    }
    Ok(json!({ "accounts": accounts, "failedAccounts": failed_accounts }))
}

// ---- organisation -------------------------------------------------------------------------

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    match w.management_account() {
        Some(m) if m == cx.account => Ok(m),
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

fn enable_admin(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_id(body)?;
    if !w.in_org(&admin) {
        return Err(validation(format!(
            "Account {admin} is not a member of the organization."
        )));
    }
    if let Some(current) = w.scope(&mgmt, &cx.region).service_admins.get(INSPECTOR_ID) {
        return Err(conflict(
            format!("Delegated admin account {current} is already enabled."),
            current,
        ));
    }
    w.scope(&mgmt, &cx.region)
        .service_admins
        .insert(INSPECTOR_ID.into(), admin.clone());
    w.scope(&admin, &cx.region)
        .inspector_org
        .get_or_insert_with(BTreeSet::new);
    Ok(json!({ "delegatedAdminAccountId": admin }))
}

fn disable_admin(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_id(body)?;
    if w.scope(&mgmt, &cx.region).service_admins.get(INSPECTOR_ID) != Some(&admin) {
        return Err(not_found(format!(
            "Account {admin} is not the delegated admin account."
        )));
    }
    w.scope(&mgmt, &cx.region)
        .service_admins
        .remove(INSPECTOR_ID);
    w.scope(&admin, &cx.region).inspector_org = None;
    Ok(json!({ "delegatedAdminAccountId": admin }))
}

fn list_admins(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let current = w.service_admin_in(INSPECTOR_ID, &cx.region);
    if current.as_deref() == Some(cx.account.as_str())
        && w.management_account().as_deref() != Some(cx.account.as_str())
    {
        return Err(validation(format!(
            "Account {} is the delegated admin.",
            cx.account
        )));
    }
    let mgmt = require_management(w, cx)?;
    let all: Vec<Value> = w
        .scope(&mgmt, &cx.region)
        .service_admins
        .get(INSPECTOR_ID)
        .map(|a| json!({ "accountId": a, "status": "ENABLED" }))
        .into_iter()
        .collect();
    let (items, next) = page(
        &all,
        get_str(body, "nextToken"),
        get_i64(body, "maxResults"),
        5,
        cx.cfg.page_size,
        validation,
    )?;
    let mut out = json!({ "delegatedAdminAccounts": items });
    if let Some(t) = next {
        out["nextToken"] = Value::String(t);
    }
    Ok(out)
}

fn get_admin(w: &mut World, cx: &Cx) -> Res {
    if !w.in_org(&cx.account) {
        return Err(denied(format!(
            "Account {} is not a member of an organization.",
            cx.account
        )));
    }
    let admin = w
        .service_admin_in(INSPECTOR_ID, &cx.region)
        .ok_or_else(|| not_found("No delegated admin account is enabled."))?;
    Ok(json!({ "delegatedAdmin": { "accountId": admin, "relationshipStatus": "ENABLED" } }))
}

fn require_admin(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if w.service_admin_in(INSPECTOR_ID, &cx.region).as_deref() != Some(cx.account.as_str()) {
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

fn describe_org(w: &mut World, cx: &Cx) -> Res {
    require_admin(w, cx)?;
    let types = w
        .scope(&cx.account, &cx.region)
        .inspector_org
        .get_or_insert_with(BTreeSet::new);
    Ok(json!({ "autoEnable": auto_enable_json(types), "maxAccountLimitReached": false }))
}

fn update_org(w: &mut World, cx: &Cx, body: &Value) -> Res {
    require_admin(w, cx)?;
    let auto = get(body, "autoEnable")
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
    w.scope(&cx.account, &cx.region).inspector_org = Some(types);
    Ok(json!({ "autoEnable": out }))
}
