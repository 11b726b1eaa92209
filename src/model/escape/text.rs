//! A terminal: control characters, escape sequences and invisible formatting characters shown
//! as visible escapes, so outside text can neither move the cursor, erase lines, ring the bell
//! nor reorder what is around it.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that change how text around them is shown without being seen themselves:
/// bidirectional overrides and isolates (`U+202E` turns the rest of a line around), zero-width
/// characters, line and paragraph separators, and the byte-order mark.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Whether `c` is shown as an escape by [`visible`].
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// `s` with every control character (C0, DEL, C1: `ESC` included, so no ANSI sequence can
/// act) and every invisible formatting character written as a visible escape: `\n`, `\r`,
/// `\t`, `\x1b` for the other C0 characters and DEL, `\u{202e}` for the rest. Everything else
/// is kept as it is.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_invisible_characters_are_shown() {
        assert_eq!(visible("plain text: café ✓"), "plain text: café ✓");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert_eq!(visible("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(
            visible("\x1b[2K\x1b[1Aok\x07\0"),
            "\\x1b[2K\\x1b[1Aok\\x07\\x00"
        );
        assert_eq!(visible("\u{7f}\u{9b}31m"), "\\x7f\\u{9b}31m");
        assert_eq!(
            visible("abc\u{202e}fed\u{200b}\u{200d}\u{feff}\u{2028}"),
            "abc\\u{202e}fed\\u{200b}\\u{200d}\\u{feff}\\u{2028}"
        );
    }

    proptest::proptest! {
        /// Whatever the input, the output has no control or invisible character, and text
        /// without any comes out unchanged.
        #[test]
        fn nothing_invisible_survives(s in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{200b}-\\u{202e}a-z]*") {
            let v = visible(&s);
            proptest::prop_assert!(!v.chars().any(needs_escape), "{v:?}");
            if !s.chars().any(needs_escape) {
                proptest::prop_assert_eq!(v.as_ref(), s.as_str());
            }
        }
    }
}
