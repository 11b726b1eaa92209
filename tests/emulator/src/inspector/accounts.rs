//! Inspector in accounts (API.md §3): Enable, Disable and BatchGetAccountStatus take a list of
//! accounts; the caller may act for itself, the delegated administrator also for the accounts
//! associated with it (AssociateMember, completed); the others fail one by one.

use serde_json::{Map, Value, json};

use super::state::Enablement;
use super::{TYPES, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get, get_strs, is_account_id, object};
use crate::world::{AdminOf, World};

/// `accountIds` (≤100, default the caller), each one the caller may act for or not.
fn targets(w: &mut World, cx: &Cx, body: &Value) -> Result<Vec<(String, bool)>, ApiError> {
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
    // The delegated administrator acts for the accounts associated with it.
    let admin = w.is_admin(AdminOf::Inspector, &cx.region, &cx.account);
    let own = &w.scope(&cx.account, &cx.region).inspector;
    Ok(ids
        .into_iter()
        .map(|a| {
            let ok = a == cx.account || (admin && own.associated(&a, cx.now));
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
    // EnableResourceTypeList 1–5, DisableResourceTypeList 0–5 (the model's).
    let min = usize::from(required);
    if list.len() < min || list.len() > 5 {
        return Err(validation(format!(
            "resourceTypes must have between {min} and 5 items, got {}",
            list.len()
        )));
    }
    if let Some(bad) = list.iter().find(|t| !TYPES.iter().any(|(n, _)| n == t)) {
        return Err(validation(format!("Resource type {bad} is not supported")));
    }
    Ok(list)
}

fn account_status(e: Option<&Enablement>, cx: &Cx) -> &'static str {
    e.map(|e| e.status(cx.now)).unwrap_or("DISABLED")
}

/// `{ec2: "ENABLED", ...}` (ResourceStatus) or `{ec2: {status: "ENABLED"}, ...}` (ResourceState).
fn per_type(e: Option<&Enablement>, cx: &Cx, nested: bool) -> Value {
    let mut m = Map::new();
    for (t, k) in TYPES {
        let s = e.map(|e| e.type_status(t, cx.now)).unwrap_or("DISABLED");
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
    let e = w.scope(account, &cx.region).inspector.enabled.as_ref();
    json!({
        "accountId": account,
        "status": account_status(e, cx),
        "resourceStatus": per_type(e, cx, false),
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
            let msg = "Invoking account does not have access to this account".to_string();
            failed_accounts.push(failed(w, cx, &account, "ACCESS_DENIED", msg));
            continue;
        }
        // AWS: "If your account is a member account in a multi-account environment, you cannot
        // deactivate Amazon Inspector"; only its administrator can. The shape of the refusal is
        // not documented (README).
        if !enable && account == cx.account && member_of_admin(w, cx, &account) {
            let msg = "A member account cannot disable Amazon Inspector scans; its delegated \
                       administrator can"
                .to_string();
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
        let state = &mut w.scope(&account, &cx.region).inspector;
        if enable {
            let ready = cx.now + cx.cfg.inspector_delay;
            let e = state.enabled.get_or_insert_with(Enablement::default);
            for t in &types {
                e.types.entry(t.clone()).or_insert(ready);
            }
        } else if let Some(e) = state.enabled.as_mut() {
            for t in &types {
                e.types.remove(t);
            }
            if e.types.is_empty() {
                state.enabled = None;
            }
        }
        let e = state.enabled.as_ref();
        accounts.push(json!({ "accountId": account, "status": account_status(e, cx), "resourceStatus": per_type(e, cx, false) }));
    }
    Ok(object([
        ("accounts", accounts.into()),
        ("failedAccounts", failed_accounts.into()),
    ]))
}

/// Whether `account` is associated with the region's Inspector delegated administrator.
fn member_of_admin(w: &mut World, cx: &Cx, account: &str) -> bool {
    let Some(admin) = w
        .admin_in(AdminOf::Inspector, &cx.region)
        .map(str::to_string)
    else {
        return false;
    };
    admin != account
        && w.scope(&admin, &cx.region)
            .inspector
            .associated(account, cx.now)
}

pub fn enable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    change(w, cx, &i.body, true)
}

pub fn disable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    change(w, cx, &i.body, false)
}

pub fn batch_get_status(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let mut accounts = Vec::new();
    let mut failed_accounts = Vec::new();
    for (account, allowed) in targets(w, cx, body)? {
        if !allowed {
            let msg = "Invoking account does not have access to this account".to_string();
            failed_accounts.push(failed(w, cx, &account, "ACCESS_DENIED", msg));
            continue;
        }
        if let Some(code) = cx.cfg.fail_inspector_status.get(&account) {
            let msg = format!("{code} (injected)");
            failed_accounts.push(failed(w, cx, &account, code, msg));
            continue;
        }
        let e = w.scope(&account, &cx.region).inspector.enabled.as_ref();
        accounts.push(json!({
            "accountId": account,
            "state": { "status": account_status(e, cx) },
            "resourceState": per_type(e, cx, true),
        }));
    }
    Ok(object([
        ("accounts", accounts.into()),
        ("failedAccounts", failed_accounts.into()),
    ]))
}
