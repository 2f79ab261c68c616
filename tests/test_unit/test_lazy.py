"""Start-up: no dask and no scipy.signal in ``openfield kinematics``; xarray still right about dask arrays once
dask is in; the smoother's three scipy.signal functions give scipy's very numbers; the program's exit (without
the interpreter's teardown) keeps its status and its output."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from openfield import lazy, smoothing
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
print("scipy.signal" in sys.modules, "scipy.stats" in sys.modules, "scipy.signal._sigtools" in sys.modules)
import numpy as np
from openfield import lazy
b, a, x = [0.2, 0.1], [1.0, -0.5, 0.06], np.arange(50.0) ** 1.5
ours = lazy.lfilter(b, a, x, zi=lazy.lfilter_zi(b, a) * x[0])[0]
import scipy.signal
print("same", np.array_equal(ours, scipy.signal.lfilter(b, a, x, zi=scipy.signal.lfilter_zi(b, a) * x[0])[0]),
      sys.modules["scipy.signal._signaltools"]._sigtools is sys.modules["scipy.signal._sigtools"])
import dask.array as da
import xarray as xr
arr = xr.DataArray(da.ones((4, 3), chunks=2), dims=("a", "b"))
print("chunked", arr.chunks is not None, "sum", float(arr.sum().compute()))
"""
    out = python(code)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "rc 0 dask []"  # the whole command ran without dask
    assert lines[1] == "False False True"  # and without scipy.signal (nor scipy.stats): its compiled filter only
    assert lines[2] == "same True True"  # the very numbers of scipy.signal, imported afterwards (one _sigtools)
    assert lines[3] == "chunked True sum 12.0"  # once imported, dask arrays are dask arrays to xarray


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_the_smoothers_filters_are_scipy_signals_to_the_bit(monkeypatch, fps):
    """The steady-state RTS smoother's transfer functions and filtering, by openfield.lazy without scipy.signal
    loaded, against scipy.signal's own."""
    f, k, c, h = smoothing._ca_model(fps, 50.0, 0.01)[:4]
    z = np.cumsum(np.random.default_rng(int(fps)).normal(0, 1, 500))
    ref = scipy.signal
    monkeypatch.delitem(sys.modules, "scipy.signal")  # openfield.lazy's own path (scipy.signal not loaded)
    a = (np.eye(3) - k @ h) @ f
    m = np.eye(3) - c @ f
    for ours, theirs in [(lazy.ss2tf(a, k, a[1:2], k[1:2]), ref.ss2tf(a, k, a[1:2], k[1:2])),
                         (lazy.ss2tf(c, m, c[:1], m[:1], input=2), ref.ss2tf(c, m, c[:1], m[:1], input=2))]:
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1], theirs[1])
        b, den = ours[0][0], ours[1]
        np.testing.assert_array_equal(lazy.lfilter_zi(b, den), ref.lfilter_zi(b, den))
        zi = ref.lfilter_zi(b, den) * z[0]
        for got, want in zip(lazy.lfilter(b, den, z, zi=zi), ref.lfilter(b, den, z, zi=zi), strict=True):
            np.testing.assert_array_equal(got, want)
    assert "scipy.signal" not in sys.modules  # nothing above imported it again
    # and the whole smoother, both ways
    xy = np.stack([z, z[::-1]], axis=1)
    mine = smoothing.smooth_track(xy, fps, noise_cm=0.1)
    monkeypatch.setitem(sys.modules, "scipy.signal", ref)
    np.testing.assert_array_equal(mine, smoothing.smooth_track(xy, fps, noise_cm=0.1))


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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_find_peaks_is_scipy_signals_to_the_index(monkeypatch, seed):
    """Peaks of noisy speed-like signals (plateaus included) with a height and a prominence, against scipy's."""
    rng = np.random.default_rng(seed)
    x = np.round(np.abs(np.cumsum(rng.normal(0, 1, 2000))), 1)  # rounding makes plateaus
    want = scipy.signal.find_peaks(x, height=0.2 * x.max(), prominence=0.05 * x.max())[0]
    assert len(want) >= 3
    ref = sys.modules.pop("scipy.signal")  # openfield.lazy's own path
    try:
        got = lazy.find_peaks(x, height=0.2 * x.max(), prominence=0.05 * x.max())
        assert "scipy.signal" not in sys.modules
    finally:
        sys.modules["scipy.signal"] = ref
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype
