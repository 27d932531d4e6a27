//! Rendering: SVG pictures and text graph formats.
pub mod text;
