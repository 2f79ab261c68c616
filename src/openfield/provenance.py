"""The processing log a dataset carries: which step made it, with which settings.

Like ``movement.utils.logging.log_to_attrs``, each step appends a record to
``attrs["log"]``; ours keeps the records as a list of dictionaries (step,
parameters, openfield version, UTC datetime) so that the pipeline's settings
fingerprint and a reader of the data see the same parameters.

The pipeline appends one record per stage that makes or transforms a
recording's Dataset (the pose, the trial window, cleaning, smoothing, zones,
kinematics, behaviour) and keeps the log beside the step records
(:mod:`openfield.pipeline.steps.processing_log`).
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
    ds.attrs["log"] = [*list(ds.attrs.get("log") or []), log_record(step, parameters)]
    return ds


def log_record(step: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """One processing record: ``{step, parameters, openfield_version, datetime}`` (UTC, to the second).

    What :func:`log_step` appends; also for a step that makes no Dataset
    itself (DeepLabCut's pose, a behaviour model's labels), whose record the
    pipeline keeps with the recording's log.
    """
    return {"step": step, "parameters": dict(parameters), "openfield_version": __version__,
            "datetime": datetime.now(UTC).isoformat(timespec="seconds")}
