//! Quotas, faults, drops, latency, call recording, authentication.

use std::time::{Duration, Instant};

use aws_sdk_securityhub::types::StandardsSubscriptionRequest;
use shubctl_emulator::{Call, Config, Emulator};

use crate::common::*;

#[tokio::test]
async fn throttling_is_per_account_region_and_operation() {
    let emu = start(Config {
        quota_scale: 0.2,
        ..Config::default()
    })
    .await;
    let c = sh(&emu, ADMIN, REGION).await;
    let req = |arn: &str| {
        StandardsSubscriptionRequest::builder()
            .standards_arn(arn)
            .build()
    };
    // BatchEnableStandards: 1 rps, burst 1 (scaled to 0.2 rps, still one admitted).
    c.batch_enable_standards()
        .standards_subscription_requests(req(
            "arn:aws:securityhub:eu-west-1::standards/pci-dss/v/3.2.1",
        ))
        .send()
        .await
        .unwrap();
    let e = c
        .batch_enable_standards()
        .standards_subscription_requests(req(
            "arn:aws:securityhub:eu-west-1::standards/nist-800-53/v/5.0.0",
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ThrottlingException");
    assert_eq!(status(&e), 429);
    // Other operations, accounts and regions have their own buckets.
    c.describe_hub().send().await.unwrap();
    sh(&emu, PROD, REGION)
        .await
        .batch_enable_standards()
        .standards_subscription_requests(req(
            "arn:aws:securityhub:eu-west-1::standards/pci-dss/v/3.2.1",
        ))
        .send()
        .await
        .unwrap();

    // 10 rps / burst 30 scaled by 0.2 → burst 6.
    let mut throttled = 0;
    for _ in 0..10 {
        if c.get_enabled_standards().send().await.is_err() {
            throttled += 1;
        }
    }
    assert!((2..=5).contains(&throttled), "{throttled}");
    let calls = emu.calls();
    assert!(
        calls
            .iter()
            .any(|c| c.operation == "BatchEnableStandards" && c.status == 429 && c.mutating)
    );

    emu.set_config(Config {
        quotas_enabled: false,
        ..Config::default()
    });
    for _ in 0..40 {
        c.get_enabled_standards().send().await.unwrap();
    }
}

#[tokio::test]
async fn organizations_throttle_with_too_many_requests() {
    let emu = start(Config {
        quota_scale: 0.05,
        ..Config::default()
    })
    .await;
    let c = orgs(&emu, MGMT).await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        if let Err(e) = c.describe_organization().send().await {
            codes.push(
                aws_sdk_securityhub::error::ProvideErrorMetadata::code(&e)
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    assert_eq!(
        codes,
        ["TooManyRequestsException", "TooManyRequestsException"]
    );
}

#[tokio::test]
async fn faults_and_recorded_calls() {
    let emu = start(Config {
        fault_rate: 1.0,
        ..no_quotas()
    })
    .await;
    let c = sh(&emu, ADMIN, REGION).await;
    let e = c.describe_hub().send().await.unwrap_err();
    assert_eq!(code(&e), "InternalException");
    assert_eq!(status(&e), 500);
    assert_eq!(
        emu.calls(),
        [Call {
            service: "securityhub".into(),
            operation: "DescribeHub".into(),
            account: ADMIN.into(),
            region: REGION.into(),
            mutating: false,
            status: 500
        }]
    );
    emu.clear_calls();
    assert!(emu.calls().is_empty());

    // About half fail at 0.5, deterministically for a seed.
    let run = |seed: u64| async move {
        let emu = start(Config {
            fault_rate: 0.5,
            seed,
            ..no_quotas()
        })
        .await;
        let c = sh(&emu, ADMIN, REGION).await;
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(c.describe_hub().send().await.is_ok());
        }
        out
    };
    let a = run(7).await;
    assert_eq!(a, run(7).await);
    let ok = a.iter().filter(|x| **x).count();
    assert!((10..=30).contains(&ok), "{ok}");

    // With retries on, the SDK rides through faults.
    let emu = start(Config {
        fault_rate: 0.3,
        ..no_quotas()
    })
    .await;
    let conf = aws_sdk_securityhub::config::Builder::from(&sdk(&emu, ADMIN, REGION).await)
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build();
    let c = aws_sdk_securityhub::Client::from_conf(conf);
    for _ in 0..10 {
        c.describe_hub().send().await.unwrap();
    }
    assert!(emu.calls().iter().any(|c| c.status == 500));
}

#[tokio::test]
async fn dropped_connections() {
    let emu = start(Config {
        drop_rate: 1.0,
        ..no_quotas()
    })
    .await;
    let c = sh(&emu, ADMIN, REGION).await;
    let e = c.describe_hub().send().await.unwrap_err();
    assert!(
        matches!(
            e,
            aws_sdk_securityhub::error::SdkError::DispatchFailure(_)
                | aws_sdk_securityhub::error::SdkError::ResponseError(_)
        ),
        "{e:?}"
    );
    assert_eq!(emu.calls()[0].status, 0);
    emu.set_config(no_quotas());
    c.describe_hub().send().await.unwrap();
}

#[tokio::test]
async fn latency_is_added() {
    let emu = start(Config {
        latency: Duration::from_millis(150),
        ..no_quotas()
    })
    .await;
    let c = sh(&emu, ADMIN, REGION).await;
    let t = Instant::now();
    c.describe_hub().send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn unknown_access_keys_are_refused() {
    let emu = start(no_quotas()).await;
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(emu.endpoint())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAEXAMPLE",
            "secret",
            None,
            None,
            "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let e = aws_sdk_securityhub::Client::new(&conf)
        .describe_hub()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "UnrecognizedClientException");
    assert_eq!(status(&e), 403);
    let e = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_securityhub::error::ProvideErrorMetadata::code(&e),
        Some("InvalidClientTokenId")
    );
    let e = aws_sdk_organizations::Client::new(&conf)
        .list_roots()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_securityhub::error::ProvideErrorMetadata::code(&e),
        Some("UnrecognizedClientException")
    );
    assert_eq!(Emulator::access_key("111111111111"), "AKID111111111111");
}

#[tokio::test]
async fn endpoint_is_loopback() {
    let emu = start(Config::default()).await;
    assert!(emu.endpoint().starts_with("http://127.0.0.1:"));
    assert!(emu.config().quotas_enabled);
}
