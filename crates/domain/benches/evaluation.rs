//! The evaluation's national figures: a difference-in-differences over 5,000 schools ×
//! 3 rounds (each school its own cluster, half of them treated), and the wild cluster
//! restricted bootstrap of its effect with 999 draws (set-up, draws and the interval's
//! bisection). Prints the median of several runs of each; asserts nothing (timings on a
//! shared machine are noisy).
//!
//!     cargo bench -p opencpd-domain --bench evaluation

use opencpd_domain::evaluation::bootstrap::wild_cluster_interval;
use opencpd_domain::evaluation::did::{Assignment, Design, Model, Observation, Round, Spec, estimate};
use std::time::Instant;

const SCHOOLS: usize = 5_000;
const RUNS: usize = 7;

/// SplitMix64 for the generated outcomes.
fn next(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let design = Design {
        rounds: vec![
            Round { name: "baseline".into(), post: false },
            Round { name: "midline".into(), post: true },
            Round { name: "endline".into(), post: true },
        ],
        arms: vec!["coaching".into(), "comparison".into()],
        comparison: 1,
        assignment: Assignment::Randomised,
    };
    let mut state = 1;
    let mut obs = Vec::with_capacity(SCHOOLS * 3);
    for s in 0..SCHOOLS {
        let level = next(&mut state) * 4.0;
        let arm = s % 2;
        for round in 0..3 {
            let effect = if arm == 0 && round > 0 { 0.2 } else { 0.0 };
            obs.push(Observation {
                unit: s as i64,
                cluster: s as i64,
                round,
                arm,
                y: 50.0 + level + round as f64 + effect + next(&mut state),
            });
        }
    }

    let mut times = Vec::new();
    let mut est = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        est = Some(estimate(&design, &obs).expect("estimated"));
        times.push(t.elapsed().as_secs_f64());
    }
    let est = est.unwrap();
    let c = &est.coefficients[0];
    println!(
        "difference-in-differences, {} schools × 3 rounds ({} observations, {} clusters): median {:.1} ms \
         (estimate {:.4}, 95% CI {:.4} to {:.4})",
        SCHOOLS,
        est.observations,
        est.clusters,
        1e3 * median(times),
        c.estimate,
        c.ci_low,
        c.ci_high
    );

    let mut times = Vec::new();
    let mut boot = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let model = Model::new(&design, &obs, Spec::Pooled).expect("estimated");
        boot = Some(wild_cluster_interval(&model, 0, 999, 20_260_101, 0.95).expect("bootstrapped"));
        times.push(t.elapsed().as_secs_f64());
    }
    let boot = boot.unwrap();
    println!(
        "wild cluster restricted bootstrap, 999 draws, {} clusters: median {:.1} ms (95% CI {:.4} to {:.4}, seed {})",
        boot.clusters,
        1e3 * median(times),
        boot.low,
        boot.high,
        boot.seed
    );
}
