//! Expansion: a checked policy plus what is known of the organisation becomes the desired
//! state (every resource at its address), the list of what must be read, and the reasons behind
//! each control's desired status. Each section expands itself ([`Section`]); this module walks
//! the accounts × regions in scope and says which account holds what.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::diagnostics::Diagnostics;
use super::policy::Policy;
use super::sections::hub;
use super::sections::select::{Member, RegionRef, Selected};
use crate::model::{AccountId, Address, Note, OrgInfo, ReadPlan, State};

#[derive(Clone, Debug, Default)]
pub struct Desired {
    pub state: State,
    pub notes: BTreeMap<Address, Note>,
    pub reads: ReadPlan,
    pub accounts: Vec<AccountId>,
    pub regions: Vec<String>,
    /// Accounts left out because Organizations reports them suspended or closed.
    pub skipped: Vec<(AccountId, String)>,
    /// Pairs of exceptions (by index) that both disable some control somewhere, with an example.
    pub(crate) overlaps: BTreeMap<(usize, usize), String>,
}

/// What every section's expansion may ask: the policy, the organisation, and where things live.
pub struct Expansion<'a> {
    pub policy: &'a Policy,
    pub org: &'a OrgInfo,
    pub today: NaiveDate,
    pub home: &'a str,
    pub regions: Vec<String>,
    pub accounts: Vec<AccountId>,
    /// Holds the organisation-wide resources: the delegated administrator, or the one account.
    pub admin: AccountId,
    /// Designates the administrators (organisations only).
    pub management: Option<AccountId>,
    /// Account → the root or OU it sits in; looked up for every control of every scope.
    parents: HashMap<&'a AccountId, &'a str>,
}

impl Expansion<'_> {
    /// Whether an account selection (None: every account) includes `id`.
    pub fn selects_account(&self, sel: Option<&Selected<Member>>, id: &AccountId) -> bool {
        let parent = self.parents.get(id).copied();
        sel.is_none_or(|s| {
            s.includes(|m| match m {
                Member::Account(a) => a == id,
                Member::Unit(u) => parent.is_some_and(|p| self.org.is_under(p, u)),
            })
        })
    }

    /// Whether a region selection (None: every region) includes `region`.
    pub fn selects_region(&self, sel: Option<&Selected<RegionRef>>, region: &str) -> bool {
        sel.is_none_or(|s| {
            s.includes(|r| match r {
                RegionRef::Home => region == self.home,
                RegionRef::Named(n) => n == region,
            })
        })
    }
}

pub fn expand(p: &Policy, org: &OrgInfo, today: NaiveDate, d: &mut Diagnostics) -> Desired {
    let mut out = Desired::default();
    let Some(regions) = &p.regions else {
        return out;
    };
    out.regions = regions.expand(org, d);
    if !out.regions.is_empty() && !out.regions.contains(&regions.home) {
        return out;
    }
    let (accounts, admin, management) = match (&p.account, &p.organization) {
        (Some(a), _) => (vec![a.id.clone()], a.id.clone(), None),
        (None, Some(o)) => (
            o.accounts(org, &mut out, d),
            o.admin.clone(),
            Some(o.management.clone()),
        ),
        (None, None) => return out,
    };
    out.accounts = accounts.clone();
    let x = Expansion {
        policy: p,
        org,
        today,
        home: &regions.home,
        regions: out.regions.clone(),
        accounts,
        admin,
        management,
        parents: org
            .accounts
            .iter()
            .map(|a| (&a.id, a.parent.as_str()))
            .collect(),
    };
    let sections = p.sections();
    for acct in &x.accounts {
        for r in &x.regions {
            // Without a `hub` section Security Hub is still managed, with AWS's defaults,
            // since everything else the policy declares needs it.
            if p.hub.is_none() {
                hub::expand_scope(&hub::Checked::default(), acct, r, &mut out);
            }
            for s in &sections {
                s.scope(&x, acct, r, &mut out);
            }
        }
    }
    for s in &sections {
        s.organization(&x, &mut out);
    }
    for s in &sections {
        s.finish(&x, &out, d);
    }
    out
}
