//! What `shubctl doctor` reads: Security Hub's operating state (`securityhub::health`), AWS
//! Config's recorder (through the AWS SDK for Rust's AWS Config crate), the integrated
//! services' enablement (their kinds' own reads), and findings left in NEW.

use aws_sdk_config::types::RecorderStatus;

use super::error::sdk_error;
use super::{AwsProvider, ScopeCx, guardduty, inspector, macie, securityhub};
use crate::model::health::{HealthAsk, RecorderHealth, ScopeHealth, StuckFindings};
use crate::model::provider::HealthSource;
use crate::model::{KindSet, ProviderError, Resource, Scope, ScopeState, Service};

/// The customer-managed recorder (AWS Config allows one per account and region) and its
/// status; `None` when there is none.
async fn recorder(cx: &ScopeCx<'_>) -> Result<Option<RecorderHealth>, ProviderError> {
    let client: aws_sdk_config::Client = cx.client().await?;
    cx.gate("config", "DescribeConfigurationRecorders").await;
    let recorders = client
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| sdk_error(cx.target(), e))?;
    let Some(r) = recorders.configuration_recorders().first() else {
        return Ok(None);
    };
    let name = r.name().unwrap_or("default").to_string();
    cx.gate("config", "DescribeConfigurationRecorderStatus")
        .await;
    let statuses = client
        .describe_configuration_recorder_status()
        .configuration_recorder_names(&name)
        .send()
        .await
        .map_err(|e| sdk_error(cx.target(), e))?;
    let status = statuses.configuration_recorders_status().first();
    let group = r.recording_group();
    Ok(Some(RecorderHealth {
        recording: status.is_some_and(|s| s.recording()),
        last_status: status
            .and_then(|s| s.last_status())
            .map(|s: &RecorderStatus| s.as_str().to_string()),
        last_error: status.and_then(|s| match (s.last_error_code(), s.last_error_message()) {
            (Some(c), Some(m)) => Some(format!("{c}: {m}")),
            (Some(c), None) => Some(c.to_string()),
            (None, m) => m.map(str::to_string),
        }),
        all_supported: group.is_some_and(|g| g.all_supported()),
        include_global: group.is_some_and(|g| g.include_global_resource_types()),
        name,
    }))
}

/// Whether an integrated service is on in the scope, read through its kind's reader.
async fn service_enabled(cx: &ScopeCx<'_>, service: Service) -> Result<bool, ProviderError> {
    let Some(kind) = service.account_kind() else {
        return Ok(true);
    };
    let kinds = KindSet::from([kind]);
    let mut out = ScopeState::default();
    match service {
        Service::GuardDuty => guardduty::read(cx, &kinds, &mut out).await?,
        Service::Inspector => inspector::read(cx, &kinds, &mut out).await?,
        Service::Macie => macie::read(cx, &kinds, &mut out).await?,
        _ => return Ok(true),
    }
    Ok(match out.get(kind, None) {
        Some(Resource::GuardDuty(v)) => v.status == crate::model::resource::Switch::Enabled,
        Some(Resource::Inspector(v)) => !v.resource_types.is_empty(),
        Some(Resource::Macie(v)) => v.status == crate::model::resource::MacieStatus::Enabled,
        _ => false,
    })
}

impl HealthSource for AwsProvider {
    async fn read_health(
        &self,
        scope: &Scope,
        ask: &HealthAsk,
    ) -> Result<ScopeHealth, ProviderError> {
        let cx = ScopeCx::new(self, &scope.account, &scope.region);
        let mut h = securityhub::health(&cx, ask).await?;
        h.recorder = recorder(&cx).await?;
        for s in &ask.services {
            h.services.insert(*s, service_enabled(&cx, *s).await?);
        }
        Ok(h)
    }

    async fn stuck_findings(
        &self,
        scope: &Scope,
        older_than_days: u32,
        limit: u64,
    ) -> Result<StuckFindings, ProviderError> {
        let cx = ScopeCx::new(self, &scope.account, &scope.region);
        securityhub::stuck_findings(&cx, older_than_days, limit).await
    }
}
