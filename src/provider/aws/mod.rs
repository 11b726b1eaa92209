//! The live AWS provider: reads and converges the policy's kinds through the AWS SDK for Rust.
//!
//! Credentials come from the standard chain (profiles, SSO, environment, web identity); region
//! and endpoint variables (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
//! honoured by the SDK itself. Member accounts are reached by assuming the policy's role, with
//! credentials cached per account. Calls are rate-limited per account × region × service × operation
//! to AWS's documented quotas, retried with backoff by the SDK, and counted per scope.
//!
//! One module per kind (grouped by service) holds its read and its batched write; this module
//! only dispatches.

mod access_analyzer;
mod client;
pub(crate) mod error;
mod eventbridge;
mod guardduty;
mod health;
mod inspector;
mod limiter;
pub mod lock;
mod macie;
mod organizations;
mod regions;
mod scp;
mod securityhub;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use super::{Executor, StateSource};
use crate::model::{
    AccountId, Change, KindSet, OrgInfo, ProviderError, Scope, ScopeState, Service, Target,
};
use client::{Clients, SdkClient};
pub use error::ConnectError;
use error::Outcome;
use limiter::Limiter;

pub use securityhub::filters::{rule_action_from_json, rule_action_to_json};
pub use securityhub::filters_gen::{
    finding_filters_from_json, finding_filters_to_json, rule_criteria_from_json,
    rule_criteria_to_json,
};
pub use securityhub::findings::{FindingRow, FindingsRead};

/// Knobs of the live provider; the defaults suit real AWS.
#[derive(Clone, Debug)]
pub struct AwsOptions {
    /// IAM role assumed in accounts other than the caller's.
    pub role: String,
    pub external_id: Option<String>,
    /// Read the organisation from Organizations (false for a single-account policy).
    pub organization: bool,
    /// The policy's management account: designates the delegated administrator.
    pub management_account: Option<AccountId>,
    /// How long to wait for a standard to become READY (or to go) after enabling (disabling) it.
    pub standard_timeout: Duration,
    pub poll_interval: Duration,
    /// SDK attempts per call (throttling and transient errors are retried with backoff).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    /// Multiplies the client-side rate limits (1.0 = AWS's documented quotas).
    pub rate_scale: f64,
    /// The organisation's delegated administrator, which also administers the integrated
    /// services (Inspector changes for member accounts are sent by it, 100 accounts a call).
    pub delegated_admin: Option<AccountId>,
    /// Integrated services the policy declares: their administrators and organisation
    /// settings are read and managed; others are left alone.
    pub services: BTreeSet<Service>,
    /// Read the caller's enabled regions (`regions: { include: all }`).
    pub enabled_regions: bool,
    /// The region the SDK is configured with, instead of `AWS_REGION` or the profile's.
    pub region: Option<String>,
    /// The partition of the policy's regions: a configured region of another is refused
    /// before any call (its credentials and endpoints could not manage them).
    pub partition: Option<String>,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            role: crate::model::organization::ORGANIZATION_ACCESS_ROLE.into(),
            external_id: None,
            organization: false,
            management_account: None,
            standard_timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(5),
            max_attempts: 8,
            initial_backoff: Duration::from_secs(1),
            rate_scale: 1.0,
            services: Default::default(),
            delegated_admin: None,
            enabled_regions: false,
            region: None,
            partition: None,
        }
    }
}

/// The first call, `sts:GetCallerIdentity`: its first attempt alone, so a connection that
/// cannot be made fails within the connect timeout instead of after every retry's backoff
/// (the SDK retries refused connections as transient); any other transient failure gets the
/// configured retries.
async fn caller_identity(
    base: &SdkConfig,
    region: &str,
) -> Result<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput, ConnectError> {
    let sts = aws_sdk_sts::Client::new(base);
    let seen = client::SeenUri::default();
    let first = sts
        .get_caller_identity()
        .customize()
        .config_override(
            aws_sdk_sts::config::Builder::default()
                .retry_config(RetryConfig::disabled())
                .interceptor(seen.clone()),
        )
        .send()
        .await;
    let endpoint = || {
        seen.get()
            .or_else(|| base.endpoint_url().map(str::to_string))
            .unwrap_or_else(|| format!("the STS endpoint of {region}"))
    };
    match first {
        Ok(who) => Ok(who),
        Err(e) => match error::connect_error(e, region, &endpoint()) {
            ConnectError::Other(_) => sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| error::connect_error(e, region, &endpoint())),
            refused => Err(refused),
        },
    }
}

/// Clients, cached credentials and the rate limiter, shared by reads and writes.
pub struct AwsProvider {
    opts: AwsOptions,
    clients: Clients,
    limiter: Arc<Limiter>,
    /// Account → its email, as Organizations lists it: GuardDuty's CreateMembers and Macie's
    /// CreateMember take it for each account the administrator adds.
    emails: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// Held while the organisation is read for its emails (`email_of`).
    emails_read: tokio::sync::Mutex<()>,
}

impl AwsProvider {
    /// Loads the standard configuration and identifies the caller. `shared` overrides the
    /// loaded configuration (tests point it at the emulator).
    pub async fn connect(
        opts: AwsOptions,
        shared: Option<SdkConfig>,
    ) -> Result<Self, ConnectError> {
        let base = match shared {
            Some(c) => c,
            None => {
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if let Some(r) = &opts.region {
                    loader = loader.region(aws_config::Region::new(r.clone()));
                }
                // Our default only when the user configured none (profiles' retry settings
                // are honoured by setting AWS_MAX_ATTEMPTS / AWS_RETRY_MODE instead).
                if std::env::var_os("AWS_MAX_ATTEMPTS").is_none()
                    && std::env::var_os("AWS_RETRY_MODE").is_none()
                {
                    loader = loader.retry_config(
                        RetryConfig::standard()
                            .with_max_attempts(opts.max_attempts)
                            .with_initial_backoff(opts.initial_backoff),
                    );
                }
                loader.load().await
            }
        };
        let base = match base.http_client() {
            Some(_) => base,
            None => base
                .to_builder()
                .http_client(client::shared_https_client())
                .build(),
        };
        let region = match base.region() {
            Some(r) => r.to_string(),
            None => return Err(ConnectError::NoRegion),
        };
        let overridden =
            base.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_STS").is_some();
        error::check_region(&region, opts.partition.as_deref(), overridden)?;
        let who = caller_identity(&base, &region).await?;
        let caller = who
            .account()
            .and_then(|a| AccountId::parse(a).ok())
            .ok_or_else(|| {
                ConnectError::Other(ProviderError::new(
                    Target::Aws,
                    None,
                    "GetCallerIdentity returned no account",
                ))
            })?;
        let limiter = Arc::new(Limiter::new(opts.rate_scale));
        Ok(AwsProvider {
            clients: Clients::new(
                base,
                caller,
                opts.role.clone(),
                opts.external_id.clone(),
                limiter.clone(),
            ),
            limiter,
            opts,
            emails: Default::default(),
            emails_read: Default::default(),
        })
    }

    /// An organisation account's email, as Organizations lists it: from the organisation's
    /// read, or, when this provider has not read it (a saved plan carried out by another
    /// process), from a read made now.
    pub(crate) async fn email_of(&self, account: &str) -> Result<Option<String>, ProviderError> {
        let known = |p: &Self| {
            let emails = p.emails.lock().unwrap_or_else(|e| e.into_inner());
            emails.get(account).cloned()
        };
        if let Some(e) = known(self) {
            return Ok(Some(e));
        }
        // One read for all the writers that need it.
        let _one = self.emails_read.lock().await;
        if let Some(e) = known(self) {
            return Ok(Some(e));
        }
        organizations::read(self).await?;
        Ok(known(self))
    }

    /// The region the SDK is configured with.
    pub fn region(&self) -> &str {
        self.clients.base_region()
    }

    pub fn caller(&self) -> &AccountId {
        &self.clients.caller
    }

    /// The caller's enabled regions (Account Management's `ListRegions`).
    pub async fn enabled_regions(&self) -> Result<Vec<String>, ProviderError> {
        regions::enabled(self).await
    }

    /// AWS's standards and every control definition in `region`, with each listed standard's
    /// members, read as the caller (`shubctl catalog --refresh`). Read-only.
    pub async fn catalog_definitions(
        &self,
        region: &str,
    ) -> Result<crate::model::live_catalog::LiveDefinitions, ProviderError> {
        let cx = ScopeCx::new(self, &self.clients.caller, region);
        securityhub::definitions::read(&cx, None).await
    }

    /// API calls made so far, per `account/region` (and `account/global` for Organizations).
    pub fn api_calls(&self) -> BTreeMap<String, u64> {
        self.clients.api_calls()
    }

    fn declares(&self, s: Service) -> bool {
        self.opts.services.contains(&s)
    }
}

/// One account × region as the kinds' readers and writers see it.
pub(crate) struct ScopeCx<'a> {
    pub p: &'a AwsProvider,
    pub account: &'a AccountId,
    pub region: &'a str,
}

impl<'a> ScopeCx<'a> {
    pub fn new(p: &'a AwsProvider, account: &'a AccountId, region: &'a str) -> Self {
        ScopeCx { p, account, region }
    }

    pub fn target(&self) -> Target {
        Target::Scope(Scope::new(self.account, self.region))
    }

    /// Waits for the rate limiter before a call of `service`'s (its signing name) `op`.
    pub async fn gate(&self, service: &'static str, op: &'static str) {
        self.p
            .limiter
            .acquire(self.account.as_str(), self.region, service, op)
            .await;
    }

    /// A client of service `C` acting as this scope's account in its region.
    pub async fn client<C: SdkClient>(&self) -> Result<C, ProviderError> {
        self.p
            .clients
            .client(self.account, self.region, self.region)
            .await
    }

    pub fn opts(&self) -> &AwsOptions {
        &self.p.opts
    }

    /// The same account in another region.
    pub fn in_region<'b>(&'b self, region: &'b str) -> ScopeCx<'b> {
        ScopeCx::new(self.p, self.account, region)
    }
}

/// Runs a writer for each change of a batch, one after the other.
pub(crate) async fn one_by_one<'c, F, Fut>(batch: &'c [Change], f: F) -> Vec<Outcome>
where
    F: Fn(&'c Change) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let mut out = Vec::with_capacity(batch.len());
    for c in batch {
        out.push(f(c).await);
    }
    out
}

impl StateSource for AwsProvider {
    async fn read_org(&self) -> Result<OrgInfo, ProviderError> {
        let mut org = if self.opts.organization {
            organizations::read(self).await?
        } else {
            OrgInfo::default()
        };
        if self.opts.enabled_regions {
            org.enabled_regions = regions::enabled(self).await?;
        }
        Ok(org)
    }

    async fn read_scope(
        &self,
        scope: &Scope,
        kinds: &KindSet,
    ) -> Result<ScopeState, ProviderError> {
        let cx = ScopeCx::new(self, &scope.account, &scope.region);
        let mut out = ScopeState::default();
        // The integrated services do not depend on the hub.
        guardduty::read(&cx, kinds, &mut out).await?;
        macie::read(&cx, kinds, &mut out).await?;
        inspector::read(&cx, kinds, &mut out).await?;
        access_analyzer::read(&cx, kinds, &mut out).await?;
        securityhub::read(&cx, kinds, &mut out).await?;
        scp::read(&cx, kinds, &mut out).await?;
        eventbridge::read(&cx, kinds, &mut out).await?;
        Ok(out)
    }

    async fn control_definitions(
        &self,
        scope: &Scope,
    ) -> Result<Option<Vec<(String, bool)>>, ProviderError> {
        let cx = ScopeCx::new(self, &scope.account, &scope.region);
        securityhub::control_definitions(&cx).await.map(Some)
    }

    async fn control_catalog(
        &self,
        scope: &Scope,
        members_of: &[String],
    ) -> Result<Option<crate::model::live_catalog::LiveDefinitions>, ProviderError> {
        let cx = ScopeCx::new(self, &scope.account, &scope.region);
        securityhub::definitions::read(&cx, Some(members_of))
            .await
            .map(Some)
    }
}

impl Executor for AwsProvider {
    /// A batch holds one kind and action; kinds keyed by service may mix services, so the
    /// batch is split by service and each part goes to its service's writers.
    async fn execute(&self, batch: &[Change]) -> Vec<Outcome> {
        let Some(first) = batch.first() else {
            return vec![];
        };
        let mut out: Vec<Option<Outcome>> = batch.iter().map(|_| None).collect();
        let mut groups: BTreeMap<Option<Service>, Vec<usize>> = BTreeMap::new();
        for (i, c) in batch.iter().enumerate() {
            groups
                .entry(c.address.kind.service(c.address.id.as_deref()))
                .or_default()
                .push(i);
        }
        let cx = ScopeCx::new(self, &first.address.account, &first.address.region);
        for (service, idx) in groups {
            let part: Vec<Change> = idx.iter().map(|i| batch[*i].clone()).collect();
            let results = match service {
                Some(Service::SecurityHub) => securityhub::apply(&cx, &part).await,
                Some(Service::GuardDuty) => guardduty::apply(&cx, &part).await,
                Some(Service::Inspector) => inspector::apply(&cx, &part).await,
                Some(Service::Macie) => macie::apply(&cx, &part).await,
                Some(Service::AccessAnalyzer) => access_analyzer::apply(&cx, &part).await,
                Some(Service::Organizations) => scp::apply(&cx, &part).await,
                Some(Service::EventBridge) => eventbridge::apply(&cx, &part).await,
                None => part
                    .iter()
                    .map(|c| Err(error::fail(c, None, "no service manages this address")))
                    .collect(),
            };
            for (i, r) in idx.into_iter().zip(results) {
                out[i] = Some(r);
            }
        }
        out.into_iter()
            .zip(batch)
            .map(|(r, c)| {
                r.unwrap_or_else(|| Err(error::fail(c, None, "the writer returned no result")))
            })
            .collect()
    }
}
