//! End to end through the AWS SDK for Rust against the loopback emulator: the real
//! serializers, signers, retries and deserializers run; only the network is local.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use shubctl::apply::{ApplyOptions, Outcome, Report, apply};
use shubctl::engine;
use shubctl::plan::Plan;
use shubctl::provider::aws::{AwsOptions, AwsProvider};
use shubctl::provider::snapshot::SnapshotFile;
use shubctl::spec::Policy;
use shubctl::spec::diagnostics::Diagnostics;
use shubctl_emulator::iam::IamPolicies;
use shubctl_emulator::{Config, Emulator};

use crate::common::*;

mod central;
mod guardrails;
mod inspector;
mod members;

pub(crate) const POLICY: &str = "tests/fixtures/aws/policy.yaml";

pub(crate) fn org_snapshot() -> SnapshotFile {
    serde_json::from_str(&std::fs::read_to_string("tests/fixtures/aws/org.json").unwrap()).unwrap()
}

pub(crate) fn quick() -> Config {
    Config {
        page_size: 2,
        ..Config::default()
    }
}

/// The identity policies `shubctl iam` prints for these policy files: the management
/// account's principal gets `--role management` (or `plan`), every other account the member
/// role's (or `plan`). The emulator refuses any call they do not allow, so every test that
/// starts its emulator through [`start`] proves the printed policies are enough.
pub(crate) fn iam_policies(paths: &[&str], read_only: bool) -> IamPolicies {
    use shubctl::iam::{Role, documents};
    let p = policy(paths);
    let doc = |role| documents(&p, role).unwrap().permissions;
    let (management, others) = if read_only {
        (doc(Role::Plan), doc(Role::Plan))
    } else {
        (doc(Role::Management), doc(Role::Member))
    };
    let mgmt = p.organization.as_ref().unwrap().management.to_string();
    IamPolicies {
        by_account: [(mgmt, vec![management])].into(),
        others: vec![others],
    }
}

/// The emulator on the fixture organisation, enforcing the policies `shubctl iam` prints for
/// `paths` (apply-level unless `config.iam` is already set).
pub(crate) async fn start(paths: &[&str], config: Config) -> Emulator {
    let iam = config
        .iam
        .clone()
        .or_else(|| Some(iam_policies(paths, false)));
    Emulator::start(org_snapshot(), Config { iam, ..config }).await
}

/// As [`start`], with the read-only `--role plan` policy everywhere.
pub(crate) async fn start_read_only(paths: &[&str], config: Config) -> Emulator {
    let iam = Some(iam_policies(paths, true));
    Emulator::start(org_snapshot(), Config { iam, ..config }).await
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A provider signed in as the management account, pointed at the emulator.
pub(crate) async fn connect(emu: &Emulator, max_attempts: u32) -> AwsProvider {
    connect_scaled(emu, max_attempts, 1.0).await
}

pub(crate) async fn connect_scaled(
    emu: &Emulator,
    max_attempts: u32,
    rate_scale: f64,
) -> AwsProvider {
    connect_with(emu, max_attempts, rate_scale, &[]).await
}

pub(crate) async fn connect_with(
    emu: &Emulator,
    max_attempts: u32,
    rate_scale: f64,
    services: &[&str],
) -> AwsProvider {
    connect_in(emu, "us-east-1", max_attempts, rate_scale, services).await
}

/// As [`connect_with`], with `region` as the configured region (it picks the partition).
pub(crate) async fn connect_in(
    emu: &Emulator,
    region: &str,
    max_attempts: u32,
    rate_scale: f64,
    services: &[&str],
) -> AwsProvider {
    let creds = Credentials::new(
        Emulator::access_key("111111111111"),
        "secret",
        None,
        None,
        "test",
    );
    let cfg = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(emu.endpoint())
        .credentials_provider(creds)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(500)),
        )
        .load()
        .await;
    let p = policy(&[POLICY]);
    let org = p.organization.as_ref().unwrap();
    let opts = AwsOptions {
        role: org.role.clone(),
        organization: true,
        management_account: Some(org.management.clone()),
        poll_interval: Duration::from_millis(25),
        standard_timeout: Duration::from_secs(30),
        rate_scale,
        services: services.iter().map(|s| s.parse().unwrap()).collect(),
        delegated_admin: Some(org.admin.clone()),
        ..AwsOptions::default()
    };
    AwsProvider::connect(opts, Some(cfg))
        .await
        .expect("connects")
}

pub(crate) async fn plan_with(p: &Policy, aws: &AwsProvider) -> Plan {
    let mut d = Diagnostics::default();
    engine::plan(p, aws, "aws", today(), 8, false, &mut d)
        .await
        .expect("plans")
        .plan
}

pub(crate) async fn apply_with(plan: &Plan, aws: &AwsProvider) -> Report {
    apply(
        plan,
        aws,
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 8,
        },
    )
    .await
}

/// From nothing to converged, and returns the converged emulator.
pub(crate) async fn converged(config: Config) -> (Emulator, AwsProvider, Policy) {
    let emu = start(&[POLICY], config).await;
    let aws = connect(&emu, 8).await;
    let p = policy(&[POLICY]);
    let first = plan_with(&p, &aws).await;
    assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
    assert!(first.summary.create > 0);
    let report = apply_with(&first, &aws).await;
    assert!(report.success(), "{}", report.render_text());
    (emu, aws, p)
}

#[test]
fn organisation_from_nothing_converges_and_a_second_plan_is_empty() {
    runtime().block_on(async {
        let (emu, aws, p) = converged(quick()).await;
        let again = plan_with(&p, &aws).await;
        assert!(
            again.changes.is_empty(),
            "left: {:#?}",
            again
                .changes
                .iter()
                .map(|c| c.address.to_string())
                .collect::<Vec<_>>()
        );
        // The emulator's state, in the snapshot format, plans empty too: both read the same.
        let snap = shubctl::provider::snapshot::Snapshot::from_file(emu.dump()).unwrap();
        let mut d = Diagnostics::default();
        let offline = engine::plan(&p, &snap, "emulator dump", today(), 1, false, &mut d)
            .await
            .unwrap()
            .plan;
        assert!(
            offline.changes.is_empty(),
            "{:#?}",
            offline
                .changes
                .iter()
                .map(|c| c.address.to_string())
                .collect::<Vec<_>>()
        );
        // Calls were counted per scope, and the suspended and excluded accounts never touched.
        assert!(!aws.api_calls().is_empty());
        assert!(
            emu.calls()
                .iter()
                .all(|c| c.account != "666666666666" && c.account != "999999999999")
        );
    });
}

#[test]
fn plan_never_mutates() {
    runtime().block_on(async {
        let emu = start_read_only(&[POLICY], quick()).await;
        let aws = connect(&emu, 4).await;
        let p = policy(&[POLICY]);
        let plan = plan_with(&p, &aws).await;
        assert!(plan.has_changes());
        let calls = emu.calls();
        assert!(!calls.is_empty());
        let mutating: Vec<_> = calls.iter().filter(|c| c.mutating).collect();
        assert!(
            mutating.is_empty(),
            "plan made mutating calls: {mutating:?}"
        );
        // Every call the emulator saw (assuming roles included; but the one GetCallerIdentity
        // that identifies the caller on connecting) was counted, per scope, in the plan's
        // figures.
        let counted: u64 = aws.api_calls().values().sum();
        let seen = calls
            .iter()
            .filter(|c| c.operation != "GetCallerIdentity")
            .count() as u64;
        assert!(calls.iter().any(|c| c.operation == "AssumeRole"));
        assert_eq!(counted, seen);
    });
}

#[test]
fn drift_is_planned_exactly_and_repaired() {
    runtime().block_on(async {
        let (emu, aws, p) = converged(quick()).await;
        // Behind shubctl's back: a control disabled by hand, an insight deleted, a standard
        // unsubscribed.
        let mut s = emu.dump();
        s.resources.insert(
            "333333333333/us-east-1/control/S3.1@fsbp/1.0.0"
                .parse()
                .unwrap(),
            serde_json::json!({"status": "DISABLED", "reason": "by hand"}),
        );
        s.resources.remove(
            &"222222222222/us-east-1/insight/Top failing controls"
                .parse()
                .unwrap(),
        );
        s.resources
            .remove(&"444444444444/eu-west-1/standard/cis/1.2.0".parse().unwrap());
        s.resources.retain(|a, _| {
            !(a.to_string().starts_with("444444444444/eu-west-1/control/")
                && a.to_string().ends_with("@cis/1.2.0"))
        });
        emu.load(s);

        let plan = plan_with(&p, &aws).await;
        let got: BTreeSet<String> = plan
            .changes
            .iter()
            .filter(|c| {
                c.address.kind != shubctl::model::Kind::Control
                    || c.address.account.as_str() == "333333333333"
            })
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        let want: BTreeSet<String> = [
            "update 333333333333/us-east-1/control/S3.1@fsbp/1.0.0",
            "create 222222222222/us-east-1/insight/Top failing controls",
            "create 444444444444/eu-west-1/standard/cis/1.2.0",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(got, want);
        // The other control changes are the exceptions re-applied to the re-enabled standard.
        for c in plan.changes.iter().filter(|c| {
            c.address.kind == shubctl::model::Kind::Control
                && c.address.account.as_str() != "333333333333"
        }) {
            assert!(
                c.address
                    .to_string()
                    .starts_with("444444444444/eu-west-1/control/")
                    && c.address.to_string().ends_with("@cis/1.2.0"),
                "{}",
                c.address
            );
            assert_eq!(c.after.as_ref().unwrap()["status"], "DISABLED");
        }
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

#[test]
fn tight_quotas_are_survived() {
    runtime().block_on(async {
        // The emulator allows a fifth of AWS's rates; the client is told the same.
        let emu = start(
            &[POLICY],
            Config {
                quota_scale: 0.2,
                ..quick()
            },
        )
        .await;
        let aws = connect_scaled(&emu, 8, 0.2).await;
        let p = policy(&[POLICY]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        // The client-side limiter keeps to the quota, so the emulator rarely has to throttle;
        // whatever it did throttle, the SDK retried.
        let throttled = emu.calls().iter().filter(|c| c.status == 429).count();
        let total = emu.calls().len();
        assert!(
            throttled * 10 < total,
            "{throttled} of {total} calls throttled"
        );
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

#[test]
fn faults_are_survived_or_reported_precisely_and_a_second_apply_converges() {
    runtime().block_on(async {
        let emu = start(
            &[POLICY],
            Config {
                fault_rate: 0.05,
                drop_rate: 0.02,
                seed: 7,
                ..quick()
            },
        )
        .await;
        let aws = connect(&emu, 3).await;
        let p = policy(&[POLICY]);
        let first = plan_with(&p, &aws).await;
        let report = apply_with(&first, &aws).await;
        // Faults were really injected (500s and dropped connections)...
        let faults = emu
            .calls()
            .iter()
            .filter(|c| c.status >= 500 || c.status == 0)
            .count();
        assert!(faults > 0, "no fault was injected");
        // ...and every change is accounted for, once.
        assert_eq!(
            report.applied + report.failed + report.not_attempted,
            first.changes.len()
        );
        for e in &report.entries {
            if let Outcome::Failed { error } = &e.outcome {
                assert!(
                    error.target.scope() == Some(e.address.scope()),
                    "{} reported against {}",
                    e.address,
                    error.target
                );
            }
        }
        // Faults off: the next round converges.
        emu.set_config(quick());
        let second = plan_with(&p, &aws).await;
        let report = apply_with(&second, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

#[test]
fn controls_wait_for_a_slow_standard() {
    runtime().block_on(async {
        let (emu, aws, p) = converged(Config {
            standard_delay: Duration::from_millis(300),
            ..quick()
        })
        .await;
        // Success above means no control update found its standard not ready; the waits show.
        let polls = emu
            .calls()
            .iter()
            .filter(|c| c.operation == "GetEnabledStandards")
            .count();
        assert!(polls > 10, "waited by polling ({polls} polls)");
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

#[test]
fn batch_item_failures_land_on_their_addresses() {
    runtime().block_on(async {
        let config = Config {
            fail_create_members: ["555555555555".to_string()].into(),
            fail_association_controls: ["IAM.6".to_string()].into(),
            ..quick()
        };
        let emu = start(&[POLICY], config).await;
        let aws = connect(&emu, 4).await;
        let p = policy(&[POLICY]);
        let first = plan_with(&p, &aws).await;
        let report = apply_with(&first, &aws).await;
        let failed: BTreeSet<String> = report
            .entries
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Failed { .. }))
            .map(|e| e.address.to_string())
            .collect();
        assert!(!failed.is_empty());
        for a in &failed {
            assert!(
                a.ends_with("/member/555555555555") || a.contains("/control/IAM.6@"),
                "unexpected failure at {a}"
            );
        }
        for region in ["us-east-1", "eu-west-1"] {
            assert!(failed.contains(&format!("222222222222/{region}/member/555555555555")));
            assert!(failed.contains(&format!("333333333333/{region}/control/IAM.6@fsbp/1.0.0")));
        }
        // Neighbours in the same batch were applied.
        assert!(report.entries.iter().any(|e| e.address.to_string()
            == "222222222222/us-east-1/member/333333333333"
            && e.outcome == Outcome::Applied));
        assert!(report.entries.iter().any(|e| e.address.to_string()
            == "333333333333/eu-west-1/control/IAM.1@fsbp/1.0.0"
            && e.outcome == Outcome::Applied));
    });
}

#[test]
fn an_account_that_cannot_be_reached_is_reported_and_the_others_proceed() {
    runtime().block_on(async {
        let emu = start(
            &[POLICY],
            Config {
                unassumable_accounts: ["444444444444".to_string()].into(),
                ..quick()
            },
        )
        .await;
        let aws = connect(&emu, 2).await;
        let p = policy(&[POLICY]);
        let plan = plan_with(&p, &aws).await;
        let failed: BTreeSet<String> = plan
            .read_failures
            .iter()
            .map(|f| f.target.to_string())
            .collect();
        assert_eq!(
            failed,
            [
                "444444444444/eu-west-1".to_string(),
                "444444444444/us-east-1".to_string()
            ]
            .into()
        );
        assert!(
            plan.read_failures
                .iter()
                .all(|f| f.message.contains("ShubctlExecution")),
            "{:?}",
            plan.read_failures
        );
        assert!(
            plan.changes
                .iter()
                .all(|c| c.address.account.as_str() != "444444444444"),
            "nothing planned where nothing is known"
        );
        assert!(
            plan.changes
                .iter()
                .any(|c| c.address.account.as_str() == "333333333333")
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
    });
}

/// The CLI reaches the emulator through the standard variables alone: no special flag.
#[test]
fn cli_plan_apply_and_snapshot_through_standard_aws_variables() {
    use std::process::Command;
    let rt = runtime();
    // Only the policy's role can be assumed: a saved plan must reach accounts the same way.
    let emu = rt.block_on(start(
        &[POLICY],
        Config {
            assumable_role: Some(("ShubctlExecution".into(), None)),
            ..quick()
        },
    ));
    let dir = tempfile::tempdir().unwrap();
    let shubctl = |args: &[&str]| {
        let mut c = shubctl_against(&emu.endpoint(), dir.path());
        c.args(args).env("AWS_MAX_ATTEMPTS", "5");
        c.output().unwrap()
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();

    let out = shubctl(&[
        "plan",
        POLICY,
        "--detailed-exitcode",
        "-v",
        "--today",
        "2026-11-28",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("state from aws (as account 111111111111)"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("API calls:"),
        "-v lists the calls: {}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("not-a-real-secret")
            && !text(&out.stdout).contains("not-a-real-secret"),
        "no credentials in output"
    );
    assert!(emu.calls().iter().all(|c| !c.mutating));

    let out = shubctl(&["apply", POLICY, "--auto-approve", "--today", "2026-11-28"]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains("Verified: no changes remain."),
        "{}",
        text(&out.stdout)
    );

    // A saved plan carries how accounts are reached, and applies the same way.
    let saved = dir.path().join("plan.json");
    let mut s = emu.dump();
    s.resources.remove(
        &"222222222222/us-east-1/insight/Top failing controls"
            .parse()
            .unwrap(),
    );
    emu.load(s);
    let out = shubctl(&[
        "plan",
        POLICY,
        "--today",
        "2026-11-28",
        "--out",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(plan_json["access"]["role"], "ShubctlExecution");
    assert!(
        plan_json["api_calls"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    );
    let out = shubctl(&["apply", "--auto-approve", "--plan", saved.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains("1 applied, 0 failed"),
        "{}",
        text(&out.stdout)
    );

    let snap = dir.path().join("live.json");
    let out = shubctl(&[
        "snapshot",
        POLICY,
        "--today",
        "2026-11-28",
        "--out",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A pull request without credentials plans against the snapshot: nothing to do.
    let out = Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(root())
        .args([
            "plan",
            POLICY,
            "--detailed-exitcode",
            "--today",
            "2026-11-28",
            "--snapshot",
            snap.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    drop(rt);
}

/// Without credentials the error says so, and nothing hangs.
#[test]
fn cli_without_credentials_explains() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(root())
        .args(["plan", POLICY])
        .env_clear()
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", dir.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: cannot reach AWS:"), "{err}");
}

// --- The integrated services (GuardDuty, Macie, Inspector, IAM Access Analyzer) ---

pub(crate) const INTEGRATIONS: &str = "tests/fixtures/aws/integrations.yaml";
pub(crate) const SERVICES: [&str; 4] = ["guardduty", "inspector", "macie", "access-analyzer"];

pub(crate) async fn converged_with_integrations(config: Config) -> (Emulator, AwsProvider, Policy) {
    let emu = start(&[POLICY, INTEGRATIONS], config).await;
    let aws = connect_with(&emu, 8, 1.0, &SERVICES).await;
    let p = policy(&[POLICY, INTEGRATIONS]);
    let first = plan_with(&p, &aws).await;
    assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
    let report = apply_with(&first, &aws).await;
    assert!(report.success(), "{}", report.render_text());
    (emu, aws, p)
}

#[test]
fn integrations_from_nothing_converge() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        let again = plan_with(&p, &aws).await;
        assert!(again.changes.is_empty(), "left: {:#?}", again.changes.iter().map(|c| format!("{} {} {:?} -> {:?}", c.action.as_str(), c.address, c.before, c.after)).collect::<Vec<_>>());
        let dump = emu.dump();
        let has = |a: &str| dump.resources.contains_key(&a.parse().unwrap());
        for a in ["333333333333/eu-west-1/guardduty", "333333333333/eu-west-1/macie", "333333333333/eu-west-1/inspector", "222222222222/us-east-1/analyzer/org-external-access", "555555555555/us-east-1/analyzer/account-unused", "111111111111/us-east-1/delegated-admin/guardduty", "222222222222/eu-west-1/org-config/guardduty"] {
            assert!(has(a), "{a} missing after apply");
        }
        // Declared features are sent explicitly, so AWS's defaults for unlisted ones do not
        // surprise the plan: RDS login events stay off.
        assert_eq!(dump.resources[&"444444444444/us-east-1/guardduty".parse().unwrap()]["features"]["RDS_LOGIN_EVENTS"], "DISABLED");
        // So is AI protection (AWS turns it on in a detector created without it); AI analyst is
        // set per detector, not by the administrator for its members: the administrator's own.
        assert_eq!(dump.resources[&"444444444444/us-east-1/guardduty".parse().unwrap()]["features"]["AI_PROTECTION"], "DISABLED");
        assert_eq!(dump.resources[&"222222222222/us-east-1/guardduty".parse().unwrap()]["features"]["AI_ANALYST"], "DISABLED");
    });
}

#[test]
fn integrations_plan_never_mutates() {
    runtime().block_on(async {
        let emu = start_read_only(&[POLICY, INTEGRATIONS], quick()).await;
        let aws = connect_with(&emu, 4, 1.0, &SERVICES).await;
        let p = policy(&[POLICY, INTEGRATIONS]);
        let plan = plan_with(&p, &aws).await;
        assert!(
            plan.changes
                .iter()
                .any(|c| c.address.kind == shubctl::model::Kind::GuardDuty)
        );
        let mutating: Vec<_> = emu.calls().into_iter().filter(|c| c.mutating).collect();
        assert!(mutating.is_empty(), "{mutating:?}");
    });
}

#[test]
fn integrations_drift_is_detected_and_repaired() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        let mut s = emu.dump();
        let addr = |a: &str| a.parse::<shubctl::model::Address>().unwrap();
        s.resources
            .get_mut(&addr("333333333333/us-east-1/guardduty"))
            .unwrap()["features"]["S3_DATA_EVENTS"] = serde_json::json!("DISABLED");
        s.resources
            .get_mut(&addr("444444444444/eu-west-1/macie"))
            .unwrap()["status"] = serde_json::json!("PAUSED");
        s.resources
            .get_mut(&addr("555555555555/us-east-1/inspector"))
            .unwrap()["resource_types"] = serde_json::json!(["EC2"]);
        s.resources
            .get_mut(&addr("222222222222/us-east-1/analyzer/org-external-access"))
            .unwrap()["archive_rules"] = serde_json::json!({});
        emu.load(s);
        let plan = plan_with(&p, &aws).await;
        let got: BTreeSet<String> = plan
            .changes
            .iter()
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        let want: BTreeSet<String> = [
            // A member's detector and Macie are its administrator's to manage.
            "update 222222222222/us-east-1/guardduty-member/333333333333",
            "update 222222222222/eu-west-1/macie-member/444444444444",
            "update 555555555555/us-east-1/inspector",
            "update 222222222222/us-east-1/analyzer/org-external-access",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(got, want);
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

#[test]
fn integrations_survive_faults_and_throttling() {
    runtime().block_on(async {
        let emu = start(
            &[POLICY, INTEGRATIONS],
            Config {
                fault_rate: 0.03,
                quota_scale: 0.3,
                seed: 11,
                ..quick()
            },
        )
        .await;
        let aws = connect_with(&emu, 8, 0.3, &SERVICES).await;
        let p = policy(&[POLICY, INTEGRATIONS]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        for e in &report.entries {
            if let Outcome::Failed { error } = &e.outcome {
                assert!(
                    error.target.scope() == Some(e.address.scope()),
                    "{} reported against {}",
                    e.address,
                    error.target
                );
            }
        }
        emu.set_config(quick());
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

#[test]
fn inspector_slow_enablement_is_waited_for() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(Config {
            inspector_delay: Duration::from_millis(300),
            ..quick()
        })
        .await;
        let polls = emu
            .calls()
            .iter()
            .filter(|c| c.operation == "BatchGetAccountStatus")
            .count();
        assert!(polls > 20, "waited by polling ({polls} polls)");
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

#[test]
fn inspector_per_account_failures_land_on_their_addresses() {
    runtime().block_on(async {
        let emu = start(
            &[POLICY, INTEGRATIONS],
            Config {
                fail_inspector_accounts: ["555555555555".to_string()].into(),
                ..quick()
            },
        )
        .await;
        let aws = connect_with(&emu, 4, 1.0, &SERVICES).await;
        let p = policy(&[POLICY, INTEGRATIONS]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        let failed: BTreeSet<String> = report
            .entries
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Failed { .. }))
            .map(|e| e.address.to_string())
            .collect();
        assert_eq!(
            failed,
            [
                "555555555555/eu-west-1/inspector".to_string(),
                "555555555555/us-east-1/inspector".to_string()
            ]
            .into()
        );
        assert!(report.entries.iter().any(|e| e.address.to_string()
            == "444444444444/us-east-1/inspector"
            && e.outcome == Outcome::Applied));
    });
}

/// The delegated administrator enables Inspector for the member accounts itself, many
/// accounts a call, instead of each account enabling its own.
#[test]
fn the_delegated_administrator_acts_for_its_members() {
    runtime().block_on(async {
        let (emu, _aws, _p) = converged_with_integrations(quick()).await;
        let enables: Vec<_> = emu
            .calls()
            .into_iter()
            .filter(|c| c.service == "inspector2" && c.operation == "Enable")
            .collect();
        assert!(!enables.is_empty());
        assert!(
            enables.iter().all(|c| c.account == "222222222222"),
            "{enables:?}"
        );
        // One call per region covers all five accounts.
        assert_eq!(enables.len(), 2, "{enables:?}");
    });
}

/// An analyzer's type cannot change on AWS: a different type is a replacement.
#[test]
fn an_analyzer_of_another_type_is_replaced() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        let mut s = emu.dump();
        let a: shubctl::model::Address = "333333333333/us-east-1/analyzer/account-unused"
            .parse()
            .unwrap();
        s.resources.insert(
            a.clone(),
            serde_json::json!({"type": "ACCOUNT", "archive_rules": {}}),
        );
        emu.load(s);
        let plan = plan_with(&p, &aws).await;
        assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
        assert_eq!(plan.changes[0].address, a);
        assert_eq!(
            plan.changes[0].changed_fields,
            vec!["type", "unused_access_age"]
        );
        emu.clear_calls();
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let ops: Vec<String> = emu
            .calls()
            .into_iter()
            .filter(|c| c.mutating)
            .map(|c| c.operation)
            .collect();
        assert_eq!(ops, ["DeleteAnalyzer", "CreateAnalyzer"]);
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// Moving the aggregation (home) region converges in one apply: the old aggregator is removed
/// before the new one is created, since an account has only one.
#[test]
fn moving_the_aggregator_converges_in_one_apply() {
    runtime().block_on(async {
        let (emu, aws, p) = converged(quick()).await;
        let mut s = emu.dump();
        let old: shubctl::model::Address = "222222222222/us-east-1/aggregator".parse().unwrap();
        let v = s.resources.remove(&old).unwrap();
        s.resources.insert(
            "222222222222/eu-west-1/aggregator".parse().unwrap(),
            serde_json::json!({"linking_mode": v["linking_mode"], "regions": ["us-east-1"]}),
        );
        emu.load(s);
        let plan = plan_with(&p, &aws).await;
        let got: BTreeSet<String> = plan
            .changes
            .iter()
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        assert_eq!(
            got,
            [
                "create 222222222222/us-east-1/aggregator".to_string(),
                "delete 222222222222/eu-west-1/aggregator".to_string()
            ]
            .into()
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// The role and external ID of the policy are what AssumeRole is called with.
#[test]
fn the_external_id_is_sent_when_the_role_requires_one() {
    runtime().block_on(async {
        let config = Config {
            assumable_role: Some(("ShubctlExecution".into(), Some("tenant-42".into()))),
            ..quick()
        };
        let emu = start(&[POLICY], config).await;
        let p = policy(&[POLICY]);
        // Without the external ID, member accounts cannot be reached...
        let aws = connect(&emu, 2).await;
        let plan = plan_with(&p, &aws).await;
        assert!(
            plan.read_failures
                .iter()
                .any(|f| f.target.to_string().starts_with("333333333333/")),
            "{:?}",
            plan.read_failures
        );
        // ...with it, they can.
        let creds = Credentials::new(
            Emulator::access_key("111111111111"),
            "secret",
            None,
            None,
            "test",
        );
        let cfg = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(emu.endpoint())
            .credentials_provider(creds)
            .load()
            .await;
        let opts = AwsOptions {
            role: "ShubctlExecution".into(),
            external_id: Some("tenant-42".into()),
            organization: true,
            ..AwsOptions::default()
        };
        let aws = AwsProvider::connect(opts, Some(cfg)).await.unwrap();
        let plan = plan_with(&p, &aws).await;
        assert!(plan.read_failures.is_empty(), "{:?}", plan.read_failures);
    });
}

/// An organisation of 100 accounts × 17 regions under AWS's documented quotas (STS's
/// included), through the CLI as a pipeline runs it: the apply that disables one more control
/// everywhere is carried out in full, no scope goes unread, and each account's role is assumed
/// once for plan, apply and verification together.
#[test]
fn a_hundred_accounts_in_17_regions_apply_under_the_documented_quotas() {
    use std::process::Command;
    const POLICY: &str = "benches/scale/policy.yaml";
    const ONE_MORE: &str = "benches/scale/one-more-exception.yaml";
    let org = shubctl_emulator::synthetic::converged(&[POLICY.into()], 100, 0, 1).unwrap();
    let rt = runtime();
    // The policies `shubctl iam` prints for these files, enforced here too.
    let emu = rt.block_on(Emulator::start(
        org.to_file(),
        Config {
            page_size: 100,
            iam: Some(iam_policies(&[POLICY, ONE_MORE], false)),
            ..Config::default()
        },
    ));
    assert!(emu.config().quotas_enabled && emu.config().quota_scale == 1.0);
    let dir = tempfile::tempdir().unwrap();
    let management = shubctl_emulator::synthetic::FIRST_ACCOUNT.to_string();
    let out = Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(root())
        .args(["apply", POLICY, ONE_MORE, "--auto-approve", "-v"])
        .args(["--today", "2026-11-28", "--color", "never"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", emu.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", Emulator::access_key(&management))
        .env("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    // Two standards in each of 1,700 scopes.
    assert!(
        stdout.contains("Apply: 3400 applied, 0 failed, 0 not attempted."),
        "{stdout}"
    );
    assert!(stdout.contains("Verified: no changes remain."), "{stdout}");
    let calls = emu.calls();
    let assumed: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == "AssumeRole" && c.status == 200)
        .collect();
    assert_eq!(assumed.len(), 99, "one AssumeRole per member account");
    let writes = calls
        .iter()
        .filter(|c| c.operation == "BatchUpdateStandardsControlAssociations")
        .filter(|c| c.status == 200)
        .count();
    assert_eq!(writes, 1700, "one batched write per scope");
}

// --- Least privilege: the policies `shubctl iam` prints are enough, and each action counts ---

/// `doc` without `action` in any statement.
pub(crate) fn without(doc: &serde_json::Value, action: &str) -> serde_json::Value {
    let mut d = doc.clone();
    for st in d["Statement"].as_array_mut().unwrap() {
        if let Some(list) = st["Action"].as_array_mut() {
            list.retain(|a| a != action);
        }
    }
    d
}

/// The apply-level policies with one action taken from the management account's document
/// (`management: true`) or the member role's.
fn missing(action: &str, management: bool) -> IamPolicies {
    let mut p = iam_policies(&[POLICY], false);
    let size = |p: &IamPolicies| -> usize {
        p.by_account
            .values()
            .flatten()
            .chain(&p.others)
            .map(|d| d.to_string().len())
            .sum()
    };
    let before = size(&p);
    if management {
        for d in p.by_account.values_mut().flatten() {
            *d = without(d, action);
        }
    } else {
        for d in &mut p.others {
            *d = without(d, action);
        }
    }
    assert!(size(&p) < before, "{action} was granted");
    p
}

#[test]
fn a_policy_missing_one_write_action_fails_where_it_is_needed() {
    runtime().block_on(async {
        let iam = missing("securityhub:BatchEnableStandards", false);
        let emu = start(
            &[POLICY],
            Config {
                iam: Some(iam),
                ..quick()
            },
        )
        .await;
        let aws = connect(&emu, 2).await;
        let p = policy(&[POLICY]);
        let plan = plan_with(&p, &aws).await;
        assert!(plan.read_failures.is_empty(), "{:?}", plan.read_failures);
        let report = apply_with(&plan, &aws).await;
        assert!(!report.success());
        // Every member account's standards fail as AWS refuses them; the management account,
        // whose own policy has the action, enables its standards.
        let failed: Vec<_> = report
            .entries
            .iter()
            .filter_map(|e| match &e.outcome {
                Outcome::Failed { error } => Some((e.address.clone(), error.clone())),
                _ => None,
            })
            .collect();
        assert!(!failed.is_empty());
        for (a, e) in &failed {
            assert_eq!(a.kind, shubctl::model::Kind::Standard, "{a}: {e:?}");
            assert_ne!(a.account.as_str(), "111111111111");
            assert_eq!(e.code.as_deref(), Some("AccessDeniedException"), "{a}");
            assert!(
                e.message.contains("securityhub:BatchEnableStandards"),
                "{}",
                e.message
            );
        }
        let denied = emu.calls().iter().filter(|c| c.status == 403).count();
        assert!(denied > 0);
    });
}

#[test]
fn a_policy_missing_one_dependent_action_fails_the_designation() {
    runtime().block_on(async {
        // Security Hub checks Organizations permissions of its own when designating.
        let iam = missing("organizations:RegisterDelegatedAdministrator", true);
        let emu = start(
            &[POLICY],
            Config {
                iam: Some(iam),
                ..quick()
            },
        )
        .await;
        let aws = connect(&emu, 2).await;
        let p = policy(&[POLICY]);
        let plan = plan_with(&p, &aws).await;
        let report = apply_with(&plan, &aws).await;
        let admin = report
            .entries
            .iter()
            .find(|e| e.address.kind == shubctl::model::Kind::DelegatedAdmin)
            .expect("the designation is planned");
        match &admin.outcome {
            Outcome::Failed { error } => {
                assert_eq!(error.code.as_deref(), Some("AccessDeniedException"));
                assert!(
                    error
                        .message
                        .contains("organizations:RegisterDelegatedAdministrator")
                );
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn a_read_only_policy_missing_one_read_action_leaves_scopes_unread() {
    runtime().block_on(async {
        let mut iam = iam_policies(&[POLICY], true);
        for d in iam.others.iter_mut() {
            *d = without(d, "securityhub:GetEnabledStandards");
        }
        let emu = Emulator::start(
            org_snapshot(),
            Config {
                iam: Some(iam),
                ..quick()
            },
        )
        .await;
        // Converge first without enforcement, so the hubs exist and standards are read.
        let unenforced = Config {
            iam: None,
            ..emu.config()
        };
        let enforced = emu.config();
        emu.set_config(unenforced);
        let aws = connect(&emu, 2).await;
        let p = policy(&[POLICY]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        emu.set_config(enforced);
        let plan = plan_with(&p, &aws).await;
        // Unknown is never "no changes": the member scopes are reported unread.
        assert!(!plan.read_failures.is_empty());
        assert!(plan.read_failures.iter().all(|f| {
            f.code.as_deref() == Some("AccessDeniedException")
                && f.message.contains("securityhub:GetEnabledStandards")
        }));
    });
}

// --- Pipelines: the JSON apply report, and `regions: { include: all }` read live ---

const ALL_REGIONS: &str = "tests/fixtures/aws/all-regions.yaml";

/// `include: all` takes the regions the Account Management API says are enabled (read live,
/// not from a snapshot), and `apply --format json --out` gives the versioned report on stdout
/// and in the file, with the text on stderr.
#[test]
fn cli_apply_json_report_over_the_regions_aws_says_are_enabled() {
    use std::process::Command;
    let rt = runtime();
    let mut org = org_snapshot();
    // An opt-in region the organisation enabled, so the answer cannot come from the policy or
    // a fixed list (the default regions are enabled in every account).
    org.organization.enabled_regions = vec!["eu-south-1".into()];
    let iam = iam_policies(&[ALL_REGIONS], false);
    let emu = rt.block_on(Emulator::start(
        org,
        Config {
            iam: Some(iam),
            ..quick()
        },
    ));
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("apply-report.json");
    let out = Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(root())
        .args([
            "apply",
            ALL_REGIONS,
            "--auto-approve",
            "--format",
            "json",
            "--out",
            report_path.to_str().unwrap(),
            "--today",
            "2026-11-28",
            "--color",
            "never",
        ])
        .env_clear()
        .env("HOME", dir.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", emu.endpoint())
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", Emulator::access_key("111111111111"))
        .env("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    // stdout is the report alone; the plan and the text report went to stderr.
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(std::fs::read_to_string(&report_path).unwrap(), stdout);
    assert!(stderr.contains("applied, 0 failed"), "{stderr}");
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["success"], true);
    assert_eq!(v["failed"], 0);
    assert_eq!(v["not_attempted"], 0);
    assert_eq!(v["verification"]["status"], "converged");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(v["applied"].as_u64().unwrap() as usize, entries.len());
    // Every account's hub in us-east-1, us-west-2 and the opt-in eu-south-1; the other
    // default regions excluded by the policy.
    let mut regions: Vec<String> = entries
        .iter()
        .filter(|e| e["address"].as_str().unwrap().ends_with("/hub"))
        .map(|e| {
            e["address"]
                .as_str()
                .unwrap()
                .split('/')
                .nth(1)
                .unwrap()
                .to_string()
        })
        .collect();
    regions.sort();
    regions.dedup();
    assert_eq!(
        regions,
        ["eu-south-1", "us-east-1", "us-west-2"],
        "{stdout}"
    );
    assert!(!stdout.contains("not-a-real-secret") && !stderr.contains("not-a-real-secret"));
    let calls = emu.calls();
    let list_regions: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == "ListRegions")
        .collect();
    assert!(!list_regions.is_empty());
    // A global API: signed for us-east-1 whatever region the caller is configured for.
    assert!(
        list_regions
            .iter()
            .all(|c| c.region == "us-east-1" && c.status == 200)
    );
    drop(rt);
}

/// A policy without `account:ListRegions` cannot expand `include: all`: plan says why.
#[test]
fn include_all_without_list_regions_is_refused_with_aws_access_denied() {
    runtime().block_on(async {
        let mut iam = iam_policies(&[ALL_REGIONS], true);
        for d in iam.by_account.values_mut().flatten() {
            *d = without(d, "account:ListRegions");
        }
        let emu = Emulator::start(
            org_snapshot(),
            Config {
                iam: Some(iam),
                ..quick()
            },
        )
        .await;
        let aws = connect_all_regions(&emu).await;
        let p = policy(&[ALL_REGIONS]);
        let mut d = Diagnostics::default();
        let Err(err) = engine::plan(&p, &aws, "aws", today(), 8, false, &mut d).await else {
            panic!("planned without the enabled regions");
        };
        let msg = format!("{err}: {:?}", std::error::Error::source(&err));
        assert!(msg.contains("AccessDenied"), "{msg}");
        assert!(emu.calls().iter().all(|c| !c.mutating));
    });
}

/// The regions launched before 2019-03-20, enabled in every account (AWS answers them
/// `ENABLED_BY_DEFAULT`).
const DEFAULT_REGIONS: [&str; 17] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// A synthetic organisation's snapshot names no enabled region, as AWS's organisations need
/// not: `include: all` still resolves the regions AWS enables by default (ListRegions answers
/// them `ENABLED_BY_DEFAULT`), and an opt-in region once it is enabled.
#[test]
fn include_all_on_a_synthetic_organisation_resolves_the_default_regions() {
    use shubctl_emulator::synthetic::{FIRST_ACCOUNT, organization};
    runtime().block_on(async {
        let snap = shubctl::provider::snapshot::Snapshot::from_state(
            organization(3),
            shubctl::model::State::default(),
        )
        .to_file();
        assert!(snap.organization.enabled_regions.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.yaml");
        std::fs::write(
            &path,
            format!(
                "shubctl: 1\norganization:\n  management_account: \"{FIRST_ACCOUNT}\"\n  delegated_admin: \"{}\"\n  role: ShubctlExecution\n  accounts: {{ include: all }}\nregions:\n  home: us-east-1\n  include: all\nstandards: [fsbp/1.0.0]\n",
                FIRST_ACCOUNT + 1
            ),
        )
        .unwrap();
        let p = policy(&[path.to_str().unwrap()]);
        let (role, management, admin) = {
            let o = p.organization.as_ref().unwrap();
            (o.role.clone(), o.management.clone(), o.admin.clone())
        };
        let connect = |emu: &Emulator| {
            let endpoint = emu.endpoint();
            let (role, management, admin) = (role.clone(), management.clone(), admin.clone());
            async move {
                let cfg = aws_config::defaults(BehaviorVersion::latest())
                    .region(Region::new("us-east-1"))
                    .endpoint_url(endpoint)
                    .credentials_provider(Credentials::new(
                        Emulator::access_key(&FIRST_ACCOUNT.to_string()),
                        "secret",
                        None,
                        None,
                        "test",
                    ))
                    .load()
                    .await;
                let opts = AwsOptions {
                    role,
                    organization: true,
                    management_account: Some(management),
                    delegated_admin: Some(admin),
                    enabled_regions: true,
                    ..AwsOptions::default()
                };
                AwsProvider::connect(opts, Some(cfg)).await.expect("connects")
            }
        };

        let emu = Emulator::start(snap.clone(), quick()).await;
        let aws = connect(&emu).await;
        assert_eq!(aws.enabled_regions().await.unwrap(), DEFAULT_REGIONS);
        let mut d = Diagnostics::default();
        let plan = engine::plan(&p, &aws, "aws", today(), 8, false, &mut d)
            .await
            .expect("plans");
        let regions: BTreeSet<String> = plan
            .plan
            .changes
            .iter()
            .map(|c| c.address.region.clone())
            .filter(|r| r != "global")
            .collect();
        assert_eq!(regions, DEFAULT_REGIONS.map(String::from).into());

        // An opt-in region counts once the organisation has enabled it.
        let mut opted = snap;
        opted.organization.enabled_regions = vec!["af-south-1".into()];
        let emu = Emulator::start(opted, quick()).await;
        let aws = connect(&emu).await;
        let mut want: Vec<&str> = DEFAULT_REGIONS.to_vec();
        want.push("af-south-1");
        want.sort();
        assert_eq!(aws.enabled_regions().await.unwrap(), want);
    });
}

async fn connect_all_regions(emu: &Emulator) -> AwsProvider {
    let cfg = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(emu.endpoint())
        .credentials_provider(Credentials::new(
            Emulator::access_key("111111111111"),
            "secret",
            None,
            None,
            "test",
        ))
        .load()
        .await;
    let p = policy(&[ALL_REGIONS]);
    let org = p.organization.as_ref().unwrap();
    let opts = AwsOptions {
        role: org.role.clone(),
        organization: true,
        management_account: Some(org.management.clone()),
        delegated_admin: Some(org.admin.clone()),
        enabled_regions: true,
        ..AwsOptions::default()
    };
    AwsProvider::connect(opts, Some(cfg))
        .await
        .expect("connects")
}

/// An organisation already on central configuration, planned with a policy that configures
/// accounts locally: the plan is refused, before anything is written, instead of apply
/// failing on AWS's AccessDeniedException in every centrally managed account.
#[test]
fn a_local_policy_against_a_central_organisation_is_refused_at_plan_time() {
    use aws_sdk_securityhub::types::{
        OrganizationConfiguration, OrganizationConfigurationConfigurationType,
    };
    runtime().block_on(async {
        let (emu, aws, p) = converged(quick()).await;
        let creds = Credentials::new(
            Emulator::access_key("222222222222"),
            "secret",
            None,
            None,
            "test",
        );
        let cfg = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(emu.endpoint())
            .credentials_provider(creds)
            .load()
            .await;
        aws_sdk_securityhub::Client::new(&cfg)
            .update_organization_configuration()
            .auto_enable(false)
            .organization_configuration(
                OrganizationConfiguration::builder()
                    .configuration_type(OrganizationConfigurationConfigurationType::Central)
                    .build(),
            )
            .send()
            .await
            .expect("switches to central configuration");
        let before = emu.calls().len();
        let mut d = Diagnostics::default();
        let err = engine::plan(&p, &aws, "aws", today(), 8, false, &mut d)
            .await
            .err()
            .expect("refused");
        let text = err.to_string();
        assert!(
            matches!(err, engine::EngineError::OrganizationIsCentral { ref admin, .. } if admin == "222222222222"),
            "{text}"
        );
        assert!(text.contains("organization.configuration: central"), "{text}");
        // It says how to switch back.
        assert!(
            text.contains("`organization.configuration: local`") && text.contains("--allow-destroy"),
            "{text}"
        );
        assert!(emu.calls()[before..].iter().all(|c| !c.mutating));
    });
}
