//! Per-replication KPI tables as Parquet (arrow-rs), for `repm sweep --parquet` and
//! `repm merge --parquet FILE` (cargo feature `parquet`, on by default).
//!
//! One row per replication; columns `config_hash` (string), `seed` (u64), `shards` (u32),
//! `shard` (u32, = replication mod shards), `replication` (u64), then one nullable `f64`
//! column per scalar KPI of `RunResult::metrics` in name order (null where a replication
//! lacks the KPI; NaN and infinities are stored as they are). Uncompressed, one row group:
//! a thousand replications × 60 KPIs is under 1 MB, and no codec keeps the build small.
//! File-level key-value metadata: `repm.format` = `repm-kpi/1`, `repm.plant`.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use repm_plant::RunResult;

use crate::common::CliError;

/// Format tag written to the file metadata.
pub(crate) const KPI_FORMAT: &str = "repm-kpi/1";

/// What identifies the rows of one KPI table.
#[derive(Debug)]
pub(crate) struct KpiTable<'a> {
    /// Plant name.
    pub(crate) plant: &'a str,
    /// `config_hash` of the experiment (as in the shard manifests).
    pub(crate) config_hash: &'a str,
    /// Base seed.
    pub(crate) seed: u64,
    /// Number of shards of the experiment (1 for an unsharded run).
    pub(crate) shards: u32,
    /// The replication records, in replication order.
    pub(crate) runs: &'a [RunResult],
}

fn err(e: impl std::fmt::Display) -> CliError {
    CliError::Run(format!("cannot write Parquet: {e}"))
}

/// Encodes the table as a Parquet file.
pub(crate) fn to_parquet(t: &KpiTable<'_>) -> Result<Vec<u8>, CliError> {
    let metrics: Vec<_> = t.runs.iter().map(RunResult::metrics).collect();
    let keys: BTreeSet<&String> = metrics.iter().flat_map(|m| m.keys()).collect();
    let mut fields = vec![
        Field::new("config_hash", DataType::Utf8, false),
        Field::new("seed", DataType::UInt64, false),
        Field::new("shards", DataType::UInt32, false),
        Field::new("shard", DataType::UInt32, false),
        Field::new("replication", DataType::UInt64, false),
    ];
    let n = t.runs.len();
    let shards = t.shards.max(1);
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![t.config_hash; n])),
        Arc::new(UInt64Array::from(vec![t.seed; n])),
        Arc::new(UInt32Array::from(vec![shards; n])),
        Arc::new(UInt32Array::from_iter_values(t.runs.iter().map(|r| {
            // r mod shards < shards ≤ u32::MAX
            u32::try_from(r.replication % u64::from(shards)).unwrap_or(u32::MAX)
        }))),
        Arc::new(UInt64Array::from_iter_values(
            t.runs.iter().map(|r| r.replication),
        )),
    ];
    for k in keys {
        fields.push(Field::new(k.as_str(), DataType::Float64, true));
        columns.push(Arc::new(Float64Array::from(
            metrics
                .iter()
                .map(|m| m.get(k).copied())
                .collect::<Vec<_>>(),
        )));
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(err)?;
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![
            KeyValue::new("repm.format".to_owned(), KPI_FORMAT.to_owned()),
            KeyValue::new("repm.plant".to_owned(), t.plant.to_owned()),
        ]))
        .build();
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, schema, Some(props)).map_err(err)?;
    w.write(&batch).map_err(err)?;
    w.close().map_err(err)?;
    Ok(buf)
}
