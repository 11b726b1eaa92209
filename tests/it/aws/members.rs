//! GuardDuty, Macie and IAM Access Analyzer across an organisation, end to end, the way AWS
//! documents it: the administrator adds the accounts as members (GuardDuty's CreateMembers,
//! Macie's CreateMember) and manages their protection plans and suspension; the member accounts
//! never write their own detector or session; organisation analyzers are created by the account
//! registered as Access Analyzer's delegated administrator. The emulator refuses the other way
//! (a member changing its detector or suspending its Macie; an unregistered account creating
//! an organisation analyzer), so these tests fail on a product that does it.

use std::collections::BTreeSet;

use shubctl::model::Kind;

use super::*;

const ADMIN: &str = "222222222222";
/// The accounts in scope other than the administrator.
const MEMBERS: [&str; 4] = [
    "111111111111",
    "333333333333",
    "444444444444",
    "555555555555",
];
const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];

fn changes(plan: &Plan) -> BTreeSet<String> {
    plan.changes
        .iter()
        .map(|c| format!("{} {}", c.action.as_str(), c.address))
        .collect()
}

#[test]
fn guardduty_and_macie_members_are_added_by_the_administrator_not_by_the_accounts() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        let calls = emu.calls();
        // No member account wrote its own detector or session.
        let own: Vec<String> = calls
            .iter()
            .filter(|c| MEMBERS.contains(&c.account.as_str()) && c.mutating)
            .filter(|c| {
                matches!(
                    (c.service.as_str(), c.operation.as_str()),
                    ("guardduty", "CreateDetector" | "UpdateDetector" | "DeleteDetector")
                        | ("macie2", "EnableMacie" | "UpdateMacieSession" | "DisableMacie")
                )
            })
            .map(|c| format!("{} {} {}", c.account, c.service, c.operation))
            .collect();
        assert!(own.is_empty(), "member accounts wrote their own: {own:?}");
        // The administrator added them, in each region.
        for (service, op) in [("guardduty", "CreateMembers"), ("macie2", "CreateMember")] {
            let by: BTreeSet<(&str, &str)> = calls
                .iter()
                .filter(|c| c.service == service && c.operation == op && c.status == 200)
                .map(|c| (c.account.as_str(), c.region.as_str()))
                .collect();
            assert_eq!(
                by,
                REGIONS.iter().map(|r| (ADMIN, *r)).collect(),
                "{op}"
            );
        }
        // Each member's GuardDuty is on with the declared protection plans, set through the
        // administrator, and publishes at the administrator's frequency.
        let dump = emu.dump();
        for a in MEMBERS {
            for r in REGIONS {
                let member = dump.resources[&format!("{ADMIN}/{r}/guardduty-member/{a}").parse().unwrap()].clone();
                assert_eq!(member["features"]["RDS_LOGIN_EVENTS"], "DISABLED", "{a} {r}");
                assert_eq!(member["features"]["RUNTIME_MONITORING"], "ENABLED", "{a} {r}");
                let detector = &dump.resources[&format!("{a}/{r}/guardduty").parse().unwrap()];
                assert_eq!(detector["status"], "ENABLED");
                assert_eq!(dump.resources[&format!("{ADMIN}/{r}/macie-member/{a}").parse().unwrap()]["status"], "ENABLED");
            }
        }
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// An organisation set up by hand before: the administrator is designated and auto-enable is
/// on for accounts that join later, and each existing account turned GuardDuty and Macie on by
/// itself, so none is a member. Each is planned as a member to add (nothing is written in the
/// accounts themselves), and one apply converges.
#[test]
fn existing_accounts_that_are_not_members_are_added_and_converge() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        let mut s = emu.dump();
        s.resources
            .retain(|a, _| !matches!(a.kind, Kind::GuardDutyMember | Kind::MacieMember));
        emu.load(s);
        let plan = plan_with(&p, &aws).await;
        let want: BTreeSet<String> = MEMBERS
            .iter()
            .flat_map(|a| {
                REGIONS.iter().flat_map(move |r| {
                    [
                        format!("create {ADMIN}/{r}/guardduty-member/{a}"),
                        format!("create {ADMIN}/{r}/macie-member/{a}"),
                    ]
                })
            })
            .collect();
        assert_eq!(changes(&plan), want);
        let why = &plan.changes[0].reason.message;
        assert!(why.contains("member"), "{why}");
        // Carried out by a provider that did not plan it (a saved plan, another process): it
        // has not read the organisation, and finds the accounts' emails itself.
        let fresh = connect_with(&emu, 8, 1.0, &SERVICES).await;
        let report = apply_with(&plan, &fresh).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// A member's protection plans and a member's suspension drift; both are planned and repaired
/// through the administrator.
#[test]
fn member_drift_is_repaired_through_the_administrator() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        let mut s = emu.dump();
        let addr = |a: &str| a.parse::<shubctl::model::Address>().unwrap();
        s.resources
            .get_mut(&addr("333333333333/us-east-1/guardduty"))
            .unwrap()["features"]["S3_DATA_EVENTS"] = serde_json::json!("DISABLED");
        s.resources
            .get_mut(&addr("444444444444/eu-west-1/macie"))
            .unwrap()["status"] = serde_json::json!("PAUSED");
        emu.load(s);
        let plan = plan_with(&p, &aws).await;
        assert_eq!(
            changes(&plan),
            [
                format!("update {ADMIN}/us-east-1/guardduty-member/333333333333"),
                format!("update {ADMIN}/eu-west-1/macie-member/444444444444"),
            ]
            .into_iter()
            .collect()
        );
        let before = emu.calls().len();
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let writes: BTreeSet<String> = emu.calls()[before..]
            .iter()
            .filter(|c| c.mutating)
            .map(|c| format!("{} {}", c.account, c.operation))
            .collect();
        assert!(
            writes.contains(&format!("{ADMIN} UpdateMemberDetectors")),
            "{writes:?}"
        );
        assert!(
            writes.contains(&format!("{ADMIN} UpdateMemberSession")),
            "{writes:?}"
        );
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// Organisation analyzers belong to the management account or Access Analyzer's delegated
/// administrator: the Security Hub administrator is registered as Access Analyzer's (trusted
/// access first) before its organisation analyzer is created.
#[test]
fn the_organisation_analyzer_s_account_is_registered_as_access_analyzer_s_administrator() {
    runtime().block_on(async {
        let emu = start(&[POLICY, INTEGRATIONS], quick()).await;
        let aws = connect_with(&emu, 8, 1.0, &SERVICES).await;
        let p = policy(&[POLICY, INTEGRATIONS]);
        let plan = plan_with(&p, &aws).await;
        let registration: Vec<String> = changes(&plan)
            .into_iter()
            .filter(|c| c.contains("delegated-admin/access-analyzer"))
            .collect();
        // One registration for all regions, read alike in each: the first write makes it.
        assert_eq!(
            registration,
            [
                "create 111111111111/eu-west-1/delegated-admin/access-analyzer",
                "create 111111111111/us-east-1/delegated-admin/access-analyzer",
            ]
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let calls = emu.calls();
        let first = |account: &str, op: &str| {
            calls
                .iter()
                .position(|c| c.account == account && c.operation == op && c.status == 200)
                .unwrap_or_else(|| panic!("{account} {op}"))
        };
        assert!(
            first("111111111111", "EnableAWSServiceAccess")
                < first("111111111111", "RegisterDelegatedAdministrator")
        );
        assert!(
            first("111111111111", "RegisterDelegatedAdministrator")
                < first(ADMIN, "CreateAnalyzer")
        );
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// Turning GuardDuty or Macie off across an organisation is the administrator's teardown,
/// which shubctl does not plan: the policy is refused before anything is read.
#[test]
fn turning_guardduty_or_macie_off_across_an_organisation_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let off = dir.path().join("off.yaml");
    std::fs::write(
        &off,
        "integrations:\n  guardduty:\n    enabled: false\n    finding_publishing_frequency: six_hours\n  macie:\n    status: disabled\n",
    )
    .unwrap();
    let mut d = Diagnostics::default();
    let paths = [std::path::PathBuf::from(POLICY), off.clone()];
    shubctl::spec::load(&paths, &options(), &mut d);
    let found: Vec<String> = d
        .items
        .iter()
        .filter(|x| x.code.id() == "SH511")
        .map(|x| format!("{}:{}:{}", x.file, x.line, x.column))
        .collect();
    assert_eq!(found.len(), 2, "{:?}", d.items);
    assert!(found.iter().all(|f| f.contains("off.yaml")), "{found:?}");
    assert!(
        found.iter().any(|f| f.ends_with(":3:14")),
        "enabled: false: {found:?}"
    );
    assert!(
        found.iter().any(|f| f.ends_with(":6:13")),
        "status: disabled: {found:?}"
    );
}
