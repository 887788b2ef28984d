//! `helm template --output-dir`: each rendered document written under `DIR/<chart path>`,
//! documents from the same template appended to one file, one `wrote PATH` line per write.
//!
//! helm's quirks kept on purpose: CRDs always go under `DIR` itself, manifests and hooks under
//! `DIR/RELEASE` with `--release-name`; paths are `DIR + "/" + source` as typed (so `out/`
//! gives `out//chart/...`), except that the release directory is cleaned like Go's
//! `filepath.Join`; a hook is appended to a file that already exists, even from an earlier run.

use std::io::Write;
use std::path::Path;

use super::template::RenderedRelease;

/// Writes a rendered release as `helm template --output-dir DIR [--release-name]` does,
/// printing helm's `wrote PATH` lines to `log`.
pub fn write_output_dir(
    release: &RenderedRelease,
    dir: &str,
    release_name: Option<&str>,
    log: &mut dyn Write,
) -> std::io::Result<()> {
    let release_dir = match release_name {
        Some(name) => clean_path(&format!("{dir}/{name}")),
        None => dir.to_string(),
    };
    let mut written: Vec<String> = Vec::new();
    let write = |base: &str, source: &str, data: &str, append: bool, log: &mut dyn Write| {
        let file = format!("{base}/{source}");
        if let Some(parent) = Path::new(&file).parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = if append {
            std::fs::OpenOptions::new().append(true).open(&file)?
        } else {
            std::fs::File::create(&file)?
        };
        f.write_all(format!("---\n# Source: {source}\n{data}\n").as_bytes())?;
        writeln!(log, "wrote {file}")
    };
    for (source, data) in &release.crds {
        write(dir, source, data, written.contains(source), log)?;
        written.push(source.clone());
    }
    for m in &release.manifests {
        write(&release_dir, &m.path, &m.content, written.contains(&m.path), log)?;
        written.push(m.path.clone());
    }
    for h in &release.hooks {
        let exists = Path::new(&format!("{release_dir}/{}", h.path)).exists();
        write(&release_dir, &h.path, &h.manifest, exists, log)?;
    }
    Ok(())
}

/// Go's `filepath.Clean` for `/`-separated paths.
pub fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_go() {
        assert_eq!(clean_path("out//rn"), "out/rn");
        assert_eq!(clean_path("./out/../x/rn"), "x/rn");
        assert_eq!(clean_path("../a/./b/"), "../a/b");
        assert_eq!(clean_path("/../a"), "/a");
        assert_eq!(clean_path("a/.."), ".");
    }
}
