//! Apply converges: for random current states, plan → apply → plan shows no changes, and the
//! saved-plan fingerprint guard refuses a plan whose state has moved.

use proptest::prelude::*;
use serde_json::json;
use shubctl::apply::{ApplyOptions, Outcome, apply};
use shubctl::diff::{Action, Change};
use shubctl::model::catalog::catalog;
use shubctl::model::resource::*;
use shubctl::model::{AccountId, Address, Kind, Resource, State};
use shubctl::provider::snapshot::Snapshot;
use shubctl::provider::{Executor, ProviderError};

use crate::common::*;

/// Every resource of a state with its address, each control association of every enabled
/// standard included (enabled ones too), as AWS would list them.
fn all_entries(state: &State) -> Vec<(Address, Resource)> {
    let mut out = Vec::new();
    for (scope, st) in &state.scopes {
        for (l, v) in &st.resources {
            out.push((Address::in_scope(scope, l.kind, l.id.clone()), v.clone()));
        }
        for (std, c) in &st.controls {
            for ctl in catalog().controls_in(std) {
                if let Some(v) = c.get(&ctl.id) {
                    out.push((
                        Address::in_scope(scope, Kind::Control, Some(format!("{}@{std}", ctl.id))),
                        Resource::Control(v),
                    ));
                }
            }
        }
    }
    out
}

/// Removes a resource; a control association cannot go on its own, so it becomes one AWS does
/// not report (as for a control not offered in the region).
fn remove(state: &mut State, a: &Address) {
    let scope = state.scopes.get_mut(&a.scope()).unwrap();
    if a.kind == Kind::Control {
        let (ctl, std) = a.id.as_deref().unwrap().split_once('@').unwrap();
        let controls = scope.controls.get_mut(std).unwrap();
        // AWS lists an unavailable control in no state, disabled included.
        controls.disabled.remove(ctl);
        controls.unavailable.insert(ctl.to_string());
    } else {
        scope.remove(a.kind, a.id.as_deref());
    }
}

/// Mutates a state the way people and AWS do: things removed, settings changed, strays added.
pub(crate) fn mutate(state: &mut State, ops: &[(u8, usize, u8)]) {
    let admin = AccountId::parse("222222222222").unwrap();
    for &(op, idx, variant) in ops {
        let entries = all_entries(state);
        if entries.is_empty() {
            return;
        }
        let (a, mut value) = entries[idx % entries.len()].clone();
        match op % 3 {
            0 => remove(state, &a),
            1 => {
                let v = &mut value;
                match v {
                    Resource::Control(c) => {
                        *c = if c.is_enabled() {
                            ControlValue::disabled(format!("by hand {variant}"))
                        } else {
                            ControlValue::enabled()
                        }
                    }
                    Resource::Hub(h) => {
                        h.auto_enable_controls = !h.auto_enable_controls;
                        if variant % 2 == 0 {
                            h.control_finding_generator = "STANDARD_CONTROL".parse().unwrap();
                        }
                    }
                    Resource::GuardDuty(g) => {
                        g.features
                            .insert("S3_DATA_EVENTS".into(), "DISABLED".parse().unwrap());
                        g.finding_publishing_frequency = "SIX_HOURS".parse().unwrap();
                    }
                    Resource::Aggregator(ag) => ag.regions.truncate(usize::from(variant % 2)),
                    Resource::Macie(m) => m.status = "PAUSED".parse().unwrap(),
                    Resource::Inspector(i) => i.resource_types.truncate(1),
                    Resource::Insight(i) => i.group_by = "ResourceType".into(),
                    Resource::OrgConfig(o) => o.auto_enable = o.auto_enable.map(|b| !b),
                    // A parameter set back to its default is no longer read as set (values
                    // must stay of the parameter's own type, so none is made up here).
                    Resource::ControlParameters(p) if p.parameters.len() > 1 => {
                        let first = p.parameters.keys().next().cloned();
                        if let Some(k) = first {
                            p.parameters.remove(&k);
                        }
                    }
                    Resource::AutomationRule(r) => r.order = 500 + u32::from(variant),
                    Resource::Analyzer(an) => {
                        an.archive_rules.clear();
                    }
                    _ => {
                        remove(state, &a);
                        continue;
                    }
                }
                state.insert(a, value);
            }
            _ => {
                let scope_region = a.region.clone();
                let stray = match variant % 5 {
                    0 => (
                        Address::keyed(
                            &a.account,
                            &scope_region,
                            Kind::Standard,
                            "nist-800-53/5.0.0",
                        ),
                        Resource::Standard(Empty {}),
                    ),
                    1 => (
                        Address::keyed(
                            &admin,
                            "us-east-1",
                            Kind::Insight,
                            format!("stray {variant}"),
                        ),
                        Resource::Insight(InsightValue {
                            group_by: "AwsAccountId".into(),
                            filters: json!({}),
                        }),
                    ),
                    2 => (
                        Address::keyed(&admin, &scope_region, Kind::Member, "999999999999"),
                        Resource::Member(Empty {}),
                    ),
                    3 => (
                        Address::keyed(&a.account, &scope_region, Kind::Product, "acme/scanner"),
                        Resource::Product(Empty {}),
                    ),
                    _ => (
                        Address::keyed(&a.account, &scope_region, Kind::Analyzer, "stray-analyzer"),
                        Resource::Analyzer(AnalyzerValue {
                            analyzer_type: "ACCOUNT".into(),
                            unused_access_age: None,
                            archive_rules: Default::default(),
                        }),
                    ),
                };
                state.insert(stray.0, stray.1);
            }
        }
    }
}

fn converged_showcase() -> (shubctl::spec::Policy, Snapshot) {
    let (p, s) = showcase();
    let first = plan(&p, &s);
    let report = block_on(apply(
        &first,
        &s,
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    assert!(report.success(), "{}", report.render_text());
    (p, s)
}

#[test]
fn showcase_plan_apply_plan_is_empty() {
    let (p, s) = converged_showcase();
    let again = plan(&p, &s);
    assert!(again.changes.is_empty(), "{:#?}", again.changes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn apply_then_plan_has_no_changes(ops in prop::collection::vec((0u8..3, 0usize..100_000, 0u8..20), 1..40)) {
        let (p, s) = converged_showcase();
        let mut state = s.state();
        mutate(&mut state, &ops);
        let drifted = Snapshot::from_state(s.org.clone(), state);
        let first = plan(&p, &drifted);
        let report = block_on(apply(&first, &drifted, &ApplyOptions { allow_destroy: true, cancel: None, concurrency: 4 }));
        prop_assert!(report.success(), "{}", report.render_text());
        let again = plan(&p, &drifted);
        prop_assert!(again.changes.is_empty(), "left after apply: {:#?}", again.changes);
    }
}

#[test]
fn destructive_changes_are_not_attempted_without_allow_destroy() {
    let (p, s) = showcase();
    let first = plan(&p, &s);
    assert!(first.summary.destructive > 0);
    let report = block_on(apply(
        &first,
        &s,
        &ApplyOptions {
            allow_destroy: false,
            cancel: None,
            concurrency: 4,
        },
    ));
    assert_eq!(report.not_attempted, first.summary.destructive);
    assert!(
        report
            .entries
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::NotAttempted { .. }))
            .all(|e| e.action == Action::Delete)
    );
}

/// Fails every change to one address, to check the report and dependency handling.
struct Failing<'a> {
    inner: &'a Snapshot,
    fail: Address,
}

impl Executor for Failing<'_> {
    async fn execute(&self, batch: &[Change]) -> Vec<Result<(), ProviderError>> {
        let mut out = Vec::new();
        for c in batch {
            if c.address == self.fail {
                out.push(Err(ProviderError {
                    target: shubctl::model::Target::Address(c.address.clone()),
                    code: Some("InvalidAccessException".into()),
                    message: "Account is not subscribed".into(),
                }));
            } else {
                out.extend(self.inner.execute(std::slice::from_ref(c)).await);
            }
        }
        out
    }
}

#[test]
fn a_failed_change_is_reported_and_blocks_only_its_dependants() {
    let (p, s) = showcase();
    let first = plan(&p, &s);
    let dev = AccountId::parse("555555555555").unwrap();
    let hub = Address::singleton(&dev, "us-west-2", Kind::Hub);
    assert!(
        first
            .changes
            .iter()
            .any(|c| c.address == hub && c.action == Action::Create)
    );
    let report = block_on(apply(
        &first,
        &Failing {
            inner: &s,
            fail: hub.clone(),
        },
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    assert_eq!(report.failed, 1);
    assert!(!report.success());
    let entry = |a: &Address| report.entries.iter().find(|e| &e.address == a).unwrap();
    assert!(matches!(entry(&hub).outcome, Outcome::Failed { .. }));
    // The standards in that scope depend on the hub and are not attempted...
    let std = Address::keyed(&dev, "us-west-2", Kind::Standard, "fsbp/1.0.0");
    assert!(matches!(entry(&std).outcome, Outcome::NotAttempted { .. }));
    // ...while the same account's other regions go ahead.
    let other = Address::keyed(&dev, "eu-west-1", Kind::Standard, "fsbp/1.0.0");
    assert_eq!(entry(&other).outcome, Outcome::Applied);
    assert_eq!(
        report.applied + report.failed + report.not_attempted,
        first.changes.len()
    );
    // A second apply converges.
    let report = block_on(apply(
        &plan(&p, &s),
        &s,
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    assert!(report.success());
    assert!(plan(&p, &s).changes.is_empty());
}

#[test]
fn interrupted_apply_reports_the_rest_as_not_attempted() {
    let (p, s) = showcase();
    let first = plan(&p, &s);
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let report = block_on(apply(
        &first,
        &s,
        &ApplyOptions {
            allow_destroy: true,
            cancel: Some(&cancel),
            concurrency: 4,
        },
    ));
    assert_eq!(report.applied, 0);
    assert_eq!(report.not_attempted, first.changes.len());
}

#[test]
fn fingerprint_moves_with_the_state() {
    let (p, s) = showcase();
    let first = plan(&p, &s);
    let (state, _) = block_on(shubctl::provider::read_state(&s, &first.reads, 4));
    assert_eq!(state.fingerprint(), first.state_fingerprint);
    block_on(apply(
        &first,
        &s,
        &ApplyOptions {
            allow_destroy: true,
            cancel: None,
            concurrency: 4,
        },
    ));
    let (state, _) = block_on(shubctl::provider::read_state(&s, &first.reads, 4));
    assert_ne!(state.fingerprint(), first.state_fingerprint);
}

/// A service the policy does not declare is not the policy's business: its administrator and
/// organisation settings are neither read nor removed.
#[test]
fn undeclared_services_are_left_alone() {
    let p = policy(&["tests/fixtures/aws/policy.yaml"]);
    let mut file: shubctl::provider::snapshot::SnapshotFile =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/aws/org.json").unwrap())
            .unwrap();
    file.resources.insert(
        "111111111111/us-east-1/delegated-admin/guardduty"
            .parse()
            .unwrap(),
        json!({"account": "222222222222"}),
    );
    file.resources.insert(
        "222222222222/us-east-1/org-config/macie".parse().unwrap(),
        json!({"auto_enable": true}),
    );
    let s = Snapshot::from_file(file).unwrap();
    let first = plan(&p, &s);
    assert!(
        first
            .changes
            .iter()
            .all(|c| !matches!(c.address.id.as_deref(), Some("guardduty" | "macie"))),
        "touched an undeclared service"
    );
    assert!(
        first
            .changes
            .iter()
            .any(|c| c.address.to_string() == "111111111111/us-east-1/delegated-admin/securityhub")
    );
}

/// The engine runs the apply pipeline (gate, the caller's confirmation, apply, verification);
/// the caller only confirms. Refused, nothing is written; confirmed, the showcase converges and
/// the re-read says so.
#[test]
fn the_engine_runs_the_apply_pipeline_and_the_caller_only_confirms() {
    use shubctl::apply::ApplyOptions;
    use shubctl::engine::{EngineError, Verification, VerifyAgainst, apply_and_verify};
    let (p, s) = showcase();
    let first = plan(&p, &s);
    let opts = ApplyOptions {
        allow_destroy: true,
        cancel: None,
        concurrency: 4,
    };
    let run = |confirmed: bool| {
        block_on(apply_and_verify(
            &first,
            &s,
            &s,
            VerifyAgainst::Policy(&p, today()),
            &opts,
            |_| {
                if confirmed {
                    Ok(())
                } else {
                    Err(Box::new(EngineError::NotInScope(
                        "refused by the test".into(),
                    )))
                }
            },
            || {},
        ))
    };
    assert!(run(false).is_err());
    assert_eq!(
        plan(&p, &s).changes,
        first.changes,
        "nothing written when refused"
    );
    let applied = run(true).unwrap_or_else(|e| panic!("{e}"));
    assert!(applied.report.success(), "{}", applied.report.render_text());
    assert_eq!(applied.verification, Some(Verification::Converged));
    assert!(plan(&p, &s).changes.is_empty());
}
