//! The built-in catalog: security standards and the security-control IDs each contains.
//! The data lives in `data/catalog.json` (source and retrieval date recorded inside) so it
//! can be refreshed without touching code.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Catalog {
    pub source: String,
    pub retrieved: String,
    #[serde(default)]
    pub notes: String,
    pub standards: Vec<StandardDef>,
    pub controls: Vec<ControlDef>,
    #[serde(skip)]
    by_id: BTreeMap<String, usize>,
}

#[derive(Debug, Deserialize)]
pub struct StandardDef {
    /// Short name used in policies: `fsbp/1.0.0`.
    pub id: String,
    pub name: String,
    /// Resource part of the standard's ARN: `standards/…/v/1.0.0` or `ruleset/…` (CIS 1.2.0).
    pub arn: String,
}

#[derive(Debug, Deserialize)]
pub struct ControlDef {
    pub id: String,
    pub title: String,
    pub standards: Vec<String>,
    #[serde(default)]
    pub global: bool,
    /// The control's number inside standards with their own numbering (`cis/1.2.0` → `1.14`).
    #[serde(default)]
    pub legacy_ids: BTreeMap<String, String>,
}

static CATALOG: OnceLock<Catalog> = OnceLock::new();

pub fn catalog() -> &'static Catalog {
    CATALOG.get_or_init(|| {
        let mut c: Catalog = serde_json::from_str(include_str!("../../data/catalog.json"))
            .expect("data/catalog.json is valid (checked by tests)");
        c.by_id = c
            .controls
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        c
    })
}

impl Catalog {
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

/// The ARN of a standard in a region. CIS 1.2.0 is the one global `ruleset/` ARN.
pub fn standard_arn(def: &StandardDef, region: &str) -> String {
    if def.arn.starts_with("ruleset/") {
        format!("arn:aws:securityhub:::{}", def.arn)
    } else {
        format!("arn:aws:securityhub:{region}::{}", def.arn)
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
