//! `routes:` — EventBridge rules on the default bus of the administrator account that send
//! Security Hub findings to targets: which findings (an event pattern built from the finding's
//! severity, workflow status, record state, compliance, product, control, account and resource
//! type), where (the home region, where the aggregator gathers every region's findings, or every
//! managed region), and to what (SNS topics, SQS queues, Lambda functions, Step Functions state
//! machines, event buses). A Lambda target comes with the permission for the rule to invoke it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Section;
use super::automation_rules::{SeverityLabel, WorkflowStatus};
use super::select::{account_id, control_id, duplicates};
use crate::model::document::canonical_pattern;
use crate::model::resource::{InputTransformer, MANAGED_PREFIX, RouteTarget, RouteValue};
use crate::model::{Kind, Resource};
use crate::spec::compose::{Composed, Located};
use crate::spec::diagnostics::{Code, Diagnostics, Pos};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

fn default_true() -> bool {
    true
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The rule's name, after the `shubctl-` every rule shubctl manages starts with.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Which findings to send; every imported finding when empty. Within a field any value
    /// matches; every field given must match.
    #[serde(default)]
    pub findings: FindingMatch,
    /// `home` (default): the home region, where the aggregator gathers the findings of every
    /// region. `all`: every managed region, each routing its own findings.
    #[serde(default)]
    pub regions: RouteRegions,
    /// Where to send them (at most 5).
    pub targets: Vec<TargetSpec>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteRegions {
    #[default]
    Home,
    All,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Vec<SeverityLabel>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_status: Option<Vec<WorkflowStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_state: Option<Vec<RecordState>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_status: Option<Vec<ComplianceStatus>>,
    /// `ProductName`: `Security Hub`, `GuardDuty`, `Inspector`, `Macie`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_names: Option<Vec<String>>,
    /// Security-control IDs (`S3.2`, `EC2.19`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_ids: Option<Vec<String>>,
    /// The accounts the findings are about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<String>>,
    /// Resource types as findings name them (`AwsS3Bucket`, `AwsEc2Instance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_types: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    Active,
    Archived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceStatus {
    Passed,
    Warning,
    Failed,
    NotAvailable,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// The ARN of an SNS topic, SQS queue, Lambda function, Step Functions state machine or
    /// event bus.
    pub arn: String,
    /// The target's id within the rule (by default, derived from the ARN's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The role EventBridge assumes to deliver (needed for Step Functions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Sends a JSON of your own instead of the whole event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<InputTransformerSpec>,
    /// The SQS queue events go to when they cannot be delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_queue: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputTransformerSpec {
    /// Placeholder name → JSON path into the event (`$.detail.findings[0].Id`).
    #[serde(default)]
    pub paths: BTreeMap<String, String>,
    /// The text sent, with `<placeholder>`s.
    pub template: String,
}

pub const KINDS: &[Kind] = &[Kind::Route];

/// EventBridge's default quota on an event pattern's size, in characters.
pub const PATTERN_MAX_CHARS: usize = 2_048;
/// Targets a rule may have.
pub const MAX_TARGETS: usize = 5;
/// Placeholders EventBridge fills in without a path.
const PREDEFINED: [&str; 5] = [
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
];

/// The kinds of target a route may have, by the service in their ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Sns,
    Sqs,
    Lambda,
    StepFunctions,
    EventBus,
}

/// An ARN taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

pub fn parse_arn(s: &str) -> Option<Arn<'_>> {
    let rest = s.strip_prefix("arn:")?;
    let p: Vec<&str> = rest.splitn(5, ':').collect();
    (p.len() == 5 && !p[0].is_empty()).then(|| Arn {
        service: p[1],
        region: p[2],
        account: p[3],
        resource: p[4],
    })
}

/// What a target ARN points at, if it is something a route can send to.
pub fn target_kind(arn: &Arn) -> Option<TargetKind> {
    let named = |r: &str| !r.is_empty() && !r.contains(['/', ':']);
    let with_account = arn.account.len() == 12 && arn.account.bytes().all(|b| b.is_ascii_digit());
    if !with_account || arn.region.is_empty() {
        return None;
    }
    match arn.service {
        "sns" if named(arn.resource) => Some(TargetKind::Sns),
        "sqs" if named(arn.resource) => Some(TargetKind::Sqs),
        "lambda" => {
            let f = arn.resource.strip_prefix("function:")?;
            let name = f.split(':').next().unwrap_or_default();
            (!name.is_empty() && f.split(':').count() <= 2).then_some(TargetKind::Lambda)
        }
        "states" => arn
            .resource
            .strip_prefix("stateMachine:")
            .filter(|n| named(n))
            .map(|_| TargetKind::StepFunctions),
        "events" => arn
            .resource
            .strip_prefix("event-bus/")
            .filter(|n| !n.is_empty())
            .map(|_| TargetKind::EventBus),
        _ => None,
    }
}

fn rule_name_chars(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A target's id from its ARN: the name at its end, in the characters ids may have.
fn default_id(arn: &str) -> String {
    let tail = arn.rsplit([':', '/']).next().unwrap_or(arn);
    let id: String = tail
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || "._-".contains(ch) {
                ch
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if id.is_empty() { "target".into() } else { id }
}

/// A target with where it was written, for the checks that need the organisation.
#[derive(Debug, Clone)]
struct Placed {
    route: String,
    kind: TargetKind,
    region: String,
    account: String,
    arn_pos: Pos,
    dead_letter: Option<(String, Pos)>,
}

#[derive(Debug, Clone)]
pub struct Checked {
    /// Rule name (`shubctl-…`) → its value and where it goes.
    pub routes: Vec<(String, RouteValue, RouteRegions)>,
    placed: Vec<(RouteRegions, Placed)>,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let list = c.routes.as_ref()?;
    duplicates(
        c,
        list,
        |r| r.name.clone(),
        "/name",
        "route",
        Code::DuplicateName,
        d,
    );
    let mut routes = Vec::new();
    let mut placed = Vec::new();
    for r in list {
        let v = &r.value;
        let name = format!("{MANAGED_PREFIX}{}", v.name);
        let mut ok = true;
        if !rule_name_chars(&v.name) || name.len() > 64 {
            d.error(
                &c.pos(r, "/name"),
                Code::BadRouteName,
                format!(
                    "`{}`: the rule `{name}` needs a name of letters, digits, `.`, `_` and `-`, at most 64 characters with the `{MANAGED_PREFIX}` prefix",
                    v.name
                ),
            );
            ok = false;
        }
        let description = v
            .description
            .clone()
            .unwrap_or_else(|| format!("Managed by shubctl: routes Security Hub findings ({})", v.name));
        if description.chars().count() > 512 {
            d.error(
                &c.pos(r, "/description"),
                Code::BadRouteName,
                "a rule description is at most 512 characters",
            );
            ok = false;
        }
        let pattern = match pattern(c, r, &v.findings, d) {
            Some(p) => p,
            None => {
                ok = false;
                Value::Null
            }
        };
        let size = pattern.to_string().chars().count();
        if size > PATTERN_MAX_CHARS {
            d.error(
                &c.pos(r, "/findings"),
                Code::PatternTooLarge,
                format!(
                    "the event pattern would be {size} characters; EventBridge's default quota is {PATTERN_MAX_CHARS}: match fewer values"
                ),
            );
            ok = false;
        }
        let targets = targets(c, r, &name, v, &mut placed, d);
        if let (true, Some(targets)) = (ok, targets) {
            routes.push((
                name,
                RouteValue {
                    description,
                    state: if v.enabled {
                        crate::model::wire::Switch::Enabled
                    } else {
                        crate::model::wire::Switch::Disabled
                    },
                    event_pattern: pattern,
                    targets,
                },
                v.regions,
            ));
        }
    }
    Some(Checked { routes, placed })
}

/// The event pattern for Security Hub's imported findings that the match selects.
/// A `findings:` key, its values as findings spell them, and where the pattern holds them.
type MatchField<'a> = (&'a str, Option<Vec<String>>, &'a [&'a str]);

fn pattern(
    c: &Composed,
    r: &Located<Route>,
    m: &FindingMatch,
    d: &mut Diagnostics,
) -> Option<Value> {
    let mut ok = true;
    let mut findings = Map::new();
    let mut put = |path: &[&str], values: Vec<String>| {
        let mut at = &mut findings;
        for p in &path[..path.len() - 1] {
            at = at
                .entry(p.to_string())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("built as objects");
        }
        at.insert(path[path.len() - 1].to_string(), json!(values));
    };
    let lists: [MatchField; 8] = [
        (
            "severity",
            aws_values(&m.severity),
            &["Severity", "Label"],
        ),
        (
            "workflow_status",
            aws_values(&m.workflow_status),
            &["Workflow", "Status"],
        ),
        (
            "record_state",
            aws_values(&m.record_state),
            &["RecordState"],
        ),
        (
            "compliance_status",
            aws_values(&m.compliance_status),
            &["Compliance", "Status"],
        ),
        ("product_names", m.product_names.clone(), &["ProductName"]),
        (
            "control_ids",
            m.control_ids.clone(),
            &["Compliance", "SecurityControlId"],
        ),
        ("accounts", m.accounts.clone(), &["AwsAccountId"]),
        ("resource_types", m.resource_types.clone(), &["Resources", "Type"]),
    ];
    for (key, values, path) in lists {
        let Some(values) = values else { continue };
        let at = format!("/findings/{key}");
        if values.is_empty() {
            d.error(
                &c.pos(r, &at),
                Code::BadRouteMatch,
                format!("`{key}` is empty, and EventBridge refuses empty lists: leave `{key}` out to match any value"),
            );
            ok = false;
            continue;
        }
        for (i, x) in values.iter().enumerate() {
            let pos = c.pos(r, &format!("{at}/{i}"));
            let good = match key {
                "control_ids" => control_id(x, &pos, d),
                "accounts" => account_id(x, &pos, d).is_some(),
                "resource_types" => {
                    let fine = x.chars().next().is_some_and(|ch| ch.is_ascii_uppercase())
                        && x.chars().all(|ch| ch.is_ascii_alphanumeric());
                    if !fine {
                        d.error(
                            &pos,
                            Code::BadRouteMatch,
                            format!("`{x}` is not a resource type as findings name them (`AwsS3Bucket`, `AwsEc2Instance`)"),
                        );
                    }
                    fine
                }
                "product_names" => {
                    let fine = !x.trim().is_empty();
                    if !fine {
                        d.error(&pos, Code::BadRouteMatch, "a product name is empty");
                    }
                    fine
                }
                _ => true,
            };
            ok &= good;
        }
        put(path, values);
    }
    let mut p = json!({
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
    });
    if !findings.is_empty() {
        p["detail"] = json!({ "findings": findings });
    }
    ok.then(|| canonical_pattern(&p))
}

/// Enum values as findings spell them (`not_available` → `NOT_AVAILABLE`).
fn aws_values<T: Serialize>(xs: &Option<Vec<T>>) -> Option<Vec<String>> {
    xs.as_ref().map(|xs| {
        xs.iter()
            .map(|x| {
                serde_json::to_value(x)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_ascii_uppercase))
                    .unwrap_or_default()
            })
            .collect()
    })
}

fn targets(
    c: &Composed,
    r: &Located<Route>,
    rule: &str,
    v: &Route,
    placed: &mut Vec<(RouteRegions, Placed)>,
    d: &mut Diagnostics,
) -> Option<BTreeMap<String, RouteTarget>> {
    let mut ok = true;
    if v.targets.is_empty() {
        d.error(
            &c.pos(r, "/targets"),
            Code::BadRouteTarget,
            "a route needs at least one target",
        );
        ok = false;
    }
    if v.targets.len() > MAX_TARGETS {
        d.error(
            &c.pos(r, &format!("/targets/{MAX_TARGETS}")),
            Code::TooManyTargets,
            format!(
                "{} targets; an EventBridge rule has at most {MAX_TARGETS}",
                v.targets.len()
            ),
        );
        ok = false;
    }
    let mut out: BTreeMap<String, RouteTarget> = BTreeMap::new();
    let mut ids: BTreeMap<String, Pos> = BTreeMap::new();
    for (i, t) in v.targets.iter().enumerate() {
        let base = format!("/targets/{i}");
        let arn_pos = c.pos(r, &format!("{base}/arn"));
        let parsed = parse_arn(&t.arn);
        let kind = parsed.as_ref().and_then(target_kind);
        let Some(kind) = kind else {
            d.error(
                &arn_pos,
                Code::BadRouteTarget,
                format!(
                    "`{}` is not the ARN of an SNS topic, SQS queue, Lambda function, Step Functions state machine or event bus",
                    t.arn
                ),
            );
            ok = false;
            continue;
        };
        let arn = parsed.expect("kind found");
        let id = t.id.clone().unwrap_or_else(|| default_id(&t.arn));
        let id_pos = if t.id.is_some() {
            c.pos(r, &format!("{base}/id"))
        } else {
            arn_pos.clone()
        };
        if !rule_name_chars(&id) || id.len() > 64 {
            d.error(
                &id_pos,
                Code::BadRouteTarget,
                format!("`{id}`: a target id is 1–64 letters, digits, `.`, `_` and `-`"),
            );
            ok = false;
        }
        if let Some(first) = ids.get(&id) {
            d.error(
                &id_pos,
                Code::DuplicateTarget,
                format!("target id `{id}` is used twice in route `{}` (first at {first}); give the targets distinct `id`s", v.name),
            );
            ok = false;
        }
        ids.insert(id.clone(), id_pos);
        if kind == TargetKind::StepFunctions && t.role_arn.is_none() {
            d.error(
                &arn_pos,
                Code::BadRouteTarget,
                "EventBridge starts a state machine through a role: give `role_arn`",
            );
            ok = false;
        }
        if let Some(role) = &t.role_arn {
            let good = parse_arn(role)
                .is_some_and(|a| a.service == "iam" && a.resource.starts_with("role/"));
            if !good {
                d.error(
                    &c.pos(r, &format!("{base}/role_arn")),
                    Code::BadRouteTarget,
                    format!("`{role}` is not an IAM role ARN"),
                );
                ok = false;
            }
        }
        let mut dead_letter = None;
        if let Some(q) = &t.dead_letter_queue {
            let qpos = c.pos(r, &format!("{base}/dead_letter_queue"));
            match parse_arn(q).filter(|a| target_kind(a) == Some(TargetKind::Sqs)) {
                Some(a) => dead_letter = Some((a.region.to_string(), qpos)),
                None => {
                    d.error(
                        &qpos,
                        Code::BadRouteTarget,
                        format!("`{q}`: a dead-letter queue is an SQS queue ARN"),
                    );
                    ok = false;
                }
            }
        }
        let transformer = match &t.input_transformer {
            Some(x) => match input_transformer(c, r, &format!("{base}/input_transformer"), x, d) {
                Some(x) => Some(x),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        placed.push((
            v.regions,
            Placed {
                route: rule.to_string(),
                kind,
                region: arn.region.to_string(),
                account: arn.account.to_string(),
                arn_pos,
                dead_letter,
            },
        ));
        out.insert(
            id,
            RouteTarget {
                arn: t.arn.clone(),
                role_arn: t.role_arn.clone(),
                input_transformer: transformer,
                dead_letter_queue: t.dead_letter_queue.clone(),
                invoke_permission: (kind == TargetKind::Lambda).then_some(true),
            },
        );
    }
    ok.then_some(out)
}

fn input_transformer(
    c: &Composed,
    r: &Located<Route>,
    base: &str,
    x: &InputTransformerSpec,
    d: &mut Diagnostics,
) -> Option<InputTransformer> {
    let mut ok = true;
    let mut bad = |sub: &str, m: String, d: &mut Diagnostics| {
        d.error(&c.pos(r, &format!("{base}{sub}")), Code::BadInputTransformer, m);
        ok = false;
    };
    if x.paths.len() > 100 {
        bad("/paths", "at most 100 paths".into(), d);
    }
    for (k, p) in &x.paths {
        let key_ok = !k.is_empty()
            && k.len() <= 256
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
        if !key_ok {
            bad(
                "/paths",
                format!("`{k}`: a placeholder is 1–256 letters, digits, `_` and `-`"),
                d,
            );
        }
        if !p.starts_with('$') || p.len() > 256 {
            bad(
                &format!("/paths/{k}"),
                format!("`{p}` is not a JSON path into the event (like `$.detail.findings[0].Id`)"),
                d,
            );
        }
    }
    let n = x.template.chars().count();
    if n == 0 || n > 8192 {
        bad("/template", "a template is 1–8192 characters".into(), d);
    }
    for name in placeholders(&x.template) {
        if !x.paths.contains_key(name) && !PREDEFINED.contains(&name) {
            bad(
                "/template",
                format!("the template uses `<{name}>`, which is neither in `paths` nor one of EventBridge's own ({})", PREDEFINED.join(", ")),
                d,
            );
        }
    }
    ok.then(|| InputTransformer {
        paths: x.paths.clone(),
        template: x.template.clone(),
    })
}

/// The `<name>`s in a template.
fn placeholders(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        match after.find('>') {
            Some(end) => {
                let name = &after[..end];
                if !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
                {
                    out.push(name);
                }
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

impl Checked {
    fn regions_of<'x>(&self, how: RouteRegions, x: &'x Expansion<'_>) -> Vec<&'x str> {
        match how {
            RouteRegions::Home => vec![x.home],
            RouteRegions::All => x.regions.iter().map(String::as_str).collect(),
        }
    }
}

impl Section for Checked {
    fn check_org(&self, x: &Expansion<'_>, d: &mut Diagnostics) {
        for (how, t) in &self.placed {
            let here = match how {
                RouteRegions::Home => x.home,
                // One ARN cannot be in every region: only event buses are reached across regions.
                RouteRegions::All if t.kind != TargetKind::EventBus => {
                    d.error(
                        &t.arn_pos,
                        Code::BadRouteTarget,
                        format!("route `{}` is in every region, and EventBridge delivers to SNS, SQS, Lambda and Step Functions only in the rule's own region: target an event bus (in the home region, say)", t.route),
                    );
                    continue;
                }
                RouteRegions::All => "",
            };
            if t.kind != TargetKind::EventBus && t.region != here {
                d.error(
                    &t.arn_pos,
                    Code::BadRouteTarget,
                    format!("the target is in {}, but route `{}` is in {here}: EventBridge reaches other regions only through event buses", t.region, t.route),
                );
            }
            if t.kind == TargetKind::Lambda && t.account != x.admin.as_str() {
                d.error(
                    &t.arn_pos,
                    Code::BadRouteTarget,
                    format!("the function is in account {}, but route `{}` is in {}: shubctl grants the rule permission to invoke a function in its own account only", t.account, t.route, x.admin),
                );
            }
            if let Some((region, pos)) = &t.dead_letter
                && (*how == RouteRegions::All || region != here)
            {
                d.error(
                    pos,
                    Code::BadRouteTarget,
                    format!("a dead-letter queue must be in the rule's region ({})", if here.is_empty() { "each managed region" } else { here }),
                );
            }
        }
    }

    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        // Read in every managed region, so a route that moved or went is found and removed.
        for r in &x.regions {
            out.at(&x.admin, r).read(Kind::Route);
        }
        for (name, v, how) in &self.routes {
            for r in self.regions_of(*how, x) {
                out.at(&x.admin, r)
                    .want(Kind::Route, Some(name.clone()), Resource::Route(v.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_told_apart() {
        let k = |s: &str| parse_arn(s).as_ref().and_then(target_kind);
        assert_eq!(k("arn:aws:sns:us-east-1:111122223333:alerts"), Some(TargetKind::Sns));
        assert_eq!(k("arn:aws:sqs:us-east-1:111122223333:q"), Some(TargetKind::Sqs));
        assert_eq!(
            k("arn:aws:lambda:us-east-1:111122223333:function:fix"),
            Some(TargetKind::Lambda)
        );
        assert_eq!(
            k("arn:aws:lambda:us-east-1:111122223333:function:fix:live"),
            Some(TargetKind::Lambda)
        );
        assert_eq!(
            k("arn:aws:states:us-east-1:111122223333:stateMachine:triage"),
            Some(TargetKind::StepFunctions)
        );
        assert_eq!(
            k("arn:aws:events:us-east-1:111122223333:event-bus/central"),
            Some(TargetKind::EventBus)
        );
        assert_eq!(k("arn:aws:s3:::bucket"), None);
        assert_eq!(k("arn:aws:lambda:us-east-1:111122223333:layer:x"), None);
        assert_eq!(k("arn:aws:sns:us-east-1:1111:alerts"), None);
        assert_eq!(k("not an arn"), None);
    }

    #[test]
    fn ids_and_placeholders() {
        assert_eq!(default_id("arn:aws:sns:us-east-1:111122223333:alerts"), "alerts");
        assert_eq!(
            default_id("arn:aws:events:us-east-1:111122223333:event-bus/central"),
            "central"
        );
        assert_eq!(
            placeholders(r#"{"id": <id>, "rule": "<aws.events.rule-name>", "x": "a < b"}"#),
            ["id", "aws.events.rule-name"]
        );
    }
}
