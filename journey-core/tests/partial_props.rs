//! Proof of equality for partial results: on random logs shaped like the shared vectors' logs
//! (their touchpoints, channels, properties and time span), customers split at random into 1 to
//! 8 parts, each part's partial sent through bytes and the partials merged in a random tree,
//! the finished result equals the single-machine result to the bit, for every analysis with a
//! partial form and every option set the shared vectors use for it.

use journey_core::partial::{Analysis, Context, Finished, Partial, ANALYSES};
use journey_core::{EventLog, Surveys, Ties};
use proptest::prelude::*;

mod common;
use common::{bits, build, cases, direct, random_rows, random_surveys, Rng};

/// A random log over the names and time span of `like`: up to 12 customers, up to 60 events,
/// times on a coarse grid (so equal timestamps happen) spread over the span and a few weeks
/// beyond, values with cents on some events.
fn random_log(like: &EventLog, conversions: &[String], rng: &mut Rng) -> EventLog {
    build(
        like,
        conversions,
        &random_rows(like, conversions, rng),
        Ties::default(),
    )
}

/// Splits the customers of `log` at random into `k` parts (some may be empty).
fn split(log: &EventLog, k: usize, rng: &mut Rng) -> Vec<EventLog> {
    let mut groups: Vec<Vec<String>> = vec![Vec::new(); k];
    for id in log.customer_ids() {
        groups[rng.below(k)].push(id.clone());
    }
    groups.iter().map(|g| log.sub_log(g).unwrap()).collect()
}

/// The responses of each part's customers; customers without events go to a random part.
fn split_surveys(surveys: &Surveys, parts: &[EventLog], rng: &mut Rng) -> Vec<Surveys> {
    let mut home: std::collections::BTreeMap<String, usize> = Default::default();
    for (i, p) in parts.iter().enumerate() {
        for id in p.customer_ids() {
            home.insert(id.clone(), i);
        }
    }
    for id in surveys.customer_ids() {
        if !home.contains_key(id) {
            home.insert(id.clone(), rng.below(parts.len()));
        }
    }
    (0..parts.len())
        .map(|i| surveys.select_customers(|id| home[id] == i))
        .collect()
}

/// Merges partials in a random tree, each partial through its bytes first.
fn merge_tree(mut parts: Vec<Partial>, rng: &mut Rng) -> Partial {
    parts = parts
        .into_iter()
        .map(|p| Partial::from_bytes(&p.to_bytes()).unwrap())
        .collect();
    while parts.len() > 1 {
        let i = rng.below(parts.len());
        let a = parts.swap_remove(i);
        let j = rng.below(parts.len());
        let b = parts.swap_remove(j);
        let m = if rng.below(2) == 0 {
            a.merge(b)
        } else {
            b.merge(a)
        }
        .unwrap();
        parts.push(Partial::from_bytes(&m.to_bytes()).unwrap());
    }
    parts.pop().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn merged_partials_finish_to_the_single_machine_result(seed in any::<u64>(), k in 1usize..=8) {
        let cases = cases();
        prop_assert!(!cases.is_empty());
        let mut rng = Rng(seed | 1);
        for case in &cases {
            let log = random_log(&case.log, &case.conversions, &mut rng);
            let surveys = if case.analysis.reads_surveys() {
                random_surveys(&log, &mut rng)
            } else {
                Surveys::empty()
            };
            let parts = split(&log, k, &mut rng);
            let part_surveys = split_surveys(&surveys, &parts, &mut rng);
            let analysis = match &case.report_args {
                None => case.analysis.clone(),
                Some(args) => {
                    // The first pass: the default funnel over every partition.
                    let a = Analysis::from_json("funnel_steps", &serde_json::json!({})).unwrap();
                    let ps = parts.iter().map(|p| p.partial(&a, &Context::default()).unwrap());
                    let Finished::FunnelSteps(steps) =
                        merge_tree(ps.collect(), &mut rng).finish().unwrap()
                    else {
                        unreachable!()
                    };
                    let mut args = args.clone();
                    args["funnel_steps"] = serde_json::json!(steps);
                    Analysis::from_json("report", &args).unwrap()
                }
            };
            let want = direct(&log, &surveys, &analysis);
            let ctx = parts
                .iter()
                .map(Context::of)
                .try_fold(Context::default(), |a, b| a.merge(&b))
                .unwrap();
            let partials: Result<Vec<Partial>, _> =
                parts
                    .iter()
                    .zip(&part_surveys)
                    .map(|(p, s)| p.partial_with_surveys(&analysis, &ctx, Some(s)))
                    .collect();
            match (want, partials) {
                (Ok(want), Ok(partials)) => {
                    let got = merge_tree(partials, &mut rng).finish().unwrap();
                    prop_assert_eq!(bits(&got), bits(&want), "{}", case.name);
                    prop_assert_eq!(got, want, "{}", case.name);
                }
                // An option that is wrong for this log is wrong for every partition as well.
                (Err(a), Err(b)) => prop_assert_eq!(a.code(), b.code(), "{}", case.name),
                (w, p) => prop_assert!(
                    false,
                    "{}: direct {:?}, partials {:?}",
                    case.name,
                    w.err(),
                    p.err()
                ),
            }
        }
    }
}

#[test]
fn every_analysis_has_vector_cases() {
    let cases = cases();
    for a in ANALYSES {
        assert!(
            cases.iter().any(|c| c.analysis.name() == *a),
            "no shared vector exercises {a}"
        );
    }
}
