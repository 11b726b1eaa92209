//! `guardrails:` — the service control policy that keeps Security Hub and the declared
//! integrated services from being turned off or cut loose from the administrator, attached to
//! the organisation's root or to OUs, with OUs and accounts carved out. shubctl's own role is
//! always exempt (else the SCP would lock shubctl out of its own job), and so are the roles the
//! policy names.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Section;
use super::select::{Member, member};
use crate::model::document::canonical_policy;
use crate::model::catalog::partition_of;
use crate::model::resource::{Empty, MANAGED_PREFIX, ScpValue};
use crate::model::{Kind, OrgInfo, Resource};
use crate::spec::compose::{Composed, Located};
use crate::spec::diagnostics::{Code, Diagnostics, Pos};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guardrails {
    /// The SCP's name, after the `shubctl-` every SCP shubctl manages starts with.
    #[serde(default = "default_name")]
    pub name: String,
    /// The SCP's description (by default, what it denies and whom it exempts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Roles that may still make the denied calls besides shubctl's own (break-glass roles):
    /// role names, or role ARN patterns of the home region's partition such as
    /// `arn:aws:iam::*:role/BreakGlass*` (`arn:aws-cn:…` in China, `arn:aws-us-gov:…` in GovCloud).
    #[serde(default)]
    pub exempt_roles: Vec<String>,
    /// Further actions to deny, as `service:Action`.
    #[serde(default)]
    pub extra_actions: Vec<String>,
    /// Where to attach the SCP: `root`, or root and OU IDs (and account IDs).
    #[serde(default = "default_attach")]
    pub attach_to: Vec<String>,
    /// OUs and accounts to leave out: the SCP is attached to what lies beside them instead.
    #[serde(default)]
    pub exclude: Vec<String>,
}

fn default_name() -> String {
    "protect-security-services".into()
}
fn default_attach() -> Vec<String> {
    vec!["root".into()]
}

pub const KINDS: &[Kind] = &[Kind::ScpPolicyType, Kind::Scp, Kind::ScpAttachment];

/// AWS's limit on an SCP's size, in characters of the document as sent.
pub const SCP_MAX_CHARS: usize = 5_120;

/// What the guardrail denies: turning each service off and cutting accounts loose from its
/// administrator. Security Hub always; the others when the policy declares them. The calls
/// that change a delegated administrator (`DisableOrganizationAdminAccount`,
/// `DisableDelegatedAdminAccount`) are left out: only the management account may make them,
/// and SCPs never restrict the management account, so denying them would protect nothing.
const SECURITY_HUB: &[&str] = &[
    "securityhub:BatchDisableStandards",
    "securityhub:DeleteMembers",
    "securityhub:DisableSecurityHub",
    "securityhub:DisassociateFromAdministratorAccount",
    "securityhub:DisassociateFromMasterAccount",
    "securityhub:DisassociateMembers",
];
const GUARDDUTY: &[&str] = &[
    "guardduty:DeleteDetector",
    "guardduty:DisassociateFromAdministratorAccount",
    "guardduty:DisassociateFromMasterAccount",
];
const INSPECTOR: &[&str] = &[
    "inspector2:Disable",
    "inspector2:DisassociateMember",
];
const MACIE: &[&str] = &[
    "macie2:DisableMacie",
    "macie2:DisassociateFromAdministratorAccount",
    "macie2:DisassociateFromMasterAccount",
];
const ACCESS_ANALYZER: &[&str] = &["access-analyzer:DeleteAnalyzer"];

/// Calls only the management account may make (each service's API reference), which an SCP
/// can therefore never deny: SCPs do not apply to the management account.
pub const MANAGEMENT_ONLY: &[&str] = &[
    "guardduty:DisableOrganizationAdminAccount",
    "guardduty:EnableOrganizationAdminAccount",
    "inspector2:DisableDelegatedAdminAccount",
    "inspector2:EnableDelegatedAdminAccount",
    "macie2:DisableOrganizationAdminAccount",
    "macie2:EnableOrganizationAdminAccount",
    "organizations:DeregisterDelegatedAdministrator",
    "organizations:RegisterDelegatedAdministrator",
    "securityhub:DisableOrganizationAdminAccount",
    "securityhub:EnableOrganizationAdminAccount",
];

/// Where the SCP is attached, as written.
#[derive(Debug, Clone)]
enum AttachTo {
    /// The organisation's root, whatever its ID.
    Root,
    Node(Member),
}

#[derive(Debug, Clone)]
struct Entry<T> {
    what: T,
    text: String,
    pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Checked {
    /// The SCP's name in AWS (`shubctl-…`).
    pub name: String,
    pub value: ScpValue,
    /// The role ARN patterns exempt, shubctl's own first.
    pub exempt: Vec<String>,
    attach_to: Vec<Entry<AttachTo>>,
    exclude: Vec<Entry<Member>>,
    pos: Pos,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let g = c.guardrails.as_ref()?;
    let v = &g.value;
    let pos = c.pos(g, "");
    let Some(org) = &c.organization else {
        d.error(
            &c.key_pos(g),
            Code::NeedsOrganization,
            "guardrails are service control policies of an AWS organisation; this policy manages a single account",
        );
        return None;
    };
    let mut ok = true;
    let name = format!("{MANAGED_PREFIX}{}", v.name);
    if v.name.trim().is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control)
    {
        d.error(
            &c.pos(g, "/name"),
            Code::BadGuardrailName,
            format!("`{name}`: an SCP name is 1–128 characters without control characters"),
        );
        ok = false;
    }
    let (mut actions, actions_ok) = denied(c, g, d);
    ok &= actions_ok;
    // The SCP lives in the home region's partition: a pattern of another never matches there.
    let home = c.regions.as_ref().map(|r| r.value.home.as_str());
    let partition = partition_of(home.unwrap_or_default()).name;
    let (exempt, exempt_ok) = exempt_roles(c, g, partition, &org.value.role, d);
    ok &= exempt_ok;
    let description = v.description.clone().unwrap_or_else(|| {
        format!(
            "Managed by shubctl: denies turning off Security Hub and the integrated services. Exempt: shubctl's own role ({}){}.",
            org.value.role,
            if exempt.len() > 1 {
                format!(" and {} more role(s) the policy names", exempt.len() - 1)
            } else {
                String::new()
            }
        )
    });
    if description.chars().count() > 512 {
        d.error(
            &c.pos(g, "/description"),
            Code::BadGuardrailName,
            "an SCP description is at most 512 characters",
        );
        ok = false;
    }
    actions.sort();
    actions.dedup();
    let content = canonical_policy(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ProtectSecurityServices",
            "Effect": "Deny",
            "Action": actions,
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalARN": exempt}},
        }],
    }));
    // What is sent is the compact form; every character of it counts.
    let size = content.to_string().chars().count();
    if size > SCP_MAX_CHARS {
        let at = if v.extra_actions.is_empty() {
            c.pos(g, "/exempt_roles")
        } else {
            c.pos(g, "/extra_actions")
        };
        d.error(
            &at,
            Code::ScpTooLarge,
            format!(
                "the guardrail SCP would be {size} characters; AWS allows {SCP_MAX_CHARS}: deny fewer extra actions or exempt roles by a wildcard pattern"
            ),
        );
        ok = false;
    }
    let (attach_to, exclude, targets_ok) = targets(c, g, d);
    ok &= targets_ok;
    ok.then(|| Checked {
        name,
        value: ScpValue {
            description,
            content,
        },
        exempt,
        attach_to,
        exclude,
        pos,
    })
}

/// The actions the SCP denies: Security Hub's and the declared services' (sorted later), and
/// the policy's extra ones; false when one is not an action.
fn denied(c: &Composed, g: &Located<Guardrails>, d: &mut Diagnostics) -> (Vec<String>, bool) {
    let v = &g.value;
    let mut ok = true;
    let mut actions: Vec<String> = SECURITY_HUB.iter().map(|a| a.to_string()).collect();
    for (declared, list) in [
        (c.guardduty.is_some(), GUARDDUTY),
        (c.inspector.is_some(), INSPECTOR),
        (c.macie.is_some(), MACIE),
        (c.access_analyzer.is_some(), ACCESS_ANALYZER),
    ] {
        if declared {
            actions.extend(list.iter().map(|a| a.to_string()));
        }
    }
    for (i, a) in v.extra_actions.iter().enumerate() {
        if is_iam_action(a) {
            if MANAGEMENT_ONLY.contains(&a.as_str()) {
                d.warning(
                    &c.pos(g, &format!("/extra_actions/{i}")),
                    Code::ScpCannotRestrict,
                    format!("`{a}` can only be called from the management account, and SCPs never restrict the management account: denying it protects nothing (`shubctl plan` shows a changed delegated administrator as drift on `delegated-admin/<service>`)"),
                );
            }
            actions.push(a.clone());
        } else {
            d.error(
                &c.pos(g, &format!("/extra_actions/{i}")),
                Code::BadIamAction,
                format!("`{a}` is not an action: write `service:Action` (`securityhub:UpdateStandardsControl`)"),
            );
            ok = false;
        }
    }
    (actions, ok)
}

/// The role ARN patterns exempt, shubctl's own first: without it the SCP would deny shubctl the
/// very calls it makes to converge the set-up. False when one is not a role of the partition.
fn exempt_roles(
    c: &Composed,
    g: &Located<Guardrails>,
    partition: &str,
    role: &str,
    d: &mut Diagnostics,
) -> (Vec<String>, bool) {
    let v = &g.value;
    let mut ok = true;
    let own = role_arn(partition, role);
    let mut exempt = vec![own.clone()];
    for (i, r) in v.exempt_roles.iter().enumerate() {
        match exempt_arn(partition, r) {
            Ok(arn) if !exempt.contains(&arn) => exempt.push(arn),
            Ok(_) => {}
            Err(message) => {
                d.error(
                    &c.pos(g, &format!("/exempt_roles/{i}")),
                    Code::BadExemptRole,
                    message,
                );
                ok = false;
            }
        }
    }
    (exempt, ok)
}

/// Where the SCP is attached and the OUs and accounts excluded; false when one is not a root,
/// an OU or an account, or it is attached nowhere.
#[allow(clippy::type_complexity)]
fn targets(
    c: &Composed,
    g: &Located<Guardrails>,
    d: &mut Diagnostics,
) -> (Vec<Entry<AttachTo>>, Vec<Entry<Member>>, bool) {
    let v = &g.value;
    let mut ok = true;
    let mut attach_to = Vec::new();
    for (i, t) in v.attach_to.iter().enumerate() {
        let p = c.pos(g, &format!("/attach_to/{i}"));
        let what = if t == "root" {
            Some(AttachTo::Root)
        } else {
            member(t, &p, d).map(AttachTo::Node)
        };
        match what {
            Some(what) => attach_to.push(Entry {
                what,
                text: t.clone(),
                pos: p,
            }),
            None => ok = false,
        }
    }
    if v.attach_to.is_empty() {
        d.error(
            &c.pos(g, "/attach_to"),
            Code::GuardrailCoversNothing,
            "the guardrail is attached nowhere: give `root` or OU IDs",
        );
        ok = false;
    }
    let mut exclude = Vec::new();
    for (i, t) in v.exclude.iter().enumerate() {
        let p = c.pos(g, &format!("/exclude/{i}"));
        match member(t, &p, d) {
            Some(what) => exclude.push(Entry {
                what,
                text: t.clone(),
                pos: p,
            }),
            None => ok = false,
        }
    }
    (attach_to, exclude, ok)
}

/// `service:Action`, the action possibly with wildcards.
fn is_iam_action(a: &str) -> bool {
    a.split_once(':').is_some_and(|(svc, act)| {
        !svc.is_empty()
            && !act.is_empty()
            && svc
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && act
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
    })
}

/// The pattern that matches a role of this name in every account of the partition.
fn role_arn(partition: &str, name: &str) -> String {
    format!("arn:{partition}:iam::*:role/{name}")
}

/// A role name or role ARN pattern as the ARN pattern the SCP's condition holds, or why it
/// is not one (a role ARN of another partition never matches a principal of this one).
fn exempt_arn(partition: &str, r: &str) -> Result<String, String> {
    let role_chars = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "+=,.@_-/*?".contains(ch))
    };
    let not_a_role = || {
        format!(
            "`{r}` is neither an IAM role name nor a role ARN (`arn:{partition}:iam::*:role/Name`)"
        )
    };
    match r.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let ok = parts.len() == 5
                && !parts[0].is_empty()
                && parts[1] == "iam"
                && parts[2].is_empty()
                && (parts[3] == "*" || parts[3].len() == 12 && parts[3].bytes().all(|b| b.is_ascii_digit()))
                && parts[4].strip_prefix("role/").is_some_and(role_chars);
            if !ok {
                return Err(not_a_role());
            }
            if parts[0] != partition {
                return Err(format!(
                    "`{r}` is a role ARN of partition `{}`, but the policy's home region is in `{partition}`: write `arn:{partition}:…` or the role's name",
                    parts[0]
                ));
            }
            Ok(r.to_string())
        }
        None if role_chars(r) => Ok(role_arn(partition, r)),
        None => Err(not_a_role()),
    }
}

/// Whether `id` (an OU or an account) lies strictly beneath `node`.
fn strictly_under(org: &OrgInfo, id: &str, node: &str) -> bool {
    if id == node {
        return false;
    }
    match org.accounts.iter().find(|a| a.id.as_str() == id) {
        Some(a) => org.is_under(&a.parent, node),
        None => org.is_under(id, node),
    }
}

/// The nodes to attach to so that everything beneath `node` is covered except `excluded`:
/// `node` itself when nothing beneath it is excluded, else its children's covers.
fn cover(org: &OrgInfo, node: &str, excluded: &[&str], out: &mut Vec<String>) {
    if excluded.contains(&node) {
        return;
    }
    if !excluded.iter().any(|e| strictly_under(org, e, node)) {
        out.push(node.to_string());
        return;
    }
    for child in org.children(node) {
        cover(org, child, excluded, out);
    }
}

impl Checked {
    /// The roots, OUs and accounts the SCP is to be attached to, sorted.
    pub fn targets(&self, org: &OrgInfo) -> Vec<String> {
        let excluded: Vec<&str> = self.exclude.iter().map(|e| e.text.as_str()).collect();
        let mut out = Vec::new();
        for t in &self.attach_to {
            let nodes = match &t.what {
                AttachTo::Root => org.roots().into_iter().map(str::to_string).collect(),
                AttachTo::Node(_) => vec![t.text.clone()],
            };
            for n in nodes {
                cover(org, &n, &excluded, &mut out);
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

fn known(org: &OrgInfo, m: &Member) -> bool {
    match m {
        Member::Account(a) => org.account(a).is_some(),
        Member::Unit(u) => org.knows_parent(u),
    }
}

impl Section for Checked {
    fn check_org(&self, x: &Expansion<'_>, d: &mut Diagnostics) {
        let org = x.org;
        for t in &self.attach_to {
            match &t.what {
                AttachTo::Root if org.roots().is_empty() => d.error(
                    &t.pos,
                    Code::NoOrganizationAccounts,
                    "the state source reports no organisation root to attach the guardrail to",
                ),
                AttachTo::Node(m) if !known(org, m) => d.error(
                    &t.pos,
                    Code::NotInOrganization,
                    format!("`{}` is not in the organisation", t.text),
                ),
                _ => {}
            }
        }
        for e in &self.exclude {
            // An error, not a warning: a mistyped exclusion would put the SCP on exactly what
            // the user meant to leave out.
            if !known(org, &e.what) {
                d.error(
                    &e.pos,
                    Code::NotInOrganization,
                    format!(
                        "`{}` is not in the organisation; the guardrail would be attached to what it was meant to leave out",
                        e.text
                    ),
                );
                continue;
            }
            let beneath = self.attach_to.iter().any(|t| match &t.what {
                AttachTo::Root => true,
                AttachTo::Node(_) => strictly_under(org, &e.text, &t.text) || e.text == t.text,
            });
            if !beneath {
                d.warning(
                    &e.pos,
                    Code::ExclusionNoEffect,
                    format!(
                        "`{}` is not beneath any target the guardrail is attached to; excluding it has no effect",
                        e.text
                    ),
                );
            }
        }
        if !d.has_errors() && self.targets(org).is_empty() {
            d.error(
                &self.pos,
                Code::GuardrailCoversNothing,
                "the exclusions leave nothing to attach the guardrail to",
            );
        }
    }

    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        let Some(mgmt) = &x.management else { return };
        // Organizations is global: its scope is the global region of the home region's
        // partition (us-east-1, cn-northwest-1, us-gov-west-1).
        let at = out.at(mgmt, partition_of(x.home).global_region);
        for k in KINDS {
            at.read(*k);
        }
        at.want(Kind::ScpPolicyType, None, Resource::ScpPolicyType(Empty {}));
        at.want(
            Kind::Scp,
            Some(self.name.clone()),
            Resource::Scp(self.value.clone()),
        );
        for t in self.targets(x.org) {
            at.want(
                Kind::ScpAttachment,
                Some(format!("{}@{t}", self.name)),
                Resource::ScpAttachment(Empty {}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountId;
    use crate::model::organization::{AccountInfo, AccountStatus, OuInfo};

    fn org() -> OrgInfo {
        let acct = |id: &str, parent: &str| AccountInfo {
            id: AccountId::parse(id).unwrap(),
            name: String::new(),
            status: AccountStatus::Active,
            parent: parent.into(),
        };
        let ou = |id: &str, parent: &str| OuInfo {
            id: id.into(),
            name: String::new(),
            parent: parent.into(),
        };
        OrgInfo {
            accounts: vec![
                acct("111111111111", "r-abcd"),
                acct("222222222222", "ou-abcd-security"),
                acct("333333333333", "ou-abcd-workload"),
                acct("444444444444", "ou-abcd-workload"),
            ],
            ous: vec![
                ou("ou-abcd-security", "r-abcd"),
                ou("ou-abcd-workload", "r-abcd"),
                ou("ou-abcd-sandbox1", "r-abcd"),
            ],
            ..Default::default()
        }
    }

    fn checked(attach: &[&str], exclude: &[&str]) -> Checked {
        let entry = |t: &&str| Entry {
            what: if *t == "root" {
                AttachTo::Root
            } else {
                AttachTo::Node(Member::Unit(t.to_string()))
            },
            text: t.to_string(),
            pos: Pos::file("x"),
        };
        Checked {
            name: "shubctl-x".into(),
            value: ScpValue {
                description: String::new(),
                content: json!({}),
            },
            exempt: vec![],
            attach_to: attach.iter().map(entry).collect(),
            exclude: exclude
                .iter()
                .map(|t| Entry {
                    what: match AccountId::parse(t) {
                        Ok(a) => Member::Account(a),
                        Err(_) => Member::Unit(t.to_string()),
                    },
                    text: t.to_string(),
                    pos: Pos::file("x"),
                })
                .collect(),
            pos: Pos::file("x"),
        }
    }

    #[test]
    fn exclusions_are_carved_out_by_attaching_beside_them() {
        let o = org();
        assert_eq!(checked(&["root"], &[]).targets(&o), ["r-abcd"]);
        assert_eq!(
            checked(&["root"], &["ou-abcd-sandbox1"]).targets(&o),
            ["111111111111", "ou-abcd-security", "ou-abcd-workload"]
        );
        // An excluded account deep down: its OU is split into its other accounts.
        assert_eq!(
            checked(&["root"], &["444444444444"]).targets(&o),
            [
                "111111111111",
                "333333333333",
                "ou-abcd-sandbox1",
                "ou-abcd-security"
            ]
        );
        assert_eq!(
            checked(&["ou-abcd-workload"], &["ou-abcd-workload"]).targets(&o),
            Vec::<String>::new()
        );
    }

    /// No built-in action is one only the management account may call: the SCP would claim a
    /// protection it cannot give.
    #[test]
    fn the_scp_denies_nothing_only_the_management_account_can_call() {
        for list in [SECURITY_HUB, GUARDDUTY, INSPECTOR, MACIE, ACCESS_ANALYZER] {
            for a in list {
                assert!(!MANAGEMENT_ONLY.contains(a), "{a}");
            }
        }
    }

    #[test]
    fn actions_and_roles() {
        assert!(is_iam_action("securityhub:UpdateStandardsControl"));
        assert!(is_iam_action("access-analyzer:Delete*"));
        assert!(!is_iam_action("securityhub"));
        assert!(!is_iam_action("SecurityHub:Disable"));
        assert!(!is_iam_action("securityhub:Disable Hub"));
        assert_eq!(
            exempt_arn("aws", "BreakGlass").as_deref(),
            Ok("arn:aws:iam::*:role/BreakGlass")
        );
        assert_eq!(
            exempt_arn("aws-cn", "BreakGlass").as_deref(),
            Ok("arn:aws-cn:iam::*:role/BreakGlass")
        );
        assert!(exempt_arn("aws", "arn:aws:iam::*:role/Break*").is_ok());
        assert!(exempt_arn("aws", "arn:aws:iam::123456789012:role/x").is_ok());
        assert!(exempt_arn("aws-us-gov", "arn:aws-us-gov:iam::*:role/x").is_ok());
        assert!(exempt_arn("aws-cn", "arn:aws:iam::*:role/x").is_err());
        assert!(exempt_arn("aws", "arn:aws:iam::*:user/x").is_err());
        assert!(exempt_arn("aws", "arn:aws:s3:::bucket").is_err());
        assert!(exempt_arn("aws", "bad name").is_err());
    }
}
