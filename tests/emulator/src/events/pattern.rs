//! Event pattern validation as EventBridge words its refusals (API.md §14.2): a JSON object
//! whose leaves are non-empty arrays of values or known matchers.

use serde_json::Value;

use crate::util::ApiError;

fn invalid(reason: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        400,
        "InvalidEventPatternException",
        format!("Event pattern is not valid. Reason: {reason}"),
    )
}

/// Checks a pattern as sent; `max` is the size quota in characters.
pub fn check(text: &str, max: usize) -> Result<(), ApiError> {
    let v: Value = serde_json::from_str(text).map_err(invalid)?;
    let Value::Object(m) = &v else {
        return Err(invalid("Filter is not an object"));
    };
    for (k, x) in m {
        field(k, x)?;
    }
    // [unverified] which error AWS gives for a pattern over the quota; the reason is ours.
    if text.chars().count() > max {
        return Err(invalid(format!(
            "The event pattern is longer than the {max} characters allowed"
        )));
    }
    Ok(())
}

fn field(key: &str, v: &Value) -> Result<(), ApiError> {
    if key == "$or" {
        let Value::Array(alts) = v else {
            return Err(invalid("$or must be an array"));
        };
        for a in alts {
            let Value::Object(m) = a else {
                return Err(invalid("Filter is not an object"));
            };
            for (k, x) in m {
                field(k, x)?;
            }
        }
        return Ok(());
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                field(k, x)?;
            }
            Ok(())
        }
        Value::Array(a) if a.is_empty() => Err(invalid("Empty arrays are not allowed")),
        Value::Array(a) => a.iter().try_for_each(matcher),
        _ => Err(invalid(format!("\"{key}\" must be an object or an array"))),
    }
}

fn matcher(v: &Value) -> Result<(), ApiError> {
    let Value::Object(m) = v else {
        // A plain value (string, number, null, boolean) is matched exactly.
        return if v.is_array() {
            Err(invalid(
                "Match value must be String, number, true, false, or null",
            ))
        } else {
            Ok(())
        };
    };
    for (op, x) in m {
        match op.as_str() {
            "prefix" | "suffix" => match x {
                Value::String(_) => {}
                Value::Object(o) if o.get("equals-ignore-case").is_some_and(Value::is_string) => {}
                _ => return Err(invalid(format!("{op} match pattern must be a string"))),
            },
            "equals-ignore-case" | "wildcard" => {
                let Value::String(s) = x else {
                    return Err(invalid(format!("{op} match pattern must be a string")));
                };
                if op == "wildcard"
                    && let Some(pos) = s.find("**")
                {
                    return Err(invalid(format!(
                        "Consecutive wildcard characters at pos {pos}"
                    )));
                }
            }
            "exists" => {
                if !x.is_boolean() {
                    return Err(invalid(
                        "exists match pattern must be either true or false.",
                    ));
                }
            }
            "numeric" => {
                let Value::Array(parts) = x else {
                    return Err(invalid("Value of numeric must be an array."));
                };
                numeric(parts)?;
            }
            "anything-but" => match x {
                Value::Null => {
                    return Err(invalid(
                        "Value of anything-but must be an array or single string/number value.",
                    ));
                }
                Value::Array(a) if a.iter().any(|y| y.is_null() || y.is_boolean()) => {
                    return Err(invalid(
                        "Inside anything but list, start|null|boolean is not supported.",
                    ));
                }
                _ => {}
            },
            "cidr" => {
                let Value::String(s) = x else {
                    return Err(invalid("cidr match pattern must be a string"));
                };
                if s.split('/').count() != 2 {
                    return Err(invalid("Malformed CIDR, one '/' required"));
                }
            }
            other => return Err(invalid(format!("Unrecognized match type {other}"))),
        }
    }
    Ok(())
}

fn numeric(parts: &[Value]) -> Result<(), ApiError> {
    let mut i = 0;
    let mut seen = Vec::new();
    while i < parts.len() {
        let Some(op) = parts[i].as_str() else {
            return Err(invalid("Value of numeric must be an array."));
        };
        if !matches!(op, "<" | "<=" | "=" | ">" | ">=") || seen.contains(&op) {
            return Err(invalid(format!("Bad numeric range operator: {op}")));
        }
        seen.push(op);
        if !parts.get(i + 1).is_some_and(Value::is_number) {
            return Err(invalid(format!("Value of {op} must be numeric")));
        }
        i += 2;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(p: &str) -> String {
        check(p, 2048).unwrap_err().message
    }

    #[test]
    fn refuses_as_aws_words_it() {
        assert!(check(r#"{"source":["aws.securityhub"],"detail":{"findings":{"Severity":{"Label":["HIGH"]}}}}"#, 2048).is_ok());
        assert!(reason(r#"{"int": 42}"#).ends_with(r#""int" must be an object or an array"#));
        assert!(reason(r#"{"resources": []}"#).ends_with("Empty arrays are not allowed"));
        assert!(reason(r#"{"k":[{"EXISTS":true}]}"#).ends_with("Unrecognized match type EXISTS"));
        assert!(
            reason(r#"{"c":[{"numeric":[">",0,">",0]}]}"#)
                .ends_with("Bad numeric range operator: >")
        );
        assert!(
            reason(r#"{"c":[{"numeric":10}]}"#).ends_with("Value of numeric must be an array.")
        );
        assert!(reason(r#"["not","a","dict"]"#).ends_with("Filter is not an object"));
        assert!(reason("this").starts_with("Event pattern is not valid. Reason: "));
        assert!(check(&format!(r#"{{"a":["{}"]}}"#, "x".repeat(3000)), 2048).is_err());
    }
}
