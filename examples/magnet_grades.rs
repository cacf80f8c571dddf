//! Design an N52, a 48SH and a 42UH-class sintered NdFeB magnet with `repm-sinter`'s
//! alloy-design helper and compare the routes to coercivity (bulk Dy, bulk Tb, GBD Tb, GBD Dy)
//! by heavy rare earth bought (g per kg of magnet) and raw-material cost (dated prices from
//! `crates/sinter/data/prices.json`, process-data.md §13).
//!
//! Each target: the grade's (BH)max/Br minima and Hcj floor at 20 °C, and a working point at
//! P_c = 2 above the knee at the working temperature (N: 80 °C, SH: 150 °C, UH: 180 °C);
//! 5 mm thick magnets for GBD (Tb or Dy at 900 °C × 10 h).
//!
//! Run: `cargo run --release --example magnet_grades` (a few seconds in release).

use repm_material::Element;
use repm_sinter::design::{DesignRequest, Route, design, metal_price};
use repm_sinter::magnet::CoercivityModel;
use repm_sinter::programme::ZERO_CELSIUS;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let prices = &repm_sinter::data::prices().oxides;
    println!("Heavy-RE metal prices used (from dated oxide prices):");
    for e in [Element::Nd, Element::Dy, Element::Tb] {
        let p = prices
            .iter()
            .find(|p| p.element == e)
            .map(|p| format!("{} {} USD/kg oxide, {}", p.oxide, p.usd_per_kg, p.date));
        println!(
            "  {e}: {:.0} USD/kg metal  ({})",
            metal_price(e),
            p.unwrap_or_default()
        );
    }
    let model = CoercivityModel::default();
    for (grade, t_c) in [("N52", 80.0), ("48SH", 150.0), ("42UH", 180.0)] {
        let req = DesignRequest::new(grade.parse()?, ZERO_CELSIUS + t_c, 5e-3)?;
        let report = design(&req, &model)?;
        println!("\n== {} at {t_c:.0} °C, P_c = 2, 5 mm ==", req.grade);
        println!(
            "  {:<7} {:>6} {:>8} {:>12} {:>8} {:>8} {:>7} {:>9} {:>9} {:>7}",
            "route",
            "RE wt%",
            "bulk g/kg",
            "GBD ret/app",
            "HRE g/kg",
            "USD/kg",
            "Br T",
            "Hcj kA/m",
            "BH kJ/m3",
            "grade"
        );
        let no_hre = report.options.iter().all(|o| o.heavy_re_used == 0.0);
        for o in report
            .options
            .iter()
            .take(if no_hre { 1 } else { usize::MAX })
        {
            println!(
                "  {:<7} {:>6.1} {:>8.1} {:>6.2}/{:<5.2} {:>8.2} {:>8.1} {:>7.3} {:>9.0} {:>9.0} {:>7}",
                format!("{:?}", o.route),
                o.light_re_wt_percent,
                o.bulk_heavy_re,
                o.gbd_heavy_re_retained,
                o.gbd_heavy_re_applied,
                o.heavy_re_used,
                o.cost,
                o.magnet.remanence,
                o.magnet.coercivity / 1e3,
                o.bhmax / 1e3,
                o.magnet
                    .grade()
                    .map(|g| g.to_string())
                    .unwrap_or_else(|| "-".into()),
            );
        }
        if no_hre {
            println!("  (every route: no heavy rare earth needed)");
        }
        for (route, why) in &report.infeasible {
            println!("  {route:?}: infeasible ({why})");
            if *route == Route::BulkDy {
                // What bulk Dy can reach with this suffix: step the grade number down.
                for n in [45, 42, 40, 38, 35, 33] {
                    if n >= req.grade.number {
                        continue;
                    }
                    let relaxed = repm_sinter::grade::Grade {
                        number: n,
                        suffix: req.grade.suffix,
                    };
                    let r2 = design(
                        &DesignRequest {
                            grade: relaxed,
                            ..req.clone()
                        },
                        &model,
                    )?;
                    if let Some(o) = r2.options.iter().find(|o| o.route == Route::BulkDy) {
                        println!(
                            "    bulk Dy reaches {relaxed} instead: {:.1} g/kg Dy, {:.1} USD/kg, Br {:.3} T, Hcj {:.0} kA/m",
                            o.heavy_re_used,
                            o.cost,
                            o.magnet.remanence,
                            o.magnet.coercivity / 1e3
                        );
                        break;
                    }
                }
            }
        }
        let bulk = report
            .options
            .iter()
            .find(|o| matches!(o.route, Route::BulkDy | Route::BulkTb));
        let gbd = report.options.iter().find(|o| o.route == Route::GbdTb);
        if let (Some(b), Some(g)) = (bulk, gbd)
            && b.heavy_re_used > 0.0
        {
            println!(
                "  GBD-Tb vs {:?}: {:.0} % less heavy RE, {:+.1} USD/kg",
                b.route,
                100.0 * (1.0 - g.heavy_re_used / b.heavy_re_used),
                g.cost - b.cost
            );
        }
    }
    Ok(())
}
