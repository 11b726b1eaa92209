//! `automation-rule/<name>`: automation rules, matched by name (names are not unique on AWS
//! either), read 100 a call.

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{RuleStatus, UpdateAutomationRulesRequestItem};
use serde_json::json;

use super::Sh;
use super::filters::{rule_action_from_json, rule_action_to_json};
use super::filters_gen::{rule_criteria_from_json, rule_criteria_to_json};
use crate::model::resource::AutomationRuleValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, wire, fail, sdk_error, value_of};

/// Rules by name: (ARN, value).
async fn by_name(
    sh: &Sh<'_>,
) -> Result<BTreeMap<String, (String, AutomationRuleValue)>, ProviderError> {
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    // ListAutomationRules has no paginator in the SDK.
    loop {
        sh.gate("ListAutomationRules").await;
        let page = sh
            .client
            .list_automation_rules()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| sdk_error(sh.target(), e))?;
        arns.extend(
            page.automation_rules_metadata()
                .iter()
                .filter_map(|m| m.rule_arn().map(str::to_string)),
        );
        token = page
            .next_token()
            .map(str::to_string)
            .filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(100) {
        sh.gate("BatchGetAutomationRules").await;
        let res = sh
            .client
            .batch_get_automation_rules()
            .set_automation_rules_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error(sh.target(), e))?;
        for r in res.rules() {
            let (Some(arn), Some(name)) = (r.rule_arn(), r.rule_name()) else {
                continue;
            };
            let value = AutomationRuleValue {
                order: r.rule_order().unwrap_or(0).max(0) as u32,
                description: r.description().unwrap_or_default().into(),
                status: match r.rule_status() {
                    Some(s) => wire(&sh.target(), "rule status", Some(s.as_str()))?,
                    None => crate::model::resource::Switch::Enabled,
                },
                terminal: r.is_terminal().unwrap_or(false),
                criteria: r
                    .criteria()
                    .map(rule_criteria_to_json)
                    .unwrap_or_else(|| json!({})),
                actions: r
                    .actions()
                    .first()
                    .map(rule_action_to_json)
                    .unwrap_or_else(|| json!({})),
            };
            if let Some((other, _)) = out.insert(name.to_string(), (arn.to_string(), value)) {
                return Err(ProviderError::new(
                    Target::Address(sh.address(Kind::AutomationRule, Some(name.to_string()))),
                    Some("AmbiguousName"),
                    format!(
                        "two automation rules are named `{name}` ({other} and {arn}); shubctl matches rules by name, so delete or rename one"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    for (name, (_, v)) in by_name(sh).await? {
        out.insert(
            Kind::AutomationRule,
            Some(name),
            Resource::AutomationRule(v),
        );
    }
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let name = c.address.id.clone().unwrap_or_default();
    let arn = by_name(sh).await?.remove(&name).map(|(arn, _)| arn);
    if c.action == Action::Delete {
        let Some(arn) = arn else { return Ok(()) };
        sh.gate("BatchDeleteAutomationRules").await;
        let r = sh
            .client
            .batch_delete_automation_rules()
            .automation_rules_arns(arn)
            .send()
            .await
            .map_err(|e| sdk_error(t, e))?;
        return match r.unprocessed_automation_rules().first() {
            Some(u) => Err(fail(
                c,
                u.error_code().map(|x| x.to_string()).as_deref(),
                u.error_message().unwrap_or("not deleted"),
            )),
            None => Ok(()),
        };
    }
    let v = value_of!(c, AutomationRule);
    let criteria = rule_criteria_from_json(&v.criteria).map_err(|e| fail(c, None, e))?;
    let action = rule_action_from_json(&v.actions).map_err(|e| fail(c, None, e))?;
    let status = RuleStatus::from(v.status.as_str());
    match arn {
        None => {
            sh.gate("CreateAutomationRule").await;
            sh.client
                .create_automation_rule()
                .rule_name(&name)
                .rule_order(v.order as i32)
                .description(&v.description)
                .rule_status(status)
                .is_terminal(v.terminal)
                .criteria(criteria)
                .actions(action)
                .send()
                .await
                .map_err(|e| sdk_error(t, e))?;
            Ok(())
        }
        Some(arn) => {
            let item = UpdateAutomationRulesRequestItem::builder()
                .rule_arn(arn)
                .rule_name(&name)
                .rule_order(v.order as i32)
                .description(&v.description)
                .rule_status(status)
                .is_terminal(v.terminal)
                .criteria(criteria)
                .actions(action)
                .build();
            sh.gate("BatchUpdateAutomationRules").await;
            let r = sh
                .client
                .batch_update_automation_rules()
                .update_automation_rules_request_items(item)
                .send()
                .await
                .map_err(|e| sdk_error(t, e))?;
            match r.unprocessed_automation_rules().first() {
                Some(u) => Err(fail(
                    c,
                    u.error_code().map(|x| x.to_string()).as_deref(),
                    u.error_message().unwrap_or("not updated"),
                )),
                None => Ok(()),
            }
        }
    }
}
