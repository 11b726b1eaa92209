//! Reading current state: the organisation, and each declared kind in one account × region.

use std::collections::BTreeMap;

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{StandardsControlAssociationId, StandardsStatus};
use serde_json::{Value, json};

use super::filters::rule_action_to_json;
use super::filters_gen::{finding_filters_to_json, rule_criteria_to_json};
use super::{AwsProvider, sdk_error};
use crate::model::resource::*;
use crate::model::state::{AccountInfo, AccountStatus, OuInfo};
use crate::model::{AccountId, Address, Kind, KindSet, OrgInfo, Resource};
use crate::provider::ProviderError;
use crate::spec::catalog::{catalog, standard_arn};

pub(super) async fn organization(p: &AwsProvider) -> Result<OrgInfo, ProviderError> {
    let org = p.organizations().await?;
    let me = p.caller().clone();
    let target = format!("{me}/organizations");
    p.gate(&me, "global", "DescribeOrganization").await;
    let desc = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| sdk_error(&target, e))?;
    let management = desc
        .organization()
        .and_then(|o| o.master_account_id())
        .and_then(|a| AccountId::parse(a).ok());
    let mut info = OrgInfo {
        management_account: management,
        ..Default::default()
    };

    p.gate(&me, "global", "ListRoots").await;
    let mut roots = Vec::new();
    let mut pages = org.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(&target, e))?;
        roots.extend(
            page.roots()
                .iter()
                .filter_map(|r| r.id().map(str::to_string)),
        );
    }
    // Breadth-first over the OU tree, listing the accounts of every parent.
    let mut parents = roots.clone();
    let mut i = 0;
    while i < parents.len() {
        let parent = parents[i].clone();
        i += 1;
        let mut pages = org
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            p.gate(&me, "global", "ListOrganizationalUnitsForParent")
                .await;
            let page = page.map_err(|e| sdk_error(&target, e))?;
            for ou in page.organizational_units() {
                if let Some(id) = ou.id() {
                    info.ous.push(OuInfo {
                        id: id.to_string(),
                        name: ou.name().unwrap_or_default().to_string(),
                        parent: parent.clone(),
                    });
                    parents.push(id.to_string());
                }
            }
        }
        let mut pages = org
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            p.gate(&me, "global", "ListAccountsForParent").await;
            let page = page.map_err(|e| sdk_error(&target, e))?;
            for a in page.accounts() {
                let Some(id) = a.id().and_then(|x| AccountId::parse(x).ok()) else {
                    continue;
                };
                let state = a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .or_else(|| a.status().map(|s| s.as_str().to_string()))
                    .unwrap_or_default();
                let status = match state.as_str() {
                    "ACTIVE" => AccountStatus::Active,
                    "SUSPENDED" => AccountStatus::Suspended,
                    "CLOSED" => AccountStatus::Closed,
                    // PENDING_ACTIVATION and PENDING_CLOSURE: not usable yet / any more.
                    _ => AccountStatus::PendingClosure,
                };
                info.accounts.push(AccountInfo {
                    id,
                    name: a.name().unwrap_or_default().to_string(),
                    status,
                    parent: parent.clone(),
                });
            }
        }
    }
    info.accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(info)
}

fn not_subscribed(code: Option<&str>, message: Option<&str>) -> bool {
    // A hub that is off answers 401 InvalidAccessException "… is not subscribed to AWS Security
    // Hub"; other access errors (a missing permission) are errors, not absence.
    match code {
        Some("ResourceNotFoundException") => true,
        Some("InvalidAccessException") => message.is_none_or(|m| m.contains("not subscribed")),
        _ => false,
    }
}

pub(super) async fn scope(
    p: &AwsProvider,
    account: &AccountId,
    region: &str,
    kinds: &KindSet,
) -> Result<Vec<(Address, Resource)>, ProviderError> {
    let target = format!("{account}/{region}");
    if let Some(k) = kinds
        .iter()
        .find(|k| super::unsupported_kinds().contains(k))
    {
        return Err(ProviderError {
            target,
            code: None,
            message: format!(
                "the live AWS provider does not manage `{k}` yet (integrations are a separate piece of work)"
            ),
        });
    }
    let sh = p.securityhub(account, region).await?;
    let mut out = Vec::new();
    // The integrated services do not depend on the hub.
    super::services::read(p, account, region, kinds, &mut out).await?;

    // The organisation-admin ops work without a hub; everything else needs one.
    if kinds.contains(&Kind::DelegatedAdmin) {
        p.gate(account, region, "ListOrganizationAdminAccounts")
            .await;
        let mut pages = sh
            .list_organization_admin_accounts()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(&target, e))?;
            for a in page.admin_accounts() {
                if let Some(id) = a.account_id().and_then(|x| AccountId::parse(x).ok()) {
                    out.push((
                        Address::keyed(account, region, Kind::DelegatedAdmin, "securityhub"),
                        Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                    ));
                }
            }
        }
    }

    p.gate(account, region, "DescribeHub").await;
    let hub = match sh.describe_hub().send().await {
        Ok(h) => Some(h),
        Err(e) if not_subscribed(e.code(), e.message()) => None,
        Err(e) => return Err(sdk_error(&target, e)),
    };
    let Some(hub) = hub else {
        // No hub: nothing else exists here.
        return Ok(out);
    };
    if kinds.contains(&Kind::Hub) {
        out.push((
            Address::singleton(account, region, Kind::Hub),
            Resource::Hub(HubValue {
                control_finding_generator: hub
                    .control_finding_generator()
                    .map(|g| g.as_str().to_string())
                    .unwrap_or_else(|| "SECURITY_CONTROL".into()),
                auto_enable_controls: hub.auto_enable_controls().unwrap_or(true),
            }),
        ));
    }

    // Standards: needed for standards, controls and parameters.
    let mut ready_standards: Vec<(String, String)> = Vec::new(); // (short name, ARN)
    if kinds.contains(&Kind::Standard)
        || kinds.contains(&Kind::Control)
        || kinds.contains(&Kind::ControlParameters)
    {
        p.gate(account, region, "GetEnabledStandards").await;
        let mut pages = sh.get_enabled_standards().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(&target, e))?;
            for s in page.standards_subscriptions() {
                let status = s.standards_status().cloned();
                // FAILED / DELETING subscriptions are treated as absent (being gone or broken).
                if matches!(
                    status,
                    Some(StandardsStatus::Failed | StandardsStatus::Deleting)
                ) {
                    continue;
                }
                let Some(arn) = s.standards_arn() else {
                    continue;
                };
                let Some(def) = catalog().standard_by_aws_name(arn) else {
                    continue;
                };
                if kinds.contains(&Kind::Standard) {
                    out.push((
                        Address::keyed(account, region, Kind::Standard, def.id.clone()),
                        Resource::Standard(Empty {}),
                    ));
                }
                let updatable = s
                    .standards_controls_updatable()
                    .map(|u| u.as_str() == "READY_FOR_UPDATES")
                    .unwrap_or(true);
                if updatable {
                    ready_standards.push((def.id.clone(), arn.to_string()));
                }
            }
        }
    }

    if kinds.contains(&Kind::Control) {
        for (short, arn) in &ready_standards {
            let ids: Vec<&str> = catalog()
                .controls_in(short)
                .map(|c| c.id.as_str())
                .collect();
            for chunk in ids.chunks(100) {
                let req: Vec<StandardsControlAssociationId> = chunk
                    .iter()
                    .map(|c| {
                        StandardsControlAssociationId::builder()
                            .security_control_id(*c)
                            .standards_arn(arn)
                            .build()
                    })
                    .collect();
                p.gate(account, region, "BatchGetStandardsControlAssociations")
                    .await;
                let res = sh
                    .batch_get_standards_control_associations()
                    .set_standards_control_association_ids(Some(req))
                    .send()
                    .await
                    .map_err(|e| sdk_error(&target, e))?;
                for d in res.standards_control_association_details() {
                    let (Some(id), Some(status)) =
                        (d.security_control_id(), d.association_status())
                    else {
                        continue;
                    };
                    let value = if status.as_str() == "DISABLED" {
                        ControlValue::disabled(d.updated_reason().unwrap_or_default())
                    } else {
                        ControlValue::enabled()
                    };
                    out.push((
                        Address::keyed(account, region, Kind::Control, format!("{id}@{short}")),
                        Resource::Control(value),
                    ));
                }
                // Not found means the control is not available here: absent. Anything else
                // (access denied, limits) leaves the state unknown: an error.
                for u in res.unprocessed_associations() {
                    let code = u.error_code().map(|c| c.as_str()).unwrap_or("");
                    if !matches!(code, "RESOURCE_NOT_FOUND" | "NOT_FOUND") {
                        return Err(ProviderError {
                            target: target.clone(),
                            code: Some(code.to_string()),
                            message: u
                                .error_reason()
                                .unwrap_or("association not readable")
                                .to_string(),
                        });
                    }
                }
            }
        }
    }

    if kinds.contains(&Kind::ControlParameters) {
        let mut ids: Vec<&str> = ready_standards
            .iter()
            .flat_map(|(s, _)| catalog().controls_in(s).map(|c| c.id.as_str()))
            .collect();
        ids.sort();
        ids.dedup();
        for chunk in ids.chunks(100) {
            p.gate(account, region, "BatchGetSecurityControls").await;
            let res = sh
                .batch_get_security_controls()
                .set_security_control_ids(Some(chunk.iter().map(|s| s.to_string()).collect()))
                .send()
                .await
                .map_err(|e| sdk_error(&target, e))?;
            for c in res.security_controls() {
                let (Some(id), Some(params)) = (c.security_control_id(), c.parameters()) else {
                    continue;
                };
                if params.is_empty() {
                    continue;
                }
                let parameters: BTreeMap<String, Value> = params
                    .iter()
                    .filter_map(|(k, v)| v.value().map(|x| (k.clone(), parameter_json(x))))
                    .collect();
                out.push((
                    Address::keyed(account, region, Kind::ControlParameters, id),
                    Resource::ControlParameters(ControlParametersValue { parameters }),
                ));
            }
        }
    }

    if kinds.contains(&Kind::OrgConfig) {
        p.gate(account, region, "DescribeOrganizationConfiguration")
            .await;
        match sh.describe_organization_configuration().send().await {
            Ok(c) => out.push((
                Address::keyed(account, region, Kind::OrgConfig, "securityhub"),
                Resource::OrgConfig(OrgConfigValue {
                    auto_enable: c.auto_enable(),
                    auto_enable_standards: c
                        .auto_enable_standards()
                        .map(|s| s.as_str().to_string()),
                    ..Default::default()
                }),
            )),
            // Not (yet) the administrator: there is no organisation configuration to read.
            Err(e) if e.code() == Some("InvalidAccessException") => {}
            Err(e) => return Err(sdk_error(&target, e)),
        }
    }

    if kinds.contains(&Kind::Member) {
        p.gate(account, region, "ListMembers").await;
        let mut pages = sh
            .list_members()
            .only_associated(false)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(&target, e))?;
            for m in page.members() {
                let gone = matches!(m.member_status(), Some("Removed" | "Resigned" | "Deleted"));
                if let (Some(id), false) = (m.account_id(), gone) {
                    out.push((
                        Address::keyed(account, region, Kind::Member, id),
                        Resource::Member(Empty {}),
                    ));
                }
            }
        }
    }

    if kinds.contains(&Kind::Aggregator) {
        p.gate(account, region, "ListFindingAggregators").await;
        let list = sh
            .list_finding_aggregators()
            .send()
            .await
            .map_err(|e| sdk_error(&target, e))?;
        for a in list.finding_aggregators() {
            let Some(arn) = a.finding_aggregator_arn() else {
                continue;
            };
            // An account has one aggregation region; it lives in that region's scope only.
            if !arn.starts_with(&format!("arn:aws:securityhub:{region}:")) {
                continue;
            }
            p.gate(account, region, "GetFindingAggregator").await;
            let g = sh
                .get_finding_aggregator()
                .finding_aggregator_arn(arn)
                .send()
                .await
                .map_err(|e| sdk_error(&target, e))?;
            let mut regions: Vec<String> = g.regions().to_vec();
            regions.sort();
            let mode = g.region_linking_mode().unwrap_or_default().to_string();
            out.push((
                Address::singleton(account, region, Kind::Aggregator),
                Resource::Aggregator(AggregatorValue {
                    linking_mode: mode,
                    regions,
                }),
            ));
        }
    }

    if kinds.contains(&Kind::Insight) {
        for (name, (_, v)) in insights(p, &sh, account, region).await? {
            out.push((
                Address::keyed(account, region, Kind::Insight, name),
                Resource::Insight(v),
            ));
        }
    }

    if kinds.contains(&Kind::ActionTarget) {
        p.gate(account, region, "DescribeActionTargets").await;
        let mut pages = sh.describe_action_targets().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(&target, e))?;
            for t in page.action_targets() {
                let Some(id) = t.action_target_arn().and_then(|a| a.rsplit('/').next()) else {
                    continue;
                };
                out.push((
                    Address::keyed(account, region, Kind::ActionTarget, id),
                    Resource::ActionTarget(ActionTargetValue {
                        name: t.name().unwrap_or_default().into(),
                        description: t.description().unwrap_or_default().into(),
                    }),
                ));
            }
        }
    }

    if kinds.contains(&Kind::AutomationRule) {
        for (name, (_, v)) in automation_rules(p, &sh, account, region).await? {
            out.push((
                Address::keyed(account, region, Kind::AutomationRule, name),
                Resource::AutomationRule(v),
            ));
        }
    }

    if kinds.contains(&Kind::Product) {
        p.gate(account, region, "ListEnabledProductsForImport")
            .await;
        let mut pages = sh
            .list_enabled_products_for_import()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(&target, e))?;
            for arn in page.product_subscriptions() {
                if let Some(name) = product_name(arn) {
                    out.push((
                        Address::keyed(account, region, Kind::Product, name),
                        Resource::Product(Empty {}),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// `company/product` from a product or product-subscription ARN.
pub(super) fn product_name(arn: &str) -> Option<String> {
    let res = arn.splitn(6, ':').nth(5)?;
    let rest = res
        .strip_prefix("product-subscription/")
        .or_else(|| res.strip_prefix("product/"))?;
    Some(rest.to_string())
}

fn parameter_json(v: &aws_sdk_securityhub::types::ParameterValue) -> Value {
    use aws_sdk_securityhub::types::ParameterValue as P;
    match v {
        P::Integer(i) => json!(i),
        P::IntegerList(l) => json!(l),
        P::Double(d) => json!(d),
        P::String(s) | P::Enum(s) => json!(s),
        P::StringList(l) | P::EnumList(l) => json!(l),
        P::Boolean(b) => json!(b),
        _ => Value::Null,
    }
}

/// Custom insights by name; insight names are not unique on AWS, so two with one name is an
/// error the user must resolve.
pub(super) async fn insights(
    p: &AwsProvider,
    sh: &aws_sdk_securityhub::Client,
    account: &AccountId,
    region: &str,
) -> Result<BTreeMap<String, (String, InsightValue)>, ProviderError> {
    let target = format!("{account}/{region}");
    let mut out = BTreeMap::new();
    p.gate(account, region, "GetInsights").await;
    let mut pages = sh.get_insights().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(&target, e))?;
        for i in page.insights() {
            let (Some(arn), Some(name)) = (i.insight_arn(), i.name()) else {
                continue;
            };
            // Managed insights cannot be changed; only custom ones are ours to manage.
            if !arn.contains("/custom/") {
                continue;
            }
            let value = InsightValue {
                group_by: i.group_by_attribute().unwrap_or_default().into(),
                filters: i
                    .filters()
                    .map(finding_filters_to_json)
                    .unwrap_or_else(|| json!({})),
            };
            if let Some((other, _)) = out.insert(name.to_string(), (arn.to_string(), value)) {
                return Err(ProviderError {
                    target: format!("{target}/insight/{name}"),
                    code: Some("AmbiguousName".into()),
                    message: format!(
                        "two insights are named `{name}` ({other} and {arn}); shubctl matches insights by name, so delete or rename one"
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// Automation rules by name (names are not unique on AWS either).
pub(super) async fn automation_rules(
    p: &AwsProvider,
    sh: &aws_sdk_securityhub::Client,
    account: &AccountId,
    region: &str,
) -> Result<BTreeMap<String, (String, AutomationRuleValue)>, ProviderError> {
    let target = format!("{account}/{region}");
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    // ListAutomationRules has no paginator in the SDK.
    loop {
        p.gate(account, region, "ListAutomationRules").await;
        let page = sh
            .list_automation_rules()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| sdk_error(&target, e))?;
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
        p.gate(account, region, "BatchGetAutomationRules").await;
        let res = sh
            .batch_get_automation_rules()
            .set_automation_rules_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error(&target, e))?;
        for r in res.rules() {
            let (Some(arn), Some(name)) = (r.rule_arn(), r.rule_name()) else {
                continue;
            };
            let value = AutomationRuleValue {
                order: r.rule_order().unwrap_or(0).max(0) as u32,
                description: r.description().unwrap_or_default().into(),
                status: r
                    .rule_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "ENABLED".into()),
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
                return Err(ProviderError {
                    target: format!("{target}/automation-rule/{name}"),
                    code: Some("AmbiguousName".into()),
                    message: format!(
                        "two automation rules are named `{name}` ({other} and {arn}); shubctl matches rules by name, so delete or rename one"
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// The regional ARN of a standard by short name.
pub(super) fn standard_arn_of(short: &str, region: &str) -> Option<String> {
    catalog().standard(short).map(|d| standard_arn(d, region))
}
