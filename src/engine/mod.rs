//! The release engine: builds the release DAG and the `Plan` from resolved releases, rendered
//! manifests and live state, then executes it with bounded parallelism.
