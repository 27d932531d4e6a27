//! Text graph formats: Graphviz DOT and Mermaid flowcharts of a [`TransitionGraph`].
//!
//! Node ids are generated (`n0`, `n1`, ...), names only ever appear inside quoted labels, with
//! every character that could end the label or inject markup escaped, so any touchpoint name is
//! safe. Edge labels give the count and the probability out of the source node.

use std::fmt::Write;

use crate::metrics::graph::{NodeKind, TransitionGraph};
use petgraph::visit::EdgeRef;

/// Escapes a string for a double-quoted DOT label.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
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
    let max = gr.edge_weights().map(|e| e.count).max().unwrap_or(1).max(1);
    let mut s = String::from(
        "digraph journey {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n",
    );
    for i in gr.node_indices() {
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
    for e in gr.edge_references() {
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
    let mut s = String::from("flowchart LR\n");
    for i in gr.node_indices() {
        let n = &gr[i];
        let name = mermaid_escape(&n.name);
        let _ = match n.kind {
            NodeKind::Start | NodeKind::End => writeln!(s, "  n{}([\"{}\"])", i.index(), name),
            _ => writeln!(s, "  n{}[\"{}\"]", i.index(), name),
        };
    }
    for e in gr.edge_references() {
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
    }
}
