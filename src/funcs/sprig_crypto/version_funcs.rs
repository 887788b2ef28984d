//! `semver` and `semverCompare`, and the `*semver.Version` object templates call methods on
//! (`(semver "1.2.3").Major`, `.Compare`, `.IncMinor`…).

use std::rc::Rc;

use super::semver::{Dialect, Version, semver_compare};
use super::{Flavor, str_arg};
use crate::gotmpl::{Func, FuncMap, Param, Signature};
use crate::value::{Method, Object, Value};

/// A `*semver.Version` (from `semver`) or a `semver.Version` (from `IncMajor` and friends).
#[derive(Debug)]
pub struct VersionObject {
    pub version: Version,
    dialect: Dialect,
    pointer: bool,
}

impl VersionObject {
    fn value(version: Version, dialect: Dialect, pointer: bool) -> Value {
        Value::Object(Rc::new(VersionObject { version, dialect, pointer }))
    }
}

const METHODS: &[&str] = &[
    "Major", "Minor", "Patch", "Prerelease", "Metadata", "Original", "String", "Compare", "LessThan", "GreaterThan",
    "Equal", "LessThanEqual", "GreaterThanEqual", "IncMajor", "IncMinor", "IncPatch", "SetPrerelease",
    "SetMetadata",
];

impl Object for VersionObject {
    fn type_name(&self) -> &str {
        if self.pointer { "*semver.Version" } else { "semver.Version" }
    }
    fn kind_name(&self) -> &str {
        if self.pointer { "ptr" } else { "struct" }
    }
    fn field(&self, name: &str) -> Option<Value> {
        let v = &self.version;
        // uint64 results: the value model has no unsigned type; versions fit in int64.
        Some(match name {
            "Major" => Value::Int64(v.major() as i64),
            "Minor" => Value::Int64(v.minor() as i64),
            "Patch" => Value::Int64(v.patch() as i64),
            "Prerelease" => Value::str(v.prerelease()),
            "Metadata" => Value::str(v.metadata()),
            "Original" => Value::str(v.original()),
            "String" => Value::str(v.to_string()),
            "IncMajor" => VersionObject::value(v.inc_major(), self.dialect, false),
            "IncMinor" => VersionObject::value(v.inc_minor(), self.dialect, false),
            "IncPatch" => VersionObject::value(v.inc_patch(), self.dialect, false),
            _ => return None,
        })
    }
    /// The methods taking another `*semver.Version`: the executor converts their argument (a
    /// nil pointer gets through, and dereferencing it is Go's runtime error).
    fn method(&self, name: &str) -> Option<Method> {
        const OTHER: Signature = Signature::fixed(&[Param::Named("*semver.Version")]);
        let test: fn(std::cmp::Ordering) -> Value = match name {
            "Compare" => |o| Value::Int(o as i64),
            "LessThan" => |o| Value::Bool(o.is_lt()),
            "GreaterThan" => |o| Value::Bool(o.is_gt()),
            "Equal" => |o| Value::Bool(o.is_eq()),
            "LessThanEqual" if self.dialect != Dialect::V3_2 => |o| Value::Bool(o.is_le()),
            "GreaterThanEqual" if self.dialect != Dialect::V3_2 => |o| Value::Bool(o.is_ge()),
            "MarshalJSON" => {
                let json = crate::value::go_quote(&self.version.to_string());
                return Some(Method::new(Signature::fixed(&[]), move |_| Ok(Value::Bytes(json.as_bytes().into()))));
            }
            _ => return None,
        };
        let v = self.version.clone();
        Some(Method::new(OTHER, move |args| {
            let other = match args.first() {
                Some(Value::Object(o)) => o.as_any().and_then(|a| a.downcast_ref::<VersionObject>()),
                _ => None,
            }
            .ok_or("runtime error: invalid memory address or nil pointer dereference")?;
            Ok(test(v.compare(&other.version)))
        }))
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let v = &self.version;
        Some(match name {
            "SetPrerelease" | "SetMetadata" => {
                let arg = args.first().and_then(Value::as_str).unwrap_or("");
                let r = if name == "SetPrerelease" {
                    v.set_prerelease(arg, self.dialect)
                } else {
                    v.set_metadata(arg, self.dialect)
                };
                r.map(|n| VersionObject::value(n, self.dialect, false)).map_err(|e| e.to_string())
            }
            _ => return self.field(name).map(Ok),
        })
    }
    fn has_method(&self, name: &str) -> bool {
        METHODS.contains(&name)
    }
    fn go_format(&self) -> String {
        self.version.to_string()
    }
    fn to_value(&self) -> Value {
        Value::str(self.version.to_string())
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

pub(super) fn register(map: &mut FuncMap, flavor: Flavor) {
    let dialect = flavor.semver_dialect();
    map.insert(
        "semver",
        Func::pure(Signature::fixed(&[Param::String]), move |args| {
            Version::parse_in(str_arg(&args, 0), dialect)
                .map(|v| VersionObject::value(v, dialect, true))
                .map_err(|e| e.to_string())
        }),
    );
    map.insert(
        "semverCompare",
        Func::pure(Signature::fixed(&[Param::String, Param::String]), move |args| {
            semver_compare(str_arg(&args, 0), str_arg(&args, 1), dialect).map(Value::Bool).map_err(|e| e.to_string())
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::super::semver::Constraints;
    use super::*;
    use serde_json::Value as Json;

    fn golden(file: &str) -> Json {
        let path = format!("{}/testdata/funcs/sprig_crypto/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn s<'a>(j: &'a Json, k: &str) -> &'a str {
        j.get(k).and_then(Json::as_str).unwrap_or("")
    }

    /// Every version and version×constraint case recorded from Masterminds/semver itself.
    fn check_against_go(file: &str, dialect: Dialect) -> usize {
        let g = golden(file);
        let mut checked = 0;
        for case in g["versions"].as_array().into_iter().flatten() {
            let input = s(case, "input");
            match Version::parse_in(input, dialect) {
                Ok(v) => {
                    assert_eq!(s(case, "err"), "", "{input}: Go failed, we parsed");
                    assert_eq!(v.to_string(), s(case, "string"), "{input}");
                    assert_eq!(v.original(), s(case, "original"));
                    assert_eq!(Some(v.major()), case["major"].as_u64(), "{input}");
                    assert_eq!(Some(v.minor()), case["minor"].as_u64(), "{input}");
                    assert_eq!(Some(v.patch()), case["patch"].as_u64(), "{input}");
                    assert_eq!(v.inc_patch().original(), s(case, "incPatch"), "{input}");
                }
                Err(e) => assert_eq!(e.0, s(case, "err"), "{input}"),
            }
            checked += 1;
        }
        for case in g["constraints"].as_array().into_iter().flatten() {
            let (con, ver) = (s(case, "constraint"), s(case, "version"));
            let c = match Constraints::parse_in(con, dialect) {
                Ok(c) => c,
                Err(e) => {
                    assert_eq!(e.0, s(case, "err"), "constraint {con:?}");
                    checked += 1;
                    continue;
                }
            };
            assert_eq!(s(case, "err"), "", "{con:?}: Go failed, we parsed");
            assert_eq!(c.to_string(), s(case, "string"), "String() of {con:?}");
            let v = Version::parse_in(ver, dialect).unwrap_or_else(|e| panic!("{ver}: {e}"));
            assert_eq!(Some(c.check(&v)), case["check"].as_bool(), "{con:?} check {ver:?}");
            let want: Vec<&str> = case["validate"].as_array().into_iter().flatten().filter_map(Json::as_str).collect();
            let got: Vec<String> = c.validate(&v).err().unwrap_or_default().into_iter().map(|e| e.0).collect();
            assert_eq!(got, want, "{con:?} validate {ver:?}");
            checked += 1;
        }
        checked
    }

    #[test]
    fn matches_masterminds_semver_3_2_1() {
        assert!(check_against_go("semver_v3.2.1.json", Dialect::V3_2) > 2000);
    }

    #[test]
    fn matches_masterminds_semver_3_5_0() {
        assert!(check_against_go("semver_v3.5.0.json", Dialect::V3_5) > 2000);
    }

    #[test]
    fn version_object_methods() {
        let mut map = FuncMap::new();
        register(&mut map, Flavor::Helm3);
        let f = map.get("semver").unwrap();
        let mut host = crate::gotmpl::NoHost;
        let v = (f.body)(&mut host, vec![Value::str("v1.2.3-rc.1+b")]).unwrap();
        let Value::Object(o) = &v else { panic!("not an object") };
        assert_eq!(o.type_name(), "*semver.Version");
        assert_eq!(o.field("Major"), Some(Value::Int64(1)));
        assert_eq!(o.go_format(), "1.2.3-rc.1+b");
        let next = o.field("IncMinor").unwrap();
        assert_eq!(next.go_format(), "1.3.0");
        let compare = o.method("Compare").expect("Compare");
        let Ok(Value::Int(c)) = (compare.call)(vec![next]) else { panic!("Compare") };
        assert_eq!(c, -1);
        // A nil *semver.Version argument is dereferenced, as in Go.
        assert_eq!(
            (compare.call)(vec![Value::Nil]).unwrap_err(),
            "runtime error: invalid memory address or nil pointer dereference"
        );
        let err = (f.body)(&mut host, vec![Value::str("1.2.3.4")]).unwrap_err();
        assert_eq!(err.message, "Invalid Semantic Version");
    }
}
