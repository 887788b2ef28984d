//! Reading state files: discovery, parts, rendering, strict parsing, bases, environments and
//! their values, sub-helmfiles.

use std::path::{Path, PathBuf};

use crate::value::{Map, Value};

use super::release;
use super::{Environment, Repository, SecretsDecryptor, SpecError, SpecOptions, State, SubHelmfile, funcs};

/// Top-level keys a state file may hold; anything else is an error, as in helmfile.
const STATE_KEYS: &[&str] = &[
    "repositories", "releases", "helmDefaults", "environments", "helmfiles", "bases", "values",
    "commonLabels", "templates", "apiVersions", "kubeVersion", "lockFilePath", "missingFileHandler",
    "missingFileHandlerConfig", "hooks", "helmBinary", "kustomizeBinary", "context", "defaultInherit",
];

/// Loads every state the options name, sub-helmfiles first, in helmfile's processing order.
pub fn load(opts: &SpecOptions, secrets: &dyn SecretsDecryptor) -> Result<Vec<State>, SpecError> {
    let files = root_files(opts.file.as_deref())?;
    let overrides = cli_overrides(opts)?;
    let mut out = Vec::new();
    let multiple = files.len() > 1;
    for file in files {
        let mut loader = Loader { opts, secrets, states: Vec::new() };
        let found = loader.visit(&file, overrides.clone(), opts.selectors.clone(), true)?;
        if !found && !multiple {
            // The root must define the environment (checked inside `visit`); nothing else here.
        }
        out.extend(loader.states);
    }
    Ok(out)
}

/// The files a run starts from.
fn root_files(file: Option<&Path>) -> Result<Vec<PathBuf>, SpecError> {
    let dir_files = |dir: &Path| -> Result<Vec<PathBuf>, SpecError> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| SpecError::file(dir, e.to_string()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                p.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".gotmpl"))
            })
            .collect();
        files.sort();
        Ok(files)
    };
    match file {
        Some(p) if p.is_dir() => dir_files(p),
        Some(p) => Ok(vec![p.to_path_buf()]),
        None => {
            for name in ["helmfile.yaml", "helmfile.yaml.gotmpl"] {
                if Path::new(name).is_file() {
                    return Ok(vec![PathBuf::from(name)]);
                }
            }
            if Path::new("helmfile.d").is_dir() {
                return dir_files(Path::new("helmfile.d"));
            }
            Err(SpecError::NoStateFile(std::env::current_dir().unwrap_or_default()))
        }
    }
}

/// `--state-values-file` files merged in order, then `--state-values-set`.
fn cli_overrides(opts: &SpecOptions) -> Result<Map, SpecError> {
    let mut out = Map::new();
    for file in &opts.state_values_files {
        let m = read_values_file(file, None, Path::new("."))?;
        out = merge_maps(&out, &m);
    }
    for set in &opts.state_values_set {
        let m = Map::new();
        crate::chart::strvals::parse_into(set, &m)
            .map_err(|e| SpecError::Other(format!("--state-values-set {set}: {e}")))?;
        out = merge_maps(&out, &m);
    }
    Ok(out)
}

/// Deep merge as helmfile merges values: maps recursively, anything else replaced.
pub fn merge_maps(base: &Map, over: &Map) -> Map {
    let out = Map::new();
    for (k, v) in base.entries() {
        out.insert(k, v);
    }
    for (k, v) in over.entries() {
        match (&v, out.get(&k)) {
            (Value::Map(new), Some(Value::Map(old))) => out.insert(k, Value::Map(merge_maps(&old, new))),
            _ => out.insert(k, v),
        }
    }
    out
}

struct Loader<'a> {
    opts: &'a SpecOptions,
    secrets: &'a dyn SecretsDecryptor,
    states: Vec<State>,
}

impl Loader<'_> {
    /// Loads `file` and its sub-helmfiles (pushed before it). Returns false when the file does
    /// not define the selected environment and is skipped (a sub-helmfile).
    fn visit(&mut self, file: &Path, overrides: Map, selectors: Vec<String>, root: bool) -> Result<bool, SpecError> {
        let env_name = self.opts.env_name().to_string();
        let state = match load_state(file, &env_name, overrides, self.opts, self.secrets, true) {
            Ok(s) => s,
            Err(SpecError::UndefinedEnvironment { .. }) if !root => return Ok(false),
            Err(e) => return Err(e),
        };
        let Some(mut state) = state else { return Ok(false) };
        state.selectors = selectors.clone();
        for sub in state.helmfiles.clone() {
            // helmfile 1.x skips a sub-helmfile whose own selectors cannot match together
            // with the command line's (same key, different value).
            if self.opts.compat == super::HelmfileCompat::V1
                && !sub.selectors_inherited
                && sub.selectors.as_ref().is_some_and(|s| !s.is_empty())
                && !super::select::selectors_compatible(&self.opts.selectors, sub.selectors.as_deref().unwrap_or_default())
            {
                continue;
            }
            let paths = glob_paths(&state.base_dir, &sub.path);
            if paths.is_empty() {
                return Err(SpecError::file(&state.file, format!("no matches for path: {}", sub.path)));
            }
            let sub_selectors = match (&sub.selectors, sub.selectors_inherited) {
                (_, true) => selectors.clone(),
                (Some(s), false) => s.clone(),
                (None, false) => selectors.clone(),
            };
            let mut sub_overrides = Map::new();
            for v in &sub.values {
                let m = match v {
                    Value::Map(m) => m.clone(),
                    Value::String(p) => read_values_file(&state.base_dir.join(p.as_ref()), None, &state.base_dir)?,
                    _ => continue,
                };
                sub_overrides = merge_maps(&sub_overrides, &m);
            }
            for p in paths {
                self.visit(&p, sub_overrides.clone(), sub_selectors.clone(), false)?;
            }
        }
        self.states.push(state);
        Ok(true)
    }
}

/// Paths matching a (possibly globbed) sub-helmfile path, sorted.
fn glob_paths(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let full = if Path::new(pattern).is_absolute() { PathBuf::from(pattern) } else { base.join(pattern) };
    let text = full.display().to_string();
    if !text.contains(['*', '?', '[']) {
        return if full.exists() { vec![full] } else { Vec::new() };
    }
    let mut out = Vec::new();
    expand_glob(&full, &mut out);
    out.sort();
    out
}

/// Expands `*`, `?`, `[..]` per path component and `**` across directories.
fn expand_glob(pattern: &Path, out: &mut Vec<PathBuf>) {
    let mut current = vec![PathBuf::new()];
    let comps: Vec<String> = pattern.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    for comp in &comps {
        let mut next = Vec::new();
        for base in &current {
            if comp == "**" {
                collect_dirs(base, &mut next);
            } else if comp.contains(['*', '?', '[']) {
                let dir = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base.clone() };
                if let Ok(rd) = std::fs::read_dir(&dir) {
                    let mut names: Vec<String> = rd.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
                    names.sort();
                    for n in names {
                        if crate::chart::loader::glob_match(comp, &n) {
                            next.push(base.join(n));
                        }
                    }
                }
            } else {
                next.push(base.join(comp));
            }
        }
        current = next;
    }
    out.extend(current.into_iter().filter(|p| p.exists()));
}

fn collect_dirs(base: &Path, out: &mut Vec<PathBuf>) {
    out.push(base.to_path_buf());
    let dir = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base.to_path_buf() };
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut dirs: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect();
        dirs.sort();
        for d in dirs {
            let rel = base.join(d.file_name().unwrap_or_default());
            collect_dirs(&rel, out);
        }
    }
}

/// The template data of a state part: `.Environment`, `.Values`, `.StateValues`, `.Namespace`.
pub fn template_data(env: &Environment, namespace: &str) -> Map {
    let values = env.merged_values();
    let environment = Map::new();
    environment.insert("Name", Value::from(env.name.clone()));
    environment.insert("KubeContext", Value::from(env.kube_context.clone()));
    environment.insert("Values", Value::Map(values.clone()));
    let data = Map::new();
    data.insert("Environment", Value::Map(environment));
    data.insert("Values", Value::Map(values.clone()));
    data.insert("StateValues", Value::Map(values));
    data.insert("Namespace", Value::from(namespace.to_string()));
    data
}

/// Whether a plain `.yaml` state file is a helmfile v0 template (holds template actions).
fn is_v0_template(content: &str) -> bool {
    content.contains("{{") && content.contains("}}")
}

/// Loads one state file with all its parts and bases; `None` when the environment is not
/// defined there and the file is a sub-helmfile.
pub fn load_state(
    file: &Path,
    env_name: &str,
    overrides: Map,
    opts: &SpecOptions,
    secrets: &dyn SecretsDecryptor,
    evaluate_bases: bool,
) -> Result<Option<State>, SpecError> {
    let content = std::fs::read_to_string(file).map_err(|e| SpecError::file(file, format!("cannot read: {e}")))?;
    let content = content.replace("\r\n", "\n");
    let base_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let base_dir = if base_dir.as_os_str().is_empty() { PathBuf::from(".") } else { base_dir };
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let gotmpl = name.ends_with(".gotmpl");
    // v0 style: a plain file that only parses once rendered.
    let v0 = !gotmpl && is_v0_template(&content) && parse_state_docs(file, &content, &Source::whole(&content)).is_err();
    if v0 {
        eprintln!(
            "WARNING: {}: template actions in a file without the .gotmpl extension are rendered as helmfile v0 did; rename it to {name}.gotmpl",
            file.display()
        );
    }
    let namespace = opts.namespace.clone().unwrap_or_default();
    let mut env = Environment { name: env_name.to_string(), overrides: overrides.clone(), ..Environment::default() };
    let mut final_state: Option<Map> = None;
    let mut line_offset = 0;
    for (i, part) in content.split("\n---\n").enumerate() {
        let part_line = line_offset;
        line_offset += part.matches('\n').count() + 2;
        let rendered = if gotmpl || v0 {
            let id = format!("{name}.part.{i}");
            let data = Value::Map(template_data(&env, &namespace));
            funcs::render("stringTemplate", part, &data, &base_dir).map_err(|e| {
                let at = funcs::error_position(&e, "stringTemplate").map(|(l, c)| (part_line + l, c));
                SpecError::at(file, at, format!("error during {id} parsing: {e}"))
            })?
        } else {
            part.to_string()
        };
        let mut current = parse_state_docs(file, &rendered, &Source { text: part, first_line: part_line, part: i })?;
        if evaluate_bases {
            current = load_bases(file, &base_dir, current, env_name, &env, opts, secrets)?;
        } else if current.contains_key("bases") {
            return Err(SpecError::file(file, "nested `base` helmfile is unsupported"));
        }
        let part_env = environment_for(file, &base_dir, &current, env_name, &env, secrets)?;
        final_state = Some(match final_state {
            None => current,
            Some(prev) => override_merge(&prev, &current),
        });
        env = Environment { overrides: overrides.clone(), ..part_env };
    }
    let state = final_state.unwrap_or_default();
    if evaluate_bases && env_name != "default" {
        let defined = environment_names(&state);
        if !defined.iter().any(|n| n == env_name) {
            return Err(SpecError::UndefinedEnvironment {
                file: file.display().to_string(),
                env: env_name.to_string(),
                defined,
            });
        }
    }
    let releases = release::build_releases(file, &base_dir, &state, &env, opts)?;
    Ok(Some(State {
        file: file.to_path_buf(),
        base_dir,
        env,
        helmfiles: sub_helmfiles(file, &state)?,
        repositories: repositories(&state),
        hooks: super::hooks::parse_hooks(file, "state", state.get("hooks"))?,
        releases,
        raw: state,
        selectors: Vec::new(),
    }))
}

fn environment_names(state: &Map) -> Vec<String> {
    match state.get("environments") {
        Some(Value::Map(m)) => m.keys(),
        _ => Vec::new(),
    }
}

/// The source text of a part of a state file, for positions in errors.
struct Source<'a> {
    text: &'a str,
    /// Lines of the file before the part.
    first_line: usize,
    part: usize,
}

impl<'a> Source<'a> {
    fn whole(text: &'a str) -> Source<'a> {
        Source { text, first_line: 0, part: 0 }
    }

    /// The file's line for line `line` (1-based) of `parsed`: direct when `parsed` is the source
    /// or a rendering with the same lines; `None` when rendering moved lines.
    fn file_line(&self, parsed: &str, line: usize) -> Option<usize> {
        (parsed == self.text || parsed.lines().count() == self.text.lines().count()).then_some(self.first_line + line)
    }
}

/// Parses the documents of one part strictly and merges them (lists appended).
fn parse_state_docs(file: &Path, text: &str, source: &Source) -> Result<Map, SpecError> {
    let docs = crate::yaml::parse_documents_go(text).map_err(|e| {
        let msg = e.message.strip_prefix("yaml: ").unwrap_or(&e.message);
        let msg = match msg.split_once(": ") {
            Some((l, rest)) if l.starts_with("line ") => rest.to_string(),
            _ => msg.to_string(),
        };
        match (e.line, source.file_line(text, e.line)) {
            (0, _) => SpecError::file(file, format!("invalid YAML: {msg}")),
            (_, Some(line)) => SpecError::File { file: format!("{}:{line}", file.display()), message: format!("invalid YAML: {msg}") },
            // Rendering changed the lines: say where in the rendered part, and which part.
            (line, None) => SpecError::file(
                file,
                format!("invalid YAML at line {line} of part {} as rendered (the part starts at line {}): {msg}", source.part, source.first_line + 1),
            ),
        }
    })?;
    let mut out = Map::new();
    for doc in docs {
        let m = match doc {
            Value::Nil => continue,
            Value::Map(m) => m,
            other => return Err(SpecError::file(file, format!("a state document must be a mapping, got {}", other.type_name()))),
        };
        for key in m.keys() {
            if !STATE_KEYS.contains(&key.as_str()) {
                // Keys are rarely templated: look for them in the source.
                let line = find_line(source.text, &key).map(|l| l + source.first_line);
                let where_ = line.map(|l| format!("{}:{l}", file.display())).unwrap_or_else(|| file.display().to_string());
                return Err(SpecError::File { file: where_, message: format!("unknown field {key:?} in the state (known: {})", STATE_KEYS.join(", ")) });
            }
        }
        out = append_merge(&out, &m);
    }
    Ok(out)
}

/// The 1-based line where `key:` first appears at the start of a line (after indentation).
pub fn find_line(text: &str, key: &str) -> Option<usize> {
    text.lines().position(|l| {
        let t = l.trim_start().trim_start_matches("- ");
        t.starts_with(&format!("{key}:"))
    }).map(|i| i + 1)
}

/// mergo's `WithAppendSlice, WithOverride` on a state: lists appended, maps merged key by key,
/// other non-empty values replaced.
fn append_merge(dst: &Map, src: &Map) -> Map {
    let out = Map::new();
    for (k, v) in dst.entries() {
        out.insert(k, v);
    }
    for (k, v) in src.entries() {
        let merged = match (out.get(&k), &v) {
            (Some(Value::List(a)), Value::List(b)) => {
                Value::list(a.items.iter().chain(b.items.iter()).cloned().collect())
            }
            (Some(Value::Map(a)), Value::Map(b)) => Value::Map(shallow_map_merge(&a, b)),
            (Some(old), new) if is_empty(new) => old,
            _ => v,
        };
        out.insert(k, merged);
    }
    out
}

/// mergo's `WithOverride` across parts: non-empty values replace, lists included.
fn override_merge(dst: &Map, src: &Map) -> Map {
    let out = Map::new();
    for (k, v) in dst.entries() {
        out.insert(k, v);
    }
    for (k, v) in src.entries() {
        let merged = match (out.get(&k), &v) {
            (Some(Value::Map(a)), Value::Map(b)) => Value::Map(shallow_map_merge(&a, b)),
            (Some(old), new) if is_empty(new) => old,
            _ => v,
        };
        out.insert(k, merged);
    }
    out
}

fn shallow_map_merge(a: &Map, b: &Map) -> Map {
    let out = Map::new();
    for (k, v) in a.entries() {
        out.insert(k, v);
    }
    for (k, v) in b.entries() {
        out.insert(k, v);
    }
    out
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// Layers `bases:` under the state: each base is loaded (rendered with the environment so
/// far), then merged in order with lists appended; environments merge their values lists.
fn load_bases(
    file: &Path,
    base_dir: &Path,
    state: Map,
    env_name: &str,
    env: &Environment,
    opts: &SpecOptions,
    secrets: &dyn SecretsDecryptor,
) -> Result<Map, SpecError> {
    let Some(Value::List(bases)) = state.get("bases") else { return Ok(state) };
    let mut layered = Map::new();
    for b in &bases.items {
        let Some(path) = b.as_str() else {
            return Err(SpecError::file(file, format!("bases entries must be paths, got {}", b.go_format())));
        };
        let base_file = base_dir.join(path);
        let loaded = load_base_file(&base_file, env_name, env, opts, secrets)?;
        layered = merge_layer(&layered, &loaded);
    }
    // `bases` stays in the state (what `build` prints).
    Ok(merge_layer(&layered, &state))
}

/// A base file: its parts rendered (if `.gotmpl`) with the including state's environment.
fn load_base_file(file: &Path, _env_name: &str, env: &Environment, opts: &SpecOptions, _secrets: &dyn SecretsDecryptor) -> Result<Map, SpecError> {
    let content = std::fs::read_to_string(file).map_err(|e| SpecError::file(file, format!("cannot read base: {e}")))?;
    let content = content.replace("\r\n", "\n");
    let base_dir = file.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let render = name.ends_with(".gotmpl") || (is_v0_template(&content) && parse_state_docs(file, &content, &Source::whole(&content)).is_err());
    let namespace = opts.namespace.clone().unwrap_or_default();
    let mut out: Option<Map> = None;
    let mut line_offset = 0;
    for (i, part) in content.split("\n---\n").enumerate() {
        let part_line = line_offset;
        line_offset += part.matches('\n').count() + 2;
        let text = if render {
            let data = Value::Map(template_data(env, &namespace));
            funcs::render("stringTemplate", part, &data, &base_dir).map_err(|e| {
                let at = funcs::error_position(&e, "stringTemplate").map(|(l, c)| (part_line + l, c));
                SpecError::at(file, at, format!("error during {name}.part.{i} parsing: {e}"))
            })?
        } else {
            part.to_string()
        };
        let current = parse_state_docs(file, &text, &Source { text: part, first_line: part_line, part: i })?;
        if current.contains_key("bases") {
            return Err(SpecError::file(file, "nested `base` helmfile is unsupported. please submit a feature request if you need this!"));
        }
        // helmfile 0.166 resolves a base's environment values files against the including
        // state's directory, not the base's.
        out = Some(match out {
            None => current,
            Some(prev) => override_merge(&prev, &current),
        });
    }
    Ok(out.unwrap_or_default())
}

/// Merges one layer over another: environments per name (values lists concatenated),
/// everything else with lists appended.
fn merge_layer(dst: &Map, src: &Map) -> Map {
    let envs = Map::new();
    for layer in [dst, src] {
        if let Some(Value::Map(e)) = layer.get("environments") {
            for (name, spec) in e.entries() {
                let merged = match (envs.get(&name), spec) {
                    (Some(Value::Map(old)), Value::Map(new)) => {
                        let m = shallow_map_merge(&old, &new);
                        for key in ["values", "secrets"] {
                            let a = old.get(key).and_then(|v| v.as_list().map(<[Value]>::to_vec)).unwrap_or_default();
                            let b = new.get(key).and_then(|v| v.as_list().map(<[Value]>::to_vec)).unwrap_or_default();
                            if !a.is_empty() || !b.is_empty() {
                                m.insert(key, Value::list(a.into_iter().chain(b).collect()));
                            }
                        }
                        Value::Map(m)
                    }
                    (_, v) => v,
                };
                envs.insert(name, merged);
            }
        }
    }
    let strip = |m: &Map| {
        let out = Map::new();
        for (k, v) in m.entries() {
            if k != "environments" {
                out.insert(k, v);
            }
        }
        out
    };
    let out = append_merge(&strip(dst), &strip(src));
    if !envs.is_empty() {
        out.insert("environments", Value::Map(envs));
    }
    out
}

/// The environment after one part: the values of earlier parts, the state's `values:`, then
/// this part's environment values files.
fn environment_for(
    file: &Path,
    base_dir: &Path,
    state: &Map,
    env_name: &str,
    ctx: &Environment,
    secrets: &dyn SecretsDecryptor,
) -> Result<Environment, SpecError> {
    let state_handler = state.get("missingFileHandler").and_then(|v| v.as_str().map(str::to_string));
    let mut values = ctx.values.clone();
    // State-level `values:` are defaults under the environment's values.
    if let Some(Value::List(entries)) = state.get("values") {
        let defaults = load_values_entries(file, base_dir, &entries.items, state_handler.as_deref(), ctx, "values")?;
        values = merge_maps(&defaults, &values);
    }
    let mut kube_context = ctx.kube_context.clone();
    if let Some(Value::Map(envs)) = state.get("environments") {
        if let Some(spec) = envs.get(env_name) {
            let spec = match spec {
                Value::Map(m) => m,
                Value::Nil => Map::new(),
                other => return Err(SpecError::file(file, format!("environment {env_name:?} must be a mapping, got {}", other.type_name()))),
            };
            for key in spec.keys() {
                if !["values", "secrets", "kubeContext", "missingFileHandler", "missingFileHandlerConfig", "mergeStrategy"].contains(&key.as_str()) {
                    return Err(SpecError::file(file, format!("unknown field {key:?} in environment {env_name:?}")));
                }
            }
            let handler = spec.get("missingFileHandler").and_then(|v| v.as_str().map(str::to_string)).or(state_handler);
            let mut env_values = Map::new();
            if let Some(Value::List(entries)) = spec.get("values") {
                env_values = load_values_entries(file, base_dir, &entries.items, handler.as_deref(), ctx, "environment values")?;
            }
            if let Some(Value::List(entries)) = spec.get("secrets") {
                for entry in &entries.items {
                    let Some(p) = entry.as_str() else { continue };
                    for path in resolve_files(file, base_dir, p, handler.as_deref(), "environment secrets")? {
                        let m = secrets.decrypt(&path).map_err(|e| SpecError::file(file, e))?;
                        env_values = merge_maps(&env_values, &m);
                    }
                }
            }
            values = merge_maps(&values, &env_values);
            if let Some(Value::String(k)) = spec.get("kubeContext") {
                kube_context = k.to_string();
            }
        }
    }
    Ok(Environment { name: env_name.to_string(), kube_context, values, overrides: ctx.overrides.clone() })
}

/// Files for a values entry: a path or glob relative to `base_dir`; a missing file is an
/// error, a warning or ignored as the missing-file handler says.
pub fn resolve_files(file: &Path, base_dir: &Path, pattern: &str, handler: Option<&str>, what: &str) -> Result<Vec<PathBuf>, SpecError> {
    let paths = glob_paths(base_dir, pattern);
    if !paths.is_empty() {
        return Ok(paths);
    }
    let shown = base_dir.join(pattern);
    match handler.unwrap_or("Error") {
        "Warn" => {
            eprintln!("skipping missing {what} file matching \"{}\"", shown.display());
            Ok(Vec::new())
        }
        "Info" | "Debug" => Ok(Vec::new()),
        _ => Err(SpecError::file(file, format!("{what} file matching \"{}\" does not exist", shown.display()))),
    }
}

/// Environment or state values entries: files (`.gotmpl` rendered with `ctx`) and inline maps,
/// deep-merged in order.
fn load_values_entries(
    file: &Path,
    base_dir: &Path,
    entries: &[Value],
    handler: Option<&str>,
    ctx: &Environment,
    what: &str,
) -> Result<Map, SpecError> {
    let mut out = Map::new();
    for entry in entries {
        match entry {
            Value::String(p) => {
                for path in resolve_files(file, base_dir, p, handler, what)? {
                    let m = read_values_file(&path, Some(ctx), base_dir)?;
                    out = merge_maps(&out, &m);
                }
            }
            Value::Map(m) => out = merge_maps(&out, &m.deep_copy_map()),
            Value::Nil => {}
            other => return Err(SpecError::file(file, format!("unexpected {what} entry {}", other.go_format()))),
        }
    }
    Ok(out)
}

/// Reads a values file (rendering it first when it ends in `.gotmpl`).
pub fn read_values_file(path: &Path, ctx: Option<&Environment>, _base: &Path) -> Result<Map, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::file(path, format!("cannot read values file: {e}")))?;
    let text = if path.extension().is_some_and(|e| e == "gotmpl") {
        let env = ctx.cloned().unwrap_or_default();
        let data = Value::Map(template_data(&env, ""));
        let dir = path.parent().unwrap_or(Path::new("."));
        funcs::render("stringTemplate", &text, &data, dir).map_err(|e| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let at = funcs::error_position(&e, "stringTemplate");
            SpecError::at(path, at, format!("failed to load environment values file \"{name}\": failed to render [{name}], because of {e}"))
        })?
    } else {
        text
    };
    let docs = crate::yaml::parse_documents_go(&text).map_err(|e| {
        SpecError::File { file: format!("{}:{}", path.display(), e.line), message: format!("invalid YAML: {}", e.message) }
    })?;
    match docs.into_iter().next() {
        Some(Value::Map(m)) => Ok(m),
        None | Some(Value::Nil) => Ok(Map::new()),
        Some(other) => Err(SpecError::file(path, format!("values must be a mapping, got {}", other.type_name()))),
    }
}

fn sub_helmfiles(file: &Path, state: &Map) -> Result<Vec<SubHelmfile>, SpecError> {
    let Some(Value::List(list)) = state.get("helmfiles") else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for entry in &list.items {
        match entry {
            Value::String(p) => out.push(SubHelmfile { path: p.to_string(), ..SubHelmfile::default() }),
            Value::Map(m) => {
                let path = m.get("path").and_then(|v| v.as_str().map(str::to_string))
                    .ok_or_else(|| SpecError::file(file, "helmfiles entry without path"))?;
                let selectors = m.get("selectors").map(|v| {
                    v.as_list().unwrap_or_default().iter().filter_map(|s| s.as_str().map(str::to_string)).collect()
                });
                let selectors_inherited = matches!(m.get("selectorsInherited"), Some(Value::Bool(true)));
                let values = m.get("values").and_then(|v| v.as_list().map(<[Value]>::to_vec)).unwrap_or_default();
                out.push(SubHelmfile { path, selectors, selectors_inherited, values });
            }
            other => return Err(SpecError::file(file, format!("unexpected helmfiles entry {}", other.go_format()))),
        }
    }
    Ok(out)
}

fn repositories(state: &Map) -> Vec<Repository> {
    let Some(Value::List(list)) = state.get("repositories") else { return Vec::new() };
    let s = |m: &Map, k: &str| m.get(k).and_then(|v| v.as_str().map(str::to_string));
    let b = |m: &Map, k: &str| matches!(m.get(k), Some(Value::Bool(true)));
    list.items
        .iter()
        .filter_map(|v| v.as_map().cloned())
        .map(|m| {
            let name = s(&m, "name").unwrap_or_default();
            let env_cred = |suffix: &str| std::env::var(format!("{}_{suffix}", name.to_uppercase().replace('-', "_"))).ok();
            Repository {
                url: s(&m, "url").unwrap_or_default(),
                oci: b(&m, "oci"),
                username: s(&m, "username").or_else(|| env_cred("USERNAME")),
                password: s(&m, "password").or_else(|| env_cred("PASSWORD")),
                cert_file: s(&m, "certFile"),
                key_file: s(&m, "keyFile"),
                ca_file: s(&m, "caFile"),
                skip_tls_verify: b(&m, "skipTLSVerify"),
                plain_http: b(&m, "plainHttp"),
                name,
            }
        })
        .collect()
}

trait DeepCopyMap {
    fn deep_copy_map(&self) -> Map;
}

impl DeepCopyMap for Map {
    fn deep_copy_map(&self) -> Map {
        match Value::Map(self.clone()).deep_copy() {
            Value::Map(m) => m,
            _ => Map::new(),
        }
    }
}
