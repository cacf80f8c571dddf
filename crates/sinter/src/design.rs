//! Alloy-design helper: for a target grade and working temperature, the composition and
//! route (bulk Dy, bulk Tb, GBD Tb, GBD Dy) that meets it with the least heavy rare earth,
//! and what each route costs (docs/science/sinter.md, §"Alloy design").
//!
//! Requirements (all at once): the grade's (BH)max and Br minima and its suffix's Hcj floor at
//! 20 °C, and at the working temperature a working point (permeance coefficient P_c) that stays
//! on the reversible part of the curve with a safety margin on the knee field.
//! Search: for each candidate light-RE content of the base alloy, the least heavy RE meeting
//! the coercivity requirements by bisection (coercivity rises monotonically with heavy RE),
//! then the Br/(BH)max check; the winner uses the least heavy RE, ties broken by cost.

use repm_material::{Element, Formula};
use serde::{Deserialize, Serialize};

use crate::data;
use crate::error::{Result, in_range, positive};
use crate::gbd::{GbdDiffusivity, GbdOptions, GbdSetup, diffuse};
use crate::grade::Grade;
use crate::magnet::{
    CoercivityModel, GbdCoercivity, MagnetComposition, MagnetProperties, Microstructure, evaluate,
};
use crate::programme::{TemperatureProgramme, ZERO_CELSIUS};

/// Route to coercivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Route {
    /// Dy alloyed into the melt.
    BulkDy,
    /// Tb alloyed into the melt.
    BulkTb,
    /// Tb by grain-boundary diffusion (optionally on top of some bulk Dy).
    GbdTb,
    /// Dy by grain-boundary diffusion (optionally on top of some bulk Dy).
    GbdDy,
}

/// A design request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignRequest {
    /// Target grade.
    pub grade: Grade,
    /// Working temperature \[K\].
    pub working_temperature: f64,
    /// Permeance coefficient of the magnet in its circuit \[-\]. Default 2 (datasheet basis).
    pub permeance_coefficient: f64,
    /// Safety factor on the knee field at the working temperature \[-\]. Default 1.0 (the
    /// datasheet criterion: load line at P_c meets the curve above the knee).
    pub knee_margin: f64,
    /// Magnet thickness along the GBD direction \[m\].
    pub thickness: f64,
    /// Base alloy (its light RE is rescaled to the candidate contents).
    pub base: MagnetComposition,
    /// Microstructure of the sintered, annealed magnet.
    pub microstructure: Microstructure,
    /// Candidate total light-RE contents of the base alloy \[wt %\].
    pub light_re_candidates_wt_percent: Vec<f64>,
    /// Candidate bulk-Dy levels underneath a GBD route \[wt %\].
    pub gbd_bulk_dy_candidates_wt_percent: Vec<f64>,
    /// GBD temperature programme.
    pub gbd_programme: TemperatureProgramme,
}

impl DesignRequest {
    /// A request with the defaults named in the field docs: P_c = 2, knee margin 1.0, the
    /// reference PrNd base, the default microstructure with 4 µm grains (est., modern fine-grained
    /// magnets; 3.5 µm in Vasilenko et al. 2021), light RE 28–32 wt % in 0.5 steps, bulk
    /// Dy 0–6 wt % in 0.5 steps under GBD, GBD at 900 °C × 10 h (process-data.md §9: 8–24 h at
    /// 800–1000 °C).
    ///
    /// # Errors
    /// [`crate::SinterError::Config`] for a non-positive temperature or thickness.
    pub fn new(grade: Grade, working_temperature: f64, thickness: f64) -> Result<Self> {
        positive("working_temperature [K]", working_temperature)?;
        positive("thickness [m]", thickness)?;
        let gbd_programme = TemperatureProgramme::starting_at(ZERO_CELSIUS + 20.0)?
            .ramp_to(ZERO_CELSIUS + 900.0, 10.0 / 60.0)?
            .hold(10.0 * 3600.0)?
            .ramp_to(ZERO_CELSIUS + 20.0, 10.0 / 60.0)?;
        Ok(Self {
            grade,
            working_temperature,
            permeance_coefficient: 2.0,
            knee_margin: 1.0,
            thickness,
            base: MagnetComposition::reference_prnd(),
            microstructure: Microstructure {
                grain_size: 4.0e-6,
                ..Microstructure::default()
            },
            light_re_candidates_wt_percent: (0..=8).map(|i| 28.0 + 0.5 * f64::from(i)).collect(),
            gbd_bulk_dy_candidates_wt_percent: (0..=12).map(|i| 0.5 * f64::from(i)).collect(),
            gbd_programme,
        })
    }
}

/// One evaluated route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignOption {
    /// Route.
    pub route: Route,
    /// Total light-RE content of the base \[wt %\].
    pub light_re_wt_percent: f64,
    /// Bulk heavy RE (Dy or Tb) in the alloy \[g·kg⁻¹\].
    pub bulk_heavy_re: f64,
    /// Heavy RE retained from GBD \[g·kg⁻¹\].
    pub gbd_heavy_re_retained: f64,
    /// Heavy RE applied as GBD coating \[g·kg⁻¹\].
    pub gbd_heavy_re_applied: f64,
    /// Coating per face \[kg·m⁻²\].
    pub coating_per_face: f64,
    /// Heavy RE bought per kg magnet: bulk + applied \[g·kg⁻¹\].
    pub heavy_re_used: f64,
    /// Rare-earth raw-material cost plus GBD adder \[USD·kg⁻¹\].
    pub cost: f64,
    /// The resulting magnet.
    pub magnet: MagnetProperties,
    /// (BH)max at 20 °C \[J·m⁻³\].
    pub bhmax: f64,
}

/// The design result: feasible options, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignReport {
    /// Best option per route that has one, sorted by heavy RE used then cost.
    pub options: Vec<DesignOption>,
    /// Routes that found no feasible design, with the reason.
    pub infeasible: Vec<(Route, String)>,
}

/// Metal price \[USD·kg⁻¹\] of a rare earth from its dated oxide price (data/prices.json):
/// oxide price × kg oxide per kg metal + conversion; other elements from the est. table.
#[must_use]
pub fn metal_price(e: Element) -> f64 {
    let p = data::prices();
    if let Some(o) = p.oxides.iter().find(|o| o.element == e) {
        let per_metal = p
            .oxide_per_metal
            .iter()
            .find(|f| f.element == e)
            .and_then(|f| Formula::parse(&f.formula).ok())
            .map_or(1.2, |f| f.molar_mass() / (f.counts()[e] * e.molar_mass()));
        return o.usd_per_kg * per_metal + p.conversion_usd_per_kg.value;
    }
    p.other_elements_usd_per_kg
        .get(e.symbol())
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0)
}

/// Raw-material cost of an alloy \[USD·kg⁻¹\].
#[must_use]
pub fn alloy_cost(c: &MagnetComposition) -> f64 {
    c.mass_fractions()
        .iter_nonzero()
        .map(|(e, w)| w * metal_price(e))
        .sum()
}

fn scale_light_re(base: &MagnetComposition, wt: f64) -> Result<MagnetComposition> {
    let w = base.mass_fractions();
    let light: f64 = Element::ALL
        .into_iter()
        .filter(|e| e.is_rare_earth() && !Element::MAGNET_HEAVY_RARE_EARTHS.contains(e))
        .map(|e| w[e])
        .sum();
    positive("light RE in base [-]", light)?;
    let k = wt / 100.0 / light;
    let mut v = *w;
    for e in Element::ALL {
        if e.is_rare_earth() && !Element::MAGNET_HEAVY_RARE_EARTHS.contains(&e) {
            v[e] *= k;
        }
    }
    v[Element::Fe] += 1.0 - v.sum();
    MagnetComposition::from_mass_fractions(v)
}

struct Ctx<'a> {
    req: &'a DesignRequest,
    model: CoercivityModel,
}

impl Ctx<'_> {
    fn coercivity_ok(&self, m: &MagnetProperties) -> bool {
        if m.coercivity < self.req.grade.hcj_min() {
            return false;
        }
        let Ok(curve) = m.curve_at(self.req.working_temperature) else {
            return false;
        };
        let Ok((h, _)) = curve.working_point(self.req.permeance_coefficient) else {
            return false;
        };
        h * self.req.knee_margin <= curve.knee_field()
    }

    fn grade_ok(&self, m: &MagnetProperties) -> Result<bool> {
        let bh = m.max_energy_product();
        Ok(bh >= self.req.grade.bhmax_min()? && m.remanence >= self.req.grade.br_min()?)
    }

    fn bulk(&self, base: &MagnetComposition, hre: Element, w: f64) -> Result<MagnetProperties> {
        evaluate(
            &base.with_heavy_re(hre, w)?,
            &self.req.microstructure,
            &self.model,
        )
    }

    fn gbd(
        &self,
        host: &MagnetProperties,
        hre: Element,
        coating: f64,
    ) -> Result<(MagnetProperties, f64, f64)> {
        let d = data::gbd_data();
        let setup = GbdSetup {
            thickness: self.req.thickness,
            coating_per_face: [coating, coating],
            loss_fraction: d.process_defaults.loss_fraction,
            surface_mass_fraction: d.process_defaults.surface_mass_fraction,
            magnet_density: host.density,
            grain_size: host.microstructure.grain_size,
        };
        let opts = GbdOptions {
            cells: 60,
            max_time_step: 600.0,
            ..GbdOptions::default()
        };
        let prof = diffuse(
            &setup,
            &GbdDiffusivity::dy_sintered_ndfeb(),
            &self.req.gbd_programme,
            &opts,
        )?;
        let m = host.after_gbd(hre, &prof, &GbdCoercivity::default(), &self.model)?;
        let per_kg = 1.0 / (host.density * self.req.thickness);
        Ok((m, prof.absorbed * per_kg, prof.applied * per_kg))
    }
}

/// Bisection for the least x in \[0, hi\] with ok(x) true, assuming monotonicity.
fn least(hi: f64, tol: f64, mut ok: impl FnMut(f64) -> Result<bool>) -> Result<Option<f64>> {
    if ok(0.0)? {
        return Ok(Some(0.0));
    }
    if !ok(hi)? {
        return Ok(None);
    }
    let (mut lo, mut up) = (0.0, hi);
    while up - lo > tol {
        let mid = 0.5 * (lo + up);
        if ok(mid)? {
            up = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(up))
}

/// Find the least-heavy-RE design per route (see the module docs).
///
/// # Errors
/// [`crate::SinterError::Config`] for invalid request values; model errors other than validity
/// limits (which make a candidate infeasible) are passed through.
pub fn design(req: &DesignRequest, model: &CoercivityModel) -> Result<DesignReport> {
    positive("working_temperature [K]", req.working_temperature)?;
    positive("permeance_coefficient [-]", req.permeance_coefficient)?;
    in_range("knee_margin [-]", req.knee_margin, 1.0, 5.0)?;
    positive("thickness [m]", req.thickness)?;
    let ctx = Ctx { req, model: *model };
    let mut options = Vec::new();
    let mut infeasible = Vec::new();
    let gbd_process = data::prices().gbd_process_usd_per_kg.value;
    for route in [Route::BulkDy, Route::BulkTb, Route::GbdTb, Route::GbdDy] {
        let mut best: Option<DesignOption> = None;
        for &re in &req.light_re_candidates_wt_percent {
            let Ok(base) = scale_light_re(&req.base, re) else {
                continue;
            };
            let found = match route {
                Route::BulkDy | Route::BulkTb => {
                    let hre = if route == Route::BulkDy {
                        Element::Dy
                    } else {
                        Element::Tb
                    };
                    let w = least(0.12, 2e-5, |w| {
                        Ok(ctx
                            .bulk(&base, hre, w)
                            .map(|m| ctx.coercivity_ok(&m))
                            .unwrap_or(false))
                    })?;
                    match w {
                        Some(w) => {
                            let m = ctx.bulk(&base, hre, w)?;
                            ctx.grade_ok(&m)?.then(|| DesignOption {
                                route,
                                light_re_wt_percent: re,
                                bulk_heavy_re: 1e3 * w,
                                gbd_heavy_re_retained: 0.0,
                                gbd_heavy_re_applied: 0.0,
                                coating_per_face: 0.0,
                                heavy_re_used: 1e3 * w,
                                cost: alloy_cost(&m.composition),
                                bhmax: m.max_energy_product(),
                                magnet: m,
                            })
                        }
                        None => None,
                    }
                }
                Route::GbdTb | Route::GbdDy => {
                    let hre = if route == Route::GbdTb {
                        Element::Tb
                    } else {
                        Element::Dy
                    };
                    let mut found: Option<DesignOption> = None;
                    for &dy in &req.gbd_bulk_dy_candidates_wt_percent {
                        let Ok(host) = ctx.bulk(&base, Element::Dy, dy / 100.0) else {
                            continue;
                        };
                        if !ctx.grade_ok(&host)? {
                            break; // more bulk Dy only lowers Br further
                        }
                        let c = least(0.6, 1e-4, |c| {
                            Ok(ctx
                                .gbd(&host, hre, c)
                                .map(|r| ctx.coercivity_ok(&r.0))
                                .unwrap_or(false))
                        })?;
                        if let Some(c) = c {
                            let (m, retained, applied) = ctx.gbd(&host, hre, c)?;
                            if ctx.grade_ok(&m)? {
                                let used = 10.0 * dy + 1e3 * applied;
                                let cost = alloy_cost(&host.composition)
                                    + applied * metal_price(hre)
                                    + if c > 0.0 { gbd_process } else { 0.0 };
                                found = Some(DesignOption {
                                    route,
                                    light_re_wt_percent: re,
                                    bulk_heavy_re: 10.0 * dy,
                                    gbd_heavy_re_retained: 1e3 * retained,
                                    gbd_heavy_re_applied: 1e3 * applied,
                                    coating_per_face: c,
                                    heavy_re_used: used,
                                    cost,
                                    bhmax: m.max_energy_product(),
                                    magnet: m,
                                });
                                break; // the least bulk Dy that works
                            }
                        }
                    }
                    found
                }
            };
            if let Some(o) = found {
                let better = best.as_ref().is_none_or(|b| {
                    (o.heavy_re_used, o.cost) < (b.heavy_re_used - 1e-9, b.cost)
                        || (o.heavy_re_used - b.heavy_re_used).abs() <= 1e-9 && o.cost < b.cost
                });
                if better {
                    best = Some(o);
                }
            }
        }
        match best {
            Some(o) => options.push(o),
            None => infeasible.push((
                route,
                format!(
                    "no light-RE content in {:?} wt% meets {} at {:.0} °C",
                    req.light_re_candidates_wt_percent,
                    req.grade,
                    req.working_temperature - ZERO_CELSIUS
                ),
            )),
        }
    }
    options.sort_by(|a, b| {
        a.heavy_re_used
            .total_cmp(&b.heavy_re_used)
            .then(a.cost.total_cmp(&b.cost))
    });
    if options.is_empty() {
        tracing::info!(grade = %req.grade, "no feasible design");
    }
    Ok(DesignReport {
        options,
        infeasible,
    })
}

/// The GBD thickness limit: the largest magnet thickness \[m\] (searched in \[0.5 mm, 50 mm\])
/// at which GBD of `hre` with `coating_per_face` \[kg·m⁻²\] over `programme` still raises H_cJ
/// of `host` by at least `min_gain` \[A·m⁻¹\]. `None` if even 0.5 mm does not reach it.
///
/// H_cJ of a graded magnet is set by its weakly diffused core (layered curve, eq. S26), so
/// the gain falls once the two diffusion fronts no longer meet: that is the limit.
///
/// # Errors
/// Model errors from the diffusion or the magnet update.
pub fn gbd_thickness_limit(
    host: &MagnetProperties,
    hre: Element,
    coating_per_face: f64,
    programme: &TemperatureProgramme,
    min_gain: f64,
    model: &CoercivityModel,
) -> Result<Option<f64>> {
    let d = data::gbd_data();
    let gain = |thickness: f64| -> Result<f64> {
        let setup = GbdSetup {
            thickness,
            coating_per_face: [coating_per_face, coating_per_face],
            loss_fraction: d.process_defaults.loss_fraction,
            surface_mass_fraction: d.process_defaults.surface_mass_fraction,
            magnet_density: host.density,
            grain_size: host.microstructure.grain_size,
        };
        let opts = GbdOptions {
            cells: 80,
            max_time_step: 600.0,
            ..GbdOptions::default()
        };
        let prof = diffuse(
            &setup,
            &GbdDiffusivity::dy_sintered_ndfeb(),
            programme,
            &opts,
        )?;
        let m = host.after_gbd(hre, &prof, &GbdCoercivity::default(), model)?;
        Ok(m.coercivity - host.coercivity)
    };
    let (mut lo, mut hi) = (0.5e-3, 50e-3);
    if gain(lo)? < min_gain {
        return Ok(None);
    }
    if gain(hi)? >= min_gain {
        return Ok(Some(hi));
    }
    while hi - lo > 0.05e-3 {
        let mid = 0.5 * (lo + hi);
        if gain(mid)? >= min_gain {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Some(lo))
}
