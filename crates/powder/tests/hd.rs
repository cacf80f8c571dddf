//! Hydrogen decrepitation: isothermal JMAK against its closed form, the charge energy balance,
//! the degassing stages of Meisner & Panchanathan (1993), self-heating magnitude.

use approx::assert_relative_eq;
use repm_material::{Element, ElementVector};
use repm_powder::hd::{DegassingConfig, HdConfig, HdFeed, HdFurnace};
use repm_powder::recipe::Recipe;

fn flakes(mass: f64) -> ElementVector {
    Recipe::default().charge(mass, &[]).unwrap().total
}

#[test]
fn isothermal_jmak_matches_closed_form() {
    // No heat of absorption: T stays at the wall temperature, and
    // X(t) = 1 − exp(−(k (t − t_inc))ⁿ) exactly (JMAK, process-data.md §2).
    let cfg = HdConfig {
        gb_heat: 0.0,
        matrix_heat: 0.0,
        absorption_time: repm_material::units::TimeSpan::from_si(2400.0),
        ..HdConfig::default()
    };
    let hd = HdFurnace::new(cfg).unwrap();
    let feed = HdFeed::Flakes(flakes(100.0));
    let r = hd.run(&feed, 2.0 * hd.h2_demand(&feed)).unwrap();
    let k = cfg
        .gb_kinetics
        .rate(cfg.wall_temperature.si(), cfg.pressure.si());
    let x = 1.0
        - (-(k * (2400.0 - cfg.gb_kinetics.incubation.si())).powf(cfg.gb_kinetics.avrami_exponent))
            .exp();
    assert_relative_eq!(r.x_gb, x, max_relative = 1e-9);
    assert_relative_eq!(
        r.final_temperature,
        cfg.wall_temperature.si(),
        max_relative = 1e-12
    );
}

#[test]
fn charge_energy_balance_closes() {
    let cfg = HdConfig::default();
    let hd = HdFurnace::new(cfg).unwrap();
    let body = flakes(1000.0);
    let m = body.sum(); // 1000 kg metal + raw-material O and C
    let feed = HdFeed::Flakes(body);
    let r = hd.run(&feed, 1.2 * hd.h2_demand(&feed)).unwrap();
    let sensible = m * cfg.heat_capacity * (r.final_temperature - cfg.wall_temperature.si());
    // RK4 truncation of the heat-loss integral: 1.0e-8 relative with 1 s steps once the
    // reactions are complete (the τ-rate step limit is lifted then), so 1e-7 here
    assert_relative_eq!(sensible, r.heat_released - r.heat_lost, max_relative = 1e-7);
}

#[test]
fn one_tonne_charge_self_heats_to_a_few_hundred_degc() {
    // process-data.md §2: "charge self-heats to ~300 °C".
    let hd = HdFurnace::new(HdConfig::default()).unwrap();
    let feed = HdFeed::Flakes(flakes(1000.0));
    let r = hd.run(&feed, 1.2 * hd.h2_demand(&feed)).unwrap();
    let peak_c = r.peak_temperature - 273.15;
    assert!((150.0..400.0).contains(&peak_c), "peak {peak_c} °C");
    assert!(r.x_gb > 0.99 && r.x_matrix > 0.99);
}

#[test]
fn degassing_stages_follow_meisner_and_panchanathan() {
    let run = |t_degas: f64| {
        let cfg = HdConfig {
            degassing: DegassingConfig {
                temperature: repm_material::units::Temperature::from_si(t_degas),
                ..DegassingConfig::default()
            },
            ..HdConfig::default()
        };
        let hd = HdFurnace::new(cfg).unwrap();
        let body = flakes(100.0);
        let feed = HdFeed::Flakes(body);
        let r = hd.run(&feed, 1.2 * hd.h2_demand(&feed)).unwrap();
        let (gb, _) = hd.capacities(&body);
        (r, gb / cfg.gb_h_per_re)
    };
    // below 250 °C nothing leaves
    let (r, _) = run(473.15);
    assert_relative_eq!(r.h_retained, r.h_absorbed, max_relative = 1e-12);
    // 500 °C: matrix H gone, GB phase as REH₂
    let (r, re_free) = run(773.15);
    assert_relative_eq!(
        r.h_retained,
        2.0 * re_free * Element::H.molar_mass(),
        max_relative = 1e-6
    );
    // 600 °C: all H out
    let (r, _) = run(873.15);
    assert!(r.h_retained.abs() < 1e-15);
    assert!(r.powder[Element::H].abs() < 1e-15);
}

#[test]
fn oxygen_reduces_the_hydriding_grain_boundary_phase() {
    let hd = HdFurnace::new(HdConfig::default()).unwrap();
    let clean = flakes(100.0);
    let mut oxidised = clean;
    oxidised[Element::O] += 0.5; // +5000 ppm O ties up RE as RE₂O₃
    assert!(hd.capacities(&oxidised).0 < hd.capacities(&clean).0);
}

#[test]
fn short_absorption_leaves_coarse_undecrepitated_flakes() {
    // Stop before the GB phase has fully reacted: the product PSD keeps a coarse share 1 − X_GB.
    let short = HdConfig {
        absorption_time: repm_material::units::TimeSpan::from_si(1260.0),
        ..HdConfig::default()
    };
    let feed = HdFeed::Flakes(flakes(100.0));
    let r_short = HdFurnace::new(short).unwrap().run(&feed, 1e3).unwrap();
    let r_full = HdFurnace::new(HdConfig::default())
        .unwrap()
        .run(&feed, 1e3)
        .unwrap();
    assert!(
        r_short.x_gb < 0.9 && r_full.x_gb > 0.999,
        "{} {}",
        r_short.x_gb,
        r_full.x_gb
    );
    assert!(r_short.psd.d90() > r_full.psd.d90());
    let coarse = r_short.psd.fraction_above(0.7e-3);
    assert_relative_eq!(
        coarse - r_full.psd.fraction_above(0.7e-3) * r_short.x_gb,
        1.0 - r_short.x_gb,
        epsilon = 1e-9
    );
}
