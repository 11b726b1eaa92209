//! What an audit against AWS's models and documentation found (issue 9), end to end through
//! the SDK against the emulator, which is as strict as AWS in each of these places: the test
//! fails on the old behaviour.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_sdk_securityhub::types::{ParameterConfiguration, ParameterValue, ParameterValueType};
use shubctl_emulator::Emulator;

use crate::aws::*;
use crate::common::*;

const PARAMS: &str = "tests/fixtures/aws/parameters.yaml";

/// SDK configuration acting as `account` in `region`, straight at the emulator (the hand that
/// changes things behind shubctl's back).
async fn as_account(emu: &Emulator, account: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(emu.endpoint())
        .credentials_provider(Credentials::new(
            Emulator::access_key(account),
            "secret",
            None,
            None,
            "test",
        ))
        .load()
        .await
}

fn custom(v: ParameterValue) -> ParameterConfiguration {
    ParameterConfiguration::builder()
        .value_type(ParameterValueType::Custom)
        .value(v)
        .build()
}

#[test]
fn control_parameters_go_out_typed_read_back_typed_and_unnamed_ones_are_reset() {
    runtime().block_on(async {
        let emu = Emulator::start(org_snapshot(), quick()).await;
        let aws = connect(&emu, 4).await;
        let p = policy(&[POLICY, PARAMS]);
        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&p, &aws).await;
        assert!(
            again.changes.is_empty(),
            "read back as written: {:?}",
            again
                .changes
                .iter()
                .map(|c| c.address.to_string())
                .collect::<Vec<_>>()
        );

        // AWS holds each value in its parameter's own member.
        let sh =
            aws_sdk_securityhub::Client::new(&as_account(&emu, "333333333333", "us-east-1").await);
        let got = sh
            .batch_get_security_controls()
            .set_security_control_ids(Some(
                [
                    "RDS.6",
                    "RDS.14",
                    "RDS.40",
                    "APIGateway.1",
                    "EC2.18",
                    "IAM.7",
                ]
                .map(String::from)
                .to_vec(),
            ))
            .send()
            .await
            .unwrap();
        let value = |ctl: &str, name: &str| {
            let c = got
                .security_controls()
                .iter()
                .find(|c| c.security_control_id() == Some(ctl))
                .unwrap();
            let conf = &c.parameters().unwrap()[name];
            (conf.value_type().cloned(), conf.value().cloned())
        };
        let custom_is = |ctl: &str, name: &str, want: ParameterValue| {
            assert_eq!(
                value(ctl, name),
                (Some(ParameterValueType::Custom), Some(want)),
                "{ctl} {name}"
            );
        };
        custom_is(
            "RDS.6",
            "monitoringInterval",
            ParameterValue::Enum("30".into()),
        );
        custom_is(
            "RDS.14",
            "BacktrackWindowInHours",
            ParameterValue::Double(24.0),
        );
        custom_is(
            "RDS.40",
            "logTypes",
            ParameterValue::EnumList(vec!["agent".into()]),
        );
        custom_is(
            "APIGateway.1",
            "loggingLevel",
            ParameterValue::Enum("INFO".into()),
        );
        custom_is(
            "EC2.18",
            "authorizedTcpPorts",
            ParameterValue::IntegerList(vec![443]),
        );
        custom_is("IAM.7", "MaxPasswordAge", ParameterValue::Integer(90));
        // Parameters the policy does not name stay at AWS's default (shown with its value).
        assert_eq!(
            value("IAM.7", "MinimumPasswordLength").0,
            Some(ParameterValueType::Default)
        );

        // By hand: a value changed, and a parameter the policy does not name made custom.
        sh.update_security_control()
            .security_control_id("IAM.7")
            .parameters("MaxPasswordAge", custom(ParameterValue::Integer(60)))
            .parameters("MinimumPasswordLength", custom(ParameterValue::Integer(20)))
            .send()
            .await
            .unwrap();
        let plan = plan_with(&p, &aws).await;
        let changes: Vec<(String, Vec<String>)> = plan
            .changes
            .iter()
            .map(|c| (c.address.to_string(), c.changed_fields.clone()))
            .collect();
        assert_eq!(
            changes,
            vec![(
                "333333333333/us-east-1/control-parameters/IAM.7".to_string(),
                vec![
                    "parameters.MaxPasswordAge".to_string(),
                    "parameters.MinimumPasswordLength".to_string()
                ]
            )]
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&p, &aws).await.changes.is_empty());
        let now = sh
            .batch_get_security_controls()
            .security_control_ids("IAM.7")
            .send()
            .await
            .unwrap();
        let params = now.security_controls()[0].parameters().unwrap();
        assert_eq!(
            params["MinimumPasswordLength"].value_type(),
            Some(&ParameterValueType::Default),
            "reset to AWS's default"
        );

        // As strict as AWS: the member must be the parameter's type, and the value allowed.
        // (shubctl used to send a YAML number as Integer and a string as String.)
        for (ctl, name, v) in [
            ("RDS.6", "monitoringInterval", ParameterValue::Integer(30)),
            (
                "RDS.6",
                "monitoringInterval",
                ParameterValue::Enum("7".into()),
            ),
            (
                "RDS.14",
                "BacktrackWindowInHours",
                ParameterValue::Integer(24),
            ),
            (
                "RDS.40",
                "logTypes",
                ParameterValue::StringList(vec!["agent".into()]),
            ),
            (
                "APIGateway.1",
                "loggingLevel",
                ParameterValue::String("INFO".into()),
            ),
            ("IAM.7", "MaxPasswordAge", ParameterValue::Integer(365)),
            ("IAM.7", "NoSuchParameter", ParameterValue::Integer(1)),
        ] {
            let e = sh
                .update_security_control()
                .security_control_id(ctl)
                .parameters(name, custom(v.clone()))
                .send()
                .await
                .expect_err(&format!("{ctl} {name} {v:?} must be refused"));
            assert_eq!(
                e.code(),
                Some("InvalidInputException"),
                "{ctl} {name} {v:?}"
            );
        }
    });
}

/// Parameters of a control only some scopes' standards hold (S3.11 is in NIST SP 800-53, not
/// FSBP) are managed in those scopes only: elsewhere they would have no effect and are never
/// read back. (shubctl used to set them everywhere and re-plan them on every run.)
#[test]
fn parameters_of_a_control_are_managed_where_the_scope_s_standards_hold_it() {
    runtime().block_on(async {
        let emu = Emulator::start(org_snapshot(), quick()).await;
        let aws = connect(&emu, 4).await;
        let dir = std::env::temp_dir().join(format!("shubctl-truth-s311-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = std::fs::read_to_string(POLICY).unwrap();
        let old = "  - standard: cis/1.2.0\n";
        assert!(text.contains(old));
        let main = dir.join("policy.yaml");
        std::fs::write(&main, text.replace(old, "  - standard: nist-800-53/5.0.0\n")).unwrap();
        let extra = dir.join("s3.yaml");
        std::fs::write(
            &extra,
            "control_parameters:\n  - control: S3.11\n    parameters: { eventTypes: [\"s3:ObjectCreated:*\"] }\n",
        )
        .unwrap();
        let p = policy(&[main.to_str().unwrap(), extra.to_str().unwrap()]);
        std::fs::remove_dir_all(&dir).unwrap();

        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        let nist: std::collections::BTreeSet<String> = first
            .changes
            .iter()
            .filter(|c| c.address.id.as_deref() == Some("nist-800-53/5.0.0"))
            .map(|c| c.address.scope().to_string())
            .collect();
        let s311: std::collections::BTreeSet<String> = first
            .changes
            .iter()
            .filter(|c| c.address.id.as_deref() == Some("S3.11"))
            .map(|c| c.address.scope().to_string())
            .collect();
        assert!(!s311.is_empty());
        assert_eq!(s311, nist, "only where NIST SP 800-53 is enabled");
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&p, &aws).await;
        assert!(
            again.changes.is_empty(),
            "converged: {:?}",
            again.changes.iter().map(|c| c.address.to_string()).collect::<Vec<_>>()
        );
    });
}

/// Security Hub's definitions carry a provider (AWS or Azure) and take a `Providers` filter;
/// shubctl asks for AWS's only (catalog refresh, live learning, availability).
#[test]
fn control_definitions_are_filtered_by_provider() {
    runtime().block_on(async {
        let emu = Emulator::start(org_snapshot(), quick()).await;
        let aws = connect(&emu, 4).await;
        let p = policy(&[POLICY]);
        let report = apply_with(&plan_with(&p, &aws).await, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let sh =
            aws_sdk_securityhub::Client::new(&as_account(&emu, "222222222222", "us-east-1").await);
        use aws_sdk_securityhub::types::{SecurityControlsProvider, StandardsProvider};
        let defs = sh
            .list_security_control_definitions()
            .providers(SecurityControlsProvider::Aws)
            .send()
            .await
            .unwrap();
        assert!(!defs.security_control_definitions().is_empty());
        assert!(
            defs.security_control_definitions()
                .iter()
                .all(|d| d.provider() == Some(&SecurityControlsProvider::Aws))
        );
        let azure = sh
            .list_security_control_definitions()
            .providers(SecurityControlsProvider::Azure)
            .send()
            .await
            .unwrap();
        assert!(azure.security_control_definitions().is_empty());
        let e = sh
            .list_security_control_definitions()
            .providers(SecurityControlsProvider::from("GCP"))
            .send()
            .await
            .expect_err("not a provider");
        assert_eq!(e.code(), Some("InvalidInputException"), "{e:?}");
        let stds = sh
            .describe_standards()
            .providers(StandardsProvider::Aws)
            .send()
            .await
            .unwrap();
        assert!(
            !stds.standards().is_empty()
                && stds
                    .standards()
                    .iter()
                    .all(|s| s.provider() == Some(&StandardsProvider::Aws))
        );
    });
}

/// The organisation fixture and policy moved to the China partition.
fn in_china(text: &str) -> String {
    text.replace("us-east-1", "cn-north-1")
        .replace("eu-west-1", "cn-northwest-1")
}

#[test]
fn an_organisation_in_the_china_partition_converges_with_its_own_arns_and_endpoints() {
    runtime().block_on(async {
        let org = in_china(&std::fs::read_to_string("tests/fixtures/aws/org.json").unwrap());
        let emu = Emulator::start(serde_json::from_str(&org).unwrap(), quick()).await;
        let dir = std::env::temp_dir().join(format!("shubctl-truth-cn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("policy.yaml");
        std::fs::write(&file, in_china(&std::fs::read_to_string(POLICY).unwrap())).unwrap();
        let guardrails = dir.join("guardrails.yaml");
        std::fs::write(&guardrails, "guardrails:\n  exempt_roles: [BreakGlass]\n").unwrap();
        let p = policy(&[file.to_str().unwrap(), guardrails.to_str().unwrap()]);
        std::fs::remove_dir_all(&dir).unwrap();

        // The configured region picks the partition: Organizations at cn-northwest-1, roles
        // as arn:aws-cn:iam::…, standards, products, action targets and the aggregator in
        // arn:aws-cn:…. (shubctl used to sign Organizations for us-east-1 and build arn:aws:
        // ARNs, which the emulator refuses as AWS does.)
        let aws = connect_in(&emu, "cn-north-1", 4, 1.0, &[]).await;
        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        assert!(first.summary.create > 0);
        // The guardrail exempts shubctl's role and the break-glass role of this partition:
        // `arn:aws:` patterns would never match, and the SCP would deny them both.
        let scp = first
            .changes
            .iter()
            .find(|c| c.address.kind == shubctl::model::Kind::Scp)
            .expect("the guardrail SCP is planned");
        assert_eq!(scp.address.scope().region, "cn-northwest-1");
        let after = scp.after.as_ref().unwrap().to_string();
        for role in ["ShubctlExecution", "BreakGlass"] {
            assert!(
                after.contains(&format!("arn:aws-cn:iam::*:role/{role}")),
                "{after}"
            );
        }
        assert!(!after.contains("arn:aws:"), "{after}");
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&p, &aws).await;
        assert!(again.read_failures.is_empty(), "{:?}", again.read_failures);
        assert!(
            again.changes.is_empty(),
            "converged, the aggregator included: {:?}",
            again.changes.iter().map(|c| c.address.to_string()).collect::<Vec<_>>()
        );
        assert!(
            emu.calls()
                .iter()
                .filter(|c| c.service == "organizations")
                .all(|c| c.region == "cn-northwest-1" && c.status == 200)
        );

        // The apply spent BatchEnableStandards' 1 rps bucket; these direct calls are about
        // partitions, not quotas, so start them with full buckets.
        emu.set_config(quick());
        // As strict as AWS: the organisation's keys mean nothing in another partition, and
        // Organizations answers at its partition's global region only.
        let sh = aws_sdk_securityhub::Client::new(&as_account(&emu, "111111111111", "us-east-1").await);
        let e = sh.describe_hub().send().await.expect_err("foreign partition");
        assert_eq!(e.code(), Some("UnrecognizedClientException"));
        let org = aws_sdk_organizations::Client::new(&as_account(&emu, "111111111111", "cn-north-1").await);
        let e = org
            .describe_organization()
            .send()
            .await
            .expect_err("not the global region");
        assert_eq!(e.code(), Some("InvalidSignatureException"));
        let sh = aws_sdk_securityhub::Client::new(&as_account(&emu, "222222222222", "cn-north-1").await);
        let e = sh
            .batch_enable_standards()
            .standards_subscription_requests(
                aws_sdk_securityhub::types::StandardsSubscriptionRequest::builder()
                    .standards_arn("arn:aws:securityhub:cn-north-1::standards/aws-foundational-security-best-practices/v/1.0.0")
                    .build(),
            )
            .send()
            .await
            .expect_err("a standard ARN of the wrong partition");
        assert_eq!(e.code(), Some("InvalidInputException"), "{e:?}");
        // Aggregation stays within the partition.
        let arn = sh
            .list_finding_aggregators()
            .send()
            .await
            .unwrap()
            .finding_aggregators()[0]
            .finding_aggregator_arn()
            .unwrap()
            .to_string();
        assert!(arn.starts_with("arn:aws-cn:securityhub:cn-north-1:222222222222:"), "{arn}");
        let e = sh
            .update_finding_aggregator()
            .finding_aggregator_arn(&arn)
            .region_linking_mode("SPECIFIED_REGIONS")
            .regions("us-east-1")
            .send()
            .await
            .expect_err("a region of another partition");
        assert_eq!(e.code(), Some("InvalidInputException"), "{e:?}");
    });
}

fn denying(pairs: &[(&str, &str)]) -> shubctl_emulator::Config {
    shubctl_emulator::Config {
        denied_operations: pairs
            .iter()
            .map(|(a, op)| (a.to_string(), op.to_string()))
            .collect(),
        ..quick()
    }
}

fn unread(plan: &shubctl::plan::Plan) -> std::collections::BTreeSet<String> {
    plan.read_failures
        .iter()
        .map(|f| f.target.to_string())
        .collect()
}

#[test]
fn a_macie_permission_denial_is_a_failure_not_macie_off() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;

        // A denied read is an unread scope; it used to read as "Macie off" and plan an enable.
        // In an organisation the administrator's scopes hold the sessions it manages.
        for op in ["macie2:GetMacieSession", "macie2:ListMembers"] {
            emu.set_config(denying(&[("222222222222", op)]));
            let plan = plan_with(&p, &aws).await;
            assert_eq!(
                unread(&plan),
                ["222222222222/eu-west-1", "222222222222/us-east-1"]
                    .map(String::from)
                    .into(),
                "{op}"
            );
            assert!(
                plan.read_failures
                    .iter()
                    .all(|f| f.code.as_deref() == Some("AccessDeniedException")
                        && f.message.contains("not authorized")),
                "{:?}",
                plan.read_failures
            );
            assert!(
                plan.changes.is_empty(),
                "nothing planned where nothing is known"
            );
        }

        // A denied suspension of the members is a failure on each member's address, and their
        // Macie stays on; the administrator's own session is suspended.
        emu.set_config(denying(&[("222222222222", "macie2:UpdateMemberSession")]));
        let dir = std::env::temp_dir().join(format!("shubctl-truth-macie-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("integrations.yaml");
        let text = std::fs::read_to_string(INTEGRATIONS).unwrap();
        assert!(text.contains("    status: enabled\n"));
        std::fs::write(
            &file,
            text.replace("    status: enabled\n", "    status: paused\n"),
        )
        .unwrap();
        let paused = policy(&[POLICY, file.to_str().unwrap()]);
        std::fs::remove_dir_all(&dir).unwrap();
        let plan = plan_with(&paused, &aws).await;
        assert!(plan.read_failures.is_empty(), "{:?}", plan.read_failures);
        let report = apply_with(&plan, &aws).await;
        let failed: std::collections::BTreeSet<String> = report
            .entries
            .iter()
            .filter(|e| matches!(e.outcome, shubctl::apply::Outcome::Failed { .. }))
            .map(|e| e.address.to_string())
            .collect();
        let members: std::collections::BTreeSet<String> = [
            "111111111111",
            "333333333333",
            "444444444444",
            "555555555555",
        ]
        .iter()
        .flat_map(|a| {
            ["eu-west-1", "us-east-1"].map(|r| format!("222222222222/{r}/macie-member/{a}"))
        })
        .collect();
        assert_eq!(failed, members, "{}", report.render_text());
        let dump = emu.dump();
        let status = |a: &str| dump.resources[&a.parse().unwrap()]["status"].clone();
        assert_eq!(status("444444444444/us-east-1/macie"), "ENABLED");
        assert_eq!(status("222222222222/us-east-1/macie"), "PAUSED");

        // Once allowed, only the members' suspensions remain.
        emu.set_config(quick());
        let plan = plan_with(&paused, &aws).await;
        let left: std::collections::BTreeSet<String> =
            plan.changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(left, members);
    });
}

#[test]
fn an_unreadable_organisation_configuration_is_not_an_absent_one() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        // The delegated administrator's own reads, denied one service at a time: each used to
        // read as "no organisation configuration" and plan to create it.
        for service in ["guardduty", "inspector2", "macie2"] {
            emu.set_config(denying(&[(
                "222222222222",
                &format!("{service}:DescribeOrganizationConfiguration"),
            )]));
            let plan = plan_with(&p, &aws).await;
            assert_eq!(
                unread(&plan),
                ["222222222222/eu-west-1", "222222222222/us-east-1"]
                    .map(String::from)
                    .into(),
                "{service}"
            );
            assert!(plan.changes.is_empty(), "{service}: {:?}", plan.changes);
        }
    });
}

/// The policy's GuardDuty feature names are the SDK's `DetectorFeature`s, all of them (a
/// created detector turns unlisted ones on, so each must be declarable); the organisation-level
/// ones are its `OrgFeature`s.
#[test]
fn guardduty_features_are_the_sdk_s() {
    use aws_sdk_guardduty::types::{DetectorFeature, OrgFeature};
    use shubctl::spec::sections::guardduty::GuardDutyFeature;
    let mut ours: Vec<&str> = GuardDutyFeature::ALL.iter().map(|f| f.aws()).collect();
    ours.sort();
    let mut sdk: Vec<&str> = DetectorFeature::values().to_vec();
    sdk.sort();
    assert_eq!(
        ours, sdk,
        "a new DetectorFeature in the SDK: make it declarable"
    );
    for f in GuardDutyFeature::ALL {
        assert_eq!(
            OrgFeature::values().contains(&f.aws()),
            f.org_level(),
            "{}",
            f.aws()
        );
    }
}

#[test]
fn internal_access_analyzers_are_declarable() {
    runtime().block_on(async {
        let emu = shubctl_emulator::Emulator::start(org_snapshot(), quick()).await;
        let aws = connect_with(&emu, 8, 1.0, &SERVICES).await;
        let dir = std::env::temp_dir().join(format!("shubctl-truth-aa-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("integrations.yaml");
        let text = std::fs::read_to_string(INTEGRATIONS).unwrap();
        let at = text.find("  products:").unwrap_or(text.len());
        let extra = "      - name: org-internal-access\n        type: organization_internal_access\n      - name: account-internal-access\n        type: account_internal_access\n        regions: home\n";
        assert!(text[..at].ends_with("        regions: home\n"), "analyzers end the section");
        std::fs::write(&file, format!("{}{extra}{}", &text[..at], &text[at..])).unwrap();
        let p = policy(&[POLICY, file.to_str().unwrap()]);
        std::fs::remove_dir_all(&dir).unwrap();
        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        let report = apply_with(&first, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&p, &aws).await;
        assert!(again.changes.is_empty(), "{:?}", again.changes.iter().map(|c| c.address.to_string()).collect::<Vec<_>>());
        let dump = emu.dump();
        for (addr, t) in [
            ("222222222222/us-east-1/analyzer/org-internal-access", "ORGANIZATION_INTERNAL_ACCESS"),
            ("333333333333/us-east-1/analyzer/account-internal-access", "ACCOUNT_INTERNAL_ACCESS"),
        ] {
            assert_eq!(dump.resources[&addr.parse().unwrap()]["type"], t, "{addr}");
        }
    });
}

/// An analyzer of a type the policy declares nowhere is someone else's: it is left alone (the
/// plan says so), while one of a declared type where the policy wants none is still deleted.
#[test]
fn analyzers_of_undeclared_types_are_left_alone() {
    runtime().block_on(async {
        let (emu, aws, p) = converged_with_integrations(quick()).await;
        // Another team's analyzers, made behind shubctl's back: one of a type the fixture does
        // not declare, one of a declared type (account_unused_access) outside its home region.
        let aa = |region: &'static str| {
            let emu = &emu;
            async move { aws_sdk_accessanalyzer::Client::new(&as_account(emu, "333333333333", region).await) }
        };
        aa("us-east-1")
            .await
            .create_analyzer()
            .analyzer_name("security-team")
            .r#type(aws_sdk_accessanalyzer::types::Type::Account)
            .send()
            .await
            .expect("creates");
        aa("eu-west-1")
            .await
            .create_analyzer()
            .analyzer_name("stray-unused")
            .r#type(aws_sdk_accessanalyzer::types::Type::AccountUnusedAccess)
            .send()
            .await
            .expect("creates");
        let plan = plan_with(&p, &aws).await;
        let addrs: Vec<String> = plan
            .changes
            .iter()
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        assert_eq!(
            addrs,
            ["delete 333333333333/eu-west-1/analyzer/stray-unused"],
            "only the analyzer of a managed type goes"
        );
        assert!(
            plan.warnings.contains(
                &"333333333333/us-east-1/analyzer/security-team left alone: the policy manages no analyzer of type ACCOUNT there".to_string()
            ),
            "{:#?}",
            plan.warnings
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&p, &aws).await;
        assert!(again.changes.is_empty());
        let dump = emu.dump();
        assert!(dump.resources.contains_key(&"333333333333/us-east-1/analyzer/security-team".parse().unwrap()));
        assert!(!dump.resources.contains_key(&"333333333333/eu-west-1/analyzer/stray-unused".parse().unwrap()));
    });
}

/// A control AWS does not offer in a region: the first apply learns it from AWS's answer, and
/// from then on nothing is planned for it there; the plan says it is unavailable.
#[test]
fn a_control_aws_does_not_offer_in_a_region_is_not_planned_again() {
    runtime().block_on(async {
        let unavailable = [("eu-west-1", "IAM.6"), ("eu-west-1", "IAM.7")];
        let config = shubctl_emulator::Config {
            unavailable_controls: unavailable
                .iter()
                .map(|(r, c)| (r.to_string(), c.to_string()))
                .collect(),
            ..quick()
        };
        let emu = start(&[POLICY], config).await;
        let aws = connect(&emu, 8).await;
        let p = policy(&[POLICY]);
        let first = plan_with(&p, &aws).await;
        assert!(first.read_failures.is_empty(), "{:?}", first.read_failures);
        let report = apply_with(&first, &aws).await;
        // Before anything is enabled nothing can tell: IAM.6's disables in eu-west-1 go out
        // and AWS answers they are not there. Nothing else fails (what comes after a failure
        // in its scope, IAM.7's parameters among them, waits for the next run).
        let failed: Vec<String> = report
            .entries
            .iter()
            .filter(|e| matches!(e.outcome, shubctl::apply::Outcome::Failed { .. }))
            .map(|e| e.address.to_string())
            .collect();
        assert_eq!(failed.len(), 5 + 3, "{failed:#?}");
        assert!(
            failed
                .iter()
                .all(|a| a.contains("/eu-west-1/control/IAM.6@")),
            "{failed:#?}"
        );
        // The next run plans only what waited, neither IAM.6 nor IAM.7 there.
        let second = plan_with(&p, &aws).await;
        let planned: Vec<String> = second
            .changes
            .iter()
            .map(|c| c.address.to_string())
            .collect();
        assert!(
            planned.iter().all(|a| !a.contains("/eu-west-1/control"))
                && planned.iter().any(|a| a.contains("/eu-west-1/")),
            "{planned:?}"
        );
        let report = apply_with(&second, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        for _ in 0..2 {
            let again = plan_with(&p, &aws).await;
            assert!(again.read_failures.is_empty(), "{:?}", again.read_failures);
            assert!(
                again.changes.is_empty(),
                "{:?}",
                again
                    .changes
                    .iter()
                    .map(|c| c.address.to_string())
                    .collect::<Vec<_>>()
            );
            let params = (1..=5).map(|n| {
                format!(
                    "{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}/eu-west-1/control-parameters/IAM.7",
                    n
                )
            });
            for a in failed.iter().cloned().chain(params) {
                assert!(
                    again.warnings.contains(&format!(
                        "{a} not planned: AWS does not offer the control in eu-west-1"
                    )),
                    "{a}: {:#?}",
                    again.warnings
                );
            }
        }
    });
}

/// The policy's integrations with Inspector's resource types replaced by `types`.
fn with_inspector_types(types: &str, tag: &str) -> shubctl::spec::Policy {
    let dir = std::env::temp_dir().join(format!("shubctl-truth-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("integrations.yaml");
    let text = std::fs::read_to_string(INTEGRATIONS).unwrap();
    let old = "    resource_types: [ec2, ecr, lambda]\n";
    assert!(text.contains(old));
    std::fs::write(
        &file,
        text.replace(old, &format!("    resource_types: [{types}]\n")),
    )
    .unwrap();
    let p = policy(&[POLICY, file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    p
}

/// Inspector's CODE_REPOSITORY scan type: declared, it is enabled in every account and for the
/// organisation's new accounts; left out, it is turned off again.
#[test]
fn inspector_code_repository_scanning_is_declarable_and_turned_off_when_left_out() {
    runtime().block_on(async {
        let (emu, aws, _) = converged_with_integrations(quick()).await;
        let inspector = |emu: &Emulator, a: &str| {
            emu.dump().resources[&a.parse().unwrap()]["resource_types"].clone()
        };
        let with = with_inspector_types("ec2, ecr, lambda, code_repository", "code-repo");
        let plan = plan_with(&with, &aws).await;
        assert!(plan.read_failures.is_empty(), "{:?}", plan.read_failures);
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        let again = plan_with(&with, &aws).await;
        assert!(
            again.changes.is_empty(),
            "{:#?}",
            again
                .changes
                .iter()
                .map(|c| format!("{} {:?} -> {:?}", c.address, c.before, c.after))
                .collect::<Vec<_>>()
        );
        let all = serde_json::json!(["CODE_REPOSITORY", "EC2", "ECR", "LAMBDA"]);
        assert_eq!(inspector(&emu, "333333333333/eu-west-1/inspector"), all);
        assert_eq!(
            inspector(&emu, "222222222222/eu-west-1/org-config/inspector"),
            all
        );
        // Back to the fixture's types: CODE_REPOSITORY goes off everywhere.
        let without = policy(&[POLICY, INTEGRATIONS]);
        let plan = plan_with(&without, &aws).await;
        assert!(
            plan.changes
                .iter()
                .any(|c| c.address.to_string() == "333333333333/eu-west-1/inspector"),
            "{:?}",
            plan.changes
                .iter()
                .map(|c| c.address.to_string())
                .collect::<Vec<_>>()
        );
        let report = apply_with(&plan, &aws).await;
        assert!(report.success(), "{}", report.render_text());
        assert!(plan_with(&without, &aws).await.changes.is_empty());
        let three = serde_json::json!(["EC2", "ECR", "LAMBDA"]);
        assert_eq!(inspector(&emu, "333333333333/eu-west-1/inspector"), three);
        assert_eq!(
            inspector(&emu, "222222222222/eu-west-1/org-config/inspector"),
            three
        );
    });
}

/// Controls newer than the built-in catalog: a live plan reads the region's definitions (all
/// pages) and says which AWS offers that the catalog lacks; one AWS does not offer there is not
/// named.
#[test]
fn a_live_plan_names_controls_newer_than_the_catalog() {
    runtime().block_on(async {
        let config = shubctl_emulator::Config {
            newer_controls: ["EC2.9001", "EC2.9002", "S3.9003"]
                .map(|c| (c.to_string(), vec![]))
                .into(),
            unavailable_controls: [("eu-west-1".to_string(), "S3.9003".to_string())].into(),
            definitions_page_size: 50,
            ..quick()
        };
        let (emu, aws, p) = converged(config).await;
        let plan = plan_with(&p, &aws).await;
        assert!(plan.changes.is_empty());
        let newer: Vec<&String> = plan
            .warnings
            .iter()
            .filter(|w| w.contains("the built-in catalog lacks"))
            .collect();
        assert_eq!(
            newer,
            [
                "eu-west-1: AWS offers 2 control(s) the built-in catalog lacks: EC2.9001, EC2.9002",
                "us-east-1: AWS offers 3 control(s) the built-in catalog lacks: EC2.9001, EC2.9002, S3.9003",
            ]
        );
        // All pages were read: the newer controls come last.
        let calls = emu
            .calls()
            .into_iter()
            .filter(|c| c.operation == "ListSecurityControlDefinitions")
            .count();
        assert!(calls > 2 * 2, "{calls}");
    });
}

/// For one account its own Macie is its to turn off: a denied DisableMacie is a failure and
/// Macie stays on; it used to be reported as applied ("Macie is not enabled" and a denial
/// share one error code, told apart by the message).
#[test]
fn a_denied_disable_macie_is_a_failure_for_one_account() {
    use shubctl::provider::aws::{AwsOptions, AwsProvider};
    runtime().block_on(async {
        let mut file = crate::aws::org_snapshot();
        file.resources.insert(
            "444444444444/us-east-1/macie".parse().unwrap(),
            serde_json::json!({"status": "ENABLED", "finding_publishing_frequency": "ONE_HOUR"}),
        );
        let emu = shubctl_emulator::Emulator::start(
            file,
            denying(&[("444444444444", "macie2:DisableMacie")]),
        )
        .await;
        let cfg = as_account(&emu, "444444444444", "us-east-1").await;
        let aws = AwsProvider::connect(AwsOptions::default(), Some(cfg))
            .await
            .expect("connects");
        let mut d = shubctl::spec::diagnostics::Diagnostics::default();
        let p = shubctl::spec::load_str(
            "policy.yaml",
            "shubctl: 1\naccount: \"444444444444\"\nregions: { home: us-east-1, include: [us-east-1] }\nintegrations:\n  macie: { status: disabled }\n",
            &crate::common::options(),
            &mut d,
        );
        assert!(!d.has_errors(), "{:?}", d.items);
        let plan = plan_with(&p, &aws).await;
        let planned: Vec<String> = plan
            .changes
            .iter()
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        assert!(
            planned.contains(&"delete 444444444444/us-east-1/macie".to_string()),
            "{planned:?}"
        );
        let report = apply_with(&plan, &aws).await;
        let failed: Vec<String> = report
            .entries
            .iter()
            .filter(|e| matches!(e.outcome, shubctl::apply::Outcome::Failed { .. }))
            .map(|e| e.address.to_string())
            .collect();
        assert_eq!(failed, ["444444444444/us-east-1/macie"], "{}", report.render_text());
        assert!(
            emu.dump()
                .resources
                .contains_key(&"444444444444/us-east-1/macie".parse().unwrap()),
            "Macie stays on"
        );
    });
}
