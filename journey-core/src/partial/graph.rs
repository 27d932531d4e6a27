//! The transition graph as a partial state: nodes and edges by name, whole-number counts
//! (distinct customers add up, since each customer is in one partition) and the exact times of
//! each edge as value -> count lists, so medians stay exact.

use std::collections::{BTreeMap, BTreeSet};

use super::codec::{corrupted, Codec, Reader, ValueCounts, Writer};
use crate::error::Result;
use crate::metrics::distribution::mean_s;
use crate::metrics::graph::{
    assemble, fold, EdgeParts, Node, NodeKind, TransitionGraph, TransitionGraphOptions,
};
use crate::metrics::paths::Level;
use crate::model::EventLog;
use crate::time::US_PER_SEC;

/// A node: `(0, "")` start, `(1, name)` a touch, `(2, "")` end, so keys sort in graph order.
type NodeKey = (u8, String);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GraphState {
    n_walks: u64,
    n_customers: u64,
    /// Visits and distinct customers of each touch node and of `end`.
    nodes: BTreeMap<NodeKey, (u64, u64)>,
    /// Count, distinct customers and times of each edge.
    edges: BTreeMap<(NodeKey, NodeKey), (u64, u64, ValueCounts)>,
    /// Touch nodes that are conversion touchpoints.
    conversions: BTreeSet<String>,
}

impl GraphState {
    pub(crate) fn of(log: &EventLog, opts: &TransitionGraphOptions) -> Result<Self> {
        let acc = fold(log, opts)?;
        let names = match opts.level {
            Level::Touchpoint => log.touchpoints(),
            Level::Channel => log.channels(),
        };
        let m = names.len() + 2;
        let key = |v: usize| -> NodeKey {
            if v == 0 {
                (0, String::new())
            } else if v == m - 1 {
                (2, String::new())
            } else {
                (1, names[v - 1].clone())
            }
        };
        let mut nodes = BTreeMap::new();
        let mut conversions = BTreeSet::new();
        let (visits, node_customers) = acc.node_totals(m);
        for v in 1..m {
            if visits[v] > 0 {
                nodes.insert(key(v), (visits[v], node_customers[v]));
                if v < m - 1 && opts.level == Level::Touchpoint && log.is_conversion(v as u32 - 1) {
                    conversions.insert(names[v - 1].clone());
                }
            }
        }
        let edges = acc
            .edges
            .into_iter()
            .map(|e| {
                let (a, b) = ((e.key / m as u64) as usize, (e.key % m as u64) as usize);
                (
                    (key(a), key(b)),
                    (e.count, e.customers, ValueCounts::of(e.times.into_vec())),
                )
            })
            .collect();
        Ok(GraphState {
            n_walks: acc.n_walks,
            n_customers: acc.n_customers,
            nodes,
            edges,
            conversions,
        })
    }

    pub(crate) fn merge(&mut self, b: GraphState) {
        self.n_walks += b.n_walks;
        self.n_customers += b.n_customers;
        for (k, (v, c)) in b.nodes {
            let e = self.nodes.entry(k).or_default();
            e.0 += v;
            e.1 += c;
        }
        for (k, (n, c, t)) in b.edges {
            match self.edges.get_mut(&k) {
                Some(e) => {
                    e.0 += n;
                    e.1 += c;
                    e.2.merge(t);
                }
                None => {
                    self.edges.insert(k, (n, c, t));
                }
            }
        }
        self.conversions.extend(b.conversions);
    }

    /// Takes away the customers of `b`: counts and times subtracted, nodes and edges at zero
    /// removed. The set of conversion nodes stays (it only marks nodes that exist).
    pub(crate) fn retract(&mut self, b: &GraphState) {
        self.n_walks -= b.n_walks;
        self.n_customers -= b.n_customers;
        for (k, (v, c)) in &b.nodes {
            if let Some(e) = self.nodes.get_mut(k) {
                e.0 -= v;
                e.1 -= c;
                if e.0 == 0 {
                    self.nodes.remove(k);
                }
            }
        }
        for (k, (n, c, t)) in &b.edges {
            if let Some(e) = self.edges.get_mut(k) {
                e.0 -= n;
                e.1 -= c;
                e.2.subtract(t);
                if e.0 == 0 {
                    self.edges.remove(k);
                }
            }
        }
    }

    pub(crate) fn finish(self, opts: &TransitionGraphOptions) -> TransitionGraph {
        let end: NodeKey = (2, String::new());
        let mut nodes = vec![Node {
            name: "start".to_string(),
            kind: NodeKind::Start,
            visits: self.n_walks,
            customers: self.n_customers,
            conversion: false,
        }];
        let mut index: BTreeMap<NodeKey, usize> = BTreeMap::new();
        index.insert((0, String::new()), 0);
        for ((kind, name), (visits, customers)) in &self.nodes {
            if *kind != 1 {
                continue;
            }
            index.insert((1, name.clone()), nodes.len());
            nodes.push(Node {
                name: name.clone(),
                kind: NodeKind::Touch,
                visits: *visits,
                customers: *customers,
                conversion: self.conversions.contains(name),
            });
        }
        let (visits, customers) = self.nodes.get(&end).copied().unwrap_or_default();
        index.insert(end, nodes.len());
        nodes.push(Node {
            name: "end".to_string(),
            kind: NodeKind::End,
            visits,
            customers,
            conversion: false,
        });
        let us = US_PER_SEC as f64;
        let edges: Vec<EdgeParts> = self
            .edges
            .into_iter()
            .map(|((a, b), (count, customers, t))| {
                (
                    index[&a],
                    index[&b],
                    count,
                    customers,
                    mean_s(t.len(), t.sum()),
                    t.quantile(0.5).map(|x| x / us),
                )
            })
            .collect();
        assemble(opts.level, nodes, edges, self.n_walks, self.n_customers)
    }

    pub(crate) fn fits(&self) -> bool {
        // Start (0) and end (2) have no name; touches (1) are nodes.
        let special = |k: &NodeKey| (k.0 == 0 || k.0 == 2) && k.1.is_empty();
        let known = |k: &NodeKey| special(k) || self.nodes.contains_key(k);
        self.nodes
            .keys()
            .all(|k| k.0 == 1 || (k.0 == 2 && k.1.is_empty()))
            && self
                .edges
                .keys()
                .all(|(a, b)| known(a) && known(b) && b.0 != 0)
    }
}

fn enc_key(k: &NodeKey, w: &mut Writer) {
    w.raw(&[k.0]);
    k.1.enc(w);
}

fn dec_key(r: &mut Reader<'_>) -> Result<NodeKey> {
    let kind = r.raw(1)?[0];
    if kind > 2 {
        return Err(corrupted(format!("{kind} is not a node kind")));
    }
    Ok((kind, String::dec(r)?))
}

impl Codec for GraphState {
    fn enc(&self, w: &mut Writer) {
        self.n_walks.enc(w);
        self.n_customers.enc(w);
        w.u64(self.nodes.len() as u64);
        for (k, v) in &self.nodes {
            enc_key(k, w);
            v.enc(w);
        }
        w.u64(self.edges.len() as u64);
        for ((a, b), (n, c, t)) in &self.edges {
            enc_key(a, w);
            enc_key(b, w);
            n.enc(w);
            c.enc(w);
            t.enc(w);
        }
        self.conversions
            .iter()
            .cloned()
            .collect::<Vec<String>>()
            .enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let n_walks = u64::dec(r)?;
        let n_customers = u64::dec(r)?;
        let mut nodes = BTreeMap::new();
        for _ in 0..r.len()? {
            let k = dec_key(r)?;
            nodes.insert(k, Codec::dec(r)?);
        }
        let mut edges = BTreeMap::new();
        for _ in 0..r.len()? {
            let a = dec_key(r)?;
            let b = dec_key(r)?;
            edges.insert((a, b), (Codec::dec(r)?, Codec::dec(r)?, Codec::dec(r)?));
        }
        let conversions: Vec<String> = Codec::dec(r)?;
        Ok(GraphState {
            n_walks,
            n_customers,
            nodes,
            edges,
            conversions: conversions.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::partial::{Analysis, Context, Partial, State};
    use crate::read_events_csv;

    /// An edge from a start node with a name passed the check of the decoder and then had no
    /// index in `finish` (a panic found by the `partial_bytes` fuzz target): start and end
    /// nodes have no names.
    #[test]
    fn start_and_end_nodes_with_names_are_corrupted() {
        let csv = "customer_id,timestamp,touchpoint\na,0,view\na,60,cart\n";
        let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let a = Analysis::from_json("transition_graph", &json!({})).unwrap();
        let p = log.partial(&a, &Context::default()).unwrap();
        assert_eq!(Partial::from_bytes(&p.to_bytes()).unwrap(), p);
        for (from, to) in [
            ((0, "view"), (1, "view")),
            ((1, "view"), (2, "x")),
            ((0, ""), (0, "")),
        ] {
            let mut q = p.clone();
            let State::Graph(s) = &mut q.state else {
                unreachable!()
            };
            let key = |(k, n): (u8, &str)| (k, n.to_string());
            s.edges
                .insert((key(from), key(to)), (1, 1, Default::default()));
            let e = Partial::from_bytes(&q.to_bytes()).unwrap_err();
            assert_eq!(
                e.to_string(),
                "invalid partial: corrupted bytes: the graph's edges refer to unknown nodes",
                "{from:?} -> {to:?}"
            );
        }
        let mut q = p.clone();
        let State::Graph(s) = &mut q.state else {
            unreachable!()
        };
        s.nodes.insert((2, "x".to_string()), (1, 1));
        assert!(Partial::from_bytes(&q.to_bytes()).is_err());
    }
}
