//! Digests, password hashing and Sprig's symmetric encryption: `sha1sum`, `sha256sum`,
//! `sha512sum` (helm 4), `adler32sum`, `bcrypt`, `htpasswd`, `derivePassword`, `encryptAES`,
//! `decryptAES`.

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::{Flavor, int_arg, str_arg};
use crate::gotmpl::{Func, FuncMap, Param, Signature};
use crate::value::Value;

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// golang.org/x/crypto/bcrypt at `DefaultCost` (10), printed with Go's `$2a$` prefix.
pub(super) fn bcrypt_hash(input: &str) -> String {
    // x/crypto refuses what the C implementation would silently truncate.
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes".into();
    }
    match bcrypt::hash_with_result(input, 10) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv", "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno",
            "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno", "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno",
            "CvccnoCvcvCvcc", "CvccCvcvnoCvcc", "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// The Master Password algorithm (v3): scrypt(password, seed‖len(user)‖user), then
/// HMAC-SHA256(seed‖len(site)‖site‖counter) picks a template and its characters.
pub(super) fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|p| scrypt::scrypt(password.as_bytes(), &salt, &p, &mut key).map_err(|e| e.to_string()));
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut message = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    message.extend_from_slice(&(site.len() as u32).to_be_bytes());
    message.extend_from_slice(site.as_bytes());
    message.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return "failed to derive password: bad key".into();
    };
    mac.update(&message);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c);
            // Seeds are 32 bytes and templates at most 20 characters long.
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}

/// Sprig's key: the password's bytes, zero-padded or cut to 32 (AES-256).
fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// AES-256-CBC with PKCS#7 padding and a random IV in front, base64 (std) encoded.
pub(super) fn encrypt_aes(password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = vec![0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut out);
    let mut enc = Aes256CbcEnc::new(&aes_key(password).into(), out[..16].into());
    for block in content.chunks_exact_mut(16) {
        enc.encrypt_block_mut(block.into());
    }
    out.extend_from_slice(&content);
    STANDARD.encode(out)
}

/// The inverse, failing where Go's version panics (the template engine turns those panics into
/// errors) and trusting the last byte as the pad length as Sprig does.
pub(super) fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let crypt = STANDARD.decode(crypt64).map_err(|e| go_base64_error(crypt64, &e))?;
    if crypt.len() < 16 {
        return Err(format!("runtime error: slice bounds out of range [:16] with capacity {}", crypt.len()));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let mut plain = body.to_vec();
    let mut dec = Aes256CbcDec::new(&aes_key(password).into(), iv.into());
    for block in plain.chunks_exact_mut(16) {
        dec.decrypt_block_mut(block.into());
    }
    let Some(&last) = plain.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let keep = plain.len().checked_sub(usize::from(last)).ok_or_else(|| {
        format!("runtime error: slice bounds out of range [:{}]", plain.len() as i64 - i64::from(last))
    })?;
    plain.truncate(keep);
    // Go's string(bytes) keeps invalid UTF-8; ours must be valid text.
    Ok(String::from_utf8_lossy(&plain).into_owned())
}

/// Go's `base64.CorruptInputError` text: "illegal base64 data at input byte N".
fn go_base64_error(input: &str, e: &base64::DecodeError) -> String {
    let at = match e {
        base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _) => *at,
        _ => input.trim_end_matches('=').len().min(input.len().saturating_sub(1)),
    };
    format!("illegal base64 data at input byte {at}")
}

pub(super) fn register(map: &mut FuncMap, flavor: Flavor) {
    let one_string = Signature::fixed(&[Param::String]);
    map.insert("sha1sum", Func::pure(one_string, |a| Ok(Value::str(hex(&Sha1::digest(str_arg(&a, 0)))))));
    map.insert("sha256sum", Func::pure(one_string, |a| Ok(Value::str(hex(&Sha256::digest(str_arg(&a, 0)))))));
    if flavor == Flavor::Helm4 {
        map.insert("sha512sum", Func::pure(one_string, |a| Ok(Value::str(hex(&Sha512::digest(str_arg(&a, 0)))))));
    }
    map.insert(
        "adler32sum",
        Func::pure(one_string, |a| {
            let mut h = adler2::Adler32::new();
            h.write_slice(str_arg(&a, 0).as_bytes());
            Ok(Value::str(h.checksum().to_string()))
        }),
    );
    map.insert("bcrypt", Func::pure(one_string, |a| Ok(Value::str(bcrypt_hash(str_arg(&a, 0))))));
    map.insert(
        "htpasswd",
        Func::pure(Signature::fixed(&[Param::String, Param::String]), |a| {
            let user = str_arg(&a, 0);
            if user.contains(':') {
                return Ok(Value::str(format!("invalid username: {user}")));
            }
            Ok(Value::str(format!("{user}:{}", bcrypt_hash(str_arg(&a, 1)))))
        }),
    );
    map.insert(
        "derivePassword",
        Func::pure(
            Signature::fixed(&[Param::Uint32, Param::String, Param::String, Param::String, Param::String]),
            |a| {
                // The executor converts only unsigned literals, truncated to 32 bits.
                let counter = int_arg(&a[0], "uint32")? as u32;
                Ok(Value::str(derive_password(counter, str_arg(&a, 1), str_arg(&a, 2), str_arg(&a, 3), str_arg(&a, 4))))
            },
        ),
    );
    let two_strings = Signature::fixed(&[Param::String, Param::String]);
    map.insert("encryptAES", Func::pure(two_strings, |a| Ok(Value::str(encrypt_aes(str_arg(&a, 0), str_arg(&a, 1))))));
    map.insert("decryptAES", Func::pure(two_strings, |a| decrypt_aes(str_arg(&a, 0), str_arg(&a, 1)).map(Value::str)));
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, text};
    use super::*;
    use serde_json::Value as Json;

    /// Deterministic cases recorded from sprig (v3.3.0 for sha512sum) by oracle/crypto.go.txt.
    #[test]
    fn matches_go_crypto() {
        let path = format!("{}/testdata/funcs/sprig_crypto/crypto.json", env!("CARGO_MANIFEST_DIR"));
        let cases: Vec<Json> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut map = FuncMap::new();
        register(&mut map, Flavor::Helm4);
        for case in &cases {
            let name = case["func"].as_str().unwrap();
            let args: Vec<Value> = case["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| match a {
                    Json::Number(n) => Value::Int(n.as_i64().unwrap()),
                    other => Value::str(other.as_str().unwrap()),
                })
                .collect();
            assert_eq!(text(call(&map, name, args)), case["out"].as_str().unwrap(), "{name} {}", case["args"]);
        }
        assert!(cases.len() >= 40);
    }

    #[test]
    fn bcrypt_is_go_shaped_and_verifies() {
        let h = bcrypt_hash("secret");
        assert!(h.starts_with("$2a$10$") && h.len() == 60, "{h}");
        assert!(bcrypt::verify("secret", &h).unwrap());
        let mut map = FuncMap::new();
        register(&mut map, Flavor::Helm3);
        let line = text(call(&map, "htpasswd", vec![Value::str("admin"), Value::str("pw")]));
        assert!(line.starts_with("admin:$2a$10$"), "{line}");
        assert_eq!(text(call(&map, "htpasswd", vec![Value::str("a:b"), Value::str("pw")])), "invalid username: a:b");
    }

    #[test]
    fn aes_round_trips() {
        let c = encrypt_aes("key", "hello world, sixteen+ bytes");
        assert_eq!(decrypt_aes("key", &c), Ok("hello world, sixteen+ bytes".into()));
        assert_eq!(encrypt_aes("key", ""), "");
        assert!(decrypt_aes("key", "AAAA").unwrap_err().contains("slice bounds out of range"));
    }
}
