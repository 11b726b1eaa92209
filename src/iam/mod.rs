//! `shubctl iam`: the IAM policy documents a policy needs, built from the kind table's `read`
//! and `write` columns (the same operations the AWS provider calls), so they cannot drift from
//! the code. Pure: the policy in, documents out.
//!
//! Roles:
//! * `plan` — everything `plan`, `snapshot` and `doctor` call, read-only, as one document;
//! * `apply` — `plan` and the write actions of the declared kinds, as one document (a single
//!   account, or one principal for everything);
//! * `management` — the principal shubctl runs as in the management account: Organizations,
//!   the designation of delegated administrators, assuming the member role, and the kinds'
//!   actions in its own account;
//! * `member` — the role assumed in the other accounts: its permissions and its trust policy
//!   (the management account, with the external ID when the policy has one).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{Value, json};

use crate::model::iam::{
    self, APPLY_LOCK, ASSUME_ROLE, CREATE_SERVICE_LINKED_ROLE, DOCTOR, ENABLED_REGIONS,
    ORGANIZATION_READ, kind_actions,
};
use crate::model::{Kind, Service};
use crate::spec::Policy;

/// AWS's limit on a managed policy's size (characters, whitespace not counted).
pub const MANAGED_POLICY_LIMIT: usize = 6_144;
/// AWS's limit on the inline policies of one role, together.
pub const INLINE_ROLE_LIMIT: usize = 10_240;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Plan,
    Apply,
    Management,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Plan => "plan",
            Role::Apply => "apply",
            Role::Management => "management",
            Role::Member => "member",
        }
    }
    fn writes(self) -> bool {
        self != Role::Plan
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IamError {
    #[error(
        "the `{0}` role is for an organisation; this policy manages one account: use --role plan or --role apply"
    )]
    NeedsOrganization(&'static str),
}

/// The documents of one role.
#[derive(Clone, Debug, PartialEq)]
pub struct Documents {
    pub role: Role,
    /// The member role's name (`organization.role`), for organisations.
    pub role_name: Option<String>,
    /// The identity policy (permissions).
    pub permissions: Value,
    /// The member role's trust policy.
    pub trust: Option<Value>,
}

/// The actions a role needs for a policy.
pub fn actions(policy: &Policy, role: Role) -> Result<BTreeSet<&'static str>, IamError> {
    let org = policy.organization.as_ref();
    if org.is_none() && matches!(role, Role::Management | Role::Member) {
        return Err(IamError::NeedsOrganization(role.as_str()));
    }
    let services: BTreeSet<Service> = policy.declared_services().into_iter().collect();
    let mut out: BTreeSet<&'static str> = BTreeSet::new();
    for kind in policy.declared_kinds() {
        if role == Role::Member && kind.held_by_management() {
            continue;
        }
        out.extend(kind_actions(kind, false, &services));
        if role.writes() {
            out.extend(kind_actions(kind, true, &services));
        }
    }
    out.extend(DOCTOR);
    // The apply lock is kept in the administrator's account, reached through the member role
    // (or, without an organisation, the caller's own).
    let admin_is_management = org.is_some_and(|o| o.admin == o.management);
    if matches!(role, Role::Member | Role::Apply)
        || (role == Role::Management && admin_is_management)
    {
        out.extend(APPLY_LOCK);
    }
    // `doctor` reads whether the integrated services it expects are on.
    for kind in policy
        .expected_services()
        .into_iter()
        .filter_map(|s| s.account_kind())
    {
        if !(role == Role::Member && kind.held_by_management()) {
            out.extend(kind_actions(kind, false, &services));
        }
    }
    // The caller's own calls: every role but the member role runs shubctl. (Identifying the
    // caller, sts:GetCallerIdentity, needs no permission.)
    if role != Role::Member {
        if org.is_some() {
            out.extend(ORGANIZATION_READ);
            out.insert(ASSUME_ROLE);
        }
        if policy.regions.as_ref().is_some_and(|r| r.include.is_none()) {
            out.extend(ENABLED_REGIONS);
        }
    }
    Ok(out)
}

/// Statement ids by service prefix.
fn sid(prefix: &str) -> String {
    match prefix {
        "securityhub" => "SecurityHub".into(),
        "guardduty" => "GuardDuty".into(),
        "inspector2" => "Inspector".into(),
        "macie2" => "Macie".into(),
        "access-analyzer" => "AccessAnalyzer".into(),
        "organizations" => "Organizations".into(),
        "sts" => "Sts".into(),
        "config" => "Config".into(),
        "account" => "Account".into(),
        other => other
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect(),
    }
}

/// The services whose service-linked roles the role may create: those of the kinds it writes
/// that list `iam:CreateServiceLinkedRole`.
fn linked_role_services(policy: &Policy, role: Role) -> Vec<&'static str> {
    if !role.writes() {
        return vec![];
    }
    let mut out: BTreeSet<&'static str> = BTreeSet::new();
    for kind in policy.declared_kinds() {
        let wants = kind.info().write.contains(&CREATE_SERVICE_LINKED_ROLE);
        if let (true, Some(s)) = (wants, Kind::service(kind, None)) {
            out.extend(s.linked_role_services());
        }
    }
    out.into_iter().collect()
}

/// The documents of `role` for `policy`.
pub fn documents(policy: &Policy, role: Role) -> Result<Documents, IamError> {
    let actions = actions(policy, role)?;
    let org = policy.organization.as_ref();
    let role_name = org.map(|o| o.role.clone());
    let mut by_prefix: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in &actions {
        if *a == ASSUME_ROLE || *a == CREATE_SERVICE_LINKED_ROLE {
            continue;
        }
        by_prefix.entry(iam::prefix(a)).or_default().push(a);
    }
    let mut statements: Vec<Value> = by_prefix
        .into_iter()
        .map(|(p, list)| {
            json!({ "Sid": sid(p), "Effect": "Allow", "Action": list, "Resource": "*" })
        })
        .collect();
    // ARNs in the policy's partition (the home region's): `arn:aws:` matches nothing in China
    // or GovCloud.
    let partition = crate::model::catalog::partition_of(
        policy
            .regions
            .as_ref()
            .map_or("us-east-1", |r| r.home.as_str()),
    )
    .name;
    if actions.contains(ASSUME_ROLE)
        && let Some(name) = &role_name
    {
        statements.push(json!({
            "Sid": "AssumeMemberRole",
            "Effect": "Allow",
            "Action": [ASSUME_ROLE],
            "Resource": format!("arn:{partition}:iam::*:role/{name}"),
        }));
    }
    let linked = linked_role_services(policy, role);
    if actions.contains(CREATE_SERVICE_LINKED_ROLE) && !linked.is_empty() {
        statements.push(json!({
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": [CREATE_SERVICE_LINKED_ROLE],
            "Resource": format!("arn:{partition}:iam::*:role/aws-service-role/*"),
            "Condition": { "StringEquals": { "iam:AWSServiceName": linked } },
        }));
    }
    let trust = (role == Role::Member).then(|| {
        let o = org.expect("checked by actions()");
        let mut st = json!({
            "Sid": "ShubctlFromTheManagementAccount",
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:{partition}:iam::{}:root", o.management) },
            "Action": ASSUME_ROLE,
        });
        if let Some(id) = &o.external_id {
            st["Condition"] = json!({ "StringEquals": { "sts:ExternalId": id } });
        }
        json!({ "Version": "2012-10-17", "Statement": [st] })
    });
    Ok(Documents {
        role,
        role_name,
        permissions: json!({ "Version": "2012-10-17", "Statement": statements }),
        trust,
    })
}

/// A policy document's size as AWS counts it (no whitespace).
pub fn size(doc: &Value) -> usize {
    serde_json::to_string(doc).map(|s| s.len()).unwrap_or(0)
}

/// A warning when the permissions are too large for a managed policy.
pub fn size_warning(d: &Documents) -> Option<String> {
    let n = size(&d.permissions);
    (n > MANAGED_POLICY_LIMIT).then(|| {
        format!(
            "the `{}` permissions are {n} characters: more than a managed policy takes ({MANAGED_POLICY_LIMIT}); attach them as an inline role policy (up to {INLINE_ROLE_LIMIT}) or split the statements across two managed policies",
            d.role.as_str()
        )
    })
}

/// `--format json`: one versioned object holding the documents (`jq .permissions`).
pub fn render_json(d: &Documents) -> String {
    let mut v = json!({
        "format_version": 1,
        "role": d.role.as_str(),
    });
    if let Some(n) = &d.role_name {
        v["role_name"] = json!(n);
    }
    v["permissions"] = d.permissions.clone();
    if let Some(t) = &d.trust {
        v["trust"] = t.clone();
    }
    let mut s = serde_json::to_string_pretty(&v).expect("serialisable");
    s.push('\n');
    s
}

fn hcl_list(items: &[Value]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i.as_str().unwrap_or_default()).expect("string"))
        .collect();
    format!("[{}]", quoted.join(", "))
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

/// One `aws_iam_policy_document` data source.
fn hcl_document(out: &mut String, name: &str, doc: &Value) {
    let _ = writeln!(out, "data \"aws_iam_policy_document\" \"{name}\" {{");
    for st in doc["Statement"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "  statement {{");
        if let Some(s) = st["Sid"].as_str() {
            let _ = writeln!(out, "    sid       = {}", json!(s));
        }
        let _ = writeln!(out, "    effect    = \"Allow\"");
        let _ = writeln!(out, "    actions   = {}", hcl_list(&as_list(&st["Action"])));
        if !st["Resource"].is_null() {
            let _ = writeln!(
                out,
                "    resources = {}",
                hcl_list(&as_list(&st["Resource"]))
            );
        }
        if let Some(p) = st["Principal"].as_object() {
            for (kind, ids) in p {
                let _ = writeln!(out, "    principals {{");
                let _ = writeln!(out, "      type        = {}", json!(kind));
                let _ = writeln!(out, "      identifiers = {}", hcl_list(&as_list(ids)));
                let _ = writeln!(out, "    }}");
            }
        }
        if let Some(c) = st["Condition"].as_object() {
            for (test, vars) in c {
                for (var, values) in vars.as_object().into_iter().flatten() {
                    let _ = writeln!(out, "    condition {{");
                    let _ = writeln!(out, "      test     = {}", json!(test));
                    let _ = writeln!(out, "      variable = {}", json!(var));
                    let _ = writeln!(out, "      values   = {}", hcl_list(&as_list(values)));
                    let _ = writeln!(out, "    }}");
                }
            }
        }
        let _ = writeln!(out, "  }}");
    }
    let _ = writeln!(out, "}}");
}

/// `--format terraform`: `aws_iam_policy_document` data sources, named `shubctl_<role>` (and
/// `shubctl_member_trust`).
pub fn render_terraform(d: &Documents) -> String {
    let mut out = format!(
        "# Generated by `shubctl iam --role {}`; regenerate rather than edit.\n",
        d.role.as_str()
    );
    let name = format!("shubctl_{}", d.role.as_str());
    hcl_document(&mut out, &name, &d.permissions);
    if let Some(t) = &d.trust {
        out.push('\n');
        hcl_document(&mut out, &format!("{name}_trust"), t);
    }
    out
}
