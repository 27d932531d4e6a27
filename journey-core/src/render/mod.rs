//! Rendering: SVG pictures and text graph formats.
//!
//! Everything here is plain string building: no browser, no fonts, no network. Every string that
//! comes from a user (names, labels, notes) is escaped, so a touchpoint called
//! `<script>alert(1)</script>` is drawn as text. See `docs/rendering.md`.
//!
//! - [`map_svg`]: the journey map as people draw it.
//! - [`charts`]: funnel, cohort heatmap, grouped bars, Sankey and interval charts, each from its
//!   own small input struct.
//! - [`changes`]: the "what changed" table with arrows (a comparison).
//! - [`forest`]: a forest plot of odds ratios with their intervals (conversion drivers).
//! - [`trend`]: a share per period as a line, incomplete periods dashed (the funnel trend).
//! - [`adapters`]: the charts of metric results (retention, attribution, survey scores).
//! - [`html`]: a self-contained HTML page (inline CSS, inline SVG) made of sections.
//! - [`svg`]: the escaping SVG writer and text measurement they share.
//! - [`table`]: any result as a small HTML table (notebook display).
//! - [`text`]: graphs as DOT (Graphviz) and Mermaid text.

pub mod adapters;
pub mod changes;
pub mod charts;
pub mod forest;
pub mod html;
mod map;
pub mod svg;
pub mod table;
pub mod text;
pub mod trend;

pub use adapters::{DefaultChart, Svg};
pub use changes::{Arrow, ChangeTable, ChangeTableRow};
pub use charts::{
    FunnelChart, FunnelStep, GroupedBars, Heatmap, IntervalChart, IntervalRow, Sankey, SankeyPath,
    MAX_HEATMAP_COLS, MAX_HEATMAP_ROWS,
};
pub use forest::{ForestPlot, ForestRow};
pub use html::{Block, HtmlPage, Section, Table};
pub(crate) use map::{column_units as map_column_units, FRAME_W as MAP_FRAME_W};
pub use map::{map_svg, MapSvgOptions, MAX_CELL_ITEMS};
pub use trend::{funnel_picture, TrendChart, TrendPoint};

/// The Rust examples of `docs/rendering.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/rendering.md")]
pub struct RenderingGuide;
