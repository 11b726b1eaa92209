//! AWS Account Management over restJson1 (API.md §12): `ListRegions`. The regions launched
//! before 2019-03-20 are enabled in every account and cannot be disabled: they answer
//! `ENABLED_BY_DEFAULT` whatever the snapshot says. An opt-in region answers `ENABLED` when the
//! snapshot's `organization.enabled_regions` lists it, else `DISABLED`, for every account.

use serde_json::{Value, json};

use crate::http::{Cx, Request};
use crate::route::{Input, Route, route};
use crate::util::{ApiError, Res, get_arr, get_i64, get_str, page_iter};
use crate::world::World;

pub static ROUTES: &[Route] = &[route!("POST" "/listRegions" => "ListRegions", list_regions)];

/// The commercial partition's regions: (name, opt-in).
const REGIONS: &[(&str, bool)] = &[
    ("af-south-1", true),
    ("ap-east-1", true),
    ("ap-east-2", true),
    ("ap-northeast-1", false),
    ("ap-northeast-2", false),
    ("ap-northeast-3", false),
    ("ap-south-1", false),
    ("ap-south-2", true),
    ("ap-southeast-1", false),
    ("ap-southeast-2", false),
    ("ap-southeast-3", true),
    ("ap-southeast-4", true),
    ("ap-southeast-5", true),
    ("ap-southeast-7", true),
    ("ca-central-1", false),
    ("ca-west-1", true),
    ("eu-central-1", false),
    ("eu-central-2", true),
    ("eu-north-1", false),
    ("eu-south-1", true),
    ("eu-south-2", true),
    ("eu-west-1", false),
    ("eu-west-2", false),
    ("eu-west-3", false),
    ("il-central-1", true),
    ("me-central-1", true),
    ("me-south-1", true),
    ("mx-central-1", true),
    ("sa-east-1", false),
    ("us-east-1", false),
    ("us-east-2", false),
    ("us-west-1", false),
    ("us-west-2", false),
];

const STATUSES: [&str; 5] = [
    "ENABLED",
    "ENABLING",
    "DISABLING",
    "DISABLED",
    "ENABLED_BY_DEFAULT",
];

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m)
}

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| validation(format!("The request body is not valid JSON: {e}")))?;
    (route.handler)(w, cx, &Input { req, body, labels })
}

fn list_regions(w: &mut World, cx: &Cx, i: &Input) -> Res {
    // Another account's regions: only from the management account, for a member of its
    // organisation, and never for itself through AccountId.
    if let Some(other) = get_str(&i.body, "AccountId") {
        if w.management_account() != Some(cx.account.as_str()) {
            return Err(ApiError::new(
                403,
                "AccessDeniedException",
                "The operation failed because the calling identity doesn't have the minimum required permissions.",
            ));
        }
        if other == cx.account {
            return Err(validation(
                "The operation failed because you specified the management account ID. Don't specify the AccountId parameter to access the management account.",
            ));
        }
        if !w.is_listed(other) {
            return Err(ApiError::new(
                403,
                "AccessDeniedException",
                format!("The account {other} is not a member of your organization."),
            ));
        }
    }
    let filter: Vec<String> = match get_arr(&i.body, "RegionOptStatusContains") {
        Some(list) => {
            let mut out = Vec::new();
            for v in list {
                let s = v.as_str().unwrap_or_default();
                if !STATUSES.contains(&s) {
                    return Err(validation(format!(
                        "1 validation error detected: Value '{s}' at 'regionOptStatusContains' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        STATUSES.join(", ")
                    )));
                }
                out.push(s.to_string());
            }
            out
        }
        None => vec![],
    };
    if let Some(t) = get_str(&i.body, "NextToken")
        && t.len() > 1000
    {
        return Err(validation("NextToken must be at most 1000 characters"));
    }
    let enabled = &w.org().enabled_regions;
    let all = REGIONS.iter().filter_map(|(name, opt_in)| {
        let status = match (opt_in, enabled.iter().any(|r| r == name)) {
            (false, _) => "ENABLED_BY_DEFAULT",
            (true, true) => "ENABLED",
            (true, false) => "DISABLED",
        };
        (filter.is_empty() || filter.iter().any(|f| f == status)).then_some((*name, status))
    });
    let (items, next) = page_iter(
        all,
        get_str(&i.body, "NextToken"),
        get_i64(&i.body, "MaxResults"),
        50,
        cx.cfg.page_size,
        validation,
    )?;
    let regions: Vec<Value> = items
        .into_iter()
        .map(|(n, s)| json!({ "RegionName": n, "RegionOptStatus": s }))
        .collect();
    let mut out = json!({ "Regions": regions });
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}
