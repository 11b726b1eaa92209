//! Inspector: `inspector` (scanned resource types per account × region),
//! `inspector-member` (the accounts associated with the delegated administrator),
//! `delegated-admin/inspector` and `org-config/inspector`. The delegated administrator enables
//! and disables types for its associated member accounts, 100 accounts a call; association and
//! enabling are asynchronous and waited for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use aws_sdk_inspector2::Client;
use aws_sdk_inspector2::error::ProvideErrorMetadata;
use aws_sdk_inspector2::types::{AutoEnable, RelationshipStatus, ResourceScanType};

use super::error::{Outcome, before_str, fail, sdk_error, value, value_of};
use super::{ScopeCx, one_by_one};
use crate::model::resource::*;
use crate::model::state::ScopeState;
use crate::model::{AccountId, Kind, KindSet, ProviderError, Resource, Service, Target};
use crate::model::{Action, Change};

pub(super) async fn read(
    cx: &ScopeCx<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    let declared = cx.p.declares(Service::Inspector);
    let admin = declared && kinds.contains(&Kind::DelegatedAdmin);
    let org = declared && kinds.contains(&Kind::OrgConfig);
    let members = kinds.contains(&Kind::InspectorMember);
    if !(kinds.contains(&Kind::Inspector) || admin || org || members) {
        return Ok(());
    }
    let ins: Client = cx.client().await?;
    if kinds.contains(&Kind::Inspector) {
        let mut st = states(cx, &ins, &[cx.account.to_string()]).await?;
        // An account whose status failed is unread, never "Inspector off": AWS documents no
        // failure code as meaning "not enabled" (a disabled account is answered DISABLED).
        if let Some(f) = st.failed.remove(cx.account.as_str()) {
            return Err(ProviderError::new(
                cx.target(),
                Some(&f.code),
                format!(
                    "BatchGetAccountStatus could not read the account: {}",
                    f.message
                ),
            ));
        }
        let Some(types) = st.read.remove(cx.account.as_str()) else {
            return Err(ProviderError::new(
                cx.target(),
                None,
                "BatchGetAccountStatus answered without the account's status",
            ));
        };
        if !types.is_empty() {
            out.insert(
                Kind::Inspector,
                None,
                Resource::Inspector(InspectorValue {
                    resource_types: types.into_keys().collect(),
                }),
            );
        }
    }
    if members {
        for id in associated(cx, &ins).await? {
            out.insert(
                Kind::InspectorMember,
                Some(id),
                Resource::InspectorMember(Empty {}),
            );
        }
    }
    if admin {
        cx.gate("inspector2", "ListDelegatedAdminAccounts").await;
        let r = ins
            .list_delegated_admin_accounts()
            .send()
            .await
            .map_err(|e| sdk_error(cx.target(), e))?;
        for a in r.delegated_admin_accounts() {
            if let Some(id) = a.account_id().and_then(|x| AccountId::parse(x).ok()) {
                out.insert(
                    Kind::DelegatedAdmin,
                    Some(Service::Inspector.id().to_string()),
                    Resource::DelegatedAdmin(DelegatedAdminValue { account: id }),
                );
            }
        }
    }
    if org {
        cx.gate("inspector2", "DescribeOrganizationConfiguration")
            .await;
        let c = match ins.describe_organization_configuration().send().await {
            Ok(c) => Some(c),
            // The documented answer to an account that is not the delegated administrator;
            // anything else (a throttle, a denial) leaves the scope unread.
            Err(e)
                if e.code() == Some("AccessDeniedException")
                    && e.message().is_some_and(|m| {
                        m.contains(
                            "does not have access to describe the organization configuration",
                        )
                    }) =>
            {
                None
            }
            Err(e) => return Err(sdk_error(cx.target(), e)),
        };
        if let Some(a) = c.as_ref().and_then(|c| c.auto_enable()) {
            let mut types: Vec<String> = [
                ("EC2", Some(a.ec2())),
                ("ECR", Some(a.ecr())),
                ("LAMBDA", a.lambda()),
                ("LAMBDA_CODE", a.lambda_code()),
                ("CODE_REPOSITORY", a.code_repository()),
            ]
            .into_iter()
            .filter(|(_, on)| *on == Some(true))
            .map(|(name, _)| name.to_string())
            .collect();
            // Sorted, as the policy's are.
            types.sort();
            out.insert(
                Kind::OrgConfig,
                Some(Service::Inspector.id().to_string()),
                Resource::OrgConfig(OrgConfigValue {
                    resource_types: Some(types),
                    ..Default::default()
                }),
            );
        }
    }
    Ok(())
}

/// The accounts associated with `cx`'s account as Inspector's delegated administrator
/// (ListMembers, 50 a page): those whose relationship is ENABLED. Any other status (an
/// association under way, one that failed) is not yet an association the administrator can act
/// through. An account that is not the administrator has no members: AWS does not document how
/// ListMembers answers it, so an error is checked against GetDelegatedAdminAccount, and only an
/// error to the administrator itself (a missing IAM action, say) leaves the scope unread.
async fn associated(cx: &ScopeCx<'_>, ins: &Client) -> Result<BTreeSet<String>, ProviderError> {
    let mut out = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        cx.gate("inspector2", "ListMembers").await;
        let r = match ins
            .list_members()
            .only_associated(true)
            .max_results(50)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let e = sdk_error(cx.target(), e);
                return match is_admin(cx, ins).await {
                    Ok(false) => Ok(BTreeSet::new()),
                    Ok(true) => Err(e),
                    Err(a) => Err(ProviderError::new(
                        cx.target(),
                        a.code.as_deref(),
                        format!(
                            "ListMembers failed ({}), and GetDelegatedAdminAccount, asked \
                             whether this account is Inspector's delegated administrator, \
                             failed too: {}",
                            e.message, a.message
                        ),
                    )),
                };
            }
        };
        for m in r.members() {
            if m.relationship_status() == Some(&RelationshipStatus::Enabled)
                && let Some(a) = m.account_id()
            {
                out.insert(a.to_string());
            }
        }
        token = r.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Whether `cx`'s account is the organisation's Inspector administrator in its region, as far
/// as GetDelegatedAdminAccount can tell: "no administrator" (ResourceNotFoundException) or
/// another account is no; an answer naming no account counts as yes, so the caller reports its
/// own error. AWS documents what this answers the management account and the administrator,
/// not other accounts: any other error is returned, and the scope is unread.
async fn is_admin(cx: &ScopeCx<'_>, ins: &Client) -> Result<bool, ProviderError> {
    cx.gate("inspector2", "GetDelegatedAdminAccount").await;
    match ins.get_delegated_admin_account().send().await {
        Ok(r) => Ok(r
            .delegated_admin()
            .and_then(|d| d.account_id())
            .is_none_or(|a| a == cx.account.as_str())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(sdk_error(cx.target(), e)),
    }
}

/// Associates the batch's accounts with the administrator (`cx`'s account), then waits until
/// ListMembers reports each association complete: AWS answers AssociateMember when the
/// association has started, and the administrator can enable scanning for an account only once
/// it has finished.
async fn associate(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let ins: Client = match cx.client().await {
        Ok(c) => c,
        Err(e) => return super::error::fail_all(batch, &e),
    };
    let mut out: Vec<Outcome> = Vec::with_capacity(batch.len());
    for c in batch {
        let Some(id) = c
            .address
            .id
            .as_deref()
            .filter(|_| c.action == Action::Create)
        else {
            out.push(Err(fail(
                c,
                None,
                "shubctl only associates accounts with the Inspector administrator",
            )));
            continue;
        };
        cx.gate("inspector2", "AssociateMember").await;
        out.push(match ins.associate_member().account_id(id).send().await {
            Ok(_) => Ok(()),
            // Reported by others for an account already associated [unverified]: already so.
            Err(e)
                if e.code() == Some("ValidationException")
                    && e.message()
                        .is_some_and(|m| m.contains("already associated")) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error(Target::Address(c.address.clone()), e)),
        });
    }
    let opts = cx.opts();
    let deadline = Instant::now() + opts.standard_timeout;
    loop {
        let pending: Vec<usize> = (0..batch.len()).filter(|i| out[*i].is_ok()).collect();
        if pending.is_empty() {
            return out;
        }
        let now = match associated(cx, &ins).await {
            Ok(now) => now,
            Err(e) => {
                for i in pending {
                    out[i] = Err(fail(&batch[i], e.code.as_deref(), e.message.clone()));
                }
                return out;
            }
        };
        let unsettled: Vec<usize> = pending
            .into_iter()
            .filter(|i| {
                !batch[*i]
                    .address
                    .id
                    .as_ref()
                    .is_some_and(|a| now.contains(a))
            })
            .collect();
        if unsettled.is_empty() {
            return out;
        }
        if Instant::now() >= deadline {
            for i in unsettled {
                out[i] = Err(fail(
                    &batch[i],
                    Some("Timeout"),
                    format!(
                        "the association did not complete within {:?}",
                        opts.standard_timeout
                    ),
                ));
            }
            return out;
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}

/// What BatchGetAccountStatus answered for a list of accounts.
#[derive(Default)]
struct Statuses {
    /// Resource type → status (ENABLED or ENABLING) per account read.
    read: BTreeMap<String, BTreeMap<String, String>>,
    /// The accounts in `failedAccounts`.
    failed: BTreeMap<String, FailedStatus>,
}

struct FailedStatus {
    code: String,
    message: String,
}

/// Resource types → status per account, as BatchGetAccountStatus reports them to the caller
/// (ENABLING counts), 100 accounts a call; the accounts it could not read apart.
async fn states(
    caller: &ScopeCx<'_>,
    ins: &Client,
    accounts: &[String],
) -> Result<Statuses, ProviderError> {
    let mut now = Statuses::default();
    for chunk in accounts.chunks(100) {
        caller.gate("inspector2", "BatchGetAccountStatus").await;
        let r = ins
            .batch_get_account_status()
            .set_account_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error(caller.target(), e))?;
        for f in r.failed_accounts() {
            now.failed.insert(
                f.account_id().to_string(),
                FailedStatus {
                    code: f.error_code().as_str().to_string(),
                    message: f.error_message().to_string(),
                },
            );
        }
        for a in r.accounts() {
            let entry = now.read.entry(a.account_id().to_string()).or_default();
            let Some(rs) = a.resource_state() else {
                continue;
            };
            for (name, st) in [
                ("EC2", rs.ec2()),
                ("ECR", rs.ecr()),
                ("LAMBDA", rs.lambda()),
                ("LAMBDA_CODE", rs.lambda_code()),
                ("CODE_REPOSITORY", rs.code_repository()),
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

pub(super) async fn apply(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let Some(first) = batch.first() else {
        return vec![];
    };
    match first.address.kind {
        Kind::Inspector => return scanning(cx, batch).await,
        Kind::InspectorMember => return associate(cx, batch).await,
        _ => {}
    }
    let ins: Client = match cx.client().await {
        Ok(c) => c,
        Err(e) => return super::error::fail_all(batch, &e),
    };
    let ins = &ins;
    one_by_one(batch, |c| async move {
        match c.address.kind {
            Kind::DelegatedAdmin => write_admin(cx, ins, c).await,
            Kind::OrgConfig => write_org(cx, ins, c).await,
            kind => Err(fail(c, None, format!("`{kind}` is not an Inspector kind"))),
        }
    })
    .await
}

/// Resource-type changes of one region, possibly for many accounts: sent by the delegated
/// administrator when there is one, however few the accounts (AWS: a member account "cannot
/// deactivate Amazon Inspector"; its administrator does), otherwise by each account for itself.
async fn scanning(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let opts = cx.opts();
    let admin = opts
        .delegated_admin
        .clone()
        .filter(|_| cx.p.declares(Service::Inspector));
    let Some(admin) = admin else {
        let mut out = Vec::with_capacity(batch.len());
        for c in batch {
            let own = ScopeCx::new(cx.p, &c.address.account, &c.address.region);
            out.push(
                change(&own, std::slice::from_ref(c))
                    .await
                    .and_then(|mut r| r.remove(0)),
            );
        }
        return out;
    };
    let caller = ScopeCx::new(cx.p, &admin, cx.region);
    match change(&caller, batch).await {
        Ok(out) => out,
        Err(e) => super::error::fail_all(batch, &e),
    }
}

/// Enables and disables resource types for the batch's accounts as `caller` (the delegated
/// administrator, or an account acting for itself), then waits for them to settle.
async fn change(caller: &ScopeCx<'_>, batch: &[Change]) -> Result<Vec<Outcome>, ProviderError> {
    let ins: Client = caller.client().await?;
    let mut out: Vec<Outcome> = batch.iter().map(|_| Ok(())).collect();
    let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in batch {
        let types = match c.action {
            Action::Delete => BTreeSet::new(),
            _ => match value(c)? {
                Resource::Inspector(v) => v.resource_types.into_iter().collect(),
                _ => return Err(fail(c, None, "not an Inspector value")),
            },
        };
        want.insert(c.address.account.to_string(), types);
    }
    let accounts: Vec<String> = want.keys().cloned().collect();
    let have = states(caller, &ins, &accounts).await?;
    let index = |acct: &str| {
        batch
            .iter()
            .position(|c| c.address.account.as_str() == acct)
    };
    // An account whose status cannot be read is not changed from a guess.
    for (acct, f) in &have.failed {
        if let Some(i) = index(acct) {
            out[i] = Err(fail(&batch[i], Some(&f.code), f.message.clone()));
        }
    }
    want.retain(|acct, _| !have.failed.contains_key(acct));
    let have = have.read;
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
    let t = caller.target();
    for (enabling, groups) in [(true, enable), (false, disable)] {
        for (types, accts) in groups {
            for chunk in accts.chunks(100) {
                let rt: Vec<ResourceScanType> = types
                    .iter()
                    .map(|x| ResourceScanType::from(x.as_str()))
                    .collect();
                let failed = if enabling {
                    caller.gate("inspector2", "Enable").await;
                    ins.enable()
                        .set_account_ids(Some(chunk.to_vec()))
                        .set_resource_types(Some(rt))
                        .send()
                        .await
                        .map(|r| r.failed_accounts().to_vec())
                        .map_err(|e| sdk_error(t.clone(), e))
                } else {
                    caller.gate("inspector2", "Disable").await;
                    ins.disable()
                        .set_account_ids(Some(chunk.to_vec()))
                        .set_resource_types(Some(rt))
                        .send()
                        .await
                        .map(|r| r.failed_accounts().to_vec())
                        .map_err(|e| sdk_error(t.clone(), e))
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
                                out[i] = Err(fail(&batch[i], Some(code), f.error_message()));
                            }
                        }
                    }
                    Err(e) => {
                        for a in chunk {
                            if let Some(i) = index(a) {
                                out[i] = Err(fail(&batch[i], e.code.as_deref(), e.message.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    // Enabling is asynchronous: wait for the accounts that have not failed.
    let opts = caller.opts();
    let deadline = Instant::now() + opts.standard_timeout;
    loop {
        let pending: Vec<String> = want
            .keys()
            .filter(|a| index(a).is_some_and(|i| out[i].is_ok()))
            .cloned()
            .collect();
        let mut now = states(caller, &ins, &pending).await?;
        for (acct, f) in std::mem::take(&mut now.failed) {
            if let Some(i) = index(&acct) {
                out[i] = Err(fail(&batch[i], Some(&f.code), f.message));
            }
        }
        let now = now.read;
        let unsettled: Vec<&String> = pending
            .iter()
            .filter(|a| index(a).is_some_and(|i| out[i].is_ok()))
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
                    out[i] = Err(fail(
                        &batch[i],
                        Some("Timeout"),
                        format!(
                            "Inspector did not settle within {:?}",
                            opts.standard_timeout
                        ),
                    ));
                }
            }
            return Ok(out);
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}

async fn write_admin(cx: &ScopeCx<'_>, ins: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let new = match c.action {
        Action::Delete => None,
        _ => Some(value_of!(c, DelegatedAdmin).account),
    };
    if let Some(o) = before_str(c, "account") {
        cx.gate("inspector2", "DisableDelegatedAdminAccount").await;
        ins.disable_delegated_admin_account()
            .delegated_admin_account_id(o)
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
    }
    if let Some(n) = &new {
        cx.gate("inspector2", "EnableDelegatedAdminAccount").await;
        match ins
            .enable_delegated_admin_account()
            .delegated_admin_account_id(n.as_str())
            .send()
            .await
        {
            Ok(_) => {}
            // "already enabled": already so.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conflict_exception()) => {}
            Err(e) => return Err(sdk_error(t, e)),
        }
    }
    Ok(())
}

async fn write_org(cx: &ScopeCx<'_>, ins: &Client, c: &Change) -> Outcome {
    if c.action == Action::Delete {
        return Ok(());
    }
    let t = Target::Address(c.address.clone());
    let v = value_of!(c, OrgConfig);
    let types = v.resource_types.clone().unwrap_or_default();
    let on = |x: &str| types.iter().any(|t| t == x);
    let auto = AutoEnable::builder()
        .ec2(on("EC2"))
        .ecr(on("ECR"))
        .lambda(on("LAMBDA"))
        .lambda_code(on("LAMBDA_CODE"))
        .code_repository(on("CODE_REPOSITORY"))
        .build()
        .map_err(|e| fail(c, None, e.to_string()))?;
    cx.gate("inspector2", "UpdateOrganizationConfiguration")
        .await;
    ins.update_organization_configuration()
        .auto_enable(auto)
        .send()
        .await
        .map_err(|e| sdk_error(t, e))?;
    Ok(())
}
