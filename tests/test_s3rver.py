"""The publish round trip against a second, independent S3 implementation: s3rver (npm).

moto is what every other S3 test uses; a bug that moto's own quirks hide (listing order,
ETags, conditional writes) would pass there. s3rver is pinned in tests/s3rver/package.json
(.ci/run installs it with `npm ci`) and runs on 127.0.0.1 with its data in a temp folder.
The round trip: first publish uploads everything, a second one uploads nothing, and
`--prune` deletes only objects media-pub published, never one put there by hand.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from project_factory import make_episode

from media_pub.cli import cli

TOOLS = Path(__file__).parent / "s3rver"
BUCKET = "media-site"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3rver(tmp_path_factory):
    script = TOOLS / "node_modules/s3rver/bin/s3rver.js"
    if not script.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TOOLS, check=True, capture_output=True,
                       timeout=300)
    port = _free_port()
    data = tmp_path_factory.mktemp("s3rver")
    server = subprocess.Popen([shutil.which("node") or "node", str(script), "-d", str(data), "-a", "127.0.0.1",
                               "-p", str(port), "-s", "--no-vhost-buckets", "--configure-bucket", BUCKET],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"s3rver did not start: {server.stderr.read().decode(errors='replace')}") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3rver_env(monkeypatch, tmp_path, s3rver):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "S3RVER")          # s3rver's fixed test credentials
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "S3RVER")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return {"MEDIA_PUB_STORAGE_TARGET": f"s3://{BUCKET}/{tmp_path.name}",
            "MEDIA_PUB_STORAGE_ENDPOINT_URL": s3rver}


def client_for(endpoint: str):
    """A client of its own (boto3's default session may hold another test's credentials)."""
    return boto3.session.Session(aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER").client(
        "s3", endpoint_url=endpoint, region_name="us-east-1")


def objects(endpoint: str, prefix: str) -> dict[str, str]:
    client = client_for(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", ()):
            body = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            found[item["Key"][len(prefix):]] = hashlib.sha256(body).hexdigest()
    return found


def test_publish_round_trip_on_s3rver(project, s3rver, s3rver_env, tmp_path):
    prefix = f"{tmp_path.name}/"
    make_episode(project, "demo", "second", title="Second", published="2026-01-01T10:00:00Z")

    def publish(*args: str):
        result = CliRunner().invoke(cli, ["--project", str(project), "publish", *args], env=s3rver_env)
        assert "Traceback" not in result.output
        assert result.exit_code == 0, result.stderr
        return result

    first = publish()
    published = objects(s3rver, prefix)
    local = {p.relative_to(project / "public").as_posix()
             for p in (project / "public").rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert local <= set(published)
    assert "uploaded 0" not in first.stderr

    again = publish()
    assert "uploaded 0 (0 B)" in again.stderr                  # idempotent: nothing sent again
    assert objects(s3rver, prefix) == published

    client = client_for(s3rver)
    client.put_object(Bucket=BUCKET, Key=prefix + "index.html", Body=b"<h1>Our network</h1>")
    client.put_object(Bucket=BUCKET, Key=prefix + "media/demo/raw-take.wav", Body=b"RIFF by hand")
    sidecar = project / "episodes/demo/good.toml"
    sidecar.write_text(sidecar.read_text() + "draft = true\n")

    pruned = publish("--prune")
    after = objects(s3rver, prefix)
    assert "media/demo/good.mp3" not in after and "embed/demo/good.html" not in after
    assert after["index.html"] == hashlib.sha256(b"<h1>Our network</h1>").hexdigest()
    assert after["media/demo/raw-take.wav"] == hashlib.sha256(b"RIFF by hand").hexdigest()
    assert "kept (not published by media-pub): index.html" in pruned.stderr
    assert after["media/demo/second.mp3"] == published["media/demo/second.mp3"]
    assert ".media-pub/lock" not in after
