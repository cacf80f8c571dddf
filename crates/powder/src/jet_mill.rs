//! Fluidised-bed opposed-jet mill with a dynamic classifier: population balance over size
//! classes, classifier grade-efficiency curve with recycle of the coarse fraction, cyclone/filter
//! split, throughput from the mill hold-up, specific energy from the gas compression work and
//! O pickup from the new surface and the gas purity.
//!
//! Model (docs/science/powder.md §4, eqs. P-14 … P-24). The grinding chamber is a perfectly
//! mixed bed with class masses `w_i` \[kg\]. Bed material reaches the classifier at the specific
//! rate `k_c` \[s⁻¹\]; the classifier returns a particle of size `d` with probability
//! `T(d) = 1 / (1 + (d_c/d)^κ)` (eq. P-19) and passes the rest as product:
//!
//! ```text
//! dw/dt = F f + A w − K w,   K = diag(k_c (1 − T_i))                 (P-20)
//! ```
//!
//! with `A` the fixed-pivot breakage operator ([`crate::pbm`]). The steady state solves the
//! triangular M-matrix system `(K − A) w = F f` (eq. P-21). In `HoldUp` mode the feed rate
//! follows from the controlled hold-up `H = Σ w_i` (linear in `F`); finer cuts raise `T`, lower
//! `K` and, because the inverse of an M-matrix is monotone, raise the hold-up per unit feed:
//! throughput falls (the fineness–throughput trade-off of process-data.md §3). The product passes
//! a cyclone with grade efficiency `η(d) = 1/(1 + (d_cy/d)^κ_cy)`; what it misses goes to the
//! filter (fines loss). Specific energy = isothermal compression power of the nozzle gas divided
//! by the feed rate (eq. P-22). O pickup per kilogram = `σ_O (x_O2/x_ref)^n · ΔS_m`, the new
//! specific surface times an areal uptake that grows with the gas O₂ content (eq. P-23), limited
//! by the O₂ the gas brings (eq. P-24).

use nalgebra::{DMatrix, DVector};
use repm_material::units::{Density, Length, Mass, MassFlow, Pressure, Temperature};
use repm_material::{Element, ElementVector};
use serde::{Deserialize, Serialize};

use crate::error::{PowderError, check_pos, check_range, input_err};
use crate::gas::{CarrierGas, ProcessGas};
use crate::pbm::{
    BreakageFunction, BreakageOperator, PbmStatus, SelectionFunction, check_masses, finish,
};
use crate::psd::{Psd, SizeGrid};

/// Universal gas constant \[J·mol⁻¹·K⁻¹\] (CODATA 2018, exact).
const R_GAS: f64 = 8.314_462_618;

/// Geometric size grid settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridConfig {
    /// Smallest pivot \[m\]. Default 0.2 µm.
    pub d_min: Length,
    /// Largest pivot \[m\]. Default 2 mm (covers HD powder, process-data.md §2).
    pub d_max: Length,
    /// Number of classes \[-\]. Default 100.
    pub classes: usize,
}

impl Default for GridConfig {
    fn default() -> Self {
        Self {
            d_min: Length::from_si(0.2e-6),
            d_max: Length::from_si(2e-3),
            classes: 100,
        }
    }
}

impl GridConfig {
    /// Build the grid.
    ///
    /// # Errors
    /// [`PowderError::Config`] for invalid bounds.
    pub fn grid(&self) -> Result<SizeGrid, PowderError> {
        SizeGrid::geometric(self.d_min.si(), self.d_max.si(), self.classes)
    }
}

/// A grade-efficiency (separation) curve `T(d) = 1 / (1 + (d_c/d)^κ)`: the fraction of
/// particles of size `d` reporting to the coarse side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeEfficiency {
    /// Cut size `d_c` \[m\] (T = 0.5).
    pub cut_size: Length,
    /// Sharpness κ \[-\] (larger = sharper).
    pub sharpness: f64,
}

impl GradeEfficiency {
    /// `T(d)` \[-\].
    pub fn coarse_fraction(&self, d: f64) -> f64 {
        1.0 / (1.0 + (self.cut_size.si() / d).powf(self.sharpness))
    }

    fn validate(&self, name: &str) -> Result<(), PowderError> {
        check_pos(&format!("{name}.cut_size.si()"), self.cut_size.si())?;
        check_range(&format!("{name}.sharpness"), self.sharpness, 0.1, 50.0)
    }
}

/// How the mill is run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum MillOperation {
    /// The feed is controlled to hold the bed mass (industrial practice: load-cell control).
    HoldUp {
        /// Bed mass \[kg\].
        hold_up: Mass,
    },
    /// Fixed feed rate; the hold-up follows.
    FeedRate {
        /// Feed rate \[kg·s⁻¹\].
        feed_rate: MassFlow,
    },
}

/// Nozzle gas and its compression.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MillGasConfig {
    /// Gas and its O₂ content. Default N₂ with 100 ppm O₂ (est.; high-purity N₂ with the small
    /// controlled O₂ bleed used for passivation, process-data.md §3).
    pub gas: ProcessGas,
    /// Nozzle gas mass flow \[kg·s⁻¹\]. Default 1.3 (est., chosen so the default mill needs
    /// ≈ 2.5 kWh/kg at ≈ 150 kg/h, process-data.md §11.2).
    pub flow: MassFlow,
    /// Nozzle supply pressure, absolute \[Pa\]. Default 8e5 (~7 barg, process-data.md §3).
    pub nozzle_pressure: Pressure,
    /// Suction (ambient) pressure \[Pa\]. Default 101 325.
    pub ambient_pressure: Pressure,
    /// Gas temperature \[K\]. Default 293.15.
    pub temperature: Temperature,
    /// Overall compressor efficiency relative to isothermal compression \[-\]. Default 0.65 (est.).
    pub compressor_efficiency: f64,
}

impl Default for MillGasConfig {
    fn default() -> Self {
        Self {
            gas: ProcessGas {
                carrier: CarrierGas::N2,
                o2_mole_fraction: 100e-6,
            },
            flow: MassFlow::from_si(1.3),
            nozzle_pressure: Pressure::from_si(8e5),
            ambient_pressure: Pressure::from_si(101_325.0),
            temperature: Temperature::from_si(293.15),
            compressor_efficiency: 0.65,
        }
    }
}

impl MillGasConfig {
    /// Compressor power \[W\]: `ṁ (R T / M) ln(p_n / p_a) / η` (eq. P-22).
    pub fn power(&self) -> f64 {
        self.flow.si() * R_GAS * self.temperature.si() / self.gas.molar_mass()
            * (self.nozzle_pressure.si() / self.ambient_pressure.si()).ln()
            / self.compressor_efficiency
    }
}

/// O pickup law (eq. P-23): O mass per unit new surface `σ_O = σ_ref (x_O2 / x_ref)^n`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OxygenPickupConfig {
    /// Areal O uptake at the reference O₂ content \[kg·m⁻²\]. Default 5e-6 (est.: ≈ 5 nm of
    /// RE₂O₃; 3 µm powder then gains ≈ 1300 ppm O, within the 1000–2700 ppm of process-data.md §3–4).
    pub areal_uptake_ref: f64,
    /// Reference O₂ mole fraction \[mol·mol⁻¹\]. Default 100e-6.
    pub o2_ref: f64,
    /// Exponent n \[-\]. Default 0.5 (est., parabolic-like dependence on O₂ activity).
    pub exponent: f64,
}

impl Default for OxygenPickupConfig {
    fn default() -> Self {
        Self {
            areal_uptake_ref: 5e-6,
            o2_ref: 100e-6,
            exponent: 0.5,
        }
    }
}

/// Jet-mill configuration. Defaults are estimates (process-data.md §3, §11.2): they give a
/// D50 near 4 µm and ~150 kg/h from a 2 mm–45 µm HD feed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JetMillConfig {
    /// Size grid.
    pub grid: GridConfig,
    /// Selection function. Default Austin form, `a = 40 s⁻¹` at 100 µm, α = 3, μ = 1 mm, Λ = 2 (est.;
    /// α chosen so that an 18 % finer Sauter mean costs ~45 % of the throughput, cf. the 2.8 → 2.3 µm,
    /// −60 % report in process-data.md §3).
    pub selection: SelectionFunction,
    /// Breakage function. Default Austin, φ = 0.3, γ = 2.0, β = 5.0 (est.).
    pub breakage: BreakageFunction,
    /// Classifier wheel. Default cut 3.5 µm, sharpness 8 (est.; gives D50 ≈ 4 µm, process-data.md §3).
    pub classifier: GradeEfficiency,
    /// Specific rate at which bed material reaches the classifier `k_c` \[s⁻¹\]. Default 0.1 (est.).
    pub classifier_rate: f64,
    /// Product cyclone. Default cut 0.6 µm, sharpness 2.5 (est.; ≈ 2.5 % fines loss, the 97.5 % yield
    /// of process-data.md §11.2).
    pub cyclone: GradeEfficiency,
    /// Operating mode. Default hold-up 10 kg (est.).
    pub operation: MillOperation,
    /// Nozzle gas.
    pub gas: MillGasConfig,
    /// O pickup law.
    pub oxygen: OxygenPickupConfig,
    /// Particle (skeletal) density \[kg·m⁻³\]. Default 7600 (NdFeB, ~7.5–7.6 g/cm³).
    pub particle_density: Density,
}

impl Default for JetMillConfig {
    fn default() -> Self {
        Self {
            grid: GridConfig::default(),
            selection: SelectionFunction::Austin {
                a: 40.0,
                alpha: 3.0,
                d_ref: 100e-6,
                mu: 1e-3,
                lambda: 2.0,
            },
            breakage: BreakageFunction::Austin {
                phi: 0.3,
                gamma: 2.0,
                beta: 5.0,
            },
            classifier: GradeEfficiency {
                cut_size: Length::from_si(3.5e-6),
                sharpness: 8.0,
            },
            classifier_rate: 0.1,
            cyclone: GradeEfficiency {
                cut_size: Length::from_si(0.6e-6),
                sharpness: 2.5,
            },
            operation: MillOperation::HoldUp {
                hold_up: Mass::from_si(10.0),
            },
            gas: MillGasConfig::default(),
            oxygen: OxygenPickupConfig::default(),
            particle_density: Density::from_si(7600.0),
        }
    }
}

impl JetMillConfig {
    /// Check every field.
    ///
    /// # Errors
    /// [`PowderError::Config`] naming the first invalid field.
    pub fn validate(&self) -> Result<(), PowderError> {
        self.grid.grid()?;
        self.selection.validate()?;
        self.breakage.validate()?;
        self.classifier.validate("jet_mill.classifier")?;
        self.cyclone.validate("jet_mill.cyclone")?;
        check_pos("jet_mill.classifier_rate", self.classifier_rate)?;
        match self.operation {
            MillOperation::HoldUp { hold_up } => {
                check_pos("jet_mill.operation.hold_up", hold_up.si())?
            }
            MillOperation::FeedRate { feed_rate } => {
                check_pos("jet_mill.operation.feed_rate", feed_rate.si())?
            }
        }
        self.gas.gas.validate()?;
        check_pos("jet_mill.gas.flow.si()", self.gas.flow.si())?;
        check_pos(
            "jet_mill.gas.ambient_pressure.si()",
            self.gas.ambient_pressure.si(),
        )?;
        if !(self.gas.nozzle_pressure.si().is_finite()
            && self.gas.nozzle_pressure.si() > self.gas.ambient_pressure.si())
        {
            return Err(crate::error::config_err(
                "jet_mill.gas.nozzle_pressure.si()",
                self.gas.nozzle_pressure.si(),
                "must exceed ambient_pressure [Pa]",
            ));
        }
        check_pos("jet_mill.gas.temperature.si()", self.gas.temperature.si())?;
        check_range(
            "jet_mill.gas.compressor_efficiency",
            self.gas.compressor_efficiency,
            0.01,
            1.0,
        )?;
        check_pos(
            "jet_mill.oxygen.areal_uptake_ref",
            self.oxygen.areal_uptake_ref,
        )?;
        check_pos("jet_mill.oxygen.o2_ref", self.oxygen.o2_ref)?;
        check_range("jet_mill.oxygen.exponent", self.oxygen.exponent, 0.0, 3.0)?;
        check_pos("jet_mill.particle_density.si()", self.particle_density.si())
    }
}

/// Steady-state operating point of the mill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MillSteadyState {
    /// Feed rate \[kg·s⁻¹\].
    pub feed_rate: f64,
    /// Bed mass \[kg\].
    pub hold_up: f64,
    /// Mean residence time `hold_up / feed_rate` \[s\].
    pub residence_time: f64,
    /// Product (cyclone underflow) rate \[kg·s⁻¹\].
    pub product_rate: f64,
    /// Filter fines rate \[kg·s⁻¹\] (the mill's mass loss).
    pub fines_rate: f64,
    /// Bed PSD.
    pub bed_psd: Psd,
    /// Product PSD.
    pub product_psd: Psd,
    /// Filter-fines PSD.
    pub fines_psd: Psd,
    /// Compressor power \[W\].
    pub power: f64,
    /// Specific energy per kg of feed \[J·kg⁻¹\].
    pub specific_energy: f64,
    /// Gas-to-solids mass ratio \[-\].
    pub gas_solids_ratio: f64,
}

/// Result of milling one lot (element masses; the PSDs are those of the steady state).
#[derive(Debug, Clone, PartialEq)]
pub struct MillLotResult {
    /// Steady-state operating point used.
    pub steady: MillSteadyState,
    /// Milling time of the lot at the steady feed rate \[s\].
    pub duration: f64,
    /// Product element masses \[kg\] (feed share plus picked-up O).
    pub product: ElementVector,
    /// Filter fines element masses \[kg\].
    pub fines: ElementVector,
    /// Gas consumed: element masses fed \[kg\].
    pub gas_in: ElementVector,
    /// Spent gas element masses \[kg\] (gas in minus the O picked up).
    pub gas_out: ElementVector,
    /// O picked up by product and fines \[kg\].
    pub oxygen_pickup: f64,
    /// True if the gas did not carry enough O₂ for the surface law and the pickup was capped.
    pub oxygen_supply_limited: bool,
}

/// Transient state of the bed: class masses \[kg\].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MillBed {
    /// Class masses in the bed \[kg\].
    pub masses: Vec<f64>,
}

/// Result of advancing the bed over a time step.
#[derive(Debug, Clone, PartialEq)]
pub struct MillStep {
    /// Product collected by the cyclone per class \[kg\].
    pub product: Vec<f64>,
    /// Fines sent to the filter per class \[kg\].
    pub fines: Vec<f64>,
    /// Solver status.
    pub status: PbmStatus,
}

/// An assembled jet mill (operator and curves precomputed from a validated config).
#[derive(Debug, Clone)]
pub struct JetMill {
    config: JetMillConfig,
    grid: SizeGrid,
    op: BreakageOperator,
    k_out: Vec<f64>,
    cyclone: Vec<f64>,
}

impl JetMill {
    /// Validate the config and assemble the operator.
    ///
    /// # Errors
    /// [`PowderError::Config`] naming the invalid field.
    pub fn new(config: JetMillConfig) -> Result<Self, PowderError> {
        config.validate()?;
        let grid = config.grid.grid()?;
        let op = BreakageOperator::new(&grid, &config.selection, &config.breakage)?;
        let k_out = grid
            .pivots()
            .iter()
            .map(|&d| config.classifier_rate * (1.0 - config.classifier.coarse_fraction(d)))
            .collect();
        let cyclone = grid
            .pivots()
            .iter()
            .map(|&d| config.cyclone.coarse_fraction(d))
            .collect();
        Ok(Self {
            config,
            grid,
            op,
            k_out,
            cyclone,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &JetMillConfig {
        &self.config
    }

    /// The size grid.
    pub fn grid(&self) -> &SizeGrid {
        &self.grid
    }

    /// The breakage operator.
    pub fn operator(&self) -> &BreakageOperator {
        &self.op
    }

    /// Bed masses per unit feed rate at steady state, `(K − A)⁻¹ f` \[kg per kg·s⁻¹\].
    fn unit_bed(&self, f: &[f64]) -> Vec<f64> {
        let n = self.grid.len();
        let a = self.op.matrix();
        let mut w = vec![0.0; n];
        for i in (0..n).rev() {
            let mut rhs = f[i];
            for (k, wk) in w.iter().enumerate().skip(i + 1) {
                rhs += a[(i, k)] * wk;
            }
            w[i] = rhs / (self.k_out[i] - a[(i, i)]);
        }
        w
    }

    /// Steady state for a feed PSD (re-binned onto the mill grid).
    ///
    /// # Errors
    /// [`PowderError::Input`] if the solution is degenerate (no product).
    pub fn steady_state(&self, feed_psd: &Psd) -> Result<MillSteadyState, PowderError> {
        let f = feed_psd.rebin(&self.grid);
        let w1 = self.unit_bed(f.fractions());
        let h1: f64 = w1.iter().sum();
        let feed_rate = match self.config.operation {
            MillOperation::HoldUp { hold_up } => hold_up.si() / h1,
            MillOperation::FeedRate { feed_rate } => feed_rate.si(),
        };
        let w: Vec<f64> = w1.iter().map(|x| x * feed_rate).collect();
        let out: Vec<f64> = w.iter().zip(&self.k_out).map(|(w, k)| w * k).collect();
        let prod: Vec<f64> = out.iter().zip(&self.cyclone).map(|(o, e)| o * e).collect();
        let fines: Vec<f64> = out
            .iter()
            .zip(&self.cyclone)
            .map(|(o, e)| o * (1.0 - e))
            .collect();
        let product_rate: f64 = prod.iter().sum();
        let fines_rate: f64 = fines.iter().sum();
        let hold_up: f64 = w.iter().sum();
        let power = self.config.gas.power();
        let fines_psd = if fines_rate > 0.0 {
            Psd::from_masses(self.grid.clone(), &fines)?
        } else {
            Psd::monodisperse(self.grid.clone(), self.grid.pivots()[0])
        };
        Ok(MillSteadyState {
            feed_rate,
            hold_up,
            residence_time: hold_up / feed_rate,
            product_rate,
            fines_rate,
            bed_psd: Psd::from_masses(self.grid.clone(), &w)?,
            product_psd: Psd::from_masses(self.grid.clone(), &prod).map_err(|_| {
                input_err(
                    "jet_mill.product",
                    product_rate,
                    "no product at steady state",
                )
            })?,
            fines_psd,
            power,
            specific_energy: power / feed_rate,
            gas_solids_ratio: self.config.gas.flow.si() / feed_rate,
        })
    }

    /// Areal O uptake for the configured gas \[kg·m⁻²\] (eq. P-23).
    pub fn areal_oxygen_uptake(&self) -> f64 {
        let o = &self.config.oxygen;
        o.areal_uptake_ref * (self.config.gas.gas.o2_mole_fraction / o.o2_ref).powf(o.exponent)
    }

    /// Mill one lot of element masses `feed` \[kg\] with PSD `feed_psd` at steady state.
    /// Product and fines share the feed composition in proportion to their masses; each gains O
    /// in proportion to its new specific surface (eq. P-23), capped by the O₂ in the gas used
    /// during the lot (eq. P-24). Conserves every element with the gas included.
    ///
    /// # Errors
    /// [`PowderError::Input`] for an empty or invalid feed.
    pub fn mill_lot(
        &self,
        feed: &ElementVector,
        feed_psd: &Psd,
    ) -> Result<MillLotResult, PowderError> {
        if let Some((e, x)) = feed.first_invalid() {
            return Err(input_err(
                &format!("jet_mill.feed[{}]", e.symbol()),
                x,
                "element masses must be finite and >= 0 [kg]",
            ));
        }
        let mass = feed.sum();
        if mass <= 0.0 {
            return Err(input_err(
                "jet_mill.feed",
                mass,
                "feed mass must be > 0 [kg]",
            ));
        }
        let steady = self.steady_state(feed_psd)?;
        let duration = mass / steady.feed_rate;
        let rho = self.config.particle_density.si();
        let s_feed = feed_psd.specific_surface(rho);
        let total_out = steady.product_rate + steady.fines_rate;
        let frac_prod = steady.product_rate / total_out;
        let sigma = self.areal_oxygen_uptake();
        let o_prod_want =
            sigma * (steady.product_psd.specific_surface(rho) - s_feed).max(0.0) * mass * frac_prod;
        let o_fines_want = sigma
            * (steady.fines_psd.specific_surface(rho) - s_feed).max(0.0)
            * mass
            * (1.0 - frac_prod);
        let gas_mass = self.config.gas.flow.si() * duration;
        let gas_in = self.config.gas.gas.element_masses(gas_mass);
        let o_avail = gas_in[Element::O];
        let want = o_prod_want + o_fines_want;
        let (scale, limited) = if want > o_avail && want > 0.0 {
            tracing::warn!(
                want,
                available = o_avail,
                "jet mill O pickup limited by O2 supply of the gas"
            );
            (o_avail / want, true)
        } else {
            (1.0, false)
        };
        let mut product = *feed * frac_prod;
        let mut fines = *feed - product;
        product[Element::O] += o_prod_want * scale;
        fines[Element::O] += o_fines_want * scale;
        let pickup = (o_prod_want + o_fines_want) * scale;
        let mut gas_out = gas_in;
        gas_out[Element::O] -= pickup;
        tracing::info!(
            mass,
            duration,
            d50 = steady.product_psd.d50(),
            pickup,
            "jet mill lot"
        );
        Ok(MillLotResult {
            steady,
            duration,
            product,
            fines,
            gas_in,
            gas_out,
            oxygen_pickup: pickup,
            oxygen_supply_limited: limited,
        })
    }

    /// An empty bed.
    pub fn empty_bed(&self) -> MillBed {
        MillBed {
            masses: vec![0.0; self.grid.len()],
        }
    }

    /// Advance the bed exactly over `dt` \[s\] with constant feed `feed_rate` \[kg·s⁻¹\] of PSD
    /// `feed_psd`: the augmented linear system `[w, P, 1]` (bed, cumulative classifier output,
    /// constant) is propagated with one matrix exponential (docs/science/powder.md §4.4).
    ///
    /// # Errors
    /// [`PowderError::Input`] for a negative or non-finite `dt`, `feed_rate` or bed.
    pub fn advance(
        &self,
        bed: &mut MillBed,
        feed_rate: f64,
        feed_psd: &Psd,
        dt: f64,
    ) -> Result<MillStep, PowderError> {
        let n = self.grid.len();
        check_masses(&bed.masses, n)?;
        if !(dt.is_finite() && dt >= 0.0) {
            return Err(input_err("jet_mill.dt", dt, "must be finite and >= 0 [s]"));
        }
        if !(feed_rate.is_finite() && feed_rate >= 0.0) {
            return Err(input_err(
                "jet_mill.feed_rate",
                feed_rate,
                "must be finite and >= 0 [kg·s⁻¹]",
            ));
        }
        let f = feed_psd.rebin(&self.grid);
        let a = self.op.matrix();
        let m = 2 * n + 1;
        let mut big = DMatrix::<f64>::zeros(m, m);
        for k in 0..n {
            for i in 0..=k {
                big[(i, k)] = a[(i, k)] * dt;
            }
            big[(k, k)] -= self.k_out[k] * dt;
            big[(n + k, k)] = self.k_out[k] * dt;
            big[(k, 2 * n)] = feed_rate * f.fractions()[k] * dt;
        }
        let mut e = big.exp();
        // Mass leaving a bed class ends in the bed or the classifier output: unit column sums over
        // the first 2n rows; the feed column delivers feed_rate·dt. Remove squaring round-off.
        let fed = feed_rate * dt;
        crate::pbm::renormalise_columns(&mut e, 2 * n, |k| {
            if k < n {
                1.0
            } else if k == 2 * n {
                fed
            } else {
                0.0
            }
        });
        let mut z0 = DVector::<f64>::zeros(m);
        for k in 0..n {
            z0[k] = bed.masses[k];
        }
        z0[2 * n] = 1.0;
        let z = e * z0;
        let total_in = bed.masses.iter().sum::<f64>() + feed_rate * dt;
        let out: Vec<f64> = z.as_slice()[..2 * n].to_vec();
        let (out, status) = finish(total_in, out);
        bed.masses.copy_from_slice(&out[..n]);
        let product = (0..n).map(|k| out[n + k] * self.cyclone[k]).collect();
        let fines = (0..n)
            .map(|k| out[n + k] * (1.0 - self.cyclone[k]))
            .collect();
        Ok(MillStep {
            product,
            fines,
            status,
        })
    }
}
