//! Delegated administrators registered through Organizations (API.md §6.2):
//! RegisterDelegatedAdministrator, DeregisterDelegatedAdministrator and
//! ListDelegatedAdministrators, for any service principal; the management account only (as
//! every Organizations call but DescribeOrganization here). IAM Access Analyzer reads them: its
//! organisation analyzers belong to the management account or the account registered for
//! `access-analyzer.amazonaws.com`.

use serde_json::{Value, json};

use super::{directory, invalid, paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_str};
use crate::world::World;

/// Access Analyzer's service principal.
pub const ACCESS_ANALYZER: &str = "access-analyzer.amazonaws.com";

fn fields(i: &Input) -> Result<(String, String), ApiError> {
    let account = get_str(&i.body, "AccountId")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "AccountId is required"))?;
    if !crate::util::is_account_id(account) {
        return Err(invalid(
            "INVALID_PATTERN",
            format!("`{account}` is not an account ID"),
        ));
    }
    let principal = get_str(&i.body, "ServicePrincipal")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "ServicePrincipal is required"))?;
    if principal.is_empty() || principal.len() > 128 {
        return Err(invalid(
            "INVALID_PATTERN",
            "ServicePrincipal must be 1 to 128 characters",
        ));
    }
    Ok((account.to_string(), principal.to_string()))
}

pub fn register(w: &mut World, _: &Cx, i: &Input) -> Res {
    let (account, principal) = fields(i)?;
    let d = directory(w);
    if account == d.mgmt {
        return Err(ApiError::new(
            400,
            "ConstraintViolationException",
            "You cannot register the management account as a delegated administrator.",
        )
        .with(
            "Reason",
            "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
        ));
    }
    if !d.accounts.iter().any(|a| a.id.as_str() == account) {
        return Err(ApiError::new(
            400,
            "AccountNotFoundException",
            format!(
                "We can't find an AWS account with the AccountId `{account}` that you specified."
            ),
        ));
    }
    if !w
        .delegated
        .entry(principal.clone())
        .or_default()
        .insert(account.clone())
    {
        return Err(ApiError::new(
            400,
            "AccountAlreadyRegisteredException",
            format!(
                "The account {account} is already registered as a delegated administrator for {principal}."
            ),
        ));
    }
    Ok(json!({}))
}

pub fn deregister(w: &mut World, _: &Cx, i: &Input) -> Res {
    let (account, principal) = fields(i)?;
    if !directory(w)
        .accounts
        .iter()
        .any(|a| a.id.as_str() == account)
    {
        return Err(ApiError::new(
            400,
            "AccountNotFoundException",
            format!(
                "We can't find an AWS account with the AccountId `{account}` that you specified."
            ),
        ));
    }
    let removed = w
        .delegated
        .get_mut(&principal)
        .is_some_and(|set| set.remove(&account));
    if !removed {
        return Err(ApiError::new(
            400,
            "AccountNotRegisteredException",
            format!(
                "The account {account} is not registered as a delegated administrator for {principal}."
            ),
        ));
    }
    Ok(json!({}))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let principal = get_str(&i.body, "ServicePrincipal");
    let mut ids: Vec<&String> = w
        .delegated
        .iter()
        .filter(|(p, _)| principal.is_none_or(|x| x == p.as_str()))
        .flat_map(|(_, set)| set.iter())
        .collect();
    ids.sort();
    ids.dedup();
    let (page, next) = paged(ids.into_iter(), i, cx)?;
    let d = directory(w);
    let items: Vec<Value> = page
        .into_iter()
        .filter_map(|id| d.accounts.iter().find(|a| a.id.as_str() == id.as_str()))
        .map(|a| {
            let mut v = d.account_json(w.org(), a);
            if let Some(o) = v.as_object_mut() {
                o.remove("State");
                o.remove("Paths");
                o.insert("DelegationEnabledDate".into(), json!(1_700_000_000.0));
            }
            v
        })
        .collect();
    Ok(with_token("DelegatedAdministrators", items, next))
}

/// Whether `account` is registered for `principal`.
pub fn is_registered(w: &World, principal: &str, account: &str) -> bool {
    w.delegated
        .get(principal)
        .is_some_and(|set| set.contains(account))
}

/// EnableAWSServiceAccess: trusted access for a service principal (the management account
/// only, as every call here). AWS's IAM Access Analyzer guide: "you must use AWS Organizations
/// APIs to enable service access for IAM Access Analyzer and register the member account as a
/// delegated administrator". Recorded; what a service does without it is not emulated.
pub fn enable_service_access(w: &mut World, _: &Cx, i: &Input) -> Res {
    let principal = get_str(&i.body, "ServicePrincipal")
        .filter(|p| !p.is_empty() && p.len() <= 128)
        .ok_or_else(|| invalid("INPUT_REQUIRED", "ServicePrincipal is required"))?;
    w.trusted.insert(principal.to_string());
    Ok(json!({}))
}

pub fn list_service_access(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let principals: Vec<&String> = w.trusted.iter().collect();
    let (page, next) = paged(principals.into_iter(), i, cx)?;
    let items: Vec<Value> = page
        .into_iter()
        .map(|p| json!({ "ServicePrincipal": p, "DateEnabled": 1_700_000_000.0 }))
        .collect();
    Ok(with_token("EnabledServicePrincipals", items, next))
}
