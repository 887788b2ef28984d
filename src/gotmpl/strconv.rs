//! The pieces of Go's `strconv` that the template parser depends on: `Quote`, `Unquote`,
//! `UnquoteChar`, and `ParseInt`/`ParseUint`/`ParseFloat` with base 0. Written against Go's
//! documented grammar so that number literals and error texts match `text/template/parse`.

use std::fmt::Write;

/// Go's `unicode.IsPrint`, approximated for non-ASCII (Rust has no general-category API):
/// control, format, private-use and separator characters other than ' ' are not printable.
pub fn is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xD800..=0xDFFF | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF | 0x110BD | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..=0x10FFFF)
}

/// `strconv.Quote`: a double-quoted Go string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Go's `fmt` verb `%#U`: `U+0041 'A'` (the character only when printable).
pub fn format_sharp_u(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// `strconv.UnquoteChar`: decodes one (possibly escaped) character at the start of `s`.
/// Returns the value, whether it must be UTF-8 encoded (false for `\x`/octal bytes), and the
/// rest. `None` is Go's `ErrSyntax`.
pub fn unquote_char(s: &str, quote: u8) -> Option<(u32, bool, &str)> {
    let b = s.as_bytes();
    let &c = b.first()?;
    if c == quote && (quote == b'\'' || quote == b'"') {
        return None;
    }
    if c >= 0x80 {
        let ch = s.chars().next()?;
        return Some((ch as u32, true, &s[ch.len_utf8()..]));
    }
    if c != b'\\' {
        return Some((c as u32, false, &s[1..]));
    }
    let &e = b.get(1)?;
    // Only ASCII may follow a backslash; anything else is Go's ErrSyntax.
    if !e.is_ascii() {
        return None;
    }
    let rest = &s[2..];
    let simple = |v: u32| Some((v, false, rest));
    match e {
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(12),
        b'n' => simple(10),
        b'r' => simple(13),
        b't' => simple(9),
        b'v' => simple(11),
        b'\\' => simple(u32::from(b'\\')),
        b'\'' | b'"' if e == quote => simple(u32::from(e)),
        b'x' | b'u' | b'U' => {
            let n = match e {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = rest.as_bytes().get(..n)?;
            let mut v: u32 = 0;
            for &d in digits {
                v = (v << 4) | (d as char).to_digit(16)?;
            }
            let tail = &rest[n..];
            if e == b'x' {
                return Some((v, false, tail));
            }
            char::from_u32(v)?;
            Some((v, true, tail))
        }
        b'0'..=b'7' => {
            let digits = rest.as_bytes().get(..2)?;
            let mut v = u32::from(e - b'0');
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                v = (v << 3) | u32::from(d - b'0');
            }
            if v > 255 {
                return None;
            }
            Some((v, false, &rest[2..]))
        }
        _ => None,
    }
}

/// `strconv.Unquote` for the `"…"` and `` `…` `` literals the lexer produces. A `\x` or octal
/// escape that yields invalid UTF-8 becomes U+FFFD (Rust strings must be UTF-8; Go keeps the byte).
pub fn unquote(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return None;
    }
    let q = b[0];
    if b[b.len() - 1] != q {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    match q {
        b'`' => {
            if inner.contains('`') {
                return None;
            }
            // Go drops carriage returns from raw strings.
            Some(inner.chars().filter(|&c| c != '\r').collect())
        }
        b'"' => {
            if !inner.contains(['\\', '\n', '"']) {
                return Some(inner.to_string());
            }
            let mut buf: Vec<u8> = Vec::with_capacity(inner.len());
            let mut rest = inner;
            while !rest.is_empty() {
                if rest.as_bytes()[0] == b'\n' {
                    return None;
                }
                let (v, multibyte, tail) = unquote_char(rest, q)?;
                if v < 0x80 || !multibyte {
                    buf.push(v as u8);
                } else {
                    let ch = char::from_u32(v)?;
                    let mut tmp = [0u8; 4];
                    buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                }
                rest = tail;
            }
            Some(match String::from_utf8(buf) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            })
        }
        _ => None,
    }
}

fn lower(c: u8) -> u8 {
    c | 0x20
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let mut s = s.as_bytes();
    if let Some(b'-' | b'+') = s.first() {
        s = &s[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(lower(s[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(s[1]) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`; `None` on syntax or range error.
pub fn parse_uint(s0: &str) -> Option<u64> {
    let mut s = s0.as_bytes();
    if s.is_empty() {
        return None;
    }
    let mut base = 10u32;
    if s[0] == b'0' {
        if s.len() >= 3 && matches!(lower(s[1]), b'b' | b'o' | b'x') {
            base = match lower(s[1]) {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            s = &s[2..];
        } else {
            base = 8;
            s = &s[1..];
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    let mut overflow = false;
    for &c in s {
        if c == b'_' {
            underscores = true;
            continue;
        }
        let d = (c as char).to_digit(base)?;
        match n
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => n = v,
            None => overflow = true,
        }
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    if overflow { None } else { Some(n) }
}

/// `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body)?;
    if neg {
        if u > 1u64 << 63 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else if u > i64::MAX as u64 {
        None
    } else {
        Some(u as i64)
    }
}

/// `strconv.ParseFloat(s, 64)` for the literals the lexer can produce (no inf/nan words).
/// Overflow is an error as in Go; underflow rounds to zero without error, as in Go.
pub fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    match b.first() {
        Some(b'+') => i += 1,
        Some(b'-') => {
            neg = true;
            i += 1
        }
        _ => {}
    }
    let hex = i + 2 < b.len() && b[i] == b'0' && lower(b[i + 1]) == b'x';
    if hex {
        i += 2;
    }
    let mant_start = i;
    let mut saw_dot = false;
    let mut saw_digits = false;
    let mut underscores = false;
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if saw_dot {
                break;
            }
            saw_dot = true;
        } else if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            saw_digits = true;
        } else {
            break;
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    let mant_end = i;
    let exp_char = if hex { b'p' } else { b'e' };
    let mut exp: i64 = 0;
    if i < b.len() && lower(b[i]) == exp_char {
        i += 1;
        let mut esign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                esign = -1;
                i += 1
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else if exp < 100_000 {
                exp = exp * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        exp *= esign;
    } else if hex {
        return None;
    }
    if i != b.len() || underscores && !underscore_ok(s) {
        return None;
    }
    let f = if hex {
        hex_float(&s[mant_start..mant_end], exp)?
    } else {
        let cleaned: String = s.chars().filter(|&c| c != '_').collect();
        cleaned.parse::<f64>().ok()?.abs()
    };
    if f.is_infinite() {
        return None;
    }
    Some(if neg { -f } else { f })
}

/// Value of a hex mantissa (`1.8`) times 2^exp, correctly rounded (nearest, ties to even).
fn hex_float(mant: &str, exp: i64) -> Option<f64> {
    let mut m: u64 = 0;
    let mut sticky = false;
    let mut e2: i64 = exp;
    let mut after_dot = false;
    for c in mant.bytes() {
        match c {
            b'_' => continue,
            b'.' => {
                after_dot = true;
                continue;
            }
            _ => {}
        }
        let d = u64::from((c as char).to_digit(16)?);
        if m >> 60 == 0 {
            m = (m << 4) | d;
            if after_dot {
                e2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if !after_dot {
                e2 += 4;
            }
        }
    }
    if m == 0 {
        return Some(0.0);
    }
    // Normalise so the top bit is bit 63; the value is m * 2^(e2) with m < 2^64.
    let lz = i64::from(m.leading_zeros());
    m <<= lz;
    e2 -= lz;
    // Unbiased exponent of the leading bit.
    let top = e2 + 63;
    if top > 1023 {
        return None;
    }
    // Bits to drop: 11 for a normal number, more for subnormals.
    let shift = if top >= -1022 { 11 } else { 11 + (-1022 - top) };
    if shift > 64 {
        return Some(0.0);
    }
    let (mut q, rem_half, rem_low) = if shift == 64 {
        (0u64, m >> 63 == 1, (m << 1) != 0 || sticky)
    } else {
        let q = m >> shift;
        let rem = m & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        (q, rem & half != 0, (rem & (half - 1)) != 0 || sticky)
    };
    if rem_half && (rem_low || q & 1 == 1) {
        q += 1;
    }
    let mut top = top;
    if q >> 53 == 1 && shift == 11 && q == 1u64 << 53 {
        q >>= 1;
        top += 1;
        if top > 1023 {
            return None;
        }
    }
    let bits = if q >> 52 == 0 {
        // Subnormal (or rounded up into the smallest normal, which the encoding absorbs).
        q
    } else {
        let biased = if shift == 11 { (top + 1023) as u64 } else { 1 };
        (biased << 52) | (q & ((1u64 << 52) - 1))
    };
    Some(f64::from_bits(bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_uint("0x1F"), Some(31));
        assert_eq!(parse_uint("0o17"), Some(15));
        assert_eq!(parse_uint("017"), Some(15));
        assert_eq!(parse_uint("0b101"), Some(5));
        assert_eq!(parse_uint("1_000"), Some(1000));
        assert_eq!(parse_uint("1__0"), None);
        assert_eq!(parse_uint("_1"), None);
        assert_eq!(parse_uint("089"), None);
        assert_eq!(parse_uint("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_uint("18446744073709551616"), None);
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_int("-0x10"), Some(-16));
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("1."), Some(1.0));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("1_000.5"), Some(1000.5));
        assert_eq!(parse_float("089"), Some(89.0));
        assert_eq!(parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float("0x1p-2"), Some(0.25));
        assert_eq!(parse_float("0x.8p1"), Some(1.0));
        assert_eq!(parse_float("0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(parse_float("0x1.fffffffffffffp1023"), Some(f64::MAX));
        assert_eq!(parse_float("0x1p1024"), None);
        assert_eq!(parse_float("0x1"), None);
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("1e-400"), Some(0.0));
        assert_eq!(parse_float("."), None);
        assert_eq!(parse_float("1e"), None);
        assert_eq!(parse_float("0x1.00000000000008p0"), Some(1.0));
        assert_eq!(
            parse_float("0x1.00000000000018p0"),
            Some(1.0 + 2.0 * f64::EPSILON)
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(
            quote("a\"b\\\n\u{1}\u{a0}é"),
            "\"a\\\"b\\\\\\n\\x01\\u00a0é\""
        );
        assert_eq!(
            unquote("\"a\\tb\\u00e9\\x41\\101\"").as_deref(),
            Some("a\tbéAA")
        );
        assert_eq!(unquote("\"\\'\""), None);
        assert_eq!(unquote("`a\r\nb`").as_deref(), Some("a\nb"));
        assert_eq!(unquote_char("\\'x", b'\''), Some((39, false, "x")));
        assert_eq!(format_sharp_u('!'), "U+0021 '!'");
        assert_eq!(format_sharp_u('\u{1}'), "U+0001");
    }
}

#[cfg(test)]
mod fuzz_regressions {
    /// Found by the gotmpl_parse fuzz target: a backslash before a multi-byte character.
    #[test]
    fn backslash_before_multibyte_is_a_syntax_error() {
        assert_eq!(super::unquote_char("\\é\"", b'"'), None);
        let is_func = |_: &str| false;
        let err = crate::gotmpl::parse("fuzz", "{{\"\\é\"}}", &crate::gotmpl::ParseOptions::new(&is_func))
            .expect_err("invalid escape");
        assert_eq!(err.to_string(), "template: fuzz:1: invalid syntax");
    }
}
