//! helmfile hooks: commands run on events (`prepare`, `preapply`, `presync`, `postsync`,
//! `preuninstall`, `postuninstall`, `cleanup`), from a state's `hooks:` (global) or a
//! release's. `command` and `args` are templates; with `showlogs` the command's stdout is
//! printed to stderr as helmfile's logger prints it (`\nhook[EVENT] logs | LINE…`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::value::{Map, Value};

use super::{Environment, Release, SpecError, funcs};

/// Events a hook may name.
pub const EVENTS: &[&str] = &["prepare", "preapply", "presync", "postsync", "preuninstall", "postuninstall", "cleanup"];

const HOOK_KEYS: &[&str] = &["name", "events", "command", "args", "showlogs", "kubectlApply"];

/// One hook, as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hook {
    pub name: String,
    pub events: Vec<String>,
    pub command: String,
    pub args: Vec<String>,
    pub show_logs: bool,
    /// `kubectlApply:` (`filename`/`kustomize`), not run by deployer yet.
    pub kubectl_apply: Option<Map>,
}

impl Hook {
    /// The name used in messages: `name`, else `kubectlApply`, else the command.
    pub fn display_name(&self) -> &str {
        if !self.name.is_empty() {
            &self.name
        } else if self.kubectl_apply.is_some() {
            "kubectlApply"
        } else {
            &self.command
        }
    }
}

/// Parses a `hooks:` list.
pub fn parse_hooks(file: &Path, owner: &str, v: Option<Value>) -> Result<Vec<Hook>, SpecError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let items = match v {
        Value::Nil => return Ok(Vec::new()),
        Value::List(l) => l.items.clone(),
        other => return Err(SpecError::file(file, format!("{owner}: hooks must be a list, got {}", other.type_name()))),
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.to_string(),
        Value::Nil => String::new(),
        other => other.go_format(),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Map(m) = item else {
            return Err(SpecError::file(file, format!("{owner}: hooks[{i}] must be a mapping")));
        };
        for key in m.keys() {
            if !HOOK_KEYS.contains(&key.as_str()) {
                return Err(SpecError::file(file, format!("{owner}: hooks[{i}]: unknown field {key:?} (known: {})", HOOK_KEYS.join(", "))));
            }
        }
        let list = |key: &str| -> Vec<String> {
            m.get(key).and_then(|v| v.as_list().map(|l| l.iter().map(text).collect())).unwrap_or_default()
        };
        out.push(Hook {
            name: m.get("name").map(|v| text(&v)).unwrap_or_default(),
            events: list("events"),
            command: m.get("command").map(|v| text(&v)).unwrap_or_default(),
            args: list("args"),
            show_logs: matches!(m.get("showlogs"), Some(Value::Bool(true))),
            kubectl_apply: m.get("kubectlApply").and_then(|v| v.as_map().cloned()),
        });
    }
    Ok(out)
}

/// What a hook's templates see besides the event.
pub struct HookContext<'a> {
    pub env: &'a Environment,
    /// `-n` (helmfile's `.Namespace` in hooks is the override only).
    pub namespace: &'a str,
    /// The helmfile command running (`template`, `list`, …).
    pub command: &'a str,
    /// The state's directory: commands run there.
    pub base_dir: &'a Path,
    /// Set for a release's hooks.
    pub release: Option<&'a Release>,
}

/// Runs the hooks registered for `event`, in order. Returns whether any ran.
pub fn trigger(hooks: &[Hook], event: &str, ctx: &HookContext) -> Result<bool, SpecError> {
    let mut ran = false;
    for hook in hooks.iter().filter(|h| h.events.iter().any(|e| e == event)) {
        run_hook(hook, event, ctx)?;
        ran = true;
    }
    Ok(ran)
}

fn hook_data(event: &str, ctx: &HookContext) -> Value {
    let data = Map::new();
    let environment = Map::new();
    environment.insert("Name", Value::from(ctx.env.name.clone()));
    environment.insert("KubeContext", Value::from(ctx.env.kube_context.clone()));
    environment.insert("Values", Value::Map(ctx.env.merged_values()));
    data.insert("Environment", Value::Map(environment));
    data.insert("Namespace", Value::from(ctx.namespace.to_string()));
    let ev = Map::new();
    ev.insert("Name", Value::from(event.to_string()));
    // A Go error interface that is nil prints as `<nil>`.
    ev.insert("Error", Value::from("<nil>"));
    data.insert("Event", Value::Map(ev));
    data.insert("HelmfileCommand", Value::from(ctx.command.to_string()));
    if let Some(r) = ctx.release {
        data.insert("Values", Value::Map(ctx.env.merged_values()));
        // Hooks also see the release's chart version.
        let rel = super::release::release_object(r);
        rel.insert("Version", Value::from(r.version.clone()));
        data.insert("Release", Value::Map(rel));
    }
    Value::Map(data)
}

fn run_hook(hook: &Hook, event: &str, ctx: &HookContext) -> Result<(), SpecError> {
    let name = hook.display_name().to_string();
    let fail = |msg: String| SpecError::Other(format!("hook[{name}]: {msg}"));
    if hook.kubectl_apply.is_some() {
        return Err(fail("kubectlApply hooks are not supported yet".into()));
    }
    let data = hook_data(event, ctx);
    let render = |t: &str| funcs::render("stringTemplate", t, &data, ctx.base_dir).map_err(|e| fail(e));
    let command = render(&hook.command)?;
    let args = hook.args.iter().map(|a| render(a)).collect::<Result<Vec<_>, _>>()?;
    let dir: PathBuf = if ctx.base_dir.as_os_str().is_empty() { PathBuf::from(".") } else { ctx.base_dir.to_path_buf() };
    let output = Command::new(&command)
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| fail(format!("command `{command}` failed: {e}")))?;
    if hook.show_logs {
        let prefix = format!("\nhook[{event}] logs | ");
        let text = String::from_utf8_lossy(&output.stdout).replace('\n', &prefix);
        eprintln!("{prefix}{text}");
    }
    if !output.status.success() {
        let code = output.status.code().map_or_else(|| "signal".to_string(), |c| format!("exit status {c}"));
        return Err(fail(format!("command `{command}` failed: {code}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses_unknown_fields() {
        let v = crate::yaml::parse_documents_go("- events: [prepare]\n  command: echo\n  args: [a, 1]\n  showlogs: true\n").unwrap().remove(0);
        let hooks = parse_hooks(Path::new("f"), "release \"a\"", Some(v)).unwrap();
        assert_eq!(hooks[0].args, ["a", "1"]);
        assert!(hooks[0].show_logs);
        let bad = crate::yaml::parse_documents_go("- event: [prepare]\n").unwrap().remove(0);
        assert!(parse_hooks(Path::new("f"), "x", Some(bad)).unwrap_err().to_string().contains("unknown field \"event\""));
    }
}
