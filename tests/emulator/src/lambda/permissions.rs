//! A function's resource-based policy (API.md §15): statements added by id, read back as one
//! JSON document, removed by id; a revision id that changes with every change.

use serde_json::{Value, json};

use super::{Policy, statement};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_str, uuid_from};
use crate::world::World;

/// A function's resource policy holds at most this much JSON.
const MAX_POLICY_BYTES: usize = 20_480;

fn user(status: u16, code: &'static str, m: impl Into<String>) -> ApiError {
    ApiError::new(status, code, m).with("Type", "User")
}

fn not_found(m: impl Into<String>) -> ApiError {
    user(404, "ResourceNotFoundException", m)
}

/// The function a request names: (unqualified ARN, name, qualifier).
fn function(cx: &Cx, i: &Input) -> Result<(String, String, String), ApiError> {
    let raw = i.label(0).unwrap_or("");
    let parts: Vec<&str> = raw.split(':').collect();
    let (account, region, name, qualifier) = match parts.as_slice() {
        [name] => (cx.account.as_str(), cx.region.as_str(), *name, ""),
        [name, q] => (cx.account.as_str(), cx.region.as_str(), *name, *q),
        [acct, "function", name] => (*acct, cx.region.as_str(), *name, ""),
        [acct, "function", name, q] => (*acct, cx.region.as_str(), *name, *q),
        ["arn", _, "lambda", region, acct, "function", name] => (*acct, *region, *name, ""),
        ["arn", _, "lambda", region, acct, "function", name, q] => (*acct, *region, *name, *q),
        _ => {
            return Err(user(
                400,
                "InvalidParameterValueException",
                format!(
                    "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern"
                ),
            ));
        }
    };
    let qualifier = i.query("Qualifier").unwrap_or(qualifier).to_string();
    let arn = format!("arn:aws:lambda:{region}:{account}:function:{name}");
    let exists =
        account == cx.account && region == cx.region && cx.cfg.lambda_functions.contains(&arn);
    if !exists {
        return Err(not_found(format!("Function not found: {arn}")));
    }
    Ok((arn, name.to_string(), qualifier))
}

fn document(p: &Policy) -> Value {
    json!({ "Version": "2012-10-17", "Id": "default", "Statement": p.statements })
}

fn revision(p: &Policy) -> String {
    uuid_from(0x1a4bda ^ p.revision)
}

pub fn add(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let (arn, name, qualifier) = function(cx, i)?;
    if qualifier == "$LATEST" {
        return Err(user(
            400,
            "InvalidParameterValueException",
            "We currently do not support adding policies for $LATEST.",
        ));
    }
    let sid = get_str(&i.body, "StatementId").unwrap_or_default();
    if sid.is_empty()
        || sid.len() > 100
        || !sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::new(
            400,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"
            ),
        ));
    }
    let action = get_str(&i.body, "Action").unwrap_or_default();
    let action_ok = action == "*"
        || action == "lambda:*"
        || action
            .strip_prefix("lambda:")
            .is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphabetic()));
    if !action_ok {
        return Err(ApiError::new(
            400,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])"
            ),
        ));
    }
    let principal = get_str(&i.body, "Principal").unwrap_or_default();
    if principal.is_empty() || principal.contains(char::is_whitespace) {
        return Err(user(
            400,
            "InvalidParameterValueException",
            "The provided principal was invalid. Please check the principal and try again.",
        ));
    }
    let resource = if qualifier.is_empty() {
        arn.clone()
    } else {
        format!("{arn}:{qualifier}")
    };
    let stmt = statement(
        sid,
        action,
        principal,
        &resource,
        get_str(&i.body, "SourceArn"),
        get_str(&i.body, "SourceAccount"),
    );
    let s = &mut w.scope(&cx.account, &cx.region).lambda;
    let p = s.policies.entry((name, qualifier)).or_default();
    if let Some(want) = get_str(&i.body, "RevisionId")
        && want != revision(p)
    {
        return Err(user(
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
        ));
    }
    if p.statements.iter().any(|x| x["Sid"] == sid) {
        return Err(user(
            409,
            "ResourceConflictException",
            format!(
                "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
            ),
        ));
    }
    p.statements.push(stmt.clone());
    if document(p).to_string().len() > MAX_POLICY_BYTES {
        p.statements.pop();
        return Err(user(
            400,
            "PolicyLengthExceededException",
            "The final policy size is bigger than the limit.",
        ));
    }
    p.revision += 1;
    Ok(json!({ "Statement": stmt.to_string() }))
}

pub fn get(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let (_, name, qualifier) = function(cx, i)?;
    let s = &w.scope(&cx.account, &cx.region).lambda;
    match s.policies.get(&(name, qualifier)) {
        Some(p) if !p.statements.is_empty() => Ok(json!({
            "Policy": document(p).to_string(),
            "RevisionId": revision(p),
        })),
        _ => Err(not_found("The resource you requested does not exist.")),
    }
}

pub fn remove(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let (arn, name, qualifier) = function(cx, i)?;
    let sid = i.label(1).unwrap_or("").to_string();
    let s = &mut w.scope(&cx.account, &cx.region).lambda;
    let Some(p) = s
        .policies
        .get_mut(&(name, qualifier))
        .filter(|p| !p.statements.is_empty())
    else {
        return Err(not_found(format!(
            "No policy is associated with the given resource: {arn}"
        )));
    };
    if let Some(want) = i.query("RevisionId")
        && want != revision(p)
    {
        return Err(user(
            412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
        ));
    }
    let before = p.statements.len();
    p.statements.retain(|x| x["Sid"] != sid.as_str());
    if p.statements.len() == before {
        return Err(not_found(format!(
            "Statement {sid} is not found in resource policy."
        )));
    }
    p.revision += 1;
    Ok(Value::Null)
}
