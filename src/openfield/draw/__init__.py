"""Set a video up by eye: the arena, zones, trial start, size and animal, saved as ``<stem>.openfield.json``.

:mod:`openfield.draw.session` (the videos, their pictures, saving),
:mod:`openfield.draw.server` (the local page of ``openfield draw``) and
:mod:`openfield.draw.widget` (the same in a notebook).
"""

from openfield.draw.server import DrawServer
from openfield.draw.session import DrawSession, detect_arena_object, find_animal

__all__ = ["DrawServer", "DrawSession", "detect_arena_object", "find_animal"]
