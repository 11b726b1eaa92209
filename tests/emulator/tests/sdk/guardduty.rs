//! GuardDuty through aws-sdk-guardduty.

use aws_sdk_guardduty::types::{
    AutoEnableMembers, DetectorFeature, DetectorFeatureConfiguration, FeatureStatus,
    FindingPublishingFrequency, OrgFeature, OrgFeatureStatus, OrganizationFeatureConfiguration,
};
use serde_json::json;
use shubctl_emulator::Config;

use crate::common::*;

fn feature(name: DetectorFeature, status: FeatureStatus) -> DetectorFeatureConfiguration {
    DetectorFeatureConfiguration::builder()
        .name(name)
        .status(status)
        .build()
}

#[tokio::test]
async fn detector_round_trip_and_quirks() {
    let emu = start(no_quotas()).await;
    let gd = guardduty(&emu, DEV, REGION).await;
    assert!(
        gd.list_detectors()
            .send()
            .await
            .unwrap()
            .detector_ids()
            .is_empty()
    );

    let id = gd
        .create_detector()
        .enable(true)
        .finding_publishing_frequency(FindingPublishingFrequency::FifteenMinutes)
        .features(feature(
            DetectorFeature::S3DataEvents,
            FeatureStatus::Disabled,
        ))
        .send()
        .await
        .unwrap()
        .detector_id()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 32);

    // one detector per account × region
    let e = gd.create_detector().enable(true).send().await.unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
    assert_eq!(status(&e), 400);
    assert_eq!(
        message(&e),
        "The request is rejected because a detector already exists for the current account."
    );
    assert_eq!(
        gd.list_detectors().send().await.unwrap().detector_ids(),
        std::slice::from_ref(&id)
    );

    // left-out features were turned on (except Runtime Monitoring); the foundational sources are reported
    let got = gd.get_detector().detector_id(&id).send().await.unwrap();
    let features: std::collections::BTreeMap<String, String> = got
        .features()
        .iter()
        .map(|f| {
            (
                f.name().unwrap().as_str().to_string(),
                f.status().unwrap().as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(features["S3_DATA_EVENTS"], "DISABLED");
    assert_eq!(features["EKS_AUDIT_LOGS"], "ENABLED");
    assert_eq!(features["RUNTIME_MONITORING"], "DISABLED");
    assert_eq!(features["FLOW_LOGS"], "ENABLED");
    assert_eq!(features["DNS_LOGS"], "ENABLED");
    assert_eq!(got.status().unwrap().as_str(), "ENABLED");
    assert_eq!(
        got.finding_publishing_frequency().unwrap().as_str(),
        "FIFTEEN_MINUTES"
    );
    assert!(got.service_role().unwrap().contains(DEV));

    gd.update_detector()
        .detector_id(&id)
        .finding_publishing_frequency(FindingPublishingFrequency::OneHour)
        .features(feature(
            DetectorFeature::RuntimeMonitoring,
            FeatureStatus::Enabled,
        ))
        .send()
        .await
        .unwrap();
    // EKS Runtime Monitoring and Runtime Monitoring cannot go in one request
    let e = gd
        .update_detector()
        .detector_id(&id)
        .features(feature(
            DetectorFeature::RuntimeMonitoring,
            FeatureStatus::Enabled,
        ))
        .features(feature(
            DetectorFeature::EksRuntimeMonitoring,
            FeatureStatus::Disabled,
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
    assert!(
        message(&e).contains("Runtime Monitoring"),
        "{}",
        message(&e)
    );
    gd.update_detector()
        .detector_id(&id)
        .features(feature(
            DetectorFeature::EksRuntimeMonitoring,
            FeatureStatus::Disabled,
        ))
        .send()
        .await
        .unwrap();

    let dump = emu.dump();
    let v = &dump.resources[&"444444444444/eu-west-1/guardduty".parse().unwrap()];
    assert_eq!(v["status"], "ENABLED");
    assert_eq!(v["finding_publishing_frequency"], "ONE_HOUR");
    assert_eq!(v["features"]["RUNTIME_MONITORING"], "ENABLED");
    assert_eq!(v["features"]["EKS_RUNTIME_MONITORING"], "DISABLED");
    assert_eq!(v["features"]["S3_DATA_EVENTS"], "DISABLED");
    assert!(v["features"].get("FLOW_LOGS").is_none());

    // somebody else's detector
    let prod = guardduty(&emu, PROD, REGION).await;
    let prod_id = prod.list_detectors().send().await.unwrap().detector_ids()[0].clone();
    let e = gd
        .get_detector()
        .detector_id(&prod_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
    assert!(message(&e).contains("not owned by the current account"));
    let e = gd
        .delete_detector()
        .detector_id(&prod_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");

    gd.update_detector()
        .detector_id(&id)
        .enable(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        gd.get_detector()
            .detector_id(&id)
            .send()
            .await
            .unwrap()
            .status()
            .unwrap()
            .as_str(),
        "DISABLED"
    );
    gd.delete_detector().detector_id(&id).send().await.unwrap();
    assert!(
        gd.list_detectors()
            .send()
            .await
            .unwrap()
            .detector_ids()
            .is_empty()
    );
    assert!(
        !emu.dump()
            .resources
            .contains_key(&"444444444444/eu-west-1/guardduty".parse().unwrap())
    );

    // the loaded detector reads back as loaded
    let got = prod
        .get_detector()
        .detector_id(&prod_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.finding_publishing_frequency().unwrap().as_str(),
        "SIX_HOURS"
    );
    assert_eq!(got.features().len(), 3);

    let calls: Vec<(String, String, bool)> = emu
        .calls()
        .into_iter()
        .filter(|c| c.account == DEV)
        .map(|c| (c.service, c.operation, c.mutating))
        .take(3)
        .collect();
    assert_eq!(
        calls,
        [
            ("guardduty".into(), "ListDetectors".into(), false),
            ("guardduty".into(), "CreateDetector".into(), true),
            ("guardduty".into(), "CreateDetector".into(), true)
        ]
    );
}

#[tokio::test]
async fn organisation_admin_and_auto_enable() {
    let emu = start(no_quotas()).await;
    let mgmt = guardduty(&emu, MGMT, REGION).await;
    let admins = mgmt
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap();
    assert_eq!(admins.admin_accounts()[0].admin_account_id(), Some(ADMIN));
    assert_eq!(
        admins.admin_accounts()[0].admin_status().unwrap().as_str(),
        "ENABLED"
    );

    // only the management account designates
    let admin = guardduty(&emu, ADMIN, REGION).await;
    let e = admin
        .enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
    let e = admin
        .list_organization_admin_accounts()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
    // the same admin again is fine; another one is refused
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
    assert_eq!(code(&e), "BadRequestException");
    let e = mgmt
        .enable_organization_admin_account()
        .admin_account_id(LONER)
        .send()
        .await
        .unwrap_err();
    assert!(message(&e).contains("invalid or out-of-range value"));

    let id = admin
        .create_detector()
        .enable(true)
        .send()
        .await
        .unwrap()
        .detector_id()
        .unwrap()
        .to_string();
    admin
        .update_organization_configuration()
        .detector_id(&id)
        .auto_enable_organization_members(AutoEnableMembers::All)
        .features(
            OrganizationFeatureConfiguration::builder()
                .name(OrgFeature::S3DataEvents)
                .auto_enable(OrgFeatureStatus::All)
                .build(),
        )
        .features(
            OrganizationFeatureConfiguration::builder()
                .name(OrgFeature::RuntimeMonitoring)
                .auto_enable(OrgFeatureStatus::New)
                .build(),
        )
        .features(
            OrganizationFeatureConfiguration::builder()
                .name(OrgFeature::EbsMalwareProtection)
                .auto_enable(OrgFeatureStatus::None)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // features come back in pages (page size 2)
    let mut features = Vec::new();
    let mut token = None;
    loop {
        let got = admin
            .describe_organization_configuration()
            .detector_id(&id)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            got.auto_enable_organization_members().unwrap().as_str(),
            "ALL"
        );
        assert_eq!(got.member_account_limit_reached(), Some(false));
        features.extend(
            got.features()
                .iter()
                .map(|f| f.name().unwrap().as_str().to_string()),
        );
        token = got.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        features,
        [
            "EBS_MALWARE_PROTECTION",
            "RUNTIME_MONITORING",
            "S3_DATA_EVENTS"
        ]
    );
    let dump = emu.dump();
    assert_eq!(
        dump.resources[&"222222222222/eu-west-1/org-config/guardduty"
            .parse()
            .unwrap()],
        json!({ "auto_enable_members": "ALL", "features": { "EBS_MALWARE_PROTECTION": "NONE", "RUNTIME_MONITORING": "NEW", "S3_DATA_EVENTS": "ALL" } })
    );

    // a member cannot, even with its own detector
    let prod = guardduty(&emu, PROD, REGION).await;
    let prod_id = prod.list_detectors().send().await.unwrap().detector_ids()[0].clone();
    let e = prod
        .update_organization_configuration()
        .detector_id(&prod_id)
        .auto_enable_organization_members(AutoEnableMembers::None)
        .send()
        .await
        .unwrap_err();
    assert!(message(&e).contains("AWS Organization master permission"));
    // nor with the admin's detector id
    let e = prod
        .describe_organization_configuration()
        .detector_id(&id)
        .send()
        .await
        .unwrap_err();
    assert!(message(&e).contains("not owned"));

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
    let dump = emu.dump();
    assert!(
        !dump.resources.contains_key(
            &"111111111111/eu-west-1/delegated-admin/guardduty"
                .parse()
                .unwrap()
        )
    );
    assert!(
        !dump.resources.contains_key(
            &"222222222222/eu-west-1/org-config/guardduty"
                .parse()
                .unwrap()
        )
    );
}

#[tokio::test]
async fn throttles_and_faults() {
    let emu = start(Config {
        quota_scale: 0.1,
        ..Config::default()
    })
    .await;
    let gd = guardduty(&emu, PROD, REGION).await;
    let mut throttled = None;
    for _ in 0..10 {
        if let Err(e) = gd.list_detectors().send().await {
            throttled = Some(e);
            break;
        }
    }
    let e = throttled.expect("a 3-request burst runs out");
    // GuardDuty models no throttling error: AWS's Common Errors (ThrottlingException, 400).
    assert_eq!(code(&e), "ThrottlingException");
    assert_eq!(status(&e), 400);

    emu.set_config(Config {
        fault_rate: 1.0,
        quotas_enabled: false,
        ..Config::default()
    });
    let e = gd.list_detectors().send().await.unwrap_err();
    assert_eq!(code(&e), "InternalServerErrorException");
    assert_eq!(status(&e), 500);
    assert!(
        emu.calls()
            .iter()
            .any(|c| c.service == "guardduty" && c.status == 500)
    );
}

/// A feature's `additionalConfiguration` (the agent management of Runtime Monitoring) is kept
/// and read back, merged by name on update as the features are.
#[tokio::test]
async fn additional_configuration_is_kept_and_read_back() {
    use aws_sdk_guardduty::types::{
        DetectorAdditionalConfiguration, FeatureAdditionalConfiguration as A,
    };
    let emu = start(no_quotas()).await;
    let gd = guardduty(&emu, DEV, REGION).await;
    let extra = |name: A, status: FeatureStatus| {
        DetectorAdditionalConfiguration::builder()
            .name(name)
            .status(status)
            .build()
    };
    let id = gd
        .create_detector()
        .enable(true)
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::RuntimeMonitoring)
                .status(FeatureStatus::Enabled)
                .additional_configuration(extra(A::EksAddonManagement, FeatureStatus::Enabled))
                .additional_configuration(extra(A::Ec2AgentManagement, FeatureStatus::Disabled))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .detector_id()
        .unwrap()
        .to_string();
    gd.update_detector()
        .detector_id(&id)
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::RuntimeMonitoring)
                .status(FeatureStatus::Enabled)
                .additional_configuration(extra(
                    A::EcsFargateAgentManagement,
                    FeatureStatus::Enabled,
                ))
                .additional_configuration(extra(A::Ec2AgentManagement, FeatureStatus::Enabled))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = gd.get_detector().detector_id(&id).send().await.unwrap();
    let runtime = got
        .features()
        .iter()
        .find(|f| f.name().map(|n| n.as_str()) == Some("RUNTIME_MONITORING"))
        .unwrap();
    let mut extras: Vec<(String, String)> = runtime
        .additional_configuration()
        .iter()
        .map(|a| {
            (
                a.name().unwrap().as_str().to_string(),
                a.status().unwrap().as_str().to_string(),
            )
        })
        .collect();
    extras.sort();
    assert_eq!(
        extras,
        [
            ("EC2_AGENT_MANAGEMENT".to_string(), "ENABLED".to_string()),
            (
                "ECS_FARGATE_AGENT_MANAGEMENT".to_string(),
                "ENABLED".to_string()
            ),
            ("EKS_ADDON_MANAGEMENT".to_string(), "ENABLED".to_string()),
        ]
    );
    // Features sent without it report none.
    let s3 = got
        .features()
        .iter()
        .find(|f| f.name().map(|n| n.as_str()) == Some("S3_DATA_EVENTS"))
        .unwrap();
    assert!(s3.additional_configuration().is_empty());
    // A name the model does not define is refused as a bad request.
    let e = gd
        .update_detector()
        .detector_id(&id)
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::RuntimeMonitoring)
                .status(FeatureStatus::Enabled)
                .additional_configuration(extra(A::from("AGENT_OF_CHAOS"), FeatureStatus::Enabled))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
}

/// Through Organizations the delegated administrator adds accounts with CreateMembers, which
/// turns GuardDuty on in them; from then on their protection plans and frequency are the
/// administrator's (API.md §2.1), and the member cannot change or delete its detector.
#[tokio::test]
async fn members_are_added_and_managed_by_the_administrator() {
    use aws_sdk_guardduty::types::{AccountDetail, MemberFeaturesConfiguration};
    let emu = start(no_quotas()).await;
    let mgmt = guardduty(&emu, MGMT, REGION).await;
    mgmt.enable_organization_admin_account()
        .admin_account_id(ADMIN)
        .send()
        .await
        .unwrap();
    let admin = guardduty(&emu, ADMIN, REGION).await;
    let det = admin
        .create_detector()
        .enable(true)
        .finding_publishing_frequency(FindingPublishingFrequency::OneHour)
        .send()
        .await
        .unwrap()
        .detector_id()
        .unwrap()
        .to_string();
    let detail = |a: &str| {
        AccountDetail::builder()
            .account_id(a)
            .email(format!("aws+{a}@example.com"))
            .build()
    };
    // Email is required by the model (`AccountDetail`), though this SDK sends the call without.
    let e = admin
        .create_members()
        .detector_id(&det)
        .account_details(AccountDetail::builder().account_id(PROD).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
    let r = admin
        .create_members()
        .detector_id(&det)
        .account_details(detail(PROD))
        .account_details(detail(ADMIN))
        .send()
        .await
        .unwrap();
    // The administrator is not its own member.
    let unprocessed: Vec<&str> = r
        .unprocessed_accounts()
        .iter()
        .filter_map(|u| u.account_id())
        .collect();
    assert_eq!(unprocessed, [ADMIN]);
    // Adding it again is answered per account, not as an error.
    let again = admin
        .create_members()
        .detector_id(&det)
        .account_details(detail(PROD))
        .send()
        .await
        .unwrap();
    assert!(
        again.unprocessed_accounts()[0]
            .result()
            .unwrap()
            .contains("already a member")
    );

    // GuardDuty is on in the member, publishing at the administrator's frequency.
    let prod = guardduty(&emu, PROD, REGION).await;
    let pid = prod.list_detectors().send().await.unwrap().detector_ids()[0].clone();
    let got = prod.get_detector().detector_id(&pid).send().await.unwrap();
    assert_eq!(got.status().unwrap().as_str(), "ENABLED");
    assert_eq!(
        got.finding_publishing_frequency().unwrap().as_str(),
        "ONE_HOUR"
    );

    // ListMembers: associated ones by default.
    let listed = admin.list_members().detector_id(&det).send().await.unwrap();
    let members: Vec<(&str, &str)> = listed
        .members()
        .iter()
        .map(|m| (m.account_id().unwrap(), m.relationship_status().unwrap()))
        .collect();
    assert_eq!(members, [(PROD, "Enabled")]);

    // Protection plans through the administrator, read back per member.
    let r = admin
        .update_member_detectors()
        .detector_id(&det)
        .account_ids(PROD)
        .account_ids(DEV)
        .features(
            MemberFeaturesConfiguration::builder()
                .name(OrgFeature::RdsLoginEvents)
                .status(FeatureStatus::Disabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let unprocessed: Vec<&str> = r
        .unprocessed_accounts()
        .iter()
        .filter_map(|u| u.account_id())
        .collect();
    assert_eq!(unprocessed, [DEV], "not a member");
    let read = admin
        .get_member_detectors()
        .detector_id(&det)
        .account_ids(PROD)
        .send()
        .await
        .unwrap();
    let config = &read.member_data_source_configurations()[0];
    assert_eq!(config.account_id(), Some(PROD));
    let rds = config
        .features()
        .iter()
        .find(|f| f.name() == Some(&OrgFeature::RdsLoginEvents))
        .unwrap();
    assert_eq!(rds.status(), Some(&FeatureStatus::Disabled));

    // The member cannot suspend, retune or delete its own detector.
    for e in [
        prod.update_detector()
            .detector_id(&pid)
            .enable(false)
            .send()
            .await
            .unwrap_err(),
        prod.update_detector()
            .detector_id(&pid)
            .enable(true)
            .finding_publishing_frequency(FindingPublishingFrequency::SixHours)
            .send()
            .await
            .unwrap_err(),
        prod.update_detector()
            .detector_id(&pid)
            .enable(true)
            .features(feature(
                DetectorFeature::S3DataEvents,
                FeatureStatus::Disabled,
            ))
            .send()
            .await
            .unwrap_err(),
    ] {
        assert_eq!(code(&e), "BadRequestException");
        assert!(
            message(&e).contains("only the administrator"),
            "{}",
            message(&e)
        );
    }
    let e = prod
        .delete_detector()
        .detector_id(&pid)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BadRequestException");
    // Nor can the administrator delete its detector while it has members.
    let e = admin
        .delete_detector()
        .detector_id(&det)
        .send()
        .await
        .unwrap_err();
    assert!(message(&e).contains("members"), "{}", message(&e));
}
