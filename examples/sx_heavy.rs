//! Multicomponent split of a heavy-RE feed (Gd, Tb, Dy, Ho, Y on P507/HCl) between Tb and
//! Dy: Xu's design on the Dy/Tb key pair (pseudo-binary), then the rigorous
//! multicomponent cascade (competitive-Langmuir loading, β from the crate's separation-factor
//! data file) with stages added until both key-pair purities are met. Prints product
//! compositions and the recoveries of Tb (raffinate) and Dy (organic).
//! Run: `cargo run --release --example sx_heavy`.

use repm_sx::design::{FeedPhase, XuOperating, XuSpec, xu_design};
use repm_sx::dynamics::{Closure, StageHoldup, TwoOutletSpec, steady_state};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let names = ["Gd", "Tb", "Dy", "Ho", "Y"];
    let beta = repm_sx::data::cumulative_beta("P507", &names)?; // relative to Gd
    // heavy concentrate (mol fractions of RE, illustrative)
    let feed = [0.20, 0.06, 0.24, 0.08, 0.42];
    let key_split = 2; // components >= Dy go to the organic product
    let fa: f64 = feed[key_split..].iter().sum();
    let beta_key = beta[2] / beta[1];
    println!("heavy-RE feed on P507/HCl, split Tb | Dy (β Dy/Tb = {beta_key:.2})");
    for (n, (b, x)) in names.iter().zip(beta.iter().zip(feed)) {
        println!("  {n:>2}: feed fraction {x:.2}, β vs Gd {b:.2}");
    }
    let purity = 0.999;
    let xu = xu_design(&XuSpec {
        beta: beta_key,
        beta_scrub: None,
        feed_fraction_a: fa,
        purity_a: purity,
        purity_b: purity,
        feed_phase: FeedPhase::Aqueous,
        operating: XuOperating::Optimum,
    })?;
    println!(
        "Xu (Dy/Tb key pair): n = {}, m = {}, S = {:.3}, W = {:.3}, {:?} section controls",
        xu.n_extraction_stages, xu.m_scrub_stages, xu.s, xu.w, xu.controlling
    );
    let (f_re, c_feed, cap) = (0.05, 250.0, 150.0); // mol/s, mol/m³, mol/m³
    let qf = f_re / c_feed;
    let build = |n: usize, m: usize| TwoOutletSpec {
        n_stages: n + m,
        feed_stage: m,
        feed_phase: FeedPhase::Aqueous,
        feed_flow: qf,
        feed_conc: feed.iter().map(|x| x * c_feed).collect(),
        scrub_flow: 0.5 * qf,
        scrub_conc: vec![0.0; 5],
        organic_flow: xu.s * f_re / cap,
        organic_conc: vec![0.0; 5],
        reflux_organic_end: xu.w / xu.s,
        reflux_aqueous_end: 0.0,
        closure: Closure::CompetitiveLangmuir {
            capacity: cap,
            affinity: beta.iter().map(|b| 0.2 * b).collect(),
        },
        holdup: StageHoldup::default(),
    };
    let (mut n, mut m) = (xu.n_extraction_stages, xu.m_scrub_stages);
    let mut warm: Option<Vec<f64>> = None;
    for _ in 0..60 {
        let ss = steady_state(&build(n, m), warm.as_deref())?;
        if !ss.converged {
            println!("steady state did not converge at n = {n}, m = {m}");
            return Ok(());
        }
        let p = &ss.products;
        let org: f64 = p.organic_product.iter().sum();
        let raf: f64 = p.raffinate.iter().sum();
        let heavy_purity = p.organic_product[key_split..].iter().sum::<f64>() / org;
        let light_purity = p.raffinate[..key_split].iter().sum::<f64>() / raf;
        let ok_a = heavy_purity >= purity;
        let ok_b = light_purity >= purity;
        if ok_a && ok_b {
            println!(
                "rigorous: n = {n}, m = {m} ({} stages, Xu {}) meets {:.1} % at both ends",
                n + m,
                xu.total_stages(),
                100.0 * purity
            );
            println!(
                "  organic product (Dy, Ho, Y): {:.5} heavy keys",
                heavy_purity
            );
            println!(
                "  raffinate (Gd, Tb):          {:.5} light keys",
                light_purity
            );
            for (j, name) in names.iter().enumerate() {
                let fin = feed[j] * f_re;
                println!(
                    "  {name:>2}: to organic {:>7.3} %, to raffinate {:>7.3} %",
                    100.0 * p.organic_product[j] / fin,
                    100.0 * p.raffinate[j] / fin
                );
            }
            println!(
                "  Tb recovered to the raffinate: {:.3} %; Dy recovered to the organic: {:.3} %",
                100.0 * p.raffinate[1] / (feed[1] * f_re),
                100.0 * p.organic_product[2] / (feed[2] * f_re)
            );
            return Ok(());
        }
        if !ok_b {
            n += 1;
        }
        if !ok_a {
            m += 1;
        }
        warm = None;
    }
    println!("targets not met within 60 additions");
    Ok(())
}
