//! Helpers shared by the dynamics integration tests: the message type of the `repm-des`
//! simulations, a notice sink, the case (b) cut with sulfate and a side draw, the feed fill,
//! relative differences and the conservation ledger of a [`HoldupCascade`].

#![allow(dead_code)] // each test crate uses a subset

use repm_des::{Context, Event, Model, Port, Ports};
use repm_sx::dynamics::des_model::{CascadeCommand, CascadeNotice};
use repm_sx::dynamics::{Fill, HoldupCascade, IntegratorConfig};
use repm_sx::{CascadeSpec, DrawSpec, Newton, Phase, SteadySolver, cases};

/// One day \[s\].
pub(crate) const DAY: f64 = 86_400.0;

/// Messages of the test simulations: commands to the cascade, notices from it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum Msg {
    Cmd(CascadeCommand),
    Notice(CascadeNotice),
}
impl From<CascadeCommand> for Msg {
    fn from(c: CascadeCommand) -> Self {
        Msg::Cmd(c)
    }
}
impl From<CascadeNotice> for Msg {
    fn from(n: CascadeNotice) -> Self {
        Msg::Notice(n)
    }
}
impl TryFrom<Msg> for CascadeCommand {
    type Error = Msg;
    fn try_from(m: Msg) -> Result<Self, Msg> {
        match m {
            Msg::Cmd(c) => Ok(c),
            other => Err(other),
        }
    }
}

/// Collects the notices it receives on `"in"`.
#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) notices: Vec<CascadeNotice>,
}
impl Model<Msg> for Sink {
    fn ports(&self) -> Ports {
        const IN: &[Port] = &[Port::typed("in", "sx-notice")];
        Ports {
            inputs: IN,
            outputs: &[],
        }
    }
    fn handle(&mut self, _ctx: &mut Context<'_, Msg>, ev: Event<Msg>) -> repm_des::Result<()> {
        if let Event::Message {
            msg: Msg::Notice(n),
            ..
        } = ev
        {
            self.notices.push(n);
        }
        Ok(())
    }
}

/// A 6 + 6 stage cut of bench case (b) (five REEs by mass action + Al at constant D) with
/// sulfate in the feed (HSO₄⁻ speciation) and an aqueous side draw.
pub(crate) fn case_b_cut() -> CascadeSpec {
    let mut s = cases::bench_case_b();
    s.sections[0].stages = 6;
    s.sections[1].stages = 6;
    s.feeds[0].stage = 6;
    s.feeds[0].sulfate = 200.0;
    s.feeds[2].stage = 11;
    s.draws.push(DrawSpec {
        name: "side".into(),
        stage: 8,
        phase: Phase::Aqueous,
        fraction: 0.1,
    });
    s
}

/// Every stage filled with the first feed's liquor (metal and acid).
pub(crate) fn feed_fill(spec: &CascadeSpec) -> Fill {
    let f = &spec.feeds[0];
    Fill {
        aqueous: spec
            .components
            .iter()
            .map(|c| f.concentrations.get(&c.symbol).copied().unwrap_or(0.0))
            .collect(),
        acid: f.acid,
    }
}

/// |a − b| relative to the larger magnitude.
pub(crate) fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
}

/// holdup + cumulative out − cumulative in, per component and for protons, relative to the
/// largest term.
pub(crate) fn ledger_errors(cas: &HoldupCascade, init: &[f64]) -> Vec<f64> {
    let h = cas.holdup();
    (0..h.len())
        .map(|j| {
            let (i, o) = (cas.cumulative_in()[j], cas.cumulative_out()[j]);
            let scale = h[j].abs().max(init[j].abs()).max(i.abs()).max(o.abs());
            (h[j] + o - i - init[j]).abs() / scale
        })
        .collect()
}

/// Integrates the cascade from its feed fill to t = 1e10 s (step up to 1e8 s) and returns the
/// largest relative difference from the steady-state Newton solution of the same spec (public
/// API) over the aqueous and organic concentrations, the free H⁺ and the free extractant.
pub(crate) fn long_time_limit_error(spec: CascadeSpec) -> f64 {
    let sol = Newton::default().solve(&spec.validate().unwrap());
    assert!(sol.status.is_converged(), "{:?}", sol.status);
    let cfg = IntegratorConfig {
        h_max: 1e8,
        ..IntegratorConfig::default()
    };
    let fill = feed_fill(&spec);
    let mut cas = HoldupCascade::filled(spec, &fill, cfg).unwrap();
    cas.advance_to(1e10).unwrap();
    let p = &sol.profiles;
    let org = cas.organic();
    let nc = cas.n_components();
    let mut worst: f64 = 0.0;
    for k in 0..cas.n_stages() {
        for j in 0..nc {
            worst = worst.max(rel(cas.aqueous(k, j), p.aqueous[k][j]));
            worst = worst.max(rel(org[k * nc + j], p.organic[k][j]));
        }
        worst = worst.max(rel(cas.h_plus(k), p.h_plus[k]));
        worst = worst.max(rel(cas.free_extractant(k), p.free_extractant[k]));
    }
    worst
}
