//! The chart model: what a chart is once loaded — its metadata, templates, default values,
//! schema, other files and subcharts — as helm's `chart.Chart` holds it.

use crate::value::{Map, Value};

use super::objects::ChartMeta;

/// A file of a chart, by its path inside the chart (`templates/x.yaml`, `files/a.txt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// A dependency declared in `Chart.yaml` (or `requirements.yaml` for apiVersion v1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    /// `import-values` entries: strings or `{child, parent}` maps, kept as written.
    pub import_values: Vec<Value>,
    pub alias: String,
}

/// A loaded chart and, recursively, its subcharts.
#[derive(Debug, Clone)]
pub struct Chart {
    pub metadata: ChartMeta,
    /// `dependencies:` of Chart.yaml, as declared.
    pub dependencies: Vec<Dependency>,
    /// Whether `dependencies:` was declared at all (Go's non-nil `Metadata.Dependencies`):
    /// helm processes conditions, aliases and import-values only then.
    pub has_dependencies: bool,
    pub templates: Vec<ChartFile>,
    /// `values.yaml`, parsed (empty when absent).
    pub values: Map,
    /// `values.yaml` as written, for packaging (helm's `Raw`).
    pub values_raw: Option<Vec<u8>>,
    /// `Chart.lock` (or `requirements.lock` of an apiVersion v2 chart) as written.
    pub lock: Option<Vec<u8>>,
    pub schema: Option<Vec<u8>>,
    /// Every other file (what `.Files` serves, `crds/`, `README.md`, `.helmignore`, …).
    pub files: Vec<ChartFile>,
    pub subcharts: Vec<Chart>,
    /// Path of this chart from the root chart: `parent/charts/name`.
    pub full_path: String,
}

impl Chart {
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn is_library(&self) -> bool {
        self.metadata.chart_type.eq_ignore_ascii_case("library")
    }

    /// Files under `crds/` with a manifest extension, of this chart and its subcharts, as
    /// `(path from the root chart, data)`.
    pub fn crd_objects(&self) -> Vec<(String, &[u8])> {
        let mut crds = Vec::new();
        for f in &self.files {
            let is_manifest = [".yaml", ".yml", ".json"].iter().any(|ext| f.name.ends_with(ext));
            if f.name.starts_with("crds/") && is_manifest {
                crds.push((format!("{}/{}", self.full_path, f.name), f.data.as_slice()));
            }
        }
        for sub in &self.subcharts {
            crds.extend(sub.crd_objects());
        }
        crds
    }

    /// Sets `full_path` on this chart and all subcharts, from `prefix` (None for the root).
    pub(crate) fn set_paths(&mut self, parent: Option<&str>) {
        self.full_path = match parent {
            None => self.metadata.name.clone(),
            Some(p) => format!("{p}/charts/{}", self.metadata.name),
        };
        let path = self.full_path.clone();
        for sub in &mut self.subcharts {
            sub.set_paths(Some(&path));
        }
    }
}
