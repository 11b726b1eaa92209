//! The delegated administrator's members (API.md §3): AssociateMember, DisassociateMember,
//! GetMember and ListMembers. Only the administrator calls them. An association completes
//! `Config::inspector_delay` after AssociateMember answers (AWS: "An HTTP 200 response
//! indicates the association was successfully started"); until then the administrator cannot
//! act for the account.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::state::Membership;
use super::{denied, not_found, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_bool, get_i64, get_str, is_account_id, object, page};
use crate::world::{AdminOf, World};

/// "A delegated administrator can manage a maximum of 10,000 members" (Inspector's user guide).
pub const MAX_MEMBERS: usize = 10_000;

fn account_id(body: &Value) -> Result<String, ApiError> {
    get_str(body, "accountId")
        .filter(|a| is_account_id(a))
        .map(str::to_string)
        .ok_or_else(|| validation("accountId must be a 12-digit account ID"))
}

/// Only the delegated administrator manages members; AWS's words for the others (as
/// Terraform matches them for GetMember).
fn require_admin(w: &World, cx: &Cx, what: &str) -> Result<(), ApiError> {
    if !w.is_admin(AdminOf::Inspector, &cx.region, &cx.account) {
        return Err(denied(format!(
            "Invoking account does not have access to {what}."
        )));
    }
    Ok(())
}

/// A `Member`: ENABLED once associated, CREATED while the association is under way, REMOVED
/// for an organisation account that is not associated (AWS documents the enum, not which
/// value an unassociated account shows).
fn member(w: &mut World, cx: &Cx, account: &str) -> Value {
    let admin = cx.account.clone();
    let state = &w.scope(&admin, &cx.region).inspector;
    match state.members.get(account) {
        Some(m) => json!({
            "accountId": account,
            "relationshipStatus": if cx.now >= m.ready { "ENABLED" } else { "CREATED" },
            "delegatedAdminAccountId": admin,
            "updatedAt": m.updated_at,
        }),
        None => json!({ "accountId": account, "relationshipStatus": "REMOVED" }),
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as f64)
        .unwrap_or_default()
}

pub fn associate(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx, "associate members")?;
    let account = account_id(&i.body)?;
    if account == cx.account {
        return Err(validation(
            "The delegated administrator cannot be associated with itself.",
        ));
    }
    if !w.in_org(&account) {
        return Err(validation(format!(
            "Account {account} is not a member of the organization."
        )));
    }
    let state = &mut w.scope(&cx.account, &cx.region).inspector;
    // As reported for AWS by others [unverified].
    if state.members.contains_key(&account) {
        return Err(validation(format!(
            "Account {account} is already associated with the delegated administrator."
        )));
    }
    if state.members.len() >= MAX_MEMBERS {
        return Err(ApiError::new(
            402,
            "ServiceQuotaExceededException",
            format!("The delegated administrator already has {MAX_MEMBERS} members."),
        )
        .with("resourceId", account));
    }
    state.members.insert(
        account.clone(),
        Membership {
            ready: cx.now + cx.cfg.inspector_delay,
            updated_at: now_secs(),
        },
    );
    Ok(json!({ "accountId": account }))
}

pub fn disassociate(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx, "disassociate members")?;
    let account = account_id(&i.body)?;
    let state = &mut w.scope(&cx.account, &cx.region).inspector;
    if state.members.remove(&account).is_none() {
        return Err(validation(format!(
            "Account {account} is not associated with the delegated administrator."
        )));
    }
    Ok(json!({ "accountId": account }))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx, "get member account")?;
    let account = account_id(&i.body)?;
    if !w
        .scope(&cx.account, &cx.region)
        .inspector
        .members
        .contains_key(&account)
    {
        return Err(not_found(format!(
            "Member account {account} was not found."
        )));
    }
    Ok(json!({ "member": member(w, cx, &account) }))
}

/// `onlyAssociated` (AWS documents no default; here false): the members, associations under
/// way included, or every organisation account but the administrator.
pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx, "list members")?;
    let only = get_bool(&i.body, "onlyAssociated").unwrap_or(false);
    let accounts: Vec<String> = if only {
        let state = &w.scope(&cx.account, &cx.region).inspector;
        state.members.keys().cloned().collect()
    } else {
        w.org_accounts()
            .into_iter()
            .filter(|a| *a != cx.account)
            .map(str::to_string)
            .collect()
    };
    let (items, next) = page(
        &accounts,
        get_str(&i.body, "nextToken"),
        get_i64(&i.body, "maxResults"),
        50,
        cx.cfg.page_size,
        validation,
    )?;
    let members: Vec<Value> = items.iter().map(|a| member(w, cx, a)).collect();
    let mut out = object([("members", members.into())]);
    if let Some(t) = next {
        out["nextToken"] = Value::String(t);
    }
    Ok(out)
}
