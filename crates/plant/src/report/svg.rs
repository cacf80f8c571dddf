//! A small hand-written SVG chart kit for the HTML report: line charts (linear or log x,
//! optional right axis), grouped bar charts, Gantt charts, Sankey diagrams and tornado charts.
//!
//! Every chart is a standalone `<svg>` element in the SVG namespace, well-formed XML (all text
//! escaped, all attributes quoted), with no script, no external reference and no web font
//! (generic `sans-serif`). Non-finite data points are dropped before drawing, so no coordinate
//! is ever NaN or infinite. Data-carrying elements have a `class` and `data-*` attributes
//! (`data-points`, `data-value`, `data-state`) so tests can check the drawing against the data.

use std::fmt::Write as _;

/// Colour palette (colour-blind-safe, Okabe–Ito).
pub(crate) const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
];

/// XML-escapes text for element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            // XML 1.0 forbids most control characters.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A coordinate with two decimals (never NaN or infinite: non-finite → 0).
pub(crate) fn c(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A number for a tick label with `decimals` digits after the point, thin-space grouped
/// thousands for large values.
pub(crate) fn label_num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    if x != 0.0 && (x.abs() >= 1e7 || x.abs() < 1e-4) {
        return format!("{x:.1e}");
    }
    let s = format!("{x:.decimals$}");
    if s.starts_with('-')
        && s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
    {
        return s.trim_start_matches('-').to_owned();
    }
    s
}

/// "Nice" tick positions covering \[lo, hi\] with about `target` intervals, and the number of
/// decimals to print them with.
pub(crate) fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, usize) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let step = mag
        * if norm <= 1.0 {
            1.0
        } else if norm <= 2.0 {
            2.0
        } else if norm <= 2.5 {
            2.5
        } else if norm <= 5.0 {
            5.0
        } else {
            10.0
        };
    let start = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut k = 0;
    loop {
        let t = start + k as f64 * step;
        ticks.push(t);
        if t >= hi - step * 1e-9 || k >= 1000 {
            break;
        }
        k += 1;
    }
    let decimals = if step >= 1.0 {
        if (step - step.round()).abs() < 1e-9 {
            0
        } else {
            1
        }
    } else {
        let d = (-step.log10()).ceil() as usize;
        if (step * 10f64.powi(d as i32) - (step * 10f64.powi(d as i32)).round()).abs() < 1e-6 {
            d
        } else {
            d + 1
        }
    };
    (ticks, decimals)
}

/// A linear or base-10 logarithmic axis mapping data values to pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Axis {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) p0: f64,
    pub(crate) p1: f64,
    pub(crate) log: bool,
}

impl Axis {
    pub(crate) fn map(&self, v: f64) -> f64 {
        let (a, b, v) = if self.log {
            (self.lo.log10(), self.hi.log10(), v.max(1e-300).log10())
        } else {
            (self.lo, self.hi, v)
        };
        if b - a == 0.0 {
            return self.p0;
        }
        self.p0 + (v - a) / (b - a) * (self.p1 - self.p0)
    }
}

/// Ticks of an axis: positions and labels.
fn axis_ticks(lo: f64, hi: f64, log: bool, target: usize) -> (f64, f64, Vec<(f64, String)>) {
    if log {
        let a = lo.log10().floor() as i32;
        let b = hi.log10().ceil() as i32;
        let b = b.max(a + 1);
        let ticks = (a..=b)
            .map(|k| {
                let v = 10f64.powi(k);
                let lab = if (-3..=4).contains(&k) {
                    let d = (-k).max(0) as usize;
                    format!("{v:.d$}")
                } else {
                    format!("1e{k}")
                };
                (v, lab)
            })
            .collect();
        (10f64.powi(a), 10f64.powi(b), ticks)
    } else {
        let (t, d) = nice_ticks(lo, hi, target);
        let first = t.first().copied().unwrap_or(lo);
        let last = t.last().copied().unwrap_or(hi);
        (
            first,
            last,
            t.into_iter().map(|v| (v, label_num(v, d))).collect(),
        )
    }
}

fn finite_range(vals: impl Iterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in vals {
        if v.is_finite() && (!log || v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

fn open_svg(o: &mut String, w: f64, h: f64, title: &str, id: &str) {
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\"><title>{}</title>",
        esc(id),
        c(w),
        c(h),
        c(w),
        c(h),
        esc(title)
    );
    let _ = write!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        c(w),
        c(h)
    );
}

fn text(o: &mut String, x: f64, y: f64, anchor: &str, extra: &str, s: &str) {
    let _ = write!(
        o,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"{}>{}</text>",
        c(x),
        c(y),
        anchor,
        extra,
        esc(s)
    );
}

/// The left axis' tick labels, right-aligned 6 px left of the plot.
fn y_tick_labels(o: &mut String, ticks: &[(f64, String)], axis: &Axis, px0: f64) {
    o.push_str("<g class=\"y-ticks\" font-size=\"11\">");
    for (v, l) in ticks {
        text(o, px0 - 6.0, axis.map(*v) + 4.0, "end", "", l);
    }
    o.push_str("</g>");
}

/// The left axis' label, rotated, centred on the plot height.
fn y_axis_label(o: &mut String, py0: f64, py1: f64, label: &str) {
    let ym = (py0 + py1) / 2.0;
    text(
        o,
        18.0,
        ym,
        "middle",
        &format!(
            " class=\"axis-label\" transform=\"rotate(-90 18 {})\"",
            c(ym)
        ),
        label,
    );
}

fn chart_title(o: &mut String, w: f64, title: &str) {
    text(
        o,
        w / 2.0,
        20.0,
        "middle",
        " font-size=\"14\" font-weight=\"bold\"",
        title,
    );
}

/// Which y axis a series is drawn against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YAxis {
    /// The left axis.
    Left,
    /// The right axis.
    Right,
}

/// One line of a [`LineChart`].
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Data points (x, y); non-finite points (and non-positive x on a log axis) are dropped.
    pub points: Vec<(f64, f64)>,
    /// Dashed line.
    pub dashed: bool,
    /// Axis of the series.
    pub axis: YAxis,
    /// Colour index into the palette.
    pub colour: usize,
}

impl Series {
    /// A solid series on the left axis.
    #[must_use]
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>, colour: usize) -> Self {
        Self {
            name: name.into(),
            points,
            dashed: false,
            axis: YAxis::Left,
            colour,
        }
    }

    /// The same series, dashed.
    #[must_use]
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// The same series, on the right axis.
    #[must_use]
    pub fn right(mut self) -> Self {
        self.axis = YAxis::Right;
        self
    }

    /// The points that are drawn (finite, positive on a log axis).
    #[must_use]
    pub fn drawn_points(&self, x_log: bool, y_log: bool) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .copied()
            .filter(|(x, y)| {
                x.is_finite() && y.is_finite() && (!x_log || *x > 0.0) && (!y_log || *y > 0.0)
            })
            .collect()
    }
}

/// A line chart with axes, ticks, grid, axis labels and a legend.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Element id.
    pub id: String,
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis (with unit).
    pub x_label: String,
    /// Label of the left y axis (with unit).
    pub y_label: String,
    /// Label of the right y axis, if any series uses it.
    pub y2_label: Option<String>,
    /// Logarithmic x axis.
    pub x_log: bool,
    /// Logarithmic left y axis.
    pub y_log: bool,
    /// Force the left y range to include 0.
    pub y_zero: bool,
    /// Fixed left y range, if given.
    pub y_range: Option<(f64, f64)>,
    /// The lines.
    pub series: Vec<Series>,
    /// Width \[px\].
    pub width: f64,
    /// Height \[px\].
    pub height: f64,
}

impl LineChart {
    /// A 640 × 360 chart with linear axes.
    #[must_use]
    pub fn new(id: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            x_label: x_label.to_owned(),
            y_label: y_label.to_owned(),
            y2_label: None,
            x_log: false,
            y_log: false,
            y_zero: false,
            y_range: None,
            series: Vec::new(),
            width: 640.0,
            height: 360.0,
        }
    }

    /// Renders the chart as an `<svg>` element.
    #[must_use]
    pub fn render(&self) -> String {
        let (w, h) = (self.width, self.height);
        let has_right = self.series.iter().any(|s| s.axis == YAxis::Right);
        let (ml, mr, mt, mb) = (70.0, if has_right { 84.0 } else { 20.0 }, 34.0, 84.0);
        let mut o = String::new();
        open_svg(&mut o, w, h, &self.title, &self.id);
        chart_title(&mut o, w, &self.title);
        let drawn: Vec<Vec<(f64, f64)>> = self
            .series
            .iter()
            .map(|s| s.drawn_points(self.x_log, self.y_log && s.axis == YAxis::Left))
            .collect();
        let xs = drawn.iter().flatten().map(|p| p.0);
        let Some((x0, x1)) = finite_range(xs, self.x_log) else {
            text(&mut o, w / 2.0, h / 2.0, "middle", "", "no data");
            o.push_str("</svg>");
            return o;
        };
        let yrange = |axis: YAxis, zero: bool| {
            let ys = self
                .series
                .iter()
                .zip(&drawn)
                .filter(|(s, _)| s.axis == axis)
                .flat_map(|(_, d)| d.iter().map(|p| p.1));
            finite_range(ys, self.y_log && axis == YAxis::Left).map(|(a, b)| {
                if zero && !(self.y_log && axis == YAxis::Left) {
                    (a.min(0.0), b.max(0.0))
                } else {
                    (a, b)
                }
            })
        };
        let (y0, y1) = self
            .y_range
            .or_else(|| yrange(YAxis::Left, self.y_zero))
            .unwrap_or((0.0, 1.0));
        let (px0, px1, py0, py1) = (ml, w - mr, h - mb, mt);
        let (xlo, xhi, xt) = axis_ticks(x0, x1, self.x_log, 8);
        let (ylo, yhi, yt) = axis_ticks(y0, y1, self.y_log, 6);
        let xa = Axis {
            lo: xlo,
            hi: xhi,
            p0: px0,
            p1: px1,
            log: self.x_log,
        };
        let ya = Axis {
            lo: ylo,
            hi: yhi,
            p0: py0,
            p1: py1,
            log: self.y_log,
        };
        // grid and ticks
        o.push_str("<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">");
        for (v, _) in &xt {
            let x = xa.map(*v);
            let _ = write!(
                o,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                c(x),
                c(py0),
                c(x),
                c(py1)
            );
        }
        for (v, _) in &yt {
            let y = ya.map(*v);
            let _ = write!(
                o,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                c(px0),
                c(y),
                c(px1),
                c(y)
            );
        }
        o.push_str("</g>");
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>",
            c(px0),
            c(py1),
            c(px1 - px0),
            c(py0 - py1)
        );
        o.push_str("<g class=\"x-ticks\" font-size=\"11\">");
        for (v, l) in &xt {
            text(&mut o, xa.map(*v), py0 + 16.0, "middle", "", l);
        }
        o.push_str("</g>");
        y_tick_labels(&mut o, &yt, &ya, px0);
        text(
            &mut o,
            (px0 + px1) / 2.0,
            py0 + 36.0,
            "middle",
            " class=\"axis-label\"",
            &self.x_label,
        );
        y_axis_label(&mut o, py0, py1, &self.y_label);
        let ya2 = if has_right {
            let (a, b) = yrange(YAxis::Right, false).unwrap_or((0.0, 1.0));
            let (lo, hi, t) = axis_ticks(a, b, false, 6);
            let ax = Axis {
                lo,
                hi,
                p0: py0,
                p1: py1,
                log: false,
            };
            o.push_str("<g class=\"y2-ticks\" font-size=\"11\">");
            for (v, l) in &t {
                text(&mut o, px1 + 6.0, ax.map(*v) + 4.0, "start", "", l);
            }
            o.push_str("</g>");
            let (xr, ym) = (w - 14.0, (py0 + py1) / 2.0);
            text(
                &mut o,
                xr,
                ym,
                "middle",
                &format!(
                    " class=\"axis-label\" transform=\"rotate(90 {} {})\"",
                    c(xr),
                    c(ym)
                ),
                self.y2_label.as_deref().unwrap_or(""),
            );
            Some(ax)
        } else {
            None
        };
        // series, clipped to the plot area
        let clip = format!("{}-clip", self.id);
        let _ = write!(
            o,
            "<clipPath id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath><g class=\"plot\" clip-path=\"url(#{})\">",
            esc(&clip),
            c(px0),
            c(py1),
            c(px1 - px0),
            c(py0 - py1),
            esc(&clip)
        );
        for (s, pts) in self.series.iter().zip(&drawn) {
            let ax = match (s.axis, ya2) {
                (YAxis::Right, Some(a)) => a,
                _ => ya,
            };
            let col = PALETTE[s.colour % PALETTE.len()];
            let mut d = String::new();
            for (k, (x, y)) in pts.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{} {}",
                    if k == 0 { "M" } else { " L" },
                    c(xa.map(*x)),
                    c(ax.map(*y))
                );
            }
            if pts.is_empty() {
                continue;
            }
            let _ = write!(
                o,
                "<path class=\"series\" data-series=\"{}\" data-points=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>",
                esc(&s.name),
                pts.len(),
                d,
                col,
                if s.dashed {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                }
            );
        }
        o.push_str("</g>");
        legend(
            &mut o,
            px0,
            h - 30.0,
            px1 - px0,
            self.series
                .iter()
                .map(|s| (s.name.as_str(), s.colour, s.dashed, false)),
        );
        o.push_str("</svg>");
        o
    }
}

/// A legend below a chart: entries `(name, colour, dashed, box)`, wrapped into rows.
fn legend<'a>(
    o: &mut String,
    x0: f64,
    y0: f64,
    width: f64,
    entries: impl Iterator<Item = (&'a str, usize, bool, bool)>,
) {
    o.push_str("<g class=\"legend\" font-size=\"11\">");
    let (mut x, mut y) = (x0, y0);
    for (name, colour, dashed, boxed) in entries {
        let wtxt = 7.0 * name.chars().count() as f64 + 34.0;
        if x + wtxt > x0 + width && x > x0 {
            x = x0;
            y += 16.0;
        }
        let col = PALETTE[colour % PALETTE.len()];
        if boxed {
            let _ = write!(
                o,
                "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"10\" fill=\"{}\"/>",
                c(x),
                c(y - 9.0),
                col
            );
        } else {
            let _ = write!(
                o,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>",
                c(x),
                c(y - 4.0),
                c(x + 18.0),
                c(y - 4.0),
                col,
                if dashed {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                }
            );
        }
        text(o, x + 22.0, y, "start", "", name);
        x += wtxt;
    }
    o.push_str("</g>");
}

/// A grouped vertical bar chart: one group of bars per category.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Element id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Category names (x axis).
    pub categories: Vec<String>,
    /// Bar groups: (legend name, one value per category). Non-finite values draw no bar.
    pub groups: Vec<(String, Vec<f64>)>,
    /// Fixed y range, if given (else 0 … max).
    pub y_range: Option<(f64, f64)>,
    /// Width \[px\].
    pub width: f64,
    /// Height \[px\].
    pub height: f64,
}

impl BarChart {
    /// Renders the chart; each bar is a `<rect class="bar" data-value="…">`.
    #[must_use]
    pub fn render(&self) -> String {
        let (w, h) = (self.width, self.height);
        let (ml, mr, mt, mb) = (70.0, 20.0, 34.0, 110.0);
        let mut o = String::new();
        open_svg(&mut o, w, h, &self.title, &self.id);
        chart_title(&mut o, w, &self.title);
        let vals = self.groups.iter().flat_map(|g| g.1.iter().copied());
        let (a, b) = self
            .y_range
            .or_else(|| finite_range(vals, false).map(|(a, b)| (a.min(0.0), b.max(0.0))))
            .unwrap_or((0.0, 1.0));
        let (ylo, yhi, yt) = axis_ticks(a, b, false, 5);
        let (px0, px1, py0, py1) = (ml, w - mr, h - mb, mt);
        let ya = Axis {
            lo: ylo,
            hi: yhi,
            p0: py0,
            p1: py1,
            log: false,
        };
        o.push_str("<g class=\"grid\" stroke=\"#e0e0e0\">");
        for (v, _) in &yt {
            let y = ya.map(*v);
            let _ = write!(
                o,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                c(px0),
                c(y),
                c(px1),
                c(y)
            );
        }
        o.push_str("</g>");
        y_tick_labels(&mut o, &yt, &ya, px0);
        y_axis_label(&mut o, py0, py1, &self.y_label);
        let n = self.categories.len().max(1) as f64;
        let slot = (px1 - px0) / n;
        let ng = self.groups.len().max(1) as f64;
        let bw = slot * 0.8 / ng;
        let base = ya.map(0f64.clamp(ylo, yhi));
        for (gi, (_, vals)) in self.groups.iter().enumerate() {
            let col = PALETTE[gi % PALETTE.len()];
            for (ci, v) in vals.iter().enumerate().take(self.categories.len()) {
                if !v.is_finite() {
                    continue;
                }
                let x = px0 + slot * ci as f64 + slot * 0.1 + bw * gi as f64;
                let y = ya.map(v.clamp(ylo, yhi));
                let (top, hgt) = if y < base {
                    (y, base - y)
                } else {
                    (base, y - base)
                };
                let _ = write!(
                    o,
                    "<rect class=\"bar\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect>",
                    v,
                    c(x),
                    c(top),
                    c(bw),
                    c(hgt),
                    col,
                    esc(&self.categories[ci]),
                    label_num(*v, 3)
                );
            }
        }
        let _ = write!(
            o,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>",
            c(px0),
            c(base),
            c(px1),
            c(base)
        );
        o.push_str("<g class=\"x-ticks\" font-size=\"11\">");
        for (ci, name) in self.categories.iter().enumerate() {
            let x = px0 + slot * (ci as f64 + 0.5);
            let y = py0 + 12.0;
            text(
                &mut o,
                x,
                y,
                "end",
                &format!(" transform=\"rotate(-35 {} {})\"", c(x), c(y)),
                name,
            );
        }
        o.push_str("</g>");
        legend(
            &mut o,
            px0,
            h - 12.0,
            px1 - px0,
            self.groups
                .iter()
                .enumerate()
                .map(|(i, g)| (g.0.as_str(), i, false, true)),
        );
        o.push_str("</svg>");
        o
    }
}

/// One bar of a Gantt chart.
#[derive(Debug, Clone)]
pub struct GanttBar {
    /// Row index.
    pub row: usize,
    /// Start \[h\] (relative to the chart origin).
    pub start: f64,
    /// End \[h\].
    pub end: f64,
    /// State index into [`GanttChart::states`].
    pub state: usize,
}

/// A Gantt chart: one row per resource, coloured bars per state interval.
#[derive(Debug, Clone)]
pub struct GanttChart {
    /// Element id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Row labels.
    pub rows: Vec<String>,
    /// State names and colours (CSS colour strings).
    pub states: Vec<(String, String)>,
    /// Bars.
    pub bars: Vec<GanttBar>,
    /// Time window \[h\].
    pub window: (f64, f64),
    /// Width \[px\].
    pub width: f64,
}

impl GanttChart {
    /// Renders the chart; each bar is a `<rect class="gantt-bar" data-state="…">`.
    #[must_use]
    pub fn render(&self) -> String {
        let row_h = 14.0;
        let (ml, mr, mt, mb) = (130.0, 20.0, 34.0, 64.0);
        let h = mt + mb + row_h * self.rows.len() as f64;
        let w = self.width;
        let mut o = String::new();
        open_svg(&mut o, w, h, &self.title, &self.id);
        chart_title(&mut o, w, &self.title);
        let (px0, px1) = (ml, w - mr);
        let (t0, t1) = self.window;
        let span = (t1 - t0).max(1e-9);
        let days = span / 24.0;
        let (ticks, d) = if days >= 2.0 {
            let (t, d) = nice_ticks(0.0, days, 14);
            (t.into_iter().map(|x| x * 24.0).collect::<Vec<_>>(), d)
        } else {
            nice_ticks(0.0, span, 12)
        };
        let xa = Axis {
            lo: t0,
            hi: t1,
            p0: px0,
            p1: px1,
            log: false,
        };
        let y_bottom = mt + row_h * self.rows.len() as f64;
        o.push_str("<g class=\"grid\" stroke=\"#d0d0d0\">");
        for t in ticks.iter().filter(|t| **t <= span + 1e-9) {
            let x = xa.map(t0 + t);
            let _ = write!(
                o,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                c(x),
                c(mt),
                c(x),
                c(y_bottom)
            );
        }
        o.push_str("</g><g class=\"rows\" font-size=\"10\">");
        for (i, r) in self.rows.iter().enumerate() {
            let y = mt + row_h * i as f64;
            if i % 2 == 1 {
                let _ = write!(
                    o,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\"/>",
                    c(px0),
                    c(y),
                    c(px1 - px0),
                    c(row_h)
                );
            }
            text(&mut o, px0 - 6.0, y + row_h - 3.0, "end", "", r);
        }
        o.push_str("</g><g class=\"bars\">");
        for b in &self.bars {
            let (s, e) = (b.start.max(t0), b.end.min(t1));
            if !(s.is_finite() && e.is_finite()) || e < s {
                continue;
            }
            let y = mt + row_h * b.row as f64 + 1.0;
            let (name, col) = &self.states[b.state % self.states.len().max(1)];
            let _ = write!(
                o,
                "<rect class=\"gantt-bar\" data-state=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                esc(name),
                c(xa.map(s)),
                c(y),
                c((xa.map(e) - xa.map(s)).max(0.0)),
                c(row_h - 2.0),
                esc(col)
            );
        }
        o.push_str("</g>");
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>",
            c(px0),
            c(mt),
            c(px1 - px0),
            c(y_bottom - mt)
        );
        o.push_str("<g class=\"x-ticks\" font-size=\"11\">");
        for t in ticks.iter().filter(|t| **t <= span + 1e-9) {
            let lab = if days >= 2.0 {
                label_num(t / 24.0, d)
            } else {
                label_num(*t, d)
            };
            text(&mut o, xa.map(t0 + t), y_bottom + 14.0, "middle", "", &lab);
        }
        o.push_str("</g>");
        text(
            &mut o,
            (px0 + px1) / 2.0,
            y_bottom + 30.0,
            "middle",
            " class=\"axis-label\"",
            if days >= 2.0 {
                "time after warm-up [d]"
            } else {
                "time after warm-up [h]"
            },
        );
        o.push_str("<g class=\"legend\" font-size=\"11\">");
        let mut x = px0;
        for (name, col) in &self.states {
            let _ = write!(
                o,
                "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"10\" fill=\"{}\" stroke=\"#888\" stroke-width=\"0.5\"/>",
                c(x),
                c(h - 19.0),
                esc(col)
            );
            text(&mut o, x + 22.0, h - 10.0, "start", "", name);
            x += 7.0 * name.chars().count() as f64 + 40.0;
        }
        o.push_str("</g></svg>");
        o
    }
}

/// A node of a [`Sankey`] diagram.
#[derive(Debug, Clone)]
pub struct SankeyNode {
    /// Label.
    pub name: String,
    /// Column (0 = leftmost).
    pub column: usize,
    /// Colour index.
    pub colour: usize,
}

/// A link of a [`Sankey`] diagram, from a node in a lower column to a node in a higher one.
#[derive(Debug, Clone)]
pub struct SankeyLink {
    /// Source node index.
    pub from: usize,
    /// Target node index.
    pub to: usize,
    /// Flow \[any unit, the same for every link\]; ≤ 0 or non-finite links are not drawn.
    pub value: f64,
    /// Colour index (palette).
    pub colour: usize,
}

/// A Sankey diagram: node heights and link widths proportional to the flows (one scale per
/// diagram, `px_per_unit`, written as the `data-scale` attribute).
#[derive(Debug, Clone)]
pub struct Sankey {
    /// Element id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Unit of the flows for labels (e.g. "t").
    pub unit: String,
    /// Nodes.
    pub nodes: Vec<SankeyNode>,
    /// Links.
    pub links: Vec<SankeyLink>,
    /// Width \[px\].
    pub width: f64,
    /// Height \[px\].
    pub height: f64,
}

impl Sankey {
    /// The links that are drawn (positive, finite, between different columns left to right).
    #[must_use]
    pub fn drawn_links(&self) -> Vec<&SankeyLink> {
        self.links
            .iter()
            .filter(|l| {
                l.value.is_finite()
                    && l.value > 0.0
                    && l.from < self.nodes.len()
                    && l.to < self.nodes.len()
                    && self.nodes[l.from].column < self.nodes[l.to].column
            })
            .collect()
    }

    /// Renders the diagram; each link is a `<path class="sankey-link" data-value="…">` whose
    /// `stroke-width` is `value × data-scale` of the `<svg>`.
    #[must_use]
    pub fn render(&self) -> String {
        let (w, h) = (self.width, self.height);
        let (ml, mr, mt, mb) = (10.0, 10.0, 64.0, 10.0);
        let links = self.drawn_links();
        let n = self.nodes.len();
        let mut inflow = vec![0.0; n];
        let mut outflow = vec![0.0; n];
        for l in &links {
            outflow[l.from] += l.value;
            inflow[l.to] += l.value;
        }
        let size: Vec<f64> = (0..n).map(|i| inflow[i].max(outflow[i])).collect();
        let ncol = self.nodes.iter().map(|x| x.column).max().unwrap_or(0) + 1;
        let gap = 14.0;
        // scale: the fullest column fits the height
        let mut scale = f64::INFINITY;
        for col in 0..ncol {
            let members: Vec<usize> = (0..n)
                .filter(|&i| self.nodes[i].column == col && size[i] > 0.0)
                .collect();
            let total: f64 = members.iter().map(|&i| size[i]).sum();
            if total > 0.0 {
                let avail = h - mt - mb - gap * (members.len().saturating_sub(1)) as f64;
                scale = scale.min(avail.max(10.0) / total);
            }
        }
        if !scale.is_finite() {
            scale = 1.0;
        }
        let mut o = String::new();
        let _ = write!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart sankey\" id=\"{}\" data-scale=\"{}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\"><title>{}</title><rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
            esc(&self.id),
            scale,
            c(w),
            c(h),
            c(w),
            c(h),
            esc(&self.title),
            c(w),
            c(h)
        );
        chart_title(&mut o, w, &self.title);
        let node_w = 12.0;
        let colx = |col: usize| {
            if ncol <= 1 {
                ml
            } else {
                ml + (w - ml - mr - node_w) * col as f64 / (ncol - 1) as f64
            }
        };
        let mut y = vec![0.0; n];
        for col in 0..ncol {
            let mut yy = mt;
            for i in 0..n {
                if self.nodes[i].column == col && size[i] > 0.0 {
                    y[i] = yy;
                    yy += size[i] * scale + gap;
                }
            }
        }
        // links: stacked at the source's right and the target's left, in link order
        let mut out_off = vec![0.0; n];
        let mut in_off = vec![0.0; n];
        o.push_str("<g class=\"links\" fill=\"none\" stroke-opacity=\"0.45\">");
        for l in &links {
            let wdt = l.value * scale;
            let x0 = colx(self.nodes[l.from].column) + node_w;
            let x1 = colx(self.nodes[l.to].column);
            let y0 = y[l.from] + out_off[l.from] + wdt / 2.0;
            let y1 = y[l.to] + in_off[l.to] + wdt / 2.0;
            out_off[l.from] += wdt;
            in_off[l.to] += wdt;
            let xm = (x0 + x1) / 2.0;
            let col = PALETTE[l.colour % PALETTE.len()];
            let _ = write!(
                o,
                "<path class=\"sankey-link\" data-value=\"{}\" d=\"M{} {} C{} {} {} {} {} {}\" stroke=\"{}\" stroke-width=\"{}\"><title>{} → {}: {} {}</title></path>",
                l.value,
                c(x0),
                c(y0),
                c(xm),
                c(y0),
                c(xm),
                c(y1),
                c(x1),
                c(y1),
                col,
                l.value * scale,
                esc(&self.nodes[l.from].name),
                esc(&self.nodes[l.to].name),
                label_num(l.value, 3),
                esc(&self.unit)
            );
        }
        o.push_str("</g><g class=\"nodes\">");
        for i in 0..n {
            if size[i] <= 0.0 {
                continue;
            }
            let x = colx(self.nodes[i].column);
            let hh = size[i] * scale;
            let col = PALETTE[self.nodes[i].colour % PALETTE.len()];
            let label = format!(
                "{} {} {}",
                self.nodes[i].name,
                label_num(size[i], 2),
                self.unit
            );
            let _ = write!(
                o,
                "<rect class=\"sankey-node\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                size[i],
                c(x),
                c(y[i]),
                c(node_w),
                c(hh.max(0.5)),
                col,
                esc(&label)
            );
            let column = self.nodes[i].column;
            let top = (0..i).all(|k| self.nodes[k].column != column || size[k] <= 0.0);
            let halo = " paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\"";
            if top && column > 0 && column + 1 < ncol {
                // middle columns: name and value above the node (side labels would run into
                // the next column)
                text(&mut o, x, y[i] - 18.0, "start", halo, &self.nodes[i].name);
                text(
                    &mut o,
                    x,
                    y[i] - 5.0,
                    "start",
                    halo,
                    &format!("{} {}", label_num(size[i], 2), self.unit),
                );
            } else if hh >= 9.0 || column == 0 || column + 1 == ncol {
                let (tx, anchor) = if column + 1 == ncol {
                    (x - 4.0, "end")
                } else {
                    (x + node_w + 4.0, "start")
                };
                text(&mut o, tx, y[i] + hh / 2.0 + 4.0, anchor, halo, &label);
            }
        }
        o.push_str("</g></svg>");
        o
    }
}

/// One bar of a tornado chart: the output at the low and high setting of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    /// Parameter name.
    pub parameter: String,
    /// Label of the low setting (e.g. "−10 %").
    pub low_label: String,
    /// Label of the high setting.
    pub high_label: String,
    /// Output at the low setting.
    pub low: f64,
    /// Output at the high setting.
    pub high: f64,
}

/// A tornado chart: horizontal bars from the base value to the output at each parameter's low
/// and high setting, sorted by swing (largest on top).
#[derive(Debug, Clone)]
pub struct Tornado {
    /// Element id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Output name with unit (x axis).
    pub metric: String,
    /// Output at the base settings.
    pub base: f64,
    /// Bars (any order).
    pub bars: Vec<TornadoBar>,
    /// Width \[px\].
    pub width: f64,
}

impl Tornado {
    /// Renders the chart; each half-bar is a `<rect class="tornado-bar" data-value="…">`.
    #[must_use]
    pub fn render(&self) -> String {
        let mut bars: Vec<&TornadoBar> = self
            .bars
            .iter()
            .filter(|b| b.low.is_finite() && b.high.is_finite())
            .collect();
        bars.sort_by(|a, b| {
            (b.high - b.low)
                .abs()
                .total_cmp(&(a.high - a.low).abs())
                .then_with(|| a.parameter.cmp(&b.parameter))
        });
        let row_h = 26.0;
        let (ml, mr, mt, mb) = (180.0, 30.0, 34.0, 70.0);
        let w = self.width;
        let h = mt + mb + row_h * bars.len().max(1) as f64;
        let mut o = String::new();
        open_svg(&mut o, w, h, &self.title, &self.id);
        chart_title(&mut o, w, &self.title);
        let vals = bars
            .iter()
            .flat_map(|b| [b.low, b.high])
            .chain(std::iter::once(self.base));
        let (a, b) = finite_range(vals, false).unwrap_or((0.0, 1.0));
        let pad = (b - a).abs().max(a.abs() * 1e-3).max(1e-12) * 0.08;
        let (lo, hi, ticks) = axis_ticks(a - pad, b + pad, false, 6);
        let (px0, px1) = (ml, w - mr);
        let xa = Axis {
            lo,
            hi,
            p0: px0,
            p1: px1,
            log: false,
        };
        let yb = mt + row_h * bars.len().max(1) as f64;
        o.push_str("<g class=\"grid\" stroke=\"#e0e0e0\">");
        for (v, _) in &ticks {
            let x = xa.map(*v);
            let _ = write!(
                o,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                c(x),
                c(mt),
                c(x),
                c(yb)
            );
        }
        o.push_str("</g>");
        let xb = xa.map(self.base);
        for (i, bar) in bars.iter().enumerate() {
            let y = mt + row_h * i as f64 + 4.0;
            text(&mut o, px0 - 8.0, y + 13.0, "end", "", &bar.parameter);
            for (v, lab, colour) in [
                (bar.low, &bar.low_label, PALETTE[0]),
                (bar.high, &bar.high_label, PALETTE[1]),
            ] {
                let x = xa.map(v);
                let (left, wd) = if x < xb { (x, xb - x) } else { (xb, x - xb) };
                let _ = write!(
                    o,
                    "<rect class=\"tornado-bar\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                    v,
                    c(left),
                    c(y),
                    c(wd.max(0.5)),
                    c(row_h - 8.0),
                    colour,
                    esc(&bar.parameter),
                    esc(lab),
                    label_num(v, 4)
                );
                let (tx, anchor) = if x < xb {
                    (x - 3.0, "end")
                } else {
                    (x + 3.0, "start")
                };
                text(&mut o, tx, y + 13.0, anchor, " font-size=\"10\"", lab);
            }
        }
        let _ = write!(
            o,
            "<line class=\"base\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#000\" stroke-width=\"1.5\"/>",
            c(xb),
            c(mt - 4.0),
            c(xb),
            c(yb)
        );
        o.push_str("<g class=\"x-ticks\" font-size=\"11\">");
        for (v, l) in &ticks {
            text(&mut o, xa.map(*v), yb + 16.0, "middle", "", l);
        }
        o.push_str("</g>");
        text(
            &mut o,
            (px0 + px1) / 2.0,
            yb + 36.0,
            "middle",
            " class=\"axis-label\"",
            &format!("{} (base {})", self.metric, label_num(self.base, 4)),
        );
        legend(
            &mut o,
            px0,
            h - 10.0,
            px1 - px0,
            [
                ("low setting", 0, false, true),
                ("high setting", 1, false, true),
            ]
            .into_iter(),
        );
        o.push_str("</svg>");
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_coordinates() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(c(1.0), "1");
        assert_eq!(c(1.256), "1.26");
        assert_eq!(c(-0.001), "0");
        assert_eq!(c(f64::NAN), "0");
    }

    #[test]
    fn nice_ticks_cover_the_range() {
        let (t, d) = nice_ticks(0.13, 9.7, 5);
        assert!(t[0] <= 0.13 && *t.last().unwrap() >= 9.7);
        assert_eq!(d, 0);
        let (t, d) = nice_ticks(0.9, 1.0, 5);
        assert!(t.len() >= 5);
        assert_eq!(d, 2);
    }

    #[test]
    fn line_chart_drops_non_finite_points() {
        let mut ch = LineChart::new("t", "T", "x", "y");
        ch.series.push(Series::new(
            "s",
            vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)],
            0,
        ));
        let s = ch.render();
        assert!(s.contains("data-points=\"2\""));
        assert!(!s.contains("NaN") && !s.contains("inf"));
    }
}
