//! Inspector2 over restJson1 (API.md §3): everything is POST; Enable is asynchronous
//! (ENABLING for `Config::inspector_delay`, then ENABLED) and reports failures per account.

mod accounts;
mod members;
mod organization;
mod state;

pub use state::State;

use crate::http::{Cx, Request};
use crate::route::{Input, Route, route};
use crate::util::{ApiError, Res};
use crate::world::World;

pub static ROUTES: &[Route] = &[
    route!("POST" "/enable" => "Enable", accounts::enable),
    route!("POST" "/disable" => "Disable", accounts::disable),
    route!("POST" "/status/batch/get" => "BatchGetAccountStatus", accounts::batch_get_status),
    route!("POST" "/delegatedadminaccounts/enable" => "EnableDelegatedAdminAccount", organization::enable_admin),
    route!("POST" "/delegatedadminaccounts/disable" => "DisableDelegatedAdminAccount", organization::disable_admin),
    route!("POST" "/delegatedadminaccounts/list" => "ListDelegatedAdminAccounts", organization::list_admins),
    route!("POST" "/delegatedadminaccounts/get" => "GetDelegatedAdminAccount", organization::get_admin),
    route!("POST" "/organizationconfiguration/describe" => "DescribeOrganizationConfiguration", organization::describe_config),
    route!("POST" "/organizationconfiguration/update" => "UpdateOrganizationConfiguration", organization::update_config),
    route!("POST" "/members/associate" => "AssociateMember", members::associate),
    route!("POST" "/members/disassociate" => "DisassociateMember", members::disassociate),
    route!("POST" "/members/get" => "GetMember", members::get),
    route!("POST" "/members/list" => "ListMembers", members::list),
];

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| validation(format!("The request body is not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(validation("The request body must be a JSON object"));
    }
    (route.handler)(w, cx, &Input { req, body, labels })
}

/// Resource type → its member in `resourceStatus` / `resourceState` / `autoEnable`.
const TYPES: [(&str, &str); 5] = [
    ("EC2", "ec2"),
    ("ECR", "ecr"),
    ("LAMBDA", "lambda"),
    ("LAMBDA_CODE", "lambdaCode"),
    ("CODE_REPOSITORY", "codeRepository"),
];

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m).with("reason", "FIELD_VALIDATION_FAILED")
}
fn denied(m: impl Into<String>) -> ApiError {
    ApiError::new(403, "AccessDeniedException", m)
}
fn conflict(m: impl Into<String>, id: &str) -> ApiError {
    ApiError::new(409, "ConflictException", m)
        .with("resourceId", id)
        .with("resourceType", "DelegatedAdminAccount")
}
fn not_found(m: impl Into<String>) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", m)
}
