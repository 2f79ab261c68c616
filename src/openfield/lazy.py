"""Heavy dependencies kept out of a process until it uses them (start-up time, issue 27).

- dask (optional): see :func:`xarray_without_dask`.
- ``scipy.signal`` (~0.4 s to import, with ``scipy.stats``): the smoother
  (:mod:`openfield.smoothing`) needs three of its functions and the bouts
  (:mod:`openfield.bouts`) one, for ~20 ms of work on an hour of pose;
  :func:`ss2tf`, :func:`lfilter_zi`, :func:`lfilter` and :func:`find_peaks`
  compute exactly what scipy.signal's do (the same numpy operations, and
  scipy's own compiled filter and peak helpers, loaded without the package),
  and are scipy.signal's own once it is imported.

xarray, when dask is installed, imports ``dask`` and ``dask.array`` (~0.4 s,
with numbagg and jinja2) the first time it builds a Dataset, only to ask
whether an array is a dask array (or collection). No object can be one
before dask is imported, so :func:`xarray_without_dask` makes xarray answer
those questions without importing it; once something has imported dask (a
Dask cluster's ``--scheduler``, a user's notebook), xarray gets the real
answers.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


class _DaskOnceImported:
    """Stands for xarray's record of the ``dask`` duck-array module until dask is imported."""

    def _real(self) -> Any:
        from xarray.namedarray import pycompat

        real = pycompat.DuckArrayModule("dask")
        pycompat._cached_duck_array_modules["dask"] = real  # noqa: SLF001 - the record this object stands for
        return real

    @property
    def type(self) -> tuple[type, ...]:
        """The dask array class once dask is imported; before that no array can be one."""
        return self._real().type if "dask" in sys.modules else ()

    @property
    def module(self) -> Any:
        return self._real().module

    @property
    def version(self) -> Any:
        return self._real().version

    @property
    def available(self) -> bool:
        return self._real().available


def _collection_test(original: Callable[[object], bool]) -> Callable[[object], bool]:
    def is_dask_collection(x: object) -> bool:
        """xarray's test, once dask is imported; before that nothing is a dask collection."""
        return "dask" in sys.modules and original(x)

    is_dask_collection.openfield_lazy = True  # type: ignore[attr-defined]
    return is_dask_collection


def xarray_without_dask() -> None:
    """Let xarray build Datasets without importing dask (see the module docstring); idempotent.

    Leaves xarray as it is where dask is already imported, or where this
    xarray keeps its dask tests elsewhere.
    """
    if "dask" in sys.modules:
        return
    try:
        from xarray.namedarray import pycompat
        from xarray.namedarray import utils as xr_utils
    except ImportError:  # pragma: no cover - another xarray layout: it imports dask as it does
        return
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    if isinstance(cache, dict) and "dask" not in cache:
        cache["dask"] = _DaskOnceImported()
    test = getattr(xr_utils, "is_dask_collection", None)
    if callable(test) and not getattr(test, "openfield_lazy", False):
        xr_utils.is_dask_collection = _collection_test(test)


def ss2tf(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, input: int = 0  # noqa: A002 - scipy's name
          ) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.ss2tf`` of a state-space system given as 2-D float arrays (numerators, denominator).

    The same operations as scipy's (``numpy.poly`` of ``A`` and of
    ``A - B C_k``), so the same numbers; scipy's own when scipy.signal is loaded.
    """
    if "scipy.signal" in sys.modules:
        return sys.modules["scipy.signal"].ss2tf(a, b, c, d, input=input)
    a, b, c, d = (np.atleast_2d(np.asarray(m, dtype=float)) for m in (a, b, c, d))
    b, d = b[:, input:input + 1], d[:, input:input + 1]
    den = np.poly(a)
    num = np.empty((d.shape[0], a.shape[0] + 1), (a[:, 0] + b[:, 0] + c[0, :] + d + 0.0).dtype)
    for k in range(d.shape[0]):
        num[k] = np.poly(a - np.dot(b, np.atleast_2d(c[k, :]))) + (d[k] - 1) * den
    return num, den


def lfilter_zi(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``scipy.signal.lfilter_zi``: the filter's state at the steady state of a unit step (same operations)."""
    if "scipy.signal" in sys.modules:
        return sys.modules["scipy.signal"].lfilter_zi(b, a)
    b, a = np.atleast_1d(np.asarray(b)), np.atleast_1d(np.asarray(a))
    while a.shape[0] > 1 and a[0] == 0.0:
        a = a[1:]
    if a[0] != 1.0:
        b, a = b / a[0], a / a[0]
    n = max(a.shape[0], b.shape[0])
    if a.shape[0] < n:
        a = np.concatenate((a, np.zeros(n - a.shape[0], dtype=a.dtype)))
    elif b.shape[0] < n:
        b = np.concatenate((b, np.zeros(n - b.shape[0], dtype=b.dtype)))
    companion = np.zeros((n - 1, n - 1), dtype=(-a[1:] / (1.0 * a[0])).dtype)  # scipy.linalg.companion(a)
    companion[0, :] = -a[1:] / (1.0 * a[0])
    companion[np.arange(1, n - 1), np.arange(0, n - 2)] = 1
    i_minus_a = np.asarray(np.eye(n - 1) - companion.T, dtype=np.result_type(a, b))
    return np.linalg.solve(i_minus_a, b[1:] - a[1:] * b[0])


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.lfilter(b, a, x, zi=zi)`` along the last axis, for a recursive filter (``len(a) > 1``).

    scipy's own compiled filter (``scipy.signal._sigtools._linear_filter``,
    what ``lfilter`` calls for such a filter), loaded without importing
    scipy.signal; scipy.signal's ``lfilter`` where that module is loaded or
    its compiled filter cannot be found.
    """
    b, a, x, zi = np.atleast_1d(b), np.atleast_1d(a), np.asarray(x), np.asarray(zi)
    if len(a) < 2 or "scipy.signal" in sys.modules or (tools := _sigtools()) is None:
        from scipy.signal import lfilter as scipy_lfilter  # the whole module: its own path for this filter

        return scipy_lfilter(b, a, x, zi=zi)
    return tools._linear_filter(b, a, x, -1, zi)  # noqa: SLF001 - what scipy.signal.lfilter calls


def _compiled(name: str, attribute: str) -> Any:
    """scipy's compiled ``scipy.signal.<name>`` (registered under that name, so scipy.signal, imported later,
    takes it), or None where it is not found or lacks ``attribute``."""
    full = f"scipy.signal.{name}"
    if full not in sys.modules:
        import scipy

        folder = Path(scipy.__file__).parent / "signal"
        path = next((folder / f"{name}{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
                     if (folder / f"{name}{suffix}").is_file()), None)
        spec = None if path is None else importlib.util.spec_from_file_location(full, path)
        if spec is None or spec.loader is None:  # pragma: no cover - another scipy layout
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[full] = module
    return sys.modules[full] if hasattr(sys.modules[full], attribute) else None


def _sigtools() -> Any:
    return _compiled("_sigtools", "_linear_filter")


def find_peaks(x: np.ndarray, height: float, prominence: float) -> np.ndarray:
    """``scipy.signal.find_peaks(x, height=height, prominence=prominence)[0]`` for numbers ``height`` and
    ``prominence``: the same steps with scipy's own compiled helpers (``_local_maxima_1d``,
    ``_peak_prominences``), without importing scipy.signal; scipy.signal's where it is loaded."""
    utils = None if "scipy.signal" in sys.modules else _compiled("_peak_finding_utils", "_peak_prominences")
    if utils is None or not (np.isscalar(height) and np.isscalar(prominence)):
        from scipy.signal import find_peaks as scipy_find_peaks

        return scipy_find_peaks(x, height=height, prominence=prominence)[0]
    x = np.asarray(x, order="C", dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"`x` must be a 1-D array, got {x.ndim} dimensions")
    peaks, _, _ = utils._local_maxima_1d(x)  # noqa: SLF001 - scipy's own steps, as find_peaks takes them
    peaks = peaks[np.ones(peaks.size, dtype=bool) & (height <= x[peaks])]
    prominences = utils._peak_prominences(x, peaks, wlen=-1)[0]  # noqa: SLF001
    return peaks[np.ones(prominences.size, dtype=bool) & (prominence <= prominences)]
