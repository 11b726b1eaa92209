//! Product integrations (API.md §1.7): a small fixed catalogue of products, and the scope's
//! subscriptions to import their findings, kept as `company/product`.

use serde_json::{Value, json};

use super::arn::{product_arn, product_subscription_arn};
use super::{
    conflict, invalid, not_found, own, paged, query_max, required_label, required_str, with_token,
};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{Res, object};
use crate::world::World;

/// (company/product, provider account or "" for AWS services, name, company, categories)
const PRODUCTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "aws/access-analyzer",
        "",
        "IAM Access Analyzer",
        "AWS",
        "AWS Service",
    ),
    (
        "aws/firewall-manager",
        "",
        "Firewall Manager",
        "AWS",
        "AWS Service",
    ),
    ("aws/guardduty", "", "GuardDuty", "AWS", "AWS Service"),
    ("aws/inspector", "", "Inspector", "AWS", "AWS Service"),
    ("aws/macie", "", "Macie", "AWS", "AWS Service"),
    (
        "aws/ssm-patch-manager",
        "",
        "Systems Manager Patch Manager",
        "AWS",
        "AWS Service",
    ),
    (
        "crowdstrike/crowdstrike-falcon",
        "517716713836",
        "CrowdStrike Falcon",
        "CrowdStrike",
        "Endpoint Detection and Response (EDR)",
    ),
];

pub fn describe(_: &mut World, cx: &Cx, i: &Input) -> Res {
    let filter = i.query("ProductArn");
    let all: Vec<Value> = PRODUCTS
        .iter()
        .map(|(key, provider, name, company, category)| {
            let (_, product) = key.split_once('/').unwrap_or(("", key));
            json!({
                "ProductArn": product_arn(&cx.region, key, provider),
                "ProductName": name,
                "CompanyName": company,
                "Description": format!("{name} findings (emulated)"),
                "Categories": [category],
                "IntegrationTypes": ["SEND_FINDINGS_TO_SECURITY_HUB"],
                "MarketplaceUrl": format!("https://aws.amazon.com/marketplace/search/results?searchTerms={product}"),
                "ActivationUrl": format!("https://console.aws.amazon.com/{product}/home"),
            })
        })
        .filter(|p| filter.is_none_or(|f| p["ProductArn"].as_str() == Some(f)))
        .collect();
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(with_token(object([("Products", items.into())]), next))
}

pub fn enable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let body = &i.body;
    let arn = required_str(body, "ProductArn")?;
    let key = PRODUCTS
        .iter()
        .find(|(key, provider, ..)| product_arn(&cx.region, key, provider) == arn)
        .map(|(key, ..)| key.to_string())
        .ok_or_else(|| {
            invalid(format!(
                "ProductArn {arn} is not a product in {}",
                cx.region
            ))
        })?;
    let s = own(w, cx);
    if s.products.contains(&key) {
        return Err(conflict(format!(
            "Import of findings from {arn} is already enabled"
        )));
    }
    s.products.insert(key.clone());
    Ok(json!({ "ProductSubscriptionArn": product_subscription_arn(&cx.region, &cx.account, &key) }))
}

pub fn disable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let arn = required_label(i, "ProductSubscriptionArn")?;
    let key = arn
        .strip_prefix(&product_subscription_arn(&cx.region, &cx.account, ""))
        .unwrap_or_default()
        .to_string();
    if !own(w, cx).products.remove(&key) {
        return Err(not_found(format!("Product subscription {arn} not found")));
    }
    Ok(json!({}))
}

pub fn list_enabled(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let all: Vec<Value> = own(w, cx)
        .products
        .iter()
        .map(|p| json!(product_subscription_arn(&cx.region, &cx.account, p)))
        .collect();
    let (items, next) = paged(&all, i.query("NextToken"), query_max(i)?, 100, cx)?;
    Ok(with_token(
        object([("ProductSubscriptions", items.into())]),
        next,
    ))
}
