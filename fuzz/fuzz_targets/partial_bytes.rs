//! Partial results as bytes (`Partial::from_bytes`, what travels between the machines of a
//! distributed run). The first byte of the input chooses:
//!
//! - bit 0 clear: the rest as given. Any bytes decode or fail with an error, never a panic.
//! - bit 0 set: the same, after the options' and the context's fingerprints and the checksum
//!   are recomputed over what the rest holds, so that damage inside a partial reaches the
//!   decoders of the states instead of stopping at the checksum.
//! - bit 1 set: the rest is a CSV event log, and bits 2-7 pick an analysis from
//!   `partial_analyses.rs`: the partial of the whole log, and the partials of two halves of its customers
//!   merged in either order (through their bytes), finish to the same result or the same error.
//!
//! A partial that decodes writes back to bytes that decode to a partial with the same bytes
//! (the encoding is stable) and the same result; `finish` gives a result or an error; merging
//! it with itself works (and its bytes, if they decode, re-encode alike and finish alike) or is
//! an error.
#![no_main]

use journey_core::{read_events_csv, Analysis, Context, EventLog, LoadOptions, Partial};
use libfuzzer_sys::fuzz_target;

#[path = "partial_analyses.rs"]
mod partial_analyses;
use partial_analyses::ANALYSES;

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn varint(b: &[u8], p: &mut usize) -> Option<u64> {
    let mut x = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*p)?;
        *p += 1;
        x |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(x);
        }
    }
    None
}

/// Skips a length-prefixed string; returns where it starts and ends.
fn string(b: &[u8], p: &mut usize) -> Option<(usize, usize)> {
    let n = usize::try_from(varint(b, p)?).ok()?;
    let start = *p;
    *p = p.checked_add(n).filter(|&e| e <= b.len())?;
    Some((start, *p))
}

/// Writes the options' and the context's fingerprints over what the bytes hold there (as far
/// as the layout of docs/distributed.md can be followed).
fn fix_fingerprints(b: &mut [u8]) -> Option<()> {
    let end = b.len().checked_sub(8)?;
    let body = &b[..end];
    let mut p = 10;
    string(body, &mut p)?;
    let (o0, o1) = string(body, &mut p)?;
    let fp = fnv1a(&body[o0..o1]);
    let fp_at = p;
    p = p.checked_add(8).filter(|&e| e <= end)?;
    let n = varint(body, &mut p)?;
    for _ in 0..n {
        string(body, &mut p)?;
    }
    p = p.checked_add(8).filter(|&e| e <= end)?;
    let c0 = p;
    match *body.get(p)? {
        1 => {
            p += 1;
            varint(body, &mut p)?;
            varint(body, &mut p)?;
        }
        _ => p += 1,
    }
    let cfp = fnv1a(&body[c0..p]);
    if p + 8 > end {
        return None;
    }
    b[fp_at..fp_at + 8].copy_from_slice(&fp.to_le_bytes());
    b[p..p + 8].copy_from_slice(&cfp.to_le_bytes());
    Some(())
}

/// The bytes with their fingerprints and checksum made to match their content.
fn fixed(data: &[u8]) -> Vec<u8> {
    let mut b = data.to_vec();
    if b.len() < 18 {
        return b;
    }
    let _ = fix_fingerprints(&mut b);
    let n = b.len() - 8;
    let sum = fnv1a(&b[..n]);
    b[n..].copy_from_slice(&sum.to_le_bytes());
    b
}

/// A result as comparable text: its JSON, or its error.
fn outcome(p: Partial) -> String {
    match p.finish() {
        Ok(f) => format!(
            "ok {}",
            serde_json::to_string(&f).expect("a result serialises")
        ),
        Err(e) => format!("error {e}"),
    }
}

/// Everything that holds of a partial that decoded.
fn check_decoded(p: &Partial) {
    let bytes = p.to_bytes();
    let q = Partial::from_bytes(&bytes)
        .unwrap_or_else(|e| panic!("a decoded partial's own bytes do not decode: {e}"));
    assert_eq!(q.to_bytes(), bytes, "re-encoding a partial is not stable");
    let result = outcome(p.clone());
    assert_eq!(
        outcome(q.clone()),
        result,
        "the re-encoded partial finishes differently"
    );
    if let Ok(m) = p.clone().merge(q) {
        // Its bytes may be refused (counts beyond what a partial holds); if not, they decode
        // to the same bytes and the same result.
        let mb = m.to_bytes();
        if let Ok(back) = Partial::from_bytes(&mb) {
            assert_eq!(
                back.to_bytes(),
                mb,
                "a merged partial's bytes are not stable"
            );
            assert_eq!(
                outcome(back),
                outcome(m),
                "a partial merged with itself finishes differently after its bytes"
            );
        } else {
            let _ = outcome(m);
        }
    }
}

/// The partial of `log`, through its bytes.
fn partial_of(log: &EventLog, a: &Analysis, ctx: &Context) -> journey_core::Result<Partial> {
    let p = log.partial(a, ctx)?;
    let back = Partial::from_bytes(&p.to_bytes()).expect("a partial's bytes decode");
    assert_eq!(back.to_bytes(), p.to_bytes());
    Ok(back)
}

/// The whole log's partial and its two halves' merged (in both orders) finish alike.
fn check_split(flags: u8, text: &[u8]) {
    let (name, options) = ANALYSES[usize::from(flags >> 2) % ANALYSES.len()];
    let a = Analysis::from_json(name, &serde_json::from_str(options).unwrap())
        .expect("the target's own options");
    let Ok(log) = read_events_csv(text, &LoadOptions::lenient()) else {
        return;
    };
    let ids = log.customer_ids();
    let left = log
        .sub_log(ids.iter().step_by(2))
        .expect("the log's own customers");
    let right = log
        .sub_log(ids.iter().skip(1).step_by(2))
        .expect("the log's own customers");
    let ctx = Context::of(&left).merge(&Context::of(&right)).unwrap();
    assert_eq!(
        ctx,
        Context::of(&log),
        "the halves' context is not the whole's"
    );
    let whole = match partial_of(&log, &a, &ctx) {
        Ok(p) => p,
        Err(e) => {
            // The options or the log do not allow the analysis: no half does either.
            for half in [&left, &right] {
                if let Ok(p) = half.partial(&a, &ctx) {
                    check_decoded(&p);
                }
            }
            let _ = e;
            return;
        }
    };
    check_decoded(&whole);
    let (Ok(l), Ok(r)) = (partial_of(&left, &a, &ctx), partial_of(&right, &a, &ctx)) else {
        panic!("the whole log has a partial but a half does not");
    };
    let expected = outcome(whole);
    let lr = l.clone().merge(r.clone()).expect("halves merge");
    let rl = r.merge(l).expect("halves merge");
    assert_eq!(
        lr.to_bytes(),
        rl.to_bytes(),
        "merging in the other order gives another partial"
    );
    assert_eq!(
        outcome(lr),
        expected,
        "the merged halves finish differently"
    );
    assert_eq!(
        outcome(rl),
        expected,
        "the merged halves finish differently"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    if flags & 2 == 2 {
        check_split(flags, rest);
        return;
    }
    let bytes = if flags & 1 == 1 {
        fixed(rest)
    } else {
        rest.to_vec()
    };
    if let Ok(p) = Partial::from_bytes(&bytes) {
        check_decoded(&p);
    }
});
