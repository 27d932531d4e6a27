//! The rule-based models and Shapley, over aggregated paths: each converting path's credit is
//! split over its touches by fractions that sum to 1, then multiplied by the path's
//! conversions and by its value.

use super::table::{Credits, PathTable};

/// Adds every converting path's conversions and value, split by `fractions(path, out)` (which
/// fills one fraction per touch, summing to 1).
fn spread(t: &PathTable, mut fractions: impl FnMut(&[u32], &mut Vec<f64>)) -> Credits {
    let mut out = Credits::zero(t.names.len());
    let mut f = Vec::new();
    for p in 0..t.len() {
        let (conv, value) = (t.conversions[p], t.value[p]);
        if conv == 0.0 && value == 0.0 {
            continue;
        }
        let path = t.path(p);
        f.clear();
        fractions(path, &mut f);
        for (&id, &share) in path.iter().zip(&f) {
            if share != 0.0 {
                out.conversions[id as usize] += share * conv;
                out.value[id as usize] += share * value;
            }
        }
    }
    out
}

/// All credit to the first touch.
pub(crate) fn first_touch(t: &PathTable) -> Credits {
    spread(t, |p, f| {
        f.resize(p.len(), 0.0);
        f[0] = 1.0;
    })
}

/// All credit to the last touch.
pub(crate) fn last_touch(t: &PathTable) -> Credits {
    spread(t, |p, f| {
        f.resize(p.len(), 0.0);
        f[p.len() - 1] = 1.0;
    })
}

/// `1 / n` to each of the `n` touches (each occurrence counts).
pub(crate) fn linear(t: &PathTable) -> Credits {
    spread(t, |p, f| f.resize(p.len(), 1.0 / p.len() as f64))
}

/// Position based with weights `[first, middle, last]` summing to 1: one touch gets all;
/// two split `first : last`; more get `first`, `last`, and `middle / (n - 2)` each in between.
pub(crate) fn position_based(t: &PathTable, w: [f64; 3]) -> Credits {
    let [first, middle, last] = w;
    spread(t, |p, f| match p.len() {
        1 => f.push(1.0),
        2 => {
            let ends = first + last;
            if ends > 0.0 {
                f.extend([first / ends, last / ends]);
            } else {
                f.extend([0.5, 0.5]);
            }
        }
        n => {
            f.push(first);
            f.resize(n - 1, middle / (n - 2) as f64);
            f.push(last);
        }
    })
}

/// Exact Shapley values of the game `v(S)` = conversions (or value) of the paths whose set of
/// names is a subset of `S`. That game is a sum of unanimity games, one per path, so each path
/// gives `1 / |set|` of its credit to each distinct name in it.
pub(crate) fn shapley(t: &PathTable) -> Credits {
    let mut seen = vec![u32::MAX; t.names.len()];
    let mut stamp = 0u32;
    spread(t, |p, f| {
        stamp += 1;
        for &id in p {
            let first = seen[id as usize] != stamp;
            seen[id as usize] = stamp;
            f.push(if first { 1.0 } else { 0.0 });
        }
        let k = f.iter().sum::<f64>();
        for x in f.iter_mut() {
            *x /= k;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::attribution::PathRow;
    use crate::metrics::fixtures::{close, path_table};

    fn t() -> PathTable {
        path_table(&[
            ("a>b>a>c", 2.0, 40.0, 1.0),
            ("b", 1.0, 5.0, 0.0),
            ("c>b", 0.0, 0.0, 9.0),
        ])
    }

    #[test]
    fn rule_based_models_by_hand() {
        let t = t();
        // a>b>a>c twice (40), b once (5); names a, b, c.
        close(&first_touch(&t).conversions, &[2.0, 1.0, 0.0]);
        close(&first_touch(&t).value, &[40.0, 5.0, 0.0]);
        close(&last_touch(&t).conversions, &[0.0, 1.0, 2.0]);
        // linear: a 2 x 2/4 = 1, b 2/4 + 1 = 1.5, c 0.5
        close(&linear(&t).conversions, &[1.0, 1.5, 0.5]);
        close(&linear(&t).value, &[20.0, 15.0, 10.0]);
        // position 40/20/40: a .4 + .1, b .1, c .4 (x2), b 1
        close(
            &position_based(&t, [0.4, 0.2, 0.4]).conversions,
            &[1.0, 1.2, 0.8],
        );
        // shapley: {a,b,c} 1/3 each (x2), {b} 1
        close(&shapley(&t).conversions, &[2.0 / 3.0, 5.0 / 3.0, 2.0 / 3.0]);
        close(
            &shapley(&t).value,
            &[40.0 / 3.0, 40.0 / 3.0 + 5.0, 40.0 / 3.0],
        );
    }

    #[test]
    fn position_based_two_touches_and_custom_weights() {
        let two = PathTable::from_rows(vec![PathRow {
            path: "a>b".into(),
            total_conversions: 1.0,
            ..Default::default()
        }])
        .unwrap();
        close(
            &position_based(&two, [0.4, 0.2, 0.4]).conversions,
            &[0.5, 0.5],
        );
        close(
            &position_based(&two, [0.3, 0.6, 0.1]).conversions,
            &[0.75, 0.25],
        );
        close(
            &position_based(&two, [0.0, 1.0, 0.0]).conversions,
            &[0.5, 0.5],
        );
        close(
            &position_based(&t(), [0.0, 1.0, 0.0]).conversions,
            &[1.0, 2.0, 0.0],
        );
    }
}
