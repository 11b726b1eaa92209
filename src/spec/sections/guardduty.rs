//! `integrations.guardduty:` — GuardDuty's detector in every scope (status, publishing
//! frequency, protection features) and, in an organisation, its delegated administrator and
//! auto-enable settings for members.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{PublishingFrequency, service_admin, service_members};
use crate::model::wire::Switch;
use crate::model::DesiredScope;
use crate::model::resource::{GuardDutyMemberValue, GuardDutyValue, OrgConfigValue};
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
pub enum OnOff {
    On,
    Off,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GuardDutyFeature {
    S3DataEvents,
    EksAuditLogs,
    EbsMalwareProtection,
    RdsLoginEvents,
    LambdaNetworkLogs,
    EksRuntimeMonitoring,
    RuntimeMonitoring,
    AiProtection,
    AiAnalyst,
}

impl GuardDutyFeature {
    /// Every `DetectorFeature` the SDK knows (checked by a test in the provider).
    pub const ALL: [GuardDutyFeature; 9] = [
        GuardDutyFeature::S3DataEvents,
        GuardDutyFeature::EksAuditLogs,
        GuardDutyFeature::EbsMalwareProtection,
        GuardDutyFeature::RdsLoginEvents,
        GuardDutyFeature::LambdaNetworkLogs,
        GuardDutyFeature::EksRuntimeMonitoring,
        GuardDutyFeature::RuntimeMonitoring,
        GuardDutyFeature::AiProtection,
        GuardDutyFeature::AiAnalyst,
    ];
    pub fn aws(self) -> &'static str {
        match self {
            GuardDutyFeature::S3DataEvents => "S3_DATA_EVENTS",
            GuardDutyFeature::EksAuditLogs => "EKS_AUDIT_LOGS",
            GuardDutyFeature::EbsMalwareProtection => "EBS_MALWARE_PROTECTION",
            GuardDutyFeature::RdsLoginEvents => "RDS_LOGIN_EVENTS",
            GuardDutyFeature::LambdaNetworkLogs => "LAMBDA_NETWORK_LOGS",
            GuardDutyFeature::EksRuntimeMonitoring => "EKS_RUNTIME_MONITORING",
            GuardDutyFeature::RuntimeMonitoring => "RUNTIME_MONITORING",
            GuardDutyFeature::AiProtection => "AI_PROTECTION",
            GuardDutyFeature::AiAnalyst => "AI_ANALYST",
        }
    }

    /// Whether the organisation's auto-enable settings have this feature (`OrgFeature`):
    /// AI_ANALYST is set per detector only.
    pub fn org_level(self) -> bool {
        self != GuardDutyFeature::AiAnalyst
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardDuty {
    #[serde(default = "default_true")]
    pub enabled: bool,
    pub finding_publishing_frequency: PublishingFrequency,
    /// Protection plans, each `on` or `off`. Declare them all: a feature left out is not
    /// managed, and AWS turns most features on when it creates a detector.
    #[serde(default)]
    pub features: BTreeMap<GuardDutyFeature, OnOff>,
    /// Organisation auto-enable for member accounts: `new`, `all` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_enable_members: Option<AutoEnableMembers>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutoEnableMembers {
    New,
    All,
    None,
}

pub const KINDS: &[Kind] = &[
    Kind::GuardDuty,
    Kind::GuardDutyMember,
    Kind::DelegatedAdmin,
    Kind::OrgConfig,
];

#[derive(Debug, Clone)]
pub struct Checked {
    pub enabled: bool,
    pub finding_publishing_frequency: crate::model::wire::PublishingFrequency,
    /// The features managed (AWS names) → their status.
    pub features: BTreeMap<String, Switch>,
    /// Those of them the organisation's settings have (AWS names).
    pub org_features: std::collections::BTreeSet<String>,
    /// `NEW`, `ALL` or `NONE` (organisation only).
    pub auto_enable_members: Option<&'static str>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let g = c.guardduty.as_ref()?;
    let f = &g.value.features;
    if f.get(&GuardDutyFeature::EksRuntimeMonitoring) == Some(&OnOff::On)
        && f.get(&GuardDutyFeature::RuntimeMonitoring) == Some(&OnOff::On)
    {
        d.error(
            &c.key_pos_at(g, "/features/eks_runtime_monitoring"),
            Code::RuntimeMonitoringBoth,
            "`eks_runtime_monitoring` and `runtime_monitoring` cannot both be on; runtime_monitoring includes EKS",
        );
    }
    let superseded = |x: &GuardDutyFeature| {
        *x == GuardDutyFeature::EksRuntimeMonitoring
            && f.contains_key(&GuardDutyFeature::RuntimeMonitoring)
    };
    let missing: Vec<&str> = GuardDutyFeature::ALL
        .iter()
        .filter(|x| !f.contains_key(x) && !superseded(x))
        .map(|x| x.aws())
        .collect();
    if g.value.enabled && !missing.is_empty() {
        d.warning(
            &c.pos(g, ""),
            Code::FeaturesUndeclared,
            format!("GuardDuty features not declared (not managed; AWS turns most of them on when it creates a detector): {}", missing.join(", ")),
        );
    }
    // A member's detector is the administrator's to suspend or delete (after disassociating
    // it), never the member's: shubctl does not plan that teardown.
    if !g.value.enabled && c.organization.is_some() {
        d.error(
            &c.pos(g, "/enabled"),
            Code::OffAcrossOrganization,
            "GuardDuty cannot be turned off across an organisation from its member accounts: the GuardDuty administrator manages its members' detectors, and deletes its own only once its members are disassociated and deleted",
        );
    }
    if g.value.auto_enable_members.is_some() && c.organization.is_none() {
        d.error(
            &c.pos(g, "/auto_enable_members"),
            Code::NeedsOrganization,
            "`auto_enable_members` needs an `organization`",
        );
    }
    // AWS refuses EKS runtime monitoring and runtime monitoring in one request, and the latter
    // supersedes the former: with both declared, only runtime monitoring is managed.
    let features = f
        .iter()
        .filter(|(x, _)| !superseded(x))
        .map(|(x, s)| {
            let s = match s {
                OnOff::On => Switch::Enabled,
                OnOff::Off => Switch::Disabled,
            };
            (x.aws().to_string(), s)
        })
        .collect();
    let org_features = f
        .iter()
        .filter(|(x, _)| !superseded(x) && x.org_level())
        .map(|(x, _)| x.aws().to_string())
        .collect();
    Some(Checked {
        enabled: g.value.enabled,
        finding_publishing_frequency: g.value.finding_publishing_frequency.aws(),
        features,
        org_features,
        auto_enable_members: g.value.auto_enable_members.map(|m| match m {
            AutoEnableMembers::New => "NEW",
            AutoEnableMembers::All => "ALL",
            AutoEnableMembers::None => "NONE",
        }),
    })
}

impl Section for Checked {
    fn scope(&self, x: &Expansion<'_>, acct: &AccountId, _r: &str, out: &mut DesiredScope) {
        // In an organisation a member's detector is the administrator's: created by
        // CreateMembers, its protection plans set through the administrator and its publishing
        // frequency the administrator's (`organization` below). Only the administrator's own
        // detector is written in its account.
        if x.management.is_some() && *acct != x.admin {
            return;
        }
        out.read(Kind::GuardDuty);
        if self.enabled {
            out.want(
                Kind::GuardDuty,
                None,
                Resource::GuardDuty(GuardDutyValue {
                    status: Switch::Enabled,
                    finding_publishing_frequency: self.finding_publishing_frequency,
                    features: self.features.clone(),
                }),
            );
        }
    }

    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        let cfg = self.auto_enable_members.map(|m| OrgConfigValue {
            auto_enable_members: Some(m.into()),
            features: Some(
                self.features
                    .iter()
                    .filter(|(f, _)| self.org_features.contains(*f))
                    .map(|(f, s)| {
                        (
                            f.clone(),
                            if *s == Switch::Enabled { m } else { "NONE" }.to_string(),
                        )
                    })
                    .collect(),
            ),
            ..Default::default()
        });
        service_admin(x, Service::GuardDuty, cfg, out);
        if x.management.is_none() || !self.enabled {
            return;
        }
        // AWS: CreateMembers is "a prerequisite for managing the associated member accounts",
        // and auto-enable NEW reaches only accounts that join later. Every other account in
        // scope is a member of the administrator, with the declared protection plans.
        // UpdateMemberDetectors takes the organisation's features (`OrgFeature`): AI_ANALYST,
        // set per detector only, is not the administrator's to set for a member.
        let member = GuardDutyMemberValue {
            features: self
                .features
                .iter()
                .filter(|(f, _)| self.org_features.contains(*f))
                .map(|(f, s)| (f.clone(), *s))
                .collect(),
        };
        service_members(x, Kind::GuardDutyMember, Resource::GuardDutyMember(member), out);
    }
}
