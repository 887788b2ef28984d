//! The recursive-descent parser. It mirrors Go's `text/template/parse` closely — including its
//! three-token look-ahead and the per-tree token buffers of `define`/`block` bodies — because
//! error texts and line numbers depend on exactly which token was read last.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::lex::{Item, ItemType, LexOptions, Lexer};
use super::node::*;
use super::strconv::{parse_float, parse_int, parse_uint, quote, unquote, unquote_char};

/// A parse failure, displayed exactly as Go's: `template: NAME:LINE: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template: {name}:{line}: {message}")]
pub struct ParseError {
    /// The name of the top-level template being parsed.
    pub name: String,
    pub line: usize,
    pub message: String,
}

/// One named template: the top-level text or a `define`/`block` body.
#[derive(Debug, Clone)]
pub struct Tree {
    pub name: String,
    /// The top-level template's name, used in error messages.
    pub parse_name: String,
    pub root: ListNode,
    /// The whole text the tree was parsed from (shared by all trees of one parse); positions
    /// index into it.
    pub text: Rc<str>,
}

/// How to parse. `is_func` says whether a function name exists (it must include Go's
/// builtins, see [`super::BUILTINS`]); it also decides whether `break`/`continue` are keywords.
#[derive(Clone, Copy)]
pub struct ParseOptions<'f> {
    pub is_func: &'f dyn Fn(&str) -> bool,
    /// Accept `{{else with}}` (Go 1.23+).
    pub else_with: bool,
    /// Go's `SkipFuncCheck` mode: do not reject unknown function names.
    pub skip_func_check: bool,
    /// Go's `ParseComments` mode: keep comments as nodes.
    pub parse_comments: bool,
    /// Go 1.22's lexer does not count the newlines inside a `{{/* */}}` comment, so parse
    /// errors after one name an earlier line.
    pub comment_lines_lost: bool,
}

impl<'f> ParseOptions<'f> {
    /// Go 1.23+ defaults: `else with` on, function check on, comments dropped.
    pub fn new(is_func: &'f dyn Fn(&str) -> bool) -> Self {
        ParseOptions {
            is_func,
            else_with: true,
            skip_func_check: false,
            parse_comments: false,
            comment_lines_lost: false,
        }
    }
}

/// Newlines inside `{{/* ... */}}` comments that end before `end` (what Go 1.22's lexer loses).
fn comment_newlines_before(text: &str, end: usize) -> usize {
    let mut lost = 0;
    let mut from = 0;
    while let Some(at) = text[from..end].find("{{") {
        let mut open = from + at + 2;
        if text[open..].starts_with("- ") {
            open += 2;
        }
        from = open;
        if !text[open..].starts_with("/*") {
            continue;
        }
        let Some(close) = text[open + 2..].find("*/") else { break };
        let close = open + 2 + close + 2;
        if close > end {
            break;
        }
        lost += text[open..close].matches('\n').count();
        from = close;
    }
    lost
}

/// Go allows 10000 nested parentheses; each level here costs several Rust frames (about 4.5 KiB
/// for a paren and 6.5 KiB for an `if`/`range`/`with` in a debug build), so the limit is 100 to
/// leave most of a 2 MiB thread stack to the caller (the executor parses again for `tpl`). It
/// also bounds nesting of `if`/`range`/`with`, which Go does not limit (Go's stacks grow);
/// `else if`/`else with` chains are parsed iteratively and do not count.
pub const MAX_DEPTH: usize = 100;

/// Errors are boxed inside the parser to keep the recursive frames small.
type PResult<T> = Result<T, Box<ParseError>>;

/// What `textOrAction` yields: a node, or an `{{end}}`/`{{else}}` that closes a list.
enum Parsed {
    Node(Node),
    End,
    Else(Pos),
}

impl Parsed {
    fn describe(&self) -> &'static str {
        match self {
            Parsed::End => "{{end}}",
            _ => "{{else}}",
        }
    }
}

/// Per-tree parsing state; `define` and `block` bodies get a fresh one, as in Go.
struct TreeState<'a> {
    token: [Item<'a>; 3],
    peek_count: usize,
    vars: Vec<&'a str>,
    /// Position of the `{{` of the action being parsed, for "in action started at" notes.
    action_start: Option<Pos>,
    range_depth: usize,
}

impl TreeState<'_> {
    fn new() -> Self {
        TreeState {
            token: [Item::NONE; 3],
            peek_count: 0,
            vars: vec!["$"],
            action_start: None,
            range_depth: 0,
        }
    }
}

struct Parser<'a, 'o> {
    text: &'a str,
    src: Rc<str>,
    name: &'a str,
    lex: Lexer<'a>,
    opts: &'o ParseOptions<'o>,
    st: TreeState<'a>,
    trees: BTreeMap<String, Tree>,
    depth: usize,
}

/// Parses `text` as template `name`, returning it and every template it defines, keyed by name.
pub fn parse(
    name: &str,
    text: &str,
    opts: &ParseOptions,
) -> Result<BTreeMap<String, Tree>, ParseError> {
    let lex_opts = LexOptions {
        emit_comment: opts.parse_comments,
        break_ok: !(opts.is_func)("break"),
        continue_ok: !(opts.is_func)("continue"),
    };
    let mut p = Parser {
        text,
        src: Rc::from(text),
        name,
        lex: Lexer::new(text, lex_opts),
        opts,
        st: TreeState::new(),
        trees: BTreeMap::new(),
        depth: 0,
    };
    let root = p.parse_top().map_err(|e| *e)?;
    let err_pos = p.st.token[0].pos;
    p.add_tree(name.to_string(), root, err_pos)
        .map_err(|e| *e)?;
    Ok(p.trees)
}

/// Adds trees from a later parse to a set the way `Template.AddParseTree`/`associate` do: a
/// template that is empty (only space and comments) does not replace an existing one; anything
/// else replaces it.
pub fn add_parse_trees(set: &mut BTreeMap<String, Tree>, trees: BTreeMap<String, Tree>) {
    for (name, tree) in trees {
        if set.contains_key(&name) && tree.root.is_empty_tree() {
            continue;
        }
        set.insert(name, tree);
    }
}

fn exact_i64(f: f64) -> bool {
    f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)
}

fn exact_u64(f: f64) -> bool {
    f.fract() == 0.0 && f > -1.0 && f < 18_446_744_073_709_551_616.0
}

/// Go's `newNumber`: classifies a literal under every type that represents it.
fn new_number(pos: Pos, text: &str, typ: ItemType) -> Result<NumberNode, String> {
    let mut n = NumberNode {
        pos,
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
        complex128: (0.0, 0.0),
        text: text.to_string(),
    };
    match typ {
        ItemType::CharConstant => {
            let (v, _, tail) = unquote_char(&text[1..], b'\'').ok_or("invalid syntax")?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int64 = i64::from(v);
            n.uint64 = u64::from(v);
            n.float64 = f64::from(v);
            n.is_int = true;
            n.is_uint = true;
            n.is_float = true;
            return Ok(n);
        }
        ItemType::Complex => {
            let c = parse_complex(text)
                .ok_or_else(|| format!("illegal number syntax: {}", quote(text)))?;
            n.complex128 = c;
            n.is_complex = true;
            simplify_complex(&mut n);
            return Ok(n);
        }
        _ => {}
    }
    // Imaginary literals are complex unless zero.
    if let Some(f) = text.strip_suffix('i').and_then(parse_float) {
        n.is_complex = true;
        n.complex128 = (0.0, f);
        simplify_complex(&mut n);
        return Ok(n);
    }
    let u = parse_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            // "-0" is not a valid uint but is zero.
            n.is_uint = true;
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Some(f) = parse_float(text) {
        // A float that looks like an integer is an integer too big for 64 bits.
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", quote(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if exact_i64(f) {
            n.is_int = true;
            n.int64 = f as i64;
        }
        if exact_u64(f) {
            n.is_uint = true;
            n.uint64 = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", quote(text)));
    }
    Ok(n)
}

/// `1+2i`: real and imaginary parts split at the sign that starts the imaginary part.
fn parse_complex(text: &str) -> Option<(f64, f64)> {
    let body = text.strip_suffix('i')?;
    body.char_indices()
        .rev()
        .filter(|&(k, c)| k > 0 && (c == '+' || c == '-'))
        .find_map(|(k, _)| Some((parse_float(&body[..k])?, parse_float(&body[k..])?)))
}

fn simplify_complex(n: &mut NumberNode) {
    let (re, im) = n.complex128;
    n.is_float = im == 0.0;
    if n.is_float {
        n.float64 = re;
        n.is_int = exact_i64(re);
        if n.is_int {
            n.int64 = re as i64;
        }
        n.is_uint = exact_u64(re);
        if n.is_uint {
            n.uint64 = re as u64;
        }
    }
}

impl<'a> Parser<'a, '_> {
    // Token buffer, exactly as Go's Tree.next/backup/peek.

    fn next(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
        } else {
            self.st.token[0] = self.lex.next_item();
        }
        self.st.token[self.st.peek_count]
    }

    fn backup(&mut self) {
        self.st.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.token[2] = t2;
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            return self.st.token[self.st.peek_count - 1];
        }
        self.st.peek_count = 1;
        self.st.token[0] = self.lex.next_item();
        self.st.token[0]
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    // Errors.

    fn line_of(&self, pos: Pos) -> usize {
        let end = pos.min(self.text.len());
        let line = 1 + self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        if self.opts.comment_lines_lost { line - comment_newlines_before(self.text, end) } else { line }
    }

    /// Go's `errorf`: the line is that of the token read last in the current tree.
    #[cold]
    #[inline(never)]
    fn err(&self, message: impl Into<String>) -> Box<ParseError> {
        self.err_at(self.st.token[0].pos, message)
    }

    #[cold]
    #[inline(never)]
    fn err_at(&self, pos: Pos, message: impl Into<String>) -> Box<ParseError> {
        Box::new(ParseError {
            name: self.name.to_string(),
            line: self.line_of(pos),
            message: message.into(),
        })
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, token: Item<'a>, context: &str) -> Box<ParseError> {
        if token.typ == ItemType::Error {
            let msg = self.lex.error_message();
            let mut extra = String::new();
            if let Some(start) = self.st.action_start {
                let action_line = self.line_of(start);
                if action_line != self.line_of(token.pos) {
                    extra = if msg.ends_with(" action") {
                        format!(" started at {}:{}", self.name, action_line)
                    } else {
                        format!(" in action started at {}:{}", self.name, action_line)
                    };
                }
            }
            return self.err(format!("{msg}{extra}"));
        }
        self.err(format!("unexpected {} in {}", token.describe(""), context))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item<'a>> {
        let token = self.next_non_space();
        if token.typ != expected {
            return Err(self.unexpected(token, context));
        }
        Ok(token)
    }

    /// Runs `f` with a fresh per-tree state, as Go does for a `define`/`block` body's own Tree.
    fn in_subtree<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.st, TreeState::new());
        let r = f(self);
        self.st = saved;
        r
    }

    /// Go's `Tree.add` for one parse: an empty tree never replaces, a non-empty one only
    /// replaces an empty one.
    fn add_tree(&mut self, name: String, root: ListNode, err_pos: Pos) -> PResult<()> {
        if let Some(existing) = self.trees.get(&name)
            && !existing.root.is_empty_tree()
        {
            if !root.is_empty_tree() {
                let msg = format!("template: multiple definition of template {}", quote(&name));
                return Err(self.err_at(err_pos, msg));
            }
            return Ok(());
        }
        let tree = Tree {
            name: name.clone(),
            parse_name: self.name.to_string(),
            root,
            text: self.src.clone(),
        };
        self.trees.insert(name, tree);
        Ok(())
    }

    fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err("max expression depth exceeded"));
        }
        self.depth += 1;
        Ok(())
    }

    // Grammar.

    /// The top level: like `item_list` but also accepts `{{define}}`, and runs to EOF.
    fn parse_top(&mut self) -> PResult<ListNode> {
        let mut root = ListNode::new(self.peek().pos);
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.in_subtree(|p| p.parse_definition())?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.nodes.push(n),
                other => return Err(self.err(format!("unexpected {}", other.describe()))),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let token = self.next_non_space();
        if !matches!(token.typ, ItemType::String | ItemType::RawString) {
            return Err(self.unexpected(token, CONTEXT));
        }
        let name = unquote(token.val).ok_or_else(|| self.err("invalid syntax"))?;
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return Err(self.err(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        let err_pos = self.st.token[0].pos;
        self.add_tree(name, root, err_pos)
    }

    /// `textOrAction*`, up to an `{{end}}` or `{{else}}`, which is returned separately.
    fn item_list(&mut self) -> PResult<(ListNode, Parsed)> {
        let mut list = ListNode::new(self.peek_non_space().pos);
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                end => return Ok((list, end)),
            }
        }
        Err(self.err("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => {
                let range = token.pos..token.pos + token.val.len();
                Ok(Parsed::Node(Node::Text(TextNode::new(
                    self.src.clone(),
                    range,
                ))))
            }
            ItemType::LeftDelim => {
                self.st.action_start = Some(token.pos);
                let r = self.action();
                self.st.action_start = None;
                r
            }
            ItemType::Comment => Ok(Parsed::Node(Node::Comment(CommentNode {
                pos: token.pos,
                text: token.val.to_string(),
            }))),
            _ => Err(self.unexpected(token, "input")),
        }
    }

    /// After `{{`: a control keyword or a pipeline. Branches, the recursive path, are handled
    /// here; everything else in `other_action` so this frame stays small.
    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        let kind = match token.typ {
            ItemType::If => BranchKind::If,
            ItemType::Range => BranchKind::Range,
            ItemType::With => BranchKind::With,
            _ => return self.other_action(token),
        };
        let branch = Box::new(self.parse_control(kind)?);
        Ok(Parsed::Node(match kind {
            BranchKind::If => Node::If(branch),
            BranchKind::Range => Node::Range(branch),
            BranchKind::With => Node::With(branch),
        }))
    }

    #[inline(never)]
    fn other_action(&mut self, token: Item<'a>) -> PResult<Parsed> {
        let node = match token.typ {
            ItemType::Block => self.block_control()?,
            ItemType::Break => {
                self.loop_control(token.pos, "{{break}}")?;
                Node::Break(BreakNode { pos: token.pos })
            }
            ItemType::Continue => {
                self.loop_control(token.pos, "{{continue}}")?;
                Node::Continue(ContinueNode { pos: token.pos })
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::Template => self.template_control()?,
            _ => {
                self.backup();
                let pos = self.peek().pos;
                // Variables declared here persist until the enclosing {{end}}.
                let pipe = self.pipeline("command", ItemType::RightDelim)?;
                Node::Action(ActionNode { pos, pipe })
            }
        };
        Ok(Parsed::Node(node))
    }

    fn loop_control(&mut self, _pos: Pos, what: &str) -> PResult<()> {
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return Err(self.unexpected(token, what));
        }
        if self.st.range_depth == 0 {
            return Err(self.err(format!("{what} outside {{{{range}}}}")));
        }
        Ok(())
    }

    /// `declarations? command ('|' command)*`, up to `end` (`}}` or `)`).
    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<PipeNode> {
        let token = self.peek_non_space();
        let mut pipe = PipeNode {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            // "$x foo" vs "$x := foo": look past the space, keeping it to push back.
            let token_after = self.peek();
            let next = self.peek_non_space();
            if matches!(next.typ, ItemType::Assign | ItemType::Declare) {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(VariableNode {
                    pos: v.pos,
                    ident: vec![v.val.to_string()],
                });
                self.st.vars.push(v.val);
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                pipe.decl.push(VariableNode {
                    pos: v.pos,
                    ident: vec![v.val.to_string()],
                });
                self.st.vars.push(v.val);
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue;
                        }
                        _ => return Err(self.err("range can only initialize variables")),
                    }
                }
                return Err(self.err(format!("too many declarations in {context}")));
            } else if token_after.typ == ItemType::Space {
                self.backup3(v, token_after);
            } else {
                self.backup2(v);
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(token, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &PipeNode, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.err(format!("missing value for {context}")));
        }
        // Only the first command may start with a non-executable operand.
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(
                Arg::Bool(_) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(_) | Arg::String(_),
            ) = c.args.first()
            {
                return Err(self.err(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn parse_control(&mut self, kind: BranchKind) -> PResult<BranchNode> {
        self.enter()?;
        let vars = self.st.vars.len();
        let r = self.parse_control_inner(kind);
        self.st.vars.truncate(vars);
        self.depth -= 1;
        r
    }

    fn parse_control_inner(&mut self, kind: BranchKind) -> PResult<BranchNode> {
        // Go parses `{{else if x}}` as a nested `{{if x}}` whose `{{end}}` is shared with the
        // outer one (likewise `{{else with}}`). Walking the chain in a loop and nesting the
        // branches afterwards gives the same tree and errors without recursing per link.
        let context = kind.keyword();
        let mut links: Vec<(PipeNode, ListNode, Pos)> = Vec::new();
        loop {
            let pipe = self.pipeline(context, ItemType::RightDelim)?;
            let is_range = kind == BranchKind::Range;
            if is_range {
                self.st.range_depth += 1;
            }
            let listed = self.item_list();
            if is_range {
                self.st.range_depth -= 1;
            }
            let (list, next) = listed?;
            let mut else_list = None;
            if let Parsed::Else(else_pos) = next {
                let peek = self.peek().typ;
                let chained = match kind {
                    BranchKind::If => peek == ItemType::If,
                    BranchKind::With => self.opts.else_with && peek == ItemType::With,
                    BranchKind::Range => false,
                };
                if chained {
                    self.next();
                    links.push((pipe, list, else_pos));
                    continue;
                }
                let (list, next) = self.item_list()?;
                if !matches!(next, Parsed::End) {
                    return Err(self.err(format!("expected end; found {}", next.describe())));
                }
                else_list = Some(list);
            }
            let mut node = BranchNode {
                kind,
                pos: pipe.pos,
                pipe,
                list,
                else_list,
            };
            while let Some((pipe, list, else_pos)) = links.pop() {
                let inner = match kind {
                    BranchKind::If => Node::If(Box::new(node)),
                    _ => Node::With(Box::new(node)),
                };
                let else_list = Some(ListNode {
                    pos: else_pos,
                    nodes: vec![inner],
                });
                node = BranchNode {
                    kind,
                    pos: pipe.pos,
                    pipe,
                    list,
                    else_list,
                };
            }
            return Ok(node);
        }
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        // Leave `if`/`with` pending: parse_control turns it into a nested branch.
        if peek.typ == ItemType::If || (self.opts.else_with && peek.typ == ItemType::With) {
            return Ok(Parsed::Else(peek.pos));
        }
        let token = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else(token.pos))
    }

    /// `{{block "name" pipeline}} body {{end}}`: defines `name` and calls it.
    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        self.enter()?;
        let body = self.in_subtree(|p| {
            p.item_list()
                .map(|(root, end)| (root, end, p.st.token[0].pos))
        });
        self.depth -= 1;
        let (root, end, body_last) = body?;
        if !matches!(end, Parsed::End) {
            return Err(self.err(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        self.add_tree(name.clone(), root, body_last)?;
        Ok(Node::Template(TemplateNode {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        }))
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(token, CONTEXT)?;
        let pipe = if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            Some(self.pipeline(CONTEXT, ItemType::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template(TemplateNode {
            pos: token.pos,
            name,
            pipe,
        }))
    }

    fn template_name(&self, token: Item<'a>, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => {
                unquote(token.val).ok_or_else(|| self.err("invalid syntax"))
            }
            _ => Err(self.unexpected(token, context)),
        }
    }

    /// Space-separated operands up to `|`, `}}` or `)`; the `|` is consumed.
    fn command(&mut self) -> PResult<CommandNode> {
        let pos = self.peek_non_space().pos;
        let mut cmd = CommandNode {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(arg) = self.operand()? {
                cmd.args.push(arg);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(token, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.err("empty command"));
        }
        Ok(cmd)
    }

    /// A term followed by any number of `.Field`s.
    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        // Go gives the merged node the position of the first trailing field.
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            fields.push(self.next().val[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field(mut f) => {
                f.ident.extend(fields);
                Arg::Field(FieldNode {
                    pos,
                    ident: f.ident,
                })
            }
            Arg::Variable(mut v) => {
                v.ident.extend(fields);
                Arg::Variable(VariableNode {
                    pos,
                    ident: v.ident,
                })
            }
            Arg::Bool(_) | Arg::String(_) | Arg::Number(_) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.err(format!(
                    "unexpected . after term {}",
                    quote(&node.to_string())
                )));
            }
            other => Arg::Chain(ChainNode {
                pos,
                node: Box::new(other),
                field: fields,
            }),
        }))
    }

    /// A literal, function name, `.`, `.Field`, `$var` or parenthesized pipeline; `None` if
    /// the next token starts none of them.
    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        if token.typ != ItemType::LeftParen {
            return self.leaf_term(token);
        }
        self.enter()?;
        let r = self.pipeline("parenthesized pipeline", ItemType::RightParen);
        self.depth -= 1;
        Ok(Some(Arg::Pipe(r?)))
    }

    #[inline(never)]
    fn leaf_term(&mut self, token: Item<'a>) -> PResult<Option<Arg>> {
        let pos = token.pos;
        let arg = match token.typ {
            ItemType::Identifier => {
                if !self.opts.skip_func_check && !(self.opts.is_func)(token.val) {
                    return Err(self.err(format!("function {} not defined", quote(token.val))));
                }
                Arg::Identifier(IdentifierNode {
                    pos,
                    ident: token.val.to_string(),
                })
            }
            ItemType::Dot => Arg::Dot(DotNode { pos }),
            ItemType::Nil => Arg::Nil(NilNode { pos }),
            ItemType::Variable => {
                if !self.st.vars.contains(&token.val) {
                    return Err(self.err(format!("undefined variable {}", quote(token.val))));
                }
                Arg::Variable(VariableNode {
                    pos,
                    ident: vec![token.val.to_string()],
                })
            }
            ItemType::Field => Arg::Field(FieldNode {
                pos,
                ident: vec![token.val[1..].to_string()],
            }),
            ItemType::Bool => Arg::Bool(BoolNode {
                pos,
                value: token.val == "true",
            }),
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                Arg::Number(new_number(pos, token.val, token.typ).map_err(|m| self.err(m))?)
            }
            ItemType::String | ItemType::RawString => {
                let text = unquote(token.val).ok_or_else(|| self.err("invalid syntax"))?;
                Arg::String(StringNode {
                    pos,
                    quoted: token.val.to_string(),
                    text,
                })
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }
}
