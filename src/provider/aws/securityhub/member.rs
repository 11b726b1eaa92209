//! `member/<account>`: the administrator's member accounts, created 50 a call; removed by
//! disassociating and deleting (organisation members can only be disassociated).

use aws_sdk_securityhub::types::AccountDetails;

use super::Sh;
use crate::model::Change;
use crate::model::resource::Empty;
use crate::model::state::ScopeState;
use crate::model::{Kind, ProviderError, Resource};
use crate::provider::aws::error::{Outcome, fail, sdk_error};

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    sh.gate("ListMembers").await;
    let mut pages = sh
        .client
        .list_members()
        .only_associated(false)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("ListMembers").await;
        }
        for m in page.members() {
            let gone = matches!(m.member_status(), Some("Removed" | "Resigned" | "Deleted"));
            if let (Some(id), false) = (m.account_id(), gone) {
                out.insert(
                    Kind::Member,
                    Some(id.to_string()),
                    Resource::Member(Empty {}),
                );
            }
        }
    }
    Ok(())
}

fn ids(batch: &[Change]) -> Vec<String> {
    batch
        .iter()
        .map(|c| c.address.id.clone().unwrap_or_default())
        .collect()
}

/// Marks per-account failures (`UnprocessedAccounts`) on their changes.
fn unprocessed(
    batch: &[Change],
    ids: &[String],
    out: &mut [Outcome],
    failed: &[aws_sdk_securityhub::types::Result],
    what: &str,
) {
    for u in failed {
        if let Some(i) = ids.iter().position(|a| Some(a.as_str()) == u.account_id()) {
            out[i] = Err(fail(
                &batch[i],
                Some("UnprocessedAccount"),
                u.processing_result().unwrap_or(what),
            ));
        }
    }
}

pub(super) async fn create(sh: &Sh<'_>, batch: &[Change]) -> Vec<Outcome> {
    let ids = ids(batch);
    let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
    for (n, chunk) in ids.chunks(50).enumerate() {
        let details: Vec<AccountDetails> = chunk
            .iter()
            .map(|a| AccountDetails::builder().account_id(a).build())
            .collect();
        sh.gate("CreateMembers").await;
        match sh
            .client
            .create_members()
            .set_account_details(Some(details))
            .send()
            .await
        {
            Ok(r) => unprocessed(
                batch,
                &ids,
                &mut out,
                r.unprocessed_accounts(),
                "not created",
            ),
            Err(e) => {
                let err = sdk_error(sh.target(), e);
                for i in n * 50..(n * 50 + chunk.len()) {
                    out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
                }
            }
        }
    }
    out
}

pub(super) async fn delete(sh: &Sh<'_>, batch: &[Change]) -> Vec<Outcome> {
    let ids = ids(batch);
    let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
    for (n, chunk) in ids.chunks(50).enumerate() {
        let range = n * 50..(n * 50 + chunk.len());
        sh.gate("DisassociateMembers").await;
        if let Err(e) = sh
            .client
            .disassociate_members()
            .set_account_ids(Some(chunk.to_vec()))
            .send()
            .await
        {
            let err = sdk_error(sh.target(), e);
            for i in range {
                out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
            }
            continue;
        }
        sh.gate("DeleteMembers").await;
        match sh
            .client
            .delete_members()
            .set_account_ids(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(r) => unprocessed(
                batch,
                &ids,
                &mut out,
                r.unprocessed_accounts(),
                "not deleted",
            ),
            // Organisation members cannot be deleted, only disassociated: that is done.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_invalid_input_exception()) => {}
            Err(e) => {
                let err = sdk_error(sh.target(), e);
                for i in range {
                    out[i] = Err(fail(&batch[i], err.code.as_deref(), err.message.clone()));
                }
            }
        }
    }
    out
}
