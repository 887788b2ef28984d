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
    /// `%#v` (Go syntax) and `%+v`: the `#`/`+` flags moved aside for `v`.
    sharp_v: bool,
    plus_v: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's `fmt.Sprintf` (`pp.doPrintf`): flags, `[n]` argument indexes, `*` width and precision,
/// and the `%!verb(...)` texts for bad verbs, missing, extra and bad-index operands.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let bytes = format.as_bytes();
    let end = bytes.len();
    let mut i = 0;
    let mut argn = 0usize;
    let mut reordered = false;
    'format: while i < end {
        let mut good_arg = true;
        let start = i;
        while i < end && bytes[i] != b'%' {
            i += 1;
        }
        out.push_str(&format[start..i]);
        if i >= end {
            break;
        }
        i += 1; // '%'
        let mut fl = Flags::default();
        while i < end {
            match bytes[i] {
                b'#' => fl.sharp = true,
                b'0' => fl.zero = !fl.minus,
                b'+' => fl.plus = true,
                b'-' => {
                    fl.minus = true;
                    fl.zero = false;
                }
                b' ' => fl.space = true,
                c => {
                    if c.is_ascii_lowercase() && argn < args.len() {
                        if c == b'v' {
                            fl.sharp_v = fl.sharp;
                            fl.sharp = false;
                            fl.plus_v = fl.plus;
                            fl.plus = false;
                        }
                        print_arg(&mut out, &args[argn], c as char, fl);
                        argn += 1;
                        i += 1;
                        continue 'format;
                    }
                    break;
                }
            }
            i += 1;
        }
        // An explicit argument index, then the width.
        let mut after_index;
        (argn, i, after_index) = arg_number(argn, format, i, args.len(), &mut good_arg, &mut reordered);
        if i < end && bytes[i] == b'*' {
            i += 1;
            let (n, ok, next) = int_from_arg(args, argn);
            argn = next;
            if !ok {
                out.push_str("%!(BADWIDTH)");
                fl.width = None;
            } else if n < 0 {
                fl.width = Some(n.unsigned_abs() as usize);
                fl.minus = true;
                fl.zero = false;
            } else {
                fl.width = Some(n as usize);
            }
            after_index = false;
        } else {
            let (n, next) = parse_num(bytes, i);
            fl.width = n;
            i = next;
            if after_index && n.is_some() {
                good_arg = false;
            }
        }
        if i + 1 < end && bytes[i] == b'.' {
            i += 1;
            if after_index {
                good_arg = false;
            }
            (argn, i, after_index) = arg_number(argn, format, i, args.len(), &mut good_arg, &mut reordered);
            if i < end && bytes[i] == b'*' {
                i += 1;
                let (n, ok, next) = int_from_arg(args, argn);
                argn = next;
                if ok && n >= 0 {
                    fl.prec = Some(n as usize);
                } else {
                    fl.prec = None;
                    out.push_str("%!(BADPREC)");
                }
                after_index = false;
            } else {
                let (n, next) = parse_num(bytes, i);
                fl.prec = Some(n.unwrap_or(0));
                i = next;
            }
        }
        if !after_index {
            (argn, i, _) = arg_number(argn, format, i, args.len(), &mut good_arg, &mut reordered);
        }
        let Some(verb) = format.get(i..).and_then(|r| r.chars().next()) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();
        if verb == '%' {
            out.push('%');
        } else if !good_arg {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if argn >= args.len() {
            out.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                fl.sharp_v = fl.sharp;
                fl.sharp = false;
                fl.plus_v = fl.plus;
                fl.plus = false;
            }
            print_arg(&mut out, &args[argn], verb, fl);
            argn += 1;
        }
    }
    if !reordered && argn < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, arg) in args[argn..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            if arg.is_nil() {
                out.push_str("<nil>");
            } else {
                out.push_str(&arg.type_name());
                out.push('=');
                print_arg(&mut out, arg, 'v', Flags::default());
            }
        }
        out.push(')');
    }
    out
}

/// Go's `argNumber`: an `[n]` index at `i`, if any.
fn arg_number(
    argn: usize,
    format: &str,
    i: usize,
    num_args: usize,
    good: &mut bool,
    reordered: &mut bool,
) -> (usize, usize, bool) {
    let b = format.as_bytes();
    if i >= b.len() || b[i] != b'[' {
        return (argn, i, false);
    }
    *reordered = true;
    let rest = &b[i..];
    let (index, width, ok) = 'parse: {
        if rest.len() < 3 {
            break 'parse (0i64, 1, false);
        }
        for j in 1..rest.len() {
            if rest[j] == b']' {
                let (n, next) = parse_num(rest, 1);
                match n {
                    Some(n) if next == j => break 'parse (n as i64 - 1, j + 1, true),
                    _ => break 'parse (0, j + 1, false),
                }
            }
        }
        (0, 1, false)
    };
    if ok && index >= 0 && (index as usize) < num_args {
        return (index as usize, i + width, true);
    }
    *good = false;
    (argn, i + width, ok)
}

/// Go's `intFromArg`: an int operand for `*`.
fn int_from_arg(args: &[Value], argn: usize) -> (i64, bool, usize) {
    match args.get(argn) {
        Some(Value::Int(n) | Value::Int64(n)) if n.unsigned_abs() <= 1_000_000 => (*n, true, argn + 1),
        Some(_) => (0, false, argn + 1),
        None => (0, false, argn),
    }
}

fn parse_num(bytes: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        if n > 1_000_000 {
            return (None, bytes.len());
        }
        n = n * 10 + usize::from(bytes[i] - b'0');
        i += 1;
    }
    if i == start {
        return (None, i);
    }
    (Some(n), i)
}

/// `%!verb(type=value)`: what Go prints for a verb that does not fit the operand; the operand
/// is printed with `%v` and the same flags.
fn bad_verb(out: &mut String, verb: char, arg: &Value, fl: Flags) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    match arg {
        Value::Nil => out.push_str("<nil>"),
        _ => {
            out.push_str(&arg.type_name());
            out.push('=');
            print_value(out, arg, 'v', fl, 0);
        }
    }
    out.push(')');
}

/// Go's `pp.printArg`.
fn print_arg(out: &mut String, arg: &Value, verb: char, fl: Flags) {
    match (verb, arg) {
        ('T' | 'v', Value::Nil) => pad(out, "<nil>", fl),
        (_, Value::Nil) => bad_verb(out, verb, arg, fl),
        ('T', _) => fmt_s(out, &arg.type_name(), fl),
        _ => print_value(out, arg, verb, fl, 0),
    }
}

/// Go's `pp.printValue` for the kinds templates hold.
fn print_value(out: &mut String, arg: &Value, verb: char, fl: Flags, depth: usize) {
    match arg {
        Value::Nil => {
            if fl.sharp_v {
                out.push_str("interface {}(nil)");
            } else {
                out.push_str("<nil>");
            }
        }
        Value::Bool(b) => match verb {
            't' | 'v' => pad(out, if *b { "true" } else { "false" }, fl),
            _ => bad_verb(out, verb, arg, fl),
        },
        Value::Int(n) | Value::Int64(n) => fmt_integer_verb(out, *n, verb, fl, arg),
        Value::Float(f) => match verb {
            'v' => fmt_float(out, *f, 'g', None, fl),
            'b' | 'g' | 'G' | 'x' | 'X' => fmt_float(out, *f, verb, None, fl),
            'f' | 'e' | 'E' | 'F' => fmt_float(out, *f, verb, Some(6), fl),
            _ => bad_verb(out, verb, arg, fl),
        },
        Value::String(s) => match verb {
            'v' if fl.sharp_v => fmt_q(out, s, fl),
            'v' | 's' => fmt_s(out, s, fl),
            'x' | 'X' => fmt_sx(out, s.as_bytes(), verb == 'X', fl),
            'q' => fmt_q(out, s, fl),
            _ => bad_verb(out, verb, arg, fl),
        },
        Value::Bytes(b) => match verb {
            'v' | 'd' if fl.sharp_v => {
                out.push_str("[]byte{");
                for (k, byte) in b.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&format!("0x{byte:x}"));
                }
                out.push('}');
            }
            'v' | 'd' => {
                out.push('[');
                for (k, byte) in b.iter().enumerate() {
                    if k > 0 {
                        out.push(' ');
                    }
                    fmt_integer(out, u64::from(*byte), false, 10, verb, fl);
                }
                out.push(']');
            }
            's' => fmt_s(out, &String::from_utf8_lossy(b), fl),
            'x' | 'X' => fmt_sx(out, b, verb == 'X', fl),
            'q' => fmt_q(out, &String::from_utf8_lossy(b), fl),
            _ => {
                out.push('[');
                for (k, byte) in b.iter().enumerate() {
                    if k > 0 {
                        out.push(' ');
                    }
                    fmt_integer_verb(out, i64::from(*byte), verb, fl, &Value::Int(i64::from(*byte)));
                }
                out.push(']');
            }
        },
        Value::List(l) => {
            if fl.sharp_v {
                out.push_str(&arg.type_name());
                out.push('{');
                for (k, item) in l.items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    print_value(out, item, verb, fl, depth + 1);
                }
                out.push('}');
                return;
            }
            out.push('[');
            for (k, item) in l.items.iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                print_value(out, item, verb, fl, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            if fl.sharp_v {
                out.push_str(&arg.type_name());
                out.push('{');
                for (k, (key, item)) in m.entries().iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    print_value(out, &Value::str(key.as_str()), verb, fl, depth + 1);
                    out.push(':');
                    print_value(out, item, verb, fl, depth + 1);
                }
                out.push('}');
                return;
            }
            out.push_str("map[");
            for (k, (key, item)) in m.entries().iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                print_value(out, &Value::str(key.as_str()), verb, fl, depth + 1);
                out.push(':');
                print_value(out, item, verb, fl, depth + 1);
            }
            out.push(']');
        }
        Value::Object(o) if o.struct_fields().is_some() && !fl.sharp_v => {
            // Go formats a struct field by field with the same verb; `%+v` names the fields.
            let fields = o.struct_fields().unwrap_or_default();
            // A pointer to a struct prints as `&{…}` at the top; nested, Go prints its address,
            // which no output can depend on.
            if depth == 0 && o.kind_name() == "ptr" {
                out.push('&');
            }
            out.push('{');
            for (k, (name, item)) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                if fl.plus_v {
                    out.push_str(name);
                    out.push(':');
                }
                print_value(out, item, verb, fl, depth + 1);
            }
            out.push('}');
        }
        Value::Object(o) => match o.underlying() {
            Some(u) if !fl.sharp_v => print_value(out, &u, verb, fl, depth),
            _ => match verb {
                'v' | 's' => fmt_s(out, &o.go_format(), fl),
                'q' => fmt_q(out, &o.go_format(), fl),
                _ => bad_verb(out, verb, arg, fl),
            },
        },
    }
}

fn fmt_integer_verb(out: &mut String, n: i64, verb: char, fl: Flags, arg: &Value) {
    let u = n as u64;
    match verb {
        'v' | 'd' => fmt_integer(out, u, true, 10, verb, fl),
        'b' => fmt_integer(out, u, true, 2, verb, fl),
        'o' | 'O' => fmt_integer(out, u, true, 8, verb, fl),
        'x' | 'X' => fmt_integer(out, u, true, 16, verb, fl),
        'c' => pad(out, &char::from_u32(n as u32).filter(|_| (0..=0x10FFFF).contains(&n)).unwrap_or('\u{FFFD}').to_string(), fl),
        'q' => {
            let c = char::from_u32(n as u32).filter(|_| (0..=0x10FFFF).contains(&n)).unwrap_or('\u{FFFD}');
            pad(out, &go_quote_with(&c.to_string(), '\'', fl.plus), fl);
        }
        'U' => {
            let mut s = format!("U+{:04X}", u);
            if fl.sharp {
                if let Some(c) = char::from_u32(n as u32).filter(|c| is_go_printable(*c)) {
                    s.push_str(&format!(" '{c}'"));
                }
            }
            pad(out, &s, fl);
        }
        _ => bad_verb(out, verb, arg, fl),
    }
}

/// Go's `fmt.fmtInteger`.
fn fmt_integer(out: &mut String, u: u64, signed: bool, base: u32, verb: char, fl: Flags) {
    let negative = signed && (u as i64) < 0;
    let mag = if negative { (u as i64).unsigned_abs() } else { u };
    let mut prec = 0usize;
    if let Some(p) = fl.prec {
        prec = p;
        if p == 0 && mag == 0 {
            let w = fl.width.unwrap_or(0);
            out.extend(std::iter::repeat_n(' ', w));
            return;
        }
    } else if fl.zero && fl.width.is_some() {
        prec = fl.width.unwrap_or(0);
        if negative || fl.plus || fl.space {
            prec = prec.saturating_sub(1);
        }
    }
    let mut digits = match base {
        2 => format!("{mag:b}"),
        8 => format!("{mag:o}"),
        16 if verb == 'X' => format!("{mag:X}"),
        16 => format!("{mag:x}"),
        _ => mag.to_string(),
    };
    while digits.len() < prec {
        digits.insert(0, '0');
    }
    let mut prefix = String::new();
    if fl.sharp {
        match base {
            2 => prefix.push_str("0b"),
            8 if !digits.starts_with('0') => prefix.push('0'),
            16 => prefix.push_str(if verb == 'X' { "0X" } else { "0x" }),
            _ => {}
        }
    }
    if verb == 'O' {
        prefix.insert_str(0, "0o");
    }
    let sign = if negative {
        "-"
    } else if fl.plus {
        "+"
    } else if fl.space {
        " "
    } else {
        ""
    };
    let mut nfl = fl;
    nfl.zero = false;
    pad(out, &format!("{sign}{prefix}{digits}"), nfl);
}

/// Go's `fmt.fmtFloat`.
fn fmt_float(out: &mut String, v: f64, verb: char, default_prec: Option<usize>, fl: Flags) {
    let prec: i32 = fl.prec.or(default_prec).map_or(-1, |p| p as i32);
    let mut num = match verb {
        'b' => float_b(v),
        'x' | 'X' => float_x(v, prec, verb == 'X'),
        'F' => format_float(v, b'f', prec),
        _ => format_float(v, verb as u8, prec),
    };
    if !num.starts_with(['-', '+']) {
        num.insert(0, '+');
    }
    if fl.space && num.starts_with('+') && !fl.plus {
        num.replace_range(0..1, " ");
    }
    let second = num.as_bytes().get(1).copied();
    if second == Some(b'I') || second == Some(b'N') {
        if second == Some(b'N') && !fl.space && !fl.plus {
            num.remove(0);
        }
        let mut nfl = fl;
        nfl.zero = false;
        pad(out, &num, nfl);
        return;
    }
    if fl.sharp && verb != 'b' {
        let mut digits: i32 = 0;
        if matches!(verb, 'v' | 'g' | 'G' | 'x') {
            digits = if prec == -1 { 6 } else { prec };
        }
        let bytes = num.as_bytes().to_vec();
        let mut body_end = bytes.len();
        let mut has_point = false;
        let mut saw_nonzero = false;
        for (k, &c) in bytes.iter().enumerate().skip(1) {
            match c {
                b'.' => has_point = true,
                b'p' | b'P' => {
                    body_end = k;
                    break;
                }
                b'e' | b'E' if verb != 'x' && verb != 'X' => {
                    body_end = k;
                    break;
                }
                _ => {
                    if c != b'0' {
                        saw_nonzero = true;
                    }
                    if saw_nonzero {
                        digits -= 1;
                    }
                }
            }
        }
        let mut body = num[..body_end].to_string();
        let tail = num[body_end..].to_string();
        if !has_point {
            if body.len() == 2 && body.as_bytes()[1] == b'0' {
                digits -= 1;
            }
            body.push('.');
        }
        while digits > 0 {
            body.push('0');
            digits -= 1;
        }
        num = body + &tail;
    }
    if fl.plus || !num.starts_with('+') {
        if fl.zero && !fl.minus && fl.width.is_some_and(|w| w > num.chars().count()) {
            let w = fl.width.unwrap_or(0);
            out.push_str(&num[..1]);
            out.extend(std::iter::repeat_n('0', w - num.chars().count()));
            out.push_str(&num[1..]);
            return;
        }
        pad(out, &num, fl);
        return;
    }
    pad(out, &num[1..], fl);
}

/// strconv's `'b'` format: `mantissa p exponent` of the binary representation.
fn float_b(v: f64) -> String {
    let bits = v.to_bits();
    let neg = bits >> 63 != 0;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    let e = if exp == 0 { -1074 } else {
        mant |= 1u64 << 52;
        exp - 1075
    };
    format!("{}{}p{}{}", if neg { "-" } else { "" }, mant, if e >= 0 { "+" } else { "-" }, e.abs())
}

/// strconv's `'x'` format (`-0x1.8p+01`), shortest when `prec` is -1.
fn float_x(v: f64, prec: i32, upper: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-Inf".into() } else { "+Inf".into() };
    }
    let bits = v.to_bits();
    let neg = bits >> 63 != 0;
    let exp_bits = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    let mut exp: i64;
    if exp_bits == 0 {
        if mant == 0 {
            exp = 0;
        } else {
            exp = -1022;
            while mant & (1u64 << 52) == 0 {
                mant <<= 1;
                exp -= 1;
            }
            mant &= (1u64 << 52) - 1;
        }
    } else {
        exp = exp_bits - 1023;
    }
    let lead = if exp_bits == 0 && mant == 0 { 0 } else { 1 };
    // 52 fraction bits = 13 hex digits.
    let mut frac = format!("{mant:013x}");
    if prec < 0 {
        while frac.ends_with('0') {
            frac.pop();
        }
    } else {
        let p = prec as usize;
        if p < 13 {
            // Round half to even on the dropped digits.
            let full = (u128::from(lead) << 52) | u128::from(mant);
            let shift = 4 * (13 - p) as u32;
            let mut kept = full >> shift;
            let rem = full & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            if rem > half || (rem == half && kept & 1 == 1) {
                kept += 1;
            }
            let mut lead2 = (kept >> (4 * p)) as u64;
            let mut fr = kept & ((1u128 << (4 * p)) - 1);
            if lead2 >= 2 {
                lead2 >>= 1;
                fr >>= 1;
                exp += 1;
            }
            frac = if p == 0 { String::new() } else { format!("{:0width$x}", fr, width = p) };
            let s = format_hex(neg, lead2, &frac, exp, upper);
            return s;
        }
        while frac.len() < p {
            frac.push('0');
        }
    }
    format_hex(neg, lead, &frac, exp, upper)
}

fn format_hex(neg: bool, lead: u64, frac: &str, exp: i64, upper: bool) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    s.push_str("0x");
    s.push_str(&lead.to_string());
    if !frac.is_empty() {
        s.push('.');
        s.push_str(frac);
    }
    s.push('p');
    s.push(if exp >= 0 { '+' } else { '-' });
    s.push_str(&format!("{:02}", exp.abs()));
    if upper { s.to_uppercase() } else { s }
}

fn truncate(s: &str, fl: Flags) -> &str {
    match fl.prec {
        Some(p) => s.char_indices().nth(p).map_or(s, |(at, _)| &s[..at]),
        None => s,
    }
}

fn fmt_s(out: &mut String, s: &str, fl: Flags) {
    pad(out, truncate(s, fl), fl);
}

fn fmt_q(out: &mut String, s: &str, fl: Flags) {
    let s = truncate(s, fl);
    let text = if fl.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || (!c.is_control() && c != '\u{FEFF}')) {
        format!("`{s}`")
    } else {
        go_quote_with(s, '"', fl.plus)
    };
    pad(out, &text, fl);
}

/// Go's `fmtSbx`: hex of bytes, `% x` spaced, `%#x` prefixed; precision limits the bytes.
fn fmt_sx(out: &mut String, b: &[u8], upper: bool, fl: Flags) {
    let b = match fl.prec {
        Some(p) if p < b.len() => &b[..p],
        _ => b,
    };
    if b.is_empty() {
        let w = fl.width.unwrap_or(0);
        out.extend(std::iter::repeat_n(' ', w));
        return;
    }
    pad(out, &hex_bytes(b, upper, fl), fl);
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

/// Go's `fmt.pad`: to the width in runes, with spaces or (flag `0`) zeros.
fn pad(out: &mut String, s: &str, fl: Flags) {
    let len = s.chars().count();
    let fill = fl.width.unwrap_or(0).saturating_sub(len);
    let fill_char = if fl.zero { '0' } else { ' ' };
    if fl.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(fill_char, fill));
        out.push_str(s);
    }
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
