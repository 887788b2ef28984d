use crate::value::Value;
pub fn to_yaml(_v: &Value) -> String { String::new() }
pub fn to_yaml_pretty(_v: &Value) -> String { String::new() }
