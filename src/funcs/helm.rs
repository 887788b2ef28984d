//! helm's own template functions, added on top of Sprig: `include`, `tpl`, `required`, `fail`,
//! `toYaml`, `fromYaml`, `toJson`, `lookup`, … with helm 3's and helm 4's differences.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::gotmpl::{Func, FuncError, FuncMap, TextError};
use crate::value::{Map, Param, Signature, Value, go_quote};

use super::json;

/// Which helm's behaviour to reproduce where helm 3 and helm 4 differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HelmCompat {
    #[default]
    V3,
    V4,
}

/// helm's `include` recursion limit (`recursionMaxNums`).
const MAX_INCLUDE_NESTING: usize = 1000;

/// Markers helm wraps `fail`/`required` messages in, so the engine can report them plainly.
pub const WARN_START: &str = "HELM_ERR_START";
pub const WARN_END: &str = "HELM_ERR_END";

fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

/// What `lookup` reads: the live cluster (`helm upgrade --install`, `--dry-run=server`).
/// Without one, `lookup` returns an empty map as `helm template` does.
pub trait Lookup {
    /// The object (`name` set) or the list (`name` empty) as the apiserver returns it; an
    /// empty map when it does not exist; `Err` (the apiserver's message) fails the render.
    fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Value, String>;
}

/// Replaces the offline `lookup` with one reading through `hook`.
pub fn register_lookup(map: &mut FuncMap, hook: Rc<dyn Lookup>) {
    map.insert(
        "lookup",
        Func::pure(Signature::fixed(&[Param::String, Param::String, Param::String, Param::String]), move |a| {
            hook.lookup(text(&a[0]), text(&a[1]), text(&a[2]), text(&a[3]))
        }),
    );
}

/// Options of one render, as helm's `Engine` has them.
#[derive(Debug, Clone, Copy, Default)]
pub struct HelmOptions {
    pub compat: HelmCompat,
    /// `helm lint`: `required` and `fail` log instead of failing.
    pub lint_mode: bool,
    /// `--strict`: missing keys are errors (also in `tpl`).
    pub strict: bool,
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Adds helm's functions to `map` (which should already hold Sprig's), replacing Sprig's
/// `toJson`/`fromJson` and removing `env`/`expandenv`, as helm does.
pub fn register(map: &mut FuncMap, opts: HelmOptions) {
    map.remove("env");
    map.remove("expandenv");
    let any = &[Param::Any][..];
    let string = &[Param::String][..];

    let toml_version = match opts.compat {
        HelmCompat::V3 => super::toml::TomlVersion::V1_3_2,
        HelmCompat::V4 => super::toml::TomlVersion::V1_6_0,
    };
    map.insert("toToml", Func::pure(Signature::fixed(any), move |a| {
        if a[0].is_nil() {
            return Err("reflect: call of reflect.Value.Type on zero Value".into());
        }
        Ok(Value::from(super::toml::to_toml(&a[0], toml_version)))
    }));
    map.insert("toYaml", Func::pure(Signature::fixed(any), |a| Ok(Value::from(crate::yaml::to_yaml(&a[0])))));
    map.insert("fromYaml", Func::pure(Signature::fixed(string), |a| Ok(from_yaml(text(&a[0])))));
    map.insert("fromYamlArray", Func::pure(Signature::fixed(string), |a| Ok(from_yaml_array(text(&a[0])))));
    map.insert(
        "toJson",
        Func::pure(Signature::fixed(any), |a| Ok(Value::from(json::marshal(&a[0], true).unwrap_or_default()))),
    );
    map.insert("fromJson", Func::pure(Signature::fixed(string), |a| Ok(from_json(text(&a[0])))));
    map.insert("fromJsonArray", Func::pure(Signature::fixed(string), |a| Ok(from_json_array(text(&a[0])))));
    if opts.compat == HelmCompat::V4 {
        map.insert(
            "mustToYaml",
            Func::pure(Signature::fixed(any), |a| crate::yaml::marshal(&a[0])
                .map(|s| Value::from(s.strip_suffix('\n').unwrap_or(&s).to_string()))
                .map_err(|e| e.to_string())),
        );
        map.insert("fromToml", Func::pure(Signature::fixed(string), |a| Ok(super::toml_decode::from_toml(text(&a[0])))));
        map.insert("toYamlPretty", Func::pure(Signature::fixed(any), |a| Ok(Value::from(crate::yaml::to_yaml_pretty(&a[0])))));
        map.insert("mustToJson", Func::pure(Signature::fixed(any), |a| json::marshal(&a[0], true).map(Value::from)));
    }
    map.insert(
        "lookup",
        Func::pure(Signature::fixed(&[Param::String, Param::String, Param::String, Param::String]), |_| {
            Ok(Value::Map(Map::new()))
        }),
    );
    map.insert("getHostByName", Func::pure(Signature::fixed(string), |_| Ok(Value::str(""))));

    let lint = opts.lint_mode;
    map.insert(
        "required",
        Func::pure(Signature::fixed(&[Param::String, Param::Any]), move |a| {
            let missing = match &a[1] {
                Value::Nil => true,
                Value::String(s) => s.is_empty(),
                _ => false,
            };
            match (missing, lint) {
                (true, true) => Ok(Value::str("")),
                (true, false) => Err(warn_wrap(text(&a[0]))),
                (false, _) => Ok(a[1].clone()),
            }
        }),
    );
    map.insert(
        "fail",
        Func::pure(Signature::fixed(string), move |a| {
            if lint { Ok(Value::str("")) } else { Err(warn_wrap(text(&a[0]))) }
        }),
    );

    // `include` counts nesting per template name, shared with every `tpl` of the render.
    let included: Rc<RefCell<HashMap<String, usize>>> = Rc::default();
    let compat = opts.compat;
    map.insert(
        "include",
        Func::new(Signature::fixed(&[Param::String, Param::Any]), move |host, a| {
            let name = text(&a[0]).to_string();
            {
                let mut counts = included.borrow_mut();
                let count = counts.entry(name.clone()).or_insert(0);
                if *count > MAX_INCLUDE_NESTING {
                    let message = format!("rendering template has a nested reference name: {name}: unable to execute template");
                    return Err(FuncError { message, causes: vec![std::rc::Rc::from("unable to execute template")] });
                }
                *count += 1;
            }
            let result = host.execute_template(&name, a[1].clone());
            if let Some(count) = included.borrow_mut().get_mut(&name) {
                *count -= 1;
            }
            result.map(Value::from).map_err(FuncError::from)
        }),
    );
    map.insert(
        "tpl",
        Func::new(Signature::fixed(&[Param::String, Param::Any]), move |host, a| {
            let tpl = text(&a[0]);
            // helm parses the text under the engine's root template name.
            match host.execute_text("gotpl", tpl, a[1].clone()) {
                Ok(out) => Ok(Value::from(out.replace("<no value>", ""))),
                Err(TextError::Parse(e)) => {
                    Err(FuncError::from(format!("cannot parse template {}: {e}", go_quote(tpl))))
                }
                Err(TextError::Exec(e)) => {
                    let message = format!("error during tpl function execution for {}: {}", go_quote(tpl), e.message);
                    Err(FuncError::wrapping(message, &e))
                }
            }
        }),
    );
    let _ = compat;
}

/// helm's `fromYaml`: a map, or `{"Error": message}` when the text is not a YAML mapping.
fn from_yaml(s: &str) -> Value {
    match crate::yaml::parse_values(s) {
        Ok(Value::Map(m)) => Value::Map(m),
        Ok(Value::Nil) => Value::Map(Map::new()),
        Ok(other) => error_map(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            other.json_kind()
        )),
        Err(e) => error_map(e.to_string()),
    }
}

/// helm's `fromYamlArray`: a list, or a one-element list holding the error text.
fn from_yaml_array(s: &str) -> Value {
    match crate::yaml::parse_values(s) {
        Ok(Value::List(l)) => Value::List(l),
        Ok(Value::Nil) => Value::list(Vec::new()),
        Ok(other) => Value::list(vec![Value::from(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            other.json_kind()
        ))]),
        Err(e) => Value::list(vec![Value::from(e.to_string())]),
    }
}

fn from_json(s: &str) -> Value {
    match json::unmarshal_partial(s) {
        // A type error leaves what was decoded in the map beside the error.
        Ok((Value::Map(m), Some(e))) => {
            m.insert("Error", Value::from(e));
            Value::Map(m)
        }
        Ok((_, Some(e))) => error_map(e),
        Ok((Value::Map(m), None)) => Value::Map(m),
        Ok((Value::Nil, None)) => Value::Map(Map::new()),
        Ok((other, None)) => error_map(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            other.json_kind()
        )),
        Err(e) => error_map(e),
    }
}

fn from_json_array(s: &str) -> Value {
    match json::unmarshal(s) {
        Ok(Value::List(l)) => Value::List(l),
        Ok(Value::Nil) => Value::list(Vec::new()),
        Ok(other) => Value::list(vec![Value::from(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            other.json_kind()
        ))]),
        Err(e) => Value::list(vec![Value::from(e)]),
    }
}

fn error_map(message: String) -> Value {
    let m = Map::new();
    m.insert("Error", Value::from(message));
    Value::Map(m)
}

