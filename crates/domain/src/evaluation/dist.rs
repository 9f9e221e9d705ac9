//! Student's t distribution for a whole number of degrees of freedom, exact.
//!
//! Every t distribution the evaluation needs has whole degrees of freedom (G − 1 clusters
//! for an estimate, J − 2 for a planned design), and for those the distribution function
//! is a finite trigonometric sum: no series is cut short, so a confidence interval matches
//! what scipy gives to the last digits. `distrs` gives the quantile's first guess (Hill's
//! algorithm 396, good to a few digits); Newton's method on the exact function finishes it.

use distrs::StudentsT;
use std::f64::consts::PI;

/// P(T ≤ x) for T ~ t(ν), ν ≥ 1.
///
/// With θ = atan(x/√ν), s = sin θ and c² = cos² θ: for odd ν,
/// F = ½ + (θ + s·c·(1 + ⅔c² + (2·4)/(3·5)c⁴ + …)) / π with (ν − 3)/2 terms after the 1;
/// for even ν, F = ½ + ½·s·(1 + ½c² + (1·3)/(2·4)c⁴ + …) with ν/2 − 1 terms after the 1.
pub fn t_cdf(x: f64, df: u64) -> f64 {
    assert!(df >= 1, "a t distribution has at least one degree of freedom");
    if x.is_nan() {
        return f64::NAN;
    }
    if x.is_infinite() {
        return if x > 0.0 { 1.0 } else { 0.0 };
    }
    let nu = df as f64;
    let theta = (x / nu.sqrt()).atan();
    let (s, c) = (theta.sin(), theta.cos());
    let c2 = c * c;
    if df % 2 == 1 {
        let mut sum = 0.0;
        if df > 1 {
            let mut term = 1.0;
            sum = 1.0;
            let mut k = 1u64;
            while 2 * k < df - 1 {
                term *= c2 * (2 * k) as f64 / (2 * k + 1) as f64;
                sum += term;
                k += 1;
            }
            sum *= s * c;
        }
        0.5 + (theta + sum) / PI
    } else {
        let mut term = 1.0;
        let mut sum = 1.0;
        let mut k = 1u64;
        while 2 * k < df {
            term *= c2 * (2 * k - 1) as f64 / (2 * k) as f64;
            sum += term;
            k += 1;
        }
        0.5 + 0.5 * s * sum
    }
}

/// The density of t(ν) at x. The constant Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) is built by the
/// recurrence r(ν+2) = r(ν)·(ν+1)/ν on r(ν) = Γ((ν+1)/2)/Γ(ν/2), which never overflows
/// where the gamma function itself would (ν above 340).
pub fn t_pdf(x: f64, df: u64) -> f64 {
    let mut r = if df % 2 == 1 { 1.0 / PI.sqrt() } else { PI.sqrt() / 2.0 };
    let mut n = if df % 2 == 1 { 1 } else { 2 };
    while n < df {
        r *= (n + 1) as f64 / n as f64;
        n += 2;
    }
    let nu = df as f64;
    r / (nu * PI).sqrt() * (1.0 + x * x / nu).powf(-(nu + 1.0) / 2.0)
}

/// The quantile: the x with P(T ≤ x) = p, for 0 < p < 1.
pub fn t_quantile(p: f64, df: u64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "a quantile is asked for a probability strictly between 0 and 1");
    if p == 0.5 {
        return 0.0;
    }
    let mut x = StudentsT::ppf(p, df as f64);
    if !x.is_finite() {
        x = 0.0;
    }
    for _ in 0..50 {
        let step = (t_cdf(x, df) - p) / t_pdf(x, df);
        if !step.is_finite() {
            break;
        }
        x -= step;
        if step.abs() <= 1e-15 * x.abs().max(1.0) {
            break;
        }
    }
    x
}

/// Two-sided p-value of a t statistic on `df` degrees of freedom.
pub fn t_two_sided(t: f64, df: u64) -> f64 {
    (2.0 * t_cdf(-t.abs(), df)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // scipy.stats.t.ppf(0.975, df) for df = 1, 2, 5, 30, 4999.
        let cases = [
            (1, 12.706204736174694),
            (2, 4.302652729749462),
            (5, 2.5705818356363146),
            (30, 2.0422724563012378),
            (4999, 1.9604386466615247),
        ];
        for (df, want) in cases {
            let got = t_quantile(0.975, df);
            assert!((got - want).abs() < 1e-9, "df {df}: {got} against {want}");
            assert!((t_cdf(want, df) - 0.975).abs() < 1e-12);
        }
        // scipy.stats.t.ppf(0.8, 38)
        assert!((t_quantile(0.8, 38) - 0.8511827564679453).abs() < 1e-9);
        assert!((t_two_sided(2.0, 10) - 0.07338803477074037).abs() < 1e-12);
    }
}
