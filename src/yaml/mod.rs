//! YAML as helm sees it: a YAML 1.1 parser producing JSON-like values (sigs.k8s.io/yaml over
//! go-yaml v2) and emitters byte-identical to go-yaml v2 (`toYaml`) and v3 (`toYamlPretty`).

mod emit;
mod head;
mod parse;
pub mod roundtrip;

pub use emit::{GoNode, marshal, to_yaml, to_yaml_pretty, to_yaml_v3_document};
pub use head::{ObjectHead, object_head};
pub use parse::{is_yaml_float, parse_documents, parse_documents_go, parse_values};

/// A YAML error as helm reports it from `sigs.k8s.io/yaml.Unmarshal`:
/// `error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this context`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("error converting YAML to JSON: {message}")]
pub struct YamlError {
    /// 1-based line of the problem, 0 when go-yaml gives none.
    pub line: usize,
    /// 0-based column, 0 when unknown.
    pub column: usize,
    /// go-yaml's text, with its `yaml: ` prefix and `line N: ` where it has one.
    pub message: String,
}

impl YamlError {
    fn at(line: usize, column: usize, msg: &str) -> YamlError {
        YamlError {
            line,
            column,
            message: format!("yaml: line {line}: {msg}"),
        }
    }

    fn plain_line(line: usize, msg: &str) -> YamlError {
        YamlError {
            line,
            column: 0,
            message: format!("yaml: line {line}: {msg}"),
        }
    }

    fn plain(msg: &str) -> YamlError {
        YamlError {
            line: 0,
            column: 0,
            message: format!("yaml: {msg}"),
        }
    }

    /// An error from the JSON conversion step, which carries no position.
    fn converting(msg: String) -> YamlError {
        YamlError {
            line: 0,
            column: 0,
            message: msg,
        }
    }
}

#[cfg(test)]
mod tests;
