//! jq 1.8's number literals: a number read from the program or from JSON keeps its
//! decimal text until arithmetic turns it into a double, so `1.000 | tostring` is
//! `"1.000"` and `100000000000000000001` prints whole. jq keeps such numbers in
//! decNumber and prints them with decNumber's "to scientific string" rules, which
//! this module reproduces: `1.50` stays `1.50`, `1e3` becomes `1E+3`, `1.23e-5`
//! becomes `0.0000123` and `1e-7` stays `1E-7`.
//!
//! jq 1.6 has no literals: its numbers are doubles from the moment they are read.

use std::fmt::Write as _;

/// A decimal number as decNumber holds it: sign, coefficient digits, exponent.
#[derive(Debug, PartialEq)]
struct Decimal {
    negative: bool,
    /// No leading zeros, except a lone `0`.
    digits: String,
    exponent: i64,
}

/// Longest text taken as a literal; longer ones are read as doubles.
const MAX_LITERAL: usize = 4096;

impl Decimal {
    /// Reads `-?digits[.digits][(e|E)[+-]digits]`, as JSON and jq programs write numbers.
    fn parse(text: &str) -> Option<Decimal> {
        if text.len() > MAX_LITERAL {
            return None;
        }
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() && frac.is_empty() || !all_digits(int) || !all_digits(frac) {
            return None;
        }
        let stated: i64 = match exp {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if unsigned.is_empty() || !all_digits(unsigned) || unsigned.len() > 15 {
                    return None;
                }
                e.parse().ok()?
            }
        };
        let joined = format!("{int}{frac}");
        let trimmed = joined.trim_start_matches('0');
        let digits = if trimmed.is_empty() { "0" } else { trimmed };
        Some(Decimal {
            negative,
            digits: digits.to_owned(),
            exponent: stated - frac.len() as i64,
        })
    }

    /// decNumber's to-scientific-string.
    fn to_sci_string(&self) -> String {
        let mut out = String::with_capacity(self.digits.len() + 8);
        if self.negative {
            out.push('-');
        }
        let len = self.digits.len() as i64;
        let adjusted = self.exponent + len - 1;
        if self.exponent <= 0 && adjusted >= -6 {
            // Plain notation: the point falls `len + exponent` digits in.
            let point = len + self.exponent;
            if self.exponent == 0 {
                out.push_str(&self.digits);
            } else if point > 0 {
                let (whole, fraction) = self.digits.split_at(point as usize);
                let _ = write!(out, "{whole}.{fraction}");
            } else {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
                out.push_str(&self.digits);
            }
        } else {
            let (first, rest) = self.digits.split_at(1);
            out.push_str(first);
            if !rest.is_empty() {
                let _ = write!(out, ".{rest}");
            }
            let sign = if adjusted < 0 { '-' } else { '+' };
            let _ = write!(out, "E{sign}{}", adjusted.unsigned_abs());
        }
        out
    }
}

/// The text jq 1.8 prints for a number written as `text`, or `None` if `text` is not a
/// decimal number (then the caller keeps a double).
pub(super) fn canonical(text: &str) -> Option<String> {
    Decimal::parse(text).map(|d| d.to_sci_string())
}

/// The literal a double read from Python becomes: Ocean hands jq its data as JSON that
/// Python's `json.dumps` wrote, and Python writes floats with `repr` (`1.0`, `1e+16`,
/// `1.5e-05`). `None` for NaN and infinities, which are no JSON numbers.
pub(super) fn of_python_float(x: f64) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    // `{:e}` gives the same shortest round-trip digits as Python's repr.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e')?;
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i64 = exp.parse().ok()?;
    let len = digits.len() as i64;
    let (digits, exponent) = if (-4..16).contains(&exp) {
        if len <= exp + 1 {
            // Integral: Python writes `123.0`, a coefficient ending in that zero.
            let zeros = (exp + 1 - len) as usize;
            (format!("{digits}{}0", "0".repeat(zeros)), -1)
        } else {
            (digits, exp + 1 - len)
        }
    } else {
        (digits, exp - (len - 1))
    };
    let digits = match digits.trim_start_matches('0') {
        "" => "0".to_owned(),
        d => d.to_owned(),
    };
    let decimal = Decimal {
        negative: x.is_sign_negative(),
        digits,
        exponent,
    };
    Some(decimal.to_sci_string())
}

/// `-x` on a literal: the sign flips, and a zero loses its sign (decNumber's minus).
pub(super) fn negate(literal: &str) -> String {
    match literal.strip_prefix('-') {
        Some(positive) => positive.to_owned(),
        None if is_zero(literal) => literal.to_owned(),
        None => format!("-{literal}"),
    }
}

/// `length` (and `abs`) on a literal.
pub(super) fn magnitude(literal: &str) -> &str {
    literal.strip_prefix('-').unwrap_or(literal)
}

fn is_zero(literal: &str) -> bool {
    literal
        .bytes()
        .take_while(|b| *b != b'E')
        .all(|b| b == b'0' || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decnumber_strings() {
        // What jq 1.8 prints for each literal (`LIT | tostring`).
        for (text, printed) in [
            ("1.000", "1.000"),
            ("1.50", "1.50"),
            ("1e3", "1E+3"),
            ("1E3", "1E+3"),
            ("1.5e2", "1.5E+2"),
            ("150e-2", "1.50"),
            ("12e0", "12"),
            ("0.00001", "0.00001"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("1.23e-5", "0.0000123"),
            ("0.0", "0.0"),
            ("0.00", "0.00"),
            ("1e1000", "1E+1000"),
            ("123456789012345678", "123456789012345678"),
            ("1.23456789012345678901", "1.23456789012345678901"),
            ("-1.50", "-1.50"),
            ("007", "7"),
        ] {
            assert_eq!(canonical(text).as_deref(), Some(printed), "{text}");
        }
        for bad in ["", "-", "1e", "1.2.3", "0x10", " 1", "nan", "1e+"] {
            assert_eq!(canonical(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn python_floats_become_the_literals_jq_reads() {
        for (x, printed) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1536000000.5, "1536000000.5"),
            (123456.0, "123456.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1E+16"),
            (1.5e-5, "0.000015"),
            (1e-5, "0.00001"),
            (1e-7, "1E-7"),
            (0.0001, "0.0001"),
            (0.0, "0.0"),
            (-2.5, "-2.5"),
            (1e20, "1E+20"),
        ] {
            assert_eq!(of_python_float(x).as_deref(), Some(printed), "{x}");
        }
        assert_eq!(of_python_float(f64::NAN), None);
    }

    #[test]
    fn negation_and_magnitude() {
        assert_eq!(negate("1.50"), "-1.50");
        assert_eq!(negate("-1.50"), "1.50");
        assert_eq!(negate("0"), "0");
        assert_eq!(negate("0.0"), "0.0");
        assert_eq!(magnitude("-1.10"), "1.10");
    }
}
