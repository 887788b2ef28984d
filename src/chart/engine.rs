//! helm's rendering engine: every template of a chart tree in one template set, parsed in
//! helm's order (deepest path first, then reverse alphabetical — which decides which `define`
//! wins), executed with the chart's top-level object, `<no value>` removed, and errors reported
//! in helm 3's or helm 4's words.

use std::collections::BTreeMap;

use crate::funcs::{HelmCompat, HelmOptions};
use crate::gotmpl::{ExecError, MissingKey, Options, Template};
use crate::value::{Map, Value};

/// One template to render: its full name (`chart/templates/x.yaml`, `chart/charts/sub/templates/y.yaml`),
/// its text, the top-level object of the chart it belongs to (shared by the chart's
/// templates, as in helm), and its `.Template.BasePath`.
#[derive(Debug, Clone)]
pub struct Renderable {
    pub name: String,
    pub text: String,
    pub top: Map,
    pub base_path: String,
}

/// A render failure, worded as helm words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Engine {
    pub options: HelmOptions,
}

impl Engine {
    pub fn new(compat: HelmCompat) -> Engine {
        Engine { options: HelmOptions { compat, ..HelmOptions::default() } }
    }

    /// The execution options of the Go version each helm is built with (helm 3.15: Go 1.22,
    /// helm 4: Go 1.25).
    fn exec_options(&self) -> Options {
        let v4 = self.options.compat == HelmCompat::V4;
        Options {
            missing_key: if self.options.strict { MissingKey::Error } else { MissingKey::Zero },
            range_over_int: v4,
            else_with: v4,
            go_minor: if v4 { 25 } else { 22 },
            ..Options::default()
        }
    }

    /// Renders every template that is not a partial (`_*`); returns name → text.
    pub fn render(&self, templates: &[Renderable]) -> Result<BTreeMap<String, String>, RenderError> {
        self.render_with(templates, None)
    }

    /// [`Engine::render`] with `lookup` reading the cluster through `lookup`.
    pub fn render_with(
        &self,
        templates: &[Renderable],
        lookup: Option<std::rc::Rc<dyn crate::funcs::helm::Lookup>>,
    ) -> Result<BTreeMap<String, String>, RenderError> {
        let mut funcs = crate::funcs::sprig_funcs(self.options.compat);
        crate::funcs::helm::register(&mut funcs, self.options);
        let has_lookup = lookup.is_some();
        if let Some(hook) = lookup {
            crate::funcs::helm::register_lookup(&mut funcs, hook);
        }
        let mut set = Template::new("gotpl", funcs).with_options(self.exec_options());

        let mut order: Vec<&Renderable> = templates.iter().collect();
        order.sort_by(|a, b| helm_template_order(&a.name, &b.name));
        // Releases of one chart parse the same texts: parse them once per thread.
        let key = parse_key(&order, self.options, has_lookup);
        match PARSED.with(|p| p.borrow().get(&key).cloned()) {
            Some(trees) => set = set.with_parsed(trees),
            None => {
                for r in &order {
                    set.parse(&r.name, &r.text).map_err(|e| cleanup_parse_error(&r.name, &e.to_string()))?;
                }
                PARSED.with(|p| {
                    let mut p = p.borrow_mut();
                    if p.len() >= PARSED_MAX {
                        p.clear();
                    }
                    p.insert(key, set.parsed());
                });
            }
        }

        let mut rendered = BTreeMap::new();
        for r in &order {
            let base = r.name.rsplit('/').next().unwrap_or(&r.name);
            if base.starts_with('_') {
                continue;
            }
            let template = Map::named(crate::chart::objects::values_type(self.options.compat));
            template.insert("Name", Value::str(r.name.as_str()));
            template.insert("BasePath", Value::str(r.base_path.as_str()));
            r.top.insert("Template", Value::Map(template));
            let mut out = String::new();
            set.execute(&r.name, &Value::Map(r.top.clone()), &mut out)
                .map_err(|e| self.cleanup_exec_error(&r.name, &e))?;
            rendered.insert(r.name.clone(), without_no_value(out));
        }
        Ok(rendered)
    }

    fn cleanup_exec_error(&self, filename: &str, err: &ExecError) -> RenderError {
        let message = &err.message;
        let tokens: Vec<&str> = message.splitn(3, ": ").collect();
        if tokens.len() != 3 {
            return RenderError { message: format!("execution error in ({filename}): {message}") };
        }
        let location = tokens[1];
        if let Some(warning) = warning_text(tokens[2]) {
            return RenderError { message: format!("execution error at ({location}): {warning}") };
        }
        if self.options.compat == HelmCompat::V3 {
            return RenderError { message: message.clone() };
        }
        // helm 4 walks the chain of wrapped errors into a trace, one entry per template.
        let mut trace: Vec<TraceEntry> = Vec::new();
        for m in std::iter::once(message.as_str()).chain(err.causes.iter().map(|c| &**c)) {
            match TraceEntry::parse(m) {
                Some(entry) => {
                    if trace.last() != Some(&entry) {
                        trace.push(entry);
                    }
                }
                None => return RenderError { message: message.clone() },
            }
        }
        let text: String = trace.iter().map(TraceEntry::to_string).collect();
        RenderError { message: text.trim().to_string() }
    }
}

type ParsedSet = rustc_hash::FxHashMap<String, std::rc::Rc<crate::gotmpl::Tree>>;

thread_local! {
    /// Template sets parsed on this thread, by [`parse_key`].
    static PARSED: std::cell::RefCell<std::collections::HashMap<u64, ParsedSet>> = Default::default();
}

/// Distinct template sets kept per thread (charts in one run); the cache starts over beyond.
const PARSED_MAX: usize = 64;

/// What parsing depends on: the templates' names and texts in parse order, the function map's
/// names (helm's options, whether `lookup` is the cluster's) and the Go version's parser rules.
fn parse_key(order: &[&Renderable], options: HelmOptions, has_lookup: bool) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (options.compat == HelmCompat::V4, options.lint_mode, options.strict, has_lookup).hash(&mut h);
    for r in order {
        r.name.hash(&mut h);
        r.text.hash(&mut h);
    }
    h.finish()
}

/// The text between helm's `fail`/`required` markers, as helm's greedy regex finds it.
fn warning_text(s: &str) -> Option<&str> {
    let start = s.find(crate::funcs::helm::WARN_START)? + crate::funcs::helm::WARN_START.len();
    let end = s.rfind(crate::funcs::helm::WARN_END)?;
    (end >= start).then(|| &s[start..end])
}

/// helm's `cleanupParseError`.
fn cleanup_parse_error(filename: &str, message: &str) -> RenderError {
    let tokens: Vec<&str> = message.split(": ").collect();
    if tokens.len() == 1 {
        return RenderError { message: format!("parse error in ({filename}): {message}") };
    }
    RenderError { message: format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1]) }
}

/// helm's template order: more path segments first, then reverse byte order.
fn helm_template_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
    cb.cmp(&ca).then_with(|| b.cmp(a))
}

/// One step of helm 4's error trace (its `TraceableError`).
#[derive(Debug, PartialEq, Eq)]
struct TraceEntry {
    location: String,
    message: String,
    executed: String,
}

impl TraceEntry {
    fn parse(s: &str) -> Option<TraceEntry> {
        let rest = s.strip_prefix("template: ")?;
        if rest.starts_with("no template ") {
            return Some(TraceEntry { location: String::new(), message: s.to_string(), executed: String::new() });
        }
        if let Some(idx) = rest.find(": executing ") {
            let location = &rest[..idx];
            let after = &rest[idx + ": executing ".len()..];
            if let Some(after) = after.strip_prefix('"') {
                let end = after.find('"')?;
                let function = &after[..end];
                let after_at = after[end + 1..].strip_prefix(" at <")?;
                let end_loc = after_at.find(">: ")?;
                let node = &after_at[..end_loc];
                let mut message = &after_at[end_loc + 3..];
                if let Some(cut) = message.find(" template:") {
                    message = &message[..cut];
                }
                return Some(TraceEntry {
                    location: location.to_string(),
                    message: message.to_string(),
                    executed: format!("executing \"{function}\" at <{node}>:"),
                });
            }
            return None;
        }
        let sep = rest.rfind(": ")?;
        let mut message = &rest[sep + 2..];
        if let Some(cut) = message.find(" template:") {
            message = &message[..cut];
        }
        Some(TraceEntry { location: rest[..sep].to_string(), message: message.to_string(), executed: String::new() })
    }
}

impl std::fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.location.is_empty() {
            write!(f, "{}\n  ", self.location)?;
        }
        if !self.executed.is_empty() {
            write!(f, "{}\n    ", self.executed)?;
        }
        if !self.message.is_empty() {
            writeln!(f, "{}", self.message)?;
        }
        Ok(())
    }
}


/// helm removes every `<no value>` from rendered text; most files have none, and are kept
/// without a copy.
fn without_no_value(out: String) -> String {
    const NO_VALUE: &str = "<no value>";
    let bytes = out.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'<', &bytes[from..]) {
        if bytes[from + i..].starts_with(NO_VALUE.as_bytes()) {
            return out.replace(NO_VALUE, "");
        }
        from += i + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_ordered_as_helm_orders_them() {
        let mut names = vec!["c/templates/a.yaml", "c/templates/_z.tpl", "c/charts/s/templates/x.yaml", "c/templates/_a.tpl"];
        names.sort_by(|a, b| helm_template_order(a, b));
        assert_eq!(names, ["c/charts/s/templates/x.yaml", "c/templates/a.yaml", "c/templates/_z.tpl", "c/templates/_a.tpl"]);
    }

    fn renderable(name: &str, text: &str, top: &Map) -> Renderable {
        Renderable { name: name.into(), text: text.into(), top: top.clone(), base_path: "c/templates".into() }
    }

    #[test]
    fn a_set_parsed_once_renders_each_release_with_its_own_values() {
        let engine = Engine::new(HelmCompat::V3);
        let render = |who: &str| {
            let top = Map::new();
            let values = Map::new();
            values.insert("who", Value::str(who));
            top.insert("Values", Value::Map(values));
            let templates = [
                renderable("c/templates/_h.tpl", r#"{{ define "greet" }}hello {{ .Values.who }}{{ end }}"#, &top),
                renderable("c/templates/a.yaml", r#"{{ include "greet" . }} {{ tpl "{{ define \"greet\" }}shadowed{{ end }}" . }}"#, &top),
            ];
            engine.render(&templates).map(|m| m["c/templates/a.yaml"].clone())
        };
        assert_eq!(render("a").as_deref(), Ok("hello a "));
        // the second render reuses the parsed set: `tpl`'s define above did not leak into it
        assert_eq!(render("b").as_deref(), Ok("hello b "));
        let top = Map::new();
        let bad = [renderable("c/templates/bad.yaml", "{{ nosuchfunc }}", &top)];
        for _ in 0..2 {
            let err = engine.render(&bad).expect_err("an unknown function is a parse error every time");
            assert!(err.message.contains("nosuchfunc"), "{}", err.message);
        }
    }
}
