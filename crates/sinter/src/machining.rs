//! Machining: sintered block → parts by slicing (kerf) and grinding (allowance per face);
//! yield, breakage, and the oxidised, wet swarf lot sent to recycling
//! (docs/science/sinter.md, eqs. S30–S32).

use repm_material::{Element, ElementVector, Form, Lot, LotId};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SinterError, in_range, non_negative, positive};

/// Cutting plan for one block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachiningPlan {
    /// Block dimensions (x, y, z) \[m\]; z is conventionally the alignment axis.
    pub block: [f64; 3],
    /// Finished part dimensions (x, y, z) \[m\].
    pub part: [f64; 3],
    /// Saw/wire kerf width \[m\] (diamond wire ≈ 0.2–0.4 mm, est.).
    pub kerf: f64,
    /// Grinding allowance per face of each part \[m\] (est. 0.05–0.2 mm).
    pub grinding_allowance: f64,
    /// Skin removed from each block face before slicing \[m\] (est. 0.3–1 mm).
    pub skin: f64,
    /// Fraction of parts chipped or cracked, rejected to clean scrap \[-\].
    pub breakage_fraction: f64,
    /// Oxygen picked up by the swarf \[kg O per kg dry metal swarf\] (est. 0.02–0.05: fine,
    /// wet NdFeB swarf oxidises quickly).
    pub swarf_oxygen_pickup: f64,
    /// Water in the wet swarf \[kg water per kg wet swarf\] (est. 0.2–0.4, coolant).
    pub swarf_moisture: f64,
}

impl Default for MachiningPlan {
    /// A 50 × 50 × 30 mm block cut into 20 × 10 × 5 mm parts (est. values throughout).
    fn default() -> Self {
        Self {
            block: [0.050, 0.050, 0.030],
            part: [0.020, 0.010, 0.005],
            kerf: 0.3e-3,
            grinding_allowance: 0.1e-3,
            skin: 0.5e-3,
            breakage_fraction: 0.01,
            swarf_oxygen_pickup: 0.03,
            swarf_moisture: 0.3,
        }
    }
}

/// Geometry outcome of a plan (eq. S30).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MachiningGeometry {
    /// Parts along x, y, z.
    pub parts_per_axis: [u32; 3],
    /// Parts per block (before breakage).
    pub parts: u32,
    /// Volume yield: parts volume / block volume \[-\].
    pub volume_yield: f64,
    /// Good-part yield after breakage \[-\].
    pub good_yield: f64,
}

impl MachiningPlan {
    /// Validate the plan.
    ///
    /// # Errors
    /// [`SinterError::Config`] naming the bad field.
    pub fn validate(&self) -> Result<()> {
        for (i, v) in self.block.iter().enumerate() {
            positive(["block.x [m]", "block.y [m]", "block.z [m]"][i], *v)?;
        }
        for (i, v) in self.part.iter().enumerate() {
            positive(["part.x [m]", "part.y [m]", "part.z [m]"][i], *v)?;
        }
        non_negative("kerf [m]", self.kerf)?;
        non_negative("grinding_allowance [m]", self.grinding_allowance)?;
        non_negative("skin [m]", self.skin)?;
        in_range("breakage_fraction [-]", self.breakage_fraction, 0.0, 1.0)?;
        in_range(
            "swarf_oxygen_pickup [-]",
            self.swarf_oxygen_pickup,
            0.0,
            0.3,
        )?;
        in_range("swarf_moisture [-]", self.swarf_moisture, 0.0, 0.9)?;
        Ok(())
    }

    /// Parts per axis n = ⌊(B − 2s + k)/(p + 2g + k)⌋ and yields (eq. S30).
    ///
    /// # Errors
    /// [`SinterError::Config`] for an invalid plan; [`SinterError::Infeasible`] if no part fits.
    pub fn geometry(&self) -> Result<MachiningGeometry> {
        self.validate()?;
        let n: [u32; 3] = std::array::from_fn(|i| {
            let usable = self.block[i] - 2.0 * self.skin + self.kerf;
            let pitch = self.part[i] + 2.0 * self.grinding_allowance + self.kerf;
            (usable / pitch).floor().max(0.0) as u32
        });
        let parts = n[0] * n[1] * n[2];
        if parts == 0 {
            return Err(SinterError::Infeasible(format!(
                "no {:?} part fits in a {:?} block",
                self.part, self.block
            )));
        }
        let vb = self.block.iter().product::<f64>();
        let vp = self.part.iter().product::<f64>();
        let volume_yield = f64::from(parts) * vp / vb;
        Ok(MachiningGeometry {
            parts_per_axis: n,
            parts,
            volume_yield,
            good_yield: volume_yield * (1.0 - self.breakage_fraction),
        })
    }
}

/// Lots leaving machining.
#[derive(Debug, Clone, PartialEq)]
pub struct MachiningOutput {
    /// Good parts (same form as the block: sintered magnet).
    pub parts: Lot,
    /// Broken parts: clean scrap (same composition as the block).
    pub scrap: Lot,
    /// Oxidised, wet swarf to recycling.
    pub swarf: Lot,
    /// Oxygen taken from air \[kg\].
    pub oxygen_from_air: f64,
    /// Water taken from the coolant \[kg\].
    pub water_from_coolant: f64,
    /// Geometry.
    pub geometry: MachiningGeometry,
}

/// Machine a lot of sintered blocks (eqs. S30–S32). Element masses close exactly:
/// block + O₂ from air + H₂O from coolant = parts + scrap + swarf.
///
/// `ids` gives the three new lot ids (parts, scrap, swarf).
///
/// # Errors
/// Plan errors; [`SinterError::Material`] from lot construction.
pub fn machine(block: &Lot, plan: &MachiningPlan, ids: [LotId; 3]) -> Result<MachiningOutput> {
    let geometry = plan.geometry()?;
    let m = block.element_masses();
    let good = geometry.good_yield;
    let broken = geometry.volume_yield * plan.breakage_fraction;
    let swarf_frac = 1.0 - geometry.volume_yield;
    let swarf_metal = m * swarf_frac;
    let o_pick = plan.swarf_oxygen_pickup * swarf_metal.sum();
    let dry = swarf_metal.sum() + o_pick;
    let water = if plan.swarf_moisture > 0.0 {
        dry * plan.swarf_moisture / (1.0 - plan.swarf_moisture)
    } else {
        0.0
    };
    let mut swarf_el = swarf_metal;
    swarf_el[Element::O] += o_pick;
    // Water as H and O masses.
    let m_h2o = 2.0 * Element::H.molar_mass() + Element::O.molar_mass();
    swarf_el[Element::H] += water * 2.0 * Element::H.molar_mass() / m_h2o;
    swarf_el[Element::O] += water * Element::O.molar_mass() / m_h2o;
    let parts = Lot::from_element_masses(ids[0], block.form.clone(), &(m * good))?
        .with_parents(vec![block.id]);
    let scrap =
        Lot::from_element_masses(ids[1], Form::Scrap, &(m * broken))?.with_parents(vec![block.id]);
    let swarf =
        Lot::from_element_masses(ids[2], Form::Swarf, &swarf_el)?.with_parents(vec![block.id]);
    tracing::debug!(good, swarf_kg = swarf.mass(), "machined");
    Ok(MachiningOutput {
        parts,
        scrap,
        swarf,
        oxygen_from_air: o_pick,
        water_from_coolant: water,
        geometry,
    })
}

/// Element masses \[kg\] of the material taken from the environment (O₂ from air, H₂O from the
/// coolant) — the extra inputs of the machining balance.
#[must_use]
pub fn environment_inputs(out: &MachiningOutput) -> ElementVector {
    let m_h2o = 2.0 * Element::H.molar_mass() + Element::O.molar_mass();
    let mut v = ElementVector::zeros();
    v[Element::O] = out.oxygen_from_air + out.water_from_coolant * Element::O.molar_mass() / m_h2o;
    v[Element::H] = out.water_from_coolant * 2.0 * Element::H.molar_mass() / m_h2o;
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_yield_in_plant_range() {
        // Overall machining yield 60–80 % (himagnet.com, vendor; process-data.md §11.2).
        let g = MachiningPlan::default().geometry().unwrap();
        assert_eq!(g.parts_per_axis, [2, 4, 5]);
        assert!(g.good_yield > 0.5 && g.good_yield < 0.85, "{g:?}");
    }
}
