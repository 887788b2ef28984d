//! The parse tree, shaped like Go's `text/template/parse` nodes. Every node keeps its byte
//! offset (`pos`) in the full template text; `Display` reproduces Go's `String()` byte for byte,
//! which execution errors quote (`executing "x" at <.Values.a>`).
//!
//! Go has one `Node` interface; here list items ([`Node`]) and command arguments ([`Arg`]) are
//! separate enums, since each position admits only one of the two families.

use std::fmt::{self, Display, Formatter, Write};
use std::ops::Range;
use std::rc::Rc;

use super::strconv::quote;

/// Byte offset into the template text.
pub type Pos = usize;

/// Anything with a position and Go's textual form; see [`super::error_context`].
pub trait AstNode: Display {
    fn pos(&self) -> Pos;
}

macro_rules! ast_node {
    ($($t:ty),* $(,)?) => {
        $(impl AstNode for $t {
            fn pos(&self) -> Pos {
                self.pos
            }
        })*
    };
}

/// A sequence of nodes: a template body or one branch of `if`/`range`/`with`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListNode {
    pub pos: Pos,
    pub nodes: Vec<Node>,
}

/// Nodes that make up a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(TextNode),
    Action(ActionNode),
    // Boxed: branches are large and rarer than text and actions.
    If(Box<BranchNode>),
    Range(Box<BranchNode>),
    With(Box<BranchNode>),
    Template(TemplateNode),
    Break(BreakNode),
    Continue(ContinueNode),
    Comment(CommentNode),
}

/// Plain text: a slice of the shared template source, so parsing allocates nothing for it.
#[derive(Clone, PartialEq)]
pub struct TextNode {
    pub pos: Pos,
    src: Rc<str>,
    range: Range<usize>,
}

/// `{{/* ... */}}`, kept only when comments are requested.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentNode {
    pub pos: Pos,
    /// The comment with its `/*` `*/` markers.
    pub text: String,
}

/// A non-control action such as `{{.Values.x | quote}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionNode {
    pub pos: Pos,
    pub pipe: PipeNode,
}

/// `$x, $y := cmd | cmd`.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeNode {
    pub pos: Pos,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    pub decl: Vec<VariableNode>,
    pub cmds: Vec<CommandNode>,
}

/// One stage of a pipeline: operands separated by spaces.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandNode {
    pub pos: Pos,
    pub args: Vec<Arg>,
}

/// Operands of a command.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A function name.
    Identifier(IdentifierNode),
    Variable(VariableNode),
    Dot(DotNode),
    Nil(NilNode),
    Field(FieldNode),
    Chain(ChainNode),
    Bool(BoolNode),
    Number(NumberNode),
    String(StringNode),
    /// A parenthesized pipeline.
    Pipe(PipeNode),
}

#[derive(Debug, Clone, PartialEq)]
pub struct IdentifierNode {
    pub pos: Pos,
    pub ident: String,
}

/// `$x.a.b`: `ident[0]` is the variable with its `$`, the rest are field names.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableNode {
    pub pos: Pos,
    pub ident: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DotNode {
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NilNode {
    pub pos: Pos,
}

/// `.a.b`: field names without their dots.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldNode {
    pub pos: Pos,
    pub ident: Vec<String>,
}

/// A term followed by field accesses, e.g. `(index . 0).a.b`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainNode {
    pub pos: Pos,
    pub node: Box<Arg>,
    pub field: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoolNode {
    pub pos: Pos,
    pub value: bool,
}

/// A numeric constant stored under every Go type that represents it exactly, as Go's
/// `NumberNode` simulates untyped constants. Character constants are numbers too.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberNode {
    pub pos: Pos,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
    /// (real, imaginary).
    pub complex128: (f64, f64),
    /// The literal as written.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringNode {
    pub pos: Pos,
    /// The literal as written, with quotes.
    pub quoted: String,
    /// The value after unquoting.
    pub text: String,
}

/// Which control structure a [`BranchNode`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchKind {
    If,
    Range,
    With,
}

impl BranchKind {
    pub fn keyword(self) -> &'static str {
        match self {
            BranchKind::If => "if",
            BranchKind::Range => "range",
            BranchKind::With => "with",
        }
    }
}

/// `if`, `range` and `with`.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchNode {
    pub kind: BranchKind,
    pub pos: Pos,
    pub pipe: PipeNode,
    pub list: ListNode,
    pub else_list: Option<ListNode>,
}

/// `{{template "name" pipeline}}`; `block` also produces one.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateNode {
    pub pos: Pos,
    pub name: String,
    pub pipe: Option<PipeNode>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BreakNode {
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContinueNode {
    pub pos: Pos,
}

ast_node!(
    ListNode,
    TextNode,
    CommentNode,
    ActionNode,
    PipeNode,
    CommandNode,
    IdentifierNode,
    VariableNode,
    DotNode,
    NilNode,
    FieldNode,
    ChainNode,
    BoolNode,
    NumberNode,
    StringNode,
    BranchNode,
    TemplateNode,
    BreakNode,
    ContinueNode,
);

impl ListNode {
    pub fn new(pos: Pos) -> Self {
        ListNode {
            pos,
            nodes: Vec::new(),
        }
    }

    /// Go's `IsEmptyTree`: nothing but white space and comments.
    pub fn is_empty_tree(&self) -> bool {
        self.nodes.iter().all(|n| match n {
            Node::Text(t) => t.as_str().trim().is_empty(),
            Node::Comment(_) => true,
            _ => false,
        })
    }
}

impl TextNode {
    pub(crate) fn new(src: Rc<str>, range: Range<usize>) -> Self {
        TextNode {
            pos: range.start,
            src,
            range,
        }
    }

    pub fn as_str(&self) -> &str {
        // The range comes from the lexer and always lies on character boundaries of `src`.
        self.src.get(self.range.clone()).unwrap_or_default()
    }
}

impl fmt::Debug for TextNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextNode")
            .field("pos", &self.pos)
            .field("text", &self.as_str())
            .finish()
    }
}

impl Node {
    pub fn pos(&self) -> Pos {
        match self {
            Node::Text(n) => n.pos,
            Node::Action(n) => n.pos,
            Node::If(n) | Node::Range(n) | Node::With(n) => n.pos,
            Node::Template(n) => n.pos,
            Node::Break(n) => n.pos,
            Node::Continue(n) => n.pos,
            Node::Comment(n) => n.pos,
        }
    }
}

impl AstNode for Node {
    fn pos(&self) -> Pos {
        Node::pos(self)
    }
}

impl Arg {
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Identifier(n) => n.pos,
            Arg::Variable(n) => n.pos,
            Arg::Dot(n) => n.pos,
            Arg::Nil(n) => n.pos,
            Arg::Field(n) => n.pos,
            Arg::Chain(n) => n.pos,
            Arg::Bool(n) => n.pos,
            Arg::Number(n) => n.pos,
            Arg::String(n) => n.pos,
            Arg::Pipe(n) => n.pos,
        }
    }
}

impl AstNode for Arg {
    fn pos(&self) -> Pos {
        Arg::pos(self)
    }
}

// Go's String() for each node.

impl Display for ListNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.nodes.iter().try_for_each(|n| n.fmt(f))
    }
}

impl Display for Node {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(n) => n.fmt(f),
            Node::Action(n) => n.fmt(f),
            Node::If(n) | Node::Range(n) | Node::With(n) => n.fmt(f),
            Node::Template(n) => n.fmt(f),
            Node::Break(n) => n.fmt(f),
            Node::Continue(n) => n.fmt(f),
            Node::Comment(n) => n.fmt(f),
        }
    }
}

impl Display for TextNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for CommentNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.text)
    }
}

impl Display for ActionNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.pipe)
    }
}

impl Display for PipeNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                v.fmt(f)?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            c.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for CommandNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            match arg {
                Arg::Pipe(p) => write!(f, "({p})")?,
                _ => arg.fmt(f)?,
            }
        }
        Ok(())
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Identifier(n) => n.fmt(f),
            Arg::Variable(n) => n.fmt(f),
            Arg::Dot(n) => n.fmt(f),
            Arg::Nil(n) => n.fmt(f),
            Arg::Field(n) => n.fmt(f),
            Arg::Chain(n) => n.fmt(f),
            Arg::Bool(n) => n.fmt(f),
            Arg::Number(n) => n.fmt(f),
            Arg::String(n) => n.fmt(f),
            Arg::Pipe(n) => n.fmt(f),
        }
    }
}

impl Display for IdentifierNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident)
    }
}

impl Display for VariableNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, id) in self.ident.iter().enumerate() {
            if i > 0 {
                f.write_char('.')?;
            }
            f.write_str(id)?;
        }
        Ok(())
    }
}

impl Display for DotNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('.')
    }
}

impl Display for NilNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("nil")
    }
}

impl Display for FieldNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.ident.iter().try_for_each(|id| write!(f, ".{id}"))
    }
}

impl Display for ChainNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &*self.node {
            Arg::Pipe(p) => write!(f, "({p})")?,
            n => n.fmt(f)?,
        }
        self.field.iter().try_for_each(|id| write!(f, ".{id}"))
    }
}

impl Display for BoolNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.value { "true" } else { "false" })
    }
}

impl Display for NumberNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Display for StringNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.quoted)
    }
}

impl Display for BranchNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{{{{} {}}}}}{}",
            self.kind.keyword(),
            self.pipe,
            self.list
        )?;
        if let Some(e) = &self.else_list {
            write!(f, "{{{{else}}}}{e}")?;
        }
        f.write_str("{{end}}")
    }
}

impl Display for TemplateNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{template {}", quote(&self.name))?;
        if let Some(p) = &self.pipe {
            write!(f, " {p}")?;
        }
        f.write_str("}}")
    }
}

impl Display for BreakNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("{{break}}")
    }
}

impl Display for ContinueNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("{{continue}}")
    }
}
