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
