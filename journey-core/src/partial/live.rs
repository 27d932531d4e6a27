//! Live analyses: partial states kept up to date as events are appended (docs/live.md,
//! "Appending and live results").

use std::sync::Arc;

use super::{Analysis, Context, Finished, Partial, Track, RETRACTABLE};
use crate::error::{Error, Result};
use crate::ingest::{LoadOptions, Ties};
use crate::model::{AppendReport, EventLog, Surveys};

/// An event log with the partial states of some analyses, updated on every append.
///
/// [`LiveAnalysis::append`] adds a batch to the log ([`EventLog::append`]) and, for every
/// analysis, retracts the old contribution of each customer the batch touches
/// ([`Partial::retract`]) and merges their new one; the cost grows with the batch and the
/// touched customers' events, not with the log. [`LiveAnalysis::result`] finishes the state:
/// the same result, to the bit, as the analysis of the whole log.
///
/// The analyses are those of [`RETRACTABLE`] that need no context of the whole log (the KPIs
/// need an explicit `start` and `end`: by default their period is the log's span, which every
/// append moves).
///
/// ```
/// use journey_core::{read_events_csv, Analysis, Finished, LiveAnalysis, LoadOptions, Ties};
/// use serde_json::json;
///
/// let o = LoadOptions::default();
/// let load = |s: &str| read_events_csv(s.as_bytes(), &o).unwrap();
/// let head = "customer_id,timestamp,touchpoint\n";
/// let funnel = Analysis::from_json("funnel", &json!({"steps": ["view", "cart", "purchase"]})).unwrap();
/// let mut live = LiveAnalysis::new(load(&format!("{head}a,0,view\na,60,cart\nb,0,view\n")),
///                                  vec![funnel], None, Ties::Content).unwrap();
/// live.append(&load(&format!("{head}a,90,purchase\nb,30,cart\nc,10,view\n"))).unwrap();
/// let Finished::Funnel(f) = live.result(0).unwrap() else { unreachable!() };
/// assert_eq!(f.counts(), [3, 2, 1]);
/// ```
#[derive(Debug, Clone)]
pub struct LiveAnalysis {
    /// Shared with the bindings' log objects; an append copies it only while one is held.
    log: Arc<EventLog>,
    ties: Ties,
    surveys: Option<Surveys>,
    partials: Vec<Partial>,
}

impl LiveAnalysis {
    /// The live state of `analyses` over `log` (with the survey responses the score analyses
    /// join to it). `ties` is the tie rule the log was loaded with, which appends follow.
    pub fn new(
        log: impl Into<Arc<EventLog>>,
        analyses: Vec<Analysis>,
        surveys: Option<Surveys>,
        ties: Ties,
    ) -> Result<Self> {
        for a in &analyses {
            if !RETRACTABLE.contains(&a.name()) {
                return Err(Error::argument(
                    "analysis",
                    format!(
                        "{} cannot be live: expected one of {}",
                        a.name(),
                        RETRACTABLE.join(", ")
                    ),
                ));
            }
            if a.needs_context() {
                return Err(Error::argument(
                    "analysis",
                    format!(
                        "a live {} needs an explicit start and end (by default its period is \
                         the whole log's span, which every append moves)",
                        a.name()
                    ),
                ));
            }
        }
        let log = log.into();
        let partials = analyses
            .iter()
            .map(|a| log.partial_inner(a, &Context::default(), surveys.as_ref(), Track::Live))
            .collect::<Result<Vec<_>>>()?;
        Ok(LiveAnalysis {
            log,
            ties,
            surveys,
            partials,
        })
    }

    /// Appends `batch` (loaded with the log's options, see [`EventLog::append`]) and updates
    /// every analysis. An error leaves the log and the results as they were.
    pub fn append(&mut self, batch: &EventLog) -> Result<AppendReport> {
        self.log.check_batch(batch)?;
        let in_batch = |c: &str| {
            batch
                .customer_ids()
                .binary_search_by(|x| x.as_str().cmp(c))
                .is_ok()
        };
        let surveys = self.surveys.as_ref().map(|s| s.select_customers(in_batch));
        let mut known: Vec<u32> = batch
            .customer_ids()
            .iter()
            .filter_map(|c| self.log.customer_index(c))
            .collect();
        known.sort_unstable();
        let before = self.log.select_indices(&known);
        let old = self
            .partials
            .iter()
            .map(|p| {
                before.partial_inner(
                    p.analysis(),
                    &Context::default(),
                    surveys.as_ref(),
                    Track::Part,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        drop(before);
        let report = Arc::make_mut(&mut self.log).append(batch, self.ties)?;
        let touched: Vec<u32> = report
            .customer_ids
            .iter()
            .map(|c| self.log.customer_index(c).expect("appended"))
            .collect();
        let after = self.log.select_indices(&touched);
        let partials = std::mem::take(&mut self.partials);
        self.partials = partials
            .into_iter()
            .zip(old)
            .map(|(p, o)| {
                let n = after.partial_inner(
                    p.analysis(),
                    &Context::default(),
                    surveys.as_ref(),
                    Track::Part,
                )?;
                p.retract(o)?.merge(n)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(report)
    }

    /// The result of analysis `i` (in the order given to [`LiveAnalysis::new`]).
    pub fn result(&self, i: usize) -> Result<Finished> {
        let p = self.partials.get(i).ok_or_else(|| {
            Error::argument(
                "analysis",
                format!(
                    "{i} is not below the number of analyses ({})",
                    self.partials.len()
                ),
            )
        })?;
        p.finish_ref()
    }

    /// The analyses, in order.
    pub fn analyses(&self) -> Vec<&Analysis> {
        self.partials.iter().map(Partial::analysis).collect()
    }

    /// The log with every batch appended.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// The log, shared (the next append copies it if this is still held).
    pub fn shared_log(&self) -> Arc<EventLog> {
        self.log.clone()
    }

    /// The tie rule appends follow.
    pub fn ties(&self) -> Ties {
        self.ties
    }
}

// Here, not in model/append.rs: load options belong to the ingest layer, above the model.
impl EventLog {
    /// The load options for a batch to append to this log: `opts` (mode, ties, renames, ...)
    /// with the log's catalog and conversion touchpoints, so that the batch is read as the log
    /// was. The bindings load batches with these.
    pub fn batch_load_options(&self, mut opts: LoadOptions) -> LoadOptions {
        opts.catalog = Some(self.catalog.clone());
        opts.conversions = self.conversion_names.clone();
        opts
    }
}
