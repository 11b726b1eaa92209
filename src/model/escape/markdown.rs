//! Markdown as GitHub renders it (CommonMark with tables): outside text can start no HTML,
//! no comment, no link or image, no mention, no strikethrough, and can close none of the
//! structure around it (a table cell, a code span or fence, a `<details>` block).

use super::text::visible;

/// Text inside a paragraph, a list item or a table cell: control characters shown as escapes
/// (so it stays on its line: no new block can start), `\`, `` ` ``, `|` and `~` escaped, `<`,
/// `>` and `&` as entities (no HTML, no comment, no entity of the text's own), `](` broken so
/// no link or image forms, and `@` that would mention someone followed by a zero-width joiner.
pub fn inline(s: &str) -> String {
    let s = visible(s);
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '(' if prev == Some(']') => out.push_str("\\("),
            // GitHub mentions `@name` where `@` does not follow a word character (so an email
            // address is no mention); the joiner keeps the text and breaks the mention.
            '@' if !prev.is_some_and(|p| p.is_alphanumeric() || p == '_')
                && chars.peek().is_some_and(|n| n.is_alphanumeric()) =>
            {
                out.push_str("@\u{200D}");
            }
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// An inline code span holding `s` as it is (control characters shown as escapes): delimited
/// by more backticks than any run in `s`, padded where `s` starts or ends with one.
pub fn code(s: &str) -> String {
    let s = visible(s);
    let ticks = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// [`code`] inside a table cell, where a `|` ends the cell even in a code span unless escaped
/// (GitHub then shows it without the backslash).
pub fn cell_code(s: &str) -> String {
    code(&s.replace('|', "\\|"))
}

/// A line inside a fenced code block: shown as it is, control characters as escapes (so it
/// stays one line). The fence around the block comes from [`fence`].
pub fn block_line(s: &str) -> String {
    visible(s).into_owned()
}

/// The fence for a code block holding `content`: longer than any run of backticks in it, so
/// nothing in it can close the block.
pub fn fence(content: &str) -> String {
    "`".repeat((longest_backtick_run(content) + 1).max(3))
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_is_neutralised() {
        assert_eq!(
            inline("plain, text: a_b (x) [y]"),
            "plain, text: a_b (x) [y]"
        );
        assert_eq!(
            inline("</details><!-- x --><script>&amp;"),
            "&lt;/details&gt;&lt;!-- x --&gt;&lt;script&gt;&amp;amp;"
        );
        assert_eq!(inline("a | b\nc"), "a \\| b\\\\nc");
        assert_eq!(
            inline("```x``` ~~gone~~ \\"),
            "\\`\\`\\`x\\`\\`\\` \\~\\~gone\\~\\~ \\\\"
        );
        assert_eq!(inline("[click](https://x)"), "[click]\\(https://x)");
        assert_eq!(
            inline("cc @org/team, @alice"),
            "cc @\u{200D}org/team, @\u{200D}alice"
        );
        assert_eq!(inline("owner team@example.com"), "owner team@example.com");
        assert_eq!(inline("\u{202e}evil"), "\\\\u{202e}evil");
    }

    #[test]
    fn code_spans_and_fences_outlast_their_content() {
        assert_eq!(code("hub"), "`hub`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("x ```` y ``` z"), "`````");
        assert_eq!(block_line("a\nb"), "a\\nb");
    }
}
