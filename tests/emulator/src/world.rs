//! The emulated accounts: AWS-shaped state per account × region, and its conversion from and
//! to the shubctl snapshot format.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::{Value, json};
use shubctl::model::catalog::{StandardDef, catalog, standard_arn};
use shubctl::model::resource::{
    ActionTargetValue, AggregatorValue, AnalyzerValue, AutomationRuleValue, ControlParametersValue,
    ControlValue, DelegatedAdminValue, Empty, GuardDutyValue, HubValue, InsightValue,
    InspectorValue, MacieValue, OrgConfigValue,
};
use shubctl::model::{AccountId, Address, Kind, OrgInfo, Resource};
use shubctl::provider::snapshot::{SNAPSHOT_FORMAT_VERSION, SnapshotFile};

use crate::util::{iso_now, uuid_from};

/// The Security Hub id used for org-config and delegated-admin addresses.
pub const SH_ID: &str = "securityhub";

pub struct Hub {
    pub subscribed_at: String,
    pub auto_enable_controls: bool,
    pub control_finding_generator: String,
}

/// A standards subscription. READY once `ready_at` has passed; DELETING until
/// `deleting_until`, then gone.
pub struct Subscription {
    pub ready_at: Instant,
    pub deleting_until: Option<Instant>,
}

impl Subscription {
    pub fn status(&self, now: Instant) -> &'static str {
        if self.deleting_until.is_some() {
            "DELETING"
        } else if now < self.ready_at {
            "PENDING"
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
}

impl Default for OrgConfig {
    fn default() -> Self {
        OrgConfig {
            auto_enable: false,
            auto_enable_standards: "DEFAULT".into(),
            configuration_type: "LOCAL".into(),
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

/// The GuardDuty, Inspector and Macie ids of `delegated-admin/…` and `org-config/…` addresses.
pub const GD_ID: &str = "guardduty";
pub const INSPECTOR_ID: &str = "inspector";
pub const MACIE_ID: &str = "macie";

/// A GuardDuty detector (one per account × region).
pub struct Detector {
    pub id: String,
    pub enabled: bool,
    pub frequency: String,
    /// Optional feature name → `ENABLED` / `DISABLED` (never the foundational sources).
    pub features: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

/// GuardDuty organisation configuration (kept in the administrator's scope).
pub struct GdOrg {
    /// `NEW`, `ALL` or `NONE`.
    pub auto_enable_members: String,
    /// Feature name → `NEW` / `ALL` / `NONE`.
    pub features: BTreeMap<String, String>,
}

/// Inspector in one account: resource type (`EC2`, `ECR`, `LAMBDA`, `LAMBDA_CODE`) → the
/// instant it turns from ENABLING to ENABLED.
#[derive(Default)]
pub struct Inspector {
    pub types: BTreeMap<String, Instant>,
}

impl Inspector {
    pub fn type_status(&self, t: &str, now: Instant) -> &'static str {
        match self.types.get(t) {
            None => "DISABLED",
            Some(ready) if now < *ready => "ENABLING",
            Some(_) => "ENABLED",
        }
    }
    /// ENABLED as soon as one type is; ENABLING while all are.
    pub fn status(&self, now: Instant) -> &'static str {
        if self.types.values().any(|r| now >= *r) || self.types.is_empty() {
            "ENABLED"
        } else {
            "ENABLING"
        }
    }
}

pub struct MacieSession {
    /// `ENABLED` or `PAUSED`.
    pub status: String,
    pub frequency: String,
    pub created_at: String,
    pub updated_at: String,
}

pub struct ArchiveRule {
    /// `{key: {eq, neq, contains, exists}}` as on the wire.
    pub filter: Value,
    pub created_at: String,
    pub updated_at: String,
}

pub struct Analyzer {
    pub arn: String,
    pub analyzer_type: String,
    pub unused_access_age: Option<u32>,
    pub rules: BTreeMap<String, ArchiveRule>,
    pub created_at: String,
}

pub fn analyzer_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:access-analyzer:{region}:{account}:analyzer/{name}")
}

#[derive(Default)]
pub struct Scope {
    pub detector: Option<Detector>,
    /// Kept in the GuardDuty administrator's scopes.
    pub gd_org: Option<GdOrg>,
    pub inspector: Option<Inspector>,
    /// Resource types auto-enabled for members; kept in the Inspector administrator's scopes.
    pub inspector_org: Option<BTreeSet<String>>,
    pub macie: Option<MacieSession>,
    /// `autoEnable`; kept in the Macie administrator's scopes.
    pub macie_org: Option<bool>,
    /// By name.
    pub analyzers: BTreeMap<String, Analyzer>,
    /// Delegated administrators of GuardDuty / Inspector / Macie by service id (kept in the
    /// management account's scopes).
    pub service_admins: BTreeMap<String, String>,
    pub hub: Option<Hub>,
    /// Catalog short name (`fsbp/1.0.0`) → subscription.
    pub standards: BTreeMap<String, Subscription>,
    /// (standard short name, security control ID) → non-default association.
    pub assoc: BTreeMap<(String, String), Assoc>,
    /// Security control ID → custom parameters.
    pub params: BTreeMap<String, ControlParams>,
    /// The delegated Security Hub administrator (kept in the management account's scopes).
    pub admin: Option<String>,
    /// Kept in the administrator's scopes.
    pub org_config: Option<OrgConfig>,
    /// Kept in the administrator's scopes.
    pub members: BTreeMap<String, Member>,
    /// Kept in the home region's scope.
    pub aggregator: Option<Aggregator>,
    /// In creation order; names need not be unique.
    pub insights: Vec<Insight>,
    /// Id → target.
    pub action_targets: BTreeMap<String, ActionTarget>,
    /// In creation order.
    pub rules: Vec<Rule>,
    /// `company/product` of each product subscription.
    pub products: BTreeSet<String>,
}

impl Scope {
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
            self.assoc.retain(|(s, _), _| s != &g);
        }
    }

    /// Everything Security Hub keeps in this scope, forgotten when it is disabled.
    pub fn disable_hub(&mut self) {
        self.hub = None;
        self.standards.clear();
        self.assoc.clear();
        self.params.clear();
        self.aggregator = None;
        self.insights.clear();
        self.action_targets.clear();
        self.rules.clear();
        self.products.clear();
    }
}

pub struct World {
    pub org: OrgInfo,
    pub taken_at: Option<String>,
    pub scopes: BTreeMap<(String, String), Scope>,
    /// Resources the emulator does not serve (other services' org settings): kept untouched
    /// for the dump.
    pub passthrough: BTreeMap<Address, Value>,
    seq: u64,
}

// ---- ARNs ---------------------------------------------------------------------------------

pub fn hub_arn(region: &str, account: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:hub/default")
}

/// `standards/aws-foundational-security-best-practices/v/1.0.0` → `aws-foundational-security-best-practices/v/1.0.0`
fn standard_path(def: &StandardDef) -> &str {
    def.arn
        .split_once('/')
        .map(|(_, rest)| rest)
        .unwrap_or(&def.arn)
}

pub fn subscription_arn(def: &StandardDef, region: &str, account: &str) -> String {
    format!(
        "arn:aws:securityhub:{region}:{account}:subscription/{}",
        standard_path(def)
    )
}

pub fn standards_control_arn(
    def: &StandardDef,
    region: &str,
    account: &str,
    control: &str,
) -> String {
    let number = catalog()
        .control(control)
        .and_then(|c| c.legacy_ids.get(&def.id))
        .map(String::as_str)
        .unwrap_or(control);
    format!(
        "arn:aws:securityhub:{region}:{account}:control/{}/{number}",
        standard_path(def)
    )
}

pub fn security_control_arn(region: &str, account: &str, control: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:security-control/{control}")
}

pub fn std_by_arn<'a>(arn: &str, region: &str) -> Option<&'a StandardDef> {
    catalog()
        .standards
        .iter()
        .find(|d| standard_arn(d, region) == arn)
}

pub fn std_by_subscription_arn<'a>(
    arn: &str,
    region: &str,
    account: &str,
) -> Option<&'a StandardDef> {
    catalog()
        .standards
        .iter()
        .find(|d| subscription_arn(d, region, account) == arn)
}

pub fn insight_arn(region: &str, account: &str, uuid: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:insight/{account}/custom/{uuid}")
}

pub fn rule_arn(region: &str, account: &str, uuid: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:automation-rule/{uuid}")
}

pub fn aggregator_arn(region: &str, account: &str, uuid: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:finding-aggregator/{uuid}")
}

pub fn action_target_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:action/custom/{id}")
}

pub fn product_subscription_arn(region: &str, account: &str, product: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:product-subscription/{product}")
}

// ---- control parameters: snapshot value ↔ ParameterValue union -----------------------------

/// A plain snapshot value as the `ParameterValue` union the API takes.
pub fn to_parameter_value(v: &Value) -> Value {
    match v {
        Value::Bool(b) => json!({ "Boolean": b }),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({ "Integer": n }),
        Value::Number(n) => json!({ "Double": n }),
        Value::String(s) => json!({ "String": s }),
        Value::Array(a) if !a.is_empty() && a.iter().all(|x| x.is_i64() || x.is_u64()) => {
            json!({ "IntegerList": a })
        }
        Value::Array(a) => {
            json!({ "StringList": a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect::<Vec<_>>() })
        }
        other => json!({ "String": other.to_string() }),
    }
}

/// The `ParameterValue` union's one member, as a plain value.
pub fn from_parameter_value(v: &Value) -> Value {
    v.as_object()
        .and_then(|o| o.values().next().cloned())
        .unwrap_or(Value::Null)
}

// ---- the world ----------------------------------------------------------------------------

impl World {
    pub fn next_uuid(&mut self) -> String {
        self.seq += 1;
        uuid_from(self.seq)
    }

    pub fn scope(&mut self, account: &str, region: &str) -> &mut Scope {
        self.scopes
            .entry((account.to_string(), region.to_string()))
            .or_default()
    }

    pub fn scope_ref(&self, account: &str, region: &str) -> Option<&Scope> {
        self.scopes.get(&(account.to_string(), region.to_string()))
    }

    pub fn tick_all(&mut self, now: Instant) {
        for s in self.scopes.values_mut() {
            s.tick(now);
        }
    }

    pub fn management_account(&self) -> Option<String> {
        self.org
            .management_account
            .as_ref()
            .map(|a| a.as_str().to_string())
    }

    pub fn in_org(&self, account: &str) -> bool {
        self.management_account().as_deref() == Some(account)
            || self.org.accounts.iter().any(|a| a.id.as_str() == account)
    }

    /// The delegated Security Hub administrator in a region.
    pub fn admin_in(&self, region: &str) -> Option<String> {
        let mgmt = self.management_account();
        let mut found = None;
        for ((acct, r), s) in &self.scopes {
            if r == region
                && let Some(a) = &s.admin
            {
                if Some(acct) == mgmt.as_ref() {
                    return Some(a.clone());
                }
                found.get_or_insert_with(|| a.clone());
            }
        }
        found
    }

    /// The delegated administrator of GuardDuty / Inspector / Macie (`service` = `GD_ID`, ...)
    /// in a region.
    pub fn service_admin_in(&self, service: &str, region: &str) -> Option<String> {
        let mgmt = self.management_account();
        let mut found = None;
        for ((acct, r), s) in &self.scopes {
            if r == region
                && let Some(a) = s.service_admins.get(service)
            {
                if Some(acct) == mgmt.as_ref() {
                    return Some(a.clone());
                }
                found.get_or_insert_with(|| a.clone());
            }
        }
        found
    }

    /// The administrator `account` is an enabled member of in `region`, if any.
    pub fn administrator_of(&self, account: &str, region: &str) -> Option<String> {
        self.scopes
            .iter()
            .filter(|((_, r), _)| r == region)
            .find(|(_, s)| {
                s.members
                    .get(account)
                    .is_some_and(|m| m.status == "Enabled")
            })
            .map(|((a, _), _)| a.clone())
    }

    pub fn new_hub(&self) -> Hub {
        Hub {
            subscribed_at: iso_now(),
            auto_enable_controls: true,
            control_finding_generator: "SECURITY_CONTROL".into(),
        }
    }

    // ---- snapshot → world -----------------------------------------------------------------

    pub fn from_snapshot(file: SnapshotFile) -> World {
        assert_eq!(
            file.format_version, SNAPSHOT_FORMAT_VERSION,
            "the emulator reads snapshot format {SNAPSHOT_FORMAT_VERSION}"
        );
        let mut w = World {
            org: file.organization,
            taken_at: file.taken_at,
            scopes: BTreeMap::new(),
            passthrough: BTreeMap::new(),
            seq: 0,
        };
        let now = Instant::now();
        let stamp = "2024-01-01T00:00:00.000Z".to_string();
        for (addr, value) in file.resources {
            let acct = addr.account.as_str().to_string();
            let region = addr.region.clone();
            let id = addr.id.clone().unwrap_or_default();
            let Ok(res) = Resource::from_json(addr.kind, value.clone()) else {
                w.passthrough.insert(addr, value);
                continue;
            };
            match res {
                Resource::Hub(h) => {
                    w.scope(&acct, &region).hub = Some(Hub {
                        subscribed_at: stamp.clone(),
                        auto_enable_controls: h.auto_enable_controls,
                        control_finding_generator: h.control_finding_generator,
                    });
                }
                Resource::Standard(_) if catalog().standard(&id).is_some() => {
                    w.scope(&acct, &region).standards.insert(
                        id,
                        Subscription {
                            ready_at: now,
                            deleting_until: None,
                        },
                    );
                }
                Resource::Control(c) => {
                    let Some((ctl, std)) = id.split_once('@') else {
                        w.passthrough.insert(addr, value);
                        continue;
                    };
                    if !c.is_enabled() {
                        w.scope(&acct, &region).assoc.insert(
                            (std.to_string(), ctl.to_string()),
                            Assoc {
                                status: c.status,
                                reason: c.reason,
                                updated_at: stamp.clone(),
                            },
                        );
                    }
                }
                Resource::ControlParameters(p) => {
                    let params = p
                        .parameters
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                json!({ "ValueType": "CUSTOM", "Value": to_parameter_value(v) }),
                            )
                        })
                        .collect();
                    w.scope(&acct, &region).params.insert(
                        id,
                        ControlParams {
                            params,
                            last_update_reason: None,
                        },
                    );
                }
                Resource::DelegatedAdmin(d) if id == SH_ID => {
                    w.scope(&acct, &region).admin = Some(d.account.as_str().to_string());
                }
                Resource::OrgConfig(o) if id == SH_ID => {
                    w.scope(&acct, &region).org_config = Some(OrgConfig {
                        auto_enable: o.auto_enable.unwrap_or(false),
                        auto_enable_standards: o
                            .auto_enable_standards
                            .unwrap_or_else(|| "DEFAULT".into()),
                        configuration_type: "LOCAL".into(),
                    });
                }
                Resource::Member(_) => {
                    w.scope(&acct, &region).members.insert(
                        id.clone(),
                        Member {
                            email: format!("aws+{id}@example.com"),
                            status: "Enabled".into(),
                            invited_at: stamp.clone(),
                            updated_at: stamp.clone(),
                        },
                    );
                }
                Resource::Aggregator(a) => {
                    let arn = aggregator_arn(&region, &acct, &w.next_uuid());
                    w.scope(&acct, &region).aggregator = Some(Aggregator {
                        arn,
                        mode: a.linking_mode,
                        regions: a.regions,
                    });
                }
                Resource::Insight(i) => {
                    let arn = insight_arn(&region, &acct, &w.next_uuid());
                    w.scope(&acct, &region).insights.push(Insight {
                        arn,
                        name: id,
                        filters: i.filters,
                        group_by: i.group_by,
                    });
                }
                Resource::ActionTarget(t) => {
                    w.scope(&acct, &region).action_targets.insert(
                        id,
                        ActionTarget {
                            name: t.name,
                            description: t.description,
                        },
                    );
                }
                Resource::AutomationRule(r) => {
                    let arn = rule_arn(&region, &acct, &w.next_uuid());
                    w.scope(&acct, &region).rules.push(Rule {
                        arn,
                        name: id,
                        order: r.order as i64,
                        description: r.description,
                        status: r.status,
                        terminal: r.terminal,
                        criteria: r.criteria,
                        actions: json!([{ "Type": "FINDING_FIELDS_UPDATE", "FindingFieldsUpdate": r.actions }]),
                        created_at: stamp.clone(),
                        updated_at: stamp.clone(),
                        created_by: format!("arn:aws:iam::{acct}:root"),
                    });
                }
                Resource::Product(_) => {
                    w.scope(&acct, &region).products.insert(id);
                }
                Resource::DelegatedAdmin(d)
                    if [GD_ID, INSPECTOR_ID, MACIE_ID].contains(&id.as_str()) =>
                {
                    w.scope(&acct, &region)
                        .service_admins
                        .insert(id, d.account.as_str().to_string());
                }
                Resource::OrgConfig(o) if id == GD_ID => {
                    w.scope(&acct, &region).gd_org = Some(GdOrg {
                        auto_enable_members: o.auto_enable_members.unwrap_or_else(|| "NONE".into()),
                        features: o.features.unwrap_or_default(),
                    });
                }
                Resource::OrgConfig(o) if id == INSPECTOR_ID => {
                    w.scope(&acct, &region).inspector_org =
                        Some(o.resource_types.unwrap_or_default().into_iter().collect());
                }
                Resource::OrgConfig(o) if id == MACIE_ID => {
                    w.scope(&acct, &region).macie_org = Some(o.auto_enable.unwrap_or(false));
                }
                Resource::GuardDuty(g) => {
                    let did = w.next_uuid().replace('-', "");
                    w.scope(&acct, &region).detector = Some(Detector {
                        id: did,
                        enabled: g.status == "ENABLED",
                        frequency: g.finding_publishing_frequency,
                        features: g.features,
                        created_at: stamp.clone(),
                        updated_at: stamp.clone(),
                    });
                }
                Resource::Inspector(i) => {
                    w.scope(&acct, &region).inspector = Some(Inspector {
                        types: i.resource_types.into_iter().map(|t| (t, now)).collect(),
                    });
                }
                Resource::Macie(m) => {
                    w.scope(&acct, &region).macie = Some(MacieSession {
                        status: m.status,
                        frequency: m.finding_publishing_frequency,
                        created_at: stamp.clone(),
                        updated_at: stamp.clone(),
                    });
                }
                Resource::Analyzer(a) => {
                    let arn = analyzer_arn(&region, &acct, &id);
                    let rules = a
                        .archive_rules
                        .into_iter()
                        .map(|(name, filter)| {
                            (
                                name,
                                ArchiveRule {
                                    filter,
                                    created_at: stamp.clone(),
                                    updated_at: stamp.clone(),
                                },
                            )
                        })
                        .collect();
                    w.scope(&acct, &region).analyzers.insert(
                        id,
                        Analyzer {
                            arn,
                            analyzer_type: a.analyzer_type,
                            unused_access_age: a.unused_access_age,
                            rules,
                            created_at: stamp.clone(),
                        },
                    );
                }
                _ => {
                    w.passthrough.insert(addr, value);
                }
            }
        }
        w
    }

    // ---- world → snapshot -----------------------------------------------------------------

    pub fn to_snapshot(&self) -> SnapshotFile {
        let now = Instant::now();
        let mut resources: BTreeMap<Address, Value> = self.passthrough.clone();
        for ((acct, region), s) in &self.scopes {
            let Ok(account) = AccountId::parse(acct) else {
                continue;
            };
            let mut put = |kind: Kind, id: Option<String>, r: Resource| {
                resources.insert(Address::new(&account, region, kind, id), r.to_json());
            };
            if let Some(h) = &s.hub {
                put(
                    Kind::Hub,
                    None,
                    Resource::Hub(HubValue {
                        control_finding_generator: h.control_finding_generator.clone(),
                        auto_enable_controls: h.auto_enable_controls,
                    }),
                );
            }
            for (std, sub) in &s.standards {
                if sub.deleting_until.is_none() {
                    put(
                        Kind::Standard,
                        Some(std.clone()),
                        Resource::Standard(Empty {}),
                    );
                }
            }
            for ((std, ctl), a) in &s.assoc {
                // Associations go with their standard; entries loaded for a standard that is not
                // subscribed are kept as they came.
                let going = s
                    .standards
                    .get(std)
                    .is_some_and(|sub| sub.deleting_until.is_some());
                if a.status != "ENABLED" && !going {
                    put(
                        Kind::Control,
                        Some(format!("{ctl}@{std}")),
                        Resource::Control(ControlValue {
                            status: a.status.clone(),
                            reason: a.reason.clone(),
                        }),
                    );
                }
            }
            for (ctl, p) in &s.params {
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
                    put(
                        Kind::ControlParameters,
                        Some(ctl.clone()),
                        Resource::ControlParameters(ControlParametersValue { parameters }),
                    );
                }
            }
            if let Some(a) = &s.admin
                && let Ok(admin) = AccountId::parse(a)
            {
                put(
                    Kind::DelegatedAdmin,
                    Some(SH_ID.into()),
                    Resource::DelegatedAdmin(DelegatedAdminValue { account: admin }),
                );
            }
            if let Some(o) = &s.org_config {
                put(
                    Kind::OrgConfig,
                    Some(SH_ID.into()),
                    Resource::OrgConfig(OrgConfigValue {
                        auto_enable: Some(o.auto_enable),
                        auto_enable_standards: Some(o.auto_enable_standards.clone()),
                        ..Default::default()
                    }),
                );
            }
            for (m, member) in &s.members {
                if matches!(member.status.as_str(), "Enabled" | "Created" | "Invited") {
                    put(Kind::Member, Some(m.clone()), Resource::Member(Empty {}));
                }
            }
            if let Some(a) = &s.aggregator {
                put(
                    Kind::Aggregator,
                    None,
                    Resource::Aggregator(AggregatorValue {
                        linking_mode: a.mode.clone(),
                        regions: a.regions.clone(),
                    }),
                );
            }
            let mut seen = BTreeSet::new();
            for i in &s.insights {
                // Names are not unique in AWS; the address can hold one: the oldest wins.
                if seen.insert(i.name.clone()) {
                    put(
                        Kind::Insight,
                        Some(i.name.clone()),
                        Resource::Insight(InsightValue {
                            group_by: i.group_by.clone(),
                            filters: i.filters.clone(),
                        }),
                    );
                }
            }
            for (id, t) in &s.action_targets {
                put(
                    Kind::ActionTarget,
                    Some(id.clone()),
                    Resource::ActionTarget(ActionTargetValue {
                        name: t.name.clone(),
                        description: t.description.clone(),
                    }),
                );
            }
            let mut seen = BTreeSet::new();
            for r in &s.rules {
                if seen.insert(r.name.clone()) {
                    let actions = r
                        .actions
                        .get(0)
                        .and_then(|a| a.get("FindingFieldsUpdate"))
                        .cloned()
                        .unwrap_or_else(|| json!({}));
                    put(
                        Kind::AutomationRule,
                        Some(r.name.clone()),
                        Resource::AutomationRule(AutomationRuleValue {
                            order: r.order.max(0) as u32,
                            description: r.description.clone(),
                            status: r.status.clone(),
                            terminal: r.terminal,
                            criteria: r.criteria.clone(),
                            actions,
                        }),
                    );
                }
            }
            for p in &s.products {
                put(Kind::Product, Some(p.clone()), Resource::Product(Empty {}));
            }
            for (svc, a) in &s.service_admins {
                if let Ok(admin) = AccountId::parse(a) {
                    put(
                        Kind::DelegatedAdmin,
                        Some(svc.clone()),
                        Resource::DelegatedAdmin(DelegatedAdminValue { account: admin }),
                    );
                }
            }
            if let Some(d) = &s.detector {
                put(
                    Kind::GuardDuty,
                    None,
                    Resource::GuardDuty(GuardDutyValue {
                        status: if d.enabled { "ENABLED" } else { "DISABLED" }.into(),
                        finding_publishing_frequency: d.frequency.clone(),
                        features: d.features.clone(),
                    }),
                );
            }
            if let Some(o) = &s.gd_org {
                put(
                    Kind::OrgConfig,
                    Some(GD_ID.into()),
                    Resource::OrgConfig(OrgConfigValue {
                        auto_enable_members: Some(o.auto_enable_members.clone()),
                        features: (!o.features.is_empty()).then(|| o.features.clone()),
                        ..Default::default()
                    }),
                );
            }
            if let Some(i) = &s.inspector {
                let resource_types = i
                    .types
                    .keys()
                    .filter(|t| i.type_status(t, now) == "ENABLED")
                    .cloned()
                    .collect();
                put(
                    Kind::Inspector,
                    None,
                    Resource::Inspector(InspectorValue { resource_types }),
                );
            }
            if let Some(types) = &s.inspector_org {
                put(
                    Kind::OrgConfig,
                    Some(INSPECTOR_ID.into()),
                    Resource::OrgConfig(OrgConfigValue {
                        resource_types: Some(types.iter().cloned().collect()),
                        ..Default::default()
                    }),
                );
            }
            if let Some(m) = &s.macie {
                put(
                    Kind::Macie,
                    None,
                    Resource::Macie(MacieValue {
                        status: m.status.clone(),
                        finding_publishing_frequency: m.frequency.clone(),
                    }),
                );
            }
            if let Some(auto) = s.macie_org {
                put(
                    Kind::OrgConfig,
                    Some(MACIE_ID.into()),
                    Resource::OrgConfig(OrgConfigValue {
                        auto_enable: Some(auto),
                        ..Default::default()
                    }),
                );
            }
            for (name, a) in &s.analyzers {
                put(
                    Kind::Analyzer,
                    Some(name.clone()),
                    Resource::Analyzer(AnalyzerValue {
                        analyzer_type: a.analyzer_type.clone(),
                        unused_access_age: a.unused_access_age,
                        archive_rules: a
                            .rules
                            .iter()
                            .map(|(n, r)| (n.clone(), r.filter.clone()))
                            .collect(),
                    }),
                );
            }
        }
        SnapshotFile {
            format_version: SNAPSHOT_FORMAT_VERSION,
            taken_at: self.taken_at.clone(),
            organization: self.org.clone(),
            resources,
        }
    }
}
