//! `aggregator`: the cross-region finding aggregator, in the administrator's home region. An
//! account has one aggregation region, so moving it removes the old one first.


use super::Sh;
use crate::model::catalog::partition_of;
use crate::model::resource::AggregatorValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, wire, sdk_error, value_of};

fn arn_prefix(region: &str) -> String {
    format!("arn:{}:securityhub:{region}:", partition_of(region).name)
}

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    sh.gate("ListFindingAggregators").await;
    let list = sh
        .client
        .list_finding_aggregators()
        .send()
        .await
        .map_err(|e| sdk_error(sh.target(), e))?;
    for a in list.finding_aggregators() {
        let Some(arn) = a.finding_aggregator_arn() else {
            continue;
        };
        // An account has one aggregation region; it lives in that region's scope only.
        if !arn.starts_with(&arn_prefix(sh.cx.region)) {
            continue;
        }
        sh.gate("GetFindingAggregator").await;
        let g = sh
            .client
            .get_finding_aggregator()
            .finding_aggregator_arn(arn)
            .send()
            .await
            .map_err(|e| sdk_error(sh.target(), e))?;
        let mut regions: Vec<String> = g.regions().to_vec();
        regions.sort();
        out.insert(
            Kind::Aggregator,
            None,
            Resource::Aggregator(AggregatorValue {
                linking_mode: wire(&sh.target(), "region linking mode", g.region_linking_mode())?,
                regions,
            }),
        );
    }
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    sh.gate("ListFindingAggregators").await;
    let list = sh
        .client
        .list_finding_aggregators()
        .send()
        .await
        .map_err(|e| sdk_error(t.clone(), e))?;
    let here = arn_prefix(sh.cx.region);
    let arns: Vec<&str> = list
        .finding_aggregators()
        .iter()
        .filter_map(|a| a.finding_aggregator_arn())
        .collect();
    let arn = arns
        .iter()
        .find(|a| a.starts_with(&here))
        .map(|a| a.to_string());
    // Moving: remove the one in another region first (its own delete, later in the plan,
    // then finds nothing to do).
    if c.action == Action::Create
        && let Some(old) = arns.iter().find(|a| !a.starts_with(&here))
    {
        let old_region = old.split(':').nth(3).unwrap_or_default().to_string();
        let elsewhere = sh.cx.in_region(&old_region);
        let other: aws_sdk_securityhub::Client = elsewhere.client().await?;
        elsewhere.gate("securityhub", "DeleteFindingAggregator").await;
        match other
            .delete_finding_aggregator()
            .finding_aggregator_arn(*old)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(sdk_error(t, e)),
        }
    }
    match (c.action, arn) {
        (Action::Delete, Some(arn)) => {
            sh.gate("DeleteFindingAggregator").await;
            match sh
                .client
                .delete_finding_aggregator()
                .finding_aggregator_arn(arn)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
                Err(e) => Err(sdk_error(t, e)),
            }
        }
        (Action::Delete, None) => Ok(()),
        (_, arn) => {
            let v = value_of!(c, Aggregator);
            // NO_REGIONS and ALL_REGIONS take no region list.
            let regions = (!v.regions.is_empty()).then(|| v.regions.clone());
            match arn {
                Some(arn) => {
                    sh.gate("UpdateFindingAggregator").await;
                    sh.client
                        .update_finding_aggregator()
                        .finding_aggregator_arn(arn)
                        .region_linking_mode(v.linking_mode.as_str())
                        .set_regions(regions)
                        .send()
                        .await
                        .map_err(|e| sdk_error(t, e))?;
                }
                None => {
                    sh.gate("CreateFindingAggregator").await;
                    sh.client
                        .create_finding_aggregator()
                        .region_linking_mode(v.linking_mode.as_str())
                        .set_regions(regions)
                        .send()
                        .await
                        .map_err(|e| sdk_error(t, e))?;
                }
            }
            Ok(())
        }
    }
}
