//! GuardDuty: `guardduty` (the one detector per account × region, with its features),
//! `delegated-admin/guardduty` (designated from the management account) and
//! `org-config/guardduty` (held by the administrator's detector).

use std::collections::BTreeMap;

use aws_sdk_guardduty::Client;
use aws_sdk_guardduty::types::{
    AccountDetail, AutoEnableMembers, DetectorFeature, DetectorFeatureConfiguration, FeatureStatus,
    FindingPublishingFrequency, MemberFeaturesConfiguration, OrgFeature, OrgFeatureStatus,
    OrganizationFeatureConfiguration, UnprocessedAccount,
};

use super::error::{Outcome, before_str, fail, sdk_error, value, value_of, wire};
use super::{ScopeCx, one_by_one};
use crate::model::resource::*;
use crate::model::state::ScopeState;
use crate::model::{AccountId, Kind, KindSet, ProviderError, Resource, Service, Target};
use crate::model::{Action, Change};

/// DescribeOrganizationConfiguration's answers to an account that is not (yet) the
/// administrator: BadRequest saying the detector is not the caller's, the account is not the
/// delegated administrator, or lacks the organisation's permission.
fn not_org_admin<E: aws_sdk_guardduty::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("BadRequestException")
        && e.message().is_some_and(|m| {
            m.contains("not owned by the current account")
                || m.contains("not the delegated administrator")
                || m.contains("Organization master permission")
        })
}

/// GuardDuty's foundational data sources are always on and not features one manages.
const FOUNDATIONAL: [&str; 3] = ["FLOW_LOGS", "CLOUD_TRAIL", "DNS_LOGS"];

/// The one detector of the scope, if there is one (never create a second).
async fn detector(cx: &ScopeCx<'_>, gd: &Client) -> Result<Option<String>, ProviderError> {
    cx.gate("guardduty", "ListDetectors").await;
    let r = gd
        .list_detectors()
        .send()
        .await
        .map_err(|e| sdk_error(cx.target(), e))?;
    Ok(r.detector_ids().first().cloned())
}

pub(super) async fn read(
    cx: &ScopeCx<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    let declared = cx.p.declares(Service::GuardDuty);
    let admin = declared && kinds.contains(&Kind::DelegatedAdmin);
    let org = declared && kinds.contains(&Kind::OrgConfig);
    let members = kinds.contains(&Kind::GuardDutyMember);
    if !(kinds.contains(&Kind::GuardDuty) || admin || org || members) {
        return Ok(());
    }
    let gd: Client = cx.client().await?;
    let detector = detector(cx, &gd).await?;
    if let (true, Some(id)) = (members, &detector) {
        for (account, features) in read_members(cx, &gd, id).await? {
            out.insert(
                Kind::GuardDutyMember,
                Some(account),
                Resource::GuardDutyMember(GuardDutyMemberValue { features }),
            );
        }
    }
    if let (true, Some(id)) = (kinds.contains(&Kind::GuardDuty), &detector) {
        cx.gate("guardduty", "GetDetector").await;
        let d = gd
            .get_detector()
            .detector_id(id)
            .send()
            .await
            .map_err(|e| sdk_error(cx.target(), e))?;
        let mut features = std::collections::BTreeMap::new();
        for f in d.features() {
            let (Some(name), Some(status)) = (f.name(), f.status()) else {
                continue;
            };
            if FOUNDATIONAL.contains(&name.as_str()) {
                continue;
            }
            let status = wire(&cx.target(), "feature status", Some(status.as_str()))?;
            features.insert(name.as_str().to_string(), status);
        }
        out.insert(
            Kind::GuardDuty,
            None,
            Resource::GuardDuty(GuardDutyValue {
                status: wire(
                    &cx.target(),
                    "detector status",
                    d.status().map(|s| s.as_str()),
                )?,
                finding_publishing_frequency: wire(
                    &cx.target(),
                    "finding publishing frequency",
                    d.finding_publishing_frequency().map(|s| s.as_str()),
                )?,
                features,
            }),
        );
    }
    if admin {
        cx.gate("guardduty", "ListOrganizationAdminAccounts").await;
        let r = gd
            .list_organization_admin_accounts()
            .send()
            .await
            .map_err(|e| sdk_error(cx.target(), e))?;
        for a in r.admin_accounts() {
            if let Some(id) = a.admin_account_id().and_then(|x| AccountId::parse(x).ok()) {
                out.insert(
                    Kind::DelegatedAdmin,
                    Some(Service::GuardDuty.id().to_string()),
                    Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                );
            }
        }
    }
    if let (true, Some(id)) = (org, &detector) {
        // The features list is paged (nextToken); the settings come with every page.
        let mut token: Option<String> = None;
        let mut features: BTreeMap<String, String> = BTreeMap::new();
        let mut members;
        loop {
            cx.gate("guardduty", "DescribeOrganizationConfiguration")
                .await;
            // Not the administrator (yet): GuardDuty answers BadRequest saying so; nothing to
            // read. Anything else (a throttle, a denial) leaves the scope unread.
            let c = match gd
                .describe_organization_configuration()
                .detector_id(id)
                .set_next_token(token.clone())
                .send()
                .await
            {
                Ok(c) => c,
                Err(e) if not_org_admin(&e) => return Ok(()),
                Err(e) => return Err(sdk_error(cx.target(), e)),
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
        out.insert(
            Kind::OrgConfig,
            Some(Service::GuardDuty.id().to_string()),
            Resource::OrgConfig(OrgConfigValue {
                auto_enable_members: members,
                features: Some(features),
                ..Default::default()
            }),
        );
    }
    Ok(())
}

/// The administrator's enabled members (ListMembers, 50 a page) with their protection plans
/// (GetMemberDetectors, 50 accounts a call). A member in any other relationship (created, removed,
/// monitoring stopped) is not one the administrator manages: it reads as no member. An account
/// that is not the administrator has none.
async fn read_members(
    cx: &ScopeCx<'_>,
    gd: &Client,
    detector: &str,
) -> Result<BTreeMap<String, BTreeMap<String, Switch>>, ProviderError> {
    let mut enabled: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        cx.gate("guardduty", "ListMembers").await;
        let r = gd
            .list_members()
            .detector_id(detector)
            .only_associated("false")
            .max_results(50)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| sdk_error(cx.target(), e))?;
        for m in r.members() {
            // GuardDuty's member relationship statuses are capitalised words ("Enabled").
            if let (Some(a), Some(r)) = (m.account_id(), m.relationship_status())
                && r.eq_ignore_ascii_case("enabled")
            {
                enabled.push(a.to_string());
            }
        }
        token = r.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = BTreeMap::new();
    for chunk in enabled.chunks(MEMBERS_PER_CALL) {
        cx.gate("guardduty", "GetMemberDetectors").await;
        let r = gd
            .get_member_detectors()
            .detector_id(detector)
            .set_account_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error(cx.target(), e))?;
        // A member whose detector GetMemberDetectors cannot read (suspended, closed) is a
        // member whose protection plans are unknown: read with none, so the declared ones are
        // planned again rather than taken as matching.
        for u in r.unprocessed_accounts() {
            if let Some(a) = u.account_id() {
                out.insert(a.to_string(), BTreeMap::new());
            }
        }
        for m in r.member_data_source_configurations() {
            let mut features = BTreeMap::new();
            for f in m.features() {
                let (Some(name), Some(status)) = (f.name(), f.status()) else {
                    continue;
                };
                let status = wire(&cx.target(), "member feature status", Some(status.as_str()))?;
                features.insert(name.as_str().to_string(), status);
            }
            if let Some(a) = m.account_id() {
                out.insert(a.to_string(), features);
            }
        }
    }
    Ok(out)
}

/// CreateMembers, GetMemberDetectors and UpdateMemberDetectors take up to 50 accounts a call.
const MEMBERS_PER_CALL: usize = 50;

pub(super) async fn apply(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let gd: Client = match cx.client().await {
        Ok(c) => c,
        Err(e) => return super::error::fail_all(batch, &e),
    };
    let gd = &gd;
    if batch
        .iter()
        .all(|c| c.address.kind == Kind::GuardDutyMember)
    {
        return write_members(cx, gd, batch).await;
    }
    one_by_one(batch, |c| async move {
        match c.address.kind {
            Kind::GuardDuty => write_detector(cx, gd, c).await,
            Kind::DelegatedAdmin => write_admin(cx, gd, c).await,
            Kind::OrgConfig => write_org(cx, gd, c).await,
            kind => Err(fail(c, None, format!("`{kind}` is not a GuardDuty kind"))),
        }
    })
    .await
}

async fn write_detector(cx: &ScopeCx<'_>, gd: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let detector = detector(cx, gd).await?;
    if c.action == Action::Delete {
        if let Some(d) = detector {
            cx.gate("guardduty", "DeleteDetector").await;
            gd.delete_detector()
                .detector_id(d)
                .send()
                .await
                .map_err(|e| sdk_error(t, e))?;
        }
        return Ok(());
    }
    let v = value_of!(c, GuardDuty);
    // Every declared feature is sent explicitly: features left out of a create get turned on
    // by AWS.
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
    let enable = v.status == crate::model::resource::Switch::Enabled;
    let freq = FindingPublishingFrequency::from(v.finding_publishing_frequency.as_str());
    match detector {
        None => {
            cx.gate("guardduty", "CreateDetector").await;
            gd.create_detector()
                .enable(enable)
                .finding_publishing_frequency(freq)
                .set_features(Some(features))
                .send()
                .await
                .map_err(|e| sdk_error(t, e))?;
        }
        Some(d) => {
            cx.gate("guardduty", "UpdateDetector").await;
            gd.update_detector()
                .detector_id(d)
                .enable(enable)
                .finding_publishing_frequency(freq)
                .set_features(Some(features))
                .send()
                .await
                .map_err(|e| sdk_error(t, e))?;
        }
    }
    Ok(())
}

async fn write_admin(cx: &ScopeCx<'_>, gd: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let new = match c.action {
        Action::Delete => None,
        _ => Some(value_of!(c, DelegatedAdmin).account),
    };
    if let Some(o) = before_str(c, "account") {
        cx.gate("guardduty", "DisableOrganizationAdminAccount")
            .await;
        gd.disable_organization_admin_account()
            .admin_account_id(o)
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
    }
    if let Some(n) = &new {
        cx.gate("guardduty", "EnableOrganizationAdminAccount").await;
        gd.enable_organization_admin_account()
            .admin_account_id(n.as_str())
            .send()
            .await
            .map_err(|e| sdk_error(t, e))?;
    }
    Ok(())
}

async fn write_org(cx: &ScopeCx<'_>, gd: &Client, c: &Change) -> Outcome {
    if c.action == Action::Delete {
        return Ok(());
    }
    let t = Target::Address(c.address.clone());
    let v = value_of!(c, OrgConfig);
    // The administrator's own detector holds the organisation settings; create it if the
    // service has not yet (its settings are converged by the detector's own change later in
    // the same apply).
    let d = match detector(cx, gd).await? {
        Some(d) => d,
        None => {
            cx.gate("guardduty", "CreateDetector").await;
            let r = gd
                .create_detector()
                .enable(true)
                .send()
                .await
                .map_err(|e| sdk_error(t.clone(), e))?;
            r.detector_id()
                .map(str::to_string)
                .ok_or_else(|| fail(c, None, "CreateDetector returned no id"))?
        }
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
    cx.gate("guardduty", "UpdateOrganizationConfiguration")
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
        .map_err(|e| sdk_error(t, e))?;
    Ok(())
}

/// Adds the batch's accounts as members of the administrator (`cx`'s account) with
/// CreateMembers, which for organisation accounts enables GuardDuty in them (no invitation),
/// then sets each member's protection plans with UpdateMemberDetectors, members with the same
/// plans together. Results come back per account (`unprocessedAccounts`).
async fn write_members(cx: &ScopeCx<'_>, gd: &Client, batch: &[Change]) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
    let detector = match detector(cx, gd).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return batch
                .iter()
                .map(|c| {
                    Err(fail(
                        c,
                        None,
                        "the GuardDuty administrator has no detector in this region to add members to",
                    ))
                })
                .collect();
        }
        Err(e) => return super::error::fail_all(batch, &e),
    };
    let account = |c: &Change| c.address.id.clone().unwrap_or_default();
    // Creates: every account with its email as Organizations lists it.
    let mut creates: Vec<(usize, AccountDetail)> = Vec::new();
    for (i, c) in batch.iter().enumerate() {
        match c.action {
            Action::Create => {}
            Action::Update => continue,
            Action::Delete => {
                out[i] = Err(fail(
                    c,
                    None,
                    "shubctl only adds members to the GuardDuty administrator",
                ));
                continue;
            }
        }
        let id = account(c);
        let email = match cx.p.email_of(&id).await {
            Ok(Some(email)) => email,
            Ok(None) => {
                out[i] = Err(fail(
                    c,
                    None,
                    format!(
                        "Organizations listed no email for account {id}, which CreateMembers needs"
                    ),
                ));
                continue;
            }
            Err(e) => {
                out[i] = Err(fail(c, e.code.as_deref(), e.message.clone()));
                continue;
            }
        };
        creates.push((
            i,
            AccountDetail::builder()
                .account_id(&id)
                .email(email)
                .build(),
        ));
    }
    for chunk in creates.chunks(MEMBERS_PER_CALL) {
        cx.gate("guardduty", "CreateMembers").await;
        let r = gd
            .create_members()
            .detector_id(&detector)
            .set_account_details(Some(chunk.iter().map(|(_, d)| d.clone()).collect()))
            .send()
            .await;
        settle(
            batch,
            chunk.iter().map(|(i, _)| *i),
            r.map(|r| r.unprocessed_accounts().to_vec()),
            &mut out,
        );
    }
    // Protection plans, grouped by what they are set to.
    let mut groups: BTreeMap<Vec<(String, Switch)>, Vec<usize>> = BTreeMap::new();
    for (i, c) in batch.iter().enumerate() {
        if out[i].is_err() || c.action == Action::Delete {
            continue;
        }
        let v = match value(c) {
            Ok(Resource::GuardDutyMember(v)) => v,
            Ok(_) => {
                out[i] = Err(fail(c, None, "not a guardduty-member value"));
                continue;
            }
            Err(e) => {
                out[i] = Err(e);
                continue;
            }
        };
        if v.features.is_empty() {
            continue;
        }
        groups
            .entry(v.features.into_iter().collect())
            .or_default()
            .push(i);
    }
    for (features, members) in groups {
        let features: Vec<MemberFeaturesConfiguration> = features
            .iter()
            .map(|(n, s)| {
                MemberFeaturesConfiguration::builder()
                    .name(OrgFeature::from(n.as_str()))
                    .status(FeatureStatus::from(s.as_str()))
                    .build()
            })
            .collect();
        for chunk in members.chunks(MEMBERS_PER_CALL) {
            cx.gate("guardduty", "UpdateMemberDetectors").await;
            let r = gd
                .update_member_detectors()
                .detector_id(&detector)
                .set_account_ids(Some(chunk.iter().map(|i| account(&batch[*i])).collect()))
                .set_features(Some(features.clone()))
                .send()
                .await;
            settle(
                batch,
                chunk.iter().copied(),
                r.map(|r| r.unprocessed_accounts().to_vec()),
                &mut out,
            );
        }
    }
    out
}

/// Records a members call's outcome for the changes it covered: the call's error for all of
/// them, or each unprocessed account's reason for its own.
fn settle<E>(
    batch: &[Change],
    covered: impl Iterator<Item = usize>,
    r: Result<Vec<UnprocessedAccount>, aws_sdk_guardduty::error::SdkError<E>>,
    out: &mut [Outcome],
) where
    E: std::error::Error + aws_sdk_guardduty::error::ProvideErrorMetadata + Send + Sync + 'static,
{
    let covered: Vec<usize> = covered.collect();
    match r {
        Ok(unprocessed) => {
            for i in covered {
                let id = batch[i].address.id.as_deref().unwrap_or_default();
                if let Some(u) = unprocessed.iter().find(|u| u.account_id() == Some(id)) {
                    let why = u.result().unwrap_or("unprocessed, with no reason given");
                    out[i] = Err(fail(&batch[i], None, why.to_string()));
                }
            }
        }
        Err(e) => {
            let e = sdk_error(Target::Address(batch[covered[0]].address.clone()), e);
            for i in covered {
                out[i] = Err(fail(&batch[i], e.code.as_deref(), e.message.clone()));
            }
        }
    }
}
