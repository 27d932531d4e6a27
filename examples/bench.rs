//! The load benchmark on generated event logs.
//!
//! ```sh
//! cargo run --release -p journey-examples --bin bench -- gen 10000000 bench-data/events-10M.csv
//! cargo run --release -p journey-examples --bin bench -- load bench-data/events-10M.csv
//! cargo run --release -p journey-examples --bin bench -- grouping-floor bench-data/events-10M.csv
//! cargo run --release -p journey-examples --bin bench -- by-time bench-data/events-10M.csv bench-data/events-10M-by-time.csv
//! cargo run --release -p journey-examples --bin bench -- shuffled bench-data/events-10M.csv bench-data/events-10M-shuffled.csv
//! cargo run --release -p journey-examples --bin bench -- partials bench-data/events-10M.csv 1 4 16 64 256
//! cargo run --release -p journey-examples --bin bench -- score bench-data/events-10M.csv
//! cargo run --release -p journey-examples --bin bench -- backtest synthetic:200000 2026-05-01T00:00:00Z 1 2 3
//! cargo run --release -p journey-examples --bin bench -- drivers bench-data/events-10M.csv
//! cargo run --release -p journey-examples --bin bench -- funnel bench-data/events-10M.csv
//! cargo run --release -p journey-examples --bin bench -- live bench-data/events-10M.csv 10000 5
//! ```
//! `score` times fitting the Markov chain and scoring every open journey (probability, expected
//! touches, next best touchpoint, top paths); `backtest` prints the time-split backtest table
//! (docs/live.md) for each Markov order given. Both take a CSV path or `synthetic:N` (N
//! customers of journey's synthetic generator, seed 42, made in memory).
//! `gen` writes a synthetic log of about N events (customers = N / 10), grouped by customer;
//! `by-time` writes the same rows in time order (customers interleaved); `shuffled` writes them
//! in a random order (a fixed seed, so the file is the same on every run); `load` reads it into the
//! sorted columnar log and prints wall time, MB/s, events/s, bytes per event and the process's
//! peak resident memory (VmHWM), which is why loading runs in its own process.
//! `grouping-floor` times the least that grouping interleaved rows costs: each column of the
//! loaded log moved from a time-ordered or shuffled layout to its place, one core, one column
//! at a time (docs/benchmarks.md, "Why interleaved input cannot load within 10% of grouped input").

/// mimalloc with the feature `mimalloc` (off by default; docs/live.md, "Memory allocator"):
/// with glibc's malloc the live rounds slow down as its heap fragments.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
const ALLOCATOR_NAME: &str = if cfg!(feature = "mimalloc") {
    "mimalloc"
} else {
    "the system's (glibc malloc)"
};

use std::time::Instant;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[path = "timing.rs"]
mod timing;
use timing::time;

/// Times every metric on a loaded log (and its surveys file, `PATH` with `.surveys.csv`).
fn metrics(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    use journey_core::metrics::attribution::{
        AttributionOptions, AttributionTableOptions, Model, PathTable,
    };
    use journey_core::metrics::retention::{KpiOptions, RetentionOptions};
    use journey_core::metrics::survey::{self, ScoreOptions};

    let opts = journey_core::LoadOptions::default();
    let log = journey_core::read_events_path(path, &opts)?;
    let spath = format!("{}.surveys.csv", path.trim_end_matches(".csv"));
    let surveys = journey_core::read_surveys_path(&spath, &opts)?;
    let mut out = serde_json::Map::new();
    let mut record = |name: &str, secs: f64| {
        println!("{name:<44} {secs:>9.4} s");
        out.insert(name.to_string(), secs.into());
    };
    println!(
        "log: {} events, {} customers, {} survey responses",
        log.n_events(),
        log.n_customers(),
        surveys.len()
    );

    let (s, _) = time(3, || log.retention(&RetentionOptions::default()).unwrap());
    record("retention (weekly cohorts)", s);
    let (s, _) = time(3, || log.kpis(&KpiOptions::default()).unwrap());
    record("kpis", s);
    // A four-week period: the windowed path (CRR, churn) compares every event with its bounds.
    let window = KpiOptions {
        start: Some("2026-06-01T00:00:00Z".into()),
        end: Some("2026-06-29T00:00:00Z".into()),
    };
    let (s, _) = time(3, || log.kpis(&window).unwrap());
    record("kpis (four weeks, with CRR and churn)", s);
    let by_tp = ScoreOptions {
        by: Some("touchpoint".into()),
    };
    let (s, _) = time(3, || {
        (
            survey::nps(&surveys, Some(&log), &by_tp).unwrap(),
            survey::csat(&surveys, Some(&log), &by_tp).unwrap(),
            survey::ces(&surveys, Some(&log), &by_tp).unwrap(),
        )
    });
    record("nps + csat + ces by touchpoint", s);

    let (s, table) = time(3, || {
        log.attribution_table(&AttributionTableOptions::default())
            .unwrap()
    });
    record("attribution_table (all seven models)", s);
    let _ = table;
    let (s, paths) = time(3, || {
        PathTable::from_log(
            &log,
            &AttributionTableOptions::default()
                .with_model(Model::Markov)
                .path_options(),
        )
        .unwrap()
    });
    record("aggregate channel paths", s);
    let markov = AttributionOptions {
        model: Model::Markov,
        ..Default::default()
    };
    let (s, _) = time(3, || paths.attribution(&markov).unwrap());
    record("markov order 1 on aggregated paths", s);
    println!("distinct channel paths: {}", paths.len());
    let (s, chosen) = time(3, || log.choose_order(&Default::default()).unwrap());
    record("choose_order, orders 1 to 4, from the log", s);
    println!("  chosen order (BIC): {:?}", chosen.chosen_order);
    let (s, pairs) = time(3, || {
        paths.sequence_removal_effects(&Default::default()).unwrap()
    });
    record(
        "sequence removal effects, pairs at order 2, on aggregated paths",
        s,
    );
    println!("  pairs: {}", pairs.rows.len());
    let dds = AttributionOptions {
        model: Model::DataDrivenShapley,
        ..Default::default()
    };
    let (s, _) = time(3, || paths.attribution(&dds).unwrap());
    record("data-driven shapley on aggregated paths", s);

    use journey_core::metrics::{funnel, graph, path_stats, sessions};
    let steps = journey_core::synthetic::CHECKOUT_STEPS;
    let fopts: funnel::FunnelOptions =
        serde_json::from_value(serde_json::json!({ "steps": steps }))?;
    let (s, f) = time(3, || funnel::funnel(&log, &fopts).unwrap());
    record("funnel, 5 steps, ordered", s);
    println!(
        "  customers per step: {:?}",
        f.steps.iter().map(|x| x.customers).collect::<Vec<_>>()
    );
    let (s, _) = time(3, || drivers_run(&log));
    record("conversion drivers, every touchpoint + persona", s);
    let (s, _) = time(3, || {
        graph::transition_graph(&log, &graph::TransitionGraphOptions::default()).unwrap()
    });
    record("transition graph (touchpoints)", s);
    let (s, _) = time(3, || {
        (
            sessions::sessions(&log, &sessions::SessionOptions::default()).unwrap(),
            path_stats::touchpoints_before_conversion(
                &log,
                &path_stats::PathStatsOptions::default(),
            )
            .unwrap(),
        )
    });
    record("sessions + touchpoints before conversion", s);
    let (s, _) = time(1, || {
        path_stats::path_stats(&log, &path_stats::PathStatsOptions::default()).unwrap()
    });
    record("path_stats (variants, lift, distributions)", s);
    let ropts = journey_core::report::ReportOptions::default();
    let (s, page) = time(1, || {
        journey_core::report::report(&log, Some(&surveys), &ropts).unwrap()
    });
    record("report (HTML page, every section)", s);
    println!("  report: {:.1} MB of HTML", page.len() as f64 / 1e6);
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

/// Partial results on a loaded log: the size of each kind of partial (the whole log as one
/// partition), and, for each number of partitions N (customers dealt round-robin), the bytes of
/// all N partials and the time to read them back from bytes and merge them into one, and to
/// finish it. The finished result is checked against the single-machine call.
fn partials(path: &str, ns: &[usize]) -> Result<(), Box<dyn std::error::Error>> {
    use journey_core::partial::{Analysis, Context, Partial};
    use serde_json::json;

    let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
    println!(
        "log: {} events, {} customers",
        log.n_events(),
        log.n_customers()
    );
    let steps = journey_core::synthetic::CHECKOUT_STEPS;
    let analyses = [
        (
            "funnel",
            json!({"steps": steps, "breakdown": "first_touch_channel"}),
        ),
        ("retention", json!({})),
        ("kpis", json!({})),
        ("attribution", json!({"model": "markov"})),
        ("attribution_table", json!({})),
        ("path_table", json!({})),
    ];
    let analyses: Vec<(String, Analysis)> = analyses
        .iter()
        .map(|(n, o)| Ok((n.to_string(), Analysis::from_json(n, o)?)))
        .collect::<journey_core::Result<_>>()?;
    let ctx = Context::of(&log);
    let mut out = serde_json::Map::new();
    for (name, a) in &analyses {
        let (s, p) = time(1, || log.partial(a, &ctx).unwrap());
        let bytes = p.to_bytes().len();
        println!(
            "{name:<18} one partial of the whole log: {bytes:>10} bytes, computed in {s:.3} s"
        );
        out.insert(format!("{name} bytes"), bytes.into());
    }
    let ids = log.customer_ids();
    for &n in ns {
        let groups: Vec<Vec<&str>> = (0..n)
            .map(|k| ids.iter().skip(k).step_by(n).map(String::as_str).collect())
            .collect();
        let parts: Vec<journey_core::EventLog> =
            groups.iter().map(|g| log.sub_log(g).unwrap()).collect();
        for (name, a) in &analyses {
            let bytes: Vec<Vec<u8>> = parts
                .iter()
                .map(|l| l.partial(a, &ctx).unwrap().to_bytes())
                .collect();
            let total: usize = bytes.iter().map(Vec::len).sum();
            let (merge_s, merged) = time(1, || {
                Partial::merge_all(bytes.iter().map(|b| Partial::from_bytes(b).unwrap())).unwrap()
            });
            let (finish_s, finished) = time(1, || merged.clone().finish().unwrap());
            let direct = log.partial(a, &ctx).unwrap().finish().unwrap();
            assert_eq!(finished, direct, "{name} with {n} partitions");
            println!(
                "{name:<18} N = {n:>3}: {total:>11} bytes of partials, read + merge {merge_s:>8.4} s, finish {finish_s:>8.4} s"
            );
            out.insert(format!("{name} N={n} bytes"), total.into());
            out.insert(format!("{name} N={n} merge_s"), merge_s.into());
            out.insert(format!("{name} N={n} finish_s"), finish_s.into());
        }
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

/// A log from a CSV path, or `synthetic:N` (N customers of the built-in generator, seed 42).
fn log_of(source: &str) -> Result<journey_core::EventLog, Box<dyn std::error::Error>> {
    Ok(match source.strip_prefix("synthetic:") {
        Some(n) => journey_core::synthetic(n.parse()?, 42).0,
        None => journey_core::read_events_path(source, &journey_core::LoadOptions::default())?,
    })
}

/// Fits the chain and scores every open journey; prints the times (best of 3) and the sizes.
fn score(source: &str, orders: &[usize]) -> Result<(), Box<dyn std::error::Error>> {
    use journey_core::metrics::open_journeys::{OpenJourneyModel, OpenJourneyOptions};
    use journey_core::model::Tabular;
    let log = log_of(source)?;
    println!(
        "log: {} events, {} customers",
        log.n_events(),
        log.n_customers()
    );
    let mut out = serde_json::Map::new();
    for &order in orders {
        let opts = OpenJourneyOptions {
            order,
            ..Default::default()
        };
        let (fit_s, model) = time(3, || OpenJourneyModel::fit(&log, &opts).unwrap());
        let (score_s, r) = time(3, || model.score(&log).unwrap());
        let (table_s, _) = time(1, || r.table().unwrap().rows);
        let recommended = r
            .states
            .iter()
            .filter(|s| s.next_best.is_some())
            .map(|s| s.open_journeys)
            .sum::<u64>();
        println!(
            "order {order}: {} open journeys in {} states ({recommended} in states with a recommendation); \
             fit {fit_s:.3} s, score {score_s:.3} s (probability, expected touches, next best, \
             top paths), fit + score {:.3} s; journeys as columns {table_s:.3} s",
            r.len(),
            r.states.len(),
            fit_s + score_s
        );
        out.insert(format!("order {order} open"), r.len().into());
        out.insert(format!("order {order} fit_s"), fit_s.into());
        out.insert(format!("order {order} score_s"), score_s.into());
        out.insert(format!("order {order} table_s"), table_s.into());
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

/// The time-split backtest table for each order.
fn backtest(source: &str, as_of: &str, orders: &[usize]) -> Result<(), Box<dyn std::error::Error>> {
    use journey_core::metrics::backtest::{backtest, BacktestOptions};
    let log = log_of(source)?;
    println!(
        "log: {} events, {} customers; T = {as_of}, horizon 14 days",
        log.n_events(),
        log.n_customers()
    );
    for &order in orders {
        let opts = BacktestOptions {
            as_of: as_of.into(),
            order,
            ..Default::default()
        };
        let t = Instant::now();
        let r = backtest(&log, &opts)?;
        println!(
            "\norder {order} (touchpoint states): fitted on {} paths before T ({} converted); {} journeys open at T, {} converted within 14 days ({:.2}%); {:.2} s",
            r.training_paths,
            r.training_conversions,
            r.n_open,
            r.n_converted,
            100.0 * r.observed_rate.unwrap_or(f64::NAN),
            t.elapsed().as_secs_f64()
        );
        println!("| predictor | AUC | Brier | mean score |");
        println!("|---|---|---|---|");
        for p in &r.predictors {
            println!(
                "| {} | {:.4} | {:.5} | {:.4} |",
                p.predictor,
                p.auc.unwrap_or(f64::NAN),
                p.brier.unwrap_or(f64::NAN),
                p.mean_score.unwrap_or(f64::NAN)
            );
        }
        // The same chain without conditioning on the silence at T.
        let plain = backtest(
            &log,
            &BacktestOptions {
                idle: false,
                ..opts.clone()
            },
        )?;
        let p = &plain.predictors[0];
        println!(
            "| markov, state only (idle=false) | {:.4} | {:.5} | {:.4} |",
            p.auc.unwrap_or(f64::NAN),
            p.brier.unwrap_or(f64::NAN),
            p.mean_score.unwrap_or(f64::NAN)
        );
        println!(
            "markov beats both baselines on AUC: {}",
            r.markov_beats_baselines
        );
        println!("\n| decile | n | Markov: mean score | observed | last-touch rate: mean score | observed |");
        println!("|---|---|---|---|---|---|");
        let m: Vec<_> = r
            .calibration
            .iter()
            .filter(|c| c.predictor == "markov")
            .collect();
        let l: Vec<_> = r
            .calibration
            .iter()
            .filter(|c| c.predictor == "last_touch_rate")
            .collect();
        for (a, b) in m.iter().zip(&l) {
            println!(
                "| {} | {} | {:.4} | {:.4} | {:.4} | {:.4} |",
                a.bin, a.n, a.mean_score, a.observed_rate, b.mean_score, b.observed_rate
            );
        }
    }
    Ok(())
}

/// Conversion drivers over every touchpoint and the persona property (the 0.3 s target).
fn drivers_run(log: &journey_core::EventLog) -> journey_core::metrics::drivers::DriversResult {
    let opts = journey_core::metrics::drivers::DriversOptions {
        properties: vec!["persona".into()],
        ..Default::default()
    };
    journey_core::metrics::drivers::conversion_drivers(log, &opts).expect("drivers")
}

fn rss_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time used so far by every thread of the process, in milliseconds (Linux: the run time
/// of each task in `/proc/self/task/*/schedstat`), so that a round's CPU time can be read apart
/// from its wall time on a loaded machine.
fn cpu_ms() -> f64 {
    let mut ns = 0u64;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
                ns += s
                    .split_whitespace()
                    .next()
                    .and_then(|x| x.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    ns as f64 / 1e6
}

/// What the live batches are drawn from: the log's customers, touchpoints (each with the
/// channel and stage of its first event in the log, as a stream of the same shop would carry
/// them), time span, personas, conversions and catalog, read once (reading them from the live
/// log each round would make it: see `LiveAnalysis::log`).
struct BatchShape {
    ids: Vec<String>,
    tps: Vec<String>,
    tp_channel: Vec<Option<String>>,
    tp_stage: Vec<Option<String>>,
    t0: i64,
    t1: i64,
    personas: Vec<String>,
    conversions: Vec<String>,
    catalog: journey_core::Catalog,
}

impl BatchShape {
    fn of(log: &journey_core::EventLog) -> Self {
        let ts = log.timestamps();
        let n_tps = log.touchpoints().len();
        let (mut tp_channel, mut tp_stage) = (vec![None; n_tps], vec![None; n_tps]);
        for (i, &t) in log.touchpoint_ids().iter().enumerate() {
            let t = t as usize;
            if tp_channel[t].is_none() {
                tp_channel[t] = Some(log.channel_name(log.channel_ids()[i]).to_string());
                tp_stage[t] = log.stage_of(i).map(str::to_string);
            }
        }
        BatchShape {
            ids: log.customer_ids().to_vec(),
            tps: log.touchpoints().to_vec(),
            tp_channel,
            tp_stage,
            t0: ts.iter().copied().min().unwrap_or(0),
            t1: ts.iter().copied().max().unwrap_or(0),
            personas: log
                .property("persona")
                .map(|p| p.values.names().to_vec())
                .unwrap_or_default(),
            conversions: log.conversion_touchpoints().to_vec(),
            catalog: log.catalog().clone(),
        }
    }
}

/// A batch of `n` synthetic events shaped like the log's: 70% for known customers (one in ten
/// of those late, landing among the customer's earlier events), 30% for new customers, times
/// after the log's last event, names and personas of the log.
fn live_batch(shape: &BatchShape, n: usize, round: usize, x: &mut u64) -> journey_core::EventLog {
    let mut next = |m: usize| -> usize {
        *x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*x >> 33) as usize) % m.max(1)
    };
    let BatchShape {
        ids,
        tps,
        t0,
        t1,
        personas,
        ..
    } = shape;
    let (t0, t1) = (*t0, *t1);
    let mut b = journey_core::EventLogBuilder::new();
    for k in 0..n {
        let known = next(10) < 7 && !ids.is_empty();
        let customer_id = if known {
            ids[next(ids.len())].clone()
        } else {
            format!("live{round:04}-{:05}", k / 3)
        };
        let timestamp_us = if known && next(10) == 0 {
            t0 + (next(1 << 30) as i64 * ((t1 - t0) >> 30).max(1))
        } else {
            t1 + next(86_400) as i64 * 1_000_000
        };
        let t = next(tps.len());
        let touchpoint = tps[t].clone();
        let value = (touchpoint == "purchase").then(|| (next(20_000) as f64) / 100.0);
        let properties = if personas.is_empty() {
            Vec::new()
        } else {
            vec![(
                "persona".to_string(),
                personas[next(personas.len())].clone(),
            )]
        };
        b.push(&journey_core::RawEvent {
            customer_id,
            timestamp_us,
            touchpoint,
            channel: shape.tp_channel[t].clone(),
            stage: shape.tp_stage[t].clone(),
            value,
            properties,
            ..Default::default()
        })
        .expect("a valid event");
    }
    let conv: Vec<&str> = shape.conversions.iter().map(String::as_str).collect();
    b.build(Some(&shape.catalog), &conv)
}

/// Appends batches to a live analysis (funnel, retention, Markov attribution) and times the
/// append with the update, then the three results; checks the last results against the
/// analyses of the appended log computed from scratch.
/// `out`: where to write the log after the rounds (CSV), so that the memory of a log of that
/// size loaded alone can be measured (`bench live OUT 10000 0`: its "process RSS").
fn live(
    path: &str,
    batch: usize,
    rounds: usize,
    out: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    use journey_core::partial::{Analysis, Finished};
    use serde_json::json;

    println!("global allocator: {ALLOCATOR_NAME}");
    let t = Instant::now();
    let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
    let load_s = t.elapsed().as_secs_f64();
    // Forget the load's transient peak: from here VmHWM is the peak of what follows.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_log = rss_mb("VmRSS:").unwrap_or(0.0);
    let log_mb = (log.column_bytes() + log.string_bytes()) as f64 / 1e6;
    println!(
        "log: {} events, {} customers, loaded in {load_s:.2} s; columns + strings {log_mb:.1} MB, process RSS {rss_log:.1} MB",
        log.n_events(),
        log.n_customers()
    );
    let steps = journey_core::synthetic::CHECKOUT_STEPS;
    let analyses = vec![
        Analysis::from_json("funnel", &json!({"steps": steps}))?,
        Analysis::from_json("retention", &json!({}))?,
        Analysis::from_json("attribution", &json!({"model": "markov"}))?,
    ];
    // The batches' shape from the log itself (the live log would be made whole for it); its
    // copy of the customer ids is the bench's, not the live state's: measured apart.
    let shape = BatchShape::of(&log);
    let shape_mb = rss_mb("VmRSS:").unwrap_or(0.0) - rss_log;
    let t = Instant::now();
    let mut live =
        journey_core::LiveAnalysis::new(log, analyses.clone(), None, journey_core::Ties::Content)?;
    let init_s = t.elapsed().as_secs_f64();
    let rss_live = rss_mb("VmRSS:").unwrap_or(0.0);
    let peak_setup = rss_mb("VmHWM:").unwrap_or(0.0);
    println!("peak RSS of the set-up: {peak_setup:.1} MB");
    println!(
        "live state built in {init_s:.2} s (set-up: the partials of the whole log, the log cut \
         into shards); process RSS {rss_live:.1} MB (+{:.1} MB over the log and the bench's \
         {shape_mb:.1} MB list of its customer ids)",
        rss_live - rss_log - shape_mb
    );
    let mut x = 42u64;
    let mut rows = Vec::new();
    for round in 0..rounds {
        let b = live_batch(&shape, batch, round, &mut x);
        let t = Instant::now();
        let cpu0 = cpu_ms();
        let r = live.append(&b)?;
        let append_s = t.elapsed().as_secs_f64();
        let append_cpu = cpu_ms() - cpu0;
        let t = Instant::now();
        let mut secs = Vec::new();
        for i in 0..3 {
            let t = Instant::now();
            live.result(i)?;
            secs.push(t.elapsed().as_secs_f64());
        }
        let results_s = t.elapsed().as_secs_f64();
        let (shards, kept) = live.layout();
        println!(
            "round {round}: {} events, {} customers ({} new): append + update {:.1} ms ({append_cpu:.1} ms CPU), results {:.1} ms (funnel {:.1}, retention {:.1}, attribution {:.1}), total {:.1} ms; {shards} shards, {kept} events kept aside",
            r.events, r.customers, r.new_customers, append_s * 1e3, results_s * 1e3,
            secs[0] * 1e3, secs[1] * 1e3, secs[2] * 1e3, (append_s + results_s) * 1e3
        );
        rows.push(json!({"append_update_ms": append_s * 1e3, "append_update_cpu_ms": append_cpu, "results_ms": results_s * 1e3,
            "funnel_ms": secs[0] * 1e3, "retention_ms": secs[1] * 1e3, "attribution_ms": secs[2] * 1e3}));
    }
    let n = rows.len().max(1) as f64;
    let mean = |k: &str| {
        rows.iter()
            .map(|r| r[k].as_f64().unwrap_or(0.0))
            .sum::<f64>()
            / n
    };
    let total = |r: &serde_json::Value| {
        r["append_update_ms"].as_f64().unwrap_or(0.0) + r["results_ms"].as_f64().unwrap_or(0.0)
    };
    let max = rows.iter().map(total).fold(0.0, f64::max);
    let mut sorted: Vec<f64> = rows.iter().map(total).collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    // CPU time of the append + update, rounds 1-10 against the last ten: flat or growing.
    let cpu = |r: &[serde_json::Value]| {
        r.iter()
            .map(|x| x["append_update_cpu_ms"].as_f64().unwrap_or(0.0))
            .sum::<f64>()
            / r.len().max(1) as f64
    };
    if rows.len() >= 21 {
        println!(
            "append + update CPU time: mean {:.1} ms in rounds 1-10, {:.1} ms in the last ten",
            cpu(&rows[1..11]),
            cpu(&rows[rows.len() - 10..])
        );
    }
    println!(
        "mean over {} rounds: append + update {:.1} ms, results {:.1} ms, total {:.1} ms; \
         median {median:.1} ms, max {max:.1} ms (every append moves one shard of the log)",
        rows.len(),
        mean("append_update_ms"),
        mean("results_ms"),
        mean("append_update_ms") + mean("results_ms"),
    );
    let live_log_mb = live.log_bytes() as f64 / 1e6;
    println!("live log (shards and events kept aside): {live_log_mb:.1} MB");
    // The peak of the set-up and the rounds (before the whole log is made below).
    let peak = rss_mb("VmHWM:").unwrap_or(0.0);
    println!(
        "peak RSS over the set-up and the rounds: {peak:.1} MB; without the bench's list of \
         ids, {:.2} times the RSS with the log alone",
        (peak - shape_mb) / rss_log.max(1.0)
    );
    // The plain append alone (the columns' move), on the live log.
    let mut plain = live.log().clone();
    let b = live_batch(&shape, batch, rounds, &mut x);
    let t = Instant::now();
    plain.append(&b, journey_core::Ties::Content)?;
    let plain_s = t.elapsed().as_secs_f64();
    println!("EventLog::append alone: {:.1} ms", plain_s * 1e3);
    drop(plain);
    // Exactness at this size: the last results against the appended log from scratch.
    let log = live.log();
    if let Some(out) = out {
        log.write_csv(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(out)?,
        ))?;
        println!(
            "wrote the log after the rounds ({} events) to {out}",
            log.n_events()
        );
    }
    let same = [
        matches!((live.result(0)?, log.funnel(match &analyses[0] { Analysis::Funnel(o) => o, _ => unreachable!() })?), (Finished::Funnel(a), b) if a == b),
        matches!((live.result(1)?, log.retention(match &analyses[1] { Analysis::Retention(o) => o, _ => unreachable!() })?), (Finished::Retention(a), b) if a == b),
        matches!((live.result(2)?, log.attribution(match &analyses[2] { Analysis::Attribution(o) => o, _ => unreachable!() })?), (Finished::Attribution(a), b) if a == b),
    ];
    println!(
        "{}",
        json!({
            "file": path, "events": live.log().n_events(), "batch": batch, "allocator": ALLOCATOR_NAME,
            "log_columns_strings_mb": log_mb, "rss_log_mb": rss_log,
            "rss_with_live_state_mb": rss_live, "live_state_rss_mb": rss_live - rss_log - shape_mb, "bench_ids_mb": shape_mb,
            "peak_rss_mb_after_load": peak, "plain_append_ms": plain_s * 1e3,
            "live_log_mb": live_log_mb, "peak_rss_mb_setup": peak_setup, "max_round_ms": max, "median_round_ms": median,
            "rounds": rows, "equal_to_from_scratch": same,
        })
    );
    Ok(())
}

/// The least work that grouping interleaved rows by customer costs on this machine: every
/// column of the log in `path` moved from an input layout to its place in the grouped log,
/// one column at a time on one core (best of 3, a fresh output each time), for the layout of
/// a time-ordered file (the rows sorted by time, stable) and of a shuffled one (the `shuffled`
/// order). A grouped file needs none of it: its rows are already at their places.
fn grouping_floor(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    use std::hint::black_box;
    let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
    let n = log.n_events();
    let mut by_time: Vec<u32> = (0..n as u32).collect();
    by_time.sort_by_key(|&i| log.timestamps()[i as usize]);
    let mut shuffled: Vec<u32> = (0..n as u32).collect();
    let mut x: u64 = 42;
    for i in (1..n).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        shuffled.swap(i, ((x >> 32) as usize * (i + 1)) >> 32);
    }
    /// Best of 3 of moving `col` (in the input layout: row `k` is `col[dest[k]]` of the
    /// grouped log) to its places, and of copying it in order.
    fn time_column<T: Copy + Default>(col: &[T], dest: &[u32]) -> (f64, f64) {
        let input: Vec<T> = dest.iter().map(|&d| col[d as usize]).collect();
        let best = |f: &dyn Fn() -> Vec<T>| {
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    black_box(f());
                    t.elapsed().as_secs_f64() * 1e3
                })
                .fold(f64::INFINITY, f64::min)
        };
        let placed = best(&|| {
            let mut out = vec![T::default(); input.len()];
            for (&d, &v) in dest.iter().zip(&input) {
                out[d as usize] = v;
            }
            out
        });
        let in_order = best(&|| input.clone());
        (placed, in_order)
    }
    let mut layouts = Vec::new();
    for (layout, dest) in [("time-ordered", &by_time), ("shuffled", &shuffled)] {
        let mut columns = vec![
            (
                "timestamp (i64)".to_string(),
                time_column(log.timestamps(), dest),
            ),
            ("value (f64)".to_string(), time_column(log.values(), dest)),
            (
                "touchpoint (u32)".to_string(),
                time_column(log.touchpoint_ids(), dest),
            ),
            (
                "channel (u32)".to_string(),
                time_column(log.channel_ids(), dest),
            ),
            (
                "stage (u16)".to_string(),
                time_column(log.stage_ids(), dest),
            ),
        ];
        for p in log.properties() {
            columns.push((format!("{} (u32)", p.name), time_column(&p.ids, dest)));
        }
        let total: f64 = columns.iter().map(|c| c.1 .0).sum();
        let total_in_order: f64 = columns.iter().map(|c| c.1 .1).sum();
        layouts.push(serde_json::json!({
            "layout": layout,
            "columns_ms": columns.iter().map(|(name, (placed, in_order))| serde_json::json!({
                "column": name, "placed_ms": placed, "copied_in_order_ms": in_order,
            })).collect::<Vec<_>>(),
            "placed_total_ms": total,
            "copied_in_order_total_ms": total_in_order,
        }));
    }
    println!(
        "{}",
        serde_json::json!({ "file": path, "events": n, "customers": log.n_customers(), "layouts": layouts })
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let n: usize = args.get(1).ok_or("gen N PATH")?.parse()?;
            let path = args.get(2).ok_or("gen N PATH")?;
            if let Some(dir) = std::path::Path::new(path).parent() {
                std::fs::create_dir_all(dir)?;
            }
            let t = Instant::now();
            let (log, surveys) = journey_core::synthetic(n.div_ceil(10), 42);
            log.write_csv(std::io::BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(path)?,
            ))?;
            let spath = format!("{}.surveys.csv", path.trim_end_matches(".csv"));
            surveys.write_csv(std::io::BufWriter::new(std::fs::File::create(&spath)?))?;
            println!(
                "wrote {} events of {} customers to {path} and {} responses to {spath} in {:.2?}",
                log.n_events(),
                log.n_customers(),
                surveys.len(),
                t.elapsed()
            );
        }
        Some("by-time") => {
            // The same rows in time order, as most exports come: customers interleave, so
            // interning and grouping cannot lean on runs of one customer's rows.
            let (input, output) = match (args.get(1), args.get(2)) {
                (Some(i), Some(o)) => (i, o),
                _ => return Err("by-time IN OUT".into()),
            };
            let text = std::fs::read_to_string(input)?;
            let mut lines = text.lines();
            let header = lines.next().ok_or("empty input")?;
            let ts = header
                .split(',')
                .position(|c| c == "timestamp")
                .ok_or("no timestamp column")?;
            let mut rows: Vec<(&str, &str)> = lines
                .map(|l| (l.split(',').nth(ts).unwrap_or(""), l))
                .collect();
            // RFC 3339 in UTC with a fixed width sorts as text in time order; stable for ties.
            rows.sort_by(|a, b| a.0.cmp(b.0));
            let mut out =
                std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(output)?);
            use std::io::Write;
            writeln!(out, "{header}")?;
            for (_, l) in rows {
                writeln!(out, "{l}")?;
            }
            out.flush()?;
        }
        Some("shuffled") => {
            // The same rows in a random order (deterministic: a fixed seed), the worst case
            // for grouping: neither customers nor times come in runs.
            let (input, output) = match (args.get(1), args.get(2)) {
                (Some(i), Some(o)) => (i, o),
                _ => return Err("shuffled IN OUT".into()),
            };
            let text = std::fs::read_to_string(input)?;
            let mut lines = text.lines();
            let header = lines.next().ok_or("empty input")?;
            let mut rows: Vec<&str> = lines.collect();
            // Fisher-Yates with a 64-bit LCG (seed 42).
            let mut x: u64 = 42;
            for i in (1..rows.len()).rev() {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                rows.swap(i, ((x >> 32) as usize * (i + 1)) >> 32);
            }
            let mut out =
                std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(output)?);
            use std::io::Write;
            writeln!(out, "{header}")?;
            for l in rows {
                writeln!(out, "{l}")?;
            }
            out.flush()?;
        }
        Some("funnel-open") => {
            // The funnel with open windows (`as_of` 2026-06-01, mid-log), the weekly trend and the
            // five most frequent touchpoints after each drop-off: loads once, best of 5.
            use journey_core::metrics::funnel::{FunnelOptions, FunnelStep};
            use journey_core::metrics::retention::Period;
            let path = args.get(1).ok_or("funnel-open PATH")?;
            let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
            let mut o = FunnelOptions::new(
                ["product_page", "add_to_cart", "checkout_shipping", "purchase"].map(FunnelStep::from),
            );
            o.window = journey_core::time::Duration::from_days(7);
            o.as_of = "2026-06-01T00:00:00Z".into();
            o.trend = Some(Period::Week);
            o.after_drop_off = 5;
            let (secs, r) = time(5, || log.funnel(&o).expect("funnel"));
            let open = r.open.as_ref().map_or(0, |w| w.in_progress);
            println!(
                "{}",
                serde_json::json!({
                    "file": path,
                    "events": log.n_events(),
                    "steps": r.steps.iter().map(|s| s.customers).collect::<Vec<_>>(),
                    "in_progress": open,
                    "trend_periods": r.trend.as_ref().map_or(0, |t| t.len()),
                    "seconds_best_of_5": secs,
                })
            );
        }
        Some("funnel") => {
            // The 5-step checkout funnel as of the data end (the default: open windows counted)
            // and with `as_of` off: loads once, then 3 runs of each, interleaved; wall seconds
            // of every run and their medians.
            use journey_core::metrics::funnel::{AsOf, FunnelOptions};
            let path = args.get(1).ok_or("funnel PATH")?;
            let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
            let end = FunnelOptions::new(journey_core::synthetic::CHECKOUT_STEPS);
            let off = FunnelOptions {
                as_of: AsOf::Off,
                ..end.clone()
            };
            let (mut t_end, mut t_off) = (Vec::new(), Vec::new());
            let mut last = None;
            for _ in 0..3 {
                for (o, times) in [(&off, &mut t_off), (&end, &mut t_end)] {
                    let t = Instant::now();
                    let r = log.funnel(o)?;
                    times.push(t.elapsed().as_secs_f64());
                    last = Some(r);
                }
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let r = last.expect("ran");
            println!(
                "{}",
                serde_json::json!({
                    "file": path,
                    "events": log.n_events(),
                    "steps": r.counts(),
                    "in_progress": r.open.as_ref().map(|o| o.in_progress),
                    "seconds_as_of_end": t_end.clone(),
                    "seconds_as_of_off": t_off.clone(),
                    "median_as_of_end": median(&mut t_end),
                    "median_as_of_off": median(&mut t_off),
                })
            );
        }
        Some("drivers") => {
            // Loads once, then times the drivers alone (best of 5), with the top rows.
            let path = args.get(1).ok_or("drivers PATH")?;
            let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
            let (secs, d) = time(5, || drivers_run(&log));
            for r in d.rows.iter().take(5) {
                println!(
                    "  {:<32} OR {:>8.3} q {:.3e} {}",
                    r.label,
                    r.odds_ratio.unwrap_or(f64::NAN),
                    r.q_value.unwrap_or(f64::NAN),
                    if r.significant { "*" } else { "" }
                );
            }
            println!(
                "{}",
                serde_json::json!({
                    "file": path,
                    "events": log.n_events(),
                    "customers": d.n_customers,
                    "rows": d.rows.len(),
                    "significant": d.n_significant,
                    "seconds_best_of_5": secs,
                })
            );
        }
        Some("compare") => {
            // Loads once, then times a comparison of the log's two halves in time (the funnel
            // the report would choose, and the KPIs), best of 5. Options: `--surveys PATH`
            // (or `--surveys synthetic` with a synthetic log) adds NPS, CSAT and CES;
            // `--retention 1,4` retention at those weeks; `--attribution N` the attribution
            // shares with N bootstrap resamples.
            let usage = "compare PATH|synthetic:N [--surveys PATH|synthetic] [--retention K,K] [--attribution RESAMPLES]";
            let path = args.get(1).ok_or(usage)?;
            let (log, synth_surveys) = match path.strip_prefix("synthetic:") {
                Some(n) => {
                    let (l, s) = journey_core::synthetic(n.parse()?, 42);
                    (l, Some(s))
                }
                None => (
                    journey_core::read_events_path(path, &journey_core::LoadOptions::default())?,
                    None,
                ),
            };
            let flag = |name: &str| {
                args.iter()
                    .position(|a| a == name)
                    .and_then(|i| args.get(i + 1))
                    .cloned()
            };
            let surveys = match flag("--surveys").as_deref() {
                None => None,
                Some("synthetic") => Some(synth_surveys.ok_or("--surveys synthetic needs a synthetic log")?),
                Some(p) => Some(journey_core::read_surveys_path(
                    p,
                    &journey_core::LoadOptions::default(),
                )?),
            };
            let retention_periods: Vec<u32> = match flag("--retention") {
                None => Vec::new(),
                Some(v) => v.split(',').map(str::parse).collect::<Result<_, _>>()?,
            };
            let attribution = flag("--attribution").map(|n| n.parse::<u32>()).transpose()?;
            let mut ts = log.timestamps().to_vec();
            ts.sort_unstable();
            let mid = ts.get(ts.len() / 2).copied().unwrap_or(0) / 1_000_000;
            use journey_core::metrics::compare::{compare, CompareOptions, Side};
            use journey_core::metrics::retention::TimeBound;
            let opts = CompareOptions {
                a: Side { to: Some(TimeBound::UnixSeconds(mid)), ..Side::default() },
                b: Side { from: Some(TimeBound::UnixSeconds(mid)), ..Side::default() },
                steps: journey_core::report::default_funnel_steps(&log)
                    .iter()
                    .map(|s| s.as_str().into())
                    .collect(),
                retention_periods,
                attribution: attribution.map(|_| Default::default()),
                resamples: attribution.unwrap_or(journey_core::metrics::compare::DEFAULT_RESAMPLES),
                ..CompareOptions::default()
            };
            let (secs, r) = time(5, || compare(&log, surveys.as_ref(), &opts).expect("compare"));
            for x in &r.rows {
                println!(
                    "  {:<48} {:>8.4} -> {:>8.4} q {:.3e} {}",
                    x.label,
                    x.a_rate.unwrap_or(f64::NAN),
                    x.b_rate.unwrap_or(f64::NAN),
                    x.q_value.unwrap_or(f64::NAN),
                    if x.significant { "*" } else { "" }
                );
            }
            println!(
                "{}",
                serde_json::json!({
                    "file": path,
                    "events": log.n_events(),
                    "responses": surveys.as_ref().map(|s| s.len()),
                    "rows": r.rows.len(),
                    "significant": r.n_significant,
                    "seconds_best_of_5": secs,
                })
            );
        }
        Some("load-surveys") => {
            let path = args.get(1).ok_or("load-surveys PATH")?;
            let bytes = std::fs::metadata(path)?.len() as f64;
            let (secs, s) = time(3, || {
                journey_core::read_surveys_path(path, &journey_core::LoadOptions::default())
                    .expect("surveys load")
            });
            println!(
                "{}",
                serde_json::json!({
                    "file": path,
                    "mb": bytes / 1e6,
                    "responses": s.len(),
                    "seconds_best_of_3": secs,
                    "mb_per_s": bytes / 1e6 / secs,
                })
            );
        }
        Some("load") => {
            let path = args.get(1).ok_or("load PATH")?;
            let bytes = std::fs::metadata(path)?.len() as f64;
            let t = Instant::now();
            let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
            let secs = t.elapsed().as_secs_f64();
            let n = log.n_events() as f64;
            println!(
                "{}",
                serde_json::json!({
                    "file": path,
                    "mb": bytes / 1e6,
                    "events": log.n_events(),
                    "customers": log.n_customers(),
                    "seconds": secs,
                    "mb_per_s": bytes / 1e6 / secs,
                    "events_per_s": n / secs,
                    "column_bytes_per_event": log.column_bytes() as f64 / n,
                    "string_mb": log.string_bytes() as f64 / 1e6,
                    "peak_rss_mb": peak_rss_mb(),
                    "threads": std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1),
                })
            );
        }
        Some("grouping-floor") => {
            grouping_floor(args.get(1).ok_or("grouping-floor PATH")?)?;
        }
        Some("metrics") => {
            let path = args.get(1).ok_or("metrics PATH")?;
            metrics(path)?;
        }
        Some("attribution-select") => {
            // Markov order selection, sequence removal effects and data-driven Shapley from
            // the loaded log (each best of 3, the paths cut from the log every time).
            use journey_core::metrics::attribution::{AttributionOptions, Model};
            let path = args.get(1).ok_or("attribution-select PATH")?;
            let log = journey_core::read_events_path(path, &journey_core::LoadOptions::default())?;
            let (s, r) = time(3, || log.choose_order(&Default::default()).unwrap());
            let scores: Vec<(usize, usize, f64)> =
                r.orders.iter().map(|o| (o.order, o.states, o.bic)).collect();
            println!("choose_order 1-4: {s:.3} s, chosen {:?}, (order, states, bic) {scores:?}", r.chosen_order);
            let (s, r) = time(3, || log.sequence_removal_effects(&Default::default()).unwrap());
            println!("sequence_removal_effects pairs, order 2: {s:.3} s, {} pairs", r.rows.len());
            let o = AttributionOptions { model: Model::DataDrivenShapley, ..Default::default() };
            let (s, r) = time(3, || log.attribution(&o).unwrap());
            println!("data_driven_shapley: {s:.3} s, {} channels", r.rows.len());
        }
        Some("partials") => {
            let path = args.get(1).ok_or("partials PATH [N...]")?;
            let ns: Vec<usize> = if args.len() > 2 {
                args[2..].iter().map(|a| a.parse()).collect::<Result<_, _>>()?
            } else {
                vec![1, 2, 4, 8, 16, 32, 64, 128, 256]
            };
            partials(path, &ns)?;
        }
        Some("score") => {
            let source = args.get(1).ok_or("score PATH|synthetic:N [ORDER...]")?;
            let orders: Vec<usize> = if args.len() > 2 {
                args[2..].iter().map(|a| a.parse()).collect::<Result<_, _>>()?
            } else {
                vec![1]
            };
            score(source, &orders)?;
        }
        Some("backtest") => {
            let usage = "backtest PATH|synthetic:N AS_OF [ORDER...]";
            let source = args.get(1).ok_or(usage)?;
            let as_of = args.get(2).ok_or(usage)?;
            let orders: Vec<usize> = if args.len() > 3 {
                args[3..].iter().map(|a| a.parse()).collect::<Result<_, _>>()?
            } else {
                vec![1, 2, 3]
            };
            backtest(source, as_of, &orders)?;
        }
        Some("live") => {
            let path = args.get(1).ok_or("live PATH [BATCH] [ROUNDS] [OUT]")?;
            let batch = args.get(2).map_or(Ok(10_000), |a| a.parse())?;
            let rounds = args.get(3).map_or(Ok(5), |a| a.parse())?;
            live(path, batch, rounds, args.get(4).map(String::as_str))?;
        }
        _ => return Err(
            "usage: bench gen N PATH | bench by-time IN OUT | bench shuffled IN OUT | bench load PATH | bench grouping-floor PATH | bench load-surveys PATH | bench metrics PATH | bench attribution-select PATH | bench partials PATH [N...] | bench score PATH|synthetic:N [ORDER...] | bench backtest PATH|synthetic:N AS_OF [ORDER...] | bench drivers PATH | bench funnel PATH | bench funnel-open PATH | bench compare PATH|synthetic:N [--surveys PATH|synthetic] [--retention K,K] [--attribution RESAMPLES] | bench live PATH [BATCH] [ROUNDS] [OUT]"
                .into(),
        ),
    }
    Ok(())
}
