"""Shared fixtures: the real sample data beside the repository, and offline settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]


def _sample_data_dir() -> Path:
    return Path(os.environ.get("OPENFIELD_SAMPLE_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The real recordings of ``../shared/data`` (override: OPENFIELD_SAMPLE_DATA).

    Fails, rather than skips, when the folder is missing: the real-data
    checks are part of the proof, not optional; ``pytest -m "not real_data"``
    is the offline subset. Every test using it, directly or through another
    fixture, must carry ``@pytest.mark.real_data`` (checked in
    :func:`pytest_runtest_setup`).
    """
    path = _sample_data_dir()
    if not (path / "README.md").exists():
        pytest.fail(
            f"sample data not found at {path}: put the shared data beside the repository "
            "(../shared/data) or set OPENFIELD_SAMPLE_DATA"
        )
    return path


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test that reads the shared data without the ``real_data`` marker.

    Keeps ``pytest -m "not real_data"`` an offline subset: a new test that
    asks for ``sample_data`` (or a fixture built on it) and forgets the
    marker fails here with the line to add, wherever the data is.
    """
    if "sample_data" in getattr(item, "fixturenames", ()) and item.get_closest_marker("real_data") is None:
        pytest.fail(f"{item.nodeid} uses ../shared/data (fixture sample_data): mark it @pytest.mark.real_data",
                    pytrace=False)
