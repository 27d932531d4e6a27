//! The Markov-chain model: removal effects computed exactly from the absorbing-chain equations.
//!
//! States are the k-tuples of the last k touches (k = `order`, 1..=4), padded with a start
//! marker at the beginning of a path, plus `(start)`, `(conversion)` and `(null)`. Transition
//! probabilities are the aggregated transition counts of all paths, converting and not, each
//! divided by its state's total. `x_s`, the probability of reaching `(conversion)` from state
//! `s`, solves `x_s = P(s -> conversion) + sum_t P(s -> t) x_t`; the chain's conversion
//! probability is `P = sum_s P(start -> s) x_s`. Removing channel `c` fixes `x_s = 0` for every
//! state containing `c` (every transition into such a state goes to `(null)`).
//!
//! The system is solved one strongly connected component at a time, sinks first (Tarjan's
//! order), so acyclic parts cost one pass. A component is solved directly (Gaussian elimination
//! with partial pivoting) when it has at most [`DENSE_MAX`] states, else by Gauss-Seidel from
//! 0 (the values rise monotonically to the solution). Gauss-Seidel stops when the estimated
//! error bound `delta rho / (1 - rho)` is at most [`GS_TOL`], with `delta` the largest change
//! of the last sweep and `rho` the contraction per sweep estimated from successive deltas (the
//! larger of the last two ratios). A component that does not get there within
//! [`GS_MAX_SWEEPS`] sweeps is solved densely if it has at most [`DENSE_FALLBACK_MAX`] states,
//! else the model fails with a clear error (never a silent unconverged answer). Everything
//! runs in a fixed order: the same input gives the same bits.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::table::PathTable;
use crate::error::{Error, Result};

/// Largest strongly connected component solved by dense Gaussian elimination.
pub(crate) const DENSE_MAX: usize = 192;
/// Gauss-Seidel stops when its estimated error bound is at most this (every `x_s`).
pub(crate) const GS_TOL: f64 = 1e-12;
/// Sweep deltas at or below this are rounding noise (the values are probabilities, <= 1).
const GS_NOISE: f64 = 64.0 * f64::EPSILON;
/// Gauss-Seidel gives up after this many sweeps.
pub(crate) const GS_MAX_SWEEPS: usize = 100_000;
/// A component on which Gauss-Seidel gives up is solved densely if it is at most this large
/// (about 32 MB of matrix), else the model returns an error.
pub(crate) const DENSE_FALLBACK_MAX: usize = 2048;
/// Dense transition counting up to this many states, a hash map above.
const DENSE_COUNTS_MAX: usize = 1024;
/// Higher-order states are numbered through a flat table when all tuples fit in this many slots.
const DENSE_KEYS_MAX: u64 = 1 << 20;

const NONE: u32 = u32::MAX;

/// Name of the start state in a transition matrix.
pub const START: &str = "(start)";
/// Name of the conversion state.
pub const CONVERSION: &str = "(conversion)";
/// Name of the null (no conversion) state.
pub const NULL: &str = "(null)";

/// What a state of the Markov chain is. A channel may be named `(start)` or `(null)`: the
/// kind, not the name, tells the chain's own states apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// Where every path begins (named `(start)`).
    Start,
    /// A channel (order 1) or a tuple of the last k channels.
    Channel,
    /// The absorbing conversion state (named `(conversion)`).
    Conversion,
    /// The absorbing no-conversion state (named `(null)`).
    Null,
}

/// One entry of the Markov transition matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// From state: `(start)`, or a channel (order 1) or the last k channels joined with `>`
    /// (order k; shorter at the start of a path).
    pub from: String,
    /// To state: a channel state, `(conversion)` or `(null)`.
    pub to: String,
    /// What `from` is (a channel named `(start)` has kind `channel`).
    pub from_kind: StateKind,
    /// What `to` is.
    pub to_kind: StateKind,
    /// Number of transitions in the aggregated paths (weighted by path counts).
    pub count: f64,
    /// `count / total count out of from`.
    pub probability: f64,
}

/// What the Markov model computes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Markov {
    /// `P(conversion)` from the start; `None` without any path.
    pub probability: Option<f64>,
    /// Per name: the removal effect, `None` for names in no path or when `P = 0`.
    pub removal_effects: Vec<Option<f64>>,
    /// The transition matrix, if asked.
    pub transitions: Option<Vec<Transition>>,
}

/// The absorbing chain's transient part, in compressed rows.
#[derive(Debug)]
pub(crate) struct Chain {
    /// Per state, the tuple of (name id + 1), oldest first, 0 = padding or unused.
    keys: Vec<[u32; 4]>,
    order: usize,
    row: Vec<usize>,
    col: Vec<u32>,
    prob: Vec<f64>,
    count: Vec<f64>,
    to_conv: Vec<f64>,
    conv_count: Vec<f64>,
    null_count: Vec<f64>,
    /// `(state, probability, count)` out of the start.
    start: Vec<(u32, f64, f64)>,
    /// Strongly connected components, sinks first.
    sccs: Vec<Vec<u32>>,
}

/// The tuple key of the state reached at touch `i` of `path`.
pub(crate) fn key_at(path: &[u32], i: usize, order: usize) -> [u32; 4] {
    let mut key = [0u32; 4];
    let from = (i + 1).saturating_sub(order);
    let pad = order - (i + 1 - from);
    for (k, &t) in path[from..=i].iter().enumerate() {
        key[pad + k] = t + 1;
    }
    key
}

/// Transition counts, dense for small chains.
enum Counts {
    /// `(n + 1) x (n + 2)`: rows states then start, columns states then conversion, null.
    Dense(Vec<f64>, usize),
    Sparse(FxHashMap<(u32, u32), f64>),
}

impl Counts {
    fn add(&mut self, from: u32, to: u32, w: f64) {
        match self {
            Counts::Dense(m, n) => m[from as usize * (*n + 2) + to as usize] += w,
            Counts::Sparse(m) => *m.entry((from, to)).or_insert(0.0) += w,
        }
    }
    /// `(from, to, count)` with `count > 0`, sorted by `from` then `to`.
    fn into_sorted(self) -> Vec<(u32, u32, f64)> {
        match self {
            Counts::Dense(m, n) => {
                let w = n + 2;
                m.iter()
                    .enumerate()
                    .filter(|(_, &c)| c > 0.0)
                    .map(|(i, &c)| ((i / w) as u32, (i % w) as u32, c))
                    .collect()
            }
            Counts::Sparse(m) => {
                let mut v: Vec<(u32, u32, f64)> = m
                    .into_iter()
                    .filter(|&(_, c)| c > 0.0)
                    .map(|((a, b), c)| (a, b, c))
                    .collect();
                v.sort_unstable_by_key(|&(a, b, _)| (a, b));
                v
            }
        }
    }
}

impl Chain {
    /// Builds the chain of order `order` from the paths of `t` (paths with neither conversions
    /// nor nulls carry no weight and are skipped).
    pub(crate) fn new(t: &PathTable, order: usize) -> Chain {
        Chain::build(t, order, DENSE_KEYS_MAX)
    }

    /// [`Chain::new`] with tuples numbered through a flat table of at most `key_slots` slots.
    fn build(t: &PathTable, order: usize, key_slots: u64) -> Chain {
        // Long because the states, their ids and the transition table are built in one sequence
        // over the same paths.
        assert!((1..=4).contains(&order), "order checked by the caller");
        let n_names = t.names.len();
        // State ids: order 1 uses the name ids; higher orders number the tuples seen, then
        // renumber them in tuple order so ids do not depend on the order of the paths.
        let (keys, seq): (Vec<[u32; 4]>, Option<Vec<u32>>) = if order == 1 {
            (
                (0..n_names as u32).map(|c| [c + 1, 0, 0, 0]).collect(),
                None,
            )
        } else {
            let mut keys = Vec::new();
            let mut seq = vec![NONE; t.touches.len()];
            // A tuple is a number in base (names + 1), oldest digit first, 0 = padding; with
            // few names every tuple has a slot in a flat table, else a hash map numbers them.
            let radix = n_names as u64 + 1;
            let space = radix.checked_pow(order as u32).filter(|&s| s <= key_slots);
            let mut slots = vec![NONE; space.unwrap_or(0) as usize];
            let mut index: FxHashMap<[u32; 4], u32> = FxHashMap::default();
            for p in 0..t.len() {
                if t.conversions[p] + t.nulls[p] <= 0.0 {
                    continue;
                }
                let path = t.path(p);
                let mut code = 0u64;
                for i in 0..path.len() {
                    let id = match space {
                        Some(space) => {
                            code = (code * radix + path[i] as u64 + 1) % space;
                            let slot = &mut slots[code as usize];
                            if *slot == NONE {
                                *slot = keys.len() as u32;
                                keys.push(key_at(path, i, order));
                            }
                            *slot
                        }
                        None => {
                            let key = key_at(path, i, order);
                            *index.entry(key).or_insert_with(|| {
                                keys.push(key);
                                keys.len() as u32 - 1
                            })
                        }
                    };
                    seq[t.offsets[p] + i] = id;
                }
            }
            let mut by_key: Vec<u32> = (0..keys.len() as u32).collect();
            by_key.sort_unstable_by_key(|&s| keys[s as usize]);
            let mut remap = vec![0u32; keys.len()];
            for (new, &old) in by_key.iter().enumerate() {
                remap[old as usize] = new as u32;
            }
            for s in seq.iter_mut().filter(|s| **s != NONE) {
                *s = remap[*s as usize];
            }
            let keys = by_key.iter().map(|&s| keys[s as usize]).collect();
            (keys, Some(seq))
        };
        let n = keys.len();
        let (start, conv, null) = (n as u32, n as u32, n as u32 + 1);
        let mut counts = if n <= DENSE_COUNTS_MAX {
            Counts::Dense(vec![0.0; (n + 1) * (n + 2)], n)
        } else {
            Counts::Sparse(FxHashMap::default())
        };
        for p in 0..t.len() {
            let (c, nl) = (t.conversions[p], t.nulls[p]);
            let w = c + nl;
            if w <= 0.0 {
                continue;
            }
            let r = t.offsets[p]..t.offsets[p + 1];
            let states = match &seq {
                Some(s) => &s[r],
                None => &t.touches[r],
            };
            let mut prev = start;
            for &s in states {
                counts.add(prev, s, w);
                prev = s;
            }
            if c > 0.0 {
                counts.add(prev, conv, c);
            }
            if nl > 0.0 {
                counts.add(prev, null, nl);
            }
        }
        Chain::assemble(keys, order, counts.into_sorted())
    }

    /// The chain of order `order` from its states' tuple keys (sorted, as [`key_at`] makes
    /// them) and its transition counts `(from, to, count)`, sorted by `from` then `to`, all
    /// positive: `from` is a state or the start (numbered `keys.len()`), `to` a state, the
    /// conversion (`keys.len()`) or the null state (`keys.len() + 1`). The counts alone decide
    /// the chain, so a live analysis that keeps them up to date gets the chain of its paths
    /// without reading them.
    pub(crate) fn assemble(
        keys: Vec<[u32; 4]>,
        order: usize,
        entries: Vec<(u32, u32, f64)>,
    ) -> Chain {
        let n = keys.len();
        let (start, conv, null) = (n as u32, n as u32, n as u32 + 1);
        let mut chain = Chain {
            keys,
            order,
            row: vec![0; n + 1],
            col: Vec::new(),
            prob: Vec::new(),
            count: Vec::new(),
            to_conv: vec![0.0; n],
            conv_count: vec![0.0; n],
            null_count: vec![0.0; n],
            start: Vec::new(),
            sccs: Vec::new(),
        };
        let mut out_total = vec![0.0f64; n + 1];
        for &(a, _, c) in &entries {
            out_total[a as usize] += c;
        }
        for &(a, b, c) in &entries {
            let p = c / out_total[a as usize];
            if a == start {
                chain.start.push((b, p, c));
            } else if b == conv {
                chain.to_conv[a as usize] = p;
                chain.conv_count[a as usize] = c;
            } else if b == null {
                chain.null_count[a as usize] = c;
            } else {
                chain.row[a as usize + 1] += 1;
                chain.col.push(b);
                chain.prob.push(p);
                chain.count.push(c);
            }
        }
        for s in 0..n {
            chain.row[s + 1] += chain.row[s];
        }
        chain.sccs = tarjan(n, &chain.row, &chain.col);
        chain
    }

    /// The fit of the chain to the paths it was estimated from: the log-likelihood
    /// `sum over transitions of count x ln(count / count out of its state)` (the start row
    /// included), the number of transitions observed (the sum of all counts) and the number
    /// of states left at least once (at order 1 the chain has a state for every name, seen
    /// in a path or not).
    pub(crate) fn log_likelihood(&self) -> (f64, f64, usize) {
        fn row(counts: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
            let total: f64 = counts.clone().sum();
            if total <= 0.0 {
                return (0.0, 0.0);
            }
            let ll = counts
                .filter(|&c| c > 0.0)
                .map(|c| c * (c / total).ln())
                .sum();
            (ll, total)
        }
        let (mut ll, mut n) = row(self.start.iter().map(|&(_, _, c)| c));
        let mut visited = 0;
        for s in 0..self.len() {
            let counts = self.count[self.row[s]..self.row[s + 1]]
                .iter()
                .copied()
                .chain([self.conv_count[s], self.null_count[s]]);
            let (l, t) = row(counts);
            ll += l;
            n += t;
            visited += usize::from(t > 0.0);
        }
        (ll, n, visited)
    }

    /// The last `len` touches of state `s` (name id + 1 each, oldest first), or `None` when
    /// the state holds fewer (padding at the start of a path).
    pub(crate) fn last_touches(&self, s: u32, len: usize) -> Option<&[u32]> {
        let tail = &self.keys[s as usize][self.order - len..self.order];
        (!tail.contains(&0)).then_some(tail)
    }

    /// Number of transient states.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The state of tuple `key` (as [`key_at`] makes it), if the chain has one. States are
    /// numbered in tuple order, so this is a binary search.
    pub(crate) fn state(&self, key: &[u32; 4]) -> Option<u32> {
        self.keys.binary_search(key).ok().map(|s| s as u32)
    }

    /// The name id of the newest touch of state `s`.
    pub(crate) fn newest(&self, s: u32) -> u32 {
        self.keys[s as usize][self.order - 1] - 1
    }

    /// `(state, probability, count)` of the transitions out of `s` into states, by state.
    pub(crate) fn successors(&self, s: u32) -> impl Iterator<Item = (u32, f64, f64)> + '_ {
        let r = self.row[s as usize]..self.row[s as usize + 1];
        r.map(move |e| (self.col[e], self.prob[e], self.count[e]))
    }

    /// The probability that the next step out of `s` is the conversion.
    pub(crate) fn to_conversion(&self, s: u32) -> f64 {
        self.to_conv[s as usize]
    }

    /// `P(conversion)` from the start, given the absorption probabilities `x`.
    pub(crate) fn probability_from_start(&self, x: &[f64]) -> f64 {
        self.start.iter().map(|&(s, p, _)| p * x[s as usize]).sum()
    }

    /// Per state, the expected number of further touches before the walk is absorbed
    /// (conversion or null): `E_s = sum_t P(s -> t) (1 + E_t)`. Blocks of up to
    /// [`DENSE_FALLBACK_MAX`] states are solved directly (the values are not bounded by 1, so
    /// the Gauss-Seidel stopping rule, made for probabilities, is kept for larger ones).
    pub(crate) fn expected_touches(&self) -> Result<Vec<f64>> {
        let rhs: Vec<f64> = (0..self.len())
            .map(|s| self.prob[self.row[s]..self.row[s + 1]].iter().sum())
            .collect();
        let mut e = vec![0.0f64; self.len()];
        self.solve_blocks(
            self.sccs.iter().map(Vec::as_slice),
            &|_| false,
            &rhs,
            &mut e,
            &mut vec![NONE; self.len()],
            (DENSE_FALLBACK_MAX, GS_MAX_SWEEPS, DENSE_FALLBACK_MAX),
        )?;
        Ok(e)
    }

    /// States whose tuple contains name `c`.
    #[cfg(test)]
    pub(crate) fn states_with(&self, c: u32) -> Vec<u32> {
        (0..self.len() as u32)
            .filter(|&s| self.keys[s as usize][..self.order].contains(&(c + 1)))
            .collect()
    }

    /// `P(conversion)` from the start with the `removed` states sending everything to null.
    /// Components larger than `dense_max` are solved by Gauss-Seidel.
    #[cfg(test)]
    pub(crate) fn solve(&self, removed: &[bool], dense_max: usize) -> Result<f64> {
        let x = self.absorption(removed, dense_max)?;
        Ok(self.start.iter().map(|&(s, p, _)| p * x[s as usize]).sum())
    }

    /// `x_s` for every state (0 for removed ones).
    pub(crate) fn absorption(&self, removed: &[bool], dense_max: usize) -> Result<Vec<f64>> {
        self.absorption_capped(removed, dense_max, GS_MAX_SWEEPS, DENSE_FALLBACK_MAX)
    }

    /// [`Chain::absorption`] with the Gauss-Seidel cap and the fallback size as parameters.
    fn absorption_capped(
        &self,
        removed: &[bool],
        dense_max: usize,
        max_sweeps: usize,
        fallback_max: usize,
    ) -> Result<Vec<f64>> {
        let mut x = vec![0.0f64; self.len()];
        self.solve_blocks(
            self.sccs.iter().map(Vec::as_slice),
            &|s| removed[s as usize],
            &self.to_conv,
            &mut x,
            &mut vec![NONE; self.len()],
            (dense_max, max_sweeps, fallback_max),
        )?;
        Ok(x)
    }

    /// Solves `x_s = rhs_s + sum_t P(s -> t) x_t` on the `blocks` (sinks first) into `x`,
    /// reading the values of states outside them from `x`; the `removed` states stay at their
    /// value in `x` (0). `rhs` is the one-step probability of conversion for the absorption
    /// probabilities. `pos` is scratch (all `NONE`, and left so); the last argument holds
    /// `dense_max`, the Gauss-Seidel sweep cap and the dense fallback size.
    #[allow(clippy::too_many_arguments)]
    fn solve_blocks<'a>(
        &self,
        blocks: impl Iterator<Item = &'a [u32]>,
        removed: &dyn Fn(u32) -> bool,
        rhs: &[f64],
        x: &mut [f64],
        pos: &mut [u32],
        (dense_max, max_sweeps, fallback_max): (usize, usize, usize),
    ) -> Result<()> {
        let mut members: Vec<u32> = Vec::new();
        let mut b: Vec<f64> = Vec::new();
        let mut a: Vec<f64> = Vec::new();
        for scc in blocks {
            members.clear();
            members.extend(scc.iter().copied().filter(|&s| !removed(s)));
            if members.is_empty() {
                continue;
            }
            for (j, &s) in members.iter().enumerate() {
                pos[s as usize] = j as u32;
            }
            // Right-hand side: conversion plus the already solved states outside the block.
            b.clear();
            for &s in &members {
                let s = s as usize;
                let mut v = rhs[s];
                for e in self.row[s]..self.row[s + 1] {
                    let t = self.col[e] as usize;
                    if pos[t] == NONE {
                        v += self.prob[e] * x[t];
                    }
                }
                b.push(v);
            }
            let m = members.len();
            if m == 1 {
                let s = members[0] as usize;
                x[s] = b[0] / (1.0 - self.self_loop(s));
            } else if m <= dense_max || !self.gauss_seidel(&members, pos, &b, x, max_sweeps) {
                if m > dense_max && m > fallback_max {
                    return Err(Error::argument(
                        "order",
                        format!(
                            "the markov chain did not converge: a strongly connected block of {m} \
                             states needs more than {max_sweeps} gauss-seidel sweeps and is too \
                             large to solve directly (at most {fallback_max} states); try a lower \
                             order or collapse_repeats"
                        ),
                    ));
                }
                // (I - Q) y = b, with partial pivoting.
                self.identity_minus_q(&members, pos, &mut a);
                let y = gauss(&mut a, &mut b, m);
                for (j, &s) in members.iter().enumerate() {
                    x[s as usize] = y[j];
                }
            }
            for &s in &members {
                pos[s as usize] = NONE;
            }
        }
        Ok(())
    }

    /// The probability that state `s` moves to itself.
    fn self_loop(&self, s: usize) -> f64 {
        let mut q = 0.0;
        for e in self.row[s]..self.row[s + 1] {
            if self.col[e] as usize == s {
                q += self.prob[e];
            }
        }
        q
    }

    /// `a` = I - Q on the block `members` (state `members[j]` at position `pos[..] == j`;
    /// [`NONE`] outside the block): row-major, `m` x `m` for `m` members.
    fn identity_minus_q(&self, members: &[u32], pos: &[u32], a: &mut Vec<f64>) {
        let m = members.len();
        a.clear();
        a.resize(m * m, 0.0);
        for (j, &s) in members.iter().enumerate() {
            a[j * m + j] = 1.0;
            let s = s as usize;
            for e in self.row[s]..self.row[s + 1] {
                let k = pos[self.col[e] as usize];
                if k != NONE {
                    a[j * m + k as usize] -= self.prob[e];
                }
            }
        }
    }

    /// Gauss-Seidel on one block (`members`, positions `pos`, right-hand side `b`), from the
    /// current `x` of the members (0, so the iterates rise monotonically to the solution).
    /// Returns whether the estimated error bound reached [`GS_TOL`] within `max_sweeps`.
    fn gauss_seidel(
        &self,
        members: &[u32],
        pos: &[u32],
        b: &[f64],
        x: &mut [f64],
        max_sweeps: usize,
    ) -> bool {
        let (mut prev_delta, mut prev_ratio) = (f64::INFINITY, 1.0f64);
        let mut good_rho: Option<f64> = None;
        for _ in 0..max_sweeps {
            let mut delta = 0.0f64;
            for (j, &s) in members.iter().enumerate() {
                let s = s as usize;
                let (mut v, mut q) = (b[j], 0.0);
                for e in self.row[s]..self.row[s + 1] {
                    let t = self.col[e] as usize;
                    if t == s {
                        q += self.prob[e];
                    } else if pos[t] != NONE {
                        v += self.prob[e] * x[t];
                    }
                }
                let new = v / (1.0 - q);
                delta = delta.max((new - x[s]).abs());
                x[s] = new;
            }
            if delta == 0.0 {
                // A fixed point of the sweep (in floating point): nothing left to gain.
                return true;
            }
            // Contraction per sweep, estimated from successive deltas: the larger of the last
            // two ratios, so one lucky sweep does not stop the iteration. Once the deltas are
            // rounding noise their ratios mean nothing, and the last estimate made above the
            // noise is used.
            let ratio = delta / prev_delta;
            let rho = match good_rho {
                Some(r) if delta <= GS_NOISE => r,
                _ => ratio.max(prev_ratio),
            };
            if delta > GS_NOISE {
                good_rho = Some(rho);
            }
            prev_ratio = ratio;
            prev_delta = delta;
            // For a contraction by rho, the distance to the solution is at most
            // delta rho / (1 - rho).
            if rho < 1.0 && delta * rho / (1.0 - rho) <= GS_TOL {
                return true;
            }
        }
        false
    }

    /// The state's display name.
    fn state_name(&self, s: u32, names: &[String]) -> String {
        self.keys[s as usize][..self.order]
            .iter()
            .filter(|&&k| k != 0)
            .map(|&k| names[k as usize - 1].as_str())
            .collect::<Vec<_>>()
            .join(">")
    }

    /// Every transition with a positive count: the start row first, then the states in tuple
    /// order; within a row, states in order, then conversion, then null.
    pub(crate) fn transitions(&self, names: &[String]) -> Vec<Transition> {
        let mut out = Vec::new();
        for &(s, p, c) in &self.start {
            out.push(Transition {
                from: START.into(),
                to: self.state_name(s, names),
                from_kind: StateKind::Start,
                to_kind: StateKind::Channel,
                count: c,
                probability: p,
            });
        }
        for s in 0..self.len() {
            let total: f64 = self.count[self.row[s]..self.row[s + 1]].iter().sum::<f64>()
                + self.conv_count[s]
                + self.null_count[s];
            if total <= 0.0 {
                continue;
            }
            let from = self.state_name(s as u32, names);
            for e in self.row[s]..self.row[s + 1] {
                out.push(Transition {
                    from: from.clone(),
                    to: self.state_name(self.col[e], names),
                    from_kind: StateKind::Channel,
                    to_kind: StateKind::Channel,
                    count: self.count[e],
                    probability: self.prob[e],
                });
            }
            for (to, kind, c) in [
                (CONVERSION, StateKind::Conversion, self.conv_count[s]),
                (NULL, StateKind::Null, self.null_count[s]),
            ] {
                if c > 0.0 {
                    out.push(Transition {
                        from: from.clone(),
                        to: to.into(),
                        from_kind: StateKind::Channel,
                        to_kind: kind,
                        count: c,
                        probability: c / total,
                    });
                }
            }
        }
        out
    }
}

/// Solves `a y = b` (`a` is `m x m`, row-major) by Gaussian elimination with partial pivoting.
/// `a` is an M-matrix here (`I - Q` with `Q` substochastic and every state able to leave), so
/// it is never singular.
fn gauss(a: &mut [f64], b: &mut [f64], m: usize) -> Vec<f64> {
    for k in 0..m {
        let mut piv = k;
        for r in k + 1..m {
            if a[r * m + k].abs() > a[piv * m + k].abs() {
                piv = r;
            }
        }
        if piv != k {
            for c in 0..m {
                a.swap(k * m + c, piv * m + c);
            }
            b.swap(k, piv);
        }
        let d = a[k * m + k];
        for r in k + 1..m {
            let f = a[r * m + k] / d;
            if f != 0.0 {
                for c in k..m {
                    a[r * m + c] -= f * a[k * m + c];
                }
                b[r] -= f * b[k];
            }
        }
    }
    let mut y = vec![0.0; m];
    for k in (0..m).rev() {
        let mut v = b[k];
        for c in k + 1..m {
            v -= a[k * m + c] * y[c];
        }
        y[k] = v / a[k * m + k];
    }
    y
}

/// Strongly connected components of the graph `row`/`col` (compressed rows), in the order
/// Tarjan's algorithm completes them: every component after all components it can reach.
/// Iterative, so deep chains cannot overflow the stack.
fn tarjan(n: usize, row: &[usize], col: &[u32]) -> Vec<Vec<u32>> {
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, usize)> = Vec::new();
    let mut next = 0u32;
    let mut out = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        call.push((root, row[root as usize]));
        while let Some(&mut (v, ref mut e)) = call.last_mut() {
            let v = v as usize;
            if *e < row[v + 1] {
                let w = col[*e] as usize;
                *e += 1;
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w as u32);
                    on_stack[w] = true;
                    call.push((w as u32, row[w]));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u as usize] = low[u as usize].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        on_stack[w as usize] = false;
                        comp.push(w);
                        if w as usize == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out
}

/// The Markov model over `t` with chains of order `order`.
///
/// The removal effects are not one full solve per channel:
/// - order 1: `P_without_c = P - h_c x_c`, where `h_c` is the probability that a walk from
///   the start ever visits `c` (the walks that never visit `c` are exactly those of the chain
///   without `c`). `h_c = v_c / N_cc` with `v` the expected visits from the start (one
///   transposed solve) and `N_cc` the expected visits to `c` from `c`, which only depend on
///   `c`'s strongly connected block (a walk that returns to `c` never leaves it): `1 / (1 -
///   self-loop)` for a block of one state, the diagonal of the block's inverse otherwise. So
///   the cost is linear in the transitions outside blocks, and cubic in each block's size,
///   which [`MAX_BLOCK`] bounds (a clear error above it).
/// - order 2 to 4: removing `c` changes only the blocks upstream of the states containing
///   `c`; those are solved again from the full solution, the others are reused. The total of
///   these re-solves is bounded by [`MAX_RESOLVE_WORK`] (a clear error above it).
pub(crate) fn markov(
    t: &PathTable,
    order: usize,
    with_matrix: bool,
    dense_max: usize,
) -> Result<Markov> {
    markov_bounded(t, order, with_matrix, dense_max, MAX_RESOLVE_WORK)
}

/// [`markov`] with the bound on the re-solves as a parameter.
fn markov_bounded(
    t: &PathTable,
    order: usize,
    with_matrix: bool,
    dense_max: usize,
    max_work: u64,
) -> Result<Markov> {
    let chain = Chain::new(t, order);
    markov_of_chain(
        &chain,
        &t.present(),
        &t.names,
        with_matrix,
        dense_max,
        max_work,
    )
}

/// [`markov`] from the chain of the paths, the names they go through (`present`, per name of
/// `all_names`) and every name of the table.
pub(crate) fn markov_of_chain(
    chain: &Chain,
    present: &[bool],
    all_names: &[String],
    with_matrix: bool,
    dense_max: usize,
    max_work: u64,
) -> Result<Markov> {
    let order = chain.order;
    let no_path = chain.start.is_empty();
    let names: Vec<u32> = (0..all_names.len() as u32)
        .filter(|&c| present[c as usize])
        .collect();
    if order == 1 {
        chain.check_blocks()?;
    }
    let none = vec![false; chain.len()];
    let x = chain.absorption(&none, dense_max)?;
    let p: f64 = chain.start.iter().map(|&(s, q, _)| q * x[s as usize]).sum();
    let mut removal_effects = vec![None; all_names.len()];
    if !no_path && p > 0.0 {
        let without: Vec<f64> = if order == 1 {
            let h = chain.hit_probabilities();
            names
                .iter()
                .map(|&c| (p - h[c as usize] * x[c as usize]).max(0.0))
                .collect()
        } else {
            chain.removals_upstream(&names, &x, p, dense_max, max_work)?
        };
        for (&c, pc) in names.iter().zip(without) {
            removal_effects[c as usize] = Some(removal_effect(p, pc));
        }
    }
    Ok(Markov {
        probability: (!no_path).then_some(p),
        removal_effects,
        transitions: with_matrix.then(|| chain.transitions(all_names)),
    })
}

/// Largest strongly connected block of a first-order chain (states, i.e. channels or
/// touchpoints that all lead to one another). Its removal effects take one dense
/// factorisation of the block, cubic in its size.
pub const MAX_BLOCK: usize = 1024;

/// Bound on the re-solves of the chains of order 2 to 4: the sum, over the channels, of the
/// states and transitions of the blocks upstream of the channel's states.
pub const MAX_RESOLVE_WORK: u64 = 50_000_000;

impl Chain {
    /// The error for chains beyond [`MAX_BLOCK`].
    fn check_blocks(&self) -> Result<()> {
        let largest = self.sccs.iter().map(Vec::len).max().unwrap_or(0);
        if largest > MAX_BLOCK {
            return Err(Error::argument(
                "model",
                format!(
                    "the markov model supports at most {MAX_BLOCK} channels (or touchpoints) that \
                     all lead to one another; this chain has a block of {largest}; use \
                     level=\"channel\", exclude or group rare names, or another model (see \
                     docs/reliability.md)"
                ),
            ));
        }
        Ok(())
    }

    /// Block index (into `sccs`) of every state.
    fn block_of(&self) -> Vec<u32> {
        let mut of = vec![0u32; self.len()];
        for (k, scc) in self.sccs.iter().enumerate() {
            for &s in scc {
                of[s as usize] = k as u32;
            }
        }
        of
    }

    /// Per state `s`, the probability `h_s` that a walk from the start ever visits `s`:
    /// `v_s / N_ss` (see [`markov`]). Blocks are taken sources first, so the flow into a
    /// block is complete when it is reached.
    fn hit_probabilities(&self) -> Vec<f64> {
        let n = self.len();
        let mut inflow = vec![0.0f64; n];
        for &(s, p, _) in &self.start {
            inflow[s as usize] += p;
        }
        let mut v = vec![0.0f64; n];
        let mut h = vec![0.0f64; n];
        let mut pos = vec![NONE; n];
        let mut a: Vec<f64> = Vec::new();
        for scc in self.sccs.iter().rev() {
            let m = scc.len();
            if m == 1 {
                let s = scc[0] as usize;
                v[s] = inflow[s] / (1.0 - self.self_loop(s));
                h[s] = inflow[s];
            } else {
                for (j, &s) in scc.iter().enumerate() {
                    pos[s as usize] = j as u32;
                }
                // A = I - Q on the block, row-major, factorised A = LU without pivoting (an
                // M-matrix whose rows can all leave the block: the pivots stay positive).
                self.identity_minus_q(scc, &pos, &mut a);
                lu_in_place(&mut a, m);
                // Expected visits: A^T v = inflow, i.e. U^T w = inflow, then L^T v = w.
                let mut w: Vec<f64> = scc.iter().map(|&s| inflow[s as usize]).collect();
                for i in 0..m {
                    let mut t = w[i];
                    for k in 0..i {
                        t -= a[k * m + i] * w[k];
                    }
                    w[i] = t / a[i * m + i];
                }
                for i in (0..m).rev() {
                    let mut t = w[i];
                    for k in i + 1..m {
                        t -= a[k * m + i] * w[k];
                    }
                    w[i] = t;
                }
                let diag = inverse_diagonal(&a, m);
                for (j, &s) in scc.iter().enumerate() {
                    v[s as usize] = w[j];
                    h[s as usize] = (w[j] / diag[j]).min(1.0);
                }
            }
            // Pass the flow on to the blocks downstream.
            for &s in scc {
                let s = s as usize;
                for e in self.row[s]..self.row[s + 1] {
                    let t = self.col[e] as usize;
                    if t != s && pos[t] == NONE {
                        inflow[t] += v[s] * self.prob[e];
                    }
                }
            }
            if m > 1 {
                for &s in scc {
                    pos[s as usize] = NONE;
                }
            }
        }
        h
    }

    /// `P` without each channel of `names`, for chains of order 2 to 4: the blocks upstream
    /// of the channel's states are solved again, the rest of `x` is reused.
    fn removals_upstream(
        &self,
        names: &[u32],
        x: &[f64],
        p: f64,
        dense_max: usize,
        max_work: u64,
    ) -> Result<Vec<f64>> {
        let n = self.len();
        // States of each channel.
        let mut with: Vec<Vec<u32>> =
            vec![Vec::new(); names.iter().map(|&c| c as usize + 1).max().unwrap_or(0)];
        for s in 0..n {
            let key = &self.keys[s][..self.order];
            for (i, &k) in key.iter().enumerate() {
                if k != 0 && !key[..i].contains(&k) && ((k - 1) as usize) < with.len() {
                    with[(k - 1) as usize].push(s as u32);
                }
            }
        }
        let sets: Vec<Vec<u32>> = names
            .iter()
            .map(|&c| std::mem::take(&mut with[c as usize]))
            .collect();
        self.removals_of_sets(&sets, x, p, dense_max, max_work)
    }

    /// `P` with each set of states of `sets` (sorted) removed: the blocks upstream of the
    /// set are solved again, the rest of `x` is reused. The re-solves together may visit at
    /// most `max_work` states and transitions, else a clear error before any of them runs.
    pub(crate) fn removals_of_sets(
        &self,
        sets: &[Vec<u32>],
        x: &[f64],
        p: f64,
        dense_max: usize,
        max_work: u64,
    ) -> Result<Vec<f64>> {
        // Long because the blocks to solve again, the work bound and the solves share the
        // block tables built at the top, in one pass.
        let n = self.len();
        let block = self.block_of();
        let nb = self.sccs.len();
        // Predecessor blocks of each block, and each block's size in states + transitions.
        let mut pred: Vec<Vec<u32>> = vec![Vec::new(); nb];
        let mut cost = vec![0u64; nb];
        for s in 0..n {
            let b = block[s] as usize;
            cost[b] += 1 + (self.row[s + 1] - self.row[s]) as u64;
            for e in self.row[s]..self.row[s + 1] {
                let tb = block[self.col[e] as usize];
                if tb as usize != b {
                    pred[tb as usize].push(b as u32);
                }
            }
        }
        for l in &mut pred {
            l.sort_unstable();
            l.dedup();
        }
        let mut start_p = vec![0.0f64; n];
        for &(s, q, _) in &self.start {
            start_p[s as usize] += q;
        }
        // Blocks upstream of (and including) those of `states`, sinks first.
        let upstream = |states: &[u32], seen: &mut Vec<bool>| -> Vec<u32> {
            let mut out: Vec<u32> = Vec::new();
            for &s in states {
                let b = block[s as usize];
                if !seen[b as usize] {
                    seen[b as usize] = true;
                    out.push(b);
                }
            }
            let mut i = 0;
            while i < out.len() {
                for &q in &pred[out[i] as usize] {
                    if !seen[q as usize] {
                        seen[q as usize] = true;
                        out.push(q);
                    }
                }
                i += 1;
            }
            for &b in &out {
                seen[b as usize] = false;
            }
            out.sort_unstable();
            out
        };
        // The work first, so an oversized model fails before it runs.
        let mut seen = vec![false; nb];
        let mut work = 0u64;
        for set in sets {
            work += upstream(set, &mut seen)
                .iter()
                .map(|&b| cost[b as usize])
                .sum::<u64>();
            if work > max_work {
                return Err(Error::argument(
                    "order",
                    format!(
                        "the markov model of order {} is too large: removing each channel \
                         (or sequence) re-solves more than {max_work} states and transitions; \
                         use a lower order, collapse_repeats or another model (see \
                         docs/reliability.md)",
                        self.order
                    ),
                ));
            }
        }
        let one = |dead: &[u32],
                   xs: &mut Vec<f64>,
                   seen: &mut Vec<bool>,
                   pos: &mut Vec<u32>|
         -> Result<f64> {
            let blocks = upstream(dead, seen);
            let mut states: Vec<u32> = Vec::new();
            for &b in &blocks {
                states.extend_from_slice(&self.sccs[b as usize]);
            }
            for &s in &states {
                xs[s as usize] = 0.0;
            }
            self.solve_blocks(
                blocks.iter().map(|&b| self.sccs[b as usize].as_slice()),
                &|s| dead.binary_search(&s).is_ok(),
                &self.to_conv,
                xs,
                pos,
                (dense_max, GS_MAX_SWEEPS, DENSE_FALLBACK_MAX),
            )?;
            let mut pc = p;
            for &s in &states {
                let s = s as usize;
                if start_p[s] != 0.0 {
                    pc += start_p[s] * (xs[s] - x[s]);
                }
            }
            for &s in &states {
                xs[s as usize] = x[s as usize];
            }
            Ok(pc.max(0.0))
        };
        #[cfg(feature = "parallel")]
        let out: Vec<f64> = {
            use rayon::prelude::*;
            sets.par_iter()
                .map_init(
                    || (x.to_vec(), vec![false; nb], vec![NONE; n]),
                    |(xs, seen, pos), dead| one(dead, xs, seen, pos),
                )
                .collect::<Result<_>>()?
        };
        #[cfg(not(feature = "parallel"))]
        let out: Vec<f64> = {
            let (mut xs, mut seen, mut pos) = (x.to_vec(), vec![false; nb], vec![NONE; n]);
            sets.iter()
                .map(|dead| one(dead, &mut xs, &mut seen, &mut pos))
                .collect::<Result<_>>()?
        };
        Ok(out)
    }
}

/// `a = LU` in place (unit lower `L` below the diagonal, `U` on and above), no pivoting.
fn lu_in_place(a: &mut [f64], m: usize) {
    for k in 0..m {
        let d = a[k * m + k];
        let (top, rest) = a.split_at_mut((k + 1) * m);
        let pivot_row = &top[k * m..];
        for r in 0..m - k - 1 {
            let row = &mut rest[r * m..(r + 1) * m];
            let f = row[k] / d;
            row[k] = f;
            if f != 0.0 {
                for c in k + 1..m {
                    row[c] -= f * pivot_row[c];
                }
            }
        }
    }
}

/// The diagonal of `A^-1` from `A = LU` ([`lu_in_place`]): for each `c`, `L y = e_c`, then
/// `U z = y` down to `z_c`.
fn inverse_diagonal(a: &[f64], m: usize) -> Vec<f64> {
    let mut y = vec![0.0f64; m];
    let mut z = vec![0.0f64; m];
    (0..m)
        .map(|c| {
            y[c] = 1.0;
            for i in c + 1..m {
                let row = &a[i * m..i * m + i];
                let mut t = 0.0;
                for k in c..i {
                    t -= row[k] * y[k];
                }
                y[i] = t;
            }
            for i in (c..m).rev() {
                let row = &a[i * m..(i + 1) * m];
                let mut t = y[i];
                for k in i + 1..m {
                    t -= row[k] * z[k];
                }
                z[i] = t / row[i];
            }
            z[c]
        })
        .collect()
}

/// `1 - pc / p` for `p > 0`. Exactly, `0 <= pc <= p` (removing states cannot add a way to
/// convert); the clamp only absorbs rounding noise, which the debug assertion bounds: relative
/// 1e-9, plus the absolute error Gauss-Seidel may leave in each of the two solves.
fn removal_effect(p: f64, pc: f64) -> f64 {
    debug_assert!(
        pc >= 0.0 && pc <= p * (1.0 + 1e-9) + 2.0 * GS_TOL,
        "P without the channel {pc} exceeds P {p}"
    );
    (1.0 - pc / p).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chain as is (no state removed), then without each channel in turn.
    fn removal_masks(chain: &Chain, channels: usize) -> Vec<Vec<bool>> {
        let mut masks = vec![vec![false; chain.len()]];
        for c in 0..channels as u32 {
            let mut removed = vec![false; chain.len()];
            for s in chain.states_with(c) {
                removed[s as usize] = true;
            }
            masks.push(removed);
        }
        masks
    }
    use crate::metrics::attribution::PathRow;
    use proptest::prelude::*;

    fn table(rows: &[(&str, f64, f64)]) -> PathTable {
        PathTable::from_rows(rows.iter().map(|&(p, c, n)| PathRow {
            path: p.into(),
            total_conversions: c,
            total_conversion_value: 0.0,
            total_null: n,
        }))
        .unwrap()
    }

    /// `x = (I - Q)^-1 r` by Gauss-Jordan inversion of the whole transient matrix, independent
    /// of the component-wise solver.
    fn dense_reference(chain: &Chain, removed: &[bool]) -> f64 {
        let keep: Vec<usize> = (0..chain.len()).filter(|&s| !removed[s]).collect();
        let m = keep.len();
        let mut at = vec![usize::MAX; chain.len()];
        for (j, &s) in keep.iter().enumerate() {
            at[s] = j;
        }
        // Augmented [I - Q | I].
        let w = 2 * m;
        let mut a = vec![0.0; m * w];
        for (j, &s) in keep.iter().enumerate() {
            a[j * w + j] += 1.0;
            a[j * w + m + j] = 1.0;
            for e in chain.row[s]..chain.row[s + 1] {
                let t = chain.col[e] as usize;
                if at[t] != usize::MAX {
                    a[j * w + at[t]] -= chain.prob[e];
                }
            }
        }
        for k in 0..m {
            let piv = (k..m)
                .max_by(|&i, &j| a[i * w + k].abs().total_cmp(&a[j * w + k].abs()))
                .unwrap();
            for c in 0..w {
                a.swap(k * w + c, piv * w + c);
            }
            let d = a[k * w + k];
            for c in 0..w {
                a[k * w + c] /= d;
            }
            for r in 0..m {
                if r != k {
                    let f = a[r * w + k];
                    for c in 0..w {
                        a[r * w + c] -= f * a[k * w + c];
                    }
                }
            }
        }
        // N = (I - Q)^-1; x = N r; P = pi . x
        let x: Vec<f64> = (0..m)
            .map(|i| {
                (0..m)
                    .map(|j| a[i * w + m + j] * chain.to_conv[keep[j]])
                    .sum()
            })
            .collect();
        chain
            .start
            .iter()
            .filter(|&&(s, _, _)| at[s as usize] != usize::MAX)
            .map(|&(s, p, _)| p * x[at[s as usize]])
            .sum()
    }

    /// The three-channel example with cycles of the docs, worked by hand:
    ///
    /// paths: a>b>c conv; a>b>a null; b>c>b>c conv; c null.
    /// start -> a 2/4, b 1/4, c 1/4; a -> b 2/3, null 1/3; b -> c 3/4, a 1/4;
    /// c -> conv 2/4, b 1/4, null 1/4.
    /// x_a = 2/3 x_b; x_b = 3/4 x_c + 1/4 x_a; x_c = 1/2 + 1/4 x_b
    /// => x_b = 9/10 x_c, x_c = 20/31, x_b = 18/31, x_a = 12/31; P = 6/31 + 4.5/31 + 5/31 = 1/2.
    /// Without a: x_b = 3/4 x_c, x_c = 1/2 + 3/16 x_c = 8/13, x_b = 6/13; P = 14/52 = 7/26,
    ///   RE_a = 1 - 7/13 = 6/13.
    /// Without b: x_c = 1/2, P = 1/8, RE_b = 3/4.   Without c: P = 0, RE_c = 1.
    fn cycles() -> PathTable {
        table(&[
            ("a>b>c", 1.0, 0.0),
            ("a>b>a", 0.0, 1.0),
            ("b>c>b>c", 1.0, 0.0),
            ("c", 0.0, 1.0),
        ])
    }

    #[test]
    fn hand_computed_removal_effects_with_cycles() {
        let t = cycles();
        for dense_max in [0, DENSE_MAX] {
            let m = markov(&t, 1, false, dense_max).unwrap();
            let p = m.probability.unwrap();
            assert!((p - 0.5).abs() < 1e-12, "{p}");
            let re: Vec<f64> = m.removal_effects.iter().map(|e| e.unwrap()).collect();
            let want = [6.0 / 13.0, 0.75, 1.0];
            for (got, want) in re.iter().zip(want) {
                assert!((got - want).abs() < 1e-12, "{re:?}");
            }
        }
        let chain = Chain::new(&t, 1);
        let x = chain.absorption(&[false; 3], DENSE_MAX).unwrap();
        for (got, want) in x.iter().zip([12.0 / 31.0, 18.0 / 31.0, 20.0 / 31.0]) {
            assert!((got - want).abs() < 1e-12);
        }
        for c in 0..3u32 {
            let mut removed = vec![false; 3];
            for s in chain.states_with(c) {
                removed[s as usize] = true;
            }
            let reference = dense_reference(&chain, &removed);
            for dense_max in [0, DENSE_MAX] {
                assert!((chain.solve(&removed, dense_max).unwrap() - reference).abs() < 1e-12);
            }
        }
        assert_eq!(chain.sccs, vec![vec![0, 1, 2]]);
    }

    #[test]
    fn transition_matrix_lists_counts_and_probabilities() {
        let m = markov(&cycles(), 1, true, DENSE_MAX).unwrap();
        let tr = m.transitions.unwrap();
        let find = |f: &str, t: &str| {
            tr.iter()
                .find(|x| x.from == f && x.to == t)
                .map(|x| (x.count, x.probability))
        };
        assert_eq!(find(START, "a"), Some((2.0, 0.5)));
        assert_eq!(find("c", CONVERSION), Some((2.0, 0.5)));
        assert_eq!(find("b", "a"), Some((1.0, 0.25)));
        assert_eq!(find("a", NULL).unwrap().0, 1.0);
        assert_eq!(find("a", "c"), None);
        assert_eq!(tr.len(), 3 + 2 + 2 + 3);
        assert_eq!(tr[0].from, START);
    }

    #[test]
    fn second_order_states_and_names() {
        // a>b conv; c>b null; a>b null. Order 2: (.,a)->(a,b) -> conv 1/2 | null 1/2;
        // (.,c)->(c,b)->null. P = 2/3 * 1/2 = 1/3. RE_a = RE_b = 1, RE_c = 0.
        let t = table(&[("a>b", 1.0, 1.0), ("c>b", 0.0, 1.0)]);
        let m = markov(&t, 2, true, DENSE_MAX).unwrap();
        assert!((m.probability.unwrap() - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(m.removal_effects, vec![Some(1.0), Some(1.0), Some(0.0)]);
        let names: Vec<(&str, &str)> = m
            .transitions
            .as_ref()
            .unwrap()
            .iter()
            .map(|x| (x.from.as_str(), x.to.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (START, "a"),
                (START, "c"),
                ("a", "a>b"),
                ("c", "c>b"),
                ("a>b", CONVERSION),
                ("a>b", NULL),
                ("c>b", NULL)
            ]
        );
        // Order 1 on the same paths: RE_a = 2/3, RE_b = 1, RE_c = 1/3.
        let m1 = markov(&t, 1, false, DENSE_MAX).unwrap();
        let want = [2.0 / 3.0, 1.0, 1.0 / 3.0];
        for (got, want) in m1.removal_effects.iter().zip(want) {
            assert!((got.unwrap() - want).abs() < 1e-15);
        }
    }

    /// Channels named like the chain's own states are states like any other: their removal
    /// effects are computed, and the kinds of the transitions tell them apart.
    #[test]
    fn channels_named_like_the_special_states() {
        let t = table(&[("(start)>(null)", 1.0, 0.0), ("(conversion)", 0.0, 1.0)]);
        let m = markov(&t, 1, true, DENSE_MAX).unwrap();
        assert!((m.probability.unwrap() - 0.5).abs() < 1e-15);
        // Names in order: (conversion), (null), (start).
        assert_eq!(m.removal_effects, vec![Some(0.0), Some(1.0), Some(1.0)]);
        let rows: Vec<(&str, StateKind, &str, StateKind)> = m
            .transitions
            .as_ref()
            .unwrap()
            .iter()
            .map(|x| (x.from.as_str(), x.from_kind, x.to.as_str(), x.to_kind))
            .collect();
        use StateKind::*;
        assert_eq!(
            rows,
            [
                (START, Start, "(conversion)", Channel),
                (START, Start, "(start)", Channel),
                ("(conversion)", Channel, NULL, Null),
                ("(null)", Channel, CONVERSION, Conversion),
                ("(start)", Channel, "(null)", Channel),
            ]
        );
    }

    #[test]
    fn keys_are_padded_at_the_start() {
        assert_eq!(key_at(&[4, 5, 6], 0, 3), [0, 0, 5, 0]);
        assert_eq!(key_at(&[4, 5, 6], 2, 3), [5, 6, 7, 0]);
        assert_eq!(key_at(&[4, 5, 6], 2, 2), [6, 7, 0, 0]);
        assert_eq!(key_at(&[4, 5, 6, 7, 8], 4, 4), [6, 7, 8, 9]);
    }

    #[test]
    fn degenerate_chains() {
        let empty = table(&[]);
        let m = markov(&empty, 1, true, DENSE_MAX).unwrap();
        assert_eq!(m.probability, None);
        assert!(m.removal_effects.is_empty());
        assert_eq!(m.transitions, Some(vec![]));
        let no_conv = table(&[("a>b", 0.0, 3.0)]);
        let m = markov(&no_conv, 3, false, DENSE_MAX).unwrap();
        assert_eq!(m.probability, Some(0.0));
        assert_eq!(m.removal_effects, vec![None, None]);
        let single = table(&[("a>a>a", 2.0, 1.0)]);
        let m = markov(&single, 1, false, DENSE_MAX).unwrap();
        assert_eq!(m.removal_effects, vec![Some(1.0)]);
    }

    /// Paths of a pseudo-random walk over `n` names (a fixed LCG, so the table is always the
    /// same): many cycles, so the chain has one large strongly connected block.
    fn random_walks(n: u64, paths: usize, max_len: u64) -> PathTable {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        let rows: Vec<PathRow> = (0..paths)
            .map(|_| {
                let len = 1 + next(max_len);
                let path: Vec<String> = (0..len).map(|_| format!("n{:02}", next(n))).collect();
                let converts = next(3) == 0;
                PathRow {
                    path: path.join(">"),
                    total_conversions: if converts { 1.0 } else { 0.0 },
                    total_conversion_value: 0.0,
                    total_null: if converts { 0.0 } else { 1.0 },
                }
            })
            .collect();
        PathTable::from_rows(rows).unwrap()
    }

    /// A ring of 250 names walked around 12 times before converting, with a few short null
    /// paths: a single 250-state block that the walk leaves rarely (slow Gauss-Seidel).
    fn ring() -> PathTable {
        let names: Vec<String> = (0..250).map(|i| format!("r{i:03}")).collect();
        let lap = names.join(">");
        let mut rows = vec![PathRow {
            path: [lap.as_str(); 12].join(">"),
            total_conversions: 1.0,
            ..Default::default()
        }];
        for i in (0..250).step_by(50) {
            rows.push(PathRow {
                path: format!("{}>{}", names[i], names[i + 1]),
                total_null: 1.0,
                ..Default::default()
            });
        }
        PathTable::from_rows(rows).unwrap()
    }

    #[test]
    fn gauss_seidel_on_large_blocks_matches_the_dense_solve() {
        for (t, order) in [(random_walks(16, 800, 30), 2), (ring(), 1)] {
            let chain = Chain::new(&t, order);
            let largest = chain.sccs.iter().map(Vec::len).max().unwrap();
            assert!(largest > DENSE_MAX, "block of {largest} states");
            let masks = removal_masks(&chain, t.names.len());
            for removed in &masks {
                let iterative = chain.absorption(removed, DENSE_MAX).unwrap();
                let dense = chain.absorption(removed, usize::MAX).unwrap();
                for (i, d) in iterative.iter().zip(&dense) {
                    assert!((i - d).abs() <= 1e-10, "{i} vs {d}");
                }
            }
            let p = chain.solve(&masks[0], DENSE_MAX).unwrap();
            let reference = dense_reference(&chain, &masks[0]);
            assert!((p - reference).abs() <= 1e-10, "{p} vs {reference}");
        }
    }

    #[test]
    fn gauss_seidel_gives_up_into_the_dense_solve_or_an_error() {
        let t = ring();
        let chain = Chain::new(&t, 1);
        let none = vec![false; chain.len()];
        let dense = chain.absorption(&none, usize::MAX).unwrap();
        // Two sweeps are not enough on the ring: the dense fallback answers instead.
        let fallback = chain
            .absorption_capped(&none, 0, 2, DENSE_FALLBACK_MAX)
            .unwrap();
        assert_eq!(fallback, dense);
        // Too large for the fallback: a clear error, never a silent unconverged answer.
        let e = chain.absorption_capped(&none, 0, 2, 100).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        let msg = e.to_string();
        assert!(
            msg.contains("did not converge") && msg.contains("250 states"),
            "{msg}"
        );
        // With the normal cap it converges by itself.
        let gs = chain.absorption_capped(&none, 0, GS_MAX_SWEEPS, 0).unwrap();
        for (i, d) in gs.iter().zip(&dense) {
            assert!((i - d).abs() <= 1e-10, "{i} vs {d}");
        }
    }

    /// The first-order identity and the upstream re-solves agree with one full solve per
    /// channel on chains with large cyclic blocks.
    #[test]
    fn fast_removal_effects_match_full_solves_on_large_blocks() {
        for (t, order) in [
            (random_walks(40, 600, 30), 1),
            (ring(), 1),
            (random_walks(6, 300, 12), 2),
        ] {
            let chain = Chain::new(&t, order);
            let masks = removal_masks(&chain, t.names.len());
            let p = chain.solve(&masks[0], DENSE_MAX).unwrap();
            let m = markov(&t, order, false, DENSE_MAX).unwrap();
            for c in 0..t.names.len() {
                let full = removal_effect(p, chain.solve(&masks[c + 1], DENSE_MAX).unwrap());
                let got = m.removal_effects[c].unwrap();
                assert!(
                    (got - full).abs() < 1e-10,
                    "order {order}, channel {c}: {got} vs {full}"
                );
            }
        }
    }

    /// A first-order block of more than MAX_BLOCK names that all lead to one another: a clear
    /// error, not a solve that never ends.
    #[test]
    fn oversized_blocks_are_refused() {
        let n = MAX_BLOCK + 1;
        let lap: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let t = table(&[
            (&format!("{}>c0", lap.join(">")), 1.0, 0.0),
            ("c0", 0.0, 1.0),
        ]);
        let e = markov(&t, 1, false, DENSE_MAX).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.to_string().contains(&format!("a block of {n}")), "{e}");
        // A smaller lap is solved (through the block's factorisation). c0 leads to c1, to
        // the conversion and to null, 1/3 each; the lap comes back to c0: x_c0 = 1/3 + x_c0 / 3,
        // so P = x_c0 = 1/2. Without c0 nothing converts (RE 1); without any other name, the
        // walk converts only from its first c0: P = 1/3, RE = 1/3.
        let lap: Vec<String> = (0..300).map(|i| format!("c{i}")).collect();
        let t = table(&[
            (&format!("{}>c0", lap.join(">")), 1.0, 0.0),
            ("c0", 0.0, 1.0),
        ]);
        let m = markov(&t, 1, false, DENSE_MAX).unwrap();
        assert!((m.probability.unwrap() - 0.5).abs() < 1e-12);
        let c0 = t.names.iter().position(|n| n == "c0").unwrap();
        for (i, e) in m.removal_effects.iter().enumerate() {
            let want = if i == c0 { 1.0 } else { 1.0 / 3.0 };
            assert!((e.unwrap() - want).abs() < 1e-12, "{i}: {e:?}");
        }
    }

    /// Higher orders bound the re-solves of the removal effects.
    #[test]
    fn oversized_higher_order_removals_are_refused() {
        // 300 names in one long path, order 2: a chain of 300 states without cycles, state j
        // the pair of touches j - 1 and j. Name i is in states i and i + 1, so removing it
        // re-solves states 0 to i + 1, each with its one transition (the last has none):
        // 2 x (2 + 3 + ... + 299) for i < 298, then 599 twice: 90,896 in all.
        let path = (0..300)
            .map(|i| format!("n{i}"))
            .collect::<Vec<_>>()
            .join(">");
        let t = table(&[(&path, 1.0, 1.0)]);
        let m = markov_bounded(&t, 2, false, DENSE_MAX, 90_896).unwrap();
        assert!(m.removal_effects.iter().all(|e| e == &Some(1.0)));
        let e = markov_bounded(&t, 2, false, DENSE_MAX, 90_895).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(
            e.to_string().contains("too large") && e.to_string().contains("90895"),
            "{e}"
        );
        // Order 1 needs no re-solve: the bound does not apply.
        let m = markov_bounded(&t, 1, false, DENSE_MAX, 0).unwrap();
        assert_eq!(m.probability, Some(0.5));
        assert!(m.removal_effects.iter().all(|e| e == &Some(1.0)));
    }

    #[test]
    fn tarjan_orders_sinks_first() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3, 4 alone.
        let row = [0, 1, 2, 4, 4, 4];
        let col = [1, 2, 1, 3];
        let sccs = tarjan(5, &row, &col);
        assert_eq!(sccs, vec![vec![3], vec![1, 2], vec![0], vec![4]]);
    }

    fn arb_table() -> impl Strategy<Value = Vec<(Vec<u8>, u8, u8)>> {
        prop::collection::vec((prop::collection::vec(0u8..4, 1..7), 0u8..3, 0u8..3), 1..12)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn component_solver_matches_dense_inverse(rows in arb_table(), order in 1usize..=4) {
            let names = ["a", "b", "c", "d"];
            let t = PathTable::from_rows(rows.iter().map(|(p, c, n)| PathRow {
                path: p.iter().map(|&i| names[i as usize]).collect::<Vec<_>>().join(">"),
                total_conversions: *c as f64,
                total_conversion_value: 0.0,
                total_null: *n as f64,
            })).unwrap();
            let chain = Chain::new(&t, order);
            let masks = removal_masks(&chain, t.names.len());
            for removed in &masks {
                let reference = dense_reference(&chain, removed);
                let direct = chain.solve(removed, DENSE_MAX).unwrap();
                let iterative = chain.solve(removed, 0).unwrap();
                prop_assert!((direct - reference).abs() < 1e-12, "{direct} {reference}");
                prop_assert!((iterative - reference).abs() < 1e-10, "{iterative} {reference}");
                prop_assert!((0.0..=1.0 + 1e-12).contains(&direct));
            }
            // The removal effects before any clamping: 1 - P_without / P in [0, 1] up to
            // rounding, for the direct and the iterative solver.
            let p = chain.solve(&masks[0], DENSE_MAX).unwrap();
            if p > 0.0 {
                for removed in &masks[1..] {
                    for dense_max in [DENSE_MAX, 0] {
                        let pc = chain.solve(removed, dense_max).unwrap();
                        let raw = 1.0 - pc / p;
                        prop_assert!((-1e-12..=1.0).contains(&raw), "unclamped removal effect {raw}");
                        prop_assert!(pc >= 0.0);
                    }
                }
            }
            // The removal effects of the model (identity for order 1, upstream re-solves
            // above) equal one full solve per channel.
            let m = markov(&t, order, false, DENSE_MAX).unwrap();
            for c in 0..t.names.len() {
                let full = chain.solve(&masks[c + 1], DENSE_MAX).unwrap();
                match m.removal_effects[c] {
                    Some(re) => prop_assert!((re - removal_effect(p, full)).abs() < 1e-12,
                        "channel {c}: {re} vs {}", removal_effect(p, full)),
                    None => prop_assert!(p <= 0.0 || !t.present()[c]),
                }
            }
            // Numbering tuples by hash map gives the same chain as the flat table.
            let hashed = Chain::build(&t, order, 0);
            prop_assert_eq!(&hashed.keys, &chain.keys);
            prop_assert_eq!(&hashed.col, &chain.col);
            prop_assert_eq!(&hashed.prob, &chain.prob);
            prop_assert_eq!(&hashed.start, &chain.start);
            // A chain estimated from the paths reproduces their conversion rate (the expected
            // visits of each state are its observed visits), whatever the order.
            if !chain.start.is_empty() {
                let conv: f64 = t.conversions.iter().sum();
                let all: f64 = conv + t.nulls.iter().sum::<f64>();
                prop_assert!((chain.solve(&masks[0], DENSE_MAX).unwrap() - conv / all).abs() < 1e-12);
            }
        }
    }
}
