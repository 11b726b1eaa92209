//! The live AWS provider: reads and converges Security Hub through the AWS SDK for Rust.
//!
//! Credentials come from the standard chain (profiles, SSO, environment, web identity); region
//! and endpoint variables (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) are
//! honoured by the SDK itself. Member accounts are reached by assuming the policy's role, with
//! credentials cached per account. Calls are rate-limited per account × region × operation
//! to AWS's documented quotas, retried with backoff by the SDK, and counted per scope.

mod filters;
mod filters_gen;
mod limiter;
mod read;
mod services;
mod write;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use tokio::sync::OnceCell;

use super::{Executor, ProviderError, StateSource};
use crate::diff::Change;
use crate::model::{AccountId, Address, Kind, KindSet, OrgInfo, Resource};

use limiter::Limiter;

pub use filters::{rule_action_from_json, rule_action_to_json};
pub use filters_gen::{
    finding_filters_from_json, finding_filters_to_json, rule_criteria_from_json,
    rule_criteria_to_json,
};

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
    /// Integrated services the policy declares (`guardduty`, `inspector`, `macie`): their
    /// administrators and organisation settings are read and managed; others are left alone.
    pub services: std::collections::BTreeSet<String>,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            role: crate::spec::policy::default_role(),
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
        }
    }
}

/// An account's SDK configuration, made once (AssumeRole) and shared.
type ConfigCell = OnceCell<SdkConfig>;

/// Clients and cached credentials, shared by reads and writes.
pub struct AwsProvider {
    base: SdkConfig,
    opts: AwsOptions,
    caller: AccountId,
    /// Per account: its SDK configuration (credentials from AssumeRole unless it is the caller).
    configs: Mutex<HashMap<AccountId, Arc<ConfigCell>>>,
    limiter: Limiter,
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
}

/// Counts every HTTP attempt (retries included) per scope, as the SDK sends it.
#[derive(Debug)]
pub(crate) struct CountCalls {
    scope: String,
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "shubctl::CountCalls"
    }

    fn read_before_transmit(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        *self
            .calls
            .lock()
            .expect("not poisoned")
            .entry(self.scope.clone())
            .or_default() += 1;
        Ok(())
    }
}

impl AwsProvider {
    /// Loads the standard configuration and identifies the caller. `shared` overrides the
    /// loaded configuration (tests point it at the emulator).
    pub async fn connect(
        opts: AwsOptions,
        shared: Option<SdkConfig>,
    ) -> Result<Self, ProviderError> {
        let base = match shared {
            Some(c) => c,
            None => {
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
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
        if base.region().is_none() {
            return Err(ProviderError { target: "aws".into(), code: None, message: "no AWS region configured: set AWS_REGION or a profile region (it picks the STS and Organizations endpoints; scopes use the policy's regions)".into() });
        }
        let sts = aws_sdk_sts::Client::new(&base);
        let who = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| sdk_error("aws", e))?;
        let caller = who
            .account()
            .and_then(|a| AccountId::parse(a).ok())
            .ok_or_else(|| ProviderError {
                target: "aws".into(),
                code: None,
                message: "GetCallerIdentity returned no account".into(),
            })?;
        let limiter = Limiter::new(opts.rate_scale);
        Ok(AwsProvider {
            base,
            opts,
            caller,
            configs: Mutex::new(HashMap::new()),
            limiter,
            calls: Arc::new(Mutex::new(BTreeMap::new())),
        })
    }

    pub fn caller(&self) -> &AccountId {
        &self.caller
    }

    /// API calls made so far, per `account/region` (and `account/global` for Organizations).
    pub fn api_calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().expect("not poisoned").clone()
    }

    /// Waits for the rate limiter before a call.
    async fn gate(&self, account: &AccountId, region: &str, op: &'static str) {
        self.limiter.acquire(account.as_str(), region, op).await;
    }

    /// The interceptor that counts this scope's calls.
    pub(crate) fn counter(&self, account: &AccountId, region: &str) -> CountCalls {
        CountCalls {
            scope: format!("{account}/{region}"),
            calls: self.calls.clone(),
        }
    }

    async fn config_for(&self, account: &AccountId) -> Result<SdkConfig, ProviderError> {
        if account == &self.caller {
            return Ok(self.base.clone());
        }
        let cell = self
            .configs
            .lock()
            .expect("not poisoned")
            .entry(account.clone())
            .or_default()
            .clone();
        // A failure is not cached: a throttled AssumeRole is tried again on the next use.
        cell.get_or_try_init(|| async {
            let role_arn = format!("arn:aws:iam::{account}:role/{}", self.opts.role);
            let mut b = aws_config::sts::AssumeRoleProvider::builder(role_arn.clone())
                .session_name("shubctl")
                .configure(&self.base);
            if let Some(x) = &self.opts.external_id {
                b = b.external_id(x);
            }
            let provider = b.build().await;
            // Assume once now, so an account we cannot reach fails here, as itself.
            use aws_credential_types::provider::ProvideCredentials;
            provider
                .provide_credentials()
                .await
                .map_err(|e| ProviderError {
                    target: account.to_string(),
                    code: Some("AssumeRoleFailed".into()),
                    message: format!(
                        "cannot assume {role_arn}: {}",
                        readable(
                            &aws_smithy_types::error::display::DisplayErrorContext(&e).to_string()
                        )
                    ),
                })?;
            Ok::<_, ProviderError>(
                self.base
                    .to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(provider))
                    .build(),
            )
        })
        .await
        .cloned()
    }

    async fn securityhub(
        &self,
        account: &AccountId,
        region: &str,
    ) -> Result<aws_sdk_securityhub::Client, ProviderError> {
        let cfg = self.config_for(account).await?;
        let conf = aws_sdk_securityhub::config::Builder::from(&cfg)
            .region(Region::new(region.to_string()))
            .interceptor(self.counter(account, region))
            .build();
        Ok(aws_sdk_securityhub::Client::from_conf(conf))
    }

    async fn organizations(&self) -> Result<aws_sdk_organizations::Client, ProviderError> {
        let cfg = self.config_for(&self.caller).await?;
        // Organizations is global; its endpoint is in us-east-1.
        let conf = aws_sdk_organizations::config::Builder::from(&cfg)
            .region(Region::new("us-east-1"))
            .interceptor(self.counter(&self.caller, "global"))
            .build();
        Ok(aws_sdk_organizations::Client::from_conf(conf))
    }
}

/// An SDK error as a provider error: the service's code and message when there are some.
pub(crate) fn sdk_error<E, R>(
    target: impl Into<String>,
    e: aws_sdk_securityhub::error::SdkError<E, R>,
) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = e.code().map(str::to_string);
    let message = match e.message() {
        Some(m) => m.to_string(),
        None => readable(&aws_smithy_types::error::display::DisplayErrorContext(&e).to_string()),
    };
    ProviderError {
        target: target.into(),
        code,
        message,
    }
}

/// The SDK's error chain without the Debug dump it appends (` (DispatchFailure(…))`).
pub(crate) fn readable(chain: &str) -> String {
    let bytes = chain.as_bytes();
    let mut cut = chain.len();
    for (i, _) in chain.match_indices(" (") {
        let rest = &bytes[i + 2..];
        let ident = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if ident > 0
            && rest[0].is_ascii_uppercase()
            && rest.get(ident) == Some(&b'(')
            && chain.ends_with(')')
        {
            cut = i;
            break;
        }
    }
    chain[..cut].trim_end().to_string()
}

impl StateSource for AwsProvider {
    async fn read_org(&self) -> Result<OrgInfo, ProviderError> {
        if !self.opts.organization {
            return Ok(OrgInfo::default());
        }
        read::organization(self).await
    }

    async fn read_scope(
        &self,
        account: &AccountId,
        region: &str,
        kinds: &KindSet,
    ) -> Result<Vec<(Address, Resource)>, ProviderError> {
        read::scope(self, account, region, kinds).await
    }
}

impl Executor for AwsProvider {
    async fn execute(&self, batch: &[Change]) -> Vec<Result<(), ProviderError>> {
        write::batch(self, batch).await
    }
}

/// Kinds this provider does not manage yet.
pub fn unsupported_kinds() -> &'static [Kind] {
    &[]
}

#[cfg(test)]
mod tests {
    #[test]
    fn readable_drops_the_debug_tail() {
        assert_eq!(
            super::readable(
                "dispatch failure: no credentials (DispatchFailure(DispatchFailure { x: 1 }))"
            ),
            "dispatch failure: no credentials"
        );
        assert_eq!(
            super::readable("service error: Access denied (for role x)"),
            "service error: Access denied (for role x)"
        );
    }
}
