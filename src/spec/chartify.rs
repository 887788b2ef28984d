//! A directory of plain Kubernetes manifests used as a release's chart, turned into a chart as
//! helmfile does it (its chartify library), so `template` prints what helmfile prints:
//!
//! 1. `*.gotmpl` files are rendered with the release's template data and written without the
//!    extension (Go's default for missing keys: `<no value>`).
//! 2. Every `*.yaml`/`*.yml` file becomes `templates/<path>` of a chart named after the
//!    directory (version `1.0.0` or the release's `version`); templates only read their file
//!    back (`.Files.Get`), so manifests are never rendered as templates.
//! 3. That chart is rendered once (helm's `--output-dir`: each template's documents, sorted by
//!    kind, each under `---` and `# Source:`), and when the release has a namespace every
//!    document without `metadata.namespace` gets it — re-encoded as go-yaml v3 does.
//! 4. The result, as files of a second generated chart, is what the release renders.

use std::path::{Path, PathBuf};

use crate::chart::manifest::sort_manifests;
use crate::chart::model::{Chart, ChartFile};
use crate::funcs::HelmCompat;
use crate::value::Value;
use crate::yaml::roundtrip::{DocNode, encode_documents, parse_documents_with_comments};

use super::{Release, SpecError, funcs};

/// The manifest directory a release's chart names: an existing directory without
/// `Chart.yaml`.
pub fn manifest_dir(chart: &Path) -> Option<PathBuf> {
    (chart.is_dir() && !chart.join("Chart.yaml").exists()).then(|| chart.to_path_buf())
}

/// Builds the chart helmfile would render for the manifests in `dir`.
pub fn chartify_manifests(r: &Release, dir: &Path, compat: HelmCompat) -> Result<Chart, SpecError> {
    let err = |msg: String| SpecError::file(&r.file, format!("release {:?}: chart {}: {msg}", r.name, dir.display()));
    let chart_name = dir
        .components()
        .next_back()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut files = walk(dir).map_err(|e| err(e.to_string()))?;
    // 1. `.gotmpl` files rendered next to themselves.
    let templates: Vec<(String, Vec<u8>)> = files.iter().filter(|(p, _)| p.ends_with("gotmpl")).cloned().collect();
    for (rel, data) in templates {
        let text = String::from_utf8_lossy(&data);
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        let rendered = funcs::render_default_missing(name, &text, &Value::Map(r.data.clone()), &r.base_dir)
            .map_err(|e| err(format!("rendering {rel}: {e}")))?;
        let target = strip_extension(&rel);
        match files.iter_mut().find(|(p, _)| *p == target) {
            Some(f) => f.1 = rendered.into_bytes(),
            None => files.push((target, rendered.into_bytes())),
        }
    }
    // 2. Manifests as templates.
    let manifests: Vec<(String, String)> = files
        .iter()
        .filter(|(p, _)| p.ends_with("yaml") || p.ends_with("yml"))
        .map(|(p, d)| (format!("{chart_name}/templates/{p}"), String::from_utf8_lossy(d).into_owned()))
        .collect();
    // 3. helm's `--output-dir` files.
    let (hooks, sorted) = sort_manifests(manifests, compat).map_err(|e| err(e.to_string()))?;
    let mut written: Vec<(String, String)> = Vec::new();
    let mut write = |path: &str, content: &str| {
        let doc = format!("---\n# Source: {path}\n{content}\n");
        match written.iter_mut().find(|(p, _)| p == path) {
            Some(f) => f.1.push_str(&doc),
            None => written.push((path.to_string(), doc)),
        }
    };
    for m in &sorted {
        write(&m.path, &m.content);
    }
    for h in &hooks {
        write(&h.path, &h.manifest);
    }
    if !r.namespace.is_empty() {
        for (path, content) in written.iter_mut() {
            *content = set_namespace(content, &r.namespace).map_err(|e| err(format!("{path}: {e}")))?;
        }
    }
    // 4. The generated chart.
    let version = if r.version.is_empty() { "1.0.0".to_string() } else { r.version.clone() };
    let mut chart_files = vec![ChartFile {
        name: "Chart.yaml".into(),
        data: format!("name: {}\nversion: {version}\napiVersion: v2\n", go_quote(&chart_name)).into_bytes(),
    }];
    let prefix = format!("{chart_name}/");
    for (path, content) in written {
        let rel = path.strip_prefix(&prefix).unwrap_or(&path).to_string();
        chart_files.push(ChartFile { name: rel.clone(), data: format!("{{{{ .Files.Get \"files/{rel}\" }}}}").into_bytes() });
        chart_files.push(ChartFile { name: format!("files/{rel}"), data: content.into_bytes() });
    }
    crate::chart::loader::load_files_as(chart_files, compat).map_err(|e| err(e.to_string()))
}

/// chartify's `SetNamespace`: documents whose `metadata` has no `namespace` get one (added
/// last); the file is re-encoded by go-yaml v3 with indent 2.
pub fn set_namespace(text: &str, namespace: &str) -> Result<String, String> {
    let mut docs = parse_documents_with_comments(text).map_err(|e| e.message)?;
    for doc in &mut docs {
        let Some(root) = doc.root.as_mut() else { continue };
        let Some(entries) = root.entries_mut() else { continue };
        let Some((_, metadata)) = entries.iter_mut().find(|(k, _)| k.scalar_value() == Some("metadata")) else { continue };
        let Some(meta) = metadata.entries_mut() else { continue };
        if !meta.iter().any(|(k, _)| k.scalar_value() == Some("namespace")) {
            meta.push((DocNode::string("namespace"), DocNode::string(namespace)));
        }
    }
    Ok(encode_documents(&docs))
}

/// Files under `dir` (relative, `/`-separated), in `filepath.Walk` order.
fn walk(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn visit(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let full = e.path();
            if full.is_dir() {
                visit(&full, &path, out)?;
            } else if full.is_file() {
                out.push((path, std::fs::read(&full)?));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(dir, "", &mut out)?;
    Ok(out)
}

/// The path without its last extension (Go's `strings.TrimSuffix(p, filepath.Ext(p))`).
fn strip_extension(path: &str) -> String {
    let base_start = path.rfind('/').map_or(0, |i| i + 1);
    match path[base_start..].rfind('.') {
        Some(dot) => path[..base_start + dot].to_string(),
        None => path.to_string(),
    }
}

/// Go's `%q` for the plain names a directory has.
fn go_quote(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_added_last_where_missing() {
        let text = "---\n# Source: m/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: m/templates/a.yaml\nkind: Secret\nmetadata:\n  name: s\n  namespace: other\n";
        let want = "# Source: m/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: team\n---\n# Source: m/templates/a.yaml\nkind: Secret\nmetadata:\n  name: s\n  namespace: other\n";
        assert_eq!(set_namespace(text, "team").unwrap(), want);
        assert_eq!(set_namespace("metadata:\n  name: a\n", "123").unwrap(), "metadata:\n  name: a\n  namespace: \"123\"\n");
    }

    #[test]
    fn extension_stripped_once() {
        assert_eq!(strip_extension("a/b.yaml.gotmpl"), "a/b.yaml");
        assert_eq!(strip_extension("x.d/gotmpl"), "x.d/gotmpl");
    }
}

/// Goldens from go-yaml v3 (chartify's SetNamespace replayed by a small Go program on each
/// `testdata/yaml-roundtrip/*.yaml`, namespace `team`).
#[cfg(test)]
mod golden {
    #[test]
    fn set_namespace_matches_go_yaml_v3() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/yaml-roundtrip");
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        let mut failures = Vec::new();
        for input in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
            let want = std::fs::read_to_string(input.with_extension("want")).unwrap();
            let got = super::set_namespace(&std::fs::read_to_string(input).unwrap(), "team").unwrap();
            if got != want {
                failures.push(format!("{}:\n--- want\n{want}--- got\n{got}", input.display()));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
