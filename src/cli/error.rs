//! What can end a command early, with its causes kept as sources; printed once by `main`.

use crate::engine::EngineError;
use crate::model::ProviderError;
use crate::plan::PlanFileError;
use crate::provider::snapshot::SnapshotError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Connect(crate::provider::aws::ConnectError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Locked(#[from] crate::provider::file::LockError),
    #[error(
        "another shubctl apply holds the lock on this organisation (the custom action `shubctllock` in {account} {region}: {holder}); nothing was read or changed. Wait for it to finish; if no apply is running (one that was killed leaves the lock behind), pass --force-unlock"
    )]
    LiveLocked {
        account: String,
        region: String,
        holder: String,
    },
    #[error("cannot take the apply lock: {0}")]
    Lock(ProviderError),
    #[error("cannot read plan {path}")]
    ReadPlan {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}")]
    BadPlan {
        path: String,
        #[source]
        source: PlanFileError,
    },
    #[error("cannot write plan {path}")]
    WritePlan {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the apply report {path}")]
    WriteReport {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not on a terminal: pass --auto-approve to apply without confirmation")]
    NeedsApproval,
    #[error("cannot read the answer")]
    Answer(#[source] std::io::Error),
    #[error("apply cancelled")]
    Cancelled,
    #[error("unknown diagnostic code `{0}`{1}; docs/diagnostics.md lists them all")]
    UnknownCode(String, String),
    #[error("unknown standard `{0}`{1}; `shubctl catalog` lists them")]
    UnknownStandard(String, String),
    #[error("some scopes could not be read; no snapshot written")]
    SnapshotIncomplete,
    #[error(transparent)]
    Iam(#[from] crate::iam::IamError),
    #[error("`{0}` is not an account ID (12 digits)")]
    BadAccount(String),
    #[error("cannot write the manual page")]
    Man(#[source] std::io::Error),
    #[error(
        "AWS reports no enabled region for this account (account:ListRegions), so what is set up where is unknown; nothing was written. Pass --regions R1,R2 to say which regions to export"
    )]
    ExportNoRegions,
    #[error(
        "{0} holds nothing in the accounts and regions asked for; nothing was written (a policy of nothing would turn Security Hub off)"
    )]
    ExportNothing(String),
    #[error("{0} already holds files; export writes a new policy folder")]
    ExportNotEmpty(String),
    #[error("cannot write {path}")]
    WriteExport {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the catalog file {0} has {1} error(s); nothing was read or changed")]
    BadCatalog(String, usize),
    #[error("cannot read AWS's control definitions")]
    Definitions(#[source] ProviderError),
    #[error("AWS listed no control definitions in {0}; no catalog written")]
    NoDefinitions(String),
    #[error("cannot write the catalog {path}")]
    WriteCatalog {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "doctor reads live AWS and cannot use the snapshot {0}: AWS Config recorders, standards' status and findings are not in a snapshot. Run it with AWS credentials; `shubctl plan --snapshot` and `shubctl report --snapshot` show drift and the set-up offline"
    )]
    DoctorNeedsLive(String),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}
