//! A repository index read lazily, for resolving a few charts out of a large `index.yaml`.
//!
//! A full YAML parse of a 15 MB index costs about half a second; resolving one chart needs
//! only that chart's entries. [`LazyIndex::parse`] makes one cheap pass over the text that
//! understands the block-style layout indexes are written in (helm, chartmuseum, helm-s3 and
//! `repo index` all write it): it records where each chart's entries are, validates every
//! entry as helm's `loadIndex` does (same warnings, in the same order as [`IndexFile::parse`])
//! and leaves everything else unread. A chart's entries are parsed properly (the saphyr
//! reader of [`super::index`]) the first time the chart is asked for.
//!
//! The pass accepts a strict subset of YAML. Whenever the text leaves it (flow-style or JSON
//! indexes, anchors, tags, keys it cannot read, anything it is unsure about) the whole file is
//! parsed by [`IndexFile::parse`] instead, so the answers are always those of the full reader.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::index::{ChartVersion, EventReader, IndexError, IndexFile, RawNode, ResolveError, resolve, skip_warning};
use crate::semver::Dialect;

/// A parsed `index.yaml` whose charts are read on first use.
#[derive(Debug)]
pub struct LazyIndex {
    pub api_version: String,
    pub generated: String,
    pub annotations: BTreeMap<String, String>,
    /// One line per skipped entry, in helm's words (all charts, not only those read).
    pub warnings: Vec<String>,
    source_name: String,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// The text and where each chart's entries are in it; charts read so far.
    Lazy { text: String, charts: HashMap<String, ChartSpan>, read: Mutex<HashMap<String, Arc<Vec<ChartVersion>>>> },
    /// The file needed the full reader.
    Full(IndexFile),
}

/// A chart's block under `entries:`: from its key line to the end of its last entry.
#[derive(Debug, Clone, Copy)]
struct ChartSpan {
    start: usize,
    end: usize,
    /// 1-based line of `start`, for error messages.
    line: usize,
}

impl LazyIndex {
    /// Reads an index; `source_name` names it in warnings and errors. Errors as
    /// [`IndexFile::parse`].
    pub fn parse(data: Vec<u8>, source_name: &str) -> Result<LazyIndex, IndexError> {
        if data.is_empty() {
            return Err(IndexError::Empty);
        }
        let text = match String::from_utf8(data) {
            Ok(t) => t,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let scan = match Scanner::new(&text, source_name).scan() {
            Ok(scan) => scan,
            Err(Unsupported) => return Self::full(&text, source_name),
        };
        // Everything but the entries (apiVersion, generated, annotations…) through the full
        // reader: it is small, and its syntax is then checked exactly.
        let mut skeleton = String::with_capacity(text.len() - (scan.entries.1 - scan.entries.0));
        skeleton.push_str(&text[..scan.entries.0]);
        skeleton.push_str(&text[scan.entries.1..]);
        let head = match EventReader::new(&skeleton, source_name).read_index() {
            Ok(head) if !head.api_version.is_empty() => head,
            // The full reader's error names the right line.
            _ => return Self::full(&text, source_name),
        };
        let mut warnings = scan.empty_entry_warnings;
        warnings.extend(scan.invalid_entry_warnings.into_values().flatten());
        Ok(LazyIndex {
            api_version: head.api_version,
            generated: head.generated,
            annotations: head.annotations,
            warnings,
            source_name: source_name.to_string(),
            body: Body::Lazy { charts: scan.charts, text, read: Mutex::new(HashMap::new()) },
        })
    }

    fn full(text: &str, source_name: &str) -> Result<LazyIndex, IndexError> {
        let index = IndexFile::parse(text.as_bytes(), source_name)?;
        Ok(LazyIndex {
            api_version: index.api_version.clone(),
            generated: index.generated.clone(),
            annotations: index.annotations.clone(),
            warnings: index.warnings.clone(),
            source_name: source_name.to_string(),
            body: Body::Full(index),
        })
    }

    /// Whether the fast pass read this index (false: the full reader did).
    pub fn is_lazy(&self) -> bool {
        matches!(self.body, Body::Lazy { .. })
    }

    /// Chart names, sorted.
    pub fn chart_names(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.body {
            Body::Lazy { charts, .. } => charts.keys().cloned().collect(),
            Body::Full(index) => index.entries.keys().cloned().collect(),
        };
        names.sort();
        names
    }

    /// The valid versions of chart `name`, newest first (empty when the chart is absent).
    pub fn versions(&self, name: &str) -> Result<Arc<Vec<ChartVersion>>, IndexError> {
        let (text, charts, read) = match &self.body {
            Body::Full(index) => return Ok(Arc::new(index.entries.get(name).cloned().unwrap_or_default())),
            Body::Lazy { text, charts, read } => (text, charts, read),
        };
        if let Some(v) = read.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
            return Ok(v.clone());
        }
        let versions = match charts.get(name) {
            None => Vec::new(),
            Some(span) => read_chart(&text[span.start..span.end], span.line, name, &self.source_name)?,
        };
        let versions = Arc::new(versions);
        read.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), versions.clone());
        Ok(versions)
    }

    /// helm's `IndexFile.Get` (see [`IndexFile::get`]).
    pub fn get(&self, name: &str, constraint: &str, repo: &str) -> Result<ChartVersion, LazyError> {
        let versions = self.versions(name)?;
        if versions.is_empty() {
            return Err(ResolveError::NoChart { name: name.into(), repo: repo.into() }.into());
        }
        Ok(resolve(name, &versions, constraint, repo, Dialect::V3_2)?.clone())
    }
}

/// Why [`LazyIndex::get`] failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LazyError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
}

/// One chart's block, read by the full reader: valid entries, newest first.
fn read_chart(block: &str, first_line: usize, name: &str, source_name: &str) -> Result<Vec<ChartVersion>, IndexError> {
    let mut index = IndexFile::default();
    let shift = |e: IndexError| match e {
        IndexError::Syntax { source_name, line, message } => IndexError::Syntax { source_name, line: line + first_line - 1, message },
        other => other,
    };
    let mut reader = EventReader::new(block, source_name);
    match reader.next_content().map_err(shift)? {
        super::index::Ev::MappingStart(..) => reader.read_entry_pairs(&mut index).map_err(shift)?,
        _ => return Err(shift(reader.error(format!("the entries of chart {name:?} are not a mapping")))),
    }
    // Warnings were given by the fast pass already.
    index.validate_entries(source_name);
    index.sort_entries();
    Ok(index.entries.remove(name).unwrap_or_default())
}

// ---------------------------------------------------------------- the fast pass

/// The text left the subset the fast pass reads: use the full reader.
#[derive(Debug)]
struct Unsupported;

type Scan<T> = Result<T, Unsupported>;

struct ScanResult {
    charts: HashMap<String, ChartSpan>,
    /// Byte range of the `entries:` block (its value lines).
    entries: (usize, usize),
    /// "empty entry" warnings, in file order (the full reader gives them while reading).
    empty_entry_warnings: Vec<String>,
    /// Validation warnings per chart; the full reader gives them by chart name after reading,
    /// and a chart named twice keeps only its last block.
    invalid_entry_warnings: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// End of the content (before `\r\n` or `\n`).
    end: usize,
    /// Start of the next line.
    next: usize,
    indent: usize,
    number: usize,
}

/// What the fast pass keeps of a value.
#[derive(Debug, PartialEq)]
enum Val<'a> {
    /// A one-line scalar without escapes, as the full reader's `text()` gives it (null → "").
    Text(&'a str),
    /// Anything else the pass cannot give the text of (multi-line, escaped, a collection).
    Complex,
    /// A block sequence's items (for `maintainers` and `dependencies`).
    Items(Vec<Item<'a>>),
}

#[derive(Debug, PartialEq)]
enum Item<'a> {
    Null,
    /// A mapping; its `name` and `alias`.
    Map { name: Option<Val<'a>>, alias: Option<Val<'a>> },
    Other,
}

#[derive(Clone, Copy, PartialEq)]
enum Want {
    Skip,
    Scalar,
    Items,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    source_name: &'a str,
    pos: usize,
    number: usize,
}

/// Plain scalars the full reader reads as null.
fn is_null_word(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, source_name: &'a str) -> Self {
        Scanner { text, bytes: text.as_bytes(), source_name, pos: 0, number: 1 }
    }

    /// The line at the cursor (`None` at the end).
    fn line(&self) -> Scan<Option<Line>> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let rest = &self.bytes[self.pos..];
        let (mut end, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (self.pos + i, self.pos + i + 1),
            None => (self.bytes.len(), self.bytes.len()),
        };
        if end > self.pos && self.bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let indent = rest.iter().take(end - self.pos).take_while(|&&b| b == b' ').count();
        if self.bytes.get(self.pos + indent) == Some(&b'\t') && self.pos + indent < end {
            // Tabs around indentation: leave the fine points to the full reader.
            return Err(Unsupported);
        }
        Ok(Some(Line { start: self.pos, end, next, indent, number: self.number }))
    }

    fn advance(&mut self, line: &Line) {
        self.pos = line.next;
        self.number = line.number + 1;
    }

    fn content(&self, line: &Line) -> &'a str {
        &self.text[line.start + line.indent..line.end]
    }

    /// The next line with content, skipping blank and comment lines.
    fn content_line(&mut self) -> Scan<Option<Line>> {
        while let Some(line) = self.line()? {
            let c = self.content(&line);
            if c.is_empty() || c.starts_with('#') {
                self.advance(&line);
                continue;
            }
            return Ok(Some(line));
        }
        Ok(None)
    }

    /// Consumes blank lines and lines indented deeper than `indent`.
    fn skip_deeper(&mut self, indent: usize) -> Scan<()> {
        while let Some(line) = self.line()? {
            if line.indent > indent || self.content(&line).is_empty() {
                self.advance(&line);
            } else {
                break;
            }
        }
        Ok(())
    }

    fn scan(&mut self) -> Scan<ScanResult> {
        let mut result = ScanResult {
            charts: HashMap::new(),
            entries: (0, 0),
            empty_entry_warnings: Vec::new(),
            invalid_entry_warnings: BTreeMap::new(),
        };
        if self.text.starts_with('\u{feff}') {
            return Err(Unsupported);
        }
        let mut first = true;
        let mut seen_entries = false;
        while let Some(line) = self.content_line()? {
            let content = self.content(&line);
            if line.indent != 0 {
                return Err(Unsupported);
            }
            if content == "---" && first {
                self.advance(&line);
                first = false;
                continue;
            }
            first = false;
            let (key, rest) = split_key(content).ok_or(Unsupported)?;
            self.advance(&line);
            if key == "entries" {
                if seen_entries || !is_empty_value(rest) {
                    return Err(Unsupported);
                }
                seen_entries = true;
                let start = self.pos;
                self.scan_entries(&mut result)?;
                result.entries = (start, self.pos);
            } else {
                self.value(0, rest, Want::Skip)?;
            }
        }
        Ok(result)
    }

    fn scan_entries(&mut self, result: &mut ScanResult) -> Scan<()> {
        let Some(first) = self.content_line()? else { return Ok(()) };
        let chart_indent = first.indent;
        while let Some(line) = self.content_line()? {
            if line.indent == 0 {
                break;
            }
            let content = self.content(&line);
            if line.indent != chart_indent || content.starts_with('-') {
                return Err(Unsupported);
            }
            let (name, rest) = split_key(content).ok_or(Unsupported)?;
            if !is_empty_value(rest) {
                return Err(Unsupported);
            }
            self.advance(&line);
            let first_item = self.content_line()?.ok_or(Unsupported)?;
            if first_item.indent < chart_indent || !is_dash(self.content(&first_item)) {
                return Err(Unsupported);
            }
            let mut warnings = Vec::new();
            while let Some(item) = self.content_line()? {
                if item.indent != first_item.indent || !is_dash(self.content(&item)) {
                    break;
                }
                self.scan_item(&item, name, result, &mut warnings)?;
            }
            match self.content_line()? {
                Some(next) if next.indent != 0 && (next.indent != chart_indent || self.content(&next).starts_with('-')) => {
                    return Err(Unsupported);
                }
                _ => {}
            }
            result.charts.insert(name.to_string(), ChartSpan { start: line.start, end: self.pos, line: line.number });
            result.invalid_entry_warnings.insert(name.to_string(), warnings);
        }
        Ok(())
    }

    /// One `- …` entry of chart `chart`: validated as helm's `loadIndex` would.
    fn scan_item(&mut self, dash: &Line, chart: &str, result: &mut ScanResult, warnings: &mut Vec<String>) -> Scan<()> {
        let content = self.content(dash);
        let after = &content[1..];
        let gap = after.len() - after.trim_start_matches(' ').len();
        let rest = &after[gap..];
        self.advance(dash);
        let Some((key, value_rest)) = split_key(rest) else {
            if rest.starts_with('{') {
                // A flow mapping: the full reader reads this entry.
                self.value(dash.indent, rest, Want::Skip)?;
                let mut cv = self.read_entry(dash.start)?;
                if let Some(w) = skip_warning(chart, &mut cv, self.source_name) {
                    warnings.push(w);
                }
                return Ok(());
            }
            let null = strip_comment(rest).is_some_and(is_null_word);
            if !null || matches!(self.content_line()?, Some(l) if l.indent > dash.indent) {
                return Err(Unsupported);
            }
            result
                .empty_entry_warnings
                .push(format!("skipping loading invalid entry for chart {chart:?} from {}: empty entry", self.source_name));
            return Ok(());
        };
        let key_indent = dash.indent + 1 + gap;
        let mut fields = EntryFields::default();
        self.field(key_indent, key, value_rest, &mut fields)?;
        while let Some(line) = self.content_line()? {
            if line.indent != key_indent {
                if line.indent > key_indent {
                    return Err(Unsupported);
                }
                break;
            }
            let (key, value_rest) = split_key(self.content(&line)).ok_or(Unsupported)?;
            self.advance(&line);
            self.field(key_indent, key, value_rest, &mut fields)?;
        }
        let mut cv = match fields.into_chart_version() {
            Some(cv) => cv,
            // Something validation looks at is not plain: read this entry properly.
            None => self.read_entry(dash.start)?,
        };
        if let Some(w) = skip_warning(chart, &mut cv, self.source_name) {
            warnings.push(w);
        }
        Ok(())
    }

    /// The entry from `start` (its dash line) to the cursor, read by the full reader.
    fn read_entry(&self, start: usize) -> Scan<ChartVersion> {
        let mut reader = EventReader::new(&self.text[start..self.pos], self.source_name);
        match reader.next_content() {
            Ok(super::index::Ev::SequenceStart(..)) => {}
            _ => return Err(Unsupported),
        }
        match reader.next() {
            Ok(super::index::Ev::MappingStart(..)) => {}
            _ => return Err(Unsupported),
        }
        reader.read_version().map_err(|_| Unsupported)
    }

    fn field(&mut self, indent: usize, key: &'a str, rest: &'a str, fields: &mut EntryFields<'a>) -> Scan<()> {
        let want = match key {
            "name" | "version" | "apiVersion" | "type" => Want::Scalar,
            "maintainers" | "dependencies" => Want::Items,
            _ => Want::Skip,
        };
        let value = self.value(indent, rest, want)?;
        match key {
            "name" => fields.name = Some(value),
            "version" => fields.version = Some(value),
            "apiVersion" => fields.api_version = Some(value),
            "type" => fields.chart_type = Some(value),
            "maintainers" => fields.maintainers = Some(value),
            "dependencies" => fields.dependencies = Some(value),
            _ => {}
        }
        Ok(())
    }

    /// The value of a key at `indent` whose line goes on with `rest` (after the colon); the
    /// key's line has been consumed. Consumes the value's lines.
    fn value(&mut self, indent: usize, rest: &'a str, want: Want) -> Scan<Val<'a>> {
        let rest = rest.trim_start_matches(' ');
        let Some(&first) = rest.as_bytes().first() else { return self.block_value(indent, want) };
        match first {
            b'#' => self.block_value(indent, want),
            b'|' | b'>' => {
                self.skip_deeper(indent)?;
                Ok(Val::Complex)
            }
            b'"' | b'\'' => {
                let (text, escaped, after) = match quoted(rest) {
                    Some(q) => q,
                    None => {
                        self.multi_line_quoted(indent, rest)?;
                        return Ok(Val::Complex);
                    }
                };
                if !is_empty_value(after) {
                    return Err(Unsupported);
                }
                self.no_deeper(indent)?;
                Ok(if escaped { Val::Complex } else { Val::Text(text) })
            }
            b'[' | b'{' => {
                let close = if first == b'[' { "]" } else { "}" };
                // One line, perhaps with a comment after it.
                let flow = match rest.rfind(close) {
                    Some(end) if is_empty_value(&rest[end + 1..]) => &rest[..=end],
                    _ => return Err(Unsupported),
                };
                self.no_deeper(indent)?;
                if flow.len() == 2 {
                    // `[]` or `{}`: no items, empty text.
                    return Ok(if want == Want::Items { Val::Items(Vec::new()) } else { Val::Text("") });
                }
                Ok(Val::Complex)
            }
            b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b',' | b']' | b'}' => Err(Unsupported),
            b'-' | b'?' | b':' if rest.len() == 1 || rest.as_bytes()[1] == b' ' => Err(Unsupported),
            _ => {
                let text = strip_comment(rest).ok_or(Unsupported)?;
                // Continuation lines of a multi-line plain scalar.
                let mut continued = false;
                while let Some(line) = self.line()? {
                    let c = self.content(&line);
                    if c.is_empty() {
                        self.advance(&line);
                        continue;
                    }
                    if line.indent <= indent {
                        break;
                    }
                    if c.starts_with('#') || strip_comment(c).is_none() {
                        return Err(Unsupported);
                    }
                    continued = true;
                    self.advance(&line);
                }
                Ok(if continued { Val::Complex } else { Val::Text(text) })
            }
        }
    }

    /// A key with nothing after it: a block collection on the next lines, or null.
    fn block_value(&mut self, indent: usize, want: Want) -> Scan<Val<'a>> {
        let Some(next) = self.content_line()? else { return Ok(Val::Text("")) };
        let content = self.content(&next);
        let sequence = is_dash(content) && next.indent >= indent;
        if next.indent < indent || (next.indent == indent && !sequence) {
            return Ok(Val::Text(""));
        }
        if sequence && want == Want::Items {
            return self.items(next.indent);
        }
        if sequence && next.indent == indent {
            // A sequence at its key's indentation: its items, and whatever is deeper.
            while let Some(line) = self.line()? {
                let c = self.content(&line);
                if line.indent > indent || c.is_empty() || (line.indent == indent && (is_dash(c) || c.starts_with('#'))) {
                    self.advance(&line);
                } else {
                    break;
                }
            }
        } else {
            self.skip_deeper(indent)?;
        }
        Ok(Val::Complex)
    }

    /// A block sequence whose items start at `indent`: null items and the `name`/`alias` of
    /// mapping items.
    fn items(&mut self, indent: usize) -> Scan<Val<'a>> {
        let mut items = Vec::new();
        while let Some(dash) = self.content_line()? {
            let content = self.content(&dash);
            if dash.indent != indent || !is_dash(content) {
                if dash.indent > indent {
                    return Err(Unsupported);
                }
                break;
            }
            let after = &content[1..];
            let gap = after.len() - after.trim_start_matches(' ').len();
            let rest = &after[gap..];
            self.advance(&dash);
            let Some((key, value_rest)) = split_key(rest) else {
                if strip_comment(rest).is_some_and(is_null_word) {
                    if matches!(self.content_line()?, Some(l) if l.indent > indent) {
                        // A node on the lines below the dash.
                        self.skip_deeper(indent)?;
                        items.push(Item::Other);
                    } else {
                        items.push(Item::Null);
                    }
                } else {
                    self.value(indent, rest, Want::Skip)?;
                    items.push(Item::Other);
                }
                continue;
            };
            let key_indent = indent + 1 + gap;
            let (mut name, mut alias) = (None, None);
            let mut field = |s: &mut Self, key: &'a str, rest: &'a str| -> Scan<()> {
                let want = if key == "name" || key == "alias" { Want::Scalar } else { Want::Skip };
                let v = s.value(key_indent, rest, want)?;
                match key {
                    "name" => name = Some(v),
                    "alias" => alias = Some(v),
                    _ => {}
                }
                Ok(())
            };
            field(self, key, value_rest)?;
            while let Some(line) = self.content_line()? {
                if line.indent != key_indent {
                    if line.indent > key_indent {
                        return Err(Unsupported);
                    }
                    break;
                }
                let (key, value_rest) = split_key(self.content(&line)).ok_or(Unsupported)?;
                self.advance(&line);
                field(self, key, value_rest)?;
            }
            items.push(Item::Map { name, alias });
        }
        Ok(Val::Items(items))
    }

    /// A quoted scalar that goes on over the next lines (deeper than `indent`).
    fn multi_line_quoted(&mut self, indent: usize, first: &'a str) -> Scan<()> {
        let quote = first.as_bytes()[0];
        let mut state = QuoteState::new(quote);
        state.feed(&first.as_bytes()[1..]);
        while let Some(line) = self.line()? {
            self.advance(&line);
            let c = self.content(&line);
            if c.is_empty() {
                continue;
            }
            if line.indent <= indent {
                return Err(Unsupported);
            }
            if let Some(close) = state.feed(c.as_bytes()) {
                if !is_empty_value(&c[close + 1..]) {
                    return Err(Unsupported);
                }
                return self.no_deeper(indent);
            }
        }
        Err(Unsupported)
    }

    /// A complete one-line value must not be followed by deeper lines.
    fn no_deeper(&mut self, indent: usize) -> Scan<()> {
        match self.content_line()? {
            Some(l) if l.indent > indent => Err(Unsupported),
            _ => Ok(()),
        }
    }
}

/// The fields of an entry that validation reads.
#[derive(Default)]
struct EntryFields<'a> {
    name: Option<Val<'a>>,
    version: Option<Val<'a>>,
    api_version: Option<Val<'a>>,
    chart_type: Option<Val<'a>>,
    maintainers: Option<Val<'a>>,
    dependencies: Option<Val<'a>>,
}

impl EntryFields<'_> {
    /// The entry as validation needs it; `None` when a field needs the full reader.
    fn into_chart_version(self) -> Option<ChartVersion> {
        fn text(v: &Option<Val<'_>>) -> Option<String> {
            match v {
                None => Some(String::new()),
                Some(Val::Text(t)) => Some(if is_null_word(t) { String::new() } else { t.to_string() }),
                _ => None,
            }
        }
        fn items<'v, 'a>(v: &'v Option<Val<'a>>) -> Option<&'v [Item<'a>]> {
            match v {
                None => Some(&[]),
                Some(Val::Items(items)) => Some(items),
                Some(Val::Text(t)) if is_null_word(t) => Some(&[]),
                _ => None,
            }
        }
        let mut cv = ChartVersion {
            name: text(&self.name)?,
            version: text(&self.version)?,
            api_version: text(&self.api_version)?,
            chart_type: text(&self.chart_type)?,
            ..ChartVersion::default()
        };
        for item in items(&self.maintainers)? {
            cv.maintainers.push(match item {
                Item::Null => RawNode::Scalar(String::new(), true),
                _ => RawNode::Map(Vec::new()),
            });
        }
        for item in items(&self.dependencies)? {
            cv.dependencies.push(match item {
                Item::Null => RawNode::Scalar(String::new(), true),
                Item::Other => return None,
                Item::Map { name, alias } => {
                    let mut pairs = Vec::new();
                    if name.is_some() {
                        pairs.push(("name".to_string(), RawNode::Scalar(text(name)?, false)));
                    }
                    if alias.is_some() {
                        pairs.push(("alias".to_string(), RawNode::Scalar(text(alias)?, false)));
                    }
                    RawNode::Map(pairs)
                }
            });
        }
        Some(cv)
    }
}

fn is_dash(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

/// Nothing, or only a comment.
fn is_empty_value(rest: &str) -> bool {
    let t = rest.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// `key: rest` or `key:` with a plain key the fast pass can read; `rest` follows the colon.
fn split_key(content: &str) -> Option<(&str, &str)> {
    let colon = memchr::memchr(b':', content.as_bytes())?;
    let key = &content[..colon];
    let rest = &content[colon + 1..];
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let bytes = key.as_bytes();
    let first_ok = bytes.first().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if !first_ok || !bytes.iter().all(|b| b.is_ascii_alphanumeric() || b"_-./+".contains(b)) {
        return None;
    }
    if key == "<<" {
        return None;
    }
    Some((key, rest))
}

/// A plain scalar's text without its comment; `None` when it holds `: ` (or ends with `:`),
/// which the full reader would reject or read otherwise.
fn strip_comment(rest: &str) -> Option<&str> {
    let bytes = rest.as_bytes();
    let mut end = bytes.len();
    for i in memchr::memchr2_iter(b':', b'#', bytes) {
        if bytes[i] == b'#' {
            if i == 0 || bytes[i - 1] == b' ' {
                end = i;
                break;
            }
        } else if i + 1 == bytes.len() || bytes[i + 1] == b' ' {
            return None;
        }
    }
    Some(rest[..end].trim_end_matches(' '))
}

/// A quoted scalar closed on its line: its raw inner text, whether it has escapes (`\` or
/// `''`), and what follows the closing quote.
fn quoted(rest: &str) -> Option<(&str, bool, &str)> {
    let mut state = QuoteState::new(rest.as_bytes()[0]);
    let close = state.feed(&rest.as_bytes()[1..])? + 1;
    Some((&rest[1..close], state.escaped, &rest[close + 1..]))
}

/// Finds the closing quote of a quoted scalar across lines.
struct QuoteState {
    quote: u8,
    escaped: bool,
    /// A backslash ended the previous line (double quotes).
    pending_escape: bool,
}

impl QuoteState {
    fn new(quote: u8) -> Self {
        QuoteState { quote, escaped: false, pending_escape: false }
    }

    /// Index in `bytes` of the closing quote, if it is there.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        if self.pending_escape {
            self.pending_escape = false;
            i = 1;
        }
        while i < bytes.len() {
            let b = bytes[i];
            if self.quote == b'"' && b == b'\\' {
                self.escaped = true;
                if i + 1 == bytes.len() {
                    self.pending_escape = true;
                }
                i += 2;
                continue;
            }
            if b == self.quote {
                if self.quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    self.escaped = true;
                    i += 2;
                    continue;
                }
                return Some(i);
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lazy index answers exactly as the full reader: same warnings (text and order), same
    /// header fields, same charts and versions.
    fn same_as_full(text: &str) -> LazyIndex {
        let full = IndexFile::parse(text.as_bytes(), "src");
        let lazy = LazyIndex::parse(text.as_bytes().to_vec(), "src");
        let (full, lazy) = match (full, lazy) {
            (Ok(f), Ok(l)) => (f, l),
            (Err(f), Err(l)) => {
                assert_eq!(f, l, "errors differ for:\n{text}");
                return LazyIndex::full("apiVersion: v1\n", "none").expect("trivial index");
            }
            (f, l) => panic!("one reader failed: full {:?} lazy {:?}\n{text}", f.err(), l.err()),
        };
        assert_eq!(lazy.warnings, full.warnings, "warnings differ for:\n{text}");
        assert_eq!((&lazy.api_version, &lazy.generated, &lazy.annotations), (&full.api_version, &full.generated, &full.annotations));
        assert_eq!(lazy.chart_names(), full.entries.keys().cloned().collect::<Vec<_>>());
        for (name, versions) in &full.entries {
            assert_eq!(&*lazy.versions(name).expect("chart reads"), versions, "chart {name} differs for:\n{text}");
        }
        assert!(lazy.versions("no-such-chart").expect("absent chart").is_empty());
        lazy
    }

    const HELM_STYLE: &str = "apiVersion: v1
entries:
  alpha:
  - annotations:
      category: Database
      licenses: Apache-2.0
    apiVersion: v2
    appVersion: 16.1.0
    created: \"2024-01-02T03:04:05.123456789Z\"
    dependencies:
    - name: common
      repository: oci://registry.example.test/charts
      tags:
      - common-tag
      version: 2.x.x
    - alias: db-two
      condition: two.enabled
      name: common
      version: 2.x.x
    description: A description long enough that the writer folded it over several lines
      of text, as go-yaml does at eighty columns, with punctuation - and colons:like
      this one.
    digest: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    home: https://alpha.example.test
    icon: https://alpha.example.test/icon.svg
    keywords:
    - alpha
    - database
    maintainers:
    - email: team@example.test
      name: Team
      url: https://example.test/team
    name: alpha
    sources:
    - https://src.example.test/alpha
    urls:
    - https://charts.example.test/alpha-1.2.0.tgz
    version: 1.2.0
  - apiVersion: v2
    created: '2023-01-02T03:04:05Z'
    description: |
      A literal block: with colons, - dashes
      # and a hash that is text
    name: alpha
    urls: [alpha-1.10.0.tgz]
    version: \"1.10.0\"
  - apiVersion: v2
    name: alpha
    version: 2.0.0-rc.1
    deprecated: true
    urls:
      - alpha-2.0.0-rc.1.tgz
  beta:
  # a comment between entries
  - name: beta
    version: 0.1.0
    type: library
    urls: [\"beta-0.1.0.tgz\"] # trailing comment
  -
  - null
  - name: beta
    version: 0.2.0
    type: plugin
  - name: beta/x
    version: 0.3.0
  - name: beta
    version: nope
  - name: beta
    version: 0.4.0
    maintainers:
    -
    - name: someone
  - name: beta
    version: 0.5.0
    dependencies:
    - name: a
      alias: bad alias!
  - name: beta
    version: 0.6.0
    dependencies:
    - name: a
    - name: a
  - name: beta
    version: 0.7.0
    dependencies:
    - ~
  - name: ~
    version: 0.8.0
  - name: \"beta\"
    version: \"0.9.0\"
    apiVersion: 'v1'
  - name: \"be\\u0074a\"
    version: 0.10.0
  - name: beta
    version: 0.11.0
    dependencies:
    - just-a-string
  - {}
  - name: beta
    version: 0.12.0
    maintainers: []
    dependencies: []
  \"0numeric\":
  - name: 0numeric
    version: 1.0
    appVersion: 2
generated: \"2024-06-01T00:00:00Z\"
annotations:
  owner: platform
serverInfo:
  contextPath: /v1/helm
";

    /// Where the fast pass gives up on `text` (line number), if it does.
    fn gives_up_at(text: &str) -> Option<usize> {
        let mut scanner = Scanner::new(text, "src");
        scanner.scan().err().map(|_| scanner.number)
    }

    #[test]
    fn helm_style_indexes_are_read_lazily_with_the_full_readers_answers() {
        let lazy = same_as_full(HELM_STYLE);
        assert!(!lazy.is_lazy(), "a quoted chart name takes the full reader");
        let plain_names = HELM_STYLE.replace("  \"0numeric\":", "  0numeric:");
        assert_eq!(gives_up_at(&plain_names), None);
        let lazy = same_as_full(&plain_names);
        assert!(lazy.is_lazy(), "helm's layout takes the fast pass");
        assert!(lazy.warnings.len() >= 8, "{:#?}", lazy.warnings);
        let beta = lazy.get("beta", "", "r").expect("beta resolves");
        assert_eq!(beta.version, "0.12.0");
        let alpha = lazy.get("alpha", "", "r").expect("alpha resolves");
        assert_eq!(alpha.version, "1.10.0");
        assert!(matches!(lazy.get("gamma", "", "r"), Err(LazyError::Resolve(ResolveError::NoChart { .. }))));
        assert!(matches!(lazy.get("alpha", "^9", "r"), Err(LazyError::Resolve(ResolveError::NoVersion { .. }))));
    }

    #[test]
    fn variants_agree_with_the_full_reader() {
        let base = HELM_STYLE.replace("  \"0numeric\":", "  0numeric:");
        let variants = [
            base.replace('\n', "\r\n"),
            format!("---\n# leading comment\n{base}"),
            "apiVersion: v1\nentries:\n    a:\n        - name: a\n          version: 1.0.0\n          maintainers:\n              - name: x\n          urls:\n              - a.tgz\n        -   name: a\n            version: 1.1.0\n    b:\n    - name: b\n      version: 2.0.0\n".into(),
            base.replace("entries:\n", "entries:\n\n\n"),
            "apiVersion: v1\nentries:\ngenerated: x\n".into(),
            "apiVersion: v1\nentries: {}\n".into(),
            "entries:\n  a:\n  - name: a\n    version: 1.0.0\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: bad: colon\n".into(),
            "apiVersion: v1\nentries:\n  a: &x\n  - name: a\n    version: 1.0.0\n  b: *x\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: \"two\n      lines\"\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: \"two\n  lines\"\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n\tdescription: tab\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: \"a\"\n    version: 'it''s'\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n   urls: [x]\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n  - name: a\n    version: 1.1.0\n  a:\n  - name: a\n    version: 9.0.0\n  - name: a\n".into(),
            "{\"apiVersion\":\"v1\",\"entries\":{\"a\":[{\"name\":\"a\",\"version\":\"0.1.0\"}]}}".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    keywords: [a,\n      b]\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    maintainers:\n      - name: x\n        email: y\n      -\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: >-\n      1.0.0\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\nentries:\n  b: []\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\ngenerated: [unclosed\n".into(),
            "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0 # comment\n    name: a2\n".into(),
        ];
        for text in &variants {
            same_as_full(text);
        }
        for (i, what) in [(0, "CRLF"), (1, "a document start and comments"), (2, "deeper indentation"), (3, "blank lines")] {
            assert_eq!(gives_up_at(&variants[i]), None, "{what} stays on the fast pass");
        }
    }

    /// An index written by real `helm repo index` (charts of ours with every metadata field,
    /// folded descriptions, block scalars in annotations, dependencies with aliases).
    #[test]
    fn a_helm_written_index_takes_the_fast_pass() {
        let text = include_str!("../../testdata/repo/helm-written-index.yaml");
        assert_eq!(gives_up_at(text), None);
        let lazy = same_as_full(text);
        assert!(lazy.warnings.is_empty(), "{:?}", lazy.warnings);
        assert_eq!(lazy.get("beta", "", "r").expect("beta").version, "1.10.0");
        assert_eq!(lazy.get("alpha", ">=2.0.0-0", "r").expect("alpha").urls, ["https://charts.example.test/stable/alpha-2.0.0-rc.1.tgz"]);
    }

    #[test]
    fn a_generated_index_takes_the_fast_pass() {
        let mut text = String::from("apiVersion: v1\nentries:\n");
        for c in 0..40 {
            text.push_str(&format!("  chart-{c}:\n"));
            for v in 0..6 {
                text.push_str(&format!(
                    "  - apiVersion: v2\n    appVersion: \"{v}.{c}\"\n    created: \"2024-01-0{}T00:00:00Z\"\n    description: Chart {c} version {v}\n      continued on a second line\n    digest: {:064x}\n    keywords: [a, b]\n    maintainers:\n    - email: t{c}@example.test\n      name: T\n    name: chart-{c}\n    urls:\n    - chart-{c}-1.{v}.0.tgz\n    version: 1.{v}.0\n",
                    1 + v, c * 10 + v
                ));
            }
        }
        text.push_str("generated: \"2024-06-01T00:00:00Z\"\n");
        let lazy = same_as_full(&text);
        assert!(lazy.is_lazy());
        assert_eq!(lazy.get("chart-7", "~1.3", "r").expect("resolves").urls, ["chart-7-1.3.0.tgz"]);
    }
}
