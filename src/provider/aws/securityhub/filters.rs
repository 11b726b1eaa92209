//! JSON ↔ SDK conversions of single filters and of automation-rule actions. The JSON form is
//! AWS's own (the model stores filters exactly as the API takes them).

use aws_sdk_securityhub::types::{self, *};
// The SDK has a `Result` type of its own; ours is the standard one.
use serde_json::{Map, Number, Value, json};
use std::result::Result;

pub(super) fn list<T>(v: &Value, f: fn(&Value) -> Result<T, String>) -> Result<Vec<T>, String> {
    v.as_array()
        .ok_or_else(|| format!("expected a list of filters, found {v}"))?
        .iter()
        .map(f)
        .collect()
}

pub(super) fn put(m: &mut Map<String, Value>, key: &str, items: Vec<Value>) {
    if !items.is_empty() {
        m.insert(key.to_string(), Value::Array(items));
    }
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// Whole numbers come back from the API as doubles; keep them integers so they compare equal
/// to what the policy wrote.
fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        json!(x as i64)
    } else {
        Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

pub(super) fn stringfilter_from_json(v: &Value) -> Result<StringFilter, String> {
    Ok(StringFilter::builder()
        .set_value(s(v, "Value").map(str::to_string))
        .set_comparison(s(v, "Comparison").map(StringFilterComparison::from))
        .build())
}
pub(super) fn stringfilter_to_json(f: &StringFilter) -> Value {
    let mut m = Map::new();
    if let Some(c) = f.comparison() {
        m.insert("Comparison".into(), json!(c.as_str()));
    }
    if let Some(x) = f.value() {
        m.insert("Value".into(), json!(x));
    }
    Value::Object(m)
}

pub(super) fn numberfilter_from_json(v: &Value) -> Result<NumberFilter, String> {
    let g = |k: &str| v.get(k).and_then(Value::as_f64);
    Ok(NumberFilter::builder()
        .set_eq(g("Eq"))
        .set_gte(g("Gte"))
        .set_lte(g("Lte"))
        .set_gt(g("Gt"))
        .set_lt(g("Lt"))
        .build())
}
pub(super) fn numberfilter_to_json(f: &NumberFilter) -> Value {
    let mut m = Map::new();
    for (k, x) in [
        ("Eq", f.eq()),
        ("Gt", f.gt()),
        ("Gte", f.gte()),
        ("Lt", f.lt()),
        ("Lte", f.lte()),
    ] {
        if let Some(x) = x {
            m.insert(k.into(), num(x));
        }
    }
    Value::Object(m)
}

pub(super) fn datefilter_from_json(v: &Value) -> Result<DateFilter, String> {
    let range = v.get("DateRange").map(|r| {
        DateRange::builder()
            .set_value(r.get("Value").and_then(Value::as_i64).map(|x| x as i32))
            .set_unit(s(r, "Unit").map(DateRangeUnit::from))
            .set_comparison(s(r, "Comparison").map(DateRangeComparison::from))
            .build()
    });
    Ok(DateFilter::builder()
        .set_start(s(v, "Start").map(str::to_string))
        .set_end(s(v, "End").map(str::to_string))
        .set_date_range(range)
        .build())
}
pub(super) fn datefilter_to_json(f: &DateFilter) -> Value {
    let mut m = Map::new();
    if let Some(r) = f.date_range() {
        let mut rm = Map::new();
        if let Some(c) = r.comparison() {
            rm.insert("Comparison".into(), json!(c.as_str()));
        }
        if let Some(u) = r.unit() {
            rm.insert("Unit".into(), json!(u.as_str()));
        }
        if let Some(x) = r.value() {
            rm.insert("Value".into(), json!(x));
        }
        m.insert("DateRange".into(), Value::Object(rm));
    }
    if let Some(x) = f.end() {
        m.insert("End".into(), json!(x));
    }
    if let Some(x) = f.start() {
        m.insert("Start".into(), json!(x));
    }
    Value::Object(m)
}

pub(super) fn mapfilter_from_json(v: &Value) -> Result<MapFilter, String> {
    Ok(MapFilter::builder()
        .set_key(s(v, "Key").map(str::to_string))
        .set_value(s(v, "Value").map(str::to_string))
        .set_comparison(s(v, "Comparison").map(MapFilterComparison::from))
        .build())
}
pub(super) fn mapfilter_to_json(f: &MapFilter) -> Value {
    let mut m = Map::new();
    if let Some(c) = f.comparison() {
        m.insert("Comparison".into(), json!(c.as_str()));
    }
    if let Some(x) = f.key() {
        m.insert("Key".into(), json!(x));
    }
    if let Some(x) = f.value() {
        m.insert("Value".into(), json!(x));
    }
    Value::Object(m)
}

pub(super) fn ipfilter_from_json(v: &Value) -> Result<IpFilter, String> {
    Ok(IpFilter::builder()
        .set_cidr(s(v, "Cidr").map(str::to_string))
        .build())
}
pub(super) fn ipfilter_to_json(f: &IpFilter) -> Value {
    json!({"Cidr": f.cidr()})
}

pub(super) fn booleanfilter_from_json(v: &Value) -> Result<BooleanFilter, String> {
    Ok(BooleanFilter::builder()
        .set_value(v.get("Value").and_then(Value::as_bool))
        .build())
}
pub(super) fn booleanfilter_to_json(f: &BooleanFilter) -> Value {
    json!({"Value": f.value()})
}

pub(super) fn keywordfilter_from_json(v: &Value) -> Result<KeywordFilter, String> {
    Ok(KeywordFilter::builder()
        .set_value(s(v, "Value").map(str::to_string))
        .build())
}
pub(super) fn keywordfilter_to_json(f: &KeywordFilter) -> Value {
    json!({"Value": f.value()})
}

/// The single action of an automation rule, from the `FindingFieldsUpdate` JSON.
pub fn rule_action_from_json(v: &Value) -> Result<types::AutomationRulesAction, String> {
    let mut u = AutomationRulesFindingFieldsUpdate::builder();
    if let Some(n) = v.get("Note") {
        u = u.note(
            NoteUpdate::builder()
                .set_text(s(n, "Text").map(str::to_string))
                .set_updated_by(s(n, "UpdatedBy").map(str::to_string))
                .build(),
        );
    }
    if let Some(l) = v.pointer("/Severity/Label").and_then(Value::as_str) {
        u = u.severity(
            SeverityUpdate::builder()
                .label(SeverityLabel::from(l))
                .build(),
        );
    }
    if let Some(w) = v.pointer("/Workflow/Status").and_then(Value::as_str) {
        u = u.workflow(
            WorkflowUpdate::builder()
                .status(WorkflowStatus::from(w))
                .build(),
        );
    }
    if let Some(x) = s(v, "VerificationState") {
        u = u.verification_state(VerificationState::from(x));
    }
    if let Some(x) = v.get("Confidence").and_then(Value::as_i64) {
        u = u.confidence(x as i32);
    }
    if let Some(x) = v.get("Criticality").and_then(Value::as_i64) {
        u = u.criticality(x as i32);
    }
    if let Some(ts) = v.get("Types").and_then(Value::as_array) {
        u = u.set_types(Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ));
    }
    if let Some(m) = v.get("UserDefinedFields").and_then(Value::as_object) {
        u = u.set_user_defined_fields(Some(
            m.iter()
                .map(|(k, x)| (k.clone(), x.as_str().unwrap_or_default().to_string()))
                .collect(),
        ));
    }
    Ok(AutomationRulesAction::builder()
        .r#type(AutomationRulesActionType::FindingFieldsUpdate)
        .finding_fields_update(u.build())
        .build())
}

pub fn rule_action_to_json(a: &types::AutomationRulesAction) -> Value {
    let mut m = Map::new();
    let Some(u) = a.finding_fields_update() else {
        return Value::Object(m);
    };
    if let Some(n) = u.note() {
        m.insert(
            "Note".into(),
            json!({"Text": n.text(), "UpdatedBy": n.updated_by()}),
        );
    }
    if let Some(l) = u.severity().and_then(|s| s.label()) {
        m.insert("Severity".into(), json!({"Label": l.as_str()}));
    }
    if let Some(w) = u.workflow().and_then(|w| w.status()) {
        m.insert("Workflow".into(), json!({"Status": w.as_str()}));
    }
    if let Some(x) = u.verification_state() {
        m.insert("VerificationState".into(), json!(x.as_str()));
    }
    if let Some(x) = u.confidence() {
        m.insert("Confidence".into(), json!(x));
    }
    if let Some(x) = u.criticality() {
        m.insert("Criticality".into(), json!(x));
    }
    if !u.types().is_empty() {
        m.insert("Types".into(), json!(u.types()));
    }
    if let Some(f) = u.user_defined_fields() {
        let sorted: std::collections::BTreeMap<_, _> = f.iter().collect();
        m.insert("UserDefinedFields".into(), json!(sorted));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::super::filters_gen::*;
    use super::*;

    /// What the policy's filters become in the model survives the SDK types both ways.
    #[test]
    fn filters_round_trip_through_the_sdk_types() {
        let v = json!({
            "SeverityLabel": [{"Comparison": "EQUALS", "Value": "CRITICAL"}],
            "Confidence": [{"Gte": 40}],
            "UpdatedAt": [{"DateRange": {"Unit": "DAYS", "Value": 7}}],
            "ResourceTags": [{"Comparison": "EQUALS", "Key": "env", "Value": "prod"}],
            "NetworkSourceIpV4": [{"Cidr": "10.0.0.0/8"}],
            "Sample": [{"Value": false}],
            "Type": [{"Comparison": "PREFIX", "Value": "Software"}]
        });
        let typed = finding_filters_from_json(&v).unwrap();
        assert_eq!(finding_filters_to_json(&typed), v);
        let c = json!({"ComplianceSecurityControlId": [{"Comparison": "EQUALS", "Value": "IAM.4"}], "RecordState": [{"Comparison": "EQUALS", "Value": "ACTIVE"}]});
        assert_eq!(
            rule_criteria_to_json(&rule_criteria_from_json(&c).unwrap()),
            c
        );
        assert!(finding_filters_from_json(&json!({"Nope": []})).is_err());
    }

    #[test]
    fn every_policy_filter_field_is_known_to_the_sdk() {
        for f in crate::model::finding_fields::all_field_names() {
            assert!(
                FINDING_FILTER_FIELDS.contains(&f),
                "{f} missing from the SDK's AwsSecurityFindingFilters"
            );
        }
    }

    #[test]
    fn rule_actions_round_trip() {
        let v = json!({"Note": {"Text": "x", "UpdatedBy": "shubctl"}, "Severity": {"Label": "CRITICAL"}, "Workflow": {"Status": "SUPPRESSED"}});
        assert_eq!(rule_action_to_json(&rule_action_from_json(&v).unwrap()), v);
    }
}
