//! IAM Access Analyzer through aws-sdk-accessanalyzer.

use aws_sdk_accessanalyzer::types::{
    AnalyzerConfiguration, Criterion, InlineArchiveRule, Type, UnusedAccessConfiguration,
};
use serde_json::json;

use crate::common::*;

fn unused(age: i32) -> AnalyzerConfiguration {
    AnalyzerConfiguration::UnusedAccess(
        UnusedAccessConfiguration::builder()
            .unused_access_age(age)
            .build(),
    )
}

#[tokio::test]
async fn analyzers_and_archive_rules() {
    let emu = start(no_quotas()).await;
    let aa = analyzer(&emu, PROD, REGION).await;
    let rule = InlineArchiveRule::builder()
        .rule_name("trusted-partner")
        .filter(
            "principal.AWS",
            Criterion::builder().eq("777777777777").build(),
        )
        .build()
        .unwrap();
    let arn = aa
        .create_analyzer()
        .analyzer_name("external")
        .r#type(Type::Account)
        .archive_rules(rule)
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    assert_eq!(
        arn,
        "arn:aws:access-analyzer:eu-west-1:333333333333:analyzer/external"
    );

    let e = aa
        .create_analyzer()
        .analyzer_name("external")
        .r#type(Type::AccountUnusedAccess)
        .send()
        .await
        .unwrap_err();
    assert_eq!((code(&e).as_str(), status(&e)), ("ConflictException", 409));
    // one account-level analyzer per type per region
    let e = aa
        .create_analyzer()
        .analyzer_name("external2")
        .r#type(Type::Account)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("ServiceQuotaExceededException", 402)
    );
    // ...but another region is fine
    analyzer(&emu, PROD, "us-east-1")
        .await
        .create_analyzer()
        .analyzer_name("external2")
        .r#type(Type::Account)
        .send()
        .await
        .unwrap();
    // unusedAccess only on unused-access types
    let e = aa
        .create_analyzer()
        .analyzer_name("bad")
        .r#type(Type::Account)
        .configuration(unused(30))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");

    aa.create_analyzer()
        .analyzer_name("unused")
        .r#type(Type::AccountUnusedAccess)
        .configuration(unused(30))
        .send()
        .await
        .unwrap();
    aa.create_analyzer()
        .analyzer_name("a-default")
        .r#type(Type::AccountUnusedAccess)
        .send()
        .await
        .unwrap_err();
    let list = aa.list_analyzers().send().await.unwrap();
    assert_eq!(list.analyzers().len(), 2);
    assert!(list.analyzers().iter().all(|a| a.configuration().is_none()));
    let only = aa
        .list_analyzers()
        .r#type(Type::AccountUnusedAccess)
        .send()
        .await
        .unwrap();
    assert_eq!(
        only.analyzers()
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>(),
        ["unused"]
    );

    let got = aa
        .get_analyzer()
        .analyzer_name("unused")
        .send()
        .await
        .unwrap();
    let a = got.analyzer().unwrap();
    assert_eq!(a.status().as_str(), "ACTIVE");
    assert_eq!(
        a.configuration()
            .unwrap()
            .as_unused_access()
            .unwrap()
            .unused_access_age(),
        Some(30)
    );
    let out = aa
        .update_analyzer()
        .analyzer_name("unused")
        .configuration(unused(60))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.configuration()
            .unwrap()
            .as_unused_access()
            .unwrap()
            .unused_access_age(),
        Some(60)
    );

    // archive rules
    aa.create_archive_rule()
        .analyzer_name("external")
        .rule_name("buckets")
        .filter(
            "resourceType",
            Criterion::builder().eq("AWS::S3::Bucket").build(),
        )
        .filter("isPublic", Criterion::builder().exists(false).build())
        .send()
        .await
        .unwrap();
    let e = aa
        .create_archive_rule()
        .analyzer_name("external")
        .rule_name("buckets")
        .filter("a", Criterion::builder().exists(true).build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ConflictException");
    aa.update_archive_rule()
        .analyzer_name("external")
        .rule_name("trusted-partner")
        .filter(
            "principal.AWS",
            Criterion::builder()
                .eq("777777777777")
                .eq("888888888888")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rules = aa
        .list_archive_rules()
        .analyzer_name("external")
        .send()
        .await
        .unwrap();
    assert_eq!(
        rules
            .archive_rules()
            .iter()
            .map(|r| r.rule_name())
            .collect::<Vec<_>>(),
        ["buckets", "trusted-partner"]
    );
    let r = aa
        .get_archive_rule()
        .analyzer_name("external")
        .rule_name("buckets")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.archive_rule().unwrap().filter()["isPublic"].exists(),
        Some(false)
    );

    let dump = emu.dump();
    assert_eq!(
        dump.resources[&"333333333333/eu-west-1/analyzer/external".parse().unwrap()],
        json!({ "type": "ACCOUNT", "archive_rules": {
            "buckets": { "isPublic": { "exists": false }, "resourceType": { "eq": ["AWS::S3::Bucket"] } },
            "trusted-partner": { "principal.AWS": { "eq": ["777777777777", "888888888888"] } }
        } })
    );
    assert_eq!(
        dump.resources[&"333333333333/eu-west-1/analyzer/unused".parse().unwrap()],
        json!({ "type": "ACCOUNT_UNUSED_ACCESS", "unused_access_age": 60, "archive_rules": {} })
    );

    aa.delete_archive_rule()
        .analyzer_name("external")
        .rule_name("buckets")
        .send()
        .await
        .unwrap();
    let e = aa
        .get_archive_rule()
        .analyzer_name("external")
        .rule_name("buckets")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (code(&e).as_str(), status(&e)),
        ("ResourceNotFoundException", 404)
    );
    aa.delete_analyzer()
        .analyzer_name("unused")
        .send()
        .await
        .unwrap();
    let e = aa
        .delete_analyzer()
        .analyzer_name("unused")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ResourceNotFoundException");
    assert_eq!(
        code(
            &aa.get_analyzer()
                .analyzer_name("unused")
                .send()
                .await
                .unwrap_err()
        ),
        "ResourceNotFoundException"
    );
    // organisation analyzers need an organisation
    let e = analyzer(&emu, LONER, REGION)
        .await
        .create_analyzer()
        .analyzer_name("org")
        .r#type(Type::Organization)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException");

    let ops: Vec<(String, String, bool)> = emu
        .calls()
        .into_iter()
        .map(|c| (c.service, c.operation, c.mutating))
        .filter(|(_, op, _)| op == "ListAnalyzers" || op == "CreateAnalyzer")
        .take(2)
        .collect();
    assert_eq!(
        ops,
        [
            ("access-analyzer".into(), "CreateAnalyzer".into(), true),
            ("access-analyzer".into(), "CreateAnalyzer".into(), true)
        ]
    );
}

/// Organisation analyzers belong to the management account or Access Analyzer's delegated
/// administrator (registered through Organizations for `access-analyzer.amazonaws.com`): a
/// plain member is refused, the registered one is not. One organisation internal-access
/// analyzer per organisation per region (the quotas page).
#[tokio::test]
async fn organisation_analyzers_are_the_management_account_s_or_the_delegated_admin_s() {
    let emu = start(no_quotas()).await;
    let create = |account: &'static str, name: &'static str, t: Type| {
        let emu = &emu;
        async move {
            analyzer(emu, account, REGION)
                .await
                .create_analyzer()
                .analyzer_name(name)
                .r#type(t)
                .send()
                .await
        }
    };
    let e = create(PROD, "org", Type::Organization).await.unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    assert_eq!(
        message(&e),
        "Account 333333333333 is not a delegated administrator"
    );
    let e = create(ADMIN, "org", Type::OrganizationUnusedAccess)
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException", "not registered yet");
    // Account-level analyzers stay every account's own.
    create(PROD, "mine", Type::Account).await.unwrap();

    let o = orgs(&emu, MGMT).await;
    o.register_delegated_administrator()
        .account_id(ADMIN)
        .service_principal("access-analyzer.amazonaws.com")
        .send()
        .await
        .unwrap();
    let e = o
        .register_delegated_administrator()
        .account_id(ADMIN)
        .service_principal("access-analyzer.amazonaws.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccountAlreadyRegisteredException");
    let e = o
        .register_delegated_administrator()
        .account_id(MGMT)
        .service_principal("access-analyzer.amazonaws.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ConstraintViolationException");
    let listed = o
        .list_delegated_administrators()
        .service_principal("access-analyzer.amazonaws.com")
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .delegated_administrators()
        .iter()
        .filter_map(|a| a.id())
        .collect();
    assert_eq!(ids, [ADMIN]);

    create(ADMIN, "org", Type::Organization).await.unwrap();
    create(MGMT, "org", Type::Organization).await.unwrap();
    create(ADMIN, "internal", Type::OrganizationInternalAccess)
        .await
        .unwrap();
    // A second internal-access analyzer in the organisation, from another account: over quota.
    let e = create(MGMT, "internal", Type::OrganizationInternalAccess)
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ServiceQuotaExceededException");
    // In another region it is a first one.
    analyzer(&emu, MGMT, "us-east-1")
        .await
        .create_analyzer()
        .analyzer_name("internal")
        .r#type(Type::OrganizationInternalAccess)
        .send()
        .await
        .unwrap();

    o.deregister_delegated_administrator()
        .account_id(ADMIN)
        .service_principal("access-analyzer.amazonaws.com")
        .send()
        .await
        .unwrap();
    let e = create(ADMIN, "org2", Type::Organization).await.unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException");
    let e = o
        .deregister_delegated_administrator()
        .account_id(ADMIN)
        .service_principal("access-analyzer.amazonaws.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccountNotRegisteredException");
}
