//! Random values: `randAlphaNum`, `randAlpha`, `randNumeric`, `randAscii` (goutils' crypto
//! generators), `randBytes`, `randInt` (math/rand), `uuidv4`, `shuffle` (xstrings).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::RngCore;
use rand::seq::SliceRandom;

use super::str_arg;
use crate::gotmpl::{Func, FuncMap, Param, Signature};
use crate::value::Value;

/// `count` characters drawn uniformly from `alphabet` with the OS generator (goutils draws
/// from a range and rejects what is outside the class, which is uniform over the class too).
/// Negative counts give "" because Sprig discards goutils' error.
fn random_string(count: i64, alphabet: &[u8]) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..count.max(0)).map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())])).collect()
}

const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ALPHANUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const NUMERIC: &[u8] = b"0123456789";

fn ascii() -> Vec<u8> {
    (b' '..=b'~').collect()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        _ => 0,
    }
}

pub(super) fn register(map: &mut FuncMap) {
    let count = Signature::fixed(&[Param::Int]);
    map.insert("randAlphaNum", Func::pure(count, |a| Ok(Value::str(random_string(int(&a[0]), ALPHANUM)))));
    map.insert("randAlpha", Func::pure(count, |a| Ok(Value::str(random_string(int(&a[0]), ALPHA)))));
    map.insert("randNumeric", Func::pure(count, |a| Ok(Value::str(random_string(int(&a[0]), NUMERIC)))));
    map.insert("randAscii", Func::pure(count, |a| Ok(Value::str(random_string(int(&a[0]), &ascii())))));
    map.insert(
        "randBytes",
        Func::pure(count, |a| {
            let n = usize::try_from(int(&a[0])).map_err(|_| "runtime error: makeslice: len out of range".to_string())?;
            let mut buf = vec![0u8; n];
            rand::rngs::OsRng.fill_bytes(&mut buf);
            Ok(Value::str(STANDARD.encode(buf)))
        }),
    );
    map.insert(
        "randInt",
        Func::pure(Signature::fixed(&[Param::Int, Param::Int]), |a| {
            let (min, max) = (int(&a[0]), int(&a[1]));
            // rand.Intn(max-min) panics unless the span is positive.
            match max.checked_sub(min) {
                Some(span) if span > 0 => Ok(Value::Int(min + rand::thread_rng().gen_range(0..span))),
                _ => Err("invalid argument to Intn".into()),
            }
        }),
    );
    map.insert(
        "uuidv4",
        Func::pure(Signature::fixed(&[]), |_| Ok(Value::str(uuid::Uuid::new_v4().hyphenated().to_string()))),
    );
    map.insert(
        "shuffle",
        Func::pure(Signature::fixed(&[Param::String]), |a| {
            let mut runes: Vec<char> = str_arg(&a, 0).chars().collect();
            runes.shuffle(&mut rand::thread_rng());
            Ok(Value::str(runes.into_iter().collect::<String>()))
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, helm3, text};
    use super::*;

    #[test]
    fn shapes() {
        let map = helm3();
        let s = |name: &str, n: i64| text(call(&map, name, vec![Value::Int(n)]));
        let an = s("randAlphaNum", 64);
        assert_eq!(an.len(), 64);
        assert!(an.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(s("randAlpha", 40).bytes().all(|b| b.is_ascii_alphabetic()));
        assert!(s("randNumeric", 40).bytes().all(|b| b.is_ascii_digit()));
        assert!(s("randAscii", 40).bytes().all(|b| (b' '..=b'~').contains(&b)));
        assert_eq!(s("randAlpha", 0), "");
        assert_eq!(s("randAlpha", -3), "");
        let bytes = s("randBytes", 24);
        assert_eq!(STANDARD.decode(&bytes).map(|b| b.len()), Ok(24));
        let n = call(&map, "randInt", vec![Value::Int(5), Value::Int(8)]).unwrap();
        assert!(matches!(n, Value::Int(5..=7)), "{n:?}");
        assert_eq!(text(call(&map, "randInt", vec![Value::Int(5), Value::Int(5)])), "error: invalid argument to Intn");
        let u = text(call(&map, "uuidv4", vec![]));
        assert_eq!(uuid::Uuid::parse_str(&u).map(|u| u.get_version_num()), Ok(4));
        assert_eq!(u.len(), 36);
        let mut sh: Vec<char> = text(call(&map, "shuffle", vec![Value::str("héllo")])).chars().collect();
        sh.sort_unstable();
        let mut want: Vec<char> = "héllo".chars().collect();
        want.sort_unstable();
        assert_eq!(sh, want);
    }
}
