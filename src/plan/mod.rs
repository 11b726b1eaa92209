//! The plan: a serialisable value carrying the changes, what they were computed from, and a
//! summary. Renderers only read it; `apply` executes it.

pub mod contract;
pub mod render;

use serde::{Deserialize, Serialize};

use crate::diff::{Action, Change};
use crate::model::{Kind, ProviderError, ReadPlan};

pub const PLAN_FORMAT_VERSION: u32 = 1;

/// Why a saved plan cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("not a plan file")]
    NotJson(#[source] serde_json::Error),
    #[error("plan format_version {0} is not supported (this shubctl reads {PLAN_FORMAT_VERSION})")]
    Version(u64),
    #[error("not a plan file: no format_version")]
    NoVersion,
    /// The field at fault, its line and column, in plain words.
    #[error("not a valid plan file")]
    Invalid(#[source] crate::model::json_error::JsonError),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub weakens_posture: usize,
    pub destructive: usize,
    /// Scopes read.
    #[serde(default)]
    pub scopes_read: usize,
    /// Scopes that could not be read: what is there is unknown, and nothing is planned there.
    #[serde(default)]
    pub scopes_unread: usize,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Self {
        let mut s = Summary::default();
        for c in changes {
            match c.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Delete => s.delete += 1,
            }
            s.weakens_posture += usize::from(c.weakens_posture);
            s.destructive += usize::from(c.destructive);
        }
        s
    }
    pub fn total(&self) -> usize {
        self.create + self.update + self.delete
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkippedAccount {
    pub account: String,
    pub status: String,
}

/// Which accounts and regions the plan covers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_accounts: Vec<SkippedAccount>,
}

/// How the accounts were reached, so a saved plan is applied the same way.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Access {
    /// The IAM role assumed in member accounts.
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub organization: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegated_admin: Option<String>,
    /// Integrated services the policy declares.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<crate::model::Service>,
    /// The home region, where a live apply keeps its lock (in the delegated administrator's
    /// account, or the caller's without an organisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// `regions: { include: all }`: the enabled regions are read from AWS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_regions: bool,
    /// The partition of the policy's regions (`aws`, `aws-cn`, `aws-us-gov`): a configured
    /// region of another is refused before any call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub tool_version: String,
    /// Where current state came from: `snapshot:<path>` or `aws`.
    pub source: String,
    /// Fingerprint of the current state the plan was computed from; a saved plan is refused
    /// when the state has moved since.
    pub state_fingerprint: String,
    #[serde(rename = "scope")]
    pub coverage: Coverage,
    pub summary: Summary,
    /// Sorted by address.
    pub changes: Vec<Change>,
    /// Things a reviewer must know: expired exceptions, skipped accounts, unreadable scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Scopes that could not be read; their changes are unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_failures: Vec<ProviderError>,
    /// What was read, so `apply --plan` can re-read the same and compare fingerprints.
    pub reads: ReadPlan,
    /// How accounts are reached (role, external ID), for `apply --plan`.
    #[serde(default)]
    pub access: Access,
    /// API calls made to compute the plan, per `account/region` (live AWS only).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub api_calls: std::collections::BTreeMap<String, u64>,
    /// Controls the built-in catalog lacks that the plan was computed with (from `--catalog`,
    /// or AWS's live definitions), each with its standards: `apply --plan` reads them again,
    /// so the state it checks is the state planned.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub newer_controls: std::collections::BTreeMap<String, Vec<String>>,
    /// The whole definitions (title, standards, parameters) of the controls the plan was
    /// computed with that the built-in catalog lacks or that AWS's live definitions taught:
    /// `apply --plan` adds those the catalog then in use lacks (a `--catalog` file may lack a
    /// built-in control, and parameters are written by their definitions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub learnt_controls: Vec<crate::model::catalog::ControlDef>,
}

impl Plan {
    pub fn new(
        source: String,
        fingerprint: String,
        coverage: Coverage,
        changes: Vec<Change>,
        warnings: Vec<String>,
        read_failures: Vec<ProviderError>,
        reads: ReadPlan,
    ) -> Self {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            source,
            state_fingerprint: fingerprint,
            coverage,
            summary: Summary {
                scopes_unread: read_failures.len(),
                scopes_read: reads.scopes.len().saturating_sub(read_failures.len()),
                ..Summary::of(&changes)
            },
            changes,
            warnings,
            read_failures,
            reads,
            api_calls: Default::default(),
            access: Access::default(),
            newer_controls: Default::default(),
            learnt_controls: Default::default(),
        }
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// What the plan can say of the set-up it found when it has no changes, as a headline and
    /// a sentence: that it matches the policy only if every scope was read.
    pub fn no_changes(&self) -> (String, String) {
        match self.summary.scopes_unread {
            0 => (
                "No changes.".into(),
                // A snapshot is what was live when it was taken, not the live set-up now.
                if self.source.starts_with("snapshot") {
                    "The snapshot's set-up matches the policy.".into()
                } else {
                    "The live set-up matches the policy.".into()
                },
            ),
            n => (
                format!(
                    "No changes in the {} scope(s) read.",
                    self.summary.scopes_read
                ),
                format!(
                    "{n} scope(s) could not be read: whether they match the policy is unknown."
                ),
            ),
        }
    }

    /// Said beside the changes when some scopes could not be read.
    pub fn unread_note(&self) -> Option<String> {
        match self.summary.scopes_unread {
            0 => None,
            n => Some(format!(
                "{n} scope(s) could not be read: what is there is unknown, and nothing is planned there."
            )),
        }
    }

    pub fn from_json(text: &str) -> Result<Plan, PlanFileError> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(PlanFileError::NotJson)?;
        match v.get("format_version").and_then(serde_json::Value::as_u64) {
            Some(n) if n == u64::from(PLAN_FORMAT_VERSION) => {}
            Some(n) => return Err(PlanFileError::Version(n)),
            None => return Err(PlanFileError::NoVersion),
        }
        Self::typed(text)
    }

    /// The plan in `text` as a typed value, or where it is wrong: the field's path, line and
    /// column, in plain words (read from the text, not a JSON tree, which has no positions).
    pub fn typed(text: &str) -> Result<Plan, PlanFileError> {
        crate::model::json_error::from_str(text).map_err(PlanFileError::Invalid)
    }
}

/// The rank a change runs at: its kind's, except the switch of Security Hub's organisation
/// configuration to CENTRAL, which AWS accepts only once the aggregator (the home region)
/// exists and which the configuration policies need: it runs right after the aggregator; and
/// the switch back to LOCAL, which runs before everything else in its scope (see [`step`]).
pub fn step_rank(c: &Change) -> u8 {
    if c.leaves_central() {
        return 0;
    }
    if c.enters_central() {
        Kind::Aggregator.rank() + 1
    } else {
        c.address.kind.rank()
    }
}

/// Whether the changes switch an organisation from central configuration back to local.
pub fn leaving_central(changes: &[Change]) -> bool {
    changes.iter().any(Change::leaves_central)
}

/// What a plan does to central configuration, which decides where its configuration policies
/// and associations run (see [`step`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Order {
    /// The organisation goes back to local configuration.
    pub leaving_central: bool,
    /// The organisation is switched to central configuration.
    pub entering_central: bool,
}

impl Order {
    pub fn of(changes: &[Change]) -> Order {
        Order {
            leaving_central: leaving_central(changes),
            entering_central: changes.iter().any(Change::enters_central),
        }
    }
}

/// Where a configuration-policy or association change runs among the others of its kinds:
/// new policies first, then the associations that apply them (or make targets self-managed),
/// then the contents of policies that stay, and only then the associations and policies that
/// go: an edited policy loses the accounts that move away from it before its content changes
/// (so they do not lose, on the way, a standard they keep), and a policy is removed only once
/// nothing inherits it.
fn central_sub_step(c: &Change) -> Option<u8> {
    Some(match (c.address.kind, c.action) {
        (Kind::ConfigPolicy, Action::Create) => 0,
        (Kind::PolicyAssociation, Action::Create | Action::Update) => 1,
        (Kind::ConfigPolicy, Action::Update) => 2,
        (Kind::PolicyAssociation, Action::Delete) => 3,
        (Kind::ConfigPolicy, Action::Delete) => 4,
        _ => return None,
    })
}

/// The step a change runs in (steps run one after another, in this order).
///
/// Leaving central configuration comes first, as AWS needs it: the associations are removed,
/// then the configuration policies, then the organisation is switched to LOCAL (refused while
/// either exists), and only then can the accounts be written locally (refused while a policy
/// manages them).
///
/// Otherwise creates and updates by ascending kind rank (admin → hub → standards → controls →
/// …), then deletes by descending rank, except configuration policies and associations, which
/// run together in the order of [`central_sub_step`]: switching to central configuration,
/// where the configuration policies need the switch (after the aggregator), at their kinds'
/// rank; on an organisation already central, right after the members (hubs and members are
/// what associations need) and before any account's standards, controls and parameters, so
/// the associations that leave accounts self-managed release them before they are written
/// locally (AWS refuses those writes while a policy manages the account).
pub fn step(c: &Change, order: Order) -> (u8, u8, u8) {
    if order.leaving_central {
        match (c.address.kind, c.action) {
            (Kind::PolicyAssociation, Action::Delete) => return (0, 0, 0),
            (Kind::ConfigPolicy, Action::Delete) => return (0, 1, 0),
            _ if c.leaves_central() => return (0, 2, 0),
            _ => {}
        }
    }
    if let Some(sub) = central_sub_step(c) {
        return if order.entering_central {
            (1, Kind::ConfigPolicy.rank(), sub)
        } else {
            (1, Kind::Member.rank(), 1 + sub)
        };
    }
    let rank = step_rank(c);
    if c.action == Action::Delete {
        (2, u8::MAX - rank, 0)
    } else {
        (1, rank, 0)
    }
}

/// The order changes run in: [`step`] by step, address order within a step.
pub fn apply_order(changes: &[Change]) -> Vec<&Change> {
    let order = Order::of(changes);
    let mut v: Vec<&Change> = changes.iter().collect();
    v.sort_by_key(|c| (step(c, order), c.address.clone()));
    v
}

#[cfg(test)]
mod step_rank_tests {
    use serde_json::json;

    use super::*;
    use crate::model::change::{Reason, ReasonCode};

    fn org_config(action: Action, before: Option<&str>, after: &str) -> Change {
        let value = |t: &str| json!({ "auto_enable": false, "configuration_type": t });
        Change {
            address: "222222222222/us-east-1/org-config/securityhub"
                .parse()
                .unwrap(),
            action,
            before: before.map(value),
            after: Some(value(after)),
            changed_fields: vec![],
            reason: Reason {
                code: ReasonCode::Drift,
                message: String::new(),
                exception: None,
            },
            weakens_posture: false,
            destructive: false,
        }
    }

    #[test]
    fn leaving_central_runs_first_associations_policies_then_the_switch() {
        let switch = org_config(Action::Update, Some("CENTRAL"), "LOCAL");
        assert!(switch.leaves_central());
        assert_eq!(step_rank(&switch), 0);
        let delete = |kind: &str| Change {
            address: format!("222222222222/us-east-1/{kind}/x").parse().unwrap(),
            action: Action::Delete,
            after: None,
            ..org_config(Action::Delete, Some("LOCAL"), "LOCAL")
        };
        let hub = Change {
            address: "333333333333/us-east-1/hub".parse().unwrap(),
            action: Action::Create,
            ..org_config(Action::Create, None, "LOCAL")
        };
        let changes = vec![
            hub.clone(),
            switch.clone(),
            delete("config-policy"),
            delete("policy-association"),
        ];
        let kinds: Vec<Kind> = apply_order(&changes)
            .iter()
            .map(|c| c.address.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                Kind::PolicyAssociation,
                Kind::ConfigPolicy,
                Kind::OrgConfig,
                Kind::Hub
            ]
        );
        // Without the switch, deletes keep their place at the end.
        let kinds: Vec<Kind> = apply_order(&[hub, delete("config-policy")])
            .iter()
            .map(|c| c.address.kind)
            .collect();
        assert_eq!(kinds, [Kind::Hub, Kind::ConfigPolicy]);
    }

    /// A change of `kind` at `address` (under the administrator's home region unless it names
    /// its account).
    fn change(action: Action, address: &str) -> Change {
        Change {
            address: address.parse().unwrap(),
            action,
            before: None,
            after: None,
            ..org_config(action, None, "LOCAL")
        }
    }

    #[test]
    fn central_changes_create_associate_update_then_remove_before_local_writes() {
        let home = "222222222222/us-east-1";
        let changes = vec![
            change(Action::Delete, &format!("{home}/config-policy/shubctl-old")),
            change(
                Action::Update,
                &format!("{home}/config-policy/shubctl-root"),
            ),
            change(Action::Create, &format!("{home}/config-policy/shubctl-new")),
            change(Action::Delete, &format!("{home}/policy-association/ou-old")),
            change(Action::Create, &format!("{home}/policy-association/ou-new")),
            change(
                Action::Update,
                &format!("{home}/policy-association/ou-freed"),
            ),
            change(
                Action::Update,
                "333333333333/eu-west-1/control/S3.1@fsbp/1.0.0",
            ),
            change(Action::Create, "333333333333/eu-west-1/standard/cis/1.2.0"),
            change(
                Action::Update,
                "333333333333/eu-west-1/control-parameters/IAM.7",
            ),
            change(Action::Create, "111111111111/us-east-1/hub"),
            change(Action::Create, &format!("{home}/member/777777777777")),
        ];
        let order: Vec<String> = apply_order(&changes)
            .iter()
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        assert_eq!(
            order,
            [
                // What associations need: hubs and members.
                "create 111111111111/us-east-1/hub".to_string(),
                format!("create {home}/member/777777777777"),
                // New policies, then every association (the self-managed ones release their
                // accounts), then contents, then what goes.
                format!("create {home}/config-policy/shubctl-new"),
                format!("update {home}/policy-association/ou-freed"),
                format!("create {home}/policy-association/ou-new"),
                format!("update {home}/config-policy/shubctl-root"),
                format!("delete {home}/policy-association/ou-old"),
                format!("delete {home}/config-policy/shubctl-old"),
                // Local writes, once no policy manages the accounts they write.
                "create 333333333333/eu-west-1/standard/cis/1.2.0".to_string(),
                "update 333333333333/eu-west-1/control/S3.1@fsbp/1.0.0".to_string(),
                "update 333333333333/eu-west-1/control-parameters/IAM.7".to_string(),
            ]
        );
        // Switching to central: the policies need the switch, after the aggregator; the same
        // order among them.
        let mut entering = changes.clone();
        entering.push(org_config(Action::Update, Some("LOCAL"), "CENTRAL"));
        entering.push(change(Action::Create, &format!("{home}/aggregator")));
        let order: Vec<String> = apply_order(&entering)
            .iter()
            .map(|c| format!("{} {}", c.action.as_str(), c.address))
            .collect();
        let at = |s: &str| {
            order
                .iter()
                .position(|a| a == s)
                .unwrap_or_else(|| panic!("{s}"))
        };
        assert!(
            at("create 333333333333/eu-west-1/standard/cis/1.2.0")
                < at(&format!("create {home}/aggregator"))
        );
        assert!(
            at(&format!("create {home}/aggregator"))
                < at(&format!("update {home}/org-config/securityhub"))
        );
        assert!(
            at(&format!("update {home}/org-config/securityhub"))
                < at(&format!("create {home}/config-policy/shubctl-new"))
        );
        let central: Vec<&String> = order
            .iter()
            .filter(|a| a.contains("config-policy/") || a.contains("policy-association/"))
            .collect();
        assert_eq!(
            central,
            [
                &format!("create {home}/config-policy/shubctl-new"),
                &format!("update {home}/policy-association/ou-freed"),
                &format!("create {home}/policy-association/ou-new"),
                &format!("update {home}/config-policy/shubctl-root"),
                &format!("delete {home}/policy-association/ou-old"),
                &format!("delete {home}/config-policy/shubctl-old"),
            ]
        );
    }

    #[test]
    fn only_the_switch_to_central_runs_after_the_aggregator() {
        let switch = org_config(Action::Update, Some("LOCAL"), "CENTRAL");
        assert_eq!(step_rank(&switch), Kind::Aggregator.rank() + 1);
        assert!(step_rank(&switch) < Kind::ConfigPolicy.rank());
        let created = org_config(Action::Create, None, "CENTRAL");
        assert_eq!(step_rank(&created), Kind::Aggregator.rank() + 1);
        // Already central, or local: the kind's own rank, before members and standards.
        let stays = org_config(Action::Update, Some("CENTRAL"), "CENTRAL");
        assert_eq!(step_rank(&stays), Kind::OrgConfig.rank());
        let local = org_config(Action::Update, Some("LOCAL"), "LOCAL");
        assert_eq!(step_rank(&local), Kind::OrgConfig.rank());
    }
}
