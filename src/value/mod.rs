//! Go-like dynamic values, as templates see them in helm: what `interface{}` holds after values
//! files are parsed (`map[string]interface{}`, `[]interface{}`, `float64`, `int64`, `string`,
//! `bool`, nil) plus the few other Go types templates meet (`int` literals, `[]string`,
//! `map[string]string`, `[]byte`, built-in objects with methods).
//!
//! Maps have reference semantics like Go maps (`set .Values "k" 1` is seen by every holder);
//! lists are immutable like the slices Sprig returns (every list function makes a new one).

mod detached;
mod format;
mod gotype;
mod strconv;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

pub use detached::Detached;
pub use gotype::{Param, Signature};
pub use format::{go_lossy, go_quote, is_go_printable, sprint, sprintf, sprintln};
pub use strconv::format_float_go as format_float;

/// The Go element type of a list or map, which `typeOf`, `kindOf` and `%T` reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElemType {
    /// `interface {}`: what values files and `list`/`dict` produce.
    Interface,
    /// `string`: `splitList`, `keys`, `regexFindAll`, `split` (a `map[string]string`).
    String,
    /// `int`: `until`, `untilStep`, `seq`-like helpers.
    Int,
    /// `[]interface {}`: `chunk`'s `[][]interface {}`.
    List,
    /// `[]byte`: the file contents of `.Files` (`map[string][]byte`).
    Bytes,
}

impl ElemType {
    pub fn go_name(self) -> &'static str {
        match self {
            ElemType::Interface => "interface {}",
            ElemType::String => "string",
            ElemType::Int => "int",
            ElemType::List => "[]interface {}",
            ElemType::Bytes => "[]uint8",
        }
    }
}

/// A Go slice: immutable once built; functions that "change" a list return a new one.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub elem: ElemType,
    pub items: Vec<Value>,
}

/// A Go map with string keys, iterated in Go's sorted key order (byte order of the strings).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MapData {
    pub elem: ElemType,
    pub entries: BTreeMap<String, Value>,
    /// The Go name of a named map type (`chartutil.Values`), shown by `%T` and `typeOf`.
    pub type_name: Option<&'static str>,
}

impl Default for ElemType {
    fn default() -> Self {
        ElemType::Interface
    }
}

/// A shared, mutable Go map (`map[string]interface{}` unless `elem` says otherwise).
#[derive(Clone, Default)]
pub struct Map(pub Rc<RefCell<MapData>>);

impl Map {
    pub fn new() -> Map {
        Map::default()
    }

    pub fn with_elem(elem: ElemType) -> Map {
        Map(Rc::new(RefCell::new(MapData { elem, entries: BTreeMap::new(), type_name: None })))
    }

    pub fn from_entries(entries: BTreeMap<String, Value>) -> Map {
        Map(Rc::new(RefCell::new(MapData { elem: ElemType::Interface, entries, type_name: None })))
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.0.borrow().entries.get(key).cloned()
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.borrow().entries.contains_key(key)
    }

    pub fn insert(&self, key: impl Into<String>, value: Value) {
        self.0.borrow_mut().entries.insert(key.into(), value);
    }

    pub fn remove(&self, key: &str) -> Option<Value> {
        self.0.borrow_mut().entries.remove(key)
    }

    pub fn len(&self) -> usize {
        self.0.borrow().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().entries.is_empty()
    }

    /// The Go name of a named map type (`chartutil.Values`); `None` for a plain map.
    pub fn type_name(&self) -> Option<&'static str> {
        self.0.borrow().type_name
    }

    pub fn elem(&self) -> ElemType {
        self.0.borrow().elem
    }

    /// A new, empty map of the named Go type `name` (a `map[string]interface{}` underneath).
    pub fn named(name: &'static str) -> Map {
        let m = Map::new();
        m.0.borrow_mut().type_name = Some(name);
        m
    }

    /// Sorted keys, as Go's `range` and `fmt` visit them.
    pub fn keys(&self) -> Vec<String> {
        self.0.borrow().entries.keys().cloned().collect()
    }

    /// A snapshot of the entries in key order.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.0.borrow().entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Whether two handles refer to the same Go map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.try_borrow() {
            Ok(data) => f.debug_map().entries(data.entries.iter()).finish(),
            Err(_) => f.write_str("{<borrowed>}"),
        }
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.ptr_eq(other) || *self.0.borrow() == *other.0.borrow()
    }
}

/// A method bound to its object.
#[derive(Clone)]
pub struct Method {
    pub sig: Signature,
    pub call: Rc<dyn Fn(Vec<Value>) -> Result<Value, String>>,
}

impl Method {
    pub fn new(sig: Signature, call: impl Fn(Vec<Value>) -> Result<Value, String> + 'static) -> Method {
        Method { sig, call: Rc::new(call) }
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Method").field("sig", &self.sig).finish_non_exhaustive()
    }
}

/// A built-in object with fields and methods (`.Files`, `.Capabilities`, a semver version, a
/// `time.Time`): what Go exposes through struct fields and methods rather than map keys.
pub trait Object: fmt::Debug {
    /// The Go type name, for `%T`, `typeOf` and error messages (`chartutil.Files`).
    fn type_name(&self) -> &str;
    /// The Go kind (`struct`, `map`, `ptr`), for `kindOf`.
    fn kind_name(&self) -> &str {
        "struct"
    }
    /// A struct field; `None` when the object has no such field.
    fn field(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }
    /// A method, with its Go signature; `None` when the object has no such method. Templates
    /// call methods with or without arguments (`.Files.Get "x"`, `.Chart.IsRoot`).
    fn method(&self, name: &str) -> Option<Method> {
        let _ = name;
        None
    }
    /// Whether `name` is a method whose arguments are passed as they are, unconverted
    /// (objects that check their own argument types); called through [`Object::call`].
    fn has_method(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// Calls such a method; `None` when there is no such method.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let _ = (name, args);
        None
    }
    /// The plain value a named Go type stands on (`VersionSet` → `[]string`, `engine.files` →
    /// a map): what `range`, `len`, `index` and comparisons see.
    fn underlying(&self) -> Option<Value> {
        None
    }
    /// The zero value of the element type of an object whose kind is `map` (what a missing key
    /// yields under `missingkey=zero`).
    fn elem_zero(&self) -> Value {
        Value::Nil
    }
    /// How `fmt` prints it with `%v`.
    fn go_format(&self) -> String;
    /// How a template action prints it when it differs from `%v` (a struct field whose
    /// pointer has a `String` method, which Go's executor calls on addressable values).
    fn action_text(&self) -> Option<String> {
        None
    }
    /// The JSON object fields of a struct, in the struct's field order (what `toJson` writes);
    /// `None` to marshal [`Object::to_value`] instead.
    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        None
    }
    /// The fields of a Go struct, in order (unexported ones too), for `fmt`'s `%d`, `%+v`, …
    /// which format a struct field by field; `None` when the object is not a struct.
    fn struct_fields(&self) -> Option<Vec<(String, Value)>> {
        None
    }
    /// How `toJson`/`toYaml` see it: objects marshal as the value they stand for.
    fn to_value(&self) -> Value {
        Value::String(self.go_format().into())
    }
    /// The concrete object, for functions that take their own object types back (`date` given
    /// the `time.Time` that `now` made, `genSignedCert` given a CA); `None` when not exposed.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// A Go value as a template sees it.
#[derive(Debug, Clone)]
pub enum Value {
    /// A nil interface: a missing map key, a YAML `null`, Go's `nil`.
    Nil,
    Bool(bool),
    /// Go `int`: template literals, `len`, `atoi`, `int`.
    Int(i64),
    /// Go `int64`: `--set` numbers, Sprig math (`add`, `int64`, `toDecimal`).
    Int64(i64),
    /// Go `float64`: every number from a values file, `float64`, `divf`.
    Float(f64),
    String(Rc<str>),
    /// Go `[]byte`: `.Files.GetBytes`.
    Bytes(Rc<[u8]>),
    List(Rc<List>),
    Map(Map),
    Object(Rc<dyn Object>),
}

impl Value {
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A `[]interface {}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(List { elem: ElemType::Interface, items }))
    }

    /// A `[]string`.
    pub fn string_list(items: impl IntoIterator<Item = String>) -> Value {
        let items = items.into_iter().map(|s| Value::String(s.into())).collect();
        Value::List(Rc::new(List { elem: ElemType::String, items }))
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Go's notion of truth for `if`, `and`, `or`, `not`: the zero value of its type is false.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.items.is_empty(),
            Value::Map(m) => !m.is_empty(),
            // A named map or slice type is true when non-empty; structs and pointers are true.
            Value::Object(o) => o.underlying().is_none_or(|u| u.is_truthy()),
        }
    }

    /// Go's type name, as `%T` and `typeOf` print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(l) => format!("[]{}", l.elem.go_name()),
            Value::Map(m) => match m.0.borrow().type_name {
                Some(name) => name.to_string(),
                None => format!("map[string]{}", m.elem().go_name()),
            },
            Value::Object(o) => o.type_name().into(),
        }
    }

    /// Go's kind name, as `kindOf` prints it.
    pub fn kind_name(&self) -> &str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind_name(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(&l.items),
            _ => None,
        }
    }

    /// How Go's encoding/json names the value's JSON kind in unmarshal errors
    /// (`json: cannot unmarshal array into …`).
    pub fn json_kind(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Int64(_) | Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "array",
            Value::Map(_) => "object",
            _ => "value",
        }
    }

    /// A deep copy: new maps all the way down (Sprig's `deepCopy`, helm's values copies).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::Map(m) => {
                let data = m.0.borrow();
                let entries = data.entries.iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect();
                Value::Map(Map(Rc::new(RefCell::new(MapData { elem: data.elem, entries, type_name: data.type_name }))))
            }
            Value::List(l) => Value::List(Rc::new(List {
                elem: l.elem,
                items: l.items.iter().map(Value::deep_copy).collect(),
            })),
            other => other.clone(),
        }
    }

    /// How Go's `fmt` prints the value with `%v` (and `print`, and a template action when the
    /// value is not nil).
    pub fn go_format(&self) -> String {
        let mut out = String::new();
        format::write_v(&mut out, self, true);
        out
    }
}

impl PartialEq for Value {
    /// Structural equality as `reflect.DeepEqual` sees it: types must match too.
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) | (Value::Int64(a), Value::Int64(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => a.elem == b.elem && a.items == b.items,
            (Value::Map(a), Value::Map(b)) => a == b,
            // Go compares struct values field by field and pointers by address; objects made
            // afresh for each field access stand for the same Go value when they print the same.
            (Value::Object(a), Value::Object(b)) => {
                Rc::ptr_eq(a, b) || (a.type_name() == b.type_name() && a.go_format() == b.go_format())
            }
            _ => false,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Map(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_are_shared_like_go_maps() {
        let m = Map::new();
        let held = Value::Map(m.clone());
        m.insert("k", Value::Int(1));
        assert_eq!(held.as_map().and_then(|m| m.get("k")), Some(Value::Int(1)));
        let copy = held.deep_copy();
        m.insert("k", Value::Int(2));
        assert_eq!(copy.as_map().and_then(|m| m.get("k")), Some(Value::Int(1)));
    }

    #[test]
    fn type_names_match_go() {
        assert_eq!(Value::list(vec![]).type_name(), "[]interface {}");
        assert_eq!(Value::string_list(vec!["a".into()]).type_name(), "[]string");
        assert_eq!(Value::Map(Map::with_elem(ElemType::String)).type_name(), "map[string]string");
        assert_eq!(Value::Float(1.0).type_name(), "float64");
        assert_eq!(Value::Nil.kind_name(), "invalid");
    }

    #[test]
    fn truthiness_is_go_zero_value() {
        assert!(!Value::Float(0.0).is_truthy());
        assert!(!Value::str("").is_truthy());
        assert!(!Value::Map(Map::new()).is_truthy());
        assert!(Value::Int64(-1).is_truthy());
    }
}
