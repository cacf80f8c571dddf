//! The JSON data files (`crates/material/data/thermo/*.json`) and their conversion to phases.
//!
//! File format (documented in `docs/science/material.md`, "Data files"): an object with
//! `title`, `generated_by` and `records`; one record per species and phase with `species`,
//! `phase`, `state` (`solid`, `liquid`, `gas`), `source`, `table`, `version`, optional `note`
//! and `flag`, and a `form`:
//!
//! - `{"kind": "nasa7", "pieces": [{"t_lo", "t_hi", "a": [a1..a7]}]}`: absolute H and S;
//! - `{"kind": "shomate", "pieces": [{"t_lo", "t_hi", "A", "B", "C", "D", "E"}]}` (t = T/1000);
//! - `{"kind": "kelley", "pieces": [{"t_lo", "t_hi", "cp": [[k, c_k], ...]}]}`: Cp = Σ c_k T^k,
//!   SI, covers Maier–Kelley (k = 0, 1, −2), extended Kelley (k = 0, 1, −2, 2, −3, 3) and
//!   constant Cp;
//! - `{"kind": "sgte", "pieces": [{"t_lo", "t_hi", "g": [[p, l, v], ...]}], "magnetic": {...}}`:
//!   G − H_SER = Σ v·T^p·(ln T)^l (l = 1 only with p = 1).
//!
//! Cp-based forms (shomate, kelley) are placed on the formation scale by an `anchor`
//! (`dfh298` [J·mol⁻¹], `s298` [J·mol⁻¹·K⁻¹] at 298.15 K) on the first phase and by a
//! `transition` (`from` phase, `t` \[K\], `dh` [J·mol⁻¹]) on each later phase.
//!
//! `crc298.json` and `ivtan298.json` hold single 298.15 K values with `shape_from`: the source whose Cp(T),
//! phases and transitions are used, re-anchored on the CRC values.

use serde::Deserialize;

use super::R;
use super::poly::{CpPiece, Magnetic};
use super::species::{PhaseThermo, State};
use crate::error::MaterialError;

/// Reference temperature \[K\].
pub(crate) const T_REF: f64 = 298.15;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhaseFile {
    #[allow(dead_code)]
    pub(crate) title: String,
    #[allow(dead_code)]
    pub(crate) generated_by: String,
    pub(crate) records: Vec<PhaseRecord>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhaseRecord {
    pub(crate) species: String,
    pub(crate) phase: String,
    pub(crate) state: State,
    pub(crate) source: String,
    pub(crate) table: String,
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) note: Option<String>,
    #[serde(default)]
    pub(crate) flag: Option<String>,
    #[serde(default)]
    pub(crate) anchor: Option<Anchor>,
    #[serde(default)]
    pub(crate) transition: Option<Transition>,
    #[serde(default)]
    pub(crate) fit: Option<FitInfo>,
    pub(crate) form: Form,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Anchor {
    pub(crate) dfh298: f64,
    pub(crate) s298: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Transition {
    pub(crate) from: String,
    pub(crate) t: f64,
    pub(crate) dh: f64,
}

/// How a FREED-derived record was fitted (kept for the provenance report).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FitInfo {
    /// FREED key of the compound (e.g. `"NdF3"`, `"Pr1000O1833"`).
    pub freed_key: String,
    /// Formula units of the key per repm formula unit [-].
    pub per_formula_divisor: f64,
    /// Fit window \[K\].
    pub window_k: [f64; 2],
    /// Number of tabulated points in the window [-].
    pub n_points: usize,
    /// The fitted model.
    pub model: String,
    /// Where the element G(T) came from.
    pub element_reference: String,
    /// RMS residual of the fit in G [J·mol⁻¹].
    pub rms_residual_j_per_mol: f64,
    /// Largest residual in the window [J·mol⁻¹].
    pub max_abs_residual_j_per_mol: f64,
    /// Largest deviation from FREED outside the window, below melting [J·mol⁻¹].
    pub max_abs_dev_outside_window_j_per_mol: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum Form {
    Nasa7 {
        pieces: Vec<Nasa7Piece>,
    },
    Shomate {
        pieces: Vec<ShomatePiece>,
    },
    Kelley {
        pieces: Vec<KelleyPiece>,
    },
    Sgte {
        pieces: Vec<SgtePiece>,
        #[serde(default)]
        magnetic: Option<Magnetic>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Nasa7Piece {
    t_lo: f64,
    t_hi: f64,
    a: [f64; 7],
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub(crate) struct ShomatePiece {
    t_lo: f64,
    t_hi: f64,
    A: f64,
    B: f64,
    C: f64,
    D: f64,
    E: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KelleyPiece {
    t_lo: f64,
    t_hi: f64,
    cp: Vec<(i32, f64)>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SgtePiece {
    pub(crate) t_lo: f64,
    pub(crate) t_hi: f64,
    pub(crate) g: Vec<(i32, i32, f64)>,
}

impl SgtePiece {
    /// G − H_SER straight from the polynomial [J·mol⁻¹] (used by validation).
    pub(crate) fn g_raw(&self, t: f64) -> f64 {
        self.g
            .iter()
            .map(|&(p, l, v)| v * t.powi(p) * if l == 1 { t.ln() } else { 1.0 })
            .sum()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrcFile {
    #[allow(dead_code)]
    pub(crate) title: String,
    #[allow(dead_code)]
    pub(crate) generated_by: String,
    pub(crate) records: Vec<CrcRecord>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrcRecord {
    pub(crate) species: String,
    pub(crate) source: String,
    pub(crate) table: String,
    pub(crate) version: String,
    pub(crate) dfh298: f64,
    #[serde(default)]
    pub(crate) s298: Option<f64>,
    #[serde(default)]
    pub(crate) cp298: Option<f64>,
    pub(crate) shape_from: String,
    #[serde(default)]
    pub(crate) flag: Option<String>,
    #[serde(default = "yes")]
    pub(crate) use_in_set: bool,
}

fn yes() -> bool {
    true
}

pub(crate) fn data_err(record: &str, message: impl Into<String>) -> MaterialError {
    MaterialError::ThermoData {
        record: record.to_string(),
        message: message.into(),
    }
}

fn check_range(id: &str, t_lo: f64, t_hi: f64) -> Result<(), MaterialError> {
    if !(t_lo.is_finite() && t_hi.is_finite() && t_lo > 0.0 && t_hi > t_lo) {
        return Err(data_err(id, format!("bad piece range [{t_lo}, {t_hi}] K")));
    }
    Ok(())
}

/// Convert one record's form to pieces. Absolute forms come back anchored; Cp-based forms
/// come back with pieces chained continuously in H and S and h0 = s0 = 0 on the first piece.
pub(crate) fn pieces_of(
    rec: &PhaseRecord,
) -> Result<(Vec<CpPiece>, Option<Magnetic>, bool), MaterialError> {
    let id = format!("{} {} ({})", rec.species, rec.phase, rec.source);
    let mut out = Vec::new();
    let absolute;
    let mut magnetic = None;
    match &rec.form {
        Form::Nasa7 { pieces } => {
            absolute = true;
            for p in pieces {
                check_range(&id, p.t_lo, p.t_hi)?;
                let a = p.a;
                out.push(CpPiece {
                    t_lo: p.t_lo,
                    t_hi: p.t_hi,
                    terms: (0..5)
                        .filter(|&k| a[k] != 0.0)
                        .map(|k| (k as i32, R * a[k]))
                        .collect(),
                    h0: R * a[5],
                    s0: R * a[6],
                });
            }
        }
        Form::Sgte {
            pieces,
            magnetic: m,
        } => {
            absolute = true;
            magnetic = *m;
            for p in pieces {
                check_range(&id, p.t_lo, p.t_hi)?;
                let mut terms = Vec::new();
                let (mut h0, mut s0) = (0.0, 0.0);
                for &(pw, l, v) in &p.g {
                    match (pw, l) {
                        (1, 1) => {
                            terms.push((0, -v));
                            s0 -= v;
                        }
                        (_, 1) => return Err(data_err(&id, format!("ln T term with power {pw}"))),
                        (0, _) => h0 += v,
                        (1, _) => s0 -= v,
                        _ => terms.push((pw - 1, -f64::from(pw) * f64::from(pw - 1) * v)),
                    }
                }
                out.push(CpPiece {
                    t_lo: p.t_lo,
                    t_hi: p.t_hi,
                    terms,
                    h0,
                    s0,
                });
            }
        }
        Form::Shomate { pieces } => {
            absolute = false;
            for p in pieces {
                check_range(&id, p.t_lo, p.t_hi)?;
                let terms = [
                    (0, p.A),
                    (1, p.B * 1e-3),
                    (2, p.C * 1e-6),
                    (3, p.D * 1e-9),
                    (-2, p.E * 1e6),
                ]
                .into_iter()
                .filter(|&(_, c)| c != 0.0)
                .collect();
                out.push(CpPiece {
                    t_lo: p.t_lo,
                    t_hi: p.t_hi,
                    terms,
                    h0: 0.0,
                    s0: 0.0,
                });
            }
        }
        Form::Kelley { pieces } => {
            absolute = false;
            for p in pieces {
                check_range(&id, p.t_lo, p.t_hi)?;
                out.push(CpPiece {
                    t_lo: p.t_lo,
                    t_hi: p.t_hi,
                    terms: p.cp.clone(),
                    h0: 0.0,
                    s0: 0.0,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(data_err(&id, "no pieces"));
    }
    for w in out.windows(2) {
        if (w[0].t_hi - w[1].t_lo).abs() > 1e-6 {
            return Err(data_err(
                &id,
                format!(
                    "pieces not contiguous: {} K then {} K",
                    w[0].t_hi, w[1].t_lo
                ),
            ));
        }
    }
    if !absolute {
        // chain: each piece continues H and S of the previous one at the shared boundary
        for i in 1..out.len() {
            let tb = out[i].t_lo;
            let prev = out[i - 1].eval(tb);
            out[i].anchor(tb, prev.h, prev.s);
        }
    }
    Ok((out, magnetic, absolute))
}

/// Build all phases of one species of one source (records in file order).
pub(crate) fn build_phases(recs: &[&PhaseRecord]) -> Result<Vec<PhaseThermo>, MaterialError> {
    let mut phases: Vec<PhaseThermo> = Vec::new();
    for rec in recs {
        let id = format!("{} {} ({})", rec.species, rec.phase, rec.source);
        let (mut pieces, magnetic, absolute) = pieces_of(rec)?;
        if !absolute {
            // place the whole phase: shift h0, s0 of every piece by the same amounts
            let (t, h, s) = match (&rec.anchor, &rec.transition) {
                (Some(a), None) => (T_REF, a.dfh298, a.s298),
                (None, Some(tr)) => {
                    let from = phases.iter().find(|p| p.name == tr.from).ok_or_else(|| {
                        data_err(&id, format!("transition from unknown phase {:?}", tr.from))
                    })?;
                    let v = from.eval_phase(tr.t);
                    (tr.t, v.h + tr.dh, v.s + tr.dh / tr.t)
                }
                _ => {
                    return Err(data_err(
                        &id,
                        "a Cp-based record needs exactly one of anchor or transition",
                    ));
                }
            };
            let idx = pieces
                .iter()
                .position(|p| t <= p.t_hi + 1e-9)
                .unwrap_or(pieces.len() - 1);
            let now = pieces[idx].eval(t);
            let (dh, ds) = (h - now.h, s - now.s);
            for p in &mut pieces {
                p.h0 += dh;
                p.s0 += ds;
            }
        } else if rec.anchor.is_some() || rec.transition.is_some() {
            return Err(data_err(
                &id,
                "anchor/transition given for an absolute form",
            ));
        }
        phases.push(PhaseThermo::new(
            rec.phase.clone(),
            rec.state,
            pieces,
            magnetic,
        ));
    }
    Ok(phases)
}
