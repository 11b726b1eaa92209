//! Bad policies, each with the exact diagnostics expected (`tests/corpus/bad/*.expected`), and
//! good ones that must produce exactly their `.expected` (usually nothing).

use std::path::{Path, PathBuf};

use shubctl::engine;
use shubctl::spec::diagnostics::Diagnostics;

use crate::common::*;

fn cases(dir: &str) -> Vec<(PathBuf, PathBuf)> {
    let base = root().join(dir);
    let mut out = Vec::new();
    for e in std::fs::read_dir(&base).unwrap().flatten() {
        let p = e.path();
        let is_case = p.is_dir() || p.extension().is_some_and(|x| x == "yaml" || x == "yml");
        if is_case {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            out.push((p.clone(), base.join(format!("{stem}.expected"))));
        }
    }
    out.sort();
    out
}

fn diagnostics_for(case: &Path) -> String {
    // cargo runs tests from the package root, so these are the paths a user would type there.
    let rel = case.strip_prefix(root()).unwrap().to_path_buf();
    let mut d = Diagnostics::default();
    engine::load_policy(&[rel], &options(), &mut d);
    d.sorted().iter().map(|x| format!("{x}\n")).collect()
}

fn check(dir: &str, expect_errors: bool) {
    let cases = cases(dir);
    assert!(!cases.is_empty(), "no cases in {dir}");
    let mut failures = Vec::new();
    for (case, expected) in cases {
        let want = std::fs::read_to_string(&expected)
            .unwrap_or_else(|_| panic!("missing {}", expected.display()));
        let got = diagnostics_for(&case);
        if got != want {
            failures.push(format!(
                "{}\n--- expected\n{want}--- got\n{got}",
                case.display()
            ));
        }
        if expect_errors {
            assert!(
                got.contains(": error[SH") || got.contains(": warning[SH"),
                "{} reports nothing",
                case.display()
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_policies_report_exactly_the_expected_problems() {
    check("tests/corpus/bad", true);
}

#[test]
fn good_policies_report_exactly_what_is_expected() {
    check("tests/corpus/good", false);
}

#[test]
fn example_policies_are_valid() {
    for p in [
        "policies",
        "examples/single-account/policy.yaml",
        "examples/organization/policies",
    ] {
        if exists(p) {
            policy(&[p]);
        }
    }
}
