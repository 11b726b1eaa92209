//! The offline state snapshot: a versioned JSON file of the live set-up of every account ×
//! region, including the organisation. It is both a state source and (for `apply --snapshot`)
//! an executor that writes the converged state back.
//!
//! Control associations are stored sparsely, in the file as in memory: for every enabled
//! standard, each of its controls is ENABLED unless listed. Files are read and written entry by
//! entry, never as a whole JSON tree.

use std::collections::BTreeMap;
use std::fmt;
use std::io::BufReader;
use std::path::Path;
use std::sync::Mutex;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{Executor, ProviderError, StateSource};
use crate::model::json_error::{self, plain};
use crate::model::{
    Action, Address, Change, Kind, KindSet, OrgInfo, Resource, Scope, ScopeState, State, Target,
};

pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

/// A snapshot file as plain data (the emulator and tests build and read these).
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
    #[error("cannot read snapshot {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("snapshot {path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error("cannot write snapshot {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A snapshot in memory: the organisation and the compact state of every scope.
#[derive(Debug)]
pub struct Snapshot {
    pub org: OrgInfo,
    pub taken_at: Option<String>,
    state: Mutex<State>,
}

/// The file's top level, decoded straight into compact state.
struct Streamed {
    format_version: Option<u32>,
    taken_at: Option<String>,
    organization: OrgInfo,
    state: State,
}

/// Decodes `resources` entry by entry into `State`, so no JSON tree of the whole file is built.
struct ResourcesInto<'a>(&'a mut State);

impl<'de> serde::de::DeserializeSeed<'de> for ResourcesInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct V<'a>(&'a mut State);
        impl<'de> Visitor<'de> for V<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of addresses to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
                while let Some(addr) = m.next_key::<Address>()? {
                    let value: Value = m.next_value()?;
                    let r = Resource::from_json(addr.kind, value).map_err(|e| {
                        de::Error::custom(format!("{addr}: {}", plain(&e.to_string())))
                    })?;
                    self.0.insert(addr, r);
                }
                Ok(())
            }
        }
        d.deserialize_map(V(self.0))
    }
}

impl<'de> Deserialize<'de> for Streamed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Streamed;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a shubctl snapshot")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Streamed, A::Error> {
                let mut out = Streamed {
                    format_version: None,
                    taken_at: None,
                    organization: OrgInfo::default(),
                    state: State::default(),
                };
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "format_version" => {
                            let v: u32 = m.next_value()?;
                            if v != SNAPSHOT_FORMAT_VERSION {
                                return Err(de::Error::custom(format!(
                                    "format_version {v} is not supported (this shubctl reads {SNAPSHOT_FORMAT_VERSION})"
                                )));
                            }
                            out.format_version = Some(v);
                        }
                        "taken_at" => out.taken_at = m.next_value()?,
                        "organization" => out.organization = m.next_value()?,
                        "resources" => m.next_value_seed(ResourcesInto(&mut out.state))?,
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["format_version", "taken_at", "organization", "resources"],
                            ));
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// The file's top level written from compact state, entry by entry.
struct Writing<'a> {
    taken_at: Option<&'a str>,
    org: &'a OrgInfo,
    state: &'a State,
}

struct Entries<'a>(&'a State);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (addr, value) in self.0.entries() {
            m.serialize_entry(&addr, &value)?;
        }
        m.end()
    }
}

impl Serialize for Writing<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("format_version", &SNAPSHOT_FORMAT_VERSION)?;
        if let Some(t) = self.taken_at {
            m.serialize_entry("taken_at", t)?;
        }
        m.serialize_entry("organization", self.org)?;
        m.serialize_entry("resources", &Entries(self.state))?;
        m.end()
    }
}

impl Snapshot {
    pub fn load(path: &Path) -> Result<Self, SnapshotError> {
        let shown = path.display().to_string();
        let io = |source| SnapshotError::Io {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        if file.metadata().map_err(io)?.is_dir() {
            return Err(io(std::io::Error::other("it is a folder, not a file")));
        }
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
        Self::decode(&mut de).map_err(|message| SnapshotError::Invalid {
            path: shown,
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::decode(&mut serde_json::Deserializer::from_str(text))
    }

    fn decode<'de, R: serde_json::de::Read<'de>>(
        de: &mut serde_json::Deserializer<R>,
    ) -> Result<Self, String> {
        // The field at fault and its position, said once, up front.
        let s: Streamed = json_error::decode(de).map_err(|e| e.to_string())?;
        if s.format_version.is_none() {
            return Err("no format_version: not a shubctl snapshot".into());
        }
        Ok(Snapshot {
            org: s.organization,
            taken_at: s.taken_at,
            state: Mutex::new(s.state),
        })
    }

    pub fn from_file(file: SnapshotFile) -> Result<Self, String> {
        if file.format_version != SNAPSHOT_FORMAT_VERSION {
            return Err(format!(
                "format_version {} is not supported (this shubctl reads {SNAPSHOT_FORMAT_VERSION})",
                file.format_version
            ));
        }
        // What loading a file refuses, a value built in code is refused for too.
        for r in &file.organization.enabled_regions {
            crate::model::organization::check_region(r)?;
        }
        let mut state = State::default();
        for (addr, value) in file.resources {
            let r = Resource::from_json(addr.kind, value).map_err(|e| format!("{addr}: {e}"))?;
            state.insert(addr, r);
        }
        Ok(Snapshot {
            org: file.organization,
            taken_at: file.taken_at,
            state: Mutex::new(state),
        })
    }

    pub fn from_state(org: OrgInfo, state: State) -> Self {
        Snapshot {
            org,
            taken_at: None,
            state: Mutex::new(state),
        }
    }

    /// The whole current state.
    pub fn state(&self) -> State {
        self.state.lock().expect("not poisoned").clone()
    }

    pub fn to_file(&self) -> SnapshotFile {
        let state = self.state.lock().expect("not poisoned");
        SnapshotFile {
            format_version: SNAPSHOT_FORMAT_VERSION,
            taken_at: self.taken_at.clone(),
            organization: self.org.clone(),
            resources: state.entries().map(|(a, v)| (a, v.to_json())).collect(),
        }
    }

    /// Writes the state, recording it as taken at `taken_at` (the snapshot's own time if None).
    pub fn save(&self, path: &Path, taken_at: Option<String>) -> Result<(), SnapshotError> {
        let shown = path.display().to_string();
        let write_err = |source| SnapshotError::Write {
            path: shown.clone(),
            source,
        };
        let state = self.state.lock().expect("not poisoned");
        let doc = Writing {
            taken_at: taken_at.as_deref().or(self.taken_at.as_deref()),
            org: &self.org,
            state: &state,
        };
        // A new temporary file beside the target, renamed over it: a crash never leaves half
        // a snapshot, and two writers never share a temporary file.
        super::file::write_atomically(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            w.write_all(b"\n")
        })
        .map_err(write_err)
    }

    fn apply_one(state: &mut State, c: &Change) -> Result<(), String> {
        let a = &c.address;
        let scope = state.scopes.entry(a.scope()).or_default();
        match c.action {
            Action::Delete => {
                if !scope.remove(a.kind, a.id.as_deref()) {
                    return Err("not found".into());
                }
                if a.kind == Kind::Hub {
                    // Disabling Security Hub drops what lives inside it in that account × region.
                    scope.without_hub_contents();
                }
                Ok(())
            }
            Action::Create | Action::Update => {
                let after = c.after.clone().ok_or("change has no value")?;
                let value = Resource::from_json(a.kind, after).map_err(|e| e.to_string())?;
                let value = match (&value, scope.get(a.kind, a.id.as_deref())) {
                    // Managed entry by entry: keep entries the policy does not name.
                    (Resource::GuardDuty(want), Some(Resource::GuardDuty(cur))) => {
                        let mut merged = cur.clone();
                        merged.status = want.status;
                        merged.finding_publishing_frequency = want.finding_publishing_frequency;
                        merged.features.extend(want.features.clone());
                        Resource::GuardDuty(merged)
                    }
                    _ => value,
                };
                scope.insert(a.kind, a.id.clone(), value);
                Ok(())
            }
        }
    }
}

impl StateSource for Snapshot {
    async fn read_org(&self) -> Result<OrgInfo, ProviderError> {
        Ok(self.org.clone())
    }

    async fn read_scope(
        &self,
        scope: &Scope,
        kinds: &KindSet,
    ) -> Result<ScopeState, ProviderError> {
        let state = self.state.lock().expect("not poisoned");
        let mut s = state.scopes.get(scope).cloned().unwrap_or_default();
        s.retain_kinds(kinds);
        Ok(s)
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
