//! `policy-association`: what the delegated administrator applies directly to the root, an OU
//! or an account under central configuration (a configuration policy, by name, or
//! `SELF_MANAGED_SECURITY_HUB`), with AWS's status; addressed by target ID.

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_securityhub::types::{
    AssociationFilters, AssociationType, ConfigurationPolicyAssociationStatus,
    ConfigurationPolicyAssociationSummary, Target as ShTarget,
};

use super::Sh;
use super::config_policy::{ids, not_central};
use crate::model::resource::AssociationStatus;
use crate::model::resource::PolicyAssociationValue;
use crate::model::state::ScopeState;
use crate::model::{Change, Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, before_str, fail, sdk_error, value_of, wire};

const SELF_MANAGED: &str = "SELF_MANAGED_SECURITY_HUB";

/// The `Target` union for a target ID, told by its prefix as Organizations forms them.
fn target_of(id: &str) -> ShTarget {
    if id.starts_with("r-") {
        ShTarget::RootId(id.to_string())
    } else if id.starts_with("ou-") {
        ShTarget::OrganizationalUnitId(id.to_string())
    } else {
        ShTarget::AccountId(id.to_string())
    }
}

/// Reads the directly applied associations (one list, filtered by AWS), then the inherited
/// ones that FAILED (another). An inherited configuration is the compiler's business, but a
/// parent's own status is what it was at its last Start: AWS does not update it when an account
/// beneath fails later. So an account's own failure is put on the applied associations of the
/// policy it inherits, as drift whose repair (starting them again) re-applies the policy.
pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    let names: BTreeMap<String, String> = ids(sh)
        .await?
        .into_iter()
        .map(|(name, id)| (id, name))
        .collect();
    let Some(applied) = list(
        sh,
        AssociationFilters::builder()
            .association_type(AssociationType::Applied)
            .build(),
    )
    .await?
    else {
        return Ok(());
    };
    let failed_beneath = list(
        sh,
        AssociationFilters::builder()
            .association_type(AssociationType::Inherited)
            .association_status(ConfigurationPolicyAssociationStatus::Failed)
            .build(),
    )
    .await?
    .unwrap_or_default();
    for a in &applied {
        let (Some(target), Some(policy)) = (a.target_id(), a.configuration_policy_id()) else {
            continue;
        };
        // Terraform reads a missing status as success; so do we.
        let status: AssociationStatus = match a.association_status() {
            Some(s) => wire(&sh.target(), "association status", Some(s.as_str()))?,
            None => AssociationStatus::Success,
        };
        let mut reason = (status != AssociationStatus::Success)
            .then(|| a.association_status_message().map(str::to_string))
            .flatten();
        let beneath: Vec<&ConfigurationPolicyAssociationSummary> = failed_beneath
            .iter()
            .filter(|f| f.configuration_policy_id() == Some(policy))
            .collect();
        let status = if status == AssociationStatus::Success && !beneath.is_empty() {
            let first = beneath[0];
            reason = Some(format!(
                "{} target(s) inheriting this policy failed after it was applied; first {}: {}",
                beneath.len(),
                first.target_id().unwrap_or("?"),
                first
                    .association_status_message()
                    .unwrap_or("no reason given")
            ));
            AssociationStatus::Failed
        } else {
            status
        };
        out.insert(
            Kind::PolicyAssociation,
            Some(target.to_string()),
            Resource::PolicyAssociation(PolicyAssociationValue {
                // A policy this administrator does not list stays its UUID: unknown, never
                // one of ours.
                policy: names
                    .get(policy)
                    .cloned()
                    .unwrap_or_else(|| policy.to_string()),
                status,
                reason,
            }),
        );
    }
    Ok(())
}

/// Every association summary the filters select, all pages; None when the organisation is not
/// under central configuration (nothing to read).
async fn list(
    sh: &Sh<'_>,
    filters: AssociationFilters,
) -> Result<Option<Vec<ConfigurationPolicyAssociationSummary>>, ProviderError> {
    let mut pages = sh
        .client
        .list_configuration_policy_associations()
        .filters(filters)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    loop {
        sh.gate("ListConfigurationPolicyAssociations").await;
        match pages.next().await {
            None => return Ok(Some(out)),
            Some(Ok(page)) => out.extend(
                page.configuration_policy_association_summaries()
                    .iter()
                    .cloned(),
            ),
            Some(Err(e)) if not_central(&e) => return Ok(None),
            Some(Err(e)) => return Err(sdk_error(sh.target(), e)),
        }
    }
}

/// The identifier AWS takes for a policy name (or self-managed).
async fn identifier(sh: &Sh<'_>, c: &Change, policy: &str) -> Result<String, ProviderError> {
    if policy == SELF_MANAGED {
        return Ok(SELF_MANAGED.into());
    }
    ids(sh).await?.get(policy).cloned().ok_or_else(|| {
        fail(
            c,
            None,
            format!("configuration policy `{policy}` does not exist"),
        )
    })
}

/// Removes a batch of directly applied associations without any account picking up another
/// configuration policy on the way. Disassociated, a target inherits its closest parent's
/// configuration, which AWS applies: taken one by one, an OU would get the root's policy while
/// the root's own association waits its turn. So every target with a policy is first made
/// self-managed (AWS keeps an account's settings when it becomes self-managed), and only then
/// is each disassociated: what a target inherits then is what the plan leaves above it.
pub(super) async fn remove(sh: &Sh<'_>, batch: &[Change]) -> Vec<Outcome> {
    // Every target with a policy is started as self-managed, then all are waited for together.
    let mut first: Vec<Option<Outcome>> = Vec::with_capacity(batch.len());
    let mut started = Vec::new();
    for (i, c) in batch.iter().enumerate() {
        let target = c.address.id.clone().unwrap_or_default();
        if before_str(c, "policy").is_none_or(|p| p == SELF_MANAGED) {
            first.push(None);
            continue;
        }
        sh.gate("StartConfigurationPolicyAssociation").await;
        match sh
            .client
            .start_configuration_policy_association()
            .configuration_policy_identifier(SELF_MANAGED)
            .target(target_of(&target))
            .send()
            .await
        {
            Ok(_) => {
                started.push(i);
                first.push(Some(Ok(())));
            }
            Err(e) => first.push(Some(Err(sdk_error(Target::Address(c.address.clone()), e)))),
        }
    }
    for (i, settled) in settle_all(sh, batch, &started).await {
        first[i] = Some(settled);
    }
    let mut out = Vec::with_capacity(batch.len());
    for (c, first) in batch.iter().zip(first) {
        out.push(match first {
            Some(Err(e)) => Err(e),
            Some(Ok(())) => disassociate(sh, c, SELF_MANAGED.into()).await,
            None => match before_str(c, "policy") {
                Some(p) => disassociate(sh, c, p.to_string()).await,
                None => Ok(()),
            },
        });
    }
    out
}

/// Disassociates `policy` (a name, or self-managed) from the change's target.
async fn disassociate(sh: &Sh<'_>, c: &Change, policy: String) -> Outcome {
    let target = c.address.id.clone().unwrap_or_default();
    let id = match identifier(sh, c, &policy).await {
        Ok(id) => id,
        // The policy is gone, and its associations with it.
        Err(_) => return Ok(()),
    };
    sh.gate("StartConfigurationPolicyDisassociation").await;
    match sh
        .client
        .start_configuration_policy_disassociation()
        .configuration_policy_identifier(id)
        .target(target_of(&target))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error(Target::Address(c.address.clone()), e)),
    }
}

/// Creates or replaces a batch of associations: every one is started, then all are waited for
/// together (AWS applies each in its own time; waiting one by one would add their waits up).
pub(super) async fn associate(sh: &Sh<'_>, batch: &[Change]) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = Vec::with_capacity(batch.len());
    let mut started = Vec::new();
    for (i, c) in batch.iter().enumerate() {
        out.push(start(sh, c).await);
        if out[i].is_ok() {
            started.push(i);
        }
    }
    for (i, settled) in settle_all(sh, batch, &started).await {
        out[i] = settled;
    }
    out
}

/// Starts one association. Starting again replaces what is applied; it also retries a FAILED
/// association.
async fn start(sh: &Sh<'_>, c: &Change) -> Outcome {
    let target = c.address.id.clone().unwrap_or_default();
    let v = value_of!(c, PolicyAssociation);
    let id = identifier(sh, c, &v.policy).await?;
    sh.gate("StartConfigurationPolicyAssociation").await;
    sh.client
        .start_configuration_policy_association()
        .configuration_policy_identifier(id)
        .target(target_of(&target))
        .send()
        .await
        .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
    Ok(())
}

/// Waits for the started associations (indexes into `batch`) to leave PENDING, polling them
/// together; FAILED is an error with AWS's reason. AWS says an association can take up to 24
/// hours: past the timeout it is left PENDING (the next plan shows it).
async fn settle_all(sh: &Sh<'_>, batch: &[Change], started: &[usize]) -> Vec<(usize, Outcome)> {
    let opts = sh.cx.opts();
    let deadline = Instant::now() + opts.standard_timeout;
    let mut pending: Vec<usize> = started.to_vec();
    let mut out = Vec::with_capacity(started.len());
    while !pending.is_empty() {
        let mut still = Vec::new();
        for i in pending {
            let c = &batch[i];
            let target = c.address.id.clone().unwrap_or_default();
            sh.gate("GetConfigurationPolicyAssociation").await;
            let a = match sh
                .client
                .get_configuration_policy_association()
                .target(target_of(&target))
                .send()
                .await
            {
                Ok(a) => a,
                Err(e) => {
                    out.push((i, Err(sdk_error(Target::Address(c.address.clone()), e))));
                    continue;
                }
            };
            match a.association_status() {
                Some(ConfigurationPolicyAssociationStatus::Pending)
                    if Instant::now() < deadline =>
                {
                    still.push(i)
                }
                Some(ConfigurationPolicyAssociationStatus::Failed) => out.push((
                    i,
                    Err(fail(
                        c,
                        Some("AssociationFailed"),
                        a.association_status_message()
                            .unwrap_or("the association failed")
                            .to_string(),
                    )),
                )),
                _ => out.push((i, Ok(()))),
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(opts.poll_interval).await;
        }
    }
    out
}
