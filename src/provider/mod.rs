//! Where current state comes from and where changes go: the traits every provider implements
//! (an offline snapshot file, live AWS through the SDK), and the decorators shared by both.

pub mod any;
pub mod aws;
pub mod snapshot;

pub use crate::model::ProviderError;
pub use crate::model::provider::{Executor, StateSource};
use crate::model::{ReadPlan, State, Target};

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
