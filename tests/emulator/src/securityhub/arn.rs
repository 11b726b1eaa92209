//! Security Hub ARNs (API.md §1.1–§1.9), and standards found by theirs.

use shubctl::model::catalog::{ControlDef, StandardDef, catalog};

use crate::util::partition;

/// A standard's ARN in a region's partition (`ruleset/` ARNs have no region).
pub fn standard_arn(def: &StandardDef, region: &str) -> String {
    let p = partition(region).0;
    if def.arn.starts_with("ruleset/") {
        format!("arn:{p}:securityhub:::{}", def.arn)
    } else {
        format!("arn:{p}:securityhub:{region}::{}", def.arn)
    }
}

pub fn hub_arn(region: &str, account: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:hub/default",
        partition(region).0
    )
}

/// `standards/aws-foundational-security-best-practices/v/1.0.0` → `aws-foundational-security-best-practices/v/1.0.0`
fn standard_path(def: &StandardDef) -> &str {
    def.arn
        .split_once('/')
        .map(|(_, rest)| rest)
        .unwrap_or(&def.arn)
}

pub fn subscription_arn(def: &StandardDef, region: &str, account: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:subscription/{}",
        partition(region).0,
        standard_path(def)
    )
}

/// A control's number in a standard with its own numbering (`cis/1.2.0` → `1.14`), else its
/// security control ID.
pub fn legacy_number<'a>(
    def: &StandardDef,
    control: Option<&'a ControlDef>,
    id: &'a str,
) -> &'a str {
    control
        .and_then(|c| c.legacy_ids.get(&def.id))
        .map(String::as_str)
        .unwrap_or(id)
}

/// The legacy per-standard control ARN; `number` as [`legacy_number`] gives it.
pub fn standards_control_arn(
    def: &StandardDef,
    region: &str,
    account: &str,
    number: &str,
) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:control/{}/{number}",
        partition(region).0,
        standard_path(def)
    )
}

pub fn security_control_arn(region: &str, account: &str, control: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:security-control/{control}",
        partition(region).0
    )
}

/// The catalog's standards with their ARNs in one region, built once per request: finding a
/// standard by ARN is then a comparison instead of an ARN formatted per candidate.
pub struct StandardArns(Vec<(String, &'static StandardDef)>);

impl StandardArns {
    pub fn in_region(region: &str) -> StandardArns {
        StandardArns(
            catalog()
                .standards
                .iter()
                .map(|d| (standard_arn(d, region), d))
                .collect(),
        )
    }

    pub fn find(&self, arn: &str) -> Option<&'static StandardDef> {
        self.0.iter().find(|(a, _)| a == arn).map(|(_, d)| *d)
    }

    pub fn arn_of(&self, def: &StandardDef) -> &str {
        self.0
            .iter()
            .find(|(_, d)| d.id == def.id)
            .map(|(a, _)| a.as_str())
            .expect("every catalog standard has an ARN")
    }
}

/// The standard a subscription ARN of this account and region names (the inverse of
/// [`subscription_arn`], without formatting one per candidate).
pub fn std_by_subscription_arn(
    arn: &str,
    region: &str,
    account: &str,
) -> Option<&'static StandardDef> {
    let path = arn
        .strip_prefix("arn:")?
        .strip_prefix(partition(region).0)?
        .strip_prefix(":securityhub:")?
        .strip_prefix(region)?
        .strip_prefix(':')?
        .strip_prefix(account)?
        .strip_prefix(":subscription/")?;
    catalog()
        .standards
        .iter()
        .find(|d| standard_path(d) == path)
}

pub fn insight_arn(region: &str, account: &str, uuid: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:insight/{account}/custom/{uuid}",
        partition(region).0
    )
}

pub fn rule_arn(region: &str, account: &str, uuid: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:automation-rule/{uuid}",
        partition(region).0
    )
}

pub fn aggregator_arn(region: &str, account: &str, uuid: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:finding-aggregator/{uuid}",
        partition(region).0
    )
}

pub fn action_target_arn(region: &str, account: &str, id: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:action/custom/{id}",
        partition(region).0
    )
}

pub fn product_arn(region: &str, key: &str, provider: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{provider}:product/{key}",
        partition(region).0
    )
}

pub fn product_subscription_arn(region: &str, account: &str, product: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:product-subscription/{product}",
        partition(region).0
    )
}
