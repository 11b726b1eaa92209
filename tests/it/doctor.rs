//! `shubctl doctor` end to end against the emulator, under the read-only policy `shubctl iam
//! --role plan` prints: each row of the guide's troubleshooting table broken behind shubctl's
//! back and found, with where, why and how to fix it; a healthy organisation passes; nothing is
//! changed; findings are counted within GetFindings' quota.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use shubctl::doctor::{self, Check, DoctorOptions, Report};
use shubctl::engine::{self, DoctorRun};
use shubctl::provider::aws::AwsProvider;
use shubctl::spec::Policy;
use shubctl::spec::diagnostics::Diagnostics;
use shubctl_emulator::config::Recorder;
use shubctl_emulator::{Config, Emulator};

use crate::aws::{apply_with, connect_with, iam_policies, plan_with, quick, runtime, start};
use crate::common::*;

const HEALTHY: &str = "tests/fixtures/aws/healthy.yaml";
const EXCEPTIONS: &str = "tests/fixtures/aws/doctor-exceptions.yaml";
const ACCOUNTS: [&str; 5] = [
    "111111111111",
    "222222222222",
    "333333333333",
    "444444444444",
    "555555555555",
];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

fn run_options() -> DoctorRun {
    DoctorRun {
        today: today(),
        concurrency: 8,
        account: None,
        stuck_days: 30,
        findings_limit: 10_000,
    }
}

async fn doctor_with(p: &Policy, aws: &AwsProvider, run: &DoctorRun) -> Report {
    let mut d = Diagnostics::default();
    let facts = engine::doctor_facts(p, aws, run, &mut d)
        .await
        .expect("doctor reads");
    doctor::check(
        p,
        &facts,
        &DoctorOptions {
            today: today(),
            expiry_warning_days: 30,
            stuck_days: run.stuck_days,
        },
    )
}

/// (check, place) for every problem, places expanded.
fn found(r: &Report) -> BTreeSet<(Check, String)> {
    r.problems
        .iter()
        .flat_map(|p| p.at.iter().map(move |a| (p.check, a.clone())))
        .collect()
}

fn finding(
    account: &str,
    region: &str,
    n: usize,
    severity: &str,
    status: &str,
    days_ago: i64,
) -> Value {
    let created = (chrono::Utc::now() - chrono::Duration::days(days_ago))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("arn:aws:securityhub:{region}:{account}:security-control/S3.8/finding/{n:08}"),
        "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        "GeneratorId": "security-control/S3.8",
        "AwsAccountId": account,
        "Region": region,
        "CreatedAt": created,
        "UpdatedAt": created,
        "Title": "S3 general purpose buckets should block public access",
        "Description": "emulated",
        "Severity": { "Label": severity },
        "Workflow": { "Status": status },
        "RecordState": "ACTIVE",
        "Resources": [{ "Type": "AwsS3Bucket", "Id": format!("arn:aws:s3:::bucket-{n}") }],
    })
}

/// Converged, with AWS Config recording everywhere, then the read-only policy enforced.
async fn converged_and_recording(paths: &[&str]) -> (Emulator, AwsProvider, Policy) {
    let emu = start(
        paths,
        Config {
            page_size: 2,
            ..quick()
        },
    )
    .await;
    let aws = connect_with(&emu, 8, 1.0, &["guardduty"]).await;
    let p = policy(paths);
    let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
    assert!(report.success(), "{}", report.render_text());
    for a in ACCOUNTS {
        for r in REGIONS {
            emu.set_recorder(a, r, Some(Recorder::default()));
        }
    }
    (emu, aws, p)
}

fn read_only(emu: &Emulator, paths: &[&str]) {
    emu.set_config(Config {
        iam: Some(iam_policies(paths, true)),
        ..emu.config()
    });
    emu.clear_calls();
}

#[test]
fn a_healthy_organisation_passes_and_nothing_is_changed() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_and_recording(&[HEALTHY]).await;
        read_only(&emu, &[HEALTHY]);
        let r = doctor_with(&p, &aws, &run_options()).await;
        assert!(r.healthy, "{}", doctor::render_text(&r));
        assert_eq!(r.checked.scopes, 10);
        assert_eq!(r.checked.scopes_unread, 0);
        let calls = emu.calls();
        assert!(
            calls.iter().all(|c| !c.mutating && c.status == 200),
            "{calls:?}"
        );
        assert!(
            calls
                .iter()
                .any(|c| c.operation == "DescribeConfigurationRecorderStatus")
        );
        assert!(calls.iter().any(|c| c.operation == "GetFindings"));
    });
}

#[test]
fn doctor_finds_each_problem_of_the_troubleshooting_table() {
    runtime().block_on(async {
        let paths = [HEALTHY, EXCEPTIONS];
        let (emu, aws, p) = converged_and_recording(&paths).await;

        // Behind shubctl's back. Through the snapshot: the management account's standards gone
        // in eu-west-1, GuardDuty off in one scope, its import off in another, the aggregator
        // linking nothing, an account no longer a member.
        let mut s = emu.dump();
        s.resources.retain(|a, _| {
            let t = a.to_string();
            !(t.starts_with("111111111111/eu-west-1/standard/")
                || t.starts_with("111111111111/eu-west-1/control/")
                || t == "333333333333/eu-west-1/guardduty"
                || t == "444444444444/us-east-1/product/aws/guardduty"
                || t == "222222222222/eu-west-1/member/555555555555")
        });
        let agg = "222222222222/us-east-1/aggregator".parse().unwrap();
        s.resources
            .insert(agg, json!({ "linking_mode": "NO_REGIONS", "regions": [] }));
        emu.load(s);
        // What the snapshot format does not hold.
        for a in ACCOUNTS {
            for r in REGIONS {
                emu.set_recorder(a, r, Some(Recorder::default()));
            }
        }
        emu.set_recorder("333333333333", "eu-west-1", None);
        emu.set_recorder(
            "444444444444",
            "us-east-1",
            Some(Recorder {
                recording: false,
                ..Recorder::default()
            }),
        );
        emu.set_recorder(
            "555555555555",
            "us-east-1",
            Some(Recorder {
                last_status: "Failure".into(),
                last_error_code: Some("NoSuchBucketException".into()),
                last_error_message: Some("The delivery channel's bucket does not exist".into()),
                ..Recorder::default()
            }),
        );
        assert!(emu.set_standard_trouble(
            "444444444444",
            "eu-west-1",
            "fsbp/1.0.0",
            Some(("INCOMPLETE", "NO_AVAILABLE_CONFIGURATION_RECORDER")),
        ));
        // Stuck findings: 23 old NEW ones of 333 in us-east-1 (seen from the administrator's
        // home), 2 of 444 in eu-west-1 (no longer linked: asked there); not counted: resolved,
        // recent, and the findings of 555, which is no member in eu-west-1.
        let mut findings = Vec::new();
        for n in 0..23 {
            let sev = if n == 0 { "CRITICAL" } else { "HIGH" };
            findings.push(finding("333333333333", "us-east-1", n, sev, "NEW", 40));
        }
        findings.push(finding(
            "333333333333",
            "us-east-1",
            100,
            "HIGH",
            "RESOLVED",
            40,
        ));
        findings.push(finding("333333333333", "us-east-1", 101, "HIGH", "NEW", 3));
        findings.push(finding(
            "444444444444",
            "eu-west-1",
            200,
            "MEDIUM",
            "NEW",
            50,
        ));
        findings.push(finding(
            "444444444444",
            "eu-west-1",
            201,
            "MEDIUM",
            "NEW",
            31,
        ));
        findings.push(finding("555555555555", "eu-west-1", 300, "LOW", "NEW", 90));
        emu.put_findings(findings).unwrap();

        // A member that left: disassociated by its administrator, through the SDK.
        let sh = securityhub_as(&emu, "222222222222", "us-east-1").await;
        sh.disassociate_members()
            .account_ids("444444444444")
            .send()
            .await
            .unwrap();

        read_only(&emu, &paths);
        let r = doctor_with(&p, &aws, &run_options()).await;
        let text = doctor::render_text(&r);
        let expected: BTreeSet<(Check, String)> = [
            (Check::StandardsNotEnabled, "111111111111/eu-west-1"),
            (Check::StandardFailed, "444444444444/eu-west-1"),
            (Check::ConfigNotRecording, "333333333333/eu-west-1"),
            (Check::ConfigNotRecording, "444444444444/us-east-1"),
            (Check::ConfigNotRecording, "555555555555/us-east-1"),
            (Check::IntegrationNotEnabled, "333333333333/eu-west-1"),
            (
                Check::ProductIntegrationNotEnabled,
                "444444444444/us-east-1",
            ),
            (
                Check::MemberNotAssociated,
                "222222222222/us-east-1 member 444444444444",
            ),
            (
                Check::MemberNotAssociated,
                "222222222222/eu-west-1 member 555555555555",
            ),
            (Check::AggregatorMissingRegions, "222222222222/us-east-1"),
            (Check::FindingsStuckInNew, "222222222222/us-east-1"),
            (Check::FindingsStuckInNew, "222222222222/eu-west-1"),
            (
                Check::ExceptionExpired,
                "tests/fixtures/aws/doctor-exceptions.yaml:3:5",
            ),
            (
                Check::ExceptionExpiringSoon,
                "tests/fixtures/aws/doctor-exceptions.yaml:8:5",
            ),
        ]
        .into_iter()
        .map(|(c, a)| (c, a.to_string()))
        .collect();
        assert_eq!(found(&r), expected, "{text}");
        assert!(!r.healthy);

        // Each problem says why and how, with AWS's own words where it gives them.
        let problem = |c: Check| r.problems.iter().find(|p| p.check == c).unwrap();
        assert!(
            problem(Check::StandardFailed)
                .what
                .contains("INCOMPLETE (NO_AVAILABLE_CONFIGURATION_RECORDER)")
        );
        assert!(
            r.problems
                .iter()
                .any(|p| p.check == Check::ConfigNotRecording
                    && p.what.contains("NoSuchBucketException"))
        );
        assert!(
            problem(Check::AggregatorMissingRegions)
                .fix
                .contains("tests/fixtures/aws/healthy.yaml:")
        );
        assert!(
            problem(Check::IntegrationNotEnabled)
                .fix
                .contains("tests/fixtures/aws/healthy.yaml:")
        );
        assert!(
            problem(Check::ExceptionExpired)
                .what
                .contains("owner storage@example.com, ticket SEC-7")
        );
        for p in &r.problems {
            assert!(!p.why.is_empty() && !p.fix.is_empty(), "{p:?}");
        }
        let home = &r.stuck_findings["222222222222/us-east-1"];
        assert_eq!(home.total, 23);
        assert_eq!(home.by_severity["HIGH"], 22);
        assert_eq!(home.by_severity["CRITICAL"], 1);
        assert_eq!(home.by_account["333333333333"], 23);
        assert_eq!(r.stuck_findings["222222222222/eu-west-1"].total, 2);

        // Read-only, and GetFindings paged (2 a page here) within its quota: never throttled.
        let calls = emu.calls();
        assert!(calls.iter().all(|c| !c.mutating));
        let gets: Vec<_> = calls
            .iter()
            .filter(|c| c.operation == "GetFindings")
            .collect();
        assert!(gets.len() >= 12, "{} pages", gets.len());
        // Two token buckets on two clocks (shubctl's and the emulator's) can disagree by a
        // refill at the boundary on a loaded machine: one throttled (and retried) page is
        // tolerated; without pacing, every page past the burst of 6 would be throttled.
        let throttled = gets.iter().filter(|c| c.status == 429).count();
        assert!(throttled <= 1, "{throttled} throttled: {gets:?}");
        assert!(
            gets.iter().all(|c| c.status == 200 || c.status == 429),
            "{gets:?}"
        );

        // The limit stops the count and says so.
        let mut limited = run_options();
        limited.findings_limit = 5;
        let r = doctor_with(&p, &aws, &limited).await;
        let home = &r.stuck_findings["222222222222/us-east-1"];
        assert!(home.truncated && home.total == 5);
        assert!(doctor::render_text(&r).contains("at least 5 active finding(s)"));

        // One account: only its scopes.
        let mut one = run_options();
        one.account = Some(shubctl::model::AccountId::parse("333333333333").unwrap());
        let r = doctor_with(&p, &aws, &one).await;
        assert_eq!(r.checked.scopes, 2);
        assert!(
            found(&r)
                .iter()
                .all(|(_, a)| a.starts_with("333333333333") || a.starts_with("tests/"))
        );
    });
}

/// A Security Hub client signed as `account`, pointed at the emulator.
async fn securityhub_as(
    emu: &Emulator,
    account: &str,
    region: &str,
) -> aws_sdk_securityhub::Client {
    let cfg = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(emu.endpoint())
        .credentials_provider(aws_credential_types::Credentials::new(
            Emulator::access_key(account),
            "secret",
            None,
            None,
            "test",
        ))
        .load()
        .await;
    aws_sdk_securityhub::Client::new(&cfg)
}

#[test]
fn cli_doctor_formats_and_exit_codes() {
    use std::process::Command;
    let rt = runtime();
    let (emu, _aws, _p) = rt.block_on(converged_and_recording(&[HEALTHY]));
    read_only(&emu, &[HEALTHY]);
    let dir = tempfile::tempdir().unwrap();
    let shubctl = |args: &[&str]| {
        Command::new(insta_cmd::get_cargo_bin("shubctl"))
            .current_dir(root())
            .arg("doctor")
            .args(args)
            .args(["--today", "2026-11-28", "--color", "never"])
            .env_clear()
            .env("HOME", dir.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", emu.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", Emulator::access_key("111111111111"))
            .env("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
            .output()
            .unwrap()
    };
    let out = shubctl(&[HEALTHY]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("Healthy: no problems found in 5 account(s) in 2 region(s)"),
        "{stdout}"
    );

    // An expired exception is a problem: exit 1, in every format.
    let out = shubctl(&[HEALTHY, EXCEPTIONS, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["healthy"], false);
    assert_eq!(v["problems"][0]["check"], "exception_expired");
    assert_eq!(
        v["problems"][0]["where"][0],
        "tests/fixtures/aws/doctor-exceptions.yaml:3:5"
    );
    let out = shubctl(&[HEALTHY, EXCEPTIONS, "--format", "markdown"]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| | problem | where | why | fix |"), "{md}");
    assert!(!md.contains("not-a-real-secret"));
    // An account outside the scope is an error, not "healthy".
    let out = shubctl(&[HEALTHY, "--account", "999999999999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in the policy's scope"));
    drop(rt);
}
