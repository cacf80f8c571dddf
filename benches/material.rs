//! Criterion benchmarks of the `repm-material` thermochemistry.
//!
//! * `thermo_props/<species>/<set>`: H, S, G, Cp of one species at 1200 K with stable-phase
//!   selection (minimum G over the phases covering T): NdF3 (FREED-derived, one Maier–Kelley
//!   piece), CaF2 (NASA-7, three phases), Fe (SGTE91, three structures, magnetic term).
//! * `thermo_props/nasa7_floor`: the same four properties from one hand-coded NASA-7 piece,
//!   no lookup, no phase selection: the floor the library is compared with in the same run.
//! * `thermo_reaction/ndf3_ca_1500K`: ΔrH, ΔrS, ΔrG, log K of 2 NdF3 + 3 Ca = 2 Nd + 3 CaF2.
//! * `thermo_adiabatic/...`: adiabatic temperature of 2 NdF3 + 3.45 Ca at 298.15 K (converged
//!   in a single-phase interval) and of a charge whose answer sits on the Nd melting plateau.
//!
//! Run: `cargo bench --bench material -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use repm_material::thermo::{
    AdiabaticOptions, ChargeItem, DataSetName, InputConvention, ThermoSet, adiabatic_temperature,
    reaction_props,
};

const R: f64 = 8.314_462_618;

/// NASA-7 CaF2(a) 1000–1424 K piece (McBride et al. 1993 via Cantera nasa_condensed.yaml).
const CAF2_A_HIGH: [f64; 7] = [
    1.03439908,
    0.0218402489,
    -2.04796113e-05,
    1.03381996e-08,
    -1.91843768e-12,
    -1.48010445e+05,
    -2.08048925,
];

fn nasa7(a: &[f64; 7], t: f64) -> (f64, f64, f64, f64) {
    let cp = R * (a[0] + t * (a[1] + t * (a[2] + t * (a[3] + t * a[4]))));
    let h = R
        * (t * (a[0] + t * (a[1] / 2.0 + t * (a[2] / 3.0 + t * (a[3] / 4.0 + t * a[4] / 5.0))))
            + a[5]);
    let s = R
        * (a[0] * t.ln()
            + t * (a[1] + t * (a[2] / 2.0 + t * (a[3] / 3.0 + t * a[4] / 4.0)))
            + a[6]);
    (h, s, h - t * s, cp)
}

fn props(c: &mut Criterion) {
    let mut g = c.benchmark_group("thermo_props");
    for (sp, set) in [
        ("NdF3", DataSetName::FreedDerived),
        ("CaF2", DataSetName::NasaJanaf),
        ("Fe", DataSetName::Sgte91),
    ] {
        let set = ThermoSet::new(set).expect("embedded data");
        let s = set.species(sp).expect("species");
        g.bench_function(format!("{sp}/{}", set.name()), |b| {
            b.iter(|| {
                let p = s.props(black_box(1200.0));
                (p.h, p.s, p.g, p.cp)
            })
        });
    }
    g.bench_function("nasa7_floor", |b| {
        b.iter(|| nasa7(&CAF2_A_HIGH, black_box(1200.0)))
    });
    g.finish();
}

fn reaction(c: &mut Criterion) {
    let set = ThermoSet::new(DataSetName::NasaJanaf).expect("embedded data");
    let st = [(-2.0, "NdF3"), (-3.0, "Ca"), (2.0, "Nd"), (3.0, "CaF2")];
    c.bench_function("thermo_reaction/ndf3_ca_1500K", |b| {
        b.iter(|| reaction_props(&set, black_box(&st), black_box(1500.0)).map(|r| r.dg))
    });
}

fn adiabatic(c: &mut Criterion) {
    let set = ThermoSet::new(DataSetName::FreedDerived).expect("embedded data");
    let mut g = c.benchmark_group("thermo_adiabatic");
    let reactants = [
        ChargeItem::new("NdF3", 2.0, 298.15),
        ChargeItem::new("Ca", 3.45, 298.15),
    ];
    let products = vec![
        ("Nd".to_string(), 2.0),
        ("CaF2".to_string(), 3.0),
        ("Ca".to_string(), 0.45),
    ];
    g.bench_function("ndf3_ca_excess_converged", |b| {
        b.iter(|| {
            adiabatic_temperature(
                &set,
                black_box(&reactants),
                &products,
                0.0,
                InputConvention::MechanicalMixture,
                AdiabaticOptions::default(),
            )
            .map(|r| r.temperature)
        })
    });
    let reactants = [
        ChargeItem::new("NdF3", 2.0, 298.15),
        ChargeItem::new("Ca", 3.0, 298.15),
    ];
    let products = vec![("Nd".to_string(), 2.0), ("CaF2".to_string(), 3.0)];
    g.bench_function("ndf3_ca_on_nd_melting_plateau", |b| {
        b.iter(|| {
            adiabatic_temperature(
                &set,
                black_box(&reactants),
                &products,
                0.0,
                InputConvention::MechanicalMixture,
                AdiabaticOptions::default(),
            )
            .map(|r| r.temperature)
        })
    });
    g.finish();
}

criterion_group!(benches, props, reaction, adiabatic);
criterion_main!(benches);
