//! `shubctl iam`: the documents for each role, from the kind table. That they are enough is
//! shown by the end-to-end suite (`aws.rs`), whose emulator refuses every call they do not
//! allow; here, what each role holds and leaves out, and the output formats.

use std::collections::BTreeSet;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use serde_json::Value;
use shubctl::iam::{self, Role, actions, documents};
use std::process::Command;

use crate::common::*;

const POLICY: &str = "tests/fixtures/aws/policy.yaml";
const INTEGRATIONS: &str = "tests/fixtures/aws/integrations.yaml";

fn all_actions(doc: &Value) -> BTreeSet<String> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// Operations that change something, by AWS's naming.
fn writes(a: &str) -> bool {
    let op = a.split(':').nth(1).unwrap();
    !["Describe", "Get", "List", "BatchGet"]
        .iter()
        .any(|p| op.starts_with(p))
}

#[test]
fn plan_is_read_only_and_apply_adds_the_declared_kinds_writes() {
    let p = policy(&[POLICY, INTEGRATIONS]);
    let plan = actions(&p, Role::Plan).unwrap();
    // AssumeRole is how the reads reach the member accounts.
    let written: Vec<_> = plan
        .iter()
        .filter(|a| writes(a) && **a != "sts:AssumeRole")
        .collect();
    assert!(written.is_empty(), "plan writes: {written:?}");
    let apply = actions(&p, Role::Apply).unwrap();
    assert!(plan.is_subset(&apply));
    for a in [
        "securityhub:BatchEnableStandards",
        "securityhub:BatchUpdateStandardsControlAssociations",
        "guardduty:CreateDetector",
        "inspector2:Enable",
        "macie2:EnableMacie",
        "access-analyzer:CreateAnalyzer",
        "iam:CreateServiceLinkedRole",
    ] {
        assert!(apply.contains(a), "{a}");
    }
    // Without the integrations, none of their writes; GuardDuty's reads stay because the
    // policy imports its findings (`aws/guardduty`), which `doctor` checks is on.
    let hub_only = actions(&policy(&[POLICY]), Role::Apply).unwrap();
    assert!(!hub_only.iter().any(|a| a.starts_with("macie2:")));
    let gd: Vec<&str> = hub_only
        .iter()
        .filter(|a| a.starts_with("guardduty:"))
        .copied()
        .collect();
    assert_eq!(gd, ["guardduty:GetDetector", "guardduty:ListDetectors"]);
}

#[test]
fn the_member_role_leaves_the_management_accounts_work_out() {
    let p = policy(&[POLICY, INTEGRATIONS]);
    let member = actions(&p, Role::Member).unwrap();
    let management = actions(&p, Role::Management).unwrap();
    for a in [
        "organizations:ListAccountsForParent",
        "organizations:RegisterDelegatedAdministrator",
        "securityhub:EnableOrganizationAdminAccount",
        "guardduty:EnableOrganizationAdminAccount",
        "sts:AssumeRole",
    ] {
        assert!(!member.contains(a), "member has {a}");
        assert!(management.contains(a), "management lacks {a}");
    }
    // What the member role holds, the management account's principal holds too (it manages
    // its own account the same way).
    assert!(member.is_subset(&management));
}

#[test]
fn the_member_roles_trust_names_the_management_account_and_the_external_id() {
    let mut p = policy(&[POLICY]);
    let d = documents(&p, Role::Member).unwrap();
    let trust = d.trust.clone().unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::111111111111:root"
    );
    assert_eq!(trust["Statement"][0]["Action"], "sts:AssumeRole");
    assert!(trust["Statement"][0].get("Condition").is_none());
    p.organization.as_mut().unwrap().external_id = Some("shubctl-7f3a".into());
    let trust = documents(&p, Role::Member).unwrap().trust.unwrap();
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        "shubctl-7f3a"
    );
    // The management account's principal assumes exactly that role.
    let m = documents(&p, Role::Management).unwrap().permissions;
    let assume = m["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "AssumeMemberRole")
        .unwrap();
    assert_eq!(assume["Resource"], "arn:aws:iam::*:role/ShubctlExecution");
    // Service-linked roles only for the services the policy enables.
    let apply = documents(&policy(&[POLICY]), Role::Apply)
        .unwrap()
        .permissions;
    let slr = apply["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "ServiceLinkedRoles")
        .unwrap();
    assert_eq!(
        slr["Condition"]["StringEquals"]["iam:AWSServiceName"],
        serde_json::json!(["securityhub.amazonaws.com"])
    );
}

#[test]
fn a_single_account_has_no_management_or_member_role() {
    let p = policy(&["examples/single-account/policy.yaml"]);
    assert!(documents(&p, Role::Apply).is_ok());
    let e = documents(&p, Role::Member).unwrap_err();
    assert!(e.to_string().contains("--role apply"), "{e}");
    let apply = all_actions(&documents(&p, Role::Apply).unwrap().permissions);
    assert!(!apply.iter().any(|a| a.starts_with("organizations:")));
    assert!(!apply.contains("sts:AssumeRole"));
}

#[test]
fn the_documents_fit_aws_size_limits() {
    let p = policy(&[POLICY, INTEGRATIONS]);
    for role in [Role::Plan, Role::Apply, Role::Management, Role::Member] {
        let d = documents(&p, role).unwrap();
        let n = iam::size(&d.permissions);
        assert!(n <= iam::INLINE_ROLE_LIMIT, "{role:?}: {n}");
        assert_eq!(
            iam::size_warning(&d).is_some(),
            n > iam::MANAGED_POLICY_LIMIT
        );
    }
}

#[test]
fn cli_iam_json_and_terraform() {
    let run = |args: &[&str]| {
        let mut c = Command::new(get_cargo_bin("shubctl"));
        c.current_dir(root()).arg("iam").args(args);
        c
    };
    assert_cmd_snapshot!(
        "iam_member_json",
        run(&[POLICY, "--role", "member", "--today", "2026-11-28"])
    );
    assert_cmd_snapshot!(
        "iam_plan_terraform",
        run(&[
            POLICY,
            "--role",
            "plan",
            "--format",
            "terraform",
            "--today",
            "2026-11-28"
        ])
    );
    // JSON is machine-readable and versioned; the permissions are what `documents` builds.
    let out = run(&[POLICY, INTEGRATIONS, "--role", "apply"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format_version"], 1);
    let p = policy(&[POLICY, INTEGRATIONS]);
    assert_eq!(
        v["permissions"],
        documents(&p, Role::Apply).unwrap().permissions
    );
    // A control the catalog lacks (a live plan may learn it, SH325) changes no IAM action:
    // a warning, and the same documents.
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.yaml");
    std::fs::write(
        &newer,
        "exceptions:\n  - control: EC2.9001\n    reason: Newer than the catalog\n",
    )
    .unwrap();
    let out = run(&[POLICY, newer.to_str().unwrap(), "--role", "apply"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning[SH305]"), "{stderr}");
    let with: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = run(&[POLICY, "--role", "apply"]).output().unwrap();
    let without: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(with["permissions"], without["permissions"]);
    // A single account has no member role: a clear error, exit 1.
    let out = run(&["examples/single-account/policy.yaml", "--role", "member"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role apply"));
}

/// In China and GovCloud every ARN the documents name is the policy's partition's: an
/// `arn:aws:` role pattern would match nothing there, and the role could not be assumed.
#[test]
fn the_documents_name_arns_in_the_policy_s_partition() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.yaml");
    let text = std::fs::read_to_string(POLICY)
        .unwrap()
        .replace("us-east-1", "cn-north-1")
        .replace("eu-west-1", "cn-northwest-1");
    std::fs::write(&file, text).unwrap();
    let p = policy(&[file.to_str().unwrap()]);
    let everything = [Role::Management, Role::Member, Role::Apply]
        .map(|r| {
            let d = documents(&p, r).unwrap();
            format!("{} {}", d.permissions, d.trust.unwrap_or_default())
        })
        .join("\n");
    assert!(
        everything.contains("arn:aws-cn:iam::*:role/"),
        "{everything}"
    );
    assert!(
        everything.contains("arn:aws-cn:iam::111111111111:root"),
        "{everything}"
    );
    assert!(!everything.contains("arn:aws:"), "{everything}");
}
