//! Synthetic organisations for benchmarks and large tests: N accounts (management, delegated
//! administrator, the rest in one OU), converged to a policy by shubctl's own engine against an
//! in-memory snapshot, optionally with drift: controls disabled by hand in some scopes.

use std::path::PathBuf;

use shubctl::apply::{ApplyOptions, apply};
use shubctl::engine;
use shubctl::model::organization::{AccountInfo, AccountStatus, OuInfo};
use shubctl::model::{AccountId, OrgInfo, State};
use shubctl::provider::snapshot::Snapshot;
use shubctl::spec::CheckOptions;
use shubctl::spec::diagnostics::Diagnostics;

use crate::util::Rng;

/// The management account of a synthetic organisation; account `i` is this number plus `i`,
/// so account 1 is the delegated administrator.
pub const FIRST_ACCOUNT: u64 = 100_000_000_000;

/// `accounts` active accounts: the first two at the root, the others in one OU.
pub fn organization(accounts: usize) -> OrgInfo {
    let mut org = OrgInfo {
        management_account: Some(account(0)),
        ..Default::default()
    };
    org.ous.push(OuInfo {
        id: "ou-synt-workloads".into(),
        name: "Workloads".into(),
        parent: "r-synt".into(),
    });
    for i in 0..accounts {
        org.accounts.push(AccountInfo {
            id: account(i),
            name: format!("account-{i}"),
            status: AccountStatus::Active,
            parent: if i < 2 { "r-synt" } else { "ou-synt-workloads" }.into(),
        });
    }
    org
}

fn account(i: usize) -> AccountId {
    AccountId::parse(&format!("{:012}", FIRST_ACCOUNT + i as u64)).expect("twelve digits")
}

/// The organisation of `accounts` accounts converged to the policy files, then `drift` scopes
/// (chosen with `seed`) each with one more control disabled by hand.
pub fn converged(
    policy: &[PathBuf],
    accounts: usize,
    drift: usize,
    seed: u64,
) -> Result<Snapshot, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let opts = CheckOptions {
        today: chrono::Utc::now().date_naive(),
        expiry_warning_days: 30,
    };
    let mut d = Diagnostics::default();
    let p = engine::load_policy(policy, &opts, &mut d);
    if d.has_errors() {
        return Err(with_errors("the policy has errors", &d, accounts));
    }
    let snap = Snapshot::from_state(organization(accounts), State::default());
    let planned = rt
        .block_on(engine::plan(
            &p,
            &snap,
            "synthetic",
            opts.today,
            64,
            false,
            &mut d,
        ))
        .map_err(|e| with_errors(&e.to_string(), &d, accounts))?;
    let report = rt.block_on(apply(
        &planned.plan,
        &snap,
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 64,
        },
    ));
    if !report.success() {
        return Err("converging the synthetic organisation failed".into());
    }
    if drift == 0 {
        return Ok(snap);
    }
    let mut state = snap.state();
    disable_by_hand(&mut state, drift, seed);
    Ok(Snapshot::from_state(snap.org.clone(), state))
}

/// `what`, then each error as `file:line:column: error[code]: message`, then the accounts
/// a policy must name (the synthetic organisation's are fixed).
fn with_errors(what: &str, d: &Diagnostics, accounts: usize) -> String {
    let errors: Vec<String> = d
        .items
        .iter()
        .filter(|i| i.severity == shubctl::spec::diagnostics::Severity::Error)
        .map(|i| i.to_string())
        .collect();
    format!(
        "{what}\n{}\nthe synthetic organisation: management account {}, delegated administrator {}, accounts {}…{} in OU ou-synt-workloads under root r-synt",
        errors.join("\n"),
        account(0),
        account(1),
        account(2),
        account(accounts.saturating_sub(1).max(2)),
    )
}

/// In `n` scopes with an enabled standard, disables one control that is enabled there.
fn disable_by_hand(state: &mut State, n: usize, seed: u64) {
    let catalog = shubctl::model::catalog::catalog();
    let mut candidates: Vec<_> = state
        .scopes
        .iter()
        .filter(|(_, s)| !s.controls.is_empty())
        .map(|(scope, _)| scope.clone())
        .collect();
    let mut rng = Rng::new(seed);
    for _ in 0..n.min(candidates.len()) {
        let scope = candidates.swap_remove((rng.next_u64() % candidates.len() as u64) as usize);
        let s = state.scopes.get_mut(&scope).expect("listed above");
        let Some((standard, controls)) = s.controls.iter_mut().next() else {
            continue;
        };
        let enabled = catalog
            .controls_in(standard)
            .map(|c| c.id.as_str())
            .find(|c| !controls.disabled.contains_key(*c) && !controls.unavailable.contains(*c));
        if let Some(control) = enabled {
            controls
                .disabled
                .insert(control.to_string(), "disabled by hand".into());
        }
    }
}
