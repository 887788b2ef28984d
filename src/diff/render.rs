//! Printing a [`ReleaseDiff`] as helm-diff prints (`namespace, name, Kind (api) has changed:`,
//! `+ `/`- `/`  ` lines, `...` between context windows, `Plan: …` summary) and as JSON.

use similar::{Algorithm, DiffTag, capture_diff_slices};

use crate::value::{Map, Value};

use super::plan::{ChangeKind, Counts, Drift, ObjectDiff, ReleaseDiff};
use super::ObjectId;

/// How to print; the CLI decides colour (TTY, `NO_COLOR`).
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Lines of context around changes (`--context N`); `None` prints whole objects.
    pub context: Option<usize>,
    pub color: bool,
    /// Print Secret values instead of the size markers.
    pub show_secrets: bool,
    /// Print only the header of changed Secrets (`--suppress-secrets`).
    pub suppress_secrets: bool,
    /// Kinds printed header-only (`--suppress KIND`).
    pub suppressed_kinds: Vec<String>,
    /// Leave out the drift section.
    pub hide_drift: bool,
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

fn paint(text: &str, color: &str, on: bool) -> String {
    if on { format!("{color}{text}{RESET}") } else { text.to_string() }
}

/// The text of one release's diff: changes (modified, removed, added; each in helm-diff's key
/// order), then drift. Empty when nothing changed and nothing drifted.
pub fn render_text(diff: &ReleaseDiff, opts: &RenderOptions) -> String {
    let mut out = String::new();
    for kind in [ChangeKind::Modify, ChangeKind::Remove, ChangeKind::Add] {
        for o in diff.objects.iter().filter(|o| o.change == kind) {
            let (message, color) = match kind {
                ChangeKind::Add => ("has been added:", GREEN),
                ChangeKind::Remove => ("has been removed:", RED),
                _ => ("has changed:", YELLOW),
            };
            header(&mut out, &o.id, &diff.namespace, message, color, opts.color);
            if suppressed(&o.id, opts) {
                suppressed_line(&mut out, &o.id, opts.color);
                continue;
            }
            let before = o.before.as_ref().filter(|_| kind != ChangeKind::Add);
            let after = o.after.as_ref().filter(|_| kind != ChangeKind::Remove);
            let (before, after) = mask_pair(&o.id, before, after, opts.show_secrets);
            records(&mut out, &document(o, before.as_ref()), &document(o, after.as_ref()), opts);
        }
    }
    if !opts.hide_drift {
        for o in diff.objects.iter() {
            match &o.drift {
                Some(Drift::Deleted) => header(
                    &mut out,
                    &o.id,
                    &diff.namespace,
                    "has been deleted from the cluster since the last release",
                    CYAN,
                    opts.color,
                ),
                Some(Drift::Modified { last, live }) => {
                    header(&mut out, &o.id, &diff.namespace, "has drifted from the last release:", CYAN, opts.color);
                    if suppressed(&o.id, opts) {
                        suppressed_line(&mut out, &o.id, opts.color);
                        continue;
                    }
                    let (before, after) = mask_pair(&o.id, Some(last), Some(live), opts.show_secrets);
                    records(&mut out, &document(o, before.as_ref()), &document(o, after.as_ref()), opts);
                }
                None => {}
            }
        }
    }
    out
}

fn header(out: &mut String, id: &ObjectId, namespace: &str, message: &str, color: &str, on: bool) {
    out.push_str(&paint(&format!("{} {}", id.helm_diff_key(namespace), message), color, on));
    out.push('\n');
}

fn suppressed(id: &ObjectId, opts: &RenderOptions) -> bool {
    (opts.suppress_secrets && is_secret(id)) || opts.suppressed_kinds.iter().any(|k| *k == id.kind)
}

fn suppressed_line(out: &mut String, id: &ObjectId, on: bool) {
    out.push_str(&paint(&format!("+ Changes suppressed on sensitive content of type {}\n", id.kind), YELLOW, on));
}

fn is_secret(id: &ObjectId) -> bool {
    id.group.is_empty() && id.kind == "Secret"
}

/// The text compared for one side: the `# Source:` line and the YAML, without the final
/// newline; "" for a side that does not exist (helm-diff diffs against an empty document).
fn document(o: &ObjectDiff, body: Option<&Value>) -> String {
    let Some(body) = body else {
        return String::new();
    };
    let mut text = String::new();
    if let Some(source) = &o.source {
        text.push_str("# Source: ");
        text.push_str(source);
        text.push('\n');
    }
    text.push_str(&crate::yaml::to_yaml(body));
    text
}

/// helm-diff's redaction: every `data` value of a Secret becomes `REDACTED # (N bytes)` when
/// both sides hold the same bytes, else `-------- # (N bytes)` before and `++++++++ # (N bytes)`
/// after. Other kinds, and Secrets with `show_secrets`, pass unchanged.
fn mask_pair(id: &ObjectId, before: Option<&Value>, after: Option<&Value>, show: bool) -> (Option<Value>, Option<Value>) {
    if show || !is_secret(id) {
        return (before.cloned(), after.cloned());
    }
    let data = |v: Option<&Value>| v.and_then(|v| v.as_map()).and_then(|m| m.get("data")).and_then(|d| d.as_map().cloned());
    let (old, new) = (data(before), data(after));
    let mask = |side: Option<&Value>, mine: &Option<Map>, other: &Option<Map>, changed: &str| -> Option<Value> {
        let side = side?.deep_copy();
        if let (Some(obj), Some(mine)) = (side.as_map(), mine) {
            let masked = Map::new();
            for (k, v) in mine.entries() {
                let bytes = decoded(&v);
                let same = other.as_ref().and_then(|o| o.get(&k)).is_some_and(|ov| decoded(&ov) == bytes);
                let marker = if same { "REDACTED" } else { changed };
                masked.insert(k, Value::str(format!("{marker} # ({} bytes)", bytes.len())));
            }
            obj.insert("data", Value::Map(masked));
        }
        Some(side)
    };
    (mask(before, &old, &new, "--------"), mask(after, &new, &old, "++++++++"))
}

/// A Secret value's bytes: base64-decoded, or the text itself when it is not base64.
fn decoded(v: &Value) -> Vec<u8> {
    use base64::Engine as _;
    let text = match v {
        Value::String(s) => s.to_string(),
        other => other.go_format(),
    };
    base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap_or_else(|_| text.into_bytes())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Delta {
    Common,
    Left,
    Right,
}

/// The line diff of two documents printed as helm-diff prints it: whole, or with `context`
/// lines around each change and `...` for what is left out.
pub(super) fn records(out: &mut String, before: &str, after: &str, opts: &RenderOptions) {
    let old: Vec<&str> = before.split('\n').collect();
    let new: Vec<&str> = after.split('\n').collect();
    let mut recs: Vec<(Delta, &str)> = Vec::with_capacity(old.len().max(new.len()));
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        let (tag, o, n) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => recs.extend(old[o].iter().map(|l| (Delta::Common, *l))),
            DiffTag::Delete => recs.extend(old[o].iter().map(|l| (Delta::Left, *l))),
            DiffTag::Insert => recs.extend(new[n].iter().map(|l| (Delta::Right, *l))),
            DiffTag::Replace => {
                recs.extend(old[o].iter().map(|l| (Delta::Left, *l)));
                recs.extend(new[n].iter().map(|l| (Delta::Right, *l)));
            }
        }
    }
    let distance = distances(&recs);
    let mut omitting = false;
    for (i, (delta, line)) in recs.iter().enumerate() {
        if let Some(context) = opts.context {
            if distance[i] > context {
                if !omitting {
                    out.push_str("...\n");
                    omitting = true;
                }
                continue;
            }
            omitting = false;
        }
        match delta {
            Delta::Right => out.push_str(&paint(&format!("+ {line}"), GREEN, opts.color)),
            Delta::Left => out.push_str(&paint(&format!("- {line}"), RED, opts.color)),
            Delta::Common if line.is_empty() => {}
            Delta::Common => {
                out.push_str("  ");
                out.push_str(line);
            }
        }
        out.push('\n');
    }
}

/// Each line's distance to the nearest changed line.
fn distances(recs: &[(Delta, &str)]) -> Vec<usize> {
    let mut d = vec![usize::MAX; recs.len()];
    let mut last = None;
    for (i, (delta, _)) in recs.iter().enumerate() {
        if *delta != Delta::Common {
            last = Some(i);
        }
        if let Some(c) = last {
            d[i] = i - c;
        }
    }
    let mut next = None;
    for i in (0..recs.len()).rev() {
        if recs[i].0 != Delta::Common {
            next = Some(i);
        }
        if let Some(c) = next {
            d[i] = d[i].min(c - i);
        }
    }
    d
}

/// helm-diff's summary line (`Plan: 1 to add, 2 to change, 0 to destroy.`), and a drift line
/// when something drifted.
pub fn render_summary(counts: &Counts) -> String {
    let mut out =
        format!("Plan: {} to add, {} to change, {} to destroy.\n", counts.add, counts.change, counts.destroy);
    if counts.drift > 0 {
        let objects = if counts.drift == 1 { "object" } else { "objects" };
        out.push_str(&format!("Drift: {} {objects} changed in the cluster since the last release.\n", counts.drift));
    }
    out
}

/// One object in the JSON output, with helm-diff's fields (`api`, `kind`, `namespace`, `name`,
/// `change`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JsonEntry {
    pub api: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `ADD`, `MODIFY`, `REMOVE` for changes; `MODIFY` or `DELETE` for drift.
    pub change: String,
}

/// `--output json` for one release.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JsonReport {
    pub release: String,
    pub namespace: String,
    pub changes: Vec<JsonEntry>,
    pub drift: Vec<JsonEntry>,
    pub summary: Counts,
}

impl JsonReport {
    pub fn new(diff: &ReleaseDiff) -> JsonReport {
        let entry = |o: &ObjectDiff, change: &str| JsonEntry {
            api: o.id.api().to_string(),
            kind: o.id.kind.clone(),
            namespace: if o.id.namespace.is_empty() { diff.namespace.clone() } else { o.id.namespace.clone() },
            name: o.id.name.clone(),
            change: change.to_string(),
        };
        let mut changes = Vec::new();
        for (kind, text) in [(ChangeKind::Modify, "MODIFY"), (ChangeKind::Remove, "REMOVE"), (ChangeKind::Add, "ADD")] {
            changes.extend(diff.objects.iter().filter(|o| o.change == kind).map(|o| entry(o, text)));
        }
        let drift = diff
            .objects
            .iter()
            .filter_map(|o| match o.drift {
                Some(Drift::Modified { .. }) => Some(entry(o, "MODIFY")),
                Some(Drift::Deleted) => Some(entry(o, "DELETE")),
                None => None,
            })
            .collect();
        JsonReport {
            release: diff.release.clone(),
            namespace: diff.namespace.clone(),
            changes,
            drift,
            summary: diff.counts(),
        }
    }
}
