//! GuardDuty over restJson1 (API.md §2): camelCase JSON, and nearly every error a 400
//! `BadRequestException` told apart only by its message (body `{"message", "type"}`).

mod detector;
pub mod members;
mod organization;
mod state;

pub use state::State;

use serde_json::Value;

use crate::http::{Cx, Request};
use crate::route::{Input, Route, route};
use crate::util::{ApiError, Res, page};
use crate::world::World;

pub static ROUTES: &[Route] = &[
    route!("POST" "/detector" => "CreateDetector", detector::create),
    route!("GET" "/detector" => "ListDetectors", detector::list),
    route!("GET" "/detector/{DetectorId}" => "GetDetector", detector::get),
    route!("POST" "/detector/{DetectorId}" => "UpdateDetector", detector::update),
    route!("DELETE" "/detector/{DetectorId}" => "DeleteDetector", detector::delete),
    route!("GET" "/detector/{DetectorId}/admin" => "DescribeOrganizationConfiguration", organization::describe_config),
    route!("POST" "/detector/{DetectorId}/admin" => "UpdateOrganizationConfiguration", organization::update_config),
    route!("POST" "/admin/enable" => "EnableOrganizationAdminAccount", organization::enable_admin),
    route!("POST" "/admin/disable" => "DisableOrganizationAdminAccount", organization::disable_admin),
    route!("GET" "/admin" => "ListOrganizationAdminAccounts", organization::list_admins),
    route!("POST" "/detector/{DetectorId}/member" => "CreateMembers", members::create),
    route!("GET" "/detector/{DetectorId}/member" => "ListMembers", members::list),
    route!("POST" "/detector/{DetectorId}/member/detector/get" => "GetMemberDetectors", members::get_detectors),
    route!("POST" "/detector/{DetectorId}/member/detector/update" => "UpdateMemberDetectors", members::update_detectors),
];

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = req.json().map_err(|e| {
        bad(format!(
            "The request is rejected because the JSON could not be processed: {e}"
        ))
    })?;
    if !body.is_object() {
        return Err(bad(
            "The request is rejected because the JSON could not be processed.",
        ));
    }
    (route.handler)(w, cx, &Input { req, body, labels })
}

/// Optional features a detector takes (`DetectorFeature`).
const FEATURES: [&str; 9] = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "EKS_RUNTIME_MONITORING",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
    "AI_ANALYST",
];

/// The `{DetectorId}` label ("" when empty: no detector has that id).
fn detector_id<'a>(i: &'a Input) -> &'a str {
    i.label(0).unwrap_or("")
}

// ---- errors -------------------------------------------------------------------------------

/// GuardDuty's catch-all: 400 `BadRequestException`, `type` `InvalidInputException`.
fn bad(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "BadRequestException", m).with("type", "InvalidInputException")
}
fn out_of_range() -> ApiError {
    bad(
        "The request is rejected because an invalid or out-of-range value is specified as an input parameter.",
    )
}
fn not_owned() -> ApiError {
    bad("The request is rejected because the input detectorId is not owned by the current account.")
}
fn no_org_permission() -> ApiError {
    bad(
        "The request is rejected because the current account does not have required AWS Organization master permission.",
    )
}

// ---- paging -------------------------------------------------------------------------------

fn paged<T: Clone>(items: &[T], i: &Input, cx: &Cx) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = i
        .query("maxResults")
        .map(|m| m.parse::<i64>().map_err(|_| out_of_range()))
        .transpose()?;
    page(items, i.query("nextToken"), max, 50, cx.cfg.page_size, bad)
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let (Some(o), Some(t)) = (v.as_object_mut(), next) {
        o.insert("nextToken".into(), Value::String(t));
    }
    v
}
