"""Heavy dependencies kept out of a process until it uses them (start-up time, issue 27).

- dask (optional): see :func:`xarray_without_dask`.

xarray, when dask is installed, imports ``dask`` and ``dask.array`` (~0.4 s,
with numbagg and jinja2) the first time it builds a Dataset, only to ask
whether an array is a dask array (or collection). No object can be one
before dask is imported, so :func:`xarray_without_dask` makes xarray answer
those questions without importing it; once something has imported dask (a
Dask cluster's ``--scheduler``, a user's notebook), xarray gets the real
answers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

try:  # xarray's record of the duck-array modules (its layout since 2024)
    from xarray.namedarray import pycompat
    from xarray.namedarray import utils as xr_utils
except ImportError:  # pragma: no cover - another xarray layout: it imports dask as it does
    pycompat = xr_utils = None


class _DaskOnceImported:
    """Stands for xarray's record of the ``dask`` duck-array module until dask is imported."""

    def _real(self) -> Any:
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
    if pycompat is None or xr_utils is None:  # another xarray layout: it imports dask as it does
        return
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    if isinstance(cache, dict) and "dask" not in cache:
        cache["dask"] = _DaskOnceImported()
    test = getattr(xr_utils, "is_dask_collection", None)
    if callable(test) and not getattr(test, "openfield_lazy", False):
        xr_utils.is_dask_collection = _collection_test(test)
