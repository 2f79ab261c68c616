"""``openfield draw``: a local page to set each video's arena, zones and trial start by eye."""

from __future__ import annotations

import argparse
import logging
import webbrowser
from pathlib import Path

from openfield.commands.defaults import parameter_default
from openfield.draw.server import DrawServer

log = logging.getLogger("openfield")

#: ``--port``: :class:`~openfield.draw.server.DrawServer`'s default (0: a random free port).
PORT_DEFAULT = parameter_default(DrawServer.__init__, "port")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield draw``."""
    p = subparsers.add_parser(
        "draw", help="set each video's arena, zones and trial start by eye, in the browser",
        description="Serves a page on 127.0.0.1 (a random port, a token in its address) showing each video's "
                    "background frame with the arena found: drag the arena, draw zones, set the size, the "
                    "animal and the trial start, save. Writes only <stem>.openfield.json beside the videos "
                    "given; openfield run reads it without being told. Ctrl-C stops it.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="VIDEO_OR_FOLDER")
    p.add_argument("--port", type=int, default=PORT_DEFAULT, help="port to listen on (default: a random free one)")
    p.add_argument("--no-browser", action="store_true", help="print the address without opening a browser")
    p.set_defaults(func=draw)


def draw(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl-C."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.draw import DrawServer, DrawSession
    from openfield.pipeline.paths import find_videos

    server = DrawServer(DrawSession(find_videos(args.inputs)), args.port)
    print(f"openfield draw: {len(server.session)} video(s) at {server.url}  (Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
