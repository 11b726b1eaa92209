//! AWS Lambda's resource-based policy operations over restJson1 (API.md §15, signing name
//! `lambda`): AddPermission, GetPolicy, RemovePermission. The functions that exist are given by
//! [`crate::Config::lambda_functions`]; their policies are state, per account × region.

mod permissions;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::{Cx, Request};
use crate::route::{Input, Route, route};
use crate::util::{ApiError, Res};
use crate::world::World;

pub static ROUTES: &[Route] = &[
    route!("POST" "/2015-03-31/functions/{FunctionName}/policy" => "AddPermission", permissions::add),
    route!("GET" "/2015-03-31/functions/{FunctionName}/policy" => "GetPolicy", permissions::get),
    route!("DELETE" "/2015-03-31/functions/{FunctionName}/policy/{StatementId}" => "RemovePermission", permissions::remove),
];

/// The HTTP status of a successful answer, as the model gives it.
pub fn ok_status(op: &str) -> u16 {
    match op {
        "AddPermission" => 201,
        "RemovePermission" => 204,
        _ => 200,
    }
}

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let body = req.json().map_err(|e| {
        ApiError::new(
            400,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {e}"),
        )
        .with("Type", "User")
    })?;
    (route.handler)(w, cx, &Input { req, body, labels })
}

/// One function's (or alias's) policy.
#[derive(Default)]
pub struct Policy {
    /// Statements in the order they were added.
    pub statements: Vec<Value>,
    pub revision: u64,
}

#[derive(Default)]
pub struct State {
    /// (function name, qualifier or "") → its resource policy.
    pub policies: BTreeMap<(String, String), Policy>,
}

impl State {
    /// Whether the function lets EventBridge invoke it for `rule_arn` (for the snapshot).
    pub fn allows_rule(&self, function: &str, rule_arn: &str) -> bool {
        let key = split_function(function);
        self.policies.get(&key).is_some_and(|p| {
            p.statements.iter().any(|s| {
                s["Principal"]["Service"] == "events.amazonaws.com"
                    && s["Action"] == "lambda:InvokeFunction"
                    && s["Condition"]["ArnLike"]["AWS:SourceArn"] == rule_arn
            })
        })
    }

    /// Records a permission the snapshot says a rule has.
    pub fn load_grant(&mut self, function_arn: &str, rule_arn: &str) {
        let key = split_function(function_arn);
        let p = self.policies.entry(key).or_default();
        let sid = format!("snapshot-{}", p.statements.len() + 1);
        p.statements.push(statement(
            &sid,
            "lambda:InvokeFunction",
            "events.amazonaws.com",
            function_arn,
            Some(rule_arn),
            None,
        ));
        p.revision += 1;
    }
}

/// A function ARN (possibly qualified) → (name, qualifier).
fn split_function(arn: &str) -> (String, String) {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        [_, _, _, _, _, "function", name] => (name.to_string(), String::new()),
        [_, _, _, _, _, "function", name, q] => (name.to_string(), q.to_string()),
        _ => (arn.to_string(), String::new()),
    }
}

/// The statement AddPermission writes.
pub fn statement(
    sid: &str,
    action: &str,
    principal: &str,
    resource: &str,
    source_arn: Option<&str>,
    source_account: Option<&str>,
) -> Value {
    let principal = if principal.ends_with(".amazonaws.com") {
        json!({ "Service": principal })
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    } else {
        json!({ "AWS": principal })
    };
    let mut s = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
    });
    let mut cond = serde_json::Map::new();
    if let Some(a) = source_arn {
        cond.insert("ArnLike".into(), json!({ "AWS:SourceArn": a }));
    }
    if let Some(a) = source_account {
        cond.insert("StringEquals".into(), json!({ "AWS:SourceAccount": a }));
    }
    if !cond.is_empty() {
        s["Condition"] = Value::Object(cond);
    }
    s
}
