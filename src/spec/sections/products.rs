//! `integrations.products:` — product integrations whose findings Security Hub imports, in
//! every scope, as `company/product`.

use std::collections::BTreeSet;

use super::Section;
use crate::model::DesiredScope;
use crate::model::resource::Empty;
use crate::model::{AccountId, Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::Expansion;
use crate::spec::policy::CheckOptions;

pub const KINDS: &[Kind] = &[Kind::Product];

#[derive(Debug, Clone)]
pub struct Checked {
    pub products: Vec<String>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let pr = c.products.as_ref()?;
    let mut seen = BTreeSet::new();
    for (i, x) in pr.value.iter().enumerate() {
        let pos = c.pos(pr, &format!("/{i}"));
        let ok = x.split_once('/').is_some_and(|(co, name)| {
            !co.is_empty()
                && !name.is_empty()
                && !name.contains('/')
                && x.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_./".contains(ch))
        });
        if !ok {
            d.error(
                &pos,
                Code::BadProductName,
                format!(
                    "`{x}` is not a product name; write `company/product`, like `aws/guardduty`"
                ),
            );
        }
        if !seen.insert(x) {
            d.error(
                &pos,
                Code::DuplicateProduct,
                format!("product `{x}` is listed twice"),
            );
        }
    }
    Some(Checked {
        products: pr.value.clone(),
    })
}

impl Section for Checked {
    fn scope(&self, x: &Expansion<'_>, _acct: &AccountId, _r: &str, out: &mut DesiredScope) {
        out.read(Kind::Product);
        if x.policy.hub_enabled() {
            for p in &self.products {
                out.want(Kind::Product, Some(p.clone()), Resource::Product(Empty {}));
            }
        }
    }
}
