//! Optional funnel steps (docs/journeys.md, "Optional steps").
//!
//! A step marked optional may be skipped. The funnel then counts in two layers:
//!
//! - **Required steps** are counted as in the funnel of the required steps alone (the optional
//!   steps removed): an optional step never stops a customer, and never lets one go further.
//!   Their rates (`conversion_from_previous`, `dropped`, `drop_off`) are relative to the
//!   previous *required* step, so a customer who skips an optional step is not dropped.
//! - **An optional step `j`** counts the customers who took it on their way: let `m` be the
//!   number of required steps the customer reached, and `F_j` the funnel of the required steps
//!   with step `j` put back as a required step. The customer takes step `j` when `F_j` takes
//!   them one step further than `m`: through step `j` and as far among the required steps as
//!   without it. Its `conversion_from_previous` is relative to the required step before it, its
//!   times run from that step's event to step `j`'s (in `F_j`'s counted attempt), and nobody is
//!   dropped there.
//!
//! The first and the last step cannot be optional (the funnel starts and ends somewhere), and
//! strict mode refuses optional steps (in a strict funnel the events of a skipped step would
//! break the run of consecutive events, so "skippable" has no single meaning there).

use std::collections::BTreeMap;

use super::distribution::Samples;
use super::fold::fold_customers;
use super::funnel::{
    group_of, group_value, resolve_breakdown, Exclusion, ExclusionRange, FunnelMode, FunnelOptions,
    FunnelResult, FunnelStep, FunnelStepRow, Matcher, Scratch,
};
use crate::error::{Error, Result};
use crate::model::EventLog;

/// The checks of a funnel with optional steps: neither the first nor the last step optional,
/// not a strict funnel, no empty step.
fn check(opts: &FunnelOptions) -> Result<()> {
    let k = opts.steps.len();
    if opts.steps[0].is_optional() || opts.steps[k - 1].is_optional() {
        let j = if opts.steps[0].is_optional() { 1 } else { k };
        return Err(Error::argument(
            "steps",
            format!("step {j} is optional: the first and the last step cannot be optional"),
        ));
    }
    if opts.mode == FunnelMode::Strict {
        return Err(Error::argument(
            "steps",
            "optional steps need an ordered or any-order funnel, not a strict one",
        ));
    }
    if let Some(j) = opts.steps.iter().position(|s| s.names().is_empty()) {
        return Err(Error::argument(
            "steps",
            format!("step {} is an empty set of touchpoints", j + 1),
        ));
    }
    Ok(())
}

/// The funnel of `opts`, some of whose steps are optional.
pub(crate) fn funnel(log: &EventLog, opts: &FunnelOptions) -> Result<FunnelResult> {
    // Long because it is one fold over the customers, then the splice of the optional steps
    // into the required funnel's rows, both closing over the same step indices.
    check(opts)?;
    let k = opts.steps.len();
    let required: Vec<usize> = (0..k).filter(|&j| !opts.steps[j].is_optional()).collect();
    let optional: Vec<usize> = (0..k).filter(|&j| opts.steps[j].is_optional()).collect();
    let r_opts = sub_options(opts, &required)?;
    let mut res = super::funnel::funnel(log, &r_opts)?;

    // Per optional step: the number of required steps before it, and its funnel F_j.
    let before: Vec<usize> = optional
        .iter()
        .map(|&j| required.iter().filter(|&&r| r < j).count())
        .collect();
    let r_matcher = Matcher::new(log, &r_opts)?;
    let matchers = optional
        .iter()
        .map(|&j| {
            let mut idx = required.clone();
            idx.push(j);
            idx.sort_unstable();
            Matcher::new(log, &sub_options(opts, &idx)?)
        })
        .collect::<Result<Vec<_>>>()?;
    // An explicit as_of cuts the journeys there (the end cuts nothing).
    let cut = opts.as_of.fixed_us()?;
    let (breakdown, n_groups) = resolve_breakdown(log, opts)?;
    let ts = log.timestamps();
    let tps = log.touchpoint_ids();
    let n_opt = optional.len();
    type Group = Vec<(u64, Samples)>;
    let (groups, _) = fold_customers(
        log.n_customers(),
        || (vec![None::<Group>; n_groups], Scratch::default()),
        |(groups, s), c| {
            let mut r = log.journey(c).range();
            if let Some(t) = cut {
                r.end = r.start + ts[r.clone()].partition_point(|&x| x <= t);
            }
            let (ts, tps) = (&ts[r.clone()], &tps[r.clone()]);
            let m = r_matcher.eval(ts, tps, s);
            if m == 0 {
                return;
            }
            let g = group_of(log, breakdown, n_groups, r.clone());
            let ga = groups[g].get_or_insert_with(|| vec![(0, Samples::default()); n_opt]);
            for (x, &a) in before.iter().enumerate() {
                if m < a {
                    continue;
                }
                if matchers[x].eval(ts, tps, s) == m + 1 {
                    ga[x].0 += 1;
                    ga[x].1.push(s.best[a] - s.best[a - 1]);
                }
            }
        },
        |(mut a, s), (b, _)| {
            for (x, y) in a.iter_mut().zip(b) {
                match (x.as_mut(), y) {
                    (Some(x), Some(y)) => {
                        for (p, q) in x.iter_mut().zip(y) {
                            p.0 += q.0;
                            p.1.merge(q.1);
                        }
                    }
                    (None, y) => *x = y,
                    (_, None) => {}
                }
            }
            (a, s)
        },
    );

    let splice = |steps: Vec<FunnelStepRow>, ga: Option<Group>| -> Vec<FunnelStepRow> {
        let mut ga = ga.unwrap_or_else(|| vec![(0, Samples::default()); n_opt]);
        let first = steps.first().map_or(0, |s| s.customers);
        let mut out = Vec::with_capacity(k);
        let mut req = steps.into_iter();
        let mut prev = 0;
        for j in 0..k {
            if let Some(x) = optional.iter().position(|&o| o == j) {
                let (n, d) = std::mem::take(&mut ga[x]);
                let ratio = |b: u64| (b > 0).then(|| n as f64 / b as f64);
                out.push(FunnelStepRow {
                    step: j + 1,
                    label: opts.steps[j].label(),
                    touchpoints: opts.steps[j].names().to_vec(),
                    customers: n,
                    conversion_from_start: ratio(first),
                    conversion_from_previous: ratio(prev),
                    dropped: 0,
                    drop_off: None,
                    mean_time_from_previous_s: d.mean_s(),
                    median_time_from_previous_s: d.median_s(),
                    dropped_ids: opts.dropped_ids.then(Vec::new),
                    optional: true,
                });
            } else if let Some(mut row) = req.next() {
                row.step = j + 1;
                prev = row.customers;
                out.push(row);
            }
        }
        out
    };
    let mut total: Group = vec![(0, Samples::default()); n_opt];
    for ga in groups.iter().flatten() {
        for (p, q) in total.iter_mut().zip(ga) {
            p.0 += q.0;
            p.1.merge(q.1.clone());
        }
    }
    if let Some(gs) = res.groups.take() {
        // Optional-step figures by the group's value.
        let mut by_value: BTreeMap<Option<String>, Group> = groups
            .into_iter()
            .enumerate()
            .filter_map(|(g, ga)| Some((group_value(log, breakdown, g), ga?)))
            .collect();
        res.groups = Some(
            gs.into_iter()
                .map(|mut fg| {
                    let ga = by_value.remove(&fg.value);
                    fg.steps = splice(std::mem::take(&mut fg.steps), ga);
                    fg
                })
                .collect(),
        );
    }
    res.steps = splice(std::mem::take(&mut res.steps), Some(total));
    let renumber = |s: usize| required[s - 1] + 1;
    if let Some(open) = res.open.as_mut() {
        open.steps
            .iter_mut()
            .for_each(|r| r.step = renumber(r.step));
    }
    if let Some(after) = res.after_drop_off.as_mut() {
        after.iter_mut().for_each(|r| r.step = renumber(r.step));
    }
    Ok(res)
}

/// The options of the funnel of steps `idx` (original 0-based indices, in order), all required;
/// exclusions between given steps are renumbered, and must be bounded by required steps.
fn sub_options(opts: &FunnelOptions, idx: &[usize]) -> Result<FunnelOptions> {
    let steps = idx
        .iter()
        .map(|&j| match &opts.steps[j] {
            FunnelStep::Spec(s) => FunnelStep::AnyOf(s.touchpoint.clone()),
            other => other.clone(),
        })
        .collect();
    let renumber = |s: Option<usize>| -> Result<Option<usize>> {
        let Some(s) = s else { return Ok(None) };
        match idx.iter().position(|&j| j + 1 == s) {
            Some(p) if !opts.steps[s - 1].is_optional() => Ok(Some(p + 1)),
            _ if s >= 1 && s <= opts.steps.len() && opts.steps[s - 1].is_optional() => {
                Err(Error::argument(
                    "exclude",
                    format!("from_step and to_step must be required steps; step {s} is optional"),
                ))
            }
            // Out of range: the sub-funnel's own check reports it with the number given.
            _ => Ok(Some(s)),
        }
    };
    let exclude = match &opts.exclude {
        None => None,
        Some(v) => Some(
            v.iter()
                .map(|e| match e {
                    Exclusion::Between(r) => Ok(Exclusion::Between(ExclusionRange {
                        touchpoint: r.touchpoint.clone(),
                        from_step: renumber(r.from_step)?,
                        to_step: renumber(r.to_step)?,
                    })),
                    other => Ok(other.clone()),
                })
                .collect::<Result<Vec<_>>>()?,
        ),
    };
    Ok(FunnelOptions {
        steps,
        exclude,
        ..opts.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;
    use crate::{read_events_csv, LoadOptions};
    use proptest::prelude::*;

    fn log(csv: &str) -> EventLog {
        read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    fn steps() -> Vec<FunnelStep> {
        vec![
            "view".into(),
            FunnelStep::optional(&["coupon"]),
            "cart".into(),
            "buy".into(),
        ]
    }

    // a takes every step; b skips the coupon; c's coupon comes between two carts (taken on the
    // way to the second); d stops after the coupon; e's coupon comes after the cart (not on the
    // way, not taken).
    const CSV: &str = "customer_id,timestamp,touchpoint,persona\n\
        a,0,view,x\na,10,coupon,x\na,20,cart,x\na,30,buy,x\n\
        b,0,view,x\nb,10,cart,x\nb,20,buy,x\n\
        c,0,view,y\nc,5,cart,y\nc,6,coupon,y\nc,7,cart,y\n\
        d,0,view,y\nd,5,coupon,y\n\
        e,0,view,y\ne,3,cart,y\ne,4,buy,y\ne,5,coupon,y\n";

    #[test]
    fn optional_step_by_hand() {
        let f = funnel(
            &log(CSV),
            &FunnelOptions {
                steps: steps(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(f.counts(), [5, 3, 4, 3]);
        let s = &f.steps;
        assert!(s[1].optional && !s[2].optional);
        assert_eq!(s[1].conversion_from_previous, Some(0.6));
        assert_eq!((s[1].dropped, s[1].drop_off), (0, None));
        // Times view -> coupon: a 10 s, c 6 s, d 5 s.
        assert_eq!(s[1].median_time_from_previous_s, Some(6.0));
        assert_eq!(s[1].mean_time_from_previous_s, Some(7.0));
        // The cart is measured from the view (the required step before it): d dropped.
        assert_eq!(s[2].conversion_from_previous, Some(0.8));
        assert_eq!(s[2].dropped, 1);
        assert_eq!(s[2].median_time_from_previous_s, Some(7.5));
        assert_eq!(s[2].mean_time_from_previous_s, Some(9.5));
        assert_eq!(s[3].conversion_from_previous, Some(0.75));
        assert_eq!(f.conversion, Some(0.6));
        assert_eq!(s.iter().map(|r| r.step).collect::<Vec<_>>(), [1, 2, 3, 4]);
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["steps"][1]["optional"], true);
        assert!(json["steps"][2].get("optional").is_none());
    }

    #[test]
    fn optional_step_with_breakdown_and_after_drop_off() {
        let f = funnel(
            &log(CSV),
            &FunnelOptions {
                steps: steps(),
                breakdown: Some("persona".into()),
                after_drop_off: 2,
                as_of: 100.into(),
                window: Duration::from_secs(50),
                ..Default::default()
            },
        )
        .unwrap();
        let g = f.groups.as_ref().unwrap();
        assert_eq!(g[0].value.as_deref(), Some("x"));
        assert_eq!(
            g[0].steps.iter().map(|r| r.customers).collect::<Vec<_>>(),
            [2, 1, 2, 2]
        );
        assert_eq!(
            g[1].steps.iter().map(|r| r.customers).collect::<Vec<_>>(),
            [3, 2, 2, 1]
        );
        assert!(g[1].steps[1].optional);
        assert_eq!(f.counts(), [5, 3, 4, 3]);
        // Numbered as the steps given: the required steps are 1, 3 and 4.
        let steps_of = |v: Vec<usize>| v;
        let after = f.after_drop_off.as_ref().unwrap();
        assert_eq!(steps_of(after.iter().map(|a| a.step).collect()), [3, 4]);
        assert_eq!(after[0].dropped, 1);
        let open = f.open.as_ref().unwrap();
        assert_eq!(
            steps_of(open.steps.iter().map(|a| a.step).collect()),
            [1, 3, 4]
        );
    }

    #[test]
    fn optional_step_any_order() {
        // Any order: b's coupon before the view still counts, within the window.
        let csv = "customer_id,timestamp,touchpoint\n\
            a,0,view\na,1,buy\n\
            b,0,coupon\nb,1,buy\nb,2,view\n";
        let f = funnel(
            &log(csv),
            &FunnelOptions {
                steps: vec![
                    "view".into(),
                    FunnelStep::optional(&["coupon"]),
                    "buy".into(),
                ],
                mode: FunnelMode::Any,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(f.counts(), [2, 1, 2]);
    }

    #[test]
    fn optional_step_errors() {
        let l = log(CSV);
        let run = |steps: Vec<FunnelStep>, f: &dyn Fn(&mut FunnelOptions)| {
            let mut o = FunnelOptions {
                steps,
                ..Default::default()
            };
            f(&mut o);
            funnel(&l, &o).unwrap_err().to_string()
        };
        let e = run(vec![FunnelStep::optional(&["view"]), "buy".into()], &|_| {});
        assert!(e.contains("step 1 is optional"), "{e}");
        let e = run(vec!["view".into(), FunnelStep::optional(&["buy"])], &|_| {});
        assert!(
            e.contains("step 2 is optional") && e.contains("last"),
            "{e}"
        );
        let e = run(steps(), &|o| o.mode = FunnelMode::Strict);
        assert!(e.contains("strict"), "{e}");
        let e = run(steps(), &|o| {
            o.exclude = Some(vec![Exclusion::Between(ExclusionRange {
                touchpoint: "help".into(),
                from_step: Some(2),
                to_step: None,
            })])
        });
        assert!(e.contains("step 2 is optional"), "{e}");
        // The matcher refuses optional steps elsewhere (drivers, partial results).
        let o = FunnelOptions {
            steps: steps(),
            ..Default::default()
        };
        let e = Matcher::new(&l, &o).unwrap_err().to_string();
        assert!(e.contains("step 2 is optional"), "{e}");
        // JSON spellings.
        let o: FunnelOptions = crate::args::from_json(
            "funnel options",
            &serde_json::from_str(
                r#"{"steps": ["view", {"touchpoint": ["coupon", "promo"], "optional": true}, "buy"]}"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert!(o.steps[1].is_optional());
        assert_eq!(o.steps[1].names(), ["coupon", "promo"]);
        for (bad, want) in [
            (
                r#"{"steps": ["view", {"touchpoint": "c", "optional": "yes"}]}"#,
                "\"optional\" is \"yes\"",
            ),
            (
                r#"{"steps": ["view", {"optional": true}]}"#,
                "\"touchpoint\" is missing",
            ),
            (
                r#"{"steps": ["view", {"touchpoint": "c", "skip": true}]}"#,
                "unknown key \"skip\"",
            ),
        ] {
            let e = crate::args::from_json::<FunnelOptions>(
                "funnel options",
                &serde_json::from_str(bad).unwrap(),
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains(want) && e.contains("steps[1]"), "{e}");
        }
    }

    /// Every in-order partial sequence of a customer's events within `w` of its first event
    /// matching the steps in order, optional steps matched or skipped: (required steps matched,
    /// optional steps taken as a bit set).
    fn sequences(ev: &[(i64, u32)], steps: &[(u32, bool)], w: i64) -> Vec<(usize, u64)> {
        #[allow(clippy::too_many_arguments)]
        fn go(
            ev: &[(i64, u32)],
            steps: &[(u32, bool)],
            w: i64,
            s: usize,
            from: usize,
            t0: Option<i64>,
            req: usize,
            taken: u64,
            out: &mut Vec<(usize, u64)>,
        ) {
            out.push((req, taken));
            if s == steps.len() {
                return;
            }
            let (tp, opt) = steps[s];
            if opt {
                go(ev, steps, w, s + 1, from, t0, req, taken, out);
            }
            for q in from..ev.len() {
                if ev[q].1 == tp && t0.is_none_or(|t| ev[q].0 - t <= w) {
                    let (r, t) = if opt {
                        (req, taken | 1 << s)
                    } else {
                        (req + 1, taken)
                    };
                    go(ev, steps, w, s + 1, q + 1, t0.or(Some(ev[q].0)), r, t, out);
                }
            }
        }
        let mut out = Vec::new();
        go(ev, steps, w, 0, 0, None, 0, 0, &mut out);
        out
    }

    proptest! {
        /// The counts of every step against all in-order sequences: a customer reaches required
        /// step r when some sequence matches r required steps, and takes optional step j when
        /// some sequence takes j and matches as many required steps as the customer reached.
        #[test]
        fn optional_steps_match_brute_force(
            events in proptest::collection::vec((0u8..4, 0i64..20, 0u32..4), 0..24),
            tps in proptest::collection::vec(0u32..4, 3..6),
            opt in proptest::collection::vec(any::<bool>(), 6),
            window in 0i64..15,
        ) {
            let k = tps.len();
            let names = ["s0", "s1", "s2", "s3"];
            let steps: Vec<(u32, bool)> = (0..k)
                .map(|j| (tps[j], opt[j] && j > 0 && j + 1 < k))
                .collect();
            let mut csv = String::from("customer_id,timestamp,touchpoint\n");
            for (c, ts, tp) in &events {
                csv.push_str(&format!("c{c},{ts},{}\n", names[*tp as usize]));
            }
            let o = FunnelOptions {
                steps: steps
                    .iter()
                    .map(|&(t, o)| if o {
                        FunnelStep::optional(&[names[t as usize]])
                    } else {
                        names[t as usize].into()
                    })
                    .collect(),
                window: Duration::from_secs(window),
                ..Default::default()
            };
            let f = funnel(&log(&csv), &o).unwrap();
            let mut want = vec![0u64; k];
            for c in 0..4u8 {
                let mut ev: Vec<(i64, u32)> =
                    events.iter().filter(|e| e.0 == c).map(|e| (e.1, e.2)).collect();
                // Equal times are ordered by touchpoint name (the default tie rule).
                ev.sort();
                let seqs = sequences(&ev, &steps, window);
                let m = seqs.iter().map(|s| s.0).max().unwrap_or(0);
                if m == 0 {
                    continue;
                }
                let mut r = 0;
                for (j, &(_, o)) in steps.iter().enumerate() {
                    if o {
                        want[j] += seqs.iter().any(|s| s.1 >> j & 1 == 1 && s.0 >= m) as u64;
                    } else {
                        r += 1;
                        want[j] += (r <= m) as u64;
                    }
                }
            }
            prop_assert_eq!(f.counts(), want);
            for (j, row) in f.steps.iter().enumerate() {
                prop_assert_eq!(row.optional, steps[j].1);
            }
        }
    }
}
