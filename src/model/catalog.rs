//! The built-in catalog: security standards and the security-control IDs each contains.
//! The data lives in `data/catalog.json` (source and retrieval date recorded inside) so it
//! can be refreshed without touching code.

use std::collections::BTreeMap;
use std::sync::{OnceLock, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub source: String,
    pub retrieved: String,
    #[serde(default)]
    pub notes: String,
    /// Where the controls' parameter definitions come from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parameters_source: String,
    pub standards: Vec<StandardDef>,
    pub controls: Vec<ControlDef>,
    #[serde(skip)]
    by_id: BTreeMap<String, usize>,
    /// The file it was loaded from (`--catalog`); None for the built-in one.
    #[serde(skip)]
    pub file: Option<String>,
    /// Controls added from AWS's live definitions during this run (a live plan whose policy
    /// names controls the catalog lacks), with the regions that define them.
    #[serde(skip)]
    pub live_only: BTreeMap<String, Vec<String>>,
    /// The regions whose live definitions were consulted for controls the catalog lacks.
    #[serde(skip)]
    pub live_regions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StandardDef {
    /// Short name used in policies: `fsbp/1.0.0`.
    pub id: String,
    pub name: String,
    /// Resource part of the standard's ARN: `standards/…/v/1.0.0` or `ruleset/…` (CIS 1.2.0).
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ControlDef {
    pub id: String,
    pub title: String,
    pub standards: Vec<String>,
    #[serde(default)]
    pub global: bool,
    /// The control's number inside standards with their own numbering (`cis/1.2.0` → `1.14`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub legacy_ids: BTreeMap<String, String>,
    /// The parameters the control takes (AWS's `ParameterDefinitions`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParameterDef>,
}

/// The type of a control parameter: the member of AWS's `ConfigurationOptions` union that
/// defines it, and the member of `ParameterValue` its value is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum ParameterType {
    Integer,
    IntegerList,
    Double,
    String,
    StringList,
    Boolean,
    Enum,
    EnumList,
}

impl ParameterType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterType::Integer => "Integer",
            ParameterType::IntegerList => "IntegerList",
            ParameterType::Double => "Double",
            ParameterType::String => "String",
            ParameterType::StringList => "StringList",
            ParameterType::Boolean => "Boolean",
            ParameterType::Enum => "Enum",
            ParameterType::EnumList => "EnumList",
        }
    }

    pub fn parse(s: &str) -> Option<ParameterType> {
        [
            ParameterType::Integer,
            ParameterType::IntegerList,
            ParameterType::Double,
            ParameterType::String,
            ParameterType::StringList,
            ParameterType::Boolean,
            ParameterType::Enum,
            ParameterType::EnumList,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    pub fn is_list(self) -> bool {
        matches!(
            self,
            ParameterType::IntegerList | ParameterType::StringList | ParameterType::EnumList
        )
    }
}

/// One parameter of a control, as `ListSecurityControlDefinitions` defines it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterDef {
    #[serde(rename = "type")]
    pub value_type: ParameterType,
    /// Bounds of a number, or of each number of an integer list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
    /// The values an `Enum` or `EnumList` takes (always strings, even `"365"`). None when AWS
    /// publishes none: any non-empty string is taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<String>>,
    /// AWS's default, in the value's JSON form; None when the check has no default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

impl ParameterDef {
    /// Checks a value given for this parameter and returns it in its canonical JSON form
    /// (an enum's value as a string, a whole double as an integer), or says what is wrong.
    pub fn check(&self, v: &Value) -> Result<Value, String> {
        use ParameterType as T;
        let t = self.value_type;
        if t.is_list() {
            let Value::Array(items) = v else {
                return Err(format!("must be a list ({})", t.as_str()));
            };
            if let Some(max) = self.max_items.filter(|m| items.len() > *m) {
                return Err(format!(
                    "takes at most {max} item(s), {} given",
                    items.len()
                ));
            }
            if let Some(min) = self.min_items.filter(|m| items.len() < *m) {
                return Err(format!(
                    "takes at least {min} item(s), {} given",
                    items.len()
                ));
            }
            let one = match t {
                T::IntegerList => T::Integer,
                T::EnumList => T::Enum,
                _ => T::String,
            };
            let mut seen = std::collections::BTreeSet::new();
            let mut out = Vec::with_capacity(items.len());
            for (n, i) in items.iter().enumerate() {
                let x = self
                    .scalar(one, i)
                    .map_err(|e| format!("item {}: {e}", n + 1))?;
                if !seen.insert(x.to_string()) {
                    return Err(format!("item {}: {x} is listed twice", n + 1));
                }
                out.push(x);
            }
            return Ok(Value::Array(out));
        }
        self.scalar(t, v)
    }

    fn scalar(&self, t: ParameterType, v: &Value) -> Result<Value, String> {
        use ParameterType as T;
        let range = |x: f64| -> Result<(), String> {
            let min = self.min.as_ref().and_then(Number::as_f64);
            let max = self.max.as_ref().and_then(Number::as_f64);
            if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                return Err(format!(
                    "{x} is outside {}–{}",
                    self.min.as_ref().map_or("…".into(), Number::to_string),
                    self.max.as_ref().map_or("…".into(), Number::to_string)
                ));
            }
            Ok(())
        };
        match t {
            T::Boolean => match v {
                Value::Bool(_) => Ok(v.clone()),
                _ => Err("must be true or false (Boolean)".into()),
            },
            T::Integer => {
                let i = v
                    .as_i64()
                    .filter(|i| i32::try_from(*i).is_ok())
                    .ok_or_else(|| format!("must be a whole number (Integer), not {v}"))?;
                range(i as f64)?;
                Ok(Value::from(i))
            }
            T::Double => {
                let d = v
                    .as_f64()
                    .ok_or_else(|| format!("must be a number (Double), not {v}"))?;
                range(d)?;
                Ok(crate::model::resource::whole_numbers(v.clone()))
            }
            T::String | T::Enum => {
                // Enum values are strings on the wire, even numeric ones ("365").
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) if t == T::Enum => n.to_string(),
                    _ => return Err(format!("must be a string ({}), not {v}", t.as_str())),
                };
                if s.trim().is_empty() {
                    return Err("must not be empty".into());
                }
                if t == T::Enum
                    && let Some(allowed) = &self.allowed_values
                    && !allowed.contains(&s)
                {
                    return Err(format!(
                        "`{s}` is not one of {}",
                        allowed
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                Ok(Value::String(s))
            }
            _ => Err(format!("{} is not a scalar type", t.as_str())),
        }
    }
}

static BUILT_IN: OnceLock<Catalog> = OnceLock::new();
/// The catalog in use when not the built-in one: installed once at start (`--catalog`), and
/// again at most once more by a live plan that learns controls from AWS. Leaked on purpose:
/// every `&'static` handed out stays valid.
static ACTIVE: RwLock<Option<&'static Catalog>> = RwLock::new(None);

/// The catalog in use: the one installed with [`install`], else the built-in one.
pub fn catalog() -> &'static Catalog {
    let active = *ACTIVE.read().unwrap_or_else(|e| e.into_inner());
    active.unwrap_or_else(built_in)
}

/// The catalog compiled into shubctl (`data/catalog.json`).
pub fn built_in() -> &'static Catalog {
    BUILT_IN.get_or_init(|| {
        serde_json::from_str::<Catalog>(include_str!("../../data/catalog.json"))
            .expect("data/catalog.json is valid (checked by tests)")
            .indexed()
    })
}

/// Makes `c` the catalog every later [`catalog`] call returns (process-wide).
pub fn install(c: Catalog) {
    let leaked: &'static Catalog = Box::leak(Box::new(c.indexed()));
    *ACTIVE.write().unwrap_or_else(|e| e.into_inner()) = Some(leaked);
}

impl Catalog {
    pub fn new(
        source: String,
        retrieved: String,
        notes: String,
        parameters_source: String,
        standards: Vec<StandardDef>,
        controls: Vec<ControlDef>,
    ) -> Catalog {
        Catalog {
            source,
            retrieved,
            notes,
            parameters_source,
            standards,
            controls,
            by_id: BTreeMap::new(),
            file: None,
            live_only: BTreeMap::new(),
            live_regions: Vec::new(),
        }
        .indexed()
    }

    /// Builds the ID index (after deserialising or editing `controls`).
    pub fn indexed(mut self) -> Catalog {
        self.by_id = self
            .controls
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        self
    }

    /// Which catalog it is, for people: `the built-in catalog`, `the catalog FILE`.
    pub fn name(&self) -> String {
        match &self.file {
            Some(f) => format!("the catalog {f}"),
            None => "the built-in catalog".into(),
        }
    }

    /// [`Catalog::name`] with its retrieval date.
    pub fn origin(&self) -> String {
        format!("{} (retrieved {})", self.name(), self.retrieved)
    }

    pub fn standard(&self, id: &str) -> Option<&StandardDef> {
        self.standards.iter().find(|s| s.id == id)
    }

    /// A standard given by its AWS identifier (`pci-dss/v/3.2.1`, or a full ARN) instead of
    /// its short name.
    pub fn standard_by_aws_name(&self, text: &str) -> Option<&StandardDef> {
        let tail = text.rsplit_once("::").map(|(_, t)| t).unwrap_or(text);
        self.standards
            .iter()
            .find(|s| s.arn == tail || s.arn.split_once('/').is_some_and(|(_, rest)| rest == tail))
    }

    pub fn control(&self, id: &str) -> Option<&ControlDef> {
        self.by_id.get(id).map(|i| &self.controls[*i])
    }

    pub fn controls_in<'a>(
        &'a self,
        standard: &'a str,
    ) -> impl Iterator<Item = &'a ControlDef> + 'a {
        self.controls
            .iter()
            .filter(move |c| c.standards.iter().any(|s| s == standard))
    }

    /// Security controls whose number in some standard is `legacy` (e.g. CIS `1.13`).
    pub fn by_legacy_id(&self, legacy: &str) -> Vec<(&str, &ControlDef)> {
        let mut out = Vec::new();
        for c in &self.controls {
            for (std, l) in &c.legacy_ids {
                if l == legacy || l.strip_prefix("PCI.").is_some_and(|x| x == legacy) {
                    out.push((std.as_str(), c));
                }
            }
        }
        out
    }
}

/// The ARN of a standard in a region, in the region's partition. CIS 1.2.0 is the one global
/// `ruleset/` ARN (per partition).
pub fn standard_arn(def: &StandardDef, region: &str) -> String {
    let p = partition_of(region).name;
    if def.arn.starts_with("ruleset/") {
        format!("arn:{p}:securityhub:::{}", def.arn)
    } else {
        format!("arn:{p}:securityhub:{region}::{}", def.arn)
    }
}

/// An AWS partition: its own accounts, credentials, ARNs (`arn:<name>:…`) and endpoints
/// (botocore's `partitions.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    /// Where the partition's global services (Organizations, IAM) have their endpoint and
    /// sign requests (`implicitGlobalRegion`).
    pub global_region: &'static str,
}

pub const AWS: Partition = Partition {
    name: "aws",
    global_region: "us-east-1",
};
pub const AWS_CN: Partition = Partition {
    name: "aws-cn",
    global_region: "cn-northwest-1",
};
pub const AWS_US_GOV: Partition = Partition {
    name: "aws-us-gov",
    global_region: "us-gov-west-1",
};

/// The partition a region belongs to (`regionRegex`: `^cn-`, `^us-gov-`, else commercial).
pub fn partition_of(region: &str) -> Partition {
    if region.starts_with("cn-") {
        AWS_CN
    } else if region.starts_with("us-gov-") {
        AWS_US_GOV
    } else {
        AWS
    }
}

/// Commercial, GovCloud and China regions Security Hub runs in.
pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

pub fn is_known_region(r: &str) -> bool {
    REGIONS.contains(&r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_consistent() {
        let c = catalog();
        assert!(!c.source.is_empty() && !c.retrieved.is_empty());
        let mut seen = std::collections::BTreeSet::new();
        for ctl in &c.controls {
            assert!(seen.insert(&ctl.id), "duplicate control {}", ctl.id);
            let (svc, num) = ctl.id.split_once('.').expect("SERVICE.N");
            assert!(!svc.is_empty() && num.parse::<u32>().is_ok(), "{}", ctl.id);
            for s in &ctl.standards {
                assert!(
                    c.standard(s).is_some(),
                    "{} names unknown standard {s}",
                    ctl.id
                );
            }
        }
    }

    /// A sample of memberships as AWS's control reference states them.
    #[test]
    fn known_memberships() {
        let c = catalog();
        let has = |ctl: &str, std: &str| {
            c.control(ctl)
                .is_some_and(|d| d.standards.iter().any(|s| s == std))
        };
        assert!(has("IAM.6", "fsbp/1.0.0"));
        assert!(has("IAM.6", "cis/1.2.0"));
        assert!(has("S3.1", "fsbp/1.0.0"));
        assert!(has("CloudTrail.1", "cis/1.2.0"));
        assert!(has("Config.1", "fsbp/1.0.0"));
        assert!(has("EC2.2", "pci-dss/3.2.1"));
        assert!(!has("IAM.6", "tagging/1.0.0"));
        assert!(c.controls_in("fsbp/1.0.0").count() > 150);
        assert!(c.controls_in("cis/1.2.0").count() >= 30);
    }

    /// Every parameter definition is usable: its default passes its own check, allowed values
    /// belong to enums only, bounds to numbers only.
    #[test]
    fn parameter_definitions_are_consistent() {
        use ParameterType as T;
        let c = catalog();
        let mut n = 0;
        for ctl in &c.controls {
            for (name, d) in &ctl.parameters {
                n += 1;
                let at = format!("{} {name}", ctl.id);
                if let Some(def) = &d.default {
                    assert_eq!(d.check(def).as_ref(), Ok(def), "{at}: default {def}");
                }
                if d.allowed_values.is_some() {
                    assert!(matches!(d.value_type, T::Enum | T::EnumList), "{at}");
                }
                if d.min.is_some() || d.max.is_some() {
                    assert!(
                        matches!(d.value_type, T::Integer | T::IntegerList | T::Double),
                        "{at}"
                    );
                }
                if d.min_items.is_some() || d.max_items.is_some() {
                    assert!(d.value_type.is_list(), "{at}");
                }
            }
        }
        assert!(n > 150, "{n} parameters");
    }

    /// The types AWS gives the parameters issue 9 names (checked against the per-service
    /// control pages): shubctl used to send them all by their YAML type.
    #[test]
    fn typed_parameters_as_aws_defines_them() {
        let ty =
            |ctl: &str, name: &str| catalog().control(ctl).unwrap().parameters[name].value_type;
        assert_eq!(ty("APIGateway.1", "loggingLevel"), ParameterType::Enum);
        assert_eq!(ty("S3.11", "eventTypes"), ParameterType::EnumList);
        assert_eq!(ty("S3.15", "mode"), ParameterType::Enum);
        assert_eq!(ty("RDS.6", "monitoringInterval"), ParameterType::Enum);
        assert_eq!(
            ty("RDS.14", "BacktrackWindowInHours"),
            ParameterType::Double
        );
        assert_eq!(ty("RDS.40", "logTypes"), ParameterType::EnumList);
        assert_eq!(ty("CloudWatch.16", "MinRetentionTime"), ParameterType::Enum);
        assert_eq!(ty("IAM.7", "MaxPasswordAge"), ParameterType::Integer);
        let d = &catalog().control("RDS.6").unwrap().parameters["monitoringInterval"];
        assert_eq!(d.check(&serde_json::json!(30)), Ok(serde_json::json!("30")));
        assert!(d.check(&serde_json::json!(7)).is_err());
    }

    /// PCI DSS v4.0.1 membership as AWS's current standard page gives it (see the catalog's
    /// notes for the sources).
    #[test]
    fn pci_dss_4_membership_doubts_resolved() {
        let has = |ctl: &str| {
            catalog()
                .control(ctl)
                .is_some_and(|d| d.standards.iter().any(|s| s == "pci-dss/4.0.1"))
        };
        assert!(!has("CloudTrail.5"));
        assert!(has("ES.5"));
        assert!(!has("IAM.10"));
        assert!(!has("IAM.13"));
        assert!(catalog().control("MQ.3").is_none(), "retired");
    }

    #[test]
    fn partitions_follow_the_region() {
        let fsbp = catalog().standard("fsbp/1.0.0").unwrap();
        let cis = catalog().standard("cis/1.2.0").unwrap();
        assert_eq!(
            standard_arn(fsbp, "cn-north-1"),
            "arn:aws-cn:securityhub:cn-north-1::standards/aws-foundational-security-best-practices/v/1.0.0"
        );
        assert_eq!(
            standard_arn(cis, "us-gov-west-1"),
            "arn:aws-us-gov:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"
        );
        assert_eq!(
            partition_of("cn-northwest-1").global_region,
            "cn-northwest-1"
        );
        assert_eq!(partition_of("us-gov-east-1").global_region, "us-gov-west-1");
        assert_eq!(partition_of("us-east-2"), AWS);
        for r in REGIONS {
            assert_eq!(
                partition_of(partition_of(r).global_region),
                partition_of(r),
                "{r}"
            );
        }
    }

    #[test]
    fn cis_1_2_is_the_global_ruleset_arn() {
        let c = catalog();
        assert_eq!(
            standard_arn(c.standard("cis/1.2.0").unwrap(), "eu-west-1"),
            "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"
        );
        assert_eq!(
            standard_arn(c.standard("fsbp/1.0.0").unwrap(), "eu-west-1"),
            "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"
        );
    }
}
