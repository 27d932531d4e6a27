//! Live analyses: on random logs shaped like the shared vectors' logs, with the events dealt at
//! random into an initial log and up to five batches (so late events land before a customer's
//! earlier ones, new customers and names arrive, ties in time cross batches), every result of
//! a `LiveAnalysis` after every append equals, to the bit, the analysis of the log loaded from
//! all the rows so far, for every analysis that can be live and every option set the shared
//! vectors use for it. The live log is cut into shards of a few events at random (so appends
//! keep events aside for some customers, move others' into their shard, and cut shards that
//! grew in two), and moved whole at random points.

use journey_core::partial::{Analysis, Finished, RETRACTABLE};
use journey_core::{read_events_csv, LiveAnalysis, LoadOptions, RawEvent, Surveys, Ties};
use proptest::prelude::*;

mod common;
use common::{bits, build, cases, direct, random_rows, random_surveys, Case, Rng};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn live_results_equal_the_whole_log_after_every_append(
        seed in any::<u64>(),
        n_batches in 1usize..=5,
        input_ties in any::<bool>(),
    ) {
        let ties = if input_ties { Ties::Input } else { Ties::Content };
        let cases: Vec<Case> = cases()
            .into_iter()
            .filter(|c| RETRACTABLE.contains(&c.analysis.name()) && !c.analysis.needs_context())
            .collect();
        prop_assert!(cases.len() > 20, "{} cases", cases.len());
        let mut rng = Rng(seed | 1);
        for case in &cases {
            let rows = random_rows(&case.log, &case.conversions, &mut rng);
            // Batch 0 is the initial log; rows keep their order within a batch.
            let mut batches: Vec<Vec<RawEvent>> = vec![Vec::new(); n_batches + 1];
            for r in rows {
                batches[rng.below(n_batches + 1)].push(r);
            }
            let all: Vec<RawEvent> = batches.iter().flatten().cloned().collect();
            let whole = build(&case.log, &case.conversions, &all, ties);
            let surveys = if case.analysis.reads_surveys() {
                random_surveys(&whole, &mut rng)
            } else {
                Surveys::empty()
            };
            let first = build(&case.log, &case.conversions, &batches[0], ties);
            let live = LiveAnalysis::new(first, vec![case.analysis.clone()], Some(surveys.clone()), ties);
            let mut live = match live {
                Ok(l) => l,
                Err(e) => {
                    // Options the data refuses: the whole log refuses them too.
                    prop_assert!(direct(&whole, &surveys, &case.analysis).is_err(), "{}: {e}", case.name);
                    continue;
                }
            };
            // Shards of a few events (cut again as they grow, every append moving one of
            // them, events kept aside for the others), or the default of one shard.
            if rng.below(4) != 0 {
                live.reshard(1 + rng.below(6)).unwrap();
            }
            let mut so_far: Vec<RawEvent> = batches[0].clone();
            for b in &batches[1..] {
                live.append(&build(&case.log, &case.conversions, b, ties)).unwrap();
                // The events kept aside, or moved into their shards now: the same results.
                if rng.below(4) == 0 {
                    live.compact().unwrap();
                    prop_assert_eq!(live.layout().1, 0);
                }
                so_far.extend_from_slice(b);
                let log = build(&case.log, &case.conversions, &so_far, ties);
                prop_assert_eq!(live.n_events(), log.n_events());
                prop_assert_eq!(live.log().rows().collect::<Vec<_>>(), log.rows().collect::<Vec<_>>());
                prop_assert_eq!(live.log().touchpoints(), log.touchpoints());
                let want = direct(&log, &surveys, &case.analysis);
                let got = live.result(0);
                match (got, want) {
                    (Ok(g), Ok(w)) => prop_assert_eq!(bits(&g), bits(&w), "{}", case.name),
                    (g, w) => prop_assert_eq!(g.is_err(), w.is_err(), "{}: {:?} {:?}", case.name, g.err(), w.err()),
                }
            }
        }
    }
}

/// `Partial::retract` on partials of sub-logs (other name tables): by hand, the inverse of
/// merge; taking out the customer a remaining path was first seen with needs the record of
/// every customer of each path, which only live analyses keep.
#[test]
fn retract_by_hand() {
    use journey_core::partial::{Context, Partial};
    let csv = "customer_id,timestamp,touchpoint\na,1,x\na,2,purchase\nb,1,x\nb,2,purchase\nc,1,y\n";
    let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
    let a = Analysis::from_json(
        "attribution",
        &serde_json::json!({"model": "last_touch", "level": "touchpoint"}),
    )
    .unwrap();
    let part = |ids: &[&str]| -> Partial {
        log.sub_log(ids.iter().copied())
            .unwrap()
            .partial(&a, &Context::default())
            .unwrap()
    };
    let all = part(&["a", "b"]).merge(part(&["c"])).unwrap();
    let credits = |p: Partial| -> Vec<(String, f64)> {
        let Finished::Attribution(r) = p.finish().unwrap() else {
            unreachable!()
        };
        r.rows
            .iter()
            .map(|r| (r.channel.clone(), r.conversions))
            .collect()
    };
    assert_eq!(
        credits(all.clone()),
        [("x".to_string(), 2.0), ("y".to_string(), 0.0)]
    );
    // Without c: the same credits, and no null path left.
    let ab = all.clone().retract(part(&["c"])).unwrap();
    let Finished::Attribution(r) = ab.clone().finish().unwrap() else {
        unreachable!()
    };
    assert_eq!((r.total_conversions, r.total_null), (2.0, 0.0));
    assert_eq!(credits(ab.clone()), [("x".to_string(), 2.0)]);
    // Without b (a is still the first with path x): one conversion left.
    let Finished::Attribution(r) = all.clone().retract(part(&["b"])).unwrap().finish().unwrap()
    else {
        unreachable!()
    };
    assert_eq!((r.total_conversions, r.total_null), (1.0, 1.0));
    // Without a, b still has path x, first seen with a: an error without the record.
    let e = all.retract(part(&["a"])).unwrap_err();
    assert_eq!(e.code(), "partial_mismatch");
    assert!(e.to_string().contains("first seen"), "{e}");
    // Another analysis cannot be retracted from it.
    let f = Analysis::from_json("funnel", &serde_json::json!({"steps": ["x"]})).unwrap();
    let pf = log.partial(&f, &Context::default()).unwrap();
    assert_eq!(ab.retract(pf).unwrap_err().code(), "partial_mismatch");
}

/// The live log's layout, by hand: shards of about two events (cut at customers); each append
/// moves the events kept aside of one shard: the one with the most when they pass a quarter of
/// a shard's size (here: more than one event), else the next in turn; a shard grown to twice
/// its size is cut in two. The funnel equals the whole log's after every append, late events
/// included.
#[test]
fn shards_and_events_kept_aside_by_hand() {
    let o = LoadOptions::default();
    let head = "customer_id,timestamp,touchpoint\n";
    let load = |rows: &str| read_events_csv(format!("{head}{rows}").as_bytes(), &o).unwrap();
    let funnel = Analysis::from_json(
        "funnel",
        &serde_json::json!({"steps": ["view", "cart", "purchase"]}),
    )
    .unwrap();
    let log = load("a,0,view\nb,0,view\nc,0,view\nc,10,cart\nd,0,view\ne,0,view\n");
    let mut live = LiveAnalysis::new(log, vec![funnel], None, Ties::Content).unwrap();
    assert_eq!(live.layout(), (1, 0));
    // [a b] [c] [d e]: a shard ends once it holds two events.
    live.reshard(2).unwrap();
    assert_eq!(live.layout(), (3, 0));
    let counts = |live: &LiveAnalysis| -> Vec<u64> {
        let Finished::Funnel(f) = live.result(0).unwrap() else {
            unreachable!()
        };
        let Finished::Funnel(w) = journey_core::partial::Analysis::from_json(
            "funnel",
            &serde_json::json!({"steps": ["view", "cart", "purchase"]}),
        )
        .and_then(|a| {
            live.log()
                .partial(&a, &Default::default())
                .and_then(|p| p.finish())
        })
        .unwrap() else {
            unreachable!()
        };
        assert_eq!(f, w, "the live funnel is the whole log's");
        f.counts()
    };
    // a and e (known) and f (new, in the last shard) are touched: two events kept for the
    // last shard, more than one, so it moves before shard 0's turn: [d e f] holds four
    // events, cut in two ([d e] [f]); a's event stays aside.
    live.append(&load("a,5,cart\ne,20,cart\nf,1,view\n"))
        .unwrap();
    assert_eq!(live.layout(), (4, 1));
    assert_eq!(counts(&live), [6, 3, 0]);
    // A late cart for a (before its cart at 5), a purchase and b's cart: four events kept
    // for shard 0, which moves early ([a b] with six events, cut into [a] [b]).
    live.append(&load("a,30,purchase\na,3,cart\nb,1,cart\n"))
        .unwrap();
    assert_eq!(live.layout(), (5, 0));
    assert_eq!(counts(&live), [6, 4, 1]);
    // One event kept for [d e]: not more than one, so the shard in turn moves (shard 0,
    // [a], with nothing kept).
    live.append(&load("d,40,cart\n")).unwrap();
    assert_eq!(live.layout(), (5, 1));
    assert_eq!(counts(&live), [6, 5, 1]);
    // One event each for [b], [d e] and [f]: shard 1 ([b]) is next in turn and takes b's
    // purchase (three events: not cut); d's cart and g's view wait.
    live.append(&load("g,0,view\nb,50,purchase\n")).unwrap();
    assert_eq!(live.layout(), (5, 2));
    assert_eq!(counts(&live), [7, 5, 2]);
    let a: Vec<String> = {
        let log = live.log();
        let j = log.journey_of("a").unwrap();
        j.touchpoints()
            .iter()
            .map(|&t| log.touchpoint_name(t).to_string())
            .collect()
    };
    assert_eq!(a, ["view", "cart", "cart", "purchase"]);
    // Every shard takes in its kept events: [d e] holds four, cut in two ([d] [e]).
    live.compact().unwrap();
    assert_eq!(live.layout(), (6, 0));
    assert_eq!(live.n_events(), 15);
    assert_eq!(counts(&live), [7, 5, 2]);
}

/// New customers whose ids sort after every known id all land in the last shard: it moves
/// as soon as its kept events pass a 16th of a shard's size, so they do not pile up until
/// its turn. 100 customers of 4 events in shards of 32 events: 13 shards (12 of 8
/// customers, the last of 4), a shard moves early with more than 2 events kept. One new
/// customer a round: 1, 2 kept (the shards in turn move, with nothing kept), then 3 move
/// early; without the early move the last shard's turn would come in round 13.
#[test]
fn new_ids_that_sort_last_do_not_pile_up() {
    let o = LoadOptions::default();
    let head = "customer_id,timestamp,touchpoint\n";
    let load = |rows: &str| read_events_csv(format!("{head}{rows}").as_bytes(), &o).unwrap();
    let mut rows = String::new();
    for c in 0..100 {
        for t in 0..4 {
            rows.push_str(&format!("a{c:03},{t},view\n"));
        }
    }
    let funnel =
        Analysis::from_json("funnel", &serde_json::json!({"steps": ["view", "buy"]})).unwrap();
    let mut live = LiveAnalysis::new(load(&rows), vec![funnel], None, Ties::Content).unwrap();
    live.reshard(32).unwrap();
    assert_eq!(live.layout(), (13, 0));
    let mut kept = Vec::new();
    for round in 0..9 {
        live.append(&load(&format!("z{round},100,buy\n"))).unwrap();
        kept.push(live.layout().1);
        assert_eq!(live.layout().0, 13);
    }
    assert_eq!(kept, [1, 2, 0, 1, 2, 0, 1, 2, 0]);
    let Finished::Funnel(f) = live.result(0).unwrap() else {
        panic!("a funnel")
    };
    // The new customers only bought: 100 viewed, none of them bought after a view.
    assert_eq!(f.counts(), [100, 0]);
    assert_eq!(live.n_events(), 409);
    assert_eq!(live.log().customer_ids().last().unwrap(), "z8");
}

/// A batch named with another tie rule than the live analysis's is refused and changes
/// nothing; a batch whose rule is not named is taken.
#[test]
fn append_with_another_tie_rule_is_refused() {
    let o = LoadOptions::default();
    let load = |s: &str| read_events_csv(s.as_bytes(), &o).unwrap();
    let head = "customer_id,timestamp,touchpoint\n";
    let funnel =
        Analysis::from_json("funnel", &serde_json::json!({"steps": ["view", "cart"]})).unwrap();
    let mut live = LiveAnalysis::new(
        load(&format!("{head}a,0,view\nb,0,view\n")),
        vec![funnel],
        None,
        Ties::Content,
    )
    .unwrap();
    let batch = load(&format!("{head}a,60,cart\n"));
    let e = live
        .append_with_ties(&batch, Some(Ties::Input))
        .unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    assert!(e.to_string().contains("ties"), "{e}");
    assert_eq!(live.n_events(), 2);
    let Finished::Funnel(f) = live.result(0).unwrap() else {
        panic!("a funnel")
    };
    assert_eq!(f.counts(), [2, 0]);
    live.append_with_ties(&batch, Some(Ties::Content)).unwrap();
    live.append_with_ties(&load(&format!("{head}b,60,cart\n")), None)
        .unwrap();
    assert_eq!(live.n_events(), 4);
    let Finished::Funnel(f) = live.result(0).unwrap() else {
        panic!("a funnel")
    };
    assert_eq!(f.counts(), [2, 2]);
}

/// A live Markov attribution keeps only the paths with conversions: when a late event moves
/// a's conversion from path `x` to path `y > x`, path `x` is left with b's journey alone
/// (no conversion) and lives on in the chain's counts only. By hand, order 1: the chain goes
/// start -> y, start -> x (one path each), y -> x, x -> conversion and x -> null (one each):
/// P(conversion) = 1/2 * 1/2 + 1/2 * 1/2 = 1/2; without y, 1/2 * 1/2 = 1/4 (removal effect
/// 1/2); without x, 0 (removal effect 1). The one conversion (value 30) goes 2/3 to x, 1/3 to y.
#[test]
fn live_markov_path_losing_its_conversion_by_hand() {
    let o = LoadOptions::default();
    let head = "customer_id,timestamp,touchpoint,value\n";
    let load = |rows: &str| read_events_csv(format!("{head}{rows}").as_bytes(), &o).unwrap();
    let markov = Analysis::from_json(
        "attribution",
        &serde_json::json!({"model": "markov", "level": "touchpoint"}),
    )
    .unwrap();
    let log = load("a,10,x,\na,20,purchase,30\nb,10,x,\n");
    let mut live = LiveAnalysis::new(log, vec![markov.clone()], None, Ties::Content).unwrap();
    live.append(&load("a,5,y,\n")).unwrap();
    let Finished::Attribution(r) = live.result(0).unwrap() else {
        panic!("an attribution")
    };
    let rows: Vec<(&str, f64, f64, Option<f64>)> = r
        .rows
        .iter()
        .map(|r| (r.channel.as_str(), r.conversions, r.value, r.removal_effect))
        .collect();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (x, y) = (rows[0], rows[1]);
    assert_eq!((x.0, y.0), ("x", "y"));
    assert!(close(x.1, 2.0 / 3.0) && close(y.1, 1.0 / 3.0), "{rows:?}");
    assert!(close(x.2, 20.0) && close(y.2, 10.0), "{rows:?}");
    assert!(
        close(x.3.unwrap(), 1.0) && close(y.3.unwrap(), 0.5),
        "{rows:?}"
    );
    assert_eq!((r.total_conversions, r.total_null), (1.0, 1.0));
    // The same, to the bit, as the whole log's.
    let Finished::Attribution(w) = live
        .log()
        .partial(&markov, &Default::default())
        .and_then(|p| p.finish())
        .unwrap()
    else {
        panic!("an attribution")
    };
    assert_eq!(r, w);
}
