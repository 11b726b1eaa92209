//! GuardDuty over restJson1 (aws-api.md §2): camelCase JSON, and nearly every error a 400
//! `BadRequestException` told apart only by its message (body `{"message", "type"}`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::{Cx, Request};
use crate::util::{
    ApiError, Res, get, get_arr, get_bool, get_str, is_account_id, iso_now, page, percent_decode,
};
use crate::world::*;

/// Optional features a detector takes (`DetectorFeature`).
pub const FEATURES: [&str; 9] = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "EKS_RUNTIME_MONITORING",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
    "AI_ANALYST",
];
/// Always on; GetDetector reports them, nothing else knows them.
pub const FOUNDATIONAL: [&str; 3] = ["FLOW_LOGS", "CLOUD_TRAIL", "DNS_LOGS"];
const FREQUENCIES: [&str; 3] = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"];
const AUTO_ENABLE: [&str; 3] = ["NEW", "ALL", "NONE"];

// ---- routing ------------------------------------------------------------------------------

pub fn route(method: &str, path: &str) -> Option<(&'static str, Vec<String>)> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (op, labels): (&'static str, Vec<&str>) = match (method, segs.as_slice()) {
        ("POST", ["detector"]) => ("CreateDetector", vec![]),
        ("GET", ["detector"]) => ("ListDetectors", vec![]),
        ("GET", ["detector", id]) => ("GetDetector", vec![*id]),
        ("POST", ["detector", id]) => ("UpdateDetector", vec![*id]),
        ("DELETE", ["detector", id]) => ("DeleteDetector", vec![*id]),
        ("GET", ["detector", id, "admin"]) => ("DescribeOrganizationConfiguration", vec![*id]),
        ("POST", ["detector", id, "admin"]) => ("UpdateOrganizationConfiguration", vec![*id]),
        ("POST", ["admin", "enable"]) => ("EnableOrganizationAdminAccount", vec![]),
        ("POST", ["admin", "disable"]) => ("DisableOrganizationAdminAccount", vec![]),
        ("GET", ["admin"]) => ("ListOrganizationAdminAccounts", vec![]),
        _ => return None,
    };
    Some((op, labels.into_iter().map(percent_decode).collect()))
}

// ---- errors -------------------------------------------------------------------------------

/// GuardDuty's catch-all: 400 `BadRequestException`, `type` `InvalidInputException`.
fn bad(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "BadRequestException", m).with("type", "InvalidInputException")
}
fn out_of_range() -> ApiError {
    bad(
        "The request is rejected because an invalid or out-of-range value is specified as an input parameter.",
    )
}
fn not_owned() -> ApiError {
    bad("The request is rejected because the input detectorId is not owned by the current account.")
}
fn no_org_permission() -> ApiError {
    bad(
        "The request is rejected because the current account does not have required AWS Organization master permission.",
    )
}

fn paged<T: Clone>(
    items: &[T],
    req: &Request,
    cx: &Cx,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = req
        .query("maxResults")
        .map(|m| m.parse::<i64>().map_err(|_| out_of_range()))
        .transpose()?;
    page(
        items,
        req.query("nextToken"),
        max,
        50,
        cx.cfg.page_size,
        bad,
    )
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let (Some(o), Some(t)) = (v.as_object_mut(), next) {
        o.insert("nextToken".into(), Value::String(t));
    }
    v
}

// ---- dispatch -----------------------------------------------------------------------------

pub fn handle(w: &mut World, cx: &Cx, op: &str, labels: &[String], req: &Request) -> Res {
    let body = req.json().map_err(|e| {
        bad(format!(
            "The request is rejected because the JSON could not be processed: {e}"
        ))
    })?;
    if !body.is_object() {
        return Err(bad(
            "The request is rejected because the JSON could not be processed.",
        ));
    }
    let id = labels.first().map(String::as_str).unwrap_or("");
    match op {
        "CreateDetector" => create_detector(w, cx, &body),
        "ListDetectors" => list_detectors(w, cx, req),
        "GetDetector" => get_detector(w, cx, id),
        "UpdateDetector" => update_detector(w, cx, id, &body),
        "DeleteDetector" => delete_detector(w, cx, id),
        "EnableOrganizationAdminAccount" => enable_admin(w, cx, &body),
        "DisableOrganizationAdminAccount" => disable_admin(w, cx, &body),
        "ListOrganizationAdminAccounts" => list_admins(w, cx, req),
        "DescribeOrganizationConfiguration" => describe_org(w, cx, id, req),
        "UpdateOrganizationConfiguration" => update_org(w, cx, id, &body),
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("{other} is not emulated"),
        )),
    }
}

// ---- detector -----------------------------------------------------------------------------

fn check_frequency(body: &Value) -> Result<Option<String>, ApiError> {
    match get(body, "findingPublishingFrequency") {
        None => Ok(None),
        Some(Value::String(f)) if FREQUENCIES.contains(&f.as_str()) => Ok(Some(f.clone())),
        Some(_) => Err(out_of_range()),
    }
}

/// The `features` list of a create / update as name → status.
fn detector_features(body: &Value) -> Result<BTreeMap<String, String>, ApiError> {
    if get(body, "dataSources").is_some() && get(body, "features").is_some() {
        return Err(bad(
            "The request is rejected because both data sources and features were provided. You can provide only one; it is recommended to use features.",
        ));
    }
    let mut out = BTreeMap::new();
    for f in get_arr(body, "features")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = get_str(f, "name")
            .filter(|n| FEATURES.contains(n))
            .ok_or_else(out_of_range)?;
        let status = get_str(f, "status")
            .filter(|s| matches!(*s, "ENABLED" | "DISABLED"))
            .ok_or_else(out_of_range)?;
        if out.insert(name.to_string(), status.to_string()).is_some() {
            return Err(bad(format!(
                "The request is rejected because the feature {name} is specified more than once."
            )));
        }
    }
    if out.contains_key("EKS_RUNTIME_MONITORING") && out.contains_key("RUNTIME_MONITORING") {
        return Err(bad(
            "The request is rejected because both EKS Runtime Monitoring and Runtime Monitoring were specified. You can provide only one of these features.",
        ));
    }
    Ok(out)
}

fn own_detector<'a>(w: &'a mut World, cx: &Cx, id: &str) -> Result<&'a mut Detector, ApiError> {
    w.scope(&cx.account, &cx.region)
        .detector
        .as_mut()
        .filter(|d| d.id == id)
        .ok_or_else(not_owned)
}

fn create_detector(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let enable = get_bool(body, "enable").ok_or_else(|| {
        bad("The request is rejected because a required parameter enable is missing.")
    })?;
    let frequency = check_frequency(body)?.unwrap_or_else(|| "SIX_HOURS".into());
    let given = detector_features(body)?;
    if w.scope(&cx.account, &cx.region).detector.is_some() {
        return Err(bad(
            "The request is rejected because a detector already exists for the current account.",
        ));
    }
    // Features left out are turned on, except Runtime Monitoring.
    let mut features: BTreeMap<String, String> = FEATURES
        .iter()
        .map(|f| {
            (
                f.to_string(),
                if *f == "RUNTIME_MONITORING" {
                    "DISABLED"
                } else {
                    "ENABLED"
                }
                .to_string(),
            )
        })
        .collect();
    features.extend(given);
    let id = w.next_uuid().replace('-', "");
    let now = iso_now();
    w.scope(&cx.account, &cx.region).detector = Some(Detector {
        id: id.clone(),
        enabled: enable,
        frequency,
        features,
        created_at: now.clone(),
        updated_at: now,
    });
    Ok(json!({ "detectorId": id }))
}

fn list_detectors(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let ids: Vec<String> = w
        .scope(&cx.account, &cx.region)
        .detector
        .iter()
        .map(|d| d.id.clone())
        .collect();
    let (items, next) = paged(&ids, req, cx)?;
    Ok(with_token(json!({ "detectorIds": items }), next))
}

fn get_detector(w: &mut World, cx: &Cx, id: &str) -> Res {
    let account = cx.account.clone();
    let d = own_detector(w, cx, id)?;
    let mut features: Vec<Value> = FOUNDATIONAL
        .iter()
        .map(|f| json!({ "name": f, "status": "ENABLED" }))
        .collect();
    features.extend(
        d.features
            .iter()
            .map(|(n, s)| json!({ "name": n, "status": s })),
    );
    Ok(json!({
        "createdAt": d.created_at,
        "updatedAt": d.updated_at,
        "findingPublishingFrequency": d.frequency,
        "serviceRole": format!("arn:aws:iam::{account}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty"),
        "status": if d.enabled { "ENABLED" } else { "DISABLED" },
        "features": features,
        "tags": {},
    }))
}

fn update_detector(w: &mut World, cx: &Cx, id: &str, body: &Value) -> Res {
    let frequency = check_frequency(body)?;
    let given = detector_features(body)?;
    let d = own_detector(w, cx, id)?;
    if let Some(e) = get_bool(body, "enable") {
        d.enabled = e;
    }
    if let Some(f) = frequency {
        d.frequency = f;
    }
    d.features.extend(given);
    d.updated_at = iso_now();
    Ok(json!({}))
}

fn delete_detector(w: &mut World, cx: &Cx, id: &str) -> Res {
    own_detector(w, cx, id)?;
    w.scope(&cx.account, &cx.region).detector = None;
    Ok(json!({}))
}

// ---- organisation -------------------------------------------------------------------------

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    match w.management_account() {
        Some(m) if m == cx.account => Ok(m),
        _ => Err(no_org_permission()),
    }
}

fn admin_account_id(body: &Value) -> Result<String, ApiError> {
    get_str(body, "adminAccountId")
        .filter(|a| is_account_id(a))
        .map(str::to_string)
        .ok_or_else(out_of_range)
}

fn enable_admin(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_account_id(body)?;
    if !w.in_org(&admin) {
        return Err(out_of_range());
    }
    match w
        .scope(&mgmt, &cx.region)
        .service_admins
        .get(GD_ID)
        .cloned()
    {
        Some(current) if current == admin => {}
        Some(current) => {
            return Err(bad(format!(
                "The request is rejected because the account {current} is already the delegated administrator account; disable it before enabling {admin}."
            )));
        }
        None => {
            w.scope(&mgmt, &cx.region)
                .service_admins
                .insert(GD_ID.into(), admin.clone());
            let scope = w.scope(&admin, &cx.region);
            if scope.gd_org.is_none() {
                scope.gd_org = Some(GdOrg {
                    auto_enable_members: "NONE".into(),
                    features: BTreeMap::new(),
                });
            }
        }
    }
    Ok(json!({}))
}

fn disable_admin(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_account_id(body)?;
    if w.scope(&mgmt, &cx.region).service_admins.get(GD_ID) != Some(&admin) {
        return Err(bad(format!(
            "The request is rejected because the account {admin} is not the delegated administrator account."
        )));
    }
    w.scope(&mgmt, &cx.region).service_admins.remove(GD_ID);
    w.scope(&admin, &cx.region).gd_org = None;
    Ok(json!({}))
}

fn list_admins(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let mgmt = require_management(w, cx)?;
    let all: Vec<Value> = w
        .scope(&mgmt, &cx.region)
        .service_admins
        .get(GD_ID)
        .map(|a| json!({ "adminAccountId": a, "adminStatus": "ENABLED" }))
        .into_iter()
        .collect();
    let (items, next) = paged(&all, req, cx)?;
    Ok(with_token(json!({ "adminAccounts": items }), next))
}

/// The caller's own detector, and the caller must be the GuardDuty administrator.
fn require_admin(w: &mut World, cx: &Cx, id: &str) -> Result<(), ApiError> {
    own_detector(w, cx, id)?;
    if w.service_admin_in(GD_ID, &cx.region).as_deref() != Some(cx.account.as_str()) {
        return Err(no_org_permission());
    }
    Ok(())
}

fn describe_org(w: &mut World, cx: &Cx, id: &str, req: &Request) -> Res {
    require_admin(w, cx, id)?;
    let org = w
        .scope(&cx.account, &cx.region)
        .gd_org
        .get_or_insert_with(|| GdOrg {
            auto_enable_members: "NONE".into(),
            features: BTreeMap::new(),
        });
    let members = org.auto_enable_members.clone();
    let features: Vec<Value> = org
        .features
        .iter()
        .map(|(n, a)| json!({ "name": n, "autoEnable": a }))
        .collect();
    let (items, next) = paged(&features, req, cx)?;
    Ok(with_token(
        json!({
            "autoEnable": members != "NONE",
            "autoEnableOrganizationMembers": members,
            "memberAccountLimitReached": false,
            "features": items,
        }),
        next,
    ))
}

fn update_org(w: &mut World, cx: &Cx, id: &str, body: &Value) -> Res {
    require_admin(w, cx, id)?;
    let members = match (
        get_str(body, "autoEnableOrganizationMembers"),
        get_bool(body, "autoEnable"),
    ) {
        (Some(m), _) if AUTO_ENABLE.contains(&m) => m.to_string(),
        (Some(_), _) => return Err(out_of_range()),
        (None, Some(true)) => "NEW".into(),
        (None, Some(false)) => "NONE".into(),
        (None, None) => {
            return Err(bad(
                "The request is rejected because one of autoEnable or autoEnableOrganizationMembers must be specified.",
            ));
        }
    };
    let mut features = BTreeMap::new();
    for f in get_arr(body, "features")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = get_str(f, "name")
            .filter(|n| FEATURES.contains(n) && *n != "AI_ANALYST")
            .ok_or_else(out_of_range)?;
        let auto = get_str(f, "autoEnable")
            .filter(|a| AUTO_ENABLE.contains(a))
            .ok_or_else(out_of_range)?;
        features.insert(name.to_string(), auto.to_string());
    }
    let org = w
        .scope(&cx.account, &cx.region)
        .gd_org
        .get_or_insert_with(|| GdOrg {
            auto_enable_members: "NONE".into(),
            features: BTreeMap::new(),
        });
    org.auto_enable_members = members;
    org.features.extend(features);
    Ok(json!({}))
}
