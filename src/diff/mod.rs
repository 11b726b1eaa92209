//! The diff: a pure function from desired and current state to a list of changes.

mod posture;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::model::catalog::catalog;
pub use crate::model::change::{Action, Change, Reason, ReasonCode};
use crate::model::resource::ControlValue;
use crate::model::state::ScopeState;
use crate::model::{Address, DesiredScope, ExceptionRef, Kind, Note, Resource, Scope};

pub use posture::{update_is_destructive, weakens_posture};

/// Compares what the policy wants in one scope with what is there, for the kinds it declares
/// (`desired.kinds`; `current` holds only those). Changes come in address order.
pub fn diff_scope(scope: &Scope, desired: &DesiredScope, current: &ScopeState) -> Vec<Change> {
    let mut out = Vec::new();
    let addr = |kind: Kind, id: Option<String>| Address::in_scope(scope, kind, id);
    // Both maps are sorted: walk them side by side.
    let mut want = desired.state.resources.iter().peekable();
    let mut have = current.resources.iter().peekable();
    loop {
        let (local, w, h) = match (want.peek(), have.peek()) {
            (None, None) => break,
            (Some((wl, _)), Some((hl, _))) if wl == hl => {
                let (l, w) = want.next().expect("peeked");
                let (_, h) = have.next().expect("peeked");
                (l, Some(w), Some(h))
            }
            (Some((wl, _)), Some((hl, _))) if wl < hl => {
                let (l, w) = want.next().expect("peeked");
                (l, Some(w), None)
            }
            (Some(_), None) => {
                let (l, w) = want.next().expect("peeked");
                (l, Some(w), None)
            }
            _ => {
                let (l, h) = have.next().expect("peeked");
                (l, None, Some(h))
            }
        };
        if !desired.kinds.contains(&local.kind) {
            continue;
        }
        if let (None, Some(h)) = (w, h)
            && (desired.leaves_alone(local.kind, h) || local.kind.adds_only())
        {
            continue;
        }
        // AWS does not offer the control here: there are no parameters to set.
        if local.kind == Kind::ControlParameters
            && h.is_none()
            && local
                .id
                .as_deref()
                .is_some_and(|id| current.control_unavailable(id))
        {
            continue;
        }
        if let Some(c) = diff_one(&addr(local.kind, local.id.clone()), w, h, None) {
            out.push(c);
        }
    }
    if desired.kinds.contains(&Kind::Control) {
        out.extend(diff_controls(scope, desired, current));
    }
    mark_association_moves(&mut out, desired, current);
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}

/// A target moved from one configuration policy to another gets what the new one holds: when
/// it drops a standard the old one had, or turns Security Hub off, that is as destructive as
/// the same edit of the policy itself (`update_is_destructive`). The old policy is read from
/// what AWS holds, the new one from what the policy wants (both in the administrator's home
/// region, this scope). Self-management keeps an account's settings: never destructive.
fn mark_association_moves(changes: &mut [Change], desired: &DesiredScope, current: &ScopeState) {
    mark_moves(changes, &desired.state, current);
}

/// [`mark_association_moves`] with the configuration policies wanted given as a state (for a
/// saved plan: what is read now with the plan's changes made).
pub fn mark_moves(changes: &mut [Change], wanted: &ScopeState, current: &ScopeState) {
    for c in changes.iter_mut() {
        if c.action != Action::Update {
            continue;
        }
        let policy_of = |v| match c.typed(v) {
            Some(Resource::PolicyAssociation(p)) => Some(p.policy),
            _ => None,
        };
        let (Some(old), Some(new)) = (policy_of(c.before.as_ref()), policy_of(c.after.as_ref()))
        else {
            continue;
        };
        if old == new {
            continue;
        }
        let old = current.get(Kind::ConfigPolicy, Some(&old));
        let new = wanted.get(Kind::ConfigPolicy, Some(&new));
        if let (Some(old), Some(new)) = (old, new)
            && update_is_destructive(&old, &new)
        {
            c.destructive = true;
        }
    }
}

/// The change `diff_scope` makes at `address` when the policy wants `want` (None: nothing)
/// and `have` is there, with its flags; None when nothing differs. A saved plan's changes are
/// recomputed with it, so their flags never come from the file.
pub fn change_at(
    address: &Address,
    want: Option<&Resource>,
    have: Option<&Resource>,
) -> Option<Change> {
    diff_one(address, want, have, None)
}

/// What `diff_scope` leaves alone in this scope although the policy declares its kind: current
/// resources of a type the policy does not manage (`DesiredScope::managed_types`), one line each
/// for the plan's warnings.
pub fn left_alone(scope: &Scope, desired: &DesiredScope, current: &ScopeState) -> Vec<String> {
    let mut out: Vec<String> = current
        .resources
        .iter()
        .filter(|(l, h)| {
            desired.kinds.contains(&l.kind)
                && !desired.state.resources.contains_key(l)
                && desired.leaves_alone(l.kind, h)
        })
        .map(|(l, h)| {
            let t = h.managed_type().unwrap_or_default();
            format!(
                "{} left alone: the policy manages no {} of type {t} there",
                Address::in_scope(scope, l.kind, l.id.clone()),
                l.kind
            )
        })
        .collect();
    // What the policy says of a control AWS does not offer in this region: nothing to change.
    let unavailable = |kind: Kind, id: String| {
        format!(
            "{} not planned: AWS does not offer the control in {}",
            Address::in_scope(scope, kind, Some(id)),
            scope.region
        )
    };
    if desired.kinds.contains(&Kind::Control) {
        for (std, want) in &desired.state.controls {
            let Some(have) = current.controls.get(std).filter(|h| h.readable) else {
                continue;
            };
            for ctl in want
                .disabled
                .keys()
                .filter(|c| have.unavailable.contains(*c))
            {
                out.push(unavailable(Kind::Control, format!("{ctl}@{std}")));
            }
        }
    }
    if desired.kinds.contains(&Kind::ControlParameters) {
        for l in desired.state.resources.keys() {
            if let (Kind::ControlParameters, Some(id)) = (l.kind, &l.id)
                && !current.resources.contains_key(l)
                && current.control_unavailable(id)
            {
                out.push(unavailable(Kind::ControlParameters, id.clone()));
            }
        }
    }
    out
}

/// Controls of the standards the policy enables: only those disabled on either side can differ
/// (every other control of a standard is enabled on both).
fn diff_controls(scope: &Scope, desired: &DesiredScope, current: &ScopeState) -> Vec<Change> {
    let mut out = Vec::new();
    for (std, want) in &desired.state.controls {
        let have = current.controls.get(std);
        let mut ids: BTreeSet<&str> = want.disabled.keys().map(String::as_str).collect();
        if let Some(h) = have.filter(|h| h.readable) {
            // A control the catalog does not place in this standard is not the policy's to judge.
            ids.extend(h.disabled.keys().map(String::as_str).filter(|c| {
                catalog()
                    .control(c)
                    .is_some_and(|d| d.standards.iter().any(|s| s == std))
            }));
        }
        for ctl in ids {
            // AWS does not offer it here: nothing to associate (`left_alone` says so).
            if have.is_some_and(|h| h.readable && h.unavailable.contains(ctl)) {
                continue;
            }
            let w = Resource::Control(match want.disabled.get(ctl) {
                Some(reason) => ControlValue::disabled(reason.clone()),
                None => ControlValue::enabled(),
            });
            let h = have.and_then(|h| h.get(ctl)).map(Resource::Control);
            let id = format!("{ctl}@{std}");
            let note = desired.notes.get(&id);
            if let Some(c) = diff_one(
                &Address::in_scope(scope, Kind::Control, Some(id)),
                Some(&w),
                h.as_ref(),
                note,
            ) {
                out.push(c);
            }
        }
    }
    out
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
                    let fields = changed_fields(a.kind, &before, &w.to_json());
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
                        message: match a.kind.info().creates {
                            "" => "missing: declared by the policy".into(),
                            why => why.into(),
                        },
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
            let fields = changed_fields(a.kind, &before, &after);
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
    let weakens =
        weakens_posture(a.kind, action, have, want) && !(a.kind == Kind::Control && have.is_none());
    let mut c = Change {
        address: a.clone(),
        action,
        destructive: match action {
            Action::Delete => a.kind.delete_is_destructive(),
            Action::Update => have
                .zip(want)
                .is_some_and(|(h, w)| update_is_destructive(h, w)),
            Action::Create => false,
        },
        before,
        after,
        changed_fields: fields,
        reason,
        weakens_posture: weakens,
    };
    if c.leaves_central() {
        c.destructive = true;
        c.reason.message = format!(
            "back to local configuration ({}): after the configuration policies and associations are deleted",
            c.changed_fields.join(", ")
        );
    }
    Some(c)
}

/// Fields that differ; inside a mapping-valued field, the entries that differ, as
/// `field.entry` (so a GuardDuty feature change names the feature). A document field (an SCP,
/// an event pattern) is named whole: it is shown as a diff of the document.
fn changed_fields(kind: Kind, before: &Value, after: &Value) -> Vec<String> {
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
            (Some(Value::Object(x)), Some(Value::Object(y))) if !kind.is_document(k) => {
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

    fn scope() -> Scope {
        Scope::new(&AccountId::parse("111111111111").unwrap(), "us-east-1")
    }

    fn desired(kinds: &[Kind], items: Vec<(Kind, Option<&str>, Resource)>) -> DesiredScope {
        let mut d = DesiredScope::default();
        for k in kinds {
            d.read(*k);
        }
        for (k, id, v) in items {
            d.want(k, id.map(str::to_string), v);
        }
        d
    }

    fn state(items: Vec<(Kind, Option<&str>, Resource)>) -> ScopeState {
        let mut s = ScopeState::default();
        for (k, id, v) in items {
            s.insert(k, id.map(str::to_string), v);
        }
        s
    }

    fn analyzer(t: &str) -> Resource {
        Resource::Analyzer(AnalyzerValue {
            analyzer_type: t.into(),
            unused_access_age: None,
            archive_rules: Default::default(),
        })
    }

    /// An OU moved from the policy with CIS to one without loses CIS in every account: as
    /// destructive as dropping CIS from the policy; moved the other way, or to
    /// self-management, it is not.
    #[test]
    fn an_association_moved_to_a_policy_with_fewer_standards_is_destructive() {
        let cp = |stds: &[&str]| {
            Resource::ConfigPolicy(ConfigPolicyValue {
                description: String::new(),
                service_enabled: true,
                standards: stds.iter().map(|s| s.to_string()).collect(),
                disabled_controls: vec![],
                parameters: Default::default(),
            })
        };
        let assoc = |policy: &str| {
            Resource::PolicyAssociation(PolicyAssociationValue {
                policy: policy.into(),
                status: "SUCCESS".parse().unwrap(),
                reason: None,
            })
        };
        let policies = || {
            vec![
                (
                    Kind::ConfigPolicy,
                    Some("shubctl-root"),
                    cp(&["fsbp/1.0.0"]),
                ),
                (
                    Kind::ConfigPolicy,
                    Some("shubctl-ou-a"),
                    cp(&["cis/1.2.0", "fsbp/1.0.0"]),
                ),
            ]
        };
        let kinds = [Kind::ConfigPolicy, Kind::PolicyAssociation];
        let moved = |from: &str, to: &str| {
            let mut want = policies();
            want.push((Kind::PolicyAssociation, Some("ou-a"), assoc(to)));
            let mut have = policies();
            have.push((Kind::PolicyAssociation, Some("ou-a"), assoc(from)));
            let changes = diff_scope(&scope(), &desired(&kinds, want), &state(have));
            assert_eq!(changes.len(), 1, "{changes:#?}");
            assert_eq!(changes[0].action, Action::Update);
            changes[0].destructive
        };
        assert!(moved("shubctl-ou-a", "shubctl-root"));
        assert!(!moved("shubctl-root", "shubctl-ou-a"));
        assert!(!moved("shubctl-ou-a", "SELF_MANAGED_SECURITY_HUB"));
    }

    #[test]
    fn analyzers_of_unmanaged_types_are_left_alone_and_named() {
        let mut want = desired(&[Kind::Analyzer], vec![]);
        want.manage_type(Kind::Analyzer, "ACCOUNT");
        let have = state(vec![
            (Kind::Analyzer, Some("mine"), analyzer("ACCOUNT")),
            (
                Kind::Analyzer,
                Some("theirs"),
                analyzer("ACCOUNT_UNUSED_ACCESS"),
            ),
        ]);
        let changes = diff_scope(&scope(), &want, &have);
        let addrs: Vec<String> = changes.iter().map(|c| c.address.to_string()).collect();
        assert_eq!(addrs, ["111111111111/us-east-1/analyzer/mine"]);
        assert_eq!(changes[0].action, Action::Delete);
        assert_eq!(
            left_alone(&scope(), &want, &have),
            [
                "111111111111/us-east-1/analyzer/theirs left alone: the policy manages no analyzer of type ACCOUNT_UNUSED_ACCESS there"
            ]
        );
        // A policy naming no type of the kind manages all of it.
        let all = desired(&[Kind::Analyzer], vec![]);
        assert_eq!(diff_scope(&scope(), &all, &have).len(), 2);
        assert!(left_alone(&scope(), &all, &have).is_empty());
    }

    #[test]
    fn inspector_members_are_only_added_and_say_what_adding_means() {
        let member = || Resource::InspectorMember(Empty {});
        let want = desired(
            &[Kind::InspectorMember],
            vec![(Kind::InspectorMember, Some("333333333333"), member())],
        );
        let have = state(vec![(
            Kind::InspectorMember,
            Some("999999999999"),
            member(),
        )]);
        let changes = diff_scope(&scope(), &want, &have);
        let addrs: Vec<String> = changes.iter().map(|c| c.address.to_string()).collect();
        // The associated account out of scope is not disassociated.
        assert_eq!(
            addrs,
            ["111111111111/us-east-1/inspector-member/333333333333"]
        );
        assert_eq!(changes[0].action, Action::Create);
        assert_eq!(
            changes[0].reason.message,
            Kind::InspectorMember.info().creates
        );
        // Other kinds keep the generic reason and are deleted when the policy does not want them.
        let want = desired(&[Kind::Member], vec![]);
        let have = state(vec![(
            Kind::Member,
            Some("999999999999"),
            Resource::Member(Empty {}),
        )]);
        assert_eq!(diff_scope(&scope(), &want, &have)[0].action, Action::Delete);
    }

    #[test]
    fn an_unavailable_control_is_not_planned_and_named() {
        let mut want = desired(&[Kind::Control], vec![]);
        want.disable_control("fsbp/1.0.0", "IAM.6", "root locked", Note::default());
        let mut have = state(vec![(
            Kind::Standard,
            Some("fsbp/1.0.0"),
            Resource::Standard(Empty {}),
        )]);
        assert_eq!(diff_scope(&scope(), &want, &have).len(), 1);
        have.controls
            .get_mut("fsbp/1.0.0")
            .unwrap()
            .unavailable
            .insert("IAM.6".into());
        assert!(diff_scope(&scope(), &want, &have).is_empty());
        assert_eq!(
            left_alone(&scope(), &want, &have),
            [
                "111111111111/us-east-1/control/IAM.6@fsbp/1.0.0 not planned: AWS does not offer the control in us-east-1"
            ]
        );
    }

    fn hub(auto: bool) -> Resource {
        Resource::Hub(HubValue {
            control_finding_generator: "SECURITY_CONTROL".parse().unwrap(),
            auto_enable_controls: auto,
        })
    }

    fn std() -> Resource {
        Resource::Standard(Empty {})
    }

    #[test]
    fn equal_states_have_no_changes() {
        let d = desired(&[Kind::Hub], vec![(Kind::Hub, None, hub(true))]);
        assert!(diff_scope(&scope(), &d, &d.state).is_empty());
    }

    #[test]
    fn create_update_delete() {
        let want = desired(
            &[Kind::Hub, Kind::Standard, Kind::Insight],
            vec![
                (Kind::Hub, None, hub(true)),
                (
                    Kind::Insight,
                    Some("x"),
                    Resource::Insight(InsightValue {
                        group_by: "AwsAccountId".into(),
                        filters: json!({}),
                    }),
                ),
            ],
        );
        let have = state(vec![
            (Kind::Hub, None, hub(false)),
            (Kind::Standard, Some("cis/1.2.0"), std()),
        ]);
        let changes = diff_scope(&scope(), &want, &have);
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
        let have = state(vec![(Kind::Standard, Some("cis/1.2.0"), std())]);
        assert!(diff_scope(&scope(), &desired(&[Kind::Hub], vec![]), &have).is_empty());
    }

    #[test]
    fn control_disabled_by_hand_is_re_enabled_and_says_why() {
        let want = desired(
            &[Kind::Standard, Kind::Control],
            vec![(Kind::Standard, Some("fsbp/1.0.0"), std())],
        );
        let have = state(vec![
            (Kind::Standard, Some("fsbp/1.0.0"), std()),
            (
                Kind::Control,
                Some("S3.1@fsbp/1.0.0"),
                Resource::Control(ControlValue::disabled("testing")),
            ),
        ]);
        let ch = diff_scope(&scope(), &want, &have);
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].action, Action::Update);
        assert_eq!(ch[0].reason.code, ReasonCode::NoException);
        assert!(ch[0].reason.message.contains("\"testing\""));
        assert!(!ch[0].weakens_posture);
    }

    #[test]
    fn expired_exception_re_enables_loudly() {
        let ex = ExceptionRef {
            at: "p.yaml:3:5".into(),
            reason: "r".into(),
            owner: Some("team@x".into()),
            ticket: Some("T-1".into()),
            expires: Some("2026-01-31".into()),
        };
        let mut want = desired(
            &[Kind::Standard, Kind::Control],
            vec![(Kind::Standard, Some("fsbp/1.0.0"), std())],
        );
        want.note_expired(
            "fsbp/1.0.0",
            "EC2.6",
            Note {
                exception: None,
                expired: Some(ex),
            },
        );
        let have = state(vec![
            (Kind::Standard, Some("fsbp/1.0.0"), std()),
            (
                Kind::Control,
                Some("EC2.6@fsbp/1.0.0"),
                Resource::Control(ControlValue::disabled("r")),
            ),
        ]);
        let ch = diff_scope(&scope(), &want, &have);
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
        let mut want = desired(
            &[Kind::Standard, Kind::Control],
            vec![(Kind::Standard, Some("fsbp/1.0.0"), std())],
        );
        want.disable_control("fsbp/1.0.0", "IAM.6", "sso", Note::default());
        let ch = diff_scope(&scope(), &want, &ScopeState::default());
        let controls: Vec<&Change> = ch
            .iter()
            .filter(|c| c.address.kind == Kind::Control)
            .collect();
        assert_eq!(controls.len(), 1);
        assert_eq!(controls[0].address.local(), "control/IAM.6@fsbp/1.0.0");
        assert_eq!(controls[0].changed_fields, vec!["reason", "status"]);
        assert!(
            !controls[0].weakens_posture,
            "the control is not checked yet, so nothing is lost"
        );
    }

    #[test]
    fn unreadable_controls_are_not_taken_for_enabled() {
        let mut want = desired(
            &[Kind::Standard, Kind::Control],
            vec![(Kind::Standard, Some("fsbp/1.0.0"), std())],
        );
        want.disable_control("fsbp/1.0.0", "IAM.6", "sso", Note::default());
        let mut have = state(vec![(Kind::Standard, Some("fsbp/1.0.0"), std())]);
        have.controls.get_mut("fsbp/1.0.0").unwrap().readable = false;
        let ch = diff_scope(&scope(), &want, &have);
        // Planned, but not as weakening an enabled control: its state is not known.
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].before, Some(json!({"status": "ENABLED"})));
    }

    #[test]
    fn only_declared_guardduty_features_are_compared() {
        let gd = |f: &[(&str, &str)]| {
            Resource::GuardDuty(GuardDutyValue {
                status: "ENABLED".parse().unwrap(),
                finding_publishing_frequency: "ONE_HOUR".parse().unwrap(),
                features: f
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.parse().unwrap()))
                    .collect(),
            })
        };
        let want = desired(
            &[Kind::GuardDuty],
            vec![(Kind::GuardDuty, None, gd(&[("S3_DATA_EVENTS", "ENABLED")]))],
        );
        let have = state(vec![(
            Kind::GuardDuty,
            None,
            gd(&[
                ("S3_DATA_EVENTS", "ENABLED"),
                ("RDS_LOGIN_EVENTS", "DISABLED"),
            ]),
        )]);
        assert!(diff_scope(&scope(), &want, &have).is_empty());
        let have = state(vec![(
            Kind::GuardDuty,
            None,
            gd(&[("S3_DATA_EVENTS", "DISABLED")]),
        )]);
        let ch = diff_scope(&scope(), &want, &have);
        assert_eq!(ch[0].changed_fields, vec!["features.S3_DATA_EVENTS"]);
        assert_eq!(
            field_value(ch[0].before.as_ref(), "features.S3_DATA_EVENTS"),
            Some(&json!("DISABLED"))
        );
    }
}
