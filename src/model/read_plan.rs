//! What to read: for each account × region, the kinds the policy declares there. A saved plan
//! carries it, so `apply --plan` re-reads exactly what the plan was computed from.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::address::{AccountId, Address};
use super::kind::{Kind, KindSet};
use super::scope::Scope;
use super::service::Service;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadPlan {
    pub scopes: BTreeMap<Scope, KindSet>,
    /// For kinds keyed by service (`delegated-admin`, `org-config`): the services the policy
    /// declares. Entries of other services are not the policy's business.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub only: BTreeMap<Kind, BTreeSet<Service>>,
}

impl ReadPlan {
    pub fn add(&mut self, account: &AccountId, region: &str, kind: Kind) {
        self.scopes
            .entry(Scope::new(account, region))
            .or_default()
            .insert(kind);
    }

    pub fn covers(&self, a: &Address) -> bool {
        self.scopes
            .get(&a.scope())
            .is_some_and(|k| k.contains(&a.kind))
            && self.id_covered(a)
    }

    /// Whether the address's id is one the policy manages, for kinds keyed by service.
    pub fn id_covered(&self, a: &Address) -> bool {
        match (self.only.get(&a.kind), &a.id) {
            (Some(services), Some(id)) => services.iter().any(|s| s.id() == id),
            _ => true,
        }
    }
}
