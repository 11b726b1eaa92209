//! load → dump round trips.

use shubctl::provider::snapshot::SnapshotFile;
use shubctl_emulator::{Config, Emulator};

use crate::common::*;

fn example(name: &str) -> SnapshotFile {
    let path = format!(
        "{}/../../examples/{name}/snapshot.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_same(a: &SnapshotFile, b: &SnapshotFile) {
    for (k, v) in &a.resources {
        assert_eq!(b.resources.get(k), Some(v), "{k}");
    }
    for k in b.resources.keys() {
        assert!(a.resources.contains_key(k), "unexpected {k}");
    }
    assert_eq!(a, b);
}

#[tokio::test]
async fn fixture_round_trips() {
    let emu = start(Config::default()).await;
    assert_same(&fixture(), &emu.dump());
}

#[tokio::test]
async fn example_snapshots_round_trip() {
    for name in ["single-account", "organization", "showcase"] {
        let snap = example(name);
        let emu = Emulator::start(snap.clone(), Config::default()).await;
        assert_same(&snap, &emu.dump());
        // and through the snapshot provider's own reading of it
        shubctl::provider::snapshot::Snapshot::from_file(emu.dump()).unwrap();
    }
}

#[tokio::test]
async fn load_replaces_state_for_drift() {
    let emu = start(no_quotas()).await;
    let mut snap = emu.dump();
    snap.resources.insert(
        "222222222222/eu-west-1/control/S3.1@fsbp/1.0.0"
            .parse()
            .unwrap(),
        serde_json::json!({ "status": "DISABLED", "reason": "disabled by hand" }),
    );
    snap.resources.remove(
        &"222222222222/eu-west-1/insight/Critical findings by account"
            .parse()
            .unwrap(),
    );
    emu.load(snap.clone());
    assert_same(&snap, &emu.dump());
    let c = sh(&emu, ADMIN, REGION).await;
    assert!(c.get_insights().send().await.unwrap().insights().is_empty());
    let got = c
        .batch_get_standards_control_associations()
        .standards_control_association_ids(
            aws_sdk_securityhub::types::StandardsControlAssociationId::builder()
                .standards_arn("arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0")
                .security_control_id("S3.1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.standards_control_association_details()[0].updated_reason(),
        Some("disabled by hand")
    );

    emu.load(empty_org());
    assert!(emu.dump().resources.is_empty());
}

#[tokio::test]
async fn integrated_services_round_trip() {
    let mut snap = fixture();
    let extra = serde_json::json!({
        "111111111111/eu-west-1/delegated-admin/inspector": { "account": ADMIN },
        "111111111111/eu-west-1/delegated-admin/macie": { "account": ADMIN },
        "222222222222/eu-west-1/org-config/guardduty": { "auto_enable_members": "ALL", "features": { "S3_DATA_EVENTS": "ALL", "RUNTIME_MONITORING": "NEW" } },
        "222222222222/eu-west-1/org-config/inspector": { "resource_types": ["EC2", "LAMBDA"] },
        "222222222222/eu-west-1/org-config/macie": { "auto_enable": false },
        "222222222222/eu-west-1/guardduty": { "status": "DISABLED", "finding_publishing_frequency": "ONE_HOUR",
            "features": { "EKS_RUNTIME_MONITORING": "DISABLED", "RUNTIME_MONITORING": "ENABLED", "S3_DATA_EVENTS": "ENABLED" } },
        "222222222222/eu-west-1/inspector": { "resource_types": ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"] },
        "222222222222/eu-west-1/inspector-member/111111111111": {},
        "222222222222/eu-west-1/inspector-member/333333333333": {},
        "222222222222/eu-west-1/macie": { "status": "PAUSED", "finding_publishing_frequency": "FIFTEEN_MINUTES" },
        "222222222222/eu-west-1/analyzer/org": { "type": "ORGANIZATION", "archive_rules": { "r": { "resourceType": { "eq": ["AWS::KMS::Key"] }, "isPublic": { "exists": true } } } },
        "222222222222/eu-west-1/analyzer/unused": { "type": "ORGANIZATION_UNUSED_ACCESS", "unused_access_age": 45, "archive_rules": {} },
        "222222222222/us-east-1/analyzer/plain": { "type": "ACCOUNT_UNUSED_ACCESS", "archive_rules": {} }
    });
    for (k, v) in extra.as_object().unwrap() {
        snap.resources.insert(k.parse().unwrap(), v.clone());
    }
    let emu = Emulator::start(snap.clone(), Config::default()).await;
    assert_same(&snap, &emu.dump());
    emu.load(snap.clone());
    assert_same(&snap, &emu.dump());
    // and the loaded state is what the APIs answer
    let aa = analyzer(&emu, ADMIN, REGION).await;
    let got = aa
        .get_analyzer()
        .analyzer_name("unused")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.analyzer()
            .unwrap()
            .configuration()
            .unwrap()
            .as_unused_access()
            .unwrap()
            .unused_access_age(),
        Some(45)
    );
    let st = inspector(&emu, ADMIN, REGION)
        .await
        .batch_get_account_status()
        .send()
        .await
        .unwrap();
    assert_eq!(
        st.accounts()[0]
            .resource_state()
            .unwrap()
            .lambda_code()
            .unwrap()
            .status()
            .as_str(),
        "ENABLED"
    );
    let members = inspector(&emu, ADMIN, REGION)
        .await
        .list_members()
        .only_associated(true)
        .send()
        .await
        .unwrap();
    let members: Vec<(Option<&str>, &str)> = members
        .members()
        .iter()
        .map(|m| (m.account_id(), m.relationship_status().unwrap().as_str()))
        .collect();
    assert_eq!(members, [(Some(MGMT), "ENABLED"), (Some(PROD), "ENABLED")]);
    assert_eq!(
        macie(&emu, ADMIN, REGION)
            .await
            .get_macie_session()
            .send()
            .await
            .unwrap()
            .status()
            .unwrap()
            .as_str(),
        "PAUSED"
    );
    let gd = guardduty(&emu, ADMIN, REGION).await;
    let id = gd.list_detectors().send().await.unwrap().detector_ids()[0].clone();
    assert_eq!(
        gd.describe_organization_configuration()
            .detector_id(&id)
            .send()
            .await
            .unwrap()
            .auto_enable_organization_members()
            .unwrap()
            .as_str(),
        "ALL"
    );
}
