//! Criterion benchmarks of the steady-state cascade solvers, grouped solver × case (issue 4
//! cases a, b, c from `repm_sx::cases`). Kremser-exact applies to constant-D cascades only and
//! is benchmarked on a constant-D version of case (a).
use std::collections::BTreeMap;

use criterion::{Criterion, criterion_group, criterion_main};
use repm_sx::{EquilibriumSpec, KremserExact, Newton, SteadySolver, SuccessiveSubstitution, cases};

fn solvers(c: &mut Criterion) {
    let mut list = cases::bench_cases();
    // constant-D twin of case (a): D_Pr = 0.5, D_Nd = 0.75 (β = 1.5)
    let mut a_const = cases::bench_case_a();
    let d: BTreeMap<String, f64> = [("Pr".to_string(), 0.5), ("Nd".to_string(), 0.75)].into();
    for s in &mut a_const.sections {
        s.equilibrium = EquilibriumSpec::ConstantD { d: d.clone() };
    }
    list.insert(0, ("a_constant_d", a_const));
    for (name, spec) in list {
        let cascade = spec.validate().expect("bench cases are valid");
        let mut group = c.benchmark_group(format!("sx_case_{name}"));
        group.sample_size(10);
        let all: [Box<dyn SteadySolver>; 3] = [
            Box::new(KremserExact),
            Box::new(SuccessiveSubstitution::default()),
            Box::new(Newton::default()),
        ];
        for solver in &all {
            if solver.name() == "kremser_exact" && !cascade.is_constant_d() {
                continue;
            }
            if solver.name() == "substitution" && name == "c" {
                // ~0.5 s per solve: measured by the sx_solver_bench example instead
                continue;
            }
            group.bench_function(solver.name(), |b| b.iter(|| solver.solve(&cascade)));
        }
        group.finish();
    }
}

criterion_group!(benches, solvers);
criterion_main!(benches);
