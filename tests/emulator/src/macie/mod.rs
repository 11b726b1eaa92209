//! Macie2 over restJson1 (API.md §4): camelCase; "Macie is off" answers 401
//! `AccessDeniedException` "Macie is not enabled."; EnableMacie twice is a 409.

pub mod members;
mod organization;
mod session;
mod state;

pub use state::State;

use crate::http::{Cx, Request};
use crate::route::{Input, Route, route};
use crate::util::{ApiError, Res};
use crate::world::World;

pub static ROUTES: &[Route] = &[
    route!("POST" "/macie" => "EnableMacie", session::enable),
    route!("GET" "/macie" => "GetMacieSession", session::get),
    route!("PATCH" "/macie" => "UpdateMacieSession", session::update),
    route!("DELETE" "/macie" => "DisableMacie", session::disable),
    route!("POST" "/admin" => "EnableOrganizationAdminAccount", organization::enable_admin),
    route!("GET" "/admin" => "ListOrganizationAdminAccounts", organization::list_admins),
    route!("DELETE" "/admin" => "DisableOrganizationAdminAccount", organization::disable_admin),
    route!("GET" "/admin/configuration" => "DescribeOrganizationConfiguration", organization::describe_config),
    route!("PATCH" "/admin/configuration" => "UpdateOrganizationConfiguration", organization::update_config),
    route!("POST" "/members" => "CreateMember", members::create),
    route!("GET" "/members" => "ListMembers", members::list),
    route!("PATCH" "/macie/members/{id}" => "UpdateMemberSession", members::update_session),
];

/// Operations answered while Macie is off in the caller's account; every other one is refused.
const WITHOUT_MACIE: [&str; 4] = [
    "EnableMacie",
    "EnableOrganizationAdminAccount",
    "ListOrganizationAdminAccounts",
    "DisableOrganizationAdminAccount",
];

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| validation(format!("The request body is not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(validation("The request body must be a JSON object"));
    }
    if !WITHOUT_MACIE.contains(&route.op)
        && w.scope(&cx.account, &cx.region).macie.session.is_none()
    {
        return Err(not_enabled());
    }
    (route.handler)(w, cx, &Input { req, body, labels })
}

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m)
}
/// Observed with 401 although the model says 403.
fn not_enabled() -> ApiError {
    // The message is what tells it from a permission denial (same code). Botocore models the
    // error as 403; 401 has been seen and is kept.
    ApiError::new(401, "AccessDeniedException", "Macie is not enabled.")
}
fn denied(m: impl Into<String>) -> ApiError {
    ApiError::new(403, "AccessDeniedException", m)
}
fn conflict(m: impl Into<String>) -> ApiError {
    ApiError::new(409, "ConflictException", m)
}
fn not_found(m: impl Into<String>) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", m)
}
