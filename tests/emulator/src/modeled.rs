//! The errors the emulator may answer (API.md §0.5): for each operation, the codes the AWS SDK
//! for Rust models for it (`data/modeled-errors.json`, generated from the SDK crates by
//! `tools/gen_modeled_errors.py`), plus the few AWS documents beyond an operation's model,
//! each with where. Any other code is answered as [`UNMODELLED`] instead, so the test that
//! provoked it fails naming the operation and the code: the SDK would parse the original as an
//! unhandled error, which a product matching on modelled errors would never see from AWS.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde_json::Value;

use crate::util::ApiError;

/// What an unmodelled answer is replaced with.
pub const UNMODELLED: &str = "EmulatorUnmodelledError";

/// Errors AWS answers whatever the operation's model says: (signing name, `*` for every
/// service, or `<signing name>:<Operation>` for one operation; the code; where AWS documents it, as API.md §0.5 cites it).
pub const DOCUMENTED: &[(&str, &str, &str)] = &[
    // Observed: AWS refuses to disable the administrator's hub with InvalidInputException
    // (API.md §1.1 [tf]: terraform-provider-aws retries exactly that answer).
    (
        "securityhub:DisableSecurityHub",
        "InvalidInputException",
        "API.md §1.1 [tf]",
    ),
    // The API references' "Common Errors" (every operation of every query and JSON service).
    ("*", "AccessDeniedException", "Common Errors"),
    ("*", "ThrottlingException", "Common Errors"),
    ("*", "InternalFailure", "Common Errors"),
    ("*", "ValidationError", "Common Errors"),
    // Common Errors' ValidationError ("The input fails to satisfy the constraints specified
    // by an AWS service") as the JSON protocols name it on the wire.
    ("*", "ValidationException", "Common Errors (JSON protocols)"),
    ("*", "InvalidClientTokenId", "Common Errors"),
    // STS answers permission failures with this code (IAM user guide, troubleshooting
    // AssumeRole; STS API reference, AssumeRole "Errors" notes AccessDenied is not modelled).
    ("sts", "AccessDenied", "STS AssumeRole, IAM troubleshooting"),
    (
        "sts",
        "Throttling",
        "STS API reference, common errors of query APIs",
    ),
];

static MODELLED: LazyLock<HashMap<(String, String), BTreeSet<String>>> = LazyLock::new(|| {
    let v: Value = serde_json::from_str(include_str!("../data/modeled-errors.json"))
        .expect("the generated file is JSON");
    let mut out = HashMap::new();
    for (service, s) in v.as_object().expect("an object") {
        for (op, codes) in s["operations"].as_object().expect("operations") {
            let codes = codes
                .as_array()
                .expect("codes")
                .iter()
                .map(|c| c.as_str().expect("a code").to_string())
                .collect();
            out.insert((service.clone(), op.clone()), codes);
        }
    }
    out
});

/// Whether the SDK models `code` for `service`'s `op`, or AWS documents it anyway.
pub fn answerable(service: &str, op: &str, code: &str) -> bool {
    let op_key = format!("{service}:{op}");
    DOCUMENTED
        .iter()
        .any(|(s, c, _)| (*s == "*" || *s == service || *s == op_key) && *c == code)
        || MODELLED
            .get(&(service.to_string(), op.to_string()))
            .is_some_and(|codes| codes.contains(code))
}

/// The error as answered: itself when answerable, else [`UNMODELLED`] naming it.
pub fn checked(service: &str, op: &str, e: ApiError) -> ApiError {
    if answerable(service, op, e.code) {
        return e;
    }
    ApiError::new(
        400,
        UNMODELLED,
        format!(
            "the emulator answered {} ({}) to {service}:{op}, which the AWS SDK for Rust does not model for it and API.md §0.5 does not document",
            e.code, e.message
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_model_is_read() {
        assert!(answerable(
            "securityhub",
            "DescribeHub",
            "InvalidAccessException"
        ));
        assert!(!answerable(
            "securityhub",
            "DescribeHub",
            "ConflictException"
        ));
        assert!(answerable(
            "organizations",
            "ListPoliciesForTarget",
            "TargetNotFoundException"
        ));
        // An operation that models no error still takes the common ones.
        assert!(answerable("sts", "GetCallerIdentity", "AccessDenied"));
        assert!(!answerable(
            "sts",
            "GetCallerIdentity",
            "ExpiredTokenException"
        ));
        let e = checked(
            "guardduty",
            "GetDetector",
            ApiError::new(409, "ConflictException", "x"),
        );
        assert_eq!(e.code, UNMODELLED);
        assert!(e.message.contains("ConflictException"), "{}", e.message);
    }
}
