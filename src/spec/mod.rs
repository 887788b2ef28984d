//! The helmfile-style spec: files and `.gotmpl` rendering, environments, layered values,
//! bases, sub-helmfiles, templates, selectors and `needs`; resolves into ordered releases.
//!
//! Loading follows helmfile v1: a file is split into parts at `\n---\n`; only `.gotmpl`
//! parts are rendered, each with the environment values of the parts before it; a plain
//! `.yaml` holding template actions is rendered whole as helmfile v0 did, with a warning.
//! Charts from repositories are not fetched here: [`ChartRef`] describes them for a
//! [`ChartResolver`]; secrets go to a [`SecretsDecryptor`].

pub mod chartify;
pub mod patch;
pub mod funcs;
pub mod hooks;
mod load;
mod release;
mod select;
pub mod sops;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::value::{Map, Value};

pub use hooks::Hook;
pub use load::{load, resolve_files};
pub use release::{Release, render_values, values_file_text, write_values_map};
pub use select::{Selector, find_need, order_by_needs, select_releases};

/// What to read and how, as helmfile's global flags say it.
#[derive(Debug, Clone, Default)]
pub struct SpecOptions {
    /// `-f FILE|DIR`; default: `helmfile.yaml`, `helmfile.yaml.gotmpl`, then `helmfile.d/`.
    pub file: Option<PathBuf>,
    /// `-e`; default `default`.
    pub environment: Option<String>,
    pub selectors: Vec<String>,
    pub state_values_set: Vec<String>,
    pub state_values_files: Vec<PathBuf>,
    /// `-n`: namespace for releases that do not set one.
    pub namespace: Option<String>,
    pub kube_context: Option<String>,
    pub include_needs: bool,
    pub include_transitive_needs: bool,
    pub skip_needs: bool,
    /// Which helmfile's behaviour to follow where 0.166 and 1.x differ.
    pub compat: HelmfileCompat,
}

/// The helmfile release deployer follows where versions differ: 1.x by default (the issue's
/// rule), 0.166 with `DEPLOYER_HELMFILE_COMPAT=0.166` (what the oracle package ships).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HelmfileCompat {
    #[default]
    V1,
    V0_166,
}

impl HelmfileCompat {
    /// From `DEPLOYER_HELMFILE_COMPAT` (`0.166` or `0`; anything else is 1.x).
    pub fn from_env() -> HelmfileCompat {
        match std::env::var("DEPLOYER_HELMFILE_COMPAT").as_deref() {
            Ok("0.166" | "0") => HelmfileCompat::V0_166,
            _ => HelmfileCompat::V1,
        }
    }
}

impl SpecOptions {
    pub fn env_name(&self) -> &str {
        self.environment.as_deref().unwrap_or("default")
    }
}

/// Why the spec could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("no state file found. It must be named helmfile.yaml, helmfile.yaml.gotmpl or helmfile.d/*.yaml(.gotmpl) in {0}, or specified with -f")]
    NoStateFile(PathBuf),
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{file}: environment {env:?} is not defined (defined: {})", defined.join(", "))]
    UndefinedEnvironment { file: String, env: String, defined: Vec<String> },
    #[error("{0}")]
    Other(String),
}

impl SpecError {
    pub fn file(file: &Path, message: impl Into<String>) -> SpecError {
        SpecError::File { file: file.display().to_string(), message: message.into() }
    }

    /// An error at `file:LINE[:COL]` when the position is known.
    pub fn at(file: &Path, position: Option<(usize, Option<usize>)>, message: impl Into<String>) -> SpecError {
        let file = match position {
            Some((line, Some(col))) => format!("{}:{line}:{col}", file.display()),
            Some((line, None)) => format!("{}:{line}", file.display()),
            None => file.display().to_string(),
        };
        SpecError::File { file, message: message.into() }
    }
}

/// The environment a state is rendered for.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub name: String,
    pub kube_context: String,
    /// Environment values merged over the state's `values:` (helmfile's `RenderedValues`
    /// before command-line overrides).
    pub values: Map,
    /// `--state-values-file`/`--state-values-set` (or a parent's `helmfiles[].values`).
    pub overrides: Map,
}

impl Environment {
    /// What `.Values`/`.StateValues` show: values with the overrides on top.
    pub fn merged_values(&self) -> Map {
        load::merge_maps(&self.values, &self.overrides)
    }
}

/// A sub-helmfile entry of `helmfiles:`.
#[derive(Debug, Clone, Default)]
pub struct SubHelmfile {
    pub path: String,
    pub selectors: Option<Vec<String>>,
    pub selectors_inherited: bool,
    pub values: Vec<Value>,
}

/// One loaded state file (one `helmfile.yaml`, one file of `helmfile.d/`, one sub-helmfile).
#[derive(Debug, Clone)]
pub struct State {
    /// The file as helmfile names it in messages.
    pub file: PathBuf,
    pub base_dir: PathBuf,
    pub env: Environment,
    /// The merged state document (for `build`).
    pub raw: Map,
    pub releases: Vec<Release>,
    pub helmfiles: Vec<SubHelmfile>,
    pub repositories: Vec<Repository>,
    /// Selectors that apply to this state (the command line's, or a parent's `helmfiles[]`).
    pub selectors: Vec<String>,
    /// The state's own `hooks:` (global `prepare`/`cleanup`).
    pub hooks: Vec<Hook>,
}

impl State {
    pub fn helm_defaults(&self) -> Map {
        match self.raw.get("helmDefaults") {
            Some(Value::Map(m)) => m,
            _ => Map::new(),
        }
    }
}

/// A chart repository from `repositories:`, as data for the chart sources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Repository {
    pub name: String,
    pub url: String,
    pub oci: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub ca_file: Option<String>,
    pub skip_tls_verify: bool,
    pub plain_http: bool,
}

/// Where a release's chart comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartRef {
    /// A local chart directory or archive, or a directory of plain manifests.
    Local(PathBuf),
    /// `repo/name` or `oci://…`, for the chart sources to fetch.
    Remote(RemoteChart),
}

/// A chart to fetch: repository, name and version constraint. A repository with a name and no
/// URL is one of helm's repositories file; with neither, `chart` is an archive's URL.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteChart {
    pub repository: Repository,
    pub chart: String,
    pub version: Option<String>,
}

/// Turns a remote chart reference into a local chart path (wired to the chart sources).
pub trait ChartResolver {
    fn resolve(&self, chart: &RemoteChart) -> Result<PathBuf, String>;
}

/// The resolver used until chart sources are wired in: every remote chart is refused.
pub struct NoRemoteCharts;

impl ChartResolver for NoRemoteCharts {
    fn resolve(&self, chart: &RemoteChart) -> Result<PathBuf, String> {
        Err(format!(
            "chart {:?} from repository {:?} ({}): remote charts are not available yet",
            chart.chart, chart.repository.name, chart.repository.url
        ))
    }
}

/// Decrypts SOPS-encrypted files (`secrets:`) into values, in memory.
pub trait SecretsDecryptor {
    fn decrypt(&self, file: &Path) -> Result<Map, String>;
}

/// A decryptor that refuses every file (for callers that must not read secrets);
/// [`sops::SopsDecryptor`] is the real one.
pub struct NoSecrets;

impl SecretsDecryptor for NoSecrets {
    fn decrypt(&self, file: &Path) -> Result<Map, String> {
        Err(format!("{}: secrets are not read here", file.display()))
    }
}

/// Labels as `k:v` pairs sorted by key and comma-joined (helmfile's `list` column).
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    labels.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(",")
}
