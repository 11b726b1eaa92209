//! IAM Access Analyzer over restJson1 (aws-api.md §5, signing name `access-analyzer`):
//! analyzers by name with their archive rules; one account-level analyzer per type per region.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::{Cx, Request};
use crate::util::{ApiError, Res, get, get_arr, get_i64, get_str, iso_now, page, percent_decode};
use crate::world::*;

const TYPES: [&str; 6] = [
    "ACCOUNT",
    "ORGANIZATION",
    "ACCOUNT_UNUSED_ACCESS",
    "ORGANIZATION_UNUSED_ACCESS",
    "ACCOUNT_INTERNAL_ACCESS",
    "ORGANIZATION_INTERNAL_ACCESS",
];
const DEFAULT_UNUSED_ACCESS_AGE: u32 = 90;

pub fn route(method: &str, path: &str) -> Option<(&'static str, Vec<String>)> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (op, labels): (&'static str, Vec<&str>) = match (method, segs.as_slice()) {
        ("PUT", ["analyzer"]) => ("CreateAnalyzer", vec![]),
        ("GET", ["analyzer"]) => ("ListAnalyzers", vec![]),
        ("GET", ["analyzer", n]) => ("GetAnalyzer", vec![*n]),
        ("PUT", ["analyzer", n]) => ("UpdateAnalyzer", vec![*n]),
        ("DELETE", ["analyzer", n]) => ("DeleteAnalyzer", vec![*n]),
        ("PUT", ["analyzer", n, "archive-rule"]) => ("CreateArchiveRule", vec![*n]),
        ("GET", ["analyzer", n, "archive-rule"]) => ("ListArchiveRules", vec![*n]),
        ("GET", ["analyzer", n, "archive-rule", r]) => ("GetArchiveRule", vec![*n, *r]),
        ("PUT", ["analyzer", n, "archive-rule", r]) => ("UpdateArchiveRule", vec![*n, *r]),
        ("DELETE", ["analyzer", n, "archive-rule", r]) => ("DeleteArchiveRule", vec![*n, *r]),
        _ => return None,
    };
    Some((op, labels.into_iter().map(percent_decode).collect()))
}

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

const ANALYZER: &str = "AWS::AccessAnalyzer::Analyzer";
const RULE: &str = "AWS::AccessAnalyzer::ArchiveRule";

pub fn handle(w: &mut World, cx: &Cx, op: &str, labels: &[String], req: &Request) -> Res {
    let body = req
        .json()
        .map_err(|e| validation(format!("The request body is not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(validation("The request body must be a JSON object"));
    }
    let name = labels.first().map(String::as_str).unwrap_or("");
    let rule = labels.get(1).map(String::as_str).unwrap_or("");
    match op {
        "CreateAnalyzer" => create_analyzer(w, cx, &body),
        "ListAnalyzers" => list_analyzers(w, cx, req),
        "GetAnalyzer" => {
            let a = analyzer(w, cx, name)?;
            Ok(json!({ "analyzer": analyzer_json(name, a, true) }))
        }
        "UpdateAnalyzer" => update_analyzer(w, cx, name, &body),
        "DeleteAnalyzer" => {
            analyzer(w, cx, name)?;
            w.scope(&cx.account, &cx.region).analyzers.remove(name);
            Ok(json!({}))
        }
        "CreateArchiveRule" => create_rule(w, cx, name, &body),
        "ListArchiveRules" => {
            let a = analyzer(w, cx, name)?;
            let all: Vec<Value> = a.rules.iter().map(|(n, r)| rule_json(n, r)).collect();
            let max = req
                .query("maxResults")
                .map(|m| {
                    m.parse::<i64>()
                        .map_err(|_| validation("maxResults is not a number"))
                })
                .transpose()?;
            let (items, next) = page(
                &all,
                req.query("nextToken"),
                max,
                i64::MAX,
                cx.cfg.page_size,
                validation,
            )?;
            Ok(with_token(json!({ "archiveRules": items }), next))
        }
        "GetArchiveRule" => {
            let r = analyzer(w, cx, name)?
                .rules
                .get(rule)
                .ok_or_else(|| rule_missing(rule))?;
            Ok(json!({ "archiveRule": rule_json(rule, r) }))
        }
        "UpdateArchiveRule" => {
            let filter = check_filter(&body)?;
            let r = analyzer(w, cx, name)?
                .rules
                .get_mut(rule)
                .ok_or_else(|| rule_missing(rule))?;
            r.filter = filter;
            r.updated_at = iso_now();
            Ok(json!({}))
        }
        "DeleteArchiveRule" => {
            analyzer(w, cx, name)?
                .rules
                .remove(rule)
                .ok_or_else(|| rule_missing(rule))?;
            Ok(json!({}))
        }
        other => Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("{other} is not emulated"),
        )),
    }
}

fn with_token(mut v: Value, next: Option<String>) -> Value {
    if let (Some(o), Some(t)) = (v.as_object_mut(), next) {
        o.insert("nextToken".into(), Value::String(t));
    }
    v
}

fn analyzer<'a>(w: &'a mut World, cx: &Cx, name: &str) -> Result<&'a mut Analyzer, ApiError> {
    w.scope(&cx.account, &cx.region)
        .analyzers
        .get_mut(name)
        .ok_or_else(|| not_found(format!("Analyzer {name} not found."), name, ANALYZER))
}

fn rule_missing(rule: &str) -> ApiError {
    not_found(format!("Archive rule {rule} not found."), rule, RULE)
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    n.len() <= 255
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The archive-rule filter: `{key: {eq?, neq?, contains?, exists?}}`, value lists of 1–20.
fn check_filter(body: &Value) -> Result<Value, ApiError> {
    let filter = get(body, "filter")
        .and_then(Value::as_object)
        .ok_or_else(|| validation("filter is required"))?;
    for (key, criterion) in filter {
        let c = criterion
            .as_object()
            .ok_or_else(|| validation(format!("filter.{key} must be an object")))?;
        if c.is_empty() {
            return Err(validation(format!(
                "filter.{key} needs one of eq, neq, contains, exists"
            )));
        }
        for (op, v) in c {
            match (op.as_str(), v) {
                ("eq" | "neq" | "contains", Value::Array(a))
                    if (1..=20).contains(&a.len()) && a.iter().all(Value::is_string) => {}
                ("exists", Value::Bool(_)) => {}
                _ => return Err(validation(format!("filter.{key}.{op} is not valid"))),
            }
        }
    }
    Ok(Value::Object(filter.clone()))
}

/// `configuration.unusedAccess.unusedAccessAge`, checked against the type.
fn unused_access_age(body: &Value, analyzer_type: &str) -> Result<Option<u32>, ApiError> {
    let Some(conf) = get(body, "configuration") else {
        return Ok(None);
    };
    if let Some(unused) = get(conf, "unusedAccess") {
        if !analyzer_type.ends_with("_UNUSED_ACCESS") {
            return Err(validation(format!(
                "unusedAccess configuration is not supported for analyzers of type {analyzer_type}"
            )));
        }
        return match get_i64(unused, "unusedAccessAge") {
            None => Ok(None),
            Some(age) if (1..=365).contains(&age) => Ok(Some(age as u32)),
            Some(age) => Err(validation(format!(
                "unusedAccessAge must be between 1 and 365, got {age}"
            ))),
        };
    }
    if get(conf, "internalAccess").is_some() && !analyzer_type.ends_with("_INTERNAL_ACCESS") {
        return Err(validation(format!(
            "internalAccess configuration is not supported for analyzers of type {analyzer_type}"
        )));
    }
    Ok(None)
}

fn analyzer_json(name: &str, a: &Analyzer, with_configuration: bool) -> Value {
    let mut v = json!({
        "arn": a.arn,
        "name": name,
        "type": a.analyzer_type,
        "createdAt": a.created_at,
        "status": "ACTIVE",
        "tags": {},
    });
    if with_configuration && a.analyzer_type.ends_with("_UNUSED_ACCESS") {
        v["configuration"] = json!({ "unusedAccess": { "unusedAccessAge": a.unused_access_age.unwrap_or(DEFAULT_UNUSED_ACCESS_AGE) } });
    }
    v
}

fn rule_json(name: &str, r: &ArchiveRule) -> Value {
    json!({ "ruleName": name, "filter": r.filter, "createdAt": r.created_at, "updatedAt": r.updated_at })
}

fn create_analyzer(w: &mut World, cx: &Cx, body: &Value) -> Res {
    let name = get_str(body, "analyzerName")
        .ok_or_else(|| validation("analyzerName is required"))?
        .to_string();
    if !valid_name(&name) {
        return Err(validation(format!("analyzerName {name} is not valid")));
    }
    let analyzer_type = get_str(body, "type")
        .filter(|t| TYPES.contains(t))
        .ok_or_else(|| validation("type is required and must be a valid type"))?;
    let age = unused_access_age(body, analyzer_type)?;
    let mut rules = BTreeMap::new();
    let now = iso_now();
    for r in get_arr(body, "archiveRules")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let rule_name = get_str(r, "ruleName")
            .filter(|n| valid_name(n))
            .ok_or_else(|| validation("archiveRules[].ruleName is not valid"))?;
        let filter = check_filter(r)?;
        if rules
            .insert(
                rule_name.to_string(),
                ArchiveRule {
                    filter,
                    created_at: now.clone(),
                    updated_at: now.clone(),
                },
            )
            .is_some()
        {
            return Err(validation(format!(
                "archive rule {rule_name} is given twice"
            )));
        }
    }
    if rules.len() > 100 {
        return Err(quota(
            "An analyzer has at most 100 archive rules.",
            &name,
            RULE,
        ));
    }
    let organisational = analyzer_type.starts_with("ORGANIZATION");
    if organisational && !w.in_org(&cx.account) {
        return Err(validation(format!(
            "Account {} is not part of an organization.",
            cx.account
        )));
    }
    let scope = w.scope(&cx.account, &cx.region);
    if scope.analyzers.contains_key(&name) {
        return Err(conflict(
            format!("Analyzer {name} already exists."),
            &name,
            ANALYZER,
        ));
    }
    let same_type = scope
        .analyzers
        .values()
        .filter(|a| a.analyzer_type == analyzer_type)
        .count();
    let limit = match analyzer_type {
        "ORGANIZATION_INTERNAL_ACCESS" => 1,
        t if t.starts_with("ORGANIZATION") => 5,
        _ => 1,
    };
    if same_type >= limit {
        return Err(quota(
            format!(
                "You have reached the quota of {limit} analyzer(s) of type {analyzer_type} in this Region."
            ),
            &name,
            ANALYZER,
        ));
    }
    let age = if analyzer_type.ends_with("_UNUSED_ACCESS") {
        Some(age.unwrap_or(DEFAULT_UNUSED_ACCESS_AGE))
    } else {
        None
    };
    let arn = analyzer_arn(&cx.region, &cx.account, &name);
    scope.analyzers.insert(
        name,
        Analyzer {
            arn: arn.clone(),
            analyzer_type: analyzer_type.to_string(),
            unused_access_age: age,
            rules,
            created_at: now,
        },
    );
    Ok(json!({ "arn": arn }))
}

fn list_analyzers(w: &mut World, cx: &Cx, req: &Request) -> Res {
    let wanted = req.query("type");
    if let Some(t) = wanted
        && !TYPES.contains(&t)
    {
        return Err(validation(format!("type {t} is not valid")));
    }
    let all: Vec<Value> = w
        .scope(&cx.account, &cx.region)
        .analyzers
        .iter()
        .filter(|(_, a)| wanted.is_none_or(|t| a.analyzer_type == t))
        .map(|(n, a)| analyzer_json(n, a, false))
        .collect();
    let max = req
        .query("maxResults")
        .map(|m| {
            m.parse::<i64>()
                .map_err(|_| validation("maxResults is not a number"))
        })
        .transpose()?;
    let (items, next) = page(
        &all,
        req.query("nextToken"),
        max,
        i64::MAX,
        cx.cfg.page_size,
        validation,
    )?;
    Ok(with_token(json!({ "analyzers": items }), next))
}

fn update_analyzer(w: &mut World, cx: &Cx, name: &str, body: &Value) -> Res {
    let a = analyzer(w, cx, name)?;
    if !a.analyzer_type.ends_with("_UNUSED_ACCESS") {
        return Err(validation(format!(
            "Analyzers of type {} have no configuration to update",
            a.analyzer_type
        )));
    }
    if let Some(age) = unused_access_age(body, &a.analyzer_type)? {
        a.unused_access_age = Some(age);
    }
    Ok(
        json!({ "configuration": { "unusedAccess": { "unusedAccessAge": a.unused_access_age.unwrap_or(DEFAULT_UNUSED_ACCESS_AGE) } } }),
    )
}

fn create_rule(w: &mut World, cx: &Cx, name: &str, body: &Value) -> Res {
    let rule = get_str(body, "ruleName")
        .filter(|n| valid_name(n))
        .ok_or_else(|| validation("ruleName is required and must be valid"))?
        .to_string();
    let filter = check_filter(body)?;
    let a = analyzer(w, cx, name)?;
    if a.rules.contains_key(&rule) {
        return Err(conflict(
            format!("Archive rule {rule} already exists."),
            &rule,
            RULE,
        ));
    }
    if a.rules.len() >= 100 {
        return Err(quota(
            "An analyzer has at most 100 archive rules.",
            &rule,
            RULE,
        ));
    }
    let now = iso_now();
    a.rules.insert(
        rule,
        ArchiveRule {
            filter,
            created_at: now.clone(),
            updated_at: now,
        },
    );
    Ok(json!({}))
}
