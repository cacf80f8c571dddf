//! `hd_recycling`: end-of-life magnets (Ni-Cu-Ni coated, Dy-bearing, O-rich) through hydrogen
//! decrepitation, blended with virgin HD powder and jet milled, printing the recycled fraction
//! and the O content (and the rare earth O ties up as RE₂O₃) along the way.
//!
//! Run: `cargo run --release --example hd_recycling`.

use repm_material::{Element, ElementVector, Form, Lot, LotIdSource};
use repm_powder::hd::{HdConfig, HdFurnace};
use repm_powder::jet_mill::{JetMill, JetMillConfig};
use repm_powder::lots;
use repm_powder::oxygen::{CarbonBinding, PhaseBudget};
use repm_powder::recipe::Recipe;
use repm_powder::strip_cast::{StripCaster, StripCasterConfig};

fn line(name: &str, lot: &Lot) {
    let b = PhaseBudget::of(&lot.element_masses(), CarbonBinding::default());
    println!(
        "{name:<26} {:>8.1} kg  recycled {:>5.1} %  O {:>5.0} ppm  Dy {:>5.2} wt %  RE as RE2O3 {:>4.1} % of RE  free GB RE {:.2} wt %",
        lot.mass(),
        100.0 * lot.recycled_fraction,
        1e6 * lot.mass_fraction(Element::O),
        100.0 * lot.mass_fraction(Element::Dy),
        100.0 * b.re_oxide / b.re_total,
        100.0 * b.free_re_mass_fraction,
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut ids = LotIdSource::starting_at(1000);

    // End-of-life sintered magnets: 400 kg bodies (Nd-Pr-Dy-Fe-B, 4000 ppm O, est.) with a
    // 1.5 wt % Ni-Cu-Ni coating.
    let mut body = ElementVector::from_pairs([
        (Element::Nd, 0.235),
        (Element::Pr, 0.06),
        (Element::Dy, 0.03),
        (Element::B, 0.0098),
        (Element::Co, 0.01),
        (Element::Cu, 0.001),
        (Element::Al, 0.002),
        (Element::O, 0.004),
        (Element::C, 0.0008),
    ]);
    body[Element::Fe] = 1.0 - body.sum();
    let body = body * 400.0;
    let coating = ElementVector::from_pairs([(Element::Ni, 5.0), (Element::Cu, 1.0)]);
    let eol = Lot::from_element_masses(ids.next(), Form::Scrap, &(body + coating))?
        .with_recycled_fraction(1.0)?;
    println!("== HD short loop ==");
    line("EoL magnets (coated)", &eol);

    let hd = HdFurnace::new(HdConfig::default())?;
    let rec = lots::decrepitate(&hd, &eol, &coating, 1.2, &mut ids)?;
    println!(
        "    HD: peak {:.0} °C, X_GB {:.3}, X_matrix {:.3}, extraction {:.0} %, property retention {:.2}",
        rec.result.peak_temperature - 273.15,
        rec.result.x_gb,
        rec.result.x_matrix,
        100.0 * hd.config().eol.extraction_efficiency,
        rec.result.property_retention
    );
    line("recycled HD powder", &rec.powder);
    if let Some(rj) = &rec.reject {
        println!(
            "    reject (coating + non-liberated): {:.1} kg, Ni {:.1} kg",
            rj.mass(),
            rj.element_masses()[Element::Ni]
        );
    }

    // Virgin route: 1 t melt → flakes → HD.
    let charge = Recipe::default().charge(1000.0, &[])?;
    let melt = lots::melt_lot(&charge, vec![], &mut ids)?;
    let (_, flakes, _) = lots::cast(
        &StripCaster::new(StripCasterConfig::default())?,
        &melt,
        &mut ids,
    )?;
    let virgin = lots::decrepitate(&hd, &flakes, &ElementVector::zeros(), 1.2, &mut ids)?;
    line("virgin HD powder", &virgin.powder);

    // Blend (recycled share ≤ 20–30 % of the jet-mill feed, process-data §11.5) and mill.
    let (part, _) = rec.powder.split_into(0.75, (ids.next(), ids.next()))?;
    let blend = lots::blend(&[&virgin.powder, &part], &mut ids)?;
    line("blend (jet-mill feed)", &blend);
    let mill = JetMill::new(JetMillConfig::default())?;
    let milled = lots::mill(&mill, &blend, &mut ids)?;
    line("jet-milled blend", &milled.product);
    println!(
        "    D50 {:.2} µm, O pickup in the mill {:.3} kg; blend parents {:?}",
        milled.result.steady.product_psd.d50() * 1e6,
        milled.result.oxygen_pickup,
        blend.parents
    );
    Ok(())
}
