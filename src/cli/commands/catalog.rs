//! `shubctl catalog`: the catalog's standards, or the controls of one standard; with
//! `--refresh`, a catalog file written from AWS's live definitions.

use std::fmt::Write;

use super::Status;
use crate::cli::error::CliError;
use crate::cli::output::Printer;
use crate::model::catalog::catalog;

pub fn run(standard: Option<&str>, out: &Printer) -> Result<Status, CliError> {
    let c = catalog();
    let mut text = String::new();
    match standard {
        None => {
            let _ = writeln!(
                text,
                "Standards of {}, retrieved {}:",
                c.name(),
                c.retrieved
            );
            for s in &c.standards {
                let _ = writeln!(
                    text,
                    "  {:<20} {:>4} controls  {}",
                    s.id,
                    c.controls_in(&s.id).count(),
                    s.name
                );
            }
            // The source is long: after the list, wrapped, so the header stays one short line.
            let source = format!("Source: {}", first_sentence(&c.source));
            let _ = write!(text, "\n{}", wrap(&source, WIDTH));
        }
        Some(id) => {
            if c.standard(id).is_none() {
                let ids = c.standards.iter().map(|s| s.id.as_str());
                return Err(CliError::UnknownStandard(
                    id.to_string(),
                    crate::spec::diagnostics::did_you_mean(id, ids),
                ));
            }
            for ctl in c.controls_in(id) {
                let legacy = ctl
                    .legacy_ids
                    .get(id)
                    .map(|l| format!(" [{l}]"))
                    .unwrap_or_default();
                let global = if ctl.global { " (global resource)" } else { "" };
                let _ = writeln!(text, "{:<22} {}{legacy}{global}", ctl.id, ctl.title);
            }
        }
    }
    out.data(&text);
    Ok(Status::Ok)
}

/// The first sentence of a catalog's `source` (its primary source; the rest lists cross-checks):
/// up to the first `). ` (its brackets closed: an abbreviation inside them, `Rev. 2`, does not
/// end it), else the first `. `, else the whole text.
fn first_sentence(text: &str) -> &str {
    let end = text
        .find("). ")
        .map(|i| i + 2)
        .or_else(|| text.find(". ").map(|i| i + 1))
        .unwrap_or(text.len());
    &text[..end]
}

/// Columns the catalog's prose is wrapped at.
const WIDTH: usize = 100;

/// `text` in lines of at most `width` characters, broken between words (a longer word, a
/// URL say, has a line of its own).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Reads AWS's standards and control definitions in one region, merges them with the catalog in
/// use and writes the result to `path` (whole, or not at all), printing what changed.
pub async fn refresh(
    path: &std::path::Path,
    region: Option<String>,
    out: &Printer,
) -> Result<Status, CliError> {
    use crate::provider::aws::{AwsOptions, AwsProvider};
    let aws = AwsProvider::connect(
        AwsOptions {
            region,
            ..AwsOptions::default()
        },
        None,
    )
    .await
    .map_err(CliError::Connect)?;
    let region = aws.region().to_string();
    out.status(true, "reading AWS's control definitions");
    let live = aws
        .catalog_definitions(&region)
        .await
        .map_err(CliError::Definitions)?;
    if live.controls.is_empty() {
        return Err(CliError::NoDefinitions(region));
    }
    let base = catalog();
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let (refreshed, changes) = base.refreshed(&live, &today);
    let mut json = serde_json::to_string_pretty(&refreshed).expect("a catalog serialises");
    json.push('\n');
    crate::provider::file::write_bytes(path, json.as_bytes()).map_err(|e| {
        CliError::WriteCatalog {
            path: path.display().to_string(),
            source: e,
        }
    })?;
    let mut text = format!(
        "Catalog from AWS in {region}: {} standards, {} controls. Against {}:\n",
        refreshed.standards.len(),
        refreshed.controls.len(),
        base.origin()
    );
    text.push_str(&changes.render());
    out.data(&text);
    out.note(&format!(
        "catalog written to {}; use it with --catalog {0} (or SHUBCTL_CATALOG)",
        path.display()
    ));
    Ok(Status::Ok)
}
#[cfg(test)]
mod tests {
    #[test]
    fn wrap_breaks_between_words_within_the_width() {
        let text = "Source: one two three https://docs.aws.amazon.com/a/very/long/path four";
        let w = super::wrap(text, 20);
        assert_eq!(
            w,
            "Source: one two\nthree\nhttps://docs.aws.amazon.com/a/very/long/path\nfour\n"
        );
        assert_eq!(w.split_whitespace().collect::<Vec<_>>().join(" "), text);
    }

    #[test]
    fn the_source_is_its_first_sentence_with_its_brackets_closed() {
        assert_eq!(
            super::first_sentence("Primary: a (b; c Rev. 2). Cross-check: d. More."),
            "Primary: a (b; c Rev. 2)."
        );
        assert_eq!(
            super::first_sentence("AWS in us-east-1"),
            "AWS in us-east-1"
        );
    }
}
