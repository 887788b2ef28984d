//! Native SOPS decryption: YAML, JSON, dotenv and binary files encrypted by `sops`, read
//! without the `sops` binary. The data key comes from an age identity (`SOPS_AGE_KEY_FILE`,
//! `SOPS_AGE_KEY`, `SOPS_AGE_KEY_CMD`, `<config dir>/sops/age/keys.txt`) or from `gpg -d`
//! (`SOPS_GPG_EXEC`), as sops does it. Values are AES-256-GCM with the key path as additional
//! data; the MAC (SHA-512 over the values in document order, itself encrypted with
//! `lastmodified` as additional data) is verified, so a tampered file is refused.
//!
//! Decrypted values live in memory only: nothing here writes files, and no error message
//! carries a decrypted value (errors name the file and the key path).

use std::cell::OnceCell;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use aes_gcm::aead::consts::{U12, U32};
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::{AeadInPlace, AesGcm, KeyInit};
use sha2::{Digest, Sha512};

use crate::value::{Map, Value};

/// The bytes sops hashes first when the MAC covers only encrypted values (`sha256("sops")`).
const MAC_ONLY_ENCRYPTED_INIT: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b,
    0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];

/// sops' default when a file names none of the (un)encrypted suffix/regex options.
const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";

/// How an encrypted file is laid out, chosen from its extension as sops does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Dotenv,
    Binary,
}

impl Format {
    /// `.yaml`/`.yml` → YAML, `.json` → JSON, `.env` → dotenv, anything else binary.
    pub fn from_path(path: &Path) -> Format {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        // helmfile's values files may be `.yaml.gotmpl`-style; sops only looks at the extension.
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("yaml" | "yml") => Format::Yaml,
            Some("json") => Format::Json,
            Some("env") => Format::Dotenv,
            _ => Format::Binary,
        }
    }

    /// sops' `--input-type` names (and vals' `?format=`).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "yaml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            "dotenv" => Some(Format::Dotenv),
            "binary" => Some(Format::Binary),
            _ => None,
        }
    }
}

/// Why a SOPS file could not be decrypted. Messages name the file, never a decrypted value.
#[derive(Debug, thiserror::Error)]
pub enum SopsError {
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    #[error("{file}: not a valid SOPS {format} file: {message}")]
    Parse { file: String, format: &'static str, message: String },
    #[error("{file}: sops metadata not found (the file is not encrypted with sops)")]
    NoMetadata { file: String },
    #[error("{file}: invalid sops metadata: {message}")]
    Metadata { file: String, message: String },
    #[error("{file}: could not get the data key: {message}")]
    DataKey { file: String, message: String },
    #[error("{file}: could not decrypt the value at {path}: {message}")]
    Value { file: String, path: String, message: String },
    #[error("{file}: MAC mismatch: the file was changed after it was encrypted (tampered, or edited without sops); refusing to use it")]
    MacMismatch { file: String },
    #[error("{file}: {message}")]
    Unsupported { file: String, message: String },
}

/// A decrypted document: a tree (YAML, JSON, dotenv) or the bytes of a binary file.
#[derive(Debug, Clone, PartialEq)]
pub enum Plain {
    Tree(Node),
    Data(Vec<u8>),
}

/// The sops tree: maps keep document order (the MAC depends on it).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The node as a template value (Go types as go-yaml decodes the decrypted output).
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Nil,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::Int(*i),
            Node::Float(f) => Value::Float(*f),
            Node::Str(s) => Value::from(s.as_str()),
            Node::Bytes(b) => Value::from(String::from_utf8_lossy(b).into_owned()),
            Node::List(items) => Value::list(items.iter().map(Node::to_value).collect()),
            Node::Map(entries) => {
                let m = Map::new();
                for (k, v) in entries {
                    m.insert(k.as_str(), v.to_value());
                }
                Value::Map(m)
            }
        }
    }

    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Node::List(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// One master key of a key group.
#[derive(Debug, Clone)]
enum MasterKey {
    Age { recipient: String, enc: String },
    Pgp { fingerprint: String, enc: String },
    /// A cloud KMS or Vault key: named in errors, not usable offline.
    Other { kind: &'static str, id: String },
}

/// The `sops:` metadata that decryption needs.
#[derive(Debug, Clone, Default)]
struct Metadata {
    last_modified: String,
    mac: String,
    unencrypted_suffix: String,
    encrypted_suffix: String,
    unencrypted_regex: Option<regex::Regex>,
    encrypted_regex: Option<regex::Regex>,
    mac_only_encrypted: bool,
    key_groups: Vec<Vec<MasterKey>>,
}

/// Where decryption keys come from; read once per decryptor.
#[derive(Default)]
pub struct SopsDecryptor {
    age: OnceCell<AgeIdentities>,
}

impl std::fmt::Debug for SopsDecryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SopsDecryptor")
    }
}

struct AgeIdentities {
    identities: Vec<age::x25519::Identity>,
    /// Where we looked, for the "no key" message (paths and variable names only).
    looked: Vec<String>,
    problems: Vec<String>,
}

impl SopsDecryptor {
    pub fn new() -> SopsDecryptor {
        SopsDecryptor::default()
    }

    /// A decryptor with these age identities instead of the environment's.
    pub fn with_age_identities(identities: Vec<age::x25519::Identity>) -> SopsDecryptor {
        let d = SopsDecryptor::default();
        let _ = d.age.set(AgeIdentities { identities, looked: vec!["the given identities".into()], problems: Vec::new() });
        d
    }

    /// Decrypts `path` in the format its extension names.
    pub fn decrypt_file(&self, path: &Path) -> Result<Plain, SopsError> {
        self.decrypt_file_as(path, Format::from_path(path))
    }

    pub fn decrypt_file_as(&self, path: &Path, format: Format) -> Result<Plain, SopsError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| SopsError::Read { file: file.clone(), message: e.to_string() })?;
        self.decrypt_bytes(&file, &bytes, format)
    }

    /// Decrypts an encrypted document held in memory; `file` names it in errors.
    pub fn decrypt_bytes(&self, file: &str, bytes: &[u8], format: Format) -> Result<Plain, SopsError> {
        let (branches, meta_node) = match format {
            Format::Yaml => parse_yaml(file, bytes)?,
            Format::Json | Format::Binary => parse_json(file, bytes, format)?,
            Format::Dotenv => parse_dotenv(file, bytes)?,
        };
        let meta = metadata(file, &meta_node)?;
        let key = self.data_key(file, &meta)?;
        let (plain, mac) = decrypt_tree(file, &branches, &meta, &key)?;
        verify_mac(file, &meta, &key, &mac)?;
        match format {
            Format::Binary => {
                let data = plain.first().and_then(|b| b.get("data")).ok_or_else(|| SopsError::Parse {
                    file: file.to_string(),
                    format: "binary",
                    message: "no `data` key".into(),
                })?;
                match data {
                    Node::Str(s) => Ok(Plain::Data(s.clone().into_bytes())),
                    Node::Bytes(b) => Ok(Plain::Data(b.clone())),
                    _ => Err(SopsError::Parse { file: file.into(), format: "binary", message: "`data` is not a string".into() }),
                }
            }
            _ => Ok(Plain::Tree(plain.into_iter().next().unwrap_or(Node::Map(Vec::new())))),
        }
    }

    /// The data key from the first master key of the (single) key group that opens it,
    /// age keys tried before PGP keys as sops does.
    fn data_key(&self, file: &str, meta: &Metadata) -> Result<Vec<u8>, SopsError> {
        let fail = |message: String| SopsError::DataKey { file: file.to_string(), message };
        match meta.key_groups.len() {
            0 => return Err(fail("the file lists no master keys".into())),
            1 => {}
            n => {
                return Err(SopsError::Unsupported {
                    file: file.to_string(),
                    message: format!("the data key is split over {n} key groups (Shamir secret sharing), which is not supported"),
                });
            }
        }
        let group = &meta.key_groups[0];
        let rank = |k: &MasterKey| match k {
            MasterKey::Age { .. } => 0,
            MasterKey::Pgp { .. } => 1,
            MasterKey::Other { .. } => 2,
        };
        let mut order: Vec<&MasterKey> = group.iter().collect();
        order.sort_by_key(|k| rank(k));
        let mut errors = Vec::new();
        for key in order {
            let result = match key {
                MasterKey::Age { recipient, enc } => self.age_decrypt(recipient, enc),
                MasterKey::Pgp { fingerprint, enc } => gpg_decrypt(fingerprint, enc),
                MasterKey::Other { kind, id } => Err(format!("{kind} key {id}: not supported (only age and PGP keys)")),
            };
            match result {
                Ok(k) if k.len() == 32 => return Ok(k),
                Ok(k) => errors.push(format!("decrypted data key has {} bytes, want 32", k.len())),
                Err(e) => errors.push(e),
            }
        }
        Err(fail(errors.join("; ")))
    }

    fn age_decrypt(&self, recipient: &str, enc: &str) -> Result<Vec<u8>, String> {
        let ids = self.age.get_or_init(load_age_identities);
        let matching: Vec<&age::x25519::Identity> =
            ids.identities.iter().filter(|i| i.to_public().to_string() == recipient.trim()).collect();
        if matching.is_empty() {
            let mut msg = format!("age recipient {recipient}: no matching identity");
            if ids.looked.is_empty() {
                msg.push_str(" (no age keys found)");
            } else {
                let _ = write!(msg, " (looked in {})", ids.looked.join(", "));
            }
            if !ids.problems.is_empty() {
                let _ = write!(msg, "; {}", ids.problems.join("; "));
            }
            return Err(msg);
        }
        let reader = age::armor::ArmoredReader::new(enc.as_bytes());
        let decryptor = age::Decryptor::new(reader).map_err(|e| format!("age recipient {recipient}: {e}"))?;
        let mut out = Vec::new();
        let mut stream = decryptor
            .decrypt(matching.iter().map(|i| *i as &dyn age::Identity))
            .map_err(|e| format!("age recipient {recipient}: {e}"))?;
        stream.read_to_end(&mut out).map_err(|e| format!("age recipient {recipient}: {e}"))?;
        Ok(out)
    }
}

impl super::SecretsDecryptor for SopsDecryptor {
    /// A `secrets:` file as values: the decrypted tree of a YAML, JSON or dotenv file; a
    /// binary file's bytes read as YAML (what helm would read from the decrypted output).
    fn decrypt(&self, file: &Path) -> Result<Map, String> {
        let plain = self.decrypt_file(file).map_err(|e| e.to_string())?;
        let value = match plain {
            Plain::Tree(node) => node.to_value(),
            Plain::Data(bytes) => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("{}: decrypted data is not text, cannot be read as values", file.display()))?;
                // The parser's messages quote no more than a line number and a token kind.
                match crate::yaml::parse_documents_go(&text) {
                    Ok(docs) => docs.into_iter().next().unwrap_or(Value::Nil),
                    Err(e) => return Err(format!("{}: decrypted data is not YAML (line {})", file.display(), e.line)),
                }
            }
        };
        match value {
            Value::Map(m) => Ok(m),
            Value::Nil => Ok(Map::new()),
            other => Err(format!("{}: decrypted values must be a mapping, got {}", file.display(), other.type_name())),
        }
    }
}

/// Resolves `ref+sops://PATH[?format=F][#/key/path]` as vals does: with a fragment the file
/// is read as a tree (YAML unless `format` says otherwise) and the value at the key path is
/// returned; without one the file is binary-format and its data is returned whole.
pub fn fetch_ref(decryptor: &SopsDecryptor, reference: &str, location: &str, base: &Path) -> Result<String, String> {
    let (location, fragment) = match location.split_once('#') {
        Some((l, f)) => (l, Some(f)),
        None => (location, None),
    };
    let (path, query) = location.split_once('?').unwrap_or((location, ""));
    let mut format = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == "format" {
            format = Some(Format::from_name(v).ok_or_else(|| format!("{reference}: unknown sops format {v:?}"))?);
        }
    }
    let full = if Path::new(path).is_absolute() { PathBuf::from(path) } else { base.join(path) };
    match fragment {
        None => {
            let format = format.unwrap_or(Format::Binary);
            match decryptor.decrypt_file_as(&full, format).map_err(|e| e.to_string())? {
                Plain::Data(bytes) => String::from_utf8(bytes).map_err(|_| format!("{reference}: decrypted data is not text")),
                Plain::Tree(node) if format == Format::Dotenv => Ok(dotenv_text(&node)),
                Plain::Tree(_) => Err(format!("{reference}: a YAML or JSON file needs a #/key fragment")),
            }
        }
        Some(fragment) => {
            let plain = decryptor.decrypt_file_as(&full, format.unwrap_or(Format::Yaml)).map_err(|e| e.to_string())?;
            let Plain::Tree(root) = plain else {
                return Err(format!("{reference}: a binary file has no keys"));
            };
            // vals walks maps only: a string ends the walk, anything else (a number, a list, a
            // missing key) reads as an empty map, and the result is then empty.
            let keys: Vec<&str> = fragment.trim_start_matches('#').trim_start_matches('/').split('/').collect();
            let mut current = Some(&root);
            for (i, key) in keys.iter().enumerate() {
                match current.and_then(|n| match n {
                    Node::Map(_) => n.get(key),
                    _ => None,
                }) {
                    Some(Node::Str(s)) if i + 1 == keys.len() => return Ok(s.clone()),
                    Some(Node::Str(_)) => {
                        return Err(format!("{reference}: the value at {:?} is a string, not a map", keys[..=i].join("/")));
                    }
                    Some(m @ Node::Map(_)) => current = Some(m),
                    _ => current = None,
                }
            }
            Ok(String::new())
        }
    }
}

/// A decrypted dotenv tree as sops prints it: `KEY=VALUE` lines, newlines as `\n`.
fn dotenv_text(node: &Node) -> String {
    let mut out = String::new();
    if let Node::Map(entries) = node {
        for (k, v) in entries {
            let _ = writeln!(out, "{k}={}", node_text(v).replace('\n', "\\n"));
        }
    }
    out
}

/// A value as text, as Go's `fmt.Sprint` prints it (maps and lists as YAML).
fn node_text(node: &Node) -> String {
    match node {
        Node::Null => String::new(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => crate::value::format_float(*f, b'g', -1),
        Node::Str(s) => s.clone(),
        Node::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Node::List(_) | Node::Map(_) => crate::yaml::to_yaml(&node.to_value()),
    }
}

// ---------------------------------------------------------------------------------------------
// Keys

fn load_age_identities() -> AgeIdentities {
    let mut out = AgeIdentities { identities: Vec::new(), looked: Vec::new(), problems: Vec::new() };
    let mut sources: Vec<(String, String)> = Vec::new();
    if let Ok(text) = std::env::var("SOPS_AGE_KEY") {
        sources.push(("SOPS_AGE_KEY".into(), text));
    }
    if let Ok(path) = std::env::var("SOPS_AGE_KEY_FILE") {
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.push((format!("SOPS_AGE_KEY_FILE ({path})"), text)),
            Err(e) => out.problems.push(format!("cannot read SOPS_AGE_KEY_FILE {path}: {e}")),
        }
    }
    if let Ok(cmd) = std::env::var("SOPS_AGE_KEY_CMD") {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        if let Some((program, args)) = words.split_first() {
            match std::process::Command::new(program).args(args).stderr(std::process::Stdio::null()).output() {
                Ok(o) if o.status.success() => {
                    sources.push(("SOPS_AGE_KEY_CMD".into(), String::from_utf8_lossy(&o.stdout).into_owned()))
                }
                Ok(o) => out.problems.push(format!("SOPS_AGE_KEY_CMD failed: {}", o.status)),
                Err(e) => out.problems.push(format!("SOPS_AGE_KEY_CMD: {e}")),
            }
        }
    }
    if let Some(dir) = user_config_dir() {
        let path = dir.join("sops/age/keys.txt");
        if let Ok(text) = std::fs::read_to_string(&path) {
            sources.push((path.display().to_string(), text));
        } else if sources.is_empty() {
            out.looked.push(path.display().to_string());
        }
    }
    for (name, text) in sources {
        let mut found = 0;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.parse::<age::x25519::Identity>() {
                Ok(id) => {
                    out.identities.push(id);
                    found += 1;
                }
                // The line is key material: report its number only.
                Err(_) => out.problems.push(format!("{name}: line {} is not an age identity", i + 1)),
            }
        }
        if found == 0 {
            out.problems.push(format!("{name}: no age identities"));
        }
        out.looked.push(name);
    }
    out
}

/// Go's `os.UserConfigDir` (with `XDG_CONFIG_HOME` honoured on macOS too, as sops does).
fn user_config_dir() -> Option<PathBuf> {
    if let Ok(x) = std::env::var("XDG_CONFIG_HOME")
        && !x.is_empty()
    {
        return Some(PathBuf::from(x));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    let home = PathBuf::from(home);
    if cfg!(target_os = "macos") { Some(home.join("Library/Application Support")) } else { Some(home.join(".config")) }
}

/// `gpg -d` on the armored data key, with `SOPS_GPG_EXEC` naming another binary.
fn gpg_decrypt(fingerprint: &str, enc: &str) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let program = std::env::var("SOPS_GPG_EXEC").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "gpg".into());
    let mut child = Command::new(&program)
        .args(["--batch", "-d"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("pgp key {fingerprint}: cannot run {program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(enc.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| format!("pgp key {fingerprint}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pgp key {fingerprint}: failed to decrypt sops data key with pgp: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

// ---------------------------------------------------------------------------------------------
// Tree walk, values and MAC

/// Decrypts every branch, returning the plain branches and the MAC sops computes over them
/// (upper-case hex SHA-512).
fn decrypt_tree(file: &str, branches: &[Node], meta: &Metadata, key: &[u8]) -> Result<(Vec<Node>, String), SopsError> {
    let mut hash = Sha512::new();
    if meta.mac_only_encrypted {
        hash.update(MAC_ONLY_ENCRYPTED_INIT);
    }
    let mut out = Vec::with_capacity(branches.len());
    for branch in branches {
        let mut path = Vec::new();
        out.push(walk(file, branch, &mut path, meta, key, &mut hash)?);
    }
    let digest = hash.finalize();
    let mut hex = String::with_capacity(128);
    for b in digest {
        let _ = write!(hex, "{b:02X}");
    }
    Ok((out, hex))
}

fn walk(file: &str, node: &Node, path: &mut Vec<String>, meta: &Metadata, key: &[u8], hash: &mut Sha512) -> Result<Node, SopsError> {
    match node {
        Node::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                path.push(k.clone());
                let plain = walk(file, v, path, meta, key, hash)?;
                path.pop();
                out.push((k.clone(), plain));
            }
            Ok(Node::Map(out))
        }
        // List items add nothing to the path.
        Node::List(items) => {
            Ok(Node::List(items.iter().map(|v| walk(file, v, path, meta, key, hash)).collect::<Result<_, _>>()?))
        }
        // sops leaves nulls alone and does not hash them.
        Node::Null => Ok(Node::Null),
        leaf => {
            let encrypted = should_be_encrypted(meta, path);
            let plain = if encrypted {
                let aad = format!("{}:", path.join(":"));
                let Node::Str(text) = leaf else {
                    return Err(SopsError::Value {
                        file: file.to_string(),
                        path: shown_path(path),
                        message: "the value is not encrypted".into(),
                    });
                };
                decrypt_value(text, key, &aad).map_err(|message| SopsError::Value {
                    file: file.to_string(),
                    path: shown_path(path),
                    message,
                })?
            } else {
                leaf.clone()
            };
            if !meta.mac_only_encrypted || encrypted {
                hash.update(mac_bytes(&plain));
            }
            Ok(plain)
        }
    }
}

fn shown_path(path: &[String]) -> String {
    if path.is_empty() { "the top level".into() } else { format!("{:?}", path.join(".")) }
}

/// sops' rule for whether the value at `path` is encrypted.
fn should_be_encrypted(meta: &Metadata, path: &[String]) -> bool {
    let mut encrypted = true;
    if !meta.unencrypted_suffix.is_empty() && path.iter().any(|p| p.ends_with(&meta.unencrypted_suffix)) {
        encrypted = false;
    }
    if !meta.encrypted_suffix.is_empty() {
        encrypted = path.iter().any(|p| p.ends_with(&meta.encrypted_suffix));
    }
    if let Some(re) = &meta.unencrypted_regex
        && path.iter().any(|p| re.is_match(p))
    {
        encrypted = false;
    }
    if let Some(re) = &meta.encrypted_regex {
        encrypted = path.iter().any(|p| re.is_match(p));
    }
    encrypted
}

/// What sops feeds the MAC for a plain value.
fn mac_bytes(v: &Node) -> Vec<u8> {
    match v {
        Node::Str(s) => s.as_bytes().to_vec(),
        Node::Bytes(b) => b.clone(),
        Node::Int(i) => i.to_string().into_bytes(),
        Node::Float(f) => go_format_float(*f).into_bytes(),
        Node::Bool(true) => b"True".to_vec(),
        Node::Bool(false) => b"False".to_vec(),
        Node::Null | Node::List(_) | Node::Map(_) => Vec::new(),
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, no exponent.
fn go_format_float(f: f64) -> String {
    crate::value::format_float(f, b'f', -1)
}

/// An `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` value split into its parts.
struct EncryptedValue {
    data: Vec<u8>,
    iv: Vec<u8>,
    tag: Vec<u8>,
    kind: String,
}

fn parse_encrypted(value: &str) -> Result<EncryptedValue, String> {
    use base64::Engine as _;
    let bad = || "the value is not in sops' ENC[AES256_GCM,…] format".to_string();
    let rest = value.strip_prefix("ENC[AES256_GCM,data:").ok_or_else(bad)?;
    let (data, rest) = rest.split_once(",iv:").ok_or_else(bad)?;
    let (iv, rest) = rest.split_once(",tag:").ok_or_else(bad)?;
    let (tag, rest) = rest.split_once(",type:").ok_or_else(bad)?;
    let kind = rest.strip_suffix(']').ok_or_else(bad)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let decode = |what: &str, s: &str| b64.decode(s).map_err(|e| format!("base64 of {what}: {e}"));
    Ok(EncryptedValue { data: decode("data", data)?, iv: decode("iv", iv)?, tag: decode("tag", tag)?, kind: kind.to_string() })
}

/// AES-256-GCM open with sops' 32-byte nonces (12-byte ones accepted too).
fn aes_gcm_open(key: &[u8], iv: &[u8], aad: &[u8], data: &[u8], tag: &[u8]) -> Result<Vec<u8>, String> {
    if tag.len() != 16 {
        return Err(format!("tag has {} bytes, want 16", tag.len()));
    }
    let mut buf = data.to_vec();
    let tag = GenericArray::from_slice(tag);
    let failed = |_| "authentication failed (wrong key, wrong key path, or changed value)".to_string();
    match iv.len() {
        32 => AesGcm::<aes::Aes256, U32>::new_from_slice(key)
            .map_err(|_| "bad key length".to_string())?
            .decrypt_in_place_detached(GenericArray::from_slice(iv), aad, &mut buf, tag)
            .map_err(failed)?,
        12 => AesGcm::<aes::Aes256, U12>::new_from_slice(key)
            .map_err(|_| "bad key length".to_string())?
            .decrypt_in_place_detached(GenericArray::from_slice(iv), aad, &mut buf, tag)
            .map_err(failed)?,
        n => return Err(format!("iv has {n} bytes (want 32)")),
    }
    Ok(buf)
}

/// Decrypts one sops value with its key path (`a:b:`) as additional data, typed as recorded.
fn decrypt_value(value: &str, key: &[u8], aad: &str) -> Result<Node, String> {
    if value.is_empty() {
        return Ok(Node::Str(String::new()));
    }
    let enc = parse_encrypted(value)?;
    let plain = aes_gcm_open(key, &enc.iv, aad.as_bytes(), &enc.data, &enc.tag)?;
    let text = || String::from_utf8(plain.clone()).map_err(|_| format!("decrypted {} is not UTF-8", enc.kind));
    // Parse errors say what was expected, not what was found (that is the secret).
    Ok(match enc.kind.as_str() {
        "str" => Node::Str(String::from_utf8(plain.clone()).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
        "int" | "int64" => Node::Int(text()?.parse().map_err(|_| format!("decrypted {} value is not an integer", enc.kind))?),
        "float" => Node::Float(parse_go_float(&text()?).ok_or("decrypted float value is not a number")?),
        "bool" => Node::Bool(parse_go_bool(&text()?).ok_or("decrypted bool value is not a boolean")?),
        "bytes" => Node::Bytes(plain),
        // Encrypted comments are not part of the values.
        "comment" => Node::Null,
        other => return Err(format!("unknown value type {other:?}")),
    })
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms sops writes.
fn parse_go_float(s: &str) -> Option<f64> {
    match s.trim_start_matches(['+', '-']).to_ascii_lowercase().as_str() {
        "inf" | "infinity" => return Some(if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    s.replace('_', "").parse().ok()
}

/// Compares the file's MAC (decrypted with `lastmodified` as additional data) with ours.
fn verify_mac(file: &str, meta: &Metadata, key: &[u8], computed: &str) -> Result<(), SopsError> {
    let mismatch = || SopsError::MacMismatch { file: file.to_string() };
    if meta.mac.is_empty() {
        return Err(mismatch());
    }
    let aad = rfc3339(&meta.last_modified)
        .ok_or_else(|| SopsError::Metadata { file: file.to_string(), message: "lastmodified is not an RFC 3339 time".into() })?;
    let Node::Str(stored) = decrypt_value(&meta.mac, key, &aad).map_err(|_| mismatch())? else {
        return Err(mismatch());
    };
    // Constant-time comparison: the MAC is derived from the secrets.
    let (a, b) = (stored.as_bytes(), computed.as_bytes());
    let differs = a.len() != b.len() || a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) != 0;
    if differs { Err(mismatch()) } else { Ok(()) }
}

/// `lastmodified` as Go's `time.Format(time.RFC3339)` prints the parsed time: fractional
/// seconds dropped, a zero offset written `Z`.
fn rfc3339(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() < 20 || !s.is_char_boundary(19) {
        return None;
    }
    let (base, rest) = s.split_at(19);
    let b = base.as_bytes();
    let shape_ok = base.char_indices().all(|(i, c)| match i {
        4 | 7 => c == '-',
        10 => c == 'T' || c == 't',
        13 | 16 => c == ':',
        _ => c.is_ascii_digit(),
    });
    if !shape_ok || b.len() != 19 {
        return None;
    }
    let rest = match rest.strip_prefix('.') {
        Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let zone = match rest {
        "Z" | "z" => "Z".to_string(),
        "+00:00" | "-00:00" => "Z".to_string(),
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && z.as_bytes()[3] == b':' => z.to_string(),
        _ => return None,
    };
    Some(format!("{}T{}{zone}", &base[..10], &base[11..]))
}

// ---------------------------------------------------------------------------------------------
// Metadata

fn metadata(file: &str, node: &Node) -> Result<Metadata, SopsError> {
    let bad = |message: String| SopsError::Metadata { file: file.to_string(), message };
    let text = |k: &str| node.get(k).and_then(Node::as_str).unwrap_or_default().to_string();
    let mut meta = Metadata {
        last_modified: text("lastmodified"),
        mac: text("mac"),
        unencrypted_suffix: text("unencrypted_suffix"),
        encrypted_suffix: text("encrypted_suffix"),
        mac_only_encrypted: matches!(node.get("mac_only_encrypted"), Some(Node::Bool(true))),
        ..Metadata::default()
    };
    let compile = |k: &str| -> Result<Option<regex::Regex>, SopsError> {
        match node.get(k).and_then(Node::as_str) {
            Some(r) if !r.is_empty() => regex::Regex::new(r).map(Some).map_err(|e| bad(format!("{k}: {e}"))),
            _ => Ok(None),
        }
    };
    meta.unencrypted_regex = compile("unencrypted_regex")?;
    meta.encrypted_regex = compile("encrypted_regex")?;
    let comment_rules: Vec<&str> = ["unencrypted_comment_regex", "encrypted_comment_regex"]
        .into_iter()
        .filter(|k| node.get(k).and_then(Node::as_str).is_some_and(|s| !s.is_empty()))
        .collect();
    if !comment_rules.is_empty() {
        return Err(SopsError::Unsupported {
            file: file.to_string(),
            message: format!("{} (encryption chosen by comments) is not supported", comment_rules.join(", ")),
        });
    }
    let chosen = [
        !meta.unencrypted_suffix.is_empty(),
        !meta.encrypted_suffix.is_empty(),
        meta.unencrypted_regex.is_some(),
        meta.encrypted_regex.is_some(),
    ]
    .into_iter()
    .filter(|b| *b)
    .count();
    if chosen > 1 {
        return Err(bad(
            "cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex and unencrypted_regex".into(),
        ));
    }
    if chosen == 0 {
        meta.unencrypted_suffix = DEFAULT_UNENCRYPTED_SUFFIX.into();
    }
    meta.key_groups = match node.get("key_groups") {
        Some(Node::List(groups)) if !groups.is_empty() => groups.iter().map(key_group).collect(),
        _ => vec![key_group(node)],
    };
    Ok(meta)
}

/// The master keys of a group (or of the flat metadata), in sops' order.
fn key_group(node: &Node) -> Vec<MasterKey> {
    let mut out = Vec::new();
    let entries = |k: &str| match node.get(k) {
        Some(Node::List(items)) => items.clone(),
        _ => Vec::new(),
    };
    let field = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).unwrap_or_default().to_string();
    for (kind, list, id) in [
        ("kms", "kms", "arn"),
        ("gcp_kms", "gcp_kms", "resource_id"),
        ("azure_kv", "azure_kv", "vault_url"),
        ("hc_vault", "hc_vault", "vault_address"),
    ] {
        for k in entries(list) {
            out.push(MasterKey::Other { kind, id: field(&k, id) });
        }
    }
    for k in entries("age") {
        out.push(MasterKey::Age { recipient: field(&k, "recipient"), enc: field(&k, "enc") });
    }
    for k in entries("pgp") {
        out.push(MasterKey::Pgp { fingerprint: field(&k, "fp"), enc: field(&k, "enc") });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Formats

type Parsed = (Vec<Node>, Node);

/// YAML: every document is a branch; the first document's `sops` key is the metadata.
fn parse_yaml(file: &str, bytes: &[u8]) -> Result<Parsed, SopsError> {
    let bad = |message: String| SopsError::Parse { file: file.to_string(), format: "YAML", message };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8".into()))?;
    let docs = yaml_tree::documents(text).map_err(bad)?;
    let mut meta = None;
    let mut branches = Vec::new();
    for doc in docs {
        let entries = match doc {
            Node::Map(entries) => entries,
            Node::Null => Vec::new(),
            _ => return Err(bad("a document is not a mapping".into())),
        };
        let mut kept = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            if k == "sops" {
                meta.get_or_insert(v);
            } else {
                kept.push((k, v));
            }
        }
        branches.push(Node::Map(kept));
    }
    let meta = meta.ok_or_else(|| SopsError::NoMetadata { file: file.to_string() })?;
    Ok((branches, meta))
}

/// JSON (and binary, which is JSON with a `data` key): one branch, `sops` holds the metadata.
fn parse_json(file: &str, bytes: &[u8], format: Format) -> Result<Parsed, SopsError> {
    let name = if format == Format::Binary { "binary" } else { "JSON" };
    let root: Node = serde_json::from_slice::<JsonNode>(bytes)
        .map_err(|e| SopsError::Parse { file: file.to_string(), format: name, message: e.to_string() })?
        .0;
    let Node::Map(entries) = root else {
        return Err(SopsError::Parse { file: file.to_string(), format: name, message: "the document is not an object".into() });
    };
    let mut meta = None;
    let mut kept = Vec::new();
    for (k, v) in entries {
        if k == "sops" {
            meta = Some(v);
        } else {
            kept.push((k, v));
        }
    }
    let meta = meta.ok_or_else(|| SopsError::NoMetadata { file: file.to_string() })?;
    Ok((vec![Node::Map(kept)], meta))
}

/// dotenv: `KEY=VALUE` lines (`\n` escapes newlines), `#` comments; metadata flattened into
/// `sops_`-prefixed keys (`sops_age__list_0__map_enc`).
fn parse_dotenv(file: &str, bytes: &[u8]) -> Result<Parsed, SopsError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| SopsError::Parse { file: file.to_string(), format: "dotenv", message: "not UTF-8".into() })?;
    let mut entries = Vec::new();
    let mut flat: Vec<(String, String)> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(SopsError::Parse {
                file: file.to_string(),
                format: "dotenv",
                message: format!("line {} has no '='", i + 1),
            });
        };
        let value = value.replace("\\n", "\n");
        match key.strip_prefix("sops_") {
            Some(meta_key) => flat.push((meta_key.to_string(), value)),
            None => entries.push((key.to_string(), Node::Str(value))),
        }
    }
    if flat.is_empty() {
        return Err(SopsError::NoMetadata { file: file.to_string() });
    }
    let mut meta = Node::Map(Vec::new());
    for (path, value) in flat {
        let value = match (path.as_str(), value.as_str()) {
            ("mac_only_encrypted", v) => Node::Bool(v == "true"),
            _ => Node::Str(value),
        };
        unflatten_into(&mut meta, &path, value);
    }
    Ok((vec![Node::Map(entries)], meta))
}

/// Places `value` at a flattened sops path (`a__list_0__map_b`).
fn unflatten_into(root: &mut Node, path: &str, value: Node) {
    enum Step {
        Key(String),
        Index(usize),
    }
    let mut steps = Vec::new();
    let mut rest = path;
    let mut current = Step::Key(String::new());
    let mut first = true;
    loop {
        let next_map = rest.find("__map_");
        let next_list = rest.find("__list_");
        let cut = match (next_map, next_list) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let (token, after) = match cut {
            Some(at) => (&rest[..at], Some(&rest[at..])),
            None => (rest, None),
        };
        current = match current {
            Step::Key(_) if first => Step::Key(token.to_string()),
            Step::Key(_) => Step::Key(token.to_string()),
            Step::Index(_) => Step::Index(token.parse().unwrap_or(0)),
        };
        first = false;
        steps.push(current);
        let Some(after) = after else { break };
        if let Some(r) = after.strip_prefix("__map_") {
            current = Step::Key(String::new());
            rest = r;
        } else if let Some(r) = after.strip_prefix("__list_") {
            current = Step::Index(0);
            rest = r;
        } else {
            break;
        }
    }
    let mut node = root;
    let last = steps.len().saturating_sub(1);
    for (i, step) in steps.into_iter().enumerate() {
        let leaf = i == last;
        node = match step {
            Step::Key(k) => {
                if !matches!(node, Node::Map(_)) {
                    *node = Node::Map(Vec::new());
                }
                let Node::Map(entries) = node else { return };
                let pos = match entries.iter().position(|(key, _)| *key == k) {
                    Some(p) => p,
                    None => {
                        entries.push((k, Node::Null));
                        entries.len() - 1
                    }
                };
                &mut entries[pos].1
            }
            Step::Index(idx) => {
                if !matches!(node, Node::List(_)) {
                    *node = Node::List(Vec::new());
                }
                let Node::List(items) = node else { return };
                if items.len() <= idx {
                    items.resize(idx + 1, Node::Null);
                }
                &mut items[idx]
            }
        };
        if leaf {
            *node = value;
            return;
        }
    }
}

/// A JSON document read into an ordered [`Node`] (serde_json's own map would sort keys).
struct JsonNode(Node);

impl<'de> serde::Deserialize<'de> for JsonNode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonNode;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<JsonNode, E> {
                Ok(JsonNode(Node::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<JsonNode, E> {
                Ok(JsonNode(Node::Int(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<JsonNode, E> {
                Ok(JsonNode(i64::try_from(v).map(Node::Int).unwrap_or(Node::Float(v as f64))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<JsonNode, E> {
                Ok(JsonNode(Node::Float(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<JsonNode, E> {
                Ok(JsonNode(Node::Str(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<JsonNode, E> {
                Ok(JsonNode(Node::Str(v)))
            }
            fn visit_unit<E>(self) -> Result<JsonNode, E> {
                Ok(JsonNode(Node::Null))
            }
            fn visit_none<E>(self) -> Result<JsonNode, E> {
                Ok(JsonNode(Node::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonNode, A::Error> {
                let mut items = Vec::new();
                while let Some(JsonNode(n)) = seq.next_element()? {
                    items.push(n);
                }
                Ok(JsonNode(Node::List(items)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonNode, A::Error> {
                let mut entries: Vec<(String, Node)> = Vec::new();
                while let Some((k, JsonNode(v))) = map.next_entry::<String, JsonNode>()? {
                    // encoding/json keeps the last of duplicate keys; sops' token reader keeps both.
                    entries.push((k, v));
                }
                Ok(JsonNode(Node::Map(entries)))
            }
        }
        d.deserialize_any(V)
    }
}

/// An order-preserving YAML reader with go-yaml v3's scalar resolution (what sops uses).
mod yaml_tree {
    use std::collections::HashMap;

    use saphyr_parser::{Event, Parser, ScalarStyle};

    use super::Node;

    pub fn documents(text: &str) -> Result<Vec<Node>, String> {
        let mut parser = Parser::new_from_str(text);
        let mut docs = Vec::new();
        let mut anchors: HashMap<usize, Node> = HashMap::new();
        // Open collections: (node, anchor id, pending key for maps).
        let mut stack: Vec<(Node, usize, Option<String>)> = Vec::new();
        let mut root: Option<Node> = None;
        loop {
            let (event, span) = match parser.next_event() {
                None => break,
                Some(Ok(e)) => e,
                Some(Err(e)) => return Err(format!("line {}: {}", e.marker().line(), e.info())),
            };
            let done: Option<(Node, usize)> = match event {
                Event::StreamStart | Event::Nothing | Event::DocumentStart(_) => None,
                Event::StreamEnd => break,
                Event::DocumentEnd => {
                    docs.push(root.take().unwrap_or(Node::Null));
                    None
                }
                Event::Alias(id) => {
                    let node = anchors.get(&id).cloned().ok_or_else(|| format!("line {}: unknown anchor", span.start.line()))?;
                    Some((node, 0))
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                    Some((scalar(&value, style == ScalarStyle::Plain, tag.as_deref()), anchor))
                }
                Event::SequenceStart(anchor, _) => {
                    stack.push((Node::List(Vec::new()), anchor, None));
                    None
                }
                Event::MappingStart(anchor, _) => {
                    stack.push((Node::Map(Vec::new()), anchor, None));
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => stack.pop().map(|(n, a, _)| (n, a)),
            };
            let Some((node, anchor)) = done else { continue };
            if anchor != 0 {
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                None => root = Some(node),
                Some((Node::List(items), _, _)) => items.push(node),
                Some((Node::Map(entries), _, pending)) => match pending.take() {
                    None => *pending = Some(key_text(&node)),
                    Some(k) => entries.push((k, node)),
                },
                Some(_) => {}
            }
        }
        if let Some(r) = root.take() {
            docs.push(r);
        }
        Ok(docs)
    }

    fn key_text(node: &Node) -> String {
        match node {
            Node::Str(s) => s.clone(),
            Node::Null => String::new(),
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            Node::Float(f) => super::go_format_float(*f),
            _ => String::new(),
        }
    }

    /// go-yaml v3's resolution of a scalar decoded into `interface{}`.
    fn scalar(value: &str, plain: bool, tag: Option<&str>) -> Node {
        match tag {
            Some("!!str" | "tag:yaml.org,2002:str") => return Node::Str(value.to_string()),
            Some("!!binary" | "tag:yaml.org,2002:binary") => {
                use base64::Engine as _;
                let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(cleaned) {
                    return Node::Str(String::from_utf8_lossy(&b).into_owned());
                }
            }
            _ => {}
        }
        if !plain {
            return Node::Str(value.to_string());
        }
        match value {
            "" | "~" | "null" | "Null" | "NULL" => return Node::Null,
            "true" | "True" | "TRUE" => return Node::Bool(true),
            "false" | "False" | "FALSE" => return Node::Bool(false),
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Node::Float(f64::INFINITY),
            "-.inf" | "-.Inf" | "-.INF" => return Node::Float(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => return Node::Float(f64::NAN),
            _ => {}
        }
        if let Some(i) = parse_int(value) {
            return Node::Int(i);
        }
        if crate::yaml::is_yaml_float(value)
            && let Ok(f) = value.parse::<f64>()
        {
            return Node::Float(f);
        }
        Node::Str(value.to_string())
    }

    /// Go's `strconv.ParseInt(s, 0, 64)` (signs, `0x`/`0o`/`0b`, leading-0 octal, `_`).
    fn parse_int(s: &str) -> Option<i64> {
        let (neg, body) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if body.is_empty() {
            return None;
        }
        let lower = body.to_ascii_lowercase();
        let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
            (16, d.to_string(), true)
        } else if let Some(d) = lower.strip_prefix("0o") {
            (8, d.to_string(), true)
        } else if let Some(d) = lower.strip_prefix("0b") {
            (2, d.to_string(), true)
        } else if lower.len() > 1 && lower.starts_with('0') {
            (8, lower[1..].to_string(), true)
        } else {
            (10, lower.clone(), false)
        };
        // Underscores only with a base prefix, and only between digits.
        if digits.contains('_') && (!prefixed || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__")) {
            return None;
        }
        let digits = digits.replace('_', "");
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let magnitude = u64::from_str_radix(&digits, radix).ok()?;
        if neg {
            if magnitude <= i64::MAX as u64 + 1 { Some((magnitude as i128).wrapping_neg() as i64) } else { None }
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn keeps_order_and_resolves_like_go_yaml_v3() {
            let docs = documents("b: 1\na: [x, 0x10, 1.5, true, ~, 'q', on]\n---\nc: d\n").unwrap();
            assert_eq!(docs.len(), 2);
            let Node::Map(e) = &docs[0] else { panic!() };
            assert_eq!(e[0], ("b".into(), Node::Int(1)));
            assert_eq!(
                e[1].1,
                Node::List(vec![
                    Node::Str("x".into()),
                    Node::Int(16),
                    Node::Float(1.5),
                    Node::Bool(true),
                    Node::Null,
                    Node::Str("q".into()),
                    Node::Str("on".into()),
                ])
            );
        }

        #[test]
        fn aliases_expand() {
            let docs = documents("a: &x {k: v}\nb: *x\n").unwrap();
            let Node::Map(e) = &docs[0] else { panic!() };
            assert_eq!(e[0].1, e[1].1);
        }
    }
}

#[cfg(test)]
mod tests;
