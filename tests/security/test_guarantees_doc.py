"""docs/GUARANTEES.md names a test for every promise: each one named must exist (so a renamed or deleted
test cannot leave a promise unproved without this failing)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITED = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)+)`")


def defined(path: Path) -> set[str]:
    """Names of the file's test functions and classes' methods, as `name` and `Class::name`."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(f"{node.name}::{item.name}" for item in node.body if isinstance(item, ast.FunctionDef))
            names.update(f"{node.name}::{base}" for base in inherited(path, node))
    return names


def inherited(path: Path, node: ast.ClassDef) -> set[str]:
    """Tests a suite class inherits from a base module in the same folder (the transport suite's shape)."""
    methods: set[str] = set()
    for base in path.parent.glob("*.py"):
        for other in ast.parse(base.read_text(encoding="utf-8")).body:
            if isinstance(other, ast.ClassDef) and any(getattr(b, "id", None) == other.name for b in node.bases):
                methods.update(i.name for i in other.body if isinstance(i, ast.FunctionDef))
    return methods


def test_every_test_the_guarantees_cite_exists() -> None:
    text = (ROOT / "docs" / "GUARANTEES.md").read_text(encoding="utf-8")
    cited = CITED.findall(text)
    assert len(cited) >= 30
    missing = [f"{file}{name}" for file, name in cited
               if not (ROOT / file).exists() or name.removeprefix("::") not in defined(ROOT / file)]
    assert missing == []
