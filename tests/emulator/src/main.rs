//! `shubctl-emulator --snapshot FILE [--port N] [--quota-scale X] [--fault-rate X]
//! [--drop-rate X] [--latency-ms N] [--standard-delay-ms N] [--inspector-delay-ms N] [--page-size N]
//! [--seed N] [--no-quotas] [--dump FILE]`
//!
//! Serves the loopback emulator until Ctrl-C, then writes the final state to `--dump` if given.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use shubctl::provider::snapshot::SnapshotFile;
use shubctl_emulator::{Config, Emulator};

const USAGE: &str = "usage: shubctl-emulator --snapshot FILE [--port N] [--quota-scale X] [--fault-rate X] [--drop-rate X] \
[--latency-ms N] [--standard-delay-ms N] [--inspector-delay-ms N] [--page-size N] [--seed N] [--no-quotas] [--dump FILE]";

struct Args {
    snapshot: PathBuf,
    dump: Option<PathBuf>,
    port: u16,
    config: Config,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut snapshot = None;
    let mut dump = None;
    let mut port = 0u16;
    let mut config = Config::default();
    while let Some(flag) = it.next() {
        if flag == "--no-quotas" {
            config.quotas_enabled = false;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_string());
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
    let snapshot = snapshot.ok_or_else(|| format!("--snapshot is required\n{USAGE}"))?;
    Ok(Args {
        snapshot,
        dump,
        port,
        config,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&args.snapshot) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", args.snapshot.display());
            return ExitCode::FAILURE;
        }
    };
    let snapshot: SnapshotFile = match serde_json::from_str(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{} is not a shubctl snapshot: {e}", args.snapshot.display());
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
