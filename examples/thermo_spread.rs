//! Spread of ΔrG° across the thermochemistry data sets for the metal-making route reactions.
//!
//! Prints a table of ΔrG° [kJ per reaction as written] per data set and the spread
//! (max − min), the §6.1 variant (FREED-derived with CRC's ΔfH(NdF3)), the adiabatic
//! temperature and furnace heat of a calciothermic NdF3 charge per data set, Ellingham lines
//! of the oxides and fluorides (FREED-derived set), and the source of every species per data set.
//!
//! Run: `cargo run --release --example thermo_spread` (add `-- --json` for JSON only).

use repm_material::MaterialError;
use repm_material::reaction::Reaction;
use repm_material::thermo::{
    AdiabaticOptions, ChargeItem, DataSetName, InputConvention, ReactionThermo, Source, ThermoSet,
    adiabatic_temperature, complete_reaction_products, heat_to_temperature,
};
use serde_json::json;

const REACTIONS: [&str; 11] = [
    "2 NdF3 + 3 Ca = 2 Nd + 3 CaF2",
    "2 PrF3 + 3 Ca = 2 Pr + 3 CaF2",
    "2 DyF3 + 3 Ca = 2 Dy + 3 CaF2",
    "2 TbF3 + 3 Ca = 2 Tb + 3 CaF2",
    "NdF3 + 3 Li = Nd + 3 LiF",
    "2 NdF3 + 3 Mg = 2 Nd + 3 MgF2",
    "Nd2O3 + 3 Ca = 2 Nd + 3 CaO",
    "Dy2O3 + 3 Ca = 2 Dy + 3 CaO",
    "Sm2O3 + 2 La = 2 Sm + La2O3",
    "Sm2O3 + 10 Co + 3 Ca = 2 SmCo5 + 3 CaO",
    "Ca + I2 = CaI2",
];
const TEMPS: [f64; 5] = [298.15, 1000.0, 1300.0, 1500.0, 1800.0];

fn main() -> Result<(), MaterialError> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let json_only = std::env::args().any(|a| a == "--json");
    let mut sets: Vec<(String, ThermoSet)> = DataSetName::ALL
        .into_iter()
        .map(|n| Ok((n.label().to_string(), ThermoSet::new(n)?)))
        .collect::<Result<_, MaterialError>>()?;
    sets.push((
        "FREED+CRC NdF3".to_string(),
        ThermoSet::new(DataSetName::FreedDerived)?.with_source("NdF3", Source::Crc298)?,
    ));

    let mut rows = Vec::new();
    if !json_only {
        print!("{:<40} {:>8}", "reaction", "T [K]");
        for (n, _) in &sets {
            print!(" {n:>15}");
        }
        println!(" {:>12}", "spread (4 sets)");
    }
    for text in REACTIONS {
        let r = Reaction::parse(text)?;
        for t in TEMPS {
            let mut vals = Vec::new();
            for (_, set) in &sets {
                vals.push(r.thermo(set, t).ok().map(|p| p.dg / 1000.0));
            }
            let four: Vec<f64> = vals[..4].iter().flatten().copied().collect();
            let spread = four.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - four.iter().copied().fold(f64::INFINITY, f64::min);
            if !json_only {
                print!("{text:<40} {t:>8.2}");
                for v in &vals {
                    match v {
                        Some(x) => print!(" {x:>15.1}"),
                        None => print!(" {:>15}", "n/a"),
                    }
                }
                println!(" {spread:>12.1}");
            }
            rows.push(json!({"reaction": text, "t_k": t, "dg_kj": sets.iter().zip(&vals).map(|((n, _), v)| (n.clone(), json!(v))).collect::<serde_json::Map<_, _>>(), "spread_kj": spread}));
        }
    }

    // calciothermic NdF3 charge: 15 % excess Ca, all at 298.15 K
    let stoich = [(-2.0, "NdF3"), (-3.0, "Ca"), (2.0, "Nd"), (3.0, "CaF2")];
    let charge = vec![("NdF3".to_string(), 2.0), ("Ca".to_string(), 3.45)];
    let products = complete_reaction_products(&stoich, &charge)?;
    let reactants: Vec<ChargeItem> = charge
        .iter()
        .map(|(s, n)| ChargeItem::new(s, *n, 298.15))
        .collect();
    let mut energy = Vec::new();
    if !json_only {
        println!(
            "\n2 NdF3 + 3.45 Ca at 298.15 K (15 % excess Ca): adiabatic T and heat to 1723.15 K (1450 °C)"
        );
    }
    for (n, set) in &sets {
        let a = adiabatic_temperature(
            set,
            &reactants,
            &products,
            0.0,
            InputConvention::MechanicalMixture,
            AdiabaticOptions::default(),
        )?;
        let q = heat_to_temperature(
            set,
            &reactants,
            &products,
            1723.15,
            InputConvention::MechanicalMixture,
        )?;
        if !json_only {
            let plateau = a.plateau.as_ref().map_or(String::new(), |p| {
                format!(
                    " on plateau {:?}, {:.1} % transformed",
                    p.species,
                    100.0 * p.transformed_fraction
                )
            });
            println!(
                "  {n:<15} T_ad = {:>7.1} K ({:?}){plateau}; Q(1723 K) = {:>7.1} kJ",
                a.temperature,
                a.status,
                q / 1000.0
            );
        }
        energy.push(json!({"data_set": n, "t_ad_k": a.temperature, "status": a.status, "plateau": a.plateau, "q_to_1723k_kj": q / 1000.0}));
    }

    // Ellingham lines in the default data set: dG per mol O2 / F2 [kJ]
    let ell_set = &sets[3].1;
    let compounds = [
        "CaO", "MgO", "Nd2O3", "Pr2O3", "Dy2O3", "Tb2O3", "La2O3", "Sm2O3", "CaF2", "MgF2", "LiF",
        "NdF3", "PrF3", "DyF3", "TbF3", "LaF3", "SmF3",
    ];
    let ell_t = [500.0, 1000.0, 1500.0];
    let mut ellingham_rows = Vec::new();
    if !json_only {
        println!(
            "\nEllingham lines, {} [kJ per mol O2 or F2]",
            ell_set.name()
        );
        println!(
            "{:<8} {:>10} {:>10} {:>10}",
            "compound", "500 K", "1000 K", "1500 K"
        );
    }
    for c in compounds {
        let v: Vec<Option<f64>> = ell_t
            .iter()
            .map(|&t| {
                repm_material::thermo::ellingham(ell_set, c, t)
                    .ok()
                    .map(|r| r.dg / 1000.0)
            })
            .collect();
        if !json_only {
            print!("{c:<8}");
            for x in &v {
                match x {
                    Some(x) => print!(" {x:>10.1}"),
                    None => print!(" {:>10}", "n/a"),
                }
            }
            println!();
        }
        ellingham_rows.push(json!({"compound": c, "t_k": ell_t, "dg_kj_per_mol_x2": v}));
    }

    let mut coverage = serde_json::Map::new();
    if !json_only {
        println!("\nsource per species and data set");
        print!("{:<10}", "species");
        for (n, _) in &sets[..4] {
            print!(" {n:>14}");
        }
        println!();
    }
    for name in sets[0].1.db().species_names() {
        let mut row = serde_json::Map::new();
        if !json_only {
            print!("{name:<10}");
        }
        for (n, set) in &sets[..4] {
            let src = set
                .choice(name)
                .map(|c| c.source.label().to_string())
                .unwrap_or_else(|_| "-".to_string());
            if !json_only {
                print!(" {src:>14}");
            }
            row.insert(n.clone(), json!(src));
        }
        if !json_only {
            println!();
        }
        coverage.insert(name.to_string(), serde_json::Value::Object(row));
    }
    if json_only {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"dg": rows, "calciothermic_charge": energy, "ellingham": ellingham_rows, "coverage": coverage})
            )
            .unwrap_or_default()
        );
    }
    Ok(())
}
