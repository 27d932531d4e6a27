//! Conversion paths (docs/attribution.md): the unit of attribution and of touchpoints-before-conversion.
//!
//! A customer's journey is cut at every conversion: a path runs from the first event (or the
//! event after the previous conversion) up to the next conversion, which ends the path and is not
//! a touch in it. Events after the last conversion form a final non-converting ("null") path.
//! With `first_conversion_only`, each customer has exactly one path: up to the first conversion,
//! or the whole journey if they never convert.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::EventLog;

/// Whether paths are sequences of touchpoints or of channels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Touchpoint names.
    Touchpoint,
    /// Channel names (the default for attribution).
    #[default]
    Channel,
}

impl std::str::FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "touchpoint" => Ok(Level::Touchpoint),
            "channel" => Ok(Level::Channel),
            _ => Err(Error::argument(
                "level",
                format!("{s:?}: expected \"touchpoint\" or \"channel\""),
            )),
        }
    }
}

/// How to cut journeys into conversion paths.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathOptions {
    /// Touchpoint or channel level.
    pub level: Level,
    /// Touches more than this long (microseconds) before the conversion are dropped.
    /// Non-converting paths are never trimmed.
    pub lookback_us: Option<i64>,
    /// One path per customer: up to the first conversion, or the whole journey.
    pub first_conversion_only: bool,
    /// Merge consecutive repeats of the same touch into one. The lookback trims first; a
    /// collapsed run is one touch at the time of its latest touch.
    pub collapse_repeats: bool,
    /// Touchpoint names removed from paths (e.g. on-site checkout steps). Names that are not
    /// touchpoints of the log are ignored; [`unknown_excluded`] lists them.
    pub exclude: Vec<String>,
}

/// All conversion paths of a log, columnar.
///
/// Path `p` has touches `offsets[p]..offsets[p + 1]` in [`Paths::touches`] (ids at the chosen
/// level: touchpoint ids or channel ids of the log) with their times in [`Paths::times`].
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    /// Level of the ids in `touches`.
    pub level: Level,
    /// Names of the ids (touchpoint or channel names of the log).
    pub names: Vec<String>,
    /// Path boundaries into `touches` / `times`.
    pub offsets: Vec<usize>,
    /// Touch ids.
    pub touches: Vec<u32>,
    /// Touch times, microseconds UTC.
    pub times: Vec<i64>,
    /// Customer index of each path.
    pub customer: Vec<u32>,
    /// Whether each path ends in a conversion.
    pub converted: Vec<bool>,
    /// Conversion time (microseconds), or the time of the last event for null paths.
    pub end_time: Vec<i64>,
    /// Conversion value (0 when the conversion has none, or for null paths).
    pub value: Vec<f64>,
}

/// A borrowed view of one path.
#[derive(Debug, Clone, Copy)]
pub struct PathRef<'a> {
    /// Touch ids.
    pub touches: &'a [u32],
    /// Touch times.
    pub times: &'a [i64],
    /// Customer index.
    pub customer: u32,
    /// Ends in a conversion.
    pub converted: bool,
    /// Conversion time, or last event time of a null path.
    pub end_time: i64,
    /// Conversion value.
    pub value: f64,
}

impl Paths {
    /// Number of paths.
    pub fn len(&self) -> usize {
        self.customer.len()
    }
    /// Whether there is no path.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
    /// Path `p`.
    pub fn get(&self, p: usize) -> PathRef<'_> {
        let r = self.offsets[p]..self.offsets[p + 1];
        PathRef {
            touches: &self.touches[r.clone()],
            times: &self.times[r],
            customer: self.customer[p],
            converted: self.converted[p],
            end_time: self.end_time[p],
            value: self.value[p],
        }
    }
    /// All paths in order (customer index, then time).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = PathRef<'_>> + '_ {
        (0..self.len()).map(|p| self.get(p))
    }
    /// Number of converting paths.
    pub fn n_conversions(&self) -> usize {
        self.converted.iter().filter(|&&c| c).count()
    }
}

/// Cuts every journey of `log` into conversion paths.
///
/// ```
/// use journey_core::metrics::paths::{conversion_paths, Level, PathOptions};
/// let csv = "customer_id,timestamp,touchpoint,channel\n\
///            a,1,ad,social\na,2,site,web\na,3,purchase,web\na,4,email,email\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let opts = PathOptions { level: Level::Touchpoint, ..Default::default() };
/// let paths = conversion_paths(&log, &opts).unwrap();
/// assert_eq!(paths.len(), 2); // [ad, site] -> purchase, then [email] -> null
/// assert!(paths.get(0).converted && !paths.get(1).converted);
/// ```
pub fn conversion_paths(log: &EventLog, opts: &PathOptions) -> Result<Paths> {
    let cutter = Cutter::new(log, opts)?;
    let names = match opts.level {
        Level::Touchpoint => log.touchpoints().to_vec(),
        Level::Channel => log.channels().to_vec(),
    };
    let mut out = Paths {
        level: opts.level,
        names,
        offsets: vec![0],
        touches: Vec::new(),
        times: Vec::new(),
        customer: Vec::new(),
        converted: Vec::new(),
        end_time: Vec::new(),
        value: Vec::new(),
    };
    let mut buf = PathBuffer::default();
    for j in log.journeys() {
        cutter.cut(j.customer(), j.range(), &mut buf, |p| {
            out.touches.extend_from_slice(p.touches);
            out.times.extend_from_slice(p.times);
            out.offsets.push(out.touches.len());
            out.customer.push(p.customer);
            out.converted.push(p.converted);
            out.end_time.push(p.end_time);
            out.value.push(p.value);
        });
    }
    Ok(out)
}

/// The names of `exclude` that are not touchpoints of `log` (so exclude nothing), each once,
/// in the order given. Unknown names are not an error, so one standard exclude list (say, every
/// checkout step) can be used on logs that lack some of them; results report them instead.
pub fn unknown_excluded(log: &EventLog, exclude: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in exclude {
        if log.touchpoint_id(name).is_none() && !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}

/// Scratch space for [`Cutter::cut`], reused across journeys.
#[derive(Debug, Default)]
pub(crate) struct PathBuffer {
    touches: Vec<u32>,
    times: Vec<i64>,
}

/// Cuts one journey at a time into conversion paths, so callers can consume paths as they are
/// made (in parallel over customers) instead of materialising [`Paths`].
#[derive(Debug)]
pub(crate) struct Cutter<'a> {
    log: &'a EventLog,
    ids: &'a [u32],
    excluded: Vec<bool>,
    lookback_us: Option<i64>,
    first_conversion_only: bool,
    collapse_repeats: bool,
}

impl<'a> Cutter<'a> {
    pub(crate) fn new(log: &'a EventLog, opts: &PathOptions) -> Result<Self> {
        if let Some(w) = opts.lookback_us {
            if w < 0 {
                return Err(Error::argument("lookback", "must not be negative"));
            }
        }
        let mut excluded = vec![false; log.touchpoints().len()];
        for name in &opts.exclude {
            if let Some(id) = log.touchpoint_id(name) {
                excluded[id as usize] = true;
            }
        }
        let ids = match opts.level {
            Level::Touchpoint => log.touchpoint_ids(),
            Level::Channel => log.channel_ids(),
        };
        Ok(Cutter {
            log,
            ids,
            excluded,
            lookback_us: opts.lookback_us,
            first_conversion_only: opts.first_conversion_only,
            collapse_repeats: opts.collapse_repeats,
        })
    }

    /// Calls `emit` with each path of the journey of `customer` (events `range` of the log), in
    /// time order. Converting paths may have no touch; null paths always have one.
    pub(crate) fn cut(
        &self,
        customer: u32,
        range: std::ops::Range<usize>,
        buf: &mut PathBuffer,
        mut emit: impl FnMut(PathRef<'_>),
    ) {
        let ts = self.log.timestamps();
        let tps = self.log.touchpoint_ids();
        let values = self.log.values();
        buf.touches.clear();
        buf.times.clear();
        let Some(last) = range.end.checked_sub(1) else {
            return;
        };
        for i in range {
            let tp = tps[i];
            if self.log.is_conversion(tp) {
                let keep_from = match self.lookback_us {
                    Some(w) => buf
                        .times
                        .iter()
                        .position(|&t| ts[i] - t <= w)
                        .unwrap_or(buf.times.len()),
                    None => 0,
                };
                emit(PathRef {
                    touches: &buf.touches[keep_from..],
                    times: &buf.times[keep_from..],
                    customer,
                    converted: true,
                    end_time: ts[i],
                    value: if values[i].is_nan() { 0.0 } else { values[i] },
                });
                buf.touches.clear();
                buf.times.clear();
                if self.first_conversion_only {
                    return;
                }
                continue;
            }
            if self.excluded[tp as usize] {
                continue;
            }
            let id = self.ids[i];
            if self.collapse_repeats && buf.touches.last() == Some(&id) {
                // The run is one touch at its latest time. Trimming to the lookback afterwards
                // (by that time) is then the same as trimming first and collapsing the rest:
                // a run with any touch in the window keeps one, at a time in the window.
                if let Some(t) = buf.times.last_mut() {
                    *t = ts[i];
                }
                continue;
            }
            buf.touches.push(id);
            buf.times.push(ts[i]);
        }
        if !buf.touches.is_empty() {
            emit(PathRef {
                touches: &buf.touches,
                times: &buf.times,
                customer,
                converted: false,
                end_time: ts[last],
                value: 0.0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    fn log(csv: &str) -> EventLog {
        read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    fn names(p: &Paths, k: usize) -> Vec<&str> {
        p.get(k)
            .touches
            .iter()
            .map(|&t| p.names[t as usize].as_str())
            .collect()
    }

    const CSV: &str = "customer_id,timestamp,touchpoint,channel,value\n\
        a,10,ad,social,\n\
        a,20,site,web,\n\
        a,30,purchase,web,50\n\
        a,40,email,email,\n\
        a,50,site,web,\n\
        a,60,purchase,web,\n\
        a,70,email,email,\n\
        b,10,site,web,\n\
        b,10,site,web,\n";

    #[test]
    fn cuts_at_every_conversion() {
        let l = log(CSV);
        let p = conversion_paths(
            &l,
            &PathOptions {
                level: Level::Touchpoint,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(names(&p, 0), ["ad", "site"]);
        assert_eq!(names(&p, 1), ["email", "site"]);
        assert_eq!(names(&p, 2), ["email"]);
        assert_eq!(names(&p, 3), ["site", "site"]);
        assert_eq!(p.converted, [true, true, false, false]);
        assert_eq!(p.value, [50.0, 0.0, 0.0, 0.0]);
        assert_eq!(p.end_time[0], 30_000_000);
        assert_eq!(p.n_conversions(), 2);
    }

    #[test]
    fn options() {
        let l = log(CSV);
        let first = conversion_paths(
            &l,
            &PathOptions {
                first_conversion_only: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(names(&first, 0), ["social", "web"]);
        assert_eq!(names(&first, 1), ["web", "web"]);
        let collapsed = conversion_paths(
            &l,
            &PathOptions {
                collapse_repeats: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(names(&collapsed, 3), ["web"]);
        let lookback = conversion_paths(
            &l,
            &PathOptions {
                lookback_us: Some(10_000_000),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(names(&lookback, 0), ["web"]);
        assert_eq!(names(&lookback, 1), ["web"]);
        let excl = conversion_paths(
            &l,
            &PathOptions {
                exclude: vec!["site".into()],
                level: Level::Touchpoint,
                ..Default::default()
            },
        )
        .unwrap();
        // b's journey is all excluded: no path at all.
        assert_eq!(excl.len(), 3);
        assert_eq!(names(&excl, 1), ["email"]);
        assert!("bad".parse::<Level>().is_err());
    }
}
