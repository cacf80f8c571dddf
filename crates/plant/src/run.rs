//! Running a plant: one replication ([`run_replication`]) and N replications with confidence
//! intervals ([`run_replications`]); the KPI records ([`RunResult`], [`StepKpi`]).
//!
//! KPI definitions are in `docs/guide.md` ("KPIs").

use std::collections::BTreeMap;

use repm_des::replication::{ConfidenceInterval, ReplicationRunner};
use repm_des::{SimTime, Simulation};
use repm_material::balance::ElementBalance;
use repm_material::{Element, ElementVector};
use serde::{Deserialize, Serialize};

use crate::config::{PlantConfig, SECONDS_PER_YEAR, element};
use crate::error::PlantError;
use crate::line::Line;

/// Relative tolerance of the element balance every run must close to.
pub const BALANCE_TOLERANCE: f64 = 1e-9;

/// KPIs of one step over one replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepKpi {
    /// Step name.
    pub name: String,
    /// Parallel units.
    pub units: u32,
    /// Mass started \[kg\].
    pub mass_in: f64,
    /// Good mass out \[kg\].
    pub mass_out: f64,
    /// Step yield, good out / mass of the completed batches \[-\].
    pub yield_: f64,
    /// Batches completed (incl. scrapped ones).
    pub batches: u64,
    /// Whole batches scrapped.
    pub batch_scraps: u64,
    /// Failures of all units.
    pub failures: u64,
    /// Mean fraction of wall time the units worked \[-\].
    pub utilisation: f64,
    /// Mean fraction of wall time the units were not under repair \[-\].
    pub availability: f64,
    /// Fraction of wall time the calendar allows work \[-\].
    pub scheduled_fraction: f64,
    /// OEE availability term: up time within planned time / planned time \[-\].
    pub oee_availability: f64,
    /// OEE performance term: ideal cycle × batches / run time \[-\].
    pub oee_performance: f64,
    /// OEE quality term: good mass / (good + off-spec scrap mass) \[-\].
    pub oee_quality: f64,
    /// OEE = availability × performance × quality (ISO 22400-2) \[-\].
    pub oee: f64,
    /// Mean work in process (input buffer + on units + blocked) \[kg\].
    pub wip_mean: f64,
    /// Mean time through the step by Little's law, WIP / throughput \[h\].
    pub cycle_time_h: f64,
    /// Recycled mass blended into this step's batches \[kg\].
    pub recycled_in: f64,
    /// Process electricity \[kWh\] (`energy_kwh_per_kg` × mass in + the model's own).
    pub energy_kwh: f64,
    /// Batches the step model marked off-spec (e.g. jet-mill O above the limit), all reasons.
    #[serde(default)]
    pub downgrades: u64,
    /// Off-spec batches by reason.
    #[serde(default)]
    pub downgrade_reasons: BTreeMap<String, u64>,
    /// Reagent cost booked by the step model \[$\].
    #[serde(default)]
    pub reagent_cost: f64,
}

/// Distribution of one lot property over the finished lots (lot-to-lot, not replication
/// statistics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyStats {
    /// Lots measured.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one lot).
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// Element balance of a run over the measured horizon: inputs + initial inventory = products +
/// scrap + losses + inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceSummary {
    /// Feed alloy + additions \[kg\].
    pub inputs_kg: f64,
    /// Finished magnets \[kg\].
    pub products_kg: f64,
    /// Swarf and non-recycled scrap leaving the plant \[kg\].
    pub scrap_kg: f64,
    /// Losses (HD sieve rejects, unused GBD Tb, loss-route scrap) \[kg\].
    pub losses_kg: f64,
    /// Named co-products leaving the plant \[kg\].
    #[serde(default)]
    pub coproducts_kg: f64,
    /// Material still in the plant at the end (buffers, units, recycle pool) \[kg\].
    pub inventory_kg: f64,
    /// Material in the plant at the end of the warm-up (0 without warm-up) \[kg\].
    pub initial_inventory_kg: f64,
    /// Largest relative element imbalance \[-\] (must be ≤ 1e-9).
    pub max_relative_error: f64,
    /// Element with the largest imbalance.
    pub worst_element: Option<String>,
}

/// The KPIs of one replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Replication index.
    pub replication: u64,
    /// Measured time, after the warm-up \[s\].
    pub horizon_s: f64,
    /// Finished magnets per year \[t·a⁻¹\].
    pub throughput_t_per_y: f64,
    /// Finished magnets / alloy fed \[-\] (recycled scrap counts once, as fed alloy).
    pub overall_yield: f64,
    /// Product of the step yields \[-\] (the chain yield of one pass): the configured
    /// `yield`, or the measured one of a model step without it.
    pub chain_yield: f64,
    /// The step with the highest OEE performance term (the one that runs nearest its limit).
    pub bottleneck: String,
    /// Process + utilities electricity per kg finished magnet \[kWh·kg⁻¹\].
    pub energy_kwh_per_kg: f64,
    /// Cradle-to-gate CO₂e per kg finished magnet \[kg·kg⁻¹\].
    pub co2e_per_kg: f64,
    /// Cost per kg finished magnet \[$·kg⁻¹\].
    pub cost_per_kg: f64,
    /// Cost breakdown per kg finished magnet \[$·kg⁻¹\].
    pub cost_breakdown: BTreeMap<String, f64>,
    /// Net cost per kg product: `cost_per_kg` − Σ co-product credit × co-product mass /
    /// product mass \[$·kg⁻¹\]; present when the plant gives `[coproducts]` credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_cost_per_kg: Option<f64>,
    /// Net CO₂e per kg product: `co2e_per_kg` − Σ co-product CO₂e credit × co-product mass /
    /// product mass \[kg·kg⁻¹\]; present when the plant gives `[coproducts]` credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_co2e_per_kg: Option<f64>,
    /// Recovery to the main product of each rare earth of the feed, by symbol: mass of the
    /// element in the products / mass fed (feed + additions) over the measured horizon \[-\].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub recovery: BTreeMap<String, f64>,
    /// Dy + Tb per kg finished magnet \[g·kg⁻¹\].
    pub heavy_re_g_per_kg: f64,
    /// Mass fraction of recycled material in the product \[-\].
    pub recycled_fraction: f64,
    /// Oxygen content of the product \[ppm by mass\].
    pub oxygen_ppm: f64,
    /// Finished lots.
    pub product_lots: u64,
    /// Lots created in the run (genealogy ids).
    pub lots_created: u64,
    /// Mean Br of finished lots \[T\].
    pub br_mean: f64,
    /// Standard deviation of Br of finished lots \[T\].
    pub br_sd: f64,
    /// Mean Hcj of finished lots \[kA·m⁻¹\].
    pub hcj_mean_ka_m: f64,
    /// Standard deviation of Hcj of finished lots \[kA·m⁻¹\].
    pub hcj_sd_ka_m: f64,
    /// Fraction of finished lots meeting the target grade \[-\].
    pub qc_pass_fraction: f64,
    /// Lots downgraded to a lower grade.
    pub qc_downgraded: u64,
    /// Lots meeting no grade.
    pub qc_rejected: u64,
    /// Distribution of every lot property the QC measured, by name with its unit
    /// (`br_t`, `hcj_a_m`, `o_ppm`, `density_kg_m3` for NdFeB).
    #[serde(default)]
    pub lot_properties: BTreeMap<String, PropertyStats>,
    /// Co-products leaving the plant by name \[kg\] over the horizon.
    #[serde(default)]
    pub coproducts: BTreeMap<String, f64>,
    /// Batches the step models marked off-spec, all steps.
    #[serde(default)]
    pub downgraded_batches: u64,
    /// Element balance.
    pub balance: BalanceSummary,
    /// Per-step KPIs in flow order.
    pub steps: Vec<StepKpi>,
    /// Events delivered by the kernel.
    pub events: u64,
}

impl RunResult {
    /// The scalar KPIs as a name → value map (the metrics of the replication summary).
    #[must_use]
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        m.insert("throughput_t_per_y".into(), self.throughput_t_per_y);
        m.insert("overall_yield".into(), self.overall_yield);
        m.insert("energy_kwh_per_kg".into(), self.energy_kwh_per_kg);
        m.insert("co2e_per_kg".into(), self.co2e_per_kg);
        m.insert("cost_per_kg".into(), self.cost_per_kg);
        if let Some(v) = self.net_cost_per_kg {
            m.insert("net_cost_per_kg".into(), v);
        }
        if let Some(v) = self.net_co2e_per_kg {
            m.insert("net_co2e_per_kg".into(), v);
        }
        for (k, v) in &self.recovery {
            m.insert(format!("recovery.{k}"), *v);
        }
        m.insert("heavy_re_g_per_kg".into(), self.heavy_re_g_per_kg);
        m.insert("recycled_fraction".into(), self.recycled_fraction);
        m.insert("oxygen_ppm".into(), self.oxygen_ppm);
        m.insert("br_mean".into(), self.br_mean);
        m.insert("hcj_mean_ka_m".into(), self.hcj_mean_ka_m);
        m.insert("qc_pass_fraction".into(), self.qc_pass_fraction);
        m.insert("downgraded_batches".into(), self.downgraded_batches as f64);
        for (k, p) in &self.lot_properties {
            m.insert(format!("lot.{k}.mean"), p.mean);
            m.insert(format!("lot.{k}.sd"), p.sd);
        }
        for (k, v) in &self.coproducts {
            m.insert(format!("coproduct.{k}_kg"), *v);
        }
        for s in &self.steps {
            m.insert(format!("step.{}.oee", s.name), s.oee);
            m.insert(format!("step.{}.utilisation", s.name), s.utilisation);
            m.insert(format!("step.{}.wip_mean_kg", s.name), s.wip_mean);
        }
        m
    }
}

/// One row of the KPI summary of `repm run`, `repm compare` and the HTML report.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Label with unit, e.g. `"cost [$/kg]"`.
    pub label: String,
    /// Metric key of [`RunResult::metrics`].
    pub key: String,
    /// Factor from the metric to the shown value (100 for percentages) \[-\].
    pub scale: f64,
    /// Decimals shown.
    pub decimals: usize,
}

/// The rows of the KPI summary for the experiments `es` (a run, or base and scenario): the
/// fixed KPIs, the net cost and CO₂e when co-products are credited, and the recovery of each
/// rare earth of the feed; a row whose metric is finite in none of the experiments (Br of an
/// oxide plant) is left out.
#[must_use]
pub fn summary_rows(es: &[&Experiment]) -> Vec<SummaryRow> {
    const FIXED: [(&str, &str, f64, usize); 13] = [
        ("throughput [t/y]", "throughput_t_per_y", 1.0, 1),
        ("overall yield [%]", "overall_yield", 100.0, 2),
        ("energy [kWh/kg]", "energy_kwh_per_kg", 1.0, 2),
        ("CO₂e [kg/kg]", "co2e_per_kg", 1.0, 2),
        (
            "net CO₂e, co-products credited [kg/kg]",
            "net_co2e_per_kg",
            1.0,
            2,
        ),
        ("cost [$/kg]", "cost_per_kg", 1.0, 2),
        (
            "net cost, co-products credited [$/kg]",
            "net_cost_per_kg",
            1.0,
            2,
        ),
        ("heavy RE Dy+Tb [g/kg]", "heavy_re_g_per_kg", 1.0, 2),
        ("recycled content [%]", "recycled_fraction", 100.0, 2),
        ("oxygen in product [ppm]", "oxygen_ppm", 1.0, 0),
        ("Br mean [T]", "br_mean", 1.0, 4),
        ("Hcj mean [kA/m]", "hcj_mean_ka_m", 1.0, 1),
        ("QC pass, target grade [%]", "qc_pass_fraction", 100.0, 2),
    ];
    let defined = |key: &str| {
        es.iter().any(|e| {
            e.intervals.get(key).map_or_else(
                || {
                    e.runs
                        .first()
                        .and_then(|r| r.metrics().get(key).copied())
                        .is_some_and(f64::is_finite)
                },
                |ci| ci.mean.is_finite(),
            )
        })
    };
    let mut rows: Vec<SummaryRow> = FIXED
        .iter()
        .filter(|(_, key, _, _)| defined(key))
        .map(|&(label, key, scale, decimals)| SummaryRow {
            label: label.to_owned(),
            key: key.to_owned(),
            scale,
            decimals,
        })
        .collect();
    // recovery rows in element order (atomic number), from every experiment
    let mut elements: Vec<Element> = es
        .iter()
        .filter_map(|e| e.runs.first())
        .flat_map(|r| r.recovery.keys())
        .filter_map(|k| Element::from_symbol(k))
        .collect();
    elements.sort_by_key(|e| e.atomic_number());
    elements.dedup();
    for el in elements {
        let key = format!("recovery.{}", el.symbol());
        if defined(&key) {
            rows.push(SummaryRow {
                label: format!("recovery of {} to product [%]", el.symbol()),
                key,
                scale: 100.0,
                decimals: 2,
            });
        }
    }
    rows
}

fn price_of(
    map: &BTreeMap<String, f64>,
    field: &str,
    v: &ElementVector,
) -> Result<f64, PlantError> {
    let mut total = 0.0;
    for (sym, p) in map {
        total += p * v[element(field, sym)?];
    }
    Ok(total)
}

/// Runs replication `rep` of a validated plant.
///
/// # Errors
/// [`PlantError::Balance`] when the element balance does not close to
/// [`BALANCE_TOLERANCE`]; simulation, material or model errors of the run.
pub fn run_replication(cfg: &PlantConfig, rep: u64) -> Result<RunResult, PlantError> {
    let _span = tracing::info_span!("replication", plant = %cfg.name, rep).entered();
    let line = Line::new(cfg, rep)?;
    let mut sim = Simulation::<()>::new(cfg.seed, rep);
    let id = sim.add_model("line", line)?;
    let start = SimTime::from_secs_f64(cfg.warmup)?;
    let end = SimTime::from_secs_f64(cfg.warmup + cfg.horizon)?;
    sim.run_until(end)?;
    let events = sim.events_delivered();
    let line = sim.model_mut::<Line>(id)?;
    let inventory = line.inventory(end)?;
    let initial = line.initial_inventory;
    let f = line.flows.clone();
    let inputs = f.feed + f.additions;
    let mut coproducts_v = ElementVector::zeros();
    for v in f.coproducts.values() {
        coproducts_v += *v;
    }
    let outputs = f.products + f.swarf + f.losses + coproducts_v;
    let report = ElementBalance::new()
        .input(&inputs.masses_to_amounts())
        .output(&outputs.masses_to_amounts())
        .accumulation(&(inventory - initial).masses_to_amounts())
        .check(BALANCE_TOLERANCE)
        .map_err(|e| PlantError::Balance(e.to_string()))?;
    let balance = BalanceSummary {
        inputs_kg: inputs.sum(),
        products_kg: f.products.sum(),
        scrap_kg: f.swarf.sum(),
        losses_kg: f.losses.sum(),
        coproducts_kg: coproducts_v.sum(),
        inventory_kg: inventory.sum(),
        initial_inventory_kg: initial.sum(),
        max_relative_error: report.max_relative_error,
        worst_element: report.worst.map(|e| e.symbol().to_owned()),
    };
    let horizon = cfg.horizon;
    let product = f.product_kg;
    let per_kg = |x: f64| if product > 0.0 { x / product } else { f64::NAN };

    let mut steps = Vec::new();
    let mut chain = 1.0;
    let mut process_kwh = 0.0;
    let mut reagent_cost = 0.0;
    let mut model_co2 = 0.0;
    let mut downgraded = 0u64;
    for (sc, st) in cfg.steps.iter().zip(line.steps.iter_mut()) {
        let n = st.units.len() as f64;
        let mut util = 0.0;
        let mut avail = 0.0;
        let mut failures = 0;
        let mut sched = 0.0;
        for u in &st.units {
            util += u.machine.utilisation(end).unwrap_or(0.0);
            avail += u.machine.availability(end).unwrap_or(1.0);
            failures += u.machine.failures();
            sched = u
                .machine
                .calendar()
                .available_between(start, end)
                .as_secs_f64()
                / horizon;
        }
        util /= n;
        avail /= n;
        let y = if st.done_kg > 0.0 {
            st.good_kg / st.done_kg
        } else {
            0.0
        };
        // OEE quality (ISO 22400-2: good quantity / produced quantity): good mass over good +
        // off-spec mass. Reagents, off-gas and co-products are neither, so a chemical step
        // whose output outweighs its input still has quality <= 1.
        let quality = if st.good_kg + st.scrap_kg > 0.0 {
            st.good_kg / (st.good_kg + st.scrap_kg)
        } else {
            0.0
        };
        // a model step without a configured yield counts with its measured one
        chain *= sc.yield_mean.unwrap_or(y);
        // planned time = scheduled time; up time within it ≈ planned × availability.
        let planned = n * sched * horizon;
        let run_time = planned * avail;
        let perf = if run_time > 0.0 {
            (sc.mean_cycle_time() * st.batches as f64 / run_time).min(1.0)
        } else {
            0.0
        };
        let wip_mean = st.wip.mean(end).unwrap_or(0.0);
        let rate = st.in_kg / horizon;
        let energy = sc.energy_kwh_per_kg * st.in_kg + st.model_kwh;
        process_kwh += energy;
        reagent_cost += st.reagent_cost;
        model_co2 += st.co2e_kg;
        downgraded += st.downgrades.values().sum::<u64>();
        steps.push(StepKpi {
            name: sc.name.clone(),
            units: sc.units,
            mass_in: st.in_kg,
            mass_out: st.good_kg,
            yield_: y,
            batches: st.batches,
            batch_scraps: st.batch_scraps,
            failures,
            utilisation: util,
            availability: avail,
            scheduled_fraction: sched,
            oee_availability: avail,
            oee_performance: perf,
            oee_quality: quality,
            oee: avail * perf * quality,
            wip_mean,
            cycle_time_h: if rate > 0.0 {
                wip_mean / rate / 3600.0
            } else {
                f64::NAN
            },
            recycled_in: st.recycled_in_kg,
            energy_kwh: energy,
            downgrades: st.downgrades.values().sum(),
            downgrade_reasons: st.downgrades.clone(),
            reagent_cost: st.reagent_cost,
        });
    }
    process_kwh += cfg.recycling.hd_energy_kwh_per_kg * f.recycled_scrap_kg;
    let ec = &cfg.economics;
    let total_kwh = process_kwh * ec.utilities_factor;
    let years = horizon / SECONDS_PER_YEAR;
    // the recycled share of a `[feed]` may be priced per kg instead of by element
    let rec_feed = cfg
        .feed
        .as_ref()
        .map_or(0.0, |fd| fd.recycled_fraction)
        .clamp(0.0, 1.0);
    let (rec_price, rec_co2) = cfg.feed.as_ref().map_or((None, None), |fd| {
        (fd.recycled_price_per_kg, fd.recycled_co2e_per_kg)
    });
    let element_share = |per_kg: Option<f64>| {
        if per_kg.is_some() && rec_feed > 0.0 {
            f.feed * (1.0 - rec_feed) + f.additions
        } else {
            f.feed + f.additions
        }
    };
    let purchased = element_share(rec_price);
    let mut materials = price_of(&ec.element_prices, "economics.element_prices", &purchased)?;
    if let Some(p) = rec_price {
        materials += p * rec_feed * f.feed.sum();
    }
    let re_swarf: ElementVector = f.swarf.map(|e, m| if e.is_rare_earth() { m } else { 0.0 });
    let credit = ec.swarf_credit_fraction
        * price_of(&ec.element_prices, "economics.element_prices", &re_swarf)?;
    let mut cost = BTreeMap::new();
    cost.insert("materials".to_owned(), per_kg(materials));
    cost.insert("reagents".to_owned(), per_kg(reagent_cost));
    cost.insert("scrap_credit".to_owned(), -per_kg(credit));
    cost.insert(
        "electricity".to_owned(),
        per_kg(total_kwh * ec.electricity_price),
    );
    cost.insert(
        "labour".to_owned(),
        per_kg(ec.staff_fte * ec.cost_per_fte * years),
    );
    cost.insert("consumables".to_owned(), ec.consumables_per_kg);
    cost.insert(
        "capital".to_owned(),
        per_kg(ec.capex * (ec.maintenance_fraction + 1.0 / ec.depreciation_years) * years),
    );
    let cost_per_kg = cost.values().sum();
    let mut co2_materials = price_of(
        &cfg.emissions.element_factors,
        "emissions.element_factors",
        &element_share(rec_co2),
    )?;
    if let Some(c) = rec_co2 {
        co2_materials += c * rec_feed * f.feed.sum();
    }
    let co2 = per_kg(co2_materials + total_kwh * cfg.emissions.grid_kg_per_kwh + model_co2);
    // co-product credits (net KPIs; the gross ones above are unchanged)
    let (mut credit_usd, mut credit_co2) = (0.0, 0.0);
    for (name, c) in &cfg.coproducts {
        let kg = f.coproducts.get(name).map_or(0.0, ElementVector::sum);
        credit_usd += c.credit_per_kg * kg;
        credit_co2 += c.co2e_credit_per_kg * kg;
    }
    let (net_cost_per_kg, net_co2e_per_kg) = if cfg.coproducts.is_empty() {
        (None, None)
    } else {
        (
            Some(cost_per_kg - per_kg(credit_usd)),
            Some(co2 - per_kg(credit_co2)),
        )
    };
    let fed = f.feed + f.additions;
    let recovery: BTreeMap<String, f64> = f
        .feed
        .iter()
        .filter(|(e, m)| e.is_rare_earth() && *m > 0.0)
        .map(|(e, _)| (e.symbol().to_owned(), f.products[e] / fed[e]))
        .collect();
    let hre = per_kg((f.products[Element::Dy] + f.products[Element::Tb]) * 1000.0);
    let bottleneck = steps
        .iter()
        .max_by(|a, b| a.oee_performance.total_cmp(&b.oee_performance))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let q = &line.qstats;
    let lots = f.product_lots.max(1) as f64;
    let tally = |k: &str| q.props.get(k);
    let lot_properties: BTreeMap<String, PropertyStats> = q
        .props
        .iter()
        .map(|(k, t)| {
            (
                (*k).to_owned(),
                PropertyStats {
                    count: t.count(),
                    mean: t.mean().unwrap_or(f64::NAN),
                    sd: t.std_dev().unwrap_or(0.0),
                    min: t.min().unwrap_or(f64::NAN),
                    max: t.max().unwrap_or(f64::NAN),
                },
            )
        })
        .collect();
    let result = RunResult {
        replication: rep,
        horizon_s: horizon,
        throughput_t_per_y: product / 1000.0 / years,
        overall_yield: if f.feed.sum() > 0.0 {
            product / f.feed.sum()
        } else {
            0.0
        },
        chain_yield: chain,
        bottleneck,
        energy_kwh_per_kg: per_kg(total_kwh),
        co2e_per_kg: co2,
        cost_per_kg,
        cost_breakdown: cost,
        net_cost_per_kg,
        net_co2e_per_kg,
        recovery,
        heavy_re_g_per_kg: hre,
        recycled_fraction: per_kg(f.recycled_product_kg),
        oxygen_ppm: per_kg(f.products[Element::O]) * 1e6,
        product_lots: f.product_lots,
        lots_created: 0,
        br_mean: tally("br_t").and_then(|t| t.mean()).unwrap_or(f64::NAN),
        br_sd: tally("br_t").and_then(|t| t.std_dev()).unwrap_or(0.0),
        hcj_mean_ka_m: tally("hcj_a_m").and_then(|t| t.mean()).unwrap_or(f64::NAN) / 1e3,
        hcj_sd_ka_m: tally("hcj_a_m").and_then(|t| t.std_dev()).unwrap_or(0.0) / 1e3,
        qc_pass_fraction: q.pass as f64 / lots,
        qc_downgraded: q.downgrade,
        qc_rejected: q.reject,
        lot_properties,
        coproducts: f
            .coproducts
            .iter()
            .map(|(k, v)| (k.clone(), v.sum()))
            .collect(),
        downgraded_batches: downgraded,
        balance,
        steps,
        events,
    };
    let lots_created = line.lots_created();
    tracing::info!(
        throughput = result.throughput_t_per_y,
        events,
        "replication finished"
    );
    Ok(RunResult {
        lots_created,
        ..result
    })
}

/// The results of N replications with confidence intervals of every scalar KPI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// Plant name.
    pub plant: String,
    /// Base seed.
    pub seed: u64,
    /// Confidence level \[-\].
    pub confidence: f64,
    /// One record per replication, in replication order.
    pub runs: Vec<RunResult>,
    /// Student-t interval of the mean of every metric of [`RunResult::metrics`] (needs ≥ 2
    /// replications; empty otherwise).
    pub intervals: BTreeMap<String, ConfidenceInterval>,
}

/// Runs `replications` replications of `cfg` with base seed `seed` on the current rayon pool.
/// Bit-identical whatever the thread count.
///
/// # Errors
/// The error of the lowest-index failing replication; [`PlantError::Invalid`] for 0
/// replications.
pub fn run_replications(
    cfg: &PlantConfig,
    replications: u32,
    seed: u64,
) -> Result<Experiment, PlantError> {
    run_replications_with_progress(cfg, replications, seed, &|_| {})
}

/// [`run_replications`], calling `progress(r)` when replication `r` has finished (from the
/// worker thread that ran it, in completion order). The results do not depend on it.
///
/// # Errors
/// As [`run_replications`].
pub fn run_replications_with_progress(
    cfg: &PlantConfig,
    replications: u32,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Experiment, PlantError> {
    let runner = ReplicationRunner::new(replications, seed)?.with_confidence(cfg.confidence)?;
    let mut c = cfg.clone();
    c.seed = seed;
    let reps = runner.run(|r| {
        let out = run_replication(&c, r.index);
        progress(r.index);
        out
    })?;
    experiment_from_runs(&cfg.name, seed, cfg.confidence, reps.records)
}

/// Assembles an [`Experiment`] from replication records already in replication order (as
/// [`run_replications`] does after running them; `repm merge` after reading shards): the
/// Student-t interval of every metric that is finite in every record (≥ 2 records).
///
/// # Errors
/// Interval errors (an invalid `confidence`).
pub fn experiment_from_runs(
    plant: &str,
    seed: u64,
    confidence: f64,
    runs: Vec<RunResult>,
) -> Result<Experiment, PlantError> {
    let intervals = if runs.len() >= 2 {
        let m: Vec<BTreeMap<String, f64>> = runs.iter().map(RunResult::metrics).collect();
        let keys: Vec<String> = m[0].keys().cloned().collect();
        let mut out = BTreeMap::new();
        for k in keys {
            let sample: Vec<f64> = m
                .iter()
                .map(|x| x.get(&k).copied().unwrap_or(f64::NAN))
                .collect();
            if sample.iter().all(|v| v.is_finite()) {
                out.insert(
                    k,
                    repm_des::replication::confidence_interval(&sample, confidence)?,
                );
            }
        }
        out
    } else {
        BTreeMap::new()
    };
    Ok(Experiment {
        plant: plant.to_owned(),
        seed,
        confidence,
        runs,
        intervals,
    })
}

/// Paired comparison of two experiments run with the same seed and replication count
/// (common random numbers): the interval of the mean difference scenario − base of every
/// metric present in both.
///
/// # Errors
/// [`PlantError::Invalid`] if the replication counts differ; interval errors (< 2
/// replications).
pub fn compare(
    base: &Experiment,
    scenario: &Experiment,
) -> Result<BTreeMap<String, ConfidenceInterval>, PlantError> {
    if base.runs.len() != scenario.runs.len() {
        return Err(PlantError::Invalid {
            field: "replications".into(),
            value: scenario.runs.len().to_string(),
            reason: format!("must equal the base's ({})", base.runs.len()),
        });
    }
    let mb: Vec<BTreeMap<String, f64>> = base.runs.iter().map(RunResult::metrics).collect();
    let ms: Vec<BTreeMap<String, f64>> = scenario.runs.iter().map(RunResult::metrics).collect();
    let mut out = BTreeMap::new();
    if let Some(first) = mb.first() {
        for k in first.keys() {
            let a: Option<Vec<f64>> = ms.iter().map(|m| m.get(k).copied()).collect();
            let b: Vec<f64> = mb
                .iter()
                .map(|m| m.get(k).copied().unwrap_or(f64::NAN))
                .collect();
            if let Some(a) = a
                && a.iter().chain(&b).all(|v| v.is_finite())
            {
                out.insert(
                    k.clone(),
                    repm_des::replication::paired_difference(&a, &b, base.confidence)?,
                );
            }
        }
    }
    Ok(out)
}
