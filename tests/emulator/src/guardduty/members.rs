//! The administrator's members (API.md §2.1): CreateMembers, ListMembers, GetMemberDetectors and
//! UpdateMemberDetectors, called on the administrator's own detector. Through Organizations the
//! delegated administrator adds an organisation account with no invitation, and that enables
//! GuardDuty in it; from then on the member's protection plans and publishing frequency are the
//! administrator's, and the member cannot turn GuardDuty off or delete its detector.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::detector::own_detector;
use super::state::{Detector, Member};
use super::{FEATURES, bad, detector_id, out_of_range, paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_arr, get_str, is_account_id, iso_now, object};
use crate::world::{AdminOf, World};

/// CreateMembers, GetMemberDetectors and UpdateMemberDetectors take 1 to 50 accounts (the
/// model's `AccountDetails` / `AccountIds` lengths).
const MAX_ACCOUNTS: usize = 50;

/// The relationship of a member the administrator added through Organizations.
pub const ENABLED: &str = "Enabled";
/// Of an account added outside the organisation: it must accept an invitation first.
const CREATED: &str = "Created";

/// The administrator this account is an enabled member of in `region`, if any.
pub fn administrator_of<'a>(w: &'a World, account: &str, region: &str) -> Option<&'a str> {
    let admin = w.admin_in(AdminOf::GuardDuty, region)?;
    let m = w.scope_ref(admin, region)?.guardduty.members.get(account)?;
    (admin != account && m.status == ENABLED).then_some(admin)
}

/// The request's `accountIds`: 1 to 50 account ids.
fn account_ids(body: &Value) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = get_arr(body, "accountIds")
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|a| a.as_str().filter(|a| is_account_id(a)).map(str::to_string))
        .collect::<Option<_>>()
        .ok_or_else(out_of_range)?;
    if ids.is_empty() || ids.len() > MAX_ACCOUNTS {
        return Err(out_of_range());
    }
    Ok(ids)
}

fn unprocessed(account: &str, result: &str) -> Value {
    json!({ "accountId": account, "result": result })
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let frequency = own_detector(w, cx, detector_id(i))?.frequency.clone();
    let details = get_arr(&i.body, "accountDetails")
        .map(Vec::as_slice)
        .unwrap_or_default();
    if details.is_empty() || details.len() > MAX_ACCOUNTS {
        return Err(out_of_range());
    }
    // `accountId` and `email` are both required members of `AccountDetail`.
    let mut accounts = Vec::with_capacity(details.len());
    for d in details {
        let id = get_str(d, "accountId")
            .filter(|a| is_account_id(a))
            .ok_or_else(out_of_range)?;
        let email = get_str(d, "email")
            .filter(|e| !e.is_empty())
            .ok_or_else(|| {
                bad("The request is rejected because a required parameter email is missing.")
            })?;
        accounts.push((id.to_string(), email.to_string()));
    }
    let is_admin = w.is_admin(AdminOf::GuardDuty, &cx.region, &cx.account);
    let auto = w
        .scope_ref(&cx.account, &cx.region)
        .and_then(|s| s.guardduty.org.as_ref())
        .map(|o| o.features.clone())
        .unwrap_or_default();
    let mut rejected = Vec::new();
    for (id, email) in accounts {
        if id == cx.account {
            rejected.push(unprocessed(
                &id,
                "The request is rejected because the current account cannot be added as its own member.",
            ));
            continue;
        }
        let through_org = is_admin && w.in_org(&id);
        let now = iso_now();
        let members = &mut w.scope(&cx.account, &cx.region).guardduty.members;
        if members.get(&id).is_some_and(|m| m.status == ENABLED) {
            rejected.push(unprocessed(
                &id,
                "The request is rejected because the given account ID is already a member or associated member of the current account.",
            ));
            continue;
        }
        members.insert(
            id.clone(),
            Member {
                email,
                status: if through_org { ENABLED } else { CREATED }.to_string(),
                updated_at: now.clone(),
            },
        );
        if through_org {
            enable_member(w, &id, &cx.region, &frequency, &auto, &now);
        }
    }
    Ok(json!({ "unprocessedAccounts": rejected }))
}

/// GuardDuty in a member the administrator added through Organizations: its detector, created
/// if it has none, on, publishing at the administrator's frequency. "GuardDuty applies your
/// organization's auto-enable settings to the member accounts in this request, irrespective of
/// the accounts being new or existing members": a feature set to NEW or ALL is turned on; NONE
/// leaves an existing detector's as it is and a new detector's off; features the settings do
/// not name are as CreateDetector leaves them.
fn enable_member(
    w: &mut World,
    account: &str,
    region: &str,
    frequency: &str,
    auto: &BTreeMap<String, String>,
    now: &str,
) {
    let id = w.next_uuid().replace('-', "");
    let scope = w.scope(account, region);
    match &mut scope.guardduty.detector {
        Some(d) => {
            d.enabled = true;
            d.frequency = frequency.to_string();
            for f in auto.iter().filter(|(_, a)| *a != "NONE").map(|(f, _)| f) {
                d.features.insert(f.clone(), "ENABLED".into());
            }
            d.updated_at = now.to_string();
        }
        None => {
            let mut features: BTreeMap<String, String> = FEATURES
                .iter()
                .map(|f| {
                    let on = *f != "RUNTIME_MONITORING";
                    (
                        f.to_string(),
                        if on { "ENABLED" } else { "DISABLED" }.into(),
                    )
                })
                .collect();
            for (f, a) in auto {
                features.insert(
                    f.clone(),
                    if a == "NONE" { "DISABLED" } else { "ENABLED" }.into(),
                );
            }
            scope.guardduty.detector = Some(Detector {
                id,
                enabled: true,
                frequency: frequency.to_string(),
                features,
                additional: BTreeMap::new(),
                created_at: now.to_string(),
                updated_at: now.to_string(),
            });
        }
    }
}

/// `onlyAssociated` is a string, "true" by default (the model: "Specifies whether to only
/// return associated members or to return all members").
pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    own_detector(w, cx, detector_id(i))?;
    let only = match i.query("onlyAssociated") {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(out_of_range()),
    };
    let admin = cx.account.clone();
    let members: Vec<Value> = w
        .scope(&cx.account, &cx.region)
        .guardduty
        .members
        .iter()
        .filter(|(_, m)| !only || m.status == ENABLED)
        .map(|(a, m)| {
            json!({
                "accountId": a,
                "administratorId": admin,
                "masterId": admin,
                "email": m.email,
                "relationshipStatus": m.status,
                "updatedAt": m.updated_at,
            })
        })
        .collect();
    let (items, next) = paged(&members, i, cx)?;
    Ok(with_token(object([("members", items.into())]), next))
}

/// The member's detector's protection plans, as `MemberFeaturesConfigurationResult`s (the
/// organisation's features: AI_ANALYST is per detector only). `updatedAt`, optional, is left
/// out: it is a timestamp (epoch seconds) here, not the string GetDetector's members carry.
fn member_features(d: &Detector) -> Vec<Value> {
    d.features
        .iter()
        .filter(|(n, _)| *n != "AI_ANALYST")
        .map(|(n, s)| json!({ "name": n, "status": s }))
        .collect()
}

const NOT_A_MEMBER: &str = "The request is rejected because the input account is not an associated member of the current account.";

pub fn get_detectors(w: &mut World, cx: &Cx, i: &Input) -> Res {
    own_detector(w, cx, detector_id(i))?;
    let ids = account_ids(&i.body)?;
    let mut found = Vec::new();
    let mut rejected = Vec::new();
    for id in ids {
        let member = w
            .scope_ref(&cx.account, &cx.region)
            .and_then(|s| s.guardduty.members.get(&id))
            .is_some_and(|m| m.status == ENABLED);
        let detector = w
            .scope_ref(&id, &cx.region)
            .and_then(|s| s.guardduty.detector.as_ref());
        match (member, detector) {
            (true, Some(d)) => found.push(json!({
                "accountId": id,
                "features": member_features(d),
            })),
            _ => rejected.push(unprocessed(&id, NOT_A_MEMBER)),
        }
    }
    // `MemberDataSourceConfigurations` is `members` on the wire.
    Ok(json!({
        "members": found,
        "unprocessedAccounts": rejected,
    }))
}

pub fn update_detectors(w: &mut World, cx: &Cx, i: &Input) -> Res {
    own_detector(w, cx, detector_id(i))?;
    let ids = account_ids(&i.body)?;
    // `MemberFeaturesConfiguration`: a name of `OrgFeature` (AI_ANALYST is not one) and a
    // status.
    let mut features = BTreeMap::new();
    for f in get_arr(&i.body, "features")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = get_str(f, "name")
            .filter(|n| FEATURES.contains(n) && *n != "AI_ANALYST")
            .ok_or_else(out_of_range)?;
        let status = get_str(f, "status")
            .filter(|s| matches!(*s, "ENABLED" | "DISABLED"))
            .ok_or_else(out_of_range)?;
        features.insert(name.to_string(), status.to_string());
    }
    if features.contains_key("EKS_RUNTIME_MONITORING")
        && features.contains_key("RUNTIME_MONITORING")
    {
        return Err(bad(
            "The request is rejected because both EKS Runtime Monitoring and Runtime Monitoring were specified. You can provide only one of these features.",
        ));
    }
    let mut rejected = Vec::new();
    let now = iso_now();
    for id in ids {
        let member = w
            .scope_ref(&cx.account, &cx.region)
            .and_then(|s| s.guardduty.members.get(&id))
            .is_some_and(|m| m.status == ENABLED);
        match w.scope(&id, &cx.region).guardduty.detector.as_mut() {
            Some(d) if member => {
                d.features.extend(features.clone());
                d.updated_at = now.clone();
            }
            _ => rejected.push(unprocessed(&id, NOT_A_MEMBER)),
        }
    }
    Ok(json!({ "unprocessedAccounts": rejected }))
}
