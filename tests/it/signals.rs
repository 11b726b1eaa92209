//! CI cancels a job with SIGTERM, a person with Ctrl-C: the first signal lets the calls under
//! way finish and starts no more, and the report says what was not attempted; a second ends the
//! process at once, saying what was applied, what failed and what may be in flight.

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use shubctl_emulator::{Config, Emulator};

use crate::aws::{POLICY, quick, runtime, start};
use crate::common::{shubctl_against, text};

/// A live apply of the fixture policy against a slow emulator, started in the background.
fn slow_apply(emu: &Emulator, home: &std::path::Path) -> Child {
    shubctl_against(&emu.endpoint(), home)
        .args(["apply", POLICY, "--auto-approve", "--today", "2026-11-28"])
        .env("AWS_MAX_ATTEMPTS", "5")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (bounded) until the apply has started writing (its lock aside).
fn wait_for_writes(emu: &Emulator, child: &mut Child) {
    let started = Instant::now();
    while !emu
        .calls()
        .iter()
        .any(|c| c.mutating && c.operation != "CreateActionTarget")
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply ended before it wrote anything"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no write within two minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn term(child: &Child) {
    // SAFETY: sending a signal to our own child process.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
}

fn slow() -> Config {
    Config {
        assumable_role: Some(("ShubctlExecution".into(), None)),
        latency: Duration::from_millis(150),
        ..quick()
    }
}

#[test]
fn sigterm_finishes_what_is_under_way_and_reports_the_rest() {
    let rt = runtime();
    let emu = rt.block_on(start(&[POLICY], slow()));
    let dir = tempfile::tempdir().unwrap();
    let mut child = slow_apply(&emu, dir.path());
    wait_for_writes(&emu, &mut child);
    term(&child);
    let out: Output = child.wait_with_output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stderr.contains("SIGTERM: finishing the calls under way, starting no more"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Apply: "),
        "the report is printed: {stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("not attempted ")
                && l.ends_with(": interrupted before it ran")),
        "{stdout}"
    );
    drop(rt);
}

#[test]
fn a_second_signal_stops_at_once_with_what_was_done() {
    let rt = runtime();
    let emu = rt.block_on(start(&[POLICY], slow()));
    let dir = tempfile::tempdir().unwrap();
    let mut child = slow_apply(&emu, dir.path());
    wait_for_writes(&emu, &mut child);
    term(&child);
    std::thread::sleep(Duration::from_millis(50));
    term(&child);
    let out: Output = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    // The emulator records a call before its latency: the write seen is still in flight when
    // both signals arrive, so the first cannot have finished the apply before the second.
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("SIGTERM: stopped at once: "), "{stderr}");
    assert!(stderr.contains(" not started"), "{stderr}");
    assert!(
        stderr.contains("in flight (may or may not have taken effect"),
        "{stderr}"
    );
    drop(rt);
}
