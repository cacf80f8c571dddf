//! Special functions used by the Arrhenius integrals: the exponential integral E₁.
//!
//! Written by hand because the workspace's numerical crates do not provide E₁ and the
//! closed-form work-of-sintering integral over a constant-rate ramp needs it
//! (docs/science/sinter.md, eq. S3).

/// Euler–Mascheroni constant γ.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// The exponential integral E₁(x) = ∫ₓ^∞ e^{−t}/t dt for x > 0.
///
/// Power series for x ≤ 1, modified-Lentz continued fraction otherwise; relative accuracy
/// ≈ 1e-15. Returns `f64::INFINITY` at x = 0 and NaN for x < 0 or NaN.
#[must_use]
pub fn expint_e1(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::INFINITY;
    }
    if x <= 1.0 {
        // E1(x) = -γ - ln x - Σ_{k≥1} (-x)^k / (k·k!)
        let mut sum = 0.0;
        let mut term = 1.0; // (-x)^k / k!
        for k in 1..200 {
            let kf = f64::from(k);
            term *= -x / kf;
            let add = term / kf;
            sum += add;
            if add.abs() < 1e-17 * sum.abs().max(1e-300) {
                break;
            }
        }
        -EULER_GAMMA - x.ln() - sum
    } else {
        (-x).exp() * expint_e1_scaled(x)
    }
}

/// The scaled exponential integral eˣ·E₁(x) for x > 0 (no underflow for large x).
///
/// For x ≤ 1 it is computed from [`expint_e1`]; for x > 1 by the continued fraction
/// eˣE₁(x) = 1/(x + 1 − 1²/(x + 3 − 2²/(x + 5 − …))) (modified Lentz).
#[must_use]
pub fn expint_e1_scaled(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x <= 1.0 {
        return x.exp() * expint_e1(x);
    }
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..1000 {
        let an = -f64::from(i) * f64::from(i);
        b += 2.0;
        d = 1.0 / (an * d + b);
        c = b + an / c;
        let del = c * d;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// g(u) = 1/u − eᵘE₁(u), the combination needed for ∫ e^{−a/T} dT (eq. S4); positive.
///
/// For large u the subtraction loses about log₁₀(u) digits, which is harmless for the
/// u = Q/(RT) ≈ 5–100 met in sintering.
pub(crate) fn one_over_u_minus_scaled_e1(u: f64) -> f64 {
    if u > 1.0e3 {
        // Asymptotic series: eᵘE₁(u) ~ 1/u − 1/u² + 2/u³ − 6/u⁴ + 24/u⁵
        let r = 1.0 / u;
        return r * r * (1.0 - 2.0 * r + 6.0 * r * r - 24.0 * r * r * r);
    }
    1.0 / u - expint_e1_scaled(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn e1_reference_values() {
        // Abramowitz & Stegun, Table 5.1 (values of E1).
        assert_relative_eq!(
            expint_e1(0.5),
            0.559_773_594_776_160_8,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            expint_e1(1.0),
            0.219_383_934_395_520_3,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            expint_e1(2.0),
            0.048_900_510_708_061_1,
            max_relative = 1e-13
        );
        assert_relative_eq!(
            expint_e1(10.0),
            4.156_968_929_685_324e-6,
            max_relative = 1e-12
        );
        // Continuity across the branch switch at x = 1.
        assert_relative_eq!(
            expint_e1(1.0 - 1e-12),
            expint_e1(1.0 + 1e-12),
            max_relative = 1e-10
        );
    }

    #[test]
    fn e1_domain() {
        assert!(expint_e1(-1.0).is_nan());
        assert!(expint_e1(0.0).is_infinite());
    }

    #[test]
    fn scaled_large_argument_matches_asymptotic() {
        let u: f64 = 5.0e3;
        let r = 1.0 / u;
        let asym = r * (1.0 - r + 2.0 * r * r - 6.0 * r * r * r);
        assert_relative_eq!(expint_e1_scaled(u), asym, max_relative = 1e-12);
        let g = one_over_u_minus_scaled_e1(999.0);
        let g2 = one_over_u_minus_scaled_e1(1001.0);
        assert_relative_eq!(g, g2, max_relative = 1e-2);
    }
}
