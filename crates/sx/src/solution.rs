//! Solver trait and the solution report every solver returns.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::equilibrium::MOL_PER_M3_PER_MOLAR;
use crate::system::StageSystem;
use crate::topology::{Cascade, Phase};

/// Outcome of a steady-state solve (data, never a panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// Scaled residual below the tolerance.
    Converged,
    /// Iteration limit reached before convergence.
    MaxIterations,
    /// The iterate became non-finite or the residual blew up.
    Diverged,
    /// Newton's line search could not reduce the residual, or the Jacobian was singular.
    Stalled,
    /// The solver does not apply to this cascade (e.g. Kremser-exact on a non-constant-D model).
    NotApplicable,
}

impl SolveStatus {
    /// Whether the solve converged.
    pub fn is_converged(self) -> bool {
        self == SolveStatus::Converged
    }
}

/// Stage-by-stage profiles at the solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageProfiles {
    /// Component symbols (column order of the concentration rows).
    pub components: Vec<String>,
    /// Aqueous concentrations leaving each stage, `[stage][component]` [mol·m⁻³].
    pub aqueous: Vec<Vec<f64>>,
    /// Organic concentrations leaving each stage, `[stage][component]` [mol·m⁻³].
    pub organic: Vec<Vec<f64>>,
    /// Equilibrium distribution ratios D(stage state), `[stage][component]` [-]. With Murphree
    /// stages (E < 1) the organic leaving a stage is not D·x: it is
    /// y_in + E·(D·x − y_in) (`docs/science/sx.md` eq. 14).
    pub distribution: Vec<Vec<f64>>,
    /// Free H⁺ per stage [mol·m⁻³] (0 when the acid is not tracked).
    pub h_plus: Vec<f64>,
    /// Free extractant dimer per stage [mol·m⁻³] (0 when not tracked): total extractant minus
    /// what the actual organic loading binds (eq. 12).
    pub free_extractant: Vec<f64>,
    /// Aqueous flow leaving each stage [m³·s⁻¹].
    pub aqueous_flow: Vec<f64>,
    /// Organic flow leaving each stage [m³·s⁻¹].
    pub organic_flow: Vec<f64>,
}

impl StageProfiles {
    /// pH per stage on the molar concentration basis (no activity) [-]; NaN when untracked.
    pub fn ph(&self) -> Vec<f64> {
        self.h_plus
            .iter()
            .map(|h| -(h / MOL_PER_M3_PER_MOLAR).log10())
            .collect()
    }
}

/// One product stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductReport {
    /// Outlet name.
    pub name: String,
    /// Phase.
    pub phase: Phase,
    /// Stage it leaves.
    pub stage: usize,
    /// Flow [m³·s⁻¹].
    pub flow: f64,
    /// Molar flows per component [mol·s⁻¹].
    pub molar_flows: Vec<f64>,
    /// Mass flows per component (as element, or NH₄⁺) [kg·s⁻¹].
    pub mass_flows: Vec<f64>,
    /// Purity per component: mole fraction among the metal components (saponification cation
    /// excluded) [-].
    pub purity: Vec<f64>,
    /// Recovery per component: fraction of the component's total feed leaving here [-].
    pub recovery: Vec<f64>,
}

/// Whole-cascade balance of one component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentBalance {
    /// Component symbol.
    pub component: String,
    /// Total fed [mol·s⁻¹].
    pub fed: f64,
    /// Total leaving in products [mol·s⁻¹].
    pub out: f64,
    /// (out − fed)/fed [-].
    pub relative_error: f64,
}

/// Reagent use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReagentReport {
    /// Acid fed in aqueous feeds (titratable H⁺) [mol·s⁻¹].
    pub acid_fed: f64,
    /// Acid leaving in aqueous products (free H⁺ + HSO₄⁻) [mol·s⁻¹] (0 when untracked).
    pub acid_in_products: f64,
    /// Base consumed by saponification (= saponification cation fed) [mol·s⁻¹].
    pub base_for_saponification: f64,
    /// Extractant (dimer) held up in the stages \[mol\].
    pub extractant_inventory: f64,
    /// Extractant lost by entrainment with the aqueous products [mol·s⁻¹].
    pub extractant_entrainment_loss: f64,
}

/// A steady-state solution (serde-serialisable report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    /// Solver name.
    pub solver: String,
    /// Outcome.
    pub status: SolveStatus,
    /// Iterations (sweeps for substitution, Newton steps for Newton, 1 for Kremser-exact).
    pub iterations: usize,
    /// Max over stages and equations of the scaled residual [-] (balances divided by the
    /// stage throughput of the balanced quantity, eq. 13).
    pub residual: f64,
    /// Wall-clock time of the solve \[s\].
    pub wall_time: f64,
    /// Stage profiles.
    pub profiles: StageProfiles,
    /// Products (raffinate, loaded organic, draws), after recycles.
    pub products: Vec<ProductReport>,
    /// Component balances.
    pub balances: Vec<ComponentBalance>,
    /// Reagent use.
    pub reagents: ReagentReport,
}

impl Solution {
    /// The product of that name.
    pub fn product(&self, name: &str) -> Option<&ProductReport> {
        self.products.iter().find(|p| p.name == name)
    }
    /// Largest |relative balance error| over the components [-].
    pub fn max_balance_error(&self) -> f64 {
        self.balances
            .iter()
            .map(|b| b.relative_error.abs())
            .fold(0.0, f64::max)
    }
}

/// A steady-state cascade solver.
pub trait SteadySolver: fmt::Debug {
    /// Short name used in reports and benchmarks.
    fn name(&self) -> &'static str;
    /// Solves from the solver's own initial estimate.
    fn solve(&self, cascade: &Cascade) -> Solution {
        self.solve_from(cascade, None)
    }
    /// Solves from an initial estimate (e.g. a design estimate or another solver's profiles);
    /// solvers that need none ignore it.
    fn solve_from(&self, cascade: &Cascade, initial: Option<&StageProfiles>) -> Solution;
}

/// Loads profiles into the stage system state (x, h, e), flooring at tiny positives.
pub(crate) fn load_profiles(sys: &mut StageSystem<'_>, p: &StageProfiles) -> bool {
    let (n, nc) = (sys.n, sys.nc);
    if p.aqueous.len() != n || p.aqueous.iter().any(|r| r.len() != nc) {
        return false;
    }
    for k in 0..n {
        for j in 0..nc {
            let v = p.aqueous[k][j];
            sys.x[k * nc + j] = if v.is_finite() && v > 0.0 {
                v
            } else {
                crate::system::CONC_FLOOR
            };
        }
        if sys.acid {
            let h = p.h_plus.get(k).copied().unwrap_or(0.0);
            let e = p.free_extractant.get(k).copied().unwrap_or(0.0);
            sys.h[k] = if h.is_finite() && h > 0.0 { h } else { 1.0 };
            sys.e[k] = if e.is_finite() && e > 0.0 {
                e
            } else {
                0.5 * sys.c.extractant_total[k]
            };
        }
    }
    if sys.mv {
        if p.organic.len() == n && p.organic.iter().all(|r| r.len() == nc) {
            for k in 0..n {
                for j in 0..nc {
                    let v = p.organic[k][j];
                    sys.y[k * nc + j] = if v.is_finite() && v > 0.0 {
                        v
                    } else {
                        crate::system::CONC_FLOOR
                    };
                }
            }
        } else {
            sys.organic_from_equilibrium();
        }
    }
    true
}

/// Builds the report from the loaded system state.
pub(crate) fn build_solution(
    sys: &StageSystem<'_>,
    solver: &str,
    status: SolveStatus,
    iterations: usize,
    residual: f64,
    wall_time: f64,
) -> Solution {
    let c = sys.c;
    let (n, nc) = (sys.n, sys.nc);
    let rows = |v: &[f64]| {
        (0..n)
            .map(|k| v[k * nc..(k + 1) * nc].to_vec())
            .collect::<Vec<_>>()
    };
    let profiles = StageProfiles {
        components: c.components.iter().map(|x| x.symbol.clone()).collect(),
        aqueous: rows(&sys.x),
        organic: rows(&sys.y),
        distribution: rows(&sys.d),
        h_plus: if sys.acid {
            sys.h.clone()
        } else {
            vec![0.0; n]
        },
        free_extractant: if sys.acid {
            sys.e.clone()
        } else {
            vec![0.0; n]
        },
        aqueous_flow: c.flows.aqueous_out.clone(),
        organic_flow: c.flows.organic_out.clone(),
    };
    let fed: Vec<f64> = (0..nc).map(|j| c.total_feed(j)).collect();
    let mut out = vec![0.0; nc];
    let mut products = Vec::new();
    let mut acid_out = 0.0;
    let mut aq_out_flow_ext = 0.0;
    for o in &c.outlets {
        let conc = match o.phase {
            Phase::Aqueous => &sys.x,
            Phase::Organic => &sys.y,
        };
        let molar: Vec<f64> = (0..nc).map(|j| o.flow * conc[o.stage * nc + j]).collect();
        let metal: f64 = molar
            .iter()
            .zip(&c.reagent_component)
            .filter(|(_, r)| !**r)
            .map(|(m, _)| m)
            .sum();
        let purity = molar
            .iter()
            .zip(&c.reagent_component)
            .map(|(m, r)| if *r || metal <= 0.0 { 0.0 } else { m / metal })
            .collect();
        let recovery = molar.iter().zip(&fed).map(|(m, f)| m / f).collect();
        for j in 0..nc {
            out[j] += molar[j];
        }
        if o.phase == Phase::Aqueous {
            aq_out_flow_ext += o.flow * c.extractant_total[o.stage];
            if sys.acid {
                let h = sys.h[o.stage];
                acid_out += o.flow * (h + c.sulfate[o.stage] * h / (h + c.ka));
            }
        }
        let mass_flows = molar
            .iter()
            .zip(&c.components)
            .map(|(m, comp)| m * comp.molar_mass())
            .collect();
        products.push(ProductReport {
            mass_flows,
            name: o.name.clone(),
            phase: o.phase,
            stage: o.stage,
            flow: o.flow,
            molar_flows: molar,
            purity,
            recovery,
        });
    }
    let balances = (0..nc)
        .map(|j| ComponentBalance {
            component: c.components[j].symbol.clone(),
            fed: fed[j],
            out: out[j],
            relative_error: (out[j] - fed[j]) / fed[j],
        })
        .collect();
    let mut inventory = 0.0;
    for (k, s) in c.stage_section.iter().enumerate() {
        inventory += c.spec.sections[*s].organic_holdup * c.extractant_total[k];
    }
    let reagents = ReagentReport {
        acid_fed: c.acid_fed,
        acid_in_products: acid_out,
        base_for_saponification: c.base_fed,
        extractant_inventory: inventory,
        extractant_entrainment_loss: c.spec.entrainment * aq_out_flow_ext,
    };
    Solution {
        solver: solver.to_string(),
        status,
        iterations,
        residual,
        wall_time,
        profiles,
        products,
        balances,
        reagents,
    }
}
