//! Each dispatch runs inside a `tracing` span named `event` with the model name and the
//! simulated time [ns] as fields, when a subscriber is interested; without one, no span is
//! created.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use repm_des::{Context, Model, Result, SimTime, Simulation};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Metadata, Subscriber};

/// Records (span name, model, t_ns) of every new span.
#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<(String, String, u64)>>>,
}

#[derive(Default)]
struct Fields {
    model: String,
    t_ns: u64,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "model" {
            self.model = value.to_string();
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "t_ns" {
            self.t_ns = value;
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut f = Fields::default();
        attrs.record(&mut f);
        let mut spans = self.spans.lock().unwrap();
        spans.push((attrs.metadata().name().to_string(), f.model, f.t_ns));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

struct Ticker;
impl Model<()> for Ticker {
    fn init(&mut self, ctx: &mut Context<'_, ()>) -> Result<()> {
        ctx.schedule_in(Duration::from_millis(1500), 0).map(|_| ())
    }
    fn handle(&mut self, ctx: &mut Context<'_, ()>, _: repm_des::Event<()>) -> Result<()> {
        ctx.schedule_in(Duration::from_millis(1500), 0).map(|_| ())
    }
}

#[test]
fn dispatch_spans_name_model_and_time() {
    let capture = Capture::default();
    let spans = capture.spans.clone();
    tracing::subscriber::with_default(capture, || {
        let mut sim = Simulation::<()>::new(1, 0);
        sim.add_model("press", Ticker).unwrap();
        sim.run_until(SimTime::from_secs(4).unwrap()).unwrap();
    });
    let spans = spans.lock().unwrap();
    let events: Vec<_> = spans.iter().filter(|s| s.0 == "event").collect();
    assert_eq!(events.len(), 2, "{spans:?}");
    assert_eq!(events[0].1, "press");
    assert_eq!(events[0].2, 1_500_000_000);
    assert_eq!(events[1].2, 3_000_000_000);
}
