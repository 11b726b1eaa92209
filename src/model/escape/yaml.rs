//! YAML: a string as a double-quoted scalar that reads back as exactly that string, and text
//! for a comment that stays on its line.

use std::fmt::Write;

use super::text::{is_invisible_format, visible};

/// `s` as a double-quoted YAML scalar. Everything a YAML reader would fold, drop or refuse is
/// an escape: line breaks (`\n`, `\r`, and NEL, LS and PS, which YAML 1.1 also breaks lines
/// at), every other control character, the characters YAML does not allow in a document
/// (U+FFFE, U+FFFF), and the invisible formatting characters (bidirectional overrides,
/// zero-width characters), so a reviewer sees them.
pub fn quoted(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(o, "\\x{:02X}", c as u32);
            }
            c if is_invisible_format(c) || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                let _ = write!(o, "\\u{:04X}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Text for a `# comment`: on one line whatever it holds (line breaks and other control
/// characters shown as escapes).
pub fn comment(s: &str) -> String {
    visible(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_with_escapes() {
        assert_eq!(quoted("plain"), "\"plain\"");
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quoted("x\nevil: true"), "\"x\\nevil: true\"");
        assert_eq!(
            quoted("\x1b[2K\u{85}\u{2028}\u{202e}"),
            "\"\\x1B[2K\\x85\\u2028\\u202E\""
        );
        assert_eq!(comment("name\nevil: true"), "name\\nevil: true");
    }
}
