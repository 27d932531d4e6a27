//! Live analyses: partial states kept up to date as events are appended (docs/live.md,
//! "Appending and live results").

use std::sync::{Arc, OnceLock};

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
    /// The log as of the last compaction, shared with the bindings' log objects (a
    /// compaction copies it only while one is held).
    base: Arc<EventLog>,
    /// The batches appended since, appended to one another in order (`None`: none).
    pending: Option<EventLog>,
    /// The whole log, `base` with `pending` appended, made when asked for and adopted as the
    /// base by the next append.
    whole: OnceLock<Arc<EventLog>>,
    ties: Ties,
    surveys: Option<Surveys>,
    partials: Vec<Partial>,
}

/// The pending batches are appended to the base when they hold more than one event in this
/// many of the base's: each append then moves at most that share of the base's bytes, and the
/// base's columns move once per that many events appended.
const COMPACT_SHARE: usize = 32;
/// ... and not before they hold this many events.
const COMPACT_MIN: usize = 100_000;

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
            base: log,
            pending: None,
            whole: OnceLock::new(),
            ties,
            surveys,
            partials,
        })
    }

    /// Appends `batch` (loaded with the log's options, see [`EventLog::append`]) and updates
    /// every analysis. An error leaves the log and the results as they were.
    ///
    /// The batch is kept with the batches appended since the log last moved, and appended to
    /// the log when they hold more than a 32nd of its events (at least 100,000): so an append
    /// costs the batch and the touched customers' events, and once in many appends one move of
    /// the log's columns.
    pub fn append(&mut self, batch: &EventLog) -> Result<AppendReport> {
        self.base.check_batch(batch)?;
        if let Some(whole) = self.whole.take() {
            // The whole log was made since the last append: it becomes the base.
            self.base = whole;
            self.pending = None;
        }
        let in_batch = |c: &str| {
            batch
                .customer_ids()
                .binary_search_by(|x| x.as_str().cmp(c))
                .is_ok()
        };
        let surveys = self.surveys.as_ref().map(|s| s.select_customers(in_batch));
        // The touched customers' events so far: theirs in the base, then in the pending
        // batches (every name of both kept, so partials see the names of the whole log).
        let ids = batch.customer_ids();
        let pick = |log: &EventLog| -> Vec<u32> {
            let mut v: Vec<u32> = ids.iter().filter_map(|c| log.customer_index(c)).collect();
            v.sort_unstable();
            v
        };
        let in_base = pick(&self.base);
        let mut before = self.base.select_indices(&in_base);
        let mut new_customers = ids.len() - in_base.len();
        if let Some(p) = &self.pending {
            let in_pending = pick(p);
            let from_pending = p.select_indices(&in_pending);
            before.append(&from_pending, self.ties)?;
            new_customers = ids
                .iter()
                .filter(|c| self.base.customer_index(c).is_none() && p.customer_index(c).is_none())
                .count();
        }
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
        let mut after = before;
        after.append(batch, self.ties)?;
        let new = self
            .partials
            .iter()
            .map(|p| {
                after.partial_inner(
                    p.analysis(),
                    &Context::default(),
                    surveys.as_ref(),
                    Track::Part,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        drop(after);
        let partials = std::mem::take(&mut self.partials);
        self.partials = partials
            .into_iter()
            .zip(old.into_iter().zip(new))
            .map(|(p, (o, n))| p.retract(o)?.merge(n))
            .collect::<Result<Vec<_>>>()?;
        // The log: the batch joins the pending ones, which join the base when many.
        let report = match self.pending.as_mut() {
            Some(p) => p.append(batch, self.ties)?,
            None => {
                // The batch's load report comes along: the base adds it up when it appends
                // the pending batches, as appending each batch would.
                let p = batch.clone();
                let r = AppendReport {
                    events: p.n_events(),
                    customers: p.n_customers(),
                    new_customers: 0,
                    customer_ids: p.customer_ids().to_vec(),
                };
                self.pending = Some(p);
                r
            }
        };
        let report = AppendReport {
            new_customers,
            ..report
        };
        let pending = self.pending.as_ref().map_or(0, EventLog::n_events);
        if pending > COMPACT_MIN.max(self.base.n_events() / COMPACT_SHARE) {
            self.compact()?;
        }
        Ok(report)
    }

    /// Appends the batches kept since the log last moved to the log now (appends do it when
    /// they are many, see [`LiveAnalysis::append`]); the results do not change.
    pub fn compact(&mut self) -> Result<()> {
        if let Some(whole) = self.whole.take() {
            self.base = whole;
            self.pending = None;
        }
        if let Some(p) = self.pending.take() {
            Arc::make_mut(&mut self.base).append(&p, self.ties)?;
        }
        self.whole = OnceLock::new();
        Ok(())
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

    /// The log with every batch appended. When batches are pending (see
    /// [`LiveAnalysis::append`]) the first call after an append makes it (one copy of the
    /// log); the next append starts from it.
    pub fn log(&self) -> &EventLog {
        match &self.pending {
            None => &self.base,
            Some(_) => self.whole_log(),
        }
    }

    fn whole_log(&self) -> &Arc<EventLog> {
        self.whole.get_or_init(|| {
            let mut log = (*self.base).clone();
            if let Some(p) = &self.pending {
                log.append(p, self.ties)
                    .expect("the pending batches were checked against the log");
            }
            Arc::new(log)
        })
    }

    /// The log, shared (the next append copies it if this is still held).
    pub fn shared_log(&self) -> Arc<EventLog> {
        match &self.pending {
            None => self.base.clone(),
            Some(_) => self.whole_log().clone(),
        }
    }

    /// Number of events of the log with every batch appended (without making it).
    pub fn n_events(&self) -> usize {
        self.base.n_events() + self.pending.as_ref().map_or(0, EventLog::n_events)
    }

    /// The load options for a batch to append ([`EventLog::batch_load_options`] of the log),
    /// without making the log.
    pub fn batch_load_options(&self, opts: LoadOptions) -> LoadOptions {
        self.base.batch_load_options(opts)
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
