//! Expansion: a validated policy plus what is known of the organisation becomes the desired
//! state (every resource at its address), the list of what must be read, and the reasons behind
//! each control's desired status.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use super::diagnostics::{Diagnostics, Pos};
use super::filters::{self, FilterUse};
use super::load::{Located, Policy};
use super::policy::*;
use super::validate::parse_date;
use crate::model::catalog::catalog;
use crate::model::resource::*;
use crate::model::state::AccountStatus;
use crate::model::{
    AccountId, Address, ExceptionRef, Kind, Note, OrgInfo, ReadPlan, Resource, Service, State,
};

#[derive(Clone, Debug, Default)]
pub struct Desired {
    pub state: State,
    pub notes: BTreeMap<Address, Note>,
    pub reads: ReadPlan,
    pub accounts: Vec<AccountId>,
    pub regions: Vec<String>,
    /// Accounts left out because Organizations reports them suspended or closed.
    pub skipped: Vec<(AccountId, String)>,
}

pub struct Expander<'a> {
    p: &'a Policy,
    org: &'a OrgInfo,
    today: NaiveDate,
    /// Account → the root or OU it sits in; looked up for every control of every scope.
    parents: std::collections::HashMap<&'a AccountId, &'a str>,
}

pub fn expand(p: &Policy, org: &OrgInfo, today: NaiveDate, d: &mut Diagnostics) -> Desired {
    let parents = org
        .accounts
        .iter()
        .map(|a| (&a.id, a.parent.as_str()))
        .collect();
    Expander {
        p,
        org,
        today,
        parents,
    }
    .run(d)
}

impl<'a> Expander<'a> {
    fn run(&self, d: &mut Diagnostics) -> Desired {
        let mut out = Desired::default();
        let Some(regions_sec) = &self.p.regions else {
            return out;
        };
        let home = regions_sec.value.home.clone();
        out.regions = self.regions(regions_sec, d);
        if !out.regions.is_empty() && !out.regions.contains(&home) {
            d.error(
                &self.p.pos(regions_sec, "/home"),
                format!("the home region `{home}` is not among the regions in scope ({}); the aggregator, insights and rules would have no hub to live in", out.regions.join(", ")),
            );
            return out;
        }
        let (accounts, admin, mgmt) = self.accounts(&mut out, d);
        out.accounts = accounts.clone();
        let regions = out.regions.clone();
        let Some(admin) = admin else { return out };

        let hub_enabled = self.p.hub.as_ref().is_none_or(|h| h.value.enabled);
        let controls_declared = self.p.standards.is_some();
        let exceptions = self.exception_index();
        let mut overlaps: BTreeMap<(usize, usize), String> = BTreeMap::new();

        for acct in &accounts {
            for r in &regions {
                self.scope_resources(
                    acct,
                    r,
                    &home,
                    hub_enabled,
                    controls_declared,
                    &exceptions,
                    &mut overlaps,
                    &mut out,
                );
            }
        }
        self.org_resources(&admin, mgmt.as_ref(), &accounts, &regions, &home, &mut out);
        self.report_overlaps(&overlaps, d);
        out
    }

    fn regions(&self, r: &Located<Regions>, d: &mut Diagnostics) -> Vec<String> {
        let list: Vec<String> = match &r.value.include {
            AllOr::List(l) => l.clone(),
            AllOr::All(_) => {
                if self.org.enabled_regions.is_empty() {
                    d.error(&self.p.pos(r, "/include"), "`include: all` needs the organisation's enabled regions, and the state source reports none");
                }
                self.org
                    .enabled_regions
                    .iter()
                    .filter(|x| !r.value.exclude.contains(x))
                    .cloned()
                    .collect()
            }
        };
        let mut list = list;
        list.sort();
        list.dedup();
        list
    }

    /// Accounts in scope, the administrator, and the management account.
    fn accounts(
        &self,
        out: &mut Desired,
        d: &mut Diagnostics,
    ) -> (Vec<AccountId>, Option<AccountId>, Option<AccountId>) {
        if let Some(a) = &self.p.account {
            let Ok(id) = AccountId::parse(&a.value) else {
                return (vec![], None, None);
            };
            return (vec![id.clone()], Some(id), None);
        }
        let Some(o) = &self.p.organization else {
            return (vec![], None, None);
        };
        let org = &o.value;
        let (Ok(admin), Ok(mgmt)) = (
            AccountId::parse(&org.delegated_admin),
            AccountId::parse(&org.management_account),
        ) else {
            return (vec![], None, None);
        };
        if self.org.accounts.is_empty() {
            d.error(&self.p.pos(o, ""), "the state source reports no organisation accounts, so the account selection cannot be expanded");
            return (vec![], Some(admin), Some(mgmt));
        }
        if let Some(m) = &self.org.management_account {
            if m != &mgmt {
                d.error(
                    &self.p.pos(o, "/management_account"),
                    format!("the organisation's management account is {m}, not {mgmt}"),
                );
            }
        }
        for (what, id) in [("delegated_admin", &admin), ("management_account", &mgmt)] {
            if self.org.account(id).is_none() {
                d.error(
                    &self.p.pos(o, &format!("/{what}")),
                    format!("account {id} is not in the organisation"),
                );
            }
        }
        let check_ref = |list: &[String], base: &str, d: &mut Diagnostics, exclude: bool| {
            for (i, x) in list.iter().enumerate() {
                let known = if x.starts_with("ou-") || x.starts_with("r-") {
                    self.org.knows_parent(x)
                } else {
                    AccountId::parse(x).is_ok_and(|id| self.org.account(&id).is_some())
                };
                let pos = self.p.pos(o, &format!("{base}/{i}"));
                match (known, exclude) {
                    (true, _) => {}
                    // Excluding an account that has left is harmless; say so, don't fail.
                    (false, true) => d.warning(
                        &pos,
                        format!("`{x}` is not in the organisation; excluding it has no effect"),
                    ),
                    (false, false) => d.error(&pos, format!("`{x}` is not in the organisation")),
                }
            }
        };
        if let AllOr::List(l) = &org.accounts.include {
            check_ref(l, "/accounts/include", d, false);
        }
        check_ref(&org.accounts.exclude, "/accounts/exclude", d, true);

        let mut accounts = Vec::new();
        for a in &self.org.accounts {
            let included = match &org.accounts.include {
                AllOr::All(_) => true,
                AllOr::List(l) => self.in_list(l, &a.id),
            };
            if !included || self.in_list(&org.accounts.exclude, &a.id) {
                continue;
            }
            if a.status != AccountStatus::Active {
                let status = serde_json::to_value(a.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                out.skipped.push((a.id.clone(), status));
                continue;
            }
            accounts.push(a.id.clone());
        }
        accounts.sort();
        (accounts, Some(admin), Some(mgmt))
    }

    /// Whether an account is named in a list of account IDs, OU IDs and root IDs.
    fn in_list(&self, list: &[String], id: &AccountId) -> bool {
        let parent = self.parents.get(id).copied();
        list.iter().any(|x| {
            x == id.as_str()
                || ((x.starts_with("ou-") || x.starts_with("r-"))
                    && parent.is_some_and(|p| self.org.is_under(p, x)))
        })
    }

    fn selects_account(&self, sel: &Option<Selection>, id: &AccountId) -> bool {
        match sel {
            None => true,
            Some(Selection::Only(l)) => self.in_list(l, id),
            Some(Selection::Except(e)) => !self.in_list(&e.except, id),
        }
    }

    fn selects_region(sel: &Option<Selection>, region: &str, home: &str) -> bool {
        let hit = |l: &[String]| {
            l.iter()
                .any(|x| x == region || (x == "home" && region == home))
        };
        match sel {
            None => true,
            Some(Selection::Only(l)) => hit(l),
            Some(Selection::Except(e)) => !hit(&e.except),
        }
    }

    fn exception_index(&self) -> BTreeMap<String, Vec<usize>> {
        let mut idx: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, e) in self.p.exceptions.iter().flatten().enumerate() {
            let ids = e
                .value
                .control
                .iter()
                .chain(e.value.controls.iter().flatten());
            for c in ids {
                let list = idx.entry(c.clone()).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        idx
    }

    fn exception_ref(&self, e: &Located<Exception>) -> ExceptionRef {
        ExceptionRef {
            at: self.p.pos(e, "").to_string(),
            reason: e.value.reason.trim().to_string(),
            owner: e.value.owner.clone(),
            ticket: e.value.ticket.clone(),
            expires: e.value.expires.clone(),
        }
    }

    fn is_expired(&self, e: &Exception) -> bool {
        e.expires
            .as_deref()
            .and_then(parse_date)
            .is_some_and(|d| d < self.today)
    }

    #[allow(clippy::too_many_arguments)]
    fn scope_resources(
        &self,
        acct: &AccountId,
        r: &str,
        home: &str,
        hub_enabled: bool,
        controls_declared: bool,
        exceptions: &BTreeMap<String, Vec<usize>>,
        overlaps: &mut BTreeMap<(usize, usize), String>,
        out: &mut Desired,
    ) {
        let p = self.p;
        // Without a `hub` section Security Hub is still managed: enabled, with AWS's defaults,
        // since everything else the policy declares needs it.
        let default_hub = Hub {
            enabled: true,
            control_finding_generator: ControlFindingGenerator::SecurityControl,
            auto_enable_controls: true,
        };
        let hub = p.hub.as_ref().map(|h| &h.value).unwrap_or(&default_hub);
        {
            out.reads.add(acct, r, Kind::Hub);
            if hub.enabled {
                let generator = match hub.control_finding_generator {
                    ControlFindingGenerator::SecurityControl => "SECURITY_CONTROL",
                    ControlFindingGenerator::StandardControl => "STANDARD_CONTROL",
                };
                out.state.insert(
                    Address::singleton(acct, r, Kind::Hub),
                    Resource::Hub(HubValue {
                        control_finding_generator: generator.into(),
                        auto_enable_controls: hub.auto_enable_controls,
                    }),
                );
            }
        }
        if let Some(s) = &p.standards {
            out.reads.add(acct, r, Kind::Standard);
            out.reads.add(acct, r, Kind::Control);
            if !hub_enabled {
                return;
            }
            for entry in &s.value {
                let (name, accounts, regions) = match entry {
                    StandardEntry::Name(n) => (n, &None, &None),
                    StandardEntry::Scoped(sc) => (&sc.standard, &sc.accounts, &sc.regions),
                };
                if !self.selects_account(accounts, acct) || !Self::selects_region(regions, r, home)
                {
                    continue;
                }
                out.state.insert(
                    Address::keyed(acct, r, Kind::Standard, name.clone()),
                    Resource::Standard(Empty {}),
                );
                if !controls_declared {
                    continue;
                }
                for ctl in catalog().controls_in(name) {
                    let addr =
                        Address::keyed(acct, r, Kind::Control, format!("{}@{}", ctl.id, name));
                    let covering: Vec<usize> = exceptions
                        .get(&ctl.id)
                        .into_iter()
                        .flatten()
                        .copied()
                        .filter(|i| {
                            let e = &p.exceptions.as_ref().expect("indexed")[*i].value;
                            e.standards
                                .as_ref()
                                .is_none_or(|ss| ss.iter().any(|x| x == name))
                                && self.selects_account(&e.accounts, acct)
                                && Self::selects_region(&e.regions, r, home)
                        })
                        .collect();
                    let exs = p.exceptions.as_deref().unwrap_or_default();
                    let (active, expired): (Vec<usize>, Vec<usize>) = covering
                        .into_iter()
                        .partition(|i| !self.is_expired(&exs[*i].value));
                    if let Some(&winner) = active
                        .iter()
                        .max_by_key(|i| (specificity(&exs[**i].value), std::cmp::Reverse(**i)))
                    {
                        for &other in active.iter().filter(|i| **i != winner) {
                            overlaps
                                .entry((winner.min(other), winner.max(other)))
                                .or_insert_with(|| format!("{} in {acct}/{r} ({name})", ctl.id));
                        }
                        let ex = &exs[winner];
                        out.state.insert(
                            addr.clone(),
                            Resource::Control(ControlValue::disabled(ex.value.reason.trim())),
                        );
                        out.notes.insert(
                            addr,
                            Note {
                                exception: Some(self.exception_ref(ex)),
                                expired: None,
                            },
                        );
                    } else {
                        out.state
                            .insert(addr.clone(), Resource::Control(ControlValue::enabled()));
                        if let Some(&e) = expired.first() {
                            out.notes.insert(
                                addr,
                                Note {
                                    exception: None,
                                    expired: Some(self.exception_ref(&exs[e])),
                                },
                            );
                        }
                    }
                }
            }
        }
        if let Some(list) = &p.control_parameters {
            for c in list {
                out.reads.add(acct, r, Kind::ControlParameters);
                if hub_enabled {
                    out.state.insert(
                        Address::keyed(acct, r, Kind::ControlParameters, c.value.control.clone()),
                        Resource::ControlParameters(ControlParametersValue {
                            parameters: c.value.parameters.clone(),
                        }),
                    );
                }
            }
        }
        if let Some(g) = &p.guardduty {
            out.reads.add(acct, r, Kind::GuardDuty);
            if g.value.enabled {
                let features = managed_features(&g.value)
                    .map(|(f, s)| (f.aws().to_string(), on_off(*s).to_string()))
                    .collect();
                out.state.insert(
                    Address::singleton(acct, r, Kind::GuardDuty),
                    Resource::GuardDuty(GuardDutyValue {
                        status: "ENABLED".into(),
                        finding_publishing_frequency: g
                            .value
                            .finding_publishing_frequency
                            .aws()
                            .into(),
                        features,
                    }),
                );
            }
        }
        if let Some(i) = &p.inspector {
            out.reads.add(acct, r, Kind::Inspector);
            if !i.value.resource_types.is_empty() {
                out.state.insert(
                    Address::singleton(acct, r, Kind::Inspector),
                    Resource::Inspector(InspectorValue {
                        resource_types: inspector_types(&i.value.resource_types),
                    }),
                );
            }
        }
        if let Some(m) = &p.macie {
            out.reads.add(acct, r, Kind::Macie);
            let status = match m.value.status {
                MacieStatus::Enabled => Some("ENABLED"),
                MacieStatus::Paused => Some("PAUSED"),
                MacieStatus::Disabled => None,
            };
            if let Some(status) = status {
                out.state.insert(
                    Address::singleton(acct, r, Kind::Macie),
                    Resource::Macie(MacieValue {
                        status: status.into(),
                        finding_publishing_frequency: m
                            .value
                            .finding_publishing_frequency
                            .aws()
                            .into(),
                    }),
                );
            }
        }
        if let Some(a) = &p.access_analyzer {
            out.reads.add(acct, r, Kind::Analyzer);
            for an in a
                .value
                .analyzers
                .iter()
                .filter(|x| !x.analyzer_type.is_organization())
            {
                let here = match an.regions.unwrap_or(AnalyzerRegions::All) {
                    AnalyzerRegions::All => true,
                    AnalyzerRegions::Home => r == home,
                };
                if here {
                    out.state.insert(
                        Address::keyed(acct, r, Kind::Analyzer, an.name.clone()),
                        Resource::Analyzer(analyzer_value(an)),
                    );
                }
            }
        }
        if let Some(pr) = &p.products {
            out.reads.add(acct, r, Kind::Product);
            if hub_enabled {
                for x in &pr.value {
                    out.state.insert(
                        Address::keyed(acct, r, Kind::Product, x.clone()),
                        Resource::Product(Empty {}),
                    );
                }
            }
        }
    }

    fn org_resources(
        &self,
        admin: &AccountId,
        mgmt: Option<&AccountId>,
        accounts: &[AccountId],
        regions: &[String],
        home: &str,
        out: &mut Desired,
    ) {
        let p = self.p;
        let hub_enabled = p.hub.as_ref().is_none_or(|h| h.value.enabled);
        if let (Some(o), Some(mgmt)) = (&p.organization, mgmt) {
            let org = &o.value;
            let mut services: std::collections::BTreeSet<Service> = [Service::SecurityHub].into();
            services.extend(declared_services(p));
            out.reads
                .only
                .insert(Kind::DelegatedAdmin, services.clone());
            out.reads.only.insert(Kind::OrgConfig, services);
            for r in regions {
                out.reads.add(mgmt, r, Kind::DelegatedAdmin);
                out.reads.add(admin, r, Kind::OrgConfig);
                let admin_value = || {
                    Resource::DelegatedAdmin(DelegatedAdminValue {
                        account: admin.clone(),
                    })
                };
                out.state.insert(
                    Address::keyed(mgmt, r, Kind::DelegatedAdmin, Service::SecurityHub.id()),
                    admin_value(),
                );
                out.state.insert(
                    Address::keyed(admin, r, Kind::OrgConfig, Service::SecurityHub.id()),
                    Resource::OrgConfig(OrgConfigValue {
                        auto_enable: Some(org.auto_enable),
                        auto_enable_standards: Some(match org.auto_enable_standards {
                            AutoEnableStandards::None => "NONE".into(),
                            AutoEnableStandards::Default => "DEFAULT".into(),
                        }),
                        ..Default::default()
                    }),
                );
                for svc in declared_services(p) {
                    out.state.insert(
                        Address::keyed(mgmt, r, Kind::DelegatedAdmin, svc.id()),
                        admin_value(),
                    );
                    if let Some(cfg) = self.service_org_config(svc.account_kind()) {
                        out.state.insert(
                            Address::keyed(admin, r, Kind::OrgConfig, svc.id()),
                            Resource::OrgConfig(cfg),
                        );
                    }
                }
                if org.manage_members {
                    out.reads.add(admin, r, Kind::Member);
                    if hub_enabled {
                        for a in accounts.iter().filter(|a| *a != admin) {
                            out.state.insert(
                                Address::keyed(admin, r, Kind::Member, a.as_str()),
                                Resource::Member(Empty {}),
                            );
                        }
                    }
                }
            }
        }
        if let Some(a) = &p.aggregator {
            // Read everywhere: an aggregator left in another region must be found and moved.
            for r in regions {
                out.reads.add(admin, r, Kind::Aggregator);
            }
            let mut rs = a.value.regions.clone().unwrap_or_default();
            rs.sort();
            out.state.insert(
                Address::singleton(admin, home, Kind::Aggregator),
                Resource::Aggregator(AggregatorValue {
                    linking_mode: a.value.linking.aws().into(),
                    regions: rs,
                }),
            );
        }
        if let Some(list) = &p.insights {
            out.reads.add(admin, home, Kind::Insight);
            for i in list {
                let filters = filters::convert(&i.value.filters, FilterUse::Insight)
                    .unwrap_or_else(|_| json!({}));
                out.state.insert(
                    Address::keyed(admin, home, Kind::Insight, i.value.name.clone()),
                    Resource::Insight(InsightValue {
                        group_by: i.value.group_by.clone(),
                        filters,
                    }),
                );
            }
        }
        if let Some(list) = &p.action_targets {
            out.reads.add(admin, home, Kind::ActionTarget);
            for t in list {
                out.state.insert(
                    Address::keyed(admin, home, Kind::ActionTarget, t.value.id.clone()),
                    Resource::ActionTarget(ActionTargetValue {
                        name: t.value.name.clone(),
                        description: t.value.description.clone(),
                    }),
                );
            }
        }
        if let Some(list) = &p.automation_rules {
            out.reads.add(admin, home, Kind::AutomationRule);
            for rule in list {
                let v = &rule.value;
                let criteria = filters::convert(&v.criteria, FilterUse::AutomationRule)
                    .unwrap_or_else(|_| json!({}));
                out.state.insert(
                    Address::keyed(admin, home, Kind::AutomationRule, v.name.clone()),
                    Resource::AutomationRule(AutomationRuleValue {
                        order: v.order,
                        description: v.description.clone().unwrap_or_else(|| v.name.clone()),
                        status: if v.enabled { "ENABLED" } else { "DISABLED" }.into(),
                        terminal: v.terminal,
                        criteria,
                        actions: rule_actions(&v.actions),
                    }),
                );
            }
        }
        if let Some(a) = &p.access_analyzer {
            for an in a
                .value
                .analyzers
                .iter()
                .filter(|x| x.analyzer_type.is_organization())
            {
                for r in regions {
                    let here = match an.regions.unwrap_or(AnalyzerRegions::Home) {
                        AnalyzerRegions::All => true,
                        AnalyzerRegions::Home => r == home,
                    };
                    out.reads.add(admin, r, Kind::Analyzer);
                    if here {
                        out.state.insert(
                            Address::keyed(admin, r, Kind::Analyzer, an.name.clone()),
                            Resource::Analyzer(analyzer_value(an)),
                        );
                    }
                }
            }
        }
    }

    fn service_org_config(&self, kind: Kind) -> Option<OrgConfigValue> {
        match kind {
            Kind::GuardDuty => {
                let g = &self.p.guardduty.as_ref()?.value;
                let members = g.auto_enable_members?;
                let m = match members {
                    AutoEnableMembers::New => "NEW",
                    AutoEnableMembers::All => "ALL",
                    AutoEnableMembers::None => "NONE",
                };
                let features = managed_features(g)
                    .map(|(f, s)| {
                        (
                            f.aws().to_string(),
                            if *s == OnOff::On { m } else { "NONE" }.to_string(),
                        )
                    })
                    .collect();
                Some(OrgConfigValue {
                    auto_enable_members: Some(m.into()),
                    features: Some(features),
                    ..Default::default()
                })
            }
            Kind::Inspector => {
                let i = &self.p.inspector.as_ref()?.value;
                let types = if i.auto_enable {
                    inspector_types(&i.resource_types)
                } else {
                    vec![]
                };
                Some(OrgConfigValue {
                    resource_types: Some(types),
                    ..Default::default()
                })
            }
            Kind::Macie => {
                let m = &self.p.macie.as_ref()?.value;
                Some(OrgConfigValue {
                    auto_enable: Some(m.auto_enable && m.status != MacieStatus::Disabled),
                    ..Default::default()
                })
            }
            _ => None,
        }
    }

    fn report_overlaps(&self, overlaps: &BTreeMap<(usize, usize), String>, d: &mut Diagnostics) {
        let exs = self.p.exceptions.as_deref().unwrap_or_default();
        for ((a, b), example) in overlaps {
            let (ea, eb) = (&exs[*a], &exs[*b]);
            let (win, lose) = if (specificity(&ea.value), std::cmp::Reverse(*a))
                >= (specificity(&eb.value), std::cmp::Reverse(*b))
            {
                (ea, eb)
            } else {
                (eb, ea)
            };
            let pos: Pos = self.p.pos(lose, "");
            d.warning(
                &pos,
                format!(
                    "this exception and the one at {} both disable {example} (and maybe more); the reason recorded is the other one's, as it is {}",
                    self.p.pos(win, ""),
                    if specificity(&win.value) > specificity(&lose.value) { "more specific" } else { "equally specific and comes first" }
                ),
            );
        }
    }
}

/// The integrated services with a delegated administrator that the policy declares.
pub fn declared_services(p: &Policy) -> Vec<Service> {
    Service::WITH_ADMIN
        .into_iter()
        .filter(|s| match s {
            Service::GuardDuty => p.guardduty.is_some(),
            Service::Inspector => p.inspector.is_some(),
            _ => p.macie.is_some(),
        })
        .collect()
}

/// The GuardDuty features the policy manages: AWS refuses EKS runtime monitoring and runtime
/// monitoring in one request, and the latter supersedes the former, so with both declared
/// only runtime monitoring is managed.
fn managed_features(g: &GuardDuty) -> impl Iterator<Item = (&GuardDutyFeature, &OnOff)> {
    let superseded = g
        .features
        .contains_key(&GuardDutyFeature::RuntimeMonitoring);
    g.features
        .iter()
        .filter(move |(f, _)| !(superseded && **f == GuardDutyFeature::EksRuntimeMonitoring))
}

/// How narrowly an exception is scoped: the more dimensions limited, the more specific.
fn specificity(e: &Exception) -> u8 {
    u8::from(e.standards.is_some()) + u8::from(e.accounts.is_some()) + u8::from(e.regions.is_some())
}

fn on_off(s: OnOff) -> &'static str {
    match s {
        OnOff::On => "ENABLED",
        OnOff::Off => "DISABLED",
    }
}

fn inspector_types(types: &[InspectorResourceType]) -> Vec<String> {
    let mut v: Vec<String> = types.iter().map(|t| t.aws().to_string()).collect();
    v.sort();
    v.dedup();
    v
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

fn rule_actions(a: &RuleActions) -> serde_json::Value {
    let upper = |v: serde_json::Value| json!(v.as_str().unwrap_or_default().to_ascii_uppercase());
    let mut out = serde_json::Map::new();
    if let Some(w) = a.workflow {
        out.insert(
            "Workflow".into(),
            json!({"Status": upper(serde_json::to_value(w).expect("enum"))}),
        );
    }
    if let Some(s) = a.severity {
        out.insert(
            "Severity".into(),
            json!({"Label": upper(serde_json::to_value(s).expect("enum"))}),
        );
    }
    if let Some(n) = &a.note {
        out.insert("Note".into(), json!({"Text": n, "UpdatedBy": "shubctl"}));
    }
    if let Some(v) = a.verification_state {
        out.insert(
            "VerificationState".into(),
            upper(serde_json::to_value(v).expect("enum")),
        );
    }
    if let Some(c) = a.confidence {
        out.insert("Confidence".into(), json!(c));
    }
    if let Some(c) = a.criticality {
        out.insert("Criticality".into(), json!(c));
    }
    if let Some(t) = &a.types {
        out.insert("Types".into(), json!(t));
    }
    if let Some(u) = &a.user_defined_fields {
        out.insert("UserDefinedFields".into(), json!(u));
    }
    serde_json::Value::Object(out)
}
