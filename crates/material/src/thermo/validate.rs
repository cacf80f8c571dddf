//! Load-time validation of every species of every source (eq. T9 of the science page):
//! H and S continuous inside a phase, jumps only by the documented ΔH at a transition,
//! Cp > 0 over the range, SGTE G polynomial = H − TS.

use super::records::{Form, PhaseRecord, data_err};
use super::species::{PhaseThermo, SpeciesThermo};
use crate::error::MaterialError;

/// Largest H step allowed at a piece boundary inside a phase [J·mol⁻¹] (the published NASA
/// and SGTE pieces are continuous to well below this; measured worst case in the validation doc).
pub(crate) const H_JOIN_TOL: f64 = 2.0;
/// Largest S step allowed at a piece boundary inside a phase [J·mol⁻¹·K⁻¹].
pub(crate) const S_JOIN_TOL: f64 = 2e-3;

/// Record-level checks that need the raw records.
pub(crate) fn check_records(
    recs: &[&PhaseRecord],
    phases: &[PhaseThermo],
) -> Result<(), MaterialError> {
    for (rec, ph) in recs.iter().zip(phases) {
        let id = format!("{} {} ({})", rec.species, rec.phase, rec.source);
        if let Form::Sgte { pieces, magnetic } = &rec.form {
            for p in pieces {
                for k in 0..5 {
                    let t = p.t_lo + (p.t_hi - p.t_lo) * (0.05 + 0.225 * k as f64);
                    let mut g = p.g_raw(t);
                    if let Some(m) = magnetic {
                        let v = m.eval(t);
                        g += v.h - t * v.s;
                    }
                    let v = ph.eval_phase(t);
                    let g2 = v.h - t * v.s;
                    if (g - g2).abs() > 1e-6 * (1.0 + g.abs()) {
                        return Err(data_err(
                            &id,
                            format!("G = H - TS fails at {t} K: {g} vs {g2}"),
                        ));
                    }
                }
            }
        }
        if let Some(tr) = &rec.transition {
            let from = phases
                .iter()
                .find(|p| p.name == tr.from)
                .ok_or_else(|| data_err(&id, format!("unknown phase {:?}", tr.from)))?;
            let jump = ph.eval_phase(tr.t).h - from.eval_phase(tr.t).h;
            if (jump - tr.dh).abs() > 1e-6 * (1.0 + tr.dh.abs()) {
                return Err(data_err(
                    &id,
                    format!(
                        "H jump {jump} at {} K differs from documented {}",
                        tr.t, tr.dh
                    ),
                ));
            }
            if tr.dh < 0.0 {
                return Err(data_err(
                    &id,
                    format!("negative transition enthalpy {}", tr.dh),
                ));
            }
        }
    }
    Ok(())
}

/// Species-level checks on the assembled phases.
pub(crate) fn check_species(sp: &SpeciesThermo) -> Result<(), MaterialError> {
    for ph in &sp.phases {
        let id = format!("{} {} ({})", sp.name, ph.name, sp.provenance.source);
        for w in ph.pieces.windows(2) {
            let t = w[1].t_lo;
            let (a, b) = (w[0].eval(t), w[1].eval(t));
            if (a.h - b.h).abs() > H_JOIN_TOL || (a.s - b.s).abs() > S_JOIN_TOL {
                return Err(data_err(
                    &id,
                    format!(
                        "H or S discontinuous inside the phase at {t} K: dH = {} J/mol, dS = {} J/(mol K)",
                        b.h - a.h,
                        b.s - a.s
                    ),
                ));
            }
        }
        let (lo, hi) = ph.range();
        for k in 0..=200 {
            let t = lo + (hi - lo) * f64::from(k) / 200.0;
            let v = ph.eval_phase(t);
            if !(v.cp > 0.0 && v.h.is_finite() && v.s.is_finite()) {
                return Err(data_err(
                    &id,
                    format!(
                        "Cp = {} J/(mol K) (must be > 0) or H, S not finite at {t} K",
                        v.cp
                    ),
                ));
            }
        }
    }
    Ok(())
}
