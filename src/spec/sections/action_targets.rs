//! `action_targets:` — custom actions (EventBridge targets for findings sent by hand), in the
//! administrator's home region.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::duplicates;
use crate::model::resource::ActionTargetValue;
use crate::model::{Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionTarget {
    /// Identifier (up to 20 letters and digits); it is part of the ARN and cannot change.
    pub id: String,
    /// Display name, up to 20 characters.
    pub name: String,
    pub description: String,
}

pub const KINDS: &[Kind] = &[Kind::ActionTarget];

#[derive(Debug, Clone)]
pub struct Checked {
    /// Id → value.
    pub targets: Vec<(String, ActionTargetValue)>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let list = c.action_targets.as_ref()?;
    duplicates(
        c,
        list,
        |t| t.id.clone(),
        "/id",
        "action target",
        Code::DuplicateName,
        d,
    );
    for t in list {
        let v = &t.value;
        if v.id.is_empty() || v.id.len() > 20 || !v.id.chars().all(|ch| ch.is_ascii_alphanumeric())
        {
            d.error(
                &c.pos(t, "/id"),
                Code::BadActionTarget,
                format!("`{}`: an action target id is 1–20 letters and digits", v.id),
            );
        }
        if v.name.is_empty() || v.name.chars().count() > 20 {
            d.error(
                &c.pos(t, "/name"),
                Code::BadActionTarget,
                "an action target name is 1–20 characters",
            );
        }
        if v.description.trim().is_empty() {
            d.error(
                &c.pos(t, "/description"),
                Code::BadActionTarget,
                "the description is empty",
            );
        }
    }
    Some(Checked {
        targets: list
            .iter()
            .map(|t| {
                (
                    t.value.id.clone(),
                    ActionTargetValue {
                        name: t.value.name.clone(),
                        description: t.value.description.clone(),
                    },
                )
            })
            .collect(),
    })
}

impl Section for Checked {
    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        out.at(&x.admin, x.home).read(Kind::ActionTarget);
        for (id, v) in &self.targets {
            out.at(&x.admin, x.home).want(
                Kind::ActionTarget,
                Some(id.clone()),
                Resource::ActionTarget(v.clone()),
            );
        }
    }
}
