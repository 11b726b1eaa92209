//! A saved plan is a contract: what the reviewer read is exactly what apply does. Nothing in
//! the file is trusted that can be computed: each change is decoded as a typed value of its
//! kind, recomputed by the diff from what is read now (so `before` must be what is there, and
//! the destructive and weakening flags are the diff's, never the file's), kept inside the
//! scopes and kinds the plan read, and the summary is counted again. Pure: the engine reads the
//! state, this judges it, all before the first write.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::diff::{self, Action, Change};
use crate::model::{Address, Resource, Scope, ScopeState};

use super::{Plan, Summary};

/// One thing wrong with a saved plan: which change, which field, what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The change's position in the file's `changes` (from 0), when it is about a change.
    pub index: Option<usize>,
    pub address: Option<String>,
    /// The field at fault (`after`, `before`, `action`, `address`, …).
    pub field: &'static str,
    pub problem: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.index, &self.address) {
            (Some(i), Some(a)) => write!(f, "changes[{i}] ({a}): {}: {}", self.field, self.problem),
            (Some(i), None) => write!(f, "changes[{i}]: {}: {}", self.field, self.problem),
            _ => write!(f, "{}: {}", self.field, self.problem),
        }
    }
}

/// Checks every change of `plan` against the state read now (`now`: each read scope's state;
/// a scope missing from it was not read) and returns the plan apply may carry out: its changes
/// as the diff computes them, its summary counted from them. Any refusal refuses the whole plan.
pub fn check(plan: &Plan, now: &BTreeMap<Scope, ScopeState>) -> Result<Plan, Vec<Refusal>> {
    let mut refusals = Vec::new();
    let unread = Unread::of(plan);
    let mut seen = BTreeSet::new();
    let mut checked: Vec<Change> = Vec::with_capacity(plan.changes.len());
    for (i, c) in plan.changes.iter().enumerate() {
        let refuse = |field: &'static str, problem: String| Refusal {
            index: Some(i),
            address: Some(c.address.to_string()),
            field,
            problem,
        };
        match check_one(plan, now, &unread, c) {
            Ok(change) => {
                if !seen.insert(change.address.clone()) {
                    refusals.push(refuse("address", "appears more than once".into()));
                    continue;
                }
                checked.push(change);
            }
            Err((field, problem)) => refusals.push(refuse(field, problem)),
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    checked.sort_by(|a, b| a.address.cmp(&b.address));
    mark_moves(&mut checked, now);
    let mut out = plan.clone();
    out.summary = Summary {
        scopes_unread: plan.read_failures.len(),
        scopes_read: plan
            .reads
            .scopes
            .len()
            .saturating_sub(plan.read_failures.len()),
        ..Summary::of(&checked)
    };
    out.changes = checked;
    Ok(out)
}

/// Where the plan says it could not read: scopes, or whole accounts (the role could not be
/// assumed) or everything (AWS could not be reached).
struct Unread {
    scopes: BTreeSet<Scope>,
    accounts: BTreeSet<crate::model::AccountId>,
    everything: bool,
}

impl Unread {
    fn of(plan: &Plan) -> Self {
        use crate::model::Target;
        let mut u = Unread {
            scopes: BTreeSet::new(),
            accounts: BTreeSet::new(),
            everything: false,
        };
        for f in &plan.read_failures {
            match &f.target {
                Target::Scope(s) => {
                    u.scopes.insert(s.clone());
                }
                Target::Address(a) => {
                    u.scopes.insert(a.scope());
                }
                Target::Account(a) => {
                    u.accounts.insert(a.clone());
                }
                _ => u.everything = true,
            }
        }
        u
    }

    fn covers(&self, s: &Scope) -> bool {
        self.everything || self.scopes.contains(s) || self.accounts.contains(&s.account)
    }
}

/// One change, recomputed; or the field at fault and why.
fn check_one(
    plan: &Plan,
    now: &BTreeMap<Scope, ScopeState>,
    unread: &Unread,
    c: &Change,
) -> Result<Change, (&'static str, String)> {
    let a = &c.address;
    let scope = a.scope();
    if !plan.reads.covers(a) {
        return Err((
            "address",
            "outside the scopes and kinds the plan read: a plan may change only what it read"
                .into(),
        ));
    }
    if unread.covers(&scope) {
        return Err((
            "address",
            "in a scope the plan could not read: nothing can be planned there".into(),
        ));
    }
    let Some(have_scope) = now.get(&scope) else {
        return Err(("address", "its scope was not read again".into()));
    };
    let typed = |field: &'static str,
                 v: &Option<serde_json::Value>|
     -> Result<Option<Resource>, (&'static str, String)> {
        v.as_ref()
            .map(|v| {
                Resource::from_json(a.kind, v.clone())
                    .map_err(|e| (field, format!("not a valid {} value: {e}", a.kind)))
            })
            .transpose()
    };
    let before = typed("before", &c.before)?;
    let after = typed("after", &c.after)?;
    match (c.action, &after) {
        (Action::Delete, Some(_)) => return Err(("after", "a delete has no `after`".into())),
        (Action::Create | Action::Update, None) => {
            return Err((
                "after",
                format!("a {} needs an `after` value", c.action.as_str()),
            ));
        }
        _ => {}
    }
    let have = have_scope.get(a.kind, a.id.as_deref());
    let Some(mut now) = diff::change_at(a, after.as_ref(), have.as_ref()) else {
        return Err(match c.action {
            Action::Delete => ("before", "not there to delete".into()),
            _ => (
                "after",
                "what is read now already is this: nothing to do".into(),
            ),
        });
    };
    if now.action != c.action {
        return Err((
            "action",
            format!(
                "is `{}`, but what is read now makes it `{}`",
                c.action.as_str(),
                now.action.as_str()
            ),
        ));
    }
    let before_now =
        typed("before", &now.before).map_err(|(f, e)| (f, format!("as read now, {e}")))?;
    if before_now != before {
        return Err((
            "before",
            format!(
                "is not what is read now ({})",
                now.before
                    .as_ref()
                    .map_or_else(|| "nothing".to_string(), |v| v.to_string())
            ),
        ));
    }
    // Why it is planned is the reviewer's explanation (an exception, its owner and ticket):
    // apply never branches on it, and the diff cannot say it without the policy.
    now.reason = c.reason.clone();
    Ok(now)
}

/// Association moves are destructive by the configuration policies they leave and join: the
/// policies wanted are those read now with the plan's own changes made.
fn mark_moves(changes: &mut [Change], now: &BTreeMap<Scope, ScopeState>) {
    let scopes: BTreeSet<Scope> = changes.iter().map(|c| c.address.scope()).collect();
    for scope in scopes {
        let Some(current) = now.get(&scope) else {
            continue;
        };
        let mut wanted = current.clone();
        for c in changes.iter().filter(|c| c.address.scope() == scope) {
            let Address { kind, id, .. } = &c.address;
            match c
                .after
                .clone()
                .and_then(|v| Resource::from_json(*kind, v).ok())
            {
                Some(v) => wanted.insert(*kind, id.clone(), v),
                None => {
                    wanted.remove(*kind, id.as_deref());
                }
            }
        }
        let (start, end) = (
            changes.partition_point(|c| c.address.scope() < scope),
            changes.partition_point(|c| c.address.scope() <= scope),
        );
        diff::mark_moves(&mut changes[start..end], &wanted, current);
    }
}
