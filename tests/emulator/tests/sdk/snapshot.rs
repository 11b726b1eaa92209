//! load → dump round trips.

use shubctl::provider::snapshot::SnapshotFile;
use shubctl_emulator::{Config, Emulator};

use crate::common::*;

fn example(name: &str) -> SnapshotFile {
    let path = format!("{}/../../examples/{name}/snapshot.json", env!("CARGO_MANIFEST_DIR"));
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
        "222222222222/eu-west-1/control/S3.1@fsbp/1.0.0".parse().unwrap(),
        serde_json::json!({ "status": "DISABLED", "reason": "disabled by hand" }),
    );
    snap.resources.remove(&"222222222222/eu-west-1/insight/Critical findings by account".parse().unwrap());
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
    assert_eq!(got.standards_control_association_details()[0].updated_reason(), Some("disabled by hand"));

    emu.load(empty_org());
    assert!(emu.dump().resources.is_empty());
}
