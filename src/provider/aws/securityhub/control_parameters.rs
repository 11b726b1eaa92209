//! `control-parameters/<id>`: a control's custom parameter values (only those the policy names
//! are managed).

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{ParameterConfiguration, ParameterValue, ParameterValueType};
use serde_json::{Value, json};

use super::Sh;
use super::standard::Ready;
use crate::model::Change;
use crate::model::catalog::catalog;
use crate::model::resource::ControlParametersValue;
use crate::model::state::ScopeState;
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, fail, sdk_error, value_of};

pub(super) async fn read(
    sh: &Sh<'_>,
    ready: &[Ready],
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    let mut ids: Vec<&str> = ready
        .iter()
        .flat_map(|(s, _)| catalog().controls_in(s).map(|c| c.id.as_str()))
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
        for c in res.security_controls() {
            let (Some(id), Some(params)) = (c.security_control_id(), c.parameters()) else {
                continue;
            };
            if params.is_empty() {
                continue;
            }
            let parameters: BTreeMap<String, Value> = params
                .iter()
                .filter_map(|(k, v)| v.value().map(|x| (k.clone(), parameter_json(x))))
                .collect();
            out.insert(
                Kind::ControlParameters,
                Some(id.to_string()),
                Resource::ControlParameters(ControlParametersValue { parameters }),
            );
        }
    }
    Ok(())
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let v = value_of!(c, ControlParameters);
    let id = c.address.id.clone().unwrap_or_default();
    let mut req = sh
        .client
        .update_security_control()
        .security_control_id(&id)
        .last_update_reason("Managed by shubctl");
    for (name, v) in &v.parameters {
        let pv = parameter_value(v).ok_or_else(|| {
            fail(
                c,
                None,
                format!("parameter `{name}` has a value of a type Security Hub does not take"),
            )
        })?;
        req = req.parameters(
            name,
            ParameterConfiguration::builder()
                .value_type(ParameterValueType::Custom)
                .value(pv)
                .build(),
        );
    }
    sh.gate("UpdateSecurityControl").await;
    req.send()
        .await
        .map_err(|e| sdk_error(Target::Address(c.address.clone()), e))?;
    Ok(())
}

fn parameter_json(v: &ParameterValue) -> Value {
    use ParameterValue as P;
    match v {
        P::Integer(i) => json!(i),
        P::IntegerList(l) => json!(l),
        P::Double(d) => json!(d),
        P::String(s) | P::Enum(s) => json!(s),
        P::StringList(l) | P::EnumList(l) => json!(l),
        P::Boolean(b) => json!(b),
        _ => Value::Null,
    }
}

fn parameter_value(v: &Value) -> Option<ParameterValue> {
    Some(match v {
        Value::Bool(b) => ParameterValue::Boolean(*b),
        Value::Number(n) if n.is_i64() => ParameterValue::Integer(i32::try_from(n.as_i64()?).ok()?),
        Value::Number(n) => ParameterValue::Double(n.as_f64()?),
        Value::String(s) => ParameterValue::String(s.clone()),
        Value::Array(items) if items.iter().all(Value::is_i64) => ParameterValue::IntegerList(
            items
                .iter()
                .filter_map(|i| i.as_i64().and_then(|x| i32::try_from(x).ok()))
                .collect(),
        ),
        Value::Array(items) => ParameterValue::StringList(
            items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect(),
        ),
        _ => return None,
    })
}
