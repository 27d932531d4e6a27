//! The report as a partial: a bundle of the partials of what it shows (the KPIs, the map from
//! data, the funnel, the path statistics of its top paths, the attribution table, the retention
//! cohorts, the conversion drivers and, with surveys, the scores by touchpoint), merged part by
//! part and rendered from
//! the finished parts with the single-machine code. Plus `funnel_steps`, the default funnel
//! chosen from the data, a first pass whose result every partition's report partial takes (the
//! funnel's steps must be fixed before the partitions run).

use std::collections::BTreeMap;

use serde_json::Value;

use super::codec::{corrupted, Codec, Reader, Writer};
use super::{Analysis, Context, Finished, Partial};
use crate::args::from_json;
use crate::error::{Error, Result};
use crate::metrics::exact_sum::ExactSum;
use crate::metrics::path_stats::PathStatsOptions;
use crate::metrics::retention::KpiOptions;
use crate::metrics::survey::ScoreOptions;
use crate::model::{EventLog, Surveys};
use crate::report::{
    check, choose_funnel_steps, funnel_options, render, report_drivers_options, top_split_paths,
    FunnelStepStats, Parts, ReportOptions,
};

/// Options of the report partial: the options of [`crate::report::report`] and, when they
/// leave the funnel to the data (no `funnel`), the steps chosen by the `funnel_steps` partial
/// over the whole log (`funnel_steps`), which every partition must share.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPartialOptions {
    /// The report's options.
    pub report: ReportOptions,
    /// The default funnel's steps, from the finished `funnel_steps` partial.
    pub funnel_steps: Option<Vec<String>>,
}

impl ReportPartialOptions {
    pub(crate) fn from_json(v: &Value) -> Result<Self> {
        let mut v = v.clone();
        let steps = match v.as_object_mut().and_then(|o| o.remove("funnel_steps")) {
            None | Some(Value::Null) => None,
            Some(s) => Some(from_json::<Vec<String>>("funnel_steps", &s)?),
        };
        let report: ReportOptions = from_json("report options", &v)?;
        if report.funnel.is_none() && steps.is_none() {
            return Err(Error::argument(
                "funnel_steps",
                "the report's funnel is chosen from the whole log: give funnel=[...], or \
                 funnel_steps= the finished funnel_steps partial of every partition",
            ));
        }
        Ok(ReportPartialOptions {
            report,
            funnel_steps: steps,
        })
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.report).expect("options serialise");
        v["funnel_steps"] = serde_json::to_value(&self.funnel_steps).expect("a list");
        v
    }

    fn steps(&self) -> Vec<String> {
        self.report
            .funnel
            .clone()
            .or_else(|| self.funnel_steps.clone())
            .unwrap_or_default()
    }
}

fn by_touchpoint() -> Value {
    serde_json::to_value(ScoreOptions {
        by: Some("touchpoint".to_string()),
    })
    .expect("options serialise")
}

/// The analyses of the report's parts, by the name of their part. The drivers' options depend
/// on the log (its persona property): without it, the default ones.
fn analyses(
    opts: &ReportPartialOptions,
    surveys: bool,
    log: Option<&EventLog>,
) -> Result<Vec<(&'static str, Analysis)>> {
    let r = &opts.report;
    let mut out = vec![
        ("kpis", Analysis::Kpis(KpiOptions::default())),
        ("map", Analysis::MapFromData(r.map.clone())),
        (
            "paths",
            Analysis::PathStats(PathStatsOptions {
                top: 0,
                ..PathStatsOptions::default()
            }),
        ),
        (
            "attribution",
            Analysis::AttributionTable(r.attribution.clone()),
        ),
        ("retention", Analysis::Retention(r.retention.clone())),
    ];
    let steps = opts.steps();
    if !steps.is_empty() {
        out.push(("funnel", Analysis::Funnel(funnel_options(&steps, r))));
    }
    if r.drivers {
        out.push((
            "drivers",
            Analysis::ConversionDrivers(log.map(report_drivers_options).unwrap_or_default()),
        ));
    }
    if surveys {
        for name in ["nps", "csat", "ces"] {
            out.push((name, Analysis::from_json(name, &by_touchpoint())?));
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReportState {
    parts: BTreeMap<String, Partial>,
    n_customers: u64,
    n_events: u64,
    n_responses: Option<u64>,
    rows_read: u64,
    rows_skipped: u64,
}

impl ReportState {
    pub(crate) fn of(
        log: &EventLog,
        surveys: Option<&Surveys>,
        opts: &ReportPartialOptions,
        ctx: &Context,
    ) -> Result<Self> {
        check(&opts.report)?;
        if opts.report.compare.is_some() {
            return Err(crate::Error::argument(
                "compare",
                "the what changed section is not available from partial results yet",
            ));
        }
        if opts.report.open_journeys.is_some() {
            return Err(crate::Error::argument(
                "open_journeys",
                "the open journeys section needs the whole log; it cannot be made from partial \
                 results",
            ));
        }
        let mut parts = BTreeMap::new();
        for (name, a) in analyses(opts, surveys.is_some(), Some(log))? {
            parts.insert(
                name.to_string(),
                log.partial_with_surveys(&a, ctx, surveys)?,
            );
        }
        let lr = log.load_report();
        Ok(ReportState {
            parts,
            n_customers: log.n_customers() as u64,
            n_events: log.n_events() as u64,
            n_responses: surveys.map(|s| s.len() as u64),
            rows_read: lr.rows_read,
            rows_skipped: lr.rows_skipped,
        })
    }

    pub(crate) fn merge(&mut self, b: ReportState) -> Result<()> {
        for (k, p) in b.parts {
            let merged = match self.parts.remove(&k) {
                Some(a) => a.merge(p)?,
                None => p,
            };
            self.parts.insert(k, merged);
        }
        self.n_customers += b.n_customers;
        self.n_events += b.n_events;
        self.n_responses = match (self.n_responses, b.n_responses) {
            (Some(x), Some(y)) => Some(x + y),
            (x, y) => x.or(y),
        };
        self.rows_read += b.rows_read;
        self.rows_skipped += b.rows_skipped;
        Ok(())
    }

    pub(crate) fn finish(mut self, opts: &ReportPartialOptions, ctx: &Context) -> Result<String> {
        let mut take = |name: &str| -> Result<Option<Finished>> {
            self.parts.remove(name).map(Partial::finish).transpose()
        };
        let bad = || corrupted("a part of the report is missing");
        let Some(Finished::Kpis(kpis)) = take("kpis")? else {
            return Err(bad());
        };
        let Some(Finished::Map(map)) = take("map")? else {
            return Err(bad());
        };
        let Some(Finished::PathStats(all)) = take("paths")? else {
            return Err(bad());
        };
        let Some(Finished::AttributionTable(attribution)) = take("attribution")? else {
            return Err(bad());
        };
        let Some(Finished::Retention(retention)) = take("retention")? else {
            return Err(bad());
        };
        let funnel = match take("funnel")? {
            Some(Finished::Funnel(f)) => Some((opts.steps(), f)),
            None => None,
            Some(_) => return Err(bad()),
        };
        let drivers = match take("drivers")? {
            Some(Finished::Drivers(d)) => Some(d),
            None => None,
            Some(_) => return Err(bad()),
        };
        let by_touchpoint = match (take("nps")?, take("csat")?, take("ces")?) {
            (Some(Finished::Nps(n)), Some(Finished::Csat(c)), Some(Finished::Ces(e))) => {
                Some((n, c, e))
            }
            (None, None, None) => None,
            _ => return Err(bad()),
        };
        let top_paths = top_split_paths(
            |top| {
                let mut p = all.clone();
                if top > 0 {
                    p.variants.truncate(top);
                }
                Ok(p)
            },
            opts.report.top_paths,
        )?;
        render(
            Parts {
                n_customers: self.n_customers,
                n_events: self.n_events,
                n_responses: self.n_responses,
                span: ctx.first_us().zip(ctx.last_us()),
                kpis,
                by_touchpoint,
                map: *map,
                funnel,
                top_paths,
                attribution,
                retention,
                rows_read: self.rows_read,
                rows_skipped: self.rows_skipped,
                open_journeys: None,
                drivers,
                compare: None,
            },
            &opts.report,
        )
    }

    pub(crate) fn fits(&self, opts: &ReportPartialOptions) -> bool {
        let surveys = self.parts.contains_key("nps");
        analyses(opts, surveys, None).is_ok_and(|want| {
            want.len() == self.parts.len()
                && want.iter().all(|(n, a)| {
                    self.parts
                        .get(*n)
                        .is_some_and(|p| p.analysis().name() == a.name())
                })
        })
    }
}

impl Codec for ReportState {
    fn enc(&self, w: &mut Writer) {
        w.u64(self.parts.len() as u64);
        for (k, p) in &self.parts {
            k.enc(w);
            w.bytes(&p.to_bytes());
        }
        self.n_customers.enc(w);
        self.n_events.enc(w);
        self.n_responses.enc(w);
        self.rows_read.enc(w);
        self.rows_skipped.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.len()?;
        let mut parts = BTreeMap::new();
        for _ in 0..n {
            let k = String::dec(r)?;
            parts.insert(k, Partial::from_bytes(r.bytes()?)?);
        }
        Ok(ReportState {
            parts,
            n_customers: Codec::dec(r)?,
            n_events: Codec::dec(r)?,
            n_responses: Codec::dec(r)?,
            rows_read: Codec::dec(r)?,
            rows_skipped: Codec::dec(r)?,
        })
    }
}

/// The default funnel's statistics as a partial state.
pub(crate) fn funnel_steps_of(log: &EventLog) -> FunnelStepStats {
    FunnelStepStats::of(log)
}

/// The default funnel's steps from the merged statistics.
pub(crate) fn funnel_steps_finish(s: FunnelStepStats) -> Vec<String> {
    choose_funnel_steps(s)
}

impl Codec for FunnelStepStats {
    fn enc(&self, w: &mut Writer) {
        self.converters.enc(w);
        self.touchpoints.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let converters = u64::dec(r)?;
        let touchpoints: BTreeMap<String, (u64, ExactSum, u64)> = Codec::dec(r)?;
        if touchpoints
            .values()
            .any(|t| t.0 > converters || t.2 > converters)
        {
            return Err(corrupted("the funnel step counts exceed the converters"));
        }
        Ok(FunnelStepStats {
            converters,
            touchpoints,
        })
    }
}

/// Options of the `funnel_steps` partial: none.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelStepsOptions {}
