"""`media-pub serve`: HEAD, byte ranges, Content-Types and the build-directory jail,
over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from media_pub.serve import make_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tree(tmp_path_factory, request):
    """A build directory with a real MP3, feeds and pages; a secret file beside it."""
    from media_factory import make_audio

    base = tmp_path_factory.mktemp("serve")
    root = base / "public"
    make_audio(root / "media/show/ep.mp3", 1.0)
    files = {
        "feeds/show.xml": "<rss/>",
        "feeds/show.json": "{}",
        "embed/index.json": '{"version": 1}',
        "embed/show/ep.oembed.json": '{"version": "1.0"}',
        "embed/show/index.html": "<!doctype html><title>show</title>",
        "embed/player.css": "body{}",
        "embed/player.js": "void 0;",
        "transcripts/show/ep.vtt": "WEBVTT\n",
        "transcripts/show/ep.srt": "1\n",
        "art/show.jpg": "not really a jpeg",
        "art/show.png": "not really a png",
        "media/show/film.mp4": "x" * 100,
        "media/show/ep.m4a": "x" * 100,
    }
    for key, text in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_text(text)
    (base / "secret.txt").write_text("outside the build directory")
    os.symlink(base / "secret.txt", root / "link-out.txt")
    os.symlink(root / "feeds/show.xml", root / "link-in.xml")
    os.symlink(base, root / "dir-out")
    return root


@pytest.fixture(scope="module")
def server(tree):
    server = make_server(tree, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def request(server, method, path, headers=None):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request(method, path, headers=headers or {})   # the path is sent as written
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_port_zero_picks_a_free_port_on_loopback(server):
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and port > 0
    assert server.url == f"http://127.0.0.1:{port}/"


def test_head_gives_length_type_and_ranges_without_a_body(server, tree):
    response, body = request(server, "HEAD", "/media/show/ep.mp3")
    assert response.status == 200
    assert body == b""
    assert int(response.headers["Content-Length"]) == (tree / "media/show/ep.mp3").stat().st_size
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_get_whole_file(server, tree):
    response, body = request(server, "GET", "/media/show/ep.mp3")
    assert response.status == 200
    assert body == (tree / "media/show/ep.mp3").read_bytes()


@pytest.mark.parametrize("header, first, last", [
    ("bytes=0-1", 0, 1),                # Apple's probe
    ("bytes=100-199", 100, 199),
    ("bytes=500-", 500, None),          # open-ended
    ("bytes=-300", -300, None),         # the last 300 bytes
    ("bytes=10-99999999", 10, None),    # clipped to the end
])
def test_range_gives_206_with_content_range(server, tree, header, first, last):
    data = (tree / "media/show/ep.mp3").read_bytes()
    size = len(data)
    start = first if first >= 0 else size + first
    end = size - 1 if last is None else last
    response, body = request(server, "GET", "/media/show/ep.mp3", {"Range": header})
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert int(response.headers["Content-Length"]) == end - start + 1
    assert body == data[start:end + 1]


def test_head_with_range_gives_206_headers_only(server, tree):
    size = (tree / "media/show/ep.mp3").stat().st_size
    response, body = request(server, "HEAD", "/media/show/ep.mp3", {"Range": "bytes=0-1"})
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes 0-1/{size}"
    assert body == b""


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes=-0"])
def test_unsatisfiable_range_gives_416(server, tree, header):
    size = (tree / "media/show/ep.mp3").stat().st_size
    response, body = request(server, "GET", "/media/show/ep.mp3", {"Range": header})
    assert response.status == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "lines=1-2", "bytes=9-3"])
def test_unsupported_or_invalid_range_gives_the_whole_file(server, tree, header):
    response, body = request(server, "GET", "/media/show/ep.mp3", {"Range": header})
    assert response.status == 200
    assert body == (tree / "media/show/ep.mp3").read_bytes()


@pytest.mark.parametrize("path, expected", [
    ("/media/show/ep.mp3", "audio/mpeg"),
    ("/media/show/ep.m4a", "audio/x-m4a"),
    ("/media/show/film.mp4", "video/mp4"),
    ("/feeds/show.xml", "application/rss+xml; charset=utf-8"),
    ("/feeds/show.json", "application/feed+json; charset=utf-8"),
    ("/embed/index.json", "application/json; charset=utf-8"),
    ("/embed/show/ep.oembed.json", "application/json; charset=utf-8"),
    ("/embed/show/index.html", "text/html; charset=utf-8"),
    ("/embed/player.css", "text/css; charset=utf-8"),
    ("/embed/player.js", "text/javascript; charset=utf-8"),
    ("/transcripts/show/ep.vtt", "text/vtt; charset=utf-8"),
    ("/transcripts/show/ep.srt", "application/x-subrip; charset=utf-8"),
    ("/art/show.jpg", "image/jpeg"),
    ("/art/show.png", "image/png"),
])
def test_content_types_match_what_publish_stores(server, path, expected):
    response, _ = request(server, "HEAD", path)
    assert response.status == 200
    assert response.headers["Content-Type"] == expected


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/embed/..%2f..%2fsecret.txt",
    "/embed/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt",
    "/link-out.txt",                 # a symlink pointing out of the build directory
    "/dir-out/secret.txt",           # through a symlinked folder
    "/embed/missing.html",
])
def test_nothing_outside_the_build_directory(server, path):
    for method in ("GET", "HEAD"):
        response, body = request(server, method, path)
        assert response.status == 404, (method, path)
        assert b"outside the build directory" not in body


def test_symlink_inside_the_build_directory_is_served(server):
    response, body = request(server, "GET", "/link-in.xml")
    assert response.status == 200 and body == b"<rss/>"


def test_folder_serves_its_index_and_redirects_to_the_slash(server):
    response, body = request(server, "GET", "/embed/show/")
    assert response.status == 200 and b"<title>show</title>" in body
    response, _ = request(server, "GET", "/embed/show")
    assert response.status == 301
    assert response.headers["Location"] == "/embed/show/"


def test_cors_lets_other_origins_read_the_index(server):
    response, _ = request(server, "GET", "/embed/index.json", {"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def _project(tmp_path: Path) -> Path:
    (tmp_path / "public/embed").mkdir(parents=True)
    (tmp_path / "public/embed/index.json").write_text('{"version": 1}')
    return tmp_path


def test_cli_serve_prints_the_url_and_stops_cleanly_on_ctrl_c(tmp_path):
    project = _project(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "media_pub", "--project", str(project), "serve", "--port", "0"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        connection = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        connection.request("GET", "/embed/index.json")
        response = connection.getresponse()
        assert response.status == 200 and response.read() == b'{"version": 1}'
        connection.close()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in err
    assert "Stopped." in err


def test_cli_serve_without_a_build_says_so(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "media_pub", "--project", str(tmp_path), "serve", "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {tmp_path / 'public'}: no build directory; run `media-pub build` first")


def test_port_in_use_is_one_clear_error(tree):
    import socket

    from media_pub.serve import ServeError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError) as caught:
            make_server(tree, port)
    assert f"cannot listen on 127.0.0.1:{port}" in str(caught.value)
