//! What `doctor` reads of Security Hub: the hub, the standards' statuses (with AWS's reason),
//! the product integrations, the administrator's members and aggregator, and findings left in
//! NEW, counted within GetFindings' quota (3 requests a second, pages of 100).

use std::ops::ControlFlow;

use aws_sdk_securityhub::types::{
    AwsSecurityFindingFilters, DateFilter, DateRange, DateRangeComparison, DateRangeUnit,
    StringFilter, StringFilterComparison,
};

use super::findings::each_finding;
use super::{Sh, hub, product};
use crate::model::ProviderError;
use crate::model::catalog::catalog;
use crate::model::health::{
    AggregatorHealth, HealthAsk, MemberHealth, ScopeHealth, StandardHealth, StuckFindings,
};
use crate::provider::aws::ScopeCx;
use crate::provider::aws::error::sdk_error;

pub(in crate::provider::aws) async fn health(
    cx: &ScopeCx<'_>,
    ask: &HealthAsk,
) -> Result<ScopeHealth, ProviderError> {
    let sh = Sh::new(cx).await?;
    let mut h = ScopeHealth::default();
    if hub::describe(&sh).await?.is_none() {
        return Ok(h);
    }
    h.hub = true;
    sh.gate("GetEnabledStandards").await;
    let mut pages = sh.client.get_enabled_standards().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        for s in page.standards_subscriptions() {
            let arn = s.standards_arn().unwrap_or_default();
            h.standards.push(StandardHealth {
                standard: catalog()
                    .standard_by_aws_name(arn)
                    .map(|d| d.id.clone())
                    .unwrap_or_else(|| arn.to_string()),
                status: s
                    .standards_status()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                reason: s
                    .standards_status_reason()
                    .and_then(|r| r.status_reason_code())
                    .map(|c| c.as_str().to_string()),
            });
        }
    }
    h.products = product::names(&sh).await?;
    if ask.members {
        sh.gate("ListMembers").await;
        let mut members = Vec::new();
        let mut pages = sh
            .client
            .list_members()
            .only_associated(false)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(sh.target(), e))?;
            for m in page.members() {
                members.push(MemberHealth {
                    account: m.account_id().unwrap_or_default().to_string(),
                    status: m.member_status().unwrap_or_default().to_string(),
                });
            }
        }
        h.members = Some(members);
    }
    if ask.aggregator {
        h.aggregator = Some(aggregator(&sh).await?);
    }
    Ok(h)
}

async fn aggregator(sh: &Sh<'_>) -> Result<Option<AggregatorHealth>, ProviderError> {
    sh.gate("ListFindingAggregators").await;
    let list = sh
        .client
        .list_finding_aggregators()
        .send()
        .await
        .map_err(|e| sdk_error(sh.target(), e))?;
    let Some(arn) = list
        .finding_aggregators()
        .first()
        .and_then(|a| a.finding_aggregator_arn())
    else {
        return Ok(None);
    };
    sh.gate("GetFindingAggregator").await;
    let a = sh
        .client
        .get_finding_aggregator()
        .finding_aggregator_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error(sh.target(), e))?;
    // An aggregator whose home is another region answers from here too; only home counts.
    if a.finding_aggregation_region() != Some(sh.cx.region) {
        return Ok(None);
    }
    Ok(Some(AggregatorHealth {
        mode: a.region_linking_mode().unwrap_or_default().to_string(),
        regions: a.regions().to_vec(),
    }))
}

fn equals(v: &str) -> StringFilter {
    StringFilter::builder()
        .value(v)
        .comparison(StringFilterComparison::Equals)
        .build()
}

pub(in crate::provider::aws) async fn stuck_findings(
    cx: &ScopeCx<'_>,
    older_than_days: u32,
    limit: u64,
) -> Result<StuckFindings, ProviderError> {
    let sh = Sh::new(cx).await?;
    let filters = AwsSecurityFindingFilters::builder()
        .workflow_status(equals("NEW"))
        .record_state(equals("ACTIVE"))
        .created_at(
            DateFilter::builder()
                .date_range(
                    DateRange::builder()
                        .value(i32::try_from(older_than_days).unwrap_or(i32::MAX))
                        .unit(DateRangeUnit::Days)
                        .comparison(DateRangeComparison::OlderThan)
                        .build(),
                )
                .build(),
        )
        .build();
    let mut out = StuckFindings {
        older_than_days,
        ..Default::default()
    };
    each_finding(&sh, &filters, |f| {
        if out.total >= limit {
            out.truncated = true;
            return ControlFlow::Break(());
        }
        out.total += 1;
        let severity = f
            .severity()
            .and_then(|s| s.label())
            .map(|l| l.as_str().to_string())
            .unwrap_or_else(|| "UNKNOWN".into());
        *out.by_severity.entry(severity).or_default() += 1;
        *out.by_account
            .entry(f.aws_account_id().unwrap_or_default().to_string())
            .or_default() += 1;
        ControlFlow::Continue(())
    })
    .await?;
    Ok(out)
}
