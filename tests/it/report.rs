//! `shubctl report`: each format from the showcase, the exception register's judgement of
//! expiry, and the HTML checked in a real headless browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn report(format: &str, dir: &Path) -> (String, String) {
    let out = dir.join(format!("report.{format}"));
    let o = Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(root())
        .args([
            "report",
            "policies",
            "--snapshot",
            "examples/showcase/snapshot.json",
        ])
        .args(["--today", "2026-11-28", "--format", format, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    (std::fs::read_to_string(&out).unwrap(), stderr)
}

#[test]
fn every_format_from_the_showcase() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["markdown", "csv", "json", "html"] {
        let (text, stderr) = report(format, dir.path());
        assert!(stderr.contains("report written to"), "{stderr}");
        insta::assert_snapshot!(format!("report_showcase_{format}"), text);
    }
}

#[test]
fn the_exception_register_judges_expiry_and_cites_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = report("json", dir.path());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = v["exceptions"].as_array().unwrap();
    let ec2 = rows.iter().find(|r| r["controls"][0] == "EC2.6").unwrap();
    assert_eq!(ec2["status"], "expired");
    assert_eq!(ec2["days_left"], -151);
    assert_eq!(ec2["file"], "policies/exceptions/payments.yaml");
    assert_eq!(ec2["owner"], "payments-platform@example.com");
    // Most urgent first.
    assert_eq!(rows[0]["controls"][0], "EC2.6");
    // The snapshot holds no findings: said, not shown as zero.
    assert!(
        v["findings"]["unavailable"]
            .as_str()
            .unwrap()
            .contains("live")
    );
    // The dev account has Security Hub off: a gap in every column.
    let dev: Vec<&serde_json::Value> = v["matrix"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["account"] == "555555555555")
        .collect();
    assert_eq!(dev.len(), 3);
    assert!(dev.iter().all(|r| r["cells"]["hub"]["status"] == "off"));
}

#[test]
fn csv_cells_are_quoted_and_safe_in_spreadsheets() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = report("csv", dir.path());
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "table,account,region,subject,status,detail,owner,ticket,expires,days_left,source"
    );
    assert!(text.contains("\r\n"));
    assert!(text.contains("setup,555555555555,us-east-1,hub,off,"));
    assert!(text.contains(r#"exception,,,EC2.6,expired,"#));
    // No line starts a formula.
    assert!(
        text.lines()
            .all(|l| l.split(',').all(|c| !c.starts_with(['=', '+', '@'])))
    );
}

/// Renders `file` in headless Chromium; fails on any console message (script errors, and the
/// Content-Security-Policy violation any external load causes) or on missing content.
pub(crate) fn check_in_browser(chromium: &Path, file: &Path, needles: &[&str]) {
    let profile = file.with_extension("profile");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{} failed: {log}", chromium.display());
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Content Security Policy"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    for needle in needles {
        assert!(dom.contains(needle), "rendered page lacks {needle}");
    }
}

/// A headless Chromium or Chrome: `CHROMIUM` if set, else the usual names on PATH.
pub(crate) fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
    .find(|p| p.is_file())
}

/// Renders the showcase report in a real headless browser and fails on any console message
/// (script errors, and the Content-Security-Policy violations any external load would cause)
/// or on missing content. Without a browser it is skipped with a message, unless
/// `SHUBCTL_REQUIRE_BROWSER=1` (set it in CI) makes that a failure.
#[test]
fn html_renders_in_a_headless_browser_without_errors() {
    let Some(chromium) = browser() else {
        assert!(
            std::env::var_os("SHUBCTL_REQUIRE_BROWSER").is_none(),
            "SHUBCTL_REQUIRE_BROWSER is set but no chromium was found (install the `chromium` package or set CHROMIUM)"
        );
        eprintln!(
            "SKIPPED html_renders_in_a_headless_browser_without_errors: no chromium on PATH \
             (install the `chromium` package, or set CHROMIUM to a Chrome binary)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = report("html", dir.path());
    check_in_browser(
        &chromium,
        &dir.path().join("report.html"),
        &[
            "<h1>Security Hub report</h1>",
            "id=\"matrix\"",
            "555555555555 (dev)",
            "id=\"exception-register\"",
            "payments-platform@example.com",
            "<svg",
            "Drift against the policy",
        ],
    );
    // Self-contained: nothing that would be fetched.
    for bad in ["http://", "https://", "<link", "<script", "src="] {
        assert!(
            !html.contains(bad),
            "the report refers to something external: {bad}"
        );
    }
}

mod live {
    use std::collections::BTreeMap;

    use aws_config::{BehaviorVersion, Region};
    use aws_credential_types::Credentials;
    use aws_sdk_securityhub::types::{
        AwsSecurityFindingFilters, SortCriterion, SortOrder, StringFilter, StringFilterComparison,
    };
    use serde_json::Value;
    use shubctl::provider::snapshot::SnapshotFile;
    use shubctl_emulator::{Config, Emulator};

    use crate::common::*;

    const FINDINGS: &str = "tests/fixtures/findings/showcase.json";

    fn seeded() -> Vec<Value> {
        serde_json::from_str(&std::fs::read_to_string(FINDINGS).unwrap()).unwrap()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    fn showcase_emulator(rt: &tokio::runtime::Runtime) -> Emulator {
        let file: SnapshotFile = serde_json::from_str(
            &std::fs::read_to_string("examples/showcase/snapshot.json").unwrap(),
        )
        .unwrap();
        let emu = rt.block_on(Emulator::start(file, Config::default()));
        emu.seed_findings(seeded()).unwrap();
        emu
    }

    /// What the report must show, computed from the fixture on its own: findings of the
    /// administrator's home region and the region its aggregator links (us-west-2), active,
    /// workflow NEW or NOTIFIED.
    type ByAccount = BTreeMap<String, BTreeMap<String, u64>>;

    fn expected() -> (ByAccount, Vec<(String, String)>) {
        let mut by_account: ByAccount = BTreeMap::new();
        let mut failed = Vec::new();
        for f in seeded() {
            let region = f["Region"].as_str().unwrap();
            let live = ["us-east-1", "us-west-2"].contains(&region)
                && f["RecordState"] == "ACTIVE"
                && ["NEW", "NOTIFIED"].contains(&f["Workflow"]["Status"].as_str().unwrap());
            if !live {
                continue;
            }
            let account = f["AwsAccountId"].as_str().unwrap().to_string();
            *by_account
                .entry(account.clone())
                .or_default()
                .entry(f["Severity"]["Label"].as_str().unwrap().to_string())
                .or_default() += 1;
            if f["Compliance"]["Status"] == "FAILED" {
                failed.push((
                    f["Compliance"]["SecurityControlId"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    f["Resources"][0]["Id"].as_str().unwrap().to_string(),
                ));
            }
        }
        failed.sort();
        (by_account, failed)
    }

    #[test]
    fn live_report_findings_match_the_seeded_findings_within_the_quota() {
        let rt = runtime();
        let emu = showcase_emulator(&rt);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report.json");
        let o = shubctl_against(&emu.endpoint(), dir.path())
            .args([
                "report",
                "policies",
                "--today",
                "2026-11-28",
                "--format",
                "json",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{stderr}");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let f = &v["findings"];
        assert!(f.get("unavailable").is_none(), "{f}");
        assert_eq!(f["read_from"], "222222222222/us-east-1");
        let (by_account, failed) = expected();
        let got: ByAccount = serde_json::from_value(f["by_account"].clone()).unwrap();
        assert_eq!(got, by_account);
        let mut got_failed: Vec<(String, String)> = f["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["control"].as_str().unwrap().to_string(),
                    x["resource"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        got_failed.sort();
        assert_eq!(got_failed, failed);
        assert_eq!(
            f["top_failing_controls"][0],
            serde_json::json!(["EC2.19", 3])
        );
        // Paged (the emulator's pages are 2 findings) and never throttled: every GetFindings
        // waited for Security Hub's 3 rps quota instead of being refused.
        let calls: Vec<_> = emu
            .calls()
            .into_iter()
            .filter(|c| c.operation == "GetFindings")
            .collect();
        let seen = by_account.values().flat_map(|m| m.values()).sum::<u64>() as usize;
        assert_eq!(calls.len(), seen.div_ceil(2).max(1));
        assert_eq!(f["calls"], calls.len());
        assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
        assert!(
            emu.calls().iter().all(|c| !c.mutating),
            "a report changes nothing"
        );
    }

    async fn client(emu: &Emulator, account: &str) -> aws_sdk_securityhub::Client {
        let creds = Credentials::new(Emulator::access_key(account), "secret", None, None, "test");
        let cfg = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(emu.endpoint())
            .credentials_provider(creds)
            .load()
            .await;
        aws_sdk_securityhub::Client::new(&cfg)
    }

    fn string(c: StringFilterComparison, v: &str) -> StringFilter {
        StringFilter::builder().comparison(c).value(v).build()
    }

    #[test]
    fn emulator_get_findings_filters_sorts_pages_and_groups_like_aws() {
        let rt = runtime();
        let emu = showcase_emulator(&rt);
        rt.block_on(async {
            let admin = client(&emu, "222222222222").await;
            // EQUALS values are OR-ed; sorted by severity, most severe first.
            let filters = AwsSecurityFindingFilters::builder()
                .severity_label(string(StringFilterComparison::Equals, "CRITICAL"))
                .severity_label(string(StringFilterComparison::Equals, "HIGH"))
                .record_state(string(StringFilterComparison::Equals, "ACTIVE"))
                .build();
            let mut pages = admin
                .get_findings()
                .filters(filters.clone())
                .sort_criteria(
                    SortCriterion::builder()
                        .field("SeverityNormalized")
                        .sort_order(SortOrder::Descending)
                        .build(),
                )
                .into_paginator()
                .send();
            let mut labels = Vec::new();
            let mut n_pages = 0;
            while let Some(p) = pages.next().await {
                n_pages += 1;
                for f in p.unwrap().findings() {
                    labels.push(f.severity().unwrap().label().unwrap().as_str().to_string());
                }
            }
            assert_eq!(
                labels,
                [
                    "CRITICAL", "CRITICAL", "HIGH", "HIGH", "HIGH", "HIGH", "HIGH"
                ]
            );
            assert!(n_pages > 1, "paged");
            // A member sees only its own findings.
            let member = client(&emu, "333333333333").await;
            let own = member.get_findings().send().await.unwrap();
            assert!(
                own.findings()
                    .iter()
                    .all(|f| f.aws_account_id() == Some("333333333333"))
            );
            // EQUALS with NOT_EQUALS on one attribute is refused, as AWS documents.
            let bad = AwsSecurityFindingFilters::builder()
                .region(string(StringFilterComparison::Equals, "us-east-1"))
                .region(string(StringFilterComparison::NotEquals, "us-west-2"))
                .build();
            let e = admin.get_findings().filters(bad).send().await.unwrap_err();
            assert_eq!(
                e.into_service_error().meta().code(),
                Some("InvalidInputException")
            );
            // MaxResults above the model's 100 is refused.
            let e = admin
                .get_findings()
                .max_results(101)
                .send()
                .await
                .unwrap_err();
            assert_eq!(
                e.into_service_error().meta().code(),
                Some("InvalidInputException")
            );
            // GetInsightResults: an insight's filters, grouped.
            let arn = admin
                .create_insight()
                .name("Failed by control")
                .group_by_attribute("ComplianceSecurityControlId")
                .filters(
                    AwsSecurityFindingFilters::builder()
                        .compliance_status(string(StringFilterComparison::Equals, "FAILED"))
                        .record_state(string(StringFilterComparison::Equals, "ACTIVE"))
                        .build(),
                )
                .send()
                .await
                .unwrap()
                .insight_arn()
                .unwrap()
                .to_string();
            let r = admin
                .get_insight_results()
                .insight_arn(&arn)
                .send()
                .await
                .unwrap();
            let values: Vec<(String, i32)> = r
                .insight_results()
                .unwrap()
                .result_values()
                .iter()
                .map(|v| {
                    (
                        v.group_by_attribute_value().unwrap().to_string(),
                        v.count().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                values,
                [
                    ("EC2.19".to_string(), 3),
                    ("S3.8".to_string(), 3),
                    ("CloudTrail.2".to_string(), 1),
                    // Resolved but still active and failed: insights do not filter on workflow
                    // unless asked.
                    ("IAM.6".to_string(), 1),
                ]
            );
        });
    }
}
