//! Security Hub members (API.md §1.4): kept in the administrator's scope. Organisation accounts
//! added by the delegated administrator are Enabled at once and get a hub.

use serde_json::{Value, json};

use super::standards::DEFAULT_STANDARDS;
use super::state::{Hub, Member, administrator_of, members_mut};
use super::{invalid, own, paged_iter, query_max, required_list, sh, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_str, get_strs, is_account_id, iso_now, object};
use crate::world::{AdminOf, World};

fn member_json(admin: &str, id: &str, m: &Member) -> Value {
    object([
        ("AccountId", id.into()),
        ("Email", m.email.as_str().into()),
        ("MasterId", admin.into()),
        ("AdministratorId", admin.into()),
        ("MemberStatus", m.status.as_str().into()),
        ("InvitedAt", m.invited_at.as_str().into()),
        ("UpdatedAt", m.updated_at.as_str().into()),
    ])
}

fn account_ids(body: &Value) -> Result<Vec<String>, ApiError> {
    let ids = get_strs(body, "AccountIds").ok_or_else(|| invalid("AccountIds is required"))?;
    if ids.is_empty() || ids.len() > 50 {
        return Err(invalid(format!(
            "AccountIds must have between 1 and 50 items, got {}",
            ids.len()
        )));
    }
    Ok(ids)
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let details = required_list(&i.body, "AccountDetails", 50)?;
    let org_admin = w.is_admin(AdminOf::SecurityHub, &cx.region, &cx.account);
    let mgmt = w.management_account().map(str::to_string);
    let now = iso_now();
    let mut unprocessed = Vec::new();
    let mut auto_enable = Vec::new();
    for d in details {
        let id = get_str(d, "AccountId").unwrap_or_default().to_string();
        let fail = |why: String| json!({ "AccountId": id, "ProcessingResult": why });
        if !is_account_id(&id) {
            unprocessed.push(fail(format!("Invalid AccountId `{id}`")));
            continue;
        }
        if id == cx.account {
            unprocessed.push(fail(
                "An administrator account cannot add itself as a member".into(),
            ));
            continue;
        }
        if cx.cfg.fail_create_members.contains(&id) {
            unprocessed.push(fail(format!(
                "Operation failed for account {id} (injected)"
            )));
            continue;
        }
        if let Some(other) =
            administrator_of(w, &id, &cx.region).filter(|a| *a != cx.account.as_str())
        {
            unprocessed.push(fail(format!(
                "Account {id} is already a member of administrator account {other}"
            )));
            continue;
        }
        let org_member = org_admin && w.in_org(&id);
        let email = get_str(d, "Email")
            .map(str::to_string)
            .unwrap_or_else(|| format!("aws+{id}@example.com"));
        let members = members_mut(w, &cx.account, &cx.region);
        match members.get_mut(&id) {
            Some(m) if m.status != "Removed" && m.status != "Deleted" && m.status != "Resigned" => {
            }
            existing => {
                let status = if org_member { "Enabled" } else { "Created" };
                match existing {
                    Some(m) => {
                        m.status = status.into();
                        m.updated_at = now.clone();
                    }
                    None => {
                        members.insert(
                            id.clone(),
                            Member {
                                email,
                                status: status.into(),
                                invited_at: now.clone(),
                                updated_at: now.clone(),
                            },
                        );
                    }
                }
                if org_member && mgmt.as_deref() != Some(id.as_str()) {
                    auto_enable.push(id.clone());
                }
            }
        }
    }
    // Organization members get Security Hub (and, unless turned off, the default standards).
    let standards = own(w, cx)
        .org_config
        .as_ref()
        .map(|c| c.auto_enable_standards.clone())
        .unwrap_or_else(|| "DEFAULT".into());
    for id in auto_enable {
        let s = sh(w, &id, &cx.region);
        if s.hub.is_none() {
            s.hub = Some(Hub::fresh());
            if standards != "NONE" {
                for std in DEFAULT_STANDARDS {
                    s.subscribe(std, cx.now + cx.cfg.standard_delay);
                }
            }
        }
    }
    Ok(object([("UnprocessedAccounts", unprocessed.into())]))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let only_associated = match i.query("OnlyAssociated") {
        None => true,
        Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(invalid(format!(
                "OnlyAssociated `{other}` is not a boolean"
            )));
        }
    };
    let max = query_max(i)?;
    let members = own(w, cx)
        .members()
        .iter()
        .filter(|(_, m)| !only_associated || m.status == "Enabled");
    let (page, next) = paged_iter(members, i.query("NextToken"), max, 50, cx)?;
    let items: Vec<Value> = page
        .into_iter()
        .map(|(id, m)| member_json(&cx.account, id, m))
        .collect();
    Ok(with_token(object([("Members", items.into())]), next))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let ids = account_ids(body)?;
    let s = own(w, cx);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
    for id in ids {
        match s.members().get(&id) {
            Some(m) => found.push(member_json(&cx.account, &id, m)),
            None => unprocessed.push(json!({ "AccountId": id, "ProcessingResult": format!("Account {id} is not a member of this administrator") })),
        }
    }
    Ok(object([
        ("Members", found.into()),
        ("UnprocessedAccounts", unprocessed.into()),
    ]))
}

pub fn disassociate(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let ids = account_ids(body)?;
    let now = iso_now();
    let members = members_mut(w, &cx.account, &cx.region);
    for id in ids {
        if let Some(m) = members.get_mut(&id) {
            m.status = "Removed".into();
            m.updated_at = now.clone();
        }
    }
    Ok(json!({}))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let ids = account_ids(body)?;
    let members = members_mut(w, &cx.account, &cx.region);
    let mut unprocessed = Vec::new();
    for id in ids {
        if members.remove(&id).is_none() {
            unprocessed.push(json!({ "AccountId": id, "ProcessingResult": format!("Account {id} is not a member of this administrator") }));
        }
    }
    Ok(object([("UnprocessedAccounts", unprocessed.into())]))
}
