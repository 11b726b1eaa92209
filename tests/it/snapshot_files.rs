//! Snapshot and plan files that are wrong say where, in plain words (the field's path, its
//! line and column, never a Rust type); a region that is no region name is refused as the
//! snapshot is read; and every snapshot `apply` writes reads back and plans nothing more.

use std::path::PathBuf;

use proptest::prelude::*;
use shubctl::apply::{ApplyOptions, apply};
use shubctl::model::resource::{ControlValue, InsightValue};
use shubctl::model::{AccountId, Address, Kind, Resource};
use shubctl::plan::Plan;
use shubctl::plan::render::{Format, RenderOptions, render};
use shubctl::provider::snapshot::Snapshot;

use crate::common::*;

fn showcase_json() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/showcase/snapshot.json")).unwrap(),
    )
    .unwrap()
}

/// The 1-based line of the first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn a_bad_region_in_enabled_regions_is_refused_at_its_position() {
    for bad in ["useast1", "", "eu-west-1/x", "US-EAST-1"] {
        let mut v = showcase_json();
        v["organization"]["enabled_regions"][2] = bad.into();
        let text = serde_json::to_string_pretty(&v).unwrap();
        let line = line_of(&text, &format!("{:?},", bad));
        let e = Snapshot::parse(&text).unwrap_err();
        // serde_json reports where it stopped reading: just past the value (the next item).
        assert!(
            e.starts_with(&format!("line {line}, column "))
                || e.starts_with(&format!("line {}, column ", line + 1)),
            "{bad:?}: {e}"
        );
        assert!(
            e.contains(&format!(
                "field `organization.enabled_regions[2]`: `{bad}` is not a region name"
            )),
            "{e}"
        );
    }
    // Through the CLI: refused before anything is planned, named once.
    let dir = tempfile::tempdir().unwrap();
    let mut v = showcase_json();
    v["organization"]["enabled_regions"][0] = "useast1".into();
    let path = dir.path().join("bad-region.json");
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let out = std::process::Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(root())
        .args(["plan", "policies", "--snapshot"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("field `organization.enabled_regions[0]`: `useast1` is not a region name"),
        "{stderr}"
    );
    // A snapshot built in code is held to the same rule.
    let mut file: shubctl::provider::snapshot::SnapshotFile =
        serde_json::from_value(showcase_json()).unwrap();
    file.organization.enabled_regions.push("eu-west-1/x".into());
    assert!(Snapshot::from_file(file).is_err());
}

#[test]
fn malformed_snapshots_name_the_field_and_position() {
    let mut messages = Vec::new();
    let cases: [(&str, serde_json::Value); 4] = [
        ("organization", serde_json::json!("x")),
        ("organization.accounts[1].status", "WEIRD".into()),
        (
            "organization.accounts[2].id",
            serde_json::json!(333333333333u64),
        ),
        ("taken_at", serde_json::json!({"at": 1})),
    ];
    for (field, value) in cases {
        let mut v = showcase_json();
        let mut at = &mut v;
        for part in field.split('.') {
            at = match part.split_once('[') {
                Some((k, i)) => &mut at[k][i.trim_end_matches(']').parse::<usize>().unwrap()],
                None => &mut at[part],
            };
        }
        *at = value;
        let text = serde_json::to_string_pretty(&v).unwrap();
        let e = Snapshot::parse(&text).unwrap_err();
        assert!(e.contains(&format!("field `{field}`")), "{e}");
        assert!(!e.contains("struct") && !e.contains("usize"), "{e}");
        messages.push(e);
    }
    insta::assert_snapshot!(messages.join("\n"));
}

#[test]
fn a_malformed_plan_names_the_field_and_position() {
    let (p, s) = showcase();
    let text = render(&plan(&p, &s), Format::Json, RenderOptions::default());
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["summary"]["create"] = "x".into();
    let bad = serde_json::to_string_pretty(&v).unwrap();
    let e = Plan::from_json(&bad).unwrap_err();
    let shown = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    let line = line_of(&bad, "\"create\": \"x\"");
    assert!(shown.contains(&format!("line {line}, column ")), "{shown}");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["changes"][3]["action"] = "remove".into();
    let bad = serde_json::to_string_pretty(&v).unwrap();
    let e = Plan::from_json(&bad).unwrap_err();
    let second = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    assert!(second.contains("field `changes[3].action`"), "{second}");
    insta::assert_snapshot!(format!("{shown}\n{second}"));
}

/// A copy of the showcase policy that covers every enabled region (`include: all`).
fn all_regions_policy() -> (tempfile::TempDir, shubctl::spec::Policy) {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: PathBuf, to: PathBuf| {
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(&from).unwrap().flatten() {
            if e.path().is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    };
    copy(root().join("policies"), dir.path().to_path_buf());
    copy(
        root().join("policies/exceptions"),
        dir.path().join("exceptions"),
    );
    let base = dir.path().join("baseline.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    let changed = text.replace("include: [us-east-1, us-west-2, eu-west-1]", "include: all");
    assert_ne!(text, changed);
    std::fs::write(&base, changed).unwrap();
    let p = policy(&[dir.path().to_str().unwrap()]);
    (dir, p)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// A generated snapshot (regions enabled, drift, strays named with any text) is written and
    /// read back as it was; applied, the snapshot written reads back and plans nothing more.
    #[test]
    fn every_snapshot_apply_writes_reads_back_and_replans_empty(
        extra in prop::sample::subsequence(vec!["us-east-2", "eu-central-1", "ap-southeast-2"], 0..3),
        ops in prop::collection::vec((0u8..3, 0usize..100_000, 0u8..20), 0..12),
        texts in prop::collection::vec("\\PC{0,20}|[\\x00-\\x1f\\u{7f}-\\u{9f}\\u{200b}-\\u{202e}`<>|@a-z]{0,12}", 1..4),
    ) {
        let (_dir, p) = all_regions_policy();
        let (_, s) = showcase();
        let mut org = s.org.clone();
        org.enabled_regions = ["us-east-1", "us-west-2", "eu-west-1"]
            .iter()
            .chain(extra.iter())
            .map(|r| r.to_string())
            .collect();
        let mut state = s.state();
        let prod = AccountId::parse("333333333333").unwrap();
        let admin = AccountId::parse("222222222222").unwrap();
        for (i, t) in texts.iter().enumerate() {
            state.insert(
                Address::keyed(&prod, "us-east-1", Kind::Control, "S3.1@fsbp/1.0.0"),
                Resource::Control(ControlValue::disabled(t.clone())),
            );
            let name: String = t.chars().filter(|c| !c.is_control()).collect();
            if !name.is_empty() {
                state.insert(
                    Address::keyed(&admin, "us-east-1", Kind::Insight, format!("s{i} {name}")),
                    Resource::Insight(InsightValue { group_by: "AwsAccountId".into(), filters: serde_json::json!({}) }),
                );
            }
        }
        crate::convergence::mutate(&mut state, &ops);
        let files = tempfile::tempdir().unwrap();
        let path = files.path().join("snapshot.json");
        let drifted = Snapshot::from_state(org.clone(), state.clone());
        drifted.save(&path, None).unwrap();
        let back = Snapshot::load(&path).unwrap();
        prop_assert_eq!(&back.org, &org);
        // The file form (every resource with its value) reads back as written.
        prop_assert_eq!(back.to_file().resources, drifted.to_file().resources);

        let first = plan(&p, &back);
        let report = block_on(apply(&first, &back, &ApplyOptions { allow_destroy: true, cancel: None, concurrency: 4 }));
        prop_assert!(report.success(), "{}", report.render_text());
        back.save(&path, None).unwrap();
        let applied = Snapshot::load(&path).unwrap();
        let again = plan(&p, &applied);
        prop_assert!(again.changes.is_empty(), "left after apply: {:#?}", again.changes);
    }
}
