//! Security Hub CSPM over restJson1 (API.md §1): the route table, the checks every operation
//! shares, and the error and input helpers. One file per resource family holds the handlers.

mod action_targets;
mod aggregator;
mod arn;
mod central;
mod controls;
mod findings;
mod hub;
mod insights;
mod members;
mod organization;
mod products;
mod rules;
mod security_controls;
mod standards;
mod state;
#[cfg(test)]
mod tests;

pub use central::dump as dump_central;
pub use findings::placed;
pub use state::State;

use serde_json::Value;

use crate::http::{Cx, Request};
use crate::route::{Input, Route, route};
use crate::util::{ApiError, Res, get_arr, get_str, page, page_iter};
use crate::world::World;

/// Method, path pattern (as in the AWS model), operation, handler. The first match wins.
pub static ROUTES: &[Route] = &[
    route!("GET" "/accounts" => "DescribeHub", hub::describe),
    route!("POST" "/accounts" => "EnableSecurityHub", hub::enable),
    route!("PATCH" "/accounts" => "UpdateSecurityHubConfiguration", hub::update),
    route!("DELETE" "/accounts" => "DisableSecurityHub", hub::disable),
    route!("GET" "/standards" => "DescribeStandards", standards::describe),
    route!("POST" "/standards/get" => "GetEnabledStandards", standards::get_enabled),
    route!("POST" "/standards/register" => "BatchEnableStandards", standards::batch_enable),
    route!("POST" "/standards/deregister" => "BatchDisableStandards", standards::batch_disable),
    route!("GET" "/standards/controls/{StandardsSubscriptionArn+}" => "DescribeStandardsControls", controls::describe_standards_controls),
    route!("PATCH" "/standards/control/{StandardsControlArn+}" => "UpdateStandardsControl", controls::update_standards_control),
    route!("POST" "/associations/batchGet" => "BatchGetStandardsControlAssociations", controls::batch_get_associations),
    route!("PATCH" "/associations" => "BatchUpdateStandardsControlAssociations", controls::batch_update_associations),
    route!("GET" "/associations" => "ListStandardsControlAssociations", controls::list_associations),
    route!("POST" "/securityControls/batchGet" => "BatchGetSecurityControls", security_controls::batch_get),
    route!("GET" "/securityControls/definitions" => "ListSecurityControlDefinitions", security_controls::list_definitions),
    route!("PATCH" "/securityControl/update" => "UpdateSecurityControl", security_controls::update),
    route!("POST" "/organization/admin/enable" => "EnableOrganizationAdminAccount", organization::enable_admin),
    route!("POST" "/organization/admin/disable" => "DisableOrganizationAdminAccount", organization::disable_admin),
    route!("GET" "/organization/admin" => "ListOrganizationAdminAccounts", organization::list_admins),
    route!("GET" "/organization/configuration" => "DescribeOrganizationConfiguration", organization::describe_config),
    route!("POST" "/organization/configuration" => "UpdateOrganizationConfiguration", organization::update_config),
    route!("POST" "/members" => "CreateMembers", members::create),
    route!("GET" "/members" => "ListMembers", members::list),
    route!("POST" "/members/get" => "GetMembers", members::get),
    route!("POST" "/members/disassociate" => "DisassociateMembers", members::disassociate),
    route!("POST" "/members/delete" => "DeleteMembers", members::delete),
    route!("POST" "/findingAggregator/create" => "CreateFindingAggregator", aggregator::create),
    route!("PATCH" "/findingAggregator/update" => "UpdateFindingAggregator", aggregator::update),
    route!("GET" "/findingAggregator/list" => "ListFindingAggregators", aggregator::list),
    route!("DELETE" "/findingAggregator/delete/{FindingAggregatorArn+}" => "DeleteFindingAggregator", aggregator::delete),
    route!("GET" "/findingAggregator/get/{FindingAggregatorArn+}" => "GetFindingAggregator", aggregator::get),
    route!("POST" "/insights" => "CreateInsight", insights::create),
    route!("POST" "/insights/get" => "GetInsights", insights::get),
    route!("GET" "/insights/results/{InsightArn+}" => "GetInsightResults", findings::insight_results),
    route!("PATCH" "/insights/{InsightArn+}" => "UpdateInsight", insights::update),
    route!("DELETE" "/insights/{InsightArn+}" => "DeleteInsight", insights::delete),
    route!("POST" "/actionTargets" => "CreateActionTarget", action_targets::create),
    route!("POST" "/actionTargets/get" => "DescribeActionTargets", action_targets::describe),
    route!("PATCH" "/actionTargets/{ActionTargetArn+}" => "UpdateActionTarget", action_targets::update),
    route!("DELETE" "/actionTargets/{ActionTargetArn+}" => "DeleteActionTarget", action_targets::delete),
    route!("POST" "/automationrules/create" => "CreateAutomationRule", rules::create),
    route!("PATCH" "/automationrules/update" => "BatchUpdateAutomationRules", rules::batch_update),
    route!("POST" "/automationrules/delete" => "BatchDeleteAutomationRules", rules::batch_delete),
    route!("GET" "/automationrules/list" => "ListAutomationRules", rules::list),
    route!("POST" "/automationrules/get" => "BatchGetAutomationRules", rules::batch_get),
    route!("GET" "/products" => "DescribeProducts", products::describe),
    route!("POST" "/productSubscriptions" => "EnableImportFindingsForProduct", products::enable),
    route!("GET" "/productSubscriptions" => "ListEnabledProductsForImport", products::list_enabled),
    route!("DELETE" "/productSubscriptions/{ProductSubscriptionArn+}" => "DisableImportFindingsForProduct", products::disable),
    route!("POST" "/findings" => "GetFindings", findings::get),
    route!("POST" "/configurationPolicy/create" => "CreateConfigurationPolicy", central::create_policy),
    route!("GET" "/configurationPolicy/get/{Identifier}" => "GetConfigurationPolicy", central::get_policy),
    route!("GET" "/configurationPolicy/list" => "ListConfigurationPolicies", central::list_policies),
    route!("PATCH" "/configurationPolicy/{Identifier}" => "UpdateConfigurationPolicy", central::update_policy),
    route!("DELETE" "/configurationPolicy/{Identifier}" => "DeleteConfigurationPolicy", central::delete_policy),
    route!("POST" "/configurationPolicyAssociation/associate" => "StartConfigurationPolicyAssociation", central::start_association),
    route!("POST" "/configurationPolicyAssociation/disassociate" => "StartConfigurationPolicyDisassociation", central::start_disassociation),
    route!("POST" "/configurationPolicyAssociation/get" => "GetConfigurationPolicyAssociation", central::get_association),
    route!("POST" "/configurationPolicyAssociation/batchget" => "BatchGetConfigurationPolicyAssociations", central::batch_get_associations),
    route!("POST" "/configurationPolicyAssociation/list" => "ListConfigurationPolicyAssociations", central::list_associations),
];

/// Operations answered while the caller has no hub; every other one is refused then.
const WITHOUT_HUB: [&str; 4] = [
    "EnableSecurityHub",
    "EnableOrganizationAdminAccount",
    "DisableOrganizationAdminAccount",
    "ListOrganizationAdminAccounts",
];

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| invalid(format!("The request body is not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(invalid("The request body must be a JSON object"));
    }
    own(w, cx).tick(cx.now);
    if !WITHOUT_HUB.contains(&route.op) && own(w, cx).hub.is_none() {
        return Err(invalid_access(format!(
            "Account {} is not subscribed to AWS Security Hub",
            cx.account
        )));
    }
    central::check_lock(w, cx, route.op)?;
    (route.handler)(w, cx, &Input { req, body, labels })
}

/// Security Hub's state in a scope.
fn sh<'a>(w: &'a mut World, account: &str, region: &str) -> &'a mut State {
    &mut w.scope(account, region).securityhub
}

/// Security Hub's state in the caller's scope.
fn own<'a>(w: &'a mut World, cx: &Cx) -> &'a mut State {
    sh(w, &cx.account, &cx.region)
}

// ---- errors -------------------------------------------------------------------------------

fn invalid(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidInputException", m)
}
fn invalid_access(m: impl Into<String>) -> ApiError {
    ApiError::new(401, "InvalidAccessException", m)
}
fn denied(m: impl Into<String>) -> ApiError {
    ApiError::new(403, "AccessDeniedException", m)
}
fn not_found(m: impl Into<String>) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", m)
}
fn conflict(m: impl Into<String>) -> ApiError {
    ApiError::new(409, "ResourceConflictException", m)
}
fn limit(m: impl Into<String>) -> ApiError {
    ApiError::new(429, "LimitExceededException", m)
}

// ---- input --------------------------------------------------------------------------------

fn required_str<'a>(body: &'a Value, k: &str) -> Result<&'a str, ApiError> {
    get_str(body, k)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("{k} is required")))
}
fn required_label(i: &Input, name: &str) -> Result<String, ApiError> {
    i.label(0)
        .map(str::to_string)
        .ok_or_else(|| invalid(format!("{name} is required")))
}
fn required_list<'a>(body: &'a Value, k: &str, max: usize) -> Result<&'a Vec<Value>, ApiError> {
    let list = get_arr(body, k).ok_or_else(|| invalid(format!("{k} is required")))?;
    if list.is_empty() || list.len() > max {
        return Err(invalid(format!(
            "{k} must have between 1 and {max} items, got {}",
            list.len()
        )));
    }
    Ok(list)
}

// ---- paging -------------------------------------------------------------------------------

fn paged<T: Clone>(
    items: &[T],
    token: Option<&str>,
    max: Option<i64>,
    model_max: i64,
    cx: &Cx,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    page(items, token, max, model_max, cx.cfg.page_size, invalid)
}
/// [`paged`] over an iterator: page first, then build the answer for the page only.
fn paged_iter<I: Iterator>(
    items: I,
    token: Option<&str>,
    max: Option<i64>,
    model_max: i64,
    cx: &Cx,
) -> Result<(Vec<I::Item>, Option<String>), ApiError> {
    page_iter(items, token, max, model_max, cx.cfg.page_size, invalid)
}
fn query_max(i: &Input) -> Result<Option<i64>, ApiError> {
    i.query("MaxResults")
        .map(|m| {
            m.parse::<i64>()
                .map_err(|_| invalid(format!("MaxResults `{m}` is not a number")))
        })
        .transpose()
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let (Some(o), Some(t)) = (v.as_object_mut(), next) {
        o.insert("NextToken".into(), Value::String(t));
    }
    v
}
