"""Every file is read and written in ``io/`` (and by the workflow and the faces), never in a stage module.

An AST scan of ``src/openfield`` for the calls that touch files: ``open``, pandas' ``read_csv``/``to_csv``
(and Excel, Parquet), ``json.load``/``json.dump``, ``Path.read_text``/``write_text``/``read_bytes``/
``write_bytes``, ``glob``/``iterdir``/``os.walk``, OpenCV's ``imread``/``imwrite``/``VideoWriter``/
``VideoCapture``, ``savefig``, ``numpy.load``/``save``, ``h5py.File``, ``safe_open``, and openfield's own
writers (``atomic_write``, ``write_csv``, ``write_json``, ``save_figure``). They are allowed in ``io/``,
``pipeline/``, ``commands/``, ``cli.py``, ``pose/`` (DeepLabCut's API takes paths), ``draw/`` (its server),
``demo.py`` and the synthetic-data factories (the ``synthetic/`` package). The scan itself is
tested on a small module written here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "openfield"

#: Where files may be touched (paths relative to the package).
ALLOWED = ("io/", "pipeline/", "commands/", "cli.py", "pose/", "draw/", "demo.py", "synthetic/")

#: Stage modules that still touch files, each to move into io/ (none now); an entry that no longer does fails.
NOT_YET_MOVED: set[str] = set()

#: Method or function names that read or write a file, whatever they are called on.
FILE_CALLS = {"read_csv", "to_csv", "read_excel", "to_excel", "read_parquet", "to_parquet", "read_text",
              "write_text", "read_bytes", "write_bytes", "glob", "rglob", "iterdir", "imread", "imwrite",
              "VideoWriter", "VideoCapture", "savefig", "safe_open", "atomic_write", "write_csv", "write_json",
              "save_figure"}
#: ``module.function`` calls that read or write a file.
QUALIFIED = {("json", "load"), ("json", "dump"), ("os", "walk"), ("np", "load"), ("np", "save"),
             ("np", "savez"), ("h5py", "File"), ("pickle", "load"), ("pickle", "dump")}


def file_calls(source: str) -> list[tuple[int, str]]:
    """``(line, call)`` of every call in ``source`` that touches a file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and (func.id in FILE_CALLS or func.id == "open"):
            found.append((node.lineno, func.id))
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if func.attr in FILE_CALLS or (owner, func.attr) in QUALIFIED:
                found.append((node.lineno, f"{owner or '...'}.{func.attr}"))
    return sorted(found)


def test_the_scan_finds_file_access():
    source = ("import json\nimport pandas as pd\n\ndef f(p, df, fig, x):\n    with open(p) as fh:\n"
              "        json.load(fh)\n    df.to_csv(p)\n    pd.read_csv(p)\n    p.read_text()\n    fig.savefig(p)\n"
              "    json.loads(x)\n    df.to_dict()\n    sorted(p)\n")
    assert file_calls(source) == [(5, "open"), (6, "json.load"), (7, "df.to_csv"), (8, "pd.read_csv"),
                                  (9, "p.read_text"), (10, "fig.savefig")]


def _stage_modules() -> dict[str, list[tuple[int, str]]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(ALLOWED) or rel in ALLOWED:
            continue
        calls = file_calls(path.read_text())
        if calls:
            out[rel] = calls
    return out


def test_no_file_access_outside_io_and_the_workflow():
    found = _stage_modules()
    new = {rel: calls for rel, calls in found.items() if rel not in NOT_YET_MOVED}
    assert new == {}, "read and write files in openfield/io/ (stage modules take and return data)"
    assert NOT_YET_MOVED - set(found) == set(), "no longer touches files: remove from NOT_YET_MOVED"
