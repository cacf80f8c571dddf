//! Configuration validation: bad input gives an `SxError` naming the field and the value, never
//! a panic; configs reject unknown fields; HSO₄⁻ speciation inverts exactly; a saponified
//! mass-action cascade converges and reports its base use.

use repm_sx::topology::free_h_from_total;
use repm_sx::{
    CascadeSpec, ComponentLaw, EquilibriumSpec, Newton, OutletRef, Phase, RecycleSpec,
    Saponification, SteadySolver, SuccessiveSubstitution, SxError, cases,
};

#[track_caller]
fn err_text(spec: &CascadeSpec) -> String {
    match spec.validate() {
        Ok(_) => panic!("expected a validation error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn invalid_configurations_name_field_and_value() {
    let base = cases::bench_case_a();

    let mut s = base.clone();
    s.feeds[0].flow = -1e-4;
    let t = err_text(&s);
    assert!(t.contains("feeds[0].flow") && t.contains("-0.0001"), "{t}");

    let mut s = base.clone();
    s.feeds[0].stage = 60;
    let t = err_text(&s);
    assert!(t.contains("feeds[0].stage") && t.contains("60"), "{t}");

    let mut s = base.clone();
    s.sections.clear();
    assert!(err_text(&s).contains("sections"));

    let mut s = base.clone();
    s.sections[1].stages = 0;
    assert!(err_text(&s).contains("sections[1].stages"));

    let mut s = base.clone();
    if let EquilibriumSpec::SeparationFactors { beta, .. } = &mut s.sections[0].equilibrium {
        beta.insert("Nd".into(), 0.0);
    }
    let t = err_text(&s);
    assert!(t.contains("beta.Nd") && t.contains('0'), "{t}");

    let mut s = base.clone();
    s.feeds[0].concentrations.insert("Xx".into(), 1.0);
    assert!(matches!(
        s.validate(),
        Err(SxError::UnknownComponent { .. })
    ));

    let mut s = base.clone();
    s.draws.push(repm_sx::DrawSpec {
        name: "side".into(),
        stage: 3,
        phase: Phase::Aqueous,
        fraction: 0.1,
    });
    s.recycles.push(RecycleSpec {
        name: "r".into(),
        from: OutletRef::Draw("side".into()),
        to_stage: 30,
        flow: 1.0,
    });
    let t = err_text(&s);
    assert!(t.contains("recycles[0].flow") && t.contains("side"), "{t}");

    let mut s = base.clone();
    s.draws.push(repm_sx::DrawSpec {
        name: "d".into(),
        stage: 3,
        phase: Phase::Aqueous,
        fraction: 1.5,
    });
    assert!(err_text(&s).contains("draws[0].fraction"));

    let mut s = base.clone();
    s.feeds.retain(|f| f.phase == Phase::Aqueous);
    assert!(err_text(&s).contains("organic"));

    let mut s = base;
    s.components.push(repm_sx::ComponentSpec::new("Sm"));
    if let EquilibriumSpec::SeparationFactors { beta, .. } = &mut s.sections[0].equilibrium {
        beta.insert("Sm".into(), 7.0);
    }
    if let EquilibriumSpec::SeparationFactors { beta, .. } = &mut s.sections[1].equilibrium {
        beta.insert("Sm".into(), 7.0);
    }
    assert!(err_text(&s).contains("never fed"));
}

#[test]
fn configs_round_trip_and_reject_unknown_fields() {
    let spec = cases::bench_case_b();
    let json = serde_json::to_string(&spec).unwrap();
    let back: CascadeSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
    let bad = json.replacen("\"entrainment\"", "\"entrainmnet\"", 1);
    assert!(serde_json::from_str::<CascadeSpec>(&bad).is_err());
}

#[test]
fn hso4_speciation_inverts() {
    let ka = 10f64.powf(-1.99) * 1000.0;
    for h in [1e-3, 0.5, 10.0, 300.0, 2000.0] {
        for s in [0.0, 10.0, 500.0, 2000.0] {
            let total = h + s * h / (h + ka);
            let back = free_h_from_total(total, s, ka);
            assert!((back - h).abs() <= 1e-12 * h, "h {h} S {s}: {back}");
        }
    }
}

#[test]
fn saponified_mass_action_cascade_converges_and_reports_base() {
    let mut spec = cases::bench_case_b();
    spec.components.push(repm_sx::ComponentSpec::new("Na"));
    for s in &mut spec.sections {
        if let EquilibriumSpec::PerComponent { laws } = &mut s.equilibrium {
            laws.insert("Na".into(), ComponentLaw::MassAction { log10_k: -3.0 });
        }
    }
    let org = spec
        .feeds
        .iter_mut()
        .find(|f| f.phase == Phase::Organic)
        .unwrap();
    org.saponification = Some(Saponification {
        cation: "Na".into(),
        degree: 0.05,
    });
    let cascade = spec.validate().unwrap();
    let base = 1.3e-4 * 0.05 * 2.0 * 467.5;
    let sub = SuccessiveSubstitution {
        damping: 0.3,
        ..Default::default()
    }
    .solve(&cascade);
    let newton = Newton::default().solve_from(&cascade, Some(&sub.profiles));
    for sol in [&sub, &newton] {
        assert!(
            sol.status.is_converged(),
            "{}: {:?} {}",
            sol.solver,
            sol.status,
            sol.residual
        );
        assert!(
            sol.max_balance_error() < 1e-10,
            "{}: {}",
            sol.solver,
            sol.max_balance_error()
        );
        assert!((sol.reagents.base_for_saponification - base).abs() < 1e-12 * base);
    }
}
