//! Macie2 over restJson1 (aws-api.md §4): camelCase; "Macie is off" answers 401
//! `AccessDeniedException` "Macie is not enabled."; EnableMacie twice is a 409.

use serde_json::{Value, json};

use crate::http::{Cx, Request};
use crate::util::{ApiError, Res, get, get_bool, get_str, is_account_id, iso_now, page};
use crate::world::*;

const FREQUENCIES: [&str; 3] = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"];

pub fn route(method: &str, path: &str) -> Option<(&'static str, Vec<String>)> {
    let op = match (method, path) {
        ("POST", "/macie") => "EnableMacie",
        ("GET", "/macie") => "GetMacieSession",
        ("PATCH", "/macie") => "UpdateMacieSession",
        ("DELETE", "/macie") => "DisableMacie",
        ("POST", "/admin") => "EnableOrganizationAdminAccount",
        ("GET", "/admin") => "ListOrganizationAdminAccounts",
        ("DELETE", "/admin") => "DisableOrganizationAdminAccount",
        ("GET", "/admin/configuration") => "DescribeOrganizationConfiguration",
        ("PATCH", "/admin/configuration") => "UpdateOrganizationConfiguration",
        _ => return None,
    };
    Some((op, Vec::new()))
}

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m)
}
/// Observed with 401 although the model says 403.
fn not_enabled() -> ApiError {
    ApiError::new(401, "AccessDeniedException", "Macie is not enabled.")
}
fn denied(m: impl Into<String>) -> ApiError {
    ApiError::new(403, "AccessDeniedException", m)
}
fn conflict(m: impl Into<String>) -> ApiError {
    ApiError::new(409, "ConflictException", m)
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
    // Everything but enabling and designating the administrator needs Macie on.
    let exempt = matches!(
        op,
        "EnableMacie"
            | "EnableOrganizationAdminAccount"
            | "ListOrganizationAdminAccounts"
            | "DisableOrganizationAdminAccount"
    );
    if !exempt && w.scope(&cx.account, &cx.region).macie.is_none() {
        return Err(not_enabled());
    }
    match op {
        "EnableMacie" => enable(w, cx, &body),
        "GetMacieSession" => get_session(w, cx),
        "UpdateMacieSession" => update(w, cx, &body),
        "DisableMacie" => {
            w.scope(&cx.account, &cx.region).macie = None;
            Ok(json!({}))
        }
        "EnableOrganizationAdminAccount" => enable_admin(w, cx, &body),
        "ListOrganizationAdminAccounts" => list_admins(w, cx, req),
        "DisableOrganizationAdminAccount" => disable_admin(w, cx, req),
        "DescribeOrganizationConfiguration" => {
            require_admin(w, cx)?;
            let auto = *w
                .scope(&cx.account, &cx.region)
                .macie_org
                .get_or_insert(false);
            Ok(json!({ "autoEnable": auto, "maxAccountLimitReached": false }))
        }
        "UpdateOrganizationConfiguration" => {
            require_admin(w, cx)?;
            let auto = get_bool(&body, "autoEnable")
                .ok_or_else(|| validation("autoEnable is required"))?;
            w.scope(&cx.account, &cx.region).macie_org = Some(auto);
            Ok(json!({}))
        }
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("{other} is not emulated"),
        )),
    }
}

fn frequency(body: &Value) -> Result<Option<String>, ApiError> {
    match get(body, "findingPublishingFrequency") {
        None => Ok(None),
        Some(Value::String(f)) if FREQUENCIES.contains(&f.as_str()) => Ok(Some(f.clone())),
        Some(f) => Err(validation(format!(
            "findingPublishingFrequency {f} is not valid"
        ))),
    }
}

fn status(body: &Value) -> Result<Option<String>, ApiError> {
    match get(body, "status") {
        None => Ok(None),
        Some(Value::String(s)) if matches!(s.as_str(), "ENABLED" | "PAUSED") => Ok(Some(s.clone())),
        Some(s) => Err(validation(format!("status {s} is not valid"))),
    }
}

fn enable(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let freq = frequency(body)?.unwrap_or_else(|| "SIX_HOURS".into());
    let status = status(body)?.unwrap_or_else(|| "ENABLED".into());
    let scope = w.scope(&cx.account, &cx.region);
    if scope.macie.is_some() {
        return Err(conflict("Macie has already been enabled"));
    }
    let now = iso_now();
    scope.macie = Some(MacieSession {
        status,
        frequency: freq,
        created_at: now.clone(),
        updated_at: now,
    });
    Ok(json!({}))
}

fn get_session(w: &mut World, cx: &Cx) -> Res {
    let account = cx.account.clone();
    let m = w
        .scope(&cx.account, &cx.region)
        .macie
        .as_ref()
        .ok_or_else(not_enabled)?;
    Ok(json!({
        "createdAt": m.created_at,
        "updatedAt": m.updated_at,
        "findingPublishingFrequency": m.frequency,
        "serviceRole": format!("arn:aws:iam::{account}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie"),
        "status": m.status,
    }))
}

fn update(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let freq = frequency(body)?;
    let status = status(body)?;
    let m = w
        .scope(&cx.account, &cx.region)
        .macie
        .as_mut()
        .ok_or_else(not_enabled)?;
    if let Some(f) = freq {
        m.frequency = f;
    }
    if let Some(s) = status {
        m.status = s;
    }
    m.updated_at = iso_now();
    Ok(json!({}))
}

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    match w.management_account() {
        Some(m) if m == cx.account => Ok(m),
        Some(_) if w.in_org(&cx.account) => Err(denied(format!(
            "The request failed because account {} is not the management account of the organization.",
            cx.account
        ))),
        _ => Err(denied(format!(
            "The request failed because account {} is not a member of an organization.",
            cx.account
        ))),
    }
}

fn require_admin(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if w.service_admin_in(MACIE_ID, &cx.region).as_deref() != Some(cx.account.as_str()) {
        return Err(denied(
            "The request failed because you must be the Macie administrator account for your organization to perform this operation.",
        ));
    }
    Ok(())
}

fn enable_admin(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = get_str(body, "adminAccountId")
        .ok_or_else(|| validation("adminAccountId is required"))?
        .to_string();
    if !is_account_id(&admin) || !w.in_org(&admin) {
        return Err(validation(format!(
            "The account {admin} is not a member of the organization."
        )));
    }
    match w
        .scope(&mgmt, &cx.region)
        .service_admins
        .get(MACIE_ID)
        .cloned()
    {
        Some(current) if current == admin => {}
        Some(current) => {
            return Err(conflict(format!(
                "Account {current} is already the delegated Macie administrator."
            )));
        }
        None => {
            w.scope(&mgmt, &cx.region)
                .service_admins
                .insert(MACIE_ID.into(), admin.clone());
            w.scope(&admin, &cx.region).macie_org.get_or_insert(false);
        }
    }
    Ok(json!({}))
}

fn list_admins(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let mgmt = require_management(w, cx)?;
    let all: Vec<Value> = w
        .scope(&mgmt, &cx.region)
        .service_admins
        .get(MACIE_ID)
        .map(|a| json!({ "accountId": a, "status": "ENABLED" }))
        .into_iter()
        .collect();
    let max = req
        .query("maxResults")
        .map(|m| {
            m.parse::<i64>()
                .map_err(|_| validation("maxResults is not a number"))
        })
        .transpose()?;
    let (items, next) = page(
        &all,
        req.query("nextToken"),
        max,
        25,
        cx.cfg.page_size,
        validation,
    )?;
    let mut out = json!({ "adminAccounts": items });
    if let Some(t) = next {
        out["nextToken"] = Value::String(t);
    }
    Ok(out)
}

fn disable_admin(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = req
        .query("adminAccountId")
        .ok_or_else(|| validation("adminAccountId is required"))?
        .to_string();
    if w.scope(&mgmt, &cx.region).service_admins.get(MACIE_ID) != Some(&admin) {
        return Err(not_found(format!(
            "Account {admin} is not the delegated Macie administrator."
        )));
    }
    w.scope(&mgmt, &cx.region).service_admins.remove(MACIE_ID);
    w.scope(&admin, &cx.region).macie_org = None;
    Ok(json!({}))
}
