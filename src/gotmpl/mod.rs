//! Go's text/template, reimplemented: lexer → parser → AST → executor, split as Go splits it.
//! Knows nothing of helm, charts, YAML or the cluster; functions are plugged in from outside.
//!
//! Parsing: [`parse`] turns one template text into a set of named [`Tree`]s (the text itself
//! plus every `{{define}}`/`{{block}}`), with Go's error texts; [`add_parse_trees`] merges such
//! sets the way `Template.Parse` does across calls; [`error_context`] gives the
//! `NAME:LINE:COL` and node text that execution errors quote.

mod builtins;
mod exec;
mod func;
pub mod lex;
pub mod node;
pub mod parse;
mod strconv;

pub use crate::value::{Param, Signature};
pub use exec::{ExecError, MissingKey, Options, Template};
pub use func::{Func, FuncBody, FuncError, FuncMap, Host, NoHost, TextError};
pub use node::*;
pub use parse::{MAX_DEPTH, ParseError, ParseOptions, Tree, add_parse_trees, parse};
pub use strconv::quote as go_quote;

/// The functions text/template predefines; a parse's `is_func` must accept them (plus the
/// caller's own functions) for templates using them to parse.
pub const BUILTINS: &[&str] = &[
    "and", "call", "eq", "ge", "gt", "html", "index", "js", "le", "len", "lt", "ne", "not", "or",
    "print", "printf", "println", "slice", "urlquery",
];

/// Go's `Tree.ErrorContext`: the location `NAME:LINE:COL` of a node (COL is the 0-based byte
/// offset within its line; NAME is the top-level template the tree was parsed under) and the
/// node's text. Like Go 1.26, the context is not shortened.
pub fn error_context(tree: &Tree, node: &dyn AstNode) -> (String, String) {
    let (line, col) = line_col(&tree.text, node.pos());
    (
        format!("{}:{}:{}", tree.parse_name, line, col),
        node.to_string(),
    )
}

/// 1-based line and 0-based byte column of `pos` in `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..pos.min(text.len())];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => before.len() - nl - 1,
        None => before.len(),
    };
    (line, col)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod exec_tests;
