//! Keys and certificates: `genPrivateKey`, `buildCustomCert`, `genCA`, `genCAWithKey`,
//! `genSelfSignedCert(WithKey)`, `genSignedCert(WithKey)`.
//!
//! Certificates are assembled in DER here, field by field as Go's `x509.CreateCertificate`
//! lays out Sprig's template: v3, 128-bit random serial, CN-only subject, validity from now
//! for `days`×24h, critical KeyUsage (digitalSignature|keyEncipherment, plus certSign for a
//! CA), ExtKeyUsage serverAuth+clientAuth, critical BasicConstraints, a SHA-1 subject key id
//! for CAs, the issuer's key id on signed certificates, DNS-then-IP SANs.

use std::net::IpAddr;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use rand::rngs::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use sha1::{Digest, Sha1};
use x509_cert::der::{Decode, Encode};

use super::str_arg;
use crate::gotmpl::{Func, FuncMap, Param, Signature};
use crate::value::{Object, Value};

/// A private key of one of the kinds Sprig handles.
enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p256::SecretKey),
    Ed25519(ed25519_dalek::SigningKey),
    /// DSA keys can be generated and parsed, but Go cannot certify or sign with them.
    Dsa,
}

// --- DER building blocks -------------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let skip = len.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (len.len() - skip) as u8);
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes.
fn uint(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(bytes.len().saturating_sub(1));
    let mut body = bytes[skip..].to_vec();
    if body.is_empty() {
        body.push(0);
    }
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

fn bit_string(unused: u8, bytes: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[unused][..], bytes].concat())
}

const OID_CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x25];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0e];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x23];
const OID_SAN: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x11];
const OID_SERVER_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const OID_CLIENT_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const OID_SHA256_RSA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const NULL: &[u8] = &[0x05, 0x00];

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let crit: &[u8] = if critical { &[0x01, 0x01, 0xff] } else { &[] };
    seq(&[oid, crit, &tlv(0x04, value)])
}

/// Go's asn1 string choice: PrintableString when every byte allows it, else UTF8String.
fn directory_string(s: &str) -> Vec<u8> {
    let printable = s.bytes().all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?*".contains(&b));
    tlv(if printable { 0x13 } else { 0x0c }, s.as_bytes())
}

/// A `pkix.Name` with only a common name; empty when the CN is empty.
fn name_cn(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    seq(&[&tlv(0x31, &seq(&[OID_CN, &directory_string(cn)]))])
}

/// UTCTime for 1950–2049, else GeneralizedTime, as Go marshals validity.
fn der_time(unix: i64) -> Vec<u8> {
    let t = super::gotime::GoTime::from_unix(unix, 0).in_location(super::gotime::Location::utc());
    let year: i64 = t.format("2006").parse().unwrap_or(0);
    if (1950..2050).contains(&year) {
        tlv(0x17, t.format("060102150405Z").as_bytes())
    } else {
        tlv(0x18, t.format("20060102150405Z").as_bytes())
    }
}

fn pem(kind: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// Go's `pem.Decode`: the first `-----BEGIN X-----` … `-----END X-----` block (headers skipped).
fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let kind_end = rest.find("-----")?;
    let kind = &rest[..kind_end];
    let body = &rest[kind_end + 5..];
    let end = body.find(&format!("-----END {kind}-----"))?;
    let b64: String = body[..end]
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    STANDARD.decode(b64).ok().map(|der| (kind.to_string(), der))
}

// --- keys ----------------------------------------------------------------------------------

impl Key {
    /// Sprig's `pemBlockForKey`.
    fn to_pem(&self) -> Result<String, String> {
        match self {
            Key::Rsa(k) => {
                let der = k.to_pkcs1_der().map_err(|e| e.to_string())?;
                Ok(pem("RSA PRIVATE KEY", der.as_bytes()))
            }
            Key::Ec(k) => {
                let der = k.to_sec1_der().map_err(|e| e.to_string())?;
                Ok(pem("EC PRIVATE KEY", &der))
            }
            // Go writes PKCS#8 v1: the seed only, no public key.
            Key::Ed25519(k) => {
                let der = seq(&[&[0x02, 0x01, 0x00], &seq(&[OID_ED25519]), &tlv(0x04, &tlv(0x04, k.as_bytes()))]);
                Ok(pem("PRIVATE KEY", &der))
            }
            Key::Dsa => Err("DSA keys are only generated by genPrivateKey".into()),
        }
    }

    /// `SubjectPublicKeyInfo` DER, as Go's `marshalPublicKey` writes it.
    fn spki(&self) -> Result<Vec<u8>, String> {
        let der = match self {
            Key::Rsa(k) => k.to_public_key().to_public_key_der(),
            Key::Ec(k) => k.public_key().to_public_key_der(),
            Key::Ed25519(k) => k.verifying_key().to_public_key_der(),
            Key::Dsa => return Err("x509: unsupported public key type: *dsa.PublicKey".into()),
        };
        der.map(|d| d.as_bytes().to_vec()).map_err(|e| e.to_string())
    }

    /// The signature AlgorithmIdentifier and the signature of `tbs`.
    fn sign(&self, tbs: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
        match self {
            Key::Rsa(k) => {
                let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                let sig = signer.try_sign(tbs).map_err(|e| format!("x509: {e}"))?;
                Ok((seq(&[OID_SHA256_RSA, NULL]), sig.to_vec()))
            }
            Key::Ec(k) => {
                let signer = p256::ecdsa::SigningKey::from(k);
                let sig: p256::ecdsa::Signature = signer.try_sign(tbs).map_err(|e| format!("x509: {e}"))?;
                Ok((seq(&[OID_ECDSA_SHA256]), sig.to_der().as_bytes().to_vec()))
            }
            Key::Ed25519(k) => Ok((seq(&[OID_ED25519]), k.sign(tbs).to_bytes().to_vec())),
            Key::Dsa => Err("x509: certificate private key does not implement crypto.Signer".into()),
        }
    }
}

fn generate_rsa(bits: usize) -> Result<Key, String> {
    rsa::RsaPrivateKey::new(&mut OsRng, bits).map(|k| Key::Rsa(Box::new(k))).map_err(|e| e.to_string())
}

/// `genPrivateKey`: failures and unknown types are returned as text, as Sprig does.
fn generate_private_key(kind: &str) -> String {
    let key = match kind {
        "" | "rsa" => generate_rsa(4096),
        "ecdsa" => Ok(Key::Ec(p256::SecretKey::random(&mut OsRng))),
        "ed25519" => Ok(Key::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng))),
        "dsa" => return generate_dsa_pem(),
        _ => return format!("Unknown type {kind}"),
    };
    match key.and_then(|k| k.to_pem()) {
        Ok(pem) => pem,
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

/// DSA L2048N256, written as OpenSSL's `DSA PRIVATE KEY`: SEQUENCE {0, P, Q, G, Y, X}.
fn generate_dsa_pem() -> String {
    let components = dsa::Components::generate(&mut OsRng, dsa::KeySize::DSA_2048_256);
    let key = dsa::SigningKey::generate(&mut OsRng, components);
    let public = key.verifying_key();
    let c = public.components();
    let parts: Vec<Vec<u8>> = [c.p(), c.q(), c.g(), public.y(), key.x()].iter().map(|n| uint(&n.to_bytes_be())).collect();
    let mut body = vec![0x02, 0x01, 0x00];
    for p in &parts {
        body.extend_from_slice(p);
    }
    pem("DSA PRIVATE KEY", &tlv(0x30, &body))
}

/// Sprig's `parsePrivateKeyPEM`, for the key types this port can use.
fn parse_private_key_pem(text: &str) -> Result<Key, String> {
    let (kind, der) = pem_decode(text).ok_or("no PEM data in input")?;
    if kind == "PRIVATE KEY" {
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(Key::Rsa(Box::new(k)));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
            return Ok(Key::Ec(k));
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(Key::Ed25519(k));
        }
        return Err("decoding PEM as PKCS#8: x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".into());
    }
    let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {kind}"));
    };
    match prefix {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| Key::Rsa(Box::new(k)))
            .map_err(|e| format!("parsing RSA private key from PEM: x509: {e}")),
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(Key::Ec)
            .map_err(|e| format!("parsing EC private key from PEM: x509: {e}")),
        "DSA" => Ok(Key::Dsa),
        _ => Err(format!("invalid private key type {kind}")),
    }
}

// --- certificates --------------------------------------------------------------------------

/// Sprig's `certificate` struct: `.Cert` and `.Key` PEM text.
#[derive(Debug, Clone)]
pub struct CertObject {
    pub cert: String,
    pub key: String,
}

impl Object for CertObject {
    fn type_name(&self) -> &str {
        "sprig.certificate"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(self.cert.as_str())),
            "Key" => Some(Value::str(self.key.as_str())),
            _ => None,
        }
    }
    fn go_format(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
    /// `toJson` of the struct: `{"Cert": …, "Key": …}`.
    fn to_value(&self) -> Value {
        let m = crate::value::Map::new();
        m.insert("Cert", Value::str(self.cert.as_str()));
        m.insert("Key", Value::str(self.key.as_str()));
        Value::Map(m)
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// What a certificate is issued by: its subject, key id and key.
struct Issuer<'a> {
    subject: Vec<u8>,
    key_id: Option<Vec<u8>>,
    key: &'a Key,
}

/// The `[]interface{}` of IP strings or DNS names, checked as Sprig checks them.
fn strings_of(v: &Value, what: &str) -> Result<Vec<String>, String> {
    let items = match v {
        Value::Nil => return Ok(Vec::new()),
        Value::List(l) => &l.items,
        other => return Err(format!("wrong type for value; expected []interface {{}}; got {}", other.type_name())),
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.to_string()),
            other => Err(match what {
                "ip" => format!("error parsing ip: {} is not a string", other.go_format()),
                _ => format!("error processing alternate dns name: {} is not a string", other.go_format()),
            }),
        })
        .collect()
}

fn san_ip(s: &str) -> Result<Vec<u8>, String> {
    match s.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => Ok(v4.octets().to_vec()),
        // Go's To4(): IPv4-mapped addresses are written as 4 bytes.
        Ok(IpAddr::V6(v6)) => Ok(v6.to_ipv4_mapped().map_or(v6.octets().to_vec(), |v4| v4.octets().to_vec())),
        Err(_) => Err(format!("error parsing ip: {s}")),
    }
}

/// Sprig's `getBaseCertTemplate` + Go's `CreateCertificate` + PEM encoding of cert and key.
fn create_certificate(
    cn: &str,
    ips: &Value,
    dns: &Value,
    days: i64,
    is_ca: bool,
    subject_key: &Key,
    issuer: Option<Issuer<'_>>,
) -> Result<CertObject, String> {
    let ips = strings_of(ips, "ip")?.iter().map(|s| san_ip(s)).collect::<Result<Vec<_>, _>>()?;
    let dns = strings_of(dns, "dns")?;
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let not_after = now.saturating_add(days.saturating_mul(86_400));

    let subject = name_cn(cn);
    let spki = subject_key.spki().map_err(|e| format!("error creating certificate: {e}"))?;
    let (signing_key, issuer_name, authority_key_id) = match &issuer {
        Some(i) => (i.key, i.subject.clone(), i.key_id.clone().filter(|_| i.subject != subject)),
        None => (subject_key, subject.clone(), None),
    };
    // Method 1 of RFC 5280: SHA-1 of the subjectPublicKey bits (Go before 1.25 and helm 3).
    let public_bits = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(&spki)
        .map(|s| s.subject_public_key.raw_bytes().to_vec())
        .map_err(|e| e.to_string())?;
    let subject_key_id = is_ca.then(|| Sha1::digest(&public_bits).to_vec());

    let mut extensions = Vec::new();
    let key_usage: &[u8] = if is_ca { &[0x03, 0x02, 0x02, 0xa4] } else { &[0x03, 0x02, 0x05, 0xa0] };
    extensions.push(extension(OID_KEY_USAGE, true, key_usage));
    extensions.push(extension(OID_EXT_KEY_USAGE, false, &seq(&[OID_SERVER_AUTH, OID_CLIENT_AUTH])));
    let basic: &[u8] = if is_ca { &[0x30, 0x03, 0x01, 0x01, 0xff] } else { &[0x30, 0x00] };
    extensions.push(extension(OID_BASIC_CONSTRAINTS, true, basic));
    if let Some(id) = &subject_key_id {
        extensions.push(extension(OID_SUBJECT_KEY_ID, false, &tlv(0x04, id)));
    }
    if let Some(id) = &authority_key_id {
        extensions.push(extension(OID_AUTHORITY_KEY_ID, false, &seq(&[&tlv(0x80, id)])));
    }
    if !dns.is_empty() || !ips.is_empty() {
        let mut names: Vec<u8> = dns.iter().flat_map(|d| tlv(0x82, d.as_bytes())).collect();
        names.extend(ips.iter().flat_map(|ip| tlv(0x87, ip)));
        extensions.push(extension(OID_SAN, cn.is_empty(), &tlv(0x30, &names)));
    }

    let (sig_alg, _) = signing_key.sign(&[]).map_err(|e| format!("error creating certificate: {e}"))?;
    let tbs = seq(&[
        &[0xa0, 0x03, 0x02, 0x01, 0x02],
        &uint(&serial),
        &sig_alg,
        &issuer_name,
        &seq(&[&der_time(now), &der_time(not_after)]),
        &subject,
        &spki,
        &tlv(0xa3, &tlv(0x30, &extensions.concat())),
    ]);
    let (sig_alg, signature) = signing_key.sign(&tbs).map_err(|e| format!("error creating certificate: {e}"))?;
    let cert = seq(&[&tbs, &sig_alg, &bit_string(0, &signature)]);
    let key = subject_key.to_pem().map_err(|e| format!("error pem-encoding key: {e}"))?;
    Ok(CertObject { cert: pem("CERTIFICATE", &cert), key })
}

fn ca_cert(cn: &str, days: i64, key: &Key) -> Result<Value, String> {
    create_certificate(cn, &Value::Nil, &Value::Nil, days, true, key, None).map(|c| Value::Object(Rc::new(c)))
}

fn self_signed(args: &[Value], key: &Key) -> Result<Value, String> {
    let days = int_of(&args[3]);
    create_certificate(str_arg(args, 0), &args[1], &args[2], days, false, key, None).map(|c| Value::Object(Rc::new(c)))
}

fn signed(args: &[Value], key: &Key) -> Result<Value, String> {
    let ca = match &args[4] {
        Value::Object(o) => o.as_any().and_then(|a| a.downcast_ref::<CertObject>()).cloned(),
        _ => None,
    }
    .ok_or_else(|| format!("wrong type for value; expected sprig.certificate; got {}", args[4].type_name()))?;
    let (kind, der) = pem_decode(&ca.cert).ok_or("unable to decode certificate")?;
    let _ = kind;
    let parent = x509_cert::Certificate::from_der(&der)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate ({e})"))?;
    let ca_key = parse_private_key_pem(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
    let parent_spki = parent.tbs_certificate.subject_public_key_info.to_der().map_err(|e| e.to_string())?;
    if ca_key.spki().ok().as_ref() != Some(&parent_spki) {
        return Err("error creating certificate: x509: provided PrivateKey doesn't match parent's PublicKey".into());
    }
    let key_id = parent.tbs_certificate.extensions.iter().flatten().find_map(|ext| {
        (ext.extn_id.to_string() == "2.5.29.14").then(|| {
            // The value is an OCTET STRING holding the key id.
            let v = ext.extn_value.as_bytes();
            v.get(2..).unwrap_or_default().to_vec()
        })
    });
    let issuer = Issuer {
        subject: parent.tbs_certificate.subject.to_der().map_err(|e| e.to_string())?,
        key_id,
        key: &ca_key,
    };
    let days = int_of(&args[3]);
    create_certificate(str_arg(args, 0), &args[1], &args[2], days, false, key, Some(issuer))
        .map(|c| Value::Object(Rc::new(c)))
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(n) | Value::Int64(n) => *n,
        _ => 0,
    }
}

fn with_key(pem: &str) -> Result<Key, String> {
    parse_private_key_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

fn fresh_rsa() -> Result<Key, String> {
    generate_rsa(2048).map_err(|e| format!("error generating rsa key: {e}"))
}

pub(super) fn register(map: &mut FuncMap) {
    use Param::{Int, List, String as Str};
    map.insert(
        "genPrivateKey",
        Func::pure(Signature::fixed(&[Str]), |a| Ok(Value::str(generate_private_key(str_arg(&a, 0))))),
    );
    map.insert(
        "buildCustomCert",
        Func::pure(Signature::fixed(&[Str, Str]), |a| {
            let cert = STANDARD.decode(str_arg(&a, 0)).map_err(|_| "unable to decode base64 certificate")?;
            let key = STANDARD.decode(str_arg(&a, 1)).map_err(|_| "unable to decode base64 private key")?;
            let cert = String::from_utf8_lossy(&cert).into_owned();
            let key = String::from_utf8_lossy(&key).into_owned();
            let (_, der) = pem_decode(&cert).ok_or("unable to decode certificate")?;
            x509_cert::Certificate::from_der(&der)
                .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: x509: malformed certificate ({e})"))?;
            parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
            Ok(Value::Object(Rc::new(CertObject { cert, key })))
        }),
    );
    map.insert(
        "genCA",
        Func::pure(Signature::fixed(&[Str, Int]), |a| ca_cert(str_arg(&a, 0), int_of(&a[1]), &fresh_rsa()?)),
    );
    map.insert(
        "genCAWithKey",
        Func::pure(Signature::fixed(&[Str, Int, Str]), |a| {
            ca_cert(str_arg(&a, 0), int_of(&a[1]), &with_key(str_arg(&a, 2))?)
        }),
    );
    map.insert(
        "genSelfSignedCert",
        Func::pure(Signature::fixed(&[Str, List, List, Int]), |a| self_signed(&a, &fresh_rsa()?)),
    );
    map.insert(
        "genSelfSignedCertWithKey",
        Func::pure(Signature::fixed(&[Str, List, List, Int, Str]), |a| self_signed(&a, &with_key(str_arg(&a, 4))?)),
    );
    map.insert(
        "genSignedCert",
        Func::pure(Signature::fixed(&[Str, List, List, Int, Param::Named("sprig.certificate")]), |a| signed(&a, &fresh_rsa()?)),
    );
    map.insert(
        "genSignedCertWithKey",
        Func::pure(Signature::fixed(&[Str, List, List, Int, Param::Named("sprig.certificate"), Str]), |a| {
            signed(&a, &with_key(str_arg(&a, 5))?)
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, helm3};
    use super::*;

    fn parse_pem(pem: &str) -> x509_cert::Certificate {
        x509_cert::Certificate::from_der(&pem_decode(pem).unwrap().1).unwrap()
    }

    fn cert_of(v: &Value) -> CertObject {
        match v {
            Value::Object(o) => o.as_any().and_then(|a| a.downcast_ref::<CertObject>()).cloned().unwrap(),
            other => panic!("not a certificate: {other:?}"),
        }
    }

    fn ext_ids(c: &x509_cert::Certificate) -> Vec<(String, bool)> {
        c.tbs_certificate.extensions.iter().flatten().map(|e| (e.extn_id.to_string(), e.critical)).collect()
    }

    #[test]
    fn private_keys_have_go_pem_types() {
        let ec = generate_private_key("ecdsa");
        assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{ec}");
        assert!(matches!(parse_private_key_pem(&ec), Ok(Key::Ec(_))));
        let ed = generate_private_key("ed25519");
        let (kind, der) = pem_decode(&ed).unwrap();
        assert_eq!((kind.as_str(), der.len()), ("PRIVATE KEY", 48));
        assert!(matches!(parse_private_key_pem(&ed), Ok(Key::Ed25519(_))));
        assert_eq!(generate_private_key("x"), "Unknown type x");
        // Lines are 64 characters, as Go's pem package writes them.
        assert!(ec.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
    }

    #[test]
    fn ca_and_signed_certificates_have_sprig_fields() {
        let map = helm3();
        let key = generate_private_key("ecdsa");
        let ca = call(&map, "genCAWithKey", vec![Value::str("my-ca"), Value::Int(365), Value::str(key.as_str())]).unwrap();
        let ca_obj = cert_of(&ca);
        assert_eq!(ca_obj.key, key);
        let parsed = parse_pem(&ca_obj.cert);
        let tbs = &parsed.tbs_certificate;
        assert_eq!(tbs.subject.to_string(), "CN=my-ca");
        assert_eq!(tbs.issuer, tbs.subject);
        assert!(tbs.serial_number.as_bytes().len() <= 17);
        let days = tbs.validity.not_after.to_unix_duration().as_secs() - tbs.validity.not_before.to_unix_duration().as_secs();
        assert_eq!(days, 365 * 86_400);
        let ids = ext_ids(&parsed);
        assert_eq!(
            ids,
            vec![
                ("2.5.29.15".into(), true),
                ("2.5.29.37".into(), false),
                ("2.5.29.19".into(), true),
                ("2.5.29.14".into(), false)
            ]
        );

        let leaf_key = generate_private_key("ed25519");
        let ips = Value::list(vec![Value::str("10.0.0.1"), Value::str("::1")]);
        let dns = Value::list(vec![Value::str("example.com")]);
        let leaf = call(
            &map,
            "genSignedCertWithKey",
            vec![Value::str("svc"), ips, dns, Value::Int(30), ca.clone(), Value::str(leaf_key.as_str())],
        )
        .unwrap();
        let leaf = parse_pem(&cert_of(&leaf).cert);
        assert_eq!(leaf.tbs_certificate.issuer.to_string(), "CN=my-ca");
        let ids: Vec<String> = ext_ids(&leaf).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["2.5.29.15", "2.5.29.37", "2.5.29.19", "2.5.29.35", "2.5.29.17"]);
        let bad = call(
            &map,
            "genSelfSignedCertWithKey",
            vec![Value::str("x"), Value::list(vec![Value::str("1.2.3")]), Value::Nil, Value::Int(1), Value::str(key.as_str())],
        );
        assert_eq!(bad.unwrap_err(), "error parsing ip: 1.2.3");
    }

    #[test]
    fn rsa_defaults_like_sprig() {
        let map = helm3();
        let ca = cert_of(&call(&map, "genCA", vec![Value::str("ca"), Value::Int(3650)]).unwrap());
        assert!(ca.key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let key = rsa::RsaPrivateKey::from_pkcs1_der(&pem_decode(&ca.key).unwrap().1).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::size(&key), 256);
        let parsed = parse_pem(&ca.cert);
        assert_eq!(parsed.signature_algorithm.oid.to_string(), "1.2.840.113549.1.1.11");
        let cert = call(
            &map,
            "genSelfSignedCert",
            vec![Value::str(""), Value::Nil, Value::list(vec![Value::str("x.example")]), Value::Int(1)],
        )
        .unwrap();
        let parsed = parse_pem(&cert_of(&cert).cert);
        // An empty subject makes the SAN extension critical (RFC 5280 4.2.1.6), as in Go.
        assert_eq!(ext_ids(&parsed).last(), Some(&("2.5.29.17".to_string(), true)));
        let dsa = generate_private_key("dsa");
        assert!(dsa.starts_with("-----BEGIN DSA PRIVATE KEY-----\n"), "{dsa}");
    }

    /// The certificates must verify with openssl too (chain and signature), when it is installed.
    #[test]
    fn openssl_verifies_the_chain() {
        let Ok(out) = std::process::Command::new("openssl").arg("version").output() else { return };
        if !out.status.success() {
            return;
        }
        let map = helm3();
        let key = generate_private_key("ecdsa");
        let ca = call(&map, "genCAWithKey", vec![Value::str("ca"), Value::Int(10), Value::str(key.as_str())]).unwrap();
        let leaf_key = generate_private_key("ecdsa");
        let leaf = call(
            &map,
            "genSignedCertWithKey",
            vec![Value::str("leaf"), Value::Nil, Value::list(vec![Value::str("a.example")]), Value::Int(10), ca.clone(), Value::str(leaf_key.as_str())],
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("sprig-certs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), cert_of(&ca).cert).unwrap();
        std::fs::write(dir.join("leaf.pem"), cert_of(&leaf).cert).unwrap();
        let status = std::process::Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(dir.join("ca.pem"))
            .arg(dir.join("leaf.pem"))
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
    }
}
