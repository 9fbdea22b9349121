//! Filters implemented in Rust: jaq's own (minus `env`), plus
//! replacements for those whose behaviour differs from jq 1.6.

use super::check::builtins;
use super::json_text::parse_json;
use super::value::{JqResult, JqVal, fail, num_f64, read_number, utf8_lossy};
use super::{Data, Dialect, dialect, literal};
use jaq_core::box_iter::box_once;
use jaq_core::native::{Filter, Fun, bome, run, unary, v};
use jaq_core::path::Opt;
use jaq_core::{Exn, RunPtr, ValT as _, ValX};
use jaq_json::Val;
use jaq_std::ValT as _;
use std::fmt::Write as _;

/// All native filters: ours, then jaq's that we neither replace nor refuse.
/// (jaq's `env` reads the process environment, where credentials live.)
pub(super) fn natives() -> impl Iterator<Item = Fun<Data>> {
    let ours: Vec<_> = ours().into_vec().into_iter().map(run::<Data>).collect();
    let replaced: Vec<_> = ours
        .iter()
        .map(|(name, args, _)| (*name, args.len()))
        .collect();
    let theirs = jaq_core::funs::<Data>().chain(jaq_std::funs::<Data>());
    let theirs = theirs
        .filter(move |(name, args, _)| *name != "env" && !replaced.contains(&(*name, args.len())));
    ours.into_iter().chain(theirs)
}

fn number_arg(v: &JqVal) -> Result<f64, jaq_core::Error<JqVal>> {
    v.as_number()
        .ok_or_else(|| fail(format!("{} number required", v.describe())))
}

/// A math filter `x | f` on one number.
macro_rules! math1 {
    ($name:literal, $f:expr) => {
        ($name, v(0), |cv| {
            bome(number_arg(&cv.1).map(|x| JqVal::number($f(x))))
        })
    };
}

/// A math filter `f(x; y)` on two numbers.
macro_rules! math2 {
    ($name:literal, $f:expr) => {
        ($name, v(2), |mut cv| {
            let y = cv.0.pop_var();
            let x = cv.0.pop_var();
            bome((|| Ok(JqVal::number($f(number_arg(&x)?, number_arg(&y)?))))())
        })
    };
}

fn ours() -> Box<[Filter<RunPtr<Data>>]> {
    Box::new([
        ("tojson", v(0), |cv| {
            bome(Ok(JqVal::string(cv.1.to_json_string())))
        }),
        ("fromjson", v(0), |cv| bome(from_json(&cv.1))),
        ("tonumber", v(0), |cv| bome(to_number(cv.1))),
        ("length", v(0), |cv| bome(length(&cv.1))),
        ("keys_unsorted", v(0), |cv| bome(keys_unsorted(&cv.1))),
        ("has", v(1), |cv| unary(cv, |v, k| has(&v, &k))),
        ("contains", v(1), |cv| {
            unary(cv, |a, b| contains_checked(&a, &b))
        }),
        ("startswith", v(1), |cv| {
            unary(cv, |s, p| {
                affix(&s, &p, "startswith", |s, p| s.starts_with(p))
            })
        }),
        ("endswith", v(1), |cv| {
            unary(cv, |s, p| affix(&s, &p, "endswith", |s, p| s.ends_with(p)))
        }),
        ("ltrimstr", v(1), |cv| {
            unary(cv, |s, p| {
                trim(s, &p, "startswith", |s, p| s.strip_prefix(p))
            })
        }),
        ("rtrimstr", v(1), |cv| {
            unary(cv, |s, p| trim(s, &p, "endswith", |s, p| s.strip_suffix(p)))
        }),
        ("_trim_space", v(1), |mut cv| {
            let ends = cv.0.pop_var();
            bome(trim_space(&cv.1, &ends))
        }),
        ("toboolean", v(0), |cv| bome(to_boolean(cv.1))),
        ("_decode_uri", v(0), |cv| bome(decode_uri(&cv.1))),
        ("_strindices", v(1), |cv| {
            unary(cv, |s, t| str_indices(&s, &t))
        }),
        ("bsearch", v(1), |cv| unary(cv, |a, x| bsearch(&a, &x))),
        ("_delpaths", v(1), |mut cv| {
            let paths = cv.0.pop_var();
            box_once(delpaths(cv.1, paths))
        }),
        ("_regex_names", v(0), |cv| bome(regex_names(&cv.1))),
        ("implode", v(0), |cv| bome(implode(&cv.1))),
        ("_onig_matches", v(2), |mut cv| {
            let flags = cv.0.pop_var();
            let re = cv.0.pop_var();
            bome(super::regex::onig_matches(&cv.1, &re, &flags))
        }),
        ("_encode_uri", v(0), |cv| bome(with_text(&cv.1, encode_uri))),
        ("_decode_base64", v(0), |cv| bome(decode_base64(&cv.1))),
        ("_csv", v(0), |cv| bome(csv_or_tsv(&cv.1, Row::Csv))),
        ("_tsv", v(0), |cv| bome(csv_or_tsv(&cv.1, Row::Tsv))),
        ("builtins", v(0), |_| {
            bome(Ok(builtins(dialect())
                .iter()
                .map(|b| JqVal::string(*b))
                .collect()))
        }),
        // jq 1.6 calls the C library for these; so does Rust's std on Linux,
        // while jaq uses the `libm` crate, whose last digit sometimes differs.
        math1!("exp", f64::exp),
        math1!("exp2", f64::exp2),
        math1!("expm1", f64::exp_m1),
        math1!("log", f64::ln),
        math1!("log10", f64::log10),
        math1!("log2", f64::log2),
        math1!("log1p", f64::ln_1p),
        math1!("cbrt", f64::cbrt),
        math1!("sin", f64::sin),
        math1!("cos", f64::cos),
        math1!("tan", f64::tan),
        math1!("asin", f64::asin),
        math1!("acos", f64::acos),
        math1!("atan", f64::atan),
        math1!("sinh", f64::sinh),
        math1!("cosh", f64::cosh),
        math1!("tanh", f64::tanh),
        math2!("pow", f64::powf),
        math2!("atan2", f64::atan2),
        math2!("hypot", f64::hypot),
        ("_halt_error", v(1), |mut cv| {
            let code = cv.0.pop_var();
            let Some(code) = code.as_isize().and_then(|c| i32::try_from(c).ok()) else {
                return bome(Err(fail("halt_error/1: number required")));
            };
            // `halt_error` ends the program and cannot be caught, so it is a halt;
            // the message travels beside it, to be reported by `first`.
            cv.0.data().halt_message.replace(Some(cv.1));
            box_once(Err(Exn::halt(code)))
        }),
    ])
}

fn with_text(v: &JqVal, f: impl FnOnce(&str) -> String) -> JqResult {
    match v.as_text() {
        Some(s) => Ok(JqVal::string(f(&s))),
        None => Err(fail(format!("{} is not a string", v.describe()))),
    }
}

/// jq 1.6 `fromjson`: exactly one JSON value, else an error naming the text.
fn from_json(v: &JqVal) -> JqResult {
    let Some(s) = v.as_text() else {
        return Err(fail(format!("{} only strings can be parsed", v.describe())));
    };
    parse_json(&s).map_err(|e| fail(format!("{e} (while parsing '{s}')")))
}

/// `tonumber`: numbers as they are, strings parsed as JSON numbers (jq 1.6 lets
/// blanks around them pass, jq 1.8 does not, but reads `nan`).
fn to_number(v: JqVal) -> JqResult {
    if v.as_number().is_some() {
        return Ok(v);
    }
    if dialect() == Dialect::Jq18 {
        let text = v.as_text().map(|s| s.into_owned());
        // `strtod`'s words, in any case, with a sign.
        let special = |s: &str| {
            let word = s.trim_start_matches(['+', '-']).to_ascii_lowercase();
            (s.len() - word.len() <= 1 && ["nan", "inf", "infinity"].contains(&word.as_str()))
                .then(|| s.parse::<f64>().ok().map(JqVal::number))
                .flatten()
        };
        let parsed = text.as_deref().and_then(|s| match special(s) {
            Some(x) => Some(x),
            None => match s.strip_prefix('+') {
                Some(rest) if !rest.starts_with(['+', '-']) => read_number(rest),
                Some(_) => None,
                None => read_number(s),
            },
        });
        return parsed
            .ok_or_else(|| fail(format!("{} cannot be parsed as a number", v.describe())));
    }
    match v.as_text().map(|s| parse_json(&s)) {
        Some(Ok(n)) if n.as_number().is_some() => Ok(n),
        Some(Err(e)) => Err(fail(format!(
            "{e} (while parsing '{}')",
            v.as_text().unwrap_or_default()
        ))),
        _ => Err(fail(format!(
            "{} cannot be parsed as a number",
            v.describe()
        ))),
    }
}

/// `implode`: a code point beyond Unicode becomes U+FFFD, as in jq; in jq 1.8 so do a
/// surrogate and a negative one, on which jq 1.6 fails an assertion.
fn implode(v: &JqVal) -> JqResult {
    let Val::Arr(items) = &v.0 else {
        return Err(fail("implode input must be an array"));
    };
    let mut out = String::with_capacity(items.len());
    for item in items.iter() {
        let item = JqVal(item.clone());
        let Some(x) = item.as_number() else {
            return Err(fail(format!(
                "{} can't be imploded, unicode codepoint needs to be numeric",
                item.describe()
            )));
        };
        if x < 0.0 && dialect() == Dialect::Jq16 {
            return Err(fail(format!(
                "jq 1.6 aborts on the negative code point {x} in implode"
            )));
        }
        let surrogate = (55296.0..57344.0).contains(&x.trunc());
        if surrogate && dialect() == Dialect::Jq16 {
            return Err(fail(format!(
                "jq 1.6 aborts printing a string with the surrogate {x} (from implode)"
            )));
        }
        let c = (x >= 0.0 && x <= f64::from(u32::MAX))
            .then(|| char::from_u32(x as u32))
            .flatten();
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    Ok(JqVal::string(out))
}

/// jq 1.6 `length`: code points of strings, absolute value of numbers, 0 for null.
fn length(v: &JqVal) -> JqResult {
    match &v.0 {
        Val::Null => Ok(JqVal::from(0usize)),
        Val::Bool(_) => Err(fail(format!("{} has no length", v.describe()))),
        // jq 1.8 keeps a literal's digits.
        Val::Num(jaq_json::Num::Dec(lit)) => Ok(read_number(literal::magnitude(lit))
            .unwrap_or_else(|| JqVal::number(num_f64(&jaq_json::Num::Dec(lit.clone())).abs()))),
        Val::Num(n) => Ok(JqVal::number(num_f64(n).abs())),
        Val::TStr(_) | Val::BStr(_) => {
            Ok(JqVal::from(v.as_text().map_or(0, |s| s.chars().count())))
        }
        Val::Arr(a) => Ok(JqVal::from(a.len())),
        Val::Obj(o) => Ok(JqVal::from(o.len())),
    }
}

/// jq 1.6 `keys_unsorted`: object keys in order, array indices; nothing else has keys.
fn keys_unsorted(v: &JqVal) -> JqResult {
    match &v.0 {
        Val::Obj(o) => Ok(o.keys().map(|k| JqVal(k.clone())).collect()),
        Val::Arr(a) => Ok((0..a.len()).map(JqVal::from).collect()),
        _ => Err(fail(format!("{} has no keys", v.describe()))),
    }
}

/// jq 1.6 `has`: string keys of objects, numeric indices of arrays (truncated,
/// never counted from the end), nothing for null; anything else is an error.
fn has(v: &JqVal, k: &JqVal) -> JqResult {
    match (&v.0, &k.0) {
        (Val::Null, _) => Ok(JqVal::from(false)),
        (Val::Obj(o), key) if k.is_string() => Ok(JqVal::from(o.contains_key(key))),
        (Val::Arr(a), Val::Num(i)) => {
            let i = num_f64(i).trunc();
            Ok(JqVal::from(i >= 0.0 && i < a.len() as f64))
        }
        _ => Err(fail(format!(
            "Cannot check whether {} has a {} key",
            v.kind(),
            k.kind()
        ))),
    }
}

/// jq 1.6 `contains`: both sides must be of the same kind (`true` and `false`
/// count as different kinds).
fn contains_checked(a: &JqVal, b: &JqVal) -> JqResult {
    if jq_kind(&a.0) == jq_kind(&b.0) {
        Ok(JqVal::from(contains(&a.0, &b.0)))
    } else {
        let (a, b) = (a.describe(), b.describe());
        Err(fail(format!(
            "{a} and {b} cannot have their containment checked"
        )))
    }
}

/// jq's value kinds, where `true` and `false` differ.
fn jq_kind(v: &Val) -> u8 {
    match v {
        Val::Null => 0,
        Val::Bool(false) => 1,
        Val::Bool(true) => 2,
        Val::Num(_) => 3,
        Val::TStr(_) | Val::BStr(_) => 4,
        Val::Arr(_) => 5,
        Val::Obj(_) => 6,
    }
}

fn contains(a: &Val, b: &Val) -> bool {
    match (a, b) {
        _ if jq_kind(a) != jq_kind(b) => false,
        (Val::Obj(a), Val::Obj(b)) => b
            .iter()
            .all(|(k, bv)| a.get(k).is_some_and(|av| contains(av, bv))),
        (Val::Arr(a), Val::Arr(b)) => b.iter().all(|bv| a.iter().any(|av| contains(av, bv))),
        (Val::TStr(a) | Val::BStr(a), Val::TStr(b) | Val::BStr(b)) => {
            b.is_empty() || a.windows(b.len()).any(|w| w == &b[..])
        }
        _ => a == b,
    }
}

/// `startswith`/`endswith`: jq 1.6 requires two strings.
fn affix(s: &JqVal, p: &JqVal, name: &str, test: fn(&str, &str) -> bool) -> JqResult {
    match (s.as_text(), p.as_text()) {
        (Some(s), Some(p)) => Ok(JqVal::from(test(&s, &p))),
        _ => Err(fail(format!("{name}() requires string inputs"))),
    }
}

/// `ltrimstr`/`rtrimstr`: jq 1.6 returns the input unchanged unless both are
/// strings and the affix is there; jq 1.8 tests with `startswith`/`endswith`
/// first, which fail on non-strings.
fn trim(
    s: JqVal,
    p: &JqVal,
    test: &str,
    strip: for<'x> fn(&'x str, &str) -> Option<&'x str>,
) -> JqResult {
    let stripped = match (s.as_text(), p.as_text()) {
        (Some(text), Some(p)) => strip(&text, &p).map(str::to_string),
        _ if dialect() == Dialect::Jq18 => {
            return Err(fail(format!("{test}() requires string inputs")));
        }
        _ => None,
    };
    Ok(stripped.map_or(s, JqVal::string))
}

/// jq 1.8 `trim` (ends 3), `ltrim` (1), `rtrim` (2): Unicode white space off the ends.
fn trim_space(v: &JqVal, ends: &JqVal) -> JqResult {
    let Some(s) = v.as_text() else {
        return Err(fail("trim input must be a string"));
    };
    let ends = ends.as_isize().unwrap_or(3);
    let s = if ends & 1 != 0 { s.trim_start() } else { &s };
    let s = if ends & 2 != 0 { s.trim_end() } else { s };
    Ok(JqVal::string(s))
}

/// jq 1.8 `toboolean`: booleans, and the strings `"true"` and `"false"`.
fn to_boolean(v: JqVal) -> JqResult {
    match (v.as_text().as_deref(), &v.0) {
        (_, Val::Bool(_)) => Ok(v),
        (Some("true"), _) => Ok(JqVal::from(true)),
        (Some("false"), _) => Ok(JqVal::from(false)),
        _ => Err(fail(format!(
            "{} cannot be parsed as a boolean",
            v.describe()
        ))),
    }
}

/// `_strindices` (behind `indices`/`index` on strings): where the occurrences
/// start; jq 1.6 counts bytes and resumes after each match, jq 1.8 counts code
/// points and finds overlapping ones.
fn str_indices(s: &JqVal, t: &JqVal) -> JqResult {
    if dialect() == Dialect::Jq18 {
        let (Some(s), Some(t)) = (s.as_text(), t.as_text()) else {
            return Err(fail("_strindices/1 requires string inputs"));
        };
        if t.is_empty() {
            return Ok(std::iter::empty::<JqVal>().collect());
        }
        // jq 1.8 resumes one character after each match start, so matches overlap.
        let (mut hits, mut from) = (Vec::new(), 0);
        while let Some(i) = s[from..].find(&*t) {
            let at = from + i;
            hits.push(JqVal::from(s[..at].chars().count()));
            from = at + s[at..].chars().next().map_or(1, char::len_utf8);
        }
        return Ok(hits.into_iter().collect());
    }
    let (Some(s), Some(t)) = (s.as_bytes(), t.as_bytes()) else {
        return Err(fail("_strindices/1 requires string inputs"));
    };
    if t.is_empty() {
        // jq 1.6 loops until it runs out of memory here.
        return Err(fail(
            "cannot search for the empty string (jq 1.6 never returns)",
        ));
    }
    let mut hits = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].windows(t.len()).position(|w| w == t) {
        hits.push(JqVal::from(from + i));
        from += i + t.len();
    }
    Ok(hits.into_iter().collect())
}

/// `bsearch`: index of `x` in a sorted array, or (-1 - insertion point).
fn bsearch(a: &JqVal, x: &JqVal) -> JqResult {
    match &a.0 {
        Val::Null => Ok(JqVal::from(-1isize)),
        Val::Arr(items) => {
            let found = items.binary_search_by(|item| JqVal(item.clone()).cmp(x));
            Ok(JqVal::from(
                found.map_or_else(|i| -1 - i as isize, |i| i as isize),
            ))
        }
        _ => Err(fail(format!("Cannot index {} with number", a.kind()))),
    }
}

/// jq 1.6 `delpaths`: sort the paths, delete the last first (so earlier
/// indices stay valid); paths through missing values delete nothing.
fn delpaths<'a>(v: JqVal, paths: JqVal) -> ValX<'a, JqVal> {
    let mut paths: Vec<JqVal> = paths
        .into_seq()
        .map_err(|_| fail("Paths must be specified as an array"))?;
    paths.sort();
    paths.into_iter().rev().try_fold(v, |v, path| {
        let path: Vec<JqVal> = path
            .into_seq()
            .map_err(|_| fail("Path must be specified as an array"))?;
        delete_path(v, &path)
    })
}

fn delete_path<'a>(v: JqVal, path: &[JqVal]) -> ValX<'a, JqVal> {
    match path {
        [] => Ok(JqVal::NULL),
        [key] => v.map_index(key, Opt::Essential, |_| std::iter::empty()),
        [key, rest @ ..] => {
            let child = v.clone().index(key)?;
            if child.0 == Val::Null {
                return Ok(v);
            }
            let child = delete_path(child, rest)?;
            v.map_index(key, Opt::Essential, move |_| {
                std::iter::once(Ok(child.clone()))
            })
        }
    }
}

/// Names of the named groups of a regex, in order. jaq's `matches` leaves out
/// groups that did not take part in a match, while jq 1.6's `capture` maps
/// their names to null; knowing the names lets `capture` do the same.
fn regex_names(re: &JqVal) -> JqResult {
    let Some(re) = re.as_text() else {
        return Err(fail(format!(
            "{} cannot be matched, as it is not a string",
            re.describe()
        )));
    };
    let mut names = Vec::new();
    let (mut rest, mut in_class) = (&re[..], false);
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '\\' => {
                rest = rest
                    .get(rest.chars().next().map_or(0, char::len_utf8)..)
                    .unwrap_or("")
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => {
                let name = ["?<", "?P<"]
                    .iter()
                    .find_map(|open| rest.strip_prefix(open));
                let name = name.and_then(|n| n.split_once('>')).map(|(n, _)| n);
                if let Some(name) = name.filter(|n| !n.is_empty() && !n.starts_with(['=', '!'])) {
                    names.push(JqVal::string(name));
                }
            }
            _ => {}
        }
    }
    Ok(names.into_iter().collect())
}

/// `@uri`: keeps letters, digits and `-_.~`, and in jq 1.6 also `!*'()`.
fn encode_uri(s: &str) -> String {
    let kept: &[u8] = match dialect() {
        Dialect::Jq16 => b"-_.!~*'()",
        Dialect::Jq18 => b"-_.~",
    };
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || kept.contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// jq 1.8 `@urid`: `%XX` escapes decoded; anything else stays as it is.
fn decode_uri(v: &JqVal) -> JqResult {
    let Some(s) = v.as_text() else {
        return Err(fail(format!("{} is not a string", v.describe())));
    };
    let bytes = s.as_bytes();
    let (mut out, mut i) = (Vec::with_capacity(bytes.len()), 0);
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'%', None) => {
                return Err(fail(format!(
                    "{} is not a valid uri encoding",
                    v.describe()
                )));
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(JqVal::string(utf8_lossy(&out)))
}

fn base64_digit(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// jq 1.6 `@base64d`: decodes up to the first `=`; padding is optional.
fn decode_base64(v: &JqVal) -> JqResult {
    let input = v.as_text().map(|s| s.into_owned()).unwrap_or_default();
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let (mut code, mut pending) = (0u32, 0);
    for c in input.bytes().take_while(|c| *c != b'=') {
        let Some(d) = base64_digit(c) else {
            return Err(fail(format!("{} is not valid base64 data", v.describe())));
        };
        code = code << 6 | d;
        pending += 1;
        if pending == 4 {
            out.extend([(code >> 16) as u8, (code >> 8) as u8, code as u8]);
            (code, pending) = (0, 0);
        }
    }
    match pending {
        3 => out.extend([(code >> 10) as u8, (code >> 2) as u8]),
        2 => out.push((code >> 4) as u8),
        1 => return Err(fail(format!("{} trailing base64 byte found", v.describe()))),
        _ => {}
    }
    Ok(JqVal::string(utf8_lossy(&out)))
}

#[derive(Clone, Copy)]
enum Row {
    Csv,
    Tsv,
}

/// jq 1.6 `@csv` / `@tsv`: an array of scalars, null as empty.
fn csv_or_tsv(v: &JqVal, row: Row) -> JqResult {
    let Val::Arr(items) = &v.0 else {
        let what = match row {
            Row::Csv => "csv",
            Row::Tsv => "tsv",
        };
        return Err(fail(format!(
            "{} cannot be {what}-formatted, only array",
            v.describe()
        )));
    };
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            line.push(match row {
                Row::Csv => ',',
                Row::Tsv => '\t',
            });
        }
        let item = JqVal(item.clone());
        match &item.0 {
            Val::Null => {}
            Val::Num(n) if num_f64(n).is_nan() => {}
            Val::Bool(_) | Val::Num(_) => line.push_str(&item.to_json_string()),
            Val::TStr(_) | Val::BStr(_) => {
                let s = item.as_text().unwrap_or_default();
                match row {
                    Row::Csv => {
                        line.push('"');
                        line.push_str(&s.replace('"', "\"\""));
                        line.push('"');
                    }
                    Row::Tsv => line.push_str(&escape_tsv(&s)),
                }
            }
            _ => {
                return Err(fail(format!(
                    "{} is not valid in a csv row",
                    item.describe()
                )));
            }
        }
    }
    Ok(JqVal::string(line))
}

fn escape_tsv(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}
