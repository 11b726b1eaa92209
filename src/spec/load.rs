//! Reading policy files and composing a folder of them into one policy.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::diagnostics::{Diagnostics, Pos};
use super::policy::*;
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

/// A value together with where it was written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub file: usize,
    /// JSON pointer of the value inside its file.
    pub pointer: String,
}

/// All policy files composed into one.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub files: Vec<LoadedFile>,
    /// Files read, including those that could not be loaded.
    pub files_read: usize,
    /// Some file had a part left out for errors.
    pub partial: bool,
    pub account: Option<Located<String>>,
    pub organization: Option<Located<Organization>>,
    pub regions: Option<Located<Regions>>,
    pub hub: Option<Located<Hub>>,
    pub standards: Option<Located<Vec<StandardEntry>>>,
    pub aggregator: Option<Located<Aggregator>>,
    pub guardduty: Option<Located<GuardDuty>>,
    pub inspector: Option<Located<Inspector>>,
    pub macie: Option<Located<Macie>>,
    pub access_analyzer: Option<Located<AccessAnalyzer>>,
    pub products: Option<Located<Vec<String>>>,
    pub exceptions: Option<Vec<Located<Exception>>>,
    pub control_parameters: Option<Vec<Located<ControlParameters>>>,
    pub insights: Option<Vec<Located<Insight>>>,
    pub action_targets: Option<Vec<Located<ActionTarget>>>,
    pub automation_rules: Option<Vec<Located<AutomationRule>>>,
}

impl Policy {
    pub fn pos<T>(&self, at: &Located<T>, sub: &str) -> Pos {
        self.files[at.file].map.pos(&format!("{}{sub}", at.pointer))
    }
    pub fn key_pos<T>(&self, at: &Located<T>) -> Pos {
        self.files[at.file].map.key_pos(&at.pointer)
    }
    pub fn file_path<T>(&self, at: &Located<T>) -> &str {
        &self.files[at.file].path
    }
}

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(json_schema)
}

/// Expands the given paths (files, or folders searched for `*.yaml` / `*.yml`) into a sorted
/// file list.
pub fn policy_files(paths: &[PathBuf], diags: &mut Diagnostics) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            collect_yaml(p, &mut found, 0);
            if found.is_empty() {
                diags.error(
                    &whole_file(p),
                    "no policy files (*.yaml, *.yml) in this folder",
                );
            }
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            diags.error(&whole_file(p), "no such file or folder");
        }
    }
    out.dedup();
    out
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    // Depth-bounded so a symlink loop cannot recurse forever.
    if depth > 16 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            collect_yaml(&path, out, depth + 1);
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
}

fn whole_file(p: &Path) -> Pos {
    Pos {
        file: p.display().to_string(),
        line: 1,
        column: 1,
    }
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
                format!("YAML syntax: {}", e.message),
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
                &Pos {
                    file: path.into(),
                    line: 1,
                    column: 1,
                },
                format!("cannot read policy: {e}"),
            );
            None
        }
    }
}

pub fn load_paths(paths: &[PathBuf], diags: &mut Diagnostics) -> Policy {
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
                    &whole_file(&p),
                    format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
                ),
            },
            Err(e) => diags.error(&whole_file(&p), format!("cannot read: {e}")),
        }
    }
    let mut policy = compose(files, diags);
    policy.files_read = files_read;
    policy.partial |= unreadable;
    policy
}

/// Single-valued sections may be defined once; list sections concatenate in file order.
pub fn compose(files: Vec<LoadedFile>, diags: &mut Diagnostics) -> Policy {
    let mut p = Policy {
        partial: files.iter().any(|f| f.partial),
        ..Policy::default()
    };
    for (i, f) in files.iter().enumerate() {
        let c = f.content.clone();
        let at = |ptr: &str| (i, ptr.to_string());
        single(
            &mut p.account,
            c.account,
            at("/account"),
            &files,
            diags,
            "account",
        );
        single(
            &mut p.organization,
            c.organization,
            at("/organization"),
            &files,
            diags,
            "organization",
        );
        single(
            &mut p.regions,
            c.regions,
            at("/regions"),
            &files,
            diags,
            "regions",
        );
        single(&mut p.hub, c.hub, at("/hub"), &files, diags, "hub");
        single(
            &mut p.standards,
            c.standards,
            at("/standards"),
            &files,
            diags,
            "standards",
        );
        single(
            &mut p.aggregator,
            c.aggregator,
            at("/aggregator"),
            &files,
            diags,
            "aggregator",
        );
        if let Some(int) = c.integrations {
            single(
                &mut p.guardduty,
                int.guardduty,
                at("/integrations/guardduty"),
                &files,
                diags,
                "integrations.guardduty",
            );
            single(
                &mut p.inspector,
                int.inspector,
                at("/integrations/inspector"),
                &files,
                diags,
                "integrations.inspector",
            );
            single(
                &mut p.macie,
                int.macie,
                at("/integrations/macie"),
                &files,
                diags,
                "integrations.macie",
            );
            single(
                &mut p.access_analyzer,
                int.access_analyzer,
                at("/integrations/access_analyzer"),
                &files,
                diags,
                "integrations.access_analyzer",
            );
            single(
                &mut p.products,
                int.products,
                at("/integrations/products"),
                &files,
                diags,
                "integrations.products",
            );
        }
        list(&mut p.exceptions, c.exceptions, i, "/exceptions");
        list(
            &mut p.control_parameters,
            c.control_parameters,
            i,
            "/control_parameters",
        );
        list(&mut p.insights, c.insights, i, "/insights");
        list(
            &mut p.action_targets,
            c.action_targets,
            i,
            "/action_targets",
        );
        list(
            &mut p.automation_rules,
            c.automation_rules,
            i,
            "/automation_rules",
        );
    }
    p.files = files;
    p
}

fn single<T>(
    slot: &mut Option<Located<T>>,
    value: Option<T>,
    (file, pointer): (usize, String),
    files: &[LoadedFile],
    diags: &mut Diagnostics,
    what: &str,
) {
    let Some(value) = value else { return };
    if let Some(prev) = slot {
        let first = files[prev.file].map.key_pos(&prev.pointer);
        let here = files[file].map.key_pos(&pointer);
        diags.error(&here, format!("`{what}` is defined twice: here and at {first}; a section may be defined in one file only"));
        return;
    }
    *slot = Some(Located {
        value,
        file,
        pointer,
    });
}

fn list<T>(slot: &mut Option<Vec<Located<T>>>, values: Option<Vec<T>>, file: usize, base: &str) {
    let Some(values) = values else { return };
    let out = slot.get_or_insert_with(Vec::new);
    out.extend(values.into_iter().enumerate().map(|(i, value)| Located {
        value,
        file,
        pointer: format!("{base}/{i}"),
    }));
}
