//! Sprig's reflection, path, encoding and flow-control functions.

use super::{IntoValue, arg, def, s};
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::Value;

pub(super) fn register(m: &mut FuncMap) {
    let any1 = Signature::fixed(&[P::Any]);
    let str_any = Signature::fixed(&[P::String, P::Any]);
    let str1 = Signature::fixed(&[P::String]);
    def(m, "typeOf", any1, |a| {
        Ok(arg(&a, 0).type_name().into_value())
    });
    def(m, "kindOf", any1, |a| {
        Ok(arg(&a, 0).kind_name().into_value())
    });
    def(m, "typeIs", str_any, |a| {
        Ok(Value::Bool(s(&a, 0) == arg(&a, 1).type_name()))
    });
    def(m, "typeIsLike", str_any, |a| {
        let t = arg(&a, 1).type_name();
        Ok(Value::Bool(s(&a, 0) == t || format!("*{}", s(&a, 0)) == t))
    });
    def(m, "kindIs", str_any, |a| {
        Ok(Value::Bool(s(&a, 0) == arg(&a, 1).kind_name()))
    });
    def(m, "deepEqual", Signature::fixed(&[P::Any, P::Any]), |a| {
        Ok(Value::Bool(deep_equal(&arg(&a, 0), &arg(&a, 1))))
    });

    // Go's `path` and, on Unix, `path/filepath`, which behave the same.
    for (name, os) in [
        ("base", "osBase"),
        ("dir", "osDir"),
        ("clean", "osClean"),
        ("ext", "osExt"),
    ] {
        let f = match name {
            "base" => base,
            "dir" => dir,
            "clean" => clean,
            _ => ext,
        };
        def(m, name, str1, move |a| Ok(f(s(&a, 0)).into_value()));
        def(m, os, str1, move |a| Ok(f(s(&a, 0)).into_value()));
    }
    for name in ["isAbs", "osIsAbs"] {
        def(m, name, str1, |a| {
            Ok(Value::Bool(s(&a, 0).starts_with('/')))
        });
    }

    def(m, "b64enc", str1, |a| {
        Ok(b64_encode(s(&a, 0).as_bytes()).into_value())
    });
    def(m, "b64dec", str1, |a| {
        Ok(match b64_decode(s(&a, 0)) {
            Ok(b) => crate::value::go_lossy(&b),
            Err(at) => format!("illegal base64 data at input byte {at}"),
        }
        .into_value())
    });
    def(m, "b32enc", str1, |a| {
        Ok(b32_encode(s(&a, 0).as_bytes()).into_value())
    });
    def(m, "b32dec", str1, |a| {
        Ok(match b32_decode(s(&a, 0)) {
            Ok(b) => crate::value::go_lossy(&b),
            Err(at) => format!("illegal base32 data at input byte {at}"),
        }
        .into_value())
    });

    def(m, "fail", str1, |a| Err(s(&a, 0).to_string()));
    // Rendering does no network IO: helm's DNS lookup has no place in a reproducible render.
    def(m, "getHostByName", str1, |_| {
        Err("getHostByName is not supported: deployer renders without network access".into())
    });
}

/// Go's `path.Clean`.
pub(super) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let b = p.as_bytes();
    let rooted = b[0] == b'/';
    let n = b.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if b[r] == b'/' || b[r] == b'.' && (r + 1 == n || b[r + 1] == b'/') {
            r += 1;
        } else if b[r] == b'.' && b.get(r + 1) == Some(&b'.') && (r + 2 == n || b[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                out.pop();
                while out.len() > dotdot && out.last() != Some(&b'/') {
                    out.pop();
                }
                // Go's lazybuf rewinds its write index; the byte at it is dropped too.
                if out.len() > dotdot {
                    out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if rooted && out.len() != 1 || !rooted && !out.is_empty() {
                out.push(b'/');
            }
            while r < n && b[r] != b'/' {
                out.push(b[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let p = p.trim_end_matches('/');
    let p = p.rfind('/').map_or(p, |i| &p[i + 1..]);
    if p.is_empty() { "/".into() } else { p.into() }
}

fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

fn ext(p: &str) -> String {
    for (i, c) in p.bytes().enumerate().rev() {
        if c == b'/' {
            break;
        }
        if c == b'.' {
            return p[i..].into();
        }
    }
    String::new()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base64.StdEncoding.DecodeString` (non-strict): `\r`/`\n` skipped anywhere, padding
/// required; the error is the input offset Go reports.
fn b64_decode(s: &str) -> Result<Vec<u8>, usize> {
    let src = s.as_bytes();
    let lookup = |c: u8| B64.iter().position(|&x| x == c).map(|v| v as u32);
    let mut out = Vec::new();
    let mut si = 0usize;
    loop {
        let mut dbuf = [0u32; 4];
        let mut dlen = 4;
        let mut j = 0usize;
        let mut end = false;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = lookup(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                return Err(si);
            }
            dlen = j;
            end = true;
            break;
        }
        let v = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if end {
            return Ok(out);
        }
    }
}

fn b32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut n: u64 = 0;
        for (i, &b) in chunk.iter().enumerate() {
            n |= u64::from(b) << (32 - 8 * i);
        }
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(B32[(n >> (35 - 5 * i) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base32.StdEncoding.DecodeString`: newlines stripped first, offsets in what remains.
fn b32_decode(s: &str) -> Result<Vec<u8>, usize> {
    let src: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    let olen = src.len();
    let lookup = |c: u8| B32.iter().position(|&x| x == c).map(|v| v as u64);
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut end = false;
    while pos < olen && !end {
        let mut dbuf = [0u64; 8];
        let mut dlen = 8;
        let mut j = 0usize;
        while j < 8 {
            let left = olen - pos;
            if left == 0 {
                return Err(olen - j);
            }
            let c = src[pos];
            pos += 1;
            let left = olen - pos;
            if c == b'=' && j >= 2 && left < 8 {
                if left + j < 7 {
                    return Err(olen);
                }
                for k in 0..7 - j {
                    if left > k && src[pos + k] != b'=' {
                        return Err(pos + k - 1);
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(pos - 1);
                }
                break;
            }
            match lookup(c) {
                Some(v) => dbuf[j] = v,
                None => return Err(pos - 1),
            }
            j += 1;
        }
        let v = dbuf.iter().fold(0u64, |acc, &d| acc << 5 | d);
        let n = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            _ => 1,
        };
        for k in 0..n {
            out.push((v >> (32 - 8 * k)) as u8);
        }
    }
    Ok(out)
}

/// `reflect.DeepEqual`: structural, types included; objects (a `time.Time`, a `*semver.Version`)
/// are equal when they are the same Go type and print the same.
fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.elem == y.elem && x.items.len() == y.items.len() && x.items.iter().zip(&y.items).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.ptr_eq(y)
                || (x.elem() == y.elem()
                    && x.type_name() == y.type_name()
                    && x.len() == y.len()
                    && x.entries().iter().all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, &w))))
        }
        (Value::Object(x), Value::Object(y)) => {
            std::rc::Rc::ptr_eq(x, y) || (x.type_name() == y.type_name() && x.go_format() == y.go_format())
        }
        _ => a == b,
    }
}
