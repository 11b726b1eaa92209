//! Hub, standards, control associations and security controls.

use std::time::Duration;

use aws_sdk_securityhub::types::{
    AssociationStatus, ControlFindingGenerator, ParameterConfiguration, ParameterValue,
    ParameterValueType, StandardsControlAssociationId, StandardsControlAssociationUpdate,
    StandardsStatus, StandardsSubscriptionRequest,
};
use shubctl_emulator::Config;

use crate::common::*;

const FSBP: &str =
    "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0";
const CIS12: &str = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0";
const PCI: &str = "arn:aws:securityhub:eu-west-1::standards/pci-dss/v/3.2.1";

#[tokio::test]
async fn hub_lifecycle_and_not_subscribed_errors() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, DEV, REGION).await;

    let e = c.describe_hub().send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidAccessException");
    assert_eq!(status(&e), 401);
    assert!(
        e.as_service_error()
            .unwrap()
            .to_string()
            .contains("Account 444444444444 is not subscribed to AWS Security Hub"),
        "{e:?}"
    );
    // Every other operation says the same while the hub is off.
    let e = c.get_enabled_standards().send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidAccessException");
    let e = c.list_members().send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidAccessException");

    c.enable_security_hub().send().await.unwrap();
    let e = c.enable_security_hub().send().await.unwrap_err();
    assert_eq!(code(&e), "ResourceConflictException");
    assert_eq!(status(&e), 409);

    let hub = c.describe_hub().send().await.unwrap();
    assert_eq!(
        hub.hub_arn(),
        Some("arn:aws:securityhub:eu-west-1:444444444444:hub/default")
    );
    assert_eq!(
        hub.control_finding_generator(),
        Some(&ControlFindingGenerator::SecurityControl)
    );
    assert_eq!(hub.auto_enable_controls(), Some(true));
    assert!(hub.subscribed_at().is_some_and(|s| s.ends_with('Z')));

    // EnableDefaultStandards defaults to true: FSBP and CIS 1.2.0.
    let subs: Vec<_> = c
        .get_enabled_standards()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let mut arns: Vec<String> = subs
        .into_iter()
        .map(|s| s.unwrap().standards_arn().unwrap().to_string())
        .collect();
    arns.sort();
    assert_eq!(arns, [CIS12, FSBP]);

    c.update_security_hub_configuration()
        .auto_enable_controls(false)
        .control_finding_generator(ControlFindingGenerator::StandardControl)
        .send()
        .await
        .unwrap();
    let hub = c.describe_hub().send().await.unwrap();
    assert_eq!(hub.auto_enable_controls(), Some(false));
    assert_eq!(
        hub.control_finding_generator(),
        Some(&ControlFindingGenerator::StandardControl)
    );

    let e = c
        .describe_hub()
        .hub_arn("arn:aws:securityhub:eu-west-1:444444444444:hub/other")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");

    c.disable_security_hub().send().await.unwrap();
    assert_eq!(
        code(&c.describe_hub().send().await.unwrap_err()),
        "InvalidAccessException"
    );
    // Disabling forgets the standards.
    c.enable_security_hub()
        .enable_default_standards(false)
        .send()
        .await
        .unwrap();
    assert!(
        c.get_enabled_standards()
            .send()
            .await
            .unwrap()
            .standards_subscriptions()
            .is_empty()
    );
    let dump = emu.dump();
    assert!(
        !dump
            .resources
            .keys()
            .any(|a| a.to_string().starts_with("444444444444/eu-west-1/standard"))
    );
    assert!(
        dump.resources
            .contains_key(&"444444444444/eu-west-1/hub".parse().unwrap())
    );
}

#[tokio::test]
async fn admin_and_org_members_cannot_disable_their_hub() {
    let emu = start(no_quotas()).await;
    let e = sh(&emu, ADMIN, REGION)
        .await
        .disable_security_hub()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    let e = sh(&emu, PROD, REGION)
        .await
        .disable_security_hub()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
}

#[tokio::test]
async fn describe_standards_pages_through_the_catalog() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let first = c.describe_standards().send().await.unwrap();
    assert_eq!(first.standards().len(), 2, "page_size 2");
    assert!(first.next_token().is_some());
    let all: Vec<_> = c
        .describe_standards()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let all: Vec<_> = all.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        all.len(),
        shubctl::model::catalog::catalog().standards.len()
    );
    assert!(
        all.iter()
            .any(|s| s.standards_arn() == Some(CIS12) && s.enabled_by_default() == Some(true))
    );
    assert!(
        all.iter()
            .any(|s| s.standards_arn() == Some(PCI) && s.enabled_by_default() == Some(false))
    );
    let e = c
        .describe_standards()
        .max_results(101)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
    let e = c
        .describe_standards()
        .next_token("garbage")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
}

#[tokio::test]
async fn standards_go_pending_ready_deleting_gone() {
    let emu = start(Config {
        standard_delay: Duration::from_millis(300),
        ..no_quotas()
    })
    .await;
    let c = sh(&emu, ADMIN, REGION).await;

    let out = c
        .batch_enable_standards()
        .standards_subscription_requests(
            StandardsSubscriptionRequest::builder()
                .standards_arn(PCI)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let sub = &out.standards_subscriptions()[0];
    assert_eq!(sub.standards_status(), Some(&StandardsStatus::Pending));
    assert_eq!(
        sub.standards_subscription_arn(),
        Some("arn:aws:securityhub:eu-west-1:222222222222:subscription/pci-dss/v/3.2.1")
    );
    assert_eq!(
        sub.standards_controls_updatable().map(|u| u.as_str()),
        Some("NOT_READY_FOR_UPDATES")
    );

    // While pending, association reads and writes come back unprocessed.
    let id = StandardsControlAssociationId::builder()
        .standards_arn(PCI)
        .security_control_id("EC2.2")
        .build();
    let got = c
        .batch_get_standards_control_associations()
        .standards_control_association_ids(id.clone())
        .send()
        .await
        .unwrap();
    assert!(got.standards_control_association_details().is_empty());
    assert_eq!(
        got.unprocessed_associations()[0]
            .error_code()
            .map(|c| c.as_str()),
        Some("RESOURCE_NOT_FOUND")
    );
    let upd = StandardsControlAssociationUpdate::builder()
        .standards_arn(PCI)
        .security_control_id("EC2.2")
        .association_status(AssociationStatus::Disabled)
        .updated_reason("Default VPC security group is managed by the landing zone")
        .build();
    let res = c
        .batch_update_standards_control_associations()
        .standards_control_association_updates(upd.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.unprocessed_association_updates().len(), 1);
    let summaries = c
        .list_standards_control_associations()
        .security_control_id("EC2.2")
        .send()
        .await
        .unwrap();
    assert!(
        summaries
            .standards_control_association_summaries()
            .iter()
            .all(|s| s.standards_arn() != Some(PCI))
    );

    tokio::time::sleep(Duration::from_millis(350)).await;
    let subs = c
        .get_enabled_standards()
        .max_results(100)
        .send()
        .await
        .unwrap();
    assert_eq!(
        subs.standards_subscriptions().len(),
        2,
        "page_size caps MaxResults"
    );
    let all: Vec<_> = c
        .get_enabled_standards()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let pci = all
        .into_iter()
        .map(Result::unwrap)
        .find(|s| s.standards_arn() == Some(PCI))
        .unwrap();
    assert_eq!(pci.standards_status(), Some(&StandardsStatus::Ready));

    let res = c
        .batch_update_standards_control_associations()
        .standards_control_association_updates(upd)
        .send()
        .await
        .unwrap();
    assert!(res.unprocessed_association_updates().is_empty(), "{res:?}");
    let got = c
        .batch_get_standards_control_associations()
        .standards_control_association_ids(id)
        .send()
        .await
        .unwrap();
    let d = &got.standards_control_association_details()[0];
    assert_eq!(d.association_status(), Some(&AssociationStatus::Disabled));
    assert_eq!(
        d.updated_reason(),
        Some("Default VPC security group is managed by the landing zone")
    );
    assert_eq!(
        d.security_control_arn(),
        Some("arn:aws:securityhub:eu-west-1:222222222222:security-control/EC2.2")
    );
    assert!(d.updated_at().is_some());
    let dump = emu.dump();
    assert!(
        dump.resources.contains_key(
            &"222222222222/eu-west-1/control/EC2.2@pci-dss/3.2.1"
                .parse()
                .unwrap()
        )
    );

    let out = c
        .batch_disable_standards()
        .standards_subscription_arns(
            "arn:aws:securityhub:eu-west-1:222222222222:subscription/pci-dss/v/3.2.1",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.standards_subscriptions()[0].standards_status(),
        Some(&StandardsStatus::Deleting)
    );
    let all: Vec<_> = c
        .get_enabled_standards()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert!(
        all.into_iter()
            .map(Result::unwrap)
            .any(|s| s.standards_status() == Some(&StandardsStatus::Deleting))
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let all: Vec<_> = c
        .get_enabled_standards()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert!(
        all.into_iter()
            .map(Result::unwrap)
            .all(|s| s.standards_arn() != Some(PCI))
    );
    assert!(
        !emu.dump()
            .resources
            .keys()
            .any(|a| a.to_string().contains("pci-dss"))
    );

    let e = c
        .batch_enable_standards()
        .standards_subscription_requests(
            StandardsSubscriptionRequest::builder()
                .standards_arn("arn:aws:securityhub:::standards/nope/v/1")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidInputException");
}

#[tokio::test]
async fn sparse_associations_and_injected_failures() {
    let mut cfg = no_quotas();
    cfg.fail_association_controls.insert("S3.1".into());
    let emu = start(cfg).await;
    let c = sh(&emu, ADMIN, REGION).await;

    // The snapshot lists IAM.6 disabled; everything else in FSBP exists, enabled.
    let ids = ["IAM.6", "S3.1", "NOPE.1"].map(|ctl| {
        StandardsControlAssociationId::builder()
            .standards_arn(FSBP)
            .security_control_id(ctl)
            .build()
    });
    let got = c
        .batch_get_standards_control_associations()
        .set_standards_control_association_ids(Some(ids.to_vec()))
        .send()
        .await
        .unwrap();
    let details = got.standards_control_association_details();
    assert_eq!(details.len(), 2);
    assert_eq!(
        details[0].association_status(),
        Some(&AssociationStatus::Disabled)
    );
    assert_eq!(
        details[0].updated_reason(),
        Some("Hardware MFA for root is handled by the break-glass process")
    );
    assert_eq!(
        details[0].standards_control_arns(),
        [
            "arn:aws:securityhub:eu-west-1:222222222222:control/aws-foundational-security-best-practices/v/1.0.0/IAM.6"
        ]
    );
    assert_eq!(
        details[1].association_status(),
        Some(&AssociationStatus::Enabled)
    );
    assert_eq!(got.unprocessed_associations().len(), 1);
    assert_eq!(
        got.unprocessed_associations()[0]
            .standards_control_association_id()
            .unwrap()
            .security_control_id(),
        Some("NOPE.1")
    );

    // CIS 1.2.0 uses the global ruleset ARN and its own numbering.
    let cis = StandardsControlAssociationId::builder()
        .standards_arn(CIS12)
        .security_control_id("IAM.6")
        .build();
    let got = c
        .batch_get_standards_control_associations()
        .standards_control_association_ids(cis)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.standards_control_association_details()[0].association_status(),
        Some(&AssociationStatus::Disabled)
    );

    let upd = |ctl: &str, st: AssociationStatus| {
        StandardsControlAssociationUpdate::builder()
            .standards_arn(FSBP)
            .security_control_id(ctl)
            .association_status(st)
            .updated_reason("Reason")
            .build()
    };
    let res = c
        .batch_update_standards_control_associations()
        .standards_control_association_updates(upd("IAM.6", AssociationStatus::Enabled))
        .standards_control_association_updates(upd("S3.1", AssociationStatus::Disabled))
        .standards_control_association_updates(upd("EC2.2", AssociationStatus::Disabled))
        .standards_control_association_updates(
            StandardsControlAssociationUpdate::builder()
                .standards_arn(FSBP)
                .security_control_id("EC2.3")
                .association_status(AssociationStatus::Disabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let un = res.unprocessed_association_updates();
    assert_eq!(un.len(), 2, "{un:?}");
    assert_eq!(
        un[0]
            .standards_control_association_update()
            .unwrap()
            .security_control_id(),
        Some("S3.1")
    );
    assert_eq!(
        un[0].error_code().map(|c| c.as_str()),
        Some("INVALID_INPUT")
    );
    assert_eq!(
        un[1]
            .standards_control_association_update()
            .unwrap()
            .security_control_id(),
        Some("EC2.3"),
        "no reason"
    );

    let summaries: Vec<_> = c
        .list_standards_control_associations()
        .security_control_id("IAM.6")
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let summaries: Vec<_> = summaries.into_iter().map(Result::unwrap).collect();
    assert_eq!(summaries.len(), 2, "FSBP and CIS 1.2.0");
    let fsbp = summaries
        .iter()
        .find(|s| s.standards_arn() == Some(FSBP))
        .unwrap();
    assert_eq!(fsbp.association_status(), Some(&AssociationStatus::Enabled));

    let dump = emu.dump();
    let disabled: Vec<String> = dump
        .resources
        .keys()
        .map(|a| a.to_string())
        .filter(|a| a.starts_with("222222222222/eu-west-1/control/"))
        .collect();
    assert_eq!(
        disabled,
        [
            "222222222222/eu-west-1/control/EC2.2@fsbp/1.0.0",
            "222222222222/eu-west-1/control/IAM.6@cis/1.2.0"
        ]
    );
}

#[tokio::test]
async fn security_controls_and_parameters() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let out = c
        .batch_get_security_controls()
        .security_control_ids("IAM.7")
        .security_control_ids("arn:aws:securityhub:eu-west-1:222222222222:security-control/IAM.6")
        .security_control_ids("NOPE.9")
        .send()
        .await
        .unwrap();
    let ctl = &out.security_controls()[0];
    assert_eq!(ctl.security_control_id(), Some("IAM.7"));
    let p = ctl.parameters().unwrap();
    assert_eq!(
        p["MaxPasswordAge"].value(),
        Some(&ParameterValue::Integer(90))
    );
    assert_eq!(
        p["MaxPasswordAge"].value_type(),
        Some(&ParameterValueType::Custom)
    );
    assert_eq!(
        p["RequireSymbols"].value(),
        Some(&ParameterValue::Boolean(true))
    );
    assert_eq!(
        out.security_controls()[1].security_control_id(),
        Some("IAM.6")
    );
    assert_eq!(
        out.security_controls()[1]
            .security_control_status()
            .map(|s| s.as_str()),
        Some("DISABLED")
    );
    assert_eq!(
        out.unprocessed_ids()[0].security_control_id(),
        Some("NOPE.9")
    );

    let e = c
        .update_security_control()
        .security_control_id("EC2.18")
        .parameters(
            "authorizedTcpPorts",
            ParameterConfiguration::builder()
                .value_type(ParameterValueType::Custom)
                .value(ParameterValue::IntegerList(vec![443]))
                .build(),
        )
        .last_update_reason("Only HTTPS, per ticket SEC-12.")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        "InvalidInputException",
        "periods are not allowed in LastUpdateReason"
    );
    c.update_security_control()
        .security_control_id("EC2.18")
        .parameters(
            "authorizedTcpPorts",
            ParameterConfiguration::builder()
                .value_type(ParameterValueType::Custom)
                .value(ParameterValue::IntegerList(vec![443]))
                .build(),
        )
        .last_update_reason("Only HTTPS per ticket SEC-12")
        .send()
        .await
        .unwrap();
    c.update_security_control()
        .security_control_id("IAM.7")
        .parameters(
            "RequireSymbols",
            ParameterConfiguration::builder()
                .value_type(ParameterValueType::Default)
                .build(),
        )
        .parameters(
            "PasswordReusePrevention",
            ParameterConfiguration::builder()
                .value_type(ParameterValueType::Custom)
                .value(ParameterValue::Integer(24))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let e = c
        .update_security_control()
        .security_control_id("NOPE.1")
        .parameters(
            "x",
            ParameterConfiguration::builder()
                .value_type(ParameterValueType::Default)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");

    let out = c
        .batch_get_security_controls()
        .security_control_ids("EC2.18")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.security_controls()[0].last_update_reason(),
        Some("Only HTTPS per ticket SEC-12")
    );
    let dump = emu.dump();
    let v = |a: &str| dump.resources[&a.parse().unwrap()].clone();
    assert_eq!(
        v("222222222222/eu-west-1/control-parameters/EC2.18"),
        serde_json::json!({ "parameters": { "authorizedTcpPorts": [443] } })
    );
    assert_eq!(
        v("222222222222/eu-west-1/control-parameters/IAM.7"),
        serde_json::json!({ "parameters": { "MaxPasswordAge": 90, "PasswordReusePrevention": 24 } })
    );
}

#[tokio::test]
async fn legacy_standards_controls_api() {
    let emu = start(no_quotas()).await;
    let c = sh(&emu, ADMIN, REGION).await;
    let sub = "arn:aws:securityhub:eu-west-1:222222222222:subscription/cis-aws-foundations-benchmark/v/1.2.0";
    let all: Vec<_> = c
        .describe_standards_controls()
        .standards_subscription_arn(sub)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let all: Vec<_> = all.into_iter().map(Result::unwrap).collect();
    assert!(all.len() >= 30);
    let iam6 = all
        .iter()
        .find(|c| c.control_status().map(|s| s.as_str()) == Some("DISABLED"))
        .unwrap();
    let arn = iam6.standards_control_arn().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:securityhub:eu-west-1:222222222222:control/cis-aws-foundations-benchmark/v/1.2.0/"), "{arn}");
    c.update_standards_control()
        .standards_control_arn(&arn)
        .control_status(aws_sdk_securityhub::types::ControlStatus::Enabled)
        .send()
        .await
        .unwrap();
    assert!(
        !emu.dump().resources.contains_key(
            &"222222222222/eu-west-1/control/IAM.6@cis/1.2.0"
                .parse()
                .unwrap()
        )
    );
}
