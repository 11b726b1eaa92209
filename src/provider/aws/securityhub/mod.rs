//! Security Hub CSPM: one module per kind, each with its read and its batched write. This module
//! holds the per-scope client, the hub gate (nothing but the administrator designation exists
//! without a hub) and the dispatch.

mod action_target;
mod aggregator;
mod automation_rule;
mod control;
mod control_parameters;
pub(crate) mod filters;
pub(crate) mod filters_gen;
mod hub;
mod insight;
mod member;
mod org_admin;
mod org_config;
mod product;
mod standard;

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
        self.cx.gate(op).await;
    }
    fn target(&self) -> crate::model::Target {
        self.cx.target()
    }
    fn address(&self, kind: Kind, id: Option<String>) -> Address {
        Address::new(self.cx.account, self.cx.region, kind, id)
    }
}

fn reads_any(kinds: &KindSet) -> bool {
    kinds
        .iter()
        .any(|k| k.service(Some("securityhub")) == Some(crate::model::Service::SecurityHub))
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
    let Some(described) = hub::describe(&sh).await? else {
        return Ok(());
    };
    if kinds.contains(&Kind::Hub) {
        hub::read(&described, out);
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
    if kinds.contains(&Kind::OrgConfig) {
        org_config::read(&sh, out).await?;
    }
    if kinds.contains(&Kind::Member) {
        member::read(&sh, out).await?;
    }
    if kinds.contains(&Kind::Aggregator) {
        aggregator::read(&sh, out).await?;
    }
    if kinds.contains(&Kind::Insight) {
        insight::read(&sh, out).await?;
    }
    if kinds.contains(&Kind::ActionTarget) {
        action_target::read(&sh, out).await?;
    }
    if kinds.contains(&Kind::AutomationRule) {
        automation_rule::read(&sh, out).await?;
    }
    if kinds.contains(&Kind::Product) {
        product::read(&sh, out).await?;
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
        (Kind::OrgConfig, _) => one_by_one(batch, |c| org_config::write(sh, c)).await,
        (Kind::Aggregator, _) => one_by_one(batch, |c| aggregator::write(sh, c)).await,
        (Kind::Insight, _) => one_by_one(batch, |c| insight::write(sh, c)).await,
        (Kind::ActionTarget, _) => one_by_one(batch, |c| action_target::write(sh, c)).await,
        (Kind::AutomationRule, _) => one_by_one(batch, |c| automation_rule::write(sh, c)).await,
        (Kind::Product, _) => one_by_one(batch, |c| product::write(sh, c)).await,
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
