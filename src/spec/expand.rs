//! Expansion: a checked policy plus what is known of the organisation becomes, scope by scope,
//! what the policy wants there and what to read there. Each section expands itself
//! ([`Section`]); this module knows which accounts and regions are in scope and which account
//! holds the organisation-wide resources. A scope's desired state is computed when it is needed,
//! so an organisation is never held in memory at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use chrono::NaiveDate;

use super::central::compile::{Compiled, Configuration, compile};
use super::diagnostics::Diagnostics;
use super::policy::Policy;
use super::sections::hub;
use super::sections::select::{Member, RegionRef, Selected};
use crate::model::{AccountId, DesiredScope, Kind, OrgInfo, ReadPlan, Scope, Service};

/// What a configuration policy sets in an account, so is not managed account by account under
/// central configuration.
pub const CENTRALLY_CONFIGURED: [Kind; 4] = [
    Kind::Hub,
    Kind::Standard,
    Kind::Control,
    Kind::ControlParameters,
];

/// What the sections want once for the organisation, by the scope that holds it.
#[derive(Debug, Default)]
pub struct OrgDesired {
    pub scopes: BTreeMap<Scope, DesiredScope>,
    /// For kinds keyed by service (`delegated-admin`, `org-config`): the services the policy
    /// declares. Entries of other services are not the policy's business.
    pub only: BTreeMap<Kind, BTreeSet<Service>>,
}

impl OrgDesired {
    /// What is wanted in one account × region.
    pub fn at(&mut self, account: &AccountId, region: &str) -> &mut DesiredScope {
        self.scopes.entry(Scope::new(account, region)).or_default()
    }
    /// The policy manages `kind` entries of `service`.
    pub fn manages(&mut self, kind: Kind, service: Service) {
        self.only.entry(kind).or_default().insert(service);
    }
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
    /// Accounts left out because Organizations reports them suspended or closed.
    pub skipped: Vec<(AccountId, String)>,
    /// Account → the root or OU it sits in; looked up for every control of every scope.
    parents: HashMap<&'a AccountId, &'a str>,
    org_level: OrgDesired,
    /// Under `configuration: central`: the configuration policies and their associations.
    pub compiled: Option<Compiled>,
    /// The accounts in scope a configuration policy configures.
    centrally_managed: BTreeSet<AccountId>,
    /// Pairs of exceptions (by index) that both disable some control somewhere, with an example.
    overlaps: Mutex<BTreeMap<(usize, usize), String>>,
}

impl<'a> Expansion<'a> {
    /// Resolves regions and accounts against the organisation and expands what the
    /// organisation holds once. None when the policy has no scope to expand (errors in `d`).
    pub fn prepare(
        p: &'a Policy,
        org: &'a OrgInfo,
        today: NaiveDate,
        d: &mut Diagnostics,
    ) -> Option<Self> {
        let regions_sec = p.regions.as_ref()?;
        let regions = regions_sec.expand(org, d);
        if !regions.is_empty() && !regions.contains(&regions_sec.home) {
            return None;
        }
        let mut skipped = Vec::new();
        let (accounts, admin, management) = match (&p.account, &p.organization) {
            (Some(a), _) => (vec![a.id.clone()], a.id.clone(), None),
            (None, Some(o)) => (
                o.accounts(org, &mut skipped, d),
                o.admin.clone(),
                Some(o.management.clone()),
            ),
            (None, None) => return None,
        };
        let mut x = Expansion {
            policy: p,
            org,
            today,
            home: &regions_sec.home,
            regions,
            accounts,
            admin,
            management,
            skipped,
            parents: org
                .accounts
                .iter()
                .map(|a| (&a.id, a.parent.as_str()))
                .collect(),
            org_level: OrgDesired::default(),
            compiled: None,
            centrally_managed: BTreeSet::new(),
            overlaps: Mutex::new(BTreeMap::new()),
        };
        for s in p.sections() {
            s.check_org(&x, d);
        }
        x.compiled = x.central();
        if x.compiled.is_some()
            && let Some(o) = &p.organization
        {
            // With explicit regions this was checked with the policy; `all` is known only now.
            if regions_sec.include.is_none()
                && let Some(a) = &p.aggregator
            {
                let unlinked: Vec<String> = x
                    .regions
                    .iter()
                    .filter(|r| *r != &regions_sec.home && !a.links(r))
                    .cloned()
                    .collect();
                o.check_unlinked(&unlinked, d);
            }
            x.centrally_managed = x
                .accounts
                .iter()
                .filter(|a| !o.is_self_managed(org, a))
                .cloned()
                .collect();
        }
        if let (Some(c), Some(o)) = (&x.compiled, &p.organization) {
            o.check_compiled(c, d);
        }
        let mut org_level = OrgDesired::default();
        for s in p.sections() {
            s.organization(&x, &mut org_level);
        }
        x.org_level = org_level;
        Some(x)
    }

    /// Every scope something is wanted or read in, in order.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut all: BTreeSet<Scope> = self.org_level.scopes.keys().cloned().collect();
        for a in &self.accounts {
            for r in &self.regions {
                all.insert(Scope::new(a, r));
            }
        }
        all.into_iter().collect()
    }

    /// The services whose keyed entries the policy manages, for reading.
    pub fn read_filter(&self) -> ReadPlan {
        ReadPlan {
            scopes: BTreeMap::new(),
            only: self.org_level.only.clone(),
        }
    }

    /// What the policy wants in one scope, and what to read there.
    pub fn desired(&self, scope: &Scope) -> DesiredScope {
        let mut out = DesiredScope::default();
        let in_scope = self.accounts.binary_search(&scope.account).is_ok()
            && self.regions.iter().any(|r| r == &scope.region);
        if in_scope {
            out = self.account_desired(&scope.account, &scope.region);
            if self.centrally_managed.contains(&scope.account) {
                // A configuration policy configures Security Hub here: it is neither written
                // nor read account by account (AWS refuses local writes there anyway).
                // The administrator's own hub is the prerequisite of it all, so stays; so does
                // the management account's in the home region, which AWS needs on before a
                // configuration policy can be associated with it (the policy itself then
                // turns it on in the linked regions).
                let keep_hub = scope.account == self.admin
                    || (self.management.as_ref() == Some(&scope.account)
                        && scope.region == *self.home);
                for k in CENTRALLY_CONFIGURED {
                    if k == Kind::Hub && keep_hub {
                        continue;
                    }
                    out.kinds.remove(&k);
                    out.state.resources.retain(|l, _| l.kind != k);
                }
                out.state.controls.clear();
                out.notes.clear();
            }
        }
        if let Some(org) = self.org_level.scopes.get(scope) {
            out.merge(org.clone());
        }
        out
    }

    /// What the sections want in an account in scope, configured locally, in one region.
    fn account_desired(&self, account: &AccountId, region: &str) -> DesiredScope {
        let mut out = DesiredScope::default();
        // Without a `hub` section Security Hub is still managed, with AWS's defaults,
        // since everything else the policy declares needs it.
        if self.policy.hub.is_none() {
            hub::expand_scope(&hub::Checked::default(), &mut out);
        }
        for s in self.policy.sections() {
            s.scope(self, account, region, &mut out);
        }
        out
    }

    /// Under `configuration: central`: the configuration policies and associations that give
    /// every account in scope what local configuration would (the home region's configuration,
    /// which the central checks make every region's), and leave the rest self-managed.
    pub fn central(&self) -> Option<Compiled> {
        let o = self.policy.organization.as_ref().filter(|o| o.central)?;
        // One stand-in under each root and OU for an account that joins there later, labelled
        // as the selectors would label it, so the associations reach accounts to come too.
        let (org, newcomers) = with_newcomers(self.org);
        let mut quiet = Diagnostics::default();
        let in_scope: BTreeSet<AccountId> = o
            .accounts(&org, &mut Vec::new(), &mut quiet)
            .into_iter()
            .filter(|a| self.accounts.binary_search(a).is_ok() || newcomers.contains(a))
            .collect();
        let view = Expansion {
            policy: self.policy,
            org: &org,
            today: self.today,
            home: self.home,
            regions: self.regions.clone(),
            accounts: in_scope.iter().cloned().collect(),
            admin: self.admin.clone(),
            management: self.management.clone(),
            skipped: Vec::new(),
            parents: org
                .accounts
                .iter()
                .map(|a| (&a.id, a.parent.as_str()))
                .collect(),
            org_level: OrgDesired::default(),
            compiled: None,
            centrally_managed: BTreeSet::new(),
            overlaps: Mutex::new(BTreeMap::new()),
        };
        let wanted: BTreeMap<AccountId, Option<Configuration>> = in_scope
            .iter()
            .map(|a| {
                let c = (!o.is_self_managed(&org, a))
                    .then(|| Configuration::of(&view.account_desired(a, self.home)));
                (a.clone(), c)
            })
            .collect();
        Some(compile(&org, &wanted, &newcomers))
    }

    /// Reports what only the whole expansion shows (overlapping exceptions).
    pub fn finish(&self, d: &mut Diagnostics) {
        for s in self.policy.sections() {
            s.finish(self, d);
        }
    }

    /// Records that exceptions `pair` both disable a control (`example` says where).
    pub fn overlap(&self, pair: (usize, usize), example: impl FnOnce() -> String) {
        self.overlaps
            .lock()
            .expect("not poisoned")
            .entry(pair)
            .or_insert_with(example);
    }

    pub fn overlaps(&self) -> BTreeMap<(usize, usize), String> {
        self.overlaps.lock().expect("not poisoned").clone()
    }

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

/// The organisation with one stand-in account under each root and OU (IDs the organisation does
/// not use, counting down from 999999999999), and those stand-ins.
fn with_newcomers(org: &OrgInfo) -> (OrgInfo, BTreeSet<AccountId>) {
    use crate::model::organization::{AccountInfo, AccountStatus};
    let used: BTreeSet<&str> = org.accounts.iter().map(|a| a.id.as_str()).collect();
    let mut parents: BTreeSet<&str> = org.ous.iter().map(|o| o.id.as_str()).collect();
    parents.extend(org.ous.iter().map(|o| o.parent.as_str()));
    parents.extend(org.accounts.iter().map(|a| a.parent.as_str()));
    let mut ids = (0..=999_999_999_999u64)
        .rev()
        .map(|n| format!("{n:012}"))
        .filter(|id| !used.contains(id.as_str()));
    let mut out = org.clone();
    let mut newcomers = BTreeSet::new();
    for parent in parents {
        let id = AccountId::parse(&ids.next().expect("fewer than 10^12 accounts"))
            .expect("twelve digits");
        out.accounts.push(AccountInfo {
            id: id.clone(),
            name: format!("an account joining {parent} later"),
            status: AccountStatus::Active,
            parent: parent.to_string(),
        });
        newcomers.insert(id);
    }
    (out, newcomers)
}
