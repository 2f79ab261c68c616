"""Allow ``python -m openfield``."""

from openfield.cli import main

raise SystemExit(main())
