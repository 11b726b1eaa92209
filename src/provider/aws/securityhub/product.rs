//! `product/<company>/<product>`: product integrations whose findings Security Hub imports.


use super::Sh;
use crate::model::catalog::partition_of;
use crate::model::resource::Empty;
use crate::model::state::ScopeState;
use crate::model::{Action, Change};
use crate::model::{Kind, ProviderError, Resource, Target};
use crate::provider::aws::error::{Outcome, sdk_error};

/// `company/product` from a product or product-subscription ARN.
fn product_name(arn: &str) -> Option<String> {
    let res = arn.splitn(6, ':').nth(5)?;
    let rest = res
        .strip_prefix("product-subscription/")
        .or_else(|| res.strip_prefix("product/"))?;
    Some(rest.to_string())
}

pub(super) async fn read(sh: &Sh<'_>, out: &mut ScopeState) -> Result<(), ProviderError> {
    for name in names(sh).await? {
        out.insert(Kind::Product, Some(name), Resource::Product(Empty {}));
    }
    Ok(())
}

/// The products enabled for import, as `company/product`.
pub(super) async fn names(sh: &Sh<'_>) -> Result<Vec<String>, ProviderError> {
    let mut out = Vec::new();
    sh.gate("ListEnabledProductsForImport").await;
    let mut pages = sh
        .client
        .list_enabled_products_for_import()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("ListEnabledProductsForImport").await;
        }
        out.extend(page.product_subscriptions().iter().filter_map(|a| product_name(a)));
    }
    Ok(out)
}

/// A product's regional ARN: AWS's own have no account; partners' are looked up.
async fn product_arn(sh: &Sh<'_>, name: &str) -> Result<String, ProviderError> {
    if name.starts_with("aws/") {
        return Ok(format!(
            "arn:{}:securityhub:{}::product/{name}",
            partition_of(sh.cx.region).name,
            sh.cx.region
        ));
    }
    sh.gate("DescribeProducts").await;
    let mut pages = sh.client.describe_products().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(sh.target(), e))?;
        // Each further page is a request of its own, within the same quota.
        if page.next_token().is_some() {
            sh.gate("DescribeProducts").await;
        }
        if let Some(arn) = page
            .products()
            .iter()
            .filter_map(|p| p.product_arn())
            .find(|a| product_name(a).as_deref() == Some(name))
        {
            return Ok(arn.to_string());
        }
    }
    Err(ProviderError::new(
        sh.target(),
        Some("UnknownProduct"),
        format!("no product `{name}` is offered in {}", sh.cx.region),
    ))
}

pub(super) async fn write(sh: &Sh<'_>, c: &Change) -> Outcome {
    let t = Target::Address(c.address.clone());
    let id = c.address.id.clone().unwrap_or_default();
    match c.action {
        Action::Delete => {
            let arn = format!(
                "arn:{}:securityhub:{}:{}:product-subscription/{id}",
                partition_of(sh.cx.region).name,
                sh.cx.region,
                sh.cx.account
            );
            sh.gate("DisableImportFindingsForProduct").await;
            match sh
                .client
                .disable_import_findings_for_product()
                .product_subscription_arn(arn)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
                Err(e) => Err(sdk_error(t, e)),
            }
        }
        _ => {
            let arn = product_arn(sh, &id).await.map_err(|e| e.at(t.clone()))?;
            sh.gate("EnableImportFindingsForProduct").await;
            match sh
                .client
                .enable_import_findings_for_product()
                .product_arn(arn)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_conflict_exception()) => Ok(()),
                Err(e) => Err(sdk_error(t, e)),
            }
        }
    }
}
