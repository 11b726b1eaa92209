//! Documentation that must match the code it describes.

use shubctl::spec::diagnostics::Code;

use crate::common::root;

/// `docs/diagnostics.md` lists exactly the codes the code has. `UPDATE_DOCS=1 cargo test`
/// rewrites the table.
#[test]
fn diagnostics_doc_lists_every_code() {
    let path = root().join("docs/diagnostics.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc.find("<!-- codes:start").expect("start marker");
    let start = start + doc[start..].find("-->").unwrap() + 3;
    let end = doc.find("<!-- codes:end -->").expect("end marker");
    let want = format!("\n{}", Code::markdown_table());
    if doc[start..end] != want {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, format!("{}{want}{}", &doc[..start], &doc[end..])).unwrap();
        } else {
            panic!(
                "docs/diagnostics.md is out of date; run `UPDATE_DOCS=1 cargo test diagnostics_doc`"
            );
        }
    }
}

/// The documentation a reader follows: the README, the reference under `docs/`, ARCHITECTURE,
/// BENCHMARKS and the emulator's.
fn documents() -> Vec<std::path::PathBuf> {
    let mut out: Vec<std::path::PathBuf> = [
        "README.md",
        "ARCHITECTURE.md",
        "BENCHMARKS.md",
        "tests/emulator/README.md",
    ]
    .iter()
    .map(|p| root().join(p))
    .collect();
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (outside code blocks).
fn anchors(text: &str) -> std::collections::BTreeSet<String> {
    let mut code = false;
    let mut out = std::collections::BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("```") {
            code = !code;
        } else if !code && line.starts_with('#') {
            out.insert(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every relative link in the documentation reaches a file that exists, and every `#anchor`
/// a heading of the file it names.
#[test]
fn every_link_in_the_docs_resolves() {
    let mut broken = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let targets = text.split("](").skip(1).filter_map(|rest| {
            let t = &rest[..rest.find(')')?];
            (!t.is_empty() && !t.contains(char::is_whitespace)).then_some(t)
        });
        for target in targets {
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
            let file = if path.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(path)
            };
            if !file.exists() {
                broken.push(format!("{}: {target} (no such file)", doc.display()));
                continue;
            }
            if !anchor.is_empty() {
                let there = std::fs::read_to_string(&file).unwrap_or_default();
                if !anchors(&there).contains(anchor) {
                    broken.push(format!("{}: {target} (no such heading)", doc.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Every `shubctl …` command shown in a shell block of the documentation parses with the
/// command-line definitions the binary uses (shell redirections and comments left out).
#[test]
fn every_command_in_the_docs_parses() {
    use clap::Parser;
    let mut checked = 0;
    let mut bad = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let mut shell = false;
        for line in text.lines() {
            if line.starts_with("```") {
                shell = matches!(line.trim(), "```sh" | "```bash" | "```shell");
                continue;
            }
            let line = line.trim();
            if !shell || !line.starts_with("shubctl ") {
                continue;
            }
            // The command alone: up to a comment, a pipe, a redirection or a second command.
            let end = line.find(['#', '|', '>', ';', '&']).unwrap_or(line.len());
            let words: Vec<&str> = line[..end].split_whitespace().collect();
            checked += 1;
            if let Err(e) = shubctl::cli::args::Cli::try_parse_from(&words) {
                bad.push(format!(
                    "{}: `{}`: {}",
                    doc.display(),
                    words.join(" "),
                    e.kind()
                ));
            }
        }
    }
    assert!(checked >= 10, "found only {checked} commands");
    assert!(
        bad.is_empty(),
        "commands that do not parse:\n{}",
        bad.join("\n")
    );
}
