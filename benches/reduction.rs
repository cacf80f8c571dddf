//! Criterion benchmarks of repm-reduction: one calciothermic batch (equilibrium + adiabatic
//! solve + heat to tap), the adiabatic solve alone, and a week of a 6 kA electrolysis cell on
//! the event clock.

use criterion::{Criterion, criterion_group, criterion_main};
use repm_des::{SimTime, Simulation};
use repm_material::Lot;
use repm_material::thermo::{
    AdiabaticOptions, ChargeItem, DataSetName, InputConvention, ThermoSet, adiabatic_temperature,
};
use repm_reduction::calciothermic::{CalciothermicConfig, reduce};
use repm_reduction::events::{ElectrolysisCellConfig, ElectrolysisCellModel};
use std::hint::black_box;

fn batch(c: &mut Criterion) {
    let cfg = CalciothermicConfig::default();
    c.bench_function("calciothermic/batch_dyf3", |b| {
        b.iter(|| reduce(black_box(&cfg)).unwrap())
    });
    let r = reduce(&cfg).unwrap();
    let set = ThermoSet::new(DataSetName::FreedDerived).unwrap();
    let reactants: Vec<ChargeItem> = r
        .inputs
        .items()
        .iter()
        .map(|(s, n)| ChargeItem::new(s, *n, 298.15))
        .collect();
    let mut products = r.metal.clone();
    products.add_scaled(&r.slag, 1.0);
    products.add_scaled(&r.vapour, 1.0);
    let products = products.items();
    c.bench_function("calciothermic/adiabatic_solve", |b| {
        b.iter(|| {
            adiabatic_temperature(
                &set,
                black_box(&reactants),
                black_box(&products),
                0.0,
                InputConvention::MechanicalMixture,
                AdiabaticOptions::default(),
            )
            .unwrap()
        })
    });
}

fn cell_week(c: &mut Criterion) {
    c.bench_function("electrolysis/6ka_cell_week", |b| {
        b.iter(|| {
            let mut sim = Simulation::<Lot>::new(1, 0);
            let m = ElectrolysisCellModel::new(ElectrolysisCellConfig::default(), 1).unwrap();
            sim.add_model("cell", m).unwrap();
            sim.run_until(SimTime::from_secs(7 * 24 * 3600).unwrap())
                .unwrap();
            sim
        })
    });
}

criterion_group!(benches, batch, cell_week);
criterion_main!(benches);
