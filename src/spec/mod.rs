//! Policy files: load (YAML → checked JSON → typed), validate, expand to desired state.

pub mod diagnostics;
pub mod expand;
pub mod filters;
pub mod load;
pub mod policy;
pub mod schema_check;
pub mod validate;
pub mod yaml;
