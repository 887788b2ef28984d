//! The command-line surface. Two families share one binary:
//! helmfile-style commands that operate on a spec (`deployer -e staging diff`), and helm-style
//! commands under `chart` and `release` that operate on one chart or one release.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "deployer",
    version,
    about = "A native, helm-free Kubernetes deployer for helmfile repos",
    long_about = "deployer reads helmfile repos as they are (environments, releases, layered values, SOPS \
                  secrets, sub-helmfiles, .gotmpl templating), fetches charts from HTTP, S3 and OCI \
                  repositories, renders them natively exactly as `helm template` does, diffs against the \
                  live cluster and applies server-side, keeping release history in helm's own format.",
    max_term_width = 110
)]
pub struct Cli {
    #[command(flatten)]
    pub spec: SpecArgs,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Which spec to read and how: accepted before the command (`deployer -e staging diff`, as
/// helmfile users write it) and after it (`deployer diff -e staging`). Not global, because the
/// helm-style `chart` commands use `-f` for values files as helm does.
#[derive(Debug, Args, Clone, Default)]
pub struct SpecArgs {
    /// Spec file or directory (helmfile.yaml, helmfile.yaml.gotmpl or helmfile.d/)
    #[arg(short = 'f', long = "file", value_name = "FILE|DIR")]
    pub file: Option<PathBuf>,

    /// Environment to use (default: "default")
    #[arg(short = 'e', long = "environment", value_name = "ENV")]
    pub environment: Option<String>,

    /// Release selector such as `name=web` or `tier!=db`; repeat for OR, comma-join for AND
    #[arg(short = 'l', long = "selector", value_name = "SELECTOR")]
    pub selector: Vec<String>,

    /// Set state values on the command line (`key=value`, comma-separated)
    #[arg(long = "state-values-set", value_name = "KEY=VALUE")]
    pub state_values_set: Vec<String>,

    /// Set state values from a file; later files override earlier ones
    #[arg(long = "state-values-file", value_name = "FILE")]
    pub state_values_file: Vec<PathBuf>,

    /// With selectors: also take the releases the selected ones directly need
    #[arg(long = "include-needs")]
    pub include_needs: bool,

    /// With selectors: also take every release the selected ones need, transitively
    #[arg(long = "include-transitive-needs")]
    pub include_transitive_needs: bool,

    /// Ignore `needs` for ordering
    #[arg(long = "skip-needs")]
    pub skip_needs: bool,
}

fn concat<T: Clone>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().chain(b).cloned().collect()
}

impl SpecArgs {
    /// Combines the flags given before the command with those given after it; after wins for
    /// single values, lists are concatenated in command-line order.
    pub fn merged(&self, after: &SpecArgs) -> SpecArgs {
        SpecArgs {
            file: after.file.clone().or_else(|| self.file.clone()),
            environment: after.environment.clone().or_else(|| self.environment.clone()),
            selector: concat(&self.selector, &after.selector),
            state_values_set: concat(&self.state_values_set, &after.state_values_set),
            state_values_file: concat(&self.state_values_file, &after.state_values_file),
            include_needs: self.include_needs || after.include_needs,
            include_transitive_needs: self.include_transitive_needs || after.include_transitive_needs,
            skip_needs: self.skip_needs || after.skip_needs,
        }
    }
}

/// Flags accepted by every command, named as helmfile names them, plus deployer's own.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Kubeconfig context to use instead of the current one
    #[arg(long = "kube-context", global = true, value_name = "CONTEXT")]
    pub kube_context: Option<String>,

    /// Kubeconfig file(s); defaults to $KUBECONFIG, then ~/.kube/config
    #[arg(long = "kubeconfig", global = true, value_name = "FILE", env = "KUBECONFIG")]
    pub kubeconfig: Option<String>,

    /// Namespace for releases that do not set one
    #[arg(short = 'n', long = "namespace", global = true, value_name = "NS")]
    pub namespace: Option<String>,

    /// Maximum number of releases processed at once (0: chosen automatically)
    #[arg(long = "concurrency", global = true, value_name = "N", default_value_t = 0)]
    pub concurrency: usize,

    /// Force colored output
    #[arg(long = "color", global = true, conflicts_with = "no_color")]
    pub color: bool,

    /// Disable colored output
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,

    /// Print only what was asked for: no progress, no notices
    #[arg(short = 'q', long = "quiet", global = true)]
    pub quiet: bool,

    /// Print debug information to stderr
    #[arg(long = "debug", global = true)]
    pub debug: bool,

    /// Never touch the network: use the chart cache, bundle and lock file only
    #[arg(long = "offline", global = true)]
    pub offline: bool,

    /// Take every chart from this air-gap bundle (written by `deployer fetch`); no network
    #[arg(long = "bundle", global = true, value_name = "DIR")]
    pub bundle: Option<PathBuf>,

    /// Output format
    #[arg(short = 'o', long = "output", global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    // --- helmfile-style, on a spec ---
    /// Render the manifests of every selected release (like `helmfile template`)
    Template(TemplateArgs),
    /// Print the resolved spec as YAML (like `helmfile build`)
    Build(BuildArgs),
    /// List the releases of the spec (like `helmfile list`)
    List(SpecOnlyArgs),
    /// Write the merged values of every selected release to files (like `helmfile write-values`)
    WriteValues(WriteValuesArgs),
    /// Lint the charts of every selected release (like `helmfile lint`)
    Lint(RenderArgs),
    /// Resolve chart versions and write the lock file (like `helmfile deps`)
    Deps(DepsArgs),
    /// Download every chart the spec needs into a self-contained air-gap bundle
    Fetch(FetchArgs),
    /// Show what apply would change: last release vs live cluster vs desired state
    Diff(DiffArgs),
    /// Diff, then sync only the releases that changed (like `helmfile apply`)
    Apply(ApplyArgs),
    /// Install or upgrade every selected release (like `helmfile sync`)
    Sync(SyncArgs),
    /// Uninstall every selected release in reverse dependency order (like `helmfile destroy`)
    Destroy(DestroyArgs),
    /// Show the status of every selected release (like `helmfile status`)
    Status(SpecOnlyArgs),
    /// Run the test hooks of every selected release (like `helmfile test`)
    Test(TestArgs),

    // --- helm-style ---
    /// Work on one chart: template, package, push, pull, deps, lint (like `helm`)
    #[command(subcommand)]
    Chart(ChartCommand),
    /// Work on one release in the cluster: list, status, history, rollback, uninstall, manifest
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Work on a chart repository: index (like `helm repo index`)
    #[command(subcommand)]
    Repo(RepoCommand),

    /// Print the version of deployer and the helm behaviour it reproduces
    Version,
    /// Print a shell completion script
    Completion {
        /// Shell to generate completions for
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct SpecOnlyArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
}

/// Options shared by the commands that render charts.
#[derive(Debug, Args, Clone, Default)]
pub struct RenderArgs {
    #[command(flatten)]
    pub spec: SpecArgs,

    /// Do not resolve chart dependencies before rendering
    #[arg(long = "skip-deps")]
    pub skip_deps: bool,

    /// Extra values for every selected release (helm's `--set`)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Extra values files for every selected release
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// Render as this helm major version does where v3 and v4 differ
    #[arg(long = "helm-compat", value_enum, default_value_t = HelmCompatArg::V3)]
    pub helm_compat: HelmCompatArg,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum HelmCompatArg {
    #[default]
    V3,
    V4,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    #[command(flatten)]
    pub render: RenderArgs,
    /// Write each release's manifests under this directory instead of stdout
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// With --output-dir, write manifests and hooks under DIR/RELEASE (CRDs stay under DIR, as in helm)
    #[arg(long = "release-name")]
    pub release_name: bool,
    /// Include the charts' crds/ directories in the output (helmfile leaves them out by default)
    #[arg(long = "include-crds")]
    pub include_crds: bool,
    /// Leave the charts' crds/ directories out
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// Leave out test hooks
    #[arg(long = "skip-tests")]
    pub skip_tests: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Also embed the content of values files
    #[arg(long = "embed-values")]
    pub embed_values: bool,
}

#[derive(Debug, Args)]
pub struct WriteValuesArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// File name template for each release's values (default: `{{.Release.Name}}.yaml` under a temp dir)
    #[arg(long = "output-file-template", value_name = "TEMPLATE")]
    pub output_file_template: Option<String>,
}

#[derive(Debug, Args)]
pub struct DepsArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Do not update the lock file's already-resolved versions
    #[arg(long = "skip-repos")]
    pub skip_repos: bool,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Directory for the bundle (charts, subcharts and the lock file); helmfile's flag name, since
    /// `--output` is the global text/json switch
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// With --output-dir, write manifests and hooks under DIR/RELEASE (CRDs stay under DIR, as in helm)
    #[arg(long = "release-name")]
    pub release_name: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct DiffArgs {
    #[command(flatten)]
    pub render: RenderArgs,
    /// Exit 2 when there are changes, 0 when there are none, 1 on error
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Lines of context around each change
    #[arg(long = "context", value_name = "N")]
    pub context: Option<usize>,
    /// Show Secret values in clear text instead of a changed/unchanged marker
    #[arg(long = "show-secrets", conflicts_with = "suppress_secrets")]
    pub show_secrets: bool,
    /// Leave Secrets out of the diff entirely
    #[arg(long = "suppress-secrets")]
    pub suppress_secrets: bool,
    /// How objects are compared with the cluster. `exact`: objects that differ are re-checked
    /// by a server-side dry-run apply (as apply would send them: same field manager and
    /// --force-conflicts) and compared with its result, so server defaults and mutating
    /// webhooks do not show and invalid objects fail the diff; new objects are dry-run too.
    /// `fast`: the live objects are read through the chart's fields with server defaults
    /// normalised, without dry-run requests
    #[arg(long = "diff-mode", value_enum, value_name = "MODE", default_value_t = DiffModeArg::Exact)]
    pub diff_mode: DiffModeArg,
}

/// `--diff-mode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DiffModeArg {
    Fast,
    #[default]
    Exact,
}

/// Options shared by the commands that change the cluster.
#[derive(Debug, Args, Clone, Default)]
pub struct MutateArgs {
    /// Wait until workloads are ready (Deployments, StatefulSets, DaemonSets, Jobs, PVCs, Services)
    #[arg(long = "wait")]
    pub wait: bool,
    /// Also wait for Jobs to complete
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// How long to wait for readiness and hooks, in seconds; also how long (60 at most) a
    /// failure is retried to be recorded while the cluster cannot be reached
    #[arg(long = "timeout", value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Roll a release back to its previous revision when it fails
    #[arg(long = "atomic")]
    pub atomic: bool,
    /// Field manager for server-side apply; `helm` shares field ownership with helm 4
    #[arg(long = "field-manager", value_name = "NAME", default_value = "deployer")]
    pub field_manager: String,
    /// Take ownership of fields another manager owns, instead of failing with a conflict that
    /// lists the fields and their managers
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    /// Keep at most this many revisions per release (0: unlimited)
    #[arg(long = "history-max", value_name = "N", default_value_t = 10)]
    pub history_max: u32,
    /// Update CRDs from charts' crds/ directories (by default they are only created)
    #[arg(long = "upgrade-crds")]
    pub upgrade_crds: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub diff: DiffArgs,
    #[command(flatten)]
    pub mutate: MutateArgs,
    /// Execute a plan saved by `diff --output json` exactly, refusing it if the cluster changed since
    #[arg(long = "plan", value_name = "FILE")]
    pub plan: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub render: RenderArgs,
    #[command(flatten)]
    pub mutate: MutateArgs,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// How long each test may run, in seconds
    #[arg(long = "timeout", value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Wait until every deleted object is gone (finalizers included), showing what is left;
    /// releases' `deleteWait: true` does the same
    #[arg(long = "wait", alias = "deleteWait")]
    pub wait: bool,
    /// How long to wait for hooks and, with --wait, for deletions, in seconds (default: the
    /// releases' `deleteTimeout`, else 300)
    #[arg(long = "timeout", alias = "deleteTimeout", value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum ChartCommand {
    /// Render one chart locally (like `helm template`)
    Template(ChartTemplateArgs),
    /// Package a chart directory into a versioned .tgz (like `helm package`)
    Package(ChartPackageArgs),
    /// Push a packaged chart to an S3 or OCI repository
    Push(ChartPushArgs),
    /// Download a chart from a repository (like `helm pull`)
    Pull(ChartPullArgs),
    /// Manage a chart's own dependencies (like `helm dependency`)
    #[command(subcommand)]
    Deps(ChartDepsCommand),
    /// Check a chart for problems (like `helm lint`)
    Lint(ChartLintArgs),
}

/// helm's values flags, shared by `chart template` and `chart lint`.
#[derive(Debug, Clone, Args)]
pub struct ValueFlags {
    /// Values files, merged in order
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set values (`a.b=1,c[0]=x`); numbers become integers
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Set string values
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// Set values from files (`key=path`)
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
    /// Set JSON values (`key=<json>`)
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
    /// Set literal string values, no escaping or splitting
    #[arg(long = "set-literal", value_name = "KEY=VALUE")]
    pub set_literal: Vec<String>,
}

impl ValueFlags {
    pub fn user_values(&self) -> crate::chart::values::UserValues {
        crate::chart::values::UserValues {
            files: self.values.clone(),
            json: self.set_json.clone(),
            set: self.set.clone(),
            string: self.set_string.clone(),
            file: self.set_file.clone(),
            literal: self.set_literal.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ChartTemplateArgs {
    /// Release name
    pub release: String,
    /// Chart directory, .tgz, repo/name or oci:// reference
    pub chart: String,
    #[command(flatten)]
    pub values: ValueFlags,
    /// Kubernetes version for .Capabilities.KubeVersion
    #[arg(long = "kube-version", value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Extra API versions for .Capabilities.APIVersions
    #[arg(short = 'a', long = "api-versions", value_name = "GROUP/VERSION")]
    pub api_versions: Vec<String>,
    /// Include the chart's crds/ directory in the output
    #[arg(long = "include-crds")]
    pub include_crds: bool,
    /// Leave out test hooks
    #[arg(long = "skip-tests")]
    pub skip_tests: bool,
    /// Leave out hooks
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// Render as an upgrade (.Release.IsUpgrade) instead of an install
    #[arg(long = "is-upgrade")]
    pub is_upgrade: bool,
    /// Print only the manifests rendered from these templates
    #[arg(short = 's', long = "show-only", value_name = "PATH")]
    pub show_only: Vec<String>,
    /// Write manifests to files under this directory instead of stdout
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// With --output-dir, write manifests and hooks under DIR/RELEASE (CRDs stay under DIR, as in helm)
    #[arg(long = "release-name")]
    pub release_name: bool,
    /// Chart version constraint when the chart comes from a repository
    #[arg(long = "version", value_name = "CONSTRAINT")]
    pub version: Option<String>,
    /// Repository URL to find the chart in (http(s)://, s3:// or oci://)
    #[arg(long = "repo", value_name = "URL")]
    pub repo: Option<String>,
    /// Render as this helm major version does where v3 and v4 differ
    #[arg(long = "helm-compat", value_enum, default_value_t = HelmCompatArg::V3)]
    pub helm_compat: HelmCompatArg,
}

#[derive(Debug, Args)]
pub struct ChartPackageArgs {
    /// Chart directory
    pub path: PathBuf,
    /// Directory to write the .tgz to
    #[arg(short = 'd', long = "destination", value_name = "DIR", default_value = ".")]
    pub destination: PathBuf,
    /// Override the chart version
    #[arg(long = "version", value_name = "VERSION")]
    pub version: Option<String>,
    /// Override the appVersion
    #[arg(long = "app-version", value_name = "VERSION")]
    pub app_version: Option<String>,
    /// Word errors as this helm major version does
    #[arg(long = "helm-compat", value_enum, default_value_t = HelmCompatArg::V3)]
    pub helm_compat: HelmCompatArg,
}

#[derive(Debug, Args)]
pub struct ChartPushArgs {
    /// Packaged chart (.tgz)
    pub chart: PathBuf,
    /// Destination: s3://bucket/prefix or oci://registry/path
    pub remote: String,
    /// Overwrite a version that already exists in an S3 repository
    #[arg(long = "force")]
    pub force: bool,
    /// Use plain HTTP for the OCI registry (automatic for localhost)
    #[arg(long = "plain-http")]
    pub plain_http: bool,
}

#[derive(Debug, Args)]
pub struct ChartPullArgs {
    /// repo/name, oci:// reference or chart URL
    pub chart: String,
    /// Version constraint (default: the latest stable version)
    #[arg(long = "version", value_name = "CONSTRAINT")]
    pub version: Option<String>,
    /// Directory to write the chart to
    #[arg(short = 'd', long = "destination", value_name = "DIR", default_value = ".")]
    pub destination: PathBuf,
    /// Unpack the chart after downloading it
    #[arg(long = "untar")]
    pub untar: bool,
    /// Use plain HTTP for the OCI registry (automatic for localhost)
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Repository URL to find the chart in (http(s)://, s3:// or oci://)
    #[arg(long = "repo", value_name = "URL")]
    pub repo: Option<String>,
    /// Repository user name (basic auth)
    #[arg(long = "username", value_name = "USER")]
    pub username: Option<String>,
    /// Repository password (basic auth)
    #[arg(long = "password", value_name = "PASSWORD", env = "DEPLOYER_REPO_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// CA bundle to verify the repository's HTTPS certificate with
    #[arg(long = "ca-file", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Client certificate for the repository
    #[arg(long = "cert-file", value_name = "FILE")]
    pub cert_file: Option<PathBuf>,
    /// Client certificate key for the repository
    #[arg(long = "key-file", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Skip the verification of the repository's certificate
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// Send the credentials to chart URLs on other hosts too
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
}

#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// Write index.yaml for the packaged charts in a directory (like `helm repo index`)
    Index(RepoIndexArgs),
}

#[derive(Debug, Args)]
pub struct RepoIndexArgs {
    /// Directory holding the .tgz charts
    pub dir: PathBuf,
    /// URL of the chart repository, prefixed to the chart file names
    #[arg(long = "url", value_name = "URL", default_value = "")]
    pub url: String,
    /// Merge this existing index into the generated one (its entries win)
    #[arg(long = "merge", value_name = "FILE")]
    pub merge: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ChartDepsCommand {
    /// Rebuild charts/ from Chart.lock
    Build(ChartPathArg),
    /// Resolve dependencies, update charts/ and Chart.lock
    Update(ChartPathArg),
    /// List dependencies and their status
    List(ChartPathArg),
}

#[derive(Debug, Args)]
pub struct ChartPathArg {
    /// Chart directory
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ChartLintArgs {
    /// Chart directories
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub values: ValueFlags,
    /// Fail on warnings too
    #[arg(long = "strict")]
    pub strict: bool,
    /// Lint the charts under charts/ too
    #[arg(long = "with-subcharts")]
    pub with_subcharts: bool,
    /// Kubernetes version for rendering and deprecation checks
    #[arg(long = "kube-version", value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Lint as this helm major version does where v3 and v4 differ
    #[arg(long = "helm-compat", value_enum, default_value_t = HelmCompatArg::V3)]
    pub helm_compat: HelmCompatArg,
}

/// `release list`'s status filters, as `helm list` (3) has them; none given means
/// `--deployed --failed`.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct ListStates {
    /// Releases in every state
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Deployed releases
    #[arg(long = "deployed")]
    pub deployed: bool,
    /// Failed releases
    #[arg(long = "failed")]
    pub failed: bool,
    /// Pending releases (pending-install, pending-upgrade, pending-rollback)
    #[arg(long = "pending")]
    pub pending: bool,
    /// Superseded revisions (every one, not only the latest of each release)
    #[arg(long = "superseded")]
    pub superseded: bool,
    /// Releases uninstalled with --keep-history
    #[arg(long = "uninstalled")]
    pub uninstalled: bool,
    /// Releases being uninstalled
    #[arg(long = "uninstalling")]
    pub uninstalling: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// List releases (made by deployer or by helm)
    List {
        /// Across all namespaces
        #[arg(short = 'A', long = "all-namespaces")]
        all_namespaces: bool,
        #[command(flatten)]
        states: ListStates,
    },
    /// Show a release's status
    Status { name: String },
    /// Show a release's revisions
    History { name: String },
    /// Roll a release back to a revision (default: the previous one)
    Rollback {
        name: String,
        revision: Option<u32>,
        #[command(flatten)]
        mutate: MutateArgs,
    },
    /// Uninstall a release
    Uninstall {
        name: String,
        /// Keep the release history
        #[arg(long = "keep-history")]
        keep_history: bool,
        /// Wait until every deleted object is gone (finalizers included)
        #[arg(long = "wait")]
        wait: bool,
        /// How long to wait for hooks and, with --wait, for deletions, in seconds
        #[arg(long = "timeout", value_name = "SECONDS")]
        timeout: Option<u64>,
    },
    /// Mark a release stuck in pending-install/upgrade/rollback (a killed operation) as failed,
    /// so the next operation can proceed
    Unlock { name: String },
    /// Print a release's user-supplied values (like `helm get values`)
    Values {
        name: String,
        /// Revision to print (default: the latest)
        #[arg(long = "revision", value_name = "N")]
        revision: Option<u32>,
    },
    /// Print a release's manifest
    Manifest {
        name: String,
        /// Revision to print (default: the latest)
        #[arg(long = "revision", value_name = "N")]
        revision: Option<u32>,
    },
}
