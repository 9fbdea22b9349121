//! Where jq's grammar is stricter than jaq's (which follows jq 1.7).
//!
//! A mapping that parses here but not in Port's jq would preview fine and then
//! fail in Port, so these are compile errors: in jq 1.6, object values that are
//! more than a term (`{a: .b // 1}`), `if` without `else`, `.a.[0]` and a binding
//! after an operator (`-1 as $x | ...`, which jq 1.6 reads as `-(1 as $x | ...)`
//! and jaq as jq 1.8 does, `(-1) as $x | ...`); in both,
//! `a * b % c`, which jq reads as `(a * b) % c` while jaq gives `%` precedence.
//! This works on jaq's token trees, which keep every token's place in the source.

use super::Dialect;
use super::check::Violation;
use jaq_core::load::lex::{StrPart, Tok, Token};

/// Operators that bind looser than a term (unary `-` included).
const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "//", "=", "|=", "+=", "-=", "*=",
    "/=", "%=", "//=",
];

/// Words that start or continue a construct rather than name a filter.
const KEYWORDS: &[&str] = &[
    "if", "then", "elif", "else", "end", "as", "def", "reduce", "foreach", "try", "catch", "label",
    "import", "include", "and", "or",
];

/// Check a lexed program.
pub(super) fn check<'s>(tokens: &[Token<&'s str>], dialect: Dialect) -> Vec<Violation<'s>> {
    let mut found = Vec::new();
    scan(tokens, dialect == Dialect::Jq16, &mut found);
    found
}

fn is_keyword(tok: &Token<&str>) -> bool {
    matches!(tok.1, Tok::Word) && KEYWORDS.contains(&tok.0)
}

/// Whether `tok` can end a term, so that a following `.` continues a path.
fn ends_term(tok: &Token<&str>) -> bool {
    match tok.1 {
        Tok::Sym => tok.0.starts_with('.') || tok.0 == "?",
        Tok::Word => !is_keyword(tok),
        Tok::Var | Tok::Fmt | Tok::Num | Tok::Str(_) | Tok::Block(_) => true,
    }
}

fn violation<'s>(at: &'s str, message: impl Into<String>) -> Violation<'s> {
    Violation {
        at: Some(at),
        message: message.into(),
    }
}

/// Check one sequence of tokens (one nesting level), then the levels inside it;
/// `jq16` adds the rules only jq 1.6's grammar has.
fn scan<'s>(tokens: &[Token<&'s str>], jq16: bool, found: &mut Vec<Violation<'s>>) {
    // Open `if`s, with whether their `else` has been seen.
    let mut ifs: Vec<(&'s str, bool)> = Vec::new();
    // Whether a `*` or `/` occurs since the last operator looser than them.
    let mut product = false;
    // The last operator since the start of the current pipe stage, if any.
    let mut operator: Option<&'s str> = None;
    for (i, tok) in tokens.iter().enumerate() {
        operator = match (&tok.1, tok.0) {
            (Tok::Sym, "|" | "," | ";" | ":") => None,
            (Tok::Sym, op) if OPERATORS.contains(&op) => Some(op),
            (Tok::Word, "and" | "or") => Some(tok.0),
            (Tok::Word, "as") => {
                if let (Some(op), true) = (operator, jq16) {
                    found.push(violation(tok.0, format!("jq 1.6 binds `as` tighter than `{op}` before it (jq 1.8 and this engine do not): add parentheses")));
                }
                None
            }
            _ if is_keyword(tok) => None,
            _ => operator,
        };
        match (&tok.1, tok.0) {
            (Tok::Block(inner), open) => {
                if jq16 && open.starts_with('{') {
                    object_values(inner, found);
                }
                scan(inner, jq16, found);
            }
            (Tok::Str(parts), _) => {
                for part in parts {
                    if let StrPart::Term(Token(_, Tok::Block(inner))) = part {
                        scan(inner, jq16, found);
                    }
                }
            }
            (Tok::Word, "if") => ifs.push((tok.0, false)),
            (Tok::Word, "else") => {
                if let Some(open) = ifs.last_mut() {
                    open.1 = true;
                }
            }
            (Tok::Word, "end") => {
                if let (Some((at, false)), true) = (ifs.pop(), jq16) {
                    found.push(violation(
                        at,
                        "syntax error: jq 1.6 requires `else` in `if ... end` (add `else .`)",
                    ));
                }
            }
            (Tok::Sym, ".") => {
                let next_is_bracket = tokens.get(i + 1).is_some_and(|t| t.0.starts_with('['));
                let after_term = i > 0 && ends_term(&tokens[i - 1]);
                if jq16 && next_is_bracket && after_term {
                    found.push(violation(tok.0, "syntax error: jq 1.6 does not accept `.[` after a path; write `.a[0]`, not `.a.[0]`"));
                }
            }
            (Tok::Sym, "%") if product => {
                found.push(violation(
                    tok.0,
                    "jq reads `a * b % c` as `(a * b) % c`, this engine would not: add parentheses",
                ));
            }
            _ => {}
        }
        product = match (&tok.1, tok.0) {
            (Tok::Sym, "*" | "/") => true,
            (Tok::Sym, s) => product && (s.starts_with('.') || s == "?"),
            _ => product && !is_keyword(tok),
        };
    }
}

/// In jq 1.6 an object value is a term, or terms joined by `|`, each maybe
/// negated: `{a: .b | ascii_downcase}` parses, `{a: .b // 1}` does not.
fn object_values<'s>(inner: &[Token<&'s str>], found: &mut Vec<Violation<'s>>) {
    // The last token is the closing brace.
    let entries =
        inner[..inner.len().saturating_sub(1)].split(|t| matches!(t.1, Tok::Sym) && t.0 == ",");
    for entry in entries {
        let Some(colon) = entry
            .iter()
            .position(|t| matches!(t.1, Tok::Sym) && t.0 == ":")
        else {
            continue;
        };
        if let Some(bad) = first_non_term(&entry[colon + 1..]) {
            let message = format!(
                "syntax error: jq 1.6 does not accept `{}` in an object value; put the value in parentheses",
                bad.0
            );
            found.push(violation(bad.0, message));
        }
    }
}

/// The first token that makes `value` more than `term | term | -term ...`.
fn first_non_term<'t, 's>(value: &'t [Token<&'s str>]) -> Option<&'t Token<&'s str>> {
    let mut at_start = true;
    for tok in value {
        match (&tok.1, tok.0) {
            (Tok::Sym, "|") => at_start = true,
            (Tok::Sym, "-") if at_start => {}
            (Tok::Sym, s) if s.starts_with('.') || s == "?" => at_start = false,
            (Tok::Sym, _) => return Some(tok),
            (Tok::Word, _) if is_keyword(tok) => return Some(tok),
            _ => at_start = false,
        }
    }
    None
}
