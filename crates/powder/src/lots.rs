//! The pure models lifted to `repm_material::Lot`s: genealogy (each output lot names its
//! input lots as parents), recycled fraction (inherited by mass), forms carrying the state
//! (flake thickness, powder PSD, green density and alignment), and gases as lots of
//! [`Form::Gas`].
//!
//! Every function returns the pure model's full result next to the lots, so callers keep the
//! diagnostics (cooling rate, peak temperature, specific energy, ...).

use repm_material::{
    Element, ElementVector, Form, Lot, LotId, LotIdSource, ParticleSizeDistribution,
};

use crate::error::{PowderError, input_err};
use crate::hd::{HdFeed, HdFurnace, HdResult};
use crate::jet_mill::{JetMill, MillLotResult};
use crate::press::{FieldPress, PressResult};
use crate::psd::{Psd, SizeGrid};
use crate::recipe::Charge;
use crate::strip_cast::{CastResult, StripCaster};

/// Convert a [`Psd`] to the `repm-material` PSD (same class edges and fractions).
///
/// # Errors
/// [`PowderError::Material`] if the material crate rejects it (it should not).
pub fn psd_to_material(psd: &Psd) -> Result<ParticleSizeDistribution, PowderError> {
    Ok(ParticleSizeDistribution::from_masses(
        psd.grid().edges(),
        psd.fractions(),
    )?)
}

/// Re-bin a `repm-material` PSD onto `grid` (log-uniform inside each class, as the material
/// crate assumes).
///
/// # Errors
/// [`PowderError::Input`] if the distribution is empty.
pub fn psd_from_material(
    p: &ParticleSizeDistribution,
    grid: &SizeGrid,
) -> Result<Psd, PowderError> {
    let (e, f) = (p.edges(), p.fractions());
    let cum = |d: f64| -> f64 {
        let mut c = 0.0;
        for i in 0..f.len() {
            if d >= e[i + 1] {
                c += f[i];
            } else {
                if d > e[i] {
                    c += f[i] * (d / e[i]).ln() / (e[i + 1] / e[i]).ln();
                }
                break;
            }
        }
        c
    };
    let ge = grid.edges();
    let n = grid.len();
    let masses: Vec<f64> = (0..n)
        .map(|i| {
            let lo = if i == 0 { 0.0 } else { cum(ge[i]) };
            let hi = if i + 1 == n { 1.0 } else { cum(ge[i + 1]) };
            (hi - lo).max(0.0)
        })
        .collect();
    Psd::from_masses(grid.clone(), &masses)
}

/// A powder form with this PSD.
///
/// # Errors
/// As [`psd_to_material`].
pub fn powder_form(psd: &Psd) -> Result<Form, PowderError> {
    Ok(Form::Powder {
        psd: psd_to_material(psd)?,
    })
}

fn lot(
    ids: &mut LotIdSource,
    form: Form,
    masses: &ElementVector,
    parents: Vec<LotId>,
    recycled: f64,
) -> Result<Lot, PowderError> {
    Ok(Lot::from_element_masses(ids.next(), form, masses)?
        .with_parents(parents)
        .with_recycled_fraction(recycled.clamp(0.0, 1.0))?)
}

/// The melt lot of an alloy [`Charge`] (form [`Form::Alloy`]); `recycled_parents` are the ids of
/// the recycled lots that went into it.
///
/// # Errors
/// [`PowderError::Material`] for invalid masses.
pub fn melt_lot(
    charge: &Charge,
    recycled_parents: Vec<LotId>,
    ids: &mut LotIdSource,
) -> Result<Lot, PowderError> {
    lot(
        ids,
        Form::Alloy,
        &charge.total,
        recycled_parents,
        charge.recycled_fraction,
    )
}

/// Strip casting of a melt lot → (result, flake lot [`Form::Flake`], loss lot [`Form::Scrap`]).
///
/// # Errors
/// As [`StripCaster::cast`].
pub fn cast(
    caster: &StripCaster,
    melt: &Lot,
    ids: &mut LotIdSource,
) -> Result<(CastResult, Lot, Lot), PowderError> {
    let r = caster.cast(&melt.element_masses())?;
    let flakes = lot(
        ids,
        Form::Flake {
            thickness: r.quality.thickness,
        },
        &r.flakes,
        vec![melt.id],
        melt.recycled_fraction,
    )?;
    let loss = lot(
        ids,
        Form::Scrap,
        &r.loss,
        vec![melt.id],
        melt.recycled_fraction,
    )?;
    Ok((r, flakes, loss))
}

/// Lots of one HD batch.
#[derive(Debug, Clone)]
pub struct HdLots {
    /// The pure-model result.
    pub result: HdResult,
    /// H₂ fed \[lot of form Gas\].
    pub h2_in: Lot,
    /// Decrepitated powder.
    pub powder: Lot,
    /// Coating and non-liberated magnet (EoL only).
    pub reject: Option<Lot>,
    /// Off-gas (unused and desorbed H₂).
    pub offgas: Lot,
}

/// Hydrogen decrepitation of a lot. Flakes ([`Form::Flake`], [`Form::Alloy`]) are virgin feed;
/// [`Form::Scrap`] or [`Form::SinteredMagnet`] lots are end-of-life magnets whose `coating`
/// (element masses \[kg\], e.g. Ni-Cu-Ni) is removed with the reject. H₂ supplied =
/// `h2_excess` × the saturating demand.
///
/// # Errors
/// As [`HdFurnace::run`]; [`PowderError::Input`] if the coating exceeds the lot.
pub fn decrepitate(
    furnace: &HdFurnace,
    feed: &Lot,
    coating: &ElementVector,
    h2_excess: f64,
    ids: &mut LotIdSource,
) -> Result<HdLots, PowderError> {
    let m = feed.element_masses();
    let eol = matches!(feed.form, Form::Scrap | Form::SinteredMagnet { .. });
    let hd_feed = if eol {
        let body = m - *coating;
        if let Some((e, x)) = body.first_invalid() {
            return Err(input_err(
                &format!("hd.coating[{}]", e.symbol()),
                x,
                "coating exceeds the element in the lot",
            ));
        }
        HdFeed::EndOfLife {
            magnet: body,
            coating: *coating,
        }
    } else {
        HdFeed::Flakes(m)
    };
    if !(h2_excess.is_finite() && h2_excess >= 0.0) {
        return Err(input_err(
            "hd.h2_excess",
            h2_excess,
            "must be finite and >= 0",
        ));
    }
    let h2 = h2_excess * furnace.h2_demand(&hd_feed);
    let r = furnace.run(&hd_feed, h2)?;
    let h2_in = lot(
        ids,
        Form::Gas,
        &ElementVector::unit(Element::H, h2),
        vec![],
        0.0,
    )?;
    let rf = feed.recycled_fraction.max(if eol { 1.0 } else { 0.0 });
    let powder = lot(ids, powder_form(&r.psd)?, &r.powder, vec![feed.id], rf)?
        .with_tag("property_retention", format!("{:.3}", r.property_retention));
    let reject = if r.reject.sum() > 0.0 {
        Some(lot(ids, Form::Scrap, &r.reject, vec![feed.id], rf)?)
    } else {
        None
    };
    let offgas = lot(ids, Form::Gas, &r.offgas, vec![h2_in.id], 0.0)?;
    Ok(HdLots {
        result: r,
        h2_in,
        powder,
        reject,
        offgas,
    })
}

/// Lots of one milled lot.
#[derive(Debug, Clone)]
pub struct MillLots {
    /// The pure-model result.
    pub result: MillLotResult,
    /// Milling gas used.
    pub gas_in: Lot,
    /// Product powder.
    pub product: Lot,
    /// Filter fines.
    pub fines: Lot,
    /// Spent gas.
    pub gas_out: Lot,
}

/// Jet milling of a powder lot (its PSD is re-binned onto the mill grid).
///
/// # Errors
/// [`PowderError::Input`] if the lot is not a powder; as [`JetMill::mill_lot`].
pub fn mill(mill: &JetMill, feed: &Lot, ids: &mut LotIdSource) -> Result<MillLots, PowderError> {
    let Form::Powder { psd } = &feed.form else {
        return Err(input_err(
            "jet_mill.feed.form",
            feed.form.kind(),
            "feed lot must be a powder",
        ));
    };
    let feed_psd = psd_from_material(psd, mill.grid())?;
    let r = mill.mill_lot(&feed.element_masses(), &feed_psd)?;
    let gas_in = lot(ids, Form::Gas, &r.gas_in, vec![], 0.0)?;
    let parents = vec![feed.id, gas_in.id];
    let product = lot(
        ids,
        powder_form(&r.steady.product_psd)?,
        &r.product,
        parents.clone(),
        feed.recycled_fraction,
    )?;
    let fines = lot(
        ids,
        powder_form(&r.steady.fines_psd)?,
        &r.fines,
        parents,
        feed.recycled_fraction,
    )?;
    let gas_out = lot(ids, Form::Gas, &r.gas_out, vec![gas_in.id], 0.0)?;
    Ok(MillLots {
        result: r,
        gas_in,
        product,
        fines,
        gas_out,
    })
}

/// Lots of one pressed powder lot.
#[derive(Debug, Clone)]
pub struct PressLots {
    /// The pure-model result.
    pub result: PressResult,
    /// Green compacts ([`Form::GreenCompact`]).
    pub compacts: Lot,
    /// Loss (scrap, recyclable).
    pub loss: Lot,
}

/// Field pressing of a powder lot.
///
/// # Errors
/// As [`FieldPress::press`].
pub fn press(
    press: &FieldPress,
    powder: &Lot,
    ids: &mut LotIdSource,
) -> Result<PressLots, PowderError> {
    let r = press.press(&powder.element_masses())?;
    let form = Form::GreenCompact {
        density: r.green_density,
        alignment: r.alignment,
    };
    let compacts = lot(
        ids,
        form,
        &r.compacts,
        vec![powder.id],
        powder.recycled_fraction,
    )?;
    let loss = lot(
        ids,
        Form::Scrap,
        &r.loss,
        vec![powder.id],
        powder.recycled_fraction,
    )?;
    Ok(PressLots {
        result: r,
        compacts,
        loss,
    })
}

/// Blend powder lots (PSDs mixed by mass, recycled fraction mass-weighted, parents recorded).
///
/// # Errors
/// [`PowderError::Material`] if the lots cannot be mixed (e.g. not all powders).
pub fn blend(lots: &[&Lot], ids: &mut LotIdSource) -> Result<Lot, PowderError> {
    Ok(Lot::mix(lots.iter().copied(), ids.next())?)
}
