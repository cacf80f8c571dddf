//! `repm sx design`: two-outlet solvent-extraction cascade design from the command line
//! (repm-sx `design`: Fenske, Xu Guangxian's theory, Kremser, and the rigorous least-cost
//! search).

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use repm_material::Formula;
use repm_sx::SxError;
use repm_sx::design::search::{CostModel, SearchResult, SearchSpec, search};
use repm_sx::design::{
    FeedPhase, XuDesign, XuOperating, XuSpec, fenske_min_stages, kremser_recovery, kremser_stages,
    xu_design,
};
use repm_sx::dynamics::StageHoldup;
use serde::Serialize;

use crate::common::{CliError, emit, write_json};

/// Solvent-extraction tools.
#[derive(Debug, Subcommand)]
pub(crate) enum SxCommand {
    /// Design a two-outlet A/B cascade (A the more extractable): Fenske minimum stages, Xu
    /// Guangxian's stage numbers and flows, reagent use; `--rigorous` adds the least-cost
    /// integer design on the stage-by-stage model.
    Design(DesignArgs),
}

/// Phase of the feed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FeedPhaseArg {
    /// Aqueous feed (the usual case).
    Aqueous,
    /// Organic (pre-loaded) feed.
    Organic,
}

/// Flags of `repm sx design`.
#[derive(Debug, Args)]
pub(crate) struct DesignArgs {
    /// Separation factor β = β_A/B of the extraction section (> 1; e.g. 1.5 for Nd/Pr on P507).
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) beta: f64,
    /// Separation factor of the scrub section β′ (> 1; default: β).
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) beta_scrub: Option<f64>,
    /// Mole fraction of A in the feed RE, in (0, 1).
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) feed_a: f64,
    /// Target purity of A in the organic product, in (feed fraction of A, 1).
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) purity_a: f64,
    /// Target purity of B in the raffinate, in (feed fraction of B, 1).
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) purity_b: f64,
    /// Phase of the feed.
    #[arg(long, value_enum, default_value = "aqueous")]
    pub(crate) feed_phase: FeedPhaseArg,
    /// Scrub reflux W [mol per mol feed RE] instead of Xu's optimum extraction ratios
    /// (S = W + f′_A).
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) reflux_w: Option<f64>,
    /// Feed RE rate [mol/s] for absolute flows and reagent use (0.2 mol/s ≈ 0.9 kt/a of RE metal).
    #[arg(long, default_value_t = 0.2, allow_negative_numbers = true)]
    pub(crate) feed_re_rate: f64,
    /// Total RE concentration of the aqueous feed [mol/m³] (300 ≈ 43 g/L RE).
    #[arg(long, default_value_t = 300.0, allow_negative_numbers = true)]
    pub(crate) feed_conc: f64,
    /// Operating RE loading of the organic [mol/m³] (150: half-loaded 30 % P507, sx-data §3).
    #[arg(long, default_value_t = 150.0, allow_negative_numbers = true)]
    pub(crate) capacity: f64,
    /// Kremser check: extraction factor E = D·Q_org/Q_aq of a single solute (with `--recovery`).
    #[arg(long, requires = "recovery", allow_negative_numbers = true)]
    pub(crate) extraction_factor: Option<f64>,
    /// Kremser check: fraction of the solute to extract, in (0, 1) (with `--extraction-factor`).
    #[arg(long, requires = "extraction_factor", allow_negative_numbers = true)]
    pub(crate) recovery: Option<f64>,
    /// Also search the rigorous stage-by-stage model (competitive-Langmuir loading) for the
    /// least-cost integer stage numbers and flows meeting both purities.
    #[arg(long)]
    pub(crate) rigorous: bool,
    /// Rigorous search: Langmuir affinity of B [m³/mol] (a_A = β·a_B).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub(crate) affinity_b: f64,
    /// Rigorous search: scrub liquor flow / feed flow [-].
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub(crate) scrub_to_feed: f64,
    /// Rigorous search: largest distance of a candidate from Xu's stage numbers, per section.
    #[arg(long, default_value_t = 40)]
    pub(crate) window: usize,
    /// Rigorous search: largest organic/aqueous flow ratio in any section [-].
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    pub(crate) max_phase_ratio: f64,
    /// JSON output: `--json` alone prints JSON on stdout instead of the table; `--json FILE`
    /// also writes it to FILE (atomically).
    #[arg(long, num_args = 0..=1, default_missing_value = "-")]
    pub(crate) json: Option<PathBuf>,
}

/// The flag that sets a repm-sx design field (for error messages).
fn flag_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "beta" => "--beta",
        "beta_scrub" => "--beta-scrub",
        "feed_fraction_a" => "--feed-a",
        "purity_a" => "--purity-a",
        "purity_b" => "--purity-b",
        "w" => "--reflux-w",
        "feed_re_rate" => "--feed-re-rate",
        "feed_conc" => "--feed-conc",
        "capacity" => "--capacity",
        "affinity_b" => "--affinity-b",
        "scrub_to_feed" => "--scrub-to-feed",
        "max_phase_ratio" => "--max-phase-ratio",
        "e" => "--extraction-factor",
        "recovery" => "--recovery",
        _ => return None,
    })
}

/// Maps a repm-sx error: configuration errors are bad input (exit 2) naming the flag.
fn sx_error(e: SxError) -> CliError {
    match e {
        SxError::Config {
            field,
            value,
            reason,
        } => match flag_of(&field) {
            Some(flag) => CliError::Input(format!("invalid `{flag}` = {value}: {reason}")),
            None => CliError::Input(format!("invalid `{field}` = {value}: {reason}")),
        },
        other => CliError::Run(format!("sx design: {other}")),
    }
}

fn check(flag: &str, v: f64, ok: bool, rule: &str) -> Result<(), CliError> {
    if v.is_finite() && ok {
        Ok(())
    } else {
        Err(CliError::Input(format!("invalid `{flag}` = {v}: {rule}")))
    }
}

/// Reagent use of a design: every mol of RE loaded on the organic (S per mol feed RE) is
/// saponified with `base_per_re` mol of base and stripped with `acid_per_re` mol of acid
/// (repm-sx `CostModel`, sx-data §3).
#[derive(Debug, Serialize)]
struct Reagents {
    /// Acid (H⁺) per mol of feed RE \[mol·mol⁻¹\].
    acid_per_feed: f64,
    /// Base (OH⁻) per mol of feed RE \[mol·mol⁻¹\].
    base_per_feed: f64,
    /// HCl at the given feed rate \[kg·h⁻¹\].
    hcl_kg_per_h: f64,
    /// NaOH at the given feed rate \[kg·h⁻¹\].
    naoh_kg_per_h: f64,
    /// Loaded-organic flow at the given feed rate and loading \[m³·h⁻¹\].
    organic_m3_per_h: f64,
    /// Aqueous feed flow \[m³·h⁻¹\].
    feed_m3_per_h: f64,
    /// Molar mass of HCl \[kg·mol⁻¹\] (repm-material, IUPAC atomic weights).
    hcl_kg_per_mol: f64,
    /// Molar mass of NaOH \[kg·mol⁻¹\].
    naoh_kg_per_mol: f64,
}

/// Kremser check for one solute.
#[derive(Debug, Serialize)]
struct Kremser {
    /// Extraction factor E \[-\].
    extraction_factor: f64,
    /// Target recovery \[-\].
    recovery: f64,
    /// Ideal stages for the recovery (real) \[-\].
    stages: f64,
    /// Recovery of ⌈stages⌉ stages \[-\].
    recovery_at_ceil: f64,
}

/// Rigorous search summary.
#[derive(Debug, Serialize)]
struct Rigorous {
    /// The search result (Xu estimate, candidates, least-cost design).
    search: SearchResult,
    /// Stages the rigorous model needs over Xu's ⌈n⌉ + ⌈m⌉ at Xu's flows.
    optimistic_at_xu_flows: Option<i64>,
    /// Stages of the least-cost rigorous design minus Xu's ⌈n⌉ + ⌈m⌉.
    optimistic_least_cost: Option<i64>,
    /// Wall time of the search \[s\].
    wall_s: f64,
}

/// The `--json` document.
#[derive(Debug, Serialize)]
struct DesignReport {
    /// Fenske minimum stages at total reflux \[-\].
    fenske_min_stages: f64,
    /// Xu Guangxian's design.
    xu: XuDesign,
    /// Reagent use at the Xu design.
    reagents: Reagents,
    /// Kremser check, if asked for.
    kremser: Option<Kremser>,
    /// Rigorous search, if asked for.
    rigorous: Option<Rigorous>,
}

fn molar_mass(formula: &str) -> Result<f64, CliError> {
    Formula::parse(formula)
        .map(|f| f.molar_mass())
        .map_err(|e| CliError::Run(format!("molar mass of {formula}: {e}")))
}

/// `repm sx ...`.
pub(crate) fn sx(cmd: SxCommand) -> Result<(), CliError> {
    match cmd {
        SxCommand::Design(a) => design(&a),
    }
}

fn design(a: &DesignArgs) -> Result<(), CliError> {
    let beta_rule = "separation factor must be > 1 (name the more extractable component A)";
    check("--beta", a.beta, a.beta > 1.0, beta_rule)?;
    if let Some(b) = a.beta_scrub {
        check("--beta-scrub", b, b > 1.0, beta_rule)?;
    }
    let open = "must lie in the open interval (0, 1)";
    check("--feed-a", a.feed_a, a.feed_a > 0.0 && a.feed_a < 1.0, open)?;
    check(
        "--purity-a",
        a.purity_a,
        a.purity_a > 0.0 && a.purity_a < 1.0,
        open,
    )?;
    check(
        "--purity-b",
        a.purity_b,
        a.purity_b > 0.0 && a.purity_b < 1.0,
        open,
    )?;
    for (flag, v) in [
        ("--feed-re-rate", a.feed_re_rate),
        ("--feed-conc", a.feed_conc),
        ("--capacity", a.capacity),
    ] {
        check(flag, v, v > 0.0, "must be > 0")?;
    }
    let spec = XuSpec {
        beta: a.beta,
        beta_scrub: a.beta_scrub,
        feed_fraction_a: a.feed_a,
        purity_a: a.purity_a,
        purity_b: a.purity_b,
        feed_phase: match a.feed_phase {
            FeedPhaseArg::Aqueous => FeedPhase::Aqueous,
            FeedPhaseArg::Organic => FeedPhase::Organic,
        },
        operating: match a.reflux_w {
            Some(w) => XuOperating::GivenScrub { w },
            None => XuOperating::Optimum,
        },
    };
    let fenske = fenske_min_stages(a.purity_a, a.purity_b, a.beta).map_err(sx_error)?;
    let xu = xu_design(&spec).map_err(sx_error)?;
    let cost = CostModel::default();
    let f = a.feed_re_rate;
    let (hcl, naoh) = (molar_mass("HCl")?, molar_mass("NaOH")?);
    let reagents = Reagents {
        acid_per_feed: cost.acid_per_re * xu.s,
        base_per_feed: cost.base_per_re * xu.s,
        hcl_kg_per_h: cost.acid_per_re * xu.s * f * hcl * 3600.0,
        naoh_kg_per_h: cost.base_per_re * xu.s * f * naoh * 3600.0,
        organic_m3_per_h: xu.organic_flow(f, a.capacity).map_err(sx_error)? * 3600.0,
        feed_m3_per_h: f / a.feed_conc * 3600.0,
        hcl_kg_per_mol: hcl,
        naoh_kg_per_mol: naoh,
    };
    let kremser = match (a.extraction_factor, a.recovery) {
        (Some(e), Some(r)) => {
            check("--extraction-factor", e, e > 0.0, "must be > 0")?;
            check("--recovery", r, r > 0.0 && r < 1.0, open)?;
            let n = kremser_stages(e, r).map_err(sx_error)?;
            Some(Kremser {
                extraction_factor: e,
                recovery: r,
                stages: n,
                recovery_at_ceil: kremser_recovery(e, (n - 1e-9).ceil().max(0.0))
                    .map_err(sx_error)?,
            })
        }
        _ => None,
    };
    let rigorous = if a.rigorous {
        if a.beta_scrub.is_some()
            || a.reflux_w.is_some()
            || !matches!(a.feed_phase, FeedPhaseArg::Aqueous)
        {
            return Err(CliError::Input(
                "invalid `--rigorous`: the rigorous search designs an aqueous feed at one β; \
                 drop `--beta-scrub`, `--reflux-w` and `--feed-phase organic`"
                    .into(),
            ));
        }
        let s = SearchSpec {
            beta: a.beta,
            feed_fraction_a: a.feed_a,
            purity_a: a.purity_a,
            purity_b: a.purity_b,
            feed_re_rate: f,
            feed_conc: a.feed_conc,
            capacity: a.capacity,
            affinity_b: a.affinity_b,
            scrub_to_feed: a.scrub_to_feed,
            holdup: StageHoldup::default(),
            cost,
            max_phase_ratio: a.max_phase_ratio,
            window: a.window,
        };
        let t0 = Instant::now();
        let r = search(&s).map_err(sx_error)?;
        let wall_s = t0.elapsed().as_secs_f64();
        let xu_total = r.xu.total_stages() as i64;
        Some(Rigorous {
            optimistic_at_xu_flows: r.added_stages_at_xu_flows(),
            optimistic_least_cost: r.best.as_ref().map(|b| (b.n + b.m) as i64 - xu_total),
            search: r,
            wall_s,
        })
    } else {
        None
    };
    let report = DesignReport {
        fenske_min_stages: fenske,
        xu,
        reagents,
        kremser,
        rigorous,
    };
    let value = serde_json::to_value(&report)
        .map_err(|e| CliError::Run(format!("cannot serialise the design: {e}")))?;
    match a.json.as_deref() {
        Some(p) if p.as_os_str() == "-" => {
            let mut text = serde_json::to_string_pretty(&value)
                .map_err(|e| CliError::Run(format!("cannot serialise the design: {e}")))?;
            text.push('\n');
            emit(&text);
            Ok(())
        }
        other => {
            emit(&design_text(a, &report));
            if let Some(p) = other {
                write_json(p, &value)?;
            }
            Ok(())
        }
    }
}

fn design_text(a: &DesignArgs, r: &DesignReport) -> String {
    let mut out = String::new();
    let xu = &r.xu;
    wln!(
        out,
        "two-outlet cascade A/B: β = {}{}, feed {:.4} A / {:.4} B ({} feed); targets: A {} in the organic product, B {} in the raffinate",
        a.beta,
        a.beta_scrub
            .map(|b| format!(" (scrub β′ = {b})"))
            .unwrap_or_default(),
        a.feed_a,
        1.0 - a.feed_a,
        format!("{:?}", xu.spec.feed_phase).to_lowercase(),
        a.purity_a,
        a.purity_b
    );
    wln!(out);
    wln!(
        out,
        "Fenske minimum stages at total reflux: N_min = ln[(P_A/(1−P_A))·(P_B/(1−P_B))]/ln β = {:.3}",
        r.fenske_min_stages
    );
    wln!(out);
    wln!(
        out,
        "Xu Guangxian ({}; controlling section: {})",
        match xu.spec.operating {
            XuOperating::Optimum => "optimum extraction ratios".to_owned(),
            XuOperating::GivenScrub { w } => format!("given reflux W = {w}"),
        },
        format!("{:?}", xu.controlling).to_lowercase()
    );
    wln!(
        out,
        "  {:<34} extraction n = {:.2} -> {}, scrub m = {:.2} -> {}, total {}",
        "stages",
        xu.n_extraction,
        xu.n_extraction_stages,
        xu.m_scrub,
        xu.m_scrub_stages,
        xu.total_stages()
    );
    wln!(
        out,
        "  {:<34} E_M = {:.4} (extraction), E′_M = {:.4} (scrub)",
        "extraction factors",
        xu.e_m,
        xu.e_m_scrub
    );
    wln!(
        out,
        "  {:<34} S = {:.4} (loaded organic), W = {:.4} (scrub reflux), f′_A = {:.4}, f′_B = {:.4}",
        "flows [mol per mol feed RE]",
        xu.s,
        xu.w,
        xu.product_a,
        xu.product_b
    );
    wln!(
        out,
        "  {:<34} a = {:.4e}, b = {:.4e}",
        "purification factors",
        xu.a,
        xu.b
    );
    wln!(
        out,
        "  {:<34} A {:.6} in the organic product, B {:.6} in the raffinate",
        "purities",
        xu.spec.purity_a,
        xu.spec.purity_b
    );
    wln!(
        out,
        "  {:<34} A {:.6}, B {:.6}",
        "recoveries",
        xu.recovery_a,
        xu.recovery_b
    );
    let g = &r.reagents;
    wln!(
        out,
        "  {:<34} acid {:.3} mol H⁺, base {:.3} mol OH⁻ (saponification) per mol feed RE",
        "reagents",
        g.acid_per_feed,
        g.base_per_feed
    );
    wln!(
        out,
        "  {:<34} feed {:.3} m³/h, loaded organic {:.3} m³/h, HCl {:.1} kg/h, NaOH {:.1} kg/h",
        format!("at F = {} mol/s RE", a.feed_re_rate),
        g.feed_m3_per_h,
        g.organic_m3_per_h,
        g.hcl_kg_per_h,
        g.naoh_kg_per_h
    );
    if let Some(k) = &r.kremser {
        wln!(out);
        wln!(
            out,
            "Kremser: E = {}, recovery {} -> N = {:.3} ideal stages ({} stages recover {:.6})",
            k.extraction_factor,
            k.recovery,
            k.stages,
            (k.stages - 1e-9).ceil().max(0.0),
            k.recovery_at_ceil
        );
    }
    if let Some(rig) = &r.rigorous {
        let s = &rig.search;
        wln!(out);
        wln!(
            out,
            "Rigorous stage-by-stage model (competitive Langmuir; {} candidates solved, {:.2} s)",
            s.evaluated,
            rig.wall_s
        );
        if let Some(c) = &s.at_xu {
            wln!(
                out,
                "  {:<34} A {:.6}, B {:.6}",
                "purities at Xu's stages and flows",
                c.purity_a,
                c.purity_b
            );
        }
        match (s.stages_at_xu_flows, rig.optimistic_at_xu_flows) {
            (Some((n, m)), Some(k)) => wln!(
                out,
                "  {:<34} n = {n}, m = {m}: Xu's short-cut is {k} stage(s) optimistic",
                "stages needed at Xu's flows"
            ),
            _ => wln!(
                out,
                "  {:<34} not reached within the window (±{})",
                "stages needed at Xu's flows",
                a.window
            ),
        }
        match &s.best {
            Some(b) => {
                wln!(
                    out,
                    "  {:<34} extraction {}, scrub {}, total {} ({:+} vs Xu's {})",
                    "least-cost design: stages",
                    b.n,
                    b.m,
                    b.n + b.m,
                    rig.optimistic_least_cost.unwrap_or(0),
                    xu.total_stages()
                );
                wln!(
                    out,
                    "  {:<34} organic {:.3} m³/h, scrub liquor {:.3} m³/h, reflux {:.2} % of the loaded organic",
                    "flows",
                    b.organic_flow * 3600.0,
                    b.scrub_flow * 3600.0,
                    100.0 * b.reflux
                );
                wln!(
                    out,
                    "  {:<34} S = {:.4}, W = {:.4}",
                    "flows [mol per mol feed RE]",
                    b.s,
                    b.w
                );
                wln!(
                    out,
                    "  {:<34} A {:.6}, B {:.6}; recoveries A {:.6}, B {:.6}",
                    "purities",
                    b.purity_a,
                    b.purity_b,
                    b.recovery_a,
                    b.recovery_b
                );
                wln!(
                    out,
                    "  {:<34} acid {:.4} mol/s (HCl {:.1} kg/h), base {:.4} mol/s (NaOH {:.1} kg/h)",
                    "reagents",
                    b.acid,
                    b.acid * r.reagents.hcl_kg_per_mol * 3600.0,
                    b.base,
                    b.base * r.reagents.naoh_kg_per_mol * 3600.0
                );
                wln!(
                    out,
                    "  {:<34} {:.3e} per s = {:.0} per year (repm-sx CostModel defaults, est.)",
                    "cost rate",
                    b.cost,
                    b.cost * repm_plant::config::SECONDS_PER_YEAR
                );
            }
            None => wln!(out, "  no feasible design found in the window"),
        }
    }
    out
}
