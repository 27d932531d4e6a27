//! The compiled funnel and the search for each customer's furthest attempt.

use super::{FunnelMode, FunnelOptions, FunnelStep, MAX_STEPS, NONE};
use crate::error::{Error, Result};
use crate::model::EventLog;

/// The compiled funnel: bit masks per touchpoint id.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    pub(super) k: usize,
    /// Per touchpoint id: bit `j` set when it matches step `j`.
    pub(super) masks: Vec<u64>,
    /// Per touchpoint id: bit `x` set when it is excluded by exclusion `x`.
    pub(super) excl: Vec<u64>,
    /// Per exclusion: 0-based (from, to) steps.
    pub(super) ranges: Vec<(usize, usize)>,
    pub(super) window: i64,
    pub(super) mode: FunnelMode,
    pub(super) first_attempt: bool,
    /// Any order: per touchpoint id, its index among the touchpoints of the steps (or NONE).
    pub(super) type_of: Vec<u32>,
    /// Any order: per step, the indices of its touchpoints.
    pub(super) step_types: Vec<Vec<u32>>,
    /// Any order: number of touchpoints used by the steps.
    pub(super) n_types: usize,
    /// Ordered mode: index the journey (next-match tables) instead of scanning forward.
    pub(crate) strategy: Strategy,
}

/// How ordered attempts are evaluated (both give the same answer; tests check it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// Scan when few attempts, index when many.
    Auto,
    /// Always scan forward from each attempt.
    #[cfg_attr(not(test), allow(dead_code))]
    Scan,
    /// Always build next-match tables.
    #[cfg_attr(not(test), allow(dead_code))]
    Index,
}

/// Per-thread buffers.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Positions (ordered, strict) or completion positions (any) of the current attempt.
    pub(super) pos: Vec<u32>,
    /// Step times of the counted attempt.
    pub(crate) best: Vec<i64>,
    /// Positions (in the journey) of the counted attempt's steps (any order: of the events
    /// completing them).
    pub(crate) best_pos: Vec<u32>,
    pub(super) next: Vec<u32>,
    pub(super) last_excl: Vec<u32>,
    pub(super) cap: Vec<u32>,
    pub(super) used: Vec<u32>,
    pub(super) assign: Vec<u32>,
    pub(super) vis: Vec<bool>,
    /// Any order: per step, the counts per touchpoint of its window `lo..end`.
    pub(super) wcnt: Vec<u32>,
    pub(super) lo: Vec<usize>,
    pub(super) end: Vec<usize>,
}

impl Scratch {
    /// Keeps the current attempt's first `m` steps as the counted attempt.
    fn keep_attempt(&mut self, ts: &[i64], m: usize) {
        for j in 0..m {
            self.best[j] = ts[self.pos[j] as usize];
            self.best_pos[j] = self.pos[j];
        }
    }
}

impl Matcher {
    pub(crate) fn new(log: &EventLog, opts: &FunnelOptions) -> Result<Self> {
        // Long because every kind of step and exclusion is compiled into the same masks and
        // tables, one after the other.
        let k = opts.steps.len();
        if k == 0 {
            return Err(Error::argument("steps", "at least one step is needed"));
        }
        if k > MAX_STEPS {
            return Err(Error::argument(
                "steps",
                format!("{k} steps; at most {MAX_STEPS} are supported"),
            ));
        }
        let n_tp = log.touchpoints().len();
        let mut masks = vec![0u64; n_tp];
        let mut step_names: Vec<&str> = Vec::new();
        if let Some(j) = opts.steps.iter().position(FunnelStep::is_optional) {
            return Err(Error::argument(
                "steps",
                format!(
                    "step {} is optional: optional steps are available in the funnel itself, \
                     not yet in partial results, live analyses or conversion drivers",
                    j + 1
                ),
            ));
        }
        for (j, s) in opts.steps.iter().enumerate() {
            if s.names().is_empty() {
                return Err(Error::argument(
                    "steps",
                    format!("step {} is an empty set of touchpoints", j + 1),
                ));
            }
            for name in s.names() {
                step_names.push(name);
                if let Some(t) = log.touchpoint_id(name) {
                    masks[t as usize] |= 1 << j;
                }
            }
        }
        let exclusions = opts.exclude.as_deref().unwrap_or(&[]);
        if exclusions.len() > MAX_STEPS {
            return Err(Error::argument(
                "exclude",
                format!("at most {MAX_STEPS} exclusions are supported"),
            ));
        }
        let mut excl = vec![0u64; n_tp];
        let mut ranges = Vec::new();
        for (x, e) in exclusions.iter().enumerate() {
            let (names, from, to) = e.parts();
            if names.is_empty() {
                return Err(Error::argument(
                    "exclude",
                    "an exclusion is an empty set of touchpoints",
                ));
            }
            if opts.mode == FunnelMode::Any && (from.is_some() || to.is_some()) {
                return Err(Error::argument(
                    "exclude",
                    "from_step and to_step need an ordered or strict funnel",
                ));
            }
            let a = from.unwrap_or(1);
            let b = to.unwrap_or(k);
            let explicit = from.is_some() || to.is_some();
            // A default exclusion on a one-step funnel has nothing to be between: no effect.
            if (a < 1 || b > k || a >= b) && (explicit || k > 1) {
                return Err(Error::argument(
                    "exclude",
                    format!("steps {a} to {b}: need 1 <= from_step < to_step <= {k}"),
                ));
            }
            for name in names {
                if step_names.contains(&name.as_str()) {
                    return Err(Error::argument(
                        "exclude",
                        format!("{name:?} is a funnel step and cannot also be excluded"),
                    ));
                }
                if let Some(t) = log.touchpoint_id(name) {
                    excl[t as usize] |= 1 << x;
                }
            }
            ranges.push((a - 1, b - 1));
        }
        let window = opts.window.as_us();
        if window < 0 {
            return Err(Error::argument("window", "must not be negative"));
        }
        let mut type_of = vec![NONE; n_tp];
        let mut step_types = vec![Vec::new(); k];
        let mut nt = 0;
        for (t, &mask) in masks.iter().enumerate() {
            if mask == 0 {
                continue;
            }
            type_of[t] = nt;
            for (j, types) in step_types.iter_mut().enumerate() {
                if mask >> j & 1 == 1 {
                    types.push(nt);
                }
            }
            nt += 1;
        }
        Ok(Matcher {
            k,
            type_of,
            step_types,
            n_types: nt as usize,
            masks,
            excl,
            ranges,
            window,
            mode: opts.mode,
            first_attempt: opts.first_attempt,
            strategy: Strategy::Auto,
        })
    }

    /// Number of steps.
    pub(crate) fn n_steps(&self) -> usize {
        self.k
    }

    /// Whether an event of touchpoint `tp` can start an attempt (step 1; any step in any-order
    /// mode).
    pub(crate) fn is_anchor(&self, tp: u32) -> bool {
        match self.mode {
            FunnelMode::Any => self.masks[tp as usize] != 0,
            _ => self.masks[tp as usize] & 1 == 1,
        }
    }

    /// Whether touchpoint `tp` matches some step.
    pub(crate) fn is_step(&self, tp: u32) -> bool {
        self.masks[tp as usize] != 0
    }

    /// The window, microseconds.
    pub(crate) fn window_us(&self) -> i64 {
        self.window
    }

    /// Evaluates one journey: the furthest step reached (0..=k); `s.best[..m]` holds the times
    /// at which the counted attempt completed each step.
    pub(crate) fn eval(&self, ts: &[i64], tps: &[u32], s: &mut Scratch) -> usize {
        s.pos.clear();
        s.pos.resize(self.k, 0);
        s.best.clear();
        s.best.resize(self.k, 0);
        s.best_pos.clear();
        s.best_pos.resize(self.k, 0);
        match self.mode {
            FunnelMode::Ordered => self.ordered(ts, tps, s),
            FunnelMode::Strict => self.strict(ts, tps, s),
            FunnelMode::Any => self.any(ts, tps, s),
        }
    }

    fn ordered(&self, ts: &[i64], tps: &[u32], s: &mut Scratch) -> usize {
        let (k, n) = (self.k, tps.len());
        let mut attempts = 0usize;
        for &t in tps {
            attempts += (self.masks[t as usize] & 1) as usize;
        }
        if attempts == 0 {
            return 0;
        }
        if self.first_attempt {
            attempts = 1;
        }
        let indexed = match self.strategy {
            Strategy::Scan => false,
            Strategy::Index => true,
            Strategy::Auto => attempts > 2 && attempts > k,
        };
        if indexed {
            self.build_tables(tps, s);
        }
        let mut best_m = 0;
        for p in 0..n {
            if self.masks[tps[p] as usize] & 1 == 0 {
                continue;
            }
            let limit = ts[p].saturating_add(self.window);
            s.pos[0] = p as u32;
            let mut m = 1;
            if indexed {
                let mut cur = p;
                while m < k {
                    let q = s.next[(m - 1) * (n + 1) + cur + 1];
                    if q == NONE || ts[q as usize] > limit {
                        break;
                    }
                    s.pos[m] = q;
                    cur = q as usize;
                    m += 1;
                }
            } else if k > 1 {
                for (q, &t) in tps.iter().enumerate().skip(p + 1) {
                    if ts[q] > limit {
                        break;
                    }
                    if self.masks[t as usize] >> m & 1 == 1 {
                        s.pos[m] = q as u32;
                        m += 1;
                        if m == k {
                            break;
                        }
                    }
                }
            }
            let void = self.ranges.iter().enumerate().any(|(x, &(a, b))| {
                let b = b.min(m - 1);
                if b <= a {
                    return false;
                }
                let (lo, hi) = (s.pos[a] as usize, s.pos[b] as usize);
                if indexed {
                    let q = s.last_excl[x * n + hi - 1];
                    q != NONE && q as usize > lo
                } else {
                    tps[lo + 1..hi]
                        .iter()
                        .any(|&t| self.excl[t as usize] >> x & 1 == 1)
                }
            });
            if self.settle(s, ts, (m, void), &mut best_m) {
                break;
            }
        }
        best_m
    }

    /// Fills `s.last_excl[x * n + i]` (`n` events): the last position at or before `i` of an
    /// event of exclusion `x` ([`NONE`]: none yet).
    fn fill_last_excl(&self, tps: &[u32], s: &mut Scratch) {
        let (n, nx) = (tps.len(), self.ranges.len());
        s.last_excl.clear();
        s.last_excl.resize(nx * n, NONE);
        for x in 0..nx {
            let mut last = NONE;
            for (i, &t) in tps.iter().enumerate() {
                if self.excl[t as usize] >> x & 1 == 1 {
                    last = i as u32;
                }
                s.last_excl[x * n + i] = last;
            }
        }
    }

    /// Counts an attempt that reached `m` steps (`void`: an exclusion voids it): it becomes
    /// the counted attempt when it reaches more steps than `best_m`. Returns whether to stop
    /// looking (only the first attempt counts, or every step is reached).
    fn settle(
        &self,
        s: &mut Scratch,
        ts: &[i64],
        (m, void): (usize, bool),
        best_m: &mut usize,
    ) -> bool {
        if !void && m > *best_m {
            *best_m = m;
            s.keep_attempt(ts, m);
        }
        self.first_attempt || *best_m == self.k
    }

    /// `next[(j - 1) * (n + 1) + i]`: first position `>= i` matching step `j` (j >= 1);
    /// `last_excl[x * n + i]`: last position `<= i` excluded by exclusion `x`.
    fn build_tables(&self, tps: &[u32], s: &mut Scratch) {
        let (k, n) = (self.k, tps.len());
        s.next.clear();
        s.next.resize((k - 1) * (n + 1), NONE);
        for i in (0..n).rev() {
            let mask = self.masks[tps[i] as usize] >> 1;
            for j in 0..k - 1 {
                let row = j * (n + 1);
                s.next[row + i] = if mask >> j & 1 == 1 {
                    i as u32
                } else {
                    s.next[row + i + 1]
                };
            }
        }
        self.fill_last_excl(tps, s);
    }

    fn strict(&self, ts: &[i64], tps: &[u32], s: &mut Scratch) -> usize {
        let (k, n) = (self.k, tps.len());
        let mut best_m = 0;
        for p in 0..n {
            if self.masks[tps[p] as usize] & 1 == 0 {
                continue;
            }
            let limit = ts[p].saturating_add(self.window);
            let mut m = 1;
            while m < k
                && p + m < n
                && ts[p + m] <= limit
                && self.masks[tps[p + m] as usize] >> m & 1 == 1
            {
                m += 1;
            }
            // Consecutive events leave no room for an excluded event in between.
            if m > best_m {
                best_m = m;
                s.best[..m].copy_from_slice(&ts[p..p + m]);
                for (j, b) in s.best_pos[..m].iter_mut().enumerate() {
                    *b = (p + j) as u32;
                }
            }
            if self.first_attempt || best_m == k {
                break;
            }
        }
        best_m
    }

    /// Any order: step `j` of the attempt from anchor `p` (an event matching some step)
    /// completes at the first event `q` such that steps `1..=j` can all be matched to distinct
    /// events of `p..=q`. Events of one touchpoint are interchangeable, so steps are matched
    /// to touchpoints with capacities (the number of their events in `p..=q`) by augmenting
    /// paths. That first `q` never moves back when the anchor moves forward (a shorter window
    /// matches less), so each step keeps its own sliding window `lo[j]..end[j]` with counts
    /// per touchpoint: every event enters and leaves each step's window at most once, and the
    /// cost is linear in the events (times the steps), however many fall in one window.
    fn any(&self, ts: &[i64], tps: &[u32], s: &mut Scratch) -> usize {
        // Long because it is one sliding-window scan; the windows' counts and pointers are its
        // state from one anchor to the next.
        let (k, n) = (self.k, tps.len());
        let nt = self.n_types;
        let mut best_m = 0;
        s.wcnt.clear();
        s.wcnt.resize(k * nt, 0);
        s.lo.clear();
        s.lo.resize(k, 0);
        s.end.clear();
        s.end.resize(k, 0);
        let nx = self.ranges.len();
        if nx > 0 {
            self.fill_last_excl(tps, s);
        }
        // End of the window of the last anchor evaluated, whether that attempt was void, and
        // the window end pointer.
        let (mut last_end, mut last_void, mut r) = (usize::MAX, false, 0usize);
        for p in 0..n {
            if self.type_of[tps[p] as usize] == NONE {
                continue;
            }
            let limit = ts[p].saturating_add(self.window);
            r = r.max(p);
            while r + 1 < n && ts[r + 1] <= limit {
                r += 1;
            }
            // A window ending where the previous one ended is a subset of it: it cannot reach
            // further (and ties go to the earlier attempt), unless the previous attempt was void
            // (a later anchor may leave the excluded event out).
            if r == last_end && !last_void {
                continue;
            }
            last_end = r;
            let mut m = 0;
            while m < k {
                let cnt = m * nt;
                // Slide the step's window to start at p.
                let (lo, end) = (s.lo[m], s.end[m]);
                for &tp in &tps[lo..p.min(end).max(lo)] {
                    let t = self.type_of[tp as usize];
                    if t != NONE {
                        s.wcnt[cnt + t as usize] -= 1;
                    }
                }
                s.lo[m] = p;
                s.end[m] = end.max(p);
                // Grow it until steps 1..=m+1 can be matched.
                let mut ok = self.matchable(m, s);
                while !ok && s.end[m] < n {
                    let q = s.end[m];
                    s.end[m] += 1;
                    let t = self.type_of[tps[q] as usize];
                    if t != NONE {
                        s.wcnt[cnt + t as usize] += 1;
                        ok = self.matchable(m, s);
                    }
                }
                if !ok || s.end[m] - 1 > r {
                    break;
                }
                s.pos[m] = (s.end[m] - 1) as u32;
                m += 1;
            }
            let void = m > 0 && {
                let hi = s.pos[m - 1] as usize;
                hi > p + 1
                    && (0..nx).any(|x| {
                        let q = s.last_excl[x * n + hi - 1];
                        q != NONE && q as usize > p
                    })
            };
            last_void = void;
            if self.settle(s, ts, (m, void), &mut best_m) {
                break;
            }
        }
        best_m
    }

    /// Whether steps `0..=j` can be matched to distinct events of step `j`'s window (its
    /// counts per touchpoint in `s.wcnt`).
    fn matchable(&self, j: usize, s: &mut Scratch) -> bool {
        let nt = self.n_types;
        s.cap.clear();
        s.cap.extend_from_slice(&s.wcnt[j * nt..(j + 1) * nt]);
        s.used.clear();
        s.used.resize(nt, 0);
        s.assign.clear();
        s.assign.resize(self.k, NONE);
        for i in 0..=j {
            s.vis.clear();
            s.vis.resize(nt, false);
            if !self.augment(i, s) {
                return false;
            }
        }
        true
    }

    /// Augmenting path from step `j` (Kuhn's algorithm with capacities): take a touchpoint of
    /// the step with room, or move a step holding one of them elsewhere.
    fn augment(&self, j: usize, s: &mut Scratch) -> bool {
        for &t in &self.step_types[j] {
            let t = t as usize;
            if s.vis[t] {
                continue;
            }
            s.vis[t] = true;
            if s.used[t] < s.cap[t] {
                s.used[t] += 1;
                s.assign[j] = t as u32;
                return true;
            }
            for j2 in 0..self.k {
                // j2 leaves t for another touchpoint, j takes its place: t's use is unchanged.
                if j2 != j && s.assign[j2] == t as u32 && self.augment(j2, s) {
                    s.assign[j] = t as u32;
                    return true;
                }
            }
        }
        false
    }
}
