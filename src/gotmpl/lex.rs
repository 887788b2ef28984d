//! The lexer, a pull scanner over the template's bytes that follows Go's `text/template/parse`
//! state machine step by step so that token boundaries, trim markers and error texts agree.
//! Items borrow their text from the input; only error messages are allocated.

use super::strconv::{format_sharp_u, quote};

/// Kinds of lexical items, in Go's order (keywords last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    Error,
    Bool,
    /// A printable ASCII character that is no other token (`,` and the like).
    Char,
    CharConstant,
    Comment,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords.
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    pub fn is_keyword(self) -> bool {
        self as u8 >= ItemType::Block as u8
    }
}

/// A token: its kind, byte offset and text. For `Error` items the message is held by the lexer
/// (see [`Lexer::error_message`]) so that items stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    pub val: &'a str,
}

impl Item<'_> {
    pub(crate) const NONE: Item<'static> = Item {
        typ: ItemType::Eof,
        pos: 0,
        val: "",
    };

    /// Go's `item.String()`, used in "unexpected X in Y" messages. `err` is the lexer's message
    /// for an error item.
    pub fn describe(&self, err: &str) -> String {
        match self.typ {
            ItemType::Eof => "EOF".to_string(),
            ItemType::Error => err.to_string(),
            t if t.is_keyword() => format!("<{}>", self.val),
            _ if self.val.len() > 10 => {
                // `%.10q...`: the first ten characters, quoted.
                let cut = self
                    .val
                    .char_indices()
                    .nth(10)
                    .map_or(self.val.len(), |(i, _)| i);
                format!("{}...", quote(&self.val[..cut]))
            }
            _ => quote(self.val),
        }
    }
}

/// Lexer options, as Go derives them from the parse mode and function maps.
#[derive(Debug, Clone, Copy, Default)]
pub struct LexOptions {
    /// Emit `Comment` items instead of dropping comments.
    pub emit_comment: bool,
    /// `break` is a keyword (no function of that name exists).
    pub break_ok: bool,
    /// `continue` is a keyword.
    pub continue_ok: bool,
}

#[derive(Clone, Copy)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
}

enum Step<'a> {
    Emit(Item<'a>),
    Next(State),
}

const LEFT_DELIM: &str = "{{";

/// The offset of the first `{{` in `text`: a byte search for `{` (templates are mostly text,
/// so this is where lexing spends its time on big files).
fn find_left_delim(text: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'{', &text[from..]) {
        let at = from + i;
        if text.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
/// A trim marker is `-` plus one ASCII space.
const TRIM_MARKER_LEN: usize = 2;

pub struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i32,
    inside_action: bool,
    failed: bool,
    error: String,
    opts: LexOptions,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_space_byte(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `isAlphaNumeric`: `_`, `unicode.IsLetter`, `unicode.IsDigit`. Non-ASCII uses Rust's
/// alphabetic/numeric properties, a close superset of Go's categories.
pub fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c == '_' || c.is_ascii_alphanumeric()
    } else {
        c.is_alphabetic() || c.is_numeric()
    }
}

fn has_left_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space_byte(s[1])
}

fn has_right_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && is_space_byte(s[0]) && s[1] == b'-'
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str, opts: LexOptions) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            inside_action: false,
            failed: false,
            error: String::new(),
            opts,
        }
    }

    /// The message of the last `Error` item.
    pub fn error_message(&self) -> &str {
        &self.error
    }

    /// The next item; after an `Error` item every further item is `Eof`.
    pub fn next_item(&mut self) -> Item<'a> {
        if self.failed {
            return Item {
                typ: ItemType::Eof,
                pos: self.pos,
                val: "",
            };
        }
        let mut state = if self.inside_action {
            State::InsideAction
        } else {
            State::Text
        };
        loop {
            let step = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Space => self.lex_space(),
                State::Identifier => self.lex_identifier(),
                State::Field => self.lex_field_or_variable(ItemType::Field),
                State::Variable => self.lex_variable(),
                State::Char => self.lex_char(),
                State::Number => self.lex_number(),
                State::Quote => self.lex_quote(),
                State::RawQuote => self.lex_raw_quote(),
            };
            match step {
                Step::Emit(item) => return item,
                Step::Next(s) => state = s,
            }
        }
    }

    fn rest(&self) -> &'a [u8] {
        &self.input.as_bytes()[self.pos..]
    }

    fn next(&mut self) -> Option<char> {
        let Some(c) = self.input[self.pos..].chars().next() else {
            self.at_eof = true;
            return None;
        };
        self.pos += c.len_utf8();
        Some(c)
    }

    fn peek(&mut self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    /// Steps back one character; like Go, a no-op once the end has been reached.
    fn backup(&mut self) {
        if !self.at_eof
            && let Some(c) = self.input[..self.pos].chars().next_back()
        {
            self.pos -= c.len_utf8();
        }
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while let Some(c) = self.next() {
            if !valid.contains(c) {
                break;
            }
        }
        self.backup();
    }

    fn this_item(&mut self, typ: ItemType) -> Item<'a> {
        let item = Item {
            typ,
            pos: self.start,
            val: &self.input[self.start..self.pos],
        };
        self.start = self.pos;
        item
    }

    fn emit(&mut self, typ: ItemType) -> Step<'a> {
        Step::Emit(self.this_item(typ))
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn errorf(&mut self, msg: String) -> Step<'a> {
        self.error = msg;
        self.failed = true;
        let item = Item {
            typ: ItemType::Error,
            pos: self.start,
            val: "",
        };
        self.start = self.input.len();
        self.pos = self.input.len();
        Step::Emit(item)
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest)
            && rest[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM.as_bytes())
        {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM.as_bytes()), false)
    }

    fn lex_text(&mut self) -> Step<'a> {
        if let Some(x) = find_left_delim(&self.input.as_bytes()[self.pos..]) {
            if x > 0 {
                self.pos += x;
                let delim_end = self.pos + LEFT_DELIM.len();
                let trim = if has_left_trim_marker(&self.input.as_bytes()[delim_end..]) {
                    let text = &self.input[self.start..self.pos];
                    text.len() - text.trim_end_matches(is_space).len()
                } else {
                    0
                };
                self.pos -= trim;
                let item = self.this_item(ItemType::Text);
                self.pos += trim;
                self.ignore();
                if !item.val.is_empty() {
                    return Step::Emit(item);
                }
            }
            return Step::Next(State::LeftDelim);
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            return self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof)
    }

    fn lex_left_delim(&mut self) -> Step<'a> {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest());
        let after = if trim { TRIM_MARKER_LEN } else { 0 };
        if self.rest()[after..].starts_with(LEFT_COMMENT.as_bytes()) {
            self.pos += after;
            self.ignore();
            return Step::Next(State::Comment);
        }
        let item = self.this_item(ItemType::LeftDelim);
        self.inside_action = true;
        self.pos += after;
        self.ignore();
        self.paren_depth = 0;
        Step::Emit(item)
    }

    fn lex_comment(&mut self) -> Step<'a> {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.input[self.pos..].find(RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        let item = self.this_item(ItemType::Comment);
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.skip_leading_space();
        }
        self.ignore();
        if self.opts.emit_comment {
            return Step::Emit(item);
        }
        Step::Next(State::Text)
    }

    fn skip_leading_space(&mut self) {
        let rest = &self.input[self.pos..];
        self.pos += rest.len() - rest.trim_start_matches(is_space).len();
    }

    fn lex_right_delim(&mut self) -> Step<'a> {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        let item = self.this_item(ItemType::RightDelim);
        if trim {
            self.skip_leading_space();
            self.ignore();
        }
        self.inside_action = false;
        Step::Emit(item)
    }

    fn lex_inside_action(&mut self) -> Step<'a> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Step::Next(State::RightDelim);
            }
            return self.errorf("unclosed left paren".into());
        }
        let Some(r) = self.next() else {
            return self.errorf("unclosed action".into());
        };
        match r {
            _ if is_space(r) => {
                self.backup(); // Put the space back in case it starts " -}}".
                Step::Next(State::Space)
            }
            '=' => self.emit(ItemType::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.emit(ItemType::Declare)
            }
            '|' => self.emit(ItemType::Pipe),
            '"' => Step::Next(State::Quote),
            '`' => Step::Next(State::RawQuote),
            '$' => Step::Next(State::Variable),
            '\'' => Step::Next(State::Char),
            '.' if !self.rest().first().is_some_and(u8::is_ascii_digit)
                && self.pos < self.input.len() =>
            {
                Step::Next(State::Field)
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup();
                Step::Next(State::Number)
            }
            _ if is_alphanumeric(r) => {
                self.backup();
                Step::Next(State::Identifier)
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen)
            }
            ')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                self.emit(ItemType::RightParen)
            }
            _ if r.is_ascii() && !r.is_ascii_control() => self.emit(ItemType::Char),
            _ => self.errorf(format!(
                "unrecognized character in action: {}",
                format_sharp_u(r)
            )),
        }
    }

    fn lex_space(&mut self) -> Step<'a> {
        let mut num_spaces = 0;
        while let Some(r) = self.peek() {
            if !is_space(r) {
                break;
            }
            self.next();
            num_spaces += 1;
        }
        // A trim-marked right delimiter starts with a space: leave that space to it.
        let from = &self.input.as_bytes()[self.pos - 1..];
        if has_right_trim_marker(from)
            && from[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM.as_bytes())
        {
            self.pos -= 1;
            if num_spaces == 1 {
                return Step::Next(State::RightDelim);
            }
        }
        self.emit(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> Step<'a> {
        loop {
            let r = self.next();
            if r.is_some_and(is_alphanumeric) {
                continue;
            }
            self.backup();
            if !self.at_terminator() {
                return self.bad_character(r);
            }
            let word = &self.input[self.start..self.pos];
            return match keyword(word) {
                Some(ItemType::Break) if !self.opts.break_ok => self.emit(ItemType::Identifier),
                Some(ItemType::Continue) if !self.opts.continue_ok => {
                    self.emit(ItemType::Identifier)
                }
                Some(k) => self.emit(k),
                None if word == "true" || word == "false" => self.emit(ItemType::Bool),
                None => self.emit(ItemType::Identifier),
            };
        }
    }

    fn bad_character(&mut self, r: Option<char>) -> Step<'a> {
        // Go formats eof (-1) with %#U too; unreachable in practice since eof is a terminator.
        let shown = r.map_or_else(|| "U+FFFFFFFFFFFFFFFF".to_string(), format_sharp_u);
        self.errorf(format!("bad character {shown}"))
    }

    fn lex_variable(&mut self) -> Step<'a> {
        if self.at_terminator() {
            return self.emit(ItemType::Variable);
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Step<'a> {
        if self.at_terminator() {
            return self.emit(if typ == ItemType::Variable {
                typ
            } else {
                ItemType::Dot
            });
        }
        let mut r;
        loop {
            r = self.next();
            if !r.is_some_and(is_alphanumeric) {
                self.backup();
                break;
            }
        }
        if !self.at_terminator() {
            return self.bad_character(r);
        }
        self.emit(typ)
    }

    /// Whether the input is at a character that may follow an identifier.
    fn at_terminator(&mut self) -> bool {
        match self.peek() {
            None => true,
            Some(r) if is_space(r) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT_DELIM.as_bytes()),
        }
    }

    fn lex_char(&mut self) -> Step<'a> {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|r| r != '\n') {
                        continue;
                    }
                    return self.errorf("unterminated character constant".into());
                }
                None | Some('\n') => return self.errorf("unterminated character constant".into()),
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(ItemType::CharConstant)
    }

    fn lex_number(&mut self) -> Step<'a> {
        if !self.scan_number() {
            return self.bad_number();
        }
        if let Some('+' | '-') = self.peek() {
            // Complex: 1+2i, no spaces, must end in 'i'.
            if !self.scan_number() || self.input.as_bytes()[self.pos - 1] != b'i' {
                return self.bad_number();
            }
            return self.emit(ItemType::Complex);
        }
        self.emit(ItemType::Number)
    }

    fn bad_number(&mut self) -> Step<'a> {
        let text = quote(&self.input[self.start..self.pos]);
        self.errorf(format!("bad number syntax: {text}"))
    }

    /// Go's deliberately loose number scanner; strconv rejects what it lets through.
    fn scan_number(&mut self) -> bool {
        const DEC: &str = "0123456789_";
        const HEX: &str = "0123456789abcdefABCDEF_";
        self.accept("+-");
        let mut digits = DEC;
        if self.accept("0") {
            if self.accept("xX") {
                digits = HEX;
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits == DEC && self.accept("eE") {
            self.accept("+-");
            self.accept_run(DEC);
        }
        if digits == HEX && self.accept("pP") {
            self.accept("+-");
            self.accept_run(DEC);
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> Step<'a> {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|r| r != '\n') {
                        continue;
                    }
                    return self.errorf("unterminated quoted string".into());
                }
                None | Some('\n') => return self.errorf("unterminated quoted string".into()),
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(ItemType::String)
    }

    fn lex_raw_quote(&mut self) -> Step<'a> {
        let rest = &self.input[self.pos..];
        match rest.find('`') {
            Some(x) => {
                self.pos += x + 1;
                self.emit(ItemType::RawString)
            }
            None => {
                self.pos = self.input.len();
                self.at_eof = true;
                self.errorf("unterminated raw quoted string".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ItemType::*;
    use super::*;

    fn lex_all(input: &str, opts: LexOptions) -> Vec<(ItemType, std::string::String)> {
        let mut l = Lexer::new(input, opts);
        let mut out = Vec::new();
        loop {
            let it = l.next_item();
            let val = if it.typ == Error {
                l.error_message().to_string()
            } else {
                it.val.to_string()
            };
            out.push((it.typ, val));
            if matches!(it.typ, Eof | Error) {
                return out;
            }
        }
    }

    fn opts() -> LexOptions {
        LexOptions {
            emit_comment: true,
            break_ok: true,
            continue_ok: true,
        }
    }

    /// Each case: input and the expected items (type and text), taken from Go's lex_test.go
    /// behaviour.
    #[test]
    fn lexer_table() {
        let cases: Vec<(&str, Vec<(ItemType, &str)>)> = vec![
            ("", vec![(Eof, "")]),
            (" \t\n", vec![(Text, " \t\n"), (Eof, "")]),
            (
                "now is the time",
                vec![(Text, "now is the time"), (Eof, "")],
            ),
            (
                "hello-{{/* this is a comment */}}-world",
                vec![
                    (Text, "hello-"),
                    (Comment, "/* this is a comment */"),
                    (Text, "-world"),
                    (Eof, ""),
                ],
            ),
            (
                "{{,@% }}",
                vec![
                    (LeftDelim, "{{"),
                    (Char, ","),
                    (Char, "@"),
                    (Char, "%"),
                    (Space, " "),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{((3))}}",
                vec![
                    (LeftDelim, "{{"),
                    (LeftParen, "("),
                    (LeftParen, "("),
                    (Number, "3"),
                    (RightParen, ")"),
                    (RightParen, ")"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{}}",
                vec![(LeftDelim, "{{"), (RightDelim, "}}"), (Eof, "")],
            ),
            (
                "{{for}}",
                vec![
                    (LeftDelim, "{{"),
                    (Identifier, "for"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{block \"foo\" .}}",
                vec![
                    (LeftDelim, "{{"),
                    (Block, "block"),
                    (Space, " "),
                    (String, "\"foo\""),
                    (Space, " "),
                    (Dot, "."),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{\"abc \\n\\t\\\" \"}}",
                vec![
                    (LeftDelim, "{{"),
                    (String, "\"abc \\n\\t\\\" \""),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{`abc\n\\t`}}",
                vec![
                    (LeftDelim, "{{"),
                    (RawString, "`abc\n\\t`"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4}}",
                vec![
                    (LeftDelim, "{{"),
                    (Number, "1"),
                    (Space, " "),
                    (Number, "02"),
                    (Space, " "),
                    (Number, "0x14"),
                    (Space, " "),
                    (Number, "0X14"),
                    (Space, " "),
                    (Number, "-7.2i"),
                    (Space, " "),
                    (Number, "1e3"),
                    (Space, " "),
                    (Number, "1E3"),
                    (Space, " "),
                    (Number, "+1.2e-4"),
                    (Space, " "),
                    (Number, "4.2i"),
                    (Space, " "),
                    (Complex, "1+2i"),
                    (Space, " "),
                    (Number, "1_2"),
                    (Space, " "),
                    (Number, "0x1.e_fp4"),
                    (Space, " "),
                    (Number, "0X1.E_FP4"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{'a' '\\n' '\\'' '\\\\' '\\u00FF' '\\xFF' '本'}}",
                vec![
                    (LeftDelim, "{{"),
                    (CharConstant, "'a'"),
                    (Space, " "),
                    (CharConstant, "'\\n'"),
                    (Space, " "),
                    (CharConstant, "'\\''"),
                    (Space, " "),
                    (CharConstant, "'\\\\'"),
                    (Space, " "),
                    (CharConstant, "'\\u00FF'"),
                    (Space, " "),
                    (CharConstant, "'\\xFF'"),
                    (Space, " "),
                    (CharConstant, "'本'"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{true false}}",
                vec![
                    (LeftDelim, "{{"),
                    (Bool, "true"),
                    (Space, " "),
                    (Bool, "false"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{.}}",
                vec![(LeftDelim, "{{"), (Dot, "."), (RightDelim, "}}"), (Eof, "")],
            ),
            (
                "{{nil}}",
                vec![
                    (LeftDelim, "{{"),
                    (Nil, "nil"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{.x . .2 .x.y.z}}",
                vec![
                    (LeftDelim, "{{"),
                    (Field, ".x"),
                    (Space, " "),
                    (Dot, "."),
                    (Space, " "),
                    (Number, ".2"),
                    (Space, " "),
                    (Field, ".x"),
                    (Field, ".y"),
                    (Field, ".z"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{range if else end with}}",
                vec![
                    (LeftDelim, "{{"),
                    (Range, "range"),
                    (Space, " "),
                    (If, "if"),
                    (Space, " "),
                    (Else, "else"),
                    (Space, " "),
                    (End, "end"),
                    (Space, " "),
                    (With, "with"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{$c := printf $ $hello $23 $ $var.Field .Method}}",
                vec![
                    (LeftDelim, "{{"),
                    (Variable, "$c"),
                    (Space, " "),
                    (Declare, ":="),
                    (Space, " "),
                    (Identifier, "printf"),
                    (Space, " "),
                    (Variable, "$"),
                    (Space, " "),
                    (Variable, "$hello"),
                    (Space, " "),
                    (Variable, "$23"),
                    (Space, " "),
                    (Variable, "$"),
                    (Space, " "),
                    (Variable, "$var"),
                    (Field, ".Field"),
                    (Space, " "),
                    (Field, ".Method"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{$x = 1}}",
                vec![
                    (LeftDelim, "{{"),
                    (Variable, "$x"),
                    (Space, " "),
                    (Assign, "="),
                    (Space, " "),
                    (Number, "1"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{$x, $y := .}}",
                vec![
                    (LeftDelim, "{{"),
                    (Variable, "$x"),
                    (Char, ","),
                    (Space, " "),
                    (Variable, "$y"),
                    (Space, " "),
                    (Declare, ":="),
                    (Space, " "),
                    (Dot, "."),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "intro {{echo hi 1.2 |noargs|args 1 \"hi\"}} outro",
                vec![
                    (Text, "intro "),
                    (LeftDelim, "{{"),
                    (Identifier, "echo"),
                    (Space, " "),
                    (Identifier, "hi"),
                    (Space, " "),
                    (Number, "1.2"),
                    (Space, " "),
                    (Pipe, "|"),
                    (Identifier, "noargs"),
                    (Pipe, "|"),
                    (Identifier, "args"),
                    (Space, " "),
                    (Number, "1"),
                    (Space, " "),
                    (String, "\"hi\""),
                    (RightDelim, "}}"),
                    (Text, " outro"),
                    (Eof, ""),
                ],
            ),
            (
                "{{break continue}}",
                vec![
                    (LeftDelim, "{{"),
                    (Break, "break"),
                    (Space, " "),
                    (Continue, "continue"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            // Trim markers.
            (
                "hello- {{- 3 -}} -world",
                vec![
                    (Text, "hello-"),
                    (LeftDelim, "{{"),
                    (Number, "3"),
                    (RightDelim, "}}"),
                    (Text, "-world"),
                    (Eof, ""),
                ],
            ),
            (
                "hello- {{- /* hello */ -}} -world",
                vec![
                    (Text, "hello-"),
                    (Comment, "/* hello */"),
                    (Text, "-world"),
                    (Eof, ""),
                ],
            ),
            (
                "{{-3}}",
                vec![
                    (LeftDelim, "{{"),
                    (Number, "-3"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{3 -}}\n\n x",
                vec![
                    (LeftDelim, "{{"),
                    (Number, "3"),
                    (RightDelim, "}}"),
                    (Text, "x"),
                    (Eof, ""),
                ],
            ),
            (
                "{{3  -}}x",
                vec![
                    (LeftDelim, "{{"),
                    (Number, "3"),
                    (Space, " "),
                    (RightDelim, "}}"),
                    (Text, "x"),
                    (Eof, ""),
                ],
            ),
            (
                "x\n {{-\n3\n-}}",
                vec![
                    (Text, "x"),
                    (LeftDelim, "{{"),
                    (Number, "3"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            // Errors.
            (
                "{{#}}",
                vec![
                    (LeftDelim, "{{"),
                    (Char, "#"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{\u{1}}}",
                vec![
                    (LeftDelim, "{{"),
                    (Error, "unrecognized character in action: U+0001"),
                ],
            ),
            ("{{", vec![(LeftDelim, "{{"), (Error, "unclosed action")]),
            (
                "{{range",
                vec![
                    (LeftDelim, "{{"),
                    (Range, "range"),
                    (Error, "unclosed action"),
                ],
            ),
            (
                "{{\"\n\"}}",
                vec![(LeftDelim, "{{"), (Error, "unterminated quoted string")],
            ),
            (
                "{{`xx}}",
                vec![(LeftDelim, "{{"), (Error, "unterminated raw quoted string")],
            ),
            (
                "{{'a}}",
                vec![
                    (LeftDelim, "{{"),
                    (Error, "unterminated character constant"),
                ],
            ),
            (
                "{{3k}}",
                vec![(LeftDelim, "{{"), (Error, "bad number syntax: \"3k\"")],
            ),
            (
                "{{(3}}",
                vec![
                    (LeftDelim, "{{"),
                    (LeftParen, "("),
                    (Number, "3"),
                    (Error, "unclosed left paren"),
                ],
            ),
            (
                "{{3)}}",
                vec![
                    (LeftDelim, "{{"),
                    (Number, "3"),
                    (Error, "unexpected right paren"),
                ],
            ),
            (
                "hello-{{/*/}}-world",
                vec![(Text, "hello-"), (Error, "unclosed comment")],
            ),
            (
                "hello-{{/* */ }}-world",
                vec![
                    (Text, "hello-"),
                    (Error, "comment ends before closing delimiter"),
                ],
            ),
            (
                "{{a:b}}",
                vec![(LeftDelim, "{{"), (Identifier, "a"), (Error, "expected :=")],
            ),
            (
                "{{$x@}}",
                vec![(LeftDelim, "{{"), (Error, "bad character U+0040 '@'")],
            ),
            (
                "{{.x@}}",
                vec![(LeftDelim, "{{"), (Error, "bad character U+0040 '@'")],
            ),
            (
                "{{x@}}",
                vec![(LeftDelim, "{{"), (Error, "bad character U+0040 '@'")],
            ),
            (
                "{{1+2}}",
                vec![(LeftDelim, "{{"), (Error, "bad number syntax: \"1+2\"")],
            ),
            (
                "{{- \"x\" -}}",
                vec![
                    (LeftDelim, "{{"),
                    (String, "\"x\""),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
            (
                "{{日本}}",
                vec![
                    (LeftDelim, "{{"),
                    (Identifier, "日本"),
                    (RightDelim, "}}"),
                    (Eof, ""),
                ],
            ),
        ];
        for (input, want) in cases {
            let got = lex_all(input, opts());
            let want: Vec<(ItemType, std::string::String)> =
                want.into_iter().map(|(t, v)| (t, v.to_string())).collect();
            assert_eq!(got, want, "input {input:?}");
        }
    }

    #[test]
    fn positions() {
        let mut l = Lexer::new("ab {{- .x -}}\n cd", opts());
        let items: Vec<(ItemType, usize)> = std::iter::from_fn(|| {
            let it = l.next_item();
            (it.typ != Eof).then_some((it.typ, it.pos))
        })
        .collect();
        assert_eq!(
            items,
            vec![
                (Text, 0),
                (LeftDelim, 3),
                (Field, 7),
                (RightDelim, 11),
                (Text, 15)
            ]
        );
    }

    #[test]
    fn comments_dropped_and_keywords_as_functions() {
        let o = LexOptions {
            emit_comment: false,
            break_ok: false,
            continue_ok: true,
        };
        assert_eq!(
            lex_all("a{{/* c */}}b{{break}}", o),
            vec![
                (Text, "a".into()),
                (Text, "b".into()),
                (LeftDelim, "{{".into()),
                (Identifier, "break".into()),
                (RightDelim, "}}".into()),
                (Eof, "".into())
            ]
        );
    }
}
