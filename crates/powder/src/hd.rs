//! Hydrogen decrepitation (HD): H₂ uptake by the Nd-rich grain-boundary phase and by the
//! Nd₂Fe₁₄B matrix, self-heating of the charge, partial degassing, H retained, product PSD;
//! virgin flakes and end-of-life (EoL) magnets alike.
//!
//! docs/science/powder.md §3 (eqs. P-10 … P-16), data process-data.md §2 and §10.
//!
//! * Capacities (eq. P-10): the grain-boundary (GB) phase is the free RE of the
//!   [`crate::oxygen::PhaseBudget`] (O-bound RE does not hydride), taking
//!   `h_GB` H per RE (REH₂.₇ at room temperature); the matrix takes `x` H per Nd₂Fe₁₄B formula
//!   (one formula per B).
//! * Kinetics: two-stage JMAK, one law per phase (eq. P-11),
//!   `X = 1 − exp(−τⁿ)`, `dτ/dt = k₀ exp(−E/RT) (p/p_ref)^m` after an incubation time
//!   (oxide break-through); the additivity form lets `k` follow the charge temperature.
//! * Self-heating (eq. P-12): lumped charge, `m c_p dT/dt = Σ ΔH_i n_i dX_i/dt − U m (T − T_wall)`.
//! * Partial degassing (eq. P-13, Meisner & Panchanathan, J. Appl. Phys. (1993),
//!   doi 10.1063/1.355317): below 250 °C all H stays; from 250 °C the matrix H is gone and the GB
//!   hydride falls back to REH₂; from 580 °C all H leaves.
//! * H₂ is an explicit input: the uptake is capped by the H₂ supplied (flagged), unused and
//!   desorbed H₂ leave as off-gas, so H balances with the gas included.
//! * EoL feed (process-data.md §10): the coating and the non-liberated magnet share
//!   (1 − extraction efficiency) leave as a reject stream; the powder keeps a property-retention
//!   factor (≈ 0.9, Walton et al. 2015).

use repm_material::units::{Length, Pressure, Temperature, TimeSpan};
use repm_material::{Element, ElementVector};
use serde::{Deserialize, Serialize};

use crate::error::{PowderError, check_nonneg, check_pos, check_range, input_err};
use crate::jet_mill::GridConfig;
use crate::oxygen::{CarbonBinding, PhaseBudget};
use crate::psd::Psd;

const R_GAS: f64 = 8.314_462_618;

/// JMAK rate law `X = 1 − exp(−τⁿ)`, `dτ/dt = k₀ exp(−E/RT) (p/p_ref)^m` for `t > t_inc`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JmakConfig {
    /// Pre-exponential factor k₀ \[s⁻¹\].
    pub k0: f64,
    /// Activation energy E \[J·mol⁻¹\].
    pub activation_energy: f64,
    /// Avrami exponent n \[-\] (≥ 1).
    pub avrami_exponent: f64,
    /// Incubation time t_inc \[s\].
    pub incubation: TimeSpan,
    /// Pressure exponent m \[-\].
    pub pressure_exponent: f64,
    /// Reference pressure p_ref \[Pa\].
    pub reference_pressure: Pressure,
}

impl JmakConfig {
    /// Rate constant `k(T, p)` \[s⁻¹\].
    pub fn rate(&self, temperature: f64, pressure: f64) -> f64 {
        self.k0
            * (-self.activation_energy / (R_GAS * temperature)).exp()
            * (pressure / self.reference_pressure.si()).powf(self.pressure_exponent)
    }

    fn validate(&self, name: &str) -> Result<(), PowderError> {
        check_pos(&format!("{name}.k0"), self.k0)?;
        check_nonneg(&format!("{name}.activation_energy"), self.activation_energy)?;
        check_range(
            &format!("{name}.avrami_exponent"),
            self.avrami_exponent,
            1.0,
            4.0,
        )?;
        check_nonneg(&format!("{name}.incubation.si()"), self.incubation.si())?;
        check_range(
            &format!("{name}.pressure_exponent"),
            self.pressure_exponent,
            0.0,
            3.0,
        )?;
        check_pos(
            &format!("{name}.reference_pressure.si()"),
            self.reference_pressure.si(),
        )
    }
}

/// Partial-degassing programme and the desorption stages (Meisner & Panchanathan 1993).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DegassingConfig {
    /// Degassing hold temperature \[K\]. Default 773.15 (500 °C, the "optimum" of
    /// process-data.md §2).
    pub temperature: Temperature,
    /// Hold time \[s\]. Default 7200 (est.).
    pub hold: TimeSpan,
    /// Temperature from which the matrix H is gone and the GB hydride is REH₂ \[K\]. Default
    /// 523.15 (250 °C).
    pub matrix_release: Temperature,
    /// Temperature from which all H leaves \[K\]. Default 853.15 (580 °C).
    pub full_release: Temperature,
    /// H per RE of the GB dihydride \[-\]. Default 2.0.
    pub dihydride_h_per_re: f64,
}

impl Default for DegassingConfig {
    fn default() -> Self {
        Self {
            temperature: Temperature::from_si(773.15),
            hold: TimeSpan::from_si(7200.0),
            matrix_release: Temperature::from_si(523.15),
            full_release: Temperature::from_si(853.15),
            dihydride_h_per_re: 2.0,
        }
    }
}

/// EoL-magnet handling (process-data.md §10).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EolConfig {
    /// Share of the magnet body liberated as powder \[-\]. Default 0.90 (HDD trial 90 ± 5 %,
    /// Walton et al., J. Clean. Prod. 2015).
    pub extraction_efficiency: f64,
    /// Magnetic-property retention of recycled powder \[-\]. Default 0.90 (same source).
    pub property_retention: f64,
}

impl Default for EolConfig {
    fn default() -> Self {
        Self {
            extraction_efficiency: 0.90,
            property_retention: 0.90,
        }
    }
}

/// HD-furnace configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HdConfig {
    /// H₂ pressure during absorption \[Pa\]. Default 1e5 (process-data.md §2).
    pub pressure: Pressure,
    /// Wall (and initial charge) temperature \[K\]. Default 298.15.
    pub wall_temperature: Temperature,
    /// Absorption stage duration \[s\]. Default 10 800 (3 h, mofen.net tube-reactor design).
    pub absorption_time: TimeSpan,
    /// Integration step \[s\]. Default 1.0.
    pub time_step: TimeSpan,
    /// GB (Nd-rich) phase kinetics. Default k = 1/600 s⁻¹ at 298 K, E = 40 kJ/mol, n = 2,
    /// incubation 20 min (est.; "decrepitation audible after ~20–30 min", process-data.md §2).
    pub gb_kinetics: JmakConfig,
    /// Matrix kinetics. Default k = 1/1800 s⁻¹ at 298 K, E = 40 kJ/mol, n = 2, incubation 25 min (est.).
    pub matrix_kinetics: JmakConfig,
    /// H atoms per GB RE atom \[-\]. Default 2.7 (REH₂.₇, (K)).
    pub gb_h_per_re: f64,
    /// H atoms per Nd₂Fe₁₄B formula \[-\]. Default 2.7 (Nd₂Fe₁₄BH_x, x ≈ 2.7 at 1 bar, (K)).
    pub matrix_h_per_formula: f64,
    /// Heat released per mol H₂ absorbed by the GB phase \[J·mol⁻¹\]. Default 1.9e5 (ΔfH of NdH₂ ≈
    /// −188 kJ/mol, (K)).
    pub gb_heat: f64,
    /// Heat released per mol H₂ absorbed by the matrix \[J·mol⁻¹\]. Default 4.0e4 (est.).
    pub matrix_heat: f64,
    /// Charge heat capacity \[J·kg⁻¹·K⁻¹\]. Default 440 (PrOMMiS HD cost estimator).
    pub heat_capacity: f64,
    /// Heat-loss coefficient per kg of charge \[W·kg⁻¹·K⁻¹\]. Default 0.05 (est.; a 1 t charge
    /// self-heats to ~300 °C, process-data.md §2).
    pub heat_loss: f64,
    /// Degassing programme.
    pub degassing: DegassingConfig,
    /// Product PSD: RRSB characteristic size x′ \[m\]. Default 150e-6 (45–355 µm, mostly ~125 µm,
    /// process-data.md §2).
    pub product_x_prime: Length,
    /// Product PSD: RRSB spread n \[-\]. Default 1.3 (est.).
    pub product_spread: f64,
    /// Size of the flake fragments that did not decrepitate (share 1 − X_GB) \[m\]. Default
    /// 1 mm (est.; flakes are 0.2–0.4 mm thick and millimetres wide).
    pub undecrepitated_size: Length,
    /// Size grid of the product PSD (defaults to the jet-mill grid).
    pub grid: GridConfig,
    /// EoL handling.
    pub eol: EolConfig,
    /// C binding used in the phase budget.
    pub carbon: CarbonBinding,
}

fn jmak_from_rate_at(k298: f64, e: f64, n: f64, inc: f64) -> JmakConfig {
    JmakConfig {
        k0: k298 * (e / (R_GAS * 298.15)).exp(),
        activation_energy: e,
        avrami_exponent: n,
        incubation: TimeSpan::from_si(inc),
        pressure_exponent: 1.0,
        reference_pressure: Pressure::from_si(1e5),
    }
}

impl Default for HdConfig {
    fn default() -> Self {
        Self {
            pressure: Pressure::from_si(1e5),
            wall_temperature: Temperature::from_si(298.15),
            absorption_time: TimeSpan::from_si(10_800.0),
            time_step: TimeSpan::from_si(1.0),
            gb_kinetics: jmak_from_rate_at(1.0 / 600.0, 4.0e4, 2.0, 1200.0),
            matrix_kinetics: jmak_from_rate_at(1.0 / 1800.0, 4.0e4, 2.0, 1500.0),
            gb_h_per_re: 2.7,
            matrix_h_per_formula: 2.7,
            gb_heat: 1.9e5,
            matrix_heat: 4.0e4,
            heat_capacity: 440.0,
            heat_loss: 0.05,
            degassing: DegassingConfig::default(),
            product_x_prime: Length::from_si(150e-6),
            product_spread: 1.3,
            undecrepitated_size: Length::from_si(1e-3),
            grid: GridConfig::default(),
            eol: EolConfig::default(),
            carbon: CarbonBinding::default(),
        }
    }
}

impl HdConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`PowderError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), PowderError> {
        check_range("hd.pressure.si()", self.pressure.si(), 1e3, 1e7)?;
        check_range(
            "hd.wall_temperature.si()",
            self.wall_temperature.si(),
            200.0,
            900.0,
        )?;
        check_pos("hd.absorption_time.si()", self.absorption_time.si())?;
        check_range("hd.time_step.si()", self.time_step.si(), 1e-3, 600.0)?;
        self.gb_kinetics.validate("hd.gb_kinetics")?;
        self.matrix_kinetics.validate("hd.matrix_kinetics")?;
        check_range("hd.gb_h_per_re", self.gb_h_per_re, 0.0, 3.0)?;
        check_range(
            "hd.matrix_h_per_formula",
            self.matrix_h_per_formula,
            0.0,
            6.0,
        )?;
        check_nonneg("hd.gb_heat", self.gb_heat)?;
        check_nonneg("hd.matrix_heat", self.matrix_heat)?;
        check_pos("hd.heat_capacity", self.heat_capacity)?;
        check_nonneg("hd.heat_loss", self.heat_loss)?;
        let d = &self.degassing;
        check_range(
            "hd.degassing.temperature",
            d.temperature.si(),
            250.0,
            1300.0,
        )?;
        check_nonneg("hd.degassing.hold.si()", d.hold.si())?;
        check_pos("hd.degassing.matrix_release.si()", d.matrix_release.si())?;
        if d.full_release.si() <= d.matrix_release.si() {
            return Err(crate::error::config_err(
                "hd.degassing.full_release.si()",
                d.full_release.si(),
                "must exceed matrix_release [K]",
            ));
        }
        check_range(
            "hd.degassing.dihydride_h_per_re",
            d.dihydride_h_per_re,
            0.0,
            self.gb_h_per_re.max(0.0),
        )?;
        check_pos("hd.product_x_prime.si()", self.product_x_prime.si())?;
        check_pos("hd.product_spread", self.product_spread)?;
        check_pos("hd.undecrepitated_size", self.undecrepitated_size.si())?;
        self.grid.grid()?;
        check_range(
            "hd.eol.extraction_efficiency",
            self.eol.extraction_efficiency,
            0.0,
            1.0,
        )?;
        check_range(
            "hd.eol.property_retention",
            self.eol.property_retention,
            0.0,
            1.0,
        )?;
        self.carbon.validate()
    }
}

/// What goes into the furnace.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // two fixed-size vectors by value; short-lived
pub enum HdFeed {
    /// Strip-cast flakes (element masses \[kg\]).
    Flakes(ElementVector),
    /// End-of-life magnets: magnet body and coating (e.g. Ni-Cu-Ni) element masses \[kg\].
    EndOfLife {
        /// Magnet body \[kg\].
        magnet: ElementVector,
        /// Coating \[kg\].
        coating: ElementVector,
    },
}

/// One sample of the absorption trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HdSample {
    /// Time since H₂ admission \[s\].
    pub time: f64,
    /// Charge temperature \[K\].
    pub temperature: f64,
    /// GB-phase conversion \[-\].
    pub x_gb: f64,
    /// Matrix conversion \[-\].
    pub x_matrix: f64,
}

/// Result of one HD batch.
#[derive(Debug, Clone, PartialEq)]
pub struct HdResult {
    /// Decrepitated, partially degassed powder element masses \[kg\] (retained H included).
    pub powder: ElementVector,
    /// Powder PSD.
    pub psd: Psd,
    /// Reject stream (coating, non-liberated magnet) element masses \[kg\] (zero for flakes).
    pub reject: ElementVector,
    /// Off-gas element masses \[kg\]: unused H₂ plus H₂ released on degassing.
    pub offgas: ElementVector,
    /// H absorbed at the end of the absorption stage \[kg\].
    pub h_absorbed: f64,
    /// H retained after degassing \[kg\] (in powder and reject).
    pub h_retained: f64,
    /// Final GB conversion \[-\].
    pub x_gb: f64,
    /// Final matrix conversion \[-\].
    pub x_matrix: f64,
    /// Peak charge temperature \[K\].
    pub peak_temperature: f64,
    /// Heat released by absorption \[J\].
    pub heat_released: f64,
    /// Heat lost to the wall \[J\].
    pub heat_lost: f64,
    /// Final charge temperature \[K\].
    pub final_temperature: f64,
    /// True if the H₂ supply ran out before the kinetics finished.
    pub supply_limited: bool,
    /// Property retention \[-\] (1 for virgin flakes).
    pub property_retention: f64,
    /// Trace sampled every 60 s.
    pub trace: Vec<HdSample>,
}

/// An HD furnace (pure model of one batch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HdFurnace {
    config: HdConfig,
}

impl HdFurnace {
    /// Validate and build.
    ///
    /// # Errors
    /// [`PowderError::Config`].
    pub fn new(config: HdConfig) -> Result<Self, PowderError> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The configuration.
    pub fn config(&self) -> &HdConfig {
        &self.config
    }

    /// H uptake capacities `(GB, matrix)` \[mol H\] of a magnet or flake body (eq. P-10).
    pub fn capacities(&self, body: &ElementVector) -> (f64, f64) {
        let b = PhaseBudget::of(body, self.config.carbon);
        let n_b = body[Element::B] / Element::B.molar_mass();
        (
            self.config.gb_h_per_re * b.re_free,
            self.config.matrix_h_per_formula * n_b,
        )
    }

    /// H₂ mass \[kg\] that saturates both phases of `feed` (a convenient supply).
    pub fn h2_demand(&self, feed: &HdFeed) -> f64 {
        let body = match feed {
            HdFeed::Flakes(m) => m,
            HdFeed::EndOfLife { magnet, .. } => magnet,
        };
        let (g, m) = self.capacities(body);
        (g + m) * Element::H.molar_mass()
    }

    /// Run one batch: absorption with self-heating, partial degassing, split.
    ///
    /// # Errors
    /// [`PowderError::Input`] for invalid masses or an empty feed or negative H₂ supply.
    pub fn run(&self, feed: &HdFeed, h2_supplied: f64) -> Result<HdResult, PowderError> {
        let c = &self.config;
        let (body, coating, eol) = match feed {
            HdFeed::Flakes(m) => (*m, ElementVector::zeros(), false),
            HdFeed::EndOfLife { magnet, coating } => (*magnet, *coating, true),
        };
        for (name, v) in [("hd.feed", &body), ("hd.coating", &coating)] {
            if let Some((e, x)) = v.first_invalid() {
                return Err(input_err(
                    &format!("{name}[{}]", e.symbol()),
                    x,
                    "must be finite and >= 0 [kg]",
                ));
            }
        }
        let mass = body.sum();
        if mass <= 0.0 {
            return Err(input_err("hd.feed", mass, "charge mass must be > 0 [kg]"));
        }
        if !(h2_supplied.is_finite() && h2_supplied >= 0.0) {
            return Err(input_err(
                "hd.h2_supplied",
                h2_supplied,
                "must be finite and >= 0 [kg]",
            ));
        }
        let (cap_gb, cap_m) = self.capacities(&body); // mol H
        let h_avail = h2_supplied / Element::H.molar_mass(); // mol H
        // ODE state: T, τ_gb, τ_m
        // `on` = which reactions have passed incubation; fixed over a step (steps never straddle
        // an incubation time), so RK4 sees a smooth right-hand side.
        let rhs = |on: (bool, bool), y: [f64; 3]| -> ([f64; 3], f64) {
            let temp = y[0];
            let dt_gb = if on.0 {
                c.gb_kinetics.rate(temp, c.pressure.si())
            } else {
                0.0
            };
            let dt_m = if on.1 {
                c.matrix_kinetics.rate(temp, c.pressure.si())
            } else {
                0.0
            };
            let dx = |tau: f64, dtau: f64, n: f64| {
                n * tau.max(0.0).powf(n - 1.0) * dtau * (-tau.max(0.0).powf(n)).exp()
            };
            let dx_gb = dx(y[1], dt_gb, c.gb_kinetics.avrami_exponent);
            let dx_m = dx(y[2], dt_m, c.matrix_kinetics.avrami_exponent);
            let q = 0.5 * (cap_gb * c.gb_heat * dx_gb + cap_m * c.matrix_heat * dx_m); // W (mol H2 = H/2)
            let loss = c.heat_loss * mass * (temp - c.wall_temperature.si());
            ([(q - loss) / (mass * c.heat_capacity), dt_gb, dt_m], loss)
        };
        let xj = |tau: f64, n: f64| 1.0 - (-tau.max(0.0).powf(n)).exp();
        let h_of = |y: &[f64; 3]| {
            cap_gb * xj(y[1], c.gb_kinetics.avrami_exponent)
                + cap_m * xj(y[2], c.matrix_kinetics.avrami_exponent)
        };
        let mut y = [c.wall_temperature.si(), 0.0, 0.0];
        let mut t = 0.0;
        let mut peak = y[0];
        let mut heat_lost = 0.0;
        let mut trace = vec![HdSample {
            time: 0.0,
            temperature: y[0],
            x_gb: 0.0,
            x_matrix: 0.0,
        }];
        let mut next_sample = 60.0;
        let mut supply_limited = false;
        let h = c.time_step.si();
        while t < c.absorption_time.si() - 1e-9 {
            // Step: at most `time_step`, never across an incubation time (rate switches on), and
            // small enough that τ advances by ≤ 0.01 (the rate can reach several s⁻¹ once the
            // charge self-heats).
            let mut dt = h.min(c.absorption_time.si() - t);
            for inc in [
                c.gb_kinetics.incubation.si(),
                c.matrix_kinetics.incubation.si(),
            ] {
                if t < inc && t + dt > inc {
                    dt = inc - t;
                }
            }
            let on = (
                t >= c.gb_kinetics.incubation.si() - 1e-9,
                t >= c.matrix_kinetics.incubation.si() - 1e-9,
            );
            let (k0, _) = rhs(on, y);
            // τ-rate limit only for reactions not yet complete: once τⁿ > 60, X = 1 − e^(−τⁿ)
            // is 1 to 1e-26 and τ no longer changes anything (heat, H uptake), so stepping it
            // finely would cost millions of steps at the self-heated temperature for nothing.
            let live = |tau: f64, n: f64| tau.max(0.0).powf(n) < 60.0;
            let fastest = if live(y[1], c.gb_kinetics.avrami_exponent) {
                k0[1]
            } else {
                0.0
            }
            .max(if live(y[2], c.matrix_kinetics.avrami_exponent) {
                k0[2]
            } else {
                0.0
            });
            if fastest > 0.0 {
                dt = dt.min(0.01 / fastest);
            }
            let (k1, l1) = rhs(on, y);
            let y2 = [
                y[0] + 0.5 * dt * k1[0],
                y[1] + 0.5 * dt * k1[1],
                y[2] + 0.5 * dt * k1[2],
            ];
            let (k2, l2) = rhs(on, y2);
            let y3 = [
                y[0] + 0.5 * dt * k2[0],
                y[1] + 0.5 * dt * k2[1],
                y[2] + 0.5 * dt * k2[2],
            ];
            let (k3, l3) = rhs(on, y3);
            let y4 = [y[0] + dt * k3[0], y[1] + dt * k3[1], y[2] + dt * k3[2]];
            let (k4, l4) = rhs(on, y4);
            let mut yn = y;
            for i in 0..3 {
                yn[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
            if h_of(&yn) > h_avail {
                supply_limited = true;
                tracing::warn!(
                    time = t,
                    "HD: H2 supply exhausted before the kinetics finished"
                );
                break;
            }
            heat_lost += dt / 6.0 * (l1 + 2.0 * l2 + 2.0 * l3 + l4);
            y = yn;
            t += dt;
            peak = peak.max(y[0]);
            if t >= next_sample - 1e-9 {
                trace.push(HdSample {
                    time: t,
                    temperature: y[0],
                    x_gb: xj(y[1], c.gb_kinetics.avrami_exponent),
                    x_matrix: xj(y[2], c.matrix_kinetics.avrami_exponent),
                });
                next_sample += 60.0;
            }
        }
        let x_gb = xj(y[1], c.gb_kinetics.avrami_exponent);
        let x_m = xj(y[2], c.matrix_kinetics.avrami_exponent);
        let h_gb = cap_gb * x_gb; // mol H
        let h_m = cap_m * x_m;
        let heat_released = 0.5 * (h_gb * c.gb_heat + h_m * c.matrix_heat);
        if x_gb < 0.9 {
            tracing::warn!(
                x_gb,
                "HD: grain-boundary hydriding incomplete; decrepitation will be partial"
            );
        }
        // Degassing (eq. P-13).
        let d = &c.degassing;
        let re_free = cap_gb / c.gb_h_per_re.max(f64::MIN_POSITIVE);
        let (h_gb_ret, h_m_ret) = if d.temperature.si() < d.matrix_release.si() {
            (h_gb, h_m)
        } else if d.temperature.si() < d.full_release.si() {
            (h_gb.min(d.dihydride_h_per_re * re_free), 0.0)
        } else {
            (0.0, 0.0)
        };
        let h_ret_mol = h_gb_ret + h_m_ret;
        let mh = Element::H.molar_mass();
        let mut hydrided = body;
        hydrided[Element::H] += h_ret_mol * mh;
        let (powder, reject) = if eol {
            let eta = c.eol.extraction_efficiency;
            let p = hydrided * eta;
            (p, hydrided - p + coating)
        } else {
            (hydrided, ElementVector::zeros())
        };
        let mut offgas = ElementVector::zeros();
        offgas[Element::H] = h2_supplied - h_ret_mol * mh;
        let grid = c.grid.grid()?;
        // Decrepitation follows the GB hydriding: the unconverted share (1 − X_GB) stays as
        // flake fragments of `undecrepitated_size` (eq. P-15).
        let fine = Psd::rrsb(grid.clone(), c.product_x_prime.si(), c.product_spread)?;
        let psd = if x_gb < 1.0 - 1e-12 {
            let coarse = Psd::monodisperse(grid, c.undecrepitated_size.si());
            Psd::mix(&[(&fine, x_gb), (&coarse, 1.0 - x_gb)])?
        } else {
            fine
        };
        tracing::info!(
            mass,
            peak_temperature = peak,
            x_gb,
            x_matrix = x_m,
            "HD batch"
        );
        Ok(HdResult {
            powder,
            psd,
            reject,
            offgas,
            h_absorbed: (h_gb + h_m) * mh,
            h_retained: h_ret_mol * mh,
            x_gb,
            x_matrix: x_m,
            peak_temperature: peak,
            heat_released,
            heat_lost,
            final_temperature: y[0],
            supply_limited,
            property_retention: if eol { c.eol.property_retention } else { 1.0 },
            trace,
        })
    }
}
