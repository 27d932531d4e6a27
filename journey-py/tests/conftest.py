import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "journey-core" / "tests" / "vectors"


def vector_files():
    return sorted(VECTORS.rglob("*.json"))


@pytest.fixture(scope="session")
def vectors_dir():
    return VECTORS


def load_case(path):
    return json.loads(path.read_text())
