//! Text graph formats: Graphviz DOT and Mermaid flowcharts of a [`TransitionGraph`].
//!
//! Node ids are generated (`n0`, `n1`, ...), names only ever appear inside quoted labels, with
//! every character that could end the label or inject markup escaped, so any touchpoint name is
//! safe. Edge labels give the count and the probability out of the source node.

use std::fmt::Write;

use super::svg::is_bidi_control;
use crate::metrics::graph::{NodeKind, TransitionGraph};
use petgraph::visit::EdgeRef;

/// Escapes a string for a double-quoted DOT label.
/// The graph as text, drawn here as [`crate::JourneyMap::to_svg`] is drawn in `render::map`:
/// the metric knows nothing of its pictures.
impl TransitionGraph {
    /// Graphviz DOT text; see [`to_dot`].
    pub fn to_dot(&self) -> String {
        to_dot(self)
    }
    /// Mermaid flowchart text; see [`to_mermaid`].
    pub fn to_mermaid(&self) -> String {
        to_mermaid(self)
    }
}

fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c if is_bidi_control(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a string for a double-quoted Mermaid label (Mermaid's `#code;` entities).
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '#' | '<' | '>' | '&' | '|' | '`' | '[' | ']' | '{' | '}' => {
                let _ = write!(out, "#{};", c as u32);
            }
            '\n' | '\r' => out.push(' '),
            c if is_bidi_control(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn edge_label(count: u64, p: f64) -> String {
    format!("{count} ({:.1}%)", 100.0 * p)
}

/// The graph as Graphviz DOT, left to right; edge widths grow with their counts.
///
/// ```
/// use journey_core::metrics::graph::{transition_graph, TransitionGraphOptions};
/// let csv = "customer_id,timestamp,touchpoint\na,0,\"say \"\"hi\"\"\"\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let dot = transition_graph(&log, &TransitionGraphOptions::default()).unwrap().to_dot();
/// assert!(dot.contains(r#"label="say \"hi\"""#));
/// ```
pub fn to_dot(g: &TransitionGraph) -> String {
    let gr = &g.graph;
    let shown = Shown::of(g);
    let max = gr.edge_weights().map(|e| e.count).max().unwrap_or(1).max(1);
    let mut s = String::from(
        "digraph journey {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n",
    );
    if let Some(note) = shown.note(g) {
        let _ = writeln!(s, "  // {note}");
    }
    for i in gr.node_indices().filter(|i| shown.node(*i)) {
        let n = &gr[i];
        let shape = match n.kind {
            NodeKind::Start | NodeKind::End => ", shape=oval, style=filled, fillcolor=\"#eeeeee\"",
            NodeKind::Touch if n.conversion => ", style=\"rounded,bold\"",
            NodeKind::Touch => "",
        };
        let _ = writeln!(
            s,
            "  n{} [label=\"{}\"{}];",
            i.index(),
            dot_escape(&n.name),
            shape
        );
    }
    for e in gr.edge_references().filter(|e| shown.edge(e.id())) {
        let w = e.weight();
        let _ = writeln!(
            s,
            "  n{} -> n{} [label=\"{}\", penwidth={:.2}];",
            e.source().index(),
            e.target().index(),
            edge_label(w.count, w.probability),
            1.0 + 4.0 * w.count as f64 / max as f64
        );
    }
    s.push_str("}\n");
    s
}

/// Most edges a DOT or Mermaid text shows: the most frequent ones (ties in node order), with
/// the nodes they join; the text says in a comment how many it leaves out. Graphviz and
/// Mermaid cannot lay out much more, and the full graph stays in the result's nodes and edges.
pub const MAX_TEXT_EDGES: usize = 5_000;

/// The edges (and nodes) a text rendering shows.
struct Shown {
    /// `None`: everything.
    edges: Option<Vec<bool>>,
    nodes: Vec<bool>,
}

impl Shown {
    fn of(g: &TransitionGraph) -> Shown {
        let gr = &g.graph;
        if gr.edge_count() <= MAX_TEXT_EDGES {
            return Shown {
                edges: None,
                nodes: Vec::new(),
            };
        }
        // The MAX_TEXT_EDGES most frequent edges, by count then (source, target) node order:
        // a selection, not a sort, so the cost is linear in the edges.
        let mut order: Vec<_> = gr.edge_references().collect();
        let key = |e: &petgraph::graph::EdgeReference<'_, crate::metrics::graph::Edge>| {
            (std::cmp::Reverse(e.weight().count), e.source(), e.target())
        };
        order.select_nth_unstable_by_key(MAX_TEXT_EDGES - 1, key);
        let mut edges = vec![false; gr.edge_count()];
        let mut nodes = vec![false; gr.node_count()];
        for e in &order[..MAX_TEXT_EDGES] {
            edges[e.id().index()] = true;
            nodes[e.source().index()] = true;
            nodes[e.target().index()] = true;
        }
        Shown {
            edges: Some(edges),
            nodes,
        }
    }

    fn node(&self, i: petgraph::graph::NodeIndex) -> bool {
        self.edges.is_none() || self.nodes[i.index()]
    }

    fn edge(&self, i: petgraph::graph::EdgeIndex) -> bool {
        match &self.edges {
            None => true,
            Some(e) => e[i.index()],
        }
    }

    fn note(&self, g: &TransitionGraph) -> Option<String> {
        self.edges.as_ref()?;
        let nodes = self.nodes.iter().filter(|&&b| b).count();
        Some(format!(
            "journey: showing the {MAX_TEXT_EDGES} most frequent of {} edges ({nodes} of {} nodes); \
             the graph's nodes and edges hold them all",
            g.graph.edge_count(),
            g.graph.node_count()
        ))
    }
}

/// The graph as a Mermaid flowchart, left to right.
///
/// ```
/// use journey_core::metrics::graph::{transition_graph, TransitionGraphOptions};
/// let csv = "customer_id,timestamp,touchpoint\na,0,ad\na,9,site\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let m = transition_graph(&log, &TransitionGraphOptions::default()).unwrap().to_mermaid();
/// assert!(m.contains("n1 -->|\"1 (100.0%)\"| n2"));
/// ```
pub fn to_mermaid(g: &TransitionGraph) -> String {
    let gr = &g.graph;
    let shown = Shown::of(g);
    let mut s = String::from("flowchart LR\n");
    if let Some(note) = shown.note(g) {
        let _ = writeln!(s, "  %% {note}");
    }
    for i in gr.node_indices().filter(|i| shown.node(*i)) {
        let n = &gr[i];
        let name = mermaid_escape(&n.name);
        let _ = match n.kind {
            NodeKind::Start | NodeKind::End => writeln!(s, "  n{}([\"{}\"])", i.index(), name),
            _ => writeln!(s, "  n{}[\"{}\"]", i.index(), name),
        };
    }
    for e in gr.edge_references().filter(|e| shown.edge(e.id())) {
        let w = e.weight();
        let _ = writeln!(
            s,
            "  n{} -->|\"{}\"| n{}",
            e.source().index(),
            edge_label(w.count, w.probability),
            e.target().index()
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(dot_escape("a\"b\\c\nd"), "a\\\"b\\\\c d");
        assert_eq!(mermaid_escape("<b>\"x\"|y"), "#60;b#62;#34;x#34;#124;y");
        // Bidirectional controls never reach a text output.
        assert_eq!(dot_escape("a\u{202E}b\u{2066}c"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(mermaid_escape("\u{202E}gpj.exe"), "\u{FFFD}gpj.exe");
    }

    fn log(csv: &str) -> crate::EventLog {
        crate::read_events_csv(csv.as_bytes(), &Default::default()).unwrap()
    }

    /// Touchpoints named like the graph's own nodes: the kinds tell them apart in the rows,
    /// and the texts draw the special nodes as ovals / stadiums, the touchpoints as boxes.
    #[test]
    fn touchpoints_named_like_the_special_nodes() {
        use crate::metrics::graph::{transition_graph, TransitionGraphOptions};
        let l = log("customer_id,timestamp,touchpoint\na,1,start\na,2,end\nb,1,end\n");
        let g = transition_graph(&l, &TransitionGraphOptions::default()).unwrap();
        let rows: Vec<(String, NodeKind, String, NodeKind, u64)> = g
            .edges()
            .into_iter()
            .map(|e| (e.source, e.source_kind, e.target, e.target_kind, e.count))
            .collect();
        let s = |x: &str| x.to_string();
        assert_eq!(
            rows,
            [
                (s("end"), NodeKind::Touch, s("end"), NodeKind::End, 2),
                (s("start"), NodeKind::Start, s("end"), NodeKind::Touch, 1),
                (s("start"), NodeKind::Start, s("start"), NodeKind::Touch, 1),
                (s("start"), NodeKind::Touch, s("end"), NodeKind::Touch, 1),
            ]
        );
        assert_eq!(g.node("start").map(|n| n.index()), Some(2));
        let dot = to_dot(&g);
        assert!(dot.contains("n0 [label=\"start\", shape=oval"), "{dot}");
        assert!(dot.contains("n2 [label=\"start\"];"), "{dot}");
        assert!(dot.contains("n3 [label=\"end\", shape=oval"), "{dot}");
        let m = to_mermaid(&g);
        assert!(
            m.contains("n0([\"start\"])") && m.contains("n2[\"start\"]"),
            "{m}"
        );
    }

    /// More than MAX_TEXT_EDGES edges: the texts keep the most frequent ones and say so.
    #[test]
    fn text_renderings_are_capped() {
        use crate::metrics::graph::{transition_graph, TransitionGraphOptions};
        // 6,000 customers with one touchpoint each: 12,000 edges; touchpoint t0000 is visited
        // by 3 customers, so its two edges come first, then the edges of count 1 in node
        // order: the 4,998 edges out of start to t0001..t4998. Nodes: start, end and 4,999
        // touchpoints.
        let mut csv = String::from("customer_id,timestamp,touchpoint\n");
        for c in 0..6000 {
            csv.push_str(&format!("c{c},1,t{c:04}\n"));
        }
        csv.push_str("x,1,t0000\ny,1,t0000\n");
        let g = transition_graph(&log(&csv), &TransitionGraphOptions::default()).unwrap();
        assert_eq!(g.graph.edge_count(), 12_000);
        for text in [to_dot(&g), to_mermaid(&g)] {
            let edges = text.lines().filter(|l| l.contains("->")).count();
            assert_eq!(edges, MAX_TEXT_EDGES);
            assert!(text.contains(
                "journey: showing the 5000 most frequent of 12000 edges (5001 of 6002 nodes)"
            ));
            assert!(
                text.contains("3 (0.0%)") || text.contains("3 (100.0%)"),
                "t0000 kept"
            );
        }
        // Under the cap, nothing is left out and there is no note.
        let small = transition_graph(
            &log("customer_id,timestamp,touchpoint\na,1,x\n"),
            &Default::default(),
        )
        .unwrap();
        assert!(!to_dot(&small).contains("journey: showing"));
    }
}
