//! End-to-end CLI runs: arguments, exit code, stdout and stderr, snapshot-tested.

use std::process::Command;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

use crate::common::root;

fn shubctl() -> Command {
    let mut c = Command::new(get_cargo_bin("shubctl"));
    c.current_dir(root())
        .env_remove("NO_COLOR")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

/// A scratch copy of the showcase snapshot, so apply can write to it.
fn scratch_snapshot() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    std::fs::copy(root().join("examples/showcase/snapshot.json"), &path).unwrap();
    (dir, path)
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"/tmp/\.tmp[A-Za-z0-9]+/", "[TMP]/");
    s.add_filter(
        r#""tool_version": "[^"]+""#,
        r#""tool_version": "[VERSION]""#,
    );
    s.add_filter(r"shubctl(\.exe)? \d+\.\d+\.\d+", "shubctl [VERSION]");
    s
}

#[test]
fn validate_showcase() {
    assert_cmd_snapshot!(shubctl().args(["validate", "--today", "2026-11-28"]));
}

#[test]
fn validate_reports_every_problem_with_position() {
    assert_cmd_snapshot!(shubctl().args([
        "validate",
        "--today",
        "2026-11-28",
        "tests/corpus/cli/many-problems.yaml"
    ]));
}

#[test]
fn plan_text_with_detailed_exitcode() {
    assert_cmd_snapshot!(shubctl().args([
        "plan",
        "--today",
        "2026-11-28",
        "--snapshot",
        "examples/showcase/snapshot.json",
        "--detailed-exitcode"
    ]));
}

#[test]
fn plan_markdown() {
    assert_cmd_snapshot!(shubctl().args([
        "plan",
        "policies",
        "--today",
        "2026-11-28",
        "--snapshot",
        "examples/showcase/snapshot.json",
        "--format",
        "markdown"
    ]));
}

#[test]
fn plan_invalid_policy_reads_nothing_and_exits_1() {
    assert_cmd_snapshot!(shubctl().args([
        "plan",
        "tests/corpus/cli/many-problems.yaml",
        "--snapshot",
        "does-not-exist.json",
        "--detailed-exitcode"
    ]));
}

/// Without --snapshot shubctl goes to AWS; with no region configured it says so and stops.
#[test]
fn plan_without_a_state_source_explains() {
    let mut c = shubctl();
    for v in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        c.env_remove(v);
    }
    c.env("AWS_CONFIG_FILE", "/nonexistent/shubctl-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/shubctl-test/credentials",
        );
    assert_cmd_snapshot!(c.args(["plan", "--today", "2026-11-28"]));
}

#[test]
fn apply_refuses_destructive_changes_without_allow_destroy() {
    let (_dir, snap) = scratch_snapshot();
    let before = std::fs::read(&snap).unwrap();
    let _g = settings().bind_to_scope();
    assert_cmd_snapshot!(
        shubctl()
            .args([
                "apply",
                "--today",
                "2026-11-28",
                "--auto-approve",
                "--color",
                "never",
                "--snapshot"
            ])
            .arg(&snap)
    );
    assert_eq!(std::fs::read(&snap).unwrap(), before, "nothing was written");
}

#[test]
fn apply_needs_auto_approve_without_a_terminal() {
    let (_dir, snap) = scratch_snapshot();
    let out = shubctl()
        .args([
            "apply",
            "--today",
            "2026-11-28",
            "--allow-destroy",
            "--snapshot",
        ])
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --auto-approve"));
}

#[test]
fn apply_converges_and_a_second_plan_is_empty() {
    let (_dir, snap) = scratch_snapshot();
    let out = shubctl()
        .args([
            "apply",
            "--today",
            "2026-11-28",
            "--auto-approve",
            "--allow-destroy",
            "--snapshot",
        ])
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 failed, 0 not attempted"), "{stdout}");
    let _g = settings().bind_to_scope();
    assert_cmd_snapshot!(
        shubctl()
            .args([
                "plan",
                "--today",
                "2026-11-28",
                "--detailed-exitcode",
                "--snapshot"
            ])
            .arg(&snap)
    );
}

#[test]
fn saved_plan_applies_and_is_refused_once_state_moved() {
    let (dir, snap) = scratch_snapshot();
    let plan_file = dir.path().join("plan.json");
    let out = shubctl()
        .args([
            "plan",
            "--today",
            "2026-11-28",
            "--format",
            "json",
            "--snapshot",
        ])
        .arg(&snap)
        .arg("--out")
        .arg(&plan_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&plan_file).unwrap()).unwrap();
    let stdout: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(saved, stdout, "--out saves the same plan that was shown");

    // Someone changes the state behind our back: the saved plan is refused.
    let mut s: serde_json::Value = serde_json::from_slice(&std::fs::read(&snap).unwrap()).unwrap();
    s["resources"]["333333333333/us-east-1/hub"]["auto_enable_controls"] = serde_json::json!(false);
    std::fs::write(&snap, serde_json::to_vec_pretty(&s).unwrap()).unwrap();
    let out = shubctl()
        .args(["apply", "--auto-approve", "--allow-destroy", "--plan"])
        .arg(&plan_file)
        .arg("--snapshot")
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the state has changed since the plan was made")
    );

    // Re-planned against the current state, the saved plan applies.
    let out = shubctl()
        .args(["plan", "--today", "2026-11-28", "--snapshot"])
        .arg(&snap)
        .arg("--out")
        .arg(&plan_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = shubctl()
        .args(["apply", "--auto-approve", "--allow-destroy", "--plan"])
        .arg(&plan_file)
        .arg("--snapshot")
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = shubctl()
        .args([
            "plan",
            "--today",
            "2026-11-28",
            "--detailed-exitcode",
            "--snapshot",
        ])
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn no_color_is_honoured_and_colour_can_be_forced() {
    let out = shubctl()
        .args([
            "plan",
            "--today",
            "2026-11-28",
            "--snapshot",
            "examples/showcase/snapshot.json",
            "--color",
            "always",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b["));
    let out = shubctl()
        .env("NO_COLOR", "1")
        .args([
            "plan",
            "--today",
            "2026-11-28",
            "--snapshot",
            "examples/showcase/snapshot.json",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\x1b["));
}

#[test]
fn schema_is_generated_from_the_types() {
    let out = shubctl().arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema, shubctl::spec::file::json_schema());
    let props = schema["properties"].as_object().unwrap();
    for key in [
        "organization",
        "regions",
        "hub",
        "standards",
        "exceptions",
        "aggregator",
        "insights",
        "integrations",
        "automation_rules",
        "action_targets",
    ] {
        assert!(props.contains_key(key), "schema lacks {key}");
    }
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn catalog_lists_standards_and_controls() {
    assert_cmd_snapshot!(shubctl().args(["catalog"]));
    let out = shubctl()
        .args(["catalog", "--standard", "cis/1.2.0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("IAM.6") && text.contains("[1.14]"), "{text}");
}

#[test]
fn help_lists_the_commands() {
    assert_cmd_snapshot!(shubctl().arg("--help"));
}

/// `shubctl plan | head`: the reader closing the pipe ends the output quietly; the command
/// finishes with the status it would have had (2: there are changes), and does not panic.
#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    use std::process::Stdio;
    let child = shubctl()
        .args([
            "plan",
            "--today",
            "2026-11-28",
            "--snapshot",
            "examples/showcase/snapshot.json",
            "--format",
            "json",
            "--detailed-exitcode",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the plan is written (loading and planning take a while), so
    // every write meets a closed pipe.
    let mut child = child;
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

#[test]
fn explain_says_what_a_code_means() {
    for arg in ["SH316", "sh316", "exception-expired"] {
        let out = shubctl().args(["explain", arg]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("SH316 exception-expired: "),
            "{arg}"
        );
    }
    let out = shubctl()
        .args(["explain", "exception-expird"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `exception-expired`?"));
}

#[test]
fn usage_errors_exit_1_not_the_changes_code() {
    // Under --detailed-exitcode, 2 means "there are changes": a mistyped flag in a pipeline
    // must read as an error, not as drift.
    for args in [
        &["plan", "--bogus"][..],
        &["plan", "--format", "xml"],
        &["plan", "--concurrency", "0"],
        &["plan", "--today", "2026-13-01"],
        &["frobnicate"],
    ] {
        let out = shubctl().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    for args in [&["--help"][..], &["plan", "--help"], &["--version"]] {
        let out = shubctl().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn snapshot_problems_say_where_once() {
    let out = shubctl()
        .args(["plan", "policies", "--snapshot", "tests"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("it is a folder, not a file"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"format_version\": 1,\n  \"resources\": {\n").unwrap();
    let out = shubctl()
        .args(["plan", "policies", "--snapshot"])
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 4, column 0: EOF while parsing"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("line 4").count(), 1, "{stderr}");
}

/// Completions and manual pages come from the same clap definitions as `--help`: every
/// command is in them, flags included.
#[test]
fn completions_and_man_pages_cover_every_command() {
    use clap::CommandFactory;
    let commands: Vec<String> = shubctl::cli::args::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    assert!(commands.iter().any(|c| c == "doctor") && commands.iter().any(|c| c == "iam"));
    for (shell, marker) in [
        ("bash", "_shubctl()"),
        ("zsh", "#compdef shubctl"),
        ("fish", "complete -c shubctl"),
    ] {
        let out = shubctl().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}: {text}");
        for c in &commands {
            assert!(text.contains(c.as_str()), "{shell} lacks {c}");
        }
        assert!(
            text.contains("detailed-exitcode") && text.contains("stuck-days"),
            "{shell}"
        );
    }
    let out = shubctl().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH shubctl"),
        "{page}"
    );
    assert!(page.contains("doctor"));
    let dir = tempfile::tempdir().unwrap();
    let out = shubctl()
        .args(["man", "--dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    for c in commands.iter().filter(|c| *c != "help") {
        let page = std::fs::read_to_string(dir.path().join(format!("shubctl-{c}.1")))
            .unwrap_or_else(|e| panic!("shubctl-{c}.1: {e}"));
        assert!(page.contains(&format!(".TH shubctl-{c}")), "{c}");
    }
    assert!(dir.path().join("shubctl.1").is_file());
}

#[test]
fn selectors_naming_accounts_the_organisation_lacks_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("policies");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(root().join("policies"))
        .unwrap()
        .flatten()
    {
        let p = e.path();
        if p.is_file() {
            std::fs::copy(&p, copy.join(e.file_name())).unwrap();
        }
    }
    std::fs::write(
        copy.join("zz-stray.yaml"),
        "exceptions:\n  - control: S3.5\n    accounts: [\"888888888888\"]\n    reason: An account that has left\n",
    )
    .unwrap();
    let out = shubctl()
        .args([
            "plan",
            "--today",
            "2026-11-28",
            "--snapshot",
            "examples/showcase/snapshot.json",
        ])
        .arg(&copy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("zz-stray.yaml:3:16: warning[SH209]: `888888888888` is not in the organisation; this selector matches nothing there"),
        "{stderr}"
    );
}
