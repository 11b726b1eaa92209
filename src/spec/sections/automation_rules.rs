//! `automation_rules:` — automation rules, evaluated by the administrator's home region: which
//! findings (criteria) and what to change in them (one action). A rule that suppresses or
//! resolves findings, or lowers their severity, counts as weakening the security posture.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Section;
use super::select::{duplicates, report_filter_problems};
use crate::model::resource::AutomationRuleValue;
use crate::model::{Kind, Resource};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics, Pos};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::filters::{self, FilterUse};
use crate::spec::policy::CheckOptions;

fn default_true() -> bool {
    true
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationRule {
    /// Unique name; shubctl identifies rules by name.
    pub name: String,
    /// Evaluation order, 1–1000; lower runs first.
    pub order: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Stop evaluating later rules for a finding this rule matches.
    #[serde(default)]
    pub terminal: bool,
    /// Which findings the rule applies to, in the same syntax as insight filters.
    pub criteria: BTreeMap<String, Value>,
    pub actions: RuleActions,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleActions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<SeverityLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_state: Option<VerificationState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_defined_fields: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowStatus {
    New,
    Notified,
    Resolved,
    Suppressed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeverityLabel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    Unknown,
    TruePositive,
    FalsePositive,
    BenignPositive,
}

pub const KINDS: &[Kind] = &[Kind::AutomationRule];

#[derive(Debug, Clone)]
pub struct Checked {
    /// Name → value, criteria and actions as the API takes them.
    pub rules: Vec<(String, AutomationRuleValue)>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let list = c.automation_rules.as_ref()?;
    duplicates(
        c,
        list,
        |r| r.name.clone(),
        "/name",
        "automation rule",
        Code::DuplicateName,
        d,
    );
    if list.len() > 100 {
        d.error(
            &c.pos(&list[100], ""),
            Code::TooManyRules,
            format!(
                "{} automation rules; an administrator account holds at most 100",
                list.len()
            ),
        );
    }
    let mut orders: BTreeMap<u32, Pos> = BTreeMap::new();
    let mut rules = Vec::new();
    for r in list {
        let v = &r.value;
        if !(1..=1000).contains(&v.order) {
            d.error(
                &c.pos(r, "/order"),
                Code::RuleOrder,
                format!("order {} is out of range (1–1000)", v.order),
            );
        } else if let Some(first) = orders.get(&v.order) {
            d.warning(
                &c.pos(r, "/order"),
                Code::RuleOrderReused,
                format!("order {} is also used at {first}; rules with equal order run in an unspecified order", v.order),
            );
        } else {
            orders.insert(v.order, c.pos(r, "/order"));
        }
        if v.criteria.is_empty() {
            d.error(
                &c.pos(r, "/criteria"),
                Code::NoFilters,
                "a rule needs at least one criterion",
            );
        }
        let criteria = match filters::convert(&v.criteria, FilterUse::AutomationRule) {
            Ok(x) => Some(x),
            Err(problems) => {
                report_filter_problems(c, r, "/criteria", problems, d);
                None
            }
        };
        let a = &v.actions;
        if a.workflow.is_none()
            && a.severity.is_none()
            && a.note.is_none()
            && a.verification_state.is_none()
            && a.confidence.is_none()
            && a.criticality.is_none()
            && a.types.is_none()
            && a.user_defined_fields.is_none()
        {
            d.error(
                &c.pos(r, "/actions"),
                Code::NoActions,
                "the rule changes nothing: give at least one action",
            );
        }
        for (key, val) in [("confidence", a.confidence), ("criticality", a.criticality)] {
            if val.is_some_and(|x| x > 100) {
                d.error(
                    &c.pos(r, &format!("/actions/{key}")),
                    Code::ActionOutOfRange,
                    format!("`{key}` is 0–100"),
                );
            }
        }
        if a.note.as_ref().is_some_and(|n| n.trim().is_empty()) {
            d.error(
                &c.pos(r, "/actions/note"),
                Code::EmptyNote,
                "the note is empty",
            );
        }
        if let Some(criteria) = criteria {
            rules.push((
                v.name.clone(),
                AutomationRuleValue {
                    order: v.order,
                    description: v.description.clone().unwrap_or_else(|| v.name.clone()),
                    status: if v.enabled {
                        crate::model::wire::Switch::Enabled
                    } else {
                        crate::model::wire::Switch::Disabled
                    },
                    terminal: v.terminal,
                    criteria,
                    actions: rule_actions(&v.actions),
                },
            ));
        }
    }
    Some(Checked { rules })
}

impl Section for Checked {
    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        out.at(&x.admin, x.home).read(Kind::AutomationRule);
        for (name, v) in &self.rules {
            out.at(&x.admin, x.home).want(
                Kind::AutomationRule,
                Some(name.clone()),
                Resource::AutomationRule(v.clone()),
            );
        }
    }
}

/// The rule's `FindingFieldsUpdate`, as AWS names its fields.
fn rule_actions(a: &RuleActions) -> serde_json::Value {
    let upper = |v: serde_json::Value| json!(v.as_str().unwrap_or_default().to_ascii_uppercase());
    let mut out = serde_json::Map::new();
    if let Some(w) = a.workflow {
        out.insert(
            "Workflow".into(),
            json!({"Status": upper(serde_json::to_value(w).expect("enum"))}),
        );
    }
    if let Some(s) = a.severity {
        out.insert(
            "Severity".into(),
            json!({"Label": upper(serde_json::to_value(s).expect("enum"))}),
        );
    }
    if let Some(n) = &a.note {
        out.insert("Note".into(), json!({"Text": n, "UpdatedBy": "shubctl"}));
    }
    if let Some(v) = a.verification_state {
        out.insert(
            "VerificationState".into(),
            upper(serde_json::to_value(v).expect("enum")),
        );
    }
    if let Some(c) = a.confidence {
        out.insert("Confidence".into(), json!(c));
    }
    if let Some(c) = a.criticality {
        out.insert("Criticality".into(), json!(c));
    }
    if let Some(t) = &a.types {
        out.insert("Types".into(), json!(t));
    }
    if let Some(u) = &a.user_defined_fields {
        out.insert("UserDefinedFields".into(), json!(u));
    }
    serde_json::Value::Object(out)
}
