//! `urlParse` and `urlJoin`: the parts of Go's net/url that Sprig exposes.

use super::{IntoValue, def, s};
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::{Map, Value, go_quote};

pub(super) fn register(m: &mut FuncMap) {
    def(m, "urlParse", Signature::fixed(&[P::String]), |a| {
        let u = parse(s(&a, 0)).map_err(|e| format!("unable to parse url: {e}"))?;
        let d = Map::new();
        d.insert("scheme", Value::from(u.scheme.clone()));
        d.insert("host", Value::from(u.host.clone()));
        d.insert("hostname", Value::from(hostname(&u.host)));
        d.insert("path", Value::from(u.path.clone()));
        d.insert("query", Value::from(u.raw_query.clone()));
        d.insert("opaque", Value::from(u.opaque.clone()));
        d.insert("fragment", Value::from(u.fragment.clone()));
        d.insert(
            "userinfo",
            Value::from(u.user.as_ref().map(user_string).unwrap_or_default()),
        );
        Ok(Value::Map(d))
    });
    def(m, "urlJoin", Signature::fixed(&[P::Map]), |a| {
        let d = a
            .first()
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        let get = |k: &str| -> Result<String, String> {
            match d.get(k) {
                None => Ok(String::new()),
                Some(Value::String(v)) => Ok(v.to_string()),
                Some(other) => Err(format!(
                    "unable to parse {k} key, must be of type string, but {} found",
                    if other.is_nil() {
                        "invalid"
                    } else {
                        other.kind_name()
                    }
                )),
            }
        };
        let mut u = Url {
            scheme: get("scheme")?,
            host: get("host")?,
            path: get("path")?,
            raw_query: get("query")?,
            opaque: get("opaque")?,
            fragment: get("fragment")?,
            ..Url::default()
        };
        let userinfo = get("userinfo")?;
        if !userinfo.is_empty() {
            let temp = parse(&format!("proto://{userinfo}@host"))
                .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
            u.user = temp.user;
        }
        Ok(to_string(&u).into_value())
    });
}

#[derive(Default, Debug)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_path: String,
    omit_host: bool,
    force_query: bool,
    raw_query: String,
    fragment: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => false,
            Mode::Host => true,
        },
        b'!' | b'(' | b')' | b'*' if mode == Mode::Fragment => false,
        _ => true,
    }
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Go's `unescape`; errors as net/url words them.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
                match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
                    (Some(h), Some(l)) => {
                        let v = (h * 16 + l) as u8;
                        // In hosts only non-ASCII bytes (and %25 in zones) may be escaped.
                        if mode == Mode::Host && v < 0x80 && &s[i..i + 3] != "%25" {
                            return Err(format!("invalid URL escape {}", go_quote(&s[i..i + 3])));
                        }
                        out.push(v);
                        i += 3;
                    }
                    _ => {
                        let end = (i + 3).min(b.len());
                        return Err(format!(
                            "invalid URL escape {}",
                            go_quote(&String::from_utf8_lossy(&b[i..end]))
                        ));
                    }
                }
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, Mode::Host) {
                    return Err(format!(
                        "invalid character {} in host name",
                        go_quote(&(c as char).to_string())
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `url.Parse`, with errors as `parse "URL": reason`.
fn parse(raw: &str) -> Result<Url, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = parse_no_frag(u).map_err(|e| format!("parse {}: {e}", go_quote(u)))?;
    if !frag.is_empty() {
        url.fragment =
            unescape(frag, Mode::Fragment).map_err(|e| format!("parse {}: {e}", go_quote(raw)))?;
    }
    Ok(url)
}

fn parse_no_frag(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.into();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.into();
            return Ok(url);
        }
        if rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let auth_rest = &rest[2..];
        let (authority, path) = match auth_rest.find('/') {
            Some(i) => auth_rest.split_at(i),
            None => (auth_rest, ""),
        };
        rest = path;
        let (user, host) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        url.host = parse_host(host)?;
        if let Some(ui) = user {
            if !ui
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c))
            {
                return Err("net/url: invalid userinfo".into());
            }
            url.user = Some(match ui.split_once(':') {
                None => (unescape(ui, Mode::UserPassword)?, None),
                Some((n, p)) => (
                    unescape(n, Mode::UserPassword)?,
                    Some(unescape(p, Mode::UserPassword)?),
                ),
            });
        }
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape(rest, Mode::Path)?;
    if escape(&url.path, Mode::Path) != rest {
        url.raw_path = rest.into();
    }
    Ok(url)
}

fn scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let port = &host[i + 1..];
        if !valid_port(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_port(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|c| c.is_ascii_digit()))
}

/// `URL.Hostname()`: the host without port or IPv6 brackets.
fn hostname(host: &str) -> String {
    let (h, _) = match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => host.split_at(i),
        _ => (host, ""),
    };
    h.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h)
        .into()
}

fn user_string((name, pass): &(String, Option<String>)) -> String {
    let mut s = escape(name, Mode::UserPassword);
    if let Some(p) = pass {
        s.push(':');
        s.push_str(&escape(p, Mode::UserPassword));
    }
    s
}

/// `URL.String()`.
fn to_string(u: &Url) -> String {
    let mut buf = String::new();
    if !u.scheme.is_empty() {
        buf.push_str(&u.scheme);
        buf.push(':');
    }
    if !u.opaque.is_empty() {
        buf.push_str(&u.opaque);
    } else {
        if (!u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some())
            && !(u.omit_host && u.host.is_empty() && u.user.is_none())
        {
            {
                if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(user) = &u.user {
                    buf.push_str(&user_string(user));
                    buf.push('@');
                }
                buf.push_str(&escape(&u.host, Mode::Host));
            }
        }
        let path = if u.raw_path.is_empty() {
            escape(&u.path, Mode::Path)
        } else {
            u.raw_path.clone()
        };
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            buf.push('/');
        }
        if buf.is_empty() && path.split('/').next().is_some_and(|seg| seg.contains(':')) {
            buf.push_str("./");
        }
        buf.push_str(&path);
    }
    if u.force_query || !u.raw_query.is_empty() {
        buf.push('?');
        buf.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        buf.push('#');
        buf.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    buf
}
