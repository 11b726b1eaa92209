//! AWS's closed sets of wire values (`ENABLED`, `CENTRAL`, …) as enums, so a resource value
//! holds only what AWS can hold: a plan file or snapshot saying `"enabled"` or `"WEIRD"` is
//! refused when it is read, and code compares variants, never strings.

/// Declares an enum whose variants serialise as AWS's wire values, exactly (no case folding:
/// AWS's APIs take these exact strings).
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// AWS's wire value.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $wire, )+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $( $wire => Ok($name::$variant), )+
                    _ => Err(format!(
                        "`{}` is not one of {}",
                        s.escape_debug(),
                        [$( concat!("`", $wire, "`") ),+].join(", ")
                    )),
                }
            }
        }
    };
}

wire_enum! {
    /// A control association's, an automation rule's, an EventBridge rule's, a GuardDuty
    /// detector's or feature's status.
    Switch { Enabled = "ENABLED", Disabled = "DISABLED" }
}

wire_enum! {
    /// Macie's session status (`DisableMacie` is a delete, not a status).
    MacieStatus { Enabled = "ENABLED", Paused = "PAUSED" }
}

wire_enum! {
    /// How often GuardDuty and Macie publish updated findings.
    PublishingFrequency {
        FifteenMinutes = "FIFTEEN_MINUTES",
        OneHour = "ONE_HOUR",
        SixHours = "SIX_HOURS",
    }
}

wire_enum! {
    /// Security Hub's organisation configuration type.
    ConfigurationType { Local = "LOCAL", Central = "CENTRAL" }
}

wire_enum! {
    /// A configuration policy association's status as AWS reports it.
    AssociationStatus { Pending = "PENDING", Success = "SUCCESS", Failed = "FAILED" }
}

wire_enum! {
    /// Which regions a finding aggregator links.
    LinkingMode {
        AllRegions = "ALL_REGIONS",
        AllRegionsExceptSpecified = "ALL_REGIONS_EXCEPT_SPECIFIED",
        SpecifiedRegions = "SPECIFIED_REGIONS",
        NoRegions = "NO_REGIONS",
    }
}

wire_enum! {
    /// Whether a hub generates one finding per security control or per standard's control.
    ControlFindingGenerator {
        SecurityControl = "SECURITY_CONTROL",
        StandardControl = "STANDARD_CONTROL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip_and_nothing_else_reads() {
        for s in Switch::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Switch>(&json).unwrap(), *s);
            assert_eq!(s.as_str().parse::<Switch>().unwrap(), *s);
        }
        // Case, whitespace and look-alike letters (a Cyrillic Е) are not AWS's values.
        for bad in [
            "enabled",
            "Enabled",
            "DISABLED ",
            "\u{415}NABLED",
            "",
            "WEIRD",
        ] {
            assert!(
                serde_json::from_value::<Switch>(serde_json::json!(bad)).is_err(),
                "{bad:?}"
            );
            assert!(bad.parse::<Switch>().is_err());
        }
        assert!(
            "x".parse::<LinkingMode>()
                .unwrap_err()
                .contains("`ALL_REGIONS`")
        );
    }
}
