"""openfield: open-field test measures from videos of a mouse.

Stages, one module each: :mod:`openfield.io` (pose files in and out),
:mod:`openfield.calibration` (pixels to centimetres), :mod:`openfield.cleaning`
(likelihood cut-off, jumps, gaps, smoothing), :mod:`openfield.kinematics`
(distance, speed, acceleration), :mod:`openfield.zones` (centre and border),
:mod:`openfield.plots` and the command line :mod:`openfield.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openfield")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from openfield.errors import OpenfieldError

__all__ = ["OpenfieldError", "__version__"]
