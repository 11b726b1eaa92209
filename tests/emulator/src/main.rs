//! `shubctl-emulator (--snapshot FILE | --synthetic-accounts N --policy FILE [--policy FILE]... [--drift N]
//! [--save-synthetic FILE]) [--port N] [--quota-scale X] [--fault-rate X]
//! [--drop-rate X] [--latency-ms N] [--standard-delay-ms N] [--inspector-delay-ms N] [--page-size N]
//! [--seed N] [--no-quotas] [--findings FILE] [--dump FILE]`
//!
//! Serves the loopback emulator until Ctrl-C, then writes the final state to `--dump` if given.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use shubctl::provider::snapshot::SnapshotFile;
use shubctl_emulator::{Config, Emulator};

const USAGE: &str = "usage: shubctl-emulator (--snapshot FILE | --synthetic-accounts N --policy FILE [--policy FILE]... [--drift N] [--save-synthetic FILE]) [--port N] [--quota-scale X] [--fault-rate X] [--drop-rate X] \
[--latency-ms N] [--standard-delay-ms N] [--inspector-delay-ms N] [--page-size N] [--seed N] [--no-quotas] [--findings FILE] [--dump FILE]";

/// Where the initial state comes from.
enum Start {
    Snapshot(PathBuf),
    /// An organisation of N accounts converged to the policy files, with drift in some scopes.
    Synthetic {
        accounts: usize,
        policy: Vec<PathBuf>,
        drift: usize,
        save: Option<PathBuf>,
    },
}

struct Args {
    start: Start,
    /// A JSON array of Security Hub findings to seed.
    findings: Option<PathBuf>,
    dump: Option<PathBuf>,
    port: u16,
    config: Config,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut snapshot = None;
    let mut accounts = None;
    let mut policy = Vec::new();
    let mut drift = 0usize;
    let mut save = None;
    let mut dump = None;
    let mut findings = None;
    let mut port = 0u16;
    let mut config = Config::default();
    while let Some(flag) = it.next() {
        if flag == "--no-quotas" {
            config.quotas_enabled = false;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let num = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--snapshot" => snapshot = Some(PathBuf::from(value)),
            "--dump" => dump = Some(PathBuf::from(value)),
            "--findings" => findings = Some(PathBuf::from(value)),
            "--synthetic-accounts" => {
                accounts = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n >= 2)
                        .ok_or_else(|| format!("--synthetic-accounts: `{value}` is not a number of accounts (at least 2: management and administrator)"))?,
                )
            }
            "--policy" => policy.push(PathBuf::from(value)),
            "--drift" => {
                drift = value
                    .parse()
                    .map_err(|_| format!("--drift: `{value}` is not a number of scopes"))?
            }
            "--save-synthetic" => save = Some(PathBuf::from(value)),
            "--port" => {
                port = value
                    .parse()
                    .map_err(|_| format!("--port: `{value}` is not a port"))?
            }
            "--quota-scale" => config.quota_scale = num(&value)?,
            "--fault-rate" => config.fault_rate = num(&value)?,
            "--drop-rate" => config.drop_rate = num(&value)?,
            "--latency-ms" => config.latency = Duration::from_millis(num(&value)? as u64),
            "--standard-delay-ms" => {
                config.standard_delay = Duration::from_millis(num(&value)? as u64)
            }
            "--inspector-delay-ms" => {
                config.inspector_delay = Duration::from_millis(num(&value)? as u64)
            }
            "--page-size" => config.page_size = num(&value)? as usize,
            "--seed" => {
                config.seed = value
                    .parse()
                    .map_err(|_| format!("--seed: `{value}` is not a number"))?
            }
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    let start = match (snapshot, accounts) {
        (Some(_), None) if drift > 0 || save.is_some() || !policy.is_empty() => {
            return Err(format!(
                "--policy, --drift and --save-synthetic go with --synthetic-accounts, not --snapshot\n{USAGE}"
            ));
        }
        (Some(path), None) => Start::Snapshot(path),
        (None, Some(accounts)) if !policy.is_empty() => Start::Synthetic {
            accounts,
            policy,
            drift,
            save,
        },
        (None, Some(_)) => {
            return Err(format!(
                "--synthetic-accounts needs --policy FILE (the policy it is converged to)\n{USAGE}"
            ));
        }
        (Some(_), Some(_)) => {
            return Err(format!(
                "--snapshot and --synthetic-accounts exclude each other\n{USAGE}"
            ));
        }
        (None, None) => {
            return Err(format!(
                "--snapshot or --synthetic-accounts is required\n{USAGE}"
            ));
        }
    };
    Ok(Args {
        start,
        findings,
        dump,
        port,
        config,
    })
}

// The emulator allocates a response per call; with the C library's allocator that was a third
// of its CPU time, which the benchmarks would count against shubctl's machine.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let snapshot = match initial_state(args.start).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let emu = match Emulator::start_on(args.port, snapshot, args.config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.findings {
        let seeded = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            .and_then(|v| emu.seed_findings(v));
        if let Err(e) = seeded {
            eprintln!("--findings {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{}", emu.endpoint());
    eprintln!(
        "shubctl-emulator serving on {} (access key for account N: AKID<N>); Ctrl-C to stop",
        emu.endpoint()
    );
    let _ = tokio::signal::ctrl_c().await;
    if let Some(path) = &args.dump {
        let text = serde_json::to_string_pretty(&emu.dump()).expect("serialisable") + "\n";
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("state written to {}", path.display());
    }
    eprintln!("{} calls served", emu.calls().len());
    ExitCode::SUCCESS
}

async fn initial_state(start: Start) -> Result<SnapshotFile, String> {
    match start {
        Start::Snapshot(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a shubctl snapshot: {e}", path.display()))
        }
        Start::Synthetic {
            accounts,
            policy,
            drift,
            save,
        } => {
            let built = tokio::task::spawn_blocking(move || {
                shubctl_emulator::synthetic::converged(&policy, accounts, drift, 1)
            })
            .await
            .map_err(|e| e.to_string())??;
            if let Some(path) = save {
                built
                    .save(&path, None)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            Ok(built.to_file())
        }
    }
}
