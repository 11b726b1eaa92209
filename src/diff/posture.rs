//! Which changes weaken the security posture, and which updates are destructive: the kind
//! table's delete columns, and each kind's own rules on its typed value (`model::rules`).

use super::Action;
use crate::model::{Kind, Resource};

/// Whether a change weakens the posture. `before` is what is there, `after` what the change
/// leaves. An update of something not read as it stands (a control of a standard not yet
/// enabled, parameters read only where declared) is judged as a create; one that leaves
/// nothing cannot be judged and counts as weakening.
pub fn weakens_posture(
    kind: Kind,
    action: Action,
    before: Option<&Resource>,
    after: Option<&Resource>,
) -> bool {
    match (action, before, after) {
        (Action::Delete, ..) => kind.delete_weakens_posture(),
        (Action::Create, _, after) | (Action::Update, None, after) => {
            after.is_some_and(Resource::weakens_on_create)
        }
        (Action::Update, Some(b), Some(a)) => a.weakens_from(b),
        (Action::Update, Some(_), None) => true,
    }
}

/// Whether an update is destructive as the delete it stands for would be (a configuration
/// policy that drops a standard or turns Security Hub off).
pub fn update_is_destructive(before: &Resource, after: &Resource) -> bool {
    after.destroys_from(before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The typed value of `kind` a test writes as JSON (the fields it leaves out at their
    /// usual values).
    fn r(kind: Kind, v: &Value) -> Resource {
        let mut v = v.clone();
        let defaults = match kind {
            Kind::Hub => {
                json!({"control_finding_generator": "SECURITY_CONTROL", "auto_enable_controls": true})
            }
            Kind::ConfigPolicy => json!({"description": "d"}),
            Kind::AutomationRule => {
                json!({"order": 1, "description": "d", "status": "ENABLED", "terminal": false, "criteria": {}, "actions": {}})
            }
            Kind::GuardDuty => {
                json!({"status": "ENABLED", "finding_publishing_frequency": "SIX_HOURS"})
            }
            Kind::Aggregator => json!({"linking_mode": "ALL_REGIONS"}),
            _ => json!({}),
        };
        if let (Some(o), Some(d)) = (v.as_object_mut(), defaults.as_object()) {
            for (k, x) in d {
                o.entry(k.clone()).or_insert(x.clone());
            }
        }
        Resource::from_json(kind, v).expect("a value of its kind")
    }

    /// [`weakens_posture`] on values written as JSON.
    fn weakens(kind: Kind, action: Action, before: Option<&Value>, after: Option<&Value>) -> bool {
        // A delete is judged by its kind alone.
        let typed = |v: Option<&Value>| v.filter(|_| action != Action::Delete).map(|v| r(kind, v));
        let (b, a) = (typed(before), typed(after));
        weakens_posture(kind, action, b.as_ref(), a.as_ref())
    }

    #[test]
    fn a_configuration_policy_edit_weakens_when_it_takes_something_away() {
        let p = |stds: &[&str], disabled: &[&str]| json!({"service_enabled": true, "standards": stds, "disabled_controls": disabled});
        let weakens =
            |b: Value, a: Value| weakens(Kind::ConfigPolicy, Action::Update, Some(&b), Some(&a));
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
        let destroys = |b: &Value, a: &Value| {
            update_is_destructive(&r(Kind::ConfigPolicy, b), &r(Kind::ConfigPolicy, a))
        };
        assert!(destroys(&p(&["fsbp", "cis"], &[]), &p(&["fsbp"], &[])));
        assert!(destroys(&p(&["fsbp"], &[]), &off));
        // A control disabled, or a standard added, or the service turned on: not destructive.
        assert!(!destroys(&p(&["fsbp"], &[]), &p(&["fsbp"], &["EC2.2"])));
        assert!(!destroys(&p(&["fsbp"], &[]), &p(&["fsbp", "cis"], &[])));
        assert!(!destroys(&off, &p(&["fsbp"], &[])));
        let hub = json!({"auto_enable_controls": true});
        assert!(!update_is_destructive(
            &r(Kind::Hub, &hub),
            &r(Kind::Hub, &json!({"auto_enable_controls": false}))
        ));
    }

    #[test]
    fn classifies() {
        assert!(weakens(
            Kind::Control,
            Action::Update,
            Some(&json!({"status":"ENABLED"})),
            Some(&json!({"status":"DISABLED","reason":"x"}))
        ));
        assert!(!weakens(
            Kind::Control,
            Action::Update,
            Some(&json!({"status":"DISABLED"})),
            Some(&json!({"status":"ENABLED"}))
        ));
        assert!(weakens(
            Kind::Standard,
            Action::Delete,
            Some(&json!({})),
            None
        ));
        assert!(!weakens(
            Kind::Standard,
            Action::Create,
            None,
            Some(&json!({}))
        ));
        assert!(!weakens(
            Kind::Insight,
            Action::Delete,
            Some(&json!({})),
            None
        ));
        assert!(weakens(
            Kind::Aggregator,
            Action::Update,
            Some(&json!({"linking_mode":"SPECIFIED_REGIONS","regions":["eu-west-1","us-west-2"]})),
            Some(&json!({"linking_mode":"SPECIFIED_REGIONS","regions":["us-west-2"]}))
        ));
        assert!(!weakens(
            Kind::Aggregator,
            Action::Update,
            Some(&json!({"linking_mode":"SPECIFIED_REGIONS","regions":["us-west-2"]})),
            Some(&json!({"linking_mode":"ALL_REGIONS","regions":[]}))
        ));
        assert!(weakens(
            Kind::AutomationRule,
            Action::Create,
            None,
            Some(&json!({"status":"ENABLED","actions":{"Workflow":{"Status":"SUPPRESSED"}}}))
        ));
        assert!(!weakens(
            Kind::AutomationRule,
            Action::Create,
            None,
            Some(&json!({"status":"ENABLED","actions":{"Severity":{"Label":"CRITICAL"}}}))
        ));
        assert!(weakens(
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
        assert!(weakens(Kind::Scp, Action::Update, Some(&b), Some(&a)));
        assert!(!weakens(Kind::Scp, Action::Update, Some(&a), Some(&b)));
        let more_exempt = scp(&["a:X", "a:Y"], &["r1", "r2"]);
        assert!(weakens(
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
        assert!(weakens(
            Kind::Route,
            Action::Update,
            Some(&wide),
            Some(&narrow)
        ));
        assert!(!weakens(
            Kind::Route,
            Action::Update,
            Some(&narrow),
            Some(&wide)
        ));
        let off = route("DISABLED", &["CRITICAL", "HIGH"], t.clone());
        assert!(weakens(
            Kind::Route,
            Action::Update,
            Some(&wide),
            Some(&off)
        ));
        let none = route("ENABLED", &["CRITICAL", "HIGH"], json!({}));
        assert!(weakens(
            Kind::Route,
            Action::Update,
            Some(&wide),
            Some(&none)
        ));
        assert!(!weakens(
            Kind::Route,
            Action::Update,
            Some(&none),
            Some(&wide)
        ));
        assert!(weakens(Kind::Route, Action::Delete, Some(&wide), None));
        assert!(weakens(
            Kind::ScpAttachment,
            Action::Delete,
            Some(&json!({})),
            None
        ));
        assert!(weakens(
            Kind::Inspector,
            Action::Update,
            Some(&json!({"resource_types":["EC2","ECR"]})),
            Some(&json!({"resource_types":["EC2"]}))
        ));
    }
}
