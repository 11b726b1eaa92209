//! GuardDuty's state in one account × region (API.md §2: one detector; the administrator's organisation
//! configuration), and its conversion from and to the snapshot's resources.

use std::collections::BTreeMap;

use shubctl::model::resource::{GuardDutyMemberValue, GuardDutyValue, OrgConfigValue};
use shubctl::model::{Kind, Resource};

use crate::world::{AdminOf, At, Dump, Loading};

/// A GuardDuty detector (one per account × region).
pub struct Detector {
    pub id: String,
    pub enabled: bool,
    pub frequency: String,
    /// Optional feature name → `ENABLED` / `DISABLED` (never the foundational sources).
    pub features: BTreeMap<String, String>,
    /// Feature name → its `additionalConfiguration` (name → `ENABLED` / `DISABLED`), as sent;
    /// the snapshot format has no place for it, so a dump leaves it out.
    pub additional: BTreeMap<String, BTreeMap<String, String>>,
    pub created_at: String,
    pub updated_at: String,
}

/// GuardDuty organisation configuration (kept in the administrator's scope).
pub struct OrgConfig {
    /// `NEW`, `ALL` or `NONE`.
    pub auto_enable_members: String,
    /// Feature name → `NEW` / `ALL` / `NONE`.
    pub features: BTreeMap<String, String>,
}

impl Default for OrgConfig {
    fn default() -> Self {
        OrgConfig {
            auto_enable_members: "NONE".into(),
            features: BTreeMap::new(),
        }
    }
}

/// An account added to this account's detector as a member.
pub struct Member {
    pub email: String,
    /// `Enabled` (added through Organizations) or `Created` (awaiting an invitation).
    pub status: String,
    pub updated_at: String,
}

/// The delegated administrator is the organisation's: see `World::admin_in`.
#[derive(Default)]
pub struct State {
    pub detector: Option<Detector>,
    /// Kept in the administrator's scopes.
    pub org: Option<OrgConfig>,
    /// Account → membership, in the scopes of the accounts that added members.
    pub members: BTreeMap<String, Member>,
}

impl State {
    /// Takes a snapshot resource if it is GuardDuty's; hands it back otherwise.
    pub fn load(&mut self, res: Resource, at: &At, cx: &mut Loading) -> Option<Resource> {
        match res {
            Resource::OrgConfig(o) if at.id == AdminOf::GuardDuty.id() => {
                self.org = Some(OrgConfig {
                    auto_enable_members: o.auto_enable_members.unwrap_or_else(|| "NONE".into()),
                    features: o.features.unwrap_or_default(),
                });
            }
            // A snapshot's members are enabled ones (only those are read); their protection
            // plans are their own detectors'.
            Resource::GuardDutyMember(_) => {
                self.members.insert(
                    at.id.to_string(),
                    Member {
                        email: format!("aws+{}@example.com", at.id),
                        status: super::members::ENABLED.into(),
                        updated_at: cx.stamp.into(),
                    },
                );
            }
            Resource::GuardDuty(g) => {
                self.detector = Some(Detector {
                    // 32 hex digits, like GuardDuty's.
                    id: cx.next_uuid().replace('-', ""),
                    enabled: g.status == shubctl::model::wire::Switch::Enabled,
                    frequency: g.finding_publishing_frequency.to_string(),
                    features: g
                        .features
                        .into_iter()
                        .map(|(k, v)| (k, v.to_string()))
                        .collect(),
                    additional: BTreeMap::new(),
                    created_at: cx.stamp.into(),
                    updated_at: cx.stamp.into(),
                });
            }
            other => return Some(other),
        }
        None
    }

    /// The foundational sources are never dumped, nor an empty organisation `features` map.
    /// Enabled members are dumped with the features of their detectors (`members_features`).
    pub fn dump(&self, out: &mut Dump, member_features: impl Fn(&str) -> BTreeMap<String, String>) {
        for (a, m) in &self.members {
            if m.status == super::members::ENABLED {
                out.put(
                    Kind::GuardDutyMember,
                    Some(a.clone()),
                    Resource::GuardDutyMember(GuardDutyMemberValue {
                        features: member_features(a)
                            .into_iter()
                            .filter(|(k, _)| k != "AI_ANALYST")
                            .map(|(k, v)| (k, crate::util::wire(&v)))
                            .collect(),
                    }),
                );
            }
        }
        if let Some(d) = &self.detector {
            out.put(
                Kind::GuardDuty,
                None,
                Resource::GuardDuty(GuardDutyValue {
                    status: crate::util::wire(if d.enabled { "ENABLED" } else { "DISABLED" }),
                    finding_publishing_frequency: crate::util::wire(&d.frequency),
                    features: d
                        .features
                        .iter()
                        .map(|(k, v)| (k.clone(), crate::util::wire(v)))
                        .collect(),
                }),
            );
        }
        if let Some(o) = &self.org {
            out.put(
                Kind::OrgConfig,
                Some(AdminOf::GuardDuty.id().into()),
                Resource::OrgConfig(OrgConfigValue {
                    auto_enable_members: Some(o.auto_enable_members.clone()),
                    features: (!o.features.is_empty()).then(|| o.features.clone()),
                    ..Default::default()
                }),
            );
        }
    }
}
