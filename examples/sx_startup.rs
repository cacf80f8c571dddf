//! Dynamic start-up of the Pr/Nd cascade: fill every stage with feed liquor, run at total
//! reflux (no feed, no products) until the Nd end reaches spec, then switch on the feed at
//! the design flows and run until both products are on spec (99.9 %), against feeding at
//! once. Prints days to reach spec and the Skogestad–Morari time constant. The stages and flows
//! come from the rigorous least-cost design (as in `sx_prnd`, with a 99.93 % design margin).
//! Run: `cargo run --release --example sx_startup`.

use std::time::Instant;

use repm_sx::design::search::{CostModel, SearchSpec, search};
use repm_sx::dynamics::{
    AdvanceOutcome, DynamicCascade, IntegratorConfig, StageHoldup, skogestad_morari_time_constant,
    steady_state,
};

const DAY: f64 = 86_400.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let spec = SearchSpec {
        beta: 1.5,
        feed_fraction_a: 0.75,
        // designed with a margin over the 99.9 % specification: a design exactly at spec
        // approaches it only asymptotically (time constant of months)
        purity_a: 0.9993,
        purity_b: 0.9993,
        feed_re_rate: 0.2,
        feed_conc: 300.0,
        capacity: 150.0,
        affinity_b: 1.0,
        scrub_to_feed: 2.0,
        holdup: StageHoldup::default(),
        cost: CostModel::default(),
        window: 40,
        max_phase_ratio: 10.0,
    };
    let t0 = Instant::now();
    let design = search(&spec)?.best.ok_or("no feasible design")?;
    let run = spec.cascade(design.n, design.m, design.organic_flow, design.reflux);
    println!(
        "Pr/Nd cascade: {} extraction + {} scrub stages, organic {:.2} m³/h, reflux {:.1} %",
        design.n,
        design.m,
        design.organic_flow * 3600.0,
        100.0 * design.reflux
    );
    let (va, vo) = run.holdups();
    let tau_stage = (va[0] + vo[0]) / (run.scrub_flow + run.feed_flow + run.organic_flow);
    println!(
        "stage residence time (both phases) {:.1} min",
        tau_stage / 60.0
    );

    let cfg = IntegratorConfig::default();
    let feed = [0.75 * spec.feed_conc, 0.25 * spec.feed_conc];
    let (pa, pb) = (0.999, 0.999);
    let on_spec = move |p: &repm_sx::dynamics::Products| {
        (p.organic_purity(0) - pa).min(p.raffinate_purity(1) - pb)
    };
    let horizon = 3.0 * 365.0 * DAY;

    // Skogestad–Morari estimate of the slowest time constant at the design steady state
    let ss = steady_state(&run, None)?;
    let mut probe = DynamicCascade::new(run.clone(), &feed, cfg)?;
    probe.set_profile(&ss.conc)?;
    let holdup: f64 = probe.holdup().iter().sum();
    let p = &ss.products;
    let tau_sm = skogestad_morari_time_constant(
        holdup,
        p.raffinate.iter().sum(),
        p.raffinate_purity(0),
        p.organic_product.iter().sum(),
        p.organic_purity(0),
    )?;
    println!(
        "RE inventory {:.0} kmol; Skogestad–Morari slowest time constant {:.0} days ({:.0} stage residence times)",
        holdup / 1e3,
        tau_sm / DAY,
        tau_sm / tau_stage
    );

    // Strategy 1: stages filled with feed liquor, total reflux until the Nd end is on spec
    // (capped at 60 days), then feed on at the design flows.
    let mut total_reflux = run.clone();
    total_reflux.feed_flow = 0.0;
    total_reflux.reflux_organic_end = 1.0;
    total_reflux.reflux_aqueous_end = 1.0;
    let mut cas = DynamicCascade::new(total_reflux, &feed, cfg)?;
    let mut t_profile = None;
    while cas.time() < 60.0 * DAY {
        let t = cas.time() + 0.25 * DAY;
        cas.advance_to(t)?;
        let c = cas.profile();
        if c[0] / (c[0] + c[1]) >= pa {
            t_profile = Some(cas.time());
            break;
        }
    }
    let t1 = cas.time();
    match t_profile {
        Some(t) => println!(
            "strategy 1, total reflux: Nd end at 99.9 % after {:.1} days; feed on",
            t / DAY
        ),
        None => println!(
            "strategy 1, total reflux for {:.0} days (Nd end not yet at 99.9 %); feed on",
            t1 / DAY
        ),
    }
    cas.set_spec(run.clone())?;
    report(&mut cas, t1 + horizon, &on_spec, t1, "strategy 1")?;

    // Strategy 2: stages filled with feed liquor, feed on at once.
    let mut cas2 = DynamicCascade::new(run, &feed, cfg)?;
    report(
        &mut cas2,
        horizon,
        &on_spec,
        0.0,
        "strategy 2 (feed on at once)",
    )?;
    println!("wall time {:.2} s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn report(
    cas: &mut DynamicCascade,
    t_end: f64,
    g: &impl Fn(&repm_sx::dynamics::Products) -> f64,
    t_feed: f64,
    label: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    // first crossing located as a state event, then followed until on spec for 90 days
    let out = cas.advance_until(t_end, g)?;
    let AdvanceOutcome::StateEvent { time: first } = out else {
        let p = cas.products();
        println!(
            "{label}: not on spec by day {:.0}; Nd {:.5}, Pr {:.5}",
            cas.time() / DAY,
            p.organic_purity(0),
            p.raffinate_purity(1)
        );
        return Ok(());
    };
    let mut stable_from = first;
    while cas.time() < t_end && cas.time() < stable_from + 90.0 * DAY {
        if g(&cas.products()) < 0.0 {
            // off spec again: wait for the next crossing
            match cas.advance_until(t_end, g)? {
                AdvanceOutcome::StateEvent { time } => stable_from = time,
                AdvanceOutcome::ReachedEnd => break,
            }
        }
        let t = (cas.time() + 0.25 * DAY).min(t_end);
        cas.advance_to(t)?;
    }
    let p = cas.products();
    println!(
        "{label}: first on spec at day {:.1} ({:.1} days after feed-on), stably on spec from day {:.1}",
        first / DAY,
        (first - t_feed) / DAY,
        stable_from / DAY
    );
    println!(
        "  at day {:.0}: Nd {:.5}, Pr {:.5}; integrator {:?}",
        cas.time() / DAY,
        p.organic_purity(0),
        p.raffinate_purity(1),
        cas.stats()
    );
    Ok(())
}
