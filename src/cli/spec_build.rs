//! `deployer build`: the resolved state printed as `helmfile build` (1.x) prints it — each
//! state's Go struct (`HelmState`) encoded by go-yaml v3 with indent 2, after a
//! `#  Source: ABSOLUTE PATH` comment. The struct's fields, their order and their `omitempty`
//! rules are the tables below (helmfile 1.8's `ReleaseSetSpec`, `ReleaseSpec`, `HelmSpec`, …);
//! the values come from the loaded state.

use std::path::Path;

use crate::spec::{self, Release, State};
use crate::value::{Map, Value};
use crate::yaml::GoNode;

/// How a Go field is typed and whether `omitempty` drops it.
#[derive(Clone, Copy)]
enum Kind {
    /// `string` with `omitempty`.
    Str,
    /// `string` without it.
    StrAlways,
    /// `bool` with `omitempty` (false dropped).
    Bool,
    /// `bool` without it (false printed).
    BoolAlways,
    /// `int` without `omitempty`.
    IntAlways,
    /// `int` with `omitempty`.
    Int,
    /// A pointer (`*bool`, `*int`, `*string`, `*float32`): printed when set, whatever its value.
    Ptr,
    /// `[]string`/`[]any`/`map[..]..` with `omitempty`: printed when not empty.
    Dynamic,
    /// `[]string` without `omitempty` (nil prints `[]`).
    ListAlways,
    /// `map[string]string` with `omitempty` (values as strings).
    StrMap,
    /// A nested struct (or a pointer to one) with `omitempty`: dropped when all its fields are.
    Struct(&'static [(&'static str, Kind)]),
    /// `[]Struct` with `omitempty`.
    StructList(&'static [(&'static str, Kind)]),
}

use Kind::*;

const MISSING_FILE_HANDLER_CONFIG: &[(&str, Kind)] = &[("ignoreMissingGitBranch", Bool)];

const HOOK: &[(&str, Kind)] = &[
    ("name", StrAlways), ("events", ListAlways), ("command", StrAlways), ("kubectlApply", StrMap), ("args", ListAlways),
    ("showlogs", BoolAlways),
];

const SET_VALUE: &[(&str, Kind)] = &[("name", Str), ("value", Str), ("file", Str), ("values", Dynamic)];

const INHERIT: &[(&str, Kind)] = &[("template", Str), ("except", Dynamic)];

const DEPENDENCY: &[(&str, Kind)] = &[("chart", StrAlways), ("version", StrAlways), ("alias", StrAlways)];

/// helmfile 1.8's `ReleaseSpec`.
const RELEASE: &[(&str, Kind)] = &[
    ("chart", Str), ("chartPath", Str), ("directory", Str), ("version", Str), ("verify", Ptr), ("keyring", Str),
    ("enableDNS", Ptr), ("devel", Ptr), ("wait", Ptr), ("waitRetries", Ptr), ("waitForJobs", Ptr), ("timeout", Ptr),
    ("recreatePods", Ptr), ("force", Ptr), ("installed", Ptr), ("updateStrategy", Str), ("atomic", Ptr),
    ("rollbackOnFailure", Ptr), ("cleanupOnFail", Ptr), ("forceConflicts", Ptr), ("historyMax", Ptr), ("condition", Str),
    ("createNamespace", Ptr), ("reuseValues", Ptr), ("disableOpenAPIValidation", Ptr), ("disableValidation", Ptr),
    ("disableValidationOnInstall", Ptr), ("missingFileHandler", Ptr), ("missingFileHandlerConfig", Struct(MISSING_FILE_HANDLER_CONFIG)),
    ("needs", Dynamic), ("hooks", StructList(HOOK)), ("unitTests", Dynamic), ("name", Str), ("description", Str),
    ("namespace", Str), ("labels", StrMap), ("values", Dynamic), ("secrets", Dynamic), ("set", StructList(SET_VALUE)),
    ("setString", StructList(SET_VALUE)), ("valuesTemplate", Dynamic), ("setTemplate", StructList(SET_VALUE)),
    ("apiVersions", Dynamic), ("kubeVersion", Str), ("env", StructList(SET_VALUE)), ("valuesPathPrefix", Str),
    ("kubeContext", Str), ("insecureSkipTLSVerify", Bool), ("plainHttp", Bool), ("verifyTemplate", Ptr),
    ("waitTemplate", Ptr), ("installedTemplate", Ptr), ("conditionTemplate", Ptr), ("dependencies", StructList(DEPENDENCY)),
    ("jsonPatches", Dynamic), ("strategicMergePatches", Dynamic), ("transformers", Dynamic), ("adopt", Dynamic),
    ("forceGoGetter", Bool), ("forceNamespace", Str), ("skipDeps", Ptr), ("skipRefresh", Ptr), ("resolveOCIVersions", Ptr),
    ("postRenderer", Ptr), ("skipSchemaValidation", Ptr), ("postRendererArgs", Dynamic), ("cascade", Ptr),
    ("suppressOutputLineRegex", Dynamic), ("disableAutoDetectedKubeVersionForDiff", Ptr), ("inherit", StructList(INHERIT)),
    ("suppressDiff", Ptr), ("deleteWait", Ptr), ("deleteTimeout", Ptr), ("syncReleaseLabels", Ptr), ("takeOwnership", Ptr),
    ("serverSide", Ptr), ("trackMode", Str), ("trackTimeout", Ptr), ("trackLogs", Ptr), ("trackFailedLogs", Ptr),
    ("helmStuckGrace", Ptr), ("trackKinds", Dynamic), ("skipKinds", Dynamic), ("trackResources", Dynamic),
    ("kubedogQPS", Ptr), ("kubedogBurst", Ptr), ("trackFailOnError", Ptr),
];

/// helmfile 1.8's `HelmSpec` (`helmDefaults`).
const HELM_DEFAULTS: &[(&str, Kind)] = &[
    ("kubeContext", Str), ("args", Dynamic), ("diffArgs", Dynamic), ("syncArgs", Dynamic), ("templateArgs", Dynamic),
    ("verify", BoolAlways), ("keyring", Str), ("enableDNS", BoolAlways), ("skipSchemaValidation", Ptr), ("devel", BoolAlways),
    ("wait", BoolAlways), ("waitRetries", IntAlways), ("waitForJobs", BoolAlways), ("timeout", IntAlways),
    ("recreatePods", BoolAlways), ("force", BoolAlways), ("atomic", BoolAlways), ("rollbackOnFailure", BoolAlways),
    ("cleanupOnFail", Bool), ("forceConflicts", BoolAlways), ("historyMax", Ptr), ("createNamespace", Ptr), ("skipCRDs", Bool),
    ("skipDeps", BoolAlways), ("skipRefresh", BoolAlways), ("resolveOCIVersions", Ptr), ("reuseValues", BoolAlways),
    ("postRenderer", Ptr), ("postRendererArgs", Dynamic), ("cascade", Ptr), ("suppressOutputLineRegex", Dynamic),
    ("disableAutoDetectedKubeVersionForDiff", Ptr), ("disableValidation", Ptr), ("disableOpenAPIValidation", Ptr),
    ("insecureSkipTLSVerify", Bool), ("plainHttp", Bool), ("deleteWait", Bool), ("deleteTimeout", Int),
    ("syncReleaseLabels", Ptr), ("takeOwnership", Ptr), ("serverSide", Ptr), ("trackMode", Str), ("helmStuckGrace", Int),
];

const ENVIRONMENT: &[(&str, Kind)] = &[
    ("values", Dynamic), ("secrets", Dynamic), ("kubeContext", Str), ("missingFileHandler", Ptr),
    ("missingFileHandlerConfig", Struct(MISSING_FILE_HANDLER_CONFIG)), ("mergeStrategy", Str),
];

/// `SubHelmfileSpec` as its `MarshalYAML` writes it.
const SUB_HELMFILE: &[(&str, Kind)] = &[("path", Str), ("selectors", Dynamic), ("selectorsInherited", Bool), ("inherits", Dynamic), ("values", Dynamic)];

const REPOSITORY: &[(&str, Kind)] = &[
    ("name", Str), ("url", Str), ("caFile", Str), ("certFile", Str), ("keyFile", Str), ("username", Str), ("password", Str),
    ("registryConfig", Str), ("managed", Str), ("oci", Bool), ("verify", Bool), ("keyring", Str), ("passCredentials", Bool),
    ("skipTLSVerify", Bool), ("plainHttp", Bool),
];

/// Go's `fmt` text of a scalar decoded into a `string` field.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Nil => String::new(),
        other => other.go_format(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Bool(b) => !b,
        Value::Int(i) | Value::Int64(i) => *i == 0,
        _ => false,
    }
}

/// One field's encoding, `None` when `omitempty` drops it.
fn field(kind: Kind, v: Option<&Value>) -> Option<GoNode> {
    let value = |v: Value| Some(GoNode::Value(v));
    match kind {
        Str => v.map(text).filter(|s| !s.is_empty()).and_then(|s| value(Value::from(s))),
        StrAlways => value(Value::from(v.map(text).unwrap_or_default())),
        Bool => match v {
            Some(Value::Bool(true)) => value(Value::Bool(true)),
            _ => None,
        },
        BoolAlways => value(Value::Bool(matches!(v, Some(Value::Bool(true))))),
        IntAlways => value(v.filter(|v| !v.is_nil()).cloned().unwrap_or(Value::Int(0))),
        Int => v.filter(|v| !is_empty(v)).and_then(|v| value(v.clone())),
        Ptr => match v {
            None | Some(Value::Nil) => None,
            Some(v) => value(v.clone()),
        },
        Dynamic => v.filter(|v| !is_empty(v)).and_then(|v| value(v.clone())),
        ListAlways => value(v.filter(|v| !v.is_nil()).cloned().unwrap_or_else(|| Value::list(Vec::new()))),
        StrMap => match v {
            Some(Value::Map(m)) if !m.is_empty() => {
                let out = Map::new();
                for (k, x) in m.entries() {
                    out.insert(k, Value::from(text(&x)));
                }
                value(Value::Map(out))
            }
            _ => None,
        },
        Struct(schema) => match v {
            Some(Value::Map(m)) => {
                let fields = encode_struct(schema, m);
                let all_zero = schema.iter().all(|(k, kind)| is_zero(*kind, m.get(k).as_ref()));
                (!all_zero).then_some(GoNode::Struct(fields))
            }
            _ => None,
        },
        StructList(schema) => match v {
            Some(Value::List(l)) if !l.items.is_empty() => Some(GoNode::List(
                l.items
                    .iter()
                    .map(|item| match item {
                        Value::Map(m) => GoNode::Struct(encode_struct(schema, m)),
                        other => GoNode::Value(other.clone()),
                    })
                    .collect(),
            )),
            _ => None,
        },
    }
}

/// Whether a field holds its Go zero value (a set pointer is not zero, whatever it points to).
fn is_zero(kind: Kind, v: Option<&Value>) -> bool {
    match (kind, v) {
        (_, None | Some(Value::Nil)) => true,
        (Ptr, Some(_)) => false,
        (Struct(schema), Some(Value::Map(m))) => schema.iter().all(|(k, kind)| is_zero(*kind, m.get(k).as_ref())),
        (_, Some(v)) => is_empty(v),
    }
}

fn encode_struct(schema: &[(&str, Kind)], m: &Map) -> Vec<(String, GoNode)> {
    schema.iter().filter_map(|(k, kind)| field(*kind, m.get(k).as_ref()).map(|n| (k.to_string(), n))).collect()
}

/// A map of structs (Go map: keys sorted as go-yaml sorts them).
fn struct_map(schema: &'static [(&'static str, Kind)], v: Option<Value>) -> Vec<(String, GoNode)> {
    let Some(Value::Map(m)) = v else { return Vec::new() };
    let mut keys = m.keys();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let node = match m.get(&k) {
                Some(Value::Map(inner)) => GoNode::Struct(encode_struct(schema, &inner)),
                _ => GoNode::Struct(Vec::new()),
            };
            (k, node)
        })
        .collect()
}

/// `needs` as helmfile's `ApplyOverrides` rewrites them: `[context/][namespace/]name` with
/// the release's own namespace and context filled in.
fn rewrite_needs(r: &Release) -> Vec<Value> {
    r.needs
        .iter()
        .map(|n| {
            let parts: Vec<&str> = n.split('/').collect();
            let name = parts[parts.len() - 1];
            let ns = if parts.len() > 1 { parts[parts.len() - 2].to_string() } else { r.namespace.clone() };
            let context = if parts.len() > 2 { parts[..parts.len() - 2].join("/") } else { r.kube_context.clone() };
            let mut out = Vec::new();
            if !context.is_empty() {
                out.push(context.clone());
            }
            if !context.is_empty() || !ns.is_empty() {
                out.push(ns);
            }
            out.push(name.to_string());
            Value::from(out.join("/"))
        })
        .collect()
}

/// A release as helmfile prints it: the spec after templates, `-n` and its labels with
/// `commonLabels` under them and the implicit `name`, `namespace`, `chart` labels.
fn release_fields(r: &Release, embedded: Option<(Vec<Value>, Vec<Value>)>) -> Vec<(String, GoNode)> {
    let m = Map::new();
    for (k, v) in r.raw.entries() {
        m.insert(k, v);
    }
    m.insert("namespace", Value::from(r.namespace.clone()));
    // The loader has already set `commonLabels` over the release's own.
    let labels = Map::new();
    for (k, v) in &r.labels {
        labels.insert(k.clone(), Value::from(v.clone()));
    }
    labels.insert("name", Value::from(r.name.clone()));
    labels.insert("namespace", Value::from(r.namespace.clone()));
    labels.insert("chart", Value::from(r.chart.rsplit('/').next().unwrap_or_default().to_string()));
    m.insert("labels", Value::Map(labels));
    if !r.needs.is_empty() {
        m.insert("needs", Value::list(rewrite_needs(r)));
    }
    if let Some((values, secrets)) = embedded {
        m.insert("values", Value::list(values));
        m.insert("secrets", Value::list(secrets));
    }
    encode_struct(RELEASE, &m)
}

/// `--embed-values`: each values or secrets entry naming a file replaced by the file's content
/// (a `.gotmpl` rendered with the release's data; secrets as they are on disk, encrypted).
fn embed(r: &Release, entries: &[Value]) -> Result<Vec<Value>, spec::SpecError> {
    let mut out = Vec::new();
    for entry in entries {
        let Value::String(p) = entry else {
            out.push(entry.clone());
            continue;
        };
        let paths = spec::resolve_files(&r.file, &r.base_dir, p, r.missing_file_handler.as_deref(), "values")?;
        let Some(path) = paths.first() else { continue };
        if paths.len() > 1 {
            return Err(spec::SpecError::file(&r.file, "glob patterns in release values and secrets is not supported yet. please submit a feature request if necessary"));
        }
        let text = spec::values_file_text(r, path)?;
        let doc = crate::yaml::parse_documents_go(&text)
            .map_err(|e| spec::SpecError::File { file: format!("{}:{}", path.display(), e.line), message: format!("invalid YAML: {}", e.message) })?
            .into_iter()
            .next();
        out.push(match doc {
            Some(Value::Map(m)) => Value::Map(m),
            _ => Value::Nil,
        });
    }
    Ok(out)
}

/// The absolute path helmfile prints after `#  Source: `.
fn full_path(file: &Path) -> String {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    // `filepath.Join` cleans `.` components.
    let mut out = std::path::PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

/// One state as `helmfile build` prints it; `releases` are the selected ones.
pub fn state_document(st: &State, releases: &[usize], opts: &spec::SpecOptions, embed_values: bool) -> Result<String, spec::SpecError> {
    let raw = &st.raw;
    let get = |k: &str| raw.get(k);
    // helmfile keeps the state's file name apart from its directory.
    let name = st.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut fields: Vec<(String, GoNode)> = vec![("filepath".into(), GoNode::Value(Value::from(name)))];
    let mut push = |k: &str, n: Option<GoNode>| {
        if let Some(n) = n {
            fields.push((k.to_string(), n));
        }
    };
    // helmfile fills in the binaries' defaults when loading a state.
    let or_default = |k: &str, default: &str| get(k).filter(|v| !is_empty(v)).unwrap_or_else(|| Value::from(default));
    push("helmBinary", field(Str, Some(&or_default("helmBinary", "helm"))));
    push("kustomizeBinary", field(Str, Some(&or_default("kustomizeBinary", "kustomize"))));
    push("values", field(Dynamic, get("values").as_ref()));
    let envs = struct_map(ENVIRONMENT, get("environments"));
    push("environments", (!envs.is_empty()).then_some(GoNode::Struct(envs)));
    push("bases", field(Dynamic, get("bases").as_ref()));
    push("helmDefaults", field(Struct(HELM_DEFAULTS), get("helmDefaults").as_ref()));
    push("helmfiles", field(StructList(SUB_HELMFILE), get("helmfiles").as_ref()));
    push("kubeContext", field(Str, opts.kube_context.as_ref().map(|c| Value::from(c.clone())).as_ref()));
    push("namespace", field(Str, opts.namespace.as_ref().map(|n| Value::from(n.clone())).as_ref()));
    push("repositories", field(StructList(REPOSITORY), get("repositories").as_ref()));
    push("commonLabels", field(StrMap, get("commonLabels").as_ref()));
    let mut release_nodes = Vec::new();
    for &i in releases {
        let r = &st.releases[i];
        let embedded = if embed_values { Some((embed(r, &r.values)?, embed(r, &secret_entries(r))?)) } else { None };
        release_nodes.push(GoNode::Struct(release_fields(r, embedded)));
    }
    push("releases", (!release_nodes.is_empty()).then_some(GoNode::List(release_nodes)));
    push("apiVersions", field(Dynamic, get("apiVersions").as_ref()));
    push("kubeVersion", field(Str, get("kubeVersion").as_ref()));
    push("hooks", field(StructList(HOOK), get("hooks").as_ref()));
    push("templates", Some(GoNode::Struct(struct_map(RELEASE, get("templates")))));
    push("defaultInherit", field(Dynamic, get("defaultInherit").as_ref()));
    push("missingFileHandler", field(Ptr, get("missingFileHandler").as_ref()));
    push("missingFileHandlerConfig", field(Struct(MISSING_FILE_HANDLER_CONFIG), get("missingFileHandlerConfig").as_ref()));
    push("lockFilePath", field(Str, get("lockFilePath").as_ref()));
    push("renderedvalues", Some(GoNode::Value(Value::Map(st.env.merged_values()))));
    let yaml = crate::yaml::to_yaml_v3_document(&GoNode::Struct(fields));
    Ok(format!("---\n#  Source: {}\n\n{yaml}", full_path(&st.file)))
}

fn secret_entries(r: &Release) -> Vec<Value> {
    r.secrets.iter().map(|s| Value::from(s.clone())).collect()
}

pub fn build(args: &super::BuildArgs, global: &super::GlobalArgs) -> Result<i32, super::CliError> {
    use std::io::Write;
    let opts = super::spec_cmd::spec_options(&args.spec, global);
    let embed_values = args.embed_values;
    let text = super::spec_cmd::on_big_stack(move || {
        let states = spec::load(&opts, &spec::sops::SopsDecryptor::new())?;
        let mut out = String::new();
        let mut matched = 0;
        for (si, idx) in super::spec_cmd::selected(&states, &opts, false)? {
            let st = &states[si];
            matched += idx.len();
            super::spec_cmd::trigger_prepare(st, &idx, &opts, "build")?;
            // helmfile filters the releases only when selectors apply to the state.
            let releases: Vec<usize> = if st.selectors.is_empty() { (0..st.releases.len()).collect() } else { idx };
            out.push_str(&state_document(st, &releases, &opts, embed_values)?);
            super::spec_cmd::trigger_global_cleanup(st, &opts, "build")?;
        }
        Ok((out, matched))
    })?;
    let (text, matched) = text;
    std::io::stdout().lock().write_all(text.as_bytes())?;
    // The states are printed even when the selectors matched nothing; then helmfile exits 3.
    if matched == 0 && !args.spec.selector.is_empty() {
        let env = args.spec.environment.as_deref().unwrap_or("default");
        eprintln!("err: no releases found that matches specified selector({}) and environment({env}), in any helmfile", args.spec.selector.join(","));
        return Err(super::CliError::NoMatch);
    }
    Ok(super::exit::OK)
}
