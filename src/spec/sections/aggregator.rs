//! `aggregator:` — the cross-region finding aggregator, in the administrator's home region, and
//! how other regions are linked to it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{managed_regions, region, same_partition};
use crate::model::wire;
use crate::model::catalog::is_known_region;
use crate::model::resource::AggregatorValue;
use crate::model::{Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Aggregator {
    /// How regions are linked to the home region.
    pub linking: LinkingMode,
    /// Regions linked (`specified_regions`) or left out (`all_regions_except_specified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkingMode {
    AllRegions,
    AllRegionsExceptSpecified,
    SpecifiedRegions,
    NoRegions,
}

impl LinkingMode {
    pub fn aws(self) -> wire::LinkingMode {
        match self {
            LinkingMode::AllRegions => wire::LinkingMode::AllRegions,
            LinkingMode::AllRegionsExceptSpecified => wire::LinkingMode::AllRegionsExceptSpecified,
            LinkingMode::SpecifiedRegions => wire::LinkingMode::SpecifiedRegions,
            LinkingMode::NoRegions => wire::LinkingMode::NoRegions,
        }
    }
    fn policy_name(self) -> &'static str {
        match self {
            LinkingMode::AllRegions => "all_regions",
            LinkingMode::AllRegionsExceptSpecified => "all_regions_except_specified",
            LinkingMode::SpecifiedRegions => "specified_regions",
            LinkingMode::NoRegions => "no_regions",
        }
    }
}

pub const KINDS: &[Kind] = &[Kind::Aggregator];

#[derive(Debug, Clone)]
pub struct Checked {
    pub linking: LinkingMode,
    /// Sorted.
    pub regions: Vec<String>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let a = c.aggregator.as_ref()?;
    let mode = a.value.linking;
    let regions = a.value.regions.as_deref().unwrap_or_default();
    match mode {
        LinkingMode::AllRegions | LinkingMode::NoRegions if a.value.regions.is_some() => {
            d.error(
                &c.pos(a, "/regions"),
                Code::AggregatorRegions,
                format!(
                    "`regions` cannot be given with `linking: {}`",
                    mode.policy_name()
                ),
            );
        }
        LinkingMode::SpecifiedRegions | LinkingMode::AllRegionsExceptSpecified
            if regions.is_empty() =>
        {
            d.error(
                &c.pos(a, "/linking"),
                Code::AggregatorRegions,
                format!(
                    "`linking: {}` needs a non-empty `regions` list",
                    mode.policy_name()
                ),
            );
        }
        _ => {}
    }
    let home = c.regions.as_ref().map(|r| r.value.home.clone());
    let managed = managed_regions(c);
    for (i, r) in regions.iter().enumerate() {
        let pos = c.pos(a, &format!("/regions/{i}"));
        if region(r, &pos, d, false).is_some()
            && let Some(home) = &home
            && is_known_region(home)
        {
            same_partition(r, home, "the home region", &pos, d);
        }
        if home.as_deref() == Some(r.as_str()) {
            d.error(
                &pos,
                Code::AggregatorHome,
                format!("`{r}` is the home region, which always aggregates; leave it out"),
            );
        } else if mode == LinkingMode::SpecifiedRegions
            && managed.as_ref().is_some_and(|m| !m.contains(r))
        {
            d.error(
                &pos,
                Code::RegionNotManaged,
                format!("`{r}` is not one of the policy's regions, so nothing there is managed to aggregate"),
            );
        }
    }
    let mut sorted = regions.to_vec();
    sorted.sort();
    Some(Checked {
        linking: mode,
        regions: sorted,
    })
}

impl Checked {
    /// Whether a region other than the home region is linked to it.
    pub fn links(&self, region: &str) -> bool {
        let listed = self.regions.iter().any(|r| r == region);
        match self.linking {
            LinkingMode::AllRegions => true,
            LinkingMode::NoRegions => false,
            LinkingMode::SpecifiedRegions => listed,
            LinkingMode::AllRegionsExceptSpecified => !listed,
        }
    }
}

impl Section for Checked {
    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        // Read everywhere: an aggregator left in another region must be found and moved.
        for r in &x.regions {
            out.at(&x.admin, r).read(Kind::Aggregator);
        }
        out.at(&x.admin, x.home).want(
            Kind::Aggregator,
            None,
            Resource::Aggregator(AggregatorValue {
                linking_mode: self.linking.aws(),
                regions: self.regions.clone(),
            }),
        );
    }
}
