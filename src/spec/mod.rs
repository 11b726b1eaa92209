//! Policy files: load (YAML → checked JSON → typed), validate, expand to desired state.

pub mod catalog;
pub mod diagnostics;
pub mod policy;
pub mod schema_check;
pub mod yaml;
pub mod filters;
pub mod load;
pub mod validate;
pub mod expand;
