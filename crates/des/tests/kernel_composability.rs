//! The composability pattern of docs/science/des.md §5: a model written once, generically over
//! every message type that can carry a `Lot` (`M: From<Lot> + TryInto<Lot>`), runs both in a
//! `Simulation<Lot>` and inside a plant-level `Simulation<PlantMsg>` next to models that speak
//! other messages. `Lot` here stands in for `repm_material::Lot` (repm-des does not depend on
//! repm-material).

use std::time::Duration;

use repm_des::{
    Context, DesError, Event, Model, OutPort, Port, Ports, Result, SimTime, Simulation,
};

/// Stand-in for `repm_material::Lot`.
#[derive(Debug, Clone, PartialEq)]
struct Lot {
    id: u64,
    mass_kg: f64,
}

/// "repm-sinter": a furnace that takes a lot, holds it 2 h, loses 1 % mass, passes it on.
#[derive(Default)]
struct Furnace {
    inside: Vec<Lot>,
    done: u64,
}

impl<M> Model<M> for Furnace
where
    M: From<Lot> + TryInto<Lot> + 'static,
{
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("in", "lot")];
        const OUT: &[Port] = &[Port::typed("out", "lot")];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }
    fn handle(&mut self, ctx: &mut Context<'_, M>, ev: Event<M>) -> Result<()> {
        match ev {
            Event::Message { msg, .. } => {
                let lot: Lot = msg
                    .try_into()
                    .map_err(|_| DesError::model("furnace received a non-lot message"))?;
                self.inside.push(lot);
                ctx.schedule_in(Duration::from_secs(7200), 0)?;
            }
            Event::Timer { .. } => {
                let mut lot = self.inside.remove(0);
                lot.mass_kg *= 0.99;
                self.done += 1;
                if ctx.is_connected(OutPort(0)) {
                    ctx.send(OutPort(0), M::from(lot))?;
                }
            }
        }
        Ok(())
    }
}

/// "repm-plant": the plant's message type.
#[derive(Debug, Clone, PartialEq)]
enum PlantMsg {
    Lot(Lot),
    Order(u32),
}

impl From<Lot> for PlantMsg {
    fn from(l: Lot) -> Self {
        PlantMsg::Lot(l)
    }
}

impl TryFrom<PlantMsg> for Lot {
    type Error = PlantMsg;
    fn try_from(m: PlantMsg) -> std::result::Result<Lot, PlantMsg> {
        match m {
            PlantMsg::Lot(l) => Ok(l),
            other => Err(other),
        }
    }
}

/// "repm-plant": turns orders into lots (a model that speaks both kinds).
struct Dispatcher {
    next_id: u64,
}

impl Model<PlantMsg> for Dispatcher {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("orders", "order")];
        const OUT: &[Port] = &[Port::typed("lots", "lot")];
        Ports {
            inputs: IN,
            outputs: OUT,
        }
    }
    fn handle(&mut self, ctx: &mut Context<'_, PlantMsg>, ev: Event<PlantMsg>) -> Result<()> {
        if let Event::Message {
            msg: PlantMsg::Order(n),
            ..
        } = ev
        {
            for _ in 0..n {
                self.next_id += 1;
                ctx.send(
                    OutPort(0),
                    PlantMsg::Lot(Lot {
                        id: self.next_id,
                        mass_kg: 100.0,
                    }),
                )?;
            }
        }
        Ok(())
    }
}

/// Places orders (never actually fires here; it only declares an order output).
struct Customer;

impl Model<PlantMsg> for Customer {
    fn ports(&self) -> Ports {
        const OUT: &[Port] = &[Port::typed("orders", "order")];
        Ports {
            inputs: &[],
            outputs: OUT,
        }
    }
    fn handle(&mut self, _: &mut Context<'_, PlantMsg>, _: Event<PlantMsg>) -> Result<()> {
        Ok(())
    }
}

/// Collects whatever arrives.
struct Sink<M> {
    got: Vec<M>,
}

impl<M> Sink<M> {
    fn new() -> Self {
        Sink { got: Vec::new() }
    }
}

impl<M: 'static> Model<M> for Sink<M> {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("in", "lot")];
        Ports {
            inputs: IN,
            outputs: &[],
        }
    }
    fn handle(&mut self, _: &mut Context<'_, M>, ev: Event<M>) -> Result<()> {
        if let Event::Message { msg, .. } = ev {
            self.got.push(msg);
        }
        Ok(())
    }
}

#[test]
fn one_furnace_model_in_two_simulations() {
    // Alone, with M = Lot.
    let mut a = Simulation::<Lot>::new(1, 0);
    let f = a.add_model("furnace", Furnace::default()).unwrap();
    let s = a.add_model("sink", Sink::<Lot>::new()).unwrap();
    a.connect(f, "out", s, "in").unwrap();
    a.inject(
        f,
        "in",
        SimTime::ZERO,
        Lot {
            id: 1,
            mass_kg: 50.0,
        },
    )
    .unwrap();
    a.run().unwrap();
    let got = &a.model::<Sink<Lot>>(s).unwrap().got;
    assert_eq!(got.len(), 1);
    approx::assert_relative_eq!(got[0].mass_kg, 49.5);
    assert_eq!(a.now(), SimTime::from_hours(2.0).unwrap());

    // In a plant, with M = PlantMsg, next to a model of another "crate".
    let mut p = Simulation::<PlantMsg>::new(1, 0);
    let d = p.add_model("dispatch", Dispatcher { next_id: 0 }).unwrap();
    let f = p.add_model("furnace", Furnace::default()).unwrap();
    let s = p.add_model("store", Sink::<PlantMsg>::new()).unwrap();
    p.connect(d, "lots", f, "in").unwrap();
    p.connect(f, "out", s, "in").unwrap();
    // Port kinds are checked across crates: an order output cannot feed the furnace.
    let c = p.add_model("customer", Customer).unwrap();
    assert!(matches!(
        p.connect(c, "orders", f, "in"),
        Err(DesError::PortKindMismatch {
            out_kind: "order",
            in_kind: "lot",
            ..
        })
    ));
    p.connect(c, "orders", d, "orders").unwrap();
    p.inject(d, "orders", SimTime::ZERO, PlantMsg::Order(3))
        .unwrap();
    p.run().unwrap();
    assert_eq!(p.model::<Furnace>(f).unwrap().done, 3);
    let got = &p.model::<Sink<PlantMsg>>(s).unwrap().got;
    let ids: Vec<u64> = got
        .iter()
        .map(|m| match m {
            PlantMsg::Lot(l) => l.id,
            PlantMsg::Order(_) => 0,
        })
        .collect();
    assert_eq!(
        ids,
        [1, 2, 3],
        "same-time lots keep their order through the furnace"
    );

    // A non-lot message reaching the furnace is a clear model error, not a panic.
    let mut q = Simulation::<PlantMsg>::new(1, 0);
    let f = q.add_model("furnace", Furnace::default()).unwrap();
    q.inject(f, "in", SimTime::ZERO, PlantMsg::Order(1))
        .unwrap();
    let err = q.run().unwrap_err();
    assert!(
        matches!(err, DesError::Model { ref model, .. } if model == "furnace"),
        "{err}"
    );
}
