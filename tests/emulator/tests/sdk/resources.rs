//! Aggregator, insights, action targets, automation rules, products.

use aws_sdk_securityhub::types::{
    AutomationRulesAction, AutomationRulesActionType, AutomationRulesFindingFieldsUpdate,
    AutomationRulesFindingFilters, AwsSecurityFindingFilters, NoteUpdate, NumberFilter, RuleStatus,
    SeverityLabel, SeverityUpdate, StringFilter, StringFilterComparison,
    UpdateAutomationRulesRequestItem,
};
use serde_json::json;

use crate::common::*;

fn eq(v: &str) -> StringFilter {
    StringFilter::builder()
        .comparison(StringFilterComparison::Equals)
        .value(v)
        .build()
}

#[tokio::test]
async fn finding_aggregator_round_trip() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let list = c.list_finding_aggregators().send().await.unwrap();
    let arn = list.finding_aggregators()[0]
        .finding_aggregator_arn()
        .unwrap()
        .to_string();
    assert!(
        arn.starts_with("arn:aws:securityhub:eu-west-1:222222222222:finding-aggregator/"),
        "{arn}"
    );
    let got = c
        .get_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.finding_aggregation_region(), Some(REGION));
    assert_eq!(got.region_linking_mode(), Some("SPECIFIED_REGIONS"));
    assert_eq!(got.regions(), ["us-east-1"]);

    let e = c
        .create_finding_aggregator()
        .region_linking_mode("ALL_REGIONS")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        "InvalidInputException",
        "one aggregator per account"
    );
    let e = c
        .update_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .region_linking_mode("NO_REGIONS")
        .regions("us-east-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    let e = c
        .update_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .region_linking_mode("SOME_REGIONS")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    let up = c
        .update_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .region_linking_mode("ALL_REGIONS_EXCEPT_SPECIFIED")
        .regions("ap-east-1")
        .send()
        .await
        .unwrap();
    assert_eq!(up.regions(), ["ap-east-1"]);

    // Visible from another region of the account, but changed only from home.
    let us = sh(&emu, ADMIN, "us-east-1").await;
    let e = us.list_finding_aggregators().send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidAccessException", "no hub in us-east-1");
    assert_eq!(
        emu.dump().resources[&"222222222222/eu-west-1/aggregator".parse().unwrap()],
        json!({ "linking_mode": "ALL_REGIONS_EXCEPT_SPECIFIED", "regions": ["ap-east-1"] })
    );

    c.delete_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .send()
        .await
        .unwrap();
    let e = c
        .delete_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let e = c
        .get_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let created = c
        .create_finding_aggregator()
        .region_linking_mode("NO_REGIONS")
        .send()
        .await
        .unwrap();
    assert_eq!(created.finding_aggregation_region(), Some(REGION));
    assert!(created.regions().is_empty());
    assert_eq!(
        emu.dump().resources[&"222222222222/eu-west-1/aggregator".parse().unwrap()],
        json!({ "linking_mode": "NO_REGIONS", "regions": [] })
    );
}

#[tokio::test]
async fn insights_round_trip_and_names_are_not_unique() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let existing = c.get_insights().send().await.unwrap();
    assert_eq!(existing.insights().len(), 1);
    let i = &existing.insights()[0];
    assert_eq!(i.name(), Some("Critical findings by account"));
    assert_eq!(i.group_by_attribute(), Some("AwsAccountId"));
    let f = i.filters().unwrap();
    assert_eq!(f.severity_label()[0].value(), Some("CRITICAL"));
    assert_eq!(f.criticality()[0].gte(), Some(50.0));

    let filters = AwsSecurityFindingFilters::builder()
        .workflow_status(eq("NEW"))
        .workflow_status(eq("NOTIFIED"))
        .resource_type(
            StringFilter::builder()
                .comparison(StringFilterComparison::Prefix)
                .value("AwsS3")
                .build(),
        )
        .confidence(NumberFilter::builder().gte(80.0).build())
        .build();
    let a = c
        .create_insight()
        .name("Open S3")
        .filters(filters.clone())
        .group_by_attribute("ResourceId")
        .send()
        .await
        .unwrap();
    let b = c
        .create_insight()
        .name("Open S3")
        .filters(filters)
        .group_by_attribute("ResourceId")
        .send()
        .await
        .unwrap();
    let (a, b) = (
        a.insight_arn().unwrap().to_string(),
        b.insight_arn().unwrap().to_string(),
    );
    assert_ne!(a, b);
    assert!(
        a.starts_with("arn:aws:securityhub:eu-west-1:222222222222:insight/222222222222/custom/"),
        "{a}"
    );
    let all: Vec<_> = c
        .get_insights()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(all.len(), 3);

    // The dump holds the filters exactly as the SDK sent them.
    let dump = emu.dump();
    let v = &dump.resources[&"222222222222/eu-west-1/insight/Open S3".parse().unwrap()];
    assert_eq!(v["group_by"], "ResourceId");
    assert_eq!(
        v["filters"],
        json!({
            "ResourceType": [{ "Comparison": "PREFIX", "Value": "AwsS3" }],
            "Confidence": [{ "Gte": 80.0 }],
            "WorkflowStatus": [{ "Comparison": "EQUALS", "Value": "NEW" }, { "Comparison": "EQUALS", "Value": "NOTIFIED" }]
        })
    );

    c.update_insight()
        .insight_arn(&b)
        .name("Open S3 buckets")
        .group_by_attribute("AwsAccountId")
        .send()
        .await
        .unwrap();
    let got = c.get_insights().insight_arns(&b).send().await.unwrap();
    assert_eq!(got.insights()[0].name(), Some("Open S3 buckets"));
    assert_eq!(
        got.insights()[0].filters().unwrap().workflow_status().len(),
        2,
        "PATCH keeps what is not sent"
    );
    let del = c.delete_insight().insight_arn(&a).send().await.unwrap();
    assert_eq!(del.insight_arn(), Some(a.as_str()));
    let e = c.delete_insight().insight_arn(&a).send().await.unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let e = c.get_insights().insight_arns(&a).send().await.unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let e = c
        .create_insight()
        .name("x")
        .group_by_attribute("ResourceId")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException", "Filters is required");
}

#[tokio::test]
async fn action_targets_conflict_on_existing_id() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let e = c
        .create_action_target()
        .id("SendToJira")
        .name("Jira")
        .description("d")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceConflictException");
    assert_eq!(status(&e), 409);
    let arn = c
        .create_action_target()
        .id("Quarantine")
        .name("Quarantine")
        .description("Isolate it")
        .send()
        .await
        .unwrap()
        .action_target_arn()
        .unwrap()
        .to_string();
    assert_eq!(
        arn,
        "arn:aws:securityhub:eu-west-1:222222222222:action/custom/Quarantine"
    );
    let e = c
        .create_action_target()
        .id("Not-Alnum")
        .name("x")
        .description("y")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    c.update_action_target()
        .action_target_arn(&arn)
        .description("Isolate the instance")
        .send()
        .await
        .unwrap();
    let all: Vec<_> = c
        .describe_action_targets()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let all: Vec<_> = all.into_iter().map(Result::unwrap).collect();
    assert_eq!(all.len(), 2);
    let q = all
        .iter()
        .find(|t| t.action_target_arn() == Some(arn.as_str()))
        .unwrap();
    assert_eq!(q.description(), Some("Isolate the instance"));
    assert_eq!(q.name(), Some("Quarantine"));
    assert_eq!(
        c.delete_action_target()
            .action_target_arn(&arn)
            .send()
            .await
            .unwrap()
            .action_target_arn(),
        Some(arn.as_str())
    );
    assert_eq!(
        code(
            &c.update_action_target()
                .action_target_arn(&arn)
                .name("x")
                .send()
                .await
                .unwrap_err()
        ),
        "ResourceNotFoundException"
    );
    let dump = emu.dump();
    assert_eq!(
        dump.resources[&"222222222222/eu-west-1/action-target/SendToJira"
            .parse()
            .unwrap()],
        json!({ "name": "Send to Jira", "description": "Open a Jira ticket" })
    );
}

#[tokio::test]
async fn automation_rules_round_trip() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let meta = c.list_automation_rules().send().await.unwrap();
    assert_eq!(meta.automation_rules_metadata().len(), 1);
    let existing = meta.automation_rules_metadata()[0]
        .rule_arn()
        .unwrap()
        .to_string();

    let action = AutomationRulesAction::builder()
        .r#type(AutomationRulesActionType::FindingFieldsUpdate)
        .finding_fields_update(
            AutomationRulesFindingFieldsUpdate::builder()
                .severity(
                    SeverityUpdate::builder()
                        .label(SeverityLabel::Informational)
                        .build(),
                )
                .note(
                    NoteUpdate::builder()
                        .text("Sandbox")
                        .updated_by("shubctl")
                        .build(),
                )
                .build(),
        )
        .build();
    let criteria = AutomationRulesFindingFilters::builder()
        .aws_account_id(eq("999999999999"))
        .build();
    let arn = c
        .create_automation_rule()
        .rule_name("Sandbox is informational")
        .rule_order(10)
        .description("Downgrade sandbox findings")
        .criteria(criteria.clone())
        .actions(action.clone())
        .is_terminal(true)
        .rule_status(RuleStatus::Disabled)
        .send()
        .await
        .unwrap()
        .rule_arn()
        .unwrap()
        .to_string();
    assert!(arn.starts_with("arn:aws:securityhub:eu-west-1:222222222222:automation-rule/"));
    let e = c
        .create_automation_rule()
        .rule_name("x")
        .rule_order(0)
        .description("d")
        .criteria(criteria.clone())
        .actions(action.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");

    // ListAutomationRules has no paginator: loop on NextToken by hand.
    let mut token = None;
    let mut listed = Vec::new();
    loop {
        let page = c
            .list_automation_rules()
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        listed.extend(
            page.automation_rules_metadata()
                .iter()
                .map(|m| m.rule_name().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        listed,
        [
            "Root user findings are critical",
            "Sandbox is informational"
        ]
    );

    let got = c
        .batch_get_automation_rules()
        .automation_rules_arns(&arn)
        .automation_rules_arns("arn:aws:securityhub:eu-west-1:222222222222:automation-rule/nope")
        .send()
        .await
        .unwrap();
    let r = &got.rules()[0];
    assert_eq!(r.rule_status(), Some(&RuleStatus::Disabled));
    assert_eq!(r.is_terminal(), Some(true));
    assert_eq!(
        r.actions()[0]
            .finding_fields_update()
            .unwrap()
            .note()
            .unwrap()
            .text(),
        Some("Sandbox")
    );
    assert_eq!(
        got.unprocessed_automation_rules()[0].error_code(),
        Some(404)
    );

    let upd = c
        .batch_update_automation_rules()
        .update_automation_rules_request_items(
            UpdateAutomationRulesRequestItem::builder()
                .rule_arn(&arn)
                .rule_status(RuleStatus::Enabled)
                .rule_order(5)
                .build(),
        )
        .update_automation_rules_request_items(
            UpdateAutomationRulesRequestItem::builder()
                .rule_arn("arn:aws:securityhub:eu-west-1:222222222222:automation-rule/nope")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(upd.processed_automation_rules(), std::slice::from_ref(&arn));
    assert_eq!(upd.unprocessed_automation_rules().len(), 1);

    let dump = emu.dump();
    assert_eq!(
        dump.resources[&"222222222222/eu-west-1/automation-rule/Sandbox is informational"
            .parse()
            .unwrap()],
        json!({
            "order": 5, "description": "Downgrade sandbox findings", "status": "ENABLED", "terminal": true,
            "criteria": { "AwsAccountId": [{ "Comparison": "EQUALS", "Value": "999999999999" }] },
            "actions": { "Note": { "Text": "Sandbox", "UpdatedBy": "shubctl" }, "Severity": { "Label": "INFORMATIONAL" } }
        })
    );

    let del = c
        .batch_delete_automation_rules()
        .automation_rules_arns(&existing)
        .automation_rules_arns(&existing)
        .send()
        .await
        .unwrap();
    assert_eq!(del.processed_automation_rules().len(), 1);
    assert_eq!(del.unprocessed_automation_rules().len(), 1);

    // Members cannot manage rules.
    let e = sh(&emu, PROD, REGION)
        .await
        .list_automation_rules()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
}

#[tokio::test]
async fn product_subscriptions() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let products: Vec<_> = c
        .describe_products()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let arns: Vec<String> = products
        .into_iter()
        .map(|p| p.unwrap().product_arn().unwrap().to_string())
        .collect();
    assert!(arns.contains(&"arn:aws:securityhub:eu-west-1::product/aws/guardduty".to_string()));
    assert!(
        arns.contains(
            &"arn:aws:securityhub:eu-west-1:517716713836:product/crowdstrike/crowdstrike-falcon"
                .to_string()
        )
    );
    let one = c
        .describe_products()
        .product_arn("arn:aws:securityhub:eu-west-1::product/aws/macie")
        .send()
        .await
        .unwrap();
    assert_eq!(one.products().len(), 1);

    let e = c
        .enable_import_findings_for_product()
        .product_arn("arn:aws:securityhub:eu-west-1::product/aws/guardduty")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceConflictException");
    let sub = c
        .enable_import_findings_for_product()
        .product_arn(
            "arn:aws:securityhub:eu-west-1:517716713836:product/crowdstrike/crowdstrike-falcon",
        )
        .send()
        .await
        .unwrap()
        .product_subscription_arn()
        .unwrap()
        .to_string();
    assert_eq!(
        sub,
        "arn:aws:securityhub:eu-west-1:222222222222:product-subscription/crowdstrike/crowdstrike-falcon"
    );
    let e = c
        .enable_import_findings_for_product()
        .product_arn("arn:aws:securityhub:us-east-1::product/aws/macie")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException", "wrong region");
    let subs = c
        .list_enabled_products_for_import()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(subs.len(), 2);
    c.disable_import_findings_for_product()
        .product_subscription_arn(
            "arn:aws:securityhub:eu-west-1:222222222222:product-subscription/aws/guardduty",
        )
        .send()
        .await
        .unwrap();
    let e = c
        .disable_import_findings_for_product()
        .product_subscription_arn(
            "arn:aws:securityhub:eu-west-1:222222222222:product-subscription/aws/guardduty",
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let products: Vec<String> = emu
        .dump()
        .resources
        .keys()
        .map(|a| a.to_string())
        .filter(|a| a.contains("/product/"))
        .collect();
    assert_eq!(
        products,
        ["222222222222/eu-west-1/product/crowdstrike/crowdstrike-falcon"]
    );
}
