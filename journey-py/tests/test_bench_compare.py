"""examples/python/bench_compare.py on a small log: journey, polars and DuckDB agree.

The script's own check (every engine's canonical result hashed, all hashes equal) is what
this runs in CI; the funnel is also recomputed here by brute force from the file, straight
from the definition in docs/journeys.md, and the generated file is checked to be in time
order with no two events of a customer at the same second.
"""

import collections
import csv
import datetime as dt
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "python" / "bench_compare.py"


def bench():
    spec = importlib.util.spec_from_file_location("bench_compare", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("bench")
    out = d / "out.json"
    p = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", "20000", "--repeats", "1", "--dir", str(d),
         "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    return d, json.loads(out.read_text()), p.stdout


def test_every_engine_ran_and_agrees(small_run):
    d, out, table = small_run
    b = bench()
    runs = out["runs"]
    assert sorted((r["engine"], r["analysis"]) for r in runs) == sorted(
        (e, a) for e in b.ENGINES for a in b.ANALYSES
    )
    for a in b.ANALYSES:
        assert len({r["digest"] for r in runs if r["analysis"] == a}) == 1, a
    # The table to paste: one row per analysis, every engine's figures.
    for a in b.ANALYSES:
        assert f"| {b.ANALYSIS_NAMES[a]} |" in table
    assert "journey fastest end to end?" in table


def test_results_are_real(small_run):
    d, out, _ = small_run
    b = bench()
    results = d / "bench-compare-results"
    funnel = json.loads((results / "journey-funnel.json").read_text())
    assert len(funnel) == 4 and funnel[0] > funnel[1] > funnel[2] > funnel[3] > 0
    rows = json.loads((results / "duckdb-load.json").read_text())["rows"]
    assert 15_000 < rows < 25_000
    graph = json.loads((results / "polars-graph.json").read_text())
    starts = sum(n for s, _, n in graph if s == "start")
    ends = sum(n for _, t, n in graph if t == "end")
    assert starts == ends == round(20_000 / b.EVENTS_PER_CUSTOMER)
    paths = json.loads((results / "duckdb-paths.json").read_text())
    assert sum(c for _, c, _, _ in paths) > 0 and ["", 0, 1, "0.00"] not in paths
    cohorts = json.loads((results / "journey-cohorts.json").read_text())
    assert all(row[2][0] == row[1] for row in cohorts["cohorts"])  # cell 0 is the whole cohort


def read_events(path):
    """Each customer's (seconds, touchpoint) in file order."""
    events = collections.defaultdict(list)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            t = dt.datetime.strptime(row["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
            events[row["customer_id"]].append((t.timestamp(), row["touchpoint"]))
    return events


def test_the_log_is_in_time_order_without_ties(small_run):
    d, out, _ = small_run
    events = read_events(out["file"])
    times = [t for es in events.values() for t, _ in es]
    assert len(times) == sum(len(es) for es in events.values())
    with open(out["file"], newline="") as f:
        stamps = [row["timestamp"] for row in csv.DictReader(f)]
    assert stamps == sorted(stamps)
    for es in events.values():
        assert all(a[0] < b[0] for a, b in zip(es, es[1:]))


def test_funnel_by_brute_force(small_run):
    d, out, _ = small_run
    b = bench()
    steps, window = b.FUNNEL_STEPS, b.WINDOW_US / 1e6
    counts = [0] * len(steps)
    for es in read_events(out["file"]).values():
        best = 0
        for i, (t0, tp) in enumerate(es):
            if tp != steps[0]:
                continue
            reached, at = 1, i
            for step in steps[1:]:
                nxt = next((q for q in range(at + 1, len(es)) if es[q][1] == step), None)
                if nxt is None or es[nxt][0] > t0 + window:
                    break
                reached, at = reached + 1, nxt
            best = max(best, reached)
        for j in range(best):
            counts[j] += 1
    results = d / "bench-compare-results"
    for engine in b.ENGINES:
        assert json.loads((results / f"{engine}-funnel.json").read_text()) == counts, engine


def test_a_disagreement_fails_loudly():
    b = bench()
    runs = [
        {"engine": "journey", "analysis": "graph", "digest": "aaaa"},
        {"engine": "polars", "analysis": "graph", "digest": "aaaa"},
        {"engine": "duckdb", "analysis": "graph", "digest": "bbbb"},
        {"engine": "duckdb", "analysis": "funnel", "digest": "cccc"},
    ]
    expected = r"graph: the results differ \(journey, polars: aaaa; duckdb: bbbb\)"
    with pytest.raises(b.DigestMismatch, match=expected):
        b.check_digests(runs)
    b.check_digests(runs[:2] + runs[3:])
