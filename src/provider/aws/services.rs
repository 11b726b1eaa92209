//! The integrated services: GuardDuty, Inspector, Macie and IAM Access Analyzer, per account ×
//! region, plus their delegated administrators (designated from the management account) and
//! organisation settings (held by the administrator). Each service has its own quirks; they are
//! noted where they are handled.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use aws_config::Region;
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use serde_json::{Value, json};

use super::{AwsProvider, sdk_error};
use crate::diff::{Action, Change};
use crate::model::resource::*;
use crate::model::{AccountId, Address, Kind, KindSet, Resource};
use crate::provider::ProviderError;

/// GuardDuty's foundational data sources are always on and not features one manages.
const FOUNDATIONAL: [&str; 3] = ["FLOW_LOGS", "CLOUD_TRAIL", "DNS_LOGS"];

macro_rules! client {
    ($p:expr, $account:expr, $region:expr, $krate:ident) => {{
        let cfg = $p.config_for($account).await?;
        $krate::Client::from_conf(
            $krate::config::Builder::from(&cfg)
                .region(Region::new($region.to_string()))
                .interceptor($p.counter($account, $region))
                .build(),
        )
    }};
}

fn err(target: &str, code: Option<&str>, message: impl Into<String>) -> ProviderError {
    ProviderError {
        target: target.to_string(),
        code: code.map(str::to_string),
        message: message.into(),
    }
}

/// Reads the integrated-service kinds of one scope into `out`.
pub(super) async fn read(
    p: &AwsProvider,
    account: &AccountId,
    region: &str,
    kinds: &KindSet,
    out: &mut Vec<(Address, Resource)>,
) -> Result<(), ProviderError> {
    let t = format!("{account}/{region}");
    let declared = &p.opts.services;
    if kinds.contains(&Kind::GuardDuty)
        || (declared.contains("guardduty")
            && (kinds.contains(&Kind::DelegatedAdmin) || kinds.contains(&Kind::OrgConfig)))
    {
        let gd = client!(p, account, region, aws_sdk_guardduty);
        let detector = guardduty_detector(p, &gd, account, region).await?;
        if kinds.contains(&Kind::GuardDuty) {
            if let Some(id) = &detector {
                p.gate(account, region, "GetDetector").await;
                let d = gd
                    .get_detector()
                    .detector_id(id)
                    .send()
                    .await
                    .map_err(|e| sdk_error(&t, e))?;
                let features = d
                    .features()
                    .iter()
                    .filter_map(|f| {
                        Some((
                            f.name()?.as_str().to_string(),
                            f.status()?.as_str().to_string(),
                        ))
                    })
                    .filter(|(n, _)| !FOUNDATIONAL.contains(&n.as_str()))
                    .collect();
                out.push((
                    Address::singleton(account, region, Kind::GuardDuty),
                    Resource::GuardDuty(GuardDutyValue {
                        status: d
                            .status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        finding_publishing_frequency: d
                            .finding_publishing_frequency()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        features,
                    }),
                ));
            }
        }
        if declared.contains("guardduty") && kinds.contains(&Kind::DelegatedAdmin) {
            p.gate(account, region, "ListOrganizationAdminAccounts")
                .await;
            match gd.list_organization_admin_accounts().send().await {
                Ok(r) => {
                    for a in r.admin_accounts() {
                        if let Some(id) =
                            a.admin_account_id().and_then(|x| AccountId::parse(x).ok())
                        {
                            out.push((
                                Address::keyed(account, region, Kind::DelegatedAdmin, "guardduty"),
                                Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                            ));
                        }
                    }
                }
                Err(e) => return Err(sdk_error(&t, e)),
            }
        }
        if declared.contains("guardduty") && kinds.contains(&Kind::OrgConfig) {
            if let Some(id) = &detector {
                // The features list is paged (nextToken); the settings come with every page.
                let mut token: Option<String> = None;
                let mut features: BTreeMap<String, String> = BTreeMap::new();
                let mut members = None;
                let mut readable = true;
                loop {
                    p.gate(account, region, "DescribeOrganizationConfiguration")
                        .await;
                    // Not the administrator (yet): GuardDuty answers BadRequest; nothing to read.
                    let Ok(c) = gd
                        .describe_organization_configuration()
                        .detector_id(id)
                        .set_next_token(token.clone())
                        .send()
                        .await
                    else {
                        readable = false;
                        break;
                    };
                    members = c
                        .auto_enable_organization_members()
                        .map(|m| m.as_str().to_string());
                    features.extend(c.features().iter().filter_map(|f| {
                        Some((
                            f.name()?.as_str().to_string(),
                            f.auto_enable()?.as_str().to_string(),
                        ))
                    }));
                    token = c.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                if readable {
                    out.push((
                        Address::keyed(account, region, Kind::OrgConfig, "guardduty"),
                        Resource::OrgConfig(OrgConfigValue {
                            auto_enable_members: members,
                            features: Some(features),
                            ..Default::default()
                        }),
                    ));
                }
            }
        }
    }
    if kinds.contains(&Kind::Macie)
        || (declared.contains("macie")
            && (kinds.contains(&Kind::DelegatedAdmin) || kinds.contains(&Kind::OrgConfig)))
    {
        let mc = client!(p, account, region, aws_sdk_macie2);
        if kinds.contains(&Kind::Macie) {
            p.gate(account, region, "GetMacieSession").await;
            match mc.get_macie_session().send().await {
                Ok(s) => out.push((
                    Address::singleton(account, region, Kind::Macie),
                    Resource::Macie(MacieValue {
                        status: s
                            .status()
                            .map(|x| x.as_str().to_string())
                            .unwrap_or_default(),
                        finding_publishing_frequency: s
                            .finding_publishing_frequency()
                            .map(|x| x.as_str().to_string())
                            .unwrap_or_default(),
                    }),
                )),
                // "Macie is not enabled" comes as an access error (seen with HTTP 401): absent.
                Err(e) if e.code() == Some("AccessDeniedException") => {}
                Err(e) => return Err(sdk_error(&t, e)),
            }
        }
        if declared.contains("macie") && kinds.contains(&Kind::DelegatedAdmin) {
            p.gate(account, region, "ListOrganizationAdminAccounts")
                .await;
            let r = mc
                .list_organization_admin_accounts()
                .send()
                .await
                .map_err(|e| sdk_error(&t, e))?;
            for a in r.admin_accounts() {
                if let Some(id) = a.account_id().and_then(|x| AccountId::parse(x).ok()) {
                    out.push((
                        Address::keyed(account, region, Kind::DelegatedAdmin, "macie"),
                        Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                    ));
                }
            }
        }
        if declared.contains("macie") && kinds.contains(&Kind::OrgConfig) {
            p.gate(account, region, "DescribeOrganizationConfiguration")
                .await;
            if let Ok(c) = mc.describe_organization_configuration().send().await {
                out.push((
                    Address::keyed(account, region, Kind::OrgConfig, "macie"),
                    Resource::OrgConfig(OrgConfigValue {
                        auto_enable: c.auto_enable(),
                        ..Default::default()
                    }),
                ));
            }
        }
    }
    if kinds.contains(&Kind::Inspector)
        || (declared.contains("inspector")
            && (kinds.contains(&Kind::DelegatedAdmin) || kinds.contains(&Kind::OrgConfig)))
    {
        let ins = client!(p, account, region, aws_sdk_inspector2);
        if kinds.contains(&Kind::Inspector) {
            let types = inspector_states(p, &ins, account, region, &[account.to_string()])
                .await?
                .remove(account.as_str())
                .unwrap_or_default();
            if !types.is_empty() {
                out.push((
                    Address::singleton(account, region, Kind::Inspector),
                    Resource::Inspector(InspectorValue {
                        resource_types: types.into_keys().collect(),
                    }),
                ));
            }
        }
        if declared.contains("inspector") && kinds.contains(&Kind::DelegatedAdmin) {
            p.gate(account, region, "ListDelegatedAdminAccounts").await;
            match ins.list_delegated_admin_accounts().send().await {
                Ok(r) => {
                    for a in r.delegated_admin_accounts() {
                        if let Some(id) = a.account_id().and_then(|x| AccountId::parse(x).ok()) {
                            out.push((
                                Address::keyed(account, region, Kind::DelegatedAdmin, "inspector"),
                                Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                            ));
                        }
                    }
                }
                Err(e) => return Err(sdk_error(&t, e)),
            }
        }
        if declared.contains("inspector") && kinds.contains(&Kind::OrgConfig) {
            p.gate(account, region, "DescribeOrganizationConfiguration")
                .await;
            if let Ok(c) = ins.describe_organization_configuration().send().await {
                if let Some(a) = c.auto_enable() {
                    let mut types = Vec::new();
                    for (name, on) in [
                        ("EC2", Some(a.ec2())),
                        ("ECR", Some(a.ecr())),
                        ("LAMBDA", a.lambda()),
                        ("LAMBDA_CODE", a.lambda_code()),
                    ] {
                        if on == Some(true) {
                            types.push(name.to_string());
                        }
                    }
                    out.push((
                        Address::keyed(account, region, Kind::OrgConfig, "inspector"),
                        Resource::OrgConfig(OrgConfigValue {
                            resource_types: Some(types),
                            ..Default::default()
                        }),
                    ));
                }
            }
        }
    }
    if kinds.contains(&Kind::Analyzer) {
        let aa = client!(p, account, region, aws_sdk_accessanalyzer);
        for (name, v) in analyzers(p, &aa, account, region).await? {
            out.push((
                Address::keyed(account, region, Kind::Analyzer, name),
                Resource::Analyzer(v),
            ));
        }
    }
    Ok(())
}

async fn guardduty_detector(
    p: &AwsProvider,
    gd: &aws_sdk_guardduty::Client,
    account: &AccountId,
    region: &str,
) -> Result<Option<String>, ProviderError> {
    // One detector per account and region: find it, never create a second.
    p.gate(account, region, "ListDetectors").await;
    let r = gd
        .list_detectors()
        .send()
        .await
        .map_err(|e| sdk_error(format!("{account}/{region}"), e))?;
    Ok(r.detector_ids().first().cloned())
}

/// Inspector resource types → status per account, as BatchGetAccountStatus reports them to
/// `caller` (ENABLING counts), 100 accounts a call.
async fn inspector_states(
    p: &AwsProvider,
    ins: &aws_sdk_inspector2::Client,
    caller: &AccountId,
    region: &str,
    accounts: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    let mut now: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for chunk in accounts.chunks(100) {
        p.gate(caller, region, "BatchGetAccountStatus").await;
        let r = ins
            .batch_get_account_status()
            .set_account_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error(format!("{caller}/{region}"), e))?;
        for a in r.accounts() {
            let Some(rs) = a.resource_state() else {
                continue;
            };
            let entry = now.entry(a.account_id().to_string()).or_default();
            for (name, st) in [
                ("EC2", rs.ec2()),
                ("ECR", rs.ecr()),
                ("LAMBDA", rs.lambda()),
                ("LAMBDA_CODE", rs.lambda_code()),
            ] {
                if let Some(st) =
                    st.filter(|s| matches!(s.status().as_str(), "ENABLED" | "ENABLING"))
                {
                    entry.insert(name.to_string(), st.status().as_str().to_string());
                }
            }
        }
    }
    Ok(now)
}

async fn analyzers(
    p: &AwsProvider,
    aa: &aws_sdk_accessanalyzer::Client,
    account: &AccountId,
    region: &str,
) -> Result<BTreeMap<String, AnalyzerValue>, ProviderError> {
    let t = format!("{account}/{region}");
    let mut names = Vec::new();
    p.gate(account, region, "ListAnalyzers").await;
    let mut pages = aa.list_analyzers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(&t, e))?;
        for a in page.analyzers() {
            names.push((a.name().to_string(), a.r#type().as_str().to_string()));
        }
    }
    let mut out = BTreeMap::new();
    for (name, ty) in names {
        // ListAnalyzers leaves out the configuration: GetAnalyzer has it.
        p.gate(account, region, "GetAnalyzer").await;
        let g = aa
            .get_analyzer()
            .analyzer_name(&name)
            .send()
            .await
            .map_err(|e| sdk_error(&t, e))?;
        let age = match g.analyzer().and_then(|a| a.configuration()) {
            Some(aws_sdk_accessanalyzer::types::AnalyzerConfiguration::UnusedAccess(u)) => {
                u.unused_access_age().map(|x| x as u32)
            }
            _ => None,
        };
        let mut rules = BTreeMap::new();
        p.gate(account, region, "ListArchiveRules").await;
        let mut pages = aa
            .list_archive_rules()
            .analyzer_name(&name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error(&t, e))?;
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

fn value(c: &Change) -> Result<Resource, ProviderError> {
    let after = c
        .after
        .clone()
        .ok_or_else(|| err(&c.address.to_string(), None, "the change has no value"))?;
    Resource::from_json(c.address.kind, after)
        .map_err(|e| err(&c.address.to_string(), None, e.to_string()))
}

/// Whether a change is one of this module's.
pub(super) fn handles(c: &Change) -> bool {
    matches!(
        c.address.kind,
        Kind::GuardDuty | Kind::Inspector | Kind::Macie | Kind::Analyzer
    ) || (matches!(c.address.kind, Kind::DelegatedAdmin | Kind::OrgConfig)
        && c.address.id.as_deref() != Some("securityhub"))
}

pub(super) async fn write(p: &AwsProvider, c: &Change) -> Result<(), ProviderError> {
    let (account, region) = (&c.address.account, c.address.region.as_str());
    let t = c.address.to_string();
    let id = c.address.id.clone().unwrap_or_default();
    match (c.address.kind, id.as_str()) {
        (Kind::GuardDuty, _) => {
            let gd = client!(p, account, region, aws_sdk_guardduty);
            let detector = guardduty_detector(p, &gd, account, region).await?;
            if c.action == Action::Delete {
                if let Some(d) = detector {
                    p.gate(account, region, "DeleteDetector").await;
                    gd.delete_detector()
                        .detector_id(d)
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
                return Ok(());
            }
            let Resource::GuardDuty(v) = value(c)? else {
                return Err(err(&t, None, "not a GuardDuty value"));
            };
            use aws_sdk_guardduty::types::{
                DetectorFeature, DetectorFeatureConfiguration, FeatureStatus,
                FindingPublishingFrequency,
            };
            // Every declared feature is sent explicitly: features left out of a create get
            // turned on by AWS.
            let features: Vec<DetectorFeatureConfiguration> = v
                .features
                .iter()
                .map(|(n, s)| {
                    DetectorFeatureConfiguration::builder()
                        .name(DetectorFeature::from(n.as_str()))
                        .status(FeatureStatus::from(s.as_str()))
                        .build()
                })
                .collect();
            let enable = v.status == "ENABLED";
            let freq = FindingPublishingFrequency::from(v.finding_publishing_frequency.as_str());
            match detector {
                None => {
                    p.gate(account, region, "CreateDetector").await;
                    gd.create_detector()
                        .enable(enable)
                        .finding_publishing_frequency(freq)
                        .set_features(Some(features))
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
                Some(d) => {
                    p.gate(account, region, "UpdateDetector").await;
                    gd.update_detector()
                        .detector_id(d)
                        .enable(enable)
                        .finding_publishing_frequency(freq)
                        .set_features(Some(features))
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
            }
            Ok(())
        }
        (Kind::Macie, _) => {
            let mc = client!(p, account, region, aws_sdk_macie2);
            if c.action == Action::Delete {
                p.gate(account, region, "DisableMacie").await;
                return match mc.disable_macie().send().await {
                    Ok(_) => Ok(()),
                    Err(e) if e.code() == Some("AccessDeniedException") => Ok(()),
                    Err(e) => Err(sdk_error(&t, e)),
                };
            }
            let Resource::Macie(v) = value(c)? else {
                return Err(err(&t, None, "not a Macie value"));
            };
            use aws_sdk_macie2::types::{FindingPublishingFrequency, MacieStatus};
            let freq = FindingPublishingFrequency::from(v.finding_publishing_frequency.as_str());
            let status = MacieStatus::from(v.status.as_str());
            if c.action == Action::Create {
                p.gate(account, region, "EnableMacie").await;
                match mc
                    .enable_macie()
                    .finding_publishing_frequency(freq.clone())
                    .status(status.clone())
                    .send()
                    .await
                {
                    Ok(_) => return Ok(()),
                    // Enabled meanwhile (409): settle the settings with an update.
                    Err(e) if e.code() == Some("ConflictException") => {}
                    Err(e) => return Err(sdk_error(&t, e)),
                }
            }
            p.gate(account, region, "UpdateMacieSession").await;
            mc.update_macie_session()
                .finding_publishing_frequency(freq)
                .status(status)
                .send()
                .await
                .map_err(|e| sdk_error(&t, e))?;
            Ok(())
        }
        (Kind::Inspector, _) => inspector_change(p, account, region, std::slice::from_ref(c))
            .await?
            .remove(0),
        (Kind::Analyzer, name) => {
            let aa = client!(p, account, region, aws_sdk_accessanalyzer);
            let existing = analyzers(p, &aa, account, region).await?;
            let current = existing.get(name);
            let want = match c.action {
                Action::Delete => None,
                _ => match value(c)? {
                    Resource::Analyzer(v) => Some(v),
                    _ => return Err(err(&t, None, "not an analyzer")),
                },
            };
            // The type cannot change: a different type means replace.
            let replace = matches!((current, &want), (Some(cur), Some(w)) if cur.analyzer_type != w.analyzer_type);
            if current.is_some() && (want.is_none() || replace) {
                p.gate(account, region, "DeleteAnalyzer").await;
                match aa.delete_analyzer().analyzer_name(name).send().await {
                    Ok(_) => {}
                    Err(e) if e.code() == Some("ResourceNotFoundException") => {}
                    Err(e) => return Err(sdk_error(&t, e)),
                }
            }
            let Some(w) = want else { return Ok(()) };
            use aws_sdk_accessanalyzer::types::{
                AnalyzerConfiguration, InlineArchiveRule, Type, UnusedAccessConfiguration,
            };
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
                            .map_err(|e| err(&t, None, e.to_string()))?,
                    );
                }
                p.gate(account, region, "CreateAnalyzer").await;
                aa.create_analyzer()
                    .analyzer_name(name)
                    .r#type(Type::from(w.analyzer_type.as_str()))
                    .set_configuration(config)
                    .set_archive_rules(Some(rules))
                    .send()
                    .await
                    .map_err(|e| sdk_error(&t, e))?;
                return Ok(());
            }
            let cur = current.expect("checked");
            if cur.unused_access_age != w.unused_access_age {
                if let Some(cfg) = config {
                    p.gate(account, region, "UpdateAnalyzer").await;
                    aa.update_analyzer()
                        .analyzer_name(name)
                        .configuration(cfg)
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
            }
            for (rn, f) in &w.archive_rules {
                match cur.archive_rules.get(rn) {
                    Some(x) if x == f => {}
                    Some(_) => {
                        p.gate(account, region, "UpdateArchiveRule").await;
                        aa.update_archive_rule()
                            .analyzer_name(name)
                            .rule_name(rn)
                            .set_filter(Some(filter_from(f)))
                            .send()
                            .await
                            .map_err(|e| sdk_error(&t, e))?;
                    }
                    None => {
                        p.gate(account, region, "CreateArchiveRule").await;
                        aa.create_archive_rule()
                            .analyzer_name(name)
                            .rule_name(rn)
                            .set_filter(Some(filter_from(f)))
                            .send()
                            .await
                            .map_err(|e| sdk_error(&t, e))?;
                    }
                }
            }
            for rn in cur
                .archive_rules
                .keys()
                .filter(|r| !w.archive_rules.contains_key(*r))
            {
                p.gate(account, region, "DeleteArchiveRule").await;
                aa.delete_archive_rule()
                    .analyzer_name(name)
                    .rule_name(rn)
                    .send()
                    .await
                    .map_err(|e| sdk_error(&t, e))?;
            }
            Ok(())
        }
        (Kind::DelegatedAdmin, svc) => {
            let new = match c.action {
                Action::Delete => None,
                _ => match value(c)? {
                    Resource::DelegatedAdmin(v) => Some(v.account.to_string()),
                    _ => return Err(err(&t, None, "not an administrator")),
                },
            };
            let old = c
                .before
                .as_ref()
                .and_then(|b| b.get("account"))
                .and_then(Value::as_str)
                .map(str::to_string);
            match svc {
                "guardduty" => {
                    let gd = client!(p, account, region, aws_sdk_guardduty);
                    if let Some(o) = &old {
                        p.gate(account, region, "DisableOrganizationAdminAccount")
                            .await;
                        gd.disable_organization_admin_account()
                            .admin_account_id(o)
                            .send()
                            .await
                            .map_err(|e| sdk_error(&t, e))?;
                    }
                    if let Some(n) = &new {
                        p.gate(account, region, "EnableOrganizationAdminAccount")
                            .await;
                        gd.enable_organization_admin_account()
                            .admin_account_id(n)
                            .send()
                            .await
                            .map_err(|e| sdk_error(&t, e))?;
                    }
                }
                "macie" => {
                    let mc = client!(p, account, region, aws_sdk_macie2);
                    if let Some(o) = &old {
                        p.gate(account, region, "DisableOrganizationAdminAccount")
                            .await;
                        mc.disable_organization_admin_account()
                            .admin_account_id(o)
                            .send()
                            .await
                            .map_err(|e| sdk_error(&t, e))?;
                    }
                    if let Some(n) = &new {
                        p.gate(account, region, "EnableOrganizationAdminAccount")
                            .await;
                        mc.enable_organization_admin_account()
                            .admin_account_id(n)
                            .send()
                            .await
                            .map_err(|e| sdk_error(&t, e))?;
                    }
                }
                "inspector" => {
                    let ins = client!(p, account, region, aws_sdk_inspector2);
                    if let Some(o) = &old {
                        p.gate(account, region, "DisableDelegatedAdminAccount")
                            .await;
                        ins.disable_delegated_admin_account()
                            .delegated_admin_account_id(o)
                            .send()
                            .await
                            .map_err(|e| sdk_error(&t, e))?;
                    }
                    if let Some(n) = &new {
                        p.gate(account, region, "EnableDelegatedAdminAccount").await;
                        match ins
                            .enable_delegated_admin_account()
                            .delegated_admin_account_id(n)
                            .send()
                            .await
                        {
                            Ok(_) => {}
                            // "already enabled": already so.
                            Err(e) if e.code() == Some("ConflictException") => {}
                            Err(e) => return Err(sdk_error(&t, e)),
                        }
                    }
                }
                other => return Err(err(&t, None, format!("no administrator API for `{other}`"))),
            }
            Ok(())
        }
        (Kind::OrgConfig, svc) => {
            if c.action == Action::Delete {
                return Ok(());
            }
            let Resource::OrgConfig(v) = value(c)? else {
                return Err(err(&t, None, "not an organisation configuration"));
            };
            match svc {
                "guardduty" => {
                    let gd = client!(p, account, region, aws_sdk_guardduty);
                    // The administrator's own detector holds the organisation settings; create it
                    // if the service has not yet (its settings are converged by the detector's
                    // own change later in the same apply).
                    let d = match guardduty_detector(p, &gd, account, region).await? {
                        Some(d) => d,
                        None => {
                            p.gate(account, region, "CreateDetector").await;
                            let r = gd
                                .create_detector()
                                .enable(true)
                                .send()
                                .await
                                .map_err(|e| sdk_error(&t, e))?;
                            r.detector_id()
                                .map(str::to_string)
                                .ok_or_else(|| err(&t, None, "CreateDetector returned no id"))?
                        }
                    };
                    use aws_sdk_guardduty::types::{
                        AutoEnableMembers, OrgFeature, OrgFeatureStatus,
                        OrganizationFeatureConfiguration,
                    };
                    let features: Vec<OrganizationFeatureConfiguration> = v
                        .features
                        .iter()
                        .flatten()
                        .map(|(n, s)| {
                            OrganizationFeatureConfiguration::builder()
                                .name(OrgFeature::from(n.as_str()))
                                .auto_enable(OrgFeatureStatus::from(s.as_str()))
                                .build()
                        })
                        .collect();
                    p.gate(account, region, "UpdateOrganizationConfiguration")
                        .await;
                    gd.update_organization_configuration()
                        .detector_id(d)
                        .set_auto_enable_organization_members(
                            v.auto_enable_members
                                .as_deref()
                                .map(AutoEnableMembers::from),
                        )
                        .set_features(Some(features))
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
                "macie" => {
                    let mc = client!(p, account, region, aws_sdk_macie2);
                    // Organisation settings need Macie on in the administrator itself.
                    p.gate(account, region, "GetMacieSession").await;
                    if let Err(e) = mc.get_macie_session().send().await {
                        if e.code() != Some("AccessDeniedException") {
                            return Err(sdk_error(&t, e));
                        }
                        p.gate(account, region, "EnableMacie").await;
                        match mc.enable_macie().send().await {
                            Ok(_) => {}
                            Err(e) if e.code() == Some("ConflictException") => {}
                            Err(e) => return Err(sdk_error(&t, e)),
                        }
                    }
                    p.gate(account, region, "UpdateOrganizationConfiguration")
                        .await;
                    mc.update_organization_configuration()
                        .auto_enable(v.auto_enable.unwrap_or(false))
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
                "inspector" => {
                    let ins = client!(p, account, region, aws_sdk_inspector2);
                    let types = v.resource_types.clone().unwrap_or_default();
                    let on = |x: &str| types.iter().any(|t| t == x);
                    let auto = aws_sdk_inspector2::types::AutoEnable::builder()
                        .ec2(on("EC2"))
                        .ecr(on("ECR"))
                        .lambda(on("LAMBDA"))
                        .lambda_code(on("LAMBDA_CODE"))
                        .build()
                        .map_err(|e| err(&t, None, e.to_string()))?;
                    p.gate(account, region, "UpdateOrganizationConfiguration")
                        .await;
                    ins.update_organization_configuration()
                        .auto_enable(auto)
                        .send()
                        .await
                        .map_err(|e| sdk_error(&t, e))?;
                }
                other => {
                    return Err(err(
                        &t,
                        None,
                        format!("no organisation configuration API for `{other}`"),
                    ));
                }
            }
            Ok(())
        }
        (kind, _) => Err(err(
            &t,
            None,
            format!("`{kind}` is not an integrated service"),
        )),
    }
}

/// Inspector changes of one region, possibly for many accounts. With a delegated
/// administrator, it enables and disables resource types for up to 100 accounts a call;
/// otherwise each account is changed by itself.
pub(super) async fn inspector_batch(
    p: &AwsProvider,
    batch: &[Change],
) -> Vec<Result<(), ProviderError>> {
    let Some(first) = batch.first() else {
        return vec![];
    };
    let region = first.address.region.clone();
    let admin = match (
        &p.opts.delegated_admin,
        p.opts.services.contains("inspector"),
    ) {
        (Some(a), true) => Some(a.clone()),
        _ => None,
    };
    let Some(admin) = admin.filter(|_| batch.len() > 1) else {
        let mut out = Vec::with_capacity(batch.len());
        for c in batch {
            out.push(write(p, c).await);
        }
        return out;
    };
    match inspector_change(p, &admin, &region, batch).await {
        Ok(out) => out,
        Err(e) => batch
            .iter()
            .map(|c| {
                Err(err(
                    &c.address.to_string(),
                    e.code.as_deref(),
                    e.message.clone(),
                ))
            })
            .collect(),
    }
}

/// Enables and disables Inspector resource types for the batch's accounts, as `caller` (the
/// delegated administrator, or an account acting for itself), then waits for them to settle.
async fn inspector_change(
    p: &AwsProvider,
    caller: &AccountId,
    region: &str,
    batch: &[Change],
) -> Result<Vec<Result<(), ProviderError>>, ProviderError> {
    use aws_sdk_inspector2::types::ResourceScanType;
    let ins = client!(p, caller, region, aws_sdk_inspector2);
    let t = format!("{caller}/{region}");
    let mut out: Vec<Result<(), ProviderError>> = batch.iter().map(|_| Ok(())).collect();
    let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in batch {
        let types = match c.action {
            Action::Delete => BTreeSet::new(),
            _ => match value(c)? {
                Resource::Inspector(v) => v.resource_types.into_iter().collect(),
                _ => return Err(err(&t, None, "not an Inspector value")),
            },
        };
        want.insert(c.address.account.to_string(), types);
    }
    let accounts: Vec<String> = want.keys().cloned().collect();
    let have = inspector_states(p, &ins, caller, region, &accounts).await?;
    let index = |acct: &str| {
        batch
            .iter()
            .position(|c| c.address.account.as_str() == acct)
    };
    // Accounts needing the same types switched share a call.
    let mut enable: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    let mut disable: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (acct, types) in &want {
        let cur = have.get(acct).cloned().unwrap_or_default();
        let on: Vec<String> = types
            .iter()
            .filter(|x| !cur.contains_key(*x))
            .cloned()
            .collect();
        let off: Vec<String> = cur
            .keys()
            .filter(|x| !types.contains(*x))
            .cloned()
            .collect();
        if !on.is_empty() {
            enable.entry(on).or_default().push(acct.clone());
        }
        if !off.is_empty() {
            disable.entry(off).or_default().push(acct.clone());
        }
    }
    for (enabling, groups) in [(true, enable), (false, disable)] {
        for (types, accts) in groups {
            for chunk in accts.chunks(100) {
                let rt: Vec<ResourceScanType> = types
                    .iter()
                    .map(|x| ResourceScanType::from(x.as_str()))
                    .collect();
                let failed = if enabling {
                    p.gate(caller, region, "Enable").await;
                    ins.enable()
                        .set_account_ids(Some(chunk.to_vec()))
                        .set_resource_types(Some(rt))
                        .send()
                        .await
                        .map(|r| r.failed_accounts().to_vec())
                        .map_err(|e| sdk_error(&t, e))
                } else {
                    p.gate(caller, region, "Disable").await;
                    ins.disable()
                        .set_account_ids(Some(chunk.to_vec()))
                        .set_resource_types(Some(rt))
                        .send()
                        .await
                        .map(|r| r.failed_accounts().to_vec())
                        .map_err(|e| sdk_error(&t, e))
                };
                match failed {
                    Ok(failed) => {
                        for f in failed {
                            let code = f.error_code().as_str();
                            if enabling && matches!(code, "ALREADY_ENABLED" | "ENABLE_IN_PROGRESS")
                            {
                                continue;
                            }
                            if let Some(i) = index(f.account_id()) {
                                out[i] = Err(err(
                                    &batch[i].address.to_string(),
                                    Some(code),
                                    f.error_message(),
                                ));
                            }
                        }
                    }
                    Err(e) => {
                        for a in chunk {
                            if let Some(i) = index(a) {
                                out[i] = Err(err(
                                    &batch[i].address.to_string(),
                                    e.code.as_deref(),
                                    e.message.clone(),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    // Enabling is asynchronous: wait for the accounts that have not failed.
    let deadline = Instant::now() + p.opts.standard_timeout;
    loop {
        let pending: Vec<String> = want
            .keys()
            .filter(|a| index(a).is_some_and(|i| out[i].is_ok()))
            .cloned()
            .collect();
        let now = inspector_states(p, &ins, caller, region, &pending).await?;
        let unsettled: Vec<&String> = pending
            .iter()
            .filter(|a| {
                let cur = now.get(*a).cloned().unwrap_or_default();
                let w = &want[*a];
                !(w.iter()
                    .all(|x| cur.get(x).map(String::as_str) == Some("ENABLED"))
                    && cur.keys().all(|x| w.contains(x)))
            })
            .collect();
        if unsettled.is_empty() {
            return Ok(out);
        }
        if Instant::now() >= deadline {
            for a in unsettled {
                if let Some(i) = index(a) {
                    out[i] = Err(err(
                        &batch[i].address.to_string(),
                        Some("Timeout"),
                        format!(
                            "Inspector did not settle within {:?}",
                            p.opts.standard_timeout
                        ),
                    ));
                }
            }
            return Ok(out);
        }
        tokio::time::sleep(p.opts.poll_interval).await;
    }
}
