//! Central configuration end to end through the SDK against the emulator: an organisation
//! converged under local configuration switched to central, an association that fails planned
//! as drift with AWS's reason, and a central plan that reads no member account.

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use shubctl::model::Kind;
use shubctl_emulator::Emulator;
use shubctl_emulator::iam::IamPolicies;

use super::*;

const CENTRAL: &str = "tests/fixtures/aws/central.yaml";

/// What `shubctl iam` prints for the local and the central policy, both allowed: the switch is
/// made with the central policy's permissions on an organisation the local one set up.
fn both_policies() -> IamPolicies {
    let (local, central) = (
        iam_policies(&[POLICY], false),
        iam_policies(&[CENTRAL], false),
    );
    let mut by_account = local.by_account;
    for (a, docs) in central.by_account {
        by_account.entry(a).or_default().extend(docs);
    }
    IamPolicies {
        by_account,
        others: local.others.into_iter().chain(central.others).collect(),
    }
}

fn addresses(p: &Plan) -> Vec<String> {
    p.changes
        .iter()
        .map(|c| format!("{} {}", c.action.as_str(), c.address))
        .collect()
}

async fn client_of(emu: &Emulator, account: &str, region: &str) -> aws_sdk_securityhub::Client {
    let creds = Credentials::new(Emulator::access_key(account), "secret", None, None, "test");
    let cfg = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(emu.endpoint())
        .credentials_provider(creds)
        .load()
        .await;
    aws_sdk_securityhub::Client::new(&cfg)
}

/// The workloads member 444444444444 turning CIS off itself in the linked region: AWS refuses
/// it while a configuration policy manages the account.
async fn member_disables_its_cis(
    emu: &Emulator,
) -> Result<
    aws_sdk_securityhub::operation::batch_disable_standards::BatchDisableStandardsOutput,
    aws_sdk_securityhub::error::SdkError<
        aws_sdk_securityhub::operation::batch_disable_standards::BatchDisableStandardsError,
    >,
> {
    client_of(emu, "444444444444", "eu-west-1")
        .await
        .batch_disable_standards()
        .standards_subscription_arns(
            "arn:aws:securityhub:eu-west-1:444444444444:subscription/cis-aws-foundations-benchmark/v/1.2.0",
        )
        .send()
        .await
}

/// The Security Hub writes the emulator recorded, each as `show` formats it.
fn securityhub_writes(
    emu: &Emulator,
    show: impl Fn(&shubctl_emulator::Call) -> String,
) -> Vec<String> {
    emu.calls()
        .iter()
        .filter(|c| c.mutating && c.service == "securityhub")
        .map(show)
        .collect()
}

#[test]
fn local_to_central_converges_and_a_failed_association_is_drift_with_aws_s_reason() {
    runtime().block_on(async {
        let config = Config {
            iam: Some(both_policies()),
            ..quick()
        };
        let (emu, aws, _) = converged(config).await;
        let central = policy(&[CENTRAL]);

        // A member the policies cannot be applied to: its OU's association fails.
        let mut cfg = emu.config();
        cfg.fail_policy_accounts = ["333333333333".to_string()].into();
        emu.set_config(cfg.clone());

        let switch = plan_with(&central, &aws).await;
        assert!(switch.read_failures.is_empty(), "{:?}", switch.read_failures);
        let kinds: Vec<Kind> = switch.changes.iter().map(|c| c.address.kind).collect();
        assert!(kinds.contains(&Kind::ConfigPolicy), "{:#?}", addresses(&switch));
        assert!(kinds.contains(&Kind::PolicyAssociation), "{:#?}", addresses(&switch));
        assert!(
            addresses(&switch).contains(&"update 222222222222/us-east-1/org-config/securityhub".to_string()),
            "{:#?}",
            addresses(&switch)
        );
        let report = apply_with(&switch, &aws).await;
        let failed: Vec<String> = report
            .entries
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Failed { .. }))
            .map(|e| e.address.to_string())
            .collect();
        assert_eq!(
            failed,
            ["222222222222/us-east-1/policy-association/ou-emu1-workload1"],
            "{}",
            report.render_text()
        );

        // The failure is drift: the association wants SUCCESS, AWS says FAILED and why.
        let drift = plan_with(&central, &aws).await;
        assert_eq!(addresses(&drift), ["update 222222222222/us-east-1/policy-association/ou-emu1-workload1"]);
        let before = drift.changes[0].before.as_ref().unwrap();
        assert_eq!(before["status"], "FAILED");
        assert_eq!(
            before["reason"],
            "One or more children under this target failed association."
        );

        // Fixed at the member: starting the association again succeeds and the plan is empty.
        cfg.fail_policy_accounts.clear();
        emu.set_config(cfg);
        let report = apply_with(&drift, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&central, &aws).await;
        assert!(again.changes.is_empty(), "{:#?}", addresses(&again));

        // The policies took effect in the linked region too: CIS is on in the workloads OU
        // only. IAM.1 checks global resources, so AWS keeps it off outside the home region
        // (as the local policy's exception did) and on in the home region.
        let dump = emu.dump();
        let has = |a: &str| dump.resources.contains_key(&a.parse().unwrap());
        assert!(has("333333333333/eu-west-1/control/IAM.1@fsbp/1.0.0"));
        assert!(!has("333333333333/us-east-1/control/IAM.1@fsbp/1.0.0"));
        assert!(has("444444444444/eu-west-1/control/IAM.6@fsbp/1.0.0"), "{:#?}", dump.resources.keys().map(|k| k.to_string()).filter(|k| k.starts_with("444444444444/eu-west-1")).collect::<Vec<_>>());
        assert!(has("444444444444/eu-west-1/standard/cis/1.2.0"));
        assert!(!has("222222222222/eu-west-1/standard/cis/1.2.0"));

        // A centrally managed member cannot change its own standards, in a linked region either.
        let err = member_disables_its_cis(&emu).await.expect_err("refused");
        let err = err.into_service_error();
        assert_eq!(err.meta().code(), Some("AccessDeniedException"));
        assert_eq!(
            err.meta().message(),
            Some("This account is currently associated with a central configuration policy, so only the administrator can access this operation.")
        );

        // The central plan reads what configuration policies hold in the administrator's home
        // region only: no member's hub settings, standards, controls or parameters. (Product
        // integrations are not part of a configuration policy and stay per account.)
        emu.clear_calls();
        let quiet = plan_with(&central, &aws).await;
        assert!(quiet.changes.is_empty());
        let calls = emu.calls();
        let member_reads: Vec<String> = calls
            .iter()
            .filter(|c| c.service == "securityhub")
            .filter(|c| !["111111111111", "222222222222"].contains(&c.account.as_str()))
            .filter(|c| !["DescribeHub", "ListEnabledProductsForImport"].contains(&c.operation.as_str()))
            .map(|c| format!("{} {} {}", c.account, c.region, c.operation))
            .collect();
        assert!(member_reads.is_empty(), "{member_reads:#?}");
        let admin_home: Vec<&str> = calls
            .iter()
            .filter(|c| c.operation.contains("ConfigurationPolic"))
            .map(|c| c.region.as_str())
            .collect();
        assert!(!admin_home.is_empty() && admin_home.iter().all(|r| *r == "us-east-1"));
        assert!(calls.iter().all(|c| !c.mutating));
        // Two policies and three associations, two to a page: a list and a get per policy,
        // the policy list again for the associations' names, two pages of associations.
        assert!(admin_home.len() <= 8, "{} configuration-policy calls", admin_home.len());
    });
}

/// Every configuration-policy API refuses a caller that is not the administrator in its home
/// region with central configuration on, with AWS's message.
#[test]
fn configuration_policy_apis_are_the_home_administrator_s_only() {
    runtime().block_on(async {
        let config = Config {
            iam: Some(both_policies()),
            ..quick()
        };
        let (emu, _aws, _) = converged(config).await;
        let admin = client_of(&emu, "222222222222", "us-east-1").await;
        // Still LOCAL.
        let err = admin
            .list_configuration_policies()
            .send()
            .await
            .expect_err("refused")
            .into_service_error();
        assert_eq!(err.meta().code(), Some("AccessDeniedException"));
        assert_eq!(
            err.meta().message(),
            Some("Must be a Security Hub delegated administrator with Central Configuration enabled")
        );
        use aws_sdk_securityhub::types::{
            OrganizationConfiguration, OrganizationConfigurationConfigurationType as T,
        };
        // CENTRAL from a region that is not the aggregator's is refused; from home it is taken.
        let linked = client_of(&emu, "222222222222", "eu-west-1").await;
        let switch = |c: &aws_sdk_securityhub::Client| {
            c.update_organization_configuration()
                .auto_enable(false)
                .organization_configuration(
                    OrganizationConfiguration::builder()
                        .configuration_type(T::Central)
                        .build(),
                )
                .send()
        };
        assert!(switch(&linked).await.is_err());
        switch(&admin).await.expect("switches from home");
        let err = linked
            .list_configuration_policies()
            .send()
            .await
            .expect_err("refused")
            .into_service_error();
        assert_eq!(
            err.meta().message(),
            Some("Central Configuration APIs can only be called from the aggregation region")
        );
        // Both lists, or neither, with the service on: AWS's message.
        use aws_sdk_securityhub::types::{Policy, SecurityHubPolicy};
        let err = admin
            .create_configuration_policy()
            .name("p1")
            .configuration_policy(Policy::SecurityHub(
                SecurityHubPolicy::builder().service_enabled(true).build(),
            ))
            .send()
            .await
            .expect_err("refused")
            .into_service_error();
        assert_eq!(err.meta().code(), Some("InvalidInputException"));
        assert_eq!(
            err.meta().message(),
            Some("Invalid semantics: Enabled standards and security control configurations must be configured when Security Hub is enabled")
        );
        // A policy with an association cannot be deleted, nor can the organisation go back to
        // LOCAL while it exists.
        let off = admin
            .create_configuration_policy()
            .name("off")
            .configuration_policy(Policy::SecurityHub(
                SecurityHubPolicy::builder().service_enabled(false).build(),
            ))
            .send()
            .await
            .expect("created");
        let id = off.id().unwrap().to_string();
        let sandbox = client_of(&emu, "999999999999", "eu-west-1").await;
        sandbox.enable_security_hub().send().await.expect("self-managed: enables its own hub");
        let has_hub = |a: &str| emu.dump().resources.contains_key(&format!("{a}/hub").parse().unwrap());
        assert!(has_hub("999999999999/eu-west-1"));
        admin
            .start_configuration_policy_association()
            .configuration_policy_identifier(&id)
            .target(aws_sdk_securityhub::types::Target::OrganizationalUnitId(
                "ou-emu1-sandbox01".into(),
            ))
            .send()
            .await
            .expect("associated");
        let err = admin
            .delete_configuration_policy()
            .identifier(off.arn().unwrap())
            .send()
            .await
            .expect_err("refused")
            .into_service_error();
        assert_eq!(err.meta().code(), Some("ResourceConflictException"));
        let back = admin
            .update_organization_configuration()
            .auto_enable(false)
            .organization_configuration(
                OrganizationConfiguration::builder()
                    .configuration_type(T::Local)
                    .build(),
            )
            .send()
            .await
            .expect_err("refused")
            .into_service_error();
        assert_eq!(back.meta().code(), Some("ResourceConflictException"));
        // The policy turned Security Hub off in the sandbox, in the linked region too.
        assert!(!has_hub("999999999999/eu-west-1"));
    });
}

/// From nothing straight to central configuration: AWS takes the CENTRAL switch only once the
/// aggregator (the home region) exists, and the policies only after the switch, so the apply
/// order puts the switch right after the aggregator.
#[test]
fn central_from_nothing_converges_and_a_second_plan_is_empty() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[CENTRAL]);
        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        let order: Vec<String> = shubctl::plan::apply_order(&first.changes)
            .iter()
            .map(|c| c.address.to_string())
            .filter(|a| a.starts_with("222222222222/us-east-1/"))
            .collect();
        let at = |s: &str| {
            order
                .iter()
                .position(|a| a.contains(s))
                .unwrap_or_else(|| panic!("{s} in {order:#?}"))
        };
        assert!(at("/aggregator") < at("/org-config/securityhub"));
        assert!(at("/org-config/securityhub") < at("/config-policy/"));
        // AWS associates a configuration policy with the management account only once its
        // Security Hub is on: shubctl enables it itself, first.
        assert!(
            addresses(&first).contains(&"create 111111111111/us-east-1/hub".to_string()),
            "{:#?}",
            addresses(&first)
        );
        emu.clear_calls();
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let writes = securityhub_writes(&emu, |c| {
            format!("{} {} {}", c.account, c.region, c.operation)
        });
        let enabled = writes
            .iter()
            .position(|w| w == "111111111111 us-east-1 EnableSecurityHub")
            .unwrap_or_else(|| panic!("{writes:#?}"));
        let associated = writes
            .iter()
            .position(|w| w.ends_with(" StartConfigurationPolicyAssociation"))
            .unwrap_or_else(|| panic!("{writes:#?}"));
        assert!(enabled < associated, "{writes:#?}");
        let again = plan_with(&p, &aws).await;
        assert!(again.changes.is_empty(), "{:#?}", addresses(&again));
    });
}

/// Under central configuration AWS disables the controls that check global resources in every
/// region but the home region, whatever the configuration policy enables (Security Hub user
/// guide, "How configuration policies work"). The emulator does so, and the plan of the
/// converged organisation stays empty: shubctl reads no control of a centrally managed account.
#[test]
fn global_resource_controls_are_off_outside_the_home_region_and_the_plan_stays_empty() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[CENTRAL]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let dump = emu.dump();
        let status = |a: &str| -> Option<String> {
            dump.resources
                .get(&a.parse().unwrap())
                .map(|v| v["status"].as_str().unwrap().to_string())
        };
        for account in ["333333333333", "444444444444"] {
            // IAM.1 and KMS.1 check global resources; EC2.2 does not.
            for control in ["IAM.1", "KMS.1"] {
                assert_eq!(
                    status(&format!("{account}/eu-west-1/control/{control}@fsbp/1.0.0")).as_deref(),
                    Some("DISABLED"),
                    "{account} {control}"
                );
                assert_eq!(
                    status(&format!("{account}/us-east-1/control/{control}@fsbp/1.0.0")),
                    None,
                    "{account} {control} stays on in the home region"
                );
            }
            assert_eq!(
                status(&format!("{account}/eu-west-1/control/EC2.2@fsbp/1.0.0")),
                None
            );
        }
        let again = plan_with(&p, &aws).await;
        assert!(again.changes.is_empty(), "{:#?}", addresses(&again));
    });
}

/// The emulator refuses, as AWS does, to apply a configuration policy to the management
/// account while its Security Hub is off: the association fails with a reason, and the account
/// is left as it was until the association is started again.
#[test]
fn an_association_reaching_the_management_account_without_its_hub_fails() {
    use aws_sdk_securityhub::types::{Policy, SecurityHubPolicy, Target};
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        // Converged central, then the management account's hub gone (from a snapshot).
        let report = apply_with(&plan_with(&policy(&[CENTRAL]), &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let admin = client_of(&emu, "222222222222", "us-east-1").await;
        let p = admin
            .create_configuration_policy()
            .name("on")
            .configuration_policy(Policy::SecurityHub(
                SecurityHubPolicy::builder()
                    .service_enabled(true)
                    .set_enabled_standard_identifiers(Some(vec![]))
                    .security_controls_configuration(
                        aws_sdk_securityhub::types::SecurityControlsConfiguration::builder()
                            .set_disabled_security_control_identifiers(Some(vec![]))
                            .build(),
                    )
                    .build(),
            ))
            .send()
            .await
            .expect("created");
        let mut dump = emu.dump();
        dump.resources
            .retain(|a, _| !(a.account.as_str() == "111111111111" && a.kind == Kind::Hub));
        emu.load(dump);
        let mgmt = "111111111111";
        assert!(
            !emu.dump()
                .resources
                .contains_key(&format!("{mgmt}/us-east-1/hub").parse().unwrap())
        );
        admin
            .start_configuration_policy_association()
            .configuration_policy_identifier(p.id().unwrap())
            .target(Target::AccountId(mgmt.into()))
            .send()
            .await
            .expect("started");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let got = admin
            .get_configuration_policy_association()
            .target(Target::AccountId(mgmt.into()))
            .send()
            .await
            .expect("got");
        assert_eq!(
            got.association_status().map(|s| s.as_str()),
            Some("FAILED"),
            "{got:?}"
        );
        assert!(
            got.association_status_message()
                .is_some_and(|m| m.contains("management account")),
            "{got:?}"
        );
        assert!(
            !emu.dump()
                .resources
                .contains_key(&format!("{mgmt}/us-east-1/hub").parse().unwrap()),
            "the policy did not turn it on"
        );
    });
}

/// A central plan reads the organisation and the administrator's home region, nothing per
/// member: its calls are the same for an organisation four times the size (AWS's page size of
/// 100 holds both account lists), and no member account is called at all, not even to assume
/// its role.
#[test]
fn a_central_plan_s_calls_do_not_grow_with_the_organisation() {
    const CENTRAL_SCALE: &str = "benches/scale/central.yaml";
    let rt = runtime();
    let management = shubctl_emulator::synthetic::FIRST_ACCOUNT.to_string();
    let admin = (shubctl_emulator::synthetic::FIRST_ACCOUNT + 1).to_string();
    let calls_of_a_plan = |accounts: usize| {
        let org = shubctl::provider::snapshot::Snapshot::from_state(
            shubctl_emulator::synthetic::organization(accounts),
            shubctl::model::State::default(),
        );
        let emu = rt.block_on(Emulator::start(
            org.to_file(),
            shubctl_emulator::Config {
                page_size: 100,
                iam: Some(iam_policies(&[CENTRAL_SCALE], false)),
                ..shubctl_emulator::Config::default()
            },
        ));
        let home = tempfile::tempdir().unwrap();
        let run = |command: &str| {
            let out = crate::common::shubctl_against(&emu.endpoint(), home.path())
                .env("AWS_ACCESS_KEY_ID", Emulator::access_key(&management))
                .args([
                    command,
                    CENTRAL_SCALE,
                    "--today",
                    "2026-11-28",
                    "--color",
                    "never",
                ])
                .args(if command == "apply" {
                    &["--auto-approve"][..]
                } else {
                    &["--detailed-exitcode"][..]
                })
                .output()
                .unwrap();
            let text = format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.status.code(), Some(0), "{command}: {text}");
        };
        run("apply");
        emu.clear_calls();
        run("plan");
        let calls = emu.calls();
        assert!(calls.iter().all(|c| !c.mutating));
        let members: Vec<String> = calls
            .iter()
            .filter(|c| c.account != management && c.account != admin)
            .map(|c| format!("{} {} {} {}", c.service, c.account, c.region, c.operation))
            .collect();
        assert!(members.is_empty(), "{accounts} accounts: {members:#?}");
        let mut by_operation = std::collections::BTreeMap::<String, usize>::new();
        for c in &calls {
            *by_operation
                .entry(format!("{} {}", c.service, c.operation))
                .or_default() += 1;
        }
        by_operation
    };
    let small = calls_of_a_plan(20);
    let large = calls_of_a_plan(80);
    assert_eq!(small, large, "the same calls at 20 and 80 accounts");
    // Per region, the administrator's hub, organisation configuration, aggregators and members,
    // and the management account's designation (85); the management account's hub in the home
    // region; the configuration policies and associations; the organisation.
    let total: usize = large.values().sum();
    assert!(total <= 110, "{total} calls: {large:#?}");
}

/// A self-managed account is configured account by account beside the central ones: a control
/// disabled by hand there is planned exactly, as under local configuration, and repaired.
#[test]
fn a_control_changed_in_a_self_managed_account_is_planned_exactly() {
    const SELF_MANAGED: &str = "tests/fixtures/aws/central-self-managed.yaml";
    runtime().block_on(async {
        let emu = start(&[SELF_MANAGED], quick()).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[SELF_MANAGED]);
        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());

        // The account keeps its own hub: it may change its controls, and did.
        use aws_sdk_securityhub::types::{AssociationStatus, StandardsControlAssociationUpdate};
        let dev = client_of(&emu, "555555555555", "eu-west-1").await;
        let out = dev
            .batch_update_standards_control_associations()
            .standards_control_association_updates(
                StandardsControlAssociationUpdate::builder()
                    .standards_arn("arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0")
                    .security_control_id("S3.1")
                    .association_status(AssociationStatus::Disabled)
                    .updated_reason("by hand")
                    .build(),
            )
            .send()
            .await
            .expect("a self-managed account changes its own controls");
        assert!(out.unprocessed_association_updates().is_empty());

        let drift = plan_with(&p, &aws).await;
        assert!(drift.read_failures.is_empty(), "{:?}", drift.read_failures);
        let changed = addresses(&drift);
        assert_eq!(changed.len(), 1, "{changed:#?}");
        assert!(
            changed[0].ends_with(" 555555555555/eu-west-1/control/S3.1@fsbp/1.0.0"),
            "{changed:#?}"
        );
        let report = apply_with(&drift, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// A central policy from text (the fixture, edited).
fn policy_text(text: &str) -> Policy {
    let mut d = Diagnostics::default();
    let p = shubctl::spec::load_str("central.yaml", text, &options(), &mut d);
    assert!(!d.has_errors(), "{:#?}", d.items);
    p
}

/// Configuration policies are named after the target they are applied to, not what they hold:
/// editing a standard, an exception or a parameter updates the policy in place (one
/// UpdateConfigurationPolicy, nothing created, re-associated or deleted), and AWS applies the
/// edit to the accounts the policy reaches, in the linked region too.
#[test]
fn editing_a_standard_an_exception_or_a_parameter_updates_the_policy_in_place() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        // Every account in scope the same: one configuration policy, on the root.
        let base = std::fs::read_to_string(CENTRAL).unwrap().replace(
            "  - standard: cis/1.2.0\n    accounts: [ou-emu1-workload1]\n",
            "",
        );
        let first = plan_with(&policy_text(&base), &aws).await;
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let root = "222222222222/us-east-1/config-policy/shubctl-root";
        let has = |a: &str| emu.dump().resources.get(&a.parse().unwrap()).cloned();
        assert!(has(root).is_some());

        let edits = [
            // A standard.
            ("  - fsbp/1.0.0\n", "  - fsbp/1.0.0\n  - cis/1.2.0\n"),
            // An exception.
            (
                "exceptions:\n",
                "exceptions:\n  - control: EC2.2\n    reason: Audited by the network team\n",
            ),
            // A parameter.
            ("MaxPasswordAge: 90", "MaxPasswordAge: 60"),
        ];
        let mut text = base;
        for (from, to) in edits {
            text = text.replacen(from, to, 1);
            let p = policy_text(&text);
            let edit = plan_with(&p, &aws).await;
            assert_eq!(addresses(&edit), [format!("update {root}")], "{to}");
            assert_eq!(edit.summary.destructive, 0);
            emu.clear_calls();
            let report = apply_with(&edit, &aws).await;
            assert!(report.success(), "{}", report.render_text());
            let writes: Vec<String> = emu
                .calls()
                .iter()
                .filter(|c| c.mutating)
                .map(|c| c.operation.clone())
                .collect();
            assert_eq!(writes, ["UpdateConfigurationPolicy"], "{to}");
            let again = plan_with(&p, &aws).await;
            assert!(again.changes.is_empty(), "{:#?}", addresses(&again));
        }
        // AWS applied each edit where the policy reaches, in the linked region too.
        assert!(has("444444444444/eu-west-1/standard/cis/1.2.0").is_some());
        let ec2 = has("444444444444/eu-west-1/control/EC2.2@fsbp/1.0.0").expect("disabled");
        assert_eq!(ec2["status"], "DISABLED");
        let iam7 = has("333333333333/eu-west-1/control-parameters/IAM.7").expect("set");
        assert_eq!(iam7["parameters"]["MaxPasswordAge"], 60);
    });
}

/// A configuration-policy edit that drops a standard does to every account the policy reaches
/// what `delete standard/…` does locally: it is destructive, and `apply` without `--allow-destroy` refuses it before any write; with it, the
/// edit converges.
#[test]
fn a_policy_edit_dropping_a_standard_needs_allow_destroy() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        // CIS everywhere: one configuration policy, on the root.
        let base = std::fs::read_to_string(CENTRAL).unwrap().replace(
            "  - standard: cis/1.2.0\n    accounts: [ou-emu1-workload1]\n",
            "  - cis/1.2.0\n",
        );
        let report = apply_with(&plan_with(&policy_text(&base), &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let root = "222222222222/us-east-1/config-policy/shubctl-root";
        // (A policy cannot turn Security Hub off under central configuration: it needs the
        // aggregator. The unit tests of `update_is_destructive` cover that edit.)
        let edits = [("a standard dropped", base.replace("  - cis/1.2.0\n", ""))];
        for (what, text) in edits {
            assert_ne!(text, base, "{what}");
            let edit = plan_with(&policy_text(&text), &aws).await;
            assert_eq!(addresses(&edit), [format!("update {root}")], "{what}");
            assert!(edit.changes[0].destructive, "{what}");
            assert_eq!(edit.summary.destructive, 1, "{what}");
            emu.clear_calls();
            let refused = engine::apply_plan(
                &edit,
                &aws,
                &ApplyOptions {
                    allow_destroy: false,
                    cancel: None,
                    concurrency: 8,
                },
            )
            .await;
            assert!(
                matches!(refused, Err(engine::EngineError::Destructive(ref d)) if d.len() == 1),
                "{what}: {refused:?}"
            );
            assert!(
                emu.calls().iter().all(|c| !c.mutating),
                "{what}: {:#?}",
                emu.calls()
            );
            assert!(
                emu.dump()
                    .resources
                    .contains_key(&"444444444444/eu-west-1/standard/cis/1.2.0".parse().unwrap()),
                "{what}: nothing changed"
            );
        }
        // With --allow-destroy the standard goes, from the linked region too.
        let dropped = policy_text(&base.replace("  - cis/1.2.0\n", ""));
        let report = apply_with(&plan_with(&dropped, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&dropped, &aws).await.changes.is_empty());
        assert!(
            !emu.dump()
                .resources
                .contains_key(&"444444444444/eu-west-1/standard/cis/1.2.0".parse().unwrap())
        );
    });
}

/// Accounts moved from central to `self_managed` are written locally only once the
/// associations that managed them are gone (AWS refuses a centrally managed account's own
/// writes): one apply converges, and the re-plan is empty.
#[test]
fn accounts_moved_to_self_managed_converge_in_one_apply() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let report = apply_with(&plan_with(&policy(&[CENTRAL]), &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let moved = policy_text(&std::fs::read_to_string(CENTRAL).unwrap().replace(
            "  configuration: central\n",
            "  configuration: central\n  self_managed: [ou-emu1-workload1]\n",
        ));
        let plan = plan_with(&moved, &aws).await;
        assert!(plan.read_failures.is_empty(), "{:?}", plan.read_failures);
        let home = "222222222222/us-east-1";
        let changes = addresses(&plan);
        // The workloads OU is released: associated with self-management instead of its
        // policy (the root keeps the policy an account joining it would get), and its policy
        // goes.
        for c in [
            format!("update {home}/policy-association/ou-emu1-workload1"),
            format!("delete {home}/config-policy/shubctl-ou-emu1-workload1"),
        ] {
            assert!(changes.contains(&c), "{c} in {changes:#?}");
        }
        assert!(
            changes.iter().any(|c| c.contains(" 333333333333/")),
            "local writes in the released accounts: {changes:#?}"
        );
        emu.clear_calls();
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let writes = securityhub_writes(&emu, |c| format!("{} {}", c.account, c.operation));
        // Every association and policy change, the release included, before the first local
        // write in a released account.
        let released = writes
            .iter()
            .rposition(|w| w.contains("ConfigurationPolicy"))
            .unwrap_or_else(|| panic!("{writes:#?}"));
        let first_local = writes
            .iter()
            .position(|w| w.starts_with("333333333333 ") || w.starts_with("444444444444 "))
            .unwrap_or_else(|| panic!("{writes:#?}"));
        assert!(released < first_local, "{writes:#?}");
        let again = plan_with(&moved, &aws).await;
        assert!(again.changes.is_empty(), "{:#?}", addresses(&again));
        // The workload accounts are their own again.
        member_disables_its_cis(&emu).await.expect("self-managed");
    });
}

/// CIS given to the management account as well as the workloads OU, then to the workloads OU
/// only: the associations already follow the selectors (the OU has its own policy, the
/// management account its own association), so narrowing the standard is one association
/// removed, and the workload accounts keep CIS throughout. (The order of a plan that does move
/// a policy's content and its associations, associations first, is checked in
/// `plan::step_rank_tests`.)
#[test]
fn narrowing_a_standard_to_an_ou_removes_one_association_and_the_ou_keeps_it() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let wider = policy_text(&std::fs::read_to_string(CENTRAL).unwrap().replace(
            "accounts: [ou-emu1-workload1]",
            "accounts: [ou-emu1-workload1, \"111111111111\"]",
        ));
        let report = apply_with(&plan_with(&wider, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&wider, &aws).await.changes.is_empty());

        let central = policy(&[CENTRAL]);
        let plan = plan_with(&central, &aws).await;
        let home = "222222222222/us-east-1";
        let changes = addresses(&plan);
        assert_eq!(
            changes,
            [format!("delete {home}/policy-association/111111111111")]
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&central, &aws).await.changes.is_empty());
        let dump = emu.dump();
        let has = |a: &str| dump.resources.contains_key(&a.parse().unwrap());
        assert!(has("444444444444/eu-west-1/standard/cis/1.2.0"));
        assert!(!has("111111111111/eu-west-1/standard/cis/1.2.0"));
    });
}

/// Central mode owns the administrator's configuration policies: one the policy does not
/// produce (made by hand here) is planned for deletion, destructive, and deleted.
#[test]
fn a_configuration_policy_the_policy_does_not_produce_is_deleted() {
    use aws_sdk_securityhub::types::{Policy, SecurityHubPolicy};
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let central = policy(&[CENTRAL]);
        let report = apply_with(&plan_with(&central, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let admin = client_of(&emu, "222222222222", "us-east-1").await;
        admin
            .create_configuration_policy()
            .name("by-hand")
            .configuration_policy(Policy::SecurityHub(
                SecurityHubPolicy::builder().service_enabled(false).build(),
            ))
            .send()
            .await
            .expect("created");
        let plan = plan_with(&central, &aws).await;
        assert_eq!(
            addresses(&plan),
            ["delete 222222222222/us-east-1/config-policy/by-hand"]
        );
        assert!(plan.changes[0].destructive);
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&central, &aws).await.changes.is_empty());
    });
}

/// Back from central to local with `configuration: local` and `--allow-destroy`: refused
/// whole without it (nothing written), and with it the associations and configuration policies
/// are deleted, the organisation switched to LOCAL, then the members written locally; the
/// re-plan is empty.
#[test]
fn central_to_local_needs_allow_destroy_then_converges() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let local_path = dir.path().join("local.yaml");
        // Auto-enable on again (the local default), and an exception the members must write
        // themselves once no policy manages them.
        let local_text = std::fs::read_to_string(CENTRAL)
            .unwrap()
            .replace("  auto_enable: false\n", "")
            .replace("configuration: central", "configuration: local")
            .replace(
                "exceptions:\n",
                "exceptions:\n  - control: EC2.2\n    reason: Audited by the network team\n",
            );
        std::fs::write(&local_path, &local_text).unwrap();
        let local_path = local_path.to_str().unwrap();
        let (central_iam, local_iam) = (
            iam_policies(&[CENTRAL], false),
            iam_policies(&[local_path], false),
        );
        let mut by_account = central_iam.by_account;
        for (a, docs) in local_iam.by_account {
            by_account.entry(a).or_default().extend(docs);
        }
        let iam = IamPolicies {
            by_account,
            others: central_iam
                .others
                .into_iter()
                .chain(local_iam.others)
                .collect(),
        };
        let emu = start(
            &[CENTRAL],
            Config {
                iam: Some(iam),
                ..quick()
            },
        )
        .await;
        let aws = connect(&emu, 8).await;
        let central = policy(&[CENTRAL]);
        let report = apply_with(&plan_with(&central, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&central, &aws).await.changes.is_empty());

        let local = policy(&[local_path]);
        let back = plan_with(&local, &aws).await;
        assert!(back.read_failures.is_empty(), "{:?}", back.read_failures);
        let leaving: Vec<String> = back
            .changes
            .iter()
            .filter(|c| c.destructive)
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        assert_eq!(
            leaving,
            [
                "update 222222222222/us-east-1/org-config/securityhub",
                "delete 222222222222/us-east-1/config-policy/shubctl-ou-emu1-workload1",
                "delete 222222222222/us-east-1/config-policy/shubctl-root",
                // The suspended account, out of scope, was kept self-managed.
                "delete 222222222222/us-east-1/policy-association/666666666666",
                "delete 222222222222/us-east-1/policy-association/ou-emu1-sandbox01",
                "delete 222222222222/us-east-1/policy-association/ou-emu1-workload1",
                "delete 222222222222/us-east-1/policy-association/r-emu1",
            ]
        );
        // Members managed by a policy until now are read, and written locally.
        assert!(
            addresses(&back)
                .contains(&"update 444444444444/eu-west-1/control/EC2.2@fsbp/1.0.0".to_string()),
            "{:#?}",
            addresses(&back)
        );
        assert!(
            addresses(&back)
                .contains(&"update 222222222222/eu-west-1/org-config/securityhub".to_string()),
            "{:#?}",
            addresses(&back)
        );

        // Without --allow-destroy: refused before any write.
        emu.clear_calls();
        let refused = engine::apply_plan(
            &back,
            &aws,
            &ApplyOptions {
                allow_destroy: false,
                cancel: None,
                concurrency: 8,
            },
        )
        .await;
        assert!(
            matches!(refused, Err(engine::EngineError::Destructive(ref d)) if d.len() == 7),
            "{refused:?}"
        );
        assert!(
            emu.calls().iter().all(|c| !c.mutating),
            "{:#?}",
            emu.calls()
        );

        // With it: in AWS's order, and converged.
        let report = apply_with(&back, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let writes = securityhub_writes(&emu, |c| c.operation.clone());
        let first = |op: &str| {
            writes
                .iter()
                .position(|w| w == op)
                .unwrap_or_else(|| panic!("{op} in {writes:#?}"))
        };
        let last = |op: &str| writes.iter().rposition(|w| w == op).unwrap();
        // Every target self-managed before any is disassociated: no account inherits the
        // root's policy on the way (the CIS controls planned in the workloads OU are still
        // there to update, which the success above shows).
        assert!(
            last("StartConfigurationPolicyAssociation")
                < first("StartConfigurationPolicyDisassociation")
        );
        assert!(
            last("StartConfigurationPolicyDisassociation") < first("DeleteConfigurationPolicy")
        );
        assert!(last("DeleteConfigurationPolicy") < first("UpdateOrganizationConfiguration"));
        assert!(
            last("UpdateOrganizationConfiguration")
                < first("BatchUpdateStandardsControlAssociations")
        );
        let again = plan_with(&local, &aws).await;
        assert!(again.changes.is_empty(), "{:#?}", addresses(&again));
        // Local writes are the members' own again.
        member_disables_its_cis(&emu)
            .await
            .expect("self-managed again");
    });
}

/// The emulator's dump of a central organisation (configuration policies, associations with
/// their status, CENTRAL in the home and linked regions) plans offline as the organisation
/// plans live, and loads back as it was.
#[test]
fn a_dump_of_a_central_organisation_plans_offline_like_live() {
    use shubctl::provider::snapshot::Snapshot;
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let central = policy(&[CENTRAL]);
        let report = apply_with(&plan_with(&central, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let dump = emu.dump();
        let has = |a: &str| dump.resources.get(&a.parse().unwrap()).cloned();
        let root = has("222222222222/us-east-1/policy-association/r-emu1").expect("dumped");
        assert_eq!(
            (root["policy"].as_str(), root["status"].as_str()),
            (Some("shubctl-root"), Some("SUCCESS"))
        );
        assert!(has("222222222222/us-east-1/config-policy/shubctl-ou-emu1-workload1").is_some());
        for region in ["us-east-1", "eu-west-1"] {
            let c = has(&format!("222222222222/{region}/org-config/securityhub")).expect("dumped");
            assert_eq!(c["configuration_type"], "CENTRAL", "{region}");
        }

        let snap = Snapshot::from_file(dump.clone()).unwrap();
        let offline = async |p: &Policy| {
            let mut d = Diagnostics::default();
            engine::plan(p, &snap, "emulator dump", today(), 1, false, &mut d)
                .await
                .expect("plans")
                .plan
        };
        let quiet = offline(&central).await;
        assert!(quiet.changes.is_empty(), "{:#?}", addresses(&quiet));

        // An edited policy plans the same offline as live.
        let edited = policy_text(
            &std::fs::read_to_string(CENTRAL)
                .unwrap()
                .replace("MaxPasswordAge: 90", "MaxPasswordAge: 60")
                .replace(
                    "  - standard: cis/1.2.0\n    accounts: [ou-emu1-workload1]\n",
                    "",
                ),
        );
        let view = |p: &Plan| -> Vec<String> {
            p.changes
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {:?} {:?}",
                        c.action.as_str(),
                        c.address,
                        c.before,
                        c.after
                    )
                })
                .collect()
        };
        let live = plan_with(&edited, &aws).await;
        assert!(!live.changes.is_empty());
        assert_eq!(view(&offline(&edited).await), view(&live));

        // Loaded back, the emulator holds the same organisation: it plans empty live, and its
        // own dump is the same.
        let again = start(&[CENTRAL], quick()).await;
        again.load(dump.clone());
        let aws2 = connect(&again, 8).await;
        let reloaded = plan_with(&central, &aws2).await;
        assert!(reloaded.changes.is_empty(), "{:#?}", addresses(&reloaded));
        assert_eq!(view(&plan_with(&edited, &aws2).await), view(&live));
        // (Insights aside: their numbers come back as floats, which is not this test's business.)
        let without_insights = |f: &SnapshotFile| -> Vec<(String, serde_json::Value)> {
            f.resources
                .iter()
                .filter(|(a, _)| a.kind != Kind::Insight)
                .map(|(a, v)| (a.to_string(), v.clone()))
                .collect()
        };
        assert_eq!(without_insights(&again.dump()), without_insights(&dump));

        // An association the snapshot says FAILED loads FAILED, with its reason: drift.
        let target = "222222222222/us-east-1/policy-association/ou-emu1-workload1";
        let reason = "One or more children under this target failed association.";
        let mut failed = dump.clone();
        failed.resources.insert(
            target.parse().unwrap(),
            serde_json::json!({ "policy": "shubctl-ou-emu1-workload1", "status": "FAILED", "reason": reason }),
        );
        again.load(failed);
        let drift = plan_with(&central, &aws2).await;
        assert_eq!(addresses(&drift), [format!("update {target}")]);
        let before = drift.changes[0].before.as_ref().unwrap();
        assert_eq!((&before["status"], &before["reason"]), (&serde_json::json!("FAILED"), &serde_json::json!(reason)));
    });
}

/// A configuration that moves to another highest target (CIS from the whole workloads OU to one
/// of its accounts) is replaced: created under the new target's name and associated, the old
/// one disassociated and deleted (destructive), in an order AWS takes; the accounts left
/// inherit the root's policy, and the re-plan is empty.
#[test]
fn a_configuration_moving_to_another_target_is_replaced_in_an_order_aws_takes() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let report = apply_with(&plan_with(&policy(&[CENTRAL]), &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let moved = policy_text(&std::fs::read_to_string(CENTRAL).unwrap().replace(
            "accounts: [ou-emu1-workload1]",
            "accounts: [\"333333333333\"]",
        ));
        let plan = plan_with(&moved, &aws).await;
        let home = "222222222222/us-east-1";
        assert_eq!(
            addresses(&plan),
            [
                format!("create {home}/config-policy/shubctl-account-333333333333"),
                format!("delete {home}/config-policy/shubctl-ou-emu1-workload1"),
                format!("create {home}/policy-association/333333333333"),
                format!("delete {home}/policy-association/ou-emu1-workload1"),
            ]
        );
        assert!(
            plan.changes
                .iter()
                .filter(|c| c.action == shubctl::model::Action::Delete)
                .all(|c| c.destructive)
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&moved, &aws).await;
        assert!(again.changes.is_empty(), "{:#?}", addresses(&again));
        let dump = emu.dump();
        let has = |a: &str| dump.resources.contains_key(&a.parse().unwrap());
        assert!(has("333333333333/eu-west-1/standard/cis/1.2.0"));
        assert!(!has("444444444444/eu-west-1/standard/cis/1.2.0"));
    });
}

/// `configuration: local` written out on an organisation that never was central: from nothing
/// to converged as without it, with the configuration-policy reads answered "not central" and
/// nothing planned for them; the permissions `shubctl iam` prints for it are enough.
#[test]
fn an_explicit_local_policy_on_a_local_organisation_converges_as_before() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.yaml");
        let text = std::fs::read_to_string(POLICY).unwrap().replace(
            "  auto_enable: true\n",
            "  auto_enable: true\n  configuration: local\n",
        );
        assert!(text.contains("configuration: local"));
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let emu = start(&[path], quick()).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[path]);
        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        assert!(first.changes.iter().all(|c| !matches!(
            c.address.kind,
            Kind::ConfigPolicy | Kind::PolicyAssociation
        ) && !c.leaves_central()));
        assert_eq!(first.summary.destructive, 0);
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&p, &aws).await;
        assert!(again.changes.is_empty(), "{:#?}", addresses(&again));
    });
}

/// AWS keeps a parent's association status as it was at its last Start: an account beneath
/// that fails later shows only in its own, inherited, status. That is drift on the applied
/// association of the policy it inherits, with the account and AWS's reason, never "matches".
#[test]
fn an_account_failing_after_its_parent_was_associated_is_drift() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[CENTRAL]);
        let first = plan_with(&p, &aws).await;
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());

        let mut cfg = emu.config();
        cfg.fail_policy_accounts = ["333333333333".to_string()].into();
        emu.set_config(cfg.clone());
        let drift = plan_with(&p, &aws).await;
        assert!(drift.read_failures.is_empty(), "{:?}", drift.read_failures);
        assert_eq!(
            addresses(&drift),
            ["update 222222222222/us-east-1/policy-association/ou-emu1-workload1"]
        );
        let before = drift.changes[0].before.as_ref().unwrap();
        assert_eq!(before["status"], "FAILED");
        let reason = before["reason"].as_str().unwrap();
        assert!(reason.contains("333333333333"), "{reason}");
        assert!(
            reason.contains("couldn’t be applied to account 333333333333"),
            "{reason}"
        );

        // Once the account is fixed, its own status is SUCCESS again and nothing is left.
        cfg.fail_policy_accounts.clear();
        emu.set_config(cfg);
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// AWS switches the configuration type asynchronously (Status PENDING, then ENABLED or FAILED).
/// From nothing, the configuration policies wait for the switch to finish; a switch still
/// under way is drift, never "matches".
#[test]
fn the_switch_to_central_is_waited_for_and_a_pending_one_is_drift() {
    runtime().block_on(async {
        let config = Config {
            org_switch_delay: std::time::Duration::from_millis(400),
            ..quick()
        };
        let emu = start(&[CENTRAL], config).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[CENTRAL]);
        let first = plan_with(&p, &aws).await;
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        // The switch, then the status read until ENABLED, then the first policy.
        let calls = emu.calls();
        let at = |op: &str| {
            calls
                .iter()
                .position(|c| c.operation == op && c.account == "222222222222")
                .unwrap_or_else(|| panic!("{op}"))
        };
        let switch = calls
            .iter()
            .position(|c| {
                c.operation == "UpdateOrganizationConfiguration" && c.region == "us-east-1"
            })
            .unwrap();
        let waited = calls[switch..]
            .iter()
            .take_while(|c| c.operation != "CreateConfigurationPolicy")
            .filter(|c| c.operation == "DescribeOrganizationConfiguration")
            .count();
        assert!(
            waited >= 2,
            "{waited} status reads between the switch and the policies"
        );
        assert!(switch < at("CreateConfigurationPolicy"));
        assert!(plan_with(&p, &aws).await.changes.is_empty());

        // A switch asked for by hand and not finished yet: drift on the organisation
        // configuration, with AWS's status.
        let (emu, aws, _) = converged(Config {
            iam: Some(both_policies()),
            org_switch_delay: std::time::Duration::from_secs(600),
            ..quick()
        })
        .await;
        use aws_sdk_securityhub::types::{
            OrganizationConfiguration, OrganizationConfigurationConfigurationType as T,
        };
        client_of(&emu, "222222222222", "us-east-1")
            .await
            .update_organization_configuration()
            .auto_enable(false)
            .organization_configuration(
                OrganizationConfiguration::builder()
                    .configuration_type(T::Central)
                    .build(),
            )
            .send()
            .await
            .expect("switches");
        let pending = plan_with(&p, &aws).await;
        let org = pending
            .changes
            .iter()
            .find(|c| c.address.to_string() == "222222222222/us-east-1/org-config/securityhub")
            .unwrap_or_else(|| panic!("{:#?}", addresses(&pending)));
        let before = org.before.as_ref().unwrap();
        assert_eq!(before["configuration_type"], "CENTRAL");
        assert_eq!(before["switch_status"], "PENDING");
    });
}

/// Associations are started together and then waited for together: with AWS taking its time
/// over each, waiting one by one would add the waits up.
#[test]
fn associations_are_started_together_then_waited_for() {
    runtime().block_on(async {
        let config = Config {
            association_delay: std::time::Duration::from_millis(300),
            ..quick()
        };
        let emu = start(&[CENTRAL], config).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[CENTRAL]);
        let first = plan_with(&p, &aws).await;
        let creates = first
            .changes
            .iter()
            .filter(|c| c.address.kind == Kind::PolicyAssociation)
            .count();
        assert!(creates >= 3, "{:#?}", addresses(&first));
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let ops: Vec<String> = emu
            .calls()
            .iter()
            .filter(|c| c.operation.contains("ConfigurationPolicyAssociation"))
            .map(|c| c.operation.clone())
            .collect();
        let starts: Vec<usize> = ops
            .iter()
            .enumerate()
            .filter(|(_, o)| *o == "StartConfigurationPolicyAssociation")
            .map(|(i, _)| i)
            .collect();
        let first_wait = ops
            .iter()
            .position(|o| o == "GetConfigurationPolicyAssociation")
            .unwrap_or_else(|| panic!("{ops:#?}"));
        assert_eq!(starts.len(), creates, "{ops:#?}");
        assert!(starts.iter().all(|s| *s < first_wait), "{ops:#?}");
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}

/// Under central configuration AWS refuses to change or remove the Security Hub administrator
/// through Security Hub, and a new administrator (through Organizations), a deleted aggregator
/// or a moved home region end central configuration and delete its policies and associations.
/// A plan that would do any of these is refused before anything is written, saying what to do.
#[test]
fn changing_the_administrator_or_the_home_region_under_central_is_refused_at_plan_time() {
    runtime().block_on(async {
        let emu = start(&[CENTRAL], quick()).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[CENTRAL]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let text = std::fs::read_to_string(CENTRAL).unwrap();
        for (edited, refused) in [
            (
                text.replace(
                    "delegated_admin: \"222222222222\"",
                    "delegated_admin: \"333333333333\"",
                ),
                "update 111111111111/us-east-1/delegated-admin/securityhub",
            ),
            (
                text.replace("home: us-east-1", "home: eu-west-1")
                    .replace("  regions: [eu-west-1]", "  regions: [us-east-1]"),
                "delete 222222222222/us-east-1/aggregator",
            ),
        ] {
            assert_ne!(edited, text);
            let p = policy_text(&edited);
            emu.clear_calls();
            let mut d = Diagnostics::default();
            let err = engine::plan(&p, &aws, "aws", today(), 8, false, &mut d)
                .await
                .err()
                .expect("refused");
            let msg = err.to_string();
            assert!(msg.contains(refused), "{msg}");
            assert!(msg.contains("`organization.configuration: local`"), "{msg}");
            assert!(emu.calls().iter().all(|c| !c.mutating), "nothing written");
        }
        // The converged policy itself still plans nothing.
        assert!(plan_with(&p, &aws).await.changes.is_empty());
    });
}
