"""The documentation says what the code does: the CLI reference, the column lists, the links.

``docs/cli.md`` is generated from the argument parsers (``python docs/gen_cli.py``); these tests fail
when it is stale, when a column list in the README or ``docs/kinematics.md`` differs from the code's,
or when a relative link or its ``#anchor`` points nowhere.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from openfield.kinematics import FRAME_COLUMNS, SUMMARY_COLUMNS
from openfield.pipeline import BEHAVIOR_COLUMNS

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def _gen_cli():
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_up_to_date():
    gen = _gen_cli()
    current = gen.CLI_MD.read_text() if gen.CLI_MD.exists() else ""
    assert current == gen.render(), f"docs/cli.md is stale: run `{gen.REGENERATE}` (or `make docs`) and commit it"


def test_cli_reference_lists_every_subcommand():
    text = (DOCS / "cli.md").read_text()
    for command in ("calibrate arena", "kinematics", "track", "run", "demo", "behavior pose-train",
                    "behavior predict", "pose analyze"):
        assert f"`openfield {command}`" in text, command
    assert "`--behavior-model`" in text  # an option of `openfield run`


def _after_marker(text: str, marker: str) -> str:
    """The block (up to the next blank line) after ``<!-- marker: ... -->``."""
    m = re.search(rf"<!-- {marker}:[^>]*-->\n(.*?)(?:\n\n|\Z)", text, re.S)
    assert m, f"marker <!-- {marker}: ... --> not found"
    return m.group(1)


def _table_names(block: str) -> list[str]:
    return re.findall(r"^\| `([a-z0-9_]+)` \|", block, re.M)


def test_kinematics_page_column_tables_equal_the_code():
    text = (DOCS / "kinematics.md").read_text()
    assert _table_names(_after_marker(text, "summary-columns")) == SUMMARY_COLUMNS
    assert _table_names(_after_marker(text, "frame-columns")) == FRAME_COLUMNS


def test_readme_summary_columns_equal_the_code():
    block = _after_marker((REPO / "README.md").read_text(), "summary-columns")
    kinematics, behaviour = block.split("with `--behavior-model`")
    names = [n for n in re.findall(r"`([a-z][a-z0-9_]*)`", kinematics) if not n.endswith("_")]
    assert names == SUMMARY_COLUMNS
    assert re.findall(r"`([a-z][a-z0-9_]*)`", behaviour.split(". ")[0]) == BEHAVIOR_COLUMNS


def test_readme_is_short():
    assert len((REPO / "README.md").read_text().splitlines()) <= 200


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_and_anchors_exist(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.exists(), f"{page.name}: link to {target}: no such file"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest), f"{page.name}: link to {target}: no such heading in {dest.name}"
