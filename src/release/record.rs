//! helm's release record (`release.v1`) as JSON, and its storage encoding
//! (JSON → gzip → base64, stored in a Secret's `data.release`).
//!
//! Field names, order and omission rules follow helm's Go structs (`pkg/release`), so helm 3
//! and helm 4 read what we write, and we read what either writes (unknown fields are kept where
//! a record is copied forward, e.g. the chart of a rollback).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::chart::model::{Chart, ChartFile};

/// A release's status, as helm spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    #[default]
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
        }
    }

    /// The status spelled as [`Status::as_str`] spells it (a record label's value).
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Unknown,
            Status::Deployed,
            Status::Uninstalled,
            Status::Superseded,
            Status::Failed,
            Status::Uninstalling,
            Status::PendingInstall,
            Status::PendingUpgrade,
            Status::PendingRollback,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// An operation is (or was, if it crashed) in flight.
    pub fn is_pending(self) -> bool {
        matches!(self, Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_empty_str(s: &str) -> bool {
    s.is_empty()
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// `info`: times are RFC 3339 with nanoseconds; helm 3 writes `""` for a zero time, helm 4
/// omits it — both read either, so we omit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub first_deployed: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub last_deployed: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub deleted: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub description: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub notes: String,
}

/// A hook's last execution; `phase` is always written (Go has no omitempty on it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub started_at: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub completed_at: String,
    #[serde(default)]
    pub phase: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub name: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub path: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    #[serde(default)]
    pub last_run: HookExecution,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_log_policies: Vec<String>,
}

impl From<&crate::chart::manifest::Hook> for Hook {
    fn from(h: &crate::chart::manifest::Hook) -> Hook {
        Hook {
            name: h.name.clone(),
            kind: h.kind.clone(),
            path: h.path.clone(),
            manifest: h.manifest.clone(),
            events: h.events.iter().map(|e| e.to_string()).collect(),
            last_run: HookExecution::default(),
            weight: h.weight,
            delete_policies: h.delete_policies.clone(),
            output_log_policies: Vec::new(),
        }
    }
}

/// A chart file: `data` is base64, as Go marshals `[]byte`; helm 4 adds `modtime`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub name: String,
    #[serde(default)]
    pub data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modtime: Option<String>,
}

impl FileRecord {
    fn of(f: &ChartFile) -> FileRecord {
        FileRecord { name: f.name.clone(), data: b64(&f.data), modtime: None }
    }
}

/// `chart.metadata`, fields in the order helm's `chart.Metadata` marshals them; fields we do
/// not model are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartMetadata {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub name: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub home: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub version: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Json>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub icon: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub condition: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub tags: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub app_version: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub kube_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Json>,
    #[serde(default, rename = "type", skip_serializing_if = "is_empty_str")]
    pub chart_type: String,
    #[serde(flatten)]
    pub other: serde_json::Map<String, Json>,
}

/// The root chart as helm stores it (subcharts are not serialised by helm either).
/// `lock` stays JSON so a helm-written record copies forward unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartRecord {
    pub metadata: ChartMetadata,
    #[serde(default)]
    pub lock: Json,
    #[serde(default)]
    pub templates: Option<Vec<FileRecord>>,
    #[serde(default)]
    pub values: Json,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schemamodtime: Option<String>,
    #[serde(default)]
    pub files: Option<Vec<FileRecord>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modtime: Option<String>,
}

impl ChartRecord {
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn version(&self) -> &str {
        &self.metadata.version
    }

    pub fn app_version(&self) -> &str {
        &self.metadata.app_version
    }

    /// The record of a loaded chart, fields as helm's `chart.Metadata` marshals them.
    pub fn of(chart: &Chart) -> ChartRecord {
        use crate::kube::value_to_json;
        let m = &chart.metadata;
        let metadata = ChartMetadata {
            name: m.name.clone(),
            home: m.home.clone(),
            sources: m.sources.clone(),
            version: m.version.clone(),
            description: m.description.clone(),
            keywords: m.keywords.clone(),
            maintainers: m.maintainers.iter().map(value_to_json).collect(),
            icon: m.icon.clone(),
            api_version: m.api_version.clone(),
            condition: m.condition.clone(),
            tags: m.tags.clone(),
            app_version: m.app_version.clone(),
            deprecated: m.deprecated,
            annotations: m.annotations.iter().cloned().collect(),
            kube_version: m.kube_version.clone(),
            dependencies: m.dependencies.iter().map(value_to_json).collect(),
            chart_type: m.chart_type.clone(),
            other: Default::default(),
        };
        let lock = chart
            .lock
            .as_ref()
            .and_then(|raw| crate::yaml::parse_values(&String::from_utf8_lossy(raw)).ok())
            .map(|v| value_to_json(&v))
            .unwrap_or(Json::Null);
        let files: Vec<FileRecord> = chart.files.iter().map(FileRecord::of).collect();
        ChartRecord {
            metadata,
            lock,
            templates: Some(chart.templates.iter().map(FileRecord::of).collect()),
            values: value_to_json(&crate::value::Value::Map(chart.values.clone())),
            schema: chart.schema.as_ref().map(|s| b64(s)),
            schemamodtime: None,
            files: (!files.is_empty()).then_some(files),
            modtime: None,
        }
    }
}

/// One revision of a release, as helm stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub name: String,
    #[serde(default)]
    pub info: Info,
    pub chart: ChartRecord,
    /// The user-supplied values (helm's `config`), omitted when empty.
    #[serde(default, skip_serializing_if = "json_is_empty")]
    pub config: Json,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    pub version: u32,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub namespace: String,
    /// helm 4: `ssa` or `csa`; absent (helm 3) means client-side apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_method: Option<String>,
}

fn json_is_empty(j: &Json) -> bool {
    match j {
        Json::Null => true,
        Json::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Why a record cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("release data is not base64: {0}")]
    Base64(String),
    #[error("release data is not gzip: {0}")]
    Gzip(String),
    #[error("release JSON: {0}")]
    Json(String),
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];

impl Release {
    /// `data.release` of the Secret: base64(gzip(JSON)), gzip at best compression like helm.
    pub fn encode(&self) -> Result<String, CodecError> {
        let json = serde_json::to_vec(self).map_err(|e| CodecError::Json(e.to_string()))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&json).map_err(|e| CodecError::Gzip(e.to_string()))?;
        let zipped = gz.finish().map_err(|e| CodecError::Gzip(e.to_string()))?;
        Ok(b64(&zipped))
    }

    /// Reads `data.release`; plain (not gzipped) JSON, which old helm versions wrote, is accepted.
    pub fn decode(data: &[u8]) -> Result<Release, CodecError> {
        serde_json::from_slice(&record_json(data)?).map_err(|e| CodecError::Json(e.to_string()))
    }

    /// Only the `manifest` of `data.release` (the chart, values and hooks are skipped, not
    /// built): what a diff needs of the last deployed revision.
    pub fn decode_manifest(data: &[u8]) -> Result<String, CodecError> {
        #[derive(Deserialize)]
        struct ManifestOnly {
            #[serde(default)]
            manifest: String,
        }
        let only: ManifestOnly = serde_json::from_slice(&record_json(data)?).map_err(|e| CodecError::Json(e.to_string()))?;
        Ok(only.manifest)
    }

    /// `config` as values (empty map when none).
    pub fn config_yaml(&self) -> String {
        match &self.config {
            Json::Null => "null\n".into(),
            j => {
                let mut text = crate::yaml::to_yaml(&crate::kube::json_to_value(j));
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text
            }
        }
    }
}

/// The JSON of `data.release`: base64, then gunzipped unless plain.
fn record_json(data: &[u8]) -> Result<Vec<u8>, CodecError> {
    let raw = base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| CodecError::Base64(e.to_string()))?;
    if !raw.starts_with(GZIP_MAGIC) {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len() * 4);
    flate2::read::GzDecoder::new(raw.as_slice()).read_to_end(&mut out).map_err(|e| CodecError::Gzip(e.to_string()))?;
    Ok(out)
}

/// Now, as helm writes times (RFC 3339, nanoseconds, UTC).
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELM3_JSON: &str = r#"{"name":"p3","info":{"first_deployed":"2026-11-23T19:27:29.408951384Z","last_deployed":"2026-11-23T19:27:29.408951384Z","deleted":"","description":"Install complete","status":"deployed","notes":"Installed p3.\n"},"chart":{"metadata":{"name":"demo","version":"0.1.0","description":"probe chart","apiVersion":"v2","appVersion":"1.0"},"lock":null,"templates":[{"name":"templates/cm.yaml","data":"YTogYgo="}],"values":{"msg":"hello","replicas":1},"schema":null,"files":null},"config":{"msg":"x3"},"manifest":"---\n# Source: demo/templates/cm.yaml\na: b\n","hooks":[{"name":"p3-hook","kind":"ConfigMap","path":"demo/templates/hook.yaml","manifest":"x","events":["pre-install","pre-upgrade"],"last_run":{"started_at":"2026-11-23T19:27:30.352059321Z","completed_at":"2026-11-23T19:27:30.369797445Z","phase":"Succeeded"},"weight":1,"delete_policies":["before-hook-creation"]}],"version":1,"namespace":"kr-probe-1"}"#;

    #[test]
    fn reads_and_rewrites_a_helm3_record() {
        let rel: Release = serde_json::from_str(HELM3_JSON).unwrap();
        assert_eq!(rel.info.status, Status::Deployed);
        assert_eq!(rel.chart.name(), "demo");
        assert_eq!(rel.hooks[0].events, vec!["pre-install", "pre-upgrade"]);
        // Written back, only helm 3's empty `deleted` goes (helm 4 omits zero times too).
        let out = serde_json::to_string(&rel).unwrap();
        assert_eq!(out, HELM3_JSON.replace(r#""deleted":"","#, ""));
        let encoded = rel.encode().unwrap();
        assert_eq!(Release::decode(encoded.as_bytes()).unwrap(), rel);
        assert_eq!(Release::decode_manifest(encoded.as_bytes()).unwrap(), rel.manifest);
        // Not gzipped (old helm) is read too.
        let plain = b64(HELM3_JSON.as_bytes());
        assert_eq!(Release::decode(plain.as_bytes()).unwrap(), rel);
    }

    #[test]
    fn status_spelling() {
        assert_eq!(serde_json::to_string(&Status::PendingRollback).unwrap(), "\"pending-rollback\"");
        assert!(Status::PendingInstall.is_pending() && !Status::Failed.is_pending());
    }
}
