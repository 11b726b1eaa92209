//! The plan is a contract: a saved plan is carried out only as the diff computes it from what
//! is read now. Each test forges a plan file the way an attacker or a broken pipeline could,
//! and checks that apply refuses it as a whole (naming the change and the field) or recomputes
//! what the file claims, before anything is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::common::{assert_exit, root, stderr, stdout};

fn shubctl() -> Command {
    let mut c = Command::new(insta_cmd::get_cargo_bin("shubctl"));
    c.current_dir(root())
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

/// A scratch snapshot and the showcase's plan against it, saved.
struct Scratch {
    _dir: tempfile::TempDir,
    snapshot: PathBuf,
    plan: PathBuf,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = dir.path().join("snapshot.json");
        let plan = dir.path().join("plan.json");
        std::fs::copy(root().join("examples/showcase/snapshot.json"), &snapshot).unwrap();
        let out = shubctl()
            .args(["plan", "--today", "2026-11-28", "--snapshot"])
            .arg(&snapshot)
            .arg("--out")
            .arg(&plan)
            .output()
            .unwrap();
        assert_exit(&out, 0);
        Scratch {
            _dir: dir,
            snapshot,
            plan,
        }
    }

    fn read_plan(&self) -> Value {
        serde_json::from_slice(&std::fs::read(&self.plan).unwrap()).unwrap()
    }

    fn write_plan(&self, v: &Value) {
        std::fs::write(&self.plan, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    }

    fn snapshot_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.snapshot).unwrap()
    }

    /// Applies the saved plan expecting it refused (exit 1) with the snapshot untouched.
    fn refused(&self, extra: &[&str]) -> Output {
        let before = self.snapshot_bytes();
        let out = self.apply(extra);
        assert_exit(&out, 1);
        assert_eq!(self.snapshot_bytes(), before, "nothing was written");
        out
    }

    fn apply(&self, extra: &[&str]) -> Output {
        shubctl()
            .args(["apply", "--auto-approve"])
            .args(extra)
            .arg("--plan")
            .arg(&self.plan)
            .arg("--snapshot")
            .arg(&self.snapshot)
            .output()
            .unwrap()
    }
}

/// The index of the first change whose address matches.
fn index_of(plan: &Value, pred: impl Fn(&Value) -> bool) -> usize {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .position(pred)
        .expect("the showcase plan has such a change")
}

fn address(c: &Value) -> &str {
    c["address"].as_str().unwrap()
}

#[test]
fn cleared_destructive_flags_are_recomputed_and_the_gate_still_refuses() {
    let s = Scratch::new();
    let mut plan = s.read_plan();
    let destructive = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["destructive"] == true)
        .count();
    assert!(destructive > 0, "the showcase plan has destructive changes");
    for c in plan["changes"].as_array_mut().unwrap() {
        c["destructive"] = json!(false);
        c["weakens_posture"] = json!(false);
    }
    plan["summary"]["destructive"] = json!(0);
    plan["summary"]["weakens_posture"] = json!(0);
    s.write_plan(&plan);
    let out = s.refused(&[]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("the plan has {destructive} destructive change(s)")),
        "{err}"
    );
}

#[test]
fn the_summary_shown_and_confirmed_is_counted_from_the_changes() {
    let s = Scratch::new();
    let mut plan = s.read_plan();
    let total = plan["changes"].as_array().unwrap().len();
    for k in [
        "create",
        "update",
        "delete",
        "weakens_posture",
        "destructive",
    ] {
        plan["summary"][k] = json!(0);
    }
    s.write_plan(&plan);
    let out = s.apply(&["--allow-destroy"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        !text.contains("0 to create, 0 to update, 0 to delete"),
        "the file's forged summary was shown:\n{text}"
    );
    let real = serde_json::from_slice::<Value>(
        &shubctl()
            .args([
                "plan",
                "--today",
                "2026-11-28",
                "--format",
                "json",
                "--snapshot",
            ])
            .arg(root().join("examples/showcase/snapshot.json"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let line = format!(
        "{} to create, {} to update, {} to delete",
        real["summary"]["create"], real["summary"]["update"], real["summary"]["delete"]
    );
    assert!(text.contains(&line), "expected `{line}` in:\n{text}");
    assert_eq!(
        real["summary"]["create"].as_u64().unwrap()
            + real["summary"]["update"].as_u64().unwrap()
            + real["summary"]["delete"].as_u64().unwrap(),
        total as u64
    );
}

#[test]
fn a_change_outside_what_the_plan_read_is_refused() {
    let s = Scratch::new();
    let mut plan = s.read_plan();
    // A hand-written plan: nothing read, the fingerprint of nothing, one hub deleted.
    let hub = index_of(&plan, |c| {
        address(c).ends_with("/hub") && c["action"] == "update"
    });
    let mut change = plan["changes"][hub].clone();
    change["action"] = json!("delete");
    change["after"] = Value::Null;
    plan["changes"] = json!([change]);
    plan["reads"] = json!({"scopes": {}});
    plan["state_fingerprint"] = json!(shubctl::model::state::fingerprint(std::iter::empty()));
    s.write_plan(&plan);
    let out = s.refused(&["--allow-destroy"]);
    let err = stderr(&out);
    assert!(
        err.contains("the saved plan is refused as a whole"),
        "{err}"
    );
    assert!(
        err.contains("changes[0] (")
            && err.contains("address: outside the scopes and kinds the plan read"),
        "{err}"
    );
    assert!(!stdout(&out).contains("Verified"));
}

#[test]
fn a_status_that_is_not_awss_value_is_refused_not_read_as_disabled() {
    let s = Scratch::new();
    let plan = s.read_plan();
    let i = index_of(&plan, |c| {
        address(c).contains("/control/") && c["after"]["status"] == "DISABLED"
    });
    for bad in [
        "enabled",
        "Enabled",
        "DISABLED ",
        "\u{415}NABLED",
        "WEIRD",
        "",
    ] {
        let mut forged = plan.clone();
        forged["changes"][i]["after"]["status"] = json!(bad);
        s.write_plan(&forged);
        let out = s.refused(&["--allow-destroy"]);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("changes[{i}] ("))
                && err.contains("after: not a valid control value"),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn invalid_changes_are_all_found_before_the_first_write() {
    let s = Scratch::new();
    let mut plan = s.read_plan();
    let create = index_of(&plan, |c| c["action"] == "create");
    let update = index_of(&plan, |c| {
        c["action"] == "update" && address(c).ends_with("/hub")
    });
    let delete = index_of(&plan, |c| c["action"] == "delete");
    let changes = plan["changes"].as_array_mut().unwrap();
    // `after: null` on a create; an after of another kind; a delete of something not there.
    changes[create]["after"] = Value::Null;
    changes[update]["after"] = json!({"linking_mode": "ALL_REGIONS", "regions": []});
    let gone = changes[delete]["address"].as_str().unwrap().to_string() + "-not-there";
    if changes[delete]["address"]
        .as_str()
        .unwrap()
        .split('/')
        .count()
        > 3
    {
        changes[delete]["address"] = json!(gone);
    }
    s.write_plan(&plan);
    let out = s.refused(&["--allow-destroy"]);
    let err = stderr(&out);
    assert!(err.contains(&format!("changes[{create}] (")), "{err}");
    assert!(
        err.contains("after: a create needs an `after` value"),
        "{err}"
    );
    assert!(err.contains(&format!("changes[{update}] (")), "{err}");
    assert!(err.contains("after: not a valid hub value"), "{err}");
    assert!(err.contains(&format!("changes[{delete}] (")), "{err}");
}

#[test]
fn a_before_that_is_not_what_is_read_now_is_refused() {
    let s = Scratch::new();
    let mut plan = s.read_plan();
    let i = index_of(&plan, |c| {
        c["action"] == "update" && address(c).ends_with("/hub")
    });
    // The reviewer is shown a harmless-looking before.
    let flipped = !plan["changes"][i]["before"]["auto_enable_controls"]
        .as_bool()
        .unwrap();
    plan["changes"][i]["before"]["auto_enable_controls"] = json!(flipped);
    s.write_plan(&plan);
    let out = s.refused(&["--allow-destroy"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("changes[{i}] (")) && err.contains("before: is not what is read now"),
        "{err}"
    );
}

#[test]
fn a_genuine_saved_plan_still_applies_and_converges() {
    let s = Scratch::new();
    let out = s.apply(&["--allow-destroy"]);
    assert_exit(&out, 0);
    let out = shubctl()
        .args([
            "plan",
            "--today",
            "2026-11-28",
            "--detailed-exitcode",
            "--snapshot",
        ])
        .arg(&s.snapshot)
        .output()
        .unwrap();
    assert_exit(&out, 0);
}

#[test]
fn a_snapshot_status_that_is_not_awss_value_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let mut snap: Value = serde_json::from_slice(
        &std::fs::read(root().join("examples/showcase/snapshot.json")).unwrap(),
    )
    .unwrap();
    let (addr, _) = snap["resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(a, _)| a.contains("/control/"))
        .map(|(a, v)| (a.clone(), v.clone()))
        .unwrap();
    for bad in ["WEIRD", "", "enabled"] {
        snap["resources"][&addr]["status"] = json!(bad);
        std::fs::write(&path, serde_json::to_vec(&snap).unwrap()).unwrap();
        let out = shubctl()
            .args(["plan", "--today", "2026-11-28", "--snapshot"])
            .arg(&path)
            .output()
            .unwrap();
        assert_exit(&out, 1);
        assert!(stderr(&out).contains(&addr), "{bad:?}: {}", stderr(&out));
    }
}

/// Two applies on one snapshot at once: the second is refused while the first holds it.
#[test]
fn a_second_apply_on_a_locked_snapshot_is_refused() {
    let s = Scratch::new();
    let _held = shubctl::provider::file::SnapshotLock::take(Path::new(&s.snapshot)).unwrap();
    let before = s.snapshot_bytes();
    let out = shubctl()
        .args([
            "apply",
            "--auto-approve",
            "--allow-destroy",
            "--today",
            "2026-11-28",
            "--snapshot",
        ])
        .arg(&s.snapshot)
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("another shubctl apply is using the snapshot"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.snapshot_bytes(), before);
}

/// A saved plan was the review: apply carries it out without asking again, on a terminal or not.
#[test]
fn a_saved_plan_applies_without_asking_again() {
    let s = Scratch::new();
    let out = shubctl()
        .args(["apply", "--allow-destroy", "--plan"])
        .arg(&s.plan)
        .arg("--snapshot")
        .arg(&s.snapshot)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_exit(&out, 0);
}

/// From the policy, off a terminal without --auto-approve: refused before anything is read or
/// a plan is printed.
#[test]
fn off_a_terminal_apply_is_refused_before_it_plans() {
    let s = Scratch::new();
    let out = shubctl()
        .args(["apply", "--today", "2026-11-28", "--snapshot"])
        .arg(&s.snapshot)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("not on a terminal"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "", "no plan printed before refusing");
}
