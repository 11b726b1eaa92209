//! The organisation as Organizations describes it: accounts (with their status and the root or
//! OU they sit in), OUs, and the regions enabled for its accounts. Account selectors (`all`, OUs,
//! exclusions) and `regions: { include: all }` expand against it.

use serde::{Deserialize, Deserializer, Serialize};

use super::address::{AccountId, is_region_syntax};

/// The role Organizations creates in the accounts it makes, so the usual way in.
pub const ORGANIZATION_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

/// Organizations is global, served from this region: what it holds (service control
/// policies) is addressed as the management account's resources there.
pub const ORGANIZATIONS_REGION: &str = "us-east-1";

/// Account status as Organizations reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountStatus {
    Active,
    Suspended,
    PendingClosure,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountInfo {
    pub id: AccountId,
    #[serde(default)]
    pub name: String,
    pub status: AccountStatus,
    /// The root (`r-…`) or OU (`ou-…`) the account sits in.
    pub parent: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OuInfo {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub parent: String,
}

/// The organisation as Organizations describes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account: Option<AccountId>,
    #[serde(default)]
    pub accounts: Vec<AccountInfo>,
    #[serde(default)]
    pub ous: Vec<OuInfo>,
    /// Regions enabled for the organisation's accounts; what `regions: { include: all }` means.
    /// Each is a region name (`us-east-1`): checked as it is read, since a bad one would be
    /// planned into addresses no snapshot can hold.
    #[serde(default, deserialize_with = "region_names")]
    pub enabled_regions: Vec<String>,
}

/// Refuses what is not a region name (`useast1`, ``, `eu-west-1/x`).
pub fn check_region(r: &str) -> Result<(), String> {
    if is_region_syntax(r) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a region name (like `us-east-1`)",
            r.escape_debug()
        ))
    }
}

/// A list of region names, each checked as it is read (so the error points at it).
fn region_names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Region(String);
    impl<'de> Deserialize<'de> for Region {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let r = String::deserialize(d)?;
            check_region(&r).map_err(serde::de::Error::custom)?;
            Ok(Region(r))
        }
    }
    Ok(Vec::<Region>::deserialize(d)?
        .into_iter()
        .map(|Region(r)| r)
        .collect())
}

impl OrgInfo {
    pub fn account(&self, id: &AccountId) -> Option<&AccountInfo> {
        self.accounts.iter().find(|a| &a.id == id)
    }

    /// Whether `node` (an account's parent or an OU) is `ancestor` or lies beneath it.
    pub fn is_under(&self, node: &str, ancestor: &str) -> bool {
        let mut cur = node.to_string();
        // Bounded walk: a malformed snapshot with a cycle must not hang us.
        for _ in 0..=self.ous.len() + 1 {
            if cur == ancestor {
                return true;
            }
            match self.ous.iter().find(|o| o.id == cur) {
                Some(ou) => cur = ou.parent.clone(),
                None => return false,
            }
        }
        false
    }

    /// The roots (`r-…`): the parents that are not OUs.
    pub fn roots(&self) -> Vec<&str> {
        let mut roots: Vec<&str> = self
            .accounts
            .iter()
            .map(|a| a.parent.as_str())
            .chain(self.ous.iter().map(|o| o.parent.as_str()))
            .filter(|p| p.starts_with("r-"))
            .collect();
        roots.sort();
        roots.dedup();
        roots
    }

    /// The OUs and accounts directly beneath a root or OU.
    pub fn children(&self, parent: &str) -> Vec<&str> {
        self.ous
            .iter()
            .filter(|o| o.parent == parent)
            .map(|o| o.id.as_str())
            .chain(
                self.accounts
                    .iter()
                    .filter(|a| a.parent == parent)
                    .map(|a| a.id.as_str()),
            )
            .collect()
    }

    pub fn knows_parent(&self, id: &str) -> bool {
        self.ous.iter().any(|o| o.id == id)
            || self.ous.iter().any(|o| o.parent == id)
            || self.accounts.iter().any(|a| a.parent == id)
    }
}
