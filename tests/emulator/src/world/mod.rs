//! The emulated accounts: the organisation, one [`Scope`] per account × region holding each
//! service's state, the delegated administrators, the indexes that keep per-request lookups
//! independent of the number of scopes, and the order of conversion from and to the shubctl
//! snapshot (each service converts its own resources).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Instant;

use serde_json::Value;
use shubctl::model::resource::DelegatedAdminValue;
use shubctl::model::{AccountId, Address, Kind, OrgInfo, Resource};
use shubctl::provider::snapshot::{SNAPSHOT_FORMAT_VERSION, SnapshotFile};

use crate::util::uuid_from;
use crate::{
    accessanalyzer, events, guardduty, inspector, lambda, macie, organizations, securityhub,
};

/// One account in one region: each service's state there.
#[derive(Default)]
pub struct Scope {
    pub securityhub: securityhub::State,
    pub guardduty: guardduty::State,
    pub inspector: inspector::State,
    pub macie: macie::State,
    pub analyzer: accessanalyzer::State,
    /// AWS Config: not in the snapshot format; set by tests.
    pub config: crate::config::State,
    pub events: events::State,
    pub lambda: lambda::State,
}

/// The services with a delegated administrator, by the id of their `delegated-admin/<id>` and
/// `org-config/<id>` addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminOf {
    SecurityHub,
    GuardDuty,
    Inspector,
    Macie,
}

impl AdminOf {
    pub const ALL: [AdminOf; 4] = [
        AdminOf::SecurityHub,
        AdminOf::GuardDuty,
        AdminOf::Inspector,
        AdminOf::Macie,
    ];
    pub fn id(self) -> &'static str {
        match self {
            AdminOf::SecurityHub => "securityhub",
            AdminOf::GuardDuty => "guardduty",
            AdminOf::Inspector => "inspector",
            AdminOf::Macie => "macie",
        }
    }
    fn of_id(id: &str) -> Option<AdminOf> {
        AdminOf::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// The organisation from the snapshot (it never changes afterwards), with its members hashed.
struct Organisation {
    info: OrgInfo,
    management: Option<String>,
    /// The ids in `info.accounts`.
    listed: HashSet<String>,
}

/// Where a snapshot resource lives, for the services' `load`.
pub struct At<'a> {
    pub account: &'a str,
    pub region: &'a str,
    /// The address id (`fsbp/1.0.0`, `IAM.6@fsbp/1.0.0`, ...); empty for singletons.
    pub id: &'a str,
}

/// Shared by the services' `load`: one clock, one timestamp and one id sequence, so ids come out
/// in address order whatever service asks.
pub struct Loading<'a> {
    pub now: Instant,
    /// What loaded resources claim as their creation / update time.
    pub stamp: &'static str,
    seq: &'a mut u64,
}

impl Loading<'_> {
    pub fn next_uuid(&mut self) -> String {
        *self.seq += 1;
        uuid_from(*self.seq)
    }
}

/// Where the services' `dump` puts one scope's resources.
pub struct Dump<'a> {
    pub now: Instant,
    account: &'a AccountId,
    region: &'a str,
    resources: &'a mut BTreeMap<Address, Value>,
}

impl Dump<'_> {
    pub fn put(&mut self, kind: Kind, id: Option<String>, r: Resource) {
        self.resources.insert(
            Address::new(self.account, self.region, kind, id),
            r.to_json(),
        );
    }
}

pub struct World {
    org: Organisation,
    pub taken_at: Option<String>,
    /// Account → region → scope: an account's regions are found without a scan.
    scopes: HashMap<String, BTreeMap<String, Scope>>,
    /// Region → service → the account holding the designation (the management account when
    /// made through the API) → the delegated administrator.
    admins: HashMap<String, [BTreeMap<String, String>; 4]>,
    /// Region → the accounts whose Security Hub holds members there. May list accounts whose
    /// members have all gone: readers check the members themselves.
    member_holders: HashMap<String, BTreeSet<String>>,
    /// Organizations' answers that only depend on the organisation.
    pub directory: Option<organizations::Directory>,
    /// Service control policies: the organisation's, not a scope's.
    pub policies: organizations::policies::State,
    /// Service principal → the accounts registered as its delegated administrators through
    /// Organizations (none in a snapshot: the snapshot format has no place for them).
    pub delegated: BTreeMap<String, BTreeSet<String>>,
    /// Service principals with trusted access (EnableAWSServiceAccess); none in a snapshot.
    pub trusted: BTreeSet<String>,
    /// The partition the organisation lives in (that of its regions): its credentials are
    /// not valid in another partition's regions.
    pub partition: &'static str,
    /// Resources the emulator does not serve (other services' org settings): kept untouched
    /// for the dump.
    passthrough: BTreeMap<Address, Value>,
    seq: u64,
}

impl World {
    pub fn next_uuid(&mut self) -> String {
        self.seq += 1;
        uuid_from(self.seq)
    }

    /// The scope, created empty on first use.
    pub fn scope(&mut self, account: &str, region: &str) -> &mut Scope {
        // Looked up before inserting so that the common case allocates nothing.
        if !self.scopes.contains_key(account) {
            self.scopes.insert(account.to_string(), BTreeMap::new());
        }
        let regions = self.scopes.get_mut(account).expect("inserted above");
        if !regions.contains_key(region) {
            regions.insert(region.to_string(), Scope::default());
        }
        regions.get_mut(region).expect("inserted above")
    }

    pub fn scope_ref(&self, account: &str, region: &str) -> Option<&Scope> {
        self.scopes.get(account)?.get(region)
    }

    /// An account's scopes, by region.
    pub fn regions_of(&self, account: &str) -> impl Iterator<Item = (&str, &Scope)> {
        self.scopes
            .get(account)
            .into_iter()
            .flatten()
            .map(|(r, s)| (r.as_str(), s))
    }

    pub fn tick_all(&mut self, now: Instant) {
        for s in self.scopes.values_mut().flat_map(BTreeMap::values_mut) {
            s.securityhub.tick(now);
        }
    }

    // ---- the organisation -----------------------------------------------------------------

    pub fn org(&self) -> &OrgInfo {
        &self.org.info
    }

    pub fn management_account(&self) -> Option<&str> {
        self.org.management.as_deref()
    }

    /// The management account or a listed member.
    pub fn in_org(&self, account: &str) -> bool {
        self.management_account() == Some(account) || self.org.listed.contains(account)
    }

    /// The organisation's accounts, sorted: the listed ones and the management account.
    pub fn org_accounts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.org.listed.iter().map(String::as_str).collect();
        out.extend(
            self.management_account()
                .filter(|m| !self.org.listed.contains(*m)),
        );
        out.sort_unstable();
        out
    }

    /// Listed among the organisation's accounts (the management account may not be).
    pub fn is_listed(&self, account: &str) -> bool {
        self.org.listed.contains(account)
    }

    // ---- delegated administrators ---------------------------------------------------------

    /// The delegated administrator of `service` in a region: the one the management account
    /// designated, else the first designation found (snapshots may hold it elsewhere).
    pub fn admin_in(&self, service: AdminOf, region: &str) -> Option<&str> {
        let held = &self.admins.get(region)?[service as usize];
        self.management_account()
            .and_then(|m| held.get(m))
            .or_else(|| held.values().next())
            .map(String::as_str)
    }

    pub fn is_admin(&self, service: AdminOf, region: &str, account: &str) -> bool {
        self.admin_in(service, region) == Some(account)
    }

    /// The administrator `holder` designated in a region.
    pub fn designation(&self, service: AdminOf, holder: &str, region: &str) -> Option<&str> {
        self.admins.get(region)?[service as usize]
            .get(holder)
            .map(String::as_str)
    }

    /// `holder`'s designations in every region: (region, administrator).
    pub fn designations_by<'a>(
        &'a self,
        service: AdminOf,
        holder: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.admins.iter().filter_map(move |(r, held)| {
            held[service as usize]
                .get(holder)
                .map(|a| (r.as_str(), a.as_str()))
        })
    }

    /// Designates (or, with `None`, removes) the administrator `holder` designated.
    pub fn designate(
        &mut self,
        service: AdminOf,
        holder: &str,
        region: &str,
        admin: Option<String>,
    ) {
        let held = &mut self.admins.entry(region.to_string()).or_default()[service as usize];
        match admin {
            Some(a) => {
                held.insert(holder.to_string(), a);
            }
            None => {
                held.remove(holder);
            }
        }
    }

    // ---- Security Hub members -------------------------------------------------------------

    /// Accounts that may hold Security Hub members in a region, in account order.
    pub fn member_holders(&self, region: &str) -> impl Iterator<Item = &str> {
        self.member_holders
            .get(region)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Called by whoever gives `account` a member in `region`.
    pub fn note_member_holder(&mut self, account: &str, region: &str) {
        let holders = self.member_holders.entry(region.to_string()).or_default();
        if !holders.contains(account) {
            holders.insert(account.to_string());
        }
    }

    // ---- snapshot → world -----------------------------------------------------------------

    pub fn from_snapshot(file: SnapshotFile) -> World {
        assert_eq!(
            file.format_version, SNAPSHOT_FORMAT_VERSION,
            "the emulator reads snapshot format {SNAPSHOT_FORMAT_VERSION}"
        );
        let org = Organisation {
            management: file
                .organization
                .management_account
                .as_ref()
                .map(|a| a.as_str().to_string()),
            listed: file
                .organization
                .accounts
                .iter()
                .map(|a| a.id.as_str().to_string())
                .collect(),
            info: file.organization,
        };
        let partition = org
            .info
            .enabled_regions
            .iter()
            .chain(file.resources.keys().map(|a| &a.region))
            .find(|r| r.as_str() != "global")
            .map_or("aws", |r| crate::util::partition(r).0);
        let mut w = World {
            directory: organizations::Directory::of(
                &org.info,
                org.management.as_deref(),
                partition,
            ),
            partition,
            org,
            taken_at: file.taken_at,
            scopes: HashMap::new(),
            admins: HashMap::new(),
            member_holders: HashMap::new(),
            policies: Default::default(),
            delegated: BTreeMap::new(),
            trusted: BTreeSet::new(),
            passthrough: BTreeMap::new(),
            seq: 0,
        };
        let now = Instant::now();
        // In address order, so that generated ids do not depend on which service asks.
        for (addr, value) in file.resources {
            let Ok(res) = Resource::from_json(addr.kind, value.clone()) else {
                w.passthrough.insert(addr, value);
                continue;
            };
            let at = At {
                account: addr.account.as_str(),
                region: &addr.region,
                id: addr.id.as_deref().unwrap_or_default(),
            };
            // So are service control policies.
            if matches!(
                addr.kind,
                Kind::ScpPolicyType | Kind::Scp | Kind::ScpAttachment
            ) {
                let nodes = organizations::policies::all_nodes(&w);
                if w.policies.load(res, at.id, || nodes).is_some() {
                    w.passthrough.insert(addr, value);
                }
                continue;
            }
            // Access Analyzer's delegated administrator is registered through Organizations.
            if let Resource::DelegatedAdmin(d) = &res
                && at.id == "access-analyzer"
            {
                w.delegated
                    .entry(organizations::delegated::ACCESS_ANALYZER.to_string())
                    .or_default()
                    .insert(d.account.as_str().to_string());
                continue;
            }
            // Designations are the organisation's, not a scope's.
            if let Resource::DelegatedAdmin(d) = &res
                && let Some(service) = AdminOf::of_id(at.id)
            {
                let admin = d.account.as_str().to_string();
                w.designate(service, at.account, at.region, Some(admin));
                continue;
            }
            let mut loading = Loading {
                now,
                stamp: "2024-01-01T00:00:00.000Z",
                seq: &mut w.seq,
            };
            let scope = w
                .scopes
                .entry(at.account.to_string())
                .or_default()
                .entry(at.region.to_string())
                .or_default();
            if load(scope, res, &at, &mut loading).is_some() {
                w.passthrough.insert(addr, value);
            }
        }
        w.index_members();
        w
    }

    /// Member holders are noted as members are added; after a load, from the members loaded.
    fn index_members(&mut self) {
        for (account, regions) in &self.scopes {
            for (region, s) in regions {
                if !s.securityhub.members().is_empty() {
                    let holders = self.member_holders.entry(region.clone()).or_default();
                    holders.insert(account.clone());
                }
            }
        }
    }

    // ---- world → snapshot -----------------------------------------------------------------

    /// `cfg` gives the status of central configuration's associations as of now.
    pub fn to_snapshot(&self, cfg: &crate::Config) -> SnapshotFile {
        let now = Instant::now();
        let mut resources: BTreeMap<Address, Value> = self.passthrough.clone();
        for (acct, regions) in &self.scopes {
            let Ok(account) = AccountId::parse(acct) else {
                continue;
            };
            // Access Analyzer's registration is the organisation's, one for all regions: it is
            // dumped in each of the management account's scopes, as shubctl reads it.
            let analyzer_admin = (self.management_account() == Some(acct.as_str()))
                .then(|| {
                    self.delegated
                        .get(organizations::delegated::ACCESS_ANALYZER)
                        .and_then(|set| set.iter().next())
                        .and_then(|a| AccountId::parse(a).ok())
                })
                .flatten();
            for (region, s) in regions {
                let mut out = Dump {
                    now,
                    account: &account,
                    region,
                    resources: &mut resources,
                };
                if let Some(a) = &analyzer_admin {
                    out.put(
                        Kind::DelegatedAdmin,
                        Some("access-analyzer".into()),
                        Resource::DelegatedAdmin(DelegatedAdminValue { account: a.clone() }),
                    );
                }
                s.securityhub.dump(&mut out);
                s.guardduty.dump(&mut out, |member| {
                    self.scopes
                        .get(member)
                        .and_then(|r| r.get(region.as_str()))
                        .and_then(|m| m.guardduty.detector.as_ref())
                        .map(|d| d.features.clone())
                        .unwrap_or_default()
                });
                s.inspector.dump(&mut out);
                s.macie.dump(&mut out, |member| {
                    self.scopes
                        .get(member)
                        .and_then(|r| r.get(region.as_str()))
                        .and_then(|m| m.macie.session.as_ref())
                        .map(|s| s.status.clone())
                });
                s.analyzer.dump(&mut out);
                s.events.dump(&mut out, |function, rule| {
                    s.lambda.allows_rule(function, rule)
                });
            }
        }
        // Central configuration as the administrator reads it (over what the scopes store).
        let sh_admins: BTreeSet<&String> = self
            .admins
            .values()
            .flat_map(|held| held[AdminOf::SecurityHub as usize].values())
            .collect();
        for admin in sh_admins {
            securityhub::dump_central(self, cfg, now, admin, &mut resources);
        }
        if let Some(mgmt) = self
            .management_account()
            .and_then(|m| AccountId::parse(m).ok())
        {
            let mut out = Dump {
                now,
                account: &mgmt,
                region: shubctl::model::organization::ORGANIZATIONS_REGION,
                resources: &mut resources,
            };
            self.policies.dump(&mut out);
        }
        for (region, held) in &self.admins {
            for service in AdminOf::ALL {
                for (holder, admin) in &held[service as usize] {
                    if let (Ok(holder), Ok(admin)) =
                        (AccountId::parse(holder), AccountId::parse(admin))
                    {
                        resources.insert(
                            Address::new(
                                &holder,
                                region,
                                Kind::DelegatedAdmin,
                                Some(service.id().into()),
                            ),
                            Resource::DelegatedAdmin(DelegatedAdminValue { account: admin })
                                .to_json(),
                        );
                    }
                }
            }
        }
        SnapshotFile {
            format_version: SNAPSHOT_FORMAT_VERSION,
            taken_at: self.taken_at.clone(),
            organization: self.org.info.clone(),
            resources,
        }
    }
}

/// Offers a resource to each service in turn; what none takes is given back.
fn load(scope: &mut Scope, res: Resource, at: &At, cx: &mut Loading) -> Option<Resource> {
    let res = scope.securityhub.load(res, at, cx)?;
    let res = scope.guardduty.load(res, at, cx)?;
    let res = scope.inspector.load(res, at, cx)?;
    let res = scope.macie.load(res, at, cx)?;
    let res = scope.analyzer.load(res, at, cx)?;
    let mut grants = Vec::new();
    let res = scope.events.load(res, at, cx, &mut grants);
    for (function, rule) in grants {
        scope.lambda.load_grant(&function, &rule);
    }
    res
}
