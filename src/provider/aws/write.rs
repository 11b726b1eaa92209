//! Carrying out changes: one batch holds changes of one kind and action in one account ×
//! region, sent with the API's batch calls where there are some. Per-item failures of batch
//! calls are mapped back to the addresses they concern.

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{
    AccountDetails, AssociationStatus, AutoEnableStandards, ControlFindingGenerator,
    ParameterConfiguration, ParameterValue, ParameterValueType, RuleStatus,
    StandardsControlAssociationUpdate, StandardsSubscriptionRequest,
    UpdateAutomationRulesRequestItem,
};
use serde_json::Value;

use super::filters::rule_action_from_json;
use super::filters_gen::{finding_filters_from_json, rule_criteria_from_json};
use super::read::{automation_rules, insights, product_name, standard_arn_of};
use super::{AwsProvider, sdk_error};
use crate::diff::{Action, Change};
use crate::model::{AccountId, Kind, Resource};
use crate::provider::ProviderError;

type Outcome = Result<(), ProviderError>;

fn fail(c: &Change, code: Option<&str>, message: impl Into<String>) -> ProviderError {
    ProviderError {
        target: c.address.to_string(),
        code: code.map(str::to_string),
        message: message.into(),
    }
}

/// The same error for every change of a batch (the batch call itself failed).
fn fail_all(batch: &[Change], e: &ProviderError) -> Vec<Outcome> {
    batch
        .iter()
        .map(|c| Err(fail(c, e.code.as_deref(), e.message.clone())))
        .collect()
}

fn value(c: &Change) -> Result<Resource, ProviderError> {
    let after = c
        .after
        .clone()
        .ok_or_else(|| fail(c, None, "the change has no value"))?;
    Resource::from_json(c.address.kind, after).map_err(|e| fail(c, None, e.to_string()))
}

/// Runs a whole batch; every change gets its own outcome.
pub(super) async fn batch(p: &AwsProvider, batch: &[Change]) -> Vec<Outcome> {
    let Some(first) = batch.first() else {
        return vec![];
    };
    if first.address.kind == Kind::Inspector {
        return super::services::inspector_batch(p, batch).await;
    }
    let (account, region) = (first.address.account.clone(), first.address.region.clone());
    let sh = match p.securityhub(&account, &region).await {
        Ok(c) => c,
        Err(e) => return fail_all(batch, &e),
    };
    let ctx = Ctx {
        p,
        sh: &sh,
        account: &account,
        region: &region,
    };
    // A batch of administrators or organisation settings mixes services: one at a time.
    if batch.iter().any(super::services::handles) {
        let mut out = Vec::with_capacity(batch.len());
        for c in batch {
            out.push(if super::services::handles(c) {
                super::services::write(p, c).await
            } else {
                ctx.one(c).await
            });
        }
        return out;
    }
    match (first.address.kind, first.action) {
        (Kind::Standard, Action::Create) => ctx.enable_standards(batch).await,
        (Kind::Standard, Action::Delete) => ctx.disable_standards(batch).await,
        (Kind::Control, _) => ctx.update_controls(batch).await,
        (Kind::Member, Action::Create) => ctx.create_members(batch).await,
        (Kind::Member, Action::Delete) => ctx.delete_members(batch).await,
        _ => {
            let mut out = Vec::with_capacity(batch.len());
            for c in batch {
                out.push(ctx.one(c).await);
            }
            out
        }
    }
}

struct Ctx<'a> {
    p: &'a AwsProvider,
    sh: &'a aws_sdk_securityhub::Client,
    account: &'a AccountId,
    region: &'a str,
}

impl Ctx<'_> {
    async fn gate(&self, op: &'static str) {
        self.p.gate(self.account, self.region, op).await;
    }

    fn target(&self) -> String {
        format!("{}/{}", self.account, self.region)
    }

    async fn one(&self, c: &Change) -> Outcome {
        let t = c.address.to_string();
        let id = c.address.id.clone().unwrap_or_default();
        match (c.address.kind, c.action) {
            (Kind::Hub, Action::Create | Action::Update) => {
                let Resource::Hub(h) = value(c)? else {
                    return Err(fail(c, None, "not a hub value"));
                };
                if c.action == Action::Create {
                    self.gate("EnableSecurityHub").await;
                    // Default standards stay off: the policy decides which standards run.
                    let r = self
                        .sh
                        .enable_security_hub()
                        .enable_default_standards(false)
                        .control_finding_generator(ControlFindingGenerator::from(
                            h.control_finding_generator.as_str(),
                        ))
                        .send()
                        .await;
                    match r {
                        Ok(_) => {}
                        // Enabled meanwhile (409): settle the settings below.
                        Err(e) if e.code() == Some("ResourceConflictException") => {}
                        Err(e) => return Err(sdk_error(t, e)),
                    }
                }
                // Send only what must change: in an organisation, members cannot set the finding
                // generator (they inherit the administrator's).
                let fields: Vec<&str> = if c.action == Action::Create {
                    if h.auto_enable_controls {
                        vec![]
                    } else {
                        vec!["auto_enable_controls"]
                    }
                } else {
                    c.changed_fields.iter().map(String::as_str).collect()
                };
                if fields.is_empty() {
                    return Ok(());
                }
                let mut req = self.sh.update_security_hub_configuration();
                if fields.contains(&"auto_enable_controls") {
                    req = req.auto_enable_controls(h.auto_enable_controls);
                }
                if fields.contains(&"control_finding_generator") {
                    req = req.control_finding_generator(ControlFindingGenerator::from(
                        h.control_finding_generator.as_str(),
                    ));
                }
                self.gate("UpdateSecurityHubConfiguration").await;
                req.send().await.map_err(|e| sdk_error(t, e))?;
                Ok(())
            }
            (Kind::Hub, Action::Delete) => {
                self.gate("DisableSecurityHub").await;
                match self.sh.disable_security_hub().send().await {
                    Ok(_) => Ok(()),
                    Err(e)
                        if matches!(
                            e.code(),
                            Some("InvalidAccessException" | "ResourceNotFoundException")
                        ) =>
                    {
                        Ok(())
                    }
                    Err(e) => Err(sdk_error(t, e)),
                }
            }
            (Kind::ControlParameters, _) => {
                let Resource::ControlParameters(v) = value(c)? else {
                    return Err(fail(c, None, "not a parameters value"));
                };
                let mut req = self
                    .sh
                    .update_security_control()
                    .security_control_id(&id)
                    .last_update_reason("Managed by shubctl");
                for (name, v) in &v.parameters {
                    let pv = parameter_value(v).ok_or_else(|| fail(c, None, format!("parameter `{name}` has a value of a type Security Hub does not take")))?;
                    req = req.parameters(
                        name,
                        ParameterConfiguration::builder()
                            .value_type(ParameterValueType::Custom)
                            .value(pv)
                            .build(),
                    );
                }
                self.gate("UpdateSecurityControl").await;
                req.send().await.map_err(|e| sdk_error(t, e))?;
                Ok(())
            }
            (Kind::DelegatedAdmin, Action::Create | Action::Update) => {
                let Resource::DelegatedAdmin(v) = value(c)? else {
                    return Err(fail(c, None, "not an admin value"));
                };
                if let Some(old) = c
                    .before
                    .as_ref()
                    .and_then(|b| b.get("account"))
                    .and_then(Value::as_str)
                {
                    self.gate("DisableOrganizationAdminAccount").await;
                    self.sh
                        .disable_organization_admin_account()
                        .admin_account_id(old)
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
                self.gate("EnableOrganizationAdminAccount").await;
                self.sh
                    .enable_organization_admin_account()
                    .admin_account_id(v.account.as_str())
                    .send()
                    .await
                    .map_err(|e| sdk_error(&t, e))?;
                self.wait_admin(Some(v.account.as_str()), c).await
            }
            (Kind::DelegatedAdmin, Action::Delete) => {
                let old = c
                    .before
                    .as_ref()
                    .and_then(|b| b.get("account"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.gate("DisableOrganizationAdminAccount").await;
                self.sh
                    .disable_organization_admin_account()
                    .admin_account_id(&old)
                    .send()
                    .await
                    .map_err(|e| sdk_error(&t, e))?;
                self.wait_admin(None, c).await
            }
            (Kind::OrgConfig, Action::Create | Action::Update) => {
                let Resource::OrgConfig(v) = value(c)? else {
                    return Err(fail(c, None, "not an organisation configuration"));
                };
                self.gate("UpdateOrganizationConfiguration").await;
                self.sh
                    .update_organization_configuration()
                    .auto_enable(v.auto_enable.unwrap_or(false))
                    .set_auto_enable_standards(
                        v.auto_enable_standards
                            .as_deref()
                            .map(AutoEnableStandards::from),
                    )
                    .send()
                    .await
                    .map_err(|e| sdk_error(t, e))?;
                Ok(())
            }
            (Kind::OrgConfig, Action::Delete) => Ok(()),
            (Kind::Aggregator, action) => self.aggregator(c, action).await,
            (Kind::Insight, action) => {
                let existing = insights(self.p, self.sh, self.account, self.region).await?;
                let arn = existing.get(&id).map(|(arn, _)| arn.clone());
                match (action, arn) {
                    (Action::Delete, Some(arn)) => {
                        self.gate("DeleteInsight").await;
                        self.sh
                            .delete_insight()
                            .insight_arn(arn)
                            .send()
                            .await
                            .map_err(|e| sdk_error(t, e))?;
                    }
                    (Action::Delete, None) => {}
                    (_, arn) => {
                        let Resource::Insight(v) = value(c)? else {
                            return Err(fail(c, None, "not an insight"));
                        };
                        let filters =
                            finding_filters_from_json(&v.filters).map_err(|e| fail(c, None, e))?;
                        match arn {
                            Some(arn) => {
                                self.gate("UpdateInsight").await;
                                self.sh
                                    .update_insight()
                                    .insight_arn(arn)
                                    .name(&id)
                                    .filters(filters)
                                    .group_by_attribute(&v.group_by)
                                    .send()
                                    .await
                                    .map_err(|e| sdk_error(t, e))?;
                            }
                            None => {
                                self.gate("CreateInsight").await;
                                self.sh
                                    .create_insight()
                                    .name(&id)
                                    .filters(filters)
                                    .group_by_attribute(&v.group_by)
                                    .send()
                                    .await
                                    .map_err(|e| sdk_error(t, e))?;
                            }
                        }
                    }
                }
                Ok(())
            }
            (Kind::ActionTarget, action) => {
                let arn = format!(
                    "arn:aws:securityhub:{}:{}:action/custom/{id}",
                    self.region, self.account
                );
                match action {
                    Action::Delete => {
                        self.gate("DeleteActionTarget").await;
                        match self
                            .sh
                            .delete_action_target()
                            .action_target_arn(arn)
                            .send()
                            .await
                        {
                            Ok(_) => Ok(()),
                            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
                            Err(e) => Err(sdk_error(t, e)),
                        }
                    }
                    _ => {
                        let Resource::ActionTarget(v) = value(c)? else {
                            return Err(fail(c, None, "not an action target"));
                        };
                        if action == Action::Create {
                            self.gate("CreateActionTarget").await;
                            match self
                                .sh
                                .create_action_target()
                                .id(&id)
                                .name(&v.name)
                                .description(&v.description)
                                .send()
                                .await
                            {
                                Ok(_) => return Ok(()),
                                // Exists already: fall through to update it.
                                Err(e) if e.code() == Some("ResourceConflictException") => {}
                                Err(e) => return Err(sdk_error(t, e)),
                            }
                        }
                        self.gate("UpdateActionTarget").await;
                        self.sh
                            .update_action_target()
                            .action_target_arn(arn)
                            .name(&v.name)
                            .description(&v.description)
                            .send()
                            .await
                            .map_err(|e| sdk_error(t, e))?;
                        Ok(())
                    }
                }
            }
            (Kind::AutomationRule, action) => self.automation_rule(c, action, &id).await,
            (Kind::Product, Action::Create) => {
                let arn = self
                    .product_arn(&id)
                    .await
                    .map_err(|e| fail(c, e.code.as_deref(), e.message))?;
                self.gate("EnableImportFindingsForProduct").await;
                match self
                    .sh
                    .enable_import_findings_for_product()
                    .product_arn(arn)
                    .send()
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e) if e.code() == Some("ResourceConflictException") => Ok(()),
                    Err(e) => Err(sdk_error(t, e)),
                }
            }
            (Kind::Product, Action::Delete) => {
                let arn = format!(
                    "arn:aws:securityhub:{}:{}:product-subscription/{id}",
                    self.region, self.account
                );
                self.gate("DisableImportFindingsForProduct").await;
                match self
                    .sh
                    .disable_import_findings_for_product()
                    .product_subscription_arn(arn)
                    .send()
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
                    Err(e) => Err(sdk_error(t, e)),
                }
            }
            (kind, action) => Err(fail(
                c,
                None,
                format!(
                    "the live AWS provider cannot {} `{kind}` yet",
                    action.as_str()
                ),
            )),
        }
    }

    /// Polls until the Security Hub administrator is `want` (or none), ENABLED.
    async fn wait_admin(&self, want: Option<&str>, c: &Change) -> Outcome {
        let deadline = Instant::now() + self.p.opts.standard_timeout;
        loop {
            self.gate("ListOrganizationAdminAccounts").await;
            let r = self
                .sh
                .list_organization_admin_accounts()
                .send()
                .await
                .map_err(|e| sdk_error(c.address.to_string(), e))?;
            let admins: Vec<(&str, &str)> = r
                .admin_accounts()
                .iter()
                .map(|a| {
                    (
                        a.account_id().unwrap_or_default(),
                        a.status().map(|s| s.as_str()).unwrap_or(""),
                    )
                })
                .collect();
            let done = match want {
                Some(w) => admins.iter().any(|(a, s)| *a == w && *s == "ENABLED"),
                None => admins.is_empty(),
            };
            if done {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(fail(
                    c,
                    Some("Timeout"),
                    format!(
                        "the administrator did not settle within {:?}",
                        self.p.opts.standard_timeout
                    ),
                ));
            }
            tokio::time::sleep(self.p.opts.poll_interval).await;
        }
    }

    async fn aggregator(&self, c: &Change, action: Action) -> Outcome {
        let t = c.address.to_string();
        self.gate("ListFindingAggregators").await;
        let list = self
            .sh
            .list_finding_aggregators()
            .send()
            .await
            .map_err(|e| sdk_error(&t, e))?;
        let here = format!("arn:aws:securityhub:{}:", self.region);
        let arn = list
            .finding_aggregators()
            .iter()
            .filter_map(|a| a.finding_aggregator_arn())
            .find(|a| a.starts_with(&here))
            .map(str::to_string);
        // An account has one aggregation region: moving it means removing the old one first
        // (its own delete, later in the plan, then finds nothing to do).
        if action == Action::Create {
            let elsewhere = list
                .finding_aggregators()
                .iter()
                .filter_map(|a| a.finding_aggregator_arn())
                .find(|a| !a.starts_with(&here))
                .map(str::to_string);
            if let Some(old) = elsewhere {
                let old_region = old.split(':').nth(3).unwrap_or_default().to_string();
                let sh = self.p.securityhub(self.account, &old_region).await?;
                self.p
                    .gate(self.account, &old_region, "DeleteFindingAggregator")
                    .await;
                match sh
                    .delete_finding_aggregator()
                    .finding_aggregator_arn(&old)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.code() == Some("ResourceNotFoundException") => {}
                    Err(e) => return Err(sdk_error(&t, e)),
                }
            }
        }
        match (action, arn) {
            (Action::Delete, Some(arn)) => {
                self.gate("DeleteFindingAggregator").await;
                match self
                    .sh
                    .delete_finding_aggregator()
                    .finding_aggregator_arn(arn)
                    .send()
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
                    Err(e) => Err(sdk_error(t, e)),
                }
            }
            (Action::Delete, None) => Ok(()),
            (_, arn) => {
                let Resource::Aggregator(v) = value(c)? else {
                    return Err(fail(c, None, "not an aggregator"));
                };
                // NO_REGIONS and ALL_REGIONS take no region list.
                let regions = (!v.regions.is_empty()).then(|| v.regions.clone());
                match arn {
                    Some(arn) => {
                        self.gate("UpdateFindingAggregator").await;
                        self.sh
                            .update_finding_aggregator()
                            .finding_aggregator_arn(arn)
                            .region_linking_mode(&v.linking_mode)
                            .set_regions(regions)
                            .send()
                            .await
                            .map_err(|e| sdk_error(t, e))?;
                    }
                    None => {
                        self.gate("CreateFindingAggregator").await;
                        self.sh
                            .create_finding_aggregator()
                            .region_linking_mode(&v.linking_mode)
                            .set_regions(regions)
                            .send()
                            .await
                            .map_err(|e| sdk_error(t, e))?;
                    }
                }
                Ok(())
            }
        }
    }

    async fn automation_rule(&self, c: &Change, action: Action, name: &str) -> Outcome {
        let t = c.address.to_string();
        let existing = automation_rules(self.p, self.sh, self.account, self.region).await?;
        let arn = existing.get(name).map(|(arn, _)| arn.clone());
        if action == Action::Delete {
            let Some(arn) = arn else { return Ok(()) };
            self.gate("BatchDeleteAutomationRules").await;
            let r = self
                .sh
                .batch_delete_automation_rules()
                .automation_rules_arns(arn)
                .send()
                .await
                .map_err(|e| sdk_error(&t, e))?;
            return match r.unprocessed_automation_rules().first() {
                Some(u) => Err(fail(
                    c,
                    u.error_code().map(|x| x.to_string()).as_deref(),
                    u.error_message().unwrap_or("not deleted"),
                )),
                None => Ok(()),
            };
        }
        let Resource::AutomationRule(v) = value(c)? else {
            return Err(fail(c, None, "not an automation rule"));
        };
        let criteria = rule_criteria_from_json(&v.criteria).map_err(|e| fail(c, None, e))?;
        let action_v = rule_action_from_json(&v.actions).map_err(|e| fail(c, None, e))?;
        let status = RuleStatus::from(v.status.as_str());
        match arn {
            None => {
                self.gate("CreateAutomationRule").await;
                self.sh
                    .create_automation_rule()
                    .rule_name(name)
                    .rule_order(v.order as i32)
                    .description(&v.description)
                    .rule_status(status)
                    .is_terminal(v.terminal)
                    .criteria(criteria)
                    .actions(action_v)
                    .send()
                    .await
                    .map_err(|e| sdk_error(t, e))?;
                Ok(())
            }
            Some(arn) => {
                let item = UpdateAutomationRulesRequestItem::builder()
                    .rule_arn(arn)
                    .rule_name(name)
                    .rule_order(v.order as i32)
                    .description(&v.description)
                    .rule_status(status)
                    .is_terminal(v.terminal)
                    .criteria(criteria)
                    .actions(action_v)
                    .build();
                self.gate("BatchUpdateAutomationRules").await;
                let r = self
                    .sh
                    .batch_update_automation_rules()
                    .update_automation_rules_request_items(item)
                    .send()
                    .await
                    .map_err(|e| sdk_error(&t, e))?;
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

    /// A product's regional ARN: AWS's own have no account; partners' are looked up.
    async fn product_arn(&self, name: &str) -> Result<String, ProviderError> {
        if name.starts_with("aws/") {
            return Ok(format!(
                "arn:aws:securityhub:{}::product/{name}",
                self.region
            ));
        }
        self.gate("DescribeProducts").await;
        let mut pages = self.sh.describe_products().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(self.target(), e))?;
            if let Some(arn) = page
                .products()
                .iter()
                .filter_map(|p| p.product_arn())
                .find(|a| product_name(a).as_deref() == Some(name))
            {
                return Ok(arn.to_string());
            }
        }
        Err(ProviderError {
            target: self.target(),
            code: Some("UnknownProduct".into()),
            message: format!("no product `{name}` is offered in {}", self.region),
        })
    }

    async fn enable_standards(&self, batch: &[Change]) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = Vec::new();
        let arns: Vec<Option<String>> = batch
            .iter()
            .map(|c| standard_arn_of(c.address.id.as_deref().unwrap_or_default(), self.region))
            .collect();
        let requests: Vec<StandardsSubscriptionRequest> = arns
            .iter()
            .flatten()
            .map(|a| {
                StandardsSubscriptionRequest::builder()
                    .standards_arn(a)
                    .build()
            })
            .collect();
        if !requests.is_empty() {
            for chunk in requests.chunks(25) {
                self.gate("BatchEnableStandards").await;
                if let Err(e) = self
                    .sh
                    .batch_enable_standards()
                    .set_standards_subscription_requests(Some(chunk.to_vec()))
                    .send()
                    .await
                {
                    let err = sdk_error(self.target(), e);
                    return fail_all(batch, &err);
                }
            }
        }
        // Controls can only be changed once a standard is READY: wait here, so the control
        // changes that follow in the plan find it ready.
        let waited = self
            .wait_standards(|status| status.get_ready_for(&arns))
            .await;
        for (c, arn) in batch.iter().zip(&arns) {
            out.push(match (arn, &waited) {
                (None, _) => Err(fail(c, None, "unknown standard")),
                (Some(a), Ok(states)) => match states.get(a).map(String::as_str) {
                    Some("READY") => Ok(()),
                    Some(s) => Err(fail(
                        c,
                        Some("StandardNotReady"),
                        format!("the standard is {s}"),
                    )),
                    None => Err(fail(
                        c,
                        Some("StandardNotReady"),
                        "the standard did not appear as enabled",
                    )),
                },
                (Some(_), Err(e)) => Err(fail(c, e.code.as_deref(), e.message.clone())),
            });
        }
        out
    }

    async fn disable_standards(&self, batch: &[Change]) -> Vec<Outcome> {
        let subs = match self.subscriptions().await {
            Ok(s) => s,
            Err(e) => return fail_all(batch, &e),
        };
        let wanted: Vec<Option<String>> = batch
            .iter()
            .map(|c| standard_arn_of(c.address.id.as_deref().unwrap_or_default(), self.region))
            .collect();
        let sub_arns: Vec<String> = wanted
            .iter()
            .flatten()
            .filter_map(|a| subs.get(a).map(|(sub, _)| sub.clone()))
            .collect();
        for chunk in sub_arns.chunks(25) {
            self.gate("BatchDisableStandards").await;
            if let Err(e) = self
                .sh
                .batch_disable_standards()
                .set_standards_subscription_arns(Some(chunk.to_vec()))
                .send()
                .await
            {
                let err = sdk_error(self.target(), e);
                return fail_all(batch, &err);
            }
        }
        let gone = self.wait_standards(|s| s.gone(&wanted)).await;
        batch
            .iter()
            .zip(&wanted)
            .map(|(c, arn)| match &gone {
                Ok(left) => match arn.as_ref().and_then(|a| left.get(a)) {
                    Some(status) => Err(fail(
                        c,
                        Some("StandardsStatusFailed"),
                        format!("disabling the standard ended {status}"),
                    )),
                    None => Ok(()),
                },
                Err(e) => Err(fail(c, e.code.as_deref(), e.message.clone())),
            })
            .collect()
    }

    /// Standards ARN → (subscription ARN, status).
    async fn subscriptions(&self) -> Result<BTreeMap<String, (String, String)>, ProviderError> {
        let mut out = BTreeMap::new();
        self.gate("GetEnabledStandards").await;
        let mut pages = self.sh.get_enabled_standards().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(self.target(), e))?;
            for s in page.standards_subscriptions() {
                if let (Some(std), Some(sub)) = (s.standards_arn(), s.standards_subscription_arn())
                {
                    let status = s
                        .standards_status()
                        .map(|x| x.as_str().to_string())
                        .unwrap_or_default();
                    // Controls are updatable only once the subscription says so.
                    let ready = s
                        .standards_controls_updatable()
                        .is_none_or(|u| u.as_str() == "READY_FOR_UPDATES");
                    let status = if status == "READY" && !ready {
                        "PENDING".to_string()
                    } else {
                        status
                    };
                    out.insert(std.to_string(), (sub.to_string(), status));
                }
            }
        }
        Ok(out)
    }

    /// Polls the subscriptions until `done` says so or the timeout passes.
    async fn wait_standards(
        &self,
        done: impl Fn(&Subs) -> Option<BTreeMap<String, String>>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let deadline = Instant::now() + self.p.opts.standard_timeout;
        loop {
            let subs = Subs(self.subscriptions().await?);
            if let Some(r) = done(&subs) {
                return Ok(r);
            }
            if Instant::now() >= deadline {
                return Err(ProviderError {
                    target: self.target(),
                    code: Some("Timeout".into()),
                    message: format!(
                        "standards did not settle within {:?}",
                        self.p.opts.standard_timeout
                    ),
                });
            }
            tokio::time::sleep(self.p.opts.poll_interval).await;
        }
    }

    async fn update_controls(&self, batch: &[Change]) -> Vec<Outcome> {
        let mut updates = Vec::new();
        let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
        for (i, c) in batch.iter().enumerate() {
            let id = c.address.id.clone().unwrap_or_default();
            let Some((control, short)) = id.split_once('@') else {
                out[i] = Err(fail(c, None, "malformed control address"));
                continue;
            };
            let Some(std_arn) = standard_arn_of(short, self.region) else {
                out[i] = Err(fail(c, None, "unknown standard"));
                continue;
            };
            let v = match value(c) {
                Ok(Resource::Control(v)) => v,
                Ok(_) => {
                    out[i] = Err(fail(c, None, "not a control value"));
                    continue;
                }
                Err(e) => {
                    out[i] = Err(e);
                    continue;
                }
            };
            let status = if v.is_enabled() {
                AssociationStatus::Enabled
            } else {
                AssociationStatus::Disabled
            };
            updates.push(
                StandardsControlAssociationUpdate::builder()
                    .standards_arn(&std_arn)
                    .security_control_id(control)
                    .association_status(status)
                    .set_updated_reason(v.reason.clone())
                    .build(),
            );
            index.insert((control.to_string(), std_arn), i);
        }
        for chunk in updates.chunks(100) {
            self.gate("BatchUpdateStandardsControlAssociations").await;
            match self
                .sh
                .batch_update_standards_control_associations()
                .set_standards_control_association_updates(Some(chunk.to_vec()))
                .send()
                .await
            {
                Ok(r) => {
                    for u in r.unprocessed_association_updates() {
                        let Some(item) = u.standards_control_association_update() else {
                            continue;
                        };
                        let key = (
                            item.security_control_id().unwrap_or_default().to_string(),
                            item.standards_arn().unwrap_or_default().to_string(),
                        );
                        if let Some(&i) = index.get(&key) {
                            out[i] = Err(fail(
                                &batch[i],
                                u.error_code().map(|c| c.as_str()),
                                u.error_reason().unwrap_or("not updated"),
                            ));
                        }
                    }
                }
                Err(e) => {
                    let err = sdk_error(self.target(), e);
                    for item in chunk {
                        let key = (
                            item.security_control_id().unwrap_or_default().to_string(),
                            item.standards_arn().unwrap_or_default().to_string(),
                        );
                        if let Some(&i) = index.get(&key) {
                            out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
                        }
                    }
                }
            }
        }
        out
    }

    async fn create_members(&self, batch: &[Change]) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
        let ids: Vec<String> = batch
            .iter()
            .map(|c| c.address.id.clone().unwrap_or_default())
            .collect();
        for (n, chunk) in ids.chunks(50).enumerate() {
            let details: Vec<AccountDetails> = chunk
                .iter()
                .map(|a| AccountDetails::builder().account_id(a).build())
                .collect();
            self.gate("CreateMembers").await;
            match self
                .sh
                .create_members()
                .set_account_details(Some(details))
                .send()
                .await
            {
                Ok(r) => {
                    for u in r.unprocessed_accounts() {
                        if let Some(i) = ids.iter().position(|a| Some(a.as_str()) == u.account_id())
                        {
                            out[i] = Err(fail(
                                &batch[i],
                                Some("UnprocessedAccount"),
                                u.processing_result().unwrap_or("not created"),
                            ));
                        }
                    }
                }
                Err(e) => {
                    let err = sdk_error(self.target(), e);
                    for i in n * 50..(n * 50 + chunk.len()) {
                        out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
                    }
                }
            }
        }
        out
    }

    async fn delete_members(&self, batch: &[Change]) -> Vec<Outcome> {
        let ids: Vec<String> = batch
            .iter()
            .map(|c| c.address.id.clone().unwrap_or_default())
            .collect();
        let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
        for (n, chunk) in ids.chunks(50).enumerate() {
            let range = n * 50..(n * 50 + chunk.len());
            self.gate("DisassociateMembers").await;
            if let Err(e) = self
                .sh
                .disassociate_members()
                .set_account_ids(Some(chunk.to_vec()))
                .send()
                .await
            {
                let err = sdk_error(self.target(), e);
                for i in range {
                    out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
                }
                continue;
            }
            self.gate("DeleteMembers").await;
            match self
                .sh
                .delete_members()
                .set_account_ids(Some(chunk.to_vec()))
                .send()
                .await
            {
                Ok(r) => {
                    for u in r.unprocessed_accounts() {
                        if let Some(i) = ids.iter().position(|a| Some(a.as_str()) == u.account_id())
                        {
                            out[i] = Err(fail(
                                &batch[i],
                                Some("UnprocessedAccount"),
                                u.processing_result().unwrap_or("not deleted"),
                            ));
                        }
                    }
                }
                // Organisation members cannot be deleted, only disassociated: that is done.
                Err(e) if e.code() == Some("InvalidInputException") => {}
                Err(e) => {
                    let err = sdk_error(self.target(), e);
                    for i in range {
                        out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
                    }
                }
            }
        }
        out
    }
}

/// Subscriptions as read: standards ARN → (subscription ARN, status).
struct Subs(BTreeMap<String, (String, String)>);

impl Subs {
    /// When every wanted standard has left PENDING, their statuses.
    fn get_ready_for(&self, arns: &[Option<String>]) -> Option<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for a in arns.iter().flatten() {
            match self.0.get(a) {
                Some((_, s)) if s == "PENDING" => return None,
                Some((_, s)) => {
                    out.insert(a.clone(), s.clone());
                }
                // Not listed yet (eventual consistency): keep polling.
                None => return None,
            }
        }
        Some(out)
    }
    /// When every wanted standard is gone (or has FAILED to go), what is left of them.
    fn gone(&self, arns: &[Option<String>]) -> Option<BTreeMap<String, String>> {
        let mut left = BTreeMap::new();
        for a in arns.iter().flatten() {
            match self.0.get(a) {
                None => {}
                Some((_, s)) if s == "FAILED" => {
                    left.insert(a.clone(), s.clone());
                }
                Some(_) => return None,
            }
        }
        Some(left)
    }
}

fn parameter_value(v: &Value) -> Option<ParameterValue> {
    Some(match v {
        Value::Bool(b) => ParameterValue::Boolean(*b),
        Value::Number(n) if n.is_i64() => ParameterValue::Integer(i32::try_from(n.as_i64()?).ok()?),
        Value::Number(n) => ParameterValue::Double(n.as_f64()?),
        Value::String(s) => ParameterValue::String(s.clone()),
        Value::Array(items) if items.iter().all(Value::is_i64) => ParameterValue::IntegerList(
            items
                .iter()
                .filter_map(|i| i.as_i64().and_then(|x| i32::try_from(x).ok()))
                .collect(),
        ),
        Value::Array(items) => ParameterValue::StringList(
            items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect(),
        ),
        _ => return None,
    })
}
