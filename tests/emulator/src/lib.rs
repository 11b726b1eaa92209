//! A loopback emulator of the AWS APIs shubctl uses (Security Hub CSPM, GuardDuty, Inspector2,
//! Macie2, IAM Access Analyzer, Organizations, EventBridge, Lambda permissions, STS), speaking
//! each service's real wire protocol so that the AWS SDK for Rust runs unmodified against it:
//! restJson1 for Security Hub, the integrated services and Lambda, awsJson1_1 for Organizations
//! and EventBridge, awsQuery for STS.
//!
//! Test infrastructure, not product code. State is kept AWS-shaped (ARNs, subscription
//! status, UUID-named insights and rules) per account × region and converted from and to the
//! shubctl snapshot format at [`Emulator::start`], [`Emulator::load`] and [`Emulator::dump`].
//!
//! Requests are routed on the SigV4 credential scope: the signing name picks the service, the
//! scope's region the region, and the access key (`AKID<12 digits>`, see
//! [`Emulator::access_key`]) the calling account. Signatures are not verified.

mod accessanalyzer;
mod account;
pub mod config;
mod events;
mod guardduty;
mod http;
pub mod iam;
mod inspector;
mod lambda;
mod macie;
mod modeled;
mod organizations;
mod quota;
mod route;
mod securityhub;
mod sts;
pub mod synthetic;
mod util;
mod world;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shubctl::provider::snapshot::SnapshotFile;

/// Behaviour knobs. Every field can be changed at run time with [`Emulator::set_config`].
#[derive(Clone, Debug)]
pub struct Config {
    /// Added to every response (default 0).
    pub latency: Duration,
    /// Share of requests answered 500 `InternalException` (default 0.0).
    pub fault_rate: f64,
    /// Share of requests whose connection is closed without an answer (default 0.0).
    pub drop_rate: f64,
    /// PRNG seed for faults and drops (default 1).
    pub seed: u64,
    /// Multiplies the documented rates and bursts (1.0 = AWS's; 0.2 = tight). Default 1.0.
    pub quota_scale: f64,
    /// Default true.
    pub quotas_enabled: bool,
    /// PENDING → READY (and DELETING → gone) delay of standards subscriptions; default 0.
    pub standard_delay: Duration,
    /// AssumeRole into these accounts → `AccessDenied`.
    pub unassumable_accounts: BTreeSet<String>,
    /// When set, AssumeRole succeeds only for this role name (and, if given, this external ID).
    pub assumable_role: Option<(String, Option<String>)>,
    /// CreateMembers returns these account IDs in `UnprocessedAccounts`.
    pub fail_create_members: BTreeSet<String>,
    /// BatchUpdateStandardsControlAssociations returns these security-control IDs in
    /// `UnprocessedAssociationUpdates` (ErrorCode `INVALID_INPUT`).
    pub fail_association_controls: BTreeSet<String>,
    /// Security Hub: `(region, control ID)` pairs AWS does not offer (regional availability).
    /// The association, control and definition calls answer for them as API.md §1.3 says.
    pub unavailable_controls: BTreeSet<(String, String)>,
    /// Security Hub: controls AWS defines beyond the built-in catalog (controls newer than
    /// it), each with the standards (short names, `fsbp/1.0.0`) it belongs to: listed by
    /// ListSecurityControlDefinitions (with `StandardsArn`, in those standards) and associated
    /// with those standards like any other control.
    pub newer_controls: std::collections::BTreeMap<String, Vec<String>>,
    /// ListSecurityControlDefinitions: items per page at most (default 100, AWS's maximum
    /// MaxResults). Separate from `page_size`: the catalog's ~500 definitions two at a time
    /// would be hundreds of calls in every live plan of every test.
    pub definitions_page_size: usize,
    /// Max items per page of list calls when the request's MaxResults is absent or larger
    /// (default 2 — small on purpose, to exercise paging).
    pub page_size: usize,
    /// Inspector: how long a resource type stays ENABLING after Enable before it is ENABLED
    /// (default 0).
    pub inspector_delay: Duration,
    /// Inspector Enable / Disable return these account IDs in `failedAccounts` (errorCode
    /// `INTERNAL_ERROR`) and change nothing for them.
    pub fail_inspector_accounts: BTreeSet<String>,
    /// Inspector BatchGetAccountStatus returns these account IDs in `failedAccounts` with the
    /// given errorCode (`ACCESS_DENIED`, `INTERNAL_ERROR`, …) instead of their status.
    pub fail_inspector_status: BTreeMap<String, String>,
    /// When set, every call must be allowed by the calling account's identity policies
    /// ([`iam`]); others are refused with AccessDenied. Default: not enforced.
    pub iam: Option<iam::IamPolicies>,
    /// Organizations: the largest SCP, in characters of the content as sent (default 5,120,
    /// AWS's documented quota).
    pub scp_max_chars: usize,
    /// Organizations: SCPs attached to one root, OU or account at most (default 5).
    pub scp_attachment_limit: usize,
    /// Organizations: how long the SCP type stays PENDING_ENABLE after EnablePolicyType
    /// (default 0).
    pub scp_enable_delay: Duration,
    /// Organizations: the first this many policy writes are answered as AWS answers while an
    /// earlier change is still being carried out (PolicyChangesInProgressException where the
    /// operation declares it, else ConcurrentModificationException), changing nothing
    /// (default 0).
    pub scp_busy_writes: u32,
    /// EventBridge: the largest event pattern, in characters (default 2,048, the default quota).
    pub event_pattern_max_chars: usize,
    /// Lambda: the functions that exist, by unqualified ARN. Their resource policies are state.
    pub lambda_functions: BTreeSet<String>,
    /// `(account, "<signing name>:<Operation>")` pairs IAM denies (the IAM action, e.g.
    /// `macie2:DisableMacie`): answered `AccessDeniedException` 403 (STS
    /// `AccessDenied`) "User: … is not authorized to perform: <service>:<operation>", the
    /// answer a missing permission gets, which for Macie shares its code with "Macie is not
    /// enabled".
    pub denied_operations: BTreeSet<(String, String)>,
    /// Security Hub central configuration: how long an association stays PENDING after it is
    /// started (default 0).
    pub association_delay: Duration,
    /// Security Hub central configuration: accounts a configuration policy fails to apply to
    /// (their association is FAILED with AWS's message, and the policy changes nothing there).
    pub fail_policy_accounts: BTreeSet<String>,
    /// Security Hub central configuration: how long a switch of the configuration type (to
    /// CENTRAL or back to LOCAL) reads `Status: PENDING` after it is asked for (default 0).
    /// AWS documents the switch as asynchronous, not what the configuration-policy APIs answer
    /// meanwhile: here they refuse as before the switch.
    pub org_switch_delay: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            latency: Duration::ZERO,
            fault_rate: 0.0,
            drop_rate: 0.0,
            seed: 1,
            quota_scale: 1.0,
            quotas_enabled: true,
            standard_delay: Duration::ZERO,
            unassumable_accounts: BTreeSet::new(),
            assumable_role: None,
            fail_create_members: BTreeSet::new(),
            fail_association_controls: BTreeSet::new(),
            unavailable_controls: BTreeSet::new(),
            newer_controls: Default::default(),
            definitions_page_size: 100,
            page_size: 2,
            inspector_delay: Duration::ZERO,
            fail_inspector_accounts: BTreeSet::new(),
            fail_inspector_status: BTreeMap::new(),
            iam: None,
            scp_max_chars: 5_120,
            scp_attachment_limit: 5,
            scp_enable_delay: Duration::ZERO,
            scp_busy_writes: 0,
            event_pattern_max_chars: 2_048,
            lambda_functions: BTreeSet::new(),
            denied_operations: BTreeSet::new(),
            association_delay: Duration::ZERO,
            fail_policy_accounts: BTreeSet::new(),
            org_switch_delay: Duration::ZERO,
        }
    }
}

/// One request as the emulator saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The SigV4 signing name: `securityhub`, `organizations`, `sts`, `guardduty`,
    /// `inspector2`, `macie2`, `access-analyzer`, `config`, `account`, `events` or `lambda`.
    pub service: String,
    /// The operation name, e.g. `DescribeHub`; `Unknown` when no route matched.
    pub operation: String,
    pub account: String,
    pub region: String,
    /// Whether the operation changes state (whether or not it succeeded).
    pub mutating: bool,
    /// The HTTP status answered; 0 when the connection was dropped without an answer.
    pub status: u16,
}

pub(crate) struct Inner {
    pub(crate) world: Mutex<world::World>,
    /// Shared, so a request takes the configuration without copying its sets.
    pub(crate) config: Mutex<Arc<Config>>,
    pub(crate) calls: Mutex<Vec<Call>>,
    pub(crate) rng: Mutex<util::Rng>,
    pub(crate) quotas: Mutex<quota::Quotas>,
    pub(crate) request_seq: std::sync::atomic::AtomicU64,
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    inner: Arc<Inner>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Binds 127.0.0.1:0 and serves in a background tokio task. Loads state from a shubctl
    /// snapshot. Panics if the snapshot cannot be represented (bad format version).
    pub async fn start(snapshot: SnapshotFile, config: Config) -> Emulator {
        Self::start_on(0, snapshot, config)
            .await
            .expect("bind 127.0.0.1:0")
    }

    /// Like [`Emulator::start`], on a given port (0 = any).
    pub async fn start_on(
        port: u16,
        snapshot: SnapshotFile,
        config: Config,
    ) -> std::io::Result<Emulator> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            world: Mutex::new(world::World::from_snapshot(snapshot)),
            rng: Mutex::new(util::Rng::new(config.seed)),
            config: Mutex::new(Arc::new(config)),
            calls: Mutex::new(Vec::new()),
            quotas: Mutex::new(quota::Quotas::default()),
            request_seq: std::sync::atomic::AtomicU64::new(0),
        });
        let task = tokio::spawn(http::serve(listener, inner.clone()));
        Ok(Emulator { inner, addr, task })
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The access key that authenticates as `account`: `AKID` + the account ID.
    pub fn access_key(account: &str) -> String {
        format!("AKID{account}")
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().expect("not poisoned").clone()
    }

    pub fn clear_calls(&self) {
        self.inner.calls.lock().expect("not poisoned").clear();
    }

    /// The current state, in the format the CLI reads.
    pub fn dump(&self) -> SnapshotFile {
        let cfg = self.config();
        let mut w = self.inner.world.lock().expect("not poisoned");
        w.tick_all(std::time::Instant::now());
        w.to_snapshot(&cfg)
    }

    /// Adds Security Hub findings (AWS's `AwsSecurityFinding` JSON, as `BatchImportFindings`
    /// takes them), as [`Emulator::put_findings`] does. Each must have the fields AWS
    /// requires; the error says which is missing. [`Emulator::load`] replaces the whole state,
    /// findings included.
    pub fn seed_findings(&self, findings: Vec<serde_json::Value>) -> Result<(), String> {
        self.put_findings(findings)
    }

    /// Replaces the whole state.
    pub fn load(&self, snapshot: SnapshotFile) {
        *self.inner.world.lock().expect("not poisoned") = world::World::from_snapshot(snapshot);
    }

    /// Replaces the configuration; resets the fault PRNG to the new seed and refills every
    /// quota bucket.
    pub fn set_config(&self, config: Config) {
        *self.inner.rng.lock().expect("not poisoned") = util::Rng::new(config.seed);
        *self.inner.quotas.lock().expect("not poisoned") = quota::Quotas::default();
        *self.inner.config.lock().expect("not poisoned") = Arc::new(config);
    }

    /// Gives a scope AWS Config's customer-managed recorder (or, with `None`, removes it): what
    /// `PutConfigurationRecorder` and `StartConfigurationRecorder` would leave. Not part of the
    /// snapshot format, so [`Emulator::load`] clears it.
    pub fn set_recorder(&self, account: &str, region: &str, recorder: Option<config::Recorder>) {
        self.inner
            .world
            .lock()
            .expect("not poisoned")
            .scope(account, region)
            .config
            .recorder = recorder;
    }

    /// Adds findings as a product's import would: each to the scope of its `AwsAccountId` and
    /// `Region` (or the region of its `ProductArn`). Err names the first finding that lacks what
    /// ASFF requires; nothing is added then.
    pub fn put_findings(&self, findings: Vec<serde_json::Value>) -> Result<(), String> {
        let placed: Vec<(String, String)> = findings
            .iter()
            .map(securityhub::placed)
            .collect::<Result<_, _>>()?;
        let mut w = self.inner.world.lock().expect("not poisoned");
        for ((account, region), f) in placed.into_iter().zip(findings) {
            w.scope(&account, &region).securityhub.findings.push(f);
        }
        Ok(())
    }

    /// Puts a standards subscription of a scope in `FAILED` or `INCOMPLETE` with AWS's
    /// `StatusReasonCode` (or, with `None`, back to normal). False when there is no such
    /// subscription.
    pub fn set_standard_trouble(
        &self,
        account: &str,
        region: &str,
        standard: &str,
        trouble: Option<(&'static str, &str)>,
    ) -> bool {
        let mut w = self.inner.world.lock().expect("not poisoned");
        match w
            .scope(account, region)
            .securityhub
            .standards
            .get_mut(standard)
        {
            Some(sub) => {
                sub.trouble = trouble.map(|(s, r)| (s, r.to_string()));
                true
            }
            None => false,
        }
    }

    /// The current configuration.
    pub fn config(&self) -> Config {
        Config::clone(&self.inner.config.lock().expect("not poisoned"))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}
