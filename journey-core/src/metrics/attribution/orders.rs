//! Markov order selection and removal effects of channel sequences (docs/attribution.md).
//!
//! [`choose_order`] fits the chains of orders 1 to `max_order` to the same paths and scores
//! each by a penalised likelihood (BIC by default, or AIC); [`sequence_removal_effects`] removes
//! consecutive runs of channels (pairs, triples) from a chain of order k and reports, for each,
//! how often it occurs and its removal effect. Both are exact and deterministic: no sampling, no
//! split of the data.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::markov::{Chain, DENSE_MAX, MAX_RESOLVE_WORK};
use super::table::{aggregate_log, PathTable, PathTableOptions};
use crate::error::{Error, Result};
use crate::metrics::paths::{unknown_excluded, Level, PathOptions};
use crate::model::EventLog;

/// How [`choose_order`] scores the orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderCriterion {
    /// Bayesian information criterion `k ln(n) - 2 ln L` (the default): consistent, it
    /// finds the true order as the data grow.
    #[default]
    Bic,
    /// Akaike information criterion `2 k - 2 ln L`: a lighter penalty, leans to higher orders.
    Aic,
}

fn default_max_order() -> usize {
    4
}

/// Options of [`choose_order`] (the keyword arguments of `log.choose_order(...)`): its own
/// and, beside them in the same object, the path options of [`PathTableOptions`] (`level`,
/// `lookback`, `first_conversion_only`, `collapse_repeats`, `exclude`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", default, deny_unknown_fields)]
pub struct ChooseOrderOptions {
    /// The highest order fitted, 1 to 4 (default 4); every order from 1 up is scored.
    pub max_order: usize,
    /// The score that chooses (default BIC).
    pub criterion: OrderCriterion,
    /// How the conversion paths are cut.
    #[serde(flatten)]
    pub path: PathTableOptions,
}

crate::args::flat_options!(ChooseOrderOptions);

impl Default for ChooseOrderOptions {
    fn default() -> Self {
        ChooseOrderOptions {
            max_order: default_max_order(),
            criterion: OrderCriterion::Bic,
            path: PathTableOptions::default(),
        }
    }
}

/// The fit of one order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderScore {
    /// The order k.
    pub order: usize,
    /// Transient states of the chain: the k-tuples (for k = 1 the channels) seen in the
    /// paths.
    pub states: usize,
    /// Free parameters: `(m - 1) + states x (m + 1)`, with `m` the channels in the paths (the
    /// start chooses among m channels; every other state among m channels, the conversion
    /// and the null).
    pub parameters: usize,
    /// Observed transitions (start included), weighted by the path counts: the `n` of BIC.
    pub observations: f64,
    /// Log-likelihood of the paths under the chain fitted to them (natural log).
    pub log_likelihood: f64,
    /// `2 parameters - 2 log_likelihood`.
    pub aic: f64,
    /// `parameters ln(observations) - 2 log_likelihood`.
    pub bic: f64,
}

/// The result of [`choose_order`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderSelection {
    /// The criterion that chose.
    pub criterion: OrderCriterion,
    /// The order with the lowest score (the lowest such order on a tie); `None` without paths.
    pub chosen_order: Option<usize>,
    /// Channels (or touchpoints) in the paths: the `m` of the parameter count.
    pub channels: usize,
    /// One row per order, 1 to `max_order`.
    pub orders: Vec<OrderScore>,
    /// The level of the names (`None` for a path table).
    pub level: Option<Level>,
    /// Names of `exclude` that are not touchpoints of the log (or names of the table).
    pub unknown_excluded: Vec<String>,
}

fn default_order() -> usize {
    2
}
fn default_length() -> usize {
    2
}

/// Options of [`sequence_removal_effects`]: its own and, beside them in the same object, the
/// path options of [`PathTableOptions`].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", default, deny_unknown_fields)]
pub struct SequenceRemovalOptions {
    /// Markov order k, 1 to 4 (default 2).
    pub order: usize,
    /// Length of the sequences, 1 to `order` (default 2: pairs). Ignored when `sequences`
    /// is given.
    pub length: usize,
    /// The sequences to remove, channel names joined with `>` (`"search>email"`), each of 1
    /// to `order` names; default: every sequence of `length` consecutive touches in the paths.
    pub sequences: Option<Vec<String>>,
    /// Without `sequences`: only the sequences occurring at least this often (default 0).
    pub min_occurrences: f64,
    /// How the conversion paths are cut.
    #[serde(flatten)]
    pub path: PathTableOptions,
}

crate::args::flat_options!(SequenceRemovalOptions);

impl Default for SequenceRemovalOptions {
    fn default() -> Self {
        SequenceRemovalOptions {
            order: default_order(),
            length: default_length(),
            sequences: None,
            min_occurrences: 0.0,
            path: PathTableOptions::default(),
        }
    }
}

/// One sequence and its removal effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequenceRow {
    /// The channels, oldest first, joined with `>`.
    pub sequence: String,
    /// Times the channels occur consecutively in the paths (each occurrence, weighted by the
    /// path counts).
    pub occurrences: f64,
    /// Paths (converting or not) in which it occurs at least once.
    pub paths: f64,
    /// Conversions of those paths.
    pub conversions: f64,
    /// `1 - P(conversion without the sequence) / P(conversion)`: every walk that makes these
    /// touches in a row goes to `(null)`. `None` when `P = 0`.
    pub removal_effect: Option<f64>,
}

/// The result of [`sequence_removal_effects`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequenceRemovalResult {
    /// The Markov order of the chain.
    pub order: usize,
    /// The chain's probability of conversion from the start; `None` without paths.
    pub conversion_probability: Option<f64>,
    /// One row per sequence: as given, or every one seen, in name order.
    pub rows: Vec<SequenceRow>,
    /// The level of the names (`None` for a path table).
    pub level: Option<Level>,
    /// Names of `exclude` that are not touchpoints of the log (or names of the table).
    pub unknown_excluded: Vec<String>,
}

/// Rejects the options a path table cannot honour (no touch times, no customers).
fn check_table(path: &PathTableOptions) -> Result<()> {
    if path.lookback.is_some() {
        return Err(Error::argument(
            "lookback",
            "needs touch times, which a path table does not have; use an event log",
        ));
    }
    if path.first_conversion_only {
        return Err(Error::argument(
            "first_conversion_only",
            "needs customers, which a path table does not have; use an event log",
        ));
    }
    Ok(())
}

impl ChooseOrderOptions {
    fn check(&self) -> Result<()> {
        if !(1..=4).contains(&self.max_order) {
            return Err(Error::argument(
                "max_order",
                format!("{}: expected 1, 2, 3 or 4", self.max_order),
            ));
        }
        Ok(())
    }

    /// The conversion-path options these options imply.
    pub fn path_options(&self) -> PathOptions {
        self.path.path_options()
    }
}

impl SequenceRemovalOptions {
    fn check(&self) -> Result<()> {
        if !(1..=4).contains(&self.order) {
            return Err(Error::argument(
                "order",
                format!("{}: expected 1, 2, 3 or 4", self.order),
            ));
        }
        if self.sequences.is_none() && !(1..=self.order).contains(&self.length) {
            return Err(Error::argument(
                "length",
                format!(
                    "{}: expected 1 to the order ({}); a chain of order k remembers the last k \
                     touches, so it can remove runs of at most k",
                    self.length, self.order
                ),
            ));
        }
        if !(self.min_occurrences.is_finite() && self.min_occurrences >= 0.0) {
            return Err(Error::argument(
                "min_occurrences",
                format!("{}: expected a non-negative number", self.min_occurrences),
            ));
        }
        Ok(())
    }

    /// The conversion-path options these options imply.
    pub fn path_options(&self) -> PathOptions {
        self.path.path_options()
    }
}

/// Scores the orders 1 to `max_order` over the paths of `t`.
fn choose_order_of(t: &PathTable, opts: &ChooseOrderOptions) -> OrderSelection {
    let present = t.present();
    let m = present.iter().filter(|&&p| p).count();
    let mut orders = Vec::new();
    for order in 1..=opts.max_order {
        let chain = Chain::new(t, order);
        let (ll, n, states) = chain.log_likelihood();
        let parameters = if m == 0 {
            0
        } else {
            (m - 1) + states * (m + 1)
        };
        let k = parameters as f64;
        orders.push(OrderScore {
            order,
            states,
            parameters,
            observations: n,
            log_likelihood: ll,
            aic: 2.0 * k - 2.0 * ll,
            bic: if n > 0.0 { k * n.ln() - 2.0 * ll } else { 0.0 },
        });
    }
    let score = |o: &OrderScore| match opts.criterion {
        OrderCriterion::Bic => o.bic,
        OrderCriterion::Aic => o.aic,
    };
    let chosen_order = (m > 0)
        .then(|| {
            orders
                .iter()
                .fold(None::<&OrderScore>, |best, o| match best {
                    Some(b) if score(b) <= score(o) => Some(b),
                    _ => Some(o),
                })
                .map(|o| o.order)
        })
        .flatten();
    OrderSelection {
        criterion: opts.criterion,
        chosen_order,
        channels: m,
        orders,
        level: None,
        unknown_excluded: Vec::new(),
    }
}

/// Chooses the Markov order of the attribution chain for the paths of `log`: fits orders 1 to
/// `max_order` and scores each by BIC (or AIC); see docs/attribution.md.
pub fn choose_order(log: &EventLog, opts: &ChooseOrderOptions) -> Result<OrderSelection> {
    opts.check()?;
    let (t, _) = aggregate_log(log, &opts.path_options(), None)?;
    let mut r = choose_order_of(&t, opts);
    r.level = Some(opts.path.level);
    r.unknown_excluded = unknown_excluded(log, opts.path.exclude.as_deref().unwrap_or(&[]));
    Ok(r)
}

/// A sequence being counted: occurrences, paths, conversions, and the last path that counted.
struct Seen {
    occurrences: f64,
    paths: f64,
    conversions: f64,
    last: usize,
}

/// The sequences of `opts` (or every one of `length` touches seen) and their removal effects.
fn sequences_of(t: &PathTable, opts: &SequenceRemovalOptions) -> Result<SequenceRemovalResult> {
    // Long because the sequences, their states and their removal effects are worked out in
    // one pass over the chain's states, sharing its tables.
    // Sequences as name id + 1, oldest first; 0 for a name the paths do not have.
    let given: Option<Vec<Vec<u32>>> = match &opts.sequences {
        None => None,
        Some(list) => Some(
            list.iter()
                .map(|text| {
                    let names: Vec<&str> = text.split('>').map(str::trim).collect();
                    if names.iter().any(|n| n.is_empty()) || names.len() > opts.order {
                        return Err(Error::argument(
                            "sequences",
                            format!(
                                "{text:?}: expected 1 to {} names joined with '>' (at most the \
                                 order), none empty",
                                opts.order
                            ),
                        ));
                    }
                    Ok(names
                        .iter()
                        .map(|n| {
                            t.names
                                .binary_search_by(|x| x.as_str().cmp(n))
                                .map_or(0, |i| i as u32 + 1)
                        })
                        .collect())
                })
                .collect::<Result<_>>()?,
        ),
    };
    // Every run of the wanted lengths in the paths.
    let lengths: Vec<usize> = match &given {
        Some(g) => {
            let mut l: Vec<usize> = g.iter().map(Vec::len).collect();
            l.sort_unstable();
            l.dedup();
            l
        }
        None => vec![opts.length],
    };
    let mut seen: FxHashMap<Vec<u32>, Seen> = FxHashMap::default();
    for p in 0..t.len() {
        let w = t.conversions[p] + t.nulls[p];
        if w <= 0.0 {
            continue;
        }
        let path = t.path(p);
        for &len in &lengths {
            for win in path.windows(len) {
                let key: Vec<u32> = win.iter().map(|&c| c + 1).collect();
                let e = seen.entry(key).or_insert(Seen {
                    occurrences: 0.0,
                    paths: 0.0,
                    conversions: 0.0,
                    last: usize::MAX,
                });
                e.occurrences += w;
                if e.last != p {
                    e.last = p;
                    e.paths += w;
                    e.conversions += t.conversions[p];
                }
            }
        }
    }
    let wanted: Vec<Vec<u32>> = match given {
        Some(g) => g,
        None => {
            let mut all: Vec<Vec<u32>> = seen
                .iter()
                .filter(|(_, s)| s.occurrences >= opts.min_occurrences)
                .map(|(k, _)| k.clone())
                .collect();
            all.sort_unstable();
            all
        }
    };
    let chain = Chain::new(t, opts.order);
    // The states whose last touches are each wanted sequence (sorted, as states are visited
    // in order).
    // A sequence given twice gets its states twice.
    let mut index: FxHashMap<&[u32], Vec<usize>> = FxHashMap::default();
    for (i, w) in wanted.iter().enumerate() {
        if !w.contains(&0) {
            index.entry(w.as_slice()).or_default().push(i);
        }
    }
    let mut sets: Vec<Vec<u32>> = vec![Vec::new(); wanted.len()];
    for s in 0..chain.len() as u32 {
        for &len in &lengths {
            if let Some(ids) = chain.last_touches(s, len).and_then(|k| index.get(k)) {
                for &i in ids {
                    sets[i].push(s);
                }
            }
        }
    }
    let none = vec![false; chain.len()];
    let x = chain.absorption(&none, DENSE_MAX)?;
    let no_path = chain.len() == 0;
    let p = chain.probability_from_start(&x);
    let effects: Vec<Option<f64>> = if no_path || p <= 0.0 {
        vec![None; wanted.len()]
    } else {
        chain
            .removals_of_sets(&sets, &x, p, DENSE_MAX, MAX_RESOLVE_WORK)?
            .into_iter()
            .map(|pc| Some((1.0 - pc / p).clamp(0.0, 1.0)))
            .collect()
    };
    let name = |k: &[u32], text: Option<&String>| -> String {
        match text {
            Some(t) => t.split('>').map(str::trim).collect::<Vec<_>>().join(">"),
            None => k
                .iter()
                .map(|&c| t.names[c as usize - 1].as_str())
                .collect::<Vec<_>>()
                .join(">"),
        }
    };
    let rows = wanted
        .iter()
        .zip(effects)
        .enumerate()
        .map(|(i, (k, re))| {
            let s = seen.get(k);
            SequenceRow {
                sequence: name(k, opts.sequences.as_ref().map(|l| &l[i])),
                occurrences: s.map_or(0.0, |s| s.occurrences),
                paths: s.map_or(0.0, |s| s.paths),
                conversions: s.map_or(0.0, |s| s.conversions),
                removal_effect: re,
            }
        })
        .collect();
    Ok(SequenceRemovalResult {
        order: opts.order,
        conversion_probability: (!no_path).then_some(p),
        rows,
        level: None,
        unknown_excluded: Vec::new(),
    })
}

/// Removal effects of sequences of consecutive channels (pairs, triples) in the Markov chain
/// of order `order` over the paths of `log`; see docs/attribution.md.
pub fn sequence_removal_effects(
    log: &EventLog,
    opts: &SequenceRemovalOptions,
) -> Result<SequenceRemovalResult> {
    opts.check()?;
    let (t, _) = aggregate_log(log, &opts.path_options(), None)?;
    let mut r = sequences_of(&t, opts)?;
    r.level = Some(opts.path.level);
    r.unknown_excluded = unknown_excluded(log, opts.path.exclude.as_deref().unwrap_or(&[]));
    Ok(r)
}

impl EventLog {
    /// Markov order selection; see [`choose_order`].
    pub fn choose_order(&self, opts: &ChooseOrderOptions) -> Result<OrderSelection> {
        choose_order(self, opts)
    }

    /// Removal effects of channel sequences; see [`sequence_removal_effects`].
    pub fn sequence_removal_effects(
        &self,
        opts: &SequenceRemovalOptions,
    ) -> Result<SequenceRemovalResult> {
        sequence_removal_effects(self, opts)
    }
}

impl PathTable {
    /// Markov order selection over this table (`lookback` and `first_conversion_only` need an
    /// event log and are rejected; `level` is not used).
    pub fn choose_order(&self, opts: &ChooseOrderOptions) -> Result<OrderSelection> {
        opts.check()?;
        check_table(&opts.path)?;
        let exclude = opts.path.exclude.as_deref().unwrap_or(&[]);
        let t = self.transformed(exclude, opts.path.collapse_repeats);
        let mut r = choose_order_of(&t, opts);
        r.unknown_excluded = self.unknown_names(exclude);
        Ok(r)
    }

    /// Removal effects of channel sequences over this table (same rules as
    /// [`PathTable::choose_order`]).
    ///
    /// ```
    /// use journey_core::metrics::attribution::{read_path_table_csv, SequenceRemovalOptions};
    /// let csv = "path,total_conversions,total_conversion_value,total_null\n\
    ///            a>b,1,0,1\nc>b,0,0,1\n";
    /// let t = read_path_table_csv(csv.as_bytes()).unwrap();
    /// let r = t.sequence_removal_effects(&SequenceRemovalOptions::default()).unwrap();
    /// // Without a>b nothing converts; c>b never converted.
    /// assert_eq!(r.rows[0].sequence, "a>b");
    /// assert_eq!(r.rows[0].removal_effect, Some(1.0));
    /// assert_eq!((r.rows[1].sequence.as_str(), r.rows[1].removal_effect), ("c>b", Some(0.0)));
    /// ```
    pub fn sequence_removal_effects(
        &self,
        opts: &SequenceRemovalOptions,
    ) -> Result<SequenceRemovalResult> {
        opts.check()?;
        check_table(&opts.path)?;
        let exclude = opts.path.exclude.as_deref().unwrap_or(&[]);
        let t = self.transformed(exclude, opts.path.collapse_repeats);
        let mut r = sequences_of(&t, opts)?;
        r.unknown_excluded = self.unknown_names(exclude);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::attribution::{AttributionOptions, PathRow};
    use crate::time::Duration;

    fn table(rows: &[(&str, f64, f64)]) -> PathTable {
        PathTable::from_rows(rows.iter().map(|&(path, c, n)| PathRow {
            path: path.into(),
            total_conversions: c,
            total_conversion_value: 0.0,
            total_null: n,
        }))
        .unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    /// `a>c` converts 10 times, `b>c` ends in null 10 times: only the channel before `c` tells
    /// whether the path converts, which order 1 forgets.
    ///
    /// m = 3 channels. Order 1: start -> a, b (10 each), a -> c, b -> c (certain), c -> conv,
    /// null (10 each): ln L = 20 ln 1/2 + 20 ln 1/2 = -40 ln 2; 3 states, parameters
    /// 2 + 3 x 4 = 14. Order 2: the start row is the same, everything else is certain:
    /// ln L = -20 ln 2; states (a), (b), (a,c), (b,c): parameters 2 + 4 x 4 = 18. Orders 3 and
    /// 4 are order 2 again (the same four states, padded further). n = 60 transitions.
    /// BIC 1 = 80 ln 2 + 14 ln 60 = 112.77, BIC 2 = 40 ln 2 + 18 ln 60 = 101.43: order 2.
    /// AIC 1 = 80 ln 2 + 28 = 83.45, AIC 2 = 40 ln 2 + 36 = 63.73: order 2 as well.
    #[test]
    fn the_order_that_remembers_enough_is_chosen() {
        let t = table(&[("a>c", 10.0, 0.0), ("b>c", 0.0, 10.0)]);
        let r = t.choose_order(&Default::default()).unwrap();
        assert_eq!((r.chosen_order, r.channels), (Some(2), 3));
        let ln2 = 2f64.ln();
        let o = &r.orders;
        assert_eq!(o.len(), 4);
        assert_eq!((o[0].states, o[0].parameters), (3, 14));
        assert_eq!((o[1].states, o[1].parameters), (4, 18));
        close(o[0].log_likelihood, -40.0 * ln2);
        close(o[1].log_likelihood, -20.0 * ln2);
        close(o[0].observations, 60.0);
        close(o[0].bic, 80.0 * ln2 + 14.0 * 60f64.ln());
        close(o[1].bic, 40.0 * ln2 + 18.0 * 60f64.ln());
        close(o[0].aic, 80.0 * ln2 + 28.0);
        close(o[1].aic, 40.0 * ln2 + 36.0);
        for k in 2..4 {
            assert_eq!((o[k].states, o[k].parameters), (4, 18));
            close(o[k].bic, o[1].bic);
        }
        let aic = t
            .choose_order(&ChooseOrderOptions {
                criterion: OrderCriterion::Aic,
                max_order: 3,
                ..Default::default()
            })
            .unwrap();
        assert_eq!((aic.chosen_order, aic.orders.len()), (Some(2), 3));
    }

    /// `a>c` converts 2 times in 3, `b>c` once in 3: order 2 explains a little more, not
    /// enough for its 4 more parameters.
    ///
    /// Order 1: ln L = 6 ln 1/2 (start) + 6 ln 1/2 (c: 3 conv, 3 null) = -12 ln 2, 14
    /// parameters. Order 2: ln L = -6 ln 2 + 2 (2 ln 2/3 + ln 1/3) = -2 ln 2 - 6 ln 3 (higher),
    /// 18 parameters. n = 18. BIC 2 - BIC 1 = -20 ln 2 + 12 ln 3 + 4 ln 18 = 10.88 > 0: order 1.
    #[test]
    fn the_penalty_keeps_the_lower_order() {
        let t = table(&[("a>c", 2.0, 1.0), ("b>c", 1.0, 2.0)]);
        let r = t.choose_order(&Default::default()).unwrap();
        assert_eq!(r.chosen_order, Some(1));
        let (ln2, ln3) = (2f64.ln(), 3f64.ln());
        close(r.orders[0].log_likelihood, -12.0 * ln2);
        close(r.orders[1].log_likelihood, -2.0 * ln2 - 6.0 * ln3);
        close(
            r.orders[1].bic - r.orders[0].bic,
            -20.0 * ln2 + 12.0 * ln3 + 4.0 * 18f64.ln(),
        );
        // No path: nothing to choose.
        let empty = table(&[]).choose_order(&Default::default()).unwrap();
        assert_eq!(empty.chosen_order, None);
        let e = t
            .choose_order(&ChooseOrderOptions {
                max_order: 5,
                ..Default::default()
            })
            .unwrap_err();
        assert!(e.to_string().contains("max_order"), "{e}");
        assert!(t
            .choose_order(&ChooseOrderOptions {
                path: PathTableOptions {
                    lookback: Some(Duration::from_days(1)),
                    ..Default::default()
                },
                ..Default::default()
            })
            .unwrap_err()
            .to_string()
            .contains("lookback"));
    }

    /// The path options sit beside the others in one JSON object, as before they were
    /// shared; an unknown key is refused naming every key there is.
    #[test]
    fn options_take_the_path_keys_beside_their_own() {
        let o: ChooseOrderOptions = crate::args::from_json(
            "chooseOrder options",
            &serde_json::json!({"max_order": 2, "level": "touchpoint", "exclude": ["x"],
                "collapse_repeats": true, "lookback": "7d", "first_conversion_only": true}),
        )
        .unwrap();
        assert_eq!((o.max_order, o.criterion), (2, OrderCriterion::Bic));
        assert_eq!(o.path.level, Level::Touchpoint);
        assert_eq!(o.path.exclude, Some(vec!["x".to_string()]));
        assert!(o.path.collapse_repeats && o.path.first_conversion_only);
        assert_eq!(o.path.lookback, Some(Duration::from_days(7)));
        let s: SequenceRemovalOptions = crate::args::from_json(
            "options",
            &serde_json::json!({"length": 1, "level": "touchpoint"}),
        )
        .unwrap();
        assert_eq!((s.order, s.length, s.path.level), (2, 1, Level::Touchpoint));
        assert_eq!(s.path.exclude, None);
        let e = crate::args::from_json::<ChooseOrderOptions>(
            "chooseOrder options",
            &serde_json::json!({"max_order": 2, "levle": "channel"}),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument chooseOrder options: unknown field `levle`, expected one of \
             `collapse_repeats`, `criterion`, `exclude`, `first_conversion_only`, `level`, \
             `lookback`, `max_order`"
        );
        let e = crate::args::from_json::<SequenceRemovalOptions>(
            "options",
            &serde_json::json!({"level": "planet"}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown variant `planet`"), "{e}");
        // Serialised flat, as it is read.
        let v = serde_json::to_value(ChooseOrderOptions::default()).unwrap();
        assert_eq!(v["level"], "channel");
        assert_eq!(v["max_order"], 4);
    }

    /// `a>b>a>b` converts once, `b>a` ends in null once; order 2.
    ///
    /// States (a), (b), (a,b), (b,a). (a,b) -> (b,a) or conversion, 1/2 each; (b,a) -> (a,b)
    /// or null, 1/2 each; (a) -> (a,b); (b) -> (b,a); start -> (a), (b), 1/2 each.
    /// x_ab = 1/2 + x_ba / 2, x_ba = x_ab / 2: x_ab = 2/3, x_ba = 1/3; P = (2/3 + 1/3) / 2 = 1/2.
    /// Without a>b (state (a,b) to null): nothing converts, RE 1.
    /// Without b>a: x_ab = 1/2, x_b = 0, P = 1/4, RE 1/2.
    /// a>b occurs twice, in one path (converting); b>a twice, in two paths, one converting.
    #[test]
    fn pairs_by_hand() {
        let t = table(&[("a>b>a>b", 1.0, 0.0), ("b>a", 0.0, 1.0)]);
        let r = t.sequence_removal_effects(&Default::default()).unwrap();
        assert_eq!(r.order, 2);
        close(r.conversion_probability.unwrap(), 0.5);
        let rows: Vec<(&str, f64, f64, f64, f64)> = r
            .rows
            .iter()
            .map(|x| {
                (
                    x.sequence.as_str(),
                    x.occurrences,
                    x.paths,
                    x.conversions,
                    x.removal_effect.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [("a>b", 2.0, 1.0, 1.0, 1.0), ("b>a", 2.0, 2.0, 1.0, 0.5)]
        );
        // Given sequences: in the order given, spaces trimmed, a repeat and an unknown name
        // (removing what never happens changes nothing).
        let r = t
            .sequence_removal_effects(&SequenceRemovalOptions {
                sequences: Some(vec!["b > a".into(), "a>z".into(), "b>a".into(), "a".into()]),
                ..Default::default()
            })
            .unwrap();
        let got: Vec<(&str, f64, Option<f64>)> = r
            .rows
            .iter()
            .map(|x| (x.sequence.as_str(), x.occurrences, x.removal_effect))
            .collect();
        assert_eq!(
            got,
            [
                ("b>a", 2.0, Some(0.5)),
                ("a>z", 0.0, Some(0.0)),
                ("b>a", 2.0, Some(0.5)),
                ("a", 3.0, Some(1.0)),
            ]
        );
        // min_occurrences keeps the frequent ones.
        let t2 = table(&[("a>b>a>b", 1.0, 0.0), ("b>a", 0.0, 1.0), ("c>a", 0.0, 1.0)]);
        let r = t2
            .sequence_removal_effects(&SequenceRemovalOptions {
                min_occurrences: 2.0,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.rows.len(), 2);
    }

    /// Triples at order 3: `a>b>c>a>b>c` converts once, `b>c>a>b` ends in null once,
    /// `d>b>c` converts once.
    ///
    /// A state is the last three touches (padded at the start of a path). Transitions:
    /// start -> (a), (b), (d), 1/3 each; (a) -> (a,b) -> (a,b,c); (b) -> (b,c) -> (b,c,a);
    /// (d) -> (d,b) -> (d,b,c) -> conversion. (a,b,c) is left twice (P1): once to (b,c,a),
    /// once to the conversion, 1/2 each; (b,c,a) twice to (c,a,b) (P1, P2); (c,a,b) once to
    /// (a,b,c) (P1), once to null (P2), 1/2 each. With x the conversion probabilities:
    /// x_abc = 1/2 + x_bca / 2, x_bca = x_cab, x_cab = x_abc / 2, so x_abc = 1/2 + x_abc / 4:
    /// x_abc = 2/3, x_bca = x_cab = 1/3; x_a = 2/3, x_b = 1/3, x_d = 1.
    /// P = (2/3 + 1/3 + 1) / 3 = 2/3.
    /// Without a>b>c: x_abc = 0, so x_cab = x_bca = 0; only d converts: P = 1/3, RE 1/2.
    /// Without b>c>a: x_bca = 0, x_abc = 1/2, x_b = 0: P = (1/2 + 0 + 1) / 3 = 1/2, RE 1/4.
    /// Without c>a>b: x_cab = 0 = x_bca, the same: RE 1/4.
    /// Without d>b>c: x_d = 0: P = (2/3 + 1/3) / 3 = 1/3, RE 1/2.
    /// Occurrences: a>b>c twice in P1 (one path, converting); b>c>a and c>a>b once in P1 and
    /// once in P2 (two paths, one converting); d>b>c once in P3.
    /// The pair b>c at order 3 is every state ending in b, c: (b,c), (a,b,c), (d,b,c); without
    /// it nothing converts (RE 1), while the triple d>b>c removes only d's walk: the chain
    /// remembers which touch came before b>c. b>c occurs 4 times (twice in P1), in 3 paths,
    /// 2 converting.
    #[test]
    fn triples_by_hand() {
        let t = table(&[
            ("a>b>c>a>b>c", 1.0, 0.0),
            ("b>c>a>b", 0.0, 1.0),
            ("d>b>c", 1.0, 0.0),
        ]);
        let r = t
            .sequence_removal_effects(&SequenceRemovalOptions {
                order: 3,
                length: 3,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.order, 3);
        close(r.conversion_probability.unwrap(), 2.0 / 3.0);
        let rows: Vec<(&str, f64, f64, f64)> = r
            .rows
            .iter()
            .map(|x| (x.sequence.as_str(), x.occurrences, x.paths, x.conversions))
            .collect();
        assert_eq!(
            rows,
            [
                ("a>b>c", 2.0, 1.0, 1.0),
                ("b>c>a", 2.0, 2.0, 1.0),
                ("c>a>b", 2.0, 2.0, 1.0),
                ("d>b>c", 1.0, 1.0, 1.0),
            ]
        );
        for (row, want) in r.rows.iter().zip([0.5, 0.25, 0.25, 0.5]) {
            close(row.removal_effect.unwrap(), want);
        }
        // A pair and a triple given together at order 3 (two lengths in one call).
        let r = t
            .sequence_removal_effects(&SequenceRemovalOptions {
                order: 3,
                sequences: Some(vec!["b>c".into(), "d>b>c".into()]),
                ..Default::default()
            })
            .unwrap();
        let got: Vec<(&str, f64, f64, f64)> = r
            .rows
            .iter()
            .map(|x| (x.sequence.as_str(), x.occurrences, x.paths, x.conversions))
            .collect();
        assert_eq!(got, [("b>c", 4.0, 3.0, 2.0), ("d>b>c", 1.0, 1.0, 1.0)]);
        close(r.rows[0].removal_effect.unwrap(), 1.0);
        close(r.rows[1].removal_effect.unwrap(), 0.5);
    }

    /// Sequences of one touch are channels: their removal effects are the model's.
    #[test]
    fn single_touches_are_the_channel_removal_effects() {
        let t = table(&[
            ("a>b>c", 1.0, 0.0),
            ("a>b>a", 0.0, 1.0),
            ("b>c>b>c", 1.0, 0.0),
            ("c", 0.0, 1.0),
            ("d", 0.0, 1.0),
        ]);
        for order in 1..=4 {
            let m = t
                .attribution(&AttributionOptions {
                    order,
                    ..Default::default()
                })
                .unwrap();
            let s = t
                .sequence_removal_effects(&SequenceRemovalOptions {
                    order,
                    length: 1,
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(s.rows.len(), 4);
            close(
                s.conversion_probability.unwrap(),
                m.conversion_probability.unwrap(),
            );
            for (a, b) in s.rows.iter().zip(&m.rows) {
                assert_eq!(a.sequence, b.channel);
                close(a.removal_effect.unwrap(), b.removal_effect.unwrap());
            }
        }
    }

    #[test]
    fn bad_sequence_options_are_refused() {
        let t = table(&[("a>b", 1.0, 1.0)]);
        let err = |o: SequenceRemovalOptions| {
            let e = t.sequence_removal_effects(&o).unwrap_err();
            assert_eq!(e.code(), "invalid_argument");
            e.to_string()
        };
        assert!(err(SequenceRemovalOptions {
            length: 3,
            ..Default::default()
        })
        .contains("length"));
        assert!(err(SequenceRemovalOptions {
            order: 0,
            ..Default::default()
        })
        .contains("order"));
        assert!(err(SequenceRemovalOptions {
            sequences: Some(vec!["a>>b".into()]),
            ..Default::default()
        })
        .contains("sequences"));
        assert!(err(SequenceRemovalOptions {
            sequences: Some(vec!["a>b>a".into()]),
            ..Default::default()
        })
        .contains("\"a>b>a\""));
        assert!(err(SequenceRemovalOptions {
            min_occurrences: -1.0,
            ..Default::default()
        })
        .contains("min_occurrences"));
        // No conversion: removal effects undefined.
        let none = table(&[("a>b", 0.0, 2.0)]);
        let r = none.sequence_removal_effects(&Default::default()).unwrap();
        assert_eq!(r.rows[0].removal_effect, None);
        assert_eq!(r.conversion_probability, Some(0.0));
    }
}
