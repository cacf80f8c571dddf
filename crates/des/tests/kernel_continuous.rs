//! Continuous-model support: a tank integrated with RK4 between events, whose inflow changes
//! at a valve event, schedules a state event when its volume reaches a setpoint. The event
//! time must match the analytic solution of dV/dt = q − kV to within 1 ns, and the prediction
//! made before the valve change must be cancelled (delivered exactly once).

use std::time::Duration;

use repm_des::continuous::{Crossing, StateEvent, locate_crossing};
use repm_des::{
    Context, Event, InPort, Model, OutPort, Port, Ports, Priority, Result, SimTime, Simulation,
};

/// Outflow coefficient k [s⁻¹].
const K: f64 = 0.01;
/// Inflow before the valve event [m³·s⁻¹].
const Q1: f64 = 0.05;
/// Inflow after the valve event [m³·s⁻¹].
const Q2: f64 = 0.03;
/// Valve event time [s].
const T_VALVE: f64 = 40.0;
/// Volume setpoint [m³].
const V_SET: f64 = 2.5;
/// Tag of the level state event.
const LEVEL: u64 = 1;

/// One RK4 step of dV/dt = q − kV from `v` over `h` [s].
fn rk4(v: f64, q: f64, h: f64) -> f64 {
    let f = |v: f64| q - K * v;
    let k1 = f(v);
    let k2 = f(v + 0.5 * h * k1);
    let k3 = f(v + 0.5 * h * k2);
    let k4 = f(v + h * k3);
    v + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
}

/// Integrate from `v` over `dt` [s] with steps of at most `H` [s].
fn integrate(mut v: f64, q: f64, dt: f64) -> f64 {
    const H: f64 = 0.1;
    let n = (dt / H).ceil().max(1.0);
    let h = dt / n;
    for _ in 0..n as u64 {
        v = rk4(v, q, h);
    }
    v
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Tank {
    volume: f64,
    inflow: f64,
    t_last: SimTime,
    level: StateEvent,
    crossings: Vec<(SimTime, f64)>,
}

impl Tank {
    /// Predict the next crossing of V_SET from the current state and (re)schedule the event.
    fn predict(&mut self, ctx: &mut Context<'_, f64>) -> Result<()> {
        if self.volume >= V_SET {
            return self.level.cancel(ctx);
        }
        // March ahead in 10 s blocks until the setpoint is bracketed (horizon 10⁴ s).
        let (mut t0, mut v0) = (0.0, self.volume);
        while t0 < 1e4 {
            let v1 = integrate(v0, self.inflow, 10.0);
            if v1 >= V_SET {
                let (q, base) = (self.inflow, v0);
                return match locate_crossing(|s| integrate(base, q, s) - V_SET, 0.0, 10.0, 1e-12) {
                    Crossing::Found { t, .. } => {
                        self.level.schedule_in_secs(ctx, t0 + t, Priority::NORMAL)
                    }
                    other => Err(repm_des::DesError::model(format!("locator: {other:?}"))),
                };
            }
            (t0, v0) = (t0 + 10.0, v1);
        }
        self.level.cancel(ctx)
    }
}

impl Model<f64> for Tank {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("inflow", "m3/s")];
        Ports {
            inputs: IN,
            outputs: &[],
        }
    }
    fn init(&mut self, ctx: &mut Context<'_, f64>) -> Result<()> {
        self.predict(ctx)
    }
    fn is_continuous(&self) -> bool {
        true
    }
    fn snapshot(&self) -> Result<serde_json::Value> {
        repm_des::checkpoint::to_value(self)
    }
    fn restore(&mut self, v: serde_json::Value) -> Result<()> {
        *self = repm_des::checkpoint::from_value(v)?;
        Ok(())
    }
    fn advance_to(&mut self, now: SimTime) -> Result<()> {
        self.volume = integrate(self.volume, self.inflow, now.secs_since(self.t_last));
        self.t_last = now;
        Ok(())
    }
    fn handle(&mut self, ctx: &mut Context<'_, f64>, ev: Event<f64>) -> Result<()> {
        match ev {
            Event::Message {
                port: InPort(0),
                msg,
                ..
            } => self.inflow = msg,
            Event::Timer { tag: LEVEL } => {
                self.level.fired();
                self.crossings.push((ctx.now(), self.volume));
                self.inflow = 0.0; // close the inlet at the setpoint
            }
            other => return Err(repm_des::DesError::model(format!("unexpected {other:?}"))),
        }
        self.predict(ctx)
    }
}

/// Switches the inflow to Q2 at T_VALVE.
struct Valve;
impl Model<f64> for Valve {
    fn ports(&self) -> Ports {
        const OUT: &[Port] = &[Port::typed("out", "m3/s")];
        Ports {
            inputs: &[],
            outputs: OUT,
        }
    }
    fn init(&mut self, ctx: &mut Context<'_, f64>) -> Result<()> {
        ctx.schedule_in(Duration::from_secs_f64(T_VALVE), 0)
            .map(|_| ())
    }
    fn handle(&mut self, ctx: &mut Context<'_, f64>, _: Event<f64>) -> Result<()> {
        ctx.send(OutPort(0), Q2).map(|_| ())
    }
    fn snapshot(&self) -> Result<serde_json::Value> {
        Ok(serde_json::Value::Null)
    }
    fn restore(&mut self, _: serde_json::Value) -> Result<()> {
        Ok(())
    }
}

fn build() -> (Simulation<f64>, repm_des::ModelId) {
    let mut sim = Simulation::<f64>::new(3, 0);
    let tank = sim
        .add_model(
            "tank",
            Tank {
                volume: 0.0,
                inflow: Q1,
                t_last: SimTime::ZERO,
                level: StateEvent::new(LEVEL),
                crossings: vec![],
            },
        )
        .unwrap();
    let valve = sim.add_model("valve", Valve).unwrap();
    sim.connect(valve, "out", tank, "inflow").unwrap();
    (sim, tank)
}

#[test]
fn pending_state_event_survives_checkpoint() {
    let end = SimTime::from_secs(1000).unwrap();
    let (mut whole, tank) = build();
    whole.run_until(end).unwrap();
    // Checkpoint at 60 s: after the valve event, with the re-predicted state event pending and
    // the cancelled pre-valve prediction still in the heap.
    let (mut first, _) = build();
    first.run_until(SimTime::from_secs(60).unwrap()).unwrap();
    let json = serde_json::to_string(&first.checkpoint().unwrap()).unwrap();
    let (mut second, _) = build();
    second
        .restore(serde_json::from_str(&json).unwrap())
        .unwrap();
    second.run_until(end).unwrap();
    let a = &whole.model::<Tank>(tank).unwrap().crossings;
    let b = &second.model::<Tank>(tank).unwrap().crossings;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0, b[0].0);
    assert_eq!(a[0].1.to_bits(), b[0].1.to_bits());
    assert_eq!(whole.events_delivered(), second.events_delivered());
}

#[test]
fn tank_level_state_event_matches_analytic_time_to_1ns() {
    let mut sim = Simulation::<f64>::new(3, 0);
    let tank = sim
        .add_model(
            "tank",
            Tank {
                volume: 0.0,
                inflow: Q1,
                t_last: SimTime::ZERO,
                level: StateEvent::new(LEVEL),
                crossings: vec![],
            },
        )
        .unwrap();
    let valve = sim.add_model("valve", Valve).unwrap();
    sim.connect(valve, "out", tank, "inflow").unwrap();
    sim.run_until(SimTime::from_secs(1000).unwrap()).unwrap();

    // Analytic: V(t) = q/k + (V0 − q/k) e^{−kt}, piecewise in q.
    let v_valve = Q1 / K * (1.0 - (-K * T_VALVE).exp());
    let t_star = T_VALVE - ((V_SET - Q2 / K) / (v_valve - Q2 / K)).ln() / K;
    let crossings = &sim.model::<Tank>(tank).unwrap().crossings;
    assert_eq!(
        crossings.len(),
        1,
        "the pre-valve prediction (~69 s) must have been cancelled"
    );
    let (at, v) = crossings[0];
    let err_ns = at.as_nanos() as f64 - t_star * 1e9;
    assert!(
        err_ns.abs() <= 1.0,
        "state event at {at}, analytic {t_star} s, error {err_ns} ns"
    );
    assert!(v >= V_SET - 1e-9, "volume {v} at the event");
    // Without the valve change the tank would have crossed at 100·ln 2 ≈ 69.3 s.
    assert!(t_star > 100.0);
}
