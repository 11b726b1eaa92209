//! Inspector through aws-sdk-inspector2.

use std::time::Duration;

use aws_sdk_inspector2::types::{AutoEnable, ResourceScanType};
use serde_json::json;
use shubctl_emulator::Config;

use crate::common::*;

#[tokio::test]
async fn enable_is_asynchronous_and_round_trips() {
    let emu = start(Config {
        inspector_delay: Duration::from_millis(300),
        ..no_quotas()
    })
    .await;
    let i = inspector(&emu, PROD, REGION).await;
    let st = i.batch_get_account_status().send().await.unwrap();
    assert_eq!(st.accounts()[0].account_id(), PROD);
    assert_eq!(
        st.accounts()[0].state().unwrap().status().as_str(),
        "DISABLED"
    );

    let out = i
        .enable()
        .resource_types(ResourceScanType::Ec2)
        .resource_types(ResourceScanType::Ecr)
        .send()
        .await
        .unwrap();
    assert!(out.failed_accounts().is_empty());
    let a = &out.accounts()[0];
    assert_eq!(a.status().as_str(), "ENABLING");
    assert_eq!(a.resource_status().unwrap().ec2().as_str(), "ENABLING");
    assert_eq!(
        a.resource_status().unwrap().lambda().unwrap().as_str(),
        "DISABLED"
    );
    assert_eq!(
        emu.dump().resources[&"333333333333/eu-west-1/inspector".parse().unwrap()],
        json!({ "resource_types": [] })
    );

    tokio::time::sleep(Duration::from_millis(350)).await;
    let st = i
        .batch_get_account_status()
        .account_ids(PROD)
        .send()
        .await
        .unwrap();
    let a = &st.accounts()[0];
    assert_eq!(a.state().unwrap().status().as_str(), "ENABLED");
    let rs = a.resource_state().unwrap();
    assert_eq!(rs.ec2().unwrap().status().as_str(), "ENABLED");
    assert_eq!(rs.ecr().unwrap().status().as_str(), "ENABLED");
    assert_eq!(rs.lambda().unwrap().status().as_str(), "DISABLED");
    assert_eq!(rs.lambda_code().unwrap().status().as_str(), "DISABLED");
    // re-enabling an enabled type leaves it ENABLED
    let out = i
        .enable()
        .resource_types(ResourceScanType::Ec2)
        .resource_types(ResourceScanType::LambdaCode)
        .send()
        .await
        .unwrap();
    let rs = out.accounts()[0].resource_status().unwrap();
    assert_eq!(
        (rs.ec2().as_str(), rs.lambda_code().unwrap().as_str()),
        ("ENABLED", "ENABLING")
    );
    assert_eq!(
        emu.dump().resources[&"333333333333/eu-west-1/inspector".parse().unwrap()],
        json!({ "resource_types": ["EC2", "ECR"] })
    );

    i.disable()
        .resource_types(ResourceScanType::Ecr)
        .resource_types(ResourceScanType::LambdaCode)
        .send()
        .await
        .unwrap();
    assert_eq!(
        emu.dump().resources[&"333333333333/eu-west-1/inspector".parse().unwrap()],
        json!({ "resource_types": ["EC2"] })
    );
    let out = i.disable().send().await.unwrap();
    assert_eq!(out.accounts()[0].status().as_str(), "DISABLED");
    assert!(
        !emu.dump()
            .resources
            .contains_key(&"333333333333/eu-west-1/inspector".parse().unwrap())
    );

    let e = i.enable().send().await.unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("ValidationException", 400)
    );
    let ops: Vec<(String, bool)> = emu
        .calls()
        .into_iter()
        .map(|c| (c.operation, c.mutating))
        .take(2)
        .collect();
    assert_eq!(
        ops,
        [
            ("BatchGetAccountStatus".into(), false),
            ("Enable".into(), true)
        ]
    );
}

#[tokio::test]
async fn delegated_admin_acts_for_members() {
    let fail = [DEV.to_string()].into_iter().collect();
    let emu = start(Config {
        fail_inspector_accounts: fail,
        ..no_quotas()
    })
    .await;
    let mgmt = inspector(&emu, MGMT, REGION).await;
    let admin = inspector(&emu, ADMIN, REGION).await;
    let prod = inspector(&emu, PROD, REGION).await;

    // not yet the admin: only itself
    let out = admin
        .enable()
        .resource_types(ResourceScanType::Ec2)
        .account_ids(PROD)
        .send()
        .await
        .unwrap();
    assert!(out.accounts().is_empty());
    assert_eq!(
        out.failed_accounts()[0].error_code().as_str(),
        "ACCESS_DENIED"
    );

    assert_eq!(
        code(
            &admin
                .enable_delegated_admin_account()
                .delegated_admin_account_id(ADMIN)
                .send()
                .await
                .unwrap_err()
        ),
        "AccessDeniedException"
    );
    let out = mgmt
        .enable_delegated_admin_account()
        .delegated_admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(out.delegated_admin_account_id(), ADMIN);
    let e = mgmt
        .enable_delegated_admin_account()
        .delegated_admin_account_id(ADMIN)
        .send()
        .await
        .unwrap_err();
    assert_eq!((code(&e).as_str(), status(&e)), ("ConflictException", 409));
    assert!(message(&e).contains("already enabled"));
    let list = mgmt.list_delegated_admin_accounts().send().await.unwrap();
    assert_eq!(list.delegated_admin_accounts()[0].account_id(), Some(ADMIN));
    assert_eq!(
        list.delegated_admin_accounts()[0]
            .status()
            .unwrap()
            .as_str(),
        "ENABLED"
    );
    let e = admin
        .list_delegated_admin_accounts()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");
    assert!(message(&e).contains("is the delegated admin"));
    assert_eq!(
        prod.get_delegated_admin_account()
            .send()
            .await
            .unwrap()
            .delegated_admin()
            .unwrap()
            .account_id(),
        Some(ADMIN)
    );

    // the administrator acts only for the accounts associated with it
    let out = admin
        .enable()
        .resource_types(ResourceScanType::Ec2)
        .account_ids(PROD)
        .send()
        .await
        .unwrap();
    let f = &out.failed_accounts()[0];
    assert_eq!(
        (f.error_code().as_str(), f.error_message()),
        (
            "ACCESS_DENIED",
            "Invoking account does not have access to this account"
        )
    );
    for a in [PROD, DEV] {
        admin.associate_member().account_id(a).send().await.unwrap();
    }

    // one call for several accounts: an org member, an injected failure, an outsider
    let out = admin
        .enable()
        .resource_types(ResourceScanType::Ec2)
        .resource_types(ResourceScanType::Lambda)
        .account_ids(PROD)
        .account_ids(DEV)
        .account_ids(LONER)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.accounts()
            .iter()
            .map(|a| a.account_id())
            .collect::<Vec<_>>(),
        [PROD]
    );
    let failed: Vec<(&str, &str)> = out
        .failed_accounts()
        .iter()
        .map(|f| (f.account_id(), f.error_code().as_str()))
        .collect();
    assert_eq!(failed, [(DEV, "INTERNAL_ERROR"), (LONER, "ACCESS_DENIED")]);
    let st = admin
        .batch_get_account_status()
        .account_ids(PROD)
        .account_ids(DEV)
        .send()
        .await
        .unwrap();
    let states: Vec<(&str, &str)> = st
        .accounts()
        .iter()
        .map(|a| (a.account_id(), a.state().unwrap().status().as_str()))
        .collect();
    assert_eq!(states, [(PROD, "ENABLED"), (DEV, "DISABLED")]);
    assert_eq!(
        emu.dump().resources[&"333333333333/eu-west-1/inspector".parse().unwrap()],
        json!({ "resource_types": ["EC2", "LAMBDA"] })
    );

    // a member cannot act for another
    let out = prod.disable().account_ids(DEV).send().await.unwrap();
    assert_eq!(
        out.failed_accounts()[0].error_code().as_str(),
        "ACCESS_DENIED"
    );
    let many: Vec<String> = (0..101).map(|n| format!("{:012}", n)).collect();
    assert_eq!(
        code(
            &admin
                .enable()
                .resource_types(ResourceScanType::Ec2)
                .set_account_ids(Some(many))
                .send()
                .await
                .unwrap_err()
        ),
        "ValidationException"
    );

    // organisation auto-enable
    assert!(
        !admin
            .describe_organization_configuration()
            .send()
            .await
            .unwrap()
            .auto_enable()
            .unwrap()
            .ec2()
    );
    let out = admin
        .update_organization_configuration()
        .auto_enable(
            AutoEnable::builder()
                .ec2(true)
                .ecr(false)
                .lambda(true)
                .lambda_code(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(out.auto_enable().unwrap().lambda().unwrap());
    let got = admin
        .describe_organization_configuration()
        .send()
        .await
        .unwrap();
    assert!(got.auto_enable().unwrap().ec2() && !got.auto_enable().unwrap().ecr());
    assert_eq!(
        emu.dump().resources[&"222222222222/eu-west-1/org-config/inspector"
            .parse()
            .unwrap()],
        json!({ "resource_types": ["EC2", "LAMBDA"] })
    );
    assert_eq!(
        code(
            &prod
                .describe_organization_configuration()
                .send()
                .await
                .unwrap_err()
        ),
        "AccessDeniedException"
    );

    assert_eq!(
        code(
            &mgmt
                .disable_delegated_admin_account()
                .delegated_admin_account_id(PROD)
                .send()
                .await
                .unwrap_err()
        ),
        "ResourceNotFoundException"
    );
    mgmt.disable_delegated_admin_account()
        .delegated_admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    assert!(
        mgmt.list_delegated_admin_accounts()
            .send()
            .await
            .unwrap()
            .delegated_admin_accounts()
            .is_empty()
    );
    let dump = emu.dump();
    assert!(
        !dump.resources.contains_key(
            &"111111111111/eu-west-1/delegated-admin/inspector"
                .parse()
                .unwrap()
        )
    );
    assert!(
        !dump.resources.contains_key(
            &"222222222222/eu-west-1/org-config/inspector"
                .parse()
                .unwrap()
        )
    );
}

/// AWS: a member account "cannot deactivate Amazon Inspector"; its administrator can. A
/// standalone account disables its own scanning.
#[tokio::test]
async fn an_associated_member_cannot_disable_its_own_scanning() {
    let emu = start(no_quotas()).await;
    let mgmt = inspector(&emu, MGMT, REGION).await;
    let admin = inspector(&emu, ADMIN, REGION).await;
    let prod = inspector(&emu, PROD, REGION).await;
    let dev = inspector(&emu, DEV, REGION).await;
    for c in [&prod, &dev] {
        c.enable()
            .resource_types(ResourceScanType::Ec2)
            .resource_types(ResourceScanType::Ecr)
            .send()
            .await
            .unwrap();
    }
    // standalone: its own to disable
    let out = dev
        .disable()
        .resource_types(ResourceScanType::Ecr)
        .send()
        .await
        .unwrap();
    assert!(out.failed_accounts().is_empty());
    mgmt.enable_delegated_admin_account()
        .delegated_admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    admin
        .associate_member()
        .account_id(PROD)
        .send()
        .await
        .unwrap();
    let key = "333333333333/eu-west-1/inspector".parse().unwrap();
    for call in [
        prod.disable().resource_types(ResourceScanType::Ecr),
        prod.disable().account_ids(PROD),
        prod.disable(),
    ] {
        let out = call.send().await.unwrap();
        assert!(out.accounts().is_empty());
        let f = &out.failed_accounts()[0];
        assert_eq!(
            (f.account_id(), f.error_code().as_str()),
            (PROD, "ACCESS_DENIED")
        );
        assert_eq!(
            emu.dump().resources[&key],
            json!({ "resource_types": ["EC2", "ECR"] })
        );
    }
    // enabling more for itself stays allowed (AWS documents no refusal)
    let out = prod
        .enable()
        .resource_types(ResourceScanType::Lambda)
        .send()
        .await
        .unwrap();
    assert!(out.failed_accounts().is_empty());
    // its administrator disables for it
    let out = admin
        .disable()
        .account_ids(PROD)
        .resource_types(ResourceScanType::Ecr)
        .send()
        .await
        .unwrap();
    assert!(out.failed_accounts().is_empty());
    assert_eq!(
        emu.dump().resources[&key],
        json!({ "resource_types": ["EC2", "LAMBDA"] })
    );
}

/// EnableResourceTypeList holds 1–5 types, DisableResourceTypeList 0–5 (botocore's model).
#[tokio::test]
async fn resource_type_lists_hold_at_most_five() {
    let emu = start(no_quotas()).await;
    let i = inspector(&emu, PROD, REGION).await;
    let all = [
        ResourceScanType::Ec2,
        ResourceScanType::Ecr,
        ResourceScanType::Lambda,
        ResourceScanType::LambdaCode,
        ResourceScanType::CodeRepository,
    ];
    let six: Vec<_> = all.iter().cloned().chain([ResourceScanType::Ec2]).collect();
    let e = i
        .enable()
        .set_resource_types(Some(six.clone()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("ValidationException", 400)
    );
    let e = i
        .disable()
        .set_resource_types(Some(six))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("ValidationException", 400)
    );
    let out = i
        .enable()
        .set_resource_types(Some(all.to_vec()))
        .send()
        .await
        .unwrap();
    assert!(out.failed_accounts().is_empty());
    let out = i
        .disable()
        .set_resource_types(Some(all.to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.accounts()[0].status().as_str(), "DISABLED");
}

/// `Config::fail_inspector_status` puts an account in BatchGetAccountStatus's `failedAccounts`.
#[tokio::test]
async fn status_failures_can_be_injected() {
    let emu = start(Config {
        fail_inspector_status: [(PROD.to_string(), "INTERNAL_ERROR".to_string())].into(),
        ..no_quotas()
    })
    .await;
    let i = inspector(&emu, PROD, REGION).await;
    let st = i.batch_get_account_status().send().await.unwrap();
    assert!(st.accounts().is_empty());
    let f = &st.failed_accounts()[0];
    assert_eq!(
        (f.account_id(), f.error_code().as_str()),
        (PROD, "INTERNAL_ERROR")
    );
}

/// AssociateMember starts an association that completes later; only the administrator manages
/// members; ListMembers pages at most 50 a call.
#[tokio::test]
async fn members_are_associated_listed_and_paged() {
    let emu = start(Config {
        inspector_delay: Duration::from_millis(300),
        page_size: 2,
        ..no_quotas()
    })
    .await;
    let mgmt = inspector(&emu, MGMT, REGION).await;
    let admin = inspector(&emu, ADMIN, REGION).await;
    let prod = inspector(&emu, PROD, REGION).await;

    // not the administrator (yet): every member call is refused
    let e = admin.list_members().send().await.unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("AccessDeniedException", 403)
    );
    let e = admin
        .associate_member()
        .account_id(PROD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    mgmt.enable_delegated_admin_account()
        .delegated_admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    let e = prod.list_members().send().await.unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    assert!(
        admin
            .list_members()
            .only_associated(true)
            .send()
            .await
            .unwrap()
            .members()
            .is_empty()
    );

    // started, not finished: CREATED, and the administrator cannot act for it yet
    let out = admin
        .associate_member()
        .account_id(PROD)
        .send()
        .await
        .unwrap();
    assert_eq!(out.account_id(), PROD);
    let m = admin.get_member().account_id(PROD).send().await.unwrap();
    let m = m.member().unwrap();
    assert_eq!(m.relationship_status().unwrap().as_str(), "CREATED");
    assert_eq!(m.delegated_admin_account_id(), Some(ADMIN));
    assert!(m.updated_at().is_some());
    let out = admin
        .enable()
        .resource_types(ResourceScanType::Ec2)
        .account_ids(PROD)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.failed_accounts()[0].error_code().as_str(),
        "ACCESS_DENIED"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let m = admin.get_member().account_id(PROD).send().await.unwrap();
    assert_eq!(
        m.member().unwrap().relationship_status().unwrap().as_str(),
        "ENABLED"
    );
    let out = admin
        .enable()
        .resource_types(ResourceScanType::Ec2)
        .account_ids(PROD)
        .send()
        .await
        .unwrap();
    assert!(out.failed_accounts().is_empty());

    // AWS's validation
    for (account, why) in [
        (PROD, "already associated"),
        (ADMIN, "cannot be associated with itself"),
        (LONER, "not a member of the organization"),
        ("12345", "12-digit"),
    ] {
        let e = admin
            .associate_member()
            .account_id(account)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            (code(&e).as_str(), status(&e)),
            ("ValidationException", 400),
            "{account}"
        );
        assert!(message(&e).contains(why), "{}", message(&e));
    }
    let e = admin.get_member().account_id(DEV).send().await.unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("ResourceNotFoundException", 404)
    );
    let e = admin
        .list_members()
        .max_results(51)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");

    // paged: every organisation account but the administrator, or the members only
    for a in [MGMT, DEV] {
        admin.associate_member().account_id(a).send().await.unwrap();
    }
    let pages: Vec<_> = admin
        .list_members()
        .only_associated(true)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 2);
    let listed: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().members().to_vec())
        .map(|m| m.account_id().unwrap().to_string())
        .collect();
    assert_eq!(listed, [MGMT, PROD, DEV]);
    let all = admin
        .list_members()
        .only_associated(false)
        .max_results(50)
        .send()
        .await
        .unwrap();
    assert!(all.members().iter().all(|m| m.account_id() != Some(ADMIN)));

    // in the snapshot once complete; gone with the administrator
    tokio::time::sleep(Duration::from_millis(350)).await;
    let dump = emu.dump();
    let member = |a: &str| {
        format!("222222222222/eu-west-1/inspector-member/{a}")
            .parse()
            .unwrap()
    };
    assert!(dump.resources.contains_key(&member(PROD)));
    assert_eq!(dump.resources[&member(DEV)], json!({}));
    let out = admin
        .disassociate_member()
        .account_id(DEV)
        .send()
        .await
        .unwrap();
    assert_eq!(out.account_id(), DEV);
    let e = admin
        .disassociate_member()
        .account_id(DEV)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");
    assert!(!emu.dump().resources.contains_key(&member(DEV)));
    mgmt.disable_delegated_admin_account()
        .delegated_admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    assert!(
        !emu.dump()
            .resources
            .keys()
            .any(|a| a.kind == shubctl::model::Kind::InspectorMember)
    );
}
