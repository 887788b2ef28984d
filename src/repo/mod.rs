//! Chart sources: HTTP(S), S3 and OCI repositories and local paths; the content-addressed cache,
//! lock files, air-gap bundles and publishing.
