//! The organisation: its accounts (with their status and parent), OUs, walked from the roots
//! through every page.

use super::error::sdk_error;
use super::{AwsProvider, ScopeCx};
use crate::model::catalog::partition_of;
use crate::model::organization::{AccountInfo, AccountStatus, OuInfo};
use crate::model::{AccountId, OrgInfo, ProviderError, Target};

pub(super) async fn read(p: &AwsProvider) -> Result<OrgInfo, ProviderError> {
    let me = p.caller().clone();
    // Organizations is global; its endpoint is in the global region of the partition the
    // configured region (and so the caller's credentials) belong to.
    let global = partition_of(p.clients.base_region()).global_region;
    let org: aws_sdk_organizations::Client = p.clients.client(&me, global, "global").await?;
    let target = Target::Organization(me.clone());
    let cx = ScopeCx::new(p, &me, "global");
    cx.gate("organizations", "DescribeOrganization").await;
    let desc = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| sdk_error(target.clone(), e))?;
    let management = desc
        .organization()
        .and_then(|o| o.master_account_id())
        .and_then(|a| AccountId::parse(a).ok());
    let mut info = OrgInfo {
        management_account: management,
        ..Default::default()
    };

    cx.gate("organizations", "ListRoots").await;
    let mut roots = Vec::new();
    let mut pages = org.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(target.clone(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            cx.gate("organizations", "ListRoots").await;
        }
        roots.extend(
            page.roots()
                .iter()
                .filter_map(|r| r.id().map(str::to_string)),
        );
    }
    // Breadth-first over the OU tree, listing the accounts of every parent.
    let mut parents = roots.clone();
    let mut i = 0;
    while i < parents.len() {
        let parent = parents[i].clone();
        i += 1;
        cx.gate("organizations", "ListOrganizationalUnitsForParent")
            .await;
        let mut pages = org
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(target.clone(), e))?;
            // Each further page is a request of its own, within the same quota.
            if page.next_token().is_some() {
                cx.gate("organizations", "ListOrganizationalUnitsForParent")
                    .await;
            }
            for ou in page.organizational_units() {
                if let Some(id) = ou.id() {
                    info.ous.push(OuInfo {
                        id: id.to_string(),
                        name: ou.name().unwrap_or_default().to_string(),
                        parent: parent.clone(),
                    });
                    parents.push(id.to_string());
                }
            }
        }
        cx.gate("organizations", "ListAccountsForParent").await;
        let mut pages = org
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(target.clone(), e))?;
            // Each further page is a request of its own, within the same quota.
            if page.next_token().is_some() {
                cx.gate("organizations", "ListAccountsForParent").await;
            }
            for a in page.accounts() {
                let Some(id) = a.id().and_then(|x| AccountId::parse(x).ok()) else {
                    continue;
                };
                let state = a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .or_else(|| a.status().map(|s| s.as_str().to_string()))
                    .unwrap_or_default();
                let status = match state.as_str() {
                    "ACTIVE" => AccountStatus::Active,
                    "SUSPENDED" => AccountStatus::Suspended,
                    "CLOSED" => AccountStatus::Closed,
                    // PENDING_ACTIVATION and PENDING_CLOSURE: not usable yet / any more.
                    _ => AccountStatus::PendingClosure,
                };
                if let Some(email) = a.email() {
                    let mut emails = p.emails.lock().unwrap_or_else(|e| e.into_inner());
                    emails.insert(id.as_str().to_string(), email.to_string());
                }
                info.accounts.push(AccountInfo {
                    id,
                    name: a.name().unwrap_or_default().to_string(),
                    status,
                    parent: parent.clone(),
                });
            }
        }
    }
    info.accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(info)
}
