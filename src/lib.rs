//! deployer: a native, helm-free Kubernetes deployer for helmfile repos.
//!
//! The data flows spec → releases → charts → render → diff/apply → release store; see
//! ARCHITECTURE.md for the module map and which module may use which.

pub mod chart;
pub mod cli;
pub mod diff;
pub mod engine;
pub mod funcs;
pub mod gotmpl;
pub mod kube;
pub mod release;
pub mod repo;
pub mod semver;
pub mod spec;
pub mod value;
pub mod yaml;

#[cfg(test)]
mod layering;
