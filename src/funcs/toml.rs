//! helm's `toToml`: the TOML encoder of BurntSushi/toml as each helm vendors it (v1.3.2 in
//! helm 3.15, v1.6.0 in helm 4.1), applied to template values. The two differ in how floats
//! and non-finite numbers are written.

use crate::value::{Value, format_float};

/// Which BurntSushi/toml release to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlVersion {
    V1_3_2,
    V1_6_0,
}

const ERR_NIL_ELEMENT: &str = "toml: cannot encode array with nil element";
const ERR_NO_KEY: &str = "toml: top-level values must be Go maps or structs";

/// The encoded document, or the encoder's error text (what helm's `toToml` returns either way).
pub fn to_toml(v: &Value, version: TomlVersion) -> String {
    let mut enc = Encoder { out: String::new(), has_written: false, version };
    match enc.encode(&[], v) {
        Ok(()) => enc.out,
        Err(e) => e,
    }
}

/// The TOML types the encoder tells apart (`tomlTypeOfGo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TomlType {
    Scalar,
    Array,
    Hash,
    ArrayHash,
}

fn plain(v: &Value) -> Value {
    match v {
        Value::Object(o) => o.underlying().unwrap_or_else(|| o.to_value()),
        other => other.clone(),
    }
}

fn toml_type(v: &Value) -> Result<Option<TomlType>, String> {
    Ok(match plain(v) {
        Value::Nil => None,
        Value::Map(_) => Some(TomlType::Hash),
        Value::List(l) => Some(if is_table_array(&l.items)? { TomlType::ArrayHash } else { TomlType::Array }),
        Value::Bytes(_) => Some(TomlType::Array),
        _ => Some(TomlType::Scalar),
    })
}

fn is_table_array(items: &[Value]) -> Result<bool, String> {
    if items.is_empty() {
        return Ok(false);
    }
    let mut ret = true;
    for item in items {
        let tt = toml_type(item)?.ok_or_else(|| ERR_NIL_ELEMENT.to_string())?;
        if ret && tt != TomlType::Hash {
            ret = false;
        }
    }
    Ok(ret)
}

fn is_bare_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The encoder's `dblQuotedReplacer`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn maybe_quoted(k: &str) -> String {
    if k.is_empty() {
        return "\"\"".into();
    }
    if k.chars().all(is_bare_key_char) {
        k.to_string()
    } else {
        format!("\"{}\"", escape(k))
    }
}

fn key_string(key: &[String]) -> String {
    key.iter().map(|k| maybe_quoted(k)).collect::<Vec<_>>().join(".")
}

struct Encoder {
    out: String,
    has_written: bool,
    version: TomlVersion,
}

impl Encoder {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.has_written = true;
    }

    fn newline(&mut self) {
        if self.has_written {
            self.write("\n");
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        match plain(v) {
            Value::Nil => Ok(()),
            Value::Map(_) => self.table(key, v),
            Value::List(l) => {
                if is_table_array(&l.items)? {
                    self.array_of_tables(key, &l.items)
                } else {
                    self.write_key_value(key, v, false)
                }
            }
            _ => self.write_key_value(key, v, false),
        }
    }

    fn write_key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        if key.is_empty() {
            return self.element(v);
        }
        let head = format!("{}{} = ", Self::indent(key), maybe_quoted(&key[key.len() - 1]));
        self.write(&head);
        self.element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        match plain(v) {
            Value::String(s) => {
                let text = format!("\"{}\"", escape(&s));
                self.write(&text);
            }
            Value::Bool(b) => self.write(if b { "true" } else { "false" }),
            Value::Int(i) | Value::Int64(i) => self.write(&i.to_string()),
            Value::Float(f) => {
                let text = self.float(f);
                self.write(&text);
            }
            Value::List(l) => {
                self.write("[");
                for (i, item) in l.items.iter().enumerate() {
                    self.element(item)?;
                    if i != l.items.len() - 1 {
                        self.write(", ");
                    }
                }
                self.write("]");
            }
            Value::Bytes(b) => {
                let text = format!("[{}]", b.iter().map(u8::to_string).collect::<Vec<_>>().join(", "));
                self.write(&text);
            }
            Value::Map(_) => self.map(&[], v, true)?,
            Value::Nil | Value::Object(_) => return Err("toml: cannot encode a nil value".into()),
        }
        Ok(())
    }

    fn float(&self, f: f64) -> String {
        match self.version {
            TomlVersion::V1_3_2 => {
                if f.is_nan() {
                    "nan".into()
                } else if f.is_infinite() {
                    if f.is_sign_negative() { "-inf".into() } else { "+inf".into() }
                } else {
                    let s = format_float(f, b'f', -1);
                    if s.contains('.') { s } else { s + ".0" }
                }
            }
            TomlVersion::V1_6_0 => {
                let sign = if f.is_sign_negative() { "-" } else { "" };
                if f.is_nan() {
                    format!("{sign}nan")
                } else if f.is_infinite() {
                    format!("{sign}inf")
                } else {
                    let s = format_float(f, b'g', -1);
                    if s.contains(['e', '.']) { s } else { s + ".0" }
                }
            }
        }
    }

    fn array_of_tables(&mut self, key: &[String], items: &[Value]) -> Result<(), String> {
        if key.is_empty() {
            return Err(ERR_NO_KEY.into());
        }
        for item in items {
            if item.is_nil() {
                continue;
            }
            self.newline();
            let head = format!("{}[[{}]]", Self::indent(key), key_string(key));
            self.write(&head);
            self.newline();
            self.map(key, item, false)?;
        }
        Ok(())
    }

    fn table(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        if key.len() == 1 {
            // An extra newline between top-level tables.
            self.newline();
        }
        if !key.is_empty() {
            let head = format!("{}[{}]", Self::indent(key), key_string(key));
            self.write(&head);
            self.newline();
        }
        self.map(key, v, false)
    }

    fn map(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        let Value::Map(m) = plain(v) else { return Ok(()) };
        let entries = m.entries();
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, val) in &entries {
            match toml_type(val)? {
                Some(TomlType::Hash | TomlType::ArrayHash) => sub.push((k.clone(), val.clone())),
                _ => direct.push((k.clone(), val.clone())),
            }
        }
        if inline {
            self.write("{");
        }
        let trail = !sub.is_empty();
        self.map_keys(key, &direct, trail, inline)?;
        self.map_keys(key, &sub, false, inline)?;
        if inline {
            self.write("}");
        }
        Ok(())
    }

    fn map_keys(&mut self, key: &[String], keys: &[(String, Value)], trail: bool, inline: bool) -> Result<(), String> {
        for (i, (k, val)) in keys.iter().enumerate() {
            if val.is_nil() {
                continue;
            }
            if inline {
                self.write_key_value(std::slice::from_ref(k), val, true)?;
                if trail || i != keys.len() - 1 {
                    self.write(", ");
                }
            } else {
                let mut sub_key = key.to_vec();
                sub_key.push(k.clone());
                self.encode(&sub_key, val)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    #[test]
    fn tables_follow_scalars_and_floats_differ_by_version() {
        let inner = Map::new();
        inner.insert("c", Value::Float(1.0));
        let top = Map::new();
        top.insert("a", Value::Map(inner));
        top.insert("top", Value::Float(1e21));
        let v = Value::Map(top);
        assert_eq!(to_toml(&v, TomlVersion::V1_3_2), "top = 1000000000000000000000.0\n\n[a]\n  c = 1.0\n");
        assert_eq!(to_toml(&v, TomlVersion::V1_6_0), "top = 1e+21\n\n[a]\n  c = 1.0\n");
    }
}
