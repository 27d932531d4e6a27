"""Every ```python block of the README and docs/*.md runs (the docs stay true)."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks():
    for doc in DOCS:
        for i, m in enumerate(BLOCK.finditer(doc.read_text())):
            yield pytest.param(m.group(1), id=f"{doc.name}#{i}")


@pytest.mark.parametrize("code", list(blocks()))
def test_doc_block(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<doc>", "exec"), {"__name__": "__doc__"})


def test_readme_has_python():
    assert len(list(blocks())) >= 1
