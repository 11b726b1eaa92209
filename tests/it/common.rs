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

/// The shubctl binary against the emulator at `endpoint`, as the management account
/// (111111111111), with an environment of its own: nothing of the caller's AWS set-up, profile
/// files under `home`, no instance metadata.
pub fn shubctl_against(endpoint: &str, home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(insta_cmd::get_cargo_bin("shubctl"));
    c.current_dir(root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env(
            "AWS_ACCESS_KEY_ID",
            shubctl_emulator::Emulator::access_key("111111111111"),
        )
        .env("AWS_SECRET_ACCESS_KEY", "not-a-real-secret");
    c
}

/// Asserts a command's exit code, showing what it printed when it differs.
#[track_caller]
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Bytes a command printed, as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What a command printed on stderr.
#[allow(dead_code)]
pub fn stderr(o: &std::process::Output) -> String {
    text(&o.stderr)
}

/// What a command printed on stdout.
#[allow(dead_code)]
pub fn stdout(o: &std::process::Output) -> String {
    text(&o.stdout)
}
