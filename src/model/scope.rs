//! A scope: one account in one region, the unit that is read, diffed and changed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::address::{AccountId, is_region_syntax};

/// `account/region`. Orders like addresses: by account, then region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope {
    pub account: AccountId,
    pub region: String,
}

impl Scope {
    pub fn new(account: &AccountId, region: &str) -> Self {
        Scope {
            account: account.clone(),
            region: region.to_string(),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.region)
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, r) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not account/region"))?;
        let account = AccountId::parse(a)?;
        if !is_region_syntax(r) {
            return Err(format!("`{r}` is not a region name"));
        }
        Ok(Scope {
            account,
            region: r.to_string(),
        })
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
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
    fn round_trips_and_rejects_garbage() {
        let s: Scope = "012345678901/us-east-1".parse().unwrap();
        assert_eq!(s.to_string(), "012345678901/us-east-1");
        assert!("012345678901".parse::<Scope>().is_err());
        assert!("0123/us-east-1".parse::<Scope>().is_err());
        assert!("012345678901/nowhere".parse::<Scope>().is_err());
        // As a JSON map key, the way saved plans store read scopes.
        let m: std::collections::BTreeMap<Scope, u8> =
            serde_json::from_str(r#"{"111111111111/eu-west-1": 1}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"111111111111/eu-west-1":1}"#
        );
    }
}
