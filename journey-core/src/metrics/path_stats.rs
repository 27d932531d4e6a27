//! Statistics over conversion paths (docs/journeys.md): touchpoints before conversion,
//! time to convert, path variants and the touchpoints most conducive to conversion; plus the
//! conversion paths themselves as a table (Python `log.conversion_paths(...)`).
//!
//! Paths are cut exactly as [`conversion_paths`] cuts them (a test checks it), but here in one
//! parallel pass without materialising them.

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::attribution::{attribution, AttributionOptions, AttributionResult, Model};
use super::distribution::{add_counts, bump, Distribution};
use super::fold::fold_customers;
use super::paths::{conversion_paths, Level, PathOptions};
use crate::error::{Error, Result};
use crate::model::EventLog;
use crate::time::{format_us, Duration};

/// Options of [`conversion_paths_table`]: Python `log.conversion_paths(level="channel",
/// lookback=None, first_conversion_only=False, collapse_repeats=False, exclude=None)`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversionPathsOptions {
    /// Touchpoint or channel level (default channel).
    #[serde(deserialize_with = "crate::args::named::level")]
    pub level: Level,
    /// Touches older than this before the conversion are dropped (converting paths only).
    #[serde(deserialize_with = "crate::args::named::lookback")]
    pub lookback: Option<Duration>,
    /// One path per customer: up to the first conversion, or the whole journey.
    pub first_conversion_only: bool,
    /// Merge consecutive repeats of the same touch (at the chosen level) into one.
    pub collapse_repeats: bool,
    /// Touchpoint names left out of the paths.
    pub exclude: Option<Vec<String>>,
}

impl ConversionPathsOptions {
    /// The equivalent [`PathOptions`].
    pub fn to_path_options(&self) -> PathOptions {
        PathOptions {
            level: self.level,
            lookback_us: self.lookback.map(Duration::as_us),
            first_conversion_only: self.first_conversion_only,
            collapse_repeats: self.collapse_repeats,
            exclude: self.exclude.clone().unwrap_or_default(),
        }
    }
}

/// One conversion path as a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathRow {
    /// Customer id.
    pub customer_id: String,
    /// Touch names (touchpoints or channels), in order; the conversion is not a touch.
    pub touches: Vec<String>,
    /// Number of touches.
    pub n_touches: usize,
    /// Whether the path ends in a conversion.
    pub converted: bool,
    /// Conversion time, or the customer's last event for a non-converting path (RFC 3339).
    pub end_time: String,
    /// Conversion value (0 without one, and for non-converting paths).
    pub value: f64,
}

/// The conversion paths of a log as rows (customer-id order, then time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversionPathsResult {
    /// Level of the touches.
    pub level: Level,
    /// Number of paths.
    pub n_paths: u64,
    /// Number of converting paths.
    pub n_conversions: u64,
    /// The paths.
    pub rows: Vec<PathRow>,
}

/// The conversion paths of `log` as a table; [`conversion_paths`] gives the columnar form.
pub fn conversion_paths_table(
    log: &EventLog,
    opts: &ConversionPathsOptions,
) -> Result<ConversionPathsResult> {
    let p = conversion_paths(log, &opts.to_path_options())?;
    let rows = p
        .iter()
        .map(|r| PathRow {
            customer_id: log.customer_ids()[r.customer as usize].clone(),
            touches: r
                .touches
                .iter()
                .map(|&t| p.names[t as usize].clone())
                .collect(),
            n_touches: r.touches.len(),
            converted: r.converted,
            end_time: format_us(r.end_time),
            value: r.value,
        })
        .collect();
    Ok(ConversionPathsResult {
        level: p.level,
        n_paths: p.len() as u64,
        n_conversions: p.n_conversions() as u64,
        rows,
    })
}

/// Options of [`path_stats`]: Python `log.path_stats(level="touchpoint", lookback=None,
/// first_conversion_only=False, collapse_repeats=False, exclude=None, top=10,
/// attribution_model="linear")`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathStatsOptions {
    /// Level of variants and of the per-touch table (default touchpoint).
    #[serde(deserialize_with = "crate::args::named::level")]
    pub level: Level,
    /// Touches older than this before the conversion are dropped (converting paths only).
    #[serde(deserialize_with = "crate::args::named::lookback")]
    pub lookback: Option<Duration>,
    /// One path per customer: up to the first conversion, or the whole journey.
    pub first_conversion_only: bool,
    /// Merge consecutive repeats of the same touch (at the chosen level) into one.
    pub collapse_repeats: bool,
    /// Touchpoint names left out of the paths.
    pub exclude: Option<Vec<String>>,
    /// Number of path variants to list (0: all). Default 10.
    #[serde(deserialize_with = "crate::args::named::top")]
    pub top: usize,
    /// The attribution model (docs/attribution.md) that gives each touch of the per-touch table its
    /// `attribution_share`. Default [`Model::Linear`]: every occurrence of a touch on a
    /// converting path earns `1 / n` of that conversion, so the share reads directly as "the
    /// part of the touches before conversions that were this one", and it costs one pass.
    #[serde(deserialize_with = "crate::args::named::attribution_model")]
    pub attribution_model: Model,
}

impl Default for PathStatsOptions {
    fn default() -> Self {
        PathStatsOptions {
            level: Level::Touchpoint,
            lookback: None,
            first_conversion_only: false,
            collapse_repeats: false,
            exclude: None,
            top: 10,
            attribution_model: Model::Linear,
        }
    }
}

/// Conversion and path length by the channel of a path's first touch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstTouchRow {
    /// Channel of the first touch (`None`: converting paths without any touch).
    pub channel: Option<String>,
    /// Paths starting with this channel.
    pub paths: u64,
    /// Of those, converting.
    pub conversions: u64,
    /// `conversions / paths`.
    pub conversion_rate: Option<f64>,
    /// Touches on the converting paths.
    pub touches_before_conversion: Distribution,
    /// First touch to conversion on the converting paths, seconds.
    pub time_to_convert_s: Distribution,
}

/// A distinct path (sequence of touches) with how often it occurs and converts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantRow {
    /// The touches, in order (empty: a conversion with no touch before it).
    pub path: Vec<String>,
    /// Paths with exactly this sequence.
    pub count: u64,
    /// Of those, converting.
    pub conversions: u64,
    /// `conversions / count`.
    pub conversion_rate: f64,
    /// `count / all paths`.
    pub share: f64,
}

/// How conducive a touch (touchpoint or channel) is to conversion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchLiftRow {
    /// Touchpoint or channel name.
    pub name: String,
    /// Paths containing the touch at least once (its reach).
    pub paths: u64,
    /// Distinct customers with such a path.
    pub customers: u64,
    /// Of those paths, converting.
    pub conversions: u64,
    /// `conversions / paths`.
    pub conversion_rate: f64,
    /// `conversion_rate / overall conversion rate` (`None` when nothing converts).
    pub lift: Option<f64>,
    /// The touch's share of the conversion credit under the options' `attribution_model`
    /// (its credited conversions / all attributed conversions, computed by
    /// [`crate::metrics::attribution::attribution`] over the same paths); `None` when no
    /// conversion has a touch to credit.
    pub attribution_share: Option<f64>,
}

/// Touchpoints before conversion and time to convert, overall and by first-touch channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionStats {
    /// Number of paths.
    pub n_paths: u64,
    /// Number of converting paths.
    pub n_conversions: u64,
    /// `n_conversions / n_paths`.
    pub conversion_rate: Option<f64>,
    /// Number of touches on converting paths (0 when the conversion had no touch before it).
    pub touches_before_conversion: Distribution,
    /// Time from a converting path's first touch to its conversion, seconds (paths with at
    /// least one touch).
    pub time_to_convert_s: Distribution,
    /// The same by the channel of the path's first touch, by channel name (`None` last).
    pub by_first_touch_channel: Vec<FirstTouchRow>,
}

/// Statistics of the conversion paths of a log. Serialises flat: the fields of
/// [`ConversionStats`] next to `level`, `n_variants`, `variants` and `touches`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathStatsResult {
    /// Level of variants and touches.
    pub level: Level,
    /// Touchpoints before conversion and time to convert.
    #[serde(flatten)]
    pub conversion: ConversionStats,
    /// Number of distinct variants.
    pub n_variants: u64,
    /// The `top` most frequent variants: by count (descending), conversions (descending), then
    /// the sequence of names.
    pub variants: Vec<VariantRow>,
    /// The attribution model of the touches' `attribution_share`.
    pub attribution_model: Model,
    /// Per touch: reach, conversion rate, lift and attribution share, by name.
    pub touches: Vec<TouchLiftRow>,
}

impl PathStatsResult {
    /// The result of `opts` (its level and attribution model) from its parts: the one place
    /// the single-machine call and the merged partials build it.
    pub(crate) fn of(
        opts: &PathStatsOptions,
        conversion: ConversionStats,
        (n_variants, variants): (u64, Vec<VariantRow>),
        touches: Vec<TouchLiftRow>,
    ) -> PathStatsResult {
        PathStatsResult {
            level: opts.level,
            conversion,
            n_variants,
            variants,
            attribution_model: opts.attribution_model,
            touches,
        }
    }
}

/// Cuts one journey into conversion paths, calling `emit(touch_event_indices, conversion)` per
/// path, exactly like [`conversion_paths`].
pub(crate) struct Cutter<'a> {
    log: &'a EventLog,
    excluded: Vec<bool>,
    ids: &'a [u32],
    lookback: Option<i64>,
    first_only: bool,
    collapse: bool,
}

impl<'a> Cutter<'a> {
    pub(crate) fn new(log: &'a EventLog, opts: &PathOptions) -> Result<Self> {
        if opts.lookback_us.is_some_and(|w| w < 0) {
            return Err(Error::argument("lookback", "must not be negative"));
        }
        let mut excluded = vec![false; log.touchpoints().len()];
        for name in &opts.exclude {
            if let Some(id) = log.touchpoint_id(name) {
                excluded[id as usize] = true;
            }
        }
        Ok(Cutter {
            log,
            excluded,
            ids: match opts.level {
                Level::Touchpoint => log.touchpoint_ids(),
                Level::Channel => log.channel_ids(),
            },
            lookback: opts.lookback_us,
            first_only: opts.first_conversion_only,
            collapse: opts.collapse_repeats,
        })
    }

    /// The touch id (at the level) of event `i`.
    pub(crate) fn id(&self, i: usize) -> u32 {
        self.ids[i]
    }

    pub(crate) fn cut(
        &self,
        range: Range<usize>,
        buf: &mut Vec<usize>,
        mut emit: impl FnMut(&[usize], Option<usize>),
    ) {
        let ts = self.log.timestamps();
        let tps = self.log.touchpoint_ids();
        buf.clear();
        for i in range {
            let tp = tps[i];
            if self.log.is_conversion(tp) {
                if let Some(w) = self.lookback {
                    let keep_from = buf.partition_point(|&e| ts[i] - ts[e] > w);
                    buf.drain(..keep_from);
                }
                // Collapse after the lookback trim, so a run reaching into the window keeps a
                // touch (its first one in the window: collapsing never moves the first touch).
                if self.collapse {
                    buf.dedup_by(|a, b| self.ids[*a] == self.ids[*b]);
                }
                emit(buf, Some(i));
                buf.clear();
                if self.first_only {
                    return;
                }
                continue;
            }
            if self.excluded[tp as usize] {
                continue;
            }
            buf.push(i);
        }
        if self.collapse {
            buf.dedup_by(|a, b| self.ids[*a] == self.ids[*b]);
        }
        if !buf.is_empty() {
            emit(buf, None);
        }
    }
}

#[derive(Default, Clone)]
struct Group {
    paths: u64,
    conversions: u64,
    touches: Vec<u64>,
    ttc: Vec<i64>,
}

impl Group {
    fn merge(&mut self, b: Group) {
        self.paths += b.paths;
        self.conversions += b.conversions;
        add_counts(&mut self.touches, &b.touches);
        self.ttc.extend_from_slice(&b.ttc);
    }
}

/// One distinct variant: paths, conversions, and where to find one of its paths again
/// (customer, index of the path among the customer's paths).
#[derive(Clone, Copy)]
struct VariantAcc {
    count: u64,
    conversions: u64,
    customer: u32,
    ordinal: u32,
}

struct Acc {
    all: Group,
    /// By first-touch channel id; the last one is "no touch".
    by_channel: Vec<Group>,
    /// Per variant fingerprint.
    variants: FxHashMap<u128, VariantAcc>,
    /// Per touch id: paths, conversions, customers.
    touch: Vec<(u64, u64, u64)>,
    /// Per touch id: serial of the last path / customer that counted it.
    path_stamp: Vec<u64>,
    cust_stamp: Vec<u32>,
    serial: u64,
    buf: Vec<usize>,
}

/// SplitMix64's finaliser: a strong 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 128-bit fingerprint of a sequence of ids (two independent 64-bit chains, length included).
/// Distinct sequences of real data collide with probability about `n^2 / 2^129`.
fn fingerprint(ids: impl Iterator<Item = u32>) -> u128 {
    let (mut h1, mut h2, mut n) = (0x243F_6A88_85A3_08D3u64, 0x1319_8A2E_0370_7344u64, 0u64);
    for x in ids {
        h1 = mix(h1 ^ (x as u64).wrapping_add(0x9E37_79B9_7F4A_7C15));
        h2 = mix(h2.wrapping_add((x as u64) << 32 | 0xA409_3822));
        n += 1;
    }
    ((mix(h1 ^ n) as u128) << 64) | mix(h2.wrapping_add(n)) as u128
}

/// What a pass over the paths counts besides the conversion figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    /// Nothing else.
    None,
    /// Per-touch reach and conversions.
    Touches,
    /// Per-touch figures and the path variants.
    All,
}

/// One pass over the paths; per-touch counts and variants as `extra` asks.
fn pass(log: &EventLog, cutter: &Cutter<'_>, n_ids: usize, extra: Extra) -> Acc {
    // Long because it is one fold over the customers: the per-customer step and the merge of
    // two parts share the path cutter and the maps.
    let full = extra != Extra::None;
    let variants = extra == Extra::All;
    let n_ch = log.channels().len();
    let ts = log.timestamps();
    let chs = log.channel_ids();
    fold_customers(
        log.n_customers(),
        || Acc {
            all: Group::default(),
            by_channel: vec![Group::default(); n_ch + 1],
            variants: FxHashMap::default(),
            touch: vec![(0, 0, 0); if full { n_ids } else { 0 }],
            path_stamp: vec![0; if full { n_ids } else { 0 }],
            cust_stamp: vec![u32::MAX; if full { n_ids } else { 0 }],
            serial: 0,
            buf: Vec::new(),
        },
        |acc, c| {
            let range = log.journey(c).range();
            let mut buf = std::mem::take(&mut acc.buf);
            let mut ordinal = 0u32;
            cutter.cut(range, &mut buf, |touches, conv| {
                let converted = conv.is_some();
                let g = touches.first().map_or(n_ch, |&e| chs[e] as usize);
                for grp in [&mut acc.all, &mut acc.by_channel[g]] {
                    grp.paths += 1;
                    if let Some(i) = conv {
                        grp.conversions += 1;
                        bump(&mut grp.touches, touches.len());
                        if let Some(&first) = touches.first() {
                            grp.ttc.push(ts[i] - ts[first]);
                        }
                    }
                }
                if !full {
                    return;
                }
                acc.serial += 1;
                for &e in touches {
                    let t = cutter.id(e) as usize;
                    if acc.path_stamp[t] != acc.serial {
                        acc.path_stamp[t] = acc.serial;
                        acc.touch[t].0 += 1;
                        acc.touch[t].1 += converted as u64;
                        if acc.cust_stamp[t] != c {
                            acc.cust_stamp[t] = c;
                            acc.touch[t].2 += 1;
                        }
                    }
                }
                if !variants {
                    return;
                }
                let fp = fingerprint(touches.iter().map(|&e| cutter.id(e)));
                let v = acc.variants.entry(fp).or_insert(VariantAcc {
                    count: 0,
                    conversions: 0,
                    customer: c,
                    ordinal,
                });
                v.count += 1;
                v.conversions += converted as u64;
                ordinal += 1;
            });
            acc.buf = buf;
        },
        |mut a, b| {
            a.all.merge(b.all);
            for (x, y) in a.by_channel.iter_mut().zip(b.by_channel) {
                x.merge(y);
            }
            // Fold the smaller map into the larger one; the representative path is the one of
            // the smallest customer index, so it does not depend on the split.
            let (mut big, small) = if a.variants.len() >= b.variants.len() {
                (std::mem::take(&mut a.variants), b.variants)
            } else {
                (b.variants, std::mem::take(&mut a.variants))
            };
            for (k, v) in small {
                let e = big.entry(k).or_insert(VariantAcc {
                    count: 0,
                    conversions: 0,
                    ..v
                });
                e.count += v.count;
                e.conversions += v.conversions;
                if v.customer < e.customer {
                    (e.customer, e.ordinal) = (v.customer, v.ordinal);
                }
            }
            a.variants = big;
            for (x, y) in a.touch.iter_mut().zip(&b.touch) {
                x.0 += y.0;
                x.1 += y.1;
                x.2 += y.2;
            }
            a
        },
    )
}

pub(crate) fn path_options(opts: &PathStatsOptions) -> PathOptions {
    PathOptions {
        level: opts.level,
        lookback_us: opts.lookback.map(Duration::as_us),
        first_conversion_only: opts.first_conversion_only,
        collapse_repeats: opts.collapse_repeats,
        exclude: opts.exclude.clone().unwrap_or_default(),
    }
}

fn level_names(log: &EventLog, level: Level) -> &[String] {
    match level {
        Level::Touchpoint => log.touchpoints(),
        Level::Channel => log.channels(),
    }
}

pub(crate) fn rate(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn conversion_stats(log: &EventLog, all: &mut Group, by_channel: Vec<Group>) -> ConversionStats {
    let by_first_touch_channel = by_channel
        .into_iter()
        .enumerate()
        .filter(|(_, g)| g.paths > 0)
        .map(|(ch, mut g)| FirstTouchRow {
            channel: (ch < log.channels().len()).then(|| log.channel_name(ch as u32).to_string()),
            paths: g.paths,
            conversions: g.conversions,
            conversion_rate: rate(g.conversions, g.paths),
            touches_before_conversion: Distribution::of_counts(&g.touches),
            time_to_convert_s: Distribution::of_durations_us(&mut g.ttc),
        })
        .collect();
    ConversionStats {
        n_paths: all.paths,
        n_conversions: all.conversions,
        conversion_rate: rate(all.conversions, all.paths),
        touches_before_conversion: Distribution::of_counts(&all.touches),
        time_to_convert_s: Distribution::of_durations_us(&mut all.ttc),
        by_first_touch_channel,
    }
}

/// Touchpoints before conversion and time to convert (mean, median, p90, histogram), overall
/// and by the channel of the path's first touch: the light part of [`path_stats`].
pub fn touchpoints_before_conversion(
    log: &EventLog,
    opts: &PathStatsOptions,
) -> Result<ConversionStats> {
    let cutter = Cutter::new(log, &path_options(opts))?;
    let mut acc = pass(log, &cutter, 0, Extra::None);
    Ok(conversion_stats(log, &mut acc.all, acc.by_channel))
}

/// Computes path statistics: touchpoints before conversion and time to convert (overall and by
/// first-touch channel), the most frequent path variants, and per touch its reach, conversion
/// rate and lift.
///
/// ```
/// use journey_core::metrics::path_stats::{path_stats, PathStatsOptions};
/// let csv = "customer_id,timestamp,touchpoint\n\
///            a,0,ad\na,60,site\na,120,purchase\nb,0,site\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let s = path_stats(&log, &PathStatsOptions::default()).unwrap();
/// assert_eq!(s.conversion.touches_before_conversion.median, Some(2.0));
/// assert_eq!(s.conversion.time_to_convert_s.median, Some(120.0));
/// assert_eq!(s.conversion.conversion_rate, Some(0.5));
/// ```
pub fn path_stats(log: &EventLog, opts: &PathStatsOptions) -> Result<PathStatsResult> {
    let cutter = Cutter::new(log, &path_options(opts))?;
    let names = level_names(log, opts.level);
    let Acc {
        mut all,
        by_channel,
        variants,
        touch,
        ..
    } = pass(log, &cutter, names.len(), Extra::All);
    let conversion = conversion_stats(log, &mut all, by_channel);
    let overall = conversion.conversion_rate;
    let n_variants = variants.len() as u64;
    let variants = top_variants(log, &cutter, names, variants, opts.top, all.paths);
    let shares = attribution_shares(log, opts, names)?;
    let touches = touch_rows(names, &touch, overall, &shares);
    Ok(PathStatsResult::of(
        opts,
        conversion,
        (n_variants, variants),
        touches,
    ))
}

/// Per touch (touchpoint or channel, at `level`) of the paths: the paths and customers through
/// it, their conversions, conversion rate, lift and attribution share: the per-touch part of
/// [`path_stats`], without the variants.
pub fn touch_lift(log: &EventLog, opts: &PathStatsOptions) -> Result<Vec<TouchLiftRow>> {
    touch_lift_with(log, opts, true)
}

/// [`touch_lift`], with the attribution pass only when `shares` (else every share is `None`):
/// the map from data shows reach, conversion and lift, and runs this once per persona.
pub(crate) fn touch_lift_with(
    log: &EventLog,
    opts: &PathStatsOptions,
    shares: bool,
) -> Result<Vec<TouchLiftRow>> {
    let cutter = Cutter::new(log, &path_options(opts))?;
    let names = level_names(log, opts.level);
    let mut acc = pass(log, &cutter, names.len(), Extra::Touches);
    let overall = conversion_stats(log, &mut acc.all, acc.by_channel).conversion_rate;
    let shares = if shares {
        attribution_shares(log, opts, names)?
    } else {
        vec![None; names.len()]
    };
    Ok(touch_rows(names, &acc.touch, overall, &shares))
}

/// Per touch id (at the options' level): its share of the conversion credit under the
/// options' attribution model, over the same paths (same level, lookback, exclusions,
/// collapsing and first-conversion cut); `None` for every touch when no conversion has a touch.
fn attribution_shares(
    log: &EventLog,
    opts: &PathStatsOptions,
    names: &[String],
) -> Result<Vec<Option<f64>>> {
    let a = attribution(log, &share_options(opts))?;
    Ok(shares_of(&a, names))
}

/// The attribution options of the per-touch `attribution_share`: the same paths as the
/// statistics (same level, lookback, exclusions, collapsing and first-conversion cut).
pub(crate) fn share_options(opts: &PathStatsOptions) -> AttributionOptions {
    AttributionOptions {
        model: opts.attribution_model,
        level: opts.level,
        collapse_repeats: opts.collapse_repeats,
        exclude: opts.exclude.clone(),
        first_conversion_only: opts.first_conversion_only,
        lookback: opts.lookback,
        ..AttributionOptions::default()
    }
}

/// Per name of `names`: its share in the attribution result `a`.
pub(crate) fn shares_of(a: &AttributionResult, names: &[String]) -> Vec<Option<f64>> {
    // A touch without a row (on no path) has no credit: 0 when something is credited.
    let by_name: FxHashMap<&str, Option<f64>> = a
        .rows
        .iter()
        .map(|r| (r.channel.as_str(), r.share))
        .collect();
    let none = (a.attributed_conversions > 0.0).then_some(0.0);
    names
        .iter()
        .map(|n| by_name.get(n.as_str()).copied().unwrap_or(none))
        .collect()
}

/// Rows of the touches that occur in a path, in id order.
pub(crate) fn touch_rows(
    names: &[String],
    touch: &[(u64, u64, u64)],
    overall: Option<f64>,
    shares: &[Option<f64>],
) -> Vec<TouchLiftRow> {
    touch
        .iter()
        .enumerate()
        .filter(|(_, t)| t.0 > 0)
        .map(|(id, &(paths, conversions, customers))| {
            let r = conversions as f64 / paths as f64;
            TouchLiftRow {
                name: names[id].clone(),
                paths,
                customers,
                conversions,
                conversion_rate: r,
                lift: overall.filter(|&o| o > 0.0).map(|o| r / o),
                attribution_share: shares[id],
            }
        })
        .collect()
}

/// The `top` variants (all when 0) by count, conversions, then the sequence. Only the variants
/// that can make the cut are turned back into sequences (by cutting their customer's journey
/// again), so the cost does not grow with the number of rare variants.
fn top_variants(
    log: &EventLog,
    cutter: &Cutter<'_>,
    names: &[String],
    variants: FxHashMap<u128, VariantAcc>,
    top: usize,
    n_paths: u64,
) -> Vec<VariantRow> {
    let key = |v: &VariantAcc| (std::cmp::Reverse(v.count), std::cmp::Reverse(v.conversions));
    let mut vs: Vec<VariantAcc> = variants.into_values().collect();
    if top > 0 && top < vs.len() {
        vs.select_nth_unstable_by_key(top - 1, key);
        let cut = key(&vs[top - 1]);
        // Keep the first `top` and every later variant tied with the last of them.
        let (head, tail) = vs.split_at(top);
        let mut keep = head.to_vec();
        keep.extend(tail.iter().filter(|v| key(v) == cut));
        vs = keep;
    }
    let mut buf = Vec::new();
    let mut rows: Vec<(VariantAcc, Vec<u32>)> = vs
        .into_iter()
        .map(|v| {
            let mut seq = Vec::new();
            let mut k = 0;
            cutter.cut(log.journey(v.customer).range(), &mut buf, |touches, _| {
                if k == v.ordinal {
                    seq = touches.iter().map(|&e| cutter.id(e)).collect();
                }
                k += 1;
            });
            (v, seq)
        })
        .collect();
    // Ids are in name order, so comparing id sequences compares name sequences.
    rows.sort_unstable_by(|a, b| key(&a.0).cmp(&key(&b.0)).then_with(|| a.1.cmp(&b.1)));
    if top > 0 {
        rows.truncate(top);
    }
    rows.into_iter()
        .map(|(v, seq)| VariantRow {
            path: seq.iter().map(|&t| names[t as usize].clone()).collect(),
            count: v.count,
            conversions: v.conversions,
            conversion_rate: v.conversions as f64 / v.count as f64,
            share: v.count as f64 / n_paths as f64,
        })
        .collect()
}

impl EventLog {
    /// Statistics of the conversion paths; see [`path_stats`].
    pub fn path_stats(&self, opts: &PathStatsOptions) -> Result<PathStatsResult> {
        path_stats(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    #[test]
    fn touch_lift_is_the_per_touch_table_of_path_stats() {
        let (log, _) = crate::synthetic(2_000, 3);
        for level in [Level::Touchpoint, Level::Channel] {
            let opts = PathStatsOptions {
                level,
                collapse_repeats: true,
                ..Default::default()
            };
            let full = path_stats(&log, &opts).unwrap();
            assert!(!full.touches.is_empty());
            assert_eq!(touch_lift(&log, &opts).unwrap(), full.touches);
        }
    }

    fn stats(f: impl FnOnce(&mut PathStatsOptions)) -> PathStatsResult {
        let log = crate::metrics::fixtures::paths_log();
        let mut o = PathStatsOptions::default();
        f(&mut o);
        path_stats(&log, &o).unwrap()
    }

    #[test]
    fn known_answers() {
        // Paths: a [ad site] -> 180; a [email] null; b [site site] null; c [ad site] -> 1000;
        // d [] -> 0.
        let s = stats(|_| {});
        assert_eq!((s.conversion.n_paths, s.conversion.n_conversions), (5, 3));
        assert_eq!(s.conversion.conversion_rate, Some(0.6));
        let t = &s.conversion.touches_before_conversion;
        // 2, 2, 0: median 2, mean 4/3, p90 at h = 1.8 between 2 and 2.
        assert_eq!((t.n, t.median, t.p90), (3, Some(2.0), Some(2.0)));
        assert!((t.mean.unwrap() - 4.0 / 3.0).abs() < 1e-12);
        let c = &s.conversion.time_to_convert_s;
        // 180, 1000 (d has no touch): median 590, p90 = 180 + 0.9 * 820 = 918.
        assert_eq!((c.n, c.median), (2, Some(590.0)));
        assert!((c.p90.unwrap() - 918.0).abs() < 1e-9);
        let ch: Vec<_> = s
            .conversion
            .by_first_touch_channel
            .iter()
            .map(|r| (r.channel.as_deref(), r.paths, r.conversions))
            .collect();
        assert_eq!(
            ch,
            [
                (Some("email"), 1, 0),
                (Some("social"), 2, 2),
                (Some("web"), 1, 0),
                (None, 1, 1)
            ]
        );
        assert_eq!(
            s.conversion.by_first_touch_channel[1]
                .time_to_convert_s
                .mean,
            Some(590.0)
        );
        let (got, want) = crate::metrics::fixtures::variants(&s);
        assert_eq!(got, want);
        assert_eq!(s.n_variants, 4);
        let site = s.touches.iter().find(|r| r.name == "site").unwrap();
        // site: on a's first path, b's and c's; 2 of 3 convert; lift (2/3) / 0.6 = 10/9.
        assert_eq!((site.paths, site.customers, site.conversions), (3, 3, 2));
        assert!((site.lift.unwrap() - 10.0 / 9.0).abs() < 1e-12);
        let ad = s.touches.iter().find(|r| r.name == "ad").unwrap();
        assert!((ad.lift.unwrap() - 5.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn options() {
        // Lookback 120 s: a keeps site (60 s before), c keeps nothing: touches 1, 0, 0.
        let s = stats(|o| o.lookback = Some(Duration::from_secs(120)));
        assert_eq!(s.conversion.touches_before_conversion.median, Some(0.0));
        assert!((s.conversion.touches_before_conversion.mean.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.conversion.time_to_convert_s.median, Some(120.0));
        let s = stats(|o| {
            o.level = Level::Channel;
            o.collapse_repeats = true;
            o.top = 1;
        });
        assert_eq!(s.variants.len(), 1);
        assert_eq!(s.variants[0].path, ["social", "web"]);
        assert_eq!(s.n_variants, 4); // [social web], [email], [web], []
                                     // Top 3 cuts inside the tie of [email] and [site site] (1 path, 0 conversions each):
                                     // names decide.
        let s = stats(|o| o.top = 3);
        let v: Vec<String> = s.variants.iter().map(|r| r.path.join(">")).collect();
        assert_eq!(v, ["ad>site", "", "email"]);
        assert_eq!(s.variants[0].share, 0.4);
        let light = touchpoints_before_conversion(
            &crate::metrics::fixtures::paths_log(),
            &PathStatsOptions::default(),
        )
        .unwrap();
        assert_eq!(light, stats(|_| {}).conversion);
        let s = stats(|o| o.first_conversion_only = true);
        assert_eq!((s.conversion.n_paths, s.conversion.n_conversions), (4, 3));
        let e = path_stats(&EventLog::empty(), &PathStatsOptions::default()).unwrap();
        assert_eq!(
            (e.conversion.n_paths, e.conversion.conversion_rate),
            (0, None)
        );
        assert!(e.variants.is_empty() && e.touches.is_empty());
    }

    #[test]
    fn attribution_share_by_hand() {
        // Paths: e [ad site site] converts, f [email] converts, g [site] null, h [x] null.
        let csv = "customer_id,timestamp,touchpoint\n\
            e,0,ad\ne,10,site\ne,20,site\ne,30,purchase\n\
            f,0,email\nf,5,purchase\ng,0,site\nh,0,x\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let shares = |o: PathStatsOptions| -> Vec<(String, Option<f64>)> {
            let s = path_stats(&log, &o).unwrap();
            assert_eq!(s.attribution_model, o.attribution_model);
            s.touches
                .iter()
                .map(|t| (t.name.clone(), t.attribution_share))
                .collect()
        };
        let close = |got: Vec<(String, Option<f64>)>, want: [(&str, f64); 4]| {
            assert_eq!(got.len(), 4, "{got:?}");
            for ((n, g), (wn, w)) in got.iter().zip(want) {
                assert_eq!(n, wn);
                assert!((g.unwrap() - w).abs() < 1e-12, "{n}: {g:?} != {w}");
            }
        };
        // Linear (the default): e gives ad 1/3 and site 2/3, f gives email 1; of 2 conversions
        // that is ad 1/6, email 1/2, site 1/3; x is only on a null path: 0.
        close(
            shares(PathStatsOptions::default()),
            [
                ("ad", 1.0 / 6.0),
                ("email", 0.5),
                ("site", 1.0 / 3.0),
                ("x", 0.0),
            ],
        );
        // Collapsed, e is [ad site]: ad 1/4, site 1/4.
        close(
            shares(PathStatsOptions {
                collapse_repeats: true,
                ..Default::default()
            }),
            [("ad", 0.25), ("email", 0.5), ("site", 0.25), ("x", 0.0)],
        );
        // Last touch: site (e) and email (f) one conversion each.
        close(
            shares(PathStatsOptions {
                attribution_model: Model::LastTouch,
                ..Default::default()
            }),
            [("ad", 0.0), ("email", 0.5), ("site", 0.5), ("x", 0.0)],
        );
        // Excluding email leaves f's conversion without a touch: only e is credited.
        let s = path_stats(
            &log,
            &PathStatsOptions {
                exclude: Some(vec!["email".into()]),
                attribution_model: Model::FirstTouch,
                ..Default::default()
            },
        )
        .unwrap();
        let got: Vec<_> = s
            .touches
            .iter()
            .map(|t| (t.name.as_str(), t.attribution_share))
            .collect();
        assert_eq!(
            got,
            [("ad", Some(1.0)), ("site", Some(0.0)), ("x", Some(0.0))]
        );
        // Nothing converts: no share at all.
        let none = read_events_csv(
            "customer_id,timestamp,touchpoint\na,0,ad\n".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap();
        let s = path_stats(&none, &PathStatsOptions::default()).unwrap();
        assert_eq!(s.touches[0].attribution_share, None);
        // From JSON, as the bindings pass it; an unknown model is refused.
        let o: PathStatsOptions =
            serde_json::from_value(serde_json::json!({"attribution_model": "markov"})).unwrap();
        assert_eq!(o.attribution_model, Model::Markov);
        let e = serde_json::from_value::<PathStatsOptions>(
            serde_json::json!({"attribution_model": "magic"}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("magic"), "{e}");
    }

    #[test]
    fn table() {
        let log = crate::metrics::fixtures::paths_log();
        let t = conversion_paths_table(&log, &ConversionPathsOptions::default()).unwrap();
        assert_eq!(t.n_paths, 5);
        assert_eq!(t.rows[0].touches, ["social", "web"]);
        assert_eq!(t.rows[0].end_time, "1970-01-01T00:03:00Z");
        assert_eq!(t.rows[4].customer_id, "d");
        assert_eq!(t.rows[4].n_touches, 0);
    }
}
