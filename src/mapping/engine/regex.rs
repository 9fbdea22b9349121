//! `_onig_matches($re; $flags)`: the matches of a regex as jq's `f_match` finds them, in
//! jq's match objects. jaq's own `matches` leaves out groups that take no part in a match
//! and, after a non-empty match, skips an empty one at the same place; jq does neither, and
//! mappings index `.captures` by position, so a missing group moves every later one.
//!
//! Each version has its own search loop (`search_16`, `search_18`); how jq 1.8 steps
//! through a multi-byte character after an empty match is the prelude's business.

use regex_bites::{Regex, RegexBuilder};

use super::value::{JqResult, JqVal, arr, fail, obj};
use super::{Dialect, dialect};
use jaq_json::{Map, Val};

/// What jq's modifier letters ask for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Flags {
    global: bool,
    ignore_case: bool,
    extended: bool,
    /// `n`: empty matches are not reported.
    skip_empty: bool,
    /// `m` and `p`: `.` matches a newline too (Oniguruma's "multiline" in Ruby's sense).
    dot_all: bool,
}

impl Flags {
    /// jq's letters: `s` (single-line) is already Oniguruma's default for jq's syntax, and
    /// `l` (longest) has no counterpart in a leftmost-first engine, so both change nothing.
    fn read(letters: &str) -> Result<Flags, String> {
        let mut f = Flags::default();
        for c in letters.chars() {
            match c {
                'g' => f.global = true,
                'i' => f.ignore_case = true,
                'x' => f.extended = true,
                'n' => f.skip_empty = true,
                'm' | 'p' => f.dot_all = true,
                's' | 'l' => {}
                _ => return Err(format!("{letters} is not a valid modifier string")),
            }
        }
        Ok(f)
    }

    fn compile(self, re: &str) -> Result<Regex, String> {
        RegexBuilder::new(re)
            .case_insensitive(self.ignore_case)
            .ignore_whitespace(self.extended)
            .dot_matches_new_line(self.dot_all)
            .build()
            .map_err(|e| {
                let why = e.to_string();
                let first = why.lines().next().unwrap_or("invalid").trim();
                format!("{re} (at offset 0) is not a valid regex: {first}")
            })
    }
}

/// Code point offsets of byte offsets, for strings that are not plain ASCII.
struct Offsets {
    /// `chars[b]`: how many code points start before byte `b`; empty for ASCII text.
    chars: Vec<usize>,
}

impl Offsets {
    fn of(s: &str) -> Offsets {
        if s.is_ascii() {
            return Offsets { chars: Vec::new() };
        }
        let mut chars = Vec::with_capacity(s.len() + 1);
        let mut n = 0;
        for (b, _) in s.bytes().enumerate() {
            chars.push(n);
            if s.is_char_boundary(b + 1) {
                n += 1;
            }
        }
        chars.push(n);
        Offsets { chars }
    }

    fn at(&self, byte: usize) -> usize {
        self.chars.get(byte).copied().unwrap_or(byte)
    }
}

/// `{offset, length, string}` of a span (and `name` for a group, `captures` for a whole
/// match are added by the caller).
fn span(s: &str, at: &Offsets, start: usize, end: usize) -> Vec<(Val, Val)> {
    vec![
        (
            Val::from("offset".to_owned()),
            Val::from(at.at(start) as isize),
        ),
        (
            Val::from("length".to_owned()),
            Val::from((at.at(end) - at.at(start)) as isize),
        ),
        (
            Val::from("string".to_owned()),
            Val::from(s[start..end].to_owned()),
        ),
    ]
}

/// A group that took no part in the match, in jq's key order.
fn absent(name: Option<&str>) -> Val {
    let name = name.map_or(Val::Null, |n| Val::from(n.to_owned()));
    let map: Map = [
        (Val::from("offset".to_owned()), Val::from(-1isize)),
        (Val::from("string".to_owned()), Val::Null),
        (Val::from("length".to_owned()), Val::from(0isize)),
        (Val::from("name".to_owned()), name),
    ]
    .into_iter()
    .collect();
    obj(map).0
}

fn one_match(s: &str, at: &Offsets, re: &Regex, c: &regex_bites::Captures) -> Option<Val> {
    let whole = c.get(0)?;
    let names: Vec<Option<&str>> = re.capture_names().collect();
    let captures: Vec<Val> = (1..c.len())
        .map(|k| {
            let name = names.get(k).copied().flatten();
            match c.get(k) {
                Some(m) => {
                    let mut fields = span(s, at, m.start(), m.end());
                    if whole.start() == whole.end() {
                        // jq 1.8 writes the groups of a zero-width match in this order.
                        fields.swap(1, 2);
                    }
                    let name = name.map_or(Val::Null, |n| Val::from(n.to_owned()));
                    fields.push((Val::from("name".to_owned()), name));
                    obj(fields.into_iter().collect()).0
                }
                None => absent(name),
            }
        })
        .collect();
    let mut fields = span(s, at, whole.start(), whole.end());
    fields.push((Val::from("captures".to_owned()), arr(captures).0));
    Some(obj(fields.into_iter().collect()).0)
}

/// Every match of `re` in `input` under `flags`, as jq's search loop finds them.
pub(super) fn onig_matches(input: &JqVal, re: &JqVal, flags: &JqVal) -> JqResult {
    let Some(s) = input.as_text() else {
        return Err(fail(format!(
            "{} cannot be matched, as it is not a string",
            input.describe()
        )));
    };
    let Some(pattern) = re.as_text() else {
        return Err(fail(format!("{} is not a string", re.describe())));
    };
    let letters = match &flags.0 {
        Val::Null => String::new(),
        _ => match flags.as_text() {
            Some(l) => l.into_owned(),
            None => return Err(fail(format!("{} is not a string", flags.describe()))),
        },
    };
    let flags = Flags::read(&letters).map_err(fail)?;
    let regex = flags.compile(&pattern).map_err(fail)?;
    let at = Offsets::of(&s);
    let found = match dialect() {
        Dialect::Jq16 => search_16(&s, &at, &regex, flags)?,
        Dialect::Jq18 => search_18(&s, &at, &regex, flags),
    };
    Ok(arr(found))
}

/// jq 1.6 (`do { ... } while (global && start != end)`): after an empty match the next
/// search starts one byte after the previous *start*, not after the match, so a zero-width
/// match ahead is found again from each position up to it (`"ab" | match("$"; "g")` twice).
/// A zero-width match carries no groups. A start inside a multi-byte character that then
/// matches empty right after it is where jq 1.6 fails an assertion counting offsets.
fn search_16(
    s: &str,
    at: &Offsets,
    regex: &Regex,
    flags: Flags,
) -> Result<Vec<Val>, jaq_core::Error<JqVal>> {
    let mut found = Vec::new();
    let mut start = 0;
    loop {
        let from = match s.is_char_boundary(start) {
            true => start,
            false => next_boundary(s, start),
        };
        if from > s.len() {
            break;
        }
        let Some(c) = regex.captures_at(s, from) else {
            break;
        };
        let Some(whole) = c.get(0) else { break };
        let empty = whole.start() == whole.end();
        if empty && from != start && whole.start() == from {
            return Err(fail(
                "jq 1.6 aborts on a global empty match next to a multi-byte character",
            ));
        }
        if empty && !flags.skip_empty {
            // jq 1.6 builds a zero-width match without its groups.
            let mut fields = span(s, at, whole.start(), whole.end());
            fields.push((Val::from("captures".to_owned()), arr(Vec::new()).0));
            found.push(obj(fields.into_iter().collect()).0);
        } else if !empty {
            found.extend(one_match(s, at, regex, &c));
        }
        start = match empty {
            true => start + 1,
            false => whole.end(),
        };
        if !flags.global || start >= s.len() {
            break;
        }
    }
    Ok(found)
}

/// jq 1.8 (`while (global && start <= end)`): after an empty match the search starts one
/// character after it, so the end of the string is searched too. Where jq 1.8 steps into
/// a multi-byte character, the prelude adds the matches it finds there.
fn search_18(s: &str, at: &Offsets, regex: &Regex, flags: Flags) -> Vec<Val> {
    let mut found = Vec::new();
    let mut start = 0;
    while start <= s.len() {
        let Some(c) = regex.captures_at(s, start) else {
            break;
        };
        let Some(whole) = c.get(0) else { break };
        let empty = whole.start() == whole.end();
        if !(empty && flags.skip_empty) {
            found.extend(one_match(s, at, regex, &c));
        }
        if !flags.global {
            break;
        }
        start = match empty {
            true => next_boundary(s, whole.end()),
            false => whole.end(),
        };
    }
    found
}

fn next_boundary(s: &str, from: usize) -> usize {
    (from + 1..=s.len())
        .find(|&b| s.is_char_boundary(b))
        .unwrap_or(s.len() + 1)
}

#[cfg(test)]
mod tests {
    use super::super::DialectScope;
    use super::*;

    fn offsets(d: Dialect, s: &str, re: &str, flags: &str) -> Vec<(isize, isize)> {
        let _scope = DialectScope::enter(d);
        let got = onig_matches(&JqVal::string(s), &JqVal::string(re), &JqVal::string(flags));
        let Val::Arr(ms) = got.expect("matches").0 else {
            panic!("not an array")
        };
        let field = |m: &Val, k: &str| match m {
            Val::Obj(o) => o.get(&Val::from(k.to_owned())).cloned(),
            _ => None,
        };
        let number = |v: Option<Val>| v.map(|v| v.to_string().parse().expect("a number"));
        ms.iter()
            .map(|m| (number(field(m, "offset")), number(field(m, "length"))))
            .map(|(o, l)| (o.expect("offset"), l.expect("length")))
            .collect()
    }

    #[test]
    fn an_empty_match_right_after_a_match_is_found() {
        let all = [(0, 0), (1, 1), (2, 0), (3, 0)];
        assert_eq!(offsets(Dialect::Jq18, "abc", "b*", "g"), all);
        // jq 1.6 stops once the search start reaches the end.
        assert_eq!(offsets(Dialect::Jq16, "abc", "b*", "g"), all[..3]);
    }

    #[test]
    fn jq16_searches_again_from_one_byte_after_the_last_start() {
        let bounds = |d| offsets(d, "foo bar", "\\b", "g");
        let at = |v: Vec<(isize, isize)>| v.into_iter().map(|(o, _)| o).collect::<Vec<_>>();
        assert_eq!(at(bounds(Dialect::Jq16)), [0, 3, 3, 3, 4, 7, 7]);
        assert_eq!(at(bounds(Dialect::Jq18)), [0, 3, 4, 7]);
    }

    #[test]
    fn offsets_count_code_points() {
        assert_eq!(offsets(Dialect::Jq16, "é-é", "é", "g"), [(0, 1), (2, 1)]);
    }

    #[test]
    fn groups_outside_the_match_are_listed() {
        let _scope = DialectScope::enter(Dialect::Jq16);
        let got = onig_matches(
            &JqVal::string("ab"),
            &JqVal::string("(x)?(b)"),
            &JqVal(Val::Null),
        )
        .expect("matches");
        let text = got.to_string();
        assert!(
            text.contains(r#"{"offset":-1,"string":null,"length":0,"name":null}"#),
            "{text}"
        );
    }

    #[test]
    fn flags_are_jq_letters() {
        assert!(Flags::read("gixnsmpl").is_ok());
        assert_eq!(
            Flags::read("gq").unwrap_err(),
            "gq is not a valid modifier string"
        );
        assert_eq!(offsets(Dialect::Jq16, "a\nb", "a.b", "s"), []);
        assert_eq!(offsets(Dialect::Jq16, "a\nb", "a.b", "p"), [(0, 3)]);
        assert_eq!(offsets(Dialect::Jq18, "ab", "", "gn"), []);
    }
}
