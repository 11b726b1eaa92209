//! `organization:` — an AWS organisation: the management and administrator accounts, the role
//! that reaches member accounts, which accounts are in scope, and Security Hub's organisation
//! settings (delegated administrator, auto-enable, members).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{AllOr, Member, account_id, member};
use crate::model::wire::ConfigurationType;
use crate::model::organization::{AccountStatus, ORGANIZATION_ACCESS_ROLE};
use crate::model::resource::{
    ConfigPolicyValue, DelegatedAdminValue, Empty, OrgConfigValue, PolicyAssociationValue,
};
use crate::model::{AccountId, Kind, OrgInfo, Resource, Service};
use crate::spec::central;
use crate::spec::central::compile::{Compiled, MAX_POLICIES};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics, Pos};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The management account: where the delegated administrator is designated.
    pub management_account: String,
    /// The Security Hub administrator (usually the audit account). It also administers the
    /// integrated services.
    pub delegated_admin: String,
    /// IAM role assumed in each member account.
    #[serde(default = "default_role")]
    pub role: String,
    /// External ID passed when assuming `role`, if the role's trust policy requires one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Which accounts are in scope. Suspended and closed accounts are always skipped.
    #[serde(default)]
    pub accounts: AccountScope,
    /// Enable Security Hub automatically in accounts that join the organisation. Default: on
    /// with `configuration: local`; off (and nothing else allowed) with `central`, where new
    /// accounts get the configuration policy they inherit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_enable: Option<bool>,
    /// Whether newly enabled member accounts get AWS's default standards.
    #[serde(default)]
    pub auto_enable_standards: AutoEnableStandards,
    /// Make every account in scope a Security Hub member of the administrator, and remove
    /// members that are out of scope.
    #[serde(default = "default_true")]
    pub manage_members: bool,
    /// `local` (the default): each account is configured in each region, one by one.
    /// `central`: the delegated administrator's configuration policies, written in the home
    /// region, configure every account in every linked region. Written out, `local` also
    /// switches an organisation found on central configuration back (its configuration
    /// policies and associations deleted: destructive, needs `--allow-destroy`); left out, such
    /// an organisation is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Configuration>,
    /// With `configuration: central`: account IDs and OU IDs that stay under local
    /// configuration and are reconciled account by account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub self_managed: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Configuration {
    #[default]
    Local,
    Central,
}

fn default_role() -> String {
    ORGANIZATION_ACCESS_ROLE.into()
}
fn default_true() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutoEnableStandards {
    #[default]
    None,
    Default,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[derive(Default)]
pub struct AccountScope {
    /// `all`, or a list of account IDs and OU IDs (`ou-…`, accounts beneath them included).
    #[serde(default)]
    pub include: AllOr,
    /// Account IDs or OU IDs to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
}

pub const KINDS: &[Kind] = &[Kind::DelegatedAdmin, Kind::OrgConfig, Kind::Member];

/// An entry of the account selection, with where it was written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub member: Member,
    pub text: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Checked {
    pub management: AccountId,
    pub admin: AccountId,
    pub role: String,
    pub external_id: Option<String>,
    /// None: every account.
    pub include: Option<Vec<Entry>>,
    pub exclude: Vec<Entry>,
    pub auto_enable: bool,
    /// `NONE` or `DEFAULT`, as AWS names it.
    pub auto_enable_standards: &'static str,
    pub manage_members: bool,
    /// `configuration: central`.
    pub central: bool,
    /// `configuration: local` written out: an organisation found on central configuration is
    /// switched back (configuration policies and associations deleted, then LOCAL).
    pub leave_central: bool,
    /// Accounts and OUs kept under local configuration (central only).
    pub self_managed: Vec<Entry>,
    pos: Pos,
    management_pos: Pos,
    admin_pos: Pos,
    configuration_pos: Pos,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let o = c.organization.as_ref()?;
    let org = &o.value;
    let management = account_id(&org.management_account, &c.pos(o, "/management_account"), d);
    let admin = account_id(&org.delegated_admin, &c.pos(o, "/delegated_admin"), d);
    let central = org.configuration == Some(Configuration::Central);
    // Under central configuration it is an error, reported with the other central checks.
    if management.is_some() && management == admin && !central {
        d.warning(
            &c.pos(o, "/delegated_admin"),
            Code::AdminIsManagement,
            "the delegated administrator is the management account; AWS recommends a dedicated audit account",
        );
    }
    if org.role.is_empty()
        || !org
            .role
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "+=,.@_-/".contains(ch))
    {
        d.error(
            &c.pos(o, "/role"),
            Code::BadRoleName,
            format!("`{}` is not an IAM role name", org.role),
        );
    }
    let entries = |list: &[String], base: &str, d: &mut Diagnostics| -> Vec<Entry> {
        list.iter()
            .enumerate()
            .filter_map(|(i, x)| {
                let pos = c.pos(o, &format!("{base}/{i}"));
                member(x, &pos, d).map(|m| Entry {
                    member: m,
                    text: x.clone(),
                    pos,
                })
            })
            .collect()
    };
    let include = match &org.accounts.include {
        AllOr::All(_) => None,
        AllOr::List(ids) => {
            if ids.is_empty() {
                d.error(
                    &c.pos(o, "/accounts/include"),
                    Code::EmptyAccountList,
                    "the account list is empty; use `all` or name accounts / OUs",
                );
            }
            Some(entries(ids, "/accounts/include", d))
        }
    };
    let exclude = entries(&org.accounts.exclude, "/accounts/exclude", d);
    let self_managed = entries(&org.self_managed, "/self_managed", d);
    if central {
        central::check(c, o, management.is_some() && management == admin, d);
    } else if !org.self_managed.is_empty() {
        d.error(
            &c.pos(o, "/self_managed"),
            Code::SelfManagedWithoutCentral,
            "`self_managed` only means something with `configuration: central`; under local configuration every account is managed account by account already",
        );
    }
    for (i, id) in org.accounts.exclude.iter().enumerate() {
        if id == &org.delegated_admin {
            d.error(
                &c.pos(o, &format!("/accounts/exclude/{i}")),
                Code::AdminExcluded,
                "the delegated administrator cannot be excluded: it holds the organisation's configuration",
            );
        }
    }
    Some(Checked {
        management: management?,
        admin: admin?,
        role: org.role.clone(),
        external_id: org.external_id.clone(),
        include,
        exclude,
        auto_enable: org.auto_enable.unwrap_or(!central),
        auto_enable_standards: match org.auto_enable_standards {
            AutoEnableStandards::None => "NONE",
            AutoEnableStandards::Default => "DEFAULT",
        },
        manage_members: org.manage_members,
        central,
        leave_central: org.configuration == Some(Configuration::Local),
        self_managed,
        pos: c.pos(o, ""),
        management_pos: c.pos(o, "/management_account"),
        admin_pos: c.pos(o, "/delegated_admin"),
        configuration_pos: c.pos(o, "/configuration"),
    })
}

/// Whether an account is named in a list of accounts, OUs and roots.
fn in_list(org: &OrgInfo, list: &[Entry], id: &AccountId, parent: Option<&str>) -> bool {
    list.iter().any(|e| match &e.member {
        Member::Account(a) => a == id,
        Member::Unit(u) => parent.is_some_and(|p| org.is_under(p, u)),
    })
}

impl Checked {
    /// Reports a compiled central configuration AWS would not take.
    pub fn check_compiled(&self, compiled: &Compiled, d: &mut Diagnostics) {
        if compiled.policies.len() > MAX_POLICIES {
            d.error(
                &self.configuration_pos,
                Code::TooManyConfigurations,
                format!(
                    "the accounts in scope have {} different configurations, and AWS allows {MAX_POLICIES} configuration policies; make standards, exceptions and parameters differ in fewer ways, or keep some accounts local with `self_managed`",
                    compiled.policies.len()
                ),
            );
        }
    }

    /// Reports regions the policy manages (with `include: all`) that the aggregator does not
    /// link: configuration policies do not apply there.
    pub fn check_unlinked(&self, unlinked: &[String], d: &mut Diagnostics) {
        if unlinked.is_empty() {
            return;
        }
        d.error(
            &self.configuration_pos,
            Code::CentralRegionDependent,
            format!(
                "configuration policies apply only in the home region and the regions linked to it, and the organisation's enabled regions {} are not linked by the `aggregator`; link them there, or exclude them from `regions`",
                unlinked.join(", ")
            ),
        );
    }

    /// Whether `self_managed` names the account or an OU or root above it.
    pub fn is_self_managed(&self, org: &OrgInfo, id: &AccountId) -> bool {
        let parent = org.account(id).map(|a| a.parent.as_str());
        in_list(org, &self.self_managed, id, parent)
    }

    /// The accounts in scope (sorted), reporting selections the organisation does not match
    /// and skipping suspended and closed accounts into `skipped`.
    pub fn accounts(
        &self,
        org: &OrgInfo,
        skipped: &mut Vec<(AccountId, String)>,
        d: &mut Diagnostics,
    ) -> Vec<AccountId> {
        if org.accounts.is_empty() {
            d.error(
                &self.pos,
                Code::NoOrganizationAccounts,
                "the state source reports no organisation accounts, so the account selection cannot be expanded",
            );
            return vec![];
        }
        if let Some(m) = &org.management_account
            && m != &self.management
        {
            d.error(
                &self.management_pos,
                Code::ManagementMismatch,
                format!(
                    "the organisation's management account is {m}, not {}",
                    self.management
                ),
            );
        }
        for (id, pos) in [
            (&self.admin, &self.admin_pos),
            (&self.management, &self.management_pos),
        ] {
            if org.account(id).is_none() {
                d.error(
                    pos,
                    Code::NotInOrganization,
                    format!("account {id} is not in the organisation"),
                );
            }
        }
        let known = |e: &Entry| match &e.member {
            Member::Unit(u) => org.knows_parent(u),
            Member::Account(a) => org.account(a).is_some(),
        };
        for e in self
            .include
            .iter()
            .flatten()
            .chain(&self.self_managed)
            .filter(|e| !known(e))
        {
            d.error(
                &e.pos,
                Code::NotInOrganization,
                format!("`{}` is not in the organisation", e.text),
            );
        }
        // Excluding an account that has left is harmless; say so, don't fail.
        for e in self.exclude.iter().filter(|e| !known(e)) {
            d.warning(
                &e.pos,
                Code::NotInOrganization,
                format!(
                    "`{}` is not in the organisation; excluding it has no effect",
                    e.text
                ),
            );
        }
        let mut accounts = Vec::new();
        for a in &org.accounts {
            let parent = Some(a.parent.as_str());
            let included = match &self.include {
                None => true,
                Some(l) => in_list(org, l, &a.id, parent),
            };
            if !included || in_list(org, &self.exclude, &a.id, parent) {
                continue;
            }
            if a.status != AccountStatus::Active {
                let status = serde_json::to_value(a.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                skipped.push((a.id.clone(), status));
                continue;
            }
            accounts.push(a.id.clone());
        }
        accounts.sort();
        accounts
    }
}

impl Section for Checked {
    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        let (mgmt, admin) = (&self.management, &self.admin);
        if let Some(compiled) = &x.compiled {
            // Configuration policies and associations live in the administrator's home region.
            let home = out.at(admin, x.home);
            home.read(Kind::ConfigPolicy);
            home.read(Kind::PolicyAssociation);
            for (name, c) in &compiled.policies {
                home.want(
                    Kind::ConfigPolicy,
                    Some(name.clone()),
                    Resource::ConfigPolicy(ConfigPolicyValue {
                        description: c.description(),
                        service_enabled: c.service_enabled,
                        standards: c.standards.iter().cloned().collect(),
                        disabled_controls: c.disabled.keys().cloned().collect(),
                        parameters: c.parameters.clone(),
                    }),
                );
            }
            for (target, label) in &compiled.associations {
                home.want(
                    Kind::PolicyAssociation,
                    Some(target.clone()),
                    Resource::PolicyAssociation(PolicyAssociationValue {
                        policy: label.id().to_string(),
                        status: crate::model::wire::AssociationStatus::Success,
                        reason: None,
                    }),
                );
            }
        }
        if self.leave_central {
            // Read to be deleted: AWS switches back to LOCAL only once the administrator has
            // no configuration policies or associations left.
            let home = out.at(admin, x.home);
            home.read(Kind::ConfigPolicy);
            home.read(Kind::PolicyAssociation);
        }
        out.manages(Kind::DelegatedAdmin, Service::SecurityHub);
        out.manages(Kind::OrgConfig, Service::SecurityHub);
        for r in &x.regions {
            out.at(mgmt, r).read(Kind::DelegatedAdmin);
            out.at(admin, r).read(Kind::OrgConfig);
            out.at(mgmt, r).want(
                Kind::DelegatedAdmin,
                Some(Service::SecurityHub.id().to_string()),
                Resource::DelegatedAdmin(DelegatedAdminValue {
                    account: admin.clone(),
                }),
            );
            out.at(admin, r).want(
                Kind::OrgConfig,
                Some(Service::SecurityHub.id().to_string()),
                Resource::OrgConfig(OrgConfigValue {
                    auto_enable: Some(self.auto_enable),
                    auto_enable_standards: Some(self.auto_enable_standards.into()),
                    // The switch is made in the home region only; linked regions follow it,
                    // regions not linked stay local. With `local` left out, whichever type AWS
                    // reports is left alone (and CENTRAL refused by the engine).
                    configuration_type: (r == x.home)
                        .then_some(if self.central {
                            Some(ConfigurationType::Central)
                        } else if self.leave_central {
                            Some(ConfigurationType::Local)
                        } else {
                            None
                        })
                        .flatten(),
                    ..Default::default()
                }),
            );
            if self.manage_members {
                out.at(admin, r).read(Kind::Member);
                if x.policy.hub_enabled() {
                    for a in x.accounts.iter().filter(|a| *a != admin) {
                        out.at(admin, r).want(
                            Kind::Member,
                            Some(a.as_str().to_string()),
                            Resource::Member(Empty {}),
                        );
                    }
                }
            }
        }
    }
}
