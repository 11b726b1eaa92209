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

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let freq = frequency(&i.body)?;
    let status = status(&i.body)?;
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
    w.scope(&cx.account, &cx.region).macie.session = None;
    Ok(json!({}))
}
