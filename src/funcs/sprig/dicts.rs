//! Sprig's dict functions on `map[string]interface {}`, with mergo v0.3.11's merge rules.

use super::cast::strval;
use super::{arg, def, s};
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::{Map, Value};

fn map_arg(a: &[Value], i: usize) -> Option<Map> {
    a.get(i).and_then(Value::as_map).cloned()
}

pub(super) fn register(m: &mut FuncMap, version: super::SprigVersion) {
    let map_str = Signature::fixed(&[P::Map, P::String]);
    def(m, "dict", Signature::variadic(&[], P::Any), |a| {
        let d = Map::new();
        for pair in a.chunks(2) {
            d.insert(
                strval(&pair[0]),
                pair.get(1).cloned().unwrap_or_else(|| Value::str("")),
            );
        }
        Ok(Value::Map(d))
    });
    def(m, "get", map_str, |a| {
        Ok(map_arg(&a, 0)
            .and_then(|d| d.get(s(&a, 1)))
            .unwrap_or_else(|| Value::str("")))
    });
    def(
        m,
        "set",
        Signature::fixed(&[P::Map, P::String, P::Any]),
        |a| {
            let d = map_arg(&a, 0).ok_or("assignment to entry in nil map")?;
            d.insert(s(&a, 1), arg(&a, 2));
            Ok(Value::Map(d))
        },
    );
    def(m, "unset", map_str, |a| {
        let d = map_arg(&a, 0).unwrap_or_default();
        d.remove(s(&a, 1));
        Ok(Value::Map(d))
    });
    def(m, "hasKey", map_str, |a| {
        Ok(Value::Bool(
            map_arg(&a, 0).is_some_and(|d| d.contains_key(s(&a, 1))),
        ))
    });
    def(m, "pluck", Signature::variadic(&[P::String], P::Map), |a| {
        let key = s(&a, 0);
        Ok(Value::list(
            a[1..]
                .iter()
                .filter_map(|d| d.as_map().and_then(|d| d.get(key)))
                .collect(),
        ))
    });
    def(m, "keys", Signature::variadic(&[], P::Map), |a| {
        Ok(Value::string_list(
            a.iter().filter_map(Value::as_map).flat_map(Map::keys),
        ))
    });
    def(m, "values", Signature::fixed(&[P::Map]), |a| {
        Ok(Value::list(
            map_arg(&a, 0)
                .map(|d| d.entries().into_iter().map(|(_, v)| v).collect())
                .unwrap_or_default(),
        ))
    });
    def(m, "pick", Signature::variadic(&[P::Map], P::String), |a| {
        let out = Map::new();
        if let Some(d) = map_arg(&a, 0) {
            for k in a[1..].iter().filter_map(Value::as_str) {
                if let Some(v) = d.get(k) {
                    out.insert(k, v);
                }
            }
        }
        Ok(Value::Map(out))
    });
    def(m, "omit", Signature::variadic(&[P::Map], P::String), |a| {
        let out = Map::new();
        let omit: Vec<&str> = a[1..].iter().filter_map(Value::as_str).collect();
        for (k, v) in map_arg(&a, 0).map(|d| d.entries()).unwrap_or_default() {
            if !omit.contains(&k.as_str()) {
                out.insert(k, v);
            }
        }
        Ok(Value::Map(out))
    });
    let merge_sig = Signature::variadic(&[P::Map], P::Map);
    for (name, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        // mergo 1.0 (Sprig v3.3.0) lets an overwriting map replace any value.
        let map_wins = overwrite && version == super::SprigVersion::V3_3_0;
        def(m, name, merge_sig, move |a| {
            let dst = map_arg(&a, 0).unwrap_or_default();
            for src in a[1..].iter().filter_map(Value::as_map) {
                merge_into(&dst, src, overwrite, map_wins);
            }
            Ok(Value::Map(dst))
        });
    }
    for name in ["deepCopy", "mustDeepCopy"] {
        def(m, name, Signature::fixed(&[P::Any]), |a| match arg(&a, 0) {
            // copystructure asks reflect for the type of nil.
            Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
            v => Ok(v.deep_copy()),
        });
    }
    def(m, "dig", Signature::variadic(&[], P::Any), |a| dig(&a));
}

/// Go's message for a failed `x.(T)` on an `interface {}`.
fn assertion(v: &Value, want: &str) -> String {
    let got = if v.is_nil() {
        "nil".to_string()
    } else {
        v.type_name()
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

/// `dig "a" "b" default dict`.
fn dig(ps: &[Value]) -> Result<Value, String> {
    if ps.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let n = ps.len();
    // A named map type (`chartutil.Values`) fails the assertion to `map[string]interface {}`.
    let mut dict = match &ps[n - 1] {
        Value::Map(m) if m.elem() == crate::value::ElemType::Interface && m.type_name().is_none() => m.clone(),
        other => return Err(assertion(other, "map[string]interface {}")),
    };
    let default = &ps[n - 2];
    let mut keys = Vec::with_capacity(n - 2);
    for k in &ps[..n - 2] {
        keys.push(
            k.as_str()
                .ok_or_else(|| assertion(k, "string"))?
                .to_string(),
        );
    }
    for (i, k) in keys.iter().enumerate() {
        let Some(step) = dict.get(k) else {
            return Ok(default.clone());
        };
        if i == keys.len() - 1 {
            return Ok(step);
        }
        dict = match &step {
            Value::Map(m) if m.elem() == crate::value::ElemType::Interface => m.clone(),
            other => return Err(assertion(other, "map[string]interface {}")),
        };
    }
    Ok(default.clone())
}

/// mergo's `isEmptyValue` on a map element.
fn mergo_empty(v: &Value) -> bool {
    match v {
        Value::Object(_) => false,
        other => super::cast::empty(other),
    }
}

/// mergo v0.3.11 `deepMerge` of two `map[string]interface {}`: nested maps merge in place;
/// without `overwrite` a key is set only when missing or empty in `dst`; with it, every
/// non-map source value wins, nil included — except that a map never replaces a non-empty
/// non-map value. Source maps and lists are shared, not copied, as in Go.
fn merge_into(dst: &Map, src: &Map, overwrite: bool, map_wins: bool) {
    if dst.ptr_eq(src) {
        return;
    }
    for (key, sv) in src.entries() {
        let dv = dst.get(&key);
        if sv.is_nil() {
            if overwrite {
                dst.insert(key, Value::Nil);
            }
            continue;
        }
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&sv, &dv)
            && dm.elem() == sm.elem()
        {
            merge_into(dm, sm, overwrite, map_wins);
        }
        let src_is_coll = matches!(sv, Value::Map(_) | Value::List(_) | Value::Bytes(_));
        if let Some(d) = &dv
            && !mergo_empty(d)
            && src_is_coll
        {
            {
                // A slice still replaces with overwrite (mergo's slice branch sets it first).
                let replaces = matches!(sv, Value::List(_) | Value::Bytes(_))
                    || map_wins && !matches!(d, Value::Map(_));
                if overwrite && replaces {
                    dst.insert(key, sv);
                }
                continue;
            }
        }
        if overwrite || dv.as_ref().is_none_or(mergo_empty) {
            dst.insert(key, sv);
        }
    }
}
