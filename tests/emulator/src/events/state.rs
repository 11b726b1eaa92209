//! EventBridge's state in one account × region (API.md §14): the rules of the default bus with
//! their targets as sent, and their conversion from and to the snapshot's `route` resources.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use shubctl::model::document::canonical_pattern;
use shubctl::model::resource::{InputTransformer, RouteTarget, RouteValue};
use shubctl::model::{Kind, Resource};

use crate::world::{At, Dump, Loading};

pub struct Rule {
    pub arn: String,
    /// As sent: EventBridge returns the text it was given.
    pub pattern: Option<String>,
    pub schedule: Option<String>,
    pub state: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    /// Set for rules another service made: changing them needs `Force`.
    pub managed_by: Option<String>,
    /// Target id → the target as sent (its wire JSON).
    pub targets: BTreeMap<String, Value>,
}

pub fn rule_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:events:{region}:{account}:rule/{name}")
}

#[derive(Default)]
pub struct State {
    /// The default bus's rules, by name.
    pub rules: BTreeMap<String, Rule>,
}

impl State {
    /// Takes a snapshot resource if it is EventBridge's; hands it back otherwise. A Lambda
    /// target's permission is the function's business: it is returned to the caller to record.
    pub fn load(
        &mut self,
        res: Resource,
        at: &At,
        _: &mut Loading,
        grants: &mut Vec<(String, String)>,
    ) -> Option<Resource> {
        let Resource::Route(r) = res else {
            return Some(res);
        };
        let arn = rule_arn(at.region, at.account, at.id);
        let mut targets = BTreeMap::new();
        for (id, t) in r.targets {
            if t.invoke_permission == Some(true) {
                grants.push((t.arn.clone(), arn.clone()));
            }
            targets.insert(id.clone(), target_json(&id, &t));
        }
        self.rules.insert(
            at.id.to_string(),
            Rule {
                arn,
                pattern: Some(r.event_pattern.to_string()),
                schedule: None,
                state: r.state.to_string(),
                description: Some(r.description),
                role_arn: None,
                managed_by: None,
                targets,
            },
        );
        None
    }

    /// The rules as `route` resources; `may_invoke` says whether a function lets a rule
    /// invoke it.
    pub fn dump(&self, out: &mut Dump, may_invoke: impl Fn(&str, &str) -> bool) {
        for (name, r) in self.rules.iter().filter(|(_, r)| r.managed_by.is_none()) {
            let pattern = r
                .pattern
                .as_deref()
                .map(|p| {
                    serde_json::from_str(p)
                        .map(|v| canonical_pattern(&v))
                        .unwrap_or_else(|_| Value::String(p.to_string()))
                })
                .unwrap_or(Value::Null);
            let targets = r
                .targets
                .iter()
                .map(|(id, t)| {
                    let arn = t["Arn"].as_str().unwrap_or_default().to_string();
                    let function = arn.split(':').nth(2) == Some("lambda");
                    let value = RouteTarget {
                        role_arn: t["RoleArn"].as_str().map(str::to_string),
                        input_transformer: t.get("InputTransformer").map(|x| InputTransformer {
                            paths: x["InputPathsMap"]
                                .as_object()
                                .map(|m| {
                                    m.iter()
                                        .map(|(k, v)| {
                                            (k.clone(), v.as_str().unwrap_or_default().to_string())
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                            template: x["InputTemplate"].as_str().unwrap_or_default().to_string(),
                        }),
                        dead_letter_queue: t["DeadLetterConfig"]["Arn"]
                            .as_str()
                            .map(str::to_string),
                        invoke_permission: function.then(|| may_invoke(&arn, &r.arn)),
                        arn,
                    };
                    (id.clone(), value)
                })
                .collect();
            out.put(
                Kind::Route,
                Some(name.clone()),
                Resource::Route(RouteValue {
                    description: r.description.clone().unwrap_or_default(),
                    state: crate::util::wire(&r.state),
                    event_pattern: pattern,
                    targets,
                }),
            );
        }
    }
}

/// A snapshot target as PutTargets would have sent it.
fn target_json(id: &str, t: &RouteTarget) -> Value {
    let mut v = json!({ "Id": id, "Arn": t.arn });
    if let Some(r) = &t.role_arn {
        v["RoleArn"] = json!(r);
    }
    if let Some(x) = &t.input_transformer {
        v["InputTransformer"] = json!({ "InputPathsMap": x.paths, "InputTemplate": x.template });
    }
    if let Some(q) = &t.dead_letter_queue {
        v["DeadLetterConfig"] = json!({ "Arn": q });
    }
    v
}
