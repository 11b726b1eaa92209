//! Organizations (awsJson1_1) and STS (awsQuery).

use aws_config::BehaviorVersion;
use aws_config::sts::AssumeRoleProvider;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use shubctl_emulator::{Config, Emulator};

use crate::common::*;

#[tokio::test]
async fn organization_reads_page_and_match_the_snapshot() {
    let emu = start(no_quotas()).await;
    let c = orgs(&emu, MGMT).await;
    let org = c.describe_organization().send().await.unwrap();
    let o = org.organization().unwrap();
    assert_eq!(o.master_account_id(), Some(MGMT));
    assert!(o.id().unwrap().starts_with("o-"));

    let pages: Vec<_> = c
        .list_roots()
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let roots: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().roots.unwrap_or_default())
        .map(|r| r.id().unwrap().to_string())
        .collect();
    assert_eq!(roots, ["r-ex01"]);

    let first = c.list_accounts().send().await.unwrap();
    assert_eq!(first.accounts().len(), 2);
    assert!(first.next_token().is_some());
    let pages: Vec<_> = c
        .list_accounts()
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 3, "page_size 2");
    let all: Vec<_> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().accounts.unwrap_or_default())
        .collect();
    assert_eq!(all.len(), 5);
    let legacy = all.iter().find(|a| a.id() == Some(LEGACY)).unwrap();
    assert_eq!(legacy.status(), Some(&AccountStatus::Suspended));
    assert_eq!(legacy.state(), Some(&AccountState::Suspended));
    assert_eq!(legacy.name(), Some("legacy"));
    assert!(legacy.joined_timestamp().is_some());

    let pages: Vec<_> = c
        .list_organizational_units_for_parent()
        .parent_id("r-ex01")
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let ous: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().organizational_units.unwrap_or_default())
        .map(|o| o.name().unwrap().to_string())
        .collect();
    assert_eq!(ous, ["Security", "Workloads"]);
    let count = |parent: &'static str| {
        let c = c.clone();
        async move {
            let pages: Vec<_> = c
                .list_accounts_for_parent()
                .parent_id(parent)
                .into_paginator()
                .send()
                .collect::<Vec<_>>()
                .await;
            pages
                .into_iter()
                .map(|p| p.unwrap().accounts.unwrap_or_default().len())
                .sum::<usize>()
        }
    };
    assert_eq!(count("ou-ex01-workload1").await, 3);
    assert_eq!(count("r-ex01").await, 1);

    let e = c
        .list_accounts_for_parent()
        .parent_id("ou-nope-nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ParentNotFoundException"));
    let e = c.list_accounts().max_results(21).send().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidInputException"));
    let e = c
        .list_accounts()
        .next_token("junk")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidInputException"));
}

#[tokio::test]
async fn organization_reads_need_the_management_account() {
    let emu = start(no_quotas()).await;
    let member = orgs(&emu, PROD).await;
    // Members may describe their organisation, nothing more.
    member.describe_organization().send().await.unwrap();
    let e = member.list_accounts().send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDeniedException"));
    let e = orgs(&emu, LONER)
        .await
        .describe_organization()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AWSOrganizationsNotInUseException"));
}

#[tokio::test]
async fn assume_role_allowed_and_denied() {
    let mut cfg = no_quotas();
    cfg.unassumable_accounts.insert(DEV.into());
    let emu = start(cfg).await;
    let c = sts(&emu, MGMT).await;
    let me = c.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some(MGMT));

    let out = c
        .assume_role()
        .role_arn("arn:aws:iam::333333333333:role/ShubctlReadOnly")
        .role_session_name("shubctl")
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    assert_eq!(creds.access_key_id(), Emulator::access_key(PROD));
    assert!(
        creds.expiration().secs()
            > aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs()
    );
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::333333333333:assumed-role/ShubctlReadOnly/shubctl"
    );

    let e = c
        .assume_role()
        .role_arn("arn:aws:iam::444444444444:role/ShubctlReadOnly")
        .role_session_name("shubctl")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    let e = c
        .assume_role()
        .role_arn("not-an-arn")
        .role_session_name("shubctl")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));
    let e = c
        .assume_role()
        .role_arn("arn:aws:iam::333333333333:role/R")
        .role_session_name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"), "session name too short");
}

/// The credential chain a product would build: aws-config's AssumeRoleProvider against the
/// emulator's STS, then Security Hub as the member account.
#[tokio::test]
async fn assume_role_provider_reaches_the_member_account() {
    let emu = start(no_quotas()).await;
    let base = sdk(&emu, MGMT, REGION).await;
    let provider = AssumeRoleProvider::builder("arn:aws:iam::333333333333:role/ShubctlReadOnly")
        .session_name("shubctl")
        .configure(&base)
        .build()
        .await;
    let member = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(provider)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let hub = aws_sdk_securityhub::Client::new(&member)
        .describe_hub()
        .send()
        .await
        .unwrap();
    assert_eq!(
        hub.hub_arn(),
        Some("arn:aws:securityhub:eu-west-1:333333333333:hub/default")
    );
    let calls = emu.calls();
    assert_eq!(
        calls
            .iter()
            .map(|c| (c.service.as_str(), c.operation.as_str(), c.account.as_str()))
            .collect::<Vec<_>>(),
        [
            ("sts", "AssumeRole", MGMT),
            ("securityhub", "DescribeHub", PROD)
        ]
    );
}

/// Credentials from AssumeRole are the role's session: GetCallerIdentity answers AWS's
/// `assumed-role/<role>/<session>` ARN and `<role id>:<session>` user id, not the root's.
#[tokio::test]
async fn caller_identity_of_an_assumed_role_is_its_session() {
    let emu = start(no_quotas()).await;
    let base = sdk(&emu, MGMT, REGION).await;
    let provider = AssumeRoleProvider::builder("arn:aws:iam::333333333333:role/ShubctlReadOnly")
        .session_name("shubctl-plan")
        .configure(&base)
        .build()
        .await;
    let member = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(provider)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let me = aws_sdk_sts::Client::new(&member)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some(PROD));
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::333333333333:assumed-role/ShubctlReadOnly/shubctl-plan")
    );
    let user = me.user_id().unwrap();
    assert!(
        user.starts_with("AROA") && user.ends_with(":shubctl-plan"),
        "{user}"
    );
    // Long-term credentials stay the account's own identity.
    let root = sts(&emu, MGMT)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(root.arn(), Some("arn:aws:iam::111111111111:root"));
}

#[tokio::test]
async fn no_org_at_all() {
    let mut snap = fixture();
    snap.organization = Default::default();
    let emu = Emulator::start(snap, Config::default()).await;
    let e = orgs(&emu, MGMT)
        .await
        .list_accounts()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AWSOrganizationsNotInUseException"));
    let e = sh(&emu, MGMT, REGION)
        .await
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
}
