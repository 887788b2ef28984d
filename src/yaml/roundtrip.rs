//! YAML documents as go-yaml v3 decodes them into `yaml.Node`s and encodes them back with
//! indent 2: key order, scalar styles and comments kept, layout normalised (sequences in
//! mappings indented, long lines never folded). helmfile's chartify edits manifests this way
//! (namespace injection), so its output is this re-encoding.
//!
//! Covered: block and flow mappings and sequences, all scalar styles, head comments (full-line
//! comments before a key or item), line comments (after a value, or after `key:` of a block),
//! and foot comments (full-line comments after the last entry of a deeper block). Anchors,
//! aliases and explicit tags are refused rather than re-encoded approximately.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::YamlError;
use super::emit::{Ctx, Emitter, Style, is_base60_float, v3_not_plain};
use super::parse::resolves_to_str;

/// One node with its comments (comment lines keep their `#`; "" stands for a blank line
/// between comment lines).
#[derive(Debug, Clone, PartialEq)]
pub struct DocNode {
    pub kind: NodeKind,
    pub head: Vec<String>,
    pub line_comment: Option<String>,
    pub foot: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `plain`: written as a plain scalar when it can be (a new node: quoted when the value
    /// would read back as something other than a string).
    Scalar { value: String, style: ScalarStyle, implicit_str: bool },
    Seq { flow: bool, items: Vec<DocNode> },
    Map { flow: bool, entries: Vec<(DocNode, DocNode)> },
}

impl DocNode {
    /// A new string scalar, as `&yaml.Node{Kind: ScalarNode, Tag: "!!str", Value: v}`.
    pub fn string(value: &str) -> DocNode {
        DocNode::bare(NodeKind::Scalar { value: value.to_string(), style: ScalarStyle::Plain, implicit_str: true })
    }

    fn bare(kind: NodeKind) -> DocNode {
        DocNode { kind, head: Vec::new(), line_comment: None, foot: Vec::new() }
    }

    pub fn scalar_value(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The entries of a mapping node.
    pub fn entries_mut(&mut self) -> Option<&mut Vec<(DocNode, DocNode)>> {
        match &mut self.kind {
            NodeKind::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }
}

/// A document: its root (None for an empty document) and comments around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Option<DocNode>,
}

struct Comment {
    line: usize,
    col: usize,
    text: String,
}

struct Item {
    ev: Event<'static>,
    span: Span,
}

/// Parses every document of `text` into nodes with comments.
pub fn parse_documents_with_comments(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut events: Vec<Item> = Vec::new();
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col(),
            message: format!("yaml: line {}: {}", e.marker().line(), e.info()),
        })?;
        let ev = match ev {
            Event::Scalar(v, style, anchor, tag) => {
                if anchor != 0 {
                    return Err(unsupported(&span, "anchors"));
                }
                if let Some(t) = &tag {
                    // go-yaml keeps only the implicit tags of quoted scalars.
                    if !(t.handle == "tag:yaml.org,2002:" && t.suffix == "str" && style != ScalarStyle::Plain) && !t.suffix.is_empty() {
                        return Err(unsupported(&span, "explicit tags"));
                    }
                }
                Event::Scalar(std::borrow::Cow::Owned(v.into_owned()), style, 0, None)
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) if anchor != 0 || tag.is_some() => {
                return Err(unsupported(&span, "anchors and tags on collections"));
            }
            Event::SequenceStart(..) => Event::SequenceStart(0, None),
            Event::MappingStart(..) => Event::MappingStart(0, None),
            Event::Alias(_) => return Err(unsupported(&span, "aliases")),
            other => owned_event(other),
        };
        events.push(Item { ev, span });
    }
    let chars: Vec<char> = text.chars().collect();
    let lines = line_starts(&chars);
    let comments = full_line_comments(&chars, &lines, &events);
    let mut builder = Builder { chars: &chars, lines: &lines, events: &events, comments, next_comment: 0, pos: 0 };
    builder.documents()
}

fn unsupported(span: &Span, what: &str) -> YamlError {
    YamlError {
        line: span.start.line(),
        column: span.start.col(),
        message: format!("yaml: line {}: {what} are not supported when re-encoding manifests", span.start.line()),
    }
}

/// Character index of each line's start (line 1 at index 0).
fn line_starts(chars: &[char]) -> Vec<usize> {
    let mut out = vec![0];
    for (i, c) in chars.iter().enumerate() {
        if *c == '\n' {
            out.push(i + 1);
        }
    }
    out
}

/// Full-line comments (and blank lines) outside scalars and flow collections.
fn full_line_comments(chars: &[char], lines: &[usize], events: &[Item]) -> Vec<Comment> {
    // Character ranges where a `#` line is content, not a comment.
    let mut covered: Vec<(usize, usize)> = Vec::new();
    let mut flow_starts: Vec<Option<usize>> = Vec::new();
    for it in events {
        match &it.ev {
            Event::Scalar(..) => covered.push((it.span.start.index(), it.span.end.index())),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let c = chars.get(it.span.start.index()).copied();
                flow_starts.push(matches!(c, Some('[' | '{')).then_some(it.span.start.index()));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Some(start)) = flow_starts.pop() {
                    covered.push((start, it.span.end.index()));
                }
            }
            _ => {}
        }
    }
    let inside = |i: usize| covered.iter().any(|&(a, b)| a <= i && i < b);
    let mut out = Vec::new();
    for (n, &start) in lines.iter().enumerate() {
        let end = lines.get(n + 1).map_or(chars.len(), |e| e - 1);
        let line: String = chars[start..end.max(start)].iter().collect();
        let trimmed = line.trim_start();
        let col = line.chars().count() - trimmed.chars().count();
        if trimmed.starts_with('#') && !inside(start + col) {
            out.push(Comment { line: n + 1, col, text: trimmed.trim_end().to_string() });
        } else if trimmed.trim().is_empty() && !inside(start) {
            out.push(Comment { line: n + 1, col: usize::MAX, text: String::new() });
        }
    }
    out
}

struct Builder<'a> {
    chars: &'a [char],
    lines: &'a [usize],
    events: &'a [Item],
    comments: Vec<Comment>,
    next_comment: usize,
    pos: usize,
}

impl Builder<'_> {
    fn documents(&mut self) -> Result<Vec<Document>, YamlError> {
        let mut docs = Vec::new();
        while self.pos < self.events.len() {
            match self.events[self.pos].ev {
                Event::DocumentStart(_) => {
                    self.pos += 1;
                    let root = if matches!(self.events.get(self.pos).map(|i| &i.ev), Some(Event::DocumentEnd)) {
                        None
                    } else {
                        Some(self.node(None)?)
                    };
                    // Everything left before the next document is the root's foot.
                    let limit = self.next_line();
                    let rest = self.take_comments(limit, |_| true);
                    let root = root.map(|mut r| {
                        r.foot.extend(rest);
                        trim_blank(&mut r.foot);
                        r
                    });
                    docs.push(Document { root });
                }
                _ => self.pos += 1,
            }
        }
        Ok(docs)
    }

    /// Line and column of the next non-end event (none at the end of the document).
    /// At the end of a document: the line where the next one starts.
    fn next_position(&self) -> (usize, Option<usize>) {
        match self.events[self.pos..].iter().find(|i| !matches!(i.ev, Event::SequenceEnd | Event::MappingEnd | Event::DocumentEnd)) {
            Some(Item { ev: Event::DocumentStart(_), span }) => (span.start.line(), None),
            Some(Item { ev: Event::StreamEnd, .. }) | None => (usize::MAX, None),
            Some(i) => (i.span.start.line(), Some(i.span.start.col())),
        }
    }

    /// The first line of the next node or document.
    fn next_line(&self) -> usize {
        self.next_position().0
    }

    /// Takes the comments before `line` while `keep` accepts them.
    fn take_comments(&mut self, line: usize, keep: impl Fn(&Comment) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.line >= line || !(c.text.is_empty() || keep(c)) {
                break;
            }
            out.push(c.text.clone());
            self.next_comment += 1;
        }
        out
    }

    /// The comment on the rest of the line after character index `end`, when no other token
    /// follows there.
    fn trailing_comment(&self, end: usize, line: usize, next_start_line: usize) -> Option<String> {
        if next_start_line == line {
            return None;
        }
        let line_end = self.lines.get(line).map_or(self.chars.len(), |e| e - 1);
        if end > line_end {
            return None;
        }
        let rest: String = self.chars[end..line_end].iter().collect();
        let rest = rest.trim_start().trim_start_matches(':').trim_start();
        rest.starts_with('#').then(|| rest.trim_end().to_string())
    }

    fn start_line_after(&self, pos: usize) -> usize {
        self.events.get(pos).map_or(usize::MAX, |i| {
            if matches!(i.ev, Event::SequenceEnd | Event::MappingEnd) && !self.is_flow_end(pos) {
                usize::MAX
            } else {
                i.span.start.line()
            }
        })
    }

    fn is_flow_end(&self, pos: usize) -> bool {
        let i = &self.events[pos];
        matches!(self.chars.get(i.span.start.index()), Some(']' | '}'))
    }

    /// Builds the node starting at the current event. `owner_col` is the column below which
    /// a trailing full-line comment no longer belongs to this node's block.
    fn node(&mut self, owner_col: Option<usize>) -> Result<DocNode, YamlError> {
        let Item { ev, span } = &self.events[self.pos];
        let span = *span;
        self.pos += 1;
        match ev {
            Event::Scalar(value, style, _, _) => {
                let mut n = DocNode::bare(NodeKind::Scalar { value: value.to_string(), style: *style, implicit_str: false });
                if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    let next = self.start_line_after(self.pos);
                    n.line_comment = self.trailing_comment(span.end.index(), span.end.line(), next);
                }
                Ok(n)
            }
            Event::SequenceStart(..) => {
                let flow = matches!(self.chars.get(span.start.index()), Some('['));
                let dash_col = span.start.col();
                let mut items = Vec::new();
                loop {
                    match self.events[self.pos].ev {
                        Event::SequenceEnd => break,
                        _ => {
                            let line = self.events[self.pos].span.start.line();
                            let head = if flow { Vec::new() } else { self.take_comments(line, |_| true) };
                            let mut item = self.node(Some(dash_col))?;
                            item.head = trimmed(head);
                            items.push(item);
                        }
                    }
                }
                let end = self.events[self.pos].span;
                self.pos += 1;
                let mut n = DocNode::bare(NodeKind::Seq { flow, items });
                self.finish_collection(&mut n, flow, end, owner_col);
                Ok(n)
            }
            Event::MappingStart(..) => {
                let flow = matches!(self.chars.get(span.start.index()), Some('{'));
                let mut entries = Vec::new();
                loop {
                    match self.events[self.pos].ev {
                        Event::MappingEnd => break,
                        _ => {
                            let key_span = self.events[self.pos].span;
                            let head = if flow { Vec::new() } else { self.take_comments(key_span.start.line(), |_| true) };
                            let mut key = self.node(None)?;
                            key.head = trimmed(head);
                            let value = self.node(Some(key_span.start.col()))?;
                            entries.push((key, value));
                        }
                    }
                }
                let end = self.events[self.pos].span;
                self.pos += 1;
                let mut n = DocNode::bare(NodeKind::Map { flow, entries });
                self.finish_collection(&mut n, flow, end, owner_col);
                Ok(n)
            }
            _ => Err(YamlError {
                line: span.start.line(),
                column: span.start.col(),
                message: format!("yaml: line {}: unexpected event", span.start.line()),
            }),
        }
    }

    /// A flow collection's line comment; a block collection's foot comments (full-line
    /// comments before the next token that sit deeper than the owner's column).
    fn finish_collection(&mut self, n: &mut DocNode, flow: bool, end: Span, owner_col: Option<usize>) {
        if flow {
            let next = self.start_line_after(self.pos);
            n.line_comment = self.trailing_comment(end.end.index(), end.end.line(), next);
            return;
        }
        if owner_col.is_none() {
            return;
        }
        // go-yaml gives comments that sit deeper than the next token to the innermost block
        // that ends before it.
        // At the end of the document they are the document's.
        let (limit, Some(next_col)) = self.next_position() else { return };
        let mut foot = self.take_comments(limit, |c| c.col > next_col);
        trim_blank(&mut foot);
        n.foot = foot;
    }
}

fn trimmed(mut lines: Vec<String>) -> Vec<String> {
    trim_blank(&mut lines);
    lines
}

/// Drops blank lines around a comment block (blank lines inside it stay).
fn trim_blank(lines: &mut Vec<String>) {
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
}

/// Encodes documents as go-yaml v3's `Encoder` with `SetIndent(2)` does, one after another
/// (`---` between them).
pub fn encode_documents(docs: &[Document]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let mut e = Emitter::new();
        e.v3 = true;
        e.width = usize::MAX;
        match &doc.root {
            None => e.out.push_str("null\n"),
            Some(root) => {
                let mut w = Writer { e };
                w.comments(&root.head);
                w.node(root, Ctx { root: true, mapping: false, simple_key: false });
                w.line_comment(root);
                w.e.write_indent();
                w.foot(&root.foot);
                e = w.e;
            }
        }
        let mut text = e.out;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        out.push_str(&text);
    }
    out
}

struct Writer {
    e: Emitter,
}

impl Writer {
    /// Starts a fresh line: drops indentation already written on this line, else breaks.
    fn line_start(&mut self) {
        if self.e.column == 0 {
            return;
        }
        let line = self.e.out.rsplit('\n').next().unwrap_or_default();
        if !line.is_empty() && line.bytes().all(|b| b == b' ') {
            let keep = self.e.out.len() - line.len();
            self.e.out.truncate(keep);
            self.e.column = 0;
        } else {
            self.e.put_break();
        }
    }

    /// Full-line comments at the current indentation.
    fn comments(&mut self, lines: &[String]) {
        for l in lines {
            self.line_start();
            if l.is_empty() {
                self.e.put_break();
                continue;
            }
            for _ in 0..self.e.indent.max(0) {
                self.e.put(' ');
            }
            self.e.out.push_str(l);
            self.e.put_break();
            self.e.whitespace = true;
            self.e.indention = true;
        }
    }

    fn line_comment(&mut self, n: &DocNode) {
        if let Some(c) = &n.line_comment {
            self.e.out.push(' ');
            self.e.out.push_str(c);
            self.e.column += 1 + c.chars().count();
            self.e.whitespace = false;
        }
    }

    /// Foot comments: at the indentation of the block's entries.
    fn foot(&mut self, lines: &[String]) {
        if !lines.is_empty() {
            self.comments(lines);
        }
    }

    fn node(&mut self, n: &DocNode, ctx: Ctx) {
        match &n.kind {
            NodeKind::Scalar { value, style, implicit_str } => {
                let requested = match style {
                    ScalarStyle::SingleQuoted => Style::Single,
                    ScalarStyle::DoubleQuoted => Style::Double,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                    _ if value.contains('\n') => Style::Literal,
                    _ if *implicit_str && !(resolves_to_str(value) && !is_base60_float(value) && !v3_not_plain(value)) => Style::Double,
                    _ => Style::Plain,
                };
                self.e.scalar(value, requested, ctx);
            }
            NodeKind::Seq { items, .. } if items.is_empty() => self.e.empty_flow("[", "]"),
            NodeKind::Map { entries, .. } if entries.is_empty() => self.e.empty_flow("{", "}"),
            NodeKind::Seq { flow: true, items } => {
                self.e.indicator("[", true, true, false);
                self.e.increase_indent(true, false);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.e.indicator(",", false, false, false);
                    }
                    self.flow_node(item);
                }
                self.e.pop_indent();
                self.e.indicator("]", false, false, false);
            }
            NodeKind::Map { flow: true, entries } => {
                self.e.indicator("{", true, true, false);
                self.e.increase_indent(true, false);
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.e.indicator(",", false, false, false);
                    }
                    self.flow_node_key(k);
                    self.e.indicator(":", false, false, false);
                    self.flow_node(v);
                }
                self.e.pop_indent();
                self.e.indicator("}", false, false, false);
            }
            NodeKind::Seq { items, .. } => {
                self.e.increase_indent(false, false);
                for item in items {
                    self.e.write_indent();
                    self.comments(&item.head);
                    self.e.write_indent();
                    self.e.indicator("-", true, false, true);
                    self.node(item, Ctx { root: false, mapping: false, simple_key: false });
                    self.line_comment(item);
                    if !item.foot.is_empty() {
                        self.e.increase_indent(false, false);
                        self.e.write_indent();
                        self.foot(&item.foot);
                        self.e.pop_indent();
                    }
                }
                self.e.pop_indent();
            }
            NodeKind::Map { entries, .. } => {
                self.e.increase_indent(false, false);
                for (k, v) in entries {
                    self.e.write_indent();
                    if !k.head.is_empty() {
                        // A mapping that is a sequence item starts on the dash's line.
                        if self.e.column > self.e.indent.max(0) as usize {
                            self.e.put_break();
                        }
                        self.comments(&k.head);
                        self.e.write_indent();
                    }
                    self.e.scalar(k.scalar_value().unwrap_or_default(), key_style(k), Ctx { root: false, mapping: true, simple_key: true });
                    self.e.indicator(":", false, false, false);
                    let block = matches!(&v.kind, NodeKind::Seq { flow: false, items } if !items.is_empty())
                        || matches!(&v.kind, NodeKind::Map { flow: false, entries } if !entries.is_empty());
                    if block {
                        self.line_comment(k);
                    }
                    self.node(v, Ctx { root: false, mapping: true, simple_key: false });
                    if !block {
                        self.line_comment(v);
                    }
                    if !v.foot.is_empty() {
                        self.e.increase_indent(false, false);
                        self.e.write_indent();
                        self.foot(&v.foot);
                        self.e.pop_indent();
                    }
                }
                self.e.pop_indent();
            }
        }
    }

    fn flow_node_key(&mut self, k: &DocNode) {
        self.e.scalar(k.scalar_value().unwrap_or_default(), key_style(k), Ctx { root: false, mapping: true, simple_key: true });
    }

    fn flow_node(&mut self, n: &DocNode) {
        self.node(n, Ctx { root: false, mapping: false, simple_key: false });
    }
}

fn key_style(k: &DocNode) -> Style {
    match &k.kind {
        NodeKind::Scalar { style: ScalarStyle::SingleQuoted, .. } => Style::Single,
        NodeKind::Scalar { style: ScalarStyle::DoubleQuoted, .. } => Style::Double,
        _ => Style::Plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> String {
        encode_documents(&parse_documents_with_comments(text).unwrap())
    }

    #[test]
    fn normalises_layout_and_keeps_styles_and_comments() {
        let input = "# head\napiVersion: v1\nkind: ConfigMap # kind\nmetadata:   # md\n  name: a\n  labels: {a: b, \"c\": d}\ndata:\n  list:\n  # item\n  - a # a\n  - b: c\n    d: e\n  k: \"1\"\n  s: 'q'\n  lit: |\n    x\n      y\n  empty:\n";
        let want = "# head\napiVersion: v1\nkind: ConfigMap # kind\nmetadata: # md\n  name: a\n  labels: {a: b, \"c\": d}\ndata:\n  list:\n    # item\n    - a # a\n    - b: c\n      d: e\n  k: \"1\"\n  s: 'q'\n  lit: |\n    x\n      y\n  empty:\n";
        assert_eq!(roundtrip(input), want);
    }
}

/// A parser event that no longer borrows the text it was read from.
pub fn owned_event(ev: Event<'_>) -> Event<'static> {
    use std::borrow::Cow;
    let owned = |t: Cow<'_, saphyr_parser::Tag>| Cow::Owned(t.into_owned());
    match ev {
        Event::Scalar(v, style, anchor, tag) => Event::Scalar(Cow::Owned(v.into_owned()), style, anchor, tag.map(owned)),
        Event::SequenceStart(a, t) => Event::SequenceStart(a, t.map(owned)),
        Event::MappingStart(a, t) => Event::MappingStart(a, t.map(owned)),
        Event::Alias(a) => Event::Alias(a),
        Event::StreamStart => Event::StreamStart,
        Event::StreamEnd => Event::StreamEnd,
        Event::DocumentStart(b) => Event::DocumentStart(b),
        Event::DocumentEnd => Event::DocumentEnd,
        Event::SequenceEnd => Event::SequenceEnd,
        Event::MappingEnd => Event::MappingEnd,
        Event::Nothing => Event::Nothing,
    }
}
