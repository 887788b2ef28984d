//! Parser tests against Go's own output. `testdata/gotmpl/parse/expected.json` was produced by
//! a small Go 1.26 program using `text/template/parse` on `cases.txt`: for each case either the
//! error text, or every tree's `Root.String()` plus a pre-order dump of all nodes with their
//! position, `ErrorContext` location, node fields and `String()`.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::*;

/// The function names the Go oracle registered.
const ORACLE_FUNCS: &[&str] = &[
    "and", "call", "eq", "ge", "gt", "html", "index", "js", "le", "len", "lt", "ne", "not", "or", "print",
    "printf", "println", "slice", "urlquery", "quote", "include", "default", "f", "g", "h", "x", "toYaml",
    "nindent", "indent", "required", "tpl", "list", "dict", "upper", "trim", "empty", "fail", "contains",
    "hasKey", "add", "sub",
];

fn oracle_func(name: &str) -> bool {
    ORACLE_FUNCS.contains(&name)
}

fn parse_with(name: &str, text: &str, comments: bool, skip_func: bool) -> Result<BTreeMap<String, Tree>, ParseError> {
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
        self.out.push(format!("{}{} {} {}{} {}", " ".repeat(depth), kind, node.pos(), loc, extra, go_quote(&ctx)));
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
                self.line(d, kind, b, if b.else_list.is_none() { " noelse" } else { "" });
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
            self.line(d + 1, "Variable", v, &format!(" ident={}", go_strings(&v.ident)));
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
            Arg::Variable(n) => self.line(d, "Variable", n, &format!(" ident={}", go_strings(&n.ident))),
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
    let path = format!("{}/testdata/gotmpl/parse/{file}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(path).expect("golden file");
    let cases: Vec<GoCase> = serde_json::from_str(&data).expect("golden json");
    assert!(cases.len() >= min_cases, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = parse_with(&case.name, &case.text, case.comments, case.skip_func);
        match (&case.err, got) {
            (Some(want), Ok(_)) => failures.push(format!("{}: want error {want:?}, parsed fine", case.name)),
            (Some(want), Err(e)) => {
                if e.to_string() != *want {
                    failures.push(format!("{}: error\n  want {want:?}\n  got  {:?}", case.name, e.to_string()));
                }
            }
            (None, Err(e)) => failures.push(format!("{}: unexpected error {e}", case.name)),
            (None, Ok(trees)) => {
                let names: Vec<&String> = trees.keys().collect();
                let want_names: Vec<&String> = case.trees.iter().map(|t| &t.name).collect();
                if names != want_names {
                    failures.push(format!("{}: trees {names:?}, want {want_names:?}", case.name));
                    continue;
                }
                for want in &case.trees {
                    let tree = &trees[&want.name];
                    let s = tree.root.to_string();
                    if s != want.string {
                        failures.push(format!("{}/{}: String\n  want {:?}\n  got  {s:?}", case.name, want.name, want.string));
                    }
                    let Some(want_dump) = &want.dump else { continue };
                    let mut d = Dumper { tree, out: Vec::new() };
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
                        failures.push(format!("{}/{}: dump differs ({} vs {} lines){}", case.name, want.name, d.out.len(), want_dump.len(), diff.join("")));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
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
