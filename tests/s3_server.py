"""A real S3-compatible server on loopback for tests and benchmarks.

moto's ThreadedMotoServer serves S3 over HTTP on 127.0.0.1 (a free port). In front of it,
``RecordingProxy`` forwards every request unchanged, records method and path (so tests can
count requests and PUTs), and can answer 500 for chosen keys to inject failed uploads.
"""

from __future__ import annotations

import http.client
import logging
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from moto.server import ThreadedMotoServer

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection", "upgrade"}


def start_moto() -> tuple[ThreadedMotoServer, str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)   # one access-log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


class RecordingProxy:
    """Forward to ``upstream``; remember (method, key path, query) of every request."""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname, parts.port)
        self.requests: list[tuple[str, str, str]] = []
        self.headers: list[dict[str, str]] = []     # request headers, parallel to requests
        self.fail: Callable[[str, str], bool] | None = None
        self.reject_conditional_puts = False    # answer 501, like providers without If-None-Match
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                url = urlsplit(self.path)
                proxy.requests.append((self.command, unquote(url.path), url.query))
                proxy.headers.append({k.lower(): v for k, v in self.headers.items()})
                refuse = proxy.reject_conditional_puts and self.command == "PUT" and "If-None-Match" in self.headers
                if refuse or (proxy.fail and proxy.fail(self.command, unquote(url.path))):
                    code = b"NotImplemented" if refuse else b"InternalError"
                    error = b"<Error><Code>" + code + b"</Code><Message>injected</Message></Error>"
                    self.send_response(501 if refuse else 500)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                answer = proxy._send(self.command, self.path, body, headers)
                data = answer.read()
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                if self.command == "HEAD":
                    self.send_header("Content-Length", answer.getheader("Content-Length", "0"))
                else:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _send(self, method, path, body, headers):
        for attempt in range(2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(*self._upstream, timeout=120)
            try:
                conn.request(method, path, body=body, headers=headers)
                return conn.getresponse()
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise

    def clear(self) -> None:
        self.requests.clear()
        self.headers.clear()

    def count(self, method: str | None = None) -> int:
        return sum(1 for m, _, _ in self.requests if method is None or m == method)

    def writes(self) -> list[str]:
        """Paths of every request that changes the bucket (PUT, POST, DELETE)."""
        return [path for m, path, _ in self.requests if m in ("PUT", "POST", "DELETE")]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- pytest fixtures (imported by the test modules that publish) -------------------------

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
ACCESS_KEY = "AKIAMEDIAPUBTEST0001"


@pytest.fixture(scope="session")
def s3_endpoint():
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Credentials in the environment only (the AWS chain), and no real AWS config files."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")   # injected failures fail fast
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


class Bucket:
    """A fresh bucket and the recording proxy in front of the server."""

    def __init__(self, name: str, proxy: RecordingProxy, client):
        self.name, self.proxy, self.client = name, proxy, client

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def head(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=key)

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", ())}


@pytest.fixture
def bucket(s3_endpoint, aws_env):
    name = f"site-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    proxy = RecordingProxy(s3_endpoint)
    yield Bucket(name, proxy, client)
    proxy.close()
