//! A release's diff in a form that can cross threads (the engine diffs releases on a pool),
//! keeping only what is printed: the values of changed objects and of drift. Unchanged objects
//! keep their id and outcome; their `before`/`after` are not carried (nothing reads them).

use crate::value::Detached;

use super::{ChangeKind, Drift, ObjectDiff, ObjectId, ReleaseDiff};

#[derive(Debug, Clone)]
enum SentDrift {
    Modified { last: Detached, live: Detached },
    Deleted,
}

#[derive(Debug, Clone)]
struct SentObject {
    id: ObjectId,
    api_version: String,
    source: Option<String>,
    change: ChangeKind,
    before: Option<Detached>,
    after: Option<Detached>,
    drift: Option<SentDrift>,
    kept: bool,
    exact: bool,
}

/// [`ReleaseDiff::send`]'s result; [`SentDiff::receive`] makes it a `ReleaseDiff` again.
#[derive(Debug, Clone)]
pub struct SentDiff {
    release: String,
    namespace: String,
    objects: Vec<SentObject>,
}

/// Values of diffs are plain data (no objects); a value that is not is shown as nil.
fn detach(v: &crate::value::Value) -> Detached {
    v.detach().unwrap_or(Detached::Nil)
}

impl ReleaseDiff {
    /// A `Send` copy holding the values of changed and drifted objects only.
    pub fn send(&self) -> SentDiff {
        let objects = self
            .objects
            .iter()
            .map(|o| {
                let shown = o.change != ChangeKind::Unchanged;
                SentObject {
                    id: o.id.clone(),
                    api_version: o.api_version.clone(),
                    source: o.source.clone(),
                    change: o.change,
                    before: o.before.as_ref().filter(|_| shown).map(detach),
                    after: o.after.as_ref().filter(|_| shown).map(detach),
                    drift: o.drift.as_ref().map(|d| match d {
                        Drift::Modified { last, live } => SentDrift::Modified { last: detach(last), live: detach(live) },
                        Drift::Deleted => SentDrift::Deleted,
                    }),
                    kept: o.kept,
                    exact: o.exact,
                }
            })
            .collect();
        SentDiff { release: self.release.clone(), namespace: self.namespace.clone(), objects }
    }
}

impl SentDiff {
    pub fn receive(&self) -> ReleaseDiff {
        let objects = self
            .objects
            .iter()
            .map(|o| ObjectDiff {
                id: o.id.clone(),
                api_version: o.api_version.clone(),
                source: o.source.clone(),
                change: o.change,
                before: o.before.as_ref().map(Detached::attach),
                after: o.after.as_ref().map(Detached::attach),
                drift: o.drift.as_ref().map(|d| match d {
                    SentDrift::Modified { last, live } => Drift::Modified { last: last.attach(), live: live.attach() },
                    SentDrift::Deleted => Drift::Deleted,
                }),
                kept: o.kept,
                exact: o.exact,
            })
            .collect();
        ReleaseDiff { release: self.release.clone(), namespace: self.namespace.clone(), objects }
    }
}
