#!/usr/bin/env python
"""Calibrate pixels per cm from reference images in images_for_openCV/.

A thin, standalone front to ``openfield calibrate`` (same arguments)::

    python mouse_size.py arena images_for_openCV/empty_arena.png --arena-size-cm 40 40 --show
    python mouse_size.py mouse images_for_openCV/mouse_*.png --mouse-length-cm 9.5 --show
    python mouse_size.py points --points 100 200 500 200 --distance-cm 30
    python mouse_size.py arena images_for_openCV/rig.png --arena-size-cm 30 30 --arenas 4 --show

The result, ``images_for_openCV/calibration.json`` by default (``-o``),
feeds ``openfield kinematics --calibration``.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from openfield.cli import main
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    from openfield.cli import main

if __name__ == "__main__":
    sys.exit(main(["calibrate", *sys.argv[1:]]))
