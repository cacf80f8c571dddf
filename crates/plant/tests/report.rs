//! The HTML report is produced and well-formed: the whole document parses as XML (polyglot
//! XHTML5), has the expected sections with one `<svg>` per chart, every chart carries data
//! that matches its source (Gantt bars = recorded state intervals, Sankey link widths
//! proportional to the flows, line paths with the stated number of points), no coordinate is
//! NaN or infinite, and nothing refers outside the file.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use repm_material::Element;
use repm_plant::report::{
    Comparison, ReportOptions, Sensitivity, TornadoBar, html, html_with, traced_replication,
};
use repm_plant::{Experiment, PlantConfig, compare, run_replications};

/// One element of the parsed document.
#[derive(Debug, Clone)]
struct El {
    name: String,
    attrs: BTreeMap<String, String>,
    /// Id of the enclosing `<section>`.
    section: Option<String>,
    /// Id of the enclosing `<svg>`.
    svg: Option<String>,
}

/// Parses the whole document with an XML parser (end names checked), returning every element.
fn parse(doc: &str) -> Vec<El> {
    let mut r = Reader::from_str(doc);
    r.config_mut().check_end_names = true;
    let mut out = Vec::new();
    let mut stack: Vec<El> = Vec::new();
    let mut saw_doctype = false;
    let mut roots = 0;
    let el = |e: &BytesStart<'_>, stack: &Vec<El>| -> El {
        let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
        let mut attrs = BTreeMap::new();
        for a in e.attributes() {
            let a = a.expect("well-formed attribute");
            let k = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
            let v = a
                .decode_and_unescape_value(r_decoder())
                .expect("attribute value unescapes")
                .into_owned();
            assert!(
                attrs.insert(k.clone(), v).is_none(),
                "duplicate attribute {k}"
            );
        }
        let section = if name == "section" {
            attrs.get("id").cloned()
        } else {
            stack.iter().rev().find_map(|p| p.section.clone())
        };
        let svg = if name == "svg" {
            Some(attrs.get("id").cloned().unwrap_or_default())
        } else {
            stack.iter().rev().find_map(|p| p.svg.clone())
        };
        El {
            name,
            attrs,
            section,
            svg,
        }
    };
    loop {
        match r.read_event().expect("the report parses as XML") {
            Event::DocType(d) => {
                assert_eq!(&*d, b"html");
                saw_doctype = true;
            }
            Event::Start(e) => {
                if stack.is_empty() {
                    roots += 1;
                }
                let x = el(&e, &stack);
                out.push(x.clone());
                stack.push(x);
            }
            Event::Empty(e) => {
                let x = el(&e, &stack);
                out.push(x);
            }
            Event::End(_) => {
                stack.pop().expect("balanced tags");
            }
            Event::Text(t) => {
                t.decode().expect("UTF-8 text");
            }
            Event::GeneralRef(g) => {
                let name = g.decode().unwrap();
                assert!(
                    ["amp", "lt", "gt", "quot", "#39"].contains(&name.as_ref()),
                    "unexpected entity &{name};"
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements");
    assert!(saw_doctype, "<!DOCTYPE html> missing");
    assert_eq!(roots, 1, "exactly one root element");
    out
}

fn r_decoder() -> quick_xml::encoding::Decoder {
    Reader::from_str("").decoder()
}

fn short_plant() -> PlantConfig {
    let mut cfg = PlantConfig::reference().unwrap();
    cfg.warmup = 5.0 * 86_400.0;
    cfg.horizon = 20.0 * 86_400.0;
    cfg
}

fn experiment(cfg: &PlantConfig) -> Experiment {
    run_replications(cfg, 2, cfg.seed).unwrap()
}

fn num(s: &str) -> f64 {
    s.parse::<f64>()
        .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// Every number in a path's `d` attribute; the count of M/L commands.
fn path_numbers(d: &str) -> (Vec<f64>, usize) {
    let cmds = d.chars().filter(|c| matches!(c, 'M' | 'L')).count();
    let nums = d
        .split(|c: char| c.is_ascii_alphabetic() || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(num)
        .collect();
    (nums, cmds)
}

fn common_checks(doc: &str, els: &[El]) {
    let root = &els[0];
    assert_eq!(root.name, "html");
    assert_eq!(root.attrs["xmlns"], "http://www.w3.org/1999/xhtml");
    for e in els {
        assert!(
            !matches!(
                e.name.as_str(),
                "script" | "link" | "img" | "iframe" | "object" | "embed" | "image" | "use"
            ),
            "forbidden element <{}>",
            e.name
        );
        for (k, v) in &e.attrs {
            assert!(!k.starts_with("on"), "event handler attribute {k}");
            if k == "xmlns" {
                assert!(
                    v == "http://www.w3.org/1999/xhtml" || v == "http://www.w3.org/2000/svg",
                    "namespace {v}"
                );
                continue;
            }
            if k == "src" || k.ends_with("href") {
                assert!(v.starts_with('#'), "external reference {k}={v}");
            }
            assert!(!v.contains("http"), "external reference in {k}={v}");
            if let Some(i) = v.find("url(") {
                assert!(v[i + 4..].starts_with('#'), "non-local url() in {k}={v}");
            }
            if e.svg.is_some() {
                assert!(
                    !v.contains("NaN") && !v.contains("inf"),
                    "non-finite value in <{} {k}={v}>",
                    e.name
                );
                if matches!(
                    k.as_str(),
                    "x" | "y" | "x1" | "x2" | "y1" | "y2" | "width" | "height" | "stroke-width"
                ) {
                    assert!(num(v).is_finite(), "{k}={v}");
                }
                if k == "d" {
                    assert!(path_numbers(v).0.iter().all(|x| x.is_finite()));
                }
            }
        }
    }
    // only the namespaces may mention http, and no url() in CSS
    let http = doc.matches("http").count();
    let ns = doc.matches("http://www.w3.org/1999/xhtml").count()
        + doc.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(http, ns, "\"http\" outside the namespaces");
    assert!(!doc.contains("@import"));
    assert_eq!(doc.matches("url(").count(), doc.matches("url(#").count());
}

fn svgs_in<'a>(els: &'a [El], section: &str) -> Vec<&'a El> {
    els.iter()
        .filter(|e| e.name == "svg" && e.section.as_deref() == Some(section))
        .collect()
}

fn in_svg<'a>(els: &'a [El], svg_id: &str, class: &str) -> Vec<&'a El> {
    els.iter()
        .filter(|e| {
            e.svg.as_deref() == Some(svg_id)
                && e.attrs
                    .get("class")
                    .is_some_and(|c| c.split(' ').any(|x| x == class))
        })
        .collect()
}

#[test]
fn the_html_report_is_produced_and_well_formed() {
    let cfg = short_plant();
    let e = experiment(&cfg);
    let doc = html(&e, &cfg).unwrap();
    if let Some(p) = std::env::var_os("REPM_REPORT_OUT") {
        std::fs::write(p, &doc).unwrap(); // for looking at it in a browser
    }
    let els = parse(&doc);
    common_checks(&doc, &els);

    for id in [
        "summary",
        "steps",
        "gantt",
        "sankey",
        "sx",
        "psd",
        "densification",
        "demag",
        "sensitivity",
    ] {
        assert!(
            els.iter()
                .any(|x| x.name == "section" && x.attrs.get("id").map(String::as_str) == Some(id)),
            "section {id} missing"
        );
    }
    // one <svg> per chart
    assert_eq!(svgs_in(&els, "summary").len(), 0);
    assert_eq!(svgs_in(&els, "steps").len(), 1);
    assert_eq!(svgs_in(&els, "gantt").len(), 1);
    assert_eq!(svgs_in(&els, "psd").len(), 2);
    assert_eq!(svgs_in(&els, "densification").len(), 1);
    assert_eq!(svgs_in(&els, "demag").len(), 1);
    assert_eq!(svgs_in(&els, "sensitivity").len(), 0);
    assert_eq!(
        svgs_in(&els, "sx").len(),
        0,
        "the reference plant has no SX step"
    );

    // utilisation: one bar per step and quantity, values from the record
    let bars = in_svg(&els, "chart-utilisation", "bar");
    let r0 = &e.runs[0];
    assert_eq!(bars.len(), 3 * r0.steps.len());
    for (b, s) in bars.iter().zip(&r0.steps) {
        approx::assert_relative_eq!(
            num(&b.attrs["data-value"]),
            100.0 * s.utilisation,
            max_relative = 1e-12
        );
    }

    // Gantt: one rect per recorded interval in the window
    let opts = ReportOptions::default();
    let t = traced_replication(&cfg, e.seed, 0, &opts).unwrap();
    let gantt = in_svg(&els, "chart-gantt", "gantt-bar");
    assert!(!t.intervals.is_empty());
    assert_eq!(gantt.len(), t.intervals.len());
    for (g, iv) in gantt.iter().zip(&t.intervals) {
        assert_eq!(g.attrs["data-state"], iv.state.name());
        assert!(iv.end > iv.start && iv.start >= t.window.0 && iv.end <= t.window.1);
    }
    // intervals of one unit tile the window without gaps or overlaps
    let first: Vec<_> = t
        .intervals
        .iter()
        .filter(|i| i.step == 0 && i.unit == 0)
        .collect();
    approx::assert_relative_eq!(first[0].start, t.window.0);
    approx::assert_relative_eq!(first.last().unwrap().end, t.window.1);
    for w in first.windows(2) {
        approx::assert_relative_eq!(w[0].end, w[1].start);
        assert_ne!(w[0].state, w[1].state);
    }
    // the machining calendar has Sundays off: some off-shift time appears
    let mach = cfg.step_index("machining").unwrap();
    assert!(
        t.intervals
            .iter()
            .any(|i| i.step == mach && i.state == repm_plant::report::UnitState::OffShift)
    );

    // Sankey: Nd, Pr, Tb have flows, the reference plant has no Dy
    let sankeys = svgs_in(&els, "sankey");
    let ids: Vec<&str> = sankeys.iter().map(|s| s.attrs["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["chart-sankey-Nd", "chart-sankey-Pr", "chart-sankey-Tb"]
    );
    assert!(doc.contains("alloy feed"), "an `[alloy]` plant's feed");
    for s in &sankeys {
        let id = &s.attrs["id"];
        let scale = num(&s.attrs["data-scale"]);
        assert!(scale.is_finite() && scale > 0.0);
        let links = in_svg(&els, id, "sankey-link");
        assert!(links.len() >= 3, "{id}: {} links", links.len());
        let mut total_in = 0.0;
        for l in &links {
            let v = num(&l.attrs["data-value"]);
            let w = num(&l.attrs["stroke-width"]);
            assert!(v > 0.0);
            approx::assert_relative_eq!(w / v, scale, max_relative = 1e-6);
            total_in += v;
        }
        assert!(total_in > 0.0);
    }
    // Tb enters from outside only at GBD (the diagram has that addition as a link; recycled
    // GBD scrap brings some back through HD into the jet mill)
    let tb: Vec<f64> = in_svg(&els, "chart-sankey-Tb", "sankey-link")
        .iter()
        .map(|l| num(&l.attrs["data-value"]))
        .collect();
    let gbd = cfg.step_index("gbd").unwrap();
    let coat = t.steps[gbd].reagents[Element::Tb];
    approx::assert_relative_eq!(coat, t.flows.additions[Element::Tb], max_relative = 1e-12);
    assert!(
        tb.iter().any(|v| (v - coat).abs() <= 1e-12 * coat),
        "{tb:?}"
    );
    // per step: good + scrap + losses + co-products = in + reagents − stock change; over
    // the plant every element closes against the balance of the record
    for el in [Element::Nd, Element::Tb] {
        let out: f64 = t.flows.products[el] + t.flows.swarf[el] + t.flows.losses[el];
        let inp = t.flows.feed[el] + t.flows.additions[el];
        let stock = t.flows.final_inventory[el] - t.flows.initial_inventory[el];
        approx::assert_relative_eq!(inp, out + stock, max_relative = 1e-9);
        approx::assert_relative_eq!(
            t.steps.last().unwrap().good[el],
            t.flows.products[el],
            max_relative = 1e-12
        );
    }

    // line charts: every path states its point count, and has exactly that many points
    for e in els
        .iter()
        .filter(|e| e.name == "path" && e.attrs.get("class").map(String::as_str) == Some("series"))
    {
        let (nums, cmds) = path_numbers(&e.attrs["d"]);
        let n: usize = e.attrs["data-points"].parse().unwrap();
        assert!(n >= 2, "{:?} has {n} points", e.attrs.get("data-series"));
        assert_eq!(cmds, n);
        assert_eq!(nums.len(), 2 * n);
    }
    let series = |svg: &str| -> Vec<(String, usize)> {
        in_svg(&els, svg, "series")
            .iter()
            .map(|e| {
                (
                    e.attrs["data-series"].clone(),
                    e.attrs["data-points"].parse().unwrap(),
                )
            })
            .collect()
    };
    let dens = series("chart-densification");
    assert_eq!(dens.len(), 2);
    assert_eq!(dens[0].1, 241, "densification: 240 intervals");
    let demag = series("chart-demag");
    // J and B at 20 °C and at the target grade's working temperature, plus the grade minima
    assert_eq!(demag.len(), 5, "{demag:?}");
    assert_eq!(demag[0].1, 201);
    assert!(demag[0].0.starts_with("J, 20"));
    let grade: repm_sinter::grade::Grade =
        cfg.quality.ndfeb().unwrap().target_grade.parse().unwrap();
    let t_work = grade.suffix.max_working_temperature() - 273.15;
    assert!(
        demag[2].0.starts_with(&format!("J, {t_work:.0}")),
        "{demag:?}"
    );
    let psd = series("chart-psd-cumulative");
    assert_eq!(psd.len(), 2);
    assert!(psd.iter().all(|s| s.1 > 10));
}

#[test]
fn a_comparison_report_and_a_tornado() {
    let base = short_plant();
    let mut scen = base.clone();
    scen.name = "more-machining".into();
    let m = scen.step_index("machining").unwrap();
    scen.steps[m].units = 80;
    let eb = experiment(&base);
    let es = experiment(&scen);
    let d = compare(&eb, &es).unwrap();
    let sens = Sensitivity {
        metric: "cost [$/kg]".into(),
        base: 93.7,
        bars: vec![
            TornadoBar {
                parameter: "machining units".into(),
                low_label: "60".into(),
                high_label: "80".into(),
                low: 97.0,
                high: 91.5,
            },
            TornadoBar {
                parameter: "Tb price".into(),
                low_label: "−20 %".into(),
                high_label: "+20 %".into(),
                low: 92.5,
                high: 94.9,
            },
        ],
    };
    let doc = html_with(
        &es,
        &scen,
        &ReportOptions {
            gantt_window: 3.0 * 86_400.0,
            gantt_units_per_step: 2,
        },
        Some(&sens),
        Some(Comparison {
            base_config: &base,
            base: &eb,
            differences: &d,
        }),
    )
    .unwrap();
    let els = parse(&doc);
    common_checks(&doc, &els);
    let tornado = in_svg(&els, "chart-tornado", "tornado-bar");
    assert_eq!(tornado.len(), 4);
    // sorted by swing: machining units (5.5) before Tb price (2.4)
    approx::assert_relative_eq!(num(&tornado[0].attrs["data-value"]), 97.0);
    // base and scenario demagnetisation curves
    let demag = in_svg(&els, "chart-demag", "series");
    assert_eq!(demag.len(), 9);
    // the paired-difference table lists every difference
    assert!(doc.contains("step.machining.oee"));
    // utilisation: base and scenario groups
    assert_eq!(
        in_svg(&els, "chart-utilisation", "bar").len(),
        4 * scen.steps.len()
    );
}

#[test]
fn a_report_of_an_empty_experiment_is_an_error() {
    let cfg = short_plant();
    let e = repm_plant::experiment_from_runs(&cfg.name, cfg.seed, 0.95, vec![]).unwrap();
    assert!(html(&e, &cfg).is_err());
}

#[test]
fn a_report_from_another_seed_is_refused() {
    let cfg = short_plant();
    let mut e = experiment(&cfg);
    e.seed += 1; // the records no longer belong to (config, seed)
    let err = html(&e, &cfg).unwrap_err().to_string();
    assert!(err.contains("re-run"), "{err}");
}

#[test]
fn an_sx_plant_report_has_stage_profiles_and_no_magnet_charts() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/plants/ndpr-separation.toml"
    );
    let mut cfg = PlantConfig::from_file(std::path::Path::new(path)).unwrap();
    cfg.warmup = 86_400.0;
    cfg.horizon = 10.0 * 86_400.0;
    let e = run_replications(&cfg, 1, cfg.seed).unwrap();
    let doc = html(&e, &cfg).unwrap();
    if let Some(p) = std::env::var_os("REPM_REPORT_SX_OUT") {
        std::fs::write(p, &doc).unwrap();
    }
    let els = parse(&doc);
    common_checks(&doc, &els);
    let sx_steps = cfg
        .steps
        .iter()
        .filter(|s| {
            matches!(
                s.model,
                Some(repm_plant::models::StepModelConfig::SxCascade(_))
            )
        })
        .count();
    assert!(sx_steps >= 1);
    let sx = svgs_in(&els, "sx");
    assert_eq!(sx.len(), sx_steps);
    for s in &sx {
        // aqueous and organic per component, one point per stage
        let series = in_svg(&els, &s.attrs["id"], "series");
        assert!(series.len() >= 4 && series.len().is_multiple_of(2));
        let n: usize = series[0].attrs["data-points"].parse().unwrap();
        assert!(n >= 4);
    }
    for id in ["psd", "densification", "demag"] {
        assert_eq!(svgs_in(&els, id).len(), 0, "{id}");
    }
    assert!(!svgs_in(&els, "sankey").is_empty());
    // co-product credits and recoveries in the KPI table and the cost breakdown
    for text in [
        "net cost, co-products credited [$/kg]",
        "net CO₂e, co-products credited [kg/kg]",
        "recovery of Nd to product [%]",
        "recovery of La to product [%]",
        "net of co-product credits",
    ] {
        assert!(doc.contains(text), "{text}");
    }
    // the Sankey source is the `[feed]` of chlorides (form salt), not an alloy
    assert!(doc.contains("salt feed"), "Sankey feed label");
    assert!(!doc.contains("alloy feed"));
}
