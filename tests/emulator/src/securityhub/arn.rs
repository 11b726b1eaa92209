//! Security Hub ARNs (API.md §1.1–§1.9), and standards found by theirs.

use shubctl::spec::catalog::{StandardDef, catalog, standard_arn};

pub fn hub_arn(region: &str, account: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:hub/default")
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
        "arn:aws:securityhub:{region}:{account}:subscription/{}",
        standard_path(def)
    )
}

pub fn standards_control_arn(
    def: &StandardDef,
    region: &str,
    account: &str,
    control: &str,
) -> String {
    let number = catalog()
        .control(control)
        .and_then(|c| c.legacy_ids.get(&def.id))
        .map(String::as_str)
        .unwrap_or(control);
    format!(
        "arn:aws:securityhub:{region}:{account}:control/{}/{number}",
        standard_path(def)
    )
}

pub fn security_control_arn(region: &str, account: &str, control: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:security-control/{control}")
}

pub fn std_by_arn<'a>(arn: &str, region: &str) -> Option<&'a StandardDef> {
    catalog()
        .standards
        .iter()
        .find(|d| standard_arn(d, region) == arn)
}

pub fn std_by_subscription_arn<'a>(
    arn: &str,
    region: &str,
    account: &str,
) -> Option<&'a StandardDef> {
    catalog()
        .standards
        .iter()
        .find(|d| subscription_arn(d, region, account) == arn)
}

pub fn insight_arn(region: &str, account: &str, uuid: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:insight/{account}/custom/{uuid}")
}

pub fn rule_arn(region: &str, account: &str, uuid: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:automation-rule/{uuid}")
}

pub fn aggregator_arn(region: &str, account: &str, uuid: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:finding-aggregator/{uuid}")
}

pub fn action_target_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:action/custom/{id}")
}

pub fn product_arn(region: &str, key: &str, provider: &str) -> String {
    format!("arn:aws:securityhub:{region}:{provider}:product/{key}")
}

pub fn product_subscription_arn(region: &str, account: &str, product: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:product-subscription/{product}")
}
