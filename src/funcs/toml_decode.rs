//! helm 4's `fromToml`: a TOML document read into a map as BurntSushi/toml v1.6.0 decodes into
//! `map[string]interface{}` (integers `int64`, floats `float64`), with its `ParseError` text.

use crate::value::{Map, Value, go_quote};

/// The document as a map, or `{"Error": message}`.
pub fn from_toml(text: &str) -> Value {
    let mut p = Parser { s: text.chars().collect(), i: 0, line: 1, last_key: String::new() };
    let root = Map::new();
    match p.document(&root) {
        Ok(()) => Value::Map(root),
        Err(msg) => {
            let m = Map::new();
            let text = if p.last_key.is_empty() {
                format!("toml: line {}: {msg}", p.line)
            } else {
                format!("toml: line {} (last key {}): {msg}", p.line, go_quote(&p.last_key))
            };
            m.insert("Error", Value::from(text));
            Value::Map(m)
        }
    }
}

struct Parser {
    s: Vec<char>,
    i: usize,
    line: usize,
    last_key: String,
}

type PResult<T> = Result<T, String>;

fn is_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.s.get(self.i + n).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn starts(&self, t: &str) -> bool {
        t.chars().enumerate().all(|(k, c)| self.peek_at(k) == Some(c))
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n')) {
                self.i += 1;
            }
        }
    }

    /// Blanks, comments and newlines (between statements, inside arrays).
    fn skip_all(&mut self) {
        loop {
            self.skip_ws();
            self.skip_comment();
            match self.peek() {
                Some('\n') => {
                    self.bump();
                }
                Some('\r') if self.peek_at(1) == Some('\n') => self.i += 1,
                _ => return,
            }
        }
    }

    fn document(&mut self, root: &Map) -> PResult<()> {
        let mut current = root.clone();
        loop {
            self.skip_all();
            match self.peek() {
                None => return Ok(()),
                Some('[') => {
                    let array = self.peek_at(1) == Some('[');
                    self.i += if array { 2 } else { 1 };
                    let key = self.key()?;
                    self.skip_ws();
                    let close = if array { "]]" } else { "]" };
                    if !self.starts(close) {
                        return Err(format!("expected '{close}' but found {:?} instead", self.peek().unwrap_or(' ')));
                    }
                    self.i += close.len();
                    self.last_key = key.join(".");
                    current = if array { self.array_table(root, &key)? } else { self.table(root, &key)? };
                }
                Some(_) => self.key_value(&current)?,
            }
            self.skip_ws();
            self.skip_comment();
            match self.peek() {
                None | Some('\n') => {}
                Some('\r') if self.peek_at(1) == Some('\n') => {}
                Some(c) => {
                    return Err(format!(
                        "expected a top-level item to end with a newline, comment, or EOF, but got {c:?} instead"
                    ));
                }
            }
        }
    }

    /// The table at `keys` below `from`, made as needed (an array of tables yields its last).
    fn descend(&self, from: &Map, keys: &[String]) -> PResult<Map> {
        let mut m = from.clone();
        for k in keys {
            let next = match m.get(k) {
                Some(Value::Map(sub)) => sub,
                Some(Value::List(l)) => match l.items.last() {
                    Some(Value::Map(sub)) => sub.clone(),
                    _ => return Err(format!("Key '{k}' was already created as a non-table.")),
                },
                Some(_) => return Err(format!("Key '{k}' was already created as a non-table.")),
                None => {
                    let sub = Map::new();
                    m.insert(k.clone(), Value::Map(sub.clone()));
                    sub
                }
            };
            m = next;
        }
        Ok(m)
    }

    fn table(&mut self, root: &Map, key: &[String]) -> PResult<Map> {
        let (last, parents) = key.split_last().ok_or("empty table key")?;
        let parent = self.descend(root, parents)?;
        match parent.get(last) {
            Some(Value::Map(m)) => Ok(m),
            Some(_) => Err(format!("Key '{}' has already been defined.", key.join("."))),
            None => {
                let m = Map::new();
                parent.insert(last.clone(), Value::Map(m.clone()));
                Ok(m)
            }
        }
    }

    fn array_table(&mut self, root: &Map, key: &[String]) -> PResult<Map> {
        let (last, parents) = key.split_last().ok_or("empty table key")?;
        let parent = self.descend(root, parents)?;
        let m = Map::new();
        let mut items = match parent.get(last) {
            Some(Value::List(l)) => l.items.clone(),
            Some(_) => {
                return Err(format!("Key '{}' was already created and cannot be used as an array.", key.join(".")));
            }
            None => Vec::new(),
        };
        items.push(Value::Map(m.clone()));
        parent.insert(last.clone(), Value::list(items));
        Ok(m)
    }

    fn key(&mut self) -> PResult<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            let part = match self.peek() {
                Some('"') => {
                    self.i += 1;
                    self.basic_string(false)?
                }
                Some('\'') => {
                    self.i += 1;
                    self.literal_string(false)?
                }
                Some(c) if is_bare(c) => {
                    let start = self.i;
                    while self.peek().is_some_and(is_bare) {
                        self.i += 1;
                    }
                    self.s[start..self.i].iter().collect()
                }
                None => return Err("unexpected EOF; expected key".into()),
                Some(c) => return Err(format!("bare keys cannot contain {c:?}")),
            };
            parts.push(part);
            self.skip_ws();
            if self.peek() == Some('.') {
                self.i += 1;
                continue;
            }
            return Ok(parts);
        }
    }

    fn key_value(&mut self, table: &Map) -> PResult<()> {
        let key = self.key()?;
        self.last_key = key.join(".");
        self.skip_ws();
        match self.peek() {
            Some('=') => self.i += 1,
            None => return Err("unexpected EOF; expected key separator '='".into()),
            Some(c) => return Err(format!("expected key separator '=', but got {c:?} instead")),
        }
        self.skip_ws();
        let value = self.value()?;
        let (last, parents) = key.split_last().ok_or("empty key")?;
        let target = self.descend(table, parents)?;
        if target.contains_key(last) {
            return Err(format!("Key '{}' has already been defined.", key.join(".")));
        }
        target.insert(last.clone(), value);
        Ok(())
    }

    fn value(&mut self) -> PResult<Value> {
        match self.peek() {
            None | Some('\n') => Err("unexpected EOF; expected value".into()),
            Some('"') => {
                let multi = self.starts("\"\"\"");
                self.i += if multi { 3 } else { 1 };
                self.basic_string(multi).map(Value::from)
            }
            Some('\'') => {
                let multi = self.starts("'''");
                self.i += if multi { 3 } else { 1 };
                self.literal_string(multi).map(Value::from)
            }
            Some('[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_all();
                    if self.peek() == Some(']') {
                        self.i += 1;
                        return Ok(Value::list(items));
                    }
                    items.push(self.value()?);
                    self.skip_all();
                    match self.peek() {
                        Some(',') => self.i += 1,
                        Some(']') => {}
                        None => return Err("unexpected EOF; expected ']'".into()),
                        Some(c) => {
                            return Err(format!(
                                "expected a comma (',') or array terminator (']'), but got {c:?}"
                            ));
                        }
                    }
                }
            }
            Some('{') => {
                self.i += 1;
                let m = Map::new();
                self.skip_ws();
                if self.peek() == Some('}') {
                    self.i += 1;
                    return Ok(Value::Map(m));
                }
                loop {
                    self.skip_ws();
                    self.key_value(&m)?;
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.i += 1,
                        Some('}') => {
                            self.i += 1;
                            return Ok(Value::Map(m));
                        }
                        None => return Err("unexpected EOF; expected '}'".into()),
                        Some(c) => {
                            return Err(format!(
                                "expected a comma or an inline table terminator '}}', but got {c:?} instead"
                            ));
                        }
                    }
                }
            }
            Some('t') if self.starts("true") => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            Some('f') if self.starts("false") => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            Some(_) => self.number(),
        }
    }

    fn number(&mut self) -> PResult<Value> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_' | '.' | ':')) {
            self.i += 1;
        }
        let text: String = self.s[start..self.i].iter().collect();
        if text.is_empty() {
            return Err(format!("expected value but found {:?} instead", self.peek().unwrap_or(' ')));
        }
        let neg = text.starts_with('-');
        let body = text.strip_prefix(['+', '-']).unwrap_or(&text);
        match body {
            "inf" => return Ok(Value::Float(if neg { f64::NEG_INFINITY } else { f64::INFINITY })),
            "nan" => return Ok(Value::Float(f64::NAN)),
            _ => {}
        }
        let invalid = || format!("invalid integer {text:?}");
        let clean = |s: &str| -> Option<String> {
            if s.is_empty() || s.starts_with('_') || s.ends_with('_') || s.contains("__") {
                return None;
            }
            Some(s.replace('_', ""))
        };
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
            if let Some(r) = text.strip_prefix(prefix) {
                let digits = clean(r).ok_or_else(invalid)?;
                return i64::from_str_radix(&digits, radix).map(Value::Int64).map_err(|_| invalid());
            }
        }
        let digits = clean(body).ok_or_else(invalid)?;
        let sign = if neg { "-" } else { "" };
        if digits.chars().all(|c| c.is_ascii_digit()) {
            if digits.len() > 1 && digits.starts_with('0') {
                return Err(invalid());
            }
            return format!("{sign}{digits}").parse().map(Value::Int64).map_err(|_| invalid());
        }
        if digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
            return format!("{sign}{digits}")
                .parse()
                .map(Value::Float)
                .map_err(|_| format!("invalid float {text:?}"));
        }
        Err(format!("expected value but found {text:?} instead"))
    }

    fn basic_string(&mut self, multi: bool) -> PResult<String> {
        let mut out = String::new();
        if multi && self.peek() == Some('\n') {
            self.bump();
        }
        loop {
            match self.peek() {
                None if multi => return Err("unexpected EOF; expected '\"\"\"'".into()),
                None => return Err("unexpected EOF; expected '\"'".into()),
                Some('"') if !multi => {
                    self.i += 1;
                    return Ok(out);
                }
                Some('"') if self.starts("\"\"\"") => {
                    self.i += 3;
                    while self.peek() == Some('"') {
                        out.push('"');
                        self.i += 1;
                    }
                    return Ok(out);
                }
                Some('\n') if !multi => return Err("strings cannot contain newlines".into()),
                Some('\\') => {
                    self.i += 1;
                    let c = self.bump().ok_or("unexpected EOF")?;
                    match c {
                        'b' => out.push('\u{8}'),
                        't' => out.push('\t'),
                        'n' => out.push('\n'),
                        'f' => out.push('\u{c}'),
                        'r' => out.push('\r'),
                        'e' => out.push('\u{1b}'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' | 'U' | 'x' => {
                            let n = match c {
                                'u' => 4,
                                'U' => 8,
                                _ => 2,
                            };
                            let hex: String = (0..n).filter_map(|_| self.bump()).collect();
                            let code = u32::from_str_radix(&hex, 16).map_err(|_| format!("invalid escape {hex:?}"))?;
                            out.push(char::from_u32(code).ok_or_else(|| format!("invalid escape {hex:?}"))?);
                        }
                        ' ' | '\t' | '\n' | '\r' if multi => {
                            while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
                                self.bump();
                            }
                        }
                        c => return Err(format!("invalid escape character {c:?}")),
                    }
                }
                Some(c) => {
                    self.bump();
                    out.push(c);
                }
            }
        }
    }

    fn literal_string(&mut self, multi: bool) -> PResult<String> {
        let mut out = String::new();
        if multi && self.peek() == Some('\n') {
            self.bump();
        }
        loop {
            match self.peek() {
                None if multi => return Err("unexpected EOF; expected \"'''\"".into()),
                None => return Err("unexpected EOF; expected \"'\"".into()),
                Some('\'') if !multi => {
                    self.i += 1;
                    return Ok(out);
                }
                Some('\'') if self.starts("'''") => {
                    self.i += 3;
                    while self.peek() == Some('\'') {
                        out.push('\'');
                        self.i += 1;
                    }
                    return Ok(out);
                }
                Some('\n') if !multi => return Err("strings cannot contain newlines".into()),
                Some(c) => {
                    self.bump();
                    out.push(c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tables_arrays_and_numbers() {
        let v = from_toml("a = 1\n[t]\nb = 'x'\n[[arr]]\nc = 1.5\n[[arr]]\nc = 0x10\n");
        let json = crate::funcs::json::marshal(&v, false).unwrap_or_default();
        assert_eq!(json, r#"{"a":1,"arr":[{"c":1.5},{"c":16}],"t":{"b":"x"}}"#);
    }
}
