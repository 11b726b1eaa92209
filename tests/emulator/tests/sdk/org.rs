//! Security Hub's organisation operations and members.

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{
    AccountDetails, AutoEnableStandards, OrganizationConfiguration,
    OrganizationConfigurationConfigurationType,
};
use shubctl_emulator::Config;

use crate::common::*;

#[tokio::test]
async fn organization_admin_is_for_the_management_account() {
    let emu = start(no_quotas()).await;
    let admin = sh(&emu, ADMIN, REGION).await;
    let e = admin
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    let e = admin
        .enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");

    let mgmt = sh(&emu, MGMT, REGION).await;
    let out = mgmt
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap();
    assert_eq!(out.admin_accounts().len(), 1);
    assert_eq!(out.admin_accounts()[0].account_id(), Some(ADMIN));
    assert_eq!(
        out.admin_accounts()[0].status().map(|s| s.as_str()),
        Some("ENABLED")
    );

    // Idempotent for the same account; another account needs the current one removed first.
    mgmt.enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    let e = mgmt
        .enable_organization_admin_account()
        .admin_account_id(PROD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    let e = mgmt
        .enable_organization_admin_account()
        .admin_account_id(LONER)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException", "not in the organisation");

    // The organisation-admin operations work in a region where the management account has no hub.
    let mgmt_us = sh(&emu, MGMT, "us-east-1").await;
    assert!(
        mgmt_us
            .list_organization_admin_accounts()
            .send()
            .await
            .unwrap()
            .admin_accounts()
            .is_empty()
    );
    let e = mgmt_us
        .enable_organization_admin_account()
        .admin_account_id(PROD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        "InvalidInputException",
        "the delegated admin must be the same in every region"
    );
    let out = mgmt_us
        .enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(out.admin_account_id(), Some(ADMIN));
    let dump = emu.dump();
    assert!(
        dump.resources.contains_key(
            &"111111111111/us-east-1/delegated-admin/securityhub"
                .parse()
                .unwrap()
        )
    );
    assert_eq!(
        dump.resources[&"222222222222/us-east-1/org-config/securityhub"
            .parse()
            .unwrap()],
        serde_json::json!({ "auto_enable": false, "auto_enable_standards": "DEFAULT" })
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
    let e = mgmt
        .disable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    // Members of the removed administrator are disassociated.
    let members = admin.list_members().send().await.unwrap();
    assert!(members.members().is_empty());

    let loner = sh(&emu, LONER, REGION).await;
    let e = loner
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
}

#[tokio::test]
async fn organization_configuration_is_for_the_admin() {
    let emu = start(no_quotas()).await;
    let e = sh(&emu, PROD, REGION)
        .await
        .describe_organization_configuration()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidAccessException");
    assert!(
        e.as_service_error()
            .unwrap()
            .to_string()
            .contains("Account 333333333333 is not an administrator for this organization")
    );
    let e = sh(&emu, MGMT, REGION)
        .await
        .update_organization_configuration()
        .auto_enable(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidAccessException");

    let c = sh(&emu, ADMIN, REGION).await;
    let out = c
        .describe_organization_configuration()
        .send()
        .await
        .unwrap();
    assert_eq!(out.auto_enable(), Some(true));
    assert_eq!(
        out.auto_enable_standards(),
        Some(&AutoEnableStandards::None)
    );
    assert_eq!(out.member_account_limit_reached(), Some(false));
    assert_eq!(
        out.organization_configuration()
            .and_then(|o| o.configuration_type()),
        Some(&OrganizationConfigurationConfigurationType::Local)
    );

    let e = c
        .update_organization_configuration()
        .auto_enable_standards(AutoEnableStandards::Default)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException", "AutoEnable is required");
    let e = c
        .update_organization_configuration()
        .auto_enable(true)
        .organization_configuration(
            OrganizationConfiguration::builder()
                .configuration_type(OrganizationConfigurationConfigurationType::Central)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        "InvalidInputException",
        "CENTRAL needs AutoEnable false"
    );
    c.update_organization_configuration()
        .auto_enable(false)
        .auto_enable_standards(AutoEnableStandards::Default)
        .send()
        .await
        .unwrap();
    let out = c
        .describe_organization_configuration()
        .send()
        .await
        .unwrap();
    assert_eq!(out.auto_enable(), Some(false));
    assert_eq!(
        out.auto_enable_standards(),
        Some(&AutoEnableStandards::Default)
    );
    assert_eq!(
        emu.dump().resources[&"222222222222/eu-west-1/org-config/securityhub"
            .parse()
            .unwrap()],
        serde_json::json!({ "auto_enable": false, "auto_enable_standards": "DEFAULT" })
    );
    // AWS's documented switch to central configuration sends no AutoEnableStandards; the
    // switch sets NONE, and auto-enable is refused from then on with AWS's message.
    c.update_organization_configuration()
        .auto_enable(false)
        .organization_configuration(
            OrganizationConfiguration::builder()
                .configuration_type(OrganizationConfigurationConfigurationType::Central)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = c
        .describe_organization_configuration()
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.auto_enable_standards(),
        Some(&AutoEnableStandards::None)
    );
    assert_eq!(
        out.organization_configuration()
            .and_then(|o| o.configuration_type()),
        Some(&OrganizationConfigurationConfigurationType::Central)
    );
    let e = c
        .update_organization_configuration()
        .auto_enable(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    assert_eq!(
        e.message(),
        Some("Auto Enable and AutoEnableStandards can not be enabled for Central Configuration")
    );
}

/// A switch to CENTRAL is PENDING for a while; under LOCAL the status is always ENABLED (the
/// model's `OrganizationConfiguration.Status`), also right after a switch back.
#[tokio::test]
async fn local_configuration_is_always_enabled() {
    use aws_sdk_securityhub::types::OrganizationConfigurationStatus as Status;
    let emu = start(Config {
        org_switch_delay: std::time::Duration::from_secs(600),
        ..no_quotas()
    })
    .await;
    let c = sh(&emu, ADMIN, REGION).await;
    let switch = |t: OrganizationConfigurationConfigurationType| {
        c.update_organization_configuration()
            .auto_enable(false)
            .organization_configuration(
                OrganizationConfiguration::builder()
                    .configuration_type(t)
                    .build(),
            )
            .send()
    };
    let status = || async {
        let out = c
            .describe_organization_configuration()
            .send()
            .await
            .unwrap();
        let o = out.organization_configuration().unwrap();
        (
            o.configuration_type().cloned().unwrap(),
            o.status().cloned().unwrap(),
        )
    };
    assert_eq!(
        status().await,
        (
            OrganizationConfigurationConfigurationType::Local,
            Status::Enabled
        )
    );
    switch(OrganizationConfigurationConfigurationType::Central)
        .await
        .unwrap();
    assert_eq!(
        status().await,
        (
            OrganizationConfigurationConfigurationType::Central,
            Status::Pending
        )
    );
    switch(OrganizationConfigurationConfigurationType::Local)
        .await
        .unwrap();
    assert_eq!(
        status().await,
        (
            OrganizationConfigurationConfigurationType::Local,
            Status::Enabled
        )
    );
}

#[tokio::test]
async fn members_create_list_get_disassociate_delete() {
    let mut cfg = no_quotas();
    cfg.fail_create_members.insert(LEGACY.into());
    let emu = start(cfg).await;
    let c = sh(&emu, ADMIN, REGION).await;

    let all: Vec<_> = c
        .list_members()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let ids: Vec<String> = all
        .into_iter()
        .map(|m| m.unwrap().account_id().unwrap().to_string())
        .collect();
    assert_eq!(ids, [MGMT, PROD]);

    let out = c
        .create_members()
        .account_details(
            AccountDetails::builder()
                .account_id(DEV)
                .email("dev@example.com")
                .build(),
        )
        .account_details(AccountDetails::builder().account_id(LEGACY).build())
        .account_details(AccountDetails::builder().account_id(LONER).build())
        .account_details(AccountDetails::builder().account_id(ADMIN).build())
        .send()
        .await
        .unwrap();
    let failed: Vec<&str> = out
        .unprocessed_accounts()
        .iter()
        .map(|r| r.account_id().unwrap())
        .collect();
    assert_eq!(failed, [LEGACY, ADMIN]);

    // Organisation members are enabled at once (and get Security Hub with the default
    // standards unless AutoEnableStandards is NONE, as in the fixture); others are invited.
    let dev = c
        .get_members()
        .account_ids(DEV)
        .account_ids(LONER)
        .account_ids("888888888888")
        .send()
        .await
        .unwrap();
    assert_eq!(dev.members().len(), 2);
    assert_eq!(dev.members()[0].member_status(), Some("Enabled"));
    assert_eq!(dev.members()[0].email(), Some("dev@example.com"));
    assert_eq!(dev.members()[0].administrator_id(), Some(ADMIN));
    assert_eq!(dev.members()[1].member_status(), Some("Created"));
    assert_eq!(
        dev.unprocessed_accounts()[0].account_id(),
        Some("888888888888")
    );
    let dev_hub = sh(&emu, DEV, REGION).await;
    dev_hub.describe_hub().send().await.unwrap();
    assert!(
        dev_hub
            .get_enabled_standards()
            .send()
            .await
            .unwrap()
            .standards_subscriptions()
            .is_empty()
    );

    // ListMembers: OnlyAssociated defaults to true, pages of page_size.
    let first = c.list_members().send().await.unwrap();
    assert_eq!(first.members().len(), 2);
    assert!(first.next_token().is_some());
    let assoc: Vec<_> = c
        .list_members()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(assoc.len(), 3);
    let every: Vec<_> = c
        .list_members()
        .only_associated(false)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(every.len(), 4);
    let e = c.list_members().max_results(51).send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");

    c.disassociate_members()
        .account_ids(PROD)
        .send()
        .await
        .unwrap();
    let every: Vec<_> = c
        .list_members()
        .only_associated(false)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let prod = every
        .into_iter()
        .map(Result::unwrap)
        .find(|m| m.account_id() == Some(PROD))
        .unwrap();
    assert_eq!(prod.member_status(), Some("Removed"));
    let out = c
        .delete_members()
        .account_ids(LONER)
        .account_ids("888888888888")
        .send()
        .await
        .unwrap();
    assert_eq!(out.unprocessed_accounts().len(), 1);

    let dump = emu.dump();
    let members: Vec<String> = dump
        .resources
        .keys()
        .map(|a| a.to_string())
        .filter(|a| a.contains("/member/"))
        .collect();
    assert_eq!(
        members,
        [
            "222222222222/eu-west-1/member/111111111111",
            "222222222222/eu-west-1/member/444444444444"
        ]
    );

    let e = c.create_members().send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    let mut many = c.create_members();
    for i in 0..51 {
        many = many.account_details(
            AccountDetails::builder()
                .account_id(format!("7000000000{i:02}"))
                .build(),
        );
    }
    assert_eq!(
        code(&many.send().await.unwrap_err()),
        "InvalidInputException"
    );
}

#[tokio::test]
async fn new_org_members_get_default_standards_unless_turned_off() {
    let emu = start(Config {
        quotas_enabled: false,
        ..Config::default()
    })
    .await;
    let c = sh(&emu, ADMIN, REGION).await;
    c.update_organization_configuration()
        .auto_enable(true)
        .auto_enable_standards(AutoEnableStandards::Default)
        .send()
        .await
        .unwrap();
    c.create_members()
        .account_details(AccountDetails::builder().account_id(DEV).build())
        .send()
        .await
        .unwrap();
    let subs = sh(&emu, DEV, REGION)
        .await
        .get_enabled_standards()
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(subs.standards_subscriptions().len(), 2);
}

/// Central configuration's constraints (user guide, "Enabling central configuration" and
/// "Central configuration and cross-Region aggregation"): the administrator cannot be removed
/// through Security Hub while it holds; removing the home region (the aggregator) ends central
/// configuration and deletes its policies and associations, after which the administrator can
/// be removed.
#[tokio::test]
async fn central_configuration_keeps_its_administrator_and_ends_with_the_home_region() {
    use aws_sdk_securityhub::types::{
        Policy, SecurityControlsConfiguration, SecurityHubPolicy, Target,
    };
    let emu = start(no_quotas()).await;
    let admin = sh(&emu, ADMIN, REGION).await;
    admin
        .update_organization_configuration()
        .auto_enable(false)
        .organization_configuration(
            OrganizationConfiguration::builder()
                .configuration_type(OrganizationConfigurationConfigurationType::Central)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let p = admin
        .create_configuration_policy()
        .name("on")
        .configuration_policy(Policy::SecurityHub(
            SecurityHubPolicy::builder()
                .service_enabled(true)
                .set_enabled_standard_identifiers(Some(vec![]))
                .security_controls_configuration(
                    SecurityControlsConfiguration::builder()
                        .set_disabled_security_control_identifiers(Some(vec![]))
                        .build(),
                )
                .build(),
        ))
        .send()
        .await
        .unwrap();
    admin
        .start_configuration_policy_association()
        .configuration_policy_identifier(p.id().unwrap())
        .target(Target::AccountId(PROD.into()))
        .send()
        .await
        .unwrap();

    let mgmt = sh(&emu, MGMT, REGION).await;
    let e = mgmt
        .disable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    assert!(
        message(&e).contains("central configuration"),
        "{}",
        message(&e)
    );

    let arn = admin
        .list_finding_aggregators()
        .send()
        .await
        .unwrap()
        .finding_aggregators()[0]
        .finding_aggregator_arn()
        .unwrap()
        .to_string();
    admin
        .delete_finding_aggregator()
        .finding_aggregator_arn(&arn)
        .send()
        .await
        .unwrap();
    // LOCAL again, and the policies are gone with it.
    for region in [REGION] {
        let out = sh(&emu, ADMIN, region)
            .await
            .describe_organization_configuration()
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.organization_configuration()
                .and_then(|o| o.configuration_type()),
            Some(&OrganizationConfigurationConfigurationType::Local),
            "{region}"
        );
    }
    let e = admin
        .list_configuration_policies()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    assert!(
        !emu.dump()
            .resources
            .keys()
            .any(|a| a.kind == shubctl::model::Kind::ConfigPolicy
                || a.kind == shubctl::model::Kind::PolicyAssociation),
        "policies and associations deleted"
    );
    // The member keeps what the policy gave it, and may change it itself again.
    sh(&emu, PROD, REGION)
        .await
        .update_security_hub_configuration()
        .auto_enable_controls(false)
        .send()
        .await
        .expect("self-managed again");
    mgmt.disable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .expect("removable once central configuration ended");
}
