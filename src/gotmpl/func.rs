//! Functions as text/template calls them: each declares its Go parameter types, and arguments are
//! converted (or rejected) by Go's rules before the body runs, so `trunc .Values.n "x"` fails
//! with `wrong type for value; expected int; got float64` exactly where helm's engine fails.

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use crate::value::{Signature, Value};

use super::exec::ExecError;

/// What a function body can ask of the running template: helm's `include` and `tpl` execute
/// templates from inside a function call.
pub trait Host {
    /// Executes the named template of the running set with `data` as dot (Go's
    /// `ExecuteTemplate`; helm's `include`).
    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, ExecError>;
    /// Parses `text` as template `name` into a copy of the running set and executes it with
    /// `data` (helm's `tpl`).
    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, TextError>;
    /// The name of the template executing the call.
    fn template_name(&self) -> &str;
}

/// A host for calling functions outside any template: template execution is refused.
pub struct NoHost;

impl Host for NoHost {
    fn execute_template(&mut self, name: &str, _: Value) -> Result<String, ExecError> {
        Err(ExecError { name: name.into(), message: "no template is executing".into(), causes: Vec::new() })
    }
    fn execute_text(&mut self, _: &str, _: &str, _: Value) -> Result<String, TextError> {
        Err(TextError::Parse("no template is executing".into()))
    }
    fn template_name(&self) -> &str {
        ""
    }
}

/// Why [`Host::execute_text`] failed: the two are reported differently by helm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    Parse(String),
    Exec(ExecError),
}

/// A function's error: its message, and the chain of errors it wraps (Go's `%w`), which
/// helm 4 unwinds into a trace across included templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncError {
    pub message: String,
    /// Messages of the wrapped errors, outermost first.
    pub causes: Vec<Rc<str>>,
}

impl FuncError {
    /// An error that wraps `inner` with `message` (Go's `fmt.Errorf("...: %w", inner)`).
    pub fn wrapping(message: String, inner: &ExecError) -> FuncError {
        let mut causes: Vec<Rc<str>> = vec![Rc::from(inner.message.as_str())];
        causes.extend(inner.causes.iter().cloned());
        FuncError { message, causes }
    }
}

impl From<String> for FuncError {
    fn from(message: String) -> FuncError {
        FuncError { message, causes: Vec::new() }
    }
}

impl From<&str> for FuncError {
    fn from(message: &str) -> FuncError {
        FuncError::from(message.to_string())
    }
}

/// An error returned as is from a nested execution (helm's `include` returns the inner
/// `ExecError` unchanged).
impl From<ExecError> for FuncError {
    fn from(inner: ExecError) -> FuncError {
        FuncError { message: inner.message, causes: inner.causes }
    }
}

/// A function body: converted arguments in, a value or an error out. The executor reports an
/// error as `error calling NAME: MESSAGE`.
pub type FuncBody = Rc<dyn Fn(&mut dyn Host, Vec<Value>) -> Result<Value, FuncError>>;

#[derive(Clone)]
pub struct Func {
    pub sig: Signature,
    pub body: FuncBody,
}

impl Func {
    pub fn new(
        sig: Signature,
        body: impl Fn(&mut dyn Host, Vec<Value>) -> Result<Value, FuncError> + 'static,
    ) -> Func {
        Func { sig, body: Rc::new(body) }
    }

    /// A function that needs no host.
    pub fn pure(sig: Signature, body: impl Fn(Vec<Value>) -> Result<Value, String> + 'static) -> Func {
        Func { sig, body: Rc::new(move |_: &mut dyn Host, args| body(args).map_err(FuncError::from)) }
    }
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Func").field("sig", &self.sig).finish_non_exhaustive()
    }
}

/// Functions by name, as Go's `template.FuncMap`.
#[derive(Clone, Default, Debug)]
pub struct FuncMap {
    funcs: HashMap<String, Func>,
}

impl FuncMap {
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, func: Func) {
        self.funcs.insert(name.into(), func);
    }

    pub fn remove(&mut self, name: &str) {
        self.funcs.remove(name);
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(String::as_str)
    }
}

