//! GetFindings (API.md §1.11): findings kept in the scope of their `AwsAccountId` and `Region`
//! (put there by [`crate::Emulator::put_findings`], as products import them), seen by their
//! own account and by its Security Hub administrator while the account is an associated
//! (`Enabled`) member, across the regions the administrator's aggregator links when asked in
//! its home region; filtered, sorted and paged as AWS does.
//!
//! Filters: at most 10 attributes and 20 values each (AWS's documented limits). The string,
//! date and number filters of the attributes in [`FIELDS`] are evaluated; a request naming any
//! other attribute is refused (`InvalidInputException` saying the emulator does not evaluate
//! it) rather than matched wrongly.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::{invalid, paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_arr, get_i64, get_str, object};
use crate::world::World;

/// Filter attribute → where it is in an ASFF finding.
const FIELDS: &[(&str, &[&str])] = &[
    ("Id", &["Id"]),
    ("AwsAccountId", &["AwsAccountId"]),
    ("Region", &["Region"]),
    ("ProductArn", &["ProductArn"]),
    ("GeneratorId", &["GeneratorId"]),
    ("Title", &["Title"]),
    ("SeverityLabel", &["Severity", "Label"]),
    ("SeverityNormalized", &["Severity", "Normalized"]),
    ("WorkflowStatus", &["Workflow", "Status"]),
    ("RecordState", &["RecordState"]),
    ("ComplianceStatus", &["Compliance", "Status"]),
    (
        "ComplianceSecurityControlId",
        &["Compliance", "SecurityControlId"],
    ),
    ("ProductName", &["ProductName"]),
    ("CompanyName", &["CompanyName"]),
    ("CreatedAt", &["CreatedAt"]),
    ("UpdatedAt", &["UpdatedAt"]),
    ("FirstObservedAt", &["FirstObservedAt"]),
    ("LastObservedAt", &["LastObservedAt"]),
];

fn path_of(field: &str) -> Option<&'static [&'static str]> {
    FIELDS.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
}

fn at<'a>(finding: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(finding, |v, k| v.get(k))
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// One attribute's filters, as AWS combines them: EQUALS, PREFIX and CONTAINS are OR-ed; the
/// negative comparisons are AND-ed; PREFIX applies before the negative ones.
fn string_match(value: Option<&str>, filters: &[Value], field: &str) -> Result<bool, ApiError> {
    let comparisons: Vec<(&str, &str)> = filters
        .iter()
        .map(|f| {
            Ok((
                get_str(f, "Comparison").unwrap_or("EQUALS"),
                get_str(f, "Value")
                    .ok_or_else(|| invalid(format!("{field}: a string filter needs a Value")))?,
            ))
        })
        .collect::<Result<_, ApiError>>()?;
    let has = |c: &str| comparisons.iter().any(|(x, _)| *x == c);
    if has("CONTAINS") && has("NOT_CONTAINS") {
        return Err(invalid(format!(
            "{field}: CONTAINS and NOT_CONTAINS cannot be used together"
        )));
    }
    if has("EQUALS") && (has("NOT_EQUALS") || has("PREFIX_NOT_EQUALS")) {
        return Err(invalid(format!(
            "{field}: EQUALS cannot be used with NOT_EQUALS or PREFIX_NOT_EQUALS"
        )));
    }
    let v = value.unwrap_or("");
    let mut positive = None::<bool>;
    let mut negative = true;
    for (c, x) in comparisons {
        match c {
            "EQUALS" => positive = Some(positive.unwrap_or(false) || (value.is_some() && v == x)),
            "PREFIX" => {
                positive = Some(positive.unwrap_or(false) || (value.is_some() && v.starts_with(x)))
            }
            "CONTAINS" => {
                positive = Some(positive.unwrap_or(false) || (value.is_some() && v.contains(x)))
            }
            "NOT_EQUALS" => negative &= v != x,
            "PREFIX_NOT_EQUALS" => negative &= !v.starts_with(x),
            "NOT_CONTAINS" => negative &= !v.contains(x),
            other => {
                return Err(invalid(format!(
                    "{field}: `{other}` is not a string comparison"
                )));
            }
        }
    }
    Ok(positive.unwrap_or(true) && negative)
}

fn date_match(value: Option<&str>, filters: &[Value], field: &str) -> Result<bool, ApiError> {
    let t = value.and_then(time);
    let now = Utc::now();
    // Several date filters on one attribute are OR-ed, as the positive string ones. Every
    // filter is checked, whether or not the finding has the date.
    let mut any = false;
    for f in filters {
        let ok = if let Some(r) = f.get("DateRange") {
            let n = get_i64(r, "Value")
                .ok_or_else(|| invalid(format!("{field}: DateRange needs a Value")))?;
            if get_str(r, "Unit") != Some("DAYS") {
                return Err(invalid(format!("{field}: DateRange Unit must be DAYS")));
            }
            let edge = now - Duration::days(n);
            match get_str(r, "Comparison").unwrap_or("WITHIN") {
                "WITHIN" => t.is_some_and(|t| t >= edge),
                "OLDER_THAN" => t.is_some_and(|t| t < edge),
                other => {
                    return Err(invalid(format!(
                        "{field}: `{other}` is not a DateRange comparison"
                    )));
                }
            }
        } else {
            let bound = |k: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
                get_str(f, k)
                    .map(|s| {
                        time(s).ok_or_else(|| invalid(format!("{field}: {k} `{s}` is not a date")))
                    })
                    .transpose()
            };
            let (start, end) = (bound("Start")?, bound("End")?);
            if start.is_none() && end.is_none() {
                return Err(invalid(format!(
                    "{field}: a date filter needs Start and End, or a DateRange"
                )));
            }
            t.is_some_and(|t| start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e))
        };
        any |= ok;
    }
    Ok(any)
}

fn number_match(value: Option<f64>, filters: &[Value]) -> bool {
    let Some(v) = value else { return false };
    filters.iter().any(|f| {
        let n = |k: &str| f.get(k).and_then(Value::as_f64);
        n("Eq").is_none_or(|x| v == x)
            && n("Gte").is_none_or(|x| v >= x)
            && n("Lte").is_none_or(|x| v <= x)
            && n("Gt").is_none_or(|x| v > x)
            && n("Lt").is_none_or(|x| v < x)
    })
}

/// Checks every filter, and whether `finding` passes all of them.
fn matches(finding: &Value, filters: &Map<String, Value>) -> Result<bool, ApiError> {
    let mut all = true;
    for (field, list) in filters {
        let list = list
            .as_array()
            .ok_or_else(|| invalid(format!("{field} must be a list of filters")))?;
        if list.is_empty() {
            continue;
        }
        let path = path_of(field).ok_or_else(|| {
            invalid(format!(
                "the emulator does not evaluate the filter attribute `{field}`"
            ))
        })?;
        let v = at(finding, path);
        let ok = if field.ends_with("At") {
            date_match(v.and_then(Value::as_str), list, field)?
        } else if field == "SeverityNormalized" {
            number_match(v.and_then(Value::as_f64), list)
        } else {
            string_match(v.and_then(Value::as_str), list, field)?
        };
        all &= ok;
    }
    Ok(all)
}

fn check_limits(filters: &Map<String, Value>) -> Result<(), ApiError> {
    let used = filters
        .values()
        .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        .count();
    if used > 10 {
        return Err(invalid(format!(
            "Filters may name at most 10 attributes; this request names {used}"
        )));
    }
    if let Some((f, _)) = filters
        .iter()
        .find(|(_, v)| v.as_array().is_some_and(|a| a.len() > 20))
    {
        return Err(invalid(format!("{f} may hold at most 20 filter values")));
    }
    Ok(())
}

/// The regions the caller's findings view covers from this region: its own, and those its
/// aggregator links when this is the aggregator's home.
fn regions_seen(w: &World, cx: &Cx) -> Vec<String> {
    let mut out = vec![cx.region.clone()];
    let Some(agg) = w
        .scope_ref(&cx.account, &cx.region)
        .and_then(|s| s.securityhub.aggregator.as_ref())
    else {
        return out;
    };
    let known: Vec<String> = w
        .regions_of(&cx.account)
        .map(|(r, _)| r.to_string())
        .collect();
    let linked: Vec<String> = match agg.mode.as_str() {
        "ALL_REGIONS" => known,
        "ALL_REGIONS_EXCEPT_SPECIFIED" => known
            .into_iter()
            .filter(|r| !agg.regions.contains(r))
            .collect(),
        "SPECIFIED_REGIONS" => agg.regions.clone(),
        _ => vec![],
    };
    for r in linked {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The findings the caller sees from this scope that pass `filters`: its own and, for a
/// Security Hub administrator, its associated (`Enabled`) members', in this region and the
/// regions its aggregator links when this is the aggregator's home.
fn visible_matching(
    w: &World,
    cx: &Cx,
    filters: &Map<String, Value>,
) -> Result<Vec<Value>, ApiError> {
    check_limits(filters)?;
    // The administrator sees the findings of its associated members.
    let accounts: Vec<String> = std::iter::once(cx.account.clone())
        .chain(
            w.scope_ref(&cx.account, &cx.region)
                .map(|s| {
                    s.securityhub
                        .members()
                        .iter()
                        .filter(|(_, m)| m.status == "Enabled")
                        .map(|(a, _)| a.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        )
        .collect();
    let mut found: Vec<Value> = Vec::new();
    for region in regions_seen(w, cx) {
        for account in &accounts {
            let Some(s) = w.scope_ref(account, &region) else {
                continue;
            };
            for f in &s.securityhub.findings {
                if matches(f, filters)? {
                    found.push(f.clone());
                }
            }
        }
    }
    // Validate the filters even when no finding is there to be matched.
    matches(&Value::Object(Map::new()), filters)?;
    Ok(found)
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let empty = Map::new();
    let filters = match i.body.get("Filters") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid("Filters must be an object")),
    };
    let mut found = visible_matching(w, cx, filters)?;
    if let Some(sort) = get_arr(&i.body, "SortCriteria") {
        for c in sort.iter().rev() {
            let field = get_str(c, "Field").unwrap_or_default();
            let path = path_of(field)
                .ok_or_else(|| invalid(format!("the emulator does not sort by `{field}`")))?;
            let desc = match get_str(c, "SortOrder").unwrap_or("asc") {
                "asc" => false,
                "desc" => true,
                other => return Err(invalid(format!("`{other}` is not a SortOrder"))),
            };
            found.sort_by(|a, b| {
                let o = cmp(at(a, path), at(b, path));
                if desc { o.reverse() } else { o }
            });
        }
    }
    let (items, next) = paged(
        &found,
        get_str(&i.body, "NextToken"),
        get_i64(&i.body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(object([("Findings", items.into())]), next))
}

fn cmp(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(x), Some(y)) => x.as_str().cmp(&y.as_str()),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// Checks a finding has what ASFF requires and where it belongs: (account, region).
pub fn placed(finding: &Value) -> Result<(String, String), String> {
    for k in [
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "CreatedAt",
        "UpdatedAt",
        "Title",
        "Description",
        "Resources",
    ] {
        if finding.get(k).is_none() {
            return Err(format!("the finding has no {k}"));
        }
    }
    let account = get_str(finding, "AwsAccountId")
        .unwrap_or_default()
        .to_string();
    let region = get_str(finding, "Region")
        .map(str::to_string)
        .or_else(|| {
            // The product ARN names the region: arn:aws:securityhub:<region>::product/...
            get_str(finding, "ProductArn").and_then(|a| a.split(':').nth(3).map(str::to_string))
        })
        .filter(|r| !r.is_empty())
        .ok_or("the finding has no Region")?;
    Ok((account, region))
}

/// `GET /insights/results/{InsightArn+}`: the insight's filters applied to what the caller
/// sees, counted per value of its group-by attribute (most first, then by value).
pub fn insight_results(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = i
        .label(0)
        .ok_or_else(|| invalid("InsightArn is required"))?
        .to_string();
    let (filters, group_by) = {
        let x = w
            .scope_ref(&cx.account, &cx.region)
            .and_then(|s| s.securityhub.insights.iter().find(|x| x.arn == arn))
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "ResourceNotFoundException",
                    format!("Insight {arn} not found"),
                )
            })?;
        (x.filters.clone(), x.group_by.clone())
    };
    let filters = filters.as_object().cloned().unwrap_or_default();
    let path = path_of(&group_by)
        .ok_or_else(|| invalid(format!("the emulator does not group by `{group_by}`")))?;
    let mut counts: Vec<(String, u64)> = Vec::new();
    for f in visible_matching(w, cx, &filters)? {
        let v = match at(&f, path) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        match counts.iter_mut().find(|(k, _)| *k == v) {
            Some((_, n)) => *n += 1,
            None => counts.push((v, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let values: Vec<Value> = counts
        .into_iter()
        .map(|(v, n)| object([("GroupByAttributeValue", v.into()), ("Count", n.into())]))
        .collect();
    Ok(object([(
        "InsightResults",
        object([
            ("InsightArn", arn.into()),
            ("GroupByAttribute", group_by.into()),
            ("ResultValues", values.into()),
        ]),
    )]))
}
