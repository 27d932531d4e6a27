//! Breakdowns: each response joined to its group key (touchpoint, stage, channel or a property
//! of the log, the touchpoint of a response without one taken from the customer's journey),
//! and the answers tallied per group.

use super::*;

/// What a breakdown groups by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum By<'a> {
    Touchpoint,
    Stage,
    Channel,
    Property(&'a str),
}

impl<'a> By<'a> {
    fn parse(s: &'a str) -> Result<Self> {
        Ok(match s {
            "touchpoint" => By::Touchpoint,
            "stage" => By::Stage,
            "channel" => By::Channel,
            "" => return Err(Error::argument("by", "must not be empty")),
            p => By::Property(p),
        })
    }
}

/// Group keys of the responses: `names[key[r]]` is response `r`'s group, [`NO_ID`] for none.
pub(super) struct Keys {
    names: Vec<String>,
    key: Vec<u32>,
}

/// A small string table for group keys.
#[derive(Default)]
pub(super) struct KeyTable {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl KeyTable {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), id);
        id
    }
}

/// Joins responses to the event log. Responses are sorted by customer, so remembering the last
/// customer looked up saves almost every lookup.
pub(super) struct Join<'a> {
    log: &'a EventLog,
    surveys: &'a Surveys,
    /// The last survey customer looked up and its log customer index ([`NO_ID`]: not in the log).
    last: Option<(u32, u32)>,
}

impl<'a> Join<'a> {
    fn new(log: &'a EventLog, surveys: &'a Surveys) -> Self {
        Join {
            log,
            surveys,
            last: None,
        }
    }

    /// Response `r`'s customer's events: `(first, at, end)` where `first..at` are the events at
    /// or before the response time and `first..end` all of them.
    fn events(&mut self, r: usize) -> Option<(usize, usize, usize)> {
        let sc = self.surveys.customer[r];
        let c = match self.last {
            Some((k, c)) if k == sc => c,
            _ => {
                let name = self.surveys.customers.name(sc);
                let c = self.log.customers.get(name).unwrap_or(NO_ID);
                self.last = Some((sc, c));
                c
            }
        };
        if c == NO_ID {
            return None;
        }
        let (a, b) = (
            self.log.offsets[c as usize],
            self.log.offsets[c as usize + 1],
        );
        let t = self.surveys.ts[r];
        let k = self.log.ts[a..b].partition_point(|&x| x <= t);
        Some((a, a + k, b))
    }

    /// The event a response is about: with a touchpoint (log id `tp`), the customer's latest
    /// event at that touchpoint at or before the response; without one, their latest event at or
    /// before the response.
    fn anchor(&mut self, r: usize, tp: Option<u32>) -> Option<usize> {
        let (a, k, _) = self.events(r)?;
        match tp {
            None => (k > a).then(|| k - 1),
            Some(tp) => (a..k).rev().find(|&i| self.log.touchpoint[i] == tp),
        }
    }
}

/// Responses per task when keys are computed in parallel.
pub(super) const CHUNK: usize = 4096;
/// A key to be filled in after the parallel pass (from the touchpoint defaults).
pub(super) const PENDING: u32 = NO_ID - 1;

/// Computes one key per response, `f(r, join)`, in chunks (in parallel when enabled).
pub(super) fn map_keys(
    surveys: &Surveys,
    log: Option<&EventLog>,
    f: impl Fn(usize, Option<&mut Join<'_>>) -> u32 + Sync,
) -> Vec<u32> {
    let mut key = vec![NO_ID; surveys.len()];
    let run = |i: usize, ks: &mut [u32]| {
        let mut join = log.map(|l| Join::new(l, surveys));
        for (j, k) in ks.iter_mut().enumerate() {
            *k = f(i * CHUNK + j, join.as_mut());
        }
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        key.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, ks)| run(i, ks));
    }
    #[cfg(not(feature = "parallel"))]
    for (i, ks) in key.chunks_mut(CHUNK).enumerate() {
        run(i, ks);
    }
    key
}

/// For touchpoint names of the surveys: the channel or stage name the log gives them when no
/// event can be matched (catalog first, else the value most often seen with the touchpoint).
pub(super) fn touchpoint_defaults(
    log: &EventLog,
    surveys: &Surveys,
    channel: bool,
    needed: &[bool],
    scan_log: bool,
) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None; surveys.touchpoints().len()];
    let mut scan = Vec::new();
    for (sid, name) in surveys.touchpoints().iter().enumerate() {
        if !needed[sid] {
            continue;
        }
        let entry = log.catalog().get(name);
        let from_catalog = entry.and_then(|e| {
            if channel {
                e.channel.clone()
            } else {
                e.stage.clone()
            }
        });
        match from_catalog {
            Some(v) => out[sid] = Some(v),
            None => {
                if let Some(tp) = log.touchpoint_id(name) {
                    scan.push((sid, tp));
                }
            }
        }
    }
    if scan.is_empty() || !scan_log {
        return out;
    }
    // One pass over the log, only when some touchpoint is neither matched nor in the catalog.
    let n_values = if channel {
        log.channels().len()
    } else {
        log.stages().len()
    };
    let mut counts: FxHashMap<u32, Vec<u64>> = scan
        .iter()
        .map(|&(_, tp)| (tp, vec![0u64; n_values]))
        .collect();
    for i in 0..log.n_events() {
        if let Some(c) = counts.get_mut(&log.touchpoint[i]) {
            let v = if channel {
                log.channel[i]
            } else if log.stage[i] == NO_STAGE {
                continue;
            } else {
                log.stage[i] as u32
            };
            c[v as usize] += 1;
        }
    }
    for (sid, tp) in scan {
        let c = &counts[&tp];
        // Most often seen; ties go to the smaller id (name order, or journey order of stages).
        let best = c
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)));
        out[sid] = best.map(|(v, _)| {
            if channel {
                log.channel_name(v as u32).to_string()
            } else {
                log.stages()[v].clone()
            }
        });
    }
    out
}

/// Which responses have an answer in the metric's column.
pub(super) fn answered(col: &[u8]) -> impl Fn(usize) -> bool + Sync + '_ {
    move |r| col[r] != NO_SCORE
}

pub(super) fn group_keys(
    surveys: &Surveys,
    log: Option<&EventLog>,
    by: &By<'_>,
    wanted: &(dyn Fn(usize) -> bool + Sync),
    defer: bool,
) -> Result<Keys> {
    // Long because each grouping (touchpoint, channel, stage, property) is one arm over the
    // same key table and the same lookups of the log.
    let mut table = KeyTable::default();
    let needs_log = |what: &str| {
        Error::argument(
            "by",
            format!("grouping by {what} needs the event log; pass the log along with the surveys"),
        )
    };
    let key = match by {
        By::Touchpoint => {
            let s2k: Vec<u32> = surveys
                .touchpoints()
                .iter()
                .map(|t| table.intern(t))
                .collect();
            let l2k: Vec<u32> = log.map_or(Vec::new(), |l| {
                l.touchpoints().iter().map(|t| table.intern(t)).collect()
            });
            map_keys(surveys, log, |r, join| {
                let tp = surveys.touchpoint[r];
                if !wanted(r) {
                    NO_ID
                } else if tp != NO_ID {
                    s2k[tp as usize]
                } else {
                    join.and_then(|j| j.anchor(r, None))
                        .map_or(NO_ID, |i| l2k[log.expect("joined").touchpoint[i] as usize])
                }
            })
        }
        By::Stage | By::Channel => {
            let channel = *by == By::Channel;
            let log = log.ok_or_else(|| needs_log(if channel { "channel" } else { "stage" }))?;
            // Keys 0.. are the log's channel (or stage) ids; catalog-only names come after.
            let names = if channel {
                log.channels()
            } else {
                log.stages()
            };
            for name in names {
                table.intern(name);
            }
            let s2l: Vec<Option<u32>> = surveys
                .touchpoints()
                .iter()
                .map(|t| log.touchpoint_id(t))
                .collect();
            let mut key = map_keys(surveys, Some(log), |r, join| {
                let join = join.expect("log given");
                if !wanted(r) {
                    return NO_ID;
                }
                let stp = surveys.touchpoint[r];
                let anchor = if stp == NO_ID {
                    join.anchor(r, None)
                } else {
                    s2l[stp as usize].and_then(|tp| join.anchor(r, Some(tp)))
                };
                match anchor {
                    Some(i) if channel => log.channel[i],
                    Some(i) if log.stage[i] != NO_STAGE => log.stage[i] as u32,
                    Some(_) => NO_ID,
                    // Names a touchpoint, but no event of it matches: fill in afterwards.
                    None if stp != NO_ID => PENDING,
                    None => NO_ID,
                }
            });
            let mut needed = vec![false; surveys.touchpoints().len()];
            let mut any = false;
            for (r, &k) in key.iter().enumerate() {
                if k == PENDING {
                    needed[surveys.touchpoint[r] as usize] = true;
                    any = true;
                }
            }
            if any {
                // Deferred (a partition of a larger log): the catalog here, the counts of the
                // whole log later; the key stays pending without a catalog entry.
                let defaults = touchpoint_defaults(log, surveys, channel, &needed, !defer);
                let none = if defer { PENDING } else { NO_ID };
                let dk: Vec<u32> = defaults
                    .iter()
                    .map(|d| d.as_deref().map_or(none, |s| table.intern(s)))
                    .collect();
                for (r, k) in key.iter_mut().enumerate() {
                    if *k == PENDING {
                        *k = dk[surveys.touchpoint[r] as usize];
                    }
                }
            }
            key
        }
        By::Property(name) => {
            let log = log.ok_or_else(|| needs_log(&format!("property {name:?}")))?;
            let Some(col) = log.property(name) else {
                let mut known: Vec<&str> = vec!["touchpoint", "stage", "channel"];
                known.extend(log.properties().iter().map(|p| p.name.as_str()));
                return Err(Error::argument(
                    "by",
                    format!(
                        "{name:?} is not a property of the event log; expected one of {}",
                        known.join(", ")
                    ),
                ));
            };
            for v in col.values.names() {
                table.intern(v);
            }
            let ids = &col.ids;
            map_keys(surveys, Some(log), |r, join| {
                if !wanted(r) {
                    return NO_ID;
                }
                // The value as of the response: the latest event at or before it that carries
                // the property, else the first later one.
                let Some((a, at, b)) = join.expect("log given").events(r) else {
                    return NO_ID;
                };
                (a..at)
                    .rev()
                    .map(|i| ids[i])
                    .find(|&v| v != NO_ID)
                    .or_else(|| (at..b).map(|i| ids[i]).find(|&v| v != NO_ID))
                    .unwrap_or(NO_ID)
            })
        }
    };
    Ok(Keys {
        names: table.names,
        key,
    })
}

/// Histograms of one score column, overall and per key.
pub(super) fn tally<const N: usize>(
    col: &[u8],
    lo: u8,
    keys: Option<&Keys>,
) -> ([u64; N], FxHashMap<u32, [u64; N]>) {
    let mut all = [0u64; N];
    let mut per: FxHashMap<u32, [u64; N]> = FxHashMap::default();
    for (r, &s) in col.iter().enumerate() {
        if s == NO_SCORE {
            continue;
        }
        let bin = (s - lo) as usize;
        all[bin] += 1;
        if let Some(k) = keys {
            per.entry(k.key[r]).or_insert([0; N])[bin] += 1;
        }
    }
    (all, per)
}

pub(super) fn breakdown<T, const N: usize>(
    surveys: &Surveys,
    log: Option<&EventLog>,
    opts: &ScoreOptions,
    col: &[u8],
    lo: u8,
    stats: impl Fn(&[u64; N]) -> T,
) -> Result<Breakdown<T>> {
    let by = opts.by.as_deref().map(By::parse).transpose()?;
    let keys = match &by {
        Some(b) => Some(group_keys(surveys, log, b, &answered(col), false)?),
        None => None,
    };
    let (all, per) = tally::<N>(col, lo, keys.as_ref());
    let groups = per
        .into_iter()
        .map(|(k, h)| {
            let key = keys
                .as_ref()
                .filter(|_| k != NO_ID)
                .map(|ks| ks.names[k as usize].clone());
            (key, h)
        })
        .collect();
    Ok(assemble(opts, &all, groups, stats))
}

/// The breakdown from the histograms of every answer and of each group (by key, `None` for
/// responses without one): groups sorted by key (stages in journey order), `None` last.
pub(crate) fn assemble<T, const N: usize>(
    opts: &ScoreOptions,
    all: &[u64; N],
    mut groups: Vec<(Option<String>, [u64; N])>,
    stats: impl Fn(&[u64; N]) -> T,
) -> Breakdown<T> {
    let stage_rank = |s: &str| Stage::default_rank(s).unwrap_or(usize::MAX);
    let by_stage = opts.by.as_deref() == Some("stage");
    groups.sort_by(|(a, _), (b, _)| match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) if by_stage => stage_rank(x).cmp(&stage_rank(y)).then(x.cmp(y)),
        (Some(x), Some(y)) => x.cmp(y),
    });
    Breakdown {
        by: opts.by.clone(),
        overall: stats(all),
        groups: groups
            .into_iter()
            .map(|(key, h)| Group {
                key,
                stats: stats(&h),
            })
            .collect(),
    }
}

/// What a partition of a larger log contributes to a breakdown: the histogram of every answer,
/// per group key, and per touchpoint name the answers whose key waits for the whole log (stage
/// or channel of a touchpoint none of whose events matched and that the catalog does not
/// place).
pub(crate) type PartTally<const N: usize> = (
    [u64; N],
    BTreeMap<Option<String>, [u64; N]>,
    BTreeMap<String, [u64; N]>,
);

/// The [`PartTally`] of one score column (`nps`, `csat` or `ces`) of a partition.
pub(crate) fn part_tally<const N: usize>(
    surveys: &Surveys,
    log: &EventLog,
    opts: &ScoreOptions,
    col: &[u8],
    lo: u8,
) -> Result<PartTally<N>> {
    let by = opts.by.as_deref().map(By::parse).transpose()?;
    let keys = match &by {
        Some(b) => Some(group_keys(surveys, Some(log), b, &answered(col), true)?),
        None => None,
    };
    let mut all = [0u64; N];
    let mut groups: BTreeMap<Option<String>, [u64; N]> = BTreeMap::new();
    let mut pending: BTreeMap<String, [u64; N]> = BTreeMap::new();
    for (r, &s) in col.iter().enumerate() {
        if s == NO_SCORE {
            continue;
        }
        let bin = (s - lo) as usize;
        all[bin] += 1;
        let Some(ks) = &keys else { continue };
        let k = ks.key[r];
        if k == PENDING {
            let tp = surveys.touchpoints.name(surveys.touchpoint[r]).to_string();
            pending.entry(tp).or_insert([0; N])[bin] += 1;
        } else {
            let key = (k != NO_ID).then(|| ks.names[k as usize].clone());
            groups.entry(key).or_insert([0; N])[bin] += 1;
        }
    }
    Ok((all, groups, pending))
}

/// Per touchpoint of the log that the catalog does not give a channel (or stage): how many of
/// its events carry each channel (stage) name. What a partition contributes to placing the
/// pending answers of a [`PartTally`].
pub(crate) fn touchpoint_value_counts(
    log: &EventLog,
    channel: bool,
) -> BTreeMap<String, BTreeMap<String, u64>> {
    let placed = |name: &str| {
        log.catalog().get(name).is_some_and(|e| {
            if channel {
                e.channel.is_some()
            } else {
                e.stage.is_some()
            }
        })
    };
    let skip: Vec<bool> = log.touchpoints().iter().map(|t| placed(t)).collect();
    let n_values = if channel {
        log.channels().len()
    } else {
        log.stages().len()
    };
    let mut counts = vec![vec![0u64; n_values]; log.touchpoints().len()];
    for i in 0..log.n_events() {
        let t = log.touchpoint[i] as usize;
        if skip[t] {
            continue;
        }
        let v = if channel {
            log.channel[i] as usize
        } else if log.stage[i] == NO_STAGE {
            continue;
        } else {
            log.stage[i] as usize
        };
        counts[t][v] += 1;
    }
    let name = |v: usize| {
        if channel {
            log.channel_name(v as u32).to_string()
        } else {
            log.stages()[v].clone()
        }
    };
    counts
        .into_iter()
        .enumerate()
        .filter(|(_, c)| c.iter().any(|&n| n > 0))
        .map(|(t, c)| {
            let m = c
                .into_iter()
                .enumerate()
                .filter(|&(_, n)| n > 0)
                .map(|(v, n)| (name(v), n))
                .collect();
            (log.touchpoint_name(t as u32).to_string(), m)
        })
        .collect()
}
