//! `delegated-admin/securityhub`: the Security Hub administrator, designated from the
//! management account.

use std::time::Instant;

use super::Sh;
use crate::model::resource::DelegatedAdminValue;
use crate::model::state::ScopeState;
use crate::model::{AccountId, Kind, ProviderError, Resource, Service, Target};
use crate::model::{Action, Change};
use crate::provider::aws::error::{Outcome, before_str, fail, sdk_error, value_of};

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    sh.gate("ListOrganizationAdminAccounts").await;
    let mut pages = sh
        .client
        .list_organization_admin_accounts()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("ListOrganizationAdminAccounts").await;
        }
        for a in page.admin_accounts() {
            if let Some(id) = a.account_id().and_then(|x| AccountId::parse(x).ok()) {
                out.insert(
                    Kind::DelegatedAdmin,
                    Some(Service::SecurityHub.id().into()),
                    Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                );
            }
        }
    }
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let new = match c.action {
        Action::Delete => None,
        _ => Some(value_of!(c, DelegatedAdmin).account),
    };
    let old = before_str(c, "account");
    if let Some(old) = old {
        sh.gate("DisableOrganizationAdminAccount").await;
        sh.client
            .disable_organization_admin_account()
            .admin_account_id(old)
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
    }
    if let Some(new) = &new {
        sh.gate("EnableOrganizationAdminAccount").await;
        sh.client
            .enable_organization_admin_account()
            .admin_account_id(new.as_str())
            .send()
            .await
            .map_err(|e| sdk_error(t, e))?;
    }
    wait(sh, new.as_ref().map(AccountId::as_str), c).await
}

/// Polls until the administrator is `want` (or none), ENABLED.
async fn wait(sh: &Sh<'_>, want: Option<&str>, c: &Change) -> Outcome {
    let opts = sh.cx.opts();
    let deadline = Instant::now() + opts.standard_timeout;
    loop {
        sh.gate("ListOrganizationAdminAccounts").await;
        let r = sh
            .client
            .list_organization_admin_accounts()
            .send()
            .await
            .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
        let admins: Vec<(&str, &str)> = r
            .admin_accounts()
            .iter()
            .map(|a| {
                (
                    a.account_id().unwrap_or_default(),
                    a.status().map(|s| s.as_str()).unwrap_or(""),
                )
            })
            .collect();
        let done = match want {
            Some(w) => admins.iter().any(|(a, s)| *a == w && *s == "ENABLED"),
            None => admins.is_empty(),
        };
        if done {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(fail(
                c,
                Some("Timeout"),
                format!(
                    "the administrator did not settle within {:?}",
                    opts.standard_timeout
                ),
            ));
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}
