//! Custom insights (API.md §1.6): names are not unique, so they are kept in creation order and
//! found by their UUID ARN.

use serde_json::{Value, json};

use super::arn::insight_arn;
use super::state::Insight;
use super::{invalid, not_found, own, paged, required_label, required_str, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{self, ApiError, Res, get_i64, get_str, get_strs, object};
use crate::world::World;

/// Finding filters (also the automation rules' criteria): each attribute a list of filter
/// objects. Their contents are not checked.
pub(super) fn check_filters(v: &Value, what: &str) -> Result<(), ApiError> {
    let o = v
        .as_object()
        .ok_or_else(|| invalid(format!("{what} must be an object")))?;
    for (k, list) in o {
        let l = list
            .as_array()
            .ok_or_else(|| invalid(format!("{what}.{k} must be a list")))?;
        if l.iter().any(|x| !x.is_object()) {
            return Err(invalid(format!(
                "{what}.{k} must be a list of filter objects"
            )));
        }
    }
    Ok(())
}

fn insight_json(x: &Insight) -> Value {
    json!({ "InsightArn": x.arn, "Name": x.name, "Filters": x.filters, "GroupByAttribute": x.group_by })
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let name = required_str(body, "Name")?.to_string();
    let group_by = required_str(body, "GroupByAttribute")?.to_string();
    let filters = util::get(body, "Filters")
        .cloned()
        .ok_or_else(|| invalid("Filters is required"))?;
    check_filters(&filters, "Filters")?;
    let arn = insight_arn(&cx.region, &cx.account, &w.next_uuid());
    own(w, cx).insights.push(Insight {
        arn: arn.clone(),
        name,
        filters,
        group_by,
    });
    Ok(json!({ "InsightArn": arn }))
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let arn = required_label(i, "InsightArn")?;
    if let Some(f) = util::get(body, "Filters") {
        check_filters(f, "Filters")?;
    }
    let s = own(w, cx);
    let x = s
        .insights
        .iter_mut()
        .find(|x| x.arn == arn)
        .ok_or_else(|| not_found(format!("Insight {arn} not found")))?;
    if let Some(n) = get_str(body, "Name") {
        x.name = n.to_string();
    }
    if let Some(f) = util::get(body, "Filters") {
        x.filters = f.clone();
    }
    if let Some(g) = get_str(body, "GroupByAttribute") {
        x.group_by = g.to_string();
    }
    Ok(json!({}))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = required_label(i, "InsightArn")?;
    let s = own(w, cx);
    let before = s.insights.len();
    s.insights.retain(|x| x.arn != arn);
    if s.insights.len() == before {
        return Err(not_found(format!("Insight {arn} not found")));
    }
    Ok(json!({ "InsightArn": arn }))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let arns = get_strs(body, "InsightArns").filter(|a| !a.is_empty());
    let s = own(w, cx);
    let all: Vec<Value> = match &arns {
        None => s.insights.iter().map(insight_json).collect(),
        Some(arns) => {
            let mut out = Vec::new();
            for a in arns {
                let x = s
                    .insights
                    .iter()
                    .find(|x| &x.arn == a)
                    .ok_or_else(|| not_found(format!("Insight {a} not found")))?;
                out.push(insight_json(x));
            }
            out
        }
    };
    let (items, next) = paged(
        &all,
        get_str(body, "NextToken"),
        get_i64(body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(object([("Insights", items.into())]), next))
}
