//! `control_parameters:` — custom parameter values of controls that take them, checked against
//! the catalog's parameter definitions (type, range, allowed values, number of items). For a
//! control listed here, every parameter is managed: one the policy does not name is kept at
//! AWS's default.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Section;
use super::select::{control_id, duplicates};
use crate::model::DesiredScope;
use crate::model::catalog::catalog;
use crate::model::resource::ControlParametersValue;
use crate::model::{AccountId, Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics, did_you_mean};
use crate::spec::expand::Expansion;
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlParameters {
    /// Security-control ID.
    pub control: String,
    /// Parameter name to value, of the parameter's type: integer, number, string (enum
    /// values too, even numeric ones), boolean, or a list of them. Parameters not named are
    /// kept at AWS's default.
    pub parameters: BTreeMap<String, Value>,
}

pub const KINDS: &[Kind] = &[Kind::ControlParameters];

#[derive(Debug, Clone)]
pub struct Checked {
    /// Control ID → parameter name → value, in canonical form (enum values as strings).
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
        let def = known
            .then(|| catalog().control(&p.value.control))
            .flatten();
        let mut parameters = BTreeMap::new();
        for (name, v) in &p.value.parameters {
            let Some(def) = def else { continue };
            let Some(pd) = def.parameters.get(name) else {
                let message = if def.parameters.is_empty() {
                    format!(
                        "control `{}` takes no custom parameters (catalog retrieved {})",
                        def.id,
                        catalog().retrieved
                    )
                } else {
                    format!(
                        "control `{}` has no parameter `{name}`{}; it takes {}",
                        def.id,
                        did_you_mean(name, def.parameters.keys().map(String::as_str)),
                        def.parameters
                            .keys()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                d.error(
                    &c.key_pos_at(p, &format!("/parameters/{name}")),
                    Code::UnknownParameter,
                    message,
                );
                continue;
            };
            match pd.check(v) {
                Ok(v) => {
                    parameters.insert(name.clone(), v);
                }
                Err(e) => d.error(
                    &c.pos(p, &format!("/parameters/{name}")),
                    Code::BadParameterValue,
                    format!(
                        "parameter `{name}` of `{}` ({}): {e}",
                        def.id,
                        pd.value_type.as_str()
                    ),
                ),
            }
        }
        // Parameters of a control in none of the standards the policy enables would have no
        // effect anywhere (the control checks nothing), and could never be read back.
        if let (Some(def), Some(stds)) = (def, c.standards.as_ref())
            && !stds
                .value
                .iter()
                .any(|e| def.standards.iter().any(|s| s == e.name()))
        {
            d.error(
                &c.pos(p, "/control"),
                Code::ParametersOutsideStandards,
                format!(
                    "control `{}` is in none of the standards the policy enables ({}): its \
                     parameters would have no effect; {}",
                    def.id,
                    stds.value
                        .iter()
                        .map(|e| format!("`{}`", e.name()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if def.standards.is_empty() {
                        "the catalog places it in no standard".to_string()
                    } else {
                        format!(
                            "it is in {}",
                            def.standards
                                .iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ),
            );
        }
        if known {
            controls.push((p.value.control.clone(), parameters));
        }
    }
    Some(Checked { controls })
}

impl Section for Checked {
    fn scope(&self, x: &Expansion<'_>, _acct: &AccountId, _r: &str, out: &mut DesiredScope) {
        // `standards:` expands first. Where the policy manages standards, a control none of the
        // scope's standards holds checks nothing there: its parameters would have no effect,
        // and the read (the enabled standards' controls) would never see them set.
        let manages_standards = out.kinds.contains(&Kind::Standard);
        let wanted: Vec<&str> = out
            .state
            .resources
            .keys()
            .filter(|l| l.kind == Kind::Standard)
            .filter_map(|l| l.id.as_deref())
            .collect();
        let checked_here = |control: &str| {
            !manages_standards
                || catalog()
                    .control(control)
                    .is_some_and(|d| d.standards.iter().any(|s| wanted.contains(&s.as_str())))
        };
        let here: Vec<bool> = self.controls.iter().map(|(c, _)| checked_here(c)).collect();
        for ((control, parameters), here) in self.controls.iter().zip(here) {
            out.read(Kind::ControlParameters);
            if x.policy.hub_enabled() && here {
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
