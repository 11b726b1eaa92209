//! Analyzers (API.md §5): by name; at most one account-level analyzer of a type per region,
//! five organisation ones of a type per account, one organisation internal-access analyzer per
//! organisation; organisation analyzers only in the management account or Access Analyzer's
//! delegated administrator; `unusedAccessAge` only on the `*_UNUSED_ACCESS` types.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::archive_rules::check_filter;
use super::state::{Analyzer, ArchiveRule, analyzer_arn};
use super::{
    ANALYZER, RULE, analyzer, analyzer_name, conflict, paged, quota, valid_name, validation,
    with_token,
};
use crate::http::Cx;
use crate::organizations::delegated::{ACCESS_ANALYZER, is_registered};
use crate::route::Input;
use crate::util::{self, ApiError, Res, get_arr, get_i64, get_str, iso_now, object};
use crate::world::World;

const TYPES: [&str; 6] = [
    "ACCOUNT",
    "ORGANIZATION",
    "ACCOUNT_UNUSED_ACCESS",
    "ORGANIZATION_UNUSED_ACCESS",
    "ACCOUNT_INTERNAL_ACCESS",
    "ORGANIZATION_INTERNAL_ACCESS",
];
const DEFAULT_UNUSED_ACCESS_AGE: u32 = 90;

/// `configuration.unusedAccess.unusedAccessAge`, checked against the type.
fn unused_access_age(body: &Value, analyzer_type: &str) -> Result<Option<u32>, ApiError> {
    let Some(conf) = util::get(body, "configuration") else {
        return Ok(None);
    };
    if let Some(unused) = util::get(conf, "unusedAccess") {
        if !analyzer_type.ends_with("_UNUSED_ACCESS") {
            return Err(validation(format!(
                "unusedAccess configuration is not supported for analyzers of type {analyzer_type}"
            )));
        }
        return match get_i64(unused, "unusedAccessAge") {
            None => Ok(None),
            Some(age) if (1..=365).contains(&age) => Ok(Some(age as u32)),
            Some(age) => Err(validation(format!(
                "unusedAccessAge must be between 1 and 365, got {age}"
            ))),
        };
    }
    if util::get(conf, "internalAccess").is_some() && !analyzer_type.ends_with("_INTERNAL_ACCESS") {
        return Err(validation(format!(
            "internalAccess configuration is not supported for analyzers of type {analyzer_type}"
        )));
    }
    Ok(None)
}

fn analyzer_json(name: &str, a: &Analyzer, with_configuration: bool) -> Value {
    let mut v = json!({
        "arn": a.arn,
        "name": name,
        "type": a.analyzer_type,
        "createdAt": a.created_at,
        "status": "ACTIVE",
        "tags": {},
    });
    if with_configuration && a.analyzer_type.ends_with("_UNUSED_ACCESS") {
        v["configuration"] = json!({ "unusedAccess": { "unusedAccessAge": a.unused_access_age.unwrap_or(DEFAULT_UNUSED_ACCESS_AGE) } });
    }
    v
}

pub fn create(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let name = get_str(body, "analyzerName")
        .ok_or_else(|| validation("analyzerName is required"))?
        .to_string();
    if !valid_name(&name) {
        return Err(validation(format!("analyzerName {name} is not valid")));
    }
    let analyzer_type = get_str(body, "type")
        .filter(|t| TYPES.contains(t))
        .ok_or_else(|| validation("type is required and must be a valid type"))?;
    let age = unused_access_age(body, analyzer_type)?;
    let mut rules = BTreeMap::new();
    let now = iso_now();
    for r in get_arr(body, "archiveRules")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let rule_name = get_str(r, "ruleName")
            .filter(|n| valid_name(n))
            .ok_or_else(|| validation("archiveRules[].ruleName is not valid"))?;
        let filter = check_filter(r)?;
        if rules
            .insert(
                rule_name.to_string(),
                ArchiveRule {
                    filter,
                    created_at: now.clone(),
                    updated_at: now.clone(),
                },
            )
            .is_some()
        {
            return Err(validation(format!(
                "archive rule {rule_name} is given twice"
            )));
        }
    }
    if rules.len() > 100 {
        return Err(quota(
            "An analyzer has at most 100 archive rules.",
            &name,
            RULE,
        ));
    }
    let organisational = analyzer_type.starts_with("ORGANIZATION");
    if organisational && !w.in_org(&cx.account) {
        return Err(validation(format!(
            "Account {} is not part of an organization.",
            cx.account
        )));
    }
    // The organisation is the zone of trust only for its management account and Access
    // Analyzer's delegated administrator (API.md §5).
    if organisational
        && w.management_account() != Some(cx.account.as_str())
        && !is_registered(w, ACCESS_ANALYZER, &cx.account)
    {
        return Err(ApiError::new(
            403,
            "AccessDeniedException",
            format!("Account {} is not a delegated administrator", cx.account),
        ));
    }
    // One organisation-level internal-access analyzer per organisation per region.
    if analyzer_type == "ORGANIZATION_INTERNAL_ACCESS" {
        let accounts: Vec<String> = w
            .management_account()
            .map(str::to_string)
            .into_iter()
            .chain(w.org().accounts.iter().map(|a| a.id.as_str().to_string()))
            .collect();
        let held = accounts.iter().any(|a| {
            w.scope_ref(a, &cx.region).is_some_and(|s| {
                s.analyzer
                    .analyzers
                    .values()
                    .any(|x| x.analyzer_type == analyzer_type)
            })
        });
        if held {
            return Err(quota(
                "Your organization already has an organization-level internal access analyzer in this Region.",
                &name,
                ANALYZER,
            ));
        }
    }
    let state = &mut w.scope(&cx.account, &cx.region).analyzer;
    if state.analyzers.contains_key(&name) {
        return Err(conflict(
            format!("Analyzer {name} already exists."),
            &name,
            ANALYZER,
        ));
    }
    let same_type = state
        .analyzers
        .values()
        .filter(|a| a.analyzer_type == analyzer_type)
        .count();
    let limit = match analyzer_type {
        "ORGANIZATION_INTERNAL_ACCESS" => 1,
        t if t.starts_with("ORGANIZATION") => 5,
        _ => 1,
    };
    if same_type >= limit {
        return Err(quota(
            format!(
                "You have reached the quota of {limit} analyzer(s) of type {analyzer_type} in this Region."
            ),
            &name,
            ANALYZER,
        ));
    }
    let age = if analyzer_type.ends_with("_UNUSED_ACCESS") {
        Some(age.unwrap_or(DEFAULT_UNUSED_ACCESS_AGE))
    } else {
        None
    };
    let arn = analyzer_arn(&cx.region, &cx.account, &name);
    state.analyzers.insert(
        name,
        Analyzer {
            arn: arn.clone(),
            analyzer_type: analyzer_type.to_string(),
            unused_access_age: age,
            rules,
            created_at: now,
        },
    );
    Ok(json!({ "arn": arn }))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let wanted = i.query("type");
    if let Some(t) = wanted
        && !TYPES.contains(&t)
    {
        return Err(validation(format!("type {t} is not valid")));
    }
    let all: Vec<Value> = w
        .scope(&cx.account, &cx.region)
        .analyzer
        .analyzers
        .iter()
        .filter(|(_, a)| wanted.is_none_or(|t| a.analyzer_type == t))
        .map(|(n, a)| analyzer_json(n, a, false))
        .collect();
    let (items, next) = paged(&all, i, cx)?;
    Ok(with_token(object([("analyzers", items.into())]), next))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = analyzer_name(i);
    let a = analyzer(w, cx, name)?;
    Ok(json!({ "analyzer": analyzer_json(name, a, true) }))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = analyzer_name(i);
    analyzer(w, cx, name)?;
    w.scope(&cx.account, &cx.region)
        .analyzer
        .analyzers
        .remove(name);
    Ok(json!({}))
}

pub fn update(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let a = analyzer(w, cx, analyzer_name(i))?;
    if !a.analyzer_type.ends_with("_UNUSED_ACCESS") {
        return Err(validation(format!(
            "Analyzers of type {} have no configuration to update",
            a.analyzer_type
        )));
    }
    if let Some(age) = unused_access_age(&i.body, &a.analyzer_type)? {
        a.unused_access_age = Some(age);
    }
    Ok(
        json!({ "configuration": { "unusedAccess": { "unusedAccessAge": a.unused_access_age.unwrap_or(DEFAULT_UNUSED_ACCESS_AGE) } } }),
    )
}
