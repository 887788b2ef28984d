//! Values → YAML text, byte-identical to helm's `toYaml`: `sigs.k8s.io/yaml.Marshal` marshals
//! to JSON, reads that JSON back with go-yaml v2 and emits it with go-yaml v2's emitter.
//!
//! The JSON round trip decides the scalars (numbers become ints or float64s by their JSON
//! text, everything else is a string, bool or null) and some errors; the emitter below follows
//! the libyaml emitter state machine that go-yaml v2 ports (indentation, quoting styles,
//! folding at 80 columns, `|` block hints).

use crate::value::{Value, format_float};

use super::YamlError;
use super::parse::{JsonNumber, resolves_to_str, yaml_parse_number};

/// helm's `toYaml`: the marshalled text without its final newline, or "" when marshalling
/// fails (helm swallows the error).
pub fn to_yaml(v: &Value) -> String {
    match marshal(v) {
        Ok(mut s) => {
            if s.ends_with('\n') {
                s.pop();
            }
            s
        }
        Err(_) => String::new(),
    }
}

/// `sigs.k8s.io/yaml.Marshal`: the full document text (ending in a newline) or the error.
pub fn marshal(v: &Value) -> Result<String, YamlError> {
    check_json_text(v, &mut 0)?;
    let node = to_node(v, 0)?;
    let mut e = Emitter::new();
    e.node(
        &node,
        Ctx {
            root: true,
            mapping: false,
            simple_key: false,
        },
    );
    e.document_end();
    Ok(e.out)
}

/// helm 4's `toYamlPretty`: go-yaml v3's encoder with indent 2 applied to the value itself (no
/// JSON round trip), without the final newline; "" on failure.
pub fn to_yaml_pretty(v: &Value) -> String {
    let node = to_node_v3(v, 0);
    let mut e = Emitter::new();
    e.v3 = true;
    e.width = usize::MAX;
    e.node(&node, Ctx { root: true, mapping: false, simple_key: false });
    e.document_end();
    let mut out = e.out;
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

/// A Go value for go-yaml v3's encoder: dynamic values (maps sorted as Go maps are), and
/// structs whose fields keep their declared order.
#[derive(Debug, Clone)]
pub enum GoNode {
    Value(Value),
    /// A struct's fields, in declaration order (omitted fields already left out).
    Struct(Vec<(String, GoNode)>),
    List(Vec<GoNode>),
}

/// go-yaml v3's `Encoder` with `SetIndent(2)` on one document: the text ending in a newline.
pub fn to_yaml_v3_document(v: &GoNode) -> String {
    fn node(v: &GoNode) -> Node {
        match v {
            GoNode::Value(v) => to_node_v3(v, 0),
            GoNode::Struct(fields) => Node::Map(fields.iter().map(|(k, x)| (k.clone(), node(x))).collect()),
            GoNode::List(items) => Node::Seq(items.iter().map(node).collect()),
        }
    }
    let mut e = Emitter::new();
    e.v3 = true;
    e.width = usize::MAX;
    e.node(&node(v), Ctx { root: true, mapping: false, simple_key: false });
    e.document_end();
    e.out
}

/// A value as go-yaml v3 encodes it: floats by `strconv.FormatFloat(f, 'g', -1, 64)`.
fn to_node_v3(v: &Value, depth: usize) -> Node {
    if depth > 10_000 {
        return Node::Null;
    }
    match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Int(i.to_string()),
        Value::Float(f) => Node::Int(match format_float(*f, b'g', -1).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        }),
        Value::String(s) => Node::Str(s.to_string()),
        Value::Bytes(b) => Node::Str(String::from_utf8_lossy(b).into_owned()),
        Value::List(l) => Node::Seq(l.items.iter().map(|x| to_node_v3(x, depth + 1)).collect()),
        Value::Map(m) => {
            let mut entries: Vec<(String, Node)> = m.entries().iter().map(|(k, x)| (k.clone(), to_node_v3(x, depth + 1))).collect();
            merge_sort(&mut entries, |a, b| key_less(&a.0, &b.0));
            Node::Map(entries)
        }
        Value::Object(o) => to_node_v3(&o.underlying().unwrap_or_else(|| o.to_value()), depth + 1),
    }
}

/// Strings go-yaml v3 quotes beyond what the YAML 1.1 resolver says: YAML 1.1 booleans and
/// everything Go's `strconv.ParseInt(s, 0, 64)` reads (`0o17`, `0b1`, `1_000`).
pub(super) fn v3_not_plain(s: &str) -> bool {
    if matches!(
        s,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF"
    ) {
        return true;
    }
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (r, 2)
    } else {
        (body, 10)
    };
    if digits.is_empty() || digits.starts_with('_') && radix == 10 || digits.ends_with('_') || digits.contains("__") {
        return false;
    }
    digits.chars().all(|c| c == '_' || c.is_digit(radix))
}

/// What go-yaml v2 holds after reading the JSON text back.
enum Node {
    Null,
    Bool(bool),
    /// An int or uint, printed as its digits.
    Int(String),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn to_node(v: &Value, depth: usize) -> Result<Node, YamlError> {
    // encoding/json stops at this depth with its cycle error; shared maps cannot form cycles
    // through Value, but a very deep value would exhaust our stack instead.
    if depth > 10_000 {
        return Err(YamlError::converting(
            "error marshaling into JSON: json: unsupported value: too deep".into(),
        ));
    }
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Int(i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(YamlError::converting(format!(
                    "error marshaling into JSON: json: unsupported value: {}",
                    format_float(*f, b'g', -1)
                )));
            }
            float_node(*f)
        }
        Value::String(s) => Node::Str(json_string(s)?),
        Value::Bytes(b) => Node::Str(base64(b)),
        Value::List(l) => Node::Seq(
            l.items
                .iter()
                .map(|x| to_node(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let mut entries = Vec::with_capacity(m.len());
            for (k, x) in m.entries() {
                entries.push((json_string(&k)?, to_node(&x, depth + 1)?));
            }
            merge_sort(&mut entries, |a, b| key_less(&a.0, &b.0));
            Node::Map(entries)
        }
        Value::Object(o) => to_node(&o.to_value(), depth + 1)?,
    })
}

/// Errors go-yaml v2 meets reading the JSON text back, found walking it in JSON order (sorted
/// keys): its reader rejects DEL and C1 controls other than NEL, which JSON leaves raw, and an
/// object key holding a NEL (U+0085, a line break to YAML) breaks the flow mapping; that error
/// names the line the NELs before it lead to.
fn check_json_text(v: &Value, nels: &mut usize) -> Result<(), YamlError> {
    let control = || YamlError::plain("control characters are not allowed");
    let scan = |s: &str, nels: &mut usize| -> Result<(), YamlError> {
        for c in s.chars() {
            match c {
                '\u{7f}' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' => return Err(control()),
                '\u{85}' => *nels += 1,
                _ => {}
            }
        }
        Ok(())
    };
    match v {
        Value::String(s) => scan(s, nels)?,
        Value::List(l) => {
            for x in &l.items {
                check_json_text(x, nels)?;
            }
        }
        Value::Map(m) => {
            for (k, x) in m.entries() {
                if k.contains('\u{85}') {
                    let before = k.split('\u{85}').next().unwrap_or("");
                    scan(before, nels)?;
                    return Err(YamlError::plain_line(
                        *nels + 1,
                        "did not find expected ',' or '}'",
                    ));
                }
                scan(&k, nels)?;
                check_json_text(&x, nels)?;
            }
        }
        Value::Object(o) => check_json_text(&o.to_value(), nels)?,
        _ => {}
    }
    Ok(())
}

/// A float64 after `encoding/json` printed it and go-yaml v2 resolved the text.
fn float_node(f: f64) -> Node {
    let abs = f.abs();
    let text = if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format_float(f, b'e', -1);
        // encoding/json writes e-7, not e-07
        match s.find("e-0") {
            Some(i) if s.len() == i + 4 => format!("{}e-{}", &s[..i], &s[i + 3..]),
            _ => s,
        }
    } else {
        format_float(f, b'f', -1)
    };
    match yaml_parse_number(&text) {
        JsonNumber::Int(s) => Node::Int(s),
        JsonNumber::Float(x) => Node::Float(x),
    }
}

/// A string as go-yaml v2 reads it back from JSON: characters its reader rejects fail, and
/// NEL (U+0085), which JSON leaves raw, is a line break that the double-quoted scalar folds.
fn json_string(s: &str) -> Result<String, YamlError> {
    let mut nel = false;
    for c in s.chars() {
        match c {
            '\u{7f}' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' => {
                return Err(YamlError::plain("control characters are not allowed"));
            }
            '\u{85}' => nel = true,
            _ => {}
        }
    }
    if !nel {
        return Ok(s.to_string());
    }
    Ok(fold_nel(s))
}

/// Double-quoted line folding for NEL breaks: blanks around the break go, one break becomes a
/// space, n breaks become n-1 newlines.
fn fold_nel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\u{85}' {
            while out.ends_with([' ', '\t']) {
                out.pop();
            }
            let mut breaks = 0;
            while i < chars.len() && matches!(chars[i], '\u{85}' | ' ' | '\t') {
                if chars[i] == '\u{85}' {
                    breaks += 1;
                }
                i += 1;
            }
            if breaks == 1 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', breaks - 1));
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A stable merge sort: go-yaml's key order is not a strict total order for every input, and
/// the standard sorts may panic on such comparators.
fn merge_sort<T>(v: &mut Vec<T>, less: impl Fn(&T, &T) -> bool + Copy) {
    if v.len() <= 1 {
        return;
    }
    let mut right = v.split_off(v.len() / 2);
    merge_sort(v, less);
    merge_sort(&mut right, less);
    let left = std::mem::take(v);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_right = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => less(b, a),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right { r.next() } else { l.next() };
        out.extend(next);
    }
    *v = out;
}

/// go-yaml v2's `keyList.Less` for string keys: letters sort before other characters and
/// runs of digits compare as numbers.
pub(crate) fn key_less(a: &str, b: &str) -> bool {
    // ASCII keys (nearly all) are compared without collecting characters.
    if a.is_ascii() && b.is_ascii() {
        let (ab, bb) = (a.as_bytes(), b.as_bytes());
        return key_less_by(ab.len(), |i| ab[i] as char, bb.len(), |i| bb[i] as char);
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    key_less_by(ar.len(), |i| ar[i], br.len(), |i| br[i])
}

fn key_less_by(
    alen: usize,
    ar: impl Fn(usize) -> char,
    blen: usize,
    br: impl Fn(usize) -> char,
) -> bool {
    let digit = |c: char| c.is_ascii_digit();
    for i in 0..alen.min(blen) {
        if ar(i) == br(i) {
            continue;
        }
        let al = ar(i).is_alphabetic();
        let bl = br(i).is_alphabetic();
        if al && bl {
            return ar(i) < br(i);
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar(i) == '0' || br(i) == '0' {
            let mut j = i;
            while j > 0 && digit(ar(j - 1)) {
                j -= 1;
                if ar(j) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < alen && digit(ar(ai)) {
            an = an.wrapping_mul(10).wrapping_add(ar(ai) as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < blen && digit(br(bi)) {
            bn = bn.wrapping_mul(10).wrapping_add(br(bi) as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar(i) < br(i);
    }
    alen < blen
}

#[derive(Clone, Copy)]
pub(super) struct Ctx {
    pub(super) root: bool,
    pub(super) mapping: bool,
    pub(super) simple_key: bool,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

const BEST_INDENT: i32 = 2;
const BEST_WIDTH: usize = 80;

/// The parts of libyaml's emitter state that shape block-style output.
pub(super) struct Emitter {
    /// go-yaml v3's emitter (`toYamlPretty`): sequences in mappings are indented, lines are
    /// never folded.
    pub(super) v3: bool,
    pub(super) width: usize,
    pub(super) out: String,
    pub(super) indent: i32,
    indents: Vec<i32>,
    pub(super) column: usize,
    pub(super) whitespace: bool,
    pub(super) indention: bool,
    open_ended: bool,
}

impl Emitter {
    pub(super) fn new() -> Self {
        Emitter {
            v3: false,
            width: BEST_WIDTH,
            out: String::new(),
            indent: -1,
            indents: Vec::new(),
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
        }
    }

    pub(super) fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    pub(super) fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    pub(super) fn indicator(
        &mut self,
        ind: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.out.push_str(ind);
        self.column += ind.chars().count();
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    pub(super) fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    pub(super) fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    pub(super) fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn document_end(&mut self) {
        // An implicit document end finishes the last line; go-yaml v2 writes no `...` here.
        self.write_indent();
    }

    fn node(&mut self, n: &Node, ctx: Ctx) {
        match n {
            Node::Null => self.scalar("null", Style::Plain, ctx),
            Node::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Node::Int(s) => self.scalar(s, Style::Plain, ctx),
            Node::Float(f) => {
                let s = format_float(*f, b'g', -1);
                self.scalar(&s, Style::Plain, ctx)
            }
            Node::Str(s) => {
                let style = if s.contains('\n') {
                    Style::Literal
                } else if resolves_to_str(s) && !is_base60_float(s) && !(self.v3 && v3_not_plain(s)) {
                    Style::Plain
                } else {
                    Style::Double
                };
                self.scalar(s, style, ctx)
            }
            Node::Seq(items) if items.is_empty() => self.empty_flow("[", "]"),
            Node::Map(items) if items.is_empty() => self.empty_flow("{", "}"),
            Node::Seq(items) => {
                let indentless = !self.v3 && ctx.mapping && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.indicator("-", true, false, true);
                    self.node(
                        item,
                        Ctx {
                            root: false,
                            mapping: false,
                            simple_key: false,
                        },
                    );
                }
                self.pop_indent();
            }
            Node::Map(items) => {
                self.increase_indent(false, false);
                for (k, v) in items {
                    self.write_indent();
                    let an = analyze(k);
                    if !an.multiline && k.len() <= 128 {
                        self.node(
                            &Node::Str(k.clone()),
                            Ctx {
                                root: false,
                                mapping: true,
                                simple_key: true,
                            },
                        );
                        self.indicator(":", false, false, false);
                    } else {
                        self.indicator("?", true, false, true);
                        self.node(
                            &Node::Str(k.clone()),
                            Ctx {
                                root: false,
                                mapping: true,
                                simple_key: false,
                            },
                        );
                        self.write_indent();
                        self.indicator(":", true, false, true);
                    }
                    self.node(
                        v,
                        Ctx {
                            root: false,
                            mapping: true,
                            simple_key: false,
                        },
                    );
                }
                self.pop_indent();
            }
        }
    }

    pub(super) fn empty_flow(&mut self, open: &str, close: &str) {
        self.indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.indicator(close, false, false, false);
    }

    pub(super) fn scalar(&mut self, value: &str, requested: Style, ctx: Ctx) {
        let an = analyze(value);
        let mut style = requested;
        if style == Style::Plain {
            if !an.block_plain_allowed || (value.is_empty() && ctx.simple_key) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !an.single_quoted_allowed {
            style = Style::Double;
        }
        if matches!(style, Style::Literal | Style::Folded) && (!an.block_allowed || ctx.simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks, ctx.root),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
            Style::Folded => self.write_folded(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool, root: bool) {
        if !self.whitespace && !(self.v3 && value.is_empty()) {
            self.put(' ');
        }
        let mut spaces = false;
        let mut it = value.chars().peekable();
        while let Some(c) = it.next() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > self.width && it.peek() != Some(&' ') {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
        if root {
            self.open_ended = true;
        }
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.width
                    && i > 0
                    && i < chars.len() - 1
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                // Unreachable for strings (a break makes the scalar a literal or
                // double-quoted one), kept for fidelity.
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let last = value.len().saturating_sub(1);
        let mut byte_pos = 0;
        let mut spaces = false;
        // go-yaml escapes every character of a value that starts with a BOM.
        let escape_all = value.starts_with('\u{feff}');
        for (i, &c) in chars.iter().enumerate() {
            let pos = byte_pos;
            byte_pos += c.len_utf8();
            if escape_all
                || !is_printable(c)
                || c == '\u{feff}'
                || is_break(c)
                || c == '"'
                || c == '\\'
            {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let (letter, width) = if v <= 0xff {
                            ('x', 2)
                        } else if v <= 0xffff {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let d = (v >> (k * 4)) & 0xf;
                            self.put(
                                char::from_digit(d, 16).map_or('0', |c| c.to_ascii_uppercase()),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                // go-yaml compares byte offsets here.
                if allow_breaks && !spaces && self.column > self.width && pos > 0 && pos < last {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.indicator("|", true, false, false);
        self.block_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// libyaml's folded writer; a break between two non-blank lines is written twice.
    fn write_folded(&mut self, value: &str) {
        self.indicator(">", true, false, false);
        self.block_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let chars: Vec<char> = value.chars().collect();
        let mut breaks = true;
        let mut leading_spaces = true;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if is_break(c) {
                if !breaks && !leading_spaces && c == '\n' {
                    // libyaml looks from the start of the value here, not from `i`.
                    let mut k = 0;
                    while chars.get(k).is_some_and(|&c| is_break(c)) {
                        k += 1;
                    }
                    if !matches!(chars.get(k), None | Some(' ' | '\t')) {
                        self.put_break();
                    }
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                    leading_spaces = c == ' ' || c == '\t';
                }
                if !breaks && c == ' ' && chars.get(i + 1) != Some(&' ') && self.column > self.width {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                self.indention = false;
                breaks = false;
            }
            i += 1;
        }
    }

    /// Block scalar hints: an explicit indentation when the text starts with a space or a
    /// break, and the chomping that keeps exactly the trailing breaks.
    fn block_hints(&mut self, value: &str) {
        let mut chars = value.chars();
        if matches!(chars.next(), Some(c) if c == ' ' || is_break(c)) {
            self.indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        self.open_ended = false;
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(c), _) if !is_break(c) => Some("-"),
            (Some(_), None) => {
                self.open_ended = true;
                Some("+")
            }
            (Some(_), Some(p)) if is_break(p) => {
                self.open_ended = true;
                Some("+")
            }
            _ => None,
        };
        if let Some(ch) = chomp {
            self.indicator(ch, false, false, false);
            if ch == "+" {
                self.open_ended = true;
            }
        }
    }
}

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` (for valid UTF-8 input).
fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd) && c != '\u{feff}'
}

/// The facts `yaml_emitter_analyze_scalar` gathers that decide the style.
pub(super) struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

pub(super) fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let blankz =
        |c: Option<&char>| matches!(c, None | Some(' ' | '\t')) || c.is_some_and(|&c| is_break(c));
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = blankz(chars.get(1));
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                block_indicators = true;
            }
            if (c == '?' || c == ':') && followed_by_whitespace {
                block_indicators = true;
            }
            if c == '-' && followed_by_whitespace {
                block_indicators = true;
            }
        } else {
            if c == ':' && followed_by_whitespace {
                block_indicators = true;
            }
            if c == '#' && preceded_by_whitespace {
                block_indicators = true;
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == n - 1 {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i == n - 1 {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = blankz(Some(&c));
        followed_by_whitespace = blankz(chars.get(i + 2));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// go-yaml's `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: sexagesimal numbers stay quoted.
pub(super) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        match i - st {
            0 => return false,
            1 => {}
            _ => {
                if b[st] > b'5' {
                    // `[0-5]?[0-9]`: a two-digit group must start with 0-5; backtrack to one
                    // digit and let the following check fail on the leftover digit.
                    i = st + 1;
                }
            }
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}
