//! `account:` — a single-account set-up: the one account managed, which also holds what an
//! organisation's administrator would.

use super::Section;
use super::select::account_id;
use crate::model::{AccountId, Kind};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::policy::CheckOptions;

pub const KINDS: &[Kind] = &[];

#[derive(Debug, Clone)]
pub struct Checked {
    pub id: AccountId,
}

/// Also checks the scope as a whole: exactly one of `account` and `organization`.
pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    match (&c.account, &c.organization) {
        (Some(a), Some(o)) => d.error(
            &c.key_pos(a),
            Code::AccountAndOrganization,
            format!(
                "`account` and `organization` are both set (organization at {}); use `account` for a single account or `organization` for an organisation",
                c.key_pos(o)
            ),
        ),
        (None, None) if !c.partial => {
            if let Some(start) = c.start() {
                d.error(
                    &start,
                    Code::NoScope,
                    "the policy has no scope: add `account: \"123456789012\"` or an `organization` section",
                );
            }
        }
        _ => {}
    }
    let a = c.account.as_ref()?;
    account_id(&a.value, &c.pos(a, ""), d).map(|id| Checked { id })
}

impl Section for Checked {}
