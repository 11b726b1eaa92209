//! The state source a command runs against (a snapshot file or live AWS), and a decorator that
//! reports progress as scopes are read and changes applied.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::aws::AwsProvider;
use super::snapshot::Snapshot;
use super::{Executor, ProviderError, StateSource};
use crate::model::Change;
use crate::model::{KindSet, OrgInfo, Scope, ScopeState};

/// Where current state comes from and where changes go.
pub enum AnySource {
    Snapshot { snapshot: Snapshot, path: PathBuf },
    Aws(Box<AwsProvider>),
}

impl AnySource {
    /// How the plan names its source.
    pub fn name(&self) -> String {
        match self {
            AnySource::Snapshot { path, .. } => format!("snapshot {}", path.display()),
            AnySource::Aws(p) => format!("aws (as account {})", p.caller()),
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self, AnySource::Aws(_))
    }

    /// API calls made so far per `account/region` (live AWS only).
    pub fn api_calls(&self) -> std::collections::BTreeMap<String, u64> {
        match self {
            AnySource::Snapshot { .. } => Default::default(),
            AnySource::Aws(p) => p.api_calls(),
        }
    }
}

impl StateSource for AnySource {
    async fn control_catalog(
        &self,
        scope: &Scope,
        members_of: &[String],
    ) -> Result<Option<crate::model::live_catalog::LiveDefinitions>, ProviderError> {
        match self {
            AnySource::Snapshot { .. } => Ok(None),
            AnySource::Aws(p) => p.control_catalog(scope, members_of).await,
        }
    }
    async fn control_definitions(
        &self,
        scope: &Scope,
    ) -> Result<Option<Vec<(String, bool)>>, ProviderError> {
        match self {
            AnySource::Snapshot { snapshot, .. } => snapshot.control_definitions(scope).await,
            AnySource::Aws(p) => p.control_definitions(scope).await,
        }
    }
    async fn read_org(&self) -> Result<OrgInfo, ProviderError> {
        match self {
            AnySource::Snapshot { snapshot, .. } => snapshot.read_org().await,
            AnySource::Aws(p) => p.read_org().await,
        }
    }
    async fn read_scope(
        &self,
        scope: &Scope,
        kinds: &KindSet,
    ) -> Result<ScopeState, ProviderError> {
        match self {
            AnySource::Snapshot { snapshot, .. } => snapshot.read_scope(scope, kinds).await,
            AnySource::Aws(p) => p.read_scope(scope, kinds).await,
        }
    }
}

impl Executor for AnySource {
    async fn execute(&self, batch: &[Change]) -> Vec<Result<(), ProviderError>> {
        match self {
            AnySource::Snapshot { snapshot, .. } => snapshot.execute(batch).await,
            AnySource::Aws(p) => p.execute(batch).await,
        }
    }
}

/// Passes calls through and reports `(done, total)` after each scope read or batch applied.
pub struct Counting<'a, S, F: Fn(usize, usize) + Sync> {
    inner: &'a S,
    total: usize,
    done: AtomicUsize,
    report: F,
}

impl<'a, S, F: Fn(usize, usize) + Sync> Counting<'a, S, F> {
    pub fn new(inner: &'a S, total: usize, report: F) -> Self {
        Counting {
            inner,
            total,
            done: AtomicUsize::new(0),
            report,
        }
    }
    fn tick(&self, n: usize) {
        let done = self.done.fetch_add(n, Ordering::SeqCst) + n;
        (self.report)(done, self.total);
    }
}

impl<S: StateSource, F: Fn(usize, usize) + Sync> StateSource for Counting<'_, S, F> {
    async fn read_org(&self) -> Result<OrgInfo, ProviderError> {
        self.inner.read_org().await
    }
    async fn read_scope(
        &self,
        scope: &Scope,
        kinds: &KindSet,
    ) -> Result<ScopeState, ProviderError> {
        let r = self.inner.read_scope(scope, kinds).await;
        self.tick(1);
        r
    }
}

impl<S: Executor, F: Fn(usize, usize) + Sync> Executor for Counting<'_, S, F> {
    async fn execute(&self, batch: &[Change]) -> Vec<Result<(), ProviderError>> {
        let r = self.inner.execute(batch).await;
        self.tick(batch.len());
        r
    }
}
