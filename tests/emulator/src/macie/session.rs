//! The Macie session (API.md §4): enable, read, pause or change, disable.

use serde_json::{Value, json};

use super::state::Session;
use super::{conflict, not_enabled, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{self, ApiError, Res, iso_now};
use crate::world::World;

const FREQUENCIES: [&str; 3] = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"];

fn frequency(body: &Value) -> Result<Option<String>, ApiError> {
    match util::get(body, "findingPublishingFrequency") {
        None => Ok(None),
        Some(Value::String(f)) if FREQUENCIES.contains(&f.as_str()) => Ok(Some(f.clone())),
        Some(f) => Err(validation(format!(
            "findingPublishingFrequency {f} is not valid"
        ))),
    }
}

fn status(body: &Value) -> Result<Option<String>, ApiError> {
    match util::get(body, "status") {
        None => Ok(None),
        Some(Value::String(s)) if matches!(s.as_str(), "ENABLED" | "PAUSED") => Ok(Some(s.clone())),
        Some(s) => Err(validation(format!("status {s} is not valid"))),
    }
}

pub fn enable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let freq = frequency(&i.body)?.unwrap_or_else(|| "SIX_HOURS".into());
    let status = status(&i.body)?.unwrap_or_else(|| "ENABLED".into());
    let state = &mut w.scope(&cx.account, &cx.region).macie;
    if state.session.is_some() {
        return Err(conflict("Macie has already been enabled"));
    }
    let now = iso_now();
    state.session = Some(Session {
        status,
        frequency: freq,
        created_at: now.clone(),
        updated_at: now,
    });
    Ok(json!({}))
}

pub fn get(w: &mut World, cx: &Cx, _: &Input) -> Res {
    let account = cx.account.clone();
    let m = w
        .scope(&cx.account, &cx.region)
        .macie
        .session
        .as_ref()
        .ok_or_else(not_enabled)?;
    Ok(json!({
        "createdAt": m.created_at,
        "updatedAt": m.updated_at,
        "findingPublishingFrequency": m.frequency,
        "serviceRole": format!("arn:{}:iam::{account}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie", crate::util::partition(&cx.region).0),
        "status": m.status,
    }))
}

/// A member the administrator added through Organizations may not suspend or disable its own
/// Macie (API.md §4.1: "Only your Macie administrator can suspend Macie for your account";
/// disabling needs the administrator to disassociate it first). AWS documents no error for
/// it; here, as for any request that conflicts with the resource's state, a 409.
fn member_may_not(w: &World, cx: &Cx, what: &str) -> Result<(), ApiError> {
    match super::members::administrator_of(w, &cx.account, &cx.region) {
        Some(admin) => Err(conflict(format!(
            "The request failed because the account is a member of the Macie administrator account {admin}, which must {what}."
        ))),
        None => Ok(()),
    }
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let freq = frequency(&i.body)?;
    let status = status(&i.body)?;
    if status.as_deref() == Some("PAUSED") {
        member_may_not(w, cx, "suspend Macie for it")?;
    }
    let m = w
        .scope(&cx.account, &cx.region)
        .macie
        .session
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

pub fn disable(w: &mut World, cx: &Cx, _: &Input) -> Res {
    member_may_not(w, cx, "disassociate it before it can disable Macie")?;
    w.scope(&cx.account, &cx.region).macie.session = None;
    Ok(json!({}))
}
