//! The little dense algebra the estimators need: the normal equations are p × p with p
//! the number of round and treatment columns (a handful), so a Cholesky factor written
//! here is all there is to it.

/// The inverse of a symmetric positive definite p × p matrix (row-major), through its
/// Cholesky factor. `Err(j)` names the first column that is (numerically) a combination of
/// the ones before it: its pivot fell below 1e-10 of its own diagonal.
pub fn spd_inverse(a: &[f64], p: usize) -> Result<Vec<f64>, usize> {
    debug_assert_eq!(a.len(), p * p);
    let mut l = vec![0.0; p * p];
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= l[j * p + k] * l[j * p + k];
        }
        let diag = a[j * p + j];
        // NaN fails the first test as well.
        let kept = d > 1e-10 * diag && diag > f64::MIN_POSITIVE;
        if !kept {
            return Err(j);
        }
        let d = d.sqrt();
        l[j * p + j] = d;
        for i in j + 1..p {
            let mut v = a[i * p + j];
            for k in 0..j {
                v -= l[i * p + k] * l[j * p + k];
            }
            l[i * p + j] = v / d;
        }
    }
    // Solve L Lᵀ X = I column by column.
    let mut inv = vec![0.0; p * p];
    let mut z = vec![0.0; p];
    for col in 0..p {
        for i in 0..p {
            let mut v = if i == col { 1.0 } else { 0.0 };
            for k in 0..i {
                v -= l[i * p + k] * z[k];
            }
            z[i] = v / l[i * p + i];
        }
        for i in (0..p).rev() {
            let mut v = z[i];
            for k in i + 1..p {
                v -= l[k * p + i] * inv[k * p + col];
            }
            inv[i * p + col] = v / l[i * p + i];
        }
    }
    Ok(inv)
}

/// y = A x for a p × p row-major A.
pub fn mat_vec(a: &[f64], x: &[f64], p: usize) -> Vec<f64> {
    (0..p).map(|i| (0..p).map(|k| a[i * p + k] * x[k]).sum()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_and_names_the_collinear_column() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let inv = spd_inverse(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        // Third column = first + second.
        let b = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0];
        assert_eq!(spd_inverse(&b, 3), Err(2));
        assert_eq!(spd_inverse(&[0.0], 1), Err(0));
    }
}
