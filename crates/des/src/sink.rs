//! [`Sink`]: a model that keeps every message it receives, with its arrival time.
//!
//! The end of a line in tests, examples and small studies: connect any output to its untyped
//! `"in"` port (an untyped port accepts every message kind) and read [`Sink::received`] after
//! the run. Checkpointable when the message type is `serde`.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::checkpoint::{from_value, to_value};
use crate::model::{Event, Model, Port, Ports};
use crate::sim::Context;
use crate::time::SimTime;

/// Keeps every message received on its input port `"in"`, in arrival order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sink<M> {
    /// (arrival time, message), in delivery order.
    pub received: Vec<(SimTime, M)>,
}

impl<M> Default for Sink<M> {
    fn default() -> Self {
        Sink {
            received: Vec::new(),
        }
    }
}

impl<M> Sink<M> {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The messages, without their times.
    pub fn messages(&self) -> impl Iterator<Item = &M> + '_ {
        self.received.iter().map(|(_, m)| m)
    }
}

impl<M: Serialize + DeserializeOwned + 'static> Model<M> for Sink<M> {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::new("in")];
        Ports {
            inputs: IN,
            outputs: &[],
        }
    }

    fn handle(&mut self, ctx: &mut Context<'_, M>, event: Event<M>) -> crate::Result<()> {
        if let Event::Message { msg, .. } = event {
            self.received.push((ctx.now(), msg));
        }
        Ok(())
    }

    fn snapshot(&self) -> crate::Result<serde_json::Value> {
        to_value(self)
    }

    fn restore(&mut self, state: serde_json::Value) -> crate::Result<()> {
        *self = from_value(state)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OutPort, Simulation};
    use std::time::Duration;

    struct Emit;
    impl Model<u32> for Emit {
        fn ports(&self) -> Ports {
            const OUT: &[Port] = &[Port::typed("out", "count")];
            Ports {
                inputs: &[],
                outputs: OUT,
            }
        }
        fn init(&mut self, ctx: &mut Context<'_, u32>) -> crate::Result<()> {
            ctx.schedule_in(Duration::from_secs(1), 0)?;
            Ok(())
        }
        fn handle(&mut self, ctx: &mut Context<'_, u32>, _ev: Event<u32>) -> crate::Result<()> {
            ctx.send(OutPort(0), 5)?;
            ctx.schedule_in(Duration::from_secs(1), 0)?;
            Ok(())
        }
    }

    #[test]
    fn sink_keeps_messages_in_order_with_times_and_accepts_any_kind() {
        let mut sim = Simulation::<u32>::new(1, 0);
        let e = sim.add_model("emit", Emit).unwrap();
        let s = sim.add_model("sink", Sink::<u32>::new()).unwrap();
        sim.connect(e, "out", s, "in").unwrap();
        sim.run_until(SimTime::from_secs(3).unwrap()).unwrap();
        let sink = sim.model::<Sink<u32>>(s).unwrap();
        let times: Vec<u64> = sink.received.iter().map(|(t, _)| t.as_nanos()).collect();
        assert_eq!(times, vec![1_000_000_000, 2_000_000_000, 3_000_000_000]);
        assert_eq!(sink.messages().sum::<u32>(), 15);
    }
}
