//! The adversarial-scale benchmark: inputs shaped to hit super-linear paths, each at a base size
//! doubled three times. It prints the time of each size and its ratio to the previous one; a
//! linear path gives ratios near 2, and any ratio above 2.5 points at a super-linear one.
//!
//! ```sh
//! nice -n 19 cargo run --release -p journey-examples --bin adversarial            # every shape
//! nice -n 19 cargo run --release -p journey-examples --bin adversarial -- funnel  # names containing "funnel"
//! ```
//!
//! Each time is the best of three runs of the operation alone (building the input is not
//! timed), in CPU seconds of the process (all threads; steadier than wall time on a shared
//! machine), or wall-clock seconds with `JOURNEY_BENCH_WALL=1`. A shape whose input is over one of journey's documented limits answers with its
//! clear error, shown as `error: ...` (docs/reliability.md lists the limits).

use std::fmt::Write as _;
use std::time::Instant;

use journey_core::metrics::attribution::AttributionOptions;
use journey_core::metrics::funnel::{FunnelMode, FunnelOptions};
use journey_core::metrics::graph::TransitionGraphOptions;
use journey_core::metrics::paths::Level as AttrLevel;
use journey_core::metrics::retention::{Period, RetentionOptions};
use journey_core::render::{map_svg, Heatmap, MapSvgOptions};
use journey_core::report::{report, ReportOptions};
use journey_core::{EventLog, JourneyMap, LoadOptions, Persona, Stage, Step, Touchpoint};

/// A fixed pseudo-random sequence (the inputs are the same on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn load(csv: &str) -> EventLog {
    journey_core::read_events_csv(csv.as_bytes(), &LoadOptions::default()).expect("valid CSV")
}

/// `customers` customers with `events` events each over `names` channels (touchpoint
/// `t<k>`, channel `ch<k>`), every third one ending with a purchase: the Markov reproducer.
fn many_names_log(customers: usize, events: usize, names: u64, seed: u64) -> EventLog {
    let mut r = Lcg(seed);
    let mut csv = String::from("customer_id,timestamp,touchpoint,channel\n");
    for c in 0..customers {
        for e in 0..events {
            let k = r.below(names);
            let _ = writeln!(csv, "c{c},{},t{k},ch{k}", e * 60);
        }
        if c % 3 == 0 {
            let _ = writeln!(csv, "c{c},{},purchase,web", events * 60);
        }
    }
    load(&csv)
}

/// CPU time of the process so far (all threads), in seconds. On a shared machine it is far
/// steadier than wall time.
fn cpu_secs() -> f64 {
    cpu_time::ProcessTime::now().as_duration().as_secs_f64()
}

/// Whether times are CPU seconds (`JOURNEY_BENCH_WALL=1`: wall-clock seconds).
fn wall() -> bool {
    std::env::var("JOURNEY_BENCH_WALL").is_ok_and(|v| v == "1")
}

/// The best of at least three runs of `f`, in seconds, and a short description of its outcome.
/// Short runs are repeated until they add up to half a second (at most 25 runs), as `timeit`
/// does, so that a 50 ms size is measured about as steadily as a 1 s one.
fn time<T, E: std::fmt::Display>(
    mut f: impl FnMut() -> Result<T, E>,
    describe: impl Fn(&T) -> String,
) -> (f64, String) {
    let mut best = f64::INFINITY;
    let mut what = String::new();
    let (mut runs, mut total) = (0, 0.0);
    while runs < 3 || (total < 0.5 && runs < 25) {
        runs += 1;
        let (t, c) = (Instant::now(), cpu_secs());
        let r = f();
        let secs = if wall() {
            t.elapsed().as_secs_f64()
        } else {
            cpu_secs() - c
        };
        best = best.min(secs);
        total += secs;
        what = match &r {
            Ok(v) => describe(v),
            Err(e) => {
                let e = e.to_string();
                format!("error: {}", e.chars().take(60).collect::<String>())
            }
        };
    }
    (best, what)
}

type Case = Box<dyn Fn(usize) -> (String, f64, String)>;

/// One shape: its name, the size label, and a runner taking the doubling index 0..=3.
struct Shape {
    name: &'static str,
    run: Case,
}

fn map_with(f: impl Fn(&mut JourneyMap)) -> JourneyMap {
    let mut map = JourneyMap::new("Adversarial");
    map.stages = vec![Stage::new("one"), Stage::new("two")];
    map.touchpoints = vec![Touchpoint {
        name: "site".into(),
        channel: "web".into(),
        stage: Some("one".into()),
        kind: Default::default(),
    }];
    map.steps = vec![Step::new("one", Some("site"))];
    f(&mut map);
    map
}

fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            name: "markov attribution, many channels (100 x 100 events)",
            run: Box::new(|i| {
                let n = 125u64 << i;
                let log = many_names_log(100, 100, n, 7);
                let (s, what) = time(
                    || log.attribution(&AttributionOptions::default()),
                    |r| format!("{} channels credited", r.rows.len()),
                );
                (format!("{n} channels"), s, what)
            }),
        },
        Shape {
            name: "markov attribution, many touchpoints at random (10 events each)",
            run: Box::new(|i| {
                let n = 1000usize << i;
                let log = many_names_log(n / 5, 10, n as u64, 11);
                let opts = AttributionOptions {
                    level: AttrLevel::Touchpoint,
                    ..Default::default()
                };
                let (s, what) = time(
                    || log.attribution(&opts),
                    |r| format!("{} touchpoints credited", r.rows.len()),
                );
                (format!("{n} touchpoints"), s, what)
            }),
        },
        Shape {
            name: "markov attribution, many touchpoints, each page seen by few customers",
            run: Box::new(|i| {
                // home, then 10 pages of which most are seen by one customer only (page ids
                // shared by pairs of customers), then a purchase for every third customer.
                let n = 8000usize << i;
                let mut csv = String::from("customer_id,timestamp,touchpoint,channel\n");
                for c in 0..n / 10 {
                    let _ = writeln!(csv, "c{c},0,home,web");
                    for j in 0..10 {
                        let _ = writeln!(csv, "c{c},{},p{},web", j + 1, (c / 2) * 10 + j + c % 2);
                    }
                    if c % 3 == 0 {
                        let _ = writeln!(csv, "c{c},20,purchase,web");
                    }
                }
                let log = load(&csv);
                let opts = AttributionOptions {
                    level: AttrLevel::Touchpoint,
                    ..Default::default()
                };
                let (s, what) = time(
                    || log.attribution(&opts),
                    |r| format!("{} touchpoints credited", r.rows.len()),
                );
                (format!("{} touchpoints", log.touchpoints().len()), s, what)
            }),
        },
        Shape {
            name: "funnel mode=any, one customer, all events in the window",
            run: Box::new(|i| {
                let n = 200_000usize << i;
                let mut csv = String::from("customer_id,timestamp,touchpoint\n");
                for e in 0..n {
                    let tp = ["view", "cart", "other", "view"][e % 4];
                    let _ = writeln!(csv, "a,{e},{tp}");
                }
                let _ = writeln!(csv, "a,{n},buy");
                let log = load(&csv);
                let mut opts = FunnelOptions::new(["view", "cart", "view", "buy"]);
                opts.mode = FunnelMode::Any;
                // Events a second apart: every size lies within one 60-day window.
                opts.window = "60d".parse().expect("a duration");
                let (s, what) = time(
                    || log.funnel(&opts),
                    |r| format!("reached {:?}", r.counts()),
                );
                (format!("{n} events"), s, what)
            }),
        },
        Shape {
            name: "map to_svg, one unbroken map name",
            run: Box::new(|i| {
                let n = 1_280_000usize << i;
                let map = map_with(|m| m.name = "N".repeat(n));
                let (s, what) = time(
                    || map_svg(&map, &MapSvgOptions::default()),
                    |svg| format!("{} KB of SVG", svg.len() / 1024),
                );
                (format!("{n} chars"), s, what)
            }),
        },
        Shape {
            name: "map to_svg, one unbroken persona description",
            run: Box::new(|i| {
                let n = 400_000usize << i;
                let map = map_with(|m| {
                    let mut p = Persona::new("P");
                    p.description = "d".repeat(n);
                    p.goals = vec!["g".repeat(n)];
                    m.personas.push(p);
                });
                let opts = MapSvgOptions {
                    persona: Some("P".into()),
                    ..Default::default()
                };
                let (s, what) = time(
                    || map_svg(&map, &opts),
                    |svg| format!("{} KB of SVG", svg.len() / 1024),
                );
                (format!("{n} chars"), s, what)
            }),
        },
        Shape {
            name: "map to_svg, one cell with many distinct actions",
            run: Box::new(|i| {
                let n = 80_000usize << i;
                let map = map_with(|m| {
                    m.steps[0].actions = (0..n).map(|k| format!("action {k}")).collect();
                });
                let (s, what) = time(
                    || map_svg(&map, &MapSvgOptions::default()),
                    |svg| format!("{} KB of SVG", svg.len() / 1024),
                );
                (format!("{n} actions"), s, what)
            }),
        },
        Shape {
            name: "daily retention + heatmap, n x n cohorts (cells double)",
            run: Box::new(|i| {
                // n^2 cells doubling: n = 500 x sqrt(2)^i.
                let n = (500.0 * 2f64.sqrt().powi(i as i32)).round() as usize;
                let mut csv = String::from("customer_id,timestamp,touchpoint\n");
                for c in 0..n {
                    // Customer c starts on day c and comes back every 7th day after.
                    for d in (c..n).step_by(7) {
                        let _ = writeln!(csv, "c{c},{},purchase", d as i64 * 86_400);
                    }
                }
                let log = load(&csv);
                let opts = RetentionOptions {
                    period: Period::Day,
                    periods: n as u32,
                    ..Default::default()
                };
                let (s, what) = time(
                    || {
                        log.retention(&opts).and_then(|r| {
                            Heatmap::from_retention(&r, "Daily cohorts")
                                .to_svg()
                                .map(|svg| (r.cohorts.len(), svg.len()))
                        })
                    },
                    |&(c, len)| format!("{c} cohorts, {} KB of SVG", len / 1024),
                );
                (format!("{n} x {n}"), s, what)
            }),
        },
        Shape {
            name: "transition graph + DOT + Mermaid, distinct touchpoints",
            run: Box::new(|i| {
                let n = 125_000usize << i;
                let mut csv = String::from("customer_id,timestamp,touchpoint\n");
                for c in 0..n / 2 {
                    let _ = writeln!(csv, "c{c},1,t{}\nc{c},2,t{}", 2 * c, 2 * c + 1);
                }
                let log = load(&csv);
                let (s, what) = time(
                    || {
                        log.transition_graph(&TransitionGraphOptions::default())
                            .map(|g| {
                                let m = g.to_mermaid().len() + g.to_dot().len();
                                (g.graph.node_count(), m)
                            })
                    },
                    |&(nodes, len)| format!("{nodes} nodes, {} KB of text", len / 1024),
                );
                (format!("{n} touchpoints"), s, what)
            }),
        },
        Shape {
            name: "report, 10k events over many channels",
            run: Box::new(|i| {
                let n = 125u64 << i;
                let log = many_names_log(100, 100, n, 5);
                let (s, what) = time(
                    || report(&log, None, &ReportOptions::default()),
                    |html| format!("{} KB of HTML", html.len() / 1024),
                );
                (format!("{n} channels"), s, what)
            }),
        },
        Shape {
            name: "report, daily retention of n x n cohorts",
            run: Box::new(|i| {
                let n = (250.0 * 2f64.sqrt().powi(i as i32)).round() as usize;
                let mut csv = String::from("customer_id,timestamp,touchpoint\n");
                for c in 0..n {
                    for d in (c..n).step_by(7) {
                        let _ = writeln!(csv, "c{c},{},purchase", d as i64 * 86_400);
                    }
                }
                let log = load(&csv);
                let opts = ReportOptions {
                    retention: RetentionOptions {
                        period: Period::Day,
                        periods: n as u32,
                        ..Default::default()
                    },
                    ..Default::default()
                };
                let (s, what) = time(
                    || report(&log, None, &opts),
                    |html| format!("{} KB of HTML", html.len() / 1024),
                );
                (format!("{n} x {n}"), s, what)
            }),
        },
    ]
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let unit = if wall() { "wall s" } else { "CPU s" };
    println!("| shape | size | time ({unit}) | ratio | outcome |");
    println!("|---|---|---:|---:|---|");
    let mut worst: f64 = 0.0;
    for shape in shapes().into_iter().filter(|s| s.name.contains(&filter)) {
        let mut prev: Option<f64> = None;
        for i in 0..4 {
            let (size, secs, what) = (shape.run)(i);
            // A refusal (a documented limit) is no time to compare.
            let failed = what.starts_with("error");
            let ratio = prev.filter(|_| !failed).map(|p| secs / p.max(1e-6));
            if let Some(r) = ratio {
                worst = worst.max(r);
            }
            println!(
                "| {} | {size} | {secs:.4} | {} | {what} |",
                if i == 0 { shape.name } else { "" },
                ratio.map_or("".into(), |r| format!("{r:.2}"))
            );
            prev = (!failed).then_some(secs);
        }
    }
    println!("\nlargest ratio: {worst:.2} (above 2.5 means a super-linear path)");
}
