//! `integrations.access_analyzer:` — IAM Access Analyzer analyzers with their archive rules:
//! account-level ones in every scope (or the home region), organisation-level ones held by the
//! administrator.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use crate::model::DesiredScope;
use crate::model::resource::{AnalyzerValue, DelegatedAdminValue};
use crate::model::{AccountId, Kind, Resource, Service};
use crate::spec::compose::{Composed, Located};
use crate::spec::diagnostics::{Code, Diagnostics, Pos};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessAnalyzer {
    pub analyzers: Vec<Analyzer>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Analyzer {
    /// Analyzer name: letters, digits, `_`, `.`, `-`; starts with a letter or `_`.
    pub name: String,
    #[serde(rename = "type")]
    pub analyzer_type: AnalyzerType,
    /// Days without use before access counts as unused (unused-access types only), 1–365.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_access_age: Option<u32>,
    /// Where the analyzer lives: `home` (default for organisation types) or `all` regions in
    /// scope (default for account types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<AnalyzerRegions>,
    #[serde(default)]
    pub archive_rules: Vec<ArchiveRule>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalyzerType {
    Account,
    Organization,
    AccountUnusedAccess,
    OrganizationUnusedAccess,
    AccountInternalAccess,
    OrganizationInternalAccess,
}

impl AnalyzerType {
    pub fn aws(self) -> &'static str {
        match self {
            AnalyzerType::Account => "ACCOUNT",
            AnalyzerType::Organization => "ORGANIZATION",
            AnalyzerType::AccountUnusedAccess => "ACCOUNT_UNUSED_ACCESS",
            AnalyzerType::OrganizationUnusedAccess => "ORGANIZATION_UNUSED_ACCESS",
            AnalyzerType::AccountInternalAccess => "ACCOUNT_INTERNAL_ACCESS",
            AnalyzerType::OrganizationInternalAccess => "ORGANIZATION_INTERNAL_ACCESS",
        }
    }
    pub fn is_organization(self) -> bool {
        matches!(
            self,
            AnalyzerType::Organization
                | AnalyzerType::OrganizationUnusedAccess
                | AnalyzerType::OrganizationInternalAccess
        )
    }
    pub fn is_unused_access(self) -> bool {
        matches!(
            self,
            AnalyzerType::AccountUnusedAccess | AnalyzerType::OrganizationUnusedAccess
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalyzerRegions {
    Home,
    All,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRule {
    pub name: String,
    /// Finding key (`principal.AWS`, `resourceType`, ...) to criterion `{ eq | neq | contains: [..], exists: bool }`.
    pub filter: BTreeMap<String, ArchiveCriterion>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveCriterion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neq: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

pub const KINDS: &[Kind] = &[Kind::Analyzer, Kind::DelegatedAdmin];

#[derive(Debug, Clone)]
pub struct Checked {
    /// (name, value, organisation-level, regions).
    pub analyzers: Vec<(String, AnalyzerValue, bool, AnalyzerRegions)>,
}

impl Checked {
    /// Whether it declares organisation analyzers (which need Access Analyzer's delegated
    /// administrator).
    pub fn organization_level(&self) -> bool {
        self.analyzers.iter().any(|a| a.2)
    }
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let a = c.access_analyzer.as_ref()?;
    let list: Vec<Located<&Analyzer>> = a
        .value
        .analyzers
        .iter()
        .enumerate()
        .map(|(n, x)| Located {
            value: x,
            file: a.file,
            pointer: format!("{}/analyzers/{n}", a.pointer),
        })
        .collect();
    let mut names: BTreeMap<&str, Pos> = BTreeMap::new();
    let mut account_types: BTreeMap<&str, Pos> = BTreeMap::new();
    for an in &list {
        let v = an.value;
        let pos = c.pos(an, "/name");
        let valid = v
            .name
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && v.name.len() <= 255
            && v.name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch));
        if !valid {
            d.error(
                &pos,
                Code::BadAnalyzerName,
                format!("`{}` is not an analyzer name (letters, digits, `_`, `.`, `-`; starting with a letter or `_`)", v.name),
            );
        }
        if let Some(first) = names.get(v.name.as_str()) {
            d.error(
                &pos,
                Code::DuplicateName,
                format!(
                    "analyzer `{}` is defined twice: here and at {first}",
                    v.name
                ),
            );
        } else {
            names.insert(&v.name, pos.clone());
        }
        if v.analyzer_type.is_organization() && c.organization.is_none() {
            d.error(
                &c.pos(an, "/type"),
                Code::NeedsOrganization,
                "an organization analyzer needs an `organization`",
            );
        }
        // One account-level analyzer per type, and one organisation-level internal-access
        // analyzer per organisation, per region (hard limits).
        let single = !v.analyzer_type.is_organization()
            || v.analyzer_type == AnalyzerType::OrganizationInternalAccess;
        if single {
            let t = v.analyzer_type.aws();
            if let Some(first) = account_types.get(t) {
                let level = if v.analyzer_type.is_organization() {
                    "organisation-level"
                } else {
                    "account-level"
                };
                d.error(
                    &c.pos(an, "/type"),
                    Code::AnalyzerTypeTaken,
                    format!("AWS allows one {level} analyzer of type {t} per region; another is at {first}"),
                );
            } else {
                account_types.insert(t, c.pos(an, "/type"));
            }
        }
        match (v.analyzer_type.is_unused_access(), v.unused_access_age) {
            (false, Some(_)) => d.error(
                &c.pos(an, "/unused_access_age"),
                Code::UnusedAccessAge,
                "`unused_access_age` only applies to unused-access analyzers",
            ),
            (true, Some(age)) if !(1..=365).contains(&age) => d.error(
                &c.pos(an, "/unused_access_age"),
                Code::UnusedAccessAge,
                "`unused_access_age` is 1–365 days",
            ),
            _ => {}
        }
        let mut rules = BTreeSet::new();
        for (n, r) in v.archive_rules.iter().enumerate() {
            let rp = |s: &str| c.pos(an, &format!("/archive_rules/{n}{s}"));
            if !rules.insert(&r.name) {
                d.error(
                    &rp("/name"),
                    Code::BadArchiveRule,
                    format!("archive rule `{}` is defined twice", r.name),
                );
            }
            if r.filter.is_empty() {
                d.error(
                    &rp("/filter"),
                    Code::BadArchiveRule,
                    "an archive rule needs a filter",
                );
            }
            for (key, crit) in &r.filter {
                if crit == &ArchiveCriterion::default() {
                    d.error(
                        &rp(&format!("/filter/{key}")),
                        Code::BadArchiveRule,
                        "a criterion needs one of `eq`, `neq`, `contains`, `exists`",
                    );
                }
                for values in [&crit.eq, &crit.neq, &crit.contains].into_iter().flatten() {
                    if values.len() > 20 {
                        d.error(
                            &rp(&format!("/filter/{key}")),
                            Code::BadArchiveRule,
                            "at most 20 values per criterion",
                        );
                    }
                }
            }
        }
        if v.archive_rules.len() > 100 {
            d.error(
                &c.pos(an, "/archive_rules"),
                Code::BadArchiveRule,
                "at most 100 archive rules per analyzer",
            );
        }
    }
    Some(Checked {
        analyzers: a
            .value
            .analyzers
            .iter()
            .map(|an| {
                let org = an.analyzer_type.is_organization();
                let regions = an.regions.unwrap_or(if org {
                    AnalyzerRegions::Home
                } else {
                    AnalyzerRegions::All
                });
                (an.name.clone(), analyzer_value(an), org, regions)
            })
            .collect(),
    })
}

fn analyzer_value(an: &Analyzer) -> AnalyzerValue {
    AnalyzerValue {
        analyzer_type: an.analyzer_type.aws().into(),
        unused_access_age: an
            .unused_access_age
            .or(an.analyzer_type.is_unused_access().then_some(90)),
        archive_rules: an
            .archive_rules
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    serde_json::to_value(&r.filter).expect("serialisable"),
                )
            })
            .collect(),
    }
}

fn lives_in(regions: AnalyzerRegions, region: &str, home: &str) -> bool {
    match regions {
        AnalyzerRegions::All => true,
        AnalyzerRegions::Home => region == home,
    }
}

impl Section for Checked {
    fn scope(&self, x: &Expansion<'_>, _acct: &AccountId, r: &str, out: &mut DesiredScope) {
        out.read(Kind::Analyzer);
        for (name, v, org, regions) in &self.analyzers {
            // Analyzers of a type the policy declares nowhere are left alone.
            if !org {
                out.manage_type(Kind::Analyzer, &v.analyzer_type);
            }
            if !org && lives_in(*regions, r, x.home) {
                out.want(
                    Kind::Analyzer,
                    Some(name.clone()),
                    Resource::Analyzer(v.clone()),
                );
            }
        }
    }

    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        // Organisation analyzers belong to the management account or Access Analyzer's
        // delegated administrator, registered through Organizations. They are created in the
        // Security Hub administrator's account, so that account is registered. Organizations
        // holds one registration for all regions: it reads alike in each, and the first write
        // makes it (the others find it made).
        // With the management account as the administrator nothing is registered, and a
        // registration someone else made is left alone.
        if let Some(mgmt) = x
            .management
            .as_ref()
            .filter(|m| self.organization_level() && **m != x.admin)
        {
            out.manages(Kind::DelegatedAdmin, Service::AccessAnalyzer);
            for r in &x.regions {
                let at = out.at(mgmt, r);
                at.read(Kind::DelegatedAdmin);
                at.want(
                    Kind::DelegatedAdmin,
                    Some(Service::AccessAnalyzer.id().to_string()),
                    Resource::DelegatedAdmin(DelegatedAdminValue {
                        account: x.admin.clone(),
                    }),
                );
            }
        }
        for (name, v, _, regions) in self.analyzers.iter().filter(|a| a.2) {
            for r in &x.regions {
                out.at(&x.admin, r).read(Kind::Analyzer);
                out.at(&x.admin, r)
                    .manage_type(Kind::Analyzer, &v.analyzer_type);
                if lives_in(*regions, r, x.home) {
                    out.at(&x.admin, r).want(
                        Kind::Analyzer,
                        Some(name.clone()),
                        Resource::Analyzer(v.clone()),
                    );
                }
            }
        }
    }
}
