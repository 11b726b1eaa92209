//! Central configuration (API.md §16): configuration policies and their associations, served
//! only to the delegated administrator in its home (aggregation) region while the organisation
//! is CENTRAL; the effect of a policy on the accounts it reaches in the home and linked regions;
//! local writes refused in centrally managed accounts.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::{Map, Value, json};
use shubctl::model::catalog::{REGIONS, catalog};

use super::aggregator::find_aggregator;
use super::arn::StandardArns;
use super::state::{Assoc, Central, CfgAssoc, CfgPolicy, Hub, association_value, value_of};
use super::{conflict, denied, invalid, limit, not_found, paged, query_max, required_label, sh};
use crate::Config;
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get, get_arr, get_bool, get_str, iso_now, object, partition};
use crate::world::{AdminOf, World};
use shubctl::model::resource::OrgConfigValue;
use shubctl::model::{AccountId, Address, Kind, Resource};

pub const SELF_MANAGED: &str = "SELF_MANAGED_SECURITY_HUB";
/// AWS's quota of custom configuration policies per delegated administrator.
const MAX_POLICIES: usize = 20;
const NOT_CENTRAL_ADMIN: &str =
    "Must be a Security Hub delegated administrator with Central Configuration enabled";
const LOCKED: &str = "This account is currently associated with a central configuration policy, so only the administrator can access this operation.";

/// Local writes a centrally managed account may not make (in the home and linked regions).
pub const LOCKED_OPS: [&str; 8] = [
    "BatchEnableStandards",
    "BatchDisableStandards",
    "BatchUpdateStandardsControlAssociations",
    "UpdateStandardsControl",
    "UpdateSecurityControl",
    "UpdateSecurityHubConfiguration",
    "EnableSecurityHub",
    "DisableSecurityHub",
];

// ---- where central configuration holds -----------------------------------------------------

/// The organisation's central configuration as seen from `region`: the administrator, its home
/// region and the linked regions, when the organisation is CENTRAL and `region` is one of them.
pub struct Reach {
    pub admin: String,
    pub home: String,
    pub regions: Vec<String>,
}

/// The home region and linked regions of `admin`'s aggregator, if its organisation configuration
/// there is CENTRAL.
fn reach_of(w: &World, admin: &str) -> Option<Reach> {
    let (home, agg) = find_aggregator(w, admin)?;
    let central = w
        .scope_ref(admin, home)
        .and_then(|s| s.securityhub.org_config.as_ref())
        .is_some_and(|c| c.configuration_type == "CENTRAL");
    if !central {
        return None;
    }
    let part = partition(home).0;
    let all: Vec<String> = if w.org().enabled_regions.is_empty() {
        REGIONS
            .iter()
            .filter(|r| partition(r).0 == part)
            .map(|r| r.to_string())
            .collect()
    } else {
        w.org().enabled_regions.clone()
    };
    let mut regions: Vec<String> = match agg.mode.as_str() {
        "ALL_REGIONS" => all,
        "ALL_REGIONS_EXCEPT_SPECIFIED" => all
            .into_iter()
            .filter(|r| !agg.regions.contains(r))
            .collect(),
        "SPECIFIED_REGIONS" => agg.regions.clone(),
        _ => vec![],
    };
    regions.push(home.to_string());
    regions.sort();
    regions.dedup();
    Some(Reach {
        admin: admin.to_string(),
        home: home.to_string(),
        regions,
    })
}

/// Whether `admin`'s organisation is under central configuration (in its home region).
pub fn is_central(w: &World, admin: &str) -> bool {
    reach_of(w, admin).is_some()
}

/// Ends `admin`'s central configuration, as removing its home region does (user guide,
/// "Central configuration and cross-Region aggregation": "If you remove or change the home
/// Region, your configuration policies and policy associations are deleted"): its policies and
/// associations go, and the organisation configuration is LOCAL again in the home and linked
/// regions. Accounts keep the settings the policies gave them.
pub fn end(w: &mut World, cx: &Cx, admin: &str) {
    let Some(reach) = reach_of(w, admin) else {
        return;
    };
    sh(w, admin, &reach.home).central = Central::default();
    for r in &reach.regions {
        let c = sh(w, admin, r)
            .org_config
            .get_or_insert_with(super::state::OrgConfig::default);
        c.configuration_type = "LOCAL".into();
        c.auto_enable = false;
        c.auto_enable_standards = "NONE".into();
        c.switched_at = Some(cx.now);
    }
}

/// Central configuration as it holds in `region`, if it does.
pub fn reach_in(w: &World, region: &str) -> Option<Reach> {
    let admin = w.admin_in(AdminOf::SecurityHub, region)?;
    reach_of(w, admin).filter(|r| r.regions.iter().any(|x| x == region))
}

fn central_ref<'a>(w: &'a World, r: &Reach) -> Option<&'a Central> {
    w.scope_ref(&r.admin, &r.home)
        .map(|s| &s.securityhub.central)
}

/// The caller may use the configuration-policy APIs: the administrator, CENTRAL, from home.
fn require_home_admin(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if !w.is_admin(AdminOf::SecurityHub, &cx.region, &cx.account) {
        return Err(denied(NOT_CENTRAL_ADMIN));
    }
    let Some(r) = reach_of(w, &cx.account) else {
        return Err(denied(NOT_CENTRAL_ADMIN));
    };
    if r.home != cx.region {
        return Err(denied(
            "Central Configuration APIs can only be called from the aggregation region",
        ));
    }
    // The switch to CENTRAL is still under way: as before it (an assumption, see Config).
    if super::organization::switch_pending(w, cx, &cx.account, &cx.region) {
        return Err(denied(NOT_CENTRAL_ADMIN));
    }
    Ok(())
}

fn central_mut<'a>(w: &'a mut World, cx: &Cx) -> &'a mut Central {
    &mut sh(w, &cx.account, &cx.region).central
}

// ---- the organisation tree and resolution --------------------------------------------------

fn target_type(id: &str) -> &'static str {
    if id.starts_with("r-") {
        "ROOT"
    } else if id.starts_with("ou-") {
        "ORGANIZATIONAL_UNIT"
    } else {
        "ACCOUNT"
    }
}

fn parent_of(w: &World, id: &str) -> Option<String> {
    let org = w.org();
    org.accounts
        .iter()
        .find(|a| a.id.as_str() == id)
        .map(|a| a.parent.clone())
        .or_else(|| {
            org.ous
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.parent.clone())
        })
}

fn target_exists(w: &World, id: &str) -> bool {
    let org = w.org();
    org.accounts.iter().any(|a| a.id.as_str() == id)
        || org.ous.iter().any(|o| o.id == id)
        || org.roots().contains(&id)
}

/// The target whose direct configuration `id` gets: itself, else its closest ancestor with one.
fn source_of(c: &Central, w: &World, id: &str) -> Option<String> {
    let mut cur = Some(id.to_string());
    for _ in 0..=w.org().ous.len() + 2 {
        let node = cur?;
        if c.assocs.contains_key(&node) {
            return Some(node);
        }
        cur = parent_of(w, &node);
    }
    None
}

/// The accounts beneath (or equal to) `id` that get their configuration from `id`.
fn reached_accounts(c: &Central, w: &World, id: &str) -> Vec<String> {
    w.org()
        .accounts
        .iter()
        .filter(|a| source_of(c, w, a.id.as_str()).as_deref() == Some(id))
        .map(|a| a.id.to_string())
        .collect()
}

/// `Target` union: exactly one of AccountId, OrganizationalUnitId, RootId.
fn parse_target(v: Option<&Value>) -> Result<String, ApiError> {
    let o = v
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("Target is required"))?;
    let set: Vec<(&String, &Value)> = o.iter().filter(|(_, v)| !v.is_null()).collect();
    if set.len() != 1 {
        return Err(invalid(
            "Target must have exactly one of AccountId, OrganizationalUnitId, RootId",
        ));
    }
    let (k, v) = set[0];
    let id = v
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("Target.{k} must be a non-empty string")))?;
    let ok = match k.as_str() {
        "AccountId" => target_type(id) == "ACCOUNT",
        "OrganizationalUnitId" => id.starts_with("ou-"),
        "RootId" => id.starts_with("r-"),
        other => return Err(invalid(format!("Target has no member `{other}`"))),
    };
    if !ok {
        return Err(invalid(format!("`{id}` is not a valid Target.{k}")));
    }
    Ok(id.to_string())
}

fn target_json(id: &str) -> Value {
    let k = match target_type(id) {
        "ROOT" => "RootId",
        "ORGANIZATIONAL_UNIT" => "OrganizationalUnitId",
        _ => "AccountId",
    };
    object([(k, Value::String(id.into()))])
}

/// A target's association summary as AWS reports it, if it has a configuration.
fn summary(c: &Central, w: &World, cx: &Cx, id: &str) -> Option<Value> {
    let src = source_of(c, w, id)?;
    let a = &c.assocs[&src];
    let applied = src == id;
    let loaded = a.loaded.as_ref().filter(|_| applied);
    let (status, message): (&str, Option<String>) = if let Some((status, message)) = loaded {
        let message = message.clone().or_else(|| {
            (status == "SUCCESS" && a.policy != SELF_MANAGED)
                .then(|| "Association applied successfully on this target.".to_string())
        });
        (status.as_str(), message)
    } else if cx.now < a.started + cx.cfg.association_delay {
        ("PENDING", None)
    } else if a.policy == SELF_MANAGED {
        ("SUCCESS", None)
    } else {
        let failing = |acct: &str| {
            cx.cfg.fail_policy_accounts.contains(acct) || a.failed_accounts.contains(acct)
        };
        match target_type(id) {
            "ACCOUNT" if a.failed_accounts.contains(id) => (
                "FAILED",
                Some(format!(
                    "Configuration Policy {} couldn’t be applied to account {id} in {} Region. Security Hub CSPM must be enabled in the organization management account before a configuration policy can be associated with it.",
                    a.policy, cx.region
                )),
            ),
            "ACCOUNT" if failing(id) => (
                "FAILED",
                Some(format!(
                    "Configuration Policy {} couldn’t be applied to account {id} in {} Region. Retry your request.",
                    a.policy, cx.region
                )),
            ),
            "ACCOUNT" => (
                "SUCCESS",
                Some("Association applied successfully on this target.".into()),
            ),
            t => {
                // A parent's own status is frozen at its last Start; an inheriting one is counted now.
                let n = if applied {
                    a.failed_children
                } else {
                    reached_accounts(c, w, &src)
                        .iter()
                        .filter(|x| {
                            failing(x) && w.org().is_under(&parent_of(w, x).unwrap_or_default(), id)
                        })
                        .count()
                };
                match (n, t) {
                    (0, _) => (
                        "SUCCESS",
                        Some("Association applied successfully on this target.".into()),
                    ),
                    (n, "ROOT") => (
                        "FAILED",
                        Some(format!(
                            "Policy association failed because {n} organizational units or accounts under this root failed."
                        )),
                    ),
                    _ => (
                        "FAILED",
                        Some("One or more children under this target failed association.".into()),
                    ),
                }
            }
        }
    };
    let mut m = Map::new();
    m.insert("ConfigurationPolicyId".into(), a.policy.clone().into());
    m.insert("TargetId".into(), id.into());
    m.insert("TargetType".into(), target_type(id).into());
    m.insert(
        "AssociationType".into(),
        if applied { "APPLIED" } else { "INHERITED" }.into(),
    );
    m.insert("UpdatedAt".into(), a.updated_at.clone().into());
    m.insert("AssociationStatus".into(), status.into());
    if let Some(msg) = message {
        m.insert("AssociationStatusMessage".into(), msg.into());
    }
    Some(Value::Object(m))
}

// ---- policy bodies -------------------------------------------------------------------------

const VALUE_MEMBERS: [&str; 8] = [
    "Integer",
    "IntegerList",
    "Double",
    "String",
    "StringList",
    "Boolean",
    "Enum",
    "EnumList",
];

fn one_member<'a>(v: &'a Value, what: &str) -> Result<(&'a String, &'a Value), ApiError> {
    let o = v
        .as_object()
        .ok_or_else(|| invalid(format!("{what} must be an object")))?;
    let set: Vec<(&String, &Value)> = o.iter().filter(|(_, v)| !v.is_null()).collect();
    if set.len() != 1 {
        return Err(invalid(format!("{what} must have exactly one member")));
    }
    Ok(set[0])
}

fn check_controls(list: &Value, what: &str) -> Result<(), ApiError> {
    let items = list
        .as_array()
        .ok_or_else(|| invalid(format!("{what} must be a list")))?;
    for i in items {
        let id = i.as_str().unwrap_or_default();
        if catalog().control(id).is_none() {
            return Err(invalid(format!(
                "{what}: `{id}` is not a valid security control"
            )));
        }
    }
    Ok(())
}

/// Validates a `Policy` union and returns it as stored.
fn check_policy(v: &Value, region: &str) -> Result<Value, ApiError> {
    let (k, body) = one_member(v, "ConfigurationPolicy")?;
    if k != "SecurityHub" {
        return Err(invalid(format!("ConfigurationPolicy has no member `{k}`")));
    }
    let enabled = get_bool(body, "ServiceEnabled").unwrap_or(false);
    if !enabled {
        // AWS accepts the rest and drops it.
        return Ok(json!({ "SecurityHub": { "ServiceEnabled": false } }));
    }
    let (Some(stds), Some(scc)) = (
        get_arr(body, "EnabledStandardIdentifiers"),
        get(body, "SecurityControlsConfiguration"),
    ) else {
        return Err(invalid(
            "Invalid semantics: Enabled standards and security control configurations must be configured when Security Hub is enabled",
        ));
    };
    let arns = StandardArns::in_region(region);
    for s in stds {
        let arn = s.as_str().unwrap_or_default();
        if arns.find(arn).is_none() {
            return Err(invalid(format!(
                "`{arn}` is not a valid standard in {region}"
            )));
        }
    }
    let en = get(scc, "EnabledSecurityControlIdentifiers");
    let dis = get(scc, "DisabledSecurityControlIdentifiers");
    match (en, dis) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(invalid(
                "Exactly one of EnabledSecurityControlIdentifiers and DisabledSecurityControlIdentifiers must be given",
            ));
        }
        (Some(l), None) => check_controls(l, "EnabledSecurityControlIdentifiers")?,
        (None, Some(l)) => check_controls(l, "DisabledSecurityControlIdentifiers")?,
    }
    for p in get_arr(scc, "SecurityControlCustomParameters")
        .into_iter()
        .flatten()
    {
        let ctl = get_str(p, "SecurityControlId").unwrap_or_default();
        let def = catalog()
            .control(ctl)
            .ok_or_else(|| invalid(format!("`{ctl}` is not a valid security control")))?;
        let params = get(p, "Parameters")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid(format!("{ctl}: Parameters is required")))?;
        for (name, cfg) in params {
            if !def.parameters.contains_key(name) {
                return Err(invalid(format!("{ctl} has no parameter `{name}`")));
            }
            match get_str(cfg, "ValueType") {
                Some("DEFAULT") => {}
                Some("CUSTOM") => {
                    let v = get(cfg, "Value").ok_or_else(|| {
                        invalid(format!(
                            "{ctl}.{name}: Value is required when ValueType is CUSTOM"
                        ))
                    })?;
                    let (m, _) = one_member(v, "ParameterValue")?;
                    if !VALUE_MEMBERS.contains(&m.as_str()) {
                        return Err(invalid(format!("ParameterValue has no member `{m}`")));
                    }
                }
                _ => {
                    return Err(invalid(format!(
                        "{ctl}.{name}: ValueType must be DEFAULT or CUSTOM"
                    )));
                }
            }
        }
    }
    Ok(v.clone())
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-.!*/".contains(c));
    if name.is_empty() || name.len() > 128 || !ok_chars {
        return Err(invalid(format!(
            "Name `{name}` must be 1 to 128 alphanumeric characters or - . ! * /"
        )));
    }
    Ok(())
}

fn check_description(d: Option<&str>) -> Result<(), ApiError> {
    if d.is_some_and(|d| d.chars().count() > 512) {
        return Err(invalid("Description must be at most 512 characters"));
    }
    Ok(())
}

fn policy_json(p: &CfgPolicy) -> Value {
    let mut m = Map::new();
    m.insert("Arn".into(), p.arn.clone().into());
    m.insert("Id".into(), p.id.clone().into());
    m.insert("Name".into(), p.name.clone().into());
    if let Some(d) = &p.description {
        m.insert("Description".into(), d.clone().into());
    }
    m.insert("UpdatedAt".into(), p.updated_at.clone().into());
    m.insert("CreatedAt".into(), p.created_at.clone().into());
    m.insert("ConfigurationPolicy".into(), p.policy.clone());
    Value::Object(m)
}

/// The index of the policy an identifier (UUID or ARN) names.
fn find_policy(c: &Central, ident: &str) -> Result<usize, ApiError> {
    c.policies
        .iter()
        .position(|p| p.id == ident || p.arn == ident)
        .ok_or_else(|| not_found(format!("Configuration policy {ident} not found")))
}

// ---- the policy's effect -------------------------------------------------------------------

/// Applies every policy to the accounts it reaches, in the home and linked regions. Settings of
/// accounts no policy reaches are left as they are (AWS does not revert a policy).
fn apply_effects(w: &mut World, cx: &Cx) {
    let Some(reach) = reach_of(w, &cx.account) else {
        return;
    };
    let Some(c) = central_ref(w, &reach) else {
        return;
    };
    let mut work: Vec<(String, Value)> = vec![];
    for a in &w.org().accounts {
        let Some(src) = source_of(c, w, a.id.as_str()) else {
            continue;
        };
        let id = &c.assocs[&src].policy;
        if id == SELF_MANAGED
            || cx.cfg.fail_policy_accounts.contains(a.id.as_str())
            || c.assocs[&src].failed_accounts.contains(a.id.as_str())
        {
            continue;
        }
        if let Some(p) = c.policies.iter().find(|p| &p.id == id) {
            work.push((a.id.to_string(), p.policy["SecurityHub"].clone()));
        }
    }
    for (account, p) in work {
        for region in &reach.regions {
            apply_one(w, cx, &reach, &account, region, &p);
        }
    }
}

fn apply_one(w: &mut World, cx: &Cx, reach: &Reach, account: &str, region: &str, p: &Value) {
    let s = sh(w, account, region);
    if !get_bool(p, "ServiceEnabled").unwrap_or(false) {
        // A policy that turns Security Hub off skips the administrator.
        if account != reach.admin {
            s.disable_hub();
        }
        return;
    }
    if s.hub.is_none() {
        s.hub = Some(Hub::fresh());
    }
    // The policy names the standards by their ARNs in the home region.
    let arns = StandardArns::in_region(&reach.home);
    let wanted: BTreeSet<String> = get_arr(p, "EnabledStandardIdentifiers")
        .into_iter()
        .flatten()
        .filter_map(|a| arns.find(a.as_str()?))
        .map(|d| d.id.clone())
        .collect();
    let gone: Vec<String> = s
        .standards
        .keys()
        .filter(|k| !wanted.contains(*k))
        .cloned()
        .collect();
    for g in gone {
        s.standards.remove(&g);
        s.assoc.remove(&g);
    }
    for std in &wanted {
        s.subscribe(std, cx.now + cx.cfg.standard_delay);
    }
    let scc = &p["SecurityControlsConfiguration"];
    let list = |k: &str| -> Option<BTreeSet<String>> {
        get_arr(scc, k).map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
    };
    let (enabled, disabled) = (
        list("EnabledSecurityControlIdentifiers"),
        list("DisabledSecurityControlIdentifiers"),
    );
    let now = iso_now();
    for std in &wanted {
        for def in catalog().controls_in(std) {
            // AWS disables the controls that check global resources in every region but the
            // home region, whatever the policy enables (API.md §16).
            let off = (def.global && region != reach.home)
                || match (&enabled, &disabled) {
                    (Some(en), _) => !en.contains(&def.id),
                    (None, Some(dis)) => dis.contains(&def.id),
                    (None, None) => false,
                };
            if off {
                s.set_assoc(
                    std,
                    &def.id,
                    Assoc {
                        status: "DISABLED".into(),
                        reason: None,
                        updated_at: now.clone(),
                    },
                );
            } else if let Some(m) = s.assoc.get_mut(std) {
                m.remove(&def.id);
            }
        }
    }
    for cp in get_arr(scc, "SecurityControlCustomParameters")
        .into_iter()
        .flatten()
    {
        let ctl = get_str(cp, "SecurityControlId").unwrap_or_default();
        let entry = s.params.entry(ctl.to_string()).or_default();
        for (name, cfg) in get(cp, "Parameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if get_str(cfg, "ValueType") == Some("CUSTOM") {
                entry.params.insert(name.clone(), cfg.clone());
            } else {
                entry.params.remove(name);
            }
        }
    }
}

/// Refuses a local write in an account a configuration policy manages, in the regions central
/// configuration reaches.
pub fn check_lock(w: &World, cx: &Cx, op: &str) -> Result<(), ApiError> {
    if !LOCKED_OPS.contains(&op) {
        return Ok(());
    }
    let Some(reach) = reach_in(w, &cx.region) else {
        return Ok(());
    };
    let Some(c) = central_ref(w, &reach) else {
        return Ok(());
    };
    let managed =
        source_of(c, w, &cx.account).is_some_and(|src| c.assocs[&src].policy != SELF_MANAGED);
    if managed {
        return Err(denied(LOCKED));
    }
    Ok(())
}

// ---- snapshot -------------------------------------------------------------------------------

/// `admin`'s central configuration in the snapshot, as a live read reports it: the
/// organisation configuration CENTRAL with auto-enable off in the home and linked regions, and
/// in the home region the configuration policies and the directly applied associations with
/// their status now.
pub fn dump(
    w: &World,
    cfg: &Config,
    now: Instant,
    admin: &str,
    out: &mut BTreeMap<Address, Value>,
) {
    let (Some(reach), Ok(account)) = (reach_of(w, admin), AccountId::parse(admin)) else {
        return;
    };
    let mut put = |region: &str, kind: Kind, id: &str, r: Resource| {
        out.insert(
            Address::new(&account, region, kind, Some(id.to_string())),
            r.to_json(),
        );
    };
    for r in &reach.regions {
        let central = OrgConfigValue {
            auto_enable: Some(false),
            auto_enable_standards: Some("NONE".into()),
            configuration_type: Some(shubctl::model::wire::ConfigurationType::Central),
            ..Default::default()
        };
        put(
            r,
            Kind::OrgConfig,
            "securityhub",
            Resource::OrgConfig(central),
        );
    }
    let Some(c) = central_ref(w, &reach) else {
        return;
    };
    let cx = Cx {
        account: admin.to_string(),
        region: reach.home.clone(),
        now,
        cfg,
    };
    // Names are unique: Create and Update refuse a second one.
    for p in &c.policies {
        put(
            &reach.home,
            Kind::ConfigPolicy,
            &p.name,
            Resource::ConfigPolicy(value_of(p)),
        );
    }
    for (target, a) in &c.assocs {
        let Some(s) = summary(c, w, &cx, target) else {
            continue;
        };
        let policy = c
            .policies
            .iter()
            .find(|p| p.id == a.policy)
            .map_or_else(|| a.policy.clone(), |p| p.name.clone());
        let status = get_str(&s, "AssociationStatus").unwrap_or("SUCCESS");
        let message = get_str(&s, "AssociationStatusMessage");
        put(
            &reach.home,
            Kind::PolicyAssociation,
            target,
            association_value(policy, status, message),
        );
    }
}

// ---- configuration policies ----------------------------------------------------------------

pub fn create_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let body = &i.body;
    let name = get_str(body, "Name").ok_or_else(|| invalid("Name is required"))?;
    check_name(name)?;
    let description = get_str(body, "Description");
    check_description(description)?;
    let policy = check_policy(
        get(body, "ConfigurationPolicy")
            .ok_or_else(|| invalid("ConfigurationPolicy is required"))?,
        &cx.region,
    )?;
    if get(body, "Tags")
        .and_then(Value::as_object)
        .is_some_and(|t| t.len() > 50)
    {
        return Err(invalid("Tags must have at most 50 entries"));
    }
    let c = central_mut(w, cx);
    if c.policies.iter().any(|p| p.name == name) {
        return Err(conflict(format!(
            "A configuration policy named {name} already exists"
        )));
    }
    if c.policies.len() >= MAX_POLICIES {
        return Err(limit(format!(
            "The delegated administrator can create at most {MAX_POLICIES} configuration policies"
        )));
    }
    let id = w.next_uuid();
    let now = iso_now();
    let p = CfgPolicy {
        arn: format!(
            "arn:{}:securityhub:{}:{}:configuration-policy/{id}",
            partition(&cx.region).0,
            cx.region,
            cx.account
        ),
        id,
        name: name.to_string(),
        description: description.map(str::to_string),
        policy,
        created_at: now.clone(),
        updated_at: now,
    };
    let out = policy_json(&p);
    central_mut(w, cx).policies.push(p);
    Ok(out)
}

pub fn get_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let ident = required_label(i, "Identifier")?;
    let c = central_mut(w, cx);
    let at = find_policy(c, &ident)?;
    Ok(policy_json(&c.policies[at]))
}

pub fn update_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let ident = required_label(i, "Identifier")?;
    let body = &i.body;
    let name = get_str(body, "Name");
    if let Some(n) = name {
        check_name(n)?;
    }
    let description = get_str(body, "Description");
    check_description(description)?;
    let policy = get(body, "ConfigurationPolicy")
        .map(|p| check_policy(p, &cx.region))
        .transpose()?;
    let c = central_mut(w, cx);
    let at = find_policy(c, &ident)?;
    if let Some(n) = name
        && c.policies
            .iter()
            .enumerate()
            .any(|(j, p)| j != at && p.name == n)
    {
        return Err(conflict(format!(
            "A configuration policy named {n} already exists"
        )));
    }
    let p = &mut c.policies[at];
    if let Some(n) = name {
        p.name = n.to_string();
    }
    if let Some(d) = description {
        p.description = Some(d.to_string());
    }
    // Lists are replaced whole: the new body replaces the old one.
    if let Some(body) = policy {
        p.policy = body;
    }
    p.updated_at = iso_now();
    let out = policy_json(p);
    apply_effects(w, cx);
    Ok(out)
}

pub fn delete_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let ident = required_label(i, "Identifier")?;
    let c = central_mut(w, cx);
    let at = find_policy(c, &ident)?;
    let id = c.policies[at].id.clone();
    if c.assocs.values().any(|a| a.policy == id) {
        return Err(conflict(format!(
            "Configuration policy {id} is associated with one or more targets; disassociate it before deleting it"
        )));
    }
    c.policies.remove(at);
    Ok(json!({}))
}

pub fn list_policies(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let c = central_mut(w, cx);
    let all: Vec<Value> = c
        .policies
        .iter()
        .map(|p| {
            let mut m = Map::new();
            m.insert("Arn".into(), p.arn.clone().into());
            m.insert("Id".into(), p.id.clone().into());
            m.insert("Name".into(), p.name.clone().into());
            if let Some(d) = &p.description {
                m.insert("Description".into(), d.clone().into());
            }
            m.insert("UpdatedAt".into(), p.updated_at.clone().into());
            m.insert(
                "ServiceEnabled".into(),
                p.policy["SecurityHub"]["ServiceEnabled"].clone(),
            );
            Value::Object(m)
        })
        .collect();
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(super::with_token(
        object([("ConfigurationPolicySummaries", items.into())]),
        next,
    ))
}

// ---- associations --------------------------------------------------------------------------

/// The stored policy id for an identifier: the UUID, or `SELF_MANAGED_SECURITY_HUB`.
fn policy_id(c: &Central, ident: &str) -> Result<String, ApiError> {
    if ident == SELF_MANAGED {
        return Ok(SELF_MANAGED.into());
    }
    Ok(c.policies[find_policy(c, ident)?].id.clone())
}

pub fn start_association(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let body = &i.body;
    let ident = get_str(body, "ConfigurationPolicyIdentifier")
        .ok_or_else(|| invalid("ConfigurationPolicyIdentifier is required"))?;
    let target = parse_target(get(body, "Target"))?;
    if !target_exists(w, &target) {
        return Err(not_found(format!(
            "Target {target} not found in the organization"
        )));
    }
    let c = central_mut(w, cx);
    let id = policy_id(c, ident)?;
    let off = c
        .policies
        .iter()
        .any(|p| p.id == id && p.policy["SecurityHub"]["ServiceEnabled"] == json!(false));
    if off && target == cx.account {
        return Err(invalid(
            "A configuration policy that disables Security Hub cannot be associated with the delegated administrator",
        ));
    }
    let self_managed = id == SELF_MANAGED;
    c.assocs.insert(
        target.clone(),
        CfgAssoc {
            policy: id,
            started: cx.now,
            updated_at: iso_now(),
            failed_children: 0,
            failed_accounts: BTreeSet::new(),
            loaded: None,
        },
    );
    // AWS: "If you want to associate a configuration policy with the Organizations management
    // account, that account must already have AWS Security Hub CSPM enabled." Checked in the
    // home region, as the association is started.
    let management = w.management_account().map(str::to_string);
    let management_off = management.as_deref().is_some_and(|m| {
        !self_managed
            && w.scope_ref(m, &cx.region)
                .is_none_or(|s| s.securityhub.hub.is_none())
    });
    let (failed, blocked) = {
        let c = &own_central(w, cx);
        let reached = reached_accounts(c, w, &target);
        let blocked: BTreeSet<String> = reached
            .iter()
            .filter(|a| management_off && management.as_deref() == Some(a.as_str()))
            .cloned()
            .collect();
        let failed = reached
            .iter()
            .filter(|a| {
                cx.cfg.fail_policy_accounts.contains(a.as_str()) || blocked.contains(a.as_str())
            })
            .count();
        (failed, blocked)
    };
    if let Some(a) = central_mut(w, cx).assocs.get_mut(&target) {
        a.failed_children = failed;
        a.failed_accounts = blocked;
    }
    apply_effects(w, cx);
    let mut out = summary(own_central(w, cx), w, cx, &target).expect("just associated");
    // Start always answers PENDING, without a message.
    out["AssociationStatus"] = json!("PENDING");
    if let Some(o) = out.as_object_mut() {
        o.remove("AssociationStatusMessage");
    }
    Ok(out)
}

fn own_central<'a>(w: &'a World, cx: &Cx) -> &'a Central {
    &w.scope_ref(&cx.account, &cx.region)
        .expect("the administrator's scope")
        .securityhub
        .central
}

pub fn start_disassociation(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let body = &i.body;
    let ident = get_str(body, "ConfigurationPolicyIdentifier")
        .ok_or_else(|| invalid("ConfigurationPolicyIdentifier is required"))?;
    // Optional in AWS's model; what AWS does without it is undocumented (API.md §16).
    let target = parse_target(get(body, "Target"))?;
    let c = central_mut(w, cx);
    let id = policy_id(c, ident)?;
    match c.assocs.get(&target) {
        Some(a) if a.policy == id => {
            c.assocs.remove(&target);
            // The target now inherits its closest parent's configuration, which AWS applies
            // (with none to inherit, it keeps its settings, self-managed).
            apply_effects(w, cx);
            Ok(json!({}))
        }
        _ => Err(not_found(format!(
            "No configuration {ident} is applied directly to target {target}"
        ))),
    }
}

pub fn get_association(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let target = parse_target(get(&i.body, "Target"))?;
    let c = own_central(w, cx);
    if !target_exists(w, &target) {
        return Err(not_found(format!(
            "Target {target} not found in the organization"
        )));
    }
    summary(c, w, cx, &target).ok_or_else(|| {
        not_found(format!(
            "No configuration is associated with target {target}"
        ))
    })
}

pub fn batch_get_associations(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let ids = get_arr(&i.body, "ConfigurationPolicyAssociationIdentifiers")
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("ConfigurationPolicyAssociationIdentifiers is required"))?;
    let c = own_central(w, cx);
    let (mut found, mut unprocessed) = (vec![], vec![]);
    for x in ids {
        let target = parse_target(get(x, "Target"))?;
        match summary(c, w, cx, &target).filter(|_| target_exists(w, &target)) {
            Some(s) => found.push(s),
            None => unprocessed.push(json!({
                "ConfigurationPolicyAssociationIdentifiers": { "Target": target_json(&target) },
                "ErrorCode": "404",
                "ErrorReason": format!("No configuration is associated with target {target}"),
            })),
        }
    }
    Ok(object([
        ("ConfigurationPolicyAssociations", found.into()),
        (
            "UnprocessedConfigurationPolicyAssociations",
            unprocessed.into(),
        ),
    ]))
}

pub fn list_associations(w: &mut World, cx: &Cx, i: &Input) -> Res {
    require_home_admin(w, cx)?;
    let body = &i.body;
    let filters = get(body, "Filters").cloned().unwrap_or(json!({}));
    let c = own_central(w, cx);
    let by_policy = match get_str(&filters, "ConfigurationPolicyId") {
        Some(p) => Some(policy_id(c, p)?),
        None => None,
    };
    let org = w.org();
    let mut targets: Vec<String> = org.roots().iter().map(|r| r.to_string()).collect();
    targets.extend(org.ous.iter().map(|o| o.id.clone()));
    targets.extend(org.accounts.iter().map(|a| a.id.to_string()));
    let all: Vec<Value> = targets
        .iter()
        .filter_map(|t| summary(c, w, cx, t))
        .filter(|s| {
            by_policy
                .as_deref()
                .is_none_or(|p| s["ConfigurationPolicyId"] == json!(p))
                && get_str(&filters, "AssociationType")
                    .is_none_or(|t| s["AssociationType"] == json!(t))
                && get_str(&filters, "AssociationStatus")
                    .is_none_or(|t| s["AssociationStatus"] == json!(t))
        })
        .collect();
    let max = crate::util::get_i64(body, "MaxResults");
    let (items, next) = paged(&all, get_str(body, "NextToken"), max, 100, cx)?;
    Ok(super::with_token(
        object([("ConfigurationPolicyAssociationSummaries", items.into())]),
        next,
    ))
}
