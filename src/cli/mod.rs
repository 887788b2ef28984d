//! The command-line front end: parses arguments, dispatches to the library, prints results and
//! maps outcomes to exit codes the way helmfile does (0 ok, 1 error, 2 changes with
//! `--detailed-exitcode`).

mod args;

use std::io::Write;

use clap::{CommandFactory, Parser};

pub use args::*;

/// Exit codes, as helmfile uses them.
pub mod exit {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    /// `diff --detailed-exitcode` found changes.
    pub const CHANGES: i32 = 2;
}

/// An error as the CLI reports it: a message and its chain of causes.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A command whose behaviour lands with a later piece of work.
    #[error("`{command}` is not available yet: it lands with {area}")]
    NotYetAvailable { command: String, area: &'static str },
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Template(#[from] crate::chart::template::TemplateError),
    #[error(transparent)]
    Repo(#[from] crate::repo::RepoError),
    /// A failure reported as helm reports it: one line, no causes.
    #[error("{0}")]
    Helm(String),
}

/// Parses `std::env::args`, runs the command and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            report(&err);
            exit::ERROR
        }
    }
}

/// Prints an error and every cause under it, one per line.
fn report(err: &dyn std::error::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "Error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        let _ = writeln!(stderr, "  caused by: {cause}");
        source = cause.source();
    }
}

pub fn run(cli: Cli) -> Result<i32, CliError> {
    const SPEC: &str = "the spec reader (helmfile repos)";
    const SOURCES: &str = "the chart sources (repositories, lock, bundles)";
    const CLUSTER: &str = "the cluster engine (apply, diff, release store)";
    const CHARTS: &str = "chart rendering (load, values, render)";
    let (command, area) = match &cli.command {
        Command::Version => return print_version(&cli.global),
        Command::Completion { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(*shell, &mut cmd, "deployer", &mut std::io::stdout());
            return Ok(exit::OK);
        }
        Command::Template(_) => ("template", SPEC),
        Command::Build(_) => ("build", SPEC),
        Command::List(_) => ("list", SPEC),
        Command::WriteValues(_) => ("write-values", SPEC),
        Command::Lint(_) => ("lint", SPEC),
        Command::Deps(_) => ("deps", SOURCES),
        Command::Fetch(_) => ("fetch", SOURCES),
        Command::Diff(_) => ("diff", CLUSTER),
        Command::Apply(_) => ("apply", CLUSTER),
        Command::Sync(_) => ("sync", CLUSTER),
        Command::Destroy(_) => ("destroy", CLUSTER),
        Command::Status(_) => ("status", CLUSTER),
        Command::Release(_) => ("release", CLUSTER),
        Command::Chart(ChartCommand::Template(args)) => return chart_template(args, &cli.global),
        Command::Chart(ChartCommand::Lint(_)) => ("chart lint", CHARTS),
        Command::Chart(ChartCommand::Package(_)) => ("chart package", CHARTS),
        Command::Chart(ChartCommand::Push(args)) => return chart_push(args, &cli.global),
        Command::Chart(ChartCommand::Pull(args)) => return chart_pull(args, &cli.global),
        Command::Repo(RepoCommand::Index(args)) => return repo_index(args),
        Command::Chart(ChartCommand::Deps(_)) => ("chart deps", SOURCES),
    };
    Err(CliError::NotYetAvailable { command: command.to_string(), area })
}

/// `deployer chart template`: helm template, natively.
fn chart_template(args: &ChartTemplateArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let args = args.clone();
    let namespace = global.namespace.clone().unwrap_or_else(|| "default".into());
    // Values hold shared maps that stay on one thread; deeply nested templates recurse, so the
    // whole command runs on a thread with a large stack.
    let out = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || render_chart_template(&args, namespace))
        .map_err(CliError::Output)?
        .join()
        .unwrap_or_else(|_| Err(CliError::Helm("rendering panicked".into())))
        .map_err(|e| CliError::Helm(e.to_string()))?;
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(exit::OK)
}

fn render_chart_template(args: &ChartTemplateArgs, namespace: String) -> Result<String, CliError> {
    use crate::chart::template::{TemplateRequest, template};
    let compat = match args.helm_compat {
        HelmCompatArg::V3 => crate::funcs::HelmCompat::V3,
        HelmCompatArg::V4 => crate::funcs::HelmCompat::V4,
    };
    let values = crate::chart::values::merge_user_values(&crate::chart::values::UserValues {
        files: args.values.clone(),
        json: args.set_json.clone(),
        set: args.set.clone(),
        string: args.set_string.clone(),
        file: args.set_file.clone(),
        literal: args.set_literal.clone(),
    }, compat)
    .map_err(|e| CliError::Template(crate::chart::template::TemplateError::Invalid(e.0)))?;
    let chart = chart_path(&args.chart, args.repo.as_deref(), args.version.as_deref().unwrap_or(""))?;
    let request = TemplateRequest {
        release_name: args.release.clone(),
        chart,
        namespace,
        values,
        kube_version: args.kube_version.clone(),
        api_versions: args.api_versions.clone(),
        include_crds: args.include_crds,
        skip_tests: args.skip_tests,
        no_hooks: args.no_hooks,
        is_upgrade: args.is_upgrade,
        show_only: args.show_only.clone(),
        compat,
    };
    Ok(template(&request)?)
}

/// A fetcher for one command: the default cache, helm's repositories file, `--offline`.
fn fetcher(global: &GlobalArgs, extra: Option<crate::repo::RepoConfig>, plain_http: bool) -> Result<crate::repo::ChartFetcher, CliError> {
    let mut repositories = crate::repo::reference::helm_repositories()?;
    if let Some(extra) = extra {
        repositories.insert(0, extra);
    }
    Ok(crate::repo::ChartFetcher::new(crate::repo::FetchOptions {
        offline: global.offline,
        repositories,
        plain_http,
        ..crate::repo::FetchOptions::default()
    }))
}

/// The path of the chart a `chart template` argument names: a local chart as given; a
/// repository or OCI chart fetched (verified, cached) first.
fn chart_path(chart: &str, repo: Option<&str>, version: &str) -> Result<std::path::PathBuf, CliError> {
    use crate::repo::ChartRef;
    let reference = ChartRef::parse(chart, repo)?;
    if let ChartRef::Local(path) = reference {
        return Ok(path);
    }
    let global = GlobalArgs::default();
    let fetcher = fetcher(&global, repo.map(crate::repo::RepoConfig::new), false)?;
    let path = fetcher.resolve(&reference, version).and_then(|r| fetcher.fetch_to_path(&r));
    for w in fetcher.warnings() {
        eprintln!("{w}");
    }
    Ok(path?)
}

/// `deployer chart pull`: like `helm pull`.
fn chart_pull(args: &ChartPullArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    use crate::repo::{ChartRef, RepoConfig};
    let reference = ChartRef::parse(&args.chart, args.repo.as_deref())?;
    let config = args.repo.as_ref().map(|url| RepoConfig {
        url: url.trim_end_matches('/').to_string(),
        username: args.username.clone(),
        password: args.password.clone(),
        ca_file: args.ca_file.clone(),
        cert_file: args.cert_file.clone(),
        key_file: args.key_file.clone(),
        insecure_skip_tls_verify: args.insecure_skip_tls_verify,
        pass_credentials: args.pass_credentials,
        plain_http: args.plain_http,
        ..RepoConfig::default()
    });
    let fetcher = fetcher(global, config, args.plain_http)?;
    let pulled = fetcher.pull(&reference, args.version.as_deref().unwrap_or(""));
    // Warnings (skipped index entries, deprecation) matter most when the pull failed.
    for w in fetcher.warnings() {
        eprintln!("{w}");
    }
    let (resolved, data) = pulled?;
    std::fs::create_dir_all(&args.destination).map_err(CliError::Output)?;
    if args.untar {
        let files = crate::chart::loader::archive_files(&data)
            .map_err(|e| CliError::Helm(format!("{}: {e}", resolved.url())))?;
        let root = args.destination.join(&resolved.name);
        for f in files {
            let path = root.join(&f.name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &f.data)?;
        }
    } else {
        let name = if resolved.version.is_empty() {
            resolved.url().rsplit('/').next().unwrap_or("chart.tgz").split('?').next().unwrap_or("chart.tgz").to_string()
        } else {
            format!("{}-{}.tgz", resolved.name, resolved.version)
        };
        crate::repo::cache::atomic_write(&args.destination.join(name), &data)?;
    }
    if matches!(reference, ChartRef::Oci(_)) && !global.quiet {
        eprintln!("Pulled: {}", resolved.url());
        eprintln!("Digest: sha256:{}", resolved.digest.clone().unwrap_or_default());
    }
    Ok(exit::OK)
}

/// `deployer chart push CHART.tgz s3://…|oci://…`.
fn chart_push(args: &ChartPushArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let data = std::fs::read(&args.chart).map_err(|e| CliError::Helm(format!("{}: {e}", args.chart.display())))?;
    let http = crate::repo::http::Http::default();
    let published = crate::repo::publish::push(&http, &data, &args.remote, args.force, args.plain_http)?;
    if !global.quiet {
        let mut out = std::io::stdout().lock();
        writeln!(out, "Pushed: {}", published.location)?;
        writeln!(out, "Digest: {}", published.digest)?;
    }
    Ok(exit::OK)
}

/// `deployer repo index DIR [--url U] [--merge FILE]`.
fn repo_index(args: &RepoIndexArgs) -> Result<i32, CliError> {
    crate::repo::publish::index_directory(&args.dir, &args.url, args.merge.as_deref())?;
    Ok(exit::OK)
}

fn print_version(global: &GlobalArgs) -> Result<i32, CliError> {
    let version = env!("CARGO_PKG_VERSION");
    let mut out = std::io::stdout().lock();
    match global.output {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "version": version,
                "helmCompat": ["v3", "v4"],
            });
            writeln!(out, "{doc}")?;
        }
        OutputFormat::Text => writeln!(out, "deployer {version} (renders as helm v3 by default; --helm-compat v4)")?,
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn helmfile_global_flags_parse_before_and_after_the_command() {
        let cli = Cli::try_parse_from([
            "deployer", "-f", "helmfile.yaml", "-e", "staging", "-l", "name=web", "diff", "-l", "tier=db",
            "--detailed-exitcode", "--kube-context", "kind", "--state-values-set", "a=1",
        ])
        .expect("parses");
        let Command::Diff(diff) = &cli.command else { panic!("diff expected") };
        let spec = cli.spec.merged(&diff.render.spec);
        assert_eq!(spec.environment.as_deref(), Some("staging"));
        assert_eq!(spec.selector, ["name=web", "tier=db"]);
        assert_eq!(cli.global.kube_context.as_deref(), Some("kind"));
        assert!(matches!(cli.command, Command::Diff(DiffArgs { detailed_exitcode: true, .. })));
    }

    #[test]
    fn chart_template_takes_values_files_with_f_like_helm() {
        let cli = Cli::try_parse_from(["deployer", "chart", "template", "web", "./chart", "-f", "a.yaml", "-f", "b.yaml"])
            .expect("parses");
        let Command::Chart(ChartCommand::Template(t)) = cli.command else { panic!("chart template expected") };
        assert_eq!(t.values.len(), 2);
    }

    #[test]
    fn pending_commands_name_their_area() {
        let cli = Cli::try_parse_from(["deployer", "release", "list", "-A"]).expect("parses");
        let err = run(cli).expect_err("not available yet");
        assert!(err.to_string().contains("cluster engine"), "{err}");
    }
}
