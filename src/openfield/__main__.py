"""Allow ``python -m openfield``."""

from openfield.cli import console

console()
