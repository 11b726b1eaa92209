//! `standards:` — the security standards enabled in each scope, by short name, optionally
//! limited to some accounts or regions, and every control of each: enabled unless an exception
//! disables it. Standards not listed are disabled.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{Member, MemberPlaces, RegionRef, Selected, Selection, regions, standard_name};
use crate::model::catalog::catalog;
use crate::model::resource::Empty;
use crate::model::{AccountId, DesiredScope, Kind, Note, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::Expansion;
use crate::spec::policy::CheckOptions;

/// A standard by short name, or a standard limited to some accounts or regions.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StandardEntry {
    Name(String),
    Scoped(ScopedStandard),
}

impl StandardEntry {
    pub fn name(&self) -> &str {
        match self {
            StandardEntry::Name(n) => n,
            StandardEntry::Scoped(s) => &s.standard,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopedStandard {
    pub standard: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Selection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Selection>,
}

pub const KINDS: &[Kind] = &[Kind::Standard, Kind::Control];

#[derive(Debug, Clone)]
pub struct Entry {
    pub standard: String,
    pub accounts: Option<Selected<Member>>,
    pub regions: Option<Selected<RegionRef>>,
}

#[derive(Debug, Clone)]
pub struct Checked {
    pub entries: Vec<Entry>,
    places: MemberPlaces,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let s = c.standards.as_ref()?;
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let mut entries = Vec::new();
    let mut places = MemberPlaces::default();
    for (i, entry) in s.value.iter().enumerate() {
        let (name, sub) = match entry {
            StandardEntry::Name(n) => (n.as_str(), format!("/{i}")),
            StandardEntry::Scoped(sc) => (sc.standard.as_str(), format!("/{i}/standard")),
        };
        let pos = c.pos(s, &sub);
        let known = standard_name(name, &pos, d);
        if known {
            if let Some(first) = seen.get(name) {
                d.error(
                    &pos,
                    Code::DuplicateStandard,
                    format!("standard `{name}` is listed twice (first at {first})"),
                );
            }
            seen.insert(name, pos.to_string());
        }
        let (accts, regs) = match entry {
            StandardEntry::Name(_) => (None, None),
            StandardEntry::Scoped(sc) => (
                sc.accounts
                    .as_ref()
                    .map(|a| places.accounts(a, |x| c.pos(s, &format!("/{i}/accounts{x}")), d)),
                sc.regions
                    .as_ref()
                    .map(|r| regions(c, r, |x| c.pos(s, &format!("/{i}/regions{x}")), d)),
            ),
        };
        if known {
            entries.push(Entry {
                standard: name.to_string(),
                accounts: accts,
                regions: regs,
            });
        }
    }
    Some(Checked { entries, places })
}

impl Section for Checked {
    fn check_org(&self, x: &Expansion<'_>, d: &mut Diagnostics) {
        self.places.warn_unknown(x.org, d);
    }
    fn scope(&self, x: &Expansion<'_>, acct: &AccountId, r: &str, out: &mut DesiredScope) {
        out.read(Kind::Standard);
        out.read(Kind::Control);
        if !x.policy.hub_enabled() {
            return;
        }
        for e in &self.entries {
            if !x.selects_account(e.accounts.as_ref(), acct)
                || !x.selects_region(e.regions.as_ref(), r)
            {
                continue;
            }
            let std = &e.standard;
            out.want(
                Kind::Standard,
                Some(std.clone()),
                Resource::Standard(Empty {}),
            );
            // Every control is enabled unless an exception says otherwise: only the controls
            // exceptions name need deciding.
            let Some(exceptions) = x.policy.exceptions.as_ref() else {
                continue;
            };
            for ctl in exceptions.controls() {
                if !catalog()
                    .control(ctl)
                    .is_some_and(|d| d.standards.iter().any(|s| s == std))
                {
                    continue;
                }
                let decision = exceptions.decide(x, ctl, std, acct, r);
                for pair in &decision.overlaps {
                    x.overlap(*pair, || format!("{ctl} in {acct}/{r} ({std})"));
                }
                match (decision.disabled_by, decision.expired) {
                    (Some(w), _) => out.disable_control(
                        std,
                        ctl,
                        &exceptions.rules[w].reason,
                        Note {
                            exception: Some(exceptions.reference(w)),
                            expired: None,
                        },
                    ),
                    (None, Some(e)) => out.note_expired(
                        std,
                        ctl,
                        Note {
                            exception: None,
                            expired: Some(exceptions.reference(e)),
                        },
                    ),
                    (None, None) => {}
                }
            }
        }
    }
}
