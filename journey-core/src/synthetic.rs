//! Deterministic, realistic synthetic data: an omnichannel event log and survey responses.
//!
//! Four personas with different channel preferences move through 22 touchpoints over the five
//! default stages. About a quarter reach the cart; about half of those who reach
//! `checkout_shipping` leave there (shipping costs appear late); 3-8% convert; some buy again
//! weeks later; journeys have quiet periods of more than a week; survey scores follow the
//! experience (abandoned checkouts score low). `purchase` and its confirmation email share a
//! timestamp, so ties are exercised. Same `(customers, seed)`, same data, on every platform.

use crate::model::{
    Catalog, EventLog, EventLogBuilder, Kind, RawResponse, Surveys, SurveysBuilder, NO_ID,
};
use crate::time::US_PER_SEC;

/// The checkout funnel of the synthetic shop: its steps in order (the funnel the benchmarks
/// time).
pub const CHECKOUT_STEPS: [&str; 5] = [
    "product_page",
    "add_to_cart",
    "checkout_shipping",
    "checkout_payment",
    "purchase",
];

/// The synthetic touchpoints: `(name, channel, stage, kind)`.
pub const TOUCHPOINTS: [(&str, &str, &str, Kind); 22] = [
    ("instagram_ad", "social", "awareness", Kind::Digital),
    ("tiktok_ad", "social", "awareness", Kind::Digital),
    ("google_search", "search", "awareness", Kind::Digital),
    ("blog_post", "content", "awareness", Kind::Digital),
    ("friend_referral", "referral", "awareness", Kind::Physical),
    ("landing_page", "web", "consideration", Kind::Digital),
    ("product_page", "web", "consideration", Kind::Digital),
    ("review_site", "content", "consideration", Kind::Digital),
    ("newsletter_email", "email", "consideration", Kind::Digital),
    ("store_visit", "store", "consideration", Kind::Physical),
    ("live_chat", "support", "consideration", Kind::Digital),
    ("add_to_cart", "web", "purchase", Kind::Digital),
    ("checkout_shipping", "web", "purchase", Kind::Digital),
    ("checkout_payment", "web", "purchase", Kind::Digital),
    ("purchase", "web", "purchase", Kind::Digital),
    (
        "order_confirmation_email",
        "email",
        "retention",
        Kind::Digital,
    ),
    ("delivery_tracking", "web", "retention", Kind::Digital),
    ("support_call", "support", "retention", Kind::Physical),
    ("app_open", "app", "retention", Kind::Digital),
    ("review_request_email", "email", "advocacy", Kind::Digital),
    ("review_written", "content", "advocacy", Kind::Digital),
    ("referral_share", "social", "advocacy", Kind::Digital),
];

/// The synthetic personas: name and relative weight.
pub const PERSONAS: [(&str, u32); 4] = [
    ("deal_hunter", 35),
    ("researcher", 30),
    ("loyal_regular", 20),
    ("store_browser", 15),
];

/// The catalog of the synthetic touchpoints.
pub fn catalog() -> Catalog {
    let mut c = Catalog::new();
    for (name, channel, stage, kind) in TOUCHPOINTS {
        c.insert(name, Some(channel), Some(stage), kind);
    }
    c
}

/// First possible event: 2026-01-01T00:00:00Z.
const EPOCH_2026: i64 = 1_767_225_600;
const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// SplitMix64: tiny, fast, and fixed forever (the data must not change with a dependency).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        crate::rng::splitmix64(&mut self.0)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in [lo, hi].
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = (self.next() % total as u64) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

fn tp(name: &str) -> u32 {
    TOUCHPOINTS
        .iter()
        .position(|t| t.0 == name)
        .expect("synthetic touchpoint") as u32
}

/// Per persona: awareness touchpoints, consideration touchpoints, propensity to reach the cart,
/// mean order value.
struct Profile {
    awareness: &'static [&'static str],
    consideration: &'static [&'static str],
    cart: f64,
    order_value: f64,
    purchase_channel: &'static str,
}

const PROFILES: [Profile; 4] = [
    Profile {
        awareness: &["instagram_ad", "tiktok_ad", "instagram_ad", "google_search"],
        consideration: &[
            "landing_page",
            "product_page",
            "newsletter_email",
            "product_page",
        ],
        cart: 0.24,
        order_value: 38.0,
        purchase_channel: "web",
    },
    Profile {
        awareness: &["google_search", "blog_post", "google_search"],
        consideration: &[
            "product_page",
            "review_site",
            "review_site",
            "live_chat",
            "product_page",
        ],
        cart: 0.22,
        order_value: 85.0,
        purchase_channel: "web",
    },
    Profile {
        awareness: &["friend_referral", "google_search"],
        consideration: &["newsletter_email", "product_page", "newsletter_email"],
        cart: 0.34,
        order_value: 62.0,
        purchase_channel: "app",
    },
    Profile {
        awareness: &["friend_referral", "instagram_ad", "google_search"],
        consideration: &["store_visit", "product_page", "store_visit", "live_chat"],
        cart: 0.2,
        order_value: 120.0,
        purchase_channel: "store",
    },
];

/// Generates one customer's events and survey answers.
struct Gen<'a> {
    rng: Rng,
    b: &'a mut EventLogBuilder,
    surveys: &'a mut Vec<RawResponse>,
    customer: u32,
    customer_id: String,
    ch_ids: &'a [u32],
    st_ids: &'a [u32],
    persona_value: u32,
    t: i64,
}

impl Gen<'_> {
    fn event(&mut self, name: &str, value: f64, channel_override: Option<u32>) {
        let t = tp(name);
        let ch = channel_override.unwrap_or(self.ch_ids[t as usize]);
        self.b.push_ids(
            self.customer,
            self.t * US_PER_SEC,
            t,
            ch,
            self.st_ids[t as usize],
            value,
        );
        *self.b.props[0].last_mut().expect("row") = self.persona_value;
    }
    /// Moves time on by a within-session step (0 to 4 minutes; 0 makes a tie).
    fn step(&mut self) {
        self.t += self.rng.range(0, 4 * MIN);
    }
    /// Moves time on to a new session: hours to days, sometimes more than a week.
    fn new_session(&mut self) {
        self.t += if self.rng.chance(0.12) {
            self.rng.range(8 * DAY, 30 * DAY)
        } else {
            self.rng.range(2 * HOUR, 3 * DAY)
        };
    }
    fn survey(
        &mut self,
        touchpoint: Option<&str>,
        nps: Option<u8>,
        csat: Option<u8>,
        ces: Option<u8>,
    ) {
        self.surveys.push(RawResponse {
            customer_id: self.customer_id.clone(),
            timestamp_us: (self.t + self.rng.range(HOUR, 2 * DAY)) * US_PER_SEC,
            touchpoint: touchpoint.map(str::to_string),
            nps,
            csat,
            ces,
        });
    }
    /// A score drawn around `mean` on [lo, hi].
    fn score(&mut self, mean: f64, spread: f64, lo: u8, hi: u8) -> u8 {
        let x = mean + spread * (self.rng.f() + self.rng.f() + self.rng.f() - 1.5);
        x.round().clamp(lo as f64, hi as f64) as u8
    }
}

fn simulate(g: &mut Gen<'_>, p: &Profile) {
    // Long because it tells one customer's story in order (awareness to purchase and after);
    // splitting the story would pass the generator and the profile to every part.
    // Awareness: one to three touches in the first session.
    for _ in 0..g.rng.range(1, 3) {
        let a = g.rng.pick(p.awareness);
        g.event(a, f64::NAN, None);
        g.step();
    }
    // Consideration: one to four sessions of browsing.
    let sessions = g.rng.range(1, 4);
    for s in 0..sessions {
        if s > 0 {
            g.new_session();
            if g.rng.chance(0.5) {
                let a = g.rng.pick(p.awareness);
                g.event(a, f64::NAN, None);
                g.step();
            }
        }
        for _ in 0..g.rng.range(1, 4) {
            let c = g.rng.pick(p.consideration);
            g.event(c, f64::NAN, None);
            g.step();
        }
    }
    let mut orders = 0;
    let mut repeat_chance = 1.0;
    while g
        .rng
        .chance(if orders == 0 { p.cart } else { repeat_chance })
    {
        if orders > 0 {
            // Weeks later, back for more.
            g.t += g.rng.range(14 * DAY, 60 * DAY);
            g.event("newsletter_email", f64::NAN, None);
            g.step();
            g.event("product_page", f64::NAN, None);
            g.step();
        }
        g.event("add_to_cart", f64::NAN, None);
        g.step();
        if g.rng.chance(0.35) {
            // Left with a full cart.
            if orders == 0 && g.rng.chance(0.08) {
                let csat = g.score(2.6, 2.0, 1, 5);
                g.survey(Some("add_to_cart"), None, Some(csat), None);
            }
            break;
        }
        g.event("checkout_shipping", f64::NAN, None);
        g.step();
        if g.rng.chance(0.5) {
            // Abandoned at the shipping form: shipping costs appear late.
            if g.rng.chance(0.25) {
                let nps = g.score(4.0, 4.0, 0, 10);
                let csat = g.score(2.0, 2.0, 1, 5);
                g.survey(Some("checkout_shipping"), Some(nps), Some(csat), None);
            }
            if g.rng.chance(0.3) {
                g.new_session();
                g.event("live_chat", f64::NAN, None);
                let ces = g.score(5.2, 2.5, 1, 7);
                g.survey(Some("live_chat"), None, None, Some(ces));
            }
            break;
        }
        g.event("checkout_payment", f64::NAN, None);
        g.step();
        if g.rng.chance(0.12) {
            break;
        }
        let value = (p.order_value * (0.4 + 1.2 * g.rng.f()) * 100.0).round() / 100.0;
        let channel = g.b.channels.get(p.purchase_channel);
        g.event("purchase", value, channel);
        // The confirmation is sent a second later (at the same second, the content order of
        // ties would put it before the purchase).
        g.t += 1;
        g.event("order_confirmation_email", f64::NAN, None);
        orders += 1;
        repeat_chance = if orders == 1 { 0.3 } else { 0.15 };
        let smooth = g.rng.chance(0.85);
        if g.rng.chance(0.55) {
            let nps = if smooth {
                g.score(8.6, 3.0, 0, 10)
            } else {
                g.score(5.0, 4.0, 0, 10)
            };
            let csat = if smooth {
                g.score(4.4, 1.6, 1, 5)
            } else {
                g.score(2.4, 2.0, 1, 5)
            };
            g.survey(Some("purchase"), Some(nps), Some(csat), None);
        }
        g.t += g.rng.range(DAY, 4 * DAY);
        g.event("delivery_tracking", f64::NAN, None);
        if !smooth {
            g.step();
            g.event("support_call", f64::NAN, None);
            if g.rng.chance(0.5) {
                let ces = g.score(4.8, 3.0, 1, 7);
                g.survey(Some("support_call"), None, None, Some(ces));
            }
        }
        if g.rng.chance(0.4) {
            g.t += g.rng.range(DAY, 10 * DAY);
            g.event("app_open", f64::NAN, None);
        }
        if g.rng.chance(0.5) {
            g.t += g.rng.range(5 * DAY, 9 * DAY);
            g.event("review_request_email", f64::NAN, None);
            if smooth && g.rng.chance(0.3) {
                g.step();
                g.event("review_written", f64::NAN, None);
                if g.rng.chance(0.3) {
                    g.step();
                    g.event("referral_share", f64::NAN, None);
                }
            }
        }
    }
    if orders == 0 && g.rng.chance(0.01) {
        // A general relationship survey with no touchpoint.
        let nps = g.score(6.0, 5.0, 0, 10);
        g.survey(None, Some(nps), None, None);
    }
}

/// Builds the synthetic data for customers `lo..hi` into a builder (property `persona`).
fn chunk(seed: u64, lo: usize, hi: usize) -> (EventLogBuilder, Vec<RawResponse>) {
    let mut b = EventLogBuilder::new().with_properties(&["persona"]);
    for (name, ..) in TOUCHPOINTS {
        b.touchpoints.intern(name);
    }
    let ch_ids: Vec<u32> = TOUCHPOINTS.iter().map(|t| b.channels.intern(t.1)).collect();
    for extra in ["app", "store"] {
        b.channels.intern(extra);
    }
    let st_ids: Vec<u32> = TOUCHPOINTS.iter().map(|t| b.stages.intern(t.2)).collect();
    let persona_values: Vec<u32> = PERSONAS
        .iter()
        .map(|p| b.prop_values[0].intern(p.0))
        .collect();
    let weights: Vec<u32> = PERSONAS.iter().map(|p| p.1).collect();
    let mut surveys = Vec::new();
    for i in lo..hi {
        let mut rng = Rng::new(seed, i as u64);
        let persona = rng.weighted(&weights);
        let customer_id = format!("c{:07}", i + 1);
        let customer = b.customers.intern(&customer_id);
        let t = EPOCH_2026 + rng.range(0, 180 * DAY);
        let mut g = Gen {
            rng,
            b: &mut b,
            surveys: &mut surveys,
            customer,
            customer_id,
            ch_ids: &ch_ids,
            st_ids: &st_ids,
            persona_value: persona_values[persona],
            t,
        };
        simulate(&mut g, &PROFILES[persona]);
    }
    let _ = NO_ID;
    (b, surveys)
}

/// The options of [`synthetic()`] as the bindings take them, with their defaults: 1000
/// customers, seed 42.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticOptions {
    /// How many customers.
    pub customers: usize,
    /// The seed: the same seed gives the same data.
    pub seed: u64,
}

impl Default for SyntheticOptions {
    fn default() -> Self {
        SyntheticOptions {
            customers: 1000,
            seed: 42,
        }
    }
}

/// A synthetic event log and survey responses for `customers` customers (about ten events
/// each), deterministic in `seed`.
///
/// ```
/// let (log, surveys) = journey_core::synthetic(1_000, 42);
/// assert_eq!(log.n_customers(), 1_000);
/// assert!(log.n_events() > 5_000);
/// assert!(!surveys.is_empty());
/// ```
pub fn synthetic(customers: usize, seed: u64) -> (EventLog, Surveys) {
    const CHUNK: usize = 1 << 15;
    let ranges: Vec<(usize, usize)> = (0..customers)
        .step_by(CHUNK)
        .map(|lo| (lo, (lo + CHUNK).min(customers)))
        .collect();
    #[cfg(feature = "parallel")]
    let parts: Vec<_> = {
        use rayon::prelude::*;
        ranges
            .par_iter()
            .map(|&(lo, hi)| chunk(seed, lo, hi))
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<_> = ranges.iter().map(|&(lo, hi)| chunk(seed, lo, hi)).collect();
    let mut builder = EventLogBuilder::new().with_properties(&["persona"]);
    let mut sb = SurveysBuilder::new();
    for (b, s) in parts {
        builder.append(b);
        for r in s {
            sb.push(r).expect("synthetic scores are in range");
        }
    }
    (builder.build(Some(&catalog()), &["purchase"]), sb.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_realistic() {
        let (a, sa) = synthetic(20_000, 7);
        let (b, sb) = synthetic(20_000, 7);
        assert_eq!(a.rows().collect::<Vec<_>>(), b.rows().collect::<Vec<_>>());
        assert_eq!(sa, sb);
        let s = a.summary();
        let rate = s.n_converting_customers as f64 / s.n_customers as f64;
        assert!((0.03..=0.08).contains(&rate), "conversion rate {rate}");
        let per = s.n_events as f64 / s.n_customers as f64;
        assert!((7.0..=13.0).contains(&per), "events per customer {per}");
        // About half of those reaching checkout_shipping leave there.
        let ship = a.touchpoint_id("checkout_shipping").unwrap();
        let pay = a.touchpoint_id("checkout_payment").unwrap();
        let (mut reached, mut left) = (0, 0);
        for j in a.journeys() {
            let tps = j.touchpoints();
            if tps.contains(&ship) {
                reached += 1;
                if !tps.contains(&pay) {
                    left += 1;
                }
            }
        }
        let share = left as f64 / reached as f64;
        assert!((0.4..=0.6).contains(&share), "left at shipping {share}");
        assert_eq!(a.touchpoints().len(), 22);
        let per_survey = s.n_customers as f64 / sa.len() as f64;
        assert!(
            (6.0..=16.0).contains(&per_survey),
            "customers per survey {per_survey}"
        );
    }

    #[test]
    fn different_seeds_differ() {
        let (a, _) = synthetic(100, 1);
        let (b, _) = synthetic(100, 2);
        assert_ne!(a.rows().collect::<Vec<_>>(), b.rows().collect::<Vec<_>>());
    }
}
