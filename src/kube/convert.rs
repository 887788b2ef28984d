//! Template values ⇄ JSON objects, and rendered manifests → objects to apply.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::value::{Map, Value};

/// A value as Go's `encoding/json` would write it: integral float64s become integers (helm's
/// values are all float64; `3` must stay `3`, not `3.0`), bytes become base64 strings.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Json::from(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
                Json::from(*f as i64)
            } else {
                serde_json::Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null)
            }
        }
        Value::String(s) => Json::String(s.to_string()),
        Value::Bytes(b) => {
            use base64::Engine;
            Json::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Value::List(l) => Json::Array(l.items.iter().map(value_to_json).collect()),
        Value::Map(m) => {
            let data = m.0.borrow();
            Json::Object(data.entries.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect())
        }
        Value::Object(o) => Json::String(format!("{o:?}")),
    }
}

/// JSON read back as helm reads values: every number a float64.
pub fn json_to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Value::str(s.as_str()),
        Json::Array(items) => Value::list(items.iter().map(json_to_value).collect()),
        Json::Object(m) => {
            let entries: BTreeMap<String, Value> = m.iter().map(|(k, v)| (k.clone(), json_to_value(v))).collect();
            Value::Map(Map::from_entries(entries))
        }
    }
}

/// The objects of a rendered manifest (`---`-separated YAML), empty documents skipped.
pub fn manifest_objects(text: &str) -> Result<Vec<Json>, String> {
    let docs = crate::yaml::parse_documents(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for doc in docs {
        match value_to_json(&doc) {
            Json::Null => {}
            Json::Object(m) if m.is_empty() => {}
            obj @ Json::Object(_) => out.push(obj),
            other => return Err(format!("a manifest document must be a mapping, got {other}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_become_json_objects_with_integers() {
        let text = "---\n# Source: a/templates/x.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n---\n# empty\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 3\n  ratio: 0.5\n";
        let objs = manifest_objects(text).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0]["data"]["a"], Json::String("1".into()));
        assert_eq!(objs[1]["spec"]["replicas"].to_string(), "3");
        assert_eq!(objs[1]["spec"]["ratio"].to_string(), "0.5");
        assert!(manifest_objects("- a\n- b\n").is_err());
    }

    #[test]
    fn json_round_trips_through_values() {
        let j: Json = serde_json::from_str(r#"{"a":{"b":[1,"x",true,null]},"c":2.5}"#).unwrap();
        assert_eq!(value_to_json(&json_to_value(&j)), j);
    }
}
