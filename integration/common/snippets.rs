//! Snippet files (`testdata/gotmpl/snippets/*.txt`): small charts rendered by helm's engine and
//! by deployer. Format:
//!
//! ```text
//! ### case-name
//! --- templates/a.yaml
//! {{ .Values.x }}
//! --- values.yaml
//! x: 1
//! ```
//!
//! A section's text is every line up to the next `###`/`---` header, newlines included. Lines
//! before the first `###` are comments. A `--- files/NAME` section is a non-template chart file
//! (`.Files`, named `NAME` in the chart), given to helm's engine and to deployer alike.
//!
//! `KNOWN_DIFFERENCES.md` in the snippet directory lists cases whose difference from helm is
//! accepted for now, one per line as `` - `file-stem/case-name` (helm3|helm4|both): reason ``;
//! [`known_differences`] reads them and the harness skips exactly those.

use std::path::Path;

#[derive(Debug, Clone)]
pub struct Case {
    /// `file-stem/case-name`.
    pub id: String,
    /// Template path within the chart (`templates/a.yaml`) and text.
    pub templates: Vec<(String, String)>,
    pub values: String,
    /// Non-template chart files (`files/NAME` sections): name within the chart → text.
    pub files: Vec<(String, String)>,
}

pub fn parse(file_id: &str, text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    let mut section: Option<(String, String)> = None;
    let close_section = |case: &mut Option<Case>, section: &mut Option<(String, String)>| {
        if let (Some(case), Some((name, body))) = (case.as_mut(), section.take()) {
            if name == "values.yaml" {
                case.values = body;
            } else if let Some(file) = name.strip_prefix("files/") {
                case.files.push((file.to_string(), body));
            } else {
                case.templates.push((name, body));
            }
        }
    };
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("### ") {
            close_section(&mut current, &mut section);
            cases.extend(current.take());
            current = Some(Case { id: format!("{file_id}/{}", name.trim()), templates: Vec::new(), values: String::new(), files: Vec::new() });
        } else if let Some(name) = line.strip_prefix("--- ") {
            close_section(&mut current, &mut section);
            section = Some((name.trim().to_string(), String::new()));
        } else if let Some((_, body)) = section.as_mut() {
            body.push_str(line);
        }
    }
    close_section(&mut current, &mut section);
    cases.extend(current);
    cases
}

/// Every case of every snippet file under `dir`, in file-name order.
pub fn load_dir(dir: &Path) -> Vec<Case> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        cases.extend(parse(&stem, &text));
    }
    let mut seen = std::collections::HashSet::new();
    for case in &cases {
        assert!(seen.insert(case.id.clone()), "duplicate snippet case id {}", case.id);
    }
    cases
}

/// The accepted differences listed in `dir/KNOWN_DIFFERENCES.md`: case id → the oracles it
/// applies to (`helm3-engine`, `helm4-engine`).
pub fn known_differences(dir: &Path) -> std::collections::HashMap<String, Vec<&'static str>> {
    let mut known = std::collections::HashMap::new();
    let Ok(text) = std::fs::read_to_string(dir.join("KNOWN_DIFFERENCES.md")) else { return known };
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("- `") else { continue };
        let Some((id, rest)) = rest.split_once('`') else { continue };
        let which = rest.trim_start().strip_prefix('(').and_then(|r| r.split_once(')')).map(|(w, _)| w.trim());
        let oracles = match which {
            Some("helm3") => vec!["helm3-engine"],
            Some("helm4") => vec!["helm4-engine"],
            _ => vec!["helm3-engine", "helm4-engine"],
        };
        known.insert(id.to_string(), oracles);
    }
    known
}
