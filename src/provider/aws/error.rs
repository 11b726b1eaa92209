//! SDK errors as provider errors, and the helpers every kind's writer shares.

use aws_sdk_securityhub::error::ProvideErrorMetadata;

use crate::model::Change;
use crate::model::{ProviderError, Resource, Target};

/// What a writer returns for each change of a batch.
pub(crate) type Outcome = Result<(), ProviderError>;

/// An SDK error as a provider error: the service's code and message when there are some.
pub(crate) fn sdk_error<E, R>(
    target: Target,
    e: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = e.code().map(str::to_string);
    let message = match e.message() {
        Some(m) => m.to_string(),
        None => readable(&aws_smithy_types::error::display::DisplayErrorContext(&e).to_string()),
    };
    ProviderError {
        target,
        code,
        message,
    }
}

/// Why `AwsProvider::connect` failed, told apart so the user knows what to fix: AWS reached
/// but the key refused is not a network problem, and a connection that cannot be made names
/// where it went.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no AWS region configured: set AWS_REGION or a profile region (it picks the STS and Organizations endpoints; scopes use the policy's regions)"
    )]
    NoRegion,
    #[error(
        "`{region}` (the configured region: AWS_REGION or the profile's) is not an AWS region{suggestion}; nothing was called. Set AWS_ENDPOINT_URL to use an endpoint of your own"
    )]
    UnknownRegion { region: String, suggestion: String },
    #[error(
        "the configured region {region} is in partition {partition}, but the policy's regions are in {policy_partition}: credentials and endpoints of one partition do not work in another; set AWS_REGION to a region of {policy_partition}"
    )]
    OtherPartition {
        region: String,
        partition: &'static str,
        policy_partition: String,
    },
    #[error("cannot connect to AWS at {endpoint} (region {region}): {cause}")]
    Unreachable {
        endpoint: String,
        region: String,
        cause: String,
    },
    #[error(
        "AWS refused the credentials (region {region}, partition {partition}): {code}: {message}. Check AWS_PROFILE / AWS_ACCESS_KEY_ID and that the key is of partition {partition}"
    )]
    CredentialsRefused {
        region: String,
        partition: &'static str,
        code: String,
        message: String,
    },
    #[error("cannot reach AWS: {0}")]
    Other(ProviderError),
}

/// Codes AWS answers when it was reached and the key (or its signature, or its session) was
/// refused: every service's, since the first call may go to any endpoint. GetCallerIdentity
/// models no error of its own, so the code is all there is to go by.
const CREDENTIALS_REFUSED: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "AuthFailure",
];

/// Classifies the failure of the first call (`region` is the one it was signed for,
/// `endpoint` where it went).
pub(crate) fn connect_error<E, R>(
    e: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    region: &str,
    endpoint: &str,
) -> ConnectError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    // A connection that could not be made (refused, no route, no such host, timed out), not
    // one that was made and then dropped: that one is worth the configured retries.
    let unreachable = match &e {
        SdkError::DispatchFailure(d) => {
            d.is_timeout()
                || (d.is_io()
                    && d.as_connector_error()
                        .is_some_and(|c| cannot_connect(c as &(dyn std::error::Error + 'static))))
        }
        SdkError::TimeoutError(_) => true,
        _ => false,
    };
    if unreachable {
        let chain =
            readable(&aws_smithy_types::error::display::DisplayErrorContext(&e).to_string());
        return ConnectError::Unreachable {
            endpoint: endpoint.to_string(),
            region: region.to_string(),
            cause: chain,
        };
    }
    if let Some(code) = e.code().filter(|c| CREDENTIALS_REFUSED.contains(c)) {
        return ConnectError::CredentialsRefused {
            region: region.to_string(),
            partition: crate::model::catalog::partition_of(region).name,
            code: code.to_string(),
            message: e.message().unwrap_or_default().to_string(),
        };
    }
    ConnectError::Other(sdk_error(Target::Aws, e))
}

/// Whether an error chain says the connection could not be made: an I/O error of those
/// kinds, or the HTTP client's failure to resolve the host (`dns error`, which carries no
/// kind of its own).
fn cannot_connect(e: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::*;
    let mut cur = Some(e);
    while let Some(x) = cur {
        if let Some(io) = x.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ConnectionRefused
                    | HostUnreachable
                    | NetworkUnreachable
                    | AddrNotAvailable
                    | TimedOut
            )
        {
            return true;
        }
        if x.to_string().starts_with("dns error") {
            return true;
        }
        cur = x.source();
    }
    false
}

/// A configured region checked before any call: known in its partition, and in the policy's
/// partition when there is a policy. `overridden`: an endpoint override is set, so a region
/// name of the user's own (a local stand-in of AWS) is theirs to choose.
pub(crate) fn check_region(
    region: &str,
    policy_partition: Option<&str>,
    overridden: bool,
) -> Result<(), ConnectError> {
    use crate::model::catalog::{REGIONS, is_known_region, partition_of};
    if !overridden && !is_known_region(region) {
        let lower = region.to_ascii_lowercase();
        let best = REGIONS
            .iter()
            .map(|c| (strsim::jaro_winkler(&lower, c), *c))
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        return Err(ConnectError::UnknownRegion {
            region: region.to_string(),
            suggestion: best
                .map(|(_, c)| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default(),
        });
    }
    let partition = partition_of(region).name;
    match policy_partition {
        Some(p) if p != partition => Err(ConnectError::OtherPartition {
            region: region.to_string(),
            partition,
            policy_partition: p.to_string(),
        }),
        _ => Ok(()),
    }
}

/// The SDK's error chain without the Debug dump it appends (` (DispatchFailure(…))`).
pub(crate) fn readable(chain: &str) -> String {
    let bytes = chain.as_bytes();
    let mut cut = chain.len();
    for (i, _) in chain.match_indices(" (") {
        let rest = &bytes[i + 2..];
        let ident = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if ident > 0
            && rest[0].is_ascii_uppercase()
            && rest.get(ident) == Some(&b'(')
            && chain.ends_with(')')
        {
            cut = i;
            break;
        }
    }
    chain[..cut].trim_end().to_string()
}

/// A failure of one change.
pub(crate) fn fail(c: &Change, code: Option<&str>, message: impl Into<String>) -> ProviderError {
    ProviderError::new(Target::Address(c.address.clone()), code, message)
}

/// The same error for every change of a batch (the batch call itself failed).
pub(crate) fn fail_all(batch: &[Change], e: &ProviderError) -> Vec<Outcome> {
    batch
        .iter()
        .map(|c| Err(fail(c, e.code.as_deref(), e.message.clone())))
        .collect()
}

/// The value a create or update sets.
pub(crate) fn value(c: &Change) -> Result<Resource, ProviderError> {
    let after = c
        .after
        .clone()
        .ok_or_else(|| fail(c, None, "the change has no value"))?;
    Resource::from_json(c.address.kind, after).map_err(|e| fail(c, None, e.to_string()))
}

/// The value of a kind's own variant, or a failure naming what was expected.
macro_rules! value_of {
    ($c:expr, $variant:ident) => {
        match $crate::provider::aws::error::value($c)? {
            $crate::model::Resource::$variant(v) => v,
            _ => {
                return Err($crate::provider::aws::error::fail(
                    $c,
                    None,
                    concat!("not a ", stringify!($variant), " value"),
                ))
            }
        }
    };
}
pub(crate) use value_of;

/// The field of `before` that a change replaces (an administrator's account, say).
pub(crate) fn before_str<'a>(c: &'a Change, field: &str) -> Option<&'a str> {
    c.before
        .as_ref()
        .and_then(|b| b.get(field))
        .and_then(serde_json::Value::as_str)
}

/// A value AWS answered, as one of the wire values shubctl knows (`model::wire`): one it does
/// not know is an error naming it, never read as some other value.
pub(crate) fn wire<T: std::str::FromStr<Err = String>>(
    target: &Target,
    field: &str,
    value: Option<&str>,
) -> Result<T, ProviderError> {
    let value = value.unwrap_or("");
    value.parse().map_err(|e| {
        ProviderError::new(
            target.clone(),
            None,
            format!("AWS answered a {field} shubctl does not know: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_mistyped_region_is_refused_with_a_suggestion_unless_an_endpoint_is_set() {
        let e = super::check_region("us-eats-1", None, false).unwrap_err();
        assert!(e.to_string().contains("did you mean `us-east-1`?"), "{e}");
        assert!(super::check_region("us-eats-1", None, true).is_ok());
        assert!(super::check_region("eu-west-1", Some("aws"), false).is_ok());
    }

    #[test]
    fn a_region_of_another_partition_than_the_policys_is_refused_naming_both() {
        let e = super::check_region("cn-north-1", Some("aws"), false).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("partition aws-cn") && m.contains("are in aws"),
            "{m}"
        );
        // An endpoint override does not make another partition's region right.
        assert!(super::check_region("us-gov-west-1", Some("aws"), true).is_err());
    }

    #[test]
    fn readable_drops_the_debug_tail() {
        assert_eq!(
            super::readable(
                "dispatch failure: no credentials (DispatchFailure(DispatchFailure { x: 1 }))"
            ),
            "dispatch failure: no credentials"
        );
        assert_eq!(
            super::readable("service error: Access denied (for role x)"),
            "service error: Access denied (for role x)"
        );
    }
}
