//! Reading JSON text (`fromjson`, `tonumber`) the way jq's parser reads it.

use std::borrow::Cow;

use jaq_json::{Num, Rc, Val};

use super::value::{JqVal, arr, num_f64, obj, read_number};
use super::{Dialect, dialect};

/// Nesting depth beyond which jq 1.6 refuses to parse (`MAX_PARSING_DEPTH`).
const MAX_PARSING_DEPTH: usize = 256;

/// Parse one JSON value like jq 1.6's parser: numbers beyond the double range
/// become ±1.7976931348623157e+308 (serde_json would refuse them), words `strtod`
/// reads are numbers (`NaN`, `Infinity`, `.5`), and nesting is limited to 256 levels.
pub(super) fn parse_json(text: &str) -> Result<JqVal, String> {
    if nesting_depth(text) > MAX_PARSING_DEPTH {
        return Err("Exceeds depth limit for parsing".into());
    }
    let text = jq_literals(text);
    let v = jaq_json::read::parse_single(text.as_bytes()).map_err(|e| format!("{e:?}"))?;
    normalize(v)
}

/// The text with each bare word jq reads as a number but jaq would refuse spelled the way
/// jaq reads it. jq's parser hands any word that does not start with `t`, `f` or `n` to
/// `strtod` (so `.5`, `5.`, `+3`, `inf` and `NaN` are numbers); jq 1.8 also reads `nan`.
fn jq_literals(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let (mut in_string, mut escaped) = (false, false);
    let mut word: Option<usize> = None;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().chain(std::iter::once(&b' ')).enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        let ends_word = matches!(
            b,
            b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'[' | b']' | b'{' | b'}' | b',' | b':'
        );
        match (word, ends_word) {
            (None, false) => word = Some(i),
            (Some(start), true) => {
                if let Some(spelled) = number_word(&text[start..i]) {
                    out.push_str(&text[copied..start]);
                    out.push_str(&spelled);
                    copied = i;
                }
                word = None;
            }
            _ => {}
        }
        in_string = b == b'"';
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(word: &str) -> bool {
    fn digits(s: &str) -> (&str, usize) {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (&s[n..], n)
    }
    let s = word.strip_prefix('-').unwrap_or(word);
    let (s, int) = digits(s);
    if int == 0 || (int > 1 && word.trim_start_matches('-').starts_with('0')) {
        return false;
    }
    let s = match s.strip_prefix('.') {
        Some(frac) => match digits(frac) {
            (_, 0) => return false,
            (rest, _) => rest,
        },
        None => s,
    };
    let s = match s.strip_prefix(['e', 'E']) {
        Some(exp) => match digits(exp.strip_prefix(['+', '-']).unwrap_or(exp)) {
            (_, 0) => return false,
            (rest, _) => rest,
        },
        None => s,
    };
    s.is_empty()
}

/// How jaq must read `word` for jq's reading of it, when that differs from the word.
fn number_word(word: &str) -> Option<String> {
    match word.as_bytes().first()? {
        b't' | b'f' => return None,
        b'n' if word == "nan" && dialect() == Dialect::Jq18 => return Some("NaN".into()),
        b'n' => return None,
        _ => {}
    }
    if is_json_number(word) {
        return None;
    }
    let x: f64 = word.parse().ok()?;
    if x.is_nan() {
        return Some("NaN".into());
    }
    if x.is_infinite() {
        return Some(if x > 0.0 { "Infinity" } else { "-Infinity" }.into());
    }
    // Keep the digits (jq 1.8 keeps literals): no `+`, a 0 before a bare point, no point
    // without digits after it.
    let (sign, rest) = match word.strip_prefix(['+', '-']) {
        Some(rest) if word.starts_with('-') => ("-", rest),
        Some(rest) => ("", rest),
        None => ("", word),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(k) => rest.split_at(k),
        None => (rest, ""),
    };
    let mantissa = mantissa.strip_suffix('.').unwrap_or(mantissa);
    let zero = if mantissa.starts_with('.') { "0" } else { "" };
    Some(format!("{sign}{zero}{mantissa}{exponent}"))
}

/// Deepest nesting of `[` and `{` outside strings (a cheap guard before parsing).
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0, false, false);
    for b in text.bytes() {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b'[' | b'{') => {
                depth += 1;
                max = max.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Bring numbers read by jaq into our representation: doubles (see
/// [`JqVal::number`]) in jq 1.6, literals in jq 1.8.
fn normalize(v: Val) -> Result<JqVal, String> {
    Ok(match v {
        Val::Num(n @ (Num::Dec(_) | Num::BigInt(_))) if dialect() == Dialect::Jq18 => {
            read_number(&n.to_string()).unwrap_or_else(|| JqVal::number(num_f64(&n)))
        }
        Val::Num(n) => JqVal::number(num_f64(&n)),
        Val::Arr(a) => arr(Rc::unwrap_or_clone(a)
            .into_iter()
            .map(|x| normalize(x).map(|x| x.0))
            .collect::<Result<_, _>>()?),
        Val::Obj(o) => obj(Rc::unwrap_or_clone(o)
            .into_iter()
            .map(|(k, x)| normalize(x).map(|x| (k, x.0)))
            .collect::<Result<_, _>>()?),
        other => JqVal(other),
    })
}
