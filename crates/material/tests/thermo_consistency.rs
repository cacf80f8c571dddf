//! Consistency of every species in every thermochemistry data set (issue 3, "Must show"):
//! H continuous at piece boundaries inside a phase, jumps only at transitions, Cp > 0,
//! G = H − TS, dH/dT = Cp and dS/dT = Cp/T by central finite differences.

use repm_material::thermo::{DataSetName, Source, SpeciesThermo, ThermoDb, ThermoSet};

fn sample_points(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |k| lo + (hi - lo) * (k as f64 + 0.5) / n as f64)
}

#[test]
fn builtin_database_loads_and_validates() {
    let db = ThermoDb::builtin().expect("embedded thermo data must load");
    assert!(db.species_names().len() > 60);
}

#[test]
fn every_species_every_set_is_thermodynamically_consistent() {
    let mut checked = 0;
    for name in DataSetName::ALL {
        let set = ThermoSet::new(name).unwrap();
        let all: Vec<&SpeciesThermo> = if name == DataSetName::ALL[0] {
            // also every record kept for study only (CRC SmF3, IVTAN-298): every species of every source
            let db = ThermoDb::builtin().unwrap();
            let mut v: Vec<&SpeciesThermo> = set
                .report()
                .iter()
                .map(|c| set.species(&c.species).unwrap())
                .collect();
            for src in Source::ALL {
                v.extend(
                    db.species_names()
                        .into_iter()
                        .filter_map(|n| db.species_in(src, n)),
                );
            }
            v
        } else {
            set.report()
                .iter()
                .map(|c| set.species(&c.species).unwrap())
                .collect()
        };
        for sp in all {
            for ph in sp.phases() {
                let (lo, hi) = ph.range();
                let hi = hi.min(4000.0);
                // H and S continuous inside the phase, at every internal piece boundary
                for tb in ph.internal_boundaries() {
                    let a = ph.props(tb - 1e-7, sp.name());
                    let b = ph.props(tb + 1e-7, sp.name());
                    assert!(
                        (a.h - b.h).abs() < 2.0,
                        "{} {} {:?}: H jump {} J/mol at {tb} K",
                        sp.name(),
                        ph.name(),
                        name,
                        b.h - a.h
                    );
                    assert!(
                        (a.s - b.s).abs() < 2e-3,
                        "{} {}: S jump at {tb} K",
                        sp.name(),
                        ph.name()
                    );
                }
                for t in sample_points(lo, hi, 40) {
                    let p = ph.props(t, sp.name());
                    assert!(
                        p.cp > 0.0,
                        "{} {} {name}: Cp {} at {t} K",
                        sp.name(),
                        ph.name(),
                        p.cp
                    );
                    approx::assert_relative_eq!(
                        p.g,
                        p.h - t * p.s,
                        max_relative = 1e-12,
                        epsilon = 1e-6
                    );
                    // finite differences (step 1e-3 K), away from piece boundaries
                    let dt = 1e-3;
                    if ph
                        .internal_boundaries()
                        .iter()
                        .any(|&b| (b - t).abs() < 2.0 * dt)
                    {
                        continue;
                    }
                    let (m, q) = (ph.props(t - dt, sp.name()), ph.props(t + dt, sp.name()));
                    let dhdt = (q.h - m.h) / (2.0 * dt);
                    let dsdt = (q.s - m.s) / (2.0 * dt);
                    assert!(
                        (dhdt - p.cp).abs() < 1e-4 * p.cp.abs() + 1e-3,
                        "{} {} {name}: dH/dT {dhdt} vs Cp {} at {t} K",
                        sp.name(),
                        ph.name(),
                        p.cp
                    );
                    assert!(
                        (dsdt - p.cp / t).abs() < 1e-4 * (p.cp / t) + 1e-6,
                        "{} {} {name}: dS/dT {dsdt} vs Cp/T {} at {t} K",
                        sp.name(),
                        ph.name(),
                        p.cp / t
                    );
                    checked += 1;
                }
            }
            // stable phase: H jumps only upward (transition enthalpy >= 0) on heating
            let (lo, hi) = sp.range();
            for tr in sp.transitions(lo.max(298.15), hi.min(3000.0)) {
                assert!(
                    tr.dh > -1e-6,
                    "{} {name}: negative transition enthalpy {} at {} K",
                    sp.name(),
                    tr.dh,
                    tr.t
                );
            }
        }
    }
    assert!(checked > 10_000, "checked {checked} points");
}

#[test]
fn elements_have_zero_enthalpy_at_298_in_every_set() {
    // Formation scale: H(298.15 K) of an element in its reference state is 0 by definition.
    for name in DataSetName::ALL {
        let set = ThermoSet::new(name).unwrap();
        for el in [
            "Nd", "Pr", "Dy", "Tb", "Sm", "La", "Ce", "Ca", "Li", "Mg", "Fe", "Co", "B", "C", "Ta",
            "Al", "Cu", "Ga", "O2", "F2", "H2", "N2", "Cl2",
        ] {
            let h = set.species(el).unwrap().h(298.15);
            // Ce: SGTE91 takes gamma-Ce (FCC) as SER, but DHCP beta-Ce has the lower G at 298.15 K
            // (H = -190 J/mol); every other element sits on its SER within 60 J/mol.
            let tol = if el == "Ce" { 200.0 } else { 60.0 };
            assert!(h.abs() < tol, "{el} in {name}: H(298.15) = {h} J/mol");
        }
    }
}

#[test]
fn every_source_lists_what_it_serves() {
    let db = ThermoDb::builtin().unwrap();
    for src in Source::ALL {
        let n = db
            .species_names()
            .into_iter()
            .filter(|s| db.species_in(src, s).is_some())
            .count();
        assert!(n > 0, "{src} is empty");
    }
}
