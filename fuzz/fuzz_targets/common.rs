//! Invariants shared by the fuzz targets: what holds for every log, whatever loaded it.
#![allow(dead_code)]

use journey_core::{read_events_csv, read_surveys_csv, EventLog, LoadOptions, Mode, Surveys};

/// Load options chosen by one byte of the input.
pub fn options(flags: u8) -> LoadOptions {
    let mut o = if flags & 1 == 1 {
        LoadOptions::lenient()
    } else {
        LoadOptions::default()
    };
    o.ignore_extra_columns = flags & 2 == 2;
    if flags & 4 == 4 {
        o.conversions = vec!["signup".into(), "purchase".into()];
    }
    if flags & 8 == 8 {
        o.rename.insert("user".into(), "customer_id".into());
        o.rename.insert("ts".into(), "timestamp".into());
    }
    o
}

/// The records of a CSV text, every customer's records in their order, but the customers
/// interleaved (one record of each in turn) and taken in reverse order: the same events in
/// another row order.
pub fn interleave_customers(csv_text: &str) -> String {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes());
    let mut records = rdr.byte_records().map(|r| r.expect("our own CSV"));
    let header = records.next().expect("a header");
    let mut groups: Vec<Vec<csv::ByteRecord>> = Vec::new();
    for r in records {
        match groups.last_mut() {
            Some(g) if g[0].get(0) == r.get(0) => g.push(r),
            _ => groups.push(vec![r]),
        }
    }
    groups.reverse();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_byte_record(&header).unwrap();
    let longest = groups.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..longest {
        for g in &groups {
            if let Some(r) = g.get(k) {
                w.write_byte_record(r).unwrap();
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// A log writes back as CSV that reads back (strictly) to the same log, whatever the order of
/// its customers; its binary form reads back to the same bytes.
pub fn check_log(log: &EventLog) {
    let csv_text = log.to_csv_string().expect("a log writes as CSV");
    let mut opts = LoadOptions::default();
    opts.conversions = log.conversion_touchpoints().to_vec();
    let again = read_events_csv(csv_text.as_bytes(), &opts)
        .unwrap_or_else(|e| panic!("the written CSV does not read back: {e}\n{csv_text}"));
    assert_eq!(again.to_csv_string().unwrap(), csv_text);
    assert_eq!(again.n_events(), log.n_events());
    assert_eq!(again.n_customers(), log.n_customers());
    assert!(
        log.rows().eq(again.rows()),
        "rows differ after a CSV round trip"
    );

    let shuffled = interleave_customers(&csv_text);
    let other = read_events_csv(shuffled.as_bytes(), &opts)
        .unwrap_or_else(|e| panic!("reordered rows do not read back: {e}\n{shuffled}"));
    assert_eq!(
        other.to_bytes(),
        again.to_bytes(),
        "row order changed the log"
    );

    let bytes = log.to_bytes();
    let back = EventLog::from_bytes(&bytes).expect("the binary form reads back");
    assert_eq!(back.to_bytes(), bytes);
}

/// Survey responses write back as CSV that reads back to the same responses, whatever the
/// order of the customers.
pub fn check_surveys(s: &Surveys) {
    let csv_text = s.to_csv_string().expect("surveys write as CSV");
    let again = read_surveys_csv(csv_text.as_bytes(), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("the written CSV does not read back: {e}\n{csv_text}"));
    assert_eq!(again.to_csv_string().unwrap(), csv_text);
    assert_eq!(again.len(), s.len());
    let shuffled = interleave_customers(&csv_text);
    let other = read_surveys_csv(shuffled.as_bytes(), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("reordered rows do not read back: {e}\n{shuffled}"));
    assert_eq!(
        other.to_csv_string().unwrap(),
        csv_text,
        "row order changed the surveys"
    );
}

/// Loads with the options of `flags` ([`options`]) strictly and leniently, checks that the two
/// agree ([`check_modes`]), and returns the lenient load.
pub fn load_both_modes<T>(
    flags: u8,
    load: impl Fn(&LoadOptions) -> journey_core::Result<T>,
    skipped: impl Fn(&T) -> u64,
    same: impl Fn(&T, &T) -> bool,
) -> journey_core::Result<T> {
    let mut opts = options(flags);
    opts.mode = Mode::Strict;
    let strict = load(&opts);
    opts.mode = Mode::Lenient;
    let lenient = load(&opts);
    check_modes(&strict, &lenient, skipped, same);
    lenient
}

/// Events loaded in both modes ([`load_both_modes`]): a log loaded leniently keeps every row
/// it read but those it skipped, and passes [`check_log`]. Returns that log.
pub fn check_event_loads(
    flags: u8,
    load: impl Fn(&LoadOptions) -> journey_core::Result<EventLog>,
) -> Option<EventLog> {
    let log = load_both_modes(
        flags,
        load,
        |l| l.load_report().rows_skipped,
        |a, b| a.rows().eq(b.rows()),
    )
    .ok()?;
    let r = log.load_report();
    assert_eq!(r.rows_kept + r.rows_skipped, r.rows_read);
    assert_eq!(r.rows_kept as usize, log.n_events());
    check_log(&log);
    Some(log)
}

/// Strict and lenient loads agree: a clean strict load is the lenient one with nothing
/// skipped; a failed strict load skips at least one row leniently (or fails the same way,
/// for errors of the whole input such as a missing column).
pub fn check_modes<T>(
    strict: &journey_core::Result<T>,
    lenient: &journey_core::Result<T>,
    skipped: impl Fn(&T) -> u64,
    same: impl Fn(&T, &T) -> bool,
) {
    match (strict, lenient) {
        (Ok(a), Ok(b)) => {
            assert_eq!(skipped(b), 0, "lenient skipped rows that strict took");
            assert!(same(a, b), "strict and lenient loads differ");
        }
        (Err(_), Ok(b)) => assert!(skipped(b) > 0, "strict failed, lenient skipped nothing"),
        (Ok(_), Err(e)) => panic!("strict loaded, lenient failed: {e}"),
        (Err(_), Err(_)) => {}
    }
}
