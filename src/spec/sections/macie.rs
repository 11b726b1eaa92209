//! `integrations.macie:` — Macie's session in every scope (enabled, paused or off, and its
//! publishing frequency) and, in an organisation, its delegated administrator and auto-enable.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{PublishingFrequency, service_admin, service_members};
use crate::model::wire;
use crate::model::DesiredScope;
use crate::model::resource::{MacieMemberValue, MacieValue, OrgConfigValue};
use crate::model::{AccountId, Kind, Resource, Service};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

fn default_true() -> bool {
    true
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MacieStatus {
    Enabled,
    Paused,
    Disabled,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Macie {
    pub status: MacieStatus,
    #[serde(default = "default_frequency")]
    pub finding_publishing_frequency: PublishingFrequency,
    /// Organisation: enable Macie in accounts that join.
    #[serde(default = "default_true")]
    pub auto_enable: bool,
}

fn default_frequency() -> PublishingFrequency {
    PublishingFrequency::FifteenMinutes
}

pub const KINDS: &[Kind] = &[
    Kind::Macie,
    Kind::MacieMember,
    Kind::DelegatedAdmin,
    Kind::OrgConfig,
];

#[derive(Debug, Clone)]
pub struct Checked {
    /// None: Macie off.
    pub status: Option<wire::MacieStatus>,
    pub finding_publishing_frequency: wire::PublishingFrequency,
    pub auto_enable: bool,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let section = c.macie.as_ref()?;
    let m = &section.value;
    // Through Organizations, disabling Macie for a member is the administrator's (it
    // disassociates the member first); shubctl does not plan that teardown.
    if m.status == MacieStatus::Disabled && c.organization.is_some() {
        d.error(
            &c.pos(section, "/status"),
            Code::OffAcrossOrganization,
            "Macie cannot be disabled across an organisation from its member accounts: the Macie administrator enables and suspends its members, and a member's Macie can be disabled only once the administrator has disassociated it",
        );
    }
    Some(Checked {
        status: match m.status {
            MacieStatus::Enabled => Some(wire::MacieStatus::Enabled),
            MacieStatus::Paused => Some(wire::MacieStatus::Paused),
            MacieStatus::Disabled => None,
        },
        finding_publishing_frequency: m.finding_publishing_frequency.aws(),
        auto_enable: m.auto_enable,
    })
}

impl Section for Checked {
    fn scope(&self, x: &Expansion<'_>, acct: &AccountId, _r: &str, out: &mut DesiredScope) {
        // In an organisation, enabling and suspending Macie for a member are the
        // administrator's (`organization` below); only its own session is written in its
        // account.
        if x.management.is_some() && *acct != x.admin {
            return;
        }
        out.read(Kind::Macie);
        if let Some(status) = self.status {
            out.want(
                Kind::Macie,
                None,
                Resource::Macie(MacieValue {
                    status,
                    finding_publishing_frequency: self.finding_publishing_frequency,
                }),
            );
        }
    }

    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        let cfg = OrgConfigValue {
            auto_enable: Some(self.auto_enable && self.status.is_some()),
            ..Default::default()
        };
        service_admin(x, Service::Macie, Some(cfg), out);
        let Some(status) = self.status.filter(|_| x.management.is_some()) else {
            return;
        };
        // AWS: through Organizations the administrator enables Macie for an existing account
        // by adding it as a member (CreateMember), and "only your Macie administrator can
        // suspend Macie" for a member (UpdateMemberSession).
        service_members(
            x,
            Kind::MacieMember,
            Resource::MacieMember(MacieMemberValue { status }),
            out,
        );
    }
}
