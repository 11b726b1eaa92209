//! Amazon EventBridge over awsJson1_1 (API.md §14, signing name `events`,
//! `X-Amz-Target: AWSEvents.<Op>`): the default bus's rules and their targets. Errors carry
//! only a message, as the model has them.

mod pattern;
mod rules;
mod state;
mod targets;

pub use state::State;

use crate::http::{Cx, Request};
use crate::route::{Input, Route, by_target, json_body, route};
use crate::util::{ApiError, Res, get_str};
use crate::world::World;

const TARGET_PREFIX: &str = "AWSEvents.";

pub static ROUTES: &[Route] = &[
    route!("POST" "/" => "PutRule", rules::put),
    route!("POST" "/" => "DescribeRule", rules::describe),
    route!("POST" "/" => "DeleteRule", rules::delete),
    route!("POST" "/" => "ListRules", rules::list),
    route!("POST" "/" => "EnableRule", rules::enable),
    route!("POST" "/" => "DisableRule", rules::disable),
    route!("POST" "/" => "PutTargets", targets::put),
    route!("POST" "/" => "RemoveTargets", targets::remove),
    route!("POST" "/" => "ListTargetsByRule", targets::list),
];

pub fn route(req: &Request) -> Result<&'static Route, ApiError> {
    by_target(req, ROUTES, TARGET_PREFIX, "EventBridge")
}

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = json_body(req)?;
    default_bus(&body, cx)?;
    (route.handler)(w, cx, &Input { req, body, labels })
}

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", m)
}

fn not_found(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ResourceNotFoundException", m)
}

fn managed_rule(name: &str) -> ApiError {
    ApiError::new(
        400,
        "ManagedRuleException",
        format!("Rule {name} is a managed rule. Set 'force' parameter to true to override."),
    )
}

/// Only the default bus is emulated: named by `default`, its ARN, or not at all.
fn default_bus(body: &serde_json::Value, cx: &Cx) -> Result<(), ApiError> {
    match get_str(body, "EventBusName") {
        None | Some("default") => Ok(()),
        Some(b)
            if b == format!(
                "arn:aws:events:{}:{}:event-bus/default",
                cx.region, cx.account
            ) =>
        {
            Ok(())
        }
        Some(b) => Err(not_found(format!("Event bus {b} does not exist."))),
    }
}

/// `1 validation error detected: …` as AWS words a constraint failure.
fn constraint(value: &str, at: &str, what: &str) -> ApiError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: {what}"
    ))
}

/// A rule name or target id: 1–64 of `[.\-_A-Za-z0-9]`.
fn check_name(value: &str, at: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > 64 {
        return Err(constraint(
            value,
            at,
            "Member must have length less than or equal to 64",
        ));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(constraint(
            value,
            at,
            "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
        ));
    }
    Ok(())
}

/// The rule a request names, or AWS's not-found.
fn rule_name<'a>(i: &'a Input, key: &str) -> Result<&'a str, ApiError> {
    let name = get_str(&i.body, key)
        .ok_or_else(|| validation(format!("The parameter {key} is required")))?;
    check_name(name, &key.to_ascii_lowercase())?;
    Ok(name)
}

fn no_rule(name: &str) -> ApiError {
    not_found(format!("Rule {name} does not exist on EventBus default."))
}
