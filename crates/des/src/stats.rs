//! Output statistics: tallies, time-weighted averages, counters, histograms and a named registry.
//!
//! All collectors are plain data (`serde`-serialisable, so checkpoints carry them), allocate nothing
//! per observation, and support *warm-up deletion*: `reset(t)` forgets everything observed before
//! the simulated time `t` while keeping the current state of a time-weighted signal, so that the
//! steady-state estimate is not biased by the empty-and-idle start.
//!
//! | collector | observes | typical use |
//! |---|---|---|
//! | [`Tally`] | independent observations `x₁, x₂, …` | waiting times, lot masses |
//! | [`TimeWeighted`] | a piecewise-constant signal `v(t)` | queue length, busy servers, WIP |
//! | [`Counter`] | events | arrivals, departures, failures |
//! | [`Histogram`] | observations into fixed bins | waiting-time quantiles |
//! | [`Statistics`] | any of the above by name | a model's outputs as one record |
//!
//! Equations (S1)–(S6) and definitions: `docs/science/des.md`, §11 "Statistics".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::DesError;
use crate::time::SimTime;

/// Nanoseconds per second, used to report time integrals in [value·s].
const NANOS_PER_SEC: f64 = 1e9;

/// Running mean, variance, minimum and maximum of independent observations (Welford 1962).
///
/// Numerically stable one-pass update (Welford, *Technometrics* 4(3), 1962,
/// doi:10.1080/00401706.1962.10490022): with `δ = x − x̄ₙ₋₁`,
/// `x̄ₙ = x̄ₙ₋₁ + δ/n` and `M₂,ₙ = M₂,ₙ₋₁ + δ·(x − x̄ₙ)`; the sample variance is `M₂/(n−1)`.
/// Two tallies combine exactly with [`Tally::merge`] (Chan, Golub & LeVeque 1983).
///
/// Non-finite observations (NaN, ±∞) are not included: they are counted in
/// [`Tally::rejected`] and logged at `warn` level, so one bad value cannot poison the mean.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    count: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    rejected: u64,
}

impl Tally {
    /// An empty tally.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation `x` [unit of the observed quantity].
    #[inline]
    pub fn record(&mut self, x: f64) {
        if !x.is_finite() {
            self.reject(x);
            return;
        }
        self.count += 1;
        if self.count == 1 {
            self.mean = x;
            self.m2 = 0.0;
            self.min = x;
            self.max = x;
            return;
        }
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    #[cold]
    #[inline(never)]
    fn reject(&mut self, x: f64) {
        self.rejected += 1;
        tracing::warn!(value = x, "Tally::record: non-finite observation rejected");
    }

    /// Number of (finite) observations.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Number of non-finite observations that were rejected.
    #[must_use]
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Sample mean, `None` when empty.
    #[must_use]
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then_some(self.mean)
    }

    /// Unbiased sample variance `M₂/(n−1)`, `None` with fewer than two observations.
    #[must_use]
    pub fn variance(&self) -> Option<f64> {
        (self.count > 1).then(|| self.m2 / (self.count - 1) as f64)
    }

    /// Sample standard deviation, `None` with fewer than two observations.
    #[must_use]
    pub fn std_dev(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// Smallest observation, `None` when empty.
    #[must_use]
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// Largest observation, `None` when empty.
    #[must_use]
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// Forgets all observations (warm-up deletion).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Combines another tally into this one as if all observations had been recorded here
    /// (Chan, Golub & LeVeque, *Am. Stat.* 37(3), 1983, doi:10.1080/00031305.1983.10483115).
    pub fn merge(&mut self, other: &Tally) {
        self.rejected += other.rejected;
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            let rejected = self.rejected;
            *self = other.clone();
            self.rejected = rejected;
            return;
        }
        let n_a = self.count as f64;
        let n_b = other.count as f64;
        let n = n_a + n_b;
        let delta = other.mean - self.mean;
        self.mean += delta * n_b / n;
        self.m2 += other.m2 + delta * delta * n_a * n_b / n;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// Time average of a piecewise-constant signal `v(t)` (queue length, busy servers, WIP, level).
///
/// The signal holds its value between updates. Over the observation window `[t₀, t]`
/// (`t₀` = creation or last [`reset`](Self::reset)):
/// `v̄ = (1/(t − t₀)) ∫ v(s) ds`, evaluated exactly as a sum of rectangles with integer-nanosecond
/// widths. The time-weighted variance is `∫ v² ds/(t − t₀) − v̄²`.
///
/// Updates must come in non-decreasing time order; an earlier time is rejected with
/// [`DesError::TimeWentBackwards`] and leaves the statistic unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeWeighted {
    /// Start of the observation window \[ns\].
    start: u64,
    /// Time of the last update \[ns\].
    last: u64,
    /// Current value of the signal.
    value: f64,
    /// `∫ v dt` over `[start, last]` [value·ns].
    area: f64,
    /// `∫ v² dt` over `[start, last]` [value²·ns].
    area_sq: f64,
    min: f64,
    max: f64,
}

impl TimeWeighted {
    /// Starts observing at time `start` with the signal at `value`.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] when `value` is not finite.
    pub fn new(start: SimTime, value: f64) -> Result<Self, DesError> {
        check_finite("time_weighted.value", value)?;
        let t = start.as_nanos();
        Ok(Self {
            start: t,
            last: t,
            value,
            area: 0.0,
            area_sq: 0.0,
            min: value,
            max: value,
        })
    }

    /// The signal changes to `value` at time `now`.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the last update;
    /// [`DesError::InvalidParameter`] when `value` is not finite. The statistic is unchanged then.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: f64) -> Result<(), DesError> {
        let t = now.as_nanos();
        if t < self.last {
            return Err(DesError::TimeWentBackwards {
                what: "TimeWeighted::set".to_owned(),
                at: now,
                last: SimTime::from_nanos(self.last),
            });
        }
        check_finite("time_weighted.value", value)?;
        self.advance(t);
        self.value = value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        Ok(())
    }

    /// Adds `delta` to the current value at time `now` (e.g. `+1.0` on an arrival).
    ///
    /// # Errors
    /// As [`set`](Self::set).
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: f64) -> Result<(), DesError> {
        self.set(now, self.value + delta)
    }

    /// Fast path for building blocks that have already checked `t ≥ last` and know `value`
    /// is finite (e.g. an integer count).
    #[inline]
    pub(crate) fn set_checked(&mut self, t: u64, value: f64) {
        debug_assert!(t >= self.last && value.is_finite());
        self.advance(t);
        self.value = value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    #[inline]
    fn advance(&mut self, t: u64) {
        let dt = (t - self.last) as f64;
        self.area += self.value * dt;
        self.area_sq += self.value * self.value * dt;
        self.last = t;
    }

    /// Current value of the signal.
    #[must_use]
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Start of the observation window (creation or last reset).
    #[must_use]
    pub fn window_start(&self) -> SimTime {
        SimTime::from_nanos(self.start)
    }

    /// Time of the last update.
    #[must_use]
    pub fn last_update(&self) -> SimTime {
        SimTime::from_nanos(self.last)
    }

    /// `∫ v dt` over `[window start, now]` [value·s]; `None` if `now` precedes the last update.
    #[must_use]
    pub fn integral(&self, now: SimTime) -> Option<f64> {
        let t = now.as_nanos();
        (t >= self.last).then(|| (self.area + self.value * (t - self.last) as f64) / NANOS_PER_SEC)
    }

    /// Time average over `[window start, now]`; `None` when no time has elapsed or `now`
    /// precedes the last update.
    #[must_use]
    pub fn mean(&self, now: SimTime) -> Option<f64> {
        let t = now.as_nanos();
        if t < self.last || t == self.start {
            return None;
        }
        let area = self.area + self.value * (t - self.last) as f64;
        Some(area / (t - self.start) as f64)
    }

    /// Time-weighted variance over `[window start, now]` (population form, ≥ 0); `None` as
    /// for [`mean`](Self::mean).
    #[must_use]
    pub fn variance(&self, now: SimTime) -> Option<f64> {
        let mean = self.mean(now)?;
        let t = now.as_nanos();
        let area_sq = self.area_sq + self.value * self.value * (t - self.last) as f64;
        Some((area_sq / (t - self.start) as f64 - mean * mean).max(0.0))
    }

    /// Smallest value the signal took in the window.
    #[must_use]
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Largest value the signal took in the window.
    #[must_use]
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Warm-up deletion: forgets the history before `now`, keeps the current value.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the last update.
    pub fn reset(&mut self, now: SimTime) -> Result<(), DesError> {
        let t = now.as_nanos();
        if t < self.last {
            return Err(DesError::TimeWentBackwards {
                what: "TimeWeighted::reset".to_owned(),
                at: now,
                last: SimTime::from_nanos(self.last),
            });
        }
        self.start = t;
        self.last = t;
        self.area = 0.0;
        self.area_sq = 0.0;
        self.min = self.value;
        self.max = self.value;
        Ok(())
    }
}

/// Counts events since the start of its window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    count: u64,
    /// Start of the counting window \[ns\].
    start: u64,
}

impl Counter {
    /// A counter at zero whose window starts at `start`.
    #[must_use]
    pub fn new(start: SimTime) -> Self {
        Self {
            count: 0,
            start: start.as_nanos(),
        }
    }

    /// Adds one event.
    #[inline]
    pub fn incr(&mut self) {
        self.count += 1;
    }

    /// Adds `n` events.
    #[inline]
    pub fn add(&mut self, n: u64) {
        self.count += n;
    }

    /// Number of events counted in the window.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Events per second over `[window start, now]` [s⁻¹]; `None` when no time has elapsed.
    #[must_use]
    pub fn rate(&self, now: SimTime) -> Option<f64> {
        let t = now.as_nanos();
        (t > self.start).then(|| self.count as f64 * NANOS_PER_SEC / (t - self.start) as f64)
    }

    /// Warm-up deletion: zero the count and start a new window at `now`.
    pub fn reset(&mut self, now: SimTime) {
        self.count = 0;
        self.start = now.as_nanos();
    }
}

/// Fixed-width histogram on `[lo, hi)` with underflow and overflow bins, and quantiles.
///
/// **Quantile definition.** With `N` recorded observations, the `p`-quantile is the value at
/// rank `r = p·N` of the piecewise-linear cumulative distribution obtained by spreading each
/// bin's count uniformly over the bin: find the first bin whose cumulative count reaches `r`
/// and interpolate linearly inside it. The underflow bin spans `[min observed, lo)` and the
/// overflow bin `[hi, max observed]`, so `quantile(0) = min` and `quantile(1) = max`. The error
/// of an interior quantile is at most one bin width. For exact quantiles of a small sample use
/// [`sample_quantile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "HistogramState")]
pub struct Histogram {
    lo: f64,
    hi: f64,
    counts: Vec<u64>,
    underflow: u64,
    overflow: u64,
    tally: Tally,
}

/// Serialised form of [`Histogram`], validated on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistogramState {
    lo: f64,
    hi: f64,
    counts: Vec<u64>,
    underflow: u64,
    overflow: u64,
    tally: Tally,
}

impl TryFrom<HistogramState> for Histogram {
    type Error = DesError;
    fn try_from(s: HistogramState) -> Result<Self, DesError> {
        let mut h = Histogram::new(s.lo, s.hi, s.counts.len())?;
        h.counts = s.counts;
        h.underflow = s.underflow;
        h.overflow = s.overflow;
        h.tally = s.tally;
        Ok(h)
    }
}

impl Histogram {
    /// `bins` equal bins covering `[lo, hi)` [unit of the observed quantity].
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] unless `lo < hi`, both finite, and `bins ≥ 1`.
    pub fn new(lo: f64, hi: f64, bins: usize) -> Result<Self, DesError> {
        check_finite("histogram.lo", lo)?;
        check_finite("histogram.hi", hi)?;
        if hi <= lo {
            return Err(DesError::InvalidParameter {
                name: "histogram.hi".to_owned(),
                value: hi.to_string(),
                reason: format!("must exceed histogram.lo = {lo}"),
            });
        }
        if bins == 0 {
            return Err(DesError::InvalidParameter {
                name: "histogram.bins".to_owned(),
                value: "0".to_owned(),
                reason: "must be at least 1".to_owned(),
            });
        }
        Ok(Self {
            lo,
            hi,
            counts: vec![0; bins],
            underflow: 0,
            overflow: 0,
            tally: Tally::new(),
        })
    }

    /// Adds one observation; non-finite values are rejected as in [`Tally::record`].
    #[inline]
    pub fn record(&mut self, x: f64) {
        self.tally.record(x);
        if !x.is_finite() {
            return;
        }
        if x < self.lo {
            self.underflow += 1;
        } else if x >= self.hi {
            self.overflow += 1;
        } else {
            let n = self.counts.len();
            let i = (((x - self.lo) / (self.hi - self.lo)) * n as f64) as usize;
            self.counts[i.min(n - 1)] += 1;
        }
    }

    /// Count, mean, variance, min and max of the recorded observations.
    #[must_use]
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Counts per bin (without under- and overflow).
    #[must_use]
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Observations below `lo`.
    #[must_use]
    pub fn underflow(&self) -> u64 {
        self.underflow
    }

    /// Observations at or above `hi`.
    #[must_use]
    pub fn overflow(&self) -> u64 {
        self.overflow
    }

    /// Lower edge of bin `i` (`i = bins` gives `hi`).
    #[must_use]
    pub fn bin_edge(&self, i: usize) -> f64 {
        self.lo + (self.hi - self.lo) * i as f64 / self.counts.len() as f64
    }

    /// The `p`-quantile as defined in the type documentation.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] unless `0 ≤ p ≤ 1`; [`DesError::InsufficientData`] when
    /// the histogram is empty.
    pub fn quantile(&self, p: f64) -> Result<f64, DesError> {
        check_probability("histogram.quantile.p", p)?;
        let n = self.tally.count();
        let (min, max) = match (self.tally.min(), self.tally.max()) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                return Err(DesError::InsufficientData {
                    what: "histogram quantile".to_owned(),
                    needed: 1,
                    got: 0,
                });
            }
        };
        let rank = p * n as f64;
        // Segments of the piecewise-linear CDF: (left edge, right edge, count).
        let mut cum = 0.0_f64;
        let segments = std::iter::once((min, self.lo.max(min), self.underflow))
            .chain(
                (0..self.counts.len())
                    .map(|i| (self.bin_edge(i), self.bin_edge(i + 1), self.counts[i])),
            )
            .chain(std::iter::once((self.hi.min(max), max, self.overflow)));
        for (left, right, c) in segments {
            if c == 0 {
                continue;
            }
            let next = cum + c as f64;
            if rank <= next {
                let frac = ((rank - cum) / c as f64).clamp(0.0, 1.0);
                return Ok((left + frac * (right - left)).clamp(min, max));
            }
            cum = next;
        }
        Ok(max)
    }

    /// Warm-up deletion: forgets all observations, keeps the bins.
    pub fn reset(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.underflow = 0;
        self.overflow = 0;
        self.tally.reset();
    }
}

/// Exact `p`-quantile of a sample, Hyndman & Fan (1996) definition 7 (the default of R and
/// NumPy): with the sample sorted, `h = (n − 1)·p`, the quantile is
/// `x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)` (0-based order statistics).
/// Hyndman & Fan, *Am. Stat.* 50(4), 1996, doi:10.1080/00031305.1996.10473566.
///
/// # Errors
/// [`DesError::InvalidParameter`] unless `0 ≤ p ≤ 1` and every value is finite;
/// [`DesError::InsufficientData`] for an empty sample.
pub fn sample_quantile(sample: &[f64], p: f64) -> Result<f64, DesError> {
    check_probability("sample_quantile.p", p)?;
    if sample.is_empty() {
        return Err(DesError::InsufficientData {
            what: "sample quantile".to_owned(),
            needed: 1,
            got: 0,
        });
    }
    for (i, &x) in sample.iter().enumerate() {
        check_finite(&format!("sample[{i}]"), x)?;
    }
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Ok(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// A model's named statistics: tallies, time-weighted signals, counters and histograms in
/// name-ordered maps (deterministic iteration), with one warm-up [`reset`](Self::reset) for all
/// and a flat [`summary`](Self::summary) usable as a replication record.
///
/// Lookup is by `&str` in a `BTreeMap` (O(log n) string compares); hot loops that record
/// millions of values should own their [`Tally`] / [`TimeWeighted`] fields directly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    tallies: BTreeMap<String, Tally>,
    time_weighted: BTreeMap<String, TimeWeighted>,
    counters: BTreeMap<String, Counter>,
    histograms: BTreeMap<String, Histogram>,
}

impl Statistics {
    /// An empty registry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records observation `x` into the tally `name` (created on first use).
    pub fn record(&mut self, name: &str, x: f64) {
        if let Some(t) = self.tallies.get_mut(name) {
            t.record(x);
        } else {
            let mut t = Tally::new();
            t.record(x);
            self.tallies.insert(name.to_owned(), t);
        }
    }

    /// Sets the time-weighted signal `name` to `value` at `now` (created at `now` on first use).
    ///
    /// # Errors
    /// As [`TimeWeighted::set`].
    pub fn set_level(&mut self, name: &str, now: SimTime, value: f64) -> Result<(), DesError> {
        if let Some(tw) = self.time_weighted.get_mut(name) {
            tw.set(now, value)
        } else {
            self.time_weighted
                .insert(name.to_owned(), TimeWeighted::new(now, value)?);
            Ok(())
        }
    }

    /// Adds `n` to the counter `name` (created with its window at `now` on first use).
    pub fn count(&mut self, name: &str, now: SimTime, n: u64) {
        if let Some(c) = self.counters.get_mut(name) {
            c.add(n);
        } else {
            let mut c = Counter::new(now);
            c.add(n);
            self.counters.insert(name.to_owned(), c);
        }
    }

    /// Registers the histogram `name` (replacing any previous one of that name).
    pub fn add_histogram(&mut self, name: &str, histogram: Histogram) {
        self.histograms.insert(name.to_owned(), histogram);
    }

    /// Records `x` into the histogram `name`.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] when no histogram of that name was registered.
    pub fn observe(&mut self, name: &str, x: f64) -> Result<(), DesError> {
        match self.histograms.get_mut(name) {
            Some(h) => {
                h.record(x);
                Ok(())
            }
            None => Err(DesError::InvalidParameter {
                name: format!("histogram `{name}`"),
                value: x.to_string(),
                reason: "no histogram of this name was registered (Statistics::add_histogram)"
                    .to_owned(),
            }),
        }
    }

    /// The tally `name`, if any.
    #[must_use]
    pub fn tally(&self, name: &str) -> Option<&Tally> {
        self.tallies.get(name)
    }

    /// The time-weighted signal `name`, if any.
    #[must_use]
    pub fn level(&self, name: &str) -> Option<&TimeWeighted> {
        self.time_weighted.get(name)
    }

    /// The counter `name`, if any.
    #[must_use]
    pub fn counter(&self, name: &str) -> Option<&Counter> {
        self.counters.get(name)
    }

    /// The histogram `name`, if any.
    #[must_use]
    pub fn histogram(&self, name: &str) -> Option<&Histogram> {
        self.histograms.get(name)
    }

    /// Warm-up deletion for every statistic at time `now`.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes a signal's last update (the
    /// statistics reset before the failing one stay reset).
    pub fn reset(&mut self, now: SimTime) -> Result<(), DesError> {
        self.tallies.values_mut().for_each(Tally::reset);
        self.counters.values_mut().for_each(|c| c.reset(now));
        self.histograms.values_mut().for_each(Histogram::reset);
        for tw in self.time_weighted.values_mut() {
            tw.reset(now)?;
        }
        Ok(())
    }

    /// Flat record of every statistic at time `now`, keys in name order:
    /// tallies give `name.mean`, `name.count` (and `name.std_dev` with ≥ 2 observations);
    /// time-weighted signals `name.time_avg`; counters `name.count` and `name.rate` [s⁻¹];
    /// histograms `name.mean`, `name.count`, `name.p50`, `name.p90`, `name.p99`.
    /// Undefined entries (empty tally, zero elapsed time) are left out. Use distinct names
    /// across kinds: a tally and a counter both named `x` would share the key `x.count` (the
    /// later kind in the list above wins).
    #[must_use]
    pub fn summary(&self, now: SimTime) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (name, t) in &self.tallies {
            out.insert(format!("{name}.count"), t.count() as f64);
            if let Some(m) = t.mean() {
                out.insert(format!("{name}.mean"), m);
            }
            if let Some(s) = t.std_dev() {
                out.insert(format!("{name}.std_dev"), s);
            }
        }
        for (name, tw) in &self.time_weighted {
            if let Some(m) = tw.mean(now) {
                out.insert(format!("{name}.time_avg"), m);
            }
        }
        for (name, c) in &self.counters {
            out.insert(format!("{name}.count"), c.count() as f64);
            if let Some(r) = c.rate(now) {
                out.insert(format!("{name}.rate"), r);
            }
        }
        for (name, h) in &self.histograms {
            out.insert(format!("{name}.count"), h.tally().count() as f64);
            if let Some(m) = h.tally().mean() {
                out.insert(format!("{name}.mean"), m);
            }
            for (label, p) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                if let Ok(q) = h.quantile(p) {
                    out.insert(format!("{name}.{label}"), q);
                }
            }
        }
        out
    }
}

#[inline]
pub(crate) fn check_finite(name: &str, value: f64) -> Result<(), DesError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(DesError::InvalidParameter {
            name: name.to_owned(),
            value: value.to_string(),
            reason: "must be finite".to_owned(),
        })
    }
}

#[inline]
pub(crate) fn check_probability(name: &str, p: f64) -> Result<(), DesError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(DesError::InvalidParameter {
            name: name.to_owned(),
            value: p.to_string(),
            reason: "must lie in [0, 1]".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn t(ns: u64) -> SimTime {
        SimTime::from_nanos(ns)
    }

    #[test]
    fn tally_matches_two_pass_formulas() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut tally = Tally::new();
        xs.iter().for_each(|&x| tally.record(x));
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert_eq!(tally.count(), 8);
        assert_relative_eq!(tally.mean().unwrap(), 5.0, max_relative = 1e-15);
        assert_relative_eq!(tally.variance().unwrap(), var, max_relative = 1e-14);
        assert_relative_eq!(tally.min().unwrap(), 2.0);
        assert_relative_eq!(tally.max().unwrap(), 9.0);
    }

    #[test]
    fn tally_is_stable_with_a_large_offset() {
        // The naive Σx² − n·x̄² formula loses all digits here; Welford keeps them.
        let mut tally = Tally::new();
        for x in [1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0] {
            tally.record(x);
        }
        assert_relative_eq!(tally.variance().unwrap(), 30.0, max_relative = 1e-9);
    }

    #[test]
    fn tally_rejects_non_finite_and_merges_exactly() {
        let mut a = Tally::new();
        let mut b = Tally::new();
        let mut all = Tally::new();
        for i in 0..50 {
            let x = (i as f64 * 0.37).sin() * 10.0 + i as f64;
            if i < 20 {
                a.record(x)
            } else {
                b.record(x)
            }
            all.record(x);
        }
        a.record(f64::NAN);
        a.merge(&b);
        assert_eq!(a.count(), all.count());
        assert_eq!(a.rejected(), 1);
        assert_relative_eq!(a.mean().unwrap(), all.mean().unwrap(), max_relative = 1e-13);
        assert_relative_eq!(
            a.variance().unwrap(),
            all.variance().unwrap(),
            max_relative = 1e-12
        );
        assert!(Tally::new().mean().is_none());
    }

    #[test]
    fn time_weighted_average_of_a_step_signal() {
        // v = 0 on [0,2) s, 3 on [2,3) s, 1 on [3,5) s: ∫v = 3 + 2 = 5 over 5 s → mean 1.
        let s = 1_000_000_000;
        let mut tw = TimeWeighted::new(t(0), 0.0).unwrap();
        tw.set(t(2 * s), 3.0).unwrap();
        tw.set(t(3 * s), 1.0).unwrap();
        assert_relative_eq!(tw.mean(t(5 * s)).unwrap(), 1.0, max_relative = 1e-15);
        assert_relative_eq!(tw.integral(t(5 * s)).unwrap(), 5.0, max_relative = 1e-15);
        // E[v²] = (9 + 2)/5 = 2.2, var = 2.2 − 1 = 1.2
        assert_relative_eq!(tw.variance(t(5 * s)).unwrap(), 1.2, max_relative = 1e-12);
        assert_relative_eq!(tw.max(), 3.0);
        assert!(matches!(
            tw.set(t(s), 2.0),
            Err(DesError::TimeWentBackwards { .. })
        ));
        assert!(tw.set(t(6 * s), f64::NAN).is_err());
        // Warm-up deletion at 5 s: only the value 1 held on [5, 7) s counts.
        tw.reset(t(5 * s)).unwrap();
        assert_relative_eq!(tw.mean(t(7 * s)).unwrap(), 1.0);
        assert!(tw.mean(t(5 * s)).is_none());
    }

    #[test]
    fn counter_rate_and_reset() {
        let mut c = Counter::new(t(0));
        c.add(10);
        c.incr();
        assert_eq!(c.count(), 11);
        assert_relative_eq!(c.rate(t(2_000_000_000)).unwrap(), 5.5);
        c.reset(t(2_000_000_000));
        assert_eq!(c.count(), 0);
        assert!(c.rate(t(2_000_000_000)).is_none());
    }

    #[test]
    fn histogram_quantiles_of_a_uniform_grid() {
        // 1000 points evenly spread over [0, 10): every quantile within one bin width (0.1).
        let mut h = Histogram::new(0.0, 10.0, 100).unwrap();
        for i in 0..1000 {
            h.record((i as f64 + 0.5) * 0.01);
        }
        for p in [0.1, 0.25, 0.5, 0.9, 0.99] {
            assert!((h.quantile(p).unwrap() - 10.0 * p).abs() <= 0.1, "p = {p}");
        }
        assert_relative_eq!(h.quantile(0.0).unwrap(), 0.005);
        assert_relative_eq!(h.quantile(1.0).unwrap(), 9.995);
        assert!(h.quantile(1.5).is_err());
        h.record(-1.0);
        h.record(20.0);
        assert_eq!((h.underflow(), h.overflow()), (1, 1));
        assert_relative_eq!(h.quantile(1.0).unwrap(), 20.0);
        assert!(Histogram::new(1.0, 1.0, 3).is_err());
        assert!(Histogram::new(0.0, 1.0, 0).is_err());
        assert!(Histogram::new(f64::NAN, 1.0, 3).is_err());
    }

    #[test]
    fn sample_quantile_type_7() {
        // R: quantile(c(1,2,3,4,10), c(0.25, 0.5, 0.9)) = 2, 3, 7.6
        let xs = [10.0, 1.0, 3.0, 2.0, 4.0];
        assert_relative_eq!(sample_quantile(&xs, 0.25).unwrap(), 2.0);
        assert_relative_eq!(sample_quantile(&xs, 0.5).unwrap(), 3.0);
        assert_relative_eq!(
            sample_quantile(&xs, 0.9).unwrap(),
            7.6,
            max_relative = 1e-14
        );
        assert!(sample_quantile(&[], 0.5).is_err());
        assert!(sample_quantile(&[1.0, f64::NAN], 0.5).is_err());
    }

    #[test]
    fn registry_summary_reset_and_serde_round_trip() {
        let s = 1_000_000_000;
        let mut st = Statistics::new();
        st.record("wait", 1.0);
        st.record("wait", 3.0);
        st.set_level("queue", t(0), 2.0).unwrap();
        st.count("done", t(0), 4);
        st.add_histogram("lead", Histogram::new(0.0, 10.0, 10).unwrap());
        st.observe("lead", 5.0).unwrap();
        assert!(st.observe("missing", 1.0).is_err());
        let sum = st.summary(t(2 * s));
        assert_relative_eq!(sum["wait.mean"], 2.0);
        assert_relative_eq!(sum["queue.time_avg"], 2.0);
        assert_relative_eq!(sum["done.rate"], 2.0);
        assert_relative_eq!(sum["lead.count"], 1.0);
        let json = serde_json::to_string(&st).unwrap();
        let back: Statistics = serde_json::from_str(&json).unwrap();
        assert_eq!(back, st);
        st.reset(t(2 * s)).unwrap();
        assert_eq!(st.tally("wait").unwrap().count(), 0);
        assert_eq!(st.counter("done").unwrap().count(), 0);
        assert_relative_eq!(st.level("queue").unwrap().mean(t(3 * s)).unwrap(), 2.0);
    }

    #[test]
    fn histogram_without_bins_is_rejected_on_deserialise() {
        let h = Histogram::new(0.0, 1.0, 2).unwrap();
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<Histogram>(&json).unwrap(), h);
        let bad = json.replacen("\"counts\":[0,0]", "\"counts\":[]", 1);
        assert_ne!(bad, json);
        assert!(serde_json::from_str::<Histogram>(&bad).is_err());
    }
}
