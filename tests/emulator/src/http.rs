//! The HTTP front: accept loop, SigV4 credential-scope routing, faults, quotas, latency,
//! call recording, and the per-protocol response shapes (API.md §0).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::route::{self, Route};
use crate::util::{ApiError, Res, uuid_from};
use crate::{
    Call, Config, Inner, accessanalyzer, account, config, events, guardduty, inspector, lambda,
    macie, modeled, organizations, securityhub, sts,
};

pub type Resp = Response<Full<Bytes>>;

/// Returned from the service function to make hyper close the connection without answering.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for Dropped {}

pub async fn serve(listener: tokio::net::TcpListener, inner: Arc<Inner>) {
    // Connections live in this set: aborting the accept task (Emulator::drop) ends them all.
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let inner = inner.clone();
                conns.spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let svc = hyper::service::service_fn(move |req| handle(inner.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, svc).await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// What a service module sees of a request.
pub struct Request {
    pub method: String,
    /// The raw (still percent-encoded) path.
    pub path: String,
    /// Decoded query pairs, in order (lists are repeated keys).
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn query_all(&self, key: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// The body as JSON; an empty body is an empty object.
    pub fn json(&self) -> Result<Value, String> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&self.body).map_err(|e| e.to_string())
    }
}

/// Who is calling, where, and with which settings.
pub struct Cx<'a> {
    pub account: String,
    pub region: String,
    pub now: Instant,
    pub cfg: &'a Config,
}

impl Cx<'_> {
    /// Whether AWS offers this Security Hub control in the request's region
    /// ([`Config::unavailable_controls`]).
    pub fn offers_control(&self, control: &str) -> bool {
        !self
            .cfg
            .unavailable_controls
            .contains(&(self.region.clone(), control.to_string()))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    SecurityHub,
    Organizations,
    Sts,
    GuardDuty,
    Inspector2,
    Macie2,
    AccessAnalyzer,
    Config,
    Account,
    Events,
    Lambda,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::SecurityHub => "securityhub",
            Service::Organizations => "organizations",
            Service::Sts => "sts",
            Service::GuardDuty => "guardduty",
            Service::Inspector2 => "inspector2",
            Service::Macie2 => "macie2",
            Service::AccessAnalyzer => "access-analyzer",
            Service::Config => "config",
            Service::Account => "account",
            Service::Events => "events",
            Service::Lambda => "lambda",
        }
    }

    /// The service's route table. The restJson1 services are routed on method and path through
    /// it; Organizations and STS look their row up by the operation the request names.
    fn routes(self) -> &'static [Route] {
        match self {
            Service::SecurityHub => securityhub::ROUTES,
            Service::GuardDuty => guardduty::ROUTES,
            Service::Inspector2 => inspector::ROUTES,
            Service::Macie2 => macie::ROUTES,
            Service::AccessAnalyzer => accessanalyzer::ROUTES,
            Service::Organizations => organizations::ROUTES,
            Service::Sts => sts::ROUTES,
            Service::Config => config::ROUTES,
            Service::Account => account::ROUTES,
            Service::Events => events::ROUTES,
            Service::Lambda => lambda::ROUTES,
        }
    }

    /// The restJson1 services added for the integrations (and Lambda): lower-case `message`
    /// in error bodies.
    fn is_integration(self) -> bool {
        matches!(
            self,
            Service::GuardDuty
                | Service::Inspector2
                | Service::Macie2
                | Service::AccessAnalyzer
                | Service::Lambda
        )
    }
}

/// `Credential=<AK>/<date>/<region>/<service>/aws4_request` → (AK, region, service).
fn credential_scope(headers: &HeaderMap) -> Option<(String, String, String)> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let rest = &auth[auth.find("Credential=")? + "Credential=".len()..];
    let scope = rest.split([',', ' ']).next()?;
    let parts: Vec<&str> = scope.split('/').collect();
    if parts.len() != 5 {
        return None;
    }
    Some((
        parts[0].to_string(),
        parts[2].to_string(),
        parts[3].to_string(),
    ))
}

async fn handle(inner: Arc<Inner>, req: hyper::Request<Incoming>) -> Result<Resp, Dropped> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let seq = inner.request_seq.fetch_add(1, Ordering::Relaxed);
    let request_id = uuid_from(seq ^ 0xabcd_0000_0000);
    let cfg = inner.config.lock().expect("not poisoned").clone();
    let request = Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        headers: parts.headers,
        body,
    };

    let record = |service: &str,
                  operation: &str,
                  account: &str,
                  region: &str,
                  mutating: bool,
                  status: u16| {
        inner.calls.lock().expect("not poisoned").push(Call {
            service: service.to_string(),
            operation: operation.to_string(),
            account: account.to_string(),
            region: region.to_string(),
            mutating,
            status,
        });
    };

    // ---- who and which service -----------------------------------------------------------
    let Some((ak, region, signing_name)) = credential_scope(&request.headers) else {
        let e = ApiError::new(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
        record("unknown", "Unknown", "", "", false, 403);
        return Ok(finish(&cfg, json_error(&e, &request_id, "application/json")).await);
    };
    let service = match signing_name.as_str() {
        "securityhub" => Service::SecurityHub,
        "organizations" => Service::Organizations,
        "sts" => Service::Sts,
        "guardduty" => Service::GuardDuty,
        "inspector2" => Service::Inspector2,
        "macie2" => Service::Macie2,
        "access-analyzer" => Service::AccessAnalyzer,
        "config" => Service::Config,
        "account" => Service::Account,
        "events" => Service::Events,
        "lambda" => Service::Lambda,
        other => {
            let e = ApiError::new(
                400,
                "UnrecognizedClientException",
                format!("The emulator does not serve the service `{other}`"),
            );
            record(other, "Unknown", "", &region, false, 400);
            return Ok(finish(&cfg, json_error(&e, &request_id, "application/json")).await);
        }
    };
    let account = ak
        .strip_prefix("AKID")
        .filter(|a| crate::util::is_account_id(a))
        .map(str::to_string);
    let Some(account) = account else {
        let e = match service {
            Service::Sts => ApiError::new(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
            _ => ApiError::new(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
        };
        record(service.name(), "Unknown", "", &region, false, 403);
        return Ok(finish(&cfg, error_response(service, &e, &request_id)).await);
    };

    // ---- which partition -----------------------------------------------------------------
    // The organisation's credentials exist in its own partition only: signed for a region of
    // another, AWS does not know the key. Organizations answers at its partition's global
    // region only (its one endpoint); a request scoped elsewhere fails the signature check.
    let home = inner.world.lock().expect("not poisoned").partition;
    let (partition, global) = crate::util::partition(&region);
    let refused = if partition != home {
        Some(match service {
            Service::Sts => ApiError::new(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
            _ => ApiError::new(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
        })
    } else if service == Service::Organizations && region != global {
        Some(ApiError::new(
            400,
            "InvalidSignatureException",
            format!("Credential should be scoped to a valid region, not '{region}'. "),
        ))
    } else {
        None
    };
    if let Some(e) = refused {
        record(
            service.name(),
            "Unknown",
            &account,
            &region,
            false,
            e.status,
        );
        return Ok(finish(&cfg, error_response(service, &e, &request_id)).await);
    }

    // ---- which operation -----------------------------------------------------------------
    let no_route = || {
        ApiError::new(
            404,
            "UnknownOperationException",
            format!("No operation matches {} {}", request.method, request.path),
        )
    };
    let routed: Result<(&'static Route, Vec<String>), ApiError> = match service {
        Service::Organizations => organizations::route(&request).map(|r| (r, Vec::new())),
        Service::Sts => sts::route(&request).map(|r| (r, Vec::new())),
        Service::Config => config::route(&request).map(|r| (r, Vec::new())),
        Service::Events => events::route(&request).map(|r| (r, Vec::new())),
        rest => route::find(rest.routes(), &request.method, &request.path).ok_or_else(no_route),
    };
    let (route, labels) = match routed {
        Ok(x) => x,
        Err(e) => {
            record(
                service.name(),
                "Unknown",
                &account,
                &region,
                false,
                e.status,
            );
            return Ok(finish(&cfg, error_response(service, &e, &request_id)).await);
        }
    };
    let op = route.op;
    // AssumeRole changes nothing in the accounts; AWS Config and Account are only read here.
    let mutating = !matches!(service, Service::Sts | Service::Config | Service::Account)
        && route::is_mutating(op);

    // ---- authorisation ---------------------------------------------------------------------
    if let Some(policies) = &cfg.iam
        && let Some(action) = crate::iam::denied(policies, &account, service.name(), op)
    {
        let e = access_denied(service, &account, &action);
        let e = modeled::checked(service.name(), op, e);
        record(service.name(), op, &account, &region, mutating, e.status);
        return Ok(finish(&cfg, error_response(service, &e, &request_id)).await);
    }

    // ---- IAM -------------------------------------------------------------------------------
    if cfg
        .denied_operations
        .contains(&(account.clone(), format!("{signing_name}:{op}")))
    {
        let message = format!(
            "User: arn:{}:iam::{account}:root is not authorized to perform: {}:{op} because no identity-based policy allows the {}:{op} action",
            crate::util::partition(&region).0,
            signing_name,
            signing_name,
        );
        let e = match service {
            Service::Sts => ApiError::new(403, "AccessDenied", message),
            _ => ApiError::new(403, "AccessDeniedException", message),
        };
        let e = modeled::checked(service.name(), op, e);
        record(service.name(), op, &account, &region, mutating, e.status);
        return Ok(finish(&cfg, error_response(service, &e, &request_id)).await);
    }

    // ---- injected trouble ------------------------------------------------------------------
    let (drop, fault) = {
        let mut rng = inner.rng.lock().expect("not poisoned");
        (
            rng.next_f64() < cfg.drop_rate,
            rng.next_f64() < cfg.fault_rate,
        )
    };
    if drop {
        record(service.name(), op, &account, &region, mutating, 0);
        if !cfg.latency.is_zero() {
            tokio::time::sleep(cfg.latency).await;
        }
        return Err(Dropped);
    }
    let now = Instant::now();
    if cfg.quotas_enabled {
        let ok = inner.quotas.lock().expect("not poisoned").take(
            service.name(),
            op,
            &account,
            &region,
            cfg.quota_scale,
            now,
        );
        if !ok {
            let e = match service {
                Service::SecurityHub => ApiError::new(429, "ThrottlingException", "Rate exceeded"),
                Service::Organizations => ApiError::new(429, "TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress. Try again later.").with("Type", "Rate"),
                Service::Sts => ApiError::new(400, "Throttling", "Rate exceeded"),
                // GuardDuty models no throttling error: the API reference's Common Errors
                // (ThrottlingException, 400) is what AWS documents for it.
                Service::GuardDuty => ApiError::new(400, "ThrottlingException", "Rate exceeded"),
                Service::Inspector2 | Service::Macie2 | Service::AccessAnalyzer => ApiError::new(429, "ThrottlingException", "Rate exceeded"),
                Service::Config => ApiError::new(400, "ThrottlingException", "Rate exceeded"),
                Service::Account => ApiError::new(429, "TooManyRequestsException", "Rate exceeded"),
                Service::Events => ApiError::new(400, "ThrottlingException", "Rate exceeded"),
                Service::Lambda => ApiError::new(429, "TooManyRequestsException", "Rate exceeded").with("Reason", "CallerRateLimitExceeded").with("Type", "User"),
            };
            let e = modeled::checked(service.name(), op, e);
            record(service.name(), op, &account, &region, mutating, e.status);
            return Ok(finish(&cfg, error_response(service, &e, &request_id)).await);
        }
    }
    if fault {
        let e = match service {
            Service::SecurityHub => {
                ApiError::new(500, "InternalException", "Internal server error (injected)")
            }
            Service::Organizations => ApiError::new(
                500,
                "ServiceException",
                "AWS Organizations can't complete your request because of an internal service error (injected).",
            ),
            Service::Sts => ApiError::new(500, "InternalFailure", "Internal failure (injected)"),
            Service::GuardDuty => ApiError::new(
                500,
                "InternalServerErrorException",
                "Internal server error (injected)",
            )
            .with("type", "InternalException"),
            Service::Inspector2 | Service::Macie2 | Service::AccessAnalyzer | Service::Account => {
                ApiError::new(
                    500,
                    "InternalServerException",
                    "Internal server error (injected)",
                )
            }
            Service::Config => ApiError::new(
                500,
                "InternalFailure",
                "The request processing has failed because of an unknown error, exception or failure (injected).",
            ),
            Service::Events => ApiError::new(500, "InternalException", "Internal error (injected)"),
            Service::Lambda => ApiError::new(
                500,
                "ServiceException",
                "The AWS Lambda service encountered an internal error (injected).",
            )
            .with("Type", "Service"),
        };
        let e = modeled::checked(service.name(), op, e);
        record(service.name(), op, &account, &region, mutating, e.status);
        return Ok(finish(&cfg, error_response(service, &e, &request_id)).await);
    }

    // ---- the operation ---------------------------------------------------------------------
    let cx = Cx {
        account: account.clone(),
        region: region.clone(),
        now,
        cfg: &cfg,
    };
    let result: Res = {
        let mut world = inner.world.lock().expect("not poisoned");
        let w = &mut *world;
        match service {
            Service::SecurityHub => securityhub::handle(w, &cx, route, labels, &request),
            Service::GuardDuty => guardduty::handle(w, &cx, route, labels, &request),
            Service::Inspector2 => inspector::handle(w, &cx, route, labels, &request),
            Service::Macie2 => macie::handle(w, &cx, route, labels, &request),
            Service::AccessAnalyzer => accessanalyzer::handle(w, &cx, route, labels, &request),
            Service::Organizations => organizations::handle(w, &cx, route, labels, &request),
            Service::Sts => sts::handle(w, &cx, route, labels, &request),
            Service::Config => config::handle(w, &cx, route, labels, &request),
            Service::Account => account::handle(w, &cx, route, labels, &request),
            Service::Events => events::handle(w, &cx, route, labels, &request),
            Service::Lambda => lambda::handle(w, &cx, route, labels, &request),
        }
    };
    let resp = match result {
        Ok(v) => match service {
            Service::SecurityHub
            | Service::GuardDuty
            | Service::Inspector2
            | Service::Macie2
            | Service::AccessAnalyzer
            | Service::Account => json_ok(&v, &request_id, "application/json"),
            Service::Organizations | Service::Config | Service::Events => {
                json_ok(&v, &request_id, "application/x-amz-json-1.1")
            }
            Service::Sts => sts::ok_response(op, &v, &request_id),
            Service::Lambda => match lambda::ok_status(op) {
                204 => response(204, "application/json", &request_id, Vec::new()),
                status => response(
                    status,
                    "application/json",
                    &request_id,
                    serde_json::to_vec(&v).expect("serialisable"),
                ),
            },
        },
        Err(e) => error_response(
            service,
            &modeled::checked(service.name(), op, e),
            &request_id,
        ),
    };
    record(
        service.name(),
        op,
        &account,
        &region,
        mutating,
        resp.status().as_u16(),
    );
    Ok(finish(&cfg, resp).await)
}

/// A call the caller's identity policies do not allow, as each service refuses it.
fn access_denied(service: Service, account: &str, action: &str) -> ApiError {
    // The emulator does not track which principal holds an access key; AWS names it here.
    let message = format!(
        "User: arn:aws:iam::{account}:role/emulated is not authorized to perform: {action} because no identity-based policy allows the {action} action"
    );
    match service {
        Service::Sts => ApiError::new(403, "AccessDenied", message),
        // awsJson1_1 services answer client errors with 400.
        Service::Config => ApiError::new(400, "AccessDeniedException", message),
        Service::Organizations => ApiError::new(
            400,
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        ),
        Service::GuardDuty => {
            ApiError::new(403, "AccessDeniedException", message).with("type", "AccessDenied")
        }
        _ => ApiError::new(403, "AccessDeniedException", message),
    }
}

async fn finish(cfg: &Config, resp: Resp) -> Resp {
    if !cfg.latency.is_zero() {
        tokio::time::sleep(cfg.latency).await;
    }
    resp
}

fn error_response(service: Service, e: &ApiError, request_id: &str) -> Resp {
    if service.is_integration() {
        return rest_error(e, request_id);
    }
    match service {
        Service::SecurityHub => json_error(e, request_id, "application/json"),
        Service::Organizations | Service::Config => {
            json_error(e, request_id, "application/x-amz-json-1.1")
        }
        Service::Events => events_error(e, request_id),
        Service::Sts => sts::error_response(e, request_id),
        _ => rest_error(e, request_id),
    }
}

/// GuardDuty / Inspector2 / Macie2 / Access Analyzer errors: `x-amzn-errortype` plus a
/// camelCase body (`message` and the shape's extra members, e.g. GuardDuty's `type`).
fn rest_error(e: &ApiError, request_id: &str) -> Resp {
    let mut body = serde_json::Map::new();
    body.insert("message".into(), Value::String(e.message.clone()));
    for (k, v) in &e.extra {
        body.insert(k.to_string(), v.clone());
    }
    let mut r = response(
        e.status,
        "application/json",
        request_id,
        serde_json::to_vec(&Value::Object(body)).expect("serialisable"),
    );
    r.headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.code));
    r
}

/// EventBridge errors: awsJson1_1 with `__type` and the model's only member, `message`.
fn events_error(e: &ApiError, request_id: &str) -> Resp {
    let body = serde_json::json!({ "__type": e.code, "message": e.message });
    let mut r = response(
        e.status,
        "application/x-amz-json-1.1",
        request_id,
        serde_json::to_vec(&body).expect("serialisable"),
    );
    r.headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.code));
    r
}

pub fn response(status: u16, content_type: &str, request_id: &str, body: Vec<u8>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type).expect("ascii"),
    );
    r.headers_mut().insert(
        "x-amzn-requestid",
        HeaderValue::from_str(request_id).expect("ascii"),
    );
    r
}

fn json_ok(v: &Value, request_id: &str, content_type: &str) -> Resp {
    response(
        200,
        content_type,
        request_id,
        serde_json::to_vec(v).expect("serialisable"),
    )
}

/// restJson1 / awsJson1_1 error: `x-amzn-errortype` header (what the Rust SDK reads first),
/// plus `Code` / `__type` and `Message` in the body like the real services.
fn json_error(e: &ApiError, request_id: &str, content_type: &str) -> Resp {
    let mut body = serde_json::Map::new();
    if content_type == "application/json" {
        body.insert("Code".into(), Value::String(e.code.to_string()));
    } else {
        body.insert("__type".into(), Value::String(e.code.to_string()));
    }
    body.insert("Message".into(), Value::String(e.message.clone()));
    for (k, v) in &e.extra {
        body.insert(k.to_string(), v.clone());
    }
    let mut r = response(
        e.status,
        content_type,
        request_id,
        serde_json::to_vec(&Value::Object(body)).expect("serialisable"),
    );
    r.headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(e.code));
    r
}
