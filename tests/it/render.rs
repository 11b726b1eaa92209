//! Snapshot tests of the three renderers, all from the same plan.

use shubctl::plan::render::{Format, RenderOptions, markdown, render};

use crate::common::*;

#[test]
fn text() {
    let (p, s) = showcase();
    let plan = plan(&p, &s);
    insta::assert_snapshot!(render(&plan, Format::Text, RenderOptions::default()));
}

#[test]
fn text_in_colour_marks_weakening_changes() {
    let (p, s) = showcase();
    let out = render(
        &plan(&p, &s),
        Format::Text,
        RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    assert!(out.contains("\x1b[31m!\x1b[0m"), "weakening marker is red");
    assert!(out.contains("\x1b[32m+\x1b[0m"));
}

#[test]
fn markdown() {
    let (p, s) = showcase();
    insta::assert_snapshot!(render(
        &plan(&p, &s),
        Format::Markdown,
        RenderOptions::default()
    ));
}

#[test]
fn json() {
    let (p, s) = showcase();
    let out = render(&plan(&p, &s), Format::Json, RenderOptions::default());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], 1);
    for key in ["address", "action", "weakens_posture", "before", "after"] {
        assert!(v["changes"][0].get(key).is_some(), "changes[] has {key}");
    }
    insta::assert_snapshot!(out.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"));
}

#[test]
fn no_changes_renders_as_such_in_every_format() {
    let (p, s) = showcase();
    let first = plan(&p, &s);
    block_on(shubctl::apply::apply(
        &first,
        &s,
        &shubctl::apply::ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    let again = plan(&p, &s);
    assert!(again.changes.is_empty());
    assert!(render(&again, Format::Text, RenderOptions::default()).contains("No changes."));
    assert!(render(&again, Format::Markdown, RenderOptions::default()).contains("**No changes.**"));
    assert!(render(&again, Format::Json, RenderOptions::default()).contains("\"changes\": []"));
}

/// A source that cannot read one scope, as when AssumeRole into an account fails.
struct Unreadable<'a> {
    inner: &'a shubctl::provider::snapshot::Snapshot,
    account: &'static str,
}

impl shubctl::provider::StateSource for Unreadable<'_> {
    async fn read_org(&self) -> Result<shubctl::model::OrgInfo, shubctl::provider::ProviderError> {
        self.inner.read_org().await
    }
    async fn read_scope(
        &self,
        scope: &shubctl::model::Scope,
        kinds: &shubctl::model::KindSet,
    ) -> Result<shubctl::model::ScopeState, shubctl::provider::ProviderError> {
        if scope.account.as_str() == self.account {
            return Err(shubctl::provider::ProviderError::new(
                shubctl::model::Target::Account(scope.account.clone()),
                Some("AccessDenied"),
                "cannot assume the role",
            ));
        }
        self.inner.read_scope(scope, kinds).await
    }
}

/// With scopes unread, no format says the set-up matches the policy: it says how many scopes
/// are unknown.
#[test]
fn unread_scopes_are_unknown_in_every_format() {
    let (p, s) = showcase();
    let first = plan(&p, &s);
    block_on(shubctl::apply::apply(
        &first,
        &s,
        &shubctl::apply::ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    let source = Unreadable {
        inner: &s,
        account: "333333333333",
    };
    let mut d = shubctl::spec::diagnostics::Diagnostics::default();
    let again = block_on(shubctl::engine::plan(
        &p,
        &source,
        "partial",
        today(),
        4,
        false,
        &mut d,
    ))
    .unwrap()
    .plan;
    assert!(again.changes.is_empty());
    assert_eq!(
        again.summary.scopes_unread, 3,
        "one account in three regions"
    );
    let text = render(&again, Format::Text, RenderOptions::default());
    assert!(!text.contains("matches the policy."), "{text}");
    assert!(
        text.contains("3 scope(s) could not be read: whether they match the policy is unknown."),
        "{text}"
    );
    let md = render(&again, Format::Markdown, RenderOptions::default());
    assert!(!md.contains("matches the policy."), "{md}");
    assert!(md.contains("[!CAUTION]") && md.contains("3 scope(s) could not be read"));
    let json: serde_json::Value =
        serde_json::from_str(&render(&again, Format::Json, RenderOptions::default())).unwrap();
    assert_eq!(json["summary"]["scopes_unread"], 3);
    assert_eq!(json["read_failures"].as_array().unwrap().len(), 3);
}

/// A large organisation with a different reason per scope cannot be grouped; the comment must
/// still fit GitHub's limit and say what it left out.
#[test]
fn markdown_stays_under_the_comment_limit() {
    use shubctl::model::organization::{AccountInfo, AccountStatus};
    use shubctl::model::resource::ControlValue;
    use shubctl::model::{AccountId, Address, Kind, OrgInfo, Resource};
    use shubctl::provider::snapshot::Snapshot;

    let p = policy(&["policies"]);
    // 120 member accounts; drift in every scope with a unique reason.
    let mut org = OrgInfo {
        management_account: Some(AccountId::parse("111111111111").unwrap()),
        enabled_regions: vec!["us-east-1".into()],
        ..Default::default()
    };
    for id in ["111111111111", "222222222222", "444444444444"] {
        org.accounts.push(AccountInfo {
            id: AccountId::parse(id).unwrap(),
            name: String::new(),
            status: AccountStatus::Active,
            parent: "r-ex01".into(),
        });
    }
    let mut state = shubctl::model::State::default();
    for n in 0..120u64 {
        let id = AccountId::parse(&format!("{:012}", 500_000_000_000 + n)).unwrap();
        org.accounts.push(AccountInfo {
            id: id.clone(),
            name: String::new(),
            status: AccountStatus::Active,
            parent: "r-ex01".into(),
        });
        for region in ["us-east-1", "us-west-2", "eu-west-1"] {
            state.insert(
                Address::keyed(&id, region, Kind::Standard, "fsbp/1.0.0"),
                Resource::Standard(Default::default()),
            );
            for ctl in ["S3.1", "EC2.2", "Lambda.1"] {
                state.insert(
                    Address::keyed(&id, region, Kind::Control, format!("{ctl}@fsbp/1.0.0")),
                    Resource::Control(ControlValue::disabled(format!("by hand in {n} {region}"))),
                );
            }
        }
    }
    let s = Snapshot::from_state(org, state);
    let out = markdown::render(&plan(&p, &s));
    assert!(
        out.chars().count() <= markdown::COMMENT_LIMIT,
        "{} chars",
        out.chars().count()
    );
    assert!(out.contains("not shown to stay under GitHub's comment limit"));
    assert!(out.starts_with("### shubctl plan:"));
}
