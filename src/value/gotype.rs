//! Go types of function parameters, and how Go converts a value passed to one: text/template's
//! `validateType` for computed arguments, and `reflect`'s assignability.

use super::{ElemType, Value};

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
    /// `uint32` (`derivePassword`'s counter): only an unsigned integer literal converts to it.
    Uint32,
    /// A named Go type that only objects of that type name convert to (`sprig.certificate`,
    /// `*semver.Version`); a pointer type (leading `*`) lets nil through.
    Named(&'static str),
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
            Param::Uint32 => "uint32",
            Param::Named(name) => name,
        }
    }

    /// Whether Go lets nil through for this type (interfaces, slices, maps).
    pub fn can_be_nil(self) -> bool {
        match self {
            Param::Any | Param::List | Param::Strings | Param::Map | Param::Bytes => true,
            Param::Named(name) => name.starts_with('*'),
            _ => false,
        }
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
            (Param::List, Value::List(l)) => l.elem == ElemType::Interface,
            (Param::Strings, Value::List(l)) => l.elem == ElemType::String,
            (Param::Map, Value::Map(m)) => m.elem() == ElemType::Interface,
            (Param::Named(name), Value::Object(o)) => o.type_name() == name,
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
        assert_eq!(
            Param::Uint32.accept(Value::Int(1)).unwrap_err(),
            "wrong type for value; expected uint32; got int"
        );
        assert_eq!(
            Param::Named("sprig.certificate").accept(Value::Map(crate::value::Map::new())).unwrap_err(),
            "wrong type for value; expected sprig.certificate; got map[string]interface {}"
        );
        assert!(Param::Named("*semver.Version").can_be_nil());
        assert!(!Param::Named("sprig.certificate").can_be_nil());
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
