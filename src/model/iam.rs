//! IAM facts besides the kind table's `read` and `write` columns: what every run needs
//! (identifying the caller, reading the organisation, assuming the member role), what
//! `doctor` and `regions: { include: all }` read, and which actions of a kind a policy needs.

use std::collections::BTreeSet;

use super::kind::{Kind, ServiceOf};
use super::service::Service;

/// Reading the organisation (accounts, OUs), from the management account.
pub const ORGANIZATION_READ: &[&str] = &[
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
];
/// Reaching the other accounts, on the member role only.
pub const ASSUME_ROLE: &str = "sts:AssumeRole";
/// `regions: { include: all }`: the caller's enabled regions (Account Management API).
pub const ENABLED_REGIONS: &[&str] = &["account:ListRegions"];
/// What `shubctl doctor` reads besides the declared kinds.
pub const DOCTOR: &[&str] = &[
    "config:DescribeConfigurationRecorders",
    "config:DescribeConfigurationRecorderStatus",
    "securityhub:DescribeHub",
    "securityhub:GetEnabledStandards",
    "securityhub:ListMembers",
    "securityhub:ListEnabledProductsForImport",
    "securityhub:ListFindingAggregators",
    "securityhub:GetFindingAggregator",
    "securityhub:GetFindings",
];
/// A live apply's lock (`provider::aws::lock`), kept in the delegated administrator's account.
pub const APPLY_LOCK: &[&str] = &[
    "securityhub:CreateActionTarget",
    "securityhub:DescribeActionTargets",
    "securityhub:DeleteActionTarget",
];
/// Services create their service-linked role the first time they are enabled in an account.
pub const CREATE_SERVICE_LINKED_ROLE: &str = "iam:CreateServiceLinkedRole";

/// The service prefix of an action (`securityhub` of `securityhub:DescribeHub`).
pub fn prefix(action: &str) -> &str {
    action.split(':').next().unwrap_or(action)
}

/// The actions `kind` needs to be read (`write` false) or written besides (`write` true),
/// for a policy declaring `services`. Security Hub counts as always declared, and so do the
/// services that are not turned on (Organizations, EventBridge): their actions are needed
/// whenever the kind is.
pub fn kind_actions(kind: Kind, write: bool, services: &BTreeSet<Service>) -> Vec<&'static str> {
    let info = kind.info();
    let list = if write { info.write } else { info.read };
    let declared = |p: &str| {
        Service::ALL
            .into_iter()
            .find(|s| s.iam_prefix() == p)
            .is_none_or(|s| {
                s == Service::SecurityHub || s.account_kind().is_none() || services.contains(&s)
            })
    };
    list.iter()
        .filter_map(|entry| {
            let mut parts = entry.split('@');
            let action = parts.next()?;
            if info.service != ServiceOf::Id {
                return Some(action);
            }
            let only: Vec<&str> = parts.collect();
            let wanted = if only.is_empty() {
                declared(prefix(action))
            } else {
                only.iter()
                    .any(|p| services.iter().any(|s| s.iam_prefix() == *p))
            };
            wanted.then_some(action)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn well_formed(a: &str) -> bool {
        let (p, op) = a.split_once(':').unwrap_or(("", ""));
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && op.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && op.chars().all(|c| c.is_ascii_alphanumeric())
    }

    #[test]
    fn every_kind_has_read_and_write_actions_and_they_are_well_formed() {
        for k in Kind::ALL {
            let info = k.info();
            assert!(!info.read.is_empty(), "{k} has no read actions");
            assert!(!info.write.is_empty(), "{k} has no write actions");
            for entry in info.read.iter().chain(info.write) {
                let action = entry.split('@').next().unwrap();
                assert!(well_formed(action), "{k}: `{entry}`");
            }
        }
        for a in ORGANIZATION_READ
            .iter()
            .chain(DOCTOR)
            .chain(ENABLED_REGIONS)
        {
            assert!(well_formed(a), "{a}");
        }
    }

    #[test]
    fn kinds_keyed_by_service_keep_the_declared_services_only() {
        let none = BTreeSet::new();
        let admin = kind_actions(Kind::DelegatedAdmin, true, &none);
        assert!(admin.contains(&"securityhub:EnableOrganizationAdminAccount"));
        assert!(admin.contains(&"organizations:RegisterDelegatedAdministrator"));
        assert!(!admin.iter().any(|a| a.starts_with("guardduty:")));
        assert!(!admin.contains(&"organizations:ListAccounts"));
        let gd = BTreeSet::from([Service::GuardDuty]);
        let admin = kind_actions(Kind::DelegatedAdmin, true, &gd);
        assert!(admin.contains(&"guardduty:EnableOrganizationAdminAccount"));
        assert!(admin.contains(&"organizations:ListAccounts"));
        assert!(!admin.iter().any(|a| a.starts_with("macie2:")));
        // Kinds of one service keep everything.
        assert!(kind_actions(Kind::Hub, true, &none).contains(&CREATE_SERVICE_LINKED_ROLE));
    }
}
