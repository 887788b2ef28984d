//! Unit tests of the SOPS pieces on documents built here: a small encryptor following the
//! same rules (random 32-byte nonces, key path as additional data, MAC over plain values)
//! produces YAML, JSON, dotenv and binary files whose data key is wrapped with a fresh age
//! key. The real `sops` binary is exercised by `integration/spec_sops.rs`.

use std::io::Write as _;

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::{AeadInPlace, AesGcm, KeyInit};
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha512};

use super::*;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn encrypt_value(plain: &Node, key: &[u8], aad: &str) -> String {
    let (bytes, kind) = match plain {
        Node::Str(s) if s.is_empty() => return String::new(),
        Node::Str(s) => (s.as_bytes().to_vec(), "str"),
        Node::Int(i) => (i.to_string().into_bytes(), "int"),
        Node::Float(f) => (go_format_float(*f).into_bytes(), "float"),
        Node::Bool(b) => ((if *b { "True" } else { "False" }).as_bytes().to_vec(), "bool"),
        other => panic!("cannot encrypt {other:?}"),
    };
    let mut iv = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut iv);
    let mut buf = bytes;
    let tag = AesGcm::<aes::Aes256, U32>::new_from_slice(key)
        .unwrap()
        .encrypt_in_place_detached(GenericArray::from_slice(&iv), aad.as_bytes(), &mut buf)
        .unwrap();
    format!("ENC[AES256_GCM,data:{},iv:{},tag:{},type:{kind}]", b64(&buf), b64(&iv), b64(&tag))
}

/// Encrypts `plain` as sops would with `meta`'s rules; returns the tree and the MAC.
fn encrypt_tree(plain: &Node, meta: &Metadata, key: &[u8]) -> (Node, String) {
    fn go(n: &Node, path: &mut Vec<String>, meta: &Metadata, key: &[u8], hash: &mut Sha512) -> Node {
        match n {
            Node::Map(e) => Node::Map(
                e.iter()
                    .map(|(k, v)| {
                        path.push(k.clone());
                        let out = go(v, path, meta, key, hash);
                        path.pop();
                        (k.clone(), out)
                    })
                    .collect(),
            ),
            Node::List(items) => Node::List(items.iter().map(|v| go(v, path, meta, key, hash)).collect()),
            Node::Null => Node::Null,
            leaf => {
                let enc = should_be_encrypted(meta, path);
                if !meta.mac_only_encrypted || enc {
                    hash.update(mac_bytes(leaf));
                }
                if enc { Node::Str(encrypt_value(leaf, key, &format!("{}:", path.join(":")))) } else { leaf.clone() }
            }
        }
    }
    let mut hash = Sha512::new();
    if meta.mac_only_encrypted {
        hash.update(MAC_ONLY_ENCRYPTED_INIT);
    }
    let tree = go(plain, &mut Vec::new(), meta, key, &mut hash);
    let mac: String = hash.finalize().iter().map(|b| format!("{b:02X}")).collect();
    (tree, mac)
}

fn age_wrap(data_key: &[u8], recipient: &age::x25519::Recipient) -> String {
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = encryptor.wrap_output(armor).unwrap();
    w.write_all(data_key).unwrap();
    w.finish().unwrap().finish().unwrap();
    String::from_utf8(out).unwrap()
}

const LAST_MODIFIED: &str = "2024-05-01T10:20:30Z";

struct Fixture {
    identity: age::x25519::Identity,
    key: Vec<u8>,
}

impl Fixture {
    fn new() -> Fixture {
        let mut key = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Fixture { identity: age::x25519::Identity::generate(), key }
    }

    fn decryptor(&self) -> SopsDecryptor {
        SopsDecryptor::with_age_identities(vec![self.identity.clone()])
    }

    /// The `sops` metadata node with `extra` settings.
    fn metadata(&self, mac: &str, extra: &[(&str, Node)]) -> Node {
        let recipient = self.identity.to_public();
        let mut m = vec![
            (
                "age".to_string(),
                Node::List(vec![Node::Map(vec![
                    ("recipient".into(), Node::Str(recipient.to_string())),
                    ("enc".into(), Node::Str(age_wrap(&self.key, &recipient))),
                ])]),
            ),
            ("lastmodified".into(), Node::Str(LAST_MODIFIED.into())),
            ("mac".into(), Node::Str(encrypt_value(&Node::Str(mac.into()), &self.key, LAST_MODIFIED))),
        ];
        for (k, v) in extra {
            m.push((k.to_string(), v.clone()));
        }
        Node::Map(m)
    }

    /// An encrypted JSON document of `plain` (also valid YAML).
    fn json(&self, plain: &Node, extra: &[(&str, Node)]) -> String {
        let meta = metadata("test", &self.metadata("", extra)).unwrap();
        let (tree, mac) = encrypt_tree(plain, &meta, &self.key);
        let Node::Map(mut entries) = tree else { panic!() };
        entries.push(("sops".into(), self.metadata(&mac, extra)));
        emit_json(&Node::Map(entries))
    }
}

fn emit_json(n: &Node) -> String {
    match n {
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => go_format_float(*f),
        Node::Str(s) => serde_json::to_string(s).unwrap(),
        Node::Bytes(_) => unreachable!(),
        Node::List(items) => format!("[{}]", items.iter().map(emit_json).collect::<Vec<_>>().join(", ")),
        Node::Map(e) => format!(
            "{{{}}}",
            e.iter().map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap(), emit_json(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn sample() -> Node {
    Node::Map(vec![
        (
            "db".into(),
            Node::Map(vec![
                ("password".into(), Node::Str("hunter2-sample-secret".into())),
                ("port".into(), Node::Int(5432)),
                ("ratio".into(), Node::Float(1.5)),
                ("enabled".into(), Node::Bool(true)),
                ("hosts".into(), Node::List(vec![Node::Str("a".into()), Node::Map(vec![("x".into(), Node::Str("y".into()))])])),
                ("empty".into(), Node::Str(String::new())),
                ("none".into(), Node::Null),
            ]),
        ),
        ("token_unencrypted".into(), Node::Str("visible".into())),
    ])
}

fn tree(p: Plain) -> Node {
    match p {
        Plain::Tree(n) => n,
        Plain::Data(_) => panic!("expected a tree"),
    }
}

#[test]
fn aes_gcm_with_32_byte_nonce_and_key_path() {
    let f = Fixture::new();
    let enc = encrypt_value(&Node::Str("v".into()), &f.key, "a:b:");
    assert_eq!(decrypt_value(&enc, &f.key, "a:b:").unwrap(), Node::Str("v".into()));
    // The key path is authenticated: the same ciphertext under another key fails.
    let err = decrypt_value(&enc, &f.key, "a:c:").unwrap_err();
    assert!(err.contains("authentication failed"), "{err}");
    // Types are restored as recorded.
    for v in [Node::Int(-7), Node::Float(0.25), Node::Bool(false)] {
        assert_eq!(decrypt_value(&encrypt_value(&v, &f.key, "k:"), &f.key, "k:").unwrap(), v);
    }
    assert_eq!(decrypt_value("", &f.key, "k:").unwrap(), Node::Str(String::new()));
    assert!(decrypt_value("plain", &f.key, "k:").unwrap_err().contains("ENC["));
}

#[test]
fn lastmodified_is_formatted_as_go_rfc3339() {
    assert_eq!(rfc3339("2024-05-01T10:20:30Z").as_deref(), Some("2024-05-01T10:20:30Z"));
    assert_eq!(rfc3339("2024-05-01T10:20:30.123456Z").as_deref(), Some("2024-05-01T10:20:30Z"));
    assert_eq!(rfc3339("2024-05-01T10:20:30+00:00").as_deref(), Some("2024-05-01T10:20:30Z"));
    assert_eq!(rfc3339("2024-05-01T10:20:30+02:00").as_deref(), Some("2024-05-01T10:20:30+02:00"));
    assert_eq!(rfc3339("yesterday"), None);
}

#[test]
fn encryption_rules_follow_sops() {
    let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut m = Metadata { unencrypted_suffix: "_unencrypted".into(), ..Metadata::default() };
    assert!(should_be_encrypted(&m, &p(&["a", "b"])));
    assert!(!should_be_encrypted(&m, &p(&["a_unencrypted", "b"])));
    m = Metadata { encrypted_suffix: "_secret".into(), ..Metadata::default() };
    assert!(!should_be_encrypted(&m, &p(&["a", "b"])));
    assert!(should_be_encrypted(&m, &p(&["a_secret", "b"])));
    m = Metadata { encrypted_regex: Some(regex::Regex::new("^(data|stringData)$").unwrap()), ..Metadata::default() };
    assert!(should_be_encrypted(&m, &p(&["data", "x"])));
    assert!(!should_be_encrypted(&m, &p(&["metadata", "name"])));
    m = Metadata { unencrypted_regex: Some(regex::Regex::new("^public").unwrap()), ..Metadata::default() };
    assert!(!should_be_encrypted(&m, &p(&["public_host"])));
    assert!(should_be_encrypted(&m, &p(&["password"])));
}

#[test]
fn mac_bytes_match_sops_to_bytes() {
    assert_eq!(mac_bytes(&Node::Bool(true)), b"True");
    assert_eq!(mac_bytes(&Node::Float(1.0)), b"1");
    assert_eq!(mac_bytes(&Node::Float(0.1)), b"0.1");
    assert_eq!(mac_bytes(&Node::Float(1e21)), b"1000000000000000000000");
    assert_eq!(mac_bytes(&Node::Int(-3)), b"-3");
}

#[test]
fn decrypts_json_and_yaml_with_types_and_order() {
    let f = Fixture::new();
    let text = f.json(&sample(), &[("unencrypted_suffix", Node::Str("_unencrypted".into()))]);
    assert!(!text.contains("hunter2"), "value left in clear");
    assert!(text.contains("\"token_unencrypted\": \"visible\""));
    for format in [Format::Json, Format::Yaml] {
        let got = tree(f.decryptor().decrypt_bytes("t", text.as_bytes(), format).unwrap());
        assert_eq!(got, sample(), "{format:?}");
    }
    // Reordering keys changes the MAC input order: refused.
    let swapped = text.replacen("\"token_unencrypted\": \"visible\", ", "", 1).replacen("{\"db\"", "{\"token_unencrypted\": \"visible\", \"db\"", 1);
    assert_ne!(swapped, text);
    let err = f.decryptor().decrypt_bytes("t.json", swapped.as_bytes(), Format::Json).unwrap_err();
    assert!(matches!(err, SopsError::MacMismatch { .. }), "{err}");
}

#[test]
fn tampering_is_refused_naming_the_file_without_secrets() {
    let f = Fixture::new();
    let text = f.json(&sample(), &[]);
    // A changed unencrypted value: the MAC no longer matches.
    let changed = text.replace("\"visible\"", "\"changed\"");
    let err = f.decryptor().decrypt_bytes("secrets/prod.json", changed.as_bytes(), Format::Json).unwrap_err().to_string();
    assert!(err.contains("secrets/prod.json") && err.contains("MAC mismatch"), "{err}");
    // A value encrypted under another key path (moved between keys) fails authentication.
    let root: Node = serde_json::from_str::<JsonNode>(&text).unwrap().0;
    let enc_port = match root.get("db").and_then(|d| d.get("port")) {
        Some(Node::Str(s)) => s.clone(),
        _ => panic!(),
    };
    let enc_pw = match root.get("db").and_then(|d| d.get("password")) {
        Some(Node::Str(s)) => s.clone(),
        _ => panic!(),
    };
    let moved = text.replace(&enc_pw, &enc_port);
    let err = f.decryptor().decrypt_bytes("s.json", moved.as_bytes(), Format::Json).unwrap_err().to_string();
    assert!(err.contains("s.json") && err.contains("\"db.password\""), "{err}");
    // A replaced MAC.
    let other = Fixture { identity: f.identity.clone(), key: f.key.clone() };
    let forged_mac = encrypt_value(&Node::Str("00".repeat(64)), &other.key, LAST_MODIFIED);
    let mac_start = text.find("\"mac\": \"").unwrap() + 8;
    let mac_end = mac_start + text[mac_start..].find('"').unwrap();
    let forged = format!("{}{}{}", &text[..mac_start], forged_mac, &text[mac_end..]);
    let err = f.decryptor().decrypt_bytes("s.json", forged.as_bytes(), Format::Json).unwrap_err().to_string();
    assert!(err.contains("MAC mismatch"), "{err}");
    // No MAC at all.
    let none = format!("{}{}", &text[..mac_start], &text[mac_end..]);
    assert!(f.decryptor().decrypt_bytes("s.json", none.as_bytes(), Format::Json).unwrap_err().to_string().contains("MAC mismatch"));
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn mac_only_encrypted_and_encrypted_regex() {
    let f = Fixture::new();
    let plain = Node::Map(vec![
        ("metadata".into(), Node::Map(vec![("name".into(), Node::Str("app".into()))])),
        ("data".into(), Node::Map(vec![("key".into(), Node::Str("hunter2-data".into()))])),
    ]);
    let extra = [("encrypted_regex", Node::Str("^data$".into())), ("mac_only_encrypted", Node::Bool(true))];
    let text = f.json(&plain, &extra);
    assert!(text.contains("\"name\": \"app\"") && !text.contains("hunter2"));
    assert_eq!(tree(f.decryptor().decrypt_bytes("t", text.as_bytes(), Format::Json).unwrap()), plain);
    // With the MAC over encrypted values only, changing a clear value is allowed (as in sops).
    let renamed = text.replace("\"app\"", "\"other\"");
    assert!(f.decryptor().decrypt_bytes("t", renamed.as_bytes(), Format::Json).is_ok());
}

#[test]
fn dotenv_and_binary_formats() {
    let f = Fixture::new();
    // dotenv: encrypt a flat tree and flatten the metadata as sops does.
    let plain = Node::Map(vec![
        ("A".into(), Node::Str("hunter2-env".into())),
        ("B".into(), Node::Str("two\nlines".into())),
    ]);
    let meta = metadata("t", &f.metadata("", &[])).unwrap();
    let (enc, mac) = encrypt_tree(&plain, &meta, &f.key);
    let Node::Map(entries) = enc else { panic!() };
    let mut text = String::new();
    for (k, v) in &entries {
        text.push_str(&format!("{k}={}\n", v.as_str().unwrap()));
    }
    text.push_str("#a comment\n");
    let Node::Map(meta_entries) = f.metadata(&mac, &[]) else { panic!() };
    for (k, v) in meta_entries {
        match v {
            Node::List(items) => {
                let Node::Map(fields) = &items[0] else { panic!() };
                for (fk, fv) in fields {
                    text.push_str(&format!("sops_{k}__list_0__map_{fk}={}\n", fv.as_str().unwrap().replace('\n', "\\n")));
                }
            }
            Node::Str(s) => text.push_str(&format!("sops_{k}={s}\n")),
            _ => {}
        }
    }
    assert_eq!(tree(f.decryptor().decrypt_bytes("t.env", text.as_bytes(), Format::Dotenv).unwrap()), plain);

    // binary: a JSON document with the whole file under `data`.
    let plain = Node::Map(vec![("data".into(), Node::Str("line one\nhunter2-bin\n".into()))]);
    let text = f.json(&plain, &[]);
    assert_eq!(
        f.decryptor().decrypt_bytes("t.bin", text.as_bytes(), Format::Binary).unwrap(),
        Plain::Data(b"line one\nhunter2-bin\n".to_vec())
    );
}

#[test]
fn unflatten_builds_nested_metadata() {
    let mut root = Node::Map(Vec::new());
    unflatten_into(&mut root, "age__list_0__map_recipient", Node::Str("r0".into()));
    unflatten_into(&mut root, "age__list_1__map_enc", Node::Str("e1".into()));
    unflatten_into(&mut root, "key_groups__list_0__map_age__list_0__map_recipient", Node::Str("g".into()));
    unflatten_into(&mut root, "mac", Node::Str("m".into()));
    assert_eq!(root.get("age").and_then(|a| a.get("0")).and_then(|x| x.get("recipient")), Some(&Node::Str("r0".into())));
    assert_eq!(root.get("age").and_then(|a| a.get("1")).and_then(|x| x.get("enc")), Some(&Node::Str("e1".into())));
    assert_eq!(
        root.get("key_groups").and_then(|a| a.get("0")).and_then(|g| g.get("age")).and_then(|a| a.get("0")).and_then(|x| x.get("recipient")),
        Some(&Node::Str("g".into()))
    );
    assert_eq!(root.get("mac"), Some(&Node::Str("m".into())));
}

#[test]
fn missing_key_and_missing_metadata_are_clear() {
    let f = Fixture::new();
    let text = f.json(&sample(), &[]);
    let stranger = SopsDecryptor::with_age_identities(vec![age::x25519::Identity::generate()]);
    let err = stranger.decrypt_bytes("x.yaml", text.as_bytes(), Format::Json).unwrap_err().to_string();
    assert!(err.contains("x.yaml") && err.contains("no matching identity"), "{err}");
    let err = f.decryptor().decrypt_bytes("plain.yaml", b"a: b\n", Format::Yaml).unwrap_err().to_string();
    assert!(err.contains("plain.yaml") && err.contains("sops metadata not found"), "{err}");
}

#[test]
fn format_from_extension() {
    assert_eq!(Format::from_path(Path::new("a/secrets.yaml")), Format::Yaml);
    assert_eq!(Format::from_path(Path::new("a/secrets.yml")), Format::Yaml);
    assert_eq!(Format::from_path(Path::new("x.json")), Format::Json);
    assert_eq!(Format::from_path(Path::new(".env")), Format::Dotenv);
    assert_eq!(Format::from_path(Path::new("cert.pem")), Format::Binary);
}
