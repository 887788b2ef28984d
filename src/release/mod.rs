//! Release records in helm's own format (Secrets `sh.helm.release.v1.<name>.v<rev>`) and the
//! `ReleaseStore` that reads, writes, locks and prunes them; `ops` performs install/upgrade,
//! rollback and uninstall with server-side apply, writing records helm 3 and 4 accept.

pub mod hooks;
pub mod ops;
pub mod record;
pub mod store;

pub use hooks::{HookError, run_hooks};
pub use ops::{DEFAULT_TIMEOUT, DeployOptions, Desired, OpError, Uninstalled, cancelled, deploy, rollback, uninstall, uninstall_with};
pub use record::{ChartRecord, Hook, Info, Release, Status};
pub use store::{ListFilter, ReleaseStore, StoreError, StoredRecord, latest_per_release, list_records, list_stored_records, list_view};
