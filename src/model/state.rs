//! State: what exists in each account × region, the same shape for desired and current state.
//!
//! A scope holds its resources by kind and id, except control associations: those are kept per
//! standard as the few that are not plainly enabled (disabled with their reason, or not offered
//! in the region). Every control of an enabled standard is enabled unless listed, so a scope
//! costs what its exceptions cost, not what its ~400 controls would.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::address::{Address, natural_cmp};
use super::kind::{Kind, KindSet};
use super::resource::{ControlValue, Resource};
use super::scope::Scope;

/// A resource's place within its scope: kind and id, ordered as addresses are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Local {
    pub kind: Kind,
    pub id: Option<String>,
}

impl Ord for Local {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| match (&self.id, &other.id) {
                (Some(a), Some(b)) => natural_cmp(a, b),
                (a, b) => a.cmp(b),
            })
    }
}

impl PartialOrd for Local {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The control associations of one enabled standard that are not plainly enabled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Controls {
    /// Control ID → the reason it was disabled with.
    pub disabled: BTreeMap<String, String>,
    /// Controls AWS does not offer in this region.
    pub unavailable: BTreeSet<String>,
    /// False while the standard's controls cannot be read (not yet ready for updates): nothing
    /// is known of them.
    pub readable: bool,
}

impl Default for Controls {
    fn default() -> Self {
        Controls {
            disabled: BTreeMap::new(),
            unavailable: BTreeSet::new(),
            readable: true,
        }
    }
}

impl Controls {
    /// The association of `control`, or None when it is not known or not offered here.
    pub fn get(&self, control: &str) -> Option<ControlValue> {
        if !self.readable || self.unavailable.contains(control) {
            return None;
        }
        Some(match self.disabled.get(control) {
            Some(r) => ControlValue::disabled(r.clone()),
            None => ControlValue::enabled(),
        })
    }
}

/// Everything in one account × region.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScopeState {
    /// Every resource but control associations.
    pub resources: BTreeMap<Local, Resource>,
    /// Standard short name → its controls that are not plainly enabled.
    pub controls: BTreeMap<String, Controls>,
}

/// `IAM.6@fsbp/1.0.0` → (`IAM.6`, `fsbp/1.0.0`).
pub fn split_control_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('@')
}

impl ScopeState {
    /// Adds a resource. A standard comes with its (readable, all enabled) controls; a control
    /// association is recorded on its standard's controls.
    pub fn insert(&mut self, kind: Kind, id: Option<String>, value: Resource) {
        debug_assert_eq!(kind, value.kind());
        if let (Kind::Control, Resource::Control(c)) = (kind, &value) {
            let Some((ctl, std)) = id.as_deref().and_then(split_control_id) else {
                return;
            };
            let controls = self.controls.entry(std.to_string()).or_default();
            // Setting an association says it exists.
            controls.unavailable.remove(ctl);
            if c.is_enabled() {
                controls.disabled.remove(ctl);
            } else {
                controls
                    .disabled
                    .insert(ctl.to_string(), c.reason.clone().unwrap_or_default());
            }
            return;
        }
        if kind == Kind::Standard
            && let Some(std) = &id
        {
            self.controls.entry(std.clone()).or_default();
        }
        self.resources.insert(Local { kind, id }, value);
    }

    /// Whether AWS answered, for any standard read here, that it does not offer `control` in
    /// this region.
    pub fn control_unavailable(&self, control: &str) -> bool {
        self.controls
            .values()
            .any(|c| c.unavailable.contains(control))
    }

    pub fn get(&self, kind: Kind, id: Option<&str>) -> Option<Resource> {
        if kind == Kind::Control {
            let (ctl, std) = id.and_then(split_control_id)?;
            return self.controls.get(std)?.get(ctl).map(Resource::Control);
        }
        self.resources
            .get(&Local {
                kind,
                id: id.map(str::to_string),
            })
            .cloned()
    }

    /// Removes a resource; a standard takes its controls with it. Whether it was there.
    pub fn remove(&mut self, kind: Kind, id: Option<&str>) -> bool {
        if kind == Kind::Control {
            return false;
        }
        if kind == Kind::Standard
            && let Some(std) = id
        {
            self.controls.remove(std);
        }
        self.resources
            .remove(&Local {
                kind,
                id: id.map(str::to_string),
            })
            .is_some()
    }

    /// Keeps only the given kinds (what a read of those kinds would return).
    pub fn retain_kinds(&mut self, kinds: &KindSet) {
        self.resources.retain(|l, _| kinds.contains(&l.kind));
        if !kinds.contains(&Kind::Control) {
            self.controls.clear();
        }
    }

    /// Drops everything that lives inside Security Hub (it was disabled here).
    pub fn without_hub_contents(&mut self) {
        self.resources.retain(|l, _| !l.kind.needs_hub());
        self.controls.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.controls.is_empty()
    }

    /// Every resource with its address, control associations only where they are not plainly
    /// enabled (as snapshots store them).
    pub fn entries<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> impl Iterator<Item = (Address, Resource)> + 'a {
        let plain = self
            .resources
            .iter()
            .map(|(l, v)| (Address::in_scope(scope, l.kind, l.id.clone()), v.clone()));
        let controls = self.controls.iter().flat_map(move |(std, c)| {
            c.disabled.iter().map(move |(ctl, reason)| {
                (
                    Address::in_scope(scope, Kind::Control, Some(format!("{ctl}@{std}"))),
                    Resource::Control(ControlValue::disabled(reason.clone())),
                )
            })
        });
        plain.chain(controls)
    }

    /// SHA-256 over a canonical form of the scope: what a saved plan's fingerprint is made of.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for (l, v) in &self.resources {
            h.update(l.kind.as_str().as_bytes());
            h.update([0u8]);
            h.update(l.id.as_deref().unwrap_or("").as_bytes());
            h.update([0u8]);
            h.update(serde_json::to_vec(v).expect("serialisable"));
            h.update([0u8]);
        }
        for (std, c) in &self.controls {
            h.update(b"controls\0");
            h.update(std.as_bytes());
            h.update([u8::from(c.readable)]);
            for (ctl, reason) in &c.disabled {
                h.update(ctl.as_bytes());
                h.update([1u8]);
                h.update(reason.as_bytes());
                h.update([0u8]);
            }
            for ctl in &c.unavailable {
                h.update(ctl.as_bytes());
                h.update([2u8]);
            }
        }
        h.finalize().into()
    }
}

/// The fingerprint of the scopes read, from their digests in scope order.
pub fn fingerprint<'a>(digests: impl IntoIterator<Item = (&'a Scope, &'a [u8; 32])>) -> String {
    let mut h = Sha256::new();
    for (scope, d) in digests {
        h.update(scope.to_string().as_bytes());
        h.update([0u8]);
        h.update(d);
    }
    format!("sha256:{:x}", h.finalize())
}

/// A whole state: every scope.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub scopes: BTreeMap<Scope, ScopeState>,
}

impl State {
    pub fn insert(&mut self, address: Address, value: Resource) {
        let scope = address.scope();
        self.scopes
            .entry(scope)
            .or_default()
            .insert(address.kind, address.id, value);
    }

    pub fn get(&self, address: &Address) -> Option<Resource> {
        self.scopes
            .get(&address.scope())?
            .get(address.kind, address.id.as_deref())
    }

    /// Every resource with its address, in address order within each scope.
    pub fn entries(&self) -> impl Iterator<Item = (Address, Resource)> + '_ {
        self.scopes.iter().flat_map(|(s, st)| st.entries(s))
    }

    /// Resources, counting each standard's controls that are not plainly enabled.
    pub fn len(&self) -> usize {
        self.scopes
            .values()
            .map(|s| {
                s.resources.len() + s.controls.values().map(|c| c.disabled.len()).sum::<usize>()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.values().all(ScopeState::is_empty)
    }

    /// The fingerprint of every scope held.
    pub fn fingerprint(&self) -> String {
        let digests: Vec<(&Scope, [u8; 32])> =
            self.scopes.iter().map(|(s, st)| (s, st.digest())).collect();
        fingerprint(digests.iter().map(|(s, d)| (*s, d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountId;
    use crate::model::resource::Empty;

    fn scope() -> Scope {
        Scope::new(&AccountId::parse("111111111111").unwrap(), "us-east-1")
    }

    #[test]
    fn controls_are_enabled_unless_listed() {
        let mut s = ScopeState::default();
        s.insert(
            Kind::Standard,
            Some("fsbp/1.0.0".into()),
            Resource::Standard(Empty {}),
        );
        s.insert(
            Kind::Control,
            Some("IAM.6@fsbp/1.0.0".into()),
            Resource::Control(ControlValue::disabled("sso")),
        );
        assert_eq!(
            s.get(Kind::Control, Some("IAM.6@fsbp/1.0.0")),
            Some(Resource::Control(ControlValue::disabled("sso")))
        );
        assert_eq!(
            s.get(Kind::Control, Some("S3.1@fsbp/1.0.0")),
            Some(Resource::Control(ControlValue::enabled()))
        );
        // No standard, no association.
        assert_eq!(s.get(Kind::Control, Some("S3.1@cis/1.4.0")), None);
        let entries: Vec<String> = s.entries(&scope()).map(|(a, _)| a.local()).collect();
        assert_eq!(entries, ["standard/fsbp/1.0.0", "control/IAM.6@fsbp/1.0.0"]);
        // Re-enabling removes the entry; removing the standard removes its controls.
        s.insert(
            Kind::Control,
            Some("IAM.6@fsbp/1.0.0".into()),
            Resource::Control(ControlValue::enabled()),
        );
        assert!(s.controls["fsbp/1.0.0"].disabled.is_empty());
        assert!(s.remove(Kind::Standard, Some("fsbp/1.0.0")));
        assert!(s.is_empty());
    }

    #[test]
    fn digests_see_every_difference() {
        let mut a = ScopeState::default();
        a.insert(
            Kind::Standard,
            Some("fsbp/1.0.0".into()),
            Resource::Standard(Empty {}),
        );
        let mut b = a.clone();
        assert_eq!(a.digest(), b.digest());
        b.insert(
            Kind::Control,
            Some("IAM.6@fsbp/1.0.0".into()),
            Resource::Control(ControlValue::disabled("x")),
        );
        assert_ne!(a.digest(), b.digest());
        let mut c = a.clone();
        c.controls.get_mut("fsbp/1.0.0").unwrap().readable = false;
        assert_ne!(a.digest(), c.digest());
        let mut d = a.clone();
        d.controls
            .get_mut("fsbp/1.0.0")
            .unwrap()
            .unavailable
            .insert("Macie.1".into());
        assert_ne!(a.digest(), d.digest());
    }
}
