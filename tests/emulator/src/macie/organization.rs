//! The organisation's side of Macie (API.md §4): the delegated administrator, which only the
//! management account designates, and the administrator's auto-enable setting.

use serde_json::{Value, json};

use super::{conflict, denied, not_found, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_bool, get_str, is_account_id, object, page};
use crate::world::{AdminOf, World};

const MACIE: AdminOf = AdminOf::Macie;

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    match w.management_account() {
        Some(m) if m == cx.account => Ok(m.to_string()),
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
    if !w.is_admin(MACIE, &cx.region, &cx.account) {
        return Err(denied(
            "The request failed because you must be the Macie administrator account for your organization to perform this operation.",
        ));
    }
    Ok(())
}

pub fn enable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = get_str(&i.body, "adminAccountId")
        .ok_or_else(|| validation("adminAccountId is required"))?
        .to_string();
    if !is_account_id(&admin) || !w.in_org(&admin) {
        return Err(validation(format!(
            "The account {admin} is not a member of the organization."
        )));
    }
    match w.designation(MACIE, &mgmt, &cx.region) {
        Some(current) if current == admin => {}
        Some(current) => {
            return Err(conflict(format!(
                "Account {current} is already the delegated Macie administrator."
            )));
        }
        None => {
            w.designate(MACIE, &mgmt, &cx.region, Some(admin.clone()));
            w.scope(&admin, &cx.region).macie.org.get_or_insert(false);
        }
    }
    Ok(json!({}))
}

pub fn list_admins(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let all: Vec<Value> = w
        .designation(MACIE, &mgmt, &cx.region)
        .map(|a| json!({ "accountId": a, "status": "ENABLED" }))
        .into_iter()
        .collect();
    let max = i
        .query("maxResults")
        .map(|m| {
            m.parse::<i64>()
                .map_err(|_| validation("maxResults is not a number"))
        })
        .transpose()?;
    let (items, next) = page(
        &all,
        i.query("nextToken"),
        max,
        25,
        cx.cfg.page_size,
        validation,
    )?;
    let mut out = object([("adminAccounts", items.into())]);
    if let Some(t) = next {
        out["nextToken"] = Value::String(t);
    }
    Ok(out)
}

pub fn disable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = i
        .query("adminAccountId")
        .ok_or_else(|| validation("adminAccountId is required"))?
        .to_string();
    if w.designation(MACIE, &mgmt, &cx.region) != Some(admin.as_str()) {
        return Err(not_found(format!(
            "Account {admin} is not the delegated Macie administrator."
        )));
    }
    w.designate(MACIE, &mgmt, &cx.region, None);
    w.scope(&admin, &cx.region).macie.org = None;
    Ok(json!({}))
}

pub fn describe_config(w: &mut World, cx: &Cx, _: &Input) -> Res {
    require_admin(w, cx)?;
    let auto = *w
        .scope(&cx.account, &cx.region)
        .macie
        .org
        .get_or_insert(false);
    Ok(json!({ "autoEnable": auto, "maxAccountLimitReached": false }))
}

pub fn update_config(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx)?;
    let auto =
        get_bool(&i.body, "autoEnable").ok_or_else(|| validation("autoEnable is required"))?;
    w.scope(&cx.account, &cx.region).macie.org = Some(auto);
    Ok(json!({}))
}
