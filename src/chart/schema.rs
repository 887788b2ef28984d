//! `values.schema.json` validation of the coalesced values, for the chart and every subchart
//! (helm's `ValidateAgainstSchema`), validated with `boon` and reported in the wording of the
//! helm version being imitated: helm 3 words errors as gojsonschema does (`- field: message`),
//! helm 4 as santhosh-tekuri/jsonschema does (`- at '/path': message`).

use boon::{Compiler, ErrorKind, InstanceToken, Schemas, ValidationError};

use crate::funcs::HelmCompat;
use crate::value::{Map, Value};

use super::model::Chart;

const SCHEMA_URL: &str = "file:///values.schema.json";

/// Values as the validator sees them: numbers with no fraction are integers (helm 3 goes
/// through YAML, helm 4 compares by value; both see `1.0` as an integer).
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) | Value::Int64(i) => serde_json::Value::from(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
                serde_json::Value::from(*f as i64)
            } else {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::Bytes(b) => serde_json::Value::String(String::from_utf8_lossy(b).into_owned()),
        Value::List(l) => serde_json::Value::Array(l.items.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(m.entries().iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        Value::Object(_) => serde_json::Value::String(v.go_format()),
    }
}

/// helm's `ValidateAgainstSchema`: the error text (without helm's leading sentence), or None.
pub fn validate_chart(chart: &Chart, values: &Map, compat: HelmCompat) -> Result<(), String> {
    let mut out = String::new();
    validate_rec(chart, values, compat, &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(format!("values don't meet the specifications of the schema(s) in the following chart(s):\n{out}"))
    }
}

fn validate_rec(chart: &Chart, values: &Map, compat: HelmCompat, out: &mut String) {
    if let Some(schema) = &chart.schema {
        if let Err(e) = validate_single(values, schema, compat) {
            out.push_str(&format!("{}:\n{e}", chart.name()));
        }
    }
    for sub in &chart.subcharts {
        match values.get(sub.name()) {
            Some(Value::Map(m)) => validate_rec(sub, &m, compat, out),
            None | Some(Value::Nil) if compat == HelmCompat::V4 => {}
            None | Some(Value::Nil) => validate_rec(sub, &Map::new(), compat, out),
            Some(other) => {
                if compat == HelmCompat::V4 {
                    out.push_str(&format!(
                        "{}:\ninvalid type for values: expected object (map), got {}\n",
                        sub.name(),
                        other.type_name()
                    ));
                }
            }
        }
    }
}

pub fn validate_single(values: &Map, schema: &[u8], compat: HelmCompat) -> Result<(), String> {
    let doc: serde_json::Value = serde_json::from_slice(schema).map_err(|e| e.to_string())?;
    let mut compiler = Compiler::new();
    let mut schemas = Schemas::new();
    compiler.add_resource(SCHEMA_URL, doc).map_err(|e| e.to_string())?;
    let idx = compiler.compile(SCHEMA_URL, &mut schemas).map_err(|e| e.to_string())?;
    let instance = to_json(&Value::Map(values.clone()));
    match schemas.validate(&instance, idx) {
        Ok(()) => Ok(()),
        Err(e) => Err(match compat {
            HelmCompat::V4 => {
                let mut text = String::new();
                v4_display(&e, 0, &mut text);
                let text = text
                    .strip_prefix(&format!("jsonschema validation failed with '{SCHEMA_URL}#'\n"))
                    .unwrap_or(&text)
                    .to_string();
                format!("{text}\n")
            }
            _ => v3_text(&e, &instance),
        }),
    }
}

/// One error as gojsonschema reports it: the instance path and the description.
struct V3Error {
    path: Vec<String>,
    rank: u8,
    text: String,
}

fn v3_text(e: &ValidationError, instance: &serde_json::Value) -> String {
    let mut errs = Vec::new();
    collect_v3(e, instance, &mut errs);
    errs.sort_by(|a, b| a.path.cmp(&b.path).then(a.rank.cmp(&b.rank)));
    let mut out = String::new();
    for e in errs {
        let field = if e.path.is_empty() { "(root)".to_string() } else { e.path.join(".") };
        out.push_str(&format!("- {field}: {}\n", e.text.replace("{field}", &field)));
    }
    out
}

fn json_type(t: &str) -> &str {
    t
}

fn number(n: &serde_json::Number) -> String {
    n.to_string()
}

fn collect_v3(e: &ValidationError, instance: &serde_json::Value, out: &mut Vec<V3Error>) {
    let path: Vec<String> = e
        .instance_location
        .tokens
        .iter()
        .map(|t| match t {
            InstanceToken::Prop(p) => p.to_string(),
            InstanceToken::Item(i) => i.to_string(),
        })
        .collect();
    let mut push = |path: Vec<String>, rank: u8, text: String| out.push(V3Error { path, rank, text });
    match &e.kind {
        ErrorKind::Type { got, want } => {
            let wants: Vec<String> = want.iter().map(|t| json_type(&t.to_string()).to_string()).collect();
            let expected = if wants.len() == 1 { wants[0].clone() } else { format!("[{}]", wants.join(",")) };
            // gojsonschema names a whole number's type `integer`; boon says `number`.
            let at = path.iter().try_fold(instance, |v, t| match v {
                serde_json::Value::Object(m) => m.get(t),
                serde_json::Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            });
            let given = match at {
                Some(serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => "integer".to_string(),
                _ => json_type(&got.to_string()).to_string(),
            };
            push(path, 0, format!("Invalid type. Expected: {expected}, given: {given}"));
        }
        ErrorKind::Required { want } => {
            for w in want {
                push(path.clone(), 2, format!("{w} is required"));
            }
        }
        ErrorKind::AdditionalProperties { got } => {
            for g in got {
                push(path.clone(), 3, format!("Additional property {g} is not allowed"));
            }
        }
        ErrorKind::Enum { want } => {
            let allowed: Vec<String> = want.iter().map(|v| v.to_string()).collect();
            push(path, 5, format!("{{field}} must be one of the following: {}", allowed.join(", ")));
        }
        ErrorKind::Const { want } => push(path, 5, format!("{{field}} does not match: {want}")),
        ErrorKind::MinProperties { want, .. } => push(path, 1, format!("Must have at least {want} properties")),
        ErrorKind::MaxProperties { want, .. } => push(path, 1, format!("Must have at most {want} properties")),
        ErrorKind::MinItems { want, .. } => push(path, 4, format!("Array must have at least {want} items")),
        ErrorKind::MaxItems { want, .. } => push(path, 4, format!("Array must have at most {want} items")),
        ErrorKind::UniqueItems { got } => {
            push(path, 4, format!("array items[{},{}] must be unique", got[0], got[1]))
        }
        ErrorKind::MinLength { want, .. } => {
            push(path, 6, format!("String length must be greater than or equal to {want}"))
        }
        ErrorKind::MaxLength { want, .. } => push(path, 6, format!("String length must be less than or equal to {want}")),
        ErrorKind::Pattern { want, .. } => push(path, 6, format!("Does not match pattern '{want}'")),
        ErrorKind::Format { want, .. } => push(path, 6, format!("Does not match format '{want}'")),
        ErrorKind::Minimum { want, .. } => push(path, 4, format!("Must be greater than or equal to {}", number(want))),
        ErrorKind::Maximum { want, .. } => push(path, 4, format!("Must be less than or equal to {}", number(want))),
        ErrorKind::ExclusiveMinimum { want, .. } => push(path, 4, format!("Must be greater than {}", number(want))),
        ErrorKind::ExclusiveMaximum { want, .. } => push(path, 4, format!("Must be less than {}", number(want))),
        ErrorKind::MultipleOf { want, .. } => push(path, 4, format!("Must be a multiple of {}", number(want))),
        ErrorKind::FalseSchema => push(path, 1, "False always fails validation".into()),
        ErrorKind::AnyOf => {
            push(path, 1, "Must validate at least one schema (anyOf)".into());
            return;
        }
        ErrorKind::OneOf(_) => {
            push(path, 1, "Must validate one and only one schema (oneOf)".into());
            return;
        }
        ErrorKind::Not => push(path, 1, "Must not validate the schema (not)".into()),
        _ => {}
    }
    for c in &e.causes {
        collect_v3(c, instance, out);
    }
}

/// santhosh-tekuri/jsonschema's `quote`: Go's `%q` with single quotes.
fn v6_quote(s: &str) -> String {
    let q = crate::value::go_quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

fn v6_display(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => v6_quote(s),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => "value".into(),
        serde_json::Value::Null => "<nil>".into(),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) => Value::Float(f).go_format(),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn v6_num(n: &serde_json::Number) -> String {
    grouped(&Value::Float(n.as_f64().unwrap_or(0.0)).go_format())
}

/// golang.org/x/text's English printer: digits of the integer part grouped by thousands.
fn grouped(s: &str) -> String {
    if s.contains(['e', 'E', 'I', 'N']) {
        return s.to_string();
    }
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn gi(n: usize) -> String {
    grouped(&n.to_string())
}

fn v6_message(kind: &ErrorKind) -> String {
    let joined = |v: &[&str]| v.iter().map(|s| v6_quote(s)).collect::<Vec<_>>().join(", ");
    match kind {
        ErrorKind::Group => "validation failed".into(),
        ErrorKind::Schema { url } => format!("jsonschema validation failed with {}", v6_quote(url)),
        ErrorKind::Type { got, want } => {
            let wants: Vec<String> = want.iter().map(|t| t.to_string()).collect();
            format!("got {got}, want {}", wants.join(" or "))
        }
        ErrorKind::Enum { want } => {
            if want.iter().any(|v| v.is_array() || v.is_object()) {
                "'enum' failed".into()
            } else if want.len() == 1 {
                format!("value must be {}", v6_display(&want[0]))
            } else {
                format!("value must be one of {}", want.iter().map(v6_display).collect::<Vec<_>>().join(", "))
            }
        }
        ErrorKind::Const { want } => {
            if want.is_array() || want.is_object() {
                "'const' failed".into()
            } else {
                format!("value must be {}", v6_display(want))
            }
        }
        ErrorKind::MinProperties { got, want } => format!("minProperties: got {}, want {}", gi(*got), gi(*want)),
        ErrorKind::MaxProperties { got, want } => format!("maxProperties: got {}, want {}", gi(*got), gi(*want)),
        ErrorKind::MinItems { got, want } => format!("minItems: got {}, want {}", gi(*got), gi(*want)),
        ErrorKind::MaxItems { got, want } => format!("maxItems: got {}, want {}", gi(*got), gi(*want)),
        ErrorKind::AdditionalItems { got } => format!("last {} additionalItem(s) not allowed", gi(*got)),
        ErrorKind::Required { want } => {
            if want.len() == 1 {
                format!("missing property {}", v6_quote(want[0]))
            } else {
                format!("missing properties {}", joined(want))
            }
        }
        ErrorKind::AdditionalProperties { got } => {
            let names: Vec<&str> = got.iter().map(|c| c.as_ref()).collect();
            format!("additional properties {} not allowed", joined(&names))
        }
        ErrorKind::Dependency { prop, missing } | ErrorKind::DependentRequired { prop, missing } => {
            format!("properties {} required, if {} exists", joined(missing), v6_quote(prop))
        }
        ErrorKind::PropertyName { prop } => format!("invalid propertyName {}", v6_quote(prop)),
        ErrorKind::UniqueItems { got } => format!("items at {} and {} are equal", gi(got[0]), gi(got[1])),
        ErrorKind::MinLength { got, want } => format!("minLength: got {}, want {}", gi(*got), gi(*want)),
        ErrorKind::MaxLength { got, want } => format!("maxLength: got {}, want {}", gi(*got), gi(*want)),
        ErrorKind::Pattern { got, want } => format!("{} does not match pattern {}", v6_quote(got), v6_quote(want)),
        ErrorKind::Minimum { got, want } => format!("minimum: got {}, want {}", v6_num(got), v6_num(want)),
        ErrorKind::Maximum { got, want } => format!("maximum: got {}, want {}", v6_num(got), v6_num(want)),
        ErrorKind::ExclusiveMinimum { got, want } => {
            format!("exclusiveMinimum: got {}, want {}", v6_num(got), v6_num(want))
        }
        ErrorKind::ExclusiveMaximum { got, want } => {
            format!("exclusiveMaximum: got {}, want {}", v6_num(got), v6_num(want))
        }
        ErrorKind::MultipleOf { got, want } => format!("multipleOf: got {}, want {}", v6_num(got), v6_num(want)),
        ErrorKind::FalseSchema => "false schema".into(),
        ErrorKind::Not => "'not' failed".into(),
        ErrorKind::AllOf => "'allOf' failed".into(),
        ErrorKind::AnyOf => "'anyOf' failed".into(),
        ErrorKind::OneOf(None) => "'oneOf' failed, none matched".into(),
        ErrorKind::OneOf(Some((a, b))) => format!("'oneOf' failed, subschemas {a}, {b} matched"),
        ErrorKind::Format { got, want, err } => format!("{} is not valid {want}: {err}", v6_display(got)),
        ErrorKind::Contains => "no items match contains schema".into(),
        other => other.to_string(),
    }
}

/// santhosh-tekuri/jsonschema v6's `ValidationError.Error()`.
fn v4_display(e: &ValidationError, mut indent: usize, out: &mut String) {
    let skip = e.causes.len() == 1 && matches!(e.kind, ErrorKind::Reference { .. });
    if !skip {
        if indent > 0 {
            out.push('\n');
            for _ in 0..indent - 1 {
                out.push_str("  ");
            }
            out.push_str("- ");
        }
        indent += 1;
        if let ErrorKind::Schema { .. } = e.kind {
            out.push_str(&v6_message(&e.kind));
        } else {
            let mut ptr = String::new();
            for t in &e.instance_location.tokens {
                ptr.push('/');
                let tok = match t {
                    InstanceToken::Prop(p) => p.to_string(),
                    InstanceToken::Item(i) => i.to_string(),
                };
                ptr.push_str(&tok.replace('~', "~0").replace('/', "~1"));
            }
            out.push_str(&format!("at {}: {}", v6_quote(&ptr), v6_message(&e.kind)));
        }
    }
    for c in &e.causes {
        v4_display(c, indent, out);
    }
}
