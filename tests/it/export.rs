//! `shubctl export`: the exported policy, planned against the state it came from, has no
//! changes — for every example snapshot, for random states, and live against the emulator.

use std::path::Path;

use proptest::prelude::*;
use shubctl::cli::commands::export::{Request, Source, export_state, from_snapshot, verify, write};
use shubctl::engine::ReadAll;
use shubctl::provider::snapshot::Snapshot;
use shubctl::spec::diagnostics::{Diagnostics, Severity};

use crate::common::*;

fn request(dir: &Path) -> Request {
    Request {
        dir: dir.to_path_buf(),
        regions: vec![],
        role: "OrganizationAccountAccessRole".into(),
        role_guessed: false,
        external_id: None,
        today: today(),
    }
}

/// Exports `src` into a new folder and returns the planned changes, failing on any error in
/// the written policy.
fn round_trip(src: &Source) -> (Vec<String>, shubctl::export::Exported) {
    let dir = tempfile::tempdir().unwrap();
    let req = request(dir.path());
    let exported = export_state(src, &req);
    write(dir.path(), &exported).unwrap();
    let mut d = Diagnostics::default();
    shubctl::engine::load_policy(&[dir.path().to_path_buf()], &options(), &mut d);
    let errors: Vec<String> = d
        .items
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| format!("{i:?}"))
        .collect();
    assert!(
        errors.is_empty(),
        "exported policy has errors: {errors:#?}\n{:#?}",
        exported.files
    );
    let plan = block_on(verify(dir.path(), &src.org, &src.read.state, today())).unwrap();
    let changes = plan
        .changes
        .iter()
        .map(|c| {
            format!(
                "{} {} {:?} -> {:?}",
                c.action.as_str(),
                c.address,
                c.before,
                c.after
            )
        })
        .collect();
    (changes, exported)
}

#[test]
fn every_example_snapshot_exports_to_a_policy_planning_no_changes() {
    for example in ["showcase", "organization", "single-account"] {
        let path = format!("examples/{example}/snapshot.json");
        let snap = snapshot(&path);
        let src = from_snapshot(&snap, Path::new(&path), &[]);
        let (changes, exported) = round_trip(&src);
        assert!(
            changes.is_empty(),
            "{example}: {changes:#?}\n{:#?}",
            exported.files
        );
        let base = &exported.files["baseline.yaml"];
        // Not an empty policy that trivially plans nothing: the set-up is declared.
        assert!(base.contains("standards:"), "{example}: {base}");
        assert!(
            base.contains("hub:\n  control_finding_generator"),
            "{example}: {base}"
        );
    }
}

#[test]
fn the_showcase_export_reads_like_a_policy() {
    let path = "examples/showcase/snapshot.json";
    let src = from_snapshot(&snapshot(path), Path::new(path), &[]);
    let exported = export_state(&src, &request(Path::new("out")));
    for (file, text) in &exported.files {
        insta::assert_snapshot!(
            format!("export_showcase__{}", file.replace('/', "__")),
            text
        );
    }
    assert!(exported.files.contains_key("exceptions/all-accounts.yaml"));
    assert!(exported.files["insights.yaml"].contains("insights:"));
}

#[test]
fn exported_placeholders_are_warned_about_not_errors() {
    let path = "examples/showcase/snapshot.json";
    let src = from_snapshot(&snapshot(path), Path::new(path), &[]);
    let dir = tempfile::tempdir().unwrap();
    let exported = export_state(&src, &request(dir.path()));
    write(dir.path(), &exported).unwrap();
    let mut d = Diagnostics::default();
    shubctl::engine::load_policy(&[dir.path().to_path_buf()], &options(), &mut d);
    let placeholders = d
        .items
        .iter()
        .filter(|i| i.code == shubctl::spec::diagnostics::Code::ExceptionPlaceholder)
        .collect::<Vec<_>>();
    assert!(!placeholders.is_empty());
    assert!(placeholders.iter().all(|i| i.severity == Severity::Warning));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Random states: the showcase changed the way people and AWS change it (things removed,
    /// settings changed, strays added), exported, and planned against itself.
    #[test]
    fn export_of_a_random_state_plans_no_changes(ops in prop::collection::vec((0u8..3, 0usize..100_000, 0u8..20), 0..40)) {
        let base = snapshot("examples/showcase/snapshot.json");
        let mut state = base.state();
        crate::convergence::mutate(&mut state, &ops);
        let src = Source {
            org: base.org.clone(),
            read: ReadAll { state, unreadable: Default::default() },
            name: "a random state".into(),
        };
        let (changes, exported) = round_trip(&src);
        prop_assert!(changes.is_empty(), "{changes:#?}\nnotes: {:#?}\n{:#?}", exported.notes, exported.files);
    }

    #[test]
    fn export_of_a_random_single_account_state_plans_no_changes(ops in prop::collection::vec((0u8..3, 0usize..100_000, 0u8..20), 0..30)) {
        let base = snapshot("examples/single-account/snapshot.json");
        let mut state = base.state();
        crate::convergence::mutate(&mut state, &ops);
        let src = Source {
            org: base.org.clone(),
            read: ReadAll { state, unreadable: Default::default() },
            name: "a random state".into(),
        };
        let (changes, exported) = round_trip(&src);
        prop_assert!(changes.is_empty(), "{changes:#?}\nnotes: {:#?}\n{:#?}", exported.notes, exported.files);
    }
}

#[test]
fn cli_export_writes_a_folder_and_refuses_a_full_one() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("adopted");
    let run = |args: &[&str]| {
        Command::new(insta_cmd::get_cargo_bin("shubctl"))
            .current_dir(root())
            .args(args)
            .output()
            .unwrap()
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    let o = out_dir.to_str().unwrap();
    let out = run(&[
        "export",
        "--snapshot",
        "examples/organization/snapshot.json",
        "--out",
        o,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("finds nothing to change"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&[
        "plan",
        o,
        "--snapshot",
        "examples/organization/snapshot.json",
        "--detailed-exitcode",
    ]);
    assert_exit(&out, 0);
    let out = run(&[
        "export",
        "--snapshot",
        "examples/organization/snapshot.json",
        "--out",
        o,
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("already holds files"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn live_export_against_the_emulator_plans_no_changes() {
    use shubctl::provider::snapshot::SnapshotFile;
    use shubctl_emulator::{Config, Emulator};
    let file: SnapshotFile =
        serde_json::from_str(&std::fs::read_to_string("examples/showcase/snapshot.json").unwrap())
            .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(Emulator::start(
        file,
        Config {
            page_size: 2,
            ..Config::default()
        },
    ));
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        shubctl_against(&emu.endpoint(), dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    let out_dir = dir.path().join("adopted");
    let o = out_dir.to_str().unwrap();
    // Without --regions: the regions the account has enabled, as ListRegions tells.
    let out = run(&["export", "--out", o]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stderr).contains("finds nothing to change"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        emu.calls().iter().all(|c| !c.mutating),
        "export never mutates"
    );
    assert!(emu.calls().iter().any(|c| c.operation == "ListRegions"));
    // The same folder planned live, read again from the emulator.
    let out = run(&["plan", o, "--detailed-exitcode", "--today", "2026-11-28"]);
    assert_exit(&out, 0);
    // Live and snapshot exports agree.
    let snap_dir = dir.path().join("from-snapshot");
    let path = "examples/showcase/snapshot.json";
    let src = from_snapshot(
        &Snapshot::load(Path::new(path)).unwrap(),
        Path::new(path),
        &[],
    );
    let exported = export_state(&src, &request(&snap_dir));
    let live_base = std::fs::read_to_string(out_dir.join("baseline.yaml")).unwrap();
    let body = |s: &str| {
        s.lines()
            .skip_while(|l| l.starts_with('#') || l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&live_base), body(&exported.files["baseline.yaml"]));
}

#[test]
fn live_export_says_what_it_cannot_express_and_writes_the_rest() {
    use shubctl::provider::snapshot::SnapshotFile;
    use shubctl_emulator::{Config, Emulator};
    let file: SnapshotFile =
        serde_json::from_str(&std::fs::read_to_string("examples/showcase/snapshot.json").unwrap())
            .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(Emulator::start(file, Config::default()));
    // Two insights with one name: AWS allows it, a policy (keyed by name) cannot say it.
    rt.block_on(async {
        let creds = aws_credential_types::Credentials::new(
            Emulator::access_key("222222222222"),
            "secret",
            None,
            None,
            "test",
        );
        let cfg = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(emu.endpoint())
            .credentials_provider(creds)
            .load()
            .await;
        aws_sdk_securityhub::Client::new(&cfg)
            .create_insight()
            .name("Old dashboard")
            .group_by_attribute("AwsAccountId")
            .filters(aws_sdk_securityhub::types::AwsSecurityFindingFilters::builder().build())
            .send()
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("adopted");
    let o = shubctl_against(&emu.endpoint(), dir.path())
        .args([
            "export",
            "--regions",
            "eu-west-1,us-east-1,us-west-2",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("`insights` is not declared: it could not be read")
            && stderr.contains("two insights are named `Old dashboard`"),
        "{stderr}"
    );
    assert!(stderr.contains("finds nothing to change"), "{stderr}");
    // The rest is still written: standards, exceptions, automation.
    assert!(!out_dir.join("insights.yaml").exists());
    assert!(out_dir.join("automation.yaml").exists());
    let base = std::fs::read_to_string(out_dir.join("baseline.yaml")).unwrap();
    assert!(
        base.contains("standards:") && base.contains("`insights` is not declared"),
        "{base}"
    );
}

/// Export of nothing (no account × region holds anything, e.g. `--regions` naming none the
/// state has) would write a policy turning Security Hub off: refused, nothing written.
#[test]
fn cli_export_of_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = std::process::Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(crate::common::root())
        .args([
            "export",
            "--snapshot",
            "examples/showcase/snapshot.json",
            "--regions",
            "ap-southeast-4",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    crate::common::assert_exit(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("holds nothing in the accounts and regions asked for"),
        "{err}"
    );
    assert!(!out_dir.join("baseline.yaml").exists());
}

/// Every kind is read by `export` and `report` where the kind table says, or docs/adopting.md says
/// why not: a kind added without either fails here instead of vanishing from both.
#[test]
fn every_kind_is_read_for_export_or_the_readme_says_why_not() {
    use shubctl::model::Kind;
    use shubctl::model::kind::ReadAllAt;
    use shubctl::model::organization::AccountStatus;
    use shubctl::provider::StateSource;
    let readme = std::fs::read_to_string(crate::common::root().join("docs/adopting.md")).unwrap();
    let snap = crate::common::snapshot("examples/showcase/snapshot.json");
    let state = snap.state();
    let org = crate::common::block_on(snap.read_org()).unwrap();
    let accounts: Vec<_> = org
        .accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active)
        .map(|a| a.id.clone())
        .collect();
    let regions: Vec<String> = state
        .scopes
        .keys()
        .map(|s| s.region.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let read = crate::common::block_on(shubctl::engine::read_all(
        &snap, &org, &accounts, &regions, 4,
    ));
    let mut seen = std::collections::BTreeSet::new();
    for (address, value) in state.entries() {
        let kind = address.kind;
        if matches!(kind.read_all(), ReadAllAt::Not(_)) || !accounts.contains(&address.account) {
            continue;
        }
        assert_eq!(
            read.state.get(&address).as_ref(),
            Some(&value),
            "{address} is in the snapshot but export did not read it"
        );
        seen.insert(kind);
    }
    for k in Kind::ALL {
        match k.read_all() {
            ReadAllAt::Not(why) => assert!(
                readme.contains(&format!("- `{k}`: {why}.")),
                "docs/adopting.md does not say why `{k}` is not exported"
            ),
            // Controls read as enabled are not held; every other readable kind is in the
            // showcase, so this test sees it read.
            _ => assert!(
                seen.contains(k) || *k == Kind::Control,
                "the showcase holds no `{k}`"
            ),
        }
    }
}

/// Every kind `export` and `report` read is read by the AWS provider as the snapshot holds it:
/// the showcase loaded into the emulator and read live (through the SDK) gives back each of its
/// resources, so a kind the provider forgets to read fails here.
#[test]
fn every_kind_is_read_live_as_the_snapshot_holds_it() {
    use shubctl::model::Kind;
    use shubctl::model::kind::ReadAllAt;
    use shubctl::model::organization::AccountStatus;
    use shubctl::provider::StateSource;
    use shubctl::provider::snapshot::SnapshotFile;
    let file: SnapshotFile =
        serde_json::from_str(&std::fs::read_to_string("examples/showcase/snapshot.json").unwrap())
            .unwrap();
    let rt = crate::aws::runtime();
    rt.block_on(async {
        let emu = shubctl_emulator::Emulator::start(file, crate::aws::quick()).await;
        let aws = crate::aws::connect_with(&emu, 4, 1.0, &crate::aws::SERVICES).await;
        let snap = crate::common::snapshot("examples/showcase/snapshot.json");
        let org = aws.read_org().await.unwrap();
        let accounts: Vec<_> = org
            .accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Active)
            .map(|a| a.id.clone())
            .collect();
        let state = snap.state();
        let regions: Vec<String> = state
            .scopes
            .keys()
            .map(|s| s.region.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let read = shubctl::engine::read_all(&aws, &org, &accounts, &regions, 8).await;
        assert!(read.unreadable.is_empty(), "{:?}", read.unreadable);
        let mut seen = std::collections::BTreeSet::new();
        let mut wrong = Vec::new();
        for (address, value) in state.entries() {
            let kind = address.kind;
            if matches!(kind.read_all(), ReadAllAt::Not(_)) || !accounts.contains(&address.account)
            {
                continue;
            }
            // Equal as the diff compares them (a LOCAL configuration type reads as AWS says
            // it, and a snapshot may leave it out).
            let live = read.state.get(&address);
            if live.as_ref().map(|l| l.managed_view(Some(&value))) != Some(value.to_json()) {
                wrong.push(format!("{address}: live {live:?}"));
            }
            seen.insert(kind);
        }
        assert!(
            wrong.is_empty(),
            "read live otherwise:\n{}",
            wrong.join("\n")
        );
        for k in Kind::ALL {
            if !matches!(k.read_all(), ReadAllAt::Not(_)) && *k != Kind::Control {
                assert!(seen.contains(k), "the showcase holds no `{k}`");
            }
        }
    });
}
