//! Plan and apply throughput on a synthetic organisation. Run with `cargo bench --bench plan`
//! (release build); prints wall-clock figures and peak memory. Sizes: `SHUBCTL_BENCH_ACCOUNTS`
//! (default 100) × the showcase's 3 regions.

use std::time::Instant;

use shubctl::apply::{ApplyOptions, apply};
use shubctl::engine;
use shubctl::model::organization::{AccountInfo, AccountStatus, OuInfo};
use shubctl::model::{AccountId, OrgInfo, State};
use shubctl::plan::render::{Format, RenderOptions, render};
use shubctl::provider::snapshot::Snapshot;
use shubctl::spec::CheckOptions;
use shubctl::spec::diagnostics::Diagnostics;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let n: u64 = std::env::var("SHUBCTL_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let opts = CheckOptions {
        today,
        expiry_warning_days: 30,
    };

    let t = Instant::now();
    let mut d = Diagnostics::default();
    let policy = engine::load_policy(&["policies".into()], &opts, &mut d);
    assert!(!d.has_errors());
    let load = t.elapsed();

    let mut org = OrgInfo {
        management_account: Some(AccountId::parse("111111111111").unwrap()),
        enabled_regions: vec!["us-east-1".into()],
        ..Default::default()
    };
    org.ous.push(OuInfo {
        id: "ou-ex01-workload1".into(),
        name: "Workloads".into(),
        parent: "r-ex01".into(),
    });
    for id in ["111111111111", "222222222222", "444444444444"] {
        org.accounts.push(AccountInfo {
            id: AccountId::parse(id).unwrap(),
            name: String::new(),
            status: AccountStatus::Active,
            parent: "r-ex01".into(),
        });
    }
    for i in 0..n.saturating_sub(3) {
        org.accounts.push(AccountInfo {
            id: AccountId::parse(&format!("{:012}", 500_000_000_000 + i)).unwrap(),
            name: String::new(),
            status: AccountStatus::Active,
            parent: "ou-ex01-workload1".into(),
        });
    }
    let snapshot = Snapshot::from_state(org.clone(), State::default());

    // From nothing: everything is created.
    let t = Instant::now();
    let planned = rt
        .block_on(engine::plan(
            &policy, &snapshot, "bench", today, 16, false, &mut d,
        ))
        .unwrap();
    let plan_empty = t.elapsed();
    let scopes = planned.plan.reads.scopes.len();
    let changes = planned.plan.changes.len();

    let t = Instant::now();
    let text = render(&planned.plan, Format::Text, RenderOptions::default());
    let md = render(&planned.plan, Format::Markdown, RenderOptions::default());
    let json = render(&planned.plan, Format::Json, RenderOptions::default());
    let rendering = t.elapsed();

    let t = Instant::now();
    let report = rt.block_on(apply(
        &planned.plan,
        &snapshot,
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    let applying = t.elapsed();
    assert!(report.success());

    // Converged: the steady-state drift check a scheduled plan does.
    let t = Instant::now();
    let again = rt
        .block_on(engine::plan(
            &policy, &snapshot, "bench", today, 16, false, &mut d,
        ))
        .unwrap();
    let plan_converged = t.elapsed();
    assert!(again.plan.changes.is_empty());

    let t = Instant::now();
    let file = serde_json::to_string(&snapshot.to_file()).unwrap();
    let reparsed = Snapshot::parse(&file).unwrap();
    let snapshot_io = t.elapsed();
    drop(reparsed);

    println!("shubctl plan benchmark: {n} accounts x 3 regions, showcase policy");
    println!("  scopes                       {scopes}");
    println!("  changes from nothing         {changes}");
    println!(
        "  load + validate policy       {:>8.1} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "  plan from nothing            {:>8.1} ms",
        plan_empty.as_secs_f64() * 1e3
    );
    println!(
        "  render text+markdown+json    {:>8.1} ms  ({} / {} / {} bytes)",
        rendering.as_secs_f64() * 1e3,
        text.len(),
        md.len(),
        json.len()
    );
    println!(
        "  apply to snapshot            {:>8.1} ms",
        applying.as_secs_f64() * 1e3
    );
    println!(
        "  plan when converged          {:>8.1} ms",
        plan_converged.as_secs_f64() * 1e3
    );
    println!(
        "  snapshot write + read        {:>8.1} ms  ({} bytes)",
        snapshot_io.as_secs_f64() * 1e3,
        file.len()
    );
    println!("  peak memory (VmHWM)          {:>8.1} MiB", peak_rss_mib());
}
