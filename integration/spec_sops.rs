//! Native SOPS against the real thing. Fixtures are encrypted here, at test time, with the real
//! `sops` binary and an age key (and a GnuPG key) generated for the run, in a fresh directory:
//! - `testdata/helmfiles/secrets` (environment and release `secrets:`, `ref+sops://`) renders
//!   byte-identically to helmfile 0.166 + helm 3.15.3; helmfile decrypts `secrets:` through the
//!   helm-secrets plugin, stood in for by a shim of ours that runs `sops --decrypt`;
//! - YAML, JSON, dotenv and binary files, with age and with PGP keys, read through
//!   `fetchSecretValue` match helmfile's (vals') reading;
//! - decrypted values never reach the disk (the run directory and TMPDIR are scanned);
//! - tampered files are refused with an error naming the file and holding no secret.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{repo_root, run};

struct Tools {
    bin: PathBuf,
    sops: PathBuf,
}

fn tools(test: &str) -> Option<Tools> {
    let bin = match std::env::var("DEPLOYER_TEST_HELMFILE") {
        Ok(p) => PathBuf::from(p).parent()?.to_path_buf(),
        Err(_) => PathBuf::from(std::env::var("HOME").ok()?).join(".cache/deployer-testenv/bin"),
    };
    let sops = std::env::var("DEPLOYER_TEST_SOPS").map(PathBuf::from).unwrap_or_else(|_| bin.join("sops"));
    if !bin.join("helmfile").exists() || !sops.exists() || !bin.join("age-keygen").exists() {
        common::TestEnv::get(test);
        return None;
    }
    Some(Tools { bin, sops })
}

/// A run directory with a fresh age key, removed when the test passes.
struct Sandbox {
    dir: PathBuf,
    key_file: PathBuf,
    recipient: String,
    path: String,
    tools: Tools,
}

impl Sandbox {
    fn new(name: &str, tools: Tools) -> Sandbox {
        let dir = std::env::temp_dir().join(format!("deployer-sops-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let key_file = dir.join("age-key.txt");
        let out = run(Command::new(tools.bin.join("age-keygen")).arg("-o").arg(&key_file));
        assert!(out.status.success(), "age-keygen: {}", common::text(&out));
        let key = std::fs::read_to_string(&key_file).unwrap();
        let recipient = key.lines().find_map(|l| l.strip_prefix("# public key: ")).expect("public key line").to_string();
        let path = format!("{}:{}", tools.bin.display(), std::env::var("PATH").unwrap_or_default());
        Sandbox { dir, key_file, recipient, path, tools }
    }

    /// `sops --encrypt --in-place` with the age key and `flags`.
    fn encrypt(&self, file: &Path, flags: &[&str]) {
        let mut cmd = Command::new(&self.tools.sops);
        cmd.env("SOPS_DISABLE_VERSION_CHECK", "1").arg("--encrypt").arg("--in-place");
        if !flags.contains(&"--pgp") {
            cmd.arg("--age").arg(&self.recipient);
        }
        cmd.args(flags).arg(file);
        self.isolate(&mut cmd);
        let out = run(&mut cmd);
        assert!(out.status.success(), "sops --encrypt {}: {}", file.display(), common::text(&out));
    }

    /// Keys and plugins come from the sandbox only.
    fn isolate(&self, cmd: &mut Command) {
        cmd.env("PATH", &self.path)
            .env("SOPS_AGE_KEY_FILE", &self.key_file)
            .env_remove("SOPS_AGE_KEY")
            .env_remove("SOPS_AGE_KEY_CMD")
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("GNUPGHOME", self.dir.join("gnupg"))
            .env("HELM_PLUGINS", self.dir.join("helm-plugins"))
            .env("TMPDIR", self.dir.join("tmp"))
            .env("SOPS_DISABLE_VERSION_CHECK", "1")
            .env("HELMFILE_UPGRADE_NOTICE_DISABLED", "1")
            .env("HELMFILE_V1MODE", "true")
            // The oracle here is helmfile 0.166; deployer follows 1.x unless told otherwise.
            .env("DEPLOYER_HELMFILE_COMPAT", "0.166");
    }

    fn command(&self, program: &Path, cwd: &Path, args: &[String]) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd).args(args);
        self.isolate(&mut cmd);
        cmd
    }

    fn helmfile(&self) -> PathBuf {
        self.tools.bin.join("helmfile")
    }

    /// Our stand-in for the helm-secrets plugin (v4 interface: `helm secrets decrypt FILE`).
    fn install_secrets_plugin(&self) {
        let dir = self.dir.join("helm-plugins/secrets");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("plugin.yaml"),
            "name: secrets\nversion: 4.6.0\nusage: test shim\ndescription: prints a sops file decrypted\ncommand: $HELM_PLUGIN_DIR/run.sh\n",
        )
        .unwrap();
        let script = dir.join("run.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\nset -e\n[ \"$1\" = decrypt ] || { echo \"unsupported: $*\" >&2; exit 1; }\nexec sops --decrypt \"$2\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A GnuPG key without passphrase in the sandbox; returns its fingerprint.
    fn gpg_key(&self) -> String {
        let home = self.dir.join("gnupg");
        std::fs::create_dir_all(&home).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        let gpg = |args: &[&str]| {
            let mut cmd = Command::new("gpg");
            cmd.arg("--homedir").arg(&home).arg("--batch").args(args);
            run(&mut cmd)
        };
        let out = gpg(&["--passphrase", "", "--quick-gen-key", "deployer test <test@example.invalid>", "future-default", "default", "never"]);
        assert!(out.status.success(), "gpg --quick-gen-key: {}", common::text(&out));
        let out = gpg(&["--list-keys", "--with-colons"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("fpr:").map(|r| r.trim_matches(':').to_string()))
            .expect("fingerprint")
    }

    fn finish(self) {
        // Stop the gpg-agent the key generation started, then remove everything.
        let _ = Command::new("gpgconf").arg("--homedir").arg(self.dir.join("gnupg")).args(["--kill", "gpg-agent"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` whose bytes contain one of `markers`, with the marker.
fn files_containing(dir: &Path, markers: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                for m in markers {
                    if bytes.windows(m.len()).any(|w| w == m.as_bytes()) {
                        out.push(format!("{} holds {m:?}", p.display()));
                    }
                }
            }
        }
    }
    out
}

/// The fixture's secret values: words ending in `-` and four hex digits.
fn secret_markers(text: &str) -> Vec<String> {
    let re = regex_lite::Regex::new(r"[A-Za-z0-9_-]+-[0-9a-f]{4}\b").unwrap();
    let mut out: Vec<String> = re.find_iter(text).map(|m| m.as_str().to_string()).collect();
    out.sort();
    out.dedup();
    out
}

fn show(o: &Output) -> String {
    format!("exit {:?}\n--- stdout\n{}--- stderr\n{}", o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn secrets_example_matches_helmfile_and_leaves_nothing_on_disk() {
    let Some(tools) = tools("spec_sops example") else { return };
    let sb = Sandbox::new("example", tools);
    let examples = repo_root().join("testdata/helmfiles");
    copy_dir(&examples.join("_charts"), &sb.dir.join("_charts"));
    let work = sb.dir.join("secrets");
    copy_dir(&examples.join("secrets"), &work);
    sb.install_secrets_plugin();

    let spec = std::fs::read_to_string(work.join("SOPS")).unwrap();
    let mut cases = Vec::new();
    let mut markers = Vec::new();
    for line in spec.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("encrypt:") {
            let mut words = rest.split_whitespace();
            let file = work.join(words.next().expect("encrypt: FILE"));
            markers.extend(secret_markers(&std::fs::read_to_string(&file).unwrap()));
            let flags: Vec<&str> = words.collect();
            sb.encrypt(&file, &flags);
        } else {
            cases.push(line.split_whitespace().map(str::to_string).collect::<Vec<_>>());
        }
    }
    assert!(markers.len() >= 10, "fixture markers: {markers:?}");
    // The source files left in the copy are encrypted; SOPS and the charts hold no marker.
    let leftovers = files_containing(&sb.dir, &markers);
    assert!(leftovers.is_empty(), "plaintext after encryption: {leftovers:?}");

    let deployer = PathBuf::from(env!("CARGO_BIN_EXE_deployer"));
    let mut ours = Vec::new();
    for case in &cases {
        for command in ["template", "list"] {
            let mut args = case.clone();
            args.push(command.into());
            let got = run(&mut sb.command(&deployer, &work, &args));
            assert!(got.status.success(), "deployer {args:?}: {}", show(&got));
            ours.push((args, got));
        }
    }
    // Nothing deployer did left a decrypted value in the run directory or its TMPDIR.
    let leaked = files_containing(&sb.dir, &markers);
    assert!(leaked.is_empty(), "decrypted values on disk: {leaked:?}");
    let rendered: String = ours.iter().map(|(_, o)| String::from_utf8_lossy(&o.stdout).into_owned()).collect();
    for m in ["staging-db-pass-71c2", "prod-session-secret-bb22", "worker-queue-pass-5e5e", "dotenv-db-pass-9999"] {
        assert!(rendered.contains(m), "{m} not rendered");
    }

    let mut failures = Vec::new();
    for (args, got) in &ours {
        let want = run(&mut sb.command(&sb.helmfile(), &work, args));
        if !want.status.success() || want.stdout != got.stdout {
            failures.push(format!("{args:?}\n--- helmfile\n{}\n--- deployer\n{}", show(&want), show(got)));
        }
    }
    eprintln!("spec_sops example: {} of {} cases match helmfile", ours.len() - failures.len(), ours.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    sb.finish();
}

#[test]
fn every_format_with_age_and_pgp_reads_like_helmfile() {
    let Some(tools) = tools("spec_sops formats") else { return };
    let sb = Sandbox::new("formats", tools);
    copy_dir(&repo_root().join("testdata/helmfiles/_charts"), &sb.dir.join("_charts"));
    let work = sb.dir.join("formats");
    std::fs::create_dir_all(&work).unwrap();
    let write = |name: &str, text: &str| std::fs::write(work.join(name), text).unwrap();
    write("s.yaml", "db:\n  user: yaml-user-a1a1\n  port: 5432\n  ssl: true\n  ratio: 0.75\nlist: [x, y]\n");
    write("s.json", "{\"api\": {\"key\": \"json-key-b2b2\", \"n\": 7}}\n");
    write("s.env", "USER=dotenv-user-c3c3\nPASSWORD=dotenv-pass-d4d4\n");
    write("s.bin", "binary-line-e5e5\nsecond line\n");
    write("p.yaml", "pgp:\n  secret: pgp-secret-f6f6\n");
    write("p.bin", "pgp-binary-0a0a");
    let markers = secret_markers("a1a1 yaml-user-a1a1 json-key-b2b2 dotenv-user-c3c3 dotenv-pass-d4d4 binary-line-e5e5 pgp-secret-f6f6 pgp-binary-0a0a");
    for f in ["s.yaml", "s.json", "s.env", "s.bin"] {
        sb.encrypt(&work.join(f), &[]);
    }
    let fingerprint = sb.gpg_key();
    for f in ["p.yaml", "p.bin"] {
        sb.encrypt(&work.join(f), &["--pgp", &fingerprint]);
    }
    write(
        "helmfile.yaml.gotmpl",
        r#"releases:
  - name: formats
    namespace: demo
    chart: ../_charts/app
    values:
      - config:
          yamlUser: {{ fetchSecretValue "ref+sops://s.yaml#/db/user" | quote }}
          yamlPort: {{ fetchSecretValue "ref+sops://s.yaml#/db/port" | quote }}
          yamlSsl: {{ fetchSecretValue "ref+sops://s.yaml#/db/ssl" | quote }}
          yamlRatio: {{ fetchSecretValue "ref+sops://s.yaml#/db/ratio" | quote }}
          jsonKey: {{ fetchSecretValue "ref+sops://s.json?format=json#/api/key" | quote }}
          jsonN: {{ fetchSecretValue "ref+sops://s.json?format=json#/api/n" | quote }}
          dotenv: {{ fetchSecretValue "ref+sops://s.env?format=dotenv" | quote }}
          binary: {{ fetchSecretValue "ref+sops://s.bin" | quote }}
          pgpYaml: {{ fetchSecretValue "ref+sops://p.yaml#/pgp/secret" | quote }}
          pgpBinary: {{ fetchSecretValue "ref+sops://p.bin" | quote }}
          expanded:
{{ dict "a" "ref+sops://s.yaml#/db/user" "b" "plain" | expandSecretRefs | toYaml | indent 12 }}
"#,
    );
    let deployer = PathBuf::from(env!("CARGO_BIN_EXE_deployer"));
    let args = vec!["template".to_string()];
    let got = run(&mut sb.command(&deployer, &work, &args));
    assert!(got.status.success(), "deployer: {}", show(&got));
    let leaked = files_containing(&sb.dir, &markers);
    assert!(leaked.is_empty(), "decrypted values on disk: {leaked:?}");
    let out = String::from_utf8_lossy(&got.stdout);
    for m in &markers {
        assert!(out.contains(m.as_str()), "{m} missing from:\n{out}");
    }
    let want = run(&mut sb.command(&sb.helmfile(), &work, &args));
    assert!(want.status.success() && want.stdout == got.stdout, "--- helmfile\n{}\n--- deployer\n{}", show(&want), show(&got));

    // The other age key sources: SOPS_AGE_KEY and <XDG_CONFIG_HOME>/sops/age/keys.txt.
    let key = std::fs::read_to_string(&sb.key_file).unwrap();
    let mut cmd = sb.command(&deployer, &work, &args);
    cmd.env_remove("SOPS_AGE_KEY_FILE").env("SOPS_AGE_KEY", &key).env("SOPS_GPG_EXEC", "gpg");
    let by_env = run(&mut cmd);
    assert!(by_env.status.success() && by_env.stdout == got.stdout, "SOPS_AGE_KEY: {}", show(&by_env));
    let config = sb.dir.join("config/sops/age");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(&sb.key_file, config.join("keys.txt")).unwrap();
    let mut cmd = sb.command(&deployer, &work, &args);
    cmd.env_remove("SOPS_AGE_KEY_FILE");
    let by_config = run(&mut cmd);
    assert!(by_config.status.success() && by_config.stdout == got.stdout, "keys.txt: {}", show(&by_config));
    std::fs::remove_file(config.join("keys.txt")).unwrap();

    // Without any age key the error names the file and the places looked in.
    let mut cmd = sb.command(&deployer, &work, &args);
    cmd.env_remove("SOPS_AGE_KEY_FILE");
    let none = run(&mut cmd);
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(!none.status.success() && err.contains("s.yaml") && err.contains("no matching identity"), "{}", show(&none));
    sb.finish();
}

#[test]
fn tampered_files_are_refused_without_printing_secrets() {
    let Some(tools) = tools("spec_sops tamper") else { return };
    let sb = Sandbox::new("tamper", tools);
    copy_dir(&repo_root().join("testdata/helmfiles/_charts"), &sb.dir.join("_charts"));
    let work = sb.dir.join("tamper");
    std::fs::create_dir_all(work.join("env")).unwrap();
    std::fs::write(
        work.join("helmfile.yaml.gotmpl"),
        "environments:\n  default:\n    secrets:\n      - env/secrets.yaml\n---\nreleases:\n  - name: t\n    namespace: demo\n    chart: ../_charts/app\n    values:\n      - config:\n          a: {{ .Values.a | quote }}\n          note: {{ .Values.note_unencrypted | quote }}\n",
    )
    .unwrap();
    let secrets = work.join("env/secrets.yaml");
    std::fs::write(&secrets, "a: alpha-secret-1a2b\nb: beta-secret-3c4d\nnote_unencrypted: hello\n").unwrap();
    sb.encrypt(&secrets, &[]);
    let markers = secret_markers("alpha-secret-1a2b beta-secret-3c4d");
    let original = std::fs::read_to_string(&secrets).unwrap();
    let deployer = PathBuf::from(env!("CARGO_BIN_EXE_deployer"));
    let args = vec!["template".to_string()];
    let ok = run(&mut sb.command(&deployer, &work, &args));
    assert!(ok.status.success() && String::from_utf8_lossy(&ok.stdout).contains("alpha-secret-1a2b"), "{}", show(&ok));

    let enc = |key: &str| {
        let line = original.lines().find(|l| l.starts_with(&format!("{key}: "))).unwrap();
        line[key.len() + 2..].to_string()
    };
    let mac_line = original.lines().find(|l| l.trim_start().starts_with("mac: ")).unwrap().to_string();
    let other_mac = {
        // A MAC that is valid sops syntax but computed for other content: take b's ciphertext.
        let indent = &mac_line[..mac_line.len() - mac_line.trim_start().len()];
        format!("{indent}mac: {}", enc("b"))
    };
    let variants = [
        ("a value replaced by another's ciphertext", original.replace(&format!("a: {}", enc("a")), &format!("a: {}", enc("b"))), "could not decrypt the value at \"a\""),
        ("a clear value changed", original.replace("note_unencrypted: hello", "note_unencrypted: hullo"), "MAC mismatch"),
        ("the MAC replaced", original.replace(&mac_line, &other_mac), "MAC mismatch"),
        ("the MAC removed", original.replace(&mac_line, ""), "MAC mismatch"),
    ];
    for (what, text, expected) in variants {
        assert_ne!(text, original, "{what}: the fixture did not change");
        std::fs::write(&secrets, &text).unwrap();
        let got = run(&mut sb.command(&deployer, &work, &args));
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert!(!got.status.success(), "{what}: deployer accepted the file: {}", show(&got));
        assert!(stderr.contains("env/secrets.yaml") && stderr.contains(expected), "{what}: {}", show(&got));
        let all = format!("{}{}", String::from_utf8_lossy(&got.stdout), stderr);
        for m in &markers {
            assert!(!all.contains(m.as_str()), "{what}: output shows a secret: {all}");
        }
        let want = run(&mut sb.command(&sb.helmfile(), &work, &args));
        assert!(!want.status.success(), "{what}: helmfile (through sops) accepted the file");
    }
    std::fs::write(&secrets, &original).unwrap();
    let leaked = files_containing(&sb.dir, &markers);
    assert!(leaked.is_empty(), "decrypted values on disk: {leaked:?}");
    sb.finish();
}
