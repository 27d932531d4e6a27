//! The special functions the intervals need: erfc and Student's t.

use super::*;

/// The complementary error function, to about 1e-15 relative accuracy for `x >= 0`
/// (`erfc(-x) = 2 - erfc(x)`).
///
/// Below 1.5 it sums the everywhere-positive series `erf(x) = 2/sqrt(pi) e^(-x^2) sum 2^n
/// x^(2n+1) / (1 3 5 ... (2n+1))` (there `1 - erf` loses no precision to cancellation); from 1.5
/// on it evaluates the Laplace continued fraction (120 terms: converged to rounding there).
pub(crate) fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;
    if x < 1.5 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut k = 0.0;
        loop {
            k += 1.0;
            term *= 2.0 * x2 / (2.0 * k + 1.0);
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
        }
        1.0 - FRAC_2_SQRT_PI * (-x2).exp() * sum
    } else if x > 27.3 {
        0.0 // underflows
    } else {
        // erfc(x) = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))
        let mut f = x;
        for k in (1..=120).rev() {
            f = x + (k as f64 / 2.0) / f;
        }
        FRAC_2_SQRT_PI / 2.0 * (-x * x).exp() / f
    }
}

/// `P(|T| < t)` for Student's t with `df` degrees of freedom (integer), by the finite sums of
/// Abramowitz & Stegun 26.7.3-4.
pub(crate) fn t_two_sided_cdf(t: f64, df: u64) -> f64 {
    let theta = (t / (df as f64).sqrt()).atan();
    let (s, c) = theta.sin_cos();
    let c2 = c * c;
    if df % 2 == 1 {
        let mut sum = 0.0;
        if df > 1 {
            let mut term = c;
            sum = c;
            for j in 1..=(df - 3) / 2 {
                term *= (2 * j) as f64 / (2 * j + 1) as f64 * c2;
                sum += term;
            }
        }
        std::f64::consts::FRAC_2_PI * (theta + s * sum)
    } else {
        let mut term = 1.0;
        let mut sum = 1.0;
        for j in 1..=(df - 2) / 2 {
            term *= (2 * j - 1) as f64 / (2 * j) as f64 * c2;
            sum += term;
        }
        s * sum
    }
}

/// The 97.5% quantile of Student's t with `df >= 1` degrees of freedom (the multiplier of a
/// two-sided 95% interval). Exact (bisection on the closed-form distribution) up to 200 degrees
/// of freedom, the Cornish-Fisher expansion of A&S 26.7.5 beyond (error below 1e-10 there).
pub(crate) fn t_critical_95(df: u64) -> f64 {
    let df = df.max(1);
    if df > 200 {
        let x = Z975_EXACT;
        let v = df as f64;
        let (x2, x3) = (x * x, x * x * x);
        let (x5, x7, x9) = (x3 * x2, x3 * x2 * x2, x3 * x3 * x3);
        let g1 = (x3 + x) / 4.0;
        let g2 = (5.0 * x5 + 16.0 * x3 + 3.0 * x) / 96.0;
        let g3 = (3.0 * x7 + 19.0 * x5 + 17.0 * x3 - 15.0 * x) / 384.0;
        let g4 = (79.0 * x9 + 776.0 * x7 + 1482.0 * x5 - 1920.0 * x3 - 945.0 * x) / 92160.0;
        return x + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
    }
    let (mut lo, mut hi) = (Z975_EXACT, 13.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if t_two_sided_cdf(mid, df) < 0.95 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}
