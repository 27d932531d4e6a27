"""Writes the seed corpus of the fuzz targets from the shared test vectors
(journey-core/tests/vectors) and a few hand-made shapes. (The binary_log seeds are
`EventLog.to_bytes()` of small logs, written with the Python package; the partial_bytes seeds
are written by `cargo run --manifest-path fuzz/Cargo.toml --example seed_partials`; the
structured targets, columns and arrow_columns, start from nothing.) Run from the repo top:
`python3 fuzz/seed.py`, then minimise with `cargo +nightly fuzz cmin TARGET` (docs/reliability.md).
"""

import csv
import glob
import hashlib
import io
import json
import os

OPTION_TARGET = {
    "funnel": 1, "sessions": 2, "conversion_paths": 3, "path_stats": 4, "transition_graph": 5,
    "attribution": 6, "attribution_table": 7, "retention": 9, "kpis": 10, "nps": 11, "csat": 11,
}


def put(target, data):
    d = os.path.join("fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def as_json(text, lines):
    rows = list(csv.DictReader(io.StringIO(text)))
    if lines:
        return "\n".join(json.dumps(r) for r in rows).encode()
    return json.dumps(rows, indent=1).encode()


for path in sorted(glob.glob("journey-core/tests/vectors/*/*.json")):
    v = json.load(open(path))
    if "events_csv" in v:
        put("events_csv", b"\x00" + v["events_csv"].encode())
        try:
            put("events_json", b"\x00" + as_json(v["events_csv"], True))
            put("events_json", b"\x00" + as_json(v["events_csv"], False))
        except Exception:
            pass
    if "surveys_csv" in v:
        put("surveys", b"\x00" + v["surveys_csv"].encode())
        put("surveys", b"\x80" + as_json(v["surveys_csv"], True))
    if "path_table_csv" in v:
        put("path_table", b"\x00" + v["path_table_csv"].encode())
        rows = list(csv.DictReader(io.StringIO(v["path_table_csv"])))
        put("path_table", b"\x01" + json.dumps(rows).encode())
    if v.get("call") in OPTION_TARGET:
        put("options", bytes([OPTION_TARGET[v["call"]]]) + json.dumps(v["args"]).encode())

# Hand-made shapes: the reproducers of issue 16 and the other readers' inputs.
put("events_csv", b"\x00customer_id,timestamp,touchpoint\ra,1,ad\rb,2,ad\r")
put("events_csv", b"\x01customer_id,timestamp,touchpoint\na,1,\"ad\nb,2,ad\n")
put("events_csv", b"\x00customer_id,timestamp,touchpoint,channel,stage,value,plan\r\n"
    b"a,0000-01-01T00:00:00Z,\"x,\"\"y\",web,awareness,1e15,pro\r\na,2016-12-31T23:59:60Z,purchase,,,2,\r\n")
put("events_json", b"\x00[{\"customer_id\":5,\"timestamp\":1,\"touchpoint\":\"x\"}] [1]")
put("events_json", b"\x00{\"customer_id\":5.0,\"timestamp\":\"2026-01-01T00:00:00+01:00\",\"touchpoint\":\"x\",\"value\":1e308}")
put("map_json", open("examples/maps/onboarding.json", "rb").read()
    if os.path.exists("examples/maps/onboarding.json") else b"{}")
for m in glob.glob("examples/**/*.json", recursive=True) + glob.glob("docs/**/*.json", recursive=True):
    data = open(m, "rb").read()
    if b'"stages"' in data and len(data) < 20000:
        put("map_json", data)
for i in range(16):
    put("options", bytes([i]) + b"{}")
put("options", b"\x00" + json.dumps({"mode": "lenient", "conversions": ["signup"], "catalog": {"ad": {"channel": "social"}}}).encode())
put("options", b"\x0e" + json.dumps({"title": "t", "funnel_steps": ["ig_ad", "purchase"]}).encode())
