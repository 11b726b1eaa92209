//! Macie through aws-sdk-macie2.

use aws_sdk_macie2::types::{FindingPublishingFrequency, MacieStatus};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn session_round_trip_and_quirks() {
    let emu = start(no_quotas()).await;
    let m = macie(&emu, ADMIN, REGION).await;
    // off answers as an access error, with 401
    let e = m.get_macie_session().send().await.unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    assert_eq!(status(&e), 401);
    assert_eq!(message(&e), "Macie is not enabled.");

    m.enable_macie()
        .finding_publishing_frequency(FindingPublishingFrequency::OneHour)
        .send()
        .await
        .unwrap();
    let e = m.enable_macie().send().await.unwrap_err();
    assert_eq!(code(&e), "ConflictException");
    assert_eq!(status(&e), 409);
    assert_eq!(message(&e), "Macie has already been enabled");

    let s = m.get_macie_session().send().await.unwrap();
    assert_eq!(s.status().unwrap().as_str(), "ENABLED");
    assert_eq!(
        s.finding_publishing_frequency().unwrap().as_str(),
        "ONE_HOUR"
    );
    assert!(s.created_at().is_some());

    m.update_macie_session()
        .status(MacieStatus::Paused)
        .send()
        .await
        .unwrap();
    let dump = emu.dump();
    assert_eq!(
        dump.resources[&"222222222222/eu-west-1/macie".parse().unwrap()],
        json!({ "status": "PAUSED", "finding_publishing_frequency": "ONE_HOUR" })
    );
    m.update_macie_session()
        .status(MacieStatus::Enabled)
        .finding_publishing_frequency(FindingPublishingFrequency::FifteenMinutes)
        .send()
        .await
        .unwrap();
    assert_eq!(
        m.get_macie_session()
            .send()
            .await
            .unwrap()
            .finding_publishing_frequency()
            .unwrap()
            .as_str(),
        "FIFTEEN_MINUTES"
    );

    m.disable_macie().send().await.unwrap();
    assert_eq!(
        code(&m.get_macie_session().send().await.unwrap_err()),
        "AccessDeniedException"
    );
    assert_eq!(
        code(
            &m.update_macie_session()
                .status(MacieStatus::Paused)
                .send()
                .await
                .unwrap_err()
        ),
        "AccessDeniedException"
    );
    assert!(
        !emu.dump()
            .resources
            .contains_key(&"222222222222/eu-west-1/macie".parse().unwrap())
    );

    let ops: Vec<(String, bool)> = emu
        .calls()
        .into_iter()
        .filter(|c| c.service == "macie2")
        .map(|c| (c.operation, c.mutating))
        .take(3)
        .collect();
    assert_eq!(
        ops,
        [
            ("GetMacieSession".into(), false),
            ("EnableMacie".into(), true),
            ("EnableMacie".into(), true)
        ]
    );
}

#[tokio::test]
async fn organisation_admin_and_auto_enable() {
    let emu = start(no_quotas()).await;
    let mgmt = macie(&emu, MGMT, REGION).await;
    assert!(
        mgmt.list_organization_admin_accounts()
            .send()
            .await
            .unwrap()
            .admin_accounts()
            .is_empty()
    );
    let admin = macie(&emu, ADMIN, REGION).await;
    assert_eq!(
        code(
            &admin
                .enable_organization_admin_account()
                .admin_account_id(ADMIN)
                .send()
                .await
                .unwrap_err()
        ),
        "AccessDeniedException"
    );

    mgmt.enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    mgmt.enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            &mgmt
                .enable_organization_admin_account()
                .admin_account_id(PROD)
                .send()
                .await
                .unwrap_err()
        ),
        "ConflictException"
    );
    let list = mgmt
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap();
    assert_eq!(list.admin_accounts()[0].account_id(), Some(ADMIN));
    assert_eq!(
        list.admin_accounts()[0].status().unwrap().as_str(),
        "ENABLED"
    );

    // the admin needs Macie on for the org configuration
    assert_eq!(
        status(
            &admin
                .describe_organization_configuration()
                .send()
                .await
                .unwrap_err()
        ),
        401
    );
    admin.enable_macie().send().await.unwrap();
    assert_eq!(
        admin
            .describe_organization_configuration()
            .send()
            .await
            .unwrap()
            .auto_enable(),
        Some(false)
    );
    admin
        .update_organization_configuration()
        .auto_enable(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        admin
            .describe_organization_configuration()
            .send()
            .await
            .unwrap()
            .auto_enable(),
        Some(true)
    );
    assert_eq!(
        emu.dump().resources[&"222222222222/eu-west-1/org-config/macie".parse().unwrap()],
        json!({ "auto_enable": true })
    );
    assert_eq!(
        emu.dump().resources[&"111111111111/eu-west-1/delegated-admin/macie"
            .parse()
            .unwrap()],
        json!({ "account": ADMIN })
    );

    let prod = macie(&emu, PROD, REGION).await;
    prod.enable_macie().send().await.unwrap();
    let e = prod
        .update_organization_configuration()
        .auto_enable(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("AccessDeniedException", 403)
    );

    assert_eq!(
        code(
            &mgmt
                .disable_organization_admin_account()
                .admin_account_id(PROD)
                .send()
                .await
                .unwrap_err()
        ),
        "ResourceNotFoundException"
    );
    mgmt.disable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    assert!(
        mgmt.list_organization_admin_accounts()
            .send()
            .await
            .unwrap()
            .admin_accounts()
            .is_empty()
    );
    assert!(
        !emu.dump()
            .resources
            .contains_key(&"222222222222/eu-west-1/org-config/macie".parse().unwrap())
    );
}

/// Through Organizations the Macie administrator adds members one account a call, which
/// enables Macie for them, and is the only one who may suspend a member (API.md §4.1).
#[tokio::test]
async fn members_are_added_and_suspended_by_the_administrator() {
    use aws_sdk_macie2::types::{AccountDetail, MacieStatus, RelationshipStatus};
    let emu = start(no_quotas()).await;
    macie(&emu, MGMT, REGION)
        .await
        .enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    let admin = macie(&emu, ADMIN, REGION).await;
    admin.enable_macie().send().await.unwrap();
    let add = |a: &str| {
        admin.create_member().account(
            AccountDetail::builder()
                .account_id(a)
                .email(format!("aws+{a}@example.com"))
                .build(),
        )
    };
    add(PROD).send().await.unwrap();
    let e = add(PROD).send().await.unwrap_err();
    assert_eq!(code(&e), "ConflictException");
    let e = add(ADMIN).send().await.unwrap_err();
    assert_eq!(code(&e), "ValidationException");
    // Only the administrator adds members.
    let e = macie(&emu, DEV, REGION)
        .await
        .enable_macie()
        .send()
        .await
        .map(|_| ());
    assert!(e.is_ok());
    let dev = macie(&emu, DEV, REGION).await;
    let e = dev
        .create_member()
        .account(
            AccountDetail::builder()
                .account_id(LEGACY)
                .email("x@example.com")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");

    // Adding enabled Macie for the member.
    let prod = macie(&emu, PROD, REGION).await;
    let s = prod.get_macie_session().send().await.unwrap();
    assert_eq!(s.status(), Some(&MacieStatus::Enabled));
    let listed = admin.list_members().send().await.unwrap();
    assert_eq!(listed.members().len(), 1);
    assert_eq!(
        listed.members()[0].relationship_status(),
        Some(&RelationshipStatus::Enabled)
    );

    // The member may not suspend or disable its own Macie.
    let e = prod
        .update_macie_session()
        .status(MacieStatus::Paused)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ConflictException");
    let e = prod.disable_macie().send().await.unwrap_err();
    assert_eq!(code(&e), "ConflictException");
    // The administrator may.
    admin
        .update_member_session()
        .id(PROD)
        .status(MacieStatus::Paused)
        .send()
        .await
        .unwrap();
    let listed = admin.list_members().send().await.unwrap();
    assert_eq!(
        listed.members()[0].relationship_status(),
        Some(&RelationshipStatus::Paused)
    );
    let e = admin
        .update_member_session()
        .id(LEGACY)
        .status(MacieStatus::Paused)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
}
