//! Reading policy files: paths → files (folders searched for `*.yaml` / `*.yml`) → YAML nodes
//! → checked against the schema → typed, then composed into one policy.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::compose::{Composed, compose};
use super::diagnostics::{Code, Diagnostics, Pos};
use super::file::{PolicyFile, json_schema};
use super::schema_check::{Checker, SourceMap};
use super::yaml;

/// A policy file that parsed and matched the schema.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub path: String,
    pub content: PolicyFile,
    pub map: SourceMap,
    /// Parts with errors were left out; checks that a section exists are skipped.
    pub partial: bool,
}

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(json_schema)
}

/// Expands the given paths (files, or folders searched for `*.yaml` / `*.yml`) into a sorted
/// file list.
pub fn policy_files(paths: &[PathBuf], diags: &mut Diagnostics) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // Folders already walked (canonical), so symlinked folders and loops are walked once.
    let mut seen = HashSet::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            collect_yaml(p, &mut found, &mut seen, diags);
            if found.is_empty() {
                diags.error(
                    &whole_file(p),
                    Code::NoPolicyFiles,
                    "no policy files (*.yaml, *.yml) in this folder",
                );
            }
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else if p.as_os_str() == "policies" {
            diags.error(
                &whole_file(p),
                Code::NoSuchPath,
                "no `policies/` folder here (the default); pass the policy files or folders as arguments",
            );
        } else {
            diags.error(&whole_file(p), Code::NoSuchPath, "no such file or folder");
        }
    }
    // A file named twice (directly, through a folder or a symlink) is composed once.
    let mut files = HashSet::new();
    out.retain(|f| files.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    out
}

fn collect_yaml(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
    diags: &mut Diagnostics,
) {
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(canonical) {
        return;
    }
    // A folder that cannot be read is an error, not an empty folder: its files may hold
    // exceptions, and leaving them out would re-enable their controls.
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            diags.error(
                &whole_file(dir),
                Code::Unreadable,
                format!("cannot read this folder: {e}"),
            );
            return;
        }
    };
    for e in entries {
        let path = match e {
            Ok(e) => e.path(),
            Err(e) => {
                diags.error(
                    &whole_file(dir),
                    Code::Unreadable,
                    format!("cannot read this folder: {e}"),
                );
                continue;
            }
        };
        if path.is_dir() {
            collect_yaml(&path, out, seen, diags);
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
}

fn whole_file(p: &Path) -> Pos {
    Pos::file(p.display().to_string())
}

/// Parses and schema-checks one file's text.
pub fn load_text(path: &str, text: &str, diags: &mut Diagnostics) -> Option<LoadedFile> {
    let node = match yaml::parse(text) {
        Ok(n) => n,
        Err(e) => {
            diags.error(
                &Pos {
                    file: path.into(),
                    line: e.line,
                    column: e.column,
                },
                e.code,
                match e.code {
                    Code::YamlTooLarge => e.message,
                    _ => format!("YAML syntax: {}", e.message),
                },
            );
            return None;
        }
    };
    if node.is_null() {
        return Some(LoadedFile {
            path: path.into(),
            content: PolicyFile::default(),
            map: SourceMap {
                file: path.into(),
                ..Default::default()
            },
            partial: false,
        });
    }
    let mut checker = Checker::new(schema(), path);
    let mut local = Diagnostics::default();
    let json = checker.check(&node, &mut local);
    let failed = local.has_errors();
    diags.items.extend(local.items);
    let json = json?;
    match serde_json::from_value::<PolicyFile>(json) {
        Ok(content) => Some(LoadedFile {
            path: path.into(),
            content,
            map: checker.map,
            partial: failed,
        }),
        // With errors already reported, the remains may not decode; that adds nothing new.
        Err(_) if failed => None,
        Err(e) => {
            // The schema check passed, so this is a gap between schema and types.
            diags.error(
                &Pos::file(path),
                Code::WrongType,
                format!("cannot read policy: {e}"),
            );
            None
        }
    }
}

pub fn load_paths(paths: &[PathBuf], diags: &mut Diagnostics) -> Composed {
    let mut files = Vec::new();
    let list = policy_files(paths, diags);
    let files_read = list.len();
    let mut unreadable = false;
    for p in list {
        let shown = p.display().to_string();
        match std::fs::read(&p) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => match load_text(&shown, &text, diags) {
                    Some(f) => files.push(f),
                    None => unreadable = true,
                },
                Err(e) => diags.error(
                    &not_utf8_at(&shown, e.as_bytes(), e.utf8_error().valid_up_to()),
                    Code::NotUtf8,
                    format!(
                        "not UTF-8 text: byte 0x{:02X} here is not valid UTF-8; save the file as UTF-8",
                        e.as_bytes()[e.utf8_error().valid_up_to()]
                    ),
                ),
            },
            Err(e) => diags.error(&whole_file(&p), Code::Unreadable, format!("cannot read: {e}")),
        }
    }
    let mut policy = compose(files, diags);
    policy.files_read = files_read;
    policy.partial |= unreadable;
    policy
}

/// Where the first invalid byte of a file is: line and column (in characters) of the valid
/// text before it.
fn not_utf8_at(file: &str, bytes: &[u8], valid_up_to: usize) -> Pos {
    let before = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    Pos {
        file: file.to_string(),
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_byte_is_reported_where_it_is() {
        let bytes: &[u8] = b"shubctl: 1\nregions:\n  home: caf\xe9\n";
        let valid = String::from_utf8(bytes.to_vec())
            .unwrap_err()
            .utf8_error()
            .valid_up_to();
        let pos = not_utf8_at("p.yaml", bytes, valid);
        assert_eq!((pos.line, pos.column), (3, 12));
    }
}
