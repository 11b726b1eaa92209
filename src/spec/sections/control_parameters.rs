//! `control_parameters:` — custom parameter values of controls that take them. Only the
//! parameters named are managed.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Section;
use super::select::{control_id, duplicates};
use crate::model::DesiredScope;
use crate::model::resource::ControlParametersValue;
use crate::model::{AccountId, Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::Expansion;
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlParameters {
    /// Security-control ID.
    pub control: String,
    /// Parameter name to value (integer, number, string, boolean, or a list of them).
    pub parameters: BTreeMap<String, Value>,
}

pub const KINDS: &[Kind] = &[Kind::ControlParameters];

#[derive(Debug, Clone)]
pub struct Checked {
    /// Control ID → parameter name → value.
    pub controls: Vec<(String, BTreeMap<String, Value>)>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let list = c.control_parameters.as_ref()?;
    duplicates(
        c,
        list,
        |p| p.control.clone(),
        "/control",
        "parameters for control",
        Code::DuplicateParameters,
        d,
    );
    let mut controls = Vec::new();
    for p in list {
        let known = control_id(&p.value.control, &c.pos(p, "/control"), d);
        if p.value.parameters.is_empty() {
            d.error(
                &c.pos(p, "/parameters"),
                Code::NoParameters,
                "no parameters given",
            );
        }
        for (name, v) in &p.value.parameters {
            let ok = match v {
                Value::Array(items) => items.iter().all(|i| i.is_string() || i.is_number()),
                Value::Object(_) | Value::Null => false,
                _ => true,
            };
            if !ok {
                d.error(
                    &c.pos(p, &format!("/parameters/{name}")),
                    Code::BadParameterValue,
                    format!("parameter `{name}` must be a number, string, boolean or a list of numbers or strings"),
                );
            }
        }
        if known {
            controls.push((p.value.control.clone(), p.value.parameters.clone()));
        }
    }
    Some(Checked { controls })
}

impl Section for Checked {
    fn scope(&self, x: &Expansion<'_>, _acct: &AccountId, _r: &str, out: &mut DesiredScope) {
        for (control, parameters) in &self.controls {
            out.read(Kind::ControlParameters);
            if x.policy.hub_enabled() {
                out.want(
                    Kind::ControlParameters,
                    Some(control.clone()),
                    Resource::ControlParameters(ControlParametersValue {
                        parameters: parameters.clone(),
                    }),
                );
            }
        }
    }
}
