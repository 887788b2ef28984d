//! Go's `fmt` for template values: `%v` text, `Sprint`/`Sprintln` spacing, and `Sprintf` with
//! its verbs, flags, width and precision, including Go's error strings such as
//! `%!d(float64=1.5)`, `%!s(MISSING)` and `%!(EXTRA int=1)`.

use super::Value;
use super::strconv::format_float_go as format_float;

/// Bytes as text the way Go's UTF-8 decoding reads them: every byte of an invalid sequence is
/// one U+FFFD (Rust's lossy conversion folds a truncated sequence into one). The value model
/// keeps strings as UTF-8, so this is where Go's raw bytes end up.
pub fn go_lossy(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut rest = b;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(after.len());
                for _ in 0..bad {
                    out.push('\u{FFFD}');
                }
                rest = &after[bad..];
            }
        }
    }
}

/// Go's `strconv.Quote`: double-quoted with Go escapes; printable Unicode kept as is.
pub fn go_quote(s: &str) -> String {
    go_quote_with(s, '"', false)
}

fn go_quote_with(s: &str, quote: char, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            c if c == quote || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x80 && !c.is_ascii_control() => out.push(c),
            c if !ascii_only && is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// An approximation of Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space.
pub fn is_go_printable(c: char) -> bool {
    !(c.is_control() || c.is_whitespace() || ('\u{E000}'..='\u{F8FF}').contains(&c) || c == '\u{FEFF}')
        && !('\u{200B}'..='\u{200F}').contains(&c)
        && !('\u{2028}'..='\u{202E}').contains(&c)
        && !('\u{2060}'..='\u{206F}').contains(&c)
}

/// Writes `%v` of a value. `top` is false inside lists and maps, where Go prints nested nil the
/// same way; kept for the `%#v`-style variants that differ.
pub(super) fn write_v(out: &mut String, v: &Value, top: bool) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float(*f, b'g', -1)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => {
            out.push('[');
            for (i, byte) in b.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&byte.to_string());
            }
            out.push(']');
        }
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item, false);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, item)) in m.entries().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, item, false);
            }
            out.push(']');
        }
        Value::Object(o) => out.push_str(&o.go_format()),
    }
    let _ = top;
}

/// Go's `fmt.Sprint`: operands joined, with a space between two operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if i > 0 && !is_string && !matches!(args[i - 1], Value::String(_)) {
            out.push(' ');
        }
        write_v(&mut out, arg, true);
    }
    out
}

/// Go's `fmt.Sprintln`: operands always space-separated, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_v(&mut out, arg, true);
    }
    out.push('\n');
    out
}

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let bytes = format.as_bytes();
    let mut i = 0;
    let mut argn = 0;
    let mut reordered = false;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i] != b'%' {
            i += 1;
        }
        out.push_str(&format[start..i]);
        if i >= bytes.len() {
            break;
        }
        i += 1; // '%'
        let mut fl = Flags::default();
        while i < bytes.len() {
            match bytes[i] {
                b'+' => fl.plus = true,
                b'-' => {
                    fl.minus = true;
                    fl.zero = false;
                }
                b'#' => fl.sharp = true,
                b' ' => fl.space = true,
                b'0' => fl.zero = !fl.minus,
                _ => break,
            }
            i += 1;
        }
        // Width: digits or '*'.
        if i < bytes.len() && bytes[i] == b'*' {
            i += 1;
            match args.get(argn) {
                Some(Value::Int(n) | Value::Int64(n)) => {
                    let n = *n;
                    fl.width = Some(n.unsigned_abs() as usize);
                    if n < 0 {
                        fl.minus = true;
                        fl.zero = false;
                    }
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            argn += 1;
        } else {
            let (n, next) = parse_num(bytes, i);
            fl.width = n;
            i = next;
        }
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            if i < bytes.len() && bytes[i] == b'*' {
                i += 1;
                match args.get(argn) {
                    Some(Value::Int(n) | Value::Int64(n)) if *n >= 0 => fl.prec = Some(*n as usize),
                    _ => out.push_str("%!(BADPREC)"),
                }
                argn += 1;
            } else {
                let (n, next) = parse_num(bytes, i);
                fl.prec = Some(n.unwrap_or(0));
                i = next;
            }
        }
        if i < bytes.len() && bytes[i] == b'[' {
            // Explicit argument indexes are rare in charts; Go accepts them, we report them.
            reordered = true;
            if let Some(end) = format[i..].find(']') {
                if let Ok(n) = format[i + 1..i + end].parse::<usize>() {
                    argn = n.saturating_sub(1);
                }
                i += end + 1;
            }
        }
        let Some(verb) = format[i..].chars().next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argn) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        argn += 1;
        format_one(&mut out, verb, arg, fl);
    }
    if !reordered && argn < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, arg) in args[argn..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            out.push_str(&arg.type_name());
            out.push('=');
            write_v(&mut out, arg, true);
        }
        out.push(')');
    }
    out
}

fn parse_num(bytes: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return (None, i);
    }
    let n = std::str::from_utf8(&bytes[start..i]).ok().and_then(|s| s.parse().ok());
    (n, i)
}

/// `%!verb(type=value)`: what Go prints for a verb that does not fit the operand.
fn bad_verb(out: &mut String, verb: char, arg: &Value) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    match arg {
        Value::Nil => out.push_str("<nil>"),
        _ => {
            out.push_str(&arg.type_name());
            out.push('=');
            write_v(out, arg, true);
        }
    }
    out.push(')');
}

fn format_one(out: &mut String, verb: char, arg: &Value, fl: Flags) {
    match (verb, arg) {
        ('T', _) => pad(out, &arg.type_name(), fl),
        ('v', Value::Float(f)) => pad_number(out, &float_verb(*f, 'g', fl), fl),
        ('v', Value::Int(n) | Value::Int64(n)) => pad_number(out, &int_verb(*n, 'd', fl), fl),
        ('v', Value::Nil) => pad(out, "<nil>", fl),
        ('v', Value::String(s)) if fl.sharp => pad(out, &go_quote(s), fl),
        ('v', _) => {
            let mut s = String::new();
            write_v(&mut s, arg, true);
            pad(out, &s, fl);
        }
        ('t', Value::Bool(b)) => pad(out, if *b { "true" } else { "false" }, fl),
        ('d' | 'b' | 'o' | 'O' | 'x' | 'X' | 'c' | 'q' | 'U', Value::Int(n) | Value::Int64(n)) => {
            let text = int_verb(*n, verb, fl);
            if matches!(verb, 'c' | 'q' | 'U') { pad(out, &text, fl) } else { pad_number(out, &text, fl) }
        }
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'b' | 'x' | 'X', Value::Float(f)) => {
            pad_number(out, &float_verb(*f, verb, fl), fl)
        }
        ('s' | 'q' | 'x' | 'X', Value::String(s)) => {
            let s: &str = s;
            let s = match fl.prec {
                Some(p) => s.char_indices().nth(p).map_or(s, |(at, _)| &s[..at]),
                None => s,
            };
            let text = match verb {
                's' => s.to_string(),
                'q' if fl.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || !c.is_control()) => {
                    format!("`{s}`")
                }
                'q' => go_quote_with(s, '"', fl.plus),
                _ => hex_bytes(s.as_bytes(), verb == 'X', fl),
            };
            pad(out, &text, fl);
        }
        ('s' | 'x' | 'X' | 'q', Value::Bytes(b)) => {
            let text = match verb {
                's' => String::from_utf8_lossy(b).into_owned(),
                'q' => go_quote(&String::from_utf8_lossy(b)),
                _ => hex_bytes(b, verb == 'X', fl),
            };
            pad(out, &text, fl);
        }
        (_, Value::List(l)) if verb != 'T' => {
            // Go applies the verb to each element: `%d` of [1 2] is `[1 2]`.
            out.push('[');
            for (k, item) in l.items.iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                format_one(out, verb, item, fl);
            }
            out.push(']');
        }
        (_, Value::Map(m)) if verb != 'T' => {
            out.push_str("map[");
            for (k, (key, item)) in m.entries().iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                format_one(out, verb, &Value::str(key.as_str()), fl);
                out.push(':');
                format_one(out, verb, item, fl);
            }
            out.push(']');
        }
        _ => bad_verb(out, verb, arg),
    }
}

fn int_verb(n: i64, verb: char, fl: Flags) -> String {
    let neg = n < 0;
    let mag = n.unsigned_abs();
    let mut digits = match verb {
        'b' => format!("{mag:b}"),
        'o' | 'O' => format!("{mag:o}"),
        'x' => format!("{mag:x}"),
        'X' => format!("{mag:X}"),
        'c' => return char::from_u32(n as u32).unwrap_or('\u{FFFD}').to_string(),
        'q' => {
            let c = char::from_u32(n as u32).unwrap_or('\u{FFFD}');
            return if c == '\'' { "'\\''".into() } else { go_quote_with(&c.to_string(), '\'', fl.plus) };
        }
        'U' => {
            let mut s = format!("U+{mag:04X}");
            if fl.sharp {
                if let Some(c) = char::from_u32(n as u32) {
                    s.push_str(&format!(" '{c}'"));
                }
            }
            return s;
        }
        _ => mag.to_string(),
    };
    if let Some(p) = fl.prec {
        if p == 0 && n == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let prefix = match (verb, fl.sharp) {
        ('b', true) => "0b",
        ('o', true) if !digits.starts_with('0') => "0",
        ('O', _) => "0o",
        ('x', true) => "0x",
        ('X', true) => "0X",
        _ => "",
    };
    let sign = if neg {
        "-"
    } else if fl.plus {
        "+"
    } else if fl.space {
        " "
    } else {
        ""
    };
    format!("{sign}{prefix}{digits}")
}

fn float_verb(f: f64, verb: char, fl: Flags) -> String {
    let (fmt, default_prec) = match verb {
        'e' => (b'e', 6),
        'E' => (b'E', 6),
        'f' | 'F' => (b'f', 6),
        'G' => (b'G', -1),
        _ => (b'g', -1),
    };
    let prec = fl.prec.map_or(default_prec, |p| p as i32);
    let mut s = format_float(f, fmt, prec);
    if fl.sharp && matches!(verb, 'g' | 'G' | 'v') && !s.contains('.') && !s.contains(['e', 'E']) {
        s.push('.');
    }
    if !s.starts_with(['-', '+']) && !f.is_nan() {
        if fl.plus {
            s.insert(0, '+');
        } else if fl.space {
            s.insert(0, ' ');
        }
    } else if s == "+Inf" && !fl.plus {
        s = if fl.space { " Inf".into() } else { "+Inf".into() };
    }
    s
}

fn hex_bytes(b: &[u8], upper: bool, fl: Flags) -> String {
    let mut s = String::new();
    for (i, byte) in b.iter().enumerate() {
        if fl.space && i > 0 {
            s.push(' ');
        }
        if fl.sharp && (fl.space || i == 0) {
            s.push_str(if upper { "0X" } else { "0x" });
        }
        if upper {
            s.push_str(&format!("{byte:02X}"));
        } else {
            s.push_str(&format!("{byte:02x}"));
        }
    }
    s
}

/// Pads to the width with spaces, counting runes as Go does.
fn pad(out: &mut String, s: &str, fl: Flags) {
    let len = s.chars().count();
    let fill = fl.width.unwrap_or(0).saturating_sub(len);
    if fl.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(s);
    }
}

/// Pads a number: zero padding goes after the sign.
fn pad_number(out: &mut String, s: &str, fl: Flags) {
    if fl.zero && !fl.minus && fl.width.is_some() && (fl.prec.is_none() || s.contains(['.', 'e'])) {
        let width = fl.width.unwrap_or(0);
        let (sign, digits) = match s.as_bytes().first() {
            Some(b'-' | b'+' | b' ') => s.split_at(1),
            _ => ("", s),
        };
        if digits.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+' || c == '-') && !digits.contains("Inf") {
            out.push_str(sign);
            let fill = width.saturating_sub(s.chars().count());
            out.extend(std::iter::repeat_n('0', fill));
            out.push_str(digits);
            return;
        }
    }
    pad(out, s, fl);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    #[test]
    fn invalid_utf8_bytes_each_read_as_one_replacement() {
        // The first two bytes of 日 (E6 97 A5), cut: two U+FFFD, as Go's decoder reads them.
        assert_eq!(go_lossy(&[0xE6, 0x97]), "\u{FFFD}\u{FFFD}");
        assert_eq!(go_lossy(b"a\xffb"), "a\u{FFFD}b");
        assert_eq!(go_lossy("héllo".as_bytes()), "héllo");
    }

    #[test]
    fn floats_print_as_go_prints_them() {
        let cases = [
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (100000.0, "100000"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789.0, "1.23456789e+08"),
            (3.0, "3"),
            (-0.0, "-0"),
            (1.5, "1.5"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float(f, b'g', -1), want, "{f}");
        }
    }

    #[test]
    fn sprintf_matches_go() {
        let args = [Value::Float(1.5), Value::Float(1.5), Value::Int(2), Value::str("hi"), Value::Int(3)];
        assert_eq!(sprintf("%v|%d|%s|%x|%q", &args), "1.5|%!d(float64=1.5)|%!s(int=2)|6869|'\\x03'");
        assert_eq!(sprintf("%5.2f|%e|%g|%G|%E", &[
            Value::Float(3.14159), Value::Float(1e6), Value::Float(1e6), Value::Float(1e-7), Value::Float(12.5),
        ]), " 3.14|1.000000e+06|1e+06|1E-07|1.250000E+01");
        assert_eq!(sprintf("%d %s", &[Value::Int(1)]), "1 %!s(MISSING)");
        assert_eq!(sprintf("%d", &[Value::Int(1), Value::str("x")]), "1%!(EXTRA string=x)");
        assert_eq!(sprintf("%05d|%-4d|%+d|%x|%08.3f", &[
            Value::Int(-42), Value::Int(7), Value::Int(5), Value::Int(-255), Value::Float(3.14159),
        ]), "-0042|7   |+5|-ff|0003.142");
        assert_eq!(sprintf("%d", &[Value::Nil]), "%!d(<nil>)");
    }

    #[test]
    fn v_of_collections() {
        let m = Map::new();
        m.insert("b", Value::Float(1.0));
        m.insert("a", Value::list(vec![Value::Int(1), Value::str("x"), Value::Nil]));
        assert_eq!(Value::Map(m).go_format(), "map[a:[1 x <nil>] b:1]");
        assert_eq!(sprint(&[Value::Int(1), Value::Int(2), Value::str("a"), Value::Int(3)]), "1 2a3");
        assert_eq!(sprintln(&[Value::str("a"), Value::Int(1)]), "a 1\n");
    }
}
