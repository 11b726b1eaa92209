//! Where current state comes from and where changes go: the traits every provider implements
//! (an offline snapshot file here; live AWS plugs into the same traits).

pub mod aws;
pub mod snapshot;

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::diff::Change;
use crate::model::{AccountId, Address, KindSet, OrgInfo, Resource, State};
use crate::spec::expand::ReadPlan;

/// A failure reported by a provider, attributed to a scope or an address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{target}: {}{message}", code.as_ref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct ProviderError {
    /// `account/region` or a full address.
    pub target: String,
    /// The service's error code, when there is one (`AccessDeniedException`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
}

/// Reads current state. Fallible per scope: one unreadable account does not stop the others.
pub trait StateSource: Sync {
    /// The organisation's accounts, OUs and enabled regions (empty for a single account).
    fn read_org(&self) -> impl Future<Output = Result<OrgInfo, ProviderError>> + Send;
    /// The resources of the given kinds in one account × region.
    fn read_scope(
        &self,
        account: &AccountId,
        region: &str,
        kinds: &KindSet,
    ) -> impl Future<Output = Result<Vec<(Address, Resource)>, ProviderError>> + Send;
}

/// Carries out changes. A batch holds changes of one kind in one scope, so a provider can use
/// the API's batch calls; the result has one entry per change, in order.
pub trait Executor: Sync {
    fn execute(
        &self,
        batch: &[Change],
    ) -> impl Future<Output = Vec<Result<(), ProviderError>>> + Send;
}

/// Reads every scope of the plan, `concurrency` scopes at a time; scopes that fail are
/// returned beside the state.
pub async fn read_state<S: StateSource>(
    source: &S,
    reads: &ReadPlan,
    concurrency: usize,
) -> (State, Vec<ProviderError>) {
    use futures::stream::{self, StreamExt};
    let results: Vec<_> = stream::iter(reads.iter())
        .map(|(account, region, kinds)| async move {
            let r = source.read_scope(&account, &region, kinds).await;
            (account, region, kinds, r)
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut all = Vec::new();
    let mut failures = Vec::new();
    for (account, region, kinds, r) in results {
        match r {
            Ok(items) => all.extend(
                items
                    .into_iter()
                    .filter(|(a, _)| kinds.contains(&a.kind) && reads.id_covered(a)),
            ),
            // Keep the scope in the target, so callers know what is unknown.
            Err(mut e) => {
                let scope = format!("{account}/{region}");
                if !e.target.starts_with(&scope) {
                    e.message = format!("{}: {}", e.target, e.message);
                    e.target = scope;
                }
                failures.push(e)
            }
        }
    }
    // Scopes come in address order, so this is a linear bulk build rather than n inserts.
    (
        State {
            resources: all.into_iter().collect(),
        },
        failures,
    )
}
