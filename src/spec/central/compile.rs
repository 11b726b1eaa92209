//! The policy compiled for central configuration: one configuration policy per distinct
//! effective configuration of the accounts, and associations to the root, OUs and accounts that
//! give every account its configuration as AWS resolves them (the closest directly applied
//! configuration of the account, its OU, the OUs above, the root; none at all means
//! self-managed). Pure: the organisation and what each account wants in, the plan out.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::{AccountId, DesiredScope, Kind, OrgInfo, Resource};

/// What a configuration policy sets in every account it reaches, in the home region and every
/// linked region alike.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Configuration {
    pub service_enabled: bool,
    /// Standards enabled, by short name.
    pub standards: BTreeSet<String>,
    /// Control ID → the reason the policy gives for disabling it.
    pub disabled: BTreeMap<String, String>,
    /// Control ID → parameter name → value.
    pub parameters: BTreeMap<String, BTreeMap<String, Value>>,
}

/// AWS's limit on custom configuration policies per delegated administrator.
pub const MAX_POLICIES: usize = 20;
/// AWS's limit on a configuration policy's description.
pub const MAX_DESCRIPTION: usize = 512;
/// AWS's limit on a configuration policy's name (the CloudFormation schema's; the API model
/// documents only the characters: letters, digits and `-.!*/`).
pub const MAX_NAME: usize = 128;
/// What AWS calls self-managed when it is associated like a policy.
pub const SELF_MANAGED: &str = "SELF_MANAGED_SECURITY_HUB";

impl Configuration {
    /// The configuration of an account in local mode: what the policy wants in its home-region
    /// scope (which, once the policy validates for central configuration, every region has).
    pub fn of(want: &DesiredScope) -> Configuration {
        let mut c = Configuration::default();
        for (l, v) in &want.state.resources {
            match (l.kind, v, &l.id) {
                (Kind::Hub, _, _) => c.service_enabled = true,
                (Kind::Standard, _, Some(id)) => {
                    c.standards.insert(id.clone());
                }
                (Kind::ControlParameters, Resource::ControlParameters(p), Some(id)) => {
                    c.parameters.insert(id.clone(), p.parameters.clone());
                }
                _ => {}
            }
        }
        for (std, ctls) in &want.state.controls {
            if !c.standards.contains(std) {
                continue;
            }
            for (ctl, reason) in &ctls.disabled {
                c.disabled
                    .entry(ctl.clone())
                    .or_insert_with(|| reason.clone());
            }
        }
        if !c.service_enabled {
            // A policy that turns Security Hub off holds nothing else (AWS drops the rest).
            c = Configuration::default();
        }
        c
    }

    /// What the configuration does, in words, cut to AWS's 512 characters.
    pub fn description(&self) -> String {
        let mut s = String::from("Managed by shubctl. ");
        if !self.service_enabled {
            s.push_str("Security Hub off.");
        } else {
            let stds: Vec<&str> = self.standards.iter().map(String::as_str).collect();
            s.push_str(&format!(
                "Standards: {}.",
                if stds.is_empty() {
                    "none".to_string()
                } else {
                    stds.join(", ")
                }
            ));
            for (ctl, reason) in &self.disabled {
                s.push_str(&format!(" {ctl} disabled: {reason}."));
            }
        }
        if s.chars().count() > MAX_DESCRIPTION {
            s = s.chars().take(MAX_DESCRIPTION - 1).collect::<String>() + "…";
        }
        s
    }
}

/// What an account, OU or root is associated with.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    /// A configuration policy, by name.
    Policy(String),
    /// `SELF_MANAGED_SECURITY_HUB`: configured account by account, left as it is.
    SelfManaged,
}

impl Label {
    /// The identifier shubctl records for the association: the policy's name, or
    /// `SELF_MANAGED_SECURITY_HUB`.
    pub fn id(&self) -> &str {
        match self {
            Label::Policy(n) => n,
            Label::SelfManaged => SELF_MANAGED,
        }
    }
}

/// The organisation's configuration policies and associations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compiled {
    /// Name → configuration.
    pub policies: BTreeMap<String, Configuration>,
    /// Target (`r-…`, `ou-…` or an account ID) → what is applied to it directly.
    pub associations: BTreeMap<String, Label>,
}

/// Compiles what each account wants: `Some(configuration)` for centrally managed accounts,
/// `None` for those left self-managed. Accounts of the organisation not in `wanted` are left
/// self-managed too.
///
/// Names do not depend on what a policy holds, so editing a standard, an exception or a
/// parameter updates the policy in place: the accounts are grouped by configuration, each group
/// is known by its first account while the associations are chosen (so ties break the same way
/// whatever the groups hold), and each policy is then named after the highest target it is
/// applied to (see [`policy_name`]). A target has one configuration at a time, so the names are
/// unique.
///
/// `newcomers` are stand-ins, one under each root and OU, for an account that joins there later,
/// labelled as the policy's selectors would label it: they are never associated directly (the
/// solver must reach them from their root or OU), so the associations reproduce the selectors,
/// not only today's accounts; nothing is emitted for them.
pub fn compile(
    org: &OrgInfo,
    wanted: &BTreeMap<AccountId, Option<Configuration>>,
    newcomers: &BTreeSet<AccountId>,
) -> Compiled {
    // Canonical JSON → the group's key (its first account) and configuration.
    let mut groups: BTreeMap<String, (String, &Configuration)> = BTreeMap::new();
    let mut labels: HashMap<&str, Label> = HashMap::new();
    let mut accounts: Vec<&AccountId> = org.accounts.iter().map(|a| &a.id).collect();
    accounts.sort();
    for a in accounts {
        let label = match wanted.get(a) {
            Some(Some(c)) => {
                let canonical = serde_json::to_string(c).expect("serialisable");
                let (key, _) = groups
                    .entry(canonical)
                    .or_insert_with(|| (a.as_str().to_string(), c));
                Label::Policy(key.clone())
            }
            _ => Label::SelfManaged,
        };
        labels.insert(a.as_str(), label);
    }
    let tree = Tree::new(org);
    let newcomers: HashSet<&str> = newcomers.iter().map(AccountId::as_str).collect();
    let mut solver = Solver {
        tree: &tree,
        labels: &labels,
        newcomers: &newcomers,
        memo: HashMap::new(),
    };
    let mut by_group = BTreeMap::new();
    for root in &tree.roots {
        // Before any association every account is self-managed.
        solver.assign(root, &Label::SelfManaged, &mut by_group);
    }
    // A newcomer the solver could not reach from above (none: every root and OU can carry its
    // label) would be associated directly; that association is not real.
    by_group.retain(|target, _| !newcomers.contains(target.as_str()));
    // The root first, then OUs by depth, then accounts; IDs break ties.
    let height = |target: &str| -> (u8, usize) {
        if target.starts_with("r-") {
            (0, 0)
        } else if target.starts_with("ou-") {
            let mut d = 0;
            let mut node = target;
            // Bounded walk: a malformed organisation with a cycle must not hang us.
            while let Some(ou) = org.ous.iter().find(|o| o.id == node) {
                node = ou.parent.as_str();
                d += 1;
                if d > org.ous.len() {
                    break;
                }
            }
            (1, d)
        } else {
            (2, 0)
        }
    };
    let mut highest: BTreeMap<&str, &str> = BTreeMap::new();
    for (target, label) in &by_group {
        if let Label::Policy(key) = label {
            let at = highest.entry(key.as_str()).or_insert(target.as_str());
            if (height(target), target.as_str()) < (height(at), *at) {
                *at = target.as_str();
            }
        }
    }
    let one_root = tree.roots.iter().filter(|r| r.starts_with("r-")).count() == 1;
    // Every group is applied somewhere (its accounts resolve to it); were one not, its first
    // account would name it.
    let names: BTreeMap<&str, String> = groups
        .values()
        .map(|(key, _)| {
            let target = highest.get(key.as_str()).copied().unwrap_or(key.as_str());
            (key.as_str(), policy_name(target, one_root))
        })
        .collect();
    // A configuration only newcomers would have is applied to their root or OU, so it is
    // applied somewhere; one applied nowhere is left out.
    let applied: BTreeSet<&str> = by_group
        .values()
        .filter_map(|l| match l {
            Label::Policy(key) => Some(key.as_str()),
            Label::SelfManaged => None,
        })
        .collect();
    let policies = groups
        .values()
        .filter(|(key, _)| applied.contains(key.as_str()))
        .map(|(key, c)| (names[key.as_str()].clone(), (*c).clone()))
        .collect();
    let associations = by_group
        .iter()
        .map(|(target, label)| {
            let label = match label {
                Label::Policy(key) => Label::Policy(names[key.as_str()].clone()),
                Label::SelfManaged => Label::SelfManaged,
            };
            (target.clone(), label)
        })
        .collect();
    Compiled {
        policies,
        associations,
    }
}

/// The name of the configuration policy applied to `target` as its highest target:
/// `shubctl-root`, `shubctl-ou-…` or `shubctl-account-<id>`. It stays while the policy's content
/// changes, and changes only when the policy's highest target does (the policy is then
/// replaced). With more than one root (AWS Organizations has one) the root's ID is kept in the
/// name. Organizations' IDs are letters, digits and `-`, so names stay within AWS's characters
/// and, at 84 characters for the longest OU ID, within [`MAX_NAME`].
pub fn policy_name(target: &str, one_root: bool) -> String {
    if target.starts_with("r-") && one_root {
        "shubctl-root".to_string()
    } else if target.starts_with("r-") || target.starts_with("ou-") {
        format!("shubctl-{target}")
    } else {
        format!("shubctl-account-{target}")
    }
}

/// How AWS resolves an account's configuration: the closest target, from the account up to the
/// root, with a configuration applied directly; none means self-managed.
pub fn resolve(
    org: &OrgInfo,
    associations: &BTreeMap<String, Label>,
    account: &AccountId,
) -> Label {
    if let Some(l) = associations.get(account.as_str()) {
        return l.clone();
    }
    let Some(a) = org.account(account) else {
        return Label::SelfManaged;
    };
    let mut node = a.parent.clone();
    // Bounded walk: a malformed organisation with a cycle must not hang us.
    for _ in 0..=org.ous.len() + 1 {
        if let Some(l) = associations.get(&node) {
            return l.clone();
        }
        match org.ous.iter().find(|o| o.id == node) {
            Some(ou) => node = ou.parent.clone(),
            None => break,
        }
    }
    Label::SelfManaged
}

/// What a choice of associations costs: compared on the accounts joining later that would not
/// inherit what the selectors give them first, then on the number of associations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    unreached_newcomers: usize,
    associations: usize,
    on_accounts: usize,
}

/// The organisation as a tree: each root and OU with its child OUs and accounts.
struct Tree<'a> {
    roots: Vec<&'a str>,
    ous: BTreeMap<&'a str, Vec<&'a str>>,
    accounts: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Tree<'a> {
    fn new(org: &'a OrgInfo) -> Self {
        let mut ous: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut accounts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for o in &org.ous {
            ous.entry(o.parent.as_str())
                .or_default()
                .push(o.id.as_str());
        }
        for a in &org.accounts {
            accounts
                .entry(a.parent.as_str())
                .or_default()
                .push(a.id.as_str());
        }
        let is_ou: BTreeSet<&str> = org.ous.iter().map(|o| o.id.as_str()).collect();
        let roots: BTreeSet<&str> = ous
            .keys()
            .chain(accounts.keys())
            .copied()
            .filter(|p| !is_ou.contains(p))
            .collect();
        Tree {
            roots: roots.into_iter().collect(),
            ous,
            accounts,
        }
    }
}

/// Fewest associations that give every account its label, and of those the fewest on single
/// accounts (an OU's or the root's association also reaches accounts that join later): for
/// each root or OU, either nothing (its subtree inherits) or one applied label, chosen
/// bottom-up by the cost of the subtree.
struct Solver<'t, 'a> {
    tree: &'t Tree<'a>,
    labels: &'t HashMap<&'a str, Label>,
    /// Stand-ins for accounts that join later: reached only from their root or OU.
    newcomers: &'t HashSet<&'t str>,
    /// (node, inherited label) → (cost below and at the node, label to apply).
    memo: HashMap<(&'a str, Label), (Cost, Option<Label>)>,
}

impl<'a> Solver<'_, 'a> {
    /// The labels some account beneath `node` wants, in order.
    fn wanted_below(&self, node: &'a str, out: &mut BTreeSet<Label>) {
        for a in self.tree.accounts.get(node).into_iter().flatten() {
            out.insert(self.labels[a].clone());
        }
        for ou in self.tree.ous.get(node).into_iter().flatten() {
            self.wanted_below(ou, out);
        }
    }

    fn children_cost(&mut self, node: &'a str, inherited: &Label) -> Cost {
        let (mut accounts, mut newcomers) = (0, 0);
        for a in self.tree.accounts.get(node).into_iter().flatten() {
            if &self.labels[*a] != inherited {
                if self.newcomers.contains(a) {
                    newcomers += 1;
                } else {
                    accounts += 1;
                }
            }
        }
        let ous: Vec<&'a str> = self.tree.ous.get(node).cloned().unwrap_or_default();
        let mut cost = Cost {
            unreached_newcomers: newcomers,
            associations: accounts,
            on_accounts: accounts,
        };
        for ou in ous {
            let below = self.best(ou, inherited).0;
            cost.unreached_newcomers += below.unreached_newcomers;
            cost.associations += below.associations;
            cost.on_accounts += below.on_accounts;
        }
        cost
    }

    /// The cheapest choice at `node` when it would inherit `inherited`.
    fn best(&mut self, node: &'a str, inherited: &Label) -> (Cost, Option<Label>) {
        if let Some(hit) = self.memo.get(&(node, inherited.clone())) {
            return hit.clone();
        }
        let mut best = (self.children_cost(node, inherited), None);
        let mut candidates = BTreeSet::new();
        self.wanted_below(node, &mut candidates);
        for l in candidates.into_iter().filter(|l| l != inherited) {
            let mut cost = self.children_cost(node, &l);
            cost.associations += 1;
            // Strictly cheaper only: no association wins ties, then the first label in order.
            if cost < best.0 {
                best = (cost, Some(l));
            }
        }
        self.memo.insert((node, inherited.clone()), best.clone());
        best
    }

    /// Records the chosen associations of `node`'s subtree.
    fn assign(&mut self, node: &'a str, inherited: &Label, out: &mut BTreeMap<String, Label>) {
        let (_, applied) = self.best(node, inherited);
        let effective = match applied {
            Some(l) => {
                out.insert(node.to_string(), l.clone());
                l
            }
            None => inherited.clone(),
        };
        for a in self.tree.accounts.get(node).into_iter().flatten() {
            let want = &self.labels[a];
            if want != &effective {
                out.insert(a.to_string(), want.clone());
            }
        }
        let ous: Vec<&'a str> = self.tree.ous.get(node).cloned().unwrap_or_default();
        for ou in ous {
            self.assign(ou, &effective, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::organization::{AccountInfo, AccountStatus, OuInfo};

    fn acct(id: &str, parent: &str) -> AccountInfo {
        AccountInfo {
            id: AccountId::parse(id).unwrap(),
            name: String::new(),
            status: AccountStatus::Active,
            parent: parent.into(),
        }
    }

    fn ou(id: &str, parent: &str) -> OuInfo {
        OuInfo {
            id: id.into(),
            name: String::new(),
            parent: parent.into(),
        }
    }

    fn with_standard(s: &str) -> Configuration {
        Configuration {
            service_enabled: true,
            standards: [s.to_string()].into(),
            ..Configuration::default()
        }
    }

    /// Today one account of the OU wants the policy and two are self-managed: one account
    /// association does for them, but an account joining the OU later would then inherit
    /// nothing. With stand-ins for joiners (the selectors give the OU's the policy, the root's
    /// nothing), the OU carries the policy and the two exceptions are associated on their own.
    #[test]
    fn accounts_that_join_later_inherit_what_the_selectors_give_them() {
        let mut org = OrgInfo {
            accounts: vec![
                acct("111111111111", "r-ab12"),
                acct("222222222222", "ou-ab12-prod0001"),
                acct("333333333333", "ou-ab12-prod0001"),
                acct("444444444444", "ou-ab12-prod0001"),
            ],
            ous: vec![ou("ou-ab12-prod0001", "r-ab12")],
            ..OrgInfo::default()
        };
        let c = with_standard("fsbp/1.0.0");
        let id = |s: &str| AccountId::parse(s).unwrap();
        let mut wanted: BTreeMap<AccountId, Option<Configuration>> = [
            (id("111111111111"), None),
            (id("222222222222"), Some(c.clone())),
            (id("333333333333"), None),
            (id("444444444444"), None),
        ]
        .into();
        let today_only = compile(&org, &wanted, &BTreeSet::new());
        assert_eq!(
            today_only.associations.keys().collect::<Vec<_>>(),
            ["222222222222"]
        );
        org.accounts.push(acct("999999999999", "ou-ab12-prod0001"));
        org.accounts.push(acct("999999999998", "r-ab12"));
        wanted.insert(id("999999999999"), Some(c.clone()));
        wanted.insert(id("999999999998"), None);
        let newcomers = [id("999999999999"), id("999999999998")].into();
        let out = compile(&org, &wanted, &newcomers);
        assert_eq!(
            out.associations,
            [
                ("333333333333".to_string(), Label::SelfManaged),
                ("444444444444".to_string(), Label::SelfManaged),
                (
                    "ou-ab12-prod0001".to_string(),
                    Label::Policy("shubctl-ou-ab12-prod0001".into())
                ),
            ]
            .into()
        );
        assert_eq!(
            out.policies.keys().collect::<Vec<_>>(),
            ["shubctl-ou-ab12-prod0001"]
        );
    }

    #[test]
    fn one_policy_on_the_root_and_the_exceptions_below_it() {
        let org = OrgInfo {
            accounts: vec![
                acct("111111111111", "r-ab12"),
                acct("222222222222", "ou-ab12-prod0001"),
                acct("333333333333", "ou-ab12-prod0001"),
                acct("444444444444", "ou-ab12-sand0001"),
                acct("555555555555", "ou-ab12-sand0001"),
            ],
            ous: vec![
                ou("ou-ab12-prod0001", "r-ab12"),
                ou("ou-ab12-sand0001", "r-ab12"),
            ],
            ..OrgInfo::default()
        };
        let base = with_standard("fsbp/1.0.0");
        let strict = Configuration {
            standards: ["fsbp/1.0.0".to_string(), "cis/5.0.0".to_string()].into(),
            ..base.clone()
        };
        let wanted: BTreeMap<AccountId, Option<Configuration>> = [
            ("111111111111", Some(base.clone())),
            ("222222222222", Some(strict.clone())),
            ("333333333333", Some(base.clone())),
            ("444444444444", None),
            ("555555555555", None),
        ]
        .into_iter()
        .map(|(a, c)| (AccountId::parse(a).unwrap(), c))
        .collect();
        let out = compile(&org, &wanted, &BTreeSet::new());
        assert_eq!(out.policies.len(), 2);
        assert_eq!(out.policies["shubctl-root"], base);
        assert_eq!(out.policies["shubctl-account-222222222222"], strict);
        let expect: BTreeMap<String, Label> = [
            ("r-ab12", Label::Policy("shubctl-root".into())),
            (
                "222222222222",
                Label::Policy("shubctl-account-222222222222".into()),
            ),
            ("ou-ab12-sand0001", Label::SelfManaged),
        ]
        .into_iter()
        .map(|(t, l)| (t.to_string(), l))
        .collect();
        assert_eq!(out.associations, expect);
        // Edited content keeps the names and the associations: an update in place.
        let edited = Configuration {
            disabled: [("EC2.2".to_string(), "why".to_string())].into(),
            ..base.clone()
        };
        let wanted2: BTreeMap<AccountId, Option<Configuration>> = wanted
            .iter()
            .map(|(a, c)| {
                let c = c
                    .clone()
                    .map(|c| if c == base { edited.clone() } else { c });
                (a.clone(), c)
            })
            .collect();
        let out2 = compile(&org, &wanted2, &BTreeSet::new());
        assert_eq!(out2.associations, out.associations);
        assert_eq!(out2.policies["shubctl-root"], edited);
    }

    #[test]
    fn names_come_from_the_highest_target_and_fit_aws() {
        assert_eq!(policy_name("r-ab12", true), "shubctl-root");
        assert_eq!(policy_name("r-ab12", false), "shubctl-r-ab12");
        assert_eq!(
            policy_name("ou-ab12-prod0001", true),
            "shubctl-ou-ab12-prod0001"
        );
        assert_eq!(
            policy_name("111111111111", true),
            "shubctl-account-111111111111"
        );
        // The longest OU ID Organizations forms.
        let ou = format!("ou-{}-{}", "a".repeat(32), "b".repeat(32));
        let n = policy_name(&ou, true);
        assert!(n.len() <= MAX_NAME);
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    }

    #[test]
    fn long_descriptions_are_cut_to_aws_limit() {
        let mut c = with_standard("fsbp/1.0.0");
        for i in 0..100 {
            c.disabled
                .insert(format!("EC2.{i}"), "a long reason ".repeat(3));
        }
        assert_eq!(c.description().chars().count(), MAX_DESCRIPTION);
    }
}
