//! The measured figures on the touchpoint cards, formatted.

use super::emotion::signed;
use super::*;

/// Known metrics first, in a fixed order, then the others by name; each as (label, value).
pub(super) fn metric_items(metrics: &BTreeMap<&str, f64>) -> Vec<(String, String)> {
    const KNOWN: [&str; 10] = [
        "reach",
        "journey_share",
        "conversion_rate",
        "lift",
        "drop_off",
        "csat",
        "nps",
        "ces",
        "priority",
        "emotion",
    ];
    let mut out: Vec<(String, String)> = KNOWN
        .iter()
        .filter_map(|k| metrics.get(k).map(|v| format_metric(k, *v)))
        .collect();
    out.extend(
        metrics
            .iter()
            .filter(|(k, _)| !KNOWN.contains(k))
            .map(|(k, v)| format_metric(k, *v)),
    );
    out
}

/// The label and formatted value of one metric. Rates given as fractions in [0, 1] are shown
/// as percentages; counts get thousands separators.
pub(crate) fn format_metric(key: &str, v: f64) -> (String, String) {
    let pct = |v: f64| {
        let p = if v.abs() <= 1.0 { v * 100.0 } else { v };
        format!("{p:.1}%")
    };
    if !v.is_finite() {
        return (clean(key), "\u{2013}".to_string());
    }
    match key {
        "reach" => ("Reach".into(), count(v)),
        "journey_share" => ("Share".into(), pct(v)),
        "conversion_rate" => ("Conversion".into(), pct(v)),
        "lift" => ("Lift".into(), format!("{}\u{d7}", fixed2(v))),
        "drop_off" | "drop_off_rate" => ("Drop-off".into(), pct(v)),
        "csat" => ("CSAT".into(), pct(v)),
        "nps" => ("NPS".into(), signed_int(v)),
        "ces" => ("CES".into(), format!("{v:.1}")),
        "priority" => ("Priority".into(), fixed2(v)),
        "emotion" => ("Emotion".into(), signed(v)),
        k if k.ends_with("_rate") || k.ends_with("_share") => (clean(k), pct(v)),
        k => (clean(k), trim_decimals(v)),
    }
}

pub(super) fn count(v: f64) -> String {
    if v >= 0.0 && v.fract() == 0.0 && v < 1e15 {
        thousands(v as u64)
    } else {
        trim_decimals(v)
    }
}

/// Exactly two decimals (`1.10`, `0.00`), with a true minus sign, so that the figures of
/// neighbouring cards line up.
pub(super) fn fixed2(v: f64) -> String {
    let s = format!("{:.2}", v.abs());
    if v < 0.0 && s != "0.00" {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// At most two decimals, trailing zeros removed; integers with thousands separators.
pub(super) fn trim_decimals(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let s = thousands(v.abs() as u64);
        return if v < 0.0 { format!("\u{2212}{s}") } else { s };
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replacen('-', "\u{2212}", 1)
}
