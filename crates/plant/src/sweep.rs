//! Sharded replications: `repm sweep` runs one shard of an experiment, `repm merge` joins the
//! shards into the [`Experiment`] that [`run_replications`](crate::run_replications) gives.
//!
//! Shard `i` of `n` holds the replications `r` with `r % n == i` (strided, so shards get
//! equal work and the same count ±1). Each replication is seeded exactly as in
//! [`run_replications`](crate::run_replications): `run_replication` with the config's seed
//! set to the experiment seed and the replication index `r`. A shard is therefore a pure
//! function of (config, seed, replications, shard count, shard index), and merging all shards
//! gives bit-identical results, whatever machine, thread count or order ran them.
//!
//! A shard file ([`ShardFile`]) is TOML: a `[manifest]` and one `[[runs]]` table per
//! replication. TOML (unlike JSON) writes every `f64` — NaN and ±infinity included — so
//! that it reads back bit-identically.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::PlantConfig;
use crate::error::PlantError;
use crate::run::{Experiment, RunResult, experiment_from_runs, run_replication};

/// Format tag of shard files written by this version.
pub const SHARD_FORMAT: &str = "repm-shard/1";

/// The identity of an experiment and of one shard of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardManifest {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// Plant name.
    pub plant: String,
    /// [`config_hash`] of the plant (seed, horizon and replication count applied).
    pub config_hash: String,
    /// Base seed, as a decimal string (TOML integers stop at 2⁶³ − 1).
    pub seed: String,
    /// Replications of the whole experiment.
    pub replications: u32,
    /// Number of shards `n`.
    pub shards: u32,
    /// This shard's index `i`, `0 ≤ i < n`.
    pub shard: u32,
    /// Measured time per replication \[s\].
    pub horizon_s: f64,
    /// Warm-up \[s\].
    pub warmup_s: f64,
    /// Confidence level of the intervals \[-\].
    pub confidence: f64,
    /// Wall time the shard took \[s\] (informative, not checked).
    pub elapsed_s: f64,
}

/// One shard file: manifest and the shard's replication records in replication order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// The manifest.
    pub manifest: ShardManifest,
    /// The records of the replications `r % shards == shard`, ascending.
    #[serde(default)]
    pub runs: Vec<RunResult>,
}

impl ShardFile {
    /// Serialises the shard as TOML (bit-exact for every `f64`).
    ///
    /// # Errors
    /// [`PlantError::Invalid`] if the records cannot be written as TOML (an integer above
    /// 2⁶³ − 1).
    pub fn to_toml(&self) -> Result<String, PlantError> {
        toml::to_string(self).map_err(|e| PlantError::Invalid {
            field: "shard".into(),
            value: format!("{}/{}", self.manifest.shard, self.manifest.shards),
            reason: format!("cannot serialise: {e}"),
        })
    }

    /// Parses a shard file; `file` names it in errors.
    ///
    /// # Errors
    /// [`PlantError::Parse`] for bad TOML or records that do not match the schema,
    /// [`PlantError::InvalidAt`] for another format version.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self, PlantError> {
        let s: ShardFile =
            toml::from_str(text).map_err(|e| crate::config::toml_error(text, file, &e))?;
        if s.manifest.format != SHARD_FORMAT {
            return Err(PlantError::InvalidAt {
                file: file.to_owned(),
                line: crate::config::locate_field(text, "manifest.format").unwrap_or(0),
                field: "manifest.format".into(),
                value: format!("{:?}", s.manifest.format),
                reason: format!("expected {SHARD_FORMAT:?}"),
            });
        }
        Ok(s)
    }

    /// The base seed of the manifest.
    ///
    /// # Errors
    /// [`PlantError::Invalid`] if it is not a decimal `u64`.
    pub fn seed(&self) -> Result<u64, PlantError> {
        self.manifest.seed.parse().map_err(|_| PlantError::Invalid {
            field: "manifest.seed".into(),
            value: format!("{:?}", self.manifest.seed),
            reason: "must be a decimal integer in 0 … 2^64 − 1".into(),
        })
    }
}

/// FNV-1a, 64 bit, of `bytes` (a fixed, documented hash: the same on every platform).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Fingerprint of a plant as run: `fnv1a64:` and 16 hex digits of the FNV-1a 64-bit hash of
/// the config's compact JSON (after `extends`/`overrides` and command-line overrides).
///
/// # Errors
/// [`PlantError::Invalid`] if the config cannot be serialised (a non-finite value).
pub fn config_hash(cfg: &PlantConfig) -> Result<String, PlantError> {
    let json = serde_json::to_vec(cfg).map_err(|e| PlantError::Invalid {
        field: "config".into(),
        value: cfg.name.clone(),
        reason: format!("cannot serialise: {e}"),
    })?;
    Ok(format!("fnv1a64:{:016x}", fnv1a64(&json)))
}

fn check_shard(replications: u32, shards: u32, shard: u32) -> Result<(), PlantError> {
    if replications == 0 {
        return Err(PlantError::Invalid {
            field: "replications".into(),
            value: "0".into(),
            reason: "must be >= 1".into(),
        });
    }
    if shards == 0 || shard >= shards {
        return Err(PlantError::Invalid {
            field: "shard".into(),
            value: format!("{shard}/{shards}"),
            reason: "must be i/n with n >= 1 and 0 <= i < n".into(),
        });
    }
    Ok(())
}

/// The replication indices of shard `shard` of `shards`: `r < replications` with
/// `r % shards == shard`, ascending.
#[must_use]
pub fn shard_replications(replications: u32, shards: u32, shard: u32) -> Vec<u64> {
    if shards == 0 {
        return Vec::new();
    }
    (u64::from(shard)..u64::from(replications))
        .step_by(shards as usize)
        .collect()
}

/// Runs shard `shard` of `shards` of an experiment of `replications` replications of `cfg`
/// with base seed `seed`, on the current rayon pool, calling `progress(r)` when replication
/// `r` has finished (`&|_| {}` for none). `elapsed_s` of the manifest is 0 (the caller may
/// set it).
///
/// # Errors
/// [`PlantError::Invalid`] for 0 replications or a shard index out of range; the error of
/// the lowest-index failing replication.
pub fn run_shard(
    cfg: &PlantConfig,
    replications: u32,
    seed: u64,
    shards: u32,
    shard: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ShardFile, PlantError> {
    check_shard(replications, shards, shard)?;
    let mut c = cfg.clone();
    c.seed = seed;
    c.replications = replications;
    let config_hash = config_hash(&c)?;
    let outcomes: Vec<Result<RunResult, PlantError>> =
        shard_replications(replications, shards, shard)
            .into_par_iter()
            .map(|r| {
                let out = run_replication(&c, r);
                progress(r);
                out
            })
            .collect();
    let runs = outcomes.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(ShardFile {
        manifest: ShardManifest {
            format: SHARD_FORMAT.to_owned(),
            plant: c.name.clone(),
            config_hash,
            seed: seed.to_string(),
            replications,
            shards,
            shard,
            horizon_s: c.horizon,
            warmup_s: c.warmup,
            confidence: c.confidence,
            elapsed_s: 0.0,
        },
        runs,
    })
}

/// The experiment joined from shards, and what the summary needs from the manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The experiment, as [`run_replications`](crate::run_replications) would return it.
    pub experiment: Experiment,
    /// The common manifest (of shard 0, `elapsed_s` summed over the shards).
    pub manifest: ShardManifest,
}

fn mismatch(file: &str, field: &str, value: String, first: &str, expected: String) -> PlantError {
    PlantError::InvalidAt {
        file: file.to_owned(),
        line: 0,
        field: format!("manifest.{field}"),
        value,
        reason: format!("differs from `{first}` ({expected}): shards of different experiments"),
    }
}

/// Joins the shards `(file name, shard)` of one experiment. Checks that every manifest
/// describes the same experiment (plant, config hash, seed, replications, shard count,
/// horizon, warm-up, confidence), that each shard index appears once, that each shard holds
/// exactly its replications, and that no shard is missing.
///
/// # Errors
/// [`PlantError::InvalidAt`] naming the file and field of the first inconsistency;
/// [`PlantError::Invalid`] naming the missing shards (and their replications) or an empty
/// input.
pub fn merge_shards(shards: Vec<(String, ShardFile)>) -> Result<Merged, PlantError> {
    merge_shards_inner(shards).map_err(with_line)
}

/// Fills in the line of an error's field (`manifest.seed`, `runs`) by reading the shard file
/// named in it, when it can be read (shard files are written by `run_shard` in a fixed
/// layout, so the field's line is found reliably).
fn with_line(e: PlantError) -> PlantError {
    match e {
        PlantError::InvalidAt {
            file,
            line: 0,
            field,
            value,
            reason,
        } => {
            let line = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| crate::config::locate_field(&t, &field))
                .unwrap_or(0);
            PlantError::InvalidAt {
                file,
                line,
                field,
                value,
                reason,
            }
        }
        other => other,
    }
}

fn merge_shards_inner(shards: Vec<(String, ShardFile)>) -> Result<Merged, PlantError> {
    let Some((first_name, first)) = shards.first() else {
        return Err(PlantError::Invalid {
            field: "shards".into(),
            value: "none".into(),
            reason: "no shard files to merge".into(),
        });
    };
    let first_name = first_name.clone();
    let m0 = first.manifest.clone();
    let seed = first.seed().map_err(|e| at(&first_name, e))?;
    let n = m0.shards;
    let mut by_index: BTreeMap<u32, (String, ShardFile)> = BTreeMap::new();
    let mut elapsed = 0.0;
    for (name, s) in shards {
        let m = &s.manifest;
        let checks: [(&str, String, String); 8] = [
            ("plant", m.plant.clone(), m0.plant.clone()),
            ("seed", m.seed.clone(), m0.seed.clone()),
            (
                "replications",
                m.replications.to_string(),
                m0.replications.to_string(),
            ),
            ("shards", m.shards.to_string(), m0.shards.to_string()),
            (
                "horizon_s",
                m.horizon_s.to_bits().to_string(),
                m0.horizon_s.to_bits().to_string(),
            ),
            (
                "warmup_s",
                m.warmup_s.to_bits().to_string(),
                m0.warmup_s.to_bits().to_string(),
            ),
            (
                "confidence",
                m.confidence.to_bits().to_string(),
                m0.confidence.to_bits().to_string(),
            ),
            // last: the specific fields above name the difference when there is one
            ("config_hash", m.config_hash.clone(), m0.config_hash.clone()),
        ];
        for (field, v, v0) in checks {
            if v != v0 {
                return Err(mismatch(&name, field, v, &first_name, v0));
            }
        }
        check_shard(m.replications, m.shards, m.shard).map_err(|e| at(&name, e))?;
        let expected = shard_replications(m.replications, m.shards, m.shard);
        let got: Vec<u64> = s.runs.iter().map(|r| r.replication).collect();
        if got != expected {
            let (kind, list) = diff(&expected, &got);
            return Err(PlantError::InvalidAt {
                file: name,
                line: 0,
                field: "runs".into(),
                value: format!("replications {got:?}"),
                reason: format!(
                    "shard {}/{} must hold replications {expected:?}: {kind} {list:?}",
                    m.shard, m.shards
                ),
            });
        }
        elapsed += m.elapsed_s;
        if let Some((other, _)) = by_index.get(&m.shard) {
            return Err(PlantError::InvalidAt {
                file: name,
                line: 0,
                field: "manifest.shard".into(),
                value: format!("{}/{}", m.shard, m.shards),
                reason: format!("duplicate: shard {} is also in `{other}`", m.shard),
            });
        }
        by_index.insert(m.shard, (name, s));
    }
    let missing: Vec<u32> = (0..n).filter(|i| !by_index.contains_key(i)).collect();
    if !missing.is_empty() {
        let reps: Vec<u64> = missing
            .iter()
            .flat_map(|&i| shard_replications(m0.replications, n, i))
            .collect();
        return Err(PlantError::Invalid {
            field: "shards".into(),
            value: format!("{} of {n} present", by_index.len()),
            reason: format!("missing shard(s) {missing:?} (replications {reps:?})"),
        });
    }
    let mut runs: Vec<RunResult> = by_index.into_values().flat_map(|(_, s)| s.runs).collect();
    runs.sort_by_key(|r| r.replication);
    let experiment = experiment_from_runs(&m0.plant, seed, m0.confidence, runs)?;
    Ok(Merged {
        experiment,
        manifest: ShardManifest {
            elapsed_s: elapsed,
            ..m0
        },
    })
}

/// Attaches a file name to a context-free error.
fn at(file: &str, e: PlantError) -> PlantError {
    match e {
        PlantError::Invalid {
            field,
            value,
            reason,
        } => PlantError::InvalidAt {
            file: file.to_owned(),
            line: 0,
            field,
            value,
            reason,
        },
        other => other,
    }
}

/// Describes how `got` differs from `expected`: missing, duplicate or foreign replications.
fn diff(expected: &[u64], got: &[u64]) -> (&'static str, Vec<u64>) {
    let missing: Vec<u64> = expected
        .iter()
        .copied()
        .filter(|r| !got.contains(r))
        .collect();
    if !missing.is_empty() {
        return ("missing", missing);
    }
    let mut seen = Vec::new();
    let mut dup = Vec::new();
    for r in got {
        if seen.contains(r) {
            dup.push(*r);
        } else {
            seen.push(*r);
        }
    }
    if !dup.is_empty() {
        return ("duplicate", dup);
    }
    let foreign: Vec<u64> = got
        .iter()
        .copied()
        .filter(|r| !expected.contains(r))
        .collect();
    if !foreign.is_empty() {
        return ("not of this shard", foreign);
    }
    ("out of order", got.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_replications() {
        let mut all: Vec<u64> = (0..4).flat_map(|i| shard_replications(10, 4, i)).collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(shard_replications(10, 4, 1), vec![1, 5, 9]);
        assert!(shard_replications(2, 5, 3).is_empty());
    }

    #[test]
    fn fnv1a64_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn shard_toml_round_trips_every_float_bit_exactly() {
        let mut cfg = PlantConfig::reference().unwrap();
        cfg.horizon = 2.0 * 86_400.0;
        cfg.warmup = 0.0;
        let mut s = run_shard(&cfg, 3, 7, 2, 0, &|_| {}).unwrap();
        assert_eq!(s.runs.len(), 2);
        let r = &mut s.runs[0];
        r.br_mean = f64::NAN;
        r.cost_per_kg = f64::INFINITY;
        r.co2e_per_kg = f64::NEG_INFINITY;
        r.oxygen_ppm = -0.0;
        r.heavy_re_g_per_kg = 5e-324;
        r.throughput_t_per_y = 0.1 + 0.2;
        let text = s.to_toml().unwrap();
        let back = ShardFile::from_toml_str(&text, "x.toml").unwrap();
        let a = serde_json::to_string(&s.runs).unwrap();
        let b = serde_json::to_string(&back.runs).unwrap();
        assert_eq!(a, b);
        let (x, y) = (&s.runs[0], &back.runs[0]);
        for (u, v) in [
            (x.br_mean, y.br_mean),
            (x.cost_per_kg, y.cost_per_kg),
            (x.co2e_per_kg, y.co2e_per_kg),
            (x.oxygen_ppm, y.oxygen_ppm),
            (x.heavy_re_g_per_kg, y.heavy_re_g_per_kg),
            (x.throughput_t_per_y, y.throughput_t_per_y),
        ] {
            assert_eq!(u.to_bits(), v.to_bits());
        }
    }
}
