"""The processing log a dataset carries: which step made it, with which settings.

Like ``movement.utils.logging.log_to_attrs``, each step appends a record to
``attrs["log"]``; ours keeps the records as a list of dictionaries (step,
parameters, openfield version, UTC datetime) so that the pipeline's settings
fingerprint and a reader of the data see the same parameters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import xarray as xr

from openfield import __version__


def log_step(ds: xr.Dataset, step: str, parameters: dict[str, Any]) -> xr.Dataset:
    """Append a processing record to ``ds.attrs["log"]`` (in place) and return ``ds``.

    Parameters
    ----------
    ds
        The dataset a step produced.
    step
        The step's name, e.g. ``"kinematics"``.
    parameters
        Its settings (JSON-ready values).

    Returns
    -------
    xarray.Dataset
        ``ds`` itself.
    """
    record = {"step": step, "parameters": dict(parameters), "openfield_version": __version__,
              "datetime": datetime.now(UTC).isoformat(timespec="seconds")}
    ds.attrs["log"] = [*list(ds.attrs.get("log") or []), record]
    return ds
