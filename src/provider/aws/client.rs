//! Clients: one SDK configuration per account (the caller's own, or assumed through the
//! policy's role and cached), every service client built the same way, and an interceptor that
//! counts every HTTP attempt per scope.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use tokio::sync::OnceCell;

use super::error::readable;
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

/// A service client the provider can build for any account and region.
pub(crate) trait SdkClient: Sized {
    fn make(cfg: &SdkConfig, region: &str, counter: CountCalls) -> Self;
}

macro_rules! sdk_clients {
    ($($krate:ident),* $(,)?) => {$(
        impl SdkClient for $krate::Client {
            fn make(cfg: &SdkConfig, region: &str, counter: CountCalls) -> Self {
                $krate::Client::from_conf(
                    $krate::config::Builder::from(cfg)
                        .region(Region::new(region.to_string()))
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
);

/// Per-account SDK configurations and the call counter, shared by reads and writes.
pub(crate) struct Clients {
    pub base: SdkConfig,
    pub caller: AccountId,
    pub role: String,
    pub external_id: Option<String>,
    configs: Mutex<HashMap<AccountId, Arc<OnceCell<SdkConfig>>>>,
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl Clients {
    pub fn new(
        base: SdkConfig,
        caller: AccountId,
        role: String,
        external_id: Option<String>,
    ) -> Self {
        Clients {
            base,
            caller,
            role,
            external_id,
            configs: Mutex::new(HashMap::new()),
            calls: Arc::new(Mutex::new(BTreeMap::new())),
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
        Ok(C::make(&cfg, region, self.counter(account, counted_as)))
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
        let role_arn = format!("arn:aws:iam::{account}:role/{}", self.role);
        let mut b = aws_config::sts::AssumeRoleProvider::builder(role_arn.clone())
            .session_name("shubctl")
            .configure(&self.base);
        if let Some(x) = &self.external_id {
            b = b.external_id(x);
        }
        let provider = b.build().await;
        // Assume once now, so an account we cannot reach fails here, as itself.
        use aws_credential_types::provider::ProvideCredentials;
        provider.provide_credentials().await.map_err(|e| {
            ProviderError::new(
                Target::Account(account.clone()),
                Some("AssumeRoleFailed"),
                format!(
                    "cannot assume {role_arn}: {}",
                    readable(
                        &aws_smithy_types::error::display::DisplayErrorContext(&e).to_string()
                    )
                ),
            )
        })?;
        Ok(self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build())
    }
}
