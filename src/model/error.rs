//! Failures reported by a provider, attributed to what they concern. Shared by the provider
//! that raises them, the plan that records unreadable scopes and the apply report.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::address::{AccountId, Address};
use super::scope::Scope;

/// What a failure concerns, from the widest to the narrowest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Reaching AWS at all: configuration, credentials, the caller's identity.
    Aws,
    /// The organisation, as Organizations describes it to this (management) account.
    Organization(AccountId),
    /// An account as a whole, e.g. assuming the role into it.
    Account(AccountId),
    Scope(Scope),
    Address(Address),
}

impl Target {
    /// The account × region the failure lies in, if it lies in one.
    pub fn scope(&self) -> Option<Scope> {
        match self {
            Target::Scope(s) => Some(s.clone()),
            Target::Address(a) => Some(a.scope()),
            _ => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Aws => f.write_str("aws"),
            Target::Organization(a) => write!(f, "{a}/organizations"),
            Target::Account(a) => write!(f, "{a}"),
            Target::Scope(s) => write!(f, "{s}"),
            Target::Address(a) => write!(f, "{a}"),
        }
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "aws" {
            return Ok(Target::Aws);
        }
        if let Some(a) = s.strip_suffix("/organizations") {
            return AccountId::parse(a).map(Target::Organization);
        }
        if let Ok(a) = s.parse::<Address>() {
            return Ok(Target::Address(a));
        }
        if let Ok(sc) = s.parse::<Scope>() {
            return Ok(Target::Scope(sc));
        }
        AccountId::parse(s)
            .map(Target::Account)
            .map_err(|_| format!("`{s}` is not an address, scope or account"))
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A failure reported by a provider, attributed to a target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{target}: {}{message}", code.as_ref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct ProviderError {
    pub target: Target,
    /// The service's error code, when there is one (`AccessDeniedException`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
}

impl ProviderError {
    pub fn new(target: Target, code: Option<&str>, message: impl Into<String>) -> Self {
        ProviderError {
            target,
            code: code.map(str::to_string),
            message: message.into(),
        }
    }

    /// The same failure, attributed to `target` instead.
    pub fn at(&self, target: Target) -> Self {
        ProviderError {
            target,
            code: self.code.clone(),
            message: self.message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_print_and_parse_back() {
        for s in [
            "aws",
            "111111111111/organizations",
            "111111111111",
            "111111111111/us-east-1",
            "111111111111/us-east-1/control/IAM.6@fsbp/1.0.0",
        ] {
            let t: Target = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
        let t: Target = "111111111111/us-east-1/hub".parse().unwrap();
        assert_eq!(t.scope().unwrap().to_string(), "111111111111/us-east-1");
        assert!("nonsense".parse::<Target>().is_err());
    }
}
