//! Where a JSON file (a snapshot, a saved plan) is wrong, said for people: the path of the
//! field at fault (`organization.accounts[2].status`), its line and column, and what was
//! expected there in plain words, never a Rust type (`struct OrgInfo`, `usize`).

use std::fmt;

use serde::de::DeserializeOwned;

/// A JSON document that does not have the shape expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// The field at fault (`organization.enabled_regions[1]`); empty for a syntax error or
    /// the document as a whole.
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "field `{}`: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonError {}

/// Decodes a whole document (nothing may follow it) from serde_json's deserializer, keeping
/// track of the field being read.
pub fn decode<'de, T, R>(de: &mut serde_json::Deserializer<R>) -> Result<T, JsonError>
where
    T: serde::Deserialize<'de>,
    R: serde_json::de::Read<'de>,
{
    let value = serde_path_to_error::deserialize::<_, T>(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        from_serde(path, e.inner())
    })?;
    de.end().map_err(|e| from_serde(String::new(), &e))?;
    Ok(value)
}

/// [`decode`] from text.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    decode(&mut serde_json::Deserializer::from_str(text))
}

fn from_serde(path: String, e: &serde_json::Error) -> JsonError {
    let text = e.to_string();
    // serde_json ends its message with the position; it is given up front instead.
    let message = text.rsplit_once(" at line ").map_or(&*text, |(m, _)| m);
    let data = e.classify() == serde_json::error::Category::Data;
    JsonError {
        // `?` is serde_path_to_error's "somewhere unknown"; a syntax error has no field.
        path: if data && path != "." && path != "?" {
            path
        } else {
            String::new()
        },
        line: e.line(),
        column: e.column(),
        message: plain(message),
    }
}

/// serde's messages with what was expected and found in plain words: `invalid type: string
/// "x", expected usize` → `expected a whole number (0 or more), found the text "x"`.
pub fn plain(message: &str) -> String {
    for (prefix, found_word) in [("invalid type: ", "found"), ("invalid value: ", "found")] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((found, expected)) = rest.rsplit_once(", expected ")
        {
            return format!(
                "expected {}, {found_word} {}",
                expected_words(expected),
                found_words(found)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((n, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "expected {}, found a list of {n} item(s)",
            expected_words(expected)
        );
    }
    message.to_string()
}

/// What serde says was expected (often a Rust type's name) in plain words.
fn expected_words(e: &str) -> String {
    let e = e.trim();
    let word = match e {
        "usize" | "u8" | "u16" | "u32" | "u64" | "u128" => "a whole number (0 or more)",
        "isize" | "i8" | "i16" | "i32" | "i64" | "i128" => "a whole number",
        "f32" | "f64" => "a number",
        "a sequence" => "a list",
        "a map" => "an object",
        "a boolean" | "bool" => "true or false",
        "a string" | "a borrowed string" | "string" => "text",
        "a character" | "char" => "one character",
        "unit" | "null" => "null",
        "option" => "a value or null",
        "variant identifier" | "field identifier" => "a name",
        _ if e.starts_with("struct ") || e.starts_with("struct variant ") => "an object",
        _ if e.starts_with("tuple struct ") || e.starts_with("tuple variant ") => "a list",
        _ if e.starts_with("enum ") => "one of its allowed values",
        _ if e.starts_with("unit struct ") || e.starts_with("unit variant ") => "null",
        _ => return e.to_string(),
    };
    word.to_string()
}

/// What serde says it found, in plain words.
fn found_words(f: &str) -> String {
    let f = f.trim();
    let strip_ticks = |s: &str| s.trim_matches('`').to_string();
    if let Some(s) = f.strip_prefix("string ") {
        return format!("the text {s}");
    }
    if let Some(n) = f
        .strip_prefix("integer ")
        .or_else(|| f.strip_prefix("floating point "))
    {
        return format!("the number {}", strip_ticks(n));
    }
    if let Some(b) = f.strip_prefix("boolean ") {
        return strip_ticks(b);
    }
    match f {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "unit value" | "null" => "null".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: usize,
        on: bool,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
        org: Inner,
    }

    #[test]
    fn names_the_field_and_position_in_plain_words() {
        let e =
            from_str::<Outer>("{\n  \"items\": [\n    {\"count\": \"3\", \"on\": true}\n  ]\n}")
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3, column 17: field `items[0].count`: expected a whole number (0 or more), found the text \"3\""
        );
        let e = from_str::<Outer>("{\"items\": [], \"org\": []}").unwrap_err();
        assert_eq!(e.path, "org");
        assert_eq!(e.message, "expected an object, found a list of 0 item(s)");
        let e = from_str::<Outer>("{\"items\": [{\"count\": -1, \"on\": true}]}").unwrap_err();
        assert_eq!(
            e.message,
            "expected a whole number (0 or more), found the number -1"
        );
        let e = from_str::<Outer>("{\"items\": [{\"count\": 1, \"on\": 1}]}").unwrap_err();
        assert_eq!(e.message, "expected true or false, found the number 1");
        let e = from_str::<Outer>("{\"items\": [{\"count\": 1, \"onn\": true}]}").unwrap_err();
        assert_eq!(e.path, "items[0].onn");
        assert!(e.message.starts_with("unknown field `onn`"), "{e}");
        // Syntax errors name no field, and nothing may follow the document.
        let e = from_str::<Outer>("{\"items\": [").unwrap_err();
        assert_eq!(e.path, "");
        assert!(
            e.to_string()
                .starts_with("line 1, column 11: EOF while parsing"),
            "{e}"
        );
        let e = from_str::<Inner>("{\"count\": 1, \"on\": true} x").unwrap_err();
        assert_eq!(e.message, "trailing characters");
    }
}
