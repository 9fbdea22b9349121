//! Text that reaches a terminal. Anything a user, a file or a server supplied may hold control
//! characters; printed raw, `\x1b[…` would be a live escape sequence (colours, cursor moves,
//! a title change). They are shown escaped instead.

use std::borrow::Cow;

/// `text` with every control character but a newline or tab written as `\x1b`, `\u{7f}`…
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !needs_escape(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_sent() {
        assert_eq!(printable("plain"), "plain");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable("a\x1b[31mred"), "a\\x1b[31mred");
        assert_eq!(
            printable("bell\x07 del\x7f c1\u{9b}"),
            "bell\\x07 del\\x7f c1\\u{9b}"
        );
        assert_eq!(printable("two\nlines\ttab"), "two\nlines\ttab");
    }
}
