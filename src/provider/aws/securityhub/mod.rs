//! Security Hub CSPM: one module per kind, each with its read and its batched write. This module
//! holds the per-scope client, the hub gate (nothing but the administrator designation exists
//! without a hub) and the dispatch.

mod control;
mod control_parameters;
pub(super) mod definitions;
pub(crate) mod filters;
pub(crate) mod filters_gen;
pub(crate) mod findings;
mod health;
mod hub;
mod member;
mod org_admin;
mod policy_association;
mod standard;

pub(super) use health::{health, stuck_findings};

use super::error::{Outcome, fail};
use super::{ScopeCx, one_by_one};
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Address, Kind, KindSet, ProviderError};

/// A scope with its Security Hub client.
pub(super) struct Sh<'a> {
    pub cx: &'a ScopeCx<'a>,
    pub client: aws_sdk_securityhub::Client,
}

impl<'a> Sh<'a> {
    async fn new(cx: &'a ScopeCx<'a>) -> Result<Self, ProviderError> {
        Ok(Sh {
            cx,
            client: cx.client().await?,
        })
    }
    async fn gate(&self, op: &'static str) {
        self.cx.gate("securityhub", op).await;
    }
    fn target(&self) -> crate::model::Target {
        self.cx.target()
    }
    fn address(&self, kind: Kind, id: Option<String>) -> Address {
        Address::new(self.cx.account, self.cx.region, kind, id)
    }
}

/// Kinds of the hub read with `<module>::read(sh, out)` and written one change at a time with
/// `<module>::write(sh, change)`, in this order. A new kind of that shape is one line here.
macro_rules! simple_kinds {
    ($($kind:ident => $module:ident;)*) => {
        $(mod $module;)*

        async fn read_simple(
            sh: &Sh<'_>,
            kinds: &KindSet,
            out: &mut ScopeState,
        ) -> Result<(), ProviderError> {
            $(
                if kinds.contains(&Kind::$kind) {
                    $module::read(sh, out).await?;
                }
            )*
            Ok(())
        }

        /// `None` when the batch's kind is not one of these.
        async fn apply_simple(sh: &Sh<'_>, batch: &[Change]) -> Option<Vec<Outcome>> {
            match batch.first()?.address.kind {
                $(Kind::$kind => Some(one_by_one(batch, |c| $module::write(sh, c)).await),)*
                _ => None,
            }
        }
    };
}

simple_kinds! {
    OrgConfig => org_config;
    Aggregator => aggregator;
    Insight => insight;
    ActionTarget => action_target;
    AutomationRule => automation_rule;
    Product => product;
    ConfigPolicy => config_policy;
}

fn is_securityhub(k: Kind) -> bool {
    k.service(Some("securityhub")) == Some(crate::model::Service::SecurityHub)
}

fn reads_any(kinds: &KindSet) -> bool {
    kinds.iter().any(|k| is_securityhub(*k))
}

/// Every control AWS defines in the region (`ListSecurityControlDefinitions`, all pages), with
/// whether it is offered there.
pub(super) async fn control_definitions(
    cx: &ScopeCx<'_>,
) -> Result<Vec<(String, bool)>, ProviderError> {
    let sh = Sh::new(cx).await?;
    let mut out = Vec::new();
    sh.gate("ListSecurityControlDefinitions").await;
    let mut pages = sh
        .client
        .list_security_control_definitions()
        .providers(aws_sdk_securityhub::types::SecurityControlsProvider::Aws)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| crate::provider::aws::error::sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("ListSecurityControlDefinitions").await;
        }
        for d in page
            .security_control_definitions()
            .iter()
            .filter(|d| definitions::aws_provided(d))
        {
            let Some(id) = d.security_control_id() else {
                continue;
            };
            // Unknown availability is not "offered".
            let offered = d
                .current_region_availability()
                .is_some_and(|a| a.as_str() == "AVAILABLE");
            out.push((id.to_string(), offered));
        }
    }
    Ok(out)
}

pub(super) async fn read(
    cx: &ScopeCx<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    if !reads_any(kinds) {
        return Ok(());
    }
    let sh = Sh::new(cx).await?;
    // The organisation-admin ops work without a hub; everything else needs one.
    if kinds.contains(&Kind::DelegatedAdmin) {
        org_admin::read(&sh, out).await?;
    }
    // The management account in a region often holds the designation only: no DescribeHub then.
    if !kinds
        .iter()
        .any(|k| *k != Kind::DelegatedAdmin && is_securityhub(*k))
    {
        return Ok(());
    }
    let Some(described) = hub::describe(&sh).await? else {
        return Ok(());
    };
    if kinds.contains(&Kind::Hub) {
        hub::read(&described, &sh.target(), out)?;
    }
    // Standards: needed for standards, controls and parameters.
    let ready = if [Kind::Standard, Kind::Control, Kind::ControlParameters]
        .iter()
        .any(|k| kinds.contains(k))
    {
        standard::read(&sh, kinds, out).await?
    } else {
        vec![]
    };
    if kinds.contains(&Kind::Control) {
        control::read(&sh, &ready, out).await?;
    }
    if kinds.contains(&Kind::ControlParameters) {
        control_parameters::read(&sh, &ready, out).await?;
    }
    if kinds.contains(&Kind::Member) {
        member::read(&sh, out).await?;
    }
    read_simple(&sh, kinds, out).await?;
    if kinds.contains(&Kind::PolicyAssociation) {
        policy_association::read(&sh, out).await?;
    }
    Ok(())
}

/// Carries out a batch of one Security Hub kind and action in one scope.
pub(super) async fn apply(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let Some(first) = batch.first() else {
        return vec![];
    };
    let sh = match Sh::new(cx).await {
        Ok(sh) => sh,
        Err(e) => return super::error::fail_all(batch, &e),
    };
    let sh = &sh;
    if let Some(outcomes) = apply_simple(sh, batch).await {
        return outcomes;
    }
    match (first.address.kind, first.action) {
        (Kind::Hub, _) => one_by_one(batch, |c| hub::write(sh, c)).await,
        (Kind::Standard, Action::Create) => standard::enable(sh, batch).await,
        (Kind::Standard, _) => standard::disable(sh, batch).await,
        (Kind::Control, _) => control::update(sh, batch).await,
        (Kind::ControlParameters, _) => {
            one_by_one(batch, |c| control_parameters::write(sh, c)).await
        }
        (Kind::Member, Action::Create) => member::create(sh, batch).await,
        (Kind::Member, _) => member::delete(sh, batch).await,
        (Kind::DelegatedAdmin, _) => one_by_one(batch, |c| org_admin::write(sh, c)).await,
        (Kind::PolicyAssociation, Action::Delete) => policy_association::remove(sh, batch).await,
        (Kind::PolicyAssociation, _) => policy_association::associate(sh, batch).await,
        (kind, _) => batch
            .iter()
            .map(|c| {
                Err(fail(
                    c,
                    None,
                    format!("`{kind}` is not a Security Hub kind"),
                ))
            })
            .collect(),
    }
}
