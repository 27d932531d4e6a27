//! A tiny SVG writer that escapes every string it is given, plus the text measurement and
//! wrapping the renderers use to make labels fit their boxes.
//!
//! Nothing here needs a browser or a font file: text widths are estimated from the advance widths
//! of Helvetica/Arial (the metrics that Liberation Sans and Arimo share), which is close enough to
//! keep labels inside their cells in any common sans-serif font.
//!
//! ```
//! use journey_core::render::svg::Svg;
//! let mut svg = Svg::document(120.0, 40.0);
//! svg.el("text").attr("x", 10.0).attr("y", 24.5).text("<b> & \"c\"");
//! let out = svg.finish();
//! assert!(out.contains("&lt;b&gt; &amp; &quot;c&quot;"));
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

/// The font stack written on every document. The width estimates assume Helvetica/Arial metrics.
pub const FONT_FAMILY: &str =
    "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', Arimo, sans-serif";

/// Line height as a multiple of the font size.
pub const LINE_HEIGHT: f64 = 1.35;

/// Escapes a string for XML text or a double- or single-quoted attribute value.
///
/// `&`, `<`, `>`, `"` and `'` become entities (so `]]>` and `</script>` are harmless), and the
/// characters that XML 1.0 forbids (C0 controls other than tab, line feed and carriage return,
/// U+FFFE and U+FFFF) become U+FFFD, so the output always parses. So do the bidirectional
/// embedding, override and isolate controls ([`is_bidi_control`]), which could make a name
/// display as something else.
pub fn escape(s: &str) -> Cow<'_, str> {
    let needs = s
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '"' | '\'') || !xml_char(c));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if !xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether XML 1.0 allows the character in a document, and it is not a bidirectional control
/// (journey's outputs never pass those on).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !is_bidi_control(c)
}

/// The Unicode bidirectional embedding, override and isolate controls (U+202A to U+202E,
/// U+2066 to U+2069) and the directional marks (U+200E, U+200F, U+061C). In a name they can
/// make text display in another order than it is stored ("Trojan Source"); every text output
/// of journey (SVG, HTML, DOT, Mermaid) replaces them with U+FFFD.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The text a renderer shows for a user string: characters XML forbids replaced by U+FFFD and
/// runs of whitespace (including line breaks) collapsed to one space, trimmed.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(
            word.chars()
                .map(|c| if xml_char(c) { c } else { '\u{FFFD}' }),
        );
    }
    out
}

/// Formats a coordinate or length: rounded to one decimal, without a trailing `.0`, never `-0`.
/// Non-finite values (which the renderers never produce) are written as `0`.
pub fn num(v: f64) -> String {
    let mut s = String::new();
    write_num(&mut s, v);
    s
}

fn write_num(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push('0');
        return;
    }
    let tenths = (v * 10.0).round();
    if tenths == 0.0 {
        out.push('0');
    } else if tenths % 10.0 == 0.0 {
        let _ = write!(out, "{}", (tenths / 10.0) as i64);
    } else {
        let _ = write!(out, "{:.1}", tenths / 10.0);
    }
}

/// A value that can be written as an attribute: strings are escaped, numbers go through [`num`].
pub trait AttrValue {
    /// Appends the (escaped) value.
    fn write_attr(&self, out: &mut String);
}

impl AttrValue for f64 {
    fn write_attr(&self, out: &mut String) {
        write_num(out, *self);
    }
}

impl AttrValue for usize {
    fn write_attr(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl AttrValue for &str {
    fn write_attr(&self, out: &mut String) {
        out.push_str(&escape(self));
    }
}

impl AttrValue for String {
    fn write_attr(&self, out: &mut String) {
        out.push_str(&escape(self));
    }
}

impl AttrValue for &String {
    fn write_attr(&self, out: &mut String) {
        out.push_str(&escape(self));
    }
}

/// An SVG document or fragment being written, one element per line.
///
/// Element and attribute names are `'static` (they come from the renderers, never from users);
/// attribute values and text content are always escaped.
#[derive(Debug, Default, Clone)]
pub struct Svg {
    buf: String,
    open: Vec<&'static str>,
}

impl Svg {
    /// An empty fragment (no root element), to be placed into a document with [`Svg::append`].
    pub fn fragment() -> Self {
        Self::default()
    }

    /// A document of the given size: opens the root `<svg>` with its namespace, `viewBox`, the
    /// font stack and a white background.
    pub fn document(width: f64, height: f64) -> Self {
        let mut svg = Self::default();
        svg.el("svg")
            .attr("xmlns", "http://www.w3.org/2000/svg")
            .attr("width", width)
            .attr("height", height)
            .attr("viewBox", format!("0 0 {} {}", num(width), num(height)))
            .attr("font-family", FONT_FAMILY)
            .attr("role", "img")
            .open();
        svg.el("rect")
            .attr("width", width)
            .attr("height", height)
            .attr("fill", "#ffffff")
            .end();
        svg
    }

    /// Starts an element. Add attributes, then finish it with [`Tag::end`], [`Tag::text`] or
    /// [`Tag::open`].
    pub fn el(&mut self, name: &'static str) -> Tag<'_> {
        self.buf.push('<');
        self.buf.push_str(name);
        Tag { svg: self, name }
    }

    /// Starts a circle centred at (`cx`, `cy`) of radius `r`: add its paint, then [`Tag::end`].
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64) -> Tag<'_> {
        self.el("circle").attr("cx", cx).attr("cy", cy).attr("r", r)
    }

    /// Starts a line from (`x1`, `y1`) to (`x2`, `y2`): add its stroke, then [`Tag::end`].
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64) -> Tag<'_> {
        let line = self.el("line").attr("x1", x1).attr("y1", y1);
        line.attr("x2", x2).attr("y2", y2)
    }

    /// Starts a rectangle at (`x`, `y`) of `width` by `height`: add its paint, then
    /// [`Tag::end`].
    pub fn rect(&mut self, x: f64, y: f64, width: f64, height: f64) -> Tag<'_> {
        let rect = self.el("rect").attr("x", x).attr("y", y);
        rect.attr("width", width).attr("height", height)
    }

    /// Closes the innermost element opened with [`Tag::open`] (does nothing if none is open).
    pub fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            let _ = writeln!(self.buf, "</{name}>");
        }
    }

    /// Appends a fragment, closing whatever the fragment left open.
    pub fn append(&mut self, mut other: Svg) {
        while !other.open.is_empty() {
            other.close();
        }
        self.buf.push_str(&other.buf);
    }

    /// Appends a fragment inside `<g transform="translate(x,y)">`.
    pub fn append_at(&mut self, x: f64, y: f64, other: Svg) {
        self.el("g")
            .attr("transform", format!("translate({},{})", num(x), num(y)))
            .open();
        self.append(other);
        self.close();
    }

    /// Closes every open element and returns the text.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.buf
    }
}

/// An element being written; see [`Svg::el`].
#[derive(Debug)]
#[must_use = "finish the element with end(), text() or open()"]
pub struct Tag<'a> {
    svg: &'a mut Svg,
    name: &'static str,
}

impl Tag<'_> {
    /// Adds an attribute (the value is escaped).
    pub fn attr(self, name: &'static str, value: impl AttrValue) -> Self {
        let buf = &mut self.svg.buf;
        buf.push(' ');
        buf.push_str(name);
        buf.push_str("=\"");
        value.write_attr(buf);
        buf.push('"');
        self
    }

    /// Adds an attribute if the value is present.
    pub fn attr_opt(self, name: &'static str, value: Option<impl AttrValue>) -> Self {
        match value {
            Some(v) => self.attr(name, v),
            None => self,
        }
    }

    /// Writes the element as empty (`<rect .../>`).
    pub fn end(self) {
        self.svg.buf.push_str("/>\n");
    }

    /// Writes the (escaped) text content and closes the element.
    pub fn text(self, content: &str) {
        let buf = &mut self.svg.buf;
        buf.push('>');
        buf.push_str(&escape(content));
        let _ = writeln!(buf, "</{}>", self.name);
    }

    /// Leaves the element open for children; close it with [`Svg::close`].
    pub fn open(self) {
        self.svg.buf.push_str(">\n");
        self.svg.open.push(self.name);
    }
}

/// Horizontal alignment of a text line relative to its `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `x` is the left end.
    Start,
    /// `x` is the centre.
    Middle,
    /// `x` is the right end.
    End,
}

/// How a run of text is drawn and measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Font {
    /// Size in pixels.
    pub size: f64,
    /// Bold weight.
    pub bold: bool,
    /// Italic style.
    pub italic: bool,
    /// Fill colour.
    pub fill: &'static str,
    /// Alignment.
    pub anchor: Anchor,
}

impl Font {
    /// A regular left-aligned font of `size` pixels in the main ink colour.
    pub const fn new(size: f64) -> Self {
        Font {
            size,
            bold: false,
            italic: false,
            fill: INK,
            anchor: Anchor::Start,
        }
    }

    /// The same font in bold.
    pub const fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    /// The same font in italics.
    pub const fn italic(mut self) -> Self {
        self.italic = true;
        self
    }

    /// The same font in another colour.
    pub const fn fill(mut self, fill: &'static str) -> Self {
        self.fill = fill;
        self
    }

    /// The same font with another alignment.
    pub const fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    /// Distance between baselines.
    pub fn line_height(&self) -> f64 {
        self.size * LINE_HEIGHT
    }

    /// Offset from the top of a line box to its baseline.
    pub fn baseline(&self) -> f64 {
        self.size * 0.95
    }

    /// Estimated width of `s`.
    pub fn width(&self, s: &str) -> f64 {
        text_width(s, self.size, self.bold)
    }

    /// [`wrap`] in this font.
    pub fn wrap(&self, s: &str, max_width: f64, max_lines: usize) -> Vec<String> {
        wrap(s, max_width, self.size, self.bold, max_lines)
    }

    /// [`truncate`] in this font.
    pub fn truncate(&self, s: &str, max_width: f64) -> String {
        truncate(s, max_width, self.size, self.bold)
    }
}

impl Svg {
    /// One line of text with its baseline at `y`.
    pub fn text_line(&mut self, x: f64, y: f64, s: &str, font: &Font) {
        self.el("text")
            .attr("x", x)
            .attr("y", y)
            .attr("font-size", font.size)
            .attr_opt("font-weight", font.bold.then_some("bold"))
            .attr_opt("font-style", font.italic.then_some("italic"))
            .attr("fill", font.fill)
            .attr_opt(
                "text-anchor",
                match font.anchor {
                    Anchor::Start => None,
                    Anchor::Middle => Some("middle"),
                    Anchor::End => Some("end"),
                },
            )
            .text(s);
    }

    /// Lines of text, one `<text>` each, in a block whose top is at `top`. Returns its height.
    pub fn text_block(&mut self, x: f64, top: f64, lines: &[String], font: &Font) -> f64 {
        for (i, line) in lines.iter().enumerate() {
            let y = top + i as f64 * font.line_height() + font.baseline();
            self.text_line(x, y, line, font);
        }
        lines.len() as f64 * font.line_height()
    }

    /// A `<title>` (tooltip and accessible name) for the enclosing element.
    pub fn title(&mut self, s: &str) {
        self.el("title").text(&clean(s));
    }
}

/// Advance widths of ASCII 32..=126 in Helvetica, in thousandths of an em.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    278, 278, 584, 584, 584, 556, 1015, // :;<=>?@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A-M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
    278, 278, 278, 469, 556, 333, // [\]^_`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a-m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n-z
    334, 260, 334, 584, // {|}~
];

/// Advance widths of ASCII 32..=126 in Helvetica Bold, in thousandths of an em.
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    333, 333, 584, 584, 584, 611, 975, // :;<=>?@
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, // A-M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
    333, 278, 333, 584, 556, 333, // [\]^_`
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, // a-m
    611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, // n-z
    389, 280, 389, 584, // {|}~
];

/// Fonts differ a little; estimates are inflated by this much so text stays inside its box.
const SAFETY: f64 = 1.06;

fn char_em(c: char, bold: bool) -> f64 {
    let u = c as u32;
    let milli = if (32..=126).contains(&u) {
        let table = if bold { &BOLD } else { &REGULAR };
        table[(u - 32) as usize] as f64
    } else if (0x300..=0x36F).contains(&u) || (0x200B..=0x200F).contains(&u) {
        0.0 // combining marks and zero-width characters
    } else if is_wide(u) || c == '\u{2026}' || c == '\u{2014}' {
        1000.0
    } else {
        // Latin, Greek, Cyrillic letters and most symbols: a little wider than average.
        if bold {
            650.0
        } else {
            600.0
        }
    };
    milli / 1000.0
}

/// East Asian wide characters and emoji take a full em.
fn is_wide(u: u32) -> bool {
    matches!(u,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD)
}

/// Estimated width in pixels of `s` at `size` pixels, regular or bold.
pub fn text_width(s: &str, size: f64, bold: bool) -> f64 {
    s.chars().map(|c| char_em(c, bold)).sum::<f64>() * size * SAFETY
}

/// `s` cut to at most `max_width` pixels, ending with `…` when it was cut.
pub fn truncate(s: &str, max_width: f64, size: f64, bold: bool) -> String {
    if text_width(s, size, bold) <= max_width {
        return s.to_string();
    }
    let ellipsis = text_width("\u{2026}", size, bold);
    let mut out = String::new();
    let mut w = 0.0;
    for c in s.chars() {
        let cw = char_em(c, bold) * size * SAFETY;
        if w + cw + ellipsis > max_width {
            break;
        }
        w += cw;
        out.push(c);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\u{2026}');
    out
}

/// Splits `s` into lines of at most `max_width` pixels, breaking between words and, for words
/// too long for a line, after `_`, `-`, `/` or `.` where possible, else between characters.
/// With `max_lines > 0`, the text is cut to that many lines and the last one ends with `…`.
/// Whitespace is collapsed; an empty string gives no lines.
pub fn wrap(s: &str, max_width: f64, size: f64, bold: bool, max_lines: usize) -> Vec<String> {
    let width = |t: &str| text_width(t, size, bold);
    let space = width(" ");
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for word in s.split_whitespace() {
        let w = width(word);
        if !line.is_empty() && line_w + space + w <= max_width {
            line.push(' ');
            line.push_str(word);
            line_w += space + w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if max_lines > 0 && lines.len() > max_lines {
            break;
        }
        if w <= max_width {
            line.push_str(word);
            line_w = w;
            continue;
        }
        // A word longer than a line: cut it into pieces. Each test of the rest reads at most
        // a line's worth of it, so a long word costs linear time, and with `max_lines` the
        // cutting stops once the lines that are kept are known.
        let mut rest = word;
        while wider_than(rest, max_width, size, bold) {
            if max_lines > 0 && lines.len() > max_lines {
                break;
            }
            let cut = break_point(rest, max_width, size, bold);
            lines.push(rest[..cut].to_string());
            rest = &rest[cut..];
        }
        if max_lines > 0 && lines.len() > max_lines {
            break;
        }
        line.push_str(rest);
        line_w = width(rest);
    }
    let full = max_lines > 0 && lines.len() > max_lines;
    if !line.is_empty() && !full {
        lines.push(line);
    }
    if max_lines > 0 && lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = lines.pop().unwrap_or_default();
        // Force the ellipsis even when the last kept line fits.
        let cut = truncate(&format!("{last}\u{2026}"), max_width, size, bold);
        let cut = if cut.ends_with('\u{2026}') {
            cut
        } else {
            format!("{}\u{2026}", cut.trim_end_matches('\u{2026}'))
        };
        lines.push(cut);
    }
    lines
}

/// Whether `text_width(s, size, bold) > max_width`, reading only as much of `s` as needed: the
/// widths are summed in the same order, so the answer is the same bit for bit.
fn wider_than(s: &str, max_width: f64, size: f64, bold: bool) -> bool {
    let mut em = 0.0f64;
    for c in s.chars() {
        em += char_em(c, bold);
        if em * size * SAFETY > max_width {
            return true;
        }
    }
    false
}

/// Byte index at which to cut a word wider than `max_width`: after the last `_ - / .` that keeps
/// the piece within the width, else after as many characters as fit (at least one).
fn break_point(word: &str, max_width: f64, size: f64, bold: bool) -> usize {
    let mut w = 0.0;
    let mut fit = 0;
    let mut soft = 0;
    for (i, c) in word.char_indices() {
        let cw = char_em(c, bold) * size * SAFETY;
        if w + cw > max_width {
            break;
        }
        w += cw;
        fit = i + c.len_utf8();
        if matches!(c, '_' | '-' | '/' | '.') {
            soft = fit;
        }
    }
    if fit == 0 {
        // Not even one character fits: take one anyway so the loop advances.
        return word.chars().next().map_or(word.len(), char::len_utf8);
    }
    // Only break at a soft point if it keeps a reasonable part of the line.
    if soft > 0 && soft * 2 >= fit {
        soft
    } else {
        fit
    }
}

/// Formats a count with thousands separators: `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The categorical palette of channels (in the map) and of series (in the charts): Paul Tol's
/// "muted" scheme, nine colours that stay distinct with every common colour-vision deficiency,
/// ordered so that neighbours differ in lightness and the two light ones (cyan, sand) come late.
/// From the tenth category on, colours repeat (the name is always written next to the mark).
pub const PALETTE: [&str; 9] = [
    "#332288", "#88CCEE", "#117733", "#CC6677", "#44AA99", "#882255", "#AA4499", "#999933",
    "#DDCC77",
];

/// The colour of category `i` (0-based) in [`PALETTE`].
pub fn palette(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// For the light palette colours, whose thin marks would fade into a white background, a darker
/// shade of the same hue to outline them with; `None` for the others.
pub fn palette_edge(colour: &str) -> Option<&'static str> {
    match colour {
        "#88CCEE" => Some("#3F86AE"),
        "#DDCC77" => Some("#8C7A22"),
        _ => None,
    }
}

/// The Okabe-Ito palette (without black): blue, orange, bluish green, reddish purple, sky blue,
/// vermillion, yellow. Only its blue and vermillion are used (for positive and negative values);
/// the categories use [`PALETTE`].
pub const OKABE_ITO: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
];

/// Colour for positive values (Okabe-Ito blue).
pub const POSITIVE: &str = "#0072B2";
/// Colour for negative values (Okabe-Ito vermillion).
pub const NEGATIVE: &str = "#D55E00";
/// Colour for neutral values and missing data.
pub const NEUTRAL: &str = "#7A8793";
/// Main text colour.
pub const INK: &str = "#1F2933";
/// Secondary text colour.
pub const MUTED: &str = "#5B6775";
/// Hairlines and borders.
pub const RULE: &str = "#D3DAE1";

/// Viridis anchors (every eighth of the scale), dark purple to yellow.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The viridis colour at `t` in [0, 1] (clamped) as `#rrggbb`: perceptually uniform, readable in
/// grey scale and by colour-blind readers.
pub fn viridis(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Whether text on the viridis colour at `t` should be white (dark background) or dark.
pub fn viridis_is_dark(t: f64) -> bool {
    !(t.is_finite() && t >= 0.55)
}

/// A short deterministic identifier (FNV-1a) for `id` attributes, so several SVGs inlined in one
/// HTML page do not share ids.
pub fn uid(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("j{:012x}", h & 0xffff_ffff_ffff)
}

/// A whole number with its sign (`+12`, `\u{2212}3`, `0`).
pub(crate) fn signed_int(v: f64) -> String {
    let r = v.round();
    if r > 0.0 {
        format!("+{r:.0}")
    } else if r < 0.0 {
        format!("\u{2212}{:.0}", -r)
    } else {
        "0".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_forbidden_characters() {
        assert_eq!(
            escape("<a href='x'>\"&\"</a> ]]>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt; ]]&gt;"
        );
        assert_eq!(escape("bell\u{7}\u{FFFF}"), "bell\u{FFFD}\u{FFFD}");
        assert!(matches!(escape("plain text é"), Cow::Borrowed(_)));
    }

    #[test]
    fn numbers_have_at_most_one_decimal() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.25), "12.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(-3.96), "-4");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(100), "100");
    }

    #[test]
    fn widths_follow_helvetica_metrics() {
        // "Hi" = H 722 + i 222 = 0.944 em.
        assert!((text_width("Hi", 10.0, false) - 9.44 * SAFETY).abs() < 1e-9);
        assert!(text_width("Hi", 10.0, true) > text_width("Hi", 10.0, false));
        assert!(text_width("界", 10.0, false) > text_width("a", 10.0, false));
    }

    #[test]
    fn wrapping_fits_and_cuts_with_ellipsis() {
        let lines = wrap(
            "the quick brown fox jumps over the lazy dog",
            80.0,
            12.0,
            false,
            0,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(l, 12.0, false) <= 80.0, "{l}");
        }
        assert_eq!(
            lines.join(" "),
            "the quick brown fox jumps over the lazy dog"
        );
        let cut = wrap(
            "the quick brown fox jumps over the lazy dog",
            80.0,
            12.0,
            false,
            2,
        );
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('\u{2026}'));
        assert!(text_width(&cut[1], 12.0, false) <= 80.0);
        assert!(wrap("  ", 80.0, 12.0, false, 0).is_empty());
    }

    #[test]
    fn long_identifiers_break_after_underscores() {
        let lines = wrap("checkout_shipping_confirmation_page", 100.0, 12.0, false, 0);
        assert_eq!(lines.concat(), "checkout_shipping_confirmation_page");
        assert!(lines[0].ends_with('_'), "{lines:?}");
        for l in &lines {
            assert!(text_width(l, 12.0, false) <= 100.0, "{l}");
        }
        // Narrower than one character: still terminates, one character per line.
        assert_eq!(wrap("abc", 1.0, 12.0, false, 0), vec!["a", "b", "c"]);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("short", 100.0, 12.0, false), "short");
        let t = truncate("a rather long label that does not fit", 60.0, 12.0, false);
        assert!(t.ends_with('\u{2026}'));
        assert!(text_width(&t, 12.0, false) <= 60.0);
    }

    #[test]
    fn writer_nests_and_closes() {
        let mut svg = Svg::document(10.0, 10.0);
        svg.el("g").attr("id", "a").open();
        svg.el("title").text("x & y");
        let out = svg.finish();
        assert!(out.ends_with("</g>\n</svg>\n"), "{out}");
        assert!(out.contains("<title>x &amp; y</title>"));
    }

    #[test]
    fn palette_colours_are_distinct_and_light_ones_outlined() {
        let mut seen: Vec<&str> = PALETTE.to_vec();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 9);
        assert_eq!(palette(9), palette(0));
        // Relative luminance of an sRGB colour.
        let lum = |c: &str| {
            let ch = |k: usize| {
                let v = u8::from_str_radix(&c[k..k + 2], 16).unwrap() as f64 / 255.0;
                if v <= 0.04045 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(1) + 0.7152 * ch(3) + 0.0722 * ch(5)
        };
        for c in PALETTE {
            // Contrast with white: (1 + 0.05) / (L + 0.05); below 2 a thin mark fades.
            let contrast = 1.05 / (lum(c) + 0.05);
            match palette_edge(c) {
                None => assert!(contrast >= 2.0, "{c}: {contrast:.2}"),
                Some(edge) => {
                    assert!(contrast < 2.0, "{c} needs no edge");
                    assert!(1.05 / (lum(edge) + 0.05) >= 3.0, "{edge} too light");
                }
            }
        }
        // The Okabe-Ito yellow, the old seventh colour, is gone from the categories.
        assert!(!PALETTE.contains(&"#F0E442"));
    }

    #[test]
    fn clean_collapses_whitespace() {
        assert_eq!(clean("  a\n\tb \u{1}c  "), "a b \u{FFFD}c");
    }
}
