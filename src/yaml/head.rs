//! A fast reader of a Kubernetes object's head — `apiVersion`, `kind`, `metadata.name`,
//! `metadata.annotations` — for the plain block-style YAML that rendered manifests are made of.
//!
//! helm unmarshals every rendered document to sort it, so a document that does not parse must
//! still be refused, with go-yaml's words. `object_head` therefore answers only when it is sure:
//! it validates the whole document against a small, safe subset of YAML (block mappings and
//! sequences, one-line plain/quoted scalars, block scalars, one-line flow collections of simple
//! scalars, comments) and returns `None` for anything else — anchors, tags, multi-line scalars,
//! odd indentation, tabs, unusual characters, a head field of the wrong type. The caller then
//! runs the full parser, which gives the value or the exact error. Whenever this returns
//! `Some`, `parse_values` accepts the document and yields the same head.

use std::borrow::Cow;

use super::parse::{PlainScalar, resolve_plain_kind};

/// The fields helm's `releaseutil.SimpleHead` reads, as strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectHead {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// Sorted by key, one value per key (the last one written wins).
    pub annotations: Vec<(String, String)>,
}

/// The head of `doc`, or `None` when the document is outside the subset read here (it may still
/// be valid YAML: the full parser decides).
pub fn object_head(doc: &str) -> Option<ObjectHead> {
    if !plain_text(doc.as_bytes()) {
        return None;
    }
    let mut cursor = Cursor { text: doc, pos: 0, peeked: None, depth: 0 };
    let root = cursor.document()?;
    head_of(root)
}

/// No tabs, carriage returns or other control characters, and none of the characters YAML
/// treats as line breaks, byte order marks or non-printable.
fn plain_text(b: &[u8]) -> bool {
    // Printable ASCII and newlines, checked without branches so that it vectorises.
    let ascii = b.chunks(64).all(|chunk| {
        let mut odd = false;
        for &c in chunk {
            odd |= (c < 0x20) & (c != b'\n') | (c >= 0x7f);
        }
        !odd
    });
    if ascii {
        return true;
    }
    for (i, &c) in b.iter().enumerate() {
        if c < 0x80 {
            if c < 0x20 && c != b'\n' || c == 0x7f {
                return false;
            }
            continue;
        }
        // `b` is UTF-8, so a lead byte has its continuation bytes.
        let next = |k: usize| b.get(i + k).copied().unwrap_or(0);
        let bad = match c {
            // U+0080..U+009F: C1 controls and NEL (a line break in YAML 1.1)
            0xC2 => next(1) < 0xA0,
            // U+2028, U+2029: line and paragraph separators
            0xE2 => next(1) == 0x80 && matches!(next(2), 0xA8 | 0xA9),
            // U+FEFF byte order mark, U+FFFE/U+FFFF non-characters
            0xEF => (next(1) == 0xBB && next(2) == 0xBF) || (next(1) == 0xBF && next(2) >= 0xBE),
            _ => false,
        };
        if bad {
            return false;
        }
    }
    true
}

/// What a node's value is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Only validated.
    Skip,
    /// The document: a mapping whose `apiVersion`, `kind` and `metadata` are read.
    Root,
    /// `metadata`: a mapping (or null) whose `name` and `annotations` are read.
    Meta,
    /// `metadata.annotations`: a mapping of strings, or null.
    Annotations,
    /// A string field: a string or null.
    Str,
}

impl Want {
    /// What a mapping's value under `key` is needed for; `key` is `None` for a key that does not
    /// decode to a string (a bool or number).
    fn child(self, key: Option<&str>) -> Option<Want> {
        Some(match (self, key) {
            (Want::Root, Some("apiVersion" | "kind")) => Want::Str,
            (Want::Root, Some("metadata")) => Want::Meta,
            (Want::Meta, Some("name")) => Want::Str,
            (Want::Meta, Some("annotations")) => Want::Annotations,
            // An annotation key that is not a string would be written as JSON text; not read here.
            (Want::Annotations, None) => return None,
            (Want::Annotations, Some(_)) => Want::Str,
            _ => Want::Skip,
        })
    }
}

/// A node as far as the head needs it.
#[derive(Debug)]
enum Lite {
    /// Validated, not kept.
    Skipped,
    Null,
    Str(String),
    /// Pairs in document order.
    Map(Vec<(String, Lite)>),
}

fn head_of(root: Lite) -> Option<ObjectHead> {
    let mut head = ObjectHead::default();
    let pairs = match root {
        Lite::Null => return Some(head),
        Lite::Map(pairs) => pairs,
        _ => return None,
    };
    let last = |pairs: &mut Vec<(String, Lite)>, key: &str| -> Option<Lite> {
        let i = pairs.iter().rposition(|(k, _)| k == key)?;
        Some(pairs.remove(i).1)
    };
    let mut pairs = pairs;
    head.api_version = string(last(&mut pairs, "apiVersion"))?;
    head.kind = string(last(&mut pairs, "kind"))?;
    match last(&mut pairs, "metadata") {
        None | Some(Lite::Null) => {}
        Some(Lite::Map(mut meta)) => {
            head.name = string(last(&mut meta, "name"))?;
            match last(&mut meta, "annotations") {
                None | Some(Lite::Null) => {}
                Some(Lite::Map(annotations)) => {
                    let mut out: Vec<(String, String)> = Vec::with_capacity(annotations.len());
                    for (k, v) in annotations {
                        out.push((k, string(Some(v))?));
                    }
                    // Stable: of equal keys the later stays last, then wins the dedup below.
                    out.sort_by(|a, b| a.0.cmp(&b.0));
                    let mut deduped: Vec<(String, String)> = Vec::with_capacity(out.len());
                    for (k, v) in out {
                        match deduped.last_mut() {
                            Some(prev) if prev.0 == k => prev.1 = v,
                            _ => deduped.push((k, v)),
                        }
                    }
                    head.annotations = deduped;
                }
                Some(_) => return None,
            }
        }
        Some(_) => return None,
    }
    Some(head)
}

fn string(v: Option<Lite>) -> Option<String> {
    match v {
        None | Some(Lite::Null) => Some(String::new()),
        Some(Lite::Str(s)) => Some(s),
        Some(_) => None,
    }
}

/// Nesting deeper than this is left to the full parser (and keeps recursion shallow).
const MAX_DEPTH: usize = 200;
/// YAML limits a simple key to 1024 characters; longer keys are left to the full parser.
const MAX_KEY: usize = 1000;

/// A line's content: `indent` spaces, then `content` (no newline, trailing blanks kept).
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    indent: usize,
    content: &'a str,
    /// Byte offset just past the line (after its newline, if any).
    next: usize,
}

struct Cursor<'a> {
    text: &'a str,
    /// Start of the next unread line.
    pos: usize,
    /// The next significant line, when already found.
    peeked: Option<Line<'a>>,
    depth: usize,
}

/// `- ` or a lone `-`: a block sequence entry.
fn is_entry(content: &str) -> bool {
    let b = content.as_bytes();
    b.first() == Some(&b'-') && matches!(b.get(1), None | Some(b' '))
}

/// Blanks and, after at least one blank, a comment: nothing more on the line.
fn is_line_end(rest: &str) -> bool {
    let t = rest.trim_start_matches(' ');
    t.is_empty() || (t.len() < rest.len() && t.starts_with('#'))
}

/// How a line's content starts a node.
enum Start<'a> {
    /// `key:` — the key's string (`None` when it decodes to a bool or number) and the text after
    /// the colon.
    Key(Option<Cow<'a, str>>, &'a str),
    /// Not a key: a scalar or flow collection.
    Scalar,
}

impl<'a> Cursor<'a> {
    /// The raw line at `pos`: (content without newline, offset after it).
    fn raw_line(&self, pos: usize) -> (&'a str, usize) {
        let rest = &self.text[pos..];
        match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], pos + i + 1),
            None => (rest, self.text.len()),
        }
    }

    /// The next line holding something other than blanks or a comment. `Err(())` for lines the
    /// subset does not cover (document markers).
    fn peek(&mut self) -> Result<Option<Line<'a>>, ()> {
        if let Some(line) = self.peeked {
            return Ok(Some(line));
        }
        while self.pos < self.text.len() {
            let (raw, next) = self.raw_line(self.pos);
            let content = raw.trim_start_matches(' ');
            if content.is_empty() || content.starts_with('#') {
                self.pos = next;
                continue;
            }
            let indent = raw.len() - content.len();
            if indent == 0 && (content.starts_with("---") || content.starts_with("...")) {
                return Err(());
            }
            let line = Line { indent, content, next };
            self.peeked = Some(line);
            return Ok(Some(line));
        }
        Ok(None)
    }

    fn advance(&mut self, line: Line<'a>) {
        self.pos = line.next;
        self.peeked = None;
    }

    fn document(&mut self) -> Option<Lite> {
        let Some(line) = self.peek().ok()? else {
            return Some(Lite::Null);
        };
        self.advance(line);
        let root = self.mapping(line.indent, line.content, Want::Root)?;
        match self.peek() {
            Ok(None) => Some(root),
            _ => None,
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// A block mapping at `indent` whose first key line's content is `first` (already consumed).
    fn mapping(&mut self, indent: usize, first: &'a str, want: Want) -> Option<Lite> {
        if want == Want::Str {
            return None;
        }
        self.enter()?;
        let mut pairs = Vec::new();
        let mut content = first;
        loop {
            let Start::Key(key, rest) = start_of(content)? else { return None };
            let child = want.child(key.as_deref())?;
            let value = if is_line_end(rest) {
                self.below(indent, true, child)?
            } else {
                self.inline_value(rest.trim_start_matches(' '), indent, child)?
            };
            if want != Want::Skip {
                if let Some(key) = key {
                    if child != Want::Skip {
                        pairs.push((key.into_owned(), value));
                    }
                }
            }
            match self.peek().ok()? {
                Some(line) if line.indent == indent => {
                    self.advance(line);
                    content = line.content;
                }
                Some(line) if line.indent > indent => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(if want == Want::Skip { Lite::Skipped } else { Lite::Map(pairs) })
    }

    /// The value of a key or entry that ends its line: a node on the following lines, indented
    /// more than `container` (or, under a mapping key, a sequence at the same indentation), or
    /// null.
    fn below(&mut self, container: usize, indentless: bool, want: Want) -> Option<Lite> {
        match self.peek().ok()? {
            Some(line) if line.indent > container => {
                self.advance(line);
                if is_entry(line.content) {
                    return self.sequence(line.indent, line.content, false, want);
                }
                match start_of(line.content)? {
                    Start::Key(..) => self.mapping(line.indent, line.content, want),
                    // A scalar on a line of its own: a more indented next line would continue it,
                    // which the caller refuses. Block scalars here are left to the full parser.
                    Start::Scalar if line.content.starts_with(['|', '>']) => None,
                    Start::Scalar => self.inline_value(line.content, container, want),
                }
            }
            Some(line) if line.indent == container && indentless && is_entry(line.content) => {
                self.advance(line);
                self.sequence(line.indent, line.content, true, want)
            }
            _ => Some(Lite::Null),
        }
    }

    /// A block sequence at `indent` whose first entry line's content is `first` (consumed).
    /// `indentless`: under a mapping key at the same indentation, so a non-entry line at
    /// `indent` ends it.
    fn sequence(&mut self, indent: usize, first: &'a str, indentless: bool, want: Want) -> Option<Lite> {
        if want != Want::Skip {
            return None;
        }
        self.enter()?;
        let mut content = first;
        loop {
            let rest = &content[1..];
            if is_line_end(rest) {
                self.below(indent, false, Want::Skip)?;
            } else {
                let node = rest.trim_start_matches(' ');
                let column = indent + 1 + (rest.len() - node.len());
                self.inline_node(column, node, indent)?;
            }
            match self.peek().ok()? {
                Some(line) if line.indent == indent && is_entry(line.content) => {
                    self.advance(line);
                    content = line.content;
                }
                Some(line) if line.indent == indent && indentless => break,
                Some(line) if line.indent >= indent => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Lite::Skipped)
    }

    /// A node after `- ` at `column`, on the entry's line: a compact sequence or mapping, or a
    /// scalar.
    fn inline_node(&mut self, column: usize, content: &'a str, seq_indent: usize) -> Option<Lite> {
        if is_entry(content) {
            return self.sequence(column, content, false, Want::Skip);
        }
        match start_of(content)? {
            Start::Key(..) => self.mapping(column, content, Want::Skip),
            Start::Scalar => self.inline_value(content, seq_indent, Want::Skip),
        }
    }

    /// A value that starts on the current line (`rest`, non-empty, not a comment): a block
    /// scalar, quoted or plain scalar, or flow collection. `container` is the indentation of
    /// the collection holding it.
    fn inline_value(&mut self, rest: &'a str, container: usize, want: Want) -> Option<Lite> {
        match rest.as_bytes()[0] {
            b'|' | b'>' => {
                if want != Want::Skip {
                    return None;
                }
                let header = &rest[1..];
                let header = header.strip_prefix(['-', '+']).unwrap_or(header);
                if !is_line_end(header) {
                    return None;
                }
                self.block_scalar(container)?;
                Some(Lite::Skipped)
            }
            b'"' | b'\'' => {
                let (value, after) = quoted(rest, want != Want::Skip)?;
                if !is_line_end(after) {
                    return None;
                }
                scalar_for(want, value.map_or(Lite::Skipped, |v| Lite::Str(v.into_owned())))
            }
            b'[' | b'{' => {
                let (value, after) = flow(rest, want, 0)?;
                is_line_end(after).then_some(value)
            }
            _ => plain_for(want, block_plain(rest)?),
        }
    }

    /// The lines of a block scalar whose header ended the previous line; `container` is the
    /// indentation of the collection holding it. Only checked: the value is not needed.
    fn block_scalar(&mut self, container: usize) -> Option<()> {
        debug_assert!(self.peeked.is_none());
        let mut indent = None;
        let mut leading_blank = 0;
        while self.pos < self.text.len() {
            let (raw, next) = self.raw_line(self.pos);
            let spaces = raw.len() - raw.trim_start_matches(' ').len();
            let blank = spaces == raw.len();
            match indent {
                None if blank => leading_blank = leading_blank.max(spaces),
                None => {
                    // Content not indented past its container means an empty scalar; leading
                    // blank lines longer than the content's indentation are an odd case.
                    if spaces <= container || leading_blank > spaces {
                        return None;
                    }
                    indent = Some(spaces);
                }
                Some(n) if blank || spaces >= n => {}
                Some(_) => break,
            }
            self.pos = next;
        }
        indent.map(|_| ())
    }
}

/// Whether a plain value is one of the float words that JSON cannot hold (an error in helm).
fn non_finite(text: &str) -> bool {
    matches!(
        text,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
    )
}

/// A scalar as `want` takes it: strings for string fields, nothing else for the head's maps.
fn scalar_for(want: Want, value: Lite) -> Option<Lite> {
    match want {
        Want::Skip | Want::Str => Some(value),
        _ => None,
    }
}

/// Bytes a plain key may hold here; others are left to the full parser.
fn key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/' | b'$' | b'@' | b'+' | b'=' | b'~')
}

/// Reads how `content` starts: a `key:` (plain or quoted key) or a scalar. `None` for what the
/// subset does not cover.
fn start_of(content: &str) -> Option<Start<'_>> {
    let b = content.as_bytes();
    match b[0] {
        b'"' | b'\'' => {
            let (key, after) = quoted(content, true)?;
            let Some(rest) = after.strip_prefix(':') else {
                return Some(Start::Scalar);
            };
            if content.len() - after.len() > MAX_KEY || !(rest.is_empty() || rest.starts_with(' ')) {
                return None;
            }
            return Some(Start::Key(key, rest));
        }
        b'[' | b'{' => return Some(Start::Scalar),
        _ => {}
    }
    // A plain key ends at the first `: ` (or a `:` ending the line); a ` #` first means a
    // scalar and its comment.
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b':' if i + 1 == b.len() || b[i + 1] == b' ' => {
                let key = &content[..i];
                if !plain_key(key) {
                    return None;
                }
                let text = match resolve_plain_kind(key) {
                    PlainScalar::Str => Some(Cow::Borrowed(key)),
                    PlainScalar::Null | PlainScalar::Uint => return None,
                    PlainScalar::Other => None,
                };
                return Some(Start::Key(text, &content[i + 1..]));
            }
            b'#' if i > 0 && b[i - 1] == b' ' => return Some(Start::Scalar),
            _ => i += 1,
        }
    }
    Some(Start::Scalar)
}

fn plain_key(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_KEY
        && b.iter().all(|&c| key_byte(c))
        && (b[0].is_ascii_alphanumeric() || matches!(b[0], b'_' | b'.' | b'/' | b'$') || (b[0] == b'-' && b.len() > 1))
}

/// A one-line plain scalar in block context, its comment cut off: `None` when it starts with an
/// indicator or holds `: ` (a mapping where none may be).
fn block_plain(rest: &str) -> Option<&str> {
    let b = rest.as_bytes();
    let first = b[0];
    let ok_start = match first {
        b'-' => b.get(1).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'/')),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%'
        | b'@' | b'`' => false,
        _ => true,
    };
    if !ok_start {
        return None;
    }
    let mut end = b.len();
    for i in 0..b.len() {
        match b[i] {
            b':' if i + 1 == b.len() || b[i + 1] == b' ' => return None,
            b'#' if b[i - 1] == b' ' => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    Some(rest[..end].trim_end_matches(' '))
}

/// A one-line quoted scalar at the start of `s`: its value (when `keep`) and the text after the
/// closing quote. Double-quoted scalars may use the escapes `\\ \" \n \t \r` only.
fn quoted(s: &str, keep: bool) -> Option<(Option<Cow<'_, str>>, &str)> {
    let b = s.as_bytes();
    let q = b[0];
    // Filled only once an escape is met; until then the value is a slice of `s`.
    let mut out: Option<String> = None;
    let mut i = 1;
    let mut run = 1;
    while i < b.len() {
        let c = b[i];
        if c == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                if keep {
                    out.get_or_insert_with(String::new).push_str(&s[run..=i]);
                }
                i += 2;
                run = i;
                continue;
            }
            let value = keep.then(|| match out {
                None => Cow::Borrowed(&s[1..i]),
                Some(mut o) => {
                    o.push_str(&s[run..i]);
                    Cow::Owned(o)
                }
            });
            return Some((value, &s[i + 1..]));
        }
        if q == b'"' && c == b'\\' {
            let escaped = match b.get(i + 1) {
                Some(b'\\') => '\\',
                Some(b'"') => '"',
                Some(b'n') => '\n',
                Some(b't') => '\t',
                Some(b'r') => '\r',
                _ => return None,
            };
            if keep {
                let o = out.get_or_insert_with(String::new);
                o.push_str(&s[run..i]);
                o.push(escaped);
            }
            i += 2;
            run = i;
            continue;
        }
        i += 1;
    }
    None
}

/// A one-line flow collection of plain and quoted scalars (and nested flow collections) at the
/// start of `s`, read for `want`: its value and the text after its closing bracket.
fn flow(s: &str, want: Want, depth: usize) -> Option<(Lite, &str)> {
    let map = s.as_bytes()[0] == b'{';
    if depth > 32 || want == Want::Str || (!map && want != Want::Skip) {
        return None;
    }
    let close = if map { '}' } else { ']' };
    let mut pairs = Vec::new();
    let mut rest = s[1..].trim_start_matches(' ');
    let done = |pairs, after| {
        let value = if want == Want::Skip { Lite::Skipped } else { Lite::Map(pairs) };
        Some((value, after))
    };
    if let Some(after) = rest.strip_prefix(close) {
        return done(pairs, after);
    }
    loop {
        if map {
            let (key, after) = flow_key(rest)?;
            let child = want.child(key.as_deref())?;
            let (value, after) = flow_value(after.strip_prefix(": ")?.trim_start_matches(' '), child, depth)?;
            if let (Some(key), false) = (key, child == Want::Skip) {
                pairs.push((key.into_owned(), value));
            }
            rest = after.trim_start_matches(' ');
        } else {
            let (_, after) = flow_value(rest, Want::Skip, depth)?;
            rest = after.trim_start_matches(' ');
        }
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start_matches(' ');
            if rest.starts_with([']', '}']) {
                return None;
            }
            continue;
        }
        return done(pairs, rest.strip_prefix(close)?);
    }
}

/// A flow mapping key at the start of `s`: its string (`None` for a bool or number) and the
/// text after it.
fn flow_key(s: &str) -> Option<(Option<Cow<'_, str>>, &str)> {
    let (key, after) = match s.as_bytes().first()? {
        b'"' | b'\'' => quoted(s, true)?,
        b'[' | b'{' => return None,
        _ => {
            let (text, after) = flow_plain(s)?;
            if !after.starts_with(": ") {
                return None;
            }
            let key = match resolve_plain_kind(text) {
                PlainScalar::Null | PlainScalar::Uint => return None,
                PlainScalar::Str => Some(Cow::Borrowed(text)),
                PlainScalar::Other => None,
            };
            (key, after)
        }
    };
    (s.len() - after.len() <= MAX_KEY).then_some((key, after))
}

/// A flow item at the start of `s`, read for `want`: its value and the text after it.
fn flow_value(s: &str, want: Want, depth: usize) -> Option<(Lite, &str)> {
    match s.as_bytes().first()? {
        b'"' | b'\'' => {
            let (value, after) = quoted(s, want != Want::Skip)?;
            Some((scalar_for(want, value.map_or(Lite::Skipped, |v| Lite::Str(v.into_owned())))?, after))
        }
        b'[' | b'{' => flow(s, want, depth + 1),
        _ => {
            let (text, after) = flow_plain(s)?;
            if !after.trim_start_matches(' ').starts_with([',', ']', '}']) {
                return None;
            }
            Some((plain_for(want, text)?, after))
        }
    }
}

/// A plain scalar in a flow collection, limited to one word of simple characters (saphyr reads
/// a `-` after a blank inside one as the start of a new scalar): its text and what follows.
fn flow_plain(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let first = b[0];
    let ok_start = first.is_ascii_alphanumeric()
        || matches!(first, b'_' | b'.' | b'/' | b'$')
        || (first == b'-' && b.get(1).is_some_and(|&c| flow_plain_byte(c)));
    if !ok_start {
        return None;
    }
    let end = b.iter().position(|&c| !flow_plain_byte(c)).unwrap_or(b.len());
    Some(s.split_at(end))
}

fn flow_plain_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/' | b'$' | b'+' | b'=' | b'@')
}

/// A plain scalar's value as `want` takes it; `None` for what the head cannot hold (and for
/// the float words JSON cannot hold, an error in helm).
fn plain_for(want: Want, text: &str) -> Option<Lite> {
    if want == Want::Skip {
        return (!non_finite(text)).then_some(Lite::Skipped);
    }
    match resolve_plain_kind(text) {
        PlainScalar::Null => Some(Lite::Null),
        PlainScalar::Str if want == Want::Str => Some(Lite::Str(text.to_string())),
        _ => None,
    }
}
