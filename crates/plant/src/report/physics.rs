//! Curves of the process models behind the report's physics charts: PSD (repm-powder),
//! densification (repm-sinter master sintering curve) and demagnetisation curves (repm-sinter
//! magnet model). Each returns plain data; `html.rs` draws it.

use repm_material::{Element, ElementVector};
use repm_powder::hd::{HdConfig, HdFeed, HdFurnace};
use repm_powder::jet_mill::{JetMill, JetMillConfig};
use repm_powder::psd::Psd;
use repm_powder::strip_cast::{StripCaster, StripCasterConfig};
use repm_sinter::TemperatureProgramme;
use repm_sinter::densification::DensificationModel;
use repm_sinter::magnet::{
    CoercivityModel, MagnetComposition, MagnetProperties, Microstructure, T_REF, evaluate,
    phase_constitution,
};
use repm_sinter::programme::ZERO_CELSIUS;

use crate::config::PlantConfig;
use crate::error::PlantError;

/// Green relative density of the pressed compact \[-\]: the basis on which repm-sinter's
/// master-sintering-curve defaults were calibrated (`DensificationModel` docs, 0.58).
pub(crate) const GREEN_DENSITY: f64 = 0.58;

/// Alloy mass cast for the PSD chain \[kg\] (one strip-caster heat of the reference plant).
const PSD_HEAT_KG: f64 = 600.0;

fn powder_err(e: repm_powder::PowderError) -> PlantError {
    PlantError::Model {
        model: "repm-powder (report)".into(),
        message: e.to_string(),
    }
}

fn sinter_err(e: repm_sinter::SinterError) -> PlantError {
    PlantError::Model {
        model: "repm-sinter (report)".into(),
        message: e.to_string(),
    }
}

/// Element mass fractions of the plant's alloy \[-\].
pub(crate) fn alloy_fractions(cfg: &PlantConfig) -> Result<ElementVector, PlantError> {
    cfg.feed_fractions()
}

/// PSD curves: (name, PSD).
#[derive(Debug, Clone)]
pub(crate) struct PsdCurves {
    pub(crate) feed: Psd,
    pub(crate) product: Psd,
    pub(crate) note: String,
}

/// The jet-mill feed (HD powder) and product PSDs for a heat of the plant's alloy through the
/// default strip caster, HD furnace and jet mill of repm-powder.
pub(crate) fn psd(cfg: &PlantConfig) -> Result<PsdCurves, PlantError> {
    let melt = alloy_fractions(cfg)? * PSD_HEAT_KG;
    let cast = StripCaster::new(StripCasterConfig::default())
        .and_then(|c| c.cast(&melt))
        .map_err(powder_err)?;
    let hd = HdFurnace::new(HdConfig::default()).map_err(powder_err)?;
    let feed = HdFeed::Flakes(cast.flakes);
    let hd_out = hd
        .run(&feed, 1.2 * hd.h2_demand(&feed))
        .map_err(powder_err)?;
    let mill = JetMill::new(JetMillConfig::default()).map_err(powder_err)?;
    let steady = mill.steady_state(&hd_out.psd).map_err(powder_err)?;
    Ok(PsdCurves {
        feed: hd_out.psd,
        product: steady.product_psd,
        note: format!(
            "repm-powder default strip caster, HD furnace and jet mill (JetMillConfig::default()) for a {PSD_HEAT_KG:.0} kg heat of the plant's alloy; steady-state mill, residence time {:.0} s, specific energy {:.2} kWh/kg",
            steady.residence_time,
            steady.specific_energy / 3.6e6
        ),
    })
}

/// A curve: (x, y) points.
pub(crate) type Curve = Vec<(f64, f64)>;

/// Points of a PSD: cumulative undersize Q₃(d) \[%\] at the upper class edges and density
/// q₃* = ΔQ₃/Δln d \[%\] at the pivots, with d in µm.
pub(crate) fn psd_points(p: &Psd) -> (Curve, Curve) {
    let edges = p.grid().edges();
    let pivots = p.grid().pivots();
    let f = p.fractions();
    let mut cum = Vec::with_capacity(f.len() + 1);
    let mut dens = Vec::with_capacity(f.len());
    let mut acc = 0.0;
    if let Some(e0) = edges.first() {
        cum.push((e0 * 1e6, 0.0));
    }
    for (i, fi) in f.iter().enumerate() {
        acc += fi;
        if let (Some(a), Some(b)) = (edges.get(i), edges.get(i + 1)) {
            cum.push((b * 1e6, 100.0 * acc.min(1.0)));
            let dl = (b / a).ln();
            if dl > 0.0 {
                dens.push((pivots[i] * 1e6, 100.0 * fi / dl));
            }
        }
    }
    (cum, dens)
}

/// The sintering programme of the report: 5 K/min to 1060 °C, hold 4 h, cool at 3 K/min to
/// 100 °C (process-data.md §6: ~1060 °C conventional, 4–6 h hold; repm-sinter's example cycle).
pub(crate) fn sintering_programme() -> Result<TemperatureProgramme, PlantError> {
    TemperatureProgramme::starting_at(ZERO_CELSIUS + 25.0)
        .and_then(|p| p.ramp_to(ZERO_CELSIUS + 1060.0, 5.0 / 60.0))
        .and_then(|p| p.hold(4.0 * 3600.0))
        .and_then(|p| p.ramp_to(ZERO_CELSIUS + 100.0, 3.0 / 60.0))
        .map_err(sinter_err)
}

/// (t \[h\], T \[°C\], relative density \[-\]) points.
pub(crate) type Trajectory = Vec<(f64, f64, f64)>;

/// Densification trajectory: (t \[h\], T \[°C\], relative density \[-\]) at `n` + 1 times, and
/// the liquid (RE-rich) volume fraction used.
pub(crate) fn densification(
    composition: &MagnetComposition,
    n: usize,
) -> Result<(Trajectory, f64), PlantError> {
    let phases = phase_constitution(composition).map_err(sinter_err)?;
    let prog = sintering_programme()?;
    let traj = DensificationModel::default()
        .trajectory(GREEN_DENSITY, phases.re_rich, &prog, n)
        .map_err(sinter_err)?;
    Ok((
        traj.into_iter()
            .map(|(t, temp, rho)| (t / 3600.0, temp - ZERO_CELSIUS, rho))
            .collect(),
        phases.re_rich,
    ))
}

/// Magnet composition of a product with element masses `products` \[kg\], or the plant's
/// alloy when nothing was delivered.
pub(crate) fn product_composition(
    cfg: &PlantConfig,
    products: &ElementVector,
) -> Result<MagnetComposition, PlantError> {
    let w = if products.sum() > 0.0 {
        *products * (1.0 / products.sum())
    } else {
        alloy_fractions(cfg)?
    };
    MagnetComposition::from_mass_fractions(w).map_err(sinter_err)
}

/// The magnet properties of a product composition with the plant's `quality` microstructure
/// (the same model the line's QC uses).
pub(crate) fn magnet(
    cfg: &PlantConfig,
    composition: &MagnetComposition,
) -> Result<MagnetProperties, PlantError> {
    let micro = cfg
        .quality
        .ndfeb()
        .map_or_else(Microstructure::default, |q| q.microstructure());
    evaluate(composition, &micro, &CoercivityModel::default()).map_err(sinter_err)
}

/// A demagnetisation curve: (label, temperature \[°C\], points (−H \[kA/m\], J \[T\], B \[T\])).
#[derive(Debug, Clone)]
pub(crate) struct DemagSet {
    pub(crate) temperature_c: f64,
    pub(crate) points: Vec<(f64, f64, f64)>,
}

/// Curves of `m` at 20 °C and at `working` \[K\] (if the model supports it there), `n` + 1
/// points each from H = 0 to 1.15 × the 20 °C Hcj.
pub(crate) fn demag(
    m: &MagnetProperties,
    working: Option<f64>,
    n: usize,
) -> Result<Vec<DemagSet>, PlantError> {
    let h_max = 1.15 * m.curve.intrinsic_coercivity();
    let mut out = Vec::new();
    let to_set = |t: f64, curve: &repm_sinter::demag::DemagCurve| DemagSet {
        temperature_c: t - ZERO_CELSIUS,
        points: curve
            .points(h_max, n)
            .into_iter()
            .map(|(h, j, b)| (-h / 1e3, j, b))
            .collect(),
    };
    out.push(to_set(T_REF, &m.curve));
    if let Some(t) = working
        && t > T_REF
    {
        match m.curve_at(t) {
            Ok(c) => out.push(to_set(t, &c)),
            Err(e) => {
                tracing::warn!(%e, t, "report: no demagnetisation curve at the working temperature")
            }
        }
    }
    Ok(out)
}

/// Dy + Tb in a composition \[g/kg\].
pub(crate) fn heavy_re_g_per_kg(c: &MagnetComposition) -> f64 {
    1000.0 * (c.mass_fraction(Element::Dy) + c.mass_fraction(Element::Tb))
}

/// Stage profiles of one SX step at its nominal feed.
#[derive(Debug, Clone)]
pub(crate) struct SxProfile {
    pub(crate) step: String,
    pub(crate) components: Vec<String>,
    /// `[stage][component]` \[mol·m⁻³\].
    pub(crate) aqueous: Vec<Vec<f64>>,
    /// `[stage][component]` \[mol·m⁻³\].
    pub(crate) organic: Vec<Vec<f64>>,
    pub(crate) scrub_stages: usize,
    pub(crate) extraction_stages: usize,
    pub(crate) converged: bool,
    pub(crate) solver: String,
}

/// Solves every `sx_cascade` step of the plant at its nominal feed (the plant feed through
/// the good outlets of the SX steps before it, trace components below
/// [`crate::models::sx::TRACE_FRACTION`] left out — as the step model does) and returns the
/// stage profiles. Newton first, successive substitution if Newton does not converge.
pub(crate) fn sx_profiles(cfg: &PlantConfig) -> Result<Vec<SxProfile>, PlantError> {
    use crate::models::{BuildContext, StepModelConfig, sx};
    use repm_sx::{Newton, SteadySolver, SuccessiveSubstitution};
    let mut out = Vec::new();
    let feed_fractions = cfg.feed_fractions()?;
    for (i, s) in cfg.steps.iter().enumerate() {
        let Some(StepModelConfig::SxCascade(c)) = &s.model else {
            continue;
        };
        let ctx = BuildContext {
            plant: cfg,
            step: Some(i),
            feed_fractions,
            replication: 0,
        };
        let x = sx::nominal_step_feed(&ctx)?;
        let total: f64 = x.values().sum();
        let feed: std::collections::BTreeMap<String, f64> = x
            .iter()
            .filter(|(_, v)| total > 0.0 && **v / total >= sx::TRACE_FRACTION)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let t: f64 = feed.values().sum();
        let feed = feed.into_iter().map(|(k, v)| (k, v / t)).collect();
        let err = |e: repm_sx::SxError| PlantError::Model {
            model: format!("steps.{}.model (report)", s.name),
            message: e.to_string(),
        };
        let cascade = c
            .cascade
            .cascade(&feed)
            .map_err(err)?
            .validate()
            .map_err(err)?;
        let mut sol = Newton::default().solve(&cascade);
        if !sol.status.is_converged() {
            let sub = SuccessiveSubstitution {
                max_iterations: 200_000,
                ..SuccessiveSubstitution::default()
            };
            sol = sub.solve(&cascade);
        }
        out.push(SxProfile {
            step: s.name.clone(),
            components: sol.profiles.components.clone(),
            aqueous: sol.profiles.aqueous.clone(),
            organic: sol.profiles.organic.clone(),
            scrub_stages: c.cascade.scrub_stages,
            extraction_stages: c.cascade.extraction_stages,
            converged: sol.status.is_converged(),
            solver: sol.solver.clone(),
        });
    }
    Ok(out)
}
