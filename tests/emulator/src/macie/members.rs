//! The Macie administrator's members (API.md §4.1): CreateMember, ListMembers and
//! UpdateMemberSession. Through Organizations the administrator enables Macie for an existing
//! account by adding it (one account a call, its id and email), and "only your Macie
//! administrator can suspend Macie" for a member; a member disables Macie only once its
//! administrator has disassociated it.

use serde_json::{Value, json};

use super::state::{Member, Session};
use super::{conflict, not_found, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_i64, get_str, is_account_id, iso_now, object, page};
use crate::world::{AdminOf, World};

/// The administrator `account` is a member of through Organizations in `region`, if any.
pub fn administrator_of<'a>(w: &'a World, account: &str, region: &str) -> Option<&'a str> {
    let admin = w.admin_in(AdminOf::Macie, region)?;
    let held = w
        .scope_ref(admin, region)?
        .macie
        .members
        .contains_key(account);
    (admin != account && held).then_some(admin)
}

/// A member's relationship as ListMembers reports it: its own session's status (`Enabled`,
/// `Paused`), or `Removed` once its Macie is off.
fn relationship(w: &World, account: &str, region: &str) -> &'static str {
    match w
        .scope_ref(account, region)
        .and_then(|s| s.macie.session.as_ref())
        .map(|s| s.status.as_str())
    {
        Some("ENABLED") => "Enabled",
        Some("PAUSED") => "Paused",
        _ => "Removed",
    }
}

fn require_admin(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if w.is_admin(AdminOf::Macie, &cx.region, &cx.account) {
        Ok(())
    } else {
        Err(validation(
            "The request failed because the account isn't the Macie administrator for its organization.",
        ))
    }
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx)?;
    let account = i
        .body
        .get("account")
        .ok_or_else(|| validation("account is required"))?;
    let id = get_str(account, "accountId")
        .filter(|a| is_account_id(a))
        .ok_or_else(|| validation("account.accountId must be a 12-digit account ID"))?
        .to_string();
    let email = get_str(account, "email")
        .filter(|e| !e.is_empty())
        .ok_or_else(|| validation("account.email is required"))?
        .to_string();
    if id == cx.account {
        return Err(validation(
            "The request failed because the Macie administrator can't add its own account as a member.",
        ));
    }
    if !w.in_org(&id) {
        return Err(validation(format!(
            "The request failed because account {id} isn't part of the organization."
        )));
    }
    if w.scope(&cx.account, &cx.region)
        .macie
        .members
        .contains_key(&id)
        && relationship(w, &id, &cx.region) != "Removed"
    {
        return Err(conflict(format!(
            "The request failed because account {id} is already a member account."
        )));
    }
    let admin_frequency = w
        .scope(&cx.account, &cx.region)
        .macie
        .session
        .as_ref()
        .map(|s| s.frequency.clone())
        .unwrap_or_else(|| "SIX_HOURS".into());
    let now = iso_now();
    w.scope(&cx.account, &cx.region).macie.members.insert(
        id.clone(),
        Member {
            email,
            updated_at: now.clone(),
        },
    );
    // Adding an organisation account enables Macie for it.
    let member = &mut w.scope(&id, &cx.region).macie;
    if member.session.is_none() {
        member.session = Some(Session {
            status: "ENABLED".into(),
            frequency: admin_frequency,
            created_at: now.clone(),
            updated_at: now,
        });
    }
    let partition = crate::util::partition(&cx.region).0;
    Ok(json!({
        "arn": format!("arn:{partition}:macie2:{}:{}:member/{id}", cx.region, cx.account),
    }))
}

/// `onlyAssociated`: "By default, the response includes only current member accounts" (those
/// `Enabled` or `Paused`).
pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    // Any account with Macie on may list its members (AWS documents no restriction: an
    // administrator by invitation lists them too); one that added none has none.
    let only = match i.query("onlyAssociated") {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => return Err(validation(format!("onlyAssociated {other} is not valid"))),
    };
    let admin = cx.account.clone();
    let partition = crate::util::partition(&cx.region).0;
    let held: Vec<(String, String, String)> = w
        .scope(&cx.account, &cx.region)
        .macie
        .members
        .iter()
        .map(|(a, m)| (a.clone(), m.email.clone(), m.updated_at.clone()))
        .collect();
    let members: Vec<Value> = held
        .into_iter()
        .map(|(a, email, updated)| (relationship(w, &a, &cx.region), a, email, updated))
        .filter(|(r, ..)| !only || *r != "Removed")
        .map(|(r, a, email, updated)| {
            json!({
                "accountId": a,
                "administratorAccountId": admin,
                "masterAccountId": admin,
                "arn": format!("arn:{partition}:macie2:{}:{admin}:member/{a}", cx.region),
                "email": email,
                "relationshipStatus": r,
                "updatedAt": updated,
            })
        })
        .collect();
    let max = i
        .query("maxResults")
        .map(|m| {
            m.parse::<i64>()
                .map_err(|_| validation("maxResults is not a number"))
        })
        .transpose()?
        .or_else(|| get_i64(&i.body, "maxResults"));
    let (items, next) = page(
        &members,
        i.query("nextToken"),
        max,
        50,
        cx.cfg.page_size,
        validation,
    )?;
    let mut out = object([("members", items.into())]);
    if let Some(t) = next {
        out["nextToken"] = t.into();
    }
    Ok(out)
}

pub fn update_session(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_admin(w, cx)?;
    let id = i.label(0).unwrap_or_default().to_string();
    let status = match get_str(&i.body, "status") {
        Some(s @ ("ENABLED" | "PAUSED")) => s.to_string(),
        _ => return Err(validation("status must be ENABLED or PAUSED")),
    };
    if !w
        .scope(&cx.account, &cx.region)
        .macie
        .members
        .contains_key(&id)
        || relationship(w, &id, &cx.region) == "Removed"
    {
        return Err(not_found(format!(
            "The request failed because account {id} isn't a member account."
        )));
    }
    if let Some(s) = w.scope(&id, &cx.region).macie.session.as_mut() {
        s.status = status;
        s.updated_at = iso_now();
    }
    Ok(json!({}))
}
