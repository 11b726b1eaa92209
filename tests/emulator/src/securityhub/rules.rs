//! Automation rules (API.md §1.9): names are not unique, so rules are kept in creation order
//! and found by their UUID ARN. Refused to accounts that are enabled members.

use serde_json::{Map, Value, json};

use super::arn::rule_arn;
use super::insights::check_filters;
use super::state::{Rule, administrator_of};
use super::{
    denied, invalid, limit, own, paged, query_max, required_list, required_str, with_token,
};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get, get_bool, get_i64, get_str, iso_now, object};
use crate::world::World;

fn require_rule_owner(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if let Some(admin) = administrator_of(w, &cx.account, &cx.region) {
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

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
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
    if own(w, cx).rules.len() >= 100 {
        return Err(limit(
            "An administrator account can have at most 100 automation rules",
        ));
    }
    let arn = rule_arn(&cx.region, &cx.account, &w.next_uuid());
    let now = iso_now();
    own(w, cx).rules.push(Rule {
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
        created_by: format!(
            "arn:{}:iam::{}:root",
            crate::util::partition(&cx.region).0,
            cx.account
        ),
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

pub fn batch_update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    require_rule_owner(w, cx)?;
    let items = required_list(body, "UpdateAutomationRulesRequestItems", 100)?;
    let now = iso_now();
    let s = own(w, cx);
    let (mut processed, mut unprocessed) = (Vec::new(), Vec::new());
    for it in items {
        let arn = get_str(it, "RuleArn").unwrap_or_default().to_string();
        let check = || -> Result<(), ApiError> {
            if let Some(o) = get_i64(it, "RuleOrder") {
                check_order(o)?;
            }
            if let Some(st) = get_str(it, "RuleStatus") {
                check_rule_status(st)?;
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
        let Some(r) = s.rules.iter_mut().find(|r| r.arn == arn) else {
            unprocessed.push(unprocessed_rule(
                &arn,
                404,
                format!("Automation rule {arn} not found"),
            ));
            continue;
        };
        if let Some(st) = get_str(it, "RuleStatus") {
            r.status = st.to_string();
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
    Ok(object([
        ("ProcessedAutomationRules", processed.into()),
        ("UnprocessedAutomationRules", unprocessed.into()),
    ]))
}

pub fn batch_delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    require_rule_owner(w, cx)?;
    let arns = rule_arns(body)?;
    let s = own(w, cx);
    let (mut processed, mut unprocessed) = (Vec::new(), Vec::new());
    for arn in arns {
        let before = s.rules.len();
        s.rules.retain(|r| r.arn != arn);
        if s.rules.len() < before {
            processed.push(json!(arn));
        } else {
            unprocessed.push(unprocessed_rule(
                &arn,
                404,
                format!("Automation rule {arn} not found"),
            ));
        }
    }
    Ok(object([
        ("ProcessedAutomationRules", processed.into()),
        ("UnprocessedAutomationRules", unprocessed.into()),
    ]))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_rule_owner(w, cx)?;
    let all: Vec<Value> = own(w, cx)
        .rules
        .iter()
        .map(|r| Value::Object(rule_metadata(r)))
        .collect();
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(with_token(
        object([("AutomationRulesMetadata", items.into())]),
        next,
    ))
}

pub fn batch_get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    require_rule_owner(w, cx)?;
    let arns = rule_arns(body)?;
    let s = own(w, cx);
    let (mut rules, mut unprocessed) = (Vec::new(), Vec::new());
    for arn in arns {
        match s.rules.iter().find(|r| r.arn == arn) {
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
    Ok(object([
        ("Rules", rules.into()),
        ("UnprocessedAutomationRules", unprocessed.into()),
    ]))
}
