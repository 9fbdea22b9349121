//! Port's rule for entity identifiers (port-reference.md §1.11), which relation values and the
//! `<service>` of a `port-<service>` tag must follow too.

/// Port's limit on an entity identifier, in characters.
pub const MAX_IDENTIFIER_CHARS: usize = 1000;

/// Why `id` breaks Port's entity identifier rule
/// `^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$` (max 1000 characters), or `None` if it is valid.
pub fn identifier_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("is empty; identifiers need at least one character".to_string());
    }
    if id == "." || id == ".." {
        return Some("is reserved: `.` and `..` cannot be identifiers".to_string());
    }
    // JSON Schema's maxLength counts code points, not bytes.
    let chars = id.chars().count();
    if chars > MAX_IDENTIFIER_CHARS {
        return Some(format!(
            "is {chars} characters long, over the {MAX_IDENTIFIER_CHARS}-character limit"
        ));
    }
    let mut bad: Vec<char> = Vec::new();
    for c in id.chars() {
        if !is_identifier_char(c) && !bad.contains(&c) {
            bad.push(c);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let shown: Vec<String> = bad.iter().take(5).map(|c| format!("{c:?}")).collect();
    let more = if bad.len() > 5 { ", …" } else { "" };
    Some(format!(
        "contains {}{more}; only letters, digits and @ _ . + : \\ / = - are allowed (no spaces)",
        shown.join(", ")
    ))
}

/// True if `id` satisfies Port's entity identifier rule.
pub fn is_valid_identifier(id: &str) -> bool {
    identifier_problem(id).is_none()
}

fn is_identifier_char(c: char) -> bool {
    // `0-9` in the spec's regex is ASCII only; `\p{L}` is "any Unicode letter". std has no
    // General_Category lookup, so a letter is approximated as Alphabetic minus Numeric: that
    // removes letter-numbers (Nl, e.g. 'Ⅻ') but still admits the Other_Alphabetic marks (e.g.
    // Devanagari vowel signs, circled letters) that \p{L} rejects. ECR names are ASCII, so this
    // only matters for hand-written mappings, and Port still has the final word.
    c.is_ascii_digit()
        || matches!(c, '@' | '_' | '.' | '+' | ':' | '\\' | '/' | '=' | '-')
        || (c.is_alphabetic() && !c.is_numeric())
}
