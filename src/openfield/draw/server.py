"""The local web server of ``openfield draw``: 127.0.0.1, a random port, a random token in the URL.

Only the Python standard library (:mod:`http.server`): the page is three
static files shipped in the package (``openfield/draw/static``) and a small
JSON interface over a :class:`~openfield.draw.session.DrawSession`:

==========================================  =====================================================
``GET /?token=T``                           the page
``GET /static/draw.js`` (``draw.css``)      its script and style
``GET /api/videos``                         the videos, and which have a settings file
``GET /api/video/I``                        one video's state (size, timing, file, detected arena)
``GET /api/video/I/background.png``         its background frame
``GET /api/video/I/frame/N.jpg``            frame N (the trial-start scrubber)
``GET /api/video/I/animal?frame=N&...``     the animal found in frame N (``animal``, ``arena`` JSON)
``POST /api/video/I/settings``              write video I's ``<stem>.openfield.json`` (JSON body)
``POST /api/settings_all?current=I``        write the same rig settings beside every video
==========================================  =====================================================

Every request must carry the token (``?token=`` or the ``X-Openfield-Token``
header) and a ``Host`` header naming this server (``127.0.0.1:PORT`` or
``localhost:PORT``: a page of another site reaching the port through DNS
rebinding is refused); a POST must be JSON. Videos are named by their index
in the session: no request names a path, so nothing but the given videos'
settings files can be written.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openfield.draw.session import DrawSession
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)

#: The static files the page is made of (nothing else is served from the package).
STATIC = {"index.html": "text/html; charset=utf-8", "draw.js": "text/javascript; charset=utf-8",
          "draw.css": "text/css; charset=utf-8"}
#: The largest JSON body accepted (a settings file is a few kB).
MAX_BODY = 1 << 20


def static_file(name: str) -> bytes:
    """One of the page's files from the package data."""
    return resources.files("openfield.draw").joinpath("static", name).read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: DrawServer  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        log.debug("draw: %s", format % args)

    # -- checks ---------------------------------------------------------------------------------------------
    def _allowed(self, query: dict[str, list[str]]) -> bool:
        port = self.server.server_address[1]
        host = self.headers.get("Host", "")
        if host not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            self._send_json({"error": "refused: not this server's host"}, HTTPStatus.FORBIDDEN)
            return False
        given = self.headers.get("X-Openfield-Token") or (query.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.server.token.encode()):
            self._send_json({"error": "refused: missing or wrong token"}, HTTPStatus.FORBIDDEN)
            return False
        return True

    # -- replies --------------------------------------------------------------------------------------------
    def _send(self, body: bytes, content_type: str, status: int = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:")
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, obj: Any, status: int = HTTPStatus.OK) -> None:
        self._send(json.dumps(obj).encode(), "application/json", status)

    # -- routes ---------------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if not self._allowed(query):
            return
        session = self.server.session
        try:
            if url.path in ("/", "/index.html"):
                page = static_file("index.html").replace(b"{{TOKEN}}", self.server.token.encode())
                self._send(page, STATIC["index.html"])
            elif (m := re.fullmatch(r"/static/([a-z]+\.(?:js|css))", url.path)) and m[1] in STATIC:
                self._send(static_file(m[1]), STATIC[m[1]])
            elif url.path == "/api/videos":
                self._send_json(session.videos())
            elif m := re.fullmatch(r"/api/video/(\d+)", url.path):
                self._send_json(session.state(int(m[1])))
            elif m := re.fullmatch(r"/api/video/(\d+)/background\.png", url.path):
                self._send(session.background_png(int(m[1])), "image/png")
            elif m := re.fullmatch(r"/api/video/(\d+)/frame/(\d+)\.jpg", url.path):
                self._send(session.frame_jpeg(int(m[1]), int(m[2])), "image/jpeg")
            elif m := re.fullmatch(r"/api/video/(\d+)/animal", url.path):
                arena = json.loads(query["arena"][0]) if "arena" in query else None
                self._send_json(session.animal(int(m[1]), int((query.get("frame") or ["0"])[0]), arena,
                                               (query.get("animal") or ["auto"])[0]))
            else:
                self._send_json({"error": "not found"}, HTTPStatus.NOT_FOUND)
        except IndexError:
            self._send_json({"error": "no such video"}, HTTPStatus.NOT_FOUND)
        except (OpenfieldError, ValueError) as exc:
            self._send_json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if not self._allowed(query):
            return
        if self.headers.get_content_type() != "application/json":
            self._send_json({"error": "refused: the body must be application/json"},
                            HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            self._send_json({"error": "refused: no body, or a body too large"}, HTTPStatus.BAD_REQUEST)
            return
        session = self.server.session
        try:
            doc = json.loads(self.rfile.read(length))
            if m := re.fullmatch(r"/api/video/(\d+)/settings", url.path):
                path = session.save(int(m[1]), doc)
                self._send_json({"saved": [path.name]})
            elif url.path == "/api/settings_all":
                current = int(query["current"][0]) if "current" in query else None
                paths = session.save_all(doc, current)
                self._send_json({"saved": [p.name for p in paths]})
            else:
                self._send_json({"error": "not found"}, HTTPStatus.NOT_FOUND)
        except IndexError:
            self._send_json({"error": "no such video"}, HTTPStatus.NOT_FOUND)
        except (OpenfieldError, ValueError) as exc:
            self._send_json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)


class DrawServer(ThreadingHTTPServer):
    """The page's server, bound to 127.0.0.1 on a free port chosen by the system.

    Parameters
    ----------
    session
        The videos and what may be done with them.
    port
        0 (default): a random free port.

    Attributes
    ----------
    token
        The random token every request must carry.
    url
        The page's address, token included.
    """

    daemon_threads = True

    def __init__(self, session: DrawSession, port: int = 0) -> None:
        self.session = session
        self.token = secrets.token_urlsafe(24)
        super().__init__(("127.0.0.1", port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/?token=TOKEN``."""
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def start(self) -> DrawServer:
        """Serve in a background thread (for tests and notebooks); returns the server."""
        self._thread = threading.Thread(target=self.serve_forever, name="openfield-draw", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()
