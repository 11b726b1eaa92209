//! AWS Organizations over awsJson1_1 (API.md §6): the organisation from the snapshot's
//! `organization` (read-only), and service control policies ([`policies`]). The operation is
//! named by the `X-Amz-Target` header.

pub mod delegated;
pub mod policies;

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};
use shubctl::model::organization::{AccountInfo, AccountStatus, OrgInfo};

use crate::http::{Cx, Request};
use crate::route::{Input, Route, by_target, json_body, route};
use crate::util::{ApiError, Res, fnv, get_i64, get_str, object, page_iter};
use crate::world::World;

const TARGET_PREFIX: &str = "AWSOrganizationsV20161128.";

pub static ROUTES: &[Route] = &[
    route!("POST" "/" => "DescribeOrganization", describe_organization),
    route!("POST" "/" => "ListRoots", list_roots),
    route!("POST" "/" => "ListOrganizationalUnitsForParent", list_ous_for_parent),
    route!("POST" "/" => "ListAccountsForParent", list_accounts_for_parent),
    route!("POST" "/" => "ListAccounts", list_accounts),
    route!("POST" "/" => "DescribeAccount", describe_account),
    route!("POST" "/" => "CreatePolicy", policies::create_policy),
    route!("POST" "/" => "UpdatePolicy", policies::update_policy),
    route!("POST" "/" => "DescribePolicy", policies::describe_policy),
    route!("POST" "/" => "DeletePolicy", policies::delete_policy),
    route!("POST" "/" => "ListPolicies", policies::list_policies),
    route!("POST" "/" => "AttachPolicy", policies::attach_policy),
    route!("POST" "/" => "DetachPolicy", policies::detach_policy),
    route!("POST" "/" => "ListTargetsForPolicy", policies::list_targets_for_policy),
    route!("POST" "/" => "ListPoliciesForTarget", policies::list_policies_for_target),
    route!("POST" "/" => "RegisterDelegatedAdministrator", delegated::register),
    route!("POST" "/" => "DeregisterDelegatedAdministrator", delegated::deregister),
    route!("POST" "/" => "ListDelegatedAdministrators", delegated::list),
    route!("POST" "/" => "EnableAWSServiceAccess", delegated::enable_service_access),
    route!("POST" "/" => "ListAWSServiceAccessForOrganization", delegated::list_service_access),
    route!("POST" "/" => "EnablePolicyType", policies::enable_policy_type),
    route!("POST" "/" => "DisablePolicyType", policies::disable_policy_type),
];

pub fn route(req: &Request) -> Result<&'static Route, ApiError> {
    by_target(req, ROUTES, TARGET_PREFIX, "Organizations")
}

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = json_body(req)?;
    let org = match &w.directory {
        Some(o) if w.in_org(&cx.account) => o,
        _ => {
            return Err(ApiError::new(
                400,
                "AWSOrganizationsNotInUseException",
                "Your account is not a member of an organization.",
            ));
        }
    };
    // Members may describe their organization; everything else is for the management account.
    if route.op != "DescribeOrganization" && cx.account != org.mgmt {
        return Err(denied(format!(
            "You don't have permissions to access this resource: account {} is not the management account of the organization.",
            cx.account
        )));
    }
    policies::busy(w, cx, route.op)?;
    (route.handler)(w, cx, &Input { req, body, labels })
}

fn invalid(reason: &str, m: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidInputException", m).with("Reason", reason)
}
fn denied(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "AccessDeniedException", m)
}

/// What the answers derive from the organisation alone, computed once per load.
pub struct Directory {
    id: String,
    mgmt: String,
    partition: &'static str,
    roots: Vec<String>,
    /// Every account, the management account included even when the snapshot lists only
    /// members.
    accounts: Vec<AccountInfo>,
    /// Parent id → indexes into `accounts`, in order: a parent's page is found without a scan.
    children: HashMap<String, Vec<usize>>,
}

impl Directory {
    /// `None` without a management account: there is no organisation to answer for.
    pub fn of(org: &OrgInfo, mgmt: Option<&str>, partition: &'static str) -> Option<Directory> {
        let mgmt = mgmt?.to_string();
        let id = format!("o-{:010x}", fnv(&mgmt) & 0xff_ffff_ffff);
        let mut roots: BTreeSet<String> = org
            .accounts
            .iter()
            .map(|a| a.parent.clone())
            .chain(org.ous.iter().map(|o| o.parent.clone()))
            .filter(|p| p.starts_with("r-"))
            .collect();
        if roots.is_empty() {
            roots.insert(format!("r-{:04x}", fnv(&id) & 0xffff));
        }
        let roots: Vec<String> = roots.into_iter().collect();
        let mut accounts = org.accounts.clone();
        if !accounts.iter().any(|a| a.id.as_str() == mgmt)
            && let Ok(id) = shubctl::model::AccountId::parse(&mgmt)
        {
            accounts.insert(
                0,
                AccountInfo {
                    id,
                    name: "management".into(),
                    status: AccountStatus::Active,
                    parent: roots[0].clone(),
                },
            );
        }
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in accounts.iter().enumerate() {
            children.entry(a.parent.clone()).or_default().push(i);
        }
        Some(Directory {
            id,
            mgmt,
            partition,
            roots,
            accounts,
            children,
        })
    }
    fn arn(&self, kind: &str, id: &str) -> String {
        format!(
            "arn:{}:organizations::{}:{kind}/{}/{id}",
            self.partition, self.mgmt, self.id
        )
    }
    /// `o-…/r-…/ou-…/` down to `node`.
    fn path(&self, org: &OrgInfo, node: &str) -> String {
        let mut chain = vec![node.to_string()];
        let mut cur = node.to_string();
        for _ in 0..=org.ous.len() {
            match org.ous.iter().find(|o| o.id == cur) {
                Some(ou) => {
                    cur = ou.parent.clone();
                    chain.push(cur.clone());
                }
                None => break,
            }
        }
        chain.reverse();
        format!("{}/{}/", self.id, chain.join("/"))
    }
    fn account_json(&self, org: &OrgInfo, a: &AccountInfo) -> Value {
        let (status, state) = match a.status {
            AccountStatus::Active => ("ACTIVE", "ACTIVE"),
            AccountStatus::Suspended => ("SUSPENDED", "SUSPENDED"),
            AccountStatus::PendingClosure => ("PENDING_CLOSURE", "PENDING_CLOSURE"),
            AccountStatus::Closed => ("SUSPENDED", "CLOSED"),
        };
        let id = a.id.as_str();
        let name = if a.name.is_empty() {
            id.to_string()
        } else {
            a.name.clone()
        };
        json!({
            "Id": id,
            "Arn": self.arn("account", id),
            "Email": format!("aws+{id}@example.com"),
            "Name": name,
            "Status": status,
            "State": state,
            "JoinedMethod": if id == self.mgmt { "CREATED" } else { "INVITED" },
            "JoinedTimestamp": 1_600_000_000.0 + (fnv(id) % 100_000_000) as f64,
            "Paths": [format!("{}{id}/", self.path(org, &a.parent))],
        })
    }
    fn parent_exists(&self, org: &OrgInfo, p: &str) -> bool {
        self.roots.iter().any(|r| r == p) || org.ous.iter().any(|o| o.id == p)
    }
}

/// The directory, checked present by `handle`.
fn directory(w: &World) -> &Directory {
    w.directory.as_ref().expect("checked by handle")
}

/// One page; callers page references and build the page's answers only.
fn paged<I: Iterator>(
    items: I,
    i: &Input,
    cx: &Cx,
) -> Result<(Vec<I::Item>, Option<String>), ApiError> {
    page_iter(
        items,
        get_str(&i.body, "NextToken"),
        get_i64(&i.body, "MaxResults"),
        20,
        cx.cfg.page_size,
        |m| {
            if m.contains("NextToken") {
                invalid("INVALID_NEXT_TOKEN", m)
            } else {
                invalid("MAX_VALUE_EXCEEDED", m)
            }
        },
    )
}

fn with_token(key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = object([(key, items.into())]);
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    out
}

fn parent_id<'a>(w: &World, i: &'a Input) -> Result<&'a str, ApiError> {
    let parent = get_str(&i.body, "ParentId")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "ParentId is required"))?;
    if !directory(w).parent_exists(w.org(), parent) {
        return Err(ApiError::new(
            400,
            "ParentNotFoundException",
            format!("We can't find a root or OU with the ParentId `{parent}`."),
        ));
    }
    Ok(parent)
}

fn describe_organization(w: &mut World, _: &Cx, _: &Input) -> Res {
    let org = directory(w);
    Ok(json!({
        "Organization": {
            "Id": org.id,
            "Arn": format!("arn:{}:organizations::{}:organization/{}", org.partition, org.mgmt, org.id),
            "FeatureSet": "ALL",
            "MasterAccountArn": org.arn("account", &org.mgmt),
            "MasterAccountId": org.mgmt,
            "MasterAccountEmail": format!("aws+{}@example.com", org.mgmt),
            "AvailablePolicyTypes": [],
        }
    }))
}

fn list_roots(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let org = directory(w);
    let (page, next) = paged(org.roots.iter(), i, cx)?;
    let roots = page
        .into_iter()
        .map(|r| policies::root_json(w, cx, r))
        .collect();
    Ok(with_token("Roots", roots, next))
}

fn list_ous_for_parent(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let parent = parent_id(w, i)?;
    let org = directory(w);
    let ous = w.org().ous.iter().filter(|o| o.parent == parent);
    let (page, next) = paged(ous, i, cx)?;
    let ous = page
        .into_iter()
        .map(|o| json!({ "Id": o.id, "Arn": org.arn("ou", &o.id), "Name": o.name, "Path": org.path(w.org(), &o.id) }))
        .collect();
    Ok(with_token("OrganizationalUnits", ous, next))
}

fn list_accounts_for_parent(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let parent = parent_id(w, i)?;
    let org = directory(w);
    let accts = org
        .children
        .get(parent)
        .into_iter()
        .flatten()
        .map(|&n| &org.accounts[n]);
    let (page, next) = paged(accts, i, cx)?;
    let accts = page
        .into_iter()
        .map(|a| org.account_json(w.org(), a))
        .collect();
    Ok(with_token("Accounts", accts, next))
}

fn list_accounts(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let org = directory(w);
    let (page, next) = paged(org.accounts.iter(), i, cx)?;
    let accts = page
        .into_iter()
        .map(|a| org.account_json(w.org(), a))
        .collect();
    Ok(with_token("Accounts", accts, next))
}

fn describe_account(w: &mut World, _: &Cx, i: &Input) -> Res {
    let id = get_str(&i.body, "AccountId")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "AccountId is required"))?;
    let org = directory(w);
    let a = org
        .accounts
        .iter()
        .find(|a| a.id.as_str() == id)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "AccountNotFoundException",
                format!("We can't find an account with the AccountId `{id}`."),
            )
        })?;
    Ok(json!({ "Account": org.account_json(w.org(), a) }))
}
