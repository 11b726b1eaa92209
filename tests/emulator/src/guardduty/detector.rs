//! The detector (API.md §2): one per account × region, its id 32 hex digits.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::state::Detector;
use super::{FEATURES, bad, detector_id, not_owned, out_of_range, paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{self, ApiError, Res, get_arr, get_bool, get_str, iso_now, object};
use crate::world::World;

/// Always on; GetDetector reports them, nothing else knows them.
const FOUNDATIONAL: [&str; 3] = ["FLOW_LOGS", "CLOUD_TRAIL", "DNS_LOGS"];
const FREQUENCIES: [&str; 3] = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"];

fn check_frequency(body: &Value) -> Result<Option<String>, ApiError> {
    match util::get(body, "findingPublishingFrequency") {
        None => Ok(None),
        Some(Value::String(f)) if FREQUENCIES.contains(&f.as_str()) => Ok(Some(f.clone())),
        Some(_) => Err(out_of_range()),
    }
}

/// The model's `FeatureAdditionalConfiguration` values.
const ADDITIONAL: [&str; 4] = [
    "EKS_ADDON_MANAGEMENT",
    "ECS_FARGATE_AGENT_MANAGEMENT",
    "EC2_AGENT_MANAGEMENT",
    "RDS_DATA_RISK",
];

/// A feature's `additionalConfiguration` per feature name.
type Additional = BTreeMap<String, BTreeMap<String, String>>;

/// The `features` list of a create / update as name → status, and the features'
/// `additionalConfiguration` lists as feature → (name → status).
fn detector_features(body: &Value) -> Result<(BTreeMap<String, String>, Additional), ApiError> {
    if util::get(body, "dataSources").is_some() && util::get(body, "features").is_some() {
        return Err(bad(
            "The request is rejected because both data sources and features were provided. You can provide only one; it is recommended to use features.",
        ));
    }
    let mut out = BTreeMap::new();
    let mut additional = Additional::new();
    for f in get_arr(body, "features")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = get_str(f, "name")
            .filter(|n| FEATURES.contains(n))
            .ok_or_else(out_of_range)?;
        let status = get_str(f, "status")
            .filter(|s| matches!(*s, "ENABLED" | "DISABLED"))
            .ok_or_else(out_of_range)?;
        for a in get_arr(f, "additionalConfiguration")
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let a_name = get_str(a, "name")
                .filter(|n| ADDITIONAL.contains(n))
                .ok_or_else(out_of_range)?;
            let a_status = get_str(a, "status")
                .filter(|s| matches!(*s, "ENABLED" | "DISABLED"))
                .ok_or_else(out_of_range)?;
            additional
                .entry(name.to_string())
                .or_default()
                .insert(a_name.to_string(), a_status.to_string());
        }
        if out.insert(name.to_string(), status.to_string()).is_some() {
            return Err(bad(format!(
                "The request is rejected because the feature {name} is specified more than once."
            )));
        }
    }
    if out.contains_key("EKS_RUNTIME_MONITORING") && out.contains_key("RUNTIME_MONITORING") {
        return Err(bad(
            "The request is rejected because both EKS Runtime Monitoring and Runtime Monitoring were specified. You can provide only one of these features.",
        ));
    }
    Ok((out, additional))
}

/// Merges an update's additional configuration by feature and name, as features are merged.
fn merge_additional(into: &mut Additional, given: Additional) {
    for (feature, configs) in given {
        into.entry(feature).or_default().extend(configs);
    }
}

/// The caller's detector, if `id` is its id.
pub(super) fn own_detector<'a>(
    w: &'a mut World,
    cx: &Cx,
    id: &str,
) -> Result<&'a mut Detector, ApiError> {
    w.scope(&cx.account, &cx.region)
        .guardduty
        .detector
        .as_mut()
        .filter(|d| d.id == id)
        .ok_or_else(not_owned)
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let enable = get_bool(body, "enable").ok_or_else(|| {
        bad("The request is rejected because a required parameter enable is missing.")
    })?;
    let frequency = check_frequency(body)?.unwrap_or_else(|| "SIX_HOURS".into());
    let (given, additional) = detector_features(body)?;
    if w.scope(&cx.account, &cx.region)
        .guardduty
        .detector
        .is_some()
    {
        return Err(bad(
            "The request is rejected because a detector already exists for the current account.",
        ));
    }
    // Features left out are turned on, except Runtime Monitoring.
    let mut features: BTreeMap<String, String> = FEATURES
        .iter()
        .map(|f| {
            (
                f.to_string(),
                if *f == "RUNTIME_MONITORING" {
                    "DISABLED"
                } else {
                    "ENABLED"
                }
                .to_string(),
            )
        })
        .collect();
    features.extend(given);
    let id = w.next_uuid().replace('-', "");
    let now = iso_now();
    w.scope(&cx.account, &cx.region).guardduty.detector = Some(Detector {
        id: id.clone(),
        enabled: enable,
        frequency,
        features,
        additional,
        created_at: now.clone(),
        updated_at: now,
    });
    Ok(json!({ "detectorId": id }))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let ids: Vec<String> = w
        .scope(&cx.account, &cx.region)
        .guardduty
        .detector
        .iter()
        .map(|d| d.id.clone())
        .collect();
    let (items, next) = paged(&ids, i, cx)?;
    Ok(with_token(object([("detectorIds", items.into())]), next))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let account = cx.account.clone();
    // A member's findings are published as often as its administrator's.
    let admin_frequency = super::members::administrator_of(w, &cx.account, &cx.region)
        .map(str::to_string)
        .and_then(|a| w.scope_ref(&a, &cx.region)?.guardduty.detector.as_ref())
        .map(|d| d.frequency.clone());
    let d = own_detector(w, cx, detector_id(i))?;
    let frequency = admin_frequency.unwrap_or_else(|| d.frequency.clone());
    let mut features: Vec<Value> = FOUNDATIONAL
        .iter()
        .map(|f| json!({ "name": f, "status": "ENABLED" }))
        .collect();
    features.extend(d.features.iter().map(|(n, s)| {
        let mut f = json!({ "name": n, "status": s });
        if let Some(a) = d.additional.get(n) {
            f["additionalConfiguration"] = a
                .iter()
                .map(|(n, s)| json!({ "name": n, "status": s }))
                .collect();
        }
        f
    }));
    Ok(json!({
        "createdAt": d.created_at,
        "updatedAt": d.updated_at,
        "findingPublishingFrequency": frequency,
        "serviceRole": format!("arn:{}:iam::{account}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty", crate::util::partition(&cx.region).0),
        "status": if d.enabled { "ENABLED" } else { "DISABLED" },
        "features": features,
        "tags": {},
    }))
}

/// What a member the administrator added through Organizations may not do to its own
/// detector: turn it off, change its publishing frequency or its protection plans (API.md
/// §2.1 cites AWS for each).
fn member_may_not(w: &World, cx: &Cx, what: &str) -> Result<(), ApiError> {
    match super::members::administrator_of(w, &cx.account, &cx.region) {
        Some(admin) => Err(bad(format!(
            "The request is rejected because the current account is a member of the GuardDuty administrator account {admin}; only the administrator can {what}."
        ))),
        None => Ok(()),
    }
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let frequency = check_frequency(body)?;
    let (given, additional) = detector_features(body)?;
    own_detector(w, cx, detector_id(i))?;
    if get_bool(body, "enable") == Some(false) {
        member_may_not(w, cx, "suspend GuardDuty for it")?;
    }
    if frequency.is_some() {
        member_may_not(w, cx, "change its finding publishing frequency")?;
    }
    if !given.is_empty() {
        member_may_not(w, cx, "change its protection plans")?;
    }
    let d = own_detector(w, cx, detector_id(i))?;
    if let Some(e) = get_bool(body, "enable") {
        d.enabled = e;
    }
    if let Some(f) = frequency {
        d.frequency = f;
    }
    d.features.extend(given);
    merge_additional(&mut d.additional, additional);
    d.updated_at = iso_now();
    Ok(json!({}))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    own_detector(w, cx, detector_id(i))?;
    member_may_not(
        w,
        cx,
        "disassociate it, after which it can delete its detector",
    )?;
    if !w
        .scope(&cx.account, &cx.region)
        .guardduty
        .members
        .is_empty()
    {
        return Err(bad(
            "The request is rejected because the current account cannot delete detector while it has invited or associated members.",
        ));
    }
    w.scope(&cx.account, &cx.region).guardduty.detector = None;
    Ok(json!({}))
}
