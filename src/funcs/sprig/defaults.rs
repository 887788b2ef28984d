//! Sprig's defaults family: `default`, `empty`, `coalesce`, `all`, `any`, `ternary` and the
//! JSON functions (through `funcs::json`, Go's encoding/json).

use super::cast::empty;
use super::{IntoValue, arg, def, s};
use crate::funcs::json;
use crate::gotmpl::{FuncMap, Param as P, Signature};
use crate::value::Value;

pub(super) fn register(m: &mut FuncMap) {
    let any_rest = Signature::variadic(&[], P::Any);
    let any1 = Signature::fixed(&[P::Any]);
    let str1 = Signature::fixed(&[P::String]);
    def(m, "default", Signature::variadic(&[P::Any], P::Any), |a| {
        Ok(match a.get(1) {
            Some(given) if !empty(given) => given.clone(),
            _ => arg(&a, 0),
        })
    });
    def(m, "empty", any1, |a| Ok(Value::Bool(empty(&arg(&a, 0)))));
    def(m, "coalesce", any_rest, |a| {
        Ok(a.into_iter().find(|v| !empty(v)).unwrap_or(Value::Nil))
    });
    def(m, "all", any_rest, |a| {
        Ok(Value::Bool(a.iter().all(|v| !empty(v))))
    });
    def(m, "any", any_rest, |a| {
        Ok(Value::Bool(a.iter().any(|v| !empty(v))))
    });
    def(
        m,
        "ternary",
        Signature::fixed(&[P::Any, P::Any, P::Bool]),
        |a| {
            Ok(if matches!(a.get(2), Some(Value::Bool(true))) {
                arg(&a, 0)
            } else {
                arg(&a, 1)
            })
        },
    );

    def(m, "fromJson", str1, |a| {
        Ok(json::unmarshal(s(&a, 0)).unwrap_or(Value::Nil))
    });
    def(m, "mustFromJson", str1, |a| json::unmarshal(s(&a, 0)));
    // `toJson` and `toPrettyJson` swallow marshal errors into ""; `toRawJson` panics instead.
    def(m, "toJson", any1, |a| {
        Ok(json::marshal(&arg(&a, 0), true)
            .unwrap_or_default()
            .into_value())
    });
    def(m, "mustToJson", any1, |a| {
        json::marshal(&arg(&a, 0), true).map(IntoValue::into_value)
    });
    def(m, "toPrettyJson", any1, |a| {
        Ok(json::marshal_indent(&arg(&a, 0), "  ")
            .unwrap_or_default()
            .into_value())
    });
    def(m, "mustToPrettyJson", any1, |a| {
        json::marshal_indent(&arg(&a, 0), "  ").map(IntoValue::into_value)
    });
    for name in ["toRawJson", "mustToRawJson"] {
        def(m, name, any1, |a| {
            json::marshal(&arg(&a, 0), false).map(IntoValue::into_value)
        });
    }
}
