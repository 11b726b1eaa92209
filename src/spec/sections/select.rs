//! What several sections share: account and region selections (their file format and their
//! parsed form), identifiers, dates, and the "defined twice" check of named list items.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::catalog::{REGIONS, built_in, catalog, is_known_region, partition_of};
use crate::model::{AccountId, OrgInfo};
use crate::spec::compose::{Composed, Located};
use crate::spec::diagnostics::{Code, Diagnostics, Pos, did_you_mean};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum All {
    All,
}

/// `all`, or an explicit list.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AllOr {
    All(All),
    List(Vec<String>),
}

impl Default for AllOr {
    fn default() -> Self {
        AllOr::All(All::All)
    }
}

/// A list of IDs, or `{ except: [...] }` for everything but those. Accounts may be given as
/// account IDs or OU IDs; regions as names or `home`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Selection {
    Only(Vec<String>),
    Except(Except),
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Except {
    pub except: Vec<String>,
}

/// An account, or an OU or root with every account beneath it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    Account(AccountId),
    /// `ou-…` or `r-…`.
    Unit(String),
}

/// A region by name, or the home region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionRef {
    Home,
    Named(String),
}

/// A parsed selection: these, or everything but these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selected<T> {
    Only(Vec<T>),
    Except(Vec<T>),
}

impl<T> Selected<T> {
    /// Whether `hit` says the selection includes something.
    pub fn includes(&self, hit: impl Fn(&T) -> bool) -> bool {
        match self {
            Selected::Only(l) => l.iter().any(hit),
            Selected::Except(l) => !l.iter().any(hit),
        }
    }
}

pub fn is_ou_id(s: &str) -> bool {
    s.strip_prefix("ou-").is_some_and(|rest| {
        rest.split_once('-').is_some_and(|(a, b)| {
            (4..=32).contains(&a.len())
                && (8..=32).contains(&b.len())
                && a.bytes()
                    .chain(b.bytes())
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
    })
}

pub fn is_root_id(s: &str) -> bool {
    s.strip_prefix("r-").is_some_and(|r| {
        (4..=32).contains(&r.len())
            && r.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

pub fn account_id(text: &str, pos: &Pos, d: &mut Diagnostics) -> Option<AccountId> {
    AccountId::parse(text)
        .map_err(|e| d.error(pos, Code::BadAccountId, e))
        .ok()
}

/// An entry of an account selection: an account ID, an OU ID or a root ID.
pub fn member(text: &str, pos: &Pos, d: &mut Diagnostics) -> Option<Member> {
    if text.starts_with("ou-") {
        if !is_ou_id(text) {
            d.error(
                pos,
                Code::BadOuId,
                format!("`{text}` is not an OU ID (like `ou-ab12-34cd56ef`)"),
            );
            return None;
        }
        Some(Member::Unit(text.to_string()))
    } else if text.starts_with("r-") {
        if !is_root_id(text) {
            d.error(
                pos,
                Code::BadOuId,
                format!("`{text}` is not a root ID (like `r-ab12`)"),
            );
            return None;
        }
        Some(Member::Unit(text.to_string()))
    } else {
        account_id(text, pos, d).map(Member::Account)
    }
}

/// A region name (or `home`, where allowed), reported with a did-you-mean when unknown.
pub fn region(text: &str, pos: &Pos, d: &mut Diagnostics, allow_home: bool) -> Option<RegionRef> {
    if allow_home && text == "home" {
        return Some(RegionRef::Home);
    }
    if !is_known_region(text) {
        d.error(
            pos,
            Code::UnknownRegion,
            format!(
                "unknown region `{text}`{}",
                did_you_mean(text, REGIONS.iter().copied())
            ),
        );
        return None;
    }
    Some(RegionRef::Named(text.to_string()))
}

/// Whether `region` is in the same partition as `other` (a known region); reports it if not.
/// A policy manages one partition: each has its own accounts, credentials and ARNs.
pub fn same_partition(
    region: &str,
    other: &str,
    what: &str,
    pos: &Pos,
    d: &mut Diagnostics,
) -> bool {
    let (a, b) = (partition_of(region), partition_of(other));
    if a != b && is_known_region(other) {
        d.error(
            pos,
            Code::MixedPartitions,
            format!(
                "region `{region}` is in partition `{}`, {what} `{other}` in `{}`; a policy manages one partition (each has its own accounts and credentials)",
                a.name, b.name
            ),
        );
        return false;
    }
    true
}

/// The explicitly listed regions of the policy (None with `include: all`).
pub fn managed_regions(c: &Composed) -> Option<Vec<String>> {
    match &c.regions.as_ref()?.value.include {
        AllOr::List(l) => Some(l.clone()),
        AllOr::All(_) => None,
    }
}

fn entries(sel: &Selection) -> (&Vec<String>, &'static str) {
    match sel {
        Selection::Only(l) => (l, ""),
        Selection::Except(e) => (&e.except, "/except"),
    }
}

fn parsed<T>(sel: &Selection, items: Vec<T>) -> Selected<T> {
    match sel {
        Selection::Only(_) => Selected::Only(items),
        Selection::Except(_) => Selected::Except(items),
    }
}

/// An account selection, parsed; entries with errors are left out.
pub fn accounts(
    sel: &Selection,
    pos_of: impl Fn(&str) -> Pos,
    d: &mut Diagnostics,
) -> Selected<Member> {
    let (list, base) = entries(sel);
    if list.is_empty() {
        d.error(&pos_of(base), Code::EmptySelection, "empty selection");
    }
    let items = list
        .iter()
        .enumerate()
        .filter_map(|(i, x)| member(x, &pos_of(&format!("{base}/{i}")), d))
        .collect();
    parsed(sel, items)
}

/// The entries of a section's account selections with their places, for the check that
/// needs the organisation: an account or OU it does not have selects nothing.
#[derive(Clone, Debug, Default)]
pub struct MemberPlaces(Vec<(Member, Pos, bool)>);

impl MemberPlaces {
    /// [`accounts`], remembering where each entry is.
    pub fn accounts(
        &mut self,
        sel: &Selection,
        pos_of: impl Fn(&str) -> Pos,
        d: &mut Diagnostics,
    ) -> Selected<Member> {
        let parsed = accounts(sel, &pos_of, d);
        let (list, base) = entries(sel);
        // Problems were reported above; parse again quietly for the places.
        let mut quiet = Diagnostics::default();
        for (i, x) in list.iter().enumerate() {
            let pos = pos_of(&format!("{base}/{i}"));
            if let Some(m) = member(x, &pos, &mut quiet) {
                self.0.push((m, pos, !base.is_empty()));
            }
        }
        parsed
    }

    /// Warns (SH209) about every entry the organisation does not have. Nothing to check for a
    /// single account.
    pub fn warn_unknown(&self, org: &OrgInfo, d: &mut Diagnostics) {
        if org.accounts.is_empty() {
            return;
        }
        for (m, pos, except) in &self.0 {
            let (known, text) = match m {
                Member::Account(a) => (org.account(a).is_some(), a.to_string()),
                Member::Unit(u) => (org.knows_parent(u), u.clone()),
            };
            if known {
                continue;
            }
            let message = if *except {
                format!("`{text}` is not in the organisation; excluding it has no effect")
            } else {
                format!("`{text}` is not in the organisation; this selector matches nothing there")
            };
            d.warning(pos, Code::NotInOrganization, message);
        }
    }
}

/// A region selection, parsed; regions the policy does not manage are warned about.
pub fn regions(
    c: &Composed,
    sel: &Selection,
    pos_of: impl Fn(&str) -> Pos,
    d: &mut Diagnostics,
) -> Selected<RegionRef> {
    let managed = managed_regions(c);
    let (list, base) = entries(sel);
    if list.is_empty() {
        d.error(&pos_of(base), Code::EmptySelection, "empty selection");
    }
    let mut items = Vec::new();
    for (i, x) in list.iter().enumerate() {
        let pos = pos_of(&format!("{base}/{i}"));
        let Some(r) = region(x, &pos, d, true) else {
            continue;
        };
        if let RegionRef::Named(name) = &r
            && managed.as_ref().is_some_and(|m| !m.contains(name))
        {
            d.warning(
                &pos,
                Code::RegionNotManaged,
                format!("`{x}` is not one of the policy's regions, so naming it has no effect"),
            );
        }
        items.push(r);
    }
    parsed(sel, items)
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
}

/// Reports list items whose key (a name or id) repeats an earlier one.
pub fn duplicates<T>(
    c: &Composed,
    items: &[Located<T>],
    key: impl Fn(&T) -> String,
    sub: &str,
    what: &str,
    code: Code,
    d: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
    for it in items {
        let k = key(&it.value);
        let pos = c.pos(it, sub);
        if let Some(first) = seen.get(&k) {
            d.error(
                &pos,
                code,
                format!("{what} `{k}` is defined twice: here and at {first}"),
            );
        } else {
            seen.insert(k, pos);
        }
    }
}

/// A standard's short name, reporting unknown ones (and AWS-style names) with a hint.
pub fn standard_name(text: &str, pos: &Pos, d: &mut Diagnostics) -> bool {
    let cat = catalog();
    if cat.standard(text).is_some() {
        return true;
    }
    if let Some(s) = cat.standard_by_aws_name(text) {
        d.error(
            pos,
            Code::StandardLongName,
            format!(
                "write standards by short name: `{}` instead of `{text}`",
                s.id
            ),
        );
    } else {
        let names: Vec<&str> = cat.standards.iter().map(|s| s.id.as_str()).collect();
        let hint = did_you_mean(text, names.iter().copied());
        let hint = if hint.is_empty() {
            format!("; known standards: {}", names.join(", "))
        } else {
            hint
        };
        d.error(
            pos,
            Code::UnknownStandard,
            format!("unknown standard `{text}`{hint}"),
        );
    }
    false
}

/// A security-control ID from the catalog; a legacy standard-specific number gets a hint.
pub fn control_id(text: &str, pos: &Pos, d: &mut Diagnostics) -> bool {
    let cat = catalog();
    if cat.control(text).is_some() {
        if let Some(regions) = cat.live_only.get(text) {
            d.warning(
                pos,
                Code::ControlFromLiveDefinitions,
                format!(
                    "`{text}` is not in {}, but AWS defines it in {}: known only from AWS's live control definitions (`shubctl catalog --refresh` writes a catalog that has it)",
                    cat.origin(),
                    regions.join(", ")
                ),
            );
        } else if built_in().control(text).is_none() {
            d.warning(
                pos,
                Code::ControlFromCatalogFile,
                format!(
                    "`{text}` is known only from {}, not the built-in catalog (retrieved {})",
                    cat.origin(),
                    built_in().retrieved
                ),
            );
        }
        return true;
    }
    let legacy = cat.by_legacy_id(text);
    if !legacy.is_empty() {
        let alts: Vec<String> = legacy
            .iter()
            .map(|(std, c)| format!("`{}` ({std} {text})", c.id))
            .collect();
        d.error(
            pos,
            Code::LegacyControlNumber,
            format!(
                "`{text}` is a standard-specific control number, not a security-control ID; did you mean {}?",
                alts.join(" or ")
            ),
        );
        return false;
    }
    let hint = did_you_mean(text, cat.controls.iter().map(|c| c.id.as_str()));
    let live = match cat.live_regions.is_empty() {
        true => String::new(),
        false => format!(
            "; AWS's live control definitions in {} do not have it either",
            cat.live_regions.join(", ")
        ),
    };
    d.unknown_controls.insert(text.to_string());
    d.error(
        pos,
        Code::UnknownControl,
        format!("unknown control `{text}`{hint}{live}"),
    );
    false
}

/// Reports the problems of a filters mapping written at `sub` inside a located value.
pub fn report_filter_problems<T>(
    c: &Composed,
    at: &Located<T>,
    sub: &str,
    problems: Vec<crate::spec::filters::FilterProblem>,
    d: &mut Diagnostics,
) {
    for pr in problems {
        let ptr = format!("{sub}{}", pr.pointer);
        let pos = if pr.at_key {
            c.key_pos_at(at, &ptr)
        } else {
            c.pos(at, &ptr)
        };
        d.error(&pos, pr.code, pr.message);
    }
}

// How often findings are published (GuardDuty, Macie).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublishingFrequency {
    FifteenMinutes,
    OneHour,
    SixHours,
}

impl PublishingFrequency {
    pub fn aws(self) -> crate::model::wire::PublishingFrequency {
        use crate::model::wire::PublishingFrequency as Wire;
        match self {
            PublishingFrequency::FifteenMinutes => Wire::FifteenMinutes,
            PublishingFrequency::OneHour => Wire::OneHour,
            PublishingFrequency::SixHours => Wire::SixHours,
        }
    }
}

/// Registers a service's delegated administrator (designated from the management account) and,
/// when the policy sets them, its organisation settings (held by the administrator), in every
/// region; only for an organisation.
pub fn service_admin(
    x: &crate::spec::expand::Expansion<'_>,
    service: crate::model::Service,
    org_config: Option<crate::model::resource::OrgConfigValue>,
    out: &mut crate::spec::expand::OrgDesired,
) {
    use crate::model::resource::DelegatedAdminValue;
    use crate::model::{Kind, Resource};
    let Some(mgmt) = &x.management else { return };
    for kind in [Kind::DelegatedAdmin, Kind::OrgConfig] {
        out.manages(kind, service);
    }
    for r in &x.regions {
        out.at(mgmt, r).want(
            Kind::DelegatedAdmin,
            Some(service.id().to_string()),
            Resource::DelegatedAdmin(DelegatedAdminValue {
                account: x.admin.clone(),
            }),
        );
        if let Some(cfg) = &org_config {
            out.at(&x.admin, r).want(
                Kind::OrgConfig,
                Some(service.id().to_string()),
                Resource::OrgConfig(cfg.clone()),
            );
        }
    }
}

/// Every account in scope but the administrator as a member of `kind` in the administrator's
/// scope, in every region: how an administrator reaches the accounts that were in the
/// organisation before its auto-enable (Inspector's associations, GuardDuty's and Macie's
/// members).
pub fn service_members(
    x: &crate::spec::expand::Expansion<'_>,
    kind: crate::model::Kind,
    member: crate::model::Resource,
    out: &mut crate::spec::expand::OrgDesired,
) {
    for r in &x.regions {
        let admin = out.at(&x.admin, r);
        admin.read(kind);
        for a in x.accounts.iter().filter(|a| **a != x.admin) {
            admin.want(kind, Some(a.as_str().to_string()), member.clone());
        }
    }
}
