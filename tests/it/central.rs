//! Central configuration: the policy compiled to configuration policies and associations gives
//! every account, as AWS resolves associations, what local configuration would give it.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use shubctl::model::organization::{AccountInfo, AccountStatus, OuInfo};
use shubctl::model::{AccountId, OrgInfo, Scope};
use shubctl::spec::Policy;
use shubctl::spec::central::compile::{Configuration, Label, MAX_NAME, policy_name, resolve};
use shubctl::spec::diagnostics::Diagnostics;
use shubctl::spec::expand::Expansion;

use crate::common::*;

const ROOT: &str = "r-ab12";
const HOME: &str = "eu-west-1";
const ADMIN: &str = "100000000000";
const MANAGEMENT: &str = "100000000001";

fn ou_id(i: usize) -> String {
    format!("ou-ab12-{i:08}")
}

fn account_id(i: usize) -> String {
    format!("1000000000{i:02}")
}

/// An organisation: OUs nested under the root or earlier OUs, accounts under any of them.
#[derive(Debug, Clone)]
struct Org {
    /// OU i's parent: 0 is the root, k is OU k-1.
    ous: Vec<usize>,
    /// Account i's parent (as above) and whether it is active.
    accounts: Vec<(usize, bool)>,
}

impl Org {
    fn node(&self, k: usize) -> String {
        if k == 0 { ROOT.into() } else { ou_id(k - 1) }
    }
    /// An account ID or OU ID, by number.
    fn member(&self, k: usize) -> String {
        let n = self.ous.len() + 1 + self.accounts.len();
        match k % n {
            0 => ROOT.into(),
            k if k <= self.ous.len() => ou_id(k - 1),
            k => account_id(k - 1 - self.ous.len()),
        }
    }
    fn info(&self) -> OrgInfo {
        OrgInfo {
            management_account: Some(AccountId::parse(MANAGEMENT).unwrap()),
            ous: self
                .ous
                .iter()
                .enumerate()
                .map(|(i, p)| OuInfo {
                    id: ou_id(i),
                    name: String::new(),
                    parent: self.node(*p),
                })
                .collect(),
            accounts: self
                .accounts
                .iter()
                .enumerate()
                .map(|(i, (p, active))| AccountInfo {
                    id: AccountId::parse(&account_id(i)).unwrap(),
                    name: String::new(),
                    status: if *active || i < 2 {
                        AccountStatus::Active
                    } else {
                        AccountStatus::Suspended
                    },
                    parent: self.node(*p),
                })
                .collect(),
            enabled_regions: vec![HOME.into()],
        }
    }
}

/// How many OUs up from `ou` the root is.
fn ou_depth(info: &OrgInfo, ou: &str) -> usize {
    let mut d = 0;
    let mut node = ou;
    while let Some(o) = info.ous.iter().find(|o| o.id == node) {
        node = &o.parent;
        d += 1;
    }
    d
}

fn org() -> impl Strategy<Value = Org> {
    prop::collection::vec(any::<prop::sample::Index>(), 0..5)
        .prop_map(|ps| {
            ps.iter()
                .enumerate()
                .map(|(i, p)| p.index(i + 1))
                .collect::<Vec<usize>>()
        })
        .prop_flat_map(|ous| {
            let nodes = ous.len() + 1;
            (
                Just(ous),
                prop::collection::vec((0..nodes, prop::bool::weighted(0.9)), 2..14),
            )
        })
        .prop_map(|(ous, accounts)| Org { ous, accounts })
}

/// A selection of members: `[..]` or `{ except: [..] }`.
#[derive(Debug, Clone)]
struct Sel {
    except: bool,
    members: Vec<usize>,
}

impl Sel {
    fn yaml(&self, o: &Org) -> String {
        let list: Vec<String> = self
            .members
            .iter()
            .map(|m| format!("\"{}\"", o.member(*m)))
            .collect();
        if self.except {
            format!("{{ except: [{}] }}", list.join(", "))
        } else {
            format!("[{}]", list.join(", "))
        }
    }
}

fn sel() -> impl Strategy<Value = Sel> {
    (any::<bool>(), prop::collection::vec(0usize..64, 1..4))
        .prop_map(|(except, members)| Sel { except, members })
}

#[derive(Debug, Clone)]
struct Shape {
    include: Option<Vec<usize>>,
    exclude: Vec<usize>,
    self_managed: Vec<usize>,
    /// cis/5.0.0 and nist-800-53/5.0.0, each absent, everywhere or for some accounts.
    standards: Vec<Option<Option<Sel>>>,
    /// Control (by index) and where it is disabled.
    exceptions: Vec<(usize, Option<Sel>)>,
    parameters: bool,
}

const CONTROLS: [&str; 4] = ["EC2.2", "S3.1", "IAM.6", "Config.1"];

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::option::weighted(0.3, prop::collection::vec(0usize..64, 1..4)),
        prop::collection::vec(0usize..64, 0..3),
        prop::collection::vec(0usize..64, 0..3),
        prop::collection::vec(prop::option::of(prop::option::of(sel())), 2),
        prop::collection::vec((0..CONTROLS.len(), prop::option::of(sel())), 0..4),
        any::<bool>(),
    )
        .prop_map(
            |(include, exclude, self_managed, standards, exceptions, parameters)| Shape {
                include,
                exclude,
                self_managed,
                standards,
                exceptions,
                parameters,
            },
        )
}

/// The policy as YAML, under central or local configuration.
fn yaml(o: &Org, s: &Shape, central: bool) -> String {
    let quoted = |l: &[usize], admin: bool| -> String {
        l.iter()
            .map(|m| format!("\"{}\"", o.member(*m)))
            // The administrator cannot be excluded by name (SH207).
            .filter(|m| admin || m != &format!("\"{ADMIN}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut y = format!(
        "organization:\n  management_account: \"{MANAGEMENT}\"\n  delegated_admin: \"{ADMIN}\"\n  accounts:\n"
    );
    match &s.include {
        Some(l) => y += &format!("    include: [{}]\n", quoted(l, true)),
        None => y += "    include: all\n",
    }
    y += &format!("    exclude: [{}]\n", quoted(&s.exclude, false));
    if central {
        y += "  configuration: central\n";
        y += &format!("  self_managed: [{}]\n", quoted(&s.self_managed, true));
    }
    y += &format!(
        "regions:\n  home: {HOME}\n  include: [{HOME}]\naggregator:\n  linking: no_regions\nstandards:\n  - fsbp/1.0.0\n"
    );
    for (name, st) in ["cis/5.0.0", "nist-800-53/5.0.0"].iter().zip(&s.standards) {
        match st {
            None => {}
            Some(None) => y += &format!("  - {name}\n"),
            Some(Some(sel)) => {
                y += &format!("  - standard: {name}\n    accounts: {}\n", sel.yaml(o))
            }
        }
    }
    if !s.exceptions.is_empty() {
        y += "exceptions:\n";
        for (i, (c, sel)) in s.exceptions.iter().enumerate() {
            y += &format!("  - control: {}\n    reason: reason {i}\n", CONTROLS[*c]);
            if let Some(sel) = sel {
                y += &format!("    accounts: {}\n", sel.yaml(o));
            }
        }
    }
    if s.parameters {
        y += "control_parameters:\n  - control: ACM.1\n    parameters: { daysToExpiration: 30 }\n";
    }
    y
}

fn load(text: &str) -> Result<Policy, String> {
    let mut d = Diagnostics::default();
    let p = shubctl::spec::load_str("policy.yaml", text, &options(), &mut d);
    if d.has_errors() {
        return Err(format!("{text}\n{:#?}", d.items));
    }
    Ok(p)
}

/// Whether `self_managed` reaches the account: named, or under a named OU or root.
fn is_self_managed(info: &OrgInfo, o: &Org, s: &Shape, a: &AccountId) -> bool {
    let parent = &info.account(a).unwrap().parent;
    s.self_managed
        .iter()
        .map(|m| o.member(*m))
        .any(|m| m == a.as_str() || info.is_under(parent, &m))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// For random organisations and policies, every account resolves (as AWS resolves
    /// associations) to a configuration policy holding exactly what local configuration would
    /// give it, or to self-managed when it is out of scope or named in `self_managed`.
    #[test]
    fn associations_reproduce_local_configuration(o in org(), s in shape()) {
        let info = o.info();
        let central = load(&yaml(&o, &s, true)).map_err(TestCaseError::fail)?;
        let local = load(&yaml(&o, &s, false)).map_err(TestCaseError::fail)?;
        let mut d = Diagnostics::default();
        let xc = Expansion::prepare(&central, &info, today(), &mut d).expect("expands");
        let xl = Expansion::prepare(&local, &info, today(), &mut d).expect("expands");
        let compiled = xc.compiled.as_ref().expect("central");
        prop_assert!(xl.compiled.is_none());
        for a in &info.accounts {
            let in_scope = xl.accounts.contains(&a.id);
            let got = resolve(&info, &compiled.associations, &a.id);
            if in_scope && !is_self_managed(&info, &o, &s, &a.id) {
                let c = Configuration::of(&xl.desired(&Scope::new(&a.id, HOME)));
                let Label::Policy(name) = &got else {
                    return Err(TestCaseError::fail(format!("account {} self-managed", a.id)));
                };
                prop_assert_eq!(compiled.policies.get(name), Some(&c), "account {}", a.id);
            } else {
                prop_assert_eq!(got, Label::SelfManaged, "account {}", a.id);
            }
        }
        // One policy per distinct configuration, each named after the highest target it is
        // applied to, within AWS's name rules.
        let distinct: BTreeSet<String> = compiled
            .policies
            .values()
            .map(|c| serde_json::to_string(c).unwrap())
            .collect();
        prop_assert_eq!(distinct.len(), compiled.policies.len());
        for name in compiled.policies.keys() {
            let mut targets: Vec<&String> = compiled
                .associations
                .iter()
                .filter(|(_, l)| **l == Label::Policy(name.clone()))
                .map(|(t, _)| t)
                .collect();
            // The root, then OUs nearest the root, then accounts; IDs break ties.
            targets.sort_by_key(|t| {
                let class = if t.starts_with("r-") { 0 } else if t.starts_with("ou-") { 1 } else { 2 };
                (class, ou_depth(&info, t), t.to_string())
            });
            prop_assert!(!targets.is_empty(), "{name} applied nowhere");
            prop_assert_eq!(name, &policy_name(targets[0], true));
            prop_assert!(name.len() <= MAX_NAME && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!*/".contains(&b)));
        }
        // Every policy is used, and every association names something in the organisation.
        for name in compiled.policies.keys() {
            prop_assert!(compiled.associations.values().any(|l| l == &Label::Policy(name.clone())));
        }
        for target in compiled.associations.keys() {
            prop_assert!(target == ROOT || info.ous.iter().any(|u| &u.id == target) || info.accounts.iter().any(|a| a.id.as_str() == target));
        }
        // At most one association per target (stand-ins for accounts that join later may put
        // one on a root or OU that today's accounts alone would not need).
        prop_assert!(compiled.associations.len() <= info.accounts.len() + info.ous.len() + 1);
        // An edit every centrally managed account shares (a control parameter) changes what
        // the policies hold, never their names or associations: updates in place.
        let toggled = Shape { parameters: !s.parameters, ..s.clone() };
        let edited = load(&yaml(&o, &toggled, true)).map_err(TestCaseError::fail)?;
        let xe = Expansion::prepare(&edited, &info, today(), &mut d).expect("expands");
        let after = xe.compiled.as_ref().expect("central");
        prop_assert_eq!(&after.associations, &compiled.associations);
        prop_assert!(after.policies.keys().eq(compiled.policies.keys()));
    }
}

#[test]
fn the_same_policy_compiles_to_the_same_names() {
    let o = Org {
        ous: vec![0, 1],
        accounts: vec![(0, true), (1, true), (2, true), (2, true)],
    };
    let s = Shape {
        include: None,
        exclude: vec![],
        self_managed: vec![],
        standards: vec![
            Some(Some(Sel {
                except: true,
                members: vec![2],
            })),
            None,
        ],
        exceptions: vec![(0, None)],
        parameters: true,
    };
    let info = o.info();
    let compile = || {
        let p = load(&yaml(&o, &s, true)).unwrap();
        let mut d = Diagnostics::default();
        Expansion::prepare(&p, &info, today(), &mut d)
            .unwrap()
            .compiled
            .unwrap()
    };
    let first = compile();
    assert_eq!(first, compile());
    // Root: fsbp + cis; OU 2 (under OU 1) excluded from cis: two policies, two associations.
    assert_eq!(first.policies.len(), 2, "{first:#?}");
    let expect: BTreeMap<String, Label> = first.associations.clone();
    assert_eq!(expect.len(), 2, "{first:#?}");
    assert!(expect.contains_key(ROOT) && expect.contains_key(&ou_id(1)));
}

/// A small organisation: administrator and management account at the root, production
/// accounts in one OU, a sandbox OU kept self-managed.
fn small_org() -> (Org, String) {
    let o = Org {
        ous: vec![0, 0],
        accounts: vec![(0, true), (0, true), (1, true), (1, true), (2, true)],
    };
    let text = format!(
        r#"organization:
  management_account: "{MANAGEMENT}"
  delegated_admin: "{ADMIN}"
  configuration: central
  self_managed: ["{sandbox}"]
regions:
  home: {HOME}
  include: [{HOME}]
aggregator:
  linking: no_regions
standards:
  - fsbp/1.0.0
  - standard: cis/5.0.0
    accounts: ["{prod}"]
exceptions:
  - control: EC2.2
    reason: Audited by the network team
control_parameters:
  - control: ACM.1
    parameters: {{ daysToExpiration: 30 }}
"#,
        prod = ou_id(0),
        sandbox = ou_id(1),
    );
    (o, text)
}

fn apply_all(p: &shubctl::plan::Plan, s: &shubctl::provider::snapshot::Snapshot) {
    let report = block_on(shubctl::apply::apply(
        p,
        s,
        &shubctl::apply::ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    assert!(report.success(), "{}", report.render_text());
}

/// Planned against a snapshot: the configuration policies, associations and the organisation
/// configuration are created in the administrator's home region, centrally managed accounts
/// are not read for Security Hub kinds, and once applied the re-plan is empty.
#[test]
fn central_plan_creates_policies_and_associations_then_converges() {
    use shubctl::model::{Action, Kind, State};
    use shubctl::provider::snapshot::Snapshot;

    let (o, text) = small_org();
    let p = load(&text).unwrap();
    let s = Snapshot::from_state(o.info(), State::default());
    let first = plan(&p, &s);
    let admin_home = Scope::new(&AccountId::parse(ADMIN).unwrap(), HOME);
    let of_kind = |k: Kind| -> Vec<String> {
        first
            .changes
            .iter()
            .filter(|c| c.address.kind == k)
            .map(|c| {
                assert_eq!(c.address.scope(), admin_home, "{}", c.address);
                assert_eq!(c.action, Action::Create, "{}", c.address);
                c.address.id.clone().unwrap()
            })
            .collect()
    };
    // Root: fsbp; production OU: fsbp + CIS; sandbox OU: self-managed.
    assert_eq!(of_kind(Kind::ConfigPolicy).len(), 2);
    assert_eq!(
        of_kind(Kind::PolicyAssociation),
        vec![ou_id(0), ou_id(1), ROOT.to_string()]
    );
    let org_config = first
        .changes
        .iter()
        .find(|c| c.address.kind == Kind::OrgConfig)
        .expect("organisation configuration");
    let after = org_config.after.as_ref().unwrap();
    assert_eq!(after["configuration_type"], "CENTRAL");
    assert_eq!(after["auto_enable"], false);
    assert_eq!(after["auto_enable_standards"], "NONE");
    // Security Hub is read account by account only where it is managed locally: the sandbox
    // account, the administrator's own hub, and the management account's hub in the home
    // region (AWS associates a policy with it only once that is on).
    let sh_kinds = [
        Kind::Hub,
        Kind::Standard,
        Kind::Control,
        Kind::ControlParameters,
    ];
    let read_locally: Vec<String> = first
        .reads
        .scopes
        .iter()
        .filter(|(_, kinds)| kinds.iter().any(|k| sh_kinds.contains(k)))
        .map(|(s, _)| s.account.to_string())
        .collect();
    assert_eq!(
        read_locally,
        vec![ADMIN.to_string(), MANAGEMENT.to_string(), account_id(4)]
    );
    apply_all(&first, &s);
    let again = plan(&p, &s);
    assert!(again.changes.is_empty(), "{:#?}", again.changes);
}

/// An association AWS reports FAILED is planned as drift, with AWS's reason shown as it was.
#[test]
fn a_failed_association_is_drift() {
    use shubctl::model::resource::PolicyAssociationValue;
    use shubctl::model::{Action, Address, Kind, Resource, State};
    use shubctl::provider::snapshot::Snapshot;

    let (o, text) = small_org();
    let p = load(&text).unwrap();
    let s = Snapshot::from_state(o.info(), State::default());
    apply_all(&plan(&p, &s), &s);
    let mut state = s.state();
    let prod = Address::new(
        &AccountId::parse(ADMIN).unwrap(),
        HOME,
        Kind::PolicyAssociation,
        Some(ou_id(0)),
    );
    let Some(Resource::PolicyAssociation(v)) = state
        .scopes
        .get(&prod.scope())
        .and_then(|sc| sc.get(Kind::PolicyAssociation, prod.id.as_deref()))
    else {
        panic!("association applied")
    };
    let reason = "One or more children under this target failed association.";
    state.insert(
        prod.clone(),
        Resource::PolicyAssociation(PolicyAssociationValue {
            status: "FAILED".parse().unwrap(),
            reason: Some(reason.into()),
            ..v
        }),
    );
    let drifted = Snapshot::from_state(o.info(), state);
    let again = plan(&p, &drifted);
    assert_eq!(again.changes.len(), 1, "{:#?}", again.changes);
    let c = &again.changes[0];
    assert_eq!((&c.address, c.action), (&prod, Action::Update));
    let before = c.before.as_ref().unwrap();
    assert_eq!(before["status"], "FAILED");
    assert_eq!(before["reason"], reason);
    assert_eq!(c.after.as_ref().unwrap()["status"], "SUCCESS");
}

/// Configuration policies and associations render like any other kind.
#[test]
fn central_plan_renders() {
    use shubctl::model::State;
    use shubctl::plan::render::{Format, RenderOptions, render};
    use shubctl::provider::snapshot::Snapshot;

    let (o, text) = small_org();
    let p = load(&text).unwrap();
    let s = Snapshot::from_state(o.info(), State::default());
    let planned = plan(&p, &s);
    insta::assert_snapshot!(render(&planned, Format::Text, RenderOptions::default()));
    let json: serde_json::Value =
        serde_json::from_str(&render(&planned, Format::Json, RenderOptions::default())).unwrap();
    assert_eq!(json["format_version"], 1);
    let policy = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"].as_str().unwrap().contains("/config-policy/"))
        .expect("a configuration policy");
    assert_eq!(policy["after"]["service_enabled"], true);
    assert_eq!(policy["after"]["disabled_controls"][0], "EC2.2");
}

/// With `regions: include: all`, which regions are managed is known only from the
/// organisation: an enabled region the aggregator does not link is refused before any read.
#[test]
fn enabled_regions_the_aggregator_does_not_link_are_refused() {
    let (o, text) = small_org();
    let text = text
        .replace(
            &format!("include: [{HOME}]"),
            "include: all\n  exclude: [eu-north-1]",
        )
        .replace(
            "linking: no_regions",
            "linking: specified_regions\n  regions: [eu-central-1]",
        );
    let p = load(&text).unwrap();
    let mut info = o.info();
    info.enabled_regions = vec![
        HOME.into(),
        "eu-central-1".into(),
        "eu-north-1".into(),
        "us-east-1".into(),
    ];
    let mut d = Diagnostics::default();
    Expansion::prepare(&p, &info, today(), &mut d);
    let errors: Vec<String> = d.sorted().iter().map(|x| x.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("policy.yaml:4:18: error[SH214]:")
            && errors[0].contains("enabled regions us-east-1 are not linked"),
        "{errors:#?}"
    );
    // The plan stops there and says what it read: the organisation, nothing else.
    let source = shubctl::provider::snapshot::Snapshot::from_state(info, Default::default());
    let mut d = Diagnostics::default();
    let refused = block_on(shubctl::engine::plan(
        &p,
        &source,
        "snapshot",
        today(),
        8,
        false,
        &mut d,
    ))
    .err()
    .expect("refused");
    assert_eq!(
        refused.to_string(),
        "the policy has 1 error(s) for this organisation; only the organisation was read, nothing was changed"
    );
}

/// Back from central to local configuration, with `configuration: local` written out: the
/// associations are removed, then the configuration policies, then the organisation is
/// switched to LOCAL, and only then are the accounts written locally. Each step of the switch
/// is destructive; with `configuration` left out the organisation is refused instead.
#[test]
fn central_to_local_is_planned_destructive_in_aws_order() {
    use shubctl::model::{Action, Kind, State};
    use shubctl::plan::render::{Format, RenderOptions, render};
    use shubctl::provider::snapshot::Snapshot;

    let (o, text) = small_org();
    let s = Snapshot::from_state(o.info(), State::default());
    apply_all(&plan(&load(&text).unwrap(), &s), &s);
    let sandbox = ou_id(1);
    let local = text.replace(
        &format!("configuration: central\n  self_managed: [\"{sandbox}\"]\n"),
        "configuration: local\n",
    );
    assert_ne!(local, text);
    let back = plan(&load(&local).unwrap(), &s);
    let leaving: Vec<String> = back
        .changes
        .iter()
        .filter(|c| {
            matches!(c.address.kind, Kind::ConfigPolicy | Kind::PolicyAssociation)
                || c.leaves_central()
        })
        .map(|c| {
            assert!(c.destructive, "{}", c.address);
            format!("{} {}", c.action.as_str(), c.address)
        })
        .collect();
    let admin_home = format!("{ADMIN}/{HOME}");
    assert_eq!(
        leaving,
        [
            format!("update {admin_home}/org-config/securityhub"),
            format!("delete {admin_home}/config-policy/shubctl-ou-ab12-00000000"),
            format!("delete {admin_home}/config-policy/shubctl-root"),
            format!("delete {admin_home}/policy-association/ou-ab12-00000000"),
            format!("delete {admin_home}/policy-association/ou-ab12-00000001"),
            format!("delete {admin_home}/policy-association/{ROOT}"),
        ]
    );
    // The accounts are managed locally again: their hubs are planned.
    assert!(
        back.changes
            .iter()
            .any(|c| c.address.kind == Kind::Hub && c.address.account.as_str() == account_id(2))
    );
    let order: Vec<(Kind, Action)> = shubctl::plan::apply_order(&back.changes)
        .iter()
        .map(|c| (c.address.kind, c.action))
        .collect();
    assert_eq!(
        order[..6],
        [
            (Kind::PolicyAssociation, Action::Delete),
            (Kind::PolicyAssociation, Action::Delete),
            (Kind::PolicyAssociation, Action::Delete),
            (Kind::ConfigPolicy, Action::Delete),
            (Kind::ConfigPolicy, Action::Delete),
            (Kind::OrgConfig, Action::Update),
        ]
    );
    assert!(matches!(
        shubctl::engine::gate(&back, false),
        Err(shubctl::engine::EngineError::Destructive(_))
    ));
    insta::assert_snapshot!(
        "central_to_local_text",
        render(&back, Format::Text, RenderOptions::default())
    );
    insta::assert_snapshot!(
        "central_to_local_markdown",
        render(&back, Format::Markdown, RenderOptions::default())
    );
    insta::assert_snapshot!(
        "central_to_local_json",
        render(&back, Format::Json, RenderOptions::default())
            .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
    );
    apply_all(&back, &s);
    let again = plan(&load(&local).unwrap(), &s);
    assert!(again.changes.is_empty(), "{:#?}", again.changes);

    // Left out, `configuration` keeps the refusal, which says how to switch back.
    let s = Snapshot::from_state(o.info(), State::default());
    apply_all(&plan(&load(&text).unwrap(), &s), &s);
    let silent = text.replace(
        &format!("  configuration: central\n  self_managed: [\"{sandbox}\"]\n"),
        "",
    );
    let mut d = Diagnostics::default();
    let err = block_on(shubctl::engine::plan(
        &load(&silent).unwrap(),
        &s,
        "snapshot",
        today(),
        1,
        false,
        &mut d,
    ))
    .err()
    .expect("refused");
    let msg = err.to_string();
    assert!(
        msg.contains("`organization.configuration: local`") && msg.contains("--allow-destroy"),
        "{msg}"
    );
}
