//! Properties of loading and of the map format.

use journey_core::model::{Kind, Persona, Stage, Step, Touchpoint};
use journey_core::{read_events_csv, EventLog, JourneyMap, LoadOptions, Mode, Ties};
use proptest::prelude::*;

mod common;
/// `(customer, seconds, touchpoint, channel, stage, value, alpha, zeta)`.
use common::TieRow;

/// Rows `(customer, seconds, touchpoint, value)` with distinct times per customer, so the order
/// of a customer's events is fully determined by time.
fn rows() -> impl Strategy<Value = Vec<(u8, i64, u8, Option<u16>)>> {
    proptest::collection::vec(
        (0u8..6, 0i64..40, 0u8..5, proptest::option::of(0u16..500)),
        0..40,
    )
    .prop_map(|mut v| {
        v.sort_by_key(|r| (r.0, r.1));
        v.dedup_by_key(|r| (r.0, r.1));
        v
    })
}

fn csv(rows: &[(u8, i64, u8, Option<u16>)]) -> String {
    let mut s = String::from("touchpoint,value,customer_id,timestamp\n");
    for (c, t, tp, v) in rows {
        let v = v.map(|v| format!("{}.5", v)).unwrap_or_default();
        s.push_str(&format!("tp{tp},{v},cust{c},{}\n", 1_767_225_600 + t));
    }
    s
}

fn snapshot(log: &EventLog) -> (Vec<journey_core::RawEvent>, Vec<String>, Vec<String>) {
    (
        log.rows().collect(),
        log.customer_ids().to_vec(),
        log.touchpoints().to_vec(),
    )
}

proptest! {
    #[test]
    fn any_permutation_of_rows_gives_the_same_log(
        rows in rows(),
        seed in any::<u64>(),
    ) {
        let mut shuffled = rows.clone();
        // Fisher-Yates with a small LCG: proptest shrinks `seed`, not the permutation.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        let a = read_events_csv(csv(&rows).as_bytes(), &LoadOptions::default()).unwrap();
        let b = read_events_csv(csv(&shuffled).as_bytes(), &LoadOptions::default()).unwrap();
        prop_assert_eq!(snapshot(&a), snapshot(&b));
        prop_assert_eq!(a.n_events(), rows.len());
        // Each journey is in time order.
        for j in a.journeys() {
            prop_assert!(j.timestamps().windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn ties_keep_input_order_when_asked(n in 1usize..8, c in 0u8..3) {
        // n events of one customer at one instant: with ties="input", their order is the input
        // order; by default (content), the order of their touchpoint names.
        let mut s = String::from("customer_id,timestamp,touchpoint\n");
        for i in 0..n {
            s.push_str(&format!("other,5,x\ncust{c},7,step{}\n", n - i));
        }
        let names = |opts: &LoadOptions| -> Vec<String> {
            let log = read_events_csv(s.as_bytes(), opts).unwrap();
            let j = log.journey_of(&format!("cust{c}")).unwrap();
            j.touchpoints().iter().map(|&t| log.touchpoint_name(t).to_string()).collect()
        };
        let input = LoadOptions { ties: Ties::Input, ..Default::default() };
        let expected: Vec<String> = (0..n).map(|i| format!("step{}", n - i)).collect();
        prop_assert_eq!(names(&input), expected.clone());
        let mut by_name = expected;
        by_name.sort();
        prop_assert_eq!(names(&LoadOptions::default()), by_name);
    }

    /// The content rule: shuffling the rows of a log full of ties (few instants, repeated
    /// touchpoints, blanks everywhere) gives the identical log, column for column.
    #[test]
    fn shuffled_rows_with_ties_give_the_identical_log(
        rows in proptest::collection::vec(
            (0u8..3, 0i64..3, 0u8..4, proptest::option::of(0u8..3), proptest::option::of(0u8..3),
             proptest::option::of(-2i8..3), proptest::option::of(0u8..3), proptest::option::of(0u8..2)),
            0..60),
        seed in any::<u64>(),
        sequence in any::<bool>(),
    ) {
        // Property columns named so that the order of their names (alpha, zeta) differs from
        // their order in the header.
        let header = if sequence {
            "zeta,customer_id,timestamp,touchpoint,channel,stage,value,alpha,sequence\n"
        } else {
            "zeta,customer_id,timestamp,touchpoint,channel,stage,value,alpha\n"
        };
        let line = |r: &TieRow| {
            let (c, t, tp, ch, st, v, a, z) = *r;
            let opt = |o: Option<u8>, p: &str| o.map(|x| format!("{p}{x}")).unwrap_or_default();
            let stage = st.map(|x| ["awareness", "purchase", "zz_custom"][x as usize]).unwrap_or("");
            let mut l = format!(
                "{},c{c},{},tp{tp},{},{stage},{},{}",
                opt(z, "z"),
                1_767_225_600 + t,
                opt(ch, "ch"),
                v.map(|v| format!("{}", v as f64 / 2.0)).unwrap_or_default(),
                opt(a, "a"),
            );
            if sequence {
                l.push_str(&format!(",{}", (tp as i64 + t) % 2));
            }
            l + "\n"
        };
        let mut shuffled = rows.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        let text = |rs: &[_]| -> String { header.to_string() + &rs.iter().map(line).collect::<String>() };
        let a = read_events_csv(text(&rows).as_bytes(), &LoadOptions::default()).unwrap();
        let b = read_events_csv(text(&shuffled).as_bytes(), &LoadOptions::default()).unwrap();
        prop_assert_eq!(a.customer_ids(), b.customer_ids());
        prop_assert_eq!(a.offsets(), b.offsets());
        prop_assert_eq!(a.timestamps(), b.timestamps());
        prop_assert_eq!(a.touchpoint_ids(), b.touchpoint_ids());
        prop_assert_eq!(a.channel_ids(), b.channel_ids());
        prop_assert_eq!(a.stage_ids(), b.stage_ids());
        let bits = |l: &EventLog| l.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&a), bits(&b));
        prop_assert_eq!(a.properties(), b.properties());
        prop_assert_eq!(snapshot(&a), snapshot(&b));
        // Within an instant (and sequence), events are in content order: touchpoint first.
        for j in a.journeys() {
            for w in j.range().collect::<Vec<_>>().windows(2) {
                let (i, k) = (w[0], w[1]);
                prop_assert!(a.timestamps()[i] <= a.timestamps()[k]);
                if a.timestamps()[i] == a.timestamps()[k] && !sequence {
                    prop_assert!(a.touchpoint_ids()[i] <= a.touchpoint_ids()[k]);
                }
            }
        }
    }

    #[test]
    fn lenient_load_keeps_exactly_the_good_rows(
        rows in rows(),
        bad in proptest::collection::vec(0usize..40, 0..5),
    ) {
        let mut text = String::from("customer_id,timestamp,touchpoint\n");
        let mut good = 0;
        for (i, (c, t, tp, _)) in rows.iter().enumerate() {
            if bad.contains(&i) {
                text.push_str(&format!("cust{c},not-a-time,tp{tp}\n"));
            } else {
                text.push_str(&format!("cust{c},{},tp{tp}\n", 1_767_225_600 + t));
                good += 1;
            }
        }
        let opts = LoadOptions { mode: Mode::Lenient, ..Default::default() };
        let log = read_events_csv(text.as_bytes(), &opts).unwrap();
        let r = log.load_report();
        prop_assert_eq!(log.n_events(), good);
        prop_assert_eq!(r.rows_read as usize, rows.len());
        prop_assert_eq!(r.rows_kept as usize, good);
        prop_assert_eq!(r.rows_skipped as usize, rows.len() - good);
        prop_assert_eq!(r.errors.len(), (rows.len() - good).min(10));
    }

    #[test]
    fn csv_write_read_round_trip(rows in rows()) {
        let a = read_events_csv(csv(&rows).as_bytes(), &LoadOptions::default()).unwrap();
        let b = read_events_csv(a.to_csv_string().unwrap().as_bytes(), &LoadOptions::default()).unwrap();
        prop_assert_eq!(snapshot(&a), snapshot(&b));
    }
}

fn text() -> impl Strategy<Value = String> {
    // Hostile characters included: quotes, markup, newlines, non-ASCII.
    "[a-zA-Z0-9 <>&\"'\n\u{e9}\u{1F600}]{1,12}"
}

fn map_strategy() -> impl Strategy<Value = JourneyMap> {
    (
        text(),
        proptest::collection::vec(text(), 1..4),
        proptest::collection::vec((text(), any::<bool>()), 0..5),
        proptest::collection::vec(
            (
                0usize..8,
                0usize..8,
                proptest::option::of(-2.0f64..=2.0),
                proptest::collection::vec(text(), 0..3),
            ),
            0..8,
        ),
    )
        .prop_map(|(name, personas, tps, steps)| {
            let mut m = JourneyMap::new(name);
            let mut seen = std::collections::BTreeSet::new();
            for p in personas {
                if seen.insert(p.clone()) {
                    m.personas.push(Persona {
                        goals: vec![p.clone()],
                        ..Persona::new(p)
                    });
                }
            }
            let mut seen = std::collections::BTreeSet::new();
            for (i, (t, physical)) in tps.into_iter().enumerate() {
                if seen.insert(t.clone()) {
                    m.touchpoints.push(Touchpoint {
                        name: t,
                        channel: "web".into(),
                        stage: Some(m.stages[i % 5].name.clone()),
                        kind: if physical {
                            Kind::Physical
                        } else {
                            Kind::Digital
                        },
                    });
                }
            }
            m.stages.push(Stage {
                name: "custom".into(),
                description: "own stage".into(),
            });
            for (s, t, emotion, pains) in steps {
                let stage = m.stages[s % m.stages.len()].name.clone();
                let tp = (!m.touchpoints.is_empty() && t % 2 == 0)
                    .then(|| m.touchpoints[t % m.touchpoints.len()].name.clone());
                let mut step = Step::new(stage, tp.as_deref());
                step.emotion = emotion;
                step.pain_points = pains;
                step.persona = Some(m.personas[t % m.personas.len()].name.clone());
                step.metrics.insert("reach".into(), t as f64 / 7.0);
                m.steps.push(step);
            }
            m
        })
}

proptest! {
    #[test]
    fn map_json_round_trip(m in map_strategy()) {
        let json = m.to_json().unwrap();
        let back = JourneyMap::from_json(&json).unwrap();
        prop_assert_eq!(back, m);
    }
}
