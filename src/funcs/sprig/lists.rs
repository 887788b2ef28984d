//! Sprig's list functions. They take any Go slice through reflection (a `[]string` as well as a
//! `[]interface {}`), return `[]interface {}`, and report a non-slice with Go's kind name
//! (`Cannot find first on type string`); the non-`must` variants panic with the same text,
//! which the template reports the same way.

use std::rc::Rc;

use super::cast::{empty, f64_to_i64, to_int64};
use super::{NIL_DEREF, arg, def, int};
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::{List, Value};

/// The elements of a slice argument, or Go's message built from the argument's kind.
fn items(v: &Value, msg: impl Fn(&str) -> String) -> Result<Vec<Value>, String> {
    match v {
        Value::List(l) => Ok(l.items.clone()),
        Value::Bytes(b) => Ok(b.iter().map(|&x| Value::Int(i64::from(x))).collect()),
        Value::Nil => Err(NIL_DEREF.into()),
        // A named slice type (`.Capabilities.APIVersions`): reflection sees the slice.
        Value::Object(o) if o.kind_name() == "slice" => match o.underlying() {
            Some(u) => items(&u, msg),
            None => Err(msg(o.kind_name())),
        },
        other => Err(msg(other.kind_name())),
    }
}

pub(super) fn register(m: &mut FuncMap) {
    let any1 = Signature::fixed(&[P::Any]);
    let any2 = Signature::fixed(&[P::Any, P::Any]);
    def(m, "list", Signature::variadic(&[], P::Any), |a| {
        Ok(Value::list(a))
    });
    def(m, "tuple", Signature::variadic(&[], P::Any), |a| {
        Ok(Value::list(a))
    });
    for name in ["append", "push", "mustAppend", "mustPush"] {
        def(m, name, any2, |a| {
            let mut l = items(&a[0], |k| format!("Cannot push on type {k}"))?;
            l.push(arg(&a, 1));
            Ok(Value::list(l))
        });
    }
    for name in ["prepend", "mustPrepend"] {
        def(m, name, any2, |a| {
            let mut l = items(&a[0], |k| format!("Cannot prepend on type {k}"))?;
            l.insert(0, arg(&a, 1));
            Ok(Value::list(l))
        });
    }
    for name in ["first", "mustFirst"] {
        def(m, name, any1, |a| {
            Ok(items(&a[0], |k| format!("Cannot find first on type {k}"))?
                .into_iter()
                .next()
                .unwrap_or(Value::Nil))
        });
    }
    for name in ["last", "mustLast"] {
        def(m, name, any1, |a| {
            Ok(items(&a[0], |k| format!("Cannot find last on type {k}"))?
                .pop()
                .unwrap_or(Value::Nil))
        });
    }
    // An empty input gives Go a nil slice; the model has no typed nil, so an empty list stands in.
    for name in ["rest", "mustRest"] {
        def(m, name, any1, |a| {
            let l = items(&a[0], |k| format!("Cannot find rest on type {k}"))?;
            Ok(Value::list(l.into_iter().skip(1).collect()))
        });
    }
    for name in ["initial", "mustInitial"] {
        def(m, name, any1, |a| {
            let mut l = items(&a[0], |k| format!("Cannot find initial on type {k}"))?;
            l.pop();
            Ok(Value::list(l))
        });
    }
    for name in ["reverse", "mustReverse"] {
        def(m, name, any1, |a| {
            let mut l = items(&a[0], |k| format!("Cannot find reverse on type {k}"))?;
            l.reverse();
            Ok(Value::list(l))
        });
    }
    for name in ["compact", "mustCompact"] {
        def(m, name, any1, |a| {
            let l = items(&a[0], |k| format!("Cannot compact on type {k}"))?;
            Ok(Value::list(l.into_iter().filter(|v| !empty(v)).collect()))
        });
    }
    for name in ["uniq", "mustUniq"] {
        def(m, name, any1, |a| {
            let mut out: Vec<Value> = Vec::new();
            for v in items(&a[0], |k| format!("Cannot find uniq on type {k}"))? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Ok(Value::list(out))
        });
    }
    for name in ["without", "mustWithout"] {
        def(m, name, Signature::variadic(&[P::Any], P::Any), |a| {
            let l = items(&a[0], |k| format!("Cannot find without on type {k}"))?;
            Ok(Value::list(
                l.into_iter().filter(|v| !a[1..].contains(v)).collect(),
            ))
        });
    }
    for name in ["has", "mustHas"] {
        def(m, name, any2, |a| {
            if a[1].is_nil() {
                return Ok(Value::Bool(false));
            }
            let l = items(&a[1], |k| format!("Cannot find has on type {k}"))?;
            Ok(Value::Bool(l.contains(&a[0])))
        });
    }
    for name in ["slice", "mustSlice"] {
        def(m, name, Signature::variadic(&[P::Any], P::Any), |a| {
            slice(&a)
        });
    }
    def(m, "concat", Signature::variadic(&[], P::Any), |a| {
        let mut out = Vec::new();
        for v in &a {
            out.extend(items(v, |k| format!("Cannot concat type {k} as list"))?);
        }
        Ok(Value::list(out))
    });
    for name in ["chunk", "mustChunk"] {
        def(m, name, Signature::fixed(&[P::Int, P::Any]), |a| {
            chunk(int(&a, 0), &a[1])
        });
    }
}

/// `slice list [start [end]]`: the same slice type back; an empty list gives nil.
fn slice(a: &[Value]) -> Result<Value, String> {
    let l = items(&a[0], |k| {
        format!("list should be type of slice or array but {k}")
    })?;
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map_or(0, to_int64);
    let end = a.get(2).map_or(l.len() as i64, to_int64);
    if start < 0 || end < start || end > l.len() as i64 {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    if let Value::Bytes(b) = &a[0] {
        return Ok(Value::Bytes(b[start as usize..end as usize].into()));
    }
    let elem = match &a[0] {
        Value::List(list) => list.elem,
        _ => crate::value::ElemType::Interface,
    };
    Ok(Value::List(Rc::new(List {
        elem,
        items: l[start as usize..end as usize].to_vec(),
    })))
}

/// `chunk size list`, with Go's float arithmetic for the chunk count: a `[][]interface {}`.
fn chunk(size: i64, list: &Value) -> Result<Value, String> {
    const MAKESLICE: &str = "runtime error: makeslice: len out of range";
    let l = items(list, |k| format!("Cannot chunk type {k}"))?;
    let len = l.len() as i64;
    let cs = f64_to_i64(((len - 1) as f64 / size as f64).floor() + 1.0);
    if cs < 0 {
        return Err(MAKESLICE.into());
    }
    let mut out = Vec::with_capacity(cs as usize);
    for i in 0..cs {
        let mut clen = size;
        if i == cs - 1 {
            clen = f64_to_i64((len as f64 % size as f64).floor());
            if clen == 0 {
                clen = size;
            }
        }
        if clen < 0 {
            return Err(MAKESLICE.into());
        }
        let mut part = Vec::with_capacity(clen as usize);
        for j in 0..clen {
            let ix = i * size + j;
            match l.get(ix as usize) {
                Some(v) => part.push(v.clone()),
                None => return Err("reflect: slice index out of range".into()),
            }
        }
        out.push(Value::list(part));
    }
    Ok(Value::List(std::rc::Rc::new(crate::value::List { elem: crate::value::ElemType::List, items: out })))
}
