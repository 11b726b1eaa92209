//! EventBridge rules and targets, and Lambda resource policies, through the SDK.

use aws_sdk_eventbridge::types::{RuleState, Target};
use shubctl_emulator::Config;

use crate::common::*;

const PATTERN: &str =
    r#"{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Imported"]}"#;
const FUNCTION: &str = "arn:aws:lambda:eu-west-1:222222222222:function:fix";

fn target(id: &str) -> Target {
    Target::builder()
        .id(id)
        .arn(format!("arn:aws:sns:eu-west-1:222222222222:{id}"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn rules_and_targets_behave_as_eventbridge() {
    let emu = start(no_quotas()).await;
    let eb = events(&emu, ADMIN, REGION).await;
    let e = eb.describe_rule().name("r").send().await.unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    assert_eq!(message(&e), "Rule r does not exist on EventBus default.");
    let put = eb
        .put_rule()
        .name("r")
        .event_pattern(PATTERN)
        .state(RuleState::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.rule_arn(),
        Some("arn:aws:events:eu-west-1:222222222222:rule/r")
    );
    let d = eb.describe_rule().name("r").send().await.unwrap();
    assert_eq!(d.event_pattern(), Some(PATTERN));
    assert_eq!(d.created_by(), Some(ADMIN));
    // Bad patterns are refused in AWS's words.
    let e = eb
        .put_rule()
        .name("r")
        .event_pattern(r#"{"source":[]}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidEventPatternException");
    assert_eq!(
        message(&e),
        "Event pattern is not valid. Reason: Empty arrays are not allowed"
    );
    let e = eb
        .put_rule()
        .name("bad name")
        .event_pattern(PATTERN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");

    for i in 1..=5 {
        eb.put_targets()
            .rule("r")
            .targets(target(&format!("t{i}")))
            .send()
            .await
            .unwrap();
    }
    // The same id replaces; a sixth is over the limit.
    eb.put_targets()
        .rule("r")
        .targets(target("t1"))
        .send()
        .await
        .unwrap();
    let e = eb
        .put_targets()
        .rule("r")
        .targets(target("t6"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "LimitExceededException");
    let listed = eb.list_targets_by_rule().rule("r").send().await.unwrap();
    // Two a page: paging is exercised.
    assert_eq!(listed.targets().len(), 2);
    assert!(listed.next_token().is_some());

    let e = eb.delete_rule().name("r").send().await.unwrap_err();
    assert_eq!(code(&e), "ValidationException");
    assert_eq!(message(&e), "Rule can't be deleted since it has targets.");
    let out = eb
        .remove_targets()
        .rule("r")
        .ids("t1")
        .ids("t2")
        .ids("t3")
        .ids("t4")
        .ids("t5")
        .ids("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(out.failed_entry_count(), 1);
    assert_eq!(out.failed_entries()[0].target_id(), Some("nope"));
    eb.delete_rule().name("r").send().await.unwrap();
    // Deleting again is fine.
    eb.delete_rule().name("r").send().await.unwrap();
    let e = eb
        .list_rules()
        .event_bus_name("custom")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
}

#[tokio::test]
async fn input_transformers_are_checked() {
    let emu = start(no_quotas()).await;
    let eb = events(&emu, ADMIN, REGION).await;
    eb.put_rule()
        .name("r")
        .event_pattern(PATTERN)
        .send()
        .await
        .unwrap();
    let t = Target::builder()
        .id("t")
        .arn("arn:aws:sns:eu-west-1:222222222222:x")
        .input_transformer(
            aws_sdk_eventbridge::types::InputTransformer::builder()
                .input_paths_map("id", "$.detail.findings[0].Id")
                .input_template("\"<id> <other>\"")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let e = eb
        .put_targets()
        .rule("r")
        .targets(t)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");
    assert_eq!(
        message(&e),
        "InputTemplate for target t contains invalid placeholder other."
    );
}

#[tokio::test]
async fn function_policies_behave_as_lambda() {
    let emu = start(Config {
        lambda_functions: [FUNCTION.to_string()].into(),
        ..no_quotas()
    })
    .await;
    let l = lambda(&emu, ADMIN, REGION).await;
    let e = l
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let e = l
        .get_policy()
        .function_name("arn:aws:lambda:eu-west-1:222222222222:function:other")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let add = || {
        l.add_permission()
            .function_name(FUNCTION)
            .statement_id("shubctl-r")
            .action("lambda:InvokeFunction")
            .principal("events.amazonaws.com")
            .source_arn("arn:aws:events:eu-west-1:222222222222:rule/r")
            .send()
    };
    let out = add().await.unwrap();
    let stmt: serde_json::Value = serde_json::from_str(out.statement().unwrap()).unwrap();
    assert_eq!(
        stmt["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:events:eu-west-1:222222222222:rule/r"
    );
    let e = add().await.unwrap_err();
    assert_eq!(code(&e), "ResourceConflictException");
    // By name too (the path label carries the ARN's colons encoded).
    let p = l.get_policy().function_name("fix").send().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(p.policy().unwrap()).unwrap();
    assert_eq!(doc["Statement"][0]["Sid"], "shubctl-r");
    assert!(p.revision_id().is_some());
    let e = l
        .remove_permission()
        .function_name(FUNCTION)
        .statement_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    assert_eq!(
        message(&e),
        "Statement nope is not found in resource policy."
    );
    l.remove_permission()
        .function_name(FUNCTION)
        .statement_id("shubctl-r")
        .send()
        .await
        .unwrap();
    let e = l
        .get_policy()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    let e = l
        .add_permission()
        .function_name(FUNCTION)
        .statement_id("has.dot")
        .action("lambda:InvokeFunction")
        .principal("events.amazonaws.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");
}
