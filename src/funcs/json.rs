//! Go's encoding/json for template values: `json.Marshal`/`MarshalIndent` (sorted map keys,
//! HTML-safe escaping unless turned off, Go's float format) and `json.Unmarshal` into
//! `interface {}` (objects → maps, arrays → lists, numbers → float64) with Go's syntax errors.

use crate::value::{Map, Value, format_float, go_quote};

/// `json.Marshal` (`escape_html`), or an `Encoder` with `SetEscapeHTML(false)` less its newline.
pub fn marshal(v: &Value, escape_html: bool) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, escape_html, None, 0)?;
    Ok(out)
}

/// `json.MarshalIndent(v, "", indent)`.
pub fn marshal_indent(v: &Value, indent: &str) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, true, Some(indent), 0)?;
    Ok(out)
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

/// A JSON object from key/value pairs in the order given (sorted map keys, or a struct's
/// field order).
fn write_object(
    out: &mut String,
    entries: &[(String, Value)],
    html: bool,
    indent: Option<&str>,
    depth: usize,
) -> Result<(), String> {
    out.push('{');
    for (i, (k, item)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent, depth + 1);
        write_string(out, k, html);
        out.push(':');
        if indent.is_some() {
            out.push(' ');
        }
        write_value(out, item, html, indent, depth + 1)?;
    }
    if !entries.is_empty() {
        newline(out, indent, depth);
    }
    out.push('}');
    Ok(())
}

fn write_value(
    out: &mut String,
    v: &Value,
    html: bool,
    indent: Option<&str>,
    depth: usize,
) -> Result<(), String> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float(*f)?),
        Value::String(s) => write_string(out, s, html),
        Value::Bytes(b) => {
            out.push('"');
            out.push_str(&base64(b));
            out.push('"');
        }
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_value(out, item, html, indent, depth + 1)?;
            }
            if !l.items.is_empty() {
                newline(out, indent, depth);
            }
            out.push(']');
        }
        Value::Map(m) => write_object(out, &m.entries(), html, indent, depth)?,
        Value::Object(o) => match o.json_fields() {
            Some(fields) => write_object(out, &fields, html, indent, depth)?,
            None => write_value(out, &o.to_value(), html, indent, depth)?,
        },
    }
    Ok(())
}

/// Go's float encoding: shortest `f` form, `e` form outside [1e-6, 1e21) with `e-07` → `e-7`.
fn float(f: f64) -> Result<String, String> {
    if f.is_nan() || f.is_infinite() {
        return Err(format!(
            "json: unsupported value: {}",
            format_float(f, b'g', -1)
        ));
    }
    let abs = f.abs();
    let exp = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    let mut s = format_float(f, if exp { b'e' } else { b'f' }, -1);
    if exp {
        let n = s.len();
        let b = s.as_bytes();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    Ok(s)
}

fn write_string(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u00{:02x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                T[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// `json.Unmarshal(text, &v)` with `v interface{}`.
pub fn unmarshal(text: &str) -> Result<Value, String> {
    match unmarshal_partial(text)? {
        (_, Some(e)) => Err(e),
        (v, None) => Ok(v),
    }
}

/// Like [`unmarshal`], but a number out of float64 range (which Go reports only after decoding
/// everything else) leaves the value decoded, with nil in that number's place, beside the error.
pub fn unmarshal_partial(text: &str) -> Result<(Value, Option<String>), String> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
        range_err: None,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.invalid("after top-level value"));
    }
    Ok((v, p.range_err))
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    /// Go reports a number out of float64 range only after the whole document decoded.
    range_err: Option<String>,
}

const EOF: &str = "unexpected end of JSON input";

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Go's scanner message for the byte at the cursor (end of input is its own message).
    fn invalid(&self, context: &str) -> String {
        match self.b.get(self.i) {
            None => EOF.into(),
            Some(&c) => format!("invalid character {} {context}", quote_char(c)),
        }
    }

    /// Like `invalid`, for states where Go's `eof()` feeds a space to the scanner and reports it.
    fn invalid_or_space(&self, context: &str) -> String {
        format!(
            "invalid character {} {context}",
            quote_char(self.b.get(self.i).copied().unwrap_or(b' '))
        )
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.b.get(self.i) {
            None => Err(EOF.into()),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::from(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.invalid("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, expected) in word.bytes().enumerate() {
            match self.b.get(self.i) {
                Some(&c) if c == expected => self.i += 1,
                _ => {
                    return Err(self.invalid_or_space(&format!(
                        "in literal {word} (expecting {})",
                        quote_char(word.as_bytes()[k])
                    )));
                }
            }
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.invalid_or_space("in numeric literal")),
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.invalid_or_space("after decimal point in numeric literal"));
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.invalid_or_space("in exponent of numeric literal"));
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        let f: f64 = text.parse().unwrap_or(0.0);
        if f.is_infinite() && self.range_err.is_none() {
            self.range_err = Some(format!(
                "json: cannot unmarshal number {text} into Go value of type float64"
            ));
        }
        if f.is_infinite() {
            return Ok(Value::Nil);
        }
        Ok(Value::Float(f))
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(EOF.into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return Err(EOF.into());
                    };
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.invalid("in string escape code")),
                    };
                    self.i += 1;
                    match simple {
                        Some(b) => out.push(b),
                        None => {
                            let mut r = self.hex4()?;
                            if (0xD800..0xDC00).contains(&r) {
                                // A high surrogate needs a following \u low surrogate.
                                let save = self.i;
                                let low = if self.b.get(self.i) == Some(&b'\\')
                                    && self.b.get(self.i + 1) == Some(&b'u')
                                {
                                    self.i += 2;
                                    Some(self.hex4()?)
                                } else {
                                    None
                                };
                                match low {
                                    Some(l) if (0xDC00..0xE000).contains(&l) => {
                                        r = 0x10000 + ((r - 0xD800) << 10) + (l - 0xDC00)
                                    }
                                    _ => {
                                        self.i = save;
                                        r = 0xFFFD;
                                    }
                                }
                            } else if (0xDC00..0xE000).contains(&r) {
                                r = 0xFFFD;
                            }
                            let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut r = 0u32;
        for _ in 0..4 {
            let Some(&c) = self.b.get(self.i) else {
                return Err(EOF.into());
            };
            let Some(d) = (c as char).to_digit(16) else {
                return Err(self.invalid("in \\u hexadecimal character escape"));
            };
            r = r * 16 + d;
            self.i += 1;
        }
        Ok(r)
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::list(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                _ => return Err(self.invalid("after array element")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.i += 1;
        let m = Map::new();
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Map(m));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.invalid("looking for beginning of object key string"));
            }
            let key = self.string()?;
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.invalid("after object key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            m.insert(key, v);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(m));
                }
                _ => return Err(self.invalid("after object key:value pair")),
            }
        }
    }
}

/// encoding/json's `quoteChar`: the byte as a rune, single-quoted.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c => {
            let q = go_quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_and_escapes_as_go_writes_them() {
        assert_eq!(marshal(&Value::Float(1e-7), true).unwrap(), "1e-7");
        assert_eq!(marshal(&Value::Float(1e21), true).unwrap(), "1e+21");
        assert_eq!(marshal(&Value::Float(100000.0), true).unwrap(), "100000");
        assert_eq!(
            marshal(&Value::str("<a&b>"), true).unwrap(),
            r#""\u003ca\u0026b\u003e""#
        );
        assert_eq!(marshal(&Value::str("<a>"), false).unwrap(), r#""<a>""#);
        assert_eq!(
            marshal(&Value::Float(f64::NAN), true).unwrap_err(),
            "json: unsupported value: NaN"
        );
    }

    #[test]
    fn unmarshal_errors_read_as_go() {
        assert_eq!(
            unmarshal("{\"a\" 1}").unwrap_err(),
            "invalid character '1' after object key"
        );
        assert_eq!(
            unmarshal("[1,").unwrap_err(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            unmarshal("tru").unwrap_err(),
            "invalid character ' ' in literal true (expecting 'e')"
        );
        assert_eq!(
            unmarshal("1 2").unwrap_err(),
            "invalid character '2' after top-level value"
        );
    }
}
