//! Go's conversions as Sprig reaches them: spf13/cast v1.5/v1.7 (`ToInt64`, `ToFloat64`, errors
//! swallowed to 0), `strconv` number syntax, Sprig's `strval` and `empty`, and the amd64
//! behaviour of float→int conversion.

use crate::value::Value;

/// Go's `int64(f)` on amd64: truncation, and 0x8000000000000000 when out of range or NaN.
pub fn f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// `cast.ToInt64(v)` (and `cast.ToInt`, the same on 64-bit Go): unparsable input is 0.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => f64_to_i64(*f),
        Value::String(s) => parse_int(trim_zero_decimal(s), 0).ok().unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// cast's `trimZeroDecimal` (v1.5+): `"12.0"`/`"12.00"` lose their all-zero fraction before
/// integer parsing; anything else is left alone.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, b) in s.bytes().enumerate().rev() {
        match b {
            b'.' if found_zero => return &s[..i],
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// `cast.ToFloat64(v)`: unparsable input is 0.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// Sprig's `strval`: strings and bytes as they are, everything else as `%v` prints it.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.go_format(),
    }
}

/// Sprig's `empty`: the zero value of the dynamic type, nil, or a zero-length collection.
pub fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) | Value::Int64(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(_) => false,
    }
}

/// Why `strconv.ParseInt` failed; callers that clamp (`Atoi`) need to tell them apart.
#[derive(Debug, PartialEq)]
pub enum IntError {
    Syntax,
    /// Out of range; carries the clamped value Go returns alongside the error.
    Range(i64),
}

/// `strconv.ParseInt(s, base, 64)` for base 0 (Go literal prefixes and underscores), 8 or 10.
pub fn parse_int(s: &str, base: u32) -> Result<i64, IntError> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if base == 0 {
        let b = body.as_bytes();
        match (b.first(), b.get(1).map(u8::to_ascii_lowercase)) {
            (Some(b'0'), Some(b'x')) => (16, &body[2..]),
            (Some(b'0'), Some(b'o')) => (8, &body[2..]),
            (Some(b'0'), Some(b'b')) => (2, &body[2..]),
            (Some(b'0'), Some(_)) => (8, &body[1..]),
            _ => (10, body),
        }
    } else {
        (base, body)
    };
    if digits.is_empty() && !(base == 0 && radix == 8 && body.len() > 1) {
        return Err(IntError::Syntax);
    }
    if base == 0 && digits.contains('_') && !underscore_ok(s) {
        return Err(IntError::Syntax);
    }
    let mut mag: u64 = 0;
    let mut overflow = false;
    for c in digits.chars() {
        if c == '_' && base == 0 {
            continue;
        }
        let d = c.to_digit(radix).ok_or(IntError::Syntax)?;
        match mag
            .checked_mul(u64::from(radix))
            .and_then(|m| m.checked_add(u64::from(d)))
        {
            Some(m) => mag = m,
            None => overflow = true,
        }
    }
    let limit = if neg { 1u64 << 63 } else { (1u64 << 63) - 1 };
    if overflow || mag > limit {
        return Err(IntError::Range(if neg { i64::MIN } else { i64::MAX }));
    }
    Ok(if neg {
        (mag as i64).wrapping_neg()
    } else {
        mag as i64
    })
}

/// Go's `strconv.Atoi`: base 10; out-of-range input yields the clamped value.
pub fn atoi(s: &str) -> i64 {
    match parse_int(s, 10) {
        Ok(i) | Err(IntError::Range(i)) => i,
        Err(IntError::Syntax) => 0,
    }
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(b'+' | b'-') = b.first() {
        b = &b[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseFloat(s, 64)`: Go float syntax (decimal, hex with `p` exponent, `inf`,
/// `infinity`, `nan`, underscores between digits); overflow is an error as in Go.
pub fn parse_float(s: &str) -> Option<f64> {
    if let Some(f) = special_float(s) {
        return Some(f);
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let mag = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex_float(hex)?
    } else {
        // Rust's parser accepts the same decimal syntax once signs and words are excluded.
        let ok = !clean.is_empty()
            && clean
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
            && clean
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == b'.');
        if !ok {
            return None;
        }
        clean.parse::<f64>().ok()?
    };
    if mag.is_infinite() {
        return None;
    }
    Some(if neg { -mag } else { mag })
}

fn special_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let (sign, rest) = match lower.as_bytes().first() {
        Some(b'-') => (-1.0, &lower[1..]),
        Some(b'+') => (1.0, &lower[1..]),
        _ => (1.0, lower.as_str()),
    };
    match rest {
        "inf" | "infinity" => Some(sign * f64::INFINITY),
        "nan" if rest.len() == lower.len() => Some(f64::NAN),
        _ => None,
    }
}

/// The part of a hex float after `0x`: hex mantissa with an optional point, then `p` exponent.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once('p')?;
    let exp: i32 = match exp.strip_prefix('+') {
        Some(e) if !e.starts_with(['-', '+']) => e.parse().ok()?,
        _ => exp.parse().ok()?,
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int.chars().chain(frac.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let shift = exp - 4 * frac.len() as i32;
    Some(value * 2f64.powi(shift))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_trims_an_all_zero_fraction() {
        assert_eq!(to_int64(&Value::str("12.0")), 12);
        assert_eq!(to_int64(&Value::str("12.00")), 12);
        assert_eq!(to_int64(&Value::str("12.5")), 0);
        assert_eq!(to_int64(&Value::str("100")), 100);
        assert_eq!(to_int64(&Value::str("1.0.0")), 0);
        assert_eq!(to_int64(&Value::str("12.")), 0);
    }

    #[test]
    fn parse_int_follows_go_literal_syntax() {
        assert_eq!(parse_int("0x1F", 0), Ok(31));
        assert_eq!(parse_int("0755", 0), Ok(493));
        assert_eq!(parse_int("1_000", 0), Ok(1000));
        assert_eq!(parse_int("1__0", 0), Err(IntError::Syntax));
        assert_eq!(parse_int("08", 0), Err(IntError::Syntax));
        assert_eq!(parse_int("-9223372036854775808", 0), Ok(i64::MIN));
        assert_eq!(atoi("99999999999999999999"), i64::MAX);
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("0x1p-2"), Some(0.25));
    }
}
