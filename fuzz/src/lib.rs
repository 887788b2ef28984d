//! Shared pieces of the fuzz targets: the chart the template targets render into, the helm
//! function names the parser must accept, and the input filter that keeps functions which are
//! slow or huge *by design* out of `gotmpl_exec` (see `fuzz/README.md`).

use std::collections::HashSet;
use std::sync::OnceLock;

use deployer::chart::objects::{self, Capabilities, ChartMeta, Files, ReleaseInfo};
use deployer::chart::{Engine, Renderable};
use deployer::funcs::{HelmCompat, HelmOptions};
use deployer::value::{Map, Value};

/// Every function name a chart template may call: Sprig's and helm's (v3 and v4 sets) plus
/// text/template's builtins.
pub fn helm_func_names() -> HashSet<String> {
    let mut names: HashSet<String> = deployer::gotmpl::BUILTINS.iter().map(|s| s.to_string()).collect();
    for compat in [HelmCompat::V3, HelmCompat::V4] {
        let mut map = deployer::funcs::sprig_funcs(compat);
        deployer::funcs::helm::register(&mut map, HelmOptions { compat, ..HelmOptions::default() });
        names.extend(map.names().map(str::to_string));
    }
    names
}

/// Functions that are slow by design (key generation, password hashing and derivation): a
/// single call takes from tens of milliseconds to seconds, so a fuzzer would report them as
/// hangs. Inputs naming any of them are skipped.
pub const SLOW_BY_DESIGN: &[&str] = &[
    "genPrivateKey",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "bcrypt",
    "htpasswd",
    "derivePassword",
];

/// Functions whose output size (or loop count) is an argument: `repeat 1000000000 "x"` is a
/// legitimate out-of-memory in helm too.
pub const SIZED_BY_ARGUMENT: &[&str] = &[
    "repeat", "until", "untilStep", "seq", "randAlpha", "randAlphaNum", "randAscii", "randNumeric",
    "randBytes", "indent", "nindent", "wrap", "wrapWith",
];

/// Ways to make a large number from small literals; not allowed next to a sized function.
pub const NUMBER_AMPLIFIERS: &[&str] = &[
    "add", "add1", "addf", "add1f", "sub", "subf", "mul", "mulf", "div", "divf", "mod", "max", "maxf", "min",
    "minf", "atoi", "int", "int64", "float64", "toDecimal", "len", "ceil", "floor", "round", "sum",
];

/// Identifiers of a text: maximal runs of ASCII letters, digits and `_` that start with a letter
/// or `_` (strings are scanned too, so names reaching `tpl` count).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_'))
}

/// Whether `gotmpl_exec` runs this input. False when it names a slow-by-design function, or
/// when it combines a sized function with anything that can make a big count: a number literal
/// of more than three digits, an exponent/hex/octal/binary/character literal, arithmetic, or
/// more than two sized calls (`repeat 999 (repeat 999 (repeat 999 "x"))`), or more than one
/// template call (a sized helper included into itself).
pub fn exec_budget_ok(text: &str) -> bool {
    let mut sized = 0;
    let mut amplified = false;
    let mut calls = 0;
    for id in identifiers(text) {
        if matches!(id, "include" | "template" | "tpl") {
            calls += 1;
        }
        if SLOW_BY_DESIGN.contains(&id) {
            return false;
        }
        if SIZED_BY_ARGUMENT.contains(&id) {
            sized += 1;
        }
        if NUMBER_AMPLIFIERS.contains(&id) {
            amplified = true;
        }
    }
    if sized == 0 {
        return true;
    }
    if sized > 2 || amplified || calls > 1 || text.contains('\'') {
        return false;
    }
    // Number literals: digit runs longer than three, or a digit followed by a letter
    // (`1e9`, `0x7fffffff`, `0o777`, `0b1111`).
    let bytes = text.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
            if run > 3 {
                return false;
            }
            if bytes.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic()) {
                return false;
            }
        } else {
            run = 0;
        }
    }
    true
}

/// The values every fuzzed template sees.
pub const FUZZ_VALUES: &str = "\
replicaCount: 2
name: web
enabled: true
ratio: 0.5
image:
  repository: nginx
  tag: \"1.25\"
  pullPolicy: IfNotPresent
ports: [80, 443]
labels:
  app: web
  tier: frontend
env:
  - name: A
    value: \"1\"
  - name: B
    value: two
empty: {}
nothing: null
";

/// The top-level object of the fuzz chart (`fuzz`, 0.1.0), as helm builds it.
pub fn top_level(compat: HelmCompat) -> Map {
    let values = match deployer::yaml::parse_values(FUZZ_VALUES) {
        Ok(Value::Map(m)) => m,
        _ => unreachable!("fixed values parse"),
    };
    let named = Map::named(objects::values_type(compat));
    for (k, v) in values.entries() {
        named.insert(k, v);
    }
    let chart = ChartMeta {
        name: "fuzz".into(),
        version: "0.1.0".into(),
        app_version: "1.0.0".into(),
        api_version: "v2".into(),
        ..ChartMeta::default()
    };
    objects::top_level(
        compat,
        named,
        &chart,
        true,
        &ReleaseInfo::default(),
        &Capabilities::default_for(compat),
        &Files { files: vec![("files/a.txt".into(), b"hello\n".to_vec())] },
    )
}

/// Splits a fuzz input into up to three chart templates at NUL bytes:
/// `templates/_helpers.tpl`, `templates/a.yaml`, `templates/b.yaml` (a single part is `a.yaml`).
pub fn templates(text: &str, top: &Map) -> Vec<Renderable> {
    let parts: Vec<&str> = text.splitn(3, '\0').collect();
    let names: &[&str] = match parts.len() {
        1 => &["templates/a.yaml"],
        2 => &["templates/_helpers.tpl", "templates/a.yaml"],
        _ => &["templates/_helpers.tpl", "templates/a.yaml", "templates/b.yaml"],
    };
    parts
        .iter()
        .zip(names)
        .map(|(t, n)| Renderable {
            name: format!("fuzz/{n}"),
            text: t.to_string(),
            top: top.clone(),
            base_path: "fuzz/templates".into(),
        })
        .collect()
}

/// Renders a fuzz input with helm 3's or helm 4's engine rules; the result is ignored, only
/// panics, hangs and stack overflows matter.
pub fn render(text: &str, compat: HelmCompat) {
    let top = top_level(compat);
    let _ = Engine::new(compat).render(&templates(text, &top));
}

/// Inputs that reach a crash already reported in fuzz/FINDINGS.md, skipped by the fuzz targets
/// (not by the replay test) so the fuzzer explores past it instead of finding it again:
/// F1, a backslash followed by a non-ASCII character inside a quoted string.
pub fn hits_known_finding(data: &[u8]) -> bool {
    data.windows(2).any(|w| w[0] == b'\\' && w[1] >= 0x80)
}

fn func_names() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(helm_func_names)
}

/// `gotmpl_parse`: parse (every mode, picked by the first byte), print the trees back, parse
/// the printed text again.
pub fn gotmpl_parse(data: &[u8]) {
    use deployer::gotmpl::{ParseOptions, parse};
    let Ok(text) = std::str::from_utf8(data) else { return };
    let names = func_names();
    let is_func = |f: &str| names.contains(f);
    let flags = data.first().copied().unwrap_or(0);
    let mut opts = ParseOptions::new(&is_func);
    opts.else_with = flags & 1 == 0;
    opts.skip_func_check = flags & 2 != 0;
    opts.parse_comments = flags & 4 != 0;
    if let Ok(trees) = parse("fuzz", text, &opts) {
        // Printing every tree back (what execution errors quote) must not panic either; nor
        // must parsing the printed text again.
        for (_, tree) in trees {
            let printed = tree.root.to_string();
            let _ = parse("reparse", &printed, &opts);
        }
    }
}

/// `gotmpl_exec`: render through `Engine::render` (helm 3 or 4 rules by the last byte's low
/// bit) unless the input fails `exec_budget_ok`.
pub fn gotmpl_exec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if !exec_budget_ok(text) {
        return;
    }
    let compat = if data.last().is_some_and(|b| b & 1 == 1) { HelmCompat::V4 } else { HelmCompat::V3 };
    render(text, compat);
}

/// `yaml_parse`: as a values file and as a manifest stream.
pub fn yaml_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = deployer::yaml::parse_values(text);
    let _ = deployer::yaml::parse_documents(text);
}

/// `yaml_roundtrip`: parse, emit with `toYaml` and `marshal`, and parse the emitted text again
/// (which must succeed: go-yaml reads back what it wrote).
pub fn yaml_roundtrip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut values = Vec::new();
    if let Ok(v) = deployer::yaml::parse_values(text) {
        values.push(v);
    }
    if let Ok(docs) = deployer::yaml::parse_documents(text) {
        values.extend(docs);
    }
    for v in &values {
        let emitted = deployer::yaml::to_yaml(v);
        if has_merge_key(v) {
            // go-yaml v2 writes a `<<` string key plain, and reads it back as a merge key; so
            // does deployer, byte for byte (fuzz/README.md, N1). Emitting is still exercised.
            continue;
        }
        if let Err(e) = deployer::yaml::parse_values(&emitted) {
            panic!("toYaml output does not parse again: {e}\n--- input:\n{text:?}\n--- emitted:\n{emitted:?}");
        }
        let _ = deployer::yaml::marshal(v);
    }
}

/// Whether a map anywhere in `v` has the key `<<`.
fn has_merge_key(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.entries().iter().any(|(k, v)| k == "<<" || has_merge_key(v)),
        Value::List(l) => l.items.iter().any(has_merge_key),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_filter() {
        assert!(exec_budget_ok("{{ .Values.name | upper }}"));
        assert!(exec_budget_ok("{{ repeat 3 \"x\" }}{{ upper \"a\" }}"));
        assert!(exec_budget_ok("{{ add 1000000 2 }}"));
        assert!(!exec_budget_ok("{{ repeat 3 \"x\" }}{{ add 1 2 }}"));
        assert!(!exec_budget_ok("{{ repeat 1000000000 \"x\" }}"));
        assert!(!exec_budget_ok("{{ repeat (int 1e9) \"x\" }}"));
        assert!(!exec_budget_ok("{{ until 0x7fffffff }}"));
        assert!(!exec_budget_ok("{{ genPrivateKey \"rsa\" }}"));
        assert!(!exec_budget_ok("{{ tpl \"{{bcrypt .}}\" . }}"));
        assert!(!exec_budget_ok("{{ repeat 999 (repeat 999 (repeat 999 \"x\")) }}"));
        assert!(!exec_budget_ok("{{define \"a\"}}{{repeat 999 .}}{{end}}{{include \"a\" (include \"a\" \"x\")}}"));
    }
}

/// `fast_head`: whenever the fast head reader answers, the full parser accepts the document and
/// reads the same head (`chart::manifest`'s `fast_head` vs `full_head`).
pub fn fast_head(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(fast) = deployer::chart::manifest::fast_head(text) else { return };
    match deployer::chart::manifest::full_head(text) {
        Ok(full) if full == fast => {}
        other => panic!("fast head {fast:?} but the full parser gives {other:?}\n--- input:\n{text:?}"),
    }
}
