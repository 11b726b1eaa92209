//! The AWS services shubctl manages. Kinds keyed by service (`delegated-admin/<id>`,
//! `org-config/<id>`) use [`Service::id`] as their address id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::kind::Kind;

/// Declared in the order of their ids, so sets of services list as their ids sort.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    AccessAnalyzer,
    EventBridge,
    GuardDuty,
    Inspector,
    Macie,
    Organizations,
    SecurityHub,
}

impl Service {
    pub const ALL: [Service; 7] = [
        Service::SecurityHub,
        Service::GuardDuty,
        Service::Inspector,
        Service::Macie,
        Service::AccessAnalyzer,
        Service::Organizations,
        Service::EventBridge,
    ];

    /// The integrated services whose delegated administrator shubctl designates (Security
    /// Hub's own administrator is always managed in an organisation).
    pub const WITH_ADMIN: [Service; 3] = [Service::GuardDuty, Service::Inspector, Service::Macie];

    /// The id in addresses and saved plans (`delegated-admin/guardduty`).
    pub fn id(self) -> &'static str {
        match self {
            Service::SecurityHub => "securityhub",
            Service::GuardDuty => "guardduty",
            Service::Inspector => "inspector",
            Service::Macie => "macie",
            Service::AccessAnalyzer => "access-analyzer",
            Service::Organizations => "organizations",
            Service::EventBridge => "eventbridge",
        }
    }

    /// The name people know it by.
    pub fn title(self) -> &'static str {
        match self {
            Service::SecurityHub => "Security Hub",
            Service::GuardDuty => "GuardDuty",
            Service::Inspector => "Inspector",
            Service::Macie => "Macie",
            Service::AccessAnalyzer => "IAM Access Analyzer",
            Service::Organizations => "Organizations",
            Service::EventBridge => "EventBridge",
        }
    }

    /// The prefix of its IAM actions.
    pub fn iam_prefix(self) -> &'static str {
        match self {
            Service::SecurityHub => "securityhub",
            Service::GuardDuty => "guardduty",
            Service::Inspector => "inspector2",
            Service::Macie => "macie2",
            Service::AccessAnalyzer => "access-analyzer",
            Service::Organizations => "organizations",
            Service::EventBridge => "events",
        }
    }

    /// The `iam:AWSServiceName` of the service-linked roles it creates when first enabled.
    pub fn linked_role_services(self) -> &'static [&'static str] {
        match self {
            Service::SecurityHub => &["securityhub.amazonaws.com"],
            Service::GuardDuty => &[
                "guardduty.amazonaws.com",
                "malware-protection.guardduty.amazonaws.com",
            ],
            Service::Inspector => &[
                "inspector2.amazonaws.com",
                "agentless.inspector2.amazonaws.com",
            ],
            Service::Macie => &["macie.amazonaws.com"],
            Service::AccessAnalyzer => &["access-analyzer.amazonaws.com"],
            Service::Organizations | Service::EventBridge => &[],
        }
    }

    /// The kind that says whether the service is on in an account × region; none for the
    /// services that hold guardrails and routes rather than being turned on.
    pub fn account_kind(self) -> Option<Kind> {
        match self {
            Service::SecurityHub => Some(Kind::Hub),
            Service::GuardDuty => Some(Kind::GuardDuty),
            Service::Inspector => Some(Kind::Inspector),
            Service::Macie => Some(Kind::Macie),
            Service::AccessAnalyzer => Some(Kind::Analyzer),
            Service::Organizations | Service::EventBridge => None,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Service {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Service::ALL
            .into_iter()
            .find(|x| x.id() == s)
            .ok_or_else(|| format!("unknown service `{s}`"))
    }
}

impl Serialize for Service {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_id_order() {
        let mut ids: Vec<&str> = Service::ALL.iter().map(|s| s.id()).collect();
        let mut sorted: Vec<Service> = Service::ALL.to_vec();
        sorted.sort();
        ids.sort();
        assert_eq!(sorted.iter().map(|s| s.id()).collect::<Vec<_>>(), ids);
    }

    #[test]
    fn ids_round_trip() {
        for s in Service::ALL {
            assert_eq!(s.id().parse::<Service>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.id())
            );
        }
    }
}
