//! `regions:` — the home region (aggregator, insights, automation rules, custom actions) and the
//! regions managed: an explicit list, or every enabled region minus exclusions.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{AllOr, region, same_partition};
use crate::model::catalog::partition_of;
use crate::model::{Kind, OrgInfo};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics, Pos};
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regions {
    /// The home region: the aggregator, insights and automation rules live here.
    pub home: String,
    /// Regions managed: an explicit list, or `all` (every region enabled for the organisation).
    pub include: AllOr,
    /// Regions to leave out (with `include: all`).
    #[serde(default)]
    pub exclude: Vec<String>,
}

pub const KINDS: &[Kind] = &[];

#[derive(Debug, Clone)]
pub struct Checked {
    pub home: String,
    /// None: every enabled region.
    pub include: Option<Vec<String>>,
    pub exclude: Vec<String>,
    home_pos: Pos,
    include_pos: Pos,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let Some(r) = &c.regions else {
        if let (false, Some(start)) = (c.partial, c.start()) {
            d.error(
                &start,
                Code::NoRegions,
                "the policy has no `regions` section (home region and managed regions)",
            );
        }
        return None;
    };
    let v = &r.value;
    let mut ok = region(&v.home, &c.pos(r, "/home"), d, false).is_some();
    let include = match &v.include {
        AllOr::List(list) => {
            if list.is_empty() {
                d.error(&c.pos(r, "/include"), Code::NoRegions, "no regions listed");
            }
            let mut seen = BTreeSet::new();
            for (i, x) in list.iter().enumerate() {
                let pos = c.pos(r, &format!("/include/{i}"));
                ok &= region(x, &pos, d, false).is_some()
                    && same_partition(x, &v.home, "the home region", &pos, d);
                if !seen.insert(x) {
                    d.error(
                        &pos,
                        Code::DuplicateRegion,
                        format!("region `{x}` is listed twice"),
                    );
                }
            }
            if !list.contains(&v.home) {
                d.error(
                    &c.pos(r, "/home"),
                    Code::HomeNotIncluded,
                    format!(
                        "the home region `{}` is not among the included regions",
                        v.home
                    ),
                );
            }
            if !v.exclude.is_empty() {
                d.error(
                    &c.pos(r, "/exclude"),
                    Code::ExcludeWithList,
                    "`exclude` only applies with `include: all`; leave the regions out of the list instead",
                );
            }
            Some(list.clone())
        }
        AllOr::All(_) => None,
    };
    for (i, x) in v.exclude.iter().enumerate() {
        let pos = c.pos(r, &format!("/exclude/{i}"));
        ok &= region(x, &pos, d, false).is_some()
            && same_partition(x, &v.home, "the home region", &pos, d);
        if x == &v.home {
            d.error(
                &pos,
                Code::HomeExcluded,
                "the home region cannot be excluded",
            );
        }
    }
    ok.then(|| Checked {
        home: v.home.clone(),
        include,
        exclude: v.exclude.clone(),
        home_pos: c.pos(r, "/home"),
        include_pos: c.pos(r, "/include"),
    })
}

impl Checked {
    /// The managed regions, sorted; `include: all` takes the organisation's enabled regions.
    /// The home region must be among them.
    pub fn expand(&self, org: &OrgInfo, d: &mut Diagnostics) -> Vec<String> {
        let mut list: Vec<String> = match &self.include {
            Some(l) => l.clone(),
            None => {
                if org.enabled_regions.is_empty() {
                    d.error(
                        &self.include_pos,
                        Code::NoEnabledRegions,
                        "`include: all` needs the organisation's enabled regions, and the state source reports none",
                    );
                }
                // A partition's organisation only has regions of its own partition.
                let home = partition_of(&self.home);
                org.enabled_regions
                    .iter()
                    .filter(|x| !self.exclude.contains(x) && partition_of(x) == home)
                    .cloned()
                    .collect()
            }
        };
        list.sort();
        list.dedup();
        if !list.is_empty() && !list.contains(&self.home) {
            d.error(
                &self.home_pos,
                Code::HomeNotIncluded,
                format!(
                    "the home region `{}` is not among the regions in scope ({}); the aggregator, insights and rules would have no hub to live in",
                    self.home,
                    list.join(", ")
                ),
            );
        }
        list
    }
}

impl Section for Checked {}
