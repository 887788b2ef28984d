//! Sprig's regex functions with Go's RE2 semantics on the `regex` crate.
//!
//! Patterns are translated first: Go's `\d \w \s \b` (and negations) are ASCII-only, `\Q…\E`
//! quotes, `[` inside a class and a `{` that opens no repetition are literals. Go's error
//! messages are reproduced for the common syntax errors. Match iteration, replacement and split
//! follow Go's loops (an empty match right after a match is skipped) and `$name` expansion.
//! Known differences: a few exotic escapes (octal) are not checked; unusual errors carry the
//! `regex` crate's text after Go's prefix.

use regex::Regex;

use super::{IntoValue, def, int, s};
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::{Value, go_quote};

pub(super) fn register(m: &mut FuncMap) {
    let ss = Signature::fixed(&[P::String, P::String]);
    let ssi = Signature::fixed(&[P::String, P::String, P::Int]);
    let sss = Signature::fixed(&[P::String, P::String, P::String]);
    def(m, "regexMatch", ss, |a| {
        Ok(Value::Bool(
            compile(s(&a, 0)).is_ok_and(|re| re.is_match(s(&a, 1))),
        ))
    });
    def(m, "mustRegexMatch", ss, |a| {
        Ok(Value::Bool(compile(s(&a, 0))?.is_match(s(&a, 1))))
    });
    for (name, must) in [("regexFindAll", false), ("mustRegexFindAll", true)] {
        def(m, name, ssi, move |a| {
            let re = compile_for(s(&a, 0), must)?;
            let found = find_all(&re, s(&a, 1), int(&a, 2))
                .into_iter()
                .map(|(b, e)| s(&a, 1)[b..e].to_string());
            Ok(Value::string_list(found))
        });
    }
    for (name, must) in [("regexFind", false), ("mustRegexFind", true)] {
        def(m, name, ss, move |a| {
            let re = compile_for(s(&a, 0), must)?;
            Ok(re.find(s(&a, 1)).map_or("", |m| m.as_str()).into_value())
        });
    }
    for (name, must, literal) in [
        ("regexReplaceAll", false, false),
        ("mustRegexReplaceAll", true, false),
        ("regexReplaceAllLiteral", false, true),
        ("mustRegexReplaceAllLiteral", true, true),
    ] {
        def(m, name, sss, move |a| {
            let re = compile_for(s(&a, 0), must)?;
            Ok(replace_all(&re, s(&a, 1), s(&a, 2), literal).into_value())
        });
    }
    for (name, must) in [("regexSplit", false), ("mustRegexSplit", true)] {
        def(m, name, ssi, move |a| {
            let re = compile_for(s(&a, 0), must)?;
            Ok(Value::string_list(split(
                &re,
                s(&a, 0),
                s(&a, 1),
                int(&a, 2),
            )))
        });
    }
    def(m, "regexQuoteMeta", Signature::fixed(&[P::String]), |a| {
        Ok(quote_meta(s(&a, 0)).into_value())
    });
}

/// `regexp.Compile` for the `must` variants; `regexp.MustCompile`'s panic text otherwise.
fn compile_for(expr: &str, must: bool) -> Result<Regex, String> {
    compile(expr).map_err(|e| {
        if must {
            e
        } else {
            format!("regexp: Compile({}): {e}", backquote(expr))
        }
    })
}

/// `regexp`'s `quote`: backquoted when `strconv.CanBackquote`, else Go-quoted.
fn backquote(s: &str) -> String {
    if s.chars()
        .all(|c| c == '\t' || !(c.is_control() || c == '`' || c == '\u{FEFF}'))
    {
        format!("`{s}`")
    } else {
        go_quote(s)
    }
}

fn go_err(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{expr}`")
}

/// `regexp.Compile`: Go's syntax checks, then the translated pattern.
pub(super) fn compile(expr: &str) -> Result<Regex, String> {
    let translated = translate(expr)?;
    Regex::new(&translated).map_err(|e| {
        let msg = e.to_string();
        let last = msg
            .lines()
            .rev()
            .find(|l| l.starts_with("error:"))
            .unwrap_or("invalid pattern");
        format!(
            "error parsing regexp: {}: `{expr}`",
            last.trim_start_matches("error: ")
        )
    })
}

/// Translates Go RE2 syntax to the `regex` crate's, reporting Go's errors for bad syntax.
fn translate(expr: &str) -> Result<String, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len() + 8);
    let mut i = 0;
    let mut depth = 0usize;
    // Whether the previous item can take a repetition operator, and whether it already is one.
    let mut can_repeat = false;
    let mut repeated = false;
    let mut rep_start = 0usize;
    let mut names: Vec<String> = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err(go_err("trailing backslash at end of expression", ""));
                };
                if e == 'Q' {
                    let rest: String = chars[i + 2..].iter().collect();
                    let (lit, after) = match rest.find("\\E") {
                        Some(p) => (rest[..p].to_string(), p + 2),
                        None => (rest.clone(), rest.len()),
                    };
                    out.push_str(&format!("(?:{})", regex::escape(&lit)));
                    i += 2 + rest[..after].chars().count();
                    can_repeat = !lit.is_empty();
                    repeated = false;
                    continue;
                }
                let (text, consumed) = escape(&chars, i, false, expr)?;
                out.push_str(&text);
                i += consumed;
                can_repeat = !matches!(e, 'b' | 'B' | 'A' | 'z');
                repeated = false;
                continue;
            }
            '[' => {
                let (text, consumed) = class(&chars, i, expr)?;
                out.push_str(&text);
                i += consumed;
                can_repeat = true;
                repeated = false;
                continue;
            }
            '(' => {
                depth += 1;
                if chars.get(i + 1) == Some(&'?') {
                    // Flags or a named group: copy up to ':' / ')' / '>' verbatim.
                    let mut j = i + 2;
                    let named = matches!(chars.get(j), Some('P') | Some('<'));
                    while j < chars.len()
                        && !matches!(chars[j], ')' | ':')
                        && !(named && chars[j] == '>')
                    {
                        j += 1;
                    }
                    let end = (j + 1).min(chars.len());
                    let group: String = chars[i..end].iter().collect();
                    if chars.get(j) == Some(&')') {
                        depth -= 1; // A bare flag setting `(?i)` closes itself.
                    }
                    if !named {
                        let flag_ok =
                            |f: &char| matches!(f, 'i' | 'm' | 's' | 'U' | '-' | ':' | ')');
                        if let Some(bad) = chars[i + 2..end].iter().position(|f| !flag_ok(f)) {
                            // Go shows the group up to the offending character.
                            let shown: String = chars[i..i + 3 + bad].iter().collect();
                            return Err(go_err("invalid or unsupported Perl syntax", &shown));
                        }
                    }
                    if named && group.ends_with('>') {
                        // Go allows a name twice (`${n}` is the first); the regex crate does not.
                        let name = group.trim_start_matches("(?P<").trim_start_matches("(?<").trim_end_matches('>');
                        if names.iter().any(|n| n == name) {
                            out.push('(');
                            i = end;
                            can_repeat = false;
                            repeated = false;
                            continue;
                        }
                        names.push(name.to_string());
                    }
                    out.push_str(&group);
                    i = end;
                    can_repeat = false;
                    repeated = false;
                    continue;
                }
                out.push('(');
                can_repeat = false;
            }
            ')' => {
                if depth == 0 {
                    return Err(go_err("unexpected )", expr));
                }
                depth -= 1;
                out.push(')');
                can_repeat = true;
                repeated = false;
                i += 1;
                continue;
            }
            '|' => {
                out.push('|');
                can_repeat = false;
            }
            '*' | '+' | '?' | '{' => {
                let len = if c == '{' {
                    repeat_len(&chars, i)
                } else {
                    Some(1)
                };
                let Some(mut len) = len else {
                    // Not a repetition: a literal brace.
                    out.push_str("\\{");
                    can_repeat = true;
                    repeated = false;
                    i += 1;
                    continue;
                };
                if chars.get(i + len) == Some(&'?') {
                    len += 1;
                }
                let op: String = chars[i..i + len].iter().collect();
                if c == '{' {
                    // Go refuses counts over 1000 and a maximum below the minimum.
                    let inner = op.trim_start_matches('{').trim_end_matches('?').trim_end_matches('}');
                    let (lo, hi) = match inner.split_once(',') {
                        Some((lo, hi)) => (lo, if hi.is_empty() { None } else { Some(hi) }),
                        None => (inner, Some(inner)),
                    };
                    let num = |t: &str| t.parse::<u64>().unwrap_or(u64::MAX);
                    let (lo, hi) = (num(lo), hi.map(num));
                    if lo > 1000 || hi.is_some_and(|h| h > 1000 || h < lo) {
                        let shown = op.trim_end_matches('?');
                        return Err(go_err("invalid repeat count", shown));
                    }
                }
                if repeated {
                    let shown: String = chars[rep_start..i + len].iter().collect();
                    return Err(go_err("invalid nested repetition operator", &shown));
                }
                if !can_repeat {
                    return Err(go_err("missing argument to repetition operator", &op));
                }
                out.push_str(&op);
                repeated = true;
                rep_start = i;
                i += len;
                continue;
            }
            '}' => {
                out.push_str("\\}");
                can_repeat = true;
                repeated = false;
                i += 1;
                continue;
            }
            '^' | '$' => {
                out.push(c);
                can_repeat = false;
                repeated = false;
                i += 1;
                continue;
            }
            _ => {
                out.push(c);
                can_repeat = true;
            }
        }
        repeated = false;
        i += 1;
    }
    if depth > 0 {
        return Err(go_err("missing closing )", expr));
    }
    Ok(out)
}

/// The length of a `{n}`, `{n,}` or `{n,m}` repetition at `i`, if it is one.
fn repeat_len(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let start = *j;
        while chars.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
        *j > start
    };
    if !digits(&mut j) {
        return None;
    }
    if chars.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    (chars.get(j) == Some(&'}')).then_some(j + 1 - i)
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = "\\t\\n\\x0C\\r ";

/// A backslash escape at `i`: its translation and how many chars it used.
fn escape(chars: &[char], i: usize, in_class: bool, expr: &str) -> Result<(String, usize), String> {
    let e = chars[i + 1];
    let perl = |set: &str, neg: bool| match (in_class, neg) {
        (true, false) => set.to_string(),
        (_, true) => format!("[^{set}]"),
        (false, false) => format!("[{set}]"),
    };
    let text = match e {
        'd' => perl(DIGIT, false),
        'D' => perl(DIGIT, true),
        'w' => perl(WORD, false),
        'W' => perl(WORD, true),
        's' => perl(SPACE, false),
        'S' => perl(SPACE, true),
        'b' | 'B' | 'A' | 'z' if !in_class => {
            if matches!(e, 'b' | 'B') {
                format!("(?-u:\\{e})")
            } else {
                format!("\\{e}")
            }
        }
        'a' | 'f' | 't' | 'n' | 'r' | 'v' => format!("\\{e}"),
        'p' | 'P' => {
            // `\pL` or `\p{Greek}`: copied as is.
            let mut j = i + 2;
            if chars.get(j) == Some(&'{') {
                while j < chars.len() && chars[j] != '}' {
                    j += 1;
                }
            }
            let end = (j + 1).min(chars.len());
            let text: String = chars[i..end].iter().collect();
            if Regex::new(&text).is_err() {
                return Err(go_err("invalid character class range", &text));
            }
            return Ok((text, end - i));
        }
        'x' => {
            let mut j = i + 2;
            if chars.get(j) == Some(&'{') {
                while j < chars.len() && chars[j] != '}' {
                    j += 1;
                }
                j += 1;
            } else {
                j += 2;
            }
            let end = j.min(chars.len());
            return Ok((chars[i..end].iter().collect(), end - i));
        }
        c if c.is_ascii_punctuation() => format!("\\{c}"),
        _ => {
            let shown: String = chars[i..i + 2].iter().collect();
            let _ = expr;
            return Err(go_err("invalid escape sequence", &shown));
        }
    };
    Ok((text, 2))
}

/// A character class at `i`: `[` and set operators that the `regex` crate reads specially are
/// escaped, Perl classes inside it translated.
fn class(chars: &[char], i: usize, expr: &str) -> Result<(String, usize), String> {
    let mut out = String::from("[");
    let mut j = i + 1;
    if chars.get(j) == Some(&'^') {
        out.push('^');
        j += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = chars.get(j) else {
            let shown: String = chars[i..].iter().collect();
            return Err(go_err("missing closing ]", &shown));
        };
        match c {
            ']' if !first => {
                out.push(']');
                return Ok((out, j + 1 - i));
            }
            '[' if chars.get(j + 1) == Some(&':') => {
                // A POSIX class `[:alpha:]`, the same in both syntaxes.
                let rest: String = chars[j..].iter().collect();
                match rest.find(":]") {
                    Some(p) => {
                        let name = rest[2..p].trim_start_matches('^');
                        if !POSIX_CLASSES.contains(&name) {
                            return Err(go_err("invalid character class range", &rest[..p + 2]));
                        }
                        out.push_str(&rest[..p + 2]);
                        j += rest[..p + 2].chars().count();
                    }
                    None => {
                        out.push_str("\\[");
                        j += 1;
                    }
                }
            }
            '\\' => {
                if j + 1 >= chars.len() {
                    return Err(go_err("trailing backslash at end of expression", ""));
                }
                let (text, used) = escape(chars, j, true, expr)?;
                out.push_str(&text);
                j += used;
            }
            '[' | '&' | '~' | ']' => {
                out.push('\\');
                out.push(c);
                j += 1;
            }
            '-' if chars.get(j + 1) == Some(&'-') => {
                out.push_str("\\-");
                j += 1;
            }
            _ => {
                // A literal range `a-z` must not run backwards.
                if chars.get(j + 1) == Some(&'-') {
                    if let Some(&hi) = chars.get(j + 2) {
                        if hi != ']' && hi != '\\' && hi < c {
                            let shown: String = chars[j..j + 3].iter().collect();
                            return Err(go_err("invalid character class range", &shown));
                        }
                    }
                }
                out.push(c);
                j += 1;
            }
        }
        first = false;
    }
}

/// The POSIX class names Go accepts in `[[:name:]]`.
const POSIX_CLASSES: &[&str] =
    &["alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"];

/// Go's `allMatches` loop: successive matches, an empty match right after a match skipped,
/// at most `n` of them (all when `n < 0`).
fn find_all(re: &Regex, text: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut pos = 0;
    let mut prev_end: Option<usize> = None;
    while out.len() < limit && pos <= text.len() {
        let Some(m) = re.find_at(text, pos) else {
            break;
        };
        let mut accept = true;
        if m.end() == m.start() {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += text[pos..].chars().next().map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `ReplaceAllString` / `ReplaceAllLiteralString`.
fn replace_all(re: &Regex, src: &str, repl: &str, literal: bool) -> String {
    let mut out = String::with_capacity(src.len());
    let mut last_end = 0;
    let mut search = 0;
    while search <= src.len() {
        let Some(caps) = re.captures_at(src, search) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        out.push_str(&src[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            if literal {
                out.push_str(repl);
            } else {
                expand(re, &caps, repl, &mut out);
            }
        }
        last_end = m.end();
        let width = src[search..].chars().next().map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    out.push_str(&src[last_end.min(src.len())..]);
    out
}

/// Go's `Regexp.expand`: `$1`, `$name`, `${name}`, `$$`; an unknown group expands to "".
fn expand(re: &Regex, caps: &regex::Captures<'_>, template: &str, out: &mut String) {
    let mut t = template;
    while let Some(p) = t.find('$') {
        out.push_str(&t[..p]);
        t = &t[p + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            out.push('$');
            t = rest;
            continue;
        }
        let Some((name, rest)) = extract(t) else {
            out.push('$');
            continue;
        };
        t = rest;
        let num = (name.bytes().all(|b| b.is_ascii_digit())
            && !(name.starts_with('0') && name.len() > 1))
            .then(|| name.parse::<usize>().ok())
            .flatten();
        let group = match num {
            Some(n) => caps.get(n),
            None => re
                .capture_names()
                .enumerate()
                .filter(|(_, n)| *n == Some(name))
                .find_map(|(i, _)| caps.get(i)),
        };
        if let Some(g) = group {
            out.push_str(g.as_str());
        }
    }
    out.push_str(t);
}

/// Go's `extract`: a group name (letters, digits, `_`), optionally in braces.
fn extract(s: &str) -> Option<(&str, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let end = body
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if end == 0 {
        return None;
    }
    let name = &body[..end];
    if brace {
        return body[end..].strip_prefix('}').map(|rest| (name, rest));
    }
    Some((name, &body[end..]))
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, expr: &str, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !expr.is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = find_all(re, s, n);
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (ms, me) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = me;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::compile;

    fn err(expr: &str) -> String {
        compile(expr).unwrap_err()
    }

    #[test]
    fn go_syntax_errors() {
        assert_eq!(err("[z-a]"), "error parsing regexp: invalid character class range: `z-a`");
        assert_eq!(err("[[:foo:]]"), "error parsing regexp: invalid character class range: `[:foo:]`");
        assert_eq!(err("\\pX"), "error parsing regexp: invalid character class range: `\\pX`");
        assert_eq!(err("x{1001}"), "error parsing regexp: invalid repeat count: `{1001}`");
        assert_eq!(err("x{2,1}"), "error parsing regexp: invalid repeat count: `{2,1}`");
        assert!(compile("x{1000}").is_ok());
        assert!(compile("[[:alpha:][:^digit:]]").is_ok());
    }

    #[test]
    fn a_repeated_group_name_refers_to_the_first() {
        let re = compile("(?P<n>a)(?P<n>b)").unwrap();
        assert!(re.is_match("ab"));
        assert_eq!(re.captures("ab").unwrap().name("n").unwrap().as_str(), "a");
    }
}
