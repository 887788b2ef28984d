//! Sprig v3's template functions (v3.2.3, as helm 3 vendors it), less `env`/`expandenv` and the
//! families in `sprig_crypto` (semver, dates, hashes, crypto, random, uuid).
//!
//! Every function declares Sprig's real Go signature, so the executor converts and rejects
//! arguments exactly as Go's text/template does before a body runs; `GO_SIGNATURES` lists them
//! as Go spells them. Bodies reproduce Sprig's behaviour including what it inherits from
//! spf13/cast, mergo, goutils, xstrings and Go's runtime panics (as error messages).

mod cast;
mod defaults;
mod dicts;
mod lists;
mod math;
mod misc;
mod regex;
mod signatures;
mod strings;
mod unicode;
mod url;

#[cfg(test)]
mod golden;

pub use signatures::GO_SIGNATURES;

use crate::gotmpl::{Func, FuncMap, Signature};
use crate::value::Value;

/// Which Sprig release to behave as: helm 3 up to 3.15 vendors v3.2.3; later helm 3 releases
/// and helm 4 vendor v3.3.0 (xstrings 1.5, mergo 1.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SprigVersion {
    #[default]
    V3_2_3,
    /// `camelcase` keeps the capitals inside words (`HelloWorld` stays, v3.2.3 gives
    /// `Helloworld`); `mergeOverwrite` lets a map replace a non-empty non-map value.
    V3_3_0,
}

/// Adds every function this module implements to `map`, as Sprig v3.2.3 behaves.
pub fn register(map: &mut FuncMap) {
    register_version(map, SprigVersion::V3_2_3);
}

/// Adds every function this module implements to `map`, as the given Sprig release behaves.
pub fn register_version(map: &mut FuncMap, version: SprigVersion) {
    strings::register(map, version);
    math::register(map);
    defaults::register(map);
    lists::register(map);
    dicts::register(map, version);
    misc::register(map);
    regex::register(map);
    url::register(map);
}

fn def(
    map: &mut FuncMap,
    name: &str,
    sig: Signature,
    body: impl Fn(Vec<Value>) -> Result<Value, String> + 'static,
) {
    map.insert(name, Func::pure(sig, body));
}

/// The `i`th argument as a string; the executor has already converted it to Go's `string`.
fn s(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// The `i`th argument as an integer (`int` or `int64` parameters).
fn int(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        _ => 0,
    }
}

/// The `i`th argument, nil when absent.
fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

trait IntoValue {
    fn into_value(self) -> Value;
}

impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}

/// Go's message for calling a method on a nil `reflect.Type` (`reflect.TypeOf(nil).Kind()`),
/// which is what Sprig's list functions hit when given nil.
const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";
