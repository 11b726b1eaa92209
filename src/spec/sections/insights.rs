//! `insights:` — custom insights (finding filters and a group-by attribute), in the
//! administrator's home region, matched by name.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Section;
use super::select::{duplicates, report_filter_problems};
use crate::model::finding_fields::group_by_attributes;
use crate::model::resource::InsightValue;
use crate::model::{Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics, did_you_mean};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::filters::{self, FilterUse};
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Insight {
    /// Unique name; shubctl identifies insights by name.
    pub name: String,
    /// Finding attribute to group results by (`AwsAccountId`, `ResourceType`, ...).
    pub group_by: String,
    /// Finding filters by ASFF field. A bare value means EQUALS, a list means any of them;
    /// otherwise `{ prefix: ..., not_equals: [...] }`, `{ gte: 40 }`, `{ within_days: 7 }`,
    /// `{ key: ..., equals: ... }` or a CIDR list, by the field's type.
    pub filters: BTreeMap<String, Value>,
}

pub const KINDS: &[Kind] = &[Kind::Insight];

#[derive(Debug, Clone)]
pub struct Checked {
    /// Name → value with the filters as the API takes them.
    pub insights: Vec<(String, InsightValue)>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let list = c.insights.as_ref()?;
    duplicates(
        c,
        list,
        |i| i.name.clone(),
        "/name",
        "insight",
        Code::DuplicateName,
        d,
    );
    let mut insights = Vec::new();
    for i in list {
        let v = &i.value;
        if v.name.trim().is_empty() {
            d.error(
                &c.pos(i, "/name"),
                Code::EmptyName,
                "the insight name is empty",
            );
        }
        let attrs = group_by_attributes();
        if !attrs.contains(&v.group_by.as_str()) {
            let hint = did_you_mean(&v.group_by, attrs.iter().copied());
            let hint = if hint.is_empty() {
                "; group by a string finding field such as AwsAccountId, ResourceType, SeverityLabel or ComplianceSecurityControlId".to_string()
            } else {
                hint
            };
            d.error(
                &c.pos(i, "/group_by"),
                Code::BadGroupBy,
                format!("insights cannot be grouped by `{}`{hint}", v.group_by),
            );
        }
        if v.filters.is_empty() {
            d.error(
                &c.pos(i, "/filters"),
                Code::NoFilters,
                "an insight needs at least one filter",
            );
        }
        match filters::convert(&v.filters, FilterUse::Insight) {
            Ok(filters) => insights.push((
                v.name.clone(),
                InsightValue {
                    group_by: v.group_by.clone(),
                    filters,
                },
            )),
            Err(problems) => report_filter_problems(c, i, "/filters", problems, d),
        }
    }
    Some(Checked { insights })
}

impl Section for Checked {
    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        out.at(&x.admin, x.home).read(Kind::Insight);
        for (name, v) in &self.insights {
            out.at(&x.admin, x.home).want(
                Kind::Insight,
                Some(name.clone()),
                Resource::Insight(v.clone()),
            );
        }
    }
}
