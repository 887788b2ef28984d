//! YAML text → values, as helm sees them through `sigs.k8s.io/yaml.Unmarshal`: go-yaml v2
//! decodes into `interface{}` with YAML 1.1 resolution, the result goes through JSON, and
//! `encoding/json` decodes it again. So every number ends up a float64, keys become strings
//! (`true`, `1`, `0.5`), and NaN/Inf values are an error (JSON has no such numbers).
//!
//! Events come from `saphyr-parser`; node building, alias expansion (with go-yaml's
//! excessive-aliasing guard), merge keys and scalar resolution are ours.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use crate::value::{Map, Value, format_float};

use super::YamlError;

const CORE: &str = "tag:yaml.org,2002:";

/// One node of the document tree; children are indices into the arena.
enum Kind {
    Scalar {
        value: String,
        plain: bool,
        tag: Option<String>,
    },
    Seq(Vec<usize>),
    /// Keys and values alternating.
    Map(Vec<usize>),
    /// Refers to the anchored node; `name` only for messages.
    Alias(usize),
}

struct Node {
    kind: Kind,
    line: usize,
}

/// Parses the first document of `text` the way helm reads a values file. An empty document
/// gives `Value::Nil`.
pub fn parse_values(text: &str) -> Result<Value, YamlError> {
    with_tab_values(text, |text, original| {
        let mut reader = Reader::new(text, original);
        match reader.next_document() {
            Ok(Some(doc)) => Ok(doc.decode()),
            Ok(None) => Ok(Ok(Value::Nil)),
            Err(e) => Err((e, reader.tab_after_colon)),
        }
    })
}

/// Parses every document of a `---`-separated stream, each as `parse_values` would.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    parse_documents_as(text, false)
}

/// Parses every document as go-yaml decodes into `interface{}` without the JSON round trip
/// (what helmfile does with its own files): integers stay Go `int`s, and only true/false are
/// booleans (helmfile reads its files with YAML 1.2 booleans).
pub fn parse_documents_go(text: &str) -> Result<Vec<Value>, YamlError> {
    parse_documents_as(text, true)
}

fn parse_documents_as(text: &str, go_types: bool) -> Result<Vec<Value>, YamlError> {
    with_tab_values(text, |text, original| {
        let mut reader = Reader::new(text, original);
        let mut out = Vec::new();
        loop {
            match reader.next_document() {
                Ok(Some(doc)) => match doc.decode_as(go_types) {
                    Ok(v) => out.push(v),
                    Err(e) => return Ok(Err(e)),
                },
                Ok(None) => return Ok(Ok(out)),
                Err(e) => return Err((e, reader.tab_after_colon)),
            }
        }
    })
}

/// go-yaml accepts tabs saphyr rejects — after a mapping key's `:` (`a:\tb`) and leading a
/// continuation line of a quoted scalar — where they only separate tokens or are folded away:
/// such a tab is read as a space and the text parsed again. The tab checks that follow a
/// successful parse look at the original text, so tabs go-yaml refuses are still refused.
fn with_tab_values<T>(
    text: &str,
    parse: impl Fn(&str, &str) -> Result<Result<T, YamlError>, (YamlError, Option<usize>)>,
) -> Result<T, YamlError> {
    let mut owned: Option<String> = None;
    for _ in 0..10_000 {
        let current = owned.as_deref().unwrap_or(text);
        match parse(current, text) {
            Ok(result) => return result,
            Err((e, Some(at))) if current.as_bytes().get(at) == Some(&b'\t') => {
                let mut next = current.to_string();
                next.replace_range(at..at + 1, " ");
                owned = Some(next);
                let _ = e;
            }
            Err((e, _)) => return Err(e),
        }
    }
    Err(YamlError::plain("too many tabs after ':'"))
}

struct Reader<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    text: &'a str,
    /// The text before tabs were read as spaces (`with_tab_values`), for the tab checks.
    original: &'a str,
    done: bool,
    /// Byte offset of a tab after `:` that saphyr refused (see `with_tab_values`).
    tab_after_colon: Option<usize>,
    /// Character ranges where tabs are content or separators go-yaml allows: quoted and
    /// block scalars, flow collections.
    exempt: Vec<(usize, usize)>,
    /// Open collections: their start, when in flow style.
    flows: Vec<Option<usize>>,
    tab_scan: TabScan,
    /// Byte offset of every character, for non-ASCII text: saphyr's markers count characters,
    /// and looking one up by scanning from the start made parsing quadratic.
    char_bytes: Option<Vec<usize>>,
}

/// A parsed document: node arena and its root.
struct Doc {
    nodes: Vec<Node>,
    root: Option<usize>,
}

thread_local! {
    /// The last document's emptied node arena, reused by the next one: a manifest is parsed one
    /// small document at a time, and growing a fresh arena for each was a good part of the cost.
    static SPARE_NODES: std::cell::RefCell<Vec<Node>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Arenas up to this many nodes are kept for reuse (a few MiB), larger ones freed.
const SPARE_NODES_MAX: usize = 1 << 16;

fn spare_nodes() -> Vec<Node> {
    SPARE_NODES.with(|s| s.try_borrow_mut().map(|mut s| std::mem::take(&mut *s)).unwrap_or_default())
}

impl Drop for Doc {
    fn drop(&mut self) {
        let mut nodes = std::mem::take(&mut self.nodes);
        if nodes.capacity() > SPARE_NODES_MAX {
            return;
        }
        nodes.clear();
        SPARE_NODES.with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && nodes.capacity() > s.capacity()
            {
                *s = nodes;
            }
        });
    }
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, original: &'a str) -> Self {
        Reader {
            parser: Parser::new_from_str(text),
            text,
            original,
            done: false,
            tab_after_colon: None,
            exempt: Vec::new(),
            flows: Vec::new(),
            tab_scan: TabScan::default(),
            char_bytes: (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect()),
        }
    }

    /// The byte offset of a saphyr marker's (character) index.
    fn byte_of(&self, index: usize) -> usize {
        match &self.char_bytes {
            None => index,
            Some(offsets) => offsets.get(index).copied().unwrap_or(self.text.len()),
        }
    }

    /// The character at a saphyr marker's (character) index.
    fn char_at(&self, index: usize) -> Option<char> {
        self.text.get(self.byte_of(index)..)?.chars().next()
    }

    fn event(&mut self) -> Result<Option<(Event<'a>, Span)>, YamlError> {
        match self.parser.next_event() {
            None => Ok(None),
            Some(Ok(ev)) => Ok(Some(ev)),
            Some(Err(e)) => {
                if e.info().contains("':' must be followed by a valid YAML whitespace") {
                    self.tab_after_colon = colon_tab_near(self.text, char_to_byte(self.text, e.marker().index()));
                } else if e.info().contains("tab cannot be used as indentation") {
                    self.tab_after_colon = leading_tab_of_line(self.text, char_to_byte(self.text, e.marker().index()));
                }
                Err(scan_error(&e, self.text))
            }
        }
    }

    /// Reads events up to the end of the next document; `None` at the end of the stream.
    fn next_document(&mut self) -> Result<Option<Doc>, YamlError> {
        if self.done {
            return Ok(None);
        }
        let mut nodes: Vec<Node> = spare_nodes();
        // anchor id (saphyr's, stream-wide) → node index in this document
        let mut anchors: HashMap<usize, usize> = HashMap::new();
        // open collections: node index
        let mut stack: Vec<usize> = Vec::new();
        let mut root = None;
        let mut in_doc = false;
        loop {
            let event = self.event()?;
            if let Some((ev, span)) = &event {
                match ev {
                    Event::Scalar(_, style, _, _) if *style != ScalarStyle::Plain => {
                        self.exempt.push((span.start.index(), span.end.index()));
                    }
                    Event::SequenceStart(..) | Event::MappingStart(..) => {
                        let c = self.char_at(span.start.index());
                        self.flows.push(matches!(c, Some('[' | '{')).then_some(span.start.index()));
                    }
                    Event::SequenceEnd | Event::MappingEnd => {
                        if let Some(Some(start)) = self.flows.pop() {
                            self.exempt.push((start, span.end.index()));
                        }
                    }
                    Event::DocumentEnd => {
                        check_leading_tabs(self.original, &self.exempt, span.end.index(), &mut self.tab_scan)?
                    }
                    _ => {}
                }
            } else if in_doc {
                check_leading_tabs(self.original, &self.exempt, usize::MAX, &mut self.tab_scan)?;
            }
            let Some((ev, span)) = event else {
                self.done = true;
                return Ok(if in_doc {
                    Some(Doc { nodes, root })
                } else {
                    None
                });
            };
            let line = span.start.line();
            let new = match ev {
                Event::StreamStart | Event::Nothing => continue,
                Event::StreamEnd => {
                    self.done = true;
                    return Ok(if in_doc {
                        Some(Doc { nodes, root })
                    } else {
                        None
                    });
                }
                Event::DocumentStart(_) => {
                    in_doc = true;
                    continue;
                }
                Event::DocumentEnd => return Ok(Some(Doc { nodes, root })),
                Event::Alias(id) => {
                    let Some(&target) = anchors.get(&id) else {
                        return Err(YamlError::at(
                            line,
                            span.start.col(),
                            "unknown anchor referenced",
                        ));
                    };
                    Some(Node {
                        kind: Kind::Alias(target),
                        line,
                    })
                }
                Event::Scalar(value, style, anchor, tag) => {
                    if style == ScalarStyle::DoubleQuoted {
                        let (start, end) = (self.byte_of(span.start.index()), self.byte_of(span.end.index()));
                        check_yaml11_escapes(self.text, start, end)?;
                    }
                    let plain = style == ScalarStyle::Plain;
                    let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                    let idx = nodes.len();
                    nodes.push(Node {
                        kind: Kind::Scalar {
                            value: value.into_owned(),
                            plain,
                            tag,
                        },
                        line,
                    });
                    if anchor != 0 {
                        anchors.insert(anchor, idx);
                    }
                    attach(&mut nodes, &stack, &mut root, idx);
                    None
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    // go-yaml's nesting limit; decoding recurses per level, so it also keeps
                    // deep documents from overflowing the stack.
                    if stack.len() >= MAX_DEPTH {
                        return Err(YamlError::plain(&format!("exceeded max depth of {MAX_DEPTH}")));
                    }
                    let kind = if matches!(ev, Event::SequenceStart(..)) {
                        Kind::Seq(Vec::new())
                    } else {
                        Kind::Map(Vec::new())
                    };
                    let idx = nodes.len();
                    nodes.push(Node { kind, line });
                    // Registered before the children so that a self-reference is detected
                    // when decoding, as go-yaml does.
                    if anchor != 0 {
                        anchors.insert(anchor, idx);
                    }
                    attach(&mut nodes, &stack, &mut root, idx);
                    stack.push(idx);
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                    None
                }
            };
            if let Some(node) = new {
                let idx = nodes.len();
                nodes.push(node);
                attach(&mut nodes, &stack, &mut root, idx);
            }
        }
    }
}

/// The byte offset of the character at `index` (saphyr's markers count characters); the end of
/// the text past the last one. Only used on error paths.
fn char_to_byte(text: &str, index: usize) -> usize {
    text.char_indices().nth(index).map_or(text.len(), |(b, _)| b)
}

/// go-yaml v2's `max_depth`.
const MAX_DEPTH: usize = 10_000;

fn attach(nodes: &mut [Node], stack: &[usize], root: &mut Option<usize>, idx: usize) {
    match stack.last() {
        Some(&parent) => match &mut nodes[parent].kind {
            Kind::Seq(items) | Kind::Map(items) => items.push(idx),
            _ => {}
        },
        None => *root = Some(idx),
    }
}

/// Tabs go-yaml v2's scanner refuses where saphyr reads them as blanks: a tab starting a line's
/// content in block context ("found character that cannot start any token"), or one below the
/// indentation of a plain scalar that may continue ("found a tab character that violates
/// indentation"). Checked up to character index `end`.
fn check_leading_tabs(text: &str, exempt: &[(usize, usize)], end: usize, scan: &mut TabScan) -> Result<(), YamlError> {
    if !text.contains('\t') {
        return Ok(());
    }
    // Disjoint, sorted ranges for a binary search.
    let mut ranges: Vec<(usize, usize)> = exempt.to_vec();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let exempted = |at: usize| {
        let i = merged.partition_point(|&(a, _)| a <= at);
        i > 0 && at < merged[i - 1].1
    };
    // Lines already checked for an earlier document are not checked again.
    while scan.byte <= text.len() {
        let line_end = text[scan.byte..].find('\n').map_or(text.len(), |i| scan.byte + i);
        let line = &text[scan.byte..line_end];
        let (start, line0) = (scan.char_at, scan.line0);
        if start >= end {
            break;
        }
        scan.byte = line_end + 1;
        scan.char_at += line.chars().count() + 1;
        scan.line0 += 1;
        let prev = scan.prev;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[spaces..];
        // `- ` entries: a tab right after the dash is where a token must start.
        let (tab_col, after_dash) = if rest.starts_with('\t') {
            (Some(spaces), false)
        } else if rest.starts_with("-\t") {
            (Some(spaces + 1), true)
        } else {
            (None, false)
        };
        if let Some(col) = tab_col {
            if !exempted(start + col) {
                let content = rest.trim_start_matches(['\t', ' ']);
                let blank = content.is_empty() || content.starts_with('#');
                let err = |msg: &str| {
                    if line0 == 0 { YamlError::plain(msg) } else { YamlError::at(line0 + 1, col, msg) }
                };
                match prev {
                    Some((indent, true)) if !after_dash => {
                        if col < indent + 1 {
                            return Err(err("found a tab character that violates indentation"));
                        }
                    }
                    _ => return Err(err("found character that cannot start any token")),
                }
                if blank {
                    continue;
                }
            }
        }
        let trimmed = rest.trim_end();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let last = trimmed.chars().last().unwrap_or(' ');
        let plain_end = !trimmed.contains(" #")
            && !matches!(last, ':' | '"' | '\'' | '|' | '>' | ']' | '}' | ',' | '[' | '{' | '-')
            && !exempted(start + spaces + trimmed.chars().count() - 1);
        scan.prev = Some((spaces, plain_end));
    }
    Ok(())
}

/// Where `check_leading_tabs` stopped: byte and character offsets of the next line, its
/// 0-based number, and the last content line's indentation and whether it ended in a plain
/// scalar.
#[derive(Debug, Default)]
struct TabScan {
    byte: usize,
    char_at: usize,
    line0: usize,
    prev: Option<(usize, bool)>,
}

/// The byte offset of the first tab in the leading blanks of the line holding character `at`.
fn leading_tab_of_line(text: &str, at: usize) -> Option<usize> {
    let byte = text.char_indices().nth(at).map_or(text.len(), |(b, _)| b);
    let line_start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
    let blanks = text[line_start..].len() - text[line_start..].trim_start_matches([' ', '\t']).len();
    text[line_start..line_start + blanks].find('\t').map(|i| line_start + i)
}

/// The byte offset of the tab in the `:\t` nearest to character index `at`.
fn colon_tab_near(text: &str, at: usize) -> Option<usize> {
    let byte = text.char_indices().nth(at).map_or(text.len(), |(b, _)| b);
    let from = byte.saturating_sub(4);
    let from = (0..=from).rev().find(|&b| text.is_char_boundary(b)).unwrap_or(0);
    let window_end = (byte + 4).min(text.len());
    let window_end = (window_end..=text.len()).find(|&b| text.is_char_boundary(b)).unwrap_or(text.len());
    text[from..window_end].find(":\t").map(|i| from + i + 1)
}

/// go-yaml v2 knows YAML 1.1's escapes only: `\/` (YAML 1.2) is "found unknown escape character",
/// reported at the escape's line (scanner-error rules) or, on the first line, with no line.
fn check_yaml11_escapes(text: &str, start: usize, end: usize) -> Result<(), YamlError> {
    let Some(scalar) = text.get(start..end.min(text.len())) else { return Ok(()) };
    let mut chars = scalar.char_indices().map(|(i, c)| (start + i, c)).peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        match chars.next() {
            Some((_, '/')) => {
                let line0 = text[..at].matches('\n').count();
                let msg = "found unknown escape character";
                return Err(if line0 == 0 { YamlError::plain(msg) } else { YamlError::at(line0 + 1, 0, msg) });
            }
            _ => continue,
        }
    }
    Ok(())
}

/// Maps saphyr's scanner/parser messages to go-yaml v2's wording and line rules. go-yaml
/// (`parser.fail`) names the problem's 0-based line, plus one for scanner errors only; when that
/// is 0 it falls back to the context's 0-based line, and names no line when that is 0 too.
fn scan_error(e: &ScanError, text: &str) -> YamlError {
    let m = e.marker();
    let info = e.info();
    // saphyr's 1-based line of its marker.
    let line = m.line();
    let scanner = |msg: &str, problem_line0: usize| -> YamlError {
        match problem_line0 {
            0 => YamlError::plain(msg),
            l => YamlError::at(l + 1, m.col(), msg),
        }
    };
    let parser = |msg: &str| -> YamlError {
        match line.saturating_sub(1) {
            0 => YamlError::plain(msg),
            l => YamlError::at(l, m.col(), msg),
        }
    };
    if info.contains("found unknown anchor") {
        let at = char_to_byte(text, m.index());
        let name: String = text
            .get(at..)
            .and_then(|rest| rest.find('*').map(|i| &rest[i + 1..]))
            .or_else(|| text[..at].rfind('*').map(|i| &text[i + 1..]))
            .unwrap_or("")
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .collect();
        return YamlError::plain(&format!("unknown anchor '{name}' referenced"));
    }
    for msg in [
        "did not find expected key",
        "did not find expected '-' indicator",
        "did not find expected node content",
    ] {
        if info.contains(msg) {
            return parser(msg);
        }
    }
    if info.contains("expected ',' or ']'") || info.contains("expected ',' or '}'") {
        let close = if info.contains("']'") { ']' } else { '}' };
        return parser(&format!("did not find expected ',' or '{close}'"));
    }
    if info.contains("invalid trailing content after") {
        return parser("did not find expected key");
    }
    if info.contains("unexpected end of stream") && info.contains("quoted") {
        // The problem is at the end of the input; the context is where the scalar began.
        let eof_line0 = text.matches('\n').count();
        let msg = "found unexpected end of stream";
        return match eof_line0 {
            0 => scanner(msg, line.saturating_sub(1)),
            l => YamlError::at(l + 1, 0, msg),
        };
    }
    let msg = if info.contains("mapping values are not allowed") {
        "mapping values are not allowed in this context"
    } else if info.contains("block sequence entries are not allowed") {
        "block sequence entries are not allowed in this context"
    } else if info.contains("found character that cannot start any token")
        || info.contains("unexpected character:")
        || info.contains("tabs disallowed")
    {
        "found character that cannot start any token"
    } else if info.contains("while scanning a plain scalar, found a tab") {
        // saphyr stops at the scalar; go-yaml reports the next line, where the tab is.
        return YamlError::at(line + 1, 0, "found a tab character that violates indentation");
    } else if info.contains("must be followed by a valid YAML whitespace") && info.starts_with("'-'") {
        "found character that cannot start any token"
    } else if info.contains("found unknown escape character") {
        "found unknown escape character"
    } else if info.contains("simple key expect ':'") {
        "could not find expected ':'"
    } else {
        return YamlError::at(line, m.col(), info);
    };
    scanner(msg, line.saturating_sub(1))
}

// go-yaml v2's excessive-aliasing guard (decode.go), reproduced so billion-laughs documents
// fail the same way rather than exhausting memory.
const ALIAS_RATIO_LOW: f64 = 400_000.0;
const ALIAS_RATIO_HIGH: f64 = 4_000_000.0;

fn allowed_alias_ratio(count: usize) -> f64 {
    let c = count as f64;
    if c <= ALIAS_RATIO_LOW {
        0.99
    } else if c >= ALIAS_RATIO_HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((c - ALIAS_RATIO_LOW) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW))
    }
}

struct Decoder<'d> {
    nodes: &'d [Node],
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
    /// Alias nodes being expanded, to catch an anchor that contains itself.
    active: Vec<usize>,
    /// Keep integers as Go `int` (no JSON round trip).
    go_types: bool,
}

/// What go-yaml v2 produces for a scalar in an `interface{}`; text borrowed from the node
/// where it is the node's own (one allocation per scalar, for the value or key it becomes).
enum Scalar<'s> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(Cow<'s, str>),
}

impl Doc {
    fn decode(&self) -> Result<Value, YamlError> {
        self.decode_as(false)
    }

    fn decode_as(&self, go_types: bool) -> Result<Value, YamlError> {
        let Some(root) = self.root else {
            return Ok(Value::Nil);
        };
        let mut d = Decoder {
            nodes: &self.nodes,
            decode_count: 1,
            alias_count: 0,
            alias_depth: 0,
            active: Vec::new(),
            go_types,
        };
        d.value(root)
    }
}

impl Decoder<'_> {
    /// Counts a node visit the way go-yaml's `unmarshal` does.
    fn count(&mut self) -> Result<(), YamlError> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(YamlError::plain("document contains excessive aliasing"));
        }
        Ok(())
    }

    /// Follows aliases (counting them) to the node that holds content.
    fn value(&mut self, idx: usize) -> Result<Value, YamlError> {
        self.count()?;
        let node = &self.nodes[idx];
        match &node.kind {
            Kind::Alias(target) => {
                let target = *target;
                self.enter_alias(idx)?;
                let v = self.value(target);
                self.leave_alias();
                v
            }
            Kind::Scalar { .. } => match (self.go_types, self.scalar(idx)?) {
                (true, Scalar::Int(i)) => Ok(Value::Int(i)),
                (true, Scalar::Float(f)) => Ok(Value::Float(f)),
                (_, s) => scalar_value(s),
            },
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for &i in items {
                    out.push(self.value(i)?);
                }
                Ok(Value::list(out))
            }
            Kind::Map(_) => {
                let mut entries = BTreeMap::new();
                self.fill_map(idx, &mut entries)?;
                Ok(Value::Map(Map::from_entries(entries)))
            }
        }
    }

    fn enter_alias(&mut self, idx: usize) -> Result<(), YamlError> {
        if self.active.contains(&idx) {
            return Err(YamlError::plain("anchor value contains itself"));
        }
        self.active.push(idx);
        self.alias_depth += 1;
        Ok(())
    }

    fn leave_alias(&mut self) {
        self.active.pop();
        self.alias_depth -= 1;
    }

    fn scalar(&self, idx: usize) -> Result<Scalar<'_>, YamlError> {
        let Kind::Scalar { value, plain, tag } = &self.nodes[idx].kind else {
            return Ok(Scalar::Nil);
        };
        let resolved = resolve(value, *plain, tag.as_deref()).map_err(|m| YamlError::plain(&m))?;
        // helmfile's own YAML (goccy/go-yaml in 0.166's v1 mode, go-yaml v3 in 1.x) knows
        // only true/false as booleans: YAML 1.1's y/yes/on/n/no/off stay strings.
        if self.go_types && *plain && tag.is_none() && matches!(resolved, Scalar::Bool(_)) && !is_yaml12_bool(value) {
            return Ok(Scalar::Str(Cow::Borrowed(value)));
        }
        Ok(resolved)
    }

    /// Sets the pairs of mapping `idx` into `out` in document order; merge keys (`<<`) set the
    /// merged mappings' pairs at their position, later sources in a merge list first so that
    /// earlier ones win (go-yaml v2's `merge`).
    fn fill_map(&mut self, idx: usize, out: &mut BTreeMap<String, Value>) -> Result<(), YamlError> {
        let Kind::Map(items) = &self.nodes[idx].kind else {
            return Err(YamlError::plain(
                "map merge requires map or sequence of maps as the value",
            ));
        };
        for pair in items.chunks(2) {
            let (k, v) = (pair[0], pair.get(1).copied());
            let Some(v) = v else { break };
            if self.is_merge(k) {
                self.merge(v, out)?;
                continue;
            }
            self.count()?;
            let key = self.key_string(k, v)?;
            let val = self.value(v)?;
            out.insert(key, val);
        }
        Ok(())
    }

    fn is_merge(&self, k: usize) -> bool {
        matches!(&self.nodes[k].kind, Kind::Scalar { value, plain, tag }
            if value == "<<" && (*plain && tag.is_none() || tag.as_deref() == Some("tag:yaml.org,2002:merge")))
    }

    fn merge(&mut self, v: usize, out: &mut BTreeMap<String, Value>) -> Result<(), YamlError> {
        let want_map =
            || YamlError::plain("map merge requires map or sequence of maps as the value");
        match &self.nodes[v].kind {
            Kind::Map(_) => {
                self.count()?;
                self.fill_map(v, out)
            }
            Kind::Alias(t) => {
                let t = *t;
                if !matches!(self.nodes[t].kind, Kind::Map(_)) {
                    return Err(want_map());
                }
                self.count()?;
                self.enter_alias(v)?;
                self.count()?;
                let r = self.fill_map(t, out);
                self.leave_alias();
                r
            }
            Kind::Seq(items) => {
                self.count()?;
                for &i in items.iter().rev() {
                    match &self.nodes[i].kind {
                        Kind::Map(_) => {
                            self.count()?;
                            self.fill_map(i, out)?;
                        }
                        Kind::Alias(t) if matches!(self.nodes[*t].kind, Kind::Map(_)) => {
                            let t = *t;
                            self.count()?;
                            self.enter_alias(i)?;
                            self.count()?;
                            let r = self.fill_map(t, out);
                            self.leave_alias();
                            r?;
                        }
                        _ => return Err(want_map()),
                    }
                }
                Ok(())
            }
            Kind::Scalar { .. } => Err(want_map()),
        }
    }

    /// A mapping key as sigs.k8s.io/yaml turns it into a JSON object key.
    fn key_string(&mut self, k: usize, v: usize) -> Result<String, YamlError> {
        let mut idx = k;
        let mut depth = 0;
        while let Kind::Alias(t) = self.nodes[idx].kind {
            idx = t;
            depth += 1;
            if depth > 64 {
                return Err(YamlError::plain("anchor value contains itself"));
            }
        }
        let line = self.nodes[k].line;
        match self.scalar_or_invalid(idx)? {
            Scalar::Str(s) => Ok(s.into_owned()),
            Scalar::Int(i) => Ok(i.to_string()),
            Scalar::Bool(b) => Ok(b.to_string()),
            Scalar::Float(f) => Ok(match format_float_f32(f).as_str() {
                "+Inf" => ".inf".into(),
                "-Inf" => "-.inf".into(),
                "NaN" => ".nan".into(),
                s => s.into(),
            }),
            Scalar::Uint(u) => {
                let value = self.value_text(v)?;
                let _ = line;
                Err(YamlError::converting(format!("unsupported map key of type: uint64, key: 0x{u:x}, value: {value}")))
            }
            Scalar::Nil => {
                let value = self.value_text(v)?;
                let mut msg = "unsupported map key of type: %!s(<nil>), key: <nil>".to_string();
                if !value.is_empty() {
                    msg.push_str(", value: ");
                    msg.push_str(&value);
                }
                Err(YamlError::converting(msg))
            }
        }
    }

    /// A map value as sigs.k8s.io/yaml prints it (`%+#v`) in its key errors; "" for collections.
    fn value_text(&self, v: usize) -> Result<String, YamlError> {
        Ok(match self.nodes[v].kind {
            Kind::Scalar { .. } => match self.scalar(v)? {
                Scalar::Str(s) => crate::value::go_quote(&s),
                Scalar::Int(i) => i.to_string(),
                Scalar::Uint(u) => format!("0x{u:x}"),
                Scalar::Bool(b) => b.to_string(),
                Scalar::Float(f) => crate::value::sprintf("%#v", &[Value::Float(f)]),
                Scalar::Nil => "<nil>".into(),
            },
            _ => String::new(),
        })
    }

    /// A key node as go-yaml v2 decodes it, in Go syntax (`%#v`), for "invalid map key"
    /// errors: sequences are `[]interface {}`, mappings `map[interface {}]interface {}`.
    fn go_syntax(&self, idx: usize, depth: usize) -> String {
        if depth > 64 {
            return "...".into();
        }
        match &self.nodes[idx].kind {
            Kind::Scalar { .. } => match self.scalar(idx) {
                Ok(Scalar::Str(s)) => crate::value::go_quote(&s),
                Ok(Scalar::Int(i)) => i.to_string(),
                Ok(Scalar::Uint(u)) => format!("0x{u:x}"),
                Ok(Scalar::Float(f)) => crate::value::sprintf("%#v", &[Value::Float(f)]),
                Ok(Scalar::Bool(b)) => b.to_string(),
                _ => "interface {}(nil)".into(),
            },
            Kind::Alias(t) => self.go_syntax(*t, depth + 1),
            Kind::Seq(items) => {
                let inner: Vec<String> = items.iter().map(|&i| self.go_syntax(i, depth + 1)).collect();
                format!("[]interface {{}}{{{}}}", inner.join(", "))
            }
            Kind::Map(items) => {
                let mut pairs: Vec<(String, String)> = items
                    .chunks(2)
                    .filter(|p| p.len() == 2)
                    .map(|p| (self.go_syntax(p[0], depth + 1), self.go_syntax(p[1], depth + 1)))
                    .collect();
                pairs.sort();
                let inner: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("map[interface {{}}]interface {{}}{{{}}}", inner.join(", "))
            }
        }
    }

    fn scalar_or_invalid(&self, idx: usize) -> Result<Scalar<'_>, YamlError> {
        match self.nodes[idx].kind {
            Kind::Scalar { .. } => self.scalar(idx),
            Kind::Seq(_) | Kind::Map(_) => {
                Err(YamlError::plain(&format!("invalid map key: {}", self.go_syntax(idx, 0))))
            }
            _ => Err(YamlError::plain("invalid map key")),
        }
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest text of the float32 nearest to `f`.
fn format_float_f32(f: f64) -> String {
    let f32v = f as f32;
    if !f32v.is_finite() {
        return format_float(f32v as f64, b'g', -1);
    }
    let text = ryu::Buffer::new().format_finite(f32v).to_string();
    // The f32's shortest digits, laid out by Go's 'g' rules through the f64 formatter: the
    // digits reparse as an f64 whose shortest form is those same digits.
    match text.parse::<f64>() {
        Ok(v) => format_float(v, b'g', -1),
        Err(_) => text,
    }
}

/// The JSON round trip: numbers become float64; NaN and infinities cannot be marshalled.
fn scalar_value(s: Scalar) -> Result<Value, YamlError> {
    Ok(match s {
        Scalar::Nil => Value::Nil,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Float(i as f64),
        Scalar::Uint(u) => Value::Float(u as f64),
        Scalar::Float(f) if !f.is_finite() => {
            return Err(YamlError::converting(format!(
                "json: unsupported value: {}",
                format_float(f, b'g', -1)
            )));
        }
        Scalar::Float(f) => Value::Float(f),
        Scalar::Str(s) => Value::String(Rc::from(&*s)),
    })
}

/// go-yaml v2's `resolve` for a scalar going into `interface{}`.
fn resolve<'s>(value: &'s str, plain: bool, tag: Option<&str>) -> Result<Scalar<'s>, String> {
    let tag = tag.map(|t| {
        t.strip_prefix(CORE)
            .map_or(Cow::Borrowed(t), |s| Cow::Owned(format!("!!{s}")))
    });
    let tag = tag.as_deref();
    if !plain && tag.is_none() {
        return Ok(Scalar::Str(Cow::Borrowed(value)));
    }
    match tag {
        None | Some("!!str" | "!!bool" | "!!null" | "!!int" | "!!float" | "!!timestamp") => {}
        Some("!!binary") => return decode_base64(value).map(|s| Scalar::Str(Cow::Owned(s))),
        // Tags go-yaml does not resolve leave the text as it is.
        Some(_) => return Ok(Scalar::Str(Cow::Borrowed(value))),
    }
    if tag == Some("!!str") {
        return Ok(Scalar::Str(Cow::Borrowed(value)));
    }
    let resolved = resolve_plain(value);
    let rtag = match &resolved {
        Scalar::Nil => "!!null",
        Scalar::Bool(_) => "!!bool",
        Scalar::Int(_) | Scalar::Uint(_) => "!!int",
        Scalar::Float(_) => "!!float",
        Scalar::Str(_) => "!!str",
    };
    match tag {
        None => Ok(resolved),
        Some(t) if t == rtag => Ok(resolved),
        Some("!!float") => match resolved {
            Scalar::Int(i) => Ok(Scalar::Float(i as f64)),
            _ => Err(format!("cannot decode {rtag} `{value}` as a !!float")),
        },
        // A timestamp-looking value stays a string in interface{}.
        Some("!!timestamp") if rtag == "!!str" => Ok(resolved),
        Some(t) => Err(format!("cannot decode {rtag} `{value}` as a {t}")),
    }
}

fn is_yaml12_bool(s: &str) -> bool {
    matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// What a plain scalar decodes to, as far as the fast head reader needs it.
pub(super) enum PlainScalar {
    Null,
    Str,
    /// An integer above `i64::MAX` (refused as a mapping key).
    Uint,
    /// A bool, int or float.
    Other,
}

/// `resolve_plain`'s kind of result, without building the value for the common case of text
/// that cannot be anything but a string.
pub(super) fn resolve_plain_kind(s: &str) -> PlainScalar {
    match s.as_bytes().first() {
        None => return PlainScalar::Null,
        Some(b'+' | b'-' | b'.' | b'0'..=b'9') => {}
        Some(_) => {
            return match s {
                "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "n" | "N"
                | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => PlainScalar::Other,
                "~" | "null" | "Null" | "NULL" => PlainScalar::Null,
                _ => PlainScalar::Str,
            };
        }
    }
    match resolve_plain(s) {
        Scalar::Nil => PlainScalar::Null,
        Scalar::Str(_) => PlainScalar::Str,
        Scalar::Uint(_) => PlainScalar::Uint,
        _ => PlainScalar::Other,
    }
}

fn resolve_plain(s: &str) -> Scalar<'_> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Scalar::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Scalar::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Nil,
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = s.as_bytes()[0];
    match first {
        b'.' => {
            if let Some(f) = go_parse_float(s) {
                return Scalar::Float(f);
            }
        }
        b'+' | b'-' | b'0'..=b'9' => {
            let plain: Cow<str> = if s.contains('_') {
                Cow::Owned(s.replace('_', ""))
            } else {
                Cow::Borrowed(s)
            };
            match go_parse_int(&plain) {
                IntParse::Int(i) => return Scalar::Int(i),
                IntParse::Uint(u) => return Scalar::Uint(u),
                IntParse::Bad => {}
            }
            if is_yaml_float(&plain) {
                if let Some(f) = go_parse_float(&plain) {
                    return Scalar::Float(f);
                }
            }
            if let Some(rest) = plain.strip_prefix("-0b") {
                if let Ok(i) = i64::from_str_radix(&format!("-{rest}"), 2) {
                    return Scalar::Int(i);
                }
            }
        }
        _ => {}
    }
    Scalar::Str(Cow::Borrowed(s))
}

enum IntParse {
    Int(i64),
    Uint(u64),
    Bad,
}

/// `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)` (no sign) on range errors.
fn go_parse_int(s: &str) -> IntParse {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let signed = body.len() != s.len();
    let (radix, digits) =
        if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, r)
        } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, r)
        } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, r)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.bytes().all(|c| (c as char).is_digit(radix)) {
        return IntParse::Bad;
    }
    let Ok(mag) = u64::from_str_radix(digits, radix) else {
        return IntParse::Bad;
    };
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            return IntParse::Int((mag as i64).wrapping_neg());
        }
        return IntParse::Bad;
    }
    if mag <= i64::MAX as u64 {
        IntParse::Int(mag as i64)
    } else if signed {
        IntParse::Bad
    } else {
        IntParse::Uint(mag)
    }
}

/// `strconv.ParseFloat(s, 64)` for decimal text; overflow is an error in Go.
fn go_parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    // Rust also accepts "inf"/"nan" words, which the callers' inputs never reach Go as
    // numbers; require decimal syntax.
    if !b
        .iter()
        .all(|c| matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Standard base64 (padding required), as `!!binary` scalars are decoded; whitespace is
/// removed first because go-yaml's scanner folds the lines of the text.
fn decode_base64(s: &str) -> Result<String, String> {
    let bad = || "!!binary value contains invalid base64 data".to_string();
    let clean: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if clean.len() % 4 != 0 {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return Err(bad()),
            };
            if pad > 0 && c != b'=' {
                return Err(bad());
            }
            n = n << 6 | v as u32;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    // JSON marshalling replaces invalid UTF-8 with U+FFFD.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Whether go-yaml v2 would read `s`, written plain, back as the same string (not a bool,
/// number, null, merge key or timestamp): its encoder quotes the string otherwise.
pub(crate) fn resolves_to_str(s: &str) -> bool {
    if matches!(s.as_bytes().first(), Some(b'0'..=b'9' | b'+' | b'-')) && is_timestamp(s) {
        return false;
    }
    matches!(resolve_plain(s), Scalar::Str(_))
}

/// A JSON number as go-yaml v2 resolves its text: an int/uint (printed back as digits) or a
/// float64.
pub(crate) enum JsonNumber {
    Int(String),
    Float(f64),
}

pub(crate) fn yaml_parse_number(text: &str) -> JsonNumber {
    match go_parse_int(text) {
        IntParse::Int(i) => JsonNumber::Int(i.to_string()),
        IntParse::Uint(u) => JsonNumber::Int(u.to_string()),
        IntParse::Bad => JsonNumber::Float(text.parse().unwrap_or(0.0)),
    }
}

/// go-yaml v2's `parseTimestamp`: four digits and '-', then one of the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999`, `2006-1-2`,
/// as Go's `time.Parse` accepts them (day checked against the month).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: i32 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    // 1 or 2 digits
    let num = |i: &mut usize| -> Option<u32> {
        let st = *i;
        while *i < b.len() && *i - st < 2 && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == st {
            None
        } else {
            s[st..*i].parse().ok()
        }
    };
    let Some(month) = num(&mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i) else { return false };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let zoned = match b[i] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    i += 1;
    let Some(h) = num(&mut i) else { return false };
    if h > 23 || b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(m) = num(&mut i) else { return false };
    if m > 59 || b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(sec) = num(&mut i) else { return false };
    if sec > 59 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        let st = i + 1;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == st {
            return false;
        }
    }
    if !zoned {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let z = &b[i + 1..];
            z.len() == 5
                && z[0].is_ascii_digit()
                && z[1].is_ascii_digit()
                && z[2] == b':'
                && z[3].is_ascii_digit()
                && z[4].is_ascii_digit()
        }
        _ => false,
    }
}
