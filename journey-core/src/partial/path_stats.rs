//! Path statistics as a partial state: whole-number counts of paths and conversions, the
//! touches before conversion as a count table, the times to convert as exact value -> count
//! lists (so medians and p90 stay exact), overall and by the channel of the first touch (by
//! name); every distinct variant by its sequence of names with its counts; per touch its reach,
//! conversions and customers by name; and the path table of the attribution model that gives
//! the touches' attribution shares.
//!
//! The finished variants are sorted by count, conversions, then the sequence of names, which is
//! the single-machine order (ids are in name order), so the top `top` are the same variants.

use std::collections::BTreeMap;

use super::attribution::{PathsState, Track};
use super::codec::{corrupted, Codec, Reader, ValueCounts, Writer};
use crate::error::Result;
use crate::metrics::attribution::{attribution_of_paths, Model};
use crate::metrics::distribution::{add_counts, bump, Distribution};
use crate::metrics::path_stats::{
    path_options, rate, share_options, shares_of, touch_rows, ConversionStats, Cutter,
    FirstTouchRow, PathStatsOptions, PathStatsResult, VariantRow,
};
use crate::metrics::paths::Level;
use crate::model::EventLog;

/// Paths, conversions, touches before conversion and time to convert of a group of paths.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GroupState {
    paths: u64,
    conversions: u64,
    /// `touches[n]`: converting paths with `n` touches.
    touches: Vec<u64>,
    /// First touch to conversion (microseconds) of converting paths with a touch.
    ttc: ValueCounts,
}

impl GroupState {
    fn merge(&mut self, b: GroupState) {
        self.paths += b.paths;
        self.conversions += b.conversions;
        add_counts(&mut self.touches, &b.touches);
        self.ttc.merge(b.ttc);
    }

    /// Takes away `b`'s paths (counts subtracted, trailing zero counts dropped, as in a
    /// state computed without them).
    fn retract(&mut self, b: &GroupState) {
        self.paths -= b.paths;
        self.conversions -= b.conversions;
        for (x, y) in self.touches.iter_mut().zip(&b.touches) {
            *x -= y;
        }
        while self.touches.last() == Some(&0) {
            self.touches.pop();
        }
        self.ttc.subtract(&b.ttc);
    }

    fn fits(&self) -> bool {
        self.conversions <= self.paths
            && self.touches.iter().sum::<u64>() == self.conversions
            && self.ttc.len() <= self.conversions
    }
}

impl Codec for GroupState {
    fn enc(&self, w: &mut Writer) {
        self.paths.enc(w);
        self.conversions.enc(w);
        self.touches.enc(w);
        self.ttc.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(GroupState {
            paths: Codec::dec(r)?,
            conversions: Codec::dec(r)?,
            touches: Codec::dec(r)?,
            ttc: Codec::dec(r)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PathStatsState {
    all: GroupState,
    /// By the channel of the first touch; `None`: converting paths without a touch.
    by_channel: BTreeMap<Option<String>, GroupState>,
    /// Per distinct sequence of touch names: paths and conversions.
    variants: BTreeMap<Vec<String>, (u64, u64)>,
    /// Per touch name: paths through it, their conversions, distinct customers.
    touch: BTreeMap<String, (u64, u64, u64)>,
    /// The paths of the attribution model of the shares.
    shares: PathsState,
}

impl PathStatsState {
    /// The path statistics of `log`; with `track`, the shares' path table keeps where each
    /// path occurs (for retracting, see [`PathsState::retract`]).
    pub(crate) fn of_tracked(log: &EventLog, opts: &PathStatsOptions, track: bool) -> Result<Self> {
        // Long because it is one pass over the customers' paths, keeping what `track` asks for in
        // the same loop.
        let cutter = Cutter::new(log, &path_options(opts))?;
        let names = match opts.level {
            Level::Touchpoint => log.touchpoints(),
            Level::Channel => log.channels(),
        };
        let ao = share_options(opts);
        ao.check()?;
        let half_life = (ao.model == Model::TimeDecay).then(|| ao.half_life.as_us());
        let shares = PathsState::of_tracked(
            log,
            &ao.path_options(),
            half_life,
            if track { Track::Seen } else { Track::No },
        )?;

        let n_ch = log.channels().len();
        let (ts, chs) = (log.timestamps(), log.channel_ids());
        let mut all = GroupState::default();
        let mut by_channel: Vec<GroupState> = vec![GroupState::default(); n_ch + 1];
        let mut ttc_all: Vec<i64> = Vec::new();
        let mut ttc_ch: Vec<Vec<i64>> = vec![Vec::new(); n_ch + 1];
        let mut variants: rustc_hash::FxHashMap<Vec<u32>, (u64, u64)> = Default::default();
        // Per touch id: paths, conversions, customers; and the last path / customer counted.
        let mut touch = vec![(0u64, 0u64, 0u64); names.len()];
        let mut path_stamp = vec![0u64; names.len()];
        let mut cust_stamp = vec![u32::MAX; names.len()];
        let mut serial = 0u64;
        let mut buf = Vec::new();
        for c in 0..log.n_customers() as u32 {
            cutter.cut(log.journey(c).range(), &mut buf, |touches, conv| {
                let converted = conv.is_some();
                let g = touches.first().map_or(n_ch, |&e| chs[e] as usize);
                for grp in [&mut all, &mut by_channel[g]] {
                    grp.paths += 1;
                    if conv.is_some() {
                        grp.conversions += 1;
                        bump(&mut grp.touches, touches.len());
                    }
                }
                if let (Some(i), Some(&first)) = (conv, touches.first()) {
                    ttc_all.push(ts[i] - ts[first]);
                    ttc_ch[g].push(ts[i] - ts[first]);
                }
                serial += 1;
                for &e in touches {
                    let t = cutter.id(e) as usize;
                    if path_stamp[t] != serial {
                        path_stamp[t] = serial;
                        touch[t].0 += 1;
                        touch[t].1 += converted as u64;
                        if cust_stamp[t] != c {
                            cust_stamp[t] = c;
                            touch[t].2 += 1;
                        }
                    }
                }
                let v = variants
                    .entry(touches.iter().map(|&e| cutter.id(e)).collect())
                    .or_default();
                v.0 += 1;
                v.1 += converted as u64;
            });
        }
        all.ttc = ValueCounts::of(ttc_all);
        for (g, t) in by_channel.iter_mut().zip(ttc_ch) {
            g.ttc = ValueCounts::of(t);
        }
        let by_channel = by_channel
            .into_iter()
            .enumerate()
            .filter(|(_, g)| g.paths > 0)
            .map(|(ch, g)| {
                (
                    (ch < n_ch).then(|| log.channel_name(ch as u32).to_string()),
                    g,
                )
            })
            .collect();
        let variants = variants
            .into_iter()
            .map(|(ids, v)| (ids.iter().map(|&t| names[t as usize].clone()).collect(), v))
            .collect();
        let touch = touch
            .into_iter()
            .enumerate()
            .filter(|(_, t)| t.0 > 0)
            .map(|(id, t)| (names[id].clone(), t))
            .collect();
        Ok(PathStatsState {
            all,
            by_channel,
            variants,
            touch,
            shares,
        })
    }

    pub(crate) fn merge(&mut self, b: PathStatsState) {
        self.all.merge(b.all);
        for (k, g) in b.by_channel {
            self.by_channel.entry(k).or_default().merge(g);
        }
        for (k, (n, c)) in b.variants {
            let e = self.variants.entry(k).or_default();
            e.0 += n;
            e.1 += c;
        }
        for (k, (p, c, u)) in b.touch {
            let e = self.touch.entry(k).or_default();
            e.0 += p;
            e.1 += c;
            e.2 += u;
        }
        self.shares.merge(b.shares);
    }

    /// Takes away the paths of `b`'s customers (merged into `self` before): every count
    /// subtracted, entries left at zero removed; the shares' path table as
    /// [`PathsState::retract`] does it.
    pub(crate) fn retract(&mut self, b: &PathStatsState) -> Result<()> {
        self.all.retract(&b.all);
        for (k, g) in &b.by_channel {
            if let Some(e) = self.by_channel.get_mut(k) {
                e.retract(g);
                if e.paths == 0 {
                    self.by_channel.remove(k);
                }
            }
        }
        for (k, (n, c)) in &b.variants {
            if let Some(e) = self.variants.get_mut(k) {
                e.0 -= n;
                e.1 -= c;
                if e.0 == 0 {
                    self.variants.remove(k);
                }
            }
        }
        for (k, (p, c, u)) in &b.touch {
            if let Some(e) = self.touch.get_mut(k) {
                e.0 -= p;
                e.1 -= c;
                e.2 -= u;
                if e.0 == 0 {
                    self.touch.remove(k);
                }
            }
        }
        self.shares.retract(&b.shares)
    }

    pub(crate) fn finish(self, opts: &PathStatsOptions) -> Result<PathStatsResult> {
        let group = |g: GroupState| -> (u64, u64, Option<f64>, Distribution, Distribution) {
            (
                g.paths,
                g.conversions,
                rate(g.conversions, g.paths),
                Distribution::of_counts(&g.touches),
                Distribution::of_duration_counts_us(&g.ttc.0),
            )
        };
        // Channels in name order (the single-machine id order), no touch last.
        let mut by: Vec<(Option<String>, GroupState)> = self.by_channel.into_iter().collect();
        by.sort_by(|a, b| match (&a.0, &b.0) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (Some(x), Some(y)) => x.cmp(y),
        });
        let by_first_touch_channel = by
            .into_iter()
            .map(|(channel, g)| {
                let (paths, conversions, conversion_rate, t, c) = group(g);
                FirstTouchRow {
                    channel,
                    paths,
                    conversions,
                    conversion_rate,
                    touches_before_conversion: t,
                    time_to_convert_s: c,
                }
            })
            .collect();
        let (n_paths, n_conversions, conversion_rate, t, c) = group(self.all);
        let conversion = ConversionStats {
            n_paths,
            n_conversions,
            conversion_rate,
            touches_before_conversion: t,
            time_to_convert_s: c,
            by_first_touch_channel,
        };
        let n_variants = self.variants.len() as u64;
        let mut vs: Vec<(Vec<String>, (u64, u64))> = self.variants.into_iter().collect();
        let key = |v: &(u64, u64)| (std::cmp::Reverse(v.0), std::cmp::Reverse(v.1));
        vs.sort_by(|a, b| key(&a.1).cmp(&key(&b.1)).then_with(|| a.0.cmp(&b.0)));
        if opts.top > 0 {
            vs.truncate(opts.top);
        }
        let variants = vs
            .into_iter()
            .map(|(path, (count, conversions))| VariantRow {
                path,
                count,
                conversions,
                conversion_rate: conversions as f64 / count as f64,
                share: count as f64 / n_paths as f64,
            })
            .collect();
        let ao = share_options(opts);
        let (t, td, unknown) = self.shares.finish(ao.exclude.as_deref().unwrap_or(&[]));
        let a = attribution_of_paths(&t, td, &ao, unknown)?;
        let names: Vec<String> = self.touch.keys().cloned().collect();
        let counts: Vec<(u64, u64, u64)> = self.touch.into_values().collect();
        let shares = shares_of(&a, &names);
        let touches = touch_rows(&names, &counts, conversion.conversion_rate, &shares);
        Ok(PathStatsResult::of(
            opts,
            conversion,
            (n_variants, variants),
            touches,
        ))
    }

    pub(crate) fn fits(&self, opts: &PathStatsOptions) -> bool {
        let sum = |f: fn(&GroupState) -> u64| self.by_channel.values().map(f).sum::<u64>();
        self.all.fits()
            && self.by_channel.values().all(GroupState::fits)
            && sum(|g| g.paths) == self.all.paths
            && sum(|g| g.conversions) == self.all.conversions
            && self.variants.values().map(|v| v.0).sum::<u64>() == self.all.paths
            && self.variants.values().all(|v| v.1 <= v.0 && v.0 > 0)
            && self
                .touch
                .values()
                .all(|t| t.1 <= t.0 && t.2 <= t.0 && t.2 > 0)
            && self.shares.fits(opts.attribution_model == Model::TimeDecay)
    }
}

impl Codec for PathStatsState {
    fn enc(&self, w: &mut Writer) {
        self.all.enc(w);
        self.by_channel.enc(w);
        // Names once; variants as indices into them.
        let mut names: Vec<&String> = self.touch.keys().collect();
        for v in self.variants.keys() {
            names.extend(v);
        }
        names.sort_unstable();
        names.dedup();
        names
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .enc(w);
        let id = |n: &String| names.binary_search(&n).expect("a name of the state") as u64;
        w.u64(self.variants.len() as u64);
        for (k, v) in &self.variants {
            k.iter().map(id).collect::<Vec<u64>>().enc(w);
            v.enc(w);
        }
        w.u64(self.touch.len() as u64);
        for (k, t) in &self.touch {
            id(k).enc(w);
            t.enc(w);
        }
        self.shares.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let all = Codec::dec(r)?;
        let by_channel = Codec::dec(r)?;
        let names: Vec<String> = Codec::dec(r)?;
        let name = |i: u64| {
            names
                .get(i as usize)
                .cloned()
                .ok_or_else(|| corrupted("a path refers to an unknown name"))
        };
        let mut variants = BTreeMap::new();
        let n = r.len()?;
        for _ in 0..n {
            let ids: Vec<u64> = Codec::dec(r)?;
            let key = ids.into_iter().map(name).collect::<Result<Vec<_>>>()?;
            variants.insert(key, Codec::dec(r)?);
        }
        if variants.len() != n {
            return Err(corrupted("a variant is repeated"));
        }
        let mut touch = BTreeMap::new();
        let n = r.len()?;
        for _ in 0..n {
            let k = name(u64::dec(r)?)?;
            touch.insert(k, Codec::dec(r)?);
        }
        if touch.len() != n {
            return Err(corrupted("a touch is repeated"));
        }
        Ok(PathStatsState {
            all,
            by_channel,
            variants,
            touch,
            shares: PathsState::dec(r)?,
        })
    }
}
