//! The functions text/template predefines (`and`, `eq`, `index`, `printf`, …), with Go's
//! signatures and error texts. `and`/`or` short-circuit, so the executor evaluates them itself.

use crate::value::{ElemType, List, Param, Signature, Value, sprint, sprintf, sprintln};

use super::BUILTINS;

pub(super) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Builtin {
    And,
    Or,
    Not,
    Call,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Html,
    Js,
    UrlQuery,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

const REFLECT1: &[Param] = &[Param::Reflect];
const REFLECT2: &[Param] = &[Param::Reflect, Param::Reflect];

impl Builtin {
    pub(super) fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "call" => Builtin::Call,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::UrlQuery,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            _ => return None,
        })
    }

    pub(super) fn sig(self) -> Signature {
        match self {
            Builtin::And | Builtin::Or | Builtin::Call | Builtin::Index | Builtin::Slice | Builtin::Eq => {
                Signature::variadic(REFLECT1, Param::Reflect)
            }
            Builtin::Not | Builtin::Len => Signature::fixed(REFLECT1),
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::UrlQuery => {
                Signature::variadic(&[], Param::Any)
            }
            Builtin::Printf => Signature::variadic(&[Param::String], Param::Any),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => Signature::fixed(REFLECT2),
        }
    }

    pub(super) fn call(self, args: Vec<Value>, go_minor: u32) -> Result<Value, String> {
        let typed = go_minor >= 24;
        match self {
            // Evaluated by the executor; kept total for safety.
            Builtin::And | Builtin::Or => Ok(args.into_iter().last().unwrap_or(Value::Nil)),
            Builtin::Not => Ok(Value::Bool(!args[0].is_truthy())),
            // Handled by the executor, which knows the callee's name.
            Builtin::Call => Err("call of nil".into()),
            Builtin::Len => length(&args[0], go_minor).map(Value::Int),
            Builtin::Index => index(&args[0], &args[1..]),
            Builtin::Slice => slice(&args[0], &args[1..]),
            Builtin::Print => Ok(Value::from(sprint(&args))),
            Builtin::Println => Ok(Value::from(sprintln(&args))),
            Builtin::Printf => {
                let format = args[0].as_str().unwrap_or_default().to_string();
                Ok(Value::from(sprintf(&format, &args[1..])))
            }
            Builtin::Html => Ok(Value::from(html_escape(&eval_args(&args)))),
            Builtin::Js => Ok(Value::from(js_escape(&eval_args(&args)))),
            Builtin::UrlQuery => Ok(Value::from(query_escape(&eval_args(&args)))),
            Builtin::Eq => eq(&args[0], &args[1..], typed).map(Value::Bool),
            Builtin::Ne => eq(&args[0], &args[1..], typed).map(|b| Value::Bool(!b)),
            Builtin::Lt => lt(&args[0], &args[1], typed).map(Value::Bool),
            Builtin::Le => le(&args[0], &args[1], typed).map(Value::Bool),
            Builtin::Gt => le(&args[0], &args[1], typed).map(|b| Value::Bool(!b)),
            Builtin::Ge => lt(&args[0], &args[1], typed).map(|b| Value::Bool(!b)),
        }
    }
}

/// Go's `evalArgs` for the escapers: a lone string as is, anything else through `fmt.Sprint`
/// with missing values printed as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> =
        args.iter().map(|a| if a.is_nil() { Value::str("<no value>") } else { a.clone() }).collect();
    sprint(&printable)
}

fn length(item: &Value, go_minor: u32) -> Result<i64, String> {
    match item {
        Value::Nil if go_minor < 26 => Err("len of nil pointer".into()),
        Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::String(s) => Ok(s.len() as i64),
        Value::Bytes(b) => Ok(b.len() as i64),
        Value::List(l) => Ok(l.items.len() as i64),
        Value::Map(m) => Ok(m.len() as i64),
        other => Err(format!("len of type {}", other.type_name())),
    }
}

/// Go's `indexArg`: an integer index within `0..=cap`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if item.is_nil() {
        return Err("index of untyped nil".into());
    }
    let mut item = item.clone();
    for index in indexes {
        item = match &item {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(l) => {
                let x = index_arg(index, l.items.len())?;
                l.items.get(x).cloned().ok_or("reflect: slice index out of range")?
            }
            Value::Bytes(b) => {
                let x = index_arg(index, b.len())?;
                Value::Int(*b.get(x).ok_or("reflect: slice index out of range")? as i64)
            }
            Value::String(s) => {
                let x = index_arg(index, s.len())?;
                Value::Int(*s.as_bytes().get(x).ok_or("reflect: string index out of range")? as i64)
            }
            Value::Map(m) => {
                let key = match index {
                    Value::String(k) => k.clone(),
                    Value::Nil => return Err("value is nil; should be of type string".into()),
                    other => return Err(format!("value has type {}; should be string", other.type_name())),
                };
                match m.get(&key) {
                    Some(v) => v,
                    None => match m.elem() {
                        ElemType::Interface => Value::Nil,
                        ElemType::String => Value::str(""),
                        ElemType::Int => Value::Int(0),
                        ElemType::List => Value::Nil,
                        ElemType::Bytes => Value::Bytes(Vec::new().into()),
                    },
                }
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    if item.is_nil() {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.items.len(),
        Value::Bytes(b) => b.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (lo, hi) = (idx[0], idx[1]);
    Ok(match item {
        Value::String(s) => Value::from(String::from_utf8_lossy(&s.as_bytes()[lo..hi]).into_owned()),
        Value::Bytes(b) => Value::Bytes(b[lo..hi].into()),
        Value::List(l) => Value::List(std::rc::Rc::new(List { elem: l.elem, items: l.items[lo..hi].to_vec() })),
        _ => unreachable!("checked above"),
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn eq(arg1: &Value, rest: &[Value], typed: bool) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(arg1);
    for arg in rest {
        let k2 = basic_kind(arg);
        let truth = if k1 != k2 {
            if !arg1.is_nil() && !arg.is_nil() {
                return Err(incompatible(arg1, arg, typed));
            }
            false
        } else {
            match (arg1, arg) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a) | Value::Int64(a), Value::Int(b) | Value::Int64(b)) => a == b,
                (Value::Float(a), Value::Float(b)) => a == b,
                (Value::String(a), Value::String(b)) => a == b,
                _ => {
                    if !arg1.is_nil() && !arg.is_nil() && arg1.kind_name() != arg.kind_name() {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            sprintf("%s", std::slice::from_ref(arg1)),
                            arg1.type_name(),
                            arg.type_name(),
                            arg.go_format()
                        ));
                    }
                    if arg1.is_nil() || arg.is_nil() {
                        arg1.is_nil() == arg.is_nil()
                    } else {
                        match (arg1, arg) {
                            (Value::Object(_), Value::Object(_)) if !comparable(arg) => {
                                return Err(format!(
                                    "non-comparable type {}: {}",
                                    sprintf("%s", std::slice::from_ref(arg)),
                                    arg.type_name()
                                ));
                            }
                            // Pointers compare by address, structs by value.
                            (Value::Object(a), Value::Object(b)) if a.kind_name() == "ptr" => std::rc::Rc::ptr_eq(a, b),
                            (Value::Object(_), Value::Object(_)) => arg1 == arg,
                            _ => {
                                return Err(format!(
                                    "non-comparable type {}: {}",
                                    sprintf("%s", std::slice::from_ref(arg)),
                                    arg.type_name()
                                ));
                            }
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether Go's `==` works on the value's type: not on maps, slices, or structs holding them.
fn comparable(v: &Value) -> bool {
    match v {
        Value::List(_) | Value::Map(_) | Value::Bytes(_) => false,
        Value::Object(o) => match o.kind_name() {
            "map" | "slice" => false,
            "struct" => o.struct_fields().is_none_or(|fields| fields.iter().all(|(_, f)| comparable(f))),
            _ => true,
        },
        _ => true,
    }
}

/// Go 1.24 added the operand types to this error.
fn incompatible(a: &Value, b: &Value, typed: bool) -> String {
    if typed {
        format!("incompatible types for comparison: {} and {}", a.type_name(), b.type_name())
    } else {
        "incompatible types for comparison".into()
    }
}

fn lt(arg1: &Value, arg2: &Value, typed: bool) -> Result<bool, String> {
    const BAD: &str = "invalid type for comparison";
    let k1 = basic_kind(arg1);
    if k1 == Kind::Invalid {
        return Err(BAD.into());
    }
    let k2 = basic_kind(arg2);
    if k2 == Kind::Invalid {
        return Err(BAD.into());
    }
    if k1 != k2 {
        return Err(incompatible(arg1, arg2, typed));
    }
    match (arg1, arg2) {
        (Value::Int(a) | Value::Int64(a), Value::Int(b) | Value::Int64(b)) => Ok(a < b),
        (Value::Float(a), Value::Float(b)) => Ok(a < b),
        (Value::String(a), Value::String(b)) => Ok(a.as_bytes() < b.as_bytes()),
        _ => Err(BAD.into()),
    }
}

fn le(arg1: &Value, arg2: &Value, typed: bool) -> Result<bool, String> {
    if lt(arg1, arg2, typed)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2), typed)
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if crate::value::is_go_printable(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
