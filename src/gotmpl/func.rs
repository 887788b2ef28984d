//! Functions as text/template calls them: each declares its Go parameter types, and arguments are
//! converted (or rejected) by Go's rules before the body runs, so `trunc .Values.n "x"` fails
//! with `wrong type for value; expected int; got float64` exactly where helm's engine fails.

use std::collections::HashMap;
use std::rc::Rc;

use crate::value::Value;

/// The Go type of a function parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// `interface {}`: anything, nil included.
    Any,
    /// `reflect.Value`: like `Any`, but nil literals are refused (the builtins `eq`, `len`, …).
    Reflect,
    String,
    Int,
    Int64,
    Float64,
    Bool,
    /// `[]interface {}`.
    List,
    /// `[]string`.
    Strings,
    /// `map[string]interface {}`.
    Map,
    /// `[]byte`.
    Bytes,
}

impl Param {
    /// The type as Go spells it in error messages.
    pub fn go_name(self) -> &'static str {
        match self {
            Param::Any => "interface {}",
            Param::Reflect => "reflect.Value",
            Param::String => "string",
            Param::Int => "int",
            Param::Int64 => "int64",
            Param::Float64 => "float64",
            Param::Bool => "bool",
            Param::List => "[]interface {}",
            Param::Strings => "[]string",
            Param::Map => "map[string]interface {}",
            Param::Bytes => "[]uint8",
        }
    }

    /// Whether Go lets nil through for this type (interfaces, slices, maps).
    pub fn can_be_nil(self) -> bool {
        matches!(self, Param::Any | Param::List | Param::Strings | Param::Map | Param::Bytes)
    }

    /// Go's `validateType` for a computed (non-literal) argument: the dynamic type must be
    /// assignable to the parameter's type.
    pub fn accept(self, v: Value) -> Result<Value, String> {
        let ok = match (self, &v) {
            (Param::Any | Param::Reflect, _) => true,
            (_, Value::Nil) if self.can_be_nil() => true,
            (_, Value::Nil) => return Err(format!("invalid value; expected {}", self.go_name())),
            (Param::String, Value::String(_))
            | (Param::Int, Value::Int(_))
            | (Param::Int64, Value::Int64(_))
            | (Param::Float64, Value::Float(_))
            | (Param::Bool, Value::Bool(_))
            | (Param::Bytes, Value::Bytes(_)) => true,
            (Param::List, Value::List(l)) => l.elem == crate::value::ElemType::Interface,
            (Param::Strings, Value::List(l)) => l.elem == crate::value::ElemType::String,
            (Param::Map, Value::Map(m)) => m.elem() == crate::value::ElemType::Interface,
            _ => false,
        };
        if ok {
            Ok(v)
        } else {
            Err(format!("wrong type for value; expected {}; got {}", self.go_name(), v.type_name()))
        }
    }
}

/// A function's Go signature.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    pub params: &'static [Param],
    /// The element type of a final `...T` parameter.
    pub variadic: Option<Param>,
}

impl Signature {
    pub const fn fixed(params: &'static [Param]) -> Signature {
        Signature { params, variadic: None }
    }

    pub const fn variadic(params: &'static [Param], rest: Param) -> Signature {
        Signature { params, variadic: Some(rest) }
    }

    /// The type of the `i`th argument, or `None` past the end of a non-variadic signature.
    pub fn param(&self, i: usize) -> Option<Param> {
        self.params.get(i).copied().or(self.variadic)
    }

    /// Go's arity check: `wrong number of args for NAME: want N got M`.
    pub fn check_arity(&self, name: &str, got: usize) -> Result<(), String> {
        let want = self.params.len();
        match self.variadic {
            Some(_) if got < want => Err(format!("wrong number of args for {name}: want at least {want} got {got}")),
            None if got != want => Err(format!("wrong number of args for {name}: want {want} got {got}")),
            _ => Ok(()),
        }
    }
}

/// What a function body can ask of the running template: helm's `include` and `tpl` execute
/// templates from inside a function call.
pub trait Host {
    /// Executes the named template with `data` as dot and returns its text (helm's `include`).
    fn include(&mut self, name: &str, data: Value) -> Result<String, String>;
    /// Parses `text` as a template in the current set and executes it with `data` (helm's `tpl`).
    fn tpl(&mut self, text: &str, data: Value) -> Result<String, String>;
}

/// A function body: converted arguments in, a value or an error message out. The executor
/// reports an error as `error calling NAME: MESSAGE`.
pub type FuncBody = Rc<dyn Fn(&mut dyn Host, Vec<Value>) -> Result<Value, String>>;

#[derive(Clone)]
pub struct Func {
    pub sig: Signature,
    pub body: FuncBody,
}

impl Func {
    pub fn new(sig: Signature, body: impl Fn(&mut dyn Host, Vec<Value>) -> Result<Value, String> + 'static) -> Func {
        Func { sig, body: Rc::new(body) }
    }

    /// A function that needs no host.
    pub fn pure(sig: Signature, body: impl Fn(Vec<Value>) -> Result<Value, String> + 'static) -> Func {
        Func { sig, body: Rc::new(move |_: &mut dyn Host, args| body(args)) }
    }
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Func").field("sig", &self.sig).finish_non_exhaustive()
    }
}

/// Functions by name, as Go's `template.FuncMap`.
#[derive(Clone, Default, Debug)]
pub struct FuncMap {
    funcs: HashMap<String, Func>,
}

impl FuncMap {
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, func: Func) {
        self.funcs.insert(name.into(), func);
    }

    pub fn remove(&mut self, name: &str) {
        self.funcs.remove(name);
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_arguments_must_match_the_go_type() {
        assert!(Param::Int.accept(Value::Int(1)).is_ok());
        assert_eq!(
            Param::Int.accept(Value::Float(1.0)).unwrap_err(),
            "wrong type for value; expected int; got float64"
        );
        assert_eq!(
            Param::List.accept(Value::string_list(vec!["a".into()])).unwrap_err(),
            "wrong type for value; expected []interface {}; got []string"
        );
        assert!(Param::Map.accept(Value::Nil).is_ok());
        assert_eq!(Param::String.accept(Value::Nil).unwrap_err(), "invalid value; expected string");
    }

    #[test]
    fn arity_errors_read_as_go() {
        let sig = Signature::fixed(&[Param::Int, Param::String]);
        assert_eq!(sig.check_arity("trunc", 1).unwrap_err(), "wrong number of args for trunc: want 2 got 1");
        let sig = Signature::variadic(&[Param::String], Param::Any);
        assert_eq!(sig.check_arity("printf", 0).unwrap_err(), "wrong number of args for printf: want at least 1 got 0");
        assert!(sig.check_arity("printf", 3).is_ok());
    }
}
