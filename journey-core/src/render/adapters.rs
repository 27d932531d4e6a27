//! From metric results to the chart structs: each metric result that has a natural picture gets
//! a constructor on the chart that draws it, so callers (the report, the bindings, users) never
//! reshape numbers by hand.
//!
//! - [`Heatmap::from_retention`]: the cohort matrix, rates as fractions.
//! - [`GroupedBars::from_attribution_table`]: every model's credit per channel, side by side.
//! - [`GroupedBars::from_attribution`]: one model's credit per channel.
//! - [`FunnelChart::from_funnel`]: customers per step with the drop-off between steps.
//! - [`Sankey::from_path_stats`]: the most frequent paths, converting ones apart.
//! - [`IntervalChart::from_nps`], [`IntervalChart::from_csat`], [`IntervalChart::from_ces`]:
//!   scores per group with their 95% intervals and the overall score as the reference line.
//!
//! [`DefaultChart`] says, for each result, which of these draws it and under which title. The
//! Python results' charts, the JavaScript adapters (`funnelChart`, `retentionHeatmap`, ...) and
//! the report all go through it, so the three show the same picture.
//!
//! ```
//! use journey_core::metrics::survey::{nps, ScoreOptions};
//! use journey_core::render::IntervalChart;
//! let csv = "customer_id,timestamp,touchpoint,nps\na,1,purchase,10\nb,1,purchase,3\nc,1,support,9\n";
//! let s = journey_core::read_surveys_csv(csv.as_bytes(), &Default::default()).unwrap();
//! let by = nps(&s, None, &ScoreOptions { by: Some("touchpoint".into()) }).unwrap();
//! let chart = IntervalChart::from_nps(&by, "NPS by touchpoint");
//! assert_eq!(chart.rows[0].label, "purchase");
//! assert_eq!(chart.reference, by.overall.nps);
//! assert!(chart.to_svg().unwrap().contains("support"));
//! ```

use super::changes::ChangeTable;
use super::charts::{
    FunnelChart, GroupedBars, Heatmap, IntervalChart, IntervalRow, Sankey, SankeyPath,
};
use super::forest::ForestPlot;
use crate::error::Result;
use crate::metrics::attribution::{AttributionResult, AttributionTable, Model};
use crate::metrics::compare::CompareResult;
use crate::metrics::drivers::DriversResult;
use crate::metrics::funnel::FunnelResult;
use crate::metrics::path_stats::PathStatsResult;
use crate::metrics::retention::{Period, RetentionResult};
use crate::metrics::survey::{Breakdown, CesResult, CsatResult, NpsResult};

/// Label of the group of responses that could not be given a key.
pub const NO_KEY_LABEL: &str = "(none)";

/// A chart input that draws itself as an SVG document.
pub trait Svg {
    /// The SVG document.
    fn to_svg(&self) -> Result<String>;
}

macro_rules! svg_charts {
    ($($t:ty),*) => {$(
        impl Svg for $t {
            fn to_svg(&self) -> Result<String> {
                <$t>::to_svg(self)
            }
        }
    )*};
}
svg_charts!(
    FunnelChart,
    GroupedBars,
    Heatmap,
    IntervalChart,
    Sankey,
    ForestPlot,
    ChangeTable
);

/// The picture a result is drawn as when the caller asks for no other: its chart and the chart's
/// title. A Python result's `chart`, the JavaScript adapters and the report use it.
///
/// ```
/// use journey_core::render::DefaultChart;
/// let csv = "customer_id,timestamp,touchpoint\na,1,ad\na,2,purchase\nb,1,ad\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let f = log.funnel(&journey_core::metrics::funnel::FunnelOptions {
///     steps: vec!["ad".into(), "purchase".into()],
///     ..Default::default()
/// }).unwrap();
/// assert_eq!(f.default_title(), "Funnel");
/// let chart = f.default_chart().unwrap();
/// assert_eq!(chart.steps[1].count, 1);
/// assert!(f.default_svg().unwrap().unwrap().starts_with("<svg"));
/// ```
pub trait DefaultChart {
    /// The chart input that draws the result (its serde shape is the input of the matching
    /// JavaScript chart function).
    type Chart: Svg + serde::Serialize;
    /// The chart's title when the caller gives none.
    fn default_title(&self) -> String;
    /// The result as its chart under `title`; `None` when the result has no picture (a score
    /// without `by`).
    fn chart(&self, title: String) -> Option<Self::Chart>;
    /// [`chart`](Self::chart) under [`default_title`](Self::default_title).
    fn default_chart(&self) -> Option<Self::Chart> {
        self.chart(self.default_title())
    }
    /// The default chart as an SVG document (`None`: no picture).
    fn default_svg(&self) -> Result<Option<String>> {
        self.default_chart().map(|c| c.to_svg()).transpose()
    }
}

impl DefaultChart for FunnelResult {
    type Chart = FunnelChart;
    fn default_title(&self) -> String {
        "Funnel".to_string()
    }
    fn chart(&self, title: String) -> Option<FunnelChart> {
        Some(FunnelChart::from_funnel(self, title))
    }
}

/// Every listed variant, split by outcome; [`Sankey::from_path_stats`] draws fewer.
impl DefaultChart for PathStatsResult {
    type Chart = Sankey;
    fn default_title(&self) -> String {
        "Top paths".to_string()
    }
    fn chart(&self, title: String) -> Option<Sankey> {
        Some(Sankey::from_path_stats(self, title, 0))
    }
}

impl DefaultChart for RetentionResult {
    type Chart = Heatmap;
    fn default_title(&self) -> String {
        "Cohort retention".to_string()
    }
    fn chart(&self, title: String) -> Option<Heatmap> {
        Some(Heatmap::from_retention(self, title))
    }
}

impl DefaultChart for AttributionResult {
    type Chart = GroupedBars;
    fn default_title(&self) -> String {
        format!("Attribution ({})", self.model.as_str())
    }
    fn chart(&self, title: String) -> Option<GroupedBars> {
        Some(GroupedBars::from_attribution(self, title))
    }
}

impl DefaultChart for AttributionTable {
    type Chart = GroupedBars;
    fn default_title(&self) -> String {
        "Conversions credited by model".to_string()
    }
    fn chart(&self, title: String) -> Option<GroupedBars> {
        Some(GroupedBars::from_attribution_table(self, title))
    }
}

impl DefaultChart for DriversResult {
    type Chart = ForestPlot;
    fn default_title(&self) -> String {
        "Conversion drivers".to_string()
    }
    fn chart(&self, title: String) -> Option<ForestPlot> {
        Some(ForestPlot::from_drivers(self, title))
    }
}

impl DefaultChart for CompareResult {
    type Chart = ChangeTable;
    fn default_title(&self) -> String {
        "What changed".to_string()
    }
    fn chart(&self, title: String) -> Option<ChangeTable> {
        Some(ChangeTable::from_compare(self, title))
    }
}

macro_rules! score_charts {
    ($($t:ty => $name:literal, $from:ident;)*) => {$(
        /// Drawn only when grouped (`by`): one interval per group.
        impl DefaultChart for Breakdown<$t> {
            type Chart = IntervalChart;
            fn default_title(&self) -> String {
                match &self.by {
                    Some(by) => format!(concat!($name, " by {}"), by),
                    None => $name.to_string(),
                }
            }
            fn chart(&self, title: String) -> Option<IntervalChart> {
                self.by.as_ref().map(|_| IntervalChart::$from(self, title))
            }
        }
    )*};
}
score_charts! {
    NpsResult => "NPS", from_nps;
    CsatResult => "CSAT", from_csat;
    CesResult => "CES", from_ces;
}

impl Heatmap {
    /// The cohort retention matrix: one row per cohort (with its size), one column per period
    /// since the cohort's own, cells the share of the cohort with a return event (`None` where
    /// the period is not observable yet). With `min_returns` above 1 or `unbounded`, the column
    /// title says so.
    pub fn from_retention(r: &RetentionResult, title: impl Into<String>) -> Heatmap {
        let (unit, one) = match r.period {
            Period::Day => ("days", "day"),
            Period::Week => ("weeks", "week"),
            Period::Month => ("months", "month"),
        };
        Heatmap {
            title: title.into(),
            row_title: "cohort".to_string(),
            col_title: {
                // The thresholds, when not the default, say what a cell counts.
                let mut t = format!("{unit} after the cohort's {one}");
                if r.unbounded {
                    t.push_str(", that period or later");
                }
                if r.min_returns > 1 {
                    t.push_str(&format!(", at least {} returns in it", r.min_returns));
                }
                t
            },
            row_labels: r.cohorts.iter().map(|c| c.cohort.clone()).collect(),
            col_labels: (0..=r.periods).map(|k| k.to_string()).collect(),
            cells: r
                .cohorts
                .iter()
                .map(|c| c.rates.iter().map(|v| v.map(|p| p / 100.0)).collect())
                .collect(),
            row_sizes: r.cohorts.iter().map(|c| c.size).collect(),
        }
    }
}

impl FunnelChart {
    /// The funnel's steps (labels and customers reaching each), overall.
    pub fn from_funnel(f: &FunnelResult, title: impl Into<String>) -> FunnelChart {
        FunnelChart::new(
            title,
            f.steps.iter().map(|s| (s.label.clone(), s.customers)),
        )
    }
}

impl Sankey {
    /// The `top` most frequent paths among the result's variants (all of them when `top` is 0,
    /// as for the `top` option of `path_stats`), each variant split into its converting and its
    /// other journeys (drawn apart). Most frequent first; ties by the path, converting first, so
    /// the picture does not depend on anything but the figures.
    pub fn from_path_stats(r: &PathStatsResult, title: impl Into<String>, top: usize) -> Sankey {
        let mut paths: Vec<SankeyPath> = Vec::new();
        for v in &r.variants {
            for (count, converted) in [(v.conversions, true), (v.count - v.conversions, false)] {
                if count > 0 {
                    paths.push(SankeyPath {
                        steps: v.path.clone(),
                        count,
                        converted,
                    });
                }
            }
        }
        paths.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.steps.cmp(&b.steps))
                .then(b.converted.cmp(&a.converted))
        });
        if top > 0 {
            paths.truncate(top);
        }
        Sankey {
            title: title.into(),
            paths,
            ..Sankey::default()
        }
    }
}

impl GroupedBars {
    /// One model's result as bars: one group per channel (in the result's order), one bar, the
    /// conversions credited.
    pub fn from_attribution(r: &AttributionResult, title: impl Into<String>) -> GroupedBars {
        GroupedBars {
            title: title.into(),
            groups: r.rows.iter().map(|row| row.channel.clone()).collect(),
            series: vec![r.model.as_str().to_string()],
            values: r.rows.iter().map(|row| vec![row.conversions]).collect(),
            value_label: "conversions credited".to_string(),
        }
    }

    /// The attribution table as bars: one group per channel, one bar per model (in the table's
    /// model order), the conversions each model credits. Models without figures (time decay
    /// from a path table) are left out.
    pub fn from_attribution_table(t: &AttributionTable, title: impl Into<String>) -> GroupedBars {
        let models: Vec<Model> = t
            .models
            .iter()
            .copied()
            .filter(|&m| m != Model::TimeDecay || t.rows.iter().all(|r| r.time_decay.is_some()))
            .collect();
        GroupedBars {
            title: title.into(),
            groups: t.rows.iter().map(|r| r.channel.clone()).collect(),
            series: models.iter().map(|m| m.as_str().to_string()).collect(),
            values: t
                .rows
                .iter()
                .map(|r| {
                    models
                        .iter()
                        .map(|m| match m {
                            Model::FirstTouch => r.first_touch,
                            Model::LastTouch => r.last_touch,
                            Model::Linear => r.linear,
                            Model::TimeDecay => r.time_decay.unwrap_or(0.0),
                            Model::PositionBased => r.position_based,
                            Model::Markov => r.markov,
                            Model::Shapley => r.shapley,
                            // Not a column of the comparison table.
                            Model::DataDrivenShapley => 0.0,
                        })
                        .collect()
                })
                .collect(),
            value_label: "conversions credited".to_string(),
        }
    }
}

fn interval_rows<T>(b: &Breakdown<T>, f: impl Fn(&T) -> IntervalRow) -> Vec<IntervalRow> {
    b.groups
        .iter()
        .map(|g| IntervalRow {
            label: g.key.clone().unwrap_or_else(|| NO_KEY_LABEL.to_string()),
            ..f(&g.stats)
        })
        .collect()
}

impl IntervalChart {
    /// NPS per group with its 95% interval, on the full -100 to 100 axis, the overall NPS as
    /// the reference line.
    pub fn from_nps(b: &Breakdown<NpsResult>, title: impl Into<String>) -> IntervalChart {
        IntervalChart {
            title: title.into(),
            rows: interval_rows(b, |s| IntervalRow {
                label: String::new(),
                estimate: s.nps,
                lo: s.ci_low,
                hi: s.ci_high,
                n: s.n,
            }),
            min: Some(-100.0),
            max: Some(100.0),
            reference: b.overall.nps,
            value_label: "NPS".to_string(),
        }
    }

    /// CSAT (% satisfied) per group with its Wilson 95% interval, on a 0 to 100 axis, the
    /// overall CSAT as the reference line.
    pub fn from_csat(b: &Breakdown<CsatResult>, title: impl Into<String>) -> IntervalChart {
        IntervalChart {
            title: title.into(),
            rows: interval_rows(b, |s| IntervalRow {
                label: String::new(),
                estimate: s.csat,
                lo: s.ci_low,
                hi: s.ci_high,
                n: s.n,
            }),
            min: Some(0.0),
            max: Some(100.0),
            reference: b.overall.csat,
            value_label: "CSAT, % satisfied (4 or 5 of 5)".to_string(),
        }
    }

    /// Mean CES per group with its t 95% interval, on the 1 to 7 scale, the overall mean as the
    /// reference line.
    pub fn from_ces(b: &Breakdown<CesResult>, title: impl Into<String>) -> IntervalChart {
        IntervalChart {
            title: title.into(),
            rows: interval_rows(b, |s| IntervalRow {
                label: String::new(),
                estimate: s.mean,
                lo: s.ci_low,
                hi: s.ci_high,
                n: s.n,
            }),
            min: Some(1.0),
            max: Some(7.0),
            reference: b.overall.mean,
            value_label: "CES, mean answer (1 to 7)".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::retention::RetentionOptions;
    use crate::metrics::survey::{csat, ScoreOptions};
    use crate::read_events_csv;

    #[test]
    fn default_titles_and_which_results_have_no_picture() {
        let csv = "customer_id,timestamp,touchpoint,channel,value\n\
                   a,1,ad,social,\na,2,purchase,web,30\nb,1,mail,email,\n";
        let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let one = log
            .attribution(&crate::metrics::attribution::AttributionOptions {
                model: Model::LastTouch,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(one.default_title(), "Attribution (last_touch)");
        // a's purchase goes to its last touch before it (the ad, social); b's mail credits nothing.
        let bars = one.default_chart().unwrap();
        assert_eq!(bars.groups, ["email", "social"]);
        assert_eq!(bars.values, [[0.0], [1.0]]);
        let table = log.attribution_table(&Default::default()).unwrap();
        assert_eq!(table.default_title(), "Conversions credited by model");
        let r = log.retention(&RetentionOptions::default()).unwrap();
        assert_eq!(r.default_chart().unwrap().title, "Cohort retention");
        let ps = log.path_stats(&Default::default()).unwrap();
        // a's converting path and b's other path: both drawn under the default title.
        let sankey = ps.default_chart().unwrap();
        assert_eq!(
            (sankey.title.as_str(), sankey.paths.len()),
            ("Top paths", 2)
        );

        let s = crate::read_surveys_csv(
            "customer_id,timestamp,touchpoint,nps\na,1,shop,10\nb,1,app,0\n".as_bytes(),
            &Default::default(),
        )
        .unwrap();
        let overall = crate::metrics::survey::nps(&s, None, &ScoreOptions::default()).unwrap();
        assert_eq!(overall.default_title(), "NPS");
        assert_eq!(overall.default_svg().unwrap(), None);
        let by = ScoreOptions {
            by: Some("touchpoint".into()),
        };
        let grouped = crate::metrics::survey::nps(&s, None, &by).unwrap();
        let chart = grouped.default_chart().unwrap();
        assert_eq!(chart.title, "NPS by touchpoint");
        assert_eq!(chart.rows.len(), 2);
        let ces = crate::metrics::survey::ces(&s, None, &by).unwrap();
        assert_eq!(ces.default_title(), "CES by touchpoint");
    }

    /// A result read back from its canonical JSON equals the result (the JS adapters read results
    /// this way).
    fn round_trips<
        R: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    >(
        r: &R,
    ) {
        let json = serde_json::to_string(r).unwrap();
        assert_eq!(&serde_json::from_str::<R>(&json).unwrap(), r, "{json}");
    }

    #[test]
    fn results_round_trip_through_json() {
        let csv = "customer_id,timestamp,touchpoint,channel,value\n\
                   a,1,ad,social,\na,2,mail,email,\na,3,purchase,web,30\n\
                   b,1,mail,email,\nb,2,purchase,web,10\nc,1,ad,social,\n";
        let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        round_trips(
            &log.funnel(&crate::metrics::funnel::FunnelOptions {
                steps: vec!["ad".into(), "purchase".into()],
                dropped_ids: true,
                ..Default::default()
            })
            .unwrap(),
        );
        round_trips(&log.retention(&RetentionOptions::default()).unwrap());
        round_trips(&log.path_stats(&Default::default()).unwrap());
        round_trips(&log.attribution_table(&Default::default()).unwrap());
        round_trips(
            &log.attribution(&crate::metrics::attribution::AttributionOptions {
                model: Model::Markov,
                ..Default::default()
            })
            .unwrap(),
        );
        let s = crate::read_surveys_csv(
            "customer_id,timestamp,touchpoint,nps,csat,ces\na,1,shop,10,5,7\nb,1,,0,2,1\n"
                .as_bytes(),
            &Default::default(),
        )
        .unwrap();
        let by = ScoreOptions {
            by: Some("touchpoint".into()),
        };
        round_trips(&crate::metrics::survey::nps(&s, None, &by).unwrap());
        round_trips(&csat(&s, None, &by).unwrap());
        round_trips(&crate::metrics::survey::ces(&s, None, &ScoreOptions::default()).unwrap());
    }

    #[test]
    fn retention_rates_become_fractions() {
        let csv = "customer_id,timestamp,touchpoint\n\
                   a,2026-01-05T10:00:00Z,purchase\na,2026-01-13T10:00:00Z,purchase\n\
                   b,2026-01-06T10:00:00Z,purchase\n";
        let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let opts = RetentionOptions {
            periods: 2,
            ..Default::default()
        };
        let h = Heatmap::from_retention(&log.retention(&opts).unwrap(), "Retention");
        assert_eq!(h.row_labels, ["2026-W02"]);
        assert_eq!(h.row_sizes, [2]);
        assert_eq!(h.col_labels, ["0", "1", "2"]);
        // Week 0: both bought (2/2); week 1: a bought again (1/2); week 2: not observable.
        assert_eq!(h.cells, [[Some(1.0), Some(0.5), None]]);
        assert_eq!(h.col_title, "weeks after the cohort's week");
        assert!(h.to_svg().is_ok());
        // Unbounded, two purchases a week: only a, whose two purchases are in different weeks
        // (none); the title says what a cell counts.
        let opts = RetentionOptions {
            periods: 2,
            min_returns: 2,
            unbounded: true,
            ..Default::default()
        };
        let h = Heatmap::from_retention(&log.retention(&opts).unwrap(), "Retention");
        assert_eq!(h.cells, [[Some(0.0), Some(0.0), None]]);
        assert_eq!(
            h.col_title,
            "weeks after the cohort's week, that period or later, at least 2 returns in it"
        );
        assert!(h.to_svg().is_ok());
    }

    #[test]
    fn attribution_models_side_by_side() {
        let csv = "customer_id,timestamp,touchpoint,channel,value\n\
                   a,1,ad,social,\na,2,mail,email,\na,3,purchase,web,30\n\
                   b,1,mail,email,\nb,2,purchase,web,10\n";
        let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let t = log.attribution_table(&Default::default()).unwrap();
        let g = GroupedBars::from_attribution_table(&t, "Attribution");
        assert_eq!(g.groups, ["email", "social"]);
        assert_eq!(g.series.len(), 7);
        let first = g.series.iter().position(|s| s == "first_touch").unwrap();
        let last = g.series.iter().position(|s| s == "last_touch").unwrap();
        // First touch: a's ad (social), b's mail (email); last touch: both email.
        assert_eq!((g.values[0][first], g.values[1][first]), (1.0, 1.0));
        assert_eq!((g.values[0][last], g.values[1][last]), (2.0, 0.0));
        for row in &g.values {
            assert!(row.iter().all(|v| v.is_finite()));
        }
        assert!(g.to_svg().is_ok());
    }

    #[test]
    fn survey_groups_and_the_group_without_key() {
        let csv = "customer_id,timestamp,touchpoint,csat\na,1,shop,5\nb,1,shop,2\nc,1,,4\n";
        let s = crate::read_surveys_csv(csv.as_bytes(), &Default::default()).unwrap();
        let by = csat(
            &s,
            None,
            &ScoreOptions {
                by: Some("touchpoint".into()),
            },
        )
        .unwrap();
        let c = IntervalChart::from_csat(&by, "CSAT");
        let labels: Vec<&str> = c.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["shop", NO_KEY_LABEL]);
        assert_eq!(c.rows[0].estimate, Some(50.0));
        assert_eq!(c.rows[0].n, 2);
        assert!((c.reference.unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert!(c.to_svg().is_ok());
    }
}
