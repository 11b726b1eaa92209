//! Each policy section written from the state, only where it reproduces it exactly; otherwise
//! left out, with a note.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::yaml::{comment, flow, list, quoted, quoted_list, scalar};
use super::{Cx, uniform};
use crate::model::catalog::catalog;
use crate::model::finding_fields::group_by_attributes;
use crate::model::resource::*;
use crate::model::{AccountId, Kind, Service};
use crate::spec::filters::{FilterUse, friendly};
use crate::spec::sections::guardduty::GuardDutyFeature;

/// Every file of the policy, by relative path.
pub(super) fn write_all(cx: &mut Cx<'_>, files: &mut BTreeMap<String, String>) {
    let hub_on = cx.get(&cx.admin, &cx.home, Kind::Hub, None).is_some();
    let mut base = String::from("shubctl: 1\n\n");
    base.push_str(&scope(cx));
    base.push_str(&regions(cx));
    base.push_str(&hub(cx, hub_on));
    let mut standards_ok = false;
    if hub_on {
        if let Some(s) = standards(cx) {
            base.push_str(&s);
            standards_ok = true;
        }
        for text in [aggregator(cx), control_parameters(cx)]
            .into_iter()
            .flatten()
        {
            base.push_str(&text);
        }
    }
    files.insert("baseline.yaml".into(), base);
    if standards_ok {
        for (path, text) in super::exceptions::write(cx) {
            files.insert(path, text);
        }
    }
    if hub_on {
        let automation: String = [action_targets(cx), automation_rules(cx)]
            .into_iter()
            .flatten()
            .collect();
        if !automation.is_empty() {
            files.insert(
                "automation.yaml".into(),
                format!("# Custom actions and automation rules of the administrator's home region ({}).\n\n{automation}", cx.home),
            );
        }
        if let Some(text) = insights(cx) {
            files.insert("insights.yaml".into(), text);
        }
    }
    let integrations: Vec<String> = [
        guardduty(cx),
        inspector(cx),
        macie(cx),
        access_analyzer(cx),
        if hub_on { products(cx) } else { None },
    ]
    .into_iter()
    .flatten()
    .collect();
    if !integrations.is_empty() {
        files.insert(
            "integrations.yaml".into(),
            format!(
                "# The services that feed Security Hub, as they are set up in every account and region in scope.\nintegrations:\n{}",
                integrations.join("\n")
            ),
        );
    }
}

/// A subset of the accounts in scope as a selection: None for all of them, else the list or
/// `{ except: [...] }`, whichever is shorter.
pub(super) fn accounts_selection(cx: &Cx<'_>, g: &BTreeSet<AccountId>) -> Option<String> {
    let rest: Vec<&AccountId> = cx.accounts.iter().filter(|a| !g.contains(*a)).collect();
    if rest.is_empty() {
        return None;
    }
    Some(if rest.len() < g.len() {
        format!(
            "{{ except: {} }}",
            quoted_list(rest.iter().map(|a| a.as_str()))
        )
    } else {
        quoted_list(g.iter().map(AccountId::as_str))
    })
}

/// A subset of the regions in scope as a selection (`home` names the home region).
pub(super) fn regions_selection(cx: &Cx<'_>, g: &BTreeSet<String>) -> Option<String> {
    let rest: Vec<&String> = cx.regions.iter().filter(|r| !g.contains(*r)).collect();
    if rest.is_empty() {
        return None;
    }
    let name = |r: &String| {
        if *r == cx.home {
            "home".to_string()
        } else {
            r.clone()
        }
    };
    Some(if rest.len() < g.len() {
        format!("{{ except: {} }}", list(rest.iter().map(|r| name(r))))
    } else if g.len() == 1 && g.contains(&cx.home) {
        "[home]".into()
    } else {
        list(g.iter())
    })
}

fn scope(cx: &mut Cx<'_>) -> String {
    if !cx.organization {
        return format!("account: {}\n\n", quoted(cx.admin.as_str()));
    }
    let mut s = String::from("organization:\n");
    let m = cx.management.clone().unwrap_or_else(|| cx.admin.clone());
    s.push_str(&format!(
        "  management_account: {}     # designates the delegated administrator\n",
        quoted(m.as_str())
    ));
    s.push_str(&format!(
        "  delegated_admin: {}        # Security Hub administrator{}\n",
        quoted(cx.admin.as_str()),
        cx.account_name(&cx.admin)
            .map(|n| format!(" ({})", comment(n)))
            .unwrap_or_default()
    ));
    s.push_str(&format!(
        "  role: {}{}\n",
        scalar(&cx.opts.role),
        if cx.opts.role_guessed {
            "   # a guess: see the note above"
        } else {
            ""
        }
    ));
    if let Some(x) = &cx.opts.external_id {
        s.push_str(&format!("  external_id: {}\n", scalar(x)));
    }
    let excluded: Vec<AccountId> = cx
        .known
        .iter()
        .filter(|a| !cx.accounts.contains(a))
        .cloned()
        .collect();
    s.push_str("  accounts:\n");
    if excluded.len() <= cx.accounts.len() {
        s.push_str("    include: all\n");
        if !excluded.is_empty() {
            let names: Vec<String> = excluded
                .iter()
                .map(|a| cx.account_name(a).unwrap_or(a.as_str()).to_string())
                .collect();
            s.push_str(&format!(
                "    exclude: {}   # {}: not set up like the others (see the notes above)\n",
                quoted_list(excluded.iter().map(AccountId::as_str)),
                comment(&names.join(", "))
            ));
        }
    } else {
        s.push_str(&format!(
            "    include: {}\n",
            quoted_list(cx.accounts.iter().map(AccountId::as_str))
        ));
    }
    let cfg = match cx.get(
        &cx.admin,
        &cx.home,
        Kind::OrgConfig,
        Some(Service::SecurityHub.id()),
    ) {
        Some(Resource::OrgConfig(c)) => c,
        _ => {
            cx.note("the Security Hub organisation configuration could not be found in the home region; the policy writes AWS's defaults");
            OrgConfigValue::default()
        }
    };
    s.push_str(&format!(
        "  auto_enable: {}\n",
        cfg.auto_enable.unwrap_or(true)
    ));
    let standards = match cfg.auto_enable_standards.as_deref() {
        Some("DEFAULT") => "default",
        _ => "none",
    };
    s.push_str(&format!("  auto_enable_standards: {standards}\n"));
    let want: BTreeSet<&AccountId> = cx.accounts.iter().filter(|a| **a != cx.admin).collect();
    let members_match = cx.regions.iter().all(|r| {
        let have: BTreeSet<String> = cx
            .scope(&cx.admin, r)
            .map(|s| {
                s.resources
                    .keys()
                    .filter(|l| l.kind == Kind::Member)
                    .filter_map(|l| l.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        have == want.iter().map(|a| a.to_string()).collect()
    });
    if !members_match {
        cx.note("the administrator's members are not exactly the accounts in scope in every region, so `manage_members: false` leaves them as they are");
    }
    s.push_str(&format!("  manage_members: {members_match}\n\n"));
    s
}

fn regions(cx: &Cx<'_>) -> String {
    format!(
        "regions:\n  home: {:<30} # aggregator, insights and automation rules live here\n  include: {}\n\n",
        cx.home,
        list(cx.regions.iter())
    )
}

fn hub(cx: &Cx<'_>, on: bool) -> String {
    match cx.get(&cx.admin, &cx.home, Kind::Hub, None) {
        Some(Resource::Hub(h)) if on => format!(
            "hub:\n  control_finding_generator: {}\n  auto_enable_controls: {}\n\n",
            scalar(&h.control_finding_generator.as_str().to_ascii_lowercase()),
            h.auto_enable_controls
        ),
        _ => "hub:\n  enabled: false\n\n".into(),
    }
}

/// Where each standard is enabled, within the scope.
pub(super) fn enabled_standards(cx: &Cx<'_>) -> BTreeMap<String, BTreeSet<(AccountId, String)>> {
    let mut out: BTreeMap<String, BTreeSet<(AccountId, String)>> = BTreeMap::new();
    for (a, r) in cx.scopes() {
        if let Some(s) = cx.scope(a, r) {
            for l in s.resources.keys().filter(|l| l.kind == Kind::Standard) {
                if let Some(id) = &l.id {
                    out.entry(id.clone())
                        .or_default()
                        .insert((a.clone(), r.to_string()));
                }
            }
        }
    }
    out
}

fn standards(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::Standard, Kind::Control], "standards") {
        return None;
    }
    let mut s = String::from("standards:\n");
    let mut odd = Vec::new();
    for (std, at) in enabled_standards(cx) {
        if catalog().standard(&std).is_none() {
            odd.push(format!("{std} is not in the catalog"));
            continue;
        }
        let accts: BTreeSet<AccountId> = at.iter().map(|(a, _)| a.clone()).collect();
        let regs: BTreeSet<String> = at.iter().map(|(_, r)| r.clone()).collect();
        if at.len() != accts.len() * regs.len() {
            odd.push(format!(
                "{std} is enabled in some accounts × regions that are not all the accounts of some regions ({})",
                at.iter().map(|(a, r)| format!("{a}/{r}")).collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        match (accounts_selection(cx, &accts), regions_selection(cx, &regs)) {
            (None, None) => s.push_str(&format!("  - {std}\n")),
            (a, r) => {
                s.push_str(&format!("  - standard: {std}\n"));
                if let Some(a) = a {
                    s.push_str(&format!("    accounts: {a}\n"));
                }
                if let Some(r) = r {
                    s.push_str(&format!("    regions: {r}\n"));
                }
            }
        }
    }
    if !odd.is_empty() {
        cx.note(format!(
            "`standards` (and with it `exceptions`) is not declared, so standards and controls are not managed: {}",
            odd.join("; ")
        ));
        return None;
    }
    s.push('\n');
    Some(s)
}

fn aggregator(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::Aggregator], "aggregator") {
        return None;
    }
    let found: Vec<(String, AggregatorValue)> = cx
        .regions
        .iter()
        .filter_map(|r| match cx.get(&cx.admin, r, Kind::Aggregator, None) {
            Some(Resource::Aggregator(v)) => Some((r.clone(), v)),
            _ => None,
        })
        .collect();
    let [(region, v)] = found.as_slice() else {
        if found.len() > 1 {
            cx.note("`aggregator` is not declared: the administrator holds aggregators in several regions");
        }
        return None;
    };
    let mode = v.linking_mode.as_str().to_ascii_lowercase();
    let mut sorted = v.regions.clone();
    sorted.sort();
    let ok = *region == cx.home
        && sorted == v.regions
        && !v.regions.contains(&cx.home)
        && match v.linking_mode.as_str() {
            "ALL_REGIONS" | "NO_REGIONS" => v.regions.is_empty(),
            "SPECIFIED_REGIONS" => {
                !v.regions.is_empty() && v.regions.iter().all(|r| cx.regions.contains(r))
            }
            "ALL_REGIONS_EXCEPT_SPECIFIED" => {
                !v.regions.is_empty()
                    && v.regions
                        .iter()
                        .all(|r| crate::model::catalog::is_known_region(r))
            }
            _ => false,
        };
    if !ok {
        cx.note(format!("`aggregator` is not declared: the aggregator in {region} ({mode} {}) cannot be written as a policy over the regions in scope", v.regions.join(", ")));
        return None;
    }
    let mut s = format!("aggregator:\n  linking: {mode}\n");
    if !v.regions.is_empty() {
        s.push_str(&format!("  regions: {}\n", list(v.regions.iter())));
    }
    s.push('\n');
    Some(s)
}

fn parameter_ok(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().all(|i| i.is_string() || i.is_number()),
        Value::Object(_) | Value::Null => false,
        _ => true,
    }
}

fn control_parameters(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::ControlParameters], "control_parameters") {
        return None;
    }
    let mut controls: BTreeSet<String> = BTreeSet::new();
    for (a, r) in cx.scopes() {
        if let Some(s) = cx.scope(a, r) {
            controls.extend(
                s.resources
                    .keys()
                    .filter(|l| l.kind == Kind::ControlParameters)
                    .filter_map(|l| l.id.clone()),
            );
        }
    }
    let mut s = String::new();
    let mut odd = Vec::new();
    for ctl in controls {
        // A policy manages a control's parameters only where an enabled standard holds it.
        let holds = |a: &AccountId, r: &str| {
            cx.scope(a, r).is_some_and(|st| {
                st.resources.keys().any(|l| {
                    l.kind == Kind::Standard
                        && l.id.as_deref().is_some_and(|std| {
                            catalog()
                                .control(&ctl)
                                .is_some_and(|d| d.standards.iter().any(|x| x == std))
                        })
                })
            })
        };
        let values: Vec<Option<ControlParametersValue>> = cx
            .scopes()
            .filter(|(a, r)| holds(a, r))
            .map(
                |(a, r)| match cx.get(a, r, Kind::ControlParameters, Some(&ctl)) {
                    Some(Resource::ControlParameters(v)) => Some(v),
                    _ => None,
                },
            )
            .collect();
        if catalog().control(&ctl).is_none()
            || values.is_empty()
            || values.iter().any(Option::is_none)
        {
            odd.push(ctl);
            continue;
        }
        let values: Vec<ControlParametersValue> = values.into_iter().flatten().collect();
        // A control the policy names has all its parameters managed (one left out is reset to
        // its default), so a control is declared only where its parameters are the same
        // everywhere.
        let common = &values[0].parameters;
        if common.is_empty()
            || !common.values().all(parameter_ok)
            || values.iter().any(|x| &x.parameters != common)
        {
            odd.push(ctl.clone());
            continue;
        }
        let common = common.clone();
        let m: serde_json::Map<String, Value> = common.into_iter().collect();
        s.push_str(&format!(
            "  - control: {}\n    parameters: {}\n",
            scalar(&ctl),
            flow(&Value::Object(m))
        ));
    }
    if !odd.is_empty() {
        cx.note(format!("parameters of {} differ between accounts or regions (or are not in the catalog, or the control is in no enabled standard); those controls' parameters are not managed", odd.join(", ")));
    }
    (!s.is_empty()).then(|| format!("control_parameters:\n{s}\n"))
}

fn insights(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::Insight], "insights") {
        return None;
    }
    let items = held(cx, Kind::Insight);
    if items.is_empty() {
        return None;
    }
    let mut s = format!(
        "# Custom insights, in the administrator's home region ({}).\ninsights:\n",
        cx.home
    );
    let mut odd = Vec::new();
    for (name, r) in &items {
        let Resource::Insight(v) = r else { continue };
        let filters = friendly(&v.filters, FilterUse::Insight).filter(|f| !f.is_empty());
        match filters {
            Some(f)
                if !name.trim().is_empty()
                    && group_by_attributes().contains(&v.group_by.as_str()) =>
            {
                s.push_str(&format!(
                    "  - name: {}\n    group_by: {}\n    filters:\n",
                    scalar(name),
                    scalar(&v.group_by)
                ));
                for (k, x) in f {
                    s.push_str(&format!("      {}: {}\n", scalar(&k), flow(&x)));
                }
                s.push('\n');
            }
            _ => odd.push(format!("`{name}`")),
        }
    }
    if !odd.is_empty() {
        cx.note(format!(
            "`insights` is not declared: the policy syntax cannot reproduce insight {} exactly",
            odd.join(", ")
        ));
        return None;
    }
    Some(s)
}

/// The administrator's resources of a kind in the home region, by id.
fn held(cx: &Cx<'_>, kind: Kind) -> Vec<(String, Resource)> {
    cx.scope(&cx.admin, &cx.home)
        .map(|s| {
            s.resources
                .iter()
                .filter(|(l, _)| l.kind == kind)
                .filter_map(|(l, v)| Some((l.id.clone()?, v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

fn action_targets(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::ActionTarget], "action_targets") {
        return None;
    }
    let items = held(cx, Kind::ActionTarget);
    if items.is_empty() {
        return None;
    }
    let mut s = String::from("action_targets:\n");
    for (id, r) in &items {
        let Resource::ActionTarget(v) = r else {
            continue;
        };
        let ok = !id.is_empty()
            && id.len() <= 20
            && id.chars().all(|c| c.is_ascii_alphanumeric())
            && !v.name.is_empty()
            && v.name.chars().count() <= 20
            && !v.description.trim().is_empty();
        if !ok {
            cx.note(format!("`action_targets` is not declared: custom action `{id}` has an id, name or description the policy refuses"));
            return None;
        }
        s.push_str(&format!(
            "  - id: {}\n    name: {}\n    description: {}\n",
            scalar(id),
            scalar(&v.name),
            scalar(&v.description)
        ));
    }
    s.push('\n');
    Some(s)
}

/// A rule's action in the policy's words, or None when it has parts the policy cannot write.
fn rule_actions(v: &Value) -> Option<Vec<(String, String)>> {
    let lower = |x: &Value, allowed: &[&str]| {
        let s = x.as_str()?.to_ascii_lowercase();
        allowed.contains(&s.as_str()).then_some(s)
    };
    let only = |x: &Value, key: &str| -> Option<Value> {
        let o = x.as_object()?;
        (o.len() == 1).then(|| o.get(key).cloned()).flatten()
    };
    let mut out = Vec::new();
    for (k, x) in v.as_object()? {
        let (key, text) = match k.as_str() {
            "Workflow" => (
                "workflow",
                lower(
                    &only(x, "Status")?,
                    &["new", "notified", "resolved", "suppressed"],
                )?,
            ),
            "Severity" => (
                "severity",
                lower(
                    &only(x, "Label")?,
                    &["informational", "low", "medium", "high", "critical"],
                )?,
            ),
            "Note" => {
                let o = x.as_object()?;
                if o.len() != 2 || o.get("UpdatedBy")?.as_str()? != "shubctl" {
                    return None;
                }
                let t = o.get("Text")?.as_str()?;
                if t.trim().is_empty() {
                    return None;
                }
                ("note", scalar(t))
            }
            "VerificationState" => (
                "verification_state",
                lower(
                    x,
                    &[
                        "unknown",
                        "true_positive",
                        "false_positive",
                        "benign_positive",
                    ],
                )?,
            ),
            "Confidence" | "Criticality" => {
                let n = x.as_u64().filter(|n| *n <= 100)?;
                (
                    if k == "Confidence" {
                        "confidence"
                    } else {
                        "criticality"
                    },
                    n.to_string(),
                )
            }
            "Types" => {
                let items = x.as_array()?;
                if !items.iter().all(Value::is_string) {
                    return None;
                }
                ("types", flow(x))
            }
            "UserDefinedFields" => {
                if !x.as_object()?.values().all(Value::is_string) {
                    return None;
                }
                ("user_defined_fields", flow(x))
            }
            _ => return None,
        };
        out.push((key.to_string(), text));
    }
    (!out.is_empty()).then_some(out)
}

fn automation_rules(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::AutomationRule], "automation_rules") {
        return None;
    }
    let mut items = held(cx, Kind::AutomationRule);
    if items.is_empty() {
        return None;
    }
    items.sort_by_key(|(name, r)| match r {
        Resource::AutomationRule(v) => (v.order, name.clone()),
        _ => (0, name.clone()),
    });
    let mut s = String::from("automation_rules:\n");
    let mut odd = Vec::new();
    for (name, r) in &items {
        let Resource::AutomationRule(v) = r else {
            continue;
        };
        let criteria = friendly(&v.criteria, FilterUse::AutomationRule).filter(|c| !c.is_empty());
        let actions = rule_actions(&v.actions);
        let (Some(criteria), Some(actions)) = (criteria, actions) else {
            odd.push(format!("`{name}`"));
            continue;
        };
        if !(1..=1000).contains(&v.order) || name.trim().is_empty() {
            odd.push(format!("`{name}`"));
            continue;
        }
        s.push_str(&format!(
            "  - name: {}\n    order: {}\n",
            scalar(name),
            v.order
        ));
        if v.description != *name {
            s.push_str(&format!("    description: {}\n", scalar(&v.description)));
        }
        if v.status == Switch::Disabled {
            s.push_str("    enabled: false\n");
        }
        if v.terminal {
            s.push_str("    terminal: true\n");
        }
        s.push_str("    criteria:\n");
        for (k, x) in criteria {
            s.push_str(&format!("      {}: {}\n", scalar(&k), flow(&x)));
        }
        s.push_str("    actions:\n");
        for (k, x) in actions {
            s.push_str(&format!("      {k}: {x}\n"));
        }
    }
    if !odd.is_empty() || items.len() > 100 {
        cx.note(format!("`automation_rules` is not declared: the policy syntax cannot reproduce rule {} exactly (criteria, actions, order or status)", odd.join(", ")));
        return None;
    }
    s.push('\n');
    Some(s)
}

/// The value of a per-scope kind in every scope, if every scope has the same one.
fn everywhere<T: PartialEq>(
    cx: &Cx<'_>,
    kind: Kind,
    pick: impl Fn(Resource) -> Option<T>,
) -> Result<Option<T>, &'static str> {
    let values: Vec<Option<T>> = cx
        .scopes()
        .map(|(a, r)| cx.get(a, r, kind, None).and_then(&pick))
        .collect();
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    if values.iter().any(Option::is_none) {
        return Err("it is on in some accounts and regions in scope and off in others");
    }
    uniform(values.into_iter().flatten())
        .map(Some)
        .ok_or("its settings differ between accounts or regions")
}

/// An organisation setting of a service, held by the administrator: the same in every region.
fn org_config(cx: &Cx<'_>, service: Service) -> Option<Option<OrgConfigValue>> {
    uniform(cx.regions.iter().map(|r| {
        match cx.get(&cx.admin, r, Kind::OrgConfig, Some(service.id())) {
            Some(Resource::OrgConfig(c)) => Some(c),
            _ => None,
        }
    }))
}

fn guardduty(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(
        &[
            Kind::GuardDuty,
            Kind::GuardDutyMember,
            Kind::DelegatedAdmin,
            Kind::OrgConfig,
        ],
        "integrations.guardduty",
    ) {
        return None;
    }
    let values: Vec<GuardDutyValue> = cx
        .scopes()
        .filter_map(|(a, r)| match cx.get(a, r, Kind::GuardDuty, None) {
            Some(Resource::GuardDuty(v)) => Some(v),
            _ => None,
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    let total = cx.accounts.len() * cx.regions.len();
    let fail = |cx: &mut Cx<'_>, why: &str| {
        cx.note(format!(
            "`integrations.guardduty` is not declared, so GuardDuty is not managed: {why}"
        ));
        None
    };
    if values.len() != total {
        return fail(
            cx,
            "its detector is on in some accounts and regions in scope and off in others",
        );
    }
    if values.iter().any(|v| v.status != Switch::Enabled) {
        return fail(cx, "some detectors are suspended");
    }
    let Some(freq) = uniform(values.iter().map(|v| v.finding_publishing_frequency)) else {
        return fail(
            cx,
            "the finding publishing frequency differs between accounts or regions",
        );
    };
    // Features with one value everywhere are declared; the others are left unmanaged.
    let mut features: BTreeMap<GuardDutyFeature, bool> = BTreeMap::new();
    let mut varying = Vec::new();
    for f in GuardDutyFeature::ALL {
        match uniform(values.iter().map(|v| v.features.get(f.aws()))) {
            Some(Some(s)) => {
                features.insert(f, *s == Switch::Enabled);
            }
            Some(None) => {}
            _ => varying.push(f.aws()),
        }
    }
    let runtime = features.contains_key(&GuardDutyFeature::RuntimeMonitoring);
    // With runtime monitoring declared, EKS runtime monitoring is superseded and not managed;
    // writing it `off` keeps the policy valid whatever it is.
    if runtime && features.contains_key(&GuardDutyFeature::EksRuntimeMonitoring) {
        features.insert(GuardDutyFeature::EksRuntimeMonitoring, false);
    }
    if !varying.is_empty() {
        cx.note(format!("GuardDuty features {} differ between accounts or regions and are left undeclared (not managed)", varying.join(", ")));
    }
    let mut auto = None;
    if cx.organization {
        if !cx.is_service_admin_everywhere(Service::GuardDuty) {
            return fail(
                cx,
                "its delegated administrator is not the Security Hub administrator in every region",
            );
        }
        match org_config(cx, Service::GuardDuty) {
            Some(None) => {}
            Some(Some(c)) => {
                let m = c.auto_enable_members.clone().unwrap_or_default();
                let managed: BTreeMap<String, String> = features
                    .iter()
                    .filter(|(f, _)| !(runtime && **f == GuardDutyFeature::EksRuntimeMonitoring))
                    // AI_ANALYST is set per detector; the organisation settings do not have it.
                    .filter(|(f, _)| f.org_level())
                    .map(|(f, on)| {
                        (
                            f.aws().to_string(),
                            if *on { m.clone() } else { "NONE".into() },
                        )
                    })
                    .collect();
                let have = c.features.clone().unwrap_or_default();
                let ok = ["NEW", "ALL", "NONE"].contains(&m.as_str())
                    && managed.iter().all(|(k, v)| have.get(k) == Some(v));
                if !ok {
                    return fail(
                        cx,
                        "its organisation auto-enable settings are not one setting for members and the declared features",
                    );
                }
                auto = Some(m.to_ascii_lowercase());
            }
            None => return fail(cx, "its organisation settings differ between regions"),
        }
        // Declaring it makes every account in scope a member of the administrator.
        let outside = cx.scopes().any(|(a, r)| {
            *a != cx.admin
                && cx
                    .get(&cx.admin, r, Kind::GuardDutyMember, Some(a.as_str()))
                    .is_none()
        });
        if outside {
            return fail(
                cx,
                "some accounts in scope are not enabled members of its delegated administrator, and declaring it would add them",
            );
        }
    }
    let mut s = format!(
        "  guardduty:\n    finding_publishing_frequency: {}\n",
        scalar(&freq.as_str().to_ascii_lowercase())
    );
    if !features.is_empty() {
        s.push_str("    features:\n");
        for (f, on) in &features {
            let name = serde_json::to_value(f).ok()?.as_str()?.to_string();
            let note = if runtime && *f == GuardDutyFeature::EksRuntimeMonitoring {
                "   # superseded by runtime_monitoring, not managed"
            } else {
                ""
            };
            s.push_str(&format!(
                "      {name}: {}{note}\n",
                if *on { "on" } else { "off" }
            ));
        }
    }
    if let Some(m) = auto {
        s.push_str(&format!("    auto_enable_members: {}\n", scalar(&m)));
    }
    Some(s)
}

fn inspector(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(
        &[
            Kind::Inspector,
            Kind::InspectorMember,
            Kind::DelegatedAdmin,
            Kind::OrgConfig,
        ],
        "integrations.inspector",
    ) {
        return None;
    }
    let types = match everywhere(cx, Kind::Inspector, |r| match r {
        Resource::Inspector(v) if !v.resource_types.is_empty() => Some(v.resource_types),
        _ => None,
    }) {
        Ok(None) => return None,
        Ok(Some(t)) => t,
        Err(why) => {
            cx.note(format!(
                "`integrations.inspector` is not declared, so Inspector is not managed: {why}"
            ));
            return None;
        }
    };
    let mut sorted = types.clone();
    sorted.sort();
    let known = ["CODE_REPOSITORY", "EC2", "ECR", "LAMBDA", "LAMBDA_CODE"];
    if sorted != types || !types.iter().all(|t| known.contains(&t.as_str())) {
        cx.note("`integrations.inspector` is not declared: its resource types are not ones the policy names");
        return None;
    }
    let mut auto = true;
    if cx.organization {
        let cfg = org_config(cx, Service::Inspector);
        let ok = cx.is_service_admin_everywhere(Service::Inspector)
            && match &cfg {
                Some(Some(c)) if c.resource_types.as_ref() == Some(&types) => true,
                Some(Some(c)) if c.resource_types.as_ref().is_some_and(Vec::is_empty) => {
                    auto = false;
                    true
                }
                _ => false,
            };
        if !ok {
            cx.note("`integrations.inspector` is not declared: its delegated administrator or organisation auto-enable does not match the resource types scanned");
            return None;
        }
        // Declaring it associates every account in scope with the administrator.
        let unassociated = cx.scopes().any(|(a, r)| {
            *a != cx.admin
                && cx
                    .get(&cx.admin, r, Kind::InspectorMember, Some(a.as_str()))
                    .is_none()
        });
        if unassociated {
            cx.note("`integrations.inspector` is not declared: some accounts in scope are not associated with its delegated administrator, and declaring it would associate them");
            return None;
        }
    }
    let names: Vec<String> = types.iter().map(|t| t.to_ascii_lowercase()).collect();
    let mut s = format!("  inspector:\n    resource_types: {}\n", list(names.iter()));
    if cx.organization {
        s.push_str(&format!("    auto_enable: {auto}\n"));
    }
    Some(s)
}

fn macie(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(
        &[
            Kind::Macie,
            Kind::MacieMember,
            Kind::DelegatedAdmin,
            Kind::OrgConfig,
        ],
        "integrations.macie",
    ) {
        return None;
    }
    let v = match everywhere(cx, Kind::Macie, |r| match r {
        Resource::Macie(v) => Some(v),
        _ => None,
    }) {
        Ok(None) => return None,
        Ok(Some(v)) => v,
        Err(why) => {
            cx.note(format!(
                "`integrations.macie` is not declared, so Macie is not managed: {why}"
            ));
            return None;
        }
    };
    let status = match v.status {
        MacieStatus::Enabled => "enabled",
        MacieStatus::Paused => "paused",
    };
    let mut auto = None;
    if cx.organization {
        match org_config(cx, Service::Macie) {
            Some(Some(OrgConfigValue {
                auto_enable: Some(b),
                ..
            })) if cx.is_service_admin_everywhere(Service::Macie) => auto = Some(b),
            _ => {
                cx.note("`integrations.macie` is not declared: its delegated administrator or organisation auto-enable is not the same everywhere");
                return None;
            }
        }
        // Declaring it makes every account in scope a member of the administrator, with the
        // administrator's status.
        let outside = cx.scopes().any(|(a, r)| {
            *a != cx.admin
                && !matches!(
                    cx.get(&cx.admin, r, Kind::MacieMember, Some(a.as_str())),
                    Some(Resource::MacieMember(m)) if m.status == v.status
                )
        });
        if outside {
            cx.note("`integrations.macie` is not declared: some accounts in scope are not members of its delegated administrator with its status, and declaring it would add or change them");
            return None;
        }
    }
    let mut s = format!(
        "  macie:\n    status: {status}\n    finding_publishing_frequency: {}\n",
        v.finding_publishing_frequency.as_str().to_ascii_lowercase()
    );
    if let Some(b) = auto {
        s.push_str(&format!("    auto_enable: {b}\n"));
    }
    Some(s)
}

fn access_analyzer(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::Analyzer], "integrations.access_analyzer") {
        return None;
    }
    // Every analyzer in every scope the policy reads, by name.
    let mut by_name: BTreeMap<String, Vec<(AccountId, String, AnalyzerValue)>> = BTreeMap::new();
    for (a, r) in cx.scopes() {
        if let Some(s) = cx.scope(a, r) {
            for (l, v) in &s.resources {
                if let (Kind::Analyzer, Some(id), Resource::Analyzer(v)) = (l.kind, &l.id, v) {
                    by_name.entry(id.clone()).or_default().push((
                        a.clone(),
                        r.to_string(),
                        v.clone(),
                    ));
                }
            }
        }
    }
    if by_name.is_empty() {
        return None;
    }
    let mut s = String::from("  access_analyzer:\n    analyzers:\n");
    let mut account_types = BTreeSet::new();
    for (name, at) in &by_name {
        let fail = |cx: &mut Cx<'_>, why: &str| {
            cx.note(format!("`integrations.access_analyzer` is not declared, so analyzers are not managed: analyzer `{name}` {why}"));
            None
        };
        let Some(v) = uniform(at.iter().map(|(_, _, v)| v)) else {
            return fail(cx, "is set up differently in different places");
        };
        let where_: BTreeSet<(AccountId, String)> =
            at.iter().map(|(a, r, _)| (a.clone(), r.clone())).collect();
        let org = v.analyzer_type.starts_with("ORGANIZATION");
        let holders: Vec<AccountId> = if org {
            vec![cx.admin.clone()]
        } else {
            cx.accounts.clone()
        };
        let grid = |regions: &[String]| -> BTreeSet<(AccountId, String)> {
            holders
                .iter()
                .flat_map(|a| regions.iter().map(move |r| (a.clone(), r.clone())))
                .collect()
        };
        let regions = if where_ == grid(&cx.regions) {
            "all"
        } else if where_ == grid(std::slice::from_ref(&cx.home)) {
            "home"
        } else {
            return fail(
                cx,
                "is not in every account (or the administrator) in every region, nor only in the home region",
            );
        };
        let typ = v.analyzer_type.to_ascii_lowercase();
        let unused = typ.ends_with("unused_access");
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        let known = [
            "account",
            "organization",
            "account_unused_access",
            "organization_unused_access",
        ]
        .contains(&typ.as_str());
        if !valid_name
            || !known
            || (!unused && v.unused_access_age.is_some())
            || (org && !cx.organization)
        {
            return fail(cx, "has a name, type or setting the policy refuses");
        }
        // Declaring an organisation analyzer registers its account as Access Analyzer's
        // delegated administrator (unless it is the management account).
        if org
            && cx.management.as_ref().is_some_and(|m| *m != cx.admin)
            && !cx.is_service_admin_everywhere(Service::AccessAnalyzer)
        {
            return fail(
                cx,
                "is an organisation analyzer, but its account is not registered as Access Analyzer's delegated administrator, and declaring it would register it",
            );
        }
        if !org && !account_types.insert(typ.clone()) {
            return fail(cx, "shares its type with another account-level analyzer");
        }
        let mut rules = String::new();
        for (rule, filter) in &v.archive_rules {
            let parsed: Option<
                BTreeMap<String, crate::spec::sections::access_analyzer::ArchiveCriterion>,
            > = serde_json::from_value(filter.clone()).ok();
            match parsed {
                Some(p)
                    if !p.is_empty() && serde_json::to_value(&p).ok().as_ref() == Some(filter) =>
                {
                    rules.push_str(&format!(
                        "          - name: {}\n            filter: {}\n",
                        scalar(rule),
                        flow(filter)
                    ));
                }
                _ => {
                    return fail(
                        cx,
                        &format!("has archive rule `{rule}`, whose filter the policy cannot write"),
                    );
                }
            }
        }
        s.push_str(&format!(
            "      - name: {}\n        type: {typ}\n",
            scalar(name)
        ));
        if let Some(age) = v.unused_access_age {
            s.push_str(&format!("        unused_access_age: {age}\n"));
        } else if unused {
            return fail(cx, "has no unused-access age");
        }
        let default = if org { "home" } else { "all" };
        if regions != default {
            s.push_str(&format!("        regions: {regions}\n"));
        }
        if !rules.is_empty() {
            s.push_str("        archive_rules:\n");
            s.push_str(&rules);
        }
    }
    Some(s)
}

fn products(cx: &mut Cx<'_>) -> Option<String> {
    if !cx.readable(&[Kind::Product], "integrations.products") {
        return None;
    }
    let sets: Vec<BTreeSet<String>> = cx
        .scopes()
        .map(|(a, r)| {
            cx.scope(a, r)
                .map(|s| {
                    s.resources
                        .keys()
                        .filter(|l| l.kind == Kind::Product)
                        .filter_map(|l| l.id.clone())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    match uniform(sets.into_iter()) {
        Some(set) if set.is_empty() => None,
        Some(set) => {
            let valid = set.iter().all(|x| {
                x.split_once('/')
                    .is_some_and(|(co, n)| !co.is_empty() && !n.is_empty() && !n.contains('/'))
                    && x.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            });
            if !valid {
                cx.note("`integrations.products` is not declared: a product subscription is not named `company/product`");
                return None;
            }
            Some(format!("  products: {}\n", list(set.iter())))
        }
        None => {
            cx.note("`integrations.products` is not declared, so product subscriptions are not managed: they differ between accounts or regions");
            None
        }
    }
}
