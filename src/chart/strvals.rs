//! helm's `--set` family of flags (`pkg/strvals`): `a.b=1,c[0]=x,d={x,y}` parsed into values,
//! with helm's type inference, escapes, list indexes, limits and error messages.
//!
//! Flavours: `--set` (typed), `--set-string` (strings), `--set-json` (JSON values),
//! `--set-file` (the value names a file whose contents become a string) and `--set-literal`
//! (everything after the first `=` is the value, no escapes or splitting).

use crate::value::{Map, Value, go_quote};

/// helm's `MaxIndex`: the largest list index `--set` accepts.
pub const MAX_INDEX: i64 = 65536;
/// helm's `MaxNestedNameLevel`.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Reads a `--set-file` path into its value.
pub type FileReader<'a> = &'a dyn Fn(&str) -> Result<Value, String>;

/// How a parser turns the text of a value into a value.
#[derive(Clone, Copy)]
enum Reader<'a> {
    Typed,
    String,
    Json,
    File(FileReader<'a>),
}

/// End of input, as Go's `io.EOF`.
const EOF: &str = "EOF";

#[derive(Debug)]
enum Stop {
    Eof,
    Err(String),
}

impl From<String> for Stop {
    fn from(s: String) -> Stop {
        Stop::Err(s)
    }
}

fn msg(s: Stop) -> String {
    match s {
        Stop::Eof => EOF.into(),
        Stop::Err(m) => m,
    }
}

struct Parser<'a> {
    s: Vec<char>,
    pos: usize,
    reader: Reader<'a>,
}

/// `--set`: parses `s` into `dest`.
pub fn parse_into(s: &str, dest: &Map) -> Result<(), String> {
    Parser::new(s, Reader::Typed).parse(dest)
}

/// `--set-string`: parses `s` into `dest`, every value a string.
pub fn parse_into_string(s: &str, dest: &Map) -> Result<(), String> {
    Parser::new(s, Reader::String).parse(dest)
}

/// `--set-json`: parses `s` into `dest`, values as JSON.
pub fn parse_json(s: &str, dest: &Map) -> Result<(), String> {
    Parser::new(s, Reader::Json).parse(dest)
}

/// `--set-file`: parses `s` into `dest`, each value read by `reader`.
pub fn parse_into_file(s: &str, dest: &Map, reader: FileReader<'_>) -> Result<(), String> {
    Parser::new(s, Reader::File(reader)).parse(dest)
}

/// `--set`, into a fresh map.
pub fn parse(s: &str) -> Result<Map, String> {
    let m = Map::new();
    parse_into(s, &m)?;
    Ok(m)
}

/// `--set-literal`: parses `s` into `dest`.
pub fn parse_literal_into(s: &str, dest: &Map) -> Result<(), String> {
    let mut p = Parser::new(s, Reader::String);
    loop {
        match p.literal_key(dest, 0) {
            Ok(()) => continue,
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Err(m)) => return Err(m),
        }
    }
}

/// Go's `%q` of a `[]rune`: `['a' 'b']`.
fn quote_runes(s: &str) -> String {
    let parts: Vec<String> = s
        .chars()
        .map(|c| {
            let q = go_quote(&c.to_string());
            let inner = &q[1..q.len() - 1];
            match c {
                '"' => "'\"'".to_string(),
                '\'' => "'\\''".to_string(),
                _ => format!("'{inner}'"),
            }
        })
        .collect();
    format!("[{}]", parts.join(" "))
}

/// Go's panic text for a failed type assertion from `interface {}`.
fn conversion_panic(v: &Value, want: &str) -> Stop {
    let have = if v.is_nil() { "nil".to_string() } else { v.type_name() };
    Stop::Err(format!("unable to parse key: interface conversion: interface {{}} is {have}, not {want}"))
}

const MAP_TYPE: &str = "map[string]interface {}";
const LIST_TYPE: &str = "[]interface {}";

fn existing_map(data: &Map, key: &str) -> Result<Map, Stop> {
    match data.get(key) {
        None => Ok(Map::new()),
        Some(Value::Map(m)) if m.elem() == crate::value::ElemType::Interface => Ok(m),
        Some(other) => Err(conversion_panic(&other, MAP_TYPE)),
    }
}

fn existing_list(data: &Map, key: &str) -> Result<Vec<Value>, Stop> {
    match data.get(key) {
        None => Ok(Vec::new()),
        Some(Value::List(l)) if l.elem == crate::value::ElemType::Interface => Ok(l.items.clone()),
        Some(other) => Err(conversion_panic(&other, LIST_TYPE)),
    }
}

fn set(data: &Map, key: &str, val: Value) {
    if !key.is_empty() {
        data.insert(key, val);
    }
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> Result<Vec<Value>, (Vec<Value>, Stop)> {
    if index < 0 {
        return Err((list, Stop::Err(format!("negative {index} index not allowed"))));
    }
    if index > MAX_INDEX {
        return Err((
            list,
            Stop::Err(format!("index of {index} is greater than maximum supported index of {MAX_INDEX}")),
        ));
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    list[i] = val;
    Ok(list)
}

/// Go's `strconv.Atoi`.
fn atoi(s: &str) -> Result<i64, String> {
    let err = |what: &str| format!("strconv.Atoi: parsing {}: {what}", go_quote(s));
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("invalid syntax"));
    }
    let mut n: i128 = 0;
    for b in digits.bytes() {
        n = n * 10 + i128::from(b - b'0');
        if n > i128::from(i64::MAX) + 1 {
            return Err(err("value out of range"));
        }
    }
    if neg {
        n = -n;
    }
    i64::try_from(n).map_err(|_| err("value out of range"))
}

/// helm's `typedVal`.
fn typed_val(val: &str, as_string: bool) -> Value {
    if as_string {
        return Value::str(val);
    }
    if val.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if val.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if val.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if val == "0" {
        return Value::Int64(0);
    }
    if !val.is_empty() && !val.starts_with('0') {
        if let Some(i) = parse_int64(val) {
            return Value::Int64(i);
        }
    }
    Value::str(val)
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn parse_int64(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: i128 = 0;
    for b in digits.bytes() {
        n = n * 10 + i128::from(b - b'0');
        if n > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    i64::try_from(if neg { -n } else { n }).ok()
}

/// A JSON value as Go's `encoding/json` decodes into `interface{}` (numbers are float64).
pub fn json_value(v: serde_json::Value) -> Value {
    json_to_value(v)
}

fn json_to_value(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.into_iter().map(json_to_value).collect()),
        serde_json::Value::Object(o) => {
            let m = Map::new();
            for (k, v) in o {
                m.insert(k, json_to_value(v));
            }
            Value::Map(m)
        }
    }
}

impl<'a> Parser<'a> {
    fn new(s: &str, reader: Reader<'a>) -> Parser<'a> {
        Parser { s: s.chars().collect(), pos: 0, reader }
    }

    fn parse(&mut self, data: &Map) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(Stop::Eof) => return Ok(()),
                Err(Stop::Err(m)) => return Err(m),
            }
        }
    }

    fn read(&mut self) -> Option<char> {
        let c = self.s.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos -= 1;
    }

    /// helm's `runesUntil`: text up to a stop rune, with `\x` escapes unless `literal`.
    fn runes_until(&mut self, stop: &[char], literal: bool) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            match self.read() {
                None => return (v, None),
                Some(r) if stop.contains(&r) => return (v, Some(r)),
                Some('\\') if !literal => match self.read() {
                    None => return (v, None),
                    Some(next) => v.push(next),
                },
                Some(r) => v.push(r),
            }
        }
    }

    fn read_value(&self, rs: &str) -> Result<Value, Stop> {
        match self.reader {
            Reader::Typed => Ok(typed_val(rs, false)),
            Reader::String | Reader::Json => Ok(typed_val(rs, true)),
            Reader::File(f) => f(rs).map_err(Stop::Err),
        }
    }

    fn key(&mut self, data: &Map, mut level: usize) -> Result<(), Stop> {
        let (k, last) = self.runes_until(&['=', '[', ',', '.'], false);
        match last {
            None => {
                if k.is_empty() {
                    Err(Stop::Eof)
                } else {
                    Err(Stop::Err(format!("key {} has no value", go_quote(&k))))
                }
            }
            Some('[') => {
                let i = self.key_index(false).map_err(|e| Stop::Err(format!("error parsing index: {}", msg(e))))?;
                let list = existing_list(data, &k)?;
                let (list, res) = match self.list_item(list, i, level) {
                    Ok(l) => (l, Ok(())),
                    Err((l, e)) => (l, Err(e)),
                };
                set(data, &k, Value::list(list));
                res
            }
            Some('=') => {
                if matches!(self.reader, Reader::Json) {
                    if self.empty_val() {
                        set(data, &k, Value::Nil);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set(data, &k, v);
                    self.empty_val();
                    return Ok(());
                }
                match self.val_list() {
                    Ok(vl) => {
                        set(data, &k, Value::list(vl));
                        Ok(())
                    }
                    Err(ListErr::Eof) => {
                        set(data, &k, Value::str(""));
                        Err(Stop::Eof)
                    }
                    Err(ListErr::NotList) => {
                        let (rs, _) = self.runes_until(&[','], false);
                        let v = self.read_value(&rs)?;
                        set(data, &k, v);
                        Ok(())
                    }
                    Err(ListErr::Err(e)) => Err(Stop::Err(e)),
                }
            }
            Some(',') => {
                set(data, &k, Value::str(""));
                Err(Stop::Err(format!("key {} has no value (cannot end with ,)", go_quote(&k))))
            }
            Some(_) => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(Stop::Err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = existing_map(data, &k)?;
                let e = self.key(&inner, level);
                if e.is_ok() && inner.is_empty() {
                    return Err(Stop::Err(format!("key map {} has no value", go_quote(&k))));
                }
                if !inner.is_empty() {
                    set(data, &k, Value::Map(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self, literal: bool) -> Result<i64, Stop> {
        let (v, last) = self.runes_until(&[']'], literal);
        if last.is_none() {
            return Err(Stop::Eof);
        }
        atoi(&v).map_err(Stop::Err)
    }

    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> Result<Vec<Value>, (Vec<Value>, Stop)> {
        if i < 0 {
            return Err((list, Stop::Err(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.runes_until(&['[', '.', '='], false);
        if !k.is_empty() {
            return Err((list, Stop::Err(format!("unexpected data at end of array index: {}", quote_runes(&k)))));
        }
        match last {
            None => Err((list, Stop::Eof)),
            Some('=') => {
                if matches!(self.reader, Reader::Json) {
                    if self.empty_val() {
                        return set_index(list, i, Value::Nil);
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return Err((list, e)),
                    };
                    let list = set_index(list, i, v)?;
                    self.empty_val();
                    return Ok(list);
                }
                match self.val_list() {
                    Ok(vl) => set_index(list, i, Value::list(vl)),
                    Err(ListErr::Eof) => set_index(list, i, Value::str("")),
                    Err(ListErr::NotList) => {
                        let (rs, _) = self.runes_until(&[','], false);
                        match self.read_value(&rs) {
                            Ok(v) => set_index(list, i, v),
                            Err(e) => Err((list, e)),
                        }
                    }
                    Err(ListErr::Err(e)) => Err((list, Stop::Err(e))),
                }
            }
            Some('[') => self.nested_list(list, i, level, false),
            Some(_) => {
                let inner = match list.get(i as usize) {
                    Some(Value::Map(m)) => m.clone(),
                    _ => Map::new(),
                };
                if let Err(e) = self.key(&inner, level) {
                    return Err((list, e));
                }
                set_index(list, i, Value::Map(inner))
            }
        }
    }

    /// Skips spaces; true at the end of the input or after a `,`.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(r) if r.is_whitespace() => continue,
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// Decodes one JSON value from the rest of the input.
    fn json_value(&mut self) -> Result<Value, Stop> {
        let rest: String = self.s[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        let v = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(Stop::Err(e.to_string())),
            None => return Err(Stop::Err("unexpected end of JSON input".into())),
        };
        let used = stream.byte_offset();
        self.pos += rest[..used].chars().count();
        Ok(json_to_value(v))
    }

    fn val_list(&mut self) -> Result<Vec<Value>, ListErr> {
        match self.read() {
            None => return Err(ListErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(ListErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.runes_until(&[',', '}'], false);
            match last {
                None => return Err(ListErr::Err("list must terminate with '}'".into())),
                Some('}') => {
                    if let Some(r) = self.read() {
                        if r != ',' {
                            self.unread();
                        }
                    }
                    let v = self.read_value(&rs).map_err(|e| ListErr::Err(msg(e)))?;
                    list.push(v);
                    return Ok(list);
                }
                Some(_) => {
                    let v = self.read_value(&rs).map_err(|e| ListErr::Err(msg(e)))?;
                    list.push(v);
                }
            }
        }
    }

    fn literal_key(&mut self, data: &Map, mut level: usize) -> Result<(), Stop> {
        let (key, last) = self.runes_until(&['=', '[', '.'], true);
        match last {
            None => {
                if key.is_empty() {
                    Err(Stop::Eof)
                } else {
                    Err(Stop::Err(format!("key {} has no value", go_quote(&key))))
                }
            }
            Some('=') => {
                let (value, _) = self.runes_until(&[], true);
                set(data, &key, Value::str(value));
                Ok(())
            }
            Some('.') => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(Stop::Err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = existing_map(data, &key)?;
                let e = self.literal_key(&inner, level);
                if e.is_ok() && inner.is_empty() {
                    return Err(Stop::Err(format!("key map {} has no value", go_quote(&key))));
                }
                if !inner.is_empty() {
                    set(data, &key, Value::Map(inner));
                }
                e
            }
            Some(_) => {
                let i = self.key_index(true).map_err(|e| Stop::Err(format!("error parsing index: {}", msg(e))))?;
                let list = existing_list(data, &key)?;
                let (list, res) = match self.literal_list_item(list, i, level) {
                    Ok(l) => (l, Ok(())),
                    Err((l, e)) => (l, Err(e)),
                };
                set(data, &key, Value::list(list));
                res
            }
        }
    }

    /// `a[i][j]…`: the list at `list[i]` (created when missing), filled by the next index.
    fn nested_list(
        &mut self,
        list: Vec<Value>,
        i: i64,
        level: usize,
        literal: bool,
    ) -> Result<Vec<Value>, (Vec<Value>, Stop)> {
        let next = match self.key_index(literal) {
            Ok(n) => n,
            Err(e) => return Err((list, Stop::Err(format!("error parsing index: {}", msg(e))))),
        };
        let current = match list.get(i as usize) {
            None | Some(Value::Nil) => Vec::new(),
            Some(Value::List(l)) => l.items.clone(),
            Some(other) => {
                let e = conversion_panic(other, LIST_TYPE);
                return Err((list, e));
            }
        };
        let filled = if literal {
            self.literal_list_item(current, next, level)
        } else {
            self.list_item(current, next, level)
        };
        match filled {
            Ok(inner) => set_index(list, i, Value::list(inner)),
            Err((_, e)) => Err((list, e)),
        }
    }

    fn literal_list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> Result<Vec<Value>, (Vec<Value>, Stop)> {
        if i < 0 {
            return Err((list, Stop::Err(format!("negative {i} index not allowed"))));
        }
        let (key, last) = self.runes_until(&['[', '.', '='], true);
        if !key.is_empty() {
            return Err((list, Stop::Err(format!("unexpected data at end of array index: {}", quote_runes(&key)))));
        }
        match last {
            None => Err((list, Stop::Eof)),
            Some('=') => {
                let (value, _) = self.runes_until(&[], true);
                set_index(list, i, Value::str(value))
            }
            Some('.') => {
                let inner = match list.get(i as usize) {
                    Some(Value::Map(m)) => m.clone(),
                    _ => Map::new(),
                };
                if let Err(e) = self.literal_key(&inner, level) {
                    return Err((list, e));
                }
                set_index(list, i, Value::Map(inner))
            }
            Some(_) => self.nested_list(list, i, level, true),
        }
    }
}

enum ListErr {
    Eof,
    NotList,
    Err(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(m: &Map) -> String {
        crate::funcs::json::marshal(&Value::Map(m.clone()), false).unwrap()
    }

    fn types(v: &Value) -> String {
        match v {
            Value::Map(m) => {
                let parts: Vec<String> = m.entries().iter().map(|(k, v)| format!("{k}:{}", types(v))).collect();
                format!("{{{}}}", parts.join(" "))
            }
            Value::List(l) => format!("[{}]", l.items.iter().map(types).collect::<Vec<_>>().join(" ")),
            other => other.type_name(),
        }
    }

    // Expectations below were produced by helm v3.15.3: `helm template` of a chart printing
    // `{{ toJson .Values }}` and the Go type of each value, with the same flags.
    #[test]
    fn set_matches_helm() {
        let cases: &[(&str, &str, &str)] = &[
            ("a=1,b=true,c=null,d=0,e=01,f=-3,g=+4,h=1.5,i=TRUE,j=", r#"{"a":1,"b":true,"c":null,"d":0,"e":"01","f":-3,"g":4,"h":"1.5","i":true,"j":""}"#,
             "{a:int64 b:bool c:<nil> d:int64 e:string f:int64 g:int64 h:string i:bool j:string}"),
            ("a.b.c=x,a.b.d=y", r#"{"a":{"b":{"c":"x","d":"y"}}}"#, "{a:{b:{c:string d:string}}}"),
            ("l[2]=x,l[0]=y", r#"{"l":["y",null,"x"]}"#, "{l:[string <nil> string]}"),
            ("l={a,1,true}", r#"{"l":["a",1,true]}"#, "{l:[string int64 bool]}"),
            (r"a\.b=1,c=x\,y", r#"{"a.b":1,"c":"x,y"}"#, "{a.b:int64 c:string}"),
            ("l[0].n=a,l[0].m=b,l[1][1]=c", r#"{"l":[{"m":"b","n":"a"},[null,"c"]]}"#, "{l:[{m:string n:string} [<nil> string]]}"),
            ("x=9223372036854775808", r#"{"x":"9223372036854775808"}"#, "{x:string}"),
        ];
        for (input, want_json, want_types) in cases {
            let m = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(json(&m), *want_json, "{input}");
            assert_eq!(types(&Value::Map(m)), *want_types, "{input}");
        }
    }

    #[test]
    fn set_errors_match_helm() {
        let cases: &[(&str, &str)] = &[
            ("a", r#"key "a" has no value"#),
            ("a,b=1", r#"key "a" has no value (cannot end with ,)"#),
            ("a.=1", r#"key map "a" has no value"#),
            ("a[x]=1", r#"error parsing index: strconv.Atoi: parsing "x": invalid syntax"#),
            ("a[-1]=1", "negative -1 index not allowed"),
            ("a[65537]=1", "index of 65537 is greater than maximum supported index of 65536"),
            ("a[0]x=1", "unexpected data at end of array index: ['x']"),
            ("a={b,c", "list must terminate with '}'"),
            ("a=1,a.b=2", "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}"),
            ("a=1,a[0]=2", "unable to parse key: interface conversion: interface {} is int64, not []interface {}"),
            ("a[0", "error parsing index: EOF"),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).expect_err(input), *want, "{input}");
        }
    }

    #[test]
    fn string_json_literal() {
        let m = Map::new();
        parse_into_string("a=1,b=true,c=null", &m).unwrap();
        assert_eq!(json(&m), r#"{"a":"1","b":"true","c":"null"}"#);
        let m = Map::new();
        parse_json(r#"a={"x":[1,2]},b=,c="s""#, &m).unwrap();
        assert_eq!(json(&m), r#"{"a":{"x":[1,2]},"b":null,"c":"s"}"#);
        assert_eq!(types(&Value::Map(m)), "{a:{x:[float64 float64]} b:<nil> c:string}");
        let m = Map::new();
        parse_literal_into(r"a.b=x,y=z\n", &m).unwrap();
        assert_eq!(json(&m), r#"{"a":{"b":"x,y=z\\n"}}"#);
    }
}
