//! The emulator's CPU per request for the common read calls, against a synthetic organisation.
//!
//! ```text
//! cargo build --release -p shubctl-emulator --bins --examples
//! target/release/examples/cpu_per_call [--accounts 1000] [--regions 17] [--min-cpu-ms 2000]
//!     [--only OPERATION] [--calls N] [--emulator PATH]
//! ```
//!
//! Writes a snapshot of `accounts` × `regions` scopes (a hub, two standards, a disabled control
//! and a GuardDuty detector in each; the delegated administrator holds every other account as a
//! member in every region) to a temporary file, starts the release `shubctl-emulator` binary on it
//! as a child process, drives it through the AWS SDK, and reads the child's CPU time (user +
//! system, from `/proc/<pid>/stat`) around each batch. The driver's own CPU is not counted.
//! Calls are spread over the scopes; quotas are off; pages are 50 items (20 for Organizations).
//! On a busy machine CPU time varies by ±10%; for a stable count of user-space instructions,
//! pass `--emulator` a script that execs the binary under `valgrind --tool=callgrind`, run
//! twice with different `--calls N`, and divide the difference of the totals by that of N.
//! Besides the common reads, it times three calls whose checks once looked through every scope
//! or every account: ListAutomationRules and DescribeOrganizationConfiguration from the
//! administrator, and ListAccounts paged from the management account.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_sdk_securityhub::types::StandardsControlAssociationId;
use serde_json::{Map, Value, json};
use shubctl::model::catalog::catalog;
use shubctl_emulator::Emulator;

const REGIONS: [&str; 17] = [
    "eu-west-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "sa-east-1",
];
const FSBP: &str = "standards/aws-foundational-security-best-practices/v/1.0.0";

struct Args {
    /// Only the operations whose name contains this.
    only: Option<String>,
    /// Exactly this many calls per operation after the warm-up, instead of growing batches
    /// until `min_cpu` (for instruction counts under a profiler).
    calls: Option<usize>,
    accounts: usize,
    regions: usize,
    min_cpu: Duration,
    emulator: PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        only: None,
        calls: None,
        accounts: 1000,
        regions: 17,
        min_cpu: Duration::from_millis(2000),
        emulator: std::env::current_exe()
            .expect("own path")
            .parent()
            .and_then(|p| p.parent())
            .expect("target/<profile>/examples")
            .join("shubctl-emulator"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--accounts" => a.accounts = v.parse().expect("--accounts N"),
            "--regions" => a.regions = v.parse::<usize>().expect("--regions N").min(17),
            "--min-cpu-ms" => a.min_cpu = Duration::from_millis(v.parse().expect("ms")),
            "--emulator" => a.emulator = PathBuf::from(v),
            "--only" => a.only = Some(v),
            "--calls" => a.calls = Some(v.parse().expect("--calls N")),
            other => panic!("unknown option {other}"),
        }
    }
    a
}

fn account(i: usize) -> String {
    format!("{:012}", 100_000_000_000 + i)
}

/// Account 0 is the management account, account 1 the delegated administrator.
fn snapshot(accounts: usize, regions: &[&str]) -> Value {
    let (mgmt, admin) = (account(0), account(1));
    let accts: Vec<Value> = (0..accounts)
        .map(|i| json!({ "id": account(i), "name": format!("a{i}"), "status": "ACTIVE", "parent": "r-ab12" }))
        .collect();
    let mut r = Map::new();
    let mut put = |acct: &str, region: &str, tail: &str, v: Value| {
        r.insert(format!("{acct}/{region}/{tail}"), v);
    };
    for region in regions {
        put(
            &mgmt,
            region,
            "delegated-admin/securityhub",
            json!({ "account": admin }),
        );
        put(
            &mgmt,
            region,
            "delegated-admin/guardduty",
            json!({ "account": admin }),
        );
        put(
            &admin,
            region,
            "org-config/securityhub",
            json!({ "auto_enable": true, "auto_enable_standards": "NONE" }),
        );
        for i in 0..accounts {
            let a = account(i);
            put(
                &a,
                region,
                "hub",
                json!({ "control_finding_generator": "SECURITY_CONTROL", "auto_enable_controls": true }),
            );
            put(&a, region, "standard/fsbp/1.0.0", json!({}));
            put(&a, region, "standard/cis/1.2.0", json!({}));
            put(
                &a,
                region,
                "control/IAM.6@fsbp/1.0.0",
                json!({ "status": "DISABLED", "reason": "handled elsewhere" }),
            );
            put(
                &a,
                region,
                "guardduty",
                json!({ "status": "ENABLED", "finding_publishing_frequency": "SIX_HOURS", "features": {} }),
            );
            if i != 1 {
                put(&admin, region, &format!("member/{a}"), json!({}));
            }
        }
    }
    put(
        &admin,
        regions[0],
        "aggregator",
        json!({ "linking_mode": "ALL_REGIONS", "regions": [] }),
    );
    json!({
        "format_version": 1,
        "taken_at": "2026-01-01T00:00:00Z",
        "organization": {
            "management_account": mgmt,
            "accounts": accts,
            "ous": [],
            "enabled_regions": regions,
        },
        "resources": r,
    })
}

/// User + system CPU of a process, from `/proc/<pid>/stat` (clock ticks of 10 ms).
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("procfs");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// Security Hub and Organizations clients for one account in one region.
struct Clients {
    sh: aws_sdk_securityhub::Client,
    orgs: aws_sdk_organizations::Client,
}

fn clients(endpoint: &str, acct: &str, region: &str) -> Clients {
    let creds = Credentials::new(Emulator::access_key(acct), "secret", None, None, "bench");
    let sh = aws_sdk_securityhub::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_securityhub::config::Region::new(region.to_string()))
        .credentials_provider(creds.clone())
        .retry_config(RetryConfig::disabled())
        .build();
    let orgs = aws_sdk_organizations::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_organizations::config::Region::new(
            region.to_string(),
        ))
        .credentials_provider(creds)
        .retry_config(RetryConfig::disabled())
        .build();
    Clients {
        sh: aws_sdk_securityhub::Client::from_conf(sh),
        orgs: aws_sdk_organizations::Client::from_conf(orgs),
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    DescribeHub,
    GetEnabledStandards,
    BatchGetAssociations100,
    ListMembers,
    // Beyond the common reads: calls whose checks used to look through every scope.
    ListAutomationRules,
    DescribeOrganizationConfiguration,
    ListAccounts,
}

/// Runs `calls` requests of `op` from 8 concurrent tasks; returns how many succeeded.
async fn run(op: Op, clients: Arc<Vec<Clients>>, calls: usize) -> usize {
    let fsbp_ids: Arc<Vec<String>> = Arc::new(
        catalog()
            .controls_in("fsbp/1.0.0")
            .take(100)
            .map(|c| c.id.clone())
            .collect(),
    );
    let workers = 8;
    let mut set = tokio::task::JoinSet::new();
    for w in 0..workers {
        let clients = clients.clone();
        let fsbp_ids = fsbp_ids.clone();
        set.spawn(async move {
            let mut ok = 0;
            let mut token: Option<String> = None;
            for i in (w..calls).step_by(workers) {
                let Clients { sh: c, orgs } = &clients[i % clients.len()];
                let region = c.config().region().expect("region").to_string();
                let done = match op {
                    Op::DescribeHub => c.describe_hub().send().await.is_ok(),
                    Op::GetEnabledStandards => c.get_enabled_standards().send().await.is_ok(),
                    Op::BatchGetAssociations100 => {
                        let arn = format!("arn:aws:securityhub:{region}::{FSBP}");
                        let ids = fsbp_ids
                            .iter()
                            .map(|id| {
                                StandardsControlAssociationId::builder()
                                    .security_control_id(id)
                                    .standards_arn(&arn)
                                    .build()
                            })
                            .collect();
                        c.batch_get_standards_control_associations()
                            .set_standards_control_association_ids(Some(ids))
                            .send()
                            .await
                            .is_ok_and(|r| r.standards_control_association_details().len() == 100)
                    }
                    Op::ListMembers => {
                        // Walk the pages; each worker keeps its own position.
                        match c
                            .list_members()
                            .only_associated(false)
                            .set_next_token(token.take())
                            .send()
                            .await
                        {
                            Ok(r) => {
                                token = r.next_token().map(str::to_string);
                                r.members().len() == 50 || token.is_none()
                            }
                            Err(_) => false,
                        }
                    }
                    Op::ListAutomationRules => c.list_automation_rules().send().await.is_ok(),
                    Op::DescribeOrganizationConfiguration => {
                        c.describe_organization_configuration().send().await.is_ok()
                    }
                    Op::ListAccounts => {
                        match orgs
                            .list_accounts()
                            .max_results(20)
                            .set_next_token(token.take())
                            .send()
                            .await
                        {
                            Ok(r) => {
                                token = r.next_token().map(str::to_string);
                                r.accounts().len() == 20 || token.is_none()
                            }
                            Err(_) => false,
                        }
                    }
                };
                ok += usize::from(done);
            }
            ok
        });
    }
    let mut ok = 0;
    while let Some(r) = set.join_next().await {
        ok += r.expect("worker");
    }
    ok
}

struct Emu(Child);

impl Drop for Emu {
    /// Ctrl-C, as a user would stop it, so that a wrapper (a profiler) can write its report.
    fn drop(&mut self) {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !interrupted {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args();
    let regions = &REGIONS[..a.regions];
    let t = Instant::now();
    let snap = snapshot(a.accounts, regions);
    let path = std::env::temp_dir().join(format!("shubctl-cpu-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&snap).expect("json")).expect("write snapshot");
    let resources = snap["resources"].as_object().map_or(0, Map::len);
    drop(snap);
    eprintln!(
        "snapshot: {} accounts x {} regions, {resources} resources, written in {:?}",
        a.accounts,
        regions.len(),
        t.elapsed()
    );

    let t = Instant::now();
    let mut child = Command::new(&a.emulator)
        .args(["--snapshot", path.to_str().expect("utf-8 path")])
        .args(["--no-quotas", "--page-size", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", a.emulator.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("endpoint line");
    let endpoint = line.trim().to_string();
    let emu = Emu(child);
    let pid = emu.0.id();
    eprintln!(
        "emulator {} up in {:?} (load CPU {:?})",
        endpoint,
        t.elapsed(),
        cpu_of(pid)
    );
    let _ = std::fs::remove_file(&path);

    // Member accounts (2..) in every region for the per-account reads; the administrator in
    // every region for ListMembers.
    let members: Arc<Vec<_>> = Arc::new(
        (2..a.accounts.min(202))
            .flat_map(|i| regions.iter().map(move |r| (account(i), *r)))
            .map(|(acct, r)| clients(&endpoint, &acct, r))
            .collect(),
    );
    let admin: Arc<Vec<_>> = Arc::new(
        regions
            .iter()
            .map(|r| clients(&endpoint, &account(1), r))
            .collect(),
    );
    let management: Arc<Vec<_>> = Arc::new(vec![clients(&endpoint, &account(0), "us-east-1")]);

    println!(
        "{:<42} {:>8} {:>10} {:>12}",
        "operation", "calls", "CPU", "CPU/call"
    );
    for op in [
        Op::DescribeHub,
        Op::GetEnabledStandards,
        Op::BatchGetAssociations100,
        Op::ListMembers,
        Op::ListAutomationRules,
        Op::DescribeOrganizationConfiguration,
        Op::ListAccounts,
    ] {
        if a.only
            .as_ref()
            .is_some_and(|o| !format!("{op:?}").contains(o.as_str()))
        {
            continue;
        }
        let clients = match op {
            Op::ListMembers | Op::ListAutomationRules | Op::DescribeOrganizationConfiguration => {
                admin.clone()
            }
            Op::ListAccounts => management.clone(),
            _ => members.clone(),
        };
        // Warm up, then grow the batch until the child's CPU is well above the tick size.
        run(op, clients.clone(), 200).await;
        let mut calls = a.calls.unwrap_or(500);
        loop {
            let before = cpu_of(pid);
            let ok = run(op, clients.clone(), calls).await;
            let cpu = cpu_of(pid) - before;
            assert_eq!(ok, calls, "{op:?}: every call succeeds");
            if cpu >= a.min_cpu || calls >= 2_000_000 || a.calls.is_some() {
                let name = match op {
                    Op::BatchGetAssociations100 => {
                        "BatchGetStandardsControlAssociations(100)".into()
                    }
                    Op::ListMembers => format!("ListMembers (50/page of {})", a.accounts - 1),
                    Op::ListAccounts => format!("ListAccounts (20/page of {})", a.accounts),
                    other => format!("{other:?}"),
                };
                println!(
                    "{name:<42} {calls:>8} {:>9.2}s {:>9.1} µs",
                    cpu.as_secs_f64(),
                    cpu.as_secs_f64() * 1e6 / calls as f64
                );
                break;
            }
            let per = cpu.as_secs_f64().max(0.01) / calls as f64;
            calls = ((a.min_cpu.as_secs_f64() * 1.2 / per) as usize).clamp(calls * 2, calls * 50);
        }
    }
}
