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

/// `text` in at most `width` characters: a long one loses its middle (`notifications/…-dispatcher`),
/// where repository names differ least (their family in front, their role at the end).
pub fn cut_middle(text: &str, width: usize) -> Cow<'_, str> {
    let len = text.chars().count();
    if len <= width {
        return Cow::Borrowed(text);
    }
    if width <= 1 {
        return Cow::Borrowed(if width == 0 { "" } else { "…" });
    }
    let keep = width - 1;
    let mut head = keep - keep / 2;
    // A `/` just past the cut stays in front: the family reads whole (`data/…`).
    let chars: Vec<char> = text.chars().collect();
    if let Some(slash) = (head..(head + 3).min(keep))
        .find(|&i| chars[i] == '/')
        .filter(|&i| keep - (i + 1) >= keep / 3)
    {
        head = slash + 1;
    }
    let tail = keep - head;
    let front: String = text.chars().take(head).collect();
    let back: String = text.chars().skip(len - tail).collect();
    Cow::Owned(format!("{front}…{back}"))
}

/// `1 entity`, `3 entities`: a count with its noun agreeing.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `text` in at most `width` characters, cut at the end with `…`.
pub fn cut_end(text: &str, width: usize) -> Cow<'_, str> {
    if text.chars().count() <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let front: String = text.chars().take(width - 1).collect();
    Cow::Owned(format!("{front}…"))
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_lose_their_middle_and_keep_both_ends() {
        assert_eq!(
            cut_middle("notifications/email-dispatcher", 26),
            "notifications/…-dispatcher"
        );
        assert_eq!(cut_middle("auth-service", 12), "auth-service");
        assert_eq!(cut_middle("auth-service", 5), "au…ce");
        assert_eq!(cut_middle("auth-service", 1), "…");
        assert_eq!(cut_middle("auth-service", 0), "");
        assert_eq!(cut_middle("dätä/ünïcode", 7), "dät…ode");
        assert_eq!(cut_end("orders, inventory", 10), "orders, i…");
        assert_eq!(cut_end("orders", 10), "orders");
        assert_eq!(counted(1, "entity", "entities"), "1 entity");
        assert_eq!(counted(0, "entity", "entities"), "0 entities");
    }

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
