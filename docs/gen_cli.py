"""Write ``docs/cli.md``, the command-line reference, from the argument parsers.

Run from the repository root after changing any option::

    python docs/gen_cli.py           # rewrite docs/cli.md
    python docs/gen_cli.py --check   # exit 1 when docs/cli.md is stale

Every subcommand of ``openfield.cli.build_parser()`` (nested ones too) gets
its usage line, its description and one table row per option, so the page
cannot drift from the code: ``tests/test_docs.py`` regenerates it and fails
when the committed file differs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

#: The generated page.
CLI_MD = Path(__file__).resolve().parent / "cli.md"

#: Fixed width for argparse's usage lines, so the page does not depend on the terminal.
WIDTH = 100

REGENERATE = "python docs/gen_cli.py"


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser, str]]:
    """The (name, parser, one-line help) of a parser's subcommands, in registration order."""
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                out.append((name, sub, helps.get(name, "")))
    return out


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _option_row(action: argparse.Action) -> str | None:
    """One table row for an argument, or None for help and subcommand actions."""
    if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
        return None
    if action.option_strings:
        names = ", ".join(f"`{s}`" for s in action.option_strings)
    else:
        names = f"`{action.metavar or action.dest}`"
    if action.nargs == 0:
        value = ""
    elif isinstance(action.metavar, tuple):
        value = " ".join(action.metavar)
    elif action.choices is not None:
        value = "{" + ",".join(str(c) for c in action.choices) + "}"
    else:
        value = str(action.metavar or action.dest.upper())
    if isinstance(action.nargs, int) and action.nargs > 1 and not isinstance(action.metavar, tuple):
        value = " ".join([value] * action.nargs)
    elif action.nargs in ("+", "*") and not isinstance(action.metavar, tuple):
        value += " ..." if action.nargs == "+" else " [...]"
    default = action.default
    if action.nargs == 0 or default in (None, argparse.SUPPRESS) or action.required:
        default_text = ""
    elif isinstance(default, (list, tuple)):
        default_text = "`" + " ".join(str(d) for d in default) + "`"
    else:
        default_text = f"`{default}`"
    optional_positional = not action.option_strings and action.nargs in ("?", "*")
    required = "yes" if action.required and not optional_positional else ""
    help_text = action.help or ""
    if "%" in help_text:  # argparse's own substitution: %(default)s, %(choices)s, %%
        params = {k: v for k, v in vars(action).items() if v is not argparse.SUPPRESS}
        if params.get("choices") is not None:
            params["choices"] = ", ".join(str(c) for c in params["choices"])
        help_text = help_text % params
    return f"| {names} | {_cell(value)} | {required} | {default_text} | {_cell(help_text)} |"


def _section(name: str, parser: argparse.ArgumentParser, help_line: str, level: int) -> list[str]:
    lines = [f"{'#' * level} `{name}`", ""]
    if help_line:
        lines += [help_line[0].upper() + help_line[1:] + ".", ""]
    usage = parser.format_usage().strip()
    if usage.startswith("usage: "):
        usage = usage[len("usage: "):]
    lines += ["```", usage, "```", ""]
    if parser.description and parser.description != help_line:
        lines += [" ".join(parser.description.split()), ""]
    rows = [r for r in (_option_row(a) for a in parser._actions) if r]
    if rows:
        lines += ["| argument | value | required | default | meaning |", "|---|---|---|---|---|", *rows, ""]
    subs = _subcommands(parser)
    if subs:
        lines += ["Subcommands: " + ", ".join(f"`{name} {n}`" for n, _, _ in subs) + ".", ""]
        for sub_name, sub, sub_help in subs:
            lines += _section(f"{name} {sub_name}", sub, sub_help, min(level + 1, 4))
    return lines


def render() -> str:
    """The whole ``docs/cli.md`` text."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        from openfield.cli import build_parser

        parser = build_parser()
        body = _section("openfield", parser, "", 2)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    header = [
        "# Command-line reference",
        "",
        f"<!-- Generated from openfield.cli.build_parser() by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Every subcommand with its options, as `openfield COMMAND --help` shows them. "
        "The stage pages (see the [README](../README.md)) explain what each command computes.",
        "",
    ]
    return "\n".join(header + body).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/cli.md, or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/cli.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not CLI_MD.exists() or CLI_MD.read_text() != text:
            print(f"{CLI_MD} is stale: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    CLI_MD.write_text(text)
    print(f"wrote {CLI_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
