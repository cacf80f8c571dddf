//! Alloy recipe: element composition from a target, and the melt charge that meets it from
//! virgin raw materials plus recycled feed.
//!
//! docs/science/powder.md §1 (eqs. P-1 … P-3). The target fixes mass fractions of Pr + Nd (with
//! the Pr share), the heavy rare earths (Dy, Tb), B and the additions (Co, Cu, Ga, Al, Nb, Zr);
//! Fe is the balance. A charge of metallic mass `M` with recycled element masses `r_e` needs
//! virgin additions `v_e = w_e M − r_e` (eq. P-2), which must be ≥ 0 for every element: an element
//! the recycled feed over-supplies makes the recipe infeasible (an error naming the element)
//! unless it is a tolerated tramp element below `tramp_limit`. B enters as ferroboron (its Fe
//! counts against the Fe balance); the other elements as metals. Virgin raw materials carry O
//! and C impurities (mass fractions of the virgin mass, eq. P-3); recycled feed carries whatever
//! O and C it has. The recycled fraction is `Σ r / (Σ r + Σ v)` by mass.

use repm_material::{Element, ElementVector};
use serde::{Deserialize, Serialize};

use crate::error::{PowderError, check_range, input_err};

/// Target composition \[kg·kg⁻¹\] of the metallic alloy (Fe is the balance). Defaults from
/// process-data.md §11.1: 30 wt % PrNd with Pr:Nd ≈ 1:3, 1.0 wt % B, 1 wt % Co, Cu/Al/Ga small.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlloyTarget {
    /// Pr + Nd \[kg·kg⁻¹\]. Default 0.30.
    pub prnd: f64,
    /// Pr share of Pr + Nd by mass \[-\]. Default 0.25 (Pr:Nd ≈ 1:3).
    pub pr_share: f64,
    /// Dy \[kg·kg⁻¹\]. Default 0 (Tb added later by GBD).
    pub dy: f64,
    /// Tb \[kg·kg⁻¹\]. Default 0.
    pub tb: f64,
    /// B \[kg·kg⁻¹\]. Default 0.0100.
    pub b: f64,
    /// Co \[kg·kg⁻¹\]. Default 0.010.
    pub co: f64,
    /// Cu \[kg·kg⁻¹\]. Default 0.0015.
    pub cu: f64,
    /// Ga \[kg·kg⁻¹\]. Default 0.0020.
    pub ga: f64,
    /// Al \[kg·kg⁻¹\]. Default 0.0020.
    pub al: f64,
    /// Nb \[kg·kg⁻¹\]. Default 0.
    pub nb: f64,
    /// Zr \[kg·kg⁻¹\]. Default 0.0010.
    pub zr: f64,
}

impl Default for AlloyTarget {
    fn default() -> Self {
        Self {
            prnd: 0.30,
            pr_share: 0.25,
            dy: 0.0,
            tb: 0.0,
            b: 0.010,
            co: 0.010,
            cu: 0.0015,
            ga: 0.002,
            al: 0.002,
            nb: 0.0,
            zr: 0.001,
        }
    }
}

impl AlloyTarget {
    /// Check ranges: total RE 0.2–0.45, B 0.005–0.02, each addition ≤ 0.05, Fe balance ≥ 0.4.
    ///
    /// # Errors
    /// [`PowderError::Config`] naming the field.
    pub fn validate(&self) -> Result<(), PowderError> {
        check_range("alloy.prnd", self.prnd, 0.0, 0.45)?;
        check_range("alloy.pr_share", self.pr_share, 0.0, 1.0)?;
        check_range("alloy.dy", self.dy, 0.0, 0.15)?;
        check_range("alloy.tb", self.tb, 0.0, 0.15)?;
        check_range("alloy.total_re", self.prnd + self.dy + self.tb, 0.2, 0.45)?;
        check_range("alloy.b", self.b, 0.005, 0.02)?;
        for (n, v) in [
            ("co", self.co),
            ("cu", self.cu),
            ("ga", self.ga),
            ("al", self.al),
            ("nb", self.nb),
            ("zr", self.zr),
        ] {
            check_range(&format!("alloy.{n}"), v, 0.0, 0.05)?;
        }
        let fe = self.fe();
        check_range("alloy.fe (balance)", fe, 0.4, 1.0)
    }

    /// Fe balance \[kg·kg⁻¹\].
    pub fn fe(&self) -> f64 {
        1.0 - self.prnd
            - self.dy
            - self.tb
            - self.b
            - self.co
            - self.cu
            - self.ga
            - self.al
            - self.nb
            - self.zr
    }

    /// Target mass fractions \[kg·kg⁻¹\] (sum 1; no O, C).
    pub fn mass_fractions(&self) -> ElementVector {
        ElementVector::from_pairs([
            (Element::Pr, self.prnd * self.pr_share),
            (Element::Nd, self.prnd * (1.0 - self.pr_share)),
            (Element::Dy, self.dy),
            (Element::Tb, self.tb),
            (Element::B, self.b),
            (Element::Co, self.co),
            (Element::Cu, self.cu),
            (Element::Ga, self.ga),
            (Element::Al, self.al),
            (Element::Nb, self.nb),
            (Element::Zr, self.zr),
            (Element::Fe, self.fe()),
        ])
    }
}

/// Raw materials and impurity levels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawMaterials {
    /// B mass fraction of the ferroboron \[kg·kg⁻¹\]. Default 0.18 (commercial FeB 17–20 % B, (K)).
    pub ferroboron_b: f64,
    /// O carried by virgin raw materials \[kg·kg⁻¹ of virgin mass\]. Default 300e-6 (est.).
    pub virgin_o: f64,
    /// C carried by virgin raw materials \[kg·kg⁻¹\]. Default 100e-6 (est.).
    pub virgin_c: f64,
    /// Largest tolerated mass fraction of an element the target does not ask for (tramp element,
    /// e.g. Ni from a magnet coating) or the excess of one it does \[kg·kg⁻¹\]. Default 1e-3.
    pub tramp_limit: f64,
}

impl Default for RawMaterials {
    fn default() -> Self {
        Self {
            ferroboron_b: 0.18,
            virgin_o: 300e-6,
            virgin_c: 100e-6,
            tramp_limit: 1e-3,
        }
    }
}

/// One virgin raw material in a charge.
#[derive(Debug, Clone, PartialEq)]
pub struct RawAddition {
    /// Name (e.g. "Nd metal", "ferroboron").
    pub name: String,
    /// Element masses \[kg\] including its O/C impurities.
    pub masses: ElementVector,
}

/// A melt charge: virgin additions plus recycled feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    /// Virgin raw materials.
    pub virgin: Vec<RawAddition>,
    /// Recycled feed element masses \[kg\] (sum of all recycled inputs).
    pub recycled: ElementVector,
    /// Whole charge element masses \[kg\] (= Σ virgin + recycled, exactly).
    pub total: ElementVector,
    /// Recycled share of the charge mass \[-\].
    pub recycled_fraction: f64,
    /// Elements present above target because of the recycled feed (tolerated tramp) and their
    /// excess mass fraction \[kg·kg⁻¹\].
    pub tramp: Vec<(Element, f64)>,
}

impl Charge {
    /// Σ virgin element masses \[kg\].
    pub fn virgin_total(&self) -> ElementVector {
        self.virgin.iter().map(|r| r.masses).sum()
    }
}

/// Alloy recipe.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Recipe {
    /// Target composition.
    pub target: AlloyTarget,
    /// Raw materials.
    pub raw: RawMaterials,
}

impl Recipe {
    /// Check the target and raw materials.
    ///
    /// # Errors
    /// [`PowderError::Config`].
    pub fn validate(&self) -> Result<(), PowderError> {
        self.target.validate()?;
        check_range("raw.ferroboron_b", self.raw.ferroboron_b, 0.05, 0.3)?;
        check_range("raw.virgin_o", self.raw.virgin_o, 0.0, 0.01)?;
        check_range("raw.virgin_c", self.raw.virgin_c, 0.0, 0.01)?;
        check_range("raw.tramp_limit", self.raw.tramp_limit, 0.0, 0.05)
    }

    /// The charge for `metal_mass` \[kg\] of metallic alloy given recycled inputs (element masses
    /// \[kg\] each). O, C and H of the recycled feed are carried, not targeted.
    ///
    /// # Errors
    /// [`PowderError::Infeasible`] naming the element the recycled feed over-supplies beyond the
    /// tramp limit; [`PowderError::Input`] for a non-positive mass or invalid recycled masses.
    pub fn charge(
        &self,
        metal_mass: f64,
        recycled: &[ElementVector],
    ) -> Result<Charge, PowderError> {
        self.validate()?;
        if !(metal_mass.is_finite() && metal_mass > 0.0) {
            return Err(input_err(
                "recipe.metal_mass",
                metal_mass,
                "must be finite and > 0 [kg]",
            ));
        }
        let mut rec = ElementVector::zeros();
        for (k, r) in recycled.iter().enumerate() {
            if let Some((e, x)) = r.first_invalid() {
                return Err(input_err(
                    &format!("recipe.recycled[{k}][{}]", e.symbol()),
                    x,
                    "must be finite and >= 0 [kg]",
                ));
            }
            rec += *r;
        }
        let w = self.target.mass_fractions();
        let carried = [Element::O, Element::C, Element::H, Element::N];
        let mut need = ElementVector::zeros();
        let mut tramp = Vec::new();
        for (e, r) in rec.iter() {
            if carried.contains(&e) {
                continue;
            }
            let v = w[e] * metal_mass - r;
            if v < 0.0 {
                let excess = -v / metal_mass;
                if excess > self.raw.tramp_limit {
                    return Err(PowderError::Infeasible {
                        element: e.symbol().to_owned(),
                        reason: format!(
                            "recycled feed brings {r:.6} kg, target allows {:.6} kg (excess {excess:.2e} kg/kg > tramp limit {:.1e})",
                            w[e] * metal_mass,
                            self.raw.tramp_limit
                        ),
                    });
                }
                tramp.push((e, excess));
            } else {
                need[e] = v;
            }
        }
        // B via ferroboron; its Fe counts against the Fe need.
        let mut virgin = Vec::new();
        let imp = |m: f64| {
            ElementVector::from_pairs([
                (Element::O, m * self.raw.virgin_o),
                (Element::C, m * self.raw.virgin_c),
            ])
        };
        if need[Element::B] > 0.0 {
            let feb = need[Element::B] / self.raw.ferroboron_b;
            let fe_in_feb = feb - need[Element::B];
            if fe_in_feb > need[Element::Fe] {
                return Err(PowderError::Infeasible {
                    element: "Fe".into(),
                    reason: format!(
                        "ferroboron alone brings {fe_in_feb:.6} kg Fe, more than the {:.6} kg needed",
                        need[Element::Fe]
                    ),
                });
            }
            let masses = ElementVector::from_pairs([
                (Element::B, need[Element::B]),
                (Element::Fe, fe_in_feb),
            ]) + imp(feb);
            need[Element::Fe] -= fe_in_feb;
            need[Element::B] = 0.0;
            virgin.push(RawAddition {
                name: "ferroboron".into(),
                masses,
            });
        }
        for (e, v) in need.iter() {
            if v > 0.0 {
                virgin.push(RawAddition {
                    name: format!("{} metal", e.symbol()),
                    masses: ElementVector::unit(e, v) + imp(v),
                });
            }
        }
        let virgin_total: ElementVector = virgin.iter().map(|r| r.masses).sum();
        let total = virgin_total + rec;
        let rec_mass = rec.sum();
        let recycled_fraction = rec_mass / total.sum();
        tracing::debug!(metal_mass, recycled_fraction, "alloy charge");
        Ok(Charge {
            virgin,
            recycled: rec,
            total,
            recycled_fraction,
            tramp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn virgin_charge_hits_target() {
        let r = Recipe::default();
        let c = r.charge(1000.0, &[]).unwrap();
        let w = r.target.mass_fractions();
        for e in [
            Element::Nd,
            Element::Pr,
            Element::B,
            Element::Fe,
            Element::Co,
        ] {
            assert_relative_eq!(c.total[e], 1000.0 * w[e], max_relative = 1e-12);
        }
        assert_relative_eq!(
            c.total[Element::O],
            c.virgin_total().sum() * 300e-6 / (1.0 + 400e-6),
            max_relative = 1e-9
        );
        assert!(c.recycled_fraction.abs() < 1e-15);
    }

    #[test]
    fn recycled_excess_of_dy_is_infeasible() {
        let r = Recipe::default();
        let scrap = ElementVector::from_pairs([
            (Element::Nd, 20.0),
            (Element::Dy, 5.0),
            (Element::Fe, 70.0),
        ]);
        let e = r.charge(1000.0, &[scrap]).unwrap_err();
        assert!(
            matches!(e, PowderError::Infeasible { ref element, .. } if element == "Dy"),
            "{e}"
        );
    }
}
