//! `standard/<short name>`: standards subscriptions. Enabling and disabling are asynchronous;
//! both wait (PENDING → READY, DELETING → gone) so the control changes that follow find the
//! standard ready.

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_securityhub::types::{StandardsStatus, StandardsSubscriptionRequest};

use super::Sh;
use crate::model::Change;
use crate::model::catalog::{catalog, standard_arn};
use crate::model::resource::Empty;
use crate::model::state::ScopeState;
use crate::model::{Kind, KindSet, ProviderError, Resource};
use crate::provider::aws::error::{Outcome, fail, fail_all, sdk_error};

/// A standard whose controls can be read and changed: (short name, ARN).
pub(super) type Ready = (String, String);

/// The regional ARN of a standard by short name.
pub(super) fn arn_of(short: &str, region: &str) -> Option<String> {
    catalog().standard(short).map(|d| standard_arn(d, region))
}

/// Reads the subscriptions into `standard` resources (and, for controls, which standards'
/// controls can be read), and returns the ones whose controls are updatable: controls and
/// parameters are read only for those.
pub(super) async fn read(
    sh: &Sh<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<Vec<Ready>, ProviderError> {
    let mut ready = Vec::new();
    sh.gate("GetEnabledStandards").await;
    let mut pages = sh.client.get_enabled_standards().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("GetEnabledStandards").await;
        }
        for s in page.standards_subscriptions() {
            // FAILED / DELETING subscriptions are treated as absent (being gone or broken).
            if matches!(
                s.standards_status(),
                Some(StandardsStatus::Failed | StandardsStatus::Deleting)
            ) {
                continue;
            }
            let Some(arn) = s.standards_arn() else {
                continue;
            };
            let Some(def) = catalog().standard_by_aws_name(arn) else {
                continue;
            };
            if kinds.contains(&Kind::Standard) {
                out.insert(
                    Kind::Standard,
                    Some(def.id.clone()),
                    Resource::Standard(Empty {}),
                );
            }
            let updatable = s
                .standards_controls_updatable()
                .map(|u| u.as_str() == "READY_FOR_UPDATES")
                .unwrap_or(true);
            if kinds.contains(&Kind::Control) {
                // Until the standard is ready, nothing is known of its controls.
                out.controls.entry(def.id.clone()).or_default().readable = updatable;
            }
            if updatable {
                ready.push((def.id.clone(), arn.to_string()));
            }
        }
    }
    Ok(ready)
}

/// Standards ARN → (subscription ARN, status), with READY-but-not-updatable as PENDING.
async fn subscriptions(sh: &Sh<'_>) -> Result<BTreeMap<String, (String, String)>, ProviderError> {
    let mut out = BTreeMap::new();
    sh.gate("GetEnabledStandards").await;
    let mut pages = sh.client.get_enabled_standards().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("GetEnabledStandards").await;
        }
        for s in page.standards_subscriptions() {
            if let (Some(std), Some(sub)) = (s.standards_arn(), s.standards_subscription_arn()) {
                let status = s
                    .standards_status()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default();
                // Controls are updatable only once the subscription says so.
                let ready = s
                    .standards_controls_updatable()
                    .is_none_or(|u| u.as_str() == "READY_FOR_UPDATES");
                let status = if status == "READY" && !ready {
                    "PENDING".to_string()
                } else {
                    status
                };
                out.insert(std.to_string(), (sub.to_string(), status));
            }
        }
    }
    Ok(out)
}

/// Subscriptions as read: standards ARN → (subscription ARN, status).
struct Subs(BTreeMap<String, (String, String)>);

impl Subs {
    /// When every wanted standard has left PENDING, their statuses.
    fn get_ready_for(&self, arns: &[Option<String>]) -> Option<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for a in arns.iter().flatten() {
            match self.0.get(a) {
                Some((_, s)) if s == "PENDING" => return None,
                Some((_, s)) => {
                    out.insert(a.clone(), s.clone());
                }
                // Not listed yet (eventual consistency): keep polling.
                None => return None,
            }
        }
        Some(out)
    }
    /// When every wanted standard is gone (or has FAILED to go), what is left of them.
    fn gone(&self, arns: &[Option<String>]) -> Option<BTreeMap<String, String>> {
        let mut left = BTreeMap::new();
        for a in arns.iter().flatten() {
            match self.0.get(a) {
                None => {}
                Some((_, s)) if s == "FAILED" => {
                    left.insert(a.clone(), s.clone());
                }
                Some(_) => return None,
            }
        }
        Some(left)
    }
}

/// Polls the subscriptions until `done` says so or the timeout passes.
async fn wait(
    sh: &Sh<'_>,
    done: impl Fn(&Subs) -> Option<BTreeMap<String, String>>,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let opts = sh.cx.opts();
    let deadline = Instant::now() + opts.standard_timeout;
    loop {
        let subs = Subs(subscriptions(sh).await?);
        if let Some(r) = done(&subs) {
            return Ok(r);
        }
        if Instant::now() >= deadline {
            return Err(ProviderError::new(
                sh.target(),
                Some("Timeout"),
                format!(
                    "standards did not settle within {:?}",
                    opts.standard_timeout
                ),
            ));
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}

fn arns(sh: &Sh<'_>, batch: &[Change]) -> Vec<Option<String>> {
    batch
        .iter()
        .map(|c| arn_of(c.address.id.as_deref().unwrap_or_default(), sh.cx.region))
        .collect()
}

pub(super) async fn enable(sh: &Sh<'_>, batch: &[Change]) -> Vec<Outcome> {
    let arns = arns(sh, batch);
    let requests: Vec<StandardsSubscriptionRequest> = arns
        .iter()
        .flatten()
        .map(|a| {
            StandardsSubscriptionRequest::builder()
                .standards_arn(a)
                .build()
        })
        .collect();
    for chunk in requests.chunks(25) {
        sh.gate("BatchEnableStandards").await;
        if let Err(e) = sh
            .client
            .batch_enable_standards()
            .set_standards_subscription_requests(Some(chunk.to_vec()))
            .send()
            .await
        {
            return fail_all(batch, &sdk_error(sh.target(), e));
        }
    }
    // Controls can only be changed once a standard is READY: wait here, so the control
    // changes that follow in the plan find it ready.
    let waited = wait(sh, |s| s.get_ready_for(&arns)).await;
    batch
        .iter()
        .zip(&arns)
        .map(|(c, arn)| match (arn, &waited) {
            (None, _) => Err(fail(c, None, "unknown standard")),
            (Some(a), Ok(states)) => match states.get(a).map(String::as_str) {
                Some("READY") => Ok(()),
                Some(s) => Err(fail(
                    c,
                    Some("StandardNotReady"),
                    format!("the standard is {s}"),
                )),
                None => Err(fail(
                    c,
                    Some("StandardNotReady"),
                    "the standard did not appear as enabled",
                )),
            },
            (Some(_), Err(e)) => Err(fail(c, e.code.as_deref(), e.message.clone())),
        })
        .collect()
}

pub(super) async fn disable(sh: &Sh<'_>, batch: &[Change]) -> Vec<Outcome> {
    let subs = match subscriptions(sh).await {
        Ok(s) => s,
        Err(e) => return fail_all(batch, &e),
    };
    let wanted = arns(sh, batch);
    let sub_arns: Vec<String> = wanted
        .iter()
        .flatten()
        .filter_map(|a| subs.get(a).map(|(sub, _)| sub.clone()))
        .collect();
    for chunk in sub_arns.chunks(25) {
        sh.gate("BatchDisableStandards").await;
        if let Err(e) = sh
            .client
            .batch_disable_standards()
            .set_standards_subscription_arns(Some(chunk.to_vec()))
            .send()
            .await
        {
            return fail_all(batch, &sdk_error(sh.target(), e));
        }
    }
    let gone = wait(sh, |s| s.gone(&wanted)).await;
    batch
        .iter()
        .zip(&wanted)
        .map(|(c, arn)| match &gone {
            Ok(left) => match arn.as_ref().and_then(|a| left.get(a)) {
                Some(status) => Err(fail(
                    c,
                    Some("StandardsStatusFailed"),
                    format!("disabling the standard ended {status}"),
                )),
                None => Ok(()),
            },
            Err(e) => Err(fail(c, e.code.as_deref(), e.message.clone())),
        })
        .collect()
}
