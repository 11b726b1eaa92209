//! The offline state snapshot: a versioned JSON file of the live set-up of every account ×
//! region, including the organisation. It is both a state source and (for `apply --snapshot`)
//! an executor that writes the converged state back.
//!
//! Control associations are stored sparsely: for every enabled standard, each of its controls
//! (per the built-in catalog) is ENABLED unless the snapshot lists it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Executor, ProviderError, StateSource};
use crate::model::catalog::catalog;
use crate::model::resource::ControlValue;
use crate::model::{Action, Change};
use crate::model::{Address, Kind, KindSet, OrgInfo, Resource, Scope, State, Target};

pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotFile {
    pub format_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
    #[serde(default)]
    pub organization: OrgInfo,
    /// Address → value. Control associations appear only when disabled.
    #[serde(default)]
    pub resources: BTreeMap<Address, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("snapshot {path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error("cannot write snapshot {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// A snapshot loaded into memory, decoded and with control associations expanded.
#[derive(Debug)]
pub struct Snapshot {
    pub org: OrgInfo,
    pub taken_at: Option<String>,
    state: Mutex<State>,
}

impl Snapshot {
    pub fn load(path: &Path) -> Result<Self, SnapshotError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Io {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text).map_err(|message| SnapshotError::Invalid {
            path: shown,
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: SnapshotFile = serde_json::from_str(text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
        Self::from_file(file)
    }

    pub fn from_file(file: SnapshotFile) -> Result<Self, String> {
        if file.format_version != SNAPSHOT_FORMAT_VERSION {
            return Err(format!(
                "format_version {} is not supported (this shubctl reads {SNAPSHOT_FORMAT_VERSION})",
                file.format_version
            ));
        }
        let mut state = State::default();
        for (addr, value) in file.resources {
            let r = Resource::from_json(addr.kind, value).map_err(|e| format!("{addr}: {e}"))?;
            state.insert(addr, r);
        }
        Ok(Snapshot {
            org: file.organization,
            taken_at: file.taken_at,
            state: Mutex::new(expand_controls(state)),
        })
    }

    pub fn from_state(org: OrgInfo, state: State) -> Self {
        Snapshot {
            org,
            taken_at: None,
            state: Mutex::new(expand_controls(state)),
        }
    }

    /// The full current state (controls expanded).
    pub fn state(&self) -> State {
        self.state.lock().expect("not poisoned").clone()
    }

    pub fn to_file(&self) -> SnapshotFile {
        let state = self.state();
        let resources = state
            .resources
            .into_iter()
            .filter(|(_, v)| !matches!(v, Resource::Control(c) if c.is_enabled()))
            .map(|(a, v)| (a, v.to_json()))
            .collect();
        SnapshotFile {
            format_version: SNAPSHOT_FORMAT_VERSION,
            taken_at: self.taken_at.clone(),
            organization: self.org.clone(),
            resources,
        }
    }

    /// Writes the state, recording it as taken at `taken_at` (the snapshot's own time if None).
    pub fn save(&self, path: &Path, taken_at: Option<String>) -> Result<(), SnapshotError> {
        let mut file = self.to_file();
        if taken_at.is_some() {
            file.taken_at = taken_at;
        }
        let text = serde_json::to_string_pretty(&file).expect("serialisable") + "\n";
        // Write next to the target and rename, so a crash never leaves half a snapshot.
        let tmp = path.with_extension("json.tmp");
        let shown = path.display().to_string();
        std::fs::write(&tmp, text).map_err(|source| SnapshotError::Write {
            path: shown.clone(),
            source,
        })?;
        std::fs::rename(&tmp, path).map_err(|source| SnapshotError::Write {
            path: shown,
            source,
        })
    }

    fn apply_one(state: &mut State, c: &Change) -> Result<(), String> {
        match c.action {
            Action::Delete => {
                if state.resources.remove(&c.address).is_none() {
                    return Err("not found".into());
                }
                if c.address.kind == Kind::Standard {
                    let std = c.address.id.clone().unwrap_or_default();
                    state.resources.retain(|a, _| {
                        !(a.kind == Kind::Control
                            && a.account == c.address.account
                            && a.region == c.address.region
                            && a.id
                                .as_deref()
                                .is_some_and(|i| i.ends_with(&format!("@{std}"))))
                    });
                }
                if c.address.kind == Kind::Hub {
                    // Disabling Security Hub drops what lives inside it in that account × region.
                    let (acct, region) = (&c.address.account, &c.address.region);
                    state.resources.retain(|a, _| {
                        !(&a.account == acct && &a.region == region && a.kind.needs_hub())
                    });
                }
                Ok(())
            }
            Action::Create | Action::Update => {
                let after = c.after.clone().ok_or("change has no value")?;
                let value =
                    Resource::from_json(c.address.kind, after).map_err(|e| e.to_string())?;
                let value = match (&value, state.get(&c.address)) {
                    // Managed entry by entry: keep entries the policy does not name.
                    (Resource::GuardDuty(want), Some(Resource::GuardDuty(cur))) => {
                        let mut merged = cur.clone();
                        merged.status = want.status.clone();
                        merged.finding_publishing_frequency =
                            want.finding_publishing_frequency.clone();
                        merged.features.extend(want.features.clone());
                        Resource::GuardDuty(merged)
                    }
                    (Resource::ControlParameters(want), Some(Resource::ControlParameters(cur))) => {
                        let mut merged = cur.clone();
                        merged.parameters.extend(want.parameters.clone());
                        Resource::ControlParameters(merged)
                    }
                    _ => value,
                };
                if c.address.kind == Kind::Standard && c.action == Action::Create {
                    let std = c.address.id.clone().unwrap_or_default();
                    for ctl in catalog().controls_in(&std) {
                        let a = Address::keyed(
                            &c.address.account,
                            &c.address.region,
                            Kind::Control,
                            format!("{}@{std}", ctl.id),
                        );
                        state
                            .resources
                            .entry(a)
                            .or_insert_with(|| Resource::Control(ControlValue::enabled()));
                    }
                }
                state.insert(c.address.clone(), value);
                Ok(())
            }
        }
    }
}

/// Adds an ENABLED association for each catalog control of each enabled standard that the
/// snapshot does not list.
fn expand_controls(mut state: State) -> State {
    let standards: Vec<Address> = state
        .resources
        .keys()
        .filter(|a| a.kind == Kind::Standard)
        .cloned()
        .collect();
    for s in standards {
        let std = s.id.clone().unwrap_or_default();
        for ctl in catalog().controls_in(&std) {
            let a = Address::keyed(
                &s.account,
                &s.region,
                Kind::Control,
                format!("{}@{std}", ctl.id),
            );
            state
                .resources
                .entry(a)
                .or_insert_with(|| Resource::Control(ControlValue::enabled()));
        }
    }
    state
}

impl StateSource for Snapshot {
    async fn read_org(&self) -> Result<OrgInfo, ProviderError> {
        Ok(self.org.clone())
    }

    async fn read_scope(
        &self,
        scope: &Scope,
        kinds: &KindSet,
    ) -> Result<Vec<(Address, Resource)>, ProviderError> {
        let state = self.state.lock().expect("not poisoned");
        // Addresses sort by account, then region: read just this scope's range.
        let from = Address::in_scope(scope, Kind::ALL[0], None);
        Ok(state
            .resources
            .range(from..)
            .take_while(|(a, _)| a.account == scope.account && a.region == scope.region)
            .filter(|(a, _)| kinds.contains(&a.kind))
            .map(|(a, v)| (a.clone(), v.clone()))
            .collect())
    }
}

impl Executor for Snapshot {
    async fn execute(&self, batch: &[Change]) -> Vec<Result<(), ProviderError>> {
        let mut state = self.state.lock().expect("not poisoned");
        batch
            .iter()
            .map(|c| {
                Self::apply_one(&mut state, c).map_err(|message| {
                    ProviderError::new(Target::Address(c.address.clone()), None, message)
                })
            })
            .collect()
    }
}
