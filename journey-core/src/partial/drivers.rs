//! Conversion drivers as a partial state: the customers analysed and, per touch and per
//! property value, the customers with it, as `[non-converters, converters]` (the counts behind
//! every 2x2 table, additive over customers). The tests and q-values are computed once, when
//! finishing, from the merged counts, with the single-machine code.

use std::collections::BTreeMap;

use super::codec::{corrupted, Codec, Reader, Writer};
use crate::error::Result;
use crate::metrics::drivers::DriverCounts;

impl Codec for [u64; 2] {
    fn enc(&self, w: &mut Writer) {
        self[0].enc(w);
        self[1].enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok([u64::dec(r)?, u64::dec(r)?])
    }
}

impl Codec for DriverCounts {
    fn enc(&self, w: &mut Writer) {
        self.pop.enc(w);
        self.touch.enc(w);
        self.props.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let pop = <[u64; 2]>::dec(r)?;
        if pop[0].checked_add(pop[1]).is_none() {
            return Err(corrupted("the drivers' customers overflow"));
        }
        Ok(DriverCounts {
            pop,
            touch: BTreeMap::dec(r)?,
            props: Codec::dec(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::partial::{Analysis, Context, Finished, Partial, State};
    use crate::read_events_csv;

    /// a: ad, purchase; b: ad; c: mail, purchase; d: mail; e: ad, mail (persona x for a, b).
    const CSV: &str = "customer_id,timestamp,touchpoint,persona\n\
        a,0,ad,x\na,5,purchase,x\nb,0,ad,x\nc,0,mail,\nc,5,purchase,\nd,0,mail,y\n\
        e,0,ad,y\ne,1,mail,y\n";

    fn analysis() -> Analysis {
        Analysis::from_json("conversion_drivers", &json!({"properties": "persona"})).unwrap()
    }

    #[test]
    fn counts_merge_retract_and_refuse_corrupted_bytes() {
        let log = read_events_csv(CSV.as_bytes(), &Default::default()).unwrap();
        let a = analysis();
        let ctx = Context::default();
        let left = log
            .sub_log(["a", "c", "e"])
            .unwrap()
            .partial(&a, &ctx)
            .unwrap();
        let right = log.sub_log(["b", "d"]).unwrap().partial(&a, &ctx).unwrap();
        let whole = log.partial(&a, &ctx).unwrap();
        let merged = left.clone().merge(right.clone()).unwrap();
        // The merged counts are the whole log's, byte for byte.
        assert_eq!(merged.to_bytes(), whole.to_bytes());
        let State::Drivers(c) = &merged.state else {
            unreachable!()
        };
        // 2 converters (a, c) of 5; ad: a converts, b and e do not; mail: c converts, d and e
        // do not; persona x: a converts, b not; y: d and e, neither converts.
        assert_eq!(c.pop, [3, 2]);
        assert_eq!(c.touch["ad"], [2, 1]);
        assert_eq!(c.touch["mail"], [2, 1]);
        assert_eq!(c.props[0]["x"], [1, 1]);
        assert_eq!(c.props[0]["y"], [2, 0]);
        assert_eq!(c.props[0].len(), 2);
        let Finished::Drivers(d) = merged.clone().finish().unwrap() else {
            unreachable!()
        };
        let Analysis::ConversionDrivers(o) = &a else {
            unreachable!()
        };
        assert_eq!(d, log.conversion_drivers(o).unwrap());
        assert_eq!((d.n_customers, d.converters, d.n_tested), (5, 2, 4));
        // Retracting the right part gives the left part's counts (x keeps a, y keeps e).
        let back = merged.retract(right).unwrap();
        assert_eq!(back.to_bytes(), left.to_bytes());

        // More customers with a touch than customers: corrupted.
        let mut bad = left.clone();
        let State::Drivers(c) = &mut bad.state else {
            unreachable!()
        };
        c.touch.insert("ad".into(), [9, 0]);
        let e = Partial::from_bytes(&bad.to_bytes()).unwrap_err();
        assert_eq!(e.code(), "invalid_partial");
        assert!(e.to_string().contains("drivers"), "{e}");
        // A feature with no customer: corrupted too (counts never keep one).
        let mut bad = left;
        let State::Drivers(c) = &mut bad.state else {
            unreachable!()
        };
        c.props[0].insert("z".into(), [0, 0]);
        assert!(Partial::from_bytes(&bad.to_bytes()).is_err());
    }
}
