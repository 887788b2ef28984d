//! A `Send` copy of a value tree. `Value` shares maps and strings through `Rc`, so it cannot
//! cross threads; the render pool and the diff's CPU work hand values over as `Detached` and
//! attach them on the other side. The copy keeps every Go type (int vs int64 vs float64, element
//! types, named maps), so a round trip is lossless; maps shared within a tree become separate
//! copies, as go-yaml's decoding of an alias gives.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{ElemType, List, Map, MapData, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Detached {
    Nil,
    Bool(bool),
    Int(i64),
    Int64(i64),
    Float(f64),
    String(Box<str>),
    Bytes(Box<[u8]>),
    List { elem: ElemType, items: Vec<Detached> },
    Map { elem: ElemType, type_name: Option<&'static str>, entries: Vec<(String, Detached)> },
}

impl Value {
    /// A `Send` copy; `None` when the tree holds an object (`.Files`, `.Capabilities`, …),
    /// which only exists on the thread that made it.
    pub fn detach(&self) -> Option<Detached> {
        Some(match self {
            Value::Nil => Detached::Nil,
            Value::Bool(b) => Detached::Bool(*b),
            Value::Int(i) => Detached::Int(*i),
            Value::Int64(i) => Detached::Int64(*i),
            Value::Float(f) => Detached::Float(*f),
            Value::String(s) => Detached::String(Box::from(&**s)),
            Value::Bytes(b) => Detached::Bytes(Box::from(&**b)),
            Value::List(l) => Detached::List { elem: l.elem, items: l.items.iter().map(Value::detach).collect::<Option<_>>()? },
            Value::Map(m) => {
                let data = m.0.borrow();
                let entries = data.entries.iter().map(|(k, v)| v.detach().map(|d| (k.clone(), d))).collect::<Option<_>>()?;
                Detached::Map { elem: data.elem, type_name: data.type_name, entries }
            }
            Value::Object(_) => return None,
        })
    }
}

impl Detached {
    /// The value again, on this thread.
    pub fn attach(&self) -> Value {
        match self {
            Detached::Nil => Value::Nil,
            Detached::Bool(b) => Value::Bool(*b),
            Detached::Int(i) => Value::Int(*i),
            Detached::Int64(i) => Value::Int64(*i),
            Detached::Float(f) => Value::Float(*f),
            Detached::String(s) => Value::String(Rc::from(&**s)),
            Detached::Bytes(b) => Value::Bytes(Rc::from(&**b)),
            Detached::List { elem, items } => Value::List(Rc::new(List { elem: *elem, items: items.iter().map(Detached::attach).collect() })),
            Detached::Map { elem, type_name, entries } => {
                let entries: BTreeMap<String, Value> = entries.iter().map(|(k, v)| (k.clone(), v.attach())).collect();
                Value::Map(Map(Rc::new(RefCell::new(MapData { elem: *elem, entries, type_name: *type_name }))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send + Sync>() {}

    #[test]
    fn round_trip_keeps_go_types() {
        assert_send::<Detached>();
        let inner = Map::with_elem(ElemType::String);
        inner.insert("k", Value::str("v"));
        let m = Map::named("chartutil.Values");
        m.insert("int", Value::Int(3));
        m.insert("int64", Value::Int64(3));
        m.insert("float", Value::Float(3.0));
        m.insert("nil", Value::Nil);
        m.insert("bytes", Value::Bytes(Rc::from(&b"ab"[..])));
        m.insert("list", Value::List(Rc::new(List { elem: ElemType::Int, items: vec![Value::Int(1)] })));
        m.insert("inner", Value::Map(inner));
        let v = Value::Map(m);
        let back = v.detach().expect("plain values detach").attach();
        assert_eq!(back, v);
        let Value::Map(b) = &back else { panic!("map") };
        assert_eq!(b.type_name(), Some("chartutil.Values"));
        let Some(Value::Map(i)) = b.get("inner") else { panic!("inner map") };
        assert_eq!(i.elem(), ElemType::String);
        // a copy: writing into it leaves the original as it was
        i.insert("k2", Value::Int(1));
        let Value::Map(orig) = &v else { panic!("map") };
        let Some(Value::Map(oi)) = orig.get("inner") else { panic!("inner map") };
        assert_eq!(oi.len(), 1);
    }
}
