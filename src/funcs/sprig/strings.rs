//! Sprig's string functions: Go's `strings` package, goutils (byte-oriented, as in Go) and
//! xstrings case conversions.

use super::cast::{atoi, parse_int, strval, to_float64, to_int64};
use super::unicode::{
    is_letter, is_lower, is_number, is_punct, is_space, is_title, is_upper, to_lower, to_title,
    to_upper,
};
use super::{IntoValue, def, int, s};
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::{ElemType, List, Map, Value, go_quote};
use std::rc::Rc;

pub(super) fn register(m: &mut FuncMap, version: super::SprigVersion) {
    let str1 = Signature::fixed(&[P::String]);
    let str2 = Signature::fixed(&[P::String, P::String]);
    let int_str = Signature::fixed(&[P::Int, P::String]);
    def(m, "hello", Signature::fixed(&[]), |_| Ok("Hello!".into_value()));
    def(m, "trim", str1, |a| {
        Ok(s(&a, 0).trim_matches(is_space).into_value())
    });
    def(m, "upper", str1, |a| {
        Ok(super::unicode::str_to_upper(s(&a, 0)).into_value())
    });
    def(m, "lower", str1, |a| {
        Ok(super::unicode::str_to_lower(s(&a, 0)).into_value())
    });
    def(m, "title", str1, |a| Ok(title(s(&a, 0)).into_value()));
    def(m, "untitle", str1, |a| Ok(untitle(s(&a, 0)).into_value()));
    def(
        m,
        "substr",
        Signature::fixed(&[P::Int, P::Int, P::String]),
        |a| substr(int(&a, 0), int(&a, 1), s(&a, 2)).map(IntoValue::into_value),
    );
    def(m, "repeat", int_str, |a| {
        repeat(s(&a, 1), int(&a, 0)).map(IntoValue::into_value)
    });
    for name in ["trimall", "trimAll"] {
        def(m, name, str2, |a| {
            Ok(s(&a, 1).trim_matches(|c| s(&a, 0).contains(c)).into_value())
        });
    }
    def(m, "trimSuffix", str2, |a| {
        Ok(s(&a, 1)
            .strip_suffix(s(&a, 0))
            .unwrap_or(s(&a, 1))
            .into_value())
    });
    def(m, "trimPrefix", str2, |a| {
        Ok(s(&a, 1)
            .strip_prefix(s(&a, 0))
            .unwrap_or(s(&a, 1))
            .into_value())
    });
    def(m, "nospace", str1, |a| {
        Ok(delete_white_space(s(&a, 0)).into_value())
    });
    def(m, "initials", str1, |a| Ok(initials(s(&a, 0)).into_value()));
    def(
        m,
        "swapcase",
        str1,
        |a| Ok(swap_case(s(&a, 0)).into_value()),
    );
    def(m, "snakecase", str1, |a| {
        Ok(camel_to_lower(s(&a, 0), '_').into_value())
    });
    def(m, "kebabcase", str1, |a| {
        Ok(camel_to_lower(s(&a, 0), '-').into_value())
    });
    match version {
        super::SprigVersion::V3_2_3 => def(m, "camelcase", str1, |a| {
            Ok(to_camel_case(s(&a, 0)).into_value())
        }),
        // Sprig v3.3.0 maps `camelcase` to xstrings 1.5's `ToPascalCase`.
        super::SprigVersion::V3_3_0 => def(m, "camelcase", str1, |a| {
            Ok(to_pascal_case(s(&a, 0)).into_value())
        }),
    }
    def(m, "wrap", int_str, |a| {
        Ok(wrap_custom(s(&a, 1), int(&a, 0), "", false).into_value())
    });
    def(
        m,
        "wrapWith",
        Signature::fixed(&[P::Int, P::String, P::String]),
        |a| Ok(wrap_custom(s(&a, 2), int(&a, 0), s(&a, 1), true).into_value()),
    );
    def(m, "contains", str2, |a| {
        Ok(Value::Bool(s(&a, 1).contains(s(&a, 0))))
    });
    def(m, "hasPrefix", str2, |a| {
        Ok(Value::Bool(s(&a, 1).starts_with(s(&a, 0))))
    });
    def(m, "hasSuffix", str2, |a| {
        Ok(Value::Bool(s(&a, 1).ends_with(s(&a, 0))))
    });
    let any_rest = Signature::variadic(&[], P::Any);
    def(m, "quote", any_rest, |a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| go_quote(&strval(v)))
            .collect();
        Ok(parts.join(" ").into_value())
    });
    def(m, "squote", any_rest, |a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", v.go_format()))
            .collect();
        Ok(parts.join(" ").into_value())
    });
    def(m, "cat", any_rest, |a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(Value::go_format)
            .collect();
        Ok(parts.join(" ").into_value())
    });
    def(m, "indent", int_str, |a| {
        indent(int(&a, 0), s(&a, 1)).map(IntoValue::into_value)
    });
    def(m, "nindent", int_str, |a| {
        indent(int(&a, 0), s(&a, 1)).map(|t| format!("\n{t}").into_value())
    });
    def(
        m,
        "replace",
        Signature::fixed(&[P::String, P::String, P::String]),
        |a| Ok(s(&a, 2).replace(s(&a, 0), s(&a, 1)).into_value()),
    );
    def(
        m,
        "plural",
        Signature::fixed(&[P::String, P::String, P::Int]),
        |a| Ok(if int(&a, 2) == 1 { s(&a, 0) } else { s(&a, 1) }.into_value()),
    );
    let any1 = Signature::fixed(&[P::Any]);
    def(
        m,
        "toString",
        any1,
        |a| Ok(strval(&arg(&a, 0)).into_value()),
    );
    def(m, "toStrings", any1, |a| {
        Ok(Value::string_list(strslice(&arg(&a, 0))))
    });
    def(m, "atoi", str1, |a| Ok(Value::Int(atoi(s(&a, 0)))));
    def(m, "int64", any1, |a| {
        Ok(Value::Int64(to_int64(&arg(&a, 0))))
    });
    def(m, "int", any1, |a| Ok(Value::Int(to_int64(&arg(&a, 0)))));
    def(m, "float64", any1, |a| {
        Ok(Value::Float(to_float64(&arg(&a, 0))))
    });
    def(m, "toDecimal", any1, |a| {
        Ok(Value::Int64(
            parse_int(&arg(&a, 0).go_format(), 8).unwrap_or(0),
        ))
    });
    def(m, "seq", Signature::variadic(&[], P::Int), |a| {
        let p: Vec<i64> = (0..a.len()).map(|i| int(&a, i)).collect();
        Ok(seq(&p).into_value())
    });
    def(m, "split", str2, |a| {
        Ok(indexed_map(go_split(s(&a, 1), s(&a, 0), -1)))
    });
    def(
        m,
        "splitn",
        Signature::fixed(&[P::String, P::Int, P::String]),
        |a| Ok(indexed_map(go_split(s(&a, 2), s(&a, 0), int(&a, 1)))),
    );
    def(m, "splitList", str2, |a| {
        Ok(Value::string_list(go_split(s(&a, 1), s(&a, 0), -1)))
    });
    def(m, "until", Signature::fixed(&[P::Int]), |a| {
        let n = int(&a, 0);
        Ok(int_list(until_step(0, n, if n < 0 { -1 } else { 1 })))
    });
    def(
        m,
        "untilStep",
        Signature::fixed(&[P::Int, P::Int, P::Int]),
        |a| Ok(int_list(until_step(int(&a, 0), int(&a, 1), int(&a, 2)))),
    );
    def(m, "abbrev", int_str, |a| {
        let (w, text) = (int(&a, 0), s(&a, 1));
        Ok(if w < 4 {
            text.to_string()
        } else {
            abbreviate_full(text, 0, w).unwrap_or_default()
        }
        .into_value())
    });
    def(
        m,
        "abbrevboth",
        Signature::fixed(&[P::Int, P::Int, P::String]),
        |a| {
            let (left, right, text) = (int(&a, 0), int(&a, 1), s(&a, 2));
            if right < 4 || left > 0 && right < 7 {
                return Ok(text.into_value());
            }
            Ok(abbreviate_full(text, left, right)
                .unwrap_or_default()
                .into_value())
        },
    );
    def(m, "trunc", int_str, |a| {
        Ok(trunc(int(&a, 0), s(&a, 1)).into_value())
    });
    def(m, "join", Signature::fixed(&[P::String, P::Any]), |a| {
        Ok(strslice(&arg(&a, 1)).join(s(&a, 0)).into_value())
    });
    def(m, "sortAlpha", any1, |a| {
        let v = arg(&a, 0);
        let mut items = match v {
            Value::List(_) | Value::Bytes(_) => strslice(&v),
            other => vec![strval(&other)],
        };
        items.sort();
        Ok(Value::string_list(items))
    });
}

fn arg(a: &[Value], i: usize) -> Value {
    a.get(i).cloned().unwrap_or(Value::Nil)
}

/// A byte slice of a string as Go takes it; each byte of a cut UTF-8 sequence turns into U+FFFD
/// here where Go would keep the raw bytes.
fn bytes_str(b: &[u8]) -> String {
    crate::value::go_lossy(b)
}

fn oob(msg: String) -> String {
    format!("runtime error: slice bounds out of range {msg}")
}

/// Go's `s[lo:hi]` with its runtime panics as errors.
fn slice_bytes(s: &str, lo: i64, hi: i64) -> Result<String, String> {
    let len = s.len() as i64;
    if hi < 0 {
        return Err(oob(format!("[:{hi}]")));
    }
    if hi > len {
        return Err(oob(format!("[:{hi}] with length {len}")));
    }
    if lo < 0 {
        return Err(oob(format!("[{lo}:]")));
    }
    if lo > hi {
        return Err(oob(format!("[{lo}:{hi}]")));
    }
    Ok(bytes_str(&s.as_bytes()[lo as usize..hi as usize]))
}

fn substr(start: i64, end: i64, s: &str) -> Result<String, String> {
    let len = s.len() as i64;
    if start < 0 {
        return slice_bytes(s, 0, end);
    }
    if end < 0 || end > len {
        return slice_bytes(s, start, len);
    }
    slice_bytes(s, start, end)
}

fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    let b = s.as_bytes();
    if c < 0 && len + c > 0 {
        return bytes_str(&b[(len + c) as usize..]);
    }
    if c >= 0 && len > c {
        return bytes_str(&b[..c as usize]);
    }
    s.to_string()
}

/// `strings.Repeat` with its panics.
pub(super) fn repeat(s: &str, count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if count > 0 && (s.len() as u128) * (count as u128) > (1u128 << 40) {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(s.repeat(count as usize))
}

fn indent(spaces: i64, v: &str) -> Result<String, String> {
    let pad = repeat(" ", spaces)?;
    Ok(format!("{pad}{}", v.replace('\n', &format!("\n{pad}"))))
}

/// `strings.Title`: the first letter of each word in title case.
fn title(s: &str) -> String {
    let is_sep = |c: char| {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if is_letter(c) || c.is_numeric() {
            return false;
        }
        is_space(c)
    };
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_sep(prev) { to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// goutils `Uncapitalize`: the first letter of each whitespace-separated word lowercased.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `DeleteWhiteSpace`: byte by byte, each byte taken as a Latin-1 rune, so non-ASCII
/// text is re-encoded (as in Go) when any whitespace was removed.
fn delete_white_space(s: &str) -> String {
    let kept: Vec<char> = s
        .bytes()
        .map(char::from)
        .filter(|&c| !is_space(c))
        .collect();
    if kept.len() == s.len() {
        return s.to_string();
    }
    kept.into_iter().collect()
}

/// goutils `Initials`: byte-wise, like `DeleteWhiteSpace`.
fn initials(s: &str) -> String {
    let mut gap = true;
    let mut out = String::new();
    for c in s.bytes().map(char::from) {
        if is_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils `SwapCase`.
fn swap_case(s: &str) -> String {
    let mut whitespace = true;
    s.chars()
        .map(|c| {
            if is_upper(c) || is_title(c) {
                whitespace = false;
                to_lower(c)
            } else if is_lower(c) {
                if whitespace {
                    whitespace = false;
                    to_title(c)
                } else {
                    to_upper(c)
                }
            } else {
                whitespace = is_space(c);
                c
            }
        })
        .collect()
}

/// goutils `WrapCustom`, on bytes as Go does.
fn wrap_custom(s: &str, len: i64, newline: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline }.as_bytes();
    let wl = len.max(1) as usize;
    let b = s.as_bytes();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while b.len() - offset > wl {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = wl + offset + 1;
        match b[offset..end].iter().rposition(|&c| c == b' ') {
            Some(sp) => {
                out.extend_from_slice(&b[offset..offset + sp]);
                out.extend_from_slice(newline);
                offset += sp + 1;
            }
            None if long_words => {
                out.extend_from_slice(&b[offset..offset + wl]);
                out.extend_from_slice(newline);
                offset += wl;
            }
            None => {
                let end = wl + offset;
                match b[end..].iter().position(|&c| c == b' ') {
                    None => {
                        out.extend_from_slice(&b[offset..]);
                        offset = b.len();
                    }
                    Some(i) => {
                        out.extend_from_slice(&b[offset..end + i]);
                        out.extend_from_slice(newline);
                        offset = end + i + 1;
                    }
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    bytes_str(&out)
}

/// goutils `AbbreviateFull` (byte offsets); `None` stands for its errors, which Sprig turns
/// into "".
fn abbreviate_full(s: &str, offset: i64, max: i64) -> Option<String> {
    if s.is_empty() {
        return Some(String::new());
    }
    if max < 4 {
        return None;
    }
    let len = s.len() as i64;
    if len <= max {
        return Some(s.to_string());
    }
    let mut offset = offset.min(len);
    if len - offset < max - 3 {
        offset = len - (max - 3);
    }
    let b = s.as_bytes();
    if offset <= 4 {
        return Some(format!("{}...", bytes_str(&b[..(max - 3) as usize])));
    }
    if max < 7 {
        return None;
    }
    if offset + max - 3 < len {
        let rest = bytes_str(&b[offset as usize..]);
        return Some(format!("...{}", abbreviate_full(&rest, 0, max - 3)?));
    }
    Some(format!(
        "...{}",
        bytes_str(&b[(len - (max - 3)) as usize..])
    ))
}

/// `strings.SplitN(s, sep, n)`; `n < 0` splits everywhere.
pub(super) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<&str> = s
            .char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect();
        if n < 0 || chars.len() as i64 <= n {
            return chars.into_iter().map(String::from).collect();
        }
        let mut out: Vec<String> = chars[..(n - 1) as usize]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let used: usize = out.iter().map(String::len).sum();
        out.push(s[used..].to_string());
        return out;
    }
    if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(n as usize, sep).map(String::from).collect()
    }
}

/// `split`/`splitn` results: a `map[string]string` keyed `_0`, `_1`, ….
fn indexed_map(parts: Vec<String>) -> Value {
    let m = Map::with_elem(ElemType::String);
    for (i, p) in parts.into_iter().enumerate() {
        m.insert(format!("_{i}"), Value::from(p));
    }
    Value::Map(m)
}

/// Sprig's `strslice`: a list's non-nil elements as strings, or the single value.
pub(super) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.items.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Bytes(b) => b.iter().map(|x| x.to_string()).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

pub(super) fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    let mut i = start;
    if stop < start {
        if step >= 0 {
            return v;
        }
        while i > stop {
            v.push(i);
            i = i.wrapping_add(step);
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    while i < stop {
        v.push(i);
        i = match i.checked_add(step) {
            Some(n) => n,
            None => break,
        };
    }
    v
}

fn int_list(items: Vec<i64>) -> Value {
    Value::List(Rc::new(List {
        elem: ElemType::Int,
        items: items.into_iter().map(Value::Int).collect(),
    }))
}

fn seq(p: &[i64]) -> String {
    let (start, end, step) = match *p {
        [end] => (1, end, if end < 1 { -1 } else { 1 }),
        [start, end] => (start, end, if end < start { -1 } else { 1 }),
        [start, step, end] => {
            if end < start && step > 0 {
                return String::new();
            }
            (start, end, step)
        }
        _ => return String::new(),
    };
    let inc = if end < start { -1 } else { 1 };
    let items = until_step(start, end + inc, step);
    items
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || is_space(c)
}

/// xstrings `isAlphabet`: letters other than CJK ideographs.
fn is_alphabet(c: char) -> bool {
    if !is_letter(c) {
        return false;
    }
    let u = c as u32;
    !(matches!(u, 0x4E00..=0x9FCC | 0x3400..=0x4D85 | 0x20000..=0x2B81D))
}

const RUNE_ERROR: char = '\u{FFFD}';

/// xstrings `nextValidRune`: skips U+FFFD (what Go decodes invalid UTF-8 to).
fn next_valid_rune(s: &str, prev: char) -> (char, usize) {
    let mut size = 0;
    for c in s.chars() {
        size += c.len_utf8();
        if c != RUNE_ERROR {
            return (c, size);
        }
    }
    (prev, size)
}

/// xstrings `nextWord`: the type and text of the next word, and what remains.
fn next_word(s: &str) -> (Word, &str, &str) {
    if s.is_empty() {
        return (Word::Invalid, "", "");
    }
    let (mut r, mut size) = next_valid_rune(s, RUNE_ERROR);
    let mut offset = size;
    let mut rem = s;
    if r == RUNE_ERROR {
        return (Word::Invalid, &s[..offset], &s[offset..]);
    }
    // Extends the word while `keep` holds for the next rune.
    let run = |rem: &mut &str, offset: &mut usize, r: &mut char, keep: &dyn Fn(char) -> bool| {
        while !rem.is_empty() {
            let (nr, ns) = next_valid_rune(rem, *r);
            *r = nr;
            if !keep(nr) {
                break;
            }
            *offset += ns;
            *rem = &rem[ns..];
        }
    };
    let wt;
    if is_connector(r) {
        wt = Word::Connector;
        rem = &rem[size..];
        run(&mut rem, &mut offset, &mut r, &is_connector);
    } else if is_punct(r) {
        wt = Word::Punct;
        rem = &rem[size..];
        run(&mut rem, &mut offset, &mut r, &is_punct);
    } else if is_upper(r) {
        wt = Word::Upper;
        rem = &rem[size..];
        if !rem.is_empty() {
            (r, size) = next_valid_rune(rem, r);
            if is_upper(r) {
                let mut prev_size = size;
                offset += size;
                rem = &rem[size..];
                while !rem.is_empty() {
                    (r, size) = next_valid_rune(rem, r);
                    if !is_upper(r) {
                        break;
                    }
                    prev_size = size;
                    offset += size;
                    rem = &rem[size..];
                }
                if !rem.is_empty() && is_alphabet(r) {
                    offset -= prev_size;
                    rem = &s[offset..];
                }
            } else if is_alphabet(r) {
                offset += size;
                rem = &rem[size..];
                run(&mut rem, &mut offset, &mut r, &|c| {
                    is_alphabet(c) && !is_upper(c)
                });
            }
        }
    } else if is_alphabet(r) {
        wt = Word::Alphabet;
        rem = &rem[size..];
        run(&mut rem, &mut offset, &mut r, &|c| {
            is_alphabet(c) && !is_upper(c)
        });
    } else if is_number(r) {
        wt = Word::Number;
        rem = &rem[size..];
        run(&mut rem, &mut offset, &mut r, &is_number);
    } else {
        wt = Word::Other;
        rem = &rem[size..];
        run(&mut rem, &mut offset, &mut r, &|c| {
            !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c))
        });
    }
    (wt, &s[..offset], rem)
}

/// xstrings `toLower`: upper-case and connector words are rewritten, others copied.
fn push_lower(buf: &mut String, wt: Word, word: &str, connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        buf.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            buf.push(connector);
        } else if is_upper(c) {
            buf.push(to_lower(c));
        } else {
            buf.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase` (snakecase, kebabcase).
fn camel_to_lower(s: &str, connector: char) -> String {
    let mut buf = String::new();
    if s.is_empty() {
        return buf;
    }
    let (mut wt, mut word, mut rem) = next_word(s);
    while !rem.is_empty() {
        if wt != Word::Connector {
            push_lower(&mut buf, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, rem) = next_word(rem);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    push_lower(&mut buf, wt, word, connector);
                    (wt, word, rem) = next_word(rem);
                }
                if !matches!(wt, Word::Invalid | Word::Punct | Word::Connector) {
                    buf.push(connector);
                }
            }
            Word::Connector => push_lower(&mut buf, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                if rem.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, rem) = next_word(rem);
                if wt != Word::Alphabet {
                    push_lower(&mut buf, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                buf.push(connector);
                push_lower(&mut buf, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    push_lower(&mut buf, wt, word, connector);
                    (wt, word, rem) = next_word(rem);
                }
                if !matches!(wt, Word::Invalid | Word::Connector | Word::Punct) {
                    buf.push(connector);
                }
            }
        }
    }
    push_lower(&mut buf, wt, word, connector);
    buf
}

/// xstrings `ToCamelCase`.
fn to_camel_case(s: &str) -> String {
    let mut buf = String::new();
    let mut chars = s.chars().peekable();
    let mut r0 = '\0';
    let mut any = false;
    for c in chars.by_ref() {
        any = true;
        if !is_connector(c) {
            r0 = to_upper(c);
            break;
        }
        buf.push(c);
        r0 = c;
    }
    if chars.peek().is_none() {
        // Go writes the last rune read once more, even when the input was all connectors.
        if any {
            buf.push(r0);
        }
        return buf;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            buf.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = to_upper(r0);
        } else {
            r0 = to_lower(r0);
            buf.push(r1);
        }
    }
    buf.push(r0);
    buf
}

/// xstrings 1.5 `ToPascalCase`: words start upper case; a word that starts upper case has its
/// following capitals lowered only while they run on (`XMLHttp` → `XmlHttp`).
fn to_pascal_case(s: &str) -> String {
    let mut buf = String::new();
    let mut chars = s.chars().peekable();
    let mut first_upper = false;
    let mut r0 = '\0';
    let mut any = false;
    for c in chars.by_ref() {
        any = true;
        r0 = c;
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = to_upper(c);
            break;
        }
        buf.push(c);
    }
    if chars.peek().is_none() {
        if any {
            buf.push(r0);
        }
        return buf;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            buf.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            buf.push(r1);
        }
    }
    buf.push(r0);
    buf
}
