//! Criterion benchmarks for repm-sinter's solvers: the exact work-of-sintering integral and
//! densification over a full sintering programme, and the Crank–Nicolson GBD solver at two
//! resolutions. Peer in the same run: the same densification evaluated by brute-force
//! trapezoidal quadrature of Θ (10⁴ panels), the "obvious" implementation the closed form
//! replaces. Record results in docs/benchmarks.md.
//!
//! Run: `cargo bench --bench sinter -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use repm_sinter::TemperatureProgramme;
use repm_sinter::densification::DensificationModel;
use repm_sinter::gbd::{GbdDiffusivity, GbdOptions, GbdSetup, diffuse};
use repm_sinter::programme::GAS_CONSTANT;

fn sinter_programme() -> TemperatureProgramme {
    TemperatureProgramme::starting_at(298.15)
        .and_then(|p| p.ramp_to(1333.15, 5.0 / 60.0))
        .and_then(|p| p.hold(4.0 * 3600.0))
        .and_then(|p| p.ramp_to(298.15, 5.0 / 60.0))
        .expect("valid programme")
}

/// Θ by the trapezoidal rule on `n` panels per segment (the peer).
fn theta_trapezoid(p: &TemperatureProgramme, q: f64, thr: f64, n: usize) -> f64 {
    let knots: Vec<(f64, f64)> = p.knots().collect();
    let f = |t: f64| {
        if t > thr {
            (-q / (GAS_CONSTANT * t)).exp() / t
        } else {
            0.0
        }
    };
    let mut s = 0.0;
    for w in knots.windows(2) {
        let ((t0, a), (t1, b)) = (w[0], w[1]);
        let h = (t1 - t0) / n as f64;
        for i in 0..n {
            let x0 = a + (b - a) * i as f64 / n as f64;
            let x1 = a + (b - a) * (i + 1) as f64 / n as f64;
            s += 0.5 * h * (f(x0) + f(x1));
        }
    }
    s
}

fn densification(c: &mut Criterion) {
    let p = sinter_programme();
    let m = DensificationModel::default();
    c.bench_function("sinter/densify_closed_form", |b| {
        b.iter(|| {
            m.densify(black_box(0.58), black_box(0.05), black_box(&p))
                .expect("ok")
        })
    });
    c.bench_function("sinter/theta_closed_form", |b| {
        b.iter(|| {
            black_box(&p).arrhenius_integral(500e3, repm_sinter::ArrheniusKind::OverT, 928.15)
        })
    });
    c.bench_function("sinter/theta_trapezoid_1e4_peer", |b| {
        b.iter(|| theta_trapezoid(black_box(&p), 500e3, 928.15, 10_000))
    });
}

fn gbd(c: &mut Criterion) {
    let setup = GbdSetup {
        thickness: 5e-3,
        coating_per_face: [0.15, 0.15],
        loss_fraction: 0.15,
        surface_mass_fraction: 0.02,
        magnet_density: 7500.0,
        grain_size: 5e-6,
    };
    let p = TemperatureProgramme::starting_at(298.15)
        .and_then(|p| p.ramp_to(1173.15, 5.0 / 60.0))
        .and_then(|p| p.hold(10.0 * 3600.0))
        .and_then(|p| p.ramp_to(298.15, 5.0 / 60.0))
        .expect("valid programme");
    let d = GbdDiffusivity::dy_sintered_ndfeb();
    for cells in [200usize, 1000] {
        let opts = GbdOptions {
            cells,
            max_time_step: 60.0,
            ..GbdOptions::default()
        };
        c.bench_function(&format!("sinter/gbd_cn_{cells}_cells_dt60s"), |b| {
            b.iter(|| diffuse(black_box(&setup), &d, &p, &opts).expect("ok"))
        });
    }
}

criterion_group!(benches, densification, gbd);
criterion_main!(benches);
