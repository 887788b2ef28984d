//! Three-way diff of Kubernetes objects (last release, live, desired): normalisation, secret
//! masking, unified and JSON output. Pure: works on values it is handed.
