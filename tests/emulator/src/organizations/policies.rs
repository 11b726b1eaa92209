//! Service control policies (API.md §6.1): the SCP type of the root (enabled in the background,
//! `PENDING_ENABLE` first), policies with their content as sent, attachments to the root, OUs
//! and accounts with AWS's limits, and the AWS-managed `FullAWSAccess` every node gets when SCPs
//! are enabled. Organisation-wide state, not per scope; the snapshot holds it as the management
//! account's resources in us-east-1.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::{Value, json};
use shubctl::model::document::canonical_policy;
use shubctl::model::resource::{Empty, ScpValue};
use shubctl::model::{Kind, Resource};

use super::{directory, invalid, paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, fnv, get_str};
use crate::world::{Dump, World};

pub const FULL_ACCESS: &str = "p-FullAWSAccess";
const SCP: &str = "SERVICE_CONTROL_POLICY";

pub struct Policy {
    pub name: String,
    pub description: String,
    /// As sent: AWS keeps the text it was given.
    pub content: String,
    pub aws_managed: bool,
}

/// The SCP type in the root.
#[derive(Clone, Copy)]
pub enum TypeState {
    /// Enabled at this moment; ENABLED once the configured delay has passed.
    Enabling(Instant),
}

#[derive(Default)]
pub struct State {
    pub policies: BTreeMap<String, Policy>,
    /// Policy id → the roots, OUs and accounts it is attached to.
    pub attached: BTreeMap<String, BTreeSet<String>>,
    pub scp_type: Option<TypeState>,
    seq: u64,
    /// Writes answered "busy" so far ([`crate::Config::scp_busy_writes`]).
    busy_answered: u32,
}

impl State {
    fn new_id(&mut self, name: &str) -> String {
        self.seq += 1;
        format!(
            "p-{:010x}",
            fnv(&format!("{name}#{}", self.seq)) & 0xff_ffff_ffff
        )
    }

    /// Attaches `FullAWSAccess` to every node, as enabling the type does.
    fn attach_full_access(&mut self, nodes: Vec<String>) {
        self.policies
            .entry(FULL_ACCESS.into())
            .or_insert_with(full_access);
        self.attached
            .entry(FULL_ACCESS.into())
            .or_default()
            .extend(nodes);
    }

    pub fn enabled(&self, cx_now: Instant, delay: std::time::Duration) -> bool {
        matches!(self.scp_type, Some(TypeState::Enabling(at)) if cx_now >= at + delay)
    }

    /// Takes the snapshot's SCP resources.
    pub fn load(
        &mut self,
        res: Resource,
        id: &str,
        nodes: impl FnOnce() -> Vec<String>,
    ) -> Option<Resource> {
        match res {
            Resource::ScpPolicyType(_) => {
                // Loaded as long enabled.
                self.scp_type = Some(TypeState::Enabling(
                    Instant::now() - std::time::Duration::from_secs(3600),
                ));
                self.attach_full_access(nodes());
                None
            }
            Resource::Scp(v) => {
                let pid = self.new_id(id);
                self.policies.insert(
                    pid,
                    Policy {
                        name: id.to_string(),
                        description: v.description,
                        content: v.content.to_string(),
                        aws_managed: false,
                    },
                );
                None
            }
            Resource::ScpAttachment(e) => {
                let Some((name, target)) = id.rsplit_once('@') else {
                    return Some(Resource::ScpAttachment(e));
                };
                let Some(pid) = self.by_name(name) else {
                    return Some(Resource::ScpAttachment(e));
                };
                self.attached
                    .entry(pid)
                    .or_default()
                    .insert(target.to_string());
                None
            }
            other => Some(other),
        }
    }

    fn by_name(&self, name: &str) -> Option<String> {
        self.policies
            .iter()
            .find(|(_, p)| p.name == name)
            .map(|(id, _)| id.clone())
    }

    /// As the snapshot's resources, held by the management account.
    pub fn dump(&self, out: &mut Dump) {
        if self.scp_type.is_some() {
            out.put(Kind::ScpPolicyType, None, Resource::ScpPolicyType(Empty {}));
        }
        for (id, p) in self.policies.iter().filter(|(_, p)| !p.aws_managed) {
            let content = serde_json::from_str(&p.content)
                .map(|v| canonical_policy(&v))
                .unwrap_or_else(|_| Value::String(p.content.clone()));
            out.put(
                Kind::Scp,
                Some(p.name.clone()),
                Resource::Scp(ScpValue {
                    description: p.description.clone(),
                    content,
                }),
            );
            for t in self.attached.get(id).into_iter().flatten() {
                out.put(
                    Kind::ScpAttachment,
                    Some(format!("{}@{t}", p.name)),
                    Resource::ScpAttachment(Empty {}),
                );
            }
        }
    }
}

fn full_access() -> Policy {
    Policy {
        name: "FullAWSAccess".into(),
        description: "Allows access to every operation".into(),
        content: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into(),
        aws_managed: true,
    }
}

// ---- answers ------------------------------------------------------------------------------

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "PolicyNotFoundException",
        format!("We can't find a policy with the PolicyId `{id}` that you specified."),
    )
}

fn violation(reason: &str, m: impl Into<String>) -> ApiError {
    ApiError::new(400, "ConstraintViolationException", m).with("Reason", reason)
}

fn policy_arn(w: &World, id: &str, managed: bool) -> String {
    if managed {
        format!("arn:aws:organizations::aws:policy/service_control_policy/{id}")
    } else {
        let d = directory(w);
        format!(
            "arn:aws:organizations::{}:policy/{}/service_control_policy/{id}",
            d.mgmt, d.id
        )
    }
}

fn summary(w: &World, id: &str, p: &Policy) -> Value {
    json!({
        "Id": id,
        "Arn": policy_arn(w, id, p.aws_managed),
        "Name": p.name,
        "Description": p.description,
        "Type": SCP,
        "AwsManaged": p.aws_managed,
    })
}

fn policy_json(w: &World, id: &str) -> Value {
    let p = &w.policies.policies[id];
    json!({ "Policy": { "PolicySummary": summary(w, id, p), "Content": p.content } })
}

fn policy_id<'a>(w: &World, i: &'a Input) -> Result<&'a str, ApiError> {
    let id = get_str(&i.body, "PolicyId")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "PolicyId is required"))?;
    let well_formed = id.strip_prefix("p-").is_some_and(|r| {
        (8..=128).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if !well_formed {
        return Err(invalid(
            "INVALID_SYNTAX_POLICY_ID",
            format!("`{id}` is not a policy ID"),
        ));
    }
    if !w.policies.policies.contains_key(id) {
        return Err(not_found(id));
    }
    Ok(id)
}

/// Name, description and content as CreatePolicy / UpdatePolicy check them.
fn check_fields(w: &World, cx: &Cx, i: &Input, except: Option<&str>) -> Result<(), ApiError> {
    if let Some(name) = get_str(&i.body, "Name") {
        if name.is_empty() || name.chars().count() > 128 {
            return Err(invalid(
                "MAX_LENGTH_EXCEEDED",
                "Name must be 1-128 characters",
            ));
        }
        let taken = w
            .policies
            .policies
            .iter()
            .any(|(id, p)| p.name == name && Some(id.as_str()) != except);
        if taken {
            return Err(ApiError::new(
                400,
                "DuplicatePolicyException",
                "A policy with the same name already exists.",
            ));
        }
    }
    if get_str(&i.body, "Description").is_some_and(|d| d.chars().count() > 512) {
        return Err(invalid(
            "MAX_LENGTH_EXCEEDED",
            "Description must be at most 512 characters",
        ));
    }
    if let Some(content) = get_str(&i.body, "Content") {
        check_content(content, cx.cfg.scp_max_chars)?;
    }
    Ok(())
}

/// An SCP as Organizations accepts it: a JSON object with a version and statements, no
/// principals, within the size limit (every character as sent counts).
fn check_content(content: &str, max: usize) -> Result<(), ApiError> {
    let malformed = || {
        ApiError::new(
            400,
            "MalformedPolicyDocumentException",
            "The provided policy document does not meet the requirements of the specified policy type.",
        )
    };
    if content.is_empty() {
        return Err(invalid("INPUT_REQUIRED", "Content is required"));
    }
    let doc: Value = serde_json::from_str(content).map_err(|_| malformed())?;
    let stmts = match doc.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Object(o)) => vec![Value::Object(o.clone())],
        _ => return Err(malformed()),
    };
    if doc.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
        return Err(malformed());
    }
    for s in &stmts {
        let Some(s) = s.as_object() else {
            return Err(malformed());
        };
        let effect = s.get("Effect").and_then(Value::as_str);
        if !matches!(effect, Some("Allow" | "Deny"))
            || s.contains_key("Principal")
            || s.contains_key("NotPrincipal")
            || !(s.contains_key("Action") || s.contains_key("NotAction"))
        {
            return Err(malformed());
        }
    }
    if content.chars().count() > max {
        return Err(violation(
            "POLICY_CONTENT_LIMIT_EXCEEDED",
            "You have exceeded the maximum policy size.",
        ));
    }
    Ok(())
}

fn check_type(i: &Input) -> Result<(), ApiError> {
    match get_str(&i.body, "Type").or_else(|| get_str(&i.body, "Filter")) {
        Some(SCP) => Ok(()),
        Some(other) => Err(ApiError::new(
            400,
            "PolicyTypeNotAvailableForOrganizationException",
            format!(
                "The emulated organisation offers service control policies only, not `{other}`."
            ),
        )),
        None => Err(invalid("INPUT_REQUIRED", "Type is required")),
    }
}

/// The first [`crate::Config::scp_busy_writes`] policy writes fail as AWS fails them while an
/// earlier change is still in progress (API.md §6.1); the messages are the model's.
pub fn busy(w: &mut World, cx: &Cx, op: &str) -> Result<(), ApiError> {
    const WRITES: [&str; 7] = [
        "CreatePolicy",
        "UpdatePolicy",
        "DeletePolicy",
        "AttachPolicy",
        "DetachPolicy",
        "EnablePolicyType",
        "DisablePolicyType",
    ];
    if !WRITES.contains(&op) || w.policies.busy_answered >= cx.cfg.scp_busy_writes {
        return Ok(());
    }
    w.policies.busy_answered += 1;
    Err(
        if matches!(
            op,
            "UpdatePolicy" | "AttachPolicy" | "DetachPolicy" | "EnablePolicyType"
        ) {
            ApiError::new(
                400,
                "PolicyChangesInProgressException",
                "Changes to the effective policy are in progress, and its contents can't be returned. Try the operation again later.",
            )
        } else {
            ApiError::new(
                400,
                "ConcurrentModificationException",
                "The target of the operation is currently being modified by a different request. Try again later.",
            )
        },
    )
}

pub fn create_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    check_type(i)?;
    let name =
        get_str(&i.body, "Name").ok_or_else(|| invalid("INPUT_REQUIRED", "Name is required"))?;
    // Required by the model, though its documentation says optional.
    let description = get_str(&i.body, "Description")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "Description is required"))?;
    let content = get_str(&i.body, "Content").unwrap_or_default();
    check_fields(w, cx, i, None)?;
    check_content(content, cx.cfg.scp_max_chars)?;
    let id = w.policies.new_id(name);
    w.policies.policies.insert(
        id.clone(),
        Policy {
            name: name.to_string(),
            description: description.to_string(),
            content: content.to_string(),
            aws_managed: false,
        },
    );
    Ok(policy_json(w, &id))
}

pub fn update_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let id = policy_id(w, i)?.to_string();
    if w.policies.policies[&id].aws_managed {
        return Err(invalid(
            "IMMUTABLE_POLICY",
            "You specified a policy that is managed by AWS and cannot be changed.",
        ));
    }
    check_fields(w, cx, i, Some(&id))?;
    let p = w.policies.policies.get_mut(&id).expect("checked");
    // Omitted fields stay as they are.
    if let Some(n) = get_str(&i.body, "Name") {
        p.name = n.to_string();
    }
    if let Some(d) = get_str(&i.body, "Description") {
        p.description = d.to_string();
    }
    if let Some(c) = get_str(&i.body, "Content") {
        p.content = c.to_string();
    }
    Ok(policy_json(w, &id))
}

pub fn describe_policy(w: &mut World, _: &Cx, i: &Input) -> Res {
    let id = policy_id(w, i)?;
    Ok(policy_json(w, id))
}

pub fn delete_policy(w: &mut World, _: &Cx, i: &Input) -> Res {
    let id = policy_id(w, i)?.to_string();
    if w.policies.policies[&id].aws_managed {
        return Err(invalid(
            "IMMUTABLE_POLICY",
            "You specified a policy that is managed by AWS and cannot be changed.",
        ));
    }
    if w.policies.attached.get(&id).is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::new(
            400,
            "PolicyInUseException",
            "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
        ));
    }
    w.policies.policies.remove(&id);
    w.policies.attached.remove(&id);
    Ok(json!({}))
}

pub fn list_policies(w: &mut World, cx: &Cx, i: &Input) -> Res {
    if get_str(&i.body, "Filter").is_none() {
        return Err(invalid("INPUT_REQUIRED", "Filter is required"));
    }
    check_type(i)?;
    let (page, next) = paged(w.policies.policies.iter(), i, cx)?;
    let items = page.into_iter().map(|(id, p)| summary(w, id, p)).collect();
    Ok(with_token("Policies", items, next))
}

/// The target's type, or TargetNotFound.
fn target_type(w: &World, target: &str) -> Result<&'static str, ApiError> {
    let well_formed =
        crate::util::is_account_id(target) || target.starts_with("r-") || target.starts_with("ou-");
    if !well_formed {
        return Err(invalid(
            "INVALID_PATTERN_TARGET_ID",
            format!("`{target}` is not a root, OU or account ID"),
        ));
    }
    let d = directory(w);
    let found = if target.starts_with("r-") {
        d.roots.iter().any(|r| r == target).then_some("ROOT")
    } else if target.starts_with("ou-") {
        w.org()
            .ous
            .iter()
            .any(|o| o.id == target)
            .then_some("ORGANIZATIONAL_UNIT")
    } else {
        d.accounts
            .iter()
            .any(|a| a.id.as_str() == target)
            .then_some("ACCOUNT")
    };
    found.ok_or_else(|| {
        ApiError::new(
            400,
            "TargetNotFoundException",
            format!("We can't find a root, OU, account, or policy with the TargetId `{target}` that you specified."),
        )
    })
}

fn target_id<'a>(i: &'a Input) -> Result<&'a str, ApiError> {
    get_str(&i.body, "TargetId").ok_or_else(|| invalid("INPUT_REQUIRED", "TargetId is required"))
}

fn type_not_enabled() -> ApiError {
    ApiError::new(
        400,
        "PolicyTypeNotEnabledException",
        "This operation can be performed only for enabled policy types.",
    )
}

pub fn attach_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let id = policy_id(w, i)?.to_string();
    let target = target_id(i)?.to_string();
    target_type(w, &target)?;
    if !w.policies.enabled(cx.now, cx.cfg.scp_enable_delay) {
        return Err(type_not_enabled());
    }
    if w.policies
        .attached
        .get(&id)
        .is_some_and(|t| t.contains(&target))
    {
        return Err(ApiError::new(
            400,
            "DuplicatePolicyAttachmentException",
            "The selected policy is already attached to the specified target.",
        ));
    }
    let count = w
        .policies
        .attached
        .values()
        .filter(|t| t.contains(&target))
        .count();
    if count >= cx.cfg.scp_attachment_limit {
        return Err(violation(
            "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
            "You have attached the maximum number of policies to the specified target.",
        ));
    }
    w.policies.attached.entry(id).or_default().insert(target);
    Ok(json!({}))
}

pub fn detach_policy(w: &mut World, _: &Cx, i: &Input) -> Res {
    let id = policy_id(w, i)?.to_string();
    let target = target_id(i)?.to_string();
    target_type(w, &target)?;
    if !w
        .policies
        .attached
        .get(&id)
        .is_some_and(|t| t.contains(&target))
    {
        return Err(ApiError::new(
            400,
            "PolicyNotAttachedException",
            "The policy isn't attached to the specified target in the specified root.",
        ));
    }
    // Every node keeps at least one SCP while the type is enabled.
    let count = w
        .policies
        .attached
        .values()
        .filter(|t| t.contains(&target))
        .count();
    if count <= 1 {
        return Err(violation(
            "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
            "You attempted to detach a policy from an entity that has only one policy of that type attached.",
        ));
    }
    if let Some(t) = w.policies.attached.get_mut(&id) {
        t.remove(&target);
    }
    Ok(json!({}))
}

pub fn list_targets_for_policy(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let id = policy_id(w, i)?.to_string();
    let targets: Vec<String> = w
        .policies
        .attached
        .get(&id)
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let (page, next) = paged(targets.iter(), i, cx)?;
    let d = directory(w);
    let items = page
        .into_iter()
        .map(|t| {
            let ty = target_type(w, t).unwrap_or("ACCOUNT");
            let kind = match ty {
                "ROOT" => "root",
                "ORGANIZATIONAL_UNIT" => "ou",
                _ => "account",
            };
            json!({
                "TargetId": t,
                "Arn": format!("arn:{}:organizations::{}:{kind}/{}/{t}", d.partition, d.mgmt, d.id),
                "Name": target_name(w, t),
                "Type": ty,
            })
        })
        .collect();
    Ok(with_token("Targets", items, next))
}

/// A target's friendly name, as ListTargetsForPolicy's `PolicyTargetSummary.Name` gives it:
/// the root's name, the OU's or the account's.
fn target_name(w: &World, target: &str) -> String {
    if target.starts_with("r-") {
        "Root".to_string()
    } else if target.starts_with("ou-") {
        w.org()
            .ous
            .iter()
            .find(|o| o.id == target)
            .map_or_else(|| target.to_string(), |o| o.name.clone())
    } else {
        directory(w)
            .accounts
            .iter()
            .find(|a| a.id.as_str() == target)
            .map_or_else(|| target.to_string(), |a| a.name.clone())
    }
}

/// The model's `PolicyType` values; the emulated organisation has service control policies
/// only, so a filter of another type lists none.
const POLICY_TYPES: [&str; 14] = [
    "AISERVICES_OPT_OUT_POLICY",
    "BACKUP_POLICY",
    "BEDROCK_POLICY",
    "CHATBOT_POLICY",
    "DECLARATIVE_POLICY_EC2",
    "GUARDDUTY_POLICY",
    "INSPECTOR_POLICY",
    "NETWORK_SECURITY_DIRECTOR_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "S3_POLICY",
    "SECURITYHUB_POLICY",
    SCP,
    "TAG_POLICY",
    "UPGRADE_ROLLOUT_POLICY",
];

/// The policies of `Filter`'s type attached directly to a root, OU or account.
pub fn list_policies_for_target(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let target = target_id(i)?.to_string();
    let filter = get_str(&i.body, "Filter")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "Filter is required"))?;
    if !POLICY_TYPES.contains(&filter) {
        return Err(invalid(
            "INVALID_ENUM_POLICY_TYPE",
            format!("`{filter}` is not a policy type"),
        ));
    }
    target_type(w, &target)?;
    let ids: Vec<&String> = if filter == SCP {
        w.policies
            .attached
            .iter()
            .filter(|(_, targets)| targets.contains(&target))
            .map(|(id, _)| id)
            .collect()
    } else {
        vec![]
    };
    let (page, next) = paged(ids.into_iter(), i, cx)?;
    let items = page
        .into_iter()
        .map(|id| summary(w, id, &w.policies.policies[id.as_str()]))
        .collect();
    Ok(with_token("Policies", items, next))
}

fn root_id<'a>(w: &World, i: &'a Input) -> Result<&'a str, ApiError> {
    let root = get_str(&i.body, "RootId")
        .ok_or_else(|| invalid("INPUT_REQUIRED", "RootId is required"))?;
    if !directory(w).roots.iter().any(|r| r == root) {
        return Err(ApiError::new(
            400,
            "RootNotFoundException",
            format!("We can't find a root with the RootId `{root}` that you specified."),
        ));
    }
    if get_str(&i.body, "PolicyType") != Some(SCP) {
        return Err(invalid(
            "INVALID_ENUM_POLICY_TYPE",
            "PolicyType must be SERVICE_CONTROL_POLICY",
        ));
    }
    Ok(root)
}

/// A root as ListRoots and the policy-type operations answer it.
pub fn root_json(w: &World, cx: &Cx, root: &str) -> Value {
    let d = directory(w);
    let types = match w.policies.scp_type {
        None => json!([]),
        Some(_) => json!([{
            "Type": SCP,
            "Status": if w.policies.enabled(cx.now, cx.cfg.scp_enable_delay) { "ENABLED" } else { "PENDING_ENABLE" },
        }]),
    };
    json!({
        "Id": root,
        "Arn": format!("arn:aws:organizations::{}:root/{}/{root}", d.mgmt, d.id),
        "Name": "Root",
        "PolicyTypes": types,
    })
}

pub fn enable_policy_type(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let root = root_id(w, i)?.to_string();
    if w.policies.scp_type.is_some() {
        return Err(ApiError::new(
            400,
            "PolicyTypeAlreadyEnabledException",
            "The specified policy type is already enabled.",
        ));
    }
    w.policies.scp_type = Some(TypeState::Enabling(cx.now));
    let d = directory(w);
    let nodes: Vec<String> = d
        .roots
        .iter()
        .cloned()
        .chain(w.org().ous.iter().map(|o| o.id.clone()))
        .chain(d.accounts.iter().map(|a| a.id.as_str().to_string()))
        .collect();
    w.policies.attach_full_access(nodes);
    Ok(json!({ "Root": root_json(w, cx, &root) }))
}

pub fn disable_policy_type(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let root = root_id(w, i)?.to_string();
    if w.policies.scp_type.is_none() {
        return Err(type_not_enabled());
    }
    // Every attachment goes; enabling again starts over with FullAWSAccess alone.
    w.policies.scp_type = None;
    w.policies.attached.clear();
    Ok(json!({ "Root": root_json(w, cx, &root) }))
}

/// Every node of the organisation, for loading an enabled SCP type.
pub fn all_nodes(w: &World) -> Vec<String> {
    match &w.directory {
        Some(d) => d
            .roots
            .iter()
            .cloned()
            .chain(w.org().ous.iter().map(|o| o.id.clone()))
            .chain(d.accounts.iter().map(|a| a.id.as_str().to_string()))
            .collect(),
        None => vec![],
    }
}
