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
//! shubctl and of the emulator, and for the apply the floors that latency and concurrency set
//! (the write phase, and the whole run) with the measured ratio to each.
//! 4. `central` (not in the default runs): the organisation with nothing set up, `apply` of
//!    `benches/scale/central.yaml` (central configuration from nothing), then a live `plan`
//!    of it, with its calls per 100 accounts and how many of them went to member accounts.
//!
//! `SHUBCTL_SCALE_RUNS` picks runs (default `plan,offline,apply`).
//! `SHUBCTL_SCALE_INTEGRATIONS=1` adds GuardDuty, Inspector, Macie and Access Analyzer to the
//! policy; `SHUBCTL_SCALE_CONCURRENCY` sets `--concurrency` (default: shubctl's).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use shubctl_emulator::{Config, Emulator};

const LATENCY_MS: u64 = 25;

// The emulator runs in this process; the same allocator as its own binary and as shubctl.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
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

/// Set in the environment of this benchmark's own binary when it runs as the launcher.
const LAUNCHER: &str = "SHUBCTL_SCALE_LAUNCHER_USAGE";

/// Linux counts the parent's resident memory at fork in the child's peak RSS, and this
/// process holds the emulator. So commands are started by a fresh, small copy of this binary
/// (the launcher), which runs the command, waits for it with wait4 and writes what it used
/// (CPU µs, peak RSS KiB, exit code) to the file named by [`LAUNCHER`].
fn launcher(usage_file: &str) -> ! {
    let mut args = std::env::args_os().skip(1);
    let program = args.next().expect("a command to launch");
    let child = Command::new(program)
        .args(args)
        .env_remove(LAUNCHER)
        .spawn()
        .expect("spawns");
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the child is ours and not yet reaped; wait4 fills `status` and `ru`.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    assert!(pid > 0, "wait4 failed");
    let tv = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    std::fs::write(
        usage_file,
        format!(
            "{} {} {code}",
            tv(ru.ru_utime) + tv(ru.ru_stime),
            ru.ru_maxrss
        ),
    )
    .expect("writes the usage file");
    std::process::exit(0)
}

/// Runs a command to completion through the launcher and measures it (CPU and peak RSS of
/// that process alone).
fn measure(cmd: Command) -> Usage {
    use std::io::Read;
    let usage_file = tempfile::NamedTempFile::new().expect("temp file");
    let mut launch = Command::new(std::env::current_exe().expect("own path"));
    launch
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .env(LAUNCHER, usage_file.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let start = Instant::now();
    let mut child = launch.spawn().expect("spawns the launcher");
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut stdout = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut stdout);
    let launched = child.wait().expect("the launcher ends");
    let wall = start.elapsed();
    assert!(launched.success(), "the launcher failed");
    let text = std::fs::read_to_string(usage_file.path()).expect("the launcher wrote its usage");
    let mut fields = text.split_whitespace().map(|f| f.parse::<i64>().unwrap());
    let (cpu_us, rss_kib, code) = (
        fields.next().unwrap(),
        fields.next().unwrap(),
        fields.next().unwrap(),
    );
    Usage {
        wall,
        cpu: Duration::from_micros(cpu_us as u64),
        peak_rss_mib: rss_kib as f64 / 1024.0,
        code: code as i32,
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

/// `--concurrency` as the runs use it: `SHUBCTL_SCALE_CONCURRENCY`, else shubctl's default.
fn concurrency() -> usize {
    std::env::var("SHUBCTL_SCALE_CONCURRENCY")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(shubctl::cli::args::DEFAULT_CONCURRENCY)
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
    if let Some(usage_file) = std::env::var_os(LAUNCHER) {
        launcher(&usage_file.to_string_lossy());
    }
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
    let runs = std::env::var("SHUBCTL_SCALE_RUNS").unwrap_or_else(|_| "plan,offline,apply".into());
    let wants = |run: &str| runs.split(',').any(|r| r.trim() == run);
    for n in sizes {
        if wants("central") {
            central(&rt, &root, n);
        }
        if !(wants("plan") || wants("offline") || wants("apply")) {
            continue;
        }
        let t = Instant::now();
        let snap = shubctl_emulator::synthetic::converged(&policy_files, n, 0, 1)
            .expect("the benchmark policy converges");
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

        let config = Config {
            latency: Duration::from_millis(LATENCY_MS),
            page_size: 100,
            ..Config::default()
        };
        if wants("plan") {
            // 1. Live plan, converged.
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
        }
        if wants("offline") {
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
        }
        if wants("apply") {
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
            // The floors that latency and concurrency set (the quotas do not bind here: one
            // write per scope, 10 rps per account × region × operation): every call costs
            // one round trip and at most `--concurrency` are in flight.
            let c = concurrency() as f64;
            let latency = LATENCY_MS as f64 / 1000.0;
            let write_floor = (scopes as f64 / c).ceil() * latency;
            let whole_floor = calls as f64 * latency / c;
            let phase = |name: &str| -> Option<f64> {
                let line = u.stderr.lines().find(|l| l.starts_with("timing:"))?;
                let rest = &line[line.find(&format!(" {name} "))? + name.len() + 2..];
                rest.split(' ').next()?.parse().ok()
            };
            if let Some(applied) = phase("apply") {
                println!(
                    "  {:<26} floor: writes ceil({scopes} / {c}) x {LATENCY_MS} ms = {write_floor:.1} s, apply phase {applied:.1} s = {:.2}x",
                    "",
                    applied / write_floor
                );
            }
            println!(
                "  {:<26} floor: whole run {calls} calls x {LATENCY_MS} ms / {c} = {whole_floor:.1} s, measured {:.1} s = {:.2}x",
                "",
                u.wall.as_secs_f64(),
                u.wall.as_secs_f64() / whole_floor
            );
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
}

/// Central configuration at `n` accounts: from nothing to converged, then the scheduled plan,
/// which reads the organisation and the administrator's home region and nothing per member.
fn central(rt: &tokio::runtime::Runtime, root: &std::path::Path, n: usize) {
    let policy = root.join("benches/scale/central.yaml");
    let org = shubctl::provider::snapshot::Snapshot::from_state(
        shubctl_emulator::synthetic::organization(n),
        shubctl::model::State::default(),
    );
    let config = Config {
        latency: Duration::from_millis(LATENCY_MS),
        page_size: 100,
        ..Config::default()
    };
    let emu = rt.block_on(Emulator::start(org.to_file(), config));
    let scopes = n * 17;
    println!("\n{n} accounts × 17 regions under central configuration");
    println!(
        "  {:<26} {:>10}  {:>8} {:>6}  {:>9} {:>12}   {:>9} {:>12}",
        "run", "wall", "calls", "/scope", "cpu", "peak RSS", "emu cpu", "emu RSS"
    );
    reset_peak_rss();
    let cpu0 = self_cpu();
    let mut c = shubctl(Some(&emu.endpoint()));
    c.arg("apply")
        .arg(&policy)
        .args(["--today", TODAY, "--auto-approve"])
        .args(concurrency_args());
    let u = measure(c);
    let emu_cpu = self_cpu() - cpu0;
    row(
        "central apply (from none)",
        scopes,
        &u,
        Some(emu.calls().len() as u64),
        emu_cpu,
        status_kib("VmHWM:") / 1024.0,
    );
    if u.code != 0 {
        eprintln!("{}\n{}", u.stdout, u.stderr);
        return;
    }
    emu.clear_calls();
    let cpu0 = self_cpu();
    let mut c = shubctl(Some(&emu.endpoint()));
    c.arg("plan")
        .arg(&policy)
        .args(["--today", TODAY, "--detailed-exitcode"])
        .args(concurrency_args());
    let u = measure(c);
    let emu_cpu = self_cpu() - cpu0;
    let calls = emu.calls();
    row(
        "central plan (converged)",
        scopes,
        &u,
        Some(calls.len() as u64),
        emu_cpu,
        status_kib("VmHWM:") / 1024.0,
    );
    let first = shubctl_emulator::synthetic::FIRST_ACCOUNT;
    let members = calls
        .iter()
        .filter(|c| c.account != first.to_string() && c.account != (first + 1).to_string())
        .count();
    println!(
        "  {:<26} {:.1} calls per 100 accounts, {members} to member accounts",
        "",
        calls.len() as f64 * 100.0 / n as f64
    );
    if u.code != 0 {
        eprintln!("{}\n{}", u.stdout, u.stderr);
    }
}
