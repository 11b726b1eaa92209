//! Clients: one SDK configuration per account (the caller's own, or assumed through the
//! policy's role and cached), every service client built the same way, and an interceptor that
//! counts every HTTP attempt per scope.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use std::time::{Duration, SystemTime};

use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_sdk_sts::config::retry::RetryPartition;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::sync::OnceCell;

use super::error::readable;
use super::limiter::Limiter;
use crate::model::catalog::partition_of;
use crate::model::{AccountId, ProviderError, Target};

/// Counts every HTTP attempt (retries included) per scope, as the SDK sends it.
#[derive(Debug, Clone)]
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

/// Remembers the URI of the last request sent through it, so a connection that cannot be
/// made is reported with the endpoint the SDK resolved.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeenUri(Arc<Mutex<Option<String>>>);

impl SeenUri {
    pub fn get(&self) -> Option<String> {
        self.0.lock().expect("not poisoned").clone()
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for SeenUri {
    fn name(&self) -> &'static str {
        "shubctl::SeenUri"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let uri = context.request().uri();
        // Scheme, host and port: where the connection went, without the query.
        let shown = uri.split('?').next().unwrap_or(uri).trim_end_matches('/');
        *self.0.lock().expect("not poisoned") = Some(shown.to_string());
        Ok(())
    }
}

/// One HTTPS client (connectors, TLS configuration, connection pool) for every service client
/// of every account and region. Left alone, the SDK builds a new one for each client, so each
/// scope would pay for its own TLS set-up and connections.
pub(crate) fn shared_https_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    let inner =
        aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
            // As the SDK's default client: rustls with aws-lc, proxies from the environment.
            let mut b = aws_smithy_http_client::ConnectorBuilder::default()
                .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
            b.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                b.set_sleep_impl(components.sleep_impl());
            }
            b.set_proxy_config(Some(aws_smithy_http_client::proxy::ProxyConfig::from_env()));
            b.build()
        });
    SharedHttpClient::new(SharedOnce(inner))
}

/// The shared client, minus the validation the SDK runs every time a client is built: for
/// this client it builds a throw-away connector (TLS roots and all) to load certificates
/// early, which for one client per scope was a tenth of a plan's CPU time.
#[derive(Debug)]
struct SharedOnce(SharedHttpClient);

impl HttpClient for SharedOnce {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// A service client the provider can build for any account and region.
pub(crate) trait SdkClient: Sized {
    fn make(cfg: &SdkConfig, account: &AccountId, region: &str, counter: CountCalls) -> Self;
}

// Each account × region gets its own retry partition: AWS's quotas are per account and
// region, so one throttled scope must not use up the retry budget of all the others.
macro_rules! sdk_clients {
    ($($krate:ident),* $(,)?) => {$(
        impl SdkClient for $krate::Client {
            fn make(cfg: &SdkConfig, account: &AccountId, region: &str, counter: CountCalls) -> Self {
                $krate::Client::from_conf(
                    $krate::config::Builder::from(cfg)
                        .region(Region::new(region.to_string()))
                        .retry_partition(RetryPartition::new(format!(
                            "{}:{account}:{region}",
                            stringify!($krate)
                        )))
                        .interceptor(counter)
                        .build(),
                )
            }
        }
    )*};
}

sdk_clients!(
    aws_sdk_securityhub,
    aws_sdk_guardduty,
    aws_sdk_inspector2,
    aws_sdk_macie2,
    aws_sdk_accessanalyzer,
    aws_sdk_organizations,
    aws_sdk_config,
    aws_sdk_account,
    aws_sdk_eventbridge,
    aws_sdk_lambda,
);

/// Per-account SDK configurations and the call counter, shared by reads and writes (and so by
/// plan, apply and verify in one run: each account's role is assumed once).
pub(crate) struct Clients {
    pub base: SdkConfig,
    pub caller: AccountId,
    pub role: String,
    pub external_id: Option<String>,
    limiter: Arc<Limiter>,
    configs: Mutex<HashMap<AccountId, Arc<OnceCell<SdkConfig>>>>,
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
    /// One STS client, as the caller, for every AssumeRole (a client per account costs memory
    /// in a large organisation and buys nothing).
    sts: aws_sdk_sts::Client,
    sts_region: String,
}

impl Clients {
    /// The configured region (checked present at connect): it picks the partition.
    pub fn base_region(&self) -> &str {
        self.base.region().map(|r| r.as_ref()).unwrap_or_default()
    }

    pub fn new(
        base: SdkConfig,
        caller: AccountId,
        role: String,
        external_id: Option<String>,
        limiter: Arc<Limiter>,
    ) -> Self {
        let calls = Arc::new(Mutex::new(BTreeMap::new()));
        let sts_region = base.region().map(|r| r.to_string()).unwrap_or_default();
        // Retries are ours (paced and backed off), not the SDK's shared retry budget.
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&base)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .interceptor(CountCalls {
                    scope: format!("{caller}/{sts_region}"),
                    calls: calls.clone(),
                })
                .build(),
        );
        Clients {
            base,
            caller,
            role,
            external_id,
            limiter,
            configs: Mutex::new(HashMap::new()),
            calls,
            sts,
            sts_region,
        }
    }

    pub fn api_calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().expect("not poisoned").clone()
    }

    fn counter(&self, account: &AccountId, region: &str) -> CountCalls {
        CountCalls {
            scope: format!("{account}/{region}"),
            calls: self.calls.clone(),
        }
    }

    /// A client of service `C` acting as `account` in `region`; `counted_as` is the region the
    /// calls are counted under (`global` for Organizations).
    pub async fn client<C: SdkClient>(
        &self,
        account: &AccountId,
        region: &str,
        counted_as: &str,
    ) -> Result<C, ProviderError> {
        let cfg = self.config_for(account).await?;
        Ok(C::make(
            &cfg,
            account,
            region,
            self.counter(account, counted_as),
        ))
    }

    /// The account's SDK configuration: the caller's own, or credentials from assuming the
    /// policy's role there, assumed once and shared.
    pub async fn config_for(&self, account: &AccountId) -> Result<SdkConfig, ProviderError> {
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
        cell.get_or_try_init(|| self.assume(account)).await.cloned()
    }

    async fn assume(&self, account: &AccountId) -> Result<SdkConfig, ProviderError> {
        // The role is in the caller's partition: the one of the configured region.
        let role_arn = format!(
            "arn:{}:iam::{account}:role/{}",
            partition_of(&self.sts_region).name,
            self.role
        );
        let role = Arc::new(AssumedRole {
            sts: self.sts.clone(),
            limiter: self.limiter.clone(),
            caller: self.caller.clone(),
            sts_region: self.sts_region.clone(),
            account: account.clone(),
            role_arn,
            external_id: self.external_id.clone(),
            cached: tokio::sync::Mutex::new(None),
        });
        // Assume once now, so an account we cannot reach fails here, as itself.
        role.credentials().await?;
        Ok(self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(AssumedCredentials(role)))
            .build())
    }
}

/// Credentials of a role assumed in one account: assumed once, paced to STS's quota, retried
/// when throttled or when AWS has a passing fault, and assumed again shortly before they
/// expire.
#[derive(Debug)]
struct AssumedRole {
    sts: aws_sdk_sts::Client,
    limiter: Arc<Limiter>,
    caller: AccountId,
    sts_region: String,
    account: AccountId,
    role_arn: String,
    external_id: Option<String>,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

const ASSUME_ATTEMPTS: u32 = 10;
/// Assume again when the credentials have less than this left.
const REFRESH_BEFORE: Duration = Duration::from_secs(300);

impl AssumedRole {
    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            let fresh = c
                .expiry()
                .is_none_or(|e| e > SystemTime::now() + REFRESH_BEFORE);
            if fresh {
                return Ok(c.clone());
            }
        }
        let c = self.assume().await?;
        *cached = Some(c.clone());
        Ok(c)
    }

    async fn assume(&self) -> Result<Credentials, ProviderError> {
        let mut attempt = 0;
        loop {
            self.limiter
                .acquire(self.caller.as_str(), &self.sts_region, "sts", "AssumeRole")
                .await;
            let r = self
                .sts
                .assume_role()
                .role_arn(&self.role_arn)
                .role_session_name("shubctl")
                .set_external_id(self.external_id.clone())
                .send()
                .await;
            match r {
                Ok(out) => {
                    let c = out.credentials().ok_or_else(|| {
                        self.failed(None, "AssumeRole returned no credentials".into())
                    })?;
                    return Ok(Credentials::new(
                        c.access_key_id(),
                        c.secret_access_key(),
                        Some(c.session_token().to_string()),
                        SystemTime::try_from(*c.expiration()).ok(),
                        "shubctl-assume-role",
                    ));
                }
                Err(e) if attempt + 1 < ASSUME_ATTEMPTS && retryable(&e) => {
                    tokio::time::sleep(backoff(attempt, self.account.as_str())).await;
                    attempt += 1;
                }
                Err(e) => {
                    let code = e.code().map(str::to_string);
                    let message = match e.message() {
                        Some(m) => m.to_string(),
                        None => readable(
                            &aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
                        ),
                    };
                    return Err(self.failed(code.as_deref(), message));
                }
            }
        }
    }

    fn failed(&self, code: Option<&str>, message: String) -> ProviderError {
        ProviderError::new(
            Target::Account(self.account.clone()),
            Some(code.unwrap_or("AssumeRoleFailed")),
            format!("cannot assume {}: {message}", self.role_arn),
        )
    }
}

/// Throttling, AWS's passing faults and a connection that failed are worth another try.
fn retryable<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    match e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => matches!(
            e.code(),
            Some(
                "Throttling"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "TooManyRequestsException"
                    | "InternalFailure"
                    | "ServiceUnavailable"
            )
        ),
    }
}

/// Exponential backoff from 200 ms to 20 s, with jitter that differs per account so retries
/// do not arrive together.
fn backoff(attempt: u32, salt: &str) -> Duration {
    let base = (0.2 * 2f64.powi(attempt as i32)).min(20.0);
    let h = salt.bytes().fold(u64::from(attempt) + 1, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    Duration::from_secs_f64(base * (0.5 + (h % 1000) as f64 / 2000.0))
}

#[derive(Debug)]
struct AssumedCredentials(Arc<AssumedRole>);

impl ProvideCredentials for AssumedCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.0
                .credentials()
                .await
                .map_err(|e| CredentialsError::provider_error(e.to_string()))
        })
    }
}
