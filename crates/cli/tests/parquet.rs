//! `repm sweep --parquet` and `repm merge --parquet`: the per-replication KPI table read back
//! with the parquet reader holds exactly (bit for bit) the values of the merged `--json`.
#![cfg(feature = "parquet")]

use std::path::Path;

use arrow_array::{Array, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use repm_plant::Experiment;

mod common;
use common::{repm, tmp};

fn read(path: &Path) -> RecordBatch {
    let f = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1);
    batches.into_iter().next().unwrap()
}

fn col<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<T>()
        .unwrap_or_else(|| panic!("column {name} has another type"))
}

#[test]
fn sweep_merge_parquet_round_trip_is_bit_identical_to_json() {
    let dir = tmp("sweep");
    for shard in ["0/2", "1/2"] {
        let o = repm(&[
            "sweep",
            "-n",
            "3",
            "--seed",
            "11",
            "--horizon",
            "10 d",
            "--shard",
            shard,
            "--out",
            dir.to_str().unwrap(),
            "--parquet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let json = tmp("merged.json");
    let pq = tmp("merged.parquet");
    let o = repm(&[
        "merge",
        dir.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--parquet",
        pq.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e: Experiment = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let b = read(&pq);
    assert_eq!(b.num_rows(), 3);
    let hash = col::<StringArray>(&b, "config_hash");
    let seed = col::<UInt64Array>(&b, "seed");
    let shard = col::<UInt32Array>(&b, "shard");
    let rep = col::<UInt64Array>(&b, "replication");
    let mut compared = 0;
    for (i, run) in e.runs.iter().enumerate() {
        assert!(hash.value(i).starts_with("fnv1a64:"));
        assert_eq!(seed.value(i), 11);
        assert_eq!(rep.value(i), run.replication);
        assert_eq!(u64::from(shard.value(i)), run.replication % 2);
        for (k, v) in run.metrics() {
            let c = col::<Float64Array>(&b, &k);
            if v.is_finite() {
                assert!(!c.is_null(i), "{k}[{i}] is null");
                assert_eq!(c.value(i).to_bits(), v.to_bits(), "{k}[{i}]");
                compared += 1;
            }
        }
    }
    assert!(compared > 60, "only {compared} values compared");
    // each shard wrote its own rows next to its TOML file
    let s1 = read(&dir.join("shard-00001-of-00002.parquet"));
    assert_eq!(s1.num_rows(), 1);
    assert_eq!(col::<UInt64Array>(&s1, "replication").value(0), 1);
    let h1 = col::<StringArray>(&s1, "config_hash").value(0).to_owned();
    assert_eq!(h1, hash.value(0));
}
