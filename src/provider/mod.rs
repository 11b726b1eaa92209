//! Where current state comes from and where changes go: the providers (an offline snapshot
//! file, live AWS through the SDK) behind the traits in [`crate::model::provider`], and reading
//! many scopes at once.

pub mod any;
pub mod aws;
pub mod file;
pub mod snapshot;

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};

pub use crate::model::ProviderError;
pub use crate::model::provider::{Executor, StateSource};
use crate::model::state::Local;
use crate::model::{KindSet, ReadPlan, Scope, ScopeState, State, Target};

/// Reads `scopes` (each with the kinds to read and something of the caller's carried along),
/// `concurrency` at a time, handing each result to `each` as soon as it is in: in completion
/// order, so one slow scope holds up no other, and the iterator is only advanced as reads
/// finish, so only what is in flight is held. A scope's state holds only the kinds asked for,
/// and of kinds keyed by service only the services the read plan names; a failure is
/// attributed to its scope.
pub async fn read_each<S, T, I, F>(
    source: &S,
    scopes: I,
    only: &ReadPlan,
    concurrency: usize,
    mut each: F,
) where
    S: StateSource,
    I: IntoIterator<Item = (Scope, KindSet, T)>,
    F: FnMut(Scope, KindSet, T, Result<ScopeState, ProviderError>),
{
    let mut results = stream::iter(scopes)
        .map(|(scope, kinds, carried)| async move {
            let r = source.read_scope(&scope, &kinds).await;
            (scope, kinds, carried, r)
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((scope, kinds, carried, r)) = results.next().await {
        let r = match r {
            Ok(mut s) => {
                s.retain_kinds(&kinds);
                s.resources.retain(|l, _| covered(only, l));
                Ok(s)
            }
            // Keep the scope in the target, so callers know what is unknown.
            Err(mut e) => {
                if e.target.scope().as_ref() != Some(&scope) {
                    e.message = format!("{}: {}", e.target, e.message);
                    e.target = Target::Scope(scope.clone());
                }
                Err(e)
            }
        };
        each(scope, kinds, carried, r);
    }
}

/// Whether a resource is one the read plan's services cover (kinds keyed by service).
fn covered(reads: &ReadPlan, l: &Local) -> bool {
    match (reads.only.get(&l.kind), &l.id) {
        (Some(services), Some(id)) => services.iter().any(|s| s.id() == id),
        _ => true,
    }
}

/// Reads every scope of the plan into one state; scopes that fail are returned beside it.
pub async fn read_state<S: StateSource>(
    source: &S,
    reads: &ReadPlan,
    concurrency: usize,
) -> (State, Vec<ProviderError>) {
    let mut scopes = BTreeMap::new();
    let mut failures = Vec::new();
    let wanted = reads.scopes.iter().map(|(s, k)| (s.clone(), k.clone(), ()));
    read_each(
        source,
        wanted,
        reads,
        concurrency,
        |scope, _, (), r| match r {
            Ok(s) => {
                scopes.insert(scope, s);
            }
            Err(e) => failures.push(e),
        },
    )
    .await;
    failures.sort_by(|a, b| a.target.cmp(&b.target));
    (State { scopes }, failures)
}
