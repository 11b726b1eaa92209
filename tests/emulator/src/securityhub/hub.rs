//! The hub itself (API.md §1.1): enable, describe, update, disable.

use serde_json::json;

use super::arn::hub_arn;
use super::standards::DEFAULT_STANDARDS;
use super::state::{Hub, administrator_of};
use super::{conflict, invalid, not_found, own};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get, get_bool, get_str};
use crate::world::{AdminOf, World};

pub fn describe(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = hub_arn(&cx.region, &cx.account);
    if let Some(asked) = i.query("HubArn")
        && asked != arn
    {
        return Err(not_found(format!("Hub {asked} not found")));
    }
    let hub = own(w, cx).hub.as_ref().expect("checked");
    Ok(json!({
        "HubArn": arn,
        "SubscribedAt": hub.subscribed_at,
        "AutoEnableControls": hub.auto_enable_controls,
        "ControlFindingGenerator": hub.control_finding_generator,
    }))
}

fn check_generator(v: Option<&str>) -> Result<(), ApiError> {
    match v {
        None | Some("STANDARD_CONTROL" | "SECURITY_CONTROL") => Ok(()),
        Some(other) => Err(invalid(format!(
            "ControlFindingGenerator `{other}` is not one of STANDARD_CONTROL, SECURITY_CONTROL"
        ))),
    }
}

pub fn enable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    if own(w, cx).hub.is_some() {
        return Err(conflict("Account is already subscribed to Security Hub"));
    }
    let generator = get_str(body, "ControlFindingGenerator");
    check_generator(generator)?;
    if let Some(tags) = get(body, "Tags")
        && tags.as_object().is_none_or(|t| t.len() > 50)
    {
        return Err(invalid("Tags must be a map of at most 50 entries"));
    }
    let mut hub = Hub::fresh();
    if let Some(g) = generator {
        hub.control_finding_generator = g.to_string();
    }
    let s = own(w, cx);
    s.hub = Some(hub);
    if get_bool(body, "EnableDefaultStandards").unwrap_or(true) {
        for std in DEFAULT_STANDARDS {
            s.subscribe(std, cx.now + cx.cfg.standard_delay);
        }
    }
    Ok(json!({}))
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let generator = get_str(&i.body, "ControlFindingGenerator");
    check_generator(generator)?;
    let hub = own(w, cx).hub.as_mut().expect("checked");
    if let Some(a) = get_bool(&i.body, "AutoEnableControls") {
        hub.auto_enable_controls = a;
    }
    if let Some(g) = generator {
        hub.control_finding_generator = g.to_string();
    }
    Ok(json!({}))
}

pub fn disable(w: &mut World, cx: &Cx, _: &Input) -> Res {
    let admin_here = w.admin_in(AdminOf::SecurityHub, &cx.region);
    if admin_here == Some(cx.account.as_str()) {
        return Err(invalid(format!(
            "Cannot disable Security Hub on the Security Hub administrator account {}. Remove the account as administrator first.",
            cx.account
        )));
    }
    if let Some(admin) = administrator_of(w, &cx.account, &cx.region)
        && w.in_org(&cx.account)
        && admin_here == Some(admin)
    {
        return Err(invalid(format!(
            "Account {} is a member account managed by administrator {admin} through AWS Organizations; the administrator must disassociate it before Security Hub can be disabled",
            cx.account
        )));
    }
    own(w, cx).disable_hub();
    Ok(json!({}))
}
