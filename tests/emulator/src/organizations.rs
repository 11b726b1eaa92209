//! AWS Organizations over awsJson1_1 (aws-api.md §6), read-only, from the snapshot's
//! `organization`.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use shubctl::model::organization::{AccountInfo, AccountStatus};

use crate::http::{Cx, Request};
use crate::util::{ApiError, Res, fnv, get_i64, get_str, page};
use crate::world::World;

const TARGET_PREFIX: &str = "AWSOrganizationsV20161128.";

const OPERATIONS: &[&str] = &[
    "DescribeOrganization",
    "ListRoots",
    "ListOrganizationalUnitsForParent",
    "ListAccountsForParent",
    "ListAccounts",
    "DescribeAccount",
];

pub fn route(req: &Request) -> Result<String, ApiError> {
    if req.method != "POST" || req.path != "/" {
        return Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!(
                "{} {} is not an Organizations endpoint",
                req.method, req.path
            ),
        ));
    }
    let target = req
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let op = target.strip_prefix(TARGET_PREFIX).unwrap_or_default();
    if !OPERATIONS.contains(&op) {
        return Err(ApiError::new(
            400,
            "UnknownOperationException",
            format!("Operation `{target}` is not emulated"),
        ));
    }
    Ok(op.to_string())
}

pub fn is_mutating(_op: &str) -> bool {
    false
}

fn invalid(reason: &str, m: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidInputException", m).with("Reason", reason)
}
fn denied(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "AccessDeniedException", m)
}

struct Org {
    id: String,
    mgmt: String,
    roots: Vec<String>,
}

impl Org {
    fn of(w: &World) -> Option<Org> {
        let mgmt = w.management_account()?;
        let id = format!("o-{:010x}", fnv(&mgmt) & 0xff_ffff_ffff);
        let mut roots: BTreeSet<String> = w
            .org
            .accounts
            .iter()
            .map(|a| a.parent.clone())
            .chain(w.org.ous.iter().map(|o| o.parent.clone()))
            .filter(|p| p.starts_with("r-"))
            .collect();
        if roots.is_empty() {
            roots.insert(format!("r-{:04x}", fnv(&id) & 0xffff));
        }
        Some(Org {
            id,
            mgmt,
            roots: roots.into_iter().collect(),
        })
    }
    fn arn(&self, kind: &str, id: &str) -> String {
        format!(
            "arn:aws:organizations::{}:{kind}/{}/{id}",
            self.mgmt, self.id
        )
    }
    /// `o-…/r-…/ou-…/` down to `node`.
    fn path(&self, w: &World, node: &str) -> String {
        let mut chain = vec![node.to_string()];
        let mut cur = node.to_string();
        for _ in 0..=w.org.ous.len() {
            match w.org.ous.iter().find(|o| o.id == cur) {
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
    fn account_json(&self, w: &World, a: &AccountInfo) -> Value {
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
            "Paths": [format!("{}{id}/", self.path(w, &a.parent))],
        })
    }
    /// Every account, the management account included even when the snapshot lists only members.
    fn accounts(&self, w: &World) -> Vec<AccountInfo> {
        let mut all = w.org.accounts.clone();
        if !all.iter().any(|a| a.id.as_str() == self.mgmt)
            && let Ok(id) = shubctl::model::AccountId::parse(&self.mgmt)
        {
            all.insert(
                0,
                AccountInfo {
                    id,
                    name: "management".into(),
                    status: AccountStatus::Active,
                    parent: self.roots[0].clone(),
                },
            );
        }
        all
    }
}

pub fn handle(w: &mut World, cx: &Cx, op: &str, req: &Request) -> Res {
    let body = req.json().map_err(|e| {
        ApiError::new(
            400,
            "SerializationException",
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    let org = match Org::of(w) {
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
    if op != "DescribeOrganization" && cx.account != org.mgmt {
        return Err(denied(format!(
            "You don't have permissions to access this resource: account {} is not the management account of the organization.",
            cx.account
        )));
    }
    let paged = |items: Vec<Value>| {
        page(
            &items,
            get_str(&body, "NextToken"),
            get_i64(&body, "MaxResults"),
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
    };
    let with_token = |key: &str, items: Vec<Value>, next: Option<String>| {
        let mut out = json!({ key: items });
        if let Some(t) = next {
            out["NextToken"] = json!(t);
        }
        out
    };
    let parent_exists =
        |p: &str| org.roots.iter().any(|r| r == p) || w.org.ous.iter().any(|o| o.id == p);
    match op {
        "DescribeOrganization" => Ok(json!({
            "Organization": {
                "Id": org.id,
                "Arn": format!("arn:aws:organizations::{}:organization/{}", org.mgmt, org.id),
                "FeatureSet": "ALL",
                "MasterAccountArn": org.arn("account", &org.mgmt),
                "MasterAccountId": org.mgmt,
                "MasterAccountEmail": format!("aws+{}@example.com", org.mgmt),
                "AvailablePolicyTypes": [],
            }
        })),
        "ListRoots" => {
            let roots = org
                .roots
                .iter()
                .map(|r| json!({ "Id": r, "Arn": org.arn("root", r), "Name": "Root", "PolicyTypes": [] }))
                .collect();
            let (items, next) = paged(roots)?;
            Ok(with_token("Roots", items, next))
        }
        "ListOrganizationalUnitsForParent" => {
            let parent = get_str(&body, "ParentId")
                .ok_or_else(|| invalid("INPUT_REQUIRED", "ParentId is required"))?;
            if !parent_exists(parent) {
                return Err(ApiError::new(
                    400,
                    "ParentNotFoundException",
                    format!("We can't find a root or OU with the ParentId `{parent}`."),
                ));
            }
            let ous = w
                .org
                .ous
                .iter()
                .filter(|o| o.parent == parent)
                .map(|o| json!({ "Id": o.id, "Arn": org.arn("ou", &o.id), "Name": o.name, "Path": org.path(w, &o.id) }))
                .collect();
            let (items, next) = paged(ous)?;
            Ok(with_token("OrganizationalUnits", items, next))
        }
        "ListAccountsForParent" => {
            let parent = get_str(&body, "ParentId")
                .ok_or_else(|| invalid("INPUT_REQUIRED", "ParentId is required"))?;
            if !parent_exists(parent) {
                return Err(ApiError::new(
                    400,
                    "ParentNotFoundException",
                    format!("We can't find a root or OU with the ParentId `{parent}`."),
                ));
            }
            let accts = org
                .accounts(w)
                .iter()
                .filter(|a| a.parent == parent)
                .map(|a| org.account_json(w, a))
                .collect();
            let (items, next) = paged(accts)?;
            Ok(with_token("Accounts", items, next))
        }
        "ListAccounts" => {
            let accts = org
                .accounts(w)
                .iter()
                .map(|a| org.account_json(w, a))
                .collect();
            let (items, next) = paged(accts)?;
            Ok(with_token("Accounts", items, next))
        }
        "DescribeAccount" => {
            let id = get_str(&body, "AccountId")
                .ok_or_else(|| invalid("INPUT_REQUIRED", "AccountId is required"))?;
            let all = org.accounts(w);
            let a = all.iter().find(|a| a.id.as_str() == id).ok_or_else(|| {
                ApiError::new(
                    400,
                    "AccountNotFoundException",
                    format!("We can't find an account with the AccountId `{id}`."),
                )
            })?;
            Ok(json!({ "Account": org.account_json(w, a) }))
        }
        other => Err(ApiError::new(
            400,
            "UnknownOperationException",
            format!("{other} is not emulated"),
        )),
    }
}
