//! `insight/<name>`: custom insights, matched by name (AWS does not keep names unique, so two
//! with one name is an error the user must resolve).

use std::collections::BTreeMap;

use serde_json::json;

use super::Sh;
use super::filters_gen::{finding_filters_from_json, finding_filters_to_json};
use crate::model::resource::InsightValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, fail, sdk_error, value_of};

/// Custom insights by name: (ARN, value).
async fn by_name(sh: &Sh<'_>) -> Result<BTreeMap<String, (String, InsightValue)>, ProviderError> {
    let mut out = BTreeMap::new();
    sh.gate("GetInsights").await;
    let mut pages = sh.client.get_insights().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("GetInsights").await;
        }
        for i in page.insights() {
            let (Some(arn), Some(name)) = (i.insight_arn(), i.name()) else {
                continue;
            };
            // Managed insights cannot be changed; only custom ones are ours to manage.
            if !arn.contains("/custom/") {
                continue;
            }
            let value = InsightValue {
                group_by: i.group_by_attribute().unwrap_or_default().into(),
                filters: i
                    .filters()
                    .map(finding_filters_to_json)
                    .unwrap_or_else(|| json!({})),
            };
            if let Some((other, _)) = out.insert(name.to_string(), (arn.to_string(), value)) {
                return Err(ProviderError::new(
                    Target::Address(sh.address(Kind::Insight, Some(name.to_string()))),
                    Some("AmbiguousName"),
                    format!(
                        "two insights are named `{name}` ({other} and {arn}); shubctl matches insights by name, so delete or rename one"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    for (name, (_, v)) in by_name(sh).await? {
        out.insert(Kind::Insight, Some(name), Resource::Insight(v));
    }
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let name = c.address.id.clone().unwrap_or_default();
    let arn = by_name(sh).await?.remove(&name).map(|(arn, _)| arn);
    match (c.action, arn) {
        (Action::Delete, Some(arn)) => {
            sh.gate("DeleteInsight").await;
            sh.client
                .delete_insight()
                .insight_arn(arn)
                .send()
                .await
                .map_err(|e| sdk_error(t, e))?;
        }
        (Action::Delete, None) => {}
        (_, arn) => {
            let v = value_of!(c, Insight);
            let filters = finding_filters_from_json(&v.filters).map_err(|e| fail(c, None, e))?;
            match arn {
                Some(arn) => {
                    sh.gate("UpdateInsight").await;
                    sh.client
                        .update_insight()
                        .insight_arn(arn)
                        .name(&name)
                        .filters(filters)
                        .group_by_attribute(&v.group_by)
                        .send()
                        .await
                        .map_err(|e| sdk_error(t, e))?;
                }
                None => {
                    sh.gate("CreateInsight").await;
                    sh.client
                        .create_insight()
                        .name(&name)
                        .filters(filters)
                        .group_by_attribute(&v.group_by)
                        .send()
                        .await
                        .map_err(|e| sdk_error(t, e))?;
                }
            }
        }
    }
    Ok(())
}
