//! Parser tests against Go's own output. `testdata/gotmpl/parse/expected.json` was produced by
//! a small Go 1.26 program using `text/template/parse` on `cases.txt`: for each case either the
//! error text, or every tree's `Root.String()` plus a pre-order dump of all nodes with their
//! position, `ErrorContext` location, node fields and `String()`. `fuzz_expected.json` is the
//! same for 2000 random fragment splices (`fuzz_cases.txt`, run with `NODUMP=1`: text only).
//! To regenerate: copy `oracle.go.txt` to `main.go` in an empty module outside the repo and run
//! `go run . cases.txt > expected.json`.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::*;

/// The function names the Go oracle registered.
const ORACLE_FUNCS: &[&str] = &[
    "and", "call", "eq", "ge", "gt", "html", "index", "js", "le", "len", "lt", "ne", "not", "or",
    "print", "printf", "println", "slice", "urlquery", "quote", "include", "default", "f", "g",
    "h", "x", "toYaml", "nindent", "indent", "required", "tpl", "list", "dict", "upper", "trim",
    "empty", "fail", "contains", "hasKey", "add", "sub",
];

fn oracle_func(name: &str) -> bool {
    ORACLE_FUNCS.contains(&name)
}

fn parse_with(
    name: &str,
    text: &str,
    comments: bool,
    skip_func: bool,
) -> Result<BTreeMap<String, Tree>, ParseError> {
    let mut opts = ParseOptions::new(&oracle_func);
    opts.parse_comments = comments;
    opts.skip_func_check = skip_func;
    parse(name, text, &opts)
}

fn parse_default(text: &str) -> Result<BTreeMap<String, Tree>, ParseError> {
    parse_with("t", text, false, false)
}

fn go_strings(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", items.join(" "))
}

fn fbits(f: f64) -> String {
    format!("{:x}", f.to_bits())
}

struct Dumper<'t> {
    tree: &'t Tree,
    out: Vec<String>,
}

impl Dumper<'_> {
    fn line(&mut self, depth: usize, kind: &str, node: &dyn AstNode, extra: &str) {
        let (loc, ctx) = error_context(self.tree, node);
        self.out.push(format!(
            "{}{} {} {}{} {}",
            " ".repeat(depth),
            kind,
            node.pos(),
            loc,
            extra,
            go_quote(&ctx)
        ));
    }

    fn list(&mut self, l: &ListNode, d: usize) {
        self.line(d, "List", l, "");
        for n in &l.nodes {
            self.node(n, d + 1);
        }
    }

    fn node(&mut self, n: &Node, d: usize) {
        match n {
            Node::Text(t) => self.line(d, "Text", t, ""),
            Node::Comment(c) => self.line(d, "Comment", c, ""),
            Node::Action(a) => {
                self.line(d, "Action", a, "");
                self.pipe(&a.pipe, d + 1);
            }
            Node::If(b) | Node::Range(b) | Node::With(b) => {
                let kind = match b.kind {
                    BranchKind::If => "If",
                    BranchKind::Range => "Range",
                    BranchKind::With => "With",
                };
                self.line(
                    d,
                    kind,
                    &**b,
                    if b.else_list.is_none() { " noelse" } else { "" },
                );
                self.pipe(&b.pipe, d + 1);
                self.list(&b.list, d + 1);
                if let Some(e) = &b.else_list {
                    self.list(e, d + 1);
                }
            }
            Node::Template(t) => {
                self.line(d, "Template", t, &format!(" name={}", go_quote(&t.name)));
                if let Some(p) = &t.pipe {
                    self.pipe(p, d + 1);
                }
            }
            Node::Break(b) => self.line(d, "Break", b, ""),
            Node::Continue(c) => self.line(d, "Continue", c, ""),
        }
    }

    fn pipe(&mut self, p: &PipeNode, d: usize) {
        self.line(d, "Pipe", p, &format!(" assign={}", p.is_assign));
        for v in &p.decl {
            self.line(
                d + 1,
                "Variable",
                v,
                &format!(" ident={}", go_strings(&v.ident)),
            );
        }
        for c in &p.cmds {
            self.line(d + 1, "Command", c, "");
            for a in &c.args {
                self.arg(a, d + 2);
            }
        }
    }

    fn arg(&mut self, a: &Arg, d: usize) {
        match a {
            Arg::Identifier(n) => self.line(d, "Identifier", n, ""),
            Arg::Variable(n) => self.line(
                d,
                "Variable",
                n,
                &format!(" ident={}", go_strings(&n.ident)),
            ),
            Arg::Dot(n) => self.line(d, "Dot", n, ""),
            Arg::Nil(n) => self.line(d, "Nil", n, ""),
            Arg::Field(n) => self.line(d, "Field", n, &format!(" ident={}", go_strings(&n.ident))),
            Arg::Chain(n) => {
                self.line(d, "Chain", n, &format!(" field={}", go_strings(&n.field)));
                self.arg(&n.node, d + 1);
            }
            Arg::Bool(n) => self.line(d, "Bool", n, ""),
            Arg::Number(n) => {
                let mut e = String::new();
                let _ = write!(
                    e,
                    " int={}:{} uint={}:{} float={}:{} complex={}:{}:{}",
                    n.is_int,
                    n.int64,
                    n.is_uint,
                    n.uint64,
                    n.is_float,
                    fbits(n.float64),
                    n.is_complex,
                    fbits(n.complex128.0),
                    fbits(n.complex128.1)
                );
                self.line(d, "Number", n, &e);
            }
            Arg::String(n) => self.line(d, "String", n, &format!(" text={}", go_quote(&n.text))),
            Arg::Pipe(p) => self.pipe(p, d),
        }
    }
}

#[derive(serde::Deserialize)]
struct GoTree {
    name: String,
    string: String,
    #[serde(default)]
    dump: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct GoCase {
    name: String,
    text: String,
    #[serde(default)]
    comments: bool,
    #[serde(default)]
    skip_func: bool,
    #[serde(default)]
    err: Option<String>,
    #[serde(default)]
    trees: Vec<GoTree>,
}

fn check_golden(file: &str, min_cases: usize) {
    let path = format!(
        "{}/testdata/gotmpl/parse/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let data = std::fs::read_to_string(path).expect("golden file");
    let cases: Vec<GoCase> = serde_json::from_str(&data).expect("golden json");
    assert!(cases.len() >= min_cases, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = parse_with(&case.name, &case.text, case.comments, case.skip_func);
        match (&case.err, got) {
            (Some(want), Ok(_)) => {
                failures.push(format!("{}: want error {want:?}, parsed fine", case.name))
            }
            (Some(want), Err(e)) => {
                if e.to_string() != *want {
                    failures.push(format!(
                        "{}: error\n  want {want:?}\n  got  {:?}",
                        case.name,
                        e.to_string()
                    ));
                }
            }
            (None, Err(e)) => failures.push(format!("{}: unexpected error {e}", case.name)),
            (None, Ok(trees)) => {
                let names: Vec<&String> = trees.keys().collect();
                let want_names: Vec<&String> = case.trees.iter().map(|t| &t.name).collect();
                if names != want_names {
                    failures.push(format!(
                        "{}: trees {names:?}, want {want_names:?}",
                        case.name
                    ));
                    continue;
                }
                for want in &case.trees {
                    let tree = &trees[&want.name];
                    let s = tree.root.to_string();
                    if s != want.string {
                        failures.push(format!(
                            "{}/{}: String\n  want {:?}\n  got  {s:?}",
                            case.name, want.name, want.string
                        ));
                    }
                    let Some(want_dump) = &want.dump else {
                        continue;
                    };
                    let mut d = Dumper {
                        tree,
                        out: Vec::new(),
                    };
                    d.list(&tree.root, 0);
                    if d.out != *want_dump {
                        let diff: Vec<String> = d
                            .out
                            .iter()
                            .zip(want_dump.iter().chain(std::iter::repeat(&String::new())))
                            .filter(|(a, b)| a != b)
                            .take(2)
                            .map(|(a, b)| format!("\n  want {b}\n  got  {a}"))
                            .collect();
                        failures.push(format!(
                            "{}/{}: dump differs ({} vs {} lines){}",
                            case.name,
                            want.name,
                            d.out.len(),
                            want_dump.len(),
                            diff.join("")
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Hand-picked cases covering every construct and the common errors.
#[test]
fn parse_matches_go() {
    check_golden("expected.json", 150);
}

/// 2000 random splices of template fragments; Go's error or tree text must match exactly.
#[test]
fn fuzz_corpus_matches_go() {
    check_golden("fuzz_expected.json", 2000);
}

/// xorshift64*: a tiny deterministic generator for garbage inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random bytes (made valid UTF-8) and random token soup must never panic or hang.
#[test]
fn garbage_never_panics() {
    let pieces = [
        "{{", "}}", "{{- ", " -}}", "(", ")", "|", "$", "$x", ":=", "=", ".", ".a", "\"", "`", "'",
        "\\", "/*", "*/", "if", "else", "end", "range", "with", "define", "block", "template",
        "break", "continue", "0x", "1e", "p", "_", "i", "+", "-", " ", "\n", "\t", "\r", ",", "é",
        "日", "\u{0}", "\u{7f}", "\u{a0}", "\u{200b}", "nil", "true",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let opts = ParseOptions::new(&oracle_func);
    let mut ok = 0;
    for i in 0..6000 {
        let mut s = String::new();
        let n = rng.below(24);
        for _ in 0..n {
            if i % 3 == 0 {
                // Raw bytes, lossily made UTF-8.
                let b = [rng.next() as u8, rng.next() as u8];
                s.push_str(&String::from_utf8_lossy(&b));
            } else {
                s.push_str(pieces[rng.below(pieces.len())]);
            }
        }
        if let Ok(trees) = parse("g", &s, &opts) {
            ok += 1;
            for t in trees.values() {
                let _ = t.root.to_string();
            }
        }
    }
    assert!(ok > 100, "generator too hostile: {ok} parsed");
}

/// Deep nesting returns an error instead of overflowing the stack, even on a 2 MiB thread
/// in a debug build; nesting just under the limit parses.
#[test]
fn depth_is_bounded() {
    let run = || {
        let opts = ParseOptions::new(&oracle_func);
        let deep_parens = format!("{{{{{}1{}}}}}", "(".repeat(100_000), ")".repeat(100_000));
        let e = parse("t", &deep_parens, &opts).unwrap_err();
        assert_eq!(
            e.to_string(),
            "template: t:1: max expression depth exceeded"
        );
        let deep_ifs = format!("{}{}", "{{if .}}".repeat(50_000), "{{end}}".repeat(50_000));
        assert_eq!(
            parse("t", &deep_ifs, &opts).unwrap_err().message,
            "max expression depth exceeded"
        );
        let n = MAX_DEPTH - 1;
        let ok_parens = format!("{{{{{}1{}}}}}", "(".repeat(n), ")".repeat(n));
        let trees = parse("t", &ok_parens, &opts).expect("within limit");
        assert_eq!(trees["t"].root.to_string(), ok_parens);
        let ok_ifs = format!("{}{}", "{{if .}}".repeat(n), "{{end}}".repeat(n));
        let trees = parse("t", &ok_ifs, &opts).expect("within limit");
        assert_eq!(trees["t"].root.to_string(), ok_ifs);
        // Long else-if chains are not limited by depth.
        let chain = format!("{{{{if .}}}}{}{{{{end}}}}", "{{else if .}}".repeat(2000));
        let trees = parse("t", &chain, &opts).expect("long chain");
        assert_eq!(
            trees["t"].root.to_string().len(),
            2001 * "{{if .}}{{end}}".len() + 2000 * "{{else}}".len()
        );
        let mixed = format!(
            "{}{{{{{}1{}}}}}{}",
            "{{range .}}".repeat(n / 2),
            "(".repeat(n / 2),
            ")".repeat(n / 2),
            "{{end}}".repeat(n / 2)
        );
        assert!(parse("t", &mixed, &opts).is_ok());
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .expect("spawn")
        .join()
        .expect("no overflow");
}

/// Go 1.22 behaviour when `else with` is off.
#[test]
fn else_with_flag() {
    let mut opts = ParseOptions::new(&oracle_func);
    opts.else_with = false;
    let e = parse("t", "{{with .A}}a{{else with .B}}b{{end}}", &opts).unwrap_err();
    assert_eq!(e.to_string(), "template: t:1: unexpected <with> in else");
    let t = parse("t", "{{if .A}}a{{else if .B}}b{{end}}", &opts).expect("else if still works");
    assert_eq!(
        t["t"].root.to_string(),
        "{{if .A}}a{{else}}{{if .B}}b{{end}}{{end}}"
    );
    opts.else_with = true;
    let t = parse("t", "{{with .A}}a{{else with .B}}b{{end}}", &opts).expect("else with");
    assert_eq!(
        t["t"].root.to_string(),
        "{{with .A}}a{{else}}{{with .B}}b{{end}}{{end}}"
    );
}

/// A function named `break`/`continue` turns the keyword into an identifier, as in Go.
#[test]
fn break_as_function() {
    let f = |n: &str| n == "break" || n == "continue" || oracle_func(n);
    let opts = ParseOptions::new(&f);
    let t = parse("t", "{{break 1}}{{continue}}", &opts).expect("functions");
    let Node::Action(a) = &t["t"].root.nodes[0] else {
        panic!("action")
    };
    assert!(matches!(&a.pipe.cmds[0].args[0], Arg::Identifier(i) if i.ident == "break"));
}

#[test]
fn skip_func_check() {
    let mut opts = ParseOptions::new(&oracle_func);
    assert_eq!(
        parse("t", "{{nope}}", &opts).unwrap_err().to_string(),
        "template: t:1: function \"nope\" not defined"
    );
    opts.skip_func_check = true;
    assert!(parse("t", "{{nope}}", &opts).is_ok());
}

/// `Template.Parse` called again on the same set: empty definitions keep the old body,
/// non-empty ones replace it.
#[test]
fn add_parse_trees_rules() {
    let mut set = parse_default(r#"{{define "a"}}A{{end}}{{define "b"}}B{{end}}"#).expect("first");
    let second = parse_with("u", r#"{{define "a"}} {{/* only a comment */}} {{end}}{{define "b"}}B2{{end}}{{define "c"}}{{end}}"#, false, false)
        .expect("second");
    add_parse_trees(&mut set, second);
    let bodies: Vec<(String, String)> = set
        .iter()
        .map(|(k, v)| (k.clone(), v.root.to_string()))
        .collect();
    let want = [("a", "A"), ("b", "B2"), ("c", ""), ("t", ""), ("u", "")];
    assert_eq!(bodies, want.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(set["b"].parse_name, "u");
}

#[test]
fn error_context_and_line_col() {
    let trees = parse_default("a\nbc {{ .Values.x | quote }}\n{{define \"d\"}}\n  {{.y}}{{end}}")
        .expect("parse");
    let t = &trees["t"];
    let Node::Action(a) = &t.root.nodes[1] else {
        panic!("action")
    };
    assert_eq!(
        error_context(t, a),
        ("t:2:6".to_string(), "{{.Values.x | quote}}".to_string())
    );
    assert_eq!(
        error_context(t, &a.pipe.cmds[1].args[0]),
        ("t:2:18".to_string(), "quote".to_string())
    );
    let d = &trees["d"];
    let Node::Action(y) = &d.root.nodes[1] else {
        panic!("action")
    };
    assert_eq!(
        error_context(d, y),
        ("t:4:4".to_string(), "{{.y}}".to_string())
    );
    assert_eq!(line_col("ab", 5), (1, 2));
}

/// Text nodes share the source: no copy per node.
#[test]
fn text_nodes_share_source() {
    let trees = parse_default("hello {{.x}} world").expect("parse");
    let t = &trees["t"];
    let Node::Text(n) = &t.root.nodes[0] else {
        panic!("text")
    };
    assert_eq!(n.as_str(), "hello ");
    assert_eq!(std::rc::Rc::strong_count(&t.text), 3);
}

/// A chart-sized template (≈ 20k lines) parses quickly even in a debug build.
#[test]
fn large_template_is_fast() {
    let unit = "{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"x\" . | quote }}\n  labels:\n    {{- range $k, $v := .Values.labels }}\n    {{ $k }}: {{ $v | quote }}\n    {{- end }}\n{{- end }}\n";
    let text = unit.repeat(2000);
    let start = std::time::Instant::now();
    let trees = parse_default(&text).expect("parse");
    let took = start.elapsed();
    assert_eq!(trees["t"].root.nodes.len(), 2001);
    assert!(took.as_secs_f64() < 2.0, "took {took:?}");
}
