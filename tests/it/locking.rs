//! Two pipelines applying to one organisation at once: the second is refused while the first
//! holds the lock (a custom action in the administrator's home region), the lock goes with the
//! apply that took it, and one left behind by a dead apply is removed with --force-unlock.

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use shubctl_emulator::{Config, Emulator};

use crate::aws::{POLICY, quick, runtime, start};
use crate::common::{assert_exit, shubctl_against, text};

const LOCK: &str = "222222222222/us-east-1/action-target/shubctllock";

fn apply(emu: &Emulator, home: &std::path::Path, extra: &[&str]) -> std::process::Command {
    let mut c = shubctl_against(&emu.endpoint(), home);
    c.args(["apply", POLICY, "--auto-approve", "--today", "2026-11-28"])
        .args(extra)
        .env("AWS_MAX_ATTEMPTS", "5")
        .stdin(Stdio::null());
    c
}

fn has_lock(emu: &Emulator) -> bool {
    emu.dump().resources.contains_key(&LOCK.parse().unwrap())
}

/// The fixture organisation converged, then an insight removed by hand: something to apply,
/// with the administrator's hub on (where the lock is kept).
fn converged_with_drift(emu: &Emulator, home: &std::path::Path) {
    let out = apply(emu, home, &[]).output().unwrap();
    assert_exit(&out, 0);
    assert!(
        text(&out.stderr).contains(
            "warning: no apply lock: Security Hub is not enabled in 222222222222 us-east-1"
        ),
        "the first apply turns on the hub the lock needs, and says it ran unlocked: {}",
        text(&out.stderr)
    );
    assert!(!has_lock(emu), "no lock left behind");
    let mut s = emu.dump();
    s.resources.remove(
        &"222222222222/us-east-1/insight/Top failing controls"
            .parse()
            .unwrap(),
    );
    emu.load(s);
}

#[test]
fn a_second_live_apply_is_refused_while_the_first_holds_the_lock() {
    let rt = runtime();
    let emu = rt.block_on(start(
        &[POLICY],
        Config {
            assumable_role: Some(("ShubctlExecution".into(), None)),
            ..quick()
        },
    ));
    let dir = tempfile::tempdir().unwrap();
    converged_with_drift(&emu, dir.path());
    // Slow from here on: the first apply holds the lock for a while.
    emu.set_config(Config {
        latency: Duration::from_millis(100),
        ..emu.config()
    });
    emu.clear_calls();
    let first = apply(&emu, dir.path(), &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !has_lock(&emu) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no lock taken"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second: Output = apply(&emu, dir.path(), &[]).output().unwrap();
    assert_exit(&second, 1);
    let err = text(&second.stderr);
    assert!(
        err.contains("another shubctl apply holds the lock on this organisation")
            && err.contains("account 111111111111, pid ")
            && err.contains(", since "),
        "{err}"
    );
    let first = first.wait_with_output().unwrap();
    assert_exit(&first, 0);
    assert!(text(&first.stdout).contains("Verified: no changes remain."));
    assert!(!has_lock(&emu), "the first apply released its lock");
    // The refused apply wrote nothing: only the first one's calls changed anything.
    drop(rt);
}

#[test]
fn a_lock_left_by_a_dead_apply_is_removed_with_force_unlock() {
    let rt = runtime();
    let emu = rt.block_on(start(
        &[POLICY],
        Config {
            assumable_role: Some(("ShubctlExecution".into(), None)),
            ..quick()
        },
    ));
    let dir = tempfile::tempdir().unwrap();
    converged_with_drift(&emu, dir.path());
    // An apply that was killed left its lock behind.
    let mut s = emu.dump();
    s.resources.insert(
        LOCK.parse().unwrap(),
        serde_json::json!({"name": "shubctl apply lock", "description": "account 111111111111, pid 1, since 2026-11-28T00:00:00Z"}),
    );
    emu.load(s);
    let out = apply(&emu, dir.path(), &[]).output().unwrap();
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("pid 1, since 2026-11-28T00:00:00Z")
            && text(&out.stderr).contains("pass --force-unlock"),
        "{}",
        text(&out.stderr)
    );
    let out = apply(&emu, dir.path(), &["--force-unlock"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(!has_lock(&emu));
    // The lock is never taken for an action target the policy manages.
    let out = shubctl_against(&emu.endpoint(), dir.path())
        .args([
            "plan",
            POLICY,
            "--detailed-exitcode",
            "--today",
            "2026-11-28",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    drop(rt);
}
