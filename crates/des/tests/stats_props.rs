//! Property tests of the statistics and building blocks over random valid inputs:
//! Welford tally = two-pass formulas and merge = concatenation; time-weighted average = brute
//! force; histogram quantiles monotone and bounded; FIFO resource conserves jobs, serves in
//! arrival order and never double-books a server; calendar arithmetic is additive and
//! `finish_time` inverts `available_between`.

use proptest::prelude::*;
use repm_des::SimTime;
use repm_des::calendar::{Calendar, CalendarConfig};
use repm_des::resource::{Admission, Discipline, Resource};
use repm_des::stats::{Histogram, Tally, TimeWeighted};

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1e-300)
}

proptest! {
    #[test]
    fn tally_matches_two_pass_and_merges(xs in prop::collection::vec(-1e6_f64..1e6, 2..200), split in 0_usize..200) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let mut all = Tally::new();
        xs.iter().for_each(|&x| all.record(x));
        prop_assert!((all.mean().unwrap() - mean).abs() <= 1e-9 * (1.0 + mean.abs()));
        prop_assert!(rel_close(all.variance().unwrap(), var, 1e-8) || var < 1e-6);
        let k = split.min(xs.len());
        let (mut a, mut b) = (Tally::new(), Tally::new());
        xs[..k].iter().for_each(|&x| a.record(x));
        xs[k..].iter().for_each(|&x| b.record(x));
        a.merge(&b);
        prop_assert_eq!(a.count(), all.count());
        prop_assert!((a.mean().unwrap() - all.mean().unwrap()).abs() <= 1e-9 * (1.0 + mean.abs()));
        prop_assert!(rel_close(a.variance().unwrap(), all.variance().unwrap(), 1e-8) || var < 1e-6);
        prop_assert_eq!(a.min(), all.min());
        prop_assert_eq!(a.max(), all.max());
    }

    #[test]
    fn time_weighted_equals_brute_force(steps in prop::collection::vec((0_u64..1_000, -50.0_f64..50.0), 1..100), tail in 1_u64..1_000) {
        let mut tw = TimeWeighted::new(SimTime::ZERO, 0.0).unwrap();
        let (mut t, mut v, mut area) = (0_u64, 0.0_f64, 0.0_f64);
        for &(dt, x) in &steps {
            area += v * dt as f64;
            t += dt;
            v = x;
            tw.set(SimTime::from_nanos(t), x).unwrap();
        }
        area += v * tail as f64;
        let end = SimTime::from_nanos(t + tail);
        let mean = area / (t + tail) as f64;
        prop_assert!((tw.mean(end).unwrap() - mean).abs() <= 1e-9 * (1.0 + mean.abs()));
        // After a reset only the current value counts.
        tw.reset(SimTime::from_nanos(t)).unwrap();
        prop_assert!((tw.mean(end).unwrap() - v).abs() <= 1e-12 * (1.0 + v.abs()));
    }

    #[test]
    fn histogram_quantiles_monotone_and_bounded(xs in prop::collection::vec(-10.0_f64..110.0, 1..300), bins in 1_usize..50) {
        let mut h = Histogram::new(0.0, 100.0, bins).unwrap();
        xs.iter().for_each(|&x| h.record(x));
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut prev = f64::NEG_INFINITY;
        for i in 0..=20 {
            let q = h.quantile(f64::from(i) / 20.0).unwrap();
            prop_assert!(q >= prev - 1e-12, "not monotone at p = {}", f64::from(i) / 20.0);
            prop_assert!(q >= lo - 1e-12 && q <= hi + 1e-12);
            prev = q;
        }
        prop_assert_eq!(h.counts().iter().sum::<u64>() + h.underflow() + h.overflow(), xs.len() as u64);
    }

    /// Random arrivals and service completions on a c-server FIFO resource.
    #[test]
    fn fifo_resource_conserves_and_orders(c in 1_u32..4, ops in prop::collection::vec((0_u64..5, any::<bool>()), 1..200)) {
        let mut r = Resource::new("r", c, Discipline::Fifo, SimTime::ZERO).unwrap();
        let mut in_service = Vec::new();
        let mut started = Vec::new();
        let (mut t, mut next_job, mut completed) = (0_u64, 0_u64, 0_u64);
        for (dt, arrive) in ops {
            t += dt;
            let now = SimTime::from_nanos(t);
            if arrive || in_service.is_empty() {
                if let Admission::Started(tok) = r.request(now, next_job).unwrap() {
                    started.push(next_job);
                    in_service.push(tok);
                }
                next_job += 1;
            } else {
                let tok = in_service.remove(0);
                let done = r.release(now, tok).unwrap();
                completed += 1;
                if let Some(n) = done.next {
                    started.push(*r.job(n).unwrap());
                    in_service.push(n);
                }
            }
            // Conservation and capacity.
            prop_assert_eq!(next_job, completed + r.in_system() as u64);
            prop_assert!(r.busy() <= c);
            prop_assert_eq!(r.busy() as usize, in_service.len());
            let mut servers: Vec<u32> = in_service.iter().map(|tk| tk.server).collect();
            servers.sort_unstable();
            servers.dedup();
            prop_assert_eq!(servers.len(), in_service.len(), "a server serves two jobs");
        }
        // FIFO: jobs start in arrival order.
        prop_assert!(started.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn calendar_arithmetic(start in 0.0_f64..20.0, len in 0.5_f64..12.0, days in prop::collection::vec(0_u8..7, 1..7),
                           a in 0_u64..1_000_000, b in 0_u64..1_000_000, w in 0_u64..200) {
        let cfg = CalendarConfig::weekly(&days, start, start + len).with_shutdown(30.0, 50.0);
        let cal = Calendar::new(&cfg).unwrap();
        let ns_h = 3_600_000_000_000_u64;
        // Times in units of 1 s up to ≈ 11.6 days.
        let (x, y) = (a.min(b) * 1_000_000_000, a.max(b) * 1_000_000_000);
        let (tx, ty) = (SimTime::from_nanos(x), SimTime::from_nanos(y));
        let mid = SimTime::from_nanos((x + y) / 2);
        prop_assert_eq!(cal.available_between(tx, mid) + cal.available_between(mid, ty), cal.available_between(tx, ty));
        let work = w * ns_h / 10;
        let f = cal.finish_time(tx, work).unwrap();
        prop_assert_eq!(cal.available_between(tx, f).as_nanos(), u128::from(work));
        if let Some(n) = cal.next_change(tx) {
            prop_assert!(n > tx);
            prop_assert_ne!(cal.is_available(n), cal.is_available(tx));
            prop_assert_eq!(cal.is_available(SimTime::from_nanos(n.as_nanos() - 1)), cal.is_available(tx));
        }
    }
}
