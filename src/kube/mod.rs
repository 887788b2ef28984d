//! Cluster access: kubeconfig, clients per context, discovery, server-side apply, bulk reads of
//! live state, readiness waits.
