//! The layers and what each may import (ARCHITECTURE.md): checked from the source, so a new
//! import across a layer boundary fails here rather than in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::root;

/// Layer → the layers it may use (besides itself).
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("spec", &["model"]),
    ("diff", &["model"]),
    ("plan", &["model", "diff"]),
    ("apply", &["model", "diff", "plan"]),
    ("provider", &["model"]),
    ("iam", &["model", "spec"]),
    ("doctor", &["model", "spec"]),
    ("export", &["model", "spec"]),
    ("report", &["model", "spec", "plan"]),
    (
        "engine",
        &[
            "model", "spec", "diff", "plan", "apply", "provider", "doctor",
        ],
    ),
    (
        "cli",
        &[
            "model", "spec", "diff", "plan", "apply", "provider", "iam", "doctor", "engine",
            "export", "report",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let src = root().join("src");
    let mut used: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (layer, _) in ALLOWED {
        let mut files = Vec::new();
        let dir = src.join(layer);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src.join(format!("{layer}.rs")));
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, _) in text.match_indices("crate::") {
                let rest = &text[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != *layer {
                    used.entry(layer).or_default().insert(format!(
                        "{name} (in {})",
                        f.strip_prefix(&src).unwrap().display()
                    ));
                }
            }
        }
    }
    // The scan sees real imports (so an empty result is not a vacuous pass).
    assert!(used["plan"].iter().any(|u| u.starts_with("diff ")));
    assert!(used["cli"].iter().any(|u| u.starts_with("engine ")));
    let mut wrong = Vec::new();
    for (layer, allowed) in ALLOWED {
        for u in used.get(layer).into_iter().flatten() {
            let target = u.split(' ').next().unwrap();
            if !allowed.contains(&target) {
                wrong.push(format!("{layer} uses {u}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports across layers:\n{}",
        wrong.join("\n")
    );
}
