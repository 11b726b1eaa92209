//! Shared fixtures: the showcase policy and snapshot, planned as of a fixed date.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use shubctl::engine;
use shubctl::plan::Plan;
use shubctl::provider::snapshot::Snapshot;
use shubctl::spec::CheckOptions;
use shubctl::spec::Policy;
use shubctl::spec::diagnostics::Diagnostics;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

pub fn options() -> CheckOptions {
    CheckOptions {
        today: today(),
        expiry_warning_days: 30,
    }
}

/// Loads a policy; panics with the diagnostics if it has errors.
pub fn policy(paths: &[&str]) -> Policy {
    // Relative to the package root (cargo's working directory for tests), as a user types them.
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let mut d = Diagnostics::default();
    let p = engine::load_policy(&paths, &options(), &mut d);
    assert!(!d.has_errors(), "policy has errors: {:#?}", d.items);
    p
}

pub fn snapshot(path: &str) -> Snapshot {
    Snapshot::load(Path::new(path)).unwrap()
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

pub fn plan(policy: &Policy, source: &Snapshot) -> Plan {
    let mut d = Diagnostics::default();
    let planned = block_on(engine::plan(
        policy,
        source,
        "snapshot fixture",
        today(),
        4,
        false,
        &mut d,
    ))
    .expect("plans");
    planned.plan
}

pub fn showcase() -> (Policy, Snapshot) {
    (
        policy(&["policies"]),
        snapshot("examples/showcase/snapshot.json"),
    )
}

#[allow(dead_code)]
pub fn exists(p: &str) -> bool {
    Path::new(&root().join(p)).exists()
}
