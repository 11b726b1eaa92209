//! `scp-policy-type`, `scp/<name>` and `scp-attachment/<name>@<target>`: the guardrail service
//! control policies, read and written through Organizations by the management account. Only
//! SCPs whose names start with `shubctl-` are read or touched; their content is kept in
//! canonical form, so what AWS stores compares equal to the policy whatever its layout.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_organizations::Client;
use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};

use super::error::{Outcome, fail, fail_all, sdk_error, value_of};
use super::{ScopeCx, one_by_one};
use crate::model::document::canonical_policy;
use crate::model::resource::{Empty, MANAGED_PREFIX, ScpValue};
use crate::model::state::ScopeState;
use crate::model::{Action, Change, Kind, KindSet, ProviderError, Resource, Target};

const SCP: PolicyType = PolicyType::ServiceControlPolicy;

/// What Organizations answers while an earlier change is still being carried out ("try the
/// operation again later"), as it is right after SCPs are enabled. The SDK does not retry them.
const BUSY: [&str; 3] = [
    "ConcurrentModificationException",
    "PolicyChangesInProgressException",
    "FinalizingOrganizationException",
];

/// Makes a write, again with backoff while Organizations is busy, up to `--standard-timeout`.
async fn retry_busy<T, E, Fut>(
    cx: &ScopeCx<'_>,
    op: &'static str,
    call: impl Fn() -> Fut,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
    E: ProvideErrorMetadata,
{
    let deadline = Instant::now() + cx.opts().standard_timeout;
    let mut wait = cx.opts().poll_interval;
    loop {
        cx.gate("organizations", op).await;
        match call().await {
            Err(e) if e.code().is_some_and(|c| BUSY.contains(&c)) && Instant::now() < deadline => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
            r => return r,
        }
    }
}

pub(super) async fn read(
    cx: &ScopeCx<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    let wants = |k| kinds.contains(&k);
    if !(wants(Kind::ScpPolicyType) || wants(Kind::Scp) || wants(Kind::ScpAttachment)) {
        return Ok(());
    }
    let org: Client = cx.client().await?;
    let t = cx.target();
    if wants(Kind::ScpPolicyType) && scp_type(cx, &org).await?.1 {
        out.insert(Kind::ScpPolicyType, None, Resource::ScpPolicyType(Empty {}));
    }
    if !(wants(Kind::Scp) || wants(Kind::ScpAttachment)) {
        return Ok(());
    }
    for (name, id) in managed(cx, &org).await? {
        if wants(Kind::Scp) {
            cx.gate("organizations", "DescribePolicy").await;
            let p = org
                .describe_policy()
                .policy_id(&id)
                .send()
                .await
                .map_err(|e| sdk_error(t.clone(), e))?;
            let p = p.policy();
            let raw = p.and_then(|p| p.content()).unwrap_or_default();
            // Content that is not JSON is kept as text: it differs from any policy's.
            let content = serde_json::from_str(raw)
                .map(|v| canonical_policy(&v))
                .unwrap_or_else(|_| serde_json::Value::String(raw.to_string()));
            let description = p
                .and_then(|p| p.policy_summary())
                .and_then(|s| s.description())
                .unwrap_or_default()
                .to_string();
            out.insert(
                Kind::Scp,
                Some(name.clone()),
                Resource::Scp(ScpValue {
                    description,
                    content,
                }),
            );
        }
        if wants(Kind::ScpAttachment) {
            for target in targets(cx, &org, &id).await? {
                out.insert(
                    Kind::ScpAttachment,
                    Some(format!("{name}@{target}")),
                    Resource::ScpAttachment(Empty {}),
                );
            }
        }
    }
    Ok(())
}

/// The root and whether the SCP type is enabled in it (or on its way there).
async fn scp_type(cx: &ScopeCx<'_>, org: &Client) -> Result<(String, bool), ProviderError> {
    let (root, status) = scp_status(cx, org).await?;
    Ok((
        root,
        matches!(
            status,
            Some(PolicyTypeStatus::Enabled | PolicyTypeStatus::PendingEnable)
        ),
    ))
}

/// The organisation's root and the status of the SCP type there (None: not enabled).
async fn scp_status(
    cx: &ScopeCx<'_>,
    org: &Client,
) -> Result<(String, Option<PolicyTypeStatus>), ProviderError> {
    let t = cx.target();
    let mut pages = org.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        cx.gate("organizations", "ListRoots").await;
        let page = page.map_err(|e| sdk_error(t.clone(), e))?;
        if let Some(root) = page.roots().first() {
            let status = root
                .policy_types()
                .iter()
                .find(|p| p.r#type() == Some(&SCP))
                .and_then(|p| p.status().cloned());
            return Ok((root.id().unwrap_or_default().to_string(), status));
        }
    }
    Err(ProviderError::new(
        t,
        None,
        "Organizations lists no root in this organisation",
    ))
}

/// The SCPs shubctl manages, by name → id.
async fn managed(
    cx: &ScopeCx<'_>,
    org: &Client,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let t = cx.target();
    let mut out = BTreeMap::new();
    let mut pages = org.list_policies().filter(SCP).into_paginator().send();
    while let Some(page) = pages.next().await {
        cx.gate("organizations", "ListPolicies").await;
        let page = page.map_err(|e| sdk_error(t.clone(), e))?;
        for p in page.policies() {
            if let (Some(name), Some(id), false) = (p.name(), p.id(), p.aws_managed())
                && name.starts_with(MANAGED_PREFIX)
            {
                out.insert(name.to_string(), id.to_string());
            }
        }
    }
    Ok(out)
}

/// The roots, OUs and accounts a policy is attached to.
async fn targets(cx: &ScopeCx<'_>, org: &Client, id: &str) -> Result<Vec<String>, ProviderError> {
    let t = cx.target();
    let mut out = Vec::new();
    let mut pages = org
        .list_targets_for_policy()
        .policy_id(id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        cx.gate("organizations", "ListTargetsForPolicy").await;
        let page = page.map_err(|e| sdk_error(t.clone(), e))?;
        out.extend(
            page.targets()
                .iter()
                .filter_map(|x| x.target_id().map(str::to_string)),
        );
    }
    Ok(out)
}

pub(super) async fn apply(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let Some(first) = batch.first() else {
        return vec![];
    };
    let org: Client = match cx.client().await {
        Ok(c) => c,
        Err(e) => return fail_all(batch, &e),
    };
    let org = &org;
    match first.address.kind {
        Kind::ScpPolicyType => one_by_one(batch, |c| write_type(cx, org, c)).await,
        kind @ (Kind::Scp | Kind::ScpAttachment) => {
            // The policies' ids, looked up once for the batch.
            let ids = match managed(cx, org).await {
                Ok(ids) => ids,
                Err(e) => return fail_all(batch, &e),
            };
            let ids = &ids;
            if kind == Kind::Scp {
                one_by_one(batch, |c| write_policy(cx, org, ids, c)).await
            } else {
                one_by_one(batch, |c| write_attachment(cx, org, ids, c)).await
            }
        }
        kind => batch
            .iter()
            .map(|c| {
                Err(fail(
                    c,
                    None,
                    format!("`{kind}` is not an Organizations kind"),
                ))
            })
            .collect(),
    }
}

/// Enables (and waits for) or disables service control policies in the root.
async fn write_type(cx: &ScopeCx<'_>, org: &Client, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let (root, _) = scp_status(cx, org).await.map_err(|e| e.at(t.clone()))?;
    if c.action == Action::Delete {
        return match retry_busy(cx, "DisablePolicyType", || {
            org.disable_policy_type()
                .root_id(&root)
                .policy_type(SCP)
                .send()
        })
        .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_policy_type_not_enabled_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error(t, e)),
        };
    }
    match retry_busy(cx, "EnablePolicyType", || {
        org.enable_policy_type()
            .root_id(&root)
            .policy_type(SCP)
            .send()
    })
    .await
    {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_policy_type_already_enabled_exception()) => {}
        Err(e) => return Err(sdk_error(t, e)),
    }
    // Enabling runs in the background; policies cannot be attached until it is done.
    let deadline = Instant::now() + cx.opts().standard_timeout;
    loop {
        let (_, status) = scp_status(cx, org).await.map_err(|e| e.at(t.clone()))?;
        if status == Some(PolicyTypeStatus::Enabled) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(fail(
                c,
                None,
                format!(
                    "service control policies are still {} in the root after {:?}",
                    status
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "not enabled".into()),
                    cx.opts().standard_timeout
                ),
            ));
        }
        tokio::time::sleep(cx.opts().poll_interval).await;
    }
}

async fn write_policy(
    cx: &ScopeCx<'_>,
    org: &Client,
    ids: &BTreeMap<String, String>,
    c: &Change,
) -> Outcome {
    let t = Target::Address(c.address.clone());
    let name = c.address.id.as_deref().unwrap_or_default();
    let id = ids.get(name);
    if c.action == Action::Delete {
        let Some(id) = id else { return Ok(()) };
        // Its attachments were removed first (they are deleted before it); whatever another
        // hand attached meanwhile goes too, or AWS refuses with PolicyInUseException.
        for target in targets(cx, org, id).await.map_err(|e| e.at(t.clone()))? {
            detach(cx, org, id, &target, &t).await?;
        }
        return match retry_busy(cx, "DeletePolicy", || {
            org.delete_policy().policy_id(id).send()
        })
        .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_policy_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error(t, e)),
        };
    }
    let v = value_of!(c, Scp);
    // Sent compact: every character counts against the size limit.
    let content = v.content.to_string();
    match id {
        Some(id) => {
            retry_busy(cx, "UpdatePolicy", || {
                org.update_policy()
                    .policy_id(id)
                    .description(&v.description)
                    .content(&content)
                    .send()
            })
            .await
            .map_err(|e| sdk_error(t, e))?;
        }
        None => {
            retry_busy(cx, "CreatePolicy", || {
                org.create_policy()
                    .name(name)
                    .description(&v.description)
                    .r#type(SCP)
                    .content(&content)
                    .send()
            })
            .await
            .map_err(|e| sdk_error(t, e))?;
        }
    }
    Ok(())
}

/// `shubctl-x@ou-…` → (`shubctl-x`, `ou-…`): a policy name may hold `@`, a target never does.
fn split_attachment(id: &str) -> Option<(&str, &str)> {
    id.rsplit_once('@')
}

async fn write_attachment(
    cx: &ScopeCx<'_>,
    org: &Client,
    ids: &BTreeMap<String, String>,
    c: &Change,
) -> Outcome {
    let t = Target::Address(c.address.clone());
    let Some((name, target)) = c.address.id.as_deref().and_then(split_attachment) else {
        return Err(fail(
            c,
            None,
            "an attachment is addressed as <policy>@<target>",
        ));
    };
    let Some(id) = ids.get(name) else {
        return match c.action {
            // Gone with its policy.
            Action::Delete => Ok(()),
            _ => Err(fail(
                c,
                None,
                format!("there is no SCP named `{name}` to attach"),
            )),
        };
    };
    if c.action == Action::Delete {
        return detach(cx, org, id, target, &t).await;
    }
    match retry_busy(cx, "AttachPolicy", || {
        org.attach_policy().policy_id(id).target_id(target).send()
    })
    .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_duplicate_policy_attachment_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error(t, e)),
    }
}

/// Detaches a policy; already detached (or gone) is done.
async fn detach(cx: &ScopeCx<'_>, org: &Client, id: &str, target: &str, t: &Target) -> Outcome {
    match retry_busy(cx, "DetachPolicy", || {
        org.detach_policy().policy_id(id).target_id(target).send()
    })
    .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.code(),
                Some(
                    "PolicyNotAttachedException"
                        | "PolicyNotFoundException"
                        | "TargetNotFoundException"
                )
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error(t.clone(), e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn attachment_ids_split_at_the_last_at() {
        assert_eq!(
            super::split_attachment("shubctl-a@b@ou-ab12-cdef3456"),
            Some(("shubctl-a@b", "ou-ab12-cdef3456"))
        );
        assert_eq!(super::split_attachment("nothing"), None);
    }
}
