//! State: the sorted map from address to value that both desired and current state share,
//! and what is known of the organisation (used to expand account selectors).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::address::{AccountId, Address};
use super::resource::Resource;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub resources: BTreeMap<Address, Resource>,
}

impl State {
    pub fn insert(&mut self, address: Address, value: Resource) {
        debug_assert_eq!(address.kind, value.kind());
        self.resources.insert(address, value);
    }
    pub fn get(&self, address: &Address) -> Option<&Resource> {
        self.resources.get(address)
    }
    pub fn len(&self) -> usize {
        self.resources.len()
    }
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// SHA-256 over the canonical JSON of every address and value, in address order. A saved
    /// plan carries the fingerprint of the state it was computed from.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for (addr, value) in &self.resources {
            h.update(addr.to_string().as_bytes());
            h.update([0u8]);
            h.update(serde_json::to_vec(value).expect("serialisable"));
            h.update([0u8]);
        }
        format!("sha256:{:x}", h.finalize())
    }
}

/// The role Organizations creates in the accounts it makes, so the usual way in.
pub const ORGANIZATION_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

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
    #[serde(default)]
    pub enabled_regions: Vec<String>,
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

    pub fn knows_parent(&self, id: &str) -> bool {
        self.ous.iter().any(|o| o.id == id)
            || self.ous.iter().any(|o| o.parent == id)
            || self.accounts.iter().any(|a| a.parent == id)
    }
}
