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

/// A headless Chromium or Chrome: `CHROMIUM` if set, else the usual names on PATH.
fn browser() -> Option<PathBuf> {
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
    let file = dir.path().join("report.html");
    let profile = dir.path().join("profile");
    let out = Command::new(&chromium)
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
    for needle in [
        "<h1>Security Hub report</h1>",
        "id=\"matrix\"",
        "555555555555 (dev)",
        "id=\"exception-register\"",
        "payments-platform@example.com",
        "<svg",
        "Drift against the policy",
    ] {
        assert!(dom.contains(needle), "rendered page lacks {needle}");
    }
    // Self-contained: nothing that would be fetched.
    for bad in ["http://", "https://", "<link", "<script", "src="] {
        assert!(
            !html.contains(bad),
            "the report refers to something external: {bad}"
        );
    }
}
