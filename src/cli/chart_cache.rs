//! Charts loaded once per run: every release of the same chart (path, helm compatibility)
//! renders from one parse of its files, each from its own copy of the chart's values (values
//! are shared Go-like maps, and rendering may write into them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::chart::loader::{LoadError, load_path_as};
use crate::chart::model::Chart;
use crate::release::ChartRecord;
use crate::funcs::HelmCompat;
use crate::value::Value;

#[derive(Default)]
pub struct ChartCache {
    loaded: HashMap<(PathBuf, bool), Chart>,
    /// The release record of each chart, shared by its releases (made from the chart as
    /// loaded, before any render).
    records: HashMap<(PathBuf, bool), Arc<ChartRecord>>,
}

/// `chart` with new maps for its values and its subcharts' values.
fn fresh(chart: &Chart) -> Chart {
    let mut out = chart.clone();
    if let Value::Map(m) = Value::Map(chart.values.clone()).deep_copy() {
        out.values = m;
    }
    out.subcharts = chart.subcharts.iter().map(fresh).collect();
    out
}

impl ChartCache {
    /// The chart at `path`, loaded on first use; a copy the caller may render.
    pub fn get(&mut self, path: &Path, compat: HelmCompat) -> Result<Chart, LoadError> {
        let key = (path.to_path_buf(), compat == HelmCompat::V4);
        if let Some(c) = self.loaded.get(&key) {
            return Ok(fresh(c));
        }
        let chart = load_path_as(path, compat)?;
        let copy = fresh(&chart);
        self.loaded.insert(key, chart);
        Ok(copy)
    }

    /// The record of the chart at `path`; `loaded` is a copy [`ChartCache::get`] gave, not yet
    /// rendered.
    pub fn record(&mut self, path: &Path, compat: HelmCompat, loaded: &Chart) -> Arc<ChartRecord> {
        let key = (path.to_path_buf(), compat == HelmCompat::V4);
        self.records.entry(key).or_insert_with(|| Arc::new(ChartRecord::of(loaded))).clone()
    }
}

