//! Findings (API.md §1.11): `GetFindings` with filters, sorting and paging, and
//! `GetInsightResults`, over findings seeded by tests (`Emulator::seed_findings`).
//!
//! Who sees what: an account sees its own findings; the Security Hub administrator of a region
//! sees its members' too; in the aggregator's home region the linked regions' findings are
//! added. Filters follow the documented rules: at most 10 attributes and 20 values each; on one
//! attribute EQUALS, PREFIX and CONTAINS are OR-ed and the negative comparisons AND-ed; EQUALS
//! with NOT_EQUALS or PREFIX_NOT_EQUALS, and CONTAINS with NOT_CONTAINS, are refused. Values
//! are compared case-sensitively. Only the attributes in [`FIELDS`] are served; any other
//! is refused with a message saying so (AWS serves all of them).

use std::cmp::Ordering;

use serde_json::{Value, json};

use super::{invalid, not_found, own, paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{Res, get_i64, get_str, object};
use crate::world::{AdminOf, World};

/// Filter attribute → where it is in a finding (JSON pointer; list-valued for resources).
const FIELDS: &[(&str, &str)] = &[
    ("Id", "/Id"),
    ("ProductArn", "/ProductArn"),
    ("GeneratorId", "/GeneratorId"),
    ("AwsAccountId", "/AwsAccountId"),
    ("Region", "/Region"),
    ("Title", "/Title"),
    ("ProductName", "/ProductName"),
    ("CompanyName", "/CompanyName"),
    ("SeverityLabel", "/Severity/Label"),
    ("SeverityNormalized", "/Severity/Normalized"),
    ("RecordState", "/RecordState"),
    ("WorkflowStatus", "/Workflow/Status"),
    ("ComplianceStatus", "/Compliance/Status"),
    (
        "ComplianceSecurityControlId",
        "/Compliance/SecurityControlId",
    ),
    ("CreatedAt", "/CreatedAt"),
    ("UpdatedAt", "/UpdatedAt"),
    ("ResourceType", "/Resources/*/Type"),
    ("ResourceId", "/Resources/*/Id"),
];

const REQUIRED: &[&str] = &[
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
];

/// A seeded finding must have what `BatchImportFindings` requires.
pub fn check_finding(f: &Value) -> Result<(), String> {
    for k in REQUIRED {
        if f.get(k).is_none() {
            return Err(format!("finding {:?} lacks {k}", f.get("Id")));
        }
    }
    if f["Resources"].as_array().is_none_or(|r| r.is_empty()) {
        return Err("a finding needs at least one resource".into());
    }
    Ok(())
}

/// The values of an attribute in a finding, as text (numbers too, for sorting and grouping).
fn values(f: &Value, field: &str) -> Vec<String> {
    let Some((_, path)) = FIELDS.iter().find(|(n, _)| *n == field) else {
        return vec![];
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match path.split_once("/*") {
        Some((list, rest)) => f
            .pointer(list)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.pointer(rest).and_then(text))
                    .collect()
            })
            .unwrap_or_default(),
        None => f.pointer(path).and_then(text).into_iter().collect(),
    }
}

fn string_matches(have: &[String], cmp: &str, want: &str) -> bool {
    let any = |p: &dyn Fn(&str) -> bool| have.iter().any(|h| p(h));
    match cmp {
        "EQUALS" => any(&|h| h == want),
        "PREFIX" => any(&|h| h.starts_with(want)),
        "CONTAINS" => any(&|h| h.contains(want)),
        "NOT_EQUALS" => !any(&|h| h == want),
        "PREFIX_NOT_EQUALS" => !any(&|h| h.starts_with(want)),
        "NOT_CONTAINS" => !any(&|h| h.contains(want)),
        _ => false,
    }
}

/// Checks the filters and returns them as (attribute, comparison, value) per attribute.
type Parsed = Vec<(String, Vec<(String, String)>)>;

fn parse_filters(v: Option<&Value>) -> Result<Parsed, crate::util::ApiError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(vec![]);
    };
    let o = v
        .as_object()
        .ok_or_else(|| invalid("Filters must be an object"))?;
    if o.len() > 10 {
        return Err(invalid(format!(
            "Filters can use at most 10 finding attributes, got {}",
            o.len()
        )));
    }
    let mut out = Vec::new();
    for (field, list) in o {
        if !FIELDS.iter().any(|(n, _)| n == field) {
            return Err(invalid(format!(
                "the emulator does not filter on {field} (it serves {})",
                FIELDS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let list = list
            .as_array()
            .ok_or_else(|| invalid(format!("Filters.{field} must be a list")))?;
        if list.len() > 20 {
            return Err(invalid(format!(
                "Filters.{field} can have at most 20 values, got {}",
                list.len()
            )));
        }
        let mut entries = Vec::new();
        for e in list {
            let cmp = get_str(e, "Comparison")
                .ok_or_else(|| invalid(format!("Filters.{field}: Comparison is required")))?;
            if !matches!(
                cmp,
                "EQUALS"
                    | "PREFIX"
                    | "NOT_EQUALS"
                    | "PREFIX_NOT_EQUALS"
                    | "CONTAINS"
                    | "NOT_CONTAINS"
            ) {
                return Err(invalid(format!(
                    "Filters.{field}: unknown Comparison {cmp}"
                )));
            }
            let value = get_str(e, "Value")
                .ok_or_else(|| invalid(format!("Filters.{field}: Value is required")))?;
            entries.push((cmp.to_string(), value.to_string()));
        }
        let has = |c: &str| entries.iter().any(|(x, _)| x == c);
        if has("EQUALS") && (has("NOT_EQUALS") || has("PREFIX_NOT_EQUALS")) {
            return Err(invalid(format!(
                "Filters.{field}: EQUALS cannot be combined with NOT_EQUALS or PREFIX_NOT_EQUALS"
            )));
        }
        if has("CONTAINS") && has("NOT_CONTAINS") {
            return Err(invalid(format!(
                "Filters.{field}: CONTAINS cannot be combined with NOT_CONTAINS"
            )));
        }
        out.push((field.clone(), entries));
    }
    Ok(out)
}

fn matches(f: &Value, filters: &Parsed) -> bool {
    filters.iter().all(|(field, entries)| {
        let have = values(f, field);
        let positive: Vec<&(String, String)> = entries
            .iter()
            .filter(|(c, _)| matches!(c.as_str(), "EQUALS" | "PREFIX" | "CONTAINS"))
            .collect();
        let negative_ok = entries
            .iter()
            .filter(|(c, _)| !matches!(c.as_str(), "EQUALS" | "PREFIX" | "CONTAINS"))
            .all(|(c, v)| string_matches(&have, c, v));
        let positive_ok =
            positive.is_empty() || positive.iter().any(|(c, v)| string_matches(&have, c, v));
        negative_ok && positive_ok
    })
}

/// The findings the caller's scope sees, in seeding order.
fn visible<'a>(w: &'a mut World, cx: &Cx) -> Vec<&'a Value> {
    let home = own(w, cx)
        .aggregator
        .as_ref()
        .map(|a| (a.mode.clone(), a.regions.clone()));
    let admin = w.is_admin(AdminOf::SecurityHub, &cx.region, &cx.account);
    let region_seen = |r: &str| {
        r == cx.region
            || match &home {
                Some((mode, regions)) => match mode.as_str() {
                    "ALL_REGIONS" => true,
                    "ALL_REGIONS_EXCEPT_SPECIFIED" => !regions.iter().any(|x| x == r),
                    "SPECIFIED_REGIONS" => regions.iter().any(|x| x == r),
                    _ => false,
                },
                None => false,
            }
    };
    w.findings
        .iter()
        .filter(|f| {
            let account = f["AwsAccountId"].as_str().unwrap_or_default();
            let region = f["Region"].as_str().unwrap_or_default();
            (account == cx.account || admin) && region_seen(region)
        })
        .collect()
}

fn compare(a: &Value, b: &Value, field: &str) -> Ordering {
    let (x, y) = (values(a, field), values(b, field));
    match (
        x.first().and_then(|s| s.parse::<f64>().ok()),
        y.first().and_then(|s| s.parse::<f64>().ok()),
    ) {
        (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
        _ => x.cmp(&y),
    }
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let filters = parse_filters(i.body.get("Filters"))?;
    let mut sort = Vec::new();
    for c in i
        .body
        .get("SortCriteria")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field =
            get_str(c, "Field").ok_or_else(|| invalid("SortCriteria: Field is required"))?;
        if !FIELDS.iter().any(|(n, _)| *n == field) {
            return Err(invalid(format!("the emulator does not sort on {field}")));
        }
        let desc = match get_str(c, "SortOrder") {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(o) => return Err(invalid(format!("SortOrder must be asc or desc, got {o}"))),
        };
        sort.push((field.to_string(), desc));
    }
    let mut found: Vec<Value> = visible(w, cx)
        .into_iter()
        .filter(|f| matches(f, &filters))
        .cloned()
        .collect();
    // Stable: without criteria, seeding order (AWS documents no default order).
    found.sort_by(|a, b| {
        sort.iter()
            .map(|(field, desc)| {
                let o = compare(a, b, field);
                if *desc { o.reverse() } else { o }
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    let (items, next) = paged(
        &found,
        get_str(&i.body, "NextToken"),
        get_i64(&i.body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(object([("Findings", items.into())]), next))
}

/// `GET /insights/results/{InsightArn+}`: the insight's filters applied to what the caller
/// sees, counted per value of its group-by attribute (most first).
pub fn insight_results(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = i
        .label(0)
        .ok_or_else(|| invalid("InsightArn is required"))?
        .to_string();
    let (filters, group_by) = {
        let x = own(w, cx)
            .insights
            .iter()
            .find(|x| x.arn == arn)
            .ok_or_else(|| not_found(format!("Insight {arn} not found")))?;
        (x.filters.clone(), x.group_by.clone())
    };
    let parsed = parse_filters(Some(&filters))?;
    let mut counts: Vec<(String, u64)> = Vec::new();
    for f in visible(w, cx).into_iter().filter(|f| matches(f, &parsed)) {
        for v in values(f, &group_by) {
            match counts.iter_mut().find(|(k, _)| *k == v) {
                Some((_, n)) => *n += 1,
                None => counts.push((v, 1)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let values: Vec<Value> = counts
        .into_iter()
        .map(|(v, n)| json!({"GroupByAttributeValue": v, "Count": n}))
        .collect();
    Ok(json!({"InsightResults": {
        "InsightArn": arn,
        "GroupByAttribute": group_by,
        "ResultValues": values,
    }}))
}
