"""Preview server: the build directory over HTTP on 127.0.0.1, as a static host would serve it.

Players and podcast apps need what S3 gives them (STANDARDS 7.7): HEAD, single byte
ranges answered with 206 and ``Content-Range`` (416 when unsatisfiable), and the same
Content-Type and Cache-Control ``publish`` stores (both from ``site.py``). Nothing outside
the build directory is reachable, whether by
``..``, its percent-encoded form or a symlink pointing out.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from io import BufferedIOBase
from typing import Any
from urllib.parse import unquote, urlsplit

from media_pub.errors import MediaPubError
from media_pub.site import cache_control, content_type

HOST = "127.0.0.1"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_CHUNK = 64 * 1024


class ServeError(MediaPubError):
    """The preview server cannot start (no build directory, port in use)."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive for one ``bytes=`` range, or None to send the whole file.

    Raises ValueError for a well-formed range that no byte of the file satisfies (416).
    Several ranges or a malformed header are ignored, as RFC 9110 allows.
    """
    match = _RANGE.fullmatch(header.strip())
    if not match or match.group(0) == "bytes=-":
        return None
    first, last = match.groups()
    if first == "":                      # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise ValueError("empty suffix range")
        return max(size - length, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None                      # invalid: RFC 9110 says ignore it
    if start >= size:
        raise ValueError("range starts past the end")
    return start, min(int(last) if last else size - 1, size - 1)


class PreviewHandler(SimpleHTTPRequestHandler):
    """GET and HEAD for files under ``directory`` with single-range support."""

    server_version = "media-pub"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - stdlib signature
        log = getattr(self.server, "log", None)
        if log:
            log(format % args)

    def do_GET(self) -> None:
        self._send(body=True)

    def do_HEAD(self) -> None:
        self._send(body=False)

    def _resolve(self) -> Path | None:
        """The file for the request path, or None when missing or outside the root."""
        root = Path(self.directory).resolve()
        raw = unquote(urlsplit(self.path).path)
        parts = [part for part in raw.split("/") if part not in ("", ".")]
        if ".." in parts or any("\\" in part or "\x00" in part for part in parts):
            return None
        target = root.joinpath(*parts)
        try:
            target = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not target.is_relative_to(root):
            return None                  # a symlink pointing out of the build directory
        if target.is_dir():
            index = target / "index.html"
            if not raw.endswith("/"):
                return target            # redirected below
            if not index.exists():
                return None
            target = index.resolve()
            if not target.is_relative_to(root):
                return None
        return target

    def _send(self, body: bool) -> None:
        target = self._resolve()
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        if target.is_dir():
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", urlsplit(self.path).path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        root = Path(self.directory).resolve()
        key = target.relative_to(root).as_posix()
        size = target.stat().st_size
        status, first, last = HTTPStatus.OK, 0, size - 1
        header = self.headers.get("Range")
        if header:
            try:
                wanted = parse_range(header, size)
            except ValueError:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if wanted:
                status, (first, last) = HTTPStatus.PARTIAL_CONTENT, wanted
        length = last - first + 1 if size else 0
        self.send_response(status)
        self.send_header("Content-Type", content_type(key))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Last-Modified", self.date_time_string(int(target.stat().st_mtime)))
        # The bucket's own Cache-Control: the preview caches exactly as listeners will.
        self.send_header("Cache-Control", cache_control(key))
        self.send_header("Access-Control-Allow-Origin", "*")  # as the bucket's CORS rule
        self.send_header("Access-Control-Expose-Headers",
                         "Content-Range, Content-Length, Accept-Ranges")
        self.end_headers()
        if not body or not length:
            return
        with target.open("rb") as handle:
            handle.seek(first)
            try:
                _copy(handle, self.wfile, length)
            except (BrokenPipeError, ConnectionResetError):
                pass                     # the player seeked elsewhere and hung up


def _copy(source: BufferedIOBase, sink: BufferedIOBase, length: int) -> None:
    while length > 0:
        chunk = source.read(min(_CHUNK, length))
        if not chunk:
            break
        sink.write(chunk)
        length -= len(chunk)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    log: Callable[[str], None] | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A player hanging up mid-file is normal; anything else is one log line, not a
        traceback on the volunteer's terminal."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        if self.log:
            self.log(f"error serving {client_address[0]!s}: {error!r}")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


def make_server(root: Path, port: int = 8000, log: Callable[[str], None] | None = None) -> PreviewServer:
    """A server for ``root`` bound to 127.0.0.1:``port`` (0 picks a free port); not started.

    Call ``serve_forever()`` on it (and ``shutdown()`` from another thread, or Ctrl-C).
    ``log`` receives one line per request.
    """
    if not root.is_dir():
        raise ServeError("no build directory; run `media-pub build` first", root)
    try:
        server = PreviewServer((HOST, port), partial(PreviewHandler, directory=str(root)))
    except OSError as error:
        raise ServeError(f"cannot listen on {HOST}:{port}: {error.strerror or error}",
                         root) from error
    server.log = log
    return server


__all__ = ["HOST", "PreviewServer", "ServeError", "make_server", "parse_range"]
