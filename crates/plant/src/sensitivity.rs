//! One-at-a-time sensitivity (tornado) of the plant KPIs to chosen parameters.
//!
//! A parameter is a dotted path into the plant file (`"steps.sinter.units"`,
//! `"steps.machining.yield"`, `"economics.electricity_price"`, `"alloy.composition.Dy"`;
//! an array of tables is indexed by the `name` of its element or by a number), with a low
//! and a high value written as in the plant file (`12`, `0.7`, `"10 h"`). Each value is
//! applied to the base plant exactly as an entry of a scenario's `[overrides]` is
//! (`crate::config::apply_override`), and the changed plant goes through the same
//! deserialisation and [`PlantConfig::validate`] as a plant file, so a misspelt path, a wrong
//! type, a bad unit or a value out of range is an error naming the path and the value —
//! before anything is simulated.
//!
//! [`run_sensitivity`] runs the base and, for every parameter, the low and the high plant,
//! each with the same N replications and seed (common random numbers: every random stream is
//! named by step and unit, so the same equipment draws the same numbers), and keeps the paired
//! confidence intervals of low − base and high − base of every scalar KPI
//! ([`crate::compare`]). A parameter whose low and high equal its base value gives
//! differences of exactly zero. [`SensitivityResult::tornado`] sorts the parameters by their
//! swing on one KPI: the span of the bar drawn from the base,
//! `max(0, Δlow, Δhigh) − min(0, Δlow, Δhigh)`.

use std::collections::BTreeMap;

use repm_des::replication::ConfidenceInterval;
use serde::{Deserialize, Serialize};

use crate::config::apply_override;
use crate::{PlantConfig, PlantError, compare, run_replications_with_progress};

/// One parameter of a sensitivity study: a dotted path and its low and high values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamRange {
    /// Dotted path into the plant file, e.g. `"steps.sinter.units"`.
    pub path: String,
    /// Low value, as written in the plant file (a number, a `"<number> <unit>"` string, …).
    pub low: toml::Value,
    /// High value, as written in the plant file.
    pub high: toml::Value,
}

impl ParamRange {
    /// Parses the command-line form `PATH=LOW,HIGH` (`steps.sinter.units=12,16`,
    /// `steps.sinter.cycle_time.mean=10 h,14 h`). Each value is read as a TOML value (`12`,
    /// `0.7`, `true`, `"10 h"`, `[...]`); text that is not one is taken as a string, so units
    /// need no quotes. The comma that separates LOW from HIGH is the first one outside
    /// quotes and brackets.
    ///
    /// # Errors
    /// [`PlantError::Invalid`] naming `--param` and the text when there is no `=`, no
    /// comma, an empty path or an empty value.
    pub fn parse(text: &str) -> Result<Self, PlantError> {
        let bad = |reason: &str| PlantError::Invalid {
            field: "--param".into(),
            value: format!("{text:?}"),
            reason: reason.into(),
        };
        let (path, values) = text
            .split_once('=')
            .ok_or_else(|| bad("expected PATH=LOW,HIGH, e.g. steps.sinter.units=12,16"))?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(bad(
                "the path must be dotted names, e.g. steps.sinter.units",
            ));
        }
        let (low, high) = split_top_level_comma(values)
            .ok_or_else(|| bad("expected two values LOW,HIGH separated by a comma"))?;
        if low.trim().is_empty() || high.trim().is_empty() {
            return Err(bad("LOW and HIGH must not be empty"));
        }
        Ok(Self {
            path: path.to_owned(),
            low: parse_value(low),
            high: parse_value(high),
        })
    }
}

/// A sensitivity study in a file of its own (`repm sensitivity --params FILE`):
///
/// ```toml
/// [[param]]
/// path = "steps.sinter.units"
/// low = 12
/// high = 16
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivitySpec {
    /// The parameters, in the order they are reported (before sorting by swing).
    #[serde(default)]
    pub param: Vec<ParamRange>,
}

impl SensitivitySpec {
    /// Parses a spec from TOML text; `file` names the source in errors.
    ///
    /// # Errors
    /// [`PlantError::Parse`] with file, line and column for bad TOML or an unknown field.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self, PlantError> {
        toml::from_str(text).map_err(|e| crate::config::toml_error(text, file, &e))
    }
}

/// Splits at the first comma outside quotes, brackets and braces.
fn split_top_level_comma(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => return Some((&s[..i], &s[i + 1..])),
            _ => {}
        }
    }
    None
}

/// A TOML value from command-line text; text that is not a TOML value is a string.
fn parse_value(s: &str) -> toml::Value {
    let s = s.trim();
    let doc = format!("v = {s}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(s.to_owned())),
        Err(_) => toml::Value::String(s.to_owned()),
    }
}

/// The plant table of `cfg` (what a plant file with these values would hold).
fn to_table(cfg: &PlantConfig) -> Result<toml::Table, PlantError> {
    match toml::Value::try_from(cfg) {
        Ok(toml::Value::Table(t)) => Ok(t),
        Ok(other) => Err(PlantError::Model {
            model: "sensitivity".into(),
            message: format!(
                "plant config serialised to a {} (internal)",
                other.type_str()
            ),
        }),
        Err(e) => Err(PlantError::Model {
            model: "sensitivity".into(),
            message: format!("cannot serialise the plant config: {e}"),
        }),
    }
}

/// The value at a dotted path of a plant table (arrays of tables by element `name` or
/// number), if there is one.
fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut segs = path.split('.');
    let mut cur = table.get(segs.next()?)?;
    for seg in segs {
        cur = match cur {
            toml::Value::Table(t) => t.get(seg)?,
            toml::Value::Array(a) => match seg.parse::<usize>() {
                Ok(i) => a.get(i)?,
                Err(_) => a
                    .iter()
                    .find(|x| x.get("name").and_then(toml::Value::as_str) == Some(seg))?,
            },
            _ => return None,
        };
    }
    Some(cur)
}

/// Applies dotted-path overrides (as `[overrides]` of a scenario file does) to `cfg` and
/// returns the changed plant, deserialised and validated exactly like a plant file.
///
/// # Errors
/// [`PlantError::Invalid`] whose `field` is the override path and whose `value` is the
/// override value: a path that selects no step or goes through a value that is not a table,
/// an unknown field, a wrong type or unit, or a value that [`PlantConfig::validate`] rejects
/// (the reason then names the field that broke the rule).
pub fn apply_overrides(
    cfg: &PlantConfig,
    overrides: &[(&str, &toml::Value)],
) -> Result<PlantConfig, PlantError> {
    let mut table = to_table(cfg)?;
    for (path, value) in overrides {
        apply_override(&mut table, path, (*value).clone()).map_err(|(v, reason)| {
            PlantError::Invalid {
                field: (*path).to_owned(),
                value: if v == *path { value.to_string() } else { v },
                reason,
            }
        })?;
    }
    let named = |reason: String| {
        let (path, value) = overrides
            .last()
            .map_or((String::new(), String::new()), |(p, v)| {
                ((*p).to_owned(), v.to_string())
            });
        let paths: Vec<&str> = overrides.iter().map(|(p, _)| *p).collect();
        PlantError::Invalid {
            field: if paths.len() > 1 {
                paths.join(", ")
            } else {
                path
            },
            value,
            reason,
        }
    };
    let out = PlantConfig::deserialize(toml::Value::Table(table))
        .map_err(|e| named(e.message().trim().to_owned()))?;
    out.validate().map_err(|e| match e {
        PlantError::Invalid {
            field,
            value,
            reason,
        } => named(format!("makes `{field}` = {value} invalid: {reason}")),
        other => other,
    })?;
    Ok(out)
}

/// Effect of one parameter: paired intervals of low − base and high − base of every KPI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterEffect {
    /// Dotted path of the parameter.
    pub path: String,
    /// Value of the parameter in the base plant (absent if the base does not set it).
    pub base_value: Option<toml::Value>,
    /// Low value.
    pub low_value: toml::Value,
    /// High value.
    pub high_value: toml::Value,
    /// Paired interval of (low − base) of every scalar KPI \[unit of the KPI\].
    pub low: BTreeMap<String, ConfidenceInterval>,
    /// Paired interval of (high − base) of every scalar KPI \[unit of the KPI\].
    pub high: BTreeMap<String, ConfidenceInterval>,
}

/// One bar of a tornado chart of one KPI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TornadoBar {
    /// Dotted path of the parameter.
    pub path: String,
    /// Low value.
    pub low_value: toml::Value,
    /// High value.
    pub high_value: toml::Value,
    /// Mean of (low − base) \[unit of the KPI\].
    pub low_delta: f64,
    /// Half-width of the paired interval of (low − base) \[unit of the KPI\].
    pub low_half_width: f64,
    /// Mean of (high − base) \[unit of the KPI\].
    pub high_delta: f64,
    /// Half-width of the paired interval of (high − base) \[unit of the KPI\].
    pub high_half_width: f64,
    /// `max(0, Δlow, Δhigh) − min(0, Δlow, Δhigh)` \[unit of the KPI\].
    pub swing: f64,
}

/// Result of [`run_sensitivity`] (serde: the `--json` output of `repm sensitivity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityResult {
    /// Plant name.
    pub plant: String,
    /// Base seed (shared by every run).
    pub seed: u64,
    /// Replications per run (base, each low, each high).
    pub replications: u32,
    /// Confidence level of the intervals \[-\].
    pub confidence: f64,
    /// Student-t interval of the base mean of every scalar KPI.
    pub base: BTreeMap<String, ConfidenceInterval>,
    /// One entry per parameter, in input order.
    pub parameters: Vec<ParameterEffect>,
}

impl SensitivityResult {
    /// The bars of the tornado chart of `kpi` (a key of [`crate::RunResult::metrics`]),
    /// sorted by decreasing swing (ties keep input order). Parameters for which the KPI is
    /// undefined (non-finite in some replication) are left out.
    #[must_use]
    pub fn tornado(&self, kpi: &str) -> Vec<TornadoBar> {
        let mut bars: Vec<TornadoBar> = self
            .parameters
            .iter()
            .filter_map(|p| {
                let lo = p.low.get(kpi)?;
                let hi = p.high.get(kpi)?;
                let (l, h) = (lo.mean, hi.mean);
                Some(TornadoBar {
                    path: p.path.clone(),
                    low_value: p.low_value.clone(),
                    high_value: p.high_value.clone(),
                    low_delta: l,
                    low_half_width: lo.half_width,
                    high_delta: h,
                    high_half_width: hi.half_width,
                    swing: l.max(h).max(0.0) - l.min(h).min(0.0),
                })
            })
            .collect();
        bars.sort_by(|a, b| b.swing.total_cmp(&a.swing));
        bars
    }

    /// The tornado of `kpi` as the HTML report draws it ([`crate::report::Sensitivity`]):
    /// the base mean and, per parameter (sorted by swing), the KPI at the low and the high
    /// setting (base mean + mean paired difference), labelled with the parameter's values.
    /// `None` when the KPI has no base interval.
    #[must_use]
    pub fn report_tornado(&self, kpi: &str) -> Option<crate::report::Sensitivity> {
        let base = self.base.get(kpi)?.mean;
        let text = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let bars = self
            .tornado(kpi)
            .into_iter()
            .map(|b| crate::report::TornadoBar {
                parameter: b.path,
                low_label: text(&b.low_value),
                high_label: text(&b.high_value),
                low: base + b.low_delta,
                high: base + b.high_delta,
            })
            .collect();
        Some(crate::report::Sensitivity {
            metric: kpi.to_owned(),
            base,
            bars,
        })
    }

    /// The KPIs (keys of [`crate::RunResult::metrics`]) with a base interval, in name order.
    #[must_use]
    pub fn kpis(&self) -> Vec<&str> {
        self.base.keys().map(String::as_str).collect()
    }
}

/// Runs a one-at-a-time sensitivity study: the base plant and, for every parameter, the low
/// and the high plant, each with `replications` replications from base seed `seed` (common
/// random numbers), on the current rayon pool. `progress(r)` is called after every finished
/// replication of any run ((2·parameters + 1)·replications calls in all).
///
/// Every override is applied and validated before the first replication runs.
///
/// # Errors
/// [`PlantError::Invalid`] naming the path and value of a bad parameter, or `replications`
/// below 2 (paired intervals need two); the error of a failing replication.
pub fn run_sensitivity(
    cfg: &PlantConfig,
    params: &[ParamRange],
    replications: u32,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SensitivityResult, PlantError> {
    Ok(run_sensitivity_with_base(cfg, params, replications, seed, progress)?.0)
}

/// [`run_sensitivity`], also returning the base experiment (for the HTML report of the base
/// plant with the tornado, [`SensitivityResult::report_tornado`]).
///
/// # Errors
/// As [`run_sensitivity`].
pub fn run_sensitivity_with_base(
    cfg: &PlantConfig,
    params: &[ParamRange],
    replications: u32,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(SensitivityResult, crate::Experiment), PlantError> {
    if replications < 2 {
        return Err(PlantError::Invalid {
            field: "replications".into(),
            value: replications.to_string(),
            reason: "sensitivity needs >= 2 replications for paired intervals".into(),
        });
    }
    let table = to_table(cfg)?;
    let mut plants = Vec::with_capacity(params.len());
    for p in params {
        let low = apply_overrides(cfg, &[(p.path.as_str(), &p.low)])?;
        let high = apply_overrides(cfg, &[(p.path.as_str(), &p.high)])?;
        plants.push((low, high));
    }
    tracing::info!(
        plant = %cfg.name,
        parameters = params.len(),
        replications,
        "sensitivity: base run"
    );
    let base = run_replications_with_progress(cfg, replications, seed, progress)?;
    let mut parameters = Vec::with_capacity(params.len());
    for (p, (low, high)) in params.iter().zip(&plants) {
        tracing::info!(path = %p.path, low = %p.low, high = %p.high, "sensitivity: parameter");
        let el = run_replications_with_progress(low, replications, seed, progress)?;
        let eh = run_replications_with_progress(high, replications, seed, progress)?;
        parameters.push(ParameterEffect {
            path: p.path.clone(),
            base_value: lookup(&table, &p.path).cloned(),
            low_value: p.low.clone(),
            high_value: p.high.clone(),
            low: compare(&base, &el)?,
            high: compare(&base, &eh)?,
        });
    }
    let result = SensitivityResult {
        plant: cfg.name.clone(),
        seed,
        replications,
        confidence: base.confidence,
        base: base.intervals.clone(),
        parameters,
    };
    Ok((result, base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn short_reference() -> PlantConfig {
        let mut cfg = PlantConfig::reference().unwrap();
        cfg.warmup = 20.0 * 86_400.0;
        cfg.horizon = 10.0 * 86_400.0;
        cfg
    }

    #[test]
    fn parse_command_line_form() {
        let p = ParamRange::parse("steps.sinter.units=12,16").unwrap();
        assert_eq!(p.path, "steps.sinter.units");
        assert_eq!(p.low, toml::Value::Integer(12));
        assert_eq!(p.high, toml::Value::Integer(16));
        let p = ParamRange::parse("steps.sinter.cycle_time.mean = 10 h, \"12 h\"").unwrap();
        assert_eq!(p.low, toml::Value::String("10 h".into()));
        assert_eq!(p.high, toml::Value::String("12 h".into()));
        let p = ParamRange::parse("steps.gbd.additions=[],[{a = 1, b = 2}]").unwrap();
        assert!(p.low.as_array().is_some_and(Vec::is_empty));
        assert_eq!(p.high.as_array().map(Vec::len), Some(1));
        for bad in ["steps.sinter.units", "=1,2", "a..b=1,2", "a=1", "a=,2"] {
            let e = ParamRange::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--param"), "{bad}: {e}");
        }
    }

    #[test]
    fn spec_file_parses_and_rejects_unknown_fields() {
        let s = SensitivitySpec::from_toml_str(
            "[[param]]\npath = \"steps.sinter.units\"\nlow = 12\nhigh = 16\n",
            "spec.toml",
        )
        .unwrap();
        assert_eq!(s.param.len(), 1);
        let e = SensitivitySpec::from_toml_str("[[param]]\npth = \"x\"\n", "spec.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("spec.toml:2") && e.contains("pth"), "{e}");
    }

    #[test]
    fn config_round_trips_through_the_table() {
        let cfg = PlantConfig::reference().unwrap();
        let back = apply_overrides(&cfg, &[]).unwrap();
        assert_eq!(back, cfg);
        assert_eq!(
            crate::config_hash(&back).unwrap(),
            crate::config_hash(&cfg).unwrap()
        );
    }

    #[test]
    fn overrides_change_the_plant_and_bad_ones_name_path_and_value() {
        let cfg = PlantConfig::reference().unwrap();
        let v = toml::Value::Integer(80);
        let c = apply_overrides(&cfg, &[("steps.machining.units", &v)]).unwrap();
        let i = c.step_index("machining").unwrap();
        assert_eq!(c.steps[i].units, 80);
        let t = to_table(&cfg).unwrap();
        assert_eq!(
            lookup(&t, "steps.machining.units"),
            Some(&toml::Value::Integer(i64::from(cfg.steps[i].units)))
        );
        let cases: [(&str, toml::Value, &[&str]); 5] = [
            (
                "steps.machinng.units",
                v.clone(),
                &["steps.machinng.units", "machinng"],
            ),
            (
                "steps.machining.unitz",
                v.clone(),
                &["steps.machining.unitz", "unitz"],
            ),
            (
                "steps.machining.units",
                toml::Value::Integer(0),
                &["steps.machining.units", "= 0"],
            ),
            (
                "steps.machining.yield",
                toml::Value::Float(1.5),
                &["steps.machining.yield", "1.5"],
            ),
            (
                "steps.machining.batch_size",
                toml::Value::String("12 parsecs".into()),
                &["steps.machining.batch_size", "12 parsecs"],
            ),
        ];
        for (path, value, needles) in cases {
            let e = apply_overrides(&cfg, &[(path, &value)])
                .unwrap_err()
                .to_string();
            for n in needles {
                assert!(e.contains(n), "{path}: {e:?} lacks {n:?}");
            }
        }
    }

    #[test]
    fn base_values_give_exactly_zero_differences() {
        let cfg = short_reference();
        let base_units = toml::Value::Integer(i64::from(
            cfg.steps[cfg.step_index("machining").unwrap()].units,
        ));
        let params = [
            ParamRange {
                path: "steps.machining.units".into(),
                low: base_units.clone(),
                high: base_units,
            },
            ParamRange {
                path: "economics.electricity_price".into(),
                low: toml::Value::Float(0.05),
                high: toml::Value::Float(0.20),
            },
        ];
        let (r, base) = run_sensitivity_with_base(&cfg, &params, 2, 7, &|_| {}).unwrap();
        assert_eq!(r.base, base.intervals);
        assert_eq!(base.seed, 7);
        assert_eq!(r.parameters.len(), 2);
        for ci in r.parameters[0]
            .low
            .values()
            .chain(r.parameters[0].high.values())
        {
            assert_abs_diff_eq!(ci.mean, 0.0, epsilon = 0.0);
            assert_abs_diff_eq!(ci.half_width, 0.0, epsilon = 0.0);
        }
        let bars = r.tornado("cost_per_kg");
        assert_eq!(bars[0].path, "economics.electricity_price");
        assert!(
            bars[0].low_delta < 0.0 && bars[0].high_delta > 0.0,
            "{bars:?}"
        );
        assert!(bars[0].swing > 0.0);
        assert_abs_diff_eq!(bars[1].swing, 0.0, epsilon = 0.0);
        // the report's tornado: the KPI at low and high = base mean + paired difference
        let t = r.report_tornado("cost_per_kg").unwrap();
        let b0 = r.base["cost_per_kg"].mean;
        assert_eq!(t.base.to_bits(), b0.to_bits());
        assert_eq!(t.bars.len(), 2);
        assert_eq!(t.bars[0].parameter, "economics.electricity_price");
        assert_eq!(
            (t.bars[0].low_label.as_str(), t.bars[0].high_label.as_str()),
            ("0.05", "0.2")
        );
        assert_abs_diff_eq!(t.bars[0].low, b0 + bars[0].low_delta, epsilon = 0.0);
        assert_abs_diff_eq!(t.bars[0].high, b0 + bars[0].high_delta, epsilon = 0.0);
        assert!(t.bars[0].low < b0 && t.bars[0].high > b0);
        assert_eq!(t.bars[1].low.to_bits(), b0.to_bits());
        assert!(r.report_tornado("no_such_kpi").is_none());
        // throughput does not depend on the electricity price (common random numbers)
        for b in r.tornado("throughput_t_per_y") {
            assert_abs_diff_eq!(b.swing, 0.0, epsilon = 0.0);
        }
    }
}
