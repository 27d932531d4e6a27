"""Runs the `>>>` examples in the module docstrings."""

import doctest

import journey


def test_module_doctests():
    result = doctest.testmod(journey, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
