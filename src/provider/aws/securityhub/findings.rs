//! Active findings for reports (`shubctl report`): GetFindings, paged at 100 under its quota of
//! 3 requests a second (burst 6), from one account and region — the administrator in the
//! aggregator's home region sees the linked regions' findings too.

use std::ops::ControlFlow;

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, StringFilter, StringFilterComparison,
};

use super::Sh;
use crate::model::{AccountId, ProviderError};
use crate::provider::aws::error::sdk_error;
use crate::provider::aws::{AwsProvider, ScopeCx};

/// One finding, as much as a report shows of it.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingRow {
    pub account: String,
    pub region: String,
    /// `CRITICAL` … `INFORMATIONAL`.
    pub severity: String,
    /// The security control a control finding is about (`S3.8`).
    pub control: Option<String>,
    /// `PASSED`, `FAILED`, `WARNING`, `NOT_AVAILABLE`, when the finding has a compliance status.
    pub compliance: Option<String>,
    pub title: String,
    pub resource_type: String,
    pub resource: String,
}

/// What was read and how many calls it took.
pub struct FindingsRead {
    pub rows: Vec<FindingRow>,
    pub calls: u64,
}

fn eq(v: &str) -> StringFilter {
    StringFilter::builder()
        .comparison(StringFilterComparison::Equals)
        .value(v)
        .build()
}

impl AwsProvider {
    /// Active findings people still have to act on — the console's default view: record state
    /// ACTIVE, workflow NEW or NOTIFIED.
    pub async fn active_findings(
        &self,
        account: &AccountId,
        region: &str,
    ) -> Result<FindingsRead, ProviderError> {
        let cx = ScopeCx::new(self, account, region);
        let sh = Sh::new(&cx).await?;
        let filters = AwsSecurityFindingFilters::builder()
            .record_state(eq("ACTIVE"))
            .workflow_status(eq("NEW"))
            .workflow_status(eq("NOTIFIED"))
            .build();
        let mut rows = Vec::new();
        let calls = each_finding(&sh, &filters, |f| {
            let first = f.resources().first();
            let compliance = f.compliance();
            rows.push(FindingRow {
                account: f.aws_account_id().unwrap_or_default().to_string(),
                region: f.region().unwrap_or(region).to_string(),
                severity: f
                    .severity()
                    .and_then(|s| s.label())
                    .map_or("INFORMATIONAL".into(), |l| l.as_str().to_string()),
                control: compliance
                    .and_then(|c| c.security_control_id())
                    .map(str::to_string),
                compliance: compliance
                    .and_then(|c| c.status())
                    .map(|s| s.as_str().to_string()),
                title: f.title().unwrap_or_default().to_string(),
                resource_type: first
                    .and_then(|r| r.r#type())
                    .unwrap_or_default()
                    .to_string(),
                resource: first.and_then(|r| r.id()).unwrap_or_default().to_string(),
            });
            ControlFlow::Continue(())
        })
        .await?;
        Ok(FindingsRead { rows, calls })
    }
}

/// Pages GetFindings at 100 a page, each page waiting for the limiter (3 a second: every
/// page is a call against the quota), handing `each` every finding until it says to stop.
/// Returns the pages requested.
pub(super) async fn each_finding(
    sh: &Sh<'_>,
    filters: &AwsSecurityFindingFilters,
    mut each: impl FnMut(&AwsSecurityFinding) -> ControlFlow<()>,
) -> Result<u64, ProviderError> {
    let mut calls = 0;
    let mut token: Option<String> = None;
    loop {
        sh.gate("GetFindings").await;
        calls += 1;
        let page = sh
            .client
            .get_findings()
            .filters(filters.clone())
            .max_results(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| sdk_error(sh.target(), e))?;
        for f in page.findings() {
            if each(f).is_break() {
                return Ok(calls);
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(calls),
        }
    }
}
