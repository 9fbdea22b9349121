//! The value type the engine runs on: `jaq_json::Val` with jq 1.6 semantics.
//!
//! jaq's own value type differs from jq 1.6 where Port mappings notice it: it keeps
//! integers and floats apart (`10 / 2 | tostring` is `"5.0"`), accepts any value as
//! an object key (`{(1): 2}` builds an object that is not JSON), answers `null` for
//! `{} | .[0]`, keeps every output of `.[] |= f`, and prints NaN as `NaN`. Wrapping
//! `Val` lets us implement jaq's value traits ourselves and decide each of those the
//! way jq 1.6 does, while reusing jaq's data structures and its standard library.

use super::{Dialect, dialect, literal};
use jaq_core::box_iter::{BoxIter, box_once};
use jaq_core::path::Opt;
use jaq_core::{Error, Exn, ValR, ValX};
use jaq_json::{Map, Num, Rc, Val};
use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Largest magnitude up to which every integer is exactly an `f64` (2^53).
pub(super) const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Nesting depth beyond which jq 1.6 stops printing (`MAX_PRINT_DEPTH`).
pub(super) const MAX_PRINT_DEPTH: usize = 256;

/// A jaq value that behaves like a jq 1.6 value.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct JqVal(pub(super) Val);

/// Result of an operation on values.
pub(super) type JqResult = ValR<JqVal>;

/// Build a runtime error whose message is `msg` (what `try ... catch .` sees).
pub(super) fn fail(msg: impl fmt::Display) -> Error<JqVal> {
    Error::str(msg)
}

/// The numeric value of a jaq number; jq 1.6 stores every number as an `f64`, and
/// jq 1.8 computes with that double too.
pub(super) fn num_f64(n: &Num) -> f64 {
    match n {
        Num::Int(i) => *i as f64,
        Num::Float(f) => *f,
        // A jq 1.8 literal (see `literal`); jaq internals could build big integers.
        Num::BigInt(_) | Num::Dec(_) => n.to_string().parse().unwrap_or(f64::NAN),
    }
}

/// A jq 1.8 literal: the number with its decimal text kept. Only jq 1.8 runs build them.
pub(super) fn literal_number(text: String) -> JqVal {
    JqVal(Val::Num(Num::Dec(Rc::new(text))))
}

/// A number read from text (the program, JSON, `tonumber`): a literal in jq 1.8,
/// a double in jq 1.6. `None` if it is no number.
pub(super) fn read_number(text: &str) -> Option<JqVal> {
    match dialect() {
        Dialect::Jq18 => literal::canonical(text).map(|lit| match lit.parse::<isize>() {
            Ok(i) => integer_literal(i, lit),
            Err(_) => literal_number(lit),
        }),
        Dialect::Jq16 => text.parse::<f64>().ok().map(JqVal::number),
    }
}

/// A jq 1.8 integer literal `i`, written `lit`. Small ones print the same either way,
/// and jaq's natives like them as `Int`; beyond 2^53 the digits are kept, and zero
/// stays a literal (negating a literal 0 gives 0, a computed one -0; `-0` keeps its sign).
fn integer_literal(i: isize, lit: String) -> JqVal {
    if i != 0 && i.unsigned_abs() <= MAX_EXACT_INT as usize {
        JqVal(Val::Num(Num::Int(i)))
    } else {
        literal_number(lit)
    }
}

pub(super) fn arr(items: Vec<Val>) -> JqVal {
    JqVal(Val::Arr(Rc::new(items)))
}

pub(super) fn obj(map: Map) -> JqVal {
    JqVal(Val::obj(map))
}

fn is_str(v: &Val) -> bool {
    matches!(v, Val::TStr(_) | Val::BStr(_))
}

/// Text of a jaq string; invalid UTF-8 is replaced as jq 1.6 replaces it.
pub(super) fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(utf8_lossy(bytes)),
    }
}

/// Decode UTF-8 the way jq 1.6 (`jvp_utf8_next`) does: each invalid sequence
/// becomes one U+FFFD, and a sequence cut short by the end of the string
/// swallows the rest (Rust's `from_utf8_lossy` would keep those bytes).
pub(super) fn utf8_lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(&lead) = rest.first() {
        let want = match lead {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 0, // a continuation byte or an invalid one
        };
        let len = if want == 0 {
            1
        } else if want > rest.len() {
            rest.len()
        } else {
            // Stop at the first byte that is not a continuation byte.
            (1..want).find(|&i| rest[i] & 0xc0 != 0x80).unwrap_or(want)
        };
        match std::str::from_utf8(&rest[..len]) {
            Ok(s) if len == want => out.push_str(s),
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
        rest = &rest[len..];
    }
    out
}

impl JqVal {
    pub(super) const NULL: JqVal = JqVal(Val::Null);

    /// A number, stored as a jaq integer whenever the `f64` is an exact integer.
    ///
    /// jq 1.6 has only doubles, so `10 / 2` *is* `5`: it prints as `5`, indexes
    /// arrays and repeats strings. Storing such values as integers makes jaq's
    /// natives (which treat integers specially) agree with that.
    pub(super) fn number(x: f64) -> Self {
        let negative_zero = x == 0.0 && x.is_sign_negative();
        let exact_int = x.fract() == 0.0 && x.abs() <= MAX_EXACT_INT && !negative_zero;
        JqVal(Val::Num(if exact_int {
            Num::Int(x as isize)
        } else {
            Num::Float(x)
        }))
    }

    pub(super) fn string(s: impl Into<String>) -> Self {
        JqVal(Val::from(s.into()))
    }

    pub(super) fn as_number(&self) -> Option<f64> {
        match &self.0 {
            Val::Num(n) => Some(num_f64(n)),
            _ => None,
        }
    }

    pub(super) fn as_text(&self) -> Option<Cow<'_, str>> {
        match &self.0 {
            Val::TStr(b) | Val::BStr(b) => Some(text(b)),
            _ => None,
        }
    }

    pub(super) fn is_string(&self) -> bool {
        is_str(&self.0)
    }

    /// jq's name for the kind of a value, as `type` returns it.
    pub(super) fn kind(&self) -> &'static str {
        kind(&self.0)
    }

    /// `kind (value)`, with the value cut short like jq 1.6 error messages do.
    pub(super) fn describe(&self) -> String {
        let dump = self.to_string();
        format!("{} ({})", self.kind(), truncate_for_error(&dump))
    }

    /// jq 1.6 `tojson`.
    pub(super) fn to_json_string(&self) -> String {
        let mut out = String::new();
        write_json(&mut out, &self.0, 0);
        out
    }

    fn index_error(&self, key: &JqVal) -> Error<JqVal> {
        match key.as_text() {
            Some(k) => fail(format!("Cannot index {} with string \"{k}\"", self.kind())),
            None => fail(format!("Cannot index {} with {}", self.kind(), key.kind())),
        }
    }

    fn iterate_error(&self) -> Error<JqVal> {
        fail(format!("Cannot iterate over {}", self.describe()))
    }
}

pub(super) fn kind(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::TStr(_) | Val::BStr(_) => "string",
        Val::Arr(_) => "array",
        Val::Obj(_) => "object",
    }
}

/// jq 1.6 prints at most 14 bytes of a value in error messages, ending in `...`.
fn truncate_for_error(dump: &str) -> Cow<'_, str> {
    if dump.len() <= 14 {
        return Cow::Borrowed(dump);
    }
    let mut end = 11;
    while !dump.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}...", &dump[..end]))
}

// ---------------------------------------------------------------------------
// Printing: jq 1.6's number format and string escapes.

/// Format a number like jq 1.6 (`jvp_dtoa_fmt`): the shortest digits that read
/// back to the same double, in exponent form when very large or small.
/// NaN prints as `null`, infinities as the largest finite double.
pub(super) fn format_number(x: f64) -> String {
    if x.is_nan() {
        return "null".into();
    }
    let x = x.clamp(-f64::MAX, f64::MAX);
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` also prints the shortest round-trip digits, e.g. `1.25e-7`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let ndigits = digits.len() as i32;
    // Position of the decimal point relative to the first digit.
    let decpt = exponent.parse::<i32>().unwrap_or(0) + 1;

    let mut out = String::with_capacity(24);
    if x < 0.0 {
        out.push('-');
    }
    if decpt <= -4 || decpt > ndigits + 15 {
        out.push_str(&digits[..1]);
        if ndigits > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let sign = if e < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", e.abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', decpt.unsigned_abs() as usize));
        out.push_str(&digits);
    } else if decpt >= ndigits {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (decpt - ndigits) as usize));
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Compact JSON exactly as jq 1.6 prints it (`tojson`, `tostring`, `-c`).
fn write_json(out: &mut String, v: &Val, depth: usize) {
    if depth > MAX_PRINT_DEPTH {
        out.push_str("<skipped: too deep>");
        return;
    }
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(Num::Dec(lit)) => out.push_str(lit),
        Val::Num(n) => out.push_str(&format_number(num_f64(n))),
        Val::TStr(b) | Val::BStr(b) => write_string(out, &text(b)),
        Val::Arr(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, x, depth + 1);
            }
            out.push(']');
        }
        Val::Obj(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, k, depth + 1);
                out.push(':');
                write_json(out, x, depth + 1);
            }
            out.push('}');
        }
    }
}

impl fmt::Display for JqVal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

// ---------------------------------------------------------------------------
// Indexing, slicing and updating, the jq 1.6 way.

/// `.[i]` on an array: negative indices count from the end; jq 1.6 answers null
/// for a fractional index, jq 1.8 truncates it.
fn array_get(items: &[Val], i: f64) -> JqVal {
    let i = match dialect() {
        Dialect::Jq16 if i.fract() != 0.0 => return JqVal::NULL,
        Dialect::Jq16 => i,
        // A C cast: toward zero, so `.[-1.5]` is `.[-1]`.
        Dialect::Jq18 => i.trunc(),
    };
    let i = if i < 0.0 { i + items.len() as f64 } else { i };
    if i < 0.0 {
        return JqVal::NULL;
    }
    items.get(i as usize).cloned().map_or(JqVal::NULL, JqVal)
}

/// `.[b]` on array `a`: every index at which `b` occurs in `a` as a sub-array.
fn subarray_indices(a: &[Val], b: &[Val]) -> JqVal {
    if b.is_empty() {
        return arr(Vec::new());
    }
    let hits = (0..a.len()).filter(|&i| a[i..].starts_with(b));
    hits.map(JqVal::from).collect()
}

/// Start and end of `.[from:upto]` on a sequence of `len` items (jq 1.6 `parse_slice`):
/// bounds are doubles, negative ones count from the end, the start is truncated
/// and the end rounded up.
fn slice_bounds(
    len: usize,
    from: Option<&JqVal>,
    upto: Option<&JqVal>,
) -> Result<(usize, usize), Error<JqVal>> {
    let bound = |b: Option<&JqVal>, default: f64| match b.map(|b| &b.0) {
        None | Some(Val::Null) => Ok(default),
        Some(Val::Num(n)) => Ok(num_f64(n)),
        Some(_) => Err(fail(
            "Start and end indices of an array slice must be numbers",
        )),
    };
    let len_f = len as f64;
    let mut start = bound(from, 0.0)?;
    let mut end = bound(upto, len_f)?;
    if start < 0.0 {
        start += len_f;
    }
    if end < 0.0 {
        end += len_f;
    }
    let start = if start.is_nan() {
        0.0
    } else {
        start.clamp(0.0, len_f)
    };
    let end = if end.is_nan() {
        start
    } else {
        end.clamp(start, len_f)
    };
    Ok((start as usize, (end.ceil() as usize).min(len)))
}

/// Byte offsets of the `start`-th and `end`-th characters of `s`.
fn char_range(s: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let mut offsets = s.char_indices().map(|(i, _)| i).chain([s.len()]);
    let from = offsets.nth(start).unwrap_or(s.len());
    let upto = if end > start {
        offsets.nth(end - start - 1).unwrap_or(s.len())
    } else {
        from
    };
    from..upto
}

/// The `start` and `end` of a slice written as an object, as `path(.[1:2])` yields.
fn object_bounds(key: &Map) -> Result<(JqVal, JqVal), Error<JqVal>> {
    let get = |k: &str| key.get(&Val::from(k.to_string())).cloned().map(JqVal);
    match (get("start"), get("end")) {
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(fail(
            "Start and end indices of an array slice must be numbers",
        )),
    }
}

impl JqVal {
    /// jq 1.6 `.[from:upto]`: on null, arrays and strings (by code point).
    fn slice(self, from: Option<&JqVal>, upto: Option<&JqVal>) -> JqResult {
        match &self.0 {
            Val::Null => Ok(self),
            Val::Arr(a) => {
                let (start, end) = slice_bounds(a.len(), from, upto)?;
                Ok(arr(a[start..end].to_vec()))
            }
            Val::TStr(b) | Val::BStr(b) => {
                let s = text(b);
                let (start, end) = slice_bounds(s.chars().count(), from, upto)?;
                Ok(JqVal::string(&s[char_range(&s, start, end)]))
            }
            _ => Err(fail(format!("Cannot index {} with object", self.kind()))),
        }
    }
}

/// Apply an update to item `i` of an array, the way jq 1.6's `_modify` does:
/// the first output replaces the item (padding with nulls past the end), no
/// output deletes it, and further outputs are ignored.
fn update_item<'a, I>(
    items: &mut Vec<Val>,
    i: usize,
    f: &impl Fn(JqVal) -> I,
) -> Result<(), Exn<'a, JqVal>>
where
    I: Iterator<Item = ValX<'a, JqVal>>,
{
    let current = items.get(i).cloned().unwrap_or_default();
    match f(JqVal(current)).next().transpose()? {
        Some(y) if i < items.len() => items[i] = y.0,
        Some(y) => {
            items.resize(i, Val::Null);
            items.push(y.0);
        }
        None if i < items.len() => {
            items.remove(i);
        }
        None => {}
    }
    Ok(())
}

/// Apply an update to key `k` of an object, as [`update_item`] does for arrays.
/// Deleting keeps the order of the remaining keys, as jq does.
fn update_entry<'a, I>(map: &mut Map, k: Val, f: &impl Fn(JqVal) -> I) -> Result<(), Exn<'a, JqVal>>
where
    I: Iterator<Item = ValX<'a, JqVal>>,
{
    let current = map.get(&k).cloned().unwrap_or_default();
    match f(JqVal(current)).next().transpose()? {
        Some(y) => {
            map.insert(k, y.0);
        }
        None => {
            map.shift_remove(&k);
        }
    }
    Ok(())
}

/// Largest array index jq 1.6 assigns to (`(INT_MAX >> 2)`, "Array index too large").
const MAX_ASSIGN_INDEX: f64 = (i32::MAX >> 2) as f64;

/// Resolve an array index for assignment: negative indices count from the end.
fn assign_index(len: usize, i: f64) -> Result<usize, Error<JqVal>> {
    let i = i.trunc();
    let i = if i < 0.0 { i + len as f64 } else { i };
    if i < 0.0 {
        return Err(fail("Out of bounds negative array index"));
    }
    if i.is_nan() || i > MAX_ASSIGN_INDEX {
        return Err(fail("Array index too large"));
    }
    Ok(i as usize)
}

impl JqVal {
    fn update_array_index<'a, I>(items: Vec<Val>, i: f64, f: impl Fn(JqVal) -> I) -> ValX<'a, JqVal>
    where
        I: Iterator<Item = ValX<'a, JqVal>>,
    {
        let mut items = items;
        let i = assign_index(items.len(), i)?;
        update_item(&mut items, i, &f)?;
        Ok(arr(items))
    }

    fn update_slice<'a, I>(
        items: Vec<Val>,
        from: Option<&JqVal>,
        upto: Option<&JqVal>,
        f: impl Fn(JqVal) -> I,
    ) -> ValX<'a, JqVal>
    where
        I: Iterator<Item = ValX<'a, JqVal>>,
    {
        let mut items = items;
        let (start, end) = slice_bounds(items.len(), from, upto)?;
        let replacement = match f(arr(items[start..end].to_vec())).next().transpose()? {
            None => Vec::new(),
            Some(JqVal(Val::Arr(a))) => Rc::unwrap_or_clone(a),
            Some(_) => Err(fail(
                "A slice of an array can only be assigned another array",
            ))?,
        };
        items.splice(start..end, replacement);
        Ok(arr(items))
    }
}

impl jaq_core::ValT for JqVal {
    fn from_num(n: &str) -> JqResult {
        read_number(n).ok_or_else(|| fail(format!("Invalid numeric literal {n}")))
    }

    /// Object construction: jq 1.6 only accepts string keys.
    fn from_map<I: IntoIterator<Item = (Self, Self)>>(iter: I) -> JqResult {
        let mut map = Map::default();
        for (k, v) in iter {
            if !k.is_string() {
                return Err(fail(format!("Cannot use {} as object key", k.describe())));
            }
            map.insert(k.0, v.0);
        }
        Ok(obj(map))
    }

    fn key_values(self) -> BoxIter<'static, ValR<(Self, Self), Self>> {
        match self.0 {
            Val::Arr(a) => Box::new(
                Rc::unwrap_or_clone(a)
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Ok((JqVal::from(i), JqVal(v)))),
            ),
            Val::Obj(o) => Box::new(
                Rc::unwrap_or_clone(o)
                    .into_iter()
                    .map(|(k, v)| Ok((JqVal(k), JqVal(v)))),
            ),
            other => box_once(Err(JqVal(other).iterate_error())),
        }
    }

    fn values(self) -> Box<dyn Iterator<Item = JqResult>> {
        match self.0 {
            Val::Arr(a) => Box::new(Rc::unwrap_or_clone(a).into_iter().map(|v| Ok(JqVal(v)))),
            Val::Obj(o) => Box::new(Rc::unwrap_or_clone(o).into_values().map(|v| Ok(JqVal(v)))),
            other => box_once(Err(JqVal(other).iterate_error())),
        }
    }

    /// jq 1.6 `jv_get`: objects take strings, arrays take numbers (and arrays,
    /// and slice objects), null takes anything reasonable; the rest is an error.
    /// (jaq answers `null` for `{} | .[0]`; jq errors.)
    fn index(self, key: &Self) -> JqResult {
        match (&self.0, &key.0) {
            (Val::Obj(o), k) if is_str(k) => Ok(o.get(k).cloned().map_or(JqVal::NULL, JqVal)),
            (Val::Arr(a), Val::Num(i)) => Ok(array_get(a, num_f64(i))),
            (Val::Arr(a), Val::Arr(b)) => Ok(subarray_indices(a, b)),
            (Val::Arr(_) | Val::Null, Val::Obj(k)) => {
                let (start, end) = object_bounds(k)?;
                self.slice(Some(&start), Some(&end))
            }
            (Val::Null, k) if is_str(k) || matches!(k, Val::Num(_)) => Ok(JqVal::NULL),
            _ => Err(self.index_error(key)),
        }
    }

    fn range(self, range: jaq_core::val::Range<&Self>) -> JqResult {
        self.slice(range.start, range.end)
    }

    /// `.[] |= f`, following jq 1.6: see [`update_item`].
    fn map_values<'a, I: Iterator<Item = ValX<'a, Self>>>(
        self,
        opt: Opt,
        f: impl Fn(Self) -> I,
    ) -> ValX<'a, Self> {
        match self.0 {
            Val::Arr(a) if dialect() == Dialect::Jq18 => {
                // jq 1.8 collects the items the update deletes and removes them at the end.
                let mut kept = Vec::with_capacity(a.len());
                for item in Rc::unwrap_or_clone(a) {
                    if let Some(y) = f(JqVal(item)).next().transpose()? {
                        kept.push(y.0);
                    }
                }
                Ok(arr(kept))
            }
            Val::Arr(a) => {
                let mut items = Rc::unwrap_or_clone(a);
                // jq 1.6 visits the paths it saw before the update, whatever got deleted.
                for i in 0..items.len() {
                    update_item(&mut items, i, &f)?;
                }
                Ok(arr(items))
            }
            Val::Obj(o) => {
                let mut map = Rc::unwrap_or_clone(o);
                let keys: Vec<Val> = map.keys().cloned().collect();
                for k in keys {
                    update_entry(&mut map, k, &f)?;
                }
                Ok(obj(map))
            }
            other => opt.fail(JqVal(other), |v| Exn::from(v.iterate_error())),
        }
    }

    /// `.[k] |= f`, following jq 1.6: see [`update_item`].
    fn map_index<'a, I: Iterator<Item = ValX<'a, Self>>>(
        self,
        index: &Self,
        opt: Opt,
        f: impl Fn(Self) -> I,
    ) -> ValX<'a, Self> {
        match (self.0, &index.0) {
            (Val::Obj(o), k) if is_str(k) => {
                let mut map = Rc::unwrap_or_clone(o);
                update_entry(&mut map, k.clone(), &f)?;
                Ok(obj(map))
            }
            (Val::Null, k) if is_str(k) => Ok(match f(JqVal::NULL).next().transpose()? {
                Some(y) => obj(Map::from_iter([(k.clone(), y.0)])),
                None => JqVal::NULL,
            }),
            (Val::Arr(a), Val::Num(i)) => {
                Self::update_array_index(Rc::unwrap_or_clone(a), num_f64(i), f)
            }
            (Val::Null, Val::Num(i)) => {
                match Self::update_array_index(Vec::new(), num_f64(i), f)? {
                    JqVal(Val::Arr(a)) if a.is_empty() => Ok(JqVal::NULL),
                    updated => Ok(updated),
                }
            }
            (v @ (Val::Arr(_) | Val::Null), Val::Obj(k)) => {
                let (start, end) = object_bounds(k)?;
                JqVal(v).map_range(Some(&start)..Some(&end), opt, f)
            }
            (v, _) => opt.fail(JqVal(v), |v| Exn::from(v.index_error(index))),
        }
    }

    /// `.[from:upto] |= f`, following jq 1.6: arrays only, replaced by an array.
    fn map_range<'a, I: Iterator<Item = ValX<'a, Self>>>(
        self,
        range: jaq_core::val::Range<&Self>,
        opt: Opt,
        f: impl Fn(Self) -> I,
    ) -> ValX<'a, Self> {
        match self.0 {
            Val::Arr(a) => Self::update_slice(Rc::unwrap_or_clone(a), range.start, range.end, f),
            Val::Null => Self::update_slice(Vec::new(), range.start, range.end, f),
            Val::TStr(_) | Val::BStr(_) => Err(Exn::from(fail(
                "Cannot update field at object index of string",
            ))),
            other => opt.fail(JqVal(other), |v| {
                Exn::from(fail(format!(
                    "Cannot update field at object index of {}",
                    v.kind()
                )))
            }),
        }
    }

    fn as_bool(&self) -> bool {
        !matches!(self.0, Val::Null | Val::Bool(false))
    }

    /// `tostring` and string interpolation: strings as they are, the rest as jq JSON.
    fn into_string(self) -> Self {
        match self.0 {
            Val::TStr(_) => self,
            Val::BStr(b) => JqVal(Val::TStr(b)),
            _ => JqVal::string(self.to_json_string()),
        }
    }
}

impl jaq_std::ValT for JqVal {
    fn into_seq<S: FromIterator<Self>>(self) -> Result<S, Self> {
        match self.0 {
            Val::Arr(a) => Ok(Rc::unwrap_or_clone(a).into_iter().map(JqVal).collect()),
            other => Err(JqVal(other)),
        }
    }

    fn is_int(&self) -> bool {
        self.as_number().is_some_and(|x| x.fract() == 0.0)
    }

    /// jq 1.6 converts doubles to C integers where it needs one (`implode`,
    /// `ldexp`, `halt_error`), truncating: `[65.5] | implode` is `"A"`.
    fn as_isize(&self) -> Option<isize> {
        match &self.0 {
            Val::Num(Num::Int(i)) => Some(*i),
            Val::Num(n) => {
                let x = num_f64(n).trunc();
                (x.abs() < isize::MAX as f64).then_some(x as isize)
            }
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        self.as_number()
    }

    fn is_utf8_str(&self) -> bool {
        matches!(self.0, Val::TStr(_))
    }

    fn as_bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            Val::TStr(b) | Val::BStr(b) => Some(b),
            _ => None,
        }
    }

    /// jaq's natives call this only on strings they have just read `sub` from.
    fn as_sub_str(&self, sub: &[u8]) -> Self {
        JqVal(jaq_std::ValT::as_sub_str(&self.0, sub))
    }

    fn from_utf8_bytes(b: impl AsRef<[u8]> + Send + 'static) -> Self {
        JqVal(<Val as jaq_std::ValT>::from_utf8_bytes(b))
    }
}

impl From<bool> for JqVal {
    fn from(b: bool) -> Self {
        JqVal(Val::Bool(b))
    }
}

/// jaq compiles integer literals to `isize`s and builds their values with this, so
/// in jq 1.8 they follow [`integer_literal`] like those read from text.
impl From<isize> for JqVal {
    fn from(i: isize) -> Self {
        match dialect() {
            Dialect::Jq18 => integer_literal(i, i.to_string()),
            Dialect::Jq16 => JqVal::number(i as f64),
        }
    }
}

impl From<usize> for JqVal {
    fn from(i: usize) -> Self {
        JqVal::number(i as f64)
    }
}

impl From<f64> for JqVal {
    fn from(x: f64) -> Self {
        JqVal::number(x)
    }
}

impl From<String> for JqVal {
    fn from(s: String) -> Self {
        JqVal(Val::from(s))
    }
}

/// Slice paths: `path(.[1:2])` is `[{"start": 1, "end": 2}]` in jq.
impl From<jaq_core::val::Range<JqVal>> for JqVal {
    fn from(r: jaq_core::val::Range<JqVal>) -> Self {
        let bound = |b: Option<JqVal>| b.unwrap_or_default().0;
        let entries = [("start", bound(r.start)), ("end", bound(r.end))];
        obj(entries
            .into_iter()
            .map(|(k, v)| (Val::from(k.to_string()), v))
            .collect())
    }
}

impl FromIterator<JqVal> for JqVal {
    fn from_iter<T: IntoIterator<Item = JqVal>>(iter: T) -> Self {
        arr(iter.into_iter().map(|v| v.0).collect())
    }
}

// ---------------------------------------------------------------------------
// Arithmetic, the jq 1.6 way (`f_plus`, `f_minus`, `f_multiply`, ...).

fn binop_error(l: &JqVal, r: &JqVal, what: &str) -> Error<JqVal> {
    fail(format!(
        "{} and {} cannot be {what}",
        l.describe(),
        r.describe()
    ))
}

/// `a * b` for objects: merge recursively, the right side winning.
fn deep_merge(mut l: Map, r: Map) -> Map {
    for (k, rv) in r {
        let merged = match (l.get_mut(&k), rv) {
            (Some(Val::Obj(lo)), Val::Obj(ro)) => {
                let lo = std::mem::take(Rc::make_mut(lo));
                Val::obj(deep_merge(lo, Rc::unwrap_or_clone(ro)))
            }
            (_, rv) => rv,
        };
        l.insert(k, merged);
    }
    l
}

/// Longest string `"s" * n` builds; jq 1.6 would try any length, and run out of memory.
const MAX_REPEAT_BYTES: f64 = (1u64 << 30) as f64;

/// `"s" * n`: jq 1.6 repeats `s` (n - 1 truncated) + 1 times, or yields null
/// below 1; jq 1.8 repeats it n (truncated) times, and yields null below 0.
fn repeat_string(s: &str, n: f64) -> JqResult {
    // NaN passes neither guard.
    let times = match dialect() {
        Dialect::Jq16 if n > 0.0 => (n - 1.0).trunc() + 1.0,
        Dialect::Jq18 if n >= 0.0 => n.trunc(),
        _ => return Ok(JqVal::NULL),
    };
    if times * s.len() as f64 > MAX_REPEAT_BYTES {
        return Err(fail("Repeat string result too long"));
    }
    Ok(JqVal::string(s.repeat(times as usize)))
}

/// `a / b` on strings splits `a` at every `b`.
fn split_string(s: &str, sep: &str) -> JqVal {
    if s.is_empty() {
        return arr(Vec::new());
    }
    if sep.is_empty() {
        return s.chars().map(|c| JqVal::string(c.to_string())).collect();
    }
    s.split(sep).map(JqVal::string).collect()
}

impl std::ops::Add for JqVal {
    type Output = JqResult;
    fn add(self, r: Self) -> JqResult {
        match (self.0, r.0) {
            (Val::Null, x) | (x, Val::Null) => Ok(JqVal(x)),
            (Val::Num(x), Val::Num(y)) => Ok(JqVal::number(num_f64(&x) + num_f64(&y))),
            (Val::Arr(mut x), Val::Arr(y)) => {
                Rc::make_mut(&mut x).extend(y.iter().cloned());
                Ok(JqVal(Val::Arr(x)))
            }
            (Val::Obj(mut x), Val::Obj(y)) => {
                Rc::make_mut(&mut x).extend(y.iter().map(|(k, v)| (k.clone(), v.clone())));
                Ok(JqVal(Val::Obj(x)))
            }
            (x, y) if is_str(&x) && is_str(&y) => {
                let (x, y) = (JqVal(x), JqVal(y));
                Ok(JqVal::string(format!(
                    "{}{}",
                    x.as_text().unwrap_or_default(),
                    y.as_text().unwrap_or_default()
                )))
            }
            (x, y) => Err(binop_error(&JqVal(x), &JqVal(y), "added")),
        }
    }
}

impl std::ops::Sub for JqVal {
    type Output = JqResult;
    fn sub(self, r: Self) -> JqResult {
        match (self.0, r.0) {
            (Val::Num(x), Val::Num(y)) => Ok(JqVal::number(num_f64(&x) - num_f64(&y))),
            (Val::Arr(mut x), Val::Arr(y)) => {
                Rc::make_mut(&mut x).retain(|item| !y.contains(item));
                Ok(JqVal(Val::Arr(x)))
            }
            (x, y) => Err(binop_error(&JqVal(x), &JqVal(y), "subtracted")),
        }
    }
}

impl std::ops::Mul for JqVal {
    type Output = JqResult;
    fn mul(self, r: Self) -> JqResult {
        match (self.0, r.0) {
            (Val::Num(x), Val::Num(y)) => Ok(JqVal::number(num_f64(&x) * num_f64(&y))),
            (Val::Obj(x), Val::Obj(y)) => Ok(obj(deep_merge(
                Rc::unwrap_or_clone(x),
                Rc::unwrap_or_clone(y),
            ))),
            (s, Val::Num(n)) | (Val::Num(n), s) if is_str(&s) => {
                repeat_string(&JqVal(s).as_text().unwrap_or_default(), num_f64(&n))
            }
            (x, y) => Err(binop_error(&JqVal(x), &JqVal(y), "multiplied")),
        }
    }
}

impl std::ops::Div for JqVal {
    type Output = JqResult;
    fn div(self, r: Self) -> JqResult {
        if let (Some(x), Some(y)) = (self.as_number(), r.as_number()) {
            return if y == 0.0 {
                Err(binop_error(
                    &self,
                    &r,
                    "divided because the divisor is zero",
                ))
            } else {
                Ok(JqVal::number(x / y))
            };
        }
        match (self.as_text(), r.as_text()) {
            (Some(s), Some(sep)) => Ok(split_string(&s, &sep)),
            _ => Err(binop_error(&self, &r, "divided")),
        }
    }
}

/// A double as jq makes it a C `intmax_t`: jq 1.8 clamps it, jq 1.6 casts, which on x86
/// gives the smallest integer for anything out of range (`1e20 % 7` is -1 there) and for
/// NaN (jq 1.8 answers NaN before it gets here).
fn to_intmax(x: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    match dialect() {
        _ if x.is_nan() => i64::MIN,
        Dialect::Jq16 if !(-LIMIT..LIMIT).contains(&x) => i64::MIN,
        _ => x as i64,
    }
}

impl std::ops::Rem for JqVal {
    type Output = JqResult;
    /// jq truncates both sides to C integers before taking the remainder.
    fn rem(self, r: Self) -> JqResult {
        match (self.as_number(), r.as_number()) {
            (Some(x), Some(y)) if dialect() == Dialect::Jq18 && (x.is_nan() || y.is_nan()) => {
                Ok(JqVal::number(f64::NAN))
            }
            (Some(x), Some(y)) => {
                let (x, y) = (to_intmax(x), to_intmax(y));
                if y == 0 {
                    return Err(binop_error(
                        &self,
                        &r,
                        "divided (remainder) because the divisor is zero",
                    ));
                }
                Ok(JqVal::number(x.checked_rem(y).unwrap_or(0) as f64))
            }
            _ => Err(binop_error(&self, &r, "divided (remainder)")),
        }
    }
}

impl std::ops::Neg for JqVal {
    type Output = JqResult;
    fn neg(self) -> JqResult {
        // jq 1.8 keeps a literal's digits through negation.
        if let Val::Num(Num::Dec(lit)) = &self.0 {
            let negated = literal::negate(lit);
            return Ok(read_number(&negated).unwrap_or_else(|| literal_number(negated)));
        }
        match self.as_number() {
            Some(x) => Ok(JqVal::number(-x)),
            None => Err(fail(format!("{} cannot be negated", self.describe()))),
        }
    }
}
