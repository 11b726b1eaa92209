//! Macie: `macie` (the session in an account × region), `delegated-admin/macie` and
//! `org-config/macie`. "Macie is off" answers as an access error with the same code as a
//! permission denial; only the message tells them apart, and a denial is a failure.

use aws_sdk_macie2::Client;
use aws_sdk_macie2::error::ProvideErrorMetadata;
use aws_sdk_macie2::types::{
    AccountDetail, FindingPublishingFrequency, MacieStatus, RelationshipStatus,
};

use super::error::{Outcome, before_str, fail, sdk_error, value_of, wire};
use super::{ScopeCx, one_by_one};
use crate::model::resource::*;
use crate::model::state::ScopeState;
use crate::model::{AccountId, Kind, KindSet, ProviderError, Resource, Service, Target};
use crate::model::{Action, Change};

/// "Macie is not enabled" (`AccessDeniedException`, the message is AWS's only sign), or, from
/// DisableMacie, `ResourceNotFoundException`. A denial ("… is not authorized to perform …")
/// has the same code and is not this.
fn macie_off<E: ProvideErrorMetadata>(e: &E) -> bool {
    match e.code() {
        Some("AccessDeniedException") => e
            .message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("macie is not enabled")),
        Some("ResourceNotFoundException") => true,
        _ => false,
    }
}

/// DescribeOrganizationConfiguration's documented "absent" answers: not the Macie
/// administrator (an access error that says so), Macie off, or not found.
fn no_org_config<E: ProvideErrorMetadata>(e: &E) -> bool {
    macie_off(e)
        || (e.code() == Some("AccessDeniedException")
            && e.message()
                .is_some_and(|m| m.contains("must be the Macie administrator")))
}

pub(super) async fn read(
    cx: &ScopeCx<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    let declared = cx.p.declares(Service::Macie);
    let admin = declared && kinds.contains(&Kind::DelegatedAdmin);
    let org = declared && kinds.contains(&Kind::OrgConfig);
    let members = kinds.contains(&Kind::MacieMember);
    if !(kinds.contains(&Kind::Macie) || admin || org || members) {
        return Ok(());
    }
    let mc: Client = cx.client().await?;
    if members {
        for (account, status) in read_members(cx, &mc).await? {
            out.insert(
                Kind::MacieMember,
                Some(account),
                Resource::MacieMember(MacieMemberValue { status }),
            );
        }
    }
    if kinds.contains(&Kind::Macie) {
        cx.gate("macie2", "GetMacieSession").await;
        match mc.get_macie_session().send().await {
            Ok(s) => out.insert(
                Kind::Macie,
                None,
                Resource::Macie(MacieValue {
                    status: wire(&cx.target(), "Macie status", s.status().map(|x| x.as_str()))?,
                    finding_publishing_frequency: wire(
                        &cx.target(),
                        "finding publishing frequency",
                        s.finding_publishing_frequency().map(|x| x.as_str()),
                    )?,
                }),
            ),
            Err(e) if macie_off(&e) => {}
            Err(e) => return Err(sdk_error(cx.target(), e)),
        }
    }
    if admin {
        cx.gate("macie2", "ListOrganizationAdminAccounts").await;
        let r = mc
            .list_organization_admin_accounts()
            .send()
            .await
            .map_err(|e| sdk_error(cx.target(), e))?;
        for a in r.admin_accounts() {
            if let Some(id) = a.account_id().and_then(|x| AccountId::parse(x).ok()) {
                out.insert(
                    Kind::DelegatedAdmin,
                    Some(Service::Macie.id().to_string()),
                    Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                );
            }
        }
    }
    if org {
        cx.gate("macie2", "DescribeOrganizationConfiguration").await;
        match mc.describe_organization_configuration().send().await {
            Ok(c) => out.insert(
                Kind::OrgConfig,
                Some(Service::Macie.id().to_string()),
                Resource::OrgConfig(OrgConfigValue {
                    auto_enable: c.auto_enable(),
                    ..Default::default()
                }),
            ),
            Err(e) if no_org_config(&e) => {}
            Err(e) => return Err(sdk_error(cx.target(), e)),
        }
    }
    Ok(())
}

/// The administrator's members (ListMembers, 50 a page) that are enabled or suspended
/// (`Paused`); any other relationship (invited, removed, …) is not a member the administrator
/// manages. Macie off, or an account that is not the administrator: no members.
async fn read_members(
    cx: &ScopeCx<'_>,
    mc: &Client,
) -> Result<Vec<(String, crate::model::wire::MacieStatus)>, ProviderError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        cx.gate("macie2", "ListMembers").await;
        let r = match mc
            .list_members()
            .only_associated("false")
            .max_results(50)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if macie_off(&e) => return Ok(out),
            Err(e) => return Err(sdk_error(cx.target(), e)),
        };
        for m in r.members() {
            let status = match m.relationship_status() {
                Some(RelationshipStatus::Enabled) => crate::model::wire::MacieStatus::Enabled,
                Some(RelationshipStatus::Paused) => crate::model::wire::MacieStatus::Paused,
                _ => continue,
            };
            if let Some(a) = m.account_id() {
                out.push((a.to_string(), status));
            }
        }
        token = r.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Adds an account as a member of the administrator (`cx`'s account): CreateMember, which
/// through Organizations enables Macie for it; then suspends or re-enables its Macie with
/// UpdateMemberSession, which only the administrator may do for a member.
async fn write_member(cx: &ScopeCx<'_>, mc: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let id = c.address.id.clone().unwrap_or_default();
    let want = match c.action {
        Action::Delete => {
            return Err(fail(
                c,
                None,
                "shubctl only adds members to the Macie administrator",
            ));
        }
        _ => value_of!(c, MacieMember).status,
    };
    if c.action == Action::Create {
        let email = cx
            .p
            .email_of(&id)
            .await
            .map_err(|e| fail(c, e.code.as_deref(), e.message.clone()))?
            .ok_or_else(|| {
                fail(
                    c,
                    None,
                    format!(
                        "Organizations listed no email for account {id}, which CreateMember needs"
                    ),
                )
            })?;
        cx.gate("macie2", "CreateMember").await;
        mc.create_member()
            .account(
                AccountDetail::builder()
                    .account_id(&id)
                    .email(email)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
        // A new member is enabled.
        if want == crate::model::wire::MacieStatus::Enabled {
            return Ok(());
        }
    }
    cx.gate("macie2", "UpdateMemberSession").await;
    mc.update_member_session()
        .id(&id)
        .status(MacieStatus::from(want.as_str()))
        .send()
        .await
        .map_err(|e| sdk_error(t, e))?;
    Ok(())
}

pub(super) async fn apply(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let mc: Client = match cx.client().await {
        Ok(c) => c,
        Err(e) => return super::error::fail_all(batch, &e),
    };
    let mc = &mc;
    one_by_one(batch, |c| async move {
        match c.address.kind {
            Kind::Macie => write_session(cx, mc, c).await,
            Kind::MacieMember => write_member(cx, mc, c).await,
            Kind::DelegatedAdmin => write_admin(cx, mc, c).await,
            Kind::OrgConfig => write_org(cx, mc, c).await,
            kind => Err(fail(c, None, format!("`{kind}` is not a Macie kind"))),
        }
    })
    .await
}

async fn write_session(cx: &ScopeCx<'_>, mc: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    if c.action == Action::Delete {
        cx.gate("macie2", "DisableMacie").await;
        return match mc.disable_macie().send().await {
            Ok(_) => Ok(()),
            Err(e) if macie_off(&e) => Ok(()),
            Err(e) => Err(sdk_error(t, e)),
        };
    }
    let v = value_of!(c, Macie);
    let freq = FindingPublishingFrequency::from(v.finding_publishing_frequency.as_str());
    let status = MacieStatus::from(v.status.as_str());
    if c.action == Action::Create {
        cx.gate("macie2", "EnableMacie").await;
        match mc
            .enable_macie()
            .finding_publishing_frequency(freq.clone())
            .status(status.clone())
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            // Enabled meanwhile (409): settle the settings with an update.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conflict_exception()) => {}
            Err(e) => return Err(sdk_error(t, e)),
        }
    }
    cx.gate("macie2", "UpdateMacieSession").await;
    mc.update_macie_session()
        .finding_publishing_frequency(freq)
        .status(status)
        .send()
        .await
        .map_err(|e| sdk_error(t, e))?;
    Ok(())
}

async fn write_admin(cx: &ScopeCx<'_>, mc: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let new = match c.action {
        Action::Delete => None,
        _ => Some(value_of!(c, DelegatedAdmin).account),
    };
    if let Some(o) = before_str(c, "account") {
        cx.gate("macie2", "DisableOrganizationAdminAccount").await;
        mc.disable_organization_admin_account()
            .admin_account_id(o)
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
    }
    if let Some(n) = &new {
        cx.gate("macie2", "EnableOrganizationAdminAccount").await;
        mc.enable_organization_admin_account()
            .admin_account_id(n.as_str())
            .send()
            .await
            .map_err(|e| sdk_error(t, e))?;
    }
    Ok(())
}

async fn write_org(cx: &ScopeCx<'_>, mc: &Client, c: &Change) -> Outcome {
    if c.action == Action::Delete {
        return Ok(());
    }
    let t = Target::Address(c.address.clone());
    let v = value_of!(c, OrgConfig);
    // Organisation settings need Macie on in the administrator itself.
    cx.gate("macie2", "GetMacieSession").await;
    if let Err(e) = mc.get_macie_session().send().await {
        if !macie_off(&e) {
            return Err(sdk_error(t, e));
        }
        cx.gate("macie2", "EnableMacie").await;
        match mc.enable_macie().send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conflict_exception()) => {}
            Err(e) => return Err(sdk_error(t, e)),
        }
    }
    cx.gate("macie2", "UpdateOrganizationConfiguration").await;
    mc.update_organization_configuration()
        .auto_enable(v.auto_enable.unwrap_or(false))
        .send()
        .await
        .map_err(|e| sdk_error(t, e))?;
    Ok(())
}
