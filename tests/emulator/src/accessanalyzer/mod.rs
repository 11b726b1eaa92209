//! IAM Access Analyzer over restJson1 (API.md §5, signing name `access-analyzer`):
//! analyzers by name with their archive rules; one account-level analyzer per type per region.

mod analyzers;
mod archive_rules;
mod state;

pub use state::State;

use serde_json::Value;

use crate::http::{Cx, Request};
use crate::route::{Input, Route, route};
use crate::util::{ApiError, Res, page};
use crate::world::World;

use state::Analyzer;

pub static ROUTES: &[Route] = &[
    route!("PUT" "/analyzer" => "CreateAnalyzer", analyzers::create),
    route!("GET" "/analyzer" => "ListAnalyzers", analyzers::list),
    route!("GET" "/analyzer/{analyzerName}" => "GetAnalyzer", analyzers::get),
    route!("PUT" "/analyzer/{analyzerName}" => "UpdateAnalyzer", analyzers::update),
    route!("DELETE" "/analyzer/{analyzerName}" => "DeleteAnalyzer", analyzers::delete),
    route!("PUT" "/analyzer/{analyzerName}/archive-rule" => "CreateArchiveRule", archive_rules::create),
    route!("GET" "/analyzer/{analyzerName}/archive-rule" => "ListArchiveRules", archive_rules::list),
    route!("GET" "/analyzer/{analyzerName}/archive-rule/{ruleName}" => "GetArchiveRule", archive_rules::get),
    route!("PUT" "/analyzer/{analyzerName}/archive-rule/{ruleName}" => "UpdateArchiveRule", archive_rules::update),
    route!("DELETE" "/analyzer/{analyzerName}/archive-rule/{ruleName}" => "DeleteArchiveRule", archive_rules::delete),
];

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| validation(format!("The request body is not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(validation("The request body must be a JSON object"));
    }
    (route.handler)(w, cx, &Input { req, body, labels })
}

const ANALYZER: &str = "AWS::AccessAnalyzer::Analyzer";
const RULE: &str = "AWS::AccessAnalyzer::ArchiveRule";

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m).with("reason", "fieldValidationFailed")
}
fn conflict(m: impl Into<String>, id: &str, kind: &str) -> ApiError {
    ApiError::new(409, "ConflictException", m)
        .with("resourceId", id)
        .with("resourceType", kind)
}
fn quota(m: impl Into<String>, id: &str, kind: &str) -> ApiError {
    ApiError::new(402, "ServiceQuotaExceededException", m)
        .with("resourceId", id)
        .with("resourceType", kind)
}
fn not_found(m: impl Into<String>, id: &str, kind: &str) -> ApiError {
    ApiError::new(404, "ResourceNotFoundException", m)
        .with("resourceId", id)
        .with("resourceType", kind)
}

/// The `{analyzerName}` label ("" when empty: no analyzer has that name).
fn analyzer_name<'a>(i: &'a Input) -> &'a str {
    i.label(0).unwrap_or("")
}

/// The caller's analyzer called `name`.
fn analyzer<'a>(w: &'a mut World, cx: &Cx, name: &str) -> Result<&'a mut Analyzer, ApiError> {
    w.scope(&cx.account, &cx.region)
        .analyzer
        .analyzers
        .get_mut(name)
        .ok_or_else(|| not_found(format!("Analyzer {name} not found."), name, ANALYZER))
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    n.len() <= 255
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// One page of a list; `maxResults` has no model maximum.
fn paged<T: Clone>(items: &[T], i: &Input, cx: &Cx) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = i
        .query("maxResults")
        .map(|m| {
            m.parse::<i64>()
                .map_err(|_| validation("maxResults is not a number"))
        })
        .transpose()?;
    page(
        items,
        i.query("nextToken"),
        max,
        i64::MAX,
        cx.cfg.page_size,
        validation,
    )
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let (Some(o), Some(t)) = (v.as_object_mut(), next) {
        o.insert("nextToken".into(), Value::String(t));
    }
    v
}
