//! The event wrappers on the repm-des core: a melt → caster → HD → jet mill → press chain with
//! every output port collected, checked for element conservation (gases included), lot
//! genealogy and bit-identical reruns with one seed.

use repm_des::sink::Sink;
use repm_des::{SimTime, Simulation};
use repm_material::balance::ElementBalance;
use repm_material::{ElementVector, Lot, LotIdSource};
use repm_powder::events::{
    HdFurnaceEvents, HdFurnaceModel, JetMillEvents, JetMillModel, PressModel, StripCasterEvents,
    StripCasterModel,
};
use repm_powder::hd::{HdConfig, HdFurnace};
use repm_powder::jet_mill::{GridConfig, JetMill, JetMillConfig};
use repm_powder::lots;
use repm_powder::press::{FieldPress, PressConfig};
use repm_powder::recipe::Recipe;
use repm_powder::strip_cast::{StripCaster, StripCasterConfig};

struct Run {
    inputs: ElementVector,
    outputs: ElementVector,
    compacts: Vec<(SimTime, Lot)>,
    h2: ElementVector,
    gas: ElementVector,
}

fn run(seed: u64) -> Run {
    let mut sim = Simulation::<Lot>::new(seed, 0);
    let caster = StripCasterModel::new(
        StripCaster::new(StripCasterConfig::default()).unwrap(),
        StripCasterEvents {
            failure_probability: 0.3,
            ..Default::default()
        },
        LotIdSource::starting_at(10_000),
    )
    .unwrap();
    let hd = HdFurnaceModel::new(
        HdFurnace::new(HdConfig {
            time_step: repm_material::units::TimeSpan::from_si(5.0),
            ..HdConfig::default()
        })
        .unwrap(),
        HdFurnaceEvents {
            batch_mass: repm_material::units::Mass::from_si(1000.0),
            ..Default::default()
        },
        LotIdSource::starting_at(20_000),
    )
    .unwrap();
    let mill = JetMillModel::new(
        JetMill::new(JetMillConfig {
            grid: GridConfig {
                classes: 40,
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap(),
        JetMillEvents {
            o_event_probability: 0.2,
        },
        LotIdSource::starting_at(30_000),
    )
    .unwrap();
    let press = PressModel::new(
        FieldPress::new(PressConfig::default()).unwrap(),
        LotIdSource::starting_at(40_000),
    );
    let c = sim.add_model("caster", caster).unwrap();
    let h = sim.add_model("hd", hd).unwrap();
    let m = sim.add_model("mill", mill).unwrap();
    let p = sim.add_model("press", press).unwrap();
    let mut sinks = Vec::new();
    for (from, port) in [
        (c, "loss"),
        (h, "reject"),
        (h, "offgas"),
        (m, "fines"),
        (m, "offgas"),
        (p, "compacts"),
        (p, "loss"),
    ] {
        let s = sim
            .add_model(format!("sink_{port}_{}", sinks.len()), Sink::<Lot>::new())
            .unwrap();
        sim.connect(from, port, s, "in").unwrap();
        sinks.push(s);
    }
    sim.connect(c, "flakes", h, "charge").unwrap();
    sim.connect(h, "powder", m, "feed").unwrap();
    sim.connect(m, "powder", p, "powder").unwrap();
    let mut ids = LotIdSource::starting_at(1);
    let mut inputs = ElementVector::zeros();
    for k in 0..4u64 {
        let charge = Recipe::default().charge(600.0, &[]).unwrap();
        let melt = lots::melt_lot(&charge, vec![], &mut ids).unwrap();
        inputs += melt.element_masses();
        sim.inject(c, "melt", SimTime::from_secs(k * 3600).unwrap(), melt)
            .unwrap();
    }
    sim.run_until(SimTime::from_secs(30 * 24 * 3600).unwrap())
        .unwrap();
    let mut outputs = ElementVector::zeros();
    let mut compacts = Vec::new();
    for (i, s) in sinks.iter().enumerate() {
        for (t, lot) in &sim.model::<Sink<Lot>>(*s).unwrap().received {
            outputs += lot.element_masses();
            if i == 5 {
                compacts.push((*t, lot.clone()));
            }
        }
    }
    let h2 = sim.model::<HdFurnaceModel>(h).unwrap().h2_fed;
    let gas = sim.model::<JetMillModel>(m).unwrap().gas_used;
    Run {
        inputs,
        outputs,
        compacts,
        h2,
        gas,
    }
}

#[test]
fn chain_conserves_every_element_with_gases() {
    let r = run(7);
    assert!(!r.compacts.is_empty());
    ElementBalance::new()
        .input_masses(&r.inputs)
        .input_masses(&r.h2)
        .input_masses(&r.gas)
        .output_masses(&r.outputs)
        .check(1e-9)
        .unwrap();
}

#[test]
fn same_seed_is_bit_identical_and_lots_have_parents() {
    let a = run(11);
    let b = run(11);
    assert_eq!(a.compacts.len(), b.compacts.len());
    for ((ta, la), (tb, lb)) in a.compacts.iter().zip(&b.compacts) {
        assert_eq!(ta, tb);
        assert_eq!(la, lb);
        assert!(!la.parents.is_empty());
    }
}
