"""The "Nothing lost" corpus against buckets: moto over HTTP, behind the recording proxy.

Each case publishes the generated project once (the live podcast), then does what a
volunteer, a colleague with another tool, or a crash might do, runs the CLI, and checks
the exit status, the one line naming the file, and that no remote object and no source
file changed unless the case says which (sha256 of every object before and after).
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from project_factory import make_episode, source_snapshot
from s3_server import aws_env, bucket, s3_endpoint  # noqa: F401  (fixtures)

from media_pub.cli import cli

LOCK = "site/.media-pub/lock"
MANIFEST = "site/.media-pub/manifest.json"


def remote(bucket) -> dict[str, str]:
    """sha256 of every object in the bucket, media-pub's lock and manifest aside."""
    return {key: hashlib.sha256(bucket.read(key)).hexdigest() for key in sorted(bucket.keys())
            if "/.media-pub/" not in key}


def run(project: Path, bucket, *args: str):
    env = {"MEDIA_PUB_STORAGE_TARGET": f"s3://{bucket.name}/site", "MEDIA_PUB_STORAGE_ENDPOINT_URL": bucket.proxy.url}
    return CliRunner().invoke(cli, ["--project", str(project), *args], env=env)


def sources_of(project: Path) -> dict[str, str]:
    """The volunteer's files (publish rebuilds public/ first; the remote is what must hold)."""
    return {key: value for key, value in source_snapshot(project).items() if not key.startswith("public")}


def clean(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.fixture
def live(project, bucket):
    """The project with a second episode, published once: the live podcast in s3://bucket/site/."""
    make_episode(project, "demo", "second", title="Second", published="2026-01-01T10:00:00Z")
    result = run(project, bucket, "publish")
    assert result.exit_code == 0, result.stderr
    assert "site/feeds/demo.xml" in bucket.keys()
    return project


def retitle(project: Path) -> None:
    """A change to publish: the episode's title (the build rewrites no source for it)."""
    sidecar = project / "episodes/demo/good.toml"
    sidecar.write_text(sidecar.read_text().replace('title = "Good"', 'title = "Better"'))


def put(bucket, key: str, body: bytes) -> None:
    bucket.client.put_object(Bucket=bucket.name, Key=key, Body=body)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# Lock bodies a crash, another tool or a hand edit may leave: each must be one clear
# line (the lock is honoured, bounded by when it was written), never a traceback.
MALFORMED_LOCKS = {
    "list": b"[1, 2]",
    "expires_never": b'{"expires": "never"}',
    "not_json": b"locked by Dave, do not touch",
    "since_text": b'{"owner": "x", "since": "yesterday", "expires": 1e400}',
    "deeply_nested": b"[" * 5_000 + b"]" * 5_000,
    "binary": bytes(range(256)),
}


@pytest.mark.parametrize("body", MALFORMED_LOCKS.values(), ids=MALFORMED_LOCKS.keys())
def test_a_malformed_lock_is_one_clear_line_and_changes_nothing(live, bucket, body):
    retitle(live)
    put(bucket, LOCK, body)
    before, sources = remote(bucket), sources_of(live)

    result = run(live, bucket, "publish", "--prune")

    clean(result)
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(f"Error: s3://{bucket.name}/{LOCK}: another publish"), lines
    assert "lapses at" in lines[-1]
    assert remote(bucket) == before
    assert bucket.read(LOCK) == body                      # not ours to delete while it may be live
    assert sources_of(live) == sources


def test_a_lock_left_by_a_killed_publish_on_this_host_is_taken_over_at_once(live, bucket):
    make_episode(live, "demo", "new", title="New")
    now = time.time()
    put(bucket, LOCK, json.dumps({"owner": "me@here pid x", "host": socket.gethostname(), "pid": dead_pid(),
                                  "started": now - 5, "since": now - 1, "expires": now + 7200}).encode())

    result = run(live, bucket, "publish")

    clean(result)
    assert result.exit_code == 0, result.stderr
    assert "site/media/demo/new.mp3" in bucket.keys()
    assert LOCK not in bucket.keys()


def test_a_live_holder_on_another_host_is_honoured(live, bucket):
    retitle(live)
    now = time.time()
    put(bucket, LOCK, json.dumps({"owner": "ann@studio pid 7", "host": "studio", "pid": 7, "started": now,
                                  "since": now, "expires": now + 7200}).encode())
    before = remote(bucket)

    result = run(live, bucket, "publish", "--prune")

    clean(result)
    assert result.exit_code == 1
    assert "ann@studio pid 7" in result.stderr.strip().splitlines()[-1]
    assert remote(bucket) == before


def test_a_deeply_nested_manifest_is_rebuilt_and_never_blocks_publishing(live, bucket):
    put(bucket, MANIFEST, b'{"version": 1, "objects": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    before = remote(bucket)

    result = run(live, bucket, "publish")

    clean(result)
    assert result.exit_code == 0, result.stderr
    assert remote(bucket) == before                       # identical objects adopted, not re-sent
    assert json.loads(bucket.read(MANIFEST))["objects"]   # a working manifest again


def test_prune_deletes_only_what_media_pub_published(live, bucket):
    """site/index.html and another team's backup were put there by hand: never deleted."""
    put(bucket, "site/index.html", b"<h1>Our network</h1>")
    put(bucket, "site/other-team/backup.zip", b"PK\x03\x04 precious")
    put(bucket, "site/media/demo/interview-raw.wav", b"RIFF a colleague's upload")
    (live / "episodes/demo/good.toml").write_text(
        (live / "episodes/demo/good.toml").read_text() + "draft = true\n")   # no longer built: prunable
    before = remote(bucket)

    result = run(live, bucket, "publish", "--prune")

    clean(result)
    assert result.exit_code == 0, result.stderr
    after = remote(bucket)
    for key in ("site/index.html", "site/other-team/backup.zip", "site/media/demo/interview-raw.wav"):
        assert after[key] == before[key]
        assert f"kept (not published by media-pub): {key.removeprefix('site/')}" in result.stderr
    assert "site/media/demo/good.mp3" not in after        # media-pub's own, no longer built: pruned
    assert "site/embed/demo/good.html" not in after


def test_an_object_replaced_by_someone_else_is_not_pruned(live, bucket):
    put(bucket, "site/media/demo/good.mp3", b"someone replaced our file with theirs")
    (live / "episodes/demo/good.toml").write_text(
        (live / "episodes/demo/good.toml").read_text() + "draft = true\n")

    result = run(live, bucket, "publish", "--prune")

    clean(result)
    assert result.exit_code == 0, result.stderr
    assert bucket.read("site/media/demo/good.mp3") == b"someone replaced our file with theirs"


def test_prune_from_an_empty_folder_touches_nothing(live, bucket, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    before = remote(bucket)
    monkeypatch.chdir(empty)

    result = CliRunner().invoke(cli, ["publish", "--prune"], env={
        "MEDIA_PUB_STORAGE_TARGET": f"s3://{bucket.name}/site", "MEDIA_PUB_STORAGE_ENDPOINT_URL": bucket.proxy.url})

    clean(result)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {empty}: not a media-pub project: it has no media-pub.toml and no "
                                     "feeds/ folder. Run media-pub in your project folder (or pass --project DIR), "
                                     "or start one with `media-pub init`")
    assert remote(bucket) == before
    assert list(empty.iterdir()) == []


def test_a_failed_feed_upload_keeps_the_live_feed_and_prunes_nothing(live, bucket):
    retitle(live)
    make_episode(live, "demo", "new", title="New")
    before = remote(bucket)
    bucket.proxy.fail = lambda method, path: method == "PUT" and path.endswith("/feeds/demo.xml")

    result = run(live, bucket, "publish", "--prune")

    clean(result)
    assert result.exit_code == 3, result.stderr
    after = remote(bucket)
    for key in ("site/feeds/demo.xml", "site/embed/index.json"):
        assert after[key] == before[key]                  # the live feed and index are the old ones
    assert set(before) <= set(after)                      # nothing was deleted


def test_a_killed_multipart_upload_is_aborted_by_the_next_publish(live, bucket):
    make_episode(live, "demo", "new", title="New")
    started = bucket.client.create_multipart_upload(Bucket=bucket.name, Key="site/media/demo/new.mp3")
    foreign = bucket.client.create_multipart_upload(Bucket=bucket.name, Key="site/other-team/big.iso")

    result = run(live, bucket, "publish")

    clean(result)
    assert result.exit_code == 0, result.stderr
    uploads = {u["UploadId"] for u in bucket.client.list_multipart_uploads(Bucket=bucket.name).get("Uploads", ())}
    assert started["UploadId"] not in uploads
    assert foreign["UploadId"] in uploads                 # another tool's upload is not ours to abort
