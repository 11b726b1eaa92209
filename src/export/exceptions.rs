//! Disabled controls as exceptions, grouped by their identical reason.
//!
//! For each reason and control, the places (standard, account, region) where the control is
//! disabled with that reason must be covered exactly: every one of them by an exception with
//! that reason, and no place where the control is enabled, unavailable or disabled for another
//! reason. Places where the standard is not enabled do not matter, which lets an exception
//! leave out `standards`, `accounts` or `regions` where it can. The exceptions of one reason
//! never overlap those of another, so `validate` has no overlap to warn about.

use std::collections::{BTreeMap, BTreeSet};

use super::Cx;
use super::sections::{accounts_selection, enabled_standards, regions_selection};
use super::slug;
use super::yaml::{list, scalar};
use crate::model::AccountId;
use crate::model::catalog::catalog;
use crate::spec::sections::exceptions::PLACEHOLDER;

type Place = (AccountId, String);

/// One exception: its controls, standards (None: every enabled one), and the accounts and
/// regions it covers (None: all in scope).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    reason: String,
    standards: Option<Vec<String>>,
    accounts: Option<BTreeSet<AccountId>>,
    regions: Option<BTreeSet<String>>,
}

/// Files by relative path.
pub(super) fn write(cx: &mut Cx<'_>) -> Vec<(String, String)> {
    let enabled = enabled_standards(cx);
    // reason → control → standard → places disabled with that reason.
    let mut disabled: BTreeMap<String, BTreeMap<String, BTreeMap<String, BTreeSet<Place>>>> =
        BTreeMap::new();
    let mut odd_reasons = BTreeSet::new();
    for (std, places) in &enabled {
        for (a, r) in places {
            let Some(c) = cx.scope(a, r).and_then(|s| s.controls.get(std)) else {
                continue;
            };
            if !c.readable {
                continue;
            }
            for (ctl, reason) in c
                .disabled
                .iter()
                .filter(|(c_, _)| !c.unavailable.contains(*c_))
            {
                // The diff ignores controls the catalog does not place in the standard.
                if !catalog()
                    .control(ctl)
                    .is_some_and(|d| d.standards.contains(std))
                {
                    continue;
                }
                let text = reason.trim();
                if text.is_empty() || text != reason || text.chars().count() > 1024 {
                    odd_reasons.insert(ctl.clone());
                }
                let text = if text.is_empty() {
                    format!("{PLACEHOLDER}: say why (AWS records no reason)")
                } else {
                    text.to_string()
                };
                disabled
                    .entry(text)
                    .or_default()
                    .entry(ctl.clone())
                    .or_default()
                    .entry(std.clone())
                    .or_default()
                    .insert((a.clone(), r.clone()));
            }
        }
    }
    if !odd_reasons.is_empty() {
        cx.note(format!(
            "the disabled reason of {} is empty, padded with spaces or too long for a policy; `plan` will set the reason written",
            odd_reasons.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut entries: BTreeMap<Entry, Vec<String>> = BTreeMap::new();
    for (reason, controls) in &disabled {
        for (ctl, by_std) in controls {
            for (stds, must, care) in patterns(&enabled, ctl, by_std) {
                for (accounts, regions) in cover(&must, &care) {
                    entries
                        .entry(Entry {
                            reason: reason.clone(),
                            standards: stds.clone(),
                            accounts,
                            regions,
                        })
                        .or_default()
                        .push(ctl.clone());
                }
            }
        }
    }
    files(cx, merge_standards(entries))
}

/// Exceptions that differ only in the one standard they name become one naming several.
fn merge_standards(entries: BTreeMap<Entry, Vec<String>>) -> BTreeMap<Entry, Vec<String>> {
    let mut out: BTreeMap<Entry, Vec<String>> = BTreeMap::new();
    let mut by_rest: BTreeMap<(Entry, Vec<String>), Vec<String>> = BTreeMap::new();
    for (e, controls) in entries {
        match &e.standards {
            Some(stds) => {
                let rest = Entry {
                    standards: None,
                    ..e.clone()
                };
                by_rest
                    .entry((rest, controls))
                    .or_default()
                    .extend(stds.iter().cloned());
            }
            None => {
                out.insert(e, controls);
            }
        }
    }
    for ((rest, controls), mut stds) in by_rest {
        stds.sort();
        stds.dedup();
        out.entry(Entry {
            standards: Some(stds),
            ..rest
        })
        .or_default()
        .extend(controls);
    }
    out
}

/// How one control's places can be said: for all standards at once when the places agree
/// across the standards that hold the control, else one standard at a time. Each with the
/// places to cover and the places that matter (where the standard is enabled).
#[allow(clippy::type_complexity)]
fn patterns(
    enabled: &BTreeMap<String, BTreeSet<Place>>,
    ctl: &str,
    by_std: &BTreeMap<String, BTreeSet<Place>>,
) -> Vec<(Option<Vec<String>>, BTreeSet<Place>, BTreeSet<Place>)> {
    let holding: Vec<&String> = enabled
        .keys()
        .filter(|s| {
            catalog()
                .control(ctl)
                .is_some_and(|d| d.standards.contains(*s))
        })
        .collect();
    let all: BTreeSet<Place> = by_std.values().flatten().cloned().collect();
    let agree = holding.iter().all(|s| {
        let here: BTreeSet<Place> = all.intersection(&enabled[*s]).cloned().collect();
        by_std.get(*s).cloned().unwrap_or_default() == here
    });
    if agree {
        let care: BTreeSet<Place> = holding
            .iter()
            .flat_map(|s| enabled[*s].iter().cloned())
            .collect();
        return vec![(None, all, care)];
    }
    by_std
        .iter()
        .map(|(s, must)| (Some(vec![s.clone()]), must.clone(), enabled[s].clone()))
        .collect()
}

type Cover = (Option<BTreeSet<AccountId>>, Option<BTreeSet<String>>);

/// Account × region rectangles covering exactly `must` within `care`: one when `must` is a
/// product of accounts and regions, else one per group of accounts (or of regions) sharing
/// the same places, whichever takes fewer. Each widened to "all" where that changes nothing,
/// and, for groups, only along what they do not share (accounts grouped by their regions may
/// take every region, not every account): widened the other way, one group's rectangle would
/// reach another's places, and the two exceptions would overlap (`SH318`).
fn cover(must: &BTreeSet<Place>, care: &BTreeSet<Place>) -> Vec<Cover> {
    let valid = |accts: Option<&BTreeSet<AccountId>>, regs: Option<&BTreeSet<String>>| {
        care.iter().all(|p| {
            let inside =
                accts.is_none_or(|a| a.contains(&p.0)) && regs.is_none_or(|r| r.contains(&p.1));
            !inside || must.contains(p)
        })
    };
    // `all_accounts` / `all_regions`: which ways the rectangle may widen.
    let widen = |a: BTreeSet<AccountId>,
                 r: BTreeSet<String>,
                 all_accounts: bool,
                 all_regions: bool|
     -> Cover {
        if all_accounts && all_regions && valid(None, None) {
            (None, None)
        } else if all_accounts && valid(None, Some(&r)) {
            (None, Some(r))
        } else if all_regions && valid(Some(&a), None) {
            (Some(a), None)
        } else {
            (Some(a), Some(r))
        }
    };
    let accts: BTreeSet<AccountId> = must.iter().map(|p| p.0.clone()).collect();
    let regs: BTreeSet<String> = must.iter().map(|p| p.1.clone()).collect();
    if valid(Some(&accts), Some(&regs)) {
        return vec![widen(accts, regs, true, true)];
    }
    // By account: accounts with the same regions share an exception.
    let mut by_account: BTreeMap<BTreeSet<String>, BTreeSet<AccountId>> = BTreeMap::new();
    for a in &accts {
        let rs = must
            .iter()
            .filter(|p| &p.0 == a)
            .map(|p| p.1.clone())
            .collect();
        by_account.entry(rs).or_default().insert(a.clone());
    }
    let mut by_region: BTreeMap<BTreeSet<AccountId>, BTreeSet<String>> = BTreeMap::new();
    for r in &regs {
        let as_ = must
            .iter()
            .filter(|p| &p.1 == r)
            .map(|p| p.0.clone())
            .collect();
        by_region.entry(as_).or_default().insert(r.clone());
    }
    // Any rectangle inside `must` is valid; each group's is, and may widen like the whole.
    // Regions grouped by their accounts are disjoint: each group may take every account of
    // its regions. Accounts grouped by their regions: each may take every region.
    if by_region.len() < by_account.len() {
        by_region
            .into_iter()
            .map(|(a, r)| widen(a, r, true, false))
            .collect()
    } else {
        by_account
            .into_iter()
            .map(|(r, a)| widen(a, r, false, true))
            .collect()
    }
}

/// The exceptions as YAML, one file for those limited to one account (by its name) and one
/// for the rest.
fn files(cx: &Cx<'_>, entries: BTreeMap<Entry, Vec<String>>) -> Vec<(String, String)> {
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (e, controls) in entries {
        let file = match &e.accounts {
            Some(a) if a.len() == 1 && cx.organization => {
                let id = a.iter().next().expect("one");
                let name = cx.account_name(id).map(slug).filter(|s| !s.is_empty());
                match name {
                    Some(n) => format!("exceptions/{n}-{id}.yaml"),
                    None => format!("exceptions/{id}.yaml"),
                }
            }
            _ => "exceptions/all-accounts.yaml".to_string(),
        };
        let mut s = String::new();
        match controls.as_slice() {
            [one] => s.push_str(&format!("  - control: {}\n", scalar(one))),
            many => s.push_str(&format!("  - controls: {}\n", list(many.iter()))),
        }
        if let Some(stds) = &e.standards {
            s.push_str(&format!("    standards: {}\n", list(stds.iter())));
        }
        if let Some(a) = &e.accounts
            && let Some(sel) = accounts_selection(cx, a)
        {
            s.push_str(&format!("    accounts: {sel}\n"));
        }
        if let Some(r) = &e.regions
            && let Some(sel) = regions_selection(cx, r)
        {
            s.push_str(&format!("    regions: {sel}\n"));
        }
        s.push_str(&format!("    reason: {}\n", scalar(&e.reason)));
        for key in ["owner", "ticket", "expires"] {
            s.push_str(&format!("    {key}: {PLACEHOLDER}\n"));
        }
        by_file.entry(file).or_default().push(s);
    }
    by_file
        .into_iter()
        .map(|(path, items)| {
            let whose = if path.ends_with("all-accounts.yaml") {
                "Controls disabled across accounts".to_string()
            } else {
                "Controls disabled in one account".to_string()
            };
            let text = format!(
                "# {whose}, grouped by the reason they were disabled with.\n# `shubctl export` cannot know who owns each exception: fill in owner, ticket and expiry\n# (`validate` warns while they read {PLACEHOLDER}), then move them to one file per owner.\nexceptions:\n{}",
                items.join("\n")
            );
            (path, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(a: &str, r: &str) -> Place {
        (AccountId::parse(a).unwrap(), r.to_string())
    }

    /// Two rectangles covering the same place would be two exceptions disabling the control
    /// there: the export's own policy would then warn about them (SH318).
    #[test]
    fn the_rectangles_of_a_cover_never_overlap() {
        let (x, y) = ("111111111111", "222222222222");
        // Both accounts in both regions matter; x has the control disabled in both, y in one.
        let care: BTreeSet<Place> = [
            place(x, "a-1"),
            place(x, "b-1"),
            place(y, "a-1"),
            place(y, "b-1"),
        ]
        .into();
        let must: BTreeSet<Place> = [place(x, "a-1"), place(x, "b-1"), place(y, "a-1")].into();
        let rects = cover(&must, &care);
        let inside = |(accts, regs): &Cover, p: &Place| {
            accts.as_ref().is_none_or(|a| a.contains(&p.0))
                && regs.as_ref().is_none_or(|r| r.contains(&p.1))
        };
        for p in &care {
            let n = rects.iter().filter(|c| inside(c, p)).count();
            let want = usize::from(must.contains(p));
            assert_eq!(n, want, "{p:?} covered {n} times by {rects:?}");
        }
    }
}
