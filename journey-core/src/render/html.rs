//! A self-contained HTML page: a title, sections with headings, and in them paragraphs, inline
//! SVG pictures and simple tables. The page fetches nothing: the CSS is inline, the pictures are
//! inline SVG, and a Content-Security-Policy forbids scripts and remote resources.
//!
//! ```
//! use journey_core::render::{FunnelChart, HtmlPage, Table};
//! let mut page = HtmlPage::new("Journey report");
//! page.section("Checkout funnel")
//!     .paragraph("Customers reaching each step within 14 days.")
//!     .svg(FunnelChart::new("", [("cart", 100), ("paid", 61)]).to_svg().unwrap())
//!     .table(Table::new(["step", "customers"]).row(["cart", "100"]).row(["paid", "61"]));
//! let html = page.to_html().unwrap();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! ```

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::svg::escape;
use crate::error::{Error, Result};

/// A report page.
///
/// JSON: `{"title": "...", "subtitle": "...", "sections": [{"heading": "...", "blocks":
/// [{"paragraph": "..."}, {"svg": "<svg ...>"}, {"table": {"columns": [...], "rows": [[...]]}}]}]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HtmlPage {
    /// Page title (the `<h1>` and the window title).
    pub title: String,
    /// A line under the title (e.g. the data set and date range); empty for none.
    pub subtitle: String,
    /// The sections, in order. With two or more, the page starts with a table of contents.
    pub sections: Vec<Section>,
}

/// A section of an [`HtmlPage`]: a heading and blocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Section {
    /// The `<h2>`.
    pub heading: String,
    /// The content, in order.
    pub blocks: Vec<Block>,
}

/// A piece of content of a [`Section`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// A paragraph of text (escaped; line breaks start new paragraphs).
    Paragraph(String),
    /// A standalone SVG document as made by this module's renderers, inlined. It is checked:
    /// only drawing elements and presentation attributes are accepted (no scripts, event
    /// handlers, links or foreign content).
    Svg(String),
    /// A table.
    Table(Table),
}

/// A simple table: a header row and rows of text cells. Columns whose cells all look numeric
/// (`1,204`, `-3.5`, `12.5%`, `+34`) are right-aligned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Table {
    /// A caption above the table; empty for none.
    pub caption: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings and no rows.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Table {
            caption: String::new(),
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Self {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the caption.
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = caption.into();
        self
    }
}

impl HtmlPage {
    /// An empty page with a title.
    pub fn new(title: impl Into<String>) -> Self {
        HtmlPage {
            title: title.into(),
            ..Default::default()
        }
    }

    /// Adds a section and returns it, to add blocks to it.
    pub fn section(&mut self, heading: impl Into<String>) -> &mut Section {
        self.sections.push(Section {
            heading: heading.into(),
            blocks: Vec::new(),
        });
        self.sections.last_mut().expect("just pushed")
    }

    /// The page as one HTML document.
    ///
    /// Fails with [`Error::InvalidArgument`] if a table row has the wrong number of cells or an
    /// SVG block contains anything but drawing markup.
    pub fn to_html(&self) -> Result<String> {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str(
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">\n\
             <meta name=\"generator\" content=\"journey\">\n",
        );
        let _ = writeln!(out, "<title>{}</title>", escape(&self.title));
        out.push_str("<style>\n");
        out.push_str(CSS);
        out.push_str("</style>\n</head>\n<body>\n<header>\n");
        let _ = writeln!(out, "<h1>{}</h1>", escape(&self.title));
        if !self.subtitle.trim().is_empty() {
            let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(&self.subtitle));
        }
        out.push_str("</header>\n");
        if self.sections.len() > 1 {
            out.push_str("<nav aria-label=\"Contents\">\n<ol>\n");
            for (i, s) in self.sections.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "<li><a href=\"#section-{}\">{}</a></li>",
                    i + 1,
                    escape(&s.heading)
                );
            }
            out.push_str("</ol>\n</nav>\n");
        }
        out.push_str("<main>\n");
        for (i, s) in self.sections.iter().enumerate() {
            let _ = writeln!(out, "<section id=\"section-{}\">", i + 1);
            let _ = writeln!(out, "<h2>{}</h2>", escape(&s.heading));
            for (j, b) in s.blocks.iter().enumerate() {
                match b {
                    Block::Paragraph(text) => {
                        for para in text.split('\n').filter(|p| !p.trim().is_empty()) {
                            let _ = writeln!(out, "<p>{}</p>", escape(para.trim()));
                        }
                    }
                    Block::Svg(svg) => {
                        check_svg(svg).map_err(|m| {
                            Error::argument(
                                "svg",
                                format!("section {}, block {}: {m}", i + 1, j + 1),
                            )
                        })?;
                        out.push_str("<figure>\n");
                        out.push_str(svg.trim());
                        out.push_str("\n</figure>\n");
                    }
                    Block::Table(t) => table(&mut out, t).map_err(|m| {
                        Error::argument("table", format!("section {}, block {}: {m}", i + 1, j + 1))
                    })?,
                }
            }
            out.push_str("</section>\n");
        }
        out.push_str("</main>\n<footer>Made with journey.</footer>\n</body>\n</html>\n");
        Ok(out)
    }
}

impl Section {
    /// Adds a paragraph.
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Adds an SVG picture (from this module's renderers).
    pub fn svg(&mut self, svg: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Svg(svg.into()));
        self
    }

    /// Adds a table.
    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }
}

fn table(out: &mut String, t: &Table) -> std::result::Result<(), String> {
    for (i, r) in t.rows.iter().enumerate() {
        if r.len() != t.columns.len() {
            return Err(format!(
                "row {} has {} cells for {} columns",
                i + 1,
                r.len(),
                t.columns.len()
            ));
        }
    }
    let numeric: Vec<bool> = (0..t.columns.len())
        .map(|c| {
            let mut cells = t.rows.iter().map(|r| r[c].trim()).filter(|s| !is_blank(s));
            cells.clone().next().is_some() && cells.all(looks_numeric)
        })
        .collect();
    out.push_str("<div class=\"table\">\n<table>\n");
    if !t.caption.trim().is_empty() {
        let _ = writeln!(out, "<caption>{}</caption>", escape(&t.caption));
    }
    out.push_str("<thead><tr>");
    for (c, h) in t.columns.iter().enumerate() {
        let class = if numeric[c] { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        out.push_str("<tr>");
        for (c, cell) in r.iter().enumerate() {
            let class = if numeric[c] { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    Ok(())
}

fn is_blank(s: &str) -> bool {
    matches!(s, "" | "-" | "\u{2013}" | "\u{2014}" | "n/a" | "null")
}

fn looks_numeric(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-', '\u{2212}']).unwrap_or(s);
    let s = s.strip_suffix('%').unwrap_or(s).trim_end();
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// Elements an inlined SVG may contain: drawing, text and paint servers.
const SVG_ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "path",
    "text",
    "tspan",
    "clipPath",
    "pattern",
    "linearGradient",
    "radialGradient",
    "stop",
];

/// Attributes an inlined SVG may use (geometry and presentation; no event handlers or links).
const SVG_ATTRIBUTES: &[&str] = &[
    "xmlns",
    "width",
    "height",
    "viewBox",
    "role",
    "class",
    "id",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "dx",
    "dy",
    "d",
    "points",
    "transform",
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-dasharray",
    "stroke-linecap",
    "stroke-linejoin",
    "opacity",
    "paint-order",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "clip-path",
    "offset",
    "stop-color",
    "stop-opacity",
    "patternUnits",
    "patternTransform",
    "gradientUnits",
    "aria-label",
];

/// Checks that `svg` is one `<svg>` element made only of allowed elements and attributes, with
/// `url(#...)` as the only kind of reference: elements nest properly, nothing follows the
/// closing `</svg>`, and attribute values hold no CSS escapes (`\75rl(` is `url(`).
fn check_svg(svg: &str) -> std::result::Result<(), String> {
    // Long because it is one scan of the text: elements, attributes and their values are
    // checked where the scanner meets them.
    let s = svg.trim();
    if !s.starts_with("<svg") {
        return Err("an SVG block must start with <svg".into());
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut open: Vec<&str> = Vec::new();
    while let Some(off) = s[i..].find('<') {
        if open.is_empty() && i > 0 {
            return Err("nothing may follow the closing </svg>".into());
        }
        let start = i + off + 1;
        let rest = &s[start..];
        if let Some(r) = rest.strip_prefix('/') {
            let end = r.find('>').ok_or("unterminated closing tag")?;
            let name = r[..end].trim_end();
            match open.pop() {
                Some(o) if o == name => {}
                Some(o) => return Err(format!("</{name}> closes <{o}>")),
                None => return Err(format!("</{name}> closes nothing")),
            }
            i = start + 1 + end + 1;
            if open.is_empty() && !s[i..].trim().is_empty() {
                return Err("nothing may follow the closing </svg>".into());
            }
            continue;
        }
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or("unterminated tag")?;
        let name = &rest[..name_len];
        if !SVG_ELEMENTS.contains(&name) {
            return Err(format!("element <{name}> is not allowed"));
        }
        if open.is_empty() && i > 0 {
            return Err("nothing may follow the closing </svg>".into());
        }
        if open.is_empty() && name != "svg" {
            return Err(format!("element <{name}> outside the <svg>"));
        }
        // Attributes: name="value" pairs up to > or />.
        let mut j = start + name_len;
        let mut closed = false;
        loop {
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            match bytes.get(j) {
                Some(b'>') => {
                    j += 1;
                    break;
                }
                Some(b'/') if bytes.get(j + 1) == Some(&b'>') => {
                    j += 2;
                    closed = true;
                    break;
                }
                None => return Err("unterminated tag".into()),
                _ => {}
            }
            let eq = s[j..].find('=').ok_or("attribute without a value")? + j;
            let attr = s[j..eq].trim();
            if !SVG_ATTRIBUTES.contains(&attr) {
                return Err(format!("attribute {attr:?} is not allowed"));
            }
            if bytes.get(eq + 1) != Some(&b'"') {
                return Err(format!("attribute {attr:?} must be double-quoted"));
            }
            let close = s[eq + 2..].find('"').ok_or("unterminated attribute")? + eq + 2;
            let value = &s[eq + 2..close];
            if value.contains('<') {
                return Err(format!("attribute {attr:?} contains <"));
            }
            // Every url(...) of the value, after decoding character references (so that
            // `u&#114;l(` is seen too), must point inside the picture (`url(#id)`).
            let decoded = decode_entities(value)
                .map_err(|e| format!("attribute {attr:?}: {e}"))?
                .to_ascii_lowercase();
            // CSS reads `\75rl(` as `url(`: no escapes at all (journey never writes one).
            if decoded.contains('\\') {
                return Err(format!(
                    "attribute {attr:?} contains a backslash (a CSS escape)"
                ));
            }
            let mut rest = decoded.as_str();
            while let Some(p) = rest.find("url(") {
                rest = &rest[p + 4..];
                let target = rest.trim_start().trim_start_matches(['"', '\'']);
                if !target.starts_with('#') {
                    return Err(format!("attribute {attr:?} refers outside the picture"));
                }
            }
            j = close + 1;
        }
        if !closed {
            open.push(name);
        } else if open.is_empty() {
            // A self-closed <svg/>: the whole picture.
            if !s[j..].trim().is_empty() {
                return Err("nothing may follow the closing </svg>".into());
            }
        }
        i = j;
    }
    if let Some(o) = open.last() {
        return Err(format!("<{o}> is not closed"));
    }
    Ok(())
}

/// Decodes the character references of an attribute value: the five named ones of XML and
/// numeric ones (`&#114;`, `&#x72;`). Any other `&` is an error.
fn decode_entities(value: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest
            .find(';')
            .filter(|&e| e <= 12)
            .ok_or_else(|| format!("unterminated character reference in {value:?}"))?;
        let name = &rest[1..end];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let code = if let Some(h) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = name.strip_prefix('#') {
                    d.parse::<u32>().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
            }
        };
        let c = c.ok_or_else(|| format!("unknown character reference &{name}; in {value:?}"))?;
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

const CSS: &str = r#":root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: #1f2933;
  font: 15px/1.55 "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; }
header, nav, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 28px; }
header { padding-top: 36px; }
h1 { font-size: 30px; line-height: 1.2; margin: 0 0 6px; }
.subtitle { color: #5b6775; margin: 0 0 18px; }
nav ol { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 0 0 8px; padding: 0;
  list-style: none; counter-reset: s; }
nav li { counter-increment: s; }
nav li::before { content: counter(s) ". "; color: #5b6775; }
nav a { color: #0072b2; text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { background: #fff; border: 1px solid #d3dae1; border-radius: 12px;
  padding: 22px 26px; margin: 22px 0; }
h2 { font-size: 21px; margin: 0 0 12px; }
p { max-width: 80ch; margin: 0 0 12px; }
figure { margin: 16px 0; }
figure svg { display: block; max-width: 100%; height: auto; }
.table { overflow-x: auto; margin: 16px 0; }
table { border-collapse: collapse; font-size: 14px; min-width: 40%; }
caption { text-align: left; font-weight: bold; padding: 0 0 6px; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e3e8ed; text-align: left;
  vertical-align: top; }
th { background: #eef2f6; font-weight: bold; }
tbody tr:nth-child(even) { background: #f9fafb; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #5b6775; font-size: 13px; padding-bottom: 36px; }
@media print { body { background: #fff; } section { border: none; padding: 0; }
  figure svg { max-width: 100%; } figure { break-inside: avoid; } }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_detection() {
        for s in ["1,204", "-3.5", "12.5%", "+34", "\u{2212}21", "0"] {
            assert!(looks_numeric(s), "{s}");
        }
        for s in ["web", "1a", "", "%", "+", "2026-01-05"] {
            assert!(!looks_numeric(s), "{s}");
        }
    }

    #[test]
    fn svg_check_rejects_active_content() {
        assert!(
            check_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"1\"/></svg>").is_ok()
        );
        assert!(check_svg("<svg><script>alert(1)</script></svg>")
            .unwrap_err()
            .contains("<script>"));
        assert!(check_svg("<svg onload=\"alert(1)\"></svg>")
            .unwrap_err()
            .contains("onload"));
        assert!(check_svg("<svg><foreignObject></foreignObject></svg>").is_err());
        assert!(check_svg("<svg><rect fill=\"url(http://x/y)\"/></svg>").is_err());
        assert!(check_svg("<svg><rect fill='red'/></svg>").is_err());
        assert!(check_svg("<div></div>").is_err());
        assert!(check_svg("<svg><rect x=\"1\"").is_err());
        // Every url( counts, not only the first, and character references are decoded.
        assert!(check_svg("<svg><rect fill=\"url(#a)\" stroke=\"url(#b)\"/></svg>").is_ok());
        let both = "<svg><rect fill=\"url(#a) url(http://x/y)\"/></svg>";
        assert!(check_svg(both).unwrap_err().contains("refers outside"));
        let coded = "<svg><rect fill=\"u&#114;l(http://x/y)\"/></svg>";
        assert!(check_svg(coded).unwrap_err().contains("refers outside"));
        let hex = "<svg><rect fill=\"&#x55;RL( &quot;//x/y&quot;)\"/></svg>";
        assert!(check_svg(hex).unwrap_err().contains("refers outside"));
        let quoted = "<svg><rect fill=\"url(&#39;#a&#39;)\"/></svg>";
        assert!(check_svg(quoted).is_ok());
        assert!(check_svg("<svg><rect fill=\"&bogus;\"/></svg>")
            .unwrap_err()
            .contains("unknown character reference"));
        assert_eq!(decode_entities("a&amp;b&lt;&#99;&#x64;").unwrap(), "a&b<cd");
        // Escaped text is not markup.
        assert!(check_svg("<svg><text>&lt;script&gt; onload=x</text></svg>").is_ok());
        // CSS escapes: \75 is u, so this is url(http://...).
        let css = "<svg><rect fill=\"\\75rl(http://x/y)\"/></svg>";
        assert!(check_svg(css).unwrap_err().contains("CSS escape"));
        let css = "<svg><rect fill=\"&#92;75rl(http://x/y)\"/></svg>";
        assert!(check_svg(css).unwrap_err().contains("CSS escape"));
        // Nothing after the picture, and elements nest.
        let after = "<svg><rect x=\"1\"/></svg><title>x</title>";
        assert!(check_svg(after).unwrap_err().contains("follow"));
        let stray = "<svg></svg></svg><title>x</title>";
        assert!(check_svg(stray).is_err());
        let inner = "<svg><g></svg><title>x</title></g>";
        assert!(check_svg(inner).unwrap_err().contains("closes <g>"));
        assert!(check_svg("<svg><g>").unwrap_err().contains("not closed"));
        assert!(check_svg("<svg/><g/>").unwrap_err().contains("follow"));
        assert!(check_svg("<svg/>").is_ok());
        assert!(check_svg("<svg><g><rect/></g><text>a</text></svg>\n").is_ok());
    }
}
