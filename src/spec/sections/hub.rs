//! `hub:` — Security Hub itself in every scope: on or off, its control finding generator, and
//! whether new controls are enabled automatically. Without the section Security Hub is still
//! managed (enabled, with AWS's defaults), since everything else needs it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use crate::model::wire;
use crate::model::DesiredScope;
use crate::model::resource::HubValue;
use crate::model::{AccountId, Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::Expansion;
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hub {
    /// `false` disables Security Hub in every scope (destructive).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `security_control` (consolidated control findings, AWS's default) or `standard_control`.
    #[serde(default)]
    pub control_finding_generator: ControlFindingGenerator,
    /// Enable new controls automatically as AWS adds them to enabled standards.
    #[serde(default = "default_true")]
    pub auto_enable_controls: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlFindingGenerator {
    #[default]
    SecurityControl,
    StandardControl,
}

pub const KINDS: &[Kind] = &[Kind::Hub];

#[derive(Debug, Clone)]
pub struct Checked {
    pub enabled: bool,
    pub control_finding_generator: wire::ControlFindingGenerator,
    pub auto_enable_controls: bool,
}

impl Default for Checked {
    /// What AWS sets up when Security Hub is enabled.
    fn default() -> Self {
        Checked {
            enabled: true,
            control_finding_generator: wire::ControlFindingGenerator::SecurityControl,
            auto_enable_controls: true,
        }
    }
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let h = c.hub.as_ref()?;
    if !h.value.enabled {
        // Sections whose kinds live inside Security Hub cannot be had without it.
        let needs: Vec<&str> = c
            .declared()
            .into_iter()
            .filter(|(_, kinds)| kinds.iter().any(|k| k.needs_hub()))
            .map(|(name, _)| name)
            .collect();
        if !needs.is_empty() {
            d.error(
                &c.pos(h, "/enabled"),
                Code::HubNeeded,
                format!(
                    "Security Hub is disabled, but the policy also declares {}, which need it",
                    needs.join(", ")
                ),
            );
        }
    }
    Some(Checked {
        enabled: h.value.enabled,
        control_finding_generator: match h.value.control_finding_generator {
            ControlFindingGenerator::SecurityControl => wire::ControlFindingGenerator::SecurityControl,
            ControlFindingGenerator::StandardControl => wire::ControlFindingGenerator::StandardControl,
        },
        auto_enable_controls: h.value.auto_enable_controls,
    })
}

/// The hub in one scope, with or without a `hub` section.
pub fn expand_scope(hub: &Checked, out: &mut DesiredScope) {
    out.read(Kind::Hub);
    if hub.enabled {
        out.want(
            Kind::Hub,
            None,
            Resource::Hub(HubValue {
                control_finding_generator: hub.control_finding_generator,
                auto_enable_controls: hub.auto_enable_controls,
            }),
        );
    }
}

impl Section for Checked {
    fn scope(&self, _: &Expansion<'_>, _: &AccountId, _: &str, out: &mut DesiredScope) {
        expand_scope(self, out);
    }
}
