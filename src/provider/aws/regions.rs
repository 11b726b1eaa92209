//! The caller's enabled regions, for `regions: { include: all }`: the Account Management API's
//! `ListRegions` with the statuses `ENABLED` and `ENABLED_BY_DEFAULT`, every page.

use aws_sdk_account::types::RegionOptStatus;

use super::error::sdk_error;
use super::{AwsProvider, ScopeCx};
use crate::model::catalog::partition_of;
use crate::model::{ProviderError, Target};

pub(super) async fn enabled(p: &AwsProvider) -> Result<Vec<String>, ProviderError> {
    let me = p.caller().clone();
    // A global API, served from the global region of the caller's partition.
    let global = partition_of(p.clients.base_region()).global_region;
    let client: aws_sdk_account::Client = p.clients.client(&me, global, "global").await?;
    let cx = ScopeCx::new(p, &me, "global");
    let target = Target::Organization(me.clone());
    let mut out = Vec::new();
    let mut pages = client
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .max_results(50)
        .into_paginator()
        .send();
    loop {
        cx.gate("account", "ListRegions").await;
        let Some(page) = pages.next().await else {
            break;
        };
        let page = page.map_err(|e| sdk_error(target.clone(), e))?;
        out.extend(
            page.regions()
                .iter()
                .filter(|r| {
                    matches!(
                        r.region_opt_status(),
                        Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault)
                    )
                })
                .filter_map(|r| r.region_name().map(str::to_string)),
        );
    }
    out.sort();
    out.dedup();
    Ok(out)
}
