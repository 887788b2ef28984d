//! Release records in helm's own format (Secrets `sh.helm.release.v1.<name>.v<rev>`) and the
//! `ReleaseStore` that reads, writes, locks and prunes them.
