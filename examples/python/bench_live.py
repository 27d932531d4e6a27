"""Live appends from Python: the time of each append (with the update of a funnel, weekly
retention and a Markov attribution, and their results read) on a large log.

    target/release/bench gen 10000000 bench-data/events-10M.csv
    python examples/python/bench_live.py bench-data/events-10M.csv --rounds 100

The batches are those of ``target/release/bench live`` in shape: 10,000 events each, 70% of
them for customers of the log (one in ten of those before the customer's last event), 30%
for new customers with three events each, touchpoints drawn from the log's. Each round builds
its batch as a list of row dicts first (not timed), then times ``LiveAnalysis.append`` and
the three ``result`` calls. At the end it checks the live funnel against the funnel of the
whole log (not timed). Prints one JSON line: per-round milliseconds (mean, median, last
ten), the load's seconds and the process's peak memory. To compare two builds of the
extension, run the script once with each on ``PYTHONPATH`` (docs/benchmarks.md).
"""

import argparse
import json
import random
import resource
import calendar
import statistics
import sys
import time

import journey

CHECKOUT = ["product_page", "add_to_cart", "checkout_shipping", "checkout_payment", "purchase"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()

    t = time.perf_counter()
    log = journey.read_events(a.path)
    load_s = time.perf_counter() - t
    rss_log = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ids = log.customers()
    # Each touchpoint with the channel and stage the log gives it (from a sample of journeys).
    sample = random.Random(a.seed).sample(ids, min(len(ids), 2000))
    shape = {}
    for c in sample:
        for e in log.journey(c):
            shape.setdefault(e["touchpoint"], (e["channel"], e["stage"]))
    tps = sorted(shape)
    last = log.summary()["last_event"]
    t1 = calendar.timegm(time.strptime(last, "%Y-%m-%dT%H:%M:%SZ"))
    live = journey.LiveAnalysis(
        log,
        {
            "funnel": {"steps": CHECKOUT},
            "retention": {},
            "attribution": {"model": "markov"},
        },
    )
    del log
    rng = random.Random(a.seed)
    # Appended events come after the log's last one; one in ten known ones within the
    # 120 days before it (late events).
    times = []
    for r in range(a.rounds):
        rows = []
        for k in range(a.batch):
            known = rng.random() < 0.7
            cid = rng.choice(ids) if known else f"live{r:04d}-{k // 3:05d}"
            late = known and rng.random() < 0.1
            ts = t1 - rng.randrange(86_400 * 120) if late else t1 + r * 600 + rng.randrange(600)
            tp = rng.choice(tps)
            row = {
                "customer_id": cid,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts)),
                "touchpoint": tp,
                "channel": shape[tp][0],
                "stage": shape[tp][1],
            }
            if tp == "purchase":
                row["value"] = rng.randrange(20_000) / 100
            rows.append(row)
        t = time.perf_counter()
        live.append(rows)
        for name in ("funnel", "retention", "attribution"):
            live.result(name)
        times.append((time.perf_counter() - t) * 1e3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The live funnel against the funnel of the whole log so far (not timed).
    equal = live.result("funnel").to_dict() == live.log.funnel(CHECKOUT).to_dict()
    print(
        json.dumps(
            {
                "file": a.path,
                "rounds": a.rounds,
                "batch": a.batch,
                "load_s": round(load_s, 3),
                "mean_ms": round(statistics.mean(times), 1),
                "median_ms": round(statistics.median(times), 1),
                "first_ten_ms": round(statistics.mean(times[:10]), 1),
                "last_ten_ms": round(statistics.mean(times[-10:]), 1),
                "peak_rss_mb_after_load": round(rss_log, 1),
                "peak_rss_mb": round(peak, 1),
                "events": live.n_events,
                "funnel_equal_to_whole_log": equal,
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
