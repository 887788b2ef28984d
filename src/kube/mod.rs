//! Cluster access: kubeconfig, clients per context, discovery, server-side apply, bulk reads of
//! live state.
//!
//! The API is **async** (kube-rs is async-only; a blocking facade would hide the one thing the
//! engine needs — many requests in flight on one connection pool). A [`Cluster`] is cheap to
//! clone (`Arc` inside), `Send + Sync`, and meant to be shared by every release that targets the
//! same context: [`Clusters`] hands out one per context and caches discovery per run.
//! Objects are `serde_json::Value`s (not the template `Value`, which is `Rc`-shared and stays on
//! the render thread); [`manifest_objects`] converts rendered YAML into them.

mod convert;
mod raw_list;
mod wait;

use std::collections::HashMap;
use std::sync::Arc;

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, PropagationPolicy};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value as Json;

pub use convert::{json_to_value, manifest_objects, value_to_json};
pub use raw_list::ListedObject;
pub use wait::{Readiness, WaitOptions, hook_done, readiness};

/// Objects per LIST page.
const LIST_PAGE: u32 = 500;

/// The field manager deployer applies with unless told otherwise.
pub const DEFAULT_FIELD_MANAGER: &str = "deployer";

/// Why a cluster call failed. Messages name the verb, the object and the namespace.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error("kubeconfig: {0}")]
    Config(String),
    #[error("kubeconfig: context {context:?} not found (known: {known})")]
    NoSuchContext { context: String, known: String },
    #[error("cannot connect to the cluster of context {context:?}: {message}")]
    Connect { context: String, message: String },
    #[error("the server has no resource for {api_version} {kind} (is the CRD installed?)")]
    UnknownKind { api_version: String, kind: String },
    #[error("{verb} {what}: forbidden: {message}")]
    Forbidden { verb: &'static str, what: String, message: String },
    /// A server-side apply conflict: each field with the managers that own it.
    #[error("{}", conflict_message(.what, .conflicts))]
    Conflict { what: String, conflicts: Vec<FieldConflict> },
    #[error("{verb} {what}: {message}")]
    Api { verb: &'static str, what: String, code: u16, reason: String, message: String },
    #[error("invalid object: {0}")]
    InvalidObject(String),
    #[error("timed out after {waited}s waiting for {what}")]
    Timeout { waited: u64, what: String },
    #[error("{what}: {reason}")]
    ObjectFailed { what: String, reason: String },
}

impl KubeError {
    /// The HTTP status of an API error (0 for errors that never reached the server).
    pub fn code(&self) -> u16 {
        match self {
            KubeError::Api { code, .. } => *code,
            KubeError::Forbidden { .. } => 403,
            KubeError::Conflict { .. } => 409,
            _ => 0,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code() == 404
    }

    pub fn is_already_exists(&self) -> bool {
        matches!(self, KubeError::Api { reason, .. } if reason == "AlreadyExists")
    }
}

/// One field an apply conflicts on, and who manages it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    pub field: String,
    pub manager: String,
}

fn conflict_message(what: &str, conflicts: &[FieldConflict]) -> String {
    let mut s = format!("apply {what}: conflicts with other field managers:");
    for c in conflicts {
        s.push_str(&format!("\n  {} (managed by {:?})", c.field, c.manager));
    }
    s.push_str("\nre-run with --force-conflicts to take these fields over, or change the field manager");
    s
}

/// Where to find the cluster: kubeconfig file(s) and context, as kubectl takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct KubeTarget {
    /// `--kubeconfig` (a path, or a `:`-separated list like `KUBECONFIG`); `None` reads
    /// `$KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account.
    pub kubeconfig: Option<String>,
    /// `--kube-context`; `None` uses the kubeconfig's `current-context`.
    pub context: Option<String>,
}

/// Loads the (merged) kubeconfig the way kubectl does; `None` when there is none at all.
fn load_kubeconfig(paths: Option<&str>) -> Result<Option<Kubeconfig>, KubeError> {
    let err = |e: kube::config::KubeconfigError| KubeError::Config(e.to_string());
    match paths {
        Some(list) => {
            let files: Vec<_> = std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()).collect();
            let mut merged: Option<Kubeconfig> = None;
            for f in files {
                let next = Kubeconfig::read_from(&f).map_err(|e| KubeError::Config(format!("{}: {e}", f.display())))?;
                merged = Some(match merged {
                    None => next,
                    Some(m) => m.merge(next).map_err(err)?,
                });
            }
            Ok(merged)
        }
        None => match Kubeconfig::from_env().map_err(err)? {
            Some(c) => Ok(Some(c)),
            None => {
                let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
                match home.map(|h| h.join(".kube/config")).filter(|p| p.exists()) {
                    Some(p) => Kubeconfig::read_from(p).map(Some).map_err(err),
                    None => Ok(None),
                }
            }
        },
    }
}

/// The client configuration for a target: kubeconfig (client certs, tokens, exec plugins, as
/// kube-rs implements them) or, with no kubeconfig at all, the in-cluster service account.
pub async fn client_config(target: &KubeTarget) -> Result<(kube::Config, String), KubeError> {
    match load_kubeconfig(target.kubeconfig.as_deref())? {
        Some(kc) => {
            let context = match &target.context {
                Some(c) => c.clone(),
                None => kc.current_context.clone().ok_or_else(|| {
                    KubeError::Config("no current-context is set; pass --kube-context".into())
                })?,
            };
            if !kc.contexts.iter().any(|c| c.name == context) {
                let known: Vec<_> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
                return Err(KubeError::NoSuchContext { context, known: known.join(", ") });
            }
            let opts = KubeConfigOptions { context: Some(context.clone()), ..Default::default() };
            let config = kube::Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map_err(|e| KubeError::Config(e.to_string()))?;
            Ok((config, context))
        }
        None => {
            let config = kube::Config::incluster().map_err(|e| {
                KubeError::Config(format!("no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not in a cluster: {e}"))
            })?;
            Ok((config, "in-cluster".into()))
        }
    }
}

/// A resource type as discovery reports it.
#[derive(Debug, Clone)]
pub struct Resource {
    pub api: ApiResource,
    pub namespaced: bool,
}

/// Identifies one object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{} in namespace {ns:?}", self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// How to server-side apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub field_manager: String,
    /// Take over fields other managers own (`--force-conflicts`).
    pub force_conflicts: bool,
    /// `dryRun=All`: the server validates, defaults and merges but stores nothing.
    pub dry_run: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { field_manager: DEFAULT_FIELD_MANAGER.into(), force_conflicts: false, dry_run: false }
    }
}

struct ClusterInner {
    client: kube::Client,
    context: String,
    default_namespace: String,
    /// apiVersion → its resources (kind → resource), fetched once per run.
    discovery: tokio::sync::Mutex<HashMap<String, Arc<HashMap<String, Resource>>>>,
    /// The server's version and API versions, read once per run.
    facts: tokio::sync::OnceCell<ServerFacts>,
}

/// What helm's `.Capabilities` says of a cluster: `/version` and discovery's API versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFacts {
    pub git_version: String,
    pub major: String,
    pub minor: String,
    /// Every served `group/version` and `group/version/Kind` (subresources' kinds included,
    /// as helm's `GetVersionSet` lists them), sorted.
    pub api_versions: Vec<String>,
}

/// A discovery list as kind → resource; subresources (`pods/status`, …) left out.
fn index_resources(api_version: &str, list: &k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList) -> HashMap<String, Resource> {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    };
    let mut by_kind = HashMap::new();
    for r in &list.resources {
        if r.name.contains('/') {
            continue;
        }
        let gvk = GroupVersionKind::gvk(&group, &version, &r.kind);
        let api = ApiResource::from_gvk_with_plural(&gvk, &r.name);
        by_kind.insert(r.kind.clone(), Resource { api, namespaced: r.namespaced });
    }
    by_kind
}

/// One cluster context: a client (connection pool) and its discovery cache.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<ClusterInner>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("context", &self.inner.context).finish()
    }
}

impl Cluster {
    /// Connects (lazily: no request is made until the first call).
    pub async fn connect(target: &KubeTarget) -> Result<Cluster, KubeError> {
        let (mut config, context) = client_config(target).await?;
        // Throttling (429 from API Priority and Fairness or max-inflight) and 503/504: kube's
        // retry layer sends the request again — every verb, apply, list and watch alike — with
        // exponential backoff from 5 ms, 15 times at most, never sooner than `Retry-After`.
        config.default_retry = true;
        let default_namespace = config.default_namespace.clone();
        let client = kube::Client::try_from(config)
            .map_err(|e| KubeError::Connect { context: context.clone(), message: e.to_string() })?;
        Ok(Cluster {
            inner: Arc::new(ClusterInner {
                client,
                context,
                default_namespace,
                discovery: tokio::sync::Mutex::new(HashMap::new()),
                facts: tokio::sync::OnceCell::new(),
            }),
        })
    }

    pub fn client(&self) -> kube::Client {
        self.inner.client.clone()
    }

    pub fn context(&self) -> &str {
        &self.inner.context
    }

    /// The context's namespace (`default` when the context sets none).
    pub fn default_namespace(&self) -> &str {
        &self.inner.default_namespace
    }

    /// The resource for `apiVersion` + `kind`; one discovery request per apiVersion per run.
    pub async fn resource(&self, api_version: &str, kind: &str) -> Result<Resource, KubeError> {
        let unknown = || KubeError::UnknownKind { api_version: api_version.into(), kind: kind.into() };
        let mut cache = self.inner.discovery.lock().await;
        let resources = match cache.get(api_version) {
            Some(r) => r.clone(),
            None => {
                let list = if api_version.contains('/') {
                    self.inner.client.list_api_group_resources(api_version).await
                } else {
                    self.inner.client.list_core_api_resources(api_version).await
                };
                let list = match list {
                    Ok(l) => l,
                    Err(kube::Error::Api(s)) if s.code == 404 => return Err(unknown()),
                    Err(e) => return Err(api_error(e, "discover", api_version.to_string())),
                };
                let by_kind = Arc::new(index_resources(api_version, &list));
                cache.insert(api_version.to_string(), by_kind.clone());
                by_kind
            }
        };
        resources.get(kind).cloned().ok_or_else(unknown)
    }

    /// The server's version and every API version it serves (what `helm upgrade` puts in
    /// `.Capabilities`), read once per run; the resources found fill the discovery cache.
    /// Group versions whose discovery fails are left out, as helm leaves them.
    pub async fn server_facts(&self) -> Result<ServerFacts, KubeError> {
        self.inner.facts.get_or_try_init(|| self.read_server_facts()).await.cloned()
    }

    async fn read_server_facts(&self) -> Result<ServerFacts, KubeError> {
        let client = &self.inner.client;
        let discover = |what: &str| {
            let what = what.to_string();
            move |e| api_error(e, "discover", what)
        };
        let version = client.apiserver_version().await.map_err(discover("the server version"))?;
        let mut group_versions: Vec<String> = client.list_core_api_versions().await.map_err(discover("the core API"))?.versions;
        for g in client.list_api_groups().await.map_err(discover("the API groups"))?.groups {
            group_versions.extend(g.versions.into_iter().map(|v| v.group_version));
        }
        let lists = futures::future::join_all(group_versions.iter().map(|gv| async move {
            if gv.contains('/') { client.list_api_group_resources(gv).await } else { client.list_core_api_resources(gv).await }
        }))
        .await;
        let mut set: std::collections::BTreeSet<String> = group_versions.iter().cloned().collect();
        let mut cache = self.inner.discovery.lock().await;
        for (gv, list) in group_versions.iter().zip(lists) {
            let Ok(list) = list else { continue };
            set.extend(list.resources.iter().map(|r| format!("{gv}/{}", r.kind)));
            cache.entry(gv.clone()).or_insert_with(|| Arc::new(index_resources(gv, &list)));
        }
        Ok(ServerFacts {
            git_version: version.git_version,
            major: version.major,
            minor: version.minor,
            api_versions: set.into_iter().collect(),
        })
    }

    /// helm's `lookup`: the object `name` (GET), or with an empty name the list of every
    /// object of the kind in `namespace` (all namespaces when empty or cluster-scoped), as
    /// the server returns it; `None` when it does not exist (or the version serves no such
    /// kind). A list's items carry `apiVersion` and `kind`, as client-go's decoding sets them.
    pub async fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Option<Json>, KubeError> {
        let resource = match self.resource(api_version, kind).await {
            Ok(r) => r,
            // A served group version without the kind: helm's request finds nothing.
            Err(KubeError::UnknownKind { .. }) if self.inner.discovery.lock().await.contains_key(api_version) => return Ok(None),
            Err(e) => return Err(e),
        };
        let ns = (resource.namespaced && !namespace.is_empty()).then_some(namespace);
        let api = self.api(&resource, ns);
        let request = kube::core::Request::new(api.resource_url());
        let what = match (name, ns) {
            ("", Some(ns)) => format!("{kind} in namespace {ns:?}"),
            ("", None) => format!("{kind} in all namespaces"),
            (name, Some(ns)) => format!("{kind}/{name} in namespace {ns:?}"),
            (name, None) => format!("{kind}/{name}"),
        };
        let http = if name.is_empty() {
            request.list(&ListParams::default())
        } else {
            request.get(name, &kube::api::GetParams::default())
        }
        .map_err(|e| KubeError::InvalidObject(format!("lookup {what}: {e}")))?;
        let verb = if name.is_empty() { "list" } else { "get" };
        let mut found: Json = match self.inner.client.request::<Json>(http).await {
            Ok(j) => j,
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(None),
            Err(e) => return Err(api_error(e, verb, what)),
        };
        if name.is_empty() {
            let item_kind = found.get("kind").and_then(Json::as_str).and_then(|k| k.strip_suffix("List")).map(str::to_string);
            let list_version = found.get("apiVersion").cloned();
            if let Some(items) = found.get_mut("items").and_then(Json::as_array_mut) {
                for item in items.iter_mut().filter_map(Json::as_object_mut) {
                    if let (false, Some(k)) = (item.contains_key("kind"), &item_kind) {
                        item.insert("kind".into(), Json::String(k.clone()));
                    }
                    if let (false, Some(v)) = (item.contains_key("apiVersion"), &list_version) {
                        item.insert("apiVersion".into(), v.clone());
                    }
                }
            }
        }
        Ok(Some(found))
    }

    /// Forgets discovered resources (after installing CRDs).
    pub async fn forget_discovery(&self) {
        self.inner.discovery.lock().await.clear();
    }

    /// The object's reference: namespace defaulted to `namespace` for namespaced kinds,
    /// dropped for cluster-scoped ones (as helm and kubectl do).
    pub async fn object_ref(&self, obj: &Json, namespace: &str) -> Result<(ObjectRef, Resource), KubeError> {
        let field = |k: &str| obj.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        let (api_version, kind) = (field("apiVersion"), field("kind"));
        let meta = obj.get("metadata");
        let name = meta.and_then(|m| m.get("name")).and_then(Json::as_str).unwrap_or("").to_string();
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(KubeError::InvalidObject(format!(
                "an object needs apiVersion, kind and metadata.name (got apiVersion {api_version:?}, kind {kind:?}, name {name:?})"
            )));
        }
        let resource = self.resource(&api_version, &kind).await?;
        let namespace = resource.namespaced.then(|| {
            meta.and_then(|m| m.get("namespace")).and_then(Json::as_str).filter(|s| !s.is_empty()).unwrap_or(namespace).to_string()
        });
        Ok((ObjectRef { api_version, kind, namespace, name }, resource))
    }

    fn api(&self, resource: &Resource, namespace: Option<&str>) -> Api<DynamicObject> {
        match namespace {
            Some(ns) if resource.namespaced => Api::namespaced_with(self.client(), ns, &resource.api),
            _ => Api::all_with(self.client(), &resource.api),
        }
    }

    /// Server-side apply of one object; `namespace` is used when the object names none.
    /// Returns the object as the server stored it (or would, with `dry_run`).
    pub async fn apply(&self, obj: &Json, namespace: &str, opts: &ApplyOptions) -> Result<DynamicObject, KubeError> {
        let (oref, resource) = self.object_ref(obj, namespace).await?;
        let mut body = obj.clone();
        if let (Some(ns), Some(meta)) = (&oref.namespace, body.get_mut("metadata").and_then(Json::as_object_mut)) {
            meta.insert("namespace".into(), Json::String(ns.clone()));
        }
        let mut params = PatchParams::apply(&opts.field_manager);
        params.force = opts.force_conflicts;
        params.dry_run = opts.dry_run;
        let api = self.api(&resource, oref.namespace.as_deref());
        api.patch(&oref.name, &params, &Patch::Apply(&body)).await.map_err(|e| match e {
            kube::Error::Api(s) if s.code == 409 && s.reason == "Conflict" => {
                let conflicts = s
                    .details
                    .as_ref()
                    .map(|d| {
                        d.causes
                            .iter()
                            .map(|c| FieldConflict { field: c.field.clone(), manager: manager_of(&c.message) })
                            .collect()
                    })
                    .unwrap_or_default();
                KubeError::Conflict { what: oref.to_string(), conflicts }
            }
            e => api_error(e, "apply", oref.to_string()),
        })
    }

    /// One object, or `None` when it does not exist.
    pub async fn get(&self, oref: &ObjectRef) -> Result<Option<DynamicObject>, KubeError> {
        let resource = self.resource(&oref.api_version, &oref.kind).await?;
        self.api(&resource, oref.namespace.as_deref())
            .get_opt(&oref.name)
            .await
            .map_err(|e| api_error(e, "get", oref.to_string()))
    }

    /// Every object of a kind in one namespace (or all, with `None`), in one paged LIST —
    /// the bulk read the engine uses instead of one GET per object.
    pub async fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<DynamicObject>, KubeError> {
        let resource = self.resource(api_version, kind).await?;
        let api = self.api(&resource, namespace);
        let what = match namespace {
            Some(ns) if resource.namespaced => format!("{kind} in namespace {ns:?}"),
            _ => format!("{kind} in all namespaces"),
        };
        let mut params = ListParams::default().limit(LIST_PAGE);
        if let Some(sel) = label_selector {
            params = params.labels(sel);
        }
        let mut out = Vec::new();
        loop {
            let page = api.list(&params).await.map_err(|e| api_error(e, "list", what.clone()))?;
            out.extend(page.items);
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params = params.continue_token(&token),
                _ => return Ok(out),
            }
        }
    }

    /// [`Cluster::list`] read straight from the response text into compact JSON per object
    /// ([`ListedObject`]: no `managedFields`, `apiVersion`/`kind` filled in), pages of 500 —
    /// what the engine keeps of live state for a whole run.
    pub async fn list_compact(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Result<Vec<ListedObject>, KubeError> {
        use kube::Resource as _;
        let resource = self.resource(api_version, kind).await?;
        let (ns, what) = match namespace {
            Some(ns) if resource.namespaced => (Some(ns), format!("{kind} in namespace {ns:?}")),
            _ => (None, format!("{kind} in all namespaces")),
        };
        let request = kube::core::Request::new(DynamicObject::url_path(&resource.api, ns));
        let mut params = ListParams::default().limit(LIST_PAGE);
        let mut out = Vec::new();
        loop {
            let mut req = request.list(&params).map_err(|e| api_error(kube::Error::BuildRequest(e), "list", what.clone()))?;
            req.extensions_mut().insert("list");
            let text = self.client().request_text(req).await.map_err(|e| api_error(e, "list", what.clone()))?;
            let (items, token) = raw_list::parse_page(&text, api_version, kind).map_err(|e| KubeError::Api {
                verb: "list",
                what: what.clone(),
                code: 0,
                reason: String::new(),
                message: format!("unexpected response: {e}"),
            })?;
            out.extend(items);
            match token {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(out),
            }
        }
    }

    /// Deletes an object (background propagation, like helm); `false` when it was already gone.
    pub async fn delete(&self, oref: &ObjectRef) -> Result<bool, KubeError> {
        let resource = self.resource(&oref.api_version, &oref.kind).await?;
        let params = DeleteParams { propagation_policy: Some(PropagationPolicy::Background), ..Default::default() };
        match self.api(&resource, oref.namespace.as_deref()).delete(&oref.name, &params).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(api_error(e, "delete", oref.to_string())),
        }
    }

    /// Creates a namespace unless it exists.
    pub async fn ensure_namespace(&self, name: &str) -> Result<(), KubeError> {
        use k8s_openapi::api::core::v1::Namespace;
        let api: Api<Namespace> = Api::all(self.client());
        let mut ns = Namespace::default();
        ns.metadata.name = Some(name.to_string());
        match api.create(&PostParams::default(), &ns).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(()),
            Err(e) => Err(api_error(e, "create", format!("Namespace/{name}"))),
        }
    }
}

/// The manager named in an apply conflict cause: `conflict with "helm" using v1`.
fn manager_of(message: &str) -> String {
    let mut parts = message.splitn(3, '"');
    match (parts.next(), parts.next()) {
        (Some(_), Some(m)) => m.to_string(),
        _ => message.to_string(),
    }
}

/// Turns a kube-rs error into ours, naming the verb and the object.
pub fn api_error(e: kube::Error, verb: &'static str, what: String) -> KubeError {
    match e {
        kube::Error::Api(s) if s.code == 403 => KubeError::Forbidden { verb, what, message: s.message.clone() },
        kube::Error::Api(s) => KubeError::Api { verb, what, code: s.code, reason: s.reason.clone(), message: s.message.clone() },
        other => KubeError::Api { verb, what, code: 0, reason: String::new(), message: with_causes(&other) },
    }
}

/// An error and its causes on one line (`client error (Connect): tcp connect error: Connection
/// refused`): kube-rs's own text of a transport error does not say what went wrong.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// One [`Cluster`] per context, shared by every release of a run.
#[derive(Default)]
pub struct Clusters {
    kubeconfig: Option<String>,
    by_context: tokio::sync::Mutex<HashMap<Option<String>, Cluster>>,
}

impl Clusters {
    pub fn new(kubeconfig: Option<String>) -> Clusters {
        Clusters { kubeconfig, by_context: Default::default() }
    }

    /// The cluster for a context (`None`: the kubeconfig's current context), connected once.
    pub async fn get(&self, context: Option<&str>) -> Result<Cluster, KubeError> {
        let key = context.map(str::to_string);
        let mut map = self.by_context.lock().await;
        if let Some(c) = map.get(&key) {
            return Ok(c.clone());
        }
        let cluster = Cluster::connect(&KubeTarget { kubeconfig: self.kubeconfig.clone(), context: key.clone() }).await?;
        map.insert(key, cluster.clone());
        Ok(cluster)
    }
}

/// A multi-threaded runtime for callers that are not async themselves (the CLI).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_name_their_cause() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
        let e = api_error(kube::Error::Service(Box::new(refused)), "get", "Pod/x".into());
        assert_eq!(e.code(), 0);
        assert!(e.to_string().contains("Connection refused (os error 111)"), "{e}");
    }

    #[test]
    fn conflict_manager_is_read_from_the_cause() {
        assert_eq!(manager_of("conflict with \"helm\" using v1"), "helm");
        assert_eq!(manager_of("conflict with \"kubectl-client-side-apply\" with subresource \"scale\""), "kubectl-client-side-apply");
        assert_eq!(manager_of("odd"), "odd");
    }

    #[test]
    fn conflict_error_lists_fields_and_managers() {
        let e = KubeError::Conflict {
            what: "ConfigMap/a in namespace \"x\"".into(),
            conflicts: vec![FieldConflict { field: ".data.k".into(), manager: "helm".into() }],
        };
        let text = e.to_string();
        assert!(text.contains(".data.k (managed by \"helm\")"), "{text}");
        assert!(text.contains("--force-conflicts"), "{text}");
    }

    #[test]
    fn kubeconfig_lists_merge_first_wins() {
        let dir = std::env::temp_dir().join(format!("deployer-kc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a");
        let b = dir.join("b");
        std::fs::write(&a, "apiVersion: v1\nkind: Config\ncurrent-context: one\nclusters:\n- name: c\n  cluster: {server: https://a:1}\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: t}\n").unwrap();
        std::fs::write(&b, "apiVersion: v1\nkind: Config\ncurrent-context: two\nclusters:\n- name: c\n  cluster: {server: https://b:1}\ncontexts:\n- name: two\n  context: {cluster: c, user: u, namespace: ns2}\n").unwrap();
        let list = std::env::join_paths([&a, &b]).unwrap().into_string().unwrap();
        let kc = load_kubeconfig(Some(&list)).unwrap().unwrap();
        assert_eq!(kc.current_context.as_deref(), Some("one"));
        assert_eq!(kc.contexts.len(), 2);
        let server = kc.clusters.iter().find(|c| c.name == "c").and_then(|c| c.cluster.as_ref()).and_then(|c| c.server.clone());
        assert_eq!(server.as_deref(), Some("https://a:1"));
        let rt = runtime().unwrap();
        let (config, ctx) = rt.block_on(client_config(&KubeTarget { kubeconfig: Some(list.clone()), context: Some("two".into()) })).unwrap();
        assert_eq!(ctx, "two");
        assert_eq!(config.default_namespace, "ns2");
        let missing = rt.block_on(client_config(&KubeTarget { kubeconfig: Some(list), context: Some("nope".into()) }));
        assert!(matches!(missing, Err(KubeError::NoSuchContext { .. })));
        std::fs::remove_dir_all(&dir).ok();
    }
}
