//! Where current state comes from and where changes go: the traits every provider implements
//! (an offline snapshot file, live AWS through the SDK), and the decorators shared by both.

pub mod any;
pub mod aws;
pub mod snapshot;

use std::future::Future;

use crate::diff::Change;
use crate::model::{Address, KindSet, OrgInfo, ReadPlan, Resource, Scope, State, Target};

pub use crate::model::ProviderError;

/// Reads current state. Fallible per scope: one unreadable account does not stop the others.
pub trait StateSource: Sync {
    /// The organisation's accounts, OUs and enabled regions (empty for a single account).
    fn read_org(&self) -> impl Future<Output = Result<OrgInfo, ProviderError>> + Send;
    /// The resources of the given kinds in one account × region.
    fn read_scope(
        &self,
        scope: &Scope,
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
/// returned beside the state, each attributed to its scope.
pub async fn read_state<S: StateSource>(
    source: &S,
    reads: &ReadPlan,
    concurrency: usize,
) -> (State, Vec<ProviderError>) {
    use futures::stream::{self, StreamExt};
    let results: Vec<_> = stream::iter(reads.scopes.iter())
        .map(|(scope, kinds)| async move { (scope, kinds, source.read_scope(scope, kinds).await) })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut all = Vec::new();
    let mut failures = Vec::new();
    for (scope, kinds, r) in results {
        match r {
            Ok(items) => all.extend(
                items
                    .into_iter()
                    .filter(|(a, _)| kinds.contains(&a.kind) && reads.id_covered(a)),
            ),
            // Keep the scope in the target, so callers know what is unknown.
            Err(mut e) => {
                if e.target.scope().as_ref() != Some(scope) {
                    e.message = format!("{}: {}", e.target, e.message);
                    e.target = Target::Scope(scope.clone());
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
