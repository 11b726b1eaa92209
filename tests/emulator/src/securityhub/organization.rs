//! The organisation's side of Security Hub (API.md §1.4): the delegated administrator, which
//! only the management account designates, and the administrator's organisation configuration.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::state::{OrgConfig, members_mut};
use super::{denied, invalid, invalid_access, own, paged, query_max, required_str, sh, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get, get_bool, get_str, is_account_id, iso_now, object};
use crate::world::{AdminOf, World};

const SH: AdminOf = AdminOf::SecurityHub;

fn require_management(w: &World, cx: &Cx) -> Result<String, ApiError> {
    let mgmt = w
        .management_account()
        .filter(|_| w.in_org(&cx.account))
        .map(str::to_string)
        .ok_or_else(|| {
            denied(format!(
                "The request failed because account {} is not a member of an organization.",
                cx.account
            ))
        })?;
    if mgmt != cx.account {
        return Err(denied(format!(
            "Account {} is not the management account of the organization; only the management account can manage the Security Hub administrator.",
            cx.account
        )));
    }
    Ok(mgmt)
}

pub fn enable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let mgmt = require_management(w, cx)?;
    let admin = required_str(body, "AdminAccountId")?.to_string();
    let feature = get_str(body, "Feature")
        .unwrap_or("SecurityHub")
        .to_string();
    if !matches!(feature.as_str(), "SecurityHub" | "SecurityHubV2") {
        return Err(invalid(format!(
            "Feature `{feature}` is not SecurityHub or SecurityHubV2"
        )));
    }
    if !is_account_id(&admin) || !w.in_org(&admin) {
        return Err(invalid(format!(
            "Account {admin} is not a member of the organization"
        )));
    }
    match w.designation(SH, &mgmt, &cx.region) {
        Some(current) if current == admin => {}
        Some(current) => {
            return Err(invalid(format!(
                "Account {current} is already the Security Hub administrator account in {}; remove it before designating {admin}",
                cx.region
            )));
        }
        None => {
            let elsewhere: BTreeSet<&str> = w
                .designations_by(SH, &mgmt)
                .filter(|(r, a)| *r != cx.region && *a != mgmt)
                .map(|(_, a)| a)
                .collect();
            if admin != mgmt && !elsewhere.is_empty() && !elsewhere.contains(admin.as_str()) {
                return Err(invalid(format!(
                    "Account {} is the delegated administrator for Security Hub in other Regions; designate it, or the management account, here too",
                    elsewhere.iter().next().expect("non-empty")
                )));
            }
            w.designate(SH, &mgmt, &cx.region, Some(admin.clone()));
            sh(w, &admin, &cx.region)
                .org_config
                .get_or_insert_with(OrgConfig::default);
        }
    }
    Ok(json!({ "AdminAccountId": admin, "Feature": feature }))
}

pub fn disable_admin(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let mgmt = require_management(w, cx)?;
    let admin = required_str(body, "AdminAccountId")?.to_string();
    if w.designation(SH, &mgmt, &cx.region) != Some(admin.as_str()) {
        return Err(invalid(format!(
            "Account {admin} is not the Security Hub administrator account in {}",
            cx.region
        )));
    }
    // Under central configuration the administrator cannot be removed through Security Hub
    // (user guide, "Enabling central configuration"; the code AWS answers is undocumented).
    if super::central::is_central(w, &admin) {
        return Err(invalid(format!(
            "Account {admin} is the delegated administrator of an organization that uses central configuration: it cannot be removed through Security Hub. Stop central configuration first, or change the administrator through AWS Organizations"
        )));
    }
    w.designate(SH, &mgmt, &cx.region, None);
    // Removing the administrator disassociates its organization members.
    let leaving: Vec<String> = w
        .scope_ref(&admin, &cx.region)
        .into_iter()
        .flat_map(|s| s.securityhub.members())
        .filter(|(id, m)| w.is_listed(id) && m.status == "Enabled")
        .map(|(id, _)| id.clone())
        .collect();
    let now = iso_now();
    let members = members_mut(w, &admin, &cx.region);
    for id in leaving {
        let m = members.get_mut(&id).expect("listed above");
        m.status = "Removed".into();
        m.updated_at = now.clone();
    }
    Ok(json!({}))
}

pub fn list_admins(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let mgmt = require_management(w, cx)?;
    let feature = i.query("Feature").unwrap_or("SecurityHub").to_string();
    let all: Vec<Value> = w
        .designation(SH, &mgmt, &cx.region)
        .iter()
        .map(|a| json!({ "AccountId": a, "Status": "ENABLED" }))
        .collect();
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 10, cx)?;
    Ok(with_token(
        object([("AdminAccounts", items.into()), ("Feature", feature.into())]),
        next,
    ))
}

fn require_admin(w: &World, cx: &Cx) -> Result<(), ApiError> {
    if !w.is_admin(SH, &cx.region, &cx.account) {
        return Err(invalid_access(format!(
            "Account {} is not an administrator for this organization",
            cx.account
        )));
    }
    Ok(())
}

/// `PENDING` while a switch to central configuration is under way, else `ENABLED`: under
/// LOCAL the status is always `ENABLED` (the service model's `OrganizationConfiguration.Status`).
fn switch_status(c: Option<&OrgConfig>, cx: &Cx) -> &'static str {
    match c
        .filter(|c| c.configuration_type != "LOCAL")
        .and_then(|c| c.switched_at)
    {
        Some(at) if cx.now < at + cx.cfg.org_switch_delay => "PENDING",
        _ => "ENABLED",
    }
}

/// Whether the administrator's switch of the configuration type in `region` is still under way.
pub fn switch_pending(w: &World, cx: &Cx, account: &str, region: &str) -> bool {
    let c = w
        .scope_ref(account, region)
        .and_then(|s| s.securityhub.org_config.as_ref());
    switch_status(c, cx) == "PENDING"
}

pub fn describe_config(w: &mut World, cx: &Cx, _: &Input) -> Res {
    require_admin(w, cx)?;
    // Central configuration holds in the home and linked regions alike.
    if let Some(reach) = super::central::reach_in(w, &cx.region) {
        let home = w
            .scope_ref(&reach.admin, &reach.home)
            .and_then(|s| s.securityhub.org_config.as_ref());
        return Ok(json!({
            "AutoEnable": false,
            "MemberAccountLimitReached": false,
            "AutoEnableStandards": "NONE",
            "OrganizationConfiguration": { "ConfigurationType": "CENTRAL", "Status": switch_status(home, cx) },
        }));
    }
    let default = OrgConfig::default();
    let c = w
        .scope_ref(&cx.account, &cx.region)
        .and_then(|s| s.securityhub.org_config.as_ref());
    let status = switch_status(c, cx);
    let c = c.unwrap_or(&default);
    Ok(json!({
        "AutoEnable": c.auto_enable,
        "MemberAccountLimitReached": false,
        "AutoEnableStandards": c.auto_enable_standards,
        "OrganizationConfiguration": { "ConfigurationType": c.configuration_type, "Status": status },
    }))
}

pub fn update_config(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    require_admin(w, cx)?;
    let auto_enable =
        get_bool(body, "AutoEnable").ok_or_else(|| invalid("AutoEnable is required"))?;
    let standards = get_str(body, "AutoEnableStandards");
    if let Some(s) = standards
        && !matches!(s, "NONE" | "DEFAULT")
    {
        return Err(invalid(format!(
            "AutoEnableStandards `{s}` is not NONE or DEFAULT"
        )));
    }
    let ctype =
        get(body, "OrganizationConfiguration").and_then(|o| get_str(o, "ConfigurationType"));
    if let Some(t) = ctype
        && !matches!(t, "CENTRAL" | "LOCAL")
    {
        return Err(invalid(format!(
            "ConfigurationType `{t}` is not CENTRAL or LOCAL"
        )));
    }
    // AWS's documented switch sends no AutoEnableStandards (the switch sets NONE); what it
    // refuses, with this message, is auto-enable asked for under or with CENTRAL.
    // Under CENTRAL, in the home region and the linked regions alike.
    let central = match ctype {
        Some(t) => t == "CENTRAL",
        None => super::central::reach_in(w, &cx.region).is_some(),
    };
    if central && (auto_enable || standards == Some("DEFAULT")) {
        return Err(invalid(
            "Auto Enable and AutoEnableStandards can not be enabled for Central Configuration",
        ));
    }
    if let Some(reach) = super::central::reach_in(w, &cx.region) {
        if reach.home != cx.region {
            // A linked region follows its home region; it cannot leave on its own.
            if ctype == Some("LOCAL") {
                return Err(invalid(format!(
                    "Central configuration can only be stopped from the home Region {}",
                    reach.home
                )));
            }
            return Ok(json!({}));
        }
        if ctype == Some("LOCAL") {
            let c = &own(w, cx).central;
            if !c.policies.is_empty() || !c.assocs.is_empty() {
                return Err(super::conflict(
                    "Central configuration cannot be stopped while configuration policies or policy associations exist; disassociate and delete them first",
                ));
            }
            // The linked regions go back too, with the auto-enable central configuration
            // left them (off; what AWS leaves there is undocumented).
            for r in reach.regions.iter().filter(|r| **r != reach.home) {
                super::sh(w, &cx.account, r).org_config = Some(OrgConfig {
                    auto_enable: false,
                    auto_enable_standards: "NONE".into(),
                    configuration_type: "LOCAL".into(),
                    switched_at: Some(cx.now),
                });
            }
        }
    } else if ctype == Some("CENTRAL") {
        let home = super::aggregator::find_aggregator(w, &cx.account).map(|(h, _)| h.to_string());
        if home.as_deref() != Some(cx.region.as_str()) {
            return Err(invalid(
                "Central configuration needs a home Region: create a finding aggregator in this Region first",
            ));
        }
        if w.management_account() == Some(cx.account.as_str()) {
            return Err(invalid(
                "The organization management account cannot be the delegated administrator for central configuration",
            ));
        }
    }
    let c = own(w, cx).org_config.get_or_insert_with(OrgConfig::default);
    c.auto_enable = auto_enable;
    if let Some(s) = standards {
        c.auto_enable_standards = s.to_string();
    } else if central {
        c.auto_enable_standards = "NONE".to_string();
    }
    if let Some(t) = ctype
        && c.configuration_type != t
    {
        c.configuration_type = t.to_string();
        c.switched_at = Some(cx.now);
    }
    Ok(json!({}))
}
