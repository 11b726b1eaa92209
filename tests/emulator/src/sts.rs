//! STS over awsQuery (API.md §7): AssumeRole and GetCallerIdentity. The operation is named
//! by the `Action` form field.

use serde_json::{Value, json};

use crate::Emulator;
use crate::http::{Cx, Request, Resp, response};
use crate::route::{Input, Route, by_name, route};
use crate::util::{ApiError, Res, fnv, is_account_id, iso_in, partition, xml_escape};
use crate::world::World;

pub static ROUTES: &[Route] = &[
    route!("POST" "/" => "AssumeRole", assume_role),
    route!("POST" "/" => "GetCallerIdentity", get_caller_identity),
];

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Query and form parameters together.
fn params(req: &Request) -> Vec<(String, String)> {
    let mut all = req.query.clone();
    all.extend(form_urlencoded::parse(&req.body).into_owned());
    all
}

fn param<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

pub fn route(req: &Request) -> Result<&'static Route, ApiError> {
    let p = params(req);
    match param(&p, "Action") {
        Some(a) => by_name(ROUTES, a).ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {a} for version 2011-06-15"),
            )
        }),
        None => Err(ApiError::new(400, "MissingAction", "Missing Action")),
    }
}

fn validation(m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationError", m)
}

pub fn handle(w: &mut World, cx: &Cx, route: &Route, labels: Vec<String>, req: &Request) -> Res {
    let p = params(req);
    if let Some(v) = param(&p, "Version")
        && v != "2011-06-15"
    {
        return Err(ApiError::new(
            400,
            "InvalidAction",
            format!("Could not find operation {} for version {v}", route.op),
        ));
    }
    let input = Input {
        req,
        body: Value::Null,
        labels,
    };
    (route.handler)(w, cx, &input)
}

/// The session token AssumeRole hands out: it carries the role and the session, which
/// GetCallerIdentity reports (`/` is in neither a role name nor a session name).
fn session_token(account: &str, role_id: &str, role_name: &str, session: &str) -> String {
    format!("emulated-session/{account}/{role_id}/{role_name}/{session}")
}

/// Credentials with an AssumeRole session token are that role's session (AWS: the
/// `assumed-role/<role>/<session>` ARN and `<role id>:<session>` user id); others are the
/// account's root.
fn get_caller_identity(_: &mut World, cx: &Cx, i: &Input) -> Res {
    let part = partition(&cx.region).0;
    let assumed = i
        .req
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix("emulated-session/"))
        .and_then(|t| {
            let mut it = t.splitn(4, '/');
            Some((it.next()?, it.next()?, it.next()?, it.next()?))
        })
        .filter(|(account, ..)| *account == cx.account);
    Ok(match assumed {
        Some((account, role_id, role_name, session)) => json!({
            "UserId": format!("{role_id}:{session}"),
            "Account": account,
            "Arn": format!("arn:{part}:sts::{account}:assumed-role/{role_name}/{session}"),
        }),
        None => json!({
            "UserId": format!("AIDA{:016X}", fnv(&cx.account)),
            "Account": cx.account,
            "Arn": format!("arn:{part}:iam::{}:root", cx.account),
        }),
    })
}

fn assume_role(_: &mut World, cx: &Cx, i: &Input) -> Res {
    let p = params(i.req);
    let role_arn = param(&p, "RoleArn").ok_or_else(|| validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))?;
    let session = param(&p, "RoleSessionName").ok_or_else(|| validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"))?;
    let session_ok = (2..=64).contains(&session.len())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !session_ok {
        return Err(validation(format!(
            "1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and match [\\w+=,.@-]*"
        )));
    }
    let duration: i64 = match param(&p, "DurationSeconds") {
        None => 3600,
        Some(d) => d.parse().ok().filter(|d| (900..=43200).contains(d)).ok_or_else(|| {
            validation(format!("1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"))
        })?,
    };
    // A role of another partition is invalid here (its accounts are not this partition's).
    let (target, role) = role_arn
        .strip_prefix("arn:")
        .and_then(|r| r.strip_prefix(partition(&cx.region).0))
        .and_then(|r| r.strip_prefix(":iam::"))
        .and_then(|r| r.split_once(":role/"))
        .filter(|(acct, role)| is_account_id(acct) && !role.is_empty())
        .ok_or_else(|| validation(format!("{role_arn} is invalid")))?;
    let role_name = role.rsplit('/').next().unwrap_or(role);
    let wrong_role = cx
        .cfg
        .assumable_role
        .as_ref()
        .is_some_and(|(name, external)| {
            name != role_name
                || (external.is_some() && param(&p, "ExternalId") != external.as_deref())
        });
    if cx.cfg.unassumable_accounts.contains(target) || wrong_role {
        return Err(ApiError::new(
            403,
            "AccessDenied",
            format!(
                "User: arn:{}:iam::{}:root is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                partition(&cx.region).0,
                cx.account
            ),
        ));
    }
    let role_id = format!("AROA{:016X}", fnv(role_arn));
    Ok(json!({
        "Credentials": {
            "AccessKeyId": Emulator::access_key(target),
            "SecretAccessKey": format!("emulated-secret-{target}"),
            "SessionToken": session_token(target, &role_id, role_name, session),
            "Expiration": iso_in(duration),
        },
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{role_id}:{session}"),
            "Arn": format!("arn:{}:sts::{target}:assumed-role/{role_name}/{session}", partition(&cx.region).0),
        },
        "PackedPolicySize": 0,
    }))
}

/// Serialises a JSON object as awsQuery XML members (nested objects become elements).
fn members_xml(v: &Value, out: &mut String) {
    if let Some(o) = v.as_object() {
        for (k, v) in o {
            out.push_str(&format!("<{k}>"));
            match v {
                Value::Object(_) => members_xml(v, out),
                Value::String(s) => out.push_str(&xml_escape(s)),
                other => out.push_str(&xml_escape(&other.to_string())),
            }
            out.push_str(&format!("</{k}>"));
        }
    }
}

pub fn ok_response(op: &str, v: &Value, request_id: &str) -> Resp {
    let mut inner = String::new();
    members_xml(v, &mut inner);
    let xml = format!(
        "<{op}Response xmlns=\"{NS}\"><{op}Result>{inner}</{op}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{op}Response>"
    );
    response(200, "text/xml", request_id, xml.into_bytes())
}

pub fn error_response(e: &ApiError, request_id: &str) -> Resp {
    let kind = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let xml = format!(
        "<ErrorResponse xmlns=\"{NS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        xml_escape(e.code),
        xml_escape(&e.message)
    );
    response(e.status, "text/xml", request_id, xml.into_bytes())
}
