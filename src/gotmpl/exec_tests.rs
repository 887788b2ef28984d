//! Executor cases checked against Go's text/template: `testdata/gotmpl/exec/cases.txt` holds one
//! template per line, `expected.jsonl` what Go printed for it (made by
//! `integration/oracle/text-template`; regenerate with
//! `cd integration/oracle/text-template && go run . < ../../../testdata/gotmpl/exec/cases.txt > ../../../testdata/gotmpl/exec/expected.jsonl`).

use super::*;
use crate::value::{Map, Param, Signature, Value};

/// The data and functions the Go oracle uses.
fn data() -> Value {
    let values = Map::new();
    values.insert("name", Value::str("web"));
    values.insert("replicas", Value::Float(3.0));
    values.insert("big", Value::Float(1e6));
    values.insert("list", Value::list(vec![Value::str("a"), Value::str("b")]));
    values.insert("empty", Value::str(""));
    values.insert("nothing", Value::Nil);
    values.insert("ints", Value::list(vec![Value::Float(1.0), Value::Float(2.0), Value::Float(3.0)]));
    let nested = Map::new();
    nested.insert("k", Value::str("v"));
    values.insert("nested", Value::Map(nested));
    let top = Map::new();
    top.insert("Values", Value::Map(values));
    Value::Map(top)
}

fn funcs() -> FuncMap {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut f = FuncMap::new();
    f.insert("upper", Func::pure(Signature::fixed(&[Param::String]), move |a| Ok(Value::from(text(&a[0]).to_uppercase()))));
    f.insert("fail", Func::pure(Signature::fixed(&[Param::String]), move |a| Err(text(&a[0]))));
    f.insert("list", Func::pure(Signature::variadic(&[], Param::Any), |a| Ok(Value::list(a))));
    f.insert(
        "split",
        Func::pure(Signature::fixed(&[Param::String, Param::String]), move |a| {
            Ok(Value::string_list(text(&a[1]).split(text(&a[0]).as_str()).map(str::to_string)))
        }),
    );
    f.insert(
        "include",
        Func::new(Signature::fixed(&[Param::String, Param::Any]), move |host, a| {
            host.execute_template(&text(&a[0]), a[1].clone()).map(Value::from).map_err(FuncError::from)
        }),
    );
    f
}

fn run(line: &str) -> String {
    let (missing, text) = match line.strip_prefix("ZERO:") {
        Some(rest) => (MissingKey::Zero, rest),
        None => (MissingKey::Invalid, line),
    };
    let mut t = Template::new("t", funcs());
    t.options.missing_key = missing;
    if let Err(e) = t.parse("t", text) {
        return format!("PARSE: {e}");
    }
    let mut out = String::new();
    match t.execute("t", &data(), &mut out) {
        Ok(()) => out,
        Err(e) => format!("ERROR: {e}"),
    }
}

#[test]
fn executor_matches_go_text_template() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gotmpl/exec");
    let cases = std::fs::read_to_string(root.join("cases.txt")).expect("cases.txt");
    let expected = std::fs::read_to_string(root.join("expected.jsonl")).expect("expected.jsonl");
    let mut failures = Vec::new();
    let mut count = 0;
    for (line, want) in cases.lines().zip(expected.lines()) {
        count += 1;
        let want: String = serde_json::from_str(want).expect("expected.jsonl holds JSON strings");
        let got = run(line);
        if got != want {
            failures.push(format!("{line}\n  want: {want:?}\n  got:  {got:?}"));
        }
    }
    assert_eq!(count, cases.lines().count(), "cases and expectations out of step");
    assert!(failures.is_empty(), "{} of {count} differ from Go:\n{}", failures.len(), failures.join("\n"));
}
