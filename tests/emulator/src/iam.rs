//! Identity policies (opt-in, [`crate::Config::iam`]): when set, every call needs its
//! operation's IAM action and the dependent actions AWS's Service Authorization Reference and
//! the services' guides list for it, allowed by the calling account's policy documents.
//! A call that is not allowed is refused as AWS refuses it (`AccessDeniedException`, or STS's
//! `AccessDenied`). This table is the emulator's own, written from AWS's documentation and not
//! from shubctl's, so a test that passes with the policies `shubctl iam` prints shows that they
//! are enough.
//!
//! Evaluated: `Effect`, `Action` and `NotAction` (with `*` and `?` wildcards, case-insensitive);
//! an explicit deny wins. Not evaluated: `Resource`, `Condition`, SCPs, permission boundaries,
//! and whether a service-linked role already exists (AWS asks for
//! `iam:CreateServiceLinkedRole` only when it does not; the emulator asks only where the
//! reference lists it as a dependent action).

use std::collections::BTreeMap;

use serde_json::Value;

/// Identity-policy documents (the JSON AWS takes) per calling account; accounts not listed get
/// `others`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IamPolicies {
    pub by_account: BTreeMap<String, Vec<Value>>,
    pub others: Vec<Value>,
}

impl IamPolicies {
    /// The documents that apply to `account`.
    pub fn for_account(&self, account: &str) -> &[Value] {
        self.by_account
            .get(account)
            .map(Vec::as_slice)
            .unwrap_or(&self.others)
    }
}

/// Dependent actions of the operations the emulator serves (SAR "dependent actions", and the
/// GuardDuty, Inspector and Macie guides for designating a delegated administrator).
fn dependent(prefix: &str, op: &str) -> &'static [&'static str] {
    const DESIGNATE: &[&str] = &[
        "organizations:DescribeOrganization",
        "organizations:EnableAWSServiceAccess",
        "organizations:ListAWSServiceAccessForOrganization",
        "organizations:ListDelegatedAdministrators",
        "organizations:RegisterDelegatedAdministrator",
    ];
    const DESIGNATE_MEMBERS: &[&str] = &[
        "organizations:DescribeOrganization",
        "organizations:EnableAWSServiceAccess",
        "organizations:ListAWSServiceAccessForOrganization",
        "organizations:ListDelegatedAdministrators",
        "organizations:RegisterDelegatedAdministrator",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListAccounts",
    ];
    match (prefix, op) {
        ("securityhub", "EnableOrganizationAdminAccount") => DESIGNATE,
        ("securityhub", "DisableOrganizationAdminAccount") => &[
            "organizations:DeregisterDelegatedAdministrator",
            "organizations:DescribeOrganization",
            "organizations:ListDelegatedAdministrators",
        ],
        ("securityhub", "ListOrganizationAdminAccounts") => &[
            "organizations:DescribeOrganization",
            "organizations:ListDelegatedAdministrators",
        ],
        (
            "securityhub",
            "BatchGetStandardsControlAssociations"
            | "BatchGetSecurityControls"
            | "ListStandardsControlAssociations",
        ) => &["securityhub:DescribeStandardsControls"],
        ("securityhub", "UpdateSecurityControl" | "BatchUpdateStandardsControlAssociations") => {
            &["securityhub:UpdateStandardsControl"]
        }
        ("guardduty", "EnableOrganizationAdminAccount") => DESIGNATE_MEMBERS,
        ("inspector2", "EnableDelegatedAdminAccount") => &[
            "organizations:DescribeOrganization",
            "organizations:EnableAWSServiceAccess",
            "organizations:ListAWSServiceAccessForOrganization",
            "organizations:ListDelegatedAdministrators",
            "organizations:RegisterDelegatedAdministrator",
            "organizations:DescribeAccount",
            "organizations:DescribeOrganizationalUnit",
        ],
        ("macie2", "EnableOrganizationAdminAccount") => &[
            "organizations:DescribeOrganization",
            "organizations:EnableAWSServiceAccess",
            "organizations:ListAWSServiceAccessForOrganization",
            "organizations:ListAccounts",
            "organizations:ListDelegatedAdministrators",
            "organizations:RegisterDelegatedAdministrator",
        ],
        ("access-analyzer", "CreateAnalyzer") => &["iam:CreateServiceLinkedRole"],
        // Inspector's member calls (AssociateMember, ListMembers, GetMember,
        // DisassociateMember) list no dependent actions in the reference: their own suffices.
        _ => &[],
    }
}

/// The actions a call needs: `prefix:Operation` (every operation the emulator serves has an
/// action of its own name) and its dependent actions.
pub fn required(prefix: &str, op: &str) -> Vec<String> {
    let mut out = vec![format!("{prefix}:{op}")];
    out.extend(dependent(prefix, op).iter().map(|a| a.to_string()));
    out
}

/// IAM's wildcard match: `*` any run, `?` one character, case-insensitive.
fn glob(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let s: Vec<char> = s.to_ascii_lowercase().chars().collect();
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(st) = star {
            i = st + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Whether a statement's `Action` / `NotAction` covers `action`.
fn covers(statement: &Value, action: &str) -> bool {
    if let Some(a) = statement.get("Action") {
        return strings(a).iter().any(|p| glob(p, action));
    }
    if let Some(n) = statement.get("NotAction") {
        return !strings(n).iter().any(|p| glob(p, action));
    }
    false
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => vec![],
    }
}

/// Whether the documents allow `action`: some statement allows it and none denies it.
pub fn allows(docs: &[Value], action: &str) -> bool {
    let mut allowed = false;
    for st in docs.iter().flat_map(statements) {
        if !covers(st, action) {
            continue;
        }
        match st.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return false,
            Some("Allow") => allowed = true,
            _ => {}
        }
    }
    allowed
}

/// The first action a call needs that the caller's documents do not allow.
pub fn denied(p: &IamPolicies, account: &str, prefix: &str, op: &str) -> Option<String> {
    // "No permissions are required to perform this operation", even under an explicit deny.
    if (prefix, op) == ("sts", "GetCallerIdentity") {
        return None;
    }
    let docs = p.for_account(account);
    required(prefix, op).into_iter().find(|a| !allows(docs, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_and_deny() {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["securityhub:Describe*", "sts:GetCallerIdentity"], "Resource": "*"},
            {"Effect": "Deny", "Action": "securityhub:DescribeProducts", "Resource": "*"},
        ]});
        let docs = [doc];
        assert!(allows(&docs, "securityhub:DescribeHub"));
        assert!(allows(&docs, "SecurityHub:describehub"));
        assert!(!allows(&docs, "securityhub:DescribeProducts"));
        assert!(!allows(&docs, "securityhub:GetFindings"));
        assert!(allows(&docs, "sts:GetCallerIdentity"));
        assert!(glob("*", "x:y"));
        assert!(glob("a?c:*", "abc:D"));
        assert!(!glob("a?c", "ac"));
    }

    #[test]
    fn not_action_and_dependent_actions() {
        let docs = [json!({"Statement": {"Effect": "Allow", "NotAction": "organizations:*"}})];
        assert!(allows(&docs, "securityhub:ListOrganizationAdminAccounts"));
        let p = IamPolicies {
            others: docs.to_vec(),
            ..Default::default()
        };
        assert_eq!(
            denied(&p, "1", "securityhub", "ListOrganizationAdminAccounts").as_deref(),
            Some("organizations:DescribeOrganization")
        );
        assert_eq!(denied(&p, "1", "securityhub", "DescribeHub"), None);
    }
}
