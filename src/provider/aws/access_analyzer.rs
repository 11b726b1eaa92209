//! `analyzer/<name>`: IAM Access Analyzer analyzers with their archive rules. A change of type
//! is a replacement (delete, then create).

use std::collections::BTreeMap;

use aws_sdk_accessanalyzer::Client;
use aws_sdk_accessanalyzer::types::{
    AnalyzerConfiguration, InlineArchiveRule, Type, UnusedAccessConfiguration,
};
use serde_json::{Value, json};

use super::error::{Outcome, before_str, fail, sdk_error, value, value_of};
use super::{ScopeCx, one_by_one};
use crate::model::catalog::partition_of;
use crate::model::resource::*;
use crate::model::state::ScopeState;
use crate::model::{AccountId, Kind, KindSet, ProviderError, Resource, Service, Target};
use crate::model::{Action, Change};

/// Access Analyzer's service principal, for its delegated administrator in Organizations.
const PRINCIPAL: &str = "access-analyzer.amazonaws.com";

/// An Organizations client of the scope's account (Organizations is global: its endpoint is in
/// the partition's global region).
async fn organizations(cx: &ScopeCx<'_>) -> Result<aws_sdk_organizations::Client, ProviderError> {
    let global = partition_of(cx.region).global_region;
    cx.p.clients.client(cx.account, global, cx.region).await
}

/// Whether to read Access Analyzer's delegated administrator here. Organizations keeps one
/// registration for all regions: it reads alike in each of the management account's scopes.
fn holds_admin(cx: &ScopeCx<'_>, kinds: &KindSet) -> bool {
    cx.p.declares(Service::AccessAnalyzer) && kinds.contains(&Kind::DelegatedAdmin)
}

pub(super) async fn read(
    cx: &ScopeCx<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    if holds_admin(cx, kinds) {
        let org = organizations(cx).await?;
        cx.gate("organizations", "ListDelegatedAdministrators")
            .await;
        let r = org
            .list_delegated_administrators()
            .service_principal(PRINCIPAL)
            .send()
            .await
            .map_err(|e| sdk_error(cx.target(), e))?;
        if let Some(id) = r
            .delegated_administrators()
            .iter()
            .filter_map(|a| a.id().and_then(|x| AccountId::parse(x).ok()))
            .min()
        {
            out.insert(
                Kind::DelegatedAdmin,
                Some(Service::AccessAnalyzer.id().to_string()),
                Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
            );
        }
    }
    if !kinds.contains(&Kind::Analyzer) {
        return Ok(());
    }
    let aa: Client = cx.client().await?;
    for (name, v) in by_name(cx, &aa).await? {
        out.insert(Kind::Analyzer, Some(name), Resource::Analyzer(v));
    }
    Ok(())
}

/// The scope's analyzers by name, with their configuration and archive rules.
async fn by_name(
    cx: &ScopeCx<'_>,
    aa: &Client,
) -> Result<BTreeMap<String, AnalyzerValue>, ProviderError> {
    let t = cx.target();
    let mut names = Vec::new();
    cx.gate("access-analyzer", "ListAnalyzers").await;
    let mut pages = aa.list_analyzers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(t.clone(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            cx.gate("access-analyzer", "ListAnalyzers").await;
        }
        for a in page.analyzers() {
            names.push((a.name().to_string(), a.r#type().as_str().to_string()));
        }
    }
    let mut out = BTreeMap::new();
    for (name, ty) in names {
        // ListAnalyzers leaves out the configuration: GetAnalyzer has it.
        cx.gate("access-analyzer", "GetAnalyzer").await;
        let g = aa
            .get_analyzer()
            .analyzer_name(&name)
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
        let age = match g.analyzer().and_then(|a| a.configuration()) {
            Some(aws_sdk_accessanalyzer::types::AnalyzerConfiguration::UnusedAccess(u)) => {
                u.unused_access_age().map(|x| x as u32)
            }
            _ => None,
        };
        let mut rules = BTreeMap::new();
        cx.gate("access-analyzer", "ListArchiveRules").await;
        let mut pages = aa
            .list_archive_rules()
            .analyzer_name(&name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(t.clone(), e))?;
            // Each further page is a request of its own, within the same quota.
            if page.next_token().is_some() {
                cx.gate("access-analyzer", "ListArchiveRules").await;
            }
            for r in page.archive_rules() {
                let filter: BTreeMap<String, Value> = r
                    .filter()
                    .iter()
                    .map(|(k, c)| (k.clone(), criterion_json(c)))
                    .collect();
                rules.insert(r.rule_name().to_string(), json!(filter));
            }
        }
        out.insert(
            name,
            AnalyzerValue {
                analyzer_type: ty,
                unused_access_age: age,
                archive_rules: rules,
            },
        );
    }
    Ok(out)
}

fn criterion_json(c: &aws_sdk_accessanalyzer::types::Criterion) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in [("contains", c.contains()), ("eq", c.eq()), ("neq", c.neq())] {
        if !v.is_empty() {
            m.insert(k.into(), json!(v));
        }
    }
    if let Some(e) = c.exists() {
        m.insert("exists".into(), json!(e));
    }
    Value::Object(m)
}

fn criterion_from(v: &Value) -> aws_sdk_accessanalyzer::types::Criterion {
    let list = |k: &str| {
        v.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
    };
    aws_sdk_accessanalyzer::types::Criterion::builder()
        .set_eq(list("eq"))
        .set_neq(list("neq"))
        .set_contains(list("contains"))
        .set_exists(v.get("exists").and_then(Value::as_bool))
        .build()
}

fn filter_from(
    v: &Value,
) -> std::collections::HashMap<String, aws_sdk_accessanalyzer::types::Criterion> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, c)| (k.clone(), criterion_from(c)))
        .collect()
}

pub(super) async fn apply(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let aa: Client = match cx.client().await {
        Ok(c) => c,
        Err(e) => return super::error::fail_all(batch, &e),
    };
    let aa = &aa;
    one_by_one(batch, |c| async move {
        match c.address.kind {
            Kind::DelegatedAdmin => write_admin(cx, c).await,
            _ => write(cx, aa, c).await,
        }
    })
    .await
}

/// Registers (or deregisters) Access Analyzer's delegated administrator through Organizations,
/// trusted access first: organisation analyzers may be created only in the management account
/// or that administrator's.
async fn write_admin(cx: &ScopeCx<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let org = organizations(cx).await?;
    if let Some(old) = before_str(c, "account") {
        cx.gate("organizations", "DeregisterDelegatedAdministrator")
            .await;
        match org
            .deregister_delegated_administrator()
            .account_id(old)
            .service_principal(PRINCIPAL)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_account_not_registered_exception()) => {}
            Err(e) => return Err(sdk_error(t, e)),
        }
    }
    if c.action == Action::Delete {
        return Ok(());
    }
    let account = value_of!(c, DelegatedAdmin).account;
    cx.gate("organizations", "EnableAWSServiceAccess").await;
    org.enable_aws_service_access()
        .service_principal(PRINCIPAL)
        .send()
        .await
        .map_err(|e| sdk_error(t.clone(), e))?;
    cx.gate("organizations", "RegisterDelegatedAdministrator")
        .await;
    match org
        .register_delegated_administrator()
        .account_id(account.as_str())
        .service_principal(PRINCIPAL)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_account_already_registered_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error(t, e)),
    }
}

async fn write(cx: &ScopeCx<'_>, aa: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let name = c.address.id.as_deref().unwrap_or_default();
    let existing = by_name(cx, aa).await?;
    let current = existing.get(name);
    let want = match c.action {
        Action::Delete => None,
        _ => match value(c)? {
            Resource::Analyzer(v) => Some(v),
            _ => return Err(fail(c, None, "not an analyzer")),
        },
    };
    // The type cannot change: a different type means replace.
    let replace =
        matches!((current, &want), (Some(cur), Some(w)) if cur.analyzer_type != w.analyzer_type);
    if current.is_some() && (want.is_none() || replace) {
        cx.gate("access-analyzer", "DeleteAnalyzer").await;
        match aa.delete_analyzer().analyzer_name(name).send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(sdk_error(t.clone(), e)),
        }
    }
    let Some(w) = want else { return Ok(()) };
    let config = w.unused_access_age.map(|age| {
        AnalyzerConfiguration::UnusedAccess(
            UnusedAccessConfiguration::builder()
                .unused_access_age(age as i32)
                .build(),
        )
    });
    if current.is_none() || replace {
        let mut rules = Vec::new();
        for (rn, f) in &w.archive_rules {
            rules.push(
                InlineArchiveRule::builder()
                    .rule_name(rn)
                    .set_filter(Some(filter_from(f)))
                    .build()
                    .map_err(|e| fail(c, None, e.to_string()))?,
            );
        }
        cx.gate("access-analyzer", "CreateAnalyzer").await;
        aa.create_analyzer()
            .analyzer_name(name)
            .r#type(Type::from(w.analyzer_type.as_str()))
            .set_configuration(config)
            .set_archive_rules(Some(rules))
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
        return Ok(());
    }
    let cur = current.expect("checked");
    if cur.unused_access_age != w.unused_access_age
        && let Some(cfg) = config
    {
        cx.gate("access-analyzer", "UpdateAnalyzer").await;
        aa.update_analyzer()
            .analyzer_name(name)
            .configuration(cfg)
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
    }
    for (rn, f) in &w.archive_rules {
        match cur.archive_rules.get(rn) {
            Some(x) if x == f => {}
            Some(_) => {
                cx.gate("access-analyzer", "UpdateArchiveRule").await;
                aa.update_archive_rule()
                    .analyzer_name(name)
                    .rule_name(rn)
                    .set_filter(Some(filter_from(f)))
                    .send()
                    .await
                    .map_err(|e| sdk_error(t.clone(), e))?;
            }
            None => {
                cx.gate("access-analyzer", "CreateArchiveRule").await;
                aa.create_archive_rule()
                    .analyzer_name(name)
                    .rule_name(rn)
                    .set_filter(Some(filter_from(f)))
                    .send()
                    .await
                    .map_err(|e| sdk_error(t.clone(), e))?;
            }
        }
    }
    for rn in cur
        .archive_rules
        .keys()
        .filter(|r| !w.archive_rules.contains_key(*r))
    {
        cx.gate("access-analyzer", "DeleteArchiveRule").await;
        aa.delete_archive_rule()
            .analyzer_name(name)
            .rule_name(rn)
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
    }
    Ok(())
}
