//! `shubctl export`: the live set-up (or a snapshot of it) written as a policy folder that
//! reproduces it, so a team that set Security Hub up by hand can adopt shubctl without writing
//! the policy from scratch.
//!
//! The defining property: planning the exported policy against the state it came from finds
//! nothing to change. Everything written is therefore exact. What the policy language cannot
//! say is left out of the policy's reach instead of approximated — accounts whose set-up
//! differs are excluded, regions that differ are not listed, a section that cannot be
//! reproduced is not declared (so shubctl neither reads nor touches it) — and each such choice
//! is explained in a note, in the files and on the terminal. Exceptions are grouped by their
//! identical reason; their owner, ticket and expiry are left as `TODO` for people to fill in,
//! which `validate` warns about.

mod exceptions;
mod sections;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::organization::AccountStatus;
use crate::model::resource::Resource;
use crate::model::{AccountId, Kind, OrgInfo, Scope, ScopeState, Service, State};

/// What `export` needs besides the state.
#[derive(Clone, Debug)]
pub struct Options {
    /// The role the policy assumes in member accounts.
    pub role: String,
    /// `role` is a default nobody chose (a snapshot does not record the role): said so.
    pub role_guessed: bool,
    pub external_id: Option<String>,
    /// Where the state came from, for the files' header.
    pub source: String,
    /// Kinds that could not be read somewhere (scope → message): sections that need them are
    /// not declared, so the exported policy does not depend on what is unknown.
    pub unreadable: BTreeMap<Kind, Vec<String>>,
}

/// A policy folder: files by relative path, and what could not be expressed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exported {
    /// Relative path (`baseline.yaml`, `exceptions/all-accounts.yaml`) → YAML text.
    pub files: BTreeMap<String, String>,
    /// What the policy leaves out or cannot say, one sentence each.
    pub notes: Vec<String>,
}

/// The state being exported and what has been decided so far.
pub(crate) struct Cx<'a> {
    pub org: &'a OrgInfo,
    pub state: &'a State,
    pub opts: &'a Options,
    /// An organisation (else a single account).
    pub organization: bool,
    pub management: Option<AccountId>,
    /// The Security Hub administrator (the account itself for a single account).
    pub admin: AccountId,
    /// Active accounts known, sorted.
    pub known: Vec<AccountId>,
    /// Accounts in the policy's scope, sorted.
    pub accounts: Vec<AccountId>,
    /// Regions in the policy's scope, sorted.
    pub regions: Vec<String>,
    pub home: String,
    pub notes: Vec<String>,
}

impl Cx<'_> {
    pub fn get(
        &self,
        account: &AccountId,
        region: &str,
        kind: Kind,
        id: Option<&str>,
    ) -> Option<Resource> {
        self.state
            .scopes
            .get(&Scope::new(account, region))
            .and_then(|s| s.get(kind, id))
    }

    pub fn scope(&self, account: &AccountId, region: &str) -> Option<&ScopeState> {
        self.state.scopes.get(&Scope::new(account, region))
    }

    /// Every (account, region) in the policy's scope.
    pub fn scopes(&self) -> impl Iterator<Item = (&AccountId, &str)> + '_ {
        self.accounts
            .iter()
            .flat_map(|a| self.regions.iter().map(move |r| (a, r.as_str())))
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// Whether a kind could be read everywhere; if not, says which section is left out.
    pub fn readable(&mut self, kinds: &[Kind], section: &str) -> bool {
        let failed: Vec<String> = kinds
            .iter()
            .filter_map(|k| self.opts.unreadable.get(k))
            .flatten()
            .cloned()
            .collect();
        if failed.is_empty() {
            return true;
        }
        self.note(format!(
            "`{section}` is not declared: it could not be read ({})",
            failed.join("; ")
        ));
        false
    }

    pub fn account_name(&self, a: &AccountId) -> Option<&str> {
        self.org
            .account(a)
            .map(|i| i.name.as_str())
            .filter(|n| !n.is_empty())
    }

    /// `111111111111 (name)`.
    pub fn shown(&self, a: &AccountId) -> String {
        match self.account_name(a) {
            Some(n) => format!("{a} ({n})"),
            None => a.to_string(),
        }
    }

    pub fn is_service_admin_everywhere(&self, service: Service) -> bool {
        let Some(m) = &self.management else {
            return true;
        };
        self.regions.iter().all(|r| {
            matches!(
                self.get(m, r, Kind::DelegatedAdmin, Some(service.id())),
                Some(Resource::DelegatedAdmin(v)) if v.account == self.admin
            )
        })
    }
}

/// The one value every item has, if they all have the same (None for none or several).
pub(crate) fn uniform<T: PartialEq>(mut items: impl Iterator<Item = T>) -> Option<T> {
    let first = items.next()?;
    for x in items {
        if x != first {
            return None;
        }
    }
    Some(first)
}

/// The value seen most often (ties: the first seen).
fn most_common<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for x in items {
        match counts.iter_mut().find(|(v, _)| *v == x) {
            Some((_, n)) => *n += 1,
            None => counts.push((x, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v)
}

/// Writes the state as a policy folder.
pub fn export(org: &OrgInfo, state: &State, opts: &Options) -> Exported {
    let mut cx = prepare(org, state, opts);
    if opts.role_guessed && cx.organization {
        cx.note(format!(
            "`organization.role: {}` is a guess: a snapshot does not record the role shubctl assumes in member accounts; export again with `--role` (and `--external-id`) to write yours",
            opts.role
        ));
    }
    let mut out = Exported::default();
    sections::write_all(&mut cx, &mut out.files);
    out.notes = std::mem::take(&mut cx.notes);
    // The notes open the baseline too, so whoever reviews the files sees them.
    if let Some(base) = out.files.get_mut("baseline.yaml") {
        *base = format!("{}{base}", header(opts, &out.notes));
    }
    out
}

/// The header's claim, made only once `shubctl export` has planned the folder against the
/// state and found nothing (see [`Exported::remaining`]).
const ROUND_TRIP: &str =
    "# `shubctl plan` of this folder against that state finds nothing to change.\n";

impl Exported {
    /// Says in the header that planning the folder against the state it came from still finds
    /// `n` changes, instead of claiming a clean round trip.
    pub fn remaining(&mut self, n: usize) {
        if let Some(base) = self.files.get_mut("baseline.yaml") {
            *base = base.replacen(
                ROUND_TRIP,
                &format!(
                    "# `shubctl plan` of this folder against that state STILL FINDS {n} CHANGE(S): it does not\n# reproduce the set-up. Read the notes below and edit the policy before using it.\n"
                ),
                1,
            );
        }
    }
}

fn header(opts: &Options, notes: &[String]) -> String {
    let mut h = format!(
        "# Written by `shubctl export` from {}.\n{ROUND_TRIP}",
        yaml::comment(&opts.source)
    );
    if !notes.is_empty() {
        h.push_str("#\n# What the export left out or could not say:\n");
        for n in notes {
            let mut first = true;
            // Notes name accounts and quote AWS's text: one comment line each, whatever it holds.
            for line in wrap(&yaml::comment(n), 92) {
                h.push_str(if first { "#   - " } else { "#     " });
                h.push_str(&line);
                h.push('\n');
                first = false;
            }
        }
    }
    h.push('\n');
    h
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let cur = lines.last_mut().expect("one line");
        if !cur.is_empty() && cur.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
    }
    lines
}

/// Decides the organisation, the administrator, the home region and the scope: accounts and
/// regions where Security Hub is set up the same way as in the administrator's home region.
fn prepare<'a>(org: &'a OrgInfo, state: &'a State, opts: &'a Options) -> Cx<'a> {
    let mut notes = Vec::new();
    let organization = !org.accounts.is_empty();
    let in_state: BTreeSet<&AccountId> = state.scopes.keys().map(|s| &s.account).collect();
    let known: Vec<AccountId> = if organization {
        let mut v: Vec<AccountId> = org
            .accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Active)
            .map(|a| a.id.clone())
            .collect();
        v.sort();
        v
    } else {
        in_state.iter().map(|a| (*a).clone()).collect()
    };
    let hub_regions = |a: &AccountId| -> Vec<String> {
        state
            .scopes
            .iter()
            .filter(|(s, st)| &s.account == a && st.get(Kind::Hub, None).is_some())
            .map(|(s, _)| s.region.clone())
            .collect()
    };
    let management = org.management_account.clone().filter(|_| organization);
    let admin = if organization {
        let designated = management.as_ref().and_then(|m| {
            most_common(
                state
                    .scopes
                    .iter()
                    .filter(|(s, _)| &s.account == m)
                    .filter_map(|(_, st)| {
                        match st.get(Kind::DelegatedAdmin, Some(Service::SecurityHub.id())) {
                            Some(Resource::DelegatedAdmin(v)) => Some(v.account),
                            _ => None,
                        }
                    }),
            )
        });
        match (designated, &management) {
            (Some(a), _) => a,
            (None, Some(m)) => {
                notes.push(format!("no Security Hub delegated administrator is designated; the policy names the management account {m}, so `plan` will designate it"));
                m.clone()
            }
            (None, None) => {
                notes.push("the organisation reports no management account".into());
                known
                    .first()
                    .cloned()
                    .unwrap_or_else(|| AccountId::parse("000000000000").expect("valid"))
            }
        }
    } else {
        // A single account: the one with Security Hub in the most regions.
        let best = known
            .iter()
            .max_by_key(|a| (hub_regions(a).len(), std::cmp::Reverse((*a).clone())))
            .cloned();
        for a in known.iter().filter(|a| Some(*a) != best.as_ref()) {
            notes.push(format!("account {a} is in the state but not in an organisation; only one account can be exported without one"));
        }
        best.unwrap_or_else(|| AccountId::parse("000000000000").expect("valid"))
    };
    let admin_regions = hub_regions(&admin);
    let mut cx = Cx {
        org,
        state,
        opts,
        organization,
        management,
        admin,
        known,
        accounts: vec![],
        regions: vec![],
        home: String::new(),
        notes,
    };
    if admin_regions.is_empty() {
        cx.note(format!(
            "Security Hub is not enabled in {} in any region, so there is no set-up to export; the policy written only names the scope",
            cx.shown(&cx.admin)
        ));
    }
    choose_regions(&mut cx, &admin_regions);
    choose_accounts(&mut cx);
    fit_standards(&mut cx);
    cx
}

/// A policy enables each standard in one rectangle of accounts × regions. Where an account has
/// a standard in other regions than most accounts (or the administrator) have it, the account
/// is excluded, so `standards` and `exceptions` can still be declared for the others.
fn fit_standards(cx: &mut Cx<'_>) {
    loop {
        let mut misfits: BTreeMap<AccountId, String> = BTreeMap::new();
        for (std, at) in sections::enabled_standards(cx) {
            let mut by_account: BTreeMap<AccountId, BTreeSet<String>> = BTreeMap::new();
            for (a, r) in at {
                by_account.entry(a).or_default().insert(r);
            }
            let reference = by_account
                .get(&cx.admin)
                .cloned()
                .or_else(|| most_common(by_account.values().cloned()));
            let Some(reference) = reference else { continue };
            for (a, regs) in &by_account {
                if *regs != reference && *a != cx.admin {
                    misfits.entry(a.clone()).or_insert_with(|| {
                        format!(
                            "{std} is enabled there in {} but in {} elsewhere, and a policy enables a standard in the same regions of every account it names",
                            regs.iter().cloned().collect::<Vec<_>>().join(", "),
                            reference.iter().cloned().collect::<Vec<_>>().join(", ")
                        )
                    });
                }
            }
        }
        if misfits.is_empty() {
            return;
        }
        for (a, why) in misfits {
            cx.accounts.retain(|x| *x != a);
            let shown = cx.shown(&a);
            cx.note(format!("account {shown} is excluded: {why}; remove it from `exclude` to have shubctl set it up like the others"));
        }
    }
}

/// What must be the same in every region in scope: the administrator's hub, its organisation
/// configuration, and its designation.
type RegionKey = (Option<Resource>, Option<Resource>, bool);

fn region_key(cx: &Cx<'_>, r: &str) -> RegionKey {
    let sh = Some(Service::SecurityHub.id());
    let (hub, cfg) = (
        cx.get(&cx.admin, r, Kind::Hub, None),
        cx.get(&cx.admin, r, Kind::OrgConfig, sh)
            .filter(|_| cx.organization),
    );
    let designated = match &cx.management {
        Some(m) if m != &cx.admin => matches!(
            cx.get(m, r, Kind::DelegatedAdmin, sh),
            Some(Resource::DelegatedAdmin(v)) if v.account == cx.admin
        ),
        _ => true,
    };
    (hub, cfg, designated)
}

/// The regions set up like most of the administrator's (ties go to the region holding the
/// aggregator, insights or rules), and the home region among them.
fn choose_regions(cx: &mut Cx<'_>, admin_regions: &[String]) {
    // The region holding the aggregator, else insights, rules or custom actions.
    let holder = [
        Kind::Aggregator,
        Kind::Insight,
        Kind::AutomationRule,
        Kind::ActionTarget,
    ]
    .into_iter()
    .find_map(|k| {
        admin_regions
            .iter()
            .find(|r| {
                cx.scope(&cx.admin, r)
                    .is_some_and(|s| s.resources.keys().any(|l| l.kind == k))
            })
            .cloned()
    });
    let keys: Vec<(String, RegionKey)> = admin_regions
        .iter()
        .map(|r| (r.clone(), region_key(cx, r)))
        .collect();
    let count = |k: &RegionKey| keys.iter().filter(|(_, x)| x == k).count();
    let best = keys.iter().map(|(_, k)| count(k)).max().unwrap_or(0);
    let reference = holder
        .as_ref()
        .and_then(|h| keys.iter().find(|(r, _)| r == h))
        .filter(|(_, k)| count(k) == best)
        .or_else(|| keys.iter().find(|(_, k)| count(k) == best))
        .map(|(_, k)| k.clone());
    let mut regions = Vec::new();
    for (r, k) in &keys {
        if Some(k) == reference.as_ref() {
            regions.push(r.clone());
            continue;
        }
        let Some(reference) = &reference else {
            continue;
        };
        let mut why = Vec::new();
        if k.0 != reference.0 {
            why.push("the administrator's hub settings differ from most regions'".to_string());
        }
        if k.1 != reference.1 {
            why.push("the organisation configuration differs from most regions'".into());
        }
        if k.2 != reference.2 {
            why.push(format!(
                "{} is not the designated administrator there",
                cx.admin
            ));
        }
        cx.note(format!("region {r} is not managed: {}", why.join("; ")));
    }
    regions.sort();
    cx.home = holder
        .filter(|h| regions.contains(h))
        .or_else(|| regions.iter().find(|r| *r == "us-east-1").cloned())
        .or_else(|| regions.first().cloned())
        .unwrap_or_else(|| "us-east-1".into());
    if regions.is_empty() {
        regions.push(cx.home.clone());
    }
    // What the administrator holds outside the regions in scope is not the policy's.
    for r in admin_regions.iter().filter(|r| !regions.contains(r)) {
        if let Some(s) = cx.scope(&cx.admin, r) {
            let held: BTreeSet<&str> = s
                .resources
                .keys()
                .filter(|l| l.kind.held_by_admin() && l.kind.needs_hub())
                .map(|l| l.kind.as_str())
                .collect();
            if !held.is_empty() {
                let list: Vec<&str> = held.into_iter().collect();
                cx.note(format!(
                    "the administrator's {} in {r} are not managed, as {r} is not",
                    list.join(", ")
                ));
            }
        }
    }
    cx.regions = regions;
}

/// The accounts whose hub is in the same state as the administrator's in every region in scope.
fn choose_accounts(cx: &mut Cx<'_>) {
    if !cx.organization {
        cx.accounts = vec![cx.admin.clone()];
        return;
    }
    let mut accounts = Vec::new();
    let mut left_out: Vec<(AccountId, String)> = Vec::new();
    for a in cx.known.clone() {
        if a == cx.admin {
            accounts.push(a);
            continue;
        }
        if cx
            .opts
            .unreadable
            .get(&Kind::Hub)
            .is_some_and(|f| f.iter().any(|m| m.starts_with(a.as_str())))
        {
            left_out.push((a, "it could not be read".into()));
            continue;
        }
        let differs: Vec<&str> = cx
            .regions
            .iter()
            .filter(|r| cx.get(&a, r, Kind::Hub, None) != cx.get(&cx.admin, r, Kind::Hub, None))
            .map(String::as_str)
            .collect();
        if differs.is_empty() {
            accounts.push(a);
        } else {
            let on = cx
                .regions
                .iter()
                .filter(|r| cx.get(&a, r, Kind::Hub, None).is_some())
                .count();
            let why = if on == 0 {
                "Security Hub is off there".to_string()
            } else {
                let each: Vec<String> = differs
                    .iter()
                    .map(|r| {
                        hub_difference(
                            r,
                            cx.get(&a, r, Kind::Hub, None),
                            cx.get(&cx.admin, r, Kind::Hub, None),
                        )
                    })
                    .collect();
                each.join("; ")
            };
            left_out.push((a, why));
        }
    }
    for (a, why) in left_out {
        let shown = cx.shown(&a);
        cx.note(format!("account {shown} is excluded: {why}; remove it from `exclude` to have shubctl set it up like the others"));
    }
    accounts.sort();
    cx.accounts = accounts;
}

/// How an account's hub in `region` differs from the administrator's, setting by setting.
fn hub_difference(region: &str, mine: Option<Resource>, admin: Option<Resource>) -> String {
    match (mine, admin) {
        (None, _) => format!("Security Hub is off in {region}"),
        (Some(_), None) => {
            format!("Security Hub is on in {region}, where the administrator's is off")
        }
        (Some(m), Some(a)) => {
            let (m, a) = (m.to_json(), a.to_json());
            let fields: Vec<String> = m
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, v)| a.get(k.as_str()) != Some(*v))
                .map(|(k, v)| {
                    let theirs = a.get(k.as_str()).map_or("(none)".into(), |x| x.to_string());
                    format!("{k} is {v} (the administrator's: {theirs})")
                })
                .collect();
            format!("in {region}, {}", fields.join(", "))
        }
    }
}

/// A file name part from free text (`Payments platform` → `payments-platform`).
pub(crate) fn slug(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_claims_a_clean_round_trip_only_until_changes_are_found() {
        let opts = Options {
            role: "R".into(),
            external_id: None,
            source: "snapshot s.json".into(),
            unreadable: Default::default(),
            role_guessed: false,
        };
        let mut e = Exported::default();
        e.files.insert(
            "baseline.yaml".into(),
            format!("{}hub: {{}}\n", header(&opts, &[])),
        );
        assert!(e.files["baseline.yaml"].contains("finds nothing to change"));
        e.remaining(3);
        let base = &e.files["baseline.yaml"];
        assert!(!base.contains("finds nothing to change"), "{base}");
        assert!(base.contains("STILL FINDS 3 CHANGE(S)"), "{base}");
        assert!(base.ends_with("hub: {}\n"));
    }
}
