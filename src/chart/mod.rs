//! Charts: the model, the loader (directory, .tgz, bytes), values coalescing, dependencies,
//! schema validation and rendering with helm's template-set rules and output order.
//! No network and no cluster IO: sources hand charts over as bytes.

pub mod dependencies;
pub mod engine;
pub mod lint;
pub mod loader;
pub mod manifest;
pub mod model;
pub mod objects;
pub mod output_dir;
pub mod package;
pub mod schema;
pub mod strvals;
pub mod template;
pub mod values;

pub use engine::{Engine, RenderError, Renderable};
