//! The closed set of resource kinds shubctl manages.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! kinds {
    ($( $variant:ident = $name:literal, keyed: $keyed:literal, rank: $rank:literal, destructive: $destructive:literal; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind { $( $variant, )* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[ $( Kind::$variant, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Kind::$variant => $name, )* }
            }
            /// Many instances per scope (an id in the address) or one.
            pub fn is_keyed(self) -> bool {
                match self { $( Kind::$variant => $keyed, )* }
            }
            /// Apply order: lower ranks are created and updated first, deleted last.
            pub fn rank(self) -> u8 {
                match self { $( Kind::$variant => $rank, )* }
            }
            /// Deleting one of these removes protection and needs `--allow-destroy`.
            pub fn delete_is_destructive(self) -> bool {
                match self { $( Kind::$variant => $destructive, )* }
            }
        }

        impl FromStr for Kind {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $( $name => Ok(Kind::$variant), )*
                    _ => Err(format!("unknown kind `{s}`")),
                }
            }
        }
    };
}

kinds! {
    DelegatedAdmin = "delegated-admin", keyed: true, rank: 0, destructive: true;
    OrgConfig = "org-config", keyed: true, rank: 2, destructive: false;
    Hub = "hub", keyed: false, rank: 1, destructive: true;
    Member = "member", keyed: true, rank: 3, destructive: true;
    Standard = "standard", keyed: true, rank: 4, destructive: true;
    Control = "control", keyed: true, rank: 5, destructive: false;
    ControlParameters = "control-parameters", keyed: true, rank: 6, destructive: false;
    Aggregator = "aggregator", keyed: false, rank: 7, destructive: true;
    Insight = "insight", keyed: true, rank: 8, destructive: false;
    ActionTarget = "action-target", keyed: true, rank: 8, destructive: false;
    AutomationRule = "automation-rule", keyed: true, rank: 8, destructive: false;
    Product = "product", keyed: true, rank: 9, destructive: true;
    GuardDuty = "guardduty", keyed: false, rank: 9, destructive: true;
    Inspector = "inspector", keyed: false, rank: 9, destructive: true;
    Macie = "macie", keyed: false, rank: 9, destructive: true;
    Analyzer = "analyzer", keyed: true, rank: 9, destructive: true;
}

impl Kind {
    /// Kinds whose changes in one region are sent together for many accounts, by the
    /// service's delegated administrator (Inspector acts for up to 100 accounts a call).
    pub fn batches_across_accounts(self) -> bool {
        self == Kind::Inspector
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    fn admin_before_hub_before_standards_before_controls() {
        assert!(Kind::DelegatedAdmin.rank() < Kind::Hub.rank());
        assert!(Kind::Hub.rank() < Kind::Standard.rank());
        assert!(Kind::Standard.rank() < Kind::Control.rank());
        assert!(Kind::Hub.rank() < Kind::Aggregator.rank());
    }
}
