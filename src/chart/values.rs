//! Values as helm computes them: user values files merged in order, then coalesced with the
//! chart's defaults and its subcharts' (nulls delete defaults, parent values win, globals flow
//! down), then split into each chart's `.Values`.

use crate::funcs::HelmCompat;
use crate::value::{Map, Value};

use super::model::Chart;

/// `values.yaml` key holding values shared with every subchart.
pub const GLOBAL_KEY: &str = "global";

/// A coalescing error, worded as helm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValuesError(pub String);

/// Warnings helm logs while coalescing (`warning: skipped value for …`).
pub type Warnings = Vec<String>;

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() { b.to_string() } else { format!("{a}.{b}") }
}

/// helm's `mergeMaps` for `-f` files: maps merge recursively, anything else is replaced.
pub fn merge_maps(base: &Map, over: &Map) -> Map {
    let out = Map::new();
    for (k, v) in base.entries() {
        out.insert(k, v);
    }
    for (k, v) in over.entries() {
        if let (Value::Map(new), Some(Value::Map(old))) = (&v, out.get(&k)) {
            out.insert(k, Value::Map(merge_maps(&old, new)));
        } else {
            out.insert(k, v);
        }
    }
    out
}

/// Reads a values file as the given helm reads it. helm 3 reads the first YAML document
/// only; helm 4 splits the stream on `---` lines (as apimachinery's YAML reader does) and
/// deep-merges every document, each parsed on its own (so error lines count from the
/// document's first line).
pub fn read_values(text: &str, compat: crate::funcs::HelmCompat) -> Result<Map, String> {
    let not_a_map = |v: &Value| {
        format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            v.json_kind()
        )
    };
    if compat != crate::funcs::HelmCompat::V4 {
        return match crate::yaml::parse_values(text) {
            Ok(Value::Map(m)) => Ok(m),
            Ok(Value::Nil) => Ok(Map::new()),
            Ok(other) => Err(not_a_map(&other)),
            Err(e) => Err(e.to_string()),
        };
    }
    let mut merged = Map::new();
    for doc in split_yaml_documents(text)? {
        match crate::yaml::parse_values(doc) {
            Ok(Value::Map(m)) => merged = merge_maps(&merged, &m),
            Ok(Value::Nil) => {}
            Ok(other) => return Err(format!("cannot unmarshal yaml document: {}", not_a_map(&other))),
            Err(e) => return Err(format!("cannot unmarshal yaml document: {e}")),
        }
    }
    Ok(merged)
}

/// apimachinery's `YAMLReader`: a line starting with `---` ends a document when only spaces
/// or a comment follow; empty documents are skipped.
fn split_yaml_documents(text: &str) -> Result<Vec<&str>, String> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = &text[pos..end];
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!("error reading yaml document: invalid Yaml document separator: {trimmed}"));
            }
            if pos > start {
                docs.push(&text[start..pos]);
            }
            start = end;
        }
        pos = end;
    }
    if text.len() > start {
        docs.push(&text[start..]);
    }
    Ok(docs)
}

/// The user's values flags of `helm template`/`install`, in the order given on the command line.
#[derive(Debug, Clone, Default)]
pub struct UserValues {
    /// `-f/--values` files.
    pub files: Vec<std::path::PathBuf>,
    pub json: Vec<String>,
    pub set: Vec<String>,
    pub string: Vec<String>,
    pub file: Vec<String>,
    pub literal: Vec<String>,
}

/// Go's `os.ReadFile` error text.
fn read_file(path: &str) -> Result<Vec<u8>, String> {
    if path.trim() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| e.to_string())?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => return format!("read {path}: is a directory"),
            _ => e.to_string(),
        };
        format!("open {path}: {what}")
    })
}

/// helm's `values.Options.MergeValues`: `-f` files deep-merged in order, then `--set-json`,
/// `--set`, `--set-string`, `--set-file` and `--set-literal`.
pub fn merge_user_values(opts: &UserValues, compat: crate::funcs::HelmCompat) -> Result<Map, ValuesError> {
    use super::strvals;
    let mut base = Map::new();
    for file in &opts.files {
        let name = file.display().to_string();
        let data = read_file(&name).map_err(ValuesError)?;
        let text = String::from_utf8_lossy(&data);
        let parsed = read_values(&text, compat).map_err(|e| ValuesError(format!("failed to parse {name}: {e}")))?;
        base = merge_maps(&base, &parsed);
    }
    for value in &opts.json {
        let trimmed = value.trim();
        if compat == crate::funcs::HelmCompat::V4 && trimmed.starts_with('{') {
            let parsed = match serde_json::from_str::<serde_json::Value>(trimmed) {
                Ok(v @ serde_json::Value::Object(_)) => strvals::json_value(v),
                _ => return Err(ValuesError(format!("failed parsing --set-json data JSON: {value}"))),
            };
            if let Value::Map(m) = parsed {
                base = merge_maps(&base, &m);
            }
            continue;
        }
        strvals::parse_json(value, &base).map_err(|_| ValuesError(format!("failed parsing --set-json data {value}")))?;
    }
    for value in &opts.set {
        strvals::parse_into(value, &base).map_err(|e| ValuesError(format!("failed parsing --set data: {e}")))?;
    }
    for value in &opts.string {
        strvals::parse_into_string(value, &base)
            .map_err(|e| ValuesError(format!("failed parsing --set-string data: {e}")))?;
    }
    let reader = |path: &str| -> Result<Value, String> {
        let data = read_file(path)?;
        Ok(Value::str(String::from_utf8_lossy(&data).into_owned()))
    };
    for value in &opts.file {
        strvals::parse_into_file(value, &base, &reader)
            .map_err(|e| ValuesError(format!("failed parsing --set-file data: {e}")))?;
    }
    for value in &opts.literal {
        strvals::parse_literal_into(value, &base)
            .map_err(|e| ValuesError(format!("failed parsing --set-literal data: {e}")))?;
    }
    Ok(base)
}

/// helm's `CoalesceValues`: the user's values (not modified) coalesced with the chart tree's
/// defaults.
pub fn coalesce_values(chart: &Chart, user: &Map, warnings: &mut Warnings, compat: HelmCompat) -> Result<Map, ValuesError> {
    let dest = match Value::Map(user.clone()).deep_copy() {
        Value::Map(m) => m,
        _ => Map::new(),
    };
    coalesce(chart, &dest, "", false, warnings, compat)?;
    Ok(dest)
}

/// helm's `MergeValues`: like `coalesce_values`, but a `null` is kept rather than deleting
/// the default.
pub fn merge_values(chart: &Chart, user: &Map, warnings: &mut Warnings, compat: HelmCompat) -> Result<Map, ValuesError> {
    let dest = match Value::Map(user.clone()).deep_copy() {
        Value::Map(m) => m,
        _ => Map::new(),
    };
    coalesce(chart, &dest, "", true, warnings, compat)?;
    Ok(dest)
}

/// helm's `MergeTables`: `src` fills gaps in `dst` (which is changed and returned); nulls kept.
pub fn merge_tables(dst: &Map, src: &Map, warnings: &mut Warnings, compat: HelmCompat) -> Map {
    coalesce_tables(dst, src, "", true, warnings, compat);
    dst.clone()
}

/// helm's `Values.Table`: the map at a dotted path.
pub fn table(values: &Map, path: &str) -> Option<Map> {
    let mut cur = values.clone();
    for part in path.split('.') {
        match cur.get(part) {
            Some(Value::Map(m)) => cur = m,
            _ => return None,
        }
    }
    Some(cur)
}

/// helm's `Values.PathValue`: the non-table value at a dotted path.
pub fn path_value(values: &Map, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let (table_path, key) = match path.rsplit_once('.') {
        Some((t, k)) => (Some(t), k),
        None => (None, path),
    };
    let t = match table_path {
        None => values.clone(),
        Some(t) => table(values, t)?,
    };
    match t.get(key) {
        Some(Value::Map(_)) | None => None,
        Some(v) => Some(v),
    }
}

fn coalesce(chart: &Chart, dest: &Map, prefix: &str, merge: bool, warnings: &mut Warnings, compat: HelmCompat) -> Result<(), ValuesError> {
    coalesce_chart_values(chart, dest, prefix, merge, warnings, compat);
    coalesce_deps(chart, dest, prefix, merge, warnings, compat)
}

fn coalesce_deps(chart: &Chart, dest: &Map, prefix: &str, merge: bool, warnings: &mut Warnings, compat: HelmCompat) -> Result<(), ValuesError> {
    for sub in &chart.subcharts {
        let name = sub.name();
        let sub_map = match dest.get(name) {
            None => {
                let m = Map::new();
                dest.insert(name, Value::Map(m.clone()));
                m
            }
            Some(Value::Map(m)) => m,
            Some(other) => {
                return Err(ValuesError(format!(
                    "type mismatch on {name}: {}",
                    crate::value::sprintf("%t", std::slice::from_ref(&other))
                )));
            }
        };
        let sub_prefix = concat_prefix(prefix, chart.name());
        coalesce_globals(&sub_map, dest, &sub_prefix, warnings, compat);
        coalesce(sub, &sub_map, &sub_prefix, merge, warnings, compat)?;
    }
    Ok(())
}

/// Copies the parent's globals into a subchart's values; the parent's win.
fn coalesce_globals(dest: &Map, src: &Map, prefix: &str, warnings: &mut Warnings, compat: HelmCompat) {
    let dg = match dest.get(GLOBAL_KEY) {
        None => Map::new(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            warnings.push(format!("warning: skipping globals because destination {GLOBAL_KEY} is not a table."));
            return;
        }
    };
    let sg = match src.get(GLOBAL_KEY) {
        None => Map::new(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            warnings.push(format!("warning: skipping globals because source {GLOBAL_KEY} is not a table."));
            return;
        }
    };
    for (key, val) in sg.entries() {
        if let Value::Map(vm) = &val {
            // A shallow copy, as helm's copyMap.
            let vv = Map::new();
            for (k, v) in vm.entries() {
                vv.insert(k, v);
            }
            match dg.get(&key) {
                None => dg.insert(key, Value::Map(vv)),
                Some(Value::Map(destv)) => {
                    coalesce_tables(&vv, &destv, &concat_prefix(prefix, &key), true, warnings, compat);
                    dg.insert(key, Value::Map(vv));
                }
                Some(_) => warnings.push(format!("Conflict: cannot merge map onto non-map for {key:?}. Skipping.")),
            }
        } else if matches!(dg.get(&key), Some(Value::Map(_))) {
            warnings.push(format!("key {key} is table. Skipping"));
        } else {
            dg.insert(key, val);
        }
    }
    dest.insert(GLOBAL_KEY, Value::Map(dg));
}

/// Fills `v` with the chart's defaults where the user gave nothing; a user `null` deletes the
/// default.
fn coalesce_chart_values(chart: &Chart, v: &Map, prefix: &str, merge: bool, warnings: &mut Warnings, compat: HelmCompat) {
    let sub_prefix = concat_prefix(prefix, chart.name());
    let defaults = match Value::Map(chart.values.clone()).deep_copy() {
        Value::Map(m) => m,
        _ => Map::new(),
    };
    for (key, val) in defaults.entries() {
        match v.get(&key) {
            Some(Value::Nil) if !merge => {
                v.remove(&key);
            }
            Some(Value::Map(dest)) => match &val {
                Value::Map(src) => {
                    let merge = merge || (compat == HelmCompat::V4 && chart.subcharts.iter().any(|s| s.name() == key));
                    coalesce_tables(&dest, src, &concat_prefix(&sub_prefix, &key), merge, warnings, compat)
                }
                Value::Nil => {}
                _ => warnings.push(format!("warning: skipped value for {sub_prefix}.{key}: Not a table.")),
            },
            Some(_) => {}
            None => v.insert(key, val),
        }
    }
}

/// helm's `coalesceTablesFullKey`: `src` fills gaps in `dst`.
fn coalesce_tables(dst: &Map, src: &Map, prefix: &str, merge: bool, warnings: &mut Warnings, compat: HelmCompat) {
    // helm 4 keeps a user's null where the default is null too (and marks it in `src`).
    let v4 = compat == HelmCompat::V4;
    let src_non_nil: Vec<String> =
        if v4 { src.entries().into_iter().filter(|(_, v)| !v.is_nil()).map(|(k, _)| k).collect() } else { Vec::new() };
    if v4 {
        for (key, val) in dst.entries() {
            if val.is_nil() {
                src.insert(key, Value::Nil);
            }
        }
    }
    for (key, val) in src.entries() {
        let full_key = concat_prefix(prefix, &key);
        match dst.get(&key) {
            Some(Value::Nil) if !merge && (!v4 || src_non_nil.contains(&key)) => {
                dst.remove(&key);
            }
            None => dst.insert(key, val),
            Some(Value::Nil) if !matches!(val, Value::Map(_)) => {}
            Some(dv) => {
                if let Value::Map(src_table) = &val {
                    if let Value::Map(dst_table) = &dv {
                        coalesce_tables(dst_table, src_table, &full_key, merge, warnings, compat);
                    } else {
                        warnings.push(format!(
                            "warning: cannot overwrite table with non table for {full_key} ({})",
                            val.go_format()
                        ));
                    }
                } else if is_table(&dv) && !val.is_nil() {
                    warnings.push(format!(
                        "warning: destination for {full_key} is a table. Ignoring non-table value ({})",
                        val.go_format()
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::model::Chart;
    use crate::chart::objects::ChartMeta;

    fn yaml_map(text: &str) -> Map {
        match crate::yaml::parse_values(text) {
            Ok(Value::Map(m)) => m,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn chart(name: &str, values: &str, subcharts: Vec<Chart>) -> Chart {
        let mut c = Chart {
            metadata: ChartMeta { name: name.into(), version: "1.0.0".into(), ..ChartMeta::default() },
            dependencies: Vec::new(),
            has_dependencies: false,
            templates: Vec::new(),
            values: yaml_map(values),
            values_raw: None,
            lock: None,
            schema: None,
            files: Vec::new(),
            subcharts,
            full_path: String::new(),
        };
        c.set_paths(None);
        c
    }

    #[test]
    fn user_values_win_and_null_deletes_a_default() {
        let c = chart("app", "a: 1\nb: {c: 2, d: 3}\ne: 4\n", vec![]);
        let user = yaml_map("a: 10\nb: {c: null}\ne: null\nf: null\n");
        let got = coalesce_values(&c, &user, &mut Vec::new(), HelmCompat::V3).unwrap();
        assert_eq!(Value::Map(got).go_format(), "map[a:10 b:map[d:3] f:<nil>]");
    }

    #[test]
    fn parent_globals_flow_into_subcharts() {
        let sub = chart("db", "global: {a: sub, b: sub}\nport: 5432\n", vec![]);
        let c = chart("app", "global: {a: parent}\ndb: {port: 6543}\n", vec![sub]);
        let got = coalesce_values(&c, &Map::new(), &mut Vec::new(), HelmCompat::V3).unwrap();
        let db = got.get("db").unwrap();
        assert_eq!(db.go_format(), "map[global:map[a:parent b:sub] port:6543]");
    }
}
