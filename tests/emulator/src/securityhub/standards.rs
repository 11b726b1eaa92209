//! Standards subscriptions (API.md §1.2): PENDING for `Config::standard_delay`, then READY;
//! DELETING for as long, then gone.

use serde_json::{Value, json};
use shubctl::model::catalog::{StandardDef, catalog};

use super::arn::{StandardArns, standard_arn, std_by_subscription_arn, subscription_arn};
use super::{invalid, own, paged, query_max, required_list, required_str, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{Res, get_i64, get_str, get_strs, object};
use crate::world::World;

/// What EnableSecurityHub subscribes to unless told not to.
pub const DEFAULT_STANDARDS: [&str; 2] = ["fsbp/1.0.0", "cis/1.2.0"];

fn standard_json(def: &StandardDef, region: &str) -> Value {
    json!({
        "StandardsArn": standard_arn(def, region),
        "Name": def.name,
        "Description": format!("{} (emulated)", def.name),
        "EnabledByDefault": DEFAULT_STANDARDS.contains(&def.id.as_str()),
        "StandardsManagedBy": { "Company": "AWS", "Product": "Security Hub" },
        "Provider": "AWS",
    })
}

pub fn describe(_: &mut World, cx: &Cx, i: &Input) -> Res {
    let providers = i.req.query_all("Providers");
    let all: Vec<Value> = if providers.is_empty() || providers.iter().any(|p| p == "AWS") {
        catalog()
            .standards
            .iter()
            .map(|d| standard_json(d, &cx.region))
            .collect()
    } else {
        Vec::new()
    };
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(with_token(object([("Standards", items.into())]), next))
}

fn subscription_json(def: &StandardDef, status: &str, reason: Option<&str>, cx: &Cx) -> Value {
    let updatable = if status == "READY" {
        "READY_FOR_UPDATES"
    } else {
        "NOT_READY_FOR_UPDATES"
    };
    let mut v = object([
        (
            "StandardsSubscriptionArn",
            subscription_arn(def, &cx.region, &cx.account).into(),
        ),
        ("StandardsArn", standard_arn(def, &cx.region).into()),
        ("StandardsInput", json!({})),
        ("StandardsStatus", status.into()),
        ("StandardsControlsUpdatable", updatable.into()),
    ]);
    if let Some(code) = reason {
        v["StandardsStatusReason"] = json!({ "StatusReasonCode": code });
    }
    v
}

pub fn get_enabled(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let filter = get_strs(body, "StandardsSubscriptionArns");
    if filter.as_ref().is_some_and(|f| f.len() > 25) {
        return Err(invalid(
            "StandardsSubscriptionArns may hold at most 25 items",
        ));
    }
    let s = own(w, cx);
    let all: Vec<Value> = catalog()
        .standards
        .iter()
        .filter_map(|def| {
            s.standards.get(&def.id).map(|sub| {
                let status = sub.status(cx.now);
                let reason = sub
                    .trouble
                    .as_ref()
                    .filter(|(s, _)| *s == status)
                    .map(|(_, r)| r.as_str());
                subscription_json(def, status, reason, cx)
            })
        })
        .filter(|v| {
            filter.as_ref().is_none_or(|f| {
                f.iter()
                    .any(|a| Some(a.as_str()) == v["StandardsSubscriptionArn"].as_str())
            })
        })
        .collect();
    let (items, next) = paged(
        &all,
        get_str(body, "NextToken"),
        get_i64(body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(
        object([("StandardsSubscriptions", items.into())]),
        next,
    ))
}

pub fn batch_enable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let reqs = required_list(&i.body, "StandardsSubscriptionRequests", 25)?;
    let standards = StandardArns::in_region(&cx.region);
    let mut defs = Vec::new();
    for r in reqs {
        let arn = required_str(r, "StandardsArn")?;
        let def = standards.find(arn).ok_or_else(|| {
            invalid(format!(
                "StandardsArn {arn} is not a valid standard in {}",
                cx.region
            ))
        })?;
        defs.push(def);
    }
    let s = own(w, cx);
    let mut out = Vec::new();
    for def in defs {
        let fresh = s
            .standards
            .get(&def.id)
            .is_none_or(|sub| sub.deleting_until.is_some());
        s.subscribe(&def.id, cx.now + cx.cfg.standard_delay);
        // AWS answers a fresh subscription as PENDING, whatever happens next.
        let status = if fresh {
            "PENDING"
        } else {
            s.standards[&def.id].status(cx.now)
        };
        out.push(subscription_json(def, status, None, cx));
    }
    Ok(object([("StandardsSubscriptions", out.into())]))
}

pub fn batch_disable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arns = required_list(&i.body, "StandardsSubscriptionArns", 25)?;
    let s = own(w, cx);
    let mut defs = Vec::new();
    for a in arns {
        let arn = a.as_str().unwrap_or_default();
        let def = std_by_subscription_arn(arn, &cx.region, &cx.account)
            .filter(|d| s.standards.contains_key(&d.id))
            .ok_or_else(|| {
                invalid(format!(
                    "StandardsSubscriptionArn {arn} is not a subscription of this account"
                ))
            })?;
        defs.push(def);
    }
    let mut out = Vec::new();
    for def in defs {
        let sub = s.standards.get_mut(&def.id).expect("checked");
        if sub.deleting_until.is_none() {
            sub.deleting_until = Some(cx.now + cx.cfg.standard_delay);
        }
        out.push(subscription_json(def, "DELETING", None, cx));
    }
    Ok(object([("StandardsSubscriptions", out.into())]))
}
