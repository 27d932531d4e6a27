//! Live analyses: partial states kept up to date as events are appended (docs/live.md,
//! "Appending and live results").

use std::sync::{Arc, OnceLock};

use super::{Analysis, Context, Finished, Partial, Track, RETRACTABLE};
use crate::error::{Error, Result};
use crate::ingest::{LoadOptions, Ties};
use crate::model::{AppendReport, EventLog, LoadReport, PendingRows, Surveys};

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
    /// The log as of the shards' last moves, cut by ranges of customer ids (shard `k + 1`
    /// starts at `bounds[k]`), every shard with the same name tables.
    shards: Vec<Shard>,
    bounds: Vec<String>,
    /// The events appended since their shard last moved, per customer.
    pending: PendingRows,
    /// Events per shard: a shard is cut in two when it holds twice this.
    shard_events: usize,
    /// The shard the next append moves.
    cursor: usize,
    /// The shard the last compaction cut in two (its second half is not moved next).
    split_at: Option<usize>,
    /// The load report of the log and of every batch.
    report: LoadReport,
    /// The whole log, made when asked for, until the next append.
    whole: OnceLock<Arc<EventLog>>,
    ties: Ties,
    surveys: Option<Surveys>,
    partials: Vec<Partial>,
}

/// A piece of the log: the customers of a range of ids.
#[derive(Debug, Clone)]
struct Shard {
    log: EventLog,
    /// Its customers with events kept aside (each once): their slots in the kept rows.
    pending: Vec<u32>,
    /// The number of events kept aside for its customers.
    kept: usize,
}

/// The log is cut into about this many shards, ...
const SHARDS: usize = 64;
/// ... of at least this many events each.
const SHARD_MIN: usize = 1 << 16;
/// Events kept aside beyond which an append moves more than one shard (when batches are
/// large against a shard's share): the larger of this and an 8th of the log.
const COMPACT_MIN: usize = 100_000;
/// A shard whose events kept aside pass this share of a shard's size (1/16) moves before its
/// turn: customers whose ids all fall in one shard (new ids that sort after every known
/// one, say) wait no full turn of the shards.
const EARLY_SHARE: usize = 16;

impl LiveAnalysis {
    /// The live state of `analyses` over `log` (with the survey responses the score analyses
    /// join to it). `ties` is the tie rule the log was loaded with, which appends follow.
    ///
    /// This is the set-up: the partial states of the whole log are computed, and the log is
    /// cut into shards of consecutive customers (a copy of the log, made piece by piece from
    /// its end when the log is not shared, so that both are not held whole at once).
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
        let mut partials = analyses
            .iter()
            .map(|a| log.partial_inner(a, &Context::default(), surveys.as_ref(), Track::Live))
            .collect::<Result<Vec<_>>>()?;
        for p in &mut partials {
            p.reserve_growth();
        }
        let shard_events = SHARD_MIN.max(log.n_events() / SHARDS);
        let mut live = LiveAnalysis {
            shards: Vec::new(),
            bounds: Vec::new(),
            pending: PendingRows::new(log.n_properties()),
            shard_events,
            cursor: 0,
            split_at: None,
            report: log.load_report().clone(),
            whole: OnceLock::new(),
            ties,
            surveys,
            partials,
        };
        live.set_log(log);
        Ok(live)
    }

    /// Cuts `log` into the shards (nothing kept aside): a log held nowhere else is given up
    /// piece by piece as the shards are made.
    fn set_log(&mut self, log: Arc<EventLog>) {
        let (shards, bounds) = match Arc::try_unwrap(log) {
            Ok(log) => log.into_shards(self.shard_events),
            Err(shared) => shared.shards(self.shard_events),
        };
        self.shards = shards
            .into_iter()
            .map(|log| Shard {
                log,
                pending: Vec::new(),
                kept: 0,
            })
            .collect();
        self.bounds = bounds;
        self.pending = PendingRows::new(self.shards[0].log.n_properties());
        self.cursor = 0;
    }

    /// The shard of a customer id.
    fn shard_of(&self, id: &str) -> usize {
        self.bounds.partition_point(|b| b.as_str() <= id)
    }

    /// The events in the shards of these customers (sorted ids), with the shards' tables; and
    /// per customer, their shard and whether it has them.
    fn in_shards(&self, ids: &[String]) -> (EventLog, Vec<(usize, bool)>) {
        let mut picks: Vec<Vec<u32>> = vec![Vec::new(); self.shards.len()];
        let mut place = Vec::with_capacity(ids.len());
        for c in ids {
            let s = self.shard_of(c);
            let i = self.shards[s].log.customer_index(c);
            if let Some(i) = i {
                picks[s].push(i);
            }
            place.push((s, i.is_some()));
        }
        let mut parts: Vec<(&EventLog, &[u32])> = self
            .shards
            .iter()
            .zip(&picks)
            .filter(|(_, p)| !p.is_empty())
            .map(|(s, p)| (&s.log, p.as_slice()))
            .collect();
        if parts.is_empty() {
            parts.push((&self.shards[0].log, &[]));
        }
        (EventLog::select_across(&parts), place)
    }

    /// [`LiveAnalysis::append`] of a batch whose caller named the tie rule it was loaded with
    /// (`None`: not named). The live results follow one rule, the one the analysis was made
    /// with ([`LiveAnalysis::ties`]): a batch named with another is an `invalid_argument`
    /// error, and the log and the results stay as they were.
    pub fn append_with_ties(
        &mut self,
        batch: &EventLog,
        ties: Option<Ties>,
    ) -> Result<AppendReport> {
        if ties.is_some_and(|t| t != self.ties()) {
            return Err(Error::argument(
                "ties",
                "differs from the tie rule the live analysis was made with",
            ));
        }
        self.append(batch)
    }

    /// Appends `batch` (loaded with the log's options, see [`EventLog::append`]) and updates
    /// every analysis. An error leaves the log and the results as they were.
    ///
    /// The cost grows with the batch and the touched customers' events, not with the log nor
    /// with the batches appended before: the touched customers' events are read from their
    /// shards and from the events kept aside, their old contributions retracted and their
    /// new ones merged, and the batch is kept aside per customer. Then one shard (of about a
    /// 64th of the log) takes in the events kept aside for its customers: every shard in turn,
    /// so no append moves more than one shard.
    pub fn append(&mut self, batch: &EventLog) -> Result<AppendReport> {
        // Long because the append is one transaction: everything that can fail comes first, then
        // every partial, the shards and the events kept aside change together.
        self.shards[0].log.check_batch(batch)?;
        self.whole = OnceLock::new();
        let in_batch = |c: &str| {
            batch
                .customer_ids()
                .binary_search_by(|x| x.as_str().cmp(c))
                .is_ok()
        };
        let surveys = self.surveys.as_ref().map(|s| s.select_customers(in_batch));
        // The touched customers' events so far: theirs in the shards, then those kept aside
        // (every name of the log kept, so partials see the names of the whole log).
        let ids = batch.customer_ids();
        let (base, place) = self.in_shards(ids);
        let has: Vec<bool> = ids.iter().map(|c| self.pending.has(c)).collect();
        let kept: Vec<&str> = ids
            .iter()
            .zip(&has)
            .filter(|(_, &h)| h)
            .map(|(c, _)| c.as_str())
            .collect();
        let kept_log = self.pending.log_of(&kept, &self.shards[0].log);
        let new_customers = place
            .iter()
            .zip(&has)
            .filter(|(&(_, in_shard), &h)| !in_shard && !h)
            .count();
        let mut before = base;
        before.append_unlisted(&kept_log, self.ties)?;
        let partial = |log: &EventLog, p: &Partial| {
            log.partial_inner(
                p.analysis(),
                &Context::default(),
                surveys.as_ref(),
                Track::Part,
            )
        };
        let old = self
            .partials
            .iter()
            .map(|p| partial(&before, p))
            .collect::<Result<Vec<_>>>()?;
        let mut after = before;
        after.append_unlisted(batch, self.ties)?;
        let new = self
            .partials
            .iter()
            .map(|p| partial(&after, p))
            .collect::<Result<Vec<_>>>()?;
        drop(after);
        // Their events kept aside from now on: those kept before and the batch's.
        let mut kept_after = kept_log;
        let report = kept_after.append(batch, self.ties)?;
        let partials = std::mem::take(&mut self.partials);
        self.partials = partials
            .into_iter()
            .zip(old.into_iter().zip(new))
            .map(|(p, (o, n))| p.retract(o)?.merge(n))
            .collect::<Result<Vec<_>>>()?;
        // Nothing fails from here.
        let mut moves = None;
        // As `EventLog::append`, which adds no names for a batch without events. The shards
        // have the same tables: a batch that adds no name to the first adds none to any (most
        // batches, once the log has seen its touchpoints and property values).
        if batch.n_events() > 0 {
            let (first, rest) = self.shards.split_first_mut().expect("at least one shard");
            let sizes = first.log.name_table_sizes();
            moves = Some(first.log.add_names_of(batch));
            if first.log.name_table_sizes() != sizes {
                for s in rest {
                    s.log.add_names_of(batch);
                }
            }
        }
        let n_props = self.shards[0].log.n_properties();
        if let Some(m) = moves {
            self.pending.follow(&m, n_props);
        }
        debug_assert!(kept_after.touchpoints() == self.shards[0].log.touchpoints());
        for k in self.pending.store(&kept_after) {
            let s = self.shard_of(self.pending.id_of(k));
            self.shards[s].pending.push(k);
        }
        // The batch's customers are `ids`, whose shards `place` gives (no shard moved since).
        let offsets = batch.offsets();
        for (c, &(s, _)) in place.iter().enumerate() {
            self.shards[s].kept += offsets[c + 1] - offsets[c];
        }
        let b = batch.load_report();
        self.report.rows_read += b.rows_read;
        self.report.rows_kept += b.rows_kept;
        self.report.rows_skipped += b.rows_skipped;
        self.report.errors.extend(b.errors.iter().cloned());
        // One shard takes in its customers' events kept aside: the one with the most when they
        // pass a share of a shard's size, else the next in turn; more only when far too many
        // are kept (batches much larger than a shard's share).
        let fullest = (0..self.shards.len())
            .max_by_key(|&k| (self.shards[k].kept, std::cmp::Reverse(k)))
            .filter(|&k| self.shards[k].kept > (self.shard_events / EARLY_SHARE).max(1));
        match fullest {
            Some(k) => self.compact_early(k)?,
            None => self.compact_next()?,
        }
        let mut visited = 1;
        while self.pending.n_events() > COMPACT_MIN.max(self.n_events() / 8)
            && visited < self.shards.len()
        {
            self.compact_next()?;
            visited += 1;
        }
        debug_assert_eq!(
            self.shards.iter().map(|s| s.kept).sum::<usize>(),
            self.pending.n_events()
        );
        Ok(AppendReport {
            events: report.events,
            customers: report.customers,
            new_customers,
            customer_ids: report.customer_ids,
        })
    }

    /// Moves the events kept aside for shard `k` into it before its turn (the cursor stays on
    /// the same shard).
    fn compact_early(&mut self, k: usize) -> Result<()> {
        let n = self.shards.len();
        self.compact_shard(k)?;
        if self.shards.len() > n && self.cursor > k {
            self.cursor += 1;
        }
        self.split_at = None;
        Ok(())
    }

    /// Moves the events kept aside for the shard at the cursor into it, and the cursor on.
    fn compact_next(&mut self) -> Result<()> {
        let k = self.cursor % self.shards.len();
        self.compact_shard(k)?;
        // A shard cut in two takes the next place too.
        self.cursor = (k + 1 + usize::from(self.shards.len() > k + 1 && self.split_at == Some(k)))
            % self.shards.len();
        self.split_at = None;
        Ok(())
    }

    /// Moves the events kept aside for shard `k` into it; a shard grown to twice its size is
    /// cut in two.
    fn compact_shard(&mut self, k: usize) -> Result<()> {
        let slots = std::mem::take(&mut self.shards[k].pending);
        self.shards[k].kept = 0;
        if slots.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<&str> = slots.iter().map(|&s| self.pending.id_of(s)).collect();
        ids.sort_unstable();
        let moved = self.pending.log_of(&ids, &self.shards[k].log);
        self.pending.remove(&slots);
        self.shards[k].log.reserve_events(moved.n_events());
        self.shards[k].log.append_unlisted(&moved, self.ties)?;
        let n = self.shards[k].log.n_events();
        if n >= 2 * self.shard_events && self.shards[k].log.n_customers() > 1 {
            let log = std::mem::take(&mut self.shards[k].log);
            let (mut halves, mut bounds) = log.into_shards(n.div_ceil(2));
            // At most two pieces of about half each (the last customer may be long).
            while halves.len() > 2 {
                let last = halves.pop().expect("more than two");
                bounds.pop();
                let at = halves.len() - 1;
                halves[at].append_unlisted(&last, self.ties)?;
            }
            let second = halves.pop().expect("two pieces");
            self.shards[k].log = halves.pop().unwrap_or_default();
            if let Some(b) = bounds.pop() {
                self.shards.insert(
                    k + 1,
                    Shard {
                        log: second,
                        pending: Vec::new(),
                        kept: 0,
                    },
                );
                self.bounds.insert(k, b);
                self.split_at = Some(k);
            } else {
                self.shards[k].log = second;
            }
        }
        Ok(())
    }

    /// Moves every event kept aside into its shard now (appends do it a shard at a time, see
    /// [`LiveAnalysis::append`]); the results do not change.
    pub fn compact(&mut self) -> Result<()> {
        // A shard cut in two adds one after it: its events are in already.
        let mut k = 0;
        while k < self.shards.len() {
            self.compact_shard(k)?;
            k += 1;
        }
        self.split_at = None;
        Ok(())
    }

    /// Cuts the log again into shards of about `events` events each and moves every event
    /// kept aside (for tests: many small shards and events kept aside on small logs).
    #[doc(hidden)]
    pub fn reshard(&mut self, events: usize) -> Result<()> {
        let log = self.shared_log();
        self.whole = OnceLock::new();
        self.shard_events = events.max(1);
        self.set_log(log);
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

    /// The position of the analysis called `name` among `names` (the names the caller gave
    /// the analyses, in the order given to [`LiveAnalysis::new`]), for
    /// [`LiveAnalysis::result`]; an unknown name is an `InvalidArgument` listing the names.
    ///
    /// ```
    /// use journey_core::LiveAnalysis;
    /// let names = ["funnel".to_string(), "kpis".to_string()];
    /// assert_eq!(LiveAnalysis::index_of(&names, "kpis").unwrap(), 1);
    /// let e = LiveAnalysis::index_of(&names, "nps").unwrap_err();
    /// let message = "invalid argument analysis: \"nps\": expected one of funnel, kpis";
    /// assert_eq!(e.to_string(), message);
    /// ```
    pub fn index_of(names: &[String], name: &str) -> Result<usize> {
        names.iter().position(|n| n == name).ok_or_else(|| {
            Error::argument(
                "analysis",
                format!("{name:?}: expected one of {}", names.join(", ")),
            )
        })
    }

    /// The analyses, in order.
    pub fn analyses(&self) -> Vec<&Analysis> {
        self.partials.iter().map(Partial::analysis).collect()
    }

    /// The log with every batch appended. The first call after an append makes it from the
    /// shards and the events kept aside (one copy of the log, dropped at the next append).
    pub fn log(&self) -> &EventLog {
        self.whole_log()
    }

    fn whole_log(&self) -> &Arc<EventLog> {
        self.whole.get_or_init(|| {
            let all: Vec<Vec<u32>> = self
                .shards
                .iter()
                .map(|s| (0..s.log.n_customers() as u32).collect())
                .collect();
            let parts: Vec<(&EventLog, &[u32])> = self
                .shards
                .iter()
                .zip(&all)
                .map(|(s, p)| (&s.log, p.as_slice()))
                .collect();
            let mut log = EventLog::select_across(&parts);
            drop(all);
            if self.pending.n_customers() > 0 {
                let mut ids: Vec<&str> = self.pending.customer_ids().collect();
                ids.sort_unstable();
                let kept = self.pending.log_of(&ids, &self.shards[0].log);
                log.append(&kept, self.ties)
                    .expect("the kept events have the log's tables");
            }
            log.set_report(self.report.clone());
            Arc::new(log)
        })
    }

    /// The log, shared (see [`LiveAnalysis::log`]).
    pub fn shared_log(&self) -> Arc<EventLog> {
        self.whole_log().clone()
    }

    /// Number of events of the log with every batch appended (without making it).
    pub fn n_events(&self) -> usize {
        self.shards.iter().map(|s| s.log.n_events()).sum::<usize>() + self.pending.n_events()
    }

    /// Bytes held by the live log: the shards' columns (with their spare room) and strings and
    /// the events kept aside (not the partial states).
    pub fn log_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.log.column_capacity_bytes() + s.log.string_bytes() + s.pending.capacity() * 4
            })
            .sum::<usize>()
            + self.pending.bytes()
    }

    /// The number of shards and of events kept aside (how the live log is laid out now).
    pub fn layout(&self) -> (usize, usize) {
        (self.shards.len(), self.pending.n_events())
    }

    /// The load options for a batch to append ([`EventLog::batch_load_options`] of the log),
    /// without making the log.
    pub fn batch_load_options(&self, opts: LoadOptions) -> LoadOptions {
        self.shards[0].log.batch_load_options(opts)
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
