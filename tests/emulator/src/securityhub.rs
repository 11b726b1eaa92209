//! Security Hub CSPM over restJson1 (aws-api.md §1).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use shubctl::model::catalog::{REGIONS, StandardDef, catalog, standard_arn};

use crate::http::{Cx, Request};
use crate::util::{
    ApiError, Res, get, get_arr, get_bool, get_i64, get_str, get_strs, is_account_id, iso_now,
    page, percent_decode, put_opt,
};
use crate::world::*;

// ---- routing ------------------------------------------------------------------------------

/// Method + raw path → operation and (percent-decoded) greedy label.
pub fn route(method: &str, path: &str) -> Option<(&'static str, Option<String>)> {
    let label = |prefix: &str| {
        path.strip_prefix(prefix)
            .filter(|r| !r.is_empty())
            .map(percent_decode)
    };
    let op = match (method, path) {
        ("GET", "/accounts") => "DescribeHub",
        ("POST", "/accounts") => "EnableSecurityHub",
        ("PATCH", "/accounts") => "UpdateSecurityHubConfiguration",
        ("DELETE", "/accounts") => "DisableSecurityHub",
        ("GET", "/standards") => "DescribeStandards",
        ("POST", "/standards/get") => "GetEnabledStandards",
        ("POST", "/standards/register") => "BatchEnableStandards",
        ("POST", "/standards/deregister") => "BatchDisableStandards",
        ("GET", p) if p.starts_with("/standards/controls/") => {
            return Some(("DescribeStandardsControls", label("/standards/controls/")));
        }
        ("PATCH", p) if p.starts_with("/standards/control/") => {
            return Some(("UpdateStandardsControl", label("/standards/control/")));
        }
        ("POST", "/associations/batchGet") => "BatchGetStandardsControlAssociations",
        ("PATCH", "/associations") => "BatchUpdateStandardsControlAssociations",
        ("GET", "/associations") => "ListStandardsControlAssociations",
        ("POST", "/securityControls/batchGet") => "BatchGetSecurityControls",
        ("PATCH", "/securityControl/update") => "UpdateSecurityControl",
        ("POST", "/organization/admin/enable") => "EnableOrganizationAdminAccount",
        ("POST", "/organization/admin/disable") => "DisableOrganizationAdminAccount",
        ("GET", "/organization/admin") => "ListOrganizationAdminAccounts",
        ("GET", "/organization/configuration") => "DescribeOrganizationConfiguration",
        ("POST", "/organization/configuration") => "UpdateOrganizationConfiguration",
        ("POST", "/members") => "CreateMembers",
        ("GET", "/members") => "ListMembers",
        ("POST", "/members/get") => "GetMembers",
        ("POST", "/members/disassociate") => "DisassociateMembers",
        ("POST", "/members/delete") => "DeleteMembers",
        ("POST", "/findingAggregator/create") => "CreateFindingAggregator",
        ("PATCH", "/findingAggregator/update") => "UpdateFindingAggregator",
        ("GET", "/findingAggregator/list") => "ListFindingAggregators",
        ("DELETE", p) if p.starts_with("/findingAggregator/delete/") => {
            return Some((
                "DeleteFindingAggregator",
                label("/findingAggregator/delete/"),
            ));
        }
        ("GET", p) if p.starts_with("/findingAggregator/get/") => {
            return Some(("GetFindingAggregator", label("/findingAggregator/get/")));
        }
        ("POST", "/insights") => "CreateInsight",
        ("POST", "/insights/get") => "GetInsights",
        ("PATCH", p) if p.starts_with("/insights/") => {
            return Some(("UpdateInsight", label("/insights/")));
        }
        ("DELETE", p) if p.starts_with("/insights/") => {
            return Some(("DeleteInsight", label("/insights/")));
        }
        ("POST", "/actionTargets") => "CreateActionTarget",
        ("POST", "/actionTargets/get") => "DescribeActionTargets",
        ("PATCH", p) if p.starts_with("/actionTargets/") => {
            return Some(("UpdateActionTarget", label("/actionTargets/")));
        }
        ("DELETE", p) if p.starts_with("/actionTargets/") => {
            return Some(("DeleteActionTarget", label("/actionTargets/")));
        }
        ("POST", "/automationrules/create") => "CreateAutomationRule",
        ("PATCH", "/automationrules/update") => "BatchUpdateAutomationRules",
        ("POST", "/automationrules/delete") => "BatchDeleteAutomationRules",
        ("GET", "/automationrules/list") => "ListAutomationRules",
        ("POST", "/automationrules/get") => "BatchGetAutomationRules",
        ("GET", "/products") => "DescribeProducts",
        ("POST", "/productSubscriptions") => "EnableImportFindingsForProduct",
        ("GET", "/productSubscriptions") => "ListEnabledProductsForImport",
        ("DELETE", p) if p.starts_with("/productSubscriptions/") => {
            return Some((
                "DisableImportFindingsForProduct",
                label("/productSubscriptions/"),
            ));
        }
        ("POST", "/findings") => "GetFindings",
        _ => return None,
    };
    Some((op, None))
}

pub fn is_mutating(op: &str) -> bool {
    !["Describe", "Get", "List", "BatchGet"]
        .iter()
        .any(|p| op.starts_with(p))
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

fn required_str<'a>(body: &'a Value, k: &str) -> Result<&'a str, ApiError> {
    get_str(body, k)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("{k} is required")))
}
fn required_label(label: Option<&str>, name: &str) -> Result<String, ApiError> {
    label
        .filter(|l| !l.is_empty())
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

fn paged<T: Clone>(
    items: &[T],
    token: Option<&str>,
    max: Option<i64>,
    model_max: i64,
    cx: &Cx,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    page(items, token, max, model_max, cx.cfg.page_size, invalid)
}
fn query_max(req: &Request) -> Result<Option<i64>, ApiError> {
    req.query("MaxResults")
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

// ---- dispatch -----------------------------------------------------------------------------

pub fn handle(w: &mut World, cx: &Cx, op: &str, label: Option<&str>, req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| invalid(format!("The request body is not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(invalid("The request body must be a JSON object"));
    }
    w.scope(&cx.account, &cx.region).tick(cx.now);
    let exempt = matches!(
        op,
        "EnableSecurityHub"
            | "EnableOrganizationAdminAccount"
            | "DisableOrganizationAdminAccount"
            | "ListOrganizationAdminAccounts"
    );
    if !exempt && w.scope(&cx.account, &cx.region).hub.is_none() {
        return Err(invalid_access(format!(
            "Account {} is not subscribed to AWS Security Hub",
            cx.account
        )));
    }
    match op {
        "DescribeHub" => describe_hub(w, cx, req),
        "EnableSecurityHub" => enable_security_hub(w, cx, &body),
        "UpdateSecurityHubConfiguration" => update_hub(w, cx, &body),
        "DisableSecurityHub" => disable_security_hub(w, cx),
        "DescribeStandards" => describe_standards(cx, req),
        "GetEnabledStandards" => get_enabled_standards(w, cx, &body),
        "BatchEnableStandards" => batch_enable_standards(w, cx, &body),
        "BatchDisableStandards" => batch_disable_standards(w, cx, &body),
        "DescribeStandardsControls" => describe_standards_controls(w, cx, label, req),
        "UpdateStandardsControl" => update_standards_control(w, cx, label, &body),
        "BatchGetStandardsControlAssociations" => batch_get_associations(w, cx, &body),
        "BatchUpdateStandardsControlAssociations" => batch_update_associations(w, cx, &body),
        "ListStandardsControlAssociations" => list_associations(w, cx, req),
        "BatchGetSecurityControls" => batch_get_security_controls(w, cx, &body),
        "UpdateSecurityControl" => update_security_control(w, cx, &body),
        "EnableOrganizationAdminAccount" => enable_org_admin(w, cx, &body),
        "DisableOrganizationAdminAccount" => disable_org_admin(w, cx, &body),
        "ListOrganizationAdminAccounts" => list_org_admins(w, cx, req),
        "DescribeOrganizationConfiguration" => describe_org_config(w, cx),
        "UpdateOrganizationConfiguration" => update_org_config(w, cx, &body),
        "CreateMembers" => create_members(w, cx, &body),
        "ListMembers" => list_members(w, cx, req),
        "GetMembers" => get_members(w, cx, &body),
        "DisassociateMembers" => disassociate_members(w, cx, &body),
        "DeleteMembers" => delete_members(w, cx, &body),
        "CreateFindingAggregator" => create_aggregator(w, cx, &body),
        "UpdateFindingAggregator" => update_aggregator(w, cx, &body),
        "DeleteFindingAggregator" => delete_aggregator(w, cx, label),
        "GetFindingAggregator" => get_aggregator(w, cx, label),
        "ListFindingAggregators" => list_aggregators(w, cx, req),
        "CreateInsight" => create_insight(w, cx, &body),
        "UpdateInsight" => update_insight(w, cx, label, &body),
        "DeleteInsight" => delete_insight(w, cx, label),
        "GetInsights" => get_insights(w, cx, &body),
        "CreateActionTarget" => create_action_target(w, cx, &body),
        "UpdateActionTarget" => update_action_target(w, cx, label, &body),
        "DeleteActionTarget" => delete_action_target(w, cx, label),
        "DescribeActionTargets" => describe_action_targets(w, cx, &body),
        "CreateAutomationRule" => create_rule(w, cx, &body),
        "BatchUpdateAutomationRules" => batch_update_rules(w, cx, &body),
        "BatchDeleteAutomationRules" => batch_delete_rules(w, cx, &body),
        "ListAutomationRules" => list_rules(w, cx, req),
        "BatchGetAutomationRules" => batch_get_rules(w, cx, &body),
        "DescribeProducts" => describe_products(cx, req),
        "EnableImportFindingsForProduct" => enable_product(w, cx, &body),
        "DisableImportFindingsForProduct" => disable_product(w, cx, label),
        "ListEnabledProductsForImport" => list_enabled_products(w, cx, req),
        "GetFindings" => get_findings(cx, &body),
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("{other} is not emulated"),
        )),
    }
}

// ---- hub ----------------------------------------------------------------------------------

fn describe_hub(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let arn = hub_arn(&cx.region, &cx.account);
    if let Some(asked) = req.query("HubArn")
        && asked != arn
    {
        return Err(not_found(format!("Hub {asked} not found")));
    }
    let hub = w
        .scope(&cx.account, &cx.region)
        .hub
        .as_ref()
        .expect("checked");
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

/// Subscribes a scope to a catalog standard: PENDING for the configured delay, then READY.
fn subscribe(scope: &mut Scope, std: &str, cx: &Cx) {
    match scope.standards.get(std) {
        Some(s) if s.deleting_until.is_none() => {}
        _ => {
            scope.assoc.retain(|(s, _), _| s != std);
            scope.standards.insert(
                std.to_string(),
                Subscription {
                    ready_at: cx.now + cx.cfg.standard_delay,
                    deleting_until: None,
                },
            );
        }
    }
}

pub const DEFAULT_STANDARDS: [&str; 2] = ["fsbp/1.0.0", "cis/1.2.0"];

fn enable_security_hub(w: &mut World, cx: &Cx, body: &Value) -> Res {
    if w.scope(&cx.account, &cx.region).hub.is_some() {
        return Err(conflict("Account is already subscribed to Security Hub"));
    }
    let generator = get_str(body, "ControlFindingGenerator");
    check_generator(generator)?;
    if let Some(tags) = get(body, "Tags")
        && tags.as_object().is_none_or(|t| t.len() > 50)
    {
        return Err(invalid("Tags must be a map of at most 50 entries"));
    }
    let mut hub = w.new_hub();
    if let Some(g) = generator {
        hub.control_finding_generator = g.to_string();
    }
    let scope = w.scope(&cx.account, &cx.region);
    scope.hub = Some(hub);
    if get_bool(body, "EnableDefaultStandards").unwrap_or(true) {
        for s in DEFAULT_STANDARDS {
            subscribe(scope, s, cx);
        }
    }
    Ok(json!({}))
}

fn update_hub(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let generator = get_str(body, "ControlFindingGenerator");
    check_generator(generator)?;
    let hub = w
        .scope(&cx.account, &cx.region)
        .hub
        .as_mut()
        .expect("checked");
    if let Some(a) = get_bool(body, "AutoEnableControls") {
        hub.auto_enable_controls = a;
    }
    if let Some(g) = generator {
        hub.control_finding_generator = g.to_string();
    }
    Ok(json!({}))
}

fn disable_security_hub(w: &mut World, cx: &Cx) -> Res {
    if w.admin_in(&cx.region).as_deref() == Some(cx.account.as_str()) {
        return Err(invalid(format!(
            "Cannot disable Security Hub on the Security Hub administrator account {}. Remove the account as administrator first.",
            cx.account
        )));
    }
    if let Some(admin) = w.administrator_of(&cx.account, &cx.region)
        && w.in_org(&cx.account)
        && w.admin_in(&cx.region).as_deref() == Some(admin.as_str())
    {
        return Err(invalid(format!(
            "Account {} is a member account managed by administrator {admin} through AWS Organizations; the administrator must disassociate it before Security Hub can be disabled",
            cx.account
        )));
    }
    w.scope(&cx.account, &cx.region).disable_hub();
    Ok(json!({}))
}

// ---- standards ----------------------------------------------------------------------------

fn standard_json(def: &StandardDef, region: &str) -> Value {
    json!({
        "StandardsArn": standard_arn(def, region),
        "Name": def.name,
        "Description": format!("{} (emulated)", def.name),
        "EnabledByDefault": DEFAULT_STANDARDS.contains(&def.id.as_str()),
        "StandardsManagedBy": { "Company": "AWS", "Product": "Security Hub" },
    })
}

fn describe_standards(cx: &Cx, req: &Request) -> Res {
    let providers = req.query_all("Providers");
    let all: Vec<Value> = if providers.is_empty() || providers.iter().any(|p| p == "AWS") {
        catalog()
            .standards
            .iter()
            .map(|d| standard_json(d, &cx.region))
            .collect()
    } else {
        Vec::new()
    };
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 100, cx)?;
    Ok(with_token(json!({ "Standards": items }), next))
}

fn subscription_json(def: &StandardDef, status: &str, cx: &Cx) -> Value {
    json!({
        "StandardsSubscriptionArn": subscription_arn(def, &cx.region, &cx.account),
        "StandardsArn": standard_arn(def, &cx.region),
        "StandardsInput": {},
        "StandardsStatus": status,
        "StandardsControlsUpdatable": if status == "READY" { "READY_FOR_UPDATES" } else { "NOT_READY_FOR_UPDATES" },
    })
}

fn get_enabled_standards(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let filter = get_strs(body, "StandardsSubscriptionArns");
    if filter.as_ref().is_some_and(|f| f.len() > 25) {
        return Err(invalid(
            "StandardsSubscriptionArns may hold at most 25 items",
        ));
    }
    let scope = w.scope(&cx.account, &cx.region);
    let all: Vec<Value> = catalog()
        .standards
        .iter()
        .filter_map(|def| {
            scope
                .standards
                .get(&def.id)
                .map(|s| subscription_json(def, s.status(cx.now), cx))
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
    Ok(with_token(json!({ "StandardsSubscriptions": items }), next))
}

fn batch_enable_standards(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let reqs = required_list(body, "StandardsSubscriptionRequests", 25)?;
    let mut defs = Vec::new();
    for r in reqs {
        let arn = required_str(r, "StandardsArn")?;
        let def = std_by_arn(arn, &cx.region).ok_or_else(|| {
            invalid(format!(
                "StandardsArn {arn} is not a valid standard in {}",
                cx.region
            ))
        })?;
        defs.push(def);
    }
    let scope = w.scope(&cx.account, &cx.region);
    let mut out = Vec::new();
    for def in defs {
        let fresh = scope
            .standards
            .get(&def.id)
            .is_none_or(|s| s.deleting_until.is_some());
        subscribe(scope, &def.id, cx);
        // AWS answers a fresh subscription as PENDING, whatever happens next.
        let status = if fresh {
            "PENDING"
        } else {
            scope.standards[&def.id].status(cx.now)
        };
        out.push(subscription_json(def, status, cx));
    }
    Ok(json!({ "StandardsSubscriptions": out }))
}

fn batch_disable_standards(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let arns = required_list(body, "StandardsSubscriptionArns", 25)?;
    let scope = w.scope(&cx.account, &cx.region);
    let mut defs = Vec::new();
    for a in arns {
        let arn = a.as_str().unwrap_or_default();
        let def = std_by_subscription_arn(arn, &cx.region, &cx.account)
            .filter(|d| scope.standards.contains_key(&d.id))
            .ok_or_else(|| {
                invalid(format!(
                    "StandardsSubscriptionArn {arn} is not a subscription of this account"
                ))
            })?;
        defs.push(def);
    }
    let mut out = Vec::new();
    for def in defs {
        let sub = scope.standards.get_mut(&def.id).expect("checked");
        if sub.deleting_until.is_none() {
            sub.deleting_until = Some(cx.now + cx.cfg.standard_delay);
        }
        out.push(subscription_json(def, "DELETING", cx));
    }
    Ok(json!({ "StandardsSubscriptions": out }))
}

// ---- controls -----------------------------------------------------------------------------

fn control_in_standard(scope: &Scope, std: &str, ctl: &str) -> bool {
    catalog()
        .control(ctl)
        .is_some_and(|c| c.standards.iter().any(|s| s == std))
        || scope
            .assoc
            .contains_key(&(std.to_string(), ctl.to_string()))
}

fn control_title(ctl: &str) -> String {
    catalog()
        .control(ctl)
        .map(|c| c.title.clone())
        .unwrap_or_else(|| ctl.to_string())
}

/// The association of a control with a standard (summary shape; `detail` adds the legacy ARNs).
fn association_json(scope: &Scope, def: &StandardDef, ctl: &str, cx: &Cx, detail: bool) -> Value {
    let a = scope.assoc.get(&(def.id.clone(), ctl.to_string()));
    let mut m = Map::new();
    m.insert("StandardsArn".into(), json!(standard_arn(def, &cx.region)));
    m.insert("SecurityControlId".into(), json!(ctl));
    m.insert(
        "SecurityControlArn".into(),
        json!(security_control_arn(&cx.region, &cx.account, ctl)),
    );
    m.insert(
        "AssociationStatus".into(),
        json!(a.map(|a| a.status.as_str()).unwrap_or("ENABLED")),
    );
    let related: Vec<String> = catalog()
        .control(ctl)
        .and_then(|c| c.legacy_ids.get(&def.id))
        .map(|l| format!("{}/{l}", def.name))
        .into_iter()
        .collect();
    m.insert("RelatedRequirements".into(), json!(related));
    put_opt(&mut m, "UpdatedAt", a.map(|a| a.updated_at.clone()));
    put_opt(&mut m, "UpdatedReason", a.and_then(|a| a.reason.clone()));
    m.insert("StandardsControlTitle".into(), json!(control_title(ctl)));
    m.insert(
        "StandardsControlDescription".into(),
        json!(control_title(ctl)),
    );
    if detail {
        m.insert(
            "StandardsControlArns".into(),
            json!([standards_control_arn(def, &cx.region, &cx.account, ctl)]),
        );
    }
    Value::Object(m)
}

fn batch_get_associations(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let ids = get_arr(body, "StandardsControlAssociationIds")
        .ok_or_else(|| invalid("StandardsControlAssociationIds is required"))?;
    let scope = w.scope(&cx.account, &cx.region);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
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
        let Some(def) = std_by_arn(arn, &cx.region) else {
            unprocessed.push(fail(
                "INVALID_INPUT",
                format!("{arn} is not a valid standard"),
            ));
            continue;
        };
        match scope.standards.get(&def.id) {
            Some(s) if s.is_ready(cx.now) => {}
            Some(s) => {
                unprocessed.push(fail(
                    "RESOURCE_NOT_FOUND",
                    format!(
                        "Standard {arn} is {} and not ready for updates",
                        s.status(cx.now)
                    ),
                ));
                continue;
            }
            None => {
                unprocessed.push(fail(
                    "RESOURCE_NOT_FOUND",
                    format!("Standard {arn} is not enabled"),
                ));
                continue;
            }
        }
        if !control_in_standard(scope, &def.id, ctl) {
            unprocessed.push(fail(
                "RESOURCE_NOT_FOUND",
                format!("Security control {ctl} is not part of {arn}"),
            ));
            continue;
        }
        found.push(association_json(scope, def, ctl, cx, true));
    }
    let mut out = json!({ "StandardsControlAssociationDetails": found });
    if !unprocessed.is_empty() {
        out["UnprocessedAssociations"] = json!(unprocessed);
    }
    Ok(out)
}

fn batch_update_associations(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let updates = get_arr(body, "StandardsControlAssociationUpdates")
        .ok_or_else(|| invalid("StandardsControlAssociationUpdates is required"))?;
    let now = iso_now();
    let scope = w.scope(&cx.account, &cx.region);
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
        let Some(def) = std_by_arn(arn, &cx.region) else {
            unprocessed.push(fail(
                "INVALID_INPUT",
                format!("{arn} is not a valid standard"),
            ));
            continue;
        };
        match scope.standards.get(&def.id) {
            Some(s) if s.is_ready(cx.now) => {}
            Some(s) => {
                unprocessed.push(fail(
                    "RESOURCE_NOT_FOUND",
                    format!(
                        "Standard {arn} is {} and not ready for updates",
                        s.status(cx.now)
                    ),
                ));
                continue;
            }
            None => {
                unprocessed.push(fail(
                    "RESOURCE_NOT_FOUND",
                    format!("Standard {arn} is not enabled"),
                ));
                continue;
            }
        }
        if !control_in_standard(scope, &def.id, ctl) {
            unprocessed.push(fail(
                "RESOURCE_NOT_FOUND",
                format!("Security control {ctl} is not part of {arn}"),
            ));
            continue;
        }
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
        scope.assoc.insert(
            (def.id.clone(), ctl.to_string()),
            Assoc {
                status: status.to_string(),
                reason: reason.map(str::to_string),
                updated_at: now.clone(),
            },
        );
    }
    let mut out = json!({});
    if !unprocessed.is_empty() {
        out["UnprocessedAssociationUpdates"] = json!(unprocessed);
    }
    Ok(out)
}

fn list_associations(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let ctl = req
        .query("SecurityControlId")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("SecurityControlId is required"))?;
    let ctl = ctl.rsplit('/').next().unwrap_or(ctl).to_string();
    let scope = w.scope(&cx.account, &cx.region);
    let all: Vec<Value> = catalog()
        .standards
        .iter()
        .filter(|def| {
            scope
                .standards
                .get(&def.id)
                .is_some_and(|s| s.is_ready(cx.now))
                && control_in_standard(scope, &def.id, &ctl)
        })
        .map(|def| association_json(scope, def, &ctl, cx, false))
        .collect();
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 100, cx)?;
    Ok(with_token(
        json!({ "StandardsControlAssociationSummaries": items }),
        next,
    ))
}

fn control_id_of(s: &str) -> String {
    if s.starts_with("arn:") {
        s.rsplit('/').next().unwrap_or(s).to_string()
    } else {
        s.to_string()
    }
}

fn batch_get_security_controls(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let ids = get_strs(body, "SecurityControlIds")
        .ok_or_else(|| invalid("SecurityControlIds is required"))?;
    let scope = w.scope(&cx.account, &cx.region);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
    for raw in ids {
        let id = control_id_of(&raw);
        let Some(def) = catalog().control(&id) else {
            unprocessed.push(json!({ "SecurityControlId": raw, "ErrorCode": "RESOURCE_NOT_FOUND", "ErrorReason": format!("Security control {id} not found") }));
            continue;
        };
        let enabled = def.standards.iter().any(|s| {
            scope
                .standards
                .get(s)
                .is_some_and(|sub| sub.deleting_until.is_none())
                && scope
                    .assoc
                    .get(&(s.clone(), id.clone()))
                    .is_none_or(|a| a.status == "ENABLED")
        });
        let p = scope.params.get(&id);
        let mut m = Map::new();
        m.insert("SecurityControlId".into(), json!(id));
        m.insert(
            "SecurityControlArn".into(),
            json!(security_control_arn(&cx.region, &cx.account, &id)),
        );
        m.insert("Title".into(), json!(def.title));
        m.insert("Description".into(), json!(def.title));
        m.insert(
            "RemediationUrl".into(),
            json!(format!(
                "https://docs.aws.amazon.com/console/securityhub/{id}/remediation"
            )),
        );
        m.insert("SeverityRating".into(), json!("MEDIUM"));
        m.insert(
            "SecurityControlStatus".into(),
            json!(if enabled { "ENABLED" } else { "DISABLED" }),
        );
        m.insert("UpdateStatus".into(), json!("READY"));
        m.insert(
            "Parameters".into(),
            Value::Object(
                p.map(|p| p.params.clone().into_iter().collect())
                    .unwrap_or_default(),
            ),
        );
        put_opt(
            &mut m,
            "LastUpdateReason",
            p.and_then(|p| p.last_update_reason.clone()),
        );
        found.push(Value::Object(m));
    }
    let mut out = json!({ "SecurityControls": found });
    if !unprocessed.is_empty() {
        out["UnprocessedIds"] = json!(unprocessed);
    }
    Ok(out)
}

const PARAMETER_VALUE_MEMBERS: [&str; 8] = [
    "Integer",
    "IntegerList",
    "Double",
    "String",
    "StringList",
    "Boolean",
    "Enum",
    "EnumList",
];

fn update_security_control(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let id = control_id_of(required_str(body, "SecurityControlId")?);
    let params = get(body, "Parameters")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("Parameters is required"))?;
    if let Some(reason) = get_str(body, "LastUpdateReason") {
        let ok = !reason.is_empty()
            && reason.chars().all(|c| {
                !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ')
            });
        if !ok {
            return Err(invalid(format!(
                "LastUpdateReason `{reason}` must match ^([^\\u0000-\\u007F]|[-_ a-zA-Z0-9])+$ (letters, digits, space, - and _ only)"
            )));
        }
    }
    if catalog().control(&id).is_none() {
        return Err(not_found(format!("Security control {id} not found")));
    }
    for (name, conf) in params {
        match get_str(conf, "ValueType") {
            Some("DEFAULT") => {}
            Some("CUSTOM") => {
                let v = get(conf, "Value")
                    .and_then(Value::as_object)
                    .ok_or_else(|| {
                        invalid(format!("Parameter {name}: Value is required for CUSTOM"))
                    })?;
                if v.len() != 1
                    || !PARAMETER_VALUE_MEMBERS
                        .contains(&v.keys().next().map(String::as_str).unwrap_or_default())
                {
                    return Err(invalid(format!(
                        "Parameter {name}: Value must set exactly one of {}",
                        PARAMETER_VALUE_MEMBERS.join(", ")
                    )));
                }
            }
            _ => {
                return Err(invalid(format!(
                    "Parameter {name}: ValueType must be DEFAULT or CUSTOM"
                )));
            }
        }
    }
    let scope = w.scope(&cx.account, &cx.region);
    let entry = scope.params.entry(id.clone()).or_default();
    for (name, conf) in params {
        if get_str(conf, "ValueType") == Some("DEFAULT") {
            entry.params.remove(name);
        } else {
            entry.params.insert(
                name.clone(),
                json!({ "ValueType": "CUSTOM", "Value": conf["Value"] }),
            );
        }
    }
    if let Some(r) = get_str(body, "LastUpdateReason") {
        entry.last_update_reason = Some(r.to_string());
    }
    if entry.params.is_empty() && entry.last_update_reason.is_none() {
        scope.params.remove(&id);
    }
    Ok(json!({}))
}

/// The legacy per-standard API, kept for completeness.
fn describe_standards_controls(w: &mut World, cx: &Cx, label: Option<&str>, req: &Request) -> Res {
    let arn = required_label(label, "StandardsSubscriptionArn")?;
    let scope = w.scope(&cx.account, &cx.region);
    let def = std_by_subscription_arn(&arn, &cx.region, &cx.account)
        .filter(|d| scope.standards.contains_key(&d.id))
        .ok_or_else(|| not_found(format!("Standards subscription {arn} not found")))?;
    let all: Vec<Value> = if scope.standards[&def.id].is_ready(cx.now) {
        catalog()
            .controls_in(&def.id)
            .map(|c| {
                let a = scope.assoc.get(&(def.id.clone(), c.id.clone()));
                let mut m = Map::new();
                m.insert(
                    "StandardsControlArn".into(),
                    json!(standards_control_arn(def, &cx.region, &cx.account, &c.id)),
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
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 100, cx)?;
    Ok(with_token(json!({ "Controls": items }), next))
}

fn update_standards_control(w: &mut World, cx: &Cx, label: Option<&str>, body: &Value) -> Res {
    let arn = required_label(label, "StandardsControlArn")?;
    let status = get_str(body, "ControlStatus");
    let reason = get_str(body, "DisabledReason");
    let scope = w.scope(&cx.account, &cx.region);
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
            scope
                .standards
                .get(&d.id)
                .is_some_and(|s| s.is_ready(cx.now))
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
    if let Some(s) = status {
        scope.assoc.insert(
            (def.id.clone(), ctl),
            Assoc {
                status: s.to_string(),
                reason: reason.map(str::to_string),
                updated_at: iso_now(),
            },
        );
    }
    Ok(json!({}))
}

// ---- organization -------------------------------------------------------------------------

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    let mgmt = w
        .management_account()
        .filter(|_| w.in_org(&cx.account))
        .ok_or_else(|| {
            denied(format!(
                "The request failed because account {} is not a member of an organization.",
                cx.account
            ))
        })?;
    if mgmt != cx.account {
        return Err(denied(format!(
            "Account {} is not the management account of the organization; only the management account can manage the Security Hub administrator.",
            cx.account
        )));
    }
    Ok(mgmt)
}

fn enable_org_admin(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = required_str(body, "AdminAccountId")?.to_string();
    let feature = get_str(body, "Feature")
        .unwrap_or("SecurityHub")
        .to_string();
    if !matches!(feature.as_str(), "SecurityHub" | "SecurityHubV2") {
        return Err(invalid(format!(
            "Feature `{feature}` is not SecurityHub or SecurityHubV2"
        )));
    }
    if !is_account_id(&admin) || !w.in_org(&admin) {
        return Err(invalid(format!(
            "Account {admin} is not a member of the organization"
        )));
    }
    match w.scope(&mgmt, &cx.region).admin.clone() {
        Some(current) if current == admin => {}
        Some(current) => {
            return Err(invalid(format!(
                "Account {current} is already the Security Hub administrator account in {}; remove it before designating {admin}",
                cx.region
            )));
        }
        None => {
            let elsewhere: BTreeSet<String> = w
                .scopes
                .iter()
                .filter(|((a, r), _)| a == &mgmt && r != &cx.region)
                .filter_map(|(_, s)| s.admin.clone())
                .filter(|a| a != &mgmt)
                .collect();
            if admin != mgmt && !elsewhere.is_empty() && !elsewhere.contains(&admin) {
                return Err(invalid(format!(
                    "Account {} is the delegated administrator for Security Hub in other Regions; designate it, or the management account, here too",
                    elsewhere.iter().next().expect("non-empty")
                )));
            }
            w.scope(&mgmt, &cx.region).admin = Some(admin.clone());
            let scope = w.scope(&admin, &cx.region);
            if scope.org_config.is_none() {
                scope.org_config = Some(OrgConfig::default());
            }
        }
    }
    Ok(json!({ "AdminAccountId": admin, "Feature": feature }))
}

fn disable_org_admin(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mgmt = require_management(w, cx)?;
    let admin = required_str(body, "AdminAccountId")?.to_string();
    if w.scope(&mgmt, &cx.region).admin.as_deref() != Some(admin.as_str()) {
        return Err(invalid(format!(
            "Account {admin} is not the Security Hub administrator account in {}",
            cx.region
        )));
    }
    w.scope(&mgmt, &cx.region).admin = None;
    // Removing the administrator disassociates its organization members.
    let now = iso_now();
    let in_org: BTreeSet<String> = w
        .org
        .accounts
        .iter()
        .map(|a| a.id.as_str().to_string())
        .collect();
    for (id, m) in w.scope(&admin, &cx.region).members.iter_mut() {
        if in_org.contains(id) && m.status == "Enabled" {
            m.status = "Removed".into();
            m.updated_at = now.clone();
        }
    }
    Ok(json!({}))
}

fn list_org_admins(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let mgmt = require_management(w, cx)?;
    let feature = req.query("Feature").unwrap_or("SecurityHub").to_string();
    let all: Vec<Value> = w
        .scope(&mgmt, &cx.region)
        .admin
        .iter()
        .map(|a| json!({ "AccountId": a, "Status": "ENABLED" }))
        .collect();
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 10, cx)?;
    Ok(with_token(
        json!({ "AdminAccounts": items, "Feature": feature }),
        next,
    ))
}

fn require_admin(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if w.admin_in(&cx.region).as_deref() != Some(cx.account.as_str()) {
        return Err(invalid_access(format!(
            "Account {} is not an administrator for this organization",
            cx.account
        )));
    }
    Ok(())
}

fn describe_org_config(w: &mut World, cx: &Cx) -> Res {
    require_admin(w, cx)?;
    let default = OrgConfig::default();
    let c = w
        .scope_ref(&cx.account, &cx.region)
        .and_then(|s| s.org_config.as_ref())
        .unwrap_or(&default);
    Ok(json!({
        "AutoEnable": c.auto_enable,
        "MemberAccountLimitReached": false,
        "AutoEnableStandards": c.auto_enable_standards,
        "OrganizationConfiguration": { "ConfigurationType": c.configuration_type, "Status": "ENABLED" },
    }))
}

fn update_org_config(w: &mut World, cx: &Cx, body: &Value) -> Res {
    require_admin(w, cx)?;
    let auto_enable =
        get_bool(body, "AutoEnable").ok_or_else(|| invalid("AutoEnable is required"))?;
    let standards = get_str(body, "AutoEnableStandards");
    if let Some(s) = standards
        && !matches!(s, "NONE" | "DEFAULT")
    {
        return Err(invalid(format!(
            "AutoEnableStandards `{s}` is not NONE or DEFAULT"
        )));
    }
    let ctype =
        get(body, "OrganizationConfiguration").and_then(|o| get_str(o, "ConfigurationType"));
    if let Some(t) = ctype {
        if !matches!(t, "CENTRAL" | "LOCAL") {
            return Err(invalid(format!(
                "ConfigurationType `{t}` is not CENTRAL or LOCAL"
            )));
        }
        if t == "CENTRAL" && (auto_enable || standards != Some("NONE")) {
            return Err(invalid(
                "With CENTRAL configuration AutoEnable must be false and AutoEnableStandards NONE",
            ));
        }
    }
    let c = w
        .scope(&cx.account, &cx.region)
        .org_config
        .get_or_insert_with(OrgConfig::default);
    c.auto_enable = auto_enable;
    if let Some(s) = standards {
        c.auto_enable_standards = s.to_string();
    }
    if let Some(t) = ctype {
        c.configuration_type = t.to_string();
    }
    Ok(json!({}))
}

// ---- members ------------------------------------------------------------------------------

fn member_json(admin: &str, id: &str, m: &Member) -> Value {
    json!({
        "AccountId": id,
        "Email": m.email,
        "MasterId": admin,
        "AdministratorId": admin,
        "MemberStatus": m.status,
        "InvitedAt": m.invited_at,
        "UpdatedAt": m.updated_at,
    })
}

fn account_ids(body: &Value) -> Result<Vec<String>, ApiError> {
    let ids = get_strs(body, "AccountIds").ok_or_else(|| invalid("AccountIds is required"))?;
    if ids.is_empty() || ids.len() > 50 {
        return Err(invalid(format!(
            "AccountIds must have between 1 and 50 items, got {}",
            ids.len()
        )));
    }
    Ok(ids)
}

fn create_members(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let details = required_list(body, "AccountDetails", 50)?;
    let org_admin = w.admin_in(&cx.region).as_deref() == Some(cx.account.as_str());
    let mgmt = w.management_account();
    let now = iso_now();
    let mut unprocessed = Vec::new();
    let mut auto_enable = Vec::new();
    for d in details {
        let id = get_str(d, "AccountId").unwrap_or_default().to_string();
        let fail = |why: String| json!({ "AccountId": id, "ProcessingResult": why });
        if !is_account_id(&id) {
            unprocessed.push(fail(format!("Invalid AccountId `{id}`")));
            continue;
        }
        if id == cx.account {
            unprocessed.push(fail(
                "An administrator account cannot add itself as a member".into(),
            ));
            continue;
        }
        if cx.cfg.fail_create_members.contains(&id) {
            unprocessed.push(fail(format!(
                "Operation failed for account {id} (injected)"
            )));
            continue;
        }
        if let Some(other) = w
            .administrator_of(&id, &cx.region)
            .filter(|a| a != &cx.account)
        {
            unprocessed.push(fail(format!(
                "Account {id} is already a member of administrator account {other}"
            )));
            continue;
        }
        let org_member = org_admin && w.in_org(&id);
        let email = get_str(d, "Email")
            .map(str::to_string)
            .unwrap_or_else(|| format!("aws+{id}@example.com"));
        let members = &mut w.scope(&cx.account, &cx.region).members;
        match members.get_mut(&id) {
            Some(m) if m.status != "Removed" && m.status != "Deleted" && m.status != "Resigned" => {
            }
            existing => {
                let status = if org_member { "Enabled" } else { "Created" };
                match existing {
                    Some(m) => {
                        m.status = status.into();
                        m.updated_at = now.clone();
                    }
                    None => {
                        members.insert(
                            id.clone(),
                            Member {
                                email,
                                status: status.into(),
                                invited_at: now.clone(),
                                updated_at: now.clone(),
                            },
                        );
                    }
                }
                if org_member && mgmt.as_deref() != Some(id.as_str()) {
                    auto_enable.push(id.clone());
                }
            }
        }
    }
    // Organization members get Security Hub (and, unless turned off, the default standards).
    let standards = w
        .scope(&cx.account, &cx.region)
        .org_config
        .as_ref()
        .map(|c| c.auto_enable_standards.clone())
        .unwrap_or_else(|| "DEFAULT".into());
    for id in auto_enable {
        if w.scope(&id, &cx.region).hub.is_none() {
            let hub = w.new_hub();
            let scope = w.scope(&id, &cx.region);
            scope.hub = Some(hub);
            if standards != "NONE" {
                for s in DEFAULT_STANDARDS {
                    subscribe(scope, s, cx);
                }
            }
        }
    }
    Ok(json!({ "UnprocessedAccounts": unprocessed }))
}

fn list_members(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let only_associated = match req.query("OnlyAssociated") {
        None => true,
        Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(invalid(format!(
                "OnlyAssociated `{other}` is not a boolean"
            )));
        }
    };
    let scope = w.scope(&cx.account, &cx.region);
    let all: Vec<Value> = scope
        .members
        .iter()
        .filter(|(_, m)| !only_associated || m.status == "Enabled")
        .map(|(id, m)| member_json(&cx.account, id, m))
        .collect();
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 50, cx)?;
    Ok(with_token(json!({ "Members": items }), next))
}

fn get_members(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let ids = account_ids(body)?;
    let scope = w.scope(&cx.account, &cx.region);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
    for id in ids {
        match scope.members.get(&id) {
            Some(m) => found.push(member_json(&cx.account, &id, m)),
            None => unprocessed.push(json!({ "AccountId": id, "ProcessingResult": format!("Account {id} is not a member of this administrator") })),
        }
    }
    Ok(json!({ "Members": found, "UnprocessedAccounts": unprocessed }))
}

fn disassociate_members(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let ids = account_ids(body)?;
    let now = iso_now();
    let scope = w.scope(&cx.account, &cx.region);
    for id in ids {
        if let Some(m) = scope.members.get_mut(&id) {
            m.status = "Removed".into();
            m.updated_at = now.clone();
        }
    }
    Ok(json!({}))
}

fn delete_members(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let ids = account_ids(body)?;
    let scope = w.scope(&cx.account, &cx.region);
    let mut unprocessed = Vec::new();
    for id in ids {
        if scope.members.remove(&id).is_none() {
            unprocessed.push(json!({ "AccountId": id, "ProcessingResult": format!("Account {id} is not a member of this administrator") }));
        }
    }
    Ok(json!({ "UnprocessedAccounts": unprocessed }))
}

// ---- finding aggregator -------------------------------------------------------------------

fn check_linking(mode: &str, regions: &Option<Vec<String>>) -> Result<(), ApiError> {
    let n = regions.as_ref().map(Vec::len).unwrap_or(0);
    match mode {
        "ALL_REGIONS" | "NO_REGIONS" if n > 0 => Err(invalid(format!(
            "Regions must not be given with RegionLinkingMode {mode}"
        ))),
        "ALL_REGIONS" | "NO_REGIONS" => Ok(()),
        "ALL_REGIONS_EXCEPT_SPECIFIED" | "SPECIFIED_REGIONS" if n == 0 => {
            Err(invalid(format!("RegionLinkingMode {mode} needs Regions")))
        }
        "ALL_REGIONS_EXCEPT_SPECIFIED" | "SPECIFIED_REGIONS" => {
            match regions
                .iter()
                .flatten()
                .find(|r| !REGIONS.contains(&r.as_str()))
            {
                Some(bad) => Err(invalid(format!("`{bad}` is not a valid Region"))),
                None => Ok(()),
            }
        }
        other => Err(invalid(format!(
            "RegionLinkingMode `{other}` is not one of ALL_REGIONS, ALL_REGIONS_EXCEPT_SPECIFIED, SPECIFIED_REGIONS, NO_REGIONS"
        ))),
    }
}

/// The account's aggregator, wherever its home region is: (home region).
fn find_aggregator(w: &World, account: &str) -> Option<String> {
    w.scopes
        .iter()
        .find(|((a, _), s)| a == account && s.aggregator.is_some())
        .map(|((_, r), _)| r.clone())
}

fn aggregator_json(a: &Aggregator, home: &str) -> Value {
    json!({ "FindingAggregatorArn": a.arn, "FindingAggregationRegion": home, "RegionLinkingMode": a.mode, "Regions": a.regions })
}

fn create_aggregator(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let mode = required_str(body, "RegionLinkingMode")?.to_string();
    let regions = get_strs(body, "Regions");
    check_linking(&mode, &regions)?;
    if let Some(home) = find_aggregator(w, &cx.account) {
        return Err(invalid(format!(
            "A finding aggregator already exists for account {} (home Region {home})",
            cx.account
        )));
    }
    let arn = aggregator_arn(&cx.region, &cx.account, &w.next_uuid());
    let a = Aggregator {
        arn,
        mode,
        regions: regions.unwrap_or_default(),
    };
    let out = aggregator_json(&a, &cx.region);
    w.scope(&cx.account, &cx.region).aggregator = Some(a);
    Ok(out)
}

fn aggregator_by_arn<'a>(
    w: &'a mut World,
    cx: &Cx,
    arn: &str,
    home_only: bool,
) -> Result<(&'a mut Aggregator, String), ApiError> {
    let home = find_aggregator(w, &cx.account)
        .filter(|h| {
            w.scope_ref(&cx.account, h)
                .and_then(|s| s.aggregator.as_ref())
                .is_some_and(|a| a.arn == arn)
        })
        .ok_or_else(|| not_found(format!("Finding aggregator {arn} not found")))?;
    if home_only && home != cx.region {
        return Err(invalid(format!(
            "The finding aggregator can only be changed from its home Region {home}"
        )));
    }
    let a = w
        .scope(&cx.account, &home)
        .aggregator
        .as_mut()
        .expect("found");
    Ok((a, home))
}

fn update_aggregator(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let arn = required_str(body, "FindingAggregatorArn")?.to_string();
    let mode = required_str(body, "RegionLinkingMode")?.to_string();
    let regions = get_strs(body, "Regions");
    check_linking(&mode, &regions)?;
    let (a, home) = aggregator_by_arn(w, cx, &arn, true)?;
    a.mode = mode;
    a.regions = regions.unwrap_or_default();
    Ok(aggregator_json(a, &home))
}

fn delete_aggregator(w: &mut World, cx: &Cx, label: Option<&str>) -> Res {
    let arn = required_label(label, "FindingAggregatorArn")?;
    let (_, home) = aggregator_by_arn(w, cx, &arn, true)?;
    w.scope(&cx.account, &home).aggregator = None;
    Ok(json!({}))
}

fn get_aggregator(w: &mut World, cx: &Cx, label: Option<&str>) -> Res {
    let arn = required_label(label, "FindingAggregatorArn")?;
    let (a, home) = aggregator_by_arn(w, cx, &arn, false)?;
    Ok(aggregator_json(a, &home))
}

fn list_aggregators(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let all: Vec<Value> = find_aggregator(w, &cx.account)
        .and_then(|h| {
            w.scope_ref(&cx.account, &h)
                .and_then(|s| s.aggregator.as_ref())
                .map(|a| json!({ "FindingAggregatorArn": a.arn }))
        })
        .into_iter()
        .collect();
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 100, cx)?;
    Ok(with_token(json!({ "FindingAggregators": items }), next))
}

// ---- insights -----------------------------------------------------------------------------

fn check_filters(v: &Value, what: &str) -> Result<(), ApiError> {
    let o = v
        .as_object()
        .ok_or_else(|| invalid(format!("{what} must be an object")))?;
    for (k, list) in o {
        let l = list
            .as_array()
            .ok_or_else(|| invalid(format!("{what}.{k} must be a list")))?;
        if l.iter().any(|x| !x.is_object()) {
            return Err(invalid(format!(
                "{what}.{k} must be a list of filter objects"
            )));
        }
    }
    Ok(())
}

fn insight_json(i: &Insight) -> Value {
    json!({ "InsightArn": i.arn, "Name": i.name, "Filters": i.filters, "GroupByAttribute": i.group_by })
}

fn create_insight(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let name = required_str(body, "Name")?.to_string();
    let group_by = required_str(body, "GroupByAttribute")?.to_string();
    let filters = get(body, "Filters")
        .cloned()
        .ok_or_else(|| invalid("Filters is required"))?;
    check_filters(&filters, "Filters")?;
    let arn = insight_arn(&cx.region, &cx.account, &w.next_uuid());
    w.scope(&cx.account, &cx.region).insights.push(Insight {
        arn: arn.clone(),
        name,
        filters,
        group_by,
    });
    Ok(json!({ "InsightArn": arn }))
}

fn update_insight(w: &mut World, cx: &Cx, label: Option<&str>, body: &Value) -> Res {
    let arn = required_label(label, "InsightArn")?;
    if let Some(f) = get(body, "Filters") {
        check_filters(f, "Filters")?;
    }
    let scope = w.scope(&cx.account, &cx.region);
    let i = scope
        .insights
        .iter_mut()
        .find(|i| i.arn == arn)
        .ok_or_else(|| not_found(format!("Insight {arn} not found")))?;
    if let Some(n) = get_str(body, "Name") {
        i.name = n.to_string();
    }
    if let Some(f) = get(body, "Filters") {
        i.filters = f.clone();
    }
    if let Some(g) = get_str(body, "GroupByAttribute") {
        i.group_by = g.to_string();
    }
    Ok(json!({}))
}

fn delete_insight(w: &mut World, cx: &Cx, label: Option<&str>) -> Res {
    let arn = required_label(label, "InsightArn")?;
    let scope = w.scope(&cx.account, &cx.region);
    let before = scope.insights.len();
    scope.insights.retain(|i| i.arn != arn);
    if scope.insights.len() == before {
        return Err(not_found(format!("Insight {arn} not found")));
    }
    Ok(json!({ "InsightArn": arn }))
}

fn get_insights(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let arns = get_strs(body, "InsightArns").filter(|a| !a.is_empty());
    let scope = w.scope(&cx.account, &cx.region);
    let all: Vec<Value> = match &arns {
        None => scope.insights.iter().map(insight_json).collect(),
        Some(arns) => {
            let mut out = Vec::new();
            for a in arns {
                let i = scope
                    .insights
                    .iter()
                    .find(|i| &i.arn == a)
                    .ok_or_else(|| not_found(format!("Insight {a} not found")))?;
                out.push(insight_json(i));
            }
            out
        }
    };
    let (items, next) = paged(
        &all,
        get_str(body, "NextToken"),
        get_i64(body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(json!({ "Insights": items }), next))
}

// ---- action targets -----------------------------------------------------------------------

fn action_target_id(arn: &str, cx: &Cx) -> Option<String> {
    arn.strip_prefix(&action_target_arn(&cx.region, &cx.account, ""))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}

fn create_action_target(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let name = required_str(body, "Name")?.to_string();
    let description = required_str(body, "Description")?.to_string();
    let id = required_str(body, "Id")?.to_string();
    if id.len() > 20 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(format!(
            "Id `{id}` must be at most 20 alphanumeric characters"
        )));
    }
    if name.chars().count() > 20 {
        return Err(invalid(format!(
            "Name `{name}` must be at most 20 characters"
        )));
    }
    let scope = w.scope(&cx.account, &cx.region);
    if scope.action_targets.contains_key(&id) {
        return Err(conflict(format!(
            "ActionTarget with id {id} already exists"
        )));
    }
    scope
        .action_targets
        .insert(id.clone(), ActionTarget { name, description });
    Ok(json!({ "ActionTargetArn": action_target_arn(&cx.region, &cx.account, &id) }))
}

fn update_action_target(w: &mut World, cx: &Cx, label: Option<&str>, body: &Value) -> Res {
    let arn = required_label(label, "ActionTargetArn")?;
    if let Some(n) = get_str(body, "Name")
        && n.chars().count() > 20
    {
        return Err(invalid(format!("Name `{n}` must be at most 20 characters")));
    }
    let id = action_target_id(&arn, cx);
    let scope = w.scope(&cx.account, &cx.region);
    let t = id
        .and_then(|id| scope.action_targets.get_mut(&id))
        .ok_or_else(|| not_found(format!("ActionTarget {arn} not found")))?;
    if let Some(n) = get_str(body, "Name") {
        t.name = n.to_string();
    }
    if let Some(d) = get_str(body, "Description") {
        t.description = d.to_string();
    }
    Ok(json!({}))
}

fn delete_action_target(w: &mut World, cx: &Cx, label: Option<&str>) -> Res {
    let arn = required_label(label, "ActionTargetArn")?;
    let id = action_target_id(&arn, cx);
    let scope = w.scope(&cx.account, &cx.region);
    id.and_then(|id| scope.action_targets.remove(&id))
        .ok_or_else(|| not_found(format!("ActionTarget {arn} not found")))?;
    Ok(json!({ "ActionTargetArn": arn }))
}

fn describe_action_targets(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let arns = get_strs(body, "ActionTargetArns").filter(|a| !a.is_empty());
    let scope = w.scope(&cx.account, &cx.region);
    let item = |id: &str, t: &ActionTarget| json!({ "ActionTargetArn": action_target_arn(&cx.region, &cx.account, id), "Name": t.name, "Description": t.description });
    let all: Vec<Value> = match &arns {
        None => scope
            .action_targets
            .iter()
            .map(|(id, t)| item(id, t))
            .collect(),
        Some(arns) => {
            let mut out = Vec::new();
            for a in arns {
                let id = action_target_id(a, cx).filter(|id| scope.action_targets.contains_key(id));
                let id = id.ok_or_else(|| not_found(format!("ActionTarget {a} not found")))?;
                out.push(item(&id, &scope.action_targets[&id]));
            }
            out
        }
    };
    let (items, next) = paged(
        &all,
        get_str(body, "NextToken"),
        get_i64(body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(json!({ "ActionTargets": items }), next))
}

// ---- automation rules ---------------------------------------------------------------------

fn require_rule_owner(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if let Some(admin) = w.administrator_of(&cx.account, &cx.region) {
        return Err(denied(format!(
            "Account {} is a member of administrator {admin}; only the Security Hub administrator account can manage automation rules",
            cx.account
        )));
    }
    Ok(())
}

fn check_actions(actions: &Value) -> Result<(), ApiError> {
    let list = actions
        .as_array()
        .ok_or_else(|| invalid("Actions must be a list"))?;
    if list.len() != 1 {
        return Err(invalid(format!(
            "Actions must hold exactly 1 action, got {}",
            list.len()
        )));
    }
    if get_str(&list[0], "Type") != Some("FINDING_FIELDS_UPDATE")
        || !get(&list[0], "FindingFieldsUpdate").is_some_and(Value::is_object)
    {
        return Err(invalid(
            "The action must be of Type FINDING_FIELDS_UPDATE with a FindingFieldsUpdate",
        ));
    }
    Ok(())
}

fn check_order(order: i64) -> Result<(), ApiError> {
    if !(1..=1000).contains(&order) {
        return Err(invalid(format!(
            "RuleOrder must be between 1 and 1000, got {order}"
        )));
    }
    Ok(())
}

fn check_rule_status(s: &str) -> Result<(), ApiError> {
    if !matches!(s, "ENABLED" | "DISABLED") {
        return Err(invalid(format!(
            "RuleStatus `{s}` is not ENABLED or DISABLED"
        )));
    }
    Ok(())
}

fn rule_metadata(r: &Rule) -> Map<String, Value> {
    let v = json!({
        "RuleArn": r.arn,
        "RuleStatus": r.status,
        "RuleOrder": r.order,
        "RuleName": r.name,
        "Description": r.description,
        "IsTerminal": r.terminal,
        "CreatedAt": r.created_at,
        "UpdatedAt": r.updated_at,
        "CreatedBy": r.created_by,
    });
    v.as_object().cloned().expect("object")
}

fn create_rule(w: &mut World, cx: &Cx, body: &Value) -> Res {
    require_rule_owner(w, cx)?;
    let order = get_i64(body, "RuleOrder").ok_or_else(|| invalid("RuleOrder is required"))?;
    check_order(order)?;
    let name = required_str(body, "RuleName")?.to_string();
    let description = required_str(body, "Description")?.to_string();
    let criteria = get(body, "Criteria")
        .cloned()
        .ok_or_else(|| invalid("Criteria is required"))?;
    check_filters(&criteria, "Criteria")?;
    let actions = get(body, "Actions")
        .cloned()
        .ok_or_else(|| invalid("Actions is required"))?;
    check_actions(&actions)?;
    let status = get_str(body, "RuleStatus").unwrap_or("ENABLED").to_string();
    check_rule_status(&status)?;
    if w.scope(&cx.account, &cx.region).rules.len() >= 100 {
        return Err(limit(
            "An administrator account can have at most 100 automation rules",
        ));
    }
    let arn = rule_arn(&cx.region, &cx.account, &w.next_uuid());
    let now = iso_now();
    w.scope(&cx.account, &cx.region).rules.push(Rule {
        arn: arn.clone(),
        name,
        order,
        description,
        status,
        terminal: get_bool(body, "IsTerminal").unwrap_or(false),
        criteria,
        actions,
        created_at: now.clone(),
        updated_at: now,
        created_by: format!("arn:aws:iam::{}:root", cx.account),
    });
    Ok(json!({ "RuleArn": arn }))
}

fn rule_arns(body: &Value) -> Result<Vec<String>, ApiError> {
    let list = required_list(body, "AutomationRulesArns", 100)?;
    Ok(list
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

fn unprocessed_rule(arn: &str, code: i64, msg: String) -> Value {
    json!({ "RuleArn": arn, "ErrorCode": code, "ErrorMessage": msg })
}

fn batch_update_rules(w: &mut World, cx: &Cx, body: &Value) -> Res {
    require_rule_owner(w, cx)?;
    let items = required_list(body, "UpdateAutomationRulesRequestItems", 100)?;
    let now = iso_now();
    let scope = w.scope(&cx.account, &cx.region);
    let (mut processed, mut unprocessed) = (Vec::new(), Vec::new());
    for it in items {
        let arn = get_str(it, "RuleArn").unwrap_or_default().to_string();
        let check = || -> Result<(), ApiError> {
            if let Some(o) = get_i64(it, "RuleOrder") {
                check_order(o)?;
            }
            if let Some(s) = get_str(it, "RuleStatus") {
                check_rule_status(s)?;
            }
            if let Some(c) = get(it, "Criteria") {
                check_filters(c, "Criteria")?;
            }
            if let Some(a) = get(it, "Actions") {
                check_actions(a)?;
            }
            Ok(())
        };
        if let Err(e) = check() {
            unprocessed.push(unprocessed_rule(&arn, 400, e.message));
            continue;
        }
        let Some(r) = scope.rules.iter_mut().find(|r| r.arn == arn) else {
            unprocessed.push(unprocessed_rule(
                &arn,
                404,
                format!("Automation rule {arn} not found"),
            ));
            continue;
        };
        if let Some(s) = get_str(it, "RuleStatus") {
            r.status = s.to_string();
        }
        if let Some(o) = get_i64(it, "RuleOrder") {
            r.order = o;
        }
        if let Some(d) = get_str(it, "Description") {
            r.description = d.to_string();
        }
        if let Some(n) = get_str(it, "RuleName") {
            r.name = n.to_string();
        }
        if let Some(t) = get_bool(it, "IsTerminal") {
            r.terminal = t;
        }
        if let Some(c) = get(it, "Criteria") {
            r.criteria = c.clone();
        }
        if let Some(a) = get(it, "Actions") {
            r.actions = a.clone();
        }
        r.updated_at = now.clone();
        processed.push(json!(arn));
    }
    Ok(json!({ "ProcessedAutomationRules": processed, "UnprocessedAutomationRules": unprocessed }))
}

fn batch_delete_rules(w: &mut World, cx: &Cx, body: &Value) -> Res {
    require_rule_owner(w, cx)?;
    let arns = rule_arns(body)?;
    let scope = w.scope(&cx.account, &cx.region);
    let (mut processed, mut unprocessed) = (Vec::new(), Vec::new());
    for arn in arns {
        let before = scope.rules.len();
        scope.rules.retain(|r| r.arn != arn);
        if scope.rules.len() < before {
            processed.push(json!(arn));
        } else {
            unprocessed.push(unprocessed_rule(
                &arn,
                404,
                format!("Automation rule {arn} not found"),
            ));
        }
    }
    Ok(json!({ "ProcessedAutomationRules": processed, "UnprocessedAutomationRules": unprocessed }))
}

fn list_rules(w: &mut World, cx: &Cx, req: &Request) -> Res {
    require_rule_owner(w, cx)?;
    let all: Vec<Value> = w
        .scope(&cx.account, &cx.region)
        .rules
        .iter()
        .map(|r| Value::Object(rule_metadata(r)))
        .collect();
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 100, cx)?;
    Ok(with_token(
        json!({ "AutomationRulesMetadata": items }),
        next,
    ))
}

fn batch_get_rules(w: &mut World, cx: &Cx, body: &Value) -> Res {
    require_rule_owner(w, cx)?;
    let arns = rule_arns(body)?;
    let scope = w.scope(&cx.account, &cx.region);
    let (mut rules, mut unprocessed) = (Vec::new(), Vec::new());
    for arn in arns {
        match scope.rules.iter().find(|r| r.arn == arn) {
            Some(r) => {
                let mut m = rule_metadata(r);
                m.insert("Criteria".into(), r.criteria.clone());
                m.insert("Actions".into(), r.actions.clone());
                rules.push(Value::Object(m));
            }
            None => unprocessed.push(unprocessed_rule(
                &arn,
                404,
                format!("Automation rule {arn} not found"),
            )),
        }
    }
    Ok(json!({ "Rules": rules, "UnprocessedAutomationRules": unprocessed }))
}

// ---- products -----------------------------------------------------------------------------

/// (company/product, provider account or "" for AWS services, name, company, categories)
const PRODUCTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "aws/access-analyzer",
        "",
        "IAM Access Analyzer",
        "AWS",
        "AWS Service",
    ),
    (
        "aws/firewall-manager",
        "",
        "Firewall Manager",
        "AWS",
        "AWS Service",
    ),
    ("aws/guardduty", "", "GuardDuty", "AWS", "AWS Service"),
    ("aws/inspector", "", "Inspector", "AWS", "AWS Service"),
    ("aws/macie", "", "Macie", "AWS", "AWS Service"),
    (
        "aws/ssm-patch-manager",
        "",
        "Systems Manager Patch Manager",
        "AWS",
        "AWS Service",
    ),
    (
        "crowdstrike/crowdstrike-falcon",
        "517716713836",
        "CrowdStrike Falcon",
        "CrowdStrike",
        "Endpoint Detection and Response (EDR)",
    ),
];

fn product_arn(region: &str, key: &str, provider: &str) -> String {
    format!("arn:aws:securityhub:{region}:{provider}:product/{key}")
}

fn describe_products(cx: &Cx, req: &Request) -> Res {
    let filter = req.query("ProductArn");
    let all: Vec<Value> = PRODUCTS
        .iter()
        .map(|(key, provider, name, company, category)| {
            let (_, product) = key.split_once('/').unwrap_or(("", key));
            json!({
                "ProductArn": product_arn(&cx.region, key, provider),
                "ProductName": name,
                "CompanyName": company,
                "Description": format!("{name} findings (emulated)"),
                "Categories": [category],
                "IntegrationTypes": ["SEND_FINDINGS_TO_SECURITY_HUB"],
                "MarketplaceUrl": format!("https://aws.amazon.com/marketplace/search/results?searchTerms={product}"),
                "ActivationUrl": format!("https://console.aws.amazon.com/{product}/home"),
            })
        })
        .filter(|p| filter.is_none_or(|f| p["ProductArn"].as_str() == Some(f)))
        .collect();
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 100, cx)?;
    Ok(with_token(json!({ "Products": items }), next))
}

fn enable_product(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let arn = required_str(body, "ProductArn")?;
    let key = PRODUCTS
        .iter()
        .find(|(key, provider, ..)| product_arn(&cx.region, key, provider) == arn)
        .map(|(key, ..)| key.to_string())
        .ok_or_else(|| {
            invalid(format!(
                "ProductArn {arn} is not a product in {}",
                cx.region
            ))
        })?;
    let scope = w.scope(&cx.account, &cx.region);
    if scope.products.contains(&key) {
        return Err(conflict(format!(
            "Import of findings from {arn} is already enabled"
        )));
    }
    scope.products.insert(key.clone());
    Ok(json!({ "ProductSubscriptionArn": product_subscription_arn(&cx.region, &cx.account, &key) }))
}

fn disable_product(w: &mut World, cx: &Cx, label: Option<&str>) -> Res {
    let arn = required_label(label, "ProductSubscriptionArn")?;
    let key = arn
        .strip_prefix(&product_subscription_arn(&cx.region, &cx.account, ""))
        .unwrap_or_default()
        .to_string();
    if !w.scope(&cx.account, &cx.region).products.remove(&key) {
        return Err(not_found(format!("Product subscription {arn} not found")));
    }
    Ok(json!({}))
}

fn list_enabled_products(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let all: Vec<Value> = w
        .scope(&cx.account, &cx.region)
        .products
        .iter()
        .map(|p| json!(product_subscription_arn(&cx.region, &cx.account, p)))
        .collect();
    let (items, next) = paged(&all, req.query("NextToken"), query_max(req)?, 100, cx)?;
    Ok(with_token(json!({ "ProductSubscriptions": items }), next))
}

// ---- findings -----------------------------------------------------------------------------

fn get_findings(cx: &Cx, body: &Value) -> Res {
    let empty: Vec<Value> = Vec::new();
    let (items, next) = paged(
        &empty,
        get_str(body, "NextToken"),
        get_i64(body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(json!({ "Findings": items }), next))
}
