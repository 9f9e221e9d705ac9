//! The wild cluster restricted bootstrap (WCR; Cameron, Gelbach and Miller 2008; Roodman,
//! MacKinnon, Nielsen and Webb 2019) for one coefficient of a [`Model`].
//!
//! With few clusters, cluster-robust t intervals are too narrow. The bootstrap draws new
//! outcomes under the null β_j = b0: from the restricted fit (the model estimated with β_j
//! held at b0), each cluster's restricted residuals are kept or flipped as a whole
//! (Rademacher weights, ±1 with equal chance), the model is fitted again and its CR1 t
//! statistic for b0 computed. The p-value of b0 is the share of draws whose |t*| is at
//! least the observed |t|; the interval is every b0 with a p-value above 1 − level, found
//! on each side of the estimate by bracketing and bisection.
//!
//! Speed: in the demeaned columns everything a draw needs is a sum over clusters of
//! X_g'X_g (p × p) and X_g'ũ_g, and the restricted residuals ũ move with b0 on a straight
//! line, ũ(b0) = u₀ − b0·u₁. So a draw's numerator is affine in b0 and its squared
//! standard error a quadratic in b0: five numbers per draw, computed once in O(G·p) per
//! draw, after which the p-value of any b0 costs O(draws) and the interval's bisection is
//! free. No pass over the N observations is made after the set-up.
//!
//! Reproducibility: the weights come from [`rademacher_weights`], a function of the seed,
//! the number of draws and the number of clusters alone (clusters in ascending id order).

use super::did::{Model, Term};
use super::linalg::{mat_vec, spd_inverse};
use super::rng::Seeded;
use serde::Serialize;

/// From this many clusters down, Rademacher weights have few distinct draws (2^G, half of
/// them mirror images), so the bootstrap distribution is lumpy and the interval's ends
/// move in steps: the result says so.
pub const COARSE_CLUSTERS: usize = 12;

/// The usual number of draws.
pub const DRAWS: usize = 999;

/// Why a bootstrap is not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BootstrapError {
    #[error("coefficient number {index} does not exist: the model has {terms}")]
    NoSuchCoefficient { index: usize, terms: usize },
    #[error("a bootstrap needs at least 99 draws; {0} asked for")]
    TooFewDraws(usize),
    #[error("the confidence level must be strictly between 0 and 1; {0} given")]
    Level(f64),
}

/// The interval and test of one coefficient, with what they rest on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WildInterval {
    pub term: Term,
    pub estimate: f64,
    pub level: f64,
    pub low: f64,
    pub high: f64,
    /// The bootstrap p-value of β = 0.
    pub p_value: f64,
    pub draws: usize,
    /// The seed the weights were drawn from: the same seed gives the same interval.
    pub seed: u64,
    pub clusters: usize,
    /// With G ≤ [`COARSE_CLUSTERS`]: there are only 2^G distinct sets of weights, so the
    /// interval's ends are coarse.
    pub coarse: bool,
}

/// Rademacher weights, ±1, for `draws` draws of `clusters` clusters, draw after draw
/// (`w[b * clusters + g]`). Draw b takes ⌈G/64⌉ fresh outputs of the generator; cluster g
/// is +1 when bit g mod 64 of output ⌊g/64⌋ is set.
pub fn rademacher_weights(seed: u64, draws: usize, clusters: usize) -> Vec<f64> {
    let mut rng = Seeded::new(seed);
    let mut w = Vec::with_capacity(draws * clusters);
    for _ in 0..draws {
        let mut word = 0u64;
        for g in 0..clusters {
            if g % 64 == 0 {
                word = rng.next_u64();
            }
            w.push(if word >> (g % 64) & 1 == 1 { 1.0 } else { -1.0 });
        }
    }
    w
}

/// The bootstrap of one coefficient, set up: the observed estimate and CR1 standard error,
/// and per draw the five numbers its t statistic is a function of b0 with.
#[derive(Debug, Clone)]
pub struct WildBootstrap {
    term: Term,
    estimate: f64,
    se: f64,
    clusters: usize,
    seed: u64,
    /// Per draw: numerator n₀ − b0·n₁ and squared standard error
    /// c·(s₀₀ − 2·b0·s₀₁ + b0²·s₁₁).
    draws: Vec<[f64; 5]>,
    c: f64,
}

impl WildBootstrap {
    /// Sets up the bootstrap of `model`'s coefficient `index` (in the order of
    /// [`Model::terms`]) with `draws` draws from `seed`.
    pub fn new(model: &Model, index: usize, draws: usize, seed: u64) -> Result<WildBootstrap, BootstrapError> {
        let terms = model.terms.len();
        if index >= terms {
            return Err(BootstrapError::NoSuchCoefficient { index, terms });
        }
        if draws < 99 {
            return Err(BootstrapError::TooFewDraws(draws));
        }
        let p = model.p;
        let j = model.first_term + index;
        let n = model.y.len();
        let g_count = model.clusters();
        let m = &model.xtx_inv;
        let q: Vec<f64> = (0..p).map(|a| m[a * p + j]).collect();

        // The restricted fit: y − b0·x_j on the other columns. Its residuals are
        // u₀ − b0·u₁ with u₀ the residual of y and u₁ that of x_j on the other columns.
        let others: Vec<usize> = (0..p).filter(|&a| a != j).collect();
        let r = others.len();
        let mut u0 = model.y.clone();
        let mut u1: Vec<f64> = (0..n).map(|i| model.x[i * p + j]).collect();
        if r > 0 {
            let mut g = vec![0.0; r * r];
            let mut gy = vec![0.0; r];
            let mut gx = vec![0.0; r];
            for i in 0..n {
                let row = &model.x[i * p..(i + 1) * p];
                for (a, &ca) in others.iter().enumerate() {
                    gy[a] += row[ca] * model.y[i];
                    gx[a] += row[ca] * row[j];
                    for (b, &cb) in others.iter().enumerate() {
                        g[a * r + b] += row[ca] * row[cb];
                    }
                }
            }
            // The model's full X'X is invertible, so any subset of its columns is too.
            let g_inv = spd_inverse(&g, r).expect("a subset of independent columns is independent");
            let gamma0 = mat_vec(&g_inv, &gy, r);
            let gamma1 = mat_vec(&g_inv, &gx, r);
            for i in 0..n {
                let row = &model.x[i * p..(i + 1) * p];
                for (a, &ca) in others.iter().enumerate() {
                    u0[i] -= row[ca] * gamma0[a];
                    u1[i] -= row[ca] * gamma1[a];
                }
            }
        }

        // Per cluster: c_g = (X_g'X_g) q, and for ũ = u₀ − b0·u₁ the pieces of X_g'ũ_g:
        // f = q'X_g'u (its part of the coefficient) and m = (X'X)⁻¹ X_g'u.
        let mut cg = vec![0.0; g_count * p];
        let mut f0 = vec![0.0; g_count];
        let mut f1 = vec![0.0; g_count];
        let mut m0 = vec![0.0; g_count * p];
        let mut m1 = vec![0.0; g_count * p];
        let mut a_g = vec![0.0; p * p];
        let mut b0_g = vec![0.0; p];
        let mut b1_g = vec![0.0; p];
        for g in 0..g_count {
            a_g.iter_mut().for_each(|v| *v = 0.0);
            b0_g.iter_mut().for_each(|v| *v = 0.0);
            b1_g.iter_mut().for_each(|v| *v = 0.0);
            for i in model.starts[g]..model.starts[g + 1] {
                let row = &model.x[i * p..(i + 1) * p];
                for a in 0..p {
                    b0_g[a] += row[a] * u0[i];
                    b1_g[a] += row[a] * u1[i];
                    for b in 0..p {
                        a_g[a * p + b] += row[a] * row[b];
                    }
                }
            }
            cg[g * p..(g + 1) * p].copy_from_slice(&mat_vec(&a_g, &q, p));
            f0[g] = q.iter().zip(&b0_g).map(|(a, b)| a * b).sum();
            f1[g] = q.iter().zip(&b1_g).map(|(a, b)| a * b).sum();
            m0[g * p..(g + 1) * p].copy_from_slice(&mat_vec(m, &b0_g, p));
            m1[g * p..(g + 1) * p].copy_from_slice(&mat_vec(m, &b1_g, p));
        }

        // Each draw: δ = Σ_g w_g m_g is β* − β_restricted; its j-th element the numerator;
        // cluster g's score along q is w_g f_g − c_g'δ.
        let weights = rademacher_weights(seed, draws, g_count);
        let mut out = Vec::with_capacity(draws);
        let mut d0 = vec![0.0; p];
        let mut d1 = vec![0.0; p];
        for w in weights.chunks_exact(g_count) {
            d0.iter_mut().for_each(|v| *v = 0.0);
            d1.iter_mut().for_each(|v| *v = 0.0);
            for (g, &wg) in w.iter().enumerate() {
                for a in 0..p {
                    d0[a] += wg * m0[g * p + a];
                    d1[a] += wg * m1[g * p + a];
                }
            }
            let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
            for (g, &wg) in w.iter().enumerate() {
                let c = &cg[g * p..(g + 1) * p];
                let v0 = wg * f0[g] - c.iter().zip(&d0).map(|(a, b)| a * b).sum::<f64>();
                let v1 = wg * f1[g] - c.iter().zip(&d1).map(|(a, b)| a * b).sum::<f64>();
                s00 += v0 * v0;
                s01 += v0 * v1;
                s11 += v1 * v1;
            }
            out.push([d0[j], d1[j], s00, s01, s11]);
        }

        let fit = model.fit();
        let coefficient = &fit.coefficients[index];
        Ok(WildBootstrap {
            term: coefficient.term.clone(),
            estimate: coefficient.estimate,
            se: coefficient.se,
            clusters: g_count,
            seed,
            draws: out,
            c: model.small_sample_factor(),
        })
    }

    /// The bootstrap t statistics of the null β = b0, one per draw.
    pub fn t_draws(&self, b0: f64) -> Vec<f64> {
        self.draws.iter().map(|d| self.t_star(d, b0)).collect()
    }

    fn t_star(&self, d: &[f64; 5], b0: f64) -> f64 {
        let [n0, n1, s00, s01, s11] = *d;
        let num = n0 - b0 * n1;
        let var = self.c * (s00 - 2.0 * b0 * s01 + b0 * b0 * s11);
        if var > 0.0 { num / var.sqrt() } else { 0.0 }
    }

    /// The observed t statistic of the null β = b0 (CR1 standard error).
    pub fn t_observed(&self, b0: f64) -> f64 {
        (self.estimate - b0) / self.se
    }

    /// The bootstrap p-value of β = b0: the share of draws with |t*| ≥ |t|.
    pub fn p_value(&self, b0: f64) -> f64 {
        let t = self.t_observed(b0).abs();
        // A hair of tolerance so that draws equal to the observed statistic in exact
        // arithmetic count as equal.
        let t = t * (1.0 - 1e-12);
        let hits = self.draws.iter().filter(|d| self.t_star(d, b0).abs() >= t).count();
        hits as f64 / self.draws.len() as f64
    }

    /// The interval at `level`: from the estimate outwards on each side, the last b0 not
    /// rejected (p-value above 1 − level), to a millionth of the standard error.
    pub fn interval(&self, level: f64) -> Result<(f64, f64), BootstrapError> {
        if !(level > 0.0 && level < 1.0) {
            return Err(BootstrapError::Level(level));
        }
        let alpha = 1.0 - level;
        let se = if self.se > 0.0 { self.se } else { 1.0 };
        let side = |dir: f64| -> f64 {
            let accepted = |b: f64| self.p_value(b) > alpha;
            let mut inside = self.estimate;
            let mut step = se;
            let mut outside = self.estimate + dir * step;
            let mut tries = 0;
            while accepted(outside) {
                inside = outside;
                step *= 2.0;
                outside = self.estimate + dir * step;
                tries += 1;
                if tries > 60 {
                    return dir * f64::INFINITY;
                }
            }
            for _ in 0..200 {
                if (outside - inside).abs() <= 1e-6 * se {
                    break;
                }
                let mid = 0.5 * (inside + outside);
                if accepted(mid) {
                    inside = mid;
                } else {
                    outside = mid;
                }
            }
            0.5 * (inside + outside)
        };
        Ok((side(-1.0), side(1.0)))
    }

    /// The full result at `level`.
    pub fn result(&self, level: f64) -> Result<WildInterval, BootstrapError> {
        let (low, high) = self.interval(level)?;
        Ok(WildInterval {
            term: self.term.clone(),
            estimate: self.estimate,
            level,
            low,
            high,
            p_value: self.p_value(0.0),
            draws: self.draws.len(),
            seed: self.seed,
            clusters: self.clusters,
            coarse: self.clusters <= COARSE_CLUSTERS,
        })
    }
}

/// The WCR interval (and p-value of β = 0) of `model`'s coefficient `index`.
pub fn wild_cluster_interval(
    model: &Model,
    index: usize,
    draws: usize,
    seed: u64,
    level: f64,
) -> Result<WildInterval, BootstrapError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(BootstrapError::Level(level));
    }
    WildBootstrap::new(model, index, draws, seed)?.result(level)
}
