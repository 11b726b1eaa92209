//! The finding aggregator (API.md §1.5): one per account, kept in its home region's scope,
//! readable from every region, changed only from home.

use serde_json::{Value, json};
use shubctl::model::catalog::REGIONS;

use super::arn::aggregator_arn;
use super::state::Aggregator;
use super::{
    invalid, not_found, own, paged, query_max, required_label, required_str, sh, with_token,
};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_strs, object};
use crate::world::World;

/// The linking mode and its regions, which must be real regions of the caller's partition
/// (aggregation stays within a partition).
fn check_linking(mode: &str, regions: &Option<Vec<String>>, cx: &Cx) -> Result<(), ApiError> {
    let home = crate::util::partition(&cx.region).0;
    let n = regions.as_ref().map(Vec::len).unwrap_or(0);
    match mode {
        "ALL_REGIONS" | "NO_REGIONS" if n > 0 => Err(invalid(format!(
            "Regions must not be given with RegionLinkingMode {mode}"
        ))),
        "ALL_REGIONS" | "NO_REGIONS" => Ok(()),
        "ALL_REGIONS_EXCEPT_SPECIFIED" | "SPECIFIED_REGIONS" if n == 0 => {
            Err(invalid(format!("RegionLinkingMode {mode} needs Regions")))
        }
        "ALL_REGIONS_EXCEPT_SPECIFIED" | "SPECIFIED_REGIONS" => {
            match regions
                .iter()
                .flatten()
                .find(|r| !REGIONS.contains(&r.as_str()) || crate::util::partition(r).0 != home)
            {
                Some(bad) => Err(invalid(format!("`{bad}` is not a valid Region"))),
                None => Ok(()),
            }
        }
        other => Err(invalid(format!(
            "RegionLinkingMode `{other}` is not one of ALL_REGIONS, ALL_REGIONS_EXCEPT_SPECIFIED, SPECIFIED_REGIONS, NO_REGIONS"
        ))),
    }
}

/// The account's aggregator, wherever its home region is, with that region.
pub(super) fn find_aggregator<'a>(
    w: &'a World,
    account: &str,
) -> Option<(&'a str, &'a Aggregator)> {
    w.regions_of(account)
        .find_map(|(r, s)| s.securityhub.aggregator.as_ref().map(|a| (r, a)))
}

fn aggregator_json(a: &Aggregator, home: &str) -> Value {
    json!({ "FindingAggregatorArn": a.arn, "FindingAggregationRegion": home, "RegionLinkingMode": a.mode, "Regions": a.regions })
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let mode = required_str(body, "RegionLinkingMode")?.to_string();
    let regions = get_strs(body, "Regions");
    check_linking(&mode, &regions, cx)?;
    if let Some((home, _)) = find_aggregator(w, &cx.account) {
        return Err(invalid(format!(
            "A finding aggregator already exists for account {} (home Region {home})",
            cx.account
        )));
    }
    let arn = aggregator_arn(&cx.region, &cx.account, &w.next_uuid());
    let a = Aggregator {
        arn,
        mode,
        regions: regions.unwrap_or_default(),
    };
    let out = aggregator_json(&a, &cx.region);
    own(w, cx).aggregator = Some(a);
    Ok(out)
}

fn aggregator_by_arn<'a>(
    w: &'a mut World,
    cx: &Cx,
    arn: &str,
    home_only: bool,
) -> Result<(&'a mut Aggregator, String), ApiError> {
    let home = find_aggregator(w, &cx.account)
        .filter(|(_, a)| a.arn == arn)
        .map(|(home, _)| home.to_string())
        .ok_or_else(|| not_found(format!("Finding aggregator {arn} not found")))?;
    if home_only && home != cx.region {
        return Err(invalid(format!(
            "The finding aggregator can only be changed from its home Region {home}"
        )));
    }
    let a = sh(w, &cx.account, &home)
        .aggregator
        .as_mut()
        .expect("found");
    Ok((a, home))
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let arn = required_str(body, "FindingAggregatorArn")?.to_string();
    let mode = required_str(body, "RegionLinkingMode")?.to_string();
    let regions = get_strs(body, "Regions");
    check_linking(&mode, &regions, cx)?;
    let (a, home) = aggregator_by_arn(w, cx, &arn, true)?;
    a.mode = mode;
    a.regions = regions.unwrap_or_default();
    Ok(aggregator_json(a, &home))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = required_label(i, "FindingAggregatorArn")?;
    let (_, home) = aggregator_by_arn(w, cx, &arn, true)?;
    // The home region goes with the aggregator, and central configuration with it.
    super::central::end(w, cx, &cx.account);
    sh(w, &cx.account, &home).aggregator = None;
    Ok(json!({}))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = required_label(i, "FindingAggregatorArn")?;
    let (a, home) = aggregator_by_arn(w, cx, &arn, false)?;
    Ok(aggregator_json(a, &home))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let all: Vec<Value> = find_aggregator(w, &cx.account)
        .map(|(_, a)| json!({ "FindingAggregatorArn": a.arn }))
        .into_iter()
        .collect();
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(with_token(
        object([("FindingAggregators", items.into())]),
        next,
    ))
}
