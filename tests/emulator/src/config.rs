//! AWS Config over awsJson1_1 (API.md §11): the configuration recorder and its status, read-only.
//! The operation is named by the `X-Amz-Target: StarlingDoveService.<Operation>` header.
//!
//! A recorder is set with [`crate::Emulator::set_recorder`] (what `PutConfigurationRecorder`
//! and `StartConfigurationRecorder` would leave); a scope without one answers as an account
//! where AWS Config was never set up: empty lists.

use serde_json::{Value, json};

use crate::http::{Cx, Request};
use crate::route::{Input, Route, by_target, json_body, route};
use crate::util::{ApiError, Res, get_arr, get_str};
use crate::world::World;

const TARGET_PREFIX: &str = "StarlingDoveService.";

pub static ROUTES: &[Route] = &[
    route!("POST" "/" => "DescribeConfigurationRecorders", describe_recorders),
    route!("POST" "/" => "DescribeConfigurationRecorderStatus", describe_status),
];

/// The customer-managed recorder of one account × region and its status.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorder {
    /// `default` unless named otherwise.
    pub name: String,
    /// `recordingGroup.allSupported`.
    pub all_supported: bool,
    /// `recordingGroup.includeGlobalResourceTypes`.
    pub include_global: bool,
    /// With `all_supported` false: the types recorded.
    pub resource_types: Vec<String>,
    /// Started (`StartConfigurationRecorder`) and not stopped since.
    pub recording: bool,
    /// `Pending`, `Success`, `Failure` or `NotApplicable`, as AWS spells them.
    pub last_status: String,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            name: "default".into(),
            all_supported: true,
            include_global: true,
            resource_types: vec![],
            recording: true,
            last_status: "Success".into(),
            last_error_code: None,
            last_error_message: None,
        }
    }
}

/// AWS Config's state in one scope.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub recorder: Option<Recorder>,
}

pub fn route(req: &Request) -> Result<&'static Route, ApiError> {
    by_target(req, ROUTES, TARGET_PREFIX, "AWS Config")
}

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = json_body(req)?;
    (route.handler)(w, cx, &Input { req, body, labels })
}

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m)
}

/// The recorder the request asks about: by name (at most one), by service principal (only
/// service-linked recorders have one, and the emulator keeps none) or the customer-managed one.
fn selected<'a>(w: &'a World, cx: &Cx, body: &Value) -> Result<Option<&'a Recorder>, ApiError> {
    let names = get_arr(body, "ConfigurationRecorderNames")
        .cloned()
        .unwrap_or_default();
    if names.len() > 1 {
        return Err(validation(
            "1 validation error detected: Value at 'configurationRecorderNames' failed to satisfy constraint: Member must have length less than or equal to 1",
        ));
    }
    let own = w
        .scope_ref(&cx.account, &cx.region)
        .and_then(|s| s.config.recorder.as_ref());
    if get_str(body, "ServicePrincipal").is_some() {
        return Ok(None);
    }
    let by_arn = get_str(body, "Arn");
    let by_name = names.first().and_then(Value::as_str);
    let wanted = by_name.or(by_arn);
    match (wanted, own) {
        (None, r) => Ok(r),
        (Some(n), Some(r)) if n == r.name || Some(n) == Some(arn(cx, r).as_str()) => Ok(Some(r)),
        (Some(n), _) => Err(ApiError::new(
            400,
            "NoSuchConfigurationRecorderException",
            format!("Cannot find configuration recorder with the specified name '{n}'."),
        )),
    }
}

fn arn(cx: &Cx, r: &Recorder) -> String {
    format!(
        "arn:aws:config:{}:{}:configuration-recorder/{}/{:016x}",
        cx.region,
        cx.account,
        r.name,
        crate::util::fnv(&format!("{}{}", cx.account, cx.region))
    )
}

fn describe_recorders(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let list: Vec<Value> = selected(w, cx, &i.body)?
        .map(|r| {
            let strategy = if r.all_supported {
                "ALL_SUPPORTED_RESOURCE_TYPES"
            } else {
                "INCLUSION_BY_RESOURCE_TYPES"
            };
            json!({
                "arn": arn(cx, r),
                "name": r.name,
                "roleARN": format!("arn:aws:iam::{}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", cx.account),
                "recordingGroup": {
                    "allSupported": r.all_supported,
                    "includeGlobalResourceTypes": r.include_global,
                    "resourceTypes": r.resource_types,
                    "exclusionByResourceTypes": { "resourceTypes": [] },
                    "recordingStrategy": { "useOnly": strategy },
                },
                "recordingMode": { "recordingFrequency": "CONTINUOUS", "recordingModeOverrides": [] },
                "recordingScope": "PAID",
            })
        })
        .into_iter()
        .collect();
    Ok(json!({ "ConfigurationRecorders": list }))
}

fn describe_status(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let list: Vec<Value> = selected(w, cx, &i.body)?
        .map(|r| {
            let mut v = json!({
                "arn": arn(cx, r),
                "name": r.name,
                "recording": r.recording,
                "lastStatus": r.last_status,
                // Epoch seconds, as awsJson1_1 sends timestamps.
                "lastStartTime": 1_790_000_000.0,
                "lastStatusChangeTime": 1_790_000_000.0,
            });
            if !r.recording {
                v["lastStopTime"] = json!(1_790_000_100.0);
            }
            if let Some(c) = &r.last_error_code {
                v["lastErrorCode"] = json!(c);
            }
            if let Some(m) = &r.last_error_message {
                v["lastErrorMessage"] = json!(m);
            }
            v
        })
        .into_iter()
        .collect();
    Ok(json!({ "ConfigurationRecordersStatus": list }))
}
