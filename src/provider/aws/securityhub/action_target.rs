//! `action-target/<id>`: custom actions (EventBridge targets for findings sent by hand).


use super::Sh;
use crate::model::catalog::partition_of;
use crate::model::resource::ActionTargetValue;
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, sdk_error, value_of};

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    sh.gate("DescribeActionTargets").await;
    let mut pages = sh.client.describe_action_targets().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        for t in page.action_targets() {
            let Some(id) = t.action_target_arn().and_then(|a| a.rsplit('/').next()) else {
                continue;
            };
            if id == crate::model::resource::LOCK_ACTION_TARGET {
                continue;
            }
            out.insert(
                Kind::ActionTarget,
                Some(id.to_string()),
                Resource::ActionTarget(ActionTargetValue {
                    name: t.name().unwrap_or_default().into(),
                    description: t.description().unwrap_or_default().into(),
                }),
            );
        }
    }
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let id = c.address.id.clone().unwrap_or_default();
    let arn = format!(
        "arn:{}:securityhub:{}:{}:action/custom/{id}",
        partition_of(sh.cx.region).name,
        sh.cx.region,
        sh.cx.account
    );
    if c.action == Action::Delete {
        sh.gate("DeleteActionTarget").await;
        return match sh
            .client
            .delete_action_target()
            .action_target_arn(arn)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
            Err(e) => Err(sdk_error(t, e)),
        };
    }
    let v = value_of!(c, ActionTarget);
    if c.action == Action::Create {
        sh.gate("CreateActionTarget").await;
        match sh
            .client
            .create_action_target()
            .id(&id)
            .name(&v.name)
            .description(&v.description)
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            // Exists already: fall through to update it.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_conflict_exception()) => {}
            Err(e) => return Err(sdk_error(t, e)),
        }
    }
    sh.gate("UpdateActionTarget").await;
    sh.client
        .update_action_target()
        .action_target_arn(arn)
        .name(&v.name)
        .description(&v.description)
        .send()
        .await
        .map_err(|e| sdk_error(t, e))?;
    Ok(())
}
