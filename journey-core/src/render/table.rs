//! Results as small HTML tables (notebook display): the scalar fields, then the table of rows.

use serde_json::Value;

fn escape(s: &str) -> String {
    super::svg::escape(s).into_owned()
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "&mdash;".to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => {
                let s = format!("{f:.4}");
                let s = s.trim_end_matches('0').trim_end_matches('.');
                escape(s)
            }
            _ => n.to_string(),
        },
        Value::String(s) => escape(s),
        Value::Bool(b) => b.to_string(),
        other => escape(&other.to_string()),
    }
}

/// At most this many rows are shown; the rest are summarised.
const MAX_ROWS: usize = 50;

/// An HTML rendering of a result's JSON: a caption, its scalar fields, and the rows of field
/// `table` (if given) as a table. Every string is escaped.
pub fn result_html(kind: &str, value: &Value, table: Option<&str>) -> String {
    let mut out = format!(
        "<div class=\"journey-result\"><strong>{}</strong>",
        escape(kind)
    );
    if let Some(obj) = value.as_object() {
        let scalars: Vec<(&String, &Value)> = obj
            .iter()
            .filter(|(_, v)| !v.is_array() && !v.is_object())
            .collect();
        if !scalars.is_empty() {
            out.push_str("<table><tbody>");
            for (k, v) in scalars {
                out.push_str(&format!(
                    "<tr><th>{}</th><td>{}</td></tr>",
                    escape(k),
                    cell(v)
                ));
            }
            out.push_str("</tbody></table>");
        }
    }
    let rows = table.and_then(|t| value.get(t)).and_then(Value::as_array);
    if let Some(rows) = rows {
        let mut cols: Vec<&str> = Vec::new();
        for r in rows {
            if let Some(o) = r.as_object() {
                for k in o.keys() {
                    if !cols.contains(&k.as_str()) {
                        cols.push(k);
                    }
                }
            }
        }
        out.push_str("<table><thead><tr>");
        for c in &cols {
            out.push_str(&format!("<th>{}</th>", escape(c)));
        }
        out.push_str("</tr></thead><tbody>");
        for r in rows.iter().take(MAX_ROWS) {
            out.push_str("<tr>");
            for c in &cols {
                out.push_str(&format!(
                    "<td>{}</td>",
                    cell(r.get(*c).unwrap_or(&Value::Null))
                ));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
        if rows.len() > MAX_ROWS {
            out.push_str(&format!("<p>{} more rows</p>", rows.len() - MAX_ROWS));
        }
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_lays_out() {
        let v = serde_json::json!({"total": 2.5, "rate": null,
            "rows": [{"channel": "<script>", "credit": 1.0}]});
        let h = result_html("attribution", &v, Some("rows"));
        assert!(h.contains("<td>&lt;script&gt;</td>"), "{h}");
        assert!(h.contains("<th>rate</th><td>&mdash;</td>"), "{h}");
        assert!(h.contains("<th>total</th><td>2.5</td>"), "{h}");
        assert!(!h.contains("<script>"));
    }
}
