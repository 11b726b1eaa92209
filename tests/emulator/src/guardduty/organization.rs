//! The organisation's side of GuardDuty (API.md §2): the delegated administrator, which only the
//! management account designates, and the administrator's organisation configuration, read and
//! written through the administrator's own detector.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::detector::own_detector;
use super::state::OrgConfig;
use super::{FEATURES, bad, detector_id, no_org_permission, out_of_range, paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_arr, get_bool, get_str, is_account_id, object};
use crate::world::{AdminOf, World};

const GD: AdminOf = AdminOf::GuardDuty;
const AUTO_ENABLE: [&str; 3] = ["NEW", "ALL", "NONE"];

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    match w.management_account() {
        Some(m) if m == cx.account => Ok(m.to_string()),
        _ => Err(no_org_permission()),
    }
}

fn admin_account_id(body: &Value) -> Result<String, ApiError> {
    get_str(body, "adminAccountId")
        .filter(|a| is_account_id(a))
        .map(str::to_string)
        .ok_or_else(out_of_range)
}

pub fn enable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_account_id(&i.body)?;
    if !w.in_org(&admin) {
        return Err(out_of_range());
    }
    match w.designation(GD, &mgmt, &cx.region) {
        Some(current) if current == admin => {}
        Some(current) => {
            return Err(bad(format!(
                "The request is rejected because the account {current} is already the delegated administrator account; disable it before enabling {admin}."
            )));
        }
        None => {
            w.designate(GD, &mgmt, &cx.region, Some(admin.clone()));
            w.scope(&admin, &cx.region)
                .guardduty
                .org
                .get_or_insert_with(OrgConfig::default);
        }
    }
    Ok(json!({}))
}

pub fn disable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = admin_account_id(&i.body)?;
    if w.designation(GD, &mgmt, &cx.region) != Some(admin.as_str()) {
        return Err(bad(format!(
            "The request is rejected because the account {admin} is not the delegated administrator account."
        )));
    }
    w.designate(GD, &mgmt, &cx.region, None);
    w.scope(&admin, &cx.region).guardduty.org = None;
    Ok(json!({}))
}

pub fn list_admins(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let all: Vec<Value> = w
        .designation(GD, &mgmt, &cx.region)
        .map(|a| json!({ "adminAccountId": a, "adminStatus": "ENABLED" }))
        .into_iter()
        .collect();
    let (items, next) = paged(&all, i, cx)?;
    Ok(with_token(object([("adminAccounts", items.into())]), next))
}

/// The caller's own detector, and the caller must be the GuardDuty administrator.
fn require_admin(w: &mut World, cx: &Cx, i: &Input) -> Result<(), ApiError> {
    own_detector(w, cx, detector_id(i))?;
    if !w.is_admin(GD, &cx.region, &cx.account) {
        return Err(no_org_permission());
    }
    Ok(())
}

pub fn describe_config(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx, i)?;
    let org = w
        .scope(&cx.account, &cx.region)
        .guardduty
        .org
        .get_or_insert_with(OrgConfig::default);
    let members = org.auto_enable_members.clone();
    let features: Vec<Value> = org
        .features
        .iter()
        .map(|(n, a)| json!({ "name": n, "autoEnable": a }))
        .collect();
    let (items, next) = paged(&features, i, cx)?;
    let out = object([
        ("autoEnable", (members != "NONE").into()),
        ("autoEnableOrganizationMembers", members.into()),
        ("memberAccountLimitReached", false.into()),
        ("features", items.into()),
    ]);
    Ok(with_token(out, next))
}

pub fn update_config(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx, i)?;
    let body = &i.body;
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
        .guardduty
        .org
        .get_or_insert_with(OrgConfig::default);
    org.auto_enable_members = members;
    org.features.extend(features);
    Ok(json!({}))
}
