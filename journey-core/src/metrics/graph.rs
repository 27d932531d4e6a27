//! The transition graph (docs/journeys.md): how customers move from touchpoint to touchpoint.
//!
//! Nodes are the touchpoints (or channels) plus `start` and `end`. Each customer's journey (or,
//! with `session_gap`, each of their sessions) is a walk `start -> e1 -> ... -> en -> end`; the
//! weight of edge `a -> b` is the number of times `b` directly follows `a` in a walk. Per edge
//! also: distinct customers, the median and mean time between the two events, and the
//! probability of the edge among all edges leaving `a`. Every touch node has as many walks in
//! as out; `start`'s out-count and `end`'s in-count are the number of walks.
//!
//! Median times are exact: every transition's duration is kept (8 bytes each) and the median
//! is found by selection, per edge. That costs memory proportional to the number of events but
//! keeps the answer identical in every language and with any number of threads.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::distribution::{mean_s, Samples};
use super::fold::{fold_customers, map_vec};
use super::paths::Level;
use crate::error::{Error, Result};
use crate::model::EventLog;
use crate::time::Duration;
use crate::time::US_PER_SEC;

/// Options of [`transition_graph`]: Python `log.transition_graph(level="touchpoint",
/// session_gap=None, collapse_repeats=False)`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransitionGraphOptions {
    /// Nodes are touchpoints (default) or channels.
    #[serde(deserialize_with = "crate::args::named::level")]
    pub level: Level,
    /// When given, each session (gaps at most this long) is its own walk from `start` to
    /// `end`; otherwise the whole journey is one walk.
    #[serde(deserialize_with = "crate::args::named::session_gap")]
    pub session_gap: Option<Duration>,
    /// Merge consecutive repeats of the same node into one visit (no self-loops).
    pub collapse_repeats: bool,
}

impl Default for TransitionGraphOptions {
    fn default() -> Self {
        TransitionGraphOptions {
            level: Level::Touchpoint,
            session_gap: None,
            collapse_repeats: false,
        }
    }
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Where every walk begins.
    Start,
    /// A touchpoint or channel.
    Touch,
    /// Where every walk ends.
    End,
}

/// A node of the transition graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Touchpoint or channel name; `start` / `end` for the two special nodes.
    pub name: String,
    /// Start, touch or end.
    pub kind: NodeKind,
    /// Walks entering the node (for `start`: walks leaving it).
    pub visits: u64,
    /// Distinct customers visiting the node.
    pub customers: u64,
    /// Whether the node is a conversion touchpoint.
    pub conversion: bool,
}

/// An edge of the transition graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    /// Times the target directly follows the source.
    pub count: u64,
    /// Distinct customers with this transition.
    pub customers: u64,
    /// `count / all counts out of the source`.
    pub probability: f64,
    /// Median time between the two events, seconds (`None` on edges from `start` / to `end`).
    pub median_time_s: Option<f64>,
    /// Mean time between the two events, seconds.
    pub mean_time_s: Option<f64>,
}

/// An edge as a row, with node names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeRow {
    /// Source node name.
    pub source: String,
    /// Target node name.
    pub target: String,
    /// What the source is: a touchpoint named `start` is a `touch`, the walks' own start node
    /// is `start`.
    pub source_kind: NodeKind,
    /// What the target is (`end` for the walks' own end node).
    pub target_kind: NodeKind,
    /// Times the target directly follows the source.
    pub count: u64,
    /// Distinct customers with this transition.
    pub customers: u64,
    /// `count / all counts out of the source`.
    pub probability: f64,
    /// Median time between the two events, seconds.
    pub median_time_s: Option<f64>,
    /// Mean time between the two events, seconds.
    pub mean_time_s: Option<f64>,
}

/// The transition graph: a petgraph [`DiGraph`] with `start` first, the touches in name order,
/// and `end` last; edges are added in (source, target) node order.
#[derive(Debug, Clone)]
pub struct TransitionGraph {
    /// Level of the touch nodes.
    pub level: Level,
    /// The graph.
    pub graph: DiGraph<Node, Edge>,
    /// Number of walks (journeys, or sessions with `session_gap`).
    pub n_walks: u64,
    /// Customers with at least one walk.
    pub n_customers: u64,
}

impl TransitionGraph {
    /// The `start` node.
    pub fn start(&self) -> NodeIndex {
        NodeIndex::new(0)
    }
    /// The `end` node.
    pub fn end(&self) -> NodeIndex {
        NodeIndex::new(self.graph.node_count() - 1)
    }
    /// The node of a touchpoint or channel name.
    pub fn node(&self, name: &str) -> Option<NodeIndex> {
        self.graph
            .node_indices()
            .find(|&i| self.graph[i].kind == NodeKind::Touch && self.graph[i].name == name)
    }
    /// The nodes, in node order.
    pub fn nodes(&self) -> Vec<Node> {
        self.graph.node_weights().cloned().collect()
    }
    /// The edges as rows: by count (descending), then source and target node order.
    pub fn edges(&self) -> Vec<EdgeRow> {
        let mut e: Vec<_> = self.graph.edge_references().collect();
        e.sort_by(|a, b| {
            b.weight()
                .count
                .cmp(&a.weight().count)
                .then(a.source().cmp(&b.source()))
                .then(a.target().cmp(&b.target()))
        });
        e.into_iter()
            .map(|r| {
                let w = r.weight();
                EdgeRow {
                    source: self.graph[r.source()].name.clone(),
                    target: self.graph[r.target()].name.clone(),
                    source_kind: self.graph[r.source()].kind,
                    target_kind: self.graph[r.target()].kind,
                    count: w.count,
                    customers: w.customers,
                    probability: w.probability,
                    median_time_s: w.median_time_s,
                    mean_time_s: w.mean_time_s,
                }
            })
            .collect()
    }
    /// Sum of the counts of the edges entering / leaving a node.
    pub fn flow(&self, n: NodeIndex, dir: Direction) -> u64 {
        self.graph
            .edges_directed(n, dir)
            .map(|e| e.weight().count)
            .sum()
    }
}

impl PartialEq for TransitionGraph {
    fn eq(&self, other: &Self) -> bool {
        self.level == other.level
            && self.n_walks == other.n_walks
            && self.n_customers == other.n_customers
            && self.nodes() == other.nodes()
            && self.edges() == other.edges()
    }
}

impl Serialize for TransitionGraph {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape {
            level: Level,
            n_walks: u64,
            n_customers: u64,
            nodes: Vec<Node>,
            edges: Vec<EdgeRow>,
        }
        Shape {
            level: self.level,
            n_walks: self.n_walks,
            n_customers: self.n_customers,
            nodes: self.nodes(),
            edges: self.edges(),
        }
        .serialize(s)
    }
}

pub(crate) struct EdgeAcc {
    pub(crate) key: u64,
    pub(crate) count: u64,
    pub(crate) customers: u64,
    last_customer: u32,
    pub(crate) times: EdgeTimes,
}

/// The times between the events of one edge. Most edges of a graph over many distinct
/// touchpoints are taken once or twice, so one time is kept in place and only more go to the
/// heap: an edge costs 48 bytes and no allocation instead of 112 bytes and one allocation,
/// which kept the fold within the caches longer (docs/reliability.md).
#[derive(Default)]
pub(crate) enum EdgeTimes {
    #[default]
    Empty,
    One(i64),
    Many(Box<Samples>),
}

impl EdgeTimes {
    fn push(&mut self, x: i64) {
        match self {
            EdgeTimes::Empty => *self = EdgeTimes::One(x),
            EdgeTimes::One(a) => {
                let mut s = Samples::default();
                s.push(*a);
                s.push(x);
                *self = EdgeTimes::Many(Box::new(s));
            }
            EdgeTimes::Many(s) => s.push(x),
        }
    }

    fn merge(&mut self, b: EdgeTimes) {
        match (std::mem::take(self), b) {
            (a, EdgeTimes::Empty) => *self = a,
            (EdgeTimes::Empty, b) => *self = b,
            (EdgeTimes::Many(mut s), EdgeTimes::One(x))
            | (EdgeTimes::One(x), EdgeTimes::Many(mut s)) => {
                s.push(x);
                *self = EdgeTimes::Many(s);
            }
            (EdgeTimes::One(a), EdgeTimes::One(x)) => {
                *self = EdgeTimes::One(a);
                self.push(x);
            }
            (EdgeTimes::Many(mut s), EdgeTimes::Many(t)) => {
                s.merge(*t);
                *self = EdgeTimes::Many(s);
            }
        }
    }

    /// All values, in no particular order.
    pub(crate) fn into_vec(self) -> Vec<i64> {
        match self {
            EdgeTimes::Empty => Vec::new(),
            EdgeTimes::One(x) => vec![x],
            EdgeTimes::Many(s) => s.into_vec(),
        }
    }

    fn mean_s(&self) -> Option<f64> {
        match self {
            EdgeTimes::Empty => None,
            EdgeTimes::One(x) => mean_s(1, *x as i128),
            EdgeTimes::Many(s) => s.mean_s(),
        }
    }

    fn median_s(self) -> Option<f64> {
        match self {
            EdgeTimes::Empty => None,
            // The median of one value is that value, as `Samples::median_s` computes it.
            EdgeTimes::One(x) => Some(x as f64 / US_PER_SEC as f64),
            EdgeTimes::Many(s) => s.median_s(),
        }
    }
}

/// Edge slots by key `source * m + target`: a dense table for small graphs, else a hash map.
enum Slots {
    Dense(Vec<u32>),
    Sparse(FxHashMap<u64, u32>),
}

pub(crate) struct Acc {
    slots: Slots,
    pub(crate) edges: Vec<EdgeAcc>,
    nodes: Nodes,
    pub(crate) n_walks: u64,
    pub(crate) n_customers: u64,
}

/// Per node: visits, distinct customers, and the last customer counted. Dense for small
/// graphs; for large ones only the nodes an accumulator touched, so that a parallel fold with
/// many accumulators costs the events it reads, not accumulators x nodes (a log with a
/// million distinct touchpoints made every accumulator allocate, clear and merge three
/// arrays of a million).
enum Nodes {
    Dense {
        visits: Vec<u64>,
        customers: Vec<u64>,
        last: Vec<u32>,
    },
    Sparse(FxHashMap<u32, NodeAcc>),
}

#[derive(Clone, Copy)]
struct NodeAcc {
    visits: u64,
    customers: u64,
    last: u32,
}

/// Above this many nodes (or node pairs, for the edges), accumulators are sparse.
const DENSE_MAX: usize = 1 << 16;

impl Acc {
    fn new(m: usize) -> Self {
        Acc {
            slots: if m * m <= DENSE_MAX {
                Slots::Dense(vec![u32::MAX; m * m])
            } else {
                Slots::Sparse(FxHashMap::default())
            },
            edges: Vec::new(),
            nodes: if m <= DENSE_MAX {
                Nodes::Dense {
                    visits: vec![0; m],
                    customers: vec![0; m],
                    last: vec![u32::MAX; m],
                }
            } else {
                Nodes::Sparse(FxHashMap::default())
            },
            n_walks: 0,
            n_customers: 0,
        }
    }

    /// Visits and distinct customers of each of the `m` nodes.
    pub(crate) fn node_totals(&self, m: usize) -> (Vec<u64>, Vec<u64>) {
        match &self.nodes {
            Nodes::Dense {
                visits, customers, ..
            } => (visits.clone(), customers.clone()),
            Nodes::Sparse(h) => {
                let (mut visits, mut customers) = (vec![0; m], vec![0; m]);
                for (&v, n) in h {
                    visits[v as usize] = n.visits;
                    customers[v as usize] = n.customers;
                }
                (visits, customers)
            }
        }
    }

    fn slot(&mut self, key: u64) -> usize {
        let next = self.edges.len() as u32;
        let s = match &mut self.slots {
            Slots::Dense(t) => {
                let s = &mut t[key as usize];
                if *s == u32::MAX {
                    *s = next;
                }
                *s
            }
            Slots::Sparse(h) => *h.entry(key).or_insert(next),
        };
        if s == next {
            self.edges.push(EdgeAcc {
                key,
                count: 0,
                customers: 0,
                last_customer: u32::MAX,
                times: EdgeTimes::Empty,
            });
        }
        s as usize
    }

    fn add(&mut self, m: usize, a: usize, b: usize, c: u32, dt: Option<i64>) {
        let s = self.slot((a * m + b) as u64);
        let e = &mut self.edges[s];
        e.count += 1;
        if e.last_customer != c {
            e.last_customer = c;
            e.customers += 1;
        }
        if let Some(dt) = dt {
            e.times.push(dt);
        }
        match &mut self.nodes {
            Nodes::Dense {
                visits,
                customers,
                last,
            } => {
                visits[b] += 1;
                if last[b] != c {
                    last[b] = c;
                    customers[b] += 1;
                }
            }
            Nodes::Sparse(h) => {
                let n = h.entry(b as u32).or_insert(NodeAcc {
                    visits: 0,
                    customers: 0,
                    last: u32::MAX,
                });
                n.visits += 1;
                if n.last != c {
                    n.last = c;
                    n.customers += 1;
                }
            }
        }
    }

    fn merge(mut self, mut b: Acc) -> Acc {
        // The smaller into the larger: the sums do not depend on the order (edges are sorted
        // by key before anything reads them).
        if self.edges.len() < b.edges.len() {
            std::mem::swap(&mut self, &mut b);
        }
        for e in b.edges {
            let s = self.slot(e.key);
            let x = &mut self.edges[s];
            x.count += e.count;
            x.customers += e.customers;
            x.times.merge(e.times);
        }
        match (&mut self.nodes, b.nodes) {
            (
                Nodes::Dense {
                    visits, customers, ..
                },
                Nodes::Dense {
                    visits: v2,
                    customers: c2,
                    ..
                },
            ) => {
                for i in 0..visits.len() {
                    visits[i] += v2[i];
                    customers[i] += c2[i];
                }
            }
            (Nodes::Sparse(h), Nodes::Sparse(h2)) => {
                for (v, n) in h2 {
                    let x = h.entry(v).or_insert(NodeAcc {
                        visits: 0,
                        customers: 0,
                        last: u32::MAX,
                    });
                    x.visits += n.visits;
                    x.customers += n.customers;
                }
            }
            _ => unreachable!("accumulators of one fold are all dense or all sparse"),
        }
        self.n_walks += b.n_walks;
        self.n_customers += b.n_customers;
        self
    }
}

/// Builds the transition graph of a log.
///
/// ```
/// use journey_core::metrics::graph::{transition_graph, TransitionGraphOptions};
/// let csv = "customer_id,timestamp,touchpoint\na,0,ad\na,60,site\nb,0,site\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let g = transition_graph(&log, &TransitionGraphOptions::default()).unwrap();
/// let e = g.edges();
/// assert_eq!((e[0].source.as_str(), e[0].target.as_str(), e[0].count), ("site", "end", 2));
/// assert!(g.to_mermaid().starts_with("flowchart LR"));
/// ```
pub fn transition_graph(log: &EventLog, opts: &TransitionGraphOptions) -> Result<TransitionGraph> {
    Ok(graph_of(log, opts, fold(log, opts)?))
}

/// The graph of a folded log.
fn graph_of(log: &EventLog, opts: &TransitionGraphOptions, acc: Acc) -> TransitionGraph {
    let names = match opts.level {
        Level::Touchpoint => log.touchpoints(),
        Level::Channel => log.channels(),
    };
    let m = names.len() + 2;
    let (start, end) = (0usize, m - 1);
    let (mut visits, mut node_customers) = acc.node_totals(m);
    let Acc {
        mut edges,
        n_walks,
        n_customers,
        ..
    } = acc;
    visits[start] = n_walks;
    node_customers[start] = n_customers;
    let mut nodes = Vec::with_capacity(m);
    let mut index = vec![usize::MAX; m];
    for v in 0..m {
        let (name, kind, conversion) = if v == start {
            ("start", NodeKind::Start, false)
        } else if v == end {
            ("end", NodeKind::End, false)
        } else if visits[v] == 0 {
            continue;
        } else {
            let conv = opts.level == Level::Touchpoint && log.is_conversion(v as u32 - 1);
            (names[v - 1].as_str(), NodeKind::Touch, conv)
        };
        index[v] = nodes.len();
        nodes.push(Node {
            name: name.to_string(),
            kind,
            visits: visits[v],
            customers: node_customers[v],
            conversion,
        });
    }
    edges.sort_unstable_by_key(|e| e.key);
    // Medians by selection, one edge per task.
    let edges = map_vec(edges, |e| {
        let (a, b) = ((e.key / m as u64) as usize, (e.key % m as u64) as usize);
        (
            index[a],
            index[b],
            e.count,
            e.customers,
            e.times.mean_s(),
            e.times.median_s(),
        )
    });
    assemble(opts.level, nodes, edges, n_walks, n_customers)
}

/// One edge before assembly: source and target (positions in the node list), count, distinct
/// customers, mean and median time (seconds).
pub(crate) type EdgeParts = (usize, usize, u64, u64, Option<f64>, Option<f64>);

/// The graph from its nodes (start first, touches in name order, end last) and its edges in
/// (source, target) order; probabilities are computed here, so every caller gets the same.
pub(crate) fn assemble(
    level: Level,
    nodes: Vec<Node>,
    edges: Vec<EdgeParts>,
    n_walks: u64,
    n_customers: u64,
) -> TransitionGraph {
    let mut graph = DiGraph::with_capacity(nodes.len(), edges.len());
    let index: Vec<NodeIndex> = nodes.into_iter().map(|n| graph.add_node(n)).collect();
    let mut out = vec![0u64; index.len()];
    for e in &edges {
        out[e.0] += e.2;
    }
    for (a, b, count, customers, mean_time_s, median_time_s) in edges {
        let edge = Edge {
            count,
            customers,
            probability: count as f64 / out[a] as f64,
            mean_time_s,
            median_time_s,
        };
        graph.add_edge(index[a], index[b], edge);
    }
    TransitionGraph {
        level,
        graph,
        n_walks,
        n_customers,
    }
}

/// Where a fold puts the steps of the walks: the hash-table accumulator or the list of hops.
trait Steps {
    fn add(&mut self, m: usize, a: usize, b: usize, c: u32, dt: Option<i64>);
    fn walks(&mut self) -> &mut u64;
    fn customers(&mut self) -> &mut u64;
}

impl Steps for Acc {
    fn add(&mut self, m: usize, a: usize, b: usize, c: u32, dt: Option<i64>) {
        Acc::add(self, m, a, b, c, dt);
    }
    fn walks(&mut self) -> &mut u64 {
        &mut self.n_walks
    }
    fn customers(&mut self) -> &mut u64 {
        &mut self.n_customers
    }
}

/// One step of a walk, kept for the sorted fold: edge key, customer, time since the previous
/// event (`NO_TIME` for none).
#[derive(Clone, Copy)]
struct Hop {
    key: u64,
    customer: u32,
    dt: i64,
}

const NO_TIME: i64 = i64::MIN;

#[derive(Default)]
struct Hops {
    hops: Vec<Hop>,
    n_walks: u64,
    n_customers: u64,
}

impl Steps for Hops {
    fn add(&mut self, m: usize, a: usize, b: usize, c: u32, dt: Option<i64>) {
        self.hops.push(Hop {
            key: (a * m + b) as u64,
            customer: c,
            dt: dt.unwrap_or(NO_TIME),
        });
    }
    fn walks(&mut self) -> &mut u64 {
        &mut self.n_walks
    }
    fn customers(&mut self) -> &mut u64 {
        &mut self.n_customers
    }
}

impl Hops {
    fn merge(mut self, mut b: Hops) -> Hops {
        if self.hops.len() < b.hops.len() {
            std::mem::swap(&mut self, &mut b);
        }
        self.hops.append(&mut b.hops);
        self.n_walks += b.n_walks;
        self.n_customers += b.n_customers;
        self
    }

    /// The accumulator these hops add up to: hops sorted by edge and customer, then each run
    /// of one edge counted in one pass. Every figure is a sum, a count of distinct customers
    /// or a multiset of times, so it equals what [`Acc::add`] gives hop by hop.
    fn into_acc(self, m: usize) -> Acc {
        let mut hops = self.hops;
        sort_hops(&mut hops);
        let (mut visits, mut customers) = (vec![0u64; m], vec![0u64; m]);
        // (node, customer) for each customer of each edge: a node's distinct customers.
        let mut entered: Vec<(u32, u32)> = Vec::new();
        let mut edges = Vec::new();
        for run in hops.chunk_by(|x, y| x.key == y.key) {
            let key = run[0].key;
            let b = (key % m as u64) as usize;
            let mut e = EdgeAcc {
                key,
                count: run.len() as u64,
                customers: 0,
                last_customer: u32::MAX,
                times: EdgeTimes::Empty,
            };
            for h in run {
                if h.customer != e.last_customer {
                    e.last_customer = h.customer;
                    e.customers += 1;
                    entered.push((b as u32, h.customer));
                }
                if h.dt != NO_TIME {
                    e.times.push(h.dt);
                }
            }
            visits[b] += e.count;
            edges.push(e);
        }
        drop(hops);
        entered.sort_unstable();
        entered.dedup();
        for (b, _) in entered {
            customers[b as usize] += 1;
        }
        Acc {
            slots: Slots::Sparse(FxHashMap::default()),
            edges,
            nodes: Nodes::Dense {
                visits,
                customers,
                last: Vec::new(),
            },
            n_walks: self.n_walks,
            n_customers: self.n_customers,
        }
    }
}

#[cfg(feature = "parallel")]
fn sort_hops(hops: &mut [Hop]) {
    use rayon::prelude::*;
    hops.par_sort_unstable_by_key(|h| (h.key, h.customer));
}

#[cfg(not(feature = "parallel"))]
fn sort_hops(hops: &mut [Hop]) {
    hops.sort_unstable_by_key(|h| (h.key, h.customer));
}

/// Whether the walks are folded by sorting their hops rather than in hash tables: when the
/// nodes are many (beyond the dense tables) and the hops few per node, so that nearly every
/// hop is an edge of its own. Hash tables of millions of edges are read at random and leave
/// the processor's caches; sorting reads and writes in order, so its cost stays linear
/// (docs/reliability.md), and the list of hops is then no larger than the tables would be.
fn sorted_fold(m: usize, hops: usize) -> bool {
    m > DENSE_MAX && hops <= 8 * m
}

/// Every customer's walks, folded (node `0` is start, `1 + id` the touch of id `id`, the last
/// node end).
pub(crate) fn fold(log: &EventLog, opts: &TransitionGraphOptions) -> Result<Acc> {
    let m = match opts.level {
        Level::Touchpoint => log.touchpoints().len(),
        Level::Channel => log.channels().len(),
    } + 2;
    fold_with(
        log,
        opts,
        sorted_fold(m, log.n_events() + log.n_customers()),
    )
}

/// [`fold`], by sorting hops (`sorted`) or with hash tables.
fn fold_with(log: &EventLog, opts: &TransitionGraphOptions, sorted: bool) -> Result<Acc> {
    let gap = opts.session_gap.map(Duration::as_us);
    if gap.is_some_and(|g| g < 0) {
        return Err(Error::argument("session_gap", "must not be negative"));
    }
    let (names, ids): (&[String], &[u32]) = match opts.level {
        Level::Touchpoint => (log.touchpoints(), log.touchpoint_ids()),
        Level::Channel => (log.channels(), log.channel_ids()),
    };
    let w = Walker {
        log,
        ids,
        ts: log.timestamps(),
        gap,
        m: names.len() + 2,
        collapse_repeats: opts.collapse_repeats,
    };
    let n = log.n_customers();
    Ok(if sorted {
        fold_customers(n, Hops::default, |h, c| w.walk(h, c), Hops::merge).into_acc(w.m)
    } else {
        fold_customers(n, || Acc::new(w.m), |a, c| w.walk(a, c), Acc::merge)
    })
}

/// What a fold needs to walk one customer's events.
struct Walker<'a> {
    log: &'a EventLog,
    ids: &'a [u32],
    ts: &'a [i64],
    gap: Option<i64>,
    m: usize,
    collapse_repeats: bool,
}

impl Walker<'_> {
    /// Adds the walks of customer `c` (one per session when there is a gap) to `acc`.
    fn walk<S: Steps>(&self, acc: &mut S, c: u32) {
        let r = self.log.journey(c).range();
        if r.is_empty() {
            return;
        }
        let (m, ids, ts) = (self.m, self.ids, self.ts);
        let (start, end) = (0usize, m - 1);
        *acc.customers() += 1;
        *acc.walks() += 1;
        let mut prev = start;
        for i in r.clone() {
            let node = ids[i] as usize + 1;
            if i > r.start && self.gap.is_some_and(|g| ts[i] - ts[i - 1] > g) {
                acc.add(m, prev, end, c, None);
                *acc.walks() += 1;
                prev = start;
            }
            if prev == start {
                acc.add(m, start, node, c, None);
            } else if self.collapse_repeats && prev == node {
                continue;
            } else {
                acc.add(m, prev, node, c, Some(ts[i] - ts[i - 1]));
            }
            prev = node;
        }
        acc.add(m, prev, end, c, None);
    }
}

impl EventLog {
    /// The transition graph; see [`transition_graph`].
    pub fn transition_graph(&self, opts: &TransitionGraphOptions) -> Result<TransitionGraph> {
        transition_graph(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    const CSV: &str = "customer_id,timestamp,touchpoint\n\
        a,0,ad\na,60,site\na,180,purchase\n\
        b,0,site\nb,30,site\n\
        c,0,ad\nc,100,site\n";

    fn graph(opts: TransitionGraphOptions) -> TransitionGraph {
        let log = read_events_csv(CSV.as_bytes(), &LoadOptions::default()).unwrap();
        transition_graph(&log, &opts).unwrap()
    }

    fn edge<'a>(rows: &'a [EdgeRow], a: &str, b: &str) -> &'a EdgeRow {
        rows.iter()
            .find(|r| r.source == a && r.target == b)
            .unwrap_or_else(|| panic!("no edge {a} -> {b}"))
    }

    #[test]
    fn edge_times_kept_in_place_or_on_the_heap_agree() {
        // Every way of building the times 10 s, 20 s, 60 s (one by one, or merged from parts
        // of every shape) gives the mean 30 s and the median 20 s.
        let us = |s: i64| s * US_PER_SEC;
        let of = |xs: &[i64]| {
            let mut t = EdgeTimes::Empty;
            for &x in xs {
                t.push(us(x));
            }
            t
        };
        let splits: [(&[i64], &[i64]); 6] = [
            (&[10, 20, 60], &[]),
            (&[], &[10, 20, 60]),
            (&[10], &[20, 60]),
            (&[20, 60], &[10]),
            (&[10, 20], &[60]),
            (&[60], &[10, 20]),
        ];
        for (a, b) in splits {
            let mut t = of(a);
            t.merge(of(b));
            assert_eq!(t.mean_s(), Some(30.0), "{a:?} + {b:?}");
            assert_eq!(t.median_s(), Some(20.0), "{a:?} + {b:?}");
        }
        let mut one = of(&[]);
        one.merge(of(&[45]));
        assert!(matches!(one, EdgeTimes::One(x) if x == us(45)));
        assert_eq!((one.mean_s(), one.median_s()), (Some(45.0), Some(45.0)));
        let (mut two, mut v) = (of(&[7]), of(&[7, 1]).into_vec());
        two.merge(of(&[1]));
        v.sort_unstable();
        assert_eq!(v, vec![us(1), us(7)]);
        assert_eq!((two.mean_s(), two.median_s()), (Some(4.0), Some(4.0)));
        assert_eq!((of(&[]).mean_s(), of(&[]).median_s()), (None, None));
    }

    #[test]
    fn known_graph() {
        let g = graph(TransitionGraphOptions::default());
        // Walks: start ad site purchase end; start site site end; start ad site end.
        assert_eq!((g.n_walks, g.n_customers), (3, 3));
        let names: Vec<String> = g.nodes().into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["start", "ad", "purchase", "site", "end"]);
        let e = g.edges();
        assert_eq!(e.len(), 7);
        let ad_site = edge(&e, "ad", "site");
        assert_eq!((ad_site.count, ad_site.customers), (2, 2));
        assert_eq!(ad_site.median_time_s, Some(80.0)); // (60 + 100) / 2
        assert_eq!(ad_site.probability, 1.0);
        let start_ad = edge(&e, "start", "ad");
        assert_eq!(start_ad.probability, 2.0 / 3.0);
        assert_eq!(start_ad.median_time_s, None);
        // Out of site: purchase 1, site 1, end 2.
        assert_eq!(edge(&e, "site", "end").probability, 0.5);
        assert_eq!(edge(&e, "site", "site").median_time_s, Some(30.0));
        assert_eq!(edge(&e, "site", "purchase").mean_time_s, Some(120.0));
        let site = g.node("site").unwrap();
        assert_eq!((g.graph[site].visits, g.graph[site].customers), (4, 3));
        assert_eq!(g.flow(site, Direction::Incoming), 4);
        assert_eq!(g.flow(site, Direction::Outgoing), 4);
        assert_eq!(g.flow(g.start(), Direction::Outgoing), 3);
        assert_eq!(g.flow(g.end(), Direction::Incoming), 3);
        assert!(g.graph[g.node("purchase").unwrap()].conversion);
        // Sorted by count, then node order: start->ad (2), ad->site (2), site->end (2), ...
        assert_eq!(
            (e[0].source.as_str(), e[0].target.as_str()),
            ("start", "ad")
        );
        assert_eq!(
            (e[2].source.as_str(), e[2].target.as_str()),
            ("site", "end")
        );
    }

    /// Above `DENSE_MAX` nodes the accumulators keep only the nodes they touched; the counts
    /// must be those of the dense arrays, across the accumulators of the parallel fold.
    #[test]
    fn many_nodes_use_sparse_accumulators() {
        // Customer k: t_k, t_{k+1}, t_k. So t_k (0 < k < n) is visited twice by customer k and
        // once by customer k - 1: 3 visits, 2 customers.
        let n = 70_000;
        let mut csv = String::from("customer_id,timestamp,touchpoint\n");
        for k in 0..n {
            csv.push_str(&format!("c{k},1,t{k}\nc{k},2,t{}\nc{k},3,t{k}\n", k + 1));
        }
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        assert!(log.touchpoints().len() + 2 > DENSE_MAX);
        let opts = TransitionGraphOptions::default();
        // 280,000 hops over 70,003 nodes: the sorted fold is the one taken; the hash tables
        // must agree with it.
        assert!(sorted_fold(n + 3, log.n_events() + log.n_customers()));
        let g = transition_graph(&log, &opts).unwrap();
        let hashed = graph_of(&log, &opts, fold_with(&log, &opts, false).unwrap());
        assert!(g == hashed);
        let node = |name: &str| {
            let v = g.node(name).unwrap();
            (g.graph[v].visits, g.graph[v].customers)
        };
        assert_eq!(node("t0"), (2, 1));
        assert_eq!(node("t1"), (3, 2));
        assert_eq!(node("t35000"), (3, 2));
        assert_eq!(node(&format!("t{n}")), (1, 1));
        assert_eq!(g.graph[g.start()].visits, n as u64);
        assert_eq!(g.graph[g.end()].visits, n as u64);
        assert_eq!(g.graph.node_count(), n + 1 + 2);
        // start -> t_k, t_k -> t_{k+1}, t_{k+1} -> t_k, t_k -> end: once each.
        assert_eq!(g.graph.edge_count(), 4 * n);
        assert_eq!(g.flow(g.start(), Direction::Outgoing), n as u64);
    }

    proptest::proptest! {
        /// Sorting the hops and hash tables give the same graph, for every option.
        #[test]
        fn sorted_fold_equals_hash_tables(
            rows in proptest::collection::vec((0u8..6, 0i64..8, 0u8..5, 0u8..3), 0..40),
            channel in proptest::bool::ANY,
            collapse_repeats in proptest::bool::ANY,
            gap in proptest::option::of(0i64..4),
        ) {
            let mut csv = String::from("customer_id,timestamp,touchpoint,channel\n");
            for (c, t, tp, ch) in &rows {
                csv.push_str(&format!("c{c},{},t{tp},ch{ch}\n", t * 60));
            }
            let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
            let opts = TransitionGraphOptions {
                level: if channel { Level::Channel } else { Level::Touchpoint },
                collapse_repeats,
                session_gap: gap.map(|g| Duration::from_us(g * 60_000_000)),
            };
            let sorted = graph_of(&log, &opts, fold_with(&log, &opts, true).unwrap());
            let hashed = graph_of(&log, &opts, fold_with(&log, &opts, false).unwrap());
            proptest::prop_assert_eq!(sorted.edges(), hashed.edges());
            proptest::prop_assert_eq!(sorted.nodes(), hashed.nodes());
            proptest::prop_assert!(sorted == hashed);
        }
    }

    #[test]
    fn options() {
        let g = graph(TransitionGraphOptions {
            collapse_repeats: true,
            ..Default::default()
        });
        let e = g.edges();
        assert!(e.iter().all(|r| r.source != r.target));
        assert_eq!(g.graph[g.node("site").unwrap()].visits, 3);
        // Sessions of at most 40 s: a splits into [ad] [site] [purchase], c into [ad] [site].
        let g = graph(TransitionGraphOptions {
            session_gap: Some(Duration::from_secs(40)),
            ..Default::default()
        });
        assert_eq!(g.n_walks, 6);
        let e = g.edges();
        assert_eq!(edge(&e, "ad", "end").count, 2);
        assert_eq!(edge(&e, "start", "site").count, 3);
        assert!(e.iter().all(|r| !(r.source == "ad" && r.target == "site")));
        let empty = transition_graph(&EventLog::empty(), &Default::default()).unwrap();
        assert_eq!(empty.graph.node_count(), 2);
        assert!(empty.edges().is_empty());
        assert!(empty.to_dot().contains("n1 [label=\"end\""));
    }

    #[test]
    fn large_graphs_use_the_sparse_table() {
        // 300 touchpoints in a chain: more nodes than the dense edge table allows.
        let mut csv = String::from("customer_id,timestamp,touchpoint\n");
        for i in 0..300 {
            csv.push_str(&format!("a,{i},t{i:03}\nb,{i},t{i:03}\n"));
        }
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let g = transition_graph(&log, &TransitionGraphOptions::default()).unwrap();
        assert_eq!(g.graph.node_count(), 302);
        assert_eq!(g.graph.edge_count(), 301);
        assert!(g.edges().iter().all(|e| e.count == 2 && e.customers == 2));
        let e = g.edges();
        assert_eq!(edge(&e, "t041", "t042").median_time_s, Some(1.0));
    }

    #[test]
    fn hostile_names_are_escaped() {
        let csv = "customer_id,timestamp,touchpoint\n\
            a,0,\"x\"\"];evil[\"\"\"\na,1,<script>|b\\c\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let g = transition_graph(&log, &TransitionGraphOptions::default()).unwrap();
        let dot = g.to_dot();
        assert!(dot.contains(r#"label="<script>|b\\c""#), "{dot}");
        assert!(dot.contains(r#"label="x\"];evil[\"""#), "{dot}");
        let m = g.to_mermaid();
        assert!(!m.contains("<script>") && !m.contains("];evil["), "{m}");
        assert!(m.contains("#60;script#62;#124;b\\c"), "{m}");
    }

    #[test]
    fn exports() {
        let g = graph(TransitionGraphOptions::default());
        let dot = g.to_dot();
        assert!(dot.starts_with("digraph journey {"));
        assert!(dot.contains("n0 -> n1 [label=\"2 (66.7%)\", penwidth=5.00];"));
        let m = g.to_mermaid();
        assert!(m.contains("  n0([\"start\"])\n"));
        assert!(m.contains("  n3 -->|\"1 (25.0%)\"| n2\n"));
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json["nodes"][0]["kind"], "start");
        assert_eq!(json["edges"][0]["count"], 2);
    }
}
