"""publish end to end: against moto's S3 server over HTTP on loopback, and a local folder.

Requests are counted by a recording proxy in front of moto (tests/s3_server.py), which
also injects failed PUTs. Nothing here patches boto3.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from media_pub.errors import ExitStatus, StorageError
from media_pub.model import Settings, StorageSettings
from media_pub.publish import publish
from media_pub.storage import LocalStorage, open_target

sys.path.insert(0, str(Path(__file__).parent))
from s3_server import ACCESS_KEY, SECRET_KEY, aws_env, bucket, s3_endpoint  # noqa: E402,F401

ROOT = Path(__file__).parent.parent
SHARED = ("feeds/show.xml", "feeds/show.json", "embed/index.json", "embed/show/index.html", "art/show.jpg")


def make_site(out: Path, version: int = 1, episodes=("ep-1", "ep-2"), big: bool = False) -> dict[str, bytes]:
    """A build directory with a file at every SPEC section-3 key (bytes depend on version)."""
    files: dict[str, bytes] = {"art/show.jpg": b"\xff\xd8 show art", "embed/player.js": b"// player",
                               "embed/player.css": b"audio { width: 100% }"}
    for ep in episodes:
        files[f"media/show/{ep}.mp3"] = f"ID3 {ep} v{version} ".encode() * 300
        files[f"art/show/{ep}.jpg"] = f"\xff\xd8 {ep}".encode()
        files[f"chapters/show/{ep}.json"] = json.dumps({"version": "1.2.0", "chapters": []}).encode()
        files[f"transcripts/show/{ep}.vtt"] = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"
        files[f"embed/show/{ep}.html"] = f"<audio src=../../media/show/{ep}.mp3>".encode()
        files[f"embed/show/{ep}.oembed.json"] = b'{"version": "1.0", "type": "rich"}'
    if big:
        files["media/show/long.mp3"] = os.urandom(9 << 20)   # over the 8 MiB multipart threshold
    items = "".join(f"<item><enclosure url='media/show/{ep}.mp3'/></item>" for ep in episodes)
    files["feeds/show.xml"] = f"<rss version='2.0'><channel><title>v{version}</title>{items}</channel></rss>".encode()
    files["feeds/show.json"] = json.dumps({"version": "https://jsonfeed.org/version/1.1", "v": version}).encode()
    files["embed/show/index.html"] = f"<h1>v{version}</h1>".encode()
    files["embed/index.json"] = json.dumps({"version": 1, "v": version, "episodes": list(episodes)}).encode()
    files[".cache/private.txt"] = b"never published"
    for key, data in files.items():
        path = out / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    for stale in {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - set(files):
        (out / stale).unlink()
    return {k: v for k, v in files.items() if not k.startswith(".")}


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "public"


def s3_settings(tmp_path: Path, bucket) -> Settings:
    return Settings(project=tmp_path, storage=StorageSettings(
        target=f"s3://{bucket.name}/site", endpoint_url=bucket.proxy.url, region="us-east-1"))


def _put_order(proxy) -> list[str]:
    """Object keys in the order their uploads completed at the server (PUT/POST per key, last one)."""
    seen: dict[str, int] = {}
    for index, (method, path, _query) in enumerate(proxy.requests):
        if method in ("PUT", "POST") and "/site/" in path:
            seen[path.split("/site/", 1)[1]] = index
    return sorted(seen, key=seen.get)


# -- S3 ----------------------------------------------------------------------------------

def test_first_publish_uploads_everything_in_order_with_headers(tmp_path, out, bucket):
    files = make_site(out, big=True)
    report = publish(s3_settings(tmp_path, bucket), out=out)

    assert report.ok and sorted(report.uploaded) == sorted(files) and report.bytes == sum(map(len, files.values()))
    for key, data in files.items():
        assert bucket.read(f"site/{key}") == data
    assert not any(".cache" in key for key in bucket.keys())
    heads = {key: bucket.head(f"site/{key}") for key in files}
    assert heads["media/show/ep-1.mp3"]["ContentType"] == "audio/mpeg"
    assert heads["art/show.jpg"]["ContentType"] == "image/jpeg"
    assert heads["feeds/show.xml"]["ContentType"] == "application/rss+xml; charset=utf-8"
    assert heads["feeds/show.json"]["ContentType"] == "application/feed+json; charset=utf-8"
    assert heads["embed/index.json"]["ContentType"] == "application/json; charset=utf-8"
    assert heads["embed/show/ep-1.oembed.json"]["ContentType"] == "application/json; charset=utf-8"
    assert heads["embed/show/ep-1.html"]["ContentType"] == "text/html; charset=utf-8"
    assert heads["transcripts/show/ep-1.vtt"]["ContentType"] == "text/vtt; charset=utf-8"
    assert heads["embed/player.css"]["ContentType"] == "text/css; charset=utf-8"
    assert heads["embed/player.js"]["ContentType"] == "text/javascript; charset=utf-8"
    assert heads["media/show/ep-1.mp3"]["CacheControl"] == "public, max-age=31536000"
    for short in ("feeds/show.xml", "feeds/show.json", "embed/index.json", "embed/show/ep-1.html"):
        assert heads[short]["CacheControl"] == "public, max-age=300"
    assert heads["media/show/long.mp3"]["ETag"].strip('"').endswith("-2")    # went up in parts

    order = _put_order(bucket.proxy)
    last_asset = max(order.index(k) for k in files
                     if k.startswith(("media/", "art/", "chapters/", "transcripts/", "embed/player.")))
    first_feed = min(order.index(k) for k in ("feeds/show.xml", "feeds/show.json"))
    assert last_asset < min(order.index(k) for k in files if k.startswith("embed/show/"))
    assert max(order.index(k) for k in files if k.startswith("embed/show/")) < first_feed
    assert max(order.index(k) for k in ("feeds/show.xml", "feeds/show.json")) < order.index("embed/index.json")
    assert order.index("embed/index.json") < order.index(".media-pub/manifest.json")
    manifest = bucket.head("site/.media-pub/manifest.json")
    assert "max-age" not in manifest.get("CacheControl", "")
    record = json.loads((tmp_path / ".media-pub/published.json").read_text())    # what status reads
    assert record["target"] == f"s3://{bucket.name}/site/"
    assert record["objects"]["media/show/ep-1.mp3"] == hashlib.sha256(files["media/show/ep-1.mp3"]).hexdigest()


def test_noop_publish_makes_two_requests_and_no_puts(tmp_path, out, bucket):
    files = make_site(out)
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    bucket.proxy.clear()

    report = publish(settings, out=out)

    assert report.ok and report.uploaded == () and sorted(report.skipped) == sorted(files)
    assert bucket.proxy.writes() == []
    assert bucket.proxy.count() == 2, bucket.proxy.requests


def test_a_changed_file_of_the_same_size_is_uploaded(tmp_path, out, bucket):
    make_site(out)
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    feed = out / "feeds/show.xml"
    old = feed.read_bytes()
    new = old.replace(b"v1", b"v9")
    assert len(new) == len(old) and new != old
    feed.write_bytes(new)
    os.utime(feed, ns=(os.stat(feed).st_atime_ns, os.stat(feed).st_mtime_ns))

    report = publish(settings, out=out)

    assert report.uploaded == ("feeds/show.xml",)
    assert bucket.read("site/feeds/show.xml") == new


def test_an_object_replaced_behind_our_back_is_uploaded_again(tmp_path, out, bucket):
    files = make_site(out)
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    bucket.client.put_object(Bucket=bucket.name, Key="site/feeds/show.json", Body=b"tampered")

    report = publish(settings, out=out)

    assert report.uploaded == ("feeds/show.json",)
    assert bucket.read("site/feeds/show.json") == files["feeds/show.json"]


def test_a_lost_manifest_costs_no_reupload_of_identical_objects(tmp_path, out, bucket):
    make_site(out, big=True)
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    bucket.client.put_object(Bucket=bucket.name, Key="site/.media-pub/manifest.json", Body=b"damaged {")
    bucket.proxy.clear()

    report = publish(settings, out=out)

    assert report.uploaded == ()       # same bytes: the S3 ETags match the local MD5s (multipart too)
    assert bucket.proxy.writes() == [f"/{bucket.name}/site/.media-pub/lock",
                                     f"/{bucket.name}/site/.media-pub/manifest.json",
                                     f"/{bucket.name}/site/.media-pub/lock"]    # the manifest is rebuilt
    bucket.proxy.clear()
    assert publish(settings, out=out).uploaded == () and bucket.proxy.count() == 2


def test_dry_run_lists_changes_and_writes_nothing(tmp_path, out, bucket):
    make_site(out)
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    before = {key: bucket.read(key) for key in bucket.keys()}
    make_site(out, version=2, episodes=("ep-2", "ep-3"))
    bucket.proxy.clear()

    report = publish(settings, out=out, dry_run=True, prune=True)

    assert bucket.proxy.writes() == [] and bucket.proxy.count() == 2
    assert {key: bucket.read(key) for key in bucket.keys()} == before
    assert report.dry_run and "media/show/ep-3.mp3" in report.uploaded and "media/show/ep-2.mp3" in report.uploaded
    assert "media/show/ep-1.mp3" in report.deleted
    reasons = {a.key: (a.kind, a.reason) for a in report.actions}
    assert reasons["media/show/ep-3.mp3"] == ("upload", "new")
    assert reasons["media/show/ep-2.mp3"] == ("upload", "changed")
    assert reasons["media/show/ep-1.mp3"] == ("delete", "no longer built")
    assert report.uploaded.index("media/show/ep-3.mp3") < report.uploaded.index("feeds/show.xml") \
        < report.uploaded.index("embed/index.json")


def test_a_failed_upload_keeps_the_old_feed_and_a_rerun_completes(tmp_path, out, bucket):
    old = make_site(out)
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    new = make_site(out, version=2, episodes=("ep-1", "ep-2", "ep-3"))
    bucket.proxy.fail = lambda method, path: method == "PUT" and path.endswith("/media/show/ep-3.mp3")
    bucket.proxy.clear()

    report = publish(settings, out=out)

    assert not report.ok and report.exit_code == ExitStatus.PARTIAL
    assert [f.key for f in report.failures] == ["media/show/ep-3.mp3"]
    assert "s3://" in report.failures[0].message and "media/show/ep-3.mp3" in report.failures[0].message
    assert "left in place" in report.summary
    for key in ("feeds/show.xml", "feeds/show.json", "embed/index.json"):
        assert bucket.read(f"site/{key}") == old[key]
    assert not any("/feeds/" in p or p.endswith("embed/index.json") for p in bucket.proxy.writes())
    assert "site/media/show/ep-3.mp3" not in bucket.keys()

    bucket.proxy.fail = None
    again = publish(settings, out=out)

    assert again.ok
    # what went up the first time is not sent again
    assert set(again.uploaded) == {"media/show/ep-3.mp3", "embed/show/ep-3.html", "embed/show/ep-3.oembed.json",
                                   "embed/show/index.html", "feeds/show.xml", "feeds/show.json", "embed/index.json"}
    for key, data in new.items():
        assert bucket.read(f"site/{key}") == data


def test_objects_are_deleted_only_with_prune_and_after_the_new_feed(tmp_path, out, bucket):
    make_site(out, episodes=("ep-1", "ep-2"))
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    make_site(out, version=2, episodes=("ep-2",))

    kept = publish(settings, out=out)
    assert "media/show/ep-1.mp3" in kept.kept and kept.deleted == ()
    assert "site/media/show/ep-1.mp3" in bucket.keys()
    assert "--prune" in kept.summary

    make_site(out, version=3, episodes=("ep-2",))
    bucket.proxy.clear()
    pruned = publish(settings, out=out, prune=True)

    gone = {"media/show/ep-1.mp3", "art/show/ep-1.jpg", "chapters/show/ep-1.json", "transcripts/show/ep-1.vtt",
            "embed/show/ep-1.html", "embed/show/ep-1.oembed.json"}
    assert set(pruned.deleted) == gone
    assert not gone & {k.removeprefix("site/") for k in bucket.keys()}
    methods = [(m, p) for m, p, q in bucket.proxy.requests]
    feed_put = methods.index(("PUT", f"/{bucket.name}/site/feeds/show.xml"))
    index_put = methods.index(("PUT", f"/{bucket.name}/site/embed/index.json"))
    delete = next(i for i, (m, p) in enumerate(methods) if m == "POST" and p == f"/{bucket.name}")
    assert feed_put < index_put < delete


def test_prune_waits_for_a_complete_publish(tmp_path, out, bucket):
    make_site(out, episodes=("ep-1", "ep-2"))
    settings = s3_settings(tmp_path, bucket)
    publish(settings, out=out)
    make_site(out, version=2, episodes=("ep-2",))
    bucket.proxy.fail = lambda method, path: path.endswith("/media/show/ep-2.mp3")

    report = publish(settings, out=out, prune=True)

    assert not report.ok and report.deleted == ()
    assert "site/media/show/ep-1.mp3" in bucket.keys()    # the live feed still lists it


def test_a_second_publish_of_the_same_target_fails_clearly(tmp_path, out, bucket):
    make_site(out)
    settings = s3_settings(tmp_path, bucket)
    holder = open_target(settings)
    with holder.lock("alice@laptop pid 42"):
        with pytest.raises(StorageError) as caught:
            publish(settings, out=out)
        assert "another publish" in str(caught.value) and "alice@laptop pid 42" in str(caught.value)
        assert ".media-pub/lock" in str(caught.value)
        assert bucket.keys("site/feeds/") == set()
    assert publish(settings, out=out).ok
    assert "site/.media-pub/lock" not in bucket.keys()


def test_a_lock_left_by_a_dead_publisher_expires(tmp_path, out, bucket):
    make_site(out)
    settings = s3_settings(tmp_path, bucket)
    stale = {"owner": "bob@gone pid 1", "since": 0, "expires": 1}
    bucket.client.put_object(Bucket=bucket.name, Key="site/.media-pub/lock", Body=json.dumps(stale).encode())

    assert publish(settings, out=out).ok


def test_show_filter_publishes_only_that_show_and_shared_keys(tmp_path, out, bucket):
    make_site(out)
    (out / "media/other/x.mp3").parent.mkdir(parents=True)
    (out / "media/other/x.mp3").write_bytes(b"other show")
    (out / "feeds/other.xml").write_bytes(b"<rss/>")

    report = publish(s3_settings(tmp_path, bucket), ["show"], out=out)

    assert "embed/index.json" in report.uploaded and "media/show/ep-1.mp3" in report.uploaded
    assert not {"media/other/x.mp3", "feeds/other.xml"} & set(report.uploaded)


# -- local folder ------------------------------------------------------------------------

def local_settings(tmp_path: Path) -> Settings:
    return Settings(project=tmp_path, storage=StorageSettings(target="www"))


def test_local_folder_publish_is_ordered_incremental_and_content_exact(tmp_path, out):
    files = make_site(out)
    settings = local_settings(tmp_path)
    www = tmp_path / "www"

    first = publish(settings, out=out)

    assert first.ok and sorted(first.uploaded) == sorted(files)
    assert {p.relative_to(www).as_posix() for p in www.rglob("*") if p.is_file() and ".media-pub" not in p.parts} \
        == set(files)
    mtime = {key: (www / key).stat().st_mtime_ns for key in files}
    assert max(mtime[k] for k in files if k.startswith("media/")) <= mtime["feeds/show.xml"] \
        <= mtime["embed/index.json"]

    second = publish(settings, out=out)
    assert second.uploaded == () and {key: (www / key).stat().st_mtime_ns for key in files} == mtime

    feed = out / "feeds/show.json"
    feed.write_bytes(feed.read_bytes().replace(b'"v": 1', b'"v": 7'))
    third = publish(settings, out=out)
    assert third.uploaded == ("feeds/show.json",) and (www / "feeds/show.json").read_bytes() == feed.read_bytes()
    assert not list(www.rglob(".*.tmp"))


def test_local_folder_failure_keeps_old_feed_and_rerun_completes(tmp_path, out):
    old = make_site(out)
    settings = local_settings(tmp_path)
    publish(settings, out=out)
    new = make_site(out, version=2, episodes=("ep-1", "ep-2", "ep-3"))
    blocker = tmp_path / "www/media/show/ep-3.mp3"
    blocker.mkdir(parents=True)    # a folder where the file must go: the replace fails

    report = publish(settings, out=out)

    assert [f.key for f in report.failures] == ["media/show/ep-3.mp3"]
    assert (tmp_path / "www/feeds/show.xml").read_bytes() == old["feeds/show.xml"]
    assert (tmp_path / "www/embed/index.json").read_bytes() == old["embed/index.json"]
    blocker.rmdir()
    assert publish(settings, out=out).ok
    assert all((tmp_path / "www" / key).read_bytes() == data for key, data in new.items())


def test_local_folder_prune_and_lock(tmp_path, out):
    make_site(out)
    settings = local_settings(tmp_path)
    publish(settings, out=out)
    make_site(out, version=2, episodes=("ep-2",))
    with LocalStorage(tmp_path / "www").lock("carol@desk pid 7"):
        with pytest.raises(StorageError, match="another publish .*carol@desk pid 7"):
            publish(settings, out=out)
    report = publish(settings, out=out, prune=True)
    assert "media/show/ep-1.mp3" in report.deleted
    assert not (tmp_path / "www/media/show/ep-1.mp3").exists() and not (tmp_path / "www/embed/show/ep-1.html").exists()
    assert (tmp_path / "www/media/show/ep-2.mp3").exists()


def test_publishing_into_the_build_directory_is_a_no_op(tmp_path, out):
    files = make_site(out)
    settings = Settings(project=tmp_path, storage=StorageSettings(target="public"))
    before = {key: (out / key).stat().st_mtime_ns for key in files}
    assert publish(settings, dry_run=True).in_place
    assert not (tmp_path / ".media-pub").exists()      # a dry run writes nothing at all

    report = publish(settings)

    assert report.in_place and report.ok and sorted(report.skipped) == sorted(files) and report.uploaded == ()
    assert {key: (out / key).stat().st_mtime_ns for key in files} == before
    assert not (out / ".media-pub").exists()


def test_missing_build_directory_is_one_clear_error(tmp_path):
    with pytest.raises(StorageError, match="run `media-pub build`"):
        publish(local_settings(tmp_path), out=tmp_path / "nothing")


# -- the command -------------------------------------------------------------------------

def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command in a child process: all output (logging included) is captured."""
    return subprocess.run([sys.executable, "-m", "media_pub", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=120)


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("project")
    assert run_cli("init", str(project), cwd=project).returncode == 0
    return project


def test_cli_publish_with_no_configuration_goes_to_public(sample_project):
    result = run_cli("--project", str(sample_project), "publish", cwd=sample_project)

    assert result.returncode == 0, result.stderr
    assert "Published in place" in result.stderr
    assert (sample_project / "public/feeds/my-show.xml").is_file()
    assert any((sample_project / "public/media/my-show").iterdir())


def test_cli_dry_run_lists_changes_and_a_bad_endpoint_is_one_line(sample_project, bucket, tmp_path):
    from click.testing import CliRunner

    from media_pub.cli import cli

    env = {"MEDIA_PUB_STORAGE_ENDPOINT_URL": bucket.proxy.url, "MEDIA_PUB_STORAGE_REGION": "us-east-1"}
    target = f"s3://{bucket.name}/site"
    dry = CliRunner(env=env).invoke(cli, ["--project", str(sample_project), "publish", "--to", target, "--dry-run"])
    assert dry.exit_code == 0, dry.stderr
    assert "upload media/my-show/welcome.mp3  [new]" in dry.stdout
    assert "Dry run for" in dry.stderr and bucket.proxy.writes() == []

    env["MEDIA_PUB_STORAGE_ENDPOINT_URL"] = "http://127.0.0.1:9"
    bad = CliRunner(env=env).invoke(cli, ["--project", str(sample_project), "publish", "--to", target, "--dry-run"])
    assert bad.exit_code == ExitStatus.ERROR
    assert bad.stderr == f"Error: s3://{bucket.name}/site/: listing failed: cannot reach http://127.0.0.1:9\n" \
        or bad.stderr.startswith(f"Error: s3://{bucket.name}/site/.media-pub/manifest.json: reading failed: "
                                 "cannot reach http://127.0.0.1:9")
    assert "Traceback" not in bad.stderr


def test_cli_publish_to_s3_never_prints_secrets_even_with_v(sample_project, bucket, tmp_path):
    env = {"MEDIA_PUB_STORAGE_ENDPOINT_URL": bucket.proxy.url, "MEDIA_PUB_STORAGE_REGION": "us-east-1"}
    target = f"s3://{bucket.name}/site"
    bucket.proxy.fail = lambda method, path: path.endswith("/media/my-show/welcome.mp3")
    failed = run_cli("-v", "--project", str(sample_project), "publish", "--to", target, cwd=tmp_path, env=env)

    assert failed.returncode == ExitStatus.PARTIAL
    assert f"Error: s3://{bucket.name}/site/media/my-show/welcome.mp3: upload failed: InternalError" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert "site/feeds/my-show.xml" not in bucket.keys()

    bucket.proxy.fail = None
    done = run_cli("-v", "--project", str(sample_project), "publish", "--to", target, cwd=tmp_path, env=env)

    assert done.returncode == 0, done.stderr
    assert f"Published to s3://{bucket.name}/site/: uploaded" in done.stderr
    assert "site/feeds/my-show.xml" in bucket.keys()
    for result in (failed, done):
        output = result.stdout + result.stderr
        assert "settings from" in output            # -v really was on
        assert SECRET_KEY not in output and ACCESS_KEY not in output
