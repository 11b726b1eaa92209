//! What the policy wants in one account × region: the kinds to read there, the resources wanted
//! (in the same compact shape as current state), and why each control is what it is.

use std::collections::{BTreeMap, BTreeSet};

use super::kind::{Kind, KindSet};
use super::note::Note;
use super::resource::{ControlValue, Resource};
use super::state::ScopeState;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DesiredScope {
    /// The kinds the policy declares here: read, and compared, for these only.
    pub kinds: KindSet,
    pub state: ScopeState,
    /// Control address id (`IAM.6@fsbp/1.0.0`) → the exception behind its desired status.
    pub notes: BTreeMap<String, Note>,
    /// For kinds whose resources have a type (analyzers): the types the policy manages here.
    /// A resource of another type is not the policy's: it is left alone, never deleted.
    pub managed_types: BTreeMap<Kind, BTreeSet<String>>,
}

impl DesiredScope {
    /// The policy declares `kind` here, whether or not it wants any.
    pub fn read(&mut self, kind: Kind) {
        self.kinds.insert(kind);
    }

    /// The policy wants this resource.
    pub fn want(&mut self, kind: Kind, id: Option<String>, value: Resource) {
        self.state.insert(kind, id, value);
    }

    /// The policy manages resources of `kind` with this type here (see `managed_types`).
    pub fn manage_type(&mut self, kind: Kind, ty: &str) {
        self.managed_types
            .entry(kind)
            .or_default()
            .insert(ty.to_string());
    }

    /// Whether `have`, a current resource of `kind`, is of a type the policy does not manage
    /// here (so it is left alone).
    pub fn leaves_alone(&self, kind: Kind, have: &Resource) -> bool {
        match (self.managed_types.get(&kind), have.managed_type()) {
            (Some(types), Some(t)) => !types.contains(t),
            // A kind without types, or a policy naming no type of it: all of it is managed.
            _ => false,
        }
    }

    /// A control of an enabled standard disabled, with the exception that says so.
    pub fn disable_control(&mut self, std: &str, control: &str, reason: &str, note: Note) {
        let id = format!("{control}@{std}");
        self.state.insert(
            Kind::Control,
            Some(id.clone()),
            Resource::Control(ControlValue::disabled(reason)),
        );
        self.notes.insert(id, note);
    }

    /// A control kept enabled although an exception would disable it, had it not expired.
    pub fn note_expired(&mut self, std: &str, control: &str, note: Note) {
        self.notes.insert(format!("{control}@{std}"), note);
    }

    /// Adds what another expansion wants in the same scope.
    pub fn merge(&mut self, other: DesiredScope) {
        self.kinds.extend(other.kinds);
        for (l, v) in other.state.resources {
            self.state.insert(l.kind, l.id, v);
        }
        for (std, c) in other.state.controls {
            let mine = self.state.controls.entry(std).or_default();
            mine.disabled.extend(c.disabled);
        }
        self.notes.extend(other.notes);
        for (k, t) in other.managed_types {
            self.managed_types.entry(k).or_default().extend(t);
        }
    }
}
