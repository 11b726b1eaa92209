//! Semantic checks of a composed policy. Every problem is collected with its file position;
//! nothing reaches AWS unless this finds no errors.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::diagnostics::{Diagnostics, Pos, did_you_mean};
use super::filters::{self, FilterUse};
use super::load::{Located, Policy};
use super::policy::*;
use crate::model::AccountId;
use crate::model::catalog::{REGIONS, catalog, is_known_region};

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    pub today: NaiveDate,
    /// Warn about exceptions expiring within this many days.
    pub expiry_warning_days: i64,
}

pub fn validate(p: &Policy, opts: &ValidateOptions, d: &mut Diagnostics) {
    for f in &p.files {
        if let Some(v) = f.content.shubctl {
            if v != 1 {
                d.error(
                    &f.map.pos("/shubctl"),
                    format!("unsupported policy format version {v}; this shubctl reads version 1"),
                );
            }
        }
    }
    scope(p, d);
    hub(p, d);
    standards(p, d);
    exceptions(p, opts, d);
    control_parameters(p, d);
    aggregator(p, d);
    insights(p, d);
    action_targets(p, d);
    automation_rules(p, d);
    integrations(p, d);
}

fn account_id(text: &str, pos: &Pos, d: &mut Diagnostics) -> bool {
    match AccountId::parse(text) {
        Ok(_) => true,
        Err(e) => {
            d.error(pos, e);
            false
        }
    }
}

pub fn is_ou_id(s: &str) -> bool {
    s.strip_prefix("ou-").is_some_and(|rest| {
        rest.split_once('-').is_some_and(|(a, b)| {
            (4..=32).contains(&a.len())
                && (8..=32).contains(&b.len())
                && a.bytes()
                    .chain(b.bytes())
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
    })
}

pub fn is_root_id(s: &str) -> bool {
    s.strip_prefix("r-").is_some_and(|r| {
        (4..=32).contains(&r.len())
            && r.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// An entry of an account selection: an account ID, an OU ID or a root ID.
fn account_or_ou(text: &str, pos: &Pos, d: &mut Diagnostics) {
    if text.starts_with("ou-") {
        if !is_ou_id(text) {
            d.error(
                pos,
                format!("`{text}` is not an OU ID (like `ou-ab12-34cd56ef`)"),
            );
        }
    } else if text.starts_with("r-") {
        if !is_root_id(text) {
            d.error(pos, format!("`{text}` is not a root ID (like `r-ab12`)"));
        }
    } else {
        account_id(text, pos, d);
    }
}

fn region(text: &str, pos: &Pos, d: &mut Diagnostics, allow_home: bool) {
    if allow_home && text == "home" {
        return;
    }
    if !is_known_region(text) {
        d.error(
            pos,
            format!(
                "unknown region `{text}`{}",
                did_you_mean(text, REGIONS.iter().copied())
            ),
        );
    }
}

fn managed_regions(p: &Policy) -> Option<Vec<String>> {
    match &p.regions.as_ref()?.value.include {
        AllOr::List(l) => Some(l.clone()),
        AllOr::All(_) => None,
    }
}

fn scope(p: &Policy, d: &mut Diagnostics) {
    match (&p.account, &p.organization) {
        (Some(a), Some(o)) => {
            d.error(&p.key_pos(a), format!("`account` and `organization` are both set (organization at {}); use `account` for a single account or `organization` for an organisation", p.key_pos(o)));
        }
        (None, None) if !p.files.is_empty() && !p.partial => {
            let pos = Pos {
                file: p.files[0].path.clone(),
                line: 1,
                column: 1,
            };
            d.error(&pos, "the policy has no scope: add `account: \"123456789012\"` or an `organization` section");
        }
        _ => {}
    }
    if let Some(a) = &p.account {
        account_id(&a.value, &p.pos(a, ""), d);
    }
    if let Some(o) = &p.organization {
        let org = &o.value;
        let ok_m = account_id(&org.management_account, &p.pos(o, "/management_account"), d);
        let ok_a = account_id(&org.delegated_admin, &p.pos(o, "/delegated_admin"), d);
        if ok_m && ok_a && org.management_account == org.delegated_admin {
            d.warning(&p.pos(o, "/delegated_admin"), "the delegated administrator is the management account; AWS recommends a dedicated audit account");
        }
        if org.role.is_empty()
            || !org
                .role
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        {
            d.error(
                &p.pos(o, "/role"),
                format!("`{}` is not an IAM role name", org.role),
            );
        }
        if let AllOr::List(ids) = &org.accounts.include {
            if ids.is_empty() {
                d.error(
                    &p.pos(o, "/accounts/include"),
                    "the account list is empty; use `all` or name accounts / OUs",
                );
            }
            for (i, id) in ids.iter().enumerate() {
                account_or_ou(id, &p.pos(o, &format!("/accounts/include/{i}")), d);
            }
        }
        for (i, id) in org.accounts.exclude.iter().enumerate() {
            account_or_ou(id, &p.pos(o, &format!("/accounts/exclude/{i}")), d);
            if id == &org.delegated_admin {
                d.error(&p.pos(o, &format!("/accounts/exclude/{i}")), "the delegated administrator cannot be excluded: it holds the organisation's configuration");
            }
        }
    }
    match &p.regions {
        None if !p.files.is_empty() && !p.partial => {
            let pos = Pos {
                file: p.files[0].path.clone(),
                line: 1,
                column: 1,
            };
            d.error(
                &pos,
                "the policy has no `regions` section (home region and managed regions)",
            );
        }
        None => {}
        Some(r) => {
            region(&r.value.home, &p.pos(r, "/home"), d, false);
            match &r.value.include {
                AllOr::List(list) => {
                    if list.is_empty() {
                        d.error(&p.pos(r, "/include"), "no regions listed");
                    }
                    let mut seen = BTreeSet::new();
                    for (i, x) in list.iter().enumerate() {
                        region(x, &p.pos(r, &format!("/include/{i}")), d, false);
                        if !seen.insert(x) {
                            d.error(
                                &p.pos(r, &format!("/include/{i}")),
                                format!("region `{x}` is listed twice"),
                            );
                        }
                    }
                    if !list.contains(&r.value.home) {
                        d.error(
                            &p.pos(r, "/home"),
                            format!(
                                "the home region `{}` is not among the included regions",
                                r.value.home
                            ),
                        );
                    }
                    if !r.value.exclude.is_empty() {
                        d.error(&p.pos(r, "/exclude"), "`exclude` only applies with `include: all`; leave the regions out of the list instead");
                    }
                }
                AllOr::All(_) => {}
            }
            for (i, x) in r.value.exclude.iter().enumerate() {
                region(x, &p.pos(r, &format!("/exclude/{i}")), d, false);
                if x == &r.value.home {
                    d.error(
                        &p.pos(r, &format!("/exclude/{i}")),
                        "the home region cannot be excluded",
                    );
                }
            }
        }
    }
}

fn hub(p: &Policy, d: &mut Diagnostics) {
    let Some(h) = &p.hub else { return };
    if h.value.enabled {
        return;
    }
    let needs: Vec<&str> = [
        ("standards", p.standards.is_some()),
        ("exceptions", p.exceptions.is_some()),
        ("control_parameters", p.control_parameters.is_some()),
        ("aggregator", p.aggregator.is_some()),
        ("insights", p.insights.is_some()),
        ("action_targets", p.action_targets.is_some()),
        ("automation_rules", p.automation_rules.is_some()),
        ("integrations.products", p.products.is_some()),
    ]
    .into_iter()
    .filter_map(|(n, set)| set.then_some(n))
    .collect();
    if !needs.is_empty() {
        d.error(
            &p.pos(h, "/enabled"),
            format!(
                "Security Hub is disabled, but the policy also declares {}, which need it",
                needs.join(", ")
            ),
        );
    }
}

/// Resolves a standard's short name, reporting unknown ones with a hint.
fn standard_name(text: &str, pos: &Pos, d: &mut Diagnostics) -> bool {
    let cat = catalog();
    if cat.standard(text).is_some() {
        return true;
    }
    if let Some(s) = cat.standard_by_aws_name(text) {
        d.error(
            pos,
            format!(
                "write standards by short name: `{}` instead of `{text}`",
                s.id
            ),
        );
    } else {
        let names: Vec<&str> = cat.standards.iter().map(|s| s.id.as_str()).collect();
        let hint = did_you_mean(text, names.iter().copied());
        let hint = if hint.is_empty() {
            format!("; known standards: {}", names.join(", "))
        } else {
            hint
        };
        d.error(pos, format!("unknown standard `{text}`{hint}"));
    }
    false
}

fn selection(
    p: &Policy,
    sel: &Selection,
    pos_of: impl Fn(&str) -> Pos,
    d: &mut Diagnostics,
    is_regions: bool,
) {
    let managed = managed_regions(p);
    let (list, base) = match sel {
        Selection::Only(l) => (l, String::new()),
        Selection::Except(e) => (&e.except, "/except".to_string()),
    };
    if list.is_empty() {
        d.error(&pos_of(&base), "empty selection");
    }
    for (i, x) in list.iter().enumerate() {
        let pos = pos_of(&format!("{base}/{i}"));
        if is_regions {
            region(x, &pos, d, true);
            if x != "home" && is_known_region(x) && managed.as_ref().is_some_and(|m| !m.contains(x))
            {
                d.warning(
                    &pos,
                    format!("`{x}` is not one of the policy's regions, so naming it has no effect"),
                );
            }
        } else {
            account_or_ou(x, &pos, d);
        }
    }
}

fn standards(p: &Policy, d: &mut Diagnostics) {
    let Some(s) = &p.standards else { return };
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (i, entry) in s.value.iter().enumerate() {
        let (name, sub) = match entry {
            StandardEntry::Name(n) => (n.as_str(), format!("/{i}")),
            StandardEntry::Scoped(sc) => (sc.standard.as_str(), format!("/{i}/standard")),
        };
        let pos = p.pos(s, &sub);
        if standard_name(name, &pos, d) {
            if let Some(first) = seen.get(name) {
                d.error(
                    &pos,
                    format!("standard `{name}` is listed twice (first at {first})"),
                );
            }
            seen.insert(name, pos.to_string());
        }
        if let StandardEntry::Scoped(sc) = entry {
            if let Some(a) = &sc.accounts {
                selection(p, a, |x| p.pos(s, &format!("/{i}/accounts{x}")), d, false);
            }
            if let Some(r) = &sc.regions {
                selection(p, r, |x| p.pos(s, &format!("/{i}/regions{x}")), d, true);
            }
        }
    }
}

/// Checks a control ID against the catalog; a legacy number gets a hint.
fn control_id(text: &str, pos: &Pos, d: &mut Diagnostics) -> bool {
    let cat = catalog();
    if cat.control(text).is_some() {
        return true;
    }
    let legacy = cat.by_legacy_id(text);
    if !legacy.is_empty() {
        let alts: Vec<String> = legacy
            .iter()
            .map(|(std, c)| format!("`{}` ({std} {text})", c.id))
            .collect();
        d.error(pos, format!("`{text}` is a standard-specific control number, not a security-control ID; did you mean {}?", alts.join(" or ")));
        return false;
    }
    let hint = did_you_mean(text, cat.controls.iter().map(|c| c.id.as_str()));
    d.error(pos, format!("unknown control `{text}`{hint}"));
    false
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
}

fn exceptions(p: &Policy, opts: &ValidateOptions, d: &mut Diagnostics) {
    let Some(list) = &p.exceptions else { return };
    let enabled: BTreeSet<&str> = p
        .standards
        .iter()
        .flat_map(|s| s.value.iter())
        .map(|e| match e {
            StandardEntry::Name(n) => n.as_str(),
            StandardEntry::Scoped(s) => s.standard.as_str(),
        })
        .collect();
    for e in list {
        let x = &e.value;
        let ids: Vec<(String, &String)> = match (&x.control, &x.controls) {
            (Some(c), None) => vec![("/control".into(), c)],
            (None, Some(cs)) => {
                if cs.is_empty() {
                    d.error(&p.pos(e, "/controls"), "`controls` is empty");
                }
                cs.iter()
                    .enumerate()
                    .map(|(i, c)| (format!("/controls/{i}"), c))
                    .collect()
            }
            (Some(_), Some(_)) => {
                d.error(
                    &p.pos(e, ""),
                    "give either `control` or `controls`, not both",
                );
                vec![]
            }
            (None, None) => {
                d.error(
                    &p.pos(e, ""),
                    "an exception needs `control` (or `controls`)",
                );
                vec![]
            }
        };
        let mut seen = BTreeSet::new();
        for (sub, id) in &ids {
            let pos = p.pos(e, sub);
            if !seen.insert(*id) {
                d.warning(&pos, format!("`{id}` is listed twice in this exception"));
            }
            if !control_id(id, &pos, d) {
                continue;
            }
            let def = catalog().control(id).expect("checked");
            if let Some(stds) = &x.standards {
                for s in stds {
                    if catalog().standard(s).is_some() && !def.standards.contains(s) {
                        d.error(&pos, format!("`{id}` is not part of `{s}`"));
                    }
                }
            } else if !enabled.is_empty()
                && !def.standards.iter().any(|s| enabled.contains(s.as_str()))
            {
                d.warning(
                    &pos,
                    format!(
                        "this exception has no effect: `{id}` is in none of the enabled standards"
                    ),
                );
            }
        }
        if let Some(stds) = &x.standards {
            for (i, s) in stds.iter().enumerate() {
                let pos = p.pos(e, &format!("/standards/{i}"));
                if standard_name(s, &pos, d) && !enabled.is_empty() && !enabled.contains(s.as_str())
                {
                    d.warning(&pos, format!("`{s}` is not enabled by this policy, so this part of the exception has no effect"));
                }
            }
        }
        if let Some(a) = &x.accounts {
            selection(p, a, |s| p.pos(e, &format!("/accounts{s}")), d, false);
        }
        if let Some(r) = &x.regions {
            selection(p, r, |s| p.pos(e, &format!("/regions{s}")), d, true);
        }
        if x.reason.trim().is_empty() {
            d.error(
                &p.pos(e, "/reason"),
                "the reason is empty; say why the control is disabled",
            );
        } else if x.reason.chars().count() > 1024 {
            d.error(
                &p.pos(e, "/reason"),
                "the reason is longer than 1024 characters",
            );
        }
        for key in ["owner", "ticket"] {
            let v = if key == "owner" { &x.owner } else { &x.ticket };
            if v.as_ref().is_some_and(|s| s.trim().is_empty()) {
                d.error(
                    &p.pos(e, &format!("/{key}")),
                    format!("`{key}` is empty; leave it out or fill it in"),
                );
            }
        }
        if let Some(exp) = &x.expires {
            let pos = p.pos(e, "/expires");
            match parse_date(exp) {
                None => d.error(&pos, format!("`{exp}` is not a date; write YYYY-MM-DD")),
                Some(date) if date < opts.today => {
                    let who = owner_ticket(x);
                    d.warning(
                        &pos,
                        format!(
                            "exception expired on {date}{who}: its controls will be re-enabled"
                        ),
                    );
                }
                Some(date) if (date - opts.today).num_days() <= opts.expiry_warning_days => {
                    let who = owner_ticket(x);
                    d.warning(
                        &pos,
                        format!(
                            "exception expires on {date}, in {} days{who}",
                            (date - opts.today).num_days()
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}

pub fn owner_ticket(x: &Exception) -> String {
    match (&x.owner, &x.ticket) {
        (Some(o), Some(t)) => format!(" (owner {o}, ticket {t})"),
        (Some(o), None) => format!(" (owner {o})"),
        (None, Some(t)) => format!(" (ticket {t})"),
        (None, None) => String::new(),
    }
}

fn duplicates<T>(
    p: &Policy,
    items: &[Located<T>],
    key: impl Fn(&T) -> String,
    sub: &str,
    what: &str,
    d: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
    for it in items {
        let k = key(&it.value);
        let pos = p.pos(it, sub);
        if let Some(first) = seen.get(&k) {
            d.error(
                &pos,
                format!("{what} `{k}` is defined twice: here and at {first}"),
            );
        } else {
            seen.insert(k, pos);
        }
    }
}

fn control_parameters(p: &Policy, d: &mut Diagnostics) {
    let Some(list) = &p.control_parameters else {
        return;
    };
    duplicates(
        p,
        list,
        |c| c.control.clone(),
        "/control",
        "parameters for control",
        d,
    );
    for c in list {
        control_id(&c.value.control, &p.pos(c, "/control"), d);
        if c.value.parameters.is_empty() {
            d.error(&p.pos(c, "/parameters"), "no parameters given");
        }
        for (name, v) in &c.value.parameters {
            let ok = match v {
                serde_json::Value::Array(items) => {
                    items.iter().all(|i| i.is_string() || i.is_number())
                }
                serde_json::Value::Object(_) | serde_json::Value::Null => false,
                _ => true,
            };
            if !ok {
                d.error(&p.pos(c, &format!("/parameters/{name}")), format!("parameter `{name}` must be a number, string, boolean or a list of numbers or strings"));
            }
        }
    }
}

fn aggregator(p: &Policy, d: &mut Diagnostics) {
    let Some(a) = &p.aggregator else { return };
    let mode = a.value.linking;
    let regions = a.value.regions.as_deref().unwrap_or_default();
    match mode {
        LinkingMode::AllRegions | LinkingMode::NoRegions if a.value.regions.is_some() => {
            d.error(
                &p.pos(a, "/regions"),
                format!(
                    "`regions` cannot be given with `linking: {}`",
                    serde_json::to_value(mode)
                        .unwrap()
                        .as_str()
                        .unwrap_or_default()
                ),
            );
        }
        LinkingMode::SpecifiedRegions | LinkingMode::AllRegionsExceptSpecified
            if regions.is_empty() =>
        {
            d.error(
                &p.pos(a, "/linking"),
                format!(
                    "`linking: {}` needs a non-empty `regions` list",
                    serde_json::to_value(mode)
                        .unwrap()
                        .as_str()
                        .unwrap_or_default()
                ),
            );
        }
        _ => {}
    }
    let home = p.regions.as_ref().map(|r| r.value.home.clone());
    let managed = managed_regions(p);
    for (i, r) in regions.iter().enumerate() {
        let pos = p.pos(a, &format!("/regions/{i}"));
        region(r, &pos, d, false);
        if home.as_deref() == Some(r.as_str()) {
            d.error(
                &pos,
                format!("`{r}` is the home region, which always aggregates; leave it out"),
            );
        } else if mode == LinkingMode::SpecifiedRegions
            && managed.as_ref().is_some_and(|m| !m.contains(r))
        {
            d.error(&pos, format!("`{r}` is not one of the policy's regions, so nothing there is managed to aggregate"));
        }
    }
}

fn insights(p: &Policy, d: &mut Diagnostics) {
    let Some(list) = &p.insights else { return };
    duplicates(p, list, |i| i.name.clone(), "/name", "insight", d);
    for i in list {
        if i.value.name.trim().is_empty() {
            d.error(&p.pos(i, "/name"), "the insight name is empty");
        }
        let attrs = filters::group_by_attributes();
        if !attrs.contains(&i.value.group_by.as_str()) {
            let hint = did_you_mean(&i.value.group_by, attrs.iter().copied());
            let hint = if hint.is_empty() {
                "; group by a string finding field such as AwsAccountId, ResourceType, SeverityLabel or ComplianceSecurityControlId".to_string()
            } else {
                hint
            };
            d.error(
                &p.pos(i, "/group_by"),
                format!("insights cannot be grouped by `{}`{hint}", i.value.group_by),
            );
        }
        if i.value.filters.is_empty() {
            d.error(
                &p.pos(i, "/filters"),
                "an insight needs at least one filter",
            );
        }
        if let Err(problems) = filters::convert(&i.value.filters, FilterUse::Insight) {
            for pr in problems {
                let at = format!("{}/filters{}", i.pointer, pr.pointer);
                let map = &p.files[i.file].map;
                d.error(
                    &if pr.at_key {
                        map.key_pos(&at)
                    } else {
                        map.pos(&at)
                    },
                    pr.message,
                );
            }
        }
    }
}

fn action_targets(p: &Policy, d: &mut Diagnostics) {
    let Some(list) = &p.action_targets else {
        return;
    };
    duplicates(p, list, |t| t.id.clone(), "/id", "action target", d);
    for t in list {
        let v = &t.value;
        if v.id.is_empty() || v.id.len() > 20 || !v.id.chars().all(|c| c.is_ascii_alphanumeric()) {
            d.error(
                &p.pos(t, "/id"),
                format!("`{}`: an action target id is 1–20 letters and digits", v.id),
            );
        }
        if v.name.is_empty() || v.name.chars().count() > 20 {
            d.error(
                &p.pos(t, "/name"),
                "an action target name is 1–20 characters",
            );
        }
        if v.description.trim().is_empty() {
            d.error(&p.pos(t, "/description"), "the description is empty");
        }
    }
}

fn automation_rules(p: &Policy, d: &mut Diagnostics) {
    let Some(list) = &p.automation_rules else {
        return;
    };
    duplicates(p, list, |r| r.name.clone(), "/name", "automation rule", d);
    if list.len() > 100 {
        d.error(
            &p.pos(&list[100], ""),
            format!(
                "{} automation rules; an administrator account holds at most 100",
                list.len()
            ),
        );
    }
    let mut orders: BTreeMap<u32, Pos> = BTreeMap::new();
    for r in list {
        let v = &r.value;
        if !(1..=1000).contains(&v.order) {
            d.error(
                &p.pos(r, "/order"),
                format!("order {} is out of range (1–1000)", v.order),
            );
        } else if let Some(first) = orders.get(&v.order) {
            d.warning(&p.pos(r, "/order"), format!("order {} is also used at {first}; rules with equal order run in an unspecified order", v.order));
        } else {
            orders.insert(v.order, p.pos(r, "/order"));
        }
        if v.criteria.is_empty() {
            d.error(
                &p.pos(r, "/criteria"),
                "a rule needs at least one criterion",
            );
        }
        if let Err(problems) = filters::convert(&v.criteria, FilterUse::AutomationRule) {
            for pr in problems {
                let at = format!("{}/criteria{}", r.pointer, pr.pointer);
                let map = &p.files[r.file].map;
                d.error(
                    &if pr.at_key {
                        map.key_pos(&at)
                    } else {
                        map.pos(&at)
                    },
                    pr.message,
                );
            }
        }
        let a = &v.actions;
        if a.workflow.is_none()
            && a.severity.is_none()
            && a.note.is_none()
            && a.verification_state.is_none()
            && a.confidence.is_none()
            && a.criticality.is_none()
            && a.types.is_none()
            && a.user_defined_fields.is_none()
        {
            d.error(
                &p.pos(r, "/actions"),
                "the rule changes nothing: give at least one action",
            );
        }
        for (key, val) in [("confidence", a.confidence), ("criticality", a.criticality)] {
            if val.is_some_and(|x| x > 100) {
                d.error(
                    &p.pos(r, &format!("/actions/{key}")),
                    format!("`{key}` is 0–100"),
                );
            }
        }
        if a.note.as_ref().is_some_and(|n| n.trim().is_empty()) {
            d.error(&p.pos(r, "/actions/note"), "the note is empty");
        }
    }
}

fn integrations(p: &Policy, d: &mut Diagnostics) {
    if let Some(g) = &p.guardduty {
        let f = &g.value.features;
        if f.get(&GuardDutyFeature::EksRuntimeMonitoring) == Some(&OnOff::On)
            && f.get(&GuardDutyFeature::RuntimeMonitoring) == Some(&OnOff::On)
        {
            d.error(&p.files[g.file].map.key_pos(&format!("{}/features/eks_runtime_monitoring", g.pointer)), "`eks_runtime_monitoring` and `runtime_monitoring` cannot both be on; runtime_monitoring includes EKS");
        }
        let superseded = |x: &GuardDutyFeature| {
            *x == GuardDutyFeature::EksRuntimeMonitoring
                && f.contains_key(&GuardDutyFeature::RuntimeMonitoring)
        };
        let missing: Vec<&str> = GuardDutyFeature::ALL
            .iter()
            .filter(|x| !f.contains_key(x) && !superseded(x))
            .map(|x| x.aws())
            .collect();
        if g.value.enabled && !missing.is_empty() {
            d.warning(&p.pos(g, ""), format!("GuardDuty features not declared (not managed; AWS turns most of them on when it creates a detector): {}", missing.join(", ")));
        }
        if g.value.auto_enable_members.is_some() && p.organization.is_none() {
            d.error(
                &p.pos(g, "/auto_enable_members"),
                "`auto_enable_members` needs an `organization`",
            );
        }
    }
    if let Some(i) = &p.inspector {
        let mut seen = BTreeSet::new();
        for (n, t) in i.value.resource_types.iter().enumerate() {
            if !seen.insert(t) {
                d.error(
                    &p.pos(i, &format!("/resource_types/{n}")),
                    format!("`{}` is listed twice", t.aws().to_lowercase()),
                );
            }
        }
    }
    if let Some(a) = &p.access_analyzer {
        let list: Vec<Located<&Analyzer>> = a
            .value
            .analyzers
            .iter()
            .enumerate()
            .map(|(n, x)| Located {
                value: x,
                file: a.file,
                pointer: format!("{}/analyzers/{n}", a.pointer),
            })
            .collect();
        let mut names: BTreeMap<&str, Pos> = BTreeMap::new();
        let mut account_types: BTreeMap<&str, Pos> = BTreeMap::new();
        for an in &list {
            let v = an.value;
            let pos = p.pos(an, "/name");
            let valid = v
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && v.name.len() <= 255
                && v.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !valid {
                d.error(&pos, format!("`{}` is not an analyzer name (letters, digits, `_`, `.`, `-`; starting with a letter or `_`)", v.name));
            }
            if let Some(first) = names.get(v.name.as_str()) {
                d.error(
                    &pos,
                    format!(
                        "analyzer `{}` is defined twice: here and at {first}",
                        v.name
                    ),
                );
            } else {
                names.insert(&v.name, pos.clone());
            }
            if v.analyzer_type.is_organization() && p.organization.is_none() {
                d.error(
                    &p.pos(an, "/type"),
                    "an organization analyzer needs an `organization`",
                );
            }
            if !v.analyzer_type.is_organization() {
                let t = v.analyzer_type.aws();
                if let Some(first) = account_types.get(t) {
                    d.error(&p.pos(an, "/type"), format!("AWS allows one account-level analyzer of type {t} per region; another is at {first}"));
                } else {
                    account_types.insert(t, p.pos(an, "/type"));
                }
            }
            match (v.analyzer_type.is_unused_access(), v.unused_access_age) {
                (false, Some(_)) => d.error(
                    &p.pos(an, "/unused_access_age"),
                    "`unused_access_age` only applies to unused-access analyzers",
                ),
                (true, Some(age)) if !(1..=365).contains(&age) => d.error(
                    &p.pos(an, "/unused_access_age"),
                    "`unused_access_age` is 1–365 days",
                ),
                _ => {}
            }
            let mut rules = BTreeSet::new();
            for (n, r) in v.archive_rules.iter().enumerate() {
                let rp = |s: &str| p.pos(an, &format!("/archive_rules/{n}{s}"));
                if !rules.insert(&r.name) {
                    d.error(
                        &rp("/name"),
                        format!("archive rule `{}` is defined twice", r.name),
                    );
                }
                if r.filter.is_empty() {
                    d.error(&rp("/filter"), "an archive rule needs a filter");
                }
                for (key, c) in &r.filter {
                    if c == &ArchiveCriterion::default() {
                        d.error(
                            &rp(&format!("/filter/{key}")),
                            "a criterion needs one of `eq`, `neq`, `contains`, `exists`",
                        );
                    }
                    for list in [&c.eq, &c.neq, &c.contains].into_iter().flatten() {
                        if list.len() > 20 {
                            d.error(
                                &rp(&format!("/filter/{key}")),
                                "at most 20 values per criterion",
                            );
                        }
                    }
                }
            }
            if v.archive_rules.len() > 100 {
                d.error(
                    &p.pos(an, "/archive_rules"),
                    "at most 100 archive rules per analyzer",
                );
            }
        }
    }
    if let Some(pr) = &p.products {
        let mut seen = BTreeSet::new();
        for (i, x) in pr.value.iter().enumerate() {
            let pos = p.pos(pr, &format!("/{i}"));
            let ok = x.split_once('/').is_some_and(|(c, n)| {
                !c.is_empty()
                    && !n.is_empty()
                    && !n.contains('/')
                    && x.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "-_./".contains(ch))
            });
            if !ok {
                d.error(
                    &pos,
                    format!(
                        "`{x}` is not a product name; write `company/product`, like `aws/guardduty`"
                    ),
                );
            }
            if !seen.insert(x) {
                d.error(&pos, format!("product `{x}` is listed twice"));
            }
        }
    }
}
