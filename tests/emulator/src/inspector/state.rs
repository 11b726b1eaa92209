//! Inspector's state in one account × region (API.md §3: which resource types are on, and since when; the
//! administrator's auto-enable settings and associated members), and its conversion from and to
//! the snapshot.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use shubctl::model::resource::{Empty, InspectorValue, OrgConfigValue};
use shubctl::model::{Kind, Resource};

use crate::world::{AdminOf, At, Dump, Loading};

/// Inspector in one account: resource type (`EC2`, `ECR`, `LAMBDA`, `LAMBDA_CODE`, `CODE_REPOSITORY`) → the
/// instant it turns from ENABLING to ENABLED.
#[derive(Default)]
pub struct Enablement {
    pub types: BTreeMap<String, Instant>,
}

impl Enablement {
    pub fn type_status(&self, t: &str, now: Instant) -> &'static str {
        match self.types.get(t) {
            None => "DISABLED",
            Some(ready) if now < *ready => "ENABLING",
            Some(_) => "ENABLED",
        }
    }
    /// ENABLED as soon as one type is; ENABLING while all are.
    pub fn status(&self, now: Instant) -> &'static str {
        if self.types.values().any(|r| now >= *r) || self.types.is_empty() {
            "ENABLED"
        } else {
            "ENABLING"
        }
    }
}

/// The delegated administrator is the organisation's: see `World::admin_in`.
#[derive(Default)]
pub struct State {
    /// `None` while Inspector is off in this account.
    pub enabled: Option<Enablement>,
    /// Resource types auto-enabled for members; kept in the administrator's scopes.
    pub org: Option<BTreeSet<String>>,
    /// The administrator's members, by account. Kept in the administrator's scopes.
    pub members: BTreeMap<String, Membership>,
}

/// One account's association with the administrator.
pub struct Membership {
    /// When the association completes; it is under way until then.
    pub ready: Instant,
    /// `updatedAt`, in seconds since the epoch (restJson1's default timestamp format).
    pub updated_at: f64,
}

/// `updatedAt` of associations loaded from a snapshot: 2024-01-01T00:00:00Z.
const LOADED_AT: f64 = 1_704_067_200.0;

impl State {
    /// Whether `account`'s association with this administrator has completed.
    pub fn associated(&self, account: &str, now: Instant) -> bool {
        self.members.get(account).is_some_and(|m| now >= m.ready)
    }
}

impl State {
    /// Takes a snapshot resource if it is Inspector's; hands it back otherwise.
    pub fn load(&mut self, res: Resource, at: &At, cx: &mut Loading) -> Option<Resource> {
        match res {
            Resource::OrgConfig(o) if at.id == AdminOf::Inspector.id() => {
                self.org = Some(o.resource_types.unwrap_or_default().into_iter().collect());
            }
            Resource::InspectorMember(_) => {
                self.members.insert(
                    at.id.to_string(),
                    Membership {
                        ready: cx.now,
                        updated_at: LOADED_AT,
                    },
                );
            }
            Resource::Inspector(i) => {
                self.enabled = Some(Enablement {
                    types: i.resource_types.into_iter().map(|t| (t, cx.now)).collect(),
                });
            }
            other => return Some(other),
        }
        None
    }

    /// Only ENABLED resource types are dumped (an account whose types are all still ENABLING
    /// dumps `resource_types: []`).
    pub fn dump(&self, out: &mut Dump) {
        if let Some(i) = &self.enabled {
            let resource_types = i
                .types
                .keys()
                .filter(|t| i.type_status(t, out.now) == "ENABLED")
                .cloned()
                .collect();
            out.put(
                Kind::Inspector,
                None,
                Resource::Inspector(InspectorValue { resource_types }),
            );
        }
        // Associations under way are not dumped: they are not associations yet.
        for (account, m) in &self.members {
            if out.now >= m.ready {
                out.put(
                    Kind::InspectorMember,
                    Some(account.clone()),
                    Resource::InspectorMember(Empty {}),
                );
            }
        }
        if let Some(types) = &self.org {
            out.put(
                Kind::OrgConfig,
                Some(AdminOf::Inspector.id().into()),
                Resource::OrgConfig(OrgConfigValue {
                    resource_types: Some(types.iter().cloned().collect()),
                    ..Default::default()
                }),
            );
        }
    }
}
