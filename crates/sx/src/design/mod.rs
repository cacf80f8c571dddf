//! Closed-form cascade design: Kremser, Fenske and Xu Guangxian's theory of counter-current
//! fractional extraction (science page: `docs/science/sx.md`, section "Design").
//!
//! Every function here is pure: values in, values out, inputs validated, errors name the field
//! and the value. Stage numbers are returned as real numbers (the formulas are continuous);
//! the `*_stages` fields of [`XuDesign`] round them up.
//!
//! The short formulas are known to be a few stages optimistic against an exact constant-β
//! cascade; [`search`] confirms and refines a design on the rigorous stage-by-stage model.

pub mod search;

use serde::{Deserialize, Serialize};

use crate::SxError;

fn invalid(field: &str, value: f64, reason: &str) -> SxError {
    SxError::config(field, value, reason)
}

fn check_positive(field: &str, value: f64) -> Result<f64, SxError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(field, value, "must be finite and > 0"))
    }
}

fn check_nonnegative(field: &str, value: f64) -> Result<f64, SxError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(field, value, "must be finite and >= 0"))
    }
}

fn check_fraction_open(field: &str, value: f64) -> Result<f64, SxError> {
    if value.is_finite() && value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(invalid(
            field,
            value,
            "must lie in the open interval (0, 1)",
        ))
    }
}

fn check_beta(field: &str, value: f64) -> Result<f64, SxError> {
    if value.is_finite() && value > 1.0 {
        Ok(value)
    } else {
        Err(invalid(
            field,
            value,
            "separation factor must be finite and > 1 (name the more extractable component first)",
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Kremser
// ---------------------------------------------------------------------------------------------

/// Kremser: fraction of the transferable solute that is *not* transferred by `stages` ideal
/// counter-current stages at extraction factor `e` (eq. SX-D1 of the science page):
///
/// `(x_N − y_in/D)/(x_F − y_in/D) = (E − 1)/(E^(N+1) − 1)`, `= 1/(N + 1)` at `E = 1`.
///
/// `e` = D·Q_org/Q_aq \[-\] (> 0), `stages` = N \[-\] (≥ 0, may be fractional). The `E = 1` limit
/// is exact and the neighbourhood of `E = 1` is free of cancellation (written with `expm1`).
///
/// # Errors
/// [`SxError::Config`] if `e` is not finite and > 0 or `stages` is not finite and ≥ 0.
pub fn kremser_unextracted_fraction(e: f64, stages: f64) -> Result<f64, SxError> {
    check_positive("extraction factor E", e)?;
    check_nonnegative("stages N", stages)?;
    let l = e.ln();
    if l == 0.0 {
        return Ok(1.0 / (stages + 1.0));
    }
    // (E − 1)/(E^(N+1) − 1) = expm1(l)/expm1((N+1) l); overflow of the denominator → 0.
    let den = ((stages + 1.0) * l).exp_m1();
    if den.is_infinite() {
        return Ok(0.0);
    }
    Ok(l.exp_m1() / den)
}

/// Kremser: fraction of the transferable solute extracted by `stages` counter-current stages
/// at extraction factor `e`, `(E^(N+1) − E)/(E^(N+1) − 1)` \[-\] (eq. SX-D2).
///
/// # Errors
/// As [`kremser_unextracted_fraction`].
pub fn kremser_recovery(e: f64, stages: f64) -> Result<f64, SxError> {
    Ok(1.0 - kremser_unextracted_fraction(e, stages)?)
}

/// Kremser inverted: the (real) number of ideal counter-current stages that extracts the
/// fraction `recovery` of the transferable solute at extraction factor `e` (eq. SX-D3):
///
/// `N = ln\[(1/(1 − R))·(1 − 1/E) + 1/E\] / ln E`, `= R/(1 − R)` at `E = 1`.
///
/// # Errors
/// [`SxError::Config`] if `e` ≤ 0, `recovery` outside (0, 1), or the recovery is not
/// reachable with any number of stages (for `E < 1` the limit is `R → E`).
pub fn kremser_stages(e: f64, recovery: f64) -> Result<f64, SxError> {
    check_positive("extraction factor E", e)?;
    check_fraction_open("recovery", recovery)?;
    if e < 1.0 && recovery >= e {
        return Err(invalid(
            "recovery",
            recovery,
            &format!("unreachable at extraction factor E = {e}: for E < 1 the limit is R < E"),
        ));
    }
    let l = e.ln();
    let odds = recovery / (1.0 - recovery); // 1/(1−R) − 1
    if l == 0.0 {
        return Ok(odds);
    }
    // ln[(1/(1−R))(1 − 1/E) + 1/E] = ln1p( (1/(1−R) − 1)·(1 − 1/E) ), 1 − 1/E = −expm1(−l)
    let arg = odds * (-(-l).exp_m1());
    Ok(arg.ln_1p() / l)
}

/// Kremser in stripping form: fraction of the solute in the loaded organic that `stages`
/// counter-current stages strip at stripping factor `s` = Q_aq/(D·Q_org) \[-\] (eq. SX-D4);
/// the same algebra as [`kremser_recovery`] with the phases swapped.
///
/// # Errors
/// As [`kremser_unextracted_fraction`] (field named "stripping factor S").
pub fn kremser_stripping_recovery(s: f64, stages: f64) -> Result<f64, SxError> {
    check_positive("stripping factor S", s)?;
    kremser_recovery(s, stages)
}

/// Kremser in stripping form inverted: stages to strip the fraction `recovery` at stripping
/// factor `s` \[-\].
///
/// # Errors
/// As [`kremser_stages`].
pub fn kremser_stripping_stages(s: f64, recovery: f64) -> Result<f64, SxError> {
    check_positive("stripping factor S", s)?;
    kremser_stages(s, recovery)
}

// ---------------------------------------------------------------------------------------------
// Fenske
// ---------------------------------------------------------------------------------------------

/// Fenske minimum number of equilibrium stages at total reflux for a binary A/B split at
/// constant separation factor `beta` = β_A/B > 1 (eq. SX-D5):
///
/// `N_min = ln{\[P_A/(1 − P_A)\]·\[P_B/(1 − P_B)\]} / ln β`
///
/// `purity_a` = mole fraction of A (the more extractable) in the organic product \[-\],
/// `purity_b` = mole fraction of B in the raffinate \[-\]. In Xu's notation this equals
/// `n + m + 1` at total reflux (see [`xu_design`]).
///
/// # Errors
/// [`SxError::Config`] for purities outside (0, 1), `beta` ≤ 1, or targets that need
/// no separation (product of the odds ≤ 1).
pub fn fenske_min_stages(purity_a: f64, purity_b: f64, beta: f64) -> Result<f64, SxError> {
    let pa = check_fraction_open("purity_a", purity_a)?;
    let pb = check_fraction_open("purity_b", purity_b)?;
    let beta = check_beta("beta", beta)?;
    let s = (pa / (1.0 - pa)) * (pb / (1.0 - pb));
    if s <= 1.0 {
        return Err(invalid(
            "purity_a·purity_b odds",
            s,
            "targets need no separation (odds product must exceed 1)",
        ));
    }
    Ok(s.ln() / beta.ln())
}

// ---------------------------------------------------------------------------------------------
// Xu Guangxian
// ---------------------------------------------------------------------------------------------

/// Phase in which the feed enters the cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FeedPhase {
    /// Aqueous feed (the "+1" of Xu's stage formula sits on the scrub section).
    #[default]
    Aqueous,
    /// Organic (pre-loaded) feed (the "+1" moves to the extraction section).
    Organic,
}

/// How the internal flows S and W of a Xu design are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum XuOperating {
    /// Xu's optimum extraction ratios (maximum output per total mixer volume).
    #[default]
    Optimum,
    /// Given S and W \[mol per mol of feed RE\]; must satisfy S − W = f′_A.
    /// Only `w` is used: S = W + f′_A.
    GivenScrub {
        /// W: RE in the scrub-section aqueous (reflux) \[mol per mol feed RE\] (> 0).
        w: f64,
    },
}

/// Inputs of a two-outlet Xu design (binary or pseudo-binary A/B, A more extractable).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XuSpec {
    /// β = β_A/B in the extraction section \[-\] (> 1).
    pub beta: f64,
    /// β′ in the scrub section \[-\] (> 1); `None` = same as `beta`.
    #[serde(default)]
    pub beta_scrub: Option<f64>,
    /// f_A: mole fraction of A in the feed RE \[-\], in (0, 1).
    pub feed_fraction_a: f64,
    /// P_A: purity of A in the organic product (scrub end) \[-\], in (f_A, 1).
    pub purity_a: f64,
    /// P_B: purity of B in the raffinate (extraction end) \[-\], in (f_B, 1).
    pub purity_b: f64,
    /// Feed phase (default aqueous).
    #[serde(default)]
    pub feed_phase: FeedPhase,
    /// Operating point (default Xu's optimum).
    #[serde(default)]
    pub operating: XuOperating,
}

/// Which section limits the throughput at Xu's optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControllingSection {
    /// Extraction section controls: E_M = 1/√β.
    Extraction,
    /// Scrub section controls: E′_M = √β′.
    Scrub,
    /// S and W were given by the user.
    Given,
}

/// Result of [`xu_design`]; all flows per mol of feed RE (feed normalised to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct XuDesign {
    /// The specification the design was computed for.
    pub spec: XuSpec,
    /// a: purification factor of the organic product \[-\] (eq. SX-D6).
    pub a: f64,
    /// b: purification factor of the raffinate \[-\] (eq. SX-D6).
    pub b: f64,
    /// Y_A: recovery of A into the organic product \[-\] (eq. SX-D7).
    pub recovery_a: f64,
    /// Y_B: recovery of B into the raffinate \[-\] (eq. SX-D7).
    pub recovery_b: f64,
    /// f′_A: RE in the organic product \[mol per mol feed RE\] (eq. SX-D8).
    pub product_a: f64,
    /// f′_B: RE in the raffinate \[mol per mol feed RE\].
    pub product_b: f64,
    /// S: RE carried by the loaded organic \[mol per mol feed RE\].
    pub s: f64,
    /// W: RE in the scrub-section aqueous (reflux) \[mol per mol feed RE\].
    pub w: f64,
    /// E_M = S/(W + 1): extraction-section extraction ratio \[-\] (< 1).
    pub e_m: f64,
    /// E′_M = S/W: scrub-section extraction ratio \[-\] (> 1).
    pub e_m_scrub: f64,
    /// Section that controls at the optimum (or `Given`).
    pub controlling: ControllingSection,
    /// n: extraction-section stages, real \[-\] (eq. SX-D10).
    pub n_extraction: f64,
    /// m: scrub-section stages, real \[-\] (eq. SX-D11).
    pub m_scrub: f64,
    /// ⌈n⌉ \[-\].
    pub n_extraction_stages: usize,
    /// ⌈m⌉ \[-\].
    pub m_scrub_stages: usize,
    /// Fenske minimum stages at total reflux for the same purities \[-\] (= n + m + 1 there).
    pub fenske_min_stages: f64,
}

impl XuDesign {
    /// Total stages ⌈n⌉ + ⌈m⌉ \[-\].
    #[must_use]
    pub fn total_stages(&self) -> usize {
        self.n_extraction_stages + self.m_scrub_stages
    }

    /// Organic volumetric flow that carries S at a given loading:
    /// `Q_org = S·F / c_org,loaded` \[m³·s⁻¹\] (sx-data §3), for a feed of `feed_re_rate`
    /// \[mol·s⁻¹\] total RE and a loaded-organic RE concentration `loaded_organic` \[mol·m⁻³\].
    ///
    /// # Errors
    /// [`SxError::Config`] if either argument is not finite and > 0.
    pub fn organic_flow(&self, feed_re_rate: f64, loaded_organic: f64) -> Result<f64, SxError> {
        check_positive("feed_re_rate", feed_re_rate)?;
        check_positive("loaded_organic", loaded_organic)?;
        Ok(self.s * feed_re_rate / loaded_organic)
    }
}

/// Purification factors (a, b) of a two-outlet split (eq. SX-D6):
/// `a = \[P_A/(1 − P_A)\]/(f_A/f_B)`, `b = \[P_B/(1 − P_B)\]/(f_B/f_A)`.
///
/// # Errors
/// [`SxError::Config`] if any fraction lies outside (0, 1) or a product is not purer
/// than the feed (a ≤ 1 or b ≤ 1).
pub fn purification_factors(
    feed_fraction_a: f64,
    purity_a: f64,
    purity_b: f64,
) -> Result<(f64, f64), SxError> {
    let fa = check_fraction_open("feed_fraction_a", feed_fraction_a)?;
    let pa = check_fraction_open("purity_a", purity_a)?;
    let pb = check_fraction_open("purity_b", purity_b)?;
    let fb = 1.0 - fa;
    let a = (pa / (1.0 - pa)) / (fa / fb);
    let b = (pb / (1.0 - pb)) / (fb / fa);
    if a <= 1.0 {
        return Err(invalid(
            "purity_a",
            pa,
            &format!("must exceed the feed fraction f_A = {fa}"),
        ));
    }
    if b <= 1.0 {
        return Err(invalid(
            "purity_b",
            pb,
            &format!("must exceed the feed fraction f_B = {fb}"),
        ));
    }
    Ok((a, b))
}

/// Recoveries (Y_A, Y_B) from the purification factors (eq. SX-D7):
/// `Y_A = a(b − 1)/(ab − 1)`, `Y_B = b(a − 1)/(ab − 1)`.
#[must_use]
pub fn recoveries_from_purification(a: f64, b: f64) -> (f64, f64) {
    let ab1 = a * b - 1.0;
    (a * (b - 1.0) / ab1, b * (a - 1.0) / ab1)
}

/// Xu's stage numbers (n, m) for given section extraction ratios (eqs. SX-D10, SX-D11):
/// aqueous feed `n = lg b / lg(β·E_M)`, `m + 1 = lg a / lg(β′/E′_M)`; organic feed
/// `n + 1 = lg b / lg(β·E_M)`, `m = lg a / lg(β′/E′_M)`.
///
/// # Errors
/// [`SxError::Config`] if a section cannot separate at its ratio
/// (β·E_M ≤ 1 or β′/E′_M ≤ 1) or an argument is out of range.
pub fn xu_stage_numbers(
    beta: f64,
    beta_scrub: f64,
    a: f64,
    b: f64,
    e_m: f64,
    e_m_scrub: f64,
    feed_phase: FeedPhase,
) -> Result<(f64, f64), SxError> {
    check_beta("beta", beta)?;
    check_beta("beta_scrub", beta_scrub)?;
    check_positive("E_M", e_m)?;
    check_positive("E'_M", e_m_scrub)?;
    if !(a.is_finite() && a > 1.0) {
        return Err(invalid("a", a, "purification factor must be > 1"));
    }
    if !(b.is_finite() && b > 1.0) {
        return Err(invalid("b", b, "purification factor must be > 1"));
    }
    let ext = beta * e_m;
    if ext <= 1.0 {
        return Err(invalid(
            "beta·E_M",
            ext,
            "extraction section cannot purify B (needs β·E_M > 1): more scrub/organic flow",
        ));
    }
    let scr = beta_scrub / e_m_scrub;
    if scr <= 1.0 {
        return Err(invalid(
            "beta'/E'_M",
            scr,
            "scrub section cannot purify A (needs β′/E′_M > 1): more scrub reflux",
        ));
    }
    let n_raw = b.ln() / ext.ln();
    let m_raw = a.ln() / scr.ln();
    Ok(match feed_phase {
        FeedPhase::Aqueous => (n_raw, m_raw - 1.0),
        FeedPhase::Organic => (n_raw - 1.0, m_raw),
    })
}

/// Xu Guangxian's design of a two-outlet counter-current fractional extraction
/// (sx-data §5.3; equations SX-D6 … SX-D12 of the science page).
///
/// # Errors
/// [`SxError::Config`] naming the field and value for β ≤ 1, fractions outside (0, 1),
/// purities not above the feed fractions, a given W ≤ 0, or an operating point at which a
/// section cannot separate.
pub fn xu_design(spec: &XuSpec) -> Result<XuDesign, SxError> {
    let beta = check_beta("beta", spec.beta)?;
    let beta_s = check_beta("beta_scrub", spec.beta_scrub.unwrap_or(spec.beta))?;
    let (a, b) = purification_factors(spec.feed_fraction_a, spec.purity_a, spec.purity_b)?;
    let fa = spec.feed_fraction_a;
    let fb = 1.0 - fa;
    let (ya, yb) = recoveries_from_purification(a, b);
    let pa_out = fa * ya + fb * (1.0 - yb);
    let pb_out = 1.0 - pa_out;
    let (s, w, controlling) = match spec.operating {
        XuOperating::Optimum => {
            let rb = beta.sqrt();
            if pb_out > rb / (1.0 + rb) {
                let s = pb_out / (rb - 1.0);
                (s, s - pa_out, ControllingSection::Extraction)
            } else {
                let rbs = beta_s.sqrt();
                let w = pa_out / (rbs - 1.0);
                (w + pa_out, w, ControllingSection::Scrub)
            }
        }
        XuOperating::GivenScrub { w } => {
            let w = check_positive("w", w)?;
            (w + pa_out, w, ControllingSection::Given)
        }
    };
    let e_m = s / (w + 1.0);
    let e_m_scrub = s / w;
    let (n, m) = xu_stage_numbers(beta, beta_s, a, b, e_m, e_m_scrub, spec.feed_phase)?;
    let fenske = fenske_min_stages(spec.purity_a, spec.purity_b, beta)?;
    Ok(XuDesign {
        spec: *spec,
        a,
        b,
        recovery_a: ya,
        recovery_b: yb,
        product_a: pa_out,
        product_b: pb_out,
        s,
        w,
        e_m,
        e_m_scrub,
        controlling,
        n_extraction: n,
        m_scrub: m,
        n_extraction_stages: ceil_stages(n),
        m_scrub_stages: ceil_stages(m),
        fenske_min_stages: fenske,
    })
}

fn ceil_stages(x: f64) -> usize {
    // at least one stage per section; tiny round-off above an integer is not a stage.
    let c = (x - 1e-9).ceil().max(1.0);
    c as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn kremser_e1_limit_continuous() {
        let exact = kremser_unextracted_fraction(1.0, 7.0).unwrap();
        assert_relative_eq!(exact, 1.0 / 8.0, max_relative = 1e-15);
        let near = kremser_unextracted_fraction(1.0 + 1e-12, 7.0).unwrap();
        assert_relative_eq!(near, exact, max_relative = 1e-10);
        let n = kremser_stages(1.0 + 1e-13, 0.9).unwrap();
        assert_relative_eq!(n, 9.0, max_relative = 1e-9);
    }

    #[test]
    fn invalid_inputs_name_field() {
        let e = kremser_stages(0.5, 0.6).unwrap_err().to_string();
        assert!(e.contains("recovery"), "{e}");
        let e = fenske_min_stages(0.99, 0.99, 1.0).unwrap_err().to_string();
        assert!(e.contains("beta"), "{e}");
        let e = fenske_min_stages(1.2, 0.99, 1.5).unwrap_err().to_string();
        assert!(e.contains("purity_a") && e.contains("1.2"), "{e}");
    }
}
