use serde_json::json;

use super::*;
use crate::read_events_csv;

const CSV: &str = "customer_id,timestamp,touchpoint,persona\n\
    a,0,view,x\na,60,cart,x\na,90,purchase,x\n\
    b,0,view,y\nb,30,cart,\n\
    c,10,view,\nc,20,ad,\nc,4000000,cart,\n\
    d,5,cart,x\n";

fn log() -> EventLog {
    read_events_csv(CSV.as_bytes(), &Default::default()).unwrap()
}

fn funnel(extra: Value) -> Analysis {
    let mut v = json!({"steps": ["view", "cart", "purchase"], "dropped_ids": true});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    Analysis::from_json("funnel", &v).unwrap()
}

fn halves(log: &EventLog) -> (EventLog, EventLog) {
    (
        log.sub_log(["a", "c"]).unwrap(),
        log.sub_log(["b", "d"]).unwrap(),
    )
}

#[test]
fn funnel_split_in_two_equals_the_whole() {
    let log = log();
    let (l, r) = halves(&log);
    for extra in [
        json!({}),
        json!({"mode": "strict"}),
        json!({"mode": "any"}),
        json!({"breakdown": "persona"}),
        json!({"breakdown": "first_touch_channel", "first_attempt": true}),
        json!({"exclude": ["ad"], "window": "1d"}),
        // Open windows: c's cart (day 46) is inside a 60-day window, so b and c are in
        // progress at the end; as of 45 s only c's view counts and b's window is open.
        json!({"window": "60d"}),
        json!({"window": "60d", "as_of": "end", "breakdown": "persona"}),
        json!({"window": "60d", "as_of": 45}),
        json!({"window": "60s", "as_of": "1970-01-01T00:00:45Z", "mode": "any"}),
        json!({"window": "60d", "as_of": false}),
    ] {
        let a = funnel(extra.clone());
        let Analysis::Funnel(o) = &a else {
            unreachable!()
        };
        let whole = log.funnel(o).unwrap();
        let ctx = Context::default();
        let p = l.partial(&a, &ctx).unwrap();
        let q = r.partial(&a, &ctx).unwrap();
        let q = Partial::from_bytes(&q.to_bytes()).unwrap();
        let Finished::Funnel(f) = p.clone().merge(q.clone()).unwrap().finish().unwrap() else {
            unreachable!()
        };
        assert_eq!(f, whole, "{extra}");
        let Finished::Funnel(g) = q.merge(p).unwrap().finish().unwrap() else {
            unreachable!()
        };
        assert_eq!(g, whole, "{extra}");
    }
    // By hand: a and b reach the cart (b drops there), c's cart is after the window.
    let Finished::Funnel(f) = log
        .partial(&funnel(json!({})), &Context::default())
        .unwrap()
        .finish()
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(f.counts(), [3, 2, 1]);
    assert_eq!(
        f.steps[1].dropped_ids.as_deref(),
        Some(&["c".to_string()][..])
    );
    assert_eq!(
        f.steps[2].dropped_ids.as_deref(),
        Some(&["b".to_string()][..])
    );
    // Times from view to cart: 60 s (a) and 30 s (b).
    assert_eq!(f.steps[1].median_time_from_previous_s, Some(45.0));
}

/// The open-window example of docs/journeys.md (window 10 s) without g's late cart: the data
/// ends at 19 (g's view). a bought by 8; b's window closed at 10; c (cart at 16) may still buy;
/// d, e, f (view at 14) and g may still reach cart.
const OPEN: &str = "customer_id,timestamp,touchpoint\n\
    a,0,view\na,5,cart\na,8,buy\nb,0,view\nb,5,cart\nc,15,view\nc,16,cart\n\
    d,18,view\ne,12,view\nf,0,view\nf,14,view\ng,19,view\n";

fn open_funnel(extra: Value) -> Analysis {
    let mut v = json!({"steps": ["view", "cart", "buy"], "window": "10s"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    Analysis::from_json("funnel", &v).unwrap()
}

fn finished_funnel(p: Partial) -> crate::metrics::funnel::FunnelResult {
    let Finished::Funnel(f) = p.finish().unwrap() else {
        unreachable!()
    };
    f
}

fn in_progress(f: &crate::metrics::funnel::FunnelResult) -> Vec<u64> {
    let o = f.open.as_ref().unwrap();
    o.steps.iter().map(|s| s.in_progress).collect()
}

#[test]
fn funnel_open_windows_of_two_halves_by_hand() {
    let log = read_events_csv(OPEN.as_bytes(), &Default::default()).unwrap();
    let ctx = Context::default();
    // {a, c, e, g} ends at 19, {b, d, f} at 18: as of the end of each half, f's and e's windows
    // (to 24 and 22) are open; as of 19 for the whole.
    let p = log.sub_log(["a", "c", "e", "g"]).unwrap();
    let q = log.sub_log(["b", "d", "f"]).unwrap();
    for extra in [json!({}), json!({"as_of": "end"}), json!({"as_of": null})] {
        let a = open_funnel(extra.clone());
        let pp = p.partial(&a, &ctx).unwrap();
        let qq = Partial::from_bytes(&q.partial(&a, &ctx).unwrap().to_bytes()).unwrap();
        let f = finished_funnel(pp.merge(qq).unwrap());
        let Analysis::Funnel(o) = &a else {
            unreachable!()
        };
        assert_eq!(f, log.funnel(o).unwrap(), "{extra}");
        assert_eq!(f.counts(), [7, 3, 1]);
        assert_eq!(in_progress(&f), [0, 4, 1]);
        let open = f.open.as_ref().unwrap();
        assert_eq!(open.as_of.as_deref(), Some("1970-01-01T00:00:19Z"));
        assert_eq!((open.in_progress, open.conversion), (5, Some(0.5)));
        assert_eq!((open.steps[1].dropped, open.steps[2].dropped), (0, 1));
    }
    // As of 15: only what happened by then (c's cart at 16 not yet); a finished; b's window
    // closed at 10; c, e and f (view at 14) may still reach cart, d and g had not started.
    let a = open_funnel(json!({"as_of": 15}));
    let f = finished_funnel(
        p.partial(&a, &ctx)
            .unwrap()
            .merge(q.partial(&a, &ctx).unwrap())
            .unwrap(),
    );
    assert_eq!(f.counts(), [5, 2, 1]);
    assert_eq!(in_progress(&f), [0, 3, 0]);
    // Off: no open windows, the plain counts.
    let a = open_funnel(json!({"as_of": false}));
    let f = finished_funnel(
        p.partial(&a, &ctx)
            .unwrap()
            .merge(q.partial(&a, &ctx).unwrap())
            .unwrap(),
    );
    assert!(f.open.is_none());
    assert_eq!(f.counts(), [7, 3, 1]);
}

/// A live analysis's steps by hand: retract a customer's old partial, merge their new one. The
/// end moves from 19 to 25, closing c's, e's and f's windows; their keys are dropped, so a later
/// retract of e (whose own partial still holds e's key) passes over it.
#[test]
fn funnel_open_windows_retract_by_hand() {
    let ctx = Context::default();
    let a = open_funnel(json!({}));
    let Analysis::Funnel(o) = &a else {
        unreachable!()
    };
    let load = |csv: &str| read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let before = load(OPEN);
    let whole = before.partial(&a, &ctx).unwrap();
    // g adds to cart at 25: g's old partial out, the new one in.
    let g_old = before.sub_log(["g"]).unwrap().partial(&a, &ctx).unwrap();
    let after = load(&format!("{OPEN}g,25,cart\n"));
    let g_new = after.sub_log(["g"]).unwrap().partial(&a, &ctx).unwrap();
    let live = whole.retract(g_old).unwrap().merge(g_new).unwrap();
    let f = finished_funnel(live.clone());
    assert_eq!(f, after.funnel(o).unwrap());
    // As of 25: d (to 28) at cart and g (to 29) at buy; c's window closed at 25.
    assert_eq!(f.counts(), [7, 4, 1]);
    assert_eq!(in_progress(&f), [0, 1, 1]);
    assert_eq!(f.open.as_ref().unwrap().conversion, Some(0.2));
    // Only d's and g's keys are left (e, f and c closed).
    let State::Funnel(s) = &live.state else {
        unreachable!()
    };
    assert_eq!(
        s.open_keys_for_test(),
        [(1, 18_000_000, 1), (2, 19_000_000, 1)]
    );
    // e views again at 26: e's old partial holds the key 12 s, gone from the live state.
    let e_old = after.sub_log(["e"]).unwrap().partial(&a, &ctx).unwrap();
    let later = load(&format!("{OPEN}g,25,cart\ne,26,view\n"));
    let e_new = later.sub_log(["e"]).unwrap().partial(&a, &ctx).unwrap();
    let live = live.retract(e_old).unwrap().merge(e_new).unwrap();
    let f = finished_funnel(live);
    assert_eq!(f, later.funnel(o).unwrap());
    // As of 26: d (to 28) and e (to 36) at cart, g at buy.
    assert_eq!(in_progress(&f), [0, 2, 1]);
}

#[test]
fn select_customers_keeps_whole_journeys() {
    let log = log();
    let s = log.sub_log(["c"]).unwrap();
    assert_eq!(s.n_customers(), 1);
    assert_eq!(s.n_events(), 3);
    assert_eq!(s.touchpoints(), ["ad", "cart", "view"]);
    assert_eq!(s.properties()[0].name, "persona");
    let e = log.sub_log(["zz"]).unwrap_err();
    assert!(e.to_string().contains("\"zz\" is not a customer"), "{e}");
}

#[test]
fn mismatches_are_errors() {
    let log = log();
    let (l, r) = halves(&log);
    let ctx = Context::default();
    let p = l.partial(&funnel(json!({})), &ctx).unwrap();
    let strict = r.partial(&funnel(json!({"mode": "strict"})), &ctx).unwrap();
    let e = p.clone().merge(strict).unwrap_err();
    assert_eq!(e.code(), "partial_mismatch");
    assert!(e.to_string().contains("other options"), "{e}");
    assert!(
        e.to_string()
            .ends_with("other options: mode \"ordered\" and \"strict\""),
        "{e}"
    );

    let mut other = r.clone();
    other.set_conversions(&["cart"]);
    let q = other.partial(&funnel(json!({})), &ctx).unwrap();
    let e = p.clone().merge(q).unwrap_err();
    assert!(e.to_string().contains("[purchase] and [cart]"), "{e}");

    let e = Partial::merge_all([]).unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    let e = Analysis::from_json("funel", &json!({})).unwrap_err();
    assert!(e.to_string().contains("expected one of funnel"), "{e}");
}

#[test]
fn bad_bytes_are_errors() {
    let p = log()
        .partial(&funnel(json!({})), &Context::default())
        .unwrap();
    let b = p.to_bytes();
    assert_eq!(Partial::from_bytes(&b).unwrap(), p);

    let e = Partial::from_bytes(b"hello").unwrap_err();
    assert_eq!(e.code(), "invalid_partial");
    assert!(e.to_string().contains("not a journey partial"), "{e}");

    let mut v2 = b.clone();
    v2[8] = 4;
    let e = Partial::from_bytes(&v2).unwrap_err();
    assert!(
        e.to_string().contains("format version 4") && e.to_string().contains("reads version 3"),
        "{e}"
    );

    for at in [12, b.len() / 2, b.len() - 9, b.len() - 1] {
        let mut c = b.clone();
        c[at] ^= 0x40;
        let e = Partial::from_bytes(&c).unwrap_err();
        assert!(e.to_string().contains("checksum mismatch"), "{at}: {e}");
    }
    let e = Partial::from_bytes(&b[..b.len() - 3]).unwrap_err();
    assert_eq!(e.code(), "invalid_partial");

    // A context's bytes are not a partial's, and the other way round.
    let e = Partial::from_bytes(&Context::of(&log()).to_bytes()).unwrap_err();
    assert!(e.to_string().contains("not a journey partial"), "{e}");
    let e = Context::from_bytes(&b).unwrap_err();
    assert!(e.to_string().contains("not a journey context"), "{e}");
}

#[test]
fn contexts_merge_and_round_trip() {
    let log = log();
    let (l, r) = halves(&log);
    let c = Context::of(&l).merge(&Context::of(&r)).unwrap();
    assert_eq!(c, Context::of(&log));
    assert_eq!(
        (c.first_us(), c.last_us()),
        (Some(0), Some(4_000_000_000_000))
    );
    assert_eq!(Context::from_bytes(&c.to_bytes()).unwrap(), c);
    let empty = Context::default();
    assert_eq!(empty.merge(&c).unwrap(), c);
    assert_eq!(Context::from_bytes(&empty.to_bytes()).unwrap(), empty);
}

const SHOP: &str = "customer_id,timestamp,touchpoint,value\n\
    a,2026-01-05T09:00:00Z,purchase,10.1\n\
    a,2026-01-13T09:00:00Z,purchase,20.2\n\
    a,2026-01-27T09:00:00Z,purchase,30.3\n\
    b,2026-01-04T09:00:00Z,site,\n\
    b,2026-01-07T09:00:00Z,purchase,5\n\
    b,2026-01-08T09:00:00Z,purchase,\n\
    c,2026-01-14T09:00:00Z,purchase,0.7\n\
    d,2026-01-20T09:00:00Z,site,\n";

fn finish_of(parts: &[&EventLog], a: &Analysis) -> Finished {
    let ctx = parts
        .iter()
        .map(|l| Context::of(l))
        .reduce(|x, y| x.merge(&y).unwrap())
        .unwrap();
    let ps: Vec<Partial> = parts
        .iter()
        .map(|l| {
            let p = l.partial(a, &ctx).unwrap();
            Partial::from_bytes(&p.to_bytes()).unwrap()
        })
        .collect();
    Partial::merge_all(ps).unwrap().finish().unwrap()
}

#[test]
fn retention_and_kpis_split_equal_the_whole() {
    let log = read_events_csv(SHOP.as_bytes(), &Default::default()).unwrap();
    let l = log.sub_log(["a", "d"]).unwrap();
    let r = log.sub_log(["b", "c"]).unwrap();
    let empty = log.sub_log(Vec::<String>::new()).unwrap();
    for v in [
        json!({}),
        json!({"period": "day", "periods": 30}),
        json!({"period": "month", "start": "*", "ret": "site"}),
    ] {
        let a = Analysis::from_json("retention", &v).unwrap();
        let Analysis::Retention(o) = &a else {
            unreachable!()
        };
        let whole = log.retention(o).unwrap();
        assert_eq!(
            finish_of(&[&r, &empty, &l], &a),
            Finished::Retention(whole),
            "{v}"
        );
    }
    // By hand: a's cohort (week 2) is observable for weeks +0..+3 only (data ends in week 5).
    let Finished::Retention(x) = finish_of(
        &[&l, &r],
        &Analysis::from_json("retention", &json!({"periods": 4})).unwrap(),
    ) else {
        unreachable!()
    };
    assert_eq!(x.cohorts[0].cohort, "2026-W02");
    assert_eq!(
        x.cohorts[0].counts,
        [Some(2), Some(1), Some(0), Some(1), None]
    );
    for v in [
        json!({}),
        json!({"start": "2026-01-12T00:00:00Z"}),
        json!({"start": "2026-01-12T00:00:00Z", "end": "2026-01-19T00:00:00Z"}),
    ] {
        let a = Analysis::from_json("kpis", &v).unwrap();
        let Analysis::Kpis(o) = &a else {
            unreachable!()
        };
        let whole = log.kpis(o).unwrap();
        assert_eq!(
            finish_of(&[&l, &empty, &r], &a),
            Finished::Kpis(whole.clone()),
            "{v}"
        );
        assert_eq!(finish_of(&[&r, &l], &a), Finished::Kpis(whole), "{v}");
    }
    // The exact sum: 10.1 + 20.2 + 30.3 + 5 + 0.7 correctly rounded is 66.3 (a running sum in
    // row order gives 66.30000000000001).
    assert_eq!(log.kpis(&Default::default()).unwrap().revenue, 66.3);
}

#[test]
fn kpis_need_the_merged_context() {
    let log = read_events_csv(SHOP.as_bytes(), &Default::default()).unwrap();
    let l = log.sub_log(["a", "d"]).unwrap();
    let a = Analysis::from_json("kpis", &json!({})).unwrap();
    assert!(a.needs_context());
    let e = l.partial(&a, &Context::default()).unwrap_err();
    assert_eq!(e.code(), "partial_mismatch");
    assert!(
        e.to_string()
            .contains("kpis needs the context of the whole log"),
        "{e}"
    );
    // With both bounds given, the context does not matter.
    let b = Analysis::from_json("kpis", &json!({"start": 0, "end": 2000000000})).unwrap();
    assert!(!b.needs_context());
    assert!(l.partial(&b, &Context::default()).is_ok());
    // Partials computed with different contexts do not merge.
    let p = l.partial(&a, &Context::of(&log)).unwrap();
    let q = l.partial(&a, &Context::of(&l)).unwrap();
    let e = p.merge(q).unwrap_err();
    assert!(e.to_string().contains("other contexts"), "{e}");
}

#[test]
fn path_partials_with_other_names_merge_by_name() {
    // Each part has names the other lacks (social only left, email only right), so their
    // interned name tables differ and the merge renumbers both.
    let left = "customer_id,timestamp,touchpoint,channel,value\n\
        a,0,ad,social,\na,10,site,web,\na,20,purchase,web,30\n\
        b,0,site,web,\nb,5,ad,social,\n";
    let right = "customer_id,timestamp,touchpoint,channel,value\n\
        c,0,mail,email,\nc,10,site,web,\nc,20,purchase,web,12.5\n\
        d,0,site,web,\nd,1,purchase,web,\nd,2,mail,email,\n";
    let whole_csv = format!("{left}{}", right.split_once('\n').unwrap().1);
    let read = |csv: &str| read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let (l, r, whole) = (read(left), read(right), read(&whole_csv));
    assert_eq!(l.channels(), ["social", "web"]);
    assert_eq!(r.channels(), ["email", "web"]);
    let ctx = Context::default();
    for (name, opts) in [
        ("path_table", json!({})),
        ("attribution_table", json!({})),
        ("attribution", json!({"model": "time_decay"})),
    ] {
        let a = Analysis::from_json(name, &opts).unwrap();
        let p = l.partial(&a, &ctx).unwrap();
        let q = r.partial(&a, &ctx).unwrap();
        // Bytes read back to the same partial and write the same bytes.
        for x in [&p, &q] {
            let b = x.to_bytes();
            let y = Partial::from_bytes(&b).unwrap();
            assert_eq!(&y, x, "{name}");
            assert_eq!(y.to_bytes(), b, "{name}");
        }
        let expected = whole.partial(&a, &ctx).unwrap().finish().unwrap();
        let pq = p.clone().merge(q.clone()).unwrap();
        assert_eq!(pq.clone().finish().unwrap(), expected, "{name}");
        assert_eq!(q.merge(p).unwrap().finish().unwrap(), expected, "{name}");
        // The merged partial is the partial of the whole log, byte for byte.
        assert_eq!(
            pq.to_bytes(),
            whole.partial(&a, &ctx).unwrap().to_bytes(),
            "{name}"
        );
    }
    // By hand: a converts after social>web (30); b never converts (web>social); c converts
    // after email>web (12.5); d converts after web (no value: 0), then has a null path, email.
    let a = Analysis::from_json("path_table", &json!({})).unwrap();
    let Finished::PathTable(t) = whole.partial(&a, &ctx).unwrap().finish().unwrap() else {
        unreachable!()
    };
    let rows: Vec<(String, f64, f64, f64)> = t
        .rows()
        .into_iter()
        .map(|r| {
            (
                r.path,
                r.total_conversions,
                r.total_conversion_value,
                r.total_null,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("email".to_string(), 0.0, 0.0, 1.0),
            ("email>web".to_string(), 1.0, 12.5, 0.0),
            ("social>web".to_string(), 1.0, 30.0, 0.0),
            ("web".to_string(), 1.0, 0.0, 0.0),
            ("web>social".to_string(), 0.0, 0.0, 1.0),
        ]
    );
}

#[test]
fn path_stats_split_in_two_by_hand() {
    // Paths: a [ad site] -> 180 s; a [email] null; b [site site] null; c [ad site] -> 1000 s;
    // d [] converts with no touch. Partitions {a, b} and {c, d}.
    let log = crate::metrics::fixtures::paths_log();
    let parts = [
        log.sub_log(["a", "b"]).unwrap(),
        log.sub_log(["c", "d"]).unwrap(),
    ];
    for opts in [
        json!({}),
        json!({"top": 1, "level": "channel", "collapse_repeats": true}),
        json!({"attribution_model": "time_decay", "lookback": "2m"}),
        json!({"attribution_model": "markov", "first_conversion_only": true, "exclude": ["email"]}),
    ] {
        let a = Analysis::from_json("path_stats", &opts).unwrap();
        let Analysis::PathStats(o) = &a else {
            unreachable!()
        };
        let ps: Vec<Partial> = parts
            .iter()
            .map(|p| p.partial(&a, &Context::default()).unwrap())
            .collect();
        let back = Partial::from_bytes(&ps[1].to_bytes()).unwrap();
        let Finished::PathStats(s) = ps[0].clone().merge(back).unwrap().finish().unwrap() else {
            unreachable!()
        };
        assert_eq!(s, log.path_stats(o).unwrap(), "{opts}");
        if opts == json!({}) {
            assert_eq!((s.conversion.n_paths, s.conversion.n_conversions), (5, 3));
            // Time to convert 180 s and 1000 s, one in each partition: median 590 s.
            assert_eq!(s.conversion.time_to_convert_s.median, Some(590.0));
            let (got, want) = crate::metrics::fixtures::variants(&s);
            assert_eq!(got, want);
            // site: on a's first path, b's and c's; 2 of 3 convert; linear share 1/2 of 2
            // conversions: (1/2 + 1/2) / 2.
            let site = s.touches.iter().find(|r| r.name == "site").unwrap();
            assert_eq!((site.paths, site.customers, site.conversions), (3, 3, 2));
            assert_eq!(site.attribution_share, Some(0.5));
        }
    }
    // A corrupted path-stats state is refused.
    let a = Analysis::from_json("path_stats", &json!({})).unwrap();
    let mut b = parts[0]
        .partial(&a, &Context::default())
        .unwrap()
        .to_bytes();
    let n = b.len();
    b[n - 20] ^= 1;
    let e = Partial::from_bytes(&b).unwrap_err();
    assert_eq!(e.code(), "invalid_partial");
}

#[test]
fn survey_scores_split_in_two_by_hand() {
    use crate::metrics::survey;
    let events = "customer_id,timestamp,touchpoint,channel,stage\n\
        a,0,ad,social,awareness\na,10,site,web,\n\
        b,0,site,web,consideration\nb,5,site,web,consideration\n\
        c,0,site,mail,purchase\n";
    let answers = "customer_id,timestamp,touchpoint,nps,csat\n\
        a,5,site,9,2\nb,6,,10,5\nc,1,site,0,\nz,1,site,3,4\n";
    let log = read_events_csv(events.as_bytes(), &Default::default()).unwrap();
    let s = crate::read_surveys_csv(answers.as_bytes(), &Default::default()).unwrap();
    // a alone; b, c and z (no events) together.
    let left = log.sub_log(["a"]).unwrap();
    let right = log.sub_log(["b", "c"]).unwrap();
    let (sl, sr) = (
        s.select_customers(|id| id == "a"),
        s.select_customers(|id| id != "a"),
    );
    let run = |name: &str, by: &str| -> Finished {
        let a = Analysis::from_json(name, &json!({ "by": by })).unwrap();
        let ctx = Context::default();
        let p = left.partial_with_surveys(&a, &ctx, Some(&sl)).unwrap();
        let q = right.partial_with_surveys(&a, &ctx, Some(&sr)).unwrap();
        let q = Partial::from_bytes(&q.to_bytes()).unwrap();
        q.merge(p).unwrap().finish().unwrap()
    };
    let groups = |b: &survey::NpsBreakdown| -> Vec<(Option<String>, u64, Option<f64>)> {
        b.groups
            .iter()
            .map(|g| (g.key.clone(), g.stats.n, g.stats.nps))
            .collect()
    };
    // By stage: a's answer names site, but a has no site event by then: the stage most often
    // seen with site in the whole log (consideration, 2 events of b, against 1 purchase of c),
    // which a's partition alone cannot know. b's answer: its latest event (consideration);
    // c's: purchase; z has no events and a touchpoint unknown to the catalog -> consideration too.
    let Finished::Nps(n) = run("nps", "stage") else {
        unreachable!()
    };
    let opts = ScoreOptions {
        by: Some("stage".into()),
    };
    assert_eq!(n, survey::nps(&s, Some(&log), &opts).unwrap());
    let g = groups(&n);
    assert_eq!(g.len(), 2);
    assert_eq!((g[0].0.as_deref(), g[0].1), (Some("consideration"), 3));
    assert!((g[0].2.unwrap() - 100.0 / 3.0).abs() < 1e-9, "{g:?}");
    assert_eq!(g[1], (Some("purchase".to_string()), 1, Some(-100.0)));
    // By channel: site is seen with web 3 times, mail once.
    let Finished::Nps(n) = run("nps", "channel") else {
        unreachable!()
    };
    let g = groups(&n);
    assert_eq!(g[0], (Some("mail".to_string()), 1, Some(-100.0)));
    assert_eq!((g[1].0.as_deref(), g[1].1), (Some("web"), 3));
    // CSAT by touchpoint: site [2, 4], and b's answer joins its latest event (site): [2, 5, 4].
    let Finished::Csat(c) = run("csat", "touchpoint") else {
        unreachable!()
    };
    assert_eq!(c.overall.n, 3);
    assert_eq!(c.groups.len(), 1);
    assert_eq!(c.groups[0].stats.counts, [0, 1, 0, 1, 1]);
    // Without the responses: a clear error.
    let a = Analysis::from_json("ces", &json!({})).unwrap();
    let e = left.partial(&a, &Context::default()).unwrap_err();
    assert!(e.to_string().contains("survey responses"), "{e}");
}

#[test]
fn map_from_data_split_in_three_equals_the_whole() {
    let (log, surveys) = crate::synthetic(600, 7);
    let ids = log.customer_ids();
    let thirds: Vec<Vec<&String>> = (0..3)
        .map(|k| ids.iter().skip(k).step_by(3).collect())
        .collect();
    let parts: Vec<EventLog> = thirds.iter().map(|t| log.sub_log(t).unwrap()).collect();
    for opts in [
        json!({"min_responses": 5, "min_customers": 5}),
        json!({"by_persona": false}),
    ] {
        let a = Analysis::from_json("map_from_data", &opts).unwrap();
        let Analysis::MapFromData(o) = &a else {
            unreachable!()
        };
        let partials: Vec<Partial> = parts
            .iter()
            .map(|p| {
                let mine: std::collections::HashSet<&str> =
                    p.customer_ids().iter().map(String::as_str).collect();
                let s = surveys.select_customers(|id| mine.contains(id));
                let q = p.partial_with_surveys(&a, &Context::default(), Some(&s));
                Partial::from_bytes(&q.unwrap().to_bytes()).unwrap()
            })
            .collect();
        let Finished::Map(m) = Partial::merge_all(partials).unwrap().finish().unwrap() else {
            unreachable!()
        };
        let whole = JourneyMap::from_data(&log, Some(&surveys), o).unwrap();
        assert_eq!(*m, whole, "{opts}");
        assert_eq!(m.personas[0].name, "All customers");
        assert!(m.steps.iter().any(|s| !s.pain_points.is_empty()));
        if opts.get("by_persona").is_none() {
            assert!(m.personas.len() > 2, "{:?}", m.personas.len());
        } else {
            assert_eq!(m.personas.len(), 1);
        }
    }
}

#[test]
fn report_from_two_partitions_equals_the_whole() {
    let (log, surveys) = crate::synthetic(400, 11);
    let ids = log.customer_ids();
    let halves: Vec<EventLog> = (0..2)
        .map(|k| log.sub_log(ids.iter().skip(k).step_by(2)).unwrap())
        .collect();
    let mine = |p: &EventLog| {
        let set: std::collections::HashSet<&str> =
            p.customer_ids().iter().map(String::as_str).collect();
        surveys.select_customers(|id| set.contains(id))
    };
    // Without funnel steps the report cannot be split: they need the whole log.
    let e = Analysis::from_json("report", &json!({})).unwrap_err();
    assert!(e.to_string().contains("funnel_steps"), "{e}");
    // First pass: the default funnel, the same as on one machine.
    let fs = Analysis::from_json("funnel_steps", &json!({})).unwrap();
    let parts: Vec<Partial> = halves
        .iter()
        .map(|p| p.partial(&fs, &Context::default()).unwrap())
        .collect();
    let Finished::FunnelSteps(steps) = Partial::merge_all(parts).unwrap().finish().unwrap() else {
        unreachable!()
    };
    assert_eq!(steps, crate::report::default_funnel_steps(&log));
    assert_eq!(steps.last().map(String::as_str), Some("purchase"));
    let ctx = Context::of(&halves[0])
        .merge(&Context::of(&halves[1]))
        .unwrap();
    let a = Analysis::from_json("report", &json!({ "funnel_steps": steps })).unwrap();
    let parts: Vec<Partial> = halves
        .iter()
        .map(|p| {
            let q = p.partial_with_surveys(&a, &ctx, Some(&mine(p))).unwrap();
            Partial::from_bytes(&q.to_bytes()).unwrap()
        })
        .collect();
    let Finished::Report(html) = Partial::merge_all(parts).unwrap().finish().unwrap() else {
        unreachable!()
    };
    let whole = crate::report::report(&log, Some(&surveys), &Default::default()).unwrap();
    assert!(html == whole, "the reports differ");
    assert!(html.contains("400 customers"));
    // The drivers section and the funnel trend, on by default, come from partials too.
    assert!(html.contains("<h2>Conversion drivers</h2>"));
    assert!(html.contains("Conversion by period of entry"));
}

#[test]
fn funnel_trend_split_in_two_by_hand() {
    let csv = "customer_id,timestamp,touchpoint\n\
        a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,purchase\n\
        b,2026-01-01T20:00:00Z,view\n\
        c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,purchase\n\
        d,2026-01-03T09:00:00Z,view\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let a = Analysis::from_json(
        "funnel",
        &json!({"steps": ["view", "purchase"], "window": "1d", "trend": "day", "breakdown": "first_touch_channel"}),
    )
    .unwrap();
    assert!(!a.needs_context());
    let Analysis::Funnel(o) = &a else {
        unreachable!()
    };
    // {b, c} alone ends at Jan 3 08:00; d's view (09:00) is the last event of the whole log.
    let p = log
        .sub_log(["b", "c"])
        .unwrap()
        .partial(&a, &Context::default())
        .unwrap();
    let q = log
        .sub_log(["a", "d"])
        .unwrap()
        .partial(&a, &Context::default())
        .unwrap();
    let q = Partial::from_bytes(&q.to_bytes()).unwrap();
    let Finished::Funnel(f) = p.clone().merge(q.clone()).unwrap().finish().unwrap() else {
        unreachable!()
    };
    assert_eq!(f, log.funnel(o).unwrap());
    // Jan 1: a bought, b did not; complete, since Jan 1's last instant plus a day is before the
    // last event. Jan 2 (c) and Jan 3 (d) end after it: incomplete.
    let rows: Vec<(&str, u64, u64, bool)> = f
        .trend
        .as_ref()
        .unwrap()
        .iter()
        .map(|t| (t.period.as_str(), t.entered, t.converted, t.complete))
        .collect();
    assert_eq!(
        rows,
        [
            ("2026-01-01", 2, 1, true),
            ("2026-01-02", 1, 1, false),
            ("2026-01-03", 1, 0, false)
        ]
    );
    // Retracting {a, d} leaves b and c: the latest event stays (a maximum; live analyses only
    // add events), the counts go.
    let Finished::Funnel(g) = p
        .clone()
        .merge(q.clone())
        .unwrap()
        .retract(q)
        .unwrap()
        .finish()
        .unwrap()
    else {
        unreachable!()
    };
    let t = g.trend.unwrap();
    assert_eq!((t.len(), t[0].entered, t[0].converted), (2, 1, 0));
    // A trend whose periods do not add up to the customers at step 1 is corrupted.
    let mut bad = p;
    let State::Funnel(s) = &mut bad.state else {
        unreachable!()
    };
    s.corrupt_trend_for_test();
    let e = Partial::from_bytes(&bad.to_bytes()).unwrap_err();
    assert!(e.to_string().contains("funnel state does not fit"), "{e}");
}

#[test]
fn the_what_changed_section_is_not_made_from_partials() {
    let (log, _) = crate::synthetic(50, 3);
    let a = Analysis::from_json(
        "report",
        &json!({
            "funnel_steps": ["product_page", "purchase"],
            "compare": {"a": {"to": "2026-03-01T00:00:00Z"}, "b": {"from": "2026-03-01T00:00:00Z"}},
        }),
    )
    .unwrap();
    let e = log.partial(&a, &Context::of(&log)).unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    assert!(e.to_string().contains("what changed section"), "{e}");
}

/// A live Markov attribution's tables get room to double at set-up (no append pays a rehash
/// until then), and the room changes no result.
#[test]
fn live_attribution_tables_have_room_to_double() {
    // Customer k sees t(k mod 5), then t(k mod 7), then buys: 35 distinct converting paths
    // over 7 touchpoints, so that a table without room has less than twice its length.
    let mut csv = String::from("customer_id,timestamp,touchpoint\n");
    for k in 0..35 {
        csv.push_str(&format!(
            "c{k},1,t{}\nc{k},2,t{}\nc{k},3,purchase\n",
            k % 5,
            k % 7
        ));
    }
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let a = Analysis::from_json(
        "attribution",
        &json!({"model": "markov", "level": "touchpoint"}),
    )
    .unwrap();
    let plain = log
        .partial_inner(&a, &Context::default(), None, Track::Live)
        .unwrap();
    let mut roomy = plain.clone();
    roomy.reserve_growth();
    let room = |p: &Partial| match &p.state {
        State::Paths(p) => p.room(),
        _ => panic!("an attribution partial holds paths"),
    };
    let ((paths, paths_room), moves) = room(&roomy);
    let (moves, moves_room) = moves.expect("a live Markov partial keeps its chain");
    assert_eq!(paths, 35);
    assert!(paths_room >= 70, "room for {paths_room} paths");
    // start > t0..t4 (5), t(i) > t(j) for the 35 pairs, t0..t6 > purchase... every move once.
    assert!(moves >= 35, "{moves} moves");
    assert!(
        moves_room >= 2 * moves,
        "room for {moves_room} of {moves} moves"
    );
    // Without it the tables are tight: the test would fail without `reserve_growth`.
    let ((_, tight), _) = room(&plain);
    assert!(tight < 70, "{tight}");
    assert_eq!(roomy.finish().unwrap(), plain.finish().unwrap());
}
