//! Stable, readable addresses: `account/region/kind[/id]`.
//!
//! The address is the key of the state map, so its ordering is the order every plan is rendered
//! in: sorted by account, then region, then kind, then id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::kind::Kind;
use super::scope::Scope;

/// A 12-digit AWS account ID, kept as text so a leading zero is never lost.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s.to_string()))
        } else if s.bytes().all(|b| b.is_ascii_digit()) {
            Err(format!(
                "account ID `{s}` has {} digits; an AWS account ID is exactly 12 digits",
                s.len()
            ))
        } else {
            Err(format!("account ID `{s}` must be exactly 12 digits"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AccountId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Where a resource lives and what it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    pub account: AccountId,
    pub region: String,
    pub kind: Kind,
    /// Present exactly for kinds that have many instances per scope.
    pub id: Option<String>,
}

impl Ord for Address {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.account, &self.region, self.kind)
            .cmp(&(&other.account, &other.region, other.kind))
            .then_with(|| match (&self.id, &other.id) {
                (Some(a), Some(b)) => natural_cmp(a, b),
                (a, b) => a.cmp(b),
            })
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders runs of digits by value, so `IAM.2` comes before `IAM.10`. Equal values with
/// different spellings (`01` vs `1`) fall back to plain text order, keeping the order total.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    while !x.is_empty() && !y.is_empty() {
        if x[0].is_ascii_digit() && y[0].is_ascii_digit() {
            let nx = x.iter().take_while(|c| c.is_ascii_digit()).count();
            let ny = y.iter().take_while(|c| c.is_ascii_digit()).count();
            let (dx, dy) = (&x[..nx], &y[..ny]);
            let tx = {
                let i = dx.iter().take_while(|c| **c == b'0').count();
                &dx[i..]
            };
            let ty = {
                let i = dy.iter().take_while(|c| **c == b'0').count();
                &dy[i..]
            };
            let ord = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
            if ord != Ordering::Equal {
                return ord;
            }
            x = &x[nx..];
            y = &y[ny..];
        } else {
            if x[0] != y[0] {
                return x[0].cmp(&y[0]);
            }
            x = &x[1..];
            y = &y[1..];
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address `{input}`: {problem}")]
pub struct AddressError {
    pub input: String,
    pub problem: String,
}

impl Address {
    pub fn new(account: &AccountId, region: &str, kind: Kind, id: Option<String>) -> Self {
        Address {
            account: account.clone(),
            region: region.to_string(),
            kind,
            id,
        }
    }
    pub fn singleton(account: &AccountId, region: &str, kind: Kind) -> Self {
        Self::new(account, region, kind, None)
    }
    pub fn keyed(account: &AccountId, region: &str, kind: Kind, id: impl Into<String>) -> Self {
        Self::new(account, region, kind, Some(id.into()))
    }
    /// The account × region the resource lives in.
    pub fn scope(&self) -> Scope {
        Scope::new(&self.account, &self.region)
    }
    pub fn in_scope(scope: &Scope, kind: Kind, id: Option<String>) -> Self {
        Self::new(&scope.account, &scope.region, kind, id)
    }
    /// The kind and id part, e.g. `control/IAM.6@fsbp/1.0.0`.
    pub fn local(&self) -> String {
        match &self.id {
            Some(id) => format!("{}/{}", self.kind, id),
            None => self.kind.to_string(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.account, self.region, self.kind)?;
        if let Some(id) = &self.id {
            write!(f, "/{id}")?;
        }
        Ok(())
    }
}

pub fn is_region_syntax(s: &str) -> bool {
    // e.g. us-east-1, ap-southeast-3, us-gov-west-1, eu-central-2
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |problem: String| AddressError {
            input: input.to_string(),
            problem,
        };
        let mut parts = input.splitn(4, '/');
        let account = parts.next().unwrap_or_default();
        let region = parts
            .next()
            .ok_or_else(|| err("expected account/region/kind[/id]".into()))?;
        let kind = parts
            .next()
            .ok_or_else(|| err("expected account/region/kind[/id]".into()))?;
        let id = parts.next();
        let account = AccountId::parse(account).map_err(err)?;
        if !is_region_syntax(region) {
            return Err(err(format!("`{region}` is not a region name")));
        }
        let kind: Kind = kind.parse().map_err(err)?;
        match (kind.is_keyed(), id) {
            (true, None) => Err(err(format!("kind `{kind}` needs an id"))),
            (true, Some("")) => Err(err(format!("kind `{kind}` needs a non-empty id"))),
            (false, Some(_)) => Err(err(format!("kind `{kind}` takes no id"))),
            (_, Some(id)) if id.chars().any(|c| c.is_control()) => {
                Err(err("the id contains a control character".into()))
            }
            (_, id) => Ok(Address {
                account,
                region: region.to_string(),
                kind,
                id: id.map(str::to_string),
            }),
        }
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints() {
        for s in [
            "012345678901/us-east-1/hub",
            "111111111111/eu-west-1/control/IAM.6@fsbp/1.0.0",
            "111111111111/us-gov-west-1/insight/Critical findings by account",
            "222222222222/us-east-1/delegated-admin/securityhub",
        ] {
            let a: Address = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
        let a: Address = "012345678901/us-east-1/hub".parse().unwrap();
        assert_eq!(a.account.as_str(), "012345678901");
    }

    #[test]
    fn rejects_bad_addresses() {
        for (s, want) in [
            ("12345678901/us-east-1/hub", "11 digits"),
            ("111111111111/useast1/hub", "not a region"),
            ("111111111111/us-east-1/hubs", "unknown kind"),
            ("111111111111/us-east-1/hub/x", "takes no id"),
            ("111111111111/us-east-1/control", "needs an id"),
            ("111111111111/us-east-1/control/", "non-empty id"),
            ("111111111111", "expected account/region"),
        ] {
            let e = s.parse::<Address>().unwrap_err();
            assert!(e.to_string().contains(want), "{s}: {e}");
        }
    }

    fn arb_address() -> impl Strategy<Value = Address> {
        (
            "[0-9]{12}",
            prop::sample::select(vec![
                "us-east-1",
                "eu-west-1",
                "ap-southeast-3",
                "us-gov-west-1",
            ]),
            prop::sample::select(Kind::ALL.to_vec()),
            "[A-Za-z0-9 ./@_-]{1,30}",
        )
            .prop_map(|(acct, region, kind, id)| Address {
                account: AccountId::parse(&acct).unwrap(),
                region: region.to_string(),
                kind,
                id: kind.is_keyed().then_some(id),
            })
    }

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec![
            "IAM.10@fsbp/1.0.0",
            "IAM.2@fsbp/1.0.0",
            "IAM.1@fsbp/1.0.0",
            "EC2.19@x",
            "EC2.2@x",
        ];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            [
                "EC2.2@x",
                "EC2.19@x",
                "IAM.1@fsbp/1.0.0",
                "IAM.2@fsbp/1.0.0",
                "IAM.10@fsbp/1.0.0"
            ]
        );
    }

    proptest! {
        #[test]
        fn natural_order_is_a_total_order(a in "[a-z0-9.]{0,6}", b in "[a-z0-9.]{0,6}", c in "[a-z0-9.]{0,6}") {
            use std::cmp::Ordering::*;
            prop_assert_eq!(natural_cmp(&a, &b), natural_cmp(&b, &a).reverse());
            prop_assert_eq!(natural_cmp(&a, &b) == Equal, a == b);
            if natural_cmp(&a, &b) != Greater && natural_cmp(&b, &c) != Greater {
                prop_assert_ne!(natural_cmp(&a, &c), Greater);
            }
        }

        #[test]
        fn round_trips(a in arb_address()) {
            let s = a.to_string();
            let back: Address = s.parse().unwrap();
            prop_assert_eq!(&back, &a);
            let json = serde_json::to_string(&a).unwrap();
            let back: Address = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, a);
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,60}") {
            let _ = s.parse::<Address>();
        }
    }
}
