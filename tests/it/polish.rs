//! A newcomer's first day (issue 23): each rough edge found by trying every command from the
//! README, shown fixed.

use std::process::Command;

use shubctl_emulator::Emulator;

use crate::aws::{POLICY, org_snapshot, quick, runtime};
use crate::common::*;

fn shubctl() -> Command {
    let mut c = Command::new(insta_cmd::get_cargo_bin("shubctl"));
    c.current_dir(root())
        .env_remove("NO_COLOR")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

// --- Connecting: what went wrong, said as it is ---

/// A key AWS does not know is refused by AWS, which was reached: not a network problem.
#[test]
fn wrong_credentials_are_reported_as_refused_not_as_unreachable() {
    let rt = runtime();
    let emu = rt.block_on(Emulator::start(org_snapshot(), quick()));
    let home = tempfile::tempdir().unwrap();
    let out = shubctl_against(&emu.endpoint(), home.path())
        .args(["plan", POLICY, "--today", "2026-11-28"])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("AWS refused the credentials (region us-east-1, partition aws)"),
        "{err}"
    );
    assert!(err.contains("InvalidClientTokenId"), "{err}");
    assert!(!err.contains("cannot reach AWS"), "{err}");
    assert!(!err.contains("not-a-real-secret"), "{err}");
    drop(rt);
}

/// A configured region of another partition than the policy's is refused before any call,
/// naming both partitions.
#[test]
fn a_region_of_another_partition_is_refused_before_any_call() {
    let rt = runtime();
    let emu = rt.block_on(Emulator::start(org_snapshot(), quick()));
    let home = tempfile::tempdir().unwrap();
    let out = shubctl_against(&emu.endpoint(), home.path())
        .args(["plan", POLICY, "--today", "2026-11-28"])
        .env("AWS_REGION", "cn-north-1")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("the configured region cn-north-1 is in partition aws-cn, but the policy's regions are in aws"),
        "{err}"
    );
    assert!(emu.calls().is_empty(), "{:?}", emu.calls());
    drop(rt);
}

/// A mistyped region is refused before any call (no DNS lookup of a host that does not
/// exist), with a suggestion.
#[test]
fn a_mistyped_region_is_refused_before_any_call() {
    let home = tempfile::tempdir().unwrap();
    let out = shubctl_against("http://127.0.0.1:9", home.path())
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_REGION", "us-eats-1")
        .args(["plan", POLICY, "--today", "2026-11-28"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("`us-eats-1` (the configured region: AWS_REGION or the profile's) is not an AWS region (did you mean `us-east-1`?)"),
        "{err}"
    );
}

/// An endpoint nothing listens on: the error names the endpoint and the region, after one
/// attempt rather than every retry's backoff.
#[test]
fn an_unreachable_endpoint_is_named_with_the_region() {
    // A port that was free a moment ago: connections to it are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().unwrap();
    let out = shubctl_against(&endpoint, home.path())
        .args(["plan", POLICY, "--today", "2026-11-28"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot connect to AWS at {endpoint}")),
        "{err}"
    );
    assert!(err.contains("(region us-east-1)"), "{err}");
}

// --- Guardrails ---

/// The guardrails example of the policy reference (docs/policy.md), written as a file next to the showcase policy.
fn readme_guardrails(exclude: &str) -> tempfile::TempDir {
    let readme = std::fs::read_to_string(root().join("docs/policy.md")).unwrap();
    let start = readme
        .find("```yaml\nguardrails:")
        .expect("the policy reference's example")
        + 8;
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let text = block.replace("ou-ex01-sandbox01", exclude);
    std::fs::write(dir.path().join("guardrails.yaml"), text).unwrap();
    dir
}

#[test]
fn the_readmes_guardrail_example_plans_against_the_showcase() {
    let dir = readme_guardrails("ou-ex01-sandbox01");
    let out = shubctl()
        .args(["plan", "policies"])
        .arg(dir.path().join("guardrails.yaml"))
        .args(["--snapshot", "examples/showcase/snapshot.json"])
        .args(["--today", "2026-11-28", "--color", "never"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    // Carved out: the SCP goes beside the sandbox OU, not on the root.
    assert!(
        text.contains("scp-attachment/shubctl-protect-security-services@ou-ex01-"),
        "{text}"
    );
    assert!(!text.contains("@ou-ex01-sandbox01"), "{text}");
    assert!(!text.contains("protect-security-services@r-"), "{text}");
}

/// A mistyped exclusion is an error once the organisation is known: the SCP would otherwise
/// land on the root, on exactly what the user meant to leave out.
#[test]
fn a_guardrail_exclusion_the_organisation_lacks_is_an_error() {
    let dir = readme_guardrails("ou-ex01-sandbox1");
    let file = dir.path().join("guardrails.yaml");
    let out = shubctl()
        .args(["plan", "policies"])
        .arg(&file)
        .args(["--snapshot", "examples/showcase/snapshot.json"])
        .args(["--today", "2026-11-28", "--color", "never"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:6:13: error[SH209]: `ou-ex01-sandbox1` is not in the organisation",
            file.display()
        )),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

// --- Doctor, report, explain, catalog ---

#[test]
fn doctor_with_a_snapshot_says_it_reads_live_aws() {
    let out = shubctl()
        .args(["doctor", "--snapshot", "examples/showcase/snapshot.json"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: doctor reads live AWS and cannot use the snapshot examples/showcase/snapshot.json"),
        "{err}"
    );
    assert!(!err.contains("-- --snapshot"), "{err}");
}

#[test]
fn report_out_dash_writes_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = shubctl()
        .current_dir(dir.path())
        .args(["report"])
        .arg(root().join("policies"))
        .arg("--snapshot")
        .arg(root().join("examples/showcase/snapshot.json"))
        .args(["--today", "2026-11-28", "--format", "csv", "--out", "-"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("table,account,region,subject,status,detail"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("report written to stdout"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("-").exists(), "no file named `-`");
}

/// The showcase keeps its organisation analyzer to the home region (`regions: home`, the
/// default for organisation types): elsewhere that is what the policy wants, not a gap.
#[test]
fn report_shows_an_analyzer_kept_to_home_as_wanted_not_as_a_gap() {
    let out = shubctl()
        .args([
            "report",
            "policies",
            "--snapshot",
            "examples/showcase/snapshot.json",
        ])
        .args(["--today", "2026-11-28", "--format", "json", "--out", "-"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = r["matrix"]["rows"].as_array().unwrap();
    let away: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|row| row["region"] != "us-east-1")
        .filter(|row| row["cells"]["hub"]["status"] == "on")
        .collect();
    assert!(!away.is_empty());
    for row in &away {
        assert_eq!(
            row["cells"]["access_analyzer"]["status"], "not wanted",
            "{row}"
        );
    }
    let gaps = r["matrix"]["gaps"]["access_analyzer"].as_u64().unwrap();
    let off_at_home = rows
        .iter()
        .filter(|row| row["cells"]["access_analyzer"]["status"] != "on")
        .filter(|row| row["cells"]["access_analyzer"]["status"] != "not wanted")
        .count() as u64;
    assert_eq!(gaps, off_at_home);
}

#[test]
fn explain_says_how_to_fix_every_code() {
    let out = shubctl().args(["explain", "SH209"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("SH209 not-in-organization: "),
        "{text}"
    );
    assert!(lines[1].starts_with("Fix: "), "{text}");
}

#[test]
fn catalog_standard_suggests_the_closest() {
    let out = shubctl()
        .args(["catalog", "--standard", "cis/1.4"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("unknown standard `cis/1.4` (did you mean `cis/1.4.0`?)"),
        "{err}"
    );
}

#[test]
fn the_catalogs_lines_are_short() {
    let out = shubctl().args(["catalog"]).output().unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    // A URL may stand alone on a longer line; nothing else exceeds the width.
    for l in text.lines().filter(|l| !l.contains("://")) {
        assert!(l.chars().count() <= 100, "{l}");
    }
    assert!(
        text.starts_with("Standards of the built-in catalog, retrieved "),
        "{text}"
    );
}

// --- Plans ---

/// Warnings in position order, as `validate` lists them (as strings, `:10:` came before `:2:`).
#[test]
fn plan_warnings_are_sorted_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("soon.yaml");
    // Two exceptions expiring soon, one above line 10 and one below.
    let text = "exceptions:\n  - control: S3.1\n    reason: one\n    expires: 2026-12-10\n    accounts: [\"333333333333\"]\n\n\n\n\n  - control: S3.2\n    reason: two\n    expires: 2026-12-11\n    accounts: [\"333333333333\"]\n";
    std::fs::write(&file, text).unwrap();
    let out = shubctl()
        .args(["plan", "policies"])
        .arg(&file)
        .args(["--snapshot", "examples/showcase/snapshot.json"])
        .args(["--today", "2026-11-28", "--format", "json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let shown = format!("{}:", file.display());
    let lines: Vec<u64> = plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| w.starts_with(&shown) && w.contains("[SH317]"))
        .map(|w| w[shown.len()..].split(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{:#?}", plan["warnings"]);
    assert!(lines[0] < 10 && lines[1] >= 10, "{lines:?}");
}

/// A plan of a snapshot does not claim to know the live set-up.
#[test]
fn a_snapshot_plan_without_changes_speaks_of_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snapshot.json");
    std::fs::copy(root().join("examples/showcase/snapshot.json"), &snap).unwrap();
    let apply = shubctl()
        .args(["apply", "policies", "--auto-approve", "--allow-destroy"])
        .arg("--snapshot")
        .arg(&snap)
        .args(["--today", "2026-11-28", "--color", "never"])
        .output()
        .unwrap();
    assert_exit(&apply, 0);
    // Destructive changes were allowed: the plan shown before applying says so.
    let shown = stdout(&apply);
    assert!(
        shown.contains("4 destructive (allowed by --allow-destroy)."),
        "{shown}"
    );
    assert!(!shown.contains("apply needs --allow-destroy"), "{shown}");
    let out = shubctl()
        .args(["plan", "policies"])
        .arg("--snapshot")
        .arg(&snap)
        .args(["--today", "2026-11-28", "--color", "never"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("No changes. The snapshot's set-up matches the policy."),
        "{text}"
    );
    assert!(!text.contains("live"), "{text}");
}

// --- Apply -v, against the emulator ---

#[test]
fn apply_v_prints_the_calls_per_account_and_region() {
    let rt = runtime();
    let emu = rt.block_on(crate::aws::start(&[POLICY], quick()));
    let home = tempfile::tempdir().unwrap();
    let out = shubctl_against(&emu.endpoint(), home.path())
        .args(["apply", POLICY, "--auto-approve", "-v"])
        .args(["--today", "2026-11-28", "--color", "never"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("API calls: "), "{err}");
    // One line per account and region, with its count.
    for scope in [
        "111111111111/us-east-1",
        "222222222222/eu-west-1",
        "333333333333/us-east-1",
    ] {
        assert!(
            err.lines().any(|l| l.trim_start().starts_with(scope)
                && l.split_whitespace()
                    .last()
                    .is_some_and(|n| n.parse::<u64>().is_ok())),
            "{scope} in {err}"
        );
    }
    drop(rt);
}

// --- Export ---

#[test]
fn export_from_a_snapshot_says_the_role_is_a_guess_unless_given() {
    let dir = tempfile::tempdir().unwrap();
    let guessed = dir.path().join("guessed");
    let out = shubctl()
        .args([
            "export",
            "--snapshot",
            "examples/showcase/snapshot.json",
            "--out",
        ])
        .arg(&guessed)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("`organization.role: OrganizationAccountAccessRole` is a guess"),
        "{err}"
    );
    let base = std::fs::read_to_string(guessed.join("baseline.yaml")).unwrap();
    assert!(
        base.contains("role: OrganizationAccountAccessRole   # a guess"),
        "{base}"
    );
    // Its own output plans without warning about overlapping exceptions (SH318).
    let plan = shubctl()
        .arg("plan")
        .arg(&guessed)
        .args([
            "--snapshot",
            "examples/showcase/snapshot.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_exit(&plan, 0);
    assert!(!stdout(&plan).contains("SH318"), "{}", stdout(&plan));
    assert!(!stderr(&plan).contains("SH318"), "{}", stderr(&plan));

    let given = dir.path().join("given");
    let out = shubctl()
        .args(["export", "--snapshot", "examples/showcase/snapshot.json"])
        .args(["--role", "ShubctlExecution", "--out"])
        .arg(&given)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(!stderr(&out).contains("is a guess"), "{}", stderr(&out));
    let base = std::fs::read_to_string(given.join("baseline.yaml")).unwrap();
    assert!(base.contains("  role: ShubctlExecution\n"), "{base}");
}

// --- The emulator's synthetic organisation ---

/// A policy naming other accounts than the synthetic organisation's is refused with each
/// error and the account IDs it must use, not only a count.
#[test]
fn the_synthetic_organisation_says_what_is_wrong_with_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.yaml");
    // The README's account IDs, which the synthetic organisation does not have.
    std::fs::write(
        &file,
        "shubctl: 1\norganization:\n  management_account: \"111111111111\"\n  delegated_admin: \"222222222222\"\nregions: { home: us-east-1, include: [us-east-1] }\nhub: { enabled: true }\n",
    )
    .unwrap();
    let e =
        shubctl_emulator::synthetic::converged(std::slice::from_ref(&file), 5, 0, 1).unwrap_err();
    assert!(e.contains("for this organisation"), "{e}");
    // Each error with its place.
    assert!(e.contains(&format!("{}:3:", file.display())), "{e}");
    assert!(e.contains("error[SH"), "{e}");
    assert!(
        e.contains("management account 100000000000, delegated administrator 100000000001"),
        "{e}"
    );
}
