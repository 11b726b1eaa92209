//! Security Hub's state in one account × region, kept AWS-shaped (API.md §1), and its
//! conversion from and to the snapshot's resources.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::{Value, json};
use shubctl::model::catalog::{ParameterType, catalog};
use shubctl::model::resource::{
    ActionTargetValue, AggregatorValue, AutomationRuleValue, ConfigPolicyValue,
    ControlParametersValue, ControlValue, Empty, HubValue, InsightValue, OrgConfigValue,
    PolicyAssociationValue,
};
use shubctl::model::{Kind, Resource};

use super::arn::{StandardArns, aggregator_arn, insight_arn, rule_arn};
use crate::util::{get, get_arr, get_bool, get_str, iso_now, partition};
use crate::world::{At, Dump, Loading, World};

pub struct Hub {
    pub subscribed_at: String,
    pub auto_enable_controls: bool,
    pub control_finding_generator: String,
}

impl Hub {
    /// A hub enabled now, with AWS's defaults.
    pub fn fresh() -> Hub {
        Hub {
            subscribed_at: iso_now(),
            auto_enable_controls: true,
            control_finding_generator: "SECURITY_CONTROL".into(),
        }
    }
}

/// A standards subscription. READY once `ready_at` has passed; DELETING until
/// `deleting_until`, then gone.
pub struct Subscription {
    pub ready_at: Instant,
    pub deleting_until: Option<Instant>,
    /// `FAILED` or `INCOMPLETE` with AWS's `StatusReasonCode`, once ready (set by tests:
    /// `Emulator::set_standard_trouble`).
    pub trouble: Option<(&'static str, String)>,
}

impl Subscription {
    pub fn status(&self, now: Instant) -> &'static str {
        if self.deleting_until.is_some() {
            "DELETING"
        } else if now < self.ready_at {
            "PENDING"
        } else if let Some(status) = self.trouble.as_ref().map(|t| t.0) {
            status
        } else {
            "READY"
        }
    }
    pub fn is_ready(&self, now: Instant) -> bool {
        self.status(now) == "READY"
    }
}

/// A control association that differs from the default (ENABLED, never updated).
#[derive(Clone)]
pub struct Assoc {
    pub status: String,
    pub reason: Option<String>,
    pub updated_at: String,
}

#[derive(Default)]
pub struct ControlParams {
    /// Parameter name → `ParameterConfiguration` JSON (`{"ValueType":"CUSTOM","Value":{"Integer":90}}`).
    pub params: BTreeMap<String, Value>,
    pub last_update_reason: Option<String>,
}

pub struct OrgConfig {
    pub auto_enable: bool,
    pub auto_enable_standards: String,
    pub configuration_type: String,
    /// When the configuration type last changed: the switch reads PENDING for
    /// `Config::org_switch_delay` after it.
    pub switched_at: Option<std::time::Instant>,
}

impl Default for OrgConfig {
    fn default() -> Self {
        OrgConfig {
            auto_enable: false,
            auto_enable_standards: "DEFAULT".into(),
            configuration_type: "LOCAL".into(),
            switched_at: None,
        }
    }
}

pub struct Member {
    pub email: String,
    /// `Created`, `Invited`, `Enabled`, `Removed`, ...
    pub status: String,
    pub invited_at: String,
    pub updated_at: String,
}

/// A configuration policy (central configuration), kept in the administrator's home scope.
pub struct CfgPolicy {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    /// The `Policy` union as stored (validated; `SecurityControlsConfiguration` dropped when the
    /// service is off).
    pub policy: Value,
    pub created_at: String,
    pub updated_at: String,
}

/// A configuration (policy UUID or `SELF_MANAGED_SECURITY_HUB`) applied directly to a target.
pub struct CfgAssoc {
    pub policy: String,
    /// PENDING until `Config::association_delay` after this.
    pub started: Instant,
    pub updated_at: String,
    /// Accounts beneath a root or OU that failed, counted when the association was started: a
    /// parent's status is not updated by later changes in its children until it is started again.
    pub failed_children: usize,
    /// Accounts it reached that could not take the policy when it was started (the management
    /// account without Security Hub): they stay failed, and untouched, until it is started again.
    pub failed_accounts: BTreeSet<String>,
    /// Status and message loaded from a snapshot, reported as they are until it is started again.
    pub loaded: Option<(String, Option<String>)>,
}

/// Central configuration's policies and associations.
#[derive(Default)]
pub struct Central {
    pub policies: Vec<CfgPolicy>,
    /// Target (`r-…`, `ou-…`, account ID) → what is applied to it directly.
    pub assocs: BTreeMap<String, CfgAssoc>,
}

pub struct Aggregator {
    pub arn: String,
    pub mode: String,
    pub regions: Vec<String>,
}

pub struct Insight {
    pub arn: String,
    pub name: String,
    pub filters: Value,
    pub group_by: String,
}

pub struct ActionTarget {
    pub name: String,
    pub description: String,
}

pub struct Rule {
    pub arn: String,
    pub name: String,
    pub order: i64,
    pub description: String,
    pub status: String,
    pub terminal: bool,
    /// `AutomationRulesFindingFilters` as sent.
    pub criteria: Value,
    /// The `Actions` list as sent.
    pub actions: Value,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

/// The delegated administrator is the organisation's: see `World::admin_in`.
#[derive(Default)]
pub struct State {
    pub hub: Option<Hub>,
    /// Catalog short name (`fsbp/1.0.0`) → subscription.
    pub standards: BTreeMap<String, Subscription>,
    /// Standard short name → security control ID → non-default association (nested so that a
    /// lookup borrows its keys).
    pub assoc: BTreeMap<String, BTreeMap<String, Assoc>>,
    /// Security control ID → custom parameters.
    pub params: BTreeMap<String, ControlParams>,
    /// Kept in the administrator's scopes.
    pub org_config: Option<OrgConfig>,
    /// Kept in the administrator's scopes. Changed only through [`members_mut`], which keeps
    /// the world's index of member holders.
    members: BTreeMap<String, Member>,
    /// Kept in the home region's scope.
    pub aggregator: Option<Aggregator>,
    /// Kept in the administrator's home-region scope.
    pub central: Central,
    /// In creation order; names need not be unique.
    pub insights: Vec<Insight>,
    /// Id → target.
    pub action_targets: BTreeMap<String, ActionTarget>,
    /// In creation order.
    pub rules: Vec<Rule>,
    /// `company/product` of each product subscription.
    pub products: BTreeSet<String>,
    /// ASFF findings of this account × region, as imported (see `findings.rs`).
    pub findings: Vec<Value>,
}

impl State {
    /// Drops subscriptions whose DELETING period has passed, with their associations.
    pub fn tick(&mut self, now: Instant) {
        let gone: Vec<String> = self
            .standards
            .iter()
            .filter(|(_, s)| s.deleting_until.is_some_and(|t| now >= t))
            .map(|(k, _)| k.clone())
            .collect();
        for g in gone {
            self.standards.remove(&g);
            self.assoc.remove(&g);
        }
    }

    /// What Security Hub forgets when it is disabled in this scope: the hub and everything that
    /// needs it. The organisation configuration and the members stay (they are the
    /// organisation's); naming every field makes a new one a compile error until it is sorted.
    pub fn disable_hub(&mut self) {
        let State {
            hub,
            standards,
            assoc: controls,
            params: control_parameters,
            aggregator,
            insights,
            action_targets,
            rules: automation_rules,
            products: product_subscriptions,
            org_config: _,
            members: _,
            // The organisation's, like the organisation configuration.
            central: _,
            // AWS keeps findings for 90 days after Security Hub is disabled.
            findings: _,
        } = self;
        *hub = None;
        standards.clear();
        controls.clear();
        control_parameters.clear();
        *aggregator = None;
        insights.clear();
        action_targets.clear();
        automation_rules.clear();
        product_subscriptions.clear();
    }

    /// Member account → member.
    pub fn members(&self) -> &BTreeMap<String, Member> {
        &self.members
    }

    /// The association of a control with a standard, when it differs from the default.
    pub fn assoc(&self, std: &str, ctl: &str) -> Option<&Assoc> {
        self.assoc.get(std)?.get(ctl)
    }

    pub fn set_assoc(&mut self, std: &str, ctl: &str, a: Assoc) {
        self.assoc
            .entry(std.to_string())
            .or_default()
            .insert(ctl.to_string(), a);
    }

    /// Subscribes to a catalog standard: PENDING for the configured delay, then READY. An
    /// existing subscription is left alone unless it is being deleted.
    pub fn subscribe(&mut self, std: &str, ready_at: Instant) {
        match self.standards.get(std) {
            Some(s) if s.deleting_until.is_none() => {}
            _ => {
                self.assoc.remove(std);
                self.standards.insert(
                    std.to_string(),
                    Subscription {
                        ready_at,
                        deleting_until: None,
                        trouble: None,
                    },
                );
            }
        }
    }
}

/// The members `admin` holds in `region`, to change; notes `admin` as a holder in the world's
/// index (see `World::member_holders`).
pub fn members_mut<'a>(
    w: &'a mut World,
    admin: &str,
    region: &str,
) -> &'a mut BTreeMap<String, Member> {
    w.note_member_holder(admin, region);
    &mut w.scope(admin, region).securityhub.members
}

/// The administrator `account` is an enabled member of in `region`, if any (the first in
/// account order, as several could have it as a member).
pub fn administrator_of<'a>(w: &'a World, account: &str, region: &str) -> Option<&'a str> {
    w.member_holders(region).find(|holder| {
        w.scope_ref(holder, region).is_some_and(|s| {
            s.securityhub
                .members
                .get(account)
                .is_some_and(|m| m.status == "Enabled")
        })
    })
}

// ---- control parameters: snapshot value ↔ ParameterValue union -----------------------------

/// A plain snapshot value as the `ParameterValue` union the API takes: the member is the
/// parameter's type in the catalog (enum values are strings), or a guess from the JSON type
/// for a parameter the catalog does not define.
pub fn to_parameter_value(control: &str, name: &str, v: &Value) -> Value {
    let text = |x: &Value| {
        x.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| x.to_string())
    };
    let defined = catalog()
        .control(control)
        .and_then(|c| c.parameters.get(name))
        .map(|d| d.value_type);
    match (defined, v) {
        (Some(ParameterType::Enum), v) => json!({ "Enum": text(v) }),
        (Some(ParameterType::EnumList), Value::Array(a)) => {
            json!({ "EnumList": a.iter().map(text).collect::<Vec<_>>() })
        }
        (Some(ParameterType::Double), v) => json!({ "Double": v }),
        (Some(t), v) => json!({ t.as_str(): v }),
        (None, Value::Bool(b)) => json!({ "Boolean": b }),
        (None, Value::Number(n)) if n.is_i64() || n.is_u64() => json!({ "Integer": n }),
        (None, Value::Number(n)) => json!({ "Double": n }),
        (None, Value::String(s)) => json!({ "String": s }),
        (None, Value::Array(a)) if !a.is_empty() && a.iter().all(|x| x.is_i64() || x.is_u64()) => {
            json!({ "IntegerList": a })
        }
        (None, Value::Array(a)) => json!({ "StringList": a.iter().map(text).collect::<Vec<_>>() }),
        (None, other) => json!({ "String": other.to_string() }),
    }
}

/// The `ParameterValue` union's one member, as a plain value.
pub fn from_parameter_value(v: &Value) -> Value {
    v.as_object()
        .and_then(|o| o.values().next().cloned())
        .unwrap_or(Value::Null)
}

// ---- configuration policies: snapshot value ↔ Policy union ---------------------------------

/// A snapshot's configuration policy as the `Policy` union AWS stores, its standards by their
/// ARNs in `region` (the home region).
pub fn policy_of(v: &ConfigPolicyValue, region: &str) -> Value {
    if !v.service_enabled {
        return json!({ "SecurityHub": { "ServiceEnabled": false } });
    }
    let arns = StandardArns::in_region(region);
    let standards: Vec<&str> = v
        .standards
        .iter()
        .filter_map(|s| catalog().standard(s))
        .map(|d| arns.arn_of(d))
        .collect();
    let custom: Vec<Value> = v
        .parameters
        .iter()
        .map(|(ctl, params)| {
            let params: serde_json::Map<String, Value> = params
                .iter()
                .map(|(k, x)| {
                    let value = to_parameter_value(ctl, k, x);
                    (k.clone(), json!({ "ValueType": "CUSTOM", "Value": value }))
                })
                .collect();
            json!({ "SecurityControlId": ctl, "Parameters": params })
        })
        .collect();
    json!({ "SecurityHub": {
        "ServiceEnabled": true,
        "EnabledStandardIdentifiers": standards,
        "SecurityControlsConfiguration": {
            "DisabledSecurityControlIdentifiers": v.disabled_controls,
            "SecurityControlCustomParameters": custom,
        },
    } })
}

/// A stored configuration policy as the snapshot holds it (what shubctl reads from AWS): an
/// allow-list of controls read as every other control disabled.
pub fn value_of(p: &CfgPolicy) -> ConfigPolicyValue {
    let sh = &p.policy["SecurityHub"];
    let mut standards: Vec<String> = get_arr(sh, "EnabledStandardIdentifiers")
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|arn| {
            catalog()
                .standard_by_aws_name(arn)
                .map_or_else(|| arn.to_string(), |d| d.id.clone())
        })
        .collect();
    standards.sort();
    let scc = &sh["SecurityControlsConfiguration"];
    let list = |k: &str| -> Option<Vec<String>> {
        get_arr(scc, k).map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
    };
    let mut disabled_controls = match (
        list("EnabledSecurityControlIdentifiers"),
        list("DisabledSecurityControlIdentifiers"),
    ) {
        (Some(en), None) => catalog()
            .controls
            .iter()
            .map(|c| c.id.clone())
            .filter(|c| !en.contains(c))
            .collect(),
        (_, dis) => dis.unwrap_or_default(),
    };
    disabled_controls.sort();
    let mut parameters = BTreeMap::new();
    for cp in get_arr(scc, "SecurityControlCustomParameters")
        .into_iter()
        .flatten()
    {
        let custom: BTreeMap<String, Value> = get(cp, "Parameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, c)| get_str(c, "ValueType") == Some("CUSTOM"))
            .map(|(k, c)| (k.clone(), from_parameter_value(&c["Value"])))
            .collect();
        if let (Some(id), false) = (get_str(cp, "SecurityControlId"), custom.is_empty()) {
            parameters.insert(id.to_string(), custom);
        }
    }
    ConfigPolicyValue {
        description: p.description.clone().unwrap_or_default(),
        service_enabled: get_bool(sh, "ServiceEnabled").unwrap_or(false),
        standards,
        disabled_controls,
        parameters,
    }
}

/// An association as the snapshot holds it.
pub fn association_value(policy: String, status: &str, message: Option<&str>) -> Resource {
    Resource::PolicyAssociation(PolicyAssociationValue {
        policy,
        status: crate::util::wire(status),
        // Read only where it is not SUCCESS, as shubctl reads it.
        reason: (status != "SUCCESS")
            .then(|| message.map(str::to_string))
            .flatten(),
    })
}

// ---- snapshot -----------------------------------------------------------------------------

const SH_ID: &str = "securityhub";

impl State {
    /// Takes a snapshot resource if it is Security Hub's (the delegated administrator aside);
    /// hands it back otherwise.
    pub fn load(&mut self, res: Resource, at: &At, cx: &mut Loading) -> Option<Resource> {
        let stamp = cx.stamp;
        match res {
            Resource::Hub(h) => {
                self.hub = Some(Hub {
                    subscribed_at: stamp.into(),
                    auto_enable_controls: h.auto_enable_controls,
                    control_finding_generator: h.control_finding_generator.to_string(),
                });
            }
            Resource::Standard(_) if catalog().standard(at.id).is_some() => {
                self.standards.insert(
                    at.id.to_string(),
                    Subscription {
                        ready_at: cx.now,
                        deleting_until: None,
                        trouble: None,
                    },
                );
            }
            Resource::Control(c) => {
                let Some((ctl, std)) = at.id.split_once('@') else {
                    return Some(Resource::Control(c));
                };
                if !c.is_enabled() {
                    let assoc = Assoc {
                        status: c.status.to_string(),
                        reason: c.reason,
                        updated_at: stamp.into(),
                    };
                    self.set_assoc(std, ctl, assoc);
                }
            }
            Resource::ControlParameters(p) => {
                let params = p
                    .parameters
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            json!({ "ValueType": "CUSTOM", "Value": to_parameter_value(at.id, k, v) }),
                        )
                    })
                    .collect();
                self.params.insert(
                    at.id.to_string(),
                    ControlParams {
                        params,
                        last_update_reason: None,
                    },
                );
            }
            Resource::OrgConfig(o) if at.id == SH_ID => {
                self.org_config = Some(OrgConfig {
                    auto_enable: o.auto_enable.unwrap_or(false),
                    auto_enable_standards: o
                        .auto_enable_standards
                        .unwrap_or_else(|| "DEFAULT".into()),
                    configuration_type: o
                        .configuration_type
                        .map_or_else(|| "LOCAL".into(), |t| t.to_string()),
                    switched_at: None,
                });
            }
            Resource::ConfigPolicy(v) => {
                let id = cx.next_uuid();
                self.central.policies.push(CfgPolicy {
                    arn: format!(
                        "arn:{}:securityhub:{}:{}:configuration-policy/{id}",
                        partition(at.region).0,
                        at.region,
                        at.account
                    ),
                    id,
                    name: at.id.to_string(),
                    description: Some(v.description.clone()).filter(|d| !d.is_empty()),
                    policy: policy_of(&v, at.region),
                    created_at: stamp.into(),
                    updated_at: stamp.into(),
                });
            }
            Resource::PolicyAssociation(v) => {
                // Configuration policies come first in address order: the name is known.
                let policy = self
                    .central
                    .policies
                    .iter()
                    .find(|p| p.name == v.policy)
                    .map_or(v.policy, |p| p.id.clone());
                self.central.assocs.insert(
                    at.id.to_string(),
                    CfgAssoc {
                        policy,
                        started: cx.now,
                        updated_at: stamp.into(),
                        failed_children: 0,
                        failed_accounts: BTreeSet::new(),
                        loaded: Some((v.status.to_string(), v.reason)),
                    },
                );
            }
            Resource::Member(_) => {
                let id = at.id;
                self.members.insert(
                    id.to_string(),
                    Member {
                        email: format!("aws+{id}@example.com"),
                        status: "Enabled".into(),
                        invited_at: stamp.into(),
                        updated_at: stamp.into(),
                    },
                );
            }
            Resource::Aggregator(a) => {
                self.aggregator = Some(Aggregator {
                    arn: aggregator_arn(at.region, at.account, &cx.next_uuid()),
                    mode: a.linking_mode.to_string(),
                    regions: a.regions,
                });
            }
            Resource::Insight(i) => {
                self.insights.push(Insight {
                    arn: insight_arn(at.region, at.account, &cx.next_uuid()),
                    name: at.id.to_string(),
                    filters: i.filters,
                    group_by: i.group_by,
                });
            }
            Resource::ActionTarget(t) => {
                self.action_targets.insert(
                    at.id.to_string(),
                    ActionTarget {
                        name: t.name,
                        description: t.description,
                    },
                );
            }
            Resource::AutomationRule(r) => {
                self.rules.push(Rule {
                    arn: rule_arn(at.region, at.account, &cx.next_uuid()),
                    name: at.id.to_string(),
                    order: r.order as i64,
                    description: r.description,
                    status: r.status.to_string(),
                    terminal: r.terminal,
                    criteria: r.criteria,
                    actions: json!([{ "Type": "FINDING_FIELDS_UPDATE", "FindingFieldsUpdate": r.actions }]),
                    created_at: stamp.into(),
                    updated_at: stamp.into(),
                    created_by: format!("arn:{}:iam::{}:root", crate::util::partition(at.region).0, at.account),
                });
            }
            Resource::Product(_) => {
                self.products.insert(at.id.to_string());
            }
            other => return Some(other),
        }
        None
    }

    /// Dump rules: DELETING standards are gone, members that left are left out, and of several
    /// insights (or rules) with the same name the oldest is dumped.
    pub fn dump(&self, out: &mut Dump) {
        if let Some(h) = &self.hub {
            out.put(
                Kind::Hub,
                None,
                Resource::Hub(HubValue {
                    control_finding_generator: crate::util::wire(&h.control_finding_generator),
                    auto_enable_controls: h.auto_enable_controls,
                }),
            );
        }
        for (std, sub) in &self.standards {
            if sub.deleting_until.is_none() {
                out.put(
                    Kind::Standard,
                    Some(std.clone()),
                    Resource::Standard(Empty {}),
                );
            }
        }
        for (std, ctls) in &self.assoc {
            // Associations go with their standard; entries loaded for a standard that is not
            // subscribed are kept as they came.
            let going = self
                .standards
                .get(std)
                .is_some_and(|sub| sub.deleting_until.is_some());
            if going {
                continue;
            }
            for (ctl, a) in ctls.iter().filter(|(_, a)| a.status != "ENABLED") {
                out.put(
                    Kind::Control,
                    Some(format!("{ctl}@{std}")),
                    Resource::Control(ControlValue {
                        status: crate::util::wire(&a.status),
                        reason: a.reason.clone(),
                    }),
                );
            }
        }
        for (ctl, p) in &self.params {
            let parameters: BTreeMap<String, Value> = p
                .params
                .iter()
                .filter(|(_, c)| c.get("ValueType").and_then(Value::as_str) == Some("CUSTOM"))
                .map(|(k, c)| {
                    (
                        k.clone(),
                        from_parameter_value(c.get("Value").unwrap_or(&Value::Null)),
                    )
                })
                .collect();
            if !parameters.is_empty() {
                out.put(
                    Kind::ControlParameters,
                    Some(ctl.clone()),
                    Resource::ControlParameters(ControlParametersValue { parameters }),
                );
            }
        }
        if let Some(o) = &self.org_config {
            out.put(
                Kind::OrgConfig,
                Some(SH_ID.into()),
                Resource::OrgConfig(OrgConfigValue {
                    auto_enable: Some(o.auto_enable),
                    auto_enable_standards: Some(o.auto_enable_standards.clone()),
                    // LOCAL, AWS's default, is what a snapshot without it means.
                    configuration_type: (o.configuration_type != "LOCAL")
                        .then(|| crate::util::wire(&o.configuration_type)),
                    ..Default::default()
                }),
            );
        }
        for (m, member) in &self.members {
            if matches!(member.status.as_str(), "Enabled" | "Created" | "Invited") {
                out.put(Kind::Member, Some(m.clone()), Resource::Member(Empty {}));
            }
        }
        if let Some(a) = &self.aggregator {
            out.put(
                Kind::Aggregator,
                None,
                Resource::Aggregator(AggregatorValue {
                    linking_mode: crate::util::wire(&a.mode),
                    regions: a.regions.clone(),
                }),
            );
        }
        let mut seen = BTreeSet::new();
        for i in &self.insights {
            // Names are not unique in AWS; the address can hold one: the oldest wins.
            if seen.insert(i.name.clone()) {
                out.put(
                    Kind::Insight,
                    Some(i.name.clone()),
                    Resource::Insight(InsightValue {
                        group_by: i.group_by.clone(),
                        filters: i.filters.clone(),
                    }),
                );
            }
        }
        for (id, t) in &self.action_targets {
            out.put(
                Kind::ActionTarget,
                Some(id.clone()),
                Resource::ActionTarget(ActionTargetValue {
                    name: t.name.clone(),
                    description: t.description.clone(),
                }),
            );
        }
        let mut seen = BTreeSet::new();
        for r in &self.rules {
            if seen.insert(r.name.clone()) {
                let actions = r
                    .actions
                    .get(0)
                    .and_then(|a| a.get("FindingFieldsUpdate"))
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                out.put(
                    Kind::AutomationRule,
                    Some(r.name.clone()),
                    Resource::AutomationRule(AutomationRuleValue {
                        order: r.order.max(0) as u32,
                        description: r.description.clone(),
                        status: crate::util::wire(&r.status),
                        terminal: r.terminal,
                        criteria: r.criteria.clone(),
                        actions,
                    }),
                );
            }
        }
        for p in &self.products {
            out.put(Kind::Product, Some(p.clone()), Resource::Product(Empty {}));
        }
    }
}
