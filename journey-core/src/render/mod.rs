//! Rendering: SVG pictures and text graph formats.
