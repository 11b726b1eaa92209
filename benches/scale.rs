//! Organisation scale, live and offline: `cargo bench --bench scale` (release build).
//!
//! For each size (`SHUBCTL_SCALE_ACCOUNTS`, default `100`; e.g. `100,1000,3000`) × the 17
//! regions AWS enables by default, it builds a synthetic organisation converged to
//! `benches/scale/policy.yaml` (management, administrator, the rest in one OU), serves it from
//! the loopback emulator (in this process, at 25 ms latency with AWS's page sizes and quotas,
//! STS's included), and runs the real `shubctl` binary against it:
//!
//! 1. `plan` live, converged (the scheduled drift check);
//! 2. `plan --snapshot` of the same organisation offline;
//! 3. `apply` live of the policy with one more control disabled everywhere.
//!
//! It prints, per run, the wall time, API calls (and per scope), CPU time and peak RSS of
//! shubctl and of the emulator, and for the apply the floor that latency and concurrency set.
//! `SHUBCTL_SCALE_INTEGRATIONS=1` adds GuardDuty, Inspector, Macie and Access Analyzer to the
//! policy; `SHUBCTL_SCALE_CONCURRENCY` sets `--concurrency` (default: shubctl's).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use shubctl::apply::{ApplyOptions, apply};
use shubctl::engine;
use shubctl::model::organization::{AccountInfo, AccountStatus, OuInfo};
use shubctl::model::{AccountId, OrgInfo, State};
use shubctl::provider::snapshot::Snapshot;
use shubctl::spec::CheckOptions;
use shubctl::spec::diagnostics::Diagnostics;
use shubctl_emulator::{Config, Emulator};

const LATENCY_MS: u64 = 25;
const TODAY: &str = "2026-11-28";

/// What a finished child process used.
struct Usage {
    wall: Duration,
    cpu: Duration,
    peak_rss_mib: f64,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs a command to completion and measures it with wait4 (CPU and peak RSS of that process
/// alone).
fn measure(mut cmd: Command) -> Usage {
    use std::io::Read;
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawns");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut stdout = String::new();
    let _ = out.read_to_string(&mut stdout);
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the child is ours and not yet reaped; wait4 fills `status` and `ru`.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    assert!(pid > 0, "wait4 failed");
    let wall = start.elapsed();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Usage {
        wall,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        peak_rss_mib: ru.ru_maxrss as f64 / 1024.0,
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
        stdout,
        stderr: reader.join().unwrap(),
    }
}

/// This process's CPU time so far (the emulator's share is the difference around a run).
fn self_cpu() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn status_kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|x| x.parse::<f64>().ok())
            })
        })
        .unwrap_or(0.0)
}

/// Resets this process's peak RSS, so the emulator's peak is measured from here on.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn organization(n: usize) -> OrgInfo {
    let mut org = OrgInfo {
        management_account: Some(AccountId::parse("100000000000").unwrap()),
        ..Default::default()
    };
    org.ous.push(OuInfo {
        id: "ou-bnch-workloads".into(),
        name: "Workloads".into(),
        parent: "r-bnch".into(),
    });
    for i in 0..n {
        org.accounts.push(AccountInfo {
            id: AccountId::parse(&format!("{:012}", 100_000_000_000u64 + i as u64)).unwrap(),
            name: format!("account-{i}"),
            status: AccountStatus::Active,
            parent: if i < 2 { "r-bnch" } else { "ou-bnch-workloads" }.into(),
        });
    }
    org
}

/// The organisation converged to `policy`: planned from nothing and applied, in memory.
fn converged(policy: &[PathBuf], n: usize) -> Snapshot {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = CheckOptions {
        today: TODAY.parse().unwrap(),
        expiry_warning_days: 30,
    };
    let mut d = Diagnostics::default();
    let p = engine::load_policy(policy, &opts, &mut d);
    assert!(!d.has_errors(), "{:?}", d.items);
    let snap = Snapshot::from_state(organization(n), State::default());
    let planned = rt
        .block_on(engine::plan(
            &p, &snap, "bench", opts.today, 64, false, &mut d,
        ))
        .unwrap();
    let report = rt.block_on(apply(
        &planned.plan,
        &snap,
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 64,
        },
    ));
    assert!(report.success());
    snap
}

fn shubctl(endpoint: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shubctl"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", Emulator::access_key("100000000000"))
        .env("AWS_SECRET_ACCESS_KEY", "benchmark")
        .args(["--color", "never"]);
    if let Some(e) = endpoint {
        c.env("AWS_ENDPOINT_URL", e);
    }
    c
}

fn concurrency_args() -> Vec<String> {
    match std::env::var("SHUBCTL_SCALE_CONCURRENCY") {
        Ok(c) => vec!["--concurrency".into(), c],
        Err(_) => vec![],
    }
}

fn api_calls(plan_json: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(plan_json).unwrap_or_default();
    v["api_calls"]
        .as_object()
        .map(|m| m.values().filter_map(|x| x.as_u64()).sum())
        .unwrap_or(0)
}

fn row(what: &str, scopes: usize, u: &Usage, calls: Option<u64>, emu_cpu: Duration, emu_rss: f64) {
    let calls_col = calls
        .map(|c| format!("{c:>8} {:>6.2}", c as f64 / scopes.max(1) as f64))
        .unwrap_or_else(|| format!("{:>8} {:>6}", "-", "-"));
    println!(
        "  {what:<26} {:>8.1} s  {calls_col}  {:>7.1} s {:>8.0} MiB   {:>7.1} s {:>8.0} MiB  exit {}",
        u.wall.as_secs_f64(),
        u.cpu.as_secs_f64(),
        u.peak_rss_mib,
        emu_cpu.as_secs_f64(),
        emu_rss,
        u.code,
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SHUBCTL_SCALE_ACCOUNTS")
        .unwrap_or_else(|_| "100".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    // Policy files compose: integrations and the one more exception are files of their own.
    let mut policy_files = vec![root.join("benches/scale/policy.yaml")];
    if std::env::var_os("SHUBCTL_SCALE_INTEGRATIONS").is_some() {
        policy_files.push(root.join("benches/scale/integrations.yaml"));
    }
    let mut more_files = policy_files.clone();
    more_files.push(root.join("benches/scale/one-more-exception.yaml"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "shubctl organisation-scale benchmark: 17 regions, {LATENCY_MS} ms latency, AWS page sizes and quotas{}",
        if std::env::var_os("SHUBCTL_SCALE_INTEGRATIONS").is_some() {
            ", integrations declared"
        } else {
            ""
        }
    );
    for n in sizes {
        let t = Instant::now();
        let snap = converged(&policy_files, n);
        let snap_path = dir.path().join(format!("org-{n}.json"));
        snap.save(&snap_path, Some("2026-11-28T00:00:00Z".into()))
            .unwrap();
        let file = snap.to_file();
        drop(snap);
        let scopes = n * 17;
        println!(
            "\n{n} accounts × 17 regions = {scopes} scopes (organisation built in {:.1} s, snapshot {} MiB)",
            t.elapsed().as_secs_f64(),
            std::fs::metadata(&snap_path).unwrap().len() / (1 << 20)
        );
        println!(
            "  {:<26} {:>10}  {:>8} {:>6}  {:>9} {:>12}   {:>9} {:>12}",
            "run", "wall", "calls", "/scope", "cpu", "peak RSS", "emu cpu", "emu RSS"
        );

        // 1. Live plan, converged.
        let config = Config {
            latency: Duration::from_millis(LATENCY_MS),
            page_size: 100,
            ..Config::default()
        };
        let emu = rt.block_on(Emulator::start(file.clone(), config.clone()));
        reset_peak_rss();
        let cpu0 = self_cpu();
        let mut c = shubctl(Some(&emu.endpoint()));
        c.arg("plan")
            .args(&policy_files)
            .args(["--today", TODAY, "--format", "json", "--detailed-exitcode"])
            .args(concurrency_args());
        let u = measure(c);
        let emu_cpu = self_cpu() - cpu0;
        let v: serde_json::Value = serde_json::from_str(&u.stdout).unwrap_or_default();
        row(
            "live plan (converged)",
            scopes,
            &u,
            Some(api_calls(&u.stdout)),
            emu_cpu,
            status_kib("VmHWM:") / 1024.0,
        );
        println!(
            "  {:<26} changes {}, scopes read {}, unread {}",
            "",
            v["changes"].as_array().map_or(0, |c| c.len()),
            v["summary"]["scopes_read"],
            v["summary"]["scopes_unread"]
        );
        if u.code != 0 {
            eprintln!("{}", u.stderr);
        }
        drop(emu);

        // 2. Offline plan of the same organisation.
        let mut c = shubctl(None);
        c.arg("plan")
            .args(&policy_files)
            .args(["--today", TODAY, "--detailed-exitcode", "--snapshot"])
            .arg(&snap_path);
        let u = measure(c);
        row(
            "offline plan (snapshot)",
            scopes,
            &u,
            None,
            Duration::ZERO,
            0.0,
        );

        // 3. Live apply: one more control disabled everywhere.
        let emu = rt.block_on(Emulator::start(file, config));
        reset_peak_rss();
        let cpu0 = self_cpu();
        let mut c = shubctl(Some(&emu.endpoint()));
        c.arg("apply")
            .args(&more_files)
            .args(["--today", TODAY, "--auto-approve", "-v"])
            .args(concurrency_args());
        let u = measure(c);
        let emu_cpu = self_cpu() - cpu0;
        let calls = emu.calls().len() as u64;
        row(
            "live apply (+1 control)",
            scopes,
            &u,
            Some(calls),
            emu_cpu,
            status_kib("VmHWM:") / 1024.0,
        );
        for line in u
            .stderr
            .lines()
            .filter(|l| l.starts_with("timing:") || l.contains("Apply:"))
            .chain(u.stdout.lines().filter(|l| l.starts_with("Apply:")))
        {
            println!("  {:<26} {line}", "");
        }
        if u.code != 0 {
            eprintln!(
                "{}",
                u.stderr
                    .lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        drop(emu);
    }
}
