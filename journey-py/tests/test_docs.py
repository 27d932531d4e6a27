"""Runs the `>>>` examples of the docstrings: the module's and every public class's and
function's (those written in Rust too)."""

import doctest

import pytest

import journey

NAMES = [n for n in journey.__all__ if not n.startswith("_")]


def run(obj, name):
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    # module=False: the objects are defined in the extension module, not in `journey` itself.
    for test in finder.find(obj, name, module=False, globs={"journey": journey}):
        runner.run(test)
    return runner.summarize(verbose=False)


def test_module_doctests():
    result = doctest.testmod(journey, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("name", NAMES)
def test_api_doctests(name):
    obj = getattr(journey, name)
    if not (callable(obj) or isinstance(obj, type)):
        pytest.skip("not code")
    pytest.importorskip("pandas")
    pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    failed, _ = run(obj, f"journey.{name}")
    assert failed == 0


def test_there_are_api_examples():
    total = 0
    for name in NAMES:
        obj = getattr(journey, name)
        for t in doctest.DocTestFinder().find(obj, name, module=False):
            total += len(t.examples)
    assert total >= 20
