//! A spec's remote charts beyond rendering: `deployer deps` (the lock file compared with the one
//! real `helmfile deps` writes, and read back by helmfile), `template` honouring the lock,
//! `--skip-deps`/`--offline` without network, and `deployer fetch` bundles rendered with the
//! repository gone. The HTTP repository is a private server started (and stopped) by each test,
//! which records every request it gets.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::{TestEnv, repo_root, run, text, var};

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// A static file server over a directory, recording request paths; stopped on drop.
struct FileServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    port: u16,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FileServer {
    fn start(root: &Path) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (root, log, flag) = (root.to_path_buf(), requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                serve(stream, &root, &log);
            }
        });
        FileServer { url: format!("http://127.0.0.1:{port}"), requests, stop, port, thread: Some(thread) }
    }

    fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    log.lock().unwrap().push(path.clone());
    let file = root.join(path.trim_start_matches('/').split('?').next().unwrap_or(""));
    let mut stream = stream;
    match std::fs::read(&file) {
        Ok(body) if file.is_file() => {
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nLast-Modified: Mon, 02 Jan 2006 15:04:05 GMT\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
        _ => {
            let _ = write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
}

/// One test's directory: helm homes, caches, the served repository and the spec.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(unique(&format!("deployer-spec-{name}")));
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        std::fs::create_dir_all(dir.join("spec")).unwrap();
        Scratch { dir }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.join(p)
    }
    /// Private homes for helm, helmfile and deployer; no proxy unless asked.
    fn env(&self, cmd: &mut Command) {
        for (k, d) in [("HELM_CONFIG_HOME", "helm-config"), ("HELM_CACHE_HOME", "helm-cache"), ("HELM_DATA_HOME", "helm-data"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config")] {
            cmd.env(k, self.path(d));
        }
        cmd.env("HELMFILE_V1MODE", "true").env("HELMFILE_UPGRADE_NOTICE_DISABLED", "1");
        for k in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy"] {
            cmd.env_remove(k);
        }
        let path = format!("{}:{}", PathBuf::from(var("DEPLOYER_TEST_HELMFILE")).parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
        cmd.env("PATH", path);
    }
    fn helm(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(var("DEPLOYER_TEST_HELM3"));
        self.env(&mut cmd);
        let out = run(cmd.args(args));
        assert!(out.status.success(), "helm {args:?}: {}", text(&out));
        out
    }
    fn tool(&self, program: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(program);
        self.env(&mut cmd);
        run(cmd.current_dir(self.path("spec")).args(args))
    }
    fn deployer(&self, args: &[&str]) -> Output {
        self.tool(env!("CARGO_BIN_EXE_deployer"), args)
    }
    fn helmfile(&self, args: &[&str]) -> Output {
        self.tool(&var("DEPLOYER_TEST_HELMFILE"), args)
    }
    /// Packages `_remote_charts/NAME` at these versions into the served repository and indexes it.
    fn publish_http(&self, name: &str, versions: &[&str], url: &str) {
        let chart = repo_root().join("testdata/helmfiles/_remote_charts").join(name);
        let repo = self.path("repo");
        for v in versions {
            self.helm(&["package", chart.to_str().unwrap(), "--version", v, "-d", repo.to_str().unwrap()]);
        }
        self.helm(&["repo", "index", repo.to_str().unwrap(), "--url", url]);
    }
    /// Pushes `_remote_charts/NAME` at `version` to `oci://REGISTRY/PATH`.
    fn publish_oci(&self, name: &str, version: &str, base: &str) {
        let chart = repo_root().join("testdata/helmfiles/_remote_charts").join(name);
        let pkg = self.path("pkg");
        self.helm(&["package", chart.to_str().unwrap(), "--version", version, "-d", pkg.to_str().unwrap()]);
        let tgz = pkg.join(format!("{name}-{version}.tgz"));
        ok(self.deployer(&["chart", "push", tgz.to_str().unwrap(), base]), "chart push");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ok(out: Output, what: &str) -> Output {
    assert!(out.status.success(), "{what} failed: {}", text(&out));
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A lock file less what legitimately differs: the writer's `version`, `generated`, and the
/// per-chart `digest`/`url` lines only deployer writes (helmfile ignores them).
fn comparable_lock(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("version:") && !l.starts_with("generated:") && !l.starts_with("  digest:") && !l.starts_with("  url:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn deps_writes_helmfiles_lock_and_template_honours_it_offline() {
    let Some(_env) = TestEnv::get("deps_writes_helmfiles_lock_and_template_honours_it_offline") else { return };
    let s = Scratch::new("deps");
    let mut server = FileServer::start(&s.path("repo"));
    s.publish_http("web", &["1.0.0", "1.1.0", "2.0.0-rc.1"], &server.url);
    let spec = format!(
        "repositories:\n  - name: charts\n    url: {}\nreleases:\n  - name: shop\n    namespace: front\n    chart: charts/web\n    version: \"~1.0\"\n  - name: shop-canary\n    namespace: front\n    chart: charts/web\n    version: \">=1.0.0 <2.0.0\"\n",
        server.url
    );
    std::fs::write(s.path("spec/helmfile.yaml"), spec).unwrap();

    // the lock real helmfile writes, and ours
    ok(s.helmfile(&["deps"]), "helmfile deps");
    let theirs = std::fs::read_to_string(s.path("spec/helmfile.lock")).unwrap();
    std::fs::remove_file(s.path("spec/helmfile.lock")).unwrap();
    ok(s.deployer(&["deps"]), "deployer deps");
    let ours = std::fs::read_to_string(s.path("spec/helmfile.lock")).unwrap();
    assert_eq!(comparable_lock(&ours), comparable_lock(&theirs), "ours:\n{ours}\ntheirs:\n{theirs}");
    assert!(ours.contains("  digest: sha256:") && ours.contains(&format!("  url: {}/web-1.0.0.tgz", server.url)), "{ours}");

    // a newer 1.0.x appears: the lock keeps 1.0.0, for us and for helmfile reading our lock
    s.publish_http("web", &["1.0.5"], &server.url);
    let before = ok(s.deployer(&["template"]), "template with lock");
    assert!(stdout(&before).contains("helm.sh/chart: web-1.0.0"), "{}", stdout(&before));
    let helmfile_with_our_lock = ok(s.helmfile(&["template"]), "helmfile template with our lock");
    assert_eq!(stdout(&before), stdout(&helmfile_with_our_lock));

    // --skip-deps and --offline: no request reaches the server, same output
    let seen = server.count();
    for flags in [&["template", "--skip-deps"][..], &["--offline", "template"][..]] {
        let out = ok(s.deployer(flags), &format!("{flags:?}"));
        assert_eq!(stdout(&out), stdout(&before), "{flags:?}");
    }
    assert_eq!(server.count(), seen, "requests during --skip-deps/--offline: {:?}", &server.requests.lock().unwrap()[seen..]);
    server.stop();
    let out = ok(s.deployer(&["template", "--skip-deps"]), "skip-deps with the server stopped");
    assert_eq!(stdout(&out), stdout(&before));

    // a lock whose digest does not match the archive is refused
    let start = ours.find("  digest: sha256:").unwrap() + "  digest: sha256:".len();
    let tampered = format!("{}{}{}", &ours[..start], "1".repeat(64), &ours[start + 64..]);
    std::fs::write(s.path("spec/helmfile.lock"), tampered).unwrap();
    let out = s.deployer(&["--offline", "template"]);
    assert!(!out.status.success(), "a wrong digest must fail: {}", text(&out));
}

#[test]
fn fetch_bundle_renders_every_environment_with_the_repository_stopped() {
    let Some(_env) = TestEnv::get("fetch_bundle_renders_every_environment_with_the_repository_stopped") else { return };
    let s = Scratch::new("bundle");
    let mut server = FileServer::start(&s.path("repo"));
    s.publish_http("web", &["1.0.0", "1.1.0"], &server.url);
    let oci = format!("{}/{}", var("DEPLOYER_TEST_OCI"), unique("bundle"));
    s.publish_oci("api", "0.2.0", &format!("oci://{oci}"));
    let spec = format!(
        "repositories:\n  - name: charts\n    url: {url}\n  - name: registry\n    url: {oci}\n    oci: true\nenvironments:\n  default:\n    values:\n      - web: \"~1.0\"\n  prod:\n    values:\n      - web: \"1.1.0\"\n---\nreleases:\n  - name: shop\n    chart: charts/web\n    version: {{{{ .Values.web | quote }}}}\n  - name: orders\n    chart: registry/api\n    version: 0.2.0\n  - name: archived\n    chart: {url}/web-1.0.0.tgz\n",
        url = server.url
    );
    std::fs::write(s.path("spec/helmfile.yaml.gotmpl"), spec).unwrap();
    let default = stdout(&ok(s.deployer(&["template"]), "template"));
    let prod = stdout(&ok(s.deployer(&["-e", "prod", "template"]), "template prod"));
    assert!(default.contains("web-1.0.0") && prod.contains("web-1.1.0") && prod.contains("chartVersion: \"0.2.0\""), "{prod}");

    let bundle = s.path("bundle");
    ok(s.deployer(&["fetch", "--output-dir", bundle.to_str().unwrap()]), "fetch");
    let lock = std::fs::read_to_string(bundle.join("bundle.lock")).unwrap();
    for v in ["version: 1.0.0", "version: 1.1.0", "version: 0.2.0"] {
        assert!(lock.contains(v), "{v} missing from the bundle lock:\n{lock}");
    }

    // the repository is gone, and any other connection goes to a dead proxy
    server.stop();
    std::fs::remove_dir_all(s.path("cache")).unwrap();
    let dead = "http://127.0.0.1:9";
    let with_bundle = |env: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_deployer"));
        s.env(&mut cmd);
        cmd.env("HTTP_PROXY", dead).env("HTTPS_PROXY", dead).env("ALL_PROXY", dead);
        let mut args = vec!["--bundle", bundle.to_str().unwrap()];
        args.extend_from_slice(env);
        args.push("template");
        run(cmd.current_dir(s.path("spec")).args(&args))
    };
    assert_eq!(stdout(&ok(with_bundle(&[]), "bundle template")), default);
    assert_eq!(stdout(&ok(with_bundle(&["-e", "prod"]), "bundle template prod")), prod);
    let without = s.deployer(&["template"]);
    assert!(!without.status.success(), "without the bundle the stopped repository must fail: {}", text(&without));
}

/// Files under `charts/` of a chart directory, sorted.
fn chart_archives(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("charts"))
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn without_generated(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("generated:")).map(|l| format!("{l}\n")).collect()
}

/// `deployer chart deps update|build|list` against `helm dependency` on the same chart: an
/// HTTP repository by URL and by `@name` from helm's repositories file, a `file://` chart, and
/// (with helm 4, whose `--plain-http` reaches the test registry) an OCI registry.
#[test]
fn chart_deps_match_helm_dependency() {
    let Some(_env) = TestEnv::get("chart_deps_match_helm_dependency") else { return };
    let s = Scratch::new("chart-deps");
    let server = FileServer::start(&s.path("repo"));
    s.publish_http("web", &["1.0.0", "1.0.1", "1.1.0"], &server.url);
    let oci = format!("oci://{}/{}", var("DEPLOYER_TEST_OCI"), unique("deps"));
    s.publish_oci("api", "0.1.0", &oci);
    s.publish_oci("api", "0.2.0", &oci);
    s.helm(&["repo", "add", "webrepo", &server.url]);
    let sub = s.path("spec/sub");
    std::fs::create_dir_all(sub.join("templates")).unwrap();
    std::fs::write(sub.join("Chart.yaml"), "apiVersion: v2\nname: sub\nversion: 0.3.0\n").unwrap();
    std::fs::write(sub.join("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n").unwrap();
    let chart_yaml = |with_oci: bool| {
        let mut t = format!(
            "apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n- name: web\n  version: ~1.0.0\n  repository: {}\n  condition: web.enabled\n- name: web\n  alias: canary\n  version: \">=1.1.0\"\n  repository: \"@webrepo\"\n  tags: [canary]\n- name: sub\n  version: \">=0.1.0 <1\"\n  repository: file://../sub\n",
            server.url
        );
        if with_oci {
            t.push_str(&format!("- name: api\n  version: ^0.1 || ^0.2\n  repository: {oci}\n"));
        }
        t
    };
    // helm is the oracle for the lock, charts/ and list; helm 4 where OCI is involved
    for (with_oci, helm_bin) in [(false, "DEPLOYER_TEST_HELM3"), (true, "DEPLOYER_TEST_HELM4")] {
        let dir = s.path(if with_oci { "spec/parent-oci" } else { "spec/parent" });
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("Chart.yaml"), chart_yaml(with_oci)).unwrap();
        let d = dir.to_str().unwrap();
        let helm = |args: &[&str]| {
            let mut cmd = Command::new(var(helm_bin));
            s.env(&mut cmd);
            let mut all = args.to_vec();
            if with_oci && args[1] != "list" {
                all.push("--plain-http");
            }
            let out = run(cmd.args(&all));
            assert!(out.status.success(), "helm {all:?}: {}", text(&out));
            out
        };
        let missing = stdout(&helm(&["dependency", "list", d]));
        assert_eq!(stdout(&ok(s.deployer(&["chart", "deps", "list", d]), "list")), missing);
        helm(&["dependency", "update", d]);
        let their_lock = std::fs::read_to_string(dir.join("Chart.lock")).unwrap();
        let their_files = chart_archives(&dir);
        let their_list = stdout(&helm(&["dependency", "list", d]));
        std::fs::remove_dir_all(dir.join("charts")).unwrap();
        std::fs::remove_file(dir.join("Chart.lock")).unwrap();
        ok(s.deployer(&["chart", "deps", "update", d]), "deps update");
        let our_lock = std::fs::read_to_string(dir.join("Chart.lock")).unwrap();
        assert_eq!(without_generated(&our_lock), without_generated(&their_lock));
        assert_eq!(chart_archives(&dir), their_files);
        assert_eq!(stdout(&ok(s.deployer(&["chart", "deps", "list", d]), "list")), their_list);
        // build from the lock: the same archives; helm builds from our lock too
        std::fs::remove_dir_all(dir.join("charts")).unwrap();
        ok(s.deployer(&["chart", "deps", "build", d]), "deps build");
        assert_eq!(chart_archives(&dir), their_files);
        std::fs::remove_dir_all(dir.join("charts")).unwrap();
        helm(&["dependency", "build", d]);
        assert_eq!(chart_archives(&dir), their_files);
        // a Chart.yaml changed after locking: build refuses, as helm does
        std::fs::write(dir.join("Chart.yaml"), chart_yaml(with_oci).replace("~1.0.0", "~1.1.0")).unwrap();
        let out = s.deployer(&["chart", "deps", "build", d]);
        assert!(!out.status.success() && text(&out).contains("out of sync"), "{}", text(&out));
    }
}

/// SHA-256 of every archive in `charts/` of a chart directory, by file name.
fn archive_digests(dir: &Path) -> Vec<(String, String)> {
    chart_archives(dir).into_iter().map(|f| {
        let digest = deployer::repo::sha256_hex(&std::fs::read(dir.join("charts").join(&f)).unwrap());
        (f, digest)
    }).collect()
}

#[test]
fn fetch_bundle_holds_local_chart_dependencies_and_named_repositories() {
    let Some(_env) = TestEnv::get("fetch_bundle_holds_local_chart_dependencies_and_named_repositories") else { return };
    let s = Scratch::new("bundle-deps");
    let mut server = FileServer::start(&s.path("repo"));
    s.publish_http("web", &["1.0.0", "1.1.0"], &server.url);
    let oci = format!("oci://{}/{}", var("DEPLOYER_TEST_OCI"), unique("bundle-deps"));
    s.publish_oci("api", "0.1.0", &oci);
    s.helm(&["repo", "add", "webrepo", &server.url]);
    // a local chart whose dependencies come from the private server (by URL and by `@name`)
    // and from OCI, locked online; its charts/ is not kept (as in a git checkout)
    let parent = s.path("spec/parent");
    std::fs::create_dir_all(parent.join("templates")).unwrap();
    std::fs::write(
        parent.join("Chart.yaml"),
        format!("apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n- name: web\n  version: ~1.0.0\n  repository: {}\n- name: web\n  alias: canary\n  version: \">=1.1.0\"\n  repository: \"@webrepo\"\n- name: api\n  version: ^0.1\n  repository: {oci}\n", server.url),
    )
    .unwrap();
    std::fs::write(parent.join("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: parent\n").unwrap();
    let p = parent.to_str().unwrap();
    ok(s.deployer(&["chart", "deps", "update", p]), "deps update");
    let online_archives = archive_digests(&parent);
    assert_eq!(online_archives.len(), 3, "{online_archives:?}");
    // the spec: the local chart, and `webrepo/web` of helm's repositories file (not declared)
    std::fs::write(
        s.path("spec/helmfile.yaml"),
        "releases:\n  - name: parent\n    chart: ./parent\n  - name: shop\n    chart: webrepo/web\n    version: 1.1.0\n",
    )
    .unwrap();
    let online = stdout(&ok(s.deployer(&["template"]), "template online"));
    assert!(online.contains("name: parent") && online.contains("web-1.1.0"), "{online}");
    std::fs::remove_dir_all(parent.join("charts")).unwrap();

    let bundle = s.path("bundle");
    ok(s.deployer(&["fetch", "--output-dir", bundle.to_str().unwrap()]), "fetch");
    let lock = std::fs::read_to_string(bundle.join("bundle.lock")).unwrap();
    for v in ["version: 1.0.0", "version: 1.1.0", "version: 0.1.0"] {
        assert!(lock.contains(v), "{v} missing from the bundle lock:\n{lock}");
    }

    // the private server stopped, helm's repositories file and the cache gone, a dead proxy
    server.stop();
    std::fs::remove_dir_all(s.path("cache")).unwrap();
    std::fs::remove_dir_all(s.path("helm-config")).unwrap();
    let dead = "http://127.0.0.1:9";
    let with_bundle = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_deployer"));
        s.env(&mut cmd);
        cmd.env("HTTP_PROXY", dead).env("HTTPS_PROXY", dead).env("ALL_PROXY", dead);
        let mut all = vec!["--bundle", bundle.to_str().unwrap()];
        all.extend_from_slice(args);
        run(cmd.current_dir(s.path("spec")).args(&all))
    };
    // the local chart's dependencies build from the bundle alone: the same archives
    ok(with_bundle(&["chart", "deps", "build", p]), "deps build from the bundle");
    assert_eq!(archive_digests(&parent), online_archives);
    // and the spec renders as it did online
    assert_eq!(stdout(&ok(with_bundle(&["template"]), "template from the bundle")), online);
    // `repo/name` and OCI references resolve through the bundle's indexes
    let pulled = s.path("pulled");
    ok(with_bundle(&["chart", "pull", "webrepo/web", "--version", "~1.0", "-d", pulled.to_str().unwrap()]), "pull webrepo/web");
    ok(with_bundle(&["chart", "pull", &format!("{oci}/api"), "--version", "^0.1", "-d", pulled.to_str().unwrap()]), "pull oci");
    let mut files: Vec<String> = std::fs::read_dir(&pulled).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["api-0.1.0.tgz", "web-1.0.0.tgz"]);
    // a version the bundle does not hold is a clear error
    let out = with_bundle(&["chart", "pull", "webrepo/web", "--version", "2.0.0"]);
    assert!(!out.status.success() && text(&out).contains("1.1.0, 1.0.0"), "{}", text(&out));
}

/// Local charts' dependencies in spec mode, as helmfile runs `helm dependency build` before
/// `template`: a chart of the test environment's HTTP repository and a `file://` chart. The
/// same stdout, `charts/` archives and `Chart.lock` as helmfile (0.166, and 1.x when built);
/// `skipDeps: true` leaves `charts/` alone; a dependency that cannot be fetched writes nothing.
#[test]
fn template_builds_local_chart_dependencies_like_helmfile() {
    let Some(_env) = TestEnv::get("template_builds_local_chart_dependencies_like_helmfile") else { return };
    let s = Scratch::new("local-deps");
    // the dependency, published into a fresh directory of the test environment's HTTP server
    let id = unique("local-deps");
    let served = PathBuf::from(var("DEPLOYER_TEST_HTTP_ROOT")).join(&id);
    std::fs::create_dir_all(&served).unwrap();
    let url = format!("{}/{id}", var("DEPLOYER_TEST_HTTP"));
    let web = repo_root().join("testdata/helmfiles/_remote_charts/web");
    for v in ["1.0.0", "1.0.1", "1.1.0"] {
        s.helm(&["package", web.to_str().unwrap(), "--version", v, "-d", served.to_str().unwrap()]);
    }
    s.helm(&["repo", "index", served.to_str().unwrap(), "--url", &url]);
    let spec = s.path("spec");
    let lib = spec.join("lib");
    std::fs::create_dir_all(lib.join("templates")).unwrap();
    std::fs::write(lib.join("Chart.yaml"), "apiVersion: v2\nname: lib\nversion: 0.3.0\n").unwrap();
    std::fs::write(lib.join("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-lib\n").unwrap();
    let parent = spec.join("parent");
    std::fs::create_dir_all(parent.join("templates")).unwrap();
    std::fs::write(
        parent.join("Chart.yaml"),
        format!("apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n- name: web\n  version: ~1.0.0\n  repository: {url}\n- name: lib\n  version: \">=0.1.0\"\n  repository: file://../lib\n"),
    )
    .unwrap();
    std::fs::write(parent.join("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-parent\n").unwrap();
    let helmfile_yaml = |skip: bool| {
        let skip = if skip { "    skipDeps: true\n" } else { "" };
        std::fs::write(spec.join("helmfile.yaml"), format!("releases:\n  - name: shop\n    namespace: front\n    chart: ./parent\n{skip}")).unwrap();
    };
    helmfile_yaml(false);
    let clean = || {
        let _ = std::fs::remove_dir_all(parent.join("charts"));
        let _ = std::fs::remove_file(parent.join("Chart.lock"));
    };
    let lock = || without_generated(&std::fs::read_to_string(parent.join("Chart.lock")).unwrap_or_default());
    let helmfile1 = PathBuf::from(var("DEPLOYER_TEST_HELMFILE")).with_file_name("helmfile1");
    let mut oracles = vec![PathBuf::from(var("DEPLOYER_TEST_HELMFILE"))];
    if helmfile1.exists() {
        oracles.push(helmfile1);
    }
    let mut ours = None;
    for oracle in &oracles {
        clean();
        let theirs = ok(s.tool(oracle.to_str().unwrap(), &["template"]), "helmfile template");
        let (their_archives, their_lock) = (chart_archives(&parent), lock());
        assert_eq!(their_archives, ["lib-0.3.0.tgz", "web-1.0.1.tgz"], "{}", text(&theirs));
        clean();
        let out = ok(s.deployer(&["template"]), "deployer template");
        assert_eq!(stdout(&out), stdout(&theirs), "stdout differs from {}", oracle.display());
        assert_eq!(chart_archives(&parent), their_archives);
        assert_eq!(lock(), their_lock);
        ours = Some(out);
    }
    let ours = stdout(&ours.unwrap());
    assert!(ours.contains("name: shop-lib") && ours.contains("helm.sh/chart: web-1.0.1"), "{ours}");
    let built = archive_digests(&parent);

    // the repository gone: with `skipDeps: true` the built charts/ renders as before
    std::fs::remove_dir_all(&served).unwrap();
    helmfile_yaml(true);
    assert_eq!(stdout(&ok(s.deployer(&["template"]), "template with skipDeps")), ours);
    // without it the build fails, and charts/ and Chart.lock are as they were
    helmfile_yaml(false);
    let lock_before = std::fs::read_to_string(parent.join("Chart.lock")).unwrap();
    let out = s.deployer(&["template"]);
    assert!(!out.status.success() && text(&out).contains("building dependencies of local chart"), "{}", text(&out));
    assert_eq!(archive_digests(&parent), built);
    assert_eq!(std::fs::read_to_string(parent.join("Chart.lock")).unwrap(), lock_before);
    // from nothing: nothing written (the file:// archive included)
    clean();
    let out = s.deployer(&["template"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!parent.join("charts").exists() && !parent.join("Chart.lock").exists(), "a failed build wrote files");
    // --skip-deps does not build: helm's missing-dependency error, nothing written
    let out = s.deployer(&["template", "--skip-deps"]);
    assert!(!out.status.success() && !parent.join("charts").exists(), "{}", text(&out));
}
