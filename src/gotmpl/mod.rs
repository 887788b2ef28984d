//! Go's text/template, reimplemented: lexer → parser → AST → executor, split as Go splits it.
//! Knows nothing of helm, charts, YAML or the cluster; functions are plugged in from outside.

mod func;

pub use func::{Func, FuncBody, FuncMap, Host, Param, Signature};
