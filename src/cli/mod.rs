//! The command-line front end: parses arguments, dispatches to the library, prints results and
//! maps outcomes to exit codes the way helmfile does (0 ok, 1 error, 2 changes with
//! `--detailed-exitcode`).

mod args;
mod chart_cache;
mod engine_cmd;
mod progress;
mod release_cmd;
mod spec_build;
mod spec_charts;
mod spec_cmd;

use std::io::Write;

use clap::{CommandFactory, Parser};

pub use args::*;

/// Exit codes, as helmfile uses them.
pub mod exit {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    /// `diff --detailed-exitcode` found changes.
    pub const CHANGES: i32 = 2;
    /// A selector matched no release.
    pub const NO_MATCH: i32 = 3;
    /// Interrupted by Ctrl-C (SIGINT), as shells report it (128 + 2).
    pub const INTERRUPTED: i32 = 130;
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
    /// A selector matched no release (helmfile exits 3).
    #[error("no releases matched the selector")]
    NoMatch,
    #[error(transparent)]
    Repo(#[from] crate::repo::RepoError),
    /// A failure reported as helm reports it: one line, no causes.
    #[error("{0}")]
    Helm(String),
}

/// Parses `std::env::args`, runs the command and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(CliError::NoMatch) => 3,
        Err(err) => {
            report(&err);
            exit::ERROR
        }
    };
    // Ctrl-C during a cluster run: what was stopped is already reported
    if engine_cmd::interrupted() { exit::INTERRUPTED } else { code }
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
    match &cli.command {
        Command::Version => print_version(&cli.global),
        Command::Completion { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(*shell, &mut cmd, "deployer", &mut std::io::stdout());
            Ok(exit::OK)
        }
        Command::Template(a) => spec_cmd::template(&with_spec(a, &cli.spec), &cli.global),
        Command::Build(a) => {
            let a = BuildArgs { spec: cli.spec.merged(&a.spec), embed_values: a.embed_values };
            spec_build::build(&a, &cli.global)
        }
        Command::List(a) => spec_cmd::list(&cli.spec.merged(&a.spec), &cli.global),
        Command::WriteValues(a) => {
            let a = WriteValuesArgs { spec: cli.spec.merged(&a.spec), output_file_template: a.output_file_template.clone() };
            spec_cmd::write_values(&a, &cli.global)
        }
        Command::Lint(a) => {
            let mut a = a.clone();
            a.spec = cli.spec.merged(&a.spec);
            spec_cmd::lint(&a, &cli.global)
        }
        Command::Deps(a) => {
            let a = DepsArgs { spec: cli.spec.merged(&a.spec), skip_repos: a.skip_repos };
            spec_charts::deps(&a, &cli.global)
        }
        Command::Fetch(a) => {
            let a = FetchArgs { spec: cli.spec.merged(&a.spec), output_dir: a.output_dir.clone(), release_name: a.release_name };
            spec_charts::fetch(&a, &cli.global)
        }
        Command::Diff(a) => engine_cmd::diff(a, &cli.spec, &cli.global),
        Command::Apply(a) => engine_cmd::apply(a, &cli.spec, &cli.global),
        Command::Sync(a) => engine_cmd::sync(a, &cli.spec, &cli.global),
        Command::Destroy(a) => engine_cmd::destroy(a, &cli.spec, &cli.global),
        Command::Status(a) => engine_cmd::status(&cli.spec.merged(&a.spec), &cli.global),
        Command::Test(a) => engine_cmd::test(a, &cli.spec, &cli.global),
        Command::Release(cmd) => release_cmd::run(cmd, &cli.global),
        Command::Chart(ChartCommand::Template(args)) => chart_template(args, &cli.global),
        Command::Chart(ChartCommand::Lint(args)) => chart_lint(args, &cli.global),
        Command::Chart(ChartCommand::Package(args)) => chart_package(args),
        Command::Chart(ChartCommand::Push(args)) => chart_push(args, &cli.global),
        Command::Chart(ChartCommand::Pull(args)) => chart_pull(args, &cli.global),
        Command::Repo(RepoCommand::Index(args)) => repo_index(args),
        Command::Chart(ChartCommand::Deps(sub)) => chart_deps(sub, &cli.global),
    }
}

fn with_spec(a: &TemplateArgs, before: &SpecArgs) -> TemplateArgs {
    let mut render = a.render.clone();
    render.spec = before.merged(&a.render.spec);
    TemplateArgs { render, output_dir: a.output_dir.clone(), include_crds: a.include_crds, skip_crds: a.skip_crds, skip_tests: a.skip_tests, release_name: a.release_name }
}

fn compat(arg: HelmCompatArg) -> crate::funcs::HelmCompat {
    match arg {
        HelmCompatArg::V3 => crate::funcs::HelmCompat::V3,
        HelmCompatArg::V4 => crate::funcs::HelmCompat::V4,
    }
}

/// `deployer chart package`: helm package, with the same input always giving the same bytes.
fn chart_package(args: &ChartPackageArgs) -> Result<i32, CliError> {
    use crate::chart::package::{PackageRequest, mtime_from_env, package};
    let request = PackageRequest {
        chart_dir: args.path.clone(),
        destination: args.destination.clone(),
        version: args.version.clone(),
        app_version: args.app_version.clone(),
        mtime: mtime_from_env(),
        compat: compat(args.helm_compat),
    };
    let path = package(&request).map_err(|e| CliError::Helm(e.to_string()))?;
    writeln!(std::io::stdout().lock(), "Successfully packaged chart and saved it to: {}", path.display())?;
    Ok(exit::OK)
}

/// `deployer chart lint`: helm lint's rules and output; exit 1 when a chart fails.
fn chart_lint(args: &ChartLintArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let args = args.clone();
    let namespace = global.namespace.clone().unwrap_or_else(|| "default".into());
    // Values hold shared maps that stay on one thread, so the whole lint runs on the big-stack one.
    let (stdout, failure) = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run_lint(&args, namespace))
        .map_err(CliError::Output)?
        .join()
        .map_err(|_| CliError::Helm("linting panicked".into()))??;
    std::io::stdout().lock().write_all(stdout.as_bytes())?;
    match failure {
        Some(summary) => Err(CliError::Helm(summary)),
        None => Ok(exit::OK),
    }
}

fn run_lint(args: &ChartLintArgs, namespace: String) -> Result<(String, Option<String>), CliError> {
    use crate::chart::lint::{LintRequest, lint};
    let compat = compat(args.helm_compat);
    let values = crate::chart::values::merge_user_values(
        &args.values.user_values(),
        compat,
    )
    .map_err(|e| CliError::Helm(e.0))?;
    let request = LintRequest {
        charts: args.paths.clone(),
        values,
        namespace,
        kube_version: args.kube_version.clone(),
        strict: args.strict,
        with_subcharts: args.with_subcharts,
        compat,
    };
    let outcome = lint(&request);
    Ok((outcome.stdout, outcome.failure))
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

/// Renders, and with `--output-dir` writes the files (printing helm's `wrote` lines as it
/// goes); returns what is left to print.
fn render_chart_template(args: &ChartTemplateArgs, namespace: String) -> Result<String, CliError> {
    use crate::chart::template::{render_release, show_only};
    let request = template_request(args, namespace)?;
    let release = render_release(&request)?;
    let text = match &args.output_dir {
        None => release.text(),
        Some(dir) => {
            let release_name = args.release_name.then_some(args.release.as_str());
            let mut stdout = std::io::stdout().lock();
            crate::chart::output_dir::write_output_dir(&release, &dir.to_string_lossy(), release_name, &mut stdout)
                .map_err(|e| CliError::Helm(e.to_string()))?;
            "\n".to_string()
        }
    };
    if request.show_only.is_empty() {
        return Ok(text);
    }
    Ok(show_only(&text, &request.show_only)?)
}

fn template_request(args: &ChartTemplateArgs, namespace: String) -> Result<crate::chart::template::TemplateRequest, CliError> {
    use crate::chart::template::TemplateRequest;
    let compat = compat(args.helm_compat);
    let values = crate::chart::values::merge_user_values(&args.values.user_values(), compat)
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
        cluster: None,
        show_only: args.show_only.clone(),
        compat,
    };
    Ok(request)
}

/// A fetcher for one command: the default cache, helm's repositories file, `--offline`.
fn fetcher(global: &GlobalArgs, extra: Option<crate::repo::RepoConfig>, plain_http: bool) -> Result<crate::repo::ChartFetcher, CliError> {
    let mut repositories = crate::repo::reference::helm_repositories()?;
    if let Some(extra) = extra {
        repositories.insert(0, extra);
    }
    if let Some(dir) = &global.bundle {
        // Everything from the bundle, nothing from the network.
        return Ok(crate::repo::bundle::Bundle::open(dir)?.fetcher_with(&repositories));
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

/// `deployer chart deps build|update|list DIR`: like `helm dependency`.
fn chart_deps(sub: &ChartDepsCommand, global: &GlobalArgs) -> Result<i32, CliError> {
    let (path, messages) = match sub {
        ChartDepsCommand::List(a) => {
            let text = crate::repo::deps::list(&a.path)?;
            std::io::stdout().lock().write_all(text.as_bytes())?;
            return Ok(exit::OK);
        }
        // helm's repositories (and a bundle's) name the `@repo` dependencies.
        ChartDepsCommand::Update(a) => {
            let f = fetcher(global, None, false)?;
            (&a.path, crate::repo::deps::update(&a.path, &f, &f.options.repositories))
        }
        ChartDepsCommand::Build(a) => {
            let f = fetcher(global, None, false)?;
            (&a.path, crate::repo::deps::build(&a.path, &f, &f.options.repositories))
        }
    };
    let messages = messages.map_err(|e| CliError::Helm(format!("{}: {e}", path.display())))?;
    let mut out = std::io::stdout().lock();
    for m in messages {
        writeln!(out, "{m}")?;
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
        assert_eq!(t.values.values.len(), 2);
    }

}
