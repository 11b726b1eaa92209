//! What a provider is: something that reads current state (a snapshot file, live AWS) and
//! something that carries out changes. The engine and apply work through these traits only.

use std::future::Future;

use super::change::Change;
use super::error::ProviderError;
use super::health::{HealthAsk, ScopeHealth, StuckFindings};
use super::state::ScopeState;
use super::{KindSet, OrgInfo, Scope};

/// Reads current state. Fallible per scope: one unreadable account does not stop the others.
pub trait StateSource: Sync {
    /// The organisation's accounts, OUs and enabled regions (empty for a single account).
    fn read_org(&self) -> impl Future<Output = Result<OrgInfo, ProviderError>> + Send;
    /// The resources of the given kinds in one account × region (other kinds may be left out
    /// or included; the engine keeps only those asked for).
    fn read_scope(
        &self,
        scope: &Scope,
        kinds: &KindSet,
    ) -> impl Future<Output = Result<ScopeState, ProviderError>> + Send;
    /// The controls AWS defines in `scope`'s region, as that account sees them
    /// (`ListSecurityControlDefinitions`): each ID with whether AWS offers it there. `None`
    /// when the source has no such list (a snapshot).
    fn control_definitions(
        &self,
        _scope: &Scope,
    ) -> impl Future<Output = Result<Option<Vec<(String, bool)>>, ProviderError>> + Send {
        async { Ok(None) }
    }
    /// Every control AWS defines in `scope`'s region as that account sees it, with the members
    /// of the standards `members_of` (full ARNs): what a live plan consults for controls the
    /// catalog lacks. `None` when the source has no such list (a snapshot).
    fn control_catalog(
        &self,
        _scope: &Scope,
        _members_of: &[String],
    ) -> impl Future<Output = Result<Option<super::live_catalog::LiveDefinitions>, ProviderError>> + Send
    {
        async { Ok(None) }
    }
}

/// Carries out changes. A batch holds changes of one kind in one scope, so a provider can use
/// the API's batch calls; the result has one entry per change, in order.
pub trait Executor: Sync {
    fn execute(
        &self,
        batch: &[Change],
    ) -> impl Future<Output = Vec<Result<(), ProviderError>>> + Send;
}

/// Reads what `shubctl doctor` checks: operating health beyond the declared kinds.
pub trait HealthSource: StateSource {
    fn read_health(
        &self,
        scope: &Scope,
        ask: &HealthAsk,
    ) -> impl Future<Output = Result<ScopeHealth, ProviderError>> + Send;
    /// Active findings in NEW created more than `older_than_days` ago that `scope`'s account
    /// sees from its region (its members' too, and linked regions' when it holds the
    /// aggregator there), counted up to `limit`.
    fn stuck_findings(
        &self,
        scope: &Scope,
        older_than_days: u32,
        limit: u64,
    ) -> impl Future<Output = Result<StuckFindings, ProviderError>> + Send;
}
