//! `control-parameters/<id>`: a control's custom parameter values. Each goes out as the
//! `ParameterValue` member the catalog's definition names (`Enum`, `EnumList`, `Double`, …);
//! only parameters with `ValueType` CUSTOM are read as set, and a custom value the policy no
//! longer names is put back to DEFAULT.

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{ParameterConfiguration, ParameterValue, ParameterValueType};
use serde_json::{Value, json};

use super::Sh;
use super::standard::Ready;
use crate::model::Change;
use crate::model::catalog::{ParameterType, catalog};
use crate::model::resource::{ControlParametersValue, whole_numbers};
use crate::model::state::ScopeState;
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, fail, sdk_error, value_of};

pub(super) async fn read(
    sh: &Sh<'_>,
    ready: &[Ready],
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    // Only controls that take parameters can have custom values.
    let mut ids: Vec<&str> = ready
        .iter()
        .flat_map(|(s, _)| {
            catalog()
                .controls_in(s)
                .filter(|c| !c.parameters.is_empty())
                .map(|c| c.id.as_str())
        })
        .collect();
    ids.sort();
    ids.dedup();
    for chunk in ids.chunks(100) {
        sh.gate("BatchGetSecurityControls").await;
        let res = sh
            .client
            .batch_get_security_controls()
            .set_security_control_ids(Some(chunk.iter().map(|s| s.to_string()).collect()))
            .send()
            .await
            .map_err(|e| sdk_error(sh.target(), e))?;
        // Not found means AWS does not offer the control here: recorded on the standards that
        // hold it, as their association read does. Anything else leaves the state unknown.
        for u in res.unprocessed_ids() {
            let code = u.error_code().map(|c| c.as_str()).unwrap_or("");
            if !matches!(code, "RESOURCE_NOT_FOUND" | "NOT_FOUND") {
                return Err(ProviderError::new(
                    sh.target(),
                    Some(code),
                    u.error_reason().unwrap_or("security control not readable"),
                ));
            }
            let Some(id) = u.security_control_id() else {
                continue;
            };
            for (short, _) in ready {
                if catalog().controls_in(short).any(|c| c.id == id) {
                    out.controls
                        .entry(short.clone())
                        .or_default()
                        .unavailable
                        .insert(id.to_string());
                }
            }
        }
        for c in res.security_controls() {
            let (Some(id), Some(params)) = (c.security_control_id(), c.parameters()) else {
                continue;
            };
            // A parameter at its default is not a custom value, whatever `Value` AWS shows
            // with it.
            let parameters: BTreeMap<String, Value> = params
                .iter()
                .filter(|(_, v)| v.value_type() == Some(&ParameterValueType::Custom))
                .filter_map(|(k, v)| v.value().map(|x| (k.clone(), parameter_json(x))))
                .collect();
            if parameters.is_empty() {
                continue;
            }
            out.insert(
                Kind::ControlParameters,
                Some(id.to_string()),
                Resource::ControlParameters(ControlParametersValue { parameters }),
            );
        }
    }
    Ok(())
}

/// Sets the policy's values, each as the member of `ParameterValue` its definition names,
/// and puts back to AWS's default every custom value the policy no longer names.
pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let v = value_of!(c, ControlParameters);
    let id = c.address.id.clone().unwrap_or_default();
    let Some(def) = catalog().control(&id) else {
        return Err(fail(
            c,
            None,
            format!("control `{id}` is not in the catalog"),
        ));
    };
    let mut req = sh
        .client
        .update_security_control()
        .security_control_id(&id)
        .last_update_reason("Managed by shubctl");
    for (name, value) in &v.parameters {
        let pv = def
            .parameters
            .get(name)
            .ok_or_else(|| fail(c, None, format!("control `{id}` has no parameter `{name}`")))
            .and_then(|d| {
                parameter_value(d.value_type, value).ok_or_else(|| {
                    fail(
                        c,
                        None,
                        format!("parameter `{name}` is not a {}", d.value_type.as_str()),
                    )
                })
            })?;
        req = req.parameters(
            name,
            ParameterConfiguration::builder()
                .value_type(ParameterValueType::Custom)
                .value(pv)
                .build(),
        );
    }
    let before = c
        .before
        .as_ref()
        .and_then(|b| b.get("parameters"))
        .and_then(Value::as_object);
    for name in before.into_iter().flat_map(|b| b.keys()) {
        if !v.parameters.contains_key(name) {
            req = req.parameters(
                name,
                ParameterConfiguration::builder()
                    .value_type(ParameterValueType::Default)
                    .build(),
            );
        }
    }
    sh.gate("UpdateSecurityControl").await;
    req.send()
        .await
        .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
    Ok(())
}

/// A value as read: the member tells the type; whole doubles read as integers (the policy
/// writes `24` for 24.0).
pub(super) fn parameter_json(v: &ParameterValue) -> Value {
    use ParameterValue as P;
    match v {
        P::Integer(i) => json!(i),
        P::IntegerList(l) => json!(l),
        P::Double(d) => whole_numbers(json!(d)),
        P::String(s) | P::Enum(s) => json!(s),
        P::StringList(l) | P::EnumList(l) => json!(l),
        P::Boolean(b) => json!(b),
        _ => Value::Null,
    }
}

/// The value in the member its definition names (enum values are strings, even `"365"`).
pub(super) fn parameter_value(t: ParameterType, v: &Value) -> Option<ParameterValue> {
    use ParameterType as T;
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let list = |v: &Value| v.as_array().cloned();
    Some(match t {
        T::Boolean => ParameterValue::Boolean(v.as_bool()?),
        T::Integer => ParameterValue::Integer(i32::try_from(v.as_i64()?).ok()?),
        T::Double => ParameterValue::Double(v.as_f64()?),
        T::String => ParameterValue::String(text(v)?),
        T::Enum => ParameterValue::Enum(text(v)?),
        T::IntegerList => ParameterValue::IntegerList(
            list(v)?
                .iter()
                .map(|i| i.as_i64().and_then(|x| i32::try_from(x).ok()))
                .collect::<Option<_>>()?,
        ),
        T::StringList => {
            ParameterValue::StringList(list(v)?.iter().map(text).collect::<Option<_>>()?)
        }
        T::EnumList => ParameterValue::EnumList(list(v)?.iter().map(text).collect::<Option<_>>()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_go_out_as_their_definition_s_member_and_read_back_the_same() {
        let cases = [
            (
                ParameterType::Enum,
                json!("365"),
                ParameterValue::Enum("365".into()),
            ),
            (
                ParameterType::Enum,
                json!(2),
                ParameterValue::Enum("2".into()),
            ),
            (
                ParameterType::Double,
                json!(24),
                ParameterValue::Double(24.0),
            ),
            (
                ParameterType::Double,
                json!(0.5),
                ParameterValue::Double(0.5),
            ),
            (
                ParameterType::Integer,
                json!(90),
                ParameterValue::Integer(90),
            ),
            (
                ParameterType::EnumList,
                json!(["agent", "error"]),
                ParameterValue::EnumList(vec!["agent".into(), "error".into()]),
            ),
            (
                ParameterType::IntegerList,
                json!([80, 443]),
                ParameterValue::IntegerList(vec![80, 443]),
            ),
            (
                ParameterType::Boolean,
                json!(true),
                ParameterValue::Boolean(true),
            ),
        ];
        for (t, v, want) in cases {
            let got = parameter_value(t, &v).unwrap();
            assert_eq!(got, want, "{t:?} {v}");
            let back = parameter_json(&got);
            let canonical = if t == ParameterType::Enum {
                json!(v.to_string().trim_matches('"'))
            } else {
                v.clone()
            };
            assert_eq!(back, canonical, "{t:?}");
        }
        assert!(parameter_value(ParameterType::Integer, &json!(1.5)).is_none());
        assert!(parameter_value(ParameterType::Boolean, &json!("true")).is_none());
    }
}
