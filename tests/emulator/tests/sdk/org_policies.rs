//! Service control policies through the Organizations SDK: the SCP type enabled in the
//! background, FullAWSAccess everywhere, AWS's errors and limits.

use std::time::Duration;

use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use shubctl_emulator::Config;

use crate::common::*;

const DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"securityhub:DisableSecurityHub","Resource":"*"}]}"#;

async fn root(o: &aws_sdk_organizations::Client) -> (String, Option<PolicyTypeStatus>) {
    let roots = o.list_roots().send().await.unwrap();
    let r = &roots.roots()[0];
    let status = r
        .policy_types()
        .iter()
        .find(|p| p.r#type() == Some(&PolicyType::ServiceControlPolicy))
        .and_then(|p| p.status().cloned());
    (r.id().unwrap().to_string(), status)
}

#[tokio::test]
async fn policies_attach_only_once_the_type_is_enabled() {
    let emu = start(Config {
        scp_enable_delay: Duration::from_millis(200),
        ..no_quotas()
    })
    .await;
    let o = orgs(&emu, MGMT).await;
    let p = o
        .create_policy()
        .name("shubctl-guard")
        .description("d")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(DENY)
        .send()
        .await
        .unwrap();
    let id = p
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    assert!(id.starts_with("p-"));
    // Content comes back exactly as sent.
    let d = o.describe_policy().policy_id(&id).send().await.unwrap();
    assert_eq!(d.policy().unwrap().content(), Some(DENY));

    let (root_id, status) = root(&o).await;
    assert_eq!(status, None);
    let e = o
        .attach_policy()
        .policy_id(&id)
        .target_id("ou-ex01-workload1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "PolicyTypeNotEnabledException");

    o.enable_policy_type()
        .root_id(&root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    assert_eq!(root(&o).await.1, Some(PolicyTypeStatus::PendingEnable));
    let e = o
        .enable_policy_type()
        .root_id(&root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "PolicyTypeAlreadyEnabledException");
    // Still pending: attaching waits for it.
    let e = o
        .attach_policy()
        .policy_id(&id)
        .target_id("ou-ex01-workload1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "PolicyTypeNotEnabledException");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(root(&o).await.1, Some(PolicyTypeStatus::Enabled));

    o.attach_policy()
        .policy_id(&id)
        .target_id("ou-ex01-workload1")
        .send()
        .await
        .unwrap();
    let e = o
        .attach_policy()
        .policy_id(&id)
        .target_id("ou-ex01-workload1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "DuplicatePolicyAttachmentException");
    let e = o
        .attach_policy()
        .policy_id(&id)
        .target_id("ou-ex01-nothere1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "TargetNotFoundException");
    let targets = o
        .list_targets_for_policy()
        .policy_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(targets.targets()[0].target_id(), Some("ou-ex01-workload1"));

    // FullAWSAccess was attached everywhere: the OU keeps one SCP when ours goes, but the
    // last one cannot be detached.
    let e = o.delete_policy().policy_id(&id).send().await.unwrap_err();
    assert_eq!(code(&e), "PolicyInUseException");
    o.detach_policy()
        .policy_id(&id)
        .target_id("ou-ex01-workload1")
        .send()
        .await
        .unwrap();
    let e = o
        .detach_policy()
        .policy_id(&id)
        .target_id("ou-ex01-workload1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "PolicyNotAttachedException");
    let e = o
        .detach_policy()
        .policy_id("p-FullAWSAccess")
        .target_id("ou-ex01-workload1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ConstraintViolationException");
    o.delete_policy().policy_id(&id).send().await.unwrap();
    let e = o.describe_policy().policy_id(&id).send().await.unwrap_err();
    assert_eq!(code(&e), "PolicyNotFoundException");
    // Plans read; applies write.
    let calls = emu.calls();
    assert!(
        calls
            .iter()
            .any(|c| c.operation == "AttachPolicy" && c.mutating)
    );
    assert!(
        calls
            .iter()
            .any(|c| c.operation == "ListRoots" && !c.mutating)
    );
}

#[tokio::test]
async fn policies_are_checked_as_organizations_checks_them() {
    let emu = start(no_quotas()).await;
    let o = orgs(&emu, MGMT).await;
    let create = |name: &str, content: String| {
        o.create_policy()
            .name(name)
            .description("")
            .r#type(PolicyType::ServiceControlPolicy)
            .content(content)
            .send()
    };
    create("a", DENY.into()).await.unwrap();
    let e = create("a", DENY.into()).await.unwrap_err();
    assert_eq!(code(&e), "DuplicatePolicyException");
    let e = create(
        "b",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#.into(),
    )
    .await
    .unwrap_err();
    assert_eq!(code(&e), "MalformedPolicyDocumentException");
    let e = create("c", "not json".into()).await.unwrap_err();
    assert_eq!(code(&e), "MalformedPolicyDocumentException");
    // Every character counts, whitespace too.
    let padded = DENY.replace(
        "\"Resource\"",
        &format!("{}\"Resource\"", " ".repeat(5_120)),
    );
    let e = create("d", padded).await.unwrap_err();
    assert_eq!(code(&e), "ConstraintViolationException");
    assert_eq!(message(&e), "You have exceeded the maximum policy size.");
    // A member account may not manage policies.
    let e = orgs(&emu, PROD)
        .await
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    // AWS's own policy, there once SCPs are enabled, cannot be changed.
    let (root_id, _) = root(&o).await;
    o.enable_policy_type()
        .root_id(root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let e = o
        .update_policy()
        .policy_id("p-FullAWSAccess")
        .name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
}

/// ListTargetsForPolicy names each target by its friendly name (the root's, the OU's, the
/// account's), not its ID; ListPoliciesForTarget lists the policies attached to one target.
#[tokio::test]
async fn targets_carry_their_names_and_a_target_lists_its_policies() {
    let emu = start(Config {
        page_size: 100,
        ..no_quotas()
    })
    .await;
    let o = orgs(&emu, MGMT).await;
    let (root_id, _) = root(&o).await;
    o.enable_policy_type()
        .root_id(&root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let id = o
        .create_policy()
        .name("shubctl-guard")
        .description("d")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(DENY)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    for target in [root_id.as_str(), "ou-ex01-workload1", PROD] {
        o.attach_policy()
            .policy_id(&id)
            .target_id(target)
            .send()
            .await
            .unwrap();
    }
    let targets = o
        .list_targets_for_policy()
        .policy_id(&id)
        .send()
        .await
        .unwrap();
    let mut named: Vec<(String, String, String)> = targets
        .targets()
        .iter()
        .map(|t| {
            (
                t.target_id().unwrap().to_string(),
                t.name().unwrap().to_string(),
                t.r#type().unwrap().as_str().to_string(),
            )
        })
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            (PROD.to_string(), "prod".to_string(), "ACCOUNT".to_string()),
            (
                "ou-ex01-workload1".to_string(),
                "Workloads".to_string(),
                "ORGANIZATIONAL_UNIT".to_string()
            ),
            (root_id.clone(), "Root".to_string(), "ROOT".to_string()),
        ]
    );

    // The account has ours and FullAWSAccess; an OU it does not hold lists only FullAWSAccess.
    let listed = |out: &aws_sdk_organizations::operation::list_policies_for_target::ListPoliciesForTargetOutput| {
        let mut names: Vec<String> = out
            .policies()
            .iter()
            .map(|p| p.name().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let prod = o
        .list_policies_for_target()
        .target_id(PROD)
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    assert_eq!(listed(&prod), ["FullAWSAccess", "shubctl-guard"]);
    let security = o
        .list_policies_for_target()
        .target_id("ou-ex01-security1")
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    assert_eq!(listed(&security), ["FullAWSAccess"]);
    // Another policy type: the emulated organisation has none of it.
    let tags = o
        .list_policies_for_target()
        .target_id(PROD)
        .filter(PolicyType::TagPolicy)
        .send()
        .await
        .unwrap();
    assert!(tags.policies().is_empty());
    let e = o
        .list_policies_for_target()
        .target_id("ou-ex01-nothere1")
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "TargetNotFoundException");
    // Members may not ask.
    let e = orgs(&emu, PROD)
        .await
        .list_policies_for_target()
        .target_id(PROD)
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
}
