//! Rules of the default bus (API.md §14.1): PutRule creates or replaces the whole rule,
//! DeleteRule is idempotent but refuses a rule with targets, managed rules need `Force`.

use serde_json::{Value, json};

use super::pattern;
use super::state::{Rule, rule_arn};
use super::{check_name, managed_rule, no_rule, rule_name, validation};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{ApiError, Res, get_bool, get_i64, get_str, page_iter, put_opt};
use crate::world::World;

/// Rules a bus holds at most (the default quota in most regions).
const MAX_RULES: usize = 300;

pub fn put(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = rule_name(i, "Name")?.to_string();
    let pattern = get_str(&i.body, "EventPattern").map(str::to_string);
    let schedule = get_str(&i.body, "ScheduleExpression").map(str::to_string);
    if pattern.is_none() && schedule.is_none() {
        return Err(validation(
            "Parameter(s) EventPattern or ScheduleExpression must be specified.",
        ));
    }
    if let Some(p) = &pattern {
        pattern::check(p, cx.cfg.event_pattern_max_chars)?;
    }
    // [unverified] that an omitted State means ENABLED on an existing rule too.
    let state = get_str(&i.body, "State").unwrap_or("ENABLED").to_string();
    if !matches!(
        state.as_str(),
        "ENABLED" | "DISABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    ) {
        return Err(super::constraint(
            &state,
            "state",
            "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]",
        ));
    }
    let description = get_str(&i.body, "Description").map(str::to_string);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 512)
    {
        return Err(super::constraint(
            "…",
            "description",
            "Member must have length less than or equal to 512",
        ));
    }
    let s = &mut w.scope(&cx.account, &cx.region).events;
    let existing = s.rules.get(&name);
    if existing.is_some_and(|r| r.managed_by.is_some()) {
        return Err(managed_rule(&name));
    }
    if existing.is_none() && s.rules.len() >= MAX_RULES {
        return Err(ApiError::new(
            400,
            "LimitExceededException",
            "The requested resource exceeds the maximum number allowed.",
        ));
    }
    let arn = rule_arn(&cx.region, &cx.account, &name);
    // Every field is replaced; the targets stay.
    let targets = s.rules.remove(&name).map(|r| r.targets).unwrap_or_default();
    s.rules.insert(
        name,
        Rule {
            arn: arn.clone(),
            pattern,
            schedule,
            state,
            description,
            role_arn: get_str(&i.body, "RoleArn").map(str::to_string),
            managed_by: None,
            targets,
        },
    );
    Ok(json!({ "RuleArn": arn }))
}

fn rule_json(name: &str, r: &Rule, account: Option<&str>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("Name".into(), json!(name));
    m.insert("Arn".into(), json!(r.arn));
    put_opt(&mut m, "EventPattern", r.pattern.clone());
    put_opt(&mut m, "ScheduleExpression", r.schedule.clone());
    m.insert("State".into(), json!(r.state));
    put_opt(&mut m, "Description", r.description.clone());
    put_opt(&mut m, "RoleArn", r.role_arn.clone());
    put_opt(&mut m, "ManagedBy", r.managed_by.clone());
    m.insert("EventBusName".into(), json!("default"));
    // DescribeRule says who made it; ListRules does not.
    put_opt(&mut m, "CreatedBy", account);
    Value::Object(m)
}

pub fn describe(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = rule_name(i, "Name")?;
    let s = &w.scope(&cx.account, &cx.region).events;
    let r = s.rules.get(name).ok_or_else(|| no_rule(name))?;
    Ok(rule_json(name, r, Some(&cx.account)))
}

pub fn delete(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let name = rule_name(i, "Name")?.to_string();
    let force = get_bool(&i.body, "Force").unwrap_or(false);
    let s = &mut w.scope(&cx.account, &cx.region).events;
    // Deleting a rule that is not there succeeds.
    let Some(r) = s.rules.get(&name) else {
        return Ok(json!({}));
    };
    if r.managed_by.is_some() && !force {
        return Err(managed_rule(&name));
    }
    if !r.targets.is_empty() {
        return Err(validation("Rule can't be deleted since it has targets."));
    }
    s.rules.remove(&name);
    Ok(json!({}))
}

pub fn list(w: &mut World, cx: &Cx, i: &Input) -> Res {
    let prefix = get_str(&i.body, "NamePrefix").unwrap_or("");
    if !prefix.is_empty() {
        check_name(prefix, "namePrefix")?;
    }
    let s = &w.scope(&cx.account, &cx.region).events;
    let rules = s.rules.iter().filter(|(n, _)| n.starts_with(prefix));
    let (page, next) = page_iter(
        rules,
        get_str(&i.body, "NextToken"),
        get_i64(&i.body, "Limit"),
        100,
        cx.cfg.page_size,
        validation,
    )?;
    let mut out = json!({
        "Rules": page.into_iter().map(|(n, r)| rule_json(n, r, None)).collect::<Vec<_>>(),
    });
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}

fn set_state(w: &mut World, cx: &Cx, i: &Input, state: &str) -> Res {
    let name = rule_name(i, "Name")?.to_string();
    let s = &mut w.scope(&cx.account, &cx.region).events;
    let r = s.rules.get_mut(&name).ok_or_else(|| no_rule(&name))?;
    if r.managed_by.is_some() {
        return Err(managed_rule(&name));
    }
    r.state = state.to_string();
    Ok(json!({}))
}

pub fn enable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    set_state(w, cx, i, "ENABLED")
}

pub fn disable(w: &mut World, cx: &Cx, i: &Input) -> Res {
    set_state(w, cx, i, "DISABLED")
}
