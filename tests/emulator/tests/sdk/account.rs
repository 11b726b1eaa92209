//! The Account Management API's ListRegions through aws-sdk-account.

use aws_sdk_account::types::RegionOptStatus;
use shubctl_emulator::Emulator;

use crate::common::*;

async fn statuses(emu: &Emulator, filter: &[RegionOptStatus]) -> Vec<(String, RegionOptStatus)> {
    let client = aws_sdk_account::Client::new(&sdk(emu, MGMT, "us-east-1").await);
    let mut out = vec![];
    let mut pages = client
        .list_regions()
        .set_region_opt_status_contains((!filter.is_empty()).then(|| filter.to_vec()))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for r in page.unwrap().regions() {
            out.push((
                r.region_name().unwrap().to_string(),
                r.region_opt_status().unwrap().clone(),
            ));
        }
    }
    out
}

/// The regions launched before 2019-03-20 are `ENABLED_BY_DEFAULT` whatever the snapshot
/// lists (AWS cannot disable them); an opt-in region is `ENABLED` once the organisation lists
/// it, `DISABLED` otherwise.
#[tokio::test]
async fn default_regions_are_enabled_by_default_and_opt_in_ones_as_enabled() {
    let mut snap = fixture();
    // Neither us-west-2 (a default region) nor me-south-1 (opt-in) is listed.
    snap.organization.enabled_regions = vec!["eu-west-1".into(), "af-south-1".into()];
    let emu = Emulator::start(snap, no_quotas()).await;
    let all = statuses(&emu, &[]).await;
    let of = |name: &str| {
        all.iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("{name} in {all:?}"))
    };
    assert_eq!(of("us-west-2"), RegionOptStatus::EnabledByDefault);
    assert_eq!(of("eu-west-1"), RegionOptStatus::EnabledByDefault);
    assert_eq!(of("af-south-1"), RegionOptStatus::Enabled);
    assert_eq!(of("me-south-1"), RegionOptStatus::Disabled);
    let by_default = statuses(&emu, &[RegionOptStatus::EnabledByDefault]).await;
    assert_eq!(by_default.len(), 17, "{by_default:?}");
    let enabled = statuses(
        &emu,
        &[RegionOptStatus::Enabled, RegionOptStatus::EnabledByDefault],
    )
    .await;
    assert_eq!(enabled.len(), 18, "{enabled:?}");
    assert!(enabled.iter().all(|(n, _)| n != "me-south-1"));
}
