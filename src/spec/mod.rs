//! Policy files: load (YAML → checked JSON → typed), compose, check section by section, and
//! expand to desired state.

pub mod catalog_file;
pub mod central;
pub mod compose;
pub mod diagnostics;
pub mod expand;
pub mod file;
pub mod filters;
pub mod fixes;
pub mod load;
pub mod policy;
pub mod schema_check;
pub mod sections;
pub mod yaml;

use std::path::PathBuf;

pub use policy::{CheckOptions, Policy};

/// Reads, composes and checks the policy at `paths`; every problem goes to `d`. The policy is
/// only fit to expand when `d` has no errors.
pub fn load(paths: &[PathBuf], opts: &CheckOptions, d: &mut diagnostics::Diagnostics) -> Policy {
    let composed = load::load_paths(paths, d);
    if d.has_errors() && composed.files.is_empty() {
        return Policy {
            files_read: composed.files_read,
            ..Policy::default()
        };
    }
    policy::check_files(&composed, d);
    Policy::check(&composed, opts, d)
}

/// Checks one policy given as text (`name` is what diagnostics call the file).
pub fn load_str(
    name: &str,
    text: &str,
    opts: &CheckOptions,
    d: &mut diagnostics::Diagnostics,
) -> Policy {
    let files: Vec<_> = load::load_text(name, text, d).into_iter().collect();
    let composed = compose::compose(files, d);
    policy::check_files(&composed, d);
    Policy::check(&composed, opts, d)
}
