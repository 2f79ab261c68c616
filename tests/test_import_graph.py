"""The package's import graph: no cycles, the layers of ``docs/architecture.md`` kept, imports at the top.

The graph is read from the source by ``docs/gen_import_graph.py`` (``ast``, nothing imported): every
import is an edge, inside a function or under ``if TYPE_CHECKING:`` too, and importing ``openfield.a.b``
from outside ``openfield.a`` is also an edge to ``openfield/a/__init__.py``. The checker itself is tested
first on a small package written here, whose cycle and upward import are known.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Modules allowed imports inside functions without the rule's reasons (none now: the throughput work is merged).
#: Each entry must still have such an import (no stale entry).
OWNED_ELSEWHERE: set[str] = set()

#: Imports that go up a layer, known and to be removed (none now).
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _gen():
    spec = importlib.util.spec_from_file_location("gen_import_graph", REPO / "docs" / "gen_import_graph.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


gen = _gen()


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "openfield" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_checker_finds_a_cycle_hidden_in_a_function_and_under_type_checking(tmp_path):
    src = _package(tmp_path, {
        "__init__.py": "",
        "errors.py": "",
        "a.py": "def f():\n    from openfield.b import g\n",
        "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from openfield import a\n",
        "c.py": "from openfield.errors import x\n",
    })
    edges = gen.graph(src)
    assert edges["openfield.a"] == {"openfield.b"} and edges["openfield.b"] == {"openfield.a"}
    assert edges["openfield.c"] == {"openfield.errors"}
    assert gen.cycles(edges) == [["openfield.a", "openfield.b"]]


def test_checker_counts_a_package_init_as_an_edge(tmp_path):
    """x -> p.q runs p/__init__.py, which imports x: a cycle at import time, though no module names x twice."""
    src = _package(tmp_path, {
        "__init__.py": "", "x.py": "from openfield.p.q import y\n",
        "p/__init__.py": "from openfield.x import z\n", "p/q.py": "",
    })
    assert gen.cycles(gen.graph(src)) == [["openfield.p", "openfield.x"]]


def test_checker_finds_an_upward_import_and_a_misplaced_import(tmp_path):
    src = _package(tmp_path, {
        "__init__.py": "",
        "errors.py": "from openfield.pipeline import run\n",  # a basic module importing the workflow
        "pipeline/__init__.py": "",
        "pipeline/run.py": ("def f():\n    import json\n\n\ndef g():\n    import torch  # lazy: optional\n\n\n"
                            "def h():\n    import torch\n"),
    })
    assert gen.upward_imports(gen.graph(src)) == [("openfield.errors", "openfield.pipeline"),
                                                  ("openfield.errors", "openfield.pipeline.run")]
    assert [(i.target, i.line) for i in gen.imports_not_at_top(src)] == [("json", 2), ("torch", 10)]


def test_no_import_cycles():
    assert gen.cycles(gen.graph()) == []


def test_every_module_is_in_a_layer():
    for module in gen.modules():
        gen.layer_of(module)  # raises, naming the module, when none holds it


def test_no_module_imports_from_a_higher_layer():
    upward = set(gen.upward_imports(gen.graph()))
    assert upward - KNOWN_UPWARD == set(), "imports from a higher layer (see docs/architecture.md)"
    assert KNOWN_UPWARD - upward == set(), "gone: remove them from KNOWN_UPWARD"


def test_imports_are_at_the_top_of_modules():
    misplaced = [f"{i.module}:{i.line}: {i.text}" for i in gen.imports_not_at_top() if i.module not in OWNED_ELSEWHERE]
    assert misplaced == [], ("move these imports to the top of the module, or (a heavy or optional dependency, "
                             "see LAZY_MODULES in docs/gen_import_graph.py) say why in a comment")
    still = {i.module for i in gen.imports_not_at_top()}
    assert still >= OWNED_ELSEWHERE, f"no longer needed in OWNED_ELSEWHERE: {OWNED_ELSEWHERE - still}"


@pytest.mark.parametrize(("a", "b"), [
    ("openfield.behavior.outputs", "openfield.behavior.vit"), ("openfield.io.lock", "openfield.io.files"),
    ("openfield.io.images", "openfield.io.video"), ("openfield.tracking.arena_track", "openfield.orientation"),
    ("openfield.pipeline.parallel", "openfield.pipeline.run")])
def test_the_five_old_circles_go_one_way(a, b):
    """Issue 23's five circles: the first module of each pair imports the second, never the reverse."""
    edges = gen.graph()
    assert b in edges[a] and a not in edges[b]


def test_architecture_page_graph_is_up_to_date():
    page = gen.ARCHITECTURE_MD.read_text()
    assert gen.updated_page(page) == page, f"docs/architecture.md is stale: run `{gen.REGENERATE}` and commit it"
