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
