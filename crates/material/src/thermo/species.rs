//! Phases and species: H, S, G, Cp at T, stable-phase selection (minimum G).

use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use super::poly::{CpPiece, Hsc, Magnetic};

/// State of aggregation of a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Crystalline solid.
    Solid,
    /// Liquid.
    Liquid,
    /// Ideal gas at the standard pressure 1 bar.
    Gas,
}

/// One phase of a species: Cp pieces on the formation scale, optional magnetic term.
#[derive(Debug)]
pub struct PhaseThermo {
    pub(crate) name: String,
    pub(crate) state: State,
    pub(crate) pieces: Vec<CpPiece>,
    pub(crate) magnetic: Option<Magnetic>,
    warned_low: AtomicBool,
    warned_high: AtomicBool,
}

impl Clone for PhaseThermo {
    fn clone(&self) -> Self {
        PhaseThermo::new(
            self.name.clone(),
            self.state,
            self.pieces.clone(),
            self.magnetic,
        )
    }
}

/// Properties of a species at one temperature, in its stable (or chosen) phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Props {
    /// Temperature \[K\].
    pub t: f64,
    /// Enthalpy on the formation scale (elements in their reference state have H(298.15 K) = 0) [J·mol⁻¹].
    pub h: f64,
    /// Absolute (third-law) entropy at 1 bar [J·mol⁻¹·K⁻¹].
    pub s: f64,
    /// Gibbs energy G = H − TS [J·mol⁻¹].
    pub g: f64,
    /// Isobaric heat capacity [J·mol⁻¹·K⁻¹].
    pub cp: f64,
    /// Index of the phase used (into [`SpeciesThermo::phases`]).
    pub phase: usize,
    /// `false` when the phase was evaluated outside the temperature range of its data.
    pub in_range: bool,
}

impl PhaseThermo {
    pub(crate) fn new(
        name: String,
        state: State,
        pieces: Vec<CpPiece>,
        magnetic: Option<Magnetic>,
    ) -> Self {
        PhaseThermo {
            name,
            state,
            pieces,
            magnetic,
            warned_low: AtomicBool::new(false),
            warned_high: AtomicBool::new(false),
        }
    }

    /// Phase label as in the source (e.g. `"a"`, `"L"`, `"DHCP"`, `"LIQUID"`, `"g"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// State of aggregation.
    pub fn state(&self) -> State {
        self.state
    }

    /// Temperature range of the data \[K\].
    pub fn range(&self) -> (f64, f64) {
        (self.pieces[0].t_lo, self.pieces[self.pieces.len() - 1].t_hi)
    }

    /// Piece boundaries inside the phase \[K\] (where H must be continuous).
    pub fn internal_boundaries(&self) -> Vec<f64> {
        self.pieces.iter().skip(1).map(|p| p.t_lo).collect()
    }

    pub(crate) fn shift(&mut self, dh: f64, ds: f64) {
        for p in &mut self.pieces {
            p.h0 += dh;
            p.s0 += ds;
        }
    }

    /// H, S, Cp without range warnings.
    #[inline]
    pub(crate) fn eval_phase(&self, t: f64) -> Hsc {
        let n = self.pieces.len();
        let mut i = 0;
        while i + 1 < n && t >= self.pieces[i].t_hi {
            i += 1;
        }
        let mut v = self.pieces[i].eval(t);
        if let Some(m) = &self.magnetic {
            let mv = m.eval(t);
            v.h += mv.h;
            v.s += mv.s;
            v.cp += mv.cp;
        }
        v
    }

    /// Properties at `t` \[K\]; warns (once per phase and side) when `t` is outside the range.
    pub fn props(&self, t: f64, species: &str) -> Props {
        let (lo, hi) = self.range();
        let tol = 1e-6;
        // records tabulated from 300 K (several NASA salts) are meant to serve 298.15 K: no warning
        let lo_eff = if lo <= 300.0 + tol {
            lo.min(super::T_REF)
        } else {
            lo
        };
        let in_range = t >= lo_eff - tol && t <= hi + tol;
        if !in_range {
            let flag = if t < lo {
                &self.warned_low
            } else {
                &self.warned_high
            };
            if !flag.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    species,
                    phase = %self.name,
                    t,
                    range_lo = lo,
                    range_hi = hi,
                    "thermo data used outside its temperature range (extrapolated); warned once per phase"
                );
            }
        }
        let v = self.eval_phase(t);
        Props {
            t,
            h: v.h,
            s: v.s,
            g: v.h - t * v.s,
            cp: v.cp,
            phase: 0,
            in_range,
        }
    }
}

/// Thermochemistry of one species in one data set: its phases and where the data came from.
#[derive(Debug, Clone)]
pub struct SpeciesThermo {
    pub(crate) name: String,
    pub(crate) phases: Vec<PhaseThermo>,
    pub(crate) provenance: super::db::Provenance,
}

impl SpeciesThermo {
    /// Species name as used in the data files (`"NdF3"`, `"Ca"`, `"Ca(g)"`, `"O2"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The phases, in data-file order.
    pub fn phases(&self) -> &[PhaseThermo] {
        &self.phases
    }

    /// Where the data came from.
    pub fn provenance(&self) -> &super::db::Provenance {
        &self.provenance
    }

    /// Overall temperature range covered by the phases \[K\].
    pub fn range(&self) -> (f64, f64) {
        let lo = self
            .phases
            .iter()
            .map(|p| p.range().0)
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .phases
            .iter()
            .map(|p| p.range().1)
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    /// Index of the stable phase at `t` \[K\]: minimum G among the phases whose range contains
    /// `t`; if none does, the phase whose range is nearest (a warning is logged on evaluation).
    pub fn stable_phase(&self, t: f64) -> usize {
        // closed ranges, no tolerance: at a shared boundary both phases compete by G, just
        // above it only the upper one is a candidate (NASA/Shomate/Kelley phases are by range)
        let tol = 0.0;
        let mut best: Option<(usize, f64)> = None;
        for (i, p) in self.phases.iter().enumerate() {
            let (lo, hi) = p.range();
            if t >= lo - tol && t <= hi + tol {
                let v = p.eval_phase(t);
                let g = v.h - t * v.s;
                if best.is_none_or(|(_, gb)| g < gb) {
                    best = Some((i, g));
                }
            }
        }
        if let Some((i, _)) = best {
            return i;
        }
        // no phase covers t: the phases whose range is nearest (ties: all ending at the same
        // bound, as the SGTE phases of one element do) compete by minimum G
        let dist = |p: &PhaseThermo| {
            let (lo, hi) = p.range();
            if t < lo { lo - t } else { t - hi }
        };
        let dmin = self.phases.iter().map(dist).fold(f64::INFINITY, f64::min);
        let mut best = (0, f64::INFINITY);
        for (i, p) in self.phases.iter().enumerate() {
            if dist(p) <= dmin + 1e-6 {
                let v = p.eval_phase(t);
                let g = v.h - t * v.s;
                if g < best.1 {
                    best = (i, g);
                }
            }
        }
        best.0
    }

    /// Properties at `t` \[K\] in the stable phase.
    pub fn props(&self, t: f64) -> Props {
        // fast path: one phase, or exactly one phase whose range covers t
        let mut covering = None;
        let mut n_cover = 0;
        for (i, p) in self.phases.iter().enumerate() {
            let (lo, hi) = p.range();
            if t >= lo && t <= hi {
                n_cover += 1;
                covering = Some(i);
            }
        }
        let i = match (n_cover, covering) {
            (1, Some(i)) => i,
            _ => self.stable_phase(t),
        };
        let mut p = self.phases[i].props(t, &self.name);
        p.phase = i;
        p
    }

    /// Properties at `t` \[K\] in the named phase (metastable evaluation allowed).
    pub fn props_in_phase(&self, t: f64, phase: &str) -> Option<Props> {
        let i = self.phases.iter().position(|p| p.name == phase)?;
        let mut p = self.phases[i].props(t, &self.name);
        p.phase = i;
        Some(p)
    }

    /// Enthalpy H(T) [J·mol⁻¹] (formation scale).
    pub fn h(&self, t: f64) -> f64 {
        self.props(t).h
    }

    /// Entropy S(T) [J·mol⁻¹·K⁻¹].
    pub fn s(&self, t: f64) -> f64 {
        self.props(t).s
    }

    /// Gibbs energy G(T) = H − TS [J·mol⁻¹].
    pub fn g(&self, t: f64) -> f64 {
        self.props(t).g
    }

    /// Heat capacity Cp(T) [J·mol⁻¹·K⁻¹].
    pub fn cp(&self, t: f64) -> f64 {
        self.props(t).cp
    }

    /// Phase changes of the stable phase between `t_lo` and `t_hi` \[K\]: (T \[K\], from, to, ΔH
    /// [J·mol⁻¹]). Located by bisection on the stable-phase index to 1e-9 K; ΔH = H_to − H_from at T.
    pub fn transitions(&self, t_lo: f64, t_hi: f64) -> Vec<Transition> {
        let mut out = Vec::new();
        let n = ((t_hi - t_lo) / 5.0).ceil().max(1.0) as usize;
        let mut a = t_lo;
        let mut pa = self.stable_phase(a);
        for k in 1..=n {
            let b = t_lo + (t_hi - t_lo) * k as f64 / n as f64;
            let pb = self.stable_phase(b);
            if pb != pa {
                let (mut x, mut y) = (a, b);
                while y - x > 1e-9 {
                    let m = 0.5 * (x + y);
                    if self.stable_phase(m) == pa {
                        x = m
                    } else {
                        y = m
                    }
                }
                let pm = self.stable_phase(y);
                let t = 0.5 * (x + y);
                let dh = self.phases[pm].eval_phase(t).h - self.phases[pa].eval_phase(t).h;
                // two changes inside one 5 K step would be reported as one (from -> last)
                out.push(Transition {
                    t,
                    from: pa,
                    to: pm,
                    dh,
                });
            }
            a = b;
            pa = pb;
        }
        out
    }
}

/// A change of the stable phase on heating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// Transition temperature \[K\].
    pub t: f64,
    /// Phase index below.
    pub from: usize,
    /// Phase index above.
    pub to: usize,
    /// Transition enthalpy H_to − H_from at `t` [J·mol⁻¹].
    pub dh: f64,
}
