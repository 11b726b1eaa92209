//! `exceptions:` — controls to disable, each with a reason (sent to AWS as the disabled reason)
//! and optionally an owner, a ticket and an expiry date, limited to standards, accounts or
//! regions. Where several cover one control, the most specific wins; an expired exception no
//! longer holds, and the plan says so.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{
    Member, MemberPlaces, RegionRef, Selected, Selection, control_id, parse_date, regions,
    standard_name,
};
use crate::model::catalog::catalog;
use crate::model::{AccountId, ExceptionRef, Kind};
use crate::spec::compose::{Composed, Located};
use crate::spec::diagnostics::{Code, Diagnostics, Pos};
use crate::spec::expand::Expansion;
use crate::spec::policy::CheckOptions;

/// A documented reason to disable one or more controls, optionally limited in scope.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// One security-control ID (`IAM.6`). Use `controls` for several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Several security-control IDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<Vec<String>>,
    /// Limit to these standards (default: every enabled standard containing the control).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standards: Option<Vec<String>>,
    /// Limit to these accounts / OUs, or all but some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Selection>,
    /// Limit to these regions, or all but some (`home` names the home region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Selection>,
    /// Why the control is disabled. Required; sent to AWS as the disabled reason.
    pub reason: String,
    /// Who owns the exception (a team or person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Tracking ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Date (YYYY-MM-DD) after which the exception no longer holds and the control is re-enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

pub const KINDS: &[Kind] = &[Kind::Control];

/// What `shubctl export` writes for the owner, ticket and expiry it cannot know: `validate`
/// warns until people fill them in, and a `TODO` expiry means none yet.
pub const PLACEHOLDER: &str = "TODO";

/// One exception, checked.
#[derive(Debug, Clone)]
pub struct Rule {
    pub controls: Vec<String>,
    pub standards: Option<Vec<String>>,
    pub accounts: Option<Selected<Member>>,
    pub regions: Option<Selected<RegionRef>>,
    /// Trimmed, as sent to AWS.
    pub reason: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub expires: Option<NaiveDate>,
    /// Where the exception is written; the plan cites it.
    pub at: Pos,
}

impl Rule {
    /// How narrowly it is scoped: the more dimensions limited, the more specific.
    fn specificity(&self) -> u8 {
        u8::from(self.standards.is_some())
            + u8::from(self.accounts.is_some())
            + u8::from(self.regions.is_some())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub rules: Vec<Rule>,
    places: MemberPlaces,
    /// Control ID → the rules naming it.
    by_control: BTreeMap<String, Vec<usize>>,
    today: Option<NaiveDate>,
}

/// Which exception decides a control in one place.
#[derive(Debug, Default)]
pub struct Decision {
    /// The unexpired exception that disables it.
    pub disabled_by: Option<usize>,
    /// An expired exception that would disable it otherwise.
    pub expired: Option<usize>,
    /// Pairs of unexpired exceptions that both cover it.
    pub overlaps: Vec<(usize, usize)>,
}

pub fn owner_ticket(owner: &Option<String>, ticket: &Option<String>) -> String {
    match (owner, ticket) {
        (Some(o), Some(t)) => format!(" (owner {o}, ticket {t})"),
        (Some(o), None) => format!(" (owner {o})"),
        (None, Some(t)) => format!(" (ticket {t})"),
        (None, None) => String::new(),
    }
}

pub fn check(c: &Composed, opts: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let list = c.exceptions.as_ref()?;
    let enabled: BTreeSet<&str> = c
        .standards
        .iter()
        .flat_map(|s| s.value.iter())
        .map(|e| e.name())
        .collect();
    let mut out = Checked {
        today: Some(opts.today),
        ..Checked::default()
    };
    for e in list {
        let x = &e.value;
        let controls = controls(c, e, &enabled, d);
        if let Some(stds) = &x.standards {
            for (i, s) in stds.iter().enumerate() {
                let pos = c.pos(e, &format!("/standards/{i}"));
                if standard_name(s, &pos, d) && !enabled.is_empty() && !enabled.contains(s.as_str())
                {
                    d.warning(
                        &pos,
                        Code::NoEffect,
                        format!("`{s}` is not enabled by this policy, so this part of the exception has no effect"),
                    );
                }
            }
        }
        let accts = x
            .accounts
            .as_ref()
            .map(|a| out.places.accounts(a, |s| c.pos(e, &format!("/accounts{s}")), d));
        let regs = x
            .regions
            .as_ref()
            .map(|r| regions(c, r, |s| c.pos(e, &format!("/regions{s}")), d));
        if x.reason.trim().is_empty() {
            d.error(
                &c.pos(e, "/reason"),
                Code::EmptyReason,
                "the reason is empty; say why the control is disabled",
            );
        } else if x.reason.chars().count() > 1024 {
            d.error(
                &c.pos(e, "/reason"),
                Code::ReasonTooLong,
                "the reason is longer than 1024 characters",
            );
        }
        for (key, v) in [
            ("owner", &x.owner),
            ("ticket", &x.ticket),
            ("expires", &x.expires),
        ] {
            if v.as_deref() == Some(PLACEHOLDER) {
                d.warning(
                    &c.pos(e, &format!("/{key}")),
                    Code::ExceptionPlaceholder,
                    format!("`{key}` is still {PLACEHOLDER}: fill it in"),
                );
            }
        }
        for (key, v) in [("owner", &x.owner), ("ticket", &x.ticket)] {
            if v.as_ref().is_some_and(|s| s.trim().is_empty()) {
                d.error(
                    &c.pos(e, &format!("/{key}")),
                    Code::EmptyField,
                    format!("`{key}` is empty; leave it out or fill it in"),
                );
            }
        }
        let expires = expiry(c, e, opts, d);
        let i = out.rules.len();
        for id in &controls {
            out.by_control.entry(id.clone()).or_default().push(i);
        }
        out.rules.push(Rule {
            controls,
            standards: x.standards.clone(),
            accounts: accts,
            regions: regs,
            reason: x.reason.trim().to_string(),
            owner: x.owner.clone(),
            ticket: x.ticket.clone(),
            expires,
            at: c.pos(e, ""),
        });
    }
    Some(out)
}

/// The controls an exception names, checked against the catalog and its standards.
fn controls(
    c: &Composed,
    e: &Located<Exception>,
    enabled: &BTreeSet<&str>,
    d: &mut Diagnostics,
) -> Vec<String> {
    let x = &e.value;
    let ids: Vec<(String, &String)> = match (&x.control, &x.controls) {
        (Some(one), None) => vec![("/control".into(), one)],
        (None, Some(many)) => {
            if many.is_empty() {
                d.error(
                    &c.pos(e, "/controls"),
                    Code::EmptyControls,
                    "`controls` is empty",
                );
            }
            many.iter()
                .enumerate()
                .map(|(i, id)| (format!("/controls/{i}"), id))
                .collect()
        }
        (Some(_), Some(_)) => {
            d.error(
                &c.pos(e, ""),
                Code::ControlAndControls,
                "give either `control` or `controls`, not both",
            );
            vec![]
        }
        (None, None) => {
            d.error(
                &c.pos(e, ""),
                Code::ControlAndControls,
                "an exception needs `control` (or `controls`)",
            );
            vec![]
        }
    };
    let mut controls: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for (sub, id) in &ids {
        let pos = c.pos(e, sub);
        if !seen.insert(*id) {
            d.warning(
                &pos,
                Code::RepeatedControl,
                format!("`{id}` is listed twice in this exception"),
            );
        }
        if !control_id(id, &pos, d) {
            continue;
        }
        let def = catalog().control(id).expect("checked");
        if let Some(stds) = &x.standards {
            for s in stds {
                if catalog().standard(s).is_some() && !def.standards.contains(s) {
                    d.error(
                        &pos,
                        Code::ControlNotInStandard,
                        format!("`{id}` is not part of `{s}`"),
                    );
                }
            }
        } else if !enabled.is_empty() && !def.standards.iter().any(|s| enabled.contains(s.as_str()))
        {
            d.warning(
                &pos,
                Code::NoEffect,
                format!("this exception has no effect: `{id}` is in none of the enabled standards"),
            );
        }
        if !controls.contains(id) {
            controls.push((*id).clone());
        }
    }
    controls
}

/// The expiry date, warning when it has passed or is near.
fn expiry(
    c: &Composed,
    e: &Located<Exception>,
    opts: &CheckOptions,
    d: &mut Diagnostics,
) -> Option<NaiveDate> {
    let x = &e.value;
    let mut expires = None;
    if let Some(exp) = x.expires.as_ref().filter(|e| *e != PLACEHOLDER) {
        let pos = c.pos(e, "/expires");
        let who = owner_ticket(&x.owner, &x.ticket);
        match parse_date(exp) {
            None => d.error(
                &pos,
                Code::BadDate,
                format!("`{exp}` is not a date; write YYYY-MM-DD"),
            ),
            Some(date) if date < opts.today => d.warning(
                &pos,
                Code::ExceptionExpired,
                format!("exception expired on {date}{who}: its controls will be re-enabled"),
            ),
            Some(date) if (date - opts.today).num_days() <= opts.expiry_warning_days => d.warning(
                &pos,
                Code::ExceptionExpiring,
                format!(
                    "exception expires on {date}, in {} days{who}",
                    (date - opts.today).num_days()
                ),
            ),
            _ => {}
        }
        expires = parse_date(exp);
    }
    expires
}

impl Checked {
    fn is_expired(&self, r: &Rule) -> bool {
        match (r.expires, self.today) {
            (Some(e), Some(today)) => e < today,
            _ => false,
        }
    }

    /// The exceptions' verdict on a control of standard `std` in one account × region.
    pub fn decide(
        &self,
        x: &Expansion<'_>,
        control: &str,
        std: &str,
        account: &AccountId,
        region: &str,
    ) -> Decision {
        let covering = self
            .by_control
            .get(control)
            .into_iter()
            .flatten()
            .copied()
            .filter(|i| {
                let r = &self.rules[*i];
                r.standards
                    .as_ref()
                    .is_none_or(|ss| ss.iter().any(|s| s == std))
                    && x.selects_account(r.accounts.as_ref(), account)
                    && x.selects_region(r.regions.as_ref(), region)
            });
        let (active, expired): (Vec<usize>, Vec<usize>) =
            covering.partition(|i| !self.is_expired(&self.rules[*i]));
        // Most specific wins; ties go to the one written first.
        let winner = active
            .iter()
            .copied()
            .max_by_key(|i| (self.rules[*i].specificity(), std::cmp::Reverse(*i)));
        Decision {
            disabled_by: winner,
            expired: expired.first().copied(),
            overlaps: winner
                .map(|w| {
                    active
                        .iter()
                        .filter(|i| **i != w)
                        .map(|o| (w.min(*o), w.max(*o)))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Every control some exception names.
    pub fn controls(&self) -> impl Iterator<Item = &str> {
        self.by_control.keys().map(String::as_str)
    }

    /// How the plan cites rule `i`.
    pub fn reference(&self, i: usize) -> ExceptionRef {
        let r = &self.rules[i];
        ExceptionRef {
            at: r.at.to_string(),
            reason: r.reason.clone(),
            owner: r.owner.clone(),
            ticket: r.ticket.clone(),
            expires: r.expires.map(|d| d.format("%Y-%m-%d").to_string()),
        }
    }
}

impl Section for Checked {
    fn check_org(&self, x: &Expansion<'_>, d: &mut Diagnostics) {
        self.places.warn_unknown(x.org, d);
    }
    /// Overlapping exceptions are only known once every scope is expanded.
    fn finish(&self, x: &Expansion<'_>, d: &mut Diagnostics) {
        for ((a, b), example) in &x.overlaps() {
            let (ra, rb) = (&self.rules[*a], &self.rules[*b]);
            let (win, lose) = if (ra.specificity(), std::cmp::Reverse(*a))
                >= (rb.specificity(), std::cmp::Reverse(*b))
            {
                (ra, rb)
            } else {
                (rb, ra)
            };
            d.warning(
                &lose.at,
                Code::OverlappingExceptions,
                format!(
                    "this exception and the one at {} both disable {example} (and maybe more); the reason recorded is the other one's, as it is {}",
                    win.at,
                    if win.specificity() > lose.specificity() {
                        "more specific"
                    } else {
                        "equally specific and comes first"
                    }
                ),
            );
        }
    }
}
