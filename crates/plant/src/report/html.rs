//! Assembly of the report document: polyglot XHTML5 (parses as XML and as HTML), inline CSS,
//! inline SVG, no script and no external reference.

use std::fmt::Write as _;

use repm_material::Element;

use super::physics;
use super::svg::{
    BarChart, GanttBar, GanttChart, LineChart, Sankey, SankeyLink, SankeyNode, Series, Tornado,
    esc, label_num,
};
use super::trace::UnitState;
use super::{Comparison, SANKEY_ELEMENTS, Sensitivity, TracedRun};
use crate::config::{PlantConfig, ScrapRoute};
use crate::error::PlantError;
use crate::run::{Experiment, RunResult};

/// Everything the document is drawn from.
pub(super) struct Inputs<'a> {
    pub(super) cfg: &'a PlantConfig,
    pub(super) e: &'a Experiment,
    pub(super) traced: &'a TracedRun,
    pub(super) sensitivity: Option<&'a Sensitivity>,
    pub(super) comparison: Option<Comparison<'a>>,
    pub(super) base_traced: Option<&'a TracedRun>,
}

const CSS: &str = "
body { font-family: sans-serif; margin: 0 auto; max-width: 1280px; padding: 0 24px 48px; color: #222; background: #fafafa; }
h1 { font-size: 24px; margin: 24px 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid #0072B2; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.meta, p.note, figcaption { color: #555; font-size: 13px; }
nav { font-size: 13px; margin: 8px 0 16px; }
nav a { margin-right: 12px; color: #0072B2; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; background: #fff; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef3f8; }
figure { margin: 12px 0; display: inline-block; vertical-align: top; }
svg.chart { background: #fff; border: 1px solid #ddd; }
.grid2 { display: flex; flex-wrap: wrap; gap: 12px; }
";

fn mean_hw(e: &Experiment, key: &str, scale: f64, d: usize) -> (String, String) {
    if let Some(ci) = e.intervals.get(key) {
        (
            label_num(ci.mean * scale, d),
            label_num(ci.half_width * scale, d),
        )
    } else {
        let v = e
            .runs
            .first()
            .and_then(|r| r.metrics().get(key).copied())
            .unwrap_or(f64::NAN);
        (label_num(v * scale, d), "–".to_owned())
    }
}

fn section(o: &mut String, id: &str, title: &str) {
    let _ = write!(o, "<section id=\"{}\"><h2>{}</h2>", esc(id), esc(title));
}

fn note(o: &mut String, s: &str) {
    let _ = write!(o, "<p class=\"note\">{}</p>", esc(s));
}

fn figure(o: &mut String, svg: &str, caption: &str) {
    let _ = write!(
        o,
        "<figure>{svg}<figcaption>{}</figcaption></figure>",
        esc(caption)
    );
}

fn summary(o: &mut String, inp: &Inputs<'_>) {
    let e = inp.e;
    section(o, "summary", "KPI summary");
    let n = e.runs.len();
    note(
        o,
        &format!(
            "{n} replication(s); means with {:.0} % Student-t half-widths (needs ≥ 2 replications). KPI definitions: docs/guide.md, “KPIs”.",
            100.0 * e.confidence
        ),
    );
    o.push_str("<table class=\"kpi\"><thead><tr><th>KPI</th>");
    if let Some(c) = inp.comparison {
        let _ = write!(
            o,
            "<th>base `{}`</th><th>scenario `{}`</th><th>scenario − base</th><th>± half-width</th>",
            esc(&c.base.plant),
            esc(&e.plant)
        );
    } else {
        o.push_str("<th>mean</th><th>± half-width</th>");
    }
    o.push_str("</tr></thead><tbody>");
    let mut shown = vec![e];
    if let Some(c) = inp.comparison {
        shown.push(c.base);
    }
    for row in crate::run::summary_rows(&shown) {
        let (label, key, scale, d) = (
            row.label.as_str(),
            row.key.as_str(),
            row.scale,
            row.decimals,
        );
        let (m, hw) = mean_hw(e, key, scale, d);
        let _ = write!(o, "<tr><td>{}</td>", esc(label));
        if let Some(c) = inp.comparison {
            let (bm, _) = mean_hw(c.base, key, scale, d);
            let (dm, dh) = c.differences.get(key).map_or_else(
                || ("–".to_owned(), "–".to_owned()),
                |ci| {
                    (
                        label_num(ci.mean * scale, d + 1),
                        label_num(ci.half_width * scale, d + 1),
                    )
                },
            );
            let _ = write!(
                o,
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&bm),
                esc(&m),
                esc(&dm),
                esc(&dh)
            );
        } else {
            let _ = write!(o, "<td>{}</td><td>{}</td></tr>", esc(&m), esc(&hw));
        }
    }
    o.push_str("</tbody></table>");
    if let Some(r0) = e.runs.first() {
        let b = &r0.balance;
        let worst = e
            .runs
            .iter()
            .map(|r| r.balance.max_relative_error)
            .fold(0.0, f64::max);
        let _ = write!(
            o,
            "<p>Bottleneck (replication 0): <b>{}</b>. Element balance (replication 0): inputs {} t + initial inventory {} t = products {} t + scrap {} t + losses {} t + inventory {} t; largest relative error over all replications {}.</p>",
            esc(&r0.bottleneck),
            label_num(b.inputs_kg / 1e3, 1),
            label_num(b.initial_inventory_kg / 1e3, 1),
            label_num(b.products_kg / 1e3, 1),
            label_num(b.scrap_kg / 1e3, 1),
            label_num(b.losses_kg / 1e3, 1),
            label_num(b.inventory_kg / 1e3, 1),
            esc(&format!("{worst:.2e}"))
        );
        o.push_str("<h3>Cost breakdown (replication 0) [$/kg]</h3><table class=\"cost\"><thead><tr><th>item</th><th>$/kg</th></tr></thead><tbody>");
        for (k, v) in &r0.cost_breakdown {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(k),
                label_num(*v, 2)
            );
        }
        let _ = write!(
            o,
            "<tr><th>total</th><th>{}</th></tr>",
            label_num(r0.cost_per_kg, 2)
        );
        if let Some(net) = r0.net_cost_per_kg {
            let _ = write!(
                o,
                "<tr><td>co-product credits</td><td>{}</td></tr><tr><th>net of co-product credits</th><th>{}</th></tr>",
                label_num(net - r0.cost_per_kg, 2),
                label_num(net, 2)
            );
        }
        o.push_str("</tbody></table>");
    }
    if let Some(c) = inp.comparison {
        o.push_str("<h3>All paired differences (scenario − base)</h3><table class=\"diff\"><thead><tr><th>metric</th><th>mean difference</th><th>± half-width</th></tr></thead><tbody>");
        for (k, ci) in c.differences {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(k),
                esc(&format!("{:.6}", ci.mean)),
                esc(&format!("{:.6}", ci.half_width))
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>");
}

fn steps(o: &mut String, inp: &Inputs<'_>) {
    section(o, "steps", "Steps and utilisation");
    let Some(r0) = inp.e.runs.first() else {
        o.push_str("</section>");
        return;
    };
    o.push_str("<table class=\"steps\"><thead><tr><th>step</th><th>units</th><th>in [t]</th><th>out [t]</th><th>yield</th><th>utilisation</th><th>availability</th><th>OEE</th><th>WIP [t]</th><th>cycle [h]</th><th>batches</th><th>failures</th></tr></thead><tbody>");
    for s in &r0.steps {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.name),
            s.units,
            label_num(s.mass_in / 1e3, 1),
            label_num(s.mass_out / 1e3, 1),
            label_num(s.yield_, 4),
            label_num(s.utilisation, 3),
            label_num(s.availability, 3),
            label_num(s.oee, 3),
            label_num(s.wip_mean / 1e3, 1),
            label_num(s.cycle_time_h, 1),
            s.batches,
            s.failures
        );
    }
    o.push_str("</tbody></table>");
    let cats: Vec<String> = r0.steps.iter().map(|s| s.name.clone()).collect();
    let pct = |f: fn(&crate::run::StepKpi) -> f64, r: &RunResult| -> Vec<f64> {
        r.steps.iter().map(|s| 100.0 * f(s)).collect()
    };
    let mut groups = vec![
        ("utilisation".to_owned(), pct(|s| s.utilisation, r0)),
        ("availability".to_owned(), pct(|s| s.availability, r0)),
        ("OEE".to_owned(), pct(|s| s.oee, r0)),
    ];
    let mut caption = "Per-step mean over the units of the fraction of wall time working (utilisation), not under repair (availability), and OEE = A × P × Q (ISO 22400-2), replication 0.".to_owned();
    if let Some(c) = inp.comparison
        && let Some(b0) = c.base.runs.first()
        && b0.steps.len() == r0.steps.len()
    {
        groups = vec![
            ("utilisation, base".to_owned(), pct(|s| s.utilisation, b0)),
            (
                "utilisation, scenario".to_owned(),
                pct(|s| s.utilisation, r0),
            ),
            ("OEE, base".to_owned(), pct(|s| s.oee, b0)),
            ("OEE, scenario".to_owned(), pct(|s| s.oee, r0)),
        ];
        caption = "Utilisation and OEE per step, base and scenario (replication 0 of each, common random numbers).".to_owned();
    }
    let ch = BarChart {
        id: "chart-utilisation".into(),
        title: "Utilisation, availability and OEE per step".into(),
        y_label: "[%]".into(),
        categories: cats,
        groups,
        y_range: Some((0.0, 100.0)),
        width: 900.0,
        height: 380.0,
    };
    figure(o, &ch.render(), &caption);
    o.push_str("</section>");
}

fn gantt(o: &mut String, inp: &Inputs<'_>) {
    let t = inp.traced;
    section(o, "gantt", "Equipment Gantt");
    let (w0, w1) = t.window;
    if w1 <= w0 {
        note(o, "The horizon is empty: no Gantt chart.");
        o.push_str("</section>");
        return;
    }
    let mut rows = Vec::new();
    let mut row_of = Vec::new();
    for (i, s) in inp.cfg.steps.iter().enumerate() {
        let mut r = Vec::new();
        for u in 0..t.traced_units.get(i).copied().unwrap_or(0) {
            r.push(rows.len());
            rows.push(format!("{} #{u}", s.name));
        }
        row_of.push(r);
    }
    let states: Vec<(String, String)> = UnitState::ALL
        .iter()
        .map(|s| (s.name().to_owned(), s.colour().to_owned()))
        .collect();
    let bars: Vec<GanttBar> = t
        .intervals
        .iter()
        .filter_map(|iv| {
            let row = *row_of.get(iv.step)?.get(iv.unit)?;
            Some(GanttBar {
                row,
                start: (iv.start - w0) / 3600.0,
                end: (iv.end - w0) / 3600.0,
                state: UnitState::ALL.iter().position(|s| *s == iv.state)?,
            })
        })
        .collect();
    let ch = GanttChart {
        id: "chart-gantt".into(),
        title: format!(
            "Equipment states, replication {}, first {} d after the warm-up",
            inp.e.runs.first().map_or(0, |r| r.replication),
            label_num((w1 - w0) / 86_400.0, 1)
        ),
        rows,
        states,
        bars,
        window: (0.0, (w1 - w0) / 3600.0),
        width: 1200.0,
    };
    let shown: usize = t.traced_units.iter().sum();
    let total: u32 = inp.cfg.steps.iter().map(|s| s.units).sum();
    figure(
        o,
        &ch.render(),
        &format!(
            "{} state intervals of {shown} of the plant's {total} units (the first {} of each step). States are sampled after every event of the line; shift edges of idle units come from their calendars. Priority when several apply: down > blocked > off-shift > working > idle.",
            t.intervals.len(),
            t.traced_units.iter().max().copied().unwrap_or(0)
        ),
    );
    o.push_str("</section>");
}

/// Node colours of the Sankey diagrams (palette indices).
const C_STEP: usize = 0;
const C_FEED: usize = 4;
const C_REAGENT: usize = 3;
const C_RECYCLE: usize = 5;
const C_PRODUCT: usize = 2;
const C_SWARF: usize = 1;
const C_LOSS: usize = 7;

/// The name of the plant's feed in the Sankey diagrams: `alloy feed` for `[alloy]`, else the
/// `[feed]` form (`salt feed`, `sintered magnet feed (100 % recycled)`, …).
fn feed_label(cfg: &PlantConfig) -> String {
    use crate::config::FeedForm;
    let Some(f) = &cfg.feed else {
        return "alloy feed".to_owned();
    };
    let form = match f.form {
        FeedForm::Alloy => "alloy",
        FeedForm::Metal => "metal",
        FeedForm::Oxide => "oxide",
        FeedForm::Salt => "salt",
        FeedForm::SinteredMagnet { .. } => "sintered magnet",
        FeedForm::AqueousSolution { .. } => "aqueous solution",
    };
    if f.recycled_fraction > 0.0 {
        format!(
            "{form} feed ({} % recycled)",
            label_num(100.0 * f.recycled_fraction, 0)
        )
    } else {
        format!("{form} feed")
    }
}

/// The Sankey of one element through the steps: plant feed → steps → products, with
/// additions and recycled powder into their steps and scrap, losses and co-products out.
/// `None` when the element does not occur.
fn sankey_for(e: Element, cfg: &PlantConfig, t: &TracedRun, id: &str) -> Option<(Sankey, String)> {
    let n = cfg.steps.len();
    let f = &t.flows;
    let input = f.feed[e]
        + t.steps
            .iter()
            .map(|s| s.reagents[e] + s.recycled_in[e])
            .sum::<f64>();
    if input.is_nan() || input <= 0.0 {
        return None;
    }
    let (div, unit) = if input >= 10_000.0 {
        (1000.0, "t")
    } else {
        (1.0, "kg")
    };
    let mut nodes: Vec<SankeyNode> = Vec::new();
    let mut links: Vec<SankeyLink> = Vec::new();
    let node = |nodes: &mut Vec<SankeyNode>, name: String, column: usize, colour: usize| {
        nodes.push(SankeyNode {
            name,
            column,
            colour,
        });
        nodes.len() - 1
    };
    let feed = node(&mut nodes, feed_label(cfg), 0, C_FEED);
    let step_nodes: Vec<usize> = cfg
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| node(&mut nodes, s.name.clone(), i + 1, C_STEP))
        .collect();
    let products = node(&mut nodes, "products".into(), n + 1, C_PRODUCT);
    let hd = node(&mut nodes, "scrap to HD recycling".into(), n + 1, C_RECYCLE);
    let swarf = node(&mut nodes, "swarf / scrap out".into(), n + 1, C_SWARF);
    let losses = node(&mut nodes, "losses".into(), n + 1, C_LOSS);
    let mut coproducts: Vec<(String, usize)> = Vec::new();
    let link = |links: &mut Vec<SankeyLink>, from: usize, to: usize, v: f64, colour: usize| {
        if v > 0.0 {
            links.push(SankeyLink {
                from,
                to,
                value: v / div,
                colour,
            });
        }
    };
    link(&mut links, feed, step_nodes[0], f.feed[e], C_FEED);
    for (i, (sc, sf)) in cfg.steps.iter().zip(&t.steps).enumerate() {
        let here = step_nodes[i];
        if sf.reagents[e] > 0.0 {
            let r = node(&mut nodes, format!("{} additions", sc.name), i, C_REAGENT);
            link(&mut links, r, here, sf.reagents[e], C_REAGENT);
        }
        if sf.recycled_in[e] > 0.0 {
            let r = node(&mut nodes, "recycled powder (HD)".into(), i, C_RECYCLE);
            link(&mut links, r, here, sf.recycled_in[e], C_RECYCLE);
        }
        let next = step_nodes.get(i + 1).copied().unwrap_or(products);
        link(&mut links, here, next, sf.good[e], C_STEP);
        let sink = match (sc.scrap, cfg.recycling.enabled) {
            (ScrapRoute::Recycle, true) => hd,
            (ScrapRoute::Loss, _) => losses,
            _ => swarf,
        };
        let sink_colour = nodes[sink].colour;
        link(&mut links, here, sink, sf.scrap[e], sink_colour);
        link(&mut links, here, losses, sf.losses[e], C_LOSS);
        for (name, v) in &sf.coproducts {
            let k = match coproducts.iter().find(|(c, _)| c == name) {
                Some((_, k)) => *k,
                None => {
                    let k = node(&mut nodes, name.clone(), n + 1, C_REAGENT);
                    coproducts.push((name.clone(), k));
                    k
                }
            };
            link(&mut links, here, k, v[e], C_REAGENT);
        }
    }
    let stock = f.final_inventory[e] - f.initial_inventory[e];
    let note = format!(
        "{}: in-process stock {} by {} {unit} over the horizon (not drawn: a step's in and out differ by its stock change).",
        e.symbol(),
        if stock >= 0.0 { "rose" } else { "fell" },
        label_num(stock.abs() / div, 2)
    );
    Some((
        Sankey {
            id: id.to_owned(),
            title: format!("{} through the plant over the horizon [{unit}]", e.symbol()),
            unit: unit.to_owned(),
            nodes,
            links,
            width: 1200.0,
            height: 330.0,
        },
        note,
    ))
}

fn sankey(o: &mut String, inp: &Inputs<'_>) {
    section(o, "sankey", "Element flows (Nd, Pr, Dy, Tb)");
    note(
        o,
        "Element masses over the measured horizon of replication 0 (re-run with the trace on): the plant feed into the first step; each step's good output to the next step (the last to the products); additions (e.g. GBD Tb, O pickup) and recycled HD powder into their steps; scrap by its route (to HD recycling, out as swarf, or lost), model losses and co-products out. Link widths are proportional to the flows (one scale per diagram).",
    );
    let mut missing = Vec::new();
    for e in SANKEY_ELEMENTS {
        let id = format!("chart-sankey-{}", e.symbol());
        match sankey_for(e, inp.cfg, inp.traced, &id) {
            Some((s, n)) => figure(o, &s.render(), &n),
            None => missing.push(e.symbol()),
        }
    }
    if !missing.is_empty() {
        note(
            o,
            &format!(
                "No flow of {} in this plant: no diagram.",
                missing.join(", ")
            ),
        );
    }
    o.push_str("</section>");
}

fn sx(o: &mut String, inp: &Inputs<'_>) -> Result<(), PlantError> {
    section(o, "sx", "Solvent-extraction stage profiles");
    let profiles = physics::sx_profiles(inp.cfg)?;
    if profiles.is_empty() {
        note(
            o,
            "This plant has no solvent-extraction step: no stage profiles.",
        );
        o.push_str("</section>");
        return Ok(());
    }
    note(
        o,
        "Steady-state aqueous (solid) and organic (dashed) concentrations leaving each stage of every sx_cascade step, solved by repm-sx at the step's nominal feed (the plant feed through the good outlets of the SX steps before it); stages 1 … m scrub, m + 1 … m + n extraction, feed at stage m + 1.",
    );
    for p in &profiles {
        let mut ch = LineChart::new(
            &format!("chart-sx-{}", p.step),
            &format!(
                "{}: {} scrub + {} extraction stages",
                p.step, p.scrub_stages, p.extraction_stages
            ),
            "stage",
            "concentration [mol/m³]",
        );
        ch.y_log = true;
        ch.width = 900.0;
        ch.height = 400.0;
        let top = p
            .aqueous
            .iter()
            .chain(&p.organic)
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        if top > 0.0 {
            ch.y_range = Some((top * 1e-6, top * 1.5));
        }
        for (k, comp) in p.components.iter().enumerate() {
            let col = |rows: &Vec<Vec<f64>>| -> Vec<(f64, f64)> {
                rows.iter()
                    .enumerate()
                    .map(|(st, r)| ((st + 1) as f64, r.get(k).copied().unwrap_or(f64::NAN)))
                    .collect()
            };
            ch.series
                .push(Series::new(format!("{comp} aq"), col(&p.aqueous), k));
            ch.series
                .push(Series::new(format!("{comp} org"), col(&p.organic), k).dashed());
        }
        figure(
            o,
            &ch.render(),
            &format!(
                "{}: {} ({}); concentrations below 1e-6 of the largest are off the chart.",
                p.step,
                if p.converged {
                    "converged"
                } else {
                    "NOT converged"
                },
                p.solver
            ),
        );
    }
    o.push_str("</section>");
    Ok(())
}

const NOT_NDFEB: &str = "This plant's product is not graded as sintered NdFeB (`[quality] kind` is not `ndfeb`): no chart.";

/// Whether the plant makes sintered NdFeB (the powder, sintering and magnet charts apply).
fn is_sintered_ndfeb(cfg: &PlantConfig) -> bool {
    cfg.quality.ndfeb().is_some()
}

fn psd(o: &mut String, inp: &Inputs<'_>) -> Result<(), PlantError> {
    section(o, "psd", "Particle size distribution (jet mill)");
    if !is_sintered_ndfeb(inp.cfg) {
        note(o, NOT_NDFEB);
        o.push_str("</section>");
        return Ok(());
    }
    let p = physics::psd(inp.cfg)?;
    let (fc, fd) = physics::psd_points(&p.feed);
    let (pc, pd) = physics::psd_points(&p.product);
    let mut cum = LineChart::new(
        "chart-psd-cumulative",
        "Cumulative undersize Q₃",
        "particle size d [µm]",
        "Q₃ [mass %]",
    );
    cum.x_log = true;
    cum.y_range = Some((0.0, 100.0));
    cum.series.push(Series::new("HD powder (mill feed)", fc, 0));
    cum.series.push(Series::new("jet-mill product", pc, 1));
    let mut den = LineChart::new(
        "chart-psd-density",
        "Density distribution q₃* = ΔQ₃/Δln d",
        "particle size d [µm]",
        "q₃* [mass % per unit ln d]",
    );
    den.x_log = true;
    den.y_zero = true;
    den.series.push(Series::new("HD powder (mill feed)", fd, 0));
    den.series.push(Series::new("jet-mill product", pd, 1));
    o.push_str("<div class=\"grid2\">");
    figure(
        o,
        &cum.render(),
        &format!(
            "Product d10 / d50 / d90 = {} / {} / {} µm.",
            label_num(p.product.d10() * 1e6, 2),
            label_num(p.product.d50() * 1e6, 2),
            label_num(p.product.d90() * 1e6, 2)
        ),
    );
    figure(o, &den.render(), &p.note);
    o.push_str("</div></section>");
    Ok(())
}

fn densification(o: &mut String, inp: &Inputs<'_>) -> Result<(), PlantError> {
    section(o, "densification", "Densification during sintering");
    if !is_sintered_ndfeb(inp.cfg) {
        note(o, NOT_NDFEB);
        o.push_str("</section>");
        return Ok(());
    }
    let comp = physics::product_composition(inp.cfg, &inp.traced.flows.products)?;
    let (traj, liquid) = physics::densification(&comp, 240)?;
    let mut ch = LineChart::new(
        "chart-densification",
        "Relative density and temperature over the sintering programme",
        "time [h]",
        "relative density ρ/ρ_th [-]",
    );
    ch.y2_label = Some("temperature [°C]".into());
    ch.series.push(Series::new(
        "relative density",
        traj.iter().map(|p| (p.0, p.2)).collect(),
        0,
    ));
    ch.series.push(
        Series::new(
            "furnace temperature",
            traj.iter().map(|p| (p.0, p.1)).collect(),
            1,
        )
        .dashed()
        .right(),
    );
    ch.width = 800.0;
    let fin = traj.last().map_or(f64::NAN, |p| p.2);
    figure(
        o,
        &ch.render(),
        &format!(
            "repm-sinter master sintering curve + liquid-phase rearrangement (eqs. S5–S8 of docs/science/sinter.md), green density {}, RE-rich liquid volume fraction {} of the product composition; programme 5 K/min to 1060 °C, 4 h hold, 3 K/min cooling (process-data.md §6). Final relative density {}. The plant's quality section assumes {}.",
            label_num(physics::GREEN_DENSITY, 2),
            label_num(liquid, 3),
            label_num(fin, 4),
            label_num(
                inp.cfg
                    .quality
                    .ndfeb()
                    .map_or(f64::NAN, |q| q.relative_density),
                3
            )
        ),
    );
    o.push_str("</section>");
    Ok(())
}

fn demag(o: &mut String, inp: &Inputs<'_>) -> Result<(), PlantError> {
    section(o, "demag", "Demagnetisation curves of the product");
    if !is_sintered_ndfeb(inp.cfg) {
        note(o, NOT_NDFEB);
        o.push_str("</section>");
        return Ok(());
    }
    let target: Option<repm_sinter::grade::Grade> = inp
        .cfg
        .quality
        .ndfeb()
        .and_then(|q| q.target_grade.parse().ok());
    let working = target.map(|g| g.suffix.max_working_temperature());
    let mut products = vec![(inp.e.plant.clone(), inp.cfg, inp.traced)];
    if let (Some(c), Some(bt)) = (inp.comparison, inp.base_traced) {
        products.insert(0, (format!("{} (base)", c.base.plant), c.base_config, bt));
    }
    let mut ch = LineChart::new(
        "chart-demag",
        "Second-quadrant demagnetisation curves",
        "magnetic field H [kA/m]",
        "J, B [T]",
    );
    ch.width = 800.0;
    ch.height = 420.0;
    let mut captions = Vec::new();
    let mut colour = 0;
    let mut y_top: f64 = 0.0;
    for (name, cfg, t) in &products {
        let comp = physics::product_composition(cfg, &t.flows.products)?;
        let m = physics::magnet(cfg, &comp)?;
        let sets = physics::demag(&m, working, 200)?;
        y_top = y_top.max(m.remanence);
        for s in &sets {
            let tag = if products.len() > 1 {
                format!("{name}, {} °C", label_num(s.temperature_c, 0))
            } else {
                format!("{} °C", label_num(s.temperature_c, 0))
            };
            ch.series.push(Series::new(
                format!("J, {tag}"),
                s.points.iter().map(|p| (p.0, p.1)).collect(),
                colour,
            ));
            ch.series.push(
                Series::new(
                    format!("B, {tag}"),
                    s.points
                        .iter()
                        .filter(|p| p.2 >= 0.0)
                        .map(|p| (p.0, p.2))
                        .collect(),
                    colour,
                )
                .dashed(),
            );
            colour += 1;
        }
        captions.push(format!(
            "{name}: Br {} T, Hcj {} kA/m, (BH)max {} kJ/m³ at 20 °C, grade {}, Dy+Tb {} g/kg",
            label_num(m.remanence, 3),
            label_num(m.coercivity / 1e3, 0),
            label_num(m.max_energy_product() / 1e3, 0),
            m.grade()
                .map_or_else(|| "none".to_owned(), |g| g.to_string()),
            label_num(physics::heavy_re_g_per_kg(&comp), 2)
        ));
    }
    if let Some(g) = target
        && let Ok(br_min) = g.br_min()
    {
        let h = -g.hcj_min() / 1e3;
        ch.series.push(
            Series::new(
                format!("{g} minima (Br, Hcj)"),
                vec![(h, 0.0), (h, br_min), (0.0, br_min)],
                7,
            )
            .dashed(),
        );
    }
    ch.y_range = Some((0.0, (y_top * 1.15 * 10.0).ceil() / 10.0));
    figure(
        o,
        &ch.render(),
        &format!(
            "repm-sinter magnet model (eqs. S11–S19 of docs/science/sinter.md) for the mean product composition of replication 0 and the plant's quality microstructure; the working temperature is the target grade's ({}) maximum, curves there scaled with the model's α and β. J solid, B dashed. {}.",
            esc(inp
                .cfg
                .quality
                .ndfeb()
                .map_or("-", |q| q.target_grade.as_str())),
            captions.join("; ")
        ),
    );
    o.push_str("</section>");
    Ok(())
}

fn sensitivity(o: &mut String, inp: &Inputs<'_>) {
    section(o, "sensitivity", "Sensitivity (tornado)");
    match inp.sensitivity {
        Some(s) if !s.bars.is_empty() => {
            let ch = Tornado {
                id: "chart-tornado".into(),
                title: format!("One-at-a-time sensitivity of {}", s.metric),
                metric: s.metric.clone(),
                base: s.base,
                bars: s.bars.clone(),
                width: 900.0,
            };
            figure(
                o,
                &ch.render(),
                "Output at each parameter's low and high setting, the others at base; sorted by swing.",
            );
        }
        _ => note(o, "No sensitivity results in this report."),
    }
    o.push_str("</section>");
}

/// The whole document.
pub(super) fn document(inp: &Inputs<'_>) -> Result<String, PlantError> {
    let mut o = String::with_capacity(256 * 1024);
    let title = match inp.comparison {
        Some(c) => format!("repm report: {} vs {}", inp.e.plant, c.base.plant),
        None => format!("repm report: {}", inp.e.plant),
    };
    o.push_str("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\" xml:lang=\"en\"><head><meta charset=\"UTF-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>");
    let _ = write!(
        o,
        "<title>{}</title><style>{CSS}</style></head><body>",
        esc(&title)
    );
    let _ = write!(o, "<header><h1>{}</h1>", esc(&title));
    let _ = write!(
        o,
        "<p class=\"meta\">{} replication(s) of {} d after {} d warm-up, seed {}, repm {}. Self-contained: no script, no external resources.</p></header>",
        inp.e.runs.len(),
        label_num(inp.cfg.horizon / 86_400.0, 1),
        label_num(inp.cfg.warmup / 86_400.0, 1),
        inp.e.seed,
        env!("CARGO_PKG_VERSION")
    );
    o.push_str("<nav>");
    for (id, name) in [
        ("summary", "KPIs"),
        ("steps", "steps"),
        ("gantt", "Gantt"),
        ("sankey", "element flows"),
        ("sx", "SX profiles"),
        ("psd", "PSD"),
        ("densification", "densification"),
        ("demag", "demagnetisation"),
        ("sensitivity", "sensitivity"),
    ] {
        let _ = write!(o, "<a href=\"#{id}\">{name}</a>");
    }
    o.push_str("</nav>");
    summary(&mut o, inp);
    steps(&mut o, inp);
    gantt(&mut o, inp);
    sankey(&mut o, inp);
    sx(&mut o, inp)?;
    psd(&mut o, inp)?;
    densification(&mut o, inp)?;
    demag(&mut o, inp)?;
    sensitivity(&mut o, inp);
    o.push_str("</body></html>\n");
    Ok(o)
}
