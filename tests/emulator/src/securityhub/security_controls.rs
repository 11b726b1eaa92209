//! Security controls across standards (API.md §1.3): their status, and their parameters as
//! `ParameterConfiguration` values, checked against each control's parameter definitions.

use serde_json::{Map, Value, json};
use shubctl::model::catalog::{ParameterDef, ParameterType, catalog};

use super::arn::{StandardArns, security_control_arn};
use super::{invalid, not_found, own, query_max, required_str, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get, get_str, get_strs, object, put_opt};
use crate::world::World;

fn control_id_of(s: &str) -> String {
    if s.starts_with("arn:") {
        s.rsplit('/').next().unwrap_or(s).to_string()
    } else {
        s.to_string()
    }
}

pub fn batch_get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let ids = get_strs(body, "SecurityControlIds")
        .ok_or_else(|| invalid("SecurityControlIds is required"))?;
    let st = own(w, cx);
    let (mut found, mut unprocessed) = (Vec::new(), Vec::new());
    for raw in ids {
        let id = control_id_of(&raw);
        let Some(def) = catalog().control(&id).filter(|_| cx.offers_control(&id)) else {
            unprocessed.push(json!({ "SecurityControlId": raw, "ErrorCode": "RESOURCE_NOT_FOUND", "ErrorReason": format!("Security control {id} not found") }));
            continue;
        };
        let enabled = def.standards.iter().any(|std| {
            st.standards
                .get(std)
                .is_some_and(|sub| sub.deleting_until.is_none())
                && st.assoc(std, &id).is_none_or(|a| a.status == "ENABLED")
        });
        let p = st.params.get(&id);
        let mut m = Map::new();
        m.insert("SecurityControlId".into(), json!(id));
        m.insert(
            "SecurityControlArn".into(),
            json!(security_control_arn(&cx.region, &cx.account, &id)),
        );
        m.insert("Title".into(), json!(def.title));
        m.insert("Description".into(), json!(def.title));
        m.insert(
            "RemediationUrl".into(),
            json!(format!(
                "https://docs.aws.amazon.com/console/securityhub/{id}/remediation"
            )),
        );
        m.insert("SeverityRating".into(), json!("MEDIUM"));
        m.insert(
            "SecurityControlStatus".into(),
            json!(if enabled { "ENABLED" } else { "DISABLED" }),
        );
        m.insert("UpdateStatus".into(), json!("READY"));
        // Every parameter the control takes: the custom ones as set, the others DEFAULT with
        // AWS's default value (whether AWS shows a Value with DEFAULT is undocumented; showing
        // it is the stricter choice, as a reader must not take it for a custom value).
        let params: Map<String, Value> = def
            .parameters
            .iter()
            .map(|(name, pd)| {
                let conf = p
                    .and_then(|p| p.params.get(name))
                    .cloned()
                    .unwrap_or_else(|| {
                        let mut c = json!({ "ValueType": "DEFAULT" });
                        if let Some(d) = &pd.default {
                            c["Value"] = json!({ pd.value_type.as_str(): d });
                        }
                        c
                    });
                (name.clone(), conf)
            })
            .collect();
        m.insert("Parameters".into(), Value::Object(params));
        put_opt(
            &mut m,
            "LastUpdateReason",
            p.and_then(|p| p.last_update_reason.clone()),
        );
        found.push(Value::Object(m));
    }
    let mut out = object([("SecurityControls", found.into())]);
    if !unprocessed.is_empty() {
        out["UnprocessedIds"] = unprocessed.into();
    }
    Ok(out)
}

const PARAMETER_VALUE_MEMBERS: [&str; 8] = [
    "Integer",
    "IntegerList",
    "Double",
    "String",
    "StringList",
    "Boolean",
    "Enum",
    "EnumList",
];

/// A CUSTOM value against the parameter's definition, as AWS checks it: the union member must
/// be the parameter's type, and the value within its range, allowed values and item count
/// ("an InvalidInputException response for invalid parameter values").
fn check_value(
    id: &str,
    name: &str,
    pd: &ParameterDef,
    v: &Map<String, Value>,
) -> Result<(), ApiError> {
    let (member, value) = v.iter().next().expect("one member");
    let t = pd.value_type;
    if member != t.as_str() {
        return Err(invalid(format!(
            "Invalid parameter value for {name} of {id}: the parameter is of type {}, not {member}",
            t.as_str()
        )));
    }
    // On the wire enum values are strings, never numbers.
    let strings = |v: &Value| match v {
        Value::Array(items) => items.iter().all(Value::is_string),
        other => other.is_string(),
    };
    if matches!(
        t,
        ParameterType::Enum
            | ParameterType::EnumList
            | ParameterType::String
            | ParameterType::StringList
    ) && !strings(value)
    {
        return Err(invalid(format!(
            "Invalid parameter value for {name} of {id}: {member} takes strings"
        )));
    }
    pd.check(value)
        .map(|_| ())
        .map_err(|e| invalid(format!("Invalid parameter value for {name} of {id}: {e}")))
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let id = control_id_of(required_str(body, "SecurityControlId")?);
    let params = get(body, "Parameters")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("Parameters is required"))?;
    if let Some(reason) = get_str(body, "LastUpdateReason") {
        let ok = !reason.is_empty()
            && reason.chars().all(|c| {
                !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ')
            });
        if !ok {
            return Err(invalid(format!(
                "LastUpdateReason `{reason}` must match ^([^\\u0000-\\u007F]|[-_ a-zA-Z0-9])+$ (letters, digits, space, - and _ only)"
            )));
        }
    }
    let Some(def) = catalog().control(&id).filter(|_| cx.offers_control(&id)) else {
        return Err(not_found(format!("Security control {id} not found")));
    };
    if params.is_empty() {
        return Err(invalid("Parameters must not be empty"));
    }
    for (name, conf) in params {
        let Some(pd) = def.parameters.get(name) else {
            return Err(invalid(format!(
                "Invalid parameter {name} for security control {id}"
            )));
        };
        match get_str(conf, "ValueType") {
            Some("DEFAULT") => {}
            Some("CUSTOM") => {
                let v = get(conf, "Value")
                    .and_then(Value::as_object)
                    .ok_or_else(|| {
                        invalid(format!("Parameter {name}: Value is required for CUSTOM"))
                    })?;
                if v.len() != 1
                    || !PARAMETER_VALUE_MEMBERS
                        .contains(&v.keys().next().map(String::as_str).unwrap_or_default())
                {
                    return Err(invalid(format!(
                        "Parameter {name}: Value must set exactly one of {}",
                        PARAMETER_VALUE_MEMBERS.join(", ")
                    )));
                }
                check_value(&id, name, pd, v)?;
            }
            _ => {
                return Err(invalid(format!(
                    "Parameter {name}: ValueType must be DEFAULT or CUSTOM"
                )));
            }
        }
    }
    let s = own(w, cx);
    let entry = s.params.entry(id.clone()).or_default();
    for (name, conf) in params {
        if get_str(conf, "ValueType") == Some("DEFAULT") {
            entry.params.remove(name);
        } else {
            entry.params.insert(
                name.clone(),
                json!({ "ValueType": "CUSTOM", "Value": conf["Value"] }),
            );
        }
    }
    if let Some(r) = get_str(body, "LastUpdateReason") {
        entry.last_update_reason = Some(r.to_string());
    }
    if entry.params.is_empty() && entry.last_update_reason.is_none() {
        s.params.remove(&id);
    }
    Ok(json!({}))
}

/// A parameter's `ConfigurationOptions` union: the member of its type with the catalog's bounds.
fn configuration_options(pd: &ParameterDef) -> Value {
    let mut m = Map::new();
    put_opt(&mut m, "DefaultValue", pd.default.clone());
    put_opt(&mut m, "Min", pd.min.clone().map(Value::Number));
    put_opt(&mut m, "Max", pd.max.clone().map(Value::Number));
    put_opt(&mut m, "MaxItems", pd.max_items.map(|n| json!(n)));
    put_opt(
        &mut m,
        "AllowedValues",
        pd.allowed_values.clone().map(|v| json!(v)),
    );
    json!({ pd.value_type.as_str(): m })
}

/// ListSecurityControlDefinitions: the catalog's controls and the newer ones AWS defines beyond
/// it (of one standard, with `StandardsArn`), with their availability in the region;
/// MaxResults 1–100, default 25.
pub fn list_definitions(_: &mut World, cx: &Cx, i: &Input) -> Res {
    let std = match i.query("StandardsArn").filter(|s| !s.is_empty()) {
        Some(arn) => Some(
            StandardArns::in_region(&cx.region)
                .find(arn)
                .ok_or_else(|| invalid(format!("{arn} is not a valid standard")))?,
        ),
        None => None,
    };
    let max = query_max(i)?;
    if max.is_some_and(|m| !(1..=100).contains(&m)) {
        return Err(invalid("MaxResults must be between 1 and 100"));
    }
    // Providers (AWS | Azure): every definition here evaluates AWS resources, so a filter
    // without AWS lists none.
    let providers = i.req.query_all("Providers");
    if let Some(p) = providers
        .iter()
        .find(|p| !matches!(p.as_str(), "AWS" | "Azure"))
    {
        return Err(invalid(format!("{p} is not a valid provider (AWS, Azure)")));
    }
    let aws = providers.is_empty() || providers.iter().any(|p| p == "AWS");
    let definition =
        |id: &str,
         title: &str,
         params: Option<&std::collections::BTreeMap<String, ParameterDef>>| {
            let mut m = Map::new();
            m.insert("SecurityControlId".into(), json!(id));
            m.insert("Title".into(), json!(title));
            m.insert("Description".into(), json!(title));
            m.insert(
                "RemediationUrl".into(),
                json!(format!(
                    "https://docs.aws.amazon.com/console/securityhub/{id}/remediation"
                )),
            );
            m.insert("SeverityRating".into(), json!("MEDIUM"));
            m.insert("Provider".into(), json!("AWS"));
            m.insert(
                "CurrentRegionAvailability".into(),
                json!(if cx.offers_control(id) {
                    "AVAILABLE"
                } else {
                    "UNAVAILABLE"
                }),
            );
            let params = params.filter(|p| !p.is_empty());
            m.insert(
                "CustomizableProperties".into(),
                json!(if params.is_some() {
                    vec!["Parameters"]
                } else {
                    vec![]
                }),
            );
            if let Some(p) = params {
                let defs: Map<String, Value> = p
                .iter()
                .map(|(name, pd)| {
                    (
                        name.clone(),
                        json!({ "Description": name, "ConfigurationOptions": configuration_options(pd) }),
                    )
                })
                .collect();
                m.insert("ParameterDefinitions".into(), Value::Object(defs));
            }
            Value::Object(m)
        };
    let mut all: Vec<Value> = catalog()
        .controls
        .iter()
        .filter(|c| aws && std.is_none_or(|s| c.standards.contains(&s.id)))
        .map(|c| definition(&c.id, &c.title, Some(&c.parameters)))
        .collect();
    all.extend(
        cx.cfg
            .newer_controls
            .iter()
            .filter(|(id, stds)| {
                aws && catalog().control(id).is_none() && std.is_none_or(|s| stds.contains(&s.id))
            })
            .map(|(id, _)| definition(id, &format!("{id} (newer than the catalog)"), None)),
    );
    let (items, next) = crate::util::page(
        &all,
        i.query("NextToken"),
        max.or(Some(25)),
        100,
        cx.cfg.definitions_page_size,
        invalid,
    )?;
    Ok(with_token(
        object([("SecurityControlDefinitions", items.into())]),
        next,
    ))
}
