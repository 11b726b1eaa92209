//! The lock a live apply holds, so two pipelines never apply to one organisation at once: a
//! Security Hub custom action (`action-target/shubctllock`) in the administrator's home
//! region, created at the start of an apply and deleted at its end. Creating it is atomic (AWS
//! answers `ResourceConflictException` when the ID exists), it needs no infrastructure of its
//! own, and its description names the holder and when it started. `action-target` reads never
//! see it, so no plan manages it.

use super::error::sdk_error;
use super::{AwsProvider, ScopeCx};
use crate::model::catalog::partition_of;
use crate::model::resource::LOCK_ACTION_TARGET;
use crate::model::{AccountId, ProviderError};

/// A lock this process holds.
#[derive(Clone, Debug)]
pub struct LiveLock {
    pub account: AccountId,
    pub region: String,
}

impl LiveLock {
    /// The lock named, for messages.
    pub fn describe(&self) -> String {
        format!(
            "the apply lock (custom action `{LOCK_ACTION_TARGET}` in {} {})",
            self.account, self.region
        )
    }
}

/// What to do about a lock left behind.
pub const FORCE_UNLOCK_HINT: &str =
    "once no apply is running, `shubctl apply --force-unlock` removes it";

/// What trying to take the lock found.
#[derive(Debug)]
pub enum Locking {
    Taken(LiveLock),
    /// Another apply holds it: its description (holder and start time).
    HeldBy(String),
    /// It cannot be kept there (Security Hub is not on in that account and region yet).
    Unavailable(String),
}

fn arn(account: &AccountId, region: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:action/custom/{LOCK_ACTION_TARGET}",
        partition_of(region).name
    )
}

/// Who holds the lock, as a second apply is told: the account, the process and, in a CI job,
/// the job's run. Never a credential.
pub fn holder(caller: &AccountId, since: &str) -> String {
    let mut h = format!("account {caller}, pid {}", std::process::id());
    if let (Ok(repo), Ok(run)) = (
        std::env::var("GITHUB_REPOSITORY"),
        std::env::var("GITHUB_RUN_ID"),
    ) {
        h.push_str(&format!(", GitHub Actions run {run} of {repo}"));
    }
    h.push_str(&format!(", since {since}"));
    // AWS allows 256 characters in a custom action's description... keep well within it.
    h.chars().take(250).collect()
}

impl AwsProvider {
    /// Takes the apply lock in `account` × `region`; with `force`, first removes one left by an
    /// apply that died.
    pub async fn take_lock(
        &self,
        account: &AccountId,
        region: &str,
        holder: &str,
        force: bool,
    ) -> Result<Locking, ProviderError> {
        let cx = ScopeCx::new(self, account, region);
        let sh: aws_sdk_securityhub::Client = cx.client().await?;
        if force {
            self.release_lock(&LiveLock {
                account: account.clone(),
                region: region.to_string(),
            })
            .await?;
        }
        cx.gate("securityhub", "CreateActionTarget").await;
        let created = sh
            .create_action_target()
            .id(LOCK_ACTION_TARGET)
            .name("shubctl apply lock")
            .description(holder)
            .send()
            .await;
        match created {
            Ok(_) => Ok(Locking::Taken(LiveLock {
                account: account.clone(),
                region: region.to_string(),
            })),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_conflict_exception()) =>
            {
                cx.gate("securityhub", "DescribeActionTargets").await;
                let held = sh
                    .describe_action_targets()
                    .action_target_arns(arn(account, region))
                    .send()
                    .await
                    .map_err(|e| sdk_error(cx.target(), e))?;
                Ok(Locking::HeldBy(
                    held.action_targets()
                        .first()
                        .and_then(|t| t.description())
                        .unwrap_or("holder not recorded")
                        .to_string(),
                ))
            }
            // Security Hub is not on there yet (the first apply turns it on).
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_invalid_access_exception()) =>
            {
                Ok(Locking::Unavailable(format!(
                    "Security Hub is not enabled in {account} {region}, where the lock is kept"
                )))
            }
            Err(e) => Err(sdk_error(cx.target(), e)),
        }
    }

    /// Releases the lock; one already gone is released.
    pub async fn release_lock(&self, lock: &LiveLock) -> Result<(), ProviderError> {
        let cx = ScopeCx::new(self, &lock.account, &lock.region);
        let sh: aws_sdk_securityhub::Client = cx.client().await?;
        cx.gate("securityhub", "DeleteActionTarget").await;
        match sh
            .delete_action_target()
            .action_target_arn(arn(&lock.account, &lock.region))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error(cx.target(), e)),
        }
    }
}
