//! The diff: a pure function from desired and current state to a list of changes.

mod posture;

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub use crate::model::change::{Action, Change, Reason, ReasonCode};
use crate::model::{Address, ExceptionRef, Kind, Note, ReadPlan, Resource, State};

pub use posture::weakens_posture;

/// Compares desired with current state for every address the read plan covers.
pub fn diff(
    desired: &State,
    notes: &BTreeMap<Address, Note>,
    current: &State,
    reads: &ReadPlan,
) -> Vec<Change> {
    // Both maps are sorted by address: walk them side by side (linear, no re-sorting).
    let mut out = Vec::new();
    let mut want = desired.resources.iter().peekable();
    let mut have = current.resources.iter().peekable();
    let mut covered = ScopeCache::default();
    loop {
        let (a, w, h) = match (want.peek(), have.peek()) {
            (None, None) => break,
            (Some((wa, _)), Some((ha, _))) if wa == ha => {
                let (a, w) = want.next().expect("peeked");
                let (_, h) = have.next().expect("peeked");
                (a, Some(w), Some(h))
            }
            (Some((wa, _)), Some((ha, _))) if wa < ha => {
                let (a, w) = want.next().expect("peeked");
                (a, Some(w), None)
            }
            (Some(_), None) => {
                let (a, w) = want.next().expect("peeked");
                (a, Some(w), None)
            }
            _ => {
                let (a, h) = have.next().expect("peeked");
                (a, None, Some(h))
            }
        };
        if covered.covers(reads, a)
            && let Some(c) = diff_one(a, w, h, notes.get(a))
        {
            out.push(c);
        }
    }
    out
}

/// Remembers the last scope looked up: addresses arrive grouped by scope.
#[derive(Default)]
struct ScopeCache<'a> {
    key: Option<(&'a crate::model::AccountId, &'a str)>,
    kinds: Option<&'a crate::model::KindSet>,
}

impl<'a> ScopeCache<'a> {
    fn covers(&mut self, reads: &'a ReadPlan, a: &'a Address) -> bool {
        let key = (&a.account, a.region.as_str());
        if self.key != Some(key) {
            self.key = Some(key);
            self.kinds = reads.scopes.get(&a.scope());
        }
        self.kinds.is_some_and(|k| k.contains(&a.kind)) && reads.id_covered(a)
    }
}

fn diff_one(
    a: &Address,
    want: Option<&Resource>,
    have: Option<&Resource>,
    note: Option<&Note>,
) -> Option<Change> {
    let (action, before, after, fields, reason) = match (want, have) {
        (None, None) => return None,
        (Some(w), None) => {
            match (a.kind, w) {
                // Associations come and go with their standard: enabled is what a newly
                // enabled standard gives, so only a disable needs a change.
                (Kind::Control, Resource::Control(c)) if c.is_enabled() => return None,
                (Kind::Control, _) => {
                    let before = json!({"status": "ENABLED"});
                    let fields = changed_fields(&before, &w.to_json());
                    (
                        Action::Update,
                        Some(before),
                        Some(w.to_json()),
                        fields,
                        control_reason(w, None, note),
                    )
                }
                (Kind::ControlParameters, _) => (
                    Action::Update,
                    None,
                    Some(w.to_json()),
                    vec!["parameters".to_string()],
                    Reason {
                        code: ReasonCode::Drift,
                        message: "custom parameters".into(),
                        exception: None,
                    },
                ),
                _ => (
                    Action::Create,
                    None,
                    Some(w.to_json()),
                    vec![],
                    Reason {
                        code: ReasonCode::Missing,
                        message: "missing: declared by the policy".into(),
                        exception: None,
                    },
                ),
            }
        }
        (None, Some(h)) => {
            if matches!(a.kind, Kind::Control | Kind::ControlParameters) {
                // Goes away with its standard; parameters are only read where declared.
                return None;
            }
            (
                Action::Delete,
                Some(h.to_json()),
                None,
                vec![],
                Reason {
                    code: ReasonCode::NotInPolicy,
                    message: "not in the policy".into(),
                    exception: None,
                },
            )
        }
        // Equal typed values need no JSON view: the common, converged case stays cheap.
        (Some(w), Some(h)) if w == h => return None,
        (Some(w), Some(h)) => {
            let before = h.managed_view(Some(w));
            let after = w.to_json();
            if before == after {
                return None;
            }
            let fields = changed_fields(&before, &after);
            let reason = if a.kind == Kind::Control {
                control_reason(w, Some(h), note)
            } else {
                Reason {
                    code: ReasonCode::Drift,
                    message: format!("drift: {} not as the policy says", fields.join(", ")),
                    exception: None,
                }
            };
            (Action::Update, Some(before), Some(after), fields, reason)
        }
    };
    // A control of a standard being enabled now is not checked today, so disabling it as the
    // standard comes in takes nothing away.
    let weakens = weakens_posture(a.kind, action, before.as_ref(), after.as_ref())
        && !(a.kind == Kind::Control && have.is_none());
    Some(Change {
        address: a.clone(),
        action,
        destructive: action == Action::Delete && a.kind.delete_is_destructive(),
        before,
        after,
        changed_fields: fields,
        reason,
        weakens_posture: weakens,
    })
}

/// Fields that differ; inside a mapping-valued field, the entries that differ, as
/// `field.entry` (so a GuardDuty feature change names the feature).
fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    fn keys<'a>(
        b: &'a serde_json::Map<String, Value>,
        a: &'a serde_json::Map<String, Value>,
    ) -> Vec<&'a String> {
        let mut k: Vec<&String> = b.keys().chain(a.keys()).collect();
        k.sort();
        k.dedup();
        k
    }
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Vec::new();
    for k in keys(b, a) {
        match (b.get(k), a.get(k)) {
            (x, y) if x == y => {}
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                out.extend(
                    keys(x, y)
                        .into_iter()
                        .filter(|e| x.get(*e) != y.get(*e))
                        .map(|e| format!("{k}.{e}")),
                );
            }
            _ => out.push(k.clone()),
        }
    }
    out
}

/// The value of a field named by `changed_fields` (`field` or `field.entry`).
pub fn field_value<'a>(v: Option<&'a Value>, field: &str) -> Option<&'a Value> {
    let v = v?;
    if let Some(x) = v.get(field) {
        return Some(x);
    }
    let (head, rest) = field.split_once('.')?;
    v.get(head)?.get(rest)
}

fn control_reason(want: &Resource, have: Option<&Resource>, note: Option<&Note>) -> Reason {
    let Resource::Control(w) = want else {
        return Reason {
            code: ReasonCode::Drift,
            message: "differs from the policy".into(),
            exception: None,
        };
    };
    if !w.is_enabled() {
        let ex = note.and_then(|n| n.exception.clone());
        let was_disabled = matches!(have, Some(Resource::Control(h)) if !h.is_enabled());
        let message = match (&ex, was_disabled) {
            (Some(e), true) => format!("disabled reason differs from the exception at {}", e.at),
            (Some(e), false) => format!(
                "disabled by the exception at {}: {}{}",
                e.at,
                e.reason,
                who(e)
            ),
            (None, _) => "disabled by the policy".into(),
        };
        return Reason {
            code: ReasonCode::Exception,
            message,
            exception: ex,
        };
    }
    let aws_reason = match have {
        Some(Resource::Control(h)) => h.reason.clone(),
        _ => None,
    };
    match note.and_then(|n| n.expired.clone()) {
        Some(e) => Reason {
            code: ReasonCode::ExceptionExpired,
            message: format!(
                "EXCEPTION EXPIRED on {}{}: re-enabled (exception at {})",
                e.expires.as_deref().unwrap_or("?"),
                who_no_expiry(&e),
                e.at
            ),
            exception: Some(e),
        },
        None => Reason {
            code: ReasonCode::NoException,
            message: match aws_reason {
                Some(r) => format!("disabled outside the policy (\"{r}\"); no exception covers it"),
                None => "disabled outside the policy; no exception covers it".into(),
            },
            exception: None,
        },
    }
}

fn who(e: &ExceptionRef) -> String {
    who_with(e, true)
}

fn who_no_expiry(e: &ExceptionRef) -> String {
    who_with(e, false)
}

/// ` (owner …, ticket …, expires …)`, or nothing when none is set.
fn who_with(e: &ExceptionRef, expiry: bool) -> String {
    let parts: Vec<String> = [
        ("owner", &e.owner),
        ("ticket", &e.ticket),
        ("expires", if expiry { &e.expires } else { &None }),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
    .collect();
    fmt_parts(parts)
}

fn fmt_parts(parts: Vec<String>) -> String {
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountId;
    use crate::model::resource::*;

    fn acct() -> AccountId {
        AccountId::parse("111111111111").unwrap()
    }

    fn reads(kinds: &[Kind]) -> ReadPlan {
        let mut r = ReadPlan::default();
        for k in kinds {
            r.add(&acct(), "us-east-1", *k);
        }
        r
    }

    fn state(items: Vec<(Address, Resource)>) -> State {
        let mut s = State::default();
        for (a, v) in items {
            s.insert(a, v);
        }
        s
    }

    fn hub(auto: bool) -> Resource {
        Resource::Hub(HubValue {
            control_finding_generator: "SECURITY_CONTROL".into(),
            auto_enable_controls: auto,
        })
    }

    #[test]
    fn equal_states_have_no_changes() {
        let a = Address::singleton(&acct(), "us-east-1", Kind::Hub);
        let s = state(vec![(a, hub(true))]);
        assert!(diff(&s, &BTreeMap::new(), &s, &reads(&[Kind::Hub])).is_empty());
    }

    #[test]
    fn create_update_delete() {
        let h = Address::singleton(&acct(), "us-east-1", Kind::Hub);
        let std = Address::keyed(&acct(), "us-east-1", Kind::Standard, "cis/1.2.0");
        let ins = Address::keyed(&acct(), "us-east-1", Kind::Insight, "x");
        let want = state(vec![
            (h.clone(), hub(true)),
            (
                ins.clone(),
                Resource::Insight(InsightValue {
                    group_by: "AwsAccountId".into(),
                    filters: json!({}),
                }),
            ),
        ]);
        let have = state(vec![
            (h.clone(), hub(false)),
            (std.clone(), Resource::Standard(Empty {})),
        ]);
        let changes = diff(
            &want,
            &BTreeMap::new(),
            &have,
            &reads(&[Kind::Hub, Kind::Standard, Kind::Insight]),
        );
        let summary: Vec<(String, Action, bool, bool)> = changes
            .iter()
            .map(|c| {
                (
                    c.address.local(),
                    c.action,
                    c.weakens_posture,
                    c.destructive,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("hub".into(), Action::Update, false, false),
                ("standard/cis/1.2.0".into(), Action::Delete, true, true),
                ("insight/x".into(), Action::Create, false, false),
            ]
        );
        assert_eq!(changes[0].changed_fields, vec!["auto_enable_controls"]);
        assert_eq!(
            changes[0].before.as_ref().unwrap()["auto_enable_controls"],
            false
        );
    }

    #[test]
    fn undeclared_kinds_are_not_touched() {
        let std = Address::keyed(&acct(), "us-east-1", Kind::Standard, "cis/1.2.0");
        let have = state(vec![(std, Resource::Standard(Empty {}))]);
        assert!(
            diff(
                &State::default(),
                &BTreeMap::new(),
                &have,
                &reads(&[Kind::Hub])
            )
            .is_empty()
        );
    }

    #[test]
    fn control_disabled_by_hand_is_re_enabled_and_says_why() {
        let c = Address::keyed(&acct(), "us-east-1", Kind::Control, "S3.1@fsbp/1.0.0");
        let want = state(vec![(
            c.clone(),
            Resource::Control(ControlValue::enabled()),
        )]);
        let have = state(vec![(
            c,
            Resource::Control(ControlValue::disabled("testing")),
        )]);
        let ch = diff(&want, &BTreeMap::new(), &have, &reads(&[Kind::Control]));
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].action, Action::Update);
        assert_eq!(ch[0].reason.code, ReasonCode::NoException);
        assert!(ch[0].reason.message.contains("\"testing\""));
        assert!(!ch[0].weakens_posture);
    }

    #[test]
    fn expired_exception_re_enables_loudly() {
        let c = Address::keyed(&acct(), "us-east-1", Kind::Control, "EC2.6@fsbp/1.0.0");
        let ex = ExceptionRef {
            at: "p.yaml:3:5".into(),
            reason: "r".into(),
            owner: Some("team@x".into()),
            ticket: Some("T-1".into()),
            expires: Some("2026-01-31".into()),
        };
        let notes = BTreeMap::from([(
            c.clone(),
            Note {
                exception: None,
                expired: Some(ex),
            },
        )]);
        let want = state(vec![(
            c.clone(),
            Resource::Control(ControlValue::enabled()),
        )]);
        let have = state(vec![(c, Resource::Control(ControlValue::disabled("r")))]);
        let ch = diff(&want, &notes, &have, &reads(&[Kind::Control]));
        assert_eq!(ch[0].reason.code, ReasonCode::ExceptionExpired);
        assert!(
            ch[0]
                .reason
                .message
                .starts_with("EXCEPTION EXPIRED on 2026-01-31 (owner team@x, ticket T-1)"),
            "{}",
            ch[0].reason.message
        );
    }

    #[test]
    fn controls_of_a_new_standard_only_change_when_disabled() {
        let on = Address::keyed(&acct(), "us-east-1", Kind::Control, "S3.1@fsbp/1.0.0");
        let off = Address::keyed(&acct(), "us-east-1", Kind::Control, "IAM.6@fsbp/1.0.0");
        let want = state(vec![
            (on, Resource::Control(ControlValue::enabled())),
            (
                off.clone(),
                Resource::Control(ControlValue::disabled("sso")),
            ),
        ]);
        let ch = diff(
            &want,
            &BTreeMap::new(),
            &State::default(),
            &reads(&[Kind::Control]),
        );
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].address, off);
        assert_eq!(ch[0].changed_fields, vec!["reason", "status"]);
        assert!(
            !ch[0].weakens_posture,
            "the control is not checked yet, so nothing is lost"
        );
    }

    #[test]
    fn only_declared_guardduty_features_are_compared() {
        let g = Address::singleton(&acct(), "us-east-1", Kind::GuardDuty);
        let gd = |f: &[(&str, &str)]| {
            Resource::GuardDuty(GuardDutyValue {
                status: "ENABLED".into(),
                finding_publishing_frequency: "ONE_HOUR".into(),
                features: f
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            })
        };
        let want = state(vec![(g.clone(), gd(&[("S3_DATA_EVENTS", "ENABLED")]))]);
        let have = state(vec![(
            g.clone(),
            gd(&[
                ("S3_DATA_EVENTS", "ENABLED"),
                ("RDS_LOGIN_EVENTS", "DISABLED"),
            ]),
        )]);
        assert!(diff(&want, &BTreeMap::new(), &have, &reads(&[Kind::GuardDuty])).is_empty());
        let have = state(vec![(g, gd(&[("S3_DATA_EVENTS", "DISABLED")]))]);
        let ch = diff(&want, &BTreeMap::new(), &have, &reads(&[Kind::GuardDuty]));
        assert_eq!(ch[0].changed_fields, vec!["features.S3_DATA_EVENTS"]);
        assert_eq!(
            field_value(ch[0].before.as_ref(), "features.S3_DATA_EVENTS"),
            Some(&json!("DISABLED"))
        );
    }
}
