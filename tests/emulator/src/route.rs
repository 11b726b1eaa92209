//! Route tables: each service lists its operations once, as `(method, path pattern, operation,
//! handler)` rows, so adding an operation is one row plus its function. Paths are matched raw
//! and labels decoded afterwards (API.md §0.2).

use serde_json::Value;

use crate::http::{Cx, Request};
use crate::util::{ApiError, Res, percent_decode};
use crate::world::World;

/// Every handler has this shape; what differs per operation is read from [`Input`].
pub type Handler = fn(&mut World, &Cx, &Input) -> Res;

pub struct Route {
    pub method: &'static str,
    /// The model's `requestUri` path: `{Label}` matches one path segment (possibly empty), a final
    /// `{Label+}` the rest of the path (a greedy label, which keeps its `/`). Organizations and
    /// STS route on a header or form field instead; their rows say `POST /`.
    pub path: &'static str,
    pub op: &'static str,
    pub handler: Handler,
}

/// Shorthand for a table row.
macro_rules! route {
    ($method:literal $path:literal => $op:literal, $handler:path) => {
        $crate::route::Route {
            method: $method,
            path: $path,
            op: $op,
            handler: $handler,
        }
    };
}
pub(crate) use route;

/// What a handler gets besides the world and the caller.
pub struct Input<'a> {
    pub req: &'a Request,
    /// The JSON body, `{}` when the body is empty; `Null` for STS, which sends a form.
    pub body: Value,
    /// The path's labels in pattern order, percent-decoded.
    pub labels: Vec<String>,
}

impl Input<'_> {
    /// The `i`th label; `None` when it is missing or empty.
    pub fn label(&self, i: usize) -> Option<&str> {
        self.labels
            .get(i)
            .map(String::as_str)
            .filter(|l| !l.is_empty())
    }
    pub fn query(&self, key: &str) -> Option<&str> {
        self.req.query(key)
    }
}

/// The first row of `routes` that matches, with the path's labels.
pub fn find(
    routes: &'static [Route],
    method: &str,
    path: &str,
) -> Option<(&'static Route, Vec<String>)> {
    routes
        .iter()
        .filter(|r| r.method == method)
        .find_map(|r| matches(r.path, path).map(|labels| (r, labels)))
}

/// The row of `routes` named `op` (services that name the operation in the request).
pub fn by_name(routes: &'static [Route], op: &str) -> Option<&'static Route> {
    routes.iter().find(|r| r.op == op)
}

/// The route of an awsJson1_1 request: `POST /` with `X-Amz-Target: <prefix><Operation>`
/// (Organizations, AWS Config, EventBridge). `service` names the service in the refusal.
pub fn by_target(
    req: &Request,
    routes: &'static [Route],
    prefix: &str,
    service: &str,
) -> Result<&'static Route, ApiError> {
    if req.method != "POST" || req.path != "/" {
        return Err(ApiError::new(
            404,
            "UnknownOperationException",
            format!("{} {} is not an {service} endpoint", req.method, req.path),
        ));
    }
    let target = req
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let op = target.strip_prefix(prefix).unwrap_or_default();
    by_name(routes, op).ok_or_else(|| {
        ApiError::new(
            400,
            "UnknownOperationException",
            format!("Operation `{target}` is not emulated"),
        )
    })
}

/// An awsJson1_1 request's body; one that is not JSON is a SerializationException.
pub fn json_body(req: &Request) -> Result<Value, ApiError> {
    req.json().map_err(|e| {
        ApiError::new(
            400,
            "SerializationException",
            format!("The request body is not valid JSON: {e}"),
        )
    })
}

/// Labels of `path` if it fits `pattern`. The raw path is matched, then labels are decoded, so
/// an encoded `/` (`%2F`) stays inside its segment.
fn matches(pattern: &str, path: &str) -> Option<Vec<String>> {
    // Most rows have no label: one comparison.
    if !pattern.contains('{') {
        return (pattern == path).then(Vec::new);
    }
    // A greedy label comes last, after a literal prefix.
    if let Some(head) = pattern.strip_suffix("+}") {
        let prefix = &pattern[..head.rfind('{').expect("a greedy label opens with {")];
        return path
            .strip_prefix(prefix)
            .map(|rest| vec![percent_decode(rest)]);
    }
    let mut labels = Vec::new();
    let mut segs = path.split('/');
    for p in pattern.split('/') {
        let s = segs.next()?;
        if p.starts_with('{') {
            labels.push(percent_decode(s));
        } else if p != s {
            return None;
        }
    }
    segs.next().is_none().then_some(labels)
}

/// Whether an operation changes state, from its name as AWS names them.
pub fn is_mutating(op: &str) -> bool {
    !["Describe", "Get", "List", "BatchGet"]
        .iter()
        .any(|p| op.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(matches("/accounts", "/accounts"), Some(vec![]));
        assert_eq!(matches("/accounts", "/accounts/"), None);
        assert_eq!(matches("/accounts", "//accounts"), None);
        assert_eq!(
            matches("/detector/{DetectorId}/admin", "/detector/ab%2Fc/admin"),
            Some(vec!["ab/c".to_string()])
        );
        assert_eq!(
            matches("/detector/{DetectorId}", "/detector/"),
            Some(vec![String::new()])
        );
        assert_eq!(matches("/detector/{DetectorId}", "/detector"), None);
        assert_eq!(
            matches("/insights/{InsightArn+}", "/insights/arn%3Aaws/x/y"),
            Some(vec!["arn:aws/x/y".to_string()])
        );
        assert_eq!(
            matches("/insights/{InsightArn+}", "/insights/"),
            Some(vec![String::new()])
        );
        assert_eq!(matches("/insights/{InsightArn+}", "/insights"), None);
        assert_eq!(
            matches(
                "/analyzer/{analyzerName}/archive-rule/{ruleName}",
                "/analyzer/a/archive-rule/r"
            ),
            Some(vec!["a".to_string(), "r".to_string()])
        );
    }
}
