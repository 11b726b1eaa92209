//! Macie's state in one account × region (API.md §4: the session; the administrator's auto-enable
//! setting), and its conversion from and to the snapshot's resources.

use shubctl::model::resource::{MacieMemberValue, MacieValue, OrgConfigValue};
use shubctl::model::{Kind, Resource};

use crate::world::{AdminOf, At, Dump, Loading};

pub struct Session {
    /// `ENABLED` or `PAUSED`.
    pub status: String,
    pub frequency: String,
    pub created_at: String,
    pub updated_at: String,
}

/// An account the administrator added; its relationship follows its own session.
pub struct Member {
    pub email: String,
    pub updated_at: String,
}

/// The delegated administrator is the organisation's: see `World::admin_in`.
#[derive(Default)]
pub struct State {
    /// `None` while Macie is off in this account.
    pub session: Option<Session>,
    /// `autoEnable`; kept in the administrator's scopes.
    pub org: Option<bool>,
    /// Account → membership, in the administrator's scopes.
    pub members: std::collections::BTreeMap<String, Member>,
}

impl State {
    /// Takes a snapshot resource if it is Macie's; hands it back otherwise.
    pub fn load(&mut self, res: Resource, at: &At, cx: &mut Loading) -> Option<Resource> {
        match res {
            Resource::OrgConfig(o) if at.id == AdminOf::Macie.id() => {
                self.org = Some(o.auto_enable.unwrap_or(false));
            }
            // The member's status is its own session's (its `macie` resource).
            Resource::MacieMember(_) => {
                self.members.insert(
                    at.id.to_string(),
                    Member {
                        email: format!("aws+{}@example.com", at.id),
                        updated_at: cx.stamp.into(),
                    },
                );
            }
            Resource::Macie(m) => {
                self.session = Some(Session {
                    status: m.status.to_string(),
                    frequency: m.finding_publishing_frequency.to_string(),
                    created_at: cx.stamp.into(),
                    updated_at: cx.stamp.into(),
                });
            }
            other => return Some(other),
        }
        None
    }

    /// Members are dumped with their own sessions' status (`member_status`), those whose
    /// Macie is off not at all.
    pub fn dump(&self, out: &mut Dump, member_status: impl Fn(&str) -> Option<String>) {
        for a in self.members.keys() {
            if let Some(status) = member_status(a) {
                out.put(
                    Kind::MacieMember,
                    Some(a.clone()),
                    Resource::MacieMember(MacieMemberValue {
                        status: crate::util::wire(&status),
                    }),
                );
            }
        }
        if let Some(m) = &self.session {
            out.put(
                Kind::Macie,
                None,
                Resource::Macie(MacieValue {
                    status: crate::util::wire(&m.status),
                    finding_publishing_frequency: crate::util::wire(&m.frequency),
                }),
            );
        }
        if let Some(auto) = self.org {
            out.put(
                Kind::OrgConfig,
                Some(AdminOf::Macie.id().into()),
                Resource::OrgConfig(OrgConfigValue {
                    auto_enable: Some(auto),
                    ..Default::default()
                }),
            );
        }
    }
}
