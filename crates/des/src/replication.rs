//! Independent replications in parallel, with Student-t confidence intervals.
//!
//! A replication is a pure function of `(seed, replication index)`: the user closure builds a
//! simulation whose random streams derive from [`Replication::seed`] and
//! [`Replication::index`], runs it, and returns a record (any `Send` type; a
//! `BTreeMap<String, f64>` works out of the box with [`Replications::summary`]).
//! [`ReplicationRunner::run`] spreads the replications over the current rayon thread pool and
//! collects the records **in replication order**, so the records and every summary computed
//! from them are bit-identical whatever the number of threads.
//!
//! Confidence intervals use the classical independent-replications method (Law, *Simulation
//! Modeling and Analysis*, 5th ed., 2015, §9.4.1): for `n` replication means `Y₁ … Yₙ` with
//! sample mean `Ȳ` and sample standard deviation `S`, the `100(1−α) %` interval is
//! `Ȳ ± t₍ₙ₋₁, 1−α/2₎ · S/√n`, with the Student-t quantile from `statrs`.
//! Scenario comparisons with common random numbers use [`paired_difference`] (Law §10.2.1).
//! Method and assumptions: `docs/science/des.md`, §12 "Replications and confidence intervals".
//!
//! ```
//! use std::collections::BTreeMap;
//! use repm_des::replication::ReplicationRunner;
//!
//! let runner = ReplicationRunner::new(20, 42)?;
//! let result = runner.run(|rep| {
//!     // A real closure builds and runs a simulation seeded from (rep.seed, rep.index).
//!     let x = (rep.index as f64).sin();
//!     Ok::<_, repm_des::DesError>(BTreeMap::from([("x".to_owned(), x)]))
//! })?;
//! let ci = &result.summary()?["x"];
//! assert!(ci.half_width > 0.0);
//! # Ok::<(), repm_des::DesError>(())
//! ```

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::DesError;

/// Default confidence level of the intervals [-].
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// Identity of one replication, handed to the user closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Replication {
    /// The experiment's base seed (the same for every replication).
    pub seed: u64,
    /// Replication index `0 … n−1`; random streams derive from `(seed, index, name)`
    /// (see [`crate::rng::stream`]).
    pub index: u64,
}

/// Runs `n` independent replications of an experiment. Deserialisation validates like
/// [`ReplicationRunner::new`] and [`ReplicationRunner::with_confidence`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RunnerState")]
pub struct ReplicationRunner {
    replications: u32,
    seed: u64,
    confidence: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunnerState {
    replications: u32,
    seed: u64,
    #[serde(default = "default_confidence")]
    confidence: f64,
}

fn default_confidence() -> f64 {
    DEFAULT_CONFIDENCE
}

impl TryFrom<RunnerState> for ReplicationRunner {
    type Error = DesError;
    fn try_from(s: RunnerState) -> Result<Self, DesError> {
        ReplicationRunner::new(s.replications, s.seed)?.with_confidence(s.confidence)
    }
}

impl ReplicationRunner {
    /// `replications` replications from base seed `seed`, 95 % confidence intervals.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] when `replications` is 0.
    pub fn new(replications: u32, seed: u64) -> Result<Self, DesError> {
        if replications == 0 {
            return Err(DesError::InvalidParameter {
                name: "replications".to_owned(),
                value: "0".to_owned(),
                reason: "must be at least 1 (at least 2 for a confidence interval)".to_owned(),
            });
        }
        Ok(Self {
            replications,
            seed,
            confidence: DEFAULT_CONFIDENCE,
        })
    }

    /// Sets the confidence level `0 < level < 1` of the intervals [-].
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] when `level` is outside `(0, 1)` or NaN.
    pub fn with_confidence(mut self, level: f64) -> Result<Self, DesError> {
        check_level(level)?;
        self.confidence = level;
        Ok(self)
    }

    /// Number of replications.
    #[must_use]
    pub fn replications(&self) -> u32 {
        self.replications
    }

    /// Base seed.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Confidence level [-].
    #[must_use]
    pub fn confidence(&self) -> f64 {
        self.confidence
    }

    /// Runs every replication on the current rayon pool (the global one, or the pool of an
    /// enclosing `ThreadPool::install`) and returns the records in replication order.
    ///
    /// # Errors
    /// The error of the *lowest-index* failing replication (deterministic whatever the
    /// scheduling); the other replications still run to completion.
    pub fn run<R, E, F>(&self, experiment: F) -> Result<Replications<R>, E>
    where
        R: Send,
        E: Send,
        F: Fn(Replication) -> Result<R, E> + Sync + Send,
    {
        let seed = self.seed;
        let outcomes: Vec<Result<R, E>> = (0..self.replications)
            .into_par_iter()
            .map(|index| {
                experiment(Replication {
                    seed,
                    index: u64::from(index),
                })
            })
            .collect();
        let records = outcomes.into_iter().collect::<Result<Vec<R>, E>>()?;
        Ok(Replications {
            seed,
            confidence: self.confidence,
            records,
        })
    }
}

/// The records of a set of replications, in replication order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replications<R> {
    /// Base seed of the experiment.
    pub seed: u64,
    /// Confidence level used by the summaries [-].
    pub confidence: f64,
    /// One record per replication, `records[i]` from replication `i`.
    pub records: Vec<R>,
}

impl<R> Replications<R> {
    /// Confidence interval of the mean of `metric(record)` over the replications.
    ///
    /// # Errors
    /// As [`confidence_interval`].
    pub fn interval<F: Fn(&R) -> f64>(&self, metric: F) -> Result<ConfidenceInterval, DesError> {
        let sample: Vec<f64> = self.records.iter().map(metric).collect();
        confidence_interval(&sample, self.confidence)
    }
}

impl Replications<BTreeMap<String, f64>> {
    /// Confidence interval for every key present in the records.
    ///
    /// # Errors
    /// [`DesError::InsufficientData`] when a key is missing from some record or there are fewer
    /// than two replications; [`DesError::InvalidParameter`] for a non-finite value.
    pub fn summary(&self) -> Result<BTreeMap<String, ConfidenceInterval>, DesError> {
        let mut keys: Vec<&String> = self.records.iter().flat_map(BTreeMap::keys).collect();
        keys.sort();
        keys.dedup();
        let mut out = BTreeMap::new();
        for key in keys {
            let sample: Vec<f64> = self
                .records
                .iter()
                .filter_map(|r| r.get(key).copied())
                .collect();
            if sample.len() != self.records.len() {
                return Err(DesError::InsufficientData {
                    what: format!("metric `{key}` (missing from some replications)"),
                    needed: self.records.len(),
                    got: sample.len(),
                });
            }
            out.insert(key.clone(), confidence_interval(&sample, self.confidence)?);
        }
        Ok(out)
    }
}

/// A two-sided Student-t confidence interval for a mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// Number of observations (replications).
    pub n: usize,
    /// Sample mean [unit of the metric].
    pub mean: f64,
    /// Sample standard deviation `S` [unit of the metric].
    pub std_dev: f64,
    /// Half-width `t₍ₙ₋₁, 1−α/2₎ · S/√n` [unit of the metric].
    pub half_width: f64,
    /// Confidence level `1 − α` [-].
    pub level: f64,
}

impl ConfidenceInterval {
    /// Lower bound `mean − half_width`.
    #[must_use]
    pub fn lower(&self) -> f64 {
        self.mean - self.half_width
    }

    /// Upper bound `mean + half_width`.
    #[must_use]
    pub fn upper(&self) -> f64 {
        self.mean + self.half_width
    }

    /// Whether `x` lies in the closed interval.
    #[must_use]
    pub fn contains(&self, x: f64) -> bool {
        self.lower() <= x && x <= self.upper()
    }

    /// Half-width relative to `|mean|` [-] (∞ for a zero mean with non-zero half-width).
    #[must_use]
    pub fn relative_half_width(&self) -> f64 {
        if self.half_width == 0.0 {
            0.0
        } else {
            self.half_width / self.mean.abs()
        }
    }
}

impl std::fmt::Display for ConfidenceInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = f.precision().unwrap_or(4);
        write!(f, "{:.p$} ± {:.p$}", self.mean, self.half_width)
    }
}

/// Student-t confidence interval at `level` for the mean of `sample` (independent,
/// identically distributed observations — e.g. one value per replication).
///
/// # Errors
/// [`DesError::InsufficientData`] with fewer than two values; [`DesError::InvalidParameter`]
/// for a non-finite value or a level outside `(0, 1)`.
pub fn confidence_interval(sample: &[f64], level: f64) -> Result<ConfidenceInterval, DesError> {
    check_level(level)?;
    if sample.len() < 2 {
        return Err(DesError::InsufficientData {
            what: "confidence interval".to_owned(),
            needed: 2,
            got: sample.len(),
        });
    }
    let mut tally = crate::stats::Tally::new();
    for (i, &x) in sample.iter().enumerate() {
        crate::stats::check_finite(&format!("sample[{i}]"), x)?;
        tally.record(x);
    }
    let n = sample.len();
    let (Some(mean), Some(std_dev)) = (tally.mean(), tally.std_dev()) else {
        return Err(DesError::InsufficientData {
            what: "confidence interval".to_owned(),
            needed: 2,
            got: n,
        });
    };
    let t = student_t_quantile(n - 1, 0.5 + level / 2.0)?;
    Ok(ConfidenceInterval {
        n,
        mean,
        std_dev,
        half_width: t * std_dev / (n as f64).sqrt(),
        level,
    })
}

/// Confidence interval of the mean paired difference `a[i] − b[i]` (common random numbers:
/// replication `i` of both scenarios used the same seed and index). The positive correlation
/// that common random numbers induce makes this interval narrower than comparing two
/// independent intervals.
///
/// # Errors
/// [`DesError::InvalidParameter`] when the samples differ in length; otherwise as
/// [`confidence_interval`].
pub fn paired_difference(a: &[f64], b: &[f64], level: f64) -> Result<ConfidenceInterval, DesError> {
    if a.len() != b.len() {
        return Err(DesError::InvalidParameter {
            name: "paired_difference.b.len".to_owned(),
            value: b.len().to_string(),
            reason: format!("must equal the length of a ({})", a.len()),
        });
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    confidence_interval(&d, level)
}

/// Quantile `p` of Student's t distribution with `dof` degrees of freedom.
///
/// # Errors
/// [`DesError::InvalidParameter`] when `dof` is 0 or `p` outside `(0, 1)`.
pub fn student_t_quantile(dof: usize, p: f64) -> Result<f64, DesError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(DesError::InvalidParameter {
            name: "student_t_quantile.p".to_owned(),
            value: p.to_string(),
            reason: "must lie in (0, 1)".to_owned(),
        });
    }
    let dist = StudentsT::new(0.0, 1.0, dof as f64).map_err(|e| DesError::InvalidParameter {
        name: "student_t_quantile.dof".to_owned(),
        value: dof.to_string(),
        reason: e.to_string(),
    })?;
    Ok(dist.inverse_cdf(p))
}

fn check_level(level: f64) -> Result<(), DesError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(DesError::InvalidParameter {
            name: "confidence".to_owned(),
            value: level.to_string(),
            reason: "must lie in (0, 1)".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn t_quantiles_match_tables() {
        // Two-sided 95 % critical values, e.g. NIST/SEMATECH e-Handbook Table 1.3.6.7.2.
        assert_relative_eq!(
            student_t_quantile(1, 0.975).unwrap(),
            12.706,
            max_relative = 1e-4
        );
        assert_relative_eq!(
            student_t_quantile(9, 0.975).unwrap(),
            2.262,
            max_relative = 2e-4
        );
        assert_relative_eq!(
            student_t_quantile(19, 0.975).unwrap(),
            2.093,
            max_relative = 2e-4
        );
        assert_relative_eq!(
            student_t_quantile(29, 0.995).unwrap(),
            2.756,
            max_relative = 2e-4
        );
        assert!(student_t_quantile(0, 0.975).is_err());
        assert!(student_t_quantile(5, 1.0).is_err());
    }

    #[test]
    fn interval_of_a_known_sample() {
        // mean 5, S² = 32/7, n = 8, t(7, .975) = 2.364624
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let ci = confidence_interval(&xs, 0.95).unwrap();
        assert_relative_eq!(ci.mean, 5.0);
        let hw = 2.364_624_251_6 * (32.0_f64 / 7.0).sqrt() / 8.0_f64.sqrt();
        assert_relative_eq!(ci.half_width, hw, max_relative = 1e-8);
        assert!(ci.contains(5.0) && !ci.contains(7.0));
        assert!(confidence_interval(&[1.0], 0.95).is_err());
        assert!(confidence_interval(&[1.0, f64::NAN], 0.95).is_err());
        assert!(confidence_interval(&xs, 1.0).is_err());
        assert!(confidence_interval(&xs, f64::NAN).is_err());
    }

    #[test]
    fn paired_difference_cancels_common_noise() {
        let a = [10.0, 12.0, 9.0, 15.0, 11.0];
        let b: Vec<f64> = a.iter().map(|x| x - 1.0 + 0.01 * x).collect();
        let d = paired_difference(&a, &b, 0.95).unwrap();
        let ia = confidence_interval(&a, 0.95).unwrap();
        assert!(d.half_width < 0.1 * ia.half_width);
        assert!(paired_difference(&a, &b[..3], 0.95).is_err());
    }

    #[test]
    fn runner_validates_and_reports_lowest_failing_index() {
        assert!(ReplicationRunner::new(0, 1).is_err());
        assert!(
            ReplicationRunner::new(3, 1)
                .unwrap()
                .with_confidence(0.0)
                .is_err()
        );
        let runner = ReplicationRunner::new(16, 7).unwrap();
        let err = runner
            .run(|r| {
                if r.index % 5 == 3 {
                    Err(r.index)
                } else {
                    Ok(r.index)
                }
            })
            .unwrap_err();
        assert_eq!(err, 3);
        let ok = runner.run(|r| Ok::<_, ()>(r.index)).unwrap();
        assert_eq!(ok.records, (0..16).collect::<Vec<u64>>());
    }

    #[test]
    fn summary_requires_every_key() {
        let reps = Replications {
            seed: 0,
            confidence: 0.95,
            records: vec![
                BTreeMap::from([("a".to_owned(), 1.0), ("b".to_owned(), 2.0)]),
                BTreeMap::from([("a".to_owned(), 3.0)]),
            ],
        };
        assert!(matches!(
            reps.summary(),
            Err(DesError::InsufficientData { .. })
        ));
    }

    #[test]
    fn runner_deserialisation_validates() {
        let ok: ReplicationRunner =
            serde_json::from_str(r#"{"replications": 5, "seed": 1}"#).unwrap();
        assert_eq!((ok.replications(), ok.seed()), (5, 1));
        assert!(
            serde_json::from_str::<ReplicationRunner>(r#"{"replications": 0, "seed": 1}"#).is_err()
        );
        assert!(
            serde_json::from_str::<ReplicationRunner>(
                r#"{"replications": 5, "seed": 1, "confidence": 1.5}"#
            )
            .is_err()
        );
    }
}
