//! `control/<id>@<standard>`: a control's association with one standard (enabled, or disabled
//! with a reason), read and changed through the standard-agnostic association API, 100 a call.

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{
    AssociationStatus, StandardsControlAssociationId, StandardsControlAssociationUpdate,
};

use super::Sh;
use super::standard::{Ready, arn_of};
use crate::model::Change;
use crate::model::catalog::catalog;
use crate::model::state::ScopeState;
use crate::model::{ProviderError, Resource};
use crate::provider::aws::error::{Outcome, fail, sdk_error, value};

/// Reads the associations of every control of the ready standards, 100 a call with the calls
/// of a scope in parallel, keeping only what is not plainly enabled.
pub(super) async fn read(
    sh: &Sh<'_>,
    ready: &[Ready],
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    let ids: Vec<StandardsControlAssociationId> = ready
        .iter()
        .flat_map(|(short, arn)| {
            catalog().controls_in(short).map(move |c| {
                StandardsControlAssociationId::builder()
                    .security_control_id(c.id.as_str())
                    .standards_arn(arn)
                    .build()
            })
        })
        .collect();
    let short_of = |arn: &str| ready.iter().find(|(_, a)| a == arn).map(|(s, _)| s.clone());
    for (short, _) in ready {
        out.controls.entry(short.clone()).or_default().readable = true;
    }
    let calls = ids.chunks(100).map(|chunk| async move {
        sh.gate("BatchGetStandardsControlAssociations").await;
        sh.client
            .batch_get_standards_control_associations()
            .set_standards_control_association_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error(sh.target(), e))
    });
    for res in futures::future::try_join_all(calls).await? {
        for d in res.standards_control_association_details() {
            let (Some(id), Some(status), Some(short)) = (
                d.security_control_id(),
                d.association_status(),
                d.standards_arn().and_then(short_of),
            ) else {
                continue;
            };
            if status.as_str() == "DISABLED" {
                out.controls.entry(short).or_default().disabled.insert(
                    id.to_string(),
                    d.updated_reason().unwrap_or_default().to_string(),
                );
            }
        }
        // Not found means AWS does not offer the control here. Anything else (access denied,
        // limits) leaves the state unknown: an error.
        for u in res.unprocessed_associations() {
            let code = u.error_code().map(|c| c.as_str()).unwrap_or("");
            if !matches!(code, "RESOURCE_NOT_FOUND" | "NOT_FOUND") {
                return Err(ProviderError::new(
                    sh.target(),
                    Some(code),
                    u.error_reason().unwrap_or("association not readable"),
                ));
            }
            let item = u.standards_control_association_id();
            if let (Some(id), Some(short)) = (
                item.and_then(|i| i.security_control_id()),
                item.and_then(|i| i.standards_arn()).and_then(short_of),
            ) {
                out.controls
                    .entry(short)
                    .or_default()
                    .unavailable
                    .insert(id.to_string());
            }
        }
    }
    Ok(())
}

pub(super) async fn update(sh: &Sh<'_>, batch: &[Change]) -> Vec<Outcome> {
    let mut updates = Vec::new();
    // (control, standards ARN) → index in the batch, to map per-item failures back.
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
    for (i, c) in batch.iter().enumerate() {
        let id = c.address.id.clone().unwrap_or_default();
        let Some((control, short)) = id.split_once('@') else {
            out[i] = Err(fail(c, None, "malformed control address"));
            continue;
        };
        let Some(std_arn) = arn_of(short, sh.cx.region) else {
            out[i] = Err(fail(c, None, "unknown standard"));
            continue;
        };
        let v = match value(c) {
            Ok(Resource::Control(v)) => v,
            Ok(_) => {
                out[i] = Err(fail(c, None, "not a control value"));
                continue;
            }
            Err(e) => {
                out[i] = Err(e);
                continue;
            }
        };
        let status = if v.is_enabled() {
            AssociationStatus::Enabled
        } else {
            AssociationStatus::Disabled
        };
        updates.push(
            StandardsControlAssociationUpdate::builder()
                .standards_arn(&std_arn)
                .security_control_id(control)
                .association_status(status)
                .set_updated_reason(v.reason.clone())
                .build(),
        );
        index.insert((control.to_string(), std_arn), i);
    }
    let key = |item: &StandardsControlAssociationUpdate| {
        (
            item.security_control_id().unwrap_or_default().to_string(),
            item.standards_arn().unwrap_or_default().to_string(),
        )
    };
    for chunk in updates.chunks(100) {
        sh.gate("BatchUpdateStandardsControlAssociations").await;
        match sh
            .client
            .batch_update_standards_control_associations()
            .set_standards_control_association_updates(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(r) => {
                for u in r.unprocessed_association_updates() {
                    let Some(item) = u.standards_control_association_update() else {
                        continue;
                    };
                    if let Some(&i) = index.get(&key(item)) {
                        out[i] = Err(fail(
                            &batch[i],
                            u.error_code().map(|c| c.as_str()),
                            u.error_reason().unwrap_or("not updated"),
                        ));
                    }
                }
            }
            Err(e) => {
                let err = sdk_error(sh.target(), e);
                for item in chunk {
                    if let Some(&i) = index.get(&key(item)) {
                        out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
                    }
                }
            }
        }
    }
    out
}
