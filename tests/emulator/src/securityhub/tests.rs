//! What DisableSecurityHub forgets, checked through the snapshot conversion.

use std::collections::BTreeSet;

use serde_json::json;
use shubctl::model::Kind;
use shubctl::provider::snapshot::SnapshotFile;

use crate::world::World;

fn kinds(w: &World) -> BTreeSet<Kind> {
    w.to_snapshot(&crate::Config::default())
        .resources
        .keys()
        .map(|a| a.kind)
        .collect()
}

/// The hub and the kinds that need it (the product's "needs the hub" column) go; the
/// organisation's settings held in the scope, and other services, stay.
#[test]
fn disabling_the_hub_forgets_what_needs_it() {
    let file: SnapshotFile = serde_json::from_value(json!({
        "format_version": 1,
        "organization": { "management_account": "111111111111", "accounts": [], "ous": [] },
        "resources": {
            "222222222222/eu-west-1/hub": { "control_finding_generator": "SECURITY_CONTROL", "auto_enable_controls": true },
            "222222222222/eu-west-1/standard/fsbp/1.0.0": {},
            "222222222222/eu-west-1/control/IAM.6@fsbp/1.0.0": { "status": "DISABLED", "reason": "r" },
            "222222222222/eu-west-1/control-parameters/IAM.7": { "parameters": { "MaxPasswordAge": 90 } },
            "222222222222/eu-west-1/aggregator": { "linking_mode": "NO_REGIONS", "regions": [] },
            "222222222222/eu-west-1/insight/i": { "group_by": "AwsAccountId", "filters": {} },
            "222222222222/eu-west-1/action-target/T": { "name": "t", "description": "d" },
            "222222222222/eu-west-1/automation-rule/r": {
                "order": 1, "description": "d", "status": "ENABLED", "terminal": false,
                "criteria": {}, "actions": { "Note": { "Text": "t", "UpdatedBy": "u" } }
            },
            "222222222222/eu-west-1/product/aws/guardduty": {},
            "222222222222/eu-west-1/org-config/securityhub": { "auto_enable": false, "auto_enable_standards": "DEFAULT" },
            "222222222222/eu-west-1/member/333333333333": {},
            "222222222222/eu-west-1/guardduty": { "status": "ENABLED", "finding_publishing_frequency": "SIX_HOURS", "features": {} }
        }
    }))
    .expect("a valid snapshot");
    let mut w = World::from_snapshot(file);
    let before = kinds(&w);
    w.scope("222222222222", "eu-west-1")
        .securityhub
        .disable_hub();
    let after = kinds(&w);
    let forgotten: BTreeSet<Kind> = before.difference(&after).copied().collect();
    // Exactly the hub and what the product's kind table says lives inside it.
    let inside: BTreeSet<Kind> = before
        .iter()
        .copied()
        .filter(|k| *k == Kind::Hub || k.needs_hub())
        .collect();
    assert_eq!(forgotten, inside);
    assert_eq!(
        inside,
        BTreeSet::from([
            Kind::Hub,
            Kind::Standard,
            Kind::Control,
            Kind::ControlParameters,
            Kind::Aggregator,
            Kind::Insight,
            Kind::ActionTarget,
            Kind::AutomationRule,
            Kind::Product,
        ]),
        "the fixture holds every kind that needs the hub"
    );
    assert_eq!(
        after,
        BTreeSet::from([Kind::OrgConfig, Kind::Member, Kind::GuardDuty])
    );
}
