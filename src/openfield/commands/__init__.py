"""Subcommands of the ``openfield`` command line, one module per stage."""
