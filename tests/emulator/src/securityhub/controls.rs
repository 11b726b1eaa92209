//! Controls in standards (API.md §1.3): associations are stored sparsely, only where they
//! differ from the default (every catalog control of an enabled standard is ENABLED); the
//! legacy per-standard API reads and writes the same associations.

use serde_json::{Map, Value, json};
use shubctl::model::catalog::{ControlDef, StandardDef, catalog};

use super::arn::{
    StandardArns, legacy_number, security_control_arn, standards_control_arn,
    std_by_subscription_arn,
};
use super::state::{Assoc, State};
use super::{invalid, not_found, own, paged, query_max, required_label, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{Res, get_arr, get_str, iso_now, object, put_opt};
use crate::world::World;

/// A control, looked up once per request item.
type Control = Option<&'static ControlDef>;

/// Part of the standard: in the catalog, or one of the newer controls configured there.
fn control_in_standard(st: &State, std: &str, ctl: &str, control: Control, cx: &Cx) -> bool {
    control.is_some_and(|c| c.standards.iter().any(|s| s == std))
        || (control.is_none()
            && cx
                .cfg
                .newer_controls
                .get(ctl)
                .is_some_and(|stds| stds.iter().any(|s| s == std)))
        || st.assoc(std, ctl).is_some()
}

/// The association of a control with a standard (summary shape; `detail` adds the legacy ARNs).
fn association_json(
    st: &State,
    (def, std_arn): (&StandardDef, &str),
    (ctl, control): (&str, Control),
    cx: &Cx,
    detail: bool,
) -> Value {
    let a = st.assoc(&def.id, ctl);
    let title = control.map_or(ctl, |c| c.title.as_str());
    let mut m = Map::with_capacity(11);
    m.insert("StandardsArn".into(), json!(std_arn));
    m.insert("SecurityControlId".into(), json!(ctl));
    m.insert(
        "SecurityControlArn".into(),
        security_control_arn(&cx.region, &cx.account, ctl).into(),
    );
    m.insert(
        "AssociationStatus".into(),
        json!(a.map(|a| a.status.as_str()).unwrap_or("ENABLED")),
    );
    let related: Vec<String> = control
        .and_then(|c| c.legacy_ids.get(&def.id))
        .map(|l| format!("{}/{l}", def.name))
        .into_iter()
        .collect();
    m.insert("RelatedRequirements".into(), related.into());
    put_opt(&mut m, "UpdatedAt", a.map(|a| a.updated_at.clone()));
    put_opt(&mut m, "UpdatedReason", a.and_then(|a| a.reason.clone()));
    m.insert("StandardsControlTitle".into(), json!(title));
    m.insert("StandardsControlDescription".into(), json!(title));
    if detail {
        let number = legacy_number(def, control, ctl);
        let arn = standards_control_arn(def, &cx.region, &cx.account, number);
        m.insert(
            "StandardsControlArns".into(),
            Value::Array(vec![arn.into()]),
        );
    }
    Value::Object(m)
}

/// The standard an association item names, if the association can be read or changed:
/// the standard is known and READY, and the control is part of it. Otherwise the item's
/// `ErrorCode` and `ErrorReason`.
fn usable_association(
    st: &State,
    standards: &StandardArns,
    arn: &str,
    ctl: &str,
    control: Control,
    cx: &Cx,
) -> Result<&'static StandardDef, (&'static str, String)> {
    let def = standards
        .find(arn)
        .ok_or_else(|| ("INVALID_INPUT", format!("{arn} is not a valid standard")))?;
    match st.standards.get(&def.id) {
        Some(sub) if sub.is_ready(cx.now) => {}
        Some(sub) => {
            return Err((
                "RESOURCE_NOT_FOUND",
                format!(
                    "Standard {arn} is {} and not ready for updates",
                    sub.status(cx.now)
                ),
            ));
        }
        None => {
            return Err((
                "RESOURCE_NOT_FOUND",
                format!("Standard {arn} is not enabled"),
            ));
        }
    }
    // The reason's wording for a control AWS does not offer in the region is undocumented;
    // the code is the one the model gives for "not there".
    if !cx.offers_control(ctl) {
        return Err((
            "RESOURCE_NOT_FOUND",
            format!("Security control {ctl} is not available in {}", cx.region),
        ));
    }
    if !control_in_standard(st, &def.id, ctl, control, cx) {
        return Err((
            "RESOURCE_NOT_FOUND",
            format!("Security control {ctl} is not part of {arn}"),
        ));
    }
    Ok(def)
}

pub fn batch_get_associations(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let ids = get_arr(&i.body, "StandardsControlAssociationIds")
        .ok_or_else(|| invalid("StandardsControlAssociationIds is required"))?;
    let standards = StandardArns::in_region(&cx.region);
    let st = own(w, cx);
    let (mut found, mut unprocessed) = (Vec::with_capacity(ids.len()), Vec::new());
    for id in ids {
        let ctl = get_str(id, "SecurityControlId").unwrap_or_default();
        let arn = get_str(id, "StandardsArn").unwrap_or_default();
        let fail = |code: &str, reason: String| json!({ "StandardsControlAssociationId": id, "ErrorCode": code, "ErrorReason": reason });
        if ctl.is_empty() || arn.is_empty() {
            unprocessed.push(fail(
                "INVALID_INPUT",
                "SecurityControlId and StandardsArn are required".into(),
            ));
            continue;
        }
        let control = catalog().control(ctl);
        match usable_association(st, &standards, arn, ctl, control, cx) {
            Ok(def) => found.push(association_json(
                st,
                (def, standards.arn_of(def)),
                (ctl, control),
                cx,
                true,
            )),
            Err((code, reason)) => unprocessed.push(fail(code, reason)),
        }
    }
    let mut out = object([("StandardsControlAssociationDetails", found.into())]);
    if !unprocessed.is_empty() {
        out["UnprocessedAssociations"] = unprocessed.into();
    }
    Ok(out)
}

pub fn batch_update_associations(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let updates = get_arr(&i.body, "StandardsControlAssociationUpdates")
        .ok_or_else(|| invalid("StandardsControlAssociationUpdates is required"))?;
    let now = iso_now();
    let standards = StandardArns::in_region(&cx.region);
    let st = own(w, cx);
    let mut unprocessed = Vec::new();
    for u in updates {
        let fail = |code: &str, reason: String| json!({ "StandardsControlAssociationUpdate": u, "ErrorCode": code, "ErrorReason": reason });
        let ctl = get_str(u, "SecurityControlId").unwrap_or_default();
        let arn = get_str(u, "StandardsArn").unwrap_or_default();
        let status = get_str(u, "AssociationStatus").unwrap_or_default();
        let reason = get_str(u, "UpdatedReason");
        if ctl.is_empty() || arn.is_empty() || !matches!(status, "ENABLED" | "DISABLED") {
            unprocessed.push(fail("INVALID_INPUT", "SecurityControlId, StandardsArn and AssociationStatus (ENABLED|DISABLED) are required".into()));
            continue;
        }
        let control = catalog().control(ctl);
        let def = match usable_association(st, &standards, arn, ctl, control, cx) {
            Ok(def) => def,
            Err((code, reason)) => {
                unprocessed.push(fail(code, reason));
                continue;
            }
        };
        if cx.cfg.fail_association_controls.contains(ctl) {
            unprocessed.push(fail(
                "INVALID_INPUT",
                format!("Update of {ctl} failed (injected)"),
            ));
            continue;
        }
        if status == "DISABLED" && reason.is_none_or(|r| r.trim().is_empty()) {
            unprocessed.push(fail(
                "INVALID_INPUT",
                "UpdatedReason is required when disabling a control".into(),
            ));
            continue;
        }
        let assoc = Assoc {
            status: status.to_string(),
            reason: reason.map(str::to_string),
            updated_at: now.clone(),
        };
        st.set_assoc(&def.id, ctl, assoc);
    }
    let mut out = json!({});
    if !unprocessed.is_empty() {
        out["UnprocessedAssociationUpdates"] = unprocessed.into();
    }
    Ok(out)
}

pub fn list_associations(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let ctl = i
        .query("SecurityControlId")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("SecurityControlId is required"))?;
    let ctl = ctl.rsplit('/').next().unwrap_or(ctl).to_string();
    let control = catalog().control(&ctl);
    let standards = StandardArns::in_region(&cx.region);
    let st = own(w, cx);
    // The operation models no not-found error: a control not offered here has no associations.
    let offered = cx.offers_control(&ctl);
    let all: Vec<Value> = catalog()
        .standards
        .iter()
        .filter(|def| {
            offered
                && st
                    .standards
                    .get(&def.id)
                    .is_some_and(|sub| sub.is_ready(cx.now))
                && control_in_standard(st, &def.id, &ctl, control, cx)
        })
        .map(|def| {
            let std = (def, standards.arn_of(def));
            association_json(st, std, (&ctl, control), cx, false)
        })
        .collect();
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(with_token(
        object([("StandardsControlAssociationSummaries", items.into())]),
        next,
    ))
}

/// The legacy per-standard API, kept for completeness.
pub fn describe_standards_controls(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = required_label(i, "StandardsSubscriptionArn")?;
    let st = own(w, cx);
    let def = std_by_subscription_arn(&arn, &cx.region, &cx.account)
        .filter(|d| st.standards.contains_key(&d.id))
        .ok_or_else(|| not_found(format!("Standards subscription {arn} not found")))?;
    let all: Vec<Value> = if st.standards[&def.id].is_ready(cx.now) {
        catalog()
            .controls_in(&def.id)
            .filter(|c| cx.offers_control(&c.id))
            .map(|c| {
                let a = st.assoc(&def.id, &c.id);
                let mut m = Map::new();
                m.insert(
                    "StandardsControlArn".into(),
                    json!(standards_control_arn(
                        def,
                        &cx.region,
                        &cx.account,
                        legacy_number(def, Some(c), &c.id)
                    )),
                );
                m.insert(
                    "ControlStatus".into(),
                    json!(a.map(|a| a.status.as_str()).unwrap_or("ENABLED")),
                );
                put_opt(
                    &mut m,
                    "DisabledReason",
                    a.filter(|a| a.status == "DISABLED")
                        .and_then(|a| a.reason.clone()),
                );
                put_opt(
                    &mut m,
                    "ControlStatusUpdatedAt",
                    a.map(|a| a.updated_at.clone()),
                );
                m.insert(
                    "ControlId".into(),
                    json!(
                        c.legacy_ids
                            .get(&def.id)
                            .cloned()
                            .unwrap_or_else(|| c.id.clone())
                    ),
                );
                m.insert("Title".into(), json!(c.title));
                m.insert("Description".into(), json!(c.title));
                m.insert("SeverityRating".into(), json!("MEDIUM"));
                m.insert("RelatedRequirements".into(), json!([]));
                Value::Object(m)
            })
            .collect()
    } else {
        Vec::new()
    };
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(with_token(object([("Controls", items.into())]), next))
}

pub fn update_standards_control(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let arn = required_label(i, "StandardsControlArn")?;
    let status = get_str(body, "ControlStatus");
    let reason = get_str(body, "DisabledReason");
    let st = own(w, cx);
    let found = catalog().standards.iter().find_map(|def| {
        let prefix = standards_control_arn(def, &cx.region, &cx.account, "");
        let number = arn.strip_prefix(&prefix)?;
        let ctl = catalog().controls_in(&def.id).find(|c| {
            c.legacy_ids
                .get(&def.id)
                .map(String::as_str)
                .unwrap_or(&c.id)
                == number
        })?;
        Some((def, ctl.id.clone()))
    });
    let (def, ctl) = found
        .filter(|(d, _)| {
            st.standards
                .get(&d.id)
                .is_some_and(|sub| sub.is_ready(cx.now))
        })
        .ok_or_else(|| not_found(format!("Standards control {arn} not found")))?;
    match status {
        Some("ENABLED") | None => {}
        Some("DISABLED") if reason.is_some_and(|r| !r.trim().is_empty()) => {}
        Some("DISABLED") => {
            return Err(invalid(
                "DisabledReason is required when ControlStatus is DISABLED",
            ));
        }
        Some(other) => {
            return Err(invalid(format!(
                "ControlStatus `{other}` is not ENABLED or DISABLED"
            )));
        }
    }
    if let Some(new) = status {
        let assoc = Assoc {
            status: new.to_string(),
            reason: reason.map(str::to_string),
            updated_at: iso_now(),
        };
        st.set_assoc(&def.id, &ctl, assoc);
    }
    Ok(json!({}))
}
