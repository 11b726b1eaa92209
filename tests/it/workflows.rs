//! The shipped GitHub Actions workflows (`examples/github-actions/`): linted by actionlint (with
//! ShellCheck) and zizmor, which `tools/install-workflow-linters` installs; checked structurally
//! here; and every `shubctl` command in their scripts parsed by the real clap definition, so a
//! renamed flag breaks this test rather than a pipeline.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use serde_json::Value;
use shubctl::cli::args::Cli;

use crate::common::root;

/// Actions the workflows may use, at the major version each is pinned to.
const ACTIONS: &[&str] = &[
    "actions/checkout@v7",
    "actions/upload-artifact@v7",
    "aws-actions/configure-aws-credentials@v6",
    "dtolnay/rust-toolchain@stable",
    "marocchino/sticky-pull-request-comment@v3",
    "Swatinem/rust-cache@v2",
];

fn workflows() -> Vec<(PathBuf, String, Value)> {
    let dir = root().join("examples/github-actions");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("shubctl-") && name.ends_with(".yml")
        })
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let v: Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, text, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(out.len(), 3, "plan, apply and drift workflows");
    out
}

/// The `on:` key (YAML 1.1 readers turn it into `true`).
fn triggers(v: &Value) -> &Value {
    v.get("on")
        .or_else(|| v.get("true"))
        .unwrap_or(&Value::Null)
}

fn steps(v: &Value) -> Vec<&Value> {
    v["jobs"]
        .as_object()
        .into_iter()
        .flat_map(|jobs| jobs.values())
        .flat_map(|j| j["steps"].as_array().into_iter().flatten())
        .collect()
}

/// Splits a shell line into words: quotes grouped, `${{ … }}` kept as one word, and cut at the
/// first operator (`>`, `|`, `;`, `&&`).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '$') if chars.peek() == Some(&'{') => {
                cur.push('$');
                for c in chars.by_ref() {
                    cur.push(c);
                    if c == '}' && cur.ends_with("}}") {
                        break;
                    }
                }
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, '>' | '|' | ';' | '&') => break,
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Every `shubctl …` command in a script, as words.
fn shubctl_commands(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let at = l.find("shubctl ")?;
            // `shubctl` as a command, not inside another word (`shubctl-plan`).
            let before = &l[..at];
            (before.is_empty() || before.ends_with(' ') || before.ends_with('(')).then_some(())?;
            let w = words(&l[at..]);
            (w.first().map(String::as_str) == Some("shubctl")).then_some(w)
        })
        .collect()
}

#[test]
fn workflows_are_well_formed_and_least_privileged() {
    for (path, text, v) in workflows() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(v["name"].is_string(), "{name}: a name");
        assert!(triggers(&v).is_object(), "{name}: triggers");
        // Explicit, minimal token permissions: never write-all.
        let perms = v["permissions"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: top-level permissions"));
        assert_eq!(perms["contents"], "read", "{name}");
        let jobs = v["jobs"].as_object().unwrap();
        assert!(!jobs.is_empty());
        for (id, job) in jobs {
            assert!(job["runs-on"].is_string(), "{name}/{id}: runs-on");
            assert!(job["steps"].as_array().is_some_and(|s| !s.is_empty()));
        }
        let mut uses_aws = false;
        for s in steps(&v) {
            let (uses, run) = (s.get("uses"), s.get("run"));
            assert!(
                uses.is_some() != run.is_some(),
                "{name}: a step has exactly one of uses and run: {s}"
            );
            if let Some(u) = uses.and_then(Value::as_str) {
                assert!(
                    ACTIONS.contains(&u),
                    "{name}: `{u}` is not a pinned, known action"
                );
                if u.starts_with("aws-actions/configure-aws-credentials@") {
                    uses_aws = true;
                    let with = &s["with"];
                    assert!(with["role-to-assume"].is_string(), "{name}: OIDC role");
                    assert!(with["aws-region"].is_string(), "{name}: region");
                    assert!(
                        with.get("aws-access-key-id").is_none(),
                        "{name}: no stored keys"
                    );
                }
            }
            if let Some(r) = run.and_then(Value::as_str) {
                // Script injection: event data reaches scripts through env, never inline.
                assert!(
                    !r.contains("${{ github.event"),
                    "{name}: event data in a script"
                );
                // --detailed-exitcode exits 2 on changes: the script must catch it, not die.
                if r.contains("--detailed-exitcode") {
                    assert!(
                        r.contains("set +e") && r.contains("rc=$?"),
                        "{name}: exit 2 handled"
                    );
                }
            }
        }
        // OIDC needs the id-token permission, and only workflows that use it ask for it.
        assert_eq!(
            perms.get("id-token").and_then(Value::as_str) == Some("write"),
            uses_aws,
            "{name}: id-token: write exactly when AWS credentials are configured"
        );
        assert!(
            !text.contains("AWS_SECRET_ACCESS_KEY"),
            "{name}: no stored secrets"
        );
    }
}

#[test]
fn each_workflow_does_its_job() {
    let all = workflows();
    let by = |f: &str| &all.iter().find(|(p, _, _)| p.ends_with(f)).unwrap().2;
    let joined = |v: &Value| {
        steps(v)
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };

    // Pull requests: validate, plan as Markdown, one sticky comment updated in place.
    let pr = by("shubctl-plan.yml");
    assert!(triggers(pr)["pull_request"].is_object());
    assert_eq!(pr["permissions"]["pull-requests"], "write");
    let sticky = steps(pr)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("marocchino/sticky-pull-request-comment@"))
        })
        .expect("a sticky comment");
    assert_eq!(sticky["with"]["path"], "plan.md");
    assert!(
        sticky["with"]["header"].is_string(),
        "found again by its header"
    );
    let script = joined(pr);
    assert!(script.contains("shubctl validate"));
    assert!(script.contains("--format markdown") && script.contains("> plan.md"));

    // Merges to main: apply through OIDC, never cancelled half-way, JSON report kept.
    let apply = by("shubctl-apply.yml");
    assert_eq!(triggers(apply)["push"]["branches"][0], "main");
    assert_eq!(apply["concurrency"]["cancel-in-progress"], false);
    let script = joined(apply);
    assert!(script.contains("shubctl apply") && script.contains("--auto-approve"));
    assert!(script.contains("--out apply-report.json"));

    // Schedule: drift opens or updates one issue, a clean plan closes it.
    let drift = by("shubctl-drift.yml");
    assert!(triggers(drift)["schedule"][0]["cron"].is_string());
    assert_eq!(drift["permissions"]["issues"], "write");
    let script = joined(drift);
    assert!(script.contains("--detailed-exitcode"));
    assert!(script.contains("gh issue comment") && script.contains("gh issue create"));
    assert!(script.contains("gh issue close"));
    let conditions: Vec<&str> = steps(drift)
        .iter()
        .filter_map(|s| s["if"].as_str())
        .collect();
    assert!(conditions.contains(&"steps.plan.outputs.exitcode == '2'"));
    assert!(conditions.contains(&"steps.plan.outputs.exitcode == '0'"));
}

#[test]
fn every_shubctl_command_in_the_workflows_parses() {
    let mut seen = 0;
    for (path, _, v) in workflows() {
        for s in steps(&v) {
            let Some(script) = s["run"].as_str() else {
                continue;
            };
            for cmd in shubctl_commands(script) {
                seen += 1;
                if let Err(e) = Cli::try_parse_from(&cmd) {
                    panic!(
                        "{}: `{}` does not parse:\n{e}",
                        path.display(),
                        cmd.join(" ")
                    );
                }
            }
        }
    }
    assert!(seen >= 6, "found {seen} shubctl commands");
    // The splitter itself: operators end a command, quotes group.
    assert_eq!(
        words(r#"shubctl plan "a b" --x > out.md"#),
        ["shubctl", "plan", "a b", "--x"]
    );
    // And a wrong flag is caught.
    assert!(Cli::try_parse_from(words("shubctl plan --no-such-flag")).is_err());
}

/// Where `tools/install-workflow-linters` put the linters, else PATH; None when missing.
fn linter(name: &str) -> Option<PathBuf> {
    let local = root().join(".tools/workflow-linters/bin").join(name);
    if local.is_file() {
        return Some(local);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// The linters, or None when they are not installed outside CI (said on stderr). In CI
/// (`CI` set, as `.ci/run` sets it after installing them) a missing linter fails the test.
fn linters() -> Option<(PathBuf, PathBuf)> {
    let found = (linter("actionlint"), linter("shellcheck"), linter("zizmor"));
    match found {
        (Some(a), Some(_), Some(z)) => Some((a, z)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("workflow linters missing: run tools/install-workflow-linters")
        }
        _ => {
            eprintln!("workflow linters not installed (tools/install-workflow-linters): skipped");
            None
        }
    }
}

/// Runs actionlint (ShellCheck on every `run:` script) and zizmor (offline, with the examples'
/// config) on `files`; Err holds their output.
fn lint(actionlint: &Path, zizmor: &Path, files: &[PathBuf]) -> Result<(), String> {
    let dir = root().join("examples/github-actions");
    // actionlint finds shellcheck on PATH: put the installed one first.
    let path = std::env::join_paths(
        std::iter::once(actionlint.parent().unwrap().to_path_buf()).chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        ),
    )
    .unwrap();
    let a = Command::new(actionlint)
        .args(["-no-color"])
        .args(files)
        .env("PATH", &path)
        .current_dir(&dir)
        .output()
        .unwrap();
    let z = Command::new(zizmor)
        .args(["--offline", "--no-progress", "--config"])
        .arg(dir.join("zizmor.yml"))
        .args(files)
        .current_dir(&dir)
        .output()
        .unwrap();
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    match (a.status.success(), z.status.success()) {
        (true, true) => Ok(()),
        _ => Err(format!("actionlint:\n{}\nzizmor:\n{}", text(&a), text(&z))),
    }
}

#[test]
fn the_linters_pass_the_workflows_and_catch_a_broken_one() {
    let Some((actionlint, zizmor)) = linters() else {
        return;
    };
    let files: Vec<PathBuf> = workflows().into_iter().map(|(p, _, _)| p).collect();
    if let Err(e) = lint(&actionlint, &zizmor, &files) {
        panic!("{e}");
    }
    // Each linter fails on what it is there for: an unquoted variable (ShellCheck through
    // actionlint), a step output of a step that does not exist (actionlint), and event data
    // expanded inside a script (zizmor's template injection).
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yml");
    std::fs::write(
        &broken,
        r#"name: broken
on:
  pull_request:
permissions:
  contents: read
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: echo $HOME ${{ steps.nope.outputs.x }}
      - run: echo "${{ github.event.pull_request.title }}"
"#,
    )
    .unwrap();
    let e = lint(&actionlint, &zizmor, &[broken]).expect_err("a broken workflow passes");
    assert!(e.contains("SC2086"), "{e}");
    assert!(e.contains("steps.nope") || e.contains("\"nope\""), "{e}");
    assert!(e.contains("template-injection"), "{e}");
}
