//! `route/<rule>`: EventBridge rules on the default bus that route Security Hub findings, with
//! their targets and, for Lambda targets, the function's permission for the rule to invoke it.
//! Only rules whose names start with `shubctl-` are read or touched (and never a rule another
//! service manages); event patterns are kept in canonical form.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::types::{DeadLetterConfig, InputTransformer as SdkTransformer, RuleState};
use serde_json::Value;

use super::error::{Outcome, fail, fail_all, sdk_error, value_of, wire};
use super::{ScopeCx, one_by_one};
use crate::model::document::canonical_pattern;
use crate::model::resource::{InputTransformer, MANAGED_PREFIX, RouteTarget, RouteValue};
use crate::model::state::ScopeState;
use crate::model::{Action, Change, Kind, KindSet, ProviderError, Resource, Target};

/// Who invokes a function on a rule's behalf.
const EVENTS: &str = "events.amazonaws.com";

pub(super) async fn read(
    cx: &ScopeCx<'_>,
    kinds: &KindSet,
    out: &mut ScopeState,
) -> Result<(), ProviderError> {
    if !kinds.contains(&Kind::Route) {
        return Ok(());
    }
    let eb: Client = cx.client().await?;
    let lambda: aws_sdk_lambda::Client = cx.client().await?;
    for (name, rule) in rules(cx, &eb, &lambda).await? {
        out.insert(Kind::Route, Some(name), Resource::Route(rule));
    }
    Ok(())
}

/// The managed rules of the scope's default bus, by name, with their targets.
async fn rules(
    cx: &ScopeCx<'_>,
    eb: &Client,
    lambda: &aws_sdk_lambda::Client,
) -> Result<BTreeMap<String, RouteValue>, ProviderError> {
    let t = cx.target();
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        cx.gate("events", "ListRules").await;
        let page = eb
            .list_rules()
            .name_prefix(MANAGED_PREFIX)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
        for r in page.rules() {
            // A rule another service manages (ManagedBy) is not ours whatever its name.
            let (Some(name), None) = (r.name(), r.managed_by()) else {
                continue;
            };
            let pattern = r
                .event_pattern()
                .map(|p| {
                    serde_json::from_str(p)
                        .map(|v| canonical_pattern(&v))
                        .unwrap_or_else(|_| Value::String(p.to_string()))
                })
                .unwrap_or(Value::Null);
            let arn = r.arn().unwrap_or_default();
            let targets = targets(cx, eb, lambda, name, arn).await?;
            out.insert(
                name.to_string(),
                RouteValue {
                    description: r.description().unwrap_or_default().to_string(),
                    state: wire(&t, "rule state", r.state().map(|s| s.as_str()))?,
                    event_pattern: pattern,
                    targets,
                },
            );
        }
        match page.next_token() {
            Some(n) if !n.is_empty() => token = Some(n.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

async fn targets(
    cx: &ScopeCx<'_>,
    eb: &Client,
    lambda: &aws_sdk_lambda::Client,
    rule: &str,
    rule_arn: &str,
) -> Result<BTreeMap<String, RouteTarget>, ProviderError> {
    let t = cx.target();
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        cx.gate("events", "ListTargetsByRule").await;
        let page = eb
            .list_targets_by_rule()
            .rule(rule)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
        for x in page.targets() {
            let invoke_permission = if is_function(x.arn()) {
                Some(may_invoke(cx, lambda, x.arn(), rule_arn).await?)
            } else {
                None
            };
            out.insert(
                x.id().to_string(),
                RouteTarget {
                    arn: x.arn().to_string(),
                    role_arn: x.role_arn().map(str::to_string),
                    input_transformer: x.input_transformer().map(|i| InputTransformer {
                        paths: i
                            .input_paths_map()
                            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                            .unwrap_or_default(),
                        template: i.input_template().to_string(),
                    }),
                    dead_letter_queue: x
                        .dead_letter_config()
                        .and_then(|d| d.arn())
                        .map(str::to_string),
                    invoke_permission,
                },
            );
        }
        match page.next_token() {
            Some(n) if !n.is_empty() => token = Some(n.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

fn is_function(arn: &str) -> bool {
    arn.split(':').nth(2) == Some("lambda") && arn.split(':').nth(5) == Some("function")
}

/// Whether the function's resource policy lets EventBridge invoke it for this rule.
async fn may_invoke(
    cx: &ScopeCx<'_>,
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    rule_arn: &str,
) -> Result<bool, ProviderError> {
    cx.gate("lambda", "GetPolicy").await;
    match lambda.get_policy().function_name(function).send().await {
        Ok(p) => {
            let doc: Value = p
                .policy()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null);
            Ok(grants_invoke(&doc, rule_arn))
        }
        // No policy at all (or no function): no permission.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(sdk_error(cx.target(), e)),
    }
}

/// Whether a Lambda resource policy allows EventBridge to invoke the function for `rule_arn`.
/// A statement with a condition this does not understand does not count: the permission is
/// then added, which is harmless, rather than assumed.
pub(crate) fn grants_invoke(doc: &Value, rule_arn: &str) -> bool {
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => vec![],
        }
    };
    let stmts = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => vec![],
    };
    let rule_account = rule_arn.split(':').nth(4).unwrap_or_default();
    stmts.iter().any(|s| {
        let allow = s.get("Effect").and_then(Value::as_str) == Some("Allow");
        let principal = list(s.get("Principal").and_then(|p| p.get("Service")))
            .iter()
            .any(|p| p == EVENTS);
        let action = list(s.get("Action"))
            .iter()
            .any(|a| matches!(a.as_str(), "lambda:InvokeFunction" | "lambda:*" | "*"));
        let conditions_hold = match s.get("Condition").and_then(Value::as_object) {
            None => true,
            Some(ops) => ops.iter().all(|(op, keys)| {
                keys.as_object().is_some_and(|keys| {
                    keys.iter().all(|(k, v)| {
                        let values = list(Some(v));
                        match (op.as_str(), k.to_ascii_lowercase().as_str()) {
                            ("ArnLike" | "StringLike", "aws:sourcearn") => {
                                values.iter().any(|p| glob(p, rule_arn))
                            }
                            ("ArnEquals" | "StringEquals", "aws:sourcearn") => {
                                values.iter().any(|p| p == rule_arn)
                            }
                            ("StringEquals", "aws:sourceaccount") => {
                                values.iter().any(|p| p == rule_account)
                            }
                            _ => false,
                        }
                    })
                })
            }),
        };
        allow && principal && action && conditions_hold
    })
}

/// `*` and `?` wildcards, as IAM's `*Like` operators match.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(st) = star {
            i = st + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// The statement id shubctl adds to a function's policy for a rule.
fn statement_id(rule: &str) -> String {
    rule.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) async fn apply(cx: &ScopeCx<'_>, batch: &[Change]) -> Vec<Outcome> {
    let clients = async {
        let eb: Client = cx.client().await?;
        let lambda: aws_sdk_lambda::Client = cx.client().await?;
        Ok::<_, ProviderError>((eb, lambda))
    };
    let (eb, lambda) = match clients.await {
        Ok(c) => c,
        Err(e) => return fail_all(batch, &e),
    };
    let (eb, lambda) = (&eb, &lambda);
    one_by_one(batch, |c| write(cx, eb, lambda, c)).await
}

async fn write(
    cx: &ScopeCx<'_>,
    eb: &Client,
    lambda: &aws_sdk_lambda::Client,
    c: &Change,
) -> Outcome {
    if c.address.kind != Kind::Route {
        return Err(fail(c, None, "not an EventBridge kind"));
    }
    let t = Target::Address(c.address.clone());
    let name = c.address.id.as_deref().unwrap_or_default();
    let current = rules(cx, eb, lambda)
        .await
        .map_err(|e| e.at(t.clone()))?
        .remove(name);
    if c.action == Action::Delete {
        let Some(current) = current else {
            return Ok(());
        };
        let ids: Vec<String> = current.targets.keys().cloned().collect();
        remove_targets(cx, eb, name, &ids, &t).await?;
        for x in current.targets.values().filter(|x| is_function(&x.arn)) {
            revoke(cx, lambda, &x.arn, name, &t).await?;
        }
        return delete_rule(cx, eb, name, &t).await;
    }
    let v = value_of!(c, Route);
    // PutRule replaces the whole rule: every field is sent.
    cx.gate("events", "PutRule").await;
    let put = eb
        .put_rule()
        .name(name)
        .description(&v.description)
        .event_pattern(v.event_pattern.to_string())
        .state(RuleState::from(v.state.as_str()))
        .send()
        .await
        .map_err(|e| sdk_error(t.clone(), e))?;
    let rule_arn = put.rule_arn().unwrap_or_default().to_string();
    let have = current.map(|r| r.targets).unwrap_or_default();
    let stale: Vec<String> = have
        .keys()
        .filter(|id| !v.targets.contains_key(*id))
        .cloned()
        .collect();
    remove_targets(cx, eb, name, &stale, &t).await?;
    for id in &stale {
        let arn = &have[id].arn;
        if is_function(arn) && !v.targets.values().any(|x| &x.arn == arn) {
            revoke(cx, lambda, arn, name, &t).await?;
        }
    }
    let changed: Vec<(&String, &RouteTarget)> = v
        .targets
        .iter()
        .filter(|(id, x)| {
            have.get(*id)
                .is_none_or(|h| without_permission(h) != without_permission(x))
        })
        .collect();
    put_targets(cx, eb, name, &changed, &t).await?;
    for x in v.targets.values() {
        if x.invoke_permission == Some(true) && !may_invoke(cx, lambda, &x.arn, &rule_arn).await? {
            grant(cx, lambda, &x.arn, name, &rule_arn, &t).await?;
        }
    }
    Ok(())
}

/// A target as PutTargets sets it (the permission lives in the function's policy).
fn without_permission(x: &RouteTarget) -> RouteTarget {
    RouteTarget {
        invoke_permission: None,
        ..x.clone()
    }
}

/// Targets per PutTargets / RemoveTargets request, as the API documents.
const PER_REQUEST: usize = 10;

async fn put_targets(
    cx: &ScopeCx<'_>,
    eb: &Client,
    rule: &str,
    targets: &[(&String, &RouteTarget)],
    t: &Target,
) -> Outcome {
    for chunk in targets.chunks(PER_REQUEST) {
        let mut sdk = Vec::new();
        for (id, x) in chunk {
            let transformer = match &x.input_transformer {
                Some(i) => Some(
                    SdkTransformer::builder()
                        .set_input_paths_map(Some(i.paths.clone().into_iter().collect()))
                        .input_template(&i.template)
                        .build()
                        .map_err(|e| ProviderError::new(t.clone(), None, e.to_string()))?,
                ),
                None => None,
            };
            sdk.push(
                aws_sdk_eventbridge::types::Target::builder()
                    .id(id.as_str())
                    .arn(&x.arn)
                    .set_role_arn(x.role_arn.clone())
                    .set_input_transformer(transformer)
                    .set_dead_letter_config(
                        x.dead_letter_queue
                            .as_ref()
                            .map(|q| DeadLetterConfig::builder().arn(q).build()),
                    )
                    .build()
                    .map_err(|e| ProviderError::new(t.clone(), None, e.to_string()))?,
            );
        }
        cx.gate("events", "PutTargets").await;
        let out = eb
            .put_targets()
            .rule(rule)
            .set_targets(Some(sdk))
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
        // The call succeeds when some entries fail: each failure is the change's failure.
        if let Some(f) = out.failed_entries().first() {
            return Err(ProviderError::new(
                t.clone(),
                f.error_code(),
                format!(
                    "target {}: {}",
                    f.target_id().unwrap_or("?"),
                    f.error_message().unwrap_or("not put")
                ),
            ));
        }
    }
    Ok(())
}

async fn remove_targets(
    cx: &ScopeCx<'_>,
    eb: &Client,
    rule: &str,
    ids: &[String],
    t: &Target,
) -> Outcome {
    for chunk in ids.chunks(PER_REQUEST) {
        cx.gate("events", "RemoveTargets").await;
        let out = eb
            .remove_targets()
            .rule(rule)
            .set_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error(t.clone(), e))?;
        if let Some(f) = out
            .failed_entries()
            .iter()
            .find(|f| f.error_code() != Some("ResourceNotFoundException"))
        {
            return Err(ProviderError::new(
                t.clone(),
                f.error_code(),
                format!(
                    "target {}: {}",
                    f.target_id().unwrap_or("?"),
                    f.error_message().unwrap_or("not removed")
                ),
            ));
        }
    }
    Ok(())
}

/// Deletes a rule, waiting out the moment after RemoveTargets when EventBridge still sees
/// targets (its changes are eventually consistent).
async fn delete_rule(cx: &ScopeCx<'_>, eb: &Client, rule: &str, t: &Target) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(60).min(cx.opts().standard_timeout);
    loop {
        cx.gate("events", "DeleteRule").await;
        match eb.delete_rule().name(rule).send().await {
            Ok(_) => return Ok(()),
            Err(e)
                if e.code() == Some("ValidationException")
                    && e.message().is_some_and(|m| m.contains("has targets"))
                    && Instant::now() < deadline =>
            {
                tokio::time::sleep(cx.opts().poll_interval).await;
            }
            Err(e) => return Err(sdk_error(t.clone(), e)),
        }
    }
}

/// Lets the rule invoke the function.
async fn grant(
    cx: &ScopeCx<'_>,
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    rule: &str,
    rule_arn: &str,
    t: &Target,
) -> Outcome {
    let sid = statement_id(rule);
    for attempt in 0..2 {
        cx.gate("lambda", "AddPermission").await;
        match lambda
            .add_permission()
            .function_name(function)
            .statement_id(&sid)
            .action("lambda:InvokeFunction")
            .principal(EVENTS)
            .source_arn(rule_arn)
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            // Our statement id is there but says something else (a rule re-created under
            // another ARN): replace it.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_conflict_exception())
                    && attempt == 0 =>
            {
                revoke(cx, lambda, function, rule, t).await?;
            }
            Err(e) => return Err(sdk_error(t.clone(), e)),
        }
    }
    Err(ProviderError::new(
        t.clone(),
        None,
        format!("the permission for {rule} could not be added to {function}"),
    ))
}

/// Removes shubctl's statement for the rule from the function's policy; gone is done.
async fn revoke(
    cx: &ScopeCx<'_>,
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    rule: &str,
    t: &Target,
) -> Outcome {
    cx.gate("lambda", "RemovePermission").await;
    match lambda
        .remove_permission()
        .function_name(function)
        .statement_id(statement_id(rule))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error(t.clone(), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RULE: &str = "arn:aws:events:us-east-1:222222222222:rule/shubctl-high";

    #[test]
    fn reads_what_a_function_policy_grants() {
        let stmt = |cond: Value| {
            json!({"Version": "2012-10-17", "Id": "default", "Statement": [{
                "Sid": "x", "Effect": "Allow", "Principal": {"Service": EVENTS},
                "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:222222222222:function:f",
                "Condition": cond}]})
        };
        assert!(grants_invoke(
            &stmt(json!({"ArnLike": {"AWS:SourceArn": RULE}})),
            RULE
        ));
        assert!(grants_invoke(
            &stmt(
                json!({"ArnLike": {"AWS:SourceArn": "arn:aws:events:us-east-1:222222222222:rule/*"}})
            ),
            RULE
        ));
        assert!(!grants_invoke(
            &stmt(
                json!({"ArnLike": {"AWS:SourceArn": "arn:aws:events:us-east-1:222222222222:rule/other"}})
            ),
            RULE
        ));
        assert!(grants_invoke(
            &stmt(json!({"StringEquals": {"AWS:SourceAccount": "222222222222"}})),
            RULE
        ));
        assert!(!grants_invoke(
            &stmt(json!({"IpAddress": {"aws:SourceIp": "1.2.3.4"}})),
            RULE
        ));
        let mut other = stmt(json!({"ArnLike": {"AWS:SourceArn": RULE}}));
        other["Statement"][0]["Principal"] = json!({"Service": "s3.amazonaws.com"});
        assert!(!grants_invoke(&other, RULE));
        assert!(!grants_invoke(&Value::Null, RULE));
    }

    #[test]
    fn globs_and_names() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("*", ""));
        assert_eq!(statement_id("shubctl-a.b"), "shubctl-a_b");
        assert!(is_function("arn:aws:lambda:us-east-1:1:function:f"));
        assert!(!is_function("arn:aws:sns:us-east-1:1:t"));
    }
}
