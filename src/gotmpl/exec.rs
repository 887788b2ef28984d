//! The executor: walks parse trees with a data value and writes text, following Go's
//! `text/template/exec.go` rule for rule, since helm users compare output and error text with
//! helm's byte for byte.
//!
//! Go distinguishes three states of a value during execution, and error messages depend on
//! which one is at hand: an invalid value (nothing: what a pipeline yields for nil), an
//! `interface{}` holding something (what a map of `interface{}` or a `[]interface{}` yields,
//! possibly nil), and a concrete value. [`Slot`] models exactly that.

use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::rc::Rc;

use super::func::{Func, FuncError, FuncMap, Host, TextError};
use super::node::*;
use super::parse::{parse, ParseError, ParseOptions, Tree};
use super::{builtins, error_context};
use crate::value::{ElemType, Method, Param, Signature, Value};

/// What a missing map key yields, as Go's `missingkey=` option sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: no value; field access on it yields no value again.
    #[default]
    Invalid,
    /// `missingkey=zero`: the zero value of the map's element type (helm's setting).
    Zero,
    /// `missingkey=error`: execution stops (helm's `--strict` lint).
    Error,
}

/// Execution options that differ between the Go versions helm 3 and helm 4 are built with.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub missing_key: MissingKey,
    /// `{{range 5}}` (Go 1.22+ in text/template? no: 1.24); helm v4 only.
    pub range_over_int: bool,
    /// `{{else with}}` (Go 1.23+); helm v4 only.
    pub else_with: bool,
    /// Go's `maxExecDepth` for nested `{{template}}` calls.
    pub max_exec_depth: usize,
    /// The minor version of the Go release whose error wording to reproduce (helm 3.15: 22,
    /// helm 4.1: 25; the executor goldens: 26).
    pub go_minor: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options { missing_key: MissingKey::Invalid, range_over_int: true, else_with: true, max_exec_depth: 100_000, go_minor: 26 }
    }
}

/// An execution failure, with Go's text:
/// `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExecError {
    /// The template that was executing.
    pub name: String,
    pub message: String,
    /// Messages of the errors this one wraps, outermost first, as Go's `errors.Unwrap` walks
    /// them (helm 4 formats its error trace from them).
    /// Shared, because every level of a nested include repeats the chain below it.
    pub causes: Vec<Rc<str>>,
}

/// A set of named templates sharing one function map: Go's `*template.Template` with its
/// associated templates.
#[derive(Clone)]
pub struct Template {
    /// The set's own name (Go's `t.Name()` of the root template).
    name: String,
    trees: HashMap<String, Rc<Tree>>,
    funcs: Rc<FuncMap>,
    pub options: Options,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.trees.keys().collect();
        names.sort();
        f.debug_struct("Template").field("name", &self.name).field("templates", &names).finish()
    }
}

impl Template {
    pub fn new(name: impl Into<String>, funcs: FuncMap) -> Template {
        Template::with_shared_funcs(name, Rc::new(funcs))
    }

    /// A template over a function map shared with other templates (built once, reused).
    pub fn with_shared_funcs(name: impl Into<String>, funcs: Rc<FuncMap>) -> Template {
        Template { name: name.into(), trees: HashMap::default(), funcs, options: Options::default() }
    }

    pub fn with_options(mut self, options: Options) -> Template {
        self.options = options;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    /// Parses `text` as the template `name` and adds it and its `define`s to the set, as
    /// `t.New(name).Parse(text)` does: an empty redefinition does not replace a template.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), ParseError> {
        let funcs = &self.funcs;
        let is_func = |f: &str| funcs.contains(f) || builtins::is_builtin(f);
        let mut opts = ParseOptions::new(&is_func);
        opts.else_with = self.options.else_with;
        opts.comment_lines_lost = self.options.go_minor < 23;
        let trees = parse(name, text, &opts)?;
        for (tname, tree) in trees {
            if self.trees.contains_key(&tname) && tree.root.is_empty_tree() {
                continue;
            }
            self.trees.insert(tname, Rc::new(tree));
        }
        Ok(())
    }

    /// The parsed trees, to build another set over them without parsing again (trees are
    /// immutable once parsed; a set that parses more, as `tpl` does, adds to its own map).
    pub fn parsed(&self) -> HashMap<String, Rc<Tree>> {
        self.trees.clone()
    }

    /// This set with `trees` (from [`Template::parsed`] of a set with the same functions and
    /// options) instead of its own.
    pub fn with_parsed(mut self, trees: HashMap<String, Rc<Tree>>) -> Template {
        self.trees = trees;
        self
    }

    pub fn lookup(&self, name: &str) -> Option<&Tree> {
        self.trees.get(name).map(|t| &**t)
    }

    /// Names of every template in the set, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.trees.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Executes the template `name` with `data` as dot, appending to `out` (Go's
    /// `ExecuteTemplate`). On error, `out` holds what was written before it, as in Go.
    pub fn execute(&self, name: &str, data: &Value, out: &mut String) -> Result<(), ExecError> {
        let Some(tree) = self.trees.get(name) else {
            return Err(ExecError {
                name: self.name.clone(),
                message: format!("template: no template {:?} associated with template {:?}", name, self.name),
                causes: Vec::new(),
            });
        };
        let dot = match data {
            Value::Nil => Slot::Invalid,
            v => Slot::Concrete(v.clone()),
        };
        let mut state = State::new(self, tree, name, dot.clone());
        match stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || state.walk_list(&dot, &tree.root, out)) {
            Ok(()) => Ok(()),
            Err(Flow::Err(e)) => Err(e),
            // The parser rejects break/continue outside range.
            Err(Flow::Break | Flow::Continue) => Ok(()),
        }
    }

    /// Executes `name` and returns its text.
    pub fn render(&self, name: &str, data: &Value) -> Result<String, ExecError> {
        let mut out = String::new();
        self.execute(name, data, &mut out)?;
        Ok(out)
    }
}

/// Stack kept free before a recursive step, and the size of each new stack segment: deep
/// template recursion runs on heap-allocated stack instead of overflowing the thread's.
const RED_ZONE: usize = 128 * 1024;
const STACK_CHUNK: usize = 4 * 1024 * 1024;

/// A value during execution; see the module comment.
#[derive(Debug, Clone)]
enum Slot {
    Invalid,
    /// An `interface{}` holding a value; `Value::Nil` is a nil interface.
    Iface(Value),
    Concrete(Value),
}

impl Slot {
    /// Go's `indirectInterface`: the value inside, or `Nil` for no value / a nil interface.
    fn value(&self) -> Value {
        match self {
            Slot::Invalid => Value::Nil,
            Slot::Iface(v) | Slot::Concrete(v) => v.clone(),
        }
    }

    /// What a pipeline stage yields: interfaces are opened, a nil one becomes no value.
    fn opened(self) -> Slot {
        match self {
            Slot::Iface(Value::Nil) => Slot::Invalid,
            Slot::Iface(v) => Slot::Concrete(v),
            s => s,
        }
    }

    /// An element of a container with the given Go element type.
    fn elem(elem: ElemType, v: Value) -> Slot {
        match elem {
            ElemType::Interface => Slot::Iface(v),
            _ => Slot::Concrete(v),
        }
    }

    /// A function's result: nil can only come back through an interface, map or slice type.
    fn result(v: Value) -> Slot {
        match v {
            Value::Nil => Slot::Iface(Value::Nil),
            v => Slot::Concrete(v),
        }
    }
}

/// Non-local exits while walking: Go implements these with panics.
enum Flow {
    Break,
    Continue,
    Err(ExecError),
}

type R<T> = Result<T, Flow>;

/// Something callable: a function from the map, a builtin, or an object's method.
enum Callable<'f> {
    Func(&'f Func),
    Builtin(builtins::Builtin),
    Method(Method),
    /// An object method that takes its arguments unconverted.
    Dynamic(Rc<dyn crate::value::Object>, &'f str),
}

impl Callable<'_> {
    fn sig(&self) -> Signature {
        match self {
            Callable::Func(f) => f.sig,
            Callable::Builtin(b) => b.sig(),
            Callable::Method(m) => m.sig,
            Callable::Dynamic(..) => Signature::variadic(&[], Param::Any),
        }
    }
}

struct State<'a> {
    set: &'a Template,
    tree: &'a Tree,
    name: &'a str,
    node: Option<&'a dyn AstNode>,
    vars: Vec<(&'a str, Slot)>,
    depth: usize,
}

impl<'a> State<'a> {
    fn new(set: &'a Template, tree: &'a Tree, name: &'a str, dot: Slot) -> State<'a> {
        State { set, tree, name, node: None, vars: vec![("$", dot)], depth: 0 }
    }

    fn at(&mut self, node: &'a dyn AstNode) {
        self.node = Some(node);
    }

    fn error(&self, message: impl fmt::Display) -> Flow {
        let message = match self.node {
            None => format!("template: {}: {}", self.name, message),
            Some(node) => {
                let (location, context) = error_context(self.tree, node);
                format!("template: {}: executing {:?} at <{}>: {}", location, self.name, context, message)
            }
        };
        Flow::Err(ExecError { name: self.name.to_string(), message, causes: Vec::new() })
    }

    // --- variables ---

    fn mark(&self) -> usize {
        self.vars.len()
    }

    fn pop(&mut self, mark: usize) {
        self.vars.truncate(mark);
    }

    fn push(&mut self, name: &'a str, value: Slot) {
        self.vars.push((name, value));
    }

    fn set_var(&mut self, name: &str, value: Slot) -> R<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
            Some(var) => {
                var.1 = value;
                Ok(())
            }
            None => Err(self.error(format_args!("undefined variable: {name}"))),
        }
    }

    fn set_top_var(&mut self, n: usize, value: Slot) {
        let len = self.vars.len();
        self.vars[len - n].1 = value;
    }

    fn var_value(&self, name: &str) -> R<Slot> {
        match self.vars.iter().rev().find(|(n, _)| *n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.error(format_args!("undefined variable: {name}"))),
        }
    }

    // --- walking ---

    fn walk_list(&mut self, dot: &Slot, list: &'a ListNode, out: &mut String) -> R<()> {
        for node in &list.nodes {
            self.walk(dot, node, out)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Slot, node: &'a Node, out: &mut String) -> R<()> {
        self.at(node);
        match node {
            Node::Text(t) => out.push_str(t.as_str()),
            Node::Action(a) => {
                // Variables declared by an action persist until the enclosing `end`.
                let val = self.eval_pipeline(dot, &a.pipe)?;
                if a.pipe.decl.is_empty() {
                    self.print_value(node, &val, out)?;
                }
            }
            Node::Comment(_) => {}
            Node::Break(_) => return Err(Flow::Break),
            Node::Continue(_) => return Err(Flow::Continue),
            Node::If(b) | Node::With(b) => self.walk_if_or_with(dot, b, out)?,
            Node::Range(b) => self.walk_range(dot, b, out)?,
            Node::Template(t) => self.walk_template(dot, t, out)?,
        }
        Ok(())
    }

    fn walk_if_or_with(&mut self, dot: &Slot, b: &'a BranchNode, out: &mut String) -> R<()> {
        let mark = self.mark();
        let result = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if is_true(&val.value()) {
                if b.kind == BranchKind::With {
                    self.walk_list(&val, &b.list, out)
                } else {
                    self.walk_list(dot, &b.list, out)
                }
            } else if let Some(else_list) = &b.else_list {
                self.walk_list(dot, else_list, out)
            } else {
                Ok(())
            }
        })();
        self.pop(mark);
        result
    }

    fn walk_range(&mut self, dot: &Slot, r: &'a BranchNode, out: &mut String) -> R<()> {
        self.at(r);
        let mark = self.mark();
        let result = self.walk_range_inner(dot, r, out);
        self.pop(mark);
        match result {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &Slot, r: &'a BranchNode, out: &mut String) -> R<()> {
        let val = match self.eval_pipeline(dot, &r.pipe)?.value() {
            Value::Object(o) => o.underlying().unwrap_or(Value::Object(o)),
            v => v,
        };
        let mark = self.mark();
        let decl = r.pipe.decl.len();
        let mut ran = false;
        let mut iteration = |s: &mut Self, index: Slot, elem: Slot, out: &mut String| -> R<()> {
            ran = true;
            if decl > 0 {
                if r.pipe.is_assign {
                    let first = if decl > 1 { index.clone() } else { elem.clone() };
                    s.set_var(&r.pipe.decl[0].ident[0], first)?;
                } else {
                    s.set_top_var(1, elem.clone());
                }
            }
            if decl > 1 {
                if r.pipe.is_assign {
                    s.set_var(&r.pipe.decl[1].ident[0], elem.clone())?;
                } else {
                    s.set_top_var(2, index);
                }
            }
            let result = s.walk_list(&elem, &r.list, out);
            s.pop(mark);
            match result {
                Err(Flow::Continue) => Ok(()),
                other => other,
            }
        };
        match &val {
            Value::Int(n) | Value::Int64(n) if self.set.options.range_over_int => {
                if decl > 1 {
                    return Err(self.error(format_args!("can't use {} to iterate over more than one variable", n)));
                }
                for i in 0..*n {
                    let v = if matches!(val, Value::Int(_)) { Value::Int(i) } else { Value::Int64(i) };
                    iteration(self, Slot::Invalid, Slot::Concrete(v), out)?;
                }
            }
            Value::List(l) => {
                for (i, item) in l.items.iter().enumerate() {
                    iteration(self, Slot::Concrete(Value::Int(i as i64)), Slot::elem(l.elem, item.clone()), out)?;
                }
            }
            Value::Bytes(b) => {
                for (i, byte) in b.iter().enumerate() {
                    iteration(self, Slot::Concrete(Value::Int(i as i64)), Slot::Concrete(Value::Int(*byte as i64)), out)?;
                }
            }
            Value::Map(m) => {
                let elem = m.elem();
                for (k, v) in m.entries() {
                    iteration(self, Slot::Concrete(Value::str(k)), Slot::elem(elem, v), out)?;
                }
            }
            Value::Nil => {}
            other => return Err(self.error(format_args!("range can't iterate over {}", other.go_format()))),
        }
        if !ran {
            if let Some(else_list) = &r.else_list {
                return self.walk_list(dot, else_list, out);
            }
        }
        Ok(())
    }

    fn walk_template(&mut self, dot: &Slot, t: &'a TemplateNode, out: &mut String) -> R<()> {
        self.at(t);
        let Some(tree) = self.set.trees.get(&t.name) else {
            return Err(self.error(format_args!("template {:?} not defined", t.name)));
        };
        if self.depth >= self.set.options.max_exec_depth {
            return Err(self.error(format_args!("exceeded maximum template depth ({})", self.set.options.max_exec_depth)));
        }
        let dot = match &t.pipe {
            Some(pipe) => self.eval_pipeline(dot, pipe)?,
            None => Slot::Invalid,
        };
        let mut inner = State {
            set: self.set,
            tree,
            name: &t.name,
            node: None,
            vars: vec![("$", dot.clone())],
            depth: self.depth + 1,
        };
        stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || inner.walk_list(&dot, &tree.root, out))
    }

    fn print_value(&mut self, node: &'a Node, val: &Slot, out: &mut String) -> R<()> {
        self.at(node);
        match val {
            Slot::Invalid => out.push_str("<no value>"),
            // An addressable struct field prints through its pointer's `String` method.
            Slot::Iface(Value::Object(o)) | Slot::Concrete(Value::Object(o)) => match o.action_text() {
                Some(text) => out.push_str(&text),
                None => out.push_str(&o.go_format()),
            },
            // The common cases without an intermediate string.
            Slot::Iface(Value::String(s)) | Slot::Concrete(Value::String(s)) => out.push_str(s),
            Slot::Iface(Value::Int(i) | Value::Int64(i)) | Slot::Concrete(Value::Int(i) | Value::Int64(i)) => {
                use std::fmt::Write as _;
                let _ = write!(out, "{i}");
            }
            Slot::Iface(v) | Slot::Concrete(v) => out.push_str(&v.go_format()),
        }
        Ok(())
    }

    // --- evaluation ---

    fn eval_pipeline(&mut self, dot: &Slot, pipe: &'a PipeNode) -> R<Slot> {
        self.at(pipe);
        let mut value: Option<Slot> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.opened());
        }
        let value = value.unwrap_or(Slot::Invalid);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(&var.ident[0], value.clone())?;
            } else {
                self.push(&var.ident[0], value.clone());
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Slot>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            return Err(self.error(format_args!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Slot, cmd: &'a CommandNode, fin: Option<Slot>) -> R<Slot> {
        let first = &cmd.args[0];
        match first {
            Arg::Field(f) => return self.eval_field_node(dot, f, &cmd.args, fin),
            Arg::Chain(c) => return self.eval_chain_node(dot, c, &cmd.args, fin),
            Arg::Identifier(id) => return self.eval_function(dot, id, cmd, &cmd.args, fin),
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, v, &cmd.args, fin),
            _ => {}
        }
        self.at(first);
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool(b) => Ok(Slot::Concrete(Value::Bool(b.value))),
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Err(self.error("nil is not a command")),
            Arg::Number(n) => self.ideal_constant(n),
            Arg::String(s) => Ok(Slot::Concrete(Value::str(s.text.as_str()))),
            other => Err(self.error(format_args!("can't evaluate command {:?}", other.to_string()))),
        }
    }

    /// A number literal where no type is expected: Go's rules for untyped constants.
    fn ideal_constant(&mut self, n: &'a NumberNode) -> R<Slot> {
        self.at(n);
        let text = n.text.as_str();
        let hex_int = text.len() > 2 && text.starts_with('0') && matches!(text.as_bytes()[1], b'x' | b'X') && !text.contains(['p', 'P']);
        let rune = text.starts_with('\'');
        if n.is_complex {
            let (re, im) = n.complex128;
            return Ok(Slot::Concrete(Value::Object(Rc::new(Complex128 { re, im }))));
        }
        if n.is_float && !hex_int && !rune && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Slot::Concrete(Value::Float(n.float64)));
        }
        if n.is_int {
            return Ok(Slot::Concrete(Value::Int(n.int64)));
        }
        if n.is_uint {
            return Err(self.error(format_args!("{text} overflows int")));
        }
        Ok(Slot::Invalid)
    }

    fn eval_field_node(&mut self, dot: &Slot, field: &'a FieldNode, args: &'a [Arg], fin: Option<Slot>) -> R<Slot> {
        self.at(field);
        self.eval_field_chain(dot, dot.clone(), field, &field.ident, args, fin)
    }

    fn eval_chain_node(&mut self, dot: &Slot, chain: &'a ChainNode, args: &'a [Arg], fin: Option<Slot>) -> R<Slot> {
        self.at(chain);
        if chain.field.is_empty() {
            return Err(self.error("internal error: no fields in evalChainNode"));
        }
        if matches!(*chain.node, Arg::Nil(_)) {
            return Err(self.error(format_args!("indirection through explicit nil in {chain}")));
        }
        let pipe = self.eval_arg_any(dot, &chain.node)?;
        self.eval_field_chain(dot, pipe, chain, &chain.field, args, fin)
    }

    fn eval_variable_node(&mut self, dot: &Slot, var: &'a VariableNode, args: &'a [Arg], fin: Option<Slot>) -> R<Slot> {
        self.at(var);
        let value = self.var_value(&var.ident[0])?;
        if var.ident.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, var, &var.ident[1..], args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Slot,
        mut receiver: Slot,
        node: &'a dyn AstNode,
        ident: &'a [String],
        args: &'a [Arg],
        fin: Option<Slot>,
    ) -> R<Slot> {
        let n = ident.len();
        for name in &ident[..n - 1] {
            receiver = self.eval_field(dot, name, node, &[], None, receiver)?;
        }
        self.eval_field(dot, &ident[n - 1], node, args, fin, receiver)
    }

    fn eval_function(
        &mut self,
        dot: &Slot,
        id: &'a IdentifierNode,
        cmd: &'a dyn AstNode,
        args: &'a [Arg],
        fin: Option<Slot>,
    ) -> R<Slot> {
        self.at(id);
        let name = id.ident.as_str();
        let set = self.set;
        let callable = match set.funcs.get(name) {
            Some(f) => Callable::Func(f),
            None => match builtins::Builtin::from_name(name) {
                Some(b) => Callable::Builtin(b),
                None => return Err(self.error(format_args!("{name:?} is not a defined function"))),
            },
        };
        self.eval_call(dot, callable, cmd, name, args, fin)
    }

    fn eval_field(
        &mut self,
        dot: &Slot,
        name: &'a str,
        node: &'a dyn AstNode,
        args: &'a [Arg],
        fin: Option<Slot>,
        receiver: Slot,
    ) -> R<Slot> {
        // Go names the receiver's static type in errors: `interface {}` for what came out of
        // an interface map or slice. Computed only when an error needs it.
        let iface = matches!(receiver, Slot::Iface(_));
        let value = match receiver {
            Slot::Invalid => {
                if self.set.options.missing_key == MissingKey::Error {
                    return Err(self.error(format_args!("nil data; no entry for key {name:?}")));
                }
                return Ok(Slot::Invalid);
            }
            Slot::Iface(Value::Nil) => {
                return Err(self.error(format_args!("nil pointer evaluating interface {{}}.{name}")));
            }
            Slot::Iface(v) | Slot::Concrete(v) => v,
        };
        let has_args = args.len() > 1 || fin.is_some();
        match &value {
            Value::Object(o) => {
                if let Some(method) = o.method(name) {
                    return self.eval_call(dot, Callable::Method(method), node, name, args, fin);
                }
                if o.has_method(name) {
                    return self.eval_call(dot, Callable::Dynamic(o.clone(), name), node, name, args, fin);
                }
                if let Some(field) = o.field(name) {
                    if has_args {
                        return Err(self.error(format_args!("{name} has arguments but cannot be invoked as function")));
                    }
                    return Ok(Slot::result(field));
                }
                // A named map type (`engine.files`): keys are looked up as on its map.
                if o.kind_name() == "map" {
                    if let Some(Value::Map(m)) = o.underlying() {
                        if has_args {
                            return Err(self.error(format_args!("{name} is not a method but has arguments")));
                        }
                        return match m.get(name) {
                            Some(v) => Ok(Slot::result(v)),
                            None => match self.set.options.missing_key {
                                MissingKey::Invalid => Ok(Slot::Invalid),
                                MissingKey::Zero => Ok(Slot::result(o.elem_zero())),
                                MissingKey::Error => Err(self.error(format_args!("map has no entry for key {name:?}"))),
                            },
                        };
                    }
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.error(format_args!("{name} is not a method but has arguments")));
                }
                let elem = m.elem();
                return match m.get(name) {
                    Some(v) => Ok(Slot::elem(elem, v)),
                    None => match self.set.options.missing_key {
                        MissingKey::Invalid => Ok(Slot::Invalid),
                        MissingKey::Zero => Ok(Slot::elem(elem, zero_of(elem))),
                        MissingKey::Error => Err(self.error(format_args!("map has no entry for key {name:?}"))),
                    },
                };
            }
            _ => {}
        }
        Err(self.error(format_args!(
            "can't evaluate field {name} in type {}",
            if iface { "interface {}".to_string() } else { value.type_name() }
        )))
    }

    fn eval_call(
        &mut self,
        dot: &Slot,
        callable: Callable<'a>,
        node: &'a dyn AstNode,
        name: &str,
        args: &'a [Arg],
        fin: Option<Slot>,
    ) -> R<Slot> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let sig = callable.sig();
        let num_in = args.len() + usize::from(fin.is_some());
        let num_fixed = if sig.variadic.is_some() { sig.params.len() } else { args.len() };
        match sig.variadic {
            Some(_) if num_in < num_fixed => {
                return Err(self.error(format_args!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.params.len(),
                    args.len()
                )));
            }
            None if num_in != sig.params.len() => {
                return Err(self.error(format_args!(
                    "wrong number of args for {name}: want {} got {}",
                    sig.params.len(),
                    num_in
                )));
            }
            _ => {}
        }

        if let Callable::Builtin(b @ (builtins::Builtin::And | builtins::Builtin::Or)) = callable {
            // Short-circuit: operands are evaluated only until the result is known.
            let want = b == builtins::Builtin::Or;
            let mut v = Slot::Invalid;
            for arg in args {
                v = self.eval_arg_any(dot, arg)?;
                if is_true(&v.value()) == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }

        let mut argv = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            let param = sig.params[i];
            argv.push(self.eval_arg(dot, param, &args[i])?);
            i += 1;
        }
        if let Some(rest) = sig.variadic {
            while i < args.len() {
                argv.push(self.eval_arg(dot, rest, &args[i])?);
                i += 1;
            }
        }
        if let Some(f) = fin {
            let param = match sig.variadic {
                Some(rest) if num_in - 1 >= num_fixed => rest,
                Some(_) => sig.params[num_in - 1],
                None => sig.params[sig.params.len() - 1],
            };
            argv.push(self.validate_type(f, param)?);
        }

        if let (Callable::Builtin(builtins::Builtin::Len), Some(Arg::Nil(_))) = (&callable, args.first()) {
            // A literal nil reaches `len` as an invalid reflect.Value.
            let message = "reflect: call of reflect.Value.Type on zero Value".to_string();
            self.at(node);
            return match self.error(format_args!("error calling {name}: {message}")) {
                Flow::Err(mut err) => {
                    err.causes = vec![Rc::from(err.message.as_str()), Rc::from(message)];
                    Err(Flow::Err(err))
                }
                flow => Err(flow),
            };
        }
        if let Callable::Builtin(builtins::Builtin::Call) = callable {
            // Templates here never hold function values, so `call` can only fail; Go names the
            // callee by its node text.
            let callee = args.first().map(ToString::to_string).unwrap_or_default();
            let message = match &argv[0] {
                Value::Nil => "call of nil".to_string(),
                v if self.set.options.go_minor < 24 => format!("non-function of type {}", v.type_name()),
                v => format!("non-function {callee} of type {}", v.type_name()),
            };
            self.at(node);
            return match self.error(format_args!("error calling {name}: {message}")) {
                Flow::Err(mut err) => {
                    err.causes = vec![Rc::from(err.message.as_str()), Rc::from(message)];
                    Err(Flow::Err(err))
                }
                flow => Err(flow),
            };
        }
        let result = match callable {
            Callable::Func(f) => (f.body)(self, argv).map(Slot::result),
            Callable::Method(m) => (m.call)(argv).map(Slot::result).map_err(FuncError::from),
            Callable::Dynamic(o, method) => match o.call(method, &argv) {
                Some(r) => r.map(Slot::result).map_err(FuncError::from),
                None => Err(FuncError::from(format!("{method} is not a method of {}", o.type_name()))),
            },
            Callable::Builtin(b) => {
                // Builtins work on the kind underneath a named type, as Go's reflection does.
                // `fmt` and the comparisons see the named type itself (`%T`, Stringers, the type
                // named in comparison errors).
                let formats = matches!(
                    b,
                    builtins::Builtin::Print
                        | builtins::Builtin::Printf
                        | builtins::Builtin::Println
                        | builtins::Builtin::Html
                        | builtins::Builtin::Js
                        | builtins::Builtin::UrlQuery
                        | builtins::Builtin::Eq
                        | builtins::Builtin::Ne
                        | builtins::Builtin::Lt
                        | builtins::Builtin::Le
                        | builtins::Builtin::Gt
                        | builtins::Builtin::Ge
                );
                let argv = argv
                    .into_iter()
                    .map(|v| match v {
                        Value::Object(o) if !formats => o.underlying().unwrap_or(Value::Object(o)),
                        v => v,
                    })
                    .collect();
                b.call(argv, self.set.options.go_minor).map(Slot::result).map_err(FuncError::from)
            }
        };
        result.map_err(|e| {
            self.at(node);
            match self.error(format_args!("error calling {name}: {}", e.message)) {
                // Go's ExecError wraps a `%w` error with the same text, which wraps the
                // function's error.
                Flow::Err(mut err) => {
                    err.causes = vec![Rc::from(err.message.as_str()), Rc::from(e.message)];
                    err.causes.extend(e.causes);
                    Flow::Err(err)
                }
                flow => flow,
            }
        })
    }

    /// Go's `validateType`: a computed value passed to a parameter of type `param`.
    fn validate_type(&self, value: Slot, param: Param) -> R<Value> {
        match value {
            Slot::Invalid => {
                if param.can_be_nil() || param == Param::Reflect {
                    Ok(Value::Nil)
                } else {
                    Err(self.error(format_args!("invalid value; expected {}", param.go_name())))
                }
            }
            Slot::Iface(Value::Nil) if !matches!(param, Param::Any | Param::Reflect) => {
                Err(self.error(format_args!("wrong type for value; expected {}; got interface {{}}", param.go_name())))
            }
            Slot::Iface(v) | Slot::Concrete(v) => param.accept(v).map_err(|e| self.error(e)),
        }
    }

    /// Go's `evalArg`: an operand evaluated for a parameter of type `param`.
    fn eval_arg(&mut self, dot: &Slot, param: Param, arg: &'a Arg) -> R<Value> {
        self.at(arg);
        let computed = match arg {
            Arg::Dot(_) => Some(dot.clone()),
            Arg::Nil(_) => {
                if param.can_be_nil() || param == Param::Reflect {
                    return Ok(Value::Nil);
                }
                return Err(self.error(format_args!("cannot assign nil to {}", param.go_name())));
            }
            Arg::Field(f) => Some(self.eval_field_node(dot, f, std::slice::from_ref(arg), None)?),
            Arg::Variable(v) => Some(self.eval_variable_node(dot, v, &[], None)?),
            Arg::Pipe(p) => Some(self.eval_pipeline(dot, p)?),
            Arg::Identifier(id) => Some(self.eval_function(dot, id, id, &[], None)?),
            Arg::Chain(c) => Some(self.eval_chain_node(dot, c, &[], None)?),
            _ => None,
        };
        if let Some(v) = computed {
            return self.validate_type(v, param);
        }
        match (param, arg) {
            (Param::Bool, Arg::Bool(b)) => Ok(Value::Bool(b.value)),
            (Param::Bool, _) => Err(self.error(format_args!("expected bool; found {arg}"))),
            (Param::String, Arg::String(s)) => Ok(Value::str(s.text.as_str())),
            (Param::String, _) => Err(self.error(format_args!("expected string; found {arg}"))),
            (Param::Int, Arg::Number(n)) if n.is_int => Ok(Value::Int(n.int64)),
            (Param::Int64, Arg::Number(n)) if n.is_int => Ok(Value::Int64(n.int64)),
            (Param::Int | Param::Int64, _) => Err(self.error(format_args!("expected integer; found {arg}"))),
            (Param::Float64, Arg::Number(n)) if n.is_float => Ok(Value::Float(n.float64)),
            (Param::Float64, _) => Err(self.error(format_args!("expected float; found {arg}"))),
            // Go's reflect SetUint truncates to the parameter's width.
            (Param::Uint32, Arg::Number(n)) if n.is_uint => Ok(Value::Int(n.uint64 as u32 as i64)),
            (Param::Uint32, _) => Err(self.error(format_args!("expected unsigned integer; found {arg}"))),
            (Param::Any | Param::Reflect, _) => Ok(self.eval_empty_interface(dot, arg)?.value()),
            _ => Err(self.error(format_args!("can't handle {arg} for arg of type {}", param.go_name()))),
        }
    }

    /// An operand evaluated with no expected type (`interface{}` / `reflect.Value`).
    fn eval_arg_any(&mut self, dot: &Slot, arg: &'a Arg) -> R<Slot> {
        self.at(arg);
        match arg {
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Ok(Slot::Invalid),
            Arg::Field(f) => self.eval_field_node(dot, f, std::slice::from_ref(arg), None),
            Arg::Variable(v) => self.eval_variable_node(dot, v, &[], None),
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Identifier(id) => self.eval_function(dot, id, id, &[], None),
            Arg::Chain(c) => self.eval_chain_node(dot, c, &[], None),
            _ => self.eval_empty_interface(dot, arg),
        }
    }

    fn eval_empty_interface(&mut self, dot: &Slot, arg: &'a Arg) -> R<Slot> {
        self.at(arg);
        match arg {
            Arg::Bool(b) => Ok(Slot::Concrete(Value::Bool(b.value))),
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Field(f) => self.eval_field_node(dot, f, &[], None),
            Arg::Identifier(id) => self.eval_function(dot, id, id, &[], None),
            Arg::Nil(_) => Err(self.error("evalEmptyInterface: nil (can't happen)")),
            Arg::Number(n) => self.ideal_constant(n),
            Arg::String(s) => Ok(Slot::Concrete(Value::str(s.text.as_str()))),
            Arg::Variable(v) => self.eval_variable_node(dot, v, &[], None),
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Chain(_) => Err(self.error(format_args!("can't handle assignment of {arg} to empty interface argument"))),
        }
    }
}

/// The zero value of a map element type, as `missingkey=zero` yields it.
fn zero_of(elem: ElemType) -> Value {
    match elem {
        ElemType::Interface => Value::Nil,
        ElemType::String => Value::str(""),
        ElemType::Int => Value::Int(0),
        ElemType::List => Value::Nil,
        ElemType::Bytes => Value::Bytes(Vec::new().into()),
    }
}

/// Go's `isTrue` for `if`, `with`, `and`, `or`, `not`.
pub(super) fn is_true(v: &Value) -> bool {
    v.is_truthy()
}

impl Host for State<'_> {
    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, ExecError> {
        self.set.render(name, &data)
    }

    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, TextError> {
        let mut set = self.set.clone();
        set.parse(name, text).map_err(|e| TextError::Parse(e.to_string()))?;
        set.render(name, &data).map_err(TextError::Exec)
    }

    fn template_name(&self) -> &str {
        self.name
    }
}

/// A `complex128` constant (`{{ 1i }}`): printed as Go prints it, `(0+1i)`.
#[derive(Debug)]
struct Complex128 {
    re: f64,
    im: f64,
}

impl crate::value::Object for Complex128 {
    fn type_name(&self) -> &str {
        "complex128"
    }

    fn kind_name(&self) -> &str {
        "complex128"
    }

    fn go_format(&self) -> String {
        let re = crate::value::format_float(self.re, b'g', -1);
        let mut im = crate::value::format_float(self.im, b'g', -1);
        if !im.starts_with(['-', '+']) {
            im.insert(0, '+');
        }
        format!("({re}{im}i)")
    }
}
