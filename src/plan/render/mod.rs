//! One renderer per output format, all reading the same plan value.

pub mod json;
pub mod markdown;
pub mod text;

use super::Plan;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    pub color: bool,
}

pub fn render(plan: &Plan, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Text => text::render(plan, opts),
        Format::Markdown => markdown::render(plan),
        Format::Json => json::render(plan),
    }
}

/// A compact one-line form of a JSON value for display.
pub(crate) fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}
