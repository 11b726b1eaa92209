//! The guardrail SCP and the routes of findings, end to end through the SDK against the
//! emulator: from nothing to converged, drift by hand planned exactly and repaired, the destroy
//! guard on detaching the SCP, plans that never write.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_organizations::types::PolicyType;
use shubctl::engine;
use shubctl::model::{Action, Kind};
use shubctl::plan::Plan;
use shubctl::plan::render::{Format, RenderOptions, render};
use shubctl_emulator::{Config, Emulator};

use super::{POLICY, apply_with, connect, org_snapshot, plan_with, quick, runtime};
use crate::common::*;

const GUARDRAILS: &str = "tests/fixtures/aws/guardrails.yaml";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:222222222222:function:SecurityHub-AutoRemediation";
const SCP: &str = "shubctl-protect-security-services";
const HIGH: &str = "shubctl-high-severity";

fn config() -> Config {
    Config {
        lambda_functions: [FUNCTION.to_string()].into(),
        // Enabling SCPs takes a while; apply waits for it.
        scp_enable_delay: Duration::from_millis(150),
        ..quick()
    }
}

/// SDK configuration acting as `account`, for changes made by hand.
async fn by_hand(emu: &Emulator, account: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            Emulator::access_key(account),
            "secret",
            None,
            None,
            "test",
        ))
        .load()
        .await
}

/// `action address` of the changes to the guardrail and route kinds.
fn ours(plan: &Plan) -> BTreeSet<String> {
    plan.changes
        .iter()
        .filter(|c| {
            matches!(
                c.address.kind,
                Kind::Route | Kind::ScpPolicyType | Kind::Scp | Kind::ScpAttachment
            )
        })
        .map(|c| format!("{} {}", c.action.as_str(), c.address))
        .collect()
}

/// The plan cut down to the guardrail and route changes, for snapshots of how they read.
fn only_ours(plan: &Plan) -> Plan {
    let mut p = plan.clone();
    p.changes.retain(|c| {
        matches!(
            c.address.kind,
            Kind::Route | Kind::ScpPolicyType | Kind::Scp | Kind::ScpAttachment
        )
    });
    p.summary = shubctl::plan::Summary {
        scopes_read: plan.summary.scopes_read,
        scopes_unread: plan.summary.scopes_unread,
        ..shubctl::plan::Summary::of(&p.changes)
    };
    p
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn converged() -> (Emulator, shubctl::provider::aws::AwsProvider) {
    let emu = Emulator::start(org_snapshot(), config()).await;
    let aws = connect(&emu, 8).await;
    let p = policy(&[POLICY, GUARDRAILS]);
    let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
    assert!(report.success(), "{}", report.render_text());
    (emu, aws)
}

async fn policy_id(o: &aws_sdk_organizations::Client, name: &str) -> String {
    let pages: Vec<_> = o
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .into_paginator()
        .send()
        .collect::<Result<_, _>>()
        .await
        .unwrap();
    pages
        .iter()
        .flat_map(|p| p.policies())
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id())
        .unwrap()
        .to_string()
}

/// The roots, OUs and accounts the SCP is attached to, every page.
async fn targets_of(o: &aws_sdk_organizations::Client, id: &str) -> BTreeSet<String> {
    let pages: Vec<_> = o
        .list_targets_for_policy()
        .policy_id(id)
        .into_paginator()
        .send()
        .collect::<Result<_, _>>()
        .await
        .unwrap();
    pages
        .iter()
        .flat_map(|p| p.targets())
        .filter_map(|t| t.target_id().map(str::to_string))
        .collect()
}

#[test]
fn guardrails_and_routes_from_nothing_converge_and_plans_never_write() {
    runtime().block_on(async {
        let emu = Emulator::start(org_snapshot(), config()).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[POLICY, GUARDRAILS]);
        let first = plan_with(&p, &aws).await;
        let mutating: Vec<_> = emu.calls().into_iter().filter(|c| c.mutating).collect();
        assert!(mutating.is_empty(), "plan wrote: {mutating:?}");
        let attach = |t: &str| format!("create 111111111111/us-east-1/scp-attachment/{SCP}@{t}");
        let mut want = set(&[
            "create 111111111111/us-east-1/scp-policy-type",
            &format!("create 111111111111/us-east-1/scp/{SCP}"),
            &format!("create 222222222222/us-east-1/route/{HIGH}"),
            "create 222222222222/us-east-1/route/shubctl-failed-s3-controls",
            "create 222222222222/eu-west-1/route/shubctl-failed-s3-controls",
        ]);
        // The sandbox OU is carved out: the SCP goes on the root's other children.
        for t in ["111111111111", "ou-emu1-security1", "ou-emu1-workload1"] {
            want.insert(attach(t));
        }
        assert_eq!(ours(&first), want);
        // The exemption of shubctl's own role is there for the reviewer to see.
        let text = render(&first, Format::Text, RenderOptions::default());
        assert!(text.contains("\"arn:aws:iam::*:role/ShubctlExecution\""), "{text}");
        assert!(text.contains("shubctl's own role (ShubctlExecution)"));
        let mine = only_ours(&first);
        insta::assert_snapshot!(
            "guardrails_from_nothing_text",
            render(&mine, Format::Text, RenderOptions::default())
        );
        insta::assert_snapshot!(
            "guardrails_from_nothing_markdown",
            render(&mine, Format::Markdown, RenderOptions::default())
        );

        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        // Attaching waited for the SCP type to be enabled.
        let polls = emu
            .calls()
            .iter()
            .filter(|c| c.operation == "ListRoots")
            .count();
        assert!(polls > 2, "{polls} ListRoots");

        emu.clear_calls();
        let again = plan_with(&p, &aws).await;
        assert!(ours(&again).is_empty(), "{:?}", ours(&again));
        assert!(emu.calls().iter().all(|c| !c.mutating));
        // What AWS holds: the SCP compact, exempting shubctl's role; the rule with its pattern;
        // the function's permission for the rule.
        let o = aws_sdk_organizations::Client::new(&by_hand(&emu, "111111111111").await);
        let id = policy_id(&o, SCP).await;
        let d = o.describe_policy().policy_id(&id).send().await.unwrap();
        let content = d.policy().unwrap().content().unwrap().to_string();
        assert!(!content.contains('\n'));
        assert!(content.contains(r#""ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/BreakGlass","arn:aws:iam::*:role/ShubctlExecution"]}"#));
        let eb = aws_sdk_eventbridge::Client::new(&by_hand(&emu, "222222222222").await);
        let rule = eb.describe_rule().name(HIGH).send().await.unwrap();
        let pattern: serde_json::Value =
            serde_json::from_str(rule.event_pattern().unwrap()).unwrap();
        assert_eq!(pattern["source"], serde_json::json!(["aws.securityhub"]));
        assert_eq!(
            pattern["detail"]["findings"]["Severity"]["Label"],
            serde_json::json!(["CRITICAL", "HIGH"])
        );
        let l = aws_sdk_lambda::Client::new(&by_hand(&emu, "222222222222").await);
        let fp = l.get_policy().function_name(FUNCTION).send().await.unwrap();
        assert!(fp.policy().unwrap().contains(rule.arn().unwrap()));
        // The emulator's state in the snapshot format plans empty too.
        let snap = shubctl::provider::snapshot::Snapshot::from_file(emu.dump()).unwrap();
        let mut d = shubctl::spec::diagnostics::Diagnostics::default();
        let offline = engine::plan(&p, &snap, "emulator dump", today(), 1, false, &mut d)
            .await
            .unwrap()
            .plan;
        assert!(ours(&offline).is_empty(), "{:?}", ours(&offline));
    });
}

#[test]
fn guardrail_and_route_drift_is_planned_exactly_and_repaired() {
    runtime().block_on(async {
        let (emu, aws) = converged().await;
        let p = policy(&[POLICY, GUARDRAILS]);
        let o = aws_sdk_organizations::Client::new(&by_hand(&emu, "111111111111").await);
        let id = policy_id(&o, SCP).await;
        let content = o
            .describe_policy()
            .policy_id(&id)
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap()
            .content()
            .unwrap()
            .to_string();
        let mut doc: serde_json::Value = serde_json::from_str(&content).unwrap();
        // Laid out differently, actions in another order: the same policy, no drift.
        doc["Statement"][0]["Action"]
            .as_array_mut()
            .unwrap()
            .reverse();
        o.update_policy()
            .policy_id(&id)
            .content(serde_json::to_string_pretty(&doc).unwrap())
            .send()
            .await
            .unwrap();
        assert!(ours(&plan_with(&p, &aws).await).is_empty());

        // By hand: an action no longer denied, the SCP detached from an OU, the rule disabled,
        // a target removed, the function's permission revoked.
        doc["Statement"][0]["Action"]
            .as_array_mut()
            .unwrap()
            .retain(|a| a != "securityhub:DisableSecurityHub");
        o.update_policy()
            .policy_id(&id)
            .content(doc.to_string())
            .send()
            .await
            .unwrap();
        o.detach_policy()
            .policy_id(&id)
            .target_id("ou-emu1-workload1")
            .send()
            .await
            .unwrap();
        let eb = aws_sdk_eventbridge::Client::new(&by_hand(&emu, "222222222222").await);
        eb.disable_rule().name(HIGH).send().await.unwrap();
        eb.remove_targets()
            .rule(HIGH)
            .ids("security-alerts")
            .send()
            .await
            .unwrap();
        let l = aws_sdk_lambda::Client::new(&by_hand(&emu, "222222222222").await);
        l.remove_permission()
            .function_name(FUNCTION)
            .statement_id(HIGH)
            .send()
            .await
            .unwrap();

        let plan = plan_with(&p, &aws).await;
        assert_eq!(
            ours(&plan),
            set(&[
                &format!("update 111111111111/us-east-1/scp/{SCP}"),
                &format!("create 111111111111/us-east-1/scp-attachment/{SCP}@ou-emu1-workload1"),
                &format!("update 222222222222/us-east-1/route/{HIGH}"),
            ])
        );
        let scp = plan
            .changes
            .iter()
            .find(|c| c.address.kind == Kind::Scp)
            .unwrap();
        assert_eq!(scp.changed_fields, ["content"]);
        let route = plan
            .changes
            .iter()
            .find(|c| c.address.kind == Kind::Route)
            .unwrap();
        assert_eq!(
            route.changed_fields,
            ["state", "targets.remediate", "targets.security-alerts"]
        );
        // Repairs restore protection: none of them weakens it.
        assert!(plan.changes.iter().all(|c| !c.weakens_posture));
        // The SCP's change reads as a diff of its document.
        let text = render(&plan, Format::Text, RenderOptions::default());
        assert!(
            text.lines().any(|l| l
                .trim()
                .strip_prefix('+')
                .is_some_and(|l| l.trim() == "\"securityhub:DisableSecurityHub\",")),
            "{text}"
        );

        insta::assert_snapshot!(
            "guardrails_drift_text",
            render(&only_ours(&plan), Format::Text, RenderOptions::default())
        );

        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(ours(&plan_with(&p, &aws).await).is_empty());
        let rule = eb.describe_rule().name(HIGH).send().await.unwrap();
        assert_eq!(rule.state().map(|s| s.as_str()), Some("ENABLED"));
    });
}

#[test]
fn detaching_the_guardrail_needs_allow_destroy_and_removed_routes_take_their_permission() {
    runtime().block_on(async {
        let (emu, aws) = converged().await;
        // The policy now leaves the workloads out too, and no longer routes high severity.
        let dir = tempfile::tempdir().unwrap();
        let narrower = dir.path().join("guardrails.yaml");
        let text = std::fs::read_to_string(GUARDRAILS).unwrap();
        let text = text
            .replace(
                "exclude: [ou-emu1-sandbox01]",
                "exclude: [ou-emu1-sandbox01, ou-emu1-workload1]",
            )
            .replace("  - name: high-severity", "  - name: high-severity-v2");
        std::fs::write(&narrower, text).unwrap();
        let p = policy(&[POLICY, narrower.to_str().unwrap()]);
        let plan = plan_with(&p, &aws).await;
        let detach = plan
            .changes
            .iter()
            .find(|c| c.address.kind == Kind::ScpAttachment)
            .unwrap();
        assert_eq!(detach.action, Action::Delete);
        assert!(detach.address.to_string().ends_with("@ou-emu1-workload1"));
        assert!(detach.destructive && detach.weakens_posture);
        let gone = plan
            .changes
            .iter()
            .find(|c| c.address.to_string().ends_with(&format!("/route/{HIGH}")))
            .unwrap();
        assert_eq!(gone.action, Action::Delete);
        assert!(gone.weakens_posture && !gone.destructive);
        // Refused as a whole without --allow-destroy...
        let refused = engine::gate(&plan, false).unwrap_err().to_string();
        assert!(refused.contains("ou-emu1-workload1"), "{refused}");
        // ...and not carried out by apply either.
        let report = shubctl::apply::apply(
            &plan,
            &aws,
            &shubctl::apply::ApplyOptions {
                allow_destroy: false,
                cancel: None,
                concurrency: 8,
            },
        )
        .await;
        let entry = report
            .entries
            .iter()
            .find(|e| e.address == detach.address)
            .unwrap();
        assert!(matches!(
            entry.outcome,
            shubctl::apply::Outcome::NotAttempted { .. }
        ));
        let o = aws_sdk_organizations::Client::new(&by_hand(&emu, "111111111111").await);
        let id = policy_id(&o, SCP).await;
        assert!(targets_of(&o, &id).await.contains("ou-emu1-workload1"));
        // With it, the SCP comes off, and the removed route's permission goes with the rule.
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(ours(&plan_with(&p, &aws).await).is_empty());
        assert_eq!(
            targets_of(&o, &id).await,
            set(&["111111111111", "ou-emu1-security1"])
        );
        let l = aws_sdk_lambda::Client::new(&by_hand(&emu, "222222222222").await);
        let policy = l.get_policy().function_name(FUNCTION).send().await.unwrap();
        let doc = policy.policy().unwrap();
        assert!(!doc.contains(&format!("rule/{HIGH}\"")), "{doc}");
        assert!(doc.contains("rule/shubctl-high-severity-v2"), "{doc}");
    });
}

#[test]
fn rules_and_policies_shubctl_does_not_manage_are_left_alone() {
    runtime().block_on(async {
        let (emu, aws) = converged().await;
        let p = policy(&[POLICY, GUARDRAILS]);
        let eb = aws_sdk_eventbridge::Client::new(&by_hand(&emu, "222222222222").await);
        eb.put_rule()
            .name("team-rule")
            .event_pattern(r#"{"source":["aws.securityhub"]}"#)
            .send()
            .await
            .unwrap();
        let o = aws_sdk_organizations::Client::new(&by_hand(&emu, "111111111111").await);
        o.create_policy()
            .name("team-scp")
            .description("")
            .r#type(PolicyType::ServiceControlPolicy)
            .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        assert!(ours(&plan_with(&p, &aws).await).is_empty());
    });
}

#[test]
fn renaming_the_guardrail_deletes_the_old_one_and_a_narrower_route_reads_as_a_pattern_diff() {
    runtime().block_on(async {
        let (emu, aws) = converged().await;
        let dir = tempfile::tempdir().unwrap();
        let edited = dir.path().join("guardrails.yaml");
        let text = std::fs::read_to_string(GUARDRAILS)
            .unwrap()
            .replace("guardrails:\n", "guardrails:\n  name: keep-security-on\n")
            .replace("severity: [critical, high]", "severity: [critical]");
        std::fs::write(&edited, text).unwrap();
        let p = policy(&[POLICY, edited.to_str().unwrap()]);
        emu.clear_calls();
        let plan = plan_with(&p, &aws).await;
        assert!(emu.calls().iter().all(|c| !c.mutating));
        let old = |t: &str| format!("delete 111111111111/us-east-1/scp-attachment/{SCP}@{t}");
        let new = |t: &str| {
            format!("create 111111111111/us-east-1/scp-attachment/shubctl-keep-security-on@{t}")
        };
        let mut want = set(&[
            &format!("delete 111111111111/us-east-1/scp/{SCP}"),
            "create 111111111111/us-east-1/scp/shubctl-keep-security-on",
            &format!("update 222222222222/us-east-1/route/{HIGH}"),
        ]);
        for t in ["111111111111", "ou-emu1-security1", "ou-emu1-workload1"] {
            want.insert(old(t));
            want.insert(new(t));
        }
        assert_eq!(ours(&plan), want);
        for c in &plan.changes {
            if c.action == Action::Delete && c.address.kind != Kind::Route {
                assert!(c.destructive && c.weakens_posture, "{}", c.address);
            }
        }
        // Fewer severities reach the targets: that weakens posture, and reads as a diff.
        let route = plan
            .changes
            .iter()
            .find(|c| c.address.kind == Kind::Route)
            .unwrap();
        assert_eq!(route.changed_fields, ["event_pattern"]);
        assert!(route.weakens_posture);
        let text = render(&plan, Format::Text, RenderOptions::default());
        let removed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix('-'))
            .map(str::trim)
            .collect();
        assert!(removed.contains(&"\"HIGH\""), "{text}");
        assert!(engine::gate(&plan, false).is_err());

        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(ours(&plan_with(&p, &aws).await).is_empty());
        // The old SCP came off every target before it was deleted; the new one is in its place.
        let o = aws_sdk_organizations::Client::new(&by_hand(&emu, "111111111111").await);
        let pages: Vec<_> = o
            .list_policies()
            .filter(PolicyType::ServiceControlPolicy)
            .into_paginator()
            .send()
            .collect::<Result<_, _>>()
            .await
            .unwrap();
        let names: BTreeSet<String> = pages
            .iter()
            .flat_map(|p| p.policies())
            .filter_map(|p| p.name().map(str::to_string))
            .collect();
        assert_eq!(names, set(&["FullAWSAccess", "shubctl-keep-security-on"]));
        let id = policy_id(&o, "shubctl-keep-security-on").await;
        assert_eq!(
            targets_of(&o, &id).await,
            set(&["111111111111", "ou-emu1-security1", "ou-emu1-workload1"])
        );
    });
}

#[test]
fn writes_organizations_answers_busy_are_made_again() {
    runtime().block_on(async {
        // Right after SCPs are enabled, AWS may still be carrying the change out.
        let emu = Emulator::start(
            org_snapshot(),
            Config {
                scp_busy_writes: 4,
                ..config()
            },
        )
        .await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[POLICY, GUARDRAILS]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let busy = emu
            .calls()
            .iter()
            .filter(|c| c.service == "organizations" && c.status == 400 && c.mutating)
            .count();
        assert_eq!(busy, 4);
        assert!(ours(&plan_with(&p, &aws).await).is_empty());
    });
}
