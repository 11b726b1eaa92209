//! The closed set of resource kinds shubctl manages, and every fact about each kind in one
//! table. The `Resource` enum, its JSON mapping and every per-kind rule elsewhere (apply order,
//! the destroy guard, the posture of a delete, what disabling the hub removes, which account
//! holds it) come from this table; nothing else keeps a list of kinds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::change::Action;
use super::resource::*;
use super::rules::Rules;
use super::service::Service;

/// Which service a kind belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceOf {
    Fixed(Service),
    /// Keyed by service: the address id names it (`delegated-admin/guardduty`).
    Id,
}

/// Where `export` and `report` read a kind without a policy (`engine::read_all`), or why
/// they do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadAllAt {
    /// In every account × region.
    Everywhere,
    /// In the Security Hub delegated administrator's account (everywhere for a single account).
    InAdmin,
    /// In the management account (designations).
    InManagement,
    /// Not read: why, as the export's notes and docs/adopting.md say it.
    Not(&'static str),
}

/// Why the guardrail kinds are not exported.
const GUARDRAILS_NOT_EXPORTED: &str = "the guardrail SCP is written by shubctl from a policy's `guardrails` section, not a setting to read back: declare the section to have it managed";

/// The facts about one kind.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    /// The kind's name in addresses and plans.
    pub name: &'static str,
    /// Many instances per account × region (an id in the address) or one.
    pub keyed: bool,
    /// Apply order: lower ranks are created and updated first, deleted last.
    pub rank: u8,
    /// Deleting one removes protection and needs `--allow-destroy`.
    pub destructive: bool,
    /// Deleting one weakens the security posture (flagged in every rendering).
    pub weakens_on_delete: bool,
    /// Lives inside Security Hub: disabling the hub removes it, and a policy that disables
    /// the hub cannot declare it.
    pub needs_hub: bool,
    /// Held by the delegated administrator and depends on it being designated.
    pub held_by_admin: bool,
    /// Changes in one region are sent together for many accounts by the service's
    /// delegated administrator (Inspector acts for up to 100 accounts a call).
    pub across_accounts: bool,
    /// Held by the management account (the delegated administrators are designated from it):
    /// its IAM actions belong to the management account's principal, not to the member role.
    pub held_by_management: bool,
    pub service: ServiceOf,
    /// The IAM actions its reads need: each operation's own action and the dependent actions
    /// AWS's Service Authorization Reference lists for it. For kinds keyed by service, a
    /// service's own actions count only when the policy declares the service, and a shared
    /// action written `action@prefix@prefix` only when one of those services is declared
    /// (see `model::iam`).
    pub read: &'static [&'static str],
    /// The IAM actions its writes need besides `read`.
    pub write: &'static [&'static str],
    /// Fields holding a JSON document (an SCP, an event pattern): compared whole, and shown in
    /// plans as a line diff of the pretty-printed JSON rather than on one line.
    pub documents: &'static [&'static str],
    /// The policy only adds these: one it does not want is left alone, never planned for
    /// deletion (an account out of scope stays associated with the Inspector administrator).
    pub adds_only: bool,
    /// What creating one does, as the plan's `why` says it (default: "missing: declared by
    /// the policy").
    pub creates: &'static str,
    /// Where `export` and `report` read it, or why not.
    pub read_all: ReadAllAt,
    /// Exists only in an organisation (administrators, their settings and members): a policy
    /// for one account neither reads nor declares it.
    pub org_only: bool,
    /// The changes of its Security Hub instances that AWS refuses, or that end central
    /// configuration and delete its policies and associations, while the organisation uses it:
    /// refused at plan time unless the plan switches back to local configuration first.
    pub ends_central: &'static [Action],
}

const BASE: KindInfo = KindInfo {
    name: "",
    keyed: false,
    rank: 0,
    destructive: false,
    weakens_on_delete: false,
    needs_hub: false,
    held_by_admin: false,
    across_accounts: false,
    held_by_management: false,
    service: ServiceOf::Fixed(Service::SecurityHub),
    read: &[],
    write: &[],
    documents: &[],
    adds_only: false,
    creates: "",
    read_all: ReadAllAt::Everywhere,
    org_only: false,
    ends_central: &[],
};
/// Organizations' service control policies, held by the management account.
const ORGANIZATIONS: KindInfo = KindInfo {
    service: ServiceOf::Fixed(Service::Organizations),
    ..BASE
};
/// Security Hub kinds that live inside the hub.
const IN_HUB: KindInfo = KindInfo {
    needs_hub: true,
    ..BASE
};

macro_rules! kinds {
    ($( $variant:ident($value:ty) = $info:expr; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind { $( $variant, )* }

        const INFO: &[KindInfo] = &[ $( $info, )* ];

        impl Kind {
            pub const ALL: &'static [Kind] = &[ $( Kind::$variant, )* ];
        }

        /// A resource's value; its kind is the variant.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Resource { $( $variant($value), )* }

        impl Resource {
            pub fn kind(&self) -> Kind {
                match self { $( Resource::$variant(_) => Kind::$variant, )* }
            }

            /// Decodes a value whose kind is known from its address.
            pub fn from_json(kind: Kind, value: Value) -> Result<Self, serde_json::Error> {
                let value = whole_numbers(value);
                Ok(match kind { $( Kind::$variant => Resource::$variant(serde_json::from_value(value)?), )* })
            }

            /// Whether changing `before` into this weakens the security posture (its kind's
            /// [`Rules`]); values of two kinds are never one change, and count as weakening.
            pub fn weakens_from(&self, before: &Resource) -> bool {
                match (self, before) {
                    $( (Resource::$variant(a), Resource::$variant(b)) => a.weakens_from(b), )*
                    _ => true,
                }
            }

            /// Whether creating it weakens the security posture (its kind's [`Rules`]).
            pub fn weakens_on_create(&self) -> bool {
                match self { $( Resource::$variant(a) => a.weakens_on_create(), )* }
            }

            /// Whether changing `before` into this is as destructive as a delete (its kind's
            /// [`Rules`]).
            pub fn destroys_from(&self, before: &Resource) -> bool {
                match (self, before) {
                    $( (Resource::$variant(a), Resource::$variant(b)) => a.destroys_from(b), )*
                    _ => true,
                }
            }
        }
    };
}

// The `read` and `write` columns are the actions of the calls in the kind's module under
// `provider/aws/` (the emulator refuses any other call when the end-to-end tests enforce the
// policies `shubctl iam` prints). Rows are laid out one column group a line.
kinds! {
    DelegatedAdmin(DelegatedAdminValue) = KindInfo { org_only: true, ends_central: &[Action::Update, Action::Delete], read_all: ReadAllAt::InManagement, name: "delegated-admin", keyed: true, rank: 0, destructive: true, weakens_on_delete: true, held_by_management: true, service: ServiceOf::Id,
        read: &["securityhub:ListOrganizationAdminAccounts", "guardduty:ListOrganizationAdminAccounts", "inspector2:ListDelegatedAdminAccounts", "macie2:ListOrganizationAdminAccounts",
                "organizations:DescribeOrganization", "organizations:ListDelegatedAdministrators"],
        write: &["securityhub:EnableOrganizationAdminAccount", "securityhub:DisableOrganizationAdminAccount", "guardduty:EnableOrganizationAdminAccount", "guardduty:DisableOrganizationAdminAccount",
                 "inspector2:EnableDelegatedAdminAccount", "inspector2:DisableDelegatedAdminAccount", "macie2:EnableOrganizationAdminAccount", "macie2:DisableOrganizationAdminAccount",
                 "organizations:EnableAWSServiceAccess", "organizations:ListAWSServiceAccessForOrganization", "organizations:RegisterDelegatedAdministrator",
                 "organizations:DeregisterDelegatedAdministrator", "organizations:DescribeAccount@guardduty@inspector2@macie2", "organizations:DescribeOrganizationalUnit@guardduty@inspector2@macie2", "organizations:ListAccounts@guardduty@inspector2@macie2"],
        ..BASE };
    OrgConfig(OrgConfigValue) = KindInfo { org_only: true, read_all: ReadAllAt::InAdmin, name: "org-config", keyed: true, rank: 2, held_by_admin: true, service: ServiceOf::Id,
        read: &["securityhub:DescribeOrganizationConfiguration", "guardduty:ListDetectors", "guardduty:DescribeOrganizationConfiguration", "inspector2:DescribeOrganizationConfiguration",
                "macie2:GetMacieSession", "macie2:DescribeOrganizationConfiguration"],
        write: &["securityhub:UpdateOrganizationConfiguration", "guardduty:CreateDetector", "guardduty:UpdateOrganizationConfiguration", "inspector2:UpdateOrganizationConfiguration",
                 "macie2:EnableMacie", "macie2:UpdateOrganizationConfiguration"],
        ..BASE };
    Hub(HubValue) = KindInfo { name: "hub", rank: 1, destructive: true, weakens_on_delete: true,
        read: &["securityhub:DescribeHub"],
        write: &["securityhub:EnableSecurityHub", "securityhub:UpdateSecurityHubConfiguration", "securityhub:DisableSecurityHub", "iam:CreateServiceLinkedRole"],
        ..BASE };
    Member(Empty) = KindInfo { org_only: true, read_all: ReadAllAt::InAdmin, name: "member", keyed: true, rank: 3, destructive: true, weakens_on_delete: true, held_by_admin: true,
        read: &["securityhub:ListMembers"],
        write: &["securityhub:CreateMembers", "securityhub:DisassociateMembers", "securityhub:DeleteMembers"],
        ..BASE };
    Standard(Empty) = KindInfo { name: "standard", keyed: true, rank: 4, destructive: true, weakens_on_delete: true,
        read: &["securityhub:GetEnabledStandards"],
        write: &["securityhub:BatchEnableStandards", "securityhub:BatchDisableStandards"],
        ..IN_HUB };
    Control(ControlValue) = KindInfo { name: "control", keyed: true, rank: 5, weakens_on_delete: true,
        read: &["securityhub:GetEnabledStandards", "securityhub:BatchGetStandardsControlAssociations", "securityhub:DescribeStandardsControls",
               "securityhub:ListSecurityControlDefinitions"],
        write: &["securityhub:BatchUpdateStandardsControlAssociations", "securityhub:UpdateStandardsControl"],
        ..IN_HUB };
    ControlParameters(ControlParametersValue) = KindInfo { name: "control-parameters", keyed: true, rank: 6,
        read: &["securityhub:GetEnabledStandards", "securityhub:BatchGetSecurityControls", "securityhub:DescribeStandardsControls"],
        write: &["securityhub:UpdateSecurityControl", "securityhub:UpdateStandardsControl"],
        ..IN_HUB };
    Aggregator(AggregatorValue) = KindInfo { ends_central: &[Action::Delete], read_all: ReadAllAt::InAdmin, name: "aggregator", rank: 7, destructive: true, weakens_on_delete: true, held_by_admin: true,
        read: &["securityhub:ListFindingAggregators", "securityhub:GetFindingAggregator"],
        write: &["securityhub:CreateFindingAggregator", "securityhub:UpdateFindingAggregator", "securityhub:DeleteFindingAggregator"],
        ..IN_HUB };
    Insight(InsightValue) = KindInfo { read_all: ReadAllAt::InAdmin, name: "insight", keyed: true, rank: 8, held_by_admin: true,
        read: &["securityhub:GetInsights"],
        write: &["securityhub:CreateInsight", "securityhub:UpdateInsight", "securityhub:DeleteInsight"],
        ..IN_HUB };
    ActionTarget(ActionTargetValue) = KindInfo { read_all: ReadAllAt::InAdmin, name: "action-target", keyed: true, rank: 8, held_by_admin: true,
        read: &["securityhub:DescribeActionTargets"],
        write: &["securityhub:CreateActionTarget", "securityhub:UpdateActionTarget", "securityhub:DeleteActionTarget"],
        ..IN_HUB };
    AutomationRule(AutomationRuleValue) = KindInfo { read_all: ReadAllAt::InAdmin, name: "automation-rule", keyed: true, rank: 8, held_by_admin: true,
        read: &["securityhub:ListAutomationRules", "securityhub:BatchGetAutomationRules"],
        write: &["securityhub:CreateAutomationRule", "securityhub:BatchUpdateAutomationRules", "securityhub:BatchDeleteAutomationRules"],
        ..IN_HUB };
    ConfigPolicy(ConfigPolicyValue) = KindInfo { read_all: ReadAllAt::Not("configuration policies are compiled from a policy's `organization.configuration: central`; export writes every account's effective set-up as a local policy, which that setting turns back into configuration policies"), name: "config-policy", keyed: true, rank: 9, destructive: true, weakens_on_delete: true, held_by_admin: true,
        read: &["securityhub:ListConfigurationPolicies", "securityhub:GetConfigurationPolicy"],
        write: &["securityhub:CreateConfigurationPolicy", "securityhub:UpdateConfigurationPolicy", "securityhub:DeleteConfigurationPolicy"],
        ..IN_HUB };
    PolicyAssociation(PolicyAssociationValue) = KindInfo { read_all: ReadAllAt::Not("configuration policy associations are compiled from a policy's `organization.configuration: central` with the configuration policies"), name: "policy-association", keyed: true, rank: 10, destructive: true, weakens_on_delete: true, held_by_admin: true,
        read: &["securityhub:ListConfigurationPolicyAssociations", "securityhub:GetConfigurationPolicyAssociation"],
        write: &["securityhub:StartConfigurationPolicyAssociation", "securityhub:StartConfigurationPolicyDisassociation"],
        ..IN_HUB };
    Product(Empty) = KindInfo { name: "product", keyed: true, rank: 11, destructive: true, weakens_on_delete: true,
        read: &["securityhub:ListEnabledProductsForImport"],
        write: &["securityhub:DescribeProducts", "securityhub:EnableImportFindingsForProduct", "securityhub:DisableImportFindingsForProduct"],
        ..IN_HUB };
    GuardDuty(GuardDutyValue) = KindInfo { name: "guardduty", rank: 11, destructive: true, weakens_on_delete: true, service: ServiceOf::Fixed(Service::GuardDuty),
        read: &["guardduty:ListDetectors", "guardduty:GetDetector"],
        write: &["guardduty:CreateDetector", "guardduty:UpdateDetector", "guardduty:DeleteDetector", "iam:CreateServiceLinkedRole"],
        ..BASE };
    Inspector(InspectorValue) = KindInfo { name: "inspector", rank: 11, destructive: true, weakens_on_delete: true, across_accounts: true, service: ServiceOf::Fixed(Service::Inspector),
        read: &["inspector2:BatchGetAccountStatus"],
        write: &["inspector2:Enable", "inspector2:Disable", "iam:CreateServiceLinkedRole"],
        ..BASE };
    InspectorMember(Empty) = KindInfo { org_only: true, read_all: ReadAllAt::InAdmin, name: "inspector-member", keyed: true, rank: 10, held_by_admin: true, adds_only: true, service: ServiceOf::Fixed(Service::Inspector),
        creates: "not associated with the Inspector administrator, which enables scanning only for associated accounts",
        read: &["inspector2:ListMembers", "inspector2:GetDelegatedAdminAccount"],
        write: &["inspector2:AssociateMember"],
        ..BASE };
    GuardDutyMember(GuardDutyMemberValue) = KindInfo { read_all: ReadAllAt::InAdmin, org_only: true, name: "guardduty-member", keyed: true, rank: 12, held_by_admin: true, adds_only: true, service: ServiceOf::Fixed(Service::GuardDuty),
        creates: "not an enabled member of the GuardDuty administrator: CreateMembers enables GuardDuty in an organisation account and lets the administrator manage it (auto-enable reaches only accounts that join later, unless it is ALL)",
        read: &["guardduty:ListDetectors", "guardduty:ListMembers", "guardduty:GetMemberDetectors"],
        write: &["guardduty:CreateMembers", "guardduty:UpdateMemberDetectors"],
        ..BASE };
    Macie(MacieValue) = KindInfo { name: "macie", rank: 11, destructive: true, weakens_on_delete: true, service: ServiceOf::Fixed(Service::Macie),
        read: &["macie2:GetMacieSession"],
        write: &["macie2:EnableMacie", "macie2:UpdateMacieSession", "macie2:DisableMacie", "iam:CreateServiceLinkedRole"],
        ..BASE };
    MacieMember(MacieMemberValue) = KindInfo { read_all: ReadAllAt::InAdmin, org_only: true, name: "macie-member", keyed: true, rank: 12, held_by_admin: true, adds_only: true, service: ServiceOf::Fixed(Service::Macie),
        creates: "not a member of the Macie administrator: through Organizations, enabling Macie for an existing account and adding it as a member are the administrator's (CreateMember); auto-enable reaches only accounts that join later",
        read: &["macie2:ListMembers"],
        write: &["macie2:CreateMember", "macie2:UpdateMemberSession"],
        ..BASE };
    Analyzer(AnalyzerValue) = KindInfo { name: "analyzer", keyed: true, rank: 11, destructive: true, weakens_on_delete: true, service: ServiceOf::Fixed(Service::AccessAnalyzer),
        read: &["access-analyzer:ListAnalyzers", "access-analyzer:GetAnalyzer", "access-analyzer:ListArchiveRules"],
        write: &["access-analyzer:CreateAnalyzer", "access-analyzer:UpdateAnalyzer", "access-analyzer:DeleteAnalyzer", "access-analyzer:CreateArchiveRule",
                 "access-analyzer:UpdateArchiveRule", "access-analyzer:DeleteArchiveRule", "iam:CreateServiceLinkedRole"],
        ..BASE };
    Route(RouteValue) = KindInfo { read_all: ReadAllAt::Not("routes send findings to targets (Lambda functions, queues, topics) owned by other teams and pipelines: write the `routes` section by hand"), name: "route", keyed: true, rank: 12, weakens_on_delete: true, service: ServiceOf::Fixed(Service::EventBridge), documents: &["event_pattern"],
        read: &["events:ListRules", "events:ListTargetsByRule", "lambda:GetPolicy"],
        write: &["events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:DeleteRule", "lambda:AddPermission", "lambda:RemovePermission", "iam:PassRole"],
        ..BASE };
    ScpPolicyType(Empty) = KindInfo { read_all: ReadAllAt::Not(GUARDRAILS_NOT_EXPORTED), name: "scp-policy-type", rank: 13, destructive: true, weakens_on_delete: true, held_by_management: true,
        read: &["organizations:ListRoots", "organizations:ListPolicies", "organizations:DescribePolicy", "organizations:ListTargetsForPolicy"],
        write: &["organizations:EnablePolicyType", "organizations:DisablePolicyType"],
        ..ORGANIZATIONS };
    Scp(ScpValue) = KindInfo { read_all: ReadAllAt::Not(GUARDRAILS_NOT_EXPORTED), name: "scp", keyed: true, rank: 14, destructive: true, weakens_on_delete: true, held_by_management: true, documents: &["content"],
        creates: "missing: declared by the policy. It denies these calls to every principal of the accounts it is attached above, except the exempt roles; SCPs never restrict the management account, so it cannot stop the management account from changing a delegated administrator (`shubctl plan` shows that as drift on `delegated-admin/<service>`)",
        read: &["organizations:ListRoots", "organizations:ListPolicies", "organizations:DescribePolicy", "organizations:ListTargetsForPolicy"],
        write: &["organizations:CreatePolicy", "organizations:UpdatePolicy", "organizations:DeletePolicy"],
        ..ORGANIZATIONS };
    ScpAttachment(Empty) = KindInfo { read_all: ReadAllAt::Not(GUARDRAILS_NOT_EXPORTED), name: "scp-attachment", keyed: true, rank: 15, destructive: true, weakens_on_delete: true, held_by_management: true,
        read: &["organizations:ListRoots", "organizations:ListPolicies", "organizations:DescribePolicy", "organizations:ListTargetsForPolicy"],
        write: &["organizations:AttachPolicy", "organizations:DetachPolicy"],
        ..ORGANIZATIONS };
}

impl Kind {
    pub fn info(self) -> &'static KindInfo {
        &INFO[self as usize]
    }
    pub fn as_str(self) -> &'static str {
        self.info().name
    }
    pub fn is_keyed(self) -> bool {
        self.info().keyed
    }
    pub fn rank(self) -> u8 {
        self.info().rank
    }
    pub fn delete_is_destructive(self) -> bool {
        self.info().destructive
    }
    pub fn delete_weakens_posture(self) -> bool {
        self.info().weakens_on_delete
    }
    pub fn needs_hub(self) -> bool {
        self.info().needs_hub
    }
    pub fn held_by_admin(self) -> bool {
        self.info().held_by_admin
    }
    pub fn batches_across_accounts(self) -> bool {
        self.info().across_accounts
    }
    pub fn held_by_management(self) -> bool {
        self.info().held_by_management
    }
    pub fn adds_only(self) -> bool {
        self.info().adds_only
    }
    pub fn org_only(self) -> bool {
        self.info().org_only
    }
    /// Whether this change is one AWS refuses, or one that ends Security Hub central
    /// configuration, while the organisation uses it (see [`KindInfo::ends_central`]).
    pub fn ends_central(self, action: Action, id: Option<&str>) -> bool {
        self.info().ends_central.contains(&action) && self.service(id) == Some(Service::SecurityHub)
    }
    /// Where `export` and `report` read it, or why not.
    pub fn read_all(self) -> ReadAllAt {
        self.info().read_all
    }
    /// The service a kind belongs to; for kinds keyed by service, the one `id` names.
    pub fn service(self, id: Option<&str>) -> Option<Service> {
        match self.info().service {
            ServiceOf::Fixed(s) => Some(s),
            ServiceOf::Id => id.and_then(|i| i.parse().ok()),
        }
    }
    /// Whether `field` holds a JSON document (see [`KindInfo::documents`]).
    pub fn is_document(self, field: &str) -> bool {
        self.info().documents.contains(&field)
    }
    pub fn keyed_by_service(self) -> bool {
        self.info().service == ServiceOf::Id
    }
    /// The kinds a deletion of the hub takes with it.
    pub fn inside_hub() -> impl Iterator<Item = Kind> {
        Kind::ALL.iter().copied().filter(|k| k.needs_hub())
    }
    /// Kinds whose deletion `--allow-destroy` allows, for help text and messages.
    pub fn destructive_names() -> Vec<&'static str> {
        Kind::ALL
            .iter()
            .filter(|k| k.delete_is_destructive())
            .map(|k| k.as_str())
            .collect()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown kind `{s}`"))
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A set of kinds, e.g. the kinds a policy declares (and so the only ones read).
pub type KindSet = std::collections::BTreeSet<Kind>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), *k);
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }

    #[test]
    fn the_table_is_in_declaration_order() {
        assert_eq!(INFO.len(), Kind::ALL.len());
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i);
            assert!(!k.as_str().is_empty());
        }
    }

    #[test]
    fn admin_before_hub_before_standards_before_controls() {
        assert!(Kind::DelegatedAdmin.rank() < Kind::Hub.rank());
        assert!(Kind::Hub.rank() < Kind::Standard.rank());
        assert!(Kind::Standard.rank() < Kind::Control.rank());
        assert!(Kind::Hub.rank() < Kind::Aggregator.rank());
        // Inspector's administrator is designated and configured, then associates the
        // accounts, then enables scanning for them.
        assert!(Kind::OrgConfig.rank() < Kind::InspectorMember.rank());
        assert!(Kind::InspectorMember.rank() < Kind::Inspector.rank());
        assert!(Kind::InspectorMember.held_by_admin() && Kind::InspectorMember.adds_only());
        // Everything inside the hub is created after it and deleted before it.
        for k in Kind::inside_hub() {
            assert!(k.rank() > Kind::Hub.rank(), "{k}");
        }
    }

    #[test]
    fn guardrails_come_after_the_set_up_they_protect() {
        // The SCP is created after Security Hub and the integrations are in place, its type is
        // enabled before it, and it is attached last (detached first).
        for k in Kind::ALL
            .iter()
            .filter(|k| k.service(None) != Some(Service::Organizations))
        {
            if *k != Kind::Route {
                assert!(k.rank() < Kind::ScpPolicyType.rank(), "{k}");
            }
        }
        assert!(Kind::ScpPolicyType.rank() < Kind::Scp.rank());
        assert!(Kind::Scp.rank() < Kind::ScpAttachment.rank());
        for k in Kind::ALL {
            for d in k.info().documents {
                assert!(!d.is_empty());
            }
        }
    }

    #[test]
    fn every_kind_says_where_export_reads_it_or_why_not() {
        for k in Kind::ALL {
            if let ReadAllAt::Not(why) = k.read_all() {
                assert!(why.len() > 40, "{k}: say why it is not exported");
            }
        }
        // Designations are read where they are made; what the administrator holds, there.
        assert_eq!(Kind::DelegatedAdmin.read_all(), ReadAllAt::InManagement);
        for k in Kind::ALL.iter().filter(|k| k.held_by_admin()) {
            assert!(
                matches!(k.read_all(), ReadAllAt::InAdmin | ReadAllAt::Not(_)),
                "{k}"
            );
        }
    }

    #[test]
    fn destructive_deletes_weaken_posture() {
        for k in Kind::ALL {
            if k.delete_is_destructive() {
                assert!(k.delete_weakens_posture(), "{k}");
            }
        }
    }

    #[test]
    fn services_resolve() {
        assert_eq!(Kind::Hub.service(None), Some(Service::SecurityHub));
        assert_eq!(
            Kind::DelegatedAdmin.service(Some("macie")),
            Some(Service::Macie)
        );
        assert_eq!(Kind::OrgConfig.service(Some("nope")), None);
        for s in Service::ALL {
            if let Some(k) = s.account_kind() {
                assert_eq!(k.service(None), Some(s));
            }
        }
    }
}
