"""The shared test vectors (journey-core/tests/vectors), run against the Python API."""

import math

import pytest

import journey
from conftest import load_case, vector_files


def describe(log):
    return {
        "n_events": log.n_events,
        "n_customers": log.n_customers,
        "touchpoints": log.touchpoints(),
        "channels": log.channels(),
        "report": log.load_report,
        "journeys": {
            c: [[e["timestamp"], e["touchpoint"], e["channel"]] for e in log.journey(c)]
            for c in log.customers()
        },
    }


def describe_surveys(s):
    return {
        "n_responses": s.n_responses,
        "n_customers": s.n_customers,
        "touchpoints": s.touchpoints(),
        "report": s.load_report,
    }


def run(case):
    load = case.get("load", {})
    log = (
        journey.EventLog.from_csv_text(case["events_csv"], **load)
        if "events_csv" in case
        else None
    )
    surveys = (
        journey.Surveys.from_csv_text(case["surveys_csv"], **{k: v for k, v in load.items() if k == "mode"})
        if "surveys_csv" in case
        else None
    )
    table = (
        journey.PathTable.from_csv_text(case["path_table_csv"]) if "path_table_csv" in case else None
    )
    call, args = case["call"], case.get("args", {})
    if call == "describe":
        return describe(log)
    if call == "describe_surveys":
        return describe_surveys(surveys)
    if call in ("nps", "csat", "ces") and "scores" in args:
        return getattr(journey, call)(args["scores"]).to_dict()
    if call == "nps_diff":
        return journey.nps_diff(args["a"], args["b"]).to_dict()
    if call in ("nps", "csat", "ces"):
        joined = surveys if log is None else surveys.with_log(log)
        return getattr(joined, call)(**args).to_dict()
    if call == "compare" and surveys is not None:
        # Survey scores of the two sides, from the case's responses.
        args = {**args, "surveys": surveys}
    target = next(t for t in (table, log, surveys) if t is not None)
    result = getattr(target, call)(**args)
    return result.to_dict() if hasattr(result, "to_dict") else result


def assert_subset(expected, actual, path="$"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{path}.{k} missing in {actual!r}"
            assert_subset(v, actual[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_subset(e, a, f"{path}[{i}]")
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), f"{path}: {actual!r}"
        assert math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {expected} != {actual}"
    else:
        assert expected == actual, f"{path}: {expected!r} != {actual!r}"


@pytest.mark.parametrize("path", vector_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_vector(path):
    case = load_case(path)
    if "expected_error" in case:
        exp = case["expected_error"]
        with pytest.raises(journey.JourneyError) as info:
            run(case)
        err = info.value
        assert err.code == exp["code"], str(err)
        if "line" in exp:
            assert err.line == exp["line"], str(err)
        if "column" in exp:
            assert err.column == exp["column"], str(err)
        if "message_contains" in exp:
            assert exp["message_contains"] in str(err)
    else:
        assert_subset(case["expected"], run(case))


def test_there_are_vectors():
    assert len(vector_files()) >= 10
