//! The analyses the `partial_bytes` target splits logs with (and `fuzz/examples/seed_partials.rs`
//! writes seeds of): every kind of partial state, with options that change its shape.

/// Analyses with options, as `(name, options JSON)`: every kind of partial state.
pub const ANALYSES: &[(&str, &str)] = &[
    (
        "funnel",
        r#"{"steps": ["view", "cart", "purchase"], "dropped_ids": true}"#,
    ),
    (
        "funnel",
        r#"{"steps": ["view", "cart"], "mode": "any", "breakdown": "persona", "window": "1d"}"#,
    ),
    (
        "funnel",
        r#"{"steps": ["ad", "purchase"], "mode": "strict", "breakdown": "first_touch_channel", "first_attempt": true}"#,
    ),
    ("retention", r#"{}"#),
    ("retention", r#"{"period": "day", "periods": 5}"#),
    (
        "retention",
        r#"{"period": "month", "start": "*", "ret": "view"}"#,
    ),
    ("kpis", r#"{}"#),
    (
        "kpis",
        r#"{"start": "1970-01-01T00:00:00Z", "end": "2030-01-01T00:00:00Z"}"#,
    ),
    ("attribution", r#"{}"#),
    (
        "attribution",
        r#"{"model": "time_decay", "half_life": "1d"}"#,
    ),
    (
        "attribution",
        r#"{"model": "first_touch", "level": "touchpoint"}"#,
    ),
    ("attribution_table", r#"{}"#),
    ("path_table", r#"{}"#),
    ("sessions", r#"{}"#),
    (
        "sessions",
        r#"{"gap": "1m", "inactivity": "1h", "per_customer": true}"#,
    ),
    ("transition_graph", r#"{}"#),
    ("conversion_paths", r#"{}"#),
    (
        "funnel",
        r#"{"steps": ["view", "purchase"], "trend": "week", "window": "3d"}"#,
    ),
    (
        "funnel",
        r#"{"steps": ["view", "cart", "purchase"], "window": "2d", "as_of": "2026-01-04T00:00:00Z"}"#,
    ),
    (
        "funnel",
        r#"{"steps": ["view", "purchase"], "as_of": false}"#,
    ),
    ("conversion_drivers", r#"{"properties": "persona"}"#),
    (
        "conversion_drivers",
        r#"{"steps": ["view", "cart", "purchase"], "step": 2, "level": "channel"}"#,
    ),
];
