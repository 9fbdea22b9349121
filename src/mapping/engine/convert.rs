//! Values in and out of the engine: serde_json input as the consumers hand it over, and
//! outputs as Port receives them.

use super::literal;
use super::value::{
    JqVal, MAX_EXACT_INT, MAX_PRINT_DEPTH, arr, format_number, kind, literal_number, num_f64, obj,
    text,
};
use jaq_json::{Num, Val};

/// Convert serde_json input as jq 1.8 reads what Python's `json.dumps` writes:
/// integers whole, floats as literals (`literals` is set when there is one);
/// [`to_doubles`] turns that into what jq 1.6 reads.
pub(super) fn from_serde(v: &serde_json::Value, literals: &mut bool) -> JqVal {
    use serde_json::Value as J;
    match v {
        J::Null => JqVal::NULL,
        J::Bool(b) => JqVal(Val::Bool(*b)),
        J::Number(n) => {
            let magnitude = n.as_i64().map(i64::unsigned_abs).or_else(|| n.as_u64());
            match (magnitude, n.as_f64()) {
                (Some(m), Some(x)) if m <= MAX_EXACT_INT as u64 => JqVal::number(x),
                (Some(_), _) => {
                    *literals = true;
                    literal_number(n.to_string())
                }
                (None, Some(x)) => match literal::of_python_float(x) {
                    Some(lit) => {
                        *literals = true;
                        literal_number(lit)
                    }
                    None => JqVal::number(x),
                },
                (None, None) => JqVal::number(f64::NAN),
            }
        }
        J::String(s) => JqVal::string(s.as_str()),
        J::Array(a) => arr(a.iter().map(|x| from_serde(x, literals).0).collect()),
        J::Object(o) => obj(o
            .iter()
            .map(|(k, x)| (JqVal::string(k.as_str()).0, from_serde(x, literals).0))
            .collect()),
    }
}

/// The same value with every literal read as a double, as jq 1.6 reads numbers.
pub(super) fn to_doubles(v: &JqVal) -> JqVal {
    match &v.0 {
        Val::Num(n @ (Num::Dec(_) | Num::BigInt(_))) => JqVal::number(num_f64(n)),
        Val::Arr(a) => arr(a.iter().map(|x| to_doubles(&JqVal(x.clone())).0).collect()),
        Val::Obj(o) => obj(o
            .iter()
            .map(|(k, x)| (k.clone(), to_doubles(&JqVal(x.clone())).0))
            .collect()),
        _ => v.clone(),
    }
}

/// Convert an output to serde_json, the value Port would read from jq's output:
/// numbers are printed the jq 1.6 way and read back (so NaN is `null` and
/// infinities are ±1.7976931348623157e+308), invalid UTF-8 is replaced, and an
/// object key that is not a string is an error rather than invalid JSON.
pub(super) fn to_serde(v: &Val, depth: usize) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    if depth > MAX_PRINT_DEPTH {
        return Err(format!(
            "output is nested more than {MAX_PRINT_DEPTH} levels deep (jq 1.6 cannot print it)"
        ));
    }
    Ok(match v {
        Val::Null => J::Null,
        Val::Bool(b) => J::Bool(*b),
        Val::Num(Num::Dec(lit)) => literal_to_serde(lit),
        Val::Num(n) => number_to_serde(num_f64(n)),
        Val::TStr(b) | Val::BStr(b) => J::String(text(b).into_owned()),
        Val::Arr(a) => J::Array(
            a.iter()
                .map(|x| to_serde(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Val::Obj(o) => {
            let mut map = serde_json::Map::with_capacity(o.len());
            for (k, x) in o.iter() {
                let key = match k {
                    Val::TStr(b) | Val::BStr(b) => text(b).into_owned(),
                    other => {
                        return Err(format!("Object keys must be strings, not {}", kind(other)));
                    }
                };
                map.insert(key, to_serde(x, depth + 1)?);
            }
            J::Object(map)
        }
    })
}

/// What Ocean's Python receives for a literal: the `jq` package converts every
/// number through its double, and a whole double becomes a Python int (`1.0` and
/// `1e3` arrive as `1` and `1000`, `9999999999999999` as `10000000000000000`).
fn literal_to_serde(lit: &str) -> serde_json::Value {
    let x: f64 = lit.parse().unwrap_or(f64::NAN);
    let x = x.clamp(-f64::MAX, f64::MAX);
    if x.fract() == 0.0 && x.abs() < 9.2e18 {
        return serde_json::Value::from(x as i64);
    }
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// A double as jq prints it, read back; `-0` arrives as 0 (Python's `json` and the
/// `jq` package both make an int of it).
fn number_to_serde(x: f64) -> serde_json::Value {
    if x == 0.0 {
        return serde_json::Value::from(0);
    }
    format_number(x)
        .parse::<serde_json::Number>()
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}
