//! Which changes weaken the security posture. Pure and conservative: when in doubt, a change
//! that turns something off, removes coverage or hides findings counts as weakening.

use serde_json::Value;

use super::Action;
use crate::model::Kind;

pub fn weakens_posture(
    kind: Kind,
    action: Action,
    before: Option<&Value>,
    after: Option<&Value>,
) -> bool {
    let field =
        |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).cloned().unwrap_or(Value::Null);
    match action {
        Action::Delete => kind.delete_weakens_posture(),
        Action::Create => kind == Kind::AutomationRule && rule_hides_findings(after),
        Action::Update => match kind {
            Kind::Control => {
                field(after, "status") == "DISABLED" && field(before, "status") != "DISABLED"
            }
            Kind::Hub => {
                field(before, "auto_enable_controls") == true
                    && field(after, "auto_enable_controls") == false
            }
            Kind::OrgConfig => {
                field(before, "auto_enable") == true && field(after, "auto_enable") == false
                    || lost(
                        &field(before, "resource_types"),
                        &field(after, "resource_types"),
                    )
                    || matches!(
                        (
                            field(before, "auto_enable_members").as_str(),
                            field(after, "auto_enable_members").as_str()
                        ),
                        (Some("ALL" | "NEW"), Some("NONE")) | (Some("ALL"), Some("NEW"))
                    )
                    || features_turned_off(before, after, "NONE")
            }
            Kind::Aggregator => {
                let (bm, am) = (field(before, "linking_mode"), field(after, "linking_mode"));
                let (br, ar) = (field(before, "regions"), field(after, "regions"));
                match (bm.as_str(), am.as_str()) {
                    (Some(b), Some(a)) if b == a => match a {
                        "SPECIFIED_REGIONS" => lost(&br, &ar),
                        "ALL_REGIONS_EXCEPT_SPECIFIED" => lost(&ar, &br),
                        _ => false,
                    },
                    (_, Some("NO_REGIONS")) => true,
                    (Some("ALL_REGIONS"), Some(_)) => true,
                    (_, Some("ALL_REGIONS")) => false,
                    _ => true,
                }
            }
            Kind::GuardDuty => {
                field(after, "status") == "DISABLED"
                    || features_turned_off(before, after, "DISABLED")
            }
            Kind::Inspector => lost(
                &field(before, "resource_types"),
                &field(after, "resource_types"),
            ),
            Kind::Macie => {
                field(before, "status") == "ENABLED" && field(after, "status") != "ENABLED"
            }
            Kind::AutomationRule => rule_hides_findings(after),
            // A configuration policy edited in place: Security Hub turned off, a standard
            // dropped or a control disabled in every account it reaches.
            Kind::ConfigPolicy => {
                field(before, "service_enabled") == true && field(after, "service_enabled") == false
                    || lost(&field(before, "standards"), &field(after, "standards"))
                    || lost(
                        &field(after, "disabled_controls"),
                        &field(before, "disabled_controls"),
                    )
            }
            Kind::DelegatedAdmin => true,
            Kind::Scp => scp_lets_more_through(
                before.and_then(|v| v.get("content")),
                after.and_then(|v| v.get("content")),
            ),
            Kind::Route => {
                field(after, "state") == "DISABLED" && field(before, "state") != "DISABLED"
                    || targets_lost(before, after)
                    || pattern_narrowed(
                        before.and_then(|v| v.get("event_pattern")),
                        after.and_then(|v| v.get("event_pattern")),
                    )
            }
            _ => false,
        },
    }
}

/// Whether an update is destructive as the delete it stands for would be: a configuration
/// policy that drops a standard or turns Security Hub off does to every account it reaches
/// what `delete standard/…` or `delete hub` does locally. (Disabling a control is not
/// destructive, as locally.)
pub fn update_is_destructive(kind: Kind, before: Option<&Value>, after: Option<&Value>) -> bool {
    let field =
        |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).cloned().unwrap_or(Value::Null);
    match kind {
        Kind::ConfigPolicy => {
            field(before, "service_enabled") == true && field(after, "service_enabled") == false
                || lost(&field(before, "standards"), &field(after, "standards"))
        }
        _ => false,
    }
}

/// Whether some entry of list `before` is missing from list `after`.
fn lost(before: &Value, after: &Value) -> bool {
    let after: Vec<&Value> = after
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    before
        .as_array()
        .is_some_and(|b| b.iter().any(|x| !after.contains(&x)))
}

fn features_turned_off(before: Option<&Value>, after: Option<&Value>, off: &str) -> bool {
    let (Some(b), Some(a)) = (
        before.and_then(|v| v.get("features")),
        after.and_then(|v| v.get("features")),
    ) else {
        return false;
    };
    a.as_object().is_some_and(|a| {
        a.iter()
            .any(|(k, v)| v == off && b.get(k).is_some_and(|x| x != off))
    })
}

/// A guardrail that denies fewer actions, or exempts more principals, than before.
fn scp_lets_more_through(before: Option<&Value>, after: Option<&Value>) -> bool {
    use crate::model::document::{denied_actions, exempt_principals};
    let (Some(b), Some(a)) = (before, after) else {
        return true;
    };
    !denied_actions(b).is_subset(&denied_actions(a))
        || !exempt_principals(a).is_subset(&exempt_principals(b))
}

/// A route that lost a target, or the permission to invoke one.
fn targets_lost(before: Option<&Value>, after: Option<&Value>) -> bool {
    let targets = |v: Option<&Value>| {
        v.and_then(|v| v.get("targets"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (b, a) = (targets(before), targets(after));
    b.iter().any(|(id, t)| match a.get(id) {
        None => true,
        Some(x) => {
            x.get("arn") != t.get("arn")
                || t.get("invoke_permission") == Some(&Value::Bool(true))
                    && x.get("invoke_permission") != Some(&Value::Bool(true))
        }
    })
}

/// Whether a new event pattern lets fewer events through: a field that now has to match and
/// did not before, or a field that accepts fewer values. (Patterns match when every field
/// matches one of its values.)
fn pattern_narrowed(before: Option<&Value>, after: Option<&Value>) -> bool {
    use crate::model::document::pattern_leaves;
    let (Some(b), Some(a)) = (before, after) else {
        return before.is_some();
    };
    let (b, a) = (pattern_leaves(b), pattern_leaves(a));
    a.iter()
        .any(|(path, values)| match b.iter().find(|(p, _)| p == path) {
            None => true,
            Some((_, was)) => was.iter().any(|v| !values.contains(v)),
        })
}

/// A rule that suppresses or resolves findings, or lowers their severity, hides them.
fn rule_hides_findings(after: Option<&Value>) -> bool {
    let Some(actions) = after.and_then(|v| v.get("actions")) else {
        return false;
    };
    let status = actions.pointer("/Workflow/Status").and_then(Value::as_str);
    let label = actions.pointer("/Severity/Label").and_then(Value::as_str);
    let enabled = after.and_then(|v| v.get("status")).and_then(Value::as_str) != Some("DISABLED");
    enabled
        && (matches!(status, Some("SUPPRESSED" | "RESOLVED"))
            || matches!(label, Some("INFORMATIONAL" | "LOW")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_configuration_policy_edit_weakens_when_it_takes_something_away() {
        let p = |stds: &[&str], disabled: &[&str]| json!({"service_enabled": true, "standards": stds, "disabled_controls": disabled});
        let weakens = |b: Value, a: Value| {
            weakens_posture(Kind::ConfigPolicy, Action::Update, Some(&b), Some(&a))
        };
        assert!(weakens(p(&["fsbp"], &[]), p(&["fsbp"], &["EC2.2"])));
        assert!(weakens(p(&["fsbp", "cis"], &[]), p(&["fsbp"], &[])));
        assert!(weakens(
            p(&["fsbp"], &[]),
            json!({"service_enabled": false, "standards": [], "disabled_controls": []})
        ));
        assert!(!weakens(p(&["fsbp"], &["EC2.2"]), p(&["fsbp", "cis"], &[])));
    }

    #[test]
    fn a_configuration_policy_edit_is_destructive_when_it_drops_a_standard_or_the_service() {
        let p = |stds: &[&str], disabled: &[&str]| json!({"service_enabled": true, "standards": stds, "disabled_controls": disabled});
        let off = json!({"service_enabled": false, "standards": [], "disabled_controls": []});
        let destroys =
            |b: &Value, a: &Value| update_is_destructive(Kind::ConfigPolicy, Some(b), Some(a));
        assert!(destroys(&p(&["fsbp", "cis"], &[]), &p(&["fsbp"], &[])));
        assert!(destroys(&p(&["fsbp"], &[]), &off));
        // A control disabled, or a standard added, or the service turned on: not destructive.
        assert!(!destroys(&p(&["fsbp"], &[]), &p(&["fsbp"], &["EC2.2"])));
        assert!(!destroys(&p(&["fsbp"], &[]), &p(&["fsbp", "cis"], &[])));
        assert!(!destroys(&off, &p(&["fsbp"], &[])));
        let hub = json!({"auto_enable_controls": true});
        assert!(!update_is_destructive(
            Kind::Hub,
            Some(&hub),
            Some(&json!({"auto_enable_controls": false}))
        ));
    }

    #[test]
    fn classifies() {
        assert!(weakens_posture(
            Kind::Control,
            Action::Update,
            Some(&json!({"status":"ENABLED"})),
            Some(&json!({"status":"DISABLED","reason":"x"}))
        ));
        assert!(!weakens_posture(
            Kind::Control,
            Action::Update,
            Some(&json!({"status":"DISABLED"})),
            Some(&json!({"status":"ENABLED"}))
        ));
        assert!(weakens_posture(
            Kind::Standard,
            Action::Delete,
            Some(&json!({})),
            None
        ));
        assert!(!weakens_posture(
            Kind::Standard,
            Action::Create,
            None,
            Some(&json!({}))
        ));
        assert!(!weakens_posture(
            Kind::Insight,
            Action::Delete,
            Some(&json!({})),
            None
        ));
        assert!(weakens_posture(
            Kind::Aggregator,
            Action::Update,
            Some(&json!({"linking_mode":"SPECIFIED_REGIONS","regions":["eu-west-1","us-west-2"]})),
            Some(&json!({"linking_mode":"SPECIFIED_REGIONS","regions":["us-west-2"]}))
        ));
        assert!(!weakens_posture(
            Kind::Aggregator,
            Action::Update,
            Some(&json!({"linking_mode":"SPECIFIED_REGIONS","regions":["us-west-2"]})),
            Some(&json!({"linking_mode":"ALL_REGIONS","regions":[]}))
        ));
        assert!(weakens_posture(
            Kind::AutomationRule,
            Action::Create,
            None,
            Some(&json!({"status":"ENABLED","actions":{"Workflow":{"Status":"SUPPRESSED"}}}))
        ));
        assert!(!weakens_posture(
            Kind::AutomationRule,
            Action::Create,
            None,
            Some(&json!({"status":"ENABLED","actions":{"Severity":{"Label":"CRITICAL"}}}))
        ));
        assert!(weakens_posture(
            Kind::GuardDuty,
            Action::Update,
            Some(&json!({"status":"ENABLED","features":{"S3_DATA_EVENTS":"ENABLED"}})),
            Some(&json!({"status":"ENABLED","features":{"S3_DATA_EVENTS":"DISABLED"}}))
        ));
        let scp = |actions: &[&str], exempt: &[&str]| {
            json!({"description": "d", "content": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": actions, "Resource": "*",
                 "Condition": {"ArnNotLike": {"aws:PrincipalARN": exempt}}}]}})
        };
        let (b, a) = (scp(&["a:X", "a:Y"], &["r1"]), scp(&["a:X"], &["r1"]));
        assert!(weakens_posture(
            Kind::Scp,
            Action::Update,
            Some(&b),
            Some(&a)
        ));
        assert!(!weakens_posture(
            Kind::Scp,
            Action::Update,
            Some(&a),
            Some(&b)
        ));
        let more_exempt = scp(&["a:X", "a:Y"], &["r1", "r2"]);
        assert!(weakens_posture(
            Kind::Scp,
            Action::Update,
            Some(&b),
            Some(&more_exempt)
        ));
        let route = |state: &str, labels: &[&str], targets: Value| {
            json!({"description": "d", "state": state, "targets": targets,
                   "event_pattern": {"detail": {"findings": {"Severity": {"Label": labels}}}}})
        };
        let t = json!({"t1": {"arn": "arn:aws:sns:us-east-1:1:x"}});
        let wide = route("ENABLED", &["CRITICAL", "HIGH"], t.clone());
        let narrow = route("ENABLED", &["CRITICAL"], t.clone());
        assert!(weakens_posture(
            Kind::Route,
            Action::Update,
            Some(&wide),
            Some(&narrow)
        ));
        assert!(!weakens_posture(
            Kind::Route,
            Action::Update,
            Some(&narrow),
            Some(&wide)
        ));
        let off = route("DISABLED", &["CRITICAL", "HIGH"], t.clone());
        assert!(weakens_posture(
            Kind::Route,
            Action::Update,
            Some(&wide),
            Some(&off)
        ));
        let none = route("ENABLED", &["CRITICAL", "HIGH"], json!({}));
        assert!(weakens_posture(
            Kind::Route,
            Action::Update,
            Some(&wide),
            Some(&none)
        ));
        assert!(!weakens_posture(
            Kind::Route,
            Action::Update,
            Some(&none),
            Some(&wide)
        ));
        assert!(weakens_posture(
            Kind::Route,
            Action::Delete,
            Some(&wide),
            None
        ));
        assert!(weakens_posture(
            Kind::ScpAttachment,
            Action::Delete,
            Some(&json!({})),
            None
        ));
        assert!(weakens_posture(
            Kind::Inspector,
            Action::Update,
            Some(&json!({"resource_types":["EC2","ECR"]})),
            Some(&json!({"resource_types":["EC2"]}))
        ));
    }
}
