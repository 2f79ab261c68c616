"""Start-up: no dask in ``openfield kinematics``; xarray still right about dask arrays once dask is in; the
program's exit (without the interpreter's teardown) keeps its status and its output."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from openfield.io import from_numpy, write_dlc_csv

SRC = str(Path(__file__).resolve().parents[2] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg"}


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120)


ARENA = ["--arena-from-bodyparts", "tl", "tr", "br", "bl", "--arena-size-cm", "40", "40", "--fps", "30"]


def pose_file(folder: Path) -> Path:
    """Two seconds of a random walk in a 200-px arena whose corners are tracked."""
    rng = np.random.default_rng(0)
    pos = 100 + np.cumsum(rng.normal(0, 1, (60, 5, 2)), axis=0)
    pos[:, 1:] = [[0, 0], [200, 0], [200, 200], [0, 200]]  # the arena's corners, still
    ds = from_numpy(pos, np.ones(pos.shape[:2]), ["body", "tl", "tr", "br", "bl"], fps=30.0)
    return write_dlc_csv(ds, folder / "p.csv")


def test_kinematics_command_never_imports_dask_and_xarray_still_knows_dask_arrays(tmp_path):
    pose = pose_file(tmp_path)
    code = f"""
import sys
from openfield.cli import main
rc = main(["kinematics", {str(pose)!r}, *{ARENA!r}, "-o", {str(tmp_path / "out")!r}, "--no-plots"])
print("rc", rc, "dask", sorted(m for m in sys.modules if m == "dask" or m.startswith("dask.")))
import dask.array as da
import xarray as xr
arr = xr.DataArray(da.ones((4, 3), chunks=2), dims=("a", "b"))
print("chunked", arr.chunks is not None, "sum", float(arr.sum().compute()))
"""
    out = python(code)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "rc 0 dask []"  # the whole command ran without dask
    assert lines[1] == "chunked True sum 12.0"  # once imported, dask arrays are dask arrays to xarray


def test_program_exit_keeps_the_status_and_the_output(tmp_path):
    def program(pose: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "openfield", "kinematics", str(pose), *ARENA, "-o",
                               str(tmp_path / "out"), "--no-plots"], env=ENV, capture_output=True, text=True,
                              timeout=120)

    failed = program(tmp_path / "missing.csv")
    assert failed.returncode == 2
    assert "missing.csv" in failed.stderr and "file not found" in failed.stderr
    done = program(pose_file(tmp_path))  # its lines reach the pipes (buffered) before the exit
    assert done.returncode == 0, done.stderr
    assert "p.csv: " in done.stderr and "mean speed" in done.stderr
    assert (tmp_path / "out" / "p_summary.csv").is_file()
