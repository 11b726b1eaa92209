//! `policy-association`: what the delegated administrator applies directly to the root, an OU
//! or an account under central configuration (a configuration policy, by name, or
//! `SELF_MANAGED_SECURITY_HUB`), with AWS's status; addressed by target ID.

use std::collections::BTreeMap;
use std::time::Instant;

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{
    AssociationFilters, AssociationType, ConfigurationPolicyAssociationStatus, Target as ShTarget,
};

use super::Sh;
use super::config_policy::{ids, not_central};
use crate::model::resource::PolicyAssociationValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change, Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, before_str, fail, sdk_error, value_of};

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

/// Reads the directly applied associations only (one list, filtered by AWS): an inherited
/// configuration is the compiler's business, and a failure beneath a target shows in the
/// target's own status.
pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    let names: BTreeMap<String, String> = ids(sh)
        .await?
        .into_iter()
        .map(|(name, id)| (id, name))
        .collect();
    let mut pages = sh
        .client
        .list_configuration_policy_associations()
        .filters(
            AssociationFilters::builder()
                .association_type(AssociationType::Applied)
                .build(),
        )
        .into_paginator()
        .send();
    loop {
        sh.gate("ListConfigurationPolicyAssociations").await;
        let page = match pages.next().await {
            None => break,
            Some(Ok(page)) => page,
            Some(Err(e)) if not_central(&e) => return Ok(()),
            Some(Err(e)) => return Err(sdk_error(sh.target(), e)),
        };
        for a in page.configuration_policy_association_summaries() {
            let (Some(target), Some(policy)) = (a.target_id(), a.configuration_policy_id()) else {
                continue;
            };
            // Terraform reads a missing status as success; so do we.
            let status = a
                .association_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "SUCCESS".into());
            let reason = (status != "SUCCESS")
                .then(|| a.association_status_message().map(str::to_string))
                .flatten();
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
    }
    Ok(())
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
    let mut first: Vec<Option<Outcome>> = Vec::with_capacity(batch.len());
    for c in batch {
        let target = c.address.id.clone().unwrap_or_default();
        if before_str(c, "policy").is_none_or(|p| p == SELF_MANAGED) {
            first.push(None);
            continue;
        }
        sh.gate("StartConfigurationPolicyAssociation").await;
        let started = sh
            .client
            .start_configuration_policy_association()
            .configuration_policy_identifier(SELF_MANAGED)
            .target(target_of(&target))
            .send()
            .await;
        first.push(Some(match started {
            Ok(_) => settle(sh, c, &target).await,
            Err(e) => Err(sdk_error(Target::Address(c.address.clone()), e)),
        }));
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
        Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
        Err(e) => Err(sdk_error(Target::Address(c.address.clone()), e)),
    }
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let target = c.address.id.clone().unwrap_or_default();
    if c.action == Action::Delete {
        return remove(sh, std::slice::from_ref(c))
            .await
            .pop()
            .unwrap_or(Ok(()));
    }
    let v = value_of!(c, PolicyAssociation);
    let id = identifier(sh, c, &v.policy).await?;
    // Starting again replaces what is applied; it also retries a FAILED association.
    sh.gate("StartConfigurationPolicyAssociation").await;
    sh.client
        .start_configuration_policy_association()
        .configuration_policy_identifier(id)
        .target(target_of(&target))
        .send()
        .await
        .map_err(|e| sdk_error(t.clone(), e))?;
    settle(sh, c, &target).await
}

/// Waits for the association to leave PENDING; FAILED is an error with AWS's reason. AWS says
/// it can take up to 24 hours: past the timeout it is left PENDING (the next plan shows it).
async fn settle(sh: &Sh<'_>, c: &Change, target: &str) -> Outcome {
    let opts = sh.cx.opts();
    let deadline = Instant::now() + opts.standard_timeout;
    loop {
        sh.gate("GetConfigurationPolicyAssociation").await;
        let a = sh
            .client
            .get_configuration_policy_association()
            .target(target_of(target))
            .send()
            .await
            .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
        match a.association_status() {
            Some(ConfigurationPolicyAssociationStatus::Pending) if Instant::now() < deadline => {}
            Some(ConfigurationPolicyAssociationStatus::Failed) => {
                return Err(fail(
                    c,
                    Some("AssociationFailed"),
                    a.association_status_message()
                        .unwrap_or("the association failed")
                        .to_string(),
                ));
            }
            _ => return Ok(()),
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}
