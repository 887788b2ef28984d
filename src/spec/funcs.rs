//! helmfile's template functions on top of Sprig v3.2.3 (the version helmfile 0.166 vendors):
//! `env`, `requiredEnv`, `exec`, `readFile`, `readDir`, `readDirEntries`, `isFile`, `isDir`,
//! `toYaml`, `fromYaml`, `setValueAtPath`, `get`, `getOrNil`, `tpl`, `required`, `include`,
//! `fetchSecretValue` and `expandSecretRefs` (`ref+env://`, `ref+file://`, `ref+sops://`).
//! Missing map keys are errors, as helmfile sets `missingkey=error`.

use std::path::{Path, PathBuf};

use crate::funcs::{HelmCompat, sprig_funcs};
use crate::gotmpl::{ExecError, Func, FuncError, FuncMap, MissingKey, Options, Template, TextError};
use crate::value::{Map, Param, Signature, Value, go_quote};

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Nil => String::new(),
        other => other.go_format(),
    }
}

/// The function map of a helmfile template whose relative paths resolve against `base`.
pub fn helmfile_funcs(base: &Path) -> FuncMap {
    let mut map = sprig_funcs(HelmCompat::V3);
    let any = &[Param::Any][..];
    let string = &[Param::String][..];
    map.insert("env", Func::pure(Signature::fixed(string), |a| Ok(Value::from(std::env::var(text(&a[0])).unwrap_or_default()))));
    map.insert(
        "expandenv",
        Func::pure(Signature::fixed(string), |a| Ok(Value::from(expand_env(&text(&a[0]))))),
    );
    map.insert(
        "requiredEnv",
        Func::pure(Signature::fixed(string), |a| {
            let name = text(&a[0]);
            match std::env::var(&name) {
                Ok(v) if !v.is_empty() => Ok(Value::from(v)),
                _ => Err(format!("required env var `{name}` is not set")),
            }
        }),
    );
    map.insert(
        "required",
        Func::pure(Signature::fixed(&[Param::String, Param::Any]), |a| match &a[1] {
            Value::Nil => Err(text(&a[0])),
            Value::String(s) if s.is_empty() => Err(text(&a[0])),
            v => Ok(v.clone()),
        }),
    );
    let dir = base.to_path_buf();
    map.insert(
        "readFile",
        Func::pure(Signature::fixed(string), move |a| {
            let path = resolve(&dir, &text(&a[0]));
            std::fs::read_to_string(&path).map(Value::from).map_err(|e| format!("open {}: {}", path.display(), io_text(&e)))
        }),
    );
    let dir = base.to_path_buf();
    map.insert(
        "readDir",
        Func::pure(Signature::fixed(string), move |a| {
            let given = text(&a[0]);
            let path = resolve(&dir, &given);
            let mut names = dir_entries(&path)?;
            names.retain(|(_, is_dir)| !is_dir);
            Ok(Value::string_list(names.into_iter().map(|(n, _)| Path::new(&given).join(n).display().to_string())))
        }),
    );
    let dir = base.to_path_buf();
    map.insert(
        "readDirEntries",
        Func::pure(Signature::fixed(string), move |a| {
            let path = resolve(&dir, &text(&a[0]));
            let entries = dir_entries(&path)?
                .into_iter()
                .map(|(name, is_dir)| {
                    let m = Map::new();
                    m.insert("Name", Value::from(name));
                    m.insert("IsDir", Value::Bool(is_dir));
                    Value::Map(m)
                })
                .collect();
            Ok(Value::list(entries))
        }),
    );
    let dir = base.to_path_buf();
    map.insert("isFile", Func::pure(Signature::fixed(string), move |a| Ok(Value::Bool(resolve(&dir, &text(&a[0])).is_file()))));
    let dir = base.to_path_buf();
    map.insert("isDir", Func::pure(Signature::fixed(string), move |a| Ok(Value::Bool(resolve(&dir, &text(&a[0])).is_dir()))));
    let dir = base.to_path_buf();
    map.insert(
        "exec",
        Func::pure(Signature::variadic(&[Param::String, Param::List], Param::Any), move |a| {
            let command = text(&a[0]);
            let args: Vec<String> = a[1].as_list().unwrap_or_default().iter().map(text).collect();
            let input = a.get(2).map(text);
            run_command(&dir, &command, &args, input.as_deref())
        }),
    );
    map.insert("toYaml", Func::pure(Signature::fixed(any), |a| Ok(Value::from(crate::yaml::to_yaml(&a[0]) + "\n"))));
    map.insert(
        "fromYaml",
        Func::pure(Signature::fixed(string), |a| match crate::yaml::parse_documents_go(&text(&a[0])) {
            Ok(docs) => Ok(docs.into_iter().next().filter(|v| !v.is_nil()).unwrap_or_else(|| Value::Map(Map::new()))),
            Err(e) => Err(e.message),
        }),
    );
    map.insert(
        "setValueAtPath",
        Func::pure(Signature::fixed(&[Param::String, Param::Any, Param::Any]), |a| {
            let path = text(&a[0]);
            let Value::Map(root) = &a[2] else {
                return Err(format!("setValueAtPath: the last argument must be a map, got {}", a[2].type_name()));
            };
            let keys: Vec<&str> = path.split('.').collect();
            let mut current = root.clone();
            for (i, key) in keys.iter().enumerate() {
                if i + 1 == keys.len() {
                    current.insert(*key, a[1].clone());
                    break;
                }
                let next = match current.get(key) {
                    Some(Value::Map(m)) => m,
                    Some(other) => return Err(format!("failed to set value at path \"{path}\": value for key \"{key}\" is not a map: {}", other.go_format())),
                    None => {
                        let m = Map::new();
                        current.insert(*key, Value::Map(m.clone()));
                        m
                    }
                };
                current = next;
            }
            Ok(a[2].clone())
        }),
    );
    map.insert(
        "get",
        Func::pure(Signature::variadic(&[Param::String], Param::Any), |a| get_path(&text(&a[0]), &a[1..], false)),
    );
    map.insert(
        "getOrNil",
        Func::pure(Signature::fixed(&[Param::String, Param::Any]), |a| get_path(&text(&a[0]), &a[1..], true)),
    );
    map.insert(
        "fetchSecretValue",
        Func::pure(Signature::fixed(any), |a| match &a[0] {
            Value::String(s) => fetch_secret(s).map(Value::from),
            other => Ok(other.clone()),
        }),
    );
    map.insert("expandSecretRefs", Func::pure(Signature::fixed(any), |a| expand_refs(&a[0])));
    map.insert(
        "tpl",
        Func::new(Signature::fixed(&[Param::String, Param::Any]), |host, a| {
            let body = text(&a[0]);
            match host.execute_text("tpl", &body, a[1].clone()) {
                Ok(out) => Ok(Value::from(out)),
                Err(TextError::Parse(e)) => Err(FuncError::from(format!("cannot parse template {}: {e}", go_quote(&body)))),
                Err(TextError::Exec(e)) => Err(FuncError::from(e)),
            }
        }),
    );
    map.insert(
        "include",
        Func::new(Signature::fixed(&[Param::String, Param::Any]), |host, a| {
            host.execute_template(&text(&a[0]), a[1].clone()).map(Value::from).map_err(FuncError::from)
        }),
    );
    map
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn resolve(base: &Path, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() { path.to_path_buf() } else { base.join(path) }
}

fn dir_entries(path: &Path) -> Result<Vec<(String, bool)>, String> {
    let rd = std::fs::read_dir(path).map_err(|e| format!("open {}: {}", path.display(), io_text(&e)))?;
    let mut out: Vec<(String, bool)> = rd
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path().is_dir()))
        .collect();
    out.sort();
    Ok(out)
}

fn run_command(dir: &Path, command: &str, args: &[String], input: Option<&str>) -> Result<Value, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(command)
        .args(args)
        .current_dir(dir)
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("exec: \"{command}\": {e}"))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "exec: command \"{command}\" {args:?} failed: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    Ok(Value::from(String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// `$VAR` and `${VAR}` expanded from the environment (Go's `os.ExpandEnv`).
fn expand_env(s: &str) -> String {
    let mut out = String::new();
    let bytes: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == '$' && i + 1 < bytes.len() {
            if bytes[i + 1] == '{' {
                if let Some(end) = bytes[i + 2..].iter().position(|&c| c == '}') {
                    let name: String = bytes[i + 2..i + 2 + end].iter().collect();
                    out.push_str(&std::env::var(name).unwrap_or_default());
                    i += end + 3;
                    continue;
                }
            } else if bytes[i + 1] == '_' || bytes[i + 1].is_ascii_alphanumeric() {
                let mut j = i + 1;
                while j < bytes.len() && (bytes[j] == '_' || bytes[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                let name: String = bytes[i + 1..j].iter().collect();
                out.push_str(&std::env::var(name).unwrap_or_default());
                i = j;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// helmfile's `get PATH [DEFAULT] OBJ`: walks maps by dot-separated keys.
fn get_path(path: &str, args: &[Value], or_nil: bool) -> Result<Value, String> {
    let (default, obj) = match args {
        [obj] => (None, obj),
        [default, obj] => (Some(default), obj),
        _ => return Err(format!("unexpected number of args passed: {}", args.len())),
    };
    if path.is_empty() {
        return Ok(obj.clone());
    }
    let mut current = obj.clone();
    for key in path.split('.') {
        let next = match &current {
            Value::Map(m) => m.get(key),
            _ => None,
        };
        match next {
            Some(v) => current = v,
            None if or_nil => return Ok(Value::Nil),
            None => match default {
                Some(d) => return Ok(d.clone()),
                None => return Err(format!("no value exists at path {path}")),
            },
        }
    }
    Ok(current)
}

thread_local! {
    /// One decryptor per thread, so that age keys are read once.
    static SOPS: super::sops::SopsDecryptor = super::sops::SopsDecryptor::new();
}

/// Resolves one `ref+BACKEND://…` reference; other strings pass through.
pub fn fetch_secret(s: &str) -> Result<String, String> {
    let Some(rest) = s.strip_prefix("ref+") else {
        return Ok(s.to_string());
    };
    let (backend, location) = rest.split_once("://").ok_or_else(|| format!("invalid secret reference {s:?}"))?;
    // A `#/path` fragment selects a key inside a YAML document.
    let (location, fragment) = match location.split_once('#') {
        Some((l, f)) => (l, Some(f.trim_start_matches('/'))),
        None => (location, None),
    };
    let raw = match backend {
        "env" => std::env::var(location).map_err(|_| format!("ref+env://{location}: environment variable {location} is not set"))?,
        "file" => std::fs::read_to_string(location).map_err(|e| format!("ref+file://{location}: {}", io_text(&e)))?,
        "sops" => {
            // vals reads the path as given (relative to the working directory).
            let location = rest.split_once("://").map(|(_, l)| l).unwrap_or_default();
            return SOPS.with(|d| super::sops::fetch_ref(d, s, location, Path::new("")));
        }
        other => return Err(format!("{s}: unsupported secret backend {other:?} (supported: env, file, sops)")),
    };
    match fragment {
        None => Ok(raw),
        Some(f) => {
            let doc = crate::yaml::parse_documents_go(&raw).map_err(|e| e.message)?;
            let mut current = doc.into_iter().next().unwrap_or(Value::Nil);
            for key in f.split('/').filter(|k| !k.is_empty()) {
                current = current.as_map().and_then(|m| m.get(key)).ok_or_else(|| format!("{s}: no value at {f}"))?;
            }
            Ok(text(&current))
        }
    }
}

fn expand_refs(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if s.starts_with("ref+") => Value::from(fetch_secret(s)?),
        Value::Map(m) => {
            let out = Map::new();
            for (k, v) in m.entries() {
                out.insert(k, expand_refs(&v)?);
            }
            Value::Map(out)
        }
        Value::List(l) => Value::list(l.items.iter().map(expand_refs).collect::<Result<_, _>>()?),
        other => other.clone(),
    })
}

/// Where Go's template error `message` happened in the template named `name`: the line and,
/// for execution errors, the column of its `template: NAME:LINE[:COL]: ` prefix, both
/// 1-based (Go counts the column from 0). Nested `tpl`/`include` errors come after the outer
/// position, which is the one found.
pub fn error_position(message: &str, name: &str) -> Option<(usize, Option<usize>)> {
    let prefix = format!("template: {name}:");
    let rest = &message[message.find(&prefix)? + prefix.len()..];
    let mut numbers = rest.split(':');
    let line = numbers.next()?.parse().ok()?;
    let col = numbers.next().and_then(|c| c.parse::<usize>().ok()).map(|c| c + 1);
    Some((line, col))
}

/// Renders `text` as a helmfile template named `name`, with `data` as dot.
pub fn render(name: &str, text: &str, data: &Value, base: &Path) -> Result<String, String> {
    render_as(name, text, data, base, MissingKey::Error)
}

/// `render` with Go's default for missing keys (`<no value>`), as chartify renders the
/// `.gotmpl` files of a manifest directory.
pub fn render_default_missing(name: &str, text: &str, data: &Value, base: &Path) -> Result<String, String> {
    render_as(name, text, data, base, MissingKey::Invalid)
}

thread_local! {
    /// Function maps by base directory: building one (Sprig and helmfile's functions) costs
    /// far more than rendering a typical state part, and a run renders thousands.
    static FUNCS: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, std::rc::Rc<FuncMap>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

fn shared_funcs(base: &Path) -> std::rc::Rc<FuncMap> {
    FUNCS.with(|cache| {
        cache
            .borrow_mut()
            .entry(base.to_path_buf())
            .or_insert_with(|| std::rc::Rc::new(helmfile_funcs(base)))
            .clone()
    })
}

fn render_as(name: &str, text: &str, data: &Value, base: &Path, missing_key: MissingKey) -> Result<String, String> {
    let mut t = Template::with_shared_funcs(name, shared_funcs(base)).with_options(Options {
        missing_key,
        range_over_int: false,
        else_with: false,
        go_minor: 22,
        ..Options::default()
    });
    t.parse(name, text).map_err(|e| e.to_string())?;
    t.render(name, data).map_err(|e: ExecError| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str, data: Value) -> Result<String, String> {
        render("t", t, &data, Path::new("."))
    }

    #[test]
    fn get_walks_maps_and_falls_back() {
        let m = crate::yaml::parse_documents_go("a:\n  b: 1\n").unwrap().remove(0);
        assert_eq!(run(r#"{{ get "a.b" . }}"#, m.clone()).unwrap(), "1");
        assert_eq!(run(r#"{{ get "a.c" "x" . }}"#, m.clone()).unwrap(), "x");
        assert_eq!(run(r#"{{ getOrNil "a.c" . }}"#, m.clone()).unwrap(), "<no value>");
        assert!(run(r#"{{ .nope }}"#, m).unwrap_err().contains("map has no entry for key \"nope\""));
    }

    #[test]
    fn error_positions_from_go_messages() {
        let exec = run("a\nb {{ .nope }}", Value::Map(Map::new())).unwrap_err();
        assert_eq!(error_position(&exec, "t"), Some((2, Some(6))), "{exec}");
        let parse = run("a\n\n{{ if }}", Value::Nil).unwrap_err();
        assert_eq!(error_position(&parse, "t"), Some((3, None)), "{parse}");
        let data = Map::new();
        data.insert("x", Value::from(""));
        let required = run("{{ required \"need x\" .x }}", Value::Map(data)).unwrap_err();
        assert!(required.contains("need x"), "{required}");
        assert_eq!(error_position("template: other:1:2: x", "t"), None);
    }

    #[test]
    fn secret_refs_from_env() {
        // SAFETY: test-only variable with a unique name.
        unsafe { std::env::set_var("DEPLOYER_SPEC_FUNCS_TEST", "s3cr3t") };
        assert_eq!(run(r#"{{ fetchSecretValue "ref+env://DEPLOYER_SPEC_FUNCS_TEST" }}"#, Value::Nil).unwrap(), "s3cr3t");
        assert!(run(r#"{{ fetchSecretValue "ref+vault://x" }}"#, Value::Nil).unwrap_err().contains("unsupported secret backend"));
    }
}
