"""openfield: open-field test measures from videos of a mouse.

The data flow one way, video -> arena -> animal -> measures -> behaviour -> study -> figures, in layers
(docs/architecture.md, checked by tests/test_import_graph.py):

- basics: :mod:`openfield.arena` (floor shapes, the pixel-to-cm :class:`~openfield.arena.Calibration`,
  :mod:`openfield.arena.zones`: zones as geometry; its detectors and methods are stages),
  :mod:`openfield.bodyparts` (the one body-part vocabulary),
  :mod:`openfield.timebase` (frame times), :mod:`openfield.errors`;
- files: :mod:`openfield.io` (every read and write: videos, images, pose files of every tool, calibrations);
- stages: :mod:`openfield.calibration` (arena, mouse-length and two-point methods, from :mod:`openfield.arena`),
  :mod:`openfield.segmentation`, :mod:`openfield.tracking` and :mod:`openfield.orientation` (the classical
  tracker), :mod:`openfield.pose` (DeepLabCut), :mod:`openfield.cleaning` and :mod:`openfield.smoothing`,
  :mod:`openfield.kinematics` (distance, speed, acceleration, zones), :mod:`openfield.bouts`,
  :mod:`openfield.path_shape`, :mod:`openfield.mobility`, :mod:`openfield.wall`, :mod:`openfield.trial`,
  :mod:`openfield.quality`, :mod:`openfield.behavior` (pose and ViT classifiers), :mod:`openfield.study`,
  :mod:`openfield.plots`, :mod:`openfield.report`, :mod:`openfield.overlay`;
- workflow: :mod:`openfield.pipeline` (the steps, their resumable records, the batch);
- faces: :mod:`openfield.commands` and :mod:`openfield.cli` (the ``openfield`` program), :mod:`openfield.draw`,
  :mod:`openfield.demo`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openfield")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from openfield.errors import OpenfieldError

__all__ = ["OpenfieldError", "__version__"]
